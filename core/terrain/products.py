"""Every terrain product of one DEM window, from one slope and one ray tracing.

QGIS-free. Shared by the whole-array functions (``core.terrain.flattening``:
the window is the whole DEM) and the file pipeline (``core.terrain.pipeline``:
windows of a raster with the margins of ``range_trace.window_margins``), so
both give the same numbers.

The DEM is extended by ``EDGE_PAD`` pixels on every side (point reflection,
which continues planes exactly; edge replication for the incidence) so that
the slant-range cells of the border pixels are fully populated; terrain
beyond the DEM is not known and not simulated. A window touching an edge of
the raster is extended there exactly as the whole raster would be.
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from . import geometry as terrain
from . import range_trace

#: Pixels added on every side of the DEM for the area simulation (4 make the border pixels of any
#: plane exact, for any look direction and pixel aspect ratio; one more for safety).
EDGE_PAD = 5


def extend_edges(a, sides, image_shape, odd, pad=EDGE_PAD):
    """``a`` extended by ``pad`` pixels on the ``sides`` (top, bottom, left, right) that are raster edges.

    Point reflection (``odd``) or edge replication, axis 0 first, as on the
    whole raster; an axis of the whole raster 1 pixel long is replicated.
    """
    top, bottom, left, right = sides
    for axis, (before, after) in ((0, (top, bottom)), (1, (left, right))):
        widths = [(0, 0), (0, 0)]
        widths[axis] = (pad if before else 0, pad if after else 0)
        if widths[axis] == (0, 0):
            continue
        if odd and image_shape[axis] > 1:
            a = np.pad(a, widths, mode="reflect", reflect_type="odd")
        else:
            a = np.pad(a, widths, mode="edge")
    return a


@dataclass(frozen=True)
class Tracing:
    """What is fixed for a whole raster: its range grid (extended raster) and the tracing constants.

    ``ref``: heights are traced from this reference (metres); ``rho0``:
    ``range_trace.cell_origin``; ``reach``: ``range_trace.reach`` (metres,
    np.inf for a whole-array run); ``mask``/``simulate``: which of the two
    traced products are wanted (neither: no tracing, the angles only).
    """

    grid: range_trace.RangeGrid
    heading_deg: float
    right_looking: bool
    ref: float = 0.0
    rho0: float = 0.0
    reach: float = np.inf
    mask: bool = True
    simulate: bool = True

    @classmethod
    def for_raster(cls, rows, cols, dx, dy, heading_deg, right_looking, ref, theta_ref, h_range,
                   theta_range, mask, simulate, whole=False):
        """The Tracing of a ``rows`` x ``cols`` DEM (before extension), heights in ``h_range`` (metres)."""
        look = terrain.look_azimuth(heading_deg, right_looking)
        grid = range_trace.RangeGrid(rows + 2 * EDGE_PAD, cols + 2 * EDGE_PAD, dx, dy, look)
        reach = np.inf if whole else range_trace.reach(h_range[0] - ref, h_range[1] - ref, theta_range[0],
                                                       theta_range[1], grid.step, simulate)
        return cls(grid, float(heading_deg), bool(right_looking), float(ref),
                   range_trace.cell_origin(ref, theta_ref), reach, bool(mask), bool(simulate))

    def margins(self):
        """(rows, cols) pixels a window reads around its core (at least the edge extension + 1)."""
        if not (self.mask or self.simulate):
            return 1, 1
        rows, cols = range_trace.window_margins(self.grid, self.reach)
        return max(rows, EDGE_PAD + 1), max(cols, EDGE_PAD + 1)


def extended_range(z, pad=EDGE_PAD):
    """(min, max) heights of ``z`` (NaN ignored) once extended by point reflection at its edges.

    The extension reaches ``2 z_edge - z_inner``, outside the DEM's own range
    near steep edges; ``z`` may be the whole DEM or its edge strips.
    """
    ext = extend_edges(z, (True,) * 4, z.shape, odd=True, pad=pad)
    if not np.isfinite(ext).any():
        return float("nan"), float("nan")
    return float(np.nanmin(ext)), float(np.nanmax(ext))


def window_products(tracing, dx, dy, zp, thp, origin, core, voids):
    """Slope, aspect, range slope (radians) and the traced products of a window's core pixels.

    ``zp``: float64 heights (metres) of the extended window, voids filled;
    ``thp``: incidence (radians), scalar or window-shaped, filled; ``origin``:
    global (row, col) of the window's top-left pixel in the extended raster;
    ``core``: (row slice, col slice) of the pixels wanted, at least one
    pixel inside the window; ``voids``: window-shaped bool, the no-data
    pixels. Returns a dict: ``slope``, ``aspect``
    (NaN where the 3x3 window holds a void, as ``geometry.slope_aspect`` on
    the unfilled DEM), ``beta`` (from the filled DEM), ``theta`` (core),
    ``bits`` (uint8, 0 on voids) and ``sim`` (float64 sigma0 of gamma0 = 1, NaN
    on voids) when traced.
    """
    # Horn's 3x3 needs one pixel around the core: slope once for every product.
    rows = slice(core[0].start - 1, core[0].stop + 1)
    cols = slice(core[1].start - 1, core[1].stop + 1)
    inner = (slice(1, -1), slice(1, -1))
    slope, aspect = terrain.slope_aspect(zp[rows, cols], dx, dy)
    slope, aspect = slope[inner], aspect[inner]
    beta = terrain.range_slope(slope, aspect, tracing.heading_deg, tracing.right_looking)
    theta = thp[core] if np.ndim(thp) else thp
    out = {"beta": beta, "theta": theta}
    if tracing.mask or tracing.simulate:
        bits, sim = range_trace.trace_window(tracing.grid, zp, thp, origin, core, beta, tracing.ref,
                                             tracing.rho0, tracing.reach, tracing.mask, tracing.simulate)
        if bits is not None:
            bits[voids[core]] = 0
        if sim is not None:
            sim[voids[core]] = np.nan
        out.update(bits=bits, sim=sim)
    around = voids[rows, cols]
    if around.any():
        near = ndimage.binary_dilation(around, structure=np.ones((3, 3), bool))[inner]
        slope = slope.copy()
        aspect = aspect.copy()
        slope[near] = np.nan
        aspect[near] = np.nan
    out.update(slope=slope, aspect=aspect)
    return out


def typical(theta):
    """A representative incidence (radians) of a scalar or an array (its median); pi/4 when none."""
    if not np.ndim(theta):
        return float(theta)
    finite = np.asarray(theta)[np.isfinite(theta)]
    return float(np.median(finite)) if finite.size else math.pi / 4
