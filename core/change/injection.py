"""Simulated changes injected into a SAR image, to evaluate change detection.

Alatalo, Sipola & Rantonen (2023, "Improved difference images for change
detection classifiers in SAR imagery using deep learning", IEEE TGRS 61)
evaluate difference images on simulated changes: irregular blobs are drawn
on a real image and the pixels inside are changed, either by a constant
offset in dB or by giving them the first-order statistics of another land
cover class. This module does both, on numpy arrays (QGIS-free):

- ``random_blob`` / ``random_blobs``: irregular star-shaped polygons, in
  pixel coordinates;
- ``rasterize_polygons`` / ``label_polygons``: polygons to pixel masks;
- ``offset_change``: add ``offset_db`` dB inside a mask;
- ``statistical_change``: quantile mapping of the values inside a region
  onto a target sample (values keep their rank, take the target's
  distribution);
- ``inject``: blobs or a mask in, changed bands and a uint8 change mask out.

Conventions:

- Pixel coordinates: x = column, y = row, both in pixels; pixel (row r,
  column c) covers [c, c + 1) x [r, r + 1), its centre is (c + 0.5, r + 0.5).
  A pixel belongs to a polygon when its centre is inside (even-odd rule),
  as ``gdal.RasterizeLayer`` without ALL_TOUCHED.
- No data is NaN. A pixel that is NaN in any band is never changed, in any
  band, and is 255 in the change mask.
- Input arrays are never modified; new float32 arrays are returned.
- ``inject`` holds whole images in memory; ``core.change.injection_raster``
  streams the offset change through the block engine (any size).
"""
import numpy as np

from ..engine import scale as scales

#: Change mask values.
UNCHANGED, CHANGED, NO_DATA = 0, 1, 255
#: Injection modes.
OFFSET, STATISTICAL = "offset", "statistical"
MODES = (OFFSET, STATISTICAL)
#: Placement attempts per requested blob before ``random_blobs`` gives up.
ATTEMPTS_PER_BLOB = 500


def _rng(rng):
    """A numpy Generator from a Generator, an integer seed or None."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


# --------------------------------------------------------------------------- polygons


def random_blob(center_xy, radius, irregularity, spikiness, n_vertices, rng=None):
    """Vertices of a random star-shaped polygon around ``center_xy``.

    The usual random-polygon recipe: walk once around the centre with
    ``n_vertices`` random angular steps and put a vertex at a random distance
    along each direction.

    - ``center_xy``: (x, y) centre in pixels (x = column, y = row).
    - ``radius``: mean distance of the vertices from the centre, pixels (> 0).
    - ``irregularity`` (0..1): the angular steps are uniform in
      2 pi / n * [1 - irregularity, 1 + irregularity], rescaled to sum to 2 pi;
      0 gives equal steps.
    - ``spikiness`` (0..1): the distances are Normal(radius, spikiness * radius)
      clipped to [0, 2 radius]; 0 gives all distances equal to ``radius``.
    - ``n_vertices``: number of vertices (>= 3).
    - ``rng``: numpy Generator or seed.

    Returns an (n_vertices, 2) float64 array of (x, y) vertices in angular
    order (the ring is implicitly closed). Since the angles increase
    monotonically around the centre, the polygon is simple (star-shaped).
    With irregularity = spikiness = 0 it is the regular n-gon of
    circumradius ``radius``.
    """
    n = int(n_vertices)
    if n < 3:
        raise ValueError(f"a polygon needs at least 3 vertices (got {n_vertices})")
    if not radius > 0:
        raise ValueError(f"blob radius must be > 0 pixels, e.g. 20 (got {radius})")
    for label, value in (("irregularity", irregularity), ("spikiness", spikiness)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{label} must be between 0 and 1, e.g. 0.5 (got {value})")
    rng = _rng(rng)
    mean_step = 2.0 * np.pi / n
    spread = irregularity * mean_step
    steps = rng.uniform(mean_step - spread, mean_step + spread, n)
    steps *= 2.0 * np.pi / steps.sum()
    start = rng.uniform(0.0, 2.0 * np.pi)
    angles = start + np.concatenate(([0.0], np.cumsum(steps[:-1])))
    radii = np.clip(rng.normal(radius, spikiness * radius, n), 0.0, 2.0 * radius)
    cx, cy = float(center_xy[0]), float(center_xy[1])
    return np.column_stack((cx + radii * np.cos(angles), cy + radii * np.sin(angles)))


def _polygon_window(polygon, shape):
    """Row and column ranges (clipped) whose pixel centres may fall inside ``polygon``."""
    rows, cols = shape
    xs, ys = polygon[:, 0], polygon[:, 1]
    c0, c1 = max(0, int(np.floor(xs.min()))), min(cols, int(np.ceil(xs.max())))
    r0, r1 = max(0, int(np.floor(ys.min()))), min(rows, int(np.ceil(ys.max())))
    return r0, r1, c0, c1


def _inside(polygon, r0, r1, c0, c1):
    """Even-odd test of the pixel centres of rows r0:r1, columns c0:c1 (bool array).

    A horizontal ray from each centre towards +x crosses the edges; an odd
    number of crossings means inside. The crossing abscissa of an edge
    depends on the row only, so each edge costs one (rows, cols) comparison.
    """
    py = np.arange(r0, r1, dtype=np.float64) + 0.5
    px = np.arange(c0, c1, dtype=np.float64) + 0.5
    inside = np.zeros((py.size, px.size), dtype=bool)
    x1, y1 = polygon[:, 0], polygon[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    for ax, ay, bx, by in zip(x1, y1, x2, y2):
        if ay == by:  # horizontal edges (and repeated vertices) are never crossed
            continue
        crosses = (ay > py) != (by > py)
        if not crosses.any():
            continue
        x_cross = ax + (py - ay) * (bx - ax) / (by - ay)
        inside ^= crosses[:, None] & (px[None, :] < x_cross[:, None])
    return inside


def label_polygons(polygons, shape, window=None):
    """int32 label image: pixels whose centre is inside polygon k get k + 1, others 0.

    ``polygons``: sequence of (N, 2) arrays of (x, y) vertices in pixels
    (closing vertex optional). Where polygons overlap, the later one wins.
    Parts outside the ``shape`` = (rows, cols) image are dropped.
    ``window``: (x offset, y offset, width, height) in pixels: only that part
    of the label image, equal to the same slice of the whole one (for
    streaming block by block).
    """
    x0, y0, width, height = (0, 0, int(shape[1]), int(shape[0])) if window is None else window
    labels = np.zeros((height, width), dtype=np.int32)
    for k, polygon in enumerate(polygons):
        polygon = np.asarray(polygon, dtype=np.float64)
        if polygon.ndim != 2 or polygon.shape[1] != 2 or polygon.shape[0] < 3:
            raise ValueError(f"polygon {k} must be an (N >= 3, 2) array of (x, y) vertices")
        r0, r1, c0, c1 = _polygon_window(polygon, shape)
        r0, r1, c0, c1 = max(r0, y0), min(r1, y0 + height), max(c0, x0), min(c1, x0 + width)
        if r1 <= r0 or c1 <= c0:
            continue
        inside = _inside(polygon, r0, r1, c0, c1)
        labels[r0 - y0:r1 - y0, c0 - x0:c1 - x0][inside] = k + 1
    return labels


def rasterize_polygons(polygons, shape):
    """bool mask of the pixels whose centre is inside any of ``polygons``.

    Same conventions as ``label_polygons`` (pixel coordinates, even-odd rule).
    """
    return label_polygons(polygons, shape) > 0


def random_blobs(shape, count, radius, irregularity, spikiness, rng=None, valid=None,
                 min_separation=None, n_vertices=16):
    """Place ``count`` random blobs (``random_blob``) inside an image of ``shape``.

    - ``shape``: (rows, cols) of the image.
    - ``radius``, ``irregularity``, ``spikiness``, ``n_vertices``: as in ``random_blob``.
    - ``valid``: optional bool (rows, cols) array; every pixel covered by a
      blob must be valid (e.g. ``np.isfinite(image)``). Or a function
      ``valid(r0, r1, c0, c1)`` returning that array's [r0:r1, c0:c1] (e.g.
      read from a file window by window): the same blobs, without the whole
      mask in memory.
    - ``min_separation``: minimum distance between blob centres, pixels
      (default 2 * radius, so blobs of mean size do not touch).

    Every vertex lies inside [0, cols] x [0, rows], each blob covers at least
    one pixel, all of them valid, and no two blobs share a pixel. Centres
    are drawn uniformly and rejected until these hold, at most
    ``ATTEMPTS_PER_BLOB * count`` times; raises ValueError with the fix when
    the blobs do not fit. Deterministic for a given ``rng`` seed.
    Returns a list of (n_vertices, 2) arrays (x, y pixels).
    """
    rows, cols = int(shape[0]), int(shape[1])
    count = int(count)
    if count < 1:
        raise ValueError(f"the number of blobs must be >= 1 (got {count})")
    if valid is not None and not callable(valid):
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != (rows, cols):
            raise ValueError(f"valid mask shape {valid.shape} differs from the image shape {(rows, cols)}")
        mask = valid
        valid = lambda r0, r1, c0, c1: mask[r0:r1, c0:c1]  # noqa: E731
    if min_separation is None:
        min_separation = 2.0 * radius
    rng = _rng(rng)
    placed = []  # (r0, r1, c0, c1, inside) of each blob: the occupied pixels, without a full mask
    blobs, centres = [], []
    for _ in range(ATTEMPTS_PER_BLOB * count):
        if len(blobs) == count:
            break
        centre = (rng.uniform(0.0, cols), rng.uniform(0.0, rows))
        polygon = random_blob(centre, radius, irregularity, spikiness, n_vertices, rng)
        if (polygon[:, 0].min() < 0 or polygon[:, 1].min() < 0 or polygon[:, 0].max() > cols
                or polygon[:, 1].max() > rows):
            continue
        if any(np.hypot(centre[0] - x, centre[1] - y) < min_separation for x, y in centres):
            continue
        r0, r1, c0, c1 = _polygon_window(polygon, (rows, cols))
        if r1 <= r0 or c1 <= c0:
            continue
        inside = _inside(polygon, r0, r1, c0, c1)
        if not inside.any() or _overlaps(placed, r0, r1, c0, c1, inside):
            continue
        if valid is not None and not np.asarray(valid(r0, r1, c0, c1), dtype=bool)[inside].all():
            continue
        placed.append((r0, r1, c0, c1, inside))
        blobs.append(polygon)
        centres.append(centre)
    if len(blobs) < count:
        raise ValueError(
            f"only {len(blobs)} of {count} blobs of radius {radius} pixels fit inside the "
            f"{cols} x {rows} image on valid pixels {min_separation:g} pixels apart: "
            "ask for fewer or smaller blobs")
    return blobs


def _overlaps(placed, r0, r1, c0, c1, inside):
    """True when the pixels ``inside`` (window r0:r1, c0:c1) share a pixel with a placed blob."""
    for a0, a1, b0, b1, other in placed:
        y0, y1, x0, x1 = max(r0, a0), min(r1, a1), max(c0, b0), min(c1, b1)
        if y0 < y1 and x0 < x1 and (inside[y0 - r0:y1 - r0, x0 - c0:x1 - c0]
                                    & other[y0 - a0:y1 - a0, x0 - b0:x1 - b0]).any():
            return True
    return False


# --------------------------------------------------------------------------- changes


def offset_change(image, mask, offset_db=-2.5, scale=scales.DB):
    """Return a copy of ``image`` with ``offset_db`` dB added inside ``mask``.

    - ``image``: 2-D array in ``scale`` (core.engine.scale: linear power, amplitude
      or dB); NaN = no data, never changed.
    - ``mask``: bool array, same shape: the pixels to change.
    - ``offset_db``: the change in dB (negative darkens, e.g. -2.5 dB).

    In dB the offset is added (exact up to float32 rounding); in linear
    power the pixels are multiplied by 10**(offset_db / 10), which is the
    same change: the value is converted to linear power
    (``core.engine.scale.to_linear_power``), multiplied, and converted back
    (``from_linear_power``), so amplitude is multiplied by
    10**(offset_db / 20). Pixels outside the mask are bit-identical.
    """
    image = np.asarray(image)
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != image.shape:
        raise ValueError(f"mask shape {mask.shape} differs from the image shape {image.shape}")
    out = np.array(image, dtype=np.float32, copy=True)
    change = mask & np.isfinite(out)
    values = out[change].astype(np.float64)
    if scale == scales.DB:
        out[change] = (values + float(offset_db)).astype(np.float32)
    else:
        power = scales.to_linear_power(values, scale).astype(np.float64) * 10.0 ** (offset_db / 10.0)
        out[change] = scales.from_linear_power(power, scale)
    return out


def _mid_rank_cdf(values):
    """Empirical CDF at each of ``values``: (rank + 0.5) / n with ties sharing their mid-rank.

    np.searchsorted on the sorted sample gives, for each value, the number
    of samples below (left) and below or equal (right); their mean is the
    mid-rank, so equal values map to equal quantiles.
    """
    ordered = np.sort(values)
    left = np.searchsorted(ordered, values, side="left")
    right = np.searchsorted(ordered, values, side="right")
    return (left + right) / (2.0 * values.size)


def quantile_map(source, target):
    """Map ``source`` values onto the distribution of the ``target`` sample (1-D arrays).

    Each source value v goes to F_t^-1(F_s(v)): F_s is the source's own
    empirical CDF (mid-ranks, ``_mid_rank_cdf``) and F_t^-1 the target's
    empirical quantile function, linear between the target order statistics
    placed at (2k + 1) / (2 n_t) and constant beyond the ends (np.interp).
    The result is non-decreasing in v (ranks kept; equal values stay equal)
    and, when both samples have the same size and no ties, it is exactly a
    permutation of the target sample. Quantile mapping as in distribution
    matching / histogram specification (e.g. Gonzalez & Woods, Digital
    Image Processing, 'histogram matching'). Returns float64.
    """
    source = np.asarray(source, dtype=np.float64).ravel()
    target = np.sort(np.asarray(target, dtype=np.float64).ravel())
    if target.size == 0:
        raise ValueError("the target sample is empty")
    if source.size == 0:
        return source.copy()
    positions = (2.0 * np.arange(target.size) + 1.0) / (2.0 * target.size)
    return np.interp(_mid_rank_cdf(source), positions, target)


def _as_bands(image):
    """(bands, rows, cols) float32 view/copy of a 2-D or 3-D array (or list of 2-D)."""
    data = np.asarray(image, dtype=np.float32)
    if data.ndim == 2:
        return data[None], True
    if data.ndim != 3:
        raise ValueError(f"expected a 2-D band or a (bands, rows, cols) array, got shape {data.shape}")
    return data, False


def statistical_change(image, mask, target_sample, joint=False):
    """Return a copy of ``image`` whose pixels in ``mask`` take the target's distribution.

    First-order statistical change (the change simulation of Alatalo et al.
    2023): the values inside the region are mapped through their own
    empirical CDF and the inverse empirical CDF of ``target_sample``
    (``quantile_map``), so they keep their rank but follow the target class's
    histogram; the texture (spatial arrangement of ranks) of the region is
    kept, its radiometry replaced.

    - ``image``: 2-D band or (bands, rows, cols) array, any scale (quantile
      mapping commutes with the monotone scale conversions, apart from the
      interpolation between target order statistics). NaN = no data.
    - ``mask``: bool (rows, cols): the source region. Pixels NaN in any band
      are left alone and not used.
    - ``target_sample``: 1-D values (2-D image) or (bands, n) pixel vectors
      (3-D image) of the target class, without NaN (NaN are dropped).
    - ``joint``: False (default): every band is mapped independently, so
      each band's values inside the region get exactly the target's
      marginal distribution and keep their per-band ranks. True: pixels are
      ranked by the first band and each takes the whole target pixel vector
      of the same band-1 quantile (nearest rank, no interpolation), which
      keeps the target's inter-band correlation; only band-1 ranks are kept.
    """
    data, single = _as_bands(image)
    out = data.copy()
    target = np.asarray(target_sample, dtype=np.float64)
    if target.ndim == 1:
        target = target[None]
    if target.shape[0] != data.shape[0]:
        raise ValueError(f"target sample has {target.shape[0]} band(s), the image {data.shape[0]}")
    target = target[:, np.all(np.isfinite(target), axis=0)]
    if target.shape[1] == 0:
        raise ValueError("the target sample has no valid value")
    region = np.asarray(mask, dtype=bool) & np.all(np.isfinite(data), axis=0)
    if region.any():
        out[:, region] = _map_pixels(data[:, region], target, joint).astype(np.float32)
    return out[0] if single else out


def _map_pixels(source, target, joint):
    """Quantile-map (bands, n) source pixel vectors onto (bands, m) target vectors (float64)."""
    source = np.asarray(source, dtype=np.float64)
    if joint:
        order = np.argsort(target[0], kind="stable")
        index = np.clip(np.floor(_mid_rank_cdf(source[0]) * target.shape[1]).astype(np.int64),
                        0, target.shape[1] - 1)
        return target[:, order[index]]
    return np.stack([quantile_map(source[b], target[b]) for b in range(source.shape[0])])


def mean_db(values, scale):
    """10 log10 of the mean linear power of the finite ``values`` (given in ``scale``)."""
    power = scales.to_linear_power(np.asarray(values), scale).astype(np.float64)
    power = power[np.isfinite(power)]
    if power.size == 0:
        return float("nan")
    with np.errstate(divide="ignore"):
        return float(10.0 * np.log10(power.mean()))


def choose_target_region(band, region, avoid, scale, rng=None, tries=64, min_contrast_db=1.0):
    """A translated copy of ``region`` elsewhere in the image, for the target class.

    - ``band``: 2-D reference band (the first band), in ``scale``; NaN = no data.
    - ``region``: bool (rows, cols), the source pixels (all valid).
    - ``avoid``: bool (rows, cols), pixels the target may not use (all the
      change regions, so that the target is unchanged land cover).
    - ``tries``: random translations examined (the region's bounding box is
      placed uniformly inside the image).
    - ``min_contrast_db``: the target is drawn at random among the candidates
      whose mean differs from the source's by at least this many dB
      (means of linear power, in dB); if none does, the candidate with the
      largest difference is taken.

    Candidates must cover only valid, not avoided pixels. Returns
    ``(target_mask, contrast_db)`` with contrast = target mean - source
    mean in dB; raises ValueError when no translation fits.
    """
    rng = _rng(rng)
    rows_idx, cols_idx = np.nonzero(region)
    if rows_idx.size == 0:
        raise ValueError("the change region has no valid pixel")
    r0, c0 = rows_idx.min(), cols_idx.min()
    height, width = rows_idx.max() - r0 + 1, cols_idx.max() - c0 + 1
    rows, cols = band.shape
    if height > rows or width > cols:
        raise ValueError("the change region is as large as the image: give a target mask")
    usable = np.isfinite(band) & ~avoid
    source_db = mean_db(band[region], scale)
    candidates = []
    for _ in range(int(tries)):
        dr = int(rng.integers(0, rows - height + 1)) - r0
        dc = int(rng.integers(0, cols - width + 1)) - c0
        rr, cc = rows_idx + dr, cols_idx + dc
        if not usable[rr, cc].all():
            continue
        candidates.append((rr, cc, mean_db(band[rr, cc], scale) - source_db))
    if not candidates:
        raise ValueError(
            f"no place of the image holds a valid, unchanged copy of a {width} x {height} pixel "
            "change region for the target class: give a target mask or use fewer or smaller blobs")
    strong = [c for c in candidates if abs(c[2]) >= min_contrast_db]
    if strong:
        rr, cc, contrast = strong[int(rng.integers(0, len(strong)))]
    else:
        rr, cc, contrast = max(candidates, key=lambda c: abs(c[2]))
    target = np.zeros(band.shape, dtype=bool)
    target[rr, cc] = True
    return target, float(contrast)


def _labels_from(regions, shape):
    """int32 label image from polygons, a bool mask (one region) or a label image."""
    if isinstance(regions, np.ndarray) and regions.ndim == 2:
        if regions.shape != shape:
            raise ValueError(f"region mask shape {regions.shape} differs from the image shape {shape}")
        if regions.dtype == bool:
            return regions.astype(np.int32)
        return np.where(regions > 0, regions, 0).astype(np.int32)
    return label_polygons(regions, shape)


def inject(image_bands, scale, regions, mode=OFFSET, offset_db=-2.5, rng=None, target_mask=None,
           joint=False, min_contrast_db=1.0, details=None):
    """Inject simulated changes into ``image_bands``; return ``(new_bands, change_mask)``.

    - ``image_bands``: 2-D band, (bands, rows, cols) array or list of 2-D
      bands, in ``scale`` (core.engine.scale: linear power, amplitude or dB);
      NaN = no data. Never modified.
    - ``regions``: list of polygons ((N, 2) x/y pixel vertices, e.g. from
      ``random_blobs``; polygon k is region k + 1), an int label image
      (each label > 0 a region) or a bool mask (one region).
    - ``mode``: ``'offset'``: ``offset_db`` dB added in every band
      (``offset_change``); ``'statistical'``: every region is quantile-mapped
      (``statistical_change``) onto a target class, either the valid pixels
      of ``target_mask`` outside all regions (bool (rows, cols)), or, without
      it, a translated copy of the region elsewhere in the image whose band-1
      mean differs by at least ``min_contrast_db`` dB when one is found
      (``choose_target_region``, random with ``rng``).
    - ``joint``: statistical mode, how bands are mapped (``statistical_change``).
    - ``details``: optional list; one dict per region is appended with
      ``label``, ``pixels`` (changed), ``before_db`` and ``after_db`` (band-1
      mean, dB) and, in statistical mode, ``target_pixels``.

    A pixel is changed when it is inside a region and valid (finite) in
    every band; such pixels are 1 in the uint8 change mask, pixels NaN in
    any band are 255 (and stay NaN), all others 0 and bit-identical.
    Returns float32 bands shaped like the input (2-D in, 2-D out).
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")
    if scale not in scales.SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {scales.SCALES}")
    data, single = _as_bands(image_bands)
    shape = data.shape[1:]
    valid = np.all(np.isfinite(data), axis=0)
    labels = _labels_from(regions, shape)
    changed = (labels > 0) & valid
    rng = _rng(rng)
    out = data.copy()
    target_pixels = None
    if mode == STATISTICAL and target_mask is not None:
        target_mask = np.asarray(target_mask, dtype=bool)
        if target_mask.shape != shape:
            raise ValueError(f"target mask shape {target_mask.shape} differs from the image shape {shape}")
        target_pixels = target_mask & valid & (labels == 0)
        if not target_pixels.any():
            raise ValueError("the target mask has no valid pixel outside the change regions")
    if mode == OFFSET:
        for b in range(data.shape[0]):
            out[b] = offset_change(data[b], changed, offset_db, scale)
    for label in np.unique(labels[changed]):
        region = changed & (labels == label)
        record = {"label": int(label), "pixels": int(region.sum()),
                  "before_db": mean_db(data[0][region], scale)}
        if mode == STATISTICAL:
            if target_pixels is None:
                target, _ = choose_target_region(data[0], region, labels > 0, scale, rng,
                                                 min_contrast_db=min_contrast_db)
            else:
                target = target_pixels
            out[:, region] = _map_pixels(data[:, region], data[:, target].astype(np.float64),
                                         joint).astype(np.float32)
            record["target_pixels"] = int(target.sum())
        record["after_db"] = mean_db(out[0][region], scale)
        if details is not None:
            details.append(record)
    mask = np.where(valid, np.where(changed, CHANGED, UNCHANGED), NO_DATA).astype(np.uint8)
    return (out[0] if single else out), mask
