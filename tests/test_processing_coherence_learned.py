"""sarchange:coherencefromintensity with the learned model, and sarchange:traincoherence.

The model is the shipped one when present, else a small model trained here
(a few seconds). Outputs are compared with the runner on the whole image
(the block engine's tiles agree within the blending tolerance), errors name
the model and the fix, and the training algorithm runs the real trainer in a
torch subprocess with a tiny budget.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import algorithm_id, write_raster

pytest.importorskip("onnxruntime")

from sar_change.core.engine.raster_blocks import read_array, read_info  # noqa: E402
from sar_change.models.coherence import dataset as ds  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "coherence.onnx"
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


@pytest.fixture(scope="module")
def pairs_dir(tmp_path_factory):
    pytest.importorskip("torch")
    from test_models_coherence import simulate_pairs

    return simulate_pairs(tmp_path_factory.mktemp("coh_alg_pairs"))


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    if SHIPPED.is_file():
        return SHIPPED
    pytest.importorskip("torch")
    from test_models_coherence import simulate_pairs, train_tiny

    folder = simulate_pairs(tmp_path_factory.mktemp("coh_alg_model_pairs"))
    return Path(train_tiny(folder, tmp_path_factory.mktemp("coh_alg_model") / "m.onnx")["onnx"])


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    """A simulated 12-day pair, 300 x 200 px (two blocks wide at a 256-px block), linear power, NaN holes."""
    from sar_change.core.simulator.coherence import simulate_coherence_pairs

    out = tmp_path_factory.mktemp("coh_alg_scene")
    simulate_coherence_pairs(str(out), seed=21, shape=(200, 300), start="2021-06-01", end="2021-06-14",
                             orbits=("ascending",), revisit_days=12)
    pair = ds.Pair(ds.pair_folders([out])[0])
    i1, i2 = (10.0 ** (pair.db[k] / 10.0) for k in range(2))
    i2[5:9, 5:9] = np.nan
    return out, i1.astype(np.float32), i2.astype(np.float32)


def test_learned_method_writes_coherence_and_sigma(run, model_path, scene, tmp_path):
    _, i1, i2 = scene
    a = write_raster(tmp_path / "a.tif", i1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", i2, GEOTRANSFORM)
    out, sig = tmp_path / "coh.tif", tmp_path / "sigma.tif"
    result = run(algorithm_id("coherencefromintensity"),
                 {"IMAGE_1": a, "IMAGE_2": b, "MODEL": str(model_path), "OUTPUT": str(out),
                  "OUTPUT_SIGMA": str(sig), "CORRECT": False})
    assert result["OUTPUT"] == str(out) and result["OUTPUT_SIGMA"] == str(sig)
    coh, sigma = read_array(out), read_array(sig)
    assert read_info(str(out)).bands == 1 and coh.shape == i1.shape
    model = inference.open_model(model_path)
    db = np.stack([schema.to_db(i1), schema.to_db(i2)])
    db[1, 5:9, 5:9] = np.nan
    whole = model.predict({schema.INPUT_IMAGES: db, **inference.extra_inputs(model)})
    assert np.isnan(coh[5:9, 5:9]).all() and np.isnan(sigma[5:9, 5:9]).all()
    ok = np.isfinite(coh)
    assert ok.sum() == coh.size - 16
    assert np.nanmin(coh) >= 0.0 and np.nanmax(coh) <= 1.0 and np.nanmin(sigma) > 0.0
    assert np.abs(coh[ok] - np.clip(whole[0][ok], 0, 1)).mean() < 0.01  # block engine vs whole image
    assert np.abs(sigma[ok] - whole[1][ok]).mean() < 0.01
    # Default model (when shipped) and no sigma output requested: only the coherence is written.
    if SHIPPED.is_file():
        again = tmp_path / "default.tif"
        run(algorithm_id("coherencefromintensity"), {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(again),
                                                     "CORRECT": False})
        np.testing.assert_allclose(read_array(again), coh, atol=1e-6, equal_nan=True)
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".aux.xml"))
    assert left == sorted(["a.tif", "b.tif", "coh.tif", "sigma.tif"] + (["default.tif"] if SHIPPED.is_file()
                                                                      else []))


def test_the_shipped_model_is_corrected_by_the_intensity_correlation_by_default(run, scene, tmp_path):
    """Default run of the shipped model: coherence and sigma of the uncorrected run mapped through the
    shipped table with the 3 x 3 intensity correlation of the two images (core.coherence.stacking)."""
    from sar_change.core.coherence import estimation, stacking

    if not SHIPPED.is_file() or not os.path.isfile(inference.SHIPPED_CORRECTION):
        pytest.skip("no shipped model and correction table")
    table = inference.shipped_correction(inference.open_model(SHIPPED))
    assert table is not None, "the shipped table is not fitted for the shipped model: refit it"
    stale = inference.open_model(SHIPPED)
    stale.info = {**stale.info, "training": {**stale.info["training"], "finished": "another run"}}
    assert inference.shipped_correction(stale) is None
    _, i1, i2 = scene
    a = write_raster(tmp_path / "a.tif", i1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", i2, GEOTRANSFORM)
    outs = {}
    for correct in (False, True):
        out, sig = tmp_path / f"coh_{correct}.tif", tmp_path / f"sig_{correct}.tif"
        run(algorithm_id("coherencefromintensity"), {"IMAGE_1": a, "IMAGE_2": b, "OUTPUT": str(out),
                                                     "OUTPUT_SIGMA": str(sig), "CORRECT": correct})
        outs[correct] = read_array(out), read_array(sig)
    power = 10.0 ** (np.stack([schema.to_db(i1), schema.to_db(i2)]) / 10.0)
    corr = estimation.intensity_coherence(power[0], power[1], table["window"], estimation.PEARSON,
                                          dtype=np.float32)
    want = stacking.apply_table(table, *outs[False], corr)
    ok = np.isfinite(outs[False][0]) & np.isfinite(corr)
    for got, expected in zip(outs[True], want):  # the graph's float32 window correlation against numpy's
        np.testing.assert_allclose(got[ok], expected[ok], atol=1e-4)
    changed = np.abs(outs[True][0] - outs[False][0])[ok]
    assert changed.mean() > 0.005  # the correction moves the coherence (this test can fail)


def test_a_model_of_another_kind_is_refused(run, scene, tmp_path):
    from qgis.core import QgsProcessingException

    other = ROOT / "models" / "learned_di.onnx"
    if not other.is_file():
        pytest.skip("no learned-DI model")
    _, i1, i2 = scene
    a = write_raster(tmp_path / "a.tif", i1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", i2, GEOTRANSFORM)
    out = tmp_path / "coh.tif"
    with pytest.raises(QgsProcessingException, match="(?s)kind 'learned_di'.*Give a coherence model"):
        run(algorithm_id("coherencefromintensity"), {"IMAGE_1": a, "IMAGE_2": b, "MODEL": str(other),
                                                     "OUTPUT": str(out)})
    assert not out.exists()


def test_train_coherence_through_processing(run, pairs_dir, tmp_path):
    out = tmp_path / "trained.onnx"
    result = run(algorithm_id("traincoherence"),
                 {"PAIR_FOLDERS": str(pairs_dir), "PYTHON": sys.executable, "EPOCHS": 1,
                  "PATCHES_PER_EPOCH": 8, "MAX_MINUTES": 0.5, "OUTPUT_MODEL": str(out), "WEATHER": True})
    assert result["OUTPUT_MODEL"] == str(out) and out.is_file()
    assert Path(result["CHECKPOINT"]).is_file() and Path(result["CARD"]).is_file()
    assert result["BEST_EPOCH"] == 1 and 0.0 < result["VAL_RMSE"] < 1.0
    assert inference.open_model(out).info["sar_change.kind"] == schema.KIND
    assert schema.uses_weather(inference.open_model(out))  # the WEATHER option reaches the trainer
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="neither pair.csv nor pairs.csv"):
        run(algorithm_id("traincoherence"), {"PAIR_FOLDERS": str(tmp_path), "OUTPUT_MODEL": str(out)})


def test_qgis_side_modules_do_not_import_torch():
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '.plugins')!r})\n"
        "import sar_change.processing.algorithms.coherence_intensity\n"
        "import sar_change.processing.algorithms.train_coherence\n"
        "import sar_change.models.coherence.inference, sar_change.models.coherence.schema\n"
        "print(sorted(m for m in ('torch', 'rasterio', 'dask') if m in sys.modules))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[-2] == "[]"



def test_weather_parameter_feeds_the_model_and_bad_values_name_it(run, model_path, scene, tmp_path):
    """The optional weather: a value that cannot be weather stops the run naming the parameter and the
    condition, nothing written; typed-in weather gives the runner's output for that weather (a model
    without the weather input ignores it, with a warning)."""
    from qgis.core import QgsProcessingException

    _, i1, i2 = scene
    a = write_raster(tmp_path / "a.tif", i1, GEOTRANSFORM)
    b = write_raster(tmp_path / "b.tif", i2, GEOTRANSFORM)
    out = tmp_path / "coh.tif"
    params = {"IMAGE_1": a, "IMAGE_2": b, "MODEL": str(model_path), "OUTPUT": str(out), "CORRECT": False}
    with pytest.raises(QgsProcessingException, match="Weather between the dates: .*rain_mm = -5 mm"):
        run(algorithm_id("coherencefromintensity"), {**params, "WEATHER": "rain_mm=-5"})
    assert not out.exists()
    weather = {"rain_mm": 30.0, "snowfall_mm": 0.0, "melt_mm": 0.0, "wind_1_m_s": 2.0, "wind_2_m_s": 9.0}
    run(algorithm_id("coherencefromintensity"),
        {**params, "WEATHER": ", ".join(f"{k}={v}" for k, v in weather.items())})
    model = inference.open_model(model_path)
    db = np.stack([schema.to_db(i1), schema.to_db(i2)])
    db[1, 5:9, 5:9] = np.nan
    whole = model.predict({schema.INPUT_IMAGES: db, **inference.extra_inputs(model, 12.0, weather)})
    coh = read_array(out)
    ok = np.isfinite(coh)
    assert np.abs(coh[ok] - np.clip(whole[0][ok], 0, 1)).mean() < 0.01
    assert inference.ignored_weather(model, weather) != schema.uses_weather(model)
