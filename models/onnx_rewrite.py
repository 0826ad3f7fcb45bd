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
  has no blocked kernel either: alone, the edit is slower on the learned DI
  (benchmarks/tiled_graph_speed.py); in DCR order and followed by
  ``blocked_depth_to_space`` (below) it is faster, and
  ``TiledModel.specialised`` applies it so.

Edits for onnxruntime's CPU provider, whose convolutions run in a blocked
layout (NCHWc: channel blocks of 8 or 16), chained by
``models.tiled_inference.cpu_optimised``:

- before onnxruntime optimises: ``split_concat_convs`` (the convolution of
  a channel concatenation as the sum of the parts' convolutions),
  ``grouped_conv_at_low_resolution`` (a grouped convolution after a
  sub-pixel shuffle, whose groups fill no channel block, as one of groups
  of whole blocks of phase channels at the low resolution),
  ``grouped_conv_in_blocks`` (a grouped convolution whose groups do not fill
  channel blocks as one with groups of whole blocks, or a dense one, with
  block-diagonal weights),
  ``depth_to_space_as_dcr`` (a sub-pixel convolution's CRD DepthToSpace in
  DCR order), ``conv_before_depth_to_space`` (a convolution after a
  DepthToSpace as one of the phase channels at the low resolution),
  ``affine_as_depthwise_conv`` (a per-channel scale and shift as
  a depthwise 1x1 convolution), ``conv_transpose_as_depth_to_space`` in DCR
  order;
- in the graph onnxruntime saves after optimising (its blocked operators,
  domain ``com.microsoft.nchwc``): ``fuse_nchwc_activations`` (a LeakyRelu
  after a fused sum applied by the convolution) and
  ``blocked_depth_to_space`` (DepthToSpace as a transpose of whole channel
  blocks, without leaving the blocked layout), ``blocked_shuffled_depth_to_space``
  (the same with lanes moved between blocks, after the former),
  ``separable_narrow_convs``
  (a separable filter of one input channel to a few channels as shifted
  slices and sums instead of a whole channel block).

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


def conv_transpose_as_depth_to_space(proto, mode="CRD"):
    """Rewrite every k x k, stride-k ConvTranspose with constant weights; returns how many were rewritten.

    See the module docstring for the identity. ``mode``: the DepthToSpace
    channel order, 'CRD' (channel c k^2 + i k + j, as in the module docstring) or
    'DCR' (channel (i k + j) C_out + c: each cell position's C_out channels
    contiguous, which ``blocked_depth_to_space`` needs). Other ConvTransposes
    (padding, groups, dilation, weights computed in the graph) are left as they are.
    """
    if mode not in ("CRD", "DCR"):
        raise ValueError(f"DepthToSpace mode must be 'CRD' or 'DCR', not {mode!r}")
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
        # CRD: W'[c k^2 + i k + j, ci] = W[ci, c, i, j]; DCR: W'[(i k + j) C_out + c, ci] = W[ci, c, i, j]
        order = (1, 2, 3, 0) if mode == "CRD" else (2, 3, 1, 0)
        conv_w = np.ascontiguousarray(weights.transpose(order).reshape(c_out * k * k, c_in, 1, 1))
        inputs = [node.input[0], f"{prefix}/weights"]
        graph.initializer.append(numpy_helper.from_array(conv_w.astype(weights.dtype), inputs[1]))
        if len(node.input) > 2 and node.input[2]:
            bias = numpy_helper.to_array(constants[node.input[2]]) if node.input[2] in constants else None
            if bias is None:  # a bias computed in the graph: leave this node alone
                graph.initializer.pop()
                nodes.append(node)
                continue
            inputs.append(f"{prefix}/bias")
            cell_bias = np.repeat(bias, k * k) if mode == "CRD" else np.tile(bias, k * k)
            graph.initializer.append(numpy_helper.from_array(cell_bias, inputs[2]))
        nodes.append(onnx.helper.make_node("Conv", inputs, [f"{prefix}/cells"], name=f"{prefix}/conv",
                                           kernel_shape=[1, 1]))
        nodes.append(onnx.helper.make_node("DepthToSpace", [f"{prefix}/cells"], list(node.output),
                                           name=f"{prefix}/shuffle", blocksize=k, mode=mode))
        rewritten += 1
    if rewritten:
        _set_nodes(graph, nodes)
    return rewritten


def _set_nodes(graph, nodes):
    """Make ``nodes`` the graph's nodes and drop the initializers no node reads any more."""
    del graph.node[:]
    graph.node.extend(nodes)
    _drop_unused_initializers(graph)


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


def _channel_counts(proto):
    """{tensor name: channels} of the rank-4 tensors whose channel count ONNX shape inference knows."""
    onnx = _onnx()[0]
    try:
        inferred = onnx.shape_inference.infer_shapes(proto)
    except Exception:  # noqa: BLE001  (an op shape inference does not know: no counts, nothing edited)
        return {}
    counts = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        dims = info.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].HasField("dim_value"):
            counts[info.name] = dims[1].dim_value
    return counts


def split_concat_convs(proto, multiple=16):
    """Conv(Concat(a, b, ...)) along channels as Conv(a, W_a) + Conv(b, W_b) + ...; returns how many.

    A convolution is linear in its input channels: with its weights W cut
    along the input channels into the parts' slices W_a, W_b, ..., the sum of
    the parts' convolutions (the bias added once) is the convolution of the
    concatenation (up to the order of the float32 sums). onnxruntime's CPU
    provider adds such a sum inside the blocked (NCHWc) convolution that
    produces its last term (its 'Sum' input), so the concatenated tensor is
    never written, nor reordered out of and back into the blocked layout.
    For that fusion onnxruntime must see that the terms have the same shape:
    each sum's terms are declared with the same symbolic rows and columns
    (value_info), which holds whatever the input size since every term is a
    same-padded convolution of the Concat's parts, whose sizes match.
    Only Concats used by that one convolution (group 1, constant weights),
    whose parts all have a known number of channels that is a multiple of
    ``multiple`` (onnxruntime's channel block, 8 or 16) are split.
    """
    onnx, numpy_helper = _onnx()
    graph, constants, producers, users, _ = _lookups(proto)
    counts = None
    nodes, merged, count = [], set(), 0
    for node in graph.node:
        concat = producers.get(node.input[0]) if node.op_type == "Conv" else None
        if (concat is None or concat.op_type != "Concat" or len(users.get(node.input[0], [])) != 1
                or node.input[1] not in constants or _attributes(concat).get("axis") not in (1, -3)
                or _attributes(node).get("group", 1) != 1):
            nodes.append(node)
            continue
        if counts is None:
            counts = _channel_counts(proto)
        parts = [counts.get(name) for name in concat.input]
        weights = numpy_helper.to_array(constants[node.input[1]])
        if None in parts or any(c % multiple for c in parts) or sum(parts) != weights.shape[1]:
            nodes.append(node)
            continue
        prefix = f"{node.name or node.output[0]}/split"
        attrs = _attributes(node)
        terms, start = [], 0
        for k, (name, channels) in enumerate(zip(concat.input, parts)):
            w_name = f"{prefix}{k}/weights"
            graph.initializer.append(numpy_helper.from_array(
                np.ascontiguousarray(weights[:, start:start + channels]), w_name))
            start += channels
            inputs = [name, w_name]
            if k == len(parts) - 1 and len(node.input) > 2 and node.input[2]:
                inputs.append(node.input[2])
            terms.append(f"{prefix}{k}/out")
            nodes.append(onnx.helper.make_node("Conv", inputs, [terms[-1]], name=f"{prefix}{k}", **attrs))
        total = terms[0]
        for k, term in enumerate(terms[1:], start=1):
            out = node.output[0] if k == len(terms) - 1 else f"{prefix}/sum{k}"
            nodes.append(onnx.helper.make_node("Add", [total, term], [out], name=f"{prefix}/sum{k}"))
            total = out
        for term in terms:  # the same symbolic shape for every term, so onnxruntime can fuse the sums
            graph.value_info.append(onnx.helper.make_tensor_value_info(
                term, onnx.TensorProto.FLOAT, [f"{prefix}/batch", weights.shape[0], f"{prefix}/rows",
                                               f"{prefix}/cols"]))
        merged.add(id(concat))
        count += 1
    if count:
        _set_nodes(graph, [n for n in nodes if id(n) not in merged])
    return count


# -- Edits of the graph onnxruntime has optimised for its CPU provider (blocked NCHWc operators) -----------

NCHWC_DOMAIN = "com.microsoft.nchwc"
#: Activations the blocked convolution applies itself (attribute ``activation``; onnxruntime's own
#: fusion after a fused sum takes Relu, Sigmoid and Tanh only).
_FUSABLE_ACTIVATIONS = {"LeakyRelu": ("alpha", 0.01), "Relu": (None, None)}


def _consumers(graph):
    users = {}
    for node in graph.node:
        for name in node.input:
            users.setdefault(name, []).append(node)
    return users


def _lookups(proto):
    """(graph, {name: constant}, {tensor: producing node}, {tensor: consuming nodes}, {output names})."""
    graph = proto.graph
    return (graph, {t.name: t for t in graph.initializer}, {o: n for n in graph.node for o in n.output},
            _consumers(graph), {o.name for o in graph.output})


def _replace_nodes(graph, remove, rename):
    """Drop the nodes whose id is in ``remove``; rename inputs per ``rename`` (old -> new) by its new name."""
    keep = [n for n in graph.node if id(n) not in remove]
    for node in keep:
        for k, name in enumerate(node.input):
            if name in rename:
                node.input[k] = rename[name]
    del graph.node[:]
    graph.node.extend(keep)


def fuse_nchwc_activations(proto):
    """Blocked Conv -> ReorderOutput -> LeakyRelu/Relu as one Conv with the activation, then the reorder.

    ``proto``: a graph as onnxruntime saves it after optimising for its CPU
    provider. Where a convolution took a fused sum (``split_concat_convs``)
    onnxruntime fuses only Relu, Sigmoid and Tanh after it and sends the
    tensor out of the blocked layout for any other activation (and back in,
    with a ReorderInput, for the next convolution); the blocked convolution
    applies the activation after the sum and the bias itself (the same kernel
    that runs the convolutions onnxruntime fused with LeakyRelu), so the
    values are those of the separate operator. When the activation's only
    user is a ReorderInput both reorders go too. Only chains whose
    intermediate tensors have no other user are fused; returns how many.
    """
    onnx = _onnx()[0]
    graph, _, producers, users, outputs = _lookups(proto)

    def single(name):
        return len(users.get(name, [])) == 1 and name not in outputs

    remove, rename, count = set(), {}, 0
    for act in graph.node:
        if act.op_type not in _FUSABLE_ACTIVATIONS:
            continue
        back = producers.get(act.input[0])
        if back is None or back.op_type != "ReorderOutput" or back.domain != NCHWC_DOMAIN or not single(
                back.output[0]) or _attributes(back).get("channels_last"):
            continue
        conv = producers.get(back.input[0])
        if (conv is None or conv.op_type != "Conv" or conv.domain != NCHWC_DOMAIN
                or not single(conv.output[0]) or "activation" in _attributes(conv)):
            continue
        name, default = _FUSABLE_ACTIVATIONS[act.op_type]
        conv.attribute.append(onnx.helper.make_attribute("activation", act.op_type))
        if name is not None:
            conv.attribute.append(onnx.helper.make_attribute(
                "activation_params", [float(_attributes(act).get(name, default))]))
        after = users.get(act.output[0], [])
        if (single(act.output[0]) and after[0].op_type == "ReorderInput" and after[0].domain == NCHWC_DOMAIN
                and not _attributes(after[0]).get("channels_last")):
            rename[after[0].output[0]] = conv.output[0]  # back into the blocked layout: no reorder at all
            remove |= {id(back), id(act), id(after[0])}
        else:
            back.output[0] = act.output[0]  # the reorder now writes the activated values
            remove.add(id(act))
        count += 1
    _replace_nodes(graph, remove, rename)
    return count


def _dcr_shuffles(graph, nodes):
    """(node, its attributes) for each DepthToSpace in DCR mode of ``graph``; every node is first appended
    to ``nodes`` (the caller replaces the last one to rewrite it)."""
    for node in graph.node:
        nodes.append(node)
        attrs = _attributes(node)
        if node.op_type == "DepthToSpace" and attrs.get("mode", b"DCR") in (b"DCR", "DCR"):
            yield node, attrs


def _reordered_back(back, shuffle, users, outputs):
    """The ReorderInput (to the blocked layout) that is the only user of ``shuffle``'s output when ``back``
    is a ReorderOutput (from it) with one user (``shuffle`` or a node before it), neither a graph output;
    else None."""
    after = users.get(shuffle.output[0], [])
    if (back is None or back.op_type != "ReorderOutput" or back.domain != NCHWC_DOMAIN
            or len(users.get(back.output[0], [])) != 1 or back.output[0] in outputs
            or _attributes(back).get("channels_last") or len(after) != 1
            or after[0].op_type != "ReorderInput" or after[0].domain != NCHWC_DOMAIN
            or _attributes(after[0]).get("channels_last") or shuffle.output[0] in outputs):
        return None
    return after[0]


def blocked_depth_to_space(proto, block):
    """ReorderOutput -> DepthToSpace (DCR) -> ReorderInput as a reshape and transpose in the blocked layout.

    ``proto``: a graph as onnxruntime saves it after optimising for its CPU
    provider, whose blocked (NCHWc) tensors hold channel c of pixel (h, w) at
    [c // block, h, w, c % block] (``block``: onnxruntime's channel block, 8 or
    16). A DepthToSpace in DCR mode with block size k takes channel
    (i k + j) C + c to channel c of pixel (k h + i, k w + j) (ONNX operator
    specification). When C is a multiple of ``block``, channel (i k + j) C + c
    lies in channel block (i k + j) C / block + c // block at lane c % block:
    the up-sampled blocked tensor is the blocked input viewed as (N, k, k,
    C / block, H, W, block) and transposed to (N, C / block, H, k, W, k, block),
    whole channel blocks moved, values untouched. The reorders out of the
    blocked layout and back go; returns how many were rewritten.
    """
    onnx, numpy_helper = _onnx()
    graph, _, producers, users, outputs = _lookups(proto)
    nodes, remove, count = [], set(), 0
    for node, attrs in _dcr_shuffles(graph, nodes):
        back = producers.get(node.input[0])
        after = _reordered_back(back, node, users, outputs)
        if after is None:
            continue
        k = int(attrs["blocksize"])
        channels = int(_attributes(back)["channels"]) // (k * k)
        if channels % block:
            continue
        x, prefix = back.input[0], f"{node.name or node.output[0]}/blocked"
        shapes = {"/from": [2], "/to": [4], "/cells": [-1, k, k, channels // block], "/lanes": [block],
                  "/k": [k], "/up_channels": [-1, channels]}
        graph.initializer.extend(numpy_helper.from_array(np.asarray(v, dtype=np.int64), prefix + suffix)
                                 for suffix, v in shapes.items())

        make = onnx.helper.make_node
        nodes[-1:] = [
            make("Shape", [x], [prefix + "/shape"]),
            make("Slice", [prefix + "/shape", prefix + "/from", prefix + "/to"],
                 [prefix + "/rows_cols"]),
            make("Concat", [prefix + "/cells", prefix + "/rows_cols",
                            prefix + "/lanes"], [prefix + "/cell_shape"], axis=0),
            make("Reshape", [x, prefix + "/cell_shape"], [prefix + "/cells_view"]),
            make("Transpose", [prefix + "/cells_view"], [prefix + "/moved"], perm=[0, 3, 4, 1, 5, 2, 6]),
            make("Mul", [prefix + "/rows_cols", prefix + "/k"], [prefix + "/up_rows_cols"]),
            make("Concat", [prefix + "/up_channels", prefix + "/up_rows_cols"],
                 [prefix + "/up_shape"], axis=0),
            make("Reshape", [prefix + "/moved", prefix + "/up_shape"], [after.output[0]],
                 name=prefix)]
        remove |= {id(back), id(after)}
        count += 1
    del graph.node[:]
    graph.node.extend(n for n in nodes if id(n) not in remove)
    return count


def _rank_one(kernel):
    """(column factor, row factor) with ``kernel`` == outer(column, row) exactly (float32), or None; the row
    factor is scaled so that its first non-zero tap is +-1 (Horn's [-1, 0, 1] and [1, 2, 1] stay integers)."""
    kernel = np.asarray(kernel, dtype=np.float32)
    if not np.any(kernel):
        return None
    i = int(np.argmax(np.abs(kernel).max(axis=1)))  # the row holding the largest tap
    row = kernel[i]
    row = row / np.float32(abs(row[np.flatnonzero(row)[0]]))
    j = int(np.flatnonzero(row)[0])
    column = kernel[:, j] / row[j]
    if not np.array_equal(np.outer(column, row).astype(np.float32), kernel):
        return None
    return column.astype(np.float32), row.astype(np.float32)


def separable_narrow_convs(proto, block):
    """A blocked 1-input-channel Conv whose only user reorders at most a quarter of its channels out of the
    blocked layout, with separable (rank-one) filters, as shifted slices and sums; returns how many.

    ``proto``: a graph as onnxruntime saves it after optimising for its CPU
    provider. onnxruntime runs every convolution with constant weights in its
    blocked (NCHWc) layout, computing whole channel blocks: SARDINet's terrain
    illumination takes the DEM's east and north Horn gradients (two 3 x 3
    filters) as a convolution that computes and writes ``block`` channels at
    full resolution, then reorders 2 of them back (on a 1120-px tile 24 of the
    graph's 270 ms on one thread). Horn's filters are separable, [1, 2, 1]
    x [-1, 0, 1] (Horn 1981, Proc. IEEE 69(1)): each output channel becomes a
    weighted sum of the input sliced at the filter's column offsets, then of
    that sliced at its row offsets (a handful of element-wise operators on
    one channel: 7 ms). A plain convolution of the 2 channels would be as
    fast but takes a 9-taps im2col buffer per run (45 MiB on that tile;
    dropped for memory, git log). The filter of an unblocked input is stored
    as (C_out / block, C_in, kh, kw, block) in the shape (C_out, C_in, kh,
    kw), padded channels zero. Only convolutions without padding, stride,
    dilation, groups, fused activation or sum are rewritten; a Split of the
    reordered channels into single channels takes the channels directly.
    The sums run in another order than the convolution's: equal up to
    float32 rounding.
    """
    onnx, numpy_helper = _onnx()
    graph, constants, producers, users, outputs = _lookups(proto)
    nodes, remove, count = [], set(), 0
    make = onnx.helper.make_node
    for conv in graph.node:
        nodes.append(conv)
        after = users.get(conv.output[0], [])
        attrs = _attributes(conv)
        if (conv.op_type != "Conv" or conv.domain != NCHWC_DOMAIN or len(after) != 1
                or conv.output[0] in outputs or after[0].op_type != "ReorderOutput"
                or after[0].domain != NCHWC_DOMAIN or _attributes(after[0]).get("channels_last")
                or "activation" in attrs or len(conv.input) > 3 or int(attrs.get("group", 1)) != 1
                or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET") or any(attrs.get("pads", ()))
                or set(attrs.get("strides", [1])) != {1} or set(attrs.get("dilations", [1])) != {1}
                or any(n not in constants for n in conv.input[1:] if n)):
            continue
        source = producers.get(conv.input[0])
        if source is not None and source.domain == NCHWC_DOMAIN:
            continue  # a blocked input: its filter is stored otherwise
        weights = numpy_helper.to_array(constants[conv.input[1]])
        channels = int(_attributes(after[0]).get("channels", 0))
        if (weights.ndim != 4 or weights.shape[1] != 1 or weights.shape[0] % block
                or not 0 < 4 * channels <= weights.shape[0]):
            continue
        c_pad, _, kh, kw = weights.shape
        plain = weights.reshape(c_pad // block, 1, kh, kw, block).transpose(0, 4, 1, 2, 3)
        plain = plain.reshape(c_pad, kh, kw)[:channels]
        factors = [_rank_one(f) for f in plain]
        if any(f is None for f in factors):
            continue
        bias = (numpy_helper.to_array(constants[conv.input[2]])[:channels].astype(np.float32)
                if len(conv.input) > 2 and conv.input[2] else np.zeros(channels, np.float32))
        reorder = after[0]
        split = users.get(reorder.output[0], [])
        split = split[0] if len(split) == 1 else None
        if not (split is not None and split.op_type == "Split" and int(_attributes(split).get("axis", 0)) == 1
                and len(split.output) == channels and reorder.output[0] not in outputs
                and _split_sizes(split, constants, numpy_helper) in (None, [1] * channels)):
            split = None
        prefix = f"{conv.name or conv.output[0]}/separable"
        sums = _SliceSums(graph, prefix)
        results = []
        for k, (column, row) in enumerate(factors):
            out = split.output[k] if split is not None else f"{prefix}/{k}"
            along = sums.weighted([(c, sums.shifted(conv.input[0], 3, j, kw)) for j, c in enumerate(row)],
                                  f"{prefix}/{k}/rows")
            plain_out = out if not bias[k] else f"{out}/nobias"
            sums.weighted([(c, sums.shifted(along, 2, i, kh)) for i, c in enumerate(column)], plain_out)
            if bias[k]:
                sums.nodes.append(make("Add", [plain_out, sums.constant(bias[k], np.float32, f"bias{k}")],
                                       [out]))
            results.append(out)
        if split is None:
            sums.nodes.append(make("Concat", results, [reorder.output[0]], axis=1))
        else:
            remove.add(id(split))
        nodes[-1:] = sums.nodes
        remove.add(id(reorder))
        count += 1
    if count:
        _set_nodes(graph, [n for n in nodes if id(n) not in remove])
    return count


class _SliceSums:
    """Nodes of weighted sums of shifted slices (``separable_narrow_convs``), named under ``prefix``."""

    def __init__(self, graph, prefix):
        self.graph, self.prefix, self.nodes, self.cache = graph, prefix, [], {}
        self.make = _onnx()[0].helper.make_node

    def constant(self, value, dtype, suffix):
        """The name of an initializer holding ``value`` (added once)."""
        name = f"{self.prefix}/{suffix}"
        if name not in {t.name for t in self.graph.initializer}:
            self.graph.initializer.append(_onnx()[1].from_array(np.asarray(value, dtype=dtype), name))
        return name

    def shifted(self, tensor, axis, offset, size):
        """``tensor`` from ``offset`` along ``axis``, ``size`` - 1 pixels shorter (a filter tap's view)."""
        key = (tensor, axis, offset)
        if key not in self.cache:
            end = offset - (size - 1) if offset < size - 1 else 2 ** 62
            out = f"{self.prefix}/slice_{len(self.cache)}"
            self.nodes.append(self.make("Slice", [tensor, self.constant([offset], np.int64, f"start{offset}"),
                                                  self.constant([end], np.int64, f"end{offset}_{size}"),
                                                  self.constant([axis], np.int64, f"axis{axis}")], [out]))
            self.cache[key] = out
        return self.cache[key]

    def weighted(self, terms, out):
        """``out`` = the sum of coefficient x tensor over ``terms`` [(coefficient, tensor)] (zero
        coefficients skipped; unit ones as plain sums and differences)."""
        terms = sorted(((float(c), t) for c, t in terms if c), key=lambda t: (t[0] != 1, t[0] < 0))
        acc = None
        for k, (c, tensor) in enumerate(terms):
            name = out if k == len(terms) - 1 else f"{out}/{k}"
            if acc is None and c == 1:
                if name == out:
                    self.nodes.append(self.make("Identity", [tensor], [out]))
                acc = tensor if name != out else out
                continue
            if acc is None:
                self.nodes.append(self.make("Mul", [tensor, self.constant(c, np.float32, f"c{c!r}")], [name]))
            elif c in (1, -1):
                self.nodes.append(self.make("Add" if c == 1 else "Sub", [acc, tensor], [name]))
            else:
                factor = self.constant(abs(c), np.float32, f"c{abs(c)!r}")
                self.nodes.append(self.make("Mul", [tensor, factor], [name + "/term"]))
                self.nodes.append(self.make("Add" if c > 0 else "Sub", [acc, name + "/term"], [name]))
            acc = name
        return out


def _split_sizes(split, constants, numpy_helper):
    """The sizes of a Split (input or attribute), None when it splits evenly."""
    if len(split.input) > 1 and split.input[1]:
        if split.input[1] not in constants:
            return "unknown"
        return [int(v) for v in numpy_helper.to_array(constants[split.input[1]])]
    sizes = _attributes(split).get("split")
    return None if sizes is None else [int(v) for v in sizes]


def depth_to_space_as_transposes(proto):
    """DepthToSpace in DCR mode as two transposes that onnxruntime runs fast; returns how many.

    onnxruntime's DepthToSpace kernel moves one value at a time (a 1120-px
    tile of SARDINet's 4-band output, 16 phase channels of 560 x 560 px: 24 ms
    on one thread, 9 % of the graph). DCR takes channel (i k + j) C + c of
    pixel (h, w) to channel c of pixel (k h + i, k w + j) (ONNX operator
    specification): the input viewed as (N, k, k, C H, W) is transposed to
    (N, k, C H, W, k), one axis moved innermost (the column phases
    interleaved, onnxruntime's single-axis transpose), viewed as (N, k, C H,
    W k) and transposed to (N, C H, k, W k), whole rows moved: the output
    (N, C, H k, W k). 4 ms on that tile; values moved, not changed. Run after
    ``blocked_depth_to_space`` (on what it leaves).
    """
    onnx, numpy_helper = _onnx()
    graph = proto.graph
    make = onnx.helper.make_node
    nodes, count = [], 0
    for node in graph.node:
        attrs = _attributes(node)
        if node.op_type != "DepthToSpace" or attrs.get("mode", b"DCR") not in (b"DCR", "DCR"):
            nodes.append(node)
            continue
        k = int(attrs["blocksize"])
        x, y, prefix = node.input[0], node.output[0], f"{node.name or node.output[0]}/transposes"
        # (N, k, k, C H, W); (N, k, C H, W k); (N, C, H k, W k): 0 copies the input's size on that axis
        shapes = {"/cells": [0, k, k, -1], "/w_from": [3], "/w_to": [4], "/rows": [0, 0, 0, -1],
                  "/c_from": [1], "/c_to": [2], "/kk": [k * k], "/zero": [0], "/tail": [-1, 0]}
        graph.initializer.extend(numpy_helper.from_array(np.asarray(v, dtype=np.int64), prefix + suffix)
                                 for suffix, v in shapes.items())
        p = prefix
        nodes += [
            make("Shape", [x], [p + "/shape"]),
            make("Slice", [p + "/shape", p + "/w_from", p + "/w_to"], [p + "/cols"]),
            make("Concat", [p + "/cells", p + "/cols"], [p + "/cell_shape"], axis=0),
            make("Reshape", [x, p + "/cell_shape"], [p + "/cells_view"]),
            make("Transpose", [p + "/cells_view"], [p + "/interleaved"], perm=[0, 1, 3, 4, 2]),
            make("Reshape", [p + "/interleaved", p + "/rows"], [p + "/rows_view"]),
            make("Transpose", [p + "/rows_view"], [p + "/moved"], perm=[0, 2, 1, 3]),
            make("Slice", [p + "/shape", p + "/c_from", p + "/c_to"], [p + "/kkc"]),
            make("Div", [p + "/kkc", p + "/kk"], [p + "/channels"]),
            make("Concat", [p + "/zero", p + "/channels", p + "/tail"], [p + "/out_shape"], axis=0),
            make("Reshape", [p + "/moved", p + "/out_shape"], [y], name=prefix),
        ]
        count += 1
    if count:
        del graph.node[:]
        graph.node.extend(nodes)
    return count


def _per_channel(array, channels):
    """``array`` as ``channels`` float32 values if it broadcasts per channel over (N, C, H, W), else None."""
    if array is None or array.dtype != np.float32:
        return None
    shape = tuple(array.shape)
    if shape in ((1, channels, 1, 1), (channels, 1, 1)):
        return array.reshape(channels)
    if array.size == 1:
        return np.full(channels, array.reshape(()), np.float32)
    return None


def affine_as_depthwise_conv(proto, multiple=16):
    """x * scale (+ shift) per channel as a depthwise 1x1 Conv (weights scale, bias shift); returns how many.

    A FiLM modulation after an activation (``y = gamma * relu(conv(x)) +
    beta``) cannot be folded into the convolution before it; onnxruntime runs
    the multiplication in its blocked (NCHWc) layout but takes the tensor out
    of it and back for the addition. As a depthwise convolution (group C, 1x1
    kernel: y[c] = w[c] x[c] + b[c]) both stay blocked. Only Mul nodes with one
    constant per-channel (or scalar) factor on a tensor whose channel count,
    known from shape inference, is a multiple of ``multiple`` are rewritten,
    with the Add of a constant that follows when it is the Mul's only user.
    """
    onnx, numpy_helper = _onnx()
    graph, constants, _, users, outputs = _lookups(proto)
    counts = None
    nodes, absorbed, count = [], set(), 0
    for node in graph.node:
        if id(node) in absorbed:
            continue
        if node.op_type != "Mul" or len(node.input) != 2:
            nodes.append(node)
            continue
        const = [k for k, name in enumerate(node.input) if name in constants]
        if len(const) != 1:
            nodes.append(node)
            continue
        if counts is None:
            counts = _channel_counts(proto)
        x = node.input[1 - const[0]]
        channels = counts.get(x)
        scale = _per_channel(numpy_helper.to_array(constants[node.input[const[0]]]), channels or 0)
        if not channels or channels % multiple or scale is None:
            nodes.append(node)
            continue
        output, shift = node.output[0], None
        after = users.get(output, [])
        if len(after) == 1 and after[0].op_type == "Add" and output not in outputs:
            other = [name for name in after[0].input if name != output]
            if len(other) == 1 and other[0] in constants:
                shift = _per_channel(numpy_helper.to_array(constants[other[0]]), channels)
                if shift is not None:
                    absorbed.add(id(after[0]))
                    output = after[0].output[0]
        prefix = f"{node.name or node.output[0]}/depthwise"
        graph.initializer.append(numpy_helper.from_array(scale.reshape(channels, 1, 1, 1).copy(),
                                                         prefix + "/weights"))
        inputs = [x, prefix + "/weights"]
        if shift is not None:
            graph.initializer.append(numpy_helper.from_array(shift.copy(), prefix + "/bias"))
            inputs.append(prefix + "/bias")
        nodes.append(onnx.helper.make_node("Conv", inputs, [output], name=prefix, group=channels,
                                           kernel_shape=[1, 1]))
        count += 1
    if count:
        _set_nodes(graph, nodes)
    return count


def grouped_conv_in_blocks(proto, multiple=16):
    """A grouped Conv (g groups of C_in / g channels, not a depthwise one) whose groups do not fill channel
    blocks of ``multiple`` as one with groups of whole blocks: C_in / ``multiple`` groups (a dense Conv when
    that is one) whose weights are zero between the former groups (block-diagonal); returns how many were
    rewritten.

    onnxruntime runs a grouped convolution in its blocked (NCHWc) layout only
    when each group's channels fill whole channel blocks; SARDINet's band
    decoders (4 groups of 8 or 4 channels) run outside it, with reorders and
    a DepthToSpace and batch normalisations outside it too. Merged into groups
    of ``multiple`` input channels (each holding ``multiple`` / (C_in / g) former
    groups, their outputs next to each other as the grouped convolution orders
    them) they run blocked; the merged convolution does ``multiple`` / (C_in / g)
    times the multiplications, the extra ones by exact zeros (the sums equal
    the grouped ones up to float32 rounding, for finite inputs). Two 5 x 5
    convolutions of 32 channels on 280 x 280 px, one thread: 53 ms dense,
    33 ms as 2 groups of 16; the shipped SARDINet's 1120-px tile (its 4 x
    8-channel band-decoder convolution so, no longer dense): 332 -> 313 ms on
    one thread, 184 -> 175 ms on two (medians of 8 runs alternated in one
    process), outputs bit for bit the same. A convolution whose
    merged groups would not give whole blocks of outputs becomes dense, and
    so does a sub-pixel convolution (its only user a DepthToSpace), whose
    output channels ``depth_to_space_as_dcr`` reorders across the groups. Only
    convolutions with constant weights whose input and output channel counts
    are multiples of ``multiple`` and whose group's are not are rewritten.
    """
    numpy_helper = _onnx()[1]
    graph, constants, _, users, _ = _lookups(proto)
    count = 0
    for node in graph.node:
        attrs = _attributes(node)
        groups = int(attrs.get("group", 1))
        if node.op_type != "Conv" or node.domain not in ("", "ai.onnx") or groups == 1 or (
                len(node.input) < 2 or node.input[1] not in constants):
            continue
        weights = numpy_helper.to_array(constants[node.input[1]])
        c_out, c_group = weights.shape[:2]
        c_in = c_group * groups
        if c_group == 1 or c_in % multiple or c_out % multiple or c_out % groups or not c_group % multiple:
            continue
        merged = c_in // multiple if multiple % c_group == 0 else 1
        after = users.get(node.output[0], [])
        if merged > 1 and (groups % merged or (c_out // merged) % multiple
                           or (len(after) == 1 and after[0].op_type == "DepthToSpace")):
            merged = 1
        width = c_in // merged  # input channels of a merged group
        blocks = np.zeros((c_out, width) + weights.shape[2:], weights.dtype)
        per = c_out // groups
        for g in range(groups):
            first = (g * c_group) % width  # the group's first input channel within its merged group
            blocks[g * per:(g + 1) * per, first:first + c_group] = weights[g * per:(g + 1) * per]
        name = f"{node.name or node.output[0]}/{'dense' if merged == 1 else 'block_grouped'}_weights"
        graph.initializer.append(numpy_helper.from_array(blocks, name))
        node.input[1] = name
        for a in node.attribute:
            if a.name == "group":
                a.i = merged
        count += 1
    if count:
        _drop_unused_initializers(graph)
    return count


def depth_to_space_as_dcr(proto):
    """A DepthToSpace in CRD mode after a Conv (one group, constant weights, its only user) in DCR mode,
    the Conv's output channels permuted to match; returns how many were rewritten.

    CRD takes channel c k^2 + i k + j to channel c of pixel (k h + i, k w + j),
    DCR takes channel (i k + j) C + c there (ONNX operator specification): with
    the convolution's output channel (i k + j) C + c computed by the weights and
    bias of its former channel c k^2 + i k + j, the result is the same, values
    untouched (a sub-pixel convolution, PyTorch's PixelShuffle, exports CRD).
    ``blocked_depth_to_space`` then runs it in the blocked layout.
    """
    numpy_helper = _onnx()[1]
    graph, constants, producers, users, outputs = _lookups(proto)
    count = 0
    for node in graph.node:
        attrs = _attributes(node)
        if node.op_type != "DepthToSpace" or attrs.get("mode") not in (b"CRD", "CRD"):
            continue
        conv = producers.get(node.input[0])
        if (conv is None or conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx")
                or int(_attributes(conv).get("group", 1)) != 1 or len(users.get(node.input[0], [])) != 1
                or node.input[0] in outputs or any(n not in constants for n in conv.input[1:] if n)):
            continue
        weights = numpy_helper.to_array(constants[conv.input[1]])
        k = int(attrs["blocksize"])
        if weights.shape[0] % (k * k):
            continue
        c = weights.shape[0] // (k * k)
        # new (DCR) channel (i k + j) C + c <- former (CRD) channel c k^2 + i k + j
        order = np.arange(c * k * k).reshape(c, k * k).T.ravel()
        prefix = f"{conv.name or conv.output[0]}/dcr"
        graph.initializer.append(numpy_helper.from_array(weights[order].copy(), prefix + "/weights"))
        conv.input[1] = prefix + "/weights"
        if len(conv.input) > 2 and conv.input[2]:
            bias = numpy_helper.to_array(constants[conv.input[2]])
            graph.initializer.append(numpy_helper.from_array(bias[order].copy(), prefix + "/bias"))
            conv.input[2] = prefix + "/bias"
        for a in node.attribute:
            if a.name == "mode":
                a.s = b"DCR"
        count += 1
    if count:
        _drop_unused_initializers(graph)
    return count


def _conv_after_shuffle(conv, mode, constants, producers, users, outputs):
    """(the DepthToSpace, the Conv's attributes, its weights) when ``conv`` is a Conv (stride and dilation 1,
    explicit pads, constant 2-D weights and bias) whose input, used by it alone, is a DepthToSpace in
    ``mode`` ('DCR' or 'CRD'); else None."""
    shuffle = producers.get(conv.input[0]) if conv.input else None
    attrs = _attributes(conv)
    if (conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx") or shuffle is None
            or shuffle.op_type != "DepthToSpace"
            or _attributes(shuffle).get("mode", b"DCR") not in (mode.encode(), mode)
            or len(users.get(conv.input[0], [])) != 1 or conv.input[0] in outputs
            or any(n not in constants for n in conv.input[1:] if n)
            or attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET")
            or any(v != 1 for v in list(attrs.get("strides", [])) + list(attrs.get("dilations", [])))):
        return None
    weights = _onnx()[1].to_array(constants[conv.input[1]])
    return (shuffle, attrs, weights) if weights.ndim == 4 else None


def conv_before_depth_to_space(proto, multiple=16):
    """DepthToSpace (DCR, block k) -> Conv (stride 1) as a Conv at the low resolution -> DepthToSpace;
    returns how many were rewritten.

    Output pixel Y = k Y' + a of a convolution (kernel K, zero padding p) reads
    the up-sampled pixel Y + d - p = k (Y' + floor((a + d - p) / k)) + (a + d - p)
    mod k, d = 0 .. K - 1: the low-resolution pixel at offset floor((a + d -
    p) / k) in the phase (a + d - p) mod k, a DCR channel. So the convolution
    is one at the low resolution from the k^2 C_in phase channels to k^2 C_out
    (output phase a major, as DCR reads them) with a kernel spanning those
    offsets, followed by the DepthToSpace; the zero padding lands on whole
    low-resolution pixels (the up-sampled pixel -1 lies in the low-resolution
    pixel -1), so the borders match too. For SARDINet's last band-decoder
    stage (4 channels, which fill no channel block at the high resolution) the
    convolution then runs on 16 blocked channels. Only convolutions with
    constant weights, explicit pads that keep the size, stride and dilation 1,
    whose up-sampled input has a channel count that is not a multiple of
    ``multiple`` while k^2 C_in and k^2 C_out are, are rewritten (grouped
    weights become dense).
    """
    numpy_helper = _onnx()[1]
    graph, constants, producers, users, outputs = _lookups(proto)
    nodes, remove, count = [], set(), 0
    for conv in graph.node:
        nodes.append(conv)
        found = _conv_after_shuffle(conv, "DCR", constants, producers, users, outputs)
        if found is None:
            continue
        shuffle, attrs, weights = found
        k, groups = int(_attributes(shuffle)["blocksize"]), int(attrs.get("group", 1))
        c_out, c_group, size = weights.shape[0], weights.shape[1], weights.shape[2:]
        c_in, pads = c_group * groups, list(attrs.get("pads", [0, 0, 0, 0]))
        if (not c_in % multiple or (k * k * c_in) % multiple or (k * k * c_out) % multiple or c_out % groups
                or pads[0] + pads[2] != size[0] - 1 or pads[1] + pads[3] != size[1] - 1):
            continue  # (only same-size convolutions: the output rows and columns stay multiples of k)
        # per axis: the low-resolution offset and phase of each (output phase a, kernel tap d)
        offsets = [[[(a + d - pads[axis]) // k for d in range(size[axis])] for a in range(k)]
                   for axis in (0, 1)]
        low = [min(min(o) for o in offsets[axis]) for axis in (0, 1)]
        span = [max(max(o) for o in offsets[axis]) - low[axis] + 1 for axis in (0, 1)]
        dense = np.zeros((k * k * c_out, k * k * c_in, span[0], span[1]), weights.dtype)
        per = c_out // groups
        for o in range(c_out):
            g = o // per
            for ai in range(k):
                for aj in range(k):
                    for dy in range(size[0]):
                        bi, oy = (ai + dy - pads[0]) % k, offsets[0][ai][dy] - low[0]
                        for dx in range(size[1]):
                            bj, ox = (aj + dx - pads[1]) % k, offsets[1][aj][dx] - low[1]
                            rows = (bi * k + bj) * c_in + g * c_group + np.arange(c_group)
                            dense[(ai * k + aj) * c_out + o, rows, oy, ox] = weights[o, :, dy, dx]
        prefix = f"{conv.name or conv.output[0]}/low_resolution"
        graph.initializer.append(numpy_helper.from_array(dense, prefix + "/weights"))
        inputs = [shuffle.input[0], prefix + "/weights"]
        if len(conv.input) > 2 and conv.input[2]:
            bias = numpy_helper.to_array(constants[conv.input[2]])
            graph.initializer.append(numpy_helper.from_array(np.tile(bias, k * k), prefix + "/bias"))
            inputs.append(prefix + "/bias")
        pad_low = [-low[0], -low[1], span[0] - 1 + low[0], span[1] - 1 + low[1]]
        make = _onnx()[0].helper.make_node
        nodes[-1:] = [make("Conv", inputs, [prefix], name=prefix, kernel_shape=span, pads=pad_low),
                      make("DepthToSpace", [prefix], [conv.output[0]], name=prefix + "/shuffle", blocksize=k,
                           mode="DCR")]
        remove.add(id(shuffle))
        count += 1
    if count:
        _set_nodes(graph, [n for n in nodes if id(n) not in remove])
    return count


def _same_size_phase_taps(pads, size, k):
    """Per axis, the low-resolution (offset, phase) of each (output phase a, kernel tap d) of a same-size
    convolution (explicit zero ``pads``, kernel ``size``) after a DepthToSpace of block ``k``, the lowest
    offset and the span of offsets: ([[(offset, phase) for d] for a], low, span) for rows and columns."""
    axes = []
    for axis in (0, 1):
        taps = [[((a + d - pads[axis]) // k, (a + d - pads[axis]) % k) for d in range(size[axis])]
                for a in range(k)]
        offsets = [o for row in taps for o, _ in row]
        axes.append((taps, min(offsets), max(offsets) - min(offsets) + 1))
    return axes


def grouped_conv_at_low_resolution(proto, multiple=16):
    """DepthToSpace (CRD, block k) -> grouped Conv (G groups of C_g channels, stride 1, same size) as a
    grouped Conv at the low resolution (G groups of k^2 C_g phase channels) -> the per-channel operators
    after it -> a channel Gather -> DepthToSpace (DCR); returns how many were rewritten.

    As in ``conv_before_depth_to_space``, output phase a of the convolution
    reads the up-sampled pixel Y + d - p, the low-resolution pixel at offset
    floor((a + d - p) / k) in phase (a + d - p) mod k. In CRD order
    (channel c k^2 + i k + j, ONNX operator specification) group g's input
    channels, all phases, are the contiguous channels g k^2 C_g ..
    (g + 1) k^2 C_g - 1 of the low-resolution input, so the convolution at
    the low resolution keeps the G groups, now of k^2 C_g channels that fill
    channel blocks of ``multiple``; its outputs are ordered (group, phase,
    channel of the group). SARDINet's band decoder at 560 px of a 1120-px tile
    (4 groups of 4 channels, made dense by ``grouped_conv_in_blocks``:
    16 x 16 x 25 multiply-adds per pixel, 4 times the grouped ones) becomes
    4 groups of 16 x 16 x 3 x 3 at 280 px (9216 per low-resolution pixel
    instead of 25 600), and the sub-pixel convolution before it keeps groups
    of whole blocks instead of becoming dense. The LeakyRelu/Relu and
    BatchNormalization (constant parameters, repeated per phase) after the
    convolution move before the shuffle, then a Gather along channels puts
    them in phase-major (DCR) order for the DepthToSpace;
    ``blocked_shuffled_depth_to_space`` runs the two as one transpose in the
    blocked layout. Only convolutions with constant weights, explicit pads
    that keep the size, stride and dilation 1, more than one group, group
    widths that are not multiples of ``multiple`` while k^2 C_g is and k^2
    C_out / G is one block of ``multiple`` (as ``blocked_shuffled_depth_to_space``
    needs), are rewritten.
    """
    onnx, numpy_helper = _onnx()
    graph, constants, producers, users, outputs = _lookups(proto)
    make = onnx.helper.make_node
    nodes, remove, count = [], set(), 0
    for conv in graph.node:
        nodes.append(conv)
        found = None if id(conv) in remove else _conv_after_shuffle(conv, "CRD", constants, producers, users,
                                                                       outputs)
        if found is None or int(found[1].get("group", 1)) == 1:
            continue
        shuffle, attrs, weights = found
        groups = int(attrs["group"])
        k = int(_attributes(shuffle)["blocksize"])
        c_out, c_group, size = weights.shape[0], weights.shape[1], weights.shape[2:]
        per, pads = c_out // groups, list(attrs.get("pads", [0, 0, 0, 0]))
        if (c_out % groups or not c_group % multiple or (k * k * c_group) % multiple
                or k * k * per != multiple or pads[0] + pads[2] != size[0] - 1
                or pads[1] + pads[3] != size[1] - 1):
            continue
        (rows, low_r, span_r), (cols, low_c, span_c) = _same_size_phase_taps(pads, size, k)
        # output channel (g, a_i k + a_j, o) <- input channel (c k^2 + b_i k + b_j) of the group
        low = np.zeros((groups, k * k, per, k * k * c_group, span_r, span_c), weights.dtype)
        grouped = weights.reshape(groups, per, c_group, size[0], size[1])
        for ai in range(k):
            for aj in range(k):
                for dy, (oy, bi) in enumerate(rows[ai]):
                    for dx, (ox, bj) in enumerate(cols[aj]):
                        low[:, ai * k + aj, :, bi * k + bj::k * k, oy - low_r, ox - low_c] += \
                            grouped[:, :, :, dy, dx]
        prefix = f"{conv.name or conv.output[0]}/grouped_low_resolution"
        graph.initializer.append(numpy_helper.from_array(
            low.reshape(k * k * c_out, k * k * c_group, span_r, span_c), prefix + "/weights"))
        # the high-resolution channel g per + o of each low-resolution output channel (g, phase, o)
        source = np.broadcast_to(np.arange(c_out).reshape(groups, 1, per), (groups, k * k, per)).ravel()
        inputs = [shuffle.input[0], prefix + "/weights"]
        if len(conv.input) > 2 and conv.input[2]:
            bias = numpy_helper.to_array(constants[conv.input[2]])
            graph.initializer.append(numpy_helper.from_array(bias[source].copy(), prefix + "/bias"))
            inputs.append(prefix + "/bias")
        new = [make("Conv", inputs, [prefix], name=prefix, kernel_shape=[span_r, span_c],
                    pads=[-low_r, -low_c, span_r - 1 + low_r, span_c - 1 + low_c], group=groups)]
        tail = conv
        while True:  # per-channel operators after the convolution move before the shuffle
            after = users.get(tail.output[0], [])
            if len(after) != 1 or tail.output[0] in outputs or after[0].domain not in ("", "ai.onnx"):
                break
            op = after[0]
            if op.op_type in ("LeakyRelu", "Relu"):
                new.append(make(op.op_type, [new[-1].output[0]], [f"{prefix}/{len(new)}"],
                                name=f"{prefix}/{len(new)}", **_attributes(op)))
            elif op.op_type == "BatchNormalization" and len(op.output) == 1 and all(
                    n in constants for n in op.input[1:]):
                params = []
                for j, n in enumerate(op.input[1:]):
                    params.append(f"{prefix}/norm{len(new)}_{j}")
                    graph.initializer.append(numpy_helper.from_array(
                        numpy_helper.to_array(constants[n])[source].copy(), params[-1]))
                new.append(make("BatchNormalization", [new[-1].output[0]] + params, [f"{prefix}/{len(new)}"],
                                name=f"{prefix}/{len(new)}", **_attributes(op)))
            else:
                break
            remove.add(id(op))
            tail = op
        # phase-major (DCR) order: channel (phase, g, o) <- (g, phase, o)
        order = np.arange(k * k * c_out).reshape(groups, k * k, per).transpose(1, 0, 2).ravel()
        graph.initializer.append(numpy_helper.from_array(order.astype(np.int64), prefix + "/dcr_order"))
        new += [make("Gather", [new[-1].output[0], prefix + "/dcr_order"], [prefix + "/dcr"],
                     name=prefix + "/dcr", axis=1),
                make("DepthToSpace", [prefix + "/dcr"], [tail.output[0]], name=prefix + "/shuffle",
                     blocksize=k, mode="DCR")]
        nodes[-1:] = new
        if len(users.get(shuffle.output[0], [])) == 1:
            remove.add(id(shuffle))
        count += 1
    if count:
        _set_nodes(graph, [n for n in nodes if id(n) not in remove])
    return count


def blocked_shuffled_depth_to_space(proto, block):
    """ReorderOutput -> Gather (group-major to phase-major channels) -> DepthToSpace (DCR) -> ReorderInput
    as one transpose in the blocked layout; returns how many were rewritten.

    ``proto``: a graph as onnxruntime saves it after optimising for its CPU
    provider; the Gather is the one ``grouped_conv_at_low_resolution`` adds:
    channel (phase r, g, o) <- (g, r, o), G groups of P channels, block size k.
    With k^2 P = ``block`` each group's k^2 P channels are one channel block
    (lane r P + o), and the up-sampled channel g P + o lies in block
    g // (``block`` / P) at lane (g mod (``block`` / P)) P + o: the blocked input
    viewed as (N, G P / block, block / P, H, W, k, k, P) is transposed to
    (N, G P / block, H, k, W, k, block / P, P), runs of P values moved whole,
    values untouched (``blocked_depth_to_space`` moves whole blocks; here
    lanes move between blocks). The reorders out of the blocked layout and
    back, the Gather and the DepthToSpace go.
    """
    onnx, numpy_helper = _onnx()
    graph, constants, producers, users, outputs = _lookups(proto)
    nodes, remove, count = [], set(), 0
    for node, attrs in _dcr_shuffles(graph, nodes):
        gather = producers.get(node.input[0])
        if (gather is None or gather.op_type != "Gather" or int(_attributes(gather).get("axis", 0)) != 1
                or gather.input[1] not in constants or len(users.get(gather.output[0], [])) != 1
                or gather.output[0] in outputs):
            continue
        back = producers.get(gather.input[0])
        after = _reordered_back(back, node, users, outputs)
        if after is None:
            continue
        k = int(attrs["blocksize"])
        order = numpy_helper.to_array(constants[gather.input[1]]).ravel()
        total, per = order.size, block // (k * k)
        if block % (k * k) or int(_attributes(back)["channels"]) != total or total % (k * k * block):
            continue
        if not np.array_equal(order, np.arange(total).reshape(-1, k * k, per).transpose(1, 0, 2).ravel()):
            continue
        x, prefix = back.input[0], f"{node.name or node.output[0]}/blocked_shuffle"
        lanes = block // per  # groups sharing an up-sampled channel block
        shapes = {"/from": [2], "/to": [4], "/cells": [-1, lanes], "/phases": [k, k, per], "/k": [k],
                  "/up_channels": [-1, total // (k * k)]}
        graph.initializer.extend(numpy_helper.from_array(np.asarray(v, dtype=np.int64), prefix + suffix)
                                 for suffix, v in shapes.items())
        make = onnx.helper.make_node
        nodes[-1:] = [
            make("Shape", [x], [prefix + "/shape"]),
            make("Slice", [prefix + "/shape", prefix + "/from", prefix + "/to"], [prefix + "/rows_cols"]),
            make("Concat", [prefix + "/cells", prefix + "/rows_cols", prefix + "/phases"],
                 [prefix + "/cell_shape"], axis=0),
            make("Reshape", [x, prefix + "/cell_shape"], [prefix + "/cells_view"]),
            # (N', lanes, H, W, k, k, P) -> (N', H, k, W, k, lanes, P); N' = N G P / block
            make("Transpose", [prefix + "/cells_view"], [prefix + "/moved"], perm=[0, 2, 4, 3, 5, 1, 6]),
            make("Mul", [prefix + "/rows_cols", prefix + "/k"], [prefix + "/up_rows_cols"]),
            make("Concat", [prefix + "/up_channels", prefix + "/up_rows_cols"], [prefix + "/up_shape"],
                 axis=0),
            make("Reshape", [prefix + "/moved", prefix + "/up_shape"], [after.output[0]], name=prefix)]
        remove |= {id(back), id(gather), id(after)}
        count += 1
    del graph.node[:]
    graph.node.extend(n for n in nodes if id(n) not in remove)
    return count
