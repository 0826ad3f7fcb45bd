"""Non-adaptive filters: boxcar (moving mean) and median, no data aware."""
import numpy as np
from scipy import ndimage

from ..window_stats import box_sum, check_window, local_mean, split_valid


def boxcar(power, size=7):
    """Mean of the valid pixels in a ``size`` x ``size`` window (linear power)."""
    power = np.asarray(power, dtype=np.float32)
    out = local_mean(power, size)
    out[np.isnan(power)] = np.nan
    return out


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
    out = ndimage.median_filter(values, size=size, mode="constant", cval=0.0)
    full = np.float32(size * size)
    mask = np.ones(power.shape, np.float32) if valid is None else valid.astype(np.float32)
    count = box_sum(mask, size)
    partial = (count < full) & (count > 0)
    if partial.any():
        padded = np.pad(power, radius, mode="constant", constant_values=np.nan)
        windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
        rows, cols = np.nonzero(partial)
        out[rows, cols] = np.nanmedian(windows[rows, cols].reshape(len(rows), -1), axis=1)
    out[np.isnan(power) | (count == 0)] = np.nan
    return out
