"""Label-free guard statistics of a change map (core.change.guard_stats, issue 15 fifteenth round)."""
import numpy as np
import pytest

from sar_change.core.change import guard_stats as gs

from helpers import gamma_speckle


def _labels(shape=(100, 100)):
    return np.zeros(shape, np.uint8)


def test_changed_share_ignores_no_data_and_share_ratio_handles_empty_maps():
    chain = _labels()
    chain[:10, :10] = 1  # 100 changed
    chain[90:, :] = 255  # 1000 no data: 9000 valid
    fallback = _labels()
    fallback[:5, :5] = 1  # 25 changed of 10000
    assert gs.changed_share(chain) == pytest.approx(100 / 9000)
    assert gs.share_ratio(chain, fallback) == pytest.approx((100 / 9000) / (25 / 10000))
    assert gs.share_ratio(chain, _labels()) == float("inf")
    assert gs.share_ratio(_labels(), _labels()) == 0.0
    assert gs.share_ratio_fires(2.5, confident=False)
    assert not gs.share_ratio_fires(2.5, confident=True)
    assert not gs.share_ratio_fires(1.9, confident=False)


def test_fragment_share_counts_pixels_in_components_smaller_than_the_window():
    labels = _labels()
    labels[10:20, 10:20] = 1  # one 100 px blob
    for k in range(10):  # ten 2 x 2 fragments, 40 px, 8-connected within each only
        labels[40 + 5 * k:42 + 5 * k, 60:62] = 1
    labels[80, 80] = labels[81, 81] = 1  # one diagonal pair: one 8-connected component of 2 px
    assert gs.fragment_share(labels) == pytest.approx(42 / 142)
    assert gs.fragment_share(labels, min_pixels=101) == 1.0
    assert gs.fragment_share(_labels()) == 0.0
    assert gs.fragments_fire(0.51) and not gs.fragments_fire(0.5)


def test_dark_share_is_the_decile_share_for_false_alarms_spread_evenly_and_more_in_the_dark():
    rng = np.random.default_rng(0)
    shape = (200, 200)
    level = np.where(np.arange(200)[None, :] < 20, 0.01, 1.0) * np.ones(shape)  # darkest 10 %: 20 columns
    p1 = level * gamma_speckle(shape, 4, seed=1)
    p2 = level * gamma_speckle(shape, 4, seed=2)
    spread = (rng.random(shape) < 0.05).astype(np.uint8)  # false alarms independent of the intensity
    assert gs.dark_share(p1, p2, spread) == pytest.approx(0.1, abs=0.02)
    dark = _labels(shape)
    dark[:, :20][rng.random((200, 20)) < 0.3] = 1
    dark[:, 100:][rng.random((200, 100)) < 0.01] = 1
    share = gs.dark_share(p1, p2, dark)  # 1200 dark of 1400 changed
    assert share == pytest.approx(1200 / 1400, abs=0.03)
    assert gs.dark_fires(share) and not gs.dark_fires(0.2)
    assert gs.dark_share(p1, p2, _labels(shape)) == 0.0
