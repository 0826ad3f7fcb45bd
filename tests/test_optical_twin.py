"""The simulator's optical twin: sun, reflectance physics, shadows, clouds, the pair folder."""
import math

import numpy as np
import pytest

from sar_change.core.simulator import BARE, FIELD, FOREST, WATER, simulate_stack
from sar_change.core.simulator import optical as opt
from sar_change.core.translation import pair_dataset
from sar_change.core.translation.metrics import LAYOVER, NODATA

B02, B03, B04, B08 = range(4)


def flat_maps(shape, deciduous=0.5):
    """scene_maps without randomness: no texture, uniform deciduous share and crop vigour."""
    return dict(deciduous=np.full(shape, deciduous, np.float32), texture=np.ones(shape, np.float32),
                field_vigour=np.ones(shape, np.float32))


def one_pixel(cls, doy, snow_depth_m=0.0, snow_density=100.0):
    classes = np.array([[cls]], dtype=np.uint8)
    return opt.ground_reflectance(classes, doy, flat_maps((1, 1)), snow_depth_m, snow_density)[:, 0, 0]


def test_sun_position_at_solar_noon_and_overpass():
    # Equinox (declination ~0): noon elevation = 90 deg - latitude, sun due south.
    dec = math.degrees(float(opt.solar_declination(80)))
    assert abs(dec) < 0.5
    el, az = opt.sun_position("2021-03-21", 45.0, solar_hour=12.0)
    assert math.degrees(el) == pytest.approx(45.0 + dec, abs=0.05)
    assert math.degrees(az) == pytest.approx(180.0, abs=1e-6)
    # Summer solstice declination 23.44 deg (Spencer's series within 0.1 deg).
    assert math.degrees(float(opt.solar_declination(172))) == pytest.approx(23.44, abs=0.1)
    # 10:30 overpass: sun in the south-east, lower than at noon.
    el_s2, az_s2 = opt.sun_position("2021-03-21", 45.0)
    assert 90.0 < math.degrees(az_s2) < 180.0
    assert el_s2 < el
    # Reference: cos(H) with H = -22.5 deg at declination ~0: sin(el) = cos(45) cos(dec) cos(22.5).
    lat, dec_r, hour = math.radians(45), math.radians(dec), math.radians(22.5)
    expected = math.asin(math.sin(lat) * math.sin(dec_r) + math.cos(lat) * math.cos(dec_r) * math.cos(hour))
    assert el_s2 == pytest.approx(expected, abs=1e-9)


def test_snow_is_brighter_than_forest_and_darker_in_nir():
    forest = one_pixel(FOREST, 15)
    snow_field = one_pixel(FIELD, 15, snow_depth_m=0.5)
    assert np.all(snow_field[:3] > 5 * forest[:3])  # visible: snow ~0.9, forest < 0.07
    assert snow_field[B08] < snow_field[B02]  # snow darker in the NIR than in the visible
    # Old (dense) snow darker than fresh snow; forest canopy hides part of the snow.
    old = one_pixel(FIELD, 15, snow_depth_m=0.5, snow_density=350.0)
    assert np.all(old < snow_field)
    snowy_forest = one_pixel(FOREST, 15, snow_depth_m=0.5)
    assert np.all(forest[:3] < snowy_forest[:3]) and np.all(snowy_forest[:3] < snow_field[:3])


def test_water_is_darker_in_nir_than_vegetation():
    water = one_pixel(WATER, 180)
    forest, field = one_pixel(FOREST, 180), one_pixel(FIELD, 180)
    assert water[B08] < 0.03
    assert forest[B08] > 8 * water[B08] and field[B08] > 8 * water[B08]
    assert water[B08] < water[B04]  # NIR absorbed by water


def test_ndvi_of_fields_and_deciduous_forest_follows_the_seasons():
    summer = opt.ndvi(one_pixel(FIELD, 180))
    winter = opt.ndvi(one_pixel(FIELD, 15))
    assert summer > 0.75 and winter < 0.3
    leaf_on = opt.ndvi(opt.ground_reflectance(np.array([[FOREST]]), 200, flat_maps((1, 1), 1.0)))
    leaf_off = opt.ndvi(opt.ground_reflectance(np.array([[FOREST]]), 15, flat_maps((1, 1), 1.0)))
    assert leaf_on[0, 0] > 0.75 and leaf_off[0, 0] < 0.5


def test_sunlit_and_shadowed_slopes_follow_cos_i():
    """Two planar slopes, facing the sun and facing away (not past the grazing angle)."""
    date, lat = "2021-06-21", 46.0
    el, az = opt.sun_position(date, lat)
    zen = math.pi / 2 - el
    n, d = 40, 10.0
    slope = math.radians(20.0)
    y, x = np.mgrid[0:n, 0:n] * d
    ratios = {}
    for name, aspect in (("towards", az), ("away", az + math.pi)):
        # A plane whose downslope direction is ``aspect`` (east = sin, north = cos; rows run south).
        z = 1000.0 - math.tan(slope) * (math.sin(aspect) * x - math.cos(aspect) * y)
        classes = np.full((n, n), BARE, np.uint8)
        out = opt.render_optical(classes, z, d, d, date, lat, flat_maps((n, n)), diffuse=False)
        ratios[name] = out["reflectance"][:, 5:-5, 5:-5] / out["ground"][:, 5:-5, 5:-5]
        cos_i = math.cos(zen) * math.cos(slope) + math.sin(zen) * math.sin(slope) * math.cos(aspect - az)
        np.testing.assert_allclose(ratios[name], cos_i / math.cos(zen), rtol=1e-6)
    expected = math.cos(zen + slope) / math.cos(zen - slope)
    assert np.median(ratios["away"] / ratios["towards"]) == pytest.approx(expected, rel=1e-6)
    # With sky light the shaded slope is still darker, but no longer at the pure cos i ratio.
    with_sky = opt.render_optical(np.full((n, n), BARE, np.uint8), 1000.0 + 0 * x, d, d, date, lat,
                                  flat_maps((n, n)))
    np.testing.assert_allclose(with_sky["reflectance"] / with_sky["ground"], 1.0, rtol=1e-6)  # flat


@pytest.mark.parametrize("sun_azimuth_deg", [180.0, 90.0])
def test_cast_shadow_length_of_a_wall_is_h_over_tan_elevation(sun_azimuth_deg):
    n, d, h = 80, 10.0, 100.0
    elevation = math.radians(30.0)
    z = np.zeros((n, n))
    if sun_azimuth_deg == 180.0:  # sun in the south: an east-west wall casts its shadow northwards
        z[60:62, :] = h
    else:  # sun in the east: a north-south wall casts its shadow westwards
        z[:, 18:20] = h
        z = z[:, ::-1].copy()  # wall at columns 60..61, shadow towards lower columns
    light = opt.illumination(z, d, d, elevation, math.radians(sun_azimuth_deg))
    line = light["cast_shadow"][:60, 40] if sun_azimuth_deg == 180.0 else light["cast_shadow"][40, :60]
    length_px = int(line[::-1].argmin())  # shadowed pixels next to the wall
    assert not line[:30].any()  # nothing shadowed far from the wall
    assert length_px == pytest.approx(h / math.tan(elevation) / d, abs=1.0)  # 17.3 px


@pytest.mark.parametrize("sun_azimuth_deg, elevation_deg", [(135.0, 30.0), (300.0, 50.0), (200.0, 30.0)])
def test_cast_shadow_of_a_pillar_points_away_from_the_sun(sun_azimuth_deg, elevation_deg):
    n, d, h = 100, 10.0, 100.0
    z = np.zeros((n, n))
    z[49:51, 49:51] = h  # a 20 m x 20 m pillar, 100 m high
    az, el = math.radians(sun_azimuth_deg), math.radians(elevation_deg)
    shadow = opt.illumination(z, d, d, el, az)["cast_shadow"]
    shadow[49:51, 49:51] = False
    rows, cols = np.nonzero(shadow)
    east, north = cols - 49.5, -(rows - 49.5)  # pixels from the pillar's centre
    along = -east * math.sin(az) - north * math.cos(az)  # distance away from the sun
    across = east * math.cos(az) - north * math.sin(az)
    assert along.min() > -1.0 and np.abs(across).max() < 2.0  # a thin shadow behind the pillar
    assert along.max() == pytest.approx(h / math.tan(el) / d, abs=1.0)


def test_clouds_blend_towards_the_cloud_top_and_the_mask_agrees():
    n, d = 96, 20.0
    rng = np.random.default_rng(3)
    z = np.asarray(opt.fractal_dem((n, n), d, 300.0, 3.2, rng, valley=False))
    classes = np.full((n, n), FOREST, np.uint8)
    maps = opt.scene_maps((n, n), d, np.random.default_rng(4))
    clear = opt.render_optical(classes, z, d, d, "2021-07-01", 46.0, maps)
    cloudy = opt.render_optical(classes, z, d, d, "2021-07-01", 46.0, maps, cloud_cover=0.4,
                                cloud_rng=np.random.default_rng(5))
    mask, alpha = cloudy["cloud_mask"], cloudy["cloud_opacity"]
    cloud = (mask == opt.THIN_CLOUD) | (mask == opt.THICK_CLOUD)
    assert cloud.mean() == pytest.approx(0.4, abs=0.01)
    np.testing.assert_array_equal(mask == opt.THICK_CLOUD, alpha > opt.THICK_OPACITY)
    thick = mask == opt.THICK_CLOUD
    assert thick.any() and np.all(cloudy["reflectance"][B02][thick] > 0.35)  # forest B02 < 0.05
    assert np.all(cloudy["reflectance"][:3, thick] > clear["reflectance"][:3, thick])  # visible
    # Ground untouched by cloud or cloud shadow is the clear render, exactly.
    untouched = (alpha == 0) & (mask == opt.CLEAR)
    shifted = opt.cloud_shadow_opacity(alpha, d, math.radians(cloudy["sun_elevation_deg"]),
                                       math.radians(cloudy["sun_azimuth_deg"]))
    untouched &= shifted == 0
    assert untouched.sum() > 100
    np.testing.assert_array_equal(cloudy["reflectance"][:, untouched], clear["reflectance"][:, untouched])
    # Cloud shadows on sunlit ground are darker than the clear render.
    shade = (mask == opt.CLOUD_SHADOW) & ~clear["cast_shadow"]
    assert shade.any()
    assert np.all(cloudy["reflectance"][B08][shade] < clear["reflectance"][B08][shade])


def test_minnaert_photometry_reduces_to_lambert_for_k_1():
    n, d = 24, 10.0
    x = np.mgrid[0:n, 0:n][1] * d
    z = 0.4 * x  # a 21.8 deg slope facing west, away from the morning sun
    maps = flat_maps((n, n))
    out = {}
    for cls in (WATER, FOREST):  # Minnaert k = 1 (water) and 0.6 (forest)
        classes = np.full((n, n), cls, np.uint8)
        for photometry in ("lambert", "minnaert"):
            r = opt.render_optical(classes, z, d, d, "2021-06-21", 46.0, maps, photometry=photometry,
                                   diffuse=False)
            out[cls, photometry] = (r["reflectance"] / r["ground"])[:, 5:-5, 5:-5]
    np.testing.assert_allclose(out[WATER, "minnaert"], out[WATER, "lambert"], rtol=1e-6)
    # k < 1 flattens the shading: the slope facing away is brighter than Lambert predicts.
    lambert = float(np.median(out[FOREST, "lambert"]))
    cos_s = math.cos(math.atan(0.4))
    assert lambert < 1.0
    assert np.median(out[FOREST, "minnaert"]) == pytest.approx(lambert ** 0.6 * cos_s ** -0.4, rel=1e-5)


def test_pair_folder_from_a_simulated_stack(tmp_path):
    stack = simulate_stack(tmp_path / "stack", shape=(48, 48), start="2021-01-01", end="2021-03-01",
                           revisit_days=20, seed=2, relief_m=900.0, orbits=("ascending", "descending"))
    csv_path = opt.write_simulated_pairs(tmp_path / "stack", tmp_path / "pairs", cloud_probability=1.0)
    rows = pair_dataset.read_pairs(tmp_path / "pairs")
    assert len(rows) == len(stack["files"])
    assert tuple(open(csv_path).readline().strip().split(",")) == pair_dataset.PAIR_COLUMNS
    from sar_change.core.engine.raster_blocks import read_array
    for row, sar_file in zip(rows, stack["files"]):
        pair = pair_dataset.load_pair(row)
        assert pair["sar"].shape == (2, 48, 48) and pair["optical"].shape == (4, 48, 48)
        expected_db = 10 * np.log10(read_array(sar_file, 1).astype(np.float64))
        np.testing.assert_allclose(pair["sar"][0], expected_db, rtol=1e-5)
        # Reflectance 0..1, above 1 only on snow slopes facing a low sun (as in real L2A): at most
        # the brightest snow times the direct-beam gain 1 / cos(zenith) of a slope facing the sun.
        gain = 1.0 / math.sin(math.radians(float(row["sun_elevation_deg"])))
        assert np.nanmin(pair["optical"]) >= 0 and np.nanmax(pair["optical"]) <= 0.95 * gain
        assert np.nanmedian(pair["optical"]) <= 1.0
        assert set(np.unique(pair["distortion"])) <= set(range(NODATA + 1, LAYOVER + 1))
        assert pair["dem"].shape == (48, 48)
        cloudy = np.mean(pair["cloud_mask"] != opt.CLEAR)
        assert float(row["cloud_fraction"]) == pytest.approx(cloudy, abs=1e-4)
        assert row["source"] == "simulator" and row["date"] == row["sar_date"]
    # Ascending and descending pairs use their own orbit's distortion classes.
    assert {r["distortion"].rsplit("_", 1)[-1] for r in rows} == {"ASC.tif", "DSC.tif"}


def test_pairs_of_a_stack_on_a_given_dem_need_that_dem(tmp_path):
    rng = np.random.default_rng(0)
    z = opt.fractal_dem((40, 40), 20.0, 800.0, 3.2, rng).astype(np.float64)
    from osgeo import osr
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    dem = (z, (500000.0, 20.0, 0.0, 5200000.0, 0.0, -20.0), srs.ExportToWkt())
    options = dict(dem=dem, start="2021-06-01", end="2021-06-20", revisit_days=12, orbits=("ascending",))
    simulate_stack(tmp_path / "s", **options)
    with pytest.raises(ValueError, match="pass that DEM as dem="):
        opt.write_simulated_pairs(tmp_path / "s", tmp_path / "p")
    simulate_stack(tmp_path / "shifted", shifts_px=0.5, **options)
    with pytest.raises(ValueError, match="shifts_px=0"):
        opt.write_simulated_pairs(tmp_path / "shifted", tmp_path / "p", dem=dem)
    rows = pair_dataset.read_pairs(opt.simulate_pairs(tmp_path / "scene", seed=4, **options))
    assert len(rows) == 2 and rows[0]["scene"] == "scene_seed4"
    np.testing.assert_array_equal(pair_dataset.load_pair(rows[0])["dem"], z.astype(np.float32))


def test_land_cover_on_a_date_from_the_stack_folder_matches_the_events(tmp_path):
    import csv
    import datetime

    from sar_change.core.engine.raster_blocks import read_array
    from sar_change.core.simulator import classes_at

    s = simulate_stack(tmp_path / "s", shape=(64, 64), start="2021-01-01", end="2021-12-31", revisit_days=60,
                       seed=5, orbits=("ascending",))
    base = np.nan_to_num(read_array(s["landcover"])).astype(np.uint8)
    change_day, end_day = read_array(s["change_date"], 1), read_array(s["change_date"], 2)
    with open(s["changes_csv"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["type"] for r in rows} >= {"clearcut", "flood"}
    changed = 0
    for k in range(0, 365, 3):  # every third day: the short flood is caught too
        date = datetime.date(2021, 1, 1) + datetime.timedelta(days=k)
        expected = classes_at(base, s["events"], date)
        got = opt.classes_on(base, change_day, end_day, rows, s["start"], date)
        np.testing.assert_array_equal(got, expected)
        changed = max(changed, int((expected != base).sum()))
    assert changed > 20
