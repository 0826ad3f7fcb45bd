"""Centring of a pair before the unsigned DI (core.change.centring, unsupervised.centre_offset_db)."""
from dataclasses import replace

import numpy as np
import pytest

from sar_change.core.change import centring
from sar_change.core.change import difference as dif
from sar_change.core.change import unsupervised as us

GAIN_DB = 2.0
LOOKS = (4.0, 1.5)


def test_shorth_midpoint_exact_and_exponential():
    # ceil(5 / 2) = 3 values: [1, 2, 3] is the shortest such window (width 2), midpoint 2
    assert centring.shorth_midpoint([10.0, 1.0, 3.0, 11.0, 2.0]) == 2.0
    assert np.isnan(centring.shorth_midpoint([np.nan]))
    # Exp(1): decreasing density, the shortest half is [0, ln 2]
    x = np.random.default_rng(3).exponential(1.0, 400_000)
    assert centring.shorth_midpoint(x) == pytest.approx(np.log(2.0) / 2.0, abs=0.005)
    assert centring.location(x, centring.MEDIAN) == pytest.approx(np.log(2.0), abs=0.01)
    with pytest.raises(ValueError, match="unknown location"):
        centring.location(x, "mode")


def test_gamma_log_ratio_median_analytic_and_simulated():
    assert centring.gamma_log_ratio_median_db(3.0, 3.0) == pytest.approx(0.0, abs=1e-12)
    # 10 log10 median F(3, 8) and F(27, 72)
    assert centring.gamma_log_ratio_median_db(*LOOKS) == pytest.approx(-0.6548, abs=1e-3)
    assert centring.gamma_log_ratio_median_db(*LOOKS, pixels=9) == pytest.approx(-0.0677, abs=1e-3)
    rng = np.random.default_rng(0)
    n1, n2 = (rng.gamma(L, 1.0 / L, 400_000) for L in LOOKS)
    assert np.median(10 * np.log10(n2 / n1)) == pytest.approx(-0.6548, abs=0.03)


def _pair(shape=(512, 512), seed=1):
    """Unchanged gamma pair of LOOKS looks on a flat scene, image 2 GAIN_DB brighter (linear power)."""
    rng = np.random.default_rng(seed)
    p1 = rng.gamma(LOOKS[0], 1.0 / LOOKS[0], shape).astype(np.float32)
    p2 = (10 ** (GAIN_DB / 10) * rng.gamma(LOOKS[1], 1.0 / LOOKS[1], shape)).astype(np.float32)
    return p1, p2


def test_centring_on_the_di_statistic_removes_the_looks_bias_of_the_means():
    p1, p2 = _pair()
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO)
    pixel = us.centre_offset_db(config, [p1], [p2])
    own = us.centre_offset_db(replace(config, centring=us.CENTRE_DI_MEDIAN), [p1], [p2])
    # the pixel log ratio carries the 1-pixel looks bias, the 3 x 3 means that of 9 pixels
    assert pixel == pytest.approx(GAIN_DB + centring.gamma_log_ratio_median_db(*LOOKS), abs=0.05)
    assert own == pytest.approx(GAIN_DB + centring.gamma_log_ratio_median_db(*LOOKS, pixels=9), abs=0.05)
    bias = centring.gamma_log_ratio_median_db(*LOOKS, pixels=9) - centring.gamma_log_ratio_median_db(*LOOKS)
    assert bias == pytest.approx(0.587, abs=1e-3)

    def lmr_median(offset):
        return float(np.nanmedian(dif.log_mean_ratio(us.scale_first_image(p1, offset), p2, 3)))

    assert lmr_median(pixel) == pytest.approx(bias, abs=0.05)  # the former rule leaves it off centre
    assert lmr_median(own) == pytest.approx(0.0, abs=0.02)
    # |LR| folds the pixel log ratio itself: both rules measure the same statistic
    lr = us.ChainConfig(us.PCA_KMEANS, us.ABS_LOG_RATIO)
    assert us.centre_offset_db(replace(lr, centring=us.CENTRE_DI_MEDIAN), [p1], [p2]) == pytest.approx(
        us.centre_offset_db(lr, [p1], [p2]), abs=1e-6)
    assert us.centre_offset_db(replace(config, centre=False), [p1], [p2]) == 0.0


def test_shorth_centring_resists_a_one_sided_change():
    p1, p2 = _pair(seed=2)
    p2[:, :128] *= 10 ** (6.0 / 10)  # a quarter of the scene 6 dB brighter
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO)
    truth = GAIN_DB + centring.gamma_log_ratio_median_db(*LOOKS, pixels=9)
    median = us.centre_offset_db(replace(config, centring=us.CENTRE_DI_MEDIAN), [p1], [p2])
    shorth = us.centre_offset_db(replace(config, centring=us.CENTRE_DI_SHORTH), [p1], [p2])
    assert median - truth > 0.3  # dragged towards the change
    assert abs(shorth - truth) < 0.5 * (median - truth)


def test_config_name_check_and_report():
    config = us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO, centring=us.CENTRE_DI_MEDIAN)
    assert config.name().endswith(", DI-median centring")
    assert us.ChainConfig(us.MRF, us.LOG_MEAN_RATIO).name() == "PCA-KMeans h=5 S=3 + MRF beta=1.5 on |LMR3|"
    with pytest.raises(ValueError, match="unknown centring"):
        us.ChainConfig(centring="mode").check()
    p1, p2 = _pair((96, 96), seed=4)
    fitted = us.fit_chain(p1, p2, config)
    assert fitted.guard.offset_db == pytest.approx(fitted.offset_db)
    line = fitted.guard.lines()[0]
    assert f"scaled by {fitted.offset_db:+.3f} dB (median of the DI's signed log ratio)" in line
