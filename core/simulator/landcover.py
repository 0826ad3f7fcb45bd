"""Land cover from terrain: rules that place classes where they occur in a landscape.

Classes (uint8): NODATA=0, FOREST=1, FIELD=2, WATER=3, URBAN=4, BARE=5.

Rules (in the order applied, later ones override):
- a river follows the valley floor: the path of least accumulated elevation
  across the scene (dynamic programming, one step per row or per column),
  ~50 m wide; lakes fill the lowest flat depressions up to a level that
  floods ~1 % of the scene;
- fields: rectangular-ish parcels (~250 m x 60-200 m, one random grid
  orientation) on flat (< 7 deg) ground low above the river (height above
  nearest drainage, HAND, Renno et al. 2008); 12 % of such parcels are woodlots;
- forest on slopes and mid elevations with patchy fractal edges, meadows
  (FIELD) in the gaps;
- bare rock on the highest and steepest terrain (ragged edge);
- towns: 1-6 compact clusters (radius 200-600 m) on flat ground near water.
Every random choice comes from ``rng``: same generator state, same map.
"""
import numpy as np
from scipy import ndimage

from ..terrain import geometry as terrain
from .dem import fill_nodata, fractal_dem

NODATA, FOREST, FIELD, WATER, URBAN, BARE = 0, 1, 2, 3, 4, 5
CLASS_NAMES = {FOREST: "forest", FIELD: "field", WATER: "water", URBAN: "urban", BARE: "bare"}


def mean_pixel_size(dx, dy):
    """Representative pixel spacing in metres (geometric mean of the mean dx and dy)."""
    return float(np.sqrt(np.nanmean(np.asarray(dx, float)) * np.nanmean(np.asarray(dy, float))))


def landcover(dem, dx, dy, rng):
    """Classify every pixel of ``dem`` (metres, NaN = no data) into FOREST..BARE (uint8).

    ``dx``, ``dy``: pixel spacing in metres (scalars, or per-row arrays as
    ``terrain.pixel_size_metres`` returns for geographic grids); ``rng``: a
    numpy Generator. No-data pixels get NODATA (0).
    """
    dem = np.asarray(dem, dtype=np.float64)
    if dem.ndim != 2:
        raise ValueError("the DEM must be a 2-D array of elevations in metres")
    valid = np.isfinite(dem)
    z = fill_nodata(dem)
    rows, cols = z.shape
    px = mean_pixel_size(dx, dy)
    slope, _ = terrain.slope_aspect(z, dx, dy)
    slope_deg = np.degrees(slope)
    lo, hi = np.percentile(z[valid], [0.5, 99.5])
    relief = max(hi - lo, 1.0)
    zn = np.clip((z - lo) / relief, 0.0, 1.0)

    # Random fields, always drawn in the same order so the map depends on rng only.
    patch = _standard(fractal_dem(z.shape, px, 1.0, 2.6, rng, valley=False, base_m=0.0))
    ragged = _standard(fractal_dem(z.shape, px, 1.0, 2.2, rng, valley=False, base_m=0.0))

    classes = np.full(z.shape, FIELD, dtype=np.uint8)

    # Forest on slopes and mid elevations, patchy; meadows remain FIELD.
    mid = np.exp(-((zn - 0.5) / 0.3) ** 2)
    forest_score = 0.7 * np.clip(slope_deg / 15.0, 0, 1) + 0.35 * mid + 0.35 * patch
    classes[forest_score > 0.35] = FOREST

    # Bare rock: highest and steepest terrain, ragged edge.
    bare = (zn > 0.86 + 0.06 * ragged) | (slope_deg > 40.0 + 4.0 * ragged)
    classes[bare] = BARE

    # River and height above it.
    river = _river(zn, valid)
    half_width = max(1, int(round(25.0 / px)))
    river = ndimage.binary_dilation(river, _disk(half_width))
    idx = ndimage.distance_transform_edt(~river, return_distances=False, return_indices=True)
    hand = z - z[tuple(idx)]
    dist_river_m = ndimage.distance_transform_edt(~river) * px

    # Fields: parcels on flat low ground.
    flat_low = (slope_deg < 7.0) & (hand < 0.12 * relief) & ~bare
    parcel_value = _parcels(z.shape, dx, dy, rng)
    classes[flat_low & (parcel_value >= 0.12)] = FIELD
    classes[flat_low & (parcel_value < 0.12)] = FOREST

    # Water: river and lakes.
    lakes = _lakes(z, zn, slope_deg, dist_river_m, valid, rng)
    water = river | lakes
    classes[water] = WATER

    # Towns near water on flat ground.
    urban = _towns(z.shape, px, slope_deg, hand, relief, water, rng)
    classes[urban & ~water & ~bare] = URBAN

    classes[~valid] = NODATA
    return classes


def _standard(a):
    a = np.asarray(a, dtype=np.float64)
    s = a.std()
    return (a - a.mean()) / s if s > 0 else np.zeros_like(a)


def _disk(radius):
    r = int(radius)
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= r * r + r


def _river(zn, valid):
    """Least-cost path across the scene (cost = normalised elevation); bool mask."""
    cost = np.where(valid, zn, 2.0)
    best = None
    for transpose in (False, True):
        c = cost.T if transpose else cost
        path, mean_cost = _dp_path(c)
        if best is None or mean_cost < best[1]:
            best = (path, mean_cost, transpose)
    path, _, transpose = best
    mask = np.zeros(cost.T.shape if transpose else cost.shape, dtype=bool)
    for r, (c0, c1) in enumerate(zip(path, np.concatenate((path[1:], path[-1:])))):
        lo, hi = min(c0, c1), max(c0, c1)  # join the step to the next row: a connected river
        mask[r, lo:hi + 1] = True
    return mask.T if transpose else mask


def _dp_path(cost, max_step=3, turn_penalty=0.002):
    """Minimal-sum path from the first to the last row, moving up to ``max_step`` columns per row."""
    n, m = cost.shape
    acc = cost[0].copy()
    back = np.zeros((n, m), dtype=np.int8)
    steps = np.arange(-max_step, max_step + 1)
    cols = np.arange(m)
    for r in range(1, n):
        padded = np.concatenate((np.full(max_step, np.inf), acc, np.full(max_step, np.inf)))
        options = np.stack([padded[max_step + k:max_step + k + m] + turn_penalty * abs(k) for k in steps])
        choice = np.argmin(options, axis=0)
        acc = options[choice, cols] + cost[r]
        back[r] = steps[choice]
    path = np.empty(n, dtype=np.int64)
    path[-1] = int(np.argmin(acc))
    for r in range(n - 1, 0, -1):
        path[r - 1] = path[r] + back[r, path[r]]
    return path, float(acc.min() / n)


def _parcels(shape, dx, dy, rng):
    """Random value 0..1 per field parcel of a rotated, jittered strip grid."""
    rows, cols = shape
    dx = np.broadcast_to(np.asarray(dx, float).reshape(-1, 1) if np.ndim(dx) else dx, (rows, 1))
    dy_m = float(np.nanmean(np.asarray(dy, float)))
    east = np.arange(cols)[None, :] * dx
    north = -np.arange(rows)[:, None] * dy_m
    angle = rng.uniform(0, np.pi)
    u = east * np.cos(angle) + north * np.sin(angle)
    v = -east * np.sin(angle) + north * np.cos(angle)
    v0 = v.min()
    span = v.max() - v0
    widths = rng.uniform(60.0, 200.0, int(span / 60.0) + 2)  # strip widths, metres
    edges = np.concatenate(([0.0], np.cumsum(widths)))
    strip = np.searchsorted(edges, v - v0, side="right") - 1
    lengths = rng.uniform(150.0, 400.0, len(widths))
    offsets = rng.uniform(0.0, 400.0, len(widths))
    cell = np.floor((u - u.min() + offsets[strip]) / lengths[strip]).astype(np.int64)
    key = strip.astype(np.int64) * 1_000_003 + cell
    uniq, inverse = np.unique(key, return_inverse=True)
    values = rng.random(len(uniq))
    return values[inverse].reshape(shape)


def _lakes(z, zn, slope_deg, dist_river_m, valid, rng, target_fraction=0.01):
    """Lakes: fill the lowest flat depression away from the river to ~1 % of the scene."""
    smooth = ndimage.uniform_filter(z, 5)
    minima = (smooth == ndimage.minimum_filter(smooth, 15)) & (slope_deg < 5.0) & valid
    minima &= (dist_river_m > 300.0) & (zn < 0.5)
    candidates = np.flatnonzero(minima)
    if candidates.size == 0:
        return np.zeros(z.shape, dtype=bool)
    seed = candidates[np.argmin(z.ravel()[candidates])]
    if rng.random() < 0.25:  # sometimes no lake at all
        return np.zeros(z.shape, dtype=bool)
    target = target_fraction * z.size
    lo, hi = float(z.ravel()[seed]), float(np.percentile(z[valid], 40))
    lake = np.zeros(z.shape, dtype=bool)
    for _ in range(12):  # bisection on the water level
        level = 0.5 * (lo + hi)
        labels, _ = ndimage.label((z <= level) & valid)
        region = labels == labels.ravel()[seed]
        if region.sum() > target:
            hi = level
        else:
            lo, lake = level, region
    return lake & (dist_river_m > 60.0)


def _towns(shape, px, slope_deg, hand, relief, water, rng):
    """1-6 compact towns on flat ground 50-800 m from water."""
    area_km2 = shape[0] * shape[1] * px * px / 1e6
    n_towns = int(np.clip(round(area_km2 / 25.0), 1, 6))
    dist_water = ndimage.distance_transform_edt(~water) * px
    ok = (slope_deg < 5.0) & (hand < 0.1 * relief) & (dist_water > 50) & (dist_water < 800)
    candidates = np.flatnonzero(ok)
    urban = np.zeros(shape, dtype=bool)
    if candidates.size == 0:
        return urban
    rows, cols = np.indices(shape)
    wobble = _standard(fractal_dem(shape, px, 1.0, 2.4, rng, valley=False, base_m=0.0))
    chosen = []
    for pick in rng.permutation(candidates)[:5000]:
        r, c = divmod(int(pick), shape[1])
        if all((r - r2) ** 2 + (c - c2) ** 2 > (1500.0 / px) ** 2 for r2, c2 in chosen):
            chosen.append((r, c))
        if len(chosen) == n_towns:
            break
    for r, c in chosen:
        radius = rng.uniform(200.0, 600.0) / px
        d = np.hypot(rows - r, cols - c)
        urban |= (d < radius * (1.0 + 0.3 * wobble)) & (slope_deg < 10.0)
    return urban
