"""Learned despeckling: an ONNX despeckling model (MERLIN) applied with onnxruntime only.

The model (``models/merlin``: the deepdespeckling MERLIN U-Net with its
Sentinel-1 TOPS weights, converted to ONNX with its pre- and post-processing
inside the graph) takes linear power and the equivalent number of looks and
returns linear power. It runs through the shared tiled runner
(``models.tiled_inference.TiledModel``: 256-pixel tiles, 32-pixel blended
overlaps, no data filled before and restored after the model), one block of
the block engine at a time; a block's halo of ``MARGIN`` pixels covers the
network's reach nearly, so a block-by-block run matches the whole-image run to the
tolerance stated in tests/test_merlin.py (see ``MARGIN``).

Nothing here imports torch: the model is converted outside QGIS
(``python -m sar_change.models.merlin.convert``, run by scripts/setup.sh).
"""
import os

import numpy as np

#: Halo (pixels) of each block: a multiple of the model's size multiple (32), so every block
#: sees the pooling grid of the whole image. The U-Net's reach (five 2x poolings) is longer than
#: any affordable halo, and even the whole image differs slightly between tile layouts; 96 pixels
#: (1.9x the pixels of a 512-pixel block) keeps the block-by-block result within the tolerance
#: that tests/test_merlin.py asserts.
MARGIN = 96
#: Looks of the data MERLIN's Sentinel-1 TOPS weights were trained on (single-look SLC, Dalsasso,
#: Denis & Tupin 2021). On multi-looked inputs it blurs edges and loses to the classic filters
#: (benchmarks/results/despeckling.md: 4-look simulator PSNR below the unfiltered input; real GRD
#: scenes of L = 6-74 with the lowest edge preservation of all filters).
TRAINED_LOOKS = 1.0
#: Above this many looks the Processing algorithm warns that the input is outside the training data.
MAX_LOOKS_WITHOUT_WARNING = 1.5
#: Tiles per onnxruntime call. One: the U-Net's 48-channel activations of a batch of four 256-px tiles
#: held ~340 MiB per call (two blocks run at once), against ~90 MiB for one tile, at the same speed and
#: with the same output bit for bit (a full scene peaked above 1.6 GiB with four, benchmarks/scale.py).
BATCH = 1
#: Model kind and input/output names the converter writes (models/merlin/convert.py).
KIND = "despeckle"
INPUT_POWER, INPUT_LOOKS = "power", "looks"
#: The network's estimate before the local re-anchoring (second output; for study and benchmarks).
OUTPUT_RAW = "network_estimate"


def default_model_path():
    """Where scripts/setup.sh writes the converted MERLIN model (it may not exist)."""
    from ...models.merlin.paths import DEFAULT_MODEL
    return DEFAULT_MODEL


def load_model(path=None, threads=1):
    """A ``TiledModel`` of the despeckling ONNX model at ``path`` (default: the converted MERLIN).

    ValueError naming the fix when the file is missing, onnxruntime is not
    installed, or the model is not a despeckling model with inputs 'power' and
    'looks'. ``threads``: onnxruntime threads per call (the block engine runs
    two blocks at once).
    """
    from ...models.merlin.paths import CONVERT_HINT
    path = os.fspath(path) if path else default_model_path()
    if not os.path.isfile(path):
        raise ValueError(f"the MERLIN ONNX model {path} does not exist: {CONVERT_HINT}")
    try:
        from ...models.tiled_inference import TiledModel
        model = TiledModel(path, threads=threads)
    except ImportError as exc:  # onnxruntime missing: its message says how to install it
        raise ValueError(str(exc)) from exc
    names = {spec.name for spec in model.inputs}
    kind = model.metadata.get("sar_change.kind", model.metadata.get("kind"))  # (older conversions: 'kind')
    if kind != KIND or names != {INPUT_POWER, INPUT_LOOKS}:
        raise ValueError(f"{path} is not a despeckling model (metadata kind {kind!r}, "
                         f"inputs {sorted(names)}; expected kind '{KIND}' with inputs 'power' and "
                         f"'looks'): {CONVERT_HINT}")
    return model


def despeckle(power, model, looks, output=None):
    """Despeckle a 2-D linear-power array with a loaded despeckling ``TiledModel``.

    ``looks``: equivalent number of looks of the input (> 0). NaN (no data)
    stays NaN; the model sees each NaN filled with its tile's mean. ``output``:
    the model output to return (default its first, the despeckled image).
    Returns float32 linear power of the same shape.
    """
    power = np.asarray(power, dtype=np.float32)
    if not looks > 0:
        raise ValueError(f"number of looks must be > 0, got {looks}")
    if not np.isfinite(power).any():
        return np.full(power.shape, np.nan, dtype=np.float32)
    out = model.predict({INPUT_POWER: power[None], INPUT_LOOKS: np.array([looks], dtype=np.float32)},
                        output=output, batch=BATCH)
    return out[0]


def merlin_filter(looks, model_path=None, threads=1):
    """Return ``f(power) -> power`` applying the MERLIN model (loaded once) at ``looks`` looks."""
    model = load_model(model_path, threads=threads)
    return lambda power: despeckle(power, model, looks)
