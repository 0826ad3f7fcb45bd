"""The metadata schema every SAR Change ONNX model carries (torch-free: standard library and numpy).

ONNX files hold string key/value pairs (``metadata_props``; ONNX IR
specification). Every model exported by ``models.framework.export`` has these
entries (structured values are JSON):

- ``sar_change.kind``: what the model does (e.g. "learned_di"); a runner
  refuses a model of another kind;
- ``sar_change.version``: the kind's contract version (bumped when a tensor or
  a condition changes meaning);
- ``sar_change.schema``: this schema's version (``SCHEMA_VERSION``);
- ``inputs``: a dict whose ``tensors`` entry lists one spec per ONNX input
  (``tensor_spec``: name, layout, bands, scale, units, valid_range,
  description); the kind may add its own summary keys beside ``tensors``
  (the learned DI keeps "acquisitions", "bands", "conditions", ...);
- ``outputs``: a list of output tensor specs (same form);
- ``size_multiple``, ``tile_size``, ``overlap``: pixels (H and W must be
  multiples of size_multiple; whole scenes run in tiles of tile_size with
  ``overlap`` pixels per side blended, see ``models.tiled_inference``);
- ``normalisation``: the normalisation built into the graph (informative:
  callers feed raw physical values);
- ``training``: the training data summary (stacks, dates, patches, epochs,
  seed, budget, init, ...) written by the run that trained;
- ``metrics``: validation figures of that run;
- ``valid_ranges``: per named input quantity, the range seen in training
  (``{"name": {"min": x, "max": y, "units": u}}``); values outside are
  extrapolation (``out_of_range``);
- ``architecture``: the network's configuration (enough to rebuild it).

Models exported before this schema lack ``sar_change.schema``, ``outputs``
and ``valid_ranges``; ``parse_metadata`` accepts them (``valid_ranges`` then
comes from ``fallback_ranges`` when the kind gives one).
"""
import json
import math

import numpy as np

SCHEMA_VERSION = "1"

META_KIND = "sar_change.kind"
META_VERSION = "sar_change.version"
META_SCHEMA = "sar_change.schema"
META_INPUTS = "inputs"
META_OUTPUTS = "outputs"
META_SIZE_MULTIPLE = "size_multiple"
META_TILE_SIZE = "tile_size"
META_OVERLAP = "overlap"
META_NORMALISATION = "normalisation"
META_TRAINING = "training"
META_METRICS = "metrics"
META_VALID_RANGES = "valid_ranges"
META_ARCHITECTURE = "architecture"
#: Every key written by ``build_metadata``.
KEYS = (META_KIND, META_VERSION, META_SCHEMA, META_INPUTS, META_OUTPUTS, META_SIZE_MULTIPLE, META_TILE_SIZE,
        META_OVERLAP, META_NORMALISATION, META_TRAINING, META_METRICS, META_VALID_RANGES, META_ARCHITECTURE)
#: Keys whose values are JSON.
JSON_KEYS = (META_INPUTS, META_OUTPUTS, META_NORMALISATION, META_TRAINING, META_METRICS, META_VALID_RANGES,
             META_ARCHITECTURE)
INT_KEYS = (META_SIZE_MULTIPLE, META_TILE_SIZE, META_OVERLAP)


def tensor_spec(name, layout, bands=None, scale=None, units=None, valid_range=None, description=None):
    """One tensor's entry in ``inputs["tensors"]`` or ``outputs``.

    ``layout``: axes, e.g. "BCHW" or "BNC"; ``bands``: channel names in order;
    ``scale``: e.g. "dB", "linear power"; ``units``: physical units of the
    values (e.g. "dB", "m"); ``valid_range``: [min, max] in those units.
    """
    spec = {"name": str(name), "layout": str(layout)}
    for key, value in (("bands", bands), ("scale", scale), ("units", units), ("valid_range", valid_range),
                       ("description", description)):
        if value is not None:
            spec[key] = list(value) if key in ("bands", "valid_range") else value
    return spec


def value_range(values, units=None):
    """{"min", "max"[, "units"]} of the finite ``values`` (array-like), or None when there are none."""
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    out = {"min": float(v.min()), "max": float(v.max())}
    if units:
        out["units"] = str(units)
    return out


def build_metadata(kind, version, inputs, outputs, size_multiple=1, tile_size=256, overlap=32,
                   normalisation=None, training=None, metrics=None, valid_ranges=None, architecture=None,
                   extra=None):
    """metadata_props (dict of str) in this schema.

    ``inputs``: dict with a ``tensors`` list (``tensor_spec``) and any
    kind-specific keys; ``outputs``: list of specs; the rest as in the module
    docstring; ``extra``: further entries (dict; values made strings/JSON).
    """
    if not isinstance(inputs, dict) or not isinstance(inputs.get("tensors"), list):
        raise ValueError("inputs must be a dict with a 'tensors' list of tensor specs")
    meta = {META_KIND: str(kind), META_VERSION: str(version), META_SCHEMA: SCHEMA_VERSION,
            META_INPUTS: inputs, META_OUTPUTS: list(outputs), META_SIZE_MULTIPLE: int(size_multiple),
            META_TILE_SIZE: int(tile_size), META_OVERLAP: int(overlap),
            META_NORMALISATION: normalisation or {}, META_TRAINING: training or {},
            META_METRICS: metrics or {},
            META_VALID_RANGES: valid_ranges or {}, META_ARCHITECTURE: architecture or {}}
    meta.update(extra or {})
    return {k: as_text(v) for k, v in meta.items()}


def as_text(value):
    """A metadata value as stored: strings unchanged, everything else JSON (NaN/inf as null)."""
    if isinstance(value, str):
        return value
    return json.dumps(_finite(value))


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        return _finite(value.item())
    return value


def parse_metadata(raw, kind=None, version=None):
    """metadata_props (dict of str) decoded: JSON entries parsed, pixel sizes as ints.

    ``kind``/``version``: when given, ValueError unless the model has them
    (the message names what was found and what is expected).
    """
    meta = dict(raw)
    if kind is not None and meta.get(META_KIND) != kind:
        raise ValueError(f"the model is of kind {meta.get(META_KIND)!r} (metadata {META_KIND!r}), "
                         f"expected {kind!r}")
    if version is not None and meta.get(META_VERSION) != str(version):
        raise ValueError(f"the model follows contract version {meta.get(META_VERSION)!r} of {kind!r}, "
                         f"expected {version!r}: retrain the model or update the plugin")
    out = dict(meta)
    for key in JSON_KEYS:
        if key in meta and isinstance(meta[key], str):
            try:
                out[key] = json.loads(meta[key])
            except json.JSONDecodeError as exc:
                raise ValueError(f"model metadata {key!r} is not JSON: {exc}") from exc
    for key in INT_KEYS:
        if key in meta:
            out[key] = int(meta[key])
    out.setdefault(META_VALID_RANGES, {})
    out.setdefault(META_OUTPUTS, [])
    return out


def out_of_range(valid_ranges, values, margin=0.0):
    """[(name, value, min, max)] for each named value outside its valid range.

    ``valid_ranges``: as in the metadata; ``values``: dict name -> number (NaN
    and names without a range are skipped); ``margin``: tolerance in each
    range's units.
    """
    out = []
    for name, value in values.items():
        rng = (valid_ranges or {}).get(name)
        if not rng or value is None:
            continue
        value = float(value)
        if math.isnan(value):
            continue
        lo, hi = rng.get("min"), rng.get("max")
        if (lo is not None and value < lo - margin) or (hi is not None and value > hi + margin):
            out.append((name, value, lo, hi))
    return out


def describe_out_of_range(items):
    """One sentence per ``out_of_range`` item, e.g. 'snow_depth_m 0.6 outside [0, 0.4]'."""
    def fmt(x):
        return "?" if x is None else f"{x:.4g}"
    return "; ".join(f"{name} {fmt(value)} outside the training range [{fmt(lo)}, {fmt(hi)}]"
                     for name, value, lo, hi in items)
