"""Equivalent number of looks (ENL) of linear-power SAR data.

ENL = mean^2 / variance of intensity over a homogeneous area (Ulaby & Dobson
1989; Oliver & Quegan 1998, sec. 4.3). For an L-look gamma speckle field the
ENL equals L.
"""
import numpy as np

from .window_stats import check_window

MIN_PIXELS = 16


def enl(power):
    """ENL of the finite values of ``power`` (linear power): mean^2 / unbiased variance.

    Raises ValueError when fewer than 16 valid pixels are given or the
    variance is zero (no speckle: not SAR intensity, or a constant area).
    """
    values = np.asarray(power, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size < MIN_PIXELS:
        raise ValueError(f"ENL needs at least {MIN_PIXELS} valid pixels, got {values.size}")
    var = values.var(ddof=1)
    if var <= 0:
        raise ValueError("the area has zero variance: ENL is undefined (constant values)")
    return float(values.mean() ** 2 / var)


def local_cv2(power, size=9):
    """Squared coefficient of variation var/mean^2 in non-overlapping ``size`` windows.

    Windows with any NaN, or a non-positive mean, are dropped. Returns a 1-D array.
    """
    check_window(size)
    values = np.asarray(power, dtype=np.float64)
    h, w = (values.shape[0] // size) * size, (values.shape[1] // size) * size
    if h == 0 or w == 0:
        return np.empty(0)
    tiles = values[:h, :w].reshape(h // size, size, w // size, size).swapaxes(1, 2)
    tiles = tiles.reshape(-1, size * size)
    tiles = tiles[np.isfinite(tiles).all(axis=1)]
    mean = tiles.mean(axis=1)
    keep = mean > 0
    return tiles[keep].var(axis=1, ddof=1) / mean[keep] ** 2


def estimate_enl(cv2_samples):
    """Image ENL from local squared CVs (see ``local_cv2``): 1 / mode of CV^2.

    Homogeneous windows are the most frequent and have the smallest CV^2; the
    mode of the log CV^2 histogram picks them out of heterogeneous scenes
    (textures and edges only widen the upper tail). The mode is located on a
    Gaussian-smoothed histogram of log CV^2. Raises ValueError without samples.
    """
    cv2 = np.asarray(cv2_samples, dtype=np.float64)
    cv2 = cv2[np.isfinite(cv2) & (cv2 > 0)]
    if cv2.size < 10:
        raise ValueError("too few homogeneous windows to estimate the ENL; give a larger image")
    logs = np.log(cv2)
    lo, hi = np.percentile(logs, [0.5, 99.5])
    if hi <= lo:
        return float(1.0 / np.exp(lo))
    hist, edges = np.histogram(logs, bins=128, range=(lo, hi))
    k = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
    smooth = np.convolve(hist, k / k.sum(), mode="same")
    i = int(np.argmax(smooth))
    mode = 0.5 * (edges[i] + edges[i + 1])
    return float(1.0 / np.exp(mode))
