"""Radiometric terrain flattening: geocoded sigma0 -> terrain-flattened gamma0.

QGIS-free, numpy in, numpy out; the conventions of ``core.terrain.geometry`` apply
(north-up DEM in metres with NaN as no data, pixel sizes ``dx``, ``dy`` in
metres, ellipsoid incidence in radians, ``heading_deg`` in degrees clockwise
from north).

Input: sigma0 in linear power (m^2/m^2), calibrated against the ellipsoid
(the usual calibration, e.g. Sentinel-1 GRD sigma0 LUT) and geocoded onto the
DEM's grid without radiometric normalisation (a GTC image: ESA SNAP
"Range-Doppler Terrain Correction" of sigma0). Every pixel then holds the
power of its slant-range cell divided by the cell's area on the ellipsoid.

Both methods divide sigma0 by a *reference*: the sigma0 that a surface of
uniform gamma0 = 1 would show at that pixel, so that
``gamma0_T = sigma0 / reference`` returns the gamma0 of such a surface exactly.

- ``AREA`` (Small 2011, IEEE TGRS 49(8), 3081-3093, "Flattening gamma:
  radiometric terrain correction for SAR imagery"): gamma0_T is the
  backscattered power divided by the sum of the illuminated areas, projected
  perpendicular to the line of sight (A_gamma), of all the terrain sharing
  the pixel's slant-range cell. ``core.terrain.geometry.simulated_sar`` returns that
  sum divided by the cell's ellipsoid area, i.e. sigma0 of a gamma0 = 1
  surface; it is the reference. Since
  sigma0_E = P / A_E and reference = A_gamma / A_E,
  sigma0_E / reference = P / A_gamma = gamma0_T (Small's eq. for gamma0_T
  with A_beta replaced by the ellipsoid area, which cancels). It accounts
  for foreshortening and layover by summing all contributing terrain.
- ``COS_RATIO``: the per-pixel, angle-based normalisation that preceded
  area integration: sigma0 is first referred to the true (tilted) pixel
  area with Ulander's projection angle psi (Ulander 1996, IEEE TGRS 34(5),
  1115-1122: the area of a slant-range/azimuth cell on a surface is
  A_slope = A_slant / cos(psi), on the ellipsoid A_E = A_slant / sin(theta)),
  then divided by cos(theta_loc) to turn it into gamma0 (the pixel-area
  factor times a cosine ratio, as in the Kellndorfer et al. 1998, IEEE TGRS
  36(5), 1396-1411, normalisation, taken with exponent 1 and referred to the
  surface normal so that the result is gamma0):

      gamma0 = sigma0_E * (A_E / A_slope) / cos(theta_loc)
             = sigma0_E * cos(psi) / (sin(theta) * cos(theta_loc))

  With the surface normal n and the normal of the slant-range/azimuth plane
  m (horizontal look direction times cos(theta) plus vertical times
  sin(theta)), cos(psi) = n.m = cos(s) sin(theta - beta) / cos(beta) and
  cos(theta_loc) = cos(s) cos(theta - beta) / cos(beta) (slope s, range slope
  beta from ``terrain.range_slope``), so the reference is
  sin(theta) * cos(theta_loc) / cos(psi) = sin(theta) / tan(theta - beta):
  the projected local incidence theta - beta (Ulander 1996) is all that
  matters, the azimuth slope cancels. On any plane the two methods agree
  (the area model gives sin(theta) cot(theta - beta) too); they differ where
  the terrain bends within a slant-range cell (crests, valleys, layover),
  which only the area method integrates.

Pixels in layover or shadow (``terrain.layover_shadow``) are set to NaN when
``mask_distorted`` is True. Without masking, the area method still returns
NaN where nothing is illuminated (shadow: reference 0) and the cosine ratio
where its angles are undefined (beta >= theta: active layover; theta - beta
>= 90 deg: active shadow); in area-method layover the value is gamma0
averaged over all terrain sharing the cell (Small 2011).

For the area simulation and the layover/shadow mask (``_filled``,
``extended_products``) the DEM's voids are interpolated (``fill_voids``;
they stay no data in the result), heights are measured from their median,
and the DEM is extended by ``EDGE_PAD`` pixels on every side (point
reflection, which continues planes exactly; ``core.terrain.products``) so
that the slant-range cells of the border pixels are fully populated; terrain
beyond the DEM (e.g. a mountain just outside it casting shadow or layover
into it) is not known and not simulated. The simulation's slant-range cells
are one ground pixel wide, their edges at fixed slant ranges of the grid
(``range_trace.cell_origin``), so on rough terrain the reference carries a
discretisation noise of a few hundredths of a dB (0.05-0.08 dB standard
deviation on a 30 m DEM of hills) that no flattening removes. These
functions hold the whole DEM; ``core.terrain.pipeline`` computes the same on
raster files of any size block by block.
"""
import numpy as np
from scipy import ndimage, sparse
from scipy.sparse import linalg as sparse_linalg

from . import geometry as terrain
from . import products

AREA = "area"
COS_RATIO = "cos_ratio"
METHODS = (AREA, COS_RATIO)
LABELS = {
    AREA: "Area-based (Small 2011)",
    COS_RATIO: "Cosine ratio with projected-area factor (Ulander 1996, Kellndorfer et al. 1998)",
}

#: Smallest reference kept (linear power, the sigma0 of a gamma0 = 1 surface; flat ground gives
#: cos(theta), about 0.8). Below 0.05 (-13 dB) a cell gathers less than about 1/16 of the
#: illuminated area of flat ground (grazing back slopes, the edge of shadow): gamma0 = sigma0 /
#: reference would amplify noise more than 20 times (a reference of 1e-12 gave gamma0 ~ 1e12), so
#: such pixels are no data, masked or not.
MIN_REFERENCE = 0.05

#: DEM voids are interpolated smoothly up to this many pixels from valid terrain (``fill_voids``).
FILL_BAND = 16

#: Pixels added on every side of the DEM for the area simulation (``products.EDGE_PAD``).
EDGE_PAD = products.EDGE_PAD


def _radians(incidence, shape=None):
    """Incidence as float64 radians, checked strictly inside (0, pi/2); NaN allowed (no data)."""
    theta = np.asarray(incidence, dtype=np.float64)
    if shape is not None and theta.ndim and theta.shape != shape:
        raise ValueError(f"incidence must be a scalar or an array of shape {shape}, got {theta.shape}")
    finite = theta[np.isfinite(theta)]
    if finite.size and (finite.min() <= 0 or finite.max() >= np.pi / 2):
        raise ValueError("incidence must be in radians, strictly between 0 and pi/2 "
                         f"(got {finite.min():.4g}..{finite.max():.4g}); convert degrees with np.radians")
    return theta


def sigma0_to_gamma0_ellipsoid(sigma0, incidence):
    """gamma0 referred to the ellipsoid, ``sigma0 / cos(theta)`` (linear power, float32).

    ``sigma0`` in linear power (any shape), ``incidence`` the ellipsoid
    incidence in radians (scalar or broadcastable to ``sigma0``). No terrain
    correction: on flat ground it equals the terrain-flattened gamma0.
    """
    theta = _radians(incidence)
    return (np.asarray(sigma0, dtype=np.float64) / np.cos(theta)).astype(np.float32)


def _nearest_fill(a, bad):
    """``a`` with the ``bad`` pixels set to their nearest good pixel's value."""
    idx = ndimage.distance_transform_edt(bad, return_distances=False, return_indices=True)
    return a[tuple(idx)]


def _solve_spd(matrix, rhs, guess):
    """Conjugate gradients to a relative residual of 1e-10 (scipy < 1.12 calls it ``tol``)."""
    try:
        values, _ = sparse_linalg.cg(matrix, rhs, x0=guess, rtol=1e-10, atol=0.0, maxiter=5000)
    except TypeError:
        values, _ = sparse_linalg.cg(matrix, rhs, x0=guess, tol=1e-10, atol=0.0, maxiter=5000)
    return values


def fill_voids(dem):
    """DEM (float64) with its no-data pixels filled, smoothly near the valid terrain.

    Void pixels up to ``FILL_BAND`` pixels from valid terrain are filled by
    harmonic (Laplace) interpolation: each becomes the mean of its 4
    neighbours (at image edges, of those that exist), the valid pixels being
    fixed, so voids narrower than 2 ``FILL_BAND`` pixels inside a plane are
    filled with that plane. Deeper void pixels (sea masked as no data, large
    gaps) take their nearest valid height and bound the harmonic band. An
    all-NaN DEM is returned unchanged.
    """
    z = np.array(dem, dtype=np.float64)
    bad = ~np.isfinite(z)
    if not bad.any() or bad.all():
        return z
    dist, idx = ndimage.distance_transform_edt(bad, return_indices=True)
    z = z[tuple(idx)]  # nearest fill: the deep voids' values and the solver's first guess
    rows, cols = np.nonzero(bad & (dist <= FILL_BAND))
    n = rows.size
    ids = np.full(z.shape, -1, dtype=np.int64)
    ids[rows, cols] = np.arange(n)
    degree = np.zeros(n)
    rhs = np.zeros(n)
    i_idx, j_idx = [], []
    for dr, dc in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        nr, nc = rows + dr, cols + dc
        inside = (nr >= 0) & (nr < z.shape[0]) & (nc >= 0) & (nc < z.shape[1])
        degree += inside
        me, nr, nc = np.nonzero(inside)[0], nr[inside], nc[inside]
        other = ids[nr, nc]
        unknown = other >= 0
        i_idx.append(me[unknown])
        j_idx.append(other[unknown])
        np.add.at(rhs, me[~unknown], z[nr[~unknown], nc[~unknown]])
    i_idx, j_idx = np.concatenate(i_idx), np.concatenate(j_idx)
    diagonal = np.arange(n)
    matrix = sparse.csr_matrix((np.concatenate([degree, -np.ones(i_idx.size)]),
                                (np.concatenate([diagonal, i_idx]), np.concatenate([diagonal, j_idx]))),
                               shape=(n, n))
    z[rows, cols] = _solve_spd(matrix, rhs, z[rows, cols])
    return z


def _filled(dem, incidence):
    """Inputs of the whole-DEM simulations: (DEM, incidence, voids, reference height).

    The DEM's voids (NaN, or NaN incidence) are filled (``fill_voids``) so
    that the terrain around them is simulated with plausible neighbours
    instead of a hole that receives and casts nothing; the caller sets the
    voids back to no data. NaN incidences take their nearest valid value.

    The reference height is the median: ``core.terrain.geometry``'s flat-earth
    range coordinate rho = u - h cot(theta) uses each node's own incidence,
    so with a varying incidence an absolute height h stretches rho by
    h d(cot theta)/du, a bias proportional to the height above the zero
    reference (14 % for 120 m and 14 degrees over 600 m; 0.3 % for 1000 m
    across a Sentinel-1 IW swath). A common offset changes nothing with a
    constant incidence, so the median is used as the reference.
    """
    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"the DEM must be a 2-D array, got shape {z.shape}")
    theta = _radians(incidence, z.shape)
    voids = ~np.isfinite(z)
    if theta.ndim:
        theta_bad = ~np.isfinite(theta)
        voids |= theta_bad
        if theta_bad.any() and not theta_bad.all():
            theta = _nearest_fill(theta, theta_bad)
    if voids.any() and not voids.all():
        z = fill_voids(np.where(voids, np.nan, z))
    ref = float(np.nanmedian(z)) if np.isfinite(z).any() else 0.0
    return z, theta, voids, ref


def extended_products(dem, dx, dy, incidence, heading_deg, right_looking=True, mask=True, simulate=True):
    """``products.window_products`` of the whole DEM, extended at its edges and with its voids filled.

    Same arguments and units as ``terrain.simulated_sar``; ``mask``,
    ``simulate``: trace for the distortion bits, the simulation. The file
    pipeline (``core.terrain.pipeline``) gives the same numbers window by
    window (with its own void filling, see there).
    """
    z, theta, voids, ref = _filled(dem, incidence)
    tracing = products.Tracing.for_raster(z.shape[0], z.shape[1], dx, dy, heading_deg, right_looking, ref,
                                          products.typical(theta), None, None, mask, simulate, whole=True)
    pad = EDGE_PAD
    sides = (True,) * 4
    zp = products.extend_edges(z, sides, z.shape, odd=True)
    thp = products.extend_edges(theta, sides, z.shape, odd=False) if theta.ndim else theta
    core = (slice(pad, pad + z.shape[0]), slice(pad, pad + z.shape[1]))
    return products.window_products(tracing, dx, dy, zp, thp, (0, 0), core, np.pad(voids, pad))


def simulated_sar_extended(dem, dx, dy, incidence, heading_deg, right_looking=True):
    """``terrain.simulated_sar`` (sigma0 of gamma0 = 1, linear, float32) with the DEM extended at its edges.

    Same arguments and units as ``terrain.simulated_sar``. The DEM is
    extended by ``EDGE_PAD`` pixels by point reflection (planes continue
    exactly), simulated and cropped back, so that the slant-range cells of
    the border pixels are fully populated: without it the outer 3 pixels of
    flat ground come out up to 10 times too dark. DEM voids (NaN) are
    filled for the simulation (``fill_voids``) and NaN in the result, as
    are pixels with a NaN incidence.
    """
    return extended_products(dem, dx, dy, incidence, heading_deg, right_looking, mask=False)["sim"].astype(
        np.float32)


def layover_shadow_extended(dem, dx, dy, incidence, heading_deg, right_looking=True):
    """``terrain.layover_shadow`` (uint8 bits) on the DEM extended and filled as for the simulation.

    DEM voids and pixels with a NaN incidence get 0.
    """
    return extended_products(dem, dx, dy, incidence, heading_deg, right_looking, simulate=False)["bits"]


def reference_values(method, found, heading_deg, right_looking=True, mask_distorted=True):
    """Flattening reference (float32, linear power) from ``products.window_products``' dict ``found``.

    NaN where the slope or the incidence is no data, where the reference is
    below ``MIN_REFERENCE`` and, with ``mask_distorted``, on layover and
    shadow (``found`` must then hold ``bits``; the area method needs ``sim``).
    """
    slope, aspect, beta, theta = found["slope"], found["aspect"], found["beta"], found["theta"]
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == AREA:
            ref = np.array(found["sim"], dtype=np.float64)
        else:
            theta_loc = terrain.local_incidence(slope, aspect, theta, heading_deg, right_looking)
            cos_psi = np.cos(slope) * np.sin(theta - beta) / np.cos(beta)  # Ulander 1996 projection angle
            ref = np.sin(theta) * np.cos(theta_loc) / cos_psi
            ref[~((cos_psi > 0) & (np.cos(theta_loc) > 0))] = np.nan
        ref[~(ref >= MIN_REFERENCE)] = np.nan  # near-empty cells: see MIN_REFERENCE
        if mask_distorted:
            ref[(found["bits"] & (terrain.LAYOVER | terrain.SHADOW)) > 0] = np.nan
    ref[np.isnan(found["sim"] if method == AREA else slope)] = np.nan  # no data (the area: voids only)
    return ref.astype(np.float32)


def flattening_reference(dem, dx, dy, incidence, heading_deg, right_looking=True, method=AREA,
                         mask_distorted=True):
    """Reference sigma0 of a uniform gamma0 = 1 surface (linear power, float32), NaN where invalid.

    ``dem`` heights (metres, NaN = no data) on a north-up grid with pixel
    sizes ``dx``, ``dy`` (metres); ``incidence`` ellipsoid incidence
    (radians, scalar or DEM-shaped); ``heading_deg`` flight direction
    (degrees clockwise from north); ``method`` AREA or COS_RATIO (see the
    module docstring). Terrain-flattened gamma0 = sigma0 / reference. NaN
    where the DEM or incidence is no data (and, for the cosine ratio, next
    to it: Horn's 3x3 slope), where the reference is below
    ``MIN_REFERENCE`` (near-empty cells) and, with ``mask_distorted``, on
    layover and shadow pixels. Flat ground gives cos(theta). One slope
    computation and one ray tracing serve the simulation and the mask.
    """
    if method not in METHODS:
        raise ValueError(f"unknown flattening method {method!r}; expected one of {METHODS}")
    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"the DEM must be a 2-D array, got shape {z.shape}")
    found = extended_products(z, dx, dy, incidence, heading_deg, right_looking, mask=mask_distorted,
                              simulate=method == AREA)
    return reference_values(method, found, heading_deg, right_looking, mask_distorted)


def apply_reference(sigma0, reference):
    """``sigma0 / reference`` in float32; ``sigma0`` 2-D or (bands, rows, cols), NaN propagates."""
    sigma0 = np.asarray(sigma0, dtype=np.float32)
    reference = np.asarray(reference, dtype=np.float32)
    if sigma0.shape[-2:] != reference.shape or sigma0.ndim not in (2, 3):
        raise ValueError(f"sigma0 of shape {sigma0.shape} is not on the DEM's grid {reference.shape}: "
                         "resample it (or the DEM) onto the same grid first")
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sigma0 / reference).astype(np.float32)


def gamma0_flattened(sigma0, dem, dx, dy, incidence, heading_deg, right_looking=True, method=AREA,
                     mask_distorted=True):
    """Terrain-flattened gamma0 (linear power, float32) of a geocoded sigma0 on the DEM grid.

    ``sigma0``: linear power referred to the ellipsoid, a 2-D array of the
    DEM's shape or (bands, rows, cols) (every band flattened with the same
    reference). The other arguments are those of ``flattening_reference``
    (metres, radians, degrees). A uniform-gamma0 surface comes back as its
    gamma0 outside layover and shadow (exactly for the area method on the
    ``terrain.simulated_sar`` model; on planes for both methods). Layover
    and shadow pixels are NaN when ``mask_distorted``.
    """
    ref = flattening_reference(dem, dx, dy, incidence, heading_deg, right_looking, method, mask_distorted)
    return apply_reference(sigma0, ref)
