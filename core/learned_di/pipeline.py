"""Learned difference images: apply a trained learned-DI ONNX model to a SAR stack (numpy + GDAL).

Alatalo, Sipola & Rantonen (2023), "Improved difference images for change
detection classifiers in SAR imagery using deep learning", IEEE TGRS 61:
instead of differencing the target image with one earlier image, a network
predicts the target's backscatter from the N earlier acquisitions, the DEM and
the acquisition conditions (weather, orbit, incidence, platform). What the
history and the conditions explain (seasons, rain, frozen soil, geometry) is
then absent from

    learned DI_b = actual dB_b - predicted dB_b          (per band b, dB)
    learned DI norm = sqrt(sum_b learned DI_b^2)          (dB)

the latter being the multi-band (VV, VH) Euclidean difference image of the
paper. With ``centre`` (the default) each residual band is first centred on
its scene median, ``DI_b = actual - predicted - median_scene(actual -
predicted)``: a bias of the prediction over the whole scene (calibration,
weather or wetness the conditions do not explain) would otherwise raise the
norm everywhere and rank pixels worse; the subtracted offsets (dB per band)
are returned and written in the outputs' metadata (``centring.OFFSET_ITEM``).
The conventional difference image they compare with is the Euclidean
norm of the dB differences between the target and one earlier reference
acquisition chosen by their "method 1" (same orbit direction, closest mean
incidence; ``core.change.difference.choose_reference``).

The I/O contract of the models (tensor names and layouts, condition vector,
metadata) is ``models.learned_di.schema``; a local copy of the few parts used
here stands in when that module cannot be imported. Nothing here imports
torch or QGIS: only numpy, GDAL and onnxruntime (through
``models.tiled_inference``).

Stack: an acquisitions CSV in the simulator's format (``core.simulator.stack``:
date, platform, orbit_direction, heading_deg, mean_incidence_deg,
temperature_c, precip_mm, precip_3day_mm, snow_depth_m, ..., file), the
files named relative to the CSV, each a GeoTIFF with bands VV and VH (band
descriptions; without descriptions bands 1 and 2), linear power by default.
The DEM (metres) defaults to dem.tif beside the CSV. Every raster must be on
the target's grid (run sarchange:coregister first).

Memory: ``stream_learned_di`` (the Processing algorithm, and
``learned_di_from_stack`` with ``outputs``) streams every raster through the
block engine: blocks of ``STREAM_BLOCK`` pixels with a halo, each run
through the tiled model as one tile, so memory is bounded by the block
(about 0.6 GB for the shipped model, mostly onnxruntime's activations)
whatever the scene size.
``run_learned_di`` holds the whole scene in memory (about 8N + 30 bytes per
pixel while the model runs, 40 afterwards: e.g. 4 GB for 8000 x 8000 pixels
and N = 4) and returns arrays; ``MAX_PIXELS`` (8000 x 8000) is the largest
scene it accepts.
"""
import csv
import datetime as _dt
import functools
import math
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from ...models.framework.typed_conditions import name_values
from ...models.learned_di import schema
from ..change import difference
from ..change.evaluation import grid_mismatch
from ..engine import scale as scales
from ..engine import validation
from ..engine.progress import progress_range
from ..engine.raster_blocks import (
    OutputRaster,
    RasterError,
    gdal_cache_budget,
    geotiff_options,
    map_raster_outputs,
    read_array,
    read_info,
    stack_vrt,
    write_array,
)
from . import centring

#: Largest scene (pixels) computed in one piece; see the module docstring for the memory.
MAX_PIXELS = 8000 * 8000
#: The model shipped with the plugin (absent until one is trained and copied there).
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "models",
                             "learned_di.onnx")
#: Columns an acquisitions CSV needs here.
STACK_COLUMNS = ("date", "platform", "orbit_direction", "heading_deg", "mean_incidence_deg",
                 "temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m", "file")
TRAIN_HINT = "train one with 'Train learned difference image model' (sarchange:trainlearneddi)"


SCHEMA = schema  # the ONNX I/O contract (torch-free, QGIS side)
BANDS = tuple(SCHEMA.BANDS)
CONDITION_NAMES = tuple(SCHEMA.CONDITION_NAMES)


class ModelMismatch(ValueError):
    """The model does not fit the data (or is no learned-DI model); the message gives the fix."""


@dataclass
class LearnedDiResult:
    """Outputs of one learned-DI run (float32, NaN = no data).

    ``predicted``, ``actual``, ``di``: (bands, rows, cols) in dB; ``di_norm``
    and ``conventional`` (None unless asked): (rows, cols) in dB. ``target``,
    ``inputs`` (oldest first), ``reference``: acquisition rows (dicts, with
    ``path``). ``grid_path``: the raster whose grid and CRS the outputs
    share (the target). ``model``: the model's parsed metadata summary.
    ``offsets``: {band: dB} subtracted from each residual band (its scene
    median) when the DI is centred, else None (``di`` is then actual - predicted).
    """

    predicted: np.ndarray
    actual: np.ndarray
    di: np.ndarray
    di_norm: np.ndarray
    conventional: object = None
    bands: tuple = BANDS
    target: dict = field(default_factory=dict)
    inputs: list = field(default_factory=list)
    reference: object = None
    grid_path: str = ""
    model: dict = field(default_factory=dict)
    written: dict = field(default_factory=dict)
    offsets: object = None


# --- Stack ---------------------------------------------------------------------------------------


def iso_date(value):
    """'YYYY-MM-DD' of a date, datetime or text ('2020-03-15', '2020-03-15T06:00', '20200315')."""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    for fmt, length in (("%Y-%m-%d", 10), ("%Y%m%d", 8)):
        try:
            return _dt.datetime.strptime(text[:length], fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"cannot read the date {value!r}: use YYYY-MM-DD")


def read_stack(csv_path):
    """Rows of an acquisitions CSV as dicts sorted by date (stable), each with ``path`` (absolute).

    Files are resolved relative to the CSV's folder. Raises ValueError naming the
    CSV when it is empty, lacks a column of ``STACK_COLUMNS`` or names a
    missing file.
    """
    csv_path = os.fspath(csv_path)
    if not os.path.isfile(csv_path):
        raise ValueError(f"acquisitions table {csv_path} does not exist: give the acquisitions.csv of "
                         "a stack")
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        rows = [dict(r) for r in csv.DictReader(handle)]
    if not rows:
        raise ValueError(f"acquisitions table {csv_path} has no rows")
    missing = [c for c in STACK_COLUMNS if c not in rows[0]]
    if missing:
        raise ValueError(f"acquisitions table {csv_path} lacks the column(s) {missing}; it needs "
                         f"{list(STACK_COLUMNS)} (the format written by sarchange:simulatestack)")
    folder = os.path.dirname(os.path.abspath(csv_path))
    for row in rows:
        row["date"] = iso_date(row["date"])
        path = os.path.join(folder, row["file"].strip())
        if not os.path.isfile(path):
            raise ValueError(f"acquisitions table {csv_path} names {row['file']!r}, which does not exist "
                             f"beside it ({path}): fix the file column or move the images")
        row["path"] = path
    rows.sort(key=lambda r: r["date"])
    return rows


def target_index(rows, target_date=None):
    """Index of the target acquisition among date-sorted ``rows``.

    ``target_date``: None or '' for the newest acquisition, else 'YYYY-MM-DD',
    optionally followed by an orbit direction ('2020-03-15 descending') to pick
    one of two acquisitions on one day. ValueError listing the dates otherwise.
    """
    if target_date is None or not str(target_date).strip():
        return len(rows) - 1
    parts = str(target_date).replace(",", " ").split()
    date = iso_date(parts[0])
    orbit = parts[1].lower() if len(parts) > 1 else None  # 'ascending'/'asc'/'a', 'descending'/'dsc'/'d'
    found = [i for i, r in enumerate(rows) if r["date"] == date
             and (orbit is None or str(r.get("orbit_direction", "")).lower()[:1] == orbit[:1])]
    if not found:
        dates = ", ".join(r["date"] for r in rows)
        raise ValueError(f"no acquisition on {date}{' ' + orbit if orbit else ''}; the stack has: {dates}")
    if len(found) > 1:
        orbits = [rows[i].get("orbit_direction", "?") for i in found]
        raise ValueError(f"{len(found)} acquisitions on {date} ({', '.join(orbits)}): give the target as "
                         f"'{date} <orbit direction>', e.g. '{date} {orbits[0]}'")
    return found[0]


def input_indices(rows, target, n_inputs):
    """Indices of the ``n_inputs`` most recent acquisitions before ``rows[target]``, oldest first.

    Acquisitions on the target's own date are not used. ValueError with the fix
    when fewer exist.
    """
    chosen = SCHEMA.select_inputs([r["date"] for r in rows], target, int(n_inputs))
    if chosen is None:
        earlier = sum(1 for r in rows if r["date"] < rows[target]["date"])
        raise ValueError(f"only {earlier} acquisition(s) before the target {rows[target]['date']}, but the "
                         f"model needs {n_inputs}: pick a later target date or a model trained with fewer "
                         "earlier acquisitions")
    return list(chosen)


# --- Conditions ----------------------------------------------------------------------------------


def condition_vector(row):
    """Condition vector (float32, ``CONDITION_NAMES`` order) of an acquisition row.

    A row holding every condition name (typed-in values) is used as is; a row
    with acquisitions.csv columns goes through the schema's ``condition_vector``.
    """
    if all(name in row for name in CONDITION_NAMES):
        values = []
        for name in CONDITION_NAMES:
            text = str(row[name]).strip()
            values.append(float(text) if text else math.nan)
        return np.asarray(values, dtype=np.float32)
    return np.asarray(SCHEMA.condition_vector(row), dtype=np.float32)


def condition_array(rows):
    """(len(rows), C) float32 condition vectors of ``rows``; ValueError naming the row that fails."""
    out = []
    for i, row in enumerate(rows):
        try:
            out.append(condition_vector(row))
        except ValueError as exc:
            raise ValueError(f"conditions of acquisition {row.get('date') or i + 1}: {exc}") from exc
    return np.stack(out).astype(np.float32)


def parse_conditions(text, count, paths=None):
    """Acquisition rows (dicts) from a conditions CSV path or typed-in text; exactly ``count`` rows.

    A CSV (a path to an existing file) has acquisitions.csv columns; with a
    ``file`` column and ``paths`` given, rows are matched to the rasters by
    file name, else taken in order. Typed text has one acquisition per line
    (or separated by ';'): either ``name=value`` pairs separated by commas
    (acquisitions.csv column names, e.g. ``date=2020-03-03, platform=S1A,
    orbit_direction=ascending, heading_deg=349, mean_incidence_deg=37.5,
    temperature_c=2.1, precip_mm=0, precip_3day_mm=4.2, snow_depth_m=0``) or the
    C condition values in ``CONDITION_NAMES`` order separated by commas or
    spaces. Order: the earlier acquisitions oldest first, then the target.
    """
    text = "" if text is None else str(text).strip()
    if not text:
        raise ValueError(f"no conditions given: give a CSV or {count} lines of values (the earlier "
                         "acquisitions oldest first, then the target)")
    if "\n" not in text and os.path.isfile(text):
        with open(text, newline="", encoding="utf-8-sig") as handle:
            rows = [dict(r) for r in csv.DictReader(handle)]
        if paths is not None and rows and "file" in rows[0]:
            by_name = {os.path.basename(str(r["file"]).strip()): r for r in rows}
            names = [os.path.basename(os.fspath(p)) for p in paths]
            if all(n in by_name for n in names):
                return [by_name[n] for n in names]
        source = f"conditions table {text}"
    else:
        rows = []
        for line in text.replace(";", "\n").splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" in line:
                row = name_values(line, "date=2020-03-03, temperature_c=2.1")
            else:
                values = line.replace(",", " ").split()
                if len(values) != len(CONDITION_NAMES):
                    raise ValueError(f"the conditions line {line!r} has {len(values)} value(s); give "
                                     f"{len(CONDITION_NAMES)} in the order {list(CONDITION_NAMES)} or "
                                     "name=value pairs")
                row = dict(zip(CONDITION_NAMES, values))
            rows.append(row)
        source = "the typed-in conditions"
    if len(rows) != count:
        raise ValueError(f"{source} hold {len(rows)} acquisition(s); give {count}: one per earlier "
                         "acquisition (oldest first), then the target")
    return rows


# --- Model ---------------------------------------------------------------------------------------


def _names_phrase(expected, given):
    parts = validation.name_list_differences(expected, given)
    if not parts:
        parts.append(f"in another order ({list(given)} against {list(expected)})")
    return "; ".join(parts)


def open_model(model=None, threads=2):
    """Load a learned-DI model (path, bytes or a ``TiledModel``; None: the shipped one) and check it.

    Returns the ``TiledModel`` with ``learned_di`` set to ``check_model``'s summary.
    """
    from ...models.tiled_inference import TiledModel

    if model is None:
        if not os.path.isfile(SHIPPED_MODEL):
            raise ModelMismatch(f"no model given and no shipped model at {SHIPPED_MODEL}: {TRAIN_HINT}, "
                                "then give it as the model")
        model = SHIPPED_MODEL
    if not isinstance(model, TiledModel):
        if not isinstance(model, (bytes, bytearray)) and not os.path.isfile(os.fspath(model)):
            raise ModelMismatch(f"model {os.fspath(model)} does not exist: check the path or {TRAIN_HINT}")
        try:
            model = TiledModel(model, threads=threads)
        except ValueError as exc:
            raise ModelMismatch(f"{exc}: give a learned-DI .onnx model ({TRAIN_HINT})") from exc
    model.learned_di = check_model(model)
    return model


def check_model(model, n_inputs=None, bands=None):
    """Check a ``TiledModel`` against the learned-DI contract (and the data); return a summary dict.

    ``n_inputs``: earlier acquisitions given (None: not checked). ``bands``:
    polarisations the data provide, in order (None: not checked). Raises ModelMismatch naming what
    differs and the fix. Summary keys: n_inputs, bands, conditions,
    size_multiple, tile_size, overlap, source, plus 'training', 'metrics',
    'architecture' as stored.
    """
    meta, src = model.metadata, model.source
    kind = meta.get(SCHEMA.META_KIND)
    if kind != SCHEMA.KIND:
        raise ModelMismatch(f"{src} is not a learned difference-image model (metadata "
                            f"{SCHEMA.META_KIND!r} is {kind!r}, expected {SCHEMA.KIND!r}): {TRAIN_HINT}")
    version = model.metadata_raw.get(SCHEMA.META_VERSION)
    if version != SCHEMA.VERSION:
        raise ModelMismatch(f"{src} follows learned-DI contract version {version!r}; this plugin reads "
                            f"version {SCHEMA.VERSION!r}: retrain the model or update the plugin")
    info = meta.get(SCHEMA.META_INPUTS)
    if not isinstance(info, dict) or "acquisitions" not in info:
        raise ModelMismatch(f"{src}: metadata {SCHEMA.META_INPUTS!r} is missing or lacks 'acquisitions': "
                            f"the file is damaged or not exported by this plugin; {TRAIN_HINT}")
    n = int(info["acquisitions"])
    conditions = list(info.get("conditions", []))
    if conditions != list(CONDITION_NAMES):
        raise ModelMismatch(
            f"{src} uses the conditions {conditions}, this plugin provides {list(CONDITION_NAMES)} "
            f"({_names_phrase(CONDITION_NAMES, conditions)}): retrain the model with this plugin version")
    model_bands = [str(b).upper() for b in info.get("bands", BANDS)]
    if bands is not None and [b.upper() for b in bands] != model_bands:
        raise ModelMismatch(
            f"{src} needs the bands {model_bands} per acquisition, the data have {list(bands)}: give "
            f"rasters with {' and '.join(model_bands)} (band descriptions), or a model trained on "
            f"{list(bands)}")
    if str(info.get("scale", "dB")).lower() != "db" or str(info.get("dem_units", "m")).lower() != "m":
        raise ModelMismatch(f"{src} expects images in {info.get('scale')!r} and the DEM in "
                            f"{info.get('dem_units')!r}; this plugin feeds dB and metres: {TRAIN_HINT}")
    order = str(info.get("order", "oldest first")).lower()
    if order.startswith("newest"):
        raise ModelMismatch(f"{src} takes its inputs {order!r}; this plugin feeds them oldest first: "
                            f"{TRAIN_HINT}")
    names = {s.name: s for s in model.inputs}
    wanted = (SCHEMA.INPUT_IMAGES, SCHEMA.INPUT_DEM, SCHEMA.INPUT_CONDITIONS)
    if any(w not in names for w in wanted) or SCHEMA.OUTPUT not in [s.name for s in model.outputs]:
        raise ModelMismatch(f"{src} has inputs {list(names)} and outputs {[s.name for s in model.outputs]}; "
                            f"a learned-DI model has inputs {list(wanted)} and output {SCHEMA.OUTPUT!r}: "
                            f"{TRAIN_HINT}")
    channels = names[SCHEMA.INPUT_IMAGES].shape[1]
    if channels is not None and channels != len(model_bands) * n:
        raise ModelMismatch(f"{src}: its metadata say {n} acquisitions of {len(model_bands)} bands but its "
                            f"'images' input has {channels} channels: the file is inconsistent; {TRAIN_HINT}")
    cond_shape = names[SCHEMA.INPUT_CONDITIONS].shape[1:]
    if any(d is not None and d != e for d, e in zip(cond_shape, (n + 1, len(CONDITION_NAMES)))):
        raise ModelMismatch(f"{src}: its 'conditions' input is {names[SCHEMA.INPUT_CONDITIONS].describe()}, "
                            f"expected (?, {n + 1}, {len(CONDITION_NAMES)}); {TRAIN_HINT}")
    if n_inputs is not None and int(n_inputs) != n:
        raise ModelMismatch(f"{src} predicts from {n} earlier acquisitions but {n_inputs} were given: give "
                            f"exactly {n} (oldest first), or use a model trained with --inputs {n_inputs}")
    return dict(n_inputs=n, bands=tuple(model_bands), conditions=tuple(conditions),
                size_multiple=model.size_multiple, tile_size=model.tile_size, overlap=model.overlap,
                source=src, training=meta.get("training"), metrics=meta.get("metrics"),
                architecture=meta.get("architecture"))


# --- Rasters -------------------------------------------------------------------------------------


def band_numbers(info, bands=BANDS):
    """1-based band numbers of ``bands`` (e.g. VV, VH) in a raster, by description.

    Without band descriptions, bands 1..len(bands) are taken when the raster
    has exactly that many. RasterError naming the raster and the fix otherwise.
    """
    described = [d.strip().upper() for d in info.descriptions]
    wanted = [b.upper() for b in bands]
    if all(w in described for w in wanted):
        return [described.index(w) + 1 for w in wanted]
    if not any(described) and info.bands == len(wanted):
        return list(range(1, len(wanted) + 1))
    raise RasterError(f"raster {info.path} has the bands {list(info.descriptions) or info.bands} but the "
                      f"model needs {list(bands)}: give rasters whose bands are described as "
                      f"{' and '.join(bands)} (or have exactly {len(bands)} bands in that order)")


def read_db(path, bands=BANDS, scale=scales.LINEAR_POWER, out=None):
    """The ``bands`` of a raster in dB, float32 (len(bands), rows, cols), NaN = no data.

    ``scale``: how the raster is stored (``core.engine.scale``); linear power and
    amplitude go through the schema's ``to_db`` (power at or below its
    -50 dB floor, zero included, is set to the floor). ``out``: an array of
    that shape to fill (saves a copy of the stack); returned.
    """
    info = read_info(path)
    numbers = band_numbers(info, bands)
    if out is None:
        out = np.empty((len(numbers), info.ysize, info.xsize), dtype=np.float32)
    for i, b in enumerate(numbers):
        values = read_array(path, b)
        if scale == scales.DB:
            out[i] = values
        else:
            out[i] = SCHEMA.to_db(scales.to_linear_power(values, scale))
    return out


def check_grids(target_path, others, limit=True):
    """Raise RasterError unless every raster of ``others`` (path, role) is on the target's grid.

    ``limit``: also refuse scenes above ``MAX_PIXELS`` (the whole-image run; the streamed one has no limit).
    """
    ref = read_info(target_path)
    if limit and ref.xsize * ref.ysize > MAX_PIXELS:
        raise RasterError(f"{target_path} has {ref.xsize} x {ref.ysize} pixels, more than the "
                          f"{MAX_PIXELS} handled in one piece (about {MAX_PIXELS ** 0.5:.0f} x "
                          f"{MAX_PIXELS ** 0.5:.0f}): clip the stack into smaller parts")
    for path, role in others:
        problem = grid_mismatch(read_info(path), ref)
        if problem:
            fix = ("resample the DEM onto the target's grid (e.g. gdalwarp -te/-tr, or Align rasters)"
                   if role == "DEM" else "coregister the stack onto one grid (sarchange:coregister)")
            raise RasterError(f"{role} {path} is not on the grid of the target {target_path}: {problem}; "
                              f"{fix}")
    return ref


# --- Learned DI ----------------------------------------------------------------------------------




def euclidean_norm(values):
    """sqrt of the sum of squares over axis 0 (bands), float32; NaN where any band is NaN."""
    values = np.asarray(values, dtype=np.float32)
    return np.sqrt(np.sum(np.square(values), axis=0, dtype=np.float32)).astype(np.float32)


def _prepare(model, input_paths, target_path, dem_path, conditions, reference_path, threads, limit):
    """Checks shared by the whole-image and the streamed learned DI: (model, paths, bands, cond, rows)."""
    model = model if getattr(model, "learned_di", None) else open_model(model, threads)
    input_paths = [os.fspath(p) for p in input_paths]
    check_model(model, n_inputs=len(input_paths))
    bands = model.learned_di["bands"]
    if isinstance(conditions, np.ndarray):
        cond = np.asarray(conditions, dtype=np.float32)
        rows = None
    else:
        rows = list(conditions)
        cond = condition_array(rows)
    if cond.shape != (len(input_paths) + 1, len(CONDITION_NAMES)):
        raise ValueError(f"{cond.shape[0]} condition vector(s) of {cond.shape[-1]} values given; the model "
                         f"needs {len(input_paths) + 1} of {len(CONDITION_NAMES)} (inputs oldest first, "
                         "then the target)")
    others = [(p, "input") for p in input_paths] + [(os.fspath(dem_path), "DEM")]
    if reference_path is not None:
        others.append((os.fspath(reference_path), "reference"))
    check_grids(target_path, others, limit=limit)
    for path in input_paths + [os.fspath(target_path)]:
        band_numbers(read_info(path), bands)
    # The conditions are the same for every tile of the scene: fixed in the graph, onnxruntime folds the
    # condition network and the FiLM modulations into the convolutions once (TiledModel.specialised).
    model = model.specialised({SCHEMA.INPUT_CONDITIONS: cond})
    return model, input_paths, bands, cond, rows


#: Centre each residual band on its scene median by default: chosen on the validation stacks only
#: (seeds 2027/2028 of benchmarks/transfer.py, never the test stacks or the demo), where it raised the
#: shipped model's pooled AUC at -2.5 dB blobs from 0.586 to 0.648 (winter) and 0.632 to 0.657 (summer).
CENTRE_DEFAULT = True


def run_learned_di(model, input_paths, target_path, dem_path, conditions, scale=scales.LINEAR_POWER,
                   reference_path=None, threads=2, tile=None, overlap=None, batch=4, progress=None,
                   is_canceled=None, centre=CENTRE_DEFAULT):
    """Learned DI of ``target_path`` given its earlier acquisitions ``input_paths`` (oldest first).

    ``model``: path, bytes or ``TiledModel`` (None: the shipped model).
    ``dem_path``: elevation in metres on the target's grid. ``conditions``:
    N + 1 acquisition rows (dicts, see ``condition_vector``) or an (N + 1, C)
    array: the inputs' then the target's. ``scale``: how the images are
    stored (``core.engine.scale``). ``reference_path``: when given, also the
    conventional DI (Euclidean norm of dB differences, target against it).
    ``tile``, ``overlap``, ``batch``: tiling (pixels; None: the model's).
    ``centre``: subtract each residual band's exact scene median before the
    norm (``core.learned_di.centring``; the offsets go to ``result.offsets``).
    Raises ModelMismatch, RasterError or ValueError with the fix;
    core.engine.raster_blocks.Cancelled on cancel.
    """
    model, input_paths, bands, cond, rows = _prepare(model, input_paths, target_path, dem_path, conditions,
                                                     reference_path, threads, limit=True)
    grid = read_info(target_path)
    nb = len(bands)
    images = np.empty((nb * len(input_paths), grid.ysize, grid.xsize), dtype=np.float32)
    for k, path in enumerate(input_paths):
        read_db(path, bands, scale, out=images[nb * k:nb * (k + 1)])
    dem = read_array(dem_path, 1)[None]
    if progress is not None:
        progress(5.0)
    predicted = model.predict({SCHEMA.INPUT_IMAGES: images, SCHEMA.INPUT_DEM: dem,
                               SCHEMA.INPUT_CONDITIONS: cond}, tile=tile, overlap=overlap, batch=batch,
                              progress=progress_range(progress, 5.0, 90.0), is_canceled=is_canceled,
                              output=SCHEMA.OUTPUT)
    del images, dem
    actual = read_db(target_path, bands, scale)
    di = (actual - predicted).astype(np.float32)
    offsets = None
    if centre:
        step = max(1, centring.CHUNK_PIXELS // max(1, grid.xsize))  # strips: no whole-scene temporaries
        medians = centring.exact_nanmedians(lambda: (di[:, y:y + step] for y in range(0, grid.ysize, step)),
                                            nb, is_canceled)
        di = (di - centring.offsets_array(medians)).astype(np.float32)
        offsets = centring.offsets_dict(bands, medians)
    di_norm = euclidean_norm(di)
    conventional = None
    if reference_path is not None:
        # sqrt(sum_b (dB_target - dB_reference)^2): difference.euclidean_db with the schema's dB floor.
        conventional = euclidean_norm(actual - read_db(reference_path, bands, scale))
    if progress is not None:
        progress(100.0)
    return LearnedDiResult(predicted=predicted, actual=actual, di=di, di_norm=di_norm,
                           conventional=conventional, bands=tuple(bands),
                           inputs=[dict(r) for r in rows[:-1]] if rows else [],
                           target=dict(rows[-1]) if rows else {}, grid_path=os.fspath(target_path),
                           model=dict(model.learned_di), offsets=offsets)


#: Block side (pixels) of the streamed learned DI: each block plus its halo is one model tile.
#: 768 + 2 x 32 = 832 px tiles: onnxruntime holds about 0.5 GB of activations for the shipped
#: model (1088 px tiles: 0.9 GB, same throughput), the halo costs (832 / 768)^2 = 1.17x.
STREAM_BLOCK = 768
#: GDAL block cache of the streamed DI's passes (MiB; the engine's default is 256): onnxruntime holds the
#: model's activations beside it, and a block's rasters are read once (its halo tiles again, whatever the
#: cache: one row of tiles of the eleven bands of a full scene is larger than 256 MiB).
STREAM_CACHE_MB = 64
#: Output names of ``stream_learned_di`` in band order, with their band descriptions.
OUTPUT_NAMES = ("predicted", "di", "di_norm", "conventional")


def _descriptions(name, bands):
    return {"predicted": [f"{b} predicted (dB)" for b in bands],
            "di": [f"{b} learned DI (dB)" for b in bands],
            "di_norm": ["learned DI Euclidean norm (dB)"],
            "conventional": ["conventional DI Euclidean norm (dB)"]}[name]


def stream_halo(model, overlap=None):
    """Halo per block side (pixels): the overlap (default the model's), rounded up to the size multiple.

    A block is predicted with this many pixels of real neighbours around it,
    so the zero padding the network sees at the block edge lies this far
    from the written core, as between blended tiles of the whole-image run.
    """
    overlap = model.overlap if overlap is None else int(overlap)
    m = model.size_multiple
    return -(-max(0, overlap) // m) * m


def stream_learned_di(model, input_paths, target_path, dem_path, conditions, outputs,
                      scale=scales.LINEAR_POWER, reference_path=None, threads=2, tile=None, overlap=None,
                      batch=4, block=None, progress=None, is_canceled=None, centre=CENTRE_DEFAULT):
    """Learned DI written to files block by block: memory bounded by the block, any scene size.

    Same inputs as ``run_learned_di``; ``outputs``: {name: path} with names
    from ``OUTPUT_NAMES`` ('conventional' needs ``reference_path``). Every
    raster is stacked in one VRT and read by the block engine
    (``core.engine.raster_blocks.map_raster_outputs``) in blocks of ``block`` pixels
    with a halo of ``stream_halo`` pixels; each block (halo included) goes
    through the tiled runner with ``tile`` (default: the whole block and halo,
    one tile), ``overlap`` and ``batch``; the reader (which also takes the
    images to dB), the model and the writer overlap. The result equals ``run_learned_di`` exactly for a model
    whose output at a pixel depends on that pixel only, and within the
    blending tolerance of the tiled runner otherwise (the block edge plays
    the part of a tile edge; tests/test_learned_di_stream.py measures it).
    ``centre`` (when 'di' or 'di_norm' is asked): the model's pass writes
    the raw residual to a temporary file beside the first output; its exact
    per-band median is taken from that file in two chunked reads
    (``centring.exact_nanmedians``, bounded memory, independent of the
    blocks), then a second pass without the model writes the centred DI and
    its norm, tagged with the offsets. Returns a LearnedDiResult whose arrays
    are None, with ``written`` ({name: path}), ``offsets`` and
    ``block``/``halo`` in ``model``.
    """
    model, input_paths, bands, cond, rows = _prepare(model, input_paths, target_path, dem_path, conditions,
                                                     reference_path, threads, limit=False)
    unknown = sorted(set(outputs) - set(OUTPUT_NAMES))
    if unknown:
        raise ValueError(f"unknown learned-DI output(s) {unknown}; expected some of {list(OUTPUT_NAMES)}")
    if outputs.get("conventional") and reference_path is None:
        raise ValueError("the conventional DI output needs a reference acquisition")
    nb = len(bands)
    rasters = input_paths + [os.fspath(dem_path), os.fspath(target_path)]
    if reference_path is not None:
        rasters.append(os.fspath(reference_path))
    offsets, vrt_bands = 0, []
    for k, path in enumerate(rasters):
        info = read_info(path)
        vrt_bands.append([offsets + b for b in ([1] if k == len(input_paths) else band_numbers(info, bands))])
        offsets += info.bands
    read_bands = [b for group in vrt_bands for b in group]
    n_img = nb * len(input_paths)
    halo = stream_halo(model, overlap)
    block = STREAM_BLOCK if block is None else int(block)
    block = max(model.size_multiple, block // model.size_multiple * model.size_multiple)
    tile = block + 2 * halo if tile is None else int(tile)
    names = {"images": SCHEMA.INPUT_IMAGES, "dem": SCHEMA.INPUT_DEM, "cond": SCHEMA.INPUT_CONDITIONS}

    def to_db(values):  # SCHEMA.to_db leaves its input alone: linear power goes in without a copy
        if scale == scales.DB:
            return values
        return SCHEMA.to_db(values if scale == scales.LINEAR_POWER else scales.to_linear_power(values, scale))

    def in_db(data):  # on the block engine's reader thread, beside the model's run on the previous block
        if scale != scales.DB:
            data[:n_img] = to_db(data[:n_img])
            data[n_img + 1:] = to_db(data[n_img + 1:])  # the target and the reference; the DEM stays in m
        return data

    def func(data):
        images, dem = data[:n_img], data[n_img:n_img + 1]
        actual = data[n_img + 1:n_img + 1 + nb]
        rows_, cols_ = data.shape[1:]
        if np.isfinite(images).all(axis=0).any() and np.isfinite(dem).any():
            predicted = model.predict({names["images"]: images, names["dem"]: dem, names["cond"]: cond},
                                      tile=tile, overlap=overlap, batch=batch, output=SCHEMA.OUTPUT,
                                      is_canceled=is_canceled)
        else:  # a block of no data only: nothing to run
            predicted = np.full((nb, rows_, cols_), np.nan, np.float32)
        di = (actual - predicted).astype(np.float32)
        parts = [predicted, di] if centring_pass else [predicted, di, euclidean_norm(di)[None]]
        if reference_path is not None:
            parts.append(euclidean_norm(actual - data[n_img + 1 + nb:])[None])
        return np.concatenate(parts)

    centring_pass = bool(centre) and bool(outputs.get("di") or outputs.get("di_norm"))
    counts = {"predicted": nb, "di": nb, "di_norm": 0 if centring_pass else 1,
              "conventional": 1 if reference_path is not None else 0}
    scratch = None
    if centring_pass:
        first = next(os.fspath(p) for p in outputs.values() if p)
        folder = os.path.dirname(os.path.abspath(first))  # the outputs' disk has room for one more
        scratch = tempfile.TemporaryDirectory(prefix="learned_di_", dir=folder)
        paths = dict(outputs, di=os.path.join(scratch.name, "residual.tif"))
    else:
        paths = outputs
    targets = [OutputRaster(paths.get(name), counts[name], _descriptions(name, bands))
               for name in OUTPUT_NAMES if counts[name]]
    # A first pass that writes the temporary residual only: uncompressed (float noise hardly compresses,
    # and compressing it once then decompressing it at each of the centring's three reads costs CPU time).
    scratch_only = centring_pass and not any(outputs.get(n) for n in ("predicted", "conventional"))
    options = geotiff_options(compress="NONE") if scratch_only else None
    vrt = stack_vrt(rasters)
    offsets = None
    try:
        try:
            first_pass = progress_range(progress, 0.0, 90.0) if centring_pass else progress
            with gdal_cache_budget(STREAM_CACHE_MB):
                map_raster_outputs(vrt, targets, func, halo, bands=read_bands, block=block, threads=1,
                                   progress=first_pass, is_canceled=is_canceled, creation_options=options,
                                   prepare=in_db)
        finally:
            from osgeo import gdal

            gdal.Unlink(vrt)
        if centring_pass:
            try:
                offsets = _write_centred(paths["di"], outputs, bands, block, progress, is_canceled)
            except BaseException:  # a failure or cancel leaves no output: drop those of the first pass
                for name in ("predicted", "conventional"):
                    if outputs.get(name) and os.path.isfile(outputs[name]):
                        os.remove(outputs[name])
                raise
    finally:
        if scratch is not None:
            scratch.cleanup()
    summary = dict(model.learned_di, block=block, halo=halo, tile=tile)
    result = LearnedDiResult(predicted=None, actual=None, di=None, di_norm=None, bands=tuple(bands),
                             inputs=[dict(r) for r in rows[:-1]] if rows else [],
                             target=dict(rows[-1]) if rows else {}, grid_path=os.fspath(target_path),
                             model=summary, offsets=offsets)
    result.written = {name: os.fspath(path) for name, path in outputs.items() if path}
    return result


def _write_centred(residual_path, outputs, bands, block, progress, is_canceled):
    """Second pass of the centred streamed DI: the residual file's band medians subtracted; returns offsets.

    Writes ``outputs['di']`` (centred residual) and ``outputs['di_norm']``
    (its norm) when named, tagged with the offsets ({band: dB}).
    """
    medians = centring.exact_nanmedians(centring.raster_chunks(residual_path), len(bands), is_canceled)
    if progress is not None:
        progress(93.0)
    shift = centring.offsets_array(medians)

    def func(data):
        di = (data - shift).astype(np.float32)
        return np.concatenate([di, euclidean_norm(di)[None]])

    targets = [OutputRaster(outputs.get("di"), len(bands), _descriptions("di", bands)),
               OutputRaster(outputs.get("di_norm"), 1, _descriptions("di_norm", bands))]
    with gdal_cache_budget(STREAM_CACHE_MB):
        written = map_raster_outputs(residual_path, targets, func, 0, block=block, threads=1,
                                     progress=progress_range(progress, 93.0, 100.0), is_canceled=is_canceled)
    offsets = centring.offsets_dict(bands, medians)
    centring.tag_outputs(written, offsets)
    return offsets


def learned_di_from_stack(csv_path, model=None, target_date=None, dem_path=None, conventional=False,
                          scale=scales.LINEAR_POWER, threads=2, tile=None, overlap=None, batch=4,
                          progress=None, is_canceled=None, outputs=None, block=None,
                          centre=CENTRE_DEFAULT):
    """Learned DI of one acquisition of a stack (acquisitions CSV; see the module docstring).

    ``target_date``: see ``target_index`` (default the newest acquisition);
    the N earlier acquisitions are the N most recent before it (N from the
    model). ``dem_path``: default dem.tif beside the CSV. ``conventional``:
    also the conventional DI against the reference of Alatalo et al.'s method
    1 (``difference.choose_reference``: earlier, same orbit direction, closest
    mean incidence) among all earlier acquisitions. Returns LearnedDiResult
    with ``target``, ``inputs`` and ``reference`` rows. ``outputs``
    ({name: path}, see ``stream_learned_di``): stream the result to these
    files block by block instead of computing it in memory (``block``: its
    block side, pixels). ``centre``: see ``run_learned_di``.
    """
    model = open_model(model, threads)
    rows = read_stack(csv_path)
    t = target_index(rows, target_date)
    chosen = input_indices(rows, t, model.learned_di["n_inputs"])
    if dem_path is None:
        dem_path = os.path.join(os.path.dirname(os.path.abspath(csv_path)), "dem.tif")
        if not os.path.isfile(dem_path):
            raise ValueError(f"no DEM given and no dem.tif beside {csv_path}: give the DEM (metres) on the "
                             "stack's grid")
    reference = None
    if conventional:
        reference = rows[difference.choose_reference(rows, t)]
    run = run_learned_di if outputs is None else functools.partial(stream_learned_di, outputs=outputs,
                                                                   block=block)
    result = run(model, [rows[i]["path"] for i in chosen], rows[t]["path"], dem_path,
                 [rows[i] for i in chosen] + [rows[t]], scale=scale,
                 reference_path=reference["path"] if reference else None, threads=threads,
                 tile=tile, overlap=overlap, batch=batch, progress=progress, is_canceled=is_canceled,
                 centre=centre)
    result.reference = dict(reference) if reference else None
    return result


def reference_among(rows):
    """Index into ``rows[:-1]`` of the conventional-DI reference for the target ``rows[-1]``.

    Alatalo et al.'s method 1 (``difference.choose_reference``) among the
    given earlier acquisitions. Rows without a date are taken as given in
    date order; the orbit direction comes from ``orbit_direction`` or the
    heading (cos > 0: ascending, about 349 deg; else descending, about 191 deg).
    """
    base = _dt.date(2000, 1, 1)
    filled = []
    for i, row in enumerate(rows):
        vector = condition_vector(row)
        names = list(CONDITION_NAMES)
        direction = str(row.get("orbit_direction") or "").strip().lower()
        if not direction:
            cos_heading = vector[names.index("cos_heading")]
            if math.isnan(cos_heading):
                raise ValueError("the conventional DI needs each acquisition's orbit direction or heading")
            direction = "ascending" if cos_heading > 0 else "descending"
        incidence = vector[names.index("mean_incidence_deg")]
        if math.isnan(incidence):
            raise ValueError("the conventional DI needs each acquisition's mean incidence angle")
        date = row.get("date") or (base + _dt.timedelta(days=i)).isoformat()
        filled.append(dict(date=iso_date(date), orbit_direction=direction, mean_incidence_deg=incidence))
    return difference.choose_reference(filled, len(filled) - 1)


def write_outputs(result, predicted=None, di=None, di_norm=None, conventional=None):
    """Write the requested outputs of a LearnedDiResult as float32 GeoTIFFs (NaN no data).

    Each argument is a destination path or None (not written). Band
    descriptions name the band and unit. Returns {name: path} of what was written.
    """
    written = {}
    bands = list(result.bands)
    jobs = (("predicted", predicted, result.predicted, [f"{b} predicted (dB)" for b in bands]),
            ("di", di, result.di, [f"{b} learned DI (dB)" for b in bands]),
            ("di_norm", di_norm, result.di_norm, ["learned DI Euclidean norm (dB)"]),
            ("conventional", conventional, result.conventional, ["conventional DI Euclidean norm (dB)"]))
    for name, path, array, descriptions in jobs:
        if path is None:
            continue
        if array is None:
            raise ValueError(f"the {name} output was not computed")
        written[name] = write_array(path, array, like=result.grid_path, nodata=float("nan"),
                                    descriptions=descriptions)
    if result.offsets is not None:
        centring.tag_outputs([written[n] for n in ("di", "di_norm") if n in written], result.offsets)
    return written


# --- Fine-tuning on a stack's history ------------------------------------------------------------

#: Fewest target dates a fine-tune needs before the target (training and validation dates).
MIN_HISTORY_TARGETS = 4


def finetune_plan(csv_path, model=None, target_date=None):
    """What fine-tuning ``model`` on the history of a stack before its target would use (no torch).

    ``csv_path``: the stack's acquisitions CSV; ``model``: a learned-DI .onnx
    (None: the shipped one); ``target_date``: see ``target_index`` (default
    the newest acquisition). Only acquisitions strictly before the target's
    date are used for training and validation; the target never is.

    Returns a dict: model (path), n_inputs, target (row), before (ISO date),
    history (number of acquisitions before it), history_targets (those with
    n_inputs earlier ones), out_of_range (list of (condition, value, min,
    max) of the target's conditions outside the model's valid ranges),
    ranges_exact (False when the model predates recorded ranges and they are
    approximated from its normalisation). Raises ValueError (with the fix)
    when the history is too short.
    """
    tiled = open_model(model)
    rows = read_stack(csv_path)
    t = target_index(rows, target_date)
    before = rows[t]["date"]
    dates = [r["date"] for r in rows if r["date"] < before]
    n = tiled.learned_di["n_inputs"]
    usable = [i for i in range(len(dates)) if SCHEMA.select_inputs(dates, i, n) is not None]
    if len({dates[i] for i in usable}) < MIN_HISTORY_TARGETS:
        raise ValueError(f"only {len(dates)} acquisition(s) before the target {before}: fine-tuning needs "
                         f"at least {n + MIN_HISTORY_TARGETS} on different dates ({n} inputs, then targets "
                         "to train and validate on); give a longer stack or a later target")
    items, exact = [], True
    if hasattr(SCHEMA, "conditions_out_of_range"):
        items, exact = SCHEMA.conditions_out_of_range(tiled.metadata, rows[t])
    return {"model": tiled.source, "n_inputs": n, "target": rows[t], "before": before, "history": len(dates),
            "history_targets": len(usable), "out_of_range": items, "ranges_exact": exact}
