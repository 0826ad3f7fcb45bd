"""Lee, Kuan and Gamma-MAP filters in the unified notation of Lopes et al. (1990).

Lopes, Touzi & Nezry, "Adaptive speckle filters and scene heterogeneity",
IEEE TGRS 28(6), 1990: with the local mean E, local coefficient of variation
Ci = std/E and the speckle coefficient of variation Cu = 1/sqrt(L) (intensity,
L looks), each filter returns R = E + W (I - E) for the centre pixel I.

- Lee (1980/1981, Lopes eq. 6):  W = 1 - Cu^2/Ci^2
- Kuan (1985, Lopes eq. 7):      W = (1 - Cu^2/Ci^2) / (1 + Cu^2)
- Gamma-MAP (Lopes 1990 eq. 15): R solves alpha R^2 + (L + 1 - alpha) E R - L E I = 0
  with alpha = (1 + Cu^2) / (Ci^2 - Cu^2), for Cu < Ci < sqrt(2) Cu; R = I above.

In every case W = 0 (R = E) where Ci <= Cu (homogeneous area). Local moments
use the unbiased (N - 1) variance, the convention of OTB's Despeckle, so the
results agree with ``otbcli_Despeckle`` (see tests/test_otb_agreement.py).
"""
import numpy as np

from ..engine.window_stats import check_window, local_moments


def _check_looks(looks):
    if not looks > 0:
        raise ValueError(f"number of looks must be > 0, got {looks}")
    return np.float32(1.0 / looks)


def _heterogeneity(power, size):
    """Return (I, E, Ci^2) as float32 for the centre pixel, local mean, local CV^2."""
    check_window(size)
    power = np.asarray(power, dtype=np.float32)
    mean, var, _ = local_moments(power, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        ci2 = var / np.square(mean)
    return power, mean, ci2


def _finish(out, power):
    """Keep no-data pixels as NaN in ``out`` and return float32."""
    out = out.astype(np.float32, copy=False)
    out[np.isnan(power)] = np.nan
    return out


def lee(power, size=7, looks=1.0):
    """Lee MMSE filter (Lopes 1990 eq. 6) on linear power; ``size`` in pixels (odd)."""
    cu2 = _check_looks(looks)
    power, mean, ci2 = _heterogeneity(power, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = 1 - cu2 / ci2
    w = np.where(ci2 > cu2, w, np.float32(0))
    return _finish(mean + w * (power - mean), power)


def kuan(power, size=7, looks=1.0):
    """Kuan LLMMSE filter (Kuan et al. 1985; Lopes 1990 eq. 7) on linear power."""
    cu2 = _check_looks(looks)
    power, mean, ci2 = _heterogeneity(power, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (1 - cu2 / ci2) / (1 + cu2)
    w = np.where(ci2 > cu2, w, np.float32(0))
    return _finish(mean + w * (power - mean), power)


def gamma_map(power, size=7, looks=1.0):
    """Gamma-MAP filter (Lopes, Nezry, Touzi & Laur 1990) on linear power.

    Homogeneous (Ci <= Cu): local mean. Heterogeneous (Cu < Ci < sqrt(2) Cu):
    the positive root of the MAP equation. Point target (Ci >= sqrt(2) Cu):
    the pixel itself.
    """
    cu2 = _check_looks(looks)
    big_l = np.float32(looks)
    power, mean, ci2 = _heterogeneity(power, size)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        alpha = (1 + cu2) / (ci2 - cu2)
        b = alpha - big_l - 1
        d = np.square(mean * b) + 4 * alpha * big_l * mean * power
        r_map = (b * mean + np.sqrt(d)) / (2 * alpha)
    out = np.where(ci2 <= cu2, mean, np.where(ci2 < 2 * cu2, r_map, power))
    return _finish(out, power)


def lee_mmse(mean, var, centre, noise_var):
    """Lee's MMSE estimate mean + b (centre - mean) from given local statistics (linear power).

    b = max(var_x, 0) / var with the signal variance of the multiplicative
    model var_x = (var - mean^2 noise_var) / (1 + noise_var) (Lee 1980 eq. 19;
    Lee 1981). ``noise_var``: the speckle's squared coefficient of variation
    (1/L, or the truncated eta_v^2 of Lee Sigma). b = 0 where var = 0. Used by
    Refined Lee and Lee Sigma, whose windows are not square boxes.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        var_x = (var - np.square(mean) * noise_var) / (1 + noise_var)
        np.maximum(var_x, 0, out=var_x)
        b = var_x / var
    b = np.where(var > 0, b, np.float32(0))
    return mean + b * (centre - mean)
