"""Difference image and Threshold change through processing.run: equal to core, clear errors.

The algorithms run from a test-only provider, so these tests do not depend on
the plugin's provider registering them.
"""
import os

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import difference as dif
from sar_change.core.change import thresholds as th
from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import read_array

from helpers import algorithm_id, gamma_speckle, recording_feedback, write_raster

NODATA = -9999.0
EPSG = 32631
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
PROVIDER_ID = "sarchange"


def make_raster(path, bands, nodata=NODATA, geotransform=GEOTRANSFORM, epsg=EPSG):
    """float32 GeoTIFF with a CRS, a geotransform and a no-data value."""
    return write_raster(path, bands, geotransform, epsg, nodata)


def with_nodata(array):
    return np.where(np.isnan(array), np.float32(NODATA), array).astype(np.float32)


@pytest.fixture(scope="module")
def run(qgis_app):
    import processing

    def run_alg(name, params, **kw):
        return processing.run(algorithm_id(name), params, **kw)

    return run_alg


@pytest.fixture
def pair(tmp_path):
    """Two 60 x 80 linear-power images with no data; the later one has a bright block."""
    a = gamma_speckle((60, 80), 4, seed=1)
    b = gamma_speckle((60, 80), 4, seed=2)
    b[20:40, 30:60] *= 20.0
    a[0, :5] = np.nan
    b[59, 79] = np.nan
    src1 = make_raster(tmp_path / "t1.tif", with_nodata(a))
    src2 = make_raster(tmp_path / "t2.tif", with_nodata(b))
    return src1, src2, a, b


def test_algorithms_describe_themselves(run):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for name in ("differenceimage", "thresholdchange"):
        alg = registry.algorithmById(f"{PROVIDER_ID}:{name}")
        assert alg is not None and alg.groupId() == "changedetection" and alg.shortHelpString()
        assert alg.group() == "Change detection"


@pytest.mark.parametrize("method", dif.METHODS[:5] + (dif.CUMULANT_KL,))
def test_difference_image_equals_core(run, pair, tmp_path, method):
    src1, src2, a, b = pair
    out = tmp_path / f"{method}.tif"
    result = run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "METHOD": dif.METHODS.index(method),
                                     "WINDOW": 5, "OUTPUT": str(out)})
    assert result["OUTPUT"] == str(out)
    expected = dif.compute(method, a, b, size=5)
    got = read_array(out)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6, equal_nan=True)
    ds = gdal.Open(str(out))
    assert ds.GetGeoTransform() == GEOTRANSFORM and np.isnan(ds.GetRasterBand(1).GetNoDataValue())
    ds = None


def test_single_layer_bands_and_amplitude_scale(run, pair, tmp_path):
    _, _, a, b = pair
    stacked = make_raster(tmp_path / "stack.tif", [with_nodata(np.sqrt(a)), with_nodata(np.sqrt(b))])
    out = tmp_path / "lr.tif"
    run("differenceimage", {"IMAGE_1": stacked, "BAND_1": 1, "BAND_2": 2, "SCALE": 1,
                            "METHOD": dif.METHODS.index(dif.LOG_RATIO), "OUTPUT": str(out)})
    np.testing.assert_allclose(read_array(out), dif.log_ratio(a, b), rtol=1e-5, atol=1e-4, equal_nan=True)
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="Band of image 2"):
        run("differenceimage", {"IMAGE_1": stacked, "BAND_1": 1, "BAND_2": 1,
                                "OUTPUT": str(tmp_path / "x.tif")})


def test_euclidean_norm_over_bands(run, tmp_path):
    a = np.stack([gamma_speckle((30, 40), 4, seed=s) for s in (1, 2)])
    b = np.stack([gamma_speckle((30, 40), 4, seed=s) for s in (3, 4)])
    db = scales.from_linear_power
    src1 = make_raster(tmp_path / "a.tif", db(a, scales.DB))
    src2 = make_raster(tmp_path / "b.tif", db(b, scales.DB))
    out = tmp_path / "eu.tif"
    method = dif.METHODS.index(dif.EUCLIDEAN_DB)
    run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "SCALE": 2, "METHOD": method,
                            "OUTPUT": str(out)})
    expected = dif.euclidean_db(scales.to_linear_power(db(a, scales.DB), scales.DB),
                                scales.to_linear_power(db(b, scales.DB), scales.DB))
    np.testing.assert_allclose(read_array(out), expected, rtol=1e-5, atol=1e-5)
    # one 4-band layer: first half of the bands = image 1
    both = make_raster(tmp_path / "ab.tif", np.concatenate([db(a, scales.DB), db(b, scales.DB)]))
    out2 = tmp_path / "eu2.tif"
    run("differenceimage", {"IMAGE_1": both, "SCALE": 2, "METHOD": method, "OUTPUT": str(out2)})
    np.testing.assert_array_equal(read_array(out2), read_array(out))


def test_grid_mismatches_ask_for_coregistration(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    src1, _, a, b = pair
    cases = {
        "size": make_raster(tmp_path / "size.tif", with_nodata(b[:, :70])),
        "shifted": make_raster(tmp_path / "shift.tif", with_nodata(b),
                               geotransform=(600005.0,) + GEOTRANSFORM[1:]),
        "crs": make_raster(tmp_path / "crs.tif", with_nodata(b), epsg=32632),
    }
    for case, src2 in cases.items():
        out = tmp_path / f"out_{case}.tif"
        with pytest.raises(QgsProcessingException, match="(?s)not on the grid of 't1'.*sarchange:coregister"):
            run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "OUTPUT": str(out)})
        assert not out.exists(), case


def test_band_count_mismatch_is_refused(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    src1, _, a, b = pair
    two = make_raster(tmp_path / "two.tif", [with_nodata(b), with_nodata(b)])
    with pytest.raises(QgsProcessingException, match="(?s)differ in band count"):
        method = dif.METHODS.index(dif.EUCLIDEAN_DB)
        run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": two, "METHOD": method,
                                "OUTPUT": str(tmp_path / "x.tif")})
    with pytest.raises(QgsProcessingException, match="band 3 does not exist"):
        run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": two, "BAND_2": 3,
                                "OUTPUT": str(tmp_path / "y.tif")})


def test_zero_power_names_the_layer_and_leaves_no_file(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    src1, _, a, b = pair
    zero = b.copy()
    zero[10, 10] = 0.0
    folder = tmp_path / "zero"
    folder.mkdir()
    src2 = make_raster(folder / "later.tif", with_nodata(zero))
    out = folder / "lr.tif"
    with pytest.raises(QgsProcessingException, match="(?s)'later' holds zero or negative power.*power floor"):
        run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "OUTPUT": str(out)})
    assert sorted(os.listdir(folder)) in (["later.tif"], ["later.tif", "later.tif.aux.xml"])
    # the floor option lifts it
    run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "POWER_FLOOR": 1e-3, "OUTPUT": str(out)})
    assert np.isfinite(read_array(out)[10, 10])
    # the plain difference needs no positive power
    run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "METHOD": 0, "OUTPUT": str(folder / "d.tif")})


def test_all_nodata_and_bad_window_are_refused(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    src1, _, a, b = pair
    empty = make_raster(tmp_path / "empty.tif", np.full(b.shape, NODATA, np.float32))
    out = tmp_path / "none.tif"
    with pytest.raises(QgsProcessingException, match="(?s)all no data"):
        run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": empty, "OUTPUT": str(out)})
    assert not out.exists()
    with pytest.raises(QgsProcessingException, match="window size must be odd"):
        run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": empty, "METHOD": 3, "WINDOW": 4,
                                "OUTPUT": str(out)})


def test_threshold_change_equals_core_and_reports(run, pair, tmp_path):
    src1, src2, a, b = pair
    di_path = tmp_path / "lr.tif"
    run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "OUTPUT": str(di_path)})
    feedback = recording_feedback()
    mask_path, copy_path = tmp_path / "mask.tif", tmp_path / "copy.tif"
    result = run("thresholdchange", {"INPUT": str(di_path), "METHOD": th.METHODS.index(th.KI), "SIDE": 0,
                                     "OUTPUT_MASK": str(mask_path), "OUTPUT_DI": str(copy_path)},
                 feedback=feedback)
    di = read_array(di_path)
    expected = th.kittler_illingworth(di[np.isfinite(di)])
    assert result["THRESHOLD"] == pytest.approx(expected.threshold)
    assert result["THRESHOLD_LOW"] == pytest.approx(expected.threshold)
    ds = gdal.Open(str(mask_path))
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte and band.GetNoDataValue() == 255
    assert ds.GetGeoTransform() == GEOTRANSFORM
    mask = band.ReadAsArray()
    ds = None
    np.testing.assert_array_equal(mask, th.change_mask(di, expected))
    assert (mask[0, :5] == 255).all() and mask[59, 79] == 255
    truth = np.zeros(mask.shape, bool)
    truth[20:40, 30:60] = True
    valid = mask != 255
    assert np.mean((mask == 1)[valid] == truth[valid]) > 0.97
    np.testing.assert_array_equal(read_array(copy_path), di)
    text = "\n".join(feedback.infos)
    assert "Threshold:" in text and "Class 'unchanged': prior" in text and "changed (increase)" in text


@pytest.mark.parametrize("method", th.METHODS)
def test_threshold_methods_and_sides(run, pair, tmp_path, method):
    src1, src2, a, b = pair
    di_path = tmp_path / "lr.tif"
    run("differenceimage", {"IMAGE_1": src1, "IMAGE_2": src2, "OUTPUT": str(di_path)})
    di = read_array(di_path)
    result = run("thresholdchange", {"INPUT": str(di_path), "METHOD": th.METHODS.index(method), "SIDE": 2,
                                     "MANUAL_THRESHOLD": 6.0, "LOOKS": 4.0,
                                     "OUTPUT_MASK": str(tmp_path / "m.tif")})
    assert result["THRESHOLD_LOW"] < result["THRESHOLD"]
    expected = th.fit(method, di[np.isfinite(di)], th.TWO_SIDED, threshold=6.0, looks=4.0)
    assert (result["THRESHOLD_LOW"], result["THRESHOLD"]) == pytest.approx(expected.thresholds)
    if method == th.MANUAL:
        assert (result["THRESHOLD_LOW"], result["THRESHOLD"]) == (-6.0, 6.0)
    assert "OUTPUT_DI" not in result or not result["OUTPUT_DI"]


def test_threshold_errors(run, tmp_path):
    from qgis.core import QgsProcessingException

    empty = make_raster(tmp_path / "empty.tif", np.full((20, 20), NODATA, np.float32))
    with pytest.raises(QgsProcessingException, match="(?s)'empty'.*no valid pixel"):
        run("thresholdchange", {"INPUT": empty, "OUTPUT_MASK": str(tmp_path / "m.tif")})
    flat = make_raster(tmp_path / "flat.tif", np.ones((20, 20), np.float32))
    with pytest.raises(QgsProcessingException, match="constant"):
        run("thresholdchange", {"INPUT": flat, "OUTPUT_MASK": str(tmp_path / "m.tif")})
    assert not (tmp_path / "m.tif").exists()
