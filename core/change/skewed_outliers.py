"""Outlier fence of a skewed sample: the adjusted boxplot of Hubert & Vandervieren (2008).

The local-mean difference image (DI) of an unchanged SAR pair is right-skewed
(a gamma-like body, more so at few looks), so a symmetric rule (median + 3
robust sigmas) puts its bar inside the body's upper tail and flags ~1-3 % of
an unchanged scene: as many false alarms as a small change has pixels. The
adjusted boxplot moves the upper fence with the skewness measured by the
medcouple:

    MC = median over x_i <= m <= x_j (x_i != x_j) of ((x_j - m) - (m - x_i)) / (x_j - x_i)

(m the sample median; Brys, Hubert & Struyf 2004, J. Comput. Graph. Stat.
13(4), 996-1017), and

    upper fence = Q3 + 1.5 exp(3 MC) IQR      (MC >= 0)
                = Q3 + 1.5 exp(4 MC) IQR      (MC < 0)

(Hubert, M., Vandervieren, E. 2008, An adjusted boxplot for skewed
distributions, Comput. Stat. Data Anal. 52, 5186-5201; constants 1.5, 3, 4 as
published, not tuned here). MC = 0 for a symmetric law (the fence is Tukey's
Q3 + 1.5 IQR) and 1/3 for the exponential.

The medcouple is computed exactly on a seeded subsample of ``SAMPLE`` values
(its O(n^2) kernel on all pixels of a scene would not fit in memory); ties at
the median are dropped (continuous data).
"""
import numpy as np

#: Values of the sample the medcouple is computed on (seeded subsample beyond).
SAMPLE = 3000
SAMPLE_SEED = 20261203
#: Hubert & Vandervieren's constants.
WHISKER = 1.5
SKEW_UP = 3.0
SKEW_DOWN = 4.0


def medcouple(values, sample=SAMPLE, seed=SAMPLE_SEED):
    """Medcouple (-1 to 1) of the finite ``values``; nan with fewer than 2 distinct values."""
    x = np.asarray(values, np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size > sample:
        x = np.random.default_rng(seed).choice(x, sample, replace=False)
    m = float(np.median(x))
    upper, lower = x[x > m], x[x < m]
    if upper.size == 0 or lower.size == 0:
        return float("nan")
    a = upper[:, None] - m
    b = m - lower[None, :]
    return float(np.median((a - b) / (a + b)))


def upper_fence(values, sample=SAMPLE, seed=SAMPLE_SEED):
    """Adjusted-boxplot upper fence (same units as ``values``): values above it are outliers."""
    x = np.asarray(values, np.float64).ravel()
    x = x[np.isfinite(x)]
    q1, q3 = (float(v) for v in np.percentile(x, (25, 75)))
    mc = medcouple(x, sample, seed)
    if not np.isfinite(mc):
        mc = 0.0
    skew = SKEW_UP if mc >= 0 else SKEW_DOWN
    return q3 + WHISKER * float(np.exp(skew * mc)) * (q3 - q1)
