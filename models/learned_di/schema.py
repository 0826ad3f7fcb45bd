"""The I/O contract of learned-difference-image models (torch-free; numpy and the standard library only).

A learned-DI model predicts the backscatter of a *target* acquisition from the
N acquisitions before it, the DEM and one condition vector per acquisition
(weather, orbit, incidence, platform), after Alatalo, Sipola & Rantonen
(2023), "Improved difference images for change detection classifiers in SAR
imagery using deep learning", IEEE TGRS 61. The difference between the
observed target and the prediction is the learned difference image: what the
conditions and the history explain is removed, change remains.

This module holds everything QGIS-side code needs to feed such a model, so it
can be imported inside QGIS (no torch, no rasterio):

- the ONNX tensor names and layouts (``INPUT_IMAGES``, ``INPUT_DEM``,
  ``INPUT_CONDITIONS``, ``OUTPUT``), ``SIZE_MULTIPLE`` for H and W,
  the metadata_props keys;
- ``condition_vector(row)``: the condition vector of one acquisitions.csv row;
- ``select_inputs(dates, target_index, n)``: which earlier acquisitions feed a
  target (the N most recent ones strictly before its date, oldest first);
- ``to_db``: linear power to dB with the floor the models are trained with.

Tensor contract (float32 everywhere; B, H, W dynamic, H and W multiples of
``SIZE_MULTIPLE``):

- ``images`` (B, 2N, H, W): the N earlier acquisitions, oldest first, each VV
  then VH, sigma0 in dB. NaN (no data) is allowed: the graph replaces it by the
  training mean; values are clamped to [DB_FLOOR, DB_CEIL].
- ``dem`` (B, 1, H, W): elevation in metres. The graph subtracts each tile's
  own mean elevation (over its valid pixels) and divides by
  ``DEM_SCALE_M``, so absolute altitude does not matter; NaN becomes 0 m
  relative elevation.
- ``conditions`` (B, N+1, C): one ``condition_vector`` per input acquisition
  (same order), then the target's. NaN (unknown value) becomes the training
  mean of that condition.
- ``predicted`` (B, 2, H, W): the target's VV and VH in dB.

All normalisation (dB means/stds, DEM scale, condition means/stds) is inside
the graph and also recorded in the "normalisation" metadata entry: callers feed
raw dB, metres and raw condition values.
"""
import json
import math

import numpy as np

from ..framework import metadata as md

#: Value of the "sar_change.kind" metadata entry of a learned-DI model.
KIND = "learned_di"
#: Contract version ("sar_change.version"); bumped when tensors or conditions change meaning.
VERSION = "1"

INPUT_IMAGES = "images"
INPUT_DEM = "dem"
INPUT_CONDITIONS = "conditions"
OUTPUT = "predicted"
INPUT_NAMES = (INPUT_IMAGES, INPUT_DEM, INPUT_CONDITIONS)
OUTPUT_NAMES = (OUTPUT,)

#: Polarisations per acquisition, in channel order.
BANDS = ("VV", "VH")
#: Condition vector entries, in order. Units: deg C, mm (day), mm (3 days before),
#: m (snow depth), unitless sin/cos of the heading (degrees clockwise from north),
#: degrees (mean incidence), 0/1 (0 = Sentinel-1A, 1 = Sentinel-1B).
CONDITION_NAMES = ("temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m", "sin_heading",
                   "cos_heading", "mean_incidence_deg", "platform_s1b")
N_CONDITIONS = len(CONDITION_NAMES)

#: U-Net depth (number of 2x poolings) of the models built here; H and W must be
#: multiples of 2**DEPTH.
DEPTH = 4
SIZE_MULTIPLE = 2 ** DEPTH
#: Suggested tiling for whole-scene inference (pixels): tiles of TILE_SIZE with
#: OVERLAP pixels on each side discarded (the U-Net's border effects).
DEFAULT_TILE_SIZE = 256
DEFAULT_OVERLAP = 32
#: Default number of earlier acquisitions per prediction.
DEFAULT_N_INPUTS = 4

#: dB floor: linear power <= 10**(DB_FLOOR/10) (including 0 and negatives) maps to it.
DB_FLOOR = -50.0
#: dB ceiling applied inside the graph (bright point targets beyond it are clipped).
DB_CEIL = 40.0
#: Metres per unit of relative elevation inside the graph.
DEM_SCALE_M = 100.0

#: Conditions normalised with fixed (mean, std) whatever the training data (bounded or binary
#: values whose spread may be zero in one stack).
FIXED_CONDITION_NORMALISATION = {"sin_heading": (0.0, 1.0), "cos_heading": (0.0, 1.0),
                                 "platform_s1b": (0.5, 0.5)}
#: Smallest std used for the others (units of each condition), so a near-constant
#: condition in the training data is not blown up at inference.
MIN_CONDITION_STD = {"temperature_c": 1.0, "precip_mm": 1.0, "precip_3day_mm": 1.0, "snow_depth_m": 0.05,
                     "mean_incidence_deg": 1.0}
#: Smallest std of the dB normalisation (dB).
MIN_DB_STD = 1.0

#: Nominal Sentinel-1 headings (degrees clockwise from north) used when a row has an
#: orbit direction but no heading (mid-latitude values; the simulator uses the same).
NOMINAL_HEADING_DEG = {"ascending": 349.0, "descending": 191.0}

# metadata_props keys: the common schema of models.framework.metadata (values are strings; JSON where
# structured).
META_KIND = md.META_KIND
META_VERSION = md.META_VERSION
META_INPUTS = md.META_INPUTS
META_SIZE_MULTIPLE = md.META_SIZE_MULTIPLE
META_TILE_SIZE = md.META_TILE_SIZE
META_OVERLAP = md.META_OVERLAP
META_NORMALISATION = md.META_NORMALISATION
META_TRAINING = md.META_TRAINING
META_METRICS = md.META_METRICS
META_ARCHITECTURE = md.META_ARCHITECTURE
META_VALID_RANGES = md.META_VALID_RANGES
METADATA_KEYS = md.KEYS
INPUT_ORDER = "oldest first, then target"
#: ``LearnedDI`` constructor arguments recorded in the "architecture" entry.
CONFIG_KEYS = ("n_inputs", "arch", "base", "max_channels", "cond_dim", "depth", "residual")
#: Buffers holding the normalisation (set from the "normalisation" entry, not from graph initializers).
NORMALISATION_BUFFERS = ("db_mean", "db_std", "cond_mean", "cond_std", "dem_scale")
#: Units of each condition (CONDITION_NAMES order), for valid ranges and cards.
CONDITION_UNITS = ("deg C", "mm", "mm", "m", "1", "1", "deg", "0/1")
#: Conditions whose valid range is checked (heading and platform are categorical: any value is known).
RANGED_CONDITIONS = ("temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m", "mean_incidence_deg")
#: Standard deviations around the training mean taken as the valid range of models exported without
#: "valid_ranges" (before the common schema); an approximation, said so where it is used.
FALLBACK_RANGE_STDS = 2.5

_PLATFORMS = {"S1A": 0.0, "1A": 0.0, "S1B": 1.0, "1B": 1.0}


def _number(value):
    """float(value); None, '' and 'nan' give NaN."""
    if value is None:
        return math.nan
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number") from None


def platform_code(platform):
    """0.0 for Sentinel-1A, 1.0 for Sentinel-1B, NaN when empty.

    Accepts 'S1A', 's1b', 'Sentinel-1A', 'SENTINEL-1B', '1A'. Other platforms
    (e.g. Sentinel-1C) raise ValueError: the models know S1A and S1B only.
    """
    if platform is None or (isinstance(platform, float) and math.isnan(platform)):
        return math.nan
    p = str(platform).strip().upper().replace("SENTINEL", "S").replace("-", "").replace("_", "")
    if not p:
        return math.nan
    if p not in _PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: the learned-DI condition platform_s1b "
                         "knows S1A (0) and S1B (1) only")
    return _PLATFORMS[p]


def heading_deg(row):
    """Heading of a row in degrees: its heading_deg, else the nominal one of its orbit_direction."""
    h = _number(row.get("heading_deg"))
    if math.isnan(h):
        direction = str(row.get("orbit_direction") or "").strip().lower()
        if direction in ("asc", "a"):
            direction = "ascending"
        elif direction in ("desc", "dsc", "d"):
            direction = "descending"
        h = NOMINAL_HEADING_DEG.get(direction, math.nan)
    return h


def condition_vector(row):
    """Condition vector (float32, ``N_CONDITIONS`` values in ``CONDITION_NAMES`` order) of one row.

    ``row``: a mapping with the acquisitions.csv columns (strings or numbers):
    temperature_c (deg C), precip_mm (mm that day), precip_3day_mm (mm over
    the 3 days before), snow_depth_m (m), heading_deg (degrees clockwise from
    north; when missing, the nominal heading of orbit_direction), mean_incidence_deg
    (degrees), platform ('S1A'/'S1B'). Missing or empty values give NaN, which
    the models replace by the training mean of that condition.
    """
    h = heading_deg(row)
    rad = math.radians(h)
    values = [_number(row.get("temperature_c")), _number(row.get("precip_mm")),
              _number(row.get("precip_3day_mm")), _number(row.get("snow_depth_m")),
              math.sin(rad), math.cos(rad), _number(row.get("mean_incidence_deg")),
              platform_code(row.get("platform"))]
    return np.asarray(values, dtype=np.float32)


def condition_matrix(rows):
    """(len(rows), N_CONDITIONS) float32: ``condition_vector`` of each row, stacked."""
    rows = list(rows)
    if not rows:
        return np.zeros((0, N_CONDITIONS), dtype=np.float32)
    return np.stack([condition_vector(r) for r in rows])


def to_db(linear, floor_db=DB_FLOOR):
    """10*log10 of linear power (float32), values at or below the floor (0, negatives) set to it.

    NaN stays NaN (no data). ``floor_db`` in dB.
    """
    x = np.asarray(linear, dtype=np.float32)
    out = np.asarray(np.maximum(x, np.float32(10.0 ** (floor_db / 10.0))))  # the one new array; in place
    with np.errstate(invalid="ignore"):
        np.log10(out, out=out)
    out *= np.float32(10.0)
    return out


def select_inputs(dates, target_index, n_inputs):
    """Indices of the ``n_inputs`` most recent acquisitions strictly before the target's date.

    ``dates``: acquisition dates (ISO strings or dates) sorted ascending;
    returns the indices oldest first, or None when fewer than ``n_inputs``
    earlier acquisitions exist. Acquisitions on the target's own date (the
    other orbit direction on the same day) are not used.
    """
    target = str(dates[target_index])
    earlier = [i for i in range(len(dates)) if str(dates[i]) < target]
    if len(earlier) < n_inputs:
        return None
    return earlier[-n_inputs:]


def inputs_metadata(n_inputs):
    """The "inputs" metadata entry (a dict) for N = ``n_inputs`` earlier acquisitions."""
    return {"acquisitions": int(n_inputs), "bands": list(BANDS), "scale": "dB", "dem_units": "m",
            "conditions": list(CONDITION_NAMES), "order": INPUT_ORDER}


def input_specs(n_inputs):
    """The ``inputs["tensors"]`` entry (common schema) for N = ``n_inputs``."""
    return [
        md.tensor_spec(INPUT_IMAGES, "BCHW", bands=[f"{b}_{i}" for i in range(1, int(n_inputs) + 1)
                                                    for b in BANDS],
                       scale="dB", units="dB", valid_range=[DB_FLOOR, DB_CEIL],
                       description=f"{int(n_inputs)} earlier acquisitions, oldest first, sigma0; "
                                   "NaN = no data"),
        md.tensor_spec(INPUT_DEM, "BCHW", bands=["elevation"], units="m",
                       description="elevation; each tile's mean is removed inside the graph"),
        md.tensor_spec(INPUT_CONDITIONS, "BNC", bands=list(CONDITION_NAMES),
                       units=", ".join(CONDITION_UNITS),
                       description="one condition_vector per input acquisition, then the target's; NaN = "
                                   "unknown"),
    ]


def output_specs():
    """The ``outputs`` entry (common schema)."""
    return [md.tensor_spec(OUTPUT, "BCHW", bands=list(BANDS), scale="dB", units="dB",
                           description="predicted target sigma0")]


def valid_ranges_from(conditions, db_by_band=None):
    """The "valid_ranges" entry: range of each ranged condition over ``conditions`` ((n, C) rows used
    in training) and, with ``db_by_band`` ({band: dB values}), of the input dB per band."""
    c = np.asarray(conditions, dtype=np.float64).reshape(-1, N_CONDITIONS)
    out = {}
    for name in RANGED_CONDITIONS:
        i = CONDITION_NAMES.index(name)
        r = md.value_range(c[:, i], CONDITION_UNITS[i])
        if r is not None:
            out[name] = r
    for band, values in (db_by_band or {}).items():
        r = md.value_range(values, "dB")
        if r is not None:
            out[f"{band}_db"] = r
    return out


def model_valid_ranges(meta):
    """(valid ranges, exact) of a parsed model metadata: its "valid_ranges" entry (exact=True) or, for
    models exported before the common schema, the training mean +- FALLBACK_RANGE_STDS standard
    deviations of each ranged condition from "normalisation" (exact=False; lower bounds of
    non-negative quantities clipped at 0)."""
    ranges = meta.get(META_VALID_RANGES)
    if isinstance(ranges, str):
        ranges = json.loads(ranges)
    if ranges:
        return ranges, True
    norm = meta.get(META_NORMALISATION)
    if isinstance(norm, str):
        norm = json.loads(norm)
    out = {}
    if norm and "condition_mean" in norm:
        for name in RANGED_CONDITIONS:
            i = CONDITION_NAMES.index(name)
            mean, std = float(norm["condition_mean"][i]), float(norm["condition_std"][i])
            lo = mean - FALLBACK_RANGE_STDS * std
            if name in ("precip_mm", "precip_3day_mm", "snow_depth_m"):
                lo = max(0.0, lo)
            out[name] = {"min": lo, "max": mean + FALLBACK_RANGE_STDS * std, "units": CONDITION_UNITS[i]}
    return out, False


def conditions_out_of_range(meta, row):
    """(items, exact): ``md.out_of_range`` of an acquisitions.csv ``row``'s conditions against a model's
    valid ranges (see ``model_valid_ranges``)."""
    ranges, exact = model_valid_ranges(meta)
    vector = condition_vector(row)
    values = {name: float(vector[CONDITION_NAMES.index(name)]) for name in RANGED_CONDITIONS}
    return md.out_of_range(ranges, values), exact


def read_model_metadata(metadata):
    """Check a model's metadata_props (dict of str) and return them parsed.

    Returns a dict with the JSON entries decoded (``md.parse_metadata``) and
    ``n_inputs``, ``size_multiple``, ``tile_size`` and ``overlap`` as ints.
    Raises ValueError when the model is not a learned-DI model of this
    contract version or its conditions differ from ``CONDITION_NAMES``.
    """
    meta = dict(metadata)
    if meta.get(META_KIND) != KIND:
        raise ValueError(f"not a learned difference-image model (metadata {META_KIND!r} is "
                         f"{meta.get(META_KIND)!r}, expected {KIND!r})")
    if meta.get(META_VERSION) != VERSION:
        raise ValueError(f"learned-DI model of contract version {meta.get(META_VERSION)!r}; this plugin "
                         f"reads version {VERSION!r}: retrain or update the plugin")
    out = md.parse_metadata(meta)
    inputs = out.get(META_INPUTS)
    if not isinstance(inputs, dict) or "acquisitions" not in inputs:
        raise ValueError(f"model metadata {META_INPUTS!r} is missing or lacks 'acquisitions'")
    if list(inputs.get("conditions", [])) != list(CONDITION_NAMES):
        raise ValueError(f"the model's conditions {inputs.get('conditions')} differ from this plugin's "
                         f"{list(CONDITION_NAMES)}")
    out["n_inputs"] = int(inputs["acquisitions"])
    for key, default in ((META_SIZE_MULTIPLE, SIZE_MULTIPLE), (META_TILE_SIZE, DEFAULT_TILE_SIZE),
                         (META_OVERLAP, DEFAULT_OVERLAP)):
        out[key] = int(meta.get(key, default))
    return out
