"""The one ONNX exporter of SAR Change models, its metadata, and the torch/onnxruntime parity check.

``export_onnx`` traces a module with the TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``: no onnxscript needed, and the
state-dict names survive as initializer names, which ``onnx_state_dict``
reads back for transfer learning). Normalisation belongs inside the module
(buffers), so the graph takes raw physical values. Batch and the spatial axes
of image tensors are dynamic (``dynamic_axes``). The metadata (a dict, see
``models.framework.metadata``) is written into ``metadata_props``, the model
is checked with ``onnx.checker`` and written under a temporary name, then
renamed: a failed export leaves no partial file.

References: ONNX IR specification (metadata_props); PyTorch ``torch.onnx``
documentation; onnxruntime Python API.
"""
import json
import os
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

#: Opset read by the pinned onnxruntime.
OPSET = 17
#: Highest ONNX IR version written (onnxruntime 1.31 reads it; the exporter at opset 17 writes 8).
MAX_IR_VERSION = 10


def image_axes(names, spatial=True):
    """dynamic_axes entries: batch (axis 0) and, when ``spatial``, height and width (axes 2, 3)."""
    axes = {0: "batch", 2: "height", 3: "width"} if spatial else {0: "batch"}
    return {n: dict(axes) for n in names}


def export_onnx(model, out_path, example_args, input_names, output_names, dynamic_axes, metadata,
                opset=OPSET, producer="sar_change.models", doc="", keep_batch_norm=False):
    """Write ``model`` to ``out_path`` as ONNX with ``metadata`` (dict; non-strings stored as JSON).

    ``example_args``: a tuple of tensors traced through ``model.forward``;
    ``input_names``/``output_names``: the graph's tensor names in forward
    order; ``dynamic_axes``: {name: {axis: label}}; ``keep_batch_norm``: keep
    every batch normalisation as a node with its named parameters (the
    exporter otherwise folds one that follows a convolution into that
    convolution's weights, under new names that ``onnx_state_dict`` cannot
    read back; onnxruntime folds them when it loads the graph). Returns
    ``out_path``.
    """
    out_path = os.fspath(out_path)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + ".partial"
    was_training = model.training
    model.eval()
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(model, tuple(example_args), tmp, input_names=list(input_names),
                              output_names=list(output_names), dynamic_axes=dynamic_axes,
                              opset_version=int(opset), dynamo=False, do_constant_folding=True,
                              training=(torch.onnx.TrainingMode.PRESERVE if keep_batch_norm
                                        else torch.onnx.TrainingMode.EVAL))
        proto = onnx.load(tmp)
        if proto.ir_version > MAX_IR_VERSION:
            proto.ir_version = MAX_IR_VERSION
        set_metadata(proto, metadata)
        proto.producer_name = producer
        proto.doc_string = doc
        onnx.checker.check_model(proto)
        onnx.save(proto, tmp)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        model.train(was_training)
    return out_path


def set_metadata(proto, metadata):
    """Replace the metadata_props of an ONNX ModelProto by ``metadata`` (dict)."""
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key = str(key)
        entry.value = value if isinstance(value, str) else json.dumps(value)


def read_metadata(onnx_path):
    """metadata_props of an ONNX file as a dict of str (via the onnx package)."""
    proto = onnx.load(os.fspath(onnx_path), load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}


def onnx_state_dict(onnx_path):
    """(state dict of float32 tensors from the graph's initializers, metadata dict of str).

    Only initializers named like state-dict entries (containing a '.', not
    'onnx::...') are returned; constants folded by the exporter are not parameters.
    """
    proto = onnx.load(os.fspath(onnx_path))
    state = {}
    for init in proto.graph.initializer:
        if "." in init.name and not init.name.startswith("onnx::"):
            state[init.name] = torch.from_numpy(np.array(numpy_helper.to_array(init), dtype=np.float32))
    return state, {p.key: p.value for p in proto.metadata_props}


def model_from_onnx(onnx_path, build, config_keys, set_normalisation, kind=None, parse=None, optional=None):
    """(torch model rebuilt from an exported .onnx, its parsed metadata): every model folder's rebuild.

    ``build(**config)``: the model from the metadata's ``architecture``
    entries named in ``config_keys``; ``set_normalisation(model, normalisation)``
    loads the metadata's normalisation; ``parse(raw)``: the metadata reader
    (default ``metadata.parse_metadata(raw, kind=kind)``, ValueError for
    another kind); ``optional``: when given, a state-dict entry the graph
    lacks (other than these names) is a ValueError.
    """
    from . import metadata as md

    state, raw = onnx_state_dict(onnx_path)
    meta = parse(raw) if parse else md.parse_metadata(raw, kind=kind)
    arch = meta.get(md.META_ARCHITECTURE) or {}
    model = build(**{k: arch[k] for k in config_keys if k in arch})
    loaded = model.load_state_dict(state, strict=False)
    missing = [k for k in loaded.missing_keys if k not in (optional or ())]
    if optional is not None and missing:
        raise ValueError(f"{onnx_path}: the graph lacks the tensors {missing[:6]}")
    set_normalisation(model, meta[md.META_NORMALISATION])
    return model.eval(), meta


def run_onnx(onnx_path, feed, outputs=None, threads=1):
    """Run an ONNX file once with onnxruntime (CPU); ``feed``: {name: array}. Returns a list of arrays."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    sess = ort.InferenceSession(os.fspath(onnx_path), opts, providers=["CPUExecutionProvider"])
    return sess.run(outputs, {k: np.asarray(v) for k, v in feed.items()})


def parity(model, onnx_path, inputs, input_names, output_name, threads=1):
    """Largest |torch - onnxruntime| of ``model`` and ``onnx_path`` on ``inputs`` (tensors or arrays,
    forward order, named ``input_names``), in the output's units."""
    tensors = [torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in inputs]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        ref = model(*tensors).numpy()
    model.train(was_training)
    got = run_onnx(onnx_path, dict(zip(input_names, (t.numpy() for t in tensors))), [output_name], threads)[0]
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
