"""The DEM's exclusion mask and simulated SAR image on the reference grid, traced block by block.

With a DEM, ``stack.coregister_stack`` leaves out of the matching windows the
pixels in layover, shadow and strong foreshortening
(``offsets.terrain_exclusion``) and, registering to the DEM, matches against
the SAR image simulated from it (``terrain.geometry.simulated_sar``). Both
come from one ray tracing along range over the DEM warped onto the reference
grid. Here they are written into two GeoTIFFs on that grid through the block
engine, whose blocks read margins covering the terrain's reach along range
(``core.terrain.range_trace``: ``reach`` from the warped DEM's height range
and the incidence, ``window_margins``); the offsets then read them tile by
tile beside the rasters (``raster_offsets``). Memory follows the block, not
the scene.

The tracing is the whole-array one of ``geometry.distortion_and_simulation``
(the range grid of the reference grid itself: no edge extension, heights
traced from 0, slant-range cells from 0, no void filling, unlike the terrain
pipeline), with a Horn slope per block that extrapolates at the raster's
edges as on the whole array. ``range_trace.trace_window`` then gives every
block's core exactly the whole array's values, bit for bit
(tests/test_coregistration_dem_streaming.py).
"""
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from ..engine.raster_blocks import OutputRaster, map_raster_outputs, read_info
from ..engine.raster_sampling import band_range
from ..terrain import geometry as terrain
from ..terrain import range_trace
from ..terrain.pipeline import tracing_blocks
from . import offsets as ofs

#: Value of an excluded pixel in the exclusion raster (others 0); 255 is its no-data value (never written).
EXCLUDED = 1


@dataclass(frozen=True)
class Traced:
    """What ``trace_layers`` wrote: the rasters' paths (``simulation`` None if not asked), pixel counts."""

    exclusion: str
    simulation: str
    excluded: int
    pixels: int


def height_range(path, is_canceled=None):
    """(min, max) of the finite heights of band 1 of ``path`` (metres), read block by block; NaNs if none."""
    lo, hi, _ = band_range(path, 1, is_canceled)
    return lo, hi


def core_range_slope(z, core, dx, dy, heading_deg, right_looking=True):
    """Range slope (radians, ``geometry.range_slope``) of the ``core`` pixels of the window ``z``.

    Horn's slope reads one pixel around the core; where the core touches the
    window's edge, that edge must be the raster's (the block engine's reads are
    clipped only there), and ``geometry.slope_aspect`` extrapolates it as on
    the whole raster.
    """
    r0, c0 = max(core[0].start - 1, 0), max(core[1].start - 1, 0)
    r1, c1 = min(core[0].stop + 1, z.shape[0]), min(core[1].stop + 1, z.shape[1])
    slope, aspect = terrain.slope_aspect(z[r0:r1, c0:c1], dx, dy)
    inner = (slice(core[0].start - r0, core[0].stop - r0), slice(core[1].start - c0, core[1].stop - c0))
    return terrain.range_slope(slope[inner], aspect[inner], heading_deg, right_looking)


def trace_layers(dem_on_grid, exclusion_path, simulation_path, dx, dy, incidence_deg, heading_deg,
                 right_looking=True, foreshortening_ratio=0.5, heights=None, progress=None, is_canceled=None):
    """Write the exclusion mask (and the simulated image) of the DEM ``dem_on_grid`` block by block.

    ``dem_on_grid``: heights (metres, NaN no data) already on the reference
    grid; ``dx``, ``dy``: its pixel sizes (metres); ``incidence_deg``,
    ``heading_deg`` (degrees), ``right_looking``, ``foreshortening_ratio``:
    as ``offsets.terrain_exclusion``. ``exclusion_path``: uint8 GeoTIFF,
    ``EXCLUDED`` where ``offsets.terrain_exclusion`` is True, else 0;
    ``simulation_path`` (None: not written): float32 sigma0 of
    ``geometry.simulated_sar`` (linear power, NaN no data). ``heights``:
    the DEM's (min, max) if known (``height_range``). Returns ``Traced``.
    Raises ValueError when the DEM holds no finite height.
    """
    info = read_info(dem_on_grid)
    lo, hi = heights if heights is not None else height_range(dem_on_grid, is_canceled)
    if not np.isfinite([lo, hi]).all():
        raise ValueError(f"{dem_on_grid} holds no valid height")
    theta = float(np.radians(np.float64(incidence_deg)))
    simulate = simulation_path is not None
    grid = range_trace.RangeGrid(info.ysize, info.xsize, dx, dy,
                                 terrain.look_azimuth(heading_deg, right_looking))
    reach = range_trace.reach(lo, hi, theta, theta, grid.step, simulate)
    block, margin = tracing_blocks(*range_trace.window_margins(grid, reach))
    excluded = []

    def func(data, window):
        rx, ry, rw, rh = window.read
        cx, cy, cw, ch = window.core
        z = data[0].astype(np.float64)
        core = (slice(cy - ry, cy - ry + ch), slice(cx - rx, cx - rx + cw))
        beta = core_range_slope(z, core, dx, dy, heading_deg, right_looking)
        bits, sim = range_trace.trace_window(grid, z, theta, (ry, rx), core, beta, reach_m=reach, mask=True,
                                             simulate=simulate)
        exclude = ofs.exclusion_from_distortion(bits, beta, theta, foreshortening_ratio)
        excluded.append(int(np.count_nonzero(exclude)))  # list.append is atomic across the workers
        out = np.zeros((1 + simulate, rh, rw), np.float32)
        out[0][core] = exclude * EXCLUDED
        if simulate:
            out[1][core] = sim.astype(np.float32)
        return out

    targets = [OutputRaster(exclusion_path, 1, ["terrain exclusion"], 255, gdal.GDT_Byte)]
    if simulate:
        targets.append(OutputRaster(simulation_path, 1, ["simulated sigma0"]))
    map_raster_outputs(dem_on_grid, targets, func, margin, bands=[1], block=block, progress=progress,
                       is_canceled=is_canceled, with_window=True)
    return Traced(str(exclusion_path), None if not simulate else str(simulation_path), sum(excluded),
                  info.xsize * info.ysize)
