"""Processing: sarchange:finetunelearneddi (fake trainer for the plumbing, the real one briefly)."""
import csv
import json
import os
import shutil
import sys

import numpy as np
import pytest

from helpers import algorithm_id

pytest.importorskip("onnxruntime")

from test_processing_learned_di import (  # noqa: E402
    _has_trainer_dependencies,
    fake_trainer,  # noqa: F401  (fixture)
    logging_feedback,
    outputs,
)

from sar_change.core.engine.raster_blocks import read_array  # noqa: E402
from sar_change.core.learned_di import pipeline as learned_di  # noqa: E402

needs_shipped = pytest.mark.skipif(not os.path.isfile(learned_di.SHIPPED_MODEL), reason="no shipped model")


@pytest.fixture(scope="module")
def alg_id(qgis_app):
    return algorithm_id("finetunelearneddi")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """64 x 64 px, four months (about 20 acquisitions, both orbits)."""
    from sar_change.core.simulator.stack import simulate_stack

    return simulate_stack(tmp_path_factory.mktemp("ft_proc_stack"), shape=(64, 64), start="2020-01-01",
                          end="2020-04-30", seed=6)


def _rows(csv_path):
    with open(csv_path, newline="") as f:
        return list(csv.DictReader(f))


def _table_with(stack, tmp_path, **target_values):
    """A copy of the stack's table (files linked) whose newest row has ``target_values``."""
    rows = _rows(stack["acquisitions_csv"])
    rows[-1].update({k: str(v) for k, v in target_values.items()})
    folder = tmp_path / "stack_copy"
    folder.mkdir()
    for name in os.listdir(stack["out_dir"]):
        if name != "acquisitions.csv":
            os.symlink(os.path.join(stack["out_dir"], name), folder / name)
    with open(folder / "acquisitions.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder / "acquisitions.csv"


@needs_shipped
def test_finetune_trains_on_the_history_only_and_warns_out_of_range(
        run, alg_id, stack, fake_trainer, tmp_path):  # noqa: F811  (the imported fixture)
    table = _table_with(stack, tmp_path, snow_depth_m=3.0, temperature_c=-35)
    rows = sorted(_rows(table), key=lambda r: r["date"])
    target = rows[-3]["date"]
    out = tmp_path / "models" / "tuned.onnx"
    feedback = logging_feedback()
    result = run(alg_id, {"STACK_TABLE": str(table), "PYTHON": sys.executable, "MAX_MINUTES": 0.5,
                          "OUTPUT_MODEL": str(out)}, feedback=feedback)
    assert result["OUTPUT_MODEL"] == str(out)
    assert result["VAL_LOSS"] == 0.5 and result["VAL_LOSS_BEFORE"] == 0.9
    # The count follows the shipped model's recorded ranges: besides the two values set here, the
    # 64 px test scene's mean incidence may lie a little outside the incidences the model was trained on.
    expected = _out_of_range(rows[-1])
    assert {"temperature_c", "snow_depth_m"} <= {name for name, *_ in expected}
    assert result["OUT_OF_RANGE"] == len(expected) and result["CHECKPOINT"].endswith("tuned.pt")
    log = "\n".join(feedback.lines)
    assert "WARNING The target's conditions lie outside" in log
    assert "snow_depth_m 3 outside the training range" in log and "temperature_c -35 outside" in log
    assert "0.9 (starting model) -> 0.5 (fine-tuned)" in log
    argv = json.loads(fake_trainer.read_text())["argv"]
    flags = {argv[i]: argv[i + 1] for i in range(len(argv) - 1) if argv[i].startswith("--")}
    assert flags["--before"] == rows[-1]["date"] and "--no-change-mask" in argv
    assert flags["--init"] == learned_di.SHIPPED_MODEL and flags["--inputs"] == "4"
    assert flags["--stack"] == str(table) and flags["--max-minutes"] == "0.5"
    # Half a minute: half the patches per epoch and validation patches of a budget of a minute or more.
    assert flags["--patches-per-epoch"] == "128" and flags["--val-patches"] == "128"
    # An earlier target: the history ends before it; no warning (conditions within range).
    feedback = logging_feedback()
    run(alg_id, {"STACK_TABLE": stack["acquisitions_csv"], "TARGET_DATE": target, "PYTHON": sys.executable,
                 "OUTPUT_MODEL": str(tmp_path / "t2.onnx")}, feedback=feedback)
    argv = json.loads(fake_trainer.read_text())["argv"]
    assert argv[argv.index("--before") + 1] == target
    assert argv[argv.index("--patches-per-epoch") + 1] == "256"  # the default 2-minute budget: full size
    warnings = [line for line in feedback.lines if line.startswith("WARNING")]
    earlier = next(r for r in rows if r["date"] == target)
    assert len(warnings) == (1 if _out_of_range(earlier) else 0)
    assert not any("temperature_c" in w or "snow_depth_m" in w for w in warnings)


def _out_of_range(row):
    """The shipped model's ``schema.conditions_out_of_range`` items for an acquisitions.csv row."""
    from sar_change.models.learned_di import schema
    from sar_change.models.tiled_inference import TiledModel

    meta = schema.read_model_metadata(TiledModel(learned_di.SHIPPED_MODEL).metadata_raw)
    return schema.conditions_out_of_range(meta, row)[0]


@needs_shipped
def test_finetune_refuses_a_short_history(run, alg_id, stack, tmp_path):
    from qgis.core import QgsProcessingException

    rows = sorted(_rows(stack["acquisitions_csv"]), key=lambda r: r["date"])
    with pytest.raises(QgsProcessingException, match="fine-tuning needs at least"):
        run(alg_id, {"STACK_TABLE": stack["acquisitions_csv"], "TARGET_DATE": rows[5]["date"],
                     "PYTHON": sys.executable, "OUTPUT_MODEL": str(tmp_path / "m.onnx")})


@needs_shipped
@pytest.mark.slow
def test_real_finetune_then_learned_di(run, alg_id, stack, tmp_path):
    """The real trainer for a few seconds: no labels, never worse on validation, model runs in learneddi."""
    if not _has_trainer_dependencies():
        pytest.skip("the torch trainer's dependencies are not available")
    model = tmp_path / "tuned.onnx"
    result = run(alg_id, {"STACK_TABLE": stack["acquisitions_csv"], "PYTHON": sys.executable,
                          "MAX_MINUTES": 0.1, "PATCH": 32, "OUTPUT_MODEL": str(model)})
    assert sorted(os.listdir(tmp_path)) == ["tuned.md", "tuned.onnx", "tuned.pt"]
    assert result["VAL_LOSS"] <= result["VAL_LOSS_BEFORE"]
    assert "Valid ranges" in open(result["CARD"]).read()
    paths = outputs(tmp_path, "ft", conventional=False)
    run(algorithm_id("learneddi"), {"STACK_TABLE": stack["acquisitions_csv"], "MODEL": str(model), **paths})
    assert np.isfinite(read_array(paths["OUTPUT_DI_NORM"])).mean() > 0.99
    shutil.rmtree(tmp_path)
