"""PCA-KMeans with a second channel (the Gaussian KL beside |LMR3|, ``ChainConfig.gkl_channel``)."""
from dataclasses import replace

import numpy as np
import pytest
from test_core_unsupervised_change import kappa, speckled_pair

from sar_change.core.change import difference as dif
from sar_change.core.change import pca_kmeans as pk
from sar_change.core.change import unsupervised as us
from sar_change.core.change.robust_scale import robust_sigma


def test_option_off_is_the_default_bit_for_bit():
    p1, p2, _ = speckled_pair(shape=(64, 72))
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    off, fitted_off = us.detect(p1, p2, replace(us.DEFAULT, gkl_channel=0, gkl_root=True))
    assert np.array_equal(mask, off)
    assert fitted.model.initial.scales == () and np.ndim(fitted.model.initial.fill) == 0
    assert fitted.margin == fitted_off.margin
    assert np.array_equal(fitted.model.initial.centres, fitted_off.model.initial.centres)


def test_two_channel_features_are_both_channels_robust_scaled():
    p1, p2, _ = speckled_pair(shape=(60, 70))
    di = us.change_index(us.LOG_MEAN_RATIO, p1, p2)
    kl = dif.gaussian_kl_divergence(p1, p2, 7)
    stack = np.stack([di, kl])
    model = pk.fit([stack], size=5, components=3, seed=0)
    assert model.mean.shape == (50,) and model.components.shape == (3, 50)
    assert model.scales == pytest.approx((robust_sigma(di)[1], robust_sigma(kl)[1]), rel=1e-6)
    assert pk.block_vectors(stack, 5).shape == (12 * 14, 50)  # 60 x 70 px: 12 x 14 blocks, no NaN
    feats = model.features(stack)
    assert feats.shape == (60, 70, 3)
    idx = np.array([0, 1234, 60 * 70 - 1])
    assert np.allclose(model.features_at(stack, idx), feats.reshape(-1, 3)[idx])
    # pixel (30, 35): its two 5 x 5 windows, each divided by its channel's scale, projected
    window = np.concatenate([stack[c, 28:33, 33:38].ravel() / model.scales[c] for c in (0, 1)])
    assert np.allclose(feats[30, 35], (window - model.mean) @ model.components.T, atol=1e-4)


def test_gkl_channel_chain_detects_and_tiles_like_the_whole_image():
    p1, p2, truth = speckled_pair(shape=(80, 96))
    config = replace(us.DEFAULT, gkl_channel=7, gkl_root=True)
    mask, fitted = us.detect(p1, p2, config)
    assert not fitted.guard.fallback and fitted.margin == 3 + 5 + 2  # GKL7 reach, h // 2 + 5 sweeps
    assert kappa(mask, truth) > 0.9
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=96 * 11)
    assert np.array_equal(strips, mask)
    with pytest.raises(ValueError, match="gkl_channel"):
        replace(us.DEFAULT, method=us.FCM, gkl_channel=7).check()
