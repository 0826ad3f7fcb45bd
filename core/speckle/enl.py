"""Equivalent number of looks (ENL) of linear-power SAR data.

ENL = mean^2 / variance of intensity over a homogeneous area (Ulaby & Dobson
1989; Oliver & Quegan 1998, sec. 4.3). For an L-look gamma speckle field the
ENL equals L.
"""
import numpy as np

from ..engine.window_stats import check_window

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
    mode of the log CV^2 distribution picks them out of heterogeneous scenes
    (texture and edges only widen the upper tail). The mode is the maximum of
    a Gaussian kernel density estimate of log CV^2 with Silverman's bandwidth
    (Silverman 1986, eq. 3.31), robust for a few hundred windows. Raises
    ValueError with fewer than 10 usable windows.
    """
    cv2 = np.asarray(cv2_samples, dtype=np.float64)
    cv2 = cv2[np.isfinite(cv2) & (cv2 > 0)]
    if cv2.size < 10:
        raise ValueError("too few homogeneous windows to estimate the ENL; give a larger image")
    logs = np.log(cv2)
    q25, q75 = np.percentile(logs, [25, 75])
    spread = min(logs.std(), (q75 - q25) / 1.349)
    if spread <= 0:
        return float(1.0 / np.exp(np.median(logs)))
    bandwidth = 0.9 * spread * logs.size ** (-0.2)
    grid = np.linspace(logs.min(), logs.max(), 512)
    if logs.size > 20000:  # a deterministic subsample keeps the KDE cheap
        logs = np.sort(logs)[:: logs.size // 20000 + 1]
    density = np.zeros_like(grid)
    for chunk in np.array_split(logs, max(1, logs.size // 2000)):
        density += np.exp(-0.5 * ((grid[:, None] - chunk[None, :]) / bandwidth) ** 2).sum(axis=1)
    return float(1.0 / np.exp(grid[int(np.argmax(density))]))
