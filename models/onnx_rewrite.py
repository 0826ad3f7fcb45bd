"""Edits of ONNX graphs before onnxruntime loads them (the optional ``onnx`` package; numpy).

Each function takes and changes a ``onnx.ModelProto`` in place; the outputs
of the edited graph equal the original's up to float32 rounding.

- ``fold_inputs``: graph inputs made constants (initializers), so that
  onnxruntime's constant folding computes what depends on them once.
- ``conv_transpose_as_depth_to_space``: a transposed convolution whose
  kernel equals its stride (k x k, stride k, no padding, no dilation, one
  group), the up-sampling of a U-Net, becomes a 1x1 convolution to
  k*k*C_out channels followed by DepthToSpace. Each output pixel
  y[c, k h + i, k w + j] = b[c] + sum_ci W[ci, c, i, j] x[ci, h, w]
  (ONNX ConvTranspose, weights (C_in, C_out, k, k)) depends on one input
  pixel only, through the weights of its position (i, j) in the k x k
  cell: a 1x1 convolution with weights W'[c k^2 + i k + j, ci] = W[ci, c, i, j]
  and bias b'[c k^2 + i k + j] = b[c], rearranged by DepthToSpace in 'CRD'
  mode (output[c, k h + i, k w + j] = input[c k^2 + i k + j, h, w], ONNX
  operator specification). onnxruntime runs that 1x1 convolution in its
  blocked NCHWc layout, which has no ConvTranspose kernel, but DepthToSpace
  has no blocked kernel either: on the learned DI the edit is slower
  (benchmarks/tiled_graph_speed.py), so ``TiledModel.specialised`` does not
  apply it; the benchmark keeps it as a compared variant.

References: ONNX operators ConvTranspose and DepthToSpace
(https://onnx.ai/onnx/operators/); Shi et al. 2016, "Real-time single image
and video super-resolution using an efficient sub-pixel convolutional neural
network" (CVPR; the sub-pixel convolution equals a strided transposed one).
"""
import numpy as np


def _onnx():
    """(onnx, numpy_helper), or None when the optional ``onnx`` package is missing."""
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        return None
    return onnx, numpy_helper


def load(model):
    """``model`` (path or serialised bytes) as a ModelProto; None without ``onnx`` or when unreadable."""
    modules = _onnx()
    if modules is None:
        return None
    onnx = modules[0]
    try:
        return onnx.load_from_string(model) if isinstance(model, (bytes, bytearray)) else onnx.load(model)
    except Exception:  # noqa: BLE001  (protobuf and onnx raise several types; the caller falls back)
        return None


def fold_inputs(proto, values):
    """Make the graph inputs ``values`` (dict name -> array of the input's shape) initializers."""
    numpy_helper = _onnx()[1]
    graph = proto.graph
    for name, value in values.items():
        for entry in [e for e in graph.input if e.name == name]:
            graph.input.remove(entry)
        for entry in [e for e in graph.initializer if e.name == name]:
            graph.initializer.remove(entry)
        graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
    return proto


def _attributes(node):
    onnx = _onnx()[0]
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _sub_pixel_factor(node, weights):
    """k when ``node`` (a ConvTranspose with 2-D constant ``weights``) is a k x k, stride-k up-sampling."""
    if weights is None or weights.ndim != 4 or weights.shape[2] != weights.shape[3]:
        return None
    k = int(weights.shape[2])
    attrs = _attributes(node)
    if list(attrs.get("strides", [1, 1])) != [k, k] or list(attrs.get("kernel_shape", [k, k])) != [k, k]:
        return None
    if any(attrs.get("pads", [0] * 4)) or any(attrs.get("output_padding", [0, 0])):
        return None
    if set(attrs.get("dilations", [1, 1])) != {1} or attrs.get("group", 1) != 1:
        return None
    if "output_shape" in attrs or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        return None
    return k


def conv_transpose_as_depth_to_space(proto):
    """Rewrite every k x k, stride-k ConvTranspose with constant weights; returns how many were rewritten.

    See the module docstring for the identity. Other ConvTransposes (padding,
    groups, dilation, weights computed in the graph) are left as they are.
    """
    onnx, numpy_helper = _onnx()
    graph = proto.graph
    constants = {t.name: t for t in graph.initializer}
    nodes, rewritten = [], 0
    for node in graph.node:
        weights = (numpy_helper.to_array(constants[node.input[1]])
                   if node.op_type == "ConvTranspose" and node.input[1] in constants else None)
        k = _sub_pixel_factor(node, weights) if weights is not None else None
        if k is None:
            nodes.append(node)
            continue
        c_in, c_out = weights.shape[:2]
        prefix = f"{node.name or node.output[0]}/sub_pixel"
        # W'[c k^2 + i k + j, ci] = W[ci, c, i, j]
        conv_w = np.ascontiguousarray(weights.transpose(1, 2, 3, 0).reshape(c_out * k * k, c_in, 1, 1))
        inputs = [node.input[0], f"{prefix}/weights"]
        graph.initializer.append(numpy_helper.from_array(conv_w.astype(weights.dtype), inputs[1]))
        if len(node.input) > 2 and node.input[2]:
            bias = numpy_helper.to_array(constants[node.input[2]]) if node.input[2] in constants else None
            if bias is None:  # a bias computed in the graph: leave this node alone
                graph.initializer.pop()
                nodes.append(node)
                continue
            inputs.append(f"{prefix}/bias")
            graph.initializer.append(numpy_helper.from_array(np.repeat(bias, k * k), inputs[2]))
        nodes.append(onnx.helper.make_node("Conv", inputs, [f"{prefix}/cells"], name=f"{prefix}/conv",
                                           kernel_shape=[1, 1]))
        nodes.append(onnx.helper.make_node("DepthToSpace", [f"{prefix}/cells"], list(node.output),
                                           name=f"{prefix}/shuffle", blocksize=k, mode="CRD"))
        rewritten += 1
    if rewritten:
        del graph.node[:]
        graph.node.extend(nodes)
        _drop_unused_initializers(graph)
    return rewritten


def _drop_unused_initializers(graph):
    used = {name for node in graph.node for name in node.input} | {o.name for o in graph.output}
    keep = [t for t in graph.initializer if t.name in used]
    if len(keep) != len(graph.initializer):
        del graph.initializer[:]
        graph.initializer.extend(keep)


def nchwc_concat_inputs(proto, block=16):
    """Put an identity 1x1 Conv after each ConvTranspose that feeds a channel Concat; returns how many.

    onnxruntime's CPU provider runs convolutions in a blocked layout (NCHWc,
    blocks of 8 or 16 channels) and concatenates there only when every part
    comes from such an operator; it has no blocked ConvTranspose, so a U-Net's
    up-sampling output sends the whole concatenation (and the skip
    connection with it) back to the plain layout and the next convolution
    reorders it again. A 1x1 convolution with identity weights (1 * x plus
    zeros: the values pass unchanged, bit for bit) brings the up-sampled part
    into the blocked layout, and the concatenation stays there. Only
    Concats along channels whose parts all have a multiple of ``block``
    channels (known from the ConvTranspose weights or the other parts'
    producers) are changed.
    """
    onnx, numpy_helper = _onnx()
    graph = proto.graph
    constants = {t.name: t for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}

    def channels(name):
        node = producers.get(name)
        if node is None or len(node.input) < 2 or node.input[1] not in constants:
            return None
        shape = tuple(constants[node.input[1]].dims)
        if node.op_type == "ConvTranspose" and _attributes(node).get("group", 1) == 1:
            return shape[1]
        return shape[0] if node.op_type == "Conv" else None

    nodes, count = [], 0
    for node in graph.node:
        parts = [channels(name) for name in node.input] if node.op_type == "Concat" else [None]
        if (node.op_type == "Concat" and _attributes(node).get("axis") in (1, -3)
                and None not in parts and all(c % block == 0 for c in parts)):
            for k, name in enumerate(list(node.input)):
                if producers[name].op_type != "ConvTranspose":
                    continue
                c = parts[k]
                weights = f"{name}/identity_weights"
                graph.initializer.append(numpy_helper.from_array(
                    np.eye(c, dtype=np.float32).reshape(c, c, 1, 1), weights))
                nodes.append(onnx.helper.make_node("Conv", [name, weights], [f"{name}/blocked"],
                                                   name=f"{name}/identity", kernel_shape=[1, 1]))
                node.input[k] = f"{name}/blocked"
                count += 1
        nodes.append(node)
    if count:
        del graph.node[:]
        graph.node.extend(nodes)
    return count


def skip_nan_guards(proto, finite):
    """Bypass Where(IsNaN(x), fill, x) for graph inputs x named in ``finite``; returns how many.

    For inputs known to hold no NaN (``TiledModel`` fills the no-data pixels
    of its image inputs before the model runs), such a guard returns x
    itself: its users read x directly and the guard is removed, with any
    node left without users.
    """
    graph = proto.graph
    producers = {o: n for n in graph.node for o in n.output}
    outputs = {o.name for o in graph.output}
    bypass = {}
    for node in graph.node:
        if node.op_type != "Where" or len(node.input) != 3 or node.output[0] in outputs:
            continue
        test = producers.get(node.input[0])
        if (test is not None and test.op_type == "IsNaN" and test.input[0] in finite
                and node.input[2] == test.input[0]):
            bypass[node.output[0]] = node.input[2]
    if not bypass:
        return 0
    for node in graph.node:
        for k, name in enumerate(node.input):
            if name in bypass:
                node.input[k] = bypass[name]
    _drop_unused_nodes(graph)
    return len(bypass)


def _drop_unused_nodes(graph):
    outputs = {o.name for o in graph.output}
    while True:
        used = {name for node in graph.node for name in node.input} | outputs
        keep = [n for n in graph.node if any(o in used for o in n.output)]
        if len(keep) == len(graph.node):
            break
        del graph.node[:]
        graph.node.extend(keep)
    _drop_unused_initializers(graph)
