"""Centring of a pair before an unsigned difference image (DI): where the no-change majority sits.

An unsigned DI such as |10 log10(m2 / m1)| folds the signed log ratio at 0 dB,
so the signed statistic of the unchanged pixels must be centred on 0 dB first:
a calibration or 8-bit stretch difference between the dates shifts it, and so
do unequal looks. Under no change (same backscatter, independent speckle of
L1 and L2 looks, Touzi, Lopes & Bousquet 1988; Oliver & Quegan 1998, sec. 7.3)
the ratio of two n-pixel means is g x F(2 n L2, 2 n L1) (g the gain ratio), so
its median in dB is 10 log10 g + 10 log10 median F(2 n L2, 2 n L1)
(``gamma_log_ratio_median_db``): the looks bias shrinks with n. Measuring the
offset on the pixel log ratio (n = 1) and removing it from the log ratio of
3 x 3 means (n = 9) therefore leaves the means' statistic off centre by the
difference of the two biases: +0.59 dB at 4 and 1.5 looks (independent
pixels), enough for a symmetric fold to call ~10 % of an unchanged scene
changed. The offset is therefore measured on the DI's own signed statistic.

Two location estimates of that statistic (``location``):

- ``median``: equal numbers of pixels on either side of 0 dB; a change of a
  few per cent drags it by a fraction of the body's spread towards its side;
- ``shorth``: the midpoint of the shortest interval holding half of the
  values, the least-median-of-squares location (Rousseeuw 1984, Least median
  of squares regression, JASA 79, 871-880: it minimises median |x - c|, i.e.
  it is the fold point that packs the folded no-change majority closest to
  0 dB); breakdown point 50 %, so a change class of any share below half
  barely moves it.
"""
import math

import numpy as np

MEDIAN = "median"
SHORTH = "shorth"
LOCATIONS = (MEDIAN, SHORTH)
#: Largest |median| (dB) of the no-change log ratio of two pixels that unequal looks alone give (one look
#: against infinitely many: 10 log10 of the median of F(inf, 2) = 10 log10(1 / ln 2) = 1.59 dB, the limit of
#: ``gamma_log_ratio_median_db(1, L)``; window means give less). A larger centring offset is a calibration or
#: 8-bit stretch difference between the dates, or the median pixel is a changed one (more than half changed).
LOOKS_OFFSET_BOUND_DB = 10.0 * math.log10(1.0 / math.log(2.0))


def shorth_midpoint(values):
    """Midpoint of the shortest interval holding half (ceil(n / 2)) of the finite ``values``.

    Units of ``values``; nan when none is finite. For an exponential law of
    scale 1 the shortest half is [0, ln 2] (midpoint ln 2 / 2); for a
    symmetric unimodal law it is centred on the mode.
    """
    x = np.sort(np.asarray(values, np.float64).ravel())
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan")
    h = (x.size + 1) // 2
    widths = x[h - 1:] - x[:x.size - h + 1]
    i = int(np.argmin(widths))
    return float(0.5 * (x[i] + x[i + h - 1]))


def location(values, how=MEDIAN):
    """``median`` or ``shorth`` midpoint of the finite ``values`` (their units; 0 when none is finite)."""
    x = np.asarray(values, np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0
    if how == MEDIAN:
        return float(np.median(x))
    if how == SHORTH:
        return shorth_midpoint(x)
    raise ValueError(f"unknown location {how!r}; choose one of {LOCATIONS}")


def gamma_log_ratio_median_db(looks_1, looks_2, pixels=1):
    """Median (dB) of 10 log10(m2 / m1) under no change, m_k the mean of ``pixels`` independent pixels
    of ``looks_k``-look gamma speckle of the same backscatter: 10 log10 of the median of
    F(2 pixels L2, 2 pixels L1). 0 dB for equal looks; negative when image 2 has fewer looks."""
    from scipy import stats

    return float(10.0 * np.log10(stats.f.median(2.0 * pixels * looks_2, 2.0 * pixels * looks_1)))
