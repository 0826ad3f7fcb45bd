"""Processing algorithms "Learned difference image" and "Train learned difference image model".

Uses ``sarchange:learneddi`` / ``sarchange:trainlearneddi`` when the SAR Change
provider registers them, else the same classes served by a test-only
provider. The learned-DI model is the pointwise ONNX model of
test_tiled_inference (prediction = mean of the inputs' dB), so every output
is known exactly. Training runs a fake trainer script (``SAR_CHANGE_TRAINER``)
that speaks the trainer's stdout protocol, so no torch is needed.
"""
import os
import sys
import textwrap
import time

import numpy as np
import pytest

from helpers import algorithm_id

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from test_tiled_inference import centred, expected_mean, pointwise_model  # noqa: E402

from sar_change.core.change import difference  # noqa: E402
from sar_change.core.engine.raster_blocks import read_array, read_info, write_array  # noqa: E402
from sar_change.core.learned_di import pipeline as learned_di  # noqa: E402


@pytest.fixture(scope="module")
def alg_ids(qgis_app):
    """Ids of the plugin's algorithms (registered by the sarchange provider)."""
    return algorithm_id("learneddi"), algorithm_id("trainlearneddi")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A 64 x 64 simulated stack of three months (16 acquisitions, both orbits)."""
    from sar_change.core.simulator.stack import simulate_stack

    return simulate_stack(tmp_path_factory.mktemp("ld_proc_stack"), shape=(64, 64), start="2020-01-01",
                          end="2020-03-31", seed=5)


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("ld_proc_model") / "pointwise_n3.onnx"
    path.write_bytes(pointwise_model(n=3))
    return str(path)


def db(path):
    return np.stack([learned_di.SCHEMA.to_db(read_array(path, b)) for b in (1, 2)])


def outputs(folder, tag, conventional=True):
    out = {"OUTPUT_PREDICTED": str(folder / f"{tag}_pred.tif"), "OUTPUT_DI": str(folder / f"{tag}_di.tif"),
           "OUTPUT_DI_NORM": str(folder / f"{tag}_norm.tif")}
    if conventional:
        out["OUTPUT_CONVENTIONAL_DI"] = str(folder / f"{tag}_conv.tif")
    return out


def logging_feedback():
    from qgis.core import QgsProcessingFeedback

    class Log(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.lines = []
            self.progress_values = []
            self.progressChanged.connect(self.progress_values.append)

        def pushInfo(self, info):
            self.lines.append(info)
            super().pushInfo(info)

        def pushWarning(self, warning):
            self.lines.append("WARNING " + warning)
            super().pushWarning(warning)

    return Log()


# --- Learned difference image --------------------------------------------------------------------


def test_algorithm_metadata(alg_ids):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    apply, train = (registry.algorithmById(a) for a in alg_ids)
    assert apply.name() == "learneddi" and apply.displayName() == "Learned difference image"
    assert train.name() == "trainlearneddi"
    assert train.displayName() == "Train learned difference image model"
    assert apply.groupId() == train.groupId() == "learneddi"
    assert apply.group() == train.group() == "Learned difference image"
    names = {p.name() for p in apply.parameterDefinitions()}
    assert {"STACK_TABLE", "INPUT_LAYERS", "TARGET", "CONDITIONS", "TARGET_DATE", "DEM", "MODEL", "THREADS",
            "OUTPUT_PREDICTED", "OUTPUT_DI", "OUTPUT_DI_NORM", "OUTPUT_CONVENTIONAL_DI"} <= names
    names = {p.name() for p in train.parameterDefinitions()}
    assert {"STACK_FOLDERS", "PYTHON", "EPOCHS", "INPUTS", "ARCH", "INIT", "SEED", "OUTPUT_MODEL"} <= names


def test_stack_table_route(run, alg_ids, stack, model_path, tmp_path):
    rows = stack["acquisitions"]
    folder = stack["out_dir"]
    feedback = logging_feedback()
    paths = outputs(tmp_path, "table")
    result = run(alg_ids[0], {"STACK_TABLE": stack["acquisitions_csv"], "MODEL": model_path, "THREADS": 1,
                              **paths}, feedback=feedback)
    assert {k: result[k] for k in paths} == paths
    inputs = np.concatenate([db(os.path.join(folder, r["file"])) for r in rows[-4:-1]])
    target = db(os.path.join(folder, rows[-1]["file"]))
    mean = expected_mean(inputs, 3)
    medians = np.nanmedian((target - mean).astype(np.float64), axis=(1, 2)).astype(np.float32)
    assert [result["RESIDUAL_OFFSET_VV_DB"], result["RESIDUAL_OFFSET_VH_DB"]] == list(medians)
    assert f"VV {medians[0]:+.3f} dB, VH {medians[1]:+.3f} dB" in "\n".join(feedback.lines)
    raw = run(alg_ids[0], {"STACK_TABLE": stack["acquisitions_csv"], "MODEL": model_path, "CENTRE": False,
                           **outputs(tmp_path, "raw", conventional=False)})
    assert "RESIDUAL_OFFSET_VV_DB" not in raw
    np.testing.assert_array_equal(np.stack([read_array(raw["OUTPUT_DI"], b) for b in (1, 2)]), target - mean)
    predicted = np.stack([read_array(paths["OUTPUT_PREDICTED"], b) for b in (1, 2)])
    np.testing.assert_array_equal(predicted, mean)
    di = np.stack([read_array(paths["OUTPUT_DI"], b) for b in (1, 2)])
    np.testing.assert_array_equal(di, centred(target - mean))
    np.testing.assert_allclose(read_array(paths["OUTPUT_DI_NORM"]), np.sqrt((di ** 2).sum(axis=0)), rtol=1e-6)
    ref = rows[difference.choose_reference(rows, len(rows) - 1)]
    p_ref = np.stack([read_array(os.path.join(folder, ref["file"]), b) for b in (1, 2)])
    p_tgt = np.stack([read_array(os.path.join(folder, rows[-1]["file"]), b) for b in (1, 2)])
    np.testing.assert_allclose(read_array(paths["OUTPUT_CONVENTIONAL_DI"]),
                               difference.euclidean_db(p_ref, p_tgt, floor=1e-5), atol=1e-4, rtol=1e-5)
    info = read_info(paths["OUTPUT_DI"])
    assert info.descriptions == ("VV learned DI (dB)", "VH learned DI (dB)")
    assert info.geotransform == tuple(stack["geotransform"]) and info.projection
    log = "\n".join(feedback.lines)
    assert f"Target: {rows[-1]['date']}" in log
    assert ", ".join(r["date"] for r in rows[-4:-1]) in log
    assert f"reference (same orbit, closest incidence): {ref['date']}" in log
    assert feedback.progress_values and max(feedback.progress_values) == 100


def test_target_date_and_optional_conventional(run, alg_ids, stack, model_path, tmp_path):
    rows = stack["acquisitions"]
    paths = outputs(tmp_path, "date", conventional=False)
    result = run(alg_ids[0], {"STACK_TABLE": stack["acquisitions_csv"], "TARGET_DATE": rows[6]["date"],
                              "DEM": stack["dem"], "MODEL": model_path, **paths})
    assert not result.get("OUTPUT_CONVENTIONAL_DI")
    assert not (tmp_path / "date_conv.tif").exists()
    folder = stack["out_dir"]
    mean = expected_mean(np.concatenate([db(os.path.join(folder, r["file"])) for r in rows[3:6]]), 3)
    target = db(os.path.join(folder, rows[6]["file"]))
    di = np.stack([read_array(paths["OUTPUT_DI"], b) for b in (1, 2)])
    np.testing.assert_array_equal(di, centred(target - mean))


def test_layers_route_with_typed_conditions(run, alg_ids, stack, model_path, tmp_path):
    rows = stack["acquisitions"]
    folder = stack["out_dir"]
    chosen = rows[8:12]
    files = [os.path.join(folder, r["file"]) for r in chosen]
    keys = [k for k in learned_di.STACK_COLUMNS if k != "file"]
    text = "\n".join(", ".join(f"{k}={r[k]}" for k in keys) for r in chosen)
    paths = outputs(tmp_path, "layers")
    run(alg_ids[0], {"INPUT_LAYERS": files[:3], "TARGET": files[3], "CONDITIONS": text, "DEM": stack["dem"],
                     "MODEL": model_path, **paths})
    mean = expected_mean(np.concatenate([db(f) for f in files[:3]]), 3)
    di = np.stack([read_array(paths["OUTPUT_DI"], b) for b in (1, 2)])
    np.testing.assert_array_equal(di, centred(db(files[3]) - mean))
    # The conventional DI's reference is one of the inputs: same orbit as the target.
    orbit = chosen[3]["orbit_direction"]
    same_orbit = [f for f, r in zip(files[:3], chosen[:3]) if r["orbit_direction"] == orbit]
    conv = read_array(paths["OUTPUT_CONVENTIONAL_DI"])
    assert any(np.allclose(conv, np.sqrt(((db(files[3]) - db(f)) ** 2).sum(axis=0)), atol=1e-4)
               for f in same_orbit)


def test_errors_name_the_problem_and_the_fix(run, alg_ids, stack, model_path, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    rows = stack["acquisitions"]
    folder = stack["out_dir"]
    csv_path = stack["acquisitions_csv"]
    paths = outputs(tmp_path, "err", conventional=False)
    monkeypatch.setattr(learned_di, "SHIPPED_MODEL", str(tmp_path / "none.onnx"))
    with pytest.raises(QgsProcessingException, match="Train learned difference image model"):
        run(alg_ids[0], {"STACK_TABLE": csv_path, **paths})
    with pytest.raises(QgsProcessingException, match=r"only 1 acquisition\(s\) before the target.*a later"):
        run(alg_ids[0], {"STACK_TABLE": csv_path, "TARGET_DATE": rows[1]["date"], "MODEL": model_path,
                         **paths})
    names = tmp_path / "names.onnx"
    names.write_bytes(pointwise_model(n=3, conditions=learned_di.CONDITION_NAMES[:-1] + ("cloud_cover",)))
    with pytest.raises(QgsProcessingException, match=r"Model .*names.onnx.*unexpected \['cloud_cover'\]"):
        run(alg_ids[0], {"STACK_TABLE": csv_path, "MODEL": str(names), **paths})
    small_dem = write_array(tmp_path / "small_dem.tif", read_array(stack["dem"])[:40, :40], like=stack["dem"])
    with pytest.raises(QgsProcessingException, match="DEM .*small_dem.tif is not on the grid"):
        run(alg_ids[0], {"STACK_TABLE": csv_path, "DEM": small_dem, "MODEL": model_path, **paths})
    files = [os.path.join(folder, r["file"]) for r in rows[:4]]
    text = "\n".join(" ".join(["0"] * len(learned_di.CONDITION_NAMES)) for _ in range(3))
    with pytest.raises(QgsProcessingException, match="predicts from 3 earlier acquisitions but 2 layer"):
        run(alg_ids[0], {"INPUT_LAYERS": files[:2], "TARGET": files[2], "CONDITIONS": text,
                         "DEM": stack["dem"], "MODEL": model_path, **paths})
    vv = write_array(tmp_path / "vv_only.tif", read_array(files[0], 1), like=files[0], descriptions=["VV"])
    text4 = "\n".join(" ".join(["0"] * len(learned_di.CONDITION_NAMES)) for _ in range(4))
    with pytest.raises(QgsProcessingException, match=r"vv_only.tif has the bands \['VV'\] but the model"):
        run(alg_ids[0], {"INPUT_LAYERS": [vv] + files[1:3], "TARGET": files[3], "CONDITIONS": text4,
                         "DEM": stack["dem"], "MODEL": model_path, **paths})
    with pytest.raises(QgsProcessingException, match="Give an acquisitions table"):
        run(alg_ids[0], {"MODEL": model_path, **paths})


def test_cancel_leaves_no_file(run, alg_ids, stack, model_path, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class CancelAtFirstProgress(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda _value: self.cancel())

    feedback = CancelAtFirstProgress()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    paths = outputs(tmp_path, "cancel")
    result = run(alg_ids[0], {"STACK_TABLE": stack["acquisitions_csv"], "MODEL": model_path,
                              "TILE_SIZE": 16, "OVERLAP": 2, **paths}, feedback=feedback, context=context)
    assert feedback.isCanceled() and "OUTPUT_DI" not in result
    assert not os.listdir(tmp_path)


# --- Training (fake trainer) ---------------------------------------------------------------------

FAKE_TRAINER = textwrap.dedent('''
    """Fake learned-DI trainer: the stdout protocol of sar_change.models.train, no torch."""
    import argparse, json, os, signal, sys, time

    p = argparse.ArgumentParser()
    p.add_argument("--stack", action="append", required=True)
    p.add_argument("--out", required=True)
    for name in ("--epochs", "--inputs", "--seed", "--threads", "--patches-per-epoch"):
        p.add_argument(name, type=int)
    p.add_argument("--arch")
    p.add_argument("--init")
    p.add_argument("--max-minutes", type=float)
    args = p.parse_known_args()[0]  # fine-tuning passes more options
    mode = os.environ.get("FAKE_MODE", "ok")
    log = os.environ["FAKE_LOG"]
    with open(log, "w") as f:
        json.dump({"argv": sys.argv[1:], "pid": os.getpid(),
                   "pythonpath": os.environ.get("PYTHONPATH", "")}, f)
    if mode == "fail":
        print("PROGRESS 5.0", flush=True)
        sys.stderr.write("Traceback (most recent call last):\\nERROR stack has no dem.tif\\n")
        sys.exit(1)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode in ("slow", "stubborn"):
        with open(args.out, "wb") as f:  # a partial model, as a trainer killed mid-export would leave
            f.write(b"partial")
        i = 0
        while True:
            i += 1
            print(f"PROGRESS {min(i, 99)}.0", flush=True)
            time.sleep(0.05)
    print("INFO model: fake, 0 parameters", flush=True)
    for e in range(1, args.epochs + 1):
        print(f"PROGRESS {100.0 * (e - 0.5) / args.epochs:.1f}", flush=True)
        print(f"LOSS epoch={e} train={1.0 / e:.4f} val={1.5 / e:.4f} val_mae_db={2.0 / e:.3f}", flush=True)
        print(f"PROGRESS {100.0 * e / args.epochs:.1f}", flush=True)
    print("a line outside the protocol", flush=True)
    with open(args.out, "wb") as f:
        f.write(b"fake onnx")
    with open(os.path.splitext(args.out)[0] + ".pt", "wb") as f:
        f.write(b"fake checkpoint")
    result = {"onnx": args.out, "best_epoch": args.epochs,
              "metrics": {"val_loss": 0.5, "val_mae_db": 0.75, "initial": {"val_loss": 0.9}}}
    print("RESULT " + json.dumps(result), flush=True)
''')


@pytest.fixture
def fake_trainer(tmp_path, monkeypatch):
    script = tmp_path / "fake_train.py"
    script.write_text(FAKE_TRAINER)
    log = tmp_path / "fake_log.json"
    monkeypatch.setenv("SAR_CHANGE_TRAINER", str(script))
    monkeypatch.setenv("FAKE_LOG", str(log))
    return log


def train_params(stack, out, **extra):
    return {"STACK_FOLDERS": f"{stack['out_dir']}\n{stack['acquisitions_csv']}\n", "PYTHON": sys.executable,
            "EPOCHS": 3, "INPUTS": 2, "ARCH": 1, "SEED": 7, "OUTPUT_MODEL": str(out), **extra}


def test_train_streams_progress_and_losses(run, alg_ids, stack, fake_trainer, tmp_path):
    import json

    from sar_change.processing.algorithms import training_runner as module

    out_dir = tmp_path / "models"
    out = out_dir / "trained.onnx"
    feedback = logging_feedback()
    result = run(alg_ids[1], train_params(stack, out), feedback=feedback)
    assert result["OUTPUT_MODEL"] == str(out) and out.read_bytes() == b"fake onnx"
    assert result["CHECKPOINT"] == str(out_dir / "trained.pt")
    assert (out_dir / "trained.pt").read_bytes() == b"fake checkpoint"
    assert result["BEST_EPOCH"] == 3 and result["VAL_MAE_DB"] == 0.75
    assert sorted(os.listdir(out_dir)) == ["trained.onnx", "trained.pt"]  # nothing partial left
    assert feedback.progress_values[-1] == 100.0 and 50.0 in feedback.progress_values
    assert feedback.progress_values == sorted(feedback.progress_values)
    log = "\n".join(feedback.lines)
    assert "Epoch 2: training loss 0.5, validation loss 0.75, validation MAE 1.0 dB" in log
    assert "model: fake, 0 parameters" in log
    call = json.loads(fake_trainer.read_text())
    argv = call["argv"]
    assert argv.count("--stack") == 1 and argv[argv.index("--stack") + 1] == stack["out_dir"]  # deduplicated
    for flag, value in (("--epochs", "3"), ("--inputs", "2"), ("--arch", "bottleneck"), ("--seed", "7")):
        assert argv[argv.index(flag) + 1] == value
    assert "--init" not in argv
    assert call["pythonpath"].split(os.pathsep)[0] == module.PLUGIN_PARENT
    assert os.path.isdir(os.path.join(module.PLUGIN_PARENT, module.PACKAGE))  # sar_change imports from there


def test_train_failure_reports_stderr(run, alg_ids, stack, fake_trainer, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    monkeypatch.setenv("FAKE_MODE", "fail")
    with pytest.raises(QgsProcessingException, match=r"exit status 1(.|\n)*ERROR stack has no dem.tif"):
        run(alg_ids[1], train_params(stack, tmp_path / "out" / "m.onnx"))
    assert os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("mode", ["slow", "stubborn"])
def test_train_cancel_terminates_the_trainer(run, alg_ids, stack, fake_trainer, tmp_path, monkeypatch, mode):
    import json

    from qgis.core import QgsProcessingFeedback

    from sar_change.processing.algorithms import training_runner as module

    monkeypatch.setenv("FAKE_MODE", mode)
    monkeypatch.setattr(module, "TERMINATE_TIMEOUT_S", 1.0)

    class CancelAtTen(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda value: self.cancel() if value >= 10 else None)

    out_dir = tmp_path / "out"
    feedback = CancelAtTen()
    started = time.monotonic()
    result = run(alg_ids[1], train_params(stack, out_dir / "m.onnx"), feedback=feedback)
    assert feedback.isCanceled() and "OUTPUT_MODEL" not in result
    assert time.monotonic() - started < 30
    pid = json.loads(fake_trainer.read_text())["pid"]
    with pytest.raises(ProcessLookupError):  # terminated (or killed) and reaped
        os.kill(pid, 0)
    assert os.listdir(out_dir) == []  # the partial model was removed


def _has_trainer_dependencies():
    import subprocess

    code = "import torch, rasterio, onnx"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300).returncode == 0


@pytest.mark.slow
def test_real_trainer_then_learned_di(run, alg_ids, stack, tmp_path):
    """End to end with the real trainer (1 short epoch, ~10 s on CPU): its model runs in learneddi."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "models", "train.py")) or not _has_trainer_dependencies():
        pytest.skip("the torch trainer (models/train.py with torch, rasterio, onnx) is not available")
    model = tmp_path / "real.onnx"
    feedback = logging_feedback()
    result = run(alg_ids[1], {"STACK_FOLDERS": stack["out_dir"], "PYTHON": sys.executable, "EPOCHS": 1,
                              "INPUTS": 3, "ARCH": 0, "SEED": 1, "THREADS": 2, "PATCHES_PER_EPOCH": 32,
                              "OUTPUT_MODEL": str(model)}, feedback=feedback)
    assert result["OUTPUT_MODEL"] == str(model) and model.is_file()
    assert os.path.isfile(result["CHECKPOINT"]) and result["BEST_EPOCH"] == 1
    assert any(line.startswith("Epoch 1: training loss") for line in feedback.lines)
    assert sorted(os.listdir(tmp_path)) == ["real.md", "real.onnx", "real.pt"]
    paths = outputs(tmp_path, "real")
    run(alg_ids[0], {"STACK_TABLE": stack["acquisitions_csv"], "MODEL": str(model), **paths})
    di_norm = read_array(paths["OUTPUT_DI_NORM"])
    assert np.isfinite(di_norm).mean() > 0.99
    predicted = np.stack([read_array(paths["OUTPUT_PREDICTED"], b) for b in (1, 2)])
    assert -40 < np.nanmedian(predicted) < 10  # dB of land backscatter, not garbage


def test_stack_folder_errors(run, alg_ids, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="holds no acquisitions.csv"):
        run(alg_ids[1], {"STACK_FOLDERS": str(tmp_path), "PYTHON": sys.executable,
                         "OUTPUT_MODEL": str(tmp_path / "m.onnx")})


def test_default_python(monkeypatch, qgis_app, tmp_path):
    from qgis.core import QgsProcessingException, QgsSettings

    from sar_change.processing.algorithms import training_runner as module

    monkeypatch.setattr(module, "can_import_torch", lambda python: True)
    assert module.default_python() == os.path.join(os.path.dirname(sys.executable), "python3")
    monkeypatch.setattr(module, "can_import_torch", lambda python: False)
    settings = QgsSettings()
    settings.setValue(module.SETTINGS_KEY, sys.executable)
    try:
        assert module.default_python() == sys.executable
        settings.setValue(module.SETTINGS_KEY, str(tmp_path / "missing_python"))
        with pytest.raises(QgsProcessingException, match="does not exist"):
            module.default_python()
        settings.setValue(module.SETTINGS_KEY, "")
        with pytest.raises(QgsProcessingException, match="No Python interpreter with PyTorch"):
            module.default_python()
    finally:
        settings.remove(module.SETTINGS_KEY)
