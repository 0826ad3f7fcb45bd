"""Fuzzy c-means (FCM) and the hierarchical FCM pre-classification of change-detection networks.

Fuzzy c-means (Bezdek 1981) with fuzzifier m: memberships

    u_ik = 1 / sum_j (d_ik / d_jk)^(2 / (m - 1)),   d_ik = |x_i - v_k|,

centres v_k = sum_i u_ik^m x_i / sum_i u_ik^m, iterated until no membership
moves by more than ``tol``. Memberships of each sample sum to 1.

Hierarchical FCM pre-classification (after Gao et al. 2016, "Automatic change
detection in SAR images based on PCANet", IEEE GRSL 13(12), and its use in
DDNet, Qu et al. 2022): a 2-cluster FCM of the difference image (DI) gives the
expected number T of changed pixels; a 5-cluster FCM ranks clusters by centre
(largest DI first). Walking down the ranking, a cluster is *changed* while the
running pixel count stays <= T (the top cluster always is); the cluster where
the count crosses T is *uncertain*; the rest are *unchanged*. Confident labels
(changed, unchanged) train the patch classifier; uncertain pixels are left to it.
The exact rule of the papers is described only in words; this is our reading.
"""
from dataclasses import dataclass

import numpy as np

from .labels import CHANGED, NODATA, UNCERTAIN, UNCHANGED

DEFAULT_M = 2.0
DEFAULT_TOL = 1e-5
DEFAULT_MAX_ITER = 300
#: Samples used to fit FCM; larger inputs are subsampled (seeded).
MAX_FIT_SAMPLES = 500_000


@dataclass(frozen=True)
class FcmResult:
    """Fitted FCM: centres (c, d) sorted by their first coordinate, fit diagnostics."""

    centres: np.ndarray
    m: float
    iterations: int
    converged: bool

    def memberships(self, x):
        """(n, c) memberships of samples ``x`` ((n,) or (n, d)) in the fitted clusters."""
        return memberships(x, self.centres, self.m)


def _as_samples(x):
    x = np.asarray(x, dtype=np.float64)
    return x[:, None] if x.ndim == 1 else x


def memberships(x, centres, m=DEFAULT_M):
    """FCM memberships (n, c) of samples ``x`` (n,) or (n, d) given ``centres`` (c,) or (c, d).

    A sample on a centre belongs fully to it (ties share equally).
    """
    x = _as_samples(x)
    centres = _as_samples(centres)
    d2 = np.sum((x[:, None, :] - centres[None, :, :]) ** 2, axis=2)
    zero = d2 <= 0
    with np.errstate(divide="ignore"):
        inv = np.where(zero, 0.0, d2 ** (-1.0 / (m - 1.0)))
    u = inv / inv.sum(axis=1, keepdims=True)
    hit = zero.any(axis=1)
    if hit.any():
        u[hit] = zero[hit] / zero[hit].sum(axis=1, keepdims=True)
    return u


def fuzzy_cmeans(x, c, m=DEFAULT_M, tol=DEFAULT_TOL, max_iter=DEFAULT_MAX_ITER, seed=0):
    """Fit FCM with ``c`` clusters to samples ``x`` ((n,) or (n, d), finite); returns FcmResult.

    Start: centres at the (k + 0.5) / c quantiles of the first coordinate
    (1-D data, deterministic), else ``c`` distinct samples drawn with ``seed``.
    """
    if m <= 1:
        raise ValueError(f"the fuzzifier m must be > 1, got {m}")
    x = _as_samples(x)
    if len(x) < c:
        raise ValueError(f"FCM needs at least {c} samples, got {len(x)}")
    if x.shape[1] == 1:
        centres = np.quantile(x[:, 0], (np.arange(c) + 0.5) / c)[:, None]
    else:
        rng = np.random.default_rng(seed)
        centres = x[rng.choice(len(x), c, replace=False)]
    u = memberships(x, centres, m)
    converged, iterations = False, 0
    while iterations < max_iter:
        iterations += 1
        w = u ** m
        centres = (w.T @ x) / w.sum(axis=0)[:, None]
        new = memberships(x, centres, m)
        step = float(np.max(np.abs(new - u)))
        u = new
        if step < tol:
            converged = True
            break
    order = np.argsort(centres[:, 0], kind="stable")
    return FcmResult(centres[order], m, iterations, converged)


def _sample(values, seed, cap=MAX_FIT_SAMPLES):
    values = np.asarray(values, dtype=np.float64).ravel()
    values = values[np.isfinite(values)]
    if values.size > cap:
        values = np.random.default_rng(seed).choice(values, cap, replace=False)
    return values


@dataclass(frozen=True)
class HierarchicalFcm:
    """Fitted hierarchical FCM pre-classification of a DI (larger = more change)."""

    two: FcmResult  # 2 clusters: unchanged, changed
    five: FcmResult  # 5 clusters, ascending centres
    cluster_labels: tuple  # label code of each of the five clusters (ascending centres)
    expected_changed: float  # T / n: share of the 2-cluster FCM's changed cluster

    def labels(self, di):
        """Pre-classification of a DI array: 1 changed, 0 unchanged, 2 uncertain, 255 no data."""
        di = np.asarray(di, dtype=np.float64)
        valid = np.isfinite(di)
        out = np.full(di.shape, NODATA, np.uint8)
        if valid.any():
            nearest = np.argmax(self.five.memberships(di[valid]), axis=1)
            out[valid] = np.asarray(self.cluster_labels, np.uint8)[nearest]
        return out

    def two_class(self, di):
        """2-cluster FCM change mask (largest membership): 1 changed, 0 unchanged, 255 no data."""
        di = np.asarray(di, dtype=np.float64)
        valid = np.isfinite(di)
        out = np.full(di.shape, NODATA, np.uint8)
        if valid.any():
            out[valid] = (self.two.memberships(di[valid])[:, 1] > 0.5).astype(np.uint8)
        return out


def fit_two_class(di_values, seed=0, m=DEFAULT_M):
    """2-cluster FCM of the finite DI values (bounded seeded sample)."""
    return fuzzy_cmeans(_sample(di_values, seed), 2, m, seed=seed)


def fit_hierarchical(di_values, seed=0, m=DEFAULT_M, clusters=5):
    """Hierarchical FCM pre-classification (module docstring) of the finite DI values."""
    values = _sample(di_values, seed)
    two = fuzzy_cmeans(values, 2, m, seed=seed)
    t = int(np.count_nonzero(two.memberships(values)[:, 1] > 0.5))
    many = fuzzy_cmeans(values, clusters, m, seed=seed)
    counts = np.bincount(np.argmax(many.memberships(values), axis=1), minlength=clusters)
    labels = [UNCHANGED] * clusters
    running = 0
    for rank, k in enumerate(range(clusters - 1, -1, -1)):  # largest centre first
        running += counts[k]
        if rank == 0 or running <= t:
            labels[k] = CHANGED
        else:
            labels[k] = UNCERTAIN
            break
    return HierarchicalFcm(two, many, tuple(labels), t / max(values.size, 1))
