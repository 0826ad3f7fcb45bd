"""Learned difference image against the conventional one, on simulated Sentinel-1-like stacks.

Usage (from the repository root, after scripts/setup.sh):
    .venv/bin/python benchmarks/learned_di.py [--minutes 10] [--arch film|bottleneck] [--epochs E]
        [--model models/learned_di.onnx | --baseline-predictor] [--looks L [L ...]]
        [--train-looks L [L ...]] [--season-weight W] [--despeckle METHOD] [--retrain-ablations] [--ship]
        [--update-card CARD] [--workdir DIR] [--keep] [--verbose]

The evaluation protocol follows Alatalo, Sipola & Rantonen (2023, "Improved
difference images for change detection classifiers in SAR imagery using deep
learning", IEEE TGRS 61, art. 5218714), with simulated stacks
(``core.simulator.simulate_stack``) in place of their Sentinel-1 archive:

1. Training: ``--train-stacks`` K stacks over fractal DEMs and
   ``--train-real-stacks`` over crops of real DEMs
   (``models.learned_di.simulated_stacks.training_plan``: temperate, boreal,
   mediterranean and alpine climates, two-year periods of 2016-2019 and
   2022-2025 starting in different seasons, 150-1200 m of relief, swaths
   of near, middle and far incidence), no
   scheduled change (``changes=None``), both orbit directions, 12-day
   revisit per direction; the model
   (``models.learned_di.training.train``) learns to predict an acquisition
   in dB from the N earlier ones, the DEM and the acquisition conditions.
   ``--model PATH`` skips training and evaluates an existing .onnx;
   ``--baseline-predictor`` skips it too and prints the reference rows only.
   The training stacks' speckle ENL cycles through ``--train-looks``;
   ``--season-weight`` W draws snowy or frozen targets and freeze/thaw or
   snow transitions W times more often (``dataset.season_weights``).
   After training, the validation targets (the last fifth of each training
   stack's dates, as the trainer split them) are scored again per season:
   winter with snow or frost, summer (June-August), other dates.
2. Test: stacks over terrain never used in training: fractal DEMs with
   ``TEST_SEEDS`` and a crop of a real DEM (``--real-dem``, Rome, 1 arc-second
   geographic grid), no scheduled change. For several targets per stack
   (each with N earlier acquisitions), changes are injected into the TARGET
   only (``core.change.injection``): (a) -2.5 dB in random blobs (``offset``);
   (b) statistical change: each blob's pixels are quantile-mapped (CDF
   matching, per band) onto the pixels of another land-cover class of the
   scene (``statistical``). The injected masks are the ground truth.
3. Difference images (DIs): learned = Euclidean norm over VV, VH of
   (actual dB - predicted dB), in two rows: uncentred, and centred (each
   band's exact scene median subtracted before the norm,
   ``core.learned_di.centring``, as 'Learned difference image' does by
   default; the row the plugin computes is marked "plugin default");
   conventional = Euclidean norm of the dB
   differences between the target and the reference chosen by the paper's
   method 1 (``difference.choose_reference``: same orbit direction, closest
   mean incidence angle; here the incidence of an orbit is constant, so the
   most recent same-orbit acquisition). Two reference rows frame the model:
   a stand-in predictor without a model (mean dB of the same-orbit inputs),
   and an oracle that "predicts" the simulator's speckle-free target (the
   same stack simulated with ``looks`` = inf) plus the mean log-speckle bias:
   its DI holds nothing but the target's own speckle, so no predictor can
   beat it at that number of looks. Both DIs see the same speckle
   treatment of the acquired images: none by default; ``--despeckle METHOD``
   filters the target and the reference alike (the prediction is the model's
   output, never filtered). We did not re-check the paper's own
   preprocessing; this benchmark compares the DIs on equal terms either way.
4. Metrics, learned vs conventional: threshold-classifier AUC (ROC of the DI
   against the injected mask over the pixels of all targets pooled, balanced
   sampling: the majority class subsampled to the minority's size,
   ``evaluation.roc_curve(balanced=True)``), and the accuracy of a LinearSVC
   (``core.change.svm``) on the DI and its local mean and standard deviation
   in 3 x 3 and 7 x 7 windows (``features.local_features``), trained on the
   pixels of half of the targets and tested on the other half (2-fold over
   targets, classes balanced in both halves). Ablations (weather:
   temperature, precipitation, snow depth; orbit direction: sin/cos of the
   heading; incidence: mean incidence angle): the paper retrains without a
   group of conditions; by default this script zeroes that group at
   inference of the full model instead: the entries are fed as NaN, which
   the graph replaces by their training mean, i.e. zero in the normalised
   space the network sees. That is cheap and NOT the same thing: a
   retrained model learns to do without the inputs, the full model fed
   the mean is simply denied them. ``--retrain-ablations`` also retrains
   one model per group, as the paper does, on copies of the training stacks
   whose acquisitions.csv has that group's columns emptied (NaN, i.e. the
   constant training mean, for every acquisition), each with the same
   ``--minutes`` budget, and evaluates it with the group fed as NaN.
   Caveat for the orbit-direction group: the simulated orbits alternate
   every 6 days, so with N = 4 the target's orbit is also that of the 2nd
   and 4th most recent inputs, which a network could learn from the input
   order; the default network's residual base weights the inputs by heading
   agreement with the target (``architecture``), so without headings it
   falls back to the plain mean of both orbits and loses much more than a
   retrained model would.

Speckle level (``--looks``, one table per value): per-pixel DIs of a
-2.5 dB change are limited by the target's speckle alone. At 4 looks
(Sentinel-1 IW GRDH at its 10 m pixel spacing has an ENL of about 4.4) the
oracle's AUC is about 0.70, so the paper's 0.87 cannot be reached there by
any predictor; their conventional figures (AUC 0.79, SVM accuracy 0.81) are
what the conventional DI scores here at about 16 looks (multilooked
imagery), which is the level at which their learned figures can be compared.

The training budget: ``--minutes`` caps the wall clock of training (the best
epoch so far is exported); ``--epochs`` defaults to what fits in it at the
training throughput measured by a short run first (``calibrate_epochs``), so
that the trainer's learning-rate schedule runs to its end.
The model is run on each whole test image with onnxruntime under the ONNX
contract of ``models.learned_di.schema``; the prediction for the first target
of each stack is checked against ``core.learned_di.pipeline.learned_di_from_stack``
(the plugin's own inference path) and the largest difference printed.

Every figure printed is computed by this run, except the paper's figures,
printed for comparison (their Sentinel-1 test, not this one). Seeds are
fixed: the same arguments give the same data, changes and splits (training
itself may vary slightly with thread scheduling).

``--ship`` copies the trained model to models/learned_di.onnx and writes
models/learned_di.md (the model card with this run's table).
``--model models/learned_di.onnx --update-card models/learned_di.md`` evaluates
the shipped model without retraining it and writes the card's section
"Evaluation of the shipped model with the plugin's defaults (centred)" (date,
the model file's sha256, the test set, the tables), replacing that section when
rerun; it stops unless the card's own test set is this run's.
"""
import argparse
import csv
import datetime as _dt
import hashlib
import os
import platform
import shlex
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from osgeo import gdal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.change import difference as dif  # noqa: E402
from sar_change.core.change import evaluation as ev  # noqa: E402
from sar_change.core.change import injection as inj  # noqa: E402
from sar_change.core.change import svm  # noqa: E402
from sar_change.core.change.features import local_features  # noqa: E402
from sar_change.core.engine import scale as scales  # noqa: E402
from sar_change.core.engine.raster_blocks import read_array  # noqa: E402
from sar_change.core.learned_di import centring  # noqa: E402
from sar_change.core.learned_di import pipeline as core_ldi  # noqa: E402
from sar_change.core.simulator.landcover import CLASS_NAMES  # noqa: E402
from sar_change.core.speckle import registry  # noqa: E402
from sar_change.models.framework import card as cards  # noqa: E402
from sar_change.models.learned_di import simulated_stacks as plan  # noqa: E402

gdal.UseExceptions()

#: Fractal-DEM seeds of the test stacks (held out of ``simulated_stacks.training_plan``).
TEST_SEEDS = (9101, 9102)
#: Seed of the simulated test stack over the real DEM (its terrain is not generated).
REAL_DEM_SEED = 9201
#: Relief (m) of the test fractal DEMs.
TEST_RELIEF_M = (450.0, 750.0)
#: Validation share of each training stack's dates (the trainer's split "last").
VAL_FRACTION = 0.2
#: Snow depth (m) above which a date counts as snow covered (core.simulator.weather.SNOW_COVER_M).
SNOW_COVER_M = 0.02
SUMMER_MONTHS = (6, 7, 8)
SEASONS = ("winter: snow or frost", "summer (June-August)", "other dates")
TEST_PERIOD = ("2021-01-01", "2021-12-31")
REVISIT_DAYS = 12
DEFAULT_REAL_DEM = ROOT.parent / "shared" / "data" / "dem" / "Rome-30m-DEM.tif"
N_INPUTS = 4
POLS = ("VV", "VH")

#: Simulated changes (Alatalo et al. 2023 draw irregular blobs on the target image).
OFFSET_DB = -2.5
BLOB_COUNT = 5
BLOB_RADIUS_PX = 8.0
BLOB_IRREGULARITY = 0.5
BLOB_SPIKINESS = 0.3
#: Least pixels of a land-cover class to serve as the target of a statistical change.
MIN_CLASS_PIXELS = 200

#: LinearSVC features: local statistics windows (pixels) and pixels per class per training half.
SVM_WINDOWS = (3, 7)
SVM_CAP = 20_000

#: Condition groups of the ablations: substrings of the schema's condition names.
ABLATION_GROUPS = {
    "weather": ("temperature", "precip", "snow"),
    "orbit direction": ("heading",),
    "incidence": ("incidence",),
}
#: acquisitions.csv columns emptied for the retrained ablations (the heading falls back to the
#: orbit direction in ``schema.condition_vector``, so both go).
RETRAIN_BLANK = {
    "weather": ("temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m"),
    "orbit direction": ("heading_deg", "orbit_direction"),
    "incidence": ("mean_incidence_deg",),
}
#: Training patches of the throughput measurement behind the default number of epochs.
CALIBRATION_PATCHES = 128

#: Figures of Alatalo, Sipola & Rantonen (2023) on their Sentinel-1 test set, for comparison only.
PAPER = {
    "auc_offset": (0.87, 0.79),
    "auc_statistical": (0.73, 0.67),
    "svm_accuracy": (0.89, 0.81),
}

MODES = (inj.OFFSET, inj.STATISTICAL)
#: Rows every run has, besides the model's.
CONVENTIONAL = "conventional DI (method 1 reference)"
STAND_IN = "stand-in: mean dB of same-orbit inputs, no model"
ORACLE = "oracle: speckle-free target (best any predictor can do)"
COLUMNS = ("AUC offset", "AUC statistical", "SVM acc. offset", "SVM acc. statistical")
#: Marked on the main model's row that 'Learned difference image' computes with its defaults.
PLUGIN_DEFAULT = " (plugin default)"
#: Heading of the card section that ``--update-card`` writes (``models.framework.card.replace_section``:
#: replaced when rerun, else inserted before the heading ``CARD_SECTION_BEFORE``).
CARD_SECTION_HEADING = "Evaluation of the shipped model with the plugin's defaults (centred)"
CARD_SECTION_BEFORE = "Limits"


def log(message):
    print(message, flush=True)


def main_di_labels(name):
    """Row labels of the main model's learned DI: (uncentred, centred on the scene medians).

    The one 'Learned difference image' computes by default (``core.learned_di.pipeline.CENTRE_DEFAULT``)
    is marked ``PLUGIN_DEFAULT``.
    """
    default = core_ldi.CENTRE_DEFAULT
    return (f"learned DI ({name}), uncentred" + ("" if default else PLUGIN_DEFAULT),
            f"learned DI ({name}), centred on scene medians" + (PLUGIN_DEFAULT if default else ""))


def looks_text(looks):
    """'4-look speckle' or '4 and 16-look speckle' (cycled over the stacks)."""
    values = [f"{v:g}" for v in dict.fromkeys(looks)]
    joined = values[0] if len(values) == 1 else ", ".join(values[:-1]) + " and " + values[-1]
    return f"{joined}-look speckle"


# --------------------------------------------------------------------------- data


@dataclass
class Stack:
    """A simulated stack on disk and what the benchmark reads from it."""

    name: str
    path: str
    rows: list
    dem: np.ndarray
    landcover: np.ndarray
    kind: str
    clean_path: str = ""
    _db: dict = field(default_factory=dict, repr=False)

    def db(self, index, clean=False):
        """(2, rows, cols) float32 backscatter of acquisition ``index`` in dB (VV, VH), cached.

        ``clean``: from the speckle-free twin of the stack (same seed, ``looks`` = inf).
        """
        key = (index, bool(clean))
        if key not in self._db:
            path = os.path.join(self.clean_path if clean else self.path, self.rows[index]["file"])
            power = np.stack([read_array(path, b + 1) for b in range(len(POLS))])
            with np.errstate(divide="ignore", invalid="ignore"):
                self._db[key] = scales.from_linear_power(power, scales.DB)
        return self._db[key]

    def orbit(self, index):
        return str(self.rows[index]["orbit_direction"]).strip().lower()


def simulate(out_dir, seed, period, shape=None, dem=None, relief_m=600.0, looks=4.0):
    """Simulate a temperate stack without scheduled changes; write dem.tif when the DEM is given."""
    return plan.simulate_unchanged(out_dir, seed, period, "temperate", looks, shape=shape, dem=dem,
                                   relief_m=relief_m)


def load_stack(name, summary, kind, clean_summary):
    return Stack(name=name, path=summary["out_dir"], rows=list(summary["acquisitions"]),
                 dem=read_array(summary["dem"]), landcover=read_array(summary["landcover"]), kind=kind,
                 clean_path=clean_summary["out_dir"])


def read_real_dem(path, size):
    """Central ``size`` x ``size`` crop of a DEM as (array m, geotransform, wkt), NaN = no data."""
    return plan.read_dem_crop(path, size, 0)


def training_stacks(workdir, n_fractal, n_real, size, looks):
    """The training stacks of ``plan.training_plan``; returns (folders, StackSpecs)."""
    specs = plan.training_plan(n_fractal, n_real, looks)
    leaks = [spec.name for spec in specs if plan.overlaps_held_out(spec) or spec.seed in TEST_SEEDS
             or spec.seed == REAL_DEM_SEED]
    if leaks:
        raise SystemExit(f"training stacks {leaks} use a held-out seed or period")
    dirs = []
    for spec in specs:
        out = os.path.join(workdir, "train", spec.name)
        plan.simulate_spec(spec, out, size)
        dirs.append(out)
    return dirs, specs


def test_stacks(workdir, size, real_dem, real_size, looks):
    """Test stacks with ``looks``-look speckle, each with its speckle-free twin (for the oracle)."""
    stacks = []

    def both(folder, seed, **kwargs):
        out = os.path.join(workdir, f"test_L{looks:g}", folder)
        return (simulate(out, seed, TEST_PERIOD, looks=looks, **kwargs),
                simulate(out + "_speckle_free", seed, TEST_PERIOD, looks=np.inf, **kwargs))

    for k, seed in enumerate(TEST_SEEDS):
        summary, clean = both(f"fractal_{seed}", seed, shape=(size, size),
                              relief_m=TEST_RELIEF_M[k % len(TEST_RELIEF_M)])
        stacks.append(load_stack(f"fractal DEM, seed {seed}", summary, "fractal", clean))
    if real_dem:
        dem = read_real_dem(real_dem, real_size)
        summary, clean = both("real_dem", REAL_DEM_SEED, dem=dem)
        stacks.append(load_stack(f"{Path(real_dem).stem} ({dem[0].shape[0]} px)", summary, "real DEM",
                                 clean))
    return stacks


# --------------------------------------------------------------------------- targets and changes


def default_inputs(rows, target, n):
    """The ``n`` most recent acquisitions dated before ``target`` (either orbit), oldest first."""
    earlier = [i for i, row in enumerate(rows) if row["date"] < rows[target]["date"]]
    if len(earlier) < n:
        raise ValueError(f"fewer than {n} acquisitions before {rows[target]['date']}")
    return earlier[-n:]


def input_selector():
    """The models' own input choice (``schema.select_inputs``) when present, else ``default_inputs``."""
    try:
        from sar_change.models.learned_di import schema
    except ImportError:
        return default_inputs

    def select(rows, target, n):
        inputs = schema.select_inputs([row["date"] for row in rows], target, n)
        if inputs is None:
            raise ValueError(f"fewer than {n} acquisitions before {rows[target]['date']}")
        return list(inputs)

    return select


def pick_targets(rows, n, count, select_inputs):
    """``count`` targets with n inputs and a method-1 reference, half per orbit direction, spread in time."""
    eligible = {}
    for t in range(len(rows)):
        try:
            inputs = select_inputs(rows, t, n)
            dif.choose_reference(rows, t)
        except (ValueError, IndexError):
            continue
        if len(inputs) == n:
            eligible.setdefault(str(rows[t]["orbit_direction"]).strip().lower(), []).append(t)
    if not eligible:
        raise SystemExit("no acquisition has enough earlier ones: lengthen TEST_PERIOD")
    targets = []
    for k, orbit in enumerate(sorted(eligible)):
        share = count // len(eligible) + (1 if k < count % len(eligible) else 0)
        ts = eligible[orbit]
        picks = np.unique(np.round(np.linspace(0, len(ts) - 1, min(share, len(ts)))).astype(int))
        targets += [ts[i] for i in picks]
    return sorted(targets)


def inject_changes(target_db, landcover, rng):
    """Offset and statistical versions of ``target_db`` (2, rows, cols) with their masks and notes."""
    shape = target_db.shape[1:]
    valid = np.isfinite(target_db).all(axis=0) & (landcover > 0)
    blobs = inj.random_blobs(shape, BLOB_COUNT, BLOB_RADIUS_PX, BLOB_IRREGULARITY, BLOB_SPIKINESS, rng,
                             valid=valid)
    offset, offset_mask = inj.inject(target_db, scales.DB, blobs, mode=inj.OFFSET, offset_db=OFFSET_DB)
    labels = inj.label_polygons(blobs, shape)
    outside = (labels == 0) & valid
    classes = [c for c in CLASS_NAMES if np.count_nonzero(outside & (landcover == c)) >= MIN_CLASS_PIXELS]
    stat = target_db
    stat_mask = np.where(valid, inj.UNCHANGED, inj.NO_DATA).astype(np.uint8)
    notes = []
    for k in range(len(blobs)):
        region = (labels == k + 1) & valid
        found = np.bincount(landcover[region].astype(np.int64), minlength=max(CLASS_NAMES) + 1)
        source = int(np.argmax(found))
        choices = [c for c in classes if c != source]
        if not choices:
            raise SystemExit("the test scene holds a single land-cover class: no statistical change possible")
        target_class = int(rng.choice(choices))
        details = []
        stat, mask = inj.inject(stat, scales.DB, region, mode=inj.STATISTICAL, rng=rng,
                                target_mask=outside & (landcover == target_class), details=details)
        stat_mask[mask == inj.CHANGED] = inj.CHANGED
        notes.append((CLASS_NAMES.get(source, "?"), CLASS_NAMES[target_class],
                      details[0]["after_db"] - details[0]["before_db"]))
    return {inj.OFFSET: (offset, offset_mask), inj.STATISTICAL: (stat, stat_mask)}, notes


# --------------------------------------------------------------------------- predictors


class MeanPredictor:
    """Stand-in predictor: mean dB of the (despeckled) inputs of the target's orbit."""

    def __init__(self, despeckle=None):
        self.despeckle = despeckle or (lambda db: db)

    def predict(self, stack, target, inputs, zero=()):
        same = [i for i in inputs if stack.orbit(i) == stack.orbit(target)] or list(inputs)
        return np.mean([self.despeckle(stack.db(i)) for i in same], axis=0).astype(np.float32)


class OnnxPredictor:
    """The learned model run with onnxruntime under the ONNX contract of models/learned_di."""

    def __init__(self, path, threads):
        import onnxruntime as ort

        from sar_change.models.learned_di import schema

        options = ort.SessionOptions()
        options.intra_op_num_threads = max(1, int(threads))
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.path = str(path)
        self.schema = schema
        self.condition_names = tuple(schema.CONDITION_NAMES)
        self.label = f"learned ({Path(path).name})"
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        for name in schema.INPUT_NAMES:
            if name not in self.inputs:
                raise SystemExit(f"{path} has no input {name!r}: not a learned-DI model "
                                 f"(inputs: {sorted(self.inputs)})")
        try:
            self.metadata = schema.read_model_metadata(self.session.get_modelmeta().custom_metadata_map)
        except ValueError as exc:
            raise SystemExit(f"{path}: {exc}") from None
        self.n_inputs = self.metadata["n_inputs"]
        self.size_multiple = self.metadata[schema.META_SIZE_MULTIPLE]

    def conditions(self, stack, indices):
        return np.stack([np.asarray(self.schema.condition_vector(stack.rows[i]), np.float32)
                         for i in indices])

    def predict(self, stack, target, inputs, zero=()):
        """Predicted (2, rows, cols) dB; conditions in ``zero`` are fed as NaN (the training mean)."""
        images = np.concatenate([stack.db(i) for i in inputs]).astype(np.float32)  # NaN allowed
        if any(side % self.size_multiple for side in images.shape[1:]):
            raise SystemExit(f"the model needs image sides that are multiples of {self.size_multiple} "
                             f"pixels, got {images.shape[1:]}: change --size / --real-size")
        conditions = self.conditions(stack, list(inputs) + [target])
        if len(zero):
            conditions[:, list(zero)] = np.nan
        feed = {self.schema.INPUT_IMAGES: images[None],
                self.schema.INPUT_DEM: stack.dem.astype(np.float32)[None, None],
                self.schema.INPUT_CONDITIONS: conditions[None]}
        out = self.session.run([self.schema.OUTPUT], feed)[0]
        return np.asarray(out[0], np.float32)


def ablation_indices(names):
    """{group: indices of the conditions it zeroes} for the groups found in ``names``."""
    groups = {}
    for group, keys in ABLATION_GROUPS.items():
        index = [i for i, n in enumerate(names) if any(k in n.lower() for k in keys)]
        if index:
            groups[group] = index
    return groups


def cross_check(stack, model_path, target, predicted, threads):
    """Largest |difference| (dB) of our prediction, conventional DI and centred learned DI (norm) from
    ``core.learned_di.pipeline``'s.

    ``core.learned_di.pipeline.learned_di_from_stack`` reads the stack from disk, picks the inputs and the
    method-1 reference itself, runs the model tile by tile and centres the residual bands on their scene
    medians: agreement checks this script's feeding of the model and its centred row.
    """
    row = stack.rows[target]
    result = core_ldi.learned_di_from_stack(os.path.join(stack.path, "acquisitions.csv"), model=model_path,
                                            target_date=f"{row['date']} {row['orbit_direction']}",
                                            conventional=True, threads=threads, centre=True)
    reference = dif.choose_reference(stack.rows, target)
    ours_conv = conventional_di(stack.db(reference), stack.db(target))
    ours_centred = learned_di(stack.db(target), predicted, centre=True)
    return (float(np.nanmax(np.abs(result.predicted - predicted))),
            float(np.nanmax(np.abs(result.conventional - ours_conv))),
            float(np.nanmax(np.abs(result.di_norm - ours_centred))))


# --------------------------------------------------------------------------- DIs and metrics


def despeckler(method, size):
    """dB (bands, rows, cols) -> dB filtered per band in linear power; identity for 'none'."""
    if method == "none":
        return lambda db: db
    filt = registry.power_filter(registry.FilterParams(method=method, size=size, looks=4.0))

    def apply(db):
        power = scales.to_linear_power(db, scales.DB)
        out = np.stack([filt(band) for band in power])
        return scales.from_linear_power(out, scales.DB)

    return apply


def learned_di(actual_db, predicted_db, centre=False):
    """Norm over the bands of actual - predicted (dB); ``centre``: each band's exact scene median (finite
    values) removed first, with the plugin's own ``core.learned_di.centring`` as ``core.learned_di.pipeline``
    does by default, so a scene-wide bias of the prediction drops out."""
    residual = (actual_db - predicted_db).astype(np.float32)
    if centre:
        medians = centring.exact_nanmedians(lambda: [residual], len(residual))
        residual = (residual - centring.offsets_array(medians)).astype(np.float32)
    return np.sqrt(np.sum(np.square(residual), axis=0, dtype=np.float32))


def conventional_di(reference_db, target_db):
    return dif.euclidean_db(scales.to_linear_power(reference_db, scales.DB),
                            scales.to_linear_power(target_db, scales.DB))


def pooled_auc(dis, masks, seed):
    scores = np.concatenate([d.ravel() for d in dis])
    ref = np.concatenate([m.ravel() for m in masks])
    return ev.roc_curve(scores, ref, balanced=True, seed=seed).auc


def _rows(dis, masks):
    """Feature rows and 0/1 labels of the labelled, valid pixels of several DIs."""
    xs, ys, names = [], [], None
    for di, mask in zip(dis, masks):
        features, names = local_features(di, SVM_WINDOWS, di_names=["di"])
        ok = np.isfinite(features).all(axis=0) & ((mask == inj.CHANGED) | (mask == inj.UNCHANGED))
        xs.append(features[:, ok].T)
        ys.append((mask[ok] == inj.CHANGED).astype(np.int64))
    return np.concatenate(xs), np.concatenate(ys), names


def _balanced(X, y, rng, cap=None):
    """Equal numbers of both classes (the smaller class's size, at most ``cap``), drawn with ``rng``."""
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    n = min(pos.size, neg.size) if cap is None else min(pos.size, neg.size, cap)
    keep = np.sort(np.concatenate([rng.choice(pos, n, replace=False), rng.choice(neg, n, replace=False)]))
    return X[keep], y[keep]


def svm_accuracy(dis, masks, seed):
    """Mean test accuracy of a LinearSVC over a 2-fold split of the targets (balanced classes)."""
    folds = (np.arange(len(dis)) % 2 == 0, np.arange(len(dis)) % 2 == 1)
    accuracies = []
    for k, train in enumerate(folds):
        rng = np.random.default_rng([seed, k])
        test = ~train
        X, y, names = _rows([d for d, t in zip(dis, train) if t], [m for m, t in zip(masks, train) if t])
        X, y = _balanced(X, y, rng, SVM_CAP)
        model = svm.train_svm(X, y, names, svm.LINEAR_SVC, seed=seed)
        Xt, yt, _ = _rows([d for d, t in zip(dis, test) if t], [m for m, t in zip(masks, test) if t])
        Xt, yt = _balanced(Xt, yt, rng)
        accuracies.append(float(np.mean(model.predict_rows(Xt) == yt)))
    return float(np.mean(accuracies))


# --------------------------------------------------------------------------- evaluation


def oracle_prediction(stack, target, despeckle):
    """The speckle-free target in dB plus the mean dB bias of (despeckled) speckle, per band.

    A perfect predictor: its DI holds only the target's own speckle, so its AUC bounds what any
    learned model can reach at this number of looks (the log of Gamma(L, 1/L) speckle has mean
    psi(L) - ln L, not 0: Xie, Pierce & Ulaby 2002, eq. 9).
    """
    clean = stack.db(target, clean=True)
    actual = despeckle(stack.db(target))
    bias = np.nanmean(actual - clean, axis=(1, 2), keepdims=True)
    return (clean + bias).astype(np.float32)


def evaluate(stacks, predictor, variants, n_inputs, select_inputs, targets_per_stack, despeckle, seed,
             verbose, references=True, centred=None):
    """DIs of every target for each predictor variant (uncentred); returns the results.

    ``variants``: {row label: indices of conditions zeroed} (empty: full conditions).
    ``references``: also the conventional DI, the stand-in (mean of same-orbit inputs) and the oracle.
    ``centred``: row label of the first variant's DI centred on each band's scene median
    (``learned_di(centre=True)``, the plugin's default), placed after it; None: no such row.
    """
    first = next(iter(variants), None)
    centred = centred if first is not None else None
    labels = [CONVENTIONAL, STAND_IN] if references else []
    labels += list(variants)[:1] + ([centred] if centred else []) + list(variants)[1:]
    labels += [ORACLE] if references else []
    dis = {label: {m: [] for m in MODES} for label in labels}
    stand_in = MeanPredictor(despeckle)
    masks = {m: [] for m in MODES}
    where = []
    notes = []
    for s, stack in enumerate(stacks):
        targets = pick_targets(stack.rows, n_inputs, targets_per_stack, select_inputs)
        for t in targets:
            rng = np.random.default_rng([seed, s, t])
            target_db = stack.db(t)
            changed, blob_notes = inject_changes(target_db, stack.landcover, rng)
            notes += blob_notes
            reference = dif.choose_reference(stack.rows, t)
            ref_db = despeckle(stack.db(reference))
            inputs = select_inputs(stack.rows, t, n_inputs)
            predictions = {label: predictor.predict(stack, t, inputs, zero)
                           for label, zero in variants.items()}
            if references:
                predictions[STAND_IN] = stand_in.predict(stack, t, inputs)
                predictions[ORACLE] = oracle_prediction(stack, t, despeckle)
            for mode in MODES:
                image, mask = changed[mode]
                actual = despeckle(image)
                masks[mode].append(mask)
                if references:
                    dis[CONVENTIONAL][mode].append(conventional_di(ref_db, actual))
                for label, predicted in predictions.items():
                    dis[label][mode].append(learned_di(actual, predicted))
                if centred:
                    dis[centred][mode].append(learned_di(actual, predictions[first], centre=True))
            where.append((s, t))
            if verbose:
                row = stack.rows[t]
                log(f"  {stack.name}: target {row['date']} {row['orbit_direction']}, reference "
                    f"{stack.rows[reference]['date']}, inputs "
                    f"{', '.join(stack.rows[i]['date'] for i in inputs)}; changed pixels "
                    f"{int(np.count_nonzero(changed[inj.OFFSET][1] == inj.CHANGED))}")
    return dis, masks, where, notes


def metrics(dis, masks, where, n_stacks, seed):
    table, by_stack = {}, {}
    for label, per_mode in dis.items():
        row = []
        for mode in MODES:
            row.append(pooled_auc(per_mode[mode], masks[mode], seed))
        for mode in MODES:
            row.append(svm_accuracy(per_mode[mode], masks[mode], seed))
        table[label] = row
        by_stack[label] = []
        for s in range(n_stacks):
            pick = [k for k, (si, _) in enumerate(where) if si == s]
            by_stack[label].append([pooled_auc([per_mode[m][k] for k in pick], [masks[m][k] for k in pick],
                                               seed) for m in MODES])
    return table, by_stack


def format_table(table, markdown=False):
    width = max(len(label) for label in table) + 2
    if markdown:
        lines = ["| DI | " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * len(COLUMNS)]
        lines += [f"| {label} | " + " | ".join(f"{v:.3f}" for v in row) + " |"
                  for label, row in table.items()]
        return "\n".join(lines)
    lines = [f"{'DI':<{width}}" + "".join(f"{c:>22}" for c in COLUMNS)]
    lines += [f"{label:<{width}}" + "".join(f"{v:>22.3f}" for v in row) for label, row in table.items()]
    return "\n".join(lines)


def paper_lines():
    p = PAPER
    return [
        "Alatalo, Sipola & Rantonen (2023), Sentinel-1 over north-east Finland (their data, not this run):",
        f"  AUC offset change:      learned {p['auc_offset'][0]:.2f} vs conventional "
        f"{p['auc_offset'][1]:.2f}",
        f"  AUC statistical change: learned {p['auc_statistical'][0]:.2f} vs conventional "
        f"{p['auc_statistical'][1]:.2f}",
        f"  SVM accuracy:           learned {p['svm_accuracy'][0]:.2f} vs conventional "
        f"{p['svm_accuracy'][1]:.2f}",
    ]


# --------------------------------------------------------------------------- training


def _training_module():
    try:
        from sar_change.models.learned_di import training
    except ImportError as exc:
        raise SystemExit(f"models.learned_di.training is not importable ({exc}): train elsewhere and pass "
                         "--model, or use --baseline-predictor") from None
    return training


def calibrate_epochs(stack_dirs, workdir, args):
    """Epochs that fill ``args.minutes`` on this machine now, so the trainer's schedule completes.

    A two-epoch run of ``CALIBRATION_PATCHES`` training and 16 validation patches per epoch times
    its second epoch (the first one carries the warm-up) and the fixed cost of a run
    (normalisation statistics, export); an epoch of the trainer's default 512 training and up to
    256 validation patches (forward only, counted as a third of a training patch) is scaled from
    it, with 10 % spare. Returns (epochs, seconds spent calibrating).
    """
    training = _training_module()
    t0 = time.perf_counter()
    summary = training.train(stack_dirs, os.path.join(workdir, "calibration.onnx"), n_inputs=args.n_inputs,
                             arch=args.arch, epochs=2, seed=args.seed, threads=args.threads,
                             patches_per_epoch=CALIBRATION_PATCHES, val_patches=16, checkpoint=None)
    seconds = time.perf_counter() - t0
    records = summary.get("epochs") or []
    if len(records) < 2:
        return 2, seconds
    fixed = max(0.0, seconds - sum(r["seconds"] for r in records))
    per_epoch = records[-1]["seconds"] * (512 + 256 / 3.0) / (CALIBRATION_PATCHES + 16 / 3.0)
    return max(2, int(0.9 * (60.0 * args.minutes - fixed) / per_epoch)), seconds


def blanked_stacks(stack_dirs, out_root, columns):
    """Copies of stacks (rasters linked) whose acquisitions.csv has ``columns`` emptied.

    An empty condition is NaN for ``schema.condition_vector``, which the model replaces by the
    training mean: with every value empty the model is trained without that information.
    """
    dirs = []
    for folder in stack_dirs:
        out = os.path.join(out_root, os.path.basename(folder))
        os.makedirs(out, exist_ok=True)
        for name in os.listdir(folder):
            if name != "acquisitions.csv" and not os.path.exists(os.path.join(out, name)):
                os.symlink(os.path.join(folder, name), os.path.join(out, name))
        with open(os.path.join(folder, "acquisitions.csv"), newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            fields, rows = reader.fieldnames, list(reader)
        with open(os.path.join(out, "acquisitions.csv"), "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if k in columns else v) for k, v in row.items()})
        dirs.append(out)
    return dirs


def train_model(stack_dirs, out_onnx, args):
    training = _training_module()
    state = {"last": time.perf_counter()}

    def progress(percent):
        now = time.perf_counter()
        if now - state["last"] >= 60.0:
            state["last"] = now
            log(f"    training: {percent:.0f} % of {args.epochs} epochs")

    t0 = time.perf_counter()
    summary = training.train(stack_dirs, str(out_onnx), n_inputs=args.n_inputs, arch=args.arch,
                             epochs=args.epochs, seed=args.seed, progress=progress,
                             val_fraction=VAL_FRACTION, season_weight=args.season_weight,
                             max_minutes=args.minutes, threads=args.threads,
                             log=(lambda m: log(f"    {m}")) if args.verbose else None)
    seconds = time.perf_counter() - t0
    if not summary.get("onnx"):
        raise SystemExit(f"training stopped ({summary.get('stopped')}) before the first validation: "
                         "raise --minutes")
    return summary, seconds


def describe_training(summary, seconds):
    """One line: time, epochs run (of requested), why it stopped, best validation loss and MAE."""
    info, metrics = summary.get("training", {}), summary.get("metrics", {})
    parts = [f"training time {seconds / 60:.1f} min",
             f"{info.get('epochs', len(summary.get('epochs', [])))} of {info.get('epochs_requested', '?')} "
             f"epochs" + (f" (stopped: {summary['stopped']})" if summary.get("stopped") else "")]
    if "val_loss" in metrics:
        parts.append(f"best validation loss {metrics['val_loss']:.3f} {metrics.get('loss', '')} dB^2 "
                     f"(epoch {metrics.get('best_epoch')}), validation MAE {metrics['val_mae_db']:.2f} dB")
        base = metrics.get("baseline_mean_of_inputs", {})
        if "mae_db" in base:
            parts.append(f"mean-of-inputs MAE {base['mae_db']:.2f} dB")
    return ", ".join(parts)


def season_of(row):
    """SEASONS label of an acquisitions.csv row: snow cover or frost at the scene's median elevation,
    else summer by month (northern hemisphere, as every simulated climate), else other."""
    if float(row["snow_depth_m"]) > SNOW_COVER_M or float(row["temperature_c"]) < 0.0:
        return SEASONS[0]
    return SEASONS[1] if int(row["date"][5:7]) in SUMMER_MONTHS else SEASONS[2]


def seasonal_validation(stack_dirs, model_path, n_inputs, threads):
    """Scores of the model on the validation targets of ``stack_dirs`` (the trainer's own split), per
    season (``season_of`` the target): {season: {"targets", "mae_db", "rmse_db", "bias_db" (actual -
    predicted, mean over VV and VH), "baseline_mae_db" (mean dB of the inputs)}}, whole images."""
    from rasterio.windows import Window

    from sar_change.models.learned_di import dataset as ds

    predictor = OnnxPredictor(model_path, threads)
    sums = {name: np.zeros(5) for name in SEASONS}  # targets, |e|, e^2, e, |baseline e| (pixel sums)
    pixels = {name: 0 for name in SEASONS}
    for folder in stack_dirs:
        with ds.Stack(folder) as stack:
            _, val = ds.split_targets(stack, n_inputs, VAL_FRACTION, "last")
            window = Window(0, 0, stack.shape[1], stack.shape[0])
            dem = stack.read_dem(window)
            for t, inputs in val:
                images = np.concatenate([stack.read_db(j, window) for j in inputs])
                actual = stack.read_db(t, window)
                feed = {predictor.schema.INPUT_IMAGES: images[None], predictor.schema.INPUT_DEM: dem[None],
                        predictor.schema.INPUT_CONDITIONS: stack.conditions[list(inputs) + [t]][None]}
                predicted = predictor.session.run([predictor.schema.OUTPUT], feed)[0][0]
                ok = np.isfinite(actual).all(0) & np.isfinite(images).all(0)
                err = (actual - predicted)[:, ok].astype(np.float64)
                base = (actual - images.reshape(n_inputs, len(POLS), *ok.shape).mean(0))[:, ok]
                season = season_of(stack.rows[t])
                sums[season] += [1, np.abs(err).sum(), (err ** 2).sum(), err.sum(), np.abs(base).sum()]
                pixels[season] += err.size
    out = {}
    for name in SEASONS:
        n = max(pixels[name], 1)
        total = sums[name]
        out[name] = {"targets": int(total[0]), "mae_db": float(total[1] / n),
                     "rmse_db": float(np.sqrt(total[2] / n)), "bias_db": float(total[3] / n),
                     "baseline_mae_db": float(total[4] / n)}
    return out


def format_seasons(seasons, markdown=False):
    """Table of ``seasonal_validation``'s result (text, or markdown)."""
    head = ("season of the target", "targets", "MAE dB", "RMSE dB", "bias dB (actual - predicted)",
            "MAE dB, mean of inputs")
    rows = [(name, str(v["targets"]), f"{v['mae_db']:.2f}", f"{v['rmse_db']:.2f}", f"{v['bias_db']:+.2f}",
             f"{v['baseline_mae_db']:.2f}") for name, v in seasons.items() if v["targets"]]
    if markdown:
        return "\n".join(["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
                         + ["| " + " | ".join(r) + " |" for r in rows])
    return "\n".join(f"  {r[0]:<24}{r[1]:>8}{r[2]:>9}{r[3]:>9}{r[4]:>8}{r[5]:>9}" for r in
                     [("season", "targets", "MAE", "RMSE", "bias", "base")] + rows)


# --------------------------------------------------------------------------- model card


def test_set_text(results):
    """'3 stacks never used in training (names), 24 targets' of ``evaluate_at``'s results (the same stacks
    and targets at every number of looks)."""
    _, stacks, n_targets, _, _ = results[0]
    return (f"{len(stacks)} stacks never used in training (" + "; ".join(s.name for s in stacks)
            + f"), {n_targets} targets")


def test_protocol_text(args):
    """How the test changes are made and scored, and which rows the tables hold (markdown paragraph)."""
    return (
        "simulated at each number of looks below with the same seeds, changes injected into the target "
        f"only: {OFFSET_DB} dB offset and statistical (CDF mapping onto another land-cover class) in "
        f"{BLOB_COUNT} random blobs of radius {BLOB_RADIUS_PX:g} px. AUC: balanced pooled ROC of the "
        "DI; SVM: LinearSVC on the DI and its local statistics, 2-fold over targets, balanced classes. "
        f"Despeckling: {args.despeckle}. The stand-in row predicts the mean dB of the same-orbit inputs "
        "(no model); the oracle row 'predicts' the simulator's speckle-free target, so its DI holds the "
        "target's own speckle only: no predictor can do better at that number of looks. The model's "
        "learned DI has two rows: 'uncentred', the norm over VV and VH of actual - predicted, and 'centred "
        "on scene medians', each band's exact scene median subtracted before the norm "
        f"(`core.learned_di.centring`); the row marked '{PLUGIN_DEFAULT.strip()}' is the DI that 'Learned "
        "difference image' computes with its default settings. Ablation rows 'zeroed at inference' "
        "(uncentred) feed a condition group as NaN (its training mean) to the full model; the paper "
        "retrains without the group instead, as the rows 'retrained' (if any) do.")


def results_tables(results):
    """Markdown lines: one '### Test speckle' table per number of looks."""
    lines = []
    for looks, _, _, table, _ in results:
        lines += [f"### Test speckle: {looks:g} looks", "", format_table(table, markdown=True), ""]
    return lines


def run_time_text(runtime_s):
    return (f"{runtime_s / 60:.1f} min on {os.cpu_count()} CPU core(s) "
            f"({platform.processor() or platform.machine()})")


def command_line():
    """This run's command, indented as a markdown code block."""
    return f"    .venv/bin/python benchmarks/learned_di.py {shlex.join(sys.argv[1:])}"


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def card_section(args, results, runtime_s):
    """The body of the card section ``--update-card`` writes, under ``CARD_SECTION_HEADING`` (markdown
    lines)."""
    lines = [
        f"Written by `benchmarks/learned_di.py --update-card` on {_dt.date.today().isoformat()}, without "
        "retraining: the shipped model file evaluated with the plugin's defaults; every number in this "
        "section comes from that run (rerunning it replaces the section):",
        "",
        command_line(),
        "",
        f"- model: `{args.model}`, sha256 `{file_sha256(args.model)}`;",
        f"- test set: the held-out stacks of 'Results' above, {test_set_text(results)}; "
        + test_protocol_text(args),
        f"- run time: {run_time_text(runtime_s)}.",
        "",
        *results_tables(results),
    ]
    return lines


def check_card_test_set(path, results):
    """SystemExit unless the card at ``path`` was tested on the stacks and targets of ``results``."""
    card = cards.with_section(Path(path).read_text(encoding="utf-8"), CARD_SECTION_HEADING, None)
    if f"Test: {test_set_text(results)}," not in card:
        raise SystemExit(f"{path} was not tested on {test_set_text(results)}: run --update-card with the "
                         "card's test settings (--size, --real-dem, --real-size, --targets, --seed)")


def update_model_card(path, args, results, runtime_s):
    """Write (or replace) the ``--update-card`` section of the card at ``path`` (temporary file, renamed)."""
    check_card_test_set(path, results)
    cards.replace_section(path, CARD_SECTION_HEADING, "\n".join(card_section(args, results, runtime_s)),
                          before=CARD_SECTION_BEFORE)


def write_model_card(path, args, predictor, train_info, results, runtime_s):
    names = ", ".join(predictor.condition_names) or "(none)"
    specs, train_summary, train_seconds, seasons = train_info
    climates = sorted({spec.climate for spec in specs})
    years = sorted({y for spec in specs for y in range(int(spec.period[0][:4]), int(spec.period[1][:4]) + 1)})
    reliefs = sorted({spec.relief_m for spec in specs if not spec.dem})
    real = sorted({Path(spec.dem).stem for spec in specs if spec.dem})
    stack_rows = ["| stack | climate | terrain | period | looks | swath incidence (deg) | seed |",
                  "|---|---|---|---|---:|---:|---:|"]
    stack_rows += [f"| {k + 1} | {spec.climate} | "
                   + (f"{Path(spec.dem).name}, crop {spec.crop}" if spec.dem else
                      f"fractal, {spec.relief_m:g} m relief")
                   + f" | {spec.period[0]} .. {spec.period[1]} | {spec.looks:g} | "
                   f"{spec.incidence_range[0]:g}-{spec.incidence_range[1]:g} | {spec.seed} |"
                   for k, spec in enumerate(specs)]
    ranges = predictor.metadata.get("valid_ranges") or {}
    range_rows = ["| input | min | max | units |", "|---|---:|---:|---|"]
    range_rows += [f"| {name} | {r['min']:.4g} | {r['max']:.4g} | {r.get('units', '')} |"
                   for name, r in ranges.items()]
    lines = [
        "# Learned difference image model (`learned_di.onnx`)",
        "",
        "Written by `benchmarks/learned_di.py --ship` on "
        f"{_dt.date.today().isoformat()}; every number below comes from that run (except in a section "
        "written later by `--update-card`, which names its own run):",
        "",
        command_line(),
        "",
        "## What it predicts",
        "",
        f"The Sentinel-1-like backscatter (dB, VV and VH) of a target acquisition from the {args.n_inputs} "
        "acquisitions before it, the DEM and the acquisition conditions of the inputs and of the target, "
        "after Alatalo, Sipola & Rantonen (2023, IEEE TGRS 61, art. 5218714). The learned difference image "
        "is the Euclidean norm over VV and VH of (actual dB - predicted dB): large where the target differs "
        "from what the earlier images and the conditions lead one to expect.",
        "",
        "## Inputs and output (ONNX)",
        "",
        f"- `images` (B, {2 * args.n_inputs}, H, W): the {args.n_inputs} input acquisitions in dB, oldest "
        "first, VV then VH for each;",
        "- `dem` (B, 1, H, W): elevation in metres;",
        f"- `conditions` (B, {args.n_inputs + 1}, C): one vector per input and last the target's "
        f"(`models.learned_di.schema.condition_vector`): {names};",
        "- output `predicted` (B, 2, H, W): the target's VV and VH in dB.",
        "",
        f"H and W must be multiples of {predictor.size_multiple} pixels; NaN (no data) is allowed in the "
        "images and conditions (replaced by the training mean inside the graph). Normalisation is inside "
        "the graph: feed raw dB, metres and raw condition values. Whole scenes run tile by tile "
        "(`models.tiled_inference`, `core.learned_di.pipeline`).",
        "",
        "## Training data",
        "",
        f"- {len(specs)} simulated stacks (`core.simulator.simulate_stack`, plan "
        "`models.learned_di.simulated_stacks.training_plan`), "
        f"{args.size} x {args.size} pixels; climates {', '.join(climates)} "
        "(`core.simulator.weather.CLIMATES`); years "
        f"{', '.join(str(y) for y in years)} (two-year periods starting in different seasons); fractal DEMs "
        f"of {', '.join(f'{r:g}' for r in reliefs)} m relief (20 m pixels)"
        + (f" and crops of the real DEMs {', '.join(real)} (../shared/data/dem)" if real else "")
        + f"; {REVISIT_DAYS}-day revisit per orbit direction, ascending and descending, VV and VH, "
        f"{looks_text(args.train_looks)} (cycled over the stacks), swaths of "
        + ", ".join(f"{lo:g}-{hi:g}" for lo, hi in sorted({spec.incidence_range for spec in specs}))
        + " deg incidence (cycled), no scheduled land-cover change;",
        "- training targets drawn " + (
            f"with weight {args.season_weight:g} per flag for snowy or frozen targets and for freeze/thaw or "
            "snow transitions since the newest input (`models.learned_di.dataset.season_weights`); "
            "validation targets unweighted;" if (args.season_weight or 1.0) != 1.0 else "uniformly;"),
        "- held out (never simulated for training or validation): the README demo's stack (demo/run_demo.py: "
        f"seed 2026, its DEM, {plan.HELD_OUT_PERIOD[0]} .. {plan.HELD_OUT_PERIOD[1]}: no training period "
        "touches those years), the test stacks below and the stacks of benchmarks/transfer.py;",
        f"- architecture `{args.arch}`, seed {args.seed}, budget {args.minutes} min; "
        f"{describe_training(train_summary, train_seconds)}.",
        "",
        "\n".join(stack_rows),
        "",
        "## Validation by season",
        "",
        f"Validation targets: the last {VAL_FRACTION:.0%} of each training stack's dates (the trainer's "
        "split; prediction into the future), whole images. Season of a target: winter = snow cover "
        f"(> {SNOW_COVER_M:g} m) or frost (temperature < 0 deg C) at the scene's median elevation; summer = "
        "June to August without either; other = the remaining dates. Bias: mean of actual - predicted dB "
        "over VV and VH (a model that is too low on snow has a positive bias there). Last column: the mean "
        "dB of the inputs as the prediction.",
        "",
        format_seasons(seasons, markdown=True),
        "",
        "## Valid ranges (recorded in the model's metadata, from the training data)",
        "",
        "Conditions over every acquisition used in training; dB of each band over a decimated sample of "
        "the acquisitions; elevation over the DEMs (the graph sees it relative to each tile's mean). "
        "Conditions outside these ranges are extrapolation: 'Learned difference image' warns about them.",
        "",
        "\n".join(range_rows),
        "",
        "## Results (`benchmarks/learned_di.py`)",
        "",
        f"Test: {test_set_text(results)}, {test_protocol_text(args)}",
        "",
        *results_tables(results),
    ]
    levels = "; ".join(f"{looks:g} looks: oracle AUC {table[ORACLE][0]:.3f}, conventional DI AUC "
                       f"{table[CONVENTIONAL][0]:.3f} and SVM accuracy {table[CONVENTIONAL][2]:.3f}"
                       for looks, _, _, table, _ in results)
    lines += [
        f"Speckle level. A per-pixel DI of a {OFFSET_DB} dB change is limited by the target's own speckle, "
        f"which the oracle row measures ({levels}). Sentinel-1 IW GRDH has an ENL of about 4.4 at its 10 m "
        "pixel spacing; the paper's figures can be compared where the conventional DI scores theirs "
        f"(AUC {PAPER['auc_offset'][1]}, SVM accuracy {PAPER['svm_accuracy'][1]}).",
        "",
        "Paper, for comparison (Sentinel-1 over north-east Finland, not this test): AUC "
        f"{PAPER['auc_offset'][0]} vs {PAPER['auc_offset'][1]} (offset), {PAPER['auc_statistical'][0]} vs "
        f"{PAPER['auc_statistical'][1]} (statistical); SVM accuracy {PAPER['svm_accuracy'][0]} vs "
        f"{PAPER['svm_accuracy'][1]} (learned vs conventional).",
        "",
        f"Benchmark run time: {run_time_text(runtime_s)}.",
        "",
        "## Limits",
        "",
        "- Trained on simulated data only: the simulator's land-cover classes, backscatter model, weather "
        "generator and speckle. On real Sentinel-1 data expect a domain gap; retrain or fine-tune on a real "
        "archive before relying on it.",
        "- Small training set and short training budget (CPU); the figures above are for this simulator, "
        "not a claim about real scenes.",
        f"- Trained on {looks_text(args.train_looks)}: on noisier data (e.g. 4-look GRDH at 10 m) it still "
        "predicts the scene (see the tables), but every per-pixel DI is speckle-limited there; multilook "
        "or despeckle the stack first (e.g. 'Speckle filter'), alike for every acquisition.",
        "- Needs the N earlier acquisitions on the target's grid (coregistered, same polarisations, dB) and "
        "their conditions; missing or unusual conditions (values outside the simulated climate) are "
        "extrapolation.",
        "- Trained on stacks without land-cover change: it predicts the unchanged scene, and any variation "
        "the simulator did not produce (e.g. other crops' seasonal cycles, wet snow regimes of other "
        "climates) shows up in the learned DI like change.",
        "",
    ]
    Path(path).write_text("\n".join(lines), encoding="utf-8")


def evaluate_at(looks, args, predictor, variants, centred, retrained, select_inputs, despeckle, workdir):
    """Simulate the test stacks with ``looks``-look speckle and score every DI on them.

    ``centred``: row label of the first variant's DI centred on the scene medians (None: no such row).

    Returns (looks, stacks, number of targets, {row: metrics}, {row: AUCs per stack}).
    """
    t0 = time.perf_counter()
    stacks = test_stacks(workdir, args.size, args.real_dem, args.real_size, looks)
    log(f"test data, {looks:g} looks: {len(stacks)} stacks ({'; '.join(s.name for s in stacks)}), "
        f"{TEST_PERIOD[0]}..{TEST_PERIOD[1]}, simulated with their speckle-free twins in "
        f"{time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    dis, masks, where, notes = evaluate(stacks, predictor, variants, args.n_inputs, select_inputs,
                                        args.targets, despeckle, args.seed, args.verbose, centred=centred)
    for group, path in retrained.items():
        other = OnnxPredictor(path, args.threads)
        index = ablation_indices(other.condition_names)[group]  # fed as NaN, as in its training
        extra, _, _, _ = evaluate(stacks, other, {f"ablation: no {group} (retrained)": index}, args.n_inputs,
                                  select_inputs, args.targets, despeckle, args.seed, False, references=False)
        oracle = dis.pop(ORACLE)
        dis.update(extra)
        dis[ORACLE] = oracle
    changed = [int(np.count_nonzero(m == inj.CHANGED)) for m in masks[inj.OFFSET]]
    contrast = np.array([abs(c) for _, _, c in notes])
    log(f"  changes: {len(where)} targets x {BLOB_COUNT} blobs, {np.mean(changed):.0f} changed pixels per "
        f"target ({100 * np.mean(changed) / masks[inj.OFFSET][0].size:.1f} %); statistical changes: "
        f"median |mean change| {np.median(contrast):.2f} dB in band VV")
    table, by_stack = metrics(dis, masks, where, len(stacks), args.seed)
    log(f"  DIs and metrics in {time.perf_counter() - t0:.1f} s (despeckling: {args.despeckle})")
    if isinstance(predictor, OnnxPredictor):
        checks = []
        for k, stack in enumerate(stacks):
            t = next(t for si, t in where if si == k)
            predicted = predictor.predict(stack, t, select_inputs(stack.rows, t, args.n_inputs))
            checks.append(cross_check(stack, predictor.path, t, predicted, args.threads))
        log("  cross-check with core.learned_di.pipeline.learned_di_from_stack (first target per stack): "
            f"max |difference| of the prediction {max(c[0] for c in checks):.2g} dB, of the "
            f"conventional DI {max(c[1] for c in checks):.2g} dB, of the centred learned DI "
            f"{max(c[2] for c in checks):.2g} dB")
    return looks, stacks, len(where), table, by_stack


# --------------------------------------------------------------------------- main


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0,
                        help="training budget in minutes (default 10: the whole run stays within ~11 min "
                             "on 2 cores)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="training epochs (default: what fits in --minutes, from a measured throughput)")
    parser.add_argument("--arch", choices=("film", "bottleneck"), default="film")
    parser.add_argument("--model", default=None, help="evaluate this .onnx instead of training one")
    parser.add_argument("--baseline-predictor", action="store_true",
                        help="no model: a stand-in predictor (mean dB of the same-orbit inputs)")
    parser.add_argument("--ship", action="store_true",
                        help="copy the trained model to models/learned_di.onnx and write "
                             "models/learned_di.md")
    parser.add_argument("--ship-dir", default=str(ROOT / "models"),
                        help="folder --ship writes to (default models/)")
    parser.add_argument("--update-card", default=None, metavar="CARD",
                        help="with --model: write this run's tables into the model card CARD (e.g. "
                             "models/learned_di.md) as the section on the plugin's defaults, replacing "
                             "that section if present; the card's test set must be this run's")
    parser.add_argument("--retrain-ablations", action="store_true",
                        help="also retrain one model per condition group left out (4x the training time)")
    parser.add_argument("--train-stacks", type=int, default=20,
                        help="training stacks over fractal DEMs (default 20)")
    parser.add_argument("--train-real-stacks", type=int, default=4,
                        help="training stacks over crops of the real DEMs in ../shared/data/dem (default 4; "
                             "0 where the folder is absent)")
    parser.add_argument("--size", type=int, default=128,
                        help="side of the fractal stacks, pixels (default 128)")
    parser.add_argument("--real-dem", default=str(DEFAULT_REAL_DEM),
                        help="real DEM for one test stack ('' to skip; default Rome-30m-DEM.tif)")
    parser.add_argument("--real-size", type=int, default=192,
                        help="crop of the real DEM, pixels (default 192)")
    parser.add_argument("--targets", type=int, default=8, help="targets per test stack (default 8)")
    parser.add_argument("--n-inputs", type=int, default=N_INPUTS, help="earlier acquisitions per target (4)")
    parser.add_argument("--despeckle", default="none", choices=("none",) + registry.METHODS,
                        help="speckle filter applied alike to the acquired images of both DIs (default none)")
    parser.add_argument("--despeckle-size", type=int, default=3, help="filter window, pixels (default 3)")
    parser.add_argument("--looks", type=float, nargs="+", default=[4.0],
                        help="speckle ENL of the test stacks; one table per value (default 4)")
    parser.add_argument("--train-looks", type=float, nargs="+", default=None,
                        help="speckle ENL of the training stacks, cycled over them (default: --looks)")
    parser.add_argument("--seed", type=int, default=0, help="seed of changes, samples and training")
    parser.add_argument("--season-weight", type=float, default=None,
                        help="draw snowy or frozen training targets and freeze/thaw or snow transitions this "
                             "many times more often (models.learned_di.dataset.season_weights; default none)")
    parser.add_argument("--threads", type=int, default=2, help="torch and onnxruntime threads (default 2)")
    parser.add_argument("--workdir", default=None, help="folder for the stacks (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--verbose", action="store_true", help="print every target")
    args = parser.parse_args(argv)
    if args.train_looks is None:
        args.train_looks = list(args.looks)
    if (set(TEST_SEEDS) | {REAL_DEM_SEED}) - set(plan.HELD_OUT_SEEDS):
        raise SystemExit("the test seeds must be held out of the training plan (simulated_stacks)")
    if args.train_real_stacks and not plan.DEFAULT_DEM_DIR.is_dir():
        log(f"real DEMs {plan.DEFAULT_DEM_DIR} not found: training stacks over fractal DEMs only")
        args.train_real_stacks = 0
    if args.ship and (args.model or args.baseline_predictor):
        raise SystemExit("--ship ships a model trained by this run: drop --model / --baseline-predictor")
    if args.update_card and (not args.model or args.ship):
        raise SystemExit("--update-card evaluates a shipped model: give --model, without --ship")
    if args.update_card and not Path(args.update_card).is_file():
        raise SystemExit(f"--update-card: no model card at {args.update_card}")
    if args.real_dem and not Path(args.real_dem).exists():
        log(f"real DEM {args.real_dem} not found: test stacks over fractal DEMs only")
        args.real_dem = ""

    t_start = time.perf_counter()
    workdir = args.workdir or tempfile.mkdtemp(prefix="sar_change_learned_di_")
    os.makedirs(workdir, exist_ok=True)
    log(f"Learned DI benchmark: work folder {workdir}, {os.cpu_count()} CPU core(s)")
    try:
        select_inputs = input_selector()
        train_info = None
        retrained = {}
        if args.baseline_predictor:
            predictor = None
            log("no model (--baseline-predictor): the reference rows only")
        else:
            model_path = args.model
            if model_path is None:
                t0 = time.perf_counter()
                dirs, specs = training_stacks(workdir, args.train_stacks, args.train_real_stacks, args.size,
                                              args.train_looks)
                n_acq = sum(len(dif.read_acquisitions(os.path.join(d, "acquisitions.csv"))) for d in dirs)
                log(f"training data: {len(dirs)} stacks ({args.size} x {args.size} px, "
                    f"{looks_text(args.train_looks)}), {n_acq} acquisitions, "
                    f"simulated in {time.perf_counter() - t0:.1f} s:")
                for spec in specs:
                    log(f"  {spec.name}: {spec.period[0]}..{spec.period[1]}")
                model_path = os.path.join(workdir, "learned_di.onnx")
                if args.epochs is None:
                    args.epochs, sec = calibrate_epochs(dirs, workdir, args)
                    log(f"  {args.epochs} epochs should fit in {args.minutes:g} min (throughput measured "
                        f"in {sec:.0f} s)")
                log(f"training ({args.arch}, {args.epochs} epochs, budget {args.minutes:g} min) ...")
                summary, seconds = train_model(dirs, model_path, args)
                log(f"  {describe_training(summary, seconds)}")
                seasons = seasonal_validation(dirs, model_path, args.n_inputs, args.threads)
                log("validation targets of the training stacks by season:")
                log(format_seasons(seasons))
                train_info = (specs, summary, seconds, seasons)
                if args.retrain_ablations:
                    for group, columns in RETRAIN_BLANK.items():
                        slug = group.replace(" ", "_")
                        blank = blanked_stacks(dirs, os.path.join(workdir, f"train_no_{slug}"), columns)
                        path = os.path.join(workdir, f"learned_di_no_{slug}.onnx")
                        log(f"retraining without {group} (acquisitions.csv columns {', '.join(columns)} "
                            "emptied) ...")
                        s, sec = train_model(blank, path, args)
                        log(f"  {describe_training(s, sec)}")
                        retrained[group] = path
            predictor = OnnxPredictor(model_path, args.threads)
            log(f"predictor: {predictor.label}; conditions: {', '.join(predictor.condition_names)}")
            if predictor.n_inputs != args.n_inputs:
                log(f"  the model takes {predictor.n_inputs} earlier acquisitions: --n-inputs "
                    f"{args.n_inputs} is replaced by {predictor.n_inputs}")
                args.n_inputs = predictor.n_inputs

        if args.baseline_predictor:
            variants, centred = {}, None
        else:
            uncentred, centred = main_di_labels(Path(args.model).name if args.model
                                                else f"{args.arch}, trained here")
            variants = {uncentred: []}
            for group, index in ablation_indices(predictor.condition_names).items():
                zeroed = ", ".join(predictor.condition_names[i] for i in index)
                variants[f"ablation: no {group} (zeroed at inference)"] = index
                log(f"  ablation 'no {group}' zeroes: {zeroed}")
        despeckle = despeckler(args.despeckle, args.despeckle_size)
        results = []
        for looks in args.looks:
            results.append(evaluate_at(looks, args, predictor, variants, centred, retrained, select_inputs,
                                       despeckle, workdir))
            if args.update_card:
                check_card_test_set(args.update_card, results)  # before spending the other looks' time
        runtime = time.perf_counter() - t_start
        for looks, stacks, _, table, by_stack in results:
            log("")
            log(f"Test speckle: {looks:g} looks")
            log(format_table(table))
            log("AUC per test stack (offset / statistical):")
            main_rows = {CONVENTIONAL: "conventional", next(iter(variants), None): "learned DI uncentred",
                         centred: "learned DI centred", ORACLE: "oracle"}
            main_rows = {label: short for label, short in main_rows.items() if label in by_stack}
            for s, stack in enumerate(stacks):
                cells = "; ".join(f"{short} {by_stack[label][s][0]:.3f} / {by_stack[label][s][1]:.3f}"
                                  for label, short in main_rows.items())
                log(f"  {stack.name}: {cells}")
        log("")
        for line in paper_lines():
            log(line)
        log(f"\nTotal run time {runtime / 60:.1f} min")

        if args.ship:
            ship_dir = Path(args.ship_dir)
            ship_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(model_path, ship_dir / "learned_di.onnx")
            write_model_card(ship_dir / "learned_di.md", args, predictor, train_info, results, runtime)
            log(f"shipped: {ship_dir / 'learned_di.onnx'}, {ship_dir / 'learned_di.md'}")
        if args.update_card:
            update_model_card(args.update_card, args, results, runtime)
            log(f"model card section written: {args.update_card} ({CARD_SECTION_HEADING})")
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
