"""ONNX export of coherence models through the framework exporter (``models.framework.export``).

Graph: inputs "images" (and "baseline_days", "weather" when the model takes them), output
"coherence" (channel 0 coherence, 1 sigma); batch, height and width dynamic.
Metadata: the common schema (``models.framework.metadata``), kind "coherence".
"""
import torch

from ..framework import export as fx
from ..framework import metadata as md
from . import schema
from .architecture import CoherenceUNet, count_parameters

REFERENCES = [
    "Sica, Pulella & Schmitt, Beyond Backscatter: InSAR coherence from detected SAR images",
    "He, Zhang, Ren & Sun (2016) Deep residual learning for image recognition, CVPR",
    "Ronneberger, Fischer & Brox (2015) U-Net, MICCAI",
    "Nix & Weigend (1994) Estimating the mean and variance of the target probability distribution, ICNN",
]


def architecture_info(model):
    """The "architecture" metadata entry of a ``CoherenceUNet``."""
    return {"name": "Residual U-Net (coherence and log-variance heads)", **model.config,
            "encoder_widths": list(model.widths), "bridge_width": model.bridge_width,
            "parameters": count_parameters(model), "upsampling": "bilinear",
            "references": REFERENCES}


def build_metadata(model, training=None, metrics=None, tile_size=schema.DEFAULT_TILE_SIZE,
                   overlap=schema.DEFAULT_OVERLAP, valid_ranges=None):
    """metadata_props (dict of str) of ``model`` in the common schema."""
    inputs = {"tensors": schema.input_specs(model.use_baseline, model.use_weather), "scale": "dB",
              "order": "earlier date, later date"}
    norm = model.normalisation()
    if model.use_weather:
        inputs["conditions"] = list(schema.WEATHER_NAMES)
        inputs["conditions_optional"] = "NaN = unknown; all unknown = the unconditioned network"
        norm["weather"] = schema.weather_transform()
    return md.build_metadata(schema.KIND, schema.VERSION, inputs, schema.output_specs(),
                             size_multiple=model.size_multiple, tile_size=tile_size, overlap=overlap,
                             normalisation=norm, training=training, metrics=metrics,
                             valid_ranges=valid_ranges, architecture=architecture_info(model))


def example_inputs(model, batch=2, size=None, seed=0):
    """Plausible input tensors (images dB[, baseline days][, weather]) for ``model``."""
    g = torch.Generator().manual_seed(int(seed))
    size = size or 2 * model.size_multiple
    out = [-12.0 + 5.0 * torch.randn(batch, 2, size, size, generator=g)]
    if model.use_baseline:
        out.append(torch.full((batch, 1), 12.0))
    if model.use_weather:
        weather = torch.tensor([[8.0, 0.0, 2.0, 4.0, 6.0]]).repeat(batch, 1)
        weather[0, 1] = float("nan")  # one unknown value: the graph keeps its NaN handling
        out.append(weather)
    return tuple(out)


def export_onnx(model, out_path, metadata=None):
    """Write ``model`` to ``out_path`` as ONNX with ``metadata`` (default ``build_metadata(model)``); the
    graph's outputs: OUTPUT and OUTPUT_CORRELATED (``CoherenceUNet.outputs``; the initializers keep the
    state-dict names)."""
    names = schema.input_names(model.use_baseline, model.use_weather)
    outputs = (schema.OUTPUT, schema.OUTPUT_CORRELATED)
    axes = fx.image_axes([schema.INPUT_IMAGES, *outputs])
    for name in names[1:]:
        axes[name] = {0: "batch"}
    model.export_correlation = True
    try:
        return fx.export_onnx(model, out_path, example_inputs(model), names, outputs, axes,
                              build_metadata(model) if metadata is None else dict(metadata),
                              producer="sar_change.models.coherence",
                              doc="InSAR coherence and its sigma from two detected images (Residual U-Net)")
    finally:
        model.export_correlation = False


def reexport(onnx_path, out_path):
    """Export the model of ``onnx_path`` again (same weights under the same names, same metadata but the
    outputs entry, which lists this version's outputs) to ``out_path``, e.g. a model exported before
    OUTPUT_CORRELATED; returns the largest |difference| of OUTPUT between the two graphs on
    ``example_inputs`` (coherence units); ValueError when the weights are named otherwise."""
    model, _ = model_from_onnx(onnx_path)
    meta = fx.read_metadata(onnx_path)
    meta[md.META_OUTPUTS] = schema.output_specs()
    export_onnx(model, out_path, meta)
    inputs = {n: t.numpy() for n, t in zip(schema.input_names(model.use_baseline, model.use_weather),
                                           example_inputs(model, size=128))}
    old, new = (fx.run_onnx(p, inputs, [schema.OUTPUT])[0] for p in (onnx_path, out_path))
    names = [sorted(fx.onnx_state_dict(p)[0]) for p in (onnx_path, out_path)]
    if names[0] != names[1]:
        raise ValueError(f"{out_path}: the re-exported graph names its weights otherwise than {onnx_path}")
    return float(abs(old.astype("float64") - new).max())


def parity(model, onnx_path, inputs, threads=1):
    """Largest |torch - onnxruntime| of the output (coherence units) on ``inputs``."""
    return fx.parity(model, onnx_path, inputs, schema.input_names(model.use_baseline, model.use_weather),
                     schema.OUTPUT, threads)


def model_from_onnx(onnx_path):
    """(``CoherenceUNet`` rebuilt from an exported .onnx, parsed metadata); ValueError for another kind."""
    keys = ("width_scale", "stem", "use_baseline", "use_weather", "refine", "window_stem", "stem_blocks")

    def build(window_stem=False, **config):  # a model written before the window statistics has none
        return CoherenceUNet(window_stem=window_stem, **config)

    model, meta = fx.model_from_onnx(onnx_path, build, keys, CoherenceUNet.set_normalisation, schema.KIND)
    # sigma_scale is folded into the graph like the normalisation: the metrics record it
    model.sigma_scale.fill_(float((meta.get(md.META_METRICS) or {}).get("sigma_scale", 1.0)))
    return model, meta
