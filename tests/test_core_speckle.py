"""Analytic and invariant checks of every speckle filter (core, numpy only)."""
import numpy as np
import pytest

from sar_change.core.engine import scale
from sar_change.core.engine.window_stats import local_moments
from sar_change.core.speckle import basic, frost, lopes, registry
from sar_change.core.speckle.enl import enl

from helpers import brute_window, gamma_speckle, structured_scene

ALL = registry.METHODS
# Gamma-MAP returns the posterior mode, which lies below the posterior mean: it is
# not mean preserving (Lopes et al. 1990); it is checked separately.
MEAN_PRESERVING = [m for m in ALL if m not in (registry.MEDIAN, registry.GAMMA_MAP)]


def run(method, power, **kw):
    params = registry.FilterParams(method=method, **kw)
    return registry.power_filter(params)(power)


@pytest.mark.parametrize("method", MEAN_PRESERVING)
def test_mean_preserved_on_homogeneous_speckle(method):
    looks = 4
    img = gamma_speckle((256, 256), looks, seed=11)
    out = run(method, img, looks=looks)
    # Standard error of the mean of 65k gamma(L=4) samples is ~0.002.
    assert abs(out.mean() - 1.0) < 0.01, out.mean()


def test_median_of_gamma_speckle_is_biased_low_as_expected():
    # The median of single-look intensity (exponential, mean 1) is ln 2 = 0.693.
    out = run(registry.MEDIAN, gamma_speckle((256, 256), 1, seed=2), size=7)
    assert np.median(out) == pytest.approx(np.log(2), abs=0.02)


def test_gamma_map_bias_is_small_and_low():
    # MAP (posterior mode) < posterior mean: a small negative bias, ~2 % at L=4, 7x7.
    out = run(registry.GAMMA_MAP, gamma_speckle((256, 256), 4, seed=11), looks=4)
    assert -0.03 < out.mean() - 1.0 < -0.005


@pytest.mark.parametrize("method", ALL)
def test_enl_increases(method):
    looks = 2
    img = gamma_speckle((256, 256), looks, seed=12)
    out = run(method, img, looks=looks)
    assert enl(img[8:-8, 8:-8]) == pytest.approx(looks, rel=0.05)
    assert enl(out[8:-8, 8:-8]) > 3 * looks


def test_lee_equals_local_mean_where_ci_below_cu():
    img = gamma_speckle((64, 64), 16, seed=3)
    mean, var, _ = local_moments(img, 7)
    ci2 = var / mean**2
    looks = 4  # Cu^2 = 0.25 > Ci^2 ~ 1/16 nearly everywhere
    homogeneous = ci2 <= 1 / looks
    assert homogeneous.mean() > 0.99
    out = lopes.lee(img, 7, looks)
    np.testing.assert_array_equal(out[homogeneous], mean[homogeneous].astype(np.float32))


def test_lee_and_kuan_weights_match_lopes_formulas_at_one_pixel():
    img = structured_scene(40, looks=1, seed=5)
    i, j, size, looks = 20, 20, 7, 1.0
    w = img[i - 3:i + 4, j - 3:j + 4].astype(np.float64)
    e, v = w.mean(), w.var(ddof=1)
    ci2, cu2 = v / e**2, 1 / looks
    assert ci2 > cu2
    w_lee = 1 - cu2 / ci2
    w_kuan = (1 - cu2 / ci2) / (1 + cu2)
    assert lopes.lee(img, size, looks)[i, j] == pytest.approx(e + w_lee * (img[i, j] - e), rel=1e-5)
    assert lopes.kuan(img, size, looks)[i, j] == pytest.approx(e + w_kuan * (img[i, j] - e), rel=1e-5)


def test_gamma_map_solves_the_map_equation():
    img = structured_scene(60, looks=3, seed=6)
    looks, size = 3.0, 5
    out = lopes.gamma_map(img, size, looks).astype(np.float64)
    mean, var, _ = local_moments(img, size, dtype=np.float64)
    ci2, cu2 = var / mean**2, 1 / looks
    mid = (ci2 > cu2 * 1.01) & (ci2 < 2 * cu2 * 0.99)
    assert mid.sum() > 50
    alpha = (1 + cu2) / (ci2 - cu2)
    r, e, i = out[mid], mean[mid], img[mid].astype(np.float64)
    residual = alpha[mid] * r**2 + (looks + 1 - alpha[mid]) * e * r - looks * e * i
    # Terms scale as alpha E^2; float32 rounding of R is amplified by alpha near Ci = Cu.
    np.testing.assert_allclose(residual / (alpha[mid] * e**2), 0, atol=2e-6)
    np.testing.assert_array_equal(out[ci2 >= 2 * cu2], img[ci2 >= 2 * cu2])


def test_frost_matches_direct_kernel_sum():
    img = structured_scene(30, looks=1, seed=7)
    size, k = 5, 0.8
    out = frost.frost(img, size, k)
    i, j = 14, 16
    w = img[i - 2:i + 3, j - 2:j + 3].astype(np.float64)
    alpha = k * w.var(ddof=1) / w.mean() ** 2
    dy, dx = np.mgrid[-2:3, -2:3]
    m = np.exp(-alpha * np.hypot(dy, dx))
    assert out[i, j] == pytest.approx((m * w).sum() / m.sum(), rel=1e-5)
    m_cb = np.exp(-alpha * (abs(dy) + abs(dx)))
    out_cb = frost.frost(img, size, k, frost.CITY_BLOCK)
    assert out_cb[i, j] == pytest.approx((m_cb * w).sum() / m_cb.sum(), rel=1e-5)


def test_frost_with_zero_damping_is_the_boxcar():
    img = gamma_speckle((40, 40), 1, seed=8)
    np.testing.assert_allclose(frost.frost(img, 5, 0.0), basic.boxcar(img, 5), rtol=1e-5)


def test_median_matches_brute_force_with_nodata():
    img = gamma_speckle((30, 26), 1, seed=9)
    img[10:13, 4:9] = np.nan
    ref = brute_window(img, 5, np.median)
    ref[np.isnan(img)] = np.nan
    np.testing.assert_allclose(basic.median(img, 5), ref, rtol=1e-6)


@pytest.mark.parametrize("method", [m for m in ALL if m not in (registry.REFINED_LEE, registry.LEE_SIGMA)])
def test_window_of_one_is_identity(method):
    img = structured_scene(32, looks=1, seed=1)
    np.testing.assert_array_equal(run(method, img, size=1), img)


@pytest.mark.parametrize("method", ALL)
def test_nodata_stays_nodata_and_never_leaks(method):
    img = structured_scene(64, looks=2, seed=4)
    holed = img.copy()
    holed[20:26, 30:37] = np.nan
    out = run(method, holed, looks=2)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(holed))
    # Far from the hole the result is unchanged; next to it, finite.
    ref = run(method, img, looks=2)
    far = np.ones(img.shape, bool)
    far[20 - 8:26 + 8, 30 - 8:37 + 8] = False
    np.testing.assert_array_equal(out[far], ref[far])


@pytest.mark.parametrize("method", ALL)
def test_crop_invariance_bit_for_bit(method):
    params = registry.FilterParams(method=method, looks=2)
    m = registry.margin(params)
    img = structured_scene(120, looks=2, seed=10)
    img[50:53, 60:64] = np.nan
    full = registry.power_filter(params)(img)
    y0, y1, x0, x1 = 30, 100, 25, 110
    crop = registry.power_filter(params)(img[y0 - m:y1 + m, x0 - m:x1 + m])
    np.testing.assert_array_equal(full[y0:y1, x0:x1], crop[m:m + y1 - y0, m:m + x1 - x0])


@pytest.mark.parametrize("sc", scale.SCALES)
def test_block_function_filters_in_linear_and_returns_input_scale(sc):
    power = gamma_speckle((50, 50), 3, seed=13, mean=0.05)
    given = scale.from_linear_power(power, sc)
    func, margin = registry.make_block_function(registry.FilterParams(method=registry.LEE, looks=3), sc)
    assert margin == 3
    expected = scale.from_linear_power(lopes.lee(power, 7, 3), sc)
    np.testing.assert_allclose(func(given), expected, rtol=2e-5, atol=1e-6)


@pytest.mark.parametrize("kw, message", [
    ({"size": 4}, "odd"), ({"size": 0}, "odd"), ({"looks": 0}, "looks"), ({"looks": -1}, "looks"),
    ({"method": "wiener"}, "unknown"),
])
def test_bad_parameters_are_refused(kw, message):
    with pytest.raises(ValueError, match=message):
        registry.power_filter(registry.FilterParams(**kw))


def test_db_declared_linear_is_detected():
    db = scale.from_linear_power(gamma_speckle((40, 40), 1, seed=3, mean=0.05), scale.DB)
    with pytest.raises(ValueError, match="dB"):
        scale.check_scale(db, scale.LINEAR_POWER)
    scale.check_scale(db, scale.DB)


def test_scale_round_trip():
    p = gamma_speckle((10, 10), 1, seed=1)
    for sc in scale.SCALES:
        np.testing.assert_allclose(scale.to_linear_power(scale.from_linear_power(p, sc), sc), p, rtol=1e-5)
