"""Posterior of the simulator's reference coherence given truth, true sigma0 and intensities."""
import numpy as np
import pytest

from sar_change.core.coherence.estimation import expected_sample_coherence
from sar_change.core.simulator import coherence as sim
from sar_change.core.simulator.reference_posterior import ReferencePosterior, radial_quantiles

INNER = (slice(1, -1), slice(1, -1))  # pixels with a full 3 x 3 window


def _pair(gamma, shape, rng, texture=0.0):
    g = np.full(shape, float(gamma))
    p1 = np.exp(texture * rng.standard_normal(shape))
    p2 = p1 * np.exp(0.5 * texture * rng.standard_normal(shape))
    i1, i2, refs = sim.draw_pair_windows(g, p1, p2, 4, (1, 3), rng)
    return g, p1, p2, i1, i2, refs


def test_radial_density_without_coherence_is_beta():
    # a = 0: density (1 - t)^(L - 2), i.e. Beta(1, L - 1) with quantile 1 - (1 - q)^(1 / (L - 1))
    q = np.linspace(0.0, 1.0, 101)
    table = radial_quantiles(4, [0.0], levels=101)[0]
    np.testing.assert_allclose(table, 1.0 - (1.0 - q) ** (1.0 / 3.0), atol=2e-4)


def test_single_look_single_pixel_reference_is_one():
    rng = np.random.default_rng(0)
    shape = (8, 8)
    g = np.full(shape, 0.4)
    i1, i2, refs = sim.draw_pair_windows(g, np.ones(shape), np.ones(shape), 1, (1,), rng)
    post = ReferencePosterior(1, 1)
    draw = post.draw(post.prepare(g, np.ones(shape), np.ones(shape), i1, i2), rng)
    np.testing.assert_allclose(refs[1], 1.0, atol=1e-6)
    np.testing.assert_allclose(draw, 1.0, atol=1e-12)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
def test_posterior_averages_to_touzi_mean(gamma):
    # tower rule: the posterior mean averaged over the observations is E[reference | gamma]
    rng = np.random.default_rng(1)
    g, p1, p2, i1, i2, _ = _pair(gamma, (90, 90), rng)
    mean, _ = ReferencePosterior(4, 3).moments(g, p1, p2, i1, i2, 8, rng)
    expected = float(np.ravel(expected_sample_coherence(gamma, 36))[0])
    assert mean[INNER].mean() == pytest.approx(expected, abs=0.006)


@pytest.mark.parametrize("window,gamma", [(1, 0.6), (3, 0.0), (3, 0.5), (3, 0.9)])
def test_actual_reference_is_a_draw_of_the_posterior(window, gamma):
    # simulation-based calibration: the drawn reference ranks uniformly among 19 posterior draws
    rng = np.random.default_rng(2)
    g, p1, p2, i1, i2, refs = _pair(gamma, (150, 150), rng, texture=1.0)
    post = ReferencePosterior(4, window)
    prepared = post.prepare(g, p1, p2, i1, i2)
    draws = np.stack([post.draw(prepared, rng) for _ in range(19)])
    rank = (draws < refs[window].astype(np.float64)).sum(0)[INNER]
    assert rank.mean() == pytest.approx(9.5, abs=0.4)
    assert (rank == 0).mean() == pytest.approx(0.05, abs=0.012)
    assert (rank == 19).mean() == pytest.approx(0.05, abs=0.012)


def test_posterior_variance_is_the_error_of_the_posterior_mean():
    rng = np.random.default_rng(3)
    g, p1, p2, i1, i2, refs = _pair(0.7, (150, 150), rng, texture=1.0)
    draws = 16
    mean, var = ReferencePosterior(4, 3).moments(g, p1, p2, i1, i2, draws, rng)
    mse = np.mean((mean - refs[3])[INNER] ** 2)
    assert mse == pytest.approx(var[INNER].mean() * (1 + 1 / draws), rel=0.06)
    # the intensities tell about the speckle when gamma > 0: below the variance given gamma alone
    assert var[INNER].mean() < 0.75 * refs[3][INNER].var()


def test_intensities_tell_nothing_without_coherence():
    rng = np.random.default_rng(4)
    g, p1, p2, i1, i2, refs = _pair(0.0, (150, 150), rng)
    _, var = ReferencePosterior(4, 3).moments(g, p1, p2, i1, i2, 16, rng)
    assert var[INNER].mean() == pytest.approx(refs[3][INNER].var(), rel=0.05)
