"""False-discovery-rate cut of two-sided Gaussian z-scores (Benjamini & Hochberg 1995).

Benjamini, Y. & Hochberg, Y., "Controlling the false discovery rate: a
practical and powerful approach to multiple testing", J. R. Stat. Soc. B
57(1), 1995: with the n p-values sorted p_(1) <= ... <= p_(n), every test up
to the largest k with p_(k) <= q k / n is a discovery; the expected share of
false discoveries among them is at most q. The rule stays valid for
positively dependent tests (Benjamini, Y. & Yekutieli, D. 2001, Ann. Stat.
29(4), 1165-1188), as overlapping window means of one image are.

Unlike a fixed fence, the cut adapts to the amount of signal: with no change it
sits near the largest |z| of the no-change body (a Bonferroni-like bar); when
many pixels carry a faint change it drops towards the change's own z.
"""
import numpy as np
from scipy.special import ndtr


def cut(abs_z, q):
    """|z| bar of the Benjamini-Hochberg rule at level ``q`` (0-1) for two-sided normal p-values.

    ``abs_z``: |z-scores| (dimensionless), NaN ignored. Returns the smallest
    |z| that is a discovery (a pixel is flagged when its |z| >= the bar),
    inf when there is none.
    """
    z = np.asarray(abs_z, np.float64).ravel()
    z = np.sort(z[np.isfinite(z)])[::-1]
    if z.size == 0:
        return float("inf")
    p = 2.0 * ndtr(-z)
    ok = np.flatnonzero(p <= q * np.arange(1, z.size + 1) / z.size)
    return float(z[ok[-1]]) if ok.size else float("inf")
