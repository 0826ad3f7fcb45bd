"""Empirical null of a large set of z-scores by central matching (Efron 2004).

Efron, B., "Large-scale simultaneous hypothesis testing: the choice of a null
hypothesis", J. Am. Stat. Assoc. 99(465), 2004, 96-104: when thousands of
z-scores are tested at once, the theoretical N(0, 1) null can be wrong for the
data at hand (correlation between the tests, unobserved covariates); the null's
centre delta_0 and width sigma_0 are then estimated from the central part of the
z histogram, where the null dominates, and the tests use (z - delta_0) / sigma_0.

Two estimators of (delta_0, sigma_0), both in the units of the input:

- ``central_matching``: Efron's quadratic fit of the log histogram between two
  quantiles (locfdr's default is the interquartile range, pct0 = 1/4):
  log f(z) = b0 + b1 z + b2 z^2 gives sigma_0 = (-2 b2)^(-1/2), delta_0 =
  -b1 / (2 b2);
- ``half_width``: the half-width of the (smoothed) histogram at a ``fraction``
  of its maximum; for N(delta, sigma^2) the density falls to that fraction at
  delta +- sigma sqrt(2 ln(1 / fraction)), so sigma_0 is the half-width divided
  by that factor and delta_0 the midpoint of the two crossings. A fraction of
  1/8 matches the null about 2 sigma out, wide enough to see a null whose
  shoulders are heavier than its MAD says, inside the range where a change
  share of a few per cent barely moves the histogram.
"""
import numpy as np

#: Histogram bin (units of the input; the inputs here are MAD z-scores) and smoothing (bins).
BIN = 0.05
SMOOTH_BINS = 5
RANGE = 8.0


def _histogram(z, lo, hi):
    edges = np.arange(lo, hi + BIN, BIN)
    counts, _ = np.histogram(z, edges)
    return 0.5 * (edges[1:] + edges[:-1]), counts.astype(np.float64)


def _finite(z):
    z = np.asarray(z, np.float64).ravel()
    return z[np.isfinite(z)]


def half_width(z, fraction=0.125):
    """(delta_0, sigma_0) from the half-width at ``fraction`` (0-1) of the histogram's maximum.

    ``z``: the values (any units; NaN ignored), centred near 0 within
    +-``RANGE``. Returns (0, 0) for fewer than 100 finite values.
    """
    z = _finite(z)
    if z.size < 100:
        return 0.0, 0.0
    x, counts = _histogram(z, -RANGE, RANGE)
    kernel = np.ones(SMOOTH_BINS) / SMOOTH_BINS
    density = np.convolve(counts, kernel, mode="same")
    top = int(np.argmax(density))
    above = density >= fraction * density[top]
    left, right = top, top
    while left > 0 and above[left - 1]:
        left -= 1
    while right < density.size - 1 and above[right + 1]:
        right += 1
    sigma = 0.5 * (x[right] - x[left]) / np.sqrt(2.0 * np.log(1.0 / fraction))
    return float(0.5 * (x[right] + x[left])), float(sigma)


def central_matching(z, lo=0.25, hi=0.75):
    """(delta_0, sigma_0) of Efron's quadratic fit of log counts between the ``lo`` and ``hi`` quantiles.

    Poisson-weighted least squares (weights sqrt(count)); (0, inf) when the
    fitted curvature is not negative (no central peak), (0, 0) for fewer than
    100 finite values.
    """
    z = _finite(z)
    if z.size < 100:
        return 0.0, 0.0
    a, b = np.quantile(z, [lo, hi])
    x, counts = _histogram(z, a, b)
    ok = counts > 0
    if np.count_nonzero(ok) < 3:
        return 0.0, float("inf")
    b2, b1, _ = np.polyfit(x[ok], np.log(counts[ok]), 2, w=np.sqrt(counts[ok]))
    if b2 >= 0:
        return 0.0, float("inf")
    return float(-b1 / (2.0 * b2)), float(1.0 / np.sqrt(-2.0 * b2))
