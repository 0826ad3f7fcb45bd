"""Coherence estimators (core/coherence/estimation.py) against analytic results on circular-Gaussian pairs."""
import math

import numpy as np
import pytest

from sar_change.core.coherence import estimation as coherence
from sar_change.core.engine.raster_blocks import block_windows


def independent_windows(image, size, border=None):
    """Values at window centres ``size`` apart (windows do not overlap), interior only."""
    r = size // 2 if border is None else border
    return image[r:image.shape[0] - r:size, r:image.shape[1] - r:size].ravel()


@pytest.mark.parametrize("gamma", [0.0, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("size", [3, 5, 9])
def test_sample_coherence_bias_matches_touzi(gamma, size):
    # Mean of the sample coherence over independent windows against E|gamma_hat| for N = size^2 looks.
    rng = np.random.default_rng(int(100 * gamma) + size)
    n = 40 * size
    z1, z2 = coherence.correlated_pair(gamma, (n, n), rng, power_1=2.0, power_2=0.5)
    values = independent_windows(coherence.sample_coherence(z1, z2, size), size).astype(np.float64)
    expected = coherence.expected_sample_coherence(gamma, size * size)
    standard_error = values.std() / np.sqrt(values.size)
    assert abs(values.mean() - expected) < 4 * standard_error + 1e-3
    if gamma == 0.0:  # the analytic bias itself: Gamma(N) Gamma(3/2) / Gamma(N + 1/2)
        looks = size * size
        at_zero = math.gamma(looks) * math.gamma(1.5) / math.gamma(looks + 0.5)
        assert expected == pytest.approx(at_zero, rel=1e-12)


def test_expected_sample_coherence_limits_and_series():
    mpmath = pytest.importorskip("mpmath")
    for looks in (4, 25, 100):
        for g in (0.2, 0.7, 0.95):
            reference = (mpmath.gamma(looks) * mpmath.gamma(1.5) / mpmath.gamma(looks + 0.5)
                         * mpmath.hyp3f2(1.5, looks, looks, looks + 0.5, 1, g * g) * (1 - g * g) ** looks)
            assert coherence.expected_sample_coherence(g, looks) == pytest.approx(float(reference), rel=1e-9)
    assert coherence.expected_sample_coherence(1.0, 16) == 1.0
    # the bias shrinks with looks and vanishes at high coherence
    curve = coherence.expected_sample_coherence(np.array([0.0, 0.5, 0.99]), 64)
    assert curve[0] == pytest.approx(np.sqrt(np.pi / (4 * 64)), rel=0.01)
    assert curve[2] == pytest.approx(0.99, abs=1e-3)


@pytest.mark.parametrize("method", [coherence.PEARSON, coherence.SPECKLE])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.8])
def test_intensity_correlation_is_gamma_squared(method, gamma):
    # 4-look intensities of a circular-Gaussian pair: E[rho_I] = |gamma|^2 (Siegert relation).
    looks, size = 4, 9
    rng = np.random.default_rng(7 + int(10 * gamma))
    z1, z2 = coherence.correlated_pair(gamma, (looks, 30 * size, 30 * size), rng, 3.0, 0.2)
    i1 = (np.abs(z1) ** 2).mean(axis=0)
    i2 = (np.abs(z2) ** 2).mean(axis=0)
    rho = independent_windows(coherence.intensity_correlation(i1, i2, size, method, looks), size)
    standard_error = rho.std() / np.sqrt(rho.size)
    assert abs(rho.mean() - gamma ** 2) < 4 * standard_error + 0.01
    gamma_hat = coherence.intensity_coherence(i1, i2, size, method, looks)
    assert np.nanmin(gamma_hat) >= 0.0 and np.nanmax(gamma_hat) <= 1.0


def test_phase_removal_restores_the_coherence():
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:120, 0:150]
    phase = 0.9 * x + 0.2 * y  # fast fringes: the boxcar sum cancels without removal
    z1, z2 = coherence.correlated_pair(0.7, (120, 150), rng, phase=phase)
    assert np.angle(np.mean(z1 * np.conj(z2) * np.exp(-1j * phase))) == pytest.approx(0.0, abs=0.05)
    flat = coherence.sample_coherence(z1, z2 * np.exp(1j * phase), 7)
    removed = coherence.sample_coherence(z1, z2, 7, phase=phase)
    fringes = coherence.sample_coherence(z1, z2, 7)
    np.testing.assert_allclose(removed, flat, atol=2e-6)
    assert np.nanmean(fringes) < 0.4 < 0.6 < np.nanmean(removed)


def test_nodata_left_out_and_empty_windows_nan():
    rng = np.random.default_rng(4)
    z1, z2 = coherence.correlated_pair(0.8, (40, 40), rng)
    z1[:, :10] = np.nan
    z2[5, 20] = np.nan + 0j
    out = coherence.sample_coherence(z1, z2, 3)
    assert np.isnan(out[:, :8]).all() and np.isfinite(out[:, 9:]).all()
    # a NaN sample counts like a sample that is not there (zero in both images)
    missing = ~(np.isfinite(z1) & np.isfinite(z2))
    z1b, z2b = np.where(missing, 0, z1), np.where(missing, 0, z2)
    np.testing.assert_allclose(out[:, 9:], coherence.sample_coherence(z1b, z2b, 3)[:, 9:], atol=1e-6)


@pytest.mark.parametrize("kind", ["slc", "slc_phase", "pearson", "speckle"])
def test_tiled_equals_whole(kind):
    rng = np.random.default_rng(5)
    shape = (90, 110)
    z1, z2 = coherence.correlated_pair(0.6, shape, rng, power_1=rng.gamma(2.0, 1.0, shape))
    phase = rng.uniform(-np.pi, np.pi, shape).astype(np.float32)
    block = np.stack([z1.real, z1.imag, z2.real, z2.imag, phase]).astype(np.float32)
    if kind.startswith("slc"):
        func, margin = coherence.slc_block_function((5, 9), with_phase=kind == "slc_phase")
        data = block if kind == "slc_phase" else block[:4]
    else:
        func, margin = coherence.intensity_block_function(7, kind, 4.0)
        data = np.stack([np.abs(z1) ** 2, np.abs(z2) ** 2]).astype(np.float32)
    whole = func(data)[0]
    tiled = np.full(shape, -1.0, np.float32)
    for w in block_windows(shape[1], shape[0], block=32, margin=margin):
        rx, ry, rw, rh = w.read
        cx, cy, cw, ch = w.core
        tiled[cy:cy + ch, cx:cx + cw] = func(data[:, ry:ry + rh, rx:rx + rw])[0][w.crop()]
    np.testing.assert_array_equal(tiled, whole)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="odd"):
        coherence.sample_coherence(np.ones((5, 5)), np.ones((5, 5)), 4)
    with pytest.raises(ValueError, match="looks"):
        coherence.intensity_correlation(np.ones((5, 5)), np.ones((5, 5)), 3, coherence.SPECKLE)
    with pytest.raises(ValueError, match="unknown intensity method"):
        coherence.intensity_correlation(np.ones((5, 5)), np.ones((5, 5)), 3, "learned")


def test_float32_window_sums_agree_with_float64():
    # the learned coherence's correction takes the window correlation in float32 (speed)
    rng = np.random.default_rng(11)
    z1, z2 = coherence.correlated_pair(rng.uniform(0.0, 0.99, (60, 70)), (4, 60, 70), rng, 3.0, 0.2)
    i1 = (np.abs(z1) ** 2).mean(axis=0).astype(np.float32) * np.exp(2.0 * rng.standard_normal((60, 70)))
    i2 = (np.abs(z2) ** 2).mean(axis=0).astype(np.float32)
    i1[5, 7] = np.nan
    single = coherence.intensity_coherence(i1, i2, 3, dtype=np.float32)
    double = coherence.intensity_coherence(i1, i2, 3)
    np.testing.assert_array_equal(np.isnan(single), np.isnan(double))
    np.testing.assert_allclose(single, double, atol=1e-4)
    # fixed-order sums: a block's interior equals the whole image's, bit for bit
    np.testing.assert_array_equal(coherence.intensity_coherence(i1[10:40, 20:60], i2[10:40, 20:60], 3,
                                                                dtype=np.float32)[1:-1, 1:-1],
                                  single[11:39, 21:59])
