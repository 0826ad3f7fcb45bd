"""benchmarks/change_simlearn.py: the pair-normalised features of the round-23 classifier."""
import numpy as np
import pytest

from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module."""
    return load_benchmark("change_simlearn")


def _pair(shape=(40, 50), seed=0):
    """A 4-look gamma speckle pair (linear power) with a +6 dB square in date 2."""
    rng = np.random.default_rng(seed)
    p1 = rng.gamma(4.0, 0.25, shape).astype(np.float32) * 0.05
    p2 = rng.gamma(4.0, 0.25, shape).astype(np.float32) * 0.05
    p2[10:20, 10:25] *= 4.0
    return p1, p2


def test_shape_and_names(bench):
    p1, p2 = _pair()
    feats, valid = bench.features(p1, p2)
    assert feats.shape == (len(bench.feature_names()), 40, 50) == (12, 40, 50)
    assert feats.dtype == np.float32 and valid.all() and np.isfinite(feats).all()
    assert bench.MARGIN == 7


def test_constant_pair_has_no_nan(bench):
    p = np.full((30, 30), 2.5, np.float32)
    feats, valid = bench.features(p, p)
    assert valid.all() and np.isfinite(feats).all()
    assert np.all(feats == 0.0)  # zero log ratio (sigma 0 -> 0) and level equal to the median level


def test_scale_invariance(bench):
    p1, p2 = _pair()
    ref, _ = bench.features(p1, p2)
    both, _ = bench.features(p1 * 37.0, p2 * 37.0)
    np.testing.assert_allclose(both, ref, atol=2e-4)
    gain, _ = bench.features(p1 * 3.0, p2)  # a gain on date 1 alone is removed by the centring
    np.testing.assert_allclose(gain[:10], ref[:10], atol=2e-4)


def test_no_data_pixels_are_invalid_and_zero(bench):
    p1, p2 = _pair()
    p1[0, 0] = np.nan
    p2[5, 7] = np.nan
    feats, valid = bench.features(p1, p2)
    assert not valid[0, 0] and not valid[5, 7] and valid.sum() == valid.size - 2
    assert np.isfinite(feats).all() and np.all(feats[:, 0, 0] == 0.0)


def test_predict_map_marks_the_change(bench):
    p1, p2 = _pair(shape=(60, 60), seed=1)
    truth = np.zeros((60, 60), np.uint8)
    truth[10:20, 10:25] = 1
    feats, valid = bench.features(p1, p2)
    x, y = bench.sample(feats, valid, truth, "balanced", np.random.default_rng(0))
    model = bench.make_model("logistic").fit(x, y)
    out = bench.predict_map(model, feats, valid)
    assert set(np.unique(out)) <= {0, 1}
    assert out[12:18, 12:23].all() and out[40:, 40:].sum() == 0
