"""The I/O contract of coherence-from-intensity models (torch-free: numpy and the standard library only).

Tensor contract (float32; B, H, W dynamic, H and W multiples of the
metadata's ``size_multiple``):

- ``images`` (B, 2, H, W): the earlier and the later detected image of one
  pair (same polarisation and orbit, co-registered), sigma0 in dB. The graph
  clamps values to [DB_FLOOR, DB_CEIL] and normalises them; NaN is handled
  by the tiled runner (filled, output NaN there);
- ``baseline_days`` (B, 1), only in models trained with the temporal
  baseline as an input: days between the two acquisitions;
- ``weather`` (B, K), only in models trained with weather conditions: the
  ``WEATHER_NAMES`` of the pair (rain, snowfall and melt summed over the days
  after the first date up to the second, mm; wind speed on each acquisition
  day, m/s), raw values, NaN = unknown. With every value unknown the graph is
  exactly the model's unconditioned network (``architecture``); the metadata
  lists the conditions ("inputs" "conditions") and their trained ranges
  ("valid_ranges");
- ``coherence`` (B, 2, H, W): channel 0 the coherence magnitude (0-1),
  channel 1 its predicted standard deviation sigma (same units), from the
  log-variance head: sigma = s exp(log_variance / 2), s the sigma scale fitted on the validation pairs;
- ``coherence_correlation`` (B, 3, H, W), in models exported since it exists: the two channels of
  ``coherence`` and the 3 x 3 intensity-correlation coherence of the clamped inputs, which the window
  features of the graph compute anyway; the plugin's correction by the intensity correlation reads it
  instead of computing the correlation again (``inference.block_function``). Older models lack it and
  still work (the correlation is then computed in numpy).
"""
import csv
import math
import os

import numpy as np

from ..framework import metadata as md
from ..framework.typed_conditions import name_values

#: Value of the "sar_change.kind" metadata entry.
KIND = "coherence"
#: Contract version ("sar_change.version").
VERSION = "1"

INPUT_IMAGES = "images"
INPUT_BASELINE = "baseline_days"
INPUT_WEATHER = "weather"
OUTPUT = "coherence"
#: Output channels, in order.
OUTPUT_BANDS = ("coherence", "sigma")
#: Second output (models exported since the correction took its correlation from the graph): OUTPUT's
#: channels and the 3 x 3 intensity-correlation coherence of the window features (``architecture``).
OUTPUT_CORRELATED = "coherence_correlation"
OUTPUT_CORRELATED_BANDS = OUTPUT_BANDS + ("intensity correlation",)
#: Side (pixels) of the window of OUTPUT_CORRELATED's correlation (``architecture.REFINE_WINDOW``).
CORRELATION_WINDOW = 3

#: dB clamp of the inputs (linear power <= 10**(DB_FLOOR/10), 0 included, maps to the floor).
DB_FLOOR = -40.0
DB_CEIL = 20.0

#: Inference tiling recorded in the metadata (pixels).
DEFAULT_TILE_SIZE = 256
DEFAULT_OVERLAP = 32


#: Weather conditions of a pair, in the order of the ``weather`` input: the processes that reset temporal
#: decorrelation in ``core.simulator.coherence`` (RESET_LOSS, wind_factor) and the pair.csv columns it writes.
WEATHER_NAMES = ("rain_mm", "snowfall_mm", "melt_mm", "wind_1_m_s", "wind_2_m_s")
WEATHER_UNITS = ("mm", "mm", "mm", "m/s", "m/s")
WEATHER_DESCRIPTIONS = ("rain between the dates (days after the first up to the second)",
                        "snowfall between the dates (water equivalent)", "snow melt between the dates",
                        "wind speed on the first date", "wind speed on the second date")
#: Physical limits of each condition (units as WEATHER_UNITS): a value outside is an input error, not
#: weather (largest observed rainfall totals are ~2 m in a fortnight; the wind is a daily mean).
WEATHER_LIMITS = {"rain_mm": (0.0, 3000.0), "snowfall_mm": (0.0, 3000.0), "melt_mm": (0.0, 3000.0),
                  "wind_1_m_s": (0.0, 60.0), "wind_2_m_s": (0.0, 60.0)}
#: In-graph scaling of each known condition: (log1p(x) if WEATHER_LOG else x - WEATHER_OFFSET) / WEATHER_SCALE
#: (fixed, so that a model's conditioning does not hang on one stack's spread).
WEATHER_LOG = (True, True, True, False, False)
WEATHER_OFFSET = (0.0, 0.0, 0.0, 4.0, 4.0)
WEATHER_SCALE = (3.0, 3.0, 3.0, 3.0, 3.0)


def input_names(use_baseline, use_weather=False):
    """The graph's input names in forward order."""
    return ((INPUT_IMAGES,) + ((INPUT_BASELINE,) if use_baseline else ())
            + ((INPUT_WEATHER,) if use_weather else ()))


def weather_transform():
    """The "weather" entry of the normalisation metadata: names, units and the in-graph scaling."""
    return {"names": list(WEATHER_NAMES), "units": list(WEATHER_UNITS),
            "scaling": "(log1p(x) if log else x - offset) / scale; NaN = unknown",
            "log": list(WEATHER_LOG), "offset": list(WEATHER_OFFSET), "scale": list(WEATHER_SCALE)}


def weather_vector(values):
    """float32 (K,) of ``values`` ({condition: number, numeric string, '' or None}; missing = unknown, NaN).

    ValueError naming the condition for an unknown name, a value that is not
    a number or one outside its physical limits (WEATHER_LIMITS).
    """
    values = dict(values or {})
    unknown = sorted(set(values) - set(WEATHER_NAMES))
    if unknown:
        raise ValueError(f"unknown weather condition(s) {unknown}: use {list(WEATHER_NAMES)}")
    out = np.full(len(WEATHER_NAMES), np.nan, dtype=np.float32)
    for i, (name, units) in enumerate(zip(WEATHER_NAMES, WEATHER_UNITS)):
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"weather condition {name}: {value!r} is not a number ({units})") from None
        if math.isnan(number):
            continue
        lo, hi = WEATHER_LIMITS[name]
        if not lo <= number <= hi:
            raise ValueError(f"weather condition {name} = {number:g} {units} is outside its physical range "
                             f"[{lo:g}, {hi:g}] {units}")
        out[i] = number
    return out


def pair_weather(row):
    """``weather_vector`` of a pair.csv row (other columns ignored; missing columns unknown)."""
    return weather_vector({k: row.get(k) for k in WEATHER_NAMES})


def parse_weather(text):
    """{condition: value string} from typed-in ``name=value`` pairs (separated by commas, semicolons or
    lines) or the path of a CSV whose first row holds the conditions (a simulator pair.csv); {} for
    empty text. ValueError naming what cannot be read."""
    text = "" if text is None else str(text).strip()
    if not text:
        return {}
    if "=" not in text and os.path.isfile(text):
        with open(text, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        if not rows:
            raise ValueError(f"the weather table {text} has no row")
        found = {k: rows[0][k] for k in WEATHER_NAMES if k in rows[0]}
        if not found:
            raise ValueError(f"the weather table {text} has none of the columns {list(WEATHER_NAMES)}")
        return found
    return name_values(text.replace(";", ",").replace("\n", ","),
                       f"rain_mm=12.5 (names {', '.join(WEATHER_NAMES)})")


def to_db(linear, floor_db=DB_FLOOR):
    """Linear power -> dB (float32); values <= 10**(floor_db/10) give ``floor_db``; NaN stays NaN."""
    x = np.asarray(linear, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 10.0 * np.log10(np.maximum(x, np.float32(10.0 ** (floor_db / 10.0))))
    return out.astype(np.float32)


def input_specs(use_baseline, use_weather=False):
    specs = [md.tensor_spec(INPUT_IMAGES, "BCHW", bands=["date_1", "date_2"], scale="dB", units="dB",
                            valid_range=[DB_FLOOR, DB_CEIL],
                            description="earlier and later detected image of one pair, sigma0 dB")]
    if use_baseline:
        specs.append(md.tensor_spec(INPUT_BASELINE, "BC", units="days",
                                    description="temporal baseline of the pair"))
    if use_weather:
        specs.append(md.tensor_spec(INPUT_WEATHER, "BC", bands=list(WEATHER_NAMES),
                                    units=", ".join(WEATHER_UNITS),
                                    description="weather of the pair: " + "; ".join(
                                        f"{n}: {d}" for n, d in zip(WEATHER_NAMES, WEATHER_DESCRIPTIONS))
                                    + "; NaN = unknown"))
    return specs


def output_specs():
    return [md.tensor_spec(OUTPUT, "BCHW", bands=list(OUTPUT_BANDS), units="coherence magnitude",
                           valid_range=[0.0, 1.0],
                           description="coherence (sigmoid head) and its predicted standard deviation "
                                       "(exp of half the log-variance head, times the fitted sigma scale)"),
            md.tensor_spec(OUTPUT_CORRELATED, "BCHW", bands=list(OUTPUT_CORRELATED_BANDS),
                           units="coherence magnitude", valid_range=[0.0, 1.0],
                           description=f"the {OUTPUT!r} channels and the intensity-correlation coherence "
                                       "sqrt(clip(Pearson correlation, 0, 1)) of the two dates' intensities "
                                       f"(clamped dB inputs) over {CORRELATION_WINDOW} x "
                                       f"{CORRELATION_WINDOW} pixels, the pixels inside the tile at its "
                                       "borders")]


def correlation_output(model):
    """True when a loaded model (``TiledModel``) has the OUTPUT_CORRELATED output."""
    return any(spec.name == OUTPUT_CORRELATED for spec in model.outputs)


def uses_baseline(model):
    """True when a loaded model (``TiledModel``) takes the temporal baseline as an input."""
    return any(spec.name == INPUT_BASELINE for spec in model.inputs)


def uses_weather(model):
    """True when a loaded model (``TiledModel``) takes the weather conditions as an input."""
    return any(spec.name == INPUT_WEATHER for spec in model.inputs)
