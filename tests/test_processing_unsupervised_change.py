"""sarchange:unsupervisedchange through processing.run: equal to core, no data kept, clear errors."""
import numpy as np
import pytest
from osgeo import gdal
from test_core_unsupervised_change import GEOTRANSFORM, kappa, majority_change_pair, speckled_pair

from sar_change.core.change import unsupervised as us
from sar_change.core.engine.raster_blocks import read_array

from helpers import algorithm_id, recording_feedback, write_raster

NODATA = -1.0


@pytest.fixture
def pair(tmp_path):
    p1, p2, truth = speckled_pair((80, 90), looks=4, seed=3)
    p1[:2, :3] = np.nan
    a = write_raster(tmp_path / "t1.tif", np.nan_to_num(p1, nan=NODATA), GEOTRANSFORM, nodata=NODATA)
    b = write_raster(tmp_path / "t2.tif", np.nan_to_num(p2, nan=NODATA), GEOTRANSFORM, nodata=NODATA)
    return a, b, p1, p2, truth


@pytest.mark.parametrize("method", [0, 1, 2, 3, 4, 5])
def test_methods_match_core(run, pair, tmp_path, method):
    a, b, p1, p2, truth = pair
    out = str(tmp_path / f"mask{method}.tif")
    di_out = str(tmp_path / f"di{method}.tif")
    result = run(algorithm_id("unsupervisedchange"),
                 {"IMAGE_1": a, "IMAGE_2": b, "METHOD": method, "OUTPUT": out, "OUTPUT_DI": di_out})
    ds = gdal.Open(out)
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Byte and ds.GetRasterBand(1).GetNoDataValue() == 255
    mask = ds.GetRasterBand(1).ReadAsArray()
    ds = None
    config = us.DEFAULT if method == 0 else us.method_config(
        ("default", us.PCA_KMEANS, us.FCM, us.SELF_SUPERVISED, us.PCANET, us.MRF)[method])
    expected, fitted = us.detect(p1, p2, config, seed=0)
    np.testing.assert_array_equal(mask, expected)
    assert (mask[:2, :3] == 255).all()
    assert result["CHANGED_FRACTION"] == pytest.approx(np.mean(expected[expected != 255] == 1))
    assert result["GUARD"].startswith("chain")
    di = read_array(result["OUTPUT_DI"])
    assert np.isnan(di[:2, :3]).all() and np.isfinite(di[2:]).all()
    if method == 0:
        changed = mask[2:] == 1
        assert np.mean(changed == (truth[2:] == 1)) > 0.93  # measured 0.947 (5 x 5 mean blurs edges)


def test_refuses_pairs_on_different_grids(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    a, _, p1, _, _ = pair
    other = write_raster(tmp_path / "small.tif", np.ones((40, 90), np.float32), GEOTRANSFORM)
    with pytest.raises(QgsProcessingException, match="coregister"):
        run(algorithm_id("unsupervisedchange"),
            {"IMAGE_1": a, "IMAGE_2": other, "OUTPUT": str(tmp_path / "m.tif")})


def test_zero_power_names_the_floor(run, tmp_path):
    from qgis.core import QgsProcessingException

    p1, p2, _ = speckled_pair((50, 60), looks=4, seed=1)
    p1[10:25, 10:25] = 0.0  # a zero patch stays zero through the speckle filter
    a = write_raster(tmp_path / "z1.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "z2.tif", p2, GEOTRANSFORM)
    with pytest.raises(QgsProcessingException, match="power floor"):
        run(algorithm_id("unsupervisedchange"),
            {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(tmp_path / "m.tif")})
    out = run(algorithm_id("unsupervisedchange"),
              {"IMAGE_1": a, "IMAGE_2": b, "POWER_FLOOR": 1e-3, "OUTPUT": str(tmp_path / "m2.tif")})
    assert read_array(out["OUTPUT"]).shape == (50, 60)


def test_exclusion_mask_matches_core_and_reports_the_count(run, tmp_path):
    from test_core_change_exclusion import water_pair

    p1, p2, truth, lake = water_pair()
    a = write_raster(tmp_path / "w1.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "w2.tif", p2, GEOTRANSFORM)
    m = write_raster(tmp_path / "lake.tif", lake, GEOTRANSFORM)
    result = run(algorithm_id("unsupervisedchange"),
                 {"IMAGE_1": a, "IMAGE_2": b, "EXCLUDE": m, "OUTPUT": str(tmp_path / "m.tif")})
    expected, _ = us.detect(p1, p2, exclude=lake)
    np.testing.assert_array_equal(read_array(result["OUTPUT"]).astype(np.uint8), expected)
    assert result["EXCLUDED"] == 59 * 69 and (expected[lake == 1] == 0).all()
    plain = run(algorithm_id("unsupervisedchange"),
                {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(tmp_path / "p.tif")})
    assert plain["EXCLUDED"] == 0 and plain["CHANGED_FRACTION"] > 10 * result["CHANGED_FRACTION"]


def test_exclusion_mask_off_the_grid_is_refused_with_the_fix(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    a, b = pair[:2]
    shifted = (GEOTRANSFORM[0] + 10.0,) + GEOTRANSFORM[1:]
    m = write_raster(tmp_path / "water.tif", np.zeros((80, 90), np.float32), shifted)
    with pytest.raises(QgsProcessingException, match="Exclusion mask 'water' is not on the grid of 't1'.*"
                                                     "origin shifted.*Rasterize"):
        run(algorithm_id("unsupervisedchange"),
            {"IMAGE_1": a, "IMAGE_2": b, "EXCLUDE": m, "OUTPUT": str(tmp_path / "m.tif")})


def test_majority_change_is_warned_in_the_log(run, tmp_path):
    p1, p2, truth = majority_change_pair(0.6)
    a = write_raster(tmp_path / "c1.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "c2.tif", p2, GEOTRANSFORM)
    feedback = recording_feedback()
    out = run(algorithm_id("unsupervisedchange"),
              {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(tmp_path / "centred.tif")}, feedback=feedback)
    assert kappa(read_array(out["OUTPUT"]), truth) < -0.5
    assert any(w.startswith("WARNING: the centring offset") for w in feedback.warnings)
    feedback = recording_feedback()
    p1, p2, truth = majority_change_pair(0.2)
    a = write_raster(tmp_path / "d1.tif", p1, GEOTRANSFORM)
    b = write_raster(tmp_path / "d2.tif", p2, GEOTRANSFORM)
    out = run(algorithm_id("unsupervisedchange"),
              {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(tmp_path / "minority.tif")}, feedback=feedback)
    assert kappa(read_array(out["OUTPUT"]), truth) > 0.95
    assert not any("centring offset" in w for w in feedback.warnings)


def test_same_layer_twice_is_refused(run, pair, tmp_path):
    from qgis.core import QgsProcessingException

    a = pair[0]
    with pytest.raises(QgsProcessingException, match="same layer .* choose the earlier and the later"):
        run(algorithm_id("unsupervisedchange"),
            {"IMAGE_1": a, "IMAGE_2": a, "OUTPUT": str(tmp_path / "m.tif")})
