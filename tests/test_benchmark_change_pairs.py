"""benchmarks/change_detection.py reads benchmark pairs stored as palette, colour, 1-bit or float images."""
import numpy as np
import pytest
from osgeo import gdal

from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module."""
    return load_benchmark("change_detection")


def _write(path, bands, driver="PNG", table=None, options=()):
    """Write ``bands`` (list of 2-D arrays) through a MEM copy (PNG / BMP have no Create)."""
    rows, cols = bands[0].shape
    kind = gdal.GDT_Float32 if bands[0].dtype.kind == "f" else gdal.GDT_Byte
    mem = gdal.GetDriverByName("MEM").Create("", cols, rows, len(bands), kind)
    for i, band in enumerate(bands, start=1):
        mem.GetRasterBand(i).WriteArray(band)
    if table is not None:
        mem.GetRasterBand(1).SetColorTable(table)
    gdal.GetDriverByName(driver).CreateCopy(str(path), mem, options=list(options))
    mem = None
    return str(path)


def _inverted_grey_table():
    table = gdal.ColorTable()
    for i in range(256):
        table.SetColorEntry(i, (255 - i, 255 - i, 255 - i, 255))
    return table


def test_palette_image_is_read_through_its_colour_table(bench, tmp_path):
    index = np.arange(256, dtype=np.uint8).reshape(16, 16)
    path = _write(tmp_path / "p_1.png", [index], table=_inverted_grey_table())
    grey, integer = bench.read_grey(path)
    assert integer
    np.testing.assert_array_equal(grey, 255.0 - index)


def test_colour_image_is_reduced_to_its_luminance(bench, tmp_path):
    r = np.full((4, 5), 200, np.uint8)
    g = np.full((4, 5), 100, np.uint8)
    b = np.full((4, 5), 50, np.uint8)
    grey, _ = bench.read_grey(_write(tmp_path / "c_1.png", [r, g, b]))
    # 0.299 * 200 + 0.587 * 100 + 0.114 * 50 = 124.2 -> 124 (integer image)
    np.testing.assert_array_equal(grey, np.full((4, 5), 124.0))


def test_reference_mask_conventions(bench):
    scaled = np.array([[0, 255, 128]], np.float32)
    np.testing.assert_array_equal(bench.reference_mask(scaled), [[0, 1, 2]])
    binary = np.array([[0, 1, 1]], np.float32)
    np.testing.assert_array_equal(bench.reference_mask(binary), [[0, 1, 1]])
    unchanged_only = np.zeros((2, 2), np.float32)
    np.testing.assert_array_equal(bench.reference_mask(unchanged_only), np.zeros((2, 2)))


def test_power_floor_is_one_step_of_the_image(bench):
    grey = np.array([[0.0, 2.0 / 255.0, 1.0]], np.float32)
    assert bench.power_floor(grey, integer=False) == pytest.approx(2.0 / 255.0)
    assert bench.power_floor(np.array([[0.0, 7.0]]), integer=True) == bench.DN_FLOOR
    with pytest.raises(RuntimeError, match="no positive"):
        bench.power_floor(np.zeros((2, 2), np.float32), integer=False)


def _pair_folder(root, name, first, second, gt, ext="png", **kw):
    folder = root / name
    folder.mkdir()
    for suffix, image in (("_1", first), ("_2", second), ("_gt", gt)):
        _write(folder / f"{name}{suffix}.{ext}", [image], **kw)
    return folder


def test_float_pair_with_binary_mask_loads_like_its_8_bit_original(bench, tmp_path):
    rng = np.random.default_rng(5)
    dn1 = rng.integers(0, 256, (20, 30)).astype(np.uint8)
    dn2 = rng.integers(0, 256, (20, 30)).astype(np.uint8)
    gt = (rng.random((20, 30)) < 0.1).astype(np.uint8)
    (tmp_path / "dn").mkdir()
    _pair_folder(tmp_path / "dn", "pair", dn1, dn2, (gt * 255).astype(np.uint8), ext="bmp", driver="BMP")
    scaled = tmp_path / "scaled"
    scaled.mkdir()
    _pair_folder(scaled, "pair", dn1.astype(np.float32) / 255.0, dn2.astype(np.float32) / 255.0,
                 gt.astype(np.float32), ext="tif", driver="GTiff")
    loaded = {}
    for root in (tmp_path / "dn", scaled):
        [(name, files)] = bench.find_benchmarks(root)
        loaded[root.name] = bench.load_benchmark(name, files)
    a, b = loaded["dn"], loaded["scaled"]
    np.testing.assert_array_equal(a.ref, b.ref)
    assert np.count_nonzero(a.ref == 1) == np.count_nonzero(gt)
    # Same pair up to the scale 255^2 (a ratio detector sees the same image); the floor keeps power > 0.
    assert (b.p1 > 0).all() and (b.p2 > 0).all()
    smallest = min(v for v in np.unique(dn1) if v > 0) / 255.0
    expected = np.square(np.maximum(dn1.astype(np.float32) / 255.0, smallest))
    np.testing.assert_allclose(b.p1[0], expected, rtol=1e-6)
    np.testing.assert_allclose(a.p1[0], np.square(np.maximum(dn1, 1.0)), rtol=0)


def test_pair_of_different_sizes_is_refused_with_the_file_names(bench, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    _write(folder / "odd_1.png", [np.ones((10, 10), np.uint8)])
    _write(folder / "odd_2.png", [np.ones((10, 11), np.uint8)])
    _write(folder / "odd_gt.png", [np.zeros((10, 10), np.uint8)])
    [(name, files)] = bench.find_benchmarks(tmp_path)
    with pytest.raises(RuntimeError, match=r"odd_2\.png \(10, 11\).*crop them"):
        bench.load_benchmark(name, files)
