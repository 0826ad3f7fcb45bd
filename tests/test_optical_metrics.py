"""Translation metrics (MSE, PSNR, SSIM per distortion class) and contrast enhancement of optical outputs."""
import math

import numpy as np
import pytest
from scipy import ndimage

from sar_change.core.terrain import geometry as terrain
from sar_change.core.translation import contrast
from sar_change.core.translation import metrics as tm


def textured(n=48, seed=0):
    rng = np.random.default_rng(seed)
    img = ndimage.gaussian_filter(rng.random((n, n)), 2.0)
    img[:, n // 2:] += 0.3  # an edge
    return (img - img.min()) / (img.max() - img.min())


def brute_ssim_mean(x, y, data_range):
    """Independent SSIM: explicit 11 x 11 Gaussian weights (sigma 1.5), Wang et al. 2004 eq. 13-15."""
    r = 5
    g = np.exp(-(np.arange(-r, r + 1) ** 2) / (2 * 1.5 ** 2))
    w = np.outer(g, g)
    w /= w.sum()
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    values = []
    for i in range(r, x.shape[0] - r):
        for j in range(r, x.shape[1] - r):
            a, b = x[i - r:i + r + 1, j - r:j + r + 1], y[i - r:i + r + 1, j - r:j + r + 1]
            mx, my = (w * a).sum(), (w * b).sum()
            vx, vy = (w * (a - mx) ** 2).sum(), (w * (b - my) ** 2).sum()
            cxy = (w * (a - mx) * (b - my)).sum()
            values.append((2 * mx * my + c1) * (2 * cxy + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
    return float(np.mean(values))


def test_identical_images_give_ssim_1_psnr_inf_mse_0():
    x = textured()
    m = tm.translation_metrics(x, x)["all"]
    assert m["mse"] == 0.0 and m["psnr"] == math.inf and m["ssim"] == pytest.approx(1.0, abs=1e-12)


def test_psnr_of_a_constant_offset():
    x = textured()
    assert tm.mse(x + 0.1, x) == pytest.approx(0.01)
    assert tm.psnr(x + 0.1, x, data_range=1.0) == pytest.approx(20.0)
    assert tm.psnr(x + 0.1, x, data_range=2.0) == pytest.approx(20.0 + 20 * math.log10(2.0))


def test_ssim_matches_an_independent_window_by_window_reference():
    x = textured(30, 1)
    y = np.clip(x + 0.1 * np.random.default_rng(2).standard_normal(x.shape), 0, 1)
    expected = brute_ssim_mean(x, y, 1.0)
    assert tm.ssim(x, y, 1.0) == pytest.approx(expected, rel=1e-10)
    assert 0.2 < expected < 0.95  # a non-trivial case
    # Luminance-only change: SSIM of a constant image and a brighter constant one, analytic.
    a, b = np.full((20, 20), 0.2), np.full((20, 20), 0.4)
    c1 = 0.01 ** 2
    assert tm.ssim(a, b, 1.0) == pytest.approx((2 * 0.2 * 0.4 + c1) / (0.2 ** 2 + 0.4 ** 2 + c1), rel=1e-9)


def test_ssim_matches_scikit_image_when_available():
    metrics = pytest.importorskip("skimage.metrics", reason="scikit-image not installed (optional reference)")
    x = textured(40, 3)
    y = np.clip(x + 0.05 * np.random.default_rng(4).standard_normal(x.shape), 0, 1)
    ref = metrics.structural_similarity(x, y, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                        use_sample_covariance=False)
    assert tm.ssim(x, y, 1.0) == pytest.approx(ref, rel=1e-6)


def test_metrics_per_distortion_class_use_only_that_class():
    x = np.stack([textured(40, 5), textured(40, 6)])
    y = x.copy()
    y[:, :, 20:] += 0.2  # error only in the right half
    distortion = np.full((40, 40), tm.UNDISTORTED, np.uint8)
    distortion[:, 20:] = tm.SHADOW
    distortion[:5, :5] = tm.NODATA
    out = tm.translation_metrics(y, x, 1.0, distortion)
    assert out["undistorted"]["mse"] == 0.0 and out["undistorted"]["psnr"] == math.inf
    assert out["shadow"]["mse"] == pytest.approx(0.04)
    assert out["shadow"]["psnr"] == pytest.approx(10 * math.log10(1 / 0.04))
    assert out["all"]["mse"] == pytest.approx(0.02)
    assert out["layover"]["pixels"] == 0 and math.isnan(out["layover"]["mse"])
    assert out["undistorted"]["pixels"] + out["shadow"]["pixels"] == 40 * 40 - 25
    assert out["shadow"]["ssim"] < out["undistorted"]["ssim"] <= 1.0
    # NaN (no data) pixels are left out, and the windows around them too.
    y2 = y.copy()
    y2[0, 30, 30] = np.nan
    s, defined = tm.ssim_map(y2[0], x[0], 1.0)
    assert not defined[25:36, 25:36].any() and defined[20, 10]


def test_distortion_classes_from_terrain_bits():
    lay, sha, fore = terrain.LAYOVER, terrain.SHADOW, terrain.FORESHORTENING
    bits = np.array([0, fore, sha, lay, lay | sha, sha | fore], np.uint8)
    valid = np.array([True, True, True, True, True, False])
    expected = [tm.UNDISTORTED, tm.FORESHORTENING, tm.SHADOW, tm.LAYOVER, tm.LAYOVER, tm.NODATA]
    np.testing.assert_array_equal(tm.distortion_classes(bits, valid), expected)


def test_wiener_deconvolution_recovers_a_gaussian_blur():
    x = textured(64, 7)
    blurred = ndimage.gaussian_filter(x, 1.5, mode="reflect", truncate=6.0)
    restored = contrast.wiener_deconvolve(blurred, sigma=1.5, noise_to_signal=1e-4)
    err_blur = tm.mse(blurred, x)
    err_restored = tm.mse(restored, x)
    assert err_restored < 0.25 * err_blur
    assert tm.ssim(restored, x, 1.0) > tm.ssim(blurred, x, 1.0)
    # K -> 0 tends to the exact inverse filter of the same (mirrored-edge) blur.
    assert tm.mse(contrast.wiener_deconvolve(blurred, 1.5, 1e-8), x) < 0.05 * err_blur
    # With noise (s.d. 0.01) a K matched to it still restores better than the blurred image.
    noisy = blurred + 0.01 * np.random.default_rng(0).standard_normal(x.shape)
    assert tm.mse(contrast.wiener_deconvolve(noisy, 1.5, 1e-2), x) < 0.7 * tm.mse(noisy, x)
    # Noise-to-signal ratio regularises: a huge K returns a dimmed, unsharpened image.
    assert tm.mse(contrast.wiener_deconvolve(blurred, 1.5, 1e3), x) > err_blur


def test_laplacian_sharpening_and_nodata():
    ramp = np.add.outer(np.arange(16.0), 2 * np.arange(16.0))  # Laplacian 0 on a plane
    np.testing.assert_allclose(contrast.laplacian_sharpen(ramp, 1.0)[1:-1, 1:-1], ramp[1:-1, 1:-1], atol=1e-4)
    step = np.zeros((8, 8))
    step[:, 4:] = 1.0
    out = contrast.laplacian_sharpen(step, 0.5)
    assert out[3, 3] == pytest.approx(-0.5) and out[3, 4] == pytest.approx(1.5)  # overshoot at the edge
    img = np.stack([textured(16, 8), textured(16, 9)])
    img[1, 3, 3] = np.nan
    for method in ("laplacian", "wiener"):
        res = contrast.enhance(img, method)
        assert res.shape == img.shape and np.isnan(res[1, 3, 3]) and np.isfinite(res[0]).all()
    np.testing.assert_array_equal(contrast.enhance(img, "none"), img.astype(np.float32))
    with pytest.raises(ValueError, match="laplacian"):
        contrast.enhance(img, "unsharp")
