"""Markov-random-field regularisation of a two-class change map (Bruzzone & Prieto 2000).

Bruzzone, L. & Prieto, D. F., "Automatic analysis of the difference image for
unsupervised change detection", IEEE TGRS 38(3), 2000: the changed and
unchanged classes of the difference image (DI) are Gaussian, their parameters
estimated by expectation-maximisation (EM) from an initial split; the
spatial context enters as a Potts prior on the labels, and the map is the
iterated-conditional-modes (ICM) minimum of the energy

    U(x_i) = -log p(DI_i | x_i) - log P(x_i) - beta * #(8-neighbours j with x_j = x_i)

(P the class shares of the initial split: without them the broad changed
Gaussian wins the unchanged class's right tail and a 2 % change grows to
11 %, measured on the simulator's design seeds).

On a PCA-KMeans split (``core.change.pca_kmeans``) the likelihood can instead
be the one k-means assumes: two spherical Gaussians of equal variance around
the two centres in the PCA feature space (k-means' nearest-centre rule is
their maximum-likelihood classifier), the variance the mean squared distance
to the nearer centre per feature. Then beta = 0 gives PCA-KMeans itself and
the Potts prior adds the spatial context of the labels to its 5 x 5 features
(``KMeansLikelihood``); the pixel DI's Gaussian classes (``GaussianData``)
throw that context away (on the design seeds a 1-look x4 change fell from
kappa 0.91 to 0.87 with them).

Here the ICM update is synchronous (every pixel from the previous sweep's
map) with a fixed number of sweeps, so a pixel's label depends only on the
pixels within ``sweeps`` of it plus the initial map's own reach: a block run
with that halo equals the whole-image run bit for bit (the neighbour counts
are integers). Pixels outside the array and no-data pixels do not vote.

``beta`` is fixed (``BETA``) or estimated by maximum pseudo-likelihood
(Besag 1975) of the Potts model on the initial map of the pair itself.
"""
from dataclasses import dataclass

import numpy as np

from .labels import CHANGED, NODATA, UNCHANGED

#: Potts interaction per agreeing 8-neighbour (nats): 1.5, of 1.0 / 1.5 / 2.0 tried on the
#: simulator's design seeds only (0-11, 5000-5007; never a protocol or benchmark pair).
BETA = 1.5
#: ICM sweeps (synchronous): Besag (1986) notes ICM converges in a few (about 5-10) sweeps.
SWEEPS = 5
#: EM iterations of the two Gaussian classes from the initial split: 0 (the split's moments)
#: by default: EM of two Gaussians on the skewed DI moved the boundary into the unchanged tail
#: on the design seeds (mean kappa 0.79-0.83 with EM, 0.83-0.84 without).
EM_ITERATIONS = 0
#: Pixels used to fit the class parameters; larger samples are subsampled.
MAX_FIT_PIXELS = 400_000
#: Bounds of the pseudo-likelihood beta search (nats).
BETA_RANGE = (0.0, 3.0)


@dataclass(frozen=True)
class GaussianClasses:
    """Two Gaussian class-conditional densities of the DI: index 0 unchanged, 1 changed (DI units)."""

    means: tuple
    sds: tuple
    priors: tuple

    def log_likelihoods(self, di):
        """(unchanged, changed) float64 log densities of a DI array (NaN where the DI is NaN)."""
        di = np.asarray(di, np.float64)
        return tuple(-0.5 * ((di - m) / s) ** 2 - np.log(s) for m, s in zip(self.means, self.sds))

    def log_posteriors(self, di):
        """(unchanged, changed) log density + log class share (nats; unnormalised posteriors)."""
        return tuple(ll + np.log(max(p, 1e-12)) for ll, p in zip(self.log_likelihoods(di), self.priors))


def _moments(values, weights):
    w = float(weights.sum())
    if w <= 0:
        return float("nan"), float("nan")
    mean = float((weights * values).sum() / w)
    return mean, float(np.sqrt(max((weights * (values - mean) ** 2).sum() / w, 1e-12)))


def fit_classes(values, changed, iterations=EM_ITERATIONS):
    """EM fit of two Gaussian classes of DI ``values`` (1-D) from the initial boolean split ``changed``.

    Returns ``GaussianClasses``; with fewer than two pixels in a class of the
    initial split, the classes are its moments (no EM).
    """
    values = np.asarray(values, np.float64)
    changed = np.asarray(changed, bool)
    if np.count_nonzero(changed) < 2 or np.count_nonzero(~changed) < 2:
        m = float(values.mean()) if values.size else 0.0
        s = float(values.std()) if values.size > 1 else 1.0
        return GaussianClasses((m, m), (max(s, 1e-6),) * 2, (1.0, 0.0))
    resp = changed.astype(np.float64)
    classes = None
    for _ in range(iterations + 1):
        m0, s0 = _moments(values, 1.0 - resp)
        m1, s1 = _moments(values, resp)
        p1 = float(resp.mean())
        classes = GaussianClasses((m0, m1), (s0, s1), (1.0 - p1, p1))
        l0, l1 = classes.log_likelihoods(values)
        a, b = l0 + np.log(max(1.0 - p1, 1e-12)), l1 + np.log(max(p1, 1e-12))
        top = np.maximum(a, b)
        resp = np.exp(b - top) / (np.exp(a - top) + np.exp(b - top))
    if classes.means[1] < classes.means[0]:  # keep index 1 the class of larger DI
        classes = GaussianClasses(classes.means[::-1], classes.sds[::-1], classes.priors[::-1])
    return classes


def neighbour_counts(labels):
    """(changed, valid) int16 counts of the 8 neighbours of every pixel (outside / 255 do not count)."""
    valid = labels != NODATA
    changed = labels == CHANGED
    pc = np.pad(changed, 1).astype(np.int16)
    pv = np.pad(valid, 1).astype(np.int16)
    rows, cols = labels.shape
    n_changed = np.zeros(labels.shape, np.int16)
    n_valid = np.zeros(labels.shape, np.int16)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            if dy == 1 and dx == 1:
                continue
            n_changed += pc[dy:dy + rows, dx:dx + cols]
            n_valid += pv[dy:dy + rows, dx:dx + cols]
    return n_changed, n_valid


def icm(log_likelihoods, initial, beta=BETA, sweeps=SWEEPS):
    """Synchronous ICM of the Potts-regularised two-class map; uint8 1 / 0 / 255.

    ``log_likelihoods``: (unchanged, changed) arrays (nats); ``initial``: uint8
    1 / 0 / 255 map (255 = no data, kept). ``beta`` = 0 or ``sweeps`` = 0
    gives the maximum-likelihood map (beta = 0) or ``initial`` (sweeps = 0).
    """
    l0, l1 = log_likelihoods
    labels = np.asarray(initial, np.uint8).copy()
    nodata = labels == NODATA
    gain = l1 - l0  # changed minus unchanged log likelihood
    for _ in range(sweeps):
        n_changed, n_valid = neighbour_counts(labels)
        # energy difference: changed wins when gain + beta (n_changed - n_unchanged) > 0
        score = gain + beta * (2.0 * n_changed - n_valid)
        labels = np.where(score > 0, CHANGED, UNCHANGED).astype(np.uint8)
        labels[nodata] = NODATA
    return labels


def pseudo_likelihood_beta(labels, bounds=BETA_RANGE):
    """Maximum pseudo-likelihood beta (Besag 1975) of the two-class Potts model on a label map.

    log PL(beta) = sum_i [beta s_i - log(exp(beta s_i) + exp(beta d_i))], s_i and
    d_i the neighbours agreeing and disagreeing with pixel i (8-neighbourhood,
    no-data pixels neither counted nor voting). Concave in beta: maximised by
    bisection of its derivative within ``bounds``.
    """
    labels = np.asarray(labels, np.uint8)
    n_changed, n_valid = neighbour_counts(labels)
    keep = labels != NODATA
    own = labels[keep] == CHANGED
    same = np.where(own, n_changed[keep], n_valid[keep] - n_changed[keep]).astype(np.float64)
    diff = n_valid[keep].astype(np.float64) - same
    pairs, counts = np.unique(np.stack([same, diff], 1), axis=0, return_counts=True)
    s, d = pairs[:, 0], pairs[:, 1]

    def slope(beta):
        # d/dbeta: s - (s e^{beta s} + d e^{beta d}) / (e^{beta s} + e^{beta d})
        w = 1.0 / (1.0 + np.exp(np.clip(beta * (d - s), -50, 50)))
        return float((counts * (s - (w * s + (1.0 - w) * d))).sum())

    lo, hi = bounds
    if slope(hi) > 0:
        return float(hi)
    if slope(lo) < 0:
        return float(lo)
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def sample_values(di_tiles, label_tiles, max_pixels=MAX_FIT_PIXELS, seed=0):
    """(DI values, changed booleans) of the tiles' valid pixels; a seeded subsample beyond ``max_pixels``."""
    values = np.concatenate([d[np.isfinite(d) & (lab != NODATA)] for d, lab in zip(di_tiles, label_tiles)])
    changed = np.concatenate([lab[np.isfinite(d) & (lab != NODATA)] == CHANGED
                              for d, lab in zip(di_tiles, label_tiles)])
    if values.size > max_pixels:
        idx = np.sort(np.random.default_rng(seed).choice(values.size, max_pixels, replace=False))
        values, changed = values[idx], changed[idx]
    return values, changed


@dataclass(frozen=True)
class GaussianData:
    """Data term: the Gaussian classes of the DI's ``smooth`` x ``smooth`` local mean (1: the DI)."""

    classes: GaussianClasses
    smooth: int = 1

    @property
    def margin(self):
        """Pixels read around each pixel."""
        return self.smooth // 2

    def log_posteriors(self, di):
        """(unchanged, changed) log density + log share (nats) of a 2-D DI block."""
        x = smoothed(di, self.smooth)
        return self.classes.log_posteriors(np.where(np.isfinite(x), x, 0.0))


@dataclass(frozen=True)
class KMeansLikelihood:
    """Data term of a PCA-KMeans model: spherical Gaussians of ``variance`` around its two centres."""

    model: object  # core.change.pca_kmeans.PcaKMeans
    variance: float  # per feature, DI units squared

    @property
    def margin(self):
        """Pixels read around each pixel."""
        return self.model.margin

    def log_posteriors(self, di):
        """(unchanged, changed) log likelihoods (nats, up to a shared constant) of a 2-D DI block."""
        d = self.model.distances(di)
        return -d[..., 0] / (2.0 * self.variance), -d[..., 1] / (2.0 * self.variance)


def kmeans_variance(model, di_tiles, max_pixels=MAX_FIT_PIXELS, seed=0):
    """Per-feature variance of a PCA-KMeans model: mean squared distance to the nearer centre / S."""
    rng = np.random.default_rng(seed)
    per_tile = max(1, max_pixels // max(len(di_tiles), 1))
    near = []
    for d in di_tiles:
        idx = np.flatnonzero(np.isfinite(d[0] if d.ndim == 3 else d).ravel())  # channels: the DI's
        if idx.size > per_tile:
            idx = np.sort(rng.choice(idx, per_tile, replace=False))
        near.append(model.distances_at(d, idx).min(axis=-1))
    near = np.concatenate(near)
    return max(float(near.mean()) / model.components.shape[0], 1e-12) if near.size else 1.0


@dataclass(frozen=True)
class MrfModel:
    """An initial two-class rule of the DI regularised by the Potts-ICM above.

    ``initial``: a model with ``labels(di)`` and ``margin`` (e.g. a fitted
    ``core.change.pca_kmeans.PcaKMeans``); ``data``: the data term
    (``GaussianData`` or ``KMeansLikelihood``).
    """

    initial: object
    data: object
    beta: float
    sweeps: int = SWEEPS

    @property
    def margin(self):
        """Pixels read around each output pixel (the initial rule's reach plus one per sweep)."""
        return max(self.initial.margin, self.data.margin) + self.sweeps

    def labels(self, di):
        """uint8 1 / 0 / 255 (NaN DI) of a 2-D DI block."""
        return icm(self.data.log_posteriors(di), self.initial.labels(di), self.beta, self.sweeps)


def smoothed(di, size):
    """The ``size`` x ``size`` local mean of the DI over its valid pixels (``size`` 1: the DI itself)."""
    if size <= 1:
        return di
    from ..engine.window_stats import local_mean

    return local_mean(di, size)


@dataclass(frozen=True)
class ThresholdRule:
    """Initial rule: changed where the ``smooth`` x ``smooth`` local mean DI exceeds ``threshold``."""

    threshold: float
    smooth: int

    @property
    def margin(self):
        """Pixels read around each output pixel."""
        return self.smooth // 2

    def labels(self, di):
        """uint8 1 / 0 / 255 (NaN DI)."""
        out = (smoothed(di, self.smooth) > self.threshold).astype(np.uint8)
        out[~np.isfinite(di)] = NODATA
        return out


def fit(initial, di_tiles, beta=BETA, sweeps=SWEEPS, seed=0, strips=None, smooth=1, em=EM_ITERATIONS,
        kmeans=False):
    """Fit the MRF on DI tiles from the fitted ``initial`` rule; ``beta`` None = pseudo-likelihood.

    ``kmeans``: the data term is ``KMeansLikelihood`` of ``initial`` (a PcaKMeans);
    else the Gaussian classes of the ``smooth`` x ``smooth`` local mean of the DI
    (1: the DI) from the initial split, ``em`` EM iterations.

    ``strips``: optional ``f(func, arrays, margin)`` labelling a whole tile in
    bounded strips (``core.change.unsupervised.in_strips``).
    """
    start = None  # the initial rule's maps of the tiles: only the DI classes and pseudo-likelihood need them
    if not kmeans or beta is None:
        if strips is None:
            start = [initial.labels(d) for d in di_tiles]
        else:
            start = [strips(initial.labels, [d], initial.margin) for d in di_tiles]
    if kmeans:
        data = KMeansLikelihood(initial, kmeans_variance(initial, di_tiles, seed=seed))
    else:
        values, changed = sample_values([smoothed(d, smooth) for d in di_tiles], start, seed=seed)
        data = GaussianData(fit_classes(values, changed, em), smooth)
    if beta is None:
        beta = float(np.mean([pseudo_likelihood_beta(s) for s in start]))
    return MrfModel(initial, data, float(beta), sweeps)
