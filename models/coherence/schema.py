"""The I/O contract of coherence-from-intensity models (torch-free: numpy and the standard library only).

Tensor contract (float32; B, H, W dynamic, H and W multiples of the
metadata's ``size_multiple``):

- ``images`` (B, 2, H, W): the earlier and the later detected image of one
  pair (same polarisation and orbit, co-registered), sigma0 in dB. The graph
  clamps values to [DB_FLOOR, DB_CEIL] and normalises them; NaN is handled
  by the tiled runner (filled, output NaN there);
- ``baseline_days`` (B, 1), only in models trained with the temporal
  baseline as an input: days between the two acquisitions;
- ``coherence`` (B, 2, H, W): channel 0 the coherence magnitude (0-1),
  channel 1 its predicted standard deviation sigma (same units), from the
  log-variance head: sigma = s exp(log_variance / 2), s the sigma scale fitted on the validation pairs.
"""
import numpy as np

from ..framework import metadata as md

#: Value of the "sar_change.kind" metadata entry.
KIND = "coherence"
#: Contract version ("sar_change.version").
VERSION = "1"

INPUT_IMAGES = "images"
INPUT_BASELINE = "baseline_days"
OUTPUT = "coherence"
#: Output channels, in order.
OUTPUT_BANDS = ("coherence", "sigma")

#: dB clamp of the inputs (linear power <= 10**(DB_FLOOR/10), 0 included, maps to the floor).
DB_FLOOR = -40.0
DB_CEIL = 20.0

#: Inference tiling recorded in the metadata (pixels).
DEFAULT_TILE_SIZE = 256
DEFAULT_OVERLAP = 32


def input_names(use_baseline):
    """The graph's input names in forward order."""
    return (INPUT_IMAGES, INPUT_BASELINE) if use_baseline else (INPUT_IMAGES,)


def to_db(linear, floor_db=DB_FLOOR):
    """Linear power -> dB (float32); values <= 10**(floor_db/10) give ``floor_db``; NaN stays NaN."""
    x = np.asarray(linear, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10.0 * np.log10(np.maximum(x, np.float32(10.0 ** (floor_db / 10.0))))
    return out.astype(np.float32)


def input_specs(use_baseline):
    specs = [md.tensor_spec(INPUT_IMAGES, "BCHW", bands=["date_1", "date_2"], scale="dB", units="dB",
                            valid_range=[DB_FLOOR, DB_CEIL],
                            description="earlier and later detected image of one pair, sigma0 dB")]
    if use_baseline:
        specs.append(md.tensor_spec(INPUT_BASELINE, "BC", units="days",
                                    description="temporal baseline of the pair"))
    return specs


def output_specs():
    return [md.tensor_spec(OUTPUT, "BCHW", bands=list(OUTPUT_BANDS), units="coherence magnitude",
                           valid_range=[0.0, 1.0],
                           description="coherence (sigmoid head) and its predicted standard deviation "
                                       "(exp of half the log-variance head, times the fitted sigma scale)")]


def uses_baseline(model):
    """True when a loaded model (``TiledModel``) takes the temporal baseline as an input."""
    return any(spec.name == INPUT_BASELINE for spec in model.inputs)
