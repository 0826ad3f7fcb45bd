"""Processing algorithm "SVM change classifier" through ``processing.run``.

Uses ``sarchange:svmchange`` when the SAR Change provider registers it, else
the same algorithm class served by a test-only provider.
"""
import json
import os

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import evaluation, svm
from sar_change.core.engine.raster_blocks import read_info

from helpers import algorithm_id, gamma_speckle, write_raster

pytest.importorskip("sklearn", reason="scikit-learn is needed to train")

NODATA = -9999.0
EPSG = 32631
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
N = 140


def make_raster(path, bands, nodata=NODATA, geotransform=GEOTRANSFORM, dtype=gdal.GDT_Float32):
    """GeoTIFF in EPSG:32631 with a geotransform and a no-data value."""
    return write_raster(path, bands, geotransform, EPSG, nodata, dtype=dtype)


def two_dates(n=N, looks=4, radius=28, change_db=-5.0, seed=0):
    """Speckled two-date linear power images (two bands: VV-like, VH-like) and the change blob."""
    y, x = np.mgrid[0:n, 0:n]
    scene = np.where(x < n // 2, 1.0, 0.3) * (1.0 + 0.3 * np.sin(y / 9.0))
    blob = (y - n * 0.45) ** 2 + (x - n * 0.6) ** 2 < radius ** 2
    change = np.where(blob, 10 ** (change_db / 10), 1.0)
    d1 = np.stack([scene * gamma_speckle((n, n), looks, seed=seed + 1),
                   0.2 * gamma_speckle((n, n), looks, seed=9)])
    d2 = np.stack([scene * change * gamma_speckle((n, n), looks, seed=seed + 2),
                   0.2 * gamma_speckle((n, n), looks, seed=10)])
    return d1.astype(np.float32), d2.astype(np.float32), blob


def read_mask(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Byte and band.GetNoDataValue() == 255
    return band.ReadAsArray()


def kappa(mask, reference):
    """Cohen's kappa of a 0/1/255 mask (255 left out) against a boolean or int8 (-1 ignored) reference."""
    pred = np.where(mask == 255, np.nan, mask).astype(np.float32)
    reference = np.asarray(reference)
    reference = reference if reference.dtype == np.int8 else reference.astype(np.uint8)
    return evaluation.confusion(pred, reference).kappa


def pixel_box_layer(boxes, crs="EPSG:4326", name="training", field_type="integer"):
    """Memory polygon layer of pixel boxes (x0, y0, x1, y1, class) of GEOTRANSFORM, in ``crs``."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProject,
        QgsVectorLayer,
    )

    layer = QgsVectorLayer(f"Polygon?crs={crs}&field=cls:{field_type}", name, "memory")
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"),
                                       QgsCoordinateReferenceSystem(crs), QgsProject.instance())
    features = []
    gt = GEOTRANSFORM
    for x0, y0, x1, y1, cls in boxes:
        ring = [QgsPointXY(gt[0] + x * gt[1], gt[3] + y * gt[5]) for x, y in
                ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
        geometry = QgsGeometry.fromPolygonXY([ring])
        geometry.transform(transform)
        feature = QgsFeature(layer.fields())
        feature.setGeometry(geometry)
        feature.setAttribute("cls", cls)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.fixture(scope="module")
def alg_id(qgis_app):
    """Id of the plugin's algorithm (registered by the sarchange provider)."""
    return algorithm_id("svmchange")


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    folder = tmp_path_factory.mktemp("svm_scene")
    d1, d2, blob = two_dates()
    d1[:, 0:3, :] = NODATA  # no-data rows at the top
    d2[0, 70, 5] = NODATA
    return make_raster(folder / "date1.tif", d1), make_raster(folder / "date2.tif", d2), blob


def inputs(scene, **extra):
    return {"IMAGE_1": scene[0], "IMAGE_2": scene[1], **extra}


def test_algorithm_metadata(alg_id):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    assert alg.name() == "svmchange" and alg.displayName() == "SVM change classifier"
    assert (alg.group(), alg.groupId()) == ("Change detection", "changedetection")
    assert "Bovolo" in alg.shortHelpString() and "PCANet" in alg.shortHelpString()
    names = [p.name() for p in alg.parameterDefinitions()]
    for name in ("IMAGE_1", "IMAGE_2", "DI", "SCALE", "DI_METHOD", "FEATURE_WINDOWS", "INCLUDE_BACKSCATTER",
                 "CLASSIFIER", "LABEL_SOURCE", "POLYGONS", "CLASS_FIELD", "REFERENCE_MASK", "SAMPLE_CAP",
                 "SEED", "MODEL_IN", "OUTPUT_MASK", "OUTPUT_MODEL"):
        assert name in names
    assert alg.parameterDefinition("CLASSIFIER").options()[0].startswith("LinearSVC")
    assert alg.parameterDefinition("LABEL_SOURCE").defaultValue() == 2
    assert alg.parameterDefinition("FEATURE_WINDOWS").defaultValue() == "3,7"


def test_pseudo_labels_end_to_end_and_reapply(run, alg_id, scene, tmp_path):
    model = tmp_path / "model.onnx"
    result = run(alg_id, inputs(scene, OUTPUT_MASK=str(tmp_path / "mask.tif"), OUTPUT_MODEL=str(model)))
    mask = read_mask(result["OUTPUT_MASK"])
    assert (mask[0:3] == 255).all() and mask[70, 5] == 255  # no data in, no data out
    assert kappa(mask, scene[2]) > 0.9
    info = read_info(result["OUTPUT_MASK"])
    assert info.geotransform == GEOTRANSFORM and "32631" in info.projection
    assert result["OUTPUT_MODEL"] == str(model)
    runner = svm.load_model(model)
    meta = runner.metadata
    assert json.loads(meta["windows"]) == [3, 7] and meta["input_scale"] == "linear"
    training = json.loads(meta["training"])
    assert training["label_source"] == svm.PSEUDO_LABELS and training["pseudo_labels"]["method"] == svm.KI
    assert training["n_change"] > 500 and training["n_no_change"] > 5000
    # Reapplied (onnxruntime only, no training): the same mask.
    again = run(alg_id, inputs(scene, MODEL_IN=str(model), FEATURE_WINDOWS="5", CLASSIFIER=1,
                               OUTPUT_MASK=str(tmp_path / "again.tif")))
    assert np.array_equal(read_mask(again["OUTPUT_MASK"]), mask)
    assert "OUTPUT_MODEL" not in again or not again["OUTPUT_MODEL"]


def test_rbf_with_backscatter_and_two_bands(run, alg_id, scene, tmp_path):
    result = run(alg_id, inputs(scene, CLASSIFIER=1, INCLUDE_BACKSCATTER=True, BANDS=[1, 2], SAMPLE_CAP=800,
                                OUTPUT_MASK=str(tmp_path / "mask.tif"),
                                OUTPUT_MODEL=str(tmp_path / "m.onnx")))
    assert kappa(read_mask(result["OUTPUT_MASK"]), scene[2]) > 0.9
    runner = svm.load_model(result["OUTPUT_MODEL"])
    assert "db_t2_b2_mean7" in runner.feature_names and len(runner.feature_names) == 2 * 5 + 4 * 3
    training = json.loads(runner.metadata["training"])
    assert training["n_change"] <= 800 and training["n_no_change"] == 800


def test_reference_mask_labels(run, alg_id, scene, tmp_path):
    labels = np.where(scene[2], 255, 0).astype(np.uint8)
    labels[:, ::3] = 9  # ignored
    ref = make_raster(tmp_path / "ref.tif", labels, nodata=None, dtype=gdal.GDT_Byte)
    result = run(alg_id, inputs(scene, LABEL_SOURCE=1, REFERENCE_MASK=ref,
                                OUTPUT_MASK=str(tmp_path / "m.tif"), OUTPUT_MODEL=str(tmp_path / "m.onnx")))
    assert kappa(read_mask(result["OUTPUT_MASK"]), scene[2]) > 0.9
    training = json.loads(svm.load_model(result["OUTPUT_MODEL"]).metadata["training"])
    assert training["label_source"] == svm.REFERENCE_MASK
    valid = np.ones(scene[2].shape, bool)
    valid[0:3] = False
    valid[70, 5] = False
    kept = valid & (labels != 9)
    assert training["labelled_change"] == int((kept & scene[2]).sum())


def test_polygon_labels_reprojected(run, alg_id, scene, tmp_path):
    # Two change boxes inside the blob, two no-change boxes outside, one with a class to skip; in EPSG:4326.
    boxes = [(75, 55, 90, 70, 1), (80, 70, 92, 78, 1), (10, 100, 40, 130, 0), (100, 5, 130, 25, 0),
             (5, 40, 15, 50, 7)]
    layer = pixel_box_layer(boxes)
    result = run(alg_id, inputs(scene, LABEL_SOURCE=0, POLYGONS=layer, CLASS_FIELD="cls",
                                OUTPUT_MASK=str(tmp_path / "m.tif"), OUTPUT_MODEL=str(tmp_path / "m.onnx")))
    assert kappa(read_mask(result["OUTPUT_MASK"]), scene[2]) > 0.9
    training = json.loads(svm.load_model(result["OUTPUT_MODEL"]).metadata["training"])
    assert training["label_source"] == svm.POLYGONS
    assert training["labelled_change"] == pytest.approx(15 * 15 + 12 * 8, abs=30)  # reprojection: +-a row
    assert training["labelled_no_change"] == pytest.approx(900 + 600, abs=60)


def test_precomputed_difference_image(run, alg_id, scene, tmp_path):
    from sar_change.core.change import difference
    from sar_change.core.engine.raster_blocks import read_array

    p1, p2 = read_array(scene[0]), read_array(scene[1])
    di = make_raster(tmp_path / "di.tif", np.nan_to_num(difference.log_ratio(p1, p2), nan=NODATA))
    result = run(alg_id, {"DI": di, "OUTPUT_MASK": str(tmp_path / "m.tif"),
                          "OUTPUT_MODEL": str(tmp_path / "m.onnx")})
    mask = read_mask(result["OUTPUT_MASK"])
    assert kappa(mask, scene[2]) > 0.9
    runner = svm.load_model(result["OUTPUT_MODEL"])
    assert runner.feature_names[0] == "di1" and runner.metadata["di_method"] == "precomputed"
    # The DI model applied to the images: it needs a DI.
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="trained on a precomputed difference image"):
        run(alg_id, inputs(scene, MODEL_IN=result["OUTPUT_MODEL"], OUTPUT_MASK=str(tmp_path / "x.tif")))


def test_errors_are_clear(run, alg_id, scene, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    out = {"OUTPUT_MASK": str(tmp_path / "m.tif")}
    shifted = make_raster(tmp_path / "shifted.tif", two_dates(seed=5)[1],
                          geotransform=(600010.0, 10.0, 0.0, 4800000.0, 0.0, -10.0))
    with pytest.raises(QgsProcessingException, match="not on the grid"):
        run(alg_id, {"IMAGE_1": scene[0], "IMAGE_2": shifted, **out})
    small = make_raster(tmp_path / "small.tif", np.zeros((40, 40), np.uint8), nodata=None,
                        dtype=gdal.GDT_Byte)
    with pytest.raises(QgsProcessingException, match="reference mask .* is not on the grid"):
        run(alg_id, inputs(scene, LABEL_SOURCE=1, REFERENCE_MASK=small, **out))
    far = pixel_box_layer([(1000, 1000, 1010, 1010, 1), (1200, 1000, 1210, 1010, 0)], name="far away")
    with pytest.raises(QgsProcessingException, match="no labelled pixel"):
        run(alg_id, inputs(scene, LABEL_SOURCE=0, POLYGONS=far, CLASS_FIELD="cls", **out))
    change_only = pixel_box_layer([(75, 55, 90, 70, 1)])
    with pytest.raises(QgsProcessingException, match=r"only one class.*none of no change"):
        run(alg_id, inputs(scene, LABEL_SOURCE=0, POLYGONS=change_only, CLASS_FIELD="cls", **out))
    with pytest.raises(QgsProcessingException, match="class field"):
        run(alg_id, inputs(scene, LABEL_SOURCE=0, POLYGONS=change_only, **out))
    with pytest.raises(QgsProcessingException, match="odd"):
        run(alg_id, inputs(scene, FEATURE_WINDOWS="4", **out))
    with pytest.raises(QgsProcessingException, match="both images"):
        run(alg_id, {"IMAGE_1": scene[0], **out})
    with pytest.raises(QgsProcessingException, match="Give the two images, or a difference image"):
        run(alg_id, out)
    # A model whose features the inputs cannot give.
    model = tmp_path / "two_bands.onnx"
    run(alg_id, inputs(scene, BANDS=[1, 2], OUTPUT_MASK=str(tmp_path / "t.tif"), OUTPUT_MODEL=str(model)))
    one_band = make_raster(tmp_path / "one_band_1.tif", two_dates()[0][:1])
    one_band2 = make_raster(tmp_path / "one_band_2.tif", two_dates()[1][:1])
    with pytest.raises(QgsProcessingException, match="band 2 does not exist"):
        run(alg_id, {"IMAGE_1": one_band, "IMAGE_2": one_band2, "MODEL_IN": str(model), **out})
    di2 = make_raster(tmp_path / "di2.tif", np.zeros((2, N, N), np.float32))
    di_model = tmp_path / "di.onnx"
    d1, d2, _ = two_dates()
    di1 = make_raster(tmp_path / "di1.tif", 10 * np.log10(d2[0] / d1[0]))
    run(alg_id, {"DI": di1, "OUTPUT_MASK": str(tmp_path / "d.tif"), "OUTPUT_MODEL": str(di_model)})
    with pytest.raises(QgsProcessingException, match="expects a difference image with 1 band"):
        run(alg_id, {"DI": di2, "MODEL_IN": str(di_model), **out})
    # Without scikit-learn: training is refused with the fix, applying a model still works.
    from sar_change.core.change import svm as core_svm

    def no_sklearn():
        raise ImportError(core_svm.SKLEARN_HINT)

    monkeypatch.setattr(core_svm, "_sklearn", no_sklearn)
    with pytest.raises(QgsProcessingException,
                       match="scikit-learn is needed to train; apply an existing .onnx"):
        run(alg_id, inputs(scene, **out))
    applied = run(alg_id, {"DI": di1, "MODEL_IN": str(di_model), "OUTPUT_MASK": str(tmp_path / "ok.tif")})
    assert np.array_equal(read_mask(applied["OUTPUT_MASK"]), read_mask(tmp_path / "d.tif"))


@pytest.mark.parametrize("label_source, cancel_at", [(0, 0.0), (2, 0.0), (2, 50.0)],
                         ids=["polygons_training", "pseudo_training", "prediction"])
def test_cancel_leaves_no_file(run, alg_id, scene, tmp_path, label_source, cancel_at):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class CancelAt(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda value: self.cancel() if value > cancel_at else None)

    feedback = CancelAt()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    paths = {"OUTPUT_MASK": str(tmp_path / "m.tif"), "OUTPUT_MODEL": str(tmp_path / "m.onnx")}
    polygons = pixel_box_layer([(75, 55, 90, 70, 1), (10, 100, 40, 130, 0)])
    params = inputs(scene, LABEL_SOURCE=label_source, POLYGONS=polygons, CLASS_FIELD="cls", **paths)
    result = run(alg_id, params, feedback=feedback, context=context)
    assert feedback.isCanceled()
    assert "OUTPUT_MASK" not in result and not context.layersToLoadOnCompletion()
    assert not any(os.path.exists(p) for p in paths.values())
    assert not [n for n in os.listdir(tmp_path) if "partial" in n]


def test_ottawa_end_to_end(run, alg_id, shared_data, tmp_path):
    """Ottawa through Processing: 8-bit BMPs, pseudo-labels (KI), LinearSVC."""
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    files = {s: p for p in folder.iterdir() for s in ("_1", "_2", "_gt") if p.stem.endswith(s)}
    if len(files) != 3:
        pytest.skip(f"{folder} lacks one of the _1, _2, _gt images")
    result = run(alg_id, {"IMAGE_1": str(files["_1"]), "IMAGE_2": str(files["_2"]), "SCALE": 1,
                          "OUTPUT_MASK": str(tmp_path / "ottawa.tif")})
    reference = evaluation.read_reference_mask(str(files["_gt"]))
    k = kappa(read_mask(result["OUTPUT_MASK"]), reference)
    print(f"Ottawa (Processing, KI pseudo-labels, LinearSVC): kappa {k:.4f}")
    assert k >= 0.8


def test_core_pipeline_equals_the_algorithm_and_reports_events(run, alg_id, scene, tmp_path):
    """``svm_raster.classify_rasters`` (a runner's entry point) gives the algorithm's mask, without QGIS."""
    from sar_change.core.change import svm_raster

    result = run(alg_id, inputs(scene, OUTPUT_MASK=str(tmp_path / "alg.tif")))
    events, progress = [], []
    out = svm_raster.classify_rasters(
        str(tmp_path / "core.tif"), scene[0], scene[1], options=svm_raster.SvmOptions(),
        dst_model=str(tmp_path / "core.onnx"), notify=lambda event, **values: events.append((event, values)),
        progress=progress.append)
    assert np.array_equal(read_mask(out["mask"]), read_mask(result["OUTPUT_MASK"]))
    assert out["model"] == str(tmp_path / "core.onnx") and os.path.exists(out["model"])
    assert [e for e, _ in events] == ["features", "pseudo_rule", "labelled", "trained", "model_saved"]
    for event, values in events:  # every event carries exactly the values EVENTS declares
        assert set(values) == set(svm_raster.EVENTS[event]), event
    assert progress[-1] == 100.0 and progress == sorted(progress)
    with pytest.raises(svm_raster.Cancelled):
        svm_raster.classify_rasters(str(tmp_path / "cancel.tif"), scene[0], scene[1],
                                    is_canceled=lambda: True)
    assert not os.path.exists(tmp_path / "cancel.tif")
