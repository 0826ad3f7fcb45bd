"""Simulated 8-bit change-detection pairs (core.simulator.change_pairs) and the guard on a no-change pair."""
from dataclasses import replace

import numpy as np
import pytest

from sar_change.core.change import evaluation
from sar_change.core.change import unsupervised as us
from sar_change.core.simulator import change_pairs as cp

#: Measured ENL (power = DN^2, core.speckle.enl 9 x 9) of the three shared real pairs is 1.5-4.0;
#: simulated pairs span 1-8 looks, so their measured ENL may reach 1-look level (~0.9) and
#: a little above 4 (8 looks with texture and correlated speckle measure ~4.5).
ENL_RANGE = (0.8, 5.0)


@pytest.mark.parametrize("looks, storage", [((1, 1), cp.AMPLITUDE), ((4, 1), cp.AMPLITUDE),
                                            ((8, 8), cp.AMPLITUDE), ((8, 8), cp.INTENSITY)])
def test_measured_enl_within_the_real_range(looks, storage):
    spec = cp.PairSpec(seed=21, shape=(160, 180), looks=looks, storage=storage, change="flood", fraction=0.05)
    pair = cp.simulate_pair(spec)
    stats = cp.describe(pair.dn1, pair.dn2, pair.truth)
    for k in (1, 2):
        assert ENL_RANGE[0] <= stats[f"enl{k}"] <= ENL_RANGE[1]
    if looks[0] > looks[1]:  # more looks, less speckle: a larger measured ENL
        assert stats["enl1"] > 1.5 * stats["enl2"]
    assert pair.dn1.dtype == np.uint8 and pair.dn1.shape == (160, 180)


@pytest.mark.parametrize("change, fraction", [("flood", 0.005), ("recession", 0.3), ("clearcut", 0.1),
                                              ("building", 0.03), ("river", 0.15), ("mixed", 0.08)])
def test_truth_fraction_as_requested(change, fraction):
    pair = cp.simulate_pair(cp.PairSpec(seed=5, shape=(200, 220), change=change, fraction=fraction))
    assert np.mean(pair.truth == 1) == pytest.approx(fraction, rel=0.02)
    stats = cp.describe(pair.dn1, pair.dn2, pair.truth)
    direction = {"flood": "down", "recession": "up", "clearcut": "down", "building": "up"}.get(change)
    if direction == "down":
        assert stats["darkening_pct"] > 80 and stats["lr_changed_median_db"] < -2
    elif direction == "up":
        assert stats["darkening_pct"] < 20 and stats["lr_changed_median_db"] > 2
    else:  # both directions
        assert 10 < stats["darkening_pct"] < 90


def test_random_specs_spread_and_reproducible():
    specs = [cp.random_spec(s) for s in range(1000, 1060)]
    assert cp.random_spec(1003) == specs[3]
    assert np.array_equal(cp.simulate_pair(specs[3]).dn2, cp.simulate_pair(specs[3]).dn2)
    fractions = np.array([s.fraction for s in specs])
    assert fractions.min() >= 0.005 and fractions.max() <= 0.30
    assert {s.change for s in specs} == set(cp.CHANGE_KINDS)
    assert {s.storage for s in specs} == {cp.AMPLITUDE, cp.INTENSITY}
    assert all(min(s.looks) >= 6 for s in specs if s.storage == cp.INTENSITY)
    assert all(240 <= r <= 360 and 240 <= c <= 360 for r, c in (s.shape for s in specs))


@pytest.mark.parametrize("config", [us.ChainConfig(us.PCA_KMEANS), us.ChainConfig(us.FCM),
                                    us.ChainConfig(us.SELF_SUPERVISED, pseudo_labels=us.LABELS_HFCM)])
def test_guard_on_a_pair_without_change(config):
    """k-means / FCM split a unimodal DI (~30 % 'changed'); the guard falls back to a few % at most."""
    pair = cp.simulate_pair(cp.PairSpec(seed=3, shape=(150, 160), looks=(4, 4), fraction=0.0))
    p1, p2 = pair.power()
    bare, _ = us.detect(p1, p2, replace(config, guard=False))
    mask, fitted = us.detect(p1, p2, config)
    assert np.mean(bare == 1) > 0.15  # what the guard catches
    assert fitted.guard.fallback and fitted.guard.contrast < us.MODE_Z
    assert np.mean(mask == 1) < 0.05
    assert any("main mode" in line for line in fitted.guard.lines())


def test_guard_keeps_a_real_change():
    """A clear 5 % flood: the KI map is kept (no fallback), its changed class far above the DI's mode."""
    spec = cp.PairSpec(seed=4, shape=(150, 160), looks=(4, 4), change="flood", fraction=0.05)
    mask, fitted = us.detect(*cp.simulate_pair(spec).power(), us.ChainConfig(us.SMOOTHED_KI))
    assert not fitted.guard.fallback and fitted.guard.contrast > 2 * us.MODE_Z
    assert np.mean(mask == 1) == pytest.approx(0.05, abs=0.02)


def test_guard_keeps_a_small_far_out_change_on_a_unimodal_di():
    """A 0.6 % recession (simulator design seed 11, 1 and 3 looks): the DI's moments stay unimodal
    (BC < 5/9, D < 2) but the changed class lies far beyond the body's tail: the map is kept."""
    pair = cp.simulate_pair(cp.random_spec(11))
    mask, fitted = us.detect(*pair.power(1.0), us.DEFAULT)
    g = fitted.guard
    assert g.confidence == "none" and g.contrast > 5 * us.OUTLIER_Z
    assert not g.fallback and g.reasons == ()
    assert any(line.startswith("WARNING: weak separation") for line in g.lines())
    assert evaluation.confusion((mask == 1).astype(np.uint8), pair.truth.astype(np.uint8)).kappa > 0.8


def oracle_kappa(p1, p2, truth, window=5):
    """Best kappa of any threshold of the 5 x 5 mean of the centred |log ratio| (the truth chooses it)."""
    from sar_change.core.change import evaluation
    from sar_change.core.engine.window_stats import local_mean

    lr = 10 * np.log10(p2 / p1)
    di = local_mean(np.abs(lr - np.median(lr)), window)
    best = -1.0
    for t in np.quantile(di, np.linspace(0.5, 0.999, 200)):
        best = max(best, evaluation.confusion((di > t).astype(np.uint8), truth).kappa)
    return best


def test_default_chain_close_to_the_oracle_threshold():
    """The shipped default on a small 4-look flood pair (8 %) is within 0.1 kappa of the oracle.

    The oracle is the best kappa any threshold of the 5 x 5 mean centred
    |log ratio| reaches when the truth picks it: an upper reference for a
    threshold chain with no labels. Losing more than 0.1 of it would mean the
    default's threshold (or its guard) misplaces the split on an easy pair.
    """
    from sar_change.core.change import evaluation

    spec = cp.PairSpec(seed=8, shape=(160, 170), looks=(4, 4), change="flood", fraction=0.08)
    pair = cp.simulate_pair(spec)
    p1, p2 = pair.power()
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    kappa = evaluation.confusion((mask == 1).astype(np.uint8), pair.truth).kappa
    assert not fitted.guard.fallback
    assert kappa >= oracle_kappa(p1, p2, pair.truth) - 0.1


def test_classes_come_with_the_same_pair():
    """``with_classes=True`` returns the very pair and its land cover; the flood turns land into water."""
    spec = cp.PairSpec(seed=4, shape=(120, 130), change="flood", fraction=0.03)
    pair, c1, c2 = cp.simulate_pair(spec, with_classes=True)
    assert np.array_equal(pair.dn1, cp.simulate_pair(spec).dn1)
    changed = pair.truth == 1
    assert np.all(c2[changed] == cp.WATER) and not np.any(c1[changed] == cp.WATER)
    assert np.array_equal(c1[~changed], c2[~changed])
