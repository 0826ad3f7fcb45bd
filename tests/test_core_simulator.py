import csv
import datetime as dt
import os

import numpy as np
import pytest
from osgeo import osr

from sar_change.core.engine.raster_blocks import read_array, read_info
from sar_change.core.simulator import (
    ACQUISITION_COLUMNS,
    BARE,
    CHANGE_COLUMNS,
    FIELD,
    FOREST,
    URBAN,
    WATER,
    WEATHER_COLUMNS,
    acquisition_schedule,
    change_day_rasters,
    change_masks,
    classes_at,
    estimate_shift,
    fourier_shift,
    fractal_dem,
    gamma_speckle,
    landcover,
    make_event,
    mask_from_change_days,
    orbit_geometry,
    resolve_events,
    sigma0,
    sigma0_db,
    simulate_stack,
    snowpack,
    soil_moisture,
    weather_series,
    write_change_mask,
)
from sar_change.core.simulator.backscatter import NESZ_DB, add_noise_floor
from sar_change.core.simulator.geometry import LAYOVER, SHADOW
from sar_change.core.terrain import geometry as terrain

PX = 20.0


def utm_wkt():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    return srs.ExportToWkt()


def ridge_dem(n=96, slope_deg=25.0):
    """North-south ridge: west flank faces west (aspect 270), east flank faces east."""
    x = (np.arange(n) - n / 2 + 0.5) * PX
    z = 1000.0 - np.abs(x) * np.tan(np.radians(slope_deg))
    return np.repeat(z[None, :], n, axis=0)


def db(x):
    return 10 * np.log10(x)


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory):
    out = tmp_path_factory.mktemp("stack")
    summary = simulate_stack(out, start="2020-01-01", end="2020-03-31", revisit_days=12, shape=(96, 96),
                             seed=3, shifts_px=0.4)
    return out, summary


# ---------------------------------------------------------------- speckle


@pytest.mark.parametrize("looks", [1, 4, 10])
def test_speckle_has_mean_one_and_enl_equal_to_looks(looks):
    s = gamma_speckle((300, 300), looks, np.random.default_rng(looks)).astype(np.float64)
    n = s.size
    assert s.mean() == pytest.approx(1.0, abs=4 / np.sqrt(n * looks))  # 4 standard errors
    assert s.mean() ** 2 / s.var(ddof=1) == pytest.approx(looks, rel=0.03)


def test_stack_speckle_on_a_homogeneous_patch(tmp_path):
    """Flat field-only scene: the speckled image has ENL = looks around the noise-free mean."""
    n = 128
    wkt = utm_wkt()
    gt = (500000.0, PX, 0.0, 5200000.0, 0.0, -PX)
    dem = np.full((n, n), 300.0)
    summary = simulate_stack(tmp_path, dem=(dem, gt, wkt), start="2020-06-01", end="2020-06-05",
                             orbits=("ascending",), looks=5, changes=None, seed=1)
    lc = read_array(summary["landcover"])
    vv = read_array(summary["files"][0], 1).astype(np.float64)
    # Field pixels away from other classes: texture (nu = 40) adds 1/40 to 1/L (product model).
    core = (lc == FIELD)
    from scipy import ndimage
    core = ndimage.binary_erosion(core, iterations=2)
    v = vv[core] / np.mean(vv[core])
    enl = 1.0 / v.var(ddof=1)
    expected = 1.0 / ((1 + 1 / 5) * (1 + 1 / 40) - 1)
    assert core.sum() > 2000
    assert enl == pytest.approx(expected, rel=0.1)


def test_infinite_looks_gives_the_speckle_free_twin_of_a_stack(tmp_path):
    """Same seed, looks=inf: the same scene without speckle; their ratio is Gamma(L, 1/L) speckle."""
    assert np.all(gamma_speckle((4, 4), np.inf, np.random.default_rng(0)) == 1.0)
    kwargs = dict(start="2020-06-01", end="2020-06-13", orbits=("ascending",), changes=None, seed=4,
                  shape=(96, 96))
    noisy = simulate_stack(tmp_path / "noisy", looks=6, **kwargs)
    clean = simulate_stack(tmp_path / "clean", looks=np.inf, **kwargs)
    ratio = read_array(noisy["files"][-1], 1).astype(np.float64) / read_array(clean["files"][-1], 1)
    ratio = ratio[np.isfinite(ratio)]
    assert ratio.size > 8000
    assert ratio.mean() == pytest.approx(1.0, abs=4 / np.sqrt(ratio.size * 6))
    assert ratio.mean() ** 2 / ratio.var(ddof=1) == pytest.approx(6.0, rel=0.06)


# ---------------------------------------------------------------- misregistration


def smooth_pattern(n=128, seed=0):
    rng = np.random.default_rng(seed)
    f = np.fft.fft2(rng.standard_normal((n, n)))
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(n), np.fft.fftfreq(n)))
    return np.real(np.fft.ifft2(f * np.exp(-(k / 0.08) ** 2)))


def test_integer_fourier_shift_is_exact():
    img = smooth_pattern()
    out = fourier_shift(img, 3, -2)
    expected = np.roll(np.roll(img, 3, axis=1), -2, axis=0)
    assert np.allclose(out[5:-5, 5:-5], expected[5:-5, 5:-5], atol=1e-5)


@pytest.mark.parametrize("shift", [(0.37, -1.23), (-2.5, 0.125), (0.0, 0.6)])
def test_fractional_shift_is_recovered_by_phase_correlation(shift):
    img = smooth_pattern(seed=2)
    moved = fourier_shift(img, *shift)
    est = estimate_shift(img, moved)
    assert est[0] == pytest.approx(shift[0], abs=0.01)
    assert est[1] == pytest.approx(shift[1], abs=0.01)


def test_stack_records_the_shift_it_applied(tmp_path):
    shifts = [(0.0, 0.0), (1.3, -0.6)]
    summary = simulate_stack(tmp_path, start="2020-07-01", end="2020-07-14", orbits=("ascending",),
                             shape=(128, 128), looks=1e6, changes=None, seed=5, shifts_px=shifts)
    rows = list(csv.DictReader(open(summary["acquisitions_csv"])))
    assert [(float(r["shift_x_px"]), float(r["shift_y_px"])) for r in rows] == shifts
    a, b = (db(read_array(f, 1).astype(np.float64)) for f in summary["files"])
    est = estimate_shift(a, b)
    assert est[0] == pytest.approx(1.3, abs=0.05)
    assert est[1] == pytest.approx(-0.6, abs=0.05)


# ---------------------------------------------------------------- changes


def test_change_masks_follow_the_schedule():
    shape = (40, 40)
    classes = np.full(shape, FOREST, np.uint8)
    classes[:, 20:] = FIELD
    square = [(2, 2), (15, 2), (15, 15), (2, 15)]  # forest
    strip = [(25, 0), (35, 0), (35, 40), (25, 40)]  # field
    events = resolve_events([make_event("clearcut", "2020-03-01", square),
                             make_event("flood", "2020-05-01", strip, end_date="2020-05-20")],
                            classes, np.zeros(shape), "2020-01-01")
    cut = np.zeros(shape, bool)
    cut[2:15, 2:15] = True
    flood = np.zeros(shape, bool)
    flood[:, 25:35] = True
    assert np.array_equal(events[0].mask, cut) and np.array_equal(events[1].mask, flood)
    assert change_masks(events, "2020-02-01", "2020-02-28", shape).sum() == 0
    assert np.array_equal(change_masks(events, "2020-02-01", "2020-03-01", shape), cut)
    assert np.array_equal(change_masks(events, "2020-04-01", "2020-05-10", shape), flood)
    assert np.array_equal(change_masks(events, "2020-05-10", "2020-04-01", shape), flood)  # symmetric
    assert np.array_equal(change_masks(events, "2020-04-01", "2020-06-01", shape), 0 * flood)  # receded
    assert np.array_equal(change_masks(events, "2020-01-02", "2020-05-10", shape), cut | flood)
    assert (classes_at(classes, events, "2020-05-10")[flood] == WATER).all()
    assert (classes_at(classes, events, "2020-05-20")[flood] == FIELD).all()
    # The change-day rasters give the same masks for any pair of dates.
    cday, eday = change_day_rasters(events, "2020-01-01", shape)
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in range(0, 200, 7)]
    for a in days:
        for b in days[::3]:
            assert np.array_equal(mask_from_change_days(cday, eday, "2020-01-01", a, b),
                                  change_masks(events, a, b, shape))


def test_stack_change_outputs_are_consistent(small_stack, tmp_path):
    out, summary = small_stack
    events = summary["events"]
    assert [e.kind for e in events] == ["clearcut", "flood", "building", "landslide"]
    rows = list(csv.DictReader(open(summary["changes_csv"])))
    assert tuple(rows[0].keys()) == CHANGE_COLUMNS
    assert [int(r["pixel_count"]) for r in rows] == [int(e.mask.sum()) for e in events]
    assert all(int(r["pixel_count"]) > 0 for r in rows)
    lc = read_array(summary["landcover"])
    cut = events[0]
    assert (lc[cut.mask] == FOREST).all()
    before = cut.date - dt.timedelta(days=1)
    path = write_change_mask(out, cut.date, before, tmp_path / "mask.tif")
    mask = read_array(path)
    assert np.array_equal(mask.astype(np.uint8), change_masks(events, before, cut.date, lc.shape))
    assert mask[cut.mask].all()
    assert read_info(path).geotransform == read_info(summary["landcover"]).geotransform


def test_every_acquisition_after_an_event_shows_it(tmp_path):
    """Clear-cut of the forest in the west half: VH drops there from its date on, not before."""
    n = 64
    gt = (500000.0, PX, 0.0, 5200000.0, 0.0, -PX)
    dem = (np.full((n, n), 300.0), gt, utm_wkt())
    west = np.zeros((n, n), bool)
    west[:, : n // 2] = True
    event = dict(type="clearcut", date="2020-07-10", region=west)
    summary = simulate_stack(tmp_path, dem=dem, start="2020-06-01", end="2020-08-31", orbits=("ascending",),
                             revisit_days=6, looks=1e5, changes=[event], seed=9, polarisations=("VH",))
    lc = read_array(summary["landcover"])
    cut = summary["events"][0].mask
    other = (lc == FOREST) & ~cut
    assert cut.sum() > 50 and other.sum() > 50
    first = read_array(summary["files"][0]).astype(np.float64)
    for row, path in zip(summary["acquisitions"], summary["files"]):
        ratio = db(read_array(path) / first)  # per pixel: texture and geometry cancel
        contrast = np.median(ratio[cut]) - np.median(ratio[other])
        if row["date"] < "2020-07-10":
            assert abs(contrast) < 0.3, row["date"]
        else:
            assert contrast < -1.0, row["date"]


def test_cancel_leaves_nothing_behind(tmp_path):
    from sar_change.core.engine.raster_blocks import Cancelled

    calls = []

    def is_canceled():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        simulate_stack(tmp_path, start="2020-01-01", end="2020-03-01", shape=(48, 48),
                       is_canceled=is_canceled)
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- determinism and files


def test_same_seed_same_bytes_other_seed_differs(small_stack, tmp_path):
    out, summary = small_stack
    simulate_stack(tmp_path / "a", start="2020-01-01", end="2020-03-31", revisit_days=12, shape=(96, 96),
                   seed=3, shifts_px=0.4)
    for name in sorted(os.listdir(out)):
        assert open(out / name, "rb").read() == open(tmp_path / "a" / name, "rb").read(), name
    other = simulate_stack(tmp_path / "b", start="2020-01-01", end="2020-03-31", revisit_days=12,
                           shape=(96, 96), seed=4, shifts_px=0.4)
    assert not np.array_equal(read_array(summary["files"][0]), read_array(other["files"][0]))
    assert not np.array_equal(read_array(summary["landcover"]), read_array(other["landcover"]))


def test_csv_schema_and_files(small_stack):
    out, summary = small_stack
    with open(out / "acquisitions.csv") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == ACQUISITION_COLUMNS
        rows = list(reader)
    with open(out / "weather.csv") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == WEATHER_COLUMNS
        weather = list(reader)
    assert len(weather) == 91  # 2020-01-01 .. 2020-03-31
    tifs = sorted(n for n in os.listdir(out) if n.startswith("S1"))
    assert sorted(r["file"] for r in rows) == tifs
    assert len(rows) == len(summary["files"]) == 16  # 8 ascending + 8 descending
    for r in rows:
        orbit = "ASC" if r["orbit_direction"] == "ascending" else "DSC"
        assert r["file"] == f"{r['platform']}_{r['date'].replace('-', '')}_{orbit}_VV_VH.tif"
        assert float(r["heading_deg"]) == (349.0 if orbit == "ASC" else 191.0)
        assert 29.0 <= float(r["mean_incidence_deg"]) <= 46.0
        assert abs(float(r["shift_x_px"])) <= 0.4 and abs(float(r["shift_y_px"])) <= 0.4
    by_orbit = [r["platform"] for r in rows if r["orbit_direction"] == "ascending"]
    assert by_orbit[:4] == ["S1A", "S1B", "S1A", "S1B"]
    # precip_3day_mm = the 3 days before the acquisition; temperature from the same weather.
    daily = {w["date"]: w for w in weather}
    dates = [w["date"] for w in weather]
    for r in rows:
        i = dates.index(r["date"])
        prev = sum(float(daily[d]["precip_mm"]) for d in dates[max(0, i - 3):i])
        assert float(r["precip_3day_mm"]) == pytest.approx(prev, abs=0.02)
        assert r["temperature_c"] == daily[r["date"]]["temperature_c"]
    info = read_info(summary["files"][0])
    assert info.descriptions == ("VV", "VH")
    assert info.bands == 2 and (info.xsize, info.ysize) == (96, 96)
    assert read_info(summary["geometry"]["ascending"]).descriptions == (
        "incidence_deg", "local_incidence_deg", "layover_shadow")
    assert os.path.exists(out / "dem.tif") and os.path.exists(out / "change_date.tif")


def test_schedule_alternates_platforms_and_offsets_descending():
    acq = acquisition_schedule(dt.date(2020, 1, 1), dt.date(2020, 2, 1), 6)
    asc = [a for a in acq if a.orbit_direction == "ascending"]
    dsc = [a for a in acq if a.orbit_direction == "descending"]
    assert [a.date.day for a in asc] == [1, 7, 13, 19, 25, 31]
    assert [a.date.day for a in dsc] == [4, 10, 16, 22, 28]
    assert [a.platform for a in asc] == ["S1A", "S1B"] * 3


# ---------------------------------------------------------------- geometry


@pytest.mark.parametrize("orbit", ["ascending", "descending"])
def test_flat_ground_local_incidence_equals_incidence(orbit):
    geo = orbit_geometry(np.full((64, 80), 250.0), PX, PX, orbit)
    assert np.allclose(geo.local_incidence, geo.incidence, atol=1e-6)
    assert np.allclose(geo.area_factor, 1.0)
    assert not geo.mask.any()
    deg = np.degrees(geo.incidence)
    assert 29.0 <= deg.min() < deg.max() <= 46.0
    # Right-looking: ascending (heading 349) looks east, descending (191) looks west.
    step = np.diff(deg.mean(axis=0))
    assert (step > 0).all() if orbit == "ascending" else (step < 0).all()


def test_plane_slope_area_factor_and_layover_sum():
    n = 96
    x = np.arange(n)[None, :] * PX * np.ones((n, 1))
    y = np.arange(n)[:, None] * PX * np.ones((1, n))
    c = (slice(30, 60), slice(30, 60))
    look = np.radians(79.0)  # ascending: heading 349 + 90
    # 20 deg slope facing west (towards the ascending radar): foreshortened, brighter.
    geo = orbit_geometry(500 + x * np.tan(np.radians(20)), PX, PX, "ascending")
    beta = np.arctan(np.tan(np.radians(20)) * np.sin(look))  # its slope along the range
    expected = np.tan(geo.incidence) / (np.cos(np.radians(20)) * (np.tan(geo.incidence) - np.tan(beta)))
    assert np.allclose(geo.area_factor, expected, rtol=1e-5)
    assert geo.area_factor[c].mean() > 1.5
    # Pure range slope: Ulander's sin(theta) / sin(theta_loc).
    along_range = 500 + (x * np.sin(look) - y * np.cos(look)) * np.tan(np.radians(15))
    geo = orbit_geometry(along_range, PX, PX, "ascending")
    ulander = np.sin(geo.incidence) / np.sin(geo.local_incidence)
    assert np.allclose(geo.area_factor[c], ulander[c], rtol=1e-4)
    # 60 deg slope facing the radar: layover; the folded facets add up (Jacobian of the mapping).
    geo = orbit_geometry(500 + x * np.tan(np.radians(60)), PX, PX, "ascending")
    assert (geo.mask[c] & LAYOVER).all()
    th = geo.incidence[c]
    beta = np.arctan(np.tan(np.radians(60)) * np.sin(look))
    jac = np.abs(1 / (np.cos(np.radians(60)) * (1 - np.tan(beta) / np.tan(th))))
    assert geo.area_factor[c].mean() == pytest.approx(jac.mean(), rel=0.02)


def test_shadow_shows_only_the_noise_floor():
    x = np.arange(96)[None, :] * PX * np.ones((96, 1))
    dem = 2000 - x * np.tan(np.radians(70))  # 70 deg slope facing east: shadow from the west-east look
    geo = orbit_geometry(dem, PX, PX, "ascending")
    c = (slice(30, 60), slice(30, 60))
    assert (geo.mask[c] & SHADOW).all()
    classes = np.full(dem.shape, FOREST, np.uint8)
    s0 = add_noise_floor(geo.project(sigma0(classes, geo.local_incidence, {}, "VV", mask=geo.mask)))
    assert np.allclose(db(s0[c]), NESZ_DB, atol=1e-4)


def test_geographic_dem_and_nodata(tmp_path):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    gt = (10.0, 0.0002, 0.0, 46.0, 0.0, -0.0002)  # ~15 x 22 m at 46 N
    dem = fractal_dem((80, 80), 20.0, 300.0, 3.2, np.random.default_rng(0)).astype(np.float64)
    dem[:10, :10] = np.nan
    summary = simulate_stack(tmp_path, dem=(dem, gt, srs.ExportToWkt()), start="2020-05-01",
                             end="2020-05-20", changes=None, seed=2)
    dx, dy = terrain.pixel_size_metres(gt, srs.ExportToWkt(), 80)
    assert 14 < dx < 17 and 21 < dy < 23
    img = read_array(summary["files"][0], 1)
    assert np.isnan(img[:10, :10]).all() and np.isfinite(img[10:, 10:]).all()
    assert np.isnan(read_array(summary["landcover"])[:10, :10]).all()  # class 0 = no data
    assert summary["dem"] is None and read_info(summary["files"][0]).geotransform == gt


# ---------------------------------------------------------------- false changes


def test_orbit_direction_log_ratio_on_steep_slopes_is_several_db():
    dem = ridge_dem(96, 25.0)
    classes = np.full(dem.shape, FOREST, np.uint8)
    images = {}
    for orbit in ("ascending", "descending"):
        geo = orbit_geometry(dem, PX, PX, orbit)
        images[orbit] = geo.project(sigma0(classes, geo.local_incidence, {}, "VV", mask=geo.mask))
    ratio = db(images["ascending"]) - db(images["descending"])
    west_flank, east_flank = ratio[10:-10, 10:40], ratio[10:-10, 56:86]
    assert west_flank.mean() > 4.0  # faces the ascending (east-looking) radar
    assert east_flank.mean() < -4.0
    flat = orbit_geometry(np.full((96, 96), 500.0), PX, PX, "ascending")
    flat_d = orbit_geometry(np.full((96, 96), 500.0), PX, PX, "descending")
    r_flat = db(sigma0(classes, flat.local_incidence, {}, "VV")) - db(
        sigma0(classes, flat_d.local_incidence, {}, "VV"))
    assert abs(r_flat.mean()) < 0.5


def test_stack_false_change_between_orbits_on_slopes(small_stack):
    out, summary = small_stack
    rows = list(csv.DictReader(open(summary["acquisitions_csv"])))
    lia_a = read_array(summary["geometry"]["ascending"], 2)
    lia_d = read_array(summary["geometry"]["descending"], 2)
    inc_a = read_array(summary["geometry"]["ascending"], 1)
    files = {r["orbit_direction"]: out / r["file"] for r in rows[::-1]}  # first acquisition of each
    ratio = db(read_array(files["ascending"], 1)) - db(read_array(files["descending"], 1))
    facing_asc = (inc_a - lia_a > 15) & (lia_d - lia_a > 30)  # steep slopes facing the asc radar
    assert facing_asc.sum() > 100
    assert np.mean(ratio[facing_asc]) > 3.0


def test_rain_raises_field_backscatter_and_freeze_drops_it():
    days = 20
    rain = np.zeros(days)
    rain[10] = 15.0
    mv = soil_moisture(rain, initial_mm=0.0)["soil_moisture"]
    field = np.array([FIELD])
    lia = np.radians([38.0])
    for pol in ("VV", "VH"):
        dry = sigma0_db(field, lia, {"soil_moisture": mv[9]}, pol)
        wet = sigma0_db(field, lia, {"soil_moisture": mv[10]}, pol)
        assert 1.0 <= (wet - dry)[0] <= 3.0
    # Freezing (Rignot & Way 1994): a few dB down for soil and vegetation, not for towns.
    for cls in (FIELD, FOREST, BARE):
        for pol in ("VV", "VH"):
            thawed = sigma0_db(np.array([cls]), lia, {"soil_moisture": 0.2}, pol)
            frozen = sigma0_db(np.array([cls]), lia, {"soil_moisture": 0.2, "frozen": True}, pol)
            assert -4.0 <= (frozen - thawed)[0] <= -2.0
    urban = sigma0_db(np.array([URBAN]), lia, {"frozen": True}, "VV") - sigma0_db(np.array([URBAN]), lia, {},
                                                                                   "VV")
    assert abs(urban[0]) < 1.0


def test_snow_effects_and_platform_offset():
    field, lia = np.array([FIELD]), np.radians([38.0])
    ref = {"soil_moisture": 0.2}
    wet = sigma0_db(field, lia, {"soil_moisture": 0.2, "wet_snow": True, "snow_depth_m": 0.3}, "VV")
    assert -6.0 <= (wet - sigma0_db(field, lia, ref, "VV"))[0] <= -3.0  # Nagler & Rott 2000
    cr = {d: (sigma0_db(field, lia, {"soil_moisture": 0.2, "snow_depth_m": d}, "VH")
              - sigma0_db(field, lia, {"soil_moisture": 0.2, "snow_depth_m": d}, "VV"))[0] for d in (0, 1, 2)}
    assert cr[0] < cr[1] < cr[2] and 0.5 < cr[2] - cr[0] < 3.0  # Lievens et al. 2019
    offset = sigma0_db(field, lia, ref, "VV", "S1B") - sigma0_db(field, lia, ref, "VV", "S1A")
    assert 0.1 <= offset[0] <= 0.2
    # Water: very dark and strongly angle dependent.
    water = np.array([WATER, WATER])
    w = sigma0_db(water, np.radians([30.0, 45.0]), {}, "VV")
    assert w[0] < -15 and w[0] - w[1] > 5


def test_wet_season_stack_shows_weather_false_changes(tmp_path):
    """Flat fields, one orbit, no land-cover change: rain alone moves the mean by > 2 dB."""
    n = 64
    gt = (500000.0, PX, 0.0, 5200000.0, 0.0, -PX)
    summary = simulate_stack(tmp_path, dem=(np.full((n, n), 300.0), gt, utm_wkt()), start="2020-04-01",
                             end="2020-10-31", revisit_days=6, orbits=("ascending",), changes=None,
                             looks=50, seed=7, polarisations=("VV",))
    lc = read_array(summary["landcover"])
    weather = {r["date"]: r for r in csv.DictReader(open(summary["weather_csv"]))}
    mv = np.array([float(weather[r["date"]]["soil_moisture"]) for r in summary["acquisitions"]])
    means = np.array([db(np.mean(read_array(f)[lc == FIELD])) for f in summary["files"]])
    assert means.max() - means.min() > 2.0
    assert np.corrcoef(mv, means)[0, 1] > 0.7
    # Wettest vs driest acquisition: 0.2 dB per vol % (Dobson & Ulaby 1986), crop cycle aside.
    assert means[np.argmax(mv)] - means[np.argmin(mv)] > 1.5


# ---------------------------------------------------------------- weather


def test_snowpack_degree_day_balance():
    t = np.array([-5.0, -3.0, -1.0, 0.5, 3.0, 5.0, 10.0, 10.0])
    p = np.array([10.0, 5.0, 0.0, 2.0, 0.0, 4.0, 0.0, 0.0])
    s = snowpack(t, p)
    assert np.allclose(s["snowfall_mm"], [10, 5, 0, 2, 0, 0, 0, 0])  # snow below +1 deg C
    assert np.allclose(s["rain_mm"][5], 4.0)
    assert s["melt_mm"][4] == pytest.approx(12.0)  # DDF 4 mm/(deg C day) x 3 deg C
    assert s["swe_m"][-1] == 0.0 and s["melt_mm"].sum() == pytest.approx(17.0)
    assert s["frozen"][:3].all() and not s["frozen"][3:].any()
    assert s["dry_snow"][0] and s["wet_snow"][3] and not s["wet_snow"][0]


def test_weather_generator_statistics():
    w = weather_series("2000-01-01", "2029-12-31", np.random.default_rng(0), "temperate")
    p = w["wet"]
    p01 = np.mean(p[1:][~p[:-1]])
    p11 = np.mean(p[1:][p[:-1]])
    assert p01 == pytest.approx(0.30, abs=0.02) and p11 == pytest.approx(0.62, abs=0.02)
    assert w["precip_mm"][p].mean() == pytest.approx(5.0, rel=0.05)
    july = w["temperature_c"][(w["doy"] > 190) & (w["doy"] < 210)].mean()
    january = w["temperature_c"][(w["doy"] > 5) & (w["doy"] < 25)].mean()
    assert july - january == pytest.approx(19.0, abs=1.5)
    summer = (w["doy"] > 150) & (w["doy"] < 250)
    assert w["snow_depth_m"].max() > 0.05 and (w["snow_depth_m"][summer] == 0).all()
    again = weather_series("2000-01-01", "2029-12-31", np.random.default_rng(0), "temperate")
    assert np.array_equal(w["precip_mm"], again["precip_mm"])


# ---------------------------------------------------------------- terrain and land cover


def test_fractal_dem_spectrum_and_landcover_structure():
    rng = np.random.default_rng(11)
    flat_spectrum = fractal_dem((256, 256), PX, 500.0, 3.0, rng, valley=False)
    power = np.abs(np.fft.rfft2(flat_spectrum - flat_spectrum.mean())) ** 2
    k = np.hypot(np.fft.rfftfreq(256)[None, :], np.fft.fftfreq(256)[:, None])
    sel = (k > 0.02) & (k < 0.3)
    slope_fit = np.polyfit(np.log(k[sel]), np.log(power[sel]), 1)[0]
    assert slope_fit == pytest.approx(-3.0, abs=0.2)
    assert flat_spectrum.max() - flat_spectrum.min() == pytest.approx(500.0, rel=1e-4)

    dem = fractal_dem((192, 192), PX, 600.0, 3.2, np.random.default_rng(1))
    lc = landcover(dem, PX, PX, np.random.default_rng(2))
    assert np.array_equal(lc, landcover(dem, PX, PX, np.random.default_rng(2)))
    assert set(np.unique(lc)) == {FOREST, FIELD, WATER, URBAN, BARE}
    slope = np.degrees(terrain.slope_aspect(dem, PX, PX)[0])
    mean_z = {c: dem[lc == c].mean() for c in (FOREST, FIELD, WATER, URBAN, BARE)}
    assert mean_z[WATER] < mean_z[FIELD] < mean_z[FOREST] < mean_z[BARE]
    assert slope[lc == FOREST].mean() > slope[lc == FIELD].mean()
    assert slope[lc == URBAN].mean() < 6.0
    from scipy import ndimage
    dist_water = ndimage.distance_transform_edt(lc != WATER) * PX
    assert np.median(dist_water[lc == URBAN]) < 800


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("kwargs, fix", [
    (dict(start="2021-01-01", end="2020-01-01"), "swap"),
    (dict(polarisations=("VV", "HH")), "'VV' and/or 'VH'"),
    (dict(orbits=("ascending", "sideways")), "'ascending' or 'descending'"),
    (dict(revisit_days=0), "revisit_days must be"),
    (dict(revisit_days=-6), "6 or 12 days"),
    (dict(incidence_range=(10, 46)), "within 15-60"),
    (dict(incidence_range=(30, 70)), "within 15-60"),
    (dict(incidence_range=(40, 30)), "min < max"),
    (dict(looks=0), "looks must be > 0"),
    (dict(changes="many"), "'default', None or a list"),
])
def test_bad_input_is_refused_with_the_fix(tmp_path, kwargs, fix):
    args = dict(start="2020-01-01", end="2020-02-01", shape=(32, 32))
    args.update(kwargs)
    with pytest.raises(ValueError, match=fix.replace("(", r"\(").replace(")", r"\)")):
        simulate_stack(tmp_path, **args)
    assert not os.listdir(tmp_path)


def test_bad_events_and_dem_are_refused(tmp_path):
    with pytest.raises(ValueError, match="not after the start date"):
        simulate_stack(tmp_path, start="2020-01-01", end="2020-02-01", shape=(32, 32),
                       changes=[dict(type="clearcut", date="2020-01-01", region=[(0, 0), (5, 0), (5, 5)])])
    with pytest.raises(ValueError, match="unknown change type"):
        make_event("earthquake", "2020-01-02", [(0, 0), (5, 0), (5, 5)])
    with pytest.raises(ValueError, match="only floods recede"):
        make_event("clearcut", "2020-01-02", [(0, 0), (5, 0), (5, 5)], end_date="2020-02-01")
    rotated = (0.0, 20.0, 1.0, 0.0, 0.0, -20.0)
    with pytest.raises(ValueError, match="gdalwarp"):
        simulate_stack(tmp_path, dem=(np.zeros((32, 32)), rotated, utm_wkt()), start="2020-01-01",
                       end="2020-02-01")
