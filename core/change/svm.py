"""Support vector machine (SVM) change classifier on per-pixel features (QGIS-free).

Pipeline: feature standardisation (mean 0, variance 1, fitted on the
training sample only) followed by a two-class SVM, change (1) against no
change (0): supervised kernel change detection as in Camps-Valls et al.
(2008, IEEE TGRS 46(6), a kernel framework for multitemporal classification
and change detection), and SVMs trained on automatically selected pixels as in
Bovolo, Bruzzone & Marconcini (2008, IEEE TGRS 46(7), semisupervised SVM
change detection). Two classifiers (scikit-learn, https://scikit-learn.org/1.2/modules/svm.html):

- ``LINEAR_SVC``: ``sklearn.svm.LinearSVC`` (liblinear, primal solver):
  training cost grows linearly with the sample, so it scales to large
  samples of a full scene (default cap ``DEFAULT_CAP[LINEAR_SVC]`` pixels per
  class);
- ``RBF_SVC``: ``sklearn.svm.SVC`` with a Gaussian (RBF) kernel, gamma =
  "scale" (1 / (n_features * variance of the standardised sample)): training
  grows between quadratically and cubically with the sample and prediction
  with the number of support vectors, so the sample is capped (default 5000
  pixels per class, drawn with a seeded generator).

Label sources (``LABEL_SOURCES``): polygons rasterised to a label raster (the
Processing wrapper rasterises them), a reference mask, or unsupervised
pseudo-labels. Label values everywhere: 1 change, 0 no change, -1 ignored;
mask rasters hold 1 or 255 (change) and 0 (no change), any other value and
the band's no-data value are ignored (``labels_from_values``).

Pseudo-labels follow the pre-classification idea of PCANet (Gao, Dong, Li &
Xu 2016, IEEE GRSL 13(12)) and DDNet (Qu, Gao, Dong, Du & Li 2022, IEEE GRSL
19): a first unsupervised classification of the DI, of which only the
confidently classified pixels train the classifier, which then labels every
pixel, the uncertain ones included (both papers group pixels by hierarchical
fuzzy c-means into changed, unchanged and intermediate, and train on the
first two). Pre-classifiers (``PSEUDO_METHODS``):

- ``OTSU`` / ``KI``: a threshold (``core.change.thresholds``: Otsu 1979,
  Kittler & Illingworth 1986) on the change score |local mean of the first
  DI| over the smallest feature window (|10 log10| of it for the ratio DI):
  below the threshold is "no change", above "change". Confident pixels: the
  fraction ``keep`` of each class farthest from the threshold, i.e. class-0
  pixels at or below the ``keep`` quantile of the class-0 scores and class-1
  pixels at or above the 1 - ``keep`` quantile of the class-1 scores;
- ``KMEANS``: 2-class k-means (scikit-learn ``KMeans``) on the standardised
  DI features (backscatter features are left out, as they cluster land
  cover, not change); the cluster with the larger mean score is "change".
  Confident pixels: fuzzy c-means membership (m = 2, Bezdek 1981) of their
  class above ``membership`` (default 0.9), u_change = d_other^2 /
  (d_change^2 + d_other^2) with d the distances to the two centres: a simple
  stand-in for the hierarchical FCM grouping above.

The trained pipeline is exported to ONNX with skl2onnx (opsets ``OPSET``)
with a double-precision input, so onnxruntime computes the standardisation
and the linear decision function in float64 like scikit-learn: reapplying
a saved model gives the labels of the in-memory model (the RBF kernel sum of
onnxruntime's SVMClassifier runs in float32, 2e-5 off scikit-learn's decision
value in a test: labels can only differ for a pixel that close to the boundary). The .onnx file records
in ``metadata_props``: ``kind`` (``MODEL_KIND``), ``version``,
``feature_names`` (JSON list), the feature recipe (``FeatureSpec.to_metadata``:
windows, DI method, bands, input scale, backscatter) and ``training`` (JSON:
pixels per class, label source, classifier and its parameters, pseudo-label
rule). scikit-learn, skl2onnx and onnx are needed to train and export, only
onnxruntime (``models.onnx_runtime``) to apply; all are imported inside the
functions that need them. No pickle/joblib fallback exists: both classifiers
convert (SVC without probability estimates), and a pickle cannot be loaded
safely or without scikit-learn.
"""
import json
import math
import os
from dataclasses import dataclass, field

import numpy as np

from ..engine.outputs import write_bytes
from . import thresholds

LINEAR_SVC = "linear_svc"
RBF_SVC = "rbf_svc"
#: Order used by the Processing enum.
CLASSIFIERS = (LINEAR_SVC, RBF_SVC)
CLASSIFIER_LABELS = {LINEAR_SVC: "LinearSVC (linear kernel)", RBF_SVC: "RBF SVC (Gaussian kernel)"}

POLYGONS = "polygons"
REFERENCE_MASK = "reference_mask"
PSEUDO_LABELS = "pseudo_labels"
#: Order used by the Processing enum.
LABEL_SOURCES = (POLYGONS, REFERENCE_MASK, PSEUDO_LABELS)

OTSU = thresholds.OTSU
KI = thresholds.KI
KMEANS = "kmeans"
#: Order used by the Processing enum.
PSEUDO_METHODS = (OTSU, KI, KMEANS)
PSEUDO_LABELS_TEXT = {OTSU: "Otsu threshold", KI: "Kittler-Illingworth threshold",
                      KMEANS: "2-class k-means"}

#: Training pixels per class, at most, when no cap is given.
DEFAULT_CAP = {LINEAR_SVC: 100_000, RBF_SVC: 5_000}
#: Pixels (rows of features) sampled to fit the pseudo-label rule.
PSEUDO_SAMPLE = 200_000
#: Default fraction of each threshold class kept as pseudo-labels.
DEFAULT_KEEP = 0.5
#: Default fuzzy membership above which a k-means pixel is a pseudo-label.
DEFAULT_MEMBERSHIP = 0.9
#: SVM regularisation C (scikit-learn's default).
DEFAULT_C = 1.0

CHANGE, NO_CHANGE, IGNORED = 1, 0, -1
#: No-data value of the change mask.
NODATA = 255

MODEL_KIND = "sar_change.svm"
MODEL_VERSION = "1"
#: ONNX opsets: default domain 15, ai.onnx.ml 3 (read by onnxruntime >= 1.10).
OPSET = {"": 15, "ai.onnx.ml": 3}
#: Name of the model input (float64, rows x features).
INPUT_NAME = "features"

SKLEARN_HINT = ("scikit-learn is needed to train; apply an existing .onnx model instead "
                "(or install scikit-learn into the Python that runs QGIS)")
SKL2ONNX_HINT = "skl2onnx and onnx are needed to save the model as .onnx (python -m pip install skl2onnx)"
BACKSCATTER_PREFIX = "db_t"


def _sklearn():
    """Import scikit-learn lazily; ImportError with ``SKLEARN_HINT`` if absent."""
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        raise ImportError(SKLEARN_HINT) from exc


# --------------------------------------------------------------------------- labels

def labels_from_values(values):
    """int8 labels of mask values: 1 or 255 -> 1 (change), 0 -> 0, anything else (NaN too) -> -1."""
    values = np.asarray(values)
    labels = np.full(values.shape, IGNORED, np.int8)
    labels[values == 0] = NO_CHANGE
    labels[(values == 1) | (values == 255)] = CHANGE
    return labels


def valid_rows(features):
    """(rows (n, n_features) float32, valid mask (rows, cols)) of the pixels finite in every feature."""
    features = np.asarray(features, np.float32)
    if features.ndim != 3:
        raise ValueError(f"features must be (n_features, rows, cols), got shape {features.shape}")
    valid = np.isfinite(features).all(axis=0)
    return features[:, valid].T, valid


class ClassSampler:
    """Uniform random sample of at most ``cap`` feature rows per class, fed block by block.

    Each offered row draws a uniform key from ``np.random.default_rng(seed)``;
    per class the ``cap`` smallest keys are kept, which is a uniform sample
    without replacement of all rows offered (reservoir sampling by random
    keys), in memory O(cap x n_features). ``cap`` None keeps every row. The
    sample depends on the seed and on the order rows are offered (block size).
    """

    def __init__(self, cap=None, seed=0, classes=(NO_CHANGE, CHANGE)):
        if cap is not None and int(cap) < 1:
            raise ValueError(f"the sample cap must be >= 1 pixel per class, got {cap}")
        self.cap = None if cap is None else int(cap)
        self.rng = np.random.default_rng(seed)
        self.classes = tuple(classes)
        self.seen = {c: 0 for c in self.classes}
        self._rows = {c: np.empty((0, 0), np.float32) for c in self.classes}
        self._keys = {c: np.empty(0) for c in self.classes}

    def add(self, rows, labels):
        """Offer ``rows`` (n, n_features) with int ``labels`` (n,); other labels are ignored."""
        rows = np.asarray(rows, np.float32)
        labels = np.asarray(labels).ravel()
        for c in self.classes:
            pick = labels == c
            n = int(np.count_nonzero(pick))
            if n == 0:
                continue
            self.seen[c] += n
            new = rows[pick]
            keys = self.rng.random(n)
            old = self._rows[c]
            merged = new if old.size == 0 else np.concatenate([old, new])
            merged_keys = np.concatenate([self._keys[c], keys])
            if self.cap is not None and merged_keys.size > self.cap:
                keep = np.argpartition(merged_keys, self.cap - 1)[:self.cap]
                keep.sort()
                merged, merged_keys = merged[keep], merged_keys[keep]
            self._rows[c], self._keys[c] = merged, merged_keys

    def add_image(self, features, labels):
        """Offer every valid pixel of a (n_features, rows, cols) stack with (rows, cols) labels."""
        rows, valid = valid_rows(features)
        self.add(rows, np.asarray(labels)[valid])

    @property
    def counts(self):
        """Rows kept per class."""
        return {c: int(self._keys[c].size) for c in self.classes}

    def result(self):
        """``(X, y)``: float32 rows in key order per class, and int64 labels (classes in order)."""
        parts = [(self._rows[c][np.argsort(self._keys[c], kind="stable")], c)
                 for c in self.classes if self._keys[c].size]
        if not parts:
            return np.empty((0, 0), np.float32), np.empty(0, np.int64)
        X = np.concatenate([p for p, _ in parts])
        y = np.concatenate([np.full(len(p), c, np.int64) for p, c in parts])
        return X, y


def check_labels(counts, source="the labels"):
    """ValueError with the fix when ``counts`` ({class: pixels}) lacks a class or every label."""
    n0, n1 = int(counts.get(NO_CHANGE, 0)), int(counts.get(CHANGE, 0))
    if n0 + n1 == 0:
        raise ValueError(f"no labelled pixel found in {source}: labels must be 1 (change) or 0 (no change) "
                         "on valid pixels of the images (polygons must overlap the images)")
    if n0 == 0 or n1 == 0:
        present, missing = ("change (1)", "no change (0)") if n0 == 0 else ("no change (0)", "change (1)")
        raise ValueError(f"only one class in {source}: {max(n0, n1)} pixels of {present} and none of "
                         f"{missing}; the classifier needs examples of both classes")


# --------------------------------------------------------------------------- pseudo-labels

def score_index(names):
    """Index of the feature used as change score: first '<DI>_mean<w>' (smallest w), else 0."""
    for i, name in enumerate(names):
        if "_mean" in name and not name.startswith(BACKSCATTER_PREFIX):
            return i
    return 0


@dataclass
class PseudoLabelRule:
    """A fitted pre-classification that turns feature rows into pseudo-labels.

    Threshold methods: ``score`` = |feature ``score_index``| (|10 log10| of it
    when ``log_score``); label 0 where score <= ``low``, 1 where score >=
    ``high``, -1 between; ``threshold`` is the fitted class boundary (score
    units: those of the DI, e.g. dB). k-means: rows' ``columns`` are
    standardised with ``mean``/``scale`` and compared with ``centres``
    (standardised units); label of the nearest centre where its fuzzy
    membership exceeds ``membership``, else -1.
    """

    method: str
    score_index: int = 0
    log_score: bool = False
    threshold: float = math.nan
    low: float = math.nan
    high: float = math.nan
    columns: tuple = ()
    mean: np.ndarray = None
    scale: np.ndarray = None
    centres: np.ndarray = None
    change_cluster: int = 1
    membership: float = DEFAULT_MEMBERSHIP
    keep: float = DEFAULT_KEEP
    details: dict = field(default_factory=dict)

    def score(self, rows):
        """Change score of feature rows (n, n_features) (DI units; larger = more change)."""
        values = np.asarray(rows, np.float64)[:, self.score_index]
        if self.log_score:
            with np.errstate(divide="ignore", invalid="ignore"):
                values = 10.0 * np.log10(values)
        return np.abs(values)

    def change_membership(self, rows):
        """Fuzzy c-means (m = 2) membership of the change cluster, 0..1 (k-means rule)."""
        z = (np.asarray(rows, np.float64)[:, list(self.columns)] - self.mean) / self.scale
        d2 = [np.sum((z - c) ** 2, axis=1) for c in self.centres]
        d_change, d_other = d2[self.change_cluster], d2[1 - self.change_cluster]
        total = d_change + d_other
        with np.errstate(divide="ignore", invalid="ignore"):
            u = np.where(total > 0, d_other / total, 0.5)
        return u

    def labels(self, rows):
        """int8 pseudo-labels (1, 0, -1 uncertain) of feature rows (n, n_features)."""
        rows = np.asarray(rows)
        out = np.full(rows.shape[0], IGNORED, np.int8)
        if rows.shape[0] == 0:
            return out
        if self.method == KMEANS:
            u = self.change_membership(rows)
            out[u > self.membership] = CHANGE
            out[u < 1.0 - self.membership] = NO_CHANGE
        else:
            s = self.score(rows)
            with np.errstate(invalid="ignore"):
                out[s <= self.low] = NO_CHANGE
                out[s >= self.high] = CHANGE
        return out

    def image_labels(self, features):
        """Pseudo-labels of a (n_features, rows, cols) stack: int8 (rows, cols), -1 where no data."""
        rows, valid = valid_rows(features)
        out = np.full(valid.shape, IGNORED, np.int8)
        out[valid] = self.labels(rows)
        return out

    def summary(self):
        """JSON-ready description."""
        out = {"method": self.method, "score_feature_index": int(self.score_index)}
        if self.method == KMEANS:
            out.update(membership=self.membership, columns=list(self.columns),
                       centres=np.asarray(self.centres).round(6).tolist(), change_cluster=self.change_cluster)
        else:
            out.update(threshold=self.threshold, keep=self.keep, no_change_at_most=self.low,
                       change_at_least=self.high, log_score=self.log_score)
        out.update(self.details)
        return out


def fit_pseudo_labels(rows, names, method=OTSU, keep=DEFAULT_KEEP, membership=DEFAULT_MEMBERSHIP, seed=0,
                      log_score=False):
    """Fit the pre-classification (``PSEUDO_METHODS``) on feature rows (n, n_features).

    ``rows``: a sample of valid pixels (e.g. up to ``PSEUDO_SAMPLE`` drawn by
    a ``ClassSampler`` with one class); ``names``: the feature names (the
    score feature is ``score_index(names)``; k-means uses the non-backscatter
    features). ``keep`` (0..1]: fraction of each threshold class kept;
    ``membership`` (0.5..1): fuzzy membership threshold of k-means;
    ``log_score``: the DI is a ratio (score = |10 log10 x|). Returns a
    ``PseudoLabelRule``; ValueError when the sample has no two classes.
    """
    rows = np.asarray(rows, np.float64)
    names = list(names)
    if rows.ndim != 2 or rows.shape[1] != len(names):
        raise ValueError(f"{rows.shape} feature rows for {len(names)} feature names")
    if rows.shape[0] < 10:
        raise ValueError(f"only {rows.shape[0]} valid pixels: too few to find pseudo-labels")
    if not 0.0 < keep <= 1.0:
        raise ValueError(f"the kept fraction of each class must be in (0, 1], e.g. 0.5 (got {keep})")
    if not 0.5 < membership < 1.0:
        raise ValueError(f"the membership threshold must be between 0.5 and 1, e.g. 0.9 (got {membership})")
    index = score_index(names)
    rule = PseudoLabelRule(method=method, score_index=index, log_score=bool(log_score), keep=float(keep),
                           membership=float(membership))
    if method in (OTSU, KI):
        score = rule.score(rows)
        score = score[np.isfinite(score)]
        fitted = thresholds.fit(method, score, side=thresholds.INCREASE)
        t = fitted.threshold
        below, above = score[score < t], score[score >= t]
        if below.size == 0 or above.size == 0:
            raise ValueError("the difference image shows a single class: no pseudo-labels can be drawn; "
                             "label some pixels (polygons or a reference mask) instead")
        rule.threshold = float(t)
        rule.low = float(np.quantile(below, keep))
        rule.high = float(np.quantile(above, 1.0 - keep))
        rule.details = {"score_feature": names[index], "fraction_above_threshold": above.size / score.size}
        return rule
    if method != KMEANS:
        raise ValueError(f"unknown pseudo-label method {method!r}; choose one of {PSEUDO_METHODS}")
    _sklearn()
    from sklearn.cluster import KMeans

    columns = tuple(i for i, n in enumerate(names) if not n.startswith(BACKSCATTER_PREFIX))
    data = rows[:, list(columns)]
    mean = data.mean(axis=0)
    scale = data.std(axis=0)
    scale[~(scale > 0)] = 1.0
    z = (data - mean) / scale
    km = KMeans(n_clusters=2, n_init=10, random_state=seed).fit(z)
    score = rule.score(rows)
    means = [np.nanmean(score[km.labels_ == k]) if np.any(km.labels_ == k) else -np.inf for k in (0, 1)]
    rule.columns = columns
    rule.mean, rule.scale, rule.centres = mean, scale, km.cluster_centers_
    rule.change_cluster = int(np.argmax(means))
    rule.details = {"score_feature": names[index], "cluster_mean_scores": [float(m) for m in means]}
    return rule


def pseudo_labels(features, names, method=OTSU, keep=DEFAULT_KEEP, membership=DEFAULT_MEMBERSHIP, seed=0,
                  log_score=False, sample=PSEUDO_SAMPLE):
    """Pseudo-labels of an in-memory (n_features, rows, cols) stack: ``(labels, rule)``.

    The rule is fitted on a seeded sample of at most ``sample`` valid pixels
    (all of them on small images), then applied to every pixel. ``labels``:
    int8 (rows, cols), 1 change, 0 no change, -1 uncertain or no data.
    """
    rows, valid = valid_rows(features)
    sampler = ClassSampler(sample, seed, classes=(0,))
    sampler.add(rows, np.zeros(rows.shape[0], np.int8))
    rule = fit_pseudo_labels(sampler.result()[0], names, method, keep, membership, seed, log_score)
    labels = np.full(valid.shape, IGNORED, np.int8)
    labels[valid] = rule.labels(rows)
    return labels, rule


# --------------------------------------------------------------------------- training

@dataclass
class TrainedSvm:
    """A fitted scikit-learn pipeline (StandardScaler + SVM) and what it was trained on."""

    pipeline: object
    classifier: str
    feature_names: list
    summary: dict

    def predict_rows(self, rows):
        """0/1 labels (int64) of feature rows (n, n_features), computed in float64."""
        rows = np.asarray(rows, np.float64)
        if rows.shape[1] != len(self.feature_names):
            raise ValueError(f"the model expects {len(self.feature_names)} features per pixel, got "
                             f"{rows.shape[1]}")
        if rows.shape[0] == 0:
            return np.empty(0, np.int64)
        return np.asarray(self.pipeline.predict(rows), np.int64)


def train_svm(X, y, names, classifier=LINEAR_SVC, C=DEFAULT_C, seed=0, label_source="", extra=None):
    """Fit StandardScaler + SVM on rows ``X`` (n, n_features) with 0/1 labels ``y``.

    ``classifier``: ``LINEAR_SVC`` (``LinearSVC(C, dual=False)``: the primal
    problem, as n_samples > n_features) or ``RBF_SVC`` (``SVC(kernel="rbf",
    C, gamma="scale")``, no probability estimates). Rows are used in float64.
    ``extra``: more entries for the training summary. Returns a
    ``TrainedSvm``; ValueError when a class is missing; ImportError with
    ``SKLEARN_HINT`` without scikit-learn.
    """
    _sklearn()
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC, LinearSVC

    X = np.asarray(X, np.float64)
    y = np.asarray(y, np.int64).ravel()
    names = list(names)
    if X.ndim != 2 or X.shape[0] != y.size or (X.size and X.shape[1] != len(names)):
        raise ValueError(f"training rows {X.shape}, labels {y.shape} and {len(names)} feature names disagree")
    counts = {c: int(np.count_nonzero(y == c)) for c in (NO_CHANGE, CHANGE)}
    check_labels(counts, "the training sample")
    if not np.isfinite(X).all():
        raise ValueError("training rows hold NaN or infinite features: drop no-data pixels first")
    if classifier == LINEAR_SVC:
        svm = LinearSVC(C=C, dual=False, max_iter=10_000, random_state=seed)
        params = {"C": C, "loss": "squared_hinge", "penalty": "l2"}
    elif classifier == RBF_SVC:
        svm = SVC(C=C, kernel="rbf", gamma="scale", cache_size=512)
        params = {"C": C, "kernel": "rbf", "gamma": "scale"}
    else:
        raise ValueError(f"unknown classifier {classifier!r}; choose one of {CLASSIFIERS}")
    pipeline = Pipeline([("scaler", StandardScaler()), ("svm", svm)]).fit(X, y)
    if classifier == RBF_SVC:
        params["gamma_value"] = float(svm._gamma)
        params["support_vectors"] = int(svm.support_vectors_.shape[0])
    summary = {
        "label_source": label_source,
        "classifier": classifier,
        "n_no_change": int(np.count_nonzero(y == NO_CHANGE)),
        "n_change": int(np.count_nonzero(y == CHANGE)),
        "parameters": params,
        "seed": int(seed),
        "training_accuracy": float(np.mean(pipeline.predict(X) == y)),
    }
    if extra:
        summary.update(extra)
    return TrainedSvm(pipeline=pipeline, classifier=classifier, feature_names=names, summary=summary)


def train_on_image(features, labels, names, classifier=LINEAR_SVC, cap=None, seed=0, C=DEFAULT_C,
                   label_source="", extra=None):
    """Sample labelled pixels of an in-memory stack (per-class ``cap``) and ``train_svm``.

    ``labels``: (rows, cols), 1 change, 0 no change, other ignored.
    ``cap`` None: ``DEFAULT_CAP[classifier]`` pixels per class.
    """
    cap = DEFAULT_CAP.get(classifier, DEFAULT_CAP[RBF_SVC]) if cap is None else cap
    sampler = ClassSampler(cap, seed)
    sampler.add_image(features, labels)
    check_labels(sampler.seen, "the labels")
    X, y = sampler.result()
    info = {"labelled_no_change": sampler.seen[NO_CHANGE], "labelled_change": sampler.seen[CHANGE],
            "cap_per_class": int(cap)}
    info.update(extra or {})
    return train_svm(X, y, names, classifier, C, seed, label_source, info)


# --------------------------------------------------------------------------- inference

def classify_rows(model, rows, names=None):
    """0/1 labels of feature rows with a ``TrainedSvm`` or a ``models.onnx_runtime.OnnxModel``."""
    if isinstance(model, TrainedSvm):
        if names is not None and list(names) != model.feature_names:
            raise ValueError(f"the features {list(names)} do not match the model's {model.feature_names}")
        return model.predict_rows(rows)
    model.check_features(np.shape(rows)[1], names)
    return np.asarray(model.run(rows, outputs=["label"])[0], np.int64).ravel()


def classify(model, features, names=None):
    """uint8 change mask (1 change, 0 no change, 255 no data) of a (n_features, rows, cols) stack.

    A pixel with a non-finite feature is no data. ``model``: ``TrainedSvm``
    (scikit-learn, float64) or ``OnnxModel`` (onnxruntime). ``names``:
    checked against the model's feature names when given.
    """
    features = np.asarray(features, np.float32)
    if features.ndim != 3:
        raise ValueError(f"features must be (n_features, rows, cols), got shape {features.shape}")
    rows, valid = valid_rows(features)
    mask = np.full(valid.shape, NODATA, np.uint8)
    mask[valid] = classify_rows(model, rows, names).astype(np.uint8)
    return mask


# --------------------------------------------------------------------------- ONNX

def model_metadata(trained, feature_metadata=None):
    """String metadata for the .onnx file: kind, version, names, feature recipe, training summary."""
    meta = {
        "kind": MODEL_KIND,
        "version": MODEL_VERSION,
        "feature_names": json.dumps(list(trained.feature_names)),
        "classifier": trained.classifier,
        "training": json.dumps(trained.summary, default=_json_default),
        "classes": json.dumps({"0": "no change", "1": "change"}),
    }
    for key, value in (feature_metadata or {}).items():
        meta[str(key)] = str(value)
    return meta


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def to_onnx(trained, feature_metadata=None):
    """The trained pipeline as serialised ONNX (bytes), with ``model_metadata`` in metadata_props.

    Input ``INPUT_NAME``: double (rows, n_features); outputs ``label``
    (int64, 0/1) and ``probabilities`` (decision scores, not probabilities).
    ImportError with ``SKL2ONNX_HINT`` without skl2onnx/onnx.
    """
    try:
        from skl2onnx import convert_sklearn
        from skl2onnx.common.data_types import DoubleTensorType
    except ImportError as exc:
        raise ImportError(SKL2ONNX_HINT) from exc
    svm = trained.pipeline.steps[-1][1]
    # Options keyed by the SVM itself: skl2onnx's pipeline parser otherwise adds a ZipMap
    # option that LinearSVC does not accept. 'raw_scores' selects the double-precision linear
    # graph (MatMul + Add); 'zipmap' False keeps SVC's scores a plain tensor.
    options = ({id(svm): {"zipmap": False}} if trained.classifier == RBF_SVC
               else {id(svm): {"raw_scores": True}})
    onx = convert_sklearn(trained.pipeline, name="sar_change_svm",
                          initial_types=[(INPUT_NAME, DoubleTensorType([None, len(trained.feature_names)]))],
                          target_opset=dict(OPSET), options=options)
    onx.doc_string = ("SAR Change SVM change classifier: StandardScaler + "
                      f"{CLASSIFIER_LABELS[trained.classifier]}; label 1 = change, 0 = no change")
    del onx.metadata_props[:]
    for key, value in model_metadata(trained, feature_metadata).items():
        entry = onx.metadata_props.add()
        entry.key, entry.value = key, value
    return onx.SerializeToString()


def export_onnx(trained, path, feature_metadata=None):
    """Write the trained pipeline to ``path`` (.onnx) via a temporary file; returns the bytes."""
    data = to_onnx(trained, feature_metadata)
    path = os.fspath(path)
    write_bytes(path, data)
    return data


def load_model(model, threads=1):
    """Load a SAR Change SVM .onnx (path or bytes) as an ``OnnxModel``; ValueError if it is not one."""
    from ...models import onnx_runtime

    runner = onnx_runtime.load(model, threads=threads)
    kind = runner.metadata.get("kind")
    if kind != MODEL_KIND:
        raise ValueError(f"{runner.source} is not a SAR Change SVM model (metadata kind {kind!r}, expected "
                         f"{MODEL_KIND!r})")
    version = runner.metadata.get("version", "")
    if version.split(".")[0] != MODEL_VERSION:
        raise ValueError(f"{runner.source} is a version {version!r} model; this plugin reads version "
                         f"{MODEL_VERSION}: update the plugin or retrain")
    if runner.feature_names is None:
        raise ValueError(f"{runner.source} does not record its feature names")
    if "label" not in runner.output_names:
        raise ValueError(f"{runner.source} has no 'label' output")
    return runner


def training_summary(runner):
    """The ``training`` metadata of a loaded model as a dict ({} if absent)."""
    try:
        return json.loads(runner.metadata.get("training", "{}"))
    except json.JSONDecodeError:
        return {}


def predict_onnx(model_path, features, names=None):
    """Change mask (uint8: 1, 0, 255 no data) of a (n_features, rows, cols) stack with a saved model.

    Needs only onnxruntime. ``names``: the features' names, checked against
    the model's (ValueError on any difference); the feature count is always
    checked.
    """
    return classify(load_model(model_path), features, names)
