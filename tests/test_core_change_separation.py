"""Bimodality and class-separation measures of a difference-image sample (core.change.separation)."""
import math

import numpy as np
import pytest

from sar_change.core.change import separation as sep


@pytest.mark.parametrize("shape", [1.0, 2.0, 5.0, 20.0])
def test_bimodality_coefficient_of_a_gamma_sample_is_the_analytic_value(shape):
    """Gamma(k): skewness 2 / sqrt(k), excess kurtosis 6 / k, so BC = (4/k + 1) / (6/k + 3) <= 5/9."""
    x = np.random.default_rng(3).gamma(shape, 1.0, 400_000)
    expected = (4.0 / shape + 1.0) / (6.0 / shape + 3.0)
    assert sep.bimodality_coefficient(x) == pytest.approx(expected, abs=0.01)
    assert expected <= sep.BC_BIMODAL + 1e-12


def test_bimodality_coefficient_of_two_separated_modes_and_of_a_uniform():
    rng = np.random.default_rng(4)
    assert sep.bimodality_coefficient(rng.uniform(0, 1, 400_000)) == pytest.approx(5.0 / 9.0, abs=0.005)
    two = np.concatenate([rng.normal(0, 1, 200_000), rng.normal(8, 1, 200_000)])
    # equal modes +-4 sigma apart: skewness 0, kurtosis (3 + 6 x 16 + 256) / 17^2 = 1.228 -> BC 0.814
    assert sep.bimodality_coefficient(two) == pytest.approx(1 / ((3 + 96 + 256) / 289.0), abs=0.005)


def test_fit_mixture_recovers_the_components_from_a_rough_split():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(1.0, 0.5, 180_000), rng.normal(4.0, 1.0, 20_000)])
    mix = sep.fit_mixture(x, x > 3.5)  # a split that is not the answer
    assert mix.weights == pytest.approx((0.9, 0.1), abs=0.003)
    assert mix.means == pytest.approx((1.0, 4.0), abs=0.02)
    assert mix.sds == pytest.approx((0.5, 1.0), abs=0.02)
    assert mix.ashman_d == pytest.approx(math.sqrt(2) * 3.0 / math.sqrt(1.25), rel=0.02)


def test_overlap_and_body_share_of_two_known_components():
    """Equal weights and sds: overlap = 2 Phi(-delta / 2 sigma); body posterior at the midpoint is 1/2."""
    mix = sep.Mixture((0.5, 0.5), (0.0, 3.0), (1.0, 1.0), 0)
    assert mix.overlap() == pytest.approx(2 * 0.5 * math.erfc(1.5 / math.sqrt(2)), abs=1e-5)
    assert mix.body_share([1.5]) == pytest.approx(0.5, abs=1e-12)
    # at x = 3: posterior of the body = 1 / (1 + exp(4.5))
    assert mix.body_share([3.0]) == pytest.approx(1 / (1 + math.exp(4.5)), rel=1e-9)
    assert sep.Mixture((0.5, 0.5), (0.0, 50.0), (1.0, 1.0), 0).overlap() < 1e-12
