"""The I/O contract of SAR segmentation models (torch-free: numpy and the standard library).

Tensors (float32; B, H, W dynamic, H and W multiples of ``SIZE_MULTIPLE``):

- ``image`` (B, C, H, W): the bands named in the metadata (e.g. VV dB, VH dB,
  incidence deg), raw physical values; NaN (no data) becomes the training mean
  inside the graph, then every band is z-scored with the training statistics;
- ``probabilities`` (B, K, H, W): softmax over the K classes.

Metadata (``models.framework.metadata`` schema plus ``classes``): a JSON list
of {"value", "name", "colour"} (colour "#rrggbb") in class order; the class
raster holds ``value`` (0..K-1), 255 is no data.
"""

import json

import numpy as np

from ...core.engine import scale as scales
from ..framework import metadata as md

KIND = "segmentation"
VERSION = "1"
INPUT = "image"
OUTPUT = "probabilities"
SIZE_MULTIPLE = 16
DEFAULT_TILE_SIZE = 256
DEFAULT_OVERLAP = 32
META_CLASSES = "classes"
#: Label value of unlabelled pixels (ignored by the loss) and no-data value of class rasters.
IGNORE = 255
#: Scales the SAR bands may come in (``core.engine.scale`` order: linear power, amplitude, dB); the
#: model takes dB.
SCALES = scales.SCALES
#: Fallback palette (RGB) for classes without a colour.
PALETTE = (
    (31, 87, 191),
    (224, 240, 255),
    (115, 150, 80),
    (200, 60, 50),
    (240, 200, 60),
    (150, 90, 200),
    (60, 180, 180),
    (120, 120, 120),
    (250, 140, 40),
    (20, 120, 40),
)


def sar_to_db(values, scale):
    """SAR ``values`` in ``scale`` (one of ``SCALES``) as float32 dB, the model's input; a
    non-finite value or a power <= 0 becomes NaN (no data)."""
    values = np.asarray(values, dtype=np.float32)
    if scale == scales.DB:
        return values.copy()
    power = scales.to_linear_power(values, scale)
    ok = np.isfinite(power) & (power > 0)
    return np.where(ok, scales.from_linear_power(np.where(ok, power, 1.0), scales.DB), np.nan).astype(
        np.float32
    )


def hex_colour(rgb):
    """'#rrggbb' of an (r, g, b) triple (0-255)."""
    r, g, b = (int(v) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def rgb(colour):
    """(r, g, b) of '#rrggbb' (or of a triple, returned as ints); ValueError when malformed."""
    if isinstance(colour, (list, tuple)) and len(colour) == 3:
        return tuple(int(v) for v in colour)
    text = str(colour).strip().lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour {colour!r}: give '#rrggbb'")
    return tuple(int(text[i : i + 2], 16) for i in (0, 2, 4))


def class_entries(names, colours=None):
    """The "classes" metadata list for class ``names`` (and optional colours, default ``PALETTE``)."""
    names = [str(n).strip() for n in names]
    if len(names) < 2:
        raise ValueError("give at least two classes")
    if len(set(names)) != len(names) or not all(names):
        raise ValueError(f"class names must be distinct and not empty: {names}")
    if len(names) > IGNORE:
        raise ValueError(f"at most {IGNORE} classes")
    colours = list(colours or [])
    out = []
    for i, name in enumerate(names):
        colour = colours[i] if i < len(colours) and colours[i] else PALETTE[i % len(PALETTE)]
        out.append({"value": i, "name": name, "colour": hex_colour(rgb(colour))})
    return out


def read_classes(metadata):
    """The class list ({"value", "name", "colour"}) of a model's metadata (dict; JSON text accepted).

    ValueError when the model carries no classes.
    """
    value = (metadata or {}).get(META_CLASSES)
    if isinstance(value, str):
        value = json.loads(value)
    if not value:
        raise ValueError(f"the model has no {META_CLASSES!r} metadata entry: is it a segmentation model?")
    return list(value)


def input_bands(metadata):
    """Band names of the model's image input, from its metadata (dict as parsed)."""
    inputs = (metadata or {}).get(md.META_INPUTS) or {}
    for spec in inputs.get("tensors", []):
        if spec.get("name") == INPUT:
            return list(spec.get("bands") or [])
    return []
