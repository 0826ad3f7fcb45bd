"""Unsupervised thresholds for a difference image (DI), from the histogram of a 1-D sample.

Every method works on a histogram (default 512 bins) of the finite sample
values, spanning their 0.01 % to 99.99 % quantiles (values outside are
counted in the end bins), so it costs the same on a thousand values and on
millions. Candidate thresholds are the bin edges; a value
``v`` belongs to the upper class of threshold ``t`` when ``v >= t``.

Sides:

- ``increase``: two classes; change is DI >= t (e.g. log ratio of a brighter
  later image, or any unsigned DI such as the mean ratio);
- ``decrease``: two classes; change is DI < t (darker later image);
- ``two_sided``: three classes (decrease, unchanged, increase); change is
  DI < t_low or DI >= t_high. Otsu maximises the three-class between-class
  variance over all pairs of thresholds; for the minimum-error methods each
  threshold is a two-class fit without the other change class, alternated
  until stable (see ``_two_sided``).

Methods (``METHODS``):

- Otsu (1979, IEEE SMC 9(1)): maximum between-class variance.
- Kittler & Illingworth (1986, Pattern Recognition 19(1)), minimum error with
  Gaussian classes.
- Generalized-Gaussian KI (Bazi, Bruzzone & Melgani 2005, IEEE TGRS 43(4)):
  the same minimum-error criterion with generalized Gaussian classes whose
  shape is estimated for every candidate threshold and class.
- SAR ratio-model KI (Moser & Serpico 2006, IEEE TGRS 44(10)): minimum error
  with class models of the log-ratio of two SAR images, fitted by the method
  of log-cumulants (MoLC); see ``ratio_model_ki``.
- Manual: a given threshold.

Criterion of the minimum-error family: the mean negative log-likelihood of
the histogram under the fitted mixture, J = -(1/N) sum_i h_i ln(P_c(i)
p_c(i)(x_i)), with x_i the bin centres and c(i) the class of bin i. For
Gaussian classes, Kittler & Illingworth's J_KI = 1 + 2 sum_c P_c (ln s_c -
ln P_c) equals 2 J - ln(2 pi), so the minimiser is theirs; the common scale
lets the ratio models be compared with each other. Class variances include
Sheppard's correction w^2/12 (w: bin width), which keeps a one-bin class
from having zero variance.

Known limitation of every minimum-error method: when the classes overlap
heavily (e.g. the log ratio of single-look images without despeckling) the
criterion's global minimum can sit in a histogram tail, splitting off a tiny
class (classes smaller than ``min_class_fraction`` of the sample, default
0.1 %, are never considered). Despeckling first, or a windowed DI (mean
ratio, neighbourhood ratio), avoids it; benchmarks/change_detection.py shows
both cases on real data.

numpy only (no scipy): the plugin runs inside QGIS. Raster helpers at the
end read a bounded sample of a DI raster (``sample_raster``) and write the
change mask block by block (``write_mask``).
"""
import math
from dataclasses import dataclass, field

import numpy as np

from ..engine import palette
from ..engine.outputs import check_created, check_targets, check_write, raster_output
from ..engine.raster_blocks import (
    Cancelled,
    RasterError,
    block_windows,
    geotiff_options,
    open_readonly,
    raster_bytes,
    read_block,
    read_info,
    release_cache,
)
from ..engine.raster_sampling import decimated_band

INCREASE = "increase"
DECREASE = "decrease"
TWO_SIDED = "two_sided"
#: Order used by the Processing enum.
SIDES = (INCREASE, DECREASE, TWO_SIDED)

OTSU = "otsu"
KI = "kittler_illingworth"
GG_KI = "generalized_gaussian_ki"
RATIO_KI = "ratio_model_ki"
MANUAL = "manual"
#: Order used by the Processing enum.
METHODS = (OTSU, KI, GG_KI, RATIO_KI, MANUAL)
LABELS = {
    OTSU: "Otsu (1979)",
    KI: "Kittler-Illingworth minimum error, Gaussian classes (1986)",
    GG_KI: "Generalized-Gaussian KI (Bazi, Bruzzone & Melgani 2005)",
    RATIO_KI: "SAR ratio-model KI (Moser & Serpico 2006), log-ratio DI",
    MANUAL: "Manual threshold",
}

#: Ratio models of ``ratio_model_ki``.
LOGNORMAL = "lognormal"
NAKAGAMI_RATIO = "nakagami_ratio"
WEIBULL_RATIO = "weibull_ratio"
RATIO_MODELS = (LOGNORMAL, NAKAGAMI_RATIO, WEIBULL_RATIO)

#: Mask values.
CHANGE, NO_CHANGE, NODATA = 1, 0, 255

DEFAULT_BINS = 512
DEFAULT_CLIP = 1e-4
DEFAULT_MIN_CLASS = 1e-3
#: Pixels sampled (at most) from a raster to fit a threshold.
MAX_SAMPLE_PIXELS = 4_000_000

#: Generalized Gaussian shape range (1 = Laplacian, 2 = Gaussian).
BETA_RANGE = (0.3, 5.0)
#: Range of the number of looks estimated by MoLC.
LOOKS_RANGE = (0.05, 1000.0)
#: dB -> natural log of the intensity ratio.
DB_TO_LN = math.log(10.0) / 10.0


# --- Histogram ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Histogram:
    """Counts (float64) of ``len(edges) - 1`` equal bins; ``edges`` in DI units."""

    counts: np.ndarray
    edges: np.ndarray

    @property
    def centres(self):
        return 0.5 * (self.edges[:-1] + self.edges[1:])

    @property
    def width(self):
        return float(self.edges[1] - self.edges[0])

    @property
    def total(self):
        return float(self.counts.sum())


def finite_values(values):
    """The finite values of ``values`` as a 1-D float64 array."""
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def histogram(values, bins=DEFAULT_BINS, value_range=None, clip=DEFAULT_CLIP):
    """Histogram of the finite ``values`` over ``value_range`` (default: quantiles clip, 1 - clip).

    Values outside the range are counted in the end bins. Raises ValueError
    (with the fix) when fewer than 2 values are finite or all are equal.
    """
    values = finite_values(values)
    if values.size < 2:
        raise ValueError("the difference image holds fewer than 2 valid values: "
                         "check its no-data value and that the two images overlap")
    if int(bins) != bins or bins < 4:
        raise ValueError(f"bins must be a whole number >= 4, got {bins}")
    if value_range is None:
        lo, hi = (np.quantile(values, [clip, 1.0 - clip]) if clip > 0
                  else (values.min(), values.max()))
        if not hi > lo:
            lo, hi = values.min(), values.max()
    else:
        lo, hi = value_range
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        raise ValueError(f"the difference image is constant ({lo:g}): there is nothing to threshold; check "
                         "the band and that it was computed from two different dates")
    counts, edges = np.histogram(np.clip(values, lo, hi), int(bins), range=(lo, hi))
    return Histogram(counts.astype(np.float64), edges)


# --- Special functions (numpy, no scipy) ----------------------------------------------------

_lgamma_scalar = np.frompyfunc(math.lgamma, 1, 1)


def lgamma(x):
    """ln Gamma(x) for an array of x > 0 (float64)."""
    return np.asarray(_lgamma_scalar(np.asarray(x, dtype=np.float64)), dtype=np.float64)


def trigamma(x):
    """psi_1(x) = d^2/dx^2 ln Gamma(x) for x > 0 (float64).

    Recurrence psi_1(x) = psi_1(x + 1) + 1/x^2 up to x >= 6, then the
    asymptotic series 1/x + 1/(2x^2) + sum_k B_2k / x^(2k+1) (Abramowitz &
    Stegun 6.4.12), accurate to ~1e-10.
    """
    x = np.array(x, dtype=np.float64)
    acc = np.zeros_like(x)
    small = x < 6.0
    while small.any():
        acc[small] += 1.0 / np.square(x[small])
        x[small] += 1.0
        small = x < 6.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv + 0.5 * inv2 + inv * inv2 * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30)))
    return acc + series


def _tables():
    """Lookup tables for the shape estimators (built once)."""
    if not hasattr(_tables, "cache"):
        beta = np.geomspace(BETA_RANGE[0], BETA_RANGE[1], 4000)
        # Sharifi & Leon-Garcia (1995): (E|x - m|)^2 / var = G(2/b)^2 / (G(1/b) G(3/b)), increasing in b
        ratio = np.exp(2 * lgamma(2 / beta) - lgamma(1 / beta) - lgamma(3 / beta))
        looks = np.geomspace(LOOKS_RANGE[0], LOOKS_RANGE[1], 4000)
        psi1 = trigamma(looks)  # decreasing in L
        _tables.cache = (beta, ratio, looks, psi1)
    return _tables.cache


def gg_shape(mad_ratio):
    """Generalized Gaussian shape beta from (E|x - m|)^2 / var (moment matching), clipped to BETA_RANGE."""
    beta, ratio, _, _ = _tables()
    return np.interp(mad_ratio, ratio, beta)


def molc_looks(kappa2):
    """L with 2 psi_1(L) = kappa2, the log-cumulant of ln(I2/I1) (Nakagami/gamma ratio), clipped."""
    _, _, looks, psi1 = _tables()
    x = np.log(np.maximum(np.asarray(kappa2, dtype=np.float64) / 2.0, 1e-300))
    return np.exp(np.interp(x, np.log(psi1[::-1]), np.log(looks[::-1])))


# --- Class models ---------------------------------------------------------------------------

class _Prefix:
    """Prefix sums of h, h x, h x^2 over the bins (x centred for accuracy)."""

    def __init__(self, hist):
        self.hist = hist
        self.h = hist.counts
        self.offset = float(hist.centres.mean())
        self.x = hist.centres - self.offset
        zero = np.zeros(1)
        self.H = np.concatenate([zero, np.cumsum(self.h)])
        self.S1 = np.concatenate([zero, np.cumsum(self.h * self.x)])
        self.S2 = np.concatenate([zero, np.cumsum(self.h * self.x * self.x)])
        self.total = self.H[-1]
        self.sheppard = hist.width ** 2 / 12.0

    def moments(self, a, b):
        """Count, mean (DI units), within sum of squares and variance (+ Sheppard) of bins [a, b)."""
        n = self.H[b] - self.H[a]
        s1 = self.S1[b] - self.S1[a]
        s2 = self.S2[b] - self.S2[a]
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = s1 / n
            ss = np.maximum(s2 - s1 * mean, 0.0)
            var = ss / n + self.sheppard
        return n, mean, ss, var


def _prior_term(n, total):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -n * np.log(n / total)


def _fit_otsu(pre, a, b, **_):
    n, mean, ss, var = pre.moments(a, b)
    return dict(cost=ss, count=n, mean=mean + pre.offset, std=np.sqrt(ss / n), shape=np.full(n.shape, np.nan))


def _fit_gaussian(pre, a, b, **_):
    """Gaussian class: NLL = n (ln sqrt(2 pi var) - ln P) + ss / (2 var)."""
    n, mean, ss, var = pre.moments(a, b)
    cost = n * 0.5 * np.log(2 * np.pi * var) + ss / (2 * var) + _prior_term(n, pre.total)
    return dict(cost=cost, count=n, mean=mean + pre.offset, std=np.sqrt(var), shape=np.full(n.shape, np.nan))


def _chunks(a, size):
    step = max(1, size)
    for start in range(0, len(a), step):
        yield slice(start, start + step)


def _bin_loop(pre, a, b, per_bin, chunk_cells=2_000_000):
    """sum_i h_i f_k(x_i) over the bins of each interval k, in chunks of intervals x bins.

    ``per_bin(sl, x)`` returns f for the intervals ``sl`` (rows) at the bin
    centres ``x`` (columns, centred coordinates).
    """
    nbins = len(pre.h)
    out = np.zeros(len(a))
    cols = np.arange(nbins)
    for sl in _chunks(a, chunk_cells // nbins):
        inside = (cols[None, :] >= a[sl, None]) & (cols[None, :] < b[sl, None])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            values = per_bin(sl, pre.x[None, :])
        out[sl] = np.sum(np.where(inside, pre.h[None, :] * values, 0.0), axis=1)
    return out


def _fit_generalized_gaussian(pre, a, b, **_):
    """Generalized Gaussian class (Bazi, Bruzzone & Melgani 2005).

    p(x) = beta / (2 alpha Gamma(1/beta)) exp(-(|x - m| / alpha)^beta) with
    alpha = s sqrt(Gamma(1/beta) / Gamma(3/beta)) (mean m and variance s^2 of
    the class). beta is estimated for every candidate class by matching
    (E|x - m|)^2 / s^2 = Gamma(2/beta)^2 / (Gamma(1/beta) Gamma(3/beta))
    (Sharifi & Leon-Garcia 1995), clipped to BETA_RANGE.
    """
    n, mean, ss, var = pre.moments(a, b)
    mad = _bin_loop(pre, a, b, lambda sl, x: np.abs(x - mean[sl, None]))
    with np.errstate(divide="ignore", invalid="ignore"):
        beta = gg_shape(np.where(n > 0, (mad / n) ** 2 / var, 0.5))
        alpha = np.sqrt(var * np.exp(lgamma(1 / beta) - lgamma(3 / beta)))
    tail = _bin_loop(pre, a, b,
                     lambda sl, x: (np.abs(x - mean[sl, None]) / alpha[sl, None]) ** beta[sl, None])
    log_norm = np.log(2 * alpha) + lgamma(1 / beta) - np.log(beta)
    cost = n * log_norm + tail + _prior_term(n, pre.total)
    return dict(cost=cost, count=n, mean=mean + pre.offset, std=np.sqrt(var), shape=beta)


def _fit_ratio_model(pre, a, b, model=NAKAGAMI_RATIO, looks=None, scale=DB_TO_LN, **_):
    """Log-ratio class models of Moser & Serpico (2006), on z = scale * x = ln(I2 / I1).

    - lognormal: z Gaussian (MoLC: kappa1 = mean, kappa2 = variance);
    - nakagami_ratio: I1, I2 gamma (Nakagami amplitudes) with L looks and mean
      ratio rho: p(z) = Gamma(2L)/Gamma(L)^2 e^(L u) / (1 + e^u)^(2L), u = z - ln rho;
      MoLC: kappa1 = ln rho, kappa2 = 2 psi_1(L); ``looks`` fixes L instead;
    - weibull_ratio: amplitudes Weibull with shape eta: ln(A2/A1) is logistic
      with scale 1/eta, so z is logistic with scale s = 2/eta; MoLC:
      kappa2 = pi^2 s^2 / 3.
    The histogram is in DI units x; ln p_x(x) = ln p_z(z) + ln(scale).
    """
    n, mean, ss, var = pre.moments(a, b)
    z_mean = scale * mean  # centred z (offset cancels in u)
    z_var = scale * scale * var
    jac = np.log(scale)
    if model == LOGNORMAL:
        fit = _fit_gaussian(pre, a, b)
        fit["shape"] = np.full(n.shape, np.nan)
        return fit
    if model == NAKAGAMI_RATIO:
        L = np.full(n.shape, float(looks)) if looks else molc_looks(z_var)
        log_norm = lgamma(2 * L) - 2 * lgamma(L)

        def nll(sl, x):
            u = scale * x - z_mean[sl, None]
            return -(L[sl, None] * u - 2 * L[sl, None] * np.logaddexp(0.0, u))

        cost = _bin_loop(pre, a, b, nll) - n * (log_norm + jac) + _prior_term(n, pre.total)
        return dict(cost=cost, count=n, mean=mean + pre.offset, std=np.sqrt(var), shape=L)
    if model == WEIBULL_RATIO:
        s = np.sqrt(3.0 * z_var) / np.pi

        def nll(sl, x):
            u = (scale * x - z_mean[sl, None]) / s[sl, None]
            return u + 2 * np.logaddexp(0.0, -u)

        cost = _bin_loop(pre, a, b, nll) + n * (np.log(s) - jac) + _prior_term(n, pre.total)
        return dict(cost=cost, count=n, mean=mean + pre.offset, std=np.sqrt(var), shape=2.0 / s)
    raise ValueError(f"unknown ratio model {model!r}; choose from {RATIO_MODELS}")


_FITTERS = {OTSU: _fit_otsu, KI: _fit_gaussian, GG_KI: _fit_generalized_gaussian, RATIO_KI: _fit_ratio_model}
SHAPE_NAMES = {GG_KI: "beta (generalized Gaussian shape)", NAKAGAMI_RATIO: "L (looks, Nakagami ratio)",
               WEIBULL_RATIO: "eta (Weibull shape of the amplitudes)"}


# --- Result ---------------------------------------------------------------------------------

@dataclass
class ThresholdResult:
    """A fitted threshold.

    ``thresholds``: (t,) for one side, (t_low, t_high) for two sides, in DI
    units. Class parameters are per class from low to high DI (``labels``
    names them): ``priors`` (fractions), ``means`` and ``stds`` (DI units,
    stds include Sheppard's correction except for Otsu; two sides: the sample
    moments of each class), ``shapes`` (model shape, see ``shape_name``; NaN
    when the model has none). ``criterion``: the criterion at every candidate
    threshold ``candidates`` (bin edges), NaN where a class would be smaller
    than the minimum; minimised unless ``maximize``. Two sides: 2 rows, the
    final lower-threshold fit then the upper one (minimum-error methods), or
    a matrix over pairs of candidates (Otsu). ``extra``: method-specific
    text (e.g. each ratio model's minimum).
    """

    method: str
    side: str
    thresholds: tuple
    labels: tuple
    priors: tuple = ()
    means: tuple = ()
    stds: tuple = ()
    shapes: tuple = ()
    model: str = ""
    shape_name: str = ""
    criterion: np.ndarray = field(default_factory=lambda: np.empty(0))
    candidates: np.ndarray = field(default_factory=lambda: np.empty(0))
    criterion_name: str = ""
    maximize: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def threshold(self):
        """The threshold (one side) or the upper threshold (two sides)."""
        return float(self.thresholds[-1])

    @property
    def low_threshold(self):
        """The lower threshold (two sides; the threshold itself for one side)."""
        return float(self.thresholds[0])

    def describe(self):
        """Human-readable lines: thresholds and class parameters."""
        lines = [f"Method: {LABELS.get(self.method, self.method)}"
                 + (f", model {self.model}" if self.model else "") + f"; side: {self.side}"]
        if len(self.thresholds) == 1:
            lines.append(f"Threshold: {self.thresholds[0]:.6g}")
        else:
            lines.append(f"Thresholds: low {self.thresholds[0]:.6g}, high {self.thresholds[1]:.6g}")
        for i, label in enumerate(self.labels):
            if i >= len(self.priors):
                break
            text = (f"Class '{label}': prior {self.priors[i]:.4f}, mean {self.means[i]:.6g}, "
                    f"std {self.stds[i]:.6g}")
            if i < len(self.shapes) and np.isfinite(self.shapes[i]):
                text += f", {self.shape_name or 'shape'} {self.shapes[i]:.4g}"
            lines.append(text)
        for key, value in self.extra.items():
            lines.append(f"{key}: {value}")
        return lines


def _labels(side):
    if side == INCREASE:
        return ("unchanged", "changed (increase)")
    if side == DECREASE:
        return ("changed (decrease)", "unchanged")
    if side == TWO_SIDED:
        return ("changed (decrease)", "unchanged", "changed (increase)")
    raise ValueError(f"unknown side {side!r}; choose one of {SIDES}")


# --- Search ---------------------------------------------------------------------------------

def _search(pre, fitter, min_class_fraction, **kw):
    """Best bin-edge index and the criterion (sum of the two class costs / N) for ``fitter``."""
    nbins = len(pre.h)
    min_count = max(1.0, min_class_fraction * pre.total)
    ks = np.arange(1, nbins)
    left = fitter(pre, np.zeros_like(ks), ks, **kw)
    right = fitter(pre, ks, np.full_like(ks, nbins), **kw)
    ok = (left["count"] >= min_count) & (right["count"] >= min_count)
    crit = np.full(nbins + 1, np.nan)
    crit[1:nbins] = np.where(ok, (left["cost"] + right["cost"]) / pre.total, np.nan)
    if not np.isfinite(crit).any():
        raise ValueError("no threshold leaves both classes their minimum size: "
                         "the difference image shows no second class")
    return int(np.nanargmin(crit)), crit


def _one_sided(method, values, side, bins, value_range, clip, min_class_fraction, **kw):
    """Two-class fit of ``method`` on the histogram of ``values``."""
    hist = histogram(values, DEFAULT_BINS if bins is None else bins, value_range, clip)
    pre = _Prefix(hist)
    fitter = _FITTERS[method]
    k, crit = _search(pre, fitter, min_class_fraction, **kw)
    fit = fitter(pre, np.array([0, k]), np.array([k, len(pre.h)]), **kw)
    if method == OTSU:  # report the between-class variance, the criterion Otsu maximises
        total_ss = pre.moments(np.array([0]), np.array([len(pre.h)]))[2][0]
        crit = (total_ss - crit * pre.total) / pre.total
    return ThresholdResult(
        method=method, side=side, thresholds=(float(hist.edges[k]),), labels=_labels(side),
        priors=tuple(float(v) for v in fit["count"] / pre.total),
        means=tuple(float(v) for v in fit["mean"]), stds=tuple(float(v) for v in fit["std"]),
        shapes=tuple(float(v) for v in fit["shape"]), criterion=crit, candidates=hist.edges.copy(),
        criterion_name=("between-class variance" if method == OTSU
                        else "mean negative log-likelihood of the histogram (minimum error)"),
        maximize=method == OTSU)


def _two_sided(fit_one, values, max_iter=20):
    """Lower and upper thresholds from alternating two-class fits (``fit_one(values, side)``).

    Three classes (decrease, unchanged, increase) fitted jointly by a
    minimum-error criterion degenerate when the classes overlap (the
    classification likelihood then prefers one wide class plus two tiny tail
    classes), so each threshold is fitted as a two-class problem without the
    other change class: start from a one-sided fit of |DI - median| (t:
    thresholds median -/+ t), then alternate t_low = fit(DI < t_high,
    decrease) and t_high = fit(DI >= t_low, increase) until both stop
    changing (at most ``max_iter`` rounds).
    """
    v = finite_values(values)
    if v.size < 2:
        raise ValueError("the difference image holds fewer than 2 valid values: "
                         "check its no-data value and that the two images overlap")
    centre = float(np.median(v))
    start = fit_one(np.abs(v - centre), INCREASE)
    lo, hi = centre - start.threshold, centre + start.threshold
    seen = set()
    low_fit = high_fit = None
    def side_fit(part, side):
        if part.size < 2 or part.min() == part.max():
            raise ValueError("the two-sided fit found no second class on one side of the difference "
                             "image: use a one-sided threshold (increase or decrease)")
        return fit_one(part, side)

    for _ in range(max_iter):
        low_fit = side_fit(v[v < hi], DECREASE)
        lo = low_fit.threshold
        high_fit = side_fit(v[v >= lo], INCREASE)
        if (lo, high_fit.threshold) in seen or high_fit.threshold == hi:
            hi = high_fit.threshold
            break
        hi = high_fit.threshold
        seen.add((lo, hi))
    cls = np.searchsorted(np.array([lo, hi]), v, side="right")
    priors = tuple(float(np.count_nonzero(cls == c)) / v.size for c in range(3))
    means = tuple(float(v[cls == c].mean()) if priors[c] else float("nan") for c in range(3))
    stds = tuple(float(v[cls == c].std()) if priors[c] else float("nan") for c in range(3))
    model = low_fit.model if low_fit.model == high_fit.model else f"{low_fit.model} (low) / " \
        f"{high_fit.model} (high)"
    extra = {"lower fit": "; ".join(low_fit.describe()[1:]), "upper fit": "; ".join(high_fit.describe()[1:])}
    return ThresholdResult(
        method=high_fit.method, side=TWO_SIDED, thresholds=(lo, hi), labels=_labels(TWO_SIDED),
        priors=priors, means=means, stds=stds,
        shapes=(low_fit.shapes[0], high_fit.shapes[0], high_fit.shapes[1]), model=model,
        shape_name=high_fit.shape_name, criterion=np.stack([low_fit.criterion, high_fit.criterion]),
        candidates=np.stack([low_fit.candidates, high_fit.candidates]),
        criterion_name=high_fit.criterion_name, maximize=high_fit.maximize, extra=extra)


def _run(fit_one, values, side):
    _labels(side)
    if side == TWO_SIDED:
        return _two_sided(fit_one, values)
    return fit_one(values, side)


def _otsu_three_classes(values, bins, value_range, clip, min_class_fraction):
    """Two thresholds maximising the three-class between-class variance (Otsu 1979, sec. IV).

    Exhaustive over every pair of bin edges with prefix sums: the between-class
    variance is sum_c n_c (m_c - m)^2 / N = (sum_c S_c^2 / n_c - N m^2) / N.
    """
    hist = histogram(values, DEFAULT_BINS if bins is None else bins, value_range, clip)
    pre = _Prefix(hist)
    nbins = len(pre.h)
    min_count = max(1.0, min_class_fraction * pre.total)
    k1, k2 = np.triu_indices(nbins + 1, k=1)
    keep = (k1 >= 1) & (k2 <= nbins - 1)
    k1, k2 = k1[keep], k2[keep]
    bounds = ((np.zeros_like(k1), k1), (k1, k2), (k2, np.full_like(k2, nbins)))
    score = np.zeros(k1.shape)
    ok = np.ones(k1.shape, bool)
    for a, b in bounds:
        n = pre.H[b] - pre.H[a]
        s1 = pre.S1[b] - pre.S1[a]
        ok &= n >= min_count
        with np.errstate(divide="ignore", invalid="ignore"):
            score += np.where(n > 0, s1 * s1 / n, 0.0)
    mean_all = pre.S1[-1] / pre.total
    between = np.where(ok, (score - pre.total * mean_all ** 2) / pre.total, np.nan)
    if not np.isfinite(between).any():
        raise ValueError("no pair of thresholds leaves three classes their minimum size: "
                         "use a one-sided threshold")
    best = int(np.nanargmax(between))
    idx = (int(k1[best]), int(k2[best]))
    crit = np.full((nbins + 1, nbins + 1), np.nan)
    crit[k1, k2] = between
    fit = _fit_otsu(pre, np.array([0, idx[0], idx[1]]), np.array([idx[0], idx[1], nbins]))
    return ThresholdResult(
        method=OTSU, side=TWO_SIDED, thresholds=tuple(float(hist.edges[k]) for k in idx),
        labels=_labels(TWO_SIDED), priors=tuple(float(v) for v in fit["count"] / pre.total),
        means=tuple(float(v) for v in fit["mean"]), stds=tuple(float(v) for v in fit["std"]),
        shapes=tuple(float(v) for v in fit["shape"]), criterion=crit, candidates=hist.edges.copy(),
        criterion_name="between-class variance", maximize=True)


def otsu(values, side=INCREASE, bins=None, value_range=None, clip=DEFAULT_CLIP,
         min_class_fraction=DEFAULT_MIN_CLASS):
    """Otsu's threshold: maximum between-class variance (Otsu 1979).

    ``bins``: histogram bins (default 512); ``value_range``: (low, high) of
    the histogram (default: the ``clip`` and 1 - ``clip`` quantiles);
    ``min_class_fraction``: smallest class allowed (fraction of the sample).
    Two sides: Otsu's own three-class extension (exhaustive over pairs of
    thresholds); the criterion is then a matrix [i, j] over the candidate
    pairs (candidates[i], candidates[j]).
    """
    _labels(side)
    if side == TWO_SIDED:
        return _otsu_three_classes(values, bins, value_range, clip, min_class_fraction)
    return _one_sided(OTSU, values, side, bins, value_range, clip, min_class_fraction)


def kittler_illingworth(values, side=INCREASE, bins=None, value_range=None, clip=DEFAULT_CLIP,
                        min_class_fraction=DEFAULT_MIN_CLASS):
    """Minimum-error threshold with Gaussian classes (Kittler & Illingworth 1986).

    Arguments as in ``otsu``.
    """
    def fit_one(v, s):
        result = _one_sided(KI, v, s, bins, value_range, clip, min_class_fraction)
        result.model = "gaussian"
        return result

    return _run(fit_one, values, side)


def generalized_gaussian_ki(values, side=INCREASE, bins=None, value_range=None, clip=DEFAULT_CLIP,
                            min_class_fraction=DEFAULT_MIN_CLASS):
    """Minimum-error threshold with generalized Gaussian classes (Bazi, Bruzzone & Melgani 2005).

    Each class, at each candidate threshold, is a generalized Gaussian with
    the class mean and variance and a shape beta estimated from the class's
    mean absolute deviation (see ``_fit_generalized_gaussian``). Arguments
    as in ``otsu``.
    """
    def fit_one(v, s):
        result = _one_sided(GG_KI, v, s, bins, value_range, clip, min_class_fraction)
        result.model = "generalized_gaussian"
        result.shape_name = SHAPE_NAMES[GG_KI]
        return result

    return _run(fit_one, values, side)


def ratio_model_ki(values, side=INCREASE, looks=None, models=RATIO_MODELS, unit="db", bins=None,
                   value_range=None, clip=DEFAULT_CLIP, min_class_fraction=DEFAULT_MIN_CLASS):
    """Minimum-error threshold for a log-ratio DI with SAR ratio models (Moser & Serpico 2006).

    ``values``: log ratio of the two images' intensities, in dB (10 log10
    I2/I1, ``unit='db'``, the log-ratio operator of ``core.change.difference``)
    or natural log (``unit='ln'``). Class models (Moser & Serpico's log-normal,
    Nakagami-ratio and Weibull-ratio pdfs of the log-ratio; see
    ``_fit_ratio_model``) are fitted for every candidate by the method of
    log-cumulants: the first two log-cumulants of a class are its mean and
    variance in z = ln(I2/I1). ``looks``: None estimates L per class by MoLC,
    as the paper does (the changed class then gets an effective L that absorbs
    its heterogeneity); a number fixes L for every class (the nominal ENL).
    Every model in ``models`` gives its own minimum-error threshold; the one
    whose fitted mixture has the smallest criterion (highest likelihood of the
    histogram; every model has two parameters per class, one with fixed L) is
    kept, as the paper keeps the best-fitting model. ``extra`` lists each
    model's minimum and threshold. Other arguments as in ``otsu``.
    """
    if unit not in ("db", "ln"):
        raise ValueError(f"unit must be 'db' or 'ln', got {unit!r}")
    if looks is not None and not looks > 0:
        raise ValueError(f"the number of looks must be > 0 (or None to estimate it), got {looks}")
    models = tuple(models)
    for m in models:
        if m not in RATIO_MODELS:
            raise ValueError(f"unknown ratio model {m!r}; choose from {RATIO_MODELS}")
    if not models:
        raise ValueError("give at least one ratio model")
    scale = DB_TO_LN if unit == "db" else 1.0

    def fit_one(v, s):
        results = {}
        for m in models:
            res = _one_sided(RATIO_KI, v, s, bins, value_range, clip, min_class_fraction, model=m,
                             looks=looks, scale=scale)
            res.model = m
            res.shape_name = SHAPE_NAMES.get(m, "")
            results[m] = res
        minima = {m: float(np.nanmin(r.criterion)) for m, r in results.items()}
        best = results[min(minima, key=minima.get)]
        best.extra = {"model minima": ", ".join(f"{m} {val:.5f}" for m, val in minima.items()),
                      "model thresholds": ", ".join(f"{m} {r.threshold:.4g}" for m, r in results.items())}
        if looks:
            best.extra["looks"] = f"fixed at {looks:g}"
        return best

    return _run(fit_one, values, side)


def manual(threshold, side=INCREASE, values=None):
    """A given threshold as a ThresholdResult.

    ``threshold``: t (one side), or (t_low, t_high) for two sides; a single
    t for two sides means (-|t|, |t|). With ``values`` the class priors,
    means and standard deviations of the sample are filled in.
    """
    labels = _labels(side)
    if side == TWO_SIDED:
        if np.ndim(threshold) == 0:
            t = abs(float(threshold))
            thresholds = (-t, t)
        else:
            thresholds = tuple(float(v) for v in threshold)
            if len(thresholds) != 2 or not thresholds[0] <= thresholds[1]:
                raise ValueError(f"two-sided thresholds must be (low, high) with low <= high, "
                                 f"got {threshold}")
    else:
        if np.ndim(threshold) != 0:
            raise ValueError(f"a one-sided threshold is a single number, got {threshold}")
        thresholds = (float(threshold),)
    if not all(np.isfinite(thresholds)):
        raise ValueError(f"the threshold must be a finite number, got {threshold}")
    result = ThresholdResult(method=MANUAL, side=side, thresholds=thresholds, labels=labels)
    if values is not None:
        v = finite_values(values)
        cls = np.searchsorted(np.asarray(thresholds), v, side="right")  # v >= t -> upper class
        priors, means, stds = [], [], []
        for c in range(len(labels)):
            part = v[cls == c]
            priors.append(part.size / max(v.size, 1))
            means.append(float(part.mean()) if part.size else float("nan"))
            stds.append(float(part.std()) if part.size else float("nan"))
        result.priors, result.means, result.stds = tuple(priors), tuple(means), tuple(stds)
        result.shapes = tuple(float("nan") for _ in labels)
    return result


def fit(method, values, side=INCREASE, threshold=None, looks=None, **kw):
    """Dispatch on ``method`` (``METHODS``); ``threshold`` for manual, ``looks`` for the ratio model."""
    if method == OTSU:
        return otsu(values, side, **kw)
    if method == KI:
        return kittler_illingworth(values, side, **kw)
    if method == GG_KI:
        return generalized_gaussian_ki(values, side, **kw)
    if method == RATIO_KI:
        return ratio_model_ki(values, side, looks=looks, **kw)
    if method == MANUAL:
        if threshold is None:
            raise ValueError("a manual threshold needs a threshold value")
        return manual(threshold, side, values)
    raise ValueError(f"unknown threshold method {method!r}; choose one of {METHODS}")


# --- Masks ----------------------------------------------------------------------------------

def change_mask(di, result, side=None):
    """uint8 change mask of ``di``: 1 change, 0 no change, 255 no data (NaN or inf).

    ``side`` (default ``result.side``): increase -> DI >= t, decrease -> DI < t
    (with the lower threshold of a two-sided result), two sides -> DI < t_low
    or DI >= t_high.
    """
    side = result.side if side is None else side
    _labels(side)
    di = np.asarray(di, dtype=np.float32)
    lo, hi = np.float32(result.thresholds[0]), np.float32(result.thresholds[-1])
    with np.errstate(invalid="ignore"):
        if side == INCREASE:
            changed = di >= hi
        elif side == DECREASE:
            changed = di < lo
        else:
            if len(result.thresholds) != 2:
                raise ValueError("a two-sided mask needs two thresholds: fit with side='two_sided'")
            changed = (di < lo) | (di >= hi)
    mask = changed.astype(np.uint8)
    mask[~np.isfinite(di)] = NODATA
    return mask


# --- Rasters --------------------------------------------------------------------------------

def sample_raster(path, band=1, max_pixels=MAX_SAMPLE_PIXELS):
    """Finite values of band ``band`` of ``path`` for fitting: all pixels when the band
    has at most ``max_pixels``, else a systematic (regular-grid, nearest) subsample of
    about ``max_pixels``. Memory is bounded by ``max_pixels``. A palette band is read as
    grey levels (``core.engine.palette.grey``, through ``decimated_band``), as ``write_mask``
    reads it. Returns a 1-D float32 array.
    """
    info = read_info(path)
    if not 1 <= band <= info.bands:
        raise RasterError(f"{path} has {info.bands} band(s); band {band} does not exist")
    data = decimated_band(open_readonly(path), band, max_pixels)
    data = data[np.isfinite(data)]
    return data


def write_mask(src_path, dst_path, result, band=1, side=None, block=512, progress=None,
               is_canceled=None):
    """Write the uint8 change mask of band ``band`` of ``src_path`` block by block.

    Output: tiled, compressed GeoTIFF on the input's grid and CRS, 1 change,
    0 no change, 255 no data (declared as the no-data value), written under a
    temporary name and renamed on success. ``progress(percent)``,
    ``is_canceled()``: optional callbacks (cancel removes the partial file and
    raises Cancelled). A palette band (colour table) is read as grey levels
    (``core.engine.palette.apply_lut``; its no-data index is no data), as ``sample_raster`` fits
    them. Returns a dict of pixel counts: changed, unchanged, nodata.
    """
    from osgeo import gdal

    info = read_info(src_path)
    if not 1 <= band <= info.bands:
        raise RasterError(f"{src_path} has {info.bands} band(s); band {band} does not exist")
    check_targets({"": str(dst_path)}, {"": str(src_path)},
                  raster_bytes(info.xsize, info.ysize, 1, 1))
    src = open_readonly(src_path)
    src_band = src.GetRasterBand(band)
    nodata = info.nodata[band - 1]
    lut = palette.grey_lut(src_band)
    windows = block_windows(info.xsize, info.ysize, block, 0)
    counts = np.zeros(256, dtype=np.int64)
    with raster_output(dst_path, 1) as tmp:
        dst = check_created(gdal.GetDriverByName("GTiff").Create(
            tmp, info.xsize, info.ysize, 1, gdal.GDT_Byte, geotiff_options()), dst_path)
        if info.geotransform:
            dst.SetGeoTransform(info.geotransform)
        if info.projection:
            dst.SetProjection(info.projection)
        out_band = dst.GetRasterBand(1)
        out_band.SetNoDataValue(NODATA)
        out_band.SetDescription("change mask (1 change, 0 no change, 255 no data)")
        try:
            for i, window in enumerate(windows):
                if is_canceled is not None and is_canceled():
                    raise Cancelled("cancelled by the user")
                mask = change_mask(palette.apply_lut(lut, read_block(src_band, window, nodata)), result, side)
                counts += np.bincount(mask.ravel(), minlength=256)
                cx, cy, cw, ch = window.core
                check_write(out_band.WriteArray(mask, cx, cy), dst_path)
                if cx + cw == info.xsize and (cy + ch) % block == 0:
                    release_cache(src, dst)
                if progress is not None:
                    progress(100.0 * (i + 1) / len(windows))
            dst.FlushCache()
        finally:
            out_band = None
            dst = None
            src = None
    return {"changed": int(counts[CHANGE]), "unchanged": int(counts[NO_CHANGE]),
            "nodata": int(counts[NODATA])}
