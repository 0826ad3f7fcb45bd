"""core.change.injection_raster: the offset change streamed block by block equals
core.change.injection.inject."""
import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import injection as inj
from sar_change.core.change import injection_raster
from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import read_array, read_info

from helpers import gamma_speckle, write_raster

NODATA = -9999.0
GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


@pytest.fixture
def scene(tmp_path):
    """Three bands of speckle (linear power) with no-data holes, one only in band 3."""
    bands = np.stack([gamma_speckle((150, 170), 4, seed=s) for s in (1, 2, 3)])
    bands[:, 20:30, 40:70] = NODATA
    bands[2, 100:110, 100:120] = NODATA
    return write_raster(tmp_path / "in.tif", bands, GT, nodata=NODATA, descriptions=["VV", "VH", "X"])


def whole_reference(path, bands, regions, offset_db):
    """``injection.inject`` on the whole image, as the Processing algorithm did before streaming."""
    info = read_info(path)
    data = np.stack([read_array(path, b) for b in range(1, info.bands + 1)])
    selected = np.array(bands) - 1
    details = []
    changed, mask = inj.inject(data[selected], scales.LINEAR_POWER, regions, inj.OFFSET, offset_db,
                               details=details)
    data[selected] = changed
    return data, mask, details


def test_blobs_placed_from_windows_equal_those_from_the_whole_mask(scene):
    info = read_info(scene)
    valid = np.all([np.isfinite(read_array(scene, b)) for b in (1, 2)], axis=0)
    whole = inj.random_blobs((info.ysize, info.xsize), 6, 9.0, 0.5, 0.3, np.random.default_rng(4),
                             valid=valid)
    windowed = injection_raster.place_blobs(scene, [1, 2], 6, 9.0, 0.5, 0.3, np.random.default_rng(4))
    assert len(windowed) == 6
    for a, b in zip(whole, windowed):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("block", [32, 1024])
def test_streamed_offset_equals_whole_image_inject(scene, tmp_path, block):
    bands = [1, 2]
    blobs = injection_raster.place_blobs(scene, bands, 5, 12.0, 0.5, 0.3, np.random.default_rng(7))
    # A polygon over the band-3 hole: band 3 is not selected, so its pixels there still change.
    blobs.append(np.array([[95.0, 95.0], [125.0, 95.0], [125.0, 115.0], [95.0, 115.0]]))
    data, mask, details = whole_reference(scene, bands, blobs, -3.0)
    out, out_mask = tmp_path / "out.tif", tmp_path / "mask.tif"
    stats = injection_raster.inject_offset_raster(scene, out, out_mask, scales.LINEAR_POWER, -3.0, bands,
                                                  polygons=blobs, block=block)
    for b in range(3):
        np.testing.assert_array_equal(read_array(out, b + 1), data[b])
    ds = gdal.Open(str(out_mask))
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Byte and ds.GetRasterBand(1).GetNoDataValue() == 255
    np.testing.assert_array_equal(ds.GetRasterBand(1).ReadAsArray(), mask)
    ds = None
    assert read_info(out).descriptions == ("VV", "VH", "X") and read_info(out).nodata[0] == NODATA
    assert stats["changed"] == int((mask == inj.CHANGED).sum())
    assert [(d["label"], d["pixels"]) for d in stats["regions"]] == [
        (d["label"], d["pixels"]) for d in details]
    for ours, ref in zip(stats["regions"], details):
        assert ours["before_db"] == pytest.approx(ref["before_db"], abs=1e-9)
        assert ours["after_db"] == pytest.approx(ref["after_db"], abs=1e-9)


def test_label_raster_regions_equal_polygon_regions(scene, tmp_path):
    blobs = injection_raster.place_blobs(scene, [1, 2, 3], 4, 10.0, 0.5, 0.3, np.random.default_rng(2))
    labels = inj.label_polygons(blobs, (150, 170))
    label_path = write_raster(tmp_path / "labels.tif", labels, GT, dtype=gdal.GDT_Int32)
    power = scales.LINEAR_POWER
    a = injection_raster.inject_offset_raster(scene, tmp_path / "a.tif", tmp_path / "am.tif", power, 2.0,
                                              polygons=blobs, block=48)
    b = injection_raster.inject_offset_raster(scene, tmp_path / "b.tif", tmp_path / "bm.tif", power, 2.0,
                                              labels_path=label_path, block=64)
    assert a == b
    for band in (1, 2, 3):
        np.testing.assert_array_equal(read_array(tmp_path / "a.tif", band),
                                      read_array(tmp_path / "b.tif", band))
    with pytest.raises(ValueError, match="one of them"):
        injection_raster.inject_offset_raster(scene, tmp_path / "c.tif", tmp_path / "cm.tif",
                                              scales.LINEAR_POWER, 2.0)
