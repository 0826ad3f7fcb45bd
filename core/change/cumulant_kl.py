"""Cumulant-based Kullback-Leibler divergence of two local pdfs (Inglada & Mercier 2007).

Inglada & Mercier, "A new statistical similarity measure for change detection
in multitemporal SAR images and its extension to multiscale change analysis",
IEEE TGRS 45(5), 2007, section III (after Lin, Saito & Levine 1999): the pdf
of each date's log-intensity in a window is approximated by its Edgeworth
series from the cumulants kappa_1..kappa_4, and the KL divergence of the two
expansions is written in closed form from the cumulants.

Written here in standardised form. With sigma^2 = kappa_2, the skewness
g = kappa_3 / sigma^3 and the excess kurtosis d = kappa_4 / sigma^4 of each
date, alpha = (kappa_X1 - kappa_Y1) / sigma_Y, beta = sigma_X / sigma_Y and
the Gaussian moments c_k = E[(alpha + beta z)^k], z ~ N(0, 1):

    K(X|Y) = g_X^2 / 12 + (ln(kappa_Y2 / kappa_X2) - 1 + alpha^2 + beta^2) / 2
             - (g_Y a1 / 6 + d_Y a2 / 24 + g_Y^2 a3 / 72)
             - g_Y^2 (c6 - 6 c4 + 9 c2) / 72
             - 10 g_X g_Y alpha (beta^2 - 1) beta^3

    a1 = c3 - 3 alpha, a2 = c4 - 6 c2 + 3, a3 = c6 - 15 c4 + 45 c2 - 15
    (the Hermite polynomials H3, H4, H6 averaged under the Gaussian part of X).

This equals the paper's equation in raw cumulants (alpha there is
(kappa_X1 - kappa_Y1) / kappa_Y2, beta = sqrt(kappa_X2) / kappa_Y2) with three
misprints of the printed equation read so that the measure is dimensionless
(the same for natural-log and dB log-intensity) and zero for identical pdfs:
the Gaussian term is ((kappa_X1 - kappa_Y1)^2 + kappa_X2) / kappa_Y2 (the
exact Gaussian KL; printed as (kappa_X1 - kappa_Y1 + sqrt(kappa_X2))^2), the
first term divides by kappa_X2^3 and the last by kappa_Y2^(9/2). For Gaussian
cumulants (kappa_3 = kappa_4 = 0) K is the exact KL of two Gaussians. The
expectations are taken under the Gaussian part of X, so the skewness and
kurtosis act only together with a change of mean or spread: two windows of
equal mean and variance give K = 0 whatever their higher cumulants.
"""
import numpy as np

#: A window whose log-intensity variance is below this share of (1 + mean^2) is taken as constant.
CONSTANT_VARIANCE = 1e-10


def cumulants(s0, s1, s2, s3, s4):
    """Population cumulants (kappa_1..kappa_4) from the power sums s_k = sum x^k over n = s0 values.

    float64 arrays in, the same shapes out; units: those of x to the power k.
    Where the variance is not above ``CONSTANT_VARIANCE`` (1 + mean^2), or
    n < 2, every cumulant is NaN (no pdf can be fitted).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        m1 = s1 / s0
        e2, e3, e4 = s2 / s0, s3 / s0, s4 / s0
        m1_2 = m1 * m1
        mu2 = e2 - m1_2
        mu3 = e3 - 3.0 * m1 * e2 + 2.0 * m1 * m1_2
        mu4 = e4 - 4.0 * m1 * e3 + 6.0 * m1_2 * e2 - 3.0 * m1_2 * m1_2
        k4 = mu4 - 3.0 * mu2 * mu2
    return _no_pdf_to_nan(s0, m1, mu2, mu3, k4)


def mean_variance(s0, s1, s2):
    """(kappa_1, kappa_2) from the power sums s1, s2 over n = s0 values; NaN as in ``cumulants``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        m1 = s1 / s0
        mu2 = s2 / s0 - m1 * m1
    return _no_pdf_to_nan(s0, m1, mu2)


def _no_pdf_to_nan(s0, m1, mu2, *higher):
    """(m1, mu2, *higher) with NaN where n < 2 or the variance is not above ``CONSTANT_VARIANCE``."""
    with np.errstate(invalid="ignore"):
        bad = ~((s0 >= 2) & (mu2 > CONSTANT_VARIANCE * (1.0 + m1 * m1)))
    out = [m1, mu2, *higher]
    if np.any(bad):
        out = [np.where(bad, np.nan, k) for k in out]
    return tuple(out)


def edgeworth_kl(cx, cy):
    """K(X|Y) of the module docstring (nats, >= 0 after clipping) from cumulant tuples ``cx``, ``cy``.

    ``cx``, ``cy``: (kappa_1, kappa_2, kappa_3, kappa_4) arrays or floats of
    the same variable in the same unit. The Edgeworth approximation can dip
    below zero; the result is clipped at 0 (a divergence is >= 0). NaN
    cumulants give NaN.
    """
    k1x, k2x, k3x, _ = cx
    k1y, k2y, k3y, k4y = cy
    with np.errstate(divide="ignore", invalid="ignore"):
        sx, sy = np.sqrt(k2x), np.sqrt(k2y)
        gx, gy = k3x / (k2x * sx), k3y / (k2y * sy)
        dy = k4y / (k2y * k2y)
        a = (k1x - k1y) / sy
        b = sx / sy
        a2, b2 = a * a, b * b
        c2 = a2 + b2
        c3 = a * (a2 + 3.0 * b2)
        c4 = a2 * a2 + 6.0 * a2 * b2 + 3.0 * b2 * b2
        c6 = a2 * a2 * a2 + 15.0 * a2 * a2 * b2 + 45.0 * a2 * b2 * b2 + 15.0 * b2 * b2 * b2
        h3 = c3 - 3.0 * a
        h4 = c4 - 6.0 * c2 + 3.0
        h6 = c6 - 15.0 * c4 + 45.0 * c2 - 15.0
        kl = (gx * gx / 12.0
              + 0.5 * (np.log(k2y / k2x) - 1.0 + c2)
              - (gy * h3 / 6.0 + dy * h4 / 24.0 + gy * gy * h6 / 72.0)
              - gy * gy * (c6 - 6.0 * c4 + 9.0 * c2) / 72.0
              - 10.0 * gx * gy * a * (b2 - 1.0) * b2 * b)
    return np.maximum(kl, 0.0)  # NaN stays NaN


def gaussian_symmetric_kl(cx, cy):
    """Symmetrised KL divergence of two Gaussians, KL(X|Y) + KL(Y|X), nats (>= 0).

    ``cx``, ``cy``: (kappa_1, kappa_2, ...) of the same variable in the same
    unit (only the mean and variance are read). The classical KL of two
    Gaussians (Kullback 1959; the two-cumulant case of Inglada & Mercier
    2007, section III, where the Edgeworth terms vanish), with d = m1 - m2:

        ((m1 - m2)^2 (1/v1 + 1/v2) + v1/v2 + v2/v1 - 2) / 2

    d^2 / v for a mean shift at equal variances, (r + 1/r - 2) / 2 for a
    variance ratio r at equal means, 0 for identical pdfs; unlike the
    Edgeworth series it grows monotonically with |d| and with |ln r|.
    Dimensionless (the same for ln or dB units). NaN moments give NaN.
    """
    m1, v1 = cx[0], cx[1]
    m2, v2 = cy[0], cy[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        d2 = (m1 - m2) * (m1 - m2)
        return 0.5 * (d2 * (1.0 / v1 + 1.0 / v2) + v1 / v2 + v2 / v1 - 2.0)


def symmetric_kl(cx, cy):
    """Symmetrised divergence K(X|Y) + K(Y|X) (nats, >= 0; Inglada & Mercier 2007, eq. 5)."""
    return edgeworth_kl(cx, cy) + edgeworth_kl(cy, cx)
