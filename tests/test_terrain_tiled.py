"""Terrain geometry in bounded memory: the angles streamed block by block equal the whole-DEM run."""
import numpy as np
import pytest

from sar_change.core.engine.raster_blocks import map_raster, read_array, stack_vrt
from sar_change.core.terrain import geometry as terrain

from helpers import write_raster

GT = (500000.0, 10.0, 0.0, 4600000.0, 0.0, -10.0)


def ridge(rows=37, cols=45, dx=10.0):
    x, y = np.meshgrid((np.arange(cols) - cols / 2) * dx, -(np.arange(rows) - rows / 2) * dx)
    dem = np.maximum(0.0, 200.0 - np.abs(0.8 * x + 0.6 * y) * np.tan(np.radians(55.0))) + 50.0
    dem += 3.0 * np.sin(x / 37.0) * np.cos(y / 23.0)
    dem = dem.astype(np.float32)
    dem[5, 7] = np.nan
    dem[20:23, 30:32] = np.nan
    return dem


@pytest.mark.parametrize("with_raster", [False, True])
def test_tiled_angles_equal_whole_dem(tmp_path, with_raster):
    dem = ridge()
    dx = dy = 10.0
    heading = 348.0
    inc_deg = np.tile(np.linspace(31.0, 44.0, dem.shape[1], dtype=np.float32), (dem.shape[0], 1))
    inc_deg[30, 3] = np.nan
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    outputs = list(terrain.ANGLE_OUTPUTS)
    if with_raster:
        inc_path = write_raster(tmp_path / "inc.tif", inc_deg, GT, 32633, None)
        source, bands = stack_vrt([dem_path, inc_path]), [1, 2]
        func = terrain.angle_block_function(outputs, dx, dy, heading, incidence_degrees=True)
        theta = np.radians(inc_deg.astype(np.float64))
    else:
        source, bands = dem_path, [1]
        theta = np.radians(35.0)
        func = terrain.angle_block_function(outputs, dx, dy, heading, incidence=theta)
    z = dem.astype(np.float64)
    if with_raster:
        z[np.isnan(theta)] = np.nan
    slope, aspect = terrain.slope_aspect(z, dx, dy)
    whole = [slope, aspect, terrain.local_incidence(slope, aspect, theta, heading),
             terrain.projected_local_incidence(slope, aspect, theta, heading)]
    out = tmp_path / "tiled.tif"
    for block in (7, 16, 64):  # 1-pixel blocks edges, blocks smaller and larger than the image
        map_raster(source, out, func, terrain.ANGLE_MARGIN, len(outputs), bands=bands, block=block,
                   nodata=float("nan"))
        for i, want in enumerate(whole):
            got = read_array(out, i + 1)
            assert np.array_equal(got, np.degrees(want).astype(np.float32), equal_nan=True), (block, i)


@pytest.mark.parametrize("heading", [348.0, 192.0, 45.0])
def test_one_ray_tracing_for_mask_and_simulation(heading):
    dem = ridge().astype(np.float64)
    dem[np.isnan(dem)] = 60.0
    theta = np.radians(38.0)
    mask, sim = terrain.distortion_and_simulation(dem, 10.0, 10.0, theta, heading)
    assert np.array_equal(mask, terrain.layover_shadow(dem, 10.0, 10.0, theta, heading))
    assert np.array_equal(sim, terrain.simulated_sar(dem, 10.0, 10.0, theta, heading), equal_nan=True)
    assert np.any(mask & terrain.LAYOVER) and np.any(mask & terrain.SHADOW)


def test_processing_streams_blocks_like_the_whole_dem(run, tmp_path):
    """A DEM of 4 blocks and an incidence raster on another grid (warped to a file, read by block)."""
    from sar_change.core.engine.raster_blocks import read_info
    from sar_change.processing.algorithms.terrain_geometry import TerrainGeometryAlgorithm, warp_onto

    dem = np.tile(ridge(), (16, 12))[:530, :600]
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    coarse = np.tile(np.linspace(30.0, 45.0, 150, dtype=np.float32), (140, 1))
    inc_path = write_raster(tmp_path / "inc.tif", coarse, (GT[0], 40.0, 0.0, GT[3], 0.0, -40.0), 32633, None)
    outs = {k: str(tmp_path / f"{k}.tif") for k in ("SLOPE", "LOCAL_INCIDENCE", "PROJECTED_LOCAL_INCIDENCE")}
    run(TerrainGeometryAlgorithm().create(), {"DEM": dem_path, "INCIDENCE_RASTER": inc_path, **outs})
    theta = np.radians(warp_onto(inc_path, 1, read_info(dem_path), "inc")[0])
    z = dem.astype(np.float64)
    z[np.isnan(theta)] = np.nan
    slope, aspect = terrain.slope_aspect(z, 10.0, 10.0)
    want = {"SLOPE": slope, "LOCAL_INCIDENCE": terrain.local_incidence(slope, aspect, theta, 348.0),
            "PROJECTED_LOCAL_INCIDENCE": terrain.projected_local_incidence(slope, aspect, theta, 348.0)}
    for key, value in want.items():
        got = read_array(outs[key])
        assert np.array_equal(got, np.degrees(value).astype(np.float32), equal_nan=True), key
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".aux.xml"))  # QGIS's
    assert left == sorted(["dem.tif", "inc.tif"] + [f"{k}.tif" for k in outs])


# ------------------------------------------------------------------------------------------------
# Ray tracing along range in blocks (core.terrain.pipeline)
# ------------------------------------------------------------------------------------------------

def mountains(rows=150, cols=170, dx=10.0):
    """Steep ridges and a cone (60-70 degree flanks, 300 m high): layover and shadow at 35 degrees."""
    x, y = np.meshgrid(np.arange(cols) * dx, -np.arange(rows) * dx)
    dem = 300.0 * np.clip(1.5 - np.abs(np.sin(0.8 * x / 300.0 + 0.6 * y / 410.0)) * 2.5, 0.0, 1.0)
    dem += np.maximum(0.0, 280.0 - np.hypot(x - 1100.0, y + 900.0) * np.tan(np.radians(70.0)))
    dem += 2.0 * np.sin(x / 37.0) * np.cos(y / 23.0) + 100.0
    return dem.astype(np.float32)


def _geometry_run(tmp_path, tag, dem_path, heading, incidence, monkeypatch, block):
    from sar_change.core.terrain import pipeline

    real = pipeline._blocks
    if block is not None:
        monkeypatch.setattr(pipeline, "_blocks", lambda tracing: (block, real(tracing)[1]))
    outs = {n: str(tmp_path / f"{tag}_{n}.tif") for n in pipeline.GEOMETRY_OUTPUTS}
    pipeline.terrain_geometry(dem_path, outs, 10.0, 10.0, heading, True, incidence)
    monkeypatch.setattr(pipeline, "_blocks", real)
    return {n: read_array(p) for n, p in outs.items()}, real


@pytest.mark.parametrize("heading", [348.0, 192.0, 45.0, 90.0])
def test_traced_blocks_equal_the_whole_dem(tmp_path, monkeypatch, heading):
    """Mask, simulation and angles in 23 x 17 blocks == the whole-array functions, bit for bit."""
    from sar_change.core.terrain import flattening, pipeline

    dem = mountains()
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    theta = np.radians(35.0)
    got, real = _geometry_run(tmp_path, "tiled", dem_path, heading, pipeline.Incidence(radians=theta),
                              monkeypatch, (23, 17))
    whole = flattening.extended_products(dem, 10.0, 10.0, theta, heading)
    mask = got[pipeline.DISTORTION_MASK].astype(np.uint8)  # no voids here: no 255 read as NaN
    assert np.array_equal(mask, whole["bits"])
    assert np.array_equal(got[pipeline.SIMULATED_SAR], whole["sim"].astype(np.float32), equal_nan=True)
    slope, aspect = terrain.slope_aspect(dem.astype(np.float64), 10.0, 10.0)
    assert np.array_equal(got[pipeline.SLOPE], np.degrees(slope).astype(np.float32))
    local = terrain.local_incidence(slope, aspect, theta, heading)
    assert np.array_equal(got[pipeline.LOCAL_INCIDENCE], np.degrees(local).astype(np.float32))
    # Layover and shadow cross the block boundaries, and the blocks are far smaller than the reach.
    rows, cols = np.arange(dem.shape[0]), np.arange(dem.shape[1])
    edges = (rows[:, None] % 17 == 0) | (cols[None, :] % 23 == 0)
    for bit in (terrain.LAYOVER, terrain.SHADOW):
        assert np.count_nonzero((mask & bit) > 0) > 100 and np.any(((mask & bit) > 0) & edges)
    margins = real(products_tracing(dem, heading, theta))[1]
    assert max(margins) > 2 * 23


def products_tracing(dem, heading, theta):
    from sar_change.core.terrain import products

    lo, hi = products.extended_range(dem.astype(np.float64))
    return products.Tracing.for_raster(*dem.shape, 10.0, 10.0, heading, True, float(np.median(dem)), theta,
                                       (lo, hi), (theta, theta), True, True)


def test_traced_blocks_with_voids_and_an_incidence_raster(tmp_path, monkeypatch):
    """Voids (filled block by block) and a varying incidence: small blocks == one block, bit for bit."""
    from sar_change.core.terrain import pipeline

    dem = mountains(120, 140)
    dem[30:36, 40:47] = np.nan
    dem[90, 12] = np.nan
    inc = np.tile(np.linspace(30.0, 44.0, dem.shape[1], dtype=np.float32), (dem.shape[0], 1))
    inc[5:8, 100:103] = np.nan
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    inc_path = write_raster(tmp_path / "inc.tif", inc, GT, 32633, None)
    incidence = pipeline.Incidence(path=inc_path, band=1, degrees=True)
    tiled, _ = _geometry_run(tmp_path, "tiled", dem_path, 348.0, incidence, monkeypatch, (19, 13))
    whole, _ = _geometry_run(tmp_path, "whole", dem_path, 348.0, incidence, monkeypatch, (10 ** 6, 10 ** 6))
    for name in pipeline.GEOMETRY_OUTPUTS:
        assert np.array_equal(tiled[name], whole[name], equal_nan=True), name
    from osgeo import gdal

    mask = gdal.Open(str(tmp_path / f"tiled_{pipeline.DISTORTION_MASK}.tif")).ReadAsArray()
    voids = np.isnan(dem) | np.isnan(inc)
    assert np.all(mask[voids] == pipeline.MASK_NODATA)
    assert np.isnan(tiled[pipeline.SIMULATED_SAR][voids]).all()
    assert np.all(mask[~voids] < 8) and np.isfinite(tiled[pipeline.SIMULATED_SAR][~voids]).all()


@pytest.mark.parametrize("method", ["area", "cos_ratio"])
def test_flattening_in_blocks_equals_the_whole_dem(tmp_path, monkeypatch, method):
    from sar_change.core.terrain import flattening, pipeline

    dem = mountains(90, 110)
    sigma0 = (0.25 * flattening.simulated_sar_extended(dem, 10.0, 10.0, np.radians(35.0), 348.0))
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    sar_path = write_raster(tmp_path / "sigma0.tif", sigma0, GT, 32633, None)
    real = pipeline._blocks
    monkeypatch.setattr(pipeline, "_blocks", lambda tracing: ((21, 16), real(tracing)[1]))
    out = str(tmp_path / "gamma0.tif")
    _, lost = pipeline.terrain_flattening(sar_path, dem_path, out, "linear", 10.0, 10.0, 348.0, True,
                                          pipeline.Incidence(radians=np.radians(35.0)), method)
    want = flattening.gamma0_flattened(sigma0, dem, 10.0, 10.0, np.radians(35.0), 348.0, method=method)
    assert np.array_equal(read_array(out), want, equal_nan=True)
    assert 0.05 < lost == pytest.approx(np.isnan(want).mean())


def test_blocks_need_their_reach(tmp_path, monkeypatch):
    """The equality above is not automatic: margins of a quarter of the reach change the mask."""
    from sar_change.core.terrain import flattening, pipeline

    dem = mountains()
    dem_path = write_raster(tmp_path / "dem.tif", dem, GT, 32633, None)
    real = pipeline._blocks
    monkeypatch.setattr(pipeline, "_blocks",
                        lambda tracing: ((23, 17), tuple(m // 4 for m in real(tracing)[1])))
    out = str(tmp_path / "mask.tif")
    pipeline.terrain_geometry(dem_path, {pipeline.DISTORTION_MASK: out}, 10.0, 10.0, 348.0, True,
                              pipeline.Incidence(radians=np.radians(35.0)))
    whole = flattening.extended_products(dem, 10.0, 10.0, np.radians(35.0), 348.0, simulate=False)["bits"]
    assert np.count_nonzero(read_array(out) != whole) > 100
