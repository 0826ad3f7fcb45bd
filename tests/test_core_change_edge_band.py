"""Edge band of the unsupervised chains (core.change.edge_band, ChainConfig.edge_band)."""
from dataclasses import replace

import numpy as np
from test_core_unsupervised_change import kappa, speckled_pair

from sar_change.core.change import edge_band as eb
from sar_change.core.change import unsupervised as us


def _square(shape=(40, 40), top=10, left=12, side=14):
    out = np.zeros(shape, np.uint8)
    out[top:top + side, left:left + side] = 1
    return out


def test_band_relabelling_recovers_a_shifted_boundary():
    """A map whose changed square is shifted by 1 px from the truth, a DI high exactly on the truth:
    the interiors' equal-error threshold lies between the two levels and a 1-px band restores the truth."""
    truth = _square()
    labels = np.roll(truth, 1, axis=1)
    di = np.where(truth == 1, 9.0, 1.0).astype(np.float32)
    t = eb.fit_threshold([labels], [di], 1)
    assert 1.0 <= t < 9.0
    assert np.count_nonzero(labels != truth) == 28
    np.testing.assert_array_equal(eb.relabel(labels, di, 1, t), truth)
    # pixels farther than r from the map's boundary keep their label, whatever their DI
    far = di.copy()
    far[0, 0] = 9.0
    assert eb.relabel(labels, far, 1, t)[0, 0] == 0


def test_no_threshold_when_an_interior_class_is_small():
    """A 5 x 5 changed patch has 1 interior pixel at r = 1 (< MIN_INTERIOR): no threshold, no change."""
    labels = _square(side=5)
    di = np.where(labels == 1, 9.0, 1.0).astype(np.float32)
    assert eb.fit_threshold([labels], [di], 1) is None
    assert eb.relabel(labels, di, 1, None) is labels


def test_equal_error_threshold_of_two_overlapping_samples():
    """Uniform unchanged on [0, 2] and changed on [1, 3]: false-alarm rate = miss rate at t = 1.5."""
    a, b = np.linspace(0.0, 2.0, 2001), np.linspace(1.0, 3.0, 2001)
    assert abs(eb.equal_error_threshold(a, b) - 1.5) < 2e-3


def band_chain(config, extra_margin):
    """Fit the default chain and ``config`` (a 1-px band option) on a 2-look pair with a 6x brighter
    change; check that ``config``'s margin is the default's + ``extra_margin`` px, that labelling by row
    strips of 2 rows equals the whole image, that its map differs from the default's, only within 1 px of
    the default's changed boundary, and that its kappa exceeds 0.8. Returns ``config``'s FittedChain."""
    p1, p2, truth = speckled_pair((96, 112), looks=2, seed=3, gain=6.0)
    base = us.fit_chain(p1, p2, us.DEFAULT)
    fitted = us.fit_chain(p1, p2, config)
    assert not fitted.guard.fallback
    assert fitted.margin == base.margin + extra_margin
    whole = fitted.labels(p1, p2)
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=2 * p1.shape[1])
    np.testing.assert_array_equal(strips, whole)
    default = base.labels(p1, p2)
    changed = whole != default
    assert changed.any()
    assert not (changed & ~eb.band(default, 1)).any()
    assert kappa(whole, truth) > 0.8
    return fitted


def test_edge_band_chain_streams_reports_and_changes_only_the_band():
    """The default chain with a 1-px edge band (``band_chain``'s checks, its margin + 1 px), and the
    guard's report gives the threshold."""
    config = replace(us.DEFAULT, edge_band=1)
    fitted = band_chain(config, 1)
    assert fitted.edge_threshold is not None
    line = [x for x in fitted.guard.lines() if x.startswith("edge band")]
    assert len(line) == 1 and f"DI > {fitted.edge_threshold:.4g}" in line[0]
    assert config.name() == us.DEFAULT.name().replace(" on |LMR3|", " on |LMR3|, edge band 1")


def test_default_has_no_edge_band():
    """The default chain is unchanged: no threshold, no report line, the chain's margin as before."""
    p1, p2, _ = speckled_pair((64, 64), looks=4, seed=1)
    fitted = us.fit_chain(p1, p2, us.DEFAULT)
    assert us.DEFAULT.edge_band == 0 and "edge band" not in us.DEFAULT.name()
    assert fitted.edge_threshold is None and fitted.guard.edge_band == ()
    assert not any("edge band" in line for line in fitted.guard.lines())
