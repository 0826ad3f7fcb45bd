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
