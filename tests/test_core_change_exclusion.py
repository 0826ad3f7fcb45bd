"""Exclusion mask of the unsupervised change chains (core.change.exclusion): off = no mask, excluded = 0."""
import numpy as np
import pytest
from test_core_unsupervised_change import GEOTRANSFORM, kappa, speckled_pair

from sar_change.core.change import exclusion
from sar_change.core.change import unsupervised as us
from sar_change.core.change import unsupervised_raster as ur
from sar_change.core.engine.raster_blocks import read_array

from helpers import gamma_speckle, write_raster


def water_pair(shape=(120, 140), looks=2, seed=0, wind_db=6.0):
    """Land at -8 dB with a lake at -22 dB whose backscatter rises by ``wind_db`` on date 2 (wind), and a
    flooded rectangle (land -> -22 dB); (p1, p2, truth of the flood, lake mask as float32 0 / 1)."""
    rows, cols = shape
    yy, xx = np.mgrid[0:rows, 0:cols]
    lake = (yy > 60) & (xx > 70)
    flood = (yy > 15) & (yy < 35) & (xx > 20) & (xx < 45)
    before = np.where(lake, 10 ** (-22 / 10), 10 ** (-8 / 10))
    after = np.where(lake, 10 ** ((-22 + wind_db) / 10), 10 ** (-8 / 10))
    after[flood] = 10 ** (-22 / 10)
    p1 = (before * gamma_speckle(shape, looks, seed)).astype(np.float32)
    p2 = (after * gamma_speckle(shape, looks, seed + 1)).astype(np.float32)
    return p1, p2, flood.astype(np.uint8), lake.astype(np.float32)


def test_excluded_helpers():
    mask = np.array([[0, 1, np.nan], [2, -1, 0]], np.float32)
    np.testing.assert_array_equal(exclusion.excluded(mask), [[False, True, False], [True, True, False]])
    p1 = np.ones((2, 3), np.float32)
    p1[0, 1] = np.nan
    p2 = np.ones((2, 3), np.float32)
    a, b = exclusion.masked_pair(p1, p2, mask)
    assert np.isnan(a).sum() == 3 and np.isnan(b).sum() == 3 and np.isnan(p2).sum() == 0  # input kept
    labels = np.array([[1, 255, 1], [255, 255, 1]], np.uint8)
    np.testing.assert_array_equal(exclusion.finish(labels, p1, p2, mask), [[1, 255, 1], [0, 0, 1]])
    assert exclusion.count(p1, p2, mask) == 2
    zeros = np.zeros((2, 3), np.float32)
    assert exclusion.masked_pair(p1, p2, zeros)[0] is p1


@pytest.mark.parametrize("shape_seed", [((96, 112), 0), ((90, 100), 5)])
def test_a_mask_of_zeros_is_no_mask_bit_for_bit(shape_seed):
    shape, seed = shape_seed
    p1, p2, _ = speckled_pair(shape, looks=2, seed=seed)
    if seed:  # a pair without change: the guard falls back (multi-scale fences, MRF)
        p2 = (p1.mean() * gamma_speckle(shape, 2, seed + 7)).astype(np.float32)
    p1[:4, :6] = np.nan
    plain, fitted = us.detect(p1, p2)
    masked, fitted_masked = us.detect(p1, p2, exclude=np.zeros(shape, np.float32))
    np.testing.assert_array_equal(masked, plain)
    assert fitted_masked.guard == fitted.guard and fitted.guard.fallback == bool(seed)


def test_excluded_pixels_are_unchanged_and_left_out_of_the_fit(tmp_path):
    p1, p2, truth, lake = water_pair()
    p1[:3, :5] = np.nan
    lake[:2, :2] = 1.0  # excluded and no data: stays no data
    plain, fitted = us.detect(p1, p2)
    mask, fitted_masked = us.detect(p1, p2, exclude=lake)
    assert (mask[lake == 1][np.isfinite(p1[lake == 1])] == 0).all() and (mask[:3, :5] == 255).all()
    # without the mask the wind-roughened lake (6 dB) is called changed; with it the fit sees the flood only
    assert np.mean(plain[lake == 1] == 1) > 0.9  # measured 0.995
    assert kappa(plain, truth) < 0.2 and kappa(mask, truth) > 0.9  # measured 0.146 -> 0.932
    assert fitted_masked.offset_db != fitted.offset_db
    # streamed by 48 px blocks with the mask as a third band == whole pair in memory, counts reported
    a = write_raster(tmp_path / "a.tif", np.nan_to_num(p1, nan=-1.0), GEOTRANSFORM, nodata=-1.0)
    b = write_raster(tmp_path / "b.tif", p2, GEOTRANSFORM)
    m = write_raster(tmp_path / "m.tif", lake, GEOTRANSFORM)
    _, counts = ur.detect_rasters(a, b, tmp_path / "out.tif", block=48, exclude=m, dst_di=tmp_path / "di.tif")
    tiled = read_array(tmp_path / "out.tif")
    np.testing.assert_array_equal(np.where(np.isnan(tiled), 255, tiled).astype(np.uint8), mask)
    assert counts["excluded"] == exclusion.count(p1, p2, lake) == 59 * 69
    assert counts["nodata"] == 15 and counts["changed"] == int(np.count_nonzero(mask == 1))
    assert np.isnan(read_array(tmp_path / "di.tif")[lake == 1]).all()


def test_tiled_equals_whole_with_a_mask_when_the_guard_falls_back(tmp_path):
    shape = (130, 150)
    p1 = gamma_speckle(shape, 2, 11)
    p2 = gamma_speckle(shape, 2, 12)
    p2[40:70, 30:80] *= 1.6  # a faint change (2 dB) the guard leaves to its multi-scale fallback
    exclude = np.zeros(shape, np.float32)
    exclude[90:, 100:] = 5.0
    whole, fitted = us.detect(p1, p2, exclude=exclude)
    assert fitted.guard.fallback and fitted.coarse is not None
    a = write_raster(tmp_path / "a.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", p2, GEOTRANSFORM)
    m = write_raster(tmp_path / "m.tif", exclude, GEOTRANSFORM)
    _, counts = ur.detect_rasters(a, b, tmp_path / "out.tif", block=64, exclude=m)
    np.testing.assert_array_equal(read_array(tmp_path / "out.tif").astype(np.uint8), whole)
    assert counts["excluded"] == 40 * 50 and (whole[90:, 100:] == 0).all()


def test_a_mask_that_leaves_nothing_is_refused(tmp_path):
    p1, p2, _ = speckled_pair((40, 50), looks=2)
    a = write_raster(tmp_path / "a.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", p2, GEOTRANSFORM)
    m = write_raster(tmp_path / "m.tif", np.ones((40, 50), np.float32), GEOTRANSFORM)
    with pytest.raises(ValueError, match="exclusion mask leaves no pixel"):
        ur.detect_rasters(a, b, tmp_path / "out.tif", exclude=m)
