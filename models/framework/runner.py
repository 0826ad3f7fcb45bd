"""The onnxruntime runner of SAR Change models: tiled, blended inference with the metadata checked.

No torch: numpy and onnxruntime only, so QGIS-side code uses it. The tiling
itself (any number of image inputs of one grid, per-sample vector inputs such
as condition vectors, Hann-window blending, reflected padding, no-data
handling, cancel) is ``models.tiled_inference.TiledModel``; this module adds
the common metadata schema:

- ``load(model, kind=None, version=None, threads=2)``: a ``TiledModel`` whose
  ``info`` attribute holds the parsed metadata (``metadata.parse_metadata``);
  ValueError when ``kind``/``version`` differ;
- ``check_ranges(model, values)``: the inputs outside the model's valid ranges.
"""
from ..tiled_inference import TiledModel, describe_tiling  # noqa: F401  (re-exported)
from . import metadata as md


def load(model, kind=None, version=None, threads=2):
    """Load an exported model (path, bytes or a TiledModel) and parse its metadata into ``.info``."""
    tiled = model if isinstance(model, TiledModel) else TiledModel(model, threads=threads)
    try:
        tiled.info = md.parse_metadata(tiled.metadata_raw, kind=kind, version=version)
    except ValueError as exc:
        raise ValueError(f"ONNX model {tiled.source}: {exc}") from exc
    return tiled


def check_ranges(model, values, ranges=None, margin=0.0):
    """``metadata.out_of_range`` of ``values`` (dict name -> number) against the model's valid ranges
    (or ``ranges`` when given)."""
    info = getattr(model, "info", None) or md.parse_metadata(model.metadata_raw)
    return md.out_of_range(ranges if ranges is not None else info.get(md.META_VALID_RANGES), values, margin)
