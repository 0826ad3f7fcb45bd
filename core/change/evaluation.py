"""Accuracy of a change map against a reference change mask (numpy, QGIS-free).

What is measured
----------------
- A binary change map (prediction: 0 = unchanged, 1 = changed) against a
  reference mask gives the confusion counts TP, FP, FN, TN (pixels) and the
  measures derived from them (``Confusion``): false alarms FP, missed
  alarms FN, overall error OE = FP + FN (pixels, as SAR change-detection
  papers report it), percentage correct classification
  PCC = 100 (TP + TN) / N (%), Cohen's kappa, precision, recall, F1 and the
  intersection over union (IoU).
- A continuous difference image (DI, larger = more likely changed) against
  the reference mask gives the receiver operating characteristic (ROC) and
  the area under it (AUC), independent of any threshold (``roc_curve``).

Formulas
--------
With N = TP + FP + FN + TN:

- observed agreement p_o = (TP + TN) / N;
- chance agreement p_e = [(TP + FP)(TP + FN) + (FN + TN)(FP + TN)] / N^2
  (products of the predicted and reference marginals);
- kappa = (p_o - p_e) / (1 - p_e) (Cohen 1960; Congalton 1991 for its use
  in remote-sensing accuracy assessment);
- precision = TP / (TP + FP), recall = TP / (TP + FN),
  F1 = 2 TP / (2 TP + FP + FN), IoU = TP / (TP + FP + FN);
- ROC: for every distinct score t, the point
  (FPR, TPR) = (FP(t) / (FP + TN), TP(t) / (TP + FN)) of the rule
  "changed when score >= t"; AUC by the trapezoid rule over these points,
  which counts a tied changed/unchanged pair as one half: the AUC equals the
  Mann-Whitney probability P(s_changed > s_unchanged) + P(=) / 2
  (Fawcett 2006, "An introduction to ROC analysis", Pattern Recognit. Lett. 27).

A measure whose denominator is zero (e.g. precision with no predicted
change) is NaN, never a silent 0.

Value conventions
-----------------
- Reference arrays: 0 = unchanged, 1 or 255 = changed, any other value
  (including NaN) = ignored. Reference rasters are stricter
  (``reference_labels``, ``read_reference_mask``): 0/1, 0/255 or 0/1 plus the
  band's no-data value; anything else is refused with the fix.
- Prediction arrays: 0 = unchanged, 1 (or 255, as in 0/255 masks) =
  changed, NaN = no data (ignored); booleans work. Any other value is an
  error: threshold a continuous image first.
- Normalised labels (``reference_labels``): 1 changed, 0 unchanged,
  -1 ignored (int8).

Streaming
---------
``Confusion`` objects add up, so counts from blocks (``accumulate``) equal
the counts of the whole scene and a scene never needs to be in memory;
``evaluate_rasters`` streams rasters block by block and keeps only a bounded
systematic sample for the ROC and the plots. ``RocHistogram`` gives an
approximate ROC from fixed bins, for inputs too large to sort, with an
exact bound on its AUC error.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..engine.raster_blocks import (
    DEFAULT_BLOCK,
    Cancelled,
    RasterError,
    Window,
    block_windows,
    gdal_cache_budget,
    open_readonly,
    read_block,
    read_info,
)
from ..engine.validation import grid_problem

#: The message every refused reference mask carries.
REFERENCE_HELP = "reference mask must hold 0 = unchanged, 1 or 255 = changed, or no data"
#: The message every refused prediction carries.
PREDICTION_HELP = ("prediction must hold 0 = unchanged, 1 (or 255) = changed, or no data; "
                   "threshold a continuous difference image first")
#: Normalised reference labels.
CHANGED, UNCHANGED, IGNORED = 1, 0, -1
#: Largest ROC sample, pixels: all pixels up to this, else a systematic subsample.
MAX_SAMPLE_PIXELS = 4_000_000
#: Default number of bins of the histogram ROC.
HISTOGRAM_BINS = 4096


def _ratio(num, den):
    """num / den as a float, NaN when den == 0 (Python ints: exact before the division)."""
    return num / den if den else float("nan")


# --------------------------------------------------------------------------- confusion


@dataclass(frozen=True)
class Confusion:
    """Confusion counts of a binary change map (pixels) and the measures derived from them.

    ``tp``: changed in both; ``fp``: predicted changed, reference unchanged
    (false alarms); ``fn``: predicted unchanged, reference changed (missed
    alarms); ``tn``: unchanged in both. Ignored pixels are in none of them.
    Confusions add up (``a + b``): blocks of a scene sum to the scene.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def __add__(self, other):
        if not isinstance(other, Confusion):
            return NotImplemented
        return Confusion(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn, self.tn + other.tn)

    @property
    def total(self):
        """N = TP + FP + FN + TN, pixels evaluated."""
        return self.tp + self.fp + self.fn + self.tn

    @property
    def changed_reference(self):
        """Changed pixels of the reference, TP + FN."""
        return self.tp + self.fn

    @property
    def changed_predicted(self):
        """Changed pixels of the prediction, TP + FP."""
        return self.tp + self.fp

    @property
    def oe(self):
        """Overall error OE = FP + FN, pixels."""
        return self.fp + self.fn

    @property
    def pcc(self):
        """Percentage correct classification PCC = 100 (TP + TN) / N, percent (0 to 100)."""
        return 100.0 * _ratio(self.tp + self.tn, self.total)

    @property
    def kappa(self):
        """Cohen's kappa (p_o - p_e) / (1 - p_e), unitless, -1 to 1 (Cohen 1960; Congalton 1991).

        NaN when p_e = 1 (prediction and reference both a single, identical class).
        """
        n = self.total
        if n == 0:
            return float("nan")
        agree = self.tp + self.tn
        chance = (self.tp + self.fp) * (self.tp + self.fn) + (self.fn + self.tn) * (self.fp + self.tn)
        # (p_o - p_e) / (1 - p_e) with both scaled by N^2: exact integers until the division.
        return _ratio(agree * n - chance, n * n - chance)

    @property
    def precision(self):
        """TP / (TP + FP), fraction 0 to 1 (user's accuracy of the changed class)."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self):
        """TP / (TP + FN), fraction 0 to 1 (detection rate, producer's accuracy)."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self):
        """F1 = 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall, 0 to 1."""
        return _ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn)

    @property
    def iou(self):
        """Intersection over union of the changed class, TP / (TP + FP + FN), 0 to 1."""
        return _ratio(self.tp, self.tp + self.fp + self.fn)

    @property
    def false_alarm_rate(self):
        """FP / (FP + TN), fraction of unchanged reference pixels flagged as changed."""
        return _ratio(self.fp, self.fp + self.tn)

    @property
    def missed_rate(self):
        """FN / (TP + FN), fraction of changed reference pixels missed."""
        return _ratio(self.fn, self.tp + self.fn)

    def as_dict(self):
        """Counts and measures as a plain dict (JSON-ready; NaN stays NaN)."""
        names = ("tp", "fp", "fn", "tn", "total", "changed_reference", "changed_predicted", "oe",
                 "pcc", "kappa", "precision", "recall", "f1", "iou", "false_alarm_rate", "missed_rate")
        return {name: getattr(self, name) for name in names}


#: Units of the ``Confusion.as_dict`` entries, for reports.
CONFUSION_UNITS = {
    "tp": "pixels", "fp": "pixels", "fn": "pixels", "tn": "pixels", "total": "pixels",
    "changed_reference": "pixels", "changed_predicted": "pixels", "oe": "pixels",
    "pcc": "percent", "kappa": "unitless", "precision": "fraction", "recall": "fraction",
    "f1": "fraction", "iou": "fraction", "false_alarm_rate": "fraction", "missed_rate": "fraction",
}


def _changed_prediction(pred):
    """Boolean changed and valid arrays of a prediction; ValueError on other values."""
    pred = np.asarray(pred)
    if pred.dtype == bool:
        return pred, np.ones(pred.shape, bool)
    changed = (pred == 1) | (pred == 255)
    if np.issubdtype(pred.dtype, np.floating):
        valid = ~np.isnan(pred)
    else:
        valid = np.ones(pred.shape, bool)
    bad = valid & ~changed & (pred != 0)
    if bad.any():
        values = np.unique(pred[bad])[:5]
        raise ValueError(f"{PREDICTION_HELP} (found {', '.join(f'{v:g}' for v in values)})")
    return changed, valid


def _reference_classes(ref):
    """Boolean changed and unchanged arrays of a reference (other values: neither)."""
    ref = np.asarray(ref)
    if ref.dtype == bool:
        return ref, ~ref
    return (ref == 1) | (ref == 255), ref == 0


def confusion(pred, ref, ignore=None):
    """Confusion counts of prediction ``pred`` against reference ``ref`` (same shape).

    ``pred``: 0 = unchanged, 1 or 255 = changed, NaN = no data (ignored);
    bool arrays work. ``ref``: 0 = unchanged, 1 or 255 = changed, any other
    value or NaN = ignored (normalised labels from ``reference_labels``
    work: -1 is ignored). ``ignore``: optional boolean array, True = leave
    the pixel out. Raises ValueError on a prediction value other than 0, 1,
    255 or NaN. Returns a ``Confusion`` (pixel counts).
    """
    pred = np.asarray(pred)
    ref = np.asarray(ref)
    if pred.shape != ref.shape:
        raise ValueError(f"prediction {pred.shape} and reference {ref.shape} differ in shape")
    p_changed, p_valid = _changed_prediction(pred)
    r_changed, r_unchanged = _reference_classes(ref)
    valid = p_valid & (r_changed | r_unchanged)
    if ignore is not None:
        ignore = np.asarray(ignore, bool)
        if ignore.shape != ref.shape:
            raise ValueError(f"ignore mask {ignore.shape} and reference {ref.shape} differ in shape")
        valid &= ~ignore
    code = (2 * r_changed.astype(np.uint8) + p_changed.astype(np.uint8))[valid]
    tn, fp, fn, tp = (int(c) for c in np.bincount(code.ravel(), minlength=4))
    return Confusion(tp=tp, fp=fp, fn=fn, tn=tn)


def accumulate(blocks, initial=None):
    """Sum of ``confusion(*block)`` over an iterable of (pred, ref[, ignore]) blocks.

    Only one block is in memory at a time when ``blocks`` is a generator;
    the result equals the confusion of the whole scene. ``initial``: a
    Confusion to add to (default empty).
    """
    total = Confusion() if initial is None else initial
    for block in blocks:
        total = total + confusion(*block)
    return total


# --------------------------------------------------------------------------- reference masks


def reference_labels(values, source="reference mask"):
    """Normalised labels (int8: 1 changed, 0 unchanged, -1 no data) of reference values.

    ``values``: the mask's pixel values with no data already NaN (as
    ``raster_blocks.read_block`` returns them). Accepted: 0/1, 0/255, 0/1
    with no data; any other value, or both 1 and 255 present, raises
    ValueError naming ``source`` and the fix.
    """
    values = np.asarray(values)
    labels = np.full(values.shape, IGNORED, np.int8)
    unchanged = values == 0
    one, full = values == 1, values == 255
    labels[unchanged] = UNCHANGED
    labels[one | full] = CHANGED
    nodata = np.isnan(values) if np.issubdtype(values.dtype, np.floating) else np.zeros(values.shape, bool)
    bad = ~(unchanged | one | full | nodata)
    if bad.any():
        found = ", ".join(f"{v:g}" for v in np.unique(values[bad])[:5])
        raise ValueError(f"{source}: found value(s) {found}: {REFERENCE_HELP}. Reclassify the mask "
                         "(e.g. with the Raster calculator) or declare the extra value as the band's "
                         "no-data value")
    if one.any() and full.any():
        raise ValueError(_mixed_message(source))
    return labels


def _mixed_message(source):
    return (f"{source}: holds both 1 and 255: {REFERENCE_HELP}, not both. If 255 marks missing "
            "pixels, declare 255 as the band's no-data value")


def read_reference_mask(path, band=1):
    """Read band ``band`` of a reference mask raster as normalised int8 labels.

    1 = changed (pixel value 1 or 255), 0 = unchanged, -1 = no data (the
    band's no-data value). Any other value raises ValueError ("reference mask
    must hold 0 = unchanged, 1 or 255 = changed, or no data"). RGB masks
    saved as 8-bit images (e.g. the BMP benchmarks) hold the same value in
    every band, so band 1 is enough. The whole band is read: use
    ``evaluate_rasters`` for scenes that do not fit in memory.
    """
    info = read_info(path)
    if not 1 <= band <= info.bands:
        raise RasterError(f"{path} has {info.bands} band(s); band {band} does not exist")
    ds = open_readonly(path)
    win = Window((0, 0, info.xsize, info.ysize), (0, 0, info.xsize, info.ysize))
    values = read_block(ds.GetRasterBand(band), win, info.nodata[band - 1])
    return reference_labels(values, source=f"reference mask {path}")


# --------------------------------------------------------------------------- ROC


@dataclass(frozen=True, eq=False)
class RocCurve:
    """A ROC curve: points (fpr, tpr) for decreasing ``thresholds``, and its AUC.

    ``fpr``, ``tpr``: fractions 0 to 1 from (0, 0) to (1, 1);
    ``thresholds[i]``: the score t of the rule "changed when score >= t"
    that gives point i (score units; the first one is +inf: nothing
    changed). ``auc``: area under the full curve (computed before any
    thinning by ``max_points``), unitless 0 to 1. ``changed``,
    ``unchanged``: reference pixels used. ``method``: "exact" or
    "histogram". ``auc_error_bound``: 0 for the exact curve; for the
    histogram curve, the largest possible |AUC_histogram - AUC_exact|.
    """

    fpr: np.ndarray
    tpr: np.ndarray
    thresholds: np.ndarray
    auc: float
    changed: int
    unchanged: int
    method: str = "exact"
    balanced: bool = False
    auc_error_bound: float = 0.0

    def as_dict(self, max_points=None):
        """Plain dict (lists of floats; +inf threshold kept as inf), thinned to ``max_points``."""
        keep = _thin_index(len(self.fpr), max_points)
        return {
            "auc": self.auc, "changed": self.changed, "unchanged": self.unchanged,
            "method": self.method, "balanced": self.balanced, "auc_error_bound": self.auc_error_bound,
            "fpr": self.fpr[keep].tolist(), "tpr": self.tpr[keep].tolist(),
            "thresholds": self.thresholds[keep].tolist(),
        }


def _thin_index(n, max_points):
    """At most ``max_points`` indices of 0..n-1, evenly spaced, first and last kept."""
    if max_points is None or n <= max_points:
        return np.arange(n)
    if max_points < 2:
        raise ValueError("max_points must be >= 2")
    return np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))


def _scored_pixels(scores, ref):
    """Finite scores of labelled pixels (float64) and their changed flags."""
    scores = np.asarray(scores, dtype=np.float64)
    ref = np.asarray(ref)
    if scores.shape != ref.shape:
        raise ValueError(f"scores {scores.shape} and reference {ref.shape} differ in shape")
    changed, unchanged = _reference_classes(ref)
    keep = (changed | unchanged) & np.isfinite(scores)
    return scores[keep], changed[keep]


def _balance(scores, changed, seed):
    """Keep all of the minority class and as many random pixels of the majority class."""
    pos, neg = np.flatnonzero(changed), np.flatnonzero(~changed)
    size = min(pos.size, neg.size)
    rng = np.random.default_rng(seed)
    if pos.size > size:
        pos = np.sort(rng.choice(pos, size, replace=False))
    if neg.size > size:
        neg = np.sort(rng.choice(neg, size, replace=False))
    keep = np.concatenate((pos, neg))
    return scores[keep], changed[keep]


def _check_classes(n_changed, n_unchanged):
    if n_changed == 0 or n_unchanged == 0:
        raise ValueError(f"a ROC curve needs changed and unchanged reference pixels with valid scores "
                         f"(found {n_changed} changed, {n_unchanged} unchanged)")


def _area_from_counts(fps, tps):
    """Trapezoid area under the (fps, tps) staircase in count units, x2 (exact integer)."""
    fps = np.asarray(fps, np.int64)
    tps = np.asarray(tps, np.int64)
    return int(np.sum(np.diff(fps) * (tps[1:] + tps[:-1])))


def _corner_index(fps, tps):
    """Indices of the points that are not on the straight line through their neighbours."""
    n = len(fps)
    if n <= 2:
        return np.arange(n)
    dx, dy = np.diff(fps), np.diff(tps)
    # Steps are non-negative and never (0, 0); a zero cross product means the same direction.
    turn = dx[:-1] * dy[1:] - dy[:-1] * dx[1:]
    return np.flatnonzero(np.r_[True, turn != 0, True])


def roc_curve(scores, ref, balanced=False, max_points=None, drop_intermediate=False, seed=0):
    """Exact ROC curve of a continuous score against a reference mask (Fawcett 2006).

    ``scores``: any array, larger = more likely changed (a DI); NaN/inf are
    ignored. ``ref``: same shape, 0 = unchanged, 1 or 255 = changed, other
    values ignored. One point per distinct score: tied scores move the curve
    diagonally, as ``sklearn.metrics.roc_curve`` does, so the AUC counts tied
    changed/unchanged pairs as one half. The first threshold is +inf (origin).

    ``drop_intermediate``: drop points lying on the straight segment between
    their neighbours (the curve and its AUC do not change; this drops at
    least the points sklearn drops). ``balanced``: subsample the majority
    class to the size of the minority class with ``np.random.default_rng(seed)``
    (balanced sampling as in Alatalo, Sipola & Rantonen 2023); the AUC is
    prevalence-independent, so it estimates the same AUC with a sampling error
    of order 1 / sqrt(minority size). ``max_points``: thin the returned points
    to at most this many (for plots); the AUC is computed before thinning.
    Raises ValueError if either class is absent. Sorting costs O(n log n)
    and about 20 bytes per pixel: above a few 10^7 pixels use
    ``RocHistogram``.
    """
    scores, changed = _scored_pixels(scores, ref)
    if balanced:
        scores, changed = _balance(scores, changed, seed)
    n_pos = int(np.count_nonzero(changed))
    n_neg = int(changed.size - n_pos)
    _check_classes(n_pos, n_neg)
    order = np.argsort(scores, kind="stable")[::-1]
    ranked = scores[order]
    hits = np.cumsum(changed[order], dtype=np.int64)
    last = np.r_[np.flatnonzero(ranked[1:] != ranked[:-1]), ranked.size - 1]  # end of each tie run
    tps = np.r_[0, hits[last]]
    fps = np.r_[0, last + 1 - hits[last]]
    thresholds = np.r_[np.inf, ranked[last]]
    auc_value = _area_from_counts(fps, tps) / (2 * n_pos * n_neg)
    if drop_intermediate:
        keep = _corner_index(fps, tps)
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    keep = _thin_index(len(fps), max_points)
    return RocCurve(fpr=fps[keep] / n_neg, tpr=tps[keep] / n_pos, thresholds=thresholds[keep],
                    auc=auc_value, changed=n_pos, unchanged=n_neg, method="exact", balanced=balanced)


def auc(fpr, tpr):
    """Area under a curve by the trapezoid rule: sum of (x_i+1 - x_i)(y_i+1 + y_i) / 2.

    ``fpr`` must be monotonic (either direction); units are those of x times
    y (unitless for ROC). Equals ``RocCurve.auc`` on an unthinned curve.
    """
    x = np.asarray(fpr, np.float64)
    y = np.asarray(tpr, np.float64)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise ValueError("auc needs two 1-D arrays of the same length >= 2")
    dx = np.diff(x)
    if np.all(dx >= 0):
        sign = 1.0
    elif np.all(dx <= 0):
        sign = -1.0
    else:
        raise ValueError("x (fpr) must be monotonic to integrate by the trapezoid rule")
    return sign * float(np.sum(dx * (y[1:] + y[:-1])) / 2.0)


class RocHistogram:
    """Approximate ROC from per-class score histograms: streaming, fixed memory.

    Scores are binned into ``bins`` equal bins over [low, high] (values
    outside go to the end bins); ``add`` counts blocks of (scores, ref), so
    a scene of any size is one pass with 2 x ``bins`` counters. The curve
    has a point per bin edge (thresholds = lower bin edges, rule "changed
    when score falls in this bin or above").

    Error: pairs of a changed and an unchanged pixel in different bins are
    ordered exactly; pairs in the same bin count as ties (1/2), where the
    exact AUC counts them 0, 1/2 or 1. Hence
    |AUC_hist - AUC_exact| <= sum_b P_b N_b / (2 P N) (P_b, N_b: changed and
    unchanged pixels in bin b; P, N: totals), reported as
    ``RocCurve.auc_error_bound``. With 4096 bins over the range of a smooth
    score distribution the bound is a few 1e-4 (2.9e-4 for two unit normals
    1 apart, 15 % changed; the actual error was 5e-7); it grows when much of both
    classes shares few bins (e.g. a DI with few distinct values: then use
    the exact ``roc_curve``).
    """

    def __init__(self, low, high, bins=HISTOGRAM_BINS):
        if not (math.isfinite(low) and math.isfinite(high) and high > low):
            raise ValueError(f"histogram range must be finite with high > low (got {low}, {high})")
        if bins < 1:
            raise ValueError("bins must be >= 1")
        self.low, self.high, self.bins = float(low), float(high), int(bins)
        self.changed = np.zeros(self.bins, np.int64)
        self.unchanged = np.zeros(self.bins, np.int64)

    def add(self, scores, ref):
        """Count a block: ``scores`` and ``ref`` as in ``roc_curve``."""
        scores, changed = _scored_pixels(scores, ref)
        scale = self.bins / (self.high - self.low)
        index = np.clip(np.floor((scores - self.low) * scale), 0, self.bins - 1).astype(np.int64)
        self.changed += np.bincount(index[changed], minlength=self.bins)
        self.unchanged += np.bincount(index[~changed], minlength=self.bins)

    def curve(self, max_points=None):
        """The ROC curve from the counts so far (``RocCurve`` with method "histogram")."""
        n_pos, n_neg = int(self.changed.sum()), int(self.unchanged.sum())
        _check_classes(n_pos, n_neg)
        used = np.flatnonzero((self.changed + self.unchanged) > 0)[::-1]  # highest bin first
        tps = np.r_[0, np.cumsum(self.changed[used])]
        fps = np.r_[0, np.cumsum(self.unchanged[used])]
        edges = self.low + (self.high - self.low) * used / self.bins
        thresholds = np.r_[np.inf, edges]
        auc_value = _area_from_counts(fps, tps) / (2 * n_pos * n_neg)
        shared = int(np.sum(self.changed * self.unchanged))
        keep = _thin_index(len(fps), max_points)
        return RocCurve(fpr=fps[keep] / n_neg, tpr=tps[keep] / n_pos, thresholds=thresholds[keep],
                        auc=auc_value, changed=n_pos, unchanged=n_neg, method="histogram",
                        auc_error_bound=shared / (2 * n_pos * n_neg))


def histogram_roc_curve(scores, ref, bins=HISTOGRAM_BINS, value_range=None, max_points=None):
    """Approximate ROC of in-memory ``scores`` with ``RocHistogram`` (see its error bound).

    ``value_range``: (low, high) of the bins, default the finite score range.
    """
    if value_range is None:
        valid, _ = _scored_pixels(scores, ref)
        if valid.size == 0:
            _check_classes(0, 0)
        low, high = float(valid.min()), float(valid.max())
        if high <= low:
            high = low + 1.0
        value_range = (low, high)
    hist = RocHistogram(value_range[0], value_range[1], bins)
    hist.add(scores, ref)
    return hist.curve(max_points)


# --------------------------------------------------------------------------- rasters


def grid_mismatch(info, ref_info):
    """Why raster ``info`` is not on the grid of ``ref_info`` (a phrase), or None if it is.

    Same grid = same size in pixels, the same geotransform (to a millionth of
    a pixel) and the same CRS (``core.engine.validation.grid_problem``, which says
    which of size, pixel size, origin or CRS differs).
    """
    return grid_problem(info, ref_info)


def sample_stride(xsize, ysize, max_pixels=MAX_SAMPLE_PIXELS):
    """Row and column step s of the systematic sample: every s-th row and column.

    s = 1 (all pixels) when xsize * ysize <= ``max_pixels``; otherwise the
    smallest s with ceil(xsize / s) * ceil(ysize / s) <= ``max_pixels``.
    """
    if max_pixels < 1:
        raise ValueError("max_pixels must be >= 1")
    step = max(1, math.ceil(math.sqrt(xsize * ysize / max_pixels)))
    while math.ceil(xsize / step) * math.ceil(ysize / step) > max_pixels:
        step += 1
    return step


@dataclass(eq=False)
class Evaluation:
    """What ``evaluate_rasters`` measured.

    ``confusion``: counts over every pixel (None without a prediction).
    ``roc``: exact ROC of the DI on the sample (None without a DI, or when
    a class is absent: see ``notes``). ``di_changed``, ``di_unchanged``: DI
    values (DI units) of the sampled changed / unchanged reference pixels.
    ``sample_prediction`` (float32, NaN = no data) and ``sample_reference``
    (int8 labels): the sample grid as 2-D images, for the change-map plot.
    ``stride``: the sample takes every ``stride``-th row and column.
    """

    confusion: object = None
    roc: object = None
    di_changed: np.ndarray = None
    di_unchanged: np.ndarray = None
    sample_prediction: np.ndarray = None
    sample_reference: np.ndarray = None
    stride: int = 1
    threshold: float = None
    notes: list = field(default_factory=list)

    @property
    def sample_pixels(self):
        """Pixels in the sample grid (labelled or not)."""
        return 0 if self.sample_reference is None else int(self.sample_reference.size)


def _sample_slices(window, stride):
    """Slices of a block (core = read window) on the sample grid, and the sample's slices."""
    x, y, w, h = window.core
    dy, dx = (-y) % stride, (-x) % stride
    rows, cols = len(range(dy, h, stride)), len(range(dx, w, stride))
    sy, sx = (y + dy) // stride, (x + dx) // stride
    return ((slice(dy, h, stride), slice(dx, w, stride)),
            (slice(sy, sy + rows), slice(sx, sx + cols)))


#: How a DI ranks change: larger values, smaller values (a decrease, e.g. a flood in a
#: log-ratio), or larger magnitude (two-sided).
DI_HIGHER, DI_LOWER, DI_ABSOLUTE = "higher", "lower", "absolute"
DI_DIRECTIONS = (DI_HIGHER, DI_LOWER, DI_ABSOLUTE)


def oriented_scores(values, direction):
    """DI values turned into change scores (larger = more change) for ``direction``."""
    if direction == DI_HIGHER:
        return values
    if direction == DI_LOWER:
        return -values
    if direction == DI_ABSOLUTE:
        return np.abs(values)
    raise ValueError(f"unknown DI direction {direction!r}; use one of {DI_DIRECTIONS}")


def evaluate_rasters(reference, prediction=None, di=None, threshold=None, balanced=False,
                     max_sample=MAX_SAMPLE_PIXELS, block=DEFAULT_BLOCK, seed=0, progress=None,
                     is_canceled=None, di_direction=DI_HIGHER):
    """Evaluate a change map and/or a DI raster against a reference mask raster, streaming.

    ``reference``, ``prediction``, ``di``: raster paths (band 1 of each);
    prediction and DI must be on the reference's grid. At least one of
    ``prediction`` and ``di`` is needed. ``threshold``: DI value (DI units)
    of the change rule "changed when DI >= threshold"; without a prediction
    it makes one from the DI. Confusion counts use every pixel, block by
    block (memory bounded by ``block``). The ROC and the DI values use a
    systematic sample: all pixels when the scene has at most ``max_sample``
    pixels, else every s-th row and column (``sample_stride``), which
    covers the scene evenly. ``balanced``, ``seed``: see ``roc_curve``.
    ``progress(percent)``, ``is_canceled()``: optional callbacks; cancel
    raises ``Cancelled``. ``di_direction``: 'higher' (default), 'lower'
    (change where DI <= threshold; ROC of -DI) or 'absolute' (|DI|); the ROC,
    the histograms and the threshold are then in those oriented units.
    Raises RasterError (grid, reading) or ValueError (values). Returns an
    ``Evaluation``.
    """
    oriented_scores(np.zeros(1), di_direction)  # validate early
    if threshold is not None and di_direction == DI_LOWER:
        threshold = -threshold
    if prediction is None and di is None:
        raise ValueError("give a prediction (change map), a difference image, or both")
    ref_info = read_info(reference)
    inputs = {"prediction": prediction, "difference image": di}
    for role, path in inputs.items():
        if path is None:
            continue
        why = grid_mismatch(read_info(path), ref_info)
        if why:
            raise RasterError(f"{role} {path} is not on the grid of the reference {reference}: {why}. "
                              "resample/coregister onto the reference grid first")
    stride = sample_stride(ref_info.xsize, ref_info.ysize, max_sample)
    shape = (math.ceil(ref_info.ysize / stride), math.ceil(ref_info.xsize / stride))
    sample_ref = np.full(shape, IGNORED, np.int8)
    make_prediction = prediction is not None or (di is not None and threshold is not None)
    sample_pred = np.full(shape, np.nan, np.float32) if make_prediction else None
    sample_di = np.full(shape, np.nan, np.float32) if di is not None else None

    # Under the engine's GDAL cache cap: GDAL would otherwise keep every block read of the three rasters
    # (1.8 GB peak on a full 25,000 x 17,000 scene, benchmarks/scale.py).
    with gdal_cache_budget():
        datasets = {"reference": open_readonly(reference)}
        nodata = {"reference": ref_info.nodata[0]}
        for role, path in (("prediction", prediction), ("di", di)):
            if path is not None:
                datasets[role] = open_readonly(path)
                nodata[role] = read_info(path).nodata[0]

        def read(role, window):
            return read_block(datasets[role].GetRasterBand(1), window, nodata[role])

        total = Confusion() if make_prediction else None
        seen_one = seen_full = False
        windows = block_windows(ref_info.xsize, ref_info.ysize, block)
        for done, window in enumerate(windows, 1):
            if is_canceled is not None and is_canceled():
                raise Cancelled("cancelled by the user")
            values = read("reference", window)
            seen_one = seen_one or bool(np.any(values == 1))
            seen_full = seen_full or bool(np.any(values == 255))
            if seen_one and seen_full:
                raise ValueError(_mixed_message(f"reference mask {reference}"))
            labels = reference_labels(values, source=f"reference mask {reference}")
            scores = oriented_scores(read("di", window), di_direction) if di is not None else None
            pred = None
            if prediction is not None:
                pred = read("prediction", window)
                try:
                    _changed_prediction(pred)
                except ValueError as exc:
                    raise ValueError(f"prediction {prediction}: {exc}") from None
            elif make_prediction:
                pred = np.where(np.isnan(scores), np.nan, scores >= threshold).astype(np.float32)
            if make_prediction:
                total = total + confusion(pred, labels)
            block_part, sample_part = _sample_slices(window, stride)
            sample_ref[sample_part] = labels[block_part]
            if sample_pred is not None:
                sample_pred[sample_part] = pred[block_part]
            if sample_di is not None:
                sample_di[sample_part] = scores[block_part]
            if progress is not None:
                progress(100.0 * done / len(windows))
        datasets.clear()

    result = Evaluation(confusion=total, sample_prediction=sample_pred, sample_reference=sample_ref,
                        stride=stride, threshold=threshold)
    if stride > 1:
        result.notes.append(f"ROC and DI histograms on a systematic sample: rows and columns with a step of "
                            f"{stride} ({sample_ref.size} of {ref_info.xsize * ref_info.ysize} pixels)")
    if sample_di is not None:
        finite = np.isfinite(sample_di)
        result.di_changed = sample_di[finite & (sample_ref == CHANGED)]
        result.di_unchanged = sample_di[finite & (sample_ref == UNCHANGED)]
        try:
            result.roc = roc_curve(sample_di, sample_ref, balanced=balanced, drop_intermediate=True,
                                   seed=seed)
        except ValueError as exc:
            result.notes.append(f"no ROC: {exc}")
    return result
