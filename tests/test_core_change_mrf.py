"""Markov-random-field regularisation (core.change.mrf) and the MRF chain of core.change.unsupervised."""
import numpy as np
import pytest
from test_core_unsupervised_change import kappa, speckled_pair

from sar_change.core.change import mrf
from sar_change.core.change import unsupervised as us

from helpers import gamma_speckle


def planted(shape=(120, 120), sd=1.0, seed=0):
    """Two classes (a square and a disc of 1 among 0) plus Gaussian noise of ``sd``; (image, truth)."""
    rows, cols = shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    truth = ((yy > 20) & (yy < 60) & (xx > 15) & (xx < 70)) | ((yy - 85) ** 2 + (xx - 85) ** 2 < 18 ** 2)
    image = truth + sd * np.random.default_rng(seed).standard_normal(shape)
    return image, truth.astype(np.uint8)


def ml_map(image, classes):
    l0, l1 = classes.log_posteriors(image)
    return (l1 > l0).astype(np.uint8)


def test_icm_recovers_a_planted_two_class_image_better_than_the_pixel_split():
    """Classes 0 / 1 (equal shares) with noise sd 0.6: ICM (beta 1.5, 5 sweeps) recovers the map.

    The pixel split of the known classes errs on 20 % of the pixels (kappa ~0.51); the
    Potts prior brings it above 0.95 (0.987 measured).
    """
    image, truth = planted(sd=0.6, seed=1)
    classes = mrf.GaussianClasses((0.0, 1.0), (0.6, 0.6), (0.5, 0.5))
    pixel = ml_map(image, classes)
    regularised = mrf.icm(classes.log_posteriors(image), pixel, beta=1.5, sweeps=5)
    assert 0.45 < kappa(pixel, truth) < 0.56
    assert kappa(regularised, truth) > 0.95
    assert kappa(regularised, truth) > kappa(pixel, truth) + 0.2


def test_beta_zero_gives_the_unregularised_map_and_zero_sweeps_the_initial_one():
    image, truth = planted(sd=0.8, seed=2)
    classes = mrf.fit_classes(image.ravel(), truth.ravel().astype(bool), iterations=0)
    ll = classes.log_posteriors(image)
    start = np.zeros_like(truth)
    start[0, :3] = mrf.NODATA
    expected = ml_map(image, classes)
    expected[0, :3] = mrf.NODATA
    np.testing.assert_array_equal(mrf.icm(ll, start, beta=0.0, sweeps=3), expected)
    np.testing.assert_array_equal(mrf.icm(ll, start, beta=1.5, sweeps=0), start)


def test_fit_classes_moments_and_em():
    """Without EM the classes are the split's moments; EM on a clean 2-Gaussian mixture finds it."""
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(0.0, 1.0, 9000), rng.normal(6.0, 0.5, 1000)])
    split = values > 2.0
    c0 = mrf.fit_classes(values, split, iterations=0)
    assert c0.means[0] == pytest.approx(values[~split].mean())
    assert c0.sds[1] == pytest.approx(values[split].std())
    assert c0.priors[1] == pytest.approx(split.mean())
    c = mrf.fit_classes(values, values > 0.5, iterations=30)  # a poor start
    assert c.means == pytest.approx((0.0, 6.0), abs=0.05)
    assert c.sds == pytest.approx((1.0, 0.5), abs=0.05)
    assert c.priors[1] == pytest.approx(0.1, abs=0.01)


def test_pseudo_likelihood_beta():
    """Independent labels: beta ~0; the planted truth (two smooth regions): 2.40; its noisy split: 0.25."""
    rng = np.random.default_rng(4)
    noise = (rng.random((150, 150)) < 0.5).astype(np.uint8)
    assert mrf.pseudo_likelihood_beta(noise) == pytest.approx(0.0, abs=0.03)
    _, truth = planted()
    assert mrf.pseudo_likelihood_beta(truth) == pytest.approx(2.396, abs=0.01)
    image, truth = planted(sd=0.6, seed=1)
    pixel = (image > 0.5).astype(np.uint8)
    assert 0.15 < mrf.pseudo_likelihood_beta(pixel) < 0.35


def test_neighbour_counts_at_the_border_and_no_data():
    labels = np.array([[1, 0, 1], [0, 255, 1], [1, 1, 0]], np.uint8)
    changed, valid = mrf.neighbour_counts(labels)
    assert changed.tolist() == [[0, 3, 1], [3, 5, 2], [1, 2, 2]]
    assert valid.tolist() == [[2, 4, 2], [4, 8, 4], [2, 4, 2]]


def test_mrf_chain_beats_pca_kmeans_and_tiled_equals_whole():
    """1-look pair, x4 change: kappa 0.922 (PCA-KMeans 0.909); beta 0 gives PCA-KMeans; strips == whole."""
    p1, p2, truth = speckled_pair((150, 170), looks=1, seed=5, gain=4.0)
    p1[:5, :7] = np.nan
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO, fallback=us.FALLBACK_ADJUSTED_BOXPLOT)
    mask, fitted = us.detect(p1, p2, config, seed=0)
    bare, _ = us.detect(p1, p2, us.replace(config, method=us.PCA_KMEANS), seed=0)
    assert not fitted.guard.fallback and fitted.model.beta == mrf.BETA
    assert kappa(mask, truth) > 0.915
    assert kappa(mask, truth) > kappa(bare, truth) + 0.01
    flat = us.replace(fitted, model=us.replace(fitted.model, beta=0.0))
    np.testing.assert_array_equal(us.in_strips(flat.labels, [p1, p2], flat.margin), bare)
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=170 * 9)
    np.testing.assert_array_equal(strips, mask)
    assert (mask[:5, :7] == us.NODATA).all()


def test_guard_still_applies_and_its_fallback_is_regularised():
    """Unchanged pair: the MRF chain falls back; its regularised fence flags < 0.5 %, tiled == whole."""
    p1, p2 = gamma_speckle((160, 160), 4, 21), gamma_speckle((160, 160), 4, 22)
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO, fallback=us.FALLBACK_ADJUSTED_BOXPLOT)
    mask, fitted = us.detect(p1, p2, config, seed=0)
    g = fitted.guard
    assert g.fallback and us.UNIMODAL in g.reasons and g.regularised
    assert fitted.fallback_model is not None
    assert np.mean(mask == 1) < 0.005
    assert g.final_fraction == pytest.approx(np.mean(mask == 1))
    assert "regularised by the Markov random field" in "\n".join(g.lines())
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=160 * 11)
    np.testing.assert_array_equal(strips, mask)


def test_fallback_classes_fitted_by_em_on_an_unchanged_pair():
    """EM of the fallback's classes (mrf_em with the k-means data term): still a near-empty map, reported."""
    p1, p2 = gamma_speckle((160, 160), 4, 21), gamma_speckle((160, 160), 4, 22)
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO, fallback=us.FALLBACK_ADJUSTED_BOXPLOT, mrf_em=10,
                            centring=us.CENTRE_DI_MEDIAN)
    mask, fitted = us.detect(p1, p2, config, seed=0)
    g = fitted.guard
    assert g.fallback and g.regularised and g.fallback_em == 10
    assert fitted.fallback_model.data.classes != us.detect(p1, p2, us.replace(config, mrf_em=0))[1] \
        .fallback_model.data.classes
    assert np.mean(mask == 1) < 0.01  # 0.53 % (0.5 % without EM: the classes grow a little into the tail)
    assert "fitted by 10 EM iterations from that split" in "\n".join(g.lines())
    assert "EM10 fallback classes" in config.name()
