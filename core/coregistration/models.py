"""Geometric models of the offset field, fitted robustly to an offset table.

A model predicts the offset (dy, dx), in pixels, at every reference pixel
(row, col) (0-based pixel-centre coordinates): the reference pixel shows the
ground of the moving pixel (row - dy, col - dx), see ``correlation``. Each
of dy and dx is a polynomial in (col, row):

- 'translation': dy = a0 (1 coefficient per axis);
- 'affine': dy = a0 + a1 col + a2 row (3);
- 'poly2': dy = a0 + a1 col + a2 row + a3 col^2 + a4 col row + a5 row^2 (6).

Coefficients are stored in these raw pixel units; the least-squares design
matrix is scaled by the largest coordinate (to the power of each term's
degree) for conditioning.

Robust fitting (``fit_model``): windows below a peak-strength threshold are
rejected first; then, with ``method='ransac'``, the largest consensus set of
random minimal samples (Fischler & Bolles 1981, "Random sample consensus",
Comm. ACM 24(6), 381-395) seeds the inliers; finally the least-squares fit
is iterated with k-sigma clipping, sigma estimated robustly per axis as
1.4826 x the median absolute deviation of the inliers' residuals
(iteratively reweighted least squares with 0/1 weights; Huber 1981, Robust
Statistics). ``method='sigma'`` skips the consensus step (fine when
outliers are few).
"""
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

TRANSLATION = "translation"
AFFINE = "affine"
POLY2 = "poly2"
MODELS = (TRANSLATION, AFFINE, POLY2)

#: Terms of each model: (name, power of col, power of row).
TERMS = {
    TRANSLATION: (("1", 0, 0),),
    AFFINE: (("1", 0, 0), ("col", 1, 0), ("row", 0, 1)),
    POLY2: (("1", 0, 0), ("col", 1, 0), ("row", 0, 1), ("col^2", 2, 0), ("col*row", 1, 1),
            ("row^2", 0, 2)),
}

#: 1.4826 MAD = standard deviation for Gaussian data.
MAD_TO_SIGMA = 1.4826


def check_model(kind):
    if kind not in MODELS:
        raise ValueError(f"unknown model {kind!r}; choose one of {MODELS}")
    return kind


def design_matrix(kind, rows, cols, scale=1.0):
    """(n, terms) matrix of the model's terms at (rows, cols), coordinates divided by ``scale``."""
    r = np.asarray(rows, dtype=np.float64) / scale
    c = np.asarray(cols, dtype=np.float64) / scale
    return np.stack([c ** pc * r ** pr for _, pc, pr in TERMS[check_model(kind)]], axis=-1)


@dataclass(frozen=True)
class Model:
    """Offset model: ``kind`` and the coefficients of dy and dx on ``TERMS[kind]`` (pixels)."""

    kind: str
    coef_y: tuple
    coef_x: tuple

    @classmethod
    def translation(cls, dy, dx):
        """A constant offset (dy, dx) in pixels."""
        return cls(TRANSLATION, (float(dy),), (float(dx),))

    @classmethod
    def identity(cls):
        return cls.translation(0.0, 0.0)

    def offsets(self, rows, cols):
        """(dy, dx) predicted at reference pixel coordinates (rows, cols), pixels."""
        rows, cols = np.broadcast_arrays(np.asarray(rows, dtype=np.float64),
                                         np.asarray(cols, dtype=np.float64))
        if self.kind == TRANSLATION:
            return (np.full(rows.shape, self.coef_y[0]), np.full(rows.shape, self.coef_x[0]))
        a = design_matrix(self.kind, rows, cols)
        return a @ np.asarray(self.coef_y), a @ np.asarray(self.coef_x)

    def source_coordinates(self, rows, cols):
        """Moving-image pixel coordinates (row - dy, col - dx) of reference pixels (rows, cols)."""
        dy, dx = self.offsets(rows, cols)
        return np.asarray(rows, dtype=np.float64) - dy, np.asarray(cols, dtype=np.float64) - dx

    def params(self):
        """Coefficients as a flat dict: 'dy[1]', 'dy[col]', ..., 'dx[row^2]' (pixels per pixel^degree)."""
        names = [t[0] for t in TERMS[self.kind]]
        out = {f"dy[{n}]": float(v) for n, v in zip(names, self.coef_y)}
        out.update({f"dx[{n}]": float(v) for n, v in zip(names, self.coef_x)})
        return out

    def describe(self):
        """One line of text, e.g. 'translation dy=+1.234 dx=-0.567 px'."""
        if self.kind == TRANSLATION:
            return f"translation dy={self.coef_y[0]:+.3f} dx={self.coef_x[0]:+.3f} px"
        return f"{self.kind} " + ", ".join(f"{k}={v:+.6g}" for k, v in self.params().items())


class FitResult(NamedTuple):
    """``fit_model``'s answer: the model, the inlier mask over the table, the residual RMSE (pixels)."""

    model: Model
    inliers: np.ndarray
    rmse: float


def _lstsq(kind, rows, cols, dy, dx, scale):
    a = design_matrix(kind, rows, cols, scale)
    coef, *_ = np.linalg.lstsq(a, np.column_stack([dy, dx]), rcond=None)
    powers = np.array([pc + pr for _, pc, pr in TERMS[kind]], dtype=np.float64)
    coef = coef / scale ** powers[:, None]  # back to raw pixel units
    return Model(kind, tuple(float(v) for v in coef[:, 0]), tuple(float(v) for v in coef[:, 1]))


def _residuals(model, table):
    py, px = model.offsets(table["row"], table["col"])
    return table["dy"] - py, table["dx"] - px


def _ransac(kind, table, candidates, threshold, trials, rng, scale):
    """Inlier mask of the best consensus set (Fischler & Bolles 1981) among ``candidates``."""
    idx = np.flatnonzero(candidates)
    p = len(TERMS[kind])
    if len(idx) <= p:
        return candidates.copy()
    best, best_key = None, None
    for _ in range(int(trials)):
        sample = rng.choice(idx, size=p, replace=False)
        s = table[sample]
        a = design_matrix(kind, s["row"], s["col"], scale)
        if np.linalg.matrix_rank(a) < p:
            continue  # degenerate sample (e.g. collinear points for an affine model)
        model = _lstsq(kind, s["row"], s["col"], s["dy"], s["dx"], scale)
        ry, rx = _residuals(model, table)
        dist = np.hypot(ry, rx)
        consensus = candidates & (dist <= threshold)
        key = (int(consensus.sum()), -float(np.sum(np.minimum(dist[candidates], threshold))))
        if best_key is None or key > best_key:
            best, best_key = consensus, key
    return candidates.copy() if best is None or best.sum() <= p else best


def fit_model(table, model=TRANSLATION, robust=True, min_peak=0.0, method="ransac", k_sigma=3.0,
              ransac_threshold=0.5, ransac_trials=200, min_sigma=0.05, max_iterations=20, seed=0):
    """Fit an offset model to an offset table; returns ``FitResult(model, inliers, rmse)``.

    ``table``: structured array with fields row, col, dy, dx, peak (see
    ``offsets.TABLE_DTYPE``). ``model``: 'translation', 'affine' or
    'poly2'. Windows with non-finite offsets or peak < ``min_peak`` are
    never inliers. With ``robust``: ``method`` 'ransac' (consensus within
    ``ransac_threshold`` pixels of residual length, ``ransac_trials``
    random minimal samples, reproducible with ``seed``) then iterative
    ``k_sigma`` clipping per axis with sigma = max(1.4826 MAD, ``min_sigma``
    pixels; the 0.05 px floor keeps windows that agree to a tenth of a pixel,
    a precision speckled windows rarely beat); 'sigma' clipping only. Without ``robust``: plain least squares
    on all candidates.

    ``rmse``: root mean square length of the inliers' residual vectors,
    sqrt(mean(ry^2 + rx^2)), pixels. ``inliers``: boolean mask over the table.
    Raises ValueError when fewer windows remain than the model has
    coefficients per axis.
    """
    kind = check_model(model)
    table = np.asarray(table)
    for name in ("row", "col", "dy", "dx", "peak"):
        if name not in (table.dtype.names or ()):
            raise ValueError(f"the offset table has no field {name!r}")
    p = len(TERMS[kind])
    candidates = (np.isfinite(table["dy"]) & np.isfinite(table["dx"]) & np.isfinite(table["peak"])
                  & (table["peak"] >= min_peak))
    n = int(candidates.sum())
    if n < p:
        raise ValueError(f"too few valid windows for a {kind} model: {n} usable of {len(table)} "
                         f"(at least {p} needed); lower the minimum peak, use a smaller window or "
                         "a simpler model, or check that the images overlap")
    scale = max(1.0, float(np.max(np.abs(np.concatenate([table["row"][candidates],
                                                          table["col"][candidates]])))))
    if not robust:
        inliers = candidates
    elif method == "ransac":
        inliers = _ransac(kind, table, candidates, ransac_threshold, ransac_trials,
                          np.random.default_rng(seed), scale)
    elif method == "sigma":
        inliers = candidates.copy()
    else:
        raise ValueError(f"unknown robust method {method!r}; choose 'ransac' or 'sigma'")

    fit = _lstsq(kind, table["row"][inliers], table["col"][inliers], table["dy"][inliers],
                 table["dx"][inliers], scale)
    if robust:
        for _ in range(int(max_iterations)):
            ry, rx = _residuals(fit, table)
            sy = max(MAD_TO_SIGMA * np.median(np.abs(ry[inliers] - np.median(ry[inliers]))), min_sigma)
            sx = max(MAD_TO_SIGMA * np.median(np.abs(rx[inliers] - np.median(rx[inliers]))), min_sigma)
            new = candidates & (np.abs(ry) <= k_sigma * sy) & (np.abs(rx) <= k_sigma * sx)
            if new.sum() < p or np.array_equal(new, inliers):
                break
            inliers = new
            fit = _lstsq(kind, table["row"][inliers], table["col"][inliers], table["dy"][inliers],
                         table["dx"][inliers], scale)
    ry, rx = _residuals(fit, table)
    rmse = float(np.sqrt(np.mean(ry[inliers] ** 2 + rx[inliers] ** 2))) if inliers.any() else float("nan")
    return FitResult(fit, np.asarray(inliers, dtype=bool), rmse)
