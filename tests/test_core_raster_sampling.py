"""Bounded samples of whole rasters (core.engine.raster_sampling): which pixels they hold."""
import warnings

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.engine import raster_sampling as rs


def _block_index_raster(path, xs, ys, options, block):
    """A raster whose pixels hold the index of the ``block`` x ``block`` cell they lie in (row-major)."""
    cols = np.arange(xs) // block[0]
    rows = np.arange(ys) // block[1]
    values = (rows[:, None] * (-(-xs // block[0])) + cols[None, :]).astype(np.float32)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), xs, ys, 1, gdal.GDT_Float32, options)
    ds.GetRasterBand(1).WriteArray(values)
    ds.GetRasterBand(1).SetNoDataValue(-1.0)
    ds = None
    return values


def test_block_sample_reads_whole_tiles_spread_over_the_raster(tmp_path):
    # 64 x 48 tiles of 32 px: the sample takes at most 64 tiles, on a 7 x 9 grid shaped like the raster
    # (7 = round(sqrt(64 * 48 / 64))), the corner tiles included.
    path = tmp_path / "tiles.tif"
    _block_index_raster(path, 2048, 1536, ["TILED=YES", "BLOCKXSIZE=32", "BLOCKYSIZE=32"], (32, 32))
    ds = gdal.Open(str(path))
    assert ds.GetRasterBand(1).GetBlockSize() == [32, 32]
    sample = rs.block_sample(ds, 1, 64 * 1024)
    tiles = set(np.unique(sample).astype(int))
    assert len(tiles) == 63 <= rs.BLOCK_SAMPLE_BLOCKS
    assert {0, 63, 47 * 64, 47 * 64 + 63} <= tiles  # the four corner tiles
    assert sample.size == 63 * 32 * 32  # whole tiles within the budget
    rows, cols = np.divmod(np.array(sorted(tiles)), 64)
    assert len(np.unique(rows)) == 7 and len(np.unique(cols)) == 9


def test_block_sample_of_a_strip_file_reads_rows_and_keeps_no_data(tmp_path):
    path = tmp_path / "strips.tif"
    values = _block_index_raster(path, 1500, 2000, [], (1500, 1))  # one row per strip: value = row
    ds = gdal.Open(str(path), gdal.GA_Update)
    ds.GetRasterBand(1).WriteArray(np.full((1, 1500), -1.0, np.float32), 0, 0)  # row 0 is no data
    ds = None
    ds = gdal.Open(str(path))
    assert ds.GetRasterBand(1).GetBlockSize()[1] <= 8
    sample = rs.block_sample(ds, 1, 100_000)
    finite = sample[np.isfinite(sample)]
    assert np.isnan(sample).sum() == sample.size - finite.size > 0  # row 0 sampled, as NaN
    assert finite.min() > 0 and finite.max() == values.max()  # down to the last row
    assert sample.size == rs.BLOCK_SAMPLE_BLOCKS * 1500  # 64 whole rows


def test_block_sample_of_a_mid_size_tiled_raster_reads_a_quarter_of_its_tiles(tmp_path):
    # 16 x 16 tiles of 64 px (a 4096^2 scene has 16 x 16 GeoTIFF tiles of 256 px): 64 of the 256 tiles,
    # on an 8 x 8 grid, instead of a decimated read that decompresses every tile.
    path = tmp_path / "mid.tif"
    _block_index_raster(path, 1024, 1024, ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"], (64, 64))
    sample = rs.block_sample(gdal.Open(str(path)), 1)
    tiles = set(np.unique(sample).astype(int))
    assert len(tiles) == rs.BLOCK_SAMPLE_BLOCKS == 64
    assert {0, 15, 240, 255} <= tiles  # the four corner tiles
    assert sample.size == 64 * 64 * 64  # whole tiles within the budget
    # Smaller requests stride the cached sample (the tiles are read once per band, whatever the budgets).
    for max_pixels in (250_000, 10_000):
        small = rs.block_sample(gdal.Open(str(path)), 1, max_pixels)
        stride = -(-sample.size // max_pixels)
        assert small.size <= max_pixels
        np.testing.assert_array_equal(small, sample[::stride])


def test_small_raster_sample_is_the_decimated_band(tmp_path):
    path = tmp_path / "small.tif"
    _block_index_raster(path, 300, 200, ["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"], (16, 16))
    ds = gdal.Open(str(path))
    np.testing.assert_array_equal(rs.block_sample(ds, 1), rs.decimated_band(ds, 1).ravel())
    assert rs.block_sample(ds, 1).size == 300 * 200


@pytest.mark.parametrize("max_pixels", [250_000, 40_000])
def test_decimated_band_smaller_requests_stride_the_cached_sample(tmp_path, max_pixels):
    path = tmp_path / "big.tif"
    _block_index_raster(path, 2000, 1000, ["TILED=YES"], (1, 1))  # value = row * 2000 + col
    ds = gdal.Open(str(path))
    full = rs.decimated_band(ds, 1)
    assert full.size <= rs.SCALE_SAMPLE_PIXELS
    small = rs.decimated_band(ds, 1, max_pixels)
    assert small.size <= max_pixels
    stride = 3 if max_pixels == 250_000 else 6  # the smallest strides that fit 707 x 1414 in the budget
    np.testing.assert_array_equal(small, full[::stride, ::stride])


def test_complex_band_sample_is_its_magnitude_without_a_complex_warning(tmp_path):
    # An SLC band: the sample is |z| (3-4i -> 5), no data where the real part is the no-data value
    # (GDAL's mask of a complex band: 0+5i is no data) or a part is not finite; the content check
    # then sees a valid, non-constant band without numpy's ComplexWarning.
    z = np.array([[3 - 4j, 0 + 5j, 1 + 0j, np.nan + 1j], [0 + 0j, 6 + 8j, 1j * np.inf, 2 + 0j]], np.complex64)
    path = tmp_path / "slc.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 4, 2, 1, gdal.GDT_CFloat32)
    ds.GetRasterBand(1).WriteArray(z)
    ds.GetRasterBand(1).SetNoDataValue(0.0)
    ds = None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sample = rs.block_sample(gdal.Open(str(path)), 1)
        rs.check_input_content(str(path), allow_constant=False)
    assert sample.dtype == np.float32
    np.testing.assert_array_equal(sample, [5, np.nan, 1, np.nan, np.nan, 10, np.nan, 2])


def test_band_range_reads_under_the_engine_gdal_cache_cap(tmp_path, monkeypatch):
    # Every block is read with GDAL's cache capped at SAR_CHANGE_GDAL_CACHE_MB (as in the block engine);
    # the user's cap is back afterwards; the range and valid share are exact.
    path = tmp_path / "range.tif"
    values = _block_index_raster(path, 300, 200, [], (300, 1))  # 0 .. 199, row by row
    ds = gdal.Open(str(path), gdal.GA_Update)
    ds.GetRasterBand(1).WriteArray(np.full((1, 300), -1.0, np.float32))  # row 0: no data
    ds = None
    monkeypatch.setenv("SAR_CHANGE_GDAL_CACHE_MB", "32")
    caps, read_block = [], rs.read_block

    def recording_read(*args):
        caps.append(gdal.GetCacheMax())
        return read_block(*args)

    monkeypatch.setattr(rs, "read_block", recording_read)
    saved = gdal.GetCacheMax()
    gdal.SetCacheMax(512 * 2 ** 20)
    try:
        lo, hi, valid = rs.band_range(str(path), 1)
        assert gdal.GetCacheMax() == 512 * 2 ** 20
    finally:
        gdal.SetCacheMax(saved)
    assert caps and set(caps) == {32 * 2 ** 20}
    assert (lo, hi, valid) == (1.0, float(values.max()), 199 / 200)
