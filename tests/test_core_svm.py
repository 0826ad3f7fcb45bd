"""core.change.features and core.change.svm: features, labels, SVM training, ONNX round trip.

Numbers checked: accuracy > 0.99 on separable features; kappa > 0.9 of
pseudo-label SVMs on speckled two-date data with a -5 dB blob; identical
labels from the in-memory scikit-learn model and its ONNX export; tiled
features equal whole-image features bit for bit; Ottawa kappa >= 0.8.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from sar_change.core.change import difference, evaluation, svm
from sar_change.core.change import features as feat
from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import map_raster, read_array, stack_vrt, write_array

from helpers import gamma_speckle

pytest.importorskip("sklearn", reason="scikit-learn is needed to train")


def two_dates(n=160, looks=4, radius=30, change_db=-5.0, seed=0):
    """Speckled two-date linear power scene (textured background) and the change blob mask.

    The blob (disc of ``radius`` pixels) is ``change_db`` darker on date 2.
    """
    y, x = np.mgrid[0:n, 0:n]
    scene = np.where(x < n // 2, 1.0, 0.3) * (1.0 + 0.3 * np.sin(y / 9.0))
    blob = (y - n * 0.45) ** 2 + (x - n * 0.6) ** 2 < radius ** 2
    p1 = scene * gamma_speckle((n, n), looks, seed=seed + 1)
    p2 = scene * np.where(blob, 10 ** (change_db / 10), 1.0) * gamma_speckle((n, n), looks, seed=seed + 2)
    return p1.astype(np.float32), p2.astype(np.float32), blob


def kappa(mask, reference):
    """Cohen's kappa of a 0/1/255 mask (255 = no data, left out) against a boolean reference."""
    pred = np.where(mask == svm.NODATA, np.nan, mask).astype(np.float32)
    return evaluation.confusion(pred, np.asarray(reference, np.uint8)).kappa


@pytest.fixture(scope="module")
def scene():
    p1, p2, blob = two_dates()
    spec = feat.FeatureSpec(windows=(3, 7))
    return spec, spec.compute(np.stack([p1, p2])), blob


# --------------------------------------------------------------------------- features

def test_feature_names_and_windows():
    spec = feat.FeatureSpec(windows="7, 3", include_backscatter=True, bands=(1, 2))
    assert spec.windows == (3, 7)
    assert spec.margin == 3
    assert spec.names[:5] == ["log_ratio_b1", "log_ratio_b1_mean3", "log_ratio_b1_std3",
                              "log_ratio_b1_mean7", "log_ratio_b1_std7"]
    assert spec.names[10:13] == ["db_t1_b1", "db_t1_b1_mean3", "db_t1_b1_mean7"]
    assert len(spec.names) == 2 * 5 + 4 * 3
    assert feat.FeatureSpec(di_method=difference.MEAN_RATIO).margin == 1 + 3  # DI window 3 + window 7
    assert feat.FeatureSpec(di_method=feat.PRECOMPUTED, di_bands=2, images=False, windows=()).names == [
        "di1", "di2"]
    for bad in ("4", "3,x", "0", "-3"):
        with pytest.raises(ValueError, match="odd|number"):
            feat.parse_windows(bad)
    mixed = feat.FeatureSpec(di_method=feat.PRECOMPUTED, di_bands=1, bands=(2,), windows=(3,),
                             include_backscatter=True, scale=scales.DB)
    assert mixed.names == ["di1", "di1_mean3", "di1_std3", "db_t1_b2", "db_t1_b2_mean3", "db_t2_b2",
                           "db_t2_b2_mean3"]
    block = np.stack([np.full((6, 6), -12.0), np.full((6, 6), -15.0), np.full((6, 6), -3.0)])
    out = mixed.compute(block)  # date 1 (dB), date 2 (dB), then the DI band
    assert out.shape == (7, 6, 6) and out[0, 3, 3] == -3.0
    assert out[3, 3, 3] == pytest.approx(-12.0, abs=1e-5) and out[5, 3, 3] == pytest.approx(-15.0, abs=1e-5)
    with pytest.raises(ValueError, match="precomputed difference image"):
        feat.FeatureSpec(di_method=feat.PRECOMPUTED, images=False)
    with pytest.raises(ValueError, match="backscatter features need the two images"):
        feat.FeatureSpec(di_method=feat.PRECOMPUTED, di_bands=1, images=False, include_backscatter=True)


def test_local_features_values_and_nodata():
    rng = np.random.default_rng(3)
    di = rng.normal(size=(20, 24)).astype(np.float32)
    di[5, 6] = np.nan
    out, names = feat.local_features(di, windows=(3,), backscatter_db=np.stack([di * 2, di]))
    assert names == ["di1", "di1_mean3", "di1_std3", "db1", "db1_mean3", "db2", "db2_mean3"]
    assert out.dtype == np.float32 and out.shape == (7, 20, 24)
    assert np.isnan(out[:, 5, 6]).all()  # no data in every feature
    window = di[9:12, 9:12].astype(np.float64)
    assert out[1, 10, 10] == pytest.approx(window.mean(), rel=1e-5)
    assert out[2, 10, 10] == pytest.approx(window.std(ddof=1), rel=1e-4)
    neighbour = di[4:7, 6:9].astype(np.float64)  # holds the NaN pixel: left out of the window
    assert out[1, 5, 7] == pytest.approx(np.nanmean(neighbour), rel=1e-5)


def test_log_ratio_feature_is_db_and_zero_power_is_nodata():
    p1 = np.full((10, 10), 0.1, np.float32)
    p2 = np.full((10, 10), 0.01, np.float32)
    p1[2, 3] = 0.0
    spec = feat.FeatureSpec(windows=(3,), include_backscatter=True)
    out = spec.compute(np.stack([p1, p2]))
    assert out[0, 5, 5] == pytest.approx(-10.0, abs=1e-5)  # 10 log10(0.01 / 0.1) dB
    assert out[spec.names.index("db_t1_b1"), 5, 5] == pytest.approx(-10.0, abs=1e-5)
    assert np.isnan(out[:, 2, 3]).all()
    amp = feat.FeatureSpec(windows=(), scale=scales.AMPLITUDE).compute(np.stack([np.sqrt(p1), np.sqrt(p2)]))
    assert amp[0, 5, 5] == pytest.approx(-10.0, abs=1e-4)


@pytest.mark.parametrize("spec", [
    feat.FeatureSpec(windows=(3, 7), include_backscatter=True, bands=(1, 2)),
    feat.FeatureSpec(di_method=difference.MEAN_RATIO, windows=(5,), bands=(1, 2)),
    feat.FeatureSpec(di_method=difference.EUCLIDEAN_DB, windows=(3, 7), bands=(1, 2)),
], ids=["log_ratio_backscatter", "mean_ratio", "euclidean"])
def test_tiled_features_equal_whole_image_bit_for_bit(tmp_path, spec):
    rng = np.random.default_rng(5)
    n = 90
    d1 = np.stack([gamma_speckle((n, n), 3, seed=s) for s in (1, 2)])
    d2 = np.stack([gamma_speckle((n, n), 3, seed=s) for s in (3, 4)])
    d1[0, rng.integers(0, n, 40), rng.integers(0, n, 40)] = -9999.0
    d2[1, 30:34, 50:60] = -9999.0
    a = write_array(tmp_path / "a.tif", d1, nodata=-9999.0)
    b = write_array(tmp_path / "b.tif", d2, nodata=-9999.0)
    whole = spec.compute(np.where(np.stack([*d1, *d2]) == -9999.0, np.nan, np.stack([*d1, *d2])))
    vrt = stack_vrt([a, b])
    try:
        out = map_raster(vrt, tmp_path / "tiled.tif", spec.compute, spec.margin, len(spec.names), block=23)
        streamed = np.full_like(whole, -1.0)
        for window, block, labels in feat.feature_blocks(vrt, spec.compute, spec.margin, block=31):
            x, y, w, h = window.core
            streamed[:, y:y + h, x:x + w] = block
            assert labels is None
    finally:
        from osgeo import gdal

        gdal.Unlink(vrt)
    tiled = np.stack([read_array(out, k + 1) for k in range(len(spec.names))])
    assert np.array_equal(tiled, whole, equal_nan=True)
    assert np.array_equal(streamed, whole, equal_nan=True)
    assert np.isnan(whole).any() and np.isfinite(whole).mean() > 0.9


def test_spec_metadata_round_trip():
    spec = feat.FeatureSpec(di_method=difference.MEAN_RATIO, bands=(2, 3), windows=(3, 9),
                            include_backscatter=True, scale=scales.DB)
    meta = spec.to_metadata()
    assert all(isinstance(v, str) for v in meta.values())
    assert feat.FeatureSpec.from_metadata(meta) == spec
    assert feat.FeatureSpec.from_metadata(meta, scale=scales.AMPLITUDE).scale == scales.AMPLITUDE
    with pytest.raises(ValueError, match="does not describe its features"):
        feat.FeatureSpec.from_metadata({"di_method": "log_ratio"})


# --------------------------------------------------------------------------- labels and sampling

def test_labels_from_values():
    values = np.array([0, 1, 255, 2, 254, np.nan, 0.5], np.float32)
    assert svm.labels_from_values(values).tolist() == [0, 1, 1, -1, -1, -1, -1]


def test_class_sampler_cap_seed_and_uniformity():
    rows = np.arange(30000, dtype=np.float32)[:, None]
    labels = (np.arange(30000) % 3 == 0).astype(np.int8)  # 10000 change, 20000 no change
    labels[:50] = -1
    a, b = svm.ClassSampler(cap=500, seed=7), svm.ClassSampler(cap=500, seed=7)
    for start in range(0, 30000, 4096):  # fed in blocks
        a.add(rows[start:start + 4096], labels[start:start + 4096])
        b.add(rows[start:start + 4096], labels[start:start + 4096])
    X, y = a.result()
    assert a.counts == {0: 500, 1: 500} and a.seen == {0: 20000 - 33, 1: 10000 - 17}
    assert np.array_equal(X, b.result()[0])  # same seed, same sample
    assert len(np.unique(X)) == 1000  # without replacement
    assert np.all(labels[X[:, 0].astype(int)] == y)
    assert abs(np.median(X[y == 0]) - 15000) < 1500  # spread over the whole range
    c = svm.ClassSampler(cap=500, seed=8)
    c.add(rows, labels)
    assert not np.array_equal(c.result()[0], X)
    everything = svm.ClassSampler(cap=None)
    everything.add(rows, labels)
    assert everything.counts == {0: 20000 - 33, 1: 10000 - 17}


def test_label_errors_are_clear(scene):
    spec, features, _ = scene
    none = np.full(features.shape[1:], -1, np.int8)
    with pytest.raises(ValueError, match="no labelled pixel"):
        svm.train_on_image(features, none, spec.names)
    ones = np.ones(features.shape[1:], np.int8)
    with pytest.raises(ValueError, match=r"only one class.*none of no change \(0\)"):
        svm.train_on_image(features, ones, spec.names)
    with pytest.raises(ValueError, match="only one class"):
        svm.train_svm(np.ones((10, 5)), np.zeros(10), spec.names)


# --------------------------------------------------------------------------- training

def test_linear_svc_separable_features_accuracy():
    rng = np.random.default_rng(11)
    n = 4000
    y = rng.integers(0, 2, n)
    centres = np.array([[0.0, 0.0, 5.0, -2.0], [3.0, 1.0, 9.0, 4.0]])
    X = centres[y] + rng.normal(0, [0.3, 2.0, 0.5, 1.0], (n, 4))  # separable along a direction
    names = ["a", "b", "c", "d"]
    trained = svm.train_svm(X[:2000].astype(np.float32), y[:2000], names, svm.LINEAR_SVC, seed=0)
    accuracy = np.mean(trained.predict_rows(X[2000:]) == y[2000:])
    assert accuracy > 0.99
    assert trained.summary["n_change"] + trained.summary["n_no_change"] == 2000
    scaler = trained.pipeline.steps[0][1]
    assert np.allclose(scaler.mean_, X[:2000].mean(axis=0), rtol=1e-5)  # fitted on the training sample


@pytest.mark.parametrize("method", svm.PSEUDO_METHODS)
@pytest.mark.parametrize("classifier", svm.CLASSIFIERS)
def test_pseudo_labels_recover_change_blob(scene, method, classifier):
    spec, features, blob = scene
    labels, rule = svm.pseudo_labels(features, spec.names, method=method, seed=0)
    labelled = labels >= 0
    assert 0.2 < labelled.mean() < 0.9  # the uncertain pixels are left out ...
    assert np.mean(labels[labelled] == blob[labelled]) > 0.99  # ... the confident ones are right
    trained = svm.train_on_image(features, labels, spec.names, classifier, seed=0,
                                 label_source=svm.PSEUDO_LABELS)
    mask = svm.classify(trained, features)
    k = kappa(mask, blob)
    assert k > 0.9, f"{method}/{classifier}: kappa {k:.4f}"
    if method != svm.KMEANS:
        assert 1.0 < rule.threshold < 5.0  # dB, between the no-change and change levels of |log ratio|


def test_rbf_sample_cap_is_seeded(scene):
    spec, features, blob = scene
    a = svm.train_on_image(features, blob.astype(np.int8), spec.names, svm.RBF_SVC, cap=300, seed=4)
    b = svm.train_on_image(features, blob.astype(np.int8), spec.names, svm.RBF_SVC, cap=300, seed=4)
    assert a.summary["n_change"] == a.summary["n_no_change"] == 300
    assert a.summary["labelled_change"] == int(blob.sum())
    assert np.array_equal(a.pipeline.steps[-1][1].support_vectors_, b.pipeline.steps[-1][1].support_vectors_)
    assert kappa(svm.classify(a, features), blob) > 0.9


def test_reference_mask_labels_with_ignored_pixels(scene):
    spec, features, blob = scene
    mask = np.where(blob, 255, 0).astype(np.float32)
    mask[:, ::2] = 7  # every other column unlabelled
    mask[:10] = np.nan  # no data
    labels = svm.labels_from_values(mask)
    trained = svm.train_on_image(features, labels, spec.names, svm.LINEAR_SVC,
                                 label_source=svm.REFERENCE_MASK)
    assert trained.summary["labelled_change"] == int((labels == 1).sum())
    assert kappa(svm.classify(trained, features), blob) > 0.9


def test_classify_marks_nodata(scene):
    spec, features, blob = scene
    trained = svm.train_on_image(features, blob.astype(np.int8), spec.names)
    holed = features.copy()
    holed[2, 40, 50] = np.nan
    mask = svm.classify(trained, holed)
    assert mask.dtype == np.uint8 and mask[40, 50] == svm.NODATA
    assert set(np.unique(mask)) == {0, 1, svm.NODATA}
    with pytest.raises(ValueError, match="expects 5 features per pixel, got 3"):
        svm.classify(trained, features[:3])


# --------------------------------------------------------------------------- ONNX

@pytest.fixture(scope="module")
def onnx_ready():
    pytest.importorskip("skl2onnx", reason="skl2onnx is needed to export")
    pytest.importorskip("onnxruntime", reason="onnxruntime is needed to apply")


@pytest.mark.parametrize("classifier", svm.CLASSIFIERS)
def test_onnx_export_gives_identical_labels(onnx_ready, scene, tmp_path, classifier):
    spec, features, blob = scene
    labels, rule = svm.pseudo_labels(features, spec.names, method=svm.OTSU)
    trained = svm.train_on_image(features, labels, spec.names, classifier, seed=1,
                                 label_source=svm.PSEUDO_LABELS, extra={"pseudo_labels": rule.summary()})
    path = tmp_path / f"{classifier}.onnx"
    svm.export_onnx(trained, path, spec.to_metadata())
    in_memory = svm.classify(trained, features)
    reapplied = svm.predict_onnx(path, features, spec.names)
    assert np.array_equal(in_memory, reapplied)
    assert kappa(reapplied, blob) > 0.9
    # A second, unrelated image: still identical (the model, not the data, is compared).
    p1, p2, _ = two_dates(n=96, seed=20, radius=15)
    other = spec.compute(np.stack([p1, p2]))
    assert np.array_equal(svm.classify(trained, other), svm.predict_onnx(path, other))
    # Linear decision values agree to double precision.
    if classifier == svm.LINEAR_SVC:
        from sar_change.models import onnx_runtime

        rows, _ = svm.valid_rows(features)
        scores = onnx_runtime.load(path).run(rows, outputs=["probabilities"])[0]
        reference = trained.pipeline.decision_function(rows.astype(np.float64))
        assert np.abs(scores[:, -1] - reference).max() < 1e-9


def test_onnx_metadata_round_trip(onnx_ready, scene, tmp_path):
    from sar_change.models import onnx_runtime

    spec, features, blob = scene
    trained = svm.train_on_image(features, blob.astype(np.int8), spec.names, svm.LINEAR_SVC,
                                 label_source=svm.REFERENCE_MASK)
    path = tmp_path / "model.onnx"
    data = svm.export_onnx(trained, path, spec.to_metadata())
    assert path.read_bytes() == data
    meta = onnx_runtime.read_metadata(path)
    assert meta["kind"] == svm.MODEL_KIND and meta["version"] == svm.MODEL_VERSION
    assert json.loads(meta["feature_names"]) == spec.names
    assert json.loads(meta["windows"]) == [3, 7]
    assert meta["input_scale"] == scales.LINEAR_POWER and meta["di_method"] == difference.LOG_RATIO
    training = json.loads(meta["training"])
    assert training["label_source"] == svm.REFERENCE_MASK
    assert training["n_change"] == int(blob.sum()) and training["n_no_change"] == int((~blob).sum())
    runner = svm.load_model(path)
    assert runner.feature_names == spec.names and runner.n_features == 5 and runner.input_dtype == np.float64
    assert feat.FeatureSpec.from_metadata(runner.metadata) == spec
    assert svm.training_summary(runner)["classifier"] == svm.LINEAR_SVC
    # bytes load too, and a batch size smaller than the image changes nothing
    rows, _ = svm.valid_rows(features)
    small = svm.load_model(data).run(rows, outputs=["label"], batch_size=777)[0]
    assert np.array_equal(small, trained.predict_rows(rows))


def test_feature_mismatch_raises(onnx_ready, scene, tmp_path):
    spec, features, blob = scene
    trained = svm.train_on_image(features, blob.astype(np.int8), spec.names)
    path = tmp_path / "model.onnx"
    svm.export_onnx(trained, path, spec.to_metadata())
    with pytest.raises(ValueError, match="expects 5 features per pixel, got 3"):
        svm.predict_onnx(path, features[:3])
    with pytest.raises(ValueError, match=r"expects 5 features per pixel, got 7.*unexpected"):
        other = feat.FeatureSpec(windows=(3, 5, 7))
        svm.predict_onnx(path, np.concatenate([features, features[:2]]), other.names)
    renamed = [n.replace("log_ratio", "mean_ratio") for n in spec.names]
    with pytest.raises(ValueError, match="do not match the model.*missing"):
        svm.predict_onnx(path, features, renamed)


def test_load_model_refuses_foreign_onnx(onnx_ready, tmp_path):
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.linear_model import LogisticRegression

    from sar_change.models import onnx_runtime

    X = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    onx = convert_sklearn(model, initial_types=[("x", FloatTensorType([None, 3]))],
                          target_opset=dict(svm.OPSET), options={id(model): {"zipmap": False}})
    path = tmp_path / "foreign.onnx"
    path.write_bytes(onx.SerializeToString())
    with pytest.raises(ValueError, match="not a SAR Change SVM model"):
        svm.load_model(path)
    runner = onnx_runtime.load(path)  # the generic runner runs it: float input, no names
    assert runner.feature_names is None and runner.n_features == 3 and runner.input_dtype == np.float32
    labels = runner.run(X, outputs=["label"], batch_size=7)[0]
    assert np.array_equal(labels, model.predict(X))
    assert runner.run(X[:0])[0].shape[0] == 0
    with pytest.raises(ValueError, match="expects 3 features per pixel, got 2"):
        runner.run(X[:, :2])
    with pytest.raises(ValueError, match="does not exist"):
        onnx_runtime.load(tmp_path / "missing.onnx")
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(ValueError, match="cannot load ONNX model"):
        onnx_runtime.load(tmp_path / "junk.onnx")


# --------------------------------------------------------------------------- real data

def benchmark_files(folder):
    """The ``_1``, ``_2`` and ``_gt`` images of a cd_benchmarks folder, found by name suffix."""
    found = {}
    for path in Path(folder).iterdir():
        for suffix in ("_1", "_2", "_gt"):
            if path.stem.endswith(suffix):
                found[suffix] = path
    if len(found) != 3:
        pytest.skip(f"{folder} lacks one of the _1, _2, _gt images")
    return found["_1"], found["_2"], found["_gt"]


def test_ottawa_pseudo_label_linear_svc_kappa(shared_data):
    """Ottawa (RADARSAT-1, 1997 flood; 8-bit images): unsupervised pseudo-labels + LinearSVC."""
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    one, two, gt = benchmark_files(folder)
    reference = evaluation.read_reference_mask(str(gt))
    spec = feat.FeatureSpec(windows=(3, 7), scale=scales.AMPLITUDE)
    features = spec.compute(np.stack([read_array(str(one)), read_array(str(two))]))
    results = {}
    for method in (svm.KI, svm.OTSU):
        labels, _ = svm.pseudo_labels(features, spec.names, method=method, seed=1)
        trained = svm.train_on_image(features, labels, spec.names, svm.LINEAR_SVC, seed=1)
        mask = svm.classify(trained, features)
        results[method] = evaluation.confusion(np.where(mask == 255, np.nan, mask), reference).kappa
    print(f"Ottawa pseudo-label LinearSVC kappa: KI {results[svm.KI]:.4f}, Otsu {results[svm.OTSU]:.4f}")
    assert results[svm.KI] >= 0.8 and results[svm.OTSU] >= 0.8
