"""Constant-false-alarm-rate (CFAR) threshold of a change statistic under no change (speckle only).

Model (Touzi, Lopes & Bousquet 1988, IEEE TGRS 26(6); Oliver & Quegan 1998,
"Understanding SAR Images", sec. 12.3): with no change, the two dates see the
same backscatter s and independent fully developed speckle, I_k = s n_k with
n_k ~ Gamma(L_k, 1 / L_k) (unit mean, L_k looks). The ratio I2 / I1 = n2 / n1
then follows an F(2 L2, 2 L1) law that depends only on the looks, not on s
(texture and the scene cancel): a threshold set on it has a constant false-
alarm rate over the whole scene.

The chains do not threshold the pixel ratio but the local mean (``window`` x
``window``) of an unsigned difference image of overlapping windows (e.g.
|10 log10(m2 / m1)| of 3 x 3 means, after centring the median of that log
ratio of means to 0 dB), whose law has no closed form. It is therefore calibrated by simulation:
``SIM_SIDE`` x ``SIM_SIDE`` pixels of unchanged gamma pairs at the looks (fixed
seed, so the result is reproducible; cached per process), put through the very
same statistic, and its quantiles read off.

Two ways to get the looks:

- ``threshold_for_looks``: the ENL of each image (``core.speckle.enl``, mode of
  the local CV^2), snapped DOWN to a grid of ``LOOKS_GRID`` (fewer looks:
  wider no-change law, a higher threshold, so the rate stays at most the one
  asked for up to the grid step);
- ``threshold_for_median``: the effective looks of the pair read from the data
  itself: the L whose simulated no-change median of the statistic equals the
  observed median (the majority of a scene is unchanged whenever a fallback
  runs). This absorbs what the image ENL misses: spatially correlated speckle,
  quantisation of 8-bit data, unequal looks.

The false-alarm rate is fixed a priori at ``PFA`` per pixel of the map (no
majority filter after it).
"""
from functools import lru_cache

import numpy as np

from ..engine.window_stats import local_mean

#: False-alarm rate per pixel of the fallback map, fixed before any measurement.
PFA = 1e-3
#: Looks of the calibration grid: 2^(k/4), 0.5 ... 64.
LOOKS_GRID = tuple(float(2.0 ** (k / 4.0)) for k in range(-4, 25))
SIM_SIDE = 768
SIM_SEED = 20261202
#: Probabilities the calibration keeps (the median and the upper tail).
_PROBS = (0.5, 1 - 1e-2, 1 - 3e-3, 1 - 1e-3, 1 - 3e-4, 1 - 1e-4)


def _prob_index(pfa):
    probs = np.array(_PROBS)
    hit = np.flatnonzero(np.isclose(probs, 1.0 - pfa, rtol=0, atol=1e-12))
    if hit.size == 0:
        raise ValueError(f"false-alarm rate {pfa:g} not calibrated; choose one of "
                         f"{[round(1 - p, 6) for p in _PROBS[1:]]}")
    return int(hit[0])


def snap_down(looks):
    """The largest grid value of ``LOOKS_GRID`` not above ``looks`` (the grid's ends outside it)."""
    grid = np.array(LOOKS_GRID)
    below = grid[grid <= looks * (1 + 1e-9)]
    return float(below[-1]) if below.size else float(grid[0])


def no_change_statistic(di_kind, looks_1, looks_2, window, side=SIM_SIDE, seed=SIM_SEED):
    """Simulated values of the ``window`` local mean of the DI ``di_kind`` on an unchanged pair.

    Two independent ``side`` x ``side`` gamma speckle images (unit mean, the
    given looks) of a flat scene; image 1 is scaled so that the median log
    ratio is 0 dB, as the chains do. Returns a float32 1-D array (DI units).
    """
    from .unsupervised import change_index  # the chains' own DI (late import: no cycle)

    rng = np.random.default_rng(seed)
    n1 = rng.gamma(looks_1, 1.0 / looks_1, (side, side)).astype(np.float32)
    n2 = rng.gamma(looks_2, 1.0 / looks_2, (side, side)).astype(np.float32)
    offset = np.median(10.0 * np.log10(n2 / n1))
    n1 = n1 * np.float32(10.0 ** (offset / 10.0))
    lm = local_mean(change_index(di_kind, n1, n2), window)
    return lm[np.isfinite(lm)].ravel()


@lru_cache(maxsize=512)
def _quantiles(di_kind, looks_1, looks_2, window):
    values = no_change_statistic(di_kind, looks_1, looks_2, window)
    return tuple(float(q) for q in np.quantile(values, _PROBS))


def threshold_for_looks(di_kind, looks_1, looks_2, window, pfa=PFA):
    """CFAR threshold (DI units) at ``pfa`` for images of ``looks_1`` / ``looks_2`` ENL (snapped down)."""
    q = _quantiles(di_kind, snap_down(looks_1), snap_down(looks_2), window)
    return q[_prob_index(pfa)]


def effective_looks(di_kind, median, window):
    """Equal looks L whose no-change median of the statistic is ``median`` (grid, log-interpolated)."""
    meds = np.array([_quantiles(di_kind, n, n, window)[0] for n in LOOKS_GRID])
    logl = np.log(LOOKS_GRID)
    # the median falls as the looks grow: interpolate on the reversed (increasing) arrays
    return float(np.exp(np.interp(median, meds[::-1], logl[::-1])))


def threshold_for_median(di_kind, median, window, pfa=PFA):
    """CFAR threshold (DI units) at ``pfa`` for the effective looks matching the observed ``median``.

    Interpolated linearly in log looks between the two grid points around
    ``effective_looks``; beyond the grid, its end.
    """
    looks = effective_looks(di_kind, median, window)
    grid = np.array(LOOKS_GRID)
    k = int(np.clip(np.searchsorted(grid, looks), 1, grid.size - 1))
    lo, hi = grid[k - 1], grid[k]
    w = float(np.clip((np.log(looks) - np.log(lo)) / (np.log(hi) - np.log(lo)), 0.0, 1.0))
    i = _prob_index(pfa)
    return (1 - w) * _quantiles(di_kind, lo, lo, window)[i] + w * _quantiles(di_kind, hi, hi, window)[i]
