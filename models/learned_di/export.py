"""ONNX export of learned-DI models, their metadata, and the torch/onnxruntime parity check.

The graph follows the contract of ``schema`` (inputs "images", "dem",
"conditions", output "predicted"; batch, height and width dynamic; opset 17,
read by the pinned onnxruntime). Export uses the TorchScript-based exporter
(``torch.onnx.export(..., dynamo=False)``), which needs no onnxscript and
keeps the parameter names of the state dict as initializer names (used by
``onnx_state_dict`` for transfer learning from a .onnx file). The metadata
entries are added with the ``onnx`` package afterwards and the model is
checked with ``onnx.checker``; the file is written under a temporary name
and renamed, so a failed export leaves no partial model.

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

from . import schema
from .architecture import count_parameters

OPSET = 17
#: Highest ONNX IR version written (onnxruntime 1.31 reads it; the exporter at opset 17 writes 8).
MAX_IR_VERSION = 10

REFERENCES = [
    "Alatalo, Sipola & Rantonen (2023) Improved difference images for change detection classifiers in "
    "SAR imagery using deep learning, IEEE TGRS 61",
    "Ronneberger, Fischer & Brox (2015) U-Net, MICCAI",
    "Perez, Strub, de Vries, Dumoulin & Courville (2018) FiLM, AAAI",
]


def architecture_info(model):
    """The "architecture" metadata entry (a dict) of a ``LearnedDI`` model."""
    return {"name": "conditional U-Net (learned difference image)", **model.config,
            "channels": list(model.channels), "parameters": count_parameters(model),
            "conditioning": ("FiLM per block" if model.arch == "film"
                             else "condition embedding concatenated at the bottleneck"),
            "output": {"orbit": "inputs' dB weighted by heading agreement with the target + U-Net "
                                "correction",
                       "mean": "inputs' mean dB per band + U-Net correction"}.get(
                model.residual, "U-Net output (normalised dB)"),
            "references": REFERENCES}


def build_metadata(model, training=None, metrics=None, tile_size=schema.DEFAULT_TILE_SIZE,
                   overlap=schema.DEFAULT_OVERLAP):
    """metadata_props (dict of str) for ``model``; ``training``/``metrics``: JSON-able dicts."""
    return {
        schema.META_KIND: schema.KIND,
        schema.META_VERSION: schema.VERSION,
        schema.META_INPUTS: json.dumps(schema.inputs_metadata(model.n_inputs)),
        schema.META_SIZE_MULTIPLE: str(2 ** model.depth),
        schema.META_TILE_SIZE: str(int(tile_size)),
        schema.META_OVERLAP: str(int(overlap)),
        schema.META_NORMALISATION: json.dumps(model.normalisation()),
        schema.META_TRAINING: json.dumps(training or {}),
        schema.META_METRICS: json.dumps(metrics or {}),
        schema.META_ARCHITECTURE: json.dumps(architecture_info(model)),
    }


def example_inputs(n_inputs, batch=1, height=64, width=64, seed=0):
    """Random but plausible (images dB, dem m, conditions) tensors of the contract's shapes."""
    g = torch.Generator().manual_seed(int(seed))
    images = -12.0 + 4.0 * torch.randn(batch, 2 * n_inputs, height, width, generator=g)
    dem = 400.0 + 50.0 * torch.randn(batch, 1, height, width, generator=g)
    cond = torch.randn(batch, n_inputs + 1, schema.N_CONDITIONS, generator=g)
    return images, dem, cond


def export_onnx(model, out_path, metadata=None, opset=OPSET):
    """Write ``model`` (a ``LearnedDI``) to ``out_path`` as ONNX with ``metadata`` (dict; values
    made strings, dicts/lists as JSON; default ``build_metadata(model)``). Returns ``out_path``."""
    out_path = os.fspath(out_path)
    meta = build_metadata(model) if metadata is None else dict(metadata)
    folder = os.path.dirname(os.path.abspath(out_path))
    os.makedirs(folder, exist_ok=True)
    tmp = out_path + ".partial"
    was_training = model.training
    model.eval()
    m = 2 ** model.depth
    args = example_inputs(model.n_inputs, batch=2, height=4 * m, width=4 * m)
    axes = {schema.INPUT_IMAGES: {0: "batch", 2: "height", 3: "width"},
            schema.INPUT_DEM: {0: "batch", 2: "height", 3: "width"},
            schema.INPUT_CONDITIONS: {0: "batch"},
            schema.OUTPUT: {0: "batch", 2: "height", 3: "width"}}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(model, args, tmp, input_names=list(schema.INPUT_NAMES),
                              output_names=list(schema.OUTPUT_NAMES), dynamic_axes=axes,
                              opset_version=int(opset), dynamo=False, do_constant_folding=True)
        proto = onnx.load(tmp)
        if proto.ir_version > MAX_IR_VERSION:
            proto.ir_version = MAX_IR_VERSION
        del proto.metadata_props[:]
        for key, value in meta.items():
            entry = proto.metadata_props.add()
            entry.key = str(key)
            entry.value = value if isinstance(value, str) else json.dumps(value)
        proto.producer_name = "sar_change.models.learned_di"
        proto.doc_string = ("Learned difference image predictor: target VV/VH dB from N earlier "
                            "acquisitions, DEM and conditions (Alatalo et al. 2023)")
        onnx.checker.check_model(proto)
        onnx.save(proto, tmp)
        os.replace(tmp, out_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
        model.train(was_training)
    return out_path


def read_metadata(onnx_path):
    """metadata_props of an ONNX file as a dict of str (via the onnx package)."""
    proto = onnx.load(os.fspath(onnx_path), load_external_data=False)
    return {p.key: p.value for p in proto.metadata_props}


def onnx_state_dict(onnx_path):
    """(state dict of float32 tensors from the graph's initializers, metadata dict of str).

    Only initializers named like parameters (containing a '.') are returned;
    constants folded by the exporter are not parameters.
    """
    proto = onnx.load(os.fspath(onnx_path))
    state = {}
    for init in proto.graph.initializer:
        if "." in init.name and not init.name.startswith("onnx::"):
            state[init.name] = torch.from_numpy(np.array(numpy_helper.to_array(init), dtype=np.float32))
    return state, {p.key: p.value for p in proto.metadata_props}


def parity(model, onnx_path, inputs, threads=1):
    """Largest |torch - onnxruntime| (dB) of ``model`` and ``onnx_path`` on ``inputs``.

    ``inputs``: (images, dem, conditions) as tensors or arrays of the contract's shapes.
    """
    import onnxruntime as ort

    tensors = [torch.as_tensor(np.asarray(a, dtype=np.float32)) for a in inputs]
    was_training = model.training
    model.eval()
    with torch.no_grad():
        ref = model(*tensors).numpy()
    model.train(was_training)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = int(threads)
    sess = ort.InferenceSession(os.fspath(onnx_path), opts, providers=["CPUExecutionProvider"])
    feed = {name: t.numpy() for name, t in zip(schema.INPUT_NAMES, tensors)}
    got = sess.run([schema.OUTPUT], feed)[0]
    return float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
