"""Palette (colour-table) inputs read as grey levels: the lookup, stack_vrt's LUT, the chain, Processing."""
import numpy as np
import pytest
from osgeo import gdal, osr
from test_core_unsupervised_change import GEOTRANSFORM, speckled_pair

from sar_change.core.change import unsupervised as us
from sar_change.core.change import unsupervised_raster as ur
from sar_change.core.engine import palette, raster_sampling
from sar_change.core.engine import raster_blocks as rb
from sar_change.core.engine import scale as scales

from helpers import algorithm_id, recording_feedback, write_raster

#: The one colour entry of the test palette and its BT.601 luminance: 0.299*200 + 0.587*30 + 0.114*90
#: = 87.67 -> 88.
COLOUR_INDEX, COLOUR, COLOUR_GREY = 5, (200, 30, 90), 88.0


def indices(rows=37, cols=45):
    """A uint8 index image using indices 0-59 (a pattern, so tiles differ)."""
    return (np.arange(rows * cols).reshape(rows, cols) * 7 % 60).astype(np.uint8)


def write_palette(path, index, entries, nodata=None, driver="GTiff"):
    """Write ``index`` (uint8) as a palette image whose entry i is ``entries[i]`` (RGB); returns the path."""
    mem = gdal.GetDriverByName("MEM").Create("", index.shape[1], index.shape[0], 1, gdal.GDT_Byte)
    if driver == "GTiff":
        mem.SetGeoTransform(GEOTRANSFORM)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(32631)
        mem.SetProjection(srs.ExportToWkt())
    band = mem.GetRasterBand(1)
    band.WriteArray(index)
    table = gdal.ColorTable()
    for i, rgb in enumerate(entries):
        table.SetColorEntry(i, tuple(int(v) for v in rgb) + (255,))
    band.SetColorTable(table)
    band.SetColorInterpretation(gdal.GCI_PaletteIndex)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    out = gdal.GetDriverByName(driver).CreateCopy(str(path), mem)
    out.FlushCache()
    del out  # closed: written
    return str(path)


def palette_entries():
    """Index i -> grey 255 - 3 i (non-monotone in grey vs index order), entry 5 a colour."""
    entries = [(255 - 3 * i,) * 3 for i in range(60)]
    entries[COLOUR_INDEX] = COLOUR
    return entries


def expected_lut():
    lut = np.array([255 - 3 * i for i in range(256)], np.float32)
    lut[COLOUR_INDEX] = COLOUR_GREY
    return lut


def read_stacked(vrt, band=1, block=16, margin=2):
    """Read band ``band`` of ``vrt`` block by block (read_block with a halo), reassembled."""
    info = rb.read_info(vrt)
    ds = rb.open_readonly(vrt)
    out = np.full((info.ysize, info.xsize), -1.0, np.float32)
    for w in rb.block_windows(info.xsize, info.ysize, block, margin):
        data = rb.read_block(ds.GetRasterBand(band), w, info.nodata[band - 1])
        cx, cy, cw, ch = w.core
        out[cy:cy + ch, cx:cx + cw] = data[w.crop()]
    return out


def read_band(path):
    """Band 1 of ``path`` as stored (the dataset kept open while reading)."""
    ds = gdal.Open(str(path))
    return ds.GetRasterBand(1).ReadAsArray()


def test_grey_lut_is_the_rounded_luminance(tmp_path):
    path = write_palette(tmp_path / "p.tif", indices(), palette_entries())
    ds = gdal.Open(path)
    lut = palette.grey_lut(ds.GetRasterBand(1))
    assert lut.dtype == np.float32 and len(lut) == 256  # GTiff stores 256 entries (the rest black)
    np.testing.assert_array_equal(lut[:60], expected_lut()[:60])
    assert lut[0] == 255 and lut[10] == 225 and lut[59] == 78 and lut[COLOUR_INDEX] == 88
    assert (lut[60:] == 0).all()
    grey = write_raster(tmp_path / "g.tif", np.ones((4, 4)), GEOTRANSFORM, dtype=gdal.GDT_Byte)
    grey_ds = gdal.Open(grey)
    assert palette.grey_lut(grey_ds.GetRasterBand(1)) is None
    assert palette.is_palette_file(path, 1) and not palette.is_palette_file(grey, 1)
    assert not palette.is_palette_file(path, 2)
    np.testing.assert_array_equal(palette.apply_lut(lut, np.array([0.0, np.nan, 5.0, 300.0])),
                                  [255, np.nan, 88, 0])  # past the table: the last entry
    block = np.array([[3.0, np.nan]], np.float32)
    assert palette.apply_lut(None, block) is block  # not a palette band: the block itself
    assert palette.grey(grey_ds.GetRasterBand(1), block) is block


@pytest.mark.parametrize("driver,ext", [("GTiff", "tif"), ("PNG", "png")])
def test_stack_reads_palette_as_grey_block_by_block(tmp_path, driver, ext):
    index = indices()
    path = write_palette(tmp_path / f"p.{ext}", index, palette_entries(), driver=driver)
    vrt = rb.stack_vrt([path])
    try:
        ds = gdal.Open(vrt)
        assert ds.GetRasterBand(1).DataType == gdal.GDT_Float32
        assert ds.GetRasterBand(1).GetColorTable() is None
        xml = gdal.VSIFReadL(1, 100000, gdal.VSIFOpenL(vrt, "rb")).decode()
        assert "<ComplexSource>" in xml and "<LUT>0:255.0,1:252.0," in xml and "SimpleSource" not in xml
        ds = None
        got = read_stacked(vrt)
    finally:
        gdal.Unlink(vrt)
    np.testing.assert_array_equal(got, expected_lut()[index])
    assert got.dtype == np.float32 and (got[index == COLOUR_INDEX] == 88).all()
    raw = rb.stack_vrt([path], raw=(0,))  # masks and labels: the index is the value
    try:
        np.testing.assert_array_equal(read_stacked(raw), index.astype(np.float32))
    finally:
        gdal.Unlink(raw)


def test_palette_nodata_index_stays_no_data(tmp_path):
    index = indices()
    entries = palette_entries()
    entries[9] = (7, 7, 7)  # a grey level equal to the no-data index must stay valid
    path = write_palette(tmp_path / "p.tif", index, entries, nodata=7)
    vrt = rb.stack_vrt([path])
    try:
        info = rb.read_info(vrt)
        assert np.isnan(info.nodata[0])  # the band's no-data value is NaN, not the index
        got = read_stacked(vrt)
    finally:
        gdal.Unlink(vrt)
    lut = expected_lut()
    lut[9] = 7
    expected = np.where(index == 7, np.float32(np.nan), lut[index])
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got).sum() == (index == 7).sum() > 0
    assert (got[index == 9] == 7).all() and (index == 9).any()


def test_non_palette_bands_are_unchanged_bit_for_bit(tmp_path):
    rng = np.random.default_rng(0)
    byte = write_raster(tmp_path / "b.tif", indices(), GEOTRANSFORM, dtype=gdal.GDT_Byte)
    values = rng.gamma(2.0, 0.5, (37, 45)).astype(np.float32)
    values[3, 4] = -9.0
    flt = write_raster(tmp_path / "f.tif", values, GEOTRANSFORM, nodata=-9.0)
    vrt = rb.stack_vrt([byte, flt])
    try:
        xml = gdal.VSIFReadL(1, 100000, gdal.VSIFOpenL(vrt, "rb")).decode()
        assert "ComplexSource" not in xml and "LUT" not in xml
        assert rb.read_info(vrt).nodata == (None, -9.0)
        a, b = read_stacked(vrt, 1), read_stacked(vrt, 2)
    finally:
        gdal.Unlink(vrt)
    assert a.tobytes() == indices().astype(np.float32).tobytes()
    expected = values.copy()
    expected[3, 4] = np.nan
    assert b.tobytes() == expected.tobytes()


def test_block_sample_sees_grey_levels(tmp_path):
    index = indices()
    path = write_palette(tmp_path / "p.tif", index, palette_entries())
    sample = raster_sampling.block_sample(rb.open_readonly(path), 1)
    np.testing.assert_array_equal(np.sort(sample), np.sort(expected_lut()[index].ravel()))


def grey_and_palette_pair(tmp_path):
    """An 8-bit amplitude pair stored as grey bytes and as non-monotone palette images of the same grey.

    Palette entry j has grey ``perm[j]`` (a random permutation of 0-255; grey 88 is the colour
    (200, 30, 90), luminance 88); the image stores the index of its grey level.
    """
    p1, p2, truth = speckled_pair((90, 100), looks=4, seed=5)
    g1, g2 = (np.clip(np.round(np.sqrt(p) * 40), 0, 255).astype(np.uint8) for p in (p1, p2))
    perm = np.random.default_rng(1).permutation(256)
    entries = [(int(v),) * 3 for v in perm]
    entries[int(np.flatnonzero(perm == COLOUR_GREY)[0])] = COLOUR
    inverse = np.argsort(perm).astype(np.uint8)
    paths = {}
    for k, g in (("1", g1), ("2", g2)):
        paths["grey" + k] = write_raster(tmp_path / f"g{k}.tif", g, GEOTRANSFORM, dtype=gdal.GDT_Byte)
        paths["palette" + k] = write_palette(tmp_path / f"p{k}.tif", inverse[g], entries)
    assert not np.array_equal(inverse[g1], g1)
    return paths, truth


def test_detect_rasters_palette_pair_equals_grey_pair(tmp_path):
    paths, truth = grey_and_palette_pair(tmp_path)
    masks, dis = {}, {}
    for kind in ("grey", "palette"):
        out = tmp_path / f"mask_{kind}.tif"
        _, counts = ur.detect_rasters(paths[kind + "1"], paths[kind + "2"], out, scale=scales.AMPLITUDE,
                                      floor=1.0, dst_di=tmp_path / f"di_{kind}.tif", block=32)
        masks[kind] = read_band(out)
        dis[kind] = rb.read_array(tmp_path / f"di_{kind}.tif")
    np.testing.assert_array_equal(masks["palette"], masks["grey"])
    assert dis["palette"].tobytes() == dis["grey"].tobytes()
    assert np.mean((masks["grey"] == 1) == (truth == 1)) > 0.9
    # Reading the indices (the former behaviour) gives another, wrong, map.
    raw, _ = us.detect(*(rb.read_array(paths[f"palette{k}"]) ** 2 for k in "12"), us.DEFAULT, floor=1.0)
    assert not np.array_equal(raw, masks["grey"])


def test_processing_logs_the_palette_and_matches_the_grey_pair(run, tmp_path):
    paths, _ = grey_and_palette_pair(tmp_path)
    results = {}
    for kind in ("grey", "palette"):
        feedback = recording_feedback()
        out = run(algorithm_id("unsupervisedchange"),
                  {"IMAGE_1": paths[kind + "1"], "IMAGE_2": paths[kind + "2"], "SCALE": 1, "POWER_FLOOR": 1.0,
                   "OUTPUT": str(tmp_path / f"alg_{kind}.tif")}, feedback=feedback)
        results[kind] = read_band(out["OUTPUT"])
        lines = [line for line in feedback.infos if "palette (colour table)" in line]
        if kind == "grey":
            assert lines == []
        else:
            assert len(lines) == 2 and "'p1' band 1" in lines[0] and "'p2' band 1" in lines[1]
            assert "luminance" in lines[0]
    np.testing.assert_array_equal(results["palette"], results["grey"])
