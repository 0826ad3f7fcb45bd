"""benchmarks/change_simprior.py: the EM prior re-estimation of Saerens et al. (2002)."""
import numpy as np
import pytest

from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module."""
    return load_benchmark("change_simprior")


def _gaussian_posteriors(true_prior, train_prior, n=200000, seed=0):
    """Exact posteriors of change under ``train_prior`` for samples of two unit Gaussians (means 0 and 2)
    drawn with the changed share ``true_prior``; returns (posteriors, labels)."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < true_prior
    x = rng.normal(np.where(y, 2.0, 0.0), 1.0)
    lik1, lik0 = np.exp(-0.5 * (x - 2.0) ** 2), np.exp(-0.5 * x ** 2)
    return train_prior * lik1 / (train_prior * lik1 + (1 - train_prior) * lik0), y


def test_recovers_known_prior_from_balanced_start(bench):
    post, y = _gaussian_posteriors(0.2, 0.5)
    adapted, pi, it = bench.em_prior(post, 0.5)
    assert abs(pi - 0.2) < 0.01
    assert abs(pi - y.mean()) < 0.01
    assert 1 <= it <= bench.MAX_ITER
    assert adapted.shape == post.shape and abs(adapted.mean() - pi) < 1e-5


def test_recovers_small_prior_from_large_start(bench):
    post, _ = _gaussian_posteriors(0.02, 0.3, seed=1)
    _, pi, _ = bench.em_prior(post, 0.3)
    assert abs(pi - 0.02) < 0.005


def test_fixed_point_when_prior_already_right(bench):
    post, _ = _gaussian_posteriors(0.2, 0.2, seed=2)
    adapted, pi, _ = bench.em_prior(post, 0.2)
    assert abs(pi - 0.2) < 0.01
    # the prior barely moves, so the posteriors barely change
    assert np.max(np.abs(adapted - post)) < 0.05


def test_rejects_degenerate_training_prior(bench):
    with pytest.raises(ValueError):
        bench.em_prior(np.array([0.5, 0.5]), 0.0)


def test_map_threshold_and_nodata(bench):
    valid = np.ones((9, 9), bool)
    valid[0, 0] = False
    post = np.zeros(valid.sum())
    m = bench.to_map(post, valid)
    assert m[0, 0] == 255 and np.all(m[valid] == 0)
