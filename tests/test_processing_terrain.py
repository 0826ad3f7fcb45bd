"""Terrain Processing algorithms through ``processing.run``: outputs equal core, errors are clear.

The algorithms are passed as instances (``Algorithm().create()``), so these tests do not depend
on the provider registering them.
"""
import numpy as np
import pytest
from osgeo import gdal, osr

from sar_change.core.engine.raster_blocks import read_array
from sar_change.core.terrain import geometry as terrain
from sar_change.core.terrain.flattening import (
    gamma0_flattened,
    layover_shadow_extended,
    simulated_sar_extended,
)

from helpers import recording_feedback, write_raster

UTM = 32633
GT = (500000.0, 10.0, 0.0, 4600000.0, 0.0, -10.0)
THETA_DEG = 35.0
THETA = np.radians(THETA_DEG)
G0 = 0.25
NODATA = -9999.0
ALL_OUTPUTS = ("SLOPE", "ASPECT", "LOCAL_INCIDENCE", "PROJECTED_LOCAL_INCIDENCE", "DISTORTION_MASK",
               "SIMULATED_SAR")


def make_raster(path, bands, crs=UTM, gt=GT, nodata=None, descriptions=None):
    """Write a float32 GeoTIFF; ``crs`` an EPSG code or WKT."""
    return write_raster(path, bands, gt, crs, nodata, descriptions)


def wkt(epsg):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs.ExportToWkt()


def look_coords(shape, dx, dy, heading):
    """(u along the look, away from the sensor; v across), metres from the raster centre."""
    rows, cols = shape
    x = (np.arange(cols) - (cols - 1) / 2) * dx
    y = -(np.arange(rows) - (rows - 1) / 2) * dy
    x, y = np.meshgrid(x, y)
    look = terrain.look_azimuth(heading)
    return x * np.sin(look) + y * np.cos(look), x * np.cos(look) - y * np.sin(look)


def plane_sigma0(beta):
    """sigma0 of a uniform-G0 plane with range slope beta (see test_core_terrain_flattening)."""
    return G0 * np.sin(THETA) / np.tan(THETA - beta)


@pytest.fixture
def geometry():
    from sar_change.processing.algorithms.terrain_geometry import TerrainGeometryAlgorithm

    return TerrainGeometryAlgorithm().create()


@pytest.fixture
def flattening():
    from sar_change.processing.algorithms.terrain_flattening import TerrainFlatteningAlgorithm

    return TerrainFlatteningAlgorithm().create()


def outputs(tmp_path, keys=ALL_OUTPUTS):
    return {k: str(tmp_path / f"{k.lower()}.tif") for k in keys}


# ------------------------------------------------------------------------------------------------
# Metadata
# ------------------------------------------------------------------------------------------------

def test_algorithm_metadata(qgis_app, geometry, flattening):
    from qgis.core import QgsApplication, QgsProcessingAlgorithm

    for alg, name, display in ((geometry, "terraingeometry", "Terrain geometry"),
                               (flattening, "terrainflattening", "Radiometric terrain flattening")):
        assert (alg.name(), alg.displayName(), alg.group(), alg.groupId()) == (name, display, "Terrain",
                                                                               "terrain")
        assert "<h3>Parameters</h3>" in alg.shortHelpString()
        assert not alg.flags() & QgsProcessingAlgorithm.FlagNoThreading
        assert type(alg.createInstance()) is type(alg)
        assert alg.parameterDefinition("HEADING").defaultValue() == 348.0
        assert alg.parameterDefinition("INCIDENCE").defaultValue() == 35.0
        registered = QgsApplication.processingRegistry().algorithmById(f"sarchange:{name}")
        if registered is not None:  # once the provider lists it
            assert type(registered).__name__ == type(alg).__name__
    for key in ALL_OUTPUTS:
        assert geometry.parameterDefinition(key).flags() & geometry.parameterDefinition(key).FlagOptional
    assert "1 layover, 2 shadow, 4 foreshortening" in geometry.shortHelpString()


# ------------------------------------------------------------------------------------------------
# Terrain geometry
# ------------------------------------------------------------------------------------------------

def test_geometry_flat_dem(run, geometry, tmp_path):
    """Flat DEM: slope 0, aspect 0, local incidences = incidence, no distortion, sigma0 = cos(theta)."""
    dem = np.full((30, 40), 120.0, np.float32)
    dem[12, 17] = NODATA
    src = make_raster(tmp_path / "flat.tif", dem, nodata=NODATA)
    out = outputs(tmp_path)
    result = run(geometry, {"DEM": src, **out})
    assert result == out
    void = np.zeros(dem.shape, bool)
    void[12, 17] = True
    near = np.zeros(dem.shape, bool)
    near[11:14, 16:19] = True  # Horn's 3x3 gradients are no data around the void
    for key in ALL_OUTPUTS:
        ds = gdal.Open(out[key])
        assert (ds.RasterXSize, ds.RasterYSize, ds.GetGeoTransform()) == (40, 30, GT)
        assert osr.SpatialReference(ds.GetProjection()).GetAuthorityCode(None) == str(UTM)
    slope, aspect = read_array(out["SLOPE"]), read_array(out["ASPECT"])
    assert np.all(slope[~near] == 0) and np.all(aspect[~near] == 0) and np.isnan(slope[near]).all()
    for key in ("LOCAL_INCIDENCE", "PROJECTED_LOCAL_INCIDENCE"):
        np.testing.assert_allclose(read_array(out[key])[~near], THETA_DEG, atol=1e-4)
    mask_ds = gdal.Open(out["DISTORTION_MASK"])
    band = mask_ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte and band.GetNoDataValue() == 255
    mask = band.ReadAsArray()
    assert mask[12, 17] == 255 and np.all(mask[~void] == 0)
    sim = read_array(out["SIMULATED_SAR"])
    assert np.isnan(sim[12, 17])
    np.testing.assert_allclose(sim[~void], np.cos(THETA), rtol=1e-5)  # borders included


@pytest.mark.parametrize("heading, look_side", [(348.0, 0), (192.0, 0), (10.0, 1)])
def test_geometry_ridge_equals_core(run, geometry, tmp_path, heading, look_side):
    dx = 10.0
    right = look_side == 0
    x, y = np.meshgrid((np.arange(60) - 29.5) * dx, -(np.arange(50) - 24.5) * dx)
    dem = np.maximum(0.0, 200.0 - np.abs(0.8 * x + 0.6 * y) * np.tan(np.radians(55.0))) + 50.0
    dem = dem.astype(np.float32).astype(np.float64)  # as the algorithm reads it
    src = make_raster(tmp_path / "ridge.tif", dem)
    out = outputs(tmp_path)
    run(geometry, {"DEM": src, "HEADING": heading, "LOOK_SIDE": look_side, "INCIDENCE": 38.0, **out})
    theta = np.radians(38.0)
    slope, aspect = terrain.slope_aspect(dem, dx, dx)
    expected = {
        "SLOPE": np.degrees(slope),
        "ASPECT": np.degrees(aspect),
        "LOCAL_INCIDENCE": np.degrees(terrain.local_incidence(slope, aspect, theta, heading, right)),
        "PROJECTED_LOCAL_INCIDENCE": np.degrees(
            terrain.projected_local_incidence(slope, aspect, theta, heading, right)),
        "SIMULATED_SAR": simulated_sar_extended(dem, dx, dx, theta, heading, right),
    }
    for key, value in expected.items():
        np.testing.assert_allclose(read_array(out[key]), value, rtol=1e-5, atol=1e-4, err_msg=key)
    mask = gdal.Open(out["DISTORTION_MASK"]).ReadAsArray()
    np.testing.assert_array_equal(mask, layover_shadow_extended(dem, dx, dx, theta, heading, right))
    assert np.any(mask & terrain.LAYOVER) and np.any(mask & terrain.SHADOW)


def test_geometry_geographic_dem(run, geometry, tmp_path):
    """EPSG:4326 DEM (1 arcsecond at 45 N): a plane rising 10 deg eastwards keeps its slope and aspect."""
    arcsec = 1 / 3600
    gt = (10.0, arcsec, 0.0, 45.0 + 18 * arcsec, 0.0, -arcsec)
    rows, cols = 36, 40
    dx, dy = terrain.pixel_size_metres(gt, wkt(4326), rows)
    assert (dx, dy) == pytest.approx((21.90, 30.87), abs=0.01)
    dem = 300.0 + np.tan(np.radians(10.0)) * np.arange(cols)[None, :] * dx + np.zeros((rows, 1))
    src = make_raster(tmp_path / "geo.tif", dem, crs=4326, gt=gt)
    out = outputs(tmp_path, ("SLOPE", "ASPECT", "LOCAL_INCIDENCE"))
    log = recording_feedback()
    run(geometry, {"DEM": src, "HEADING": 0.0, **out}, feedback=log)
    assert "geographic CRS" in log.text()
    np.testing.assert_allclose(read_array(out["SLOPE"]), 10.0, atol=1e-3)
    np.testing.assert_allclose(read_array(out["ASPECT"]), 270.0, atol=1e-3)
    # Heading 0, right-looking: looking east, at a slope rising eastwards (facing the sensor).
    np.testing.assert_allclose(read_array(out["LOCAL_INCIDENCE"]), THETA_DEG - 10.0, atol=1e-3)
    assert gdal.Open(out["SLOPE"]).GetGeoTransform() == pytest.approx(gt)


def test_geometry_incidence_raster(run, geometry, tmp_path):
    dem = np.full((20, 30), 50.0)
    src = make_raster(tmp_path / "dem.tif", dem)
    ramp = np.tile(np.linspace(30.0, 40.0, 30), (20, 1))
    inc_deg = make_raster(tmp_path / "inc_deg.tif", ramp)
    inc_rad = make_raster(tmp_path / "inc_rad.tif", np.radians(ramp))
    for path, units in ((inc_deg, 0), (inc_rad, 1)):
        out = outputs(tmp_path, ("LOCAL_INCIDENCE",))
        run(geometry, {"DEM": src, "INCIDENCE_RASTER": path, "INCIDENCE_UNITS": units, **out})
        np.testing.assert_allclose(read_array(out["LOCAL_INCIDENCE"]), ramp, atol=1e-4)
    # A coarser incidence raster on another grid is resampled onto the DEM's.
    coarse = make_raster(tmp_path / "inc_coarse.tif", np.full((10, 15), 33.0),
                         gt=(GT[0], 20.0, 0.0, GT[3], 0.0, -20.0))
    log = recording_feedback()
    out = outputs(tmp_path, ("LOCAL_INCIDENCE",))
    run(geometry, {"DEM": src, "INCIDENCE_RASTER": coarse, **out}, feedback=log)
    assert "resampled bilinearly" in log.text()
    np.testing.assert_allclose(read_array(out["LOCAL_INCIDENCE"]), 33.0, atol=1e-4)
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="look like radians"):
        run(geometry, {"DEM": src, "INCIDENCE_RASTER": inc_rad, "INCIDENCE_UNITS": 0, **out})
    with pytest.raises(QgsProcessingException, match="look like degrees"):
        run(geometry, {"DEM": src, "INCIDENCE_RASTER": inc_deg, "INCIDENCE_UNITS": 1, **out})


def test_geometry_errors(run, geometry, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    from sar_change.processing.algorithms import terrain_geometry

    feet = make_raster(tmp_path / "dem_feet.tif", np.zeros((10, 10)), crs=2227,
                       gt=(6000000.0, 30.0, 0.0, 2000000.0, 0.0, -30.0))
    out = outputs(tmp_path, ("SLOPE",))
    with pytest.raises(QgsProcessingException,
                       match="(?s)dem_feet.*reproject the DEM to a projected CRS in metres"):
        run(geometry, {"DEM": feet, **out})
    src = make_raster(tmp_path / "dem.tif", np.zeros((10, 12)))
    with pytest.raises(QgsProcessingException, match="at least one output"):
        run(geometry, {"DEM": src})
    with pytest.raises(QgsProcessingException, match="between 0 and 90"):
        run(geometry, {"DEM": src, "INCIDENCE": 0.0, **out})
    with pytest.raises(QgsProcessingException, match="must not overwrite"):
        run(geometry, {"DEM": src, "SLOPE": src})
    # Every output streams block by block: no size limit, no refusal.
    assert not hasattr(terrain_geometry, "MAX_PIXELS")
    assert run(geometry, {"DEM": src, "SLOPE": str(tmp_path / "s.tif")})["SLOPE"] == str(tmp_path / "s.tif")
    empty = make_raster(tmp_path / "empty.tif", np.full((10, 12), NODATA), nodata=NODATA)
    for key in ("SLOPE", "DISTORTION_MASK"):
        with pytest.raises(QgsProcessingException, match="(?s)empty.*no valid"):
            run(geometry, {"DEM": empty, key: str(tmp_path / "x.tif")})
    assert not (tmp_path / "x.tif").exists()


# ------------------------------------------------------------------------------------------------
# Terrain flattening
# ------------------------------------------------------------------------------------------------

def _plane_scene(tmp_path, heading=348.0, scale="db", shape=(40, 50), gt=GT, crs=UTM, dx=10.0, dy=10.0):
    """A tilted-plane DEM and a 2-band sigma0 (uniform G0 and 4 G0) with no-data pixels."""
    u, v = look_coords(shape, dx, dy, heading)
    beta = np.radians(15.0)
    dem = 400.0 + np.tan(beta) * u + 0.1 * v
    sigma0 = np.stack([np.full(shape, plane_sigma0(beta)), np.full(shape, 4 * plane_sigma0(beta))])
    stored = {"linear": sigma0, "amplitude": np.sqrt(sigma0), "db": 10 * np.log10(sigma0)}[scale]
    stored = stored.astype(np.float32)
    stored[0, 5, 7] = NODATA
    stored[1, 20:22, 30:33] = NODATA
    sar = make_raster(tmp_path / "sigma0.tif", stored, crs=crs, gt=gt, nodata=NODATA,
                      descriptions=["VV", "VH"])
    dem_path = make_raster(tmp_path / "dem.tif", dem, crs=crs, gt=gt)
    return sar, dem_path, dem, sigma0


@pytest.mark.parametrize("method", [0, 1])
def test_flattening_plane_in_db_two_bands(run, flattening, tmp_path, method):
    sar, dem_path, dem, sigma0 = _plane_scene(tmp_path)
    out = str(tmp_path / "gamma0.tif")
    result = run(flattening, {"SIGMA0": sar, "SCALE": 2, "DEM": dem_path, "METHOD": method, "OUTPUT": out})
    assert result["OUTPUT"] == out
    ds = gdal.Open(out)
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount, ds.GetGeoTransform()) == (50, 40, 2, GT)
    raw = [ds.GetRasterBand(b).ReadAsArray() for b in (1, 2)]
    assert [ds.GetRasterBand(b).GetDescription() for b in (1, 2)] == ["VV", "VH"]
    assert ds.GetRasterBand(1).GetNoDataValue() == NODATA
    assert raw[0][5, 7] == NODATA and np.all(raw[1][20:22, 30:33] == NODATA)
    for band, value in ((1, G0), (2, 4 * G0)):
        got = read_array(out, band)
        valid = np.isfinite(got)
        assert valid.sum() >= 40 * 50 - 6
        np.testing.assert_allclose(got[valid], 10 * np.log10(value), atol=1e-3)  # still dB
    # The wrapper equals the core function on the same arrays.
    core = gamma0_flattened(sigma0, dem.astype(np.float32), 10.0, 10.0, THETA, 348.0,
                            method=("area", "cos_ratio")[method])
    np.testing.assert_allclose(read_array(out, 2)[25:, :], 10 * np.log10(core[1][25:, :]), atol=1e-5)


@pytest.mark.parametrize("scale, index", [("linear", 0), ("amplitude", 1)])
def test_flattening_keeps_the_scale(run, flattening, tmp_path, scale, index):
    sar, dem_path, _, _ = _plane_scene(tmp_path, heading=192.0, scale=scale)
    out = str(tmp_path / "gamma0.tif")
    run(flattening, {"SIGMA0": sar, "SCALE": index, "DEM": dem_path, "HEADING": 192.0, "OUTPUT": out})
    expected = G0 if scale == "linear" else np.sqrt(G0)
    np.testing.assert_allclose(read_array(out, 1)[np.isfinite(read_array(out, 1))], expected, rtol=1e-4)


def test_flattening_geographic(run, flattening, tmp_path):
    """SAR and DEM in EPSG:4326: pixel sizes in metres from the centre latitude; plane flattened."""
    arcsec = 1 / 3600
    gt = (12.0, arcsec, 0.0, 42.0, 0.0, -arcsec)
    shape = (36, 40)
    dx, dy = terrain.pixel_size_metres(gt, wkt(4326), shape[0])
    sar, dem_path, _, _ = _plane_scene(tmp_path, scale="linear", shape=shape, gt=gt, crs=4326, dx=dx, dy=dy)
    out = str(tmp_path / "gamma0.tif")
    log = recording_feedback()
    run(flattening, {"SIGMA0": sar, "SCALE": 0, "DEM": dem_path, "OUTPUT": out}, feedback=log)
    assert "geographic CRS" in log.text() and "resampled" not in log.text()
    got = read_array(out, 1)
    np.testing.assert_allclose(got[np.isfinite(got)], G0, rtol=1e-4)


def test_flattening_resamples_a_dem_on_another_grid(run, flattening, tmp_path):
    """A 5 m DEM over a larger extent is warped onto the 10 m SAR grid automatically."""
    sar, _, _, _ = _plane_scene(tmp_path, scale="linear")
    u, v = look_coords((100, 120), 5.0, 5.0, 348.0)
    fine = 400.0 + np.tan(np.radians(15.0)) * u + 0.1 * v  # same plane: both grids share the centre
    fine_gt = (GT[0] + 250.0 - 120 * 2.5, 5.0, 0.0, GT[3] - 200.0 + 100 * 2.5, 0.0, -5.0)
    dem_path = make_raster(tmp_path / "dem_5m.tif", fine, gt=fine_gt)
    out = str(tmp_path / "gamma0.tif")
    log = recording_feedback()
    run(flattening, {"SIGMA0": sar, "SCALE": 0, "DEM": dem_path, "OUTPUT": out}, feedback=log)
    assert "resampled bilinearly" in log.text() and "100.0 % of the grid covered" in log.text()
    got = read_array(out, 1)
    np.testing.assert_allclose(got[np.isfinite(got)], G0, rtol=1e-4)


def test_flattening_layover_masked_or_kept(run, flattening, tmp_path):
    dx = 10.0
    x, _ = np.meshgrid((np.arange(80) - 39.5) * dx, np.zeros(20))
    dem = np.maximum(0.0, 200.0 - np.abs(x) * np.tan(np.radians(60.0)))
    sigma0 = G0 * terrain.simulated_sar(dem, dx, dx, THETA, 0.0)
    sar = make_raster(tmp_path / "sigma0.tif", sigma0)
    dem_path = make_raster(tmp_path / "dem.tif", dem)
    mask = terrain.layover_shadow(dem, dx, dx, THETA, 0.0)
    distorted = mask & (terrain.LAYOVER | terrain.SHADOW) > 0
    for masked in (True, False):
        out = str(tmp_path / f"g_{masked}.tif")
        run(flattening, {"SIGMA0": sar, "DEM": dem_path, "HEADING": 0.0, "MASK_DISTORTED": masked,
                         "OUTPUT": out})
        got = read_array(out)
        if masked:
            np.testing.assert_array_equal(np.isnan(got), distorted)
        else:
            np.testing.assert_array_equal(np.isnan(got), mask & terrain.SHADOW > 0)
        np.testing.assert_allclose(got[np.isfinite(got)], G0, rtol=1e-4)


def test_flattening_errors(run, flattening, tmp_path):
    from qgis.core import QgsProcessingException

    sar, dem_path, _, _ = _plane_scene(tmp_path, scale="linear")
    out = str(tmp_path / "gamma0.tif")
    feet = make_raster(tmp_path / "dem_feet.tif", np.zeros((10, 10)), crs=2227,
                       gt=(6000000.0, 30.0, 0.0, 2000000.0, 0.0, -30.0))
    with pytest.raises(QgsProcessingException,
                       match="(?s)dem_feet.*reproject the DEM to a projected CRS in metres"):
        run(flattening, {"SIGMA0": sar, "DEM": feet, "OUTPUT": out})
    far = make_raster(tmp_path / "dem_far.tif", np.zeros((10, 10)),
                      gt=(GT[0] + 1e5, 10.0, 0.0, GT[3], 0.0, -10.0))
    with pytest.raises(QgsProcessingException, match="(?s)dem_far.*does not overlap"):
        run(flattening, {"SIGMA0": sar, "DEM": far, "OUTPUT": out})
    with pytest.raises(QgsProcessingException, match="looks like dB"):
        db = make_raster(tmp_path / "db.tif", np.full((40, 50), -12.0))
        run(flattening, {"SIGMA0": db, "SCALE": 0, "DEM": dem_path, "OUTPUT": out})
    with pytest.raises(QgsProcessingException, match="must not overwrite"):
        run(flattening, {"SIGMA0": sar, "DEM": dem_path, "OUTPUT": sar})
    sar_feet = make_raster(tmp_path / "sigma0_feet.tif", np.ones((10, 10)), crs=2227,
                           gt=(6000000.0, 30.0, 0.0, 2000000.0, 0.0, -30.0))
    with pytest.raises(QgsProcessingException,
                       match="(?s)sigma0_feet.*foot.*reproject the raster to a projected CRS in metres"):
        run(flattening, {"SIGMA0": sar_feet, "DEM": dem_path, "OUTPUT": out})
    # A DEM covering half the SAR raster: a warning, the rest no data.
    half = make_raster(tmp_path / "dem_half.tif", np.full((40, 25), 400.0))
    log = recording_feedback()
    run(flattening, {"SIGMA0": sar, "DEM": half, "OUTPUT": out}, feedback=log)
    assert "WARNING 'dem_half' covers only 50.0 %" in log.text()
    got = read_array(out, 1)
    assert np.isnan(got[:, 25:]).all() and np.isfinite(got[:, :25]).mean() > 0.99


def test_cancel_leaves_no_output(run, geometry, flattening, tmp_path):
    sar, dem_path, _, _ = _plane_scene(tmp_path, scale="linear")
    out = outputs(tmp_path, ("SLOPE", "ASPECT"))
    log = recording_feedback()
    log.cancel()
    assert run(geometry, {"DEM": dem_path, **out}, feedback=log) == {}
    gamma0 = str(tmp_path / "gamma0.tif")
    assert run(flattening, {"SIGMA0": sar, "DEM": dem_path, "OUTPUT": gamma0}, feedback=log) == {}
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".aux.xml"))
    assert left == ["dem.tif", "sigma0.tif"]


# ------------------------------------------------------------------------------------------------
# Real DEM
# ------------------------------------------------------------------------------------------------

def test_real_geographic_dem(run, geometry, flattening, tmp_path, shared_data):
    """Rome 30 m DEM (EPSG:4326 + EGM96 height): geometry, then flattening a SAR raster on its grid."""
    rome = str(shared_data / "dem/Rome-30m-DEM.tif")
    out = outputs(tmp_path)
    run(geometry, {"DEM": rome, **out})
    slope = read_array(out["SLOPE"])
    assert 5.0 < np.nanmax(slope) < 60.0
    local = read_array(out["LOCAL_INCIDENCE"])
    assert np.nanmedian(local) == pytest.approx(THETA_DEG, abs=1.0)
    assert np.nanmax(np.abs(local - THETA_DEG)) > 5.0
    sim = read_array(out["SIMULATED_SAR"])
    assert np.nanmedian(sim) == pytest.approx(np.cos(THETA), rel=0.05)

    # sigma0 of a uniform gamma0 on the DEM's grid, in plain EPSG:4326 (no vertical CRS): the DEM is
    # recognised as being on the same grid and used as is.
    ds = gdal.Open(rome)
    dem = read_array(rome).astype(np.float64)
    dx, dy = terrain.pixel_size_metres(ds.GetGeoTransform(), ds.GetProjection(), ds.RasterYSize)
    sigma0 = G0 * simulated_sar_extended(dem, dx, dy, THETA, 348.0)
    sar = make_raster(tmp_path / "rome_sigma0.tif", 10 * np.log10(sigma0), crs=4326, gt=ds.GetGeoTransform())
    stds = {}
    for method in (0, 1):
        gamma0 = str(tmp_path / f"rome_gamma0_{method}.tif")
        log = recording_feedback()
        run(flattening, {"SIGMA0": sar, "SCALE": 2, "DEM": rome, "METHOD": method, "OUTPUT": gamma0},
            feedback=log)
        assert "resampled" not in log.text()
        got = read_array(gamma0)
        valid = np.isfinite(got)
        assert valid.mean() > 0.99
        stds[method] = np.std(got[valid])
        if method == 0:
            np.testing.assert_allclose(got[valid], 10 * np.log10(G0), atol=1e-3)
    assert np.std(10 * np.log10(sigma0)) > 0.5
    assert stds[1] < 0.2
