"""Streamed learned DI (core.learned_di.pipeline.stream_learned_di): block by block == the whole-image run.

A pointwise model (prediction = mean of the inputs' dB) must give exactly the
whole-image result whatever the blocks; the shipped convolutional model must
agree within the tiled runner's blending tolerance, with blocks much smaller
than the scene so that many block edges cross it.
"""
import os

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from test_tiled_inference import pointwise_model  # noqa: E402

from sar_change.core.engine.raster_blocks import read_array, read_info  # noqa: E402
from sar_change.core.learned_di import pipeline as learned_di  # noqa: E402


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A 150 x 130 simulated stack of two months (both orbits)."""
    from sar_change.core.simulator.stack import simulate_stack

    return simulate_stack(tmp_path_factory.mktemp("ld_stream"), shape=(130, 150), start="2020-01-01",
                          end="2020-02-29", seed=11)


def _read(path):
    info = read_info(path)
    return np.stack([read_array(path, b) for b in range(1, info.bands + 1)])


def _stream(stack, model, tmp_path, **options):
    tmp_path.mkdir(exist_ok=True)
    names = ("predicted", "di", "di_norm", "conventional")
    files = {name: str(tmp_path / f"{name}.tif") for name in names}
    seen = []
    result = learned_di.learned_di_from_stack(stack["acquisitions_csv"], model, conventional=True,
                                              outputs=files, progress=seen.append, **options)
    assert result.predicted is None and set(result.written) == set(names)
    assert seen[-1] == 100.0 and seen == sorted(seen)
    return result, {name: _read(path) for name, path in files.items()}


def test_pointwise_model_streamed_equals_whole_exactly(stack, tmp_path, monkeypatch):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    whole = learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), conventional=True)
    monkeypatch.setattr(learned_di, "STREAM_BLOCK", 48)
    result, out = _stream(stack, str(model), tmp_path)
    assert result.model["block"] == 48 and result.model["halo"] == 4  # overlap 4, size multiple 4
    np.testing.assert_array_equal(out["predicted"], whole.predicted)
    np.testing.assert_array_equal(out["di"], whole.di)
    np.testing.assert_array_equal(out["di_norm"][0], whole.di_norm)
    np.testing.assert_array_equal(out["conventional"][0], whole.conventional)
    assert result.reference["date"] == whole.reference["date"]
    assert read_info(result.written["di"]).descriptions == ("VV learned DI (dB)", "VH learned DI (dB)")


@pytest.mark.skipif(not os.path.isfile(learned_di.SHIPPED_MODEL), reason="no shipped learned-DI model")
def test_shipped_model_streamed_matches_whole_within_blending_tolerance(stack, tmp_path):
    csv = stack["acquisitions_csv"]
    whole = learned_di.learned_di_from_stack(csv, None)  # the model's tiling: one 256 px tile here
    # The tolerance: how much the whole-image run itself moves with its tiling (64 px tiles, 16 px
    # overlap against one tile). Measured: max 0.90 dB, mean 0.084 dB.
    retiled = learned_di.learned_di_from_stack(csv, None, tile=64, overlap=16)
    finite = np.isfinite(whole.predicted)
    tolerance = np.abs(retiled.predicted - whole.predicted)[finite]
    # Blocks of 48 px with a 32 px halo, one tile each: 12 blocks, block edges everywhere.
    # Measured: max 0.48 dB, mean 0.046 dB.
    result, out = _stream(stack, None, tmp_path, block=48)
    assert (result.model["block"], result.model["halo"], result.model["tile"]) == (48, 32, 112)
    np.testing.assert_array_equal(np.isfinite(out["predicted"]), finite)
    error = np.abs(out["predicted"] - whole.predicted)[finite]
    assert error.max() <= tolerance.max(), (error.max(), tolerance.max())
    assert error.mean() <= tolerance.mean(), (error.mean(), tolerance.mean())
    np.testing.assert_allclose(out["di_norm"][0], np.sqrt((out["di"] ** 2).sum(axis=0)), rtol=1e-5)
    # Blocks larger than the scene: one tile, as the whole-image run here: identical.
    _, one = _stream(stack, None, tmp_path / "one", block=1024)
    np.testing.assert_array_equal(one["predicted"], whole.predicted)


def test_streamed_run_refuses_unknown_outputs_and_a_missing_reference(stack, tmp_path):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    rows = learned_di.read_stack(stack["acquisitions_csv"])
    paths = [r["path"] for r in rows[-4:]]
    with pytest.raises(ValueError, match="unknown learned-DI output"):
        learned_di.stream_learned_di(str(model), paths[:3], paths[3], stack["dem"], rows[-4:],
                                     {"mask": str(tmp_path / "m.tif")})
    with pytest.raises(ValueError, match="needs a reference"):
        learned_di.stream_learned_di(str(model), paths[:3], paths[3], stack["dem"], rows[-4:],
                                     {"conventional": str(tmp_path / "c.tif")})
    assert not os.listdir(tmp_path) or all(p.endswith(".onnx") for p in os.listdir(tmp_path))
