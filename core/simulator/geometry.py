"""Per-orbit imaging geometry: incidence across the scene, local incidence, terrain projection.

Everything here depends on the orbit direction only, not on the date, so it
is computed once per orbit and reused for every acquisition.

Incidence across the scene: Sentinel-1 IW images a 250 km swath from 29.1 to
46.0 deg incidence (ESA Sentinel-1 User Handbook 2013). Incidence grows with
ground range g as theta = atan(g / H); the effective height H is chosen so
that the user's incidence range spans the 250 km swath (this absorbs Earth
curvature). The scene sits at ``swath_position`` (0 = near edge, 1 = far
edge) of the swath; the look direction decides which side of the scene is
near range.

Terrain projection (what a standard calibration + range-Doppler terrain
correction without radiometric terrain flattening produces: sigma0
referenced to the ellipsoid, on the map grid):
- outside layover, sigma0_ell = sigma0 * F with F the Jacobian of the
  ground -> radar mapping (``projection_factor``; sin(theta)/sin(theta - beta)
  for a range slope beta, Ulander 1996, IEEE TGRS 34(5)): slopes facing the
  radar are compressed into fewer range cells and brighten, slopes facing
  away darken;
- in layover (terrain.layover_shadow bit 1) the contributions of every facet
  folded onto the same range cell add up: each pixel at height z (relative
  to the scene median) is imaged displaced by z / tan(theta) towards the
  radar; its power sigma0 * (true facet area) is splatted bilinearly at the
  displaced position onto the grid, divided by the flat pixel area and read
  back at each pixel's displaced position (facets projected into radar
  geometry as in Small 2011, IEEE TGRS 49(8)). On a plane slope this equals
  the Jacobian of the mapping, i.e. Ulander's factor;
- pixels in radar shadow contribute nothing (only the noise floor remains).
"""
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..terrain import geometry as terrain
from .dem import fill_nodata

ORBITS = ("ascending", "descending")
# Ground-track heading (deg clockwise from north) of Sentinel-1 at mid latitudes:
# inclination 98.18 deg (ESA User Handbook) gives ~ -11 deg ascending, ~191 deg descending.
HEADING_DEG = {"ascending": 349.0, "descending": 191.0}
# Where the scene sits across the swath (0 near, 1 far): asc and desc see it at different angles.
SWATH_POSITION = {"ascending": 0.62, "descending": 0.30}
SWATH_WIDTH_M = 250_000.0  # IW swath width (ESA Sentinel-1 User Handbook)
INCIDENCE_LIMITS_DEG = (15.0, 60.0)
LAYOVER, SHADOW, FORESHORTENING = 1, 2, 4  # terrain.layover_shadow bits
MAX_AREA_FACTOR = 10.0  # +10 dB: cap of the projection factor next to layover
PAD = 8  # pixels of DEM continued beyond the scene so edge pixels get full neighbourhoods

_ALIASES = {"ascending": "ascending", "asc": "ascending", "a": "ascending",
            "descending": "descending", "desc": "descending", "dsc": "descending", "d": "descending"}


def check_orbit(name):
    """Normalise an orbit direction name or raise ValueError naming the accepted values."""
    key = str(name).strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown orbit direction {name!r}: use 'ascending' or 'descending'")
    return _ALIASES[key]


def check_incidence_range(incidence_range):
    """(min, max) in degrees within 15-60 deg, or ValueError naming the fix."""
    try:
        lo, hi = (float(v) for v in incidence_range)
    except (TypeError, ValueError):
        raise ValueError("incidence_range must be two numbers (min, max) in degrees, "
                         "e.g. (29, 46) for Sentinel-1 IW") from None
    lim_lo, lim_hi = INCIDENCE_LIMITS_DEG
    if not (lim_lo <= lo < hi <= lim_hi):
        raise ValueError(f"incidence range ({lo:g}, {hi:g}) deg is invalid: give min < max, both "
                         f"within {lim_lo:g}-{lim_hi:g} deg (Sentinel-1 IW: 29-46 deg)")
    return lo, hi


def _row_spacing(dx, rows):
    """dx as a (rows, 1) array of metres (scalar or per-row input)."""
    dx = np.asarray(dx, dtype=np.float64)
    if dx.ndim == 0:
        return np.full((rows, 1), float(dx))
    dx = dx.reshape(-1)
    if dx.size == 1:
        return np.full((rows, 1), float(dx[0]))
    if dx.size != rows:
        raise ValueError(f"per-row pixel size has {dx.size} values for {rows} rows")
    return dx.reshape(rows, 1)


def _mean_spacing(d):
    return float(np.mean(np.asarray(d, dtype=np.float64)))


def map_coordinates_m(shape, dx, dy):
    """East and north coordinates (metres) of the pixel centres, origin at pixel (0, 0).

    Rows run south (north-up grid); ``dx`` may vary per row (geographic grids).
    """
    rows, cols = shape
    east = np.arange(cols)[None, :] * _row_spacing(dx, rows)
    north = -np.arange(rows)[:, None] * _mean_spacing(dy) * np.ones((1, cols))
    return east, north


def scene_incidence(shape, dx, dy, heading_deg, incidence_range=(29.0, 46.0), swath_position=0.5,
                    right_looking=True):
    """Ellipsoid incidence angle (radians, float32 array of ``shape``) across the scene.

    ``dx``, ``dy``: pixel spacing in metres; ``heading_deg``: ground-track
    heading (deg from north); ``incidence_range``: (min, max) deg of the whole
    swath; ``swath_position``: 0..1, where the scene's near edge sits in the
    part of the swath that can hold it. A scene wider than the swath spans
    the whole incidence range linearly.
    """
    lo, hi = np.radians(check_incidence_range(incidence_range))
    east, north = map_coordinates_m(shape, dx, dy)
    phi = terrain.look_azimuth(heading_deg, right_looking)
    r = east * np.sin(phi) + north * np.cos(phi)
    r = r - r.min()
    extent = float(r.max())
    height = SWATH_WIDTH_M / (np.tan(hi) - np.tan(lo))
    room = SWATH_WIDTH_M - extent
    if room < 0 or extent == 0:
        frac = r / extent if extent > 0 else np.zeros_like(r)
        return (lo + (hi - lo) * frac).astype(np.float32)
    g0 = height * np.tan(lo) + float(np.clip(swath_position, 0.0, 1.0)) * room
    return np.arctan((g0 + r) / height).astype(np.float32)


@dataclass
class OrbitGeometry:
    """Geometry of one orbit direction over the scene (arrays have the scene's shape).

    incidence, local_incidence: radians (float32); mask: uint8 terrain bits
    LAYOVER=1, SHADOW=2, FORESHORTENING=4; area_factor: sigma0_ellipsoid /
    sigma0 for a pixel whose neighbours scatter like itself (1 on flat ground,
    ``projection_factor`` on slopes, capped at 10; the summed folded area in
    layover); heading_deg: degrees.
    """

    direction: str
    heading_deg: float
    right_looking: bool
    incidence: np.ndarray
    local_incidence: np.ndarray
    mask: np.ndarray
    area_factor: np.ndarray
    _splat: object
    _gather: object
    _facet_area: np.ndarray
    _node_area: np.ndarray

    @property
    def mean_incidence_deg(self):
        """Scene-mean ellipsoid incidence in degrees."""
        return float(np.degrees(np.nanmean(self.incidence)))

    def project(self, sigma0):
        """Terrain-projected (ellipsoid-referenced) sigma0, linear power, float32.

        ``sigma0``: per-pixel sigma0 on the true surface (linear, NaN = no
        data, 0 in shadow). Pixels outside layover get sigma0 * area_factor;
        layover pixels get the sum of every facet folded onto them.
        """
        s = np.asarray(sigma0, dtype=np.float32)
        out = s * self.area_factor
        layover = (self.mask & LAYOVER) != 0
        if layover.any():
            padded = np.pad(np.nan_to_num(s, nan=0.0), PAD, mode="edge").ravel()
            power = self._splat @ (padded * self._facet_area)
            full = self._gather @ (power / self._node_area)
            full = full.reshape(s.shape).astype(np.float32)
            out = np.where(layover, full, out)
        return out.astype(np.float32, copy=False)


def orbit_geometry(dem, dx, dy, direction, incidence_range=(29.0, 46.0), heading_deg=None,
                   swath_position=None, right_looking=True):
    """Compute the OrbitGeometry of ``direction`` ('ascending'/'descending') over ``dem``.

    ``dem``: metres, NaN = no data (filled with the nearest elevation for the
    geometry, NaN again in the outputs); ``dx``, ``dy``: pixel spacing in
    metres (scalars or per-row ``dx``); ``heading_deg`` and
    ``swath_position`` default to the orbit's values in HEADING_DEG and
    SWATH_POSITION.
    """
    direction = check_orbit(direction)
    heading = HEADING_DEG[direction] if heading_deg is None else float(heading_deg)
    position = SWATH_POSITION[direction] if swath_position is None else float(swath_position)
    dem = np.asarray(dem, dtype=np.float64)
    invalid = ~np.isfinite(dem)
    z = fill_nodata(dem)
    rows, cols = z.shape
    dx_rows = _row_spacing(dx, rows)
    dy_m = _mean_spacing(dy)

    # Continue the terrain PAD pixels beyond the scene (odd reflection keeps slopes going).
    zp = np.pad(z, PAD, mode="reflect", reflect_type="odd")
    dxp = np.pad(dx_rows, ((PAD, PAD), (0, 0)), mode="edge")
    prow, pcol = zp.shape
    dx_arg = float(np.mean(dx_rows))  # terrain takes one (dx, dy) per raster
    slope, aspect = terrain.slope_aspect(zp, dx_arg, dy_m)
    inc = scene_incidence(zp.shape, dxp, dy_m, heading, incidence_range, position, right_looking)
    lia = np.asarray(terrain.local_incidence(slope, aspect, inc, heading, right_looking), dtype=np.float32)
    mask = np.asarray(terrain.layover_shadow(zp, dx_arg, dy_m, inc, heading, right_looking), dtype=np.uint8)

    crop = (slice(PAD, PAD + rows), slice(PAD, PAD + cols))
    area_factor = projection_factor(slope[crop], aspect[crop], inc[crop], heading, right_looking)
    layover = (mask[crop] & LAYOVER) != 0
    splat = gather = facet_area = node_area = None
    if layover.any():  # folded facets: the sum of every contribution landing on the pixel
        splat, gather, facet_area, node_area = _projection_operators(
            zp, np.median(z), inc, slope, mask, dxp, dy_m, heading, right_looking, (rows, cols))
        summed = (gather @ ((splat @ facet_area) / node_area)).reshape(rows, cols)
        area_factor = np.where(layover, summed, area_factor)
    inc_c, lia_c, mask_c = inc[crop].copy(), lia[crop].copy(), mask[crop].copy()
    if invalid.any():
        inc_c[invalid] = np.nan
        lia_c[invalid] = np.nan
        mask_c[invalid] = 0
        area_factor[invalid] = np.nan
    return OrbitGeometry(direction, heading, bool(right_looking), inc_c, lia_c, mask_c,
                         area_factor.astype(np.float32), splat, gather, facet_area, node_area)


def projection_factor(slope, aspect, incidence, heading_deg, right_looking=True):
    """sigma0_ellipsoid / sigma0 of a facet outside layover (dimensionless).

    The Jacobian of the ground -> radar mapping: a facet of slope s whose
    range slope beta (tan beta = -tan s cos(aspect - look azimuth), positive
    facing the radar) is compressed in range by 1 - tan(beta)/tan(theta) and
    has a true area 1/cos(s) times its map area:
    F = tan(theta) / (cos(s) (tan(theta) - tan(beta))). A pure range slope
    gives sin(theta)/sin(theta - beta), the area projection of Ulander 1996
    (IEEE TGRS 34(5)); a pure azimuth slope 1/cos(s). Capped at
    MAX_AREA_FACTOR where beta -> theta (layover onset). All angles radians.
    """
    phi = terrain.look_azimuth(heading_deg, right_looking)
    tan_beta = -np.tan(slope) * np.cos(np.asarray(aspect) - phi)
    tan_t = np.tan(np.asarray(incidence, dtype=np.float64))
    denom = np.cos(slope) * (tan_t - tan_beta)
    return tan_t / np.maximum(denom, tan_t / MAX_AREA_FACTOR)


def _projection_operators(zp, z_ref, inc, slope, mask, dxp, dy_m, heading, right_looking, shape):
    """Sparse splat (radar nodes x padded pixels) and gather (scene pixels x nodes) operators.

    Each padded pixel is displaced towards the radar by (z - z_ref) / tan(theta)
    and splatted bilinearly; facet_area is its true (slope-corrected) area,
    0 in shadow; node_area the flat area of each node (m2).
    """
    rows, cols = shape
    prow, pcol = zp.shape
    phi = terrain.look_azimuth(heading, right_looking)
    shift_m = -(zp - z_ref) / np.tan(inc.astype(np.float64))
    dcol = shift_m * np.sin(phi) / dxp
    drow = -shift_m * np.cos(phi) / dy_m
    margin = int(np.ceil(max(np.abs(dcol).max(), np.abs(drow).max()))) + 2
    qr = np.arange(prow)[:, None] + drow + margin
    qc = np.arange(pcol)[None, :] + dcol + margin
    n_rows, n_cols = prow + 2 * margin, pcol + 2 * margin
    splat = _bilinear_matrix(qr.ravel(), qc.ravel(), n_rows, n_cols)
    lit = (mask & SHADOW) == 0
    facet_area = np.where(lit, dxp * dy_m / np.cos(slope), 0.0).ravel()
    node_rows = np.clip(np.arange(n_rows) - margin, 0, prow - 1)
    node_area = np.repeat(dxp[node_rows, 0] * dy_m, n_cols)
    r = np.arange(prow)[:, None]
    c = np.arange(pcol)[None, :]
    inner = (r >= PAD) & (r < PAD + rows) & (c >= PAD) & (c < PAD + cols)
    gather = splat[:, np.flatnonzero(inner.ravel())].T.tocsr()
    return splat, gather, facet_area, node_area


def _bilinear_matrix(qr, qc, n_rows, n_cols):
    """Sparse (n_rows*n_cols, len(qr)) bilinear splatting weights of points at (qr, qc)."""
    r0 = np.floor(qr).astype(np.int64)
    c0 = np.floor(qc).astype(np.int64)
    fr = qr - r0
    fc = qc - c0
    cols = np.arange(qr.size)
    data, node, pix = [], [], []
    for dr, dc, w in ((0, 0, (1 - fr) * (1 - fc)), (0, 1, (1 - fr) * fc),
                      (1, 0, fr * (1 - fc)), (1, 1, fr * fc)):
        data.append(w)
        node.append((r0 + dr) * n_cols + (c0 + dc))
        pix.append(cols)
    m = sparse.csr_matrix((np.concatenate(data), (np.concatenate(node), np.concatenate(pix))),
                          shape=(n_rows * n_cols, qr.size))
    m.eliminate_zeros()
    return m
