"""The shipped learned-DI model (models/learned_di.onnx) and its model card.

Runs without torch: the model is read with onnxruntime only, as in QGIS.
Skipped where no model is shipped (e.g. before benchmarks/learned_di.py --ship).
"""
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "learned_di.onnx"
CARD = ROOT / "models" / "learned_di.md"

pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no shipped model at models/learned_di.onnx")


def test_metadata_follows_the_contract():
    from sar_change.models.learned_di import schema
    from sar_change.models.tiled_inference import TiledModel

    model = TiledModel(str(MODEL))
    meta = schema.read_model_metadata(model.metadata_raw)
    assert meta["n_inputs"] >= 1
    assert meta["inputs"]["conditions"] == list(schema.CONDITION_NAMES)
    assert meta["inputs"]["bands"] == ["VV", "VH"]
    assert "training" in meta and "metrics" in meta
    assert CARD.exists() and "AUC" in CARD.read_text()


def test_card_section_on_the_defaults_is_of_this_model():
    """The card's section written by benchmarks/learned_di.py --update-card (if any) names this file."""
    import hashlib
    import re

    found = re.search(r"--update-card.*?sha256 `([0-9a-f]{64})`", CARD.read_text(), re.S)
    if found is None:
        pytest.skip("the card has no section written by --update-card")
    assert found.group(1) == hashlib.sha256(MODEL.read_bytes()).hexdigest()


def test_runs_on_a_simulated_stack_and_beats_the_input_mean(tmp_path):
    from sar_change.core.learned_di.pipeline import learned_di_from_stack
    from sar_change.core.simulator import simulate_stack

    summary = simulate_stack(tmp_path, shape=(64, 64), start="2022-01-01", end="2022-04-30", seed=4242,
                             changes=None)
    result = learned_di_from_stack(summary["acquisitions_csv"], model=str(MODEL), conventional=True)
    assert result.predicted.shape == (2, 64, 64)
    finite = np.isfinite(result.di_norm)
    assert finite.mean() > 0.95
    offsets = np.float32([result.offsets["VV"], result.offsets["VH"]])[:, None, None]  # centred by default
    np.testing.assert_allclose(result.di, result.actual - result.predicted - offsets, atol=1e-5)
    # Without changes the learned DI (actual - predicted) is smaller than the conventional one on average.
    assert np.nanmean(result.di_norm) < np.nanmean(result.conventional)
