"""Effective number of independent samples in a k x k window of a spatially correlated image.

The variance of the mean of n pixels of common variance s^2 is

    Var(mean) = s^2 / n^2 * sum_i sum_j rho(x_i - x_j),

which falls as s^2 / n only for uncorrelated pixels; for a k x k window it is
s^2 / n_eff with

    n_eff = k^4 / sum_{dx, dy = -(k-1)}^{k-1} (k - |dx|) (k - |dy|) rho(dx, dy)

(the number of independent samples equivalent to the window; for speckle the
equivalent number of looks of a multilooked, oversampled image: Oliver, C.,
Quegan, S. 1998, Understanding Synthetic Aperture Radar Images, sec. 4.6 and
7.3; Bamler, R., Hartl, P. 1998, Inverse Problems 14, R1-R54, on the correlation
of oversampled SAR pixels). ``variance_factor`` returns k^2 / n_eff, the factor
by which the variance of a k x k mean exceeds the independent-pixel s^2 / k^2
(1 for white noise).

The correlation is estimated from the image itself (``fit``): the lag-1 and
lag-2 autocorrelations r1, r2 along rows and columns (averaged) of the values
centred on their median and clipped at +-``CLIP_SIGMAS`` robust sigmas, so that
a small change does not carry the estimate, and the isotropic model
rho(d) = exp(-(d / L)^p) through them: p = log2(ln r2 / ln r1), bounded to
[1, 2] (exponential to Gaussian correlation), L = (-ln r1)^(-1 / p).
"""
from dataclasses import dataclass

import numpy as np

from .robust_scale import robust_sigma

#: The values are clipped at this many robust sigmas (1.4826 MAD) around their median before the lags.
CLIP_SIGMAS = 3.0
#: Bounds of the model's shape exponent p (1: exponential, 2: Gaussian correlation).
SHAPE_BOUNDS = (1.0, 2.0)
#: Lag correlations are bounded to this interval before the fit (0: white, no correlation).
R_BOUNDS = (1e-3, 0.999)


def lag_correlation(values, lag):
    """Autocorrelation (-1 to 1) of a 2-D array at ``lag`` pixels, rows and columns pooled (NaN skipped)."""
    x = np.asarray(values, np.float64)
    products, squares = 0.0, 0.0
    for a, b in ((x[:, :-lag], x[:, lag:]), (x[:-lag, :], x[lag:, :])):
        both = np.isfinite(a) & np.isfinite(b)
        products += float(np.sum(a[both] * b[both]))
        squares += 0.5 * float(np.sum(a[both] ** 2) + np.sum(b[both] ** 2))
    return products / squares if squares > 0 else 0.0


def prepared(values, clip_sigmas=CLIP_SIGMAS):
    """``values`` (2-D, NaN = no data) centred on their median and clipped at +-``clip_sigmas`` robust
    sigmas (their units); the mean of the result removed."""
    x = np.array(values, np.float64)
    if not np.isfinite(x).any():
        return x
    med, sigma = robust_sigma(x)
    x = x - med
    if sigma > 0:
        x = np.clip(x, -clip_sigmas * sigma, clip_sigmas * sigma)
    return x - float(np.nanmean(x))


@dataclass(frozen=True)
class Correlation:
    """Isotropic correlation model rho(d) = exp(-(d / length)^shape) (d in pixels); length 0: white."""

    length: float
    shape: float = 2.0
    r1: float = 0.0
    r2: float = 0.0

    def rho(self, dx, dy):
        """Correlation at the pixel offsets ``dx``, ``dy`` (arrays broadcast)."""
        d = np.hypot(dx, dy)
        if self.length <= 0:
            return (d == 0).astype(np.float64)
        return np.exp(-((d / self.length) ** self.shape))

    def variance_factor(self, size):
        """k^2 / n_eff of a ``size`` x ``size`` mean (module docstring); 1 for white noise."""
        return variance_factor(self.rho, size)

    def effective_samples(self, size):
        """n_eff of a ``size`` x ``size`` window (independent samples equivalent to its k^2 pixels)."""
        return size * size / self.variance_factor(size)


def variance_factor(rho, size):
    """k^2 / n_eff = sum (k - |dx|)(k - |dy|) rho(dx, dy) / k^2 over a k x k window (k = ``size``).

    ``rho(dx, dy)``: the correlation at pixel offsets (arrays broadcast).
    """
    d = np.arange(-(size - 1), size)
    dx, dy = np.meshgrid(d, d, indexing="ij")
    weights = (size - np.abs(dx)) * (size - np.abs(dy))
    return float(np.sum(weights * rho(dx, dy))) / size**2


def fit(values, clip_sigmas=CLIP_SIGMAS):
    """Correlation model of a 2-D image (NaN = no data) from its lag-1 and lag-2 autocorrelations."""
    x = prepared(values, clip_sigmas)
    r1, r2 = lag_correlation(x, 1), lag_correlation(x, 2)
    if r1 <= R_BOUNDS[0]:
        return Correlation(0.0, 2.0, r1, r2)
    a1 = -np.log(min(r1, R_BOUNDS[1]))
    a2 = -np.log(min(max(r2, R_BOUNDS[0]), R_BOUNDS[1]))
    shape = float(np.clip(np.log2(a2 / a1), *SHAPE_BOUNDS)) if a2 > a1 else SHAPE_BOUNDS[0]
    return Correlation(float(a1 ** (-1.0 / shape)), shape, r1, r2)


def box_rho(window):
    """Correlation of white noise after a ``window`` x ``window`` box mean: the separable triangle
    max(0, 1 - |dx| / w) max(0, 1 - |dy| / w) (a function of the offsets, for ``variance_factor``)."""

    def rho(dx, dy):
        return np.clip(1.0 - np.abs(dx) / window, 0.0, None) * np.clip(1.0 - np.abs(dy) / window, 0.0, None)

    return rho


def excess_factor(values, size, window=1, clip_sigmas=CLIP_SIGMAS):
    """variance_factor of the fitted correlation of ``values`` over that of white noise seen through the
    statistic's own ``window`` x ``window`` mean (``box_rho``), at least 1: the variance inflation of a
    ``size`` x ``size`` mean due to the image's correlation beyond the one its window makes."""
    white = variance_factor(box_rho(window), size)
    return max(1.0, fit(values, clip_sigmas).variance_factor(size) / white)
