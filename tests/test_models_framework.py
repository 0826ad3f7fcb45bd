"""The model framework (models/framework): loop, exporter, metadata schema, runner, init, cards.

The learned DI is the first model on it: the shipped model's weights exported
through the framework give the shipped ONNX outputs bit for bit, and a
fine-tune from the shipped model on a stack's history (no labels) lowers
the validation loss.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
pytest.importorskip("rasterio")

from sar_change.core.simulator.stack import simulate_stack  # noqa: E402
from sar_change.models.framework import card, loop, pretrained, protocol, runner  # noqa: E402
from sar_change.models.framework import export as fx  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402
from sar_change.models.learned_di import config as cfg  # noqa: E402
from sar_change.models.learned_di import export, schema, training  # noqa: E402
from sar_change.models.learned_di.architecture import LearnedDI  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "models" / "learned_di.onnx"
needs_shipped = pytest.mark.skipif(not SHIPPED.is_file(), reason="no shipped learned-DI model")


@pytest.fixture(scope="module")
def stack_dir(tmp_path_factory):
    """64 x 64 px, 4 months, 12-day revisit, both orbits, single-look speckle (the shipped model saw 4
    and 16 looks: a domain shift that fine-tuning can fix): about 20 acquisitions."""
    out = tmp_path_factory.mktemp("fw_stack")
    simulate_stack(str(out), shape=(64, 64), start="2020-01-01", end="2020-04-30", revisit_days=12, seed=11,
                   looks=1.0)
    return out


def _feed(args):
    return dict(zip(schema.INPUT_NAMES, (a.numpy() for a in args)))


def test_fit_validates_and_keeps_the_moving_average_of_the_weights_and_trains_the_live_ones():
    loop.seed_everything(2)
    model, decay = _Tiny(), 0.5
    x, y = _regression()
    seen, validated = [], []

    def batches(epoch):
        return [{"x": x[i:i + 16], "y": y[i:i + 16]} for i in range(0, len(x), 16)]

    def step(net, b):  # the live weights before each optimiser step
        seen.append(net.head.weight.detach().clone())
        return torch.mean((net(b["x"]) - b["y"]) ** 2), len(b["x"])

    def evaluate(net):
        validated.append(net.head.weight.detach().clone())
        return {"loss": -float(len(validated))}  # every epoch "improves": the last one is kept

    res = loop.fit(model, batches, step, evaluate, epochs=2, lr=0.1, schedule="constant", ema=decay)
    # after epoch 1 (4 steps): sum_j (1 - d) d^(4 - j) w_j / (1 - d^4), w_j the weights after step j
    expected = sum((1 - decay) * decay ** (4 - j) * seen[j] for j in range(1, 5)) / (1 - decay**4)
    assert torch.allclose(validated[0], expected, atol=1e-7)
    assert not torch.allclose(seen[4], validated[0])  # training went on from the live weights
    assert res.best_epoch == 2 and torch.equal(model.head.weight, validated[1])
    with pytest.raises(ValueError, match="ema"):
        loop.fit(_Tiny(), batches, step, evaluate, epochs=1, ema=1.0)


@needs_shipped
def test_shipped_weights_through_the_framework_exporter_are_bit_identical(tmp_path):
    model, meta = export.model_from_onnx(SHIPPED)
    out = export.export_onnx(model, tmp_path / "again.onnx",
                             export.build_metadata(model, meta["training"], meta["metrics"]))
    for b, h, w in ((1, 64, 64), (2, 96, 80)):
        feed = _feed(export.example_inputs(4, b, h, w, seed=b))
        old = fx.run_onnx(SHIPPED, feed)[0]
        new = fx.run_onnx(out, feed)[0]
        assert np.max(np.abs(old - new)) <= 1e-6
    # The new file follows the common schema and keeps the learned-DI contract.
    info = runner.load(out, kind=schema.KIND, version=schema.VERSION).info
    assert info[md.META_SCHEMA] == md.SCHEMA_VERSION
    assert [t["name"] for t in info["inputs"]["tensors"]] == list(schema.INPUT_NAMES)
    assert info["outputs"][0]["bands"] == ["VV", "VH"] and info["outputs"][0]["units"] == "dB"
    assert schema.read_model_metadata(fx.read_metadata(out))["n_inputs"] == 4


@needs_shipped
def test_runner_runs_the_shipped_model_as_onnxruntime_does():
    model = runner.load(SHIPPED, kind=schema.KIND)
    images, dem, cond = export.example_inputs(4, 1, 64, 64, seed=3)
    direct = fx.run_onnx(SHIPPED, _feed((images, dem, cond)))[0][0]
    tiled = model.predict({"images": images[0].numpy(), "dem": dem[0].numpy(), "conditions": cond[0].numpy()})
    assert np.max(np.abs(tiled - direct)) <= 1e-6  # one tile: blending is exact
    with pytest.raises(ValueError, match="kind 'learned_di'.*expected 'segmentation'"):
        runner.load(SHIPPED, kind="segmentation")


def test_metadata_round_trip_and_ranges():
    inputs = {"tensors": [md.tensor_spec("x", "BCHW", bands=["VV"], scale="dB", units="dB",
                                         valid_range=[-50, 40])], "extra": 1}
    raw = md.build_metadata("demo", "2", inputs, [md.tensor_spec("y", "BCHW")], size_multiple=8,
                            tile_size=128, overlap=16, metrics={"val_loss": float("nan"), "auc": 0.9},
                            valid_ranges={"t": md.value_range([-3.0, np.nan, 5.0], "deg C")})
    assert set(raw) == set(md.KEYS) and all(isinstance(v, str) for v in raw.values())
    meta = md.parse_metadata(raw, kind="demo", version="2")
    assert meta["tile_size"] == 128 and meta["metrics"] == {"val_loss": None, "auc": 0.9}
    assert meta["valid_ranges"]["t"] == {"min": -3.0, "max": 5.0, "units": "deg C"}
    assert md.out_of_range(meta["valid_ranges"], {"t": 6.5, "u": 1e9}) == [("t", 6.5, -3.0, 5.0)]
    assert md.out_of_range(meta["valid_ranges"], {"t": 5.0}) == []
    with pytest.raises(ValueError, match="version '2'"):
        md.parse_metadata(raw, kind="demo", version="3")


def test_old_models_get_approximate_ranges_from_their_normalisation():
    norm = {"condition_mean": [5.0, 2.0, 6.0, 0.1, 0.0, 0.0, 37.0, 0.5],
            "condition_std": [8.0, 4.0, 9.0, 0.2, 1.0, 1.0, 3.0, 0.5]}
    ranges, exact = schema.model_valid_ranges({"normalisation": json.dumps(norm)})
    assert not exact
    assert ranges["temperature_c"]["min"] == pytest.approx(5.0 - 2.5 * 8.0)
    assert ranges["snow_depth_m"] == {"min": 0.0, "max": pytest.approx(0.6), "units": "m"}
    row = {"temperature_c": "-20", "snow_depth_m": "0.8", "platform": "S1A", "heading_deg": "190",
           "mean_incidence_deg": "37"}
    items, _ = schema.conditions_out_of_range({"normalisation": norm}, row)
    assert [i[0] for i in items] == ["temperature_c", "snow_depth_m"]


class _Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = torch.nn.Linear(3, 4)
        self.head = torch.nn.Linear(4, 1)

    def forward(self, x):
        return self.head(torch.relu(self.encoder(x)))


def _regression(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return x, (x @ torch.tensor([1.0, -2.0, 0.5]))[:, None]


def _fit(model, **kwargs):
    x, y = _regression()
    xv, yv = _regression(32, 1)

    def batches(epoch):
        return [{"x": x[i:i + 16], "y": y[i:i + 16]} for i in range(0, len(x), 16)]

    def step(net, b):
        return torch.mean((net(b["x"]) - b["y"]) ** 2), len(b["x"])

    def evaluate(net):
        return {"loss": float(torch.mean((net(xv) - yv) ** 2)), "mae": float((net(xv) - yv).abs().mean())}

    return loop.fit(model, batches, step, evaluate, batches_per_epoch=4, **kwargs)


def test_fit_keeps_the_best_weights_and_follows_the_plateau_schedule():
    loop.seed_everything(0)
    model = _Tiny()
    lines = []
    res = _fit(model, epochs=12, lr=0.5, schedule="plateau", plateau_patience=0, plateau_factor=0.5,
               on_epoch=lines.append)
    vals = [r["val"] for r in res.records]
    assert res.best_val["loss"] == min(vals) and res.best_epoch == 1 + int(np.argmin(vals))
    with torch.no_grad():
        x, y = _regression(32, 1)
        assert float(torch.mean((model(x) - y) ** 2)) == pytest.approx(min(vals), rel=1e-6)
    lrs = [r["lr"] for r in res.records]
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] < 0.5  # reduced on plateau, never raised
    assert lines[0]["val_mae"] > 0 and protocol.loss_line(lines[0], ("val_mae",)).startswith("LOSS epoch=1 ")


def test_fit_stops_early_on_cancel_and_budget_and_freezes_the_encoder():
    loop.seed_everything(1)
    model = _Tiny()
    res = _fit(model, epochs=50, lr=1e-6, schedule="constant", patience=2)
    assert res.early_stopped or len(res.records) == 50
    calls = {"n": 0}

    def stop():
        calls["n"] += 1
        return calls["n"] > 6

    res = _fit(_Tiny(), epochs=50, should_stop=stop)
    assert res.stopped == "cancelled" and 0 < len(res.records) < 50
    res = _fit(_Tiny(), epochs=50, max_minutes=0.0)
    assert res.stopped == "time limit" and res.best_state is None
    res = _fit(_Tiny(), epochs=50, max_steps=10)  # 4 batches per epoch: 2 epochs and a validated half
    assert res.stopped == "step limit" and res.steps == 10 and len(res.records) == 3
    assert res.samples == 10 * 16 and res.best_state is not None
    with pytest.raises(ValueError, match="max_steps"):
        _fit(_Tiny(), epochs=2, max_steps=0)
    model = _Tiny()
    before = model.encoder.weight.detach().clone()
    head = model.head.weight.detach().clone()
    res = _fit(model, epochs=1, lr=0.1, freeze=("encoder.",), freeze_epochs=1)
    assert torch.equal(model.encoder.weight, before) and not torch.equal(model.head.weight, head)
    assert all(p.requires_grad for p in model.parameters())  # unfrozen afterwards


@needs_shipped
def test_named_pretrained_encoder_loads_the_expected_tensors():
    assert {"learned_di", "learned_di.encoder"} <= set(pretrained.names())
    weights = pretrained.resolve("learned_di.encoder", kind=schema.KIND)
    # the card names the shipped file inside the plugin, not the checkout it was trained in
    assert weights.source == "learned_di.encoder (models/learned_di.onnx)"
    model = LearnedDI(4, "film")
    report = pretrained.apply(model, weights)
    shipped_state, _ = fx.onnx_state_dict(SHIPPED)
    expected = sorted(k for k in shipped_state if k.startswith(cfg.ENCODER_PREFIXES))
    assert report.loaded == expected and report.skipped == [] and report.unexpected == []
    assert set(report.new) == set(model.state_dict()) - set(expected)
    for k in expected:
        assert torch.equal(model.state_dict()[k], shipped_state[k])
    narrow = LearnedDI(4, "film", base=8)  # other widths: reported as skipped, not fatal
    rep = pretrained.apply(narrow, weights)
    assert "encoders.0.conv1.weight" in rep.skipped and set(rep.skipped).isdisjoint(rep.loaded)
    with pytest.raises(ValueError, match="registered pretrained name"):
        pretrained.resolve("no_such_model")


@needs_shipped
def test_finetune_from_shipped_without_labels_lowers_the_validation_loss(stack_dir, tmp_path):
    before = "2020-04-15"
    out = tmp_path / "tuned.onnx"
    s = training.train([stack_dir / "acquisitions.csv"], out, init="learned_di", before=before,
                       change_mask=False, epochs=3, patch=32, batch=8, patches_per_epoch=48, val_patches=16,
                       lr=1e-3, schedule="plateau", threads=2, seed=0, card="auto",
                       freeze_encoder_epochs=1)
    assert s["epochs"][0]["epoch"] == 0  # the shipped model, validated before training
    assert s["metrics"]["initial"]["val_loss"] == pytest.approx(s["epochs"][0]["val"])
    assert s["metrics"]["val_loss"] < s["metrics"]["initial"]["val_loss"]
    assert s["init_report"]["skipped"] == [] and s["init_report"]["unexpected"] == []
    info = runner.load(out, kind=schema.KIND).info
    train_meta = info["training"]
    assert train_meta["change_mask"] is False and train_meta["before"] == before
    assert all(d < before for entry in train_meta["dates"] for part in ("train", "validation")
               for d in entry[part])
    assert "snow_depth_m" in info["valid_ranges"]
    text = Path(s["card"]).read_text()
    assert f"{s['metrics']['val_loss']:.4g}" in text and "Valid ranges" in text


def test_card_renders_the_metadata_numbers(tmp_path):
    raw = md.build_metadata("k", "1", {"tensors": [md.tensor_spec("x", "BCHW", units="m")]}, [],
                            training={"stacks": ["a"], "epochs": 3}, metrics={"val_loss": 0.123456},
                            valid_ranges={"z": {"min": 1.0, "max": 2.0, "units": "m"}})
    path = card.write_card(tmp_path / "c.md", md.parse_metadata(raw), "Title", command="run it",
                           sections=[("Extra", "text")], limits=["a limit"])
    text = Path(path).read_text()
    for needle in ("# Title", "    run it", "`x`", "| z | 1 | 2 | m |", "- val_loss: 0.1235", "## Extra",
                   "- a limit"):
        assert needle in text


def test_a_later_run_rewrites_only_its_own_card_section(tmp_path):
    path = tmp_path / "c.md"
    path.write_text("# Title\n\n## Metrics\n\n- rmse: 0.1\n\n## Limits\n\n- a limit\n")
    card.replace_section(path, "Correction", "first run: 0.5")
    assert path.read_text().endswith("- a limit\n\n## Correction\n\nfirst run: 0.5\n")
    card.replace_section(path, "Correction", "second run: 0.4")
    card.replace_section(path, "Metrics", "- rmse: 0.2")
    assert path.read_text() == ("# Title\n\n## Metrics\n\n- rmse: 0.2\n\n## Limits\n\n- a limit\n\n"
                                "## Correction\n\nsecond run: 0.4\n")


def test_a_section_rewritten_with_its_own_text_leaves_the_shipped_cards_unchanged():
    for name in ("learned_di.md", "coherence.md"):
        text = (ROOT / "models" / name).read_text(encoding="utf-8")
        headings = [line[3:] for line in text.split("\n") if line.startswith("## ")]
        assert len(headings) >= 3
        for heading in headings:
            assert card.with_section(text, heading, card.section_text(text, heading)) == text, (name, heading)
            assert card.with_section(text, heading, card.section_text(text, heading), before="Limits") == text


def test_an_absent_section_goes_before_the_named_heading_else_at_the_end():
    text = "# T\n\n## A\n\na\n\n## Limits\n\n- l\n"
    before = card.with_section(text, "New", "n\n", before="Limits")
    assert before == "# T\n\n## A\n\na\n\n## New\n\nn\n\n## Limits\n\n- l\n"
    assert card.section_text(before, "New") == "n" and card.section_text(before, "Missing") is None
    assert card.with_section(text, "New", "n", before="Missing") == text + "\n## New\n\nn\n"
    assert card.with_section(text, "New", "n") == text + "\n## New\n\nn\n"
    # text None removes the section (first, middle or last); an absent one is left absent
    assert card.with_section(before, "New", None) == text
    assert card.with_section(text, "Limits", None) == "# T\n\n## A\n\na\n"
    assert card.with_section(text, "Missing", None) == text


def test_framework_modules_for_qgis_are_torch_free():
    code = ("import sys; import sar_change.models.framework.metadata, sar_change.models.framework.protocol, "
            "sar_change.models.framework.card, sar_change.models.framework.runner, "
            "sar_change.models.framework.typed_conditions, "
            "sar_change.models.framework; assert 'torch' not in sys.modules and 'onnx' not in sys.modules")
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".plugins") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_typed_conditions_are_name_value_pairs():
    from sar_change.models.framework.typed_conditions import name_values

    assert name_values(" a=1, b = x y ,, # note, c=", "a=1") == {"a": "1", "b": "x y", "c": ""}
    assert name_values("", "a=1") == {}
    with pytest.raises(ValueError, match=r"cannot read 'b 2': write name=value, e.g. a=1"):
        name_values("a=1, b 2", "a=1")
