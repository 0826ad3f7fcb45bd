"""core.change.thresholds: exact Otsu, Bayes-optimal minimum error, SAR ratio models, masks, rasters."""
import glob
import os

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import difference as dif
from sar_change.core.change import thresholds as th
from sar_change.core.engine.raster_blocks import read_array, write_array

stats = pytest.importorskip("scipy.stats")
optimize = pytest.importorskip("scipy.optimize")
special = pytest.importorskip("scipy.special")


# --- Otsu: exact against brute force ------------------------------------------------------

def _integer_sample(n=20000, top=255, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.3 * top, 0.08 * top, int(n * 0.65))
    b = rng.normal(0.7 * top, 0.12 * top, n - a.size)
    return np.clip(np.round(np.concatenate([a, b])), 0, top)


def test_otsu_equals_brute_force_between_class_variance_maximiser():
    v = _integer_sample()
    edges = np.arange(256) + 0.5  # candidate thresholds between the integers
    best, best_score, scores = None, -1.0, {}
    for t in edges[:-1]:
        low, high = v[v < t], v[v >= t]
        if low.size == 0 or high.size == 0:
            continue
        w0, w1 = low.size / v.size, high.size / v.size
        score = w0 * w1 * (low.mean() - high.mean()) ** 2
        scores[t] = score
        if score > best_score:
            best, best_score = t, score
    r = th.otsu(v, bins=256, value_range=(-0.5, 255.5), min_class_fraction=0.0)
    assert r.threshold == best
    assert r.maximize and r.criterion_name == "between-class variance"
    k = int(np.searchsorted(r.candidates, best))
    assert r.criterion[k] == pytest.approx(best_score, rel=1e-9)
    for t, score in list(scores.items())[::17]:
        assert r.criterion[int(np.searchsorted(r.candidates, t))] == pytest.approx(score, rel=1e-9, abs=1e-9)
    mask = th.change_mask(v, r)
    assert mask.sum() == np.count_nonzero(v >= best)


def test_otsu_three_classes_equals_brute_force():
    rng = np.random.default_rng(3)
    v = np.clip(np.round(np.concatenate([rng.normal(10, 3, 3000), rng.normal(30, 4, 6000),
                                         rng.normal(50, 3, 2000)])), 0, 63)
    best, best_score = None, -1.0
    mean = v.mean()
    for t1 in np.arange(64) + 0.5:
        for t2 in np.arange(64) + 0.5:
            if t2 <= t1:
                continue
            parts = (v[v < t1], v[(v >= t1) & (v < t2)], v[v >= t2])
            if min(p.size for p in parts) == 0:
                continue
            score = sum(p.size * (p.mean() - mean) ** 2 for p in parts) / v.size
            if score > best_score + 1e-12:
                best, best_score = (t1, t2), score
    r = th.otsu(v, side=th.TWO_SIDED, bins=64, value_range=(-0.5, 63.5), min_class_fraction=0.0)
    assert r.thresholds == best
    assert np.nanmax(r.criterion) == pytest.approx(best_score, rel=1e-9)
    assert len(r.priors) == 3 and sum(r.priors) == pytest.approx(1.0)


# --- Kittler-Illingworth: Bayes-optimal on a Gaussian mixture -------------------------------

def test_ki_recovers_bayes_threshold_of_two_gaussians():
    rng = np.random.default_rng(1)
    prior, m1, s1, m2, s2 = 0.7, 0.0, 1.0, 6.0, 1.5
    n = 1_000_000
    k = int(prior * n)
    x = np.concatenate([rng.normal(m1, s1, k), rng.normal(m2, s2, n - k)])
    bayes = optimize.brentq(
        lambda t: prior * stats.norm.pdf(t, m1, s1) - (1 - prior) * stats.norm.pdf(t, m2, s2), m1, m2)
    r = th.kittler_illingworth(x)
    assert abs(r.threshold - bayes) <= 0.02 * (m2 - m1)
    assert r.priors == pytest.approx((prior, 1 - prior), abs=0.01)
    assert r.means == pytest.approx((m1, m2), abs=0.1)
    assert r.stds == pytest.approx((s1, s2), abs=0.1)
    # the criterion is minimal at the threshold and equals KI's J up to an affine map
    k_best = int(np.nanargmin(r.criterion))
    assert r.candidates[k_best] == r.threshold
    p, s = np.array(r.priors), np.array(r.stds)
    j_ki = 1 + 2 * np.sum(p * (np.log(s) - np.log(p)))
    assert 2 * r.criterion[k_best] - np.log(2 * np.pi) == pytest.approx(j_ki, abs=1e-3)


# --- SAR ratio data: L-look gamma intensities --------------------------------------------

LOOKS = 4


def _gamma_ratio_db(n, changes, seed):
    """10 log10(I2 / I1) of L-look gamma pairs; ``changes``: (fraction, intensity factor) pairs."""
    rng = np.random.default_rng(seed)
    i1 = rng.gamma(LOOKS, 1 / LOOKS, n)
    i2 = rng.gamma(LOOKS, 1 / LOOKS, n)
    start = 0
    for fraction, factor in changes:
        k = int(fraction * n)
        i2[start:start + k] *= factor
        start += k
    return (10 * np.log10(i2 / i1)).astype(np.float32)


def _db_pdf(t, factor):
    """pdf of 10 log10(rho F), F ~ F(2L, 2L): the log ratio of L-look gamma intensities, in dB."""
    v = 10 ** (np.asarray(t) / 10) / factor
    return stats.f.pdf(v, 2 * LOOKS, 2 * LOOKS) * v * np.log(10) / 10


def _db_cdf(t, factor):
    return stats.f.cdf(10 ** (np.asarray(t) / 10) / factor, 2 * LOOKS, 2 * LOOKS)


@pytest.fixture(scope="module")
def increase_sample():
    return _gamma_ratio_db(1_000_000, [(0.15, 20.0)], seed=7)


def _bayes_increase(prior_change=0.15, factor=20.0):
    pu = 1 - prior_change
    t = optimize.brentq(lambda t: pu * _db_pdf(t, 1.0) - prior_change * _db_pdf(t, factor),
                        0.0, 10 * np.log10(factor))

    def error(x):
        return pu * (1 - _db_cdf(x, 1.0)) + prior_change * _db_cdf(x, factor)

    return t, error


@pytest.mark.parametrize("fit", [
    th.generalized_gaussian_ki,
    th.ratio_model_ki,
    lambda v: th.ratio_model_ki(v, looks=LOOKS),
    lambda v: th.ratio_model_ki(v, looks=LOOKS, models=(th.NAKAGAMI_RATIO,)),
    lambda v: th.ratio_model_ki(v, models=(th.NAKAGAMI_RATIO,)),
], ids=["gg", "ratio", "ratio-looks", "nakagami-looks", "nakagami-molc"])
def test_minimum_error_on_gamma_ratio_lands_near_bayes(increase_sample, fit):
    bayes, error = _bayes_increase()
    r = fit(increase_sample)
    separation = 10 * np.log10(20.0)
    assert abs(r.threshold - bayes) <= 0.05 * separation, (r.threshold, bayes)
    assert error(r.threshold) <= error(bayes) + 0.002
    assert r.priors[1] == pytest.approx(0.15, abs=0.02)


def test_ratio_model_reports_models_and_looks(increase_sample):
    r = th.ratio_model_ki(increase_sample, models=(th.NAKAGAMI_RATIO,))
    assert r.model == th.NAKAGAMI_RATIO and r.shape_name.startswith("L")
    # MoLC looks of the unchanged class close to the true L (its tail is cut by the threshold)
    assert 3.0 < r.shapes[0] < 6.0
    best = th.ratio_model_ki(increase_sample)
    assert best.model in th.RATIO_MODELS
    for m in th.RATIO_MODELS:
        assert m in best.extra["model minima"]
    weibull = th.ratio_model_ki(increase_sample, models=(th.WEIBULL_RATIO,))
    assert weibull.shape_name.startswith("eta") and all(s > 0 for s in weibull.shapes)
    fixed = th.ratio_model_ki(increase_sample, looks=LOOKS, models=(th.NAKAGAMI_RATIO,))
    assert fixed.shapes == (LOOKS, LOOKS)
    # natural-log input gives the same threshold, scaled
    ln = th.ratio_model_ki(increase_sample * np.float32(th.DB_TO_LN), unit="ln", models=(th.NAKAGAMI_RATIO,))
    assert ln.threshold / th.DB_TO_LN == pytest.approx(r.threshold, rel=0.02)


def test_two_sided_finds_both_changes():
    v = _gamma_ratio_db(600_000, [(0.1, 20.0), (0.1, 1 / 20.0)], seed=11)
    pu, pc = 0.8, 0.1
    hi = optimize.brentq(lambda t: pu * _db_pdf(t, 1.0) - pc * _db_pdf(t, 20.0), 0.0, 13.0)
    lo = optimize.brentq(lambda t: pu * _db_pdf(t, 1.0) - pc * _db_pdf(t, 1 / 20.0), -13.0, 0.0)
    for fit in (th.kittler_illingworth, th.generalized_gaussian_ki, th.ratio_model_ki):
        r = fit(v, side=th.TWO_SIDED)
        assert r.side == th.TWO_SIDED and len(r.thresholds) == 2 and len(r.priors) == 3
        assert abs(r.thresholds[0] - lo) < 1.0 and abs(r.thresholds[1] - hi) < 1.0, (fit, r.thresholds)
        assert r.priors == pytest.approx((0.1, 0.8, 0.1), abs=0.03)
        assert r.criterion.shape[0] == 2
        mask = th.change_mask(v, r)
        assert mask.mean() == pytest.approx(0.2, abs=0.04)


def test_one_sided_decrease_uses_the_lower_class():
    v = _gamma_ratio_db(200_000, [(0.2, 1 / 20.0)], seed=5)
    r = th.kittler_illingworth(v, side=th.DECREASE)
    assert r.threshold < 0 and r.labels[0].startswith("changed")
    mask = th.change_mask(v, r)
    assert mask.mean() == pytest.approx(0.2, abs=0.02)
    np.testing.assert_array_equal(mask, (v < r.threshold).astype(np.uint8))


# --- Masks, manual thresholds, errors -----------------------------------------------------

def test_change_mask_sides_and_nodata():
    di = np.array([[-3.0, -1.0, 0.0], [1.0, 3.0, np.nan]], np.float32)
    di_inf = di.copy()
    di_inf[0, 0] = np.inf
    up = th.manual(1.0, th.INCREASE)
    np.testing.assert_array_equal(th.change_mask(di, up), [[0, 0, 0], [1, 1, 255]])
    down = th.manual(-1.0, th.DECREASE)
    np.testing.assert_array_equal(th.change_mask(di, down), [[1, 0, 0], [0, 0, 255]])
    both = th.manual(2.0, th.TWO_SIDED)
    assert both.thresholds == (-2.0, 2.0)
    np.testing.assert_array_equal(th.change_mask(di, both), [[1, 0, 0], [0, 1, 255]])
    assert th.change_mask(di_inf, both)[0, 0] == 255
    assert th.change_mask(di, up).dtype == np.uint8
    asym = th.manual((-0.5, 2.0), th.TWO_SIDED)
    np.testing.assert_array_equal(th.change_mask(di, asym), [[1, 1, 0], [0, 1, 255]])
    with pytest.raises(ValueError, match="two thresholds"):
        th.change_mask(di, up, side=th.TWO_SIDED)


def test_manual_with_values_reports_classes():
    v = np.array([0.0, 1.0, 2.0, 10.0, 12.0, np.nan])
    r = th.manual(5.0, th.INCREASE, v)
    assert r.priors == pytest.approx((0.6, 0.4))
    assert r.means == pytest.approx((1.0, 11.0))
    assert any("Threshold: 5" in line for line in r.describe())
    with pytest.raises(ValueError, match="single number"):
        th.manual((1.0, 2.0), th.INCREASE)
    with pytest.raises(ValueError, match="low <= high"):
        th.manual((2.0, 1.0), th.TWO_SIDED)


def test_fit_errors_name_the_fix():
    with pytest.raises(ValueError, match="constant"):
        th.otsu(np.ones(100))
    with pytest.raises(ValueError, match="fewer than 2 valid"):
        th.kittler_illingworth(np.array([np.nan, 1.0]))
    with pytest.raises(ValueError, match="unknown side"):
        th.otsu(np.arange(10.0), side="up")
    with pytest.raises(ValueError, match="unknown threshold method"):
        th.fit("nope", np.arange(10.0))
    with pytest.raises(ValueError, match="looks"):
        th.ratio_model_ki(np.arange(10.0), looks=-1)
    with pytest.raises(ValueError, match="manual threshold needs"):
        th.fit(th.MANUAL, np.arange(10.0))


def test_special_functions_match_scipy():
    x = np.array([0.05, 0.3, 1.0, 2.5, 7.0, 80.0])
    np.testing.assert_allclose(th.trigamma(x), special.polygamma(1, x), rtol=1e-8)
    np.testing.assert_allclose(th.lgamma(x), special.gammaln(x), rtol=1e-12)
    np.testing.assert_allclose(th.molc_looks(2 * special.polygamma(1, [0.5, 1.0, 4.0, 30.0])),
                               [0.5, 1.0, 4.0, 30.0], rtol=1e-4)
    np.testing.assert_allclose(th.gg_shape([0.5, 2 / np.pi]), [1.0, 2.0], rtol=1e-4)


def test_fit_is_fast_on_millions_of_values():
    import time

    v = _gamma_ratio_db(4_000_000, [(0.1, 20.0)], seed=2)
    start = time.perf_counter()
    for method in (th.OTSU, th.KI, th.GG_KI, th.RATIO_KI):
        th.fit(method, v)
    assert time.perf_counter() - start < 10.0


# --- Rasters ------------------------------------------------------------------------------

def test_write_mask_block_by_block_equals_change_mask(tmp_path):
    rng = np.random.default_rng(0)
    di = rng.normal(0, 1, (70, 90)).astype(np.float32)
    di[30:40, 50:70] += 6
    di[0, :] = -9999.0
    src = write_array(tmp_path / "di.tif", di, nodata=-9999.0)
    sample = th.sample_raster(src)
    assert sample.size == 70 * 90 - 90 and np.isfinite(sample).all()
    r = th.kittler_illingworth(sample)
    dst = tmp_path / "mask.tif"
    counts = th.write_mask(src, dst, r, block=16)
    ds = gdal.Open(str(dst))
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte and band.GetNoDataValue() == 255
    mask = band.ReadAsArray()
    ds = None
    np.testing.assert_array_equal(mask, th.change_mask(read_array(src), r))
    assert mask[0].tolist() == [255] * 90
    assert counts["nodata"] == 90 and counts["changed"] == int((mask == 1).sum())
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]


def test_sample_raster_is_bounded(tmp_path):
    src = write_array(tmp_path / "big.tif", np.arange(400 * 300, dtype=np.float32).reshape(400, 300))
    sample = th.sample_raster(src, max_pixels=10_000)
    # The decimated sample is read once (here the whole 120,000 px) and strided by the smallest integer
    # that fits the budget: stride 4, 100 x 75 px.
    assert sample.size == 7_500
    assert sample.min() < 2000 and sample.max() > 110_000  # spread over the whole image


# --- Real data ----------------------------------------------------------------------------

def _benchmark_images(folder):
    files = sorted(glob.glob(os.path.join(folder, "*")))

    def find(suffix):
        hits = [f for f in files if os.path.splitext(os.path.basename(f))[0].endswith(suffix)]
        if not hits:
            pytest.skip(f"no *{suffix} image in {folder}")
        return hits[0]

    def load(path):
        ds = gdal.Open(path)
        return ds.GetRasterBand(1).ReadAsArray().astype(np.float32)

    return load(find("_1")), load(find("_2")), load(find("_gt"))


def test_ottawa_mean_ratio_ki_kappa(shared_data):
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    a1, a2, gt = _benchmark_images(str(folder))
    # 8-bit amplitude-like images; a few zero pixels are floored at 1 DN (power 1)
    p1, p2 = dif.to_power(a1, "amplitude"), dif.to_power(a2, "amplitude")
    di = dif.mean_ratio(p1, p2, 3, floor=1.0)
    r = th.kittler_illingworth(di, side=th.INCREASE)
    pred = th.change_mask(di, r) == 1
    valid = (gt == 0) | (gt == 255)
    ref = gt == 255
    p, q = pred[valid], ref[valid]
    n = p.size
    po = np.mean(p == q)
    pe = (p.sum() * q.sum() + (~p).sum() * (~q).sum()) / n ** 2
    kappa = (po - pe) / (1 - pe)
    assert kappa >= 0.85, kappa
