"""Edge classifier of the unsupervised chains (core.change.edge_classifier, ChainConfig.edge_classifier)."""
from dataclasses import replace

import numpy as np
import pytest
from scipy import ndimage
from test_core_change_edge_band import band_chain
from test_core_unsupervised_change import gamma_speckle, speckled_pair

from sar_change.core.change import difference as dif
from sar_change.core.change import edge_band as eb
from sar_change.core.change import edge_classifier as ec
from sar_change.core.change import unsupervised as us


def _square_pair(looks=4, gain=20.0):
    """A 32 x 32 square 13 dB brighter on date 2 in a 64 x 64 L-look pair; its truth mask."""
    truth = np.zeros((64, 64), np.uint8)
    truth[16:48, 16:48] = 1
    p1 = gamma_speckle(truth.shape, looks, 1).astype(np.float32)
    p2 = (np.where(truth == 1, gain, 1.0) * gamma_speckle(truth.shape, looks, 2)).astype(np.float32)
    return p1, p2, truth


def test_channels_are_the_db_of_the_3x3_means_and_their_log_ratio():
    """Constant powers 2 and 8: 3.01 dB, 9.03 dB and 6.02 dB everywhere; the third channel is the signed
    |LMR3| of core.change.difference; a NaN pixel is no data in all three."""
    p1, p2 = np.full((6, 7), 2.0, np.float32), np.full((6, 7), 8.0, np.float32)
    ch = ec.channels(p1, p2)
    assert ch.shape == (3, 6, 7)
    np.testing.assert_allclose(ch[:, 3, 3], [10 * np.log10(2.0), 10 * np.log10(8.0), 10 * np.log10(4.0)],
                               rtol=1e-6)
    p1, p2, _ = speckled_pair((20, 24), looks=2, seed=5)
    p1[4, 5] = np.nan
    ch = ec.channels(p1, p2)
    np.testing.assert_allclose(ch[2], dif.log_mean_ratio(p1, p2, 3), rtol=1e-5, atol=1e-5, equal_nan=True)
    assert np.isnan(ch[:, 4, 5]).all() and np.isfinite(ch[:, 4, 6]).all()


def test_band_classifier_restores_an_eroded_boundary():
    """A map that lost the 1-px rim of a bright square (124 pixels wrong): the classifier trained on the
    map's interiors (2456 unchanged, 676 changed pixels, all of them) relabels its 1-px band and leaves 17
    wrong; pixels outside the band keep their label."""
    p1, p2, truth = _square_pair()
    labels = ndimage.binary_erosion(truth, iterations=1).astype(np.uint8)
    ch = ec.channels(p1, p2)
    model = ec.fit([labels], [ch], 1, seed=0)
    assert model.classifier.train_counts == (2456, 676)
    assert np.count_nonzero(labels != truth) == 124
    out = model.relabel(labels, ch)
    assert np.count_nonzero(out != truth) == 17
    assert not ((out != labels) & ~eb.band(labels, 1)).any()


def test_equal_priors_drop_only_the_prior_shift():
    """With equal priors the same network is trained (same weights) with no prior logit, so its band
    calls at least as many pixels changed as the prior-shifted one (whose logit is log(676 / 2456))."""
    p1, p2, truth = _square_pair()
    labels = ndimage.binary_erosion(truth, iterations=1).astype(np.uint8)
    ch = ec.channels(p1, p2)
    shifted, equal = ec.fit([labels], [ch], 1, seed=0), ec.fit([labels], [ch], 1, seed=0, equal_priors=True)
    assert shifted.classifier.prior_logit == pytest.approx(np.log(676 / 2456))
    assert equal.classifier.prior_logit == 0.0
    for (w1, b1), (w2, b2) in zip(shifted.classifier.weights, equal.classifier.weights):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    a, b = shifted.relabel(labels, ch), equal.relabel(labels, ch)
    assert np.count_nonzero(b == 1) >= np.count_nonzero(a == 1)
    assert not ((b != labels) & ~eb.band(labels, 1)).any()
    config = replace(us.DEFAULT, edge_classifier=1, edge_equal_priors=True)
    named = " on |LMR3|, edge classifier 1 (equal priors)"
    assert config.name() == us.DEFAULT.name().replace(" on |LMR3|", named)


def test_no_classifier_when_an_interior_class_is_small():
    """A 5 x 5 changed patch has 1 interior pixel at r = 1 (< MIN_INTERIOR): no classifier, no change."""
    p1, p2, _ = _square_pair()
    labels = np.zeros((64, 64), np.uint8)
    labels[20:25, 20:25] = 1
    ch = ec.channels(p1, p2)
    model = ec.fit([labels], [ch], 1)
    assert model.classifier is None
    assert model.relabel(labels, ch) is labels


def test_edge_classifier_chain_streams_reports_and_changes_only_the_band():
    """The default chain with a 1-px edge classifier (``band_chain``'s checks: streaming, changes only in
    the band; its margin grows by r + 3), and the guard's report says what the classifier did."""
    config = replace(us.DEFAULT, edge_classifier=1)
    fitted = band_chain(config, 1 + ec.SIZE // 2)
    assert fitted.edge_model.classifier is not None
    r, counts, share, logit = fitted.guard.edge_classifier
    assert r == 1 and counts == fitted.edge_model.classifier.train_counts and 0 < share < 0.05
    assert logit == fitted.edge_model.classifier.prior_logit < 0
    line = [x for x in fitted.guard.lines() if x.startswith("edge classifier")]
    assert len(line) == 1 and f"trained on {counts[0]} unchanged and {counts[1]} changed" in line[0]
    assert f"prior-shifted by logit {logit:.2f}" in line[0]
    assert config.name() == us.DEFAULT.name().replace(" on |LMR3|", " on |LMR3|, edge classifier 1")


def test_fallback_map_is_never_relabelled():
    """An unchanged pair (the guard falls back): no classifier is trained, the report has no line and the
    map equals the default's."""
    shape = (80, 80)
    p1 = gamma_speckle(shape, 4, 11).astype(np.float32)
    p2 = gamma_speckle(shape, 4, 12).astype(np.float32)
    base_mask, base = us.detect(p1, p2, us.DEFAULT)
    mask, fitted = us.detect(p1, p2, replace(us.DEFAULT, edge_classifier=2))
    assert base.guard.fallback and fitted.guard.fallback
    assert fitted.edge_model is None and fitted.guard.edge_classifier == ()
    assert not any("edge classifier" in line for line in fitted.guard.lines())
    np.testing.assert_array_equal(mask, base_mask)


def test_default_has_no_edge_classifier():
    """Off by default: no model, no report line, the same map as the option set to 0; both options at
    once are refused."""
    p1, p2, _ = speckled_pair((64, 64), looks=4, seed=1)
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    off, _ = us.detect(p1, p2, replace(us.DEFAULT, edge_classifier=0))
    np.testing.assert_array_equal(mask, off)
    assert us.DEFAULT.edge_classifier == 0 and "edge classifier" not in us.DEFAULT.name()
    assert fitted.edge_model is None and fitted.guard.edge_classifier == ()
    with pytest.raises(ValueError, match="choose one"):
        replace(us.DEFAULT, edge_band=1, edge_classifier=1).check()
