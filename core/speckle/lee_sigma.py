"""Improved Lee Sigma filter for intensity (J.-S. Lee, J.-H. Wen, T. L. Ainsworth,
K.-S. Chen & A. J. Chen, "Improved sigma filter for speckle filtering of SAR
imagery", IEEE TGRS 47(1), 202-213, 2009), in the form of ESA SNAP's Lee Sigma.

For each pixel of L-look linear power I:

(a) A-priori mean x_hat: Lee MMSE estimate over the 3 x 3 window with speckle
    variance 1/L (paper, a priori mean estimation step).
(b) Point target (paper, target signature preservation): the pixel is kept
    unfiltered when it exceeds Z98 and more than K pixels of its target
    window (target_size x target_size, itself included) do; K = 5 for 3 x 3
    as in SNAP. The paper takes Z98 as the 98th percentile of the whole
    image, which depends on the block. Here Z98 is local: the 98th
    percentile of unit-mean L-look gamma speckle (units of the mean) times
    the mean of the valid pixels of the size x size window outside the
    target window (the whole window when that ring is empty). The ring
    leaves the target out, so a bright cluster does not raise its own
    threshold (a 3 x 3 mean would: a 3 x 3 target is never brighter than
    Z98 times its own mean). Only the tested pixel is kept; SNAP also keeps
    the other above-Z98 pixels of a detected target window, which would
    need a margin of size // 2 + target_size // 2.
(c) Sigma range (paper, new sigma range and MMSE step): the pixels of the
    size x size window with A1 x_hat <= I <= A2 x_hat are selected, and the
    MMSE estimate R = mean + b (I - mean) uses their mean and unbiased
    variance var_y with the truncated speckle variance eta_v^2:
    var_x = (var_y - mean^2 eta_v^2) / (1 + eta_v^2), b = max(var_x, 0) / var_y
    (b = 0 where var_y = 0). When no pixel is selected I is kept (as SNAP).

A1, A2 and eta_v (``sigma_range``) are computed from the unit-mean L-look
gamma pdf p(v) so that P(A1 <= v <= A2) = sigma and the truncated pdf has mean
1; eta_v^2 is its variance (paper, sigma range definition and Table I; the
printed Table, rounded, differs by at most 0.44 % in A1, A2 and 0.62 % in
eta_v, see tests/test_lee_sigma.py).

NaN is no data: NaN pixels are never selected or counted, pixels outside the
array neither. A pixel's result depends only on its window (reach
max(size // 2, target_size // 2, 1) pixels); every sum is accumulated over
window offsets in a fixed order, so tiled runs equal untiled runs exactly.
"""
import functools

import numpy as np
from scipy import optimize, special

from ..engine.window_stats import border_count, box_sum, check_window, local_moments, split_valid, valid_count
from .lopes import lee_mmse

#: Point-target percentile (Z98, Lee et al. 2009) and SNAP's cluster threshold K for 3 x 3.
TARGET_PERCENTILE = 0.98
CLUSTER_K = 5
#: Rows filtered at a time: keeps the temporaries in cache (results do not depend on it).
STRIP_ROWS = 64


def _gamma_cdf(shape, looks, x):
    """CDF at x of a gamma law with ``shape`` and rate ``looks`` (scale 1/looks)."""
    return special.gammainc(shape, looks * x)


@functools.lru_cache(maxsize=128)
def sigma_range(looks, sigma):
    """Return ``(A1, A2, eta_v)`` for L-look intensity and sigma (Lee et al. 2009, Table I).

    With p the unit-mean gamma pdf of L-look intensity speckle (shape L,
    scale 1/L): int_{A1}^{A2} p = sigma and (1/sigma) int_{A1}^{A2} v p = 1
    (the truncated speckle stays unbiased); eta_v^2 = (1/sigma)
    int_{A1}^{A2} (v - 1)^2 p dv. Uses v p_L = p_{L+1} and
    v^2 p_L = (L + 1)/L p_{L+2} (p_k: shape k, rate L), so every integral is
    a regularised incomplete gamma function. Dimensionless.
    """
    looks, sigma = float(looks), float(sigma)
    if not looks > 0:
        raise ValueError(f"number of looks must be > 0, got {looks}")
    if not 0 < sigma < 1:
        raise ValueError(f"Lee Sigma sigma must be within (0, 1), got {sigma}")

    def a2_of(a1):  # mass condition solved for A2
        return special.gammaincinv(looks, sigma + _gamma_cdf(looks, looks, a1)) / looks

    def excess_mean(a1):  # int v p over [A1, A2] minus sigma: zero when the mean is 1
        return _gamma_cdf(looks + 1, looks, a2_of(a1)) - _gamma_cdf(looks + 1, looks, a1) - sigma

    # excess_mean < 0 at A1 = 0 and > 0 as A2 -> infinity (A1 -> a1_max).
    a1_max = special.gammaincinv(looks, 1 - sigma) / looks
    a1 = optimize.brentq(excess_mean, 0.0, a1_max * (1 - 1e-12), xtol=1e-14, rtol=1e-14)
    a2 = a2_of(a1)
    second = (looks + 1) / looks * (_gamma_cdf(looks + 2, looks, a2) - _gamma_cdf(looks + 2, looks, a1))
    eta_v = np.sqrt(second / sigma - 1.0)
    return float(a1), float(a2), float(eta_v)


@functools.lru_cache(maxsize=128)
def speckle_percentile(looks, q=TARGET_PERCENTILE):
    """q-quantile of unit-mean L-look gamma intensity speckle (dimensionless)."""
    return float(special.gammaincinv(float(looks), q) / looks)


def cluster_k(target_size):
    """More than K bright pixels in the target window make a point target.

    K = 5 for 3 x 3 (Lee et al. 2009; SNAP); SNAP keeps K = 5 for 5 x 5 too;
    a 1 x 1 target window (K = 0) tests the pixel alone.
    """
    return min(CLUSTER_K, target_size * target_size - 1)


def _window_sum_count(values, valid, size):
    """(sum, count) of valid pixels in ``size`` x ``size`` windows, float32, fixed order."""
    count = border_count(values.shape, size) if valid is None else valid_count(valid, size)
    return box_sum(values, size), count


def _pad(array, radius, fill):
    h, w = array.shape
    out = np.full((h + 2 * radius, w + 2 * radius), fill, np.float32)
    out[radius:radius + h, radius:radius + w] = array
    return out


def lee_sigma(power, looks=1.0, size=7, sigma=0.9, target_size=3):
    """Improved Lee Sigma filter (Lee et al. 2009) on linear power (intensity).

    ``power``: 2-D linear power, any unit, NaN = no data. ``looks``: number
    of looks L > 0. ``size``: filter window (odd, >= 3 pixels). ``sigma``:
    probability mass of the speckle sigma range, in (0, 1) (the paper and
    SNAP use 0.5..0.9). ``target_size``: point-target window (odd, pixels).
    Returns float32 linear power of the same shape and unit; NaN where the
    input is NaN.
    """
    radius = check_window(size)
    if size < 3:
        raise ValueError("Lee Sigma needs a window of at least 3 x 3 pixels")
    t_radius = check_window(target_size)
    if not looks > 0:
        raise ValueError(f"number of looks must be > 0, got {looks}")
    a1, a2, eta_v = sigma_range(float(looks), float(sigma))
    power = np.asarray(power, dtype=np.float32)
    if power.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {power.shape}")
    h, w = power.shape
    values, valid = split_valid(power)
    nodata = np.isnan(power)

    # (a) a-priori mean: 3 x 3 MMSE (Lee) estimate, speckle variance 1/L (Lee et al. 2009).
    mean3, var3, _ = local_moments(power, 3)
    x_hat = lee_mmse(mean3, var3, values, np.float32(1.0 / looks))

    # (b) local Z98: speckle 98th percentile times the ring (window minus target window) mean.
    s_win, n_win = _window_sum_count(values, valid, size)
    if target_size < size:
        s_tgt, n_tgt = _window_sum_count(values, valid, target_size)
        n_ring = n_win - n_tgt
        with np.errstate(divide="ignore", invalid="ignore"):
            background = np.where(n_ring > 0, (s_win - s_tgt) / n_ring, s_win / n_win)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            background = s_win / n_win
    z98 = (np.float32(speckle_percentile(float(looks))) * background).astype(np.float32)
    k = cluster_k(target_size)

    reach = max(radius, t_radius)
    with_nan = _pad(power, reach, np.nan)   # comparisons: NaN is never selected
    with_zero = _pad(values, reach, 0.0)    # sums: no NaN
    lo_factor, hi_factor = np.float32(a1), np.float32(a2)
    eta2 = np.float32(eta_v * eta_v)
    out = np.empty((h, w), np.float32)
    for y0 in range(0, h, STRIP_ROWS):
        y1 = min(h, y0 + STRIP_ROWS)
        rows = y1 - y0
        centre = values[y0:y1]

        def shifted(padded, dy, dx, y0=y0, rows=rows):
            return padded[reach + y0 + dy:reach + y0 + dy + rows, reach + dx:reach + dx + w]

        # Point targets: centre and more than K target-window pixels above Z98.
        thr = z98[y0:y1]
        bright = np.zeros((rows, w), np.uint8)
        for dy in range(-t_radius, t_radius + 1):
            for dx in range(-t_radius, t_radius + 1):
                bright += (shifted(with_nan, dy, dx) > thr).view(np.uint8)
        target = (centre > thr) & (bright > k)

        # Sigma range selection; sums of (I - x_hat) for a well-conditioned variance.
        xh = x_hat[y0:y1]
        lo = lo_factor * xh
        hi = hi_factor * xh
        count = np.zeros((rows, w), np.uint8 if size * size < 256 else np.uint16)
        s1 = np.zeros((rows, w), np.float32)
        s2 = np.zeros((rows, w), np.float32)
        inside = np.empty((rows, w), bool)
        upper = np.empty((rows, w), bool)
        weight = np.empty((rows, w), np.float32)
        dev = np.empty((rows, w), np.float32)
        for dy in range(-radius, radius + 1):
            for dx in range(-radius, radius + 1):
                v = shifted(with_nan, dy, dx)
                np.greater_equal(v, lo, out=inside)
                np.less_equal(v, hi, out=upper)
                inside &= upper
                count += inside.view(np.uint8)
                weight[...] = inside
                np.subtract(shifted(with_zero, dy, dx), xh, out=dev)
                dev *= weight
                s1 += dev
                dev *= dev
                s2 += dev
        n = count.astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean_dev = s1 / n
            s1 *= mean_dev
            s2 -= s1
            var = s2 / np.maximum(n - 1, 1)
        var = np.where(n > 1, var, np.float32(0))
        np.maximum(var, 0, out=var)
        mean = xh + mean_dev
        filtered = lee_mmse(mean, var, centre, eta2)
        keep = target | (count == 0)
        out[y0:y1] = np.where(keep, centre, filtered)
    out[nodata] = np.nan
    return out
