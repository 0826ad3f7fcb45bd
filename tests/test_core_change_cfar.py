"""CFAR fallback of the unsupervised chains: false-alarm rate on unchanged gamma pairs, tiled == whole."""
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sar_change.core.change import cfar
from sar_change.core.change import unsupervised as us
from sar_change.core.change import unsupervised_raster as ur
from sar_change.core.engine.raster_blocks import read_array

from helpers import gamma_speckle, write_raster

GEOTRANSFORM = (500000.0, 10.0, 0.0, 4600000.0, 0.0, -10.0)


@pytest.mark.parametrize("looks", [1.0, 4.0])
def test_simulated_threshold_matches_the_ratio_law(looks):
    """Pixel |log ratio| (window 1) of equal looks: I2/I1 ~ F(2L, 2L) (Touzi et al. 1988), two-sided.

    P(|10 log10 r| > t) = 2 P(r > 10^(t/10)) for the symmetric law, so the
    simulated 1e-3 threshold must be 10 log10 of the F quantile at 1 - 5e-4.
    """
    t_sim = cfar.threshold_for_looks(us.ABS_LOG_RATIO, looks, looks, 1, pfa=1e-3)
    t_law = 10 * np.log10(stats.f.ppf(1 - 5e-4, 2 * looks, 2 * looks))
    assert t_sim == pytest.approx(t_law, rel=0.04)  # 590 000 draws: ~2 % sampling error at 1e-3
    med = cfar._quantiles(us.ABS_LOG_RATIO, looks, looks, 1)[0]
    assert med == pytest.approx(10 * np.log10(stats.f.ppf(0.75, 2 * looks, 2 * looks)), rel=0.01)


def test_grid_snaps_down_and_the_median_gives_back_the_looks():
    assert cfar.snap_down(4.0) == 4.0 and cfar.snap_down(3.9) == pytest.approx(2 ** 1.75)
    assert cfar.snap_down(0.1) == cfar.LOOKS_GRID[0]
    for looks in (1.0, 3.0, 8.0):
        lm = cfar.no_change_statistic(us.LOG_MEAN_RATIO, looks, looks, 5, side=400, seed=7)
        found = cfar.effective_looks(us.LOG_MEAN_RATIO, float(np.median(lm)), 5)
        assert found == pytest.approx(looks, rel=0.06)
    with pytest.raises(ValueError, match="not calibrated"):
        cfar.threshold_for_looks(us.LOG_MEAN_RATIO, 2, 2, 5, pfa=0.05)


#: PCA-KMeans + 5 x 5 majority on |LMR3| (the fourth round's default): its CFAR fallback map is the
#: threshold itself (the MRF default regularises the fallback's map, which removes isolated alarms).
THRESHOLD_CHAIN = us.ChainConfig(us.PCA_KMEANS, us.LOG_MEAN_RATIO, majority=5)


@pytest.mark.parametrize("fallback", [us.FALLBACK_CFAR_ENL, us.FALLBACK_CFAR_MEDIAN])
@pytest.mark.parametrize("looks", [1, 3])
def test_false_alarm_rate_on_unchanged_pairs(fallback, looks):
    """The threshold chain with a CFAR fallback on an unchanged pair (gain 3 between dates) flags ~1e-3.

    Independent seeds of those of the calibration; the 5 x 5 mean makes the
    false alarms come in clumps, so the rate of 160 000 pixels is loose; the
    robust outlier rule (median + 3 MAD of a skewed law) flags > 5e-3.
    """
    p1 = gamma_speckle((400, 400), looks, 31)
    p2 = 3.0 * gamma_speckle((400, 400), looks, 32)
    mask, fitted = us.detect(p1, p2, replace(THRESHOLD_CHAIN, fallback=fallback))
    assert fitted.guard.fallback and fitted.guard.rule == "CFAR rule"
    rate = np.mean(mask == 1)
    assert 2e-4 < rate < 2.5e-3, rate
    outlier, _ = us.detect(p1, p2, replace(THRESHOLD_CHAIN, fallback=us.FALLBACK_OUTLIER))
    assert np.mean(outlier == 1) > 5e-3
    assert "CFAR (false-alarm rate 0.001" in "\n".join(fitted.guard.lines())


@pytest.mark.parametrize("fallback", [us.FALLBACK_CFAR_ENL, us.FALLBACK_CFAR_MEDIAN])
def test_cfar_fallback_tiled_equals_whole_image(tmp_path, fallback):
    """A faint small change (guard falls back): block-wise (64 px, halo) == in memory, bit for bit."""
    p1, p2 = gamma_speckle((150, 170), 2, 41), gamma_speckle((150, 170), 2, 42)
    p2[60:75, 80:100] *= 2.5
    p1[:5, :7] = np.nan
    a = write_raster(tmp_path / "a.tif", np.nan_to_num(p1, nan=-1.0), GEOTRANSFORM, nodata=-1.0)
    b = write_raster(tmp_path / "b.tif", p2, GEOTRANSFORM)
    config = replace(us.DEFAULT, fallback=fallback)
    whole, fitted = us.detect(p1, p2, config, seed=0)
    assert fitted.guard.fallback and fitted.guard.fallback_rule == fallback
    _, counts = ur.detect_rasters(a, b, tmp_path / "mask.tif", config=config, block=64)
    tiled = read_array(tmp_path / "mask.tif")
    tiled = np.where(np.isnan(tiled), 255, tiled).astype(np.uint8)
    np.testing.assert_array_equal(tiled, whole)
    assert counts["changed"] == int(np.count_nonzero(whole == 1)) > 50


def test_cfar_refuses_a_despeckled_chain():
    with pytest.raises(ValueError, match="unfiltered gamma speckle"):
        us.ChainConfig(despeckle="lee_sigma", fallback=us.FALLBACK_CFAR_ENL).check()
    with pytest.raises(ValueError, match="unknown fallback"):
        us.ChainConfig(fallback="nope").check()
