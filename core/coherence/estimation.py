"""Interferometric coherence estimators (numpy only, no QGIS).

- ``sample_coherence``: the standard (maximum-likelihood) estimator of the
  coherence magnitude from two co-registered complex images over a boxcar
  window, |sum z1 z2*| / sqrt(sum |z1|^2 sum |z2|^2) (e.g. Touzi, Lopes,
  Bruniquel & Vachon 1999, IEEE TGRS 37(1); Hanssen 2001, Radar
  Interferometry, sec. 4.2), with an optional deterministic interferometric
  phase (flat earth, topography) removed before summing.
- ``intensity_coherence``: coherence from two detected images only, through
  the normalised intensity correlation: for circular-Gaussian speckle the
  correlation coefficient of the two intensities is |gamma|^2 (Siegert
  relation; the speckle-similarity estimator of Catelli, Monti Guarnieri &
  Prati, "Coherence estimation of interferometric SAR images", EUSIPCO 1996),
  so |gamma| = sqrt(rho_I). The window-bias correction of the look-normalised
  form is derived here from the moments of L-look intensities (see
  ``intensity_correlation``), not taken from that paper.
- ``expected_sample_coherence``: the analytic mean of the sample coherence
  for N independent looks (Touzi et al. 1999, eq. 15; Hanssen 2001 eq. 4.2.x):
  E|gamma_hat| = Gamma(N) Gamma(3/2) / Gamma(N + 1/2)
                 * 3F2(3/2, N, N; N + 1/2, 1; |gamma|^2) * (1 - |gamma|^2)^N.

Windows are centred boxcars of odd size (rows x cols, in pixels). Every
window sum is accumulated in a fixed order from the values inside the window
only (as core/engine/window_stats.py does), so a tiled run equals the whole-image
run exactly. NaN (either image) is no data: left out of every window; a
window without valid power gives NaN.
"""
import numpy as np
from scipy.special import gammaln

from ..engine.window_stats import check_window

SPECKLE = "speckle"
PEARSON = "pearson"
INTENSITY_METHODS = (PEARSON, SPECKLE)


def window_shape(size):
    """(rows, cols) of a boxcar from an odd int or an (azimuth rows, range cols) pair of odd ints."""
    rows, cols = (size, size) if np.ndim(size) == 0 else tuple(size)
    check_window(rows)
    check_window(cols)
    return int(rows), int(cols)


def window_reach(size):
    """Pixels a window of ``size`` reaches beyond its centre (the block margin)."""
    rows, cols = window_shape(size)
    return max(rows, cols) // 2


def box_sum_2d(array, size, dtype=np.float64):
    """Sum over a centred ``size`` (rows, cols) window of an array, in ``dtype`` (default float64);
    outside counts as 0.

    Fixed-order accumulation (first sample to last) so results do not depend
    on where a block starts.
    """
    rows, cols = window_shape(size)
    ry, rx = rows // 2, cols // 2
    h, w = array.shape
    padded = np.zeros((h + 2 * ry, w + 2 * rx), dtype=dtype)
    padded[ry:ry + h, rx:rx + w] = array
    acc = padded[:, 0:w].copy()
    for j in range(1, cols):
        acc += padded[:, j:j + w]
    out = acc[0:h].copy()
    for i in range(1, rows):
        out += acc[i:i + h]
    return out


def _complex(z):
    z = np.asarray(z)
    return z.astype(np.complex128) if np.iscomplexobj(z) else z.astype(np.float64) + 0j


def sample_coherence(z1, z2, size, phase=None):
    """Coherence magnitude 0-1 (float32) of two complex images over a boxcar window.

    ``z1``, ``z2``: complex arrays (SLC, any consistent unit) on the same
    grid; NaN in the real or imaginary part of either = no data. ``size``:
    odd window (int) or (rows, cols) = (azimuth looks, range looks).
    ``phase``: optional interferometric phase (radians) to remove, the
    expected arg(z1 z2*) (flat earth + topography): each product is
    multiplied by exp(-i phase) before summing; NaN there = no data.
    """
    z1, z2 = _complex(z1), _complex(z2)
    valid = np.isfinite(z1) & np.isfinite(z2)
    product = z1 * np.conj(z2)
    if phase is not None:
        phase = np.asarray(phase, dtype=np.float64)
        valid &= np.isfinite(phase)
        product = product * np.exp(-1j * np.where(valid, phase, 0.0))
    zero = np.zeros((), np.complex128)
    product = np.where(valid, product, zero)
    p1 = np.where(valid, np.abs(z1) ** 2, 0.0)
    p2 = np.where(valid, np.abs(z2) ** 2, 0.0)
    return coherence_from_sums(box_sum_2d(product.real, size), box_sum_2d(product.imag, size),
                               box_sum_2d(p1, size), box_sum_2d(p2, size))


def coherence_from_sums(s12_re, s12_im, s11, s22):
    """|s12| / sqrt(s11 s22) as float32 in [0, 1]; NaN where either power sum is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gamma = np.hypot(s12_re, s12_im) / np.sqrt(s11 * s22)
    gamma[~((s11 > 0) & (s22 > 0))] = np.nan
    return np.minimum(gamma, 1.0).astype(np.float32)


def intensity_correlation(i1, i2, size, method=PEARSON, looks=None, dtype=np.float64):
    """Normalised intensity correlation rho_I (``dtype``, default float64; not clipped) over a boxcar
    window.

    ``i1``, ``i2``: detected images in linear power, NaN = no data; ``size``
    as in ``sample_coherence``. Circular-Gaussian speckle gives
    E[rho_I] = |gamma|^2 for single-look and for L-look intensities alike
    (Siegert relation; Catelli, Monti Guarnieri & Prati 1996). ``method``:
    - 'pearson': the sample correlation coefficient over the window
      (variances from the data, no look number needed; the N - 1 corrections
      of covariance and variances cancel);
    - 'speckle': normalised by the speckle variance 1/L of the known number
      of looks L (``looks``): with R = mean(I1 I2) / (mean I1 mean I2) over N
      window pixels, E[R] ~ (1 + rho/L) / (1 + rho/(L N)) (the product of
      the window means carries rho/(L N)), hence the window-bias-corrected
      rho = L (R - 1) / (1 - R / N).
    Texture and any change of mean inside a window add correlation, so both
    read heterogeneous windows as too coherent. NaN where the window has no
    valid pair or no variance.
    """
    if method not in INTENSITY_METHODS:
        raise ValueError(f"unknown intensity method {method!r}: use one of {INTENSITY_METHODS}")
    if method == SPECKLE and (looks is None or not looks > 0):
        raise ValueError(f"the 'speckle' method needs the number of looks > 0 (got {looks})")
    i1 = np.asarray(i1, dtype=dtype)
    i2 = np.asarray(i2, dtype=dtype)
    valid = np.isfinite(i1) & np.isfinite(i2)
    a = np.where(valid, i1, dtype(0))
    b = np.where(valid, i2, dtype(0))
    n = box_sum_2d(valid.astype(dtype), size, dtype)
    s1, s2 = box_sum_2d(a, size, dtype), box_sum_2d(b, size, dtype)
    s12 = box_sum_2d(a * b, size, dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == PEARSON:
            s11, s22 = box_sum_2d(a * a, size, dtype), box_sum_2d(b * b, size, dtype)
            var = (s11 - s1 * s1 / n) * (s22 - s2 * s2 / n)
            rho = (s12 - s1 * s2 / n) / np.sqrt(np.maximum(var, 0.0))
            rho[~(var > 0)] = np.nan
        else:
            ratio = s12 * n / (s1 * s2)
            rho = float(looks) * (ratio - 1.0) / (1.0 - ratio / n)
            rho[~((s1 > 0) & (s2 > 0) & (n > 1))] = np.nan
    return rho


def intensity_coherence(i1, i2, size, method=PEARSON, looks=None, dtype=np.float64):
    """Coherence magnitude 0-1 (float32) from two detected intensities: sqrt(clip(rho_I, 0, 1)).

    See ``intensity_correlation`` for the inputs, the two methods and ``dtype`` (of the window sums).
    """
    rho = intensity_correlation(i1, i2, size, method, looks, dtype)
    return np.sqrt(np.clip(rho, 0.0, 1.0)).astype(np.float32)


def expected_sample_coherence(gamma, looks, terms=None):
    """E|gamma_hat| of the sample coherence for true |gamma| and N = ``looks`` independent samples.

    Touzi et al. (1999, IEEE TGRS 37(1), eq. 15):
    Gamma(N) Gamma(3/2) / Gamma(N + 1/2) 3F2(3/2, N, N; N + 1/2, 1; g^2) (1 - g^2)^N,
    summed as a series in log space (``terms`` default: enough for g <= 0.99).
    Returns a float array shaped like ``gamma``. At g = 0 this is
    Gamma(N) Gamma(3/2) / Gamma(N + 1/2) ~ sqrt(pi / (4N)); at g = 1 it is 1.
    """
    g = np.atleast_1d(np.asarray(gamma, dtype=np.float64))
    n = float(looks)
    if n < 1:
        raise ValueError(f"looks must be >= 1 (got {looks})")
    z = np.clip(g * g, 0.0, 1.0)
    out = np.ones_like(z)
    inner = z < 1.0
    if terms is None:
        terms = int(max(200, 60 * (n + 10) / max(1e-3, 1.0 - float(z[inner].max(initial=0.0)))))
        terms = min(terms, 2_000_000)
    k = np.arange(terms, dtype=np.float64)
    # log of the k-th term's coefficient: (3/2)_k (N)_k^2 / ((N+1/2)_k (1)_k k!)
    log_coef = (gammaln(1.5 + k) - gammaln(1.5) + 2.0 * (gammaln(n + k) - gammaln(n))
                - gammaln(n + 0.5 + k) + gammaln(n + 0.5) - 2.0 * gammaln(1.0 + k))
    prefactor = gammaln(n) + gammaln(1.5) - gammaln(n + 0.5)
    for i in np.flatnonzero(inner):
        if z[i] == 0.0:
            out[i] = np.exp(prefactor)
            continue
        log_terms = log_coef + k * np.log(z[i])
        top = log_terms.max()
        log_sum = top + np.log(np.exp(log_terms - top).sum())
        out[i] = np.exp(prefactor + log_sum + n * np.log1p(-z[i]))
    return out.reshape(np.shape(gamma)) if np.ndim(gamma) else float(out[0])


def correlated_pair(gamma, shape, rng, power_1=1.0, power_2=1.0, phase=0.0):
    """Two circular-Gaussian complex fields with coherence ``gamma`` (complex128).

    z1 = sqrt(P1) c1, z2 = sqrt(P2) (gamma c1 + sqrt(1 - gamma^2) n) exp(-i phase)
    with c1, n independent CN(0, 1): E|z1|^2 = P1, E|z2|^2 = P2,
    E[z1 z2*] / sqrt(P1 P2) = gamma exp(i phase). ``gamma``, powers and
    ``phase`` broadcast to ``shape``.
    """
    def cn(size):
        return (rng.standard_normal(size) + 1j * rng.standard_normal(size)) / np.sqrt(2.0)

    g = np.clip(np.broadcast_to(np.asarray(gamma, dtype=np.float64), shape), 0.0, 1.0)
    c1, noise = cn(shape), cn(shape)
    z1 = np.sqrt(power_1) * c1
    z2 = np.sqrt(power_2) * (g * c1 + np.sqrt(1.0 - g * g) * noise) * np.exp(-1j * np.asarray(phase))
    return z1, z2


def slc_block_function(size, with_phase=False):
    """Block function for the block engine: (4 or 5, rows, cols) float32 -> (1, rows, cols).

    Input planes: real 1, imaginary 1, real 2, imaginary 2 (and the phase to
    remove in radians). Returns (func, margin in pixels).
    """
    def func(block):
        z1 = block[0].astype(np.float64) + 1j * block[1]
        z2 = block[2].astype(np.float64) + 1j * block[3]
        phase = block[4] if with_phase else None
        return sample_coherence(z1, z2, size, phase)[None]

    return func, window_reach(size)


def intensity_block_function(size, method=PEARSON, looks=None, scale=None):
    """Block function: (2, rows, cols) float32 detected images -> (1, rows, cols) coherence.

    ``scale``: None or 'linear' (linear power), 'db' (converted first) or
    'amplitude'. Returns (func, margin in pixels).
    """
    from ..engine.scale import LINEAR_POWER, to_linear_power

    scale = LINEAR_POWER if scale is None else scale
    to_linear_power(np.zeros(1, np.float32), scale)  # validates the scale name

    def func(block):
        i1 = to_linear_power(block[0], scale)
        i2 = to_linear_power(block[1], scale)
        return intensity_coherence(i1, i2, size, method, looks)[None]

    return func, window_reach(size)
