"""ONNX export of SAR-to-optical models through the framework exporter, metadata and parity."""
import torch

from ..framework import export as fx
from ..framework import metadata as md
from . import schema
from .architecture import CONFIG_KEYS, Pix2PixUNet, build, conditioning_parameters, count_parameters

REFERENCES = [
    "Bralet, Atto, Chanussot & Trouve (2022) Deep learning of radiometrical and geometrical SAR distorsions "
    "for image modality translations, ICIP",
    "Bralet, Ngo, Trouve, Chanussot & Atto (2024) DEM-assisted neural network for SAR-to-optical image "
    "translation, IGARSS",
    "Isola, Zhu, Zhou & Efros (2017) Image-to-image translation with conditional adversarial networks, CVPR",
]


def architecture_info(model):
    name = ("pix2pix U-Net generator (L1)" if isinstance(model, Pix2PixUNet)
            else f"SARDINet, DEM fusion {model.fusion!r}")
    return {"name": name, **model.config, "parameters": count_parameters(model),
            "conditioning_parameters": conditioning_parameters(model),
            "channels": getattr(model, "channels", None), "references": REFERENCES}


def build_metadata(model, training=None, metrics=None, tile_size=schema.DEFAULT_TILE_SIZE,
                   overlap=schema.DEFAULT_OVERLAP, valid_ranges=None):
    """metadata_props (dict of str) of ``model`` in the common schema; ``inputs`` carries the fusion,
    the SAR bands and scale, the DEM units and normalisation."""
    norm = model.norm.as_dict()
    dem = {"units": "m", "normalisation": {"mean": norm["dem_mean"][0], "std": norm["dem_std"][0]}}
    conditioned = getattr(model, "conditioned", False)
    inputs = {"tensors": schema.input_specs(model.fusion, conditioned), "fusion": model.fusion,
              "sar_bands": list(schema.SAR_BANDS), "sar_scale": "dB", "dem": dem if model.uses_dem else None,
              "conditions": list(schema.CONDITION_NAMES) if conditioned else None}
    return md.build_metadata(schema.KIND, schema.VERSION, inputs, schema.output_specs(),
                             size_multiple=model.size_multiple, tile_size=tile_size, overlap=overlap,
                             normalisation=norm, training=training, metrics=metrics,
                             valid_ranges=valid_ranges, architecture=architecture_info(model))


def example_inputs(fusion, batch=1, height=64, width=64, seed=0, conditions=False):
    """Plausible (sar dB[, dem m][, conditions]) tensors."""
    g = torch.Generator().manual_seed(int(seed))
    sar = torch.stack([-10.0 + 3 * torch.randn(batch, height, width, generator=g),
                       -17.0 + 3 * torch.randn(batch, height, width, generator=g)], 1)
    out = [sar]
    if schema.uses_dem(fusion):
        out.append(1200.0 + 300.0 * torch.rand(batch, 1, height, width, generator=g))
    if conditions:  # sun elevation 15..65 deg, azimuth 130..230 deg, day of year 1..365, 10..30 m pixels
        u = torch.rand(batch, 5, generator=g)
        out.append(torch.stack([15 + 50 * u[:, 0], 130 + 100 * u[:, 1], 1 + 364 * u[:, 2], 10 + 20 * u[:, 3],
                                10 + 20 * u[:, 4]], 1))
    return tuple(out)


def _input_names(model):
    return schema.input_names(model.fusion, getattr(model, "conditioned", False))


def export_onnx(model, out_path, metadata=None):
    """Write ``model`` to ``out_path`` (ONNX, dynamic batch/height/width) with ``metadata``."""
    names = _input_names(model)
    m = model.size_multiple
    axes = fx.image_axes(list(names) + [schema.OUTPUT])
    if schema.INPUT_CONDITIONS in axes:
        axes[schema.INPUT_CONDITIONS] = {0: "batch"}
    return fx.export_onnx(model, out_path, example_inputs(model.fusion, 2, 4 * m, 4 * m,
                                                          conditions=getattr(model, "conditioned", False)),
                          names, [schema.OUTPUT], axes,
                          build_metadata(model) if metadata is None else dict(metadata),
                          producer="sar_change.models.sar_to_optical", keep_batch_norm=True,
                          doc=("SAR (VV/VH dB[, DEM m][, sun and day of year]) to Sentinel-2 B02/B03/B04/B08 "
                               "reflectance"))


def parity(model, onnx_path, inputs, threads=1):
    """Largest |torch - onnxruntime| (reflectance) on ``inputs`` (forward order)."""
    return fx.parity(model, onnx_path, inputs, _input_names(model), schema.OUTPUT, threads)


def model_from_onnx(onnx_path):
    """(model rebuilt from an exported .onnx, parsed metadata)."""
    return fx.model_from_onnx(onnx_path, lambda **config: build(config), CONFIG_KEYS,
                              lambda model, norm: model.norm.load(norm), schema.KIND)
