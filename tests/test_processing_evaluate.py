"""Processing algorithm "Evaluate change detection" through ``processing.run``.

Uses ``sarchange:evaluatechange`` when the SAR Change provider registers it,
else the same algorithm class served by a test-only provider. Results must
equal core.change.evaluation on the same arrays.
"""
import json
import math
import os
import re

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import evaluation as ev
from sar_change.core.engine.raster_blocks import read_array, write_array

from helpers import algorithm_id, write_raster

EPSG = 32631
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def make_raster(path, array, nodata=None, dtype=gdal.GDT_Float32, geotransform=GEOTRANSFORM, epsg=EPSG):
    """One-band GeoTIFF with a geotransform and a CRS."""
    return write_raster(path, array, geotransform, epsg, nodata, dtype=dtype)


@pytest.fixture(scope="module")
def alg_id(qgis_app):
    """Id of the plugin's algorithm (registered by the sarchange provider)."""
    return algorithm_id("evaluatechange")


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """700 x 600 rasters (two 512-pixel blocks each way): reference, DI, prediction, with no data."""
    folder = tmp_path_factory.mktemp("evaluate")
    rng = np.random.default_rng(21)
    shape = (600, 700)
    ref = np.zeros(shape, np.uint8)
    y, x = np.mgrid[0:shape[0], 0:shape[1]]
    ref[((y - 300) ** 2 + (x - 480) ** 2) < 90 ** 2] = 1
    ref[50:120, 40:200] = 1
    ref[:, :5] = 255  # declared no data
    di = rng.normal(size=shape) + 1.5 * (ref == 1)
    di[200:210, 300:310] = -9999.0  # DI no data
    pred = (di > 0.75).astype(np.float32)
    pred[di == -9999.0] = 0
    pred[400:405, :] = 2  # prediction no data
    paths = {
        "ref": make_raster(folder / "reference.tif", ref, nodata=255, dtype=gdal.GDT_Byte),
        "di": make_raster(folder / "di.tif", di, nodata=-9999.0),
        "pred": make_raster(folder / "prediction.tif", pred, nodata=2, dtype=gdal.GDT_Byte),
    }
    labels = np.where(ref == 255, -1, ref).astype(np.int8)
    di_values = np.where(di == -9999.0, np.nan, di).astype(np.float32)
    pred_values = np.where(pred == 2, np.nan, pred)
    return {"paths": paths, "labels": labels, "di": di_values, "pred": pred_values, "folder": folder}


def outputs(tmp_path, tag="eval"):
    return {"OUTPUT_HTML": str(tmp_path / f"{tag}.html"), "OUTPUT_JSON": str(tmp_path / f"{tag}.json")}


def test_algorithm_metadata(alg_id):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    assert alg.name() == "evaluatechange"
    assert alg.displayName() == "Evaluate change detection"
    assert (alg.group(), alg.groupId()) == ("Change detection", "changedetection")
    help_text = alg.shortHelpString()
    for cited in ("Cohen 1960", "Congalton 1991", "Fawcett 2006", "Alatalo"):
        assert cited in help_text
    names = [p.name() for p in alg.parameterDefinitions()]
    assert names == ["PREDICTION", "DI", "REFERENCE", "THRESHOLD", "DI_DIRECTION", "BALANCED", "OUTPUT_HTML",
                     "OUTPUT_JSON"]
    assert alg.parameterDefinition("PREDICTION").flags() & alg.parameterDefinition("PREDICTION").FlagOptional
    assert alg.parameterDefinition("DI").flags() & alg.parameterDefinition("DI").FlagOptional
    outputs_by_name = {o.name(): o.type() for o in alg.outputDefinitions()}
    assert outputs_by_name["OUTPUT_HTML"] == "outputHtml"  # shown in the Results Viewer
    assert outputs_by_name["OUTPUT_JSON"] == "outputFile"
    for name in ("KAPPA", "PCC", "F1", "AUC"):
        assert outputs_by_name[name] == "outputNumber"


def test_end_to_end_equals_core(run, alg_id, scene, tmp_path):
    p = scene["paths"]
    result = run(alg_id, {"PREDICTION": p["pred"], "DI": p["di"], "REFERENCE": p["ref"], "THRESHOLD": 0.75,
                          **outputs(tmp_path)})
    expected = ev.confusion(scene["pred"], scene["labels"])
    assert expected.total > 0.9 * 600 * 700 and expected.tp > 10000
    assert result["KAPPA"] == pytest.approx(expected.kappa, abs=1e-12)
    assert result["PCC"] == pytest.approx(expected.pcc, abs=1e-10)
    assert result["F1"] == pytest.approx(expected.f1, abs=1e-12)
    roc = ev.roc_curve(scene["di"], scene["labels"])
    assert result["AUC"] == pytest.approx(roc.auc, abs=1e-12) and result["AUC"] > 0.8
    assert result["OUTPUT_HTML"] == str(tmp_path / "eval.html")
    page = open(result["OUTPUT_HTML"], encoding="utf-8").read()
    assert f"{expected.kappa:.4f}" in page and "reference" in page
    for suffix in ("roc", "di_histogram", "change_map"):
        png = tmp_path / f"eval_{suffix}.png"
        assert png.stat().st_size > 1000 and f'src="eval_{suffix}.png"' in page
    with open(result["OUTPUT_JSON"], encoding="utf-8") as f:
        data = json.load(f)
    conf = data["confusion"]
    assert (conf["tp"], conf["fp"], conf["fn"], conf["tn"]) == (expected.tp, expected.fp, expected.fn,
                                                               expected.tn)
    assert conf["kappa"] == result["KAPPA"] and data["roc"]["auc"] == result["AUC"]
    assert data["threshold"] == 0.75 and data["roc"]["balanced"] is False


def test_balanced_roc(run, alg_id, scene, tmp_path):
    p = scene["paths"]
    plain = run(alg_id, {"DI": p["di"], "REFERENCE": p["ref"], **outputs(tmp_path, "plain")})
    balanced = run(alg_id, {"DI": p["di"], "REFERENCE": p["ref"], "BALANCED": True,
                            **outputs(tmp_path, "balanced")})
    assert balanced["AUC"] != plain["AUC"] and abs(balanced["AUC"] - plain["AUC"]) < 0.01
    with open(balanced["OUTPUT_JSON"]) as f:
        roc = json.load(f)["roc"]
    assert roc["balanced"] is True and roc["changed"] == roc["unchanged"]
    # DI only, no threshold: no change map, so the map measures are NaN.
    assert all(math.isnan(plain[k]) for k in ("KAPPA", "PCC", "F1"))


def test_di_with_threshold_and_prediction_only(run, alg_id, scene, tmp_path):
    p = scene["paths"]
    result = run(alg_id, {"DI": p["di"], "REFERENCE": p["ref"], "THRESHOLD": 1.0, **outputs(tmp_path, "t")})
    made = np.where(np.isnan(scene["di"]), np.nan, scene["di"] >= 1.0)
    assert result["KAPPA"] == pytest.approx(ev.confusion(made, scene["labels"]).kappa, abs=1e-12)
    only = run(alg_id, {"PREDICTION": p["pred"], "REFERENCE": p["ref"], **outputs(tmp_path, "p")})
    assert math.isnan(only["AUC"])
    assert only["KAPPA"] == pytest.approx(ev.confusion(scene["pred"], scene["labels"]).kappa, abs=1e-12)
    assert os.path.exists(tmp_path / "p_change_map.png") and not os.path.exists(tmp_path / "p_roc.png")


def test_errors_are_clear(run, alg_id, scene, tmp_path):
    from qgis.core import QgsProcessingException

    p = scene["paths"]
    small = make_raster(tmp_path / "small_di.tif", np.zeros((600, 699), np.float32))
    with pytest.raises(QgsProcessingException, match=re.escape(
            "Layer 'small_di' is not on the grid of the reference layer 'reference'")) as info:
        run(alg_id, {"DI": small, "REFERENCE": p["ref"], **outputs(tmp_path, "a")})
    assert "resample/coregister onto the reference grid" in str(info.value)
    shifted = make_raster(tmp_path / "shifted.tif", np.zeros((600, 700), np.float32),
                          geotransform=(600005.0,) + GEOTRANSFORM[1:])
    with pytest.raises(QgsProcessingException, match="'shifted'.*geotransform.*resample/coregister onto"):
        run(alg_id, {"PREDICTION": shifted, "REFERENCE": p["ref"], **outputs(tmp_path, "b")})
    other_crs = make_raster(tmp_path / "other_crs.tif", np.zeros((600, 700), np.float32), epsg=32632)
    with pytest.raises(QgsProcessingException, match="'other_crs'.*CRS.*resample/coregister onto"):
        run(alg_id, {"PREDICTION": other_crs, "REFERENCE": p["ref"], **outputs(tmp_path, "c")})
    with pytest.raises(QgsProcessingException, match="Give a change map"):
        run(alg_id, {"REFERENCE": p["ref"], **outputs(tmp_path, "d")})
    bad_ref = make_raster(tmp_path / "bad_ref.tif", np.full((600, 700), 3, np.uint8), dtype=gdal.GDT_Byte)
    with pytest.raises(QgsProcessingException, match=re.escape(ev.REFERENCE_HELP)):
        run(alg_id, {"PREDICTION": p["pred"], "REFERENCE": bad_ref, **outputs(tmp_path, "e")})
    with pytest.raises(QgsProcessingException, match="prediction must hold"):
        run(alg_id, {"PREDICTION": p["di"], "REFERENCE": p["ref"], **outputs(tmp_path, "f")})
    assert not os.path.exists(tmp_path / "f.html")


def test_real_ottawa_log_ratio(run, alg_id, shared_data, tmp_path):
    """Ottawa (RADARSAT-1, 1997 flood): log-ratio DI, AUC > 0.8, 16,049 changed reference pixels."""
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    files = {s: str(next(folder.glob(f"*{s}.bmp"))) for s in ("_1", "_2", "_gt")}
    i1, i2 = (read_array(files[k]).astype(np.float64) for k in ("_1", "_2"))
    di = np.abs(np.log((i2 + 1.0) / (i1 + 1.0)))
    di_path = write_array(tmp_path / "ottawa_lr.tif", di, like=files["_gt"])
    result = run(alg_id, {"DI": di_path, "REFERENCE": files["_gt"], "THRESHOLD": 0.5,
                          **outputs(tmp_path, "ottawa")})
    labels = ev.read_reference_mask(files["_gt"])
    assert result["AUC"] > 0.8
    assert result["AUC"] == pytest.approx(ev.roc_curve(di.astype(np.float32), labels).auc, abs=1e-12)
    made = (di.astype(np.float32) >= 0.5).astype(np.float32)
    assert result["KAPPA"] == pytest.approx(ev.confusion(made, labels).kappa, abs=1e-12)
    with open(result["OUTPUT_JSON"]) as f:
        data = json.load(f)
    assert data["confusion"]["changed_reference"] == 16049
    assert data["roc"]["changed"] == 16049 and data["roc"]["unchanged"] == 350 * 290 - 16049


def test_temporary_outputs_and_cancel(run, alg_id, scene, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    p = scene["paths"]
    result = run(alg_id, {"PREDICTION": p["pred"], "REFERENCE": p["ref"], "OUTPUT_HTML": "TEMPORARY_OUTPUT",
                          "OUTPUT_JSON": "TEMPORARY_OUTPUT"})
    assert result["OUTPUT_HTML"].endswith(".html") and result["OUTPUT_JSON"].endswith(".json")
    assert os.path.getsize(result["OUTPUT_HTML"]) > 0 and os.path.getsize(result["OUTPUT_JSON"]) > 0

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    paths = outputs(tmp_path, "cancel")
    cancelled = run(alg_id, {"PREDICTION": p["pred"], "REFERENCE": p["ref"], **paths},
                    feedback=feedback, context=context)
    assert "KAPPA" not in cancelled
    assert not any(os.path.exists(path) for path in paths.values())


def test_large_scene_roc_on_systematic_sample(run, alg_id, tmp_path):
    """4.1 Mpixel scene: counts over every pixel, ROC on every 2nd row and column."""
    rng = np.random.default_rng(3)
    shape = (2000, 2050)
    ref = np.zeros(shape, np.uint8)
    ref[300:1400, 500:900] = 1
    di = (rng.standard_normal(shape, np.float32) + 1.2 * ref).astype(np.float32)
    ref_path = make_raster(tmp_path / "big_ref.tif", ref, dtype=gdal.GDT_Byte)
    di_path = make_raster(tmp_path / "big_di.tif", di)
    result = run(alg_id, {"DI": di_path, "REFERENCE": ref_path, "THRESHOLD": 0.6, **outputs(tmp_path, "big")})
    assert ev.sample_stride(2050, 2000) == 2
    assert result["KAPPA"] == pytest.approx(ev.confusion(di >= 0.6, ref).kappa, abs=1e-12)
    assert result["AUC"] == pytest.approx(ev.roc_curve(di[::2, ::2], ref[::2, ::2]).auc, abs=1e-12)
    assert abs(result["AUC"] - ev.roc_curve(di, ref).auc) < 0.003
    with open(result["OUTPUT_JSON"]) as f:
        data = json.load(f)
    assert data["roc"]["changed"] + data["roc"]["unchanged"] == 1000 * 1025
    assert data["confusion"]["total"] == 2000 * 2050
    assert "step of 2" in data["info"]["ROC sample"] and data["notes"]
