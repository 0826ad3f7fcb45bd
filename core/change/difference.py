"""Difference images (DI) of two co-registered SAR acquisitions (numpy in, numpy out).

Conventions:

- Inputs are linear power (intensity, sigma0 or any power unit) unless a
  function says otherwise; ``to_power`` converts amplitude or dB first.
  Image 1 is the earlier acquisition, image 2 the later one.
- No data is NaN. A pixel that is NaN in either image (any band) is left out
  of every local window and is NaN in the output.
- Every operator that divides or takes a logarithm needs power > 0. Zero or
  negative power raises ``ZeroPowerError`` (a ValueError) unless a ``floor``
  (linear power > 0) is given: values below it are then raised to it.
- Windowed operators sum in the fixed order of ``core.engine.window_stats`` and look
  at most ``margin(method, size)`` pixels around a pixel, treating pixels
  outside the array as no data, so a block-by-block run through
  ``core.engine.raster_blocks.map_raster`` equals the whole-image run bit for bit.
- Outputs are float32. Unsigned operators (mean ratio, neighbourhood-ratio
  change index, Euclidean norm, cumulant KL) grow with the change; signed ones
  (difference, log ratio, signed mean ratio) are > 0 where the later image
  is brighter.

Operators (``METHODS``):

- difference: I2 - I1 (linear power).
- ratio: I2 / I1 (dimensionless).
- log ratio: 10 log10(I2 / I1) in dB (Dekker 1998; Bazi et al. 2005).
- mean ratio: 1 - min(m1/m2, m2/m1) with m the local means (Inglada & Mercier 2007,
  after Rignot & van Zyl 1993), in [0, 1); signed variant sign(m2 - m1) * r.
- log mean ratio: 10 log10(m2 / m1) in dB, the log ratio of the boxcar-filtered
  images (``log_mean_ratio``; not in ``METHODS``: used by ``core.change.unsupervised``).
- neighbourhood ratio: Gong, Cao & Wu (2012), see ``neighbourhood_ratio``;
  the DI is the change index 1 - NR, in [0, 1).
- Euclidean norm of dB differences over bands: sqrt(sum_b (dB2_b - dB1_b)^2)
  in dB (Alatalo, Sipola & Rantonen 2023).
- cumulant KL: symmetrised Kullback-Leibler divergence of the Edgeworth
  approximations of the two dates' local log-intensity pdfs (Inglada &
  Mercier 2007), in nats, see ``cumulant_kl_divergence``.
"""
import csv
import datetime as _dt
import math

import numpy as np

from ..engine import scale as scales
from ..engine.window_stats import border_count, box_sum, check_window
from . import cumulant_kl

DIFFERENCE = "difference"
RATIO = "ratio"
LOG_RATIO = "log_ratio"
MEAN_RATIO = "mean_ratio"
NEIGHBOURHOOD_RATIO = "neighbourhood_ratio"
EUCLIDEAN_DB = "euclidean_db"
CUMULANT_KL = "cumulant_kl"

#: Order used by the Processing enum (index -> method); new methods go at the end.
METHODS = (DIFFERENCE, RATIO, LOG_RATIO, MEAN_RATIO, NEIGHBOURHOOD_RATIO, EUCLIDEAN_DB, CUMULANT_KL)
LABELS = {
    DIFFERENCE: "Difference I2 - I1 (linear power)",
    RATIO: "Ratio I2 / I1",
    LOG_RATIO: "Log ratio 10 log10(I2 / I1) (dB)",
    MEAN_RATIO: "Mean ratio 1 - min(m1/m2, m2/m1) (Inglada & Mercier 2007)",
    NEIGHBOURHOOD_RATIO: "Neighbourhood ratio, 1 - NR (Gong, Cao & Wu 2012)",
    EUCLIDEAN_DB: "Euclidean norm of dB differences over all bands (Alatalo et al. 2023)",
    CUMULANT_KL: "Cumulant KL divergence of the log-intensity (Inglada & Mercier 2007)",
}
#: Methods with a local window.
WINDOWED = (MEAN_RATIO, NEIGHBOURHOOD_RATIO, CUMULANT_KL)
#: Methods that compare every band (the others compare one band of each image).
MULTI_BAND = (EUCLIDEAN_DB,)
#: Methods that divide or take logarithms: they need power > 0.
NEEDS_POSITIVE = (RATIO, LOG_RATIO, MEAN_RATIO, NEIGHBOURHOOD_RATIO, EUCLIDEAN_DB, CUMULANT_KL)
#: Methods whose output is signed (> 0: the later image is brighter).
SIGNED = (DIFFERENCE, RATIO, LOG_RATIO)

ZERO_POWER_FIX = ("give linear power > 0, set the correct scale, or mask those pixels as no data "
                  "(or set a power floor)")


class ZeroPowerError(ValueError):
    """An image holds zero or negative power before a ratio or a logarithm.

    ``image`` is 1 (earlier) or 2 (later), so that a caller can name the layer.
    """

    def __init__(self, image, count):
        self.image = image
        self.count = count
        which = "earlier" if image == 1 else "later"
        super().__init__(f"image {image} ({which}) holds zero or negative power "
                         f"({count} pixel(s)): {ZERO_POWER_FIX}")


def to_power(values, scale):
    """``values`` stored in ``scale`` (``core.engine.scale``: linear, amplitude, dB) as float32 linear
    power."""
    return scales.to_linear_power(values, scale)


def margin(method, size=3):
    """Pixels ``method`` reads around each output pixel (block overlap for map_raster)."""
    if method not in METHODS:
        raise ValueError(f"unknown difference method {method!r}; choose one of {METHODS}")
    if method in WINDOWED:
        return check_window(size)
    return 0


def _as_pair(p1, p2):
    p1 = np.asarray(p1, dtype=np.float32)
    p2 = np.asarray(p2, dtype=np.float32)
    if p1.shape != p2.shape:
        raise ValueError(f"the two images differ in shape: {p1.shape} and {p2.shape}; "
                         "coregister them onto one grid first")
    return p1, p2


def _positive(power, image, floor):
    """``power`` with values below ``floor`` raised to it, or ZeroPowerError if any is <= 0."""
    if floor is not None:
        if not floor > 0:
            raise ValueError(f"the power floor must be > 0 (linear power), got {floor}")
        return np.maximum(power, np.float32(floor))  # NaN stays NaN
    with np.errstate(invalid="ignore"):
        bad = int(np.count_nonzero(power <= 0))
    if bad:
        raise ZeroPowerError(image, bad)
    return power


def _joint_nodata(p1, p2):
    """Copies of p1, p2 with NaN wherever either is NaN (any band for 3-D input)."""
    invalid = np.isnan(p1) | np.isnan(p2)
    if p1.ndim == 3:
        invalid = invalid.any(axis=0)
        invalid = np.broadcast_to(invalid, p1.shape)
    if invalid.any():
        p1 = np.where(invalid, np.float32(np.nan), p1)
        p2 = np.where(invalid, np.float32(np.nan), p2)
    return p1, p2


def difference(p1, p2):
    """I2 - I1 in linear power units (any sign)."""
    p1, p2 = _as_pair(p1, p2)
    return (p2 - p1).astype(np.float32)


def ratio(p1, p2, floor=None):
    """I2 / I1 (dimensionless, > 0); ``floor``: see the module docstring."""
    p1, p2 = _as_pair(p1, p2)
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    return (p2 / p1).astype(np.float32)


def log_ratio(p1, p2, floor=None):
    """10 log10(I2 / I1) in dB (> 0: the later image is brighter).

    Log-ratio operator (Dekker 1998, IJRS 19(5); Bazi et al. 2005, IEEE TGRS 43(4)).
    """
    p1, p2 = _as_pair(p1, p2)
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    return (np.float32(10.0) * np.log10(p2 / p1)).astype(np.float32)


def _window_sums(values, valid, size):
    """Fixed-order float64 window sums of ``values`` (NaN-free) and the valid-pixel counts."""
    sums = box_sum(values.astype(np.float64), size, dtype=np.float64)
    if valid is None:
        count = border_count(values.shape, size).astype(np.float64)
    else:
        count = box_sum(valid.astype(np.float64), size, dtype=np.float64)
    return sums, count


def _split(p1, p2):
    """(p1 with NaN -> 0, p2 likewise, joint valid mask or None when all valid)."""
    invalid = np.isnan(p1) | np.isnan(p2)
    if not invalid.any():
        return p1, p2, None
    zero = np.float32(0)
    return np.where(invalid, zero, p1), np.where(invalid, zero, p2), ~invalid


def _pair_window_sums(p1, p2, size, floor):
    """(window sums of image 1, of image 2, joint valid mask or None) over pixels valid in both."""
    check_window(size)
    p1, p2 = _as_pair(p1, p2)
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    v1, v2, valid = _split(p1, p2)
    return _window_sums(v1, valid, size)[0], _window_sums(v2, valid, size)[0], valid


def mean_ratio(p1, p2, size=3, signed=False, floor=None):
    """Mean-ratio detector r = 1 - min(m1/m2, m2/m1), in [0, 1).

    Inglada & Mercier (2007, IEEE TGRS 45(5), eq. 2, after Rignot & van Zyl
    1993): m1, m2 are the means of the valid pixels (valid in both images) in
    the ``size`` x ``size`` window (pixels, odd). Since both means count the
    same pixels, m1/m2 is the ratio of the window sums. ``signed``: return
    sign(m2 - m1) * r instead (> 0 where the later image is brighter).
    """
    s1, s2, valid = _pair_window_sums(p1, p2, size, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = 1.0 - np.minimum(s1 / s2, s2 / s1)
        if signed:
            r = np.sign(s2 - s1) * r
    out = r.astype(np.float32)
    if valid is not None:
        out[~valid] = np.nan
    return out


def log_mean_ratio(p1, p2, size=3, floor=None):
    """Log ratio of the local means 10 log10(m2 / m1), dB (> 0: the later image is brighter).

    m1, m2: means of the pixels valid in both images in the ``size`` x ``size``
    window (pixels, odd), i.e. the log ratio of the two boxcar-filtered images.
    |log mean ratio| is a monotone function of the mean ratio of Inglada &
    Mercier (2007): r = 1 - 10^(-|LMR| / 10). On the log scale the unchanged
    class is close to Gaussian (variance ~ 2 psi1(n L) (10 / ln 10)^2 for n
    pixels of L looks, Xie et al. 2002), smaller than that of the mean of the
    pixel log ratios (2 psi1(L) / n): the efficient estimate of a local dB
    offset.
    """
    s1, s2, valid = _pair_window_sums(p1, p2, size, floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (10.0 * np.log10(s2 / s1)).astype(np.float32)
    if valid is not None:
        out[~valid] = np.nan
    return out


def neighbourhood_ratio(p1, p2, size=3, floor=None):
    """Neighbourhood-based ratio NR of Gong, Cao & Wu (2012), in (0, 1]; 1 = no change.

    Gong, Cao & Wu, "Neighborhood-based ratio approach for change detection
    in SAR images", IEEE GRSL 9(2), 2012:

        NR(x) = theta * q(x) + (1 - theta) * sum_y min(I1(y), I2(y)) / sum_y max(I1(y), I2(y))

    with q = min(I1, I2) / max(I1, I2) the pixel ratio, y running over the
    valid pixels of the ``size`` x ``size`` window around x except x itself,
    and theta = var / mean the local heterogeneity measured over the window
    (x included). Here var and mean are those of q, so theta is
    dimensionless and, as the population variance of values in (0, 1], lies
    within [0, 1] (it is clipped there against rounding): heterogeneous
    windows weight the pixel's own ratio, homogeneous ones the neighbourhood
    ratio. Where the window holds no other valid pixel, NR = q(x).
    """
    check_window(size)
    p1, p2 = _as_pair(p1, p2)
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    v1, v2, valid = _split(p1, p2)
    lo = np.minimum(v1, v2).astype(np.float64)
    hi = np.maximum(v1, v2).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(hi > 0, lo / np.where(hi > 0, hi, 1.0), 0.0)  # 0 only at invalid pixels
    s_lo, count = _window_sums(lo, valid, size)
    s_hi, _ = _window_sums(hi, valid, size)
    s_q, _ = _window_sums(q, valid, size)
    s_q2, _ = _window_sums(q * q, valid, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_q = s_q / count
        var_q = np.maximum(s_q2 / count - mean_q * mean_q, 0.0)  # population variance
        theta = np.clip(var_q / mean_q, 0.0, 1.0)
        nb_lo, nb_hi = s_lo - lo, s_hi - hi  # the neighbours, centre excluded
        nb = np.where(count > 1, nb_lo / nb_hi, q)
        nr = theta * q + (1.0 - theta) * nb
    out = nr.astype(np.float32)
    if valid is not None:
        out[~valid] = np.nan
    return out


def neighbourhood_ratio_index(p1, p2, size=3, floor=None):
    """Change index 1 - NR in [0, 1) (``neighbourhood_ratio``): larger means more change."""
    nr = neighbourhood_ratio(p1, p2, size, floor)
    return (np.float32(1.0) - nr).astype(np.float32)


def euclidean_db(p1, p2, floor=None):
    """sqrt(sum over bands of (dB2 - dB1)^2) in dB, for (bands, rows, cols) power stacks.

    Alatalo, Sipola & Rantonen (2023, IEEE TGRS 61): Euclidean norm of the
    per-band dB differences (e.g. VV and VH) as one difference image. 2-D
    inputs are taken as one band (the result is then |log ratio|). A pixel
    NaN in any band is NaN.
    """
    p1, p2 = _as_pair(p1, p2)
    if p1.ndim == 2:
        p1, p2 = p1[None], p2[None]
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    p1, p2 = _joint_nodata(p1, p2)
    d = np.float32(10.0) * (np.log10(p2) - np.log10(p1))
    return np.sqrt(np.sum(np.square(d), axis=0, dtype=np.float32)).astype(np.float32)


def cumulant_kl_divergence(p1, p2, size=7, floor=None):
    """Symmetrised cumulant-based KL divergence of the two dates' local pdfs, nats (>= 0).

    Inglada & Mercier (2007, IEEE TGRS 45(5)): over the pixels valid in both
    images in the ``size`` x ``size`` window (pixels, odd), the cumulants
    kappa_1..kappa_4 of each date's log-intensity ln(I) give an Edgeworth
    approximation of its pdf, and the DI is K(1|2) + K(2|1) of
    ``core.change.cumulant_kl``. It grows with any change of the local
    distribution (mean, spread, skewness, kurtosis), not only of the mean; 0
    for identical windows. Dimensionless, so the same for ln or dB
    log-intensity and for a gain common to both images. Windows where either
    date's log-intensity is constant, or with fewer than 2 valid pixels, give
    NaN (no pdf to fit). The paper uses large windows (e.g. 9 to 51 pixels):
    with few pixels the sample skewness and kurtosis are noisy. The
    expansion is an approximation near Gaussian pdfs: for a strong change
    (a mean shift of several sigma) its polynomial terms can drive it below
    zero, clipped to 0, so it is not monotonic in the change: with the
    exact cumulants of 4-look log-gamma speckle a 3-sigma (about 7 dB)
    mean shift gives 0 (tests/test_core_difference.py; on the design
    pairs: benchmarks/results/change_kl_design.md).
    """
    cum1, cum2, valid = _log_cumulants(p1, p2, size, floor, 4)
    return _with_nodata(cumulant_kl.symmetric_kl(cum1, cum2), valid)


def gaussian_kl_divergence(p1, p2, size=7, floor=None):
    """Symmetrised Gaussian KL divergence of the two dates' windowed log-intensity, nats (>= 0).

    The two-cumulant case of ``cumulant_kl_divergence`` (Inglada & Mercier
    2007 with kappa_3 = kappa_4 = 0; the classical KL of two Gaussians,
    ``core.change.cumulant_kl.gaussian_symmetric_kl``): with m_k, v_k the
    mean and variance of ln(I_k) over the pixels valid in both images in the
    ``size`` x ``size`` window (pixels, odd),
    ((m1 - m2)^2 (1/v1 + 1/v2) + v1/v2 + v2/v1 - 2) / 2. It grows
    monotonically with a change of the local mean (d^2 / v) or spread
    ((r + 1/r - 2) / 2 for a variance ratio r), 0 for identical windows;
    dimensionless, invariant to a gain common to both images. Windows where
    either date's log-intensity is constant, or with fewer than 2 valid
    pixels, give NaN.
    """
    cum1, cum2, valid = _log_cumulants(p1, p2, size, floor, 2)
    return _with_nodata(cumulant_kl.gaussian_symmetric_kl(cum1, cum2), valid)


def _log_cumulants(p1, p2, size, floor, order):
    """(cumulants of ln(I1), of ln(I2), joint valid mask or None) per window; ``order`` 2 or 4.

    Fixed-order float64 box sums of x^k over the pixels valid in both images
    (so a crop with a ``size // 2`` halo is bit-exact); order 2 gives
    (kappa_1, kappa_2), order 4 (kappa_1..kappa_4), see ``core.change.cumulant_kl``.
    """
    check_window(size)
    p1, p2 = _as_pair(p1, p2)
    p1, p2 = _positive(p1, 1, floor), _positive(p2, 2, floor)
    v1, v2, valid = _split(p1, p2)
    if valid is not None:  # log(1) = 0 where no data, left out of the sums below
        v1, v2 = np.where(valid, v1, np.float32(1)), np.where(valid, v2, np.float32(1))
    cum = []
    for v in (v1, v2):
        x = np.log(v.astype(np.float64))
        x2 = x * x
        s1, count = _window_sums(x, valid, size)
        terms = (x2,) if order == 2 else (x2, x2 * x, x2 * x2)
        sums = [box_sum(term, size, dtype=np.float64) for term in terms]
        fit = cumulant_kl.mean_variance if order == 2 else cumulant_kl.cumulants
        cum.append(fit(count, s1, *sums))
    return cum[0], cum[1], valid


def _with_nodata(di, valid):
    """``di`` as float32 with NaN where ``valid`` (or None: all valid) is False."""
    out = di.astype(np.float32)
    if valid is not None:
        out[~valid] = np.nan
    return out


def compute(method, p1, p2, size=3, signed=False, floor=None):
    """Difference image of ``method`` (see ``METHODS``) from linear power images.

    ``p1``, ``p2``: 2-D arrays, or (bands, rows, cols) for the Euclidean norm.
    ``size``: window side in pixels (mean ratio, neighbourhood ratio, cumulant KL);
    ``signed``: signed mean ratio; ``floor``: power floor (None: refuse <= 0).
    """
    margin(method, size)  # validates the method and, where used, the window
    if method == DIFFERENCE:
        return difference(p1, p2)
    if method == RATIO:
        return ratio(p1, p2, floor)
    if method == LOG_RATIO:
        return log_ratio(p1, p2, floor)
    if method == MEAN_RATIO:
        return mean_ratio(p1, p2, size, signed, floor)
    if method == NEIGHBOURHOOD_RATIO:
        return neighbourhood_ratio_index(p1, p2, size, floor)
    if method == CUMULANT_KL:
        return cumulant_kl_divergence(p1, p2, size, floor)
    return euclidean_db(p1, p2, floor)


def make_block_function(method, scale=scales.LINEAR_POWER, size=3, bands_per_image=1, signed=False,
                        floor=None):
    """Return ``(func, margin)`` for ``core.engine.raster_blocks.map_raster``.

    ``func`` takes a float32 block ``(2 * bands_per_image, rows, cols)``: the
    bands of image 1 then those of image 2, stored in ``scale``, NaN = no
    data, and returns the difference image as ``(1, rows, cols)``. Only the
    Euclidean norm compares several bands per image. A floor is given in
    linear power.
    """
    reach = margin(method, size)
    if scale not in scales.SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {scales.SCALES}")
    n = int(bands_per_image)
    if n < 1 or (n > 1 and method not in MULTI_BAND):
        raise ValueError(f"{LABELS[method]} compares one band of each image, got {n} per image")

    def func(block):
        p1 = to_power(block[:n], scale)
        p2 = to_power(block[n:2 * n], scale)
        if method in MULTI_BAND:
            return compute(method, p1, p2, size, signed, floor)[None]
        return compute(method, p1[0], p2[0], size, signed, floor)[None]

    return func, reach


# --- Reference image choice ---------------------------------------------------------------

ACQUISITION_FIELDS = ("date", "orbit_direction", "mean_incidence_deg", "file")


def read_acquisitions(path):
    """Rows of an acquisitions CSV (the simulator's acquisitions.csv schema) as dicts."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if rows:
        missing = [f for f in ACQUISITION_FIELDS if f not in rows[0]]
        if missing:
            raise ValueError(f"{path} lacks the column(s) {missing}; expected at least "
                             f"{ACQUISITION_FIELDS}")
    return rows


def _date(value):
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return _dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text[:8], fmt).date()
        except ValueError:
            continue
    raise ValueError(f"cannot read the date {value!r}: use YYYY-MM-DD")


def choose_reference(acquisitions, target_index):
    """Index of the reference (earlier) acquisition to compare acquisition ``target_index`` with.

    Reference selection "method 1" of Alatalo, Sipola & Rantonen (2023): among
    the acquisitions dated before the target with the same orbit direction,
    take the one whose mean incidence angle (degrees) is closest to the
    target's, so that the images differ as little as possible by geometry;
    ties go to the most recent. ``acquisitions``: a list of dicts (or a CSV
    path) with at least date (YYYY-MM-DD), orbit_direction and
    mean_incidence_deg (the simulator's acquisitions.csv). Returns an index
    into that list; ValueError when no earlier acquisition of that orbit
    direction exists.
    """
    rows = read_acquisitions(acquisitions) if isinstance(acquisitions, (str, bytes)) or hasattr(
        acquisitions, "__fspath__") else list(acquisitions)
    if not 0 <= target_index < len(rows):
        raise ValueError(f"target index {target_index} is outside the {len(rows)} acquisitions")
    target = rows[target_index]
    t_date = _date(target["date"])
    t_dir = str(target["orbit_direction"]).strip().lower()
    t_inc = float(target["mean_incidence_deg"])
    best, best_key = None, None
    for i, row in enumerate(rows):
        if i == target_index or str(row["orbit_direction"]).strip().lower() != t_dir:
            continue
        date = _date(row["date"])
        if date >= t_date:
            continue
        gap = abs(float(row["mean_incidence_deg"]) - t_inc)
        if math.isnan(gap):
            continue
        key = (gap, -date.toordinal())  # closest incidence first, then the most recent
        if best_key is None or key < best_key:
            best, best_key = i, key
    if best is None:
        raise ValueError(f"no acquisition before {t_date} has the orbit direction {t_dir!r}: "
                         "pick a later target or add earlier acquisitions of that orbit")
    return best
