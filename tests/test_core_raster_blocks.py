"""Block engine: tiled == untiled bit for bit, metadata kept, no partial files."""
import hashlib
import os

import numpy as np
import pytest
from osgeo import gdal, osr

from sar_change.core.engine import raster_blocks as rb
from sar_change.core.speckle import registry

from helpers import structured_scene, write_raster

NODATA = -99.0


def make_raster(path, bands, nodata=NODATA, epsg=32631):
    """Write a GeoTIFF with a projected CRS, a geotransform, descriptions and no data."""
    return write_raster(path, bands, (600000.0, 20.0, 0.0, 4800000.0, 0.0, -20.0), epsg, nodata,
                        [f"band{i + 1}" for i in range(len(bands))])


def digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def scene(tmp_path):
    a = structured_scene(150, looks=2, seed=1)
    b = structured_scene(150, looks=2, seed=2)
    a[40:47, 70:90] = NODATA
    b[0:5, :] = NODATA
    return make_raster(tmp_path / "in.tif", [a, b])


def test_block_windows_cover_the_image_once():
    wins = rb.block_windows(101, 57, block=32, margin=3)
    cover = np.zeros((57, 101), int)
    for w in wins:
        x, y, cw, ch = w.core
        cover[y:y + ch, x:x + cw] += 1
        rx, ry, rw, rh = w.read
        assert rx >= 0 and ry >= 0 and rx + rw <= 101 and ry + rh <= 57
        assert rx <= max(x - 3, 0) and rx + rw >= min(x + cw + 3, 101)
    assert (cover == 1).all()


@pytest.mark.parametrize("method", registry.METHODS)
def test_tiled_equals_untiled_bit_for_bit(tmp_path, scene, method):
    func, margin = registry.make_block_function(registry.FilterParams(method=method, looks=2))
    whole = rb.filter_raster(scene, tmp_path / "whole.tif", func, margin, block=4096, threads=1)
    tiled = rb.filter_raster(scene, tmp_path / "tiled.tif", func, margin, block=37, threads=2)
    for band in (1, 2):
        a, b = rb.read_array(whole, band), rb.read_array(tiled, band)
        np.testing.assert_array_equal(a, b)
        assert np.isfinite(a).sum() > 0.9 * a.size


def test_output_keeps_grid_crs_nodata_and_descriptions(tmp_path, scene):
    func, margin = registry.make_block_function(registry.FilterParams(method=registry.LEE))
    out = rb.filter_raster(scene, tmp_path / "out.tif", func, margin, block=64)
    src, dst = rb.read_info(scene), rb.read_info(out)
    assert (dst.xsize, dst.ysize, dst.bands) == (src.xsize, src.ysize, src.bands)
    assert dst.geotransform == src.geotransform
    assert osr.SpatialReference(wkt=dst.projection).IsSame(osr.SpatialReference(wkt=src.projection))
    assert dst.nodata == (NODATA, NODATA)
    assert dst.descriptions == ("band1", "band2")
    ds = gdal.Open(out)
    assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") in ("ZSTD", "DEFLATE")
    assert ds.GetRasterBand(1).GetBlockSize() == [rb.GTIFF_TILE, rb.GTIFF_TILE]
    raw = ds.GetRasterBand(1).ReadAsArray()
    src_ds = gdal.Open(scene)  # keep the dataset alive while its band is used
    inp = src_ds.GetRasterBand(1).ReadAsArray()
    np.testing.assert_array_equal(raw == NODATA, inp == NODATA)
    assert np.isfinite(raw).all()


def test_value_under_nodata_does_not_leak(tmp_path):
    a = structured_scene(60, looks=2, seed=3)
    b = a.copy()
    a[20:30, 20:30] = NODATA
    b[20:30, 20:30] = NODATA
    b[25, 25] = 1e6  # not no data: a real bright pixel inside the hole changes neighbours...
    func, margin = registry.make_block_function(registry.FilterParams(method=registry.LEE))
    out_a = rb.read_array(rb.filter_raster(make_raster(tmp_path / "a.tif", [a]), tmp_path / "oa.tif",
                                           func, margin))
    out_b = rb.read_array(rb.filter_raster(make_raster(tmp_path / "b.tif", [b]), tmp_path / "ob.tif",
                                           func, margin))
    assert not np.array_equal(out_a[22:29, 22:29], out_b[22:29, 22:29])
    # ...while pixels declared no data are invisible: results outside the hole agree.
    c = a.copy()
    c[20:30, 20:30] = NODATA
    out_c = rb.read_array(rb.filter_raster(make_raster(tmp_path / "c.tif", [c]), tmp_path / "oc.tif",
                                           func, margin))
    np.testing.assert_array_equal(out_a, out_c)
    assert np.isnan(out_a[20:30, 20:30]).all() and np.isfinite(out_a[19, 20:30]).all()


def test_input_is_not_modified(tmp_path, scene):
    before, mtime = digest(scene), os.path.getmtime(scene)
    func, margin = registry.make_block_function(registry.FilterParams(method=registry.FROST))
    rb.filter_raster(scene, tmp_path / "out.tif", func, margin, block=50)
    assert digest(scene) == before and os.path.getmtime(scene) == mtime


def test_cancel_stops_within_one_block_and_leaves_nothing(tmp_path, scene):
    calls = []

    def func(block):
        calls.append(1)
        return block

    progress = []
    with pytest.raises(rb.Cancelled):
        rb.filter_raster(scene, tmp_path / "out.tif", func, 0, block=16, threads=1,
                         progress=progress.append, is_canceled=lambda: len(progress) >= 2)
    n_jobs = len(rb.block_windows(150, 150, 16)) * 2
    assert len(calls) < 2 + 2 * 2 + 2 < n_jobs  # in flight when asked, then stops
    assert sorted(os.listdir(tmp_path)) == ["in.tif"]


def test_failure_in_the_function_leaves_no_partial_output(tmp_path, scene):
    def func(block):
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        rb.filter_raster(scene, tmp_path / "out.tif", func, 0, block=64)
    assert sorted(os.listdir(tmp_path)) == ["in.tif"]


def test_existing_output_is_replaced_only_on_success(tmp_path, scene):
    out = tmp_path / "out.tif"
    out.write_bytes(b"old")
    with pytest.raises(ZeroDivisionError):
        rb.filter_raster(scene, out, lambda b: 1 / 0, 0)
    assert out.read_bytes() == b"old"
    rb.filter_raster(scene, out, lambda b: b, 0)
    np.testing.assert_array_equal(rb.read_array(out, 2), rb.read_array(scene, 2))


def test_bad_inputs_give_clear_errors(tmp_path, scene):
    with pytest.raises(rb.RasterError, match="cannot open"):
        rb.read_info(tmp_path / "missing.tif")
    (tmp_path / "text.tif").write_text("not a raster")
    with pytest.raises(rb.RasterError):
        rb.read_info(tmp_path / "text.tif")
    with pytest.raises(rb.RasterError, match="band 3 does not exist"):
        rb.filter_raster(scene, tmp_path / "o.tif", lambda b: b, 0, bands=[3])
    with pytest.raises(rb.RasterError, match="shape"):
        rb.filter_raster(scene, tmp_path / "o.tif", lambda b: b[1:], 0)


def test_map_raster_combines_two_stacked_rasters(tmp_path):
    a = structured_scene(90, looks=2, seed=5)
    b = structured_scene(90, looks=2, seed=6)
    a[10:15, 10:15] = NODATA
    pa = make_raster(tmp_path / "a.tif", [a, a * 2])
    pb = make_raster(tmp_path / "b.tif", [b])
    vrt = rb.stack_vrt([pa, pb])
    try:
        info = rb.read_info(vrt)
        assert info.bands == 3 and info.descriptions == ("band1", "band2", "band1")
        out = rb.map_raster(vrt, tmp_path / "ratio.tif", lambda x: (x[2] / x[0])[None], 0, 1, block=33,
                            descriptions=["ratio"])
    finally:
        gdal.Unlink(vrt)
    got = rb.read_array(out)
    expected = np.where(a == NODATA, np.nan, b / a).astype(np.float32)
    np.testing.assert_array_equal(got, expected)
    assert rb.read_info(out).descriptions == ("ratio",)


def test_prepare_runs_on_the_reader_thread_before_the_block_function(tmp_path, scene):
    import threading

    seen = {"prepare": set(), "func": set()}

    def prepare(data):
        seen["prepare"].add(threading.current_thread().name)
        return np.log10(data)  # a unit conversion of the block as read (NaN no data stays NaN)

    def func(data):
        seen["func"].add(threading.current_thread().name)
        return data * 10.0

    out = rb.map_raster_outputs(scene, [rb.OutputRaster(tmp_path / "db.tif", 2)], func, 2, block=37,
                                threads=1, prepare=prepare)[0]
    for band in (1, 2):
        raw = rb.read_array(scene, band)
        expected = np.where(raw == NODATA, np.nan, 10.0 * np.log10(raw)).astype(np.float32)
        np.testing.assert_array_equal(rb.read_array(out, band), expected)
    assert seen["prepare"] == {"sar_change-block-reader"}
    assert "sar_change-block-reader" not in seen["func"]


def test_stack_vrt_refuses_rasters_on_different_grids(tmp_path):
    pa = make_raster(tmp_path / "a.tif", [np.ones((20, 20))])
    pb = make_raster(tmp_path / "b.tif", [np.ones((20, 21))])
    with pytest.raises(rb.RasterError, match="coregister"):
        rb.stack_vrt([pa, pb])


def test_gdal_cache_is_capped_during_a_run_and_restored(tmp_path, scene):
    before = gdal.GetCacheMax()
    gdal.SetCacheMax(2 ** 30)
    seen = []

    def func(a):
        seen.append(gdal.GetCacheMax())
        return a

    try:
        rb.filter_raster(scene, tmp_path / "out.tif", func, 0, block=64)
        assert set(seen) == {rb.DEFAULT_GDAL_CACHE_MB * 2 ** 20}
        assert gdal.GetCacheMax() == 2 ** 30
        with rb.gdal_cache_budget(64):
            with rb.gdal_cache_budget(128):  # nested: one budget, restored by the last one out
                assert gdal.GetCacheMax() == 64 * 2 ** 20
            assert gdal.GetCacheMax() == 64 * 2 ** 20
        assert gdal.GetCacheMax() == 2 ** 30
        gdal.SetCacheMax(32 * 2 ** 20)  # a lower cap set by the user is kept
        with rb.gdal_cache_budget():
            assert gdal.GetCacheMax() == 32 * 2 ** 20
    finally:
        gdal.SetCacheMax(before)


def test_translated_output_copies_under_the_cache_cap_and_leaves_nothing_on_failure(tmp_path, scene):
    before = gdal.GetCacheMax()
    gdal.SetCacheMax(2 ** 30)
    try:
        dst = tmp_path / "band2.tif"
        with rb.translated_output(scene, dst, ["second"], bands=1, bandList=[2]) as tmp:
            assert gdal.GetCacheMax() == rb.DEFAULT_GDAL_CACHE_MB * 2 ** 20  # the body too runs capped
            assert not dst.exists() and os.path.exists(tmp)
        assert gdal.GetCacheMax() == 2 ** 30
        out, src = gdal.Open(str(dst)), gdal.Open(scene)
        np.testing.assert_array_equal(out.GetRasterBand(1).ReadAsArray(), src.GetRasterBand(2).ReadAsArray())
        assert out.GetRasterBand(1).GetDescription() == "second"
        out = src = None
        failed = tmp_path / "failed.tif"
        with pytest.raises(ValueError, match="body failed"):
            with rb.translated_output(scene, failed):
                raise ValueError("body failed")
        with pytest.raises(rb.OutputError, match="expected 3"):  # the band count is checked before the rename
            rb.translate_output(scene, failed, bands=3)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["band2.tif", "in.tif"]
    finally:
        gdal.SetCacheMax(before)


def test_stream_blocks_keeps_order_bounds_the_queue_and_raises_errors():
    import threading
    import time

    in_flight, peak, lock = [0], [0], threading.Lock()

    def read(job):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        return job

    def compute(job, data):
        time.sleep(0.002 * (job % 3))  # out-of-order completion
        return data * 10

    written = []

    def write(job, result):
        written.append(result)
        with lock:
            in_flight[0] -= 1

    rb.stream_blocks(list(range(40)), read, compute, write, threads=2, depth=3)
    assert written == [10 * j for j in range(40)]
    assert peak[0] <= 3 + 2  # queue depth + the one being handed + the one being written

    def failing(job, data):
        if job == 5:
            raise ValueError("block 5")
        return data

    with pytest.raises(ValueError, match="block 5"):
        rb.stream_blocks(list(range(40)), lambda j: j, failing, lambda j, r: None)
    with pytest.raises(rb.Cancelled):
        rb.stream_blocks(list(range(40)), lambda j: j, lambda j, d: d, lambda j, r: None,
                         is_canceled=lambda: True)
