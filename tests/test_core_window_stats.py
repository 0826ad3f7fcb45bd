import numpy as np
import pytest

from sar_change.core.engine import window_stats as ws

from helpers import brute_window, gamma_speckle


@pytest.mark.parametrize("size", [1, 3, 5, 7, 9])
def test_box_sum_matches_brute_force(size):
    img = gamma_speckle((23, 31), 2, seed=size)
    ref = brute_window(img, size, np.sum)
    np.testing.assert_allclose(ws.box_sum(img, size), ref, rtol=2e-6)


def test_local_moments_with_nodata_match_brute_force():
    img = gamma_speckle((25, 20), 3, seed=4)
    img[5:9, 3:6] = np.nan
    img[0, :] = np.nan
    mean, var, count = ws.local_moments(img, 5)
    np.testing.assert_allclose(mean, brute_window(img, 5, np.mean), rtol=2e-6)
    ref_var = brute_window(img, 5, lambda v: v.var(ddof=1) if v.size > 1 else 0.0)
    np.testing.assert_allclose(var, ref_var, rtol=1e-4, atol=1e-6)
    np.testing.assert_array_equal(count, brute_window(img, 5, np.size))


def test_border_count_equals_valid_count_of_full_mask():
    shape = (17, 12)
    np.testing.assert_array_equal(ws.border_count(shape, 7),
                                  ws.valid_count(np.ones(shape, bool), 7))


def test_box_sum_is_crop_invariant_bit_for_bit():
    img = gamma_speckle((200, 180), 1, seed=5)
    full = ws.box_sum(img, 7)
    crop = ws.box_sum(img[37:140, 51:170], 7)
    np.testing.assert_array_equal(full[40:137, 54:167], crop[3:100, 3:116])


@pytest.mark.parametrize("size", [0, 2, -3, 4.5])
def test_bad_window_sizes_are_refused(size):
    with pytest.raises(ValueError, match="odd"):
        ws.check_window(size)
