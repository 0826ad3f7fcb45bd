"""Learned difference image: schema, conditional U-Net, dataset, training, ONNX export and the CLI."""
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("rasterio")

from sar_change.core.simulator.changes import mask_from_change_days  # noqa: E402
from sar_change.core.simulator.stack import simulate_stack  # noqa: E402
from sar_change.models.learned_di import dataset, export, schema, training  # noqa: E402
from sar_change.models.learned_di.architecture import LearnedDI, count_parameters  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N = 4
NORM = {"db_mean": [-11.0, -18.0], "db_std": [4.0, 5.0],
        "condition_mean": [5.0, 2.0, 6.0, 0.1, 0.0, 0.0, 37.0, 0.5],
        "condition_std": [8.0, 4.0, 9.0, 0.2, 1.0, 1.0, 3.0, 0.5], "dem_scale_m": 100.0}


@pytest.fixture(scope="module")
def stack_dir(tmp_path_factory):
    """64 x 64 px, 3 months, 12-day revisit, both orbits, default changes: 16 acquisitions."""
    out = tmp_path_factory.mktemp("ldi_stack")
    simulate_stack(str(out), shape=(64, 64), start="2020-01-01", end="2020-03-31", revisit_days=12, seed=3)
    return out


@pytest.fixture(scope="module")
def trained(stack_dir, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("ldi_model") / "model.onnx"
    summary = training.train([stack_dir], out, n_inputs=N, arch="film", epochs=4, patch=32, batch=8,
                             patches_per_epoch=96, val_patches=64, base=8, seed=0, threads=1)
    return summary


def _model(arch, seed=0):
    torch.manual_seed(seed)
    m = LearnedDI(N, arch, base=8)
    m.set_normalisation(NORM)
    return m.eval()


def _inputs(b, h, w, seed=0):
    images, dem, cond = export.example_inputs(N, b, h, w, seed=seed)
    images[0, 1, :4, :4] = float("nan")  # no data is allowed
    dem[-1, 0, -3:, :] = float("nan")
    cond[0, 2, 3] = float("nan")
    return images, dem, cond


@pytest.mark.parametrize("arch", ["film", "bottleneck"])
@pytest.mark.parametrize("hw", [(64, 64), (80, 96)])
def test_shapes_and_finite(arch, hw):
    m = _model(arch)
    with torch.no_grad():
        out = m(*_inputs(2, *hw))
    assert out.shape == (2, 2, *hw)
    assert torch.isfinite(out).all()
    assert 2e5 < count_parameters(m) < 5e5  # base 8; the default base 16 has about 0.55 M
    assert 3e5 < count_parameters(LearnedDI(N, arch)) < 1e6


@pytest.mark.parametrize("arch", ["film", "bottleneck"])
def test_condition_sensitivity(arch):
    m = _model(arch)
    images, dem, cond = _inputs(2, 64, 64)
    with torch.no_grad():
        ref = m(images, dem, cond)
        warmer = cond.clone()
        warmer[:, -1, 0] += 10.0  # target 10 deg C warmer
        other_orbit = cond.clone()
        other_orbit[:, -1, 4:6] *= -1.0  # target heading turned by 180 deg
        assert (m(images, dem, warmer) - ref).abs().max() > 1e-4
        assert (m(images, dem, other_orbit) - ref).abs().max() > 1e-4
        # Absolute altitude does not matter: the graph uses the tile's relative elevation.
        assert (m(images, dem + 1500.0, cond) - ref).abs().max() < 1e-3


@pytest.mark.parametrize("residual", ["orbit", "mean", True])
def test_residual_base_is_the_heading_weighted_or_plain_mean(residual):
    """With a silent head the prediction is the base: the same-orbit inputs' mean ('orbit') or all inputs'."""
    m = LearnedDI(N, "film", base=8, residual=residual)
    m.set_normalisation(NORM)
    torch.nn.init.zeros_(m.head.weight)
    torch.nn.init.zeros_(m.head.bias)
    images, dem, cond = export.example_inputs(N, 1, 32, 32, seed=3)
    headings = np.radians([350.0, 190.0, 350.0, 190.0, 190.0])  # asc, desc, asc, desc; target desc
    cond[0, :, 4], cond[0, :, 5] = torch.tensor(np.sin(headings)), torch.tensor(np.cos(headings))
    with torch.no_grad():
        out = m.eval()(images, dem, cond).numpy()[0]
    per_input = images.numpy()[0].reshape(N, 2, 32, 32)
    if residual == "orbit":
        w = np.maximum(0.0, np.cos(headings[:N] - headings[N])) + 1e-3
        expected = np.tensordot(w / w.sum(), per_input, axes=1)
        assert np.abs(expected - per_input[[1, 3]].mean(axis=0)).max() < 0.05  # ~ the descending inputs (dB)
    else:
        expected = per_input.mean(axis=0)
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_metadata_round_trip_and_parity_random(tmp_path):
    for arch in ("film", "bottleneck"):
        m = _model(arch)
        path = tmp_path / f"{arch}.onnx"
        meta = export.build_metadata(m, training={"arch": arch, "seed": 0}, metrics={"val_mae_db": 1.5})
        export.export_onnx(m, path, meta)
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = dict(sess.get_modelmeta().custom_metadata_map)
        assert set(schema.METADATA_KEYS) <= set(got)
        assert got[schema.META_KIND] == "learned_di" and got[schema.META_VERSION] == "1"
        for key in (schema.META_INPUTS, schema.META_NORMALISATION, schema.META_TRAINING, schema.META_METRICS,
                    schema.META_ARCHITECTURE):
            json.loads(got[key])
        info = schema.read_model_metadata(got)
        assert info["n_inputs"] == N and info["size_multiple"] == 16
        assert info[schema.META_INPUTS]["conditions"] == list(schema.CONDITION_NAMES)
        assert info[schema.META_INPUTS]["bands"] == ["VV", "VH"]
        assert info[schema.META_NORMALISATION]["db_mean"] == pytest.approx(NORM["db_mean"])
        assert info[schema.META_ARCHITECTURE]["arch"] == arch
        assert [i.name for i in sess.get_inputs()] == list(schema.INPUT_NAMES)
        assert [o.name for o in sess.get_outputs()] == [schema.OUTPUT]
        shapes = {i.name: i.shape for i in sess.get_inputs()}
        assert isinstance(shapes["images"][0], str) and isinstance(shapes["images"][2], str)
        assert shapes["images"][1] == 2 * N and shapes["conditions"][1:] == [N + 1, schema.N_CONDITIONS]
        for b, h, w in ((2, 80, 96), (1, 128, 64)):
            assert export.parity(m, path, _inputs(b, h, w, seed=b)) < 1e-4


def test_training_reduces_validation_loss(trained):
    s = trained
    assert s["stopped"] is None and os.path.isfile(s["onnx"]) and os.path.isfile(s["checkpoint"])
    vals = [r["val"] for r in s["epochs"]]
    assert len(vals) == 4
    assert vals[-1] < vals[0]
    assert s["metrics"]["val_loss"] == pytest.approx(min(vals))
    meta = export.read_metadata(s["onnx"])
    train_meta = json.loads(meta[schema.META_TRAINING])
    assert train_meta["arch"] == "film" and train_meta["seed"] == 0 and train_meta["patches"] == 4 * 96
    assert train_meta["targets"]["validation"] >= 1
    metrics = json.loads(meta[schema.META_METRICS])
    assert metrics["val_mae_db"] > 0 and set(metrics["per_band"]) == {"VV", "VH"}


def test_finetune_on_a_stack_history_lowers_the_validation_loss(trained, tmp_path):
    """The fine-tuning of 'Fine-tune learned difference image model' (its settings, no labels, only the
    acquisitions before the target) lowers the validation loss of a model trained elsewhere on the
    user's stack (a boreal winter; the model saw three temperate months)."""
    from sar_change.models.learned_di.config import FINETUNE as f

    other = tmp_path / "boreal"
    simulate_stack(str(other), shape=(64, 64), start="2020-10-01", end="2021-01-31", climate="boreal",
                   seed=11)
    with dataset.Stack(other) as st:
        target = st.dates[-1].isoformat()
    s = training.train([other], tmp_path / "tuned.onnx", init=trained["onnx"], before=target,
                       change_mask=False, epochs=3, patch=32, batch=8, patches_per_epoch=48, val_patches=32,
                       lr=f["lr"], schedule=f["schedule"], val_fraction=f["val_fraction"], split=f["split"],
                       half_life_days=f["half_life_days"], seed=0, threads=1,
                       checkpoint=None)
    assert s["epochs"][0]["epoch"] == 0 and s["best_epoch"] >= 1
    assert s["metrics"]["val_loss"] < s["metrics"]["initial"]["val_loss"]
    assert s["training"]["dates"][0]["validation"][1] < target and s["training"]["change_mask"] is False


def test_finetune_settings_scale_epochs_to_short_budgets():
    """Below a minute the patches per epoch and the validation patches shrink in proportion, in whole
    batches, to 64 at the least; the other settings stay those of FINETUNE."""
    from sar_change.models.learned_di import config

    sizes = {m: config.finetune_settings(m) for m in (0.05, 0.25, 0.4, 1.0, 2.0)}
    assert [(s["patches_per_epoch"], s["val_patches"]) for s in sizes.values()] == [
        (64, 64), (64, 64), (112, 112), (256, 256), (256, 256)]
    assert sizes[0.4]["max_minutes"] == 0.4 and sizes[0.4]["lr"] == config.FINETUNE["lr"]
    assert config.finetune_settings()["patches_per_epoch"] == config.FINETUNE["patches_per_epoch"]
    assert config.FINETUNE["patches_per_epoch"] == 256  # the module constant itself is not changed


def test_training_is_deterministic(stack_dir, tmp_path):
    runs = [training.train([stack_dir], tmp_path / f"d{i}.onnx", epochs=1, patch=32, batch=8,
                           patches_per_epoch=16, val_patches=8, base=8, seed=5, threads=1, checkpoint=None)
            for i in range(2)]
    assert runs[0]["epochs"][0]["val"] == runs[1]["epochs"][0]["val"]
    assert runs[0]["epochs"][0]["train"] == runs[1]["epochs"][0]["train"]


def test_parity_on_real_patch(trained, stack_dir):
    state = torch.load(trained["checkpoint"], weights_only=True)
    m = LearnedDI(**state["config"])
    m.load_state_dict(state["state_dict"])
    with dataset.Stack(stack_dir) as st:
        train_t, val_t = dataset.split_targets(st, N)
        samples = dataset.grid_samples([st], [val_t], 32, 4, np.random.default_rng(0))
        batch = next(iter(dataset.loader([st], samples, 32, 4)))
    inputs = (batch["images"], batch["dem"], batch["conditions"])
    assert export.parity(m, trained["onnx"], inputs) < 1e-4
    # The ONNX model predicts the target better than the mean of the inputs.
    sess = ort.InferenceSession(trained["onnx"], providers=["CPUExecutionProvider"])
    pred = sess.run(["predicted"], {k: v.numpy() for k, v in zip(schema.INPUT_NAMES, inputs)})[0]
    assert np.isfinite(pred).all()


def test_transfer_learning_init(trained):
    from sar_change.models.framework import pretrained

    # From the .onnx: weights and normalisation come back exactly.
    weights = pretrained.resolve(trained["onnx"], kind=schema.KIND)
    ref = torch.load(trained["checkpoint"], weights_only=True)
    m = LearnedDI(**{k: weights.config[k] for k in schema.CONFIG_KEYS})
    report = pretrained.apply(m, weights)
    m.set_normalisation(weights.normalisation)
    src = LearnedDI(**ref["config"])
    src.load_state_dict(ref["state_dict"])
    m.eval()
    src.eval()
    args = _inputs(1, 32, 32)
    with torch.no_grad():
        assert (m(*args) - src(*args)).abs().max() < 1e-5
    assert report.unexpected == [] and report.skipped == []
    # Every parameter is in the graph; only the normalisation buffers (folded) are new.
    assert set(report.new) <= set(schema.NORMALISATION_BUFFERS)
    assert len(report.loaded) == len(dict(m.named_parameters()))
    # Into the other architecture: what does not fit is reported, not fatal.
    other = LearnedDI(N, "bottleneck", base=8)
    rep = pretrained.apply(other, pretrained.load_file(trained["checkpoint"]))
    assert rep.unexpected and rep.loaded
    film_only = {k for k in ref["state_dict"] if k.startswith("film.")}
    assert film_only and film_only <= set(rep.unexpected)


def test_condition_vector_from_csv_row(stack_dir):
    import csv

    with open(stack_dir / "acquisitions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    row = rows[1]
    v = schema.condition_vector(row)
    assert v.dtype == np.float32 and v.shape == (len(schema.CONDITION_NAMES),) == (8,)
    names = dict(zip(schema.CONDITION_NAMES, v.tolist()))
    h = math.radians(float(row["heading_deg"]))
    assert names["temperature_c"] == pytest.approx(float(row["temperature_c"]), abs=1e-5)
    assert names["precip_3day_mm"] == pytest.approx(float(row["precip_3day_mm"]), abs=1e-5)
    assert names["sin_heading"] == pytest.approx(math.sin(h), abs=1e-6)
    assert names["cos_heading"] == pytest.approx(math.cos(h), abs=1e-6)
    assert names["mean_incidence_deg"] == pytest.approx(float(row["mean_incidence_deg"]), abs=1e-4)
    assert names["platform_s1b"] == (1.0 if row["platform"] == "S1B" else 0.0)
    numeric = {"temperature_c": 2, "precip_mm": 0.5, "precip_3day_mm": 3, "snow_depth_m": 0.2,
               "heading_deg": 191.0, "mean_incidence_deg": 35, "platform": "Sentinel-1B"}
    assert schema.condition_vector(numeric)[7] == 1.0
    partial = schema.condition_vector({"orbit_direction": "ascending", "platform": "S1A", "precip_mm": ""})
    assert np.isnan(partial[1]) and partial[5] == pytest.approx(math.cos(math.radians(349.0)), abs=1e-6)
    with pytest.raises(ValueError, match="S1A"):
        schema.condition_vector({"platform": "S2A"})
    db = schema.to_db(np.array([0.0, 1.0, np.nan]))
    assert db[0] == pytest.approx(schema.DB_FLOOR, abs=1e-4) and db[1] == 0.0 and np.isnan(db[2])


def test_inputs_split_and_change_mask(stack_dir):
    with dataset.Stack(stack_dir) as st:
        targets = st.targets(N)
        assert targets[0][0] == N and targets[0][1] == [0, 1, 2, 3]
        assert schema.select_inputs([str(d) for d in st.dates], 2, N) is None
        train_t, val_t = dataset.split_targets(st, N)
        assert max(st.dates[t] for t, _ in train_t) < min(st.dates[t] for t, _ in val_t)
        # The loss mask leaves out every pixel that changed between an input and the target.
        win = dataset.Window(0, 0, 64, 64)
        t, inputs = targets[-1]
        expect = np.zeros((64, 64), dtype=bool)
        for i in inputs:
            expect |= mask_from_change_days(
                st._open(st.change_path).read(1), st._open(st.change_path).read(2), st.change_start,
                st.dates[i], st.dates[t]).astype(bool)
        got = st.changed(inputs, t, win)
        assert np.array_equal(got, expect)
        item = dataset.PatchDataset([st], [(0, t, tuple(inputs), 0, 0, True)], 64)[0]
        assert item["images"].shape == (2 * N, 64, 64) and item["conditions"].shape == (N + 1, 8)
        assert not item["mask"][0][torch.from_numpy(np.ascontiguousarray(got[::-1, ::-1]))].any()


def test_history_before_a_date_interleaved_split_and_recency_weights(stack_dir):
    with dataset.Stack(stack_dir, before="2020-03-01", change_mask=False) as st:
        assert max(st.dates).isoformat() < "2020-03-01" and st.change_start is None
        dates = sorted({st.dates[t] for t, _ in st.targets(N)})
        train_t, val_t = dataset.split_targets(st, N, val_fraction=0.34, split="interleaved")
        val_dates = sorted({st.dates[t] for t, _ in val_t})
        newest_first = dates[::-1]
        assert val_dates == sorted(newest_first[1::3])  # step round(1 / 0.34) = 3, from 3 // 2 = 1
        assert newest_first[0] in {st.dates[t] for t, _ in train_t}  # the most recent date is trained on
        rng = np.random.default_rng(0)
        recent = dataset.random_samples([st], [train_t], 32, 200, rng, half_life_days=1e-3)
        newest_t = max(train_t, key=lambda x: st.dates[x[0]])
        assert {st.dates[s[1]] for s in recent} == {st.dates[newest_t[0]]}
        uniform = dataset.random_samples([st], [train_t], 32, 200, rng)
        assert len({s[1] for s in uniform}) > 3
    with pytest.raises(ValueError, match="no acquisition before"):
        dataset.Stack(stack_dir, before="1999-01-01")


def test_few_open_files(stack_dir, monkeypatch):
    monkeypatch.setattr(dataset, "MAX_OPEN", 3)
    with dataset.Stack(stack_dir) as st:
        t, inputs = st.targets(N)[-1]
        a = dataset.PatchDataset([st], [(0, t, tuple(inputs), 16, 0, False)], 32)[0]
        assert len(st._handles) <= 3
        b = dataset.PatchDataset([st], [(0, t, tuple(inputs), 16, 0, False)], 32)[0]
    for key in a:
        assert torch.equal(a[key].nan_to_num(), b[key].nan_to_num())


def test_schema_is_torch_free():
    code = ("import sys; import sar_change.models.learned_di.schema, sar_change.models.learned_di, "
            "sar_change.models; assert 'torch' not in sys.modules and 'rasterio' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, env=_env())


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / ".plugins") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _cli(stack_dir, out, *extra):
    return [sys.executable, "-m", "sar_change.models.train", "--stack", str(stack_dir), "--out", str(out),
            "--patch", "32", "--batch", "8", "--base", "8", "--threads", "1", "--val-patches", "16", *extra]


def test_cli_writes_model_and_streams_progress(stack_dir, tmp_path):
    out = tmp_path / "cli.onnx"
    r = subprocess.run(_cli(stack_dir, out, "--epochs", "2", "--patches-per-epoch", "16", "--arch",
                            "bottleneck", "--seed", "1"), capture_output=True, text=True, env=_env(),
                       timeout=120)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert any(line.startswith("PROGRESS ") for line in lines)
    assert "PROGRESS 100.0" in lines
    loss = [line for line in lines if line.startswith("LOSS ")]
    assert len(loss) == 2 and loss[0].startswith("LOSS epoch=1 train=") and " val=" in loss[0]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["onnx"] == str(out) and out.is_file()
    meta = export.read_metadata(out)
    assert json.loads(meta["architecture"])["arch"] == "bottleneck"


def test_cli_sigterm_stops_cleanly(stack_dir, tmp_path):
    out = tmp_path / "stopped.onnx"
    p = subprocess.Popen(_cli(stack_dir, out, "--epochs", "500", "--patches-per-epoch", "8"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
    t0 = time.time()
    for line in p.stdout:
        if line.startswith("LOSS ") or time.time() - t0 > 60:
            break
    p.send_signal(signal.SIGTERM)
    rest, err = p.communicate(timeout=60)
    assert p.returncode == 128 + signal.SIGTERM, err
    assert "STOPPED cancelled" in rest
    assert out.is_file() and not Path(str(out) + ".partial").exists()


def test_season_weights(stack_dir):
    """Cold targets and freeze/thaw steps are drawn more often."""
    temp, snow = schema.CONDITION_NAMES.index("temperature_c"), schema.CONDITION_NAMES.index("snow_depth_m")
    with dataset.Stack(stack_dir, change_mask=False) as st:
        targets = st.targets(N)
        (j, _), (k, _), (m, _), _ = targets[:4]  # consecutive dates: each the newest input of the next
        c = st.conditions.copy()
        c[:, temp], c[:, snow] = 5.0, 0.0
        c[[j, k], temp] = -2.0  # freeze onset at j, still frozen at k, thaw at m, mild at q
        st.conditions = c
        items = [(0, t, inputs) for t, inputs in targets[:4]]
        assert [dataset.cold_and_transition(st, t, i) for _, t, i in items] == [
            (True, True), (True, False), (False, True), (False, False)]
        assert dataset.season_weights([st], items, 3.0).tolist() == [5.0, 3.0, 3.0, 1.0]
        assert dataset.target_weights([st], items) is None  # no weighting asked: uniform draws
