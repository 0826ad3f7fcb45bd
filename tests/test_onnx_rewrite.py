"""Graph edits before onnxruntime loads a model (models.onnx_rewrite) and the shipped learned DI specialised
with them (models.tiled_inference.TiledModel.specialised)."""
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from sar_change.models import onnx_rewrite  # noqa: E402
from sar_change.models.onnx_runtime import _onnxruntime  # noqa: E402
from sar_change.models.tiled_inference import TiledModel, session_options  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEARNED_DI = ROOT / "models" / "learned_di.onnx"


def _model(nodes, inputs, outputs, init):
    graph = helper.make_graph(nodes, "g", inputs, outputs, init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def _run(proto, feed):
    ort = _onnxruntime()
    session = ort.InferenceSession(proto.SerializeToString(), session_options(ort, 1),
                                   providers=["CPUExecutionProvider"])
    return session.run(None, feed)[0]


def _image(name, channels):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["B", channels, "H", "W"])


def small_unet(c_low=32, c_skip=16, c_up=16, seed=0, c_out=4, activation=False):
    """x (B, c_skip, H, W) -> conv3x3 -> skip; maxpool -> conv to c_low -> ConvTranspose 2x2/2 to c_up;
    concat(up, skip) -> conv3x3 to c_out (-> LeakyRelu with ``activation``) -> y: the U-Net level the
    learned DI repeats four times."""
    rng = np.random.default_rng(seed)

    def weights(name, *shape):
        return numpy_helper.from_array(rng.normal(0, 0.3, shape).astype(np.float32), name)

    init = [weights("w_skip", c_skip, c_skip, 3, 3), weights("b_skip", c_skip),
            weights("w_low", c_low, c_skip, 3, 3), weights("b_low", c_low),
            weights("w_up", c_low, c_up, 2, 2), weights("b_up", c_up),
            weights("w_out", c_out, c_up + c_skip, 3, 3), weights("b_out", c_out),
            numpy_helper.from_array(np.full((1, c_skip, 1, 1), 0.5, np.float32), "fill")]
    nodes = [helper.make_node("IsNaN", ["x"], ["bad"]),
             helper.make_node("Where", ["bad", "fill", "x"], ["clean"]),
             helper.make_node("Conv", ["clean", "w_skip", "b_skip"], ["skip"], kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("MaxPool", ["skip"], ["pooled"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["pooled", "w_low", "b_low"], ["low"], kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1]),
             helper.make_node("LeakyRelu", ["low"], ["low_act"], alpha=0.1),
             helper.make_node("ConvTranspose", ["low_act", "w_up", "b_up"], ["up"], kernel_shape=[2, 2],
                              strides=[2, 2]),
             helper.make_node("Concat", ["up", "skip"], ["cat"], axis=1),
             helper.make_node("Conv", ["cat", "w_out", "b_out"], ["y_conv" if activation else "y"],
                              kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    if activation:
        nodes.append(helper.make_node("LeakyRelu", ["y_conv"], ["y"], alpha=0.1))
    return _model(nodes, [_image("x", c_skip)], [_image("y", c_out)], init)


def _edited(shape, seed, *edits):
    """(small_unet's output, the output and op types of its copy after ``edits``) on random x of ``shape``;
    each edit must rewrite one place."""
    model = small_unet()
    x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
    edited = onnx.load_from_string(model.SerializeToString())
    for edit in edits:
        assert edit(edited) == 1
    onnx.checker.check_model(edited)
    return _run(model, {"x": x}), _run(edited, {"x": x}), edited


def test_sub_pixel_rewrite_equals_the_transposed_convolution():
    before, after, edited = _edited((2, 16, 24, 40), 1, onnx_rewrite.conv_transpose_as_depth_to_space)
    ops = [n.op_type for n in edited.graph.node]
    assert "ConvTranspose" not in ops and "DepthToSpace" in ops
    assert "w_up" not in {t.name for t in edited.graph.initializer}  # the old weights are dropped
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)


def test_sub_pixel_rewrite_in_dcr_order_equals_the_transposed_convolution():
    def dcr(proto):
        return onnx_rewrite.conv_transpose_as_depth_to_space(proto, mode="DCR")

    before, after, edited = _edited((2, 16, 24, 40), 3, dcr)
    modes = [a.s for n in edited.graph.node if n.op_type == "DepthToSpace"
             for a in n.attribute if a.name == "mode"]
    assert modes == [b"DCR"]
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="CRD"):
        onnx_rewrite.conv_transpose_as_depth_to_space(small_unet(), mode="crd")


def test_split_concat_convolution_equals_the_concatenation():
    before, after, edited = _edited((2, 16, 24, 40), 4, onnx_rewrite.split_concat_convs)
    ops = [n.op_type for n in edited.graph.node]
    assert "Concat" not in ops and ops.count("Conv") == 4 and ops.count("Add") == 1
    assert "w_out" not in {t.name for t in edited.graph.initializer}
    # The two terms carry one symbolic shape (onnxruntime fuses the sum only when it can prove them equal).
    shapes = [tuple(d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim)
              for v in edited.graph.value_info]
    assert len(shapes) == 2 and shapes[0] == shapes[1] and shapes[0][1] == 4
    np.testing.assert_allclose(after, before, rtol=1e-5, atol=1e-5)


def test_split_concat_needs_block_aligned_channels():
    assert onnx_rewrite.split_concat_convs(small_unet(c_up=12)) == 0
    assert onnx_rewrite.split_concat_convs(small_unet(c_up=8), multiple=8) == 1


def _assert_optimised_equals(graph, model, shapes, seed):
    """``graph`` (serialised by ``cpu_optimised``) gives ``model``'s output within 1e-5 on random inputs ``x``
    of each of ``shapes``."""
    ort = _onnxruntime()
    session = ort.InferenceSession(graph, session_options(ort, 1, optimise=False),
                                   providers=["CPUExecutionProvider"])
    for shape in shapes:
        x = np.random.default_rng(seed).normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(session.run(None, {"x": x})[0], _run(model, {"x": x}),
                                   rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("activation", [False, True])
def test_cpu_optimised_graph_equals_the_original(activation):
    """The whole chain of ``cpu_optimised`` on a U-Net level: same outputs within float32 rounding, and
    (where onnxruntime has its blocked layout) no concatenation, transposed convolution or reorder left
    between the up-sampling and the convolution that reads it."""
    from sar_change.models.tiled_inference import cpu_optimised, nchwc_block_size

    model = small_unet(c_out=16, activation=activation)
    ort = _onnxruntime()
    block = nchwc_block_size(ort)
    if block is None:
        pytest.skip("this onnxruntime has no blocked (NCHWc) CPU layout")
    assert block in (8, 16)
    graph = cpu_optimised(model.SerializeToString())
    assert graph is not None
    optimised = onnx.load_from_string(graph)
    ops = [n.op_type for n in optimised.graph.node]
    assert not [n for n in optimised.graph.node if n.op_type == "Concat"  # only the shape arithmetic's
                and any(a.name == "axis" and a.i != 0 for a in n.attribute)]
    assert "ConvTranspose" not in ops and "DepthToSpace" not in ops and "Transpose" in ops
    convs = [n for n in optimised.graph.node if n.op_type == "Conv"]
    assert any(len(n.input) == 4 and n.input[3] for n in convs)  # the split's sum fused into a convolution
    if activation:  # LeakyRelu applied by the convolution that took the sum
        assert "LeakyRelu" not in ops
        assert any(a.name == "activation" and a.s == b"LeakyRelu" for n in convs if len(n.input) == 4
                   for a in n.attribute)
    _assert_optimised_equals(graph, model, ((1, 16, 32, 48), (2, 16, 16, 80)), seed=7)


def test_blocked_edits_leave_graphs_without_their_patterns():
    model = small_unet()
    assert onnx_rewrite.fuse_nchwc_activations(model) == 0
    assert onnx_rewrite.blocked_depth_to_space(model, 16) == 0
    assert [n.op_type for n in model.graph.node] == [n.op_type for n in small_unet().graph.node]


def _film(channels, shift=True):
    """x -> Relu -> Mul(per-channel gamma) [-> Add(per-channel beta)] -> conv3x3 -> y (a FiLM after an
    activation, as SARDINet's encoder has)."""
    rng = np.random.default_rng(3)
    init = [numpy_helper.from_array(rng.normal(1, 0.5, (1, channels, 1, 1)).astype(np.float32), "gamma"),
            numpy_helper.from_array(rng.normal(0, 0.5, (1, channels, 1, 1)).astype(np.float32), "beta"),
            numpy_helper.from_array(rng.normal(0, 0.3, (4, channels, 3, 3)).astype(np.float32), "w")]
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "gamma"], ["m"])]
    nodes.append(helper.make_node("Add", ["beta", "m"], ["a"]) if shift
                 else helper.make_node("Identity", ["m"], ["a"]))
    nodes.append(helper.make_node("Conv", ["a", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]))
    return _model(nodes, [_image("x", channels)], [_image("y", 4)], init)


@pytest.mark.parametrize("shift", [True, False])
def test_per_channel_affine_as_depthwise_convolution(shift):
    model = _film(16, shift)
    edited = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.affine_as_depthwise_conv(edited) == 1
    onnx.checker.check_model(edited)
    ops = [n.op_type for n in edited.graph.node]
    assert "Mul" not in ops and "Add" not in ops and ops.count("Conv") == 2
    depthwise = next(n for n in edited.graph.node if n.op_type == "Conv" and len(n.input) > 1
                     and n.input[0] == "r")
    assert {a.name: a.i for a in depthwise.attribute}["group"] == 16
    assert len(depthwise.input) == (3 if shift else 2)
    x = np.random.default_rng(8).normal(size=(2, 16, 20, 36)).astype(np.float32)
    np.testing.assert_allclose(_run(edited, {"x": x}), _run(model, {"x": x}), rtol=1e-5, atol=1e-5)
    assert onnx_rewrite.affine_as_depthwise_conv(_film(12, shift)) == 0  # 12 channels: not block aligned


def _conv_relu_batch_norm(channels):
    """x -> conv3x3 -> Relu -> BatchNormalization (inference mode) -> conv3x3 (zero-padded) -> y: a batch
    normalisation after an activation, which onnxruntime cannot fold into a convolution (SARDINet's)."""
    rng = np.random.default_rng(5)
    arrays = {"w1": rng.normal(0, 0.3, (channels, 4, 3, 3)), "gamma": rng.normal(1, 0.5, channels),
              "beta": rng.normal(0, 0.5, channels), "mean": rng.uniform(0, 1, channels),
              "var": rng.uniform(0.01, 2, channels), "w2": rng.normal(0, 0.3, (4, channels, 3, 3))}
    init = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()]
    nodes = [helper.make_node("Conv", ["x", "w1"], ["c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("BatchNormalization", ["r", "gamma", "beta", "mean", "var"], ["n"],
                              epsilon=1e-3),
             helper.make_node("Conv", ["n", "w2"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    return _model(nodes, [_image("x", 4)], [_image("y", 4)], init)


def _blocked_optimised(model):
    """(serialised ``cpu_optimised`` graph of ``model``, its nodes); skips where onnxruntime has no blocked
    layout."""
    from sar_change.models.tiled_inference import cpu_optimised, nchwc_block_size

    if nchwc_block_size(_onnxruntime()) is None:
        pytest.skip("this onnxruntime has no blocked (NCHWc) CPU layout")
    graph = cpu_optimised(model.SerializeToString())
    assert graph is not None
    return graph, onnx.load_from_string(graph).graph.node


def test_cpu_optimised_batch_norm_after_activation_stays_blocked():
    """A batch normalisation after an activation, which no convolution can absorb exactly (the next one
    zero-pads): onnxruntime's blocked-layout optimisation runs it as a depthwise convolution on the blocked
    tensor (no BatchNormalization, no reorder between the convolutions), within 1e-5 of the original, borders
    included. (SARDINet's encoder relies on this; a rewrite of our own to the same form gained nothing.)"""
    model = _conv_relu_batch_norm(16)
    graph, nodes = _blocked_optimised(model)
    # blocked Conv (from the plain input), depthwise Conv (the normalisation), Conv, one reorder out
    assert [n.op_type for n in nodes] == ["Conv", "Conv", "Conv", "ReorderOutput"]
    assert {n.domain for n in nodes} == {onnx_rewrite.NCHWC_DOMAIN}
    _assert_optimised_equals(graph, model, ((2, 4, 20, 36),), seed=9)


def _band_decoder(groups=4, c_low=32, c_up=32, seed=6):
    """x (c_low channels) -> conv3x3 + bias to 4 c_up -> DepthToSpace CRD 2 (a sub-pixel convolution, as
    PyTorch's PixelShuffle exports) -> grouped conv5x5 (``groups`` groups, zero-padded) + bias -> LeakyRelu
    -> y: one stage of SARDINet's band decoders."""
    rng = np.random.default_rng(seed)
    arrays = {"w_up": rng.normal(0, 0.2, (4 * c_up, c_low, 3, 3)), "b_up": rng.normal(0, 0.2, 4 * c_up),
              "w": rng.normal(0, 0.2, (c_up, c_up // groups, 5, 5)), "b": rng.normal(0, 0.2, c_up)}
    init = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()]
    nodes = [helper.make_node("Conv", ["x", "w_up", "b_up"], ["low"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("DepthToSpace", ["low"], ["up"], blocksize=2, mode="CRD"),
             helper.make_node("Conv", ["up", "w", "b"], ["c"], kernel_shape=[5, 5], pads=[2, 2, 2, 2],
                              group=groups),
             helper.make_node("LeakyRelu", ["c"], ["y"], alpha=0.2)]
    return _model(nodes, [_image("x", c_low)], [_image("y", c_up)], init)


def test_grouped_convolution_as_dense_and_sub_pixel_shuffle_in_dcr_order():
    """Each edit alone keeps the outputs (within 1e-5; the DCR permutation leaves the values untouched);
    neither touches a depthwise convolution, groups that fill channel blocks or a grouped sub-pixel
    convolution."""
    model = _band_decoder()
    x = np.random.default_rng(4).normal(size=(2, 32, 12, 20)).astype(np.float32)
    expected = _run(model, {"x": x})
    dense = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.grouped_conv_in_blocks(dense) == 1
    onnx.checker.check_model(dense)
    # 4 groups of 8 channels as 2 groups of 16 (whole blocks), each with two former groups block-diagonal
    conv = next(n for n in dense.graph.node if n.op_type == "Conv" and n.input[0] == "up")
    assert {a.name: a.i for a in conv.attribute}["group"] == 2
    merged = numpy_helper.to_array(next(t for t in dense.graph.initializer if t.name == conv.input[1]))
    original = numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == "w"))
    assert merged.shape == (32, 16, 5, 5)
    np.testing.assert_array_equal(merged[:8, :8], original[:8])
    np.testing.assert_array_equal(merged[24:, 8:], original[24:])
    assert not merged[:8, 8:].any() and not merged[8:16, :8].any()
    np.testing.assert_allclose(_run(dense, {"x": x}), expected, rtol=1e-5, atol=1e-5)
    single = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.grouped_conv_in_blocks(single, multiple=32) == 1  # one block of 32: dense
    assert all({a.name: a.i for a in n.attribute}.get("group", 1) == 1 for n in single.graph.node)
    np.testing.assert_allclose(_run(single, {"x": x}), expected, rtol=1e-5, atol=1e-5)
    dcr = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.depth_to_space_as_dcr(dcr) == 1
    onnx.checker.check_model(dcr)
    assert {a.name: a.s for a in dcr.graph.node[1].attribute}["mode"] == b"DCR"
    np.testing.assert_allclose(_run(dcr, {"x": x}), expected, rtol=1e-6, atol=1e-6)
    assert onnx_rewrite.grouped_conv_in_blocks(_band_decoder(groups=32)) == 0  # depthwise
    assert onnx_rewrite.grouped_conv_in_blocks(_band_decoder(groups=2)) == 0  # 16 channels a group: blocks
    assert onnx_rewrite.grouped_conv_in_blocks(_band_decoder(groups=2), multiple=32) == 1
    assert onnx_rewrite.depth_to_space_as_dcr(dense) == 1  # after the dense edit too


def test_cpu_optimised_band_decoder_stays_blocked():
    """Through the whole ``cpu_optimised`` chain a band-decoder stage keeps no DepthToSpace, no grouped
    convolution outside the blocked layout and one reorder (the output), within 1e-5 of the original."""
    model = _band_decoder()
    graph, nodes = _blocked_optimised(model)
    ops = [n.op_type for n in nodes]
    assert "DepthToSpace" not in ops and "Transpose" in ops and ops.count("ReorderOutput") == 1
    assert all(n.domain == onnx_rewrite.NCHWC_DOMAIN for n in nodes if n.op_type == "Conv")
    _assert_optimised_equals(graph, model, ((1, 32, 12, 20), (2, 32, 9, 7)), seed=5)


def test_grouped_sub_pixel_convolution_in_blocks_is_dense():
    """A grouped convolution whose only user is a DepthToSpace becomes dense (the DCR edit then permutes its
    output channels across the former groups), not one of block groups."""
    rng = np.random.default_rng(12)
    init = [numpy_helper.from_array(rng.normal(0, 0.3, (64, 8, 3, 3)).astype(np.float32), "w")]
    nodes = [helper.make_node("Conv", ["x", "w"], ["low"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], group=4),
             helper.make_node("DepthToSpace", ["low"], ["y"], blocksize=2, mode="CRD")]
    model = _model(nodes, [_image("x", 32)], [_image("y", 16)], init)
    assert onnx_rewrite.grouped_conv_in_blocks(model) == 1
    assert {a.name: a.i for a in model.graph.node[0].attribute}["group"] == 1
    assert onnx_rewrite.depth_to_space_as_dcr(model) == 1


def _shuffle_then_conv(kernel, groups, pads):
    """x (16 phase channels) -> DepthToSpace DCR 2 -> 4 channels -> conv (zero ``pads``, bias) -> y."""
    rng = np.random.default_rng(11)
    weights = rng.normal(0, 0.3, (4, 4 // groups, kernel, kernel)).astype(np.float32)
    bias = rng.normal(0, 0.3, 4).astype(np.float32)
    init = [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")]
    nodes = [helper.make_node("DepthToSpace", ["x"], ["up"], blocksize=2, mode="DCR"),
             helper.make_node("Conv", ["up", "w", "b"], ["y"], kernel_shape=[kernel, kernel], pads=pads,
                              group=groups)]
    return _model(nodes, [_image("x", 16)], [_image("y", 4)], init)


@pytest.mark.parametrize("kernel, groups, pads", [(5, 4, [2, 2, 2, 2]), (3, 1, [1, 0, 1, 2])])
def test_convolution_after_depth_to_space_at_the_low_resolution(kernel, groups, pads):
    """A same-size convolution after DepthToSpace as a convolution of the phase channels then DepthToSpace:
    within 1e-5 everywhere, borders and odd sizes included."""
    model = _shuffle_then_conv(kernel, groups, pads)
    edited = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.conv_before_depth_to_space(edited) == 1
    onnx.checker.check_model(edited)
    assert [n.op_type for n in edited.graph.node] == ["Conv", "DepthToSpace"]
    for shape in ((1, 16, 7, 5), (2, 16, 12, 20)):
        x = np.random.default_rng(12).normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(_run(edited, {"x": x}), _run(model, {"x": x}), rtol=1e-5, atol=1e-5)
    assert onnx_rewrite.conv_before_depth_to_space(model, multiple=4) == 0  # 4 channels fill 4-lane blocks
    assert onnx_rewrite.conv_before_depth_to_space(_shuffle_then_conv(kernel, groups, [0, 0, 0, 0])) == 0


def test_sub_pixel_rewrite_leaves_other_transposed_convolutions():
    w = numpy_helper.from_array(np.ones((2, 3, 3, 3), np.float32), "w")
    node = helper.make_node("ConvTranspose", ["x", "w"], ["y"], kernel_shape=[3, 3], strides=[2, 2])
    model = _model([node], [_image("x", 2)], [_image("y", 3)], [w])
    assert onnx_rewrite.conv_transpose_as_depth_to_space(model) == 0  # kernel 3 != stride 2


def test_blocked_concat_and_nan_guards_keep_the_outputs_bit_for_bit():
    before, after, edited = _edited((1, 16, 32, 48), 2, onnx_rewrite.nchwc_concat_inputs,
                                    lambda proto: onnx_rewrite.skip_nan_guards(proto, {"x"}))
    ops = [n.op_type for n in edited.graph.node]
    assert "IsNaN" not in ops and "Where" not in ops
    assert "fill" not in {t.name for t in edited.graph.initializer}
    # Identity weights (1 * x + 0 * others) and a guard that returned x for finite x: nothing changes.
    np.testing.assert_array_equal(after, before)


def test_nan_guards_only_for_inputs_said_finite():
    model = small_unet()
    assert onnx_rewrite.skip_nan_guards(model, {"other"}) == 0
    assert "Where" in [n.op_type for n in model.graph.node]


def test_blocked_concat_needs_block_aligned_channels():
    model = small_unet(c_up=12)  # 12 + 16 channels: onnxruntime could not concatenate them blocked anyway
    assert onnx_rewrite.nchwc_concat_inputs(model) == 0


def _learned_di_inputs(shape, seed):
    rng = np.random.default_rng(seed)
    images = rng.normal(-12.0, 4.0, (8,) + shape).astype(np.float32)
    dem = rng.uniform(0.0, 900.0, (1,) + shape).astype(np.float32)
    return images, dem


def _conditions():
    from sar_change.core.learned_di.pipeline import condition_array, parse_conditions

    rest = ("platform=S1A, orbit_direction=ascending, heading_deg=349, mean_incidence_deg=37.5, "
            "temperature_c=2, precip_mm=0, precip_3day_mm=0, snow_depth_m=0")
    text = "\n".join(f"date=2020-01-{d:02d}, {rest}" for d in (1, 13, 25, 27, 29))
    return condition_array(parse_conditions(text, 5))


@pytest.mark.skipif(not LEARNED_DI.exists(), reason="no shipped model at models/learned_di.onnx")
def test_specialised_learned_di_equals_the_general_graph(shared_data):
    from osgeo import gdal

    general = TiledModel(str(LEARNED_DI), threads=2)
    cond = _conditions()
    fixed = general.specialised({"conditions": cond})
    assert fixed is not general
    ops = {n.op_type for n in onnx.load_from_string(fixed._model).graph.node}
    assert "IsNaN" in ops  # the DEM's no-data test stays (it also counts the valid pixels)
    if fixed._optimised:  # cpu_optimised: no transposed convolution, the skip concatenations as summed convs
        assert "ConvTranspose" not in ops and "DepthToSpace" not in ops
        assert not [n for n in onnx.load_from_string(fixed._model).graph.node if n.op_type == "Concat"
                    and any(a.name == "axis" and a.i == 1 for a in n.attribute) and "ups" in n.input[0]]
    images, dem = _learned_di_inputs((96, 160), seed=5)
    if fixed._optimised:  # a copy on other threads opens the optimised graph as it is (not optimised again)
        np.testing.assert_allclose(fixed.with_threads(1).predict({"images": images, "dem": dem}),
                                   fixed.predict({"images": images, "dem": dem}), rtol=0, atol=1e-5)
    # A real tile: three Sentinel-1 dates (VV, VH) of the Idaho stack in dB, the first again as the 4th.
    paths = sorted((shared_data / "s1_idaho_3date").glob("*_VV_VH_inc.tif"))
    real = [gdal.Open(str(p)).ReadAsArray(0, 0, 160, 96)[:2] for p in paths]
    with np.errstate(divide="ignore"):  # zero power at the scene edge: -inf dB, no data for the runner
        real_db = (10 * np.log10(np.concatenate(real + real[:1]))).astype(np.float32)
    for imgs in (images, real_db):
        whole = general.predict({"images": imgs, "dem": dem, "conditions": cond})
        np.testing.assert_allclose(fixed.predict({"images": imgs, "dem": dem}), whole, rtol=0, atol=2e-5)
        # Tiled (with the model's overlap) equals whole within the blending tolerance: both graphs alike.
        tiled = fixed.predict({"images": imgs, "dem": dem}, tile=64, overlap=16)
        general_tiled = general.predict({"images": imgs, "dem": dem, "conditions": cond}, tile=64, overlap=16)
        np.testing.assert_allclose(tiled, general_tiled, rtol=0, atol=2e-5)
    # No data in an image input: filled by TiledModel before the model runs, so the bypassed guard is safe.
    holed = images.copy()
    holed[2, 10:30, 40:90] = np.nan
    a = fixed.predict({"images": holed, "dem": dem})
    b = general.predict({"images": holed, "dem": dem, "conditions": cond})
    np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
    np.testing.assert_allclose(a, b, rtol=0, atol=2e-5)


SAR_TO_OPTICAL = ROOT / "models" / "sar_to_optical.onnx"


@pytest.mark.skipif(not SAR_TO_OPTICAL.exists(), reason="no shipped model at models/sar_to_optical.onnx")
def test_specialised_sar_to_optical_equals_the_general_graph():
    """The shipped SARDINet with its conditions fixed and its graph edited for the blocked CPU layout
    (``cpu_optimised``: where onnxruntime has it, the 4 x 8-channel band-decoder convolution as 2 groups of
    16 channels, the 4 x 4-channel one as 4 groups of 16 phase channels at the low resolution) gives the
    general graph's reflectance on a random scene, borders included."""
    from sar_change.models.sar_to_optical.conditions import condition_vector
    from sar_change.models.tiled_inference import nchwc_block_size

    general = TiledModel(str(SAR_TO_OPTICAL), threads=1)
    cond = condition_vector("2018-06-15", 46.0, (10.0, 10.0))[None]
    fixed = general.specialised({"conditions": cond})
    # the edited graph passed the load-time check against the folded one wherever the blocked layout exists
    assert fixed._optimised == (nchwc_block_size(_onnxruntime()) is not None)
    if fixed._optimised:
        nodes = onnx.load_from_string(fixed._model).graph.node
        assert [n for n in nodes if n.op_type == "Conv" and "layers.2" in n.name
                and {a.name: a.i for a in n.attribute}.get("group") == 2]
        # the 4 x 4-channel band-decoder convolution at 280 px on 4 groups of 16 phase channels, then one
        # blocked transpose (no Gather, no DepthToSpace left)
        assert [n for n in nodes if n.op_type == "Conv" and "layers.5/Conv/grouped_low_resolution" in n.name
                and {a.name: a.i for a in n.attribute}.get("group") == 4]
        assert not [n for n in nodes if n.op_type in ("Gather", "DepthToSpace")]
    rng = np.random.default_rng(21)
    sar = rng.normal(-14.0, 4.0, (2, 96, 136)).astype(np.float32)
    dem = (600 + np.cumsum(rng.normal(0, 8, (96, 136)), axis=1)).astype(np.float32)
    whole = general.predict({"sar": sar, "dem": dem, "conditions": cond})
    np.testing.assert_allclose(fixed.predict({"sar": sar, "dem": dem}), whole, rtol=0, atol=1e-5)


def _gradients(kernels):
    """dem (B, 1, H, W) -> edge Pad -> Conv of ``kernels`` (2, 3, 3), no padding -> Split into 2 channels
    -> gx * gx + gy -> y: SARDINet's Horn gradients of the DEM in its terrain illumination."""
    init = [numpy_helper.from_array(np.asarray(kernels, np.float32)[:, None], "k"),
            numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), "pads")]
    nodes = [helper.make_node("Pad", ["x", "pads"], ["p"], mode="edge"),
             helper.make_node("Conv", ["p", "k"], ["g"], kernel_shape=[3, 3]),
             helper.make_node("Split", ["g"], ["gx", "gy"], axis=1),
             helper.make_node("Mul", ["gx", "gx"], ["gx2"]),
             helper.make_node("Add", ["gx2", "gy"], ["y"])]
    return _model(nodes, [_image("x", 1)], [_image("y", 1)], init)


HORN_EAST = np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])


@pytest.mark.parametrize("separable", [True, False])
def test_separable_narrow_convolution_as_slices(separable):
    """Horn's east and north gradients of a one-channel DEM (onnxruntime computes a whole 16-channel block
    for them at full resolution) as shifted slices and sums: no convolution left, the same values within
    float32 rounding of sums of hundreds of metres, borders included; a filter that is not separable stays a
    convolution."""
    north = HORN_EAST.T[::-1] if separable else np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [-1.0, 0.0, 3.0]])
    model = _gradients([HORN_EAST, north])
    graph, nodes = _blocked_optimised(model)
    convs = [n for n in nodes if n.op_type == "Conv"]
    assert (not convs) == separable
    assert bool([n for n in nodes if n.op_type == "Slice"]) == separable
    rng = np.random.default_rng(3)
    x = (500 + np.cumsum(rng.normal(0, 20, (2, 1, 24, 40)), axis=3)).astype(np.float32)
    expected = _run(model, {"x": x})
    ort = _onnxruntime()
    session = ort.InferenceSession(graph, session_options(ort, 1, optimise=False),
                                   providers=["CPUExecutionProvider"])
    got = session.run(None, {"x": x})[0]
    assert np.abs(expected).max() > 1e3
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6 * np.abs(expected).max())


def test_rank_one_factors_of_horn_filters():
    """Horn's filters split into integer factors, (column, row) with outer(column, row) the filter; a filter
    of rank two has none."""
    column, row = onnx_rewrite._rank_one(HORN_EAST)
    assert column.tolist() == [1.0, 2.0, 1.0] and row.tolist() == [-1.0, 0.0, 1.0]
    column, row = onnx_rewrite._rank_one(HORN_EAST.T[::-1])
    assert column.tolist() == [1.0, 0.0, -1.0] and row.tolist() == [1.0, 2.0, 1.0]
    assert onnx_rewrite._rank_one(np.eye(3)) is None


@pytest.mark.parametrize("k, channels", [(2, 4), (3, 2)])
def test_depth_to_space_as_transposes_moves_the_same_values(k, channels):
    """DepthToSpace (DCR) as two transposes: bit for bit the operator's output, batches and sizes that differ
    along rows and columns included; CRD is left alone."""
    nodes = [helper.make_node("DepthToSpace", ["x"], ["up"], blocksize=k, mode="DCR"),
             helper.make_node("DepthToSpace", ["x"], ["crd"], blocksize=k, mode="CRD"),
             helper.make_node("Add", ["up", "crd"], ["y"])]
    model = _model(nodes, [_image("x", k * k * channels)], [_image("y", channels)], [])
    edited = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.depth_to_space_as_transposes(edited) == 1
    assert [n.op_type for n in edited.graph.node].count("DepthToSpace") == 1
    x = np.random.default_rng(4).normal(size=(2, k * k * channels, 5, 7)).astype(np.float32)
    np.testing.assert_array_equal(_run(edited, {"x": x}), _run(model, {"x": x}))


def _narrow_band_decoder(seed=13, bands=4):
    """x (32 channels) -> grouped conv3x3 to 16 ``bands`` -> DepthToSpace CRD 2 -> conv5x5 in ``bands``
    groups of 4 channels + bias -> LeakyRelu -> BatchNormalization -> conv3x3 to 4 -> y: SARDINet's second
    band-decoder stage (4 bands of 4 channels at 560 px of a 1120-px tile) and the convolution after it."""
    rng = np.random.default_rng(seed)
    c = 4 * bands
    arrays = {"w_up": rng.normal(0, 0.2, (4 * c, 32 // bands, 3, 3)), "b_up": rng.normal(0, 0.2, 4 * c),
              "w": rng.normal(0, 0.2, (c, 4, 5, 5)), "b": rng.normal(0, 0.2, c),
              "gamma": rng.normal(1, 0.5, c), "beta": rng.normal(0, 0.5, c), "mean": rng.uniform(-1, 1, c),
              "var": rng.uniform(0.01, 2, c), "w_next": rng.normal(0, 0.2, (4, c, 3, 3))}
    init = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in arrays.items()]
    nodes = [helper.make_node("Conv", ["x", "w_up", "b_up"], ["low"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                              group=bands),
             helper.make_node("DepthToSpace", ["low"], ["up"], blocksize=2, mode="CRD"),
             helper.make_node("Conv", ["up", "w", "b"], ["c"], kernel_shape=[5, 5], pads=[2, 2, 2, 2],
                              group=bands),
             helper.make_node("LeakyRelu", ["c"], ["r"], alpha=0.01),
             helper.make_node("BatchNormalization", ["r", "gamma", "beta", "mean", "var"], ["n"],
                              epsilon=1e-5),
             helper.make_node("Conv", ["n", "w_next"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])]
    return _model(nodes, [_image("x", 32)], [_image("y", 4)], init)


def test_grouped_convolution_after_depth_to_space_at_the_low_resolution():
    """A grouped convolution after a CRD DepthToSpace as 4 groups of 16 phase channels at the low resolution
    (3 x 3 taps), its activation and normalisation moved before a channel Gather and a DCR DepthToSpace:
    within 1e-5 everywhere, borders and odd sizes included; nothing else is rewritten."""
    model = _narrow_band_decoder()
    edited = onnx.load_from_string(model.SerializeToString())
    assert onnx_rewrite.grouped_conv_at_low_resolution(edited) == 1
    onnx.checker.check_model(edited)
    assert [n.op_type for n in edited.graph.node] == ["Conv", "Conv", "LeakyRelu", "BatchNormalization",
                                                      "Gather", "DepthToSpace", "Conv"]
    low = edited.graph.node[1]
    assert {a.name: onnx.helper.get_attribute_value(a) for a in low.attribute}["group"] == 4
    weights = numpy_helper.to_array(next(t for t in edited.graph.initializer if t.name == low.input[1]))
    assert weights.shape == (64, 16, 3, 3)
    for shape in ((1, 32, 7, 5), (2, 32, 12, 20)):
        x = np.random.default_rng(14).normal(size=shape).astype(np.float32)
        np.testing.assert_allclose(_run(edited, {"x": x}), _run(model, {"x": x}), rtol=1e-5, atol=1e-5)
    assert onnx_rewrite.grouped_conv_at_low_resolution(edited) == 0  # nothing left to rewrite
    assert onnx_rewrite.grouped_conv_at_low_resolution(_narrow_band_decoder(), multiple=8) == 0  # 16 lanes
    assert onnx_rewrite.grouped_conv_at_low_resolution(_band_decoder()) == 0  # 4 x 8 channels: 2 blocks
    assert onnx_rewrite.blocked_shuffled_depth_to_space(edited, 16) == 0  # no blocked layout yet


@pytest.mark.parametrize("bands", [4, 8])
def test_cpu_optimised_narrow_band_decoder_shuffles_in_the_blocked_layout(bands):
    """Through the whole ``cpu_optimised`` chain the narrow band-decoder stage keeps its groups (16 phase
    channels each) in the blocked layout, the Gather and DepthToSpace as one blocked transpose (8 bands: to
    two blocks of up-sampled channels), no reorder but the output's, within 1e-5 of the original."""
    model = _narrow_band_decoder(bands=bands)
    graph, nodes = _blocked_optimised(model)
    ops = [n.op_type for n in nodes]
    assert "DepthToSpace" not in ops and "Gather" not in ops and ops.count("ReorderOutput") == 1
    assert any(n.op_type == "Conv" and n.domain == onnx_rewrite.NCHWC_DOMAIN
               and {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}.get("group") == bands
               for n in nodes)
    _assert_optimised_equals(graph, model, ((1, 32, 12, 20), (2, 32, 9, 7)), seed=15)
