"""Frost filter (Frost, Stiles, Shanmugan & Holtzman, IEEE PAMI 4(2), 1982).

R = sum_j m_j I_j / sum_j m_j over the window, with the exponential kernel
m_j = exp(-K Ci^2 d_j): K the damping factor, Ci^2 = var/mean^2 the local
squared coefficient of variation (unbiased variance) and d_j the distance of
pixel j from the centre in pixels. OTB's FrostImageFilter uses exactly this
with the Euclidean distance and calls K "deramp"; the city-block distance
|dx| + |dy| is offered because some tools use it.

Speed: the kernel depends on the pixel only through Ci^2, so the window sum is
regrouped by distance: R = sum_d exp(-K Ci^2 d) S_d / sum_d exp(-K Ci^2 d) N_d,
where S_d (N_d) is the sum (count) of valid pixels at distance d: one shifted
sum per window pixel plus one exp per distinct distance, instead of size^2 exps.
"""
import numpy as np

from ..engine.cancel import cancel_point
from ..engine.window_stats import check_window, local_moments, pad_zero, split_valid

EUCLIDEAN = "euclidean"
CITY_BLOCK = "city_block"


def _rings(radius, metric):
    """Map each distinct distance (pixels) to its list of (dy, dx) offsets."""
    rings = {}
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            if metric == EUCLIDEAN:
                d = float(np.sqrt(dy * dy + dx * dx))
            elif metric == CITY_BLOCK:
                d = float(abs(dy) + abs(dx))
            else:
                raise ValueError(f"unknown distance metric {metric!r}")
            rings.setdefault(d, []).append((dy, dx))
    return dict(sorted(rings.items()))


def _ring_sum(padded, offsets, radius, shape):
    h, w = shape
    acc = None
    for dy, dx in offsets:
        piece = padded[radius + dy:radius + dy + h, radius + dx:radius + dx + w]
        acc = piece.copy() if acc is None else acc.__iadd__(piece)
    return acc


def frost(power, size=7, damping=1.0, metric=EUCLIDEAN):
    """Frost filter on linear power; ``size`` odd (pixels), ``damping`` K >= 0."""
    radius = check_window(size)
    if damping < 0:
        raise ValueError(f"Frost damping factor must be >= 0, got {damping}")
    power = np.asarray(power, dtype=np.float32)
    mean, var, _ = local_moments(power, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.float32(damping) * var / np.square(mean)
    # A zero local mean (all-zero window) gives an all-zero output, as in OTB.
    alpha = np.where(np.isfinite(alpha), alpha, np.float32(0))
    values, valid = split_valid(power)
    padded = pad_zero(values, radius)
    padded_valid = None if valid is None else pad_zero(valid.astype(np.float32), radius)
    num = np.zeros(power.shape, np.float32)
    den = np.zeros(power.shape, np.float32)
    for d, offsets in _rings(radius, metric).items():
        cancel_point()  # a large window has many rings: stop between them when asked
        kern = np.exp(-alpha * np.float32(d)) if d else np.ones_like(alpha)
        num += kern * _ring_sum(padded, offsets, radius, power.shape)
        if padded_valid is None:
            count = _ring_sum_count(offsets, radius, power.shape)
        else:
            count = _ring_sum(padded_valid, offsets, radius, power.shape)
        den += kern * count
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den
    out[np.isnan(power)] = np.nan
    return out.astype(np.float32, copy=False)


def _ring_sum_count(offsets, radius, shape):
    """Count of in-array pixels at the given offsets (fully valid array)."""
    h, w = shape
    rows = np.arange(h)[:, None]
    cols = np.arange(w)[None, :]
    count = np.zeros(shape, np.float32)
    for dy, dx in offsets:
        inside = ((rows + dy >= 0) & (rows + dy < h)) & ((cols + dx >= 0) & (cols + dx < w))
        count += inside
    return count
