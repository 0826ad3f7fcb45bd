"""Robust centre and scale of a sample: the median and 1.4826 x the median absolute deviation.

1.4826 = 1 / Phi^-1(3/4) makes the MAD a consistent estimator of the standard
deviation for Gaussian data (Rousseeuw, P. J., Croux, C. 1993, Alternatives to
the median absolute deviation, JASA 88(424), 1273-1283).
"""
import numpy as np

#: MAD x this = standard deviation for Gaussian data.
MAD_TO_SIGMA = 1.4826


def robust_sigma(values):
    """(median, 1.4826 MAD) of the finite ``values`` (their units); (0, 0) when none is finite."""
    values = np.asarray(values, np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 0.0
    med = float(np.median(values))
    return med, MAD_TO_SIGMA * float(np.median(np.abs(values - med)))
