"""ONNX export of learned-DI models through the framework exporter (``models.framework.export``).

The graph follows the contract of ``schema`` (inputs "images", "dem",
"conditions", output "predicted"; batch, height and width dynamic; opset 17).
The metadata follow the common schema (``models.framework.metadata``) with
the learned DI's own summary in ``inputs`` (acquisitions, bands, scale,
dem_units, conditions, order) and the valid range of every condition and of
the input dB in ``valid_ranges``.
"""
import torch

from ..framework import export as fx
from ..framework import metadata as md
from . import schema
from .architecture import count_parameters

OPSET = fx.OPSET
read_metadata = fx.read_metadata
onnx_state_dict = fx.onnx_state_dict

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
                   overlap=schema.DEFAULT_OVERLAP, valid_ranges=None):
    """metadata_props (dict of str) for ``model``; ``training``/``metrics``/``valid_ranges``: JSON-able dicts
    (``valid_ranges`` as from ``schema.valid_ranges_from``)."""
    inputs = dict(schema.inputs_metadata(model.n_inputs), tensors=schema.input_specs(model.n_inputs))
    return md.build_metadata(
        schema.KIND, schema.VERSION, inputs, schema.output_specs(), size_multiple=2 ** model.depth,
        tile_size=tile_size, overlap=overlap, normalisation=model.normalisation(), training=training,
        metrics=metrics, valid_ranges=valid_ranges, architecture=architecture_info(model))


def example_inputs(n_inputs, batch=1, height=64, width=64, seed=0):
    """Random but plausible (images dB, dem m, conditions) tensors of the contract's shapes."""
    g = torch.Generator().manual_seed(int(seed))
    images = -12.0 + 4.0 * torch.randn(batch, 2 * n_inputs, height, width, generator=g)
    dem = 400.0 + 50.0 * torch.randn(batch, 1, height, width, generator=g)
    cond = torch.randn(batch, n_inputs + 1, schema.N_CONDITIONS, generator=g)
    return images, dem, cond


def export_onnx(model, out_path, metadata=None, opset=OPSET):
    """Write ``model`` (a ``LearnedDI``) to ``out_path`` as ONNX with ``metadata`` (default
    ``build_metadata(model)``). Returns ``out_path``."""
    m = 2 ** model.depth
    axes = fx.image_axes([schema.INPUT_IMAGES, schema.INPUT_DEM, schema.OUTPUT])
    axes[schema.INPUT_CONDITIONS] = {0: "batch"}
    return fx.export_onnx(
        model, out_path, example_inputs(model.n_inputs, batch=2, height=4 * m, width=4 * m),
        schema.INPUT_NAMES, schema.OUTPUT_NAMES, axes,
        build_metadata(model) if metadata is None else dict(metadata), opset=opset,
        producer="sar_change.models.learned_di",
        doc=("Learned difference image predictor: target VV/VH dB from N earlier acquisitions, DEM and "
             "conditions (Alatalo et al. 2023)"))


def parity(model, onnx_path, inputs, threads=1):
    """Largest |torch - onnxruntime| (dB) of ``model`` and ``onnx_path`` on ``inputs``
    ((images, dem, conditions) as tensors or arrays of the contract's shapes)."""
    return fx.parity(model, onnx_path, inputs, schema.INPUT_NAMES, schema.OUTPUT, threads)


def model_from_onnx(onnx_path):
    """(``LearnedDI`` rebuilt from an exported .onnx's architecture and weights, parsed metadata)."""
    from .architecture import LearnedDI

    return fx.model_from_onnx(onnx_path, LearnedDI, schema.CONFIG_KEYS, LearnedDI.set_normalisation,
                              parse=schema.read_model_metadata, optional=schema.NORMALISATION_BUFFERS)
