"""Tiled ONNX inference (models.tiled_inference) and the QGIS-free learned DI (core.learned_di.pipeline).

The models are built with onnx.helper (no torch):

- ``pointwise_model``: a learned-DI model by the contract whose prediction is
  the mean over the N input acquisitions of VV and VH (Slice, Concat,
  ReduceMean) plus 0 x DEM plus 0 x conditions, so every expected output is
  known exactly;
- ``conv_model``: one 3x3 convolution with zero padding, whose output near an
  interior tile edge differs between a tile and the whole image: it measures
  the blending error.
"""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from sar_change.core.change import difference  # noqa: E402
from sar_change.core.engine.raster_blocks import Cancelled, RasterError, read_array, write_array  # noqa: E402
from sar_change.core.learned_di import pipeline as learned_di  # noqa: E402
from sar_change.models import tiled_inference  # noqa: E402
from sar_change.models.tiled_inference import TiledModel  # noqa: E402

CONDITIONS = list(learned_di.CONDITION_NAMES)
ROOT = Path(__file__).resolve().parents[1]


# --- Model builders ------------------------------------------------------------------------------


def _finish(graph, metadata):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value if isinstance(value, str) else json.dumps(value)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def learned_di_metadata(n, conditions=None, bands=("VV", "VH"), size_multiple=4, tile=32, overlap=4,
                        kind="learned_di", version="1"):
    """metadata_props of a learned-DI model as the contract describes them."""
    return {
        "sar_change.kind": kind,
        "sar_change.version": version,
        "inputs": {"acquisitions": n, "bands": list(bands), "scale": "dB", "dem_units": "m",
                   "conditions": list(CONDITIONS if conditions is None else conditions),
                   "order": "oldest first, then target"},
        "size_multiple": str(size_multiple),
        "tile_size": str(tile),
        "overlap": str(overlap),
        "normalisation": {},
        "training": {"epochs": 0},
        "metrics": {},
        "architecture": {"name": "pointwise mean (test)"},
    }


def pointwise_model(n=3, n_conditions=None, declared_channels=True, **meta):
    """Learned-DI model: predicted = mean over the N acquisitions of (VV, VH) + 0 dem + 0 conditions."""
    c = len(CONDITIONS) if n_conditions is None else n_conditions
    channels = 2 * n if declared_channels else "C"
    inputs = [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["B", channels, "H", "W"]),
              helper.make_tensor_value_info("dem", TensorProto.FLOAT, ["B", 1, "H", "W"]),
              helper.make_tensor_value_info("conditions", TensorProto.FLOAT, ["B", n + 1, c])]
    output = helper.make_tensor_value_info("predicted", TensorProto.FLOAT, ["B", 2, "H", "W"])
    init = [numpy_helper.from_array(np.array([1], np.int64), "axis1"),
            numpy_helper.from_array(np.array([1, 2], np.int64), "axes12"),
            numpy_helper.from_array(np.array([3], np.int64), "axis3"),
            numpy_helper.from_array(np.array(0.0, np.float32), "zero")]
    nodes, parts = [], []
    for k in range(n):
        init += [numpy_helper.from_array(np.array([2 * k], np.int64), f"start{k}"),
                 numpy_helper.from_array(np.array([2 * k + 2], np.int64), f"end{k}")]
        nodes.append(helper.make_node("Slice", ["images", f"start{k}", f"end{k}", "axis1"], [f"acq{k}"]))
        nodes.append(helper.make_node("Unsqueeze", [f"acq{k}", "axis1"], [f"acq{k}_5d"]))
        parts.append(f"acq{k}_5d")
    nodes += [
        helper.make_node("Concat", parts, ["stacked"], axis=1),  # (B, N, 2, H, W)
        helper.make_node("ReduceMean", ["stacked"], ["mean"], axes=[1], keepdims=0),
        helper.make_node("Mul", ["dem", "zero"], ["dem0"]),
        helper.make_node("ReduceSum", ["conditions", "axes12"], ["cond_sum"], keepdims=1),  # (B, 1, 1)
        helper.make_node("Unsqueeze", ["cond_sum", "axis3"], ["cond_4d"]),
        helper.make_node("Mul", ["cond_4d", "zero"], ["cond0"]),
        helper.make_node("Add", ["mean", "dem0"], ["with_dem"]),
        helper.make_node("Add", ["with_dem", "cond0"], ["predicted"]),
    ]
    graph = helper.make_graph(nodes, "pointwise_learned_di", inputs, [output], init)
    return _finish(graph, learned_di_metadata(n, **meta))


def conv_model(c_in=3, c_out=2, seed=0, size_multiple=4, tile=32, overlap=4):
    """One 3x3 convolution (zero padding 1) with random weights, input 'x', output 'y'."""
    rng = np.random.default_rng(seed)
    weights = (rng.normal(size=(c_out, c_in, 3, 3)) / 3).astype(np.float32)
    bias = rng.normal(size=c_out).astype(np.float32)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", c_in, "H", "W"])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", c_out, "H", "W"])
    node = helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    graph = helper.make_graph([node], "conv3x3", [x], [y], [numpy_helper.from_array(weights, "w"),
                                                         numpy_helper.from_array(bias, "b")])
    return _finish(graph, {"size_multiple": str(size_multiple), "tile_size": str(tile),
                           "overlap": str(overlap)})


def film_model(c_in=3, c_out=4, n_vector=5, seed=0):
    """y = LeakyRelu(conv3x3(x) * (1 + v @ G) + v @ B): a convolution modulated by a per-sample vector v
    (FiLM, as the learned-DI network), inputs 'x' (image) and 'v' (B, n_vector), output 'y'."""
    rng = np.random.default_rng(seed)
    init = [numpy_helper.from_array((rng.normal(size=(c_out, c_in, 3, 3)) / 3).astype(np.float32), "w"),
            numpy_helper.from_array(rng.normal(size=c_out).astype(np.float32), "b"),
            numpy_helper.from_array(rng.normal(0, 0.3, (n_vector, c_out)).astype(np.float32), "g"),
            numpy_helper.from_array(rng.normal(size=(n_vector, c_out)).astype(np.float32), "s"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one"),
            numpy_helper.from_array(np.array([2, 3], np.int64), "axes23")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("MatMul", ["v", "g"], ["gamma"]),
             helper.make_node("Add", ["gamma", "one"], ["scale2"]),
             helper.make_node("Unsqueeze", ["scale2", "axes23"], ["scale4"]),
             helper.make_node("MatMul", ["v", "s"], ["beta"]),
             helper.make_node("Unsqueeze", ["beta", "axes23"], ["beta4"]),
             helper.make_node("Mul", ["c", "scale4"], ["scaled"]),
             helper.make_node("Add", ["scaled", "beta4"], ["shifted"]),
             helper.make_node("LeakyRelu", ["shifted"], ["y"], alpha=0.1)]
    graph = helper.make_graph(nodes, "film", [
        helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", c_in, "H", "W"]),
        helper.make_tensor_value_info("v", TensorProto.FLOAT, ["B", n_vector])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["B", c_out, "H", "W"])], init)
    return _finish(graph, {"size_multiple": "4", "tile_size": "32", "overlap": "4"})


def pointwise_inputs(n=3, shape=(70, 90), seed=0):
    rng = np.random.default_rng(seed)
    return {"images": rng.normal(-12.0, 4.0, (2 * n,) + shape).astype(np.float32),
            "dem": rng.uniform(0.0, 900.0, (1,) + shape).astype(np.float32),
            "conditions": rng.normal(size=(n + 1, len(CONDITIONS))).astype(np.float32)}


def expected_mean(images, n):
    """The pointwise model's prediction computed with numpy (float32, as ReduceMean)."""
    return images.reshape(n, 2, *images.shape[1:]).mean(axis=0, dtype=np.float32)


def centred(residual):
    """``residual`` (bands, rows, cols) minus each band's median over its finite pixels (float32), as the
    learned DI is centred by default."""
    median = np.nanmedian(np.asarray(residual, dtype=np.float64), axis=(1, 2), keepdims=True)
    return (residual - median.astype(np.float32)).astype(np.float32)


# --- TiledModel ----------------------------------------------------------------------------------


def test_metadata_and_specs():
    model = TiledModel(pointwise_model(n=3), threads=3)
    assert model.metadata["sar_change.kind"] == "learned_di"
    assert model.metadata["inputs"]["acquisitions"] == 3  # JSON decoded
    assert model.metadata_raw["size_multiple"] == "4"
    assert (model.size_multiple, model.tile_size, model.overlap) == (4, 32, 4)
    assert [s.name for s in model.inputs] == ["images", "dem", "conditions"]
    assert model.input("images").shape == (None, 6, None, None)
    assert model.input("conditions").shape == (None, 4, len(CONDITIONS))
    assert model.image_inputs == ["images", "dem"] and model.vector_inputs == ["conditions"]
    assert model.output().name == "predicted" and model.output().shape[1] == 2
    assert model.session.get_session_options().intra_op_num_threads == 3


def test_reflect_indices_match_numpy_pad():
    for size in (1, 2, 5, 9):
        for padded in (size, size + 3, 4 * size + 7):
            expected = np.pad(np.arange(size), (0, padded - size), mode="reflect")
            np.testing.assert_array_equal(tiled_inference.reflect_indices(padded, size), expected)


def test_tiling_layout():
    model = TiledModel(pointwise_model(n=3))
    layout = model.tiling(70, 90)  # tile 32, overlap 4 per side: stride 24, multiple of 4
    assert layout["tile"] == (32, 32) and layout["padded"] == (72, 92)
    assert layout["rows"] == [0, 24, 40] and layout["cols"] == [0, 24, 48, 60]
    assert all(s % 4 == 0 for s in layout["rows"] + layout["cols"])
    small = model.tiling(10, 13)  # one tile, padded to the size multiple
    assert small["tile"] == (12, 16) and small["rows"] == [0] and small["cols"] == [0]
    with pytest.raises(ValueError, match="overlap"):
        model.tiling(70, 90, tile=32, overlap=16)


@pytest.mark.parametrize("tile, overlap, batch", [(32, 4, 4), (16, 2, 1), (24, 6, 3), (1000, 0, 2)])
def test_pointwise_tiled_equals_whole(tile, overlap, batch):
    n = 3
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n)
    out = model.predict(inputs, tile=tile, overlap=overlap, batch=batch)
    assert out.shape == (2, 70, 90) and out.dtype == np.float32
    # Every pixel is a convex combination of identical tile values, summed in float64: exact.
    np.testing.assert_array_equal(out, expected_mean(inputs["images"], n))


def test_whole_image_run_is_the_plain_session_run():
    n = 2
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n, shape=(64, 48))  # multiples of 4: no extension
    batch_inputs = {k: v[None] for k, v in inputs.items()}
    plain = model.session.run(["predicted"], batch_inputs)[0][0]
    np.testing.assert_array_equal(model.predict(inputs, tile=64, overlap=0), plain)


def conv_reference(shape=(96, 88), seed=1):
    model = TiledModel(conv_model())
    image = np.random.default_rng(seed).normal(size=(3,) + shape).astype(np.float32)
    whole = model.session.run(["y"], {"x": image[None]})[0][0]
    return model, image, whole


def test_conv_tiled_matches_whole_within_blending_tolerance():
    model, image, whole = conv_reference()
    tiled = model.predict({"x": image})  # tile 32, overlap 4 from the metadata
    scale = float(np.abs(whole).max())
    error = float(np.abs(tiled - whole).max())
    # Bound (module docstring): weight ratio sin^2(pi/64) / sin^2(7.5 pi/32) = 5.4e-3 times the
    # zero-padding error at a tile edge (a few units here). Measured: 0.021 of a 6.9 maximum.
    assert error < 0.05, error
    assert error / scale < 0.01
    # Away from the 2-pixel bands around interior tile edges the result is exact (float32).
    layout = model.tiling(*image.shape[1:])
    band = np.zeros(image.shape[1:], bool)
    for start in layout["rows"][1:]:
        band[start - 2:start + 2] = True
    for end in [r + 32 for r in layout["rows"][:-1]]:
        band[end - 2:end + 2] = True
    for start in layout["cols"][1:]:
        band[:, start - 2:start + 2] = True
    for end in [c + 32 for c in layout["cols"][:-1]]:
        band[:, end - 2:end + 2] = True
    np.testing.assert_allclose(tiled[:, ~band], whole[:, ~band], rtol=1e-5, atol=1e-5)


def test_specialised_model_fixes_per_sample_inputs_in_the_graph(monkeypatch):
    model = TiledModel(film_model())
    rng = np.random.default_rng(3)
    image = rng.normal(size=(3, 70, 90)).astype(np.float32)
    vector = rng.normal(size=5).astype(np.float32)
    general = model.predict({"x": image, "v": vector}, batch=3)
    fixed = model.specialised({"v": vector})
    assert fixed is not model and fixed.vector_inputs == [] and "v" in fixed.folded
    assert [i.name for i in fixed.session.get_inputs()] == ["x"]
    # The folded scale and shift are rounded once in float32: equal to rounding, tiled and untiled.
    for kwargs in ({}, {"tile": 96, "overlap": 0}):
        np.testing.assert_allclose(fixed.predict({"x": image, "v": vector}, **kwargs),
                                   model.predict({"x": image, "v": vector}, **kwargs), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(fixed.predict({"x": image}), general, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="'v' differs from the value fixed"):
        fixed.predict({"x": image, "v": vector + 1})
    # Without the onnx package (optional inside QGIS) the model stays general.
    monkeypatch.setitem(sys.modules, "onnx", None)
    assert model.specialised({"v": vector}) is model
    # Its own session with one onnxruntime thread (several blocks at once): same model, same outputs.
    single = fixed.with_threads(1)
    assert single.threads == 1 and model.threads == 2 and single.with_threads(1) is single
    assert single.folded is fixed.folded and single.session is not fixed.session
    np.testing.assert_allclose(single.predict({"x": image}), fixed.predict({"x": image}), rtol=1e-6,
                               atol=1e-6)


def test_no_seams_at_tile_borders():
    model, image, whole = conv_reference()
    blended = np.abs(model.predict({"x": image}, overlap=4) - whole)
    naive = np.abs(model.predict({"x": image}, overlap=0) - whole)  # abutting tiles: a seam per border
    layout = model.tiling(*image.shape[1:], overlap=0)
    rows = [r for r in layout["rows"][1:]] + [r - 1 for r in layout["rows"][1:]]
    cols = [c for c in layout["cols"][1:]] + [c - 1 for c in layout["cols"][1:]]
    seam_naive = max(naive[:, rows].max(), naive[:, :, cols].max())
    seam_blended = max(blended[:, rows].max(), blended[:, :, cols].max())
    assert seam_naive > 0.5  # the test sees seams when there are any
    assert seam_blended < 0.05 * seam_naive, (seam_blended, seam_naive)
    # Along the blended result's own tile borders, the jump between neighbours is no larger than
    # inside the tiles: compare row-to-row differences with the whole image's.
    layout4 = model.tiling(*image.shape[1:], overlap=4)
    for r in layout4["rows"][1:]:
        jump_tiled = np.abs(np.diff(model.predict({"x": image})[:, r - 1:r + 1], axis=1))
        jump_whole = np.abs(np.diff(whole[:, r - 1:r + 1], axis=1))
        assert np.abs(jump_tiled - jump_whole).max() < 0.05


def test_nan_inputs_are_filled_and_put_back():
    n = 3
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n)
    inputs["images"][1, 10:20, 30:41] = np.nan  # one channel of one acquisition
    inputs["dem"][0, 60:, 0:5] = np.nan  # DEM no data
    inputs["images"][:, 40:70, 60:90] = np.nan  # a corner with no valid pixel at all
    out = model.predict(inputs)
    invalid = np.isnan(inputs["images"]).any(axis=0) | np.isnan(inputs["dem"][0])
    assert np.array_equal(np.isnan(out).any(axis=0), invalid)
    assert np.array_equal(np.isnan(out[0]), np.isnan(out[1]))
    expected = expected_mean(inputs["images"], n)
    np.testing.assert_array_equal(out[:, ~invalid], expected[:, ~invalid])


def test_all_no_data_tiles_are_not_run():
    n = 2
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n, shape=(64, 64))
    inputs["images"][:, :32, :] = np.nan  # the top row of tiles (tile 32, overlap 0) is empty

    calls = []

    class Counting:
        def __init__(self, session):
            self.session = session

        def run(self, names, feed):
            calls.append(feed["images"].shape[0])
            return self.session.run(names, feed)

    model.session = Counting(model.session)
    out = model.predict(inputs, tile=32, overlap=0, batch=1)
    assert sum(calls) == 2  # 4 tiles, 2 of them without a valid pixel
    assert np.isnan(out[:, :32]).all() and np.isfinite(out[:, 32:]).all()


def test_input_errors_name_the_input():
    n = 3
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n)
    bad = dict(inputs, images=inputs["images"][:5])
    with pytest.raises(ValueError, match=r"'images' has 5 channel\(s\) but .* expects 6"):
        model.predict(bad)
    with pytest.raises(ValueError, match=r"missing \['dem'\]"):
        model.predict({k: v for k, v in inputs.items() if k != "dem"})
    with pytest.raises(ValueError, match=r"unknown \['elevation'\]"):
        model.predict(dict(inputs, elevation=inputs["dem"]))
    with pytest.raises(ValueError, match="'conditions' has shape"):
        model.predict(dict(inputs, conditions=inputs["conditions"][:3]))
    with pytest.raises(ValueError, match="one grid"):
        model.predict(dict(inputs, dem=inputs["dem"][:, :60]))
    with pytest.raises(ValueError, match="does not exist"):
        TiledModel("/nonexistent/model.onnx")


def test_progress_and_cancel():
    n = 2
    model = TiledModel(pointwise_model(n=n))
    inputs = pointwise_inputs(n, shape=(96, 96))
    seen = []
    model.predict(inputs, tile=32, overlap=4, batch=2, progress=seen.append)
    assert seen[-1] == 100.0 and seen == sorted(seen) and len(seen) > 3
    calls = []

    def cancel_after_two():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        model.predict(inputs, tile=32, overlap=4, batch=1, is_canceled=cancel_after_two)


# --- core.learned_di.pipeline -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A 64 x 64 simulated stack of three months (16 acquisitions, both orbits)."""
    from sar_change.core.simulator.stack import simulate_stack

    folder = tmp_path_factory.mktemp("ld_stack")
    summary = simulate_stack(folder, shape=(64, 64), start="2020-01-01", end="2020-03-31", seed=3)
    return summary


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("ld_model") / "pointwise_n3.onnx"
    path.write_bytes(pointwise_model(n=3))
    return str(path)


def stack_db(path):
    """(2, rows, cols) dB of a simulated acquisition, as the schema converts it."""
    return np.stack([learned_di.SCHEMA.to_db(read_array(path, b)) for b in (1, 2)])


def test_learned_di_from_stack_equals_target_minus_mean(stack, model_path):
    rows = stack["acquisitions"]
    seen = []
    result = learned_di.learned_di_from_stack(stack["acquisitions_csv"], model_path, conventional=True,
                                              progress=seen.append)
    folder = stack["out_dir"]
    assert result.target["date"] == rows[-1]["date"]  # default: the newest acquisition
    assert [r["date"] for r in result.inputs] == [r["date"] for r in rows[-4:-1]]  # 3 before, oldest first
    inputs = np.concatenate([stack_db(os.path.join(folder, r["file"])) for r in rows[-4:-1]])
    target = stack_db(os.path.join(folder, rows[-1]["file"]))
    mean = expected_mean(inputs, 3)
    np.testing.assert_array_equal(result.predicted, mean)  # ReduceMean = numpy's float32 mean here
    np.testing.assert_array_equal(result.di, centred(target - mean))
    np.testing.assert_array_equal(result.actual, target)
    np.testing.assert_allclose(result.di_norm, np.sqrt((result.di ** 2).sum(axis=0)), rtol=1e-6)
    # Conventional DI: Alatalo's method 1 reference, Euclidean norm of dB differences.
    ref = difference.choose_reference(rows, len(rows) - 1)
    assert result.reference["date"] == rows[ref]["date"]
    assert rows[ref]["orbit_direction"] == rows[-1]["orbit_direction"]
    p_ref = np.stack([read_array(os.path.join(folder, rows[ref]["file"]), b) for b in (1, 2)])
    p_tgt = np.stack([read_array(os.path.join(folder, rows[-1]["file"]), b) for b in (1, 2)])
    np.testing.assert_allclose(result.conventional, difference.euclidean_db(p_ref, p_tgt, floor=1e-5),
                               rtol=1e-5, atol=1e-5)
    assert seen[-1] == 100.0 and seen == sorted(seen)


def test_target_date_and_outputs(stack, model_path, tmp_path):
    rows = stack["acquisitions"]
    result = learned_di.learned_di_from_stack(stack["acquisitions_csv"], model_path,
                                              target_date=rows[5]["date"])
    assert [r["date"] for r in result.inputs] == [r["date"] for r in rows[2:5]]
    written = learned_di.write_outputs(result, predicted=tmp_path / "p.tif", di=tmp_path / "d.tif",
                                       di_norm=tmp_path / "n.tif")
    assert set(written) == {"predicted", "di", "di_norm"}
    from sar_change.core.engine.raster_blocks import read_info

    info = read_info(written["di"])
    assert info.bands == 2 and info.descriptions == ("VV learned DI (dB)", "VH learned DI (dB)")
    assert info.geotransform == tuple(stack["geotransform"])
    np.testing.assert_array_equal(read_array(written["di_norm"]), result.di_norm)
    with pytest.raises(ValueError, match="not computed"):
        learned_di.write_outputs(result, conventional=tmp_path / "c.tif")


def test_too_few_earlier_acquisitions(stack, model_path):
    rows = stack["acquisitions"]
    with pytest.raises(ValueError, match=r"only 2 acquisition\(s\) before the target .* needs 3"):
        learned_di.learned_di_from_stack(stack["acquisitions_csv"], model_path, target_date=rows[2]["date"])
    with pytest.raises(ValueError, match="no acquisition on 2019-05-05"):
        learned_di.learned_di_from_stack(stack["acquisitions_csv"], model_path, target_date="2019-05-05")


def test_model_mismatch_errors(stack, tmp_path):
    csv_path = stack["acquisitions_csv"]
    wrong_names = CONDITIONS[:-1] + ["platform"]
    path = tmp_path / "names.onnx"
    path.write_bytes(pointwise_model(n=3, conditions=wrong_names))
    with pytest.raises(learned_di.ModelMismatch,
                       match=r"missing \['platform_s1b'\]; unexpected \['platform'\]"):
        learned_di.learned_di_from_stack(csv_path, str(path))
    path.write_bytes(pointwise_model(n=3, kind="svm"))
    with pytest.raises(learned_di.ModelMismatch, match="not a learned difference-image model"):
        learned_di.open_model(str(path))
    path.write_bytes(pointwise_model(n=3, version="99"))
    with pytest.raises(learned_di.ModelMismatch, match="version '99'"):
        learned_di.open_model(str(path))
    # Metadata that contradict the graph (N = 4 declared, 6 image channels).
    inconsistent = onnx.load_from_string(pointwise_model(n=3))
    for entry in inconsistent.metadata_props:
        if entry.key == "inputs":
            entry.value = json.dumps(dict(json.loads(entry.value), acquisitions=4))
    path.write_bytes(inconsistent.SerializeToString())
    with pytest.raises(learned_di.ModelMismatch, match="6 channels"):
        learned_di.open_model(str(path))
    with pytest.raises(learned_di.ModelMismatch, match="Train learned difference image model"):
        learned_di.open_model(str(tmp_path / "missing.onnx"))


def test_explicit_inputs_wrong_n_bands_and_grid(stack, model_path, tmp_path):
    rows = stack["acquisitions"]
    folder = stack["out_dir"]
    paths = [os.path.join(folder, r["file"]) for r in rows]
    dem = stack["dem"]
    with pytest.raises(learned_di.ModelMismatch, match="from 3 earlier acquisitions but 2 were given"):
        learned_di.run_learned_di(model_path, paths[:2], paths[2], dem, rows[:3])
    # A single-band raster: the model needs VV and VH.
    vv_only = write_array(tmp_path / "vv.tif", read_array(paths[0], 1), like=paths[0], descriptions=["VV"])
    with pytest.raises(RasterError, match=r"vv.tif has the bands \['VV'\] but the model needs \['VV', 'VH'"):
        learned_di.run_learned_di(model_path, [vv_only] + paths[1:3], paths[3], dem, rows[:4])
    small_dem = write_array(tmp_path / "dem_small.tif", read_array(dem)[:32, :32], like=dem)
    with pytest.raises(RasterError, match="DEM .* is not on the grid of the target .* resample the DEM"):
        learned_di.run_learned_di(model_path, paths[:3], paths[3], small_dem, rows[:4])
    with pytest.raises(ValueError, match="condition vector"):
        learned_di.run_learned_di(model_path, paths[:3], paths[3], dem, rows[:3])


def test_explicit_inputs_with_typed_conditions(stack, model_path):
    rows = stack["acquisitions"]
    folder = stack["out_dir"]
    paths = [os.path.join(folder, r["file"]) for r in rows[4:8]]
    numbers = "\n".join(" ".join(f"{v:.6g}" for v in learned_di.condition_vector(r)) for r in rows[4:8])
    typed = learned_di.parse_conditions(numbers, 4)
    by_name = learned_di.parse_conditions(
        "; ".join(", ".join(f"{k}={r[k]}" for k in learned_di.STACK_COLUMNS) for r in rows[4:8]), 4)
    np.testing.assert_allclose(learned_di.condition_array(typed), learned_di.condition_array(rows[4:8]),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(learned_di.condition_array(by_name), learned_di.condition_array(rows[4:8]))
    result = learned_di.run_learned_di(model_path, paths[:3], paths[3], stack["dem"], typed,
                                       reference_path=paths[learned_di.reference_among(typed)])
    inputs = np.concatenate([stack_db(p) for p in paths[:3]])
    np.testing.assert_array_equal(result.di, centred(stack_db(paths[3]) - expected_mean(inputs, 3)))
    # Method 1 among the inputs: same orbit direction as the target (from the heading), closest incidence.
    assert rows[4 + learned_di.reference_among(typed)]["orbit_direction"] == rows[7]["orbit_direction"]
    with pytest.raises(ValueError, match=r"hold 3 acquisition\(s\); give 4"):
        learned_di.parse_conditions(numbers.rsplit("\n", 1)[0], 4)
    with pytest.raises(ValueError, match="has 2 value"):
        learned_di.parse_conditions("1, 2", 1)
    with pytest.raises(ValueError, match=r"cannot read 'platform S1A': write name=value, e.g. date="):
        learned_di.parse_conditions("date=2020-03-03, platform S1A", 1)


def test_conditions_csv_matched_by_file(stack, tmp_path):
    rows = stack["acquisitions"]
    path = tmp_path / "conditions.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(reversed(rows))  # any order: matched by file name
    wanted = [os.path.join(stack["out_dir"], r["file"]) for r in rows[3:7]]
    parsed = learned_di.parse_conditions(str(path), 4, paths=wanted)
    assert [r["date"] for r in parsed] == [r["date"] for r in rows[3:7]]


def test_target_with_orbit_direction():
    rows = [{"date": "2020-01-01", "orbit_direction": "ascending"},
            {"date": "2020-01-01", "orbit_direction": "descending"}]
    with pytest.raises(ValueError, match="2 acquisitions on 2020-01-01 .*'2020-01-01 ascending'"):
        learned_di.target_index(rows, "2020-01-01")
    assert learned_di.target_index(rows, "2020-01-01 dsc") == 1
    assert learned_di.target_index(rows, "2020-01-01 Ascending") == 0
    assert learned_di.target_index(rows, "") == 1


def test_shipped_model_default(monkeypatch, tmp_path):
    monkeypatch.setattr(learned_di, "SHIPPED_MODEL", str(tmp_path / "learned_di.onnx"))
    with pytest.raises(learned_di.ModelMismatch, match="no shipped model .* .Train learned difference"):
        learned_di.open_model(None)


def test_modules_do_not_import_torch():
    """Inside QGIS only numpy, GDAL and onnxruntime may be used: importing these must not load torch."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / '.plugins')!r})\n"
        "import sar_change.models.tiled_inference\n"
        "import sar_change.core.learned_di.pipeline as ld\n"
        "ld.condition_vector({'platform': 'S1A', 'heading_deg': '349'})\n"
        "import sar_change.processing.algorithms.learned_di\n"
        "import sar_change.processing.algorithms.train_learned_di\n"
        "print('torch' in sys.modules, ld.SCHEMA.__name__)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    loaded, schema = proc.stdout.split()[-2:]
    assert loaded == "False"
    assert schema.endswith("learned_di.schema")  # the shared contract module, not the local copy
