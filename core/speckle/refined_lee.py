"""Refined Lee filter (J.-S. Lee, "Refined filtering of image noise using local
statistics", Computer Graphics and Image Processing 15(4), 380-389, 1981).

The 7 x 7 window around a pixel is split into nine overlapping 3 x 3
sub-windows centred at offsets (-2, 0, +2) x (-2, 0, +2); their means form a
3 x 3 array. Four 3 x 3 edge masks applied to that array give the gradients
across a vertical edge, a diagonal, a horizontal edge and an anti-diagonal
(Lee 1981; masks in the form used by Lee, Grunes & De Grandi, IEEE TGRS
37(5), 1999). The direction of largest absolute gradient picks two
edge-aligned half windows of 28 pixels (7 x 4 rectangles, or triangles that
include the diagonal); the one whose outer sub-window mean is closer to the
centre sub-window mean is kept (Lee 1981; ESA SNAP RefinedLee). The
local mean and (unbiased) variance of that half window feed the Lee MMSE
estimate with speckle variance sigma_v^2 = 1/L for L-look intensity (the
multiplicative-noise MMSE of Lee 1980/1981, in SNAP's form):

    var_x = (var_y - mean^2 sigma_v^2) / (1 + sigma_v^2),
    b = max(var_x, 0) / var_y  (0 where var_y = 0),
    R = mean + b (I - mean).

Where the 7 x 7 window is not complete (image border, no data inside), the
edge search is skipped and the same MMSE estimate is applied to the valid
pixels of the whole 7 x 7 window, as SNAP does.

Vectorised: every window sum is built from fixed-order shifted-slice sums
(row-segment sums, then sums of row segments over the window's rows), so a
pixel's result depends only on its 7 x 7 neighbourhood: margin 3, bit-exact
tiling.
"""
import numpy as np

from ..engine.window_stats import box_sum, local_moments, pad_zero, split_valid
from .lopes import lee_mmse

SIZE = 7
RADIUS = SIZE // 2
#: Pixels in each edge-aligned half window (7 x 4 rectangle or triangle with its diagonal).
HALF_WINDOW_PIXELS = 28
MARGIN = RADIUS

# Directions, in SNAP's order (first maximum wins ties): 0 across a vertical
# edge, 1 across the main diagonal, 2 across a horizontal edge, 3 across the
# anti-diagonal. Half windows are numbered 2 * direction + side, side 0 being
# the first of the pair below (kept when its sub-window is closer to the centre).
#   0: left  (dx <= 0)        1: right (dx >= 0)
#   2: upper right (dx >= dy) 3: lower left (dx <= dy)
#   4: top   (dy <= 0)        5: bottom (dy >= 0)
#   6: upper left (dx + dy <= 0)  7: lower right (dx + dy >= 0)


def _check_looks(looks):
    if not looks > 0:
        raise ValueError(f"number of looks must be > 0, got {looks}")
    return np.float32(1.0 / looks)


def _half_window_sums(padded, n_rows, w):
    """Sums over the 8 half windows (numbering above) of the rows of ``padded``.

    ``padded``: (channels, n_rows + 2R, w + 2R), zero outside the image.
    Returns (channels, 8, n_rows, w). Row segments are summed left to right
    (``head[k + R]``: columns -R..k) or right to left (``tail[k + R]``:
    columns k..R); each window then adds its row segments top row first.
    The order is fixed, so a pixel's sums depend on its window alone.
    """
    r = RADIUS
    channels = padded.shape[0]
    seg_shape = (2 * r + 1, channels, n_rows + 2 * r, w)
    head = np.empty(seg_shape, padded.dtype)
    tail = np.empty(seg_shape, padded.dtype)
    np.copyto(head[0], padded[..., 0:w])
    np.copyto(tail[2 * r], padded[..., 2 * r:2 * r + w])
    for k in range(1, 2 * r + 1):
        np.add(head[k - 1], padded[..., k:k + w], out=head[k])
        np.add(tail[2 * r - k + 1], padded[..., 2 * r - k:2 * r - k + w], out=tail[2 * r - k])
    out = np.empty((channels, 8, n_rows, w), padded.dtype)

    def rows_sum(k, segments, dys):
        # segments[i] is the row segment used for the i-th row offset of ``dys``.
        dst = out[:, k]
        for i, (dy, seg) in enumerate(zip(dys, segments)):
            piece = seg[:, r + dy:r + dy + n_rows]
            if i == 0:
                np.copyto(dst, piece)
            else:
                dst += piece

    dys = range(-r, r + 1)
    rows_sum(0, [head[r]] * len(dys), dys)                     # left: dx <= 0
    rows_sum(1, [tail[r]] * len(dys), dys)                     # right: dx >= 0
    rows_sum(2, [tail[r + dy] for dy in dys], dys)             # upper right: dx >= dy
    rows_sum(3, [head[r + dy] for dy in dys], dys)             # lower left: dx <= dy
    rows_sum(4, [head[2 * r]] * (r + 1), range(-r, 1))         # top: dy <= 0
    rows_sum(5, [head[2 * r]] * (r + 1), range(0, r + 1))      # bottom: dy >= 0
    rows_sum(6, [head[r - dy] for dy in dys], dys)             # upper left: dx <= -dy
    rows_sum(7, [tail[r - dy] for dy in dys], dys)             # lower right: dx >= -dy
    return out


def _choose_half_window(s3, n_rows, w, edge_masks):
    """Index 0..7 (uint8) of the edge-aligned half window for ``n_rows`` x ``w`` pixels.

    ``s3``: 3 x 3 box sums zero-padded by 2 around those pixels (rows n_rows + 4).
    Sums stand for the sub-window means (the common factor 9 changes no
    comparison). ``edge_masks``: gradients from the 3 x 3 edge masks
    (default) or, as ESA SNAP does, from the two outer sub-windows alone.
    """
    def m(a, b):  # sub-window sum centred at (2a, 2b), a = row, b = column in -1..1
        return s3[2 + 2 * a:2 + 2 * a + n_rows, 2 + 2 * b:2 + 2 * b + w]

    # Outer sub-windows (first side, second side) compared with the centre, per direction.
    pairs = (((0, -1), (0, 1)), ((-1, 1), (1, -1)), ((-1, 0), (1, 0)), ((-1, -1), (1, 1)))
    if edge_masks:
        # Lee 1981 / Lee et al. 1999: 3 x 3 edge masks on the sub-window means.
        col = [m(-1, b) + m(0, b) + m(1, b) for b in (-1, 1)]
        row = [m(a, -1) + m(a, 0) + m(a, 1) for a in (-1, 1)]
        grads = (
            col[1] - col[0],
            (m(-1, 0) + m(-1, 1) + m(0, 1)) - (m(0, -1) + m(1, -1) + m(1, 0)),
            row[1] - row[0],
            (m(-1, -1) + m(-1, 0) + m(0, -1)) - (m(0, 1) + m(1, 0) + m(1, 1)),
        )
    else:
        grads = tuple(m(*p) - m(*q) for p, q in pairs)
    # Direction of the largest |gradient|; the first one wins ties (SNAP's strict '<').
    # Branch-free: masked copies (np.where, copyto where=) are slow on random masks.
    best = np.abs(grads[0])
    direction = np.zeros((n_rows, w), np.uint8)
    for d in range(1, 4):
        g = np.abs(grads[d])
        larger = (g > best).view(np.uint8)
        direction *= 1 - larger          # reset where direction d wins ...
        direction += np.uint8(d) * larger  # ... and set d there
        np.maximum(best, g, out=best)
    # Side: the second half window unless the first side's outer sub-window is
    # strictly closer to the centre sub-window (SNAP's rule).
    centre = m(0, 0)
    second = np.zeros((n_rows, w), bool)
    for d, (p, q) in enumerate(pairs):
        far_first = np.abs(m(*p) - centre) >= np.abs(m(*q) - centre)
        far_first &= direction == d
        second |= far_first
    direction *= 2
    direction += second.view(np.uint8)
    return direction


#: Rows filtered at a time: keeps the temporaries in cache (results do not depend on it).
STRIP_ROWS = 64


def refined_lee(power, looks=1.0, *, edge_masks=True):
    """Refined Lee filter (7 x 7, edge aligned) on linear power (intensity).

    ``power``: 2-D linear power, any unit, NaN = no data. ``looks``: number
    of looks L > 0 (speckle variance 1/L). ``edge_masks``: gradients from
    the 3 x 3 edge masks (Lee 1981) or, if False, from the two opposite
    sub-windows only (ESA SNAP). Returns float32 linear power of the same
    shape and unit; NaN where the input is NaN.
    """
    sv2 = _check_looks(looks)
    power = np.asarray(power, dtype=np.float32)
    if power.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {power.shape}")
    h, w = power.shape
    values, _ = split_valid(power)

    # Border and no-data fallback: MMSE on the valid pixels of the whole 7 x 7 window.
    mean7, var7, count7 = local_moments(power, SIZE)
    out = lee_mmse(mean7, var7, values, sv2)
    full = count7 == SIZE * SIZE
    if full.any():
        r = RADIUS
        padded = np.empty((2, h + 2 * r, w + 2 * r), np.float32)
        padded[0] = pad_zero(values, r)
        np.square(padded[0], out=padded[1])
        s3 = pad_zero(box_sum(values, 3), 2)
        n = np.float32(HALF_WINDOW_PIXELS)
        for y0 in range(0, h, STRIP_ROWS):
            y1 = min(h, y0 + STRIP_ROWS)
            inside = full[y0:y1]
            if not inside.any():
                continue
            rows = y1 - y0
            index = _choose_half_window(s3[y0:y1 + 4], rows, w, edge_masks).astype(np.intp)
            sums = _half_window_sums(padded[:, y0:y1 + 2 * r], rows, w)
            s1, s2 = np.take_along_axis(sums, index[None, None], axis=1)[:, 0]
            # Unbiased variance of the 28 pixels (as SNAP), clipped at 0 against rounding.
            mean = s1 / n
            s1 *= mean
            s2 -= s1
            var = s2
            var /= n - 1
            np.maximum(var, 0, out=var)
            directional = lee_mmse(mean, var, values[y0:y1], sv2)
            np.copyto(out[y0:y1], directional, where=inside)

    out = out.astype(np.float32, copy=False)
    out[np.isnan(power)] = np.nan
    return out
