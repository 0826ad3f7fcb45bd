"""The guard's fallback with an extra Gaussian-KL fence (``ChainConfig.fallback_gkl``, round 19, off)."""
import numpy as np
import pytest
from test_core_change_multiscale import faint_blob_pair
from test_core_unsupervised_change import kappa

from sar_change.core.change import skewed_outliers
from sar_change.core.change import unsupervised as us

from helpers import gamma_speckle

KL_FENCE = us.replace(us.DEFAULT, fallback_gkl=7, fallback_gkl_root=True)


def texture_pair(shape=(120, 120), looks=4, seed=3):
    """Two 4-look images of a flat scene; a disc (13.6 %) gains an exponential texture of mean 1 on date 2
    (the local mean is kept, its spread grows: a statistical change)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    disc = (yy - 60) ** 2 + (xx - 60) ** 2 < 25 ** 2
    p1 = gamma_speckle(shape, looks, seed).astype(np.float32)
    texture = np.random.default_rng(seed + 5).gamma(1.0, 1.0, shape)
    p2 = (gamma_speckle(shape, looks, seed + 10) * np.where(disc, texture, 1.0)).astype(np.float32)
    return p1, p2, disc.astype(np.uint8)


def test_option_off_is_the_default_bit_for_bit():
    p1, p2, _ = faint_blob_pair()
    mask, fitted = us.detect(p1, p2, us.DEFAULT)
    off, fitted_off = us.detect(p1, p2, us.replace(us.DEFAULT, fallback_gkl=0, fallback_gkl_root=True))
    assert fitted.guard.fallback and fitted.kl_fence is None and fitted_off.kl_fence is None
    assert np.array_equal(mask, off) and fitted.margin == fitted_off.margin == 10
    assert fitted.guard.final_fraction == fitted_off.guard.final_fraction


def test_kl_fence_finds_a_texture_change_and_tiles_like_the_whole_image():
    """Texture disc: default fallback kappa 0.053, with the sqrt(2 GKL7) fence 0.625."""
    p1, p2, truth = texture_pair()
    p1[:3, :5] = np.nan
    base, f0 = us.detect(p1, p2, us.DEFAULT)
    mask, fitted = us.detect(p1, p2, KL_FENCE)
    assert f0.guard.fallback and fitted.guard.fallback
    assert kappa(base, truth) < 0.1 and kappa(mask, truth) > 0.55
    offset = fitted.offset_db
    stat = us.fallback_kl_statistic(KL_FENCE, us.scale_first_image(p1, offset), p2)
    assert fitted.kl_fence == pytest.approx(skewed_outliers.upper_fence(stat[np.isfinite(p1)]))
    assert fitted.guard.kl_fence == (7, True, fitted.kl_fence)
    assert "sqrt(2 KL) of the 7 x 7" in "\n".join(fitted.guard.lines())
    assert "sqrt(2 GKL7) fence" in KL_FENCE.name()
    assert fitted.guard.final_fraction == pytest.approx(np.mean(mask[mask != us.NODATA] == 1))
    assert (mask[:3, :5] == us.NODATA).all()
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=120 * 11)
    np.testing.assert_array_equal(strips, mask)
    with pytest.raises(ValueError, match="fallback_gkl"):
        us.replace(us.DEFAULT, fallback=us.FALLBACK_OUTLIER, fallback_gkl=7).check()
