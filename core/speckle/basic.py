"""Non-adaptive filters: boxcar (moving mean) and median, no data aware."""
import numpy as np
from scipy import ndimage

from ..engine.cancel import cancel_point
from ..engine.window_stats import box_sum, check_window, local_mean, split_valid


def boxcar(power, size=7):
    """Mean of the valid pixels in a ``size`` x ``size`` window (linear power)."""
    power = np.asarray(power, dtype=np.float32)
    out = local_mean(power, size)
    out[np.isnan(power)] = np.nan
    return out


def _median_in_strips(values, size):
    """scipy's median filter (zero outside) computed in row strips, with a cancel point between them.

    Each strip is read with ``size // 2`` rows of context (zeros beyond the
    array, as in the whole-array call), so the result equals the whole-array
    call exactly; a strip of ``max(16, size)`` rows bounds the work between
    two cancel points.
    """
    radius, height = size // 2, values.shape[0]
    rows = max(16, size)
    if height <= rows:
        return ndimage.median_filter(values, size=size, mode="constant", cval=0.0)
    out = np.empty_like(values)
    for y0 in range(0, height, rows):
        cancel_point()
        y1 = min(height, y0 + rows)
        a0, a1 = max(0, y0 - radius), min(height, y1 + radius)
        part = ndimage.median_filter(values[a0:a1], size=size, mode="constant", cval=0.0)
        out[y0:y1] = part[y0 - a0:y1 - a0]
    return out


#: Bytes of window copies the median gathers at once for windows touching the border or no data.
PARTIAL_CHUNK_BYTES = 64 << 20


def median(power, size=7):
    """Median of the valid pixels in a ``size`` x ``size`` window.

    Windows fully inside the array and free of no data use scipy's median
    filter; the few windows touching the border or no data use numpy's
    nanmedian over their valid pixels only. Both select the same value, so
    tiled and untiled runs agree exactly.
    """
    radius = check_window(size)
    power = np.asarray(power, dtype=np.float32)
    if radius == 0:
        return power.copy()
    values, valid = split_valid(power)
    out = _median_in_strips(values, size)
    full = np.float32(size * size)
    mask = np.ones(power.shape, np.float32) if valid is None else valid.astype(np.float32)
    count = box_sum(mask, size)
    partial = (count < full) & (count > 0)
    if partial.any():
        padded = np.pad(power, radius, mode="constant", constant_values=np.nan)
        windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
        rows, cols = np.nonzero(partial)
        step = max(1, PARTIAL_CHUNK_BYTES // (4 * size * size))  # windows per chunk: bounded memory
        for start in range(0, len(rows), step):
            cancel_point()
            r, c = rows[start:start + step], cols[start:start + step]
            out[r, c] = np.nanmedian(windows[r, c].reshape(len(r), -1), axis=1)
    out[np.isnan(power) | (count == 0)] = np.nan
    return out
