"""Medcouple and the adjusted-boxplot fence (Hubert & Vandervieren 2008) against analytic values."""
import math

import numpy as np

from sar_change.core.change import skewed_outliers as so


def test_medcouple_of_known_laws():
    """MC = 1/3 for the exponential law (Brys et al. 2004), 0 for any symmetric one."""
    rng = np.random.default_rng(4)
    assert abs(so.medcouple(rng.exponential(size=100_000)) - 1.0 / 3.0) < 0.03
    assert abs(so.medcouple(rng.normal(size=100_000))) < 0.04
    assert abs(so.medcouple(-rng.exponential(size=100_000)) + 1.0 / 3.0) < 0.03  # mirrored: -MC
    assert math.isnan(so.medcouple(np.ones(10)))


def test_medcouple_equals_the_definition_on_a_small_sample():
    x = np.array([0.1, 0.4, 1.0, 1.3, 2.0, 3.5, 9.0])  # median 1.3, no ties besides it
    m = 1.3
    kernel = [((xj - m) - (m - xi)) / (xj - xi) for xi in x[x < m] for xj in x[x > m]]
    assert so.medcouple(x) == np.median(kernel)


def test_upper_fence_of_the_exponential_and_the_normal():
    """Exponential: Q1 = ln 4/3, Q3 = ln 4, MC = 1/3 -> fence ln 4 + 1.5 e ln 3 = 5.866 (0.28 % above)."""
    rng = np.random.default_rng(5)
    x = rng.exponential(size=200_000)
    fence = so.upper_fence(x)
    expected = math.log(4.0) + 1.5 * math.e * math.log(3.0)
    assert abs(fence - expected) < 0.4
    assert 0.0015 < np.mean(x > fence) < 0.0045
    # symmetric: Tukey's Q3 + 1.5 IQR = 2.698 for the standard normal (up to the sampled MC)
    assert abs(so.upper_fence(rng.normal(size=200_000)) - 2.698) < 0.2
