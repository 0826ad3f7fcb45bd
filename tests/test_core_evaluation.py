"""core.change.evaluation and core.change.report: numbers against hand arithmetic and scikit-learn.

scikit-learn is the reference here only (the plugin never imports it).
Real data: the Ottawa benchmark (RADARSAT-1, 1997 flood) from
../shared/data/cd_benchmarks (skipped when absent); research use only.
"""
import json
import math
import re

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import evaluation as ev
from sar_change.core.change import report
from sar_change.core.engine.raster_blocks import Cancelled, RasterError, block_windows, read_array

metrics = pytest.importorskip("sklearn.metrics")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


GEOTRANSFORM = (0.0, 10.0, 0.0, 0.0, 0.0, -10.0)


def write_tif(path, array, nodata=None, dtype=gdal.GDT_Float32, geotransform=GEOTRANSFORM):
    array = np.asarray(array)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), array.shape[1], array.shape[0], 1, dtype)
    ds.SetGeoTransform(geotransform)
    band = ds.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(array)
    ds = None
    return str(path)


def random_case(shape=(211, 157), seed=0, p_change=0.2):
    """Reference (0/255 with ignored values 7 and 128), DI, prediction (0/1 with NaN)."""
    rng = np.random.default_rng(seed)
    ref = np.where(rng.random(shape) < p_change, 255, 0).astype(np.uint8)
    ref[rng.random(shape) < 0.03] = 7
    ref[rng.random(shape) < 0.02] = 128
    di = rng.normal(size=shape) + 1.2 * (ref == 255)
    pred = (di > 0.7).astype(np.float32)
    pred[rng.random(shape) < 0.02] = np.nan
    return pred, ref, di


# --------------------------------------------------------------------------- confusion


def test_confusion_counts_hand_made_example():
    nan = np.nan
    pred = np.array([[1, 1, 0, 0],
                     [1, 0, 0, nan],
                     [0, 1, 1, 0]])
    ref = np.array([[255, 0, 255, 0],
                    [255, 0, 7, 0],    # 7: ignored
                    [0, 255, 0, 128]])  # 128: ignored; NaN prediction at (1, 3): ignored
    c = ev.confusion(pred, ref)
    assert (c.tp, c.fp, c.fn, c.tn) == (3, 2, 1, 3)
    assert c.total == 9 and c.oe == 3 and c.changed_reference == 4 and c.changed_predicted == 5
    assert c.pcc == pytest.approx(100 * 6 / 9)
    # p_o = 6/9; p_e = (5 * 4 + 4 * 5) / 81 = 40/81; kappa = (54/81 - 40/81) / (41/81) = 14/41
    assert c.kappa == pytest.approx(14 / 41, abs=1e-15)
    assert c.precision == pytest.approx(3 / 5) and c.recall == pytest.approx(3 / 4)
    assert c.f1 == pytest.approx(6 / 9) and c.iou == pytest.approx(3 / 6)
    assert c.false_alarm_rate == pytest.approx(2 / 5) and c.missed_rate == pytest.approx(1 / 4)
    # Same counts with 0/1 reference and bool prediction (NaN pixel left out by ``ignore``).
    ref01 = np.where(ref == 255, 1, ref)
    ignore = np.isnan(pred)
    assert ev.confusion(np.nan_to_num(pred).astype(bool), ref01, ignore=ignore) == c
    # ``ignore`` removes more pixels.
    extra = np.zeros(pred.shape, bool)
    extra[0, 0] = True
    assert ev.confusion(pred, ref, ignore=extra) == ev.Confusion(tp=2, fp=2, fn=1, tn=3)


def test_kappa_hand_computed_and_sklearn():
    # Confusion matrix: TP = 20, FP = 10, FN = 5, TN = 65, N = 100.
    # p_o = (20 + 65) / 100 = 0.85
    # p_e = [(20 + 10)(20 + 5) + (5 + 65)(10 + 65)] / 100^2 = (750 + 5250) / 10000 = 0.60
    # kappa = (0.85 - 0.60) / (1 - 0.60) = 0.625
    pred = np.array([1] * 20 + [1] * 10 + [0] * 5 + [0] * 65)
    ref = np.array([1] * 20 + [0] * 10 + [1] * 5 + [0] * 65)
    c = ev.confusion(pred, ref)
    assert (c.tp, c.fp, c.fn, c.tn) == (20, 10, 5, 65)
    assert c.kappa == pytest.approx(0.625, abs=1e-15)
    assert c.kappa == pytest.approx(metrics.cohen_kappa_score(ref, pred), abs=1e-12)
    assert c.pcc == pytest.approx(85.0)
    assert c.oe == 15


@pytest.mark.parametrize("seed", range(5))
def test_measures_match_sklearn(seed):
    pred, ref, _ = random_case(seed=seed, p_change=0.05 + 0.1 * seed)
    c = ev.confusion(pred, ref)
    keep = np.isfinite(pred) & np.isin(ref, (0, 255))
    y_true, y_pred = (ref[keep] == 255).astype(int), pred[keep].astype(int)
    assert c.total == keep.sum()
    assert c.kappa == pytest.approx(metrics.cohen_kappa_score(y_true, y_pred), abs=1e-12)
    assert c.f1 == pytest.approx(metrics.f1_score(y_true, y_pred), abs=1e-12)
    assert c.precision == pytest.approx(metrics.precision_score(y_true, y_pred), abs=1e-12)
    assert c.recall == pytest.approx(metrics.recall_score(y_true, y_pred), abs=1e-12)
    assert c.iou == pytest.approx(metrics.jaccard_score(y_true, y_pred), abs=1e-12)
    assert c.pcc == pytest.approx(100 * metrics.accuracy_score(y_true, y_pred), abs=1e-10)
    tn, fp, fn, tp = metrics.confusion_matrix(y_true, y_pred).ravel()
    assert (c.tp, c.fp, c.fn, c.tn) == (tp, fp, fn, tn)


def test_undefined_measures_are_nan_and_bad_inputs_raise():
    none_predicted = ev.Confusion(tp=0, fp=0, fn=5, tn=5)
    assert math.isnan(none_predicted.precision) and none_predicted.recall == 0.0
    all_unchanged = ev.Confusion(tn=10)
    assert math.isnan(all_unchanged.kappa) and all_unchanged.pcc == 100.0
    assert math.isnan(ev.Confusion().pcc)
    with pytest.raises(ValueError, match="prediction must hold 0 = unchanged"):
        ev.confusion(np.array([0, 1, 2]), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="prediction must hold"):
        ev.confusion(np.array([0.0, 0.4]), np.array([0, 1]))
    with pytest.raises(ValueError, match="differ in shape"):
        ev.confusion(np.zeros(3), np.zeros(4))


def test_accumulate_over_blocks_equals_whole():
    pred, ref, _ = random_case(shape=(700, 530), seed=3)
    whole = ev.confusion(pred, ref)
    windows = block_windows(530, 700, block=128)
    assert len(windows) > 20

    def blocks():
        for w in windows:
            x, y, cw, ch = w.core
            yield pred[y:y + ch, x:x + cw], ref[y:y + ch, x:x + cw]

    assert ev.accumulate(blocks()) == whole
    half = ev.accumulate(blocks(), initial=whole)
    assert half.tp == 2 * whole.tp and half.kappa == pytest.approx(whole.kappa)
    assert ev.confusion(pred[:300], ref[:300]) + ev.confusion(pred[300:], ref[300:]) == whole


# --------------------------------------------------------------------------- ROC


@pytest.mark.parametrize("seed", range(4))
def test_roc_matches_sklearn_with_ties(seed):
    rng = np.random.default_rng(seed)
    n = 20000
    y = rng.random(n) < 0.1 + 0.2 * seed
    scores = np.round(rng.normal(size=n) + y, 1)  # many ties, within and across classes
    ref = np.where(y, 255, 0)
    curve = ev.roc_curve(scores, ref)
    fpr, tpr, thresholds = metrics.roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_array_equal(curve.fpr, fpr)
    np.testing.assert_array_equal(curve.tpr, tpr)
    np.testing.assert_array_equal(curve.thresholds[1:], thresholds[1:])
    assert curve.thresholds[0] == np.inf
    assert abs(curve.auc - metrics.roc_auc_score(y, scores)) < 1e-12
    assert abs(ev.auc(curve.fpr, curve.tpr) - metrics.auc(fpr, tpr)) < 1e-12
    assert (curve.changed, curve.unchanged) == (y.sum(), n - y.sum())
    # Dropping collinear points keeps the curve and its area; it drops at least what sklearn drops.
    dropped = ev.roc_curve(scores, ref, drop_intermediate=True)
    fpr_d, tpr_d, _ = metrics.roc_curve(y, scores, drop_intermediate=True)
    assert len(dropped.fpr) <= len(fpr_d) < len(fpr)
    assert abs(dropped.auc - curve.auc) < 1e-15
    assert abs(ev.auc(dropped.fpr, dropped.tpr) - curve.auc) < 1e-12
    # Every point of the full curve lies on the segment between the kept points around it.
    fps, tps = np.round(fpr * curve.unchanged), np.round(tpr * curve.changed)
    kept = np.flatnonzero(np.isin(curve.thresholds, dropped.thresholds))
    assert len(kept) == len(dropped.fpr)
    for a, b in zip(kept[:-1], kept[1:]):
        between = np.arange(a, b + 1)
        cross = (fps[b] - fps[a]) * (tps[between] - tps[a]) - (tps[b] - tps[a]) * (fps[between] - fps[a])
        assert not cross.any()


def test_roc_ignores_unlabelled_and_nan_and_thins():
    rng = np.random.default_rng(7)
    scores = rng.normal(size=5000)
    ref = rng.choice([0, 1, 3], size=5000, p=[0.6, 0.3, 0.1])
    scores[::50] = np.nan
    keep = np.isfinite(scores) & (ref != 3)
    curve = ev.roc_curve(scores, ref)
    assert abs(curve.auc - metrics.roc_auc_score(ref[keep], scores[keep])) < 1e-12
    thin = ev.roc_curve(scores, ref, max_points=50)
    assert len(thin.fpr) <= 50 and thin.auc == curve.auc
    assert (thin.fpr[0], thin.tpr[0], thin.fpr[-1], thin.tpr[-1]) == (0, 0, 1, 1)
    with pytest.raises(ValueError, match="needs changed and unchanged"):
        ev.roc_curve(scores, np.zeros(5000))
    with pytest.raises(ValueError, match="monotonic"):
        ev.auc([0, 0.5, 0.2, 1], [0, 0.5, 0.6, 1])


def test_balanced_roc_close_to_unbalanced_on_large_data():
    rng = np.random.default_rng(11)
    n = 400_000
    y = rng.random(n) < 0.05  # about 20,000 changed
    scores = rng.gamma(2.0, 1.0, n) * np.where(y, 2.0, 1.0)
    full = ev.roc_curve(scores, y)
    balanced = ev.roc_curve(scores, y, balanced=True, seed=1)
    assert balanced.balanced and balanced.changed == balanced.unchanged == y.sum()
    assert abs(balanced.auc - full.auc) < 0.01  # sampling error ~ 0.003 for 20,000 per class
    assert balanced.auc != full.auc
    again = ev.roc_curve(scores, y, balanced=True, seed=1)
    assert again.auc == balanced.auc  # seeded
    assert ev.roc_curve(scores, y, balanced=True, seed=2).auc != balanced.auc


def test_histogram_roc_within_documented_bound():
    rng = np.random.default_rng(5)
    n = 1_000_000
    y = rng.random(n) < 0.15
    scores = rng.normal(size=n) + y
    exact = ev.roc_curve(scores, y)
    approx = ev.histogram_roc_curve(scores, y)
    assert approx.method == "histogram" and len(approx.fpr) <= ev.HISTOGRAM_BINS + 1
    assert 0 < approx.auc_error_bound < 1e-3
    assert abs(approx.auc - exact.auc) <= approx.auc_error_bound
    # Streaming over blocks gives the same counts.
    hist = ev.RocHistogram(float(scores.min()), float(scores.max()))
    for part in np.array_split(np.arange(n), 7):
        hist.add(scores[part], y[part])
    assert hist.curve().auc == approx.auc
    # Coarse bins: larger bound, still honoured.
    coarse = ev.histogram_roc_curve(scores, y, bins=16)
    assert abs(coarse.auc - exact.auc) <= coarse.auc_error_bound


# --------------------------------------------------------------------------- reference masks


@pytest.mark.parametrize("values, nodata, dtype", [
    ((0, 1), None, gdal.GDT_Byte),
    ((0, 255), None, gdal.GDT_Byte),
    ((0, 1, 255), 255, gdal.GDT_Byte),
    ((0.0, 1.0, -9999.0), -9999.0, gdal.GDT_Float32),
])
def test_read_reference_mask_accepted(tmp_path, values, nodata, dtype):
    rng = np.random.default_rng(0)
    array = rng.choice(values, size=(40, 30))
    labels = ev.read_reference_mask(write_tif(tmp_path / "ref.tif", array, nodata, dtype))
    assert labels.dtype == np.int8
    expected = np.where(array == nodata, -1, np.where(array == 0, 0, 1)) if nodata is not None else \
        np.where(array == 0, 0, 1)
    np.testing.assert_array_equal(labels, expected)


@pytest.mark.parametrize("values, nodata, dtype", [
    ((0, 1, 2), None, gdal.GDT_Byte),
    ((0, 128, 255), None, gdal.GDT_Byte),
    ((0.0, 0.5, 1.0), None, gdal.GDT_Float32),
    ((0, 1, 3), 255, gdal.GDT_Byte),
    ((0, 1, 255), None, gdal.GDT_Byte),  # 255 not declared no data: ambiguous
])
def test_read_reference_mask_refuses_bad_values(tmp_path, values, nodata, dtype):
    rng = np.random.default_rng(0)
    path = write_tif(tmp_path / "bad.tif", rng.choice(values, size=(40, 30)), nodata, dtype)
    with pytest.raises(ValueError, match=re.escape(ev.REFERENCE_HELP)) as info:
        ev.read_reference_mask(path)
    assert "bad.tif" in str(info.value)


# --------------------------------------------------------------------------- rasters


def test_evaluate_rasters_streams_like_in_memory(tmp_path):
    pred, ref, di = random_case(shape=(300, 230), seed=9)
    ref = np.where(np.isin(ref, (0, 255)), ref, 99).astype(np.uint8)  # 99 = declared no data
    pred_path = write_tif(tmp_path / "pred.tif", np.nan_to_num(pred, nan=-1), nodata=-1)
    di_path = write_tif(tmp_path / "di.tif", di)
    ref_path = write_tif(tmp_path / "ref.tif", ref, nodata=99, dtype=gdal.GDT_Byte)
    calls, caps, before = [], [], gdal.GetCacheMax()
    gdal.SetCacheMax(2 ** 30)
    try:
        result = ev.evaluate_rasters(ref_path, pred_path, di_path, block=64,
                                     progress=lambda p: (calls.append(p), caps.append(gdal.GetCacheMax())))
    finally:
        gdal.SetCacheMax(before)
    from sar_change.core.engine.raster_blocks import DEFAULT_GDAL_CACHE_MB
    assert set(caps) == {DEFAULT_GDAL_CACHE_MB * 2 ** 20}  # every block read under the engine's cache cap
    assert result.confusion == ev.confusion(pred, ref)
    assert result.stride == 1 and result.sample_pixels == 300 * 230
    assert abs(result.roc.auc - ev.roc_curve(di.astype(np.float32), ref).auc) < 1e-15
    assert result.di_changed.size == np.count_nonzero(ref == 255)
    assert calls[-1] == 100.0 and len(calls) == len(block_windows(230, 300, 64))
    # A bounded sample: every s-th row and column, ROC on it; counts still on every pixel.
    sampled = ev.evaluate_rasters(ref_path, pred_path, di_path, block=64, max_sample=5000)
    s = ev.sample_stride(230, 300, 5000)
    assert s == sampled.stride == 4 and sampled.sample_pixels <= 5000
    assert sampled.confusion == result.confusion
    np.testing.assert_array_equal(sampled.sample_reference,
                                  ev.reference_labels(np.where(ref == 99, np.nan, ref))[::s, ::s])
    assert sampled.roc.auc == ev.roc_curve(di.astype(np.float32)[::s, ::s], ref[::s, ::s]).auc
    assert sampled.notes and "with a step of 4" in sampled.notes[0]
    # DI only, with a threshold: the change map is DI >= threshold.
    di_only = ev.evaluate_rasters(ref_path, di=di_path, threshold=0.7, block=100)
    assert di_only.confusion == ev.confusion((di.astype(np.float32) >= 0.7), ref)
    assert ev.evaluate_rasters(ref_path, di=di_path).confusion is None


def test_evaluate_rasters_errors(tmp_path):
    ref = np.zeros((50, 40), np.uint8)
    ref[:10] = 1
    ref[40:] = 255  # 1 and 255 in different blocks
    ref_path = write_tif(tmp_path / "ref.tif", ref, dtype=gdal.GDT_Byte)
    pred_path = write_tif(tmp_path / "pred.tif", np.zeros((50, 40)))
    with pytest.raises(ValueError, match="holds both 1 and 255"):
        ev.evaluate_rasters(ref_path, pred_path, block=16)
    ok_ref = write_tif(tmp_path / "ok.tif", np.minimum(ref, 1), dtype=gdal.GDT_Byte)
    small = write_tif(tmp_path / "small.tif", np.zeros((50, 39)))
    with pytest.raises(RasterError, match="small.tif.*resample/coregister onto the reference grid"):
        ev.evaluate_rasters(ok_ref, small)
    shifted = write_tif(tmp_path / "shifted.tif", np.zeros((50, 40)),
                        geotransform=(5.0, 10.0, 0.0, 0.0, 0.0, -10.0))
    with pytest.raises(RasterError, match="geotransform"):
        ev.evaluate_rasters(ok_ref, di=shifted)
    with pytest.raises(ValueError, match="give a prediction"):
        ev.evaluate_rasters(ok_ref)
    with pytest.raises(ValueError, match="prediction must hold"):
        ev.evaluate_rasters(ok_ref, write_tif(tmp_path / "di.tif", np.full((50, 40), 0.3)))
    with pytest.raises(Cancelled):
        ev.evaluate_rasters(ok_ref, pred_path, is_canceled=lambda: True)


# --------------------------------------------------------------------------- report


def test_report_files(tmp_path):
    pred, ref, di = random_case(seed=2)
    c = ev.confusion(pred, ref)
    roc = ev.roc_curve(di, ref)
    di_hist = {"changed": di[ref == 255], "unchanged": di[ref == 0]}
    out = report.write_report(tmp_path / "out" / "eval.html", c, roc=roc, di_hist=di_hist, threshold=0.7,
                              change_map_png_inputs=(pred, ref), info={"reference": "ref.tif"},
                              notes=["a note"])
    page = open(out["html"], encoding="utf-8").read()
    assert f"{c.kappa:.4f}" in page and f"{roc.auc:.4f}" in page and f"{c.pcc:.2f}" in page
    assert len(out["png"]) == 3
    for png in out["png"]:
        with open(png, "rb") as f:
            data = f.read()
        assert len(data) > 1000 and data.startswith(PNG_SIGNATURE)
        name = png.rsplit("/", 1)[-1]
        assert f'src="{name}"' in page
    with open(out["json"], encoding="utf-8") as f:
        data = json.load(f)
    assert out["json"].endswith("eval.json")
    assert data["confusion"] == {k: (None if isinstance(v, float) and math.isnan(v) else v)
                                 for k, v in c.as_dict().items()}
    assert data["roc"]["auc"] == roc.auc and data["roc"]["thresholds"][0] is None  # +inf -> null
    assert data["threshold"] == 0.7 and data["units"]["pcc"] == "percent"
    assert sum(data["di_histogram"]["changed"]) == np.count_nonzero(ref == 255)
    assert data["notes"] == ["a note"] and data["info"] == {"reference": "ref.tif"}
    points = data["roc_operating_points"]
    assert [p["fpr_at_most"] for p in points] == list(report.OPERATING_FPR)
    for p in points:  # the last point of the full curve at or below the rate
        i = np.flatnonzero(roc.fpr <= p["fpr_at_most"])[-1]
        assert (p["fpr"], p["tpr"], p["threshold"]) == (roc.fpr[i], roc.tpr[i], roc.thresholds[i])
    # Round trip: writing the loaded numbers again gives the same JSON.
    again = report.write_report(tmp_path / "again.html", data["confusion"], roc=data["roc"],
                                out_json=tmp_path / "again.json")
    with open(again["json"], encoding="utf-8") as f:
        assert json.load(f)["confusion"] == data["confusion"]


def test_report_without_change_map_and_rgb_colours(tmp_path):
    _, ref, di = random_case(seed=4)
    out = report.write_report(tmp_path / "di.html", None, roc=ev.roc_curve(di, ref, balanced=True))
    assert len(out["png"]) == 1 and "Change map accuracy" not in open(out["html"]).read()
    with open(out["json"]) as f:
        assert json.load(f)["confusion"] is None
    rgb = report.change_map_rgb(np.array([[1, 1, 0, 0, np.nan]]), np.array([[1, 0, 255, 0, 1]]))
    assert [tuple(p) for p in rgb[0]] == [report.COLOURS[k] for k in ("tp", "fp", "fn", "tn", "ignored")]


# --------------------------------------------------------------------------- real data


def benchmark_files(folder):
    """The _1, _2 and _gt images of a benchmark folder, found by suffix."""
    files = {}
    for path in folder.iterdir():
        for suffix in ("_1", "_2", "_gt"):
            if path.stem.endswith(suffix):
                files[suffix] = str(path)
    assert set(files) == {"_1", "_2", "_gt"}, folder
    return files


def log_ratio(files):
    """|ln((I2 + 1) / (I1 + 1))| of band 1 of the two 8-bit dates."""
    i1, i2 = (read_array(files[k]).astype(np.float64) for k in ("_1", "_2"))
    return np.abs(np.log((i2 + 1.0) / (i1 + 1.0)))


def test_ottawa_reference_and_log_ratio_auc(shared_data):
    folder = shared_data / "cd_benchmarks" / "ottawa"
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    files = benchmark_files(folder)
    labels = ev.read_reference_mask(files["_gt"])
    assert labels.shape == (350, 290)
    changed = int(np.count_nonzero(labels == ev.CHANGED))
    assert changed == 16049  # published: 16,049 changed pixels (15.8 %)
    assert round(100 * changed / labels.size, 1) == 15.8
    assert np.count_nonzero(labels == ev.IGNORED) == 0
    di = log_ratio(files)
    curve = ev.roc_curve(di, labels)
    assert curve.auc > 0.8, curve.auc
    y = labels == ev.CHANGED
    assert abs(curve.auc - metrics.roc_auc_score(y.ravel(), di.ravel())) < 1e-12
    # A change map by a threshold on the DI, evaluated through the files.
    result = ev.evaluate_rasters(files["_gt"], prediction=files["_gt"], block=100)
    assert result.confusion.kappa == 1.0 and result.confusion.tp == 16049


def test_every_benchmark_reference_is_valid(shared_data):
    root = shared_data / "cd_benchmarks"
    if not root.is_dir():
        pytest.skip(f"{root} not present")
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = benchmark_files(folder)
        labels = ev.read_reference_mask(files["_gt"])
        assert 0 < np.count_nonzero(labels == ev.CHANGED) < labels.size
        assert ev.roc_curve(log_ratio(files), labels).auc > 0.5, folder.name


def test_di_direction_orients_scores_and_threshold(tmp_path):
    from sar_change.core.engine.raster_blocks import write_array

    rng = np.random.default_rng(5)
    ref = np.zeros((60, 60), np.float32)
    ref[20:40, 20:40] = 1
    di = rng.normal(0, 1, ref.shape).astype(np.float32) - 3 * ref  # change = decrease
    ref_path = write_array(tmp_path / "ref.tif", ref)
    di_path = write_array(tmp_path / "di.tif", di)
    higher = ev.evaluate_rasters(ref_path, di=di_path, threshold=-1.5)
    lower = ev.evaluate_rasters(ref_path, di=di_path, threshold=-1.5, di_direction="lower")
    both = ev.evaluate_rasters(ref_path, di=di_path, threshold=1.5, di_direction="absolute")
    assert lower.roc.auc == pytest.approx(1 - higher.roc.auc, abs=1e-9)
    assert lower.roc.auc > 0.95
    expected = ev.confusion((di <= -1.5).astype(np.float32), ref)
    assert (lower.confusion.tp, lower.confusion.fp) == (expected.tp, expected.fp)
    expected_abs = ev.confusion((np.abs(di) >= 1.5).astype(np.float32), ref)
    assert (both.confusion.tp, both.confusion.fp) == (expected_abs.tp, expected_abs.fp)
    with pytest.raises(ValueError, match="direction"):
        ev.evaluate_rasters(ref_path, di=di_path, di_direction="sideways")
