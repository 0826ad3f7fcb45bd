"""Refined Lee filter (core/speckle/refined_lee.py): statistics, edges, no data, tiling."""
import numpy as np
import pytest

from sar_change.core.speckle import basic, registry
from sar_change.core.speckle.enl import enl
from sar_change.core.speckle.refined_lee import MARGIN, refined_lee

from helpers import gamma_speckle, structured_scene

DY, DX = np.mgrid[-3:4, -3:4]
# Half windows in the module's numbering: 2 * direction + side.
HALF_WINDOWS = [DX <= 0, DX >= 0, DX >= DY, DX <= DY, DY <= 0, DY >= 0, DX + DY <= 0, DX + DY >= 0]
# Outer sub-windows (row, column in the 3 x 3 mean array) compared with the centre, per direction.
PAIRS = [((1, 0), (1, 2)), ((0, 2), (2, 0)), ((0, 1), (2, 1)), ((0, 0), (2, 2))]


def mmse(sel, centre, noise_var):
    mean = sel.mean()
    var = sel.var(ddof=1) if sel.size > 1 else 0.0
    var_x = max((var - mean**2 * noise_var) / (1 + noise_var), 0.0)
    return mean + (var_x / var if var > 0 else 0.0) * (centre - mean)


def reference_pixel(win, looks, edge_masks=True):
    """Direct float64 Refined Lee of the centre of a full 7 x 7 window; also flags near ties."""
    m = np.array([[win[2 * a:2 * a + 3, 2 * b:2 * b + 3].mean() for b in range(3)] for a in range(3)])
    if edge_masks:
        grads = [m[:, 2].sum() - m[:, 0].sum(),
                 (m[0, 1] + m[0, 2] + m[1, 2]) - (m[1, 0] + m[2, 0] + m[2, 1]),
                 m[2].sum() - m[0].sum(),
                 (m[0, 0] + m[0, 1] + m[1, 0]) - (m[1, 2] + m[2, 1] + m[2, 2])]
    else:
        grads = [m[p] - m[q] for p, q in PAIRS]
    grads = np.abs(grads)
    d = int(np.argmax(grads))
    top2 = np.sort(grads)[-2:]
    p, q = PAIRS[d]
    dp, dq = abs(m[p] - m[1, 1]), abs(m[q] - m[1, 1])
    near_tie = top2[1] - top2[0] < 1e-4 * top2[1] or abs(dp - dq) < 1e-4 * max(dp, dq)
    sel = win[HALF_WINDOWS[2 * d + (0 if dp < dq else 1)]]
    assert sel.size == 28
    return mmse(sel, win[3, 3], 1.0 / looks), near_tie


@pytest.mark.parametrize("edge_masks", [True, False])
def test_matches_direct_computation_everywhere(edge_masks):
    n, looks = 36, 2
    y, x = np.mgrid[0:n, 0:n]
    scene = np.where(x + 0.6 * y < 30, 1.0, 5.0) * np.where((y - 22) ** 2 + (x - 9) ** 2 < 30, 0.2, 1.0)
    img = (scene * gamma_speckle((n, n), looks, seed=21)).astype(np.float32)
    out = refined_lee(img, looks, edge_masks=edge_masks)
    checked = 0
    for i in range(3, n - 3):
        for j in range(3, n - 3):
            win = img[i - 3:i + 4, j - 3:j + 4].astype(np.float64)
            ref, near_tie = reference_pixel(win, looks, edge_masks)
            if near_tie:
                continue
            assert out[i, j] == pytest.approx(ref, rel=1e-4, abs=1e-6), (i, j)
            checked += 1
    assert checked > 850  # of 900 interior pixels


def test_incomplete_window_uses_mmse_on_its_valid_pixels():
    looks = 3
    img = structured_scene(24, looks=looks, seed=22)
    img[10, 12] = np.nan
    out = refined_lee(img, looks)
    padded = np.pad(img.astype(np.float64), 3, constant_values=np.nan)
    for i, j in [(0, 0), (1, 10), (23, 5), (9, 12), (12, 14), (13, 9)]:
        win = padded[i:i + 7, j:j + 7]
        ref = mmse(win[np.isfinite(win)], img[i, j], 1.0 / looks)
        assert out[i, j] == pytest.approx(ref, rel=1e-5), (i, j)


@pytest.mark.parametrize("looks, tol", [(4, 0.01), (1, 0.03)])
def test_mean_preserved_on_homogeneous_speckle(looks, tol):
    img = gamma_speckle((256, 256), looks, seed=23)
    out = refined_lee(img, looks)
    # Sampling error of the mean ~0.004 / sqrt(L); choosing the half window whose outer
    # sub-window is closer to the centre drops bright outliers more often (gamma skew),
    # a known low bias of ~2 % at L = 1 (SNAP's filter has it too).
    assert abs(out.mean() - 1.0) < tol, out.mean()


def test_enl_increases():
    looks = 2
    img = gamma_speckle((256, 256), looks, seed=24)
    out = refined_lee(img, looks)
    assert enl(img[8:-8, 8:-8]) == pytest.approx(looks, rel=0.05)
    # 28-pixel windows: close to 28 L on pure speckle, reduced by the MMSE weight and selection.
    assert enl(out[8:-8, 8:-8]) > 10 * looks


def test_constant_image_is_unchanged():
    img = np.full((20, 20), 2.5, np.float32)
    np.testing.assert_array_equal(refined_lee(img, 1), img)


def test_step_edge_preserved_better_than_boxcar():
    n, looks = 96, 4
    truth = np.where(np.arange(n)[None, :] < n // 2, 1.0, 8.0) * np.ones((n, 1))
    img = (truth * gamma_speckle((n, n), looks, seed=25)).astype(np.float32)
    cols = slice(n // 2 - 3, n // 2 + 3)  # 3 columns each side of the edge
    rl, box = refined_lee(img, looks), basic.boxcar(img, 7)

    def profile_error(est):  # worst relative error of the column means next to the edge
        return float(np.max(np.abs(est[8:-8, cols].mean(axis=0) / truth[0, cols] - 1)))

    def rmse(est):
        return float(np.sqrt(np.mean((est[8:-8, cols] - truth[8:-8, cols]) ** 2)))

    # The boxcar blurs the step (column next to it: (4 * 1 + 3 * 8) / 7 = 4, +300 %);
    # Refined Lee picks the half window on the pixel's own side.
    assert profile_error(box) > 1.0
    assert profile_error(rl) < 0.1, profile_error(rl)
    assert rmse(rl) < 0.6 * rmse(box), (rmse(rl), rmse(box))


def test_nodata_stays_nodata_and_never_leaks():
    img = structured_scene(64, looks=2, seed=26)
    holed = img.copy()
    holed[20:26, 30:37] = np.nan
    out, ref = refined_lee(holed, 2), refined_lee(img, 2)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(holed))
    # Pixels whose 7 x 7 window misses the hole are unchanged, bit for bit.
    far = np.ones(img.shape, bool)
    far[20 - MARGIN:26 + MARGIN, 30 - MARGIN:37 + MARGIN] = False
    np.testing.assert_array_equal(out[far], ref[far])
    # Pixels next to the hole are finite.
    assert np.isfinite(out[19, 30:37]).all() and np.isfinite(out[20:26, 37]).all()


def test_all_nodata_and_tiny_inputs():
    assert np.isnan(refined_lee(np.full((5, 5), np.nan, np.float32))).all()
    tiny = gamma_speckle((2, 3), 1, seed=1)
    out = refined_lee(tiny, 1)
    assert out.shape == (2, 3) and out.dtype == np.float32 and np.isfinite(out).all()


@pytest.mark.parametrize("edge_masks", [True, False])
def test_crop_invariance_bit_for_bit(edge_masks):
    m = registry.margin(registry.FilterParams(method=registry.REFINED_LEE))
    assert m == MARGIN == 3
    img = structured_scene(150, looks=2, seed=27)
    img[50:53, 60:64] = np.nan
    full = refined_lee(img, 2, edge_masks=edge_masks)
    for y0, y1, x0, x1 in [(30, 140, 25, 110), (3, 77, 70, 147), (64, 65, 3, 147)]:
        crop = refined_lee(img[y0 - m:y1 + m, x0 - m:x1 + m], 2, edge_masks=edge_masks)
        np.testing.assert_array_equal(full[y0:y1, x0:x1], crop[m:m + y1 - y0, m:m + x1 - x0])


def test_float64_input_and_bad_looks():
    img = structured_scene(30, looks=1, seed=28)
    np.testing.assert_array_equal(refined_lee(img.astype(np.float64), 1), refined_lee(img, 1))
    assert refined_lee(img, 1).dtype == np.float32
    with pytest.raises(ValueError, match="looks"):
        refined_lee(img, 0)
