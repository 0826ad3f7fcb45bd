"""Effective number of samples of a k x k window (core.change.effective_samples), fourteenth round."""
import numpy as np
from scipy import ndimage

from sar_change.core.change import effective_samples as es
from sar_change.core.change import multiscale


def test_white_noise_factor_is_one():
    x = np.random.default_rng(0).normal(size=(300, 300))
    model = es.fit(x)
    assert abs(model.r1) < 0.02
    assert abs(model.variance_factor(9) - 1.0) < 0.05
    assert es.Correlation(0.0).variance_factor(15) == 1.0
    assert es.excess_factor(x, 9) == 1.0 or es.excess_factor(x, 9) < 1.05


def test_box_filter_matches_analytic_and_sampled_variance():
    # 3 x 3 box of white noise: triangle correlation, 1-D sum (k + 2 * (k-1) * 2/3 + 2 * (k-2) / 3) / k
    k, w = 9, 3
    one_d = (k + 2 * (k - 1) * 2 / 3 + 2 * (k - 2) / 3) / k
    assert abs(es.variance_factor(es.box_rho(w), k) - one_d**2) < 1e-9
    assert abs(one_d**2 - 7.31) < 0.001
    white = np.random.default_rng(1).normal(size=(600, 600))
    field = ndimage.uniform_filter(white, w)[10:-10, 10:-10]
    means = ndimage.uniform_filter(field, k)[10:-10:k, 10:-10:k]
    sampled = np.var(means) / (np.var(field) / k**2)
    assert abs(sampled / one_d**2 - 1.0) < 0.12


def test_gaussian_field_fit_predicts_the_variance_of_means():
    white = np.random.default_rng(2).normal(size=(600, 600))
    field = ndimage.gaussian_filter(white, 1.5)[20:-20, 20:-20]
    model = es.fit(field)
    assert 1.7 < model.shape <= 2.0  # Gaussian correlation recognised
    k = 9
    means = ndimage.uniform_filter(field, k)[10:-10:k, 10:-10:k]
    sampled = np.var(means) / (np.var(field) / k**2)
    assert abs(model.variance_factor(k) / sampled - 1.0) < 0.15
    assert abs(model.length - 3.0) < 0.15  # Gaussian kernel sigma s: rho = exp(-d^2 / (2 s)^2)


def test_correlation_scaled_raises_the_fences_by_the_excess():
    field = ndimage.gaussian_filter(np.random.default_rng(3).normal(size=(200, 200)), 1.5)
    coarse = multiscale.CoarseFences((9, 15), (1.0, 2.0))
    scaled = multiscale.correlation_scaled(coarse, [field], 3)
    expected = [np.sqrt(es.excess_factor(field, s, 3)) * f for s, f in zip((9, 15), (1.0, 2.0))]
    assert np.allclose(scaled.fences, expected)
    assert scaled.fences[0] > 1.3
