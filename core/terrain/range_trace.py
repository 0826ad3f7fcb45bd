"""Ray tracing along range on a window of a DEM: layover/shadow flags and the Small (2011) simulation.

QGIS-free, numpy in, numpy out; the conventions of ``core.terrain.geometry``
apply (north-up DEM in metres, pixel sizes ``dx``, ``dy`` in metres,
incidence in radians, look azimuth in radians clockwise from north).

The DEM is resampled bilinearly on *range lines*, lines parallel to the
horizontal look direction ``min(dx, dy)`` apart with nodes half that apart
along them (``RangeGrid``; straight-ray, flat-earth slant-range geometry of
SAR simulators, e.g. ESA SNAP SAR Simulation; Schreier 1993, SAR Geocoding,
ch. 4). The node grid is a property of the whole raster (nodes placed
symmetrically about its centre), so any window of the raster sees the same
nodes at the same positions with the same heights.

Bounded reach (what makes the tracing stream): with ``q = h cot(theta)`` and
``s = h tan(theta)`` (heights ``h`` from a reference), a node's layover test
compares slant ranges ``rho = u - q`` and its shadow test the far-range
intercepts ``g = u + s``; a node farther than ``max q - min q`` (resp.
``max s - min s``) along the line can never win those comparisons, and a
slant-range cell only receives terrain within that distance. ``reach``
turns the height and incidence ranges of the whole raster into that
distance, and ``window_margins`` into the pixels a window must read around
the pixels it returns. Within that margin ``trace_window`` returns, for
those pixels, exactly (bit for bit) what the whole raster gives: running
maxima are exact, every slant-range cell sums its contributions in the same
order (node order along the line) whatever the window, and every per-node
value is computed from global indices by the same formula.
"""
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

LAYOVER = 1
SHADOW = 2
FORESHORTENING = 4

#: Nodes per pixel along the lines: samples crests finely enough.
U_OVERSAMPLING = 2
#: Range lines traced at once (bounds the memory of a window; lines are independent).
LINE_CHUNK = 32


def _node_count(coord, step):
    """Number of nodes, symmetric about 0, covering ``coord`` with a node beyond each end.

    Odd counts put nodes at integer multiples of ``step``, even counts at
    half-integer ones; the parity follows the pixel centres so that, for
    north/south/east/west looks on square pixels, nodes fall on pixel centres
    (no resampling) whatever the raster's size.
    """
    half = int(math.ceil(np.abs(coord).max() / step)) + 1
    frac = (float(coord.flat[0]) / step) % 1.0
    return 2 * half + 2 if abs(frac - 0.5) < 1e-6 else 2 * half + 1


class RangeGrid:
    """The range-line node grid of a ``rows`` x ``cols`` raster (pixel sizes ``dx``, ``dy`` metres).

    u: ground coordinate along the horizontal look direction ``look_az``
    (increasing away from the sensor), v: across it; both in metres from the
    raster's centre. Lines are ``step`` = min(dx, dy) apart, nodes on a line
    ``du`` = step / 2 apart.
    """

    def __init__(self, rows, cols, dx, dy, look_az):
        if not (dx > 0 and dy > 0):
            raise ValueError(f"pixel sizes must be positive metres, got dx={dx}, dy={dy}")
        self.rows, self.cols = int(rows), int(cols)
        self.dx, self.dy = float(dx), float(dy)
        self.step = float(min(dx, dy))
        self.du = self.step / U_OVERSAMPLING
        self.sin_a, self.cos_a = math.sin(look_az), math.cos(look_az)
        u, v = self.pixel_uv(np.array([0, self.rows - 1])[:, None], np.array([0, self.cols - 1])[None, :])
        self.nu, self.nv = _node_count(u, self.du), _node_count(v, self.step)

    def pixel_uv(self, row, col):
        """(u, v) metres of pixel centres given global row and column indices (broadcast)."""
        x = (col - (self.cols - 1) / 2.0) * self.dx
        y = -(row - (self.rows - 1) / 2.0) * self.dy
        return x * self.sin_a + y * self.cos_a, x * self.cos_a - y * self.sin_a

    def pixel_nodes(self, u, v):
        """(line, node) indices of the nodes nearest to points (u, v)."""
        line = np.rint(v / self.step + (self.nv - 1) / 2.0).astype(np.int64)
        node = np.rint(u / self.du + (self.nu - 1) / 2.0).astype(np.int64)
        return line, node

    def node_u(self, node):
        return (node - (self.nu - 1) / 2.0) * self.du

    def node_rowcol(self, line, node):
        """(row, col) fractional pixel positions of nodes (global indices, broadcast)."""
        un = self.node_u(node)
        vn = (line - (self.nv - 1) / 2.0) * self.step
        xn = un * self.sin_a + vn * self.cos_a
        yn = un * self.cos_a - vn * self.sin_a
        return -yn / self.dy + (self.rows - 1) / 2.0, xn / self.dx + (self.cols - 1) / 2.0


def reach(h_min, h_max, theta_min, theta_max, step, simulate=True):
    """Distance along range (metres) beyond which terrain cannot affect a pixel's flags or simulation.

    ``h_min``, ``h_max``: range of the heights (metres, from the reference
    used in the tracing) over the whole raster; ``theta_min``, ``theta_max``:
    range of the incidence (radians). The layover test reaches
    ``max q - min q`` (q = h cot theta), the shadow test ``max s - min s``
    (s = h tan theta); the simulation reaches both (a cell gathers segments
    within the first, each lit only if not shadowed by the second), plus two
    cells. Padded by two nodes and a relative 1e-6 against rounding.
    """
    if not all(np.isfinite([h_min, h_max, theta_min, theta_max])):
        return 0.0
    cots = (1.0 / math.tan(theta_min), 1.0 / math.tan(theta_max))
    tans = (math.tan(theta_min), math.tan(theta_max))
    q = [h * c for h in (h_min, h_max) for c in cots]
    s = [h * t for h in (h_min, h_max) for t in tans]
    spread_q, spread_s = max(q) - min(q), max(s) - min(s)
    out = spread_q + spread_s + 2 * step if simulate else max(spread_q, spread_s)
    return out * (1 + 1e-6) + step + 1e-6 * max(abs(v) for v in q + s)


def window_margins(grid, reach_m):
    """(rows, cols) a window must read around the pixels it returns for ``trace_window`` to be exact.

    A pixel uses the nodes of its nearest line within ``reach_m`` (+ one
    node) along range; their bilinear support adds a pixel, Horn's slope
    another, and one more for rounding.
    """
    along = reach_m + grid.du
    across = grid.step / 2.0
    rows = (along * abs(grid.cos_a) + across * abs(grid.sin_a)) / grid.dy
    cols = (along * abs(grid.sin_a) + across * abs(grid.cos_a)) / grid.dx
    return int(math.ceil(rows)) + 3, int(math.ceil(cols)) + 3


def _exclusive_running(func, a, reverse=False):
    """Running fmax/fmin of the previous (or, reversed, the following) nodes along each line."""
    fill = -np.inf if func is np.fmax else np.inf
    pad = np.full((a.shape[0], 1), fill)
    if reverse:
        acc = func.accumulate(a[:, ::-1], axis=1)[:, ::-1]
        return np.concatenate([acc[:, 1:], pad], axis=1)
    acc = func.accumulate(a, axis=1)
    return np.concatenate([pad, acc[:, :-1]], axis=1)


def _resample(values, row, col, where, shape):
    """Bilinear samples (scipy order 1) of ``values`` at (row, col) where ``where``, else NaN."""
    out = np.full(shape, np.nan)
    out[where] = ndimage.map_coordinates(values, np.array([row[where], col[where]]), order=1, mode="nearest")
    return out


def _nodes(grid, z, theta, origin, lines, k0, k1):
    """Heights and incidence of the nodes ``lines`` x [k0, k1) from the window ``z`` at ``origin``.

    Nodes outside the raster (padded grid) are NaN, as are nodes whose
    bilinear support is not in the window (they are beyond the reach).
    """
    r0, c0 = origin
    h_win, w_win = z.shape
    row, col = grid.node_rowcol(lines[:, None], np.arange(k0, k1)[None, :])
    outside = (row < -0.5) | (row > grid.rows - 0.5) | (col < -0.5) | (col > grid.cols - 0.5)
    row = row - r0
    col = col - c0
    inside = ~outside
    if r0 > 0:
        inside &= row >= 0
    if r0 + h_win < grid.rows:
        inside &= row <= h_win - 1
    if c0 > 0:
        inside &= col >= 0
    if c0 + w_win < grid.cols:
        inside &= col <= w_win - 1
    h = _resample(z, row, col, inside, row.shape)
    if np.ndim(theta):
        th = _resample(theta, row, col, inside, row.shape)
    else:
        th = np.full(row.shape, float(theta))
    return h, th


def _cells(grid, rho0, rho, area, lo, hi, lit):
    """Slant-range cells of each line: (first cell index, sigma0 per cell) with sigma0 = area / step.

    Cell j spans [rho0 + j step, rho0 + (j + 1) step).
    Every lit segment spreads its area uniformly over [lo, hi] in rho
    (a single cell when shorter than 1e-6 step); each cell sums its
    contributions in node order, whatever the window.
    """
    step = grid.step
    n_lines = rho.shape[0]
    line_of = np.broadcast_to(np.arange(n_lines)[:, None], area.shape)[lit]
    area, lo, hi = area[lit], lo[lit], hi[lit]
    if area.size == 0:
        return 0, np.zeros((n_lines, 1))
    m_lo = np.floor((lo - rho0) / step).astype(np.int64)
    m_hi = np.floor((hi - rho0) / step).astype(np.int64)
    span = hi - lo
    point = span < 1e-6 * step
    m_hi[point] = m_lo[point]
    count = m_hi - m_lo + 1
    seg = np.repeat(np.arange(area.size), count)
    first = np.cumsum(count) - count
    cell = m_lo[seg] + (np.arange(seg.size) - first[seg])
    edge = rho0 + cell * step
    overlap = np.minimum(hi[seg], edge + step) - np.maximum(lo[seg], edge)
    frac = np.where(point[seg], 1.0, overlap / np.where(point[seg], 1.0, span[seg]))
    j_min = int(m_lo.min())
    width = int(m_hi.max()) - j_min + 1
    sums = np.bincount(line_of[seg] * width + (cell - j_min), area[seg] * frac, minlength=n_lines * width)
    return j_min, sums.reshape(n_lines, width) / step


def _cell_values(sigma, line, j):
    """sigma[line, j], 0 for cells no lit segment reaches (j outside the array)."""
    inside = (j >= 0) & (j < sigma.shape[1])
    return np.where(inside, sigma[line, np.clip(j, 0, sigma.shape[1] - 1)], 0.0)


def cell_origin(ref, theta):
    """Where the slant-range cells start (metres of rho) for heights measured from ``ref`` (metres).

    Cell edges sit at rho = j step for absolute heights on a ``theta``
    (radians, the incidence or a typical one) incidence, whatever the
    reference: rasters sharing a centre (a DEM and a centred crop of it)
    share their cells.
    """
    return float(ref) / math.tan(float(theta)) if ref else 0.0


def trace_window(grid, z, theta, origin, core, beta, ref=0.0, rho0=0.0, reach_m=np.inf, mask=True,
                 simulate=True):
    """Distortion bits and simulated sigma0 of the ``core`` pixels of a DEM window.

    ``grid``: the RangeGrid of the whole raster; ``z``: float64 heights
    (metres, NaN = none) of the window whose top-left pixel is global
    ``origin`` (row, col); ``theta``: incidence (radians), scalar or
    window-shaped; ``core``: (row slice, col slice) of the window to return;
    ``beta``: range slope (radians) of the core pixels (``geometry.range_slope``);
    ``ref``: reference height subtracted before tracing (metres); ``rho0``:
    ``cell_origin(ref, ...)`` (metres; simulation cells); ``reach_m``:
    ``reach(...)`` for the whole raster (np.inf: the window is the raster).
    Returns ``(bits uint8 or None, sigma0 float64 or None)`` on the core:
    LAYOVER | SHADOW | FORESHORTENING bits as in ``geometry.layover_shadow``
    (0 where the height is NaN), sigma0 of a uniform gamma0 = 1 surface as
    in ``geometry.simulated_sar`` (NaN where the height is NaN).
    """
    r0, c0 = origin
    rows = np.arange(core[0].start, core[0].stop) + r0
    cols = np.arange(core[1].start, core[1].stop) + c0
    u_px, v_px = grid.pixel_uv(rows[:, None], cols[None, :])
    line_px, node_px = grid.pixel_nodes(u_px, v_px)
    zc = z[core] - ref
    th_px = theta[core] if np.ndim(theta) else np.full(zc.shape, float(theta))
    out_mask = np.zeros(zc.shape, np.uint8) if mask else None
    out_sim = np.full(zc.shape, np.nan) if simulate else None
    if zc.size == 0:
        return out_mask, out_sim
    extra = int(math.ceil(reach_m / grid.du)) + 2 if np.isfinite(reach_m) else grid.nu
    # Lines are independent: trace them a few at a time (bounded memory, same numbers).
    flat = [a.ravel() for a in (u_px, zc, th_px, np.broadcast_to(beta, zc.shape), line_px, node_px)]
    order = np.argsort(flat[4], kind="stable")
    firsts = np.arange(int(line_px.min()), int(line_px.max()) + 1, LINE_CHUNK)
    bounds = np.searchsorted(flat[4], np.append(firsts, firsts[-1] + LINE_CHUNK), sorter=order)
    out_mask, out_sim = out_mask.ravel() if mask else None, out_sim.ravel() if simulate else None
    for first, a, b in zip(firsts, bounds[:-1], bounds[1:]):
        if a == b:
            continue
        sel = order[a:b]
        u, zz, th, bt, line, node = (f[sel] for f in flat)
        bits, sim = _trace_lines(grid, z, theta, origin, np.arange(first, first + LINE_CHUNK),
                                 _Pixels(u, zz, th, bt, line - first, node), extra, ref, rho0, mask, simulate)
        if mask:
            out_mask[sel] = bits
        if simulate:
            out_sim[sel] = sim
    shape = zc.shape
    return (out_mask.reshape(shape) if mask else None), (out_sim.reshape(shape) if simulate else None)


@dataclass(frozen=True)
class _Pixels:
    """Pixels traced together (1-D): u (metres), height from the reference, incidence, range slope,
    line (within the traced lines) and node (global) indices."""

    u: np.ndarray
    z: np.ndarray
    theta: np.ndarray
    beta: np.ndarray
    line: np.ndarray
    node: np.ndarray


def _trace_lines(grid, z, theta, origin, lines, px, extra, ref, rho0, mask, simulate):
    """Bits and sigma0 of the pixels ``px`` whose nearest nodes lie on ``lines``."""
    k0 = max(0, int(px.node.min()) - extra)
    k1 = min(grid.nu, int(px.node.max()) + 1 + extra)
    h, th = _nodes(grid, z, theta, origin, lines, k0, k1)
    h -= ref
    u = grid.node_u(np.arange(k0, k1))[None, :]
    tan_t = np.tan(th)
    tol = 1e-9 * grid.step
    # Shadow: a node is hidden if it lies below the ray grazing a nearer node; with the ray's far-range
    # intercept on h = 0, g = u + h tan(theta): g(u) < max over u' < u of g(u').
    g = u + h * tan_t
    shadow = g < _exclusive_running(np.fmax, g) - tol
    del g
    # Layover: rho = u - h cot(theta) (slant range / sin(theta)) not monotonic along the line: a nearer
    # node with a larger rho (active and passive layover behind a slope) or a farther one with a smaller
    # rho (the near-range ground whose echo overlaps the slope's).
    rho = u - h / tan_t
    at = (px.line, px.node - k0)
    bits = sim = None
    if mask:
        layover = (rho < _exclusive_running(np.fmax, rho) - tol) | (
            rho > _exclusive_running(np.fmin, rho, reverse=True) + tol)
        lay_px = layover[at]
        del layover
        shadow_px = shadow[at]
        with np.errstate(invalid="ignore"):
            lay_px |= px.beta > px.theta
            shadow_px |= px.beta < -(np.pi / 2 - px.theta)
            fore = (px.beta > 0) & ~lay_px & ~shadow_px
        bits = ((lay_px * LAYOVER) | (shadow_px * SHADOW) | (fore * FORESHORTENING)).astype(np.uint8)
        bits[np.isnan(px.z)] = 0
    if simulate:
        sim = _simulation(grid, rho0, h, th, rho, shadow, at, px)
    return bits, sim


def _simulation(grid, rho0, h, th, rho, shadow, at, px):
    """Small (2011) area model on the lines, read back at each pixel's own slant range."""
    # Segments between nodes k and k + 1: A_gamma = du cos(theta) + dh sin(theta) per metre of azimuth
    # (Small 2011, the area projected perpendicular to the line of sight); zero when facing away or shadowed.
    th = 0.5 * (th[:, 1:] + th[:, :-1])
    dh = np.diff(h, axis=1)
    with np.errstate(invalid="ignore"):
        area = grid.du * np.cos(th) + dh * np.sin(th)
        lit = np.isfinite(dh) & (area > 0) & ~shadow[:, :-1] & ~shadow[:, 1:]
    lo = np.fmin(rho[:, :-1], rho[:, 1:])
    hi = np.fmax(rho[:, :-1], rho[:, 1:])
    j_min, sigma = _cells(grid, rho0, rho, area, lo, hi, lit)
    # Each pixel: sigma0 at its own rho on its line, linear between cell centres.
    tan_p = np.tan(px.theta)
    with np.errstate(invalid="ignore"):
        t = (px.u - px.z / tan_p - rho0) / grid.step - 0.5
    ok = np.isfinite(t)
    j0 = np.zeros(t.shape, dtype=np.int64)
    j0[ok] = np.floor(t[ok]).astype(np.int64)
    w = np.clip(np.where(ok, t, 0.0) - j0, 0.0, 1.0)
    out = (1 - w) * _cell_values(sigma, at[0], j0 - j_min) + w * _cell_values(sigma, at[0], j0 + 1 - j_min)
    out[shadow[at]] = 0.0
    with np.errstate(invalid="ignore"):
        out[px.beta < -(np.pi / 2 - px.theta)] = 0.0  # active shadow
    out[~ok] = np.nan
    return out
