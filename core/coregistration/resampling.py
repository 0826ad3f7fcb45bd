"""Warp a moving image onto the reference grid with a fitted offset model.

out[r, c] = mov(r - dy(r, c), c - dx(r, c)) (pixels; see ``models``), with
mov interpolated at the generally non-integer source coordinates:

- 'nearest', 'bilinear', 'cubic': ``scipy.ndimage.map_coordinates`` with
  spline order 0, 1 and 3 (cubic B-spline with its prefilter, i.e. cubic
  spline interpolation: it passes through the samples);
- 'lanczos': Lanczos-3 windowed sinc, L(t) = sinc(t) sinc(t / 3) for
  |t| < 3 (Duchon 1979, J. Appl. Meteor. 18(8)), separable (the weight of
  a pixel is L(row distance) L(column distance)), 6 x 6 pixels, weights
  normalised to sum 1, implemented here with vectorised gathers.

Every method reproduces the samples exactly at integer source coordinates
(the identity model returns the input). No data: NaN pixels are filled with
their nearest valid neighbour before interpolating (so they cannot spread),
and an output pixel is NaN when any pixel with a non-zero weight in its
interpolation footprint is NaN (for the cubic spline: the 4 x 4 footprint
of cubic convolution, Keys 1981) or when its source position falls outside
the moving image (beyond half a pixel from the edge pixel centres).
"""
import numpy as np
from scipy import ndimage

NEAREST = "nearest"
BILINEAR = "bilinear"
CUBIC = "cubic"
LANCZOS = "lanczos"
METHODS = (NEAREST, BILINEAR, CUBIC, LANCZOS)
#: GDAL resampling names, for warping onto the reference grid with gdal.Warp.
GDAL_NAMES = {NEAREST: "near", BILINEAR: "bilinear", CUBIC: "cubic", LANCZOS: "lanczos"}

LANCZOS_A = 3
#: Output rows processed together (bounds the temporary memory).
ROW_CHUNK = 256


def lanczos_kernel(t, a=LANCZOS_A):
    """Lanczos-a kernel sinc(t) sinc(t / a) for |t| < a, else 0 (t in pixels)."""
    t = np.asarray(t, dtype=np.float64)
    on_node = np.abs(t - np.rint(t)) < 1e-12  # exact 1 at 0 and 0 at the other integers
    return np.where(on_node, (np.rint(t) == 0).astype(np.float64),
                    np.where(np.abs(t) < a, np.sinc(t) * np.sinc(t / a), 0.0))


def _keys_support(t):
    """Non-zero pattern of the Keys (1981) cubic convolution kernel: |t| < 2 and t not a non-zero integer."""
    t = np.abs(np.asarray(t, dtype=np.float64))
    return ((t < 2) & (np.abs(t - np.rint(t)) > 1e-9)) | (t < 1e-9)


def _bilinear_support(t):
    t = np.abs(np.asarray(t, dtype=np.float64))
    return t < 1 - 1e-9


def _gather(src, y, x, radius, weight_fn):
    """sum over the (2 radius) x (2 radius) neighbours of w(dy) w(dx) src, and the weight sums.

    ``y``, ``x``: source coordinates (any shape). Indices outside the image
    are clamped to the edge. Returns (weighted sum, sum of weights).
    """
    iy0 = np.floor(y).astype(np.int64) - radius + 1
    ix0 = np.floor(x).astype(np.int64) - radius + 1
    rows, cols = src.shape
    ky = [weight_fn(y - (iy0 + k)) for k in range(2 * radius)]
    kx = [weight_fn(x - (ix0 + k)) for k in range(2 * radius)]
    iy = [np.clip(iy0 + k, 0, rows - 1) for k in range(2 * radius)]
    ix = [np.clip(ix0 + k, 0, cols - 1) for k in range(2 * radius)]
    total = np.zeros(y.shape)
    wsum = np.zeros(y.shape)
    for a in range(2 * radius):
        line = np.zeros(y.shape)
        lw = np.zeros(y.shape)
        for b in range(2 * radius):
            line += kx[b] * src[iy[a], ix[b]]
            lw += kx[b]
        total += ky[a] * line
        wsum += ky[a] * lw
    return total, wsum


def _footprint_hits(bad, y, x, radius, support_fn):
    """True where a pixel of ``bad`` lies in the interpolation footprint (support_fn non-zero)."""
    hit, _ = _gather(bad.astype(np.float64), y, x, radius,
                     lambda t: support_fn(t).astype(np.float64))
    return hit > 0


def _fill_nearest(image, bad):
    """``image`` with ``bad`` pixels replaced by their nearest good pixel's value."""
    if not bad.any():
        return image
    if bad.all():
        return np.zeros_like(image)
    _, (ir, ic) = ndimage.distance_transform_edt(bad, return_indices=True)
    return image[ir, ic]


def resample(mov, model, method=BILINEAR, out_shape=None):
    """``mov`` (2-D, or (bands, rows, cols)) warped onto the reference grid with ``model``.

    ``model``: a ``models.Model`` (or any object with
    ``source_coordinates(rows, cols)``); ``out_shape``: (rows, cols) of the
    reference grid (default: the moving image's). Returns float32 with NaN
    for no data and for pixels whose source falls outside ``mov``. See the
    module docstring for the methods and the no-data rules.
    """
    if method not in METHODS:
        raise ValueError(f"unknown resampling {method!r}; choose one of {METHODS}")
    a = np.asarray(mov, dtype=np.float32)
    single = a.ndim == 2
    if single:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"resample needs a 2-D array or (bands, rows, cols), got shape {a.shape}")
    out_shape = a.shape[1:] if out_shape is None else tuple(int(v) for v in out_shape)
    rows, cols = a.shape[1:]
    out = np.full((a.shape[0],) + out_shape, np.nan, dtype=np.float32)
    prepared = [prepare_band(band, method) for band in a]
    col_idx = np.arange(out_shape[1], dtype=np.float64)
    for r0 in range(0, out_shape[0], ROW_CHUNK):
        r1 = min(out_shape[0], r0 + ROW_CHUNK)
        rr, cc = np.meshgrid(np.arange(r0, r1, dtype=np.float64), col_idx, indexing="ij")
        y, x = model.source_coordinates(rr, cc)
        y = np.asarray(y, dtype=np.float64)
        x = np.asarray(x, dtype=np.float64)
        inside = inside_image(y, x, rows, cols)
        for b, prep in enumerate(prepared):
            out[b, r0:r1] = interpolate(prep, y, x, method, inside)
    return out[0] if single else out


def prepare_band(band, method, fill=None):
    """(bad, filled, coefficients) of one band for ``interpolate``.

    ``fill``: how no data is filled before interpolating: 'nearest' (each
    bad pixel takes its nearest valid neighbour's value, a distance
    transform over ``band``) or 'zero'. Default: nearest. Only the cubic
    spline's prefilter, which spreads every value over the whole image,
    sees the filled values (with weights decaying by 0.268 per pixel);
    the other methods mark an output no data whenever a bad pixel has a
    non-zero weight, so any finite fill gives them the same result.
    """
    band = np.asarray(band, dtype=np.float64)
    bad = ~np.isfinite(band)
    if fill in (None, "nearest"):
        filled = _fill_nearest(band, bad)
    else:
        filled = np.where(bad, 0.0, band) if bad.any() else band
    coeffs = ndimage.spline_filter(filled, order=3, mode="nearest") if method == CUBIC else filled
    return bad, filled, coeffs


def inside_image(y, x, rows, cols):
    """True where the source position (pixels) lies within half a pixel of a ``rows`` x ``cols`` image."""
    return (y >= -0.5) & (y <= rows - 0.5) & (x >= -0.5) & (x <= cols - 0.5)


def interpolate(prepared, y, x, method, inside):
    """One band (``prepare_band``) at source coordinates ``y``, ``x`` (pixels of that array); float32.

    NaN where ``inside`` is False or a no-data pixel weighs in the footprint.
    """
    bad, filled, coeffs = prepared
    rows, cols = filled.shape
    if method == NEAREST:
        vals = ndimage.map_coordinates(filled, [y, x], order=0, mode="nearest")
        iy = np.clip(np.floor(y + 0.5).astype(np.int64), 0, rows - 1)
        ix = np.clip(np.floor(x + 0.5).astype(np.int64), 0, cols - 1)
        hole = bad[iy, ix]
    elif method == BILINEAR:
        vals = ndimage.map_coordinates(filled, [y, x], order=1, mode="nearest")
        hole = _footprint_hits(bad, y, x, 1, _bilinear_support) if bad.any() else None
    elif method == CUBIC:
        vals = ndimage.map_coordinates(coeffs, [y, x], order=3, mode="nearest", prefilter=False)
        hole = _footprint_hits(bad, y, x, 2, _keys_support) if bad.any() else None
    else:
        total, wsum = _gather(filled, y, x, LANCZOS_A, lanczos_kernel)
        vals = total / wsum
        hole = _footprint_hits(bad, y, x, LANCZOS_A,
                               lambda t: np.abs(lanczos_kernel(t)) > 1e-12) if bad.any() else None
    keep = inside if hole is None else inside & ~hole
    return np.where(keep, vals, np.nan).astype(np.float32)


#: Interpolation reach (pixels) of each method: the footprint spans floor(pos) - r + 1 .. floor(pos) + r.
RADIUS = {NEAREST: 1, BILINEAR: 1, CUBIC: 2, LANCZOS: LANCZOS_A}
