"""How well a difference-image (DI) sample separates into a no-change body and a change class.

Numbers the unsupervised guard (``core.change.unsupervised``) reports and decides on,
all computed on one 1-D sample of DI values (any unit; larger = more change):

- ``bimodality_coefficient``: Sarle's bimodality coefficient
  BC = (g1^2 + 1) / (g2 + 3 (n - 1)^2 / ((n - 2)(n - 3))), g1 the sample
  skewness, g2 the sample excess kurtosis (SAS Institute 1990; Pfister et
  al. 2013). BC > 5/9 (the value of a uniform distribution) suggests two
  modes. A gamma distribution of shape k has BC = (4/k + 1) / (6/k + 3)
  (n -> infinity): 5/9 for k = 1 (exponential), less for k > 1, so a
  speckle-like skewed body alone does not pass.
- ``fit_mixture``: a two-Gaussian mixture fitted by EM to the histogram
  of the sample (bin centres weighted by counts, Sheppard's correction of
  the variances), started from a given split (the chain's own classes), so
  the components are the "two fitted classes" of the split.
- ``Mixture.ashman_d``: Ashman's D = sqrt(2) |m1 - m0| / sqrt(s0^2 + s1^2)
  of the two fitted components; D > 2 is needed for a clean separation of
  two Gaussian modes (Ashman, Bird & Zepf 1994). Note: D of the two halves of a
  hard split is not a unimodality test (a normal cut at its mean gives
  D = 2.65), which is why the components are fitted.
- ``Mixture.overlap``: integral of min(w0 f0, w1 f1) over the smaller
  weight: 0 for disjoint classes, 1 when the smaller class lies wholly
  inside the larger one (the Bayes error of the fitted mixture relative to
  the smaller class).
- ``Mixture.body_share``: for values the chain called changed, the mean
  posterior probability of the body (the component of the lower mean):
  the share of the changed class that the fitted mixture explains as the
  body's tail (an estimate of the false-alarm share of the changed class).

References: Ashman, K. M., Bird, C. M., Zepf, S. E. (1994). Detecting
bimodality in astronomical datasets. AJ 108, 2348-2361. Pfister, R.,
Schwarz, K. A., Janczyk, M., Dale, R., Freeman, J. B. (2013). Good things
peak in pairs: a note on the bimodality coefficient. Frontiers in
Psychology 4, 700. SAS Institute (1990). SAS/STAT User's Guide, PROC CLUSTER.
"""
import math
from dataclasses import dataclass

import numpy as np

#: Sarle's bimodality coefficient of a uniform distribution: above it, two modes are suggested.
BC_BIMODAL = 5.0 / 9.0
#: Ashman's D of the fitted components above which the two modes are cleanly separated.
D_SEPARATED = 2.0
#: Histogram bins of the EM fit; the range is the sample's 0.01 - 99.99 percentiles.
EM_BINS = 1024
EM_RANGE_PERCENTILES = (0.01, 99.99)
EM_MAX_ITERATIONS = 500
EM_TOLERANCE = 1e-9  # relative change of the log likelihood per pixel


def bimodality_coefficient(values):
    """Sarle's bimodality coefficient of a 1-D sample (nan with fewer than 4 values or no spread)."""
    x = np.asarray(values, np.float64).ravel()
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    m2 = float(np.mean(d * d))
    if not m2 > 0:
        return float("nan")
    g1 = float(np.mean(d ** 3)) / m2 ** 1.5
    g2 = float(np.mean(d ** 4)) / m2 ** 2 - 3.0
    # small-sample (unbiased) skewness and excess kurtosis, as in SAS and Pfister et al. 2013
    g1 *= math.sqrt(n * (n - 1)) / (n - 2)
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6)
    return (g1 * g1 + 1.0) / (g2 + 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3)))


def _normal_pdf(x, mean, sd):
    return np.exp(-0.5 * ((x - mean) / sd) ** 2) / (sd * math.sqrt(2.0 * math.pi))


@dataclass(frozen=True)
class Mixture:
    """Two Gaussian components: index 0 the body (lower mean), 1 the change class."""

    weights: tuple
    means: tuple
    sds: tuple
    iterations: int

    @property
    def ashman_d(self):
        """Ashman's D of the two components (module docstring)."""
        spread = math.sqrt(self.sds[0] ** 2 + self.sds[1] ** 2)
        return math.sqrt(2.0) * abs(self.means[1] - self.means[0]) / spread if spread > 0 else float("inf")

    def densities(self, x):
        """(w0 f0(x), w1 f1(x)) as two float64 arrays."""
        x = np.asarray(x, np.float64)
        return tuple(w * _normal_pdf(x, m, s) for w, m, s in zip(self.weights, self.means, self.sds))

    def overlap(self, points=4001):
        """Integral of min(w0 f0, w1 f1) / min(w0, w1) on a fine grid (0 disjoint, 1 nested)."""
        if min(self.weights) <= 0:
            return float("nan")
        low = min(m - 8 * s for m, s in zip(self.means, self.sds))
        high = max(m + 8 * s for m, s in zip(self.means, self.sds))
        grid = np.linspace(low, high, points)
        a, b = self.densities(grid)
        low_density = np.minimum(a, b)
        area = float(((low_density[1:] + low_density[:-1]) * 0.5).sum() * (grid[1] - grid[0]))  # trapezoids
        return area / min(self.weights)

    def boundary(self):
        """The value between the two means where w0 f0 = w1 f1 (the Bayes decision; nan if none)."""
        (w0, w1), (m0, m1), (s0, s1) = self.weights, self.means, self.sds
        # log(w0 f0) = log(w1 f1): a x^2 + b x + c = 0
        a = 0.5 / s1 ** 2 - 0.5 / s0 ** 2
        b = m0 / s0 ** 2 - m1 / s1 ** 2
        c = 0.5 * m1 ** 2 / s1 ** 2 - 0.5 * m0 ** 2 / s0 ** 2 + math.log((w0 * s1) / (w1 * s0))
        if abs(a) < 1e-12 * max(abs(b), 1e-300):
            roots = [-c / b] if b else []
        else:
            disc = b * b - 4 * a * c
            roots = [] if disc < 0 else [(-b + sgn * math.sqrt(disc)) / (2 * a) for sgn in (1.0, -1.0)]
        inside = [r for r in roots if m0 <= r <= m1]
        return float(inside[0]) if inside else float("nan")

    def body_share(self, values):
        """Mean posterior probability of the body over ``values`` (nan if empty)."""
        values = np.asarray(values, np.float64)
        if values.size == 0:
            return float("nan")
        a, b = self.densities(values)
        total = a + b
        post = np.where(total > 0, a / np.where(total > 0, total, 1.0), (values < self.means[1]) * 1.0)
        return float(post.mean())


def fit_mixture(values, changed):
    """Two-Gaussian mixture of ``values`` by EM on their histogram, started from the split ``changed``.

    ``values``: 1-D sample; ``changed``: boolean array of the same length,
    the initial class of each value (at least one value in each class, else
    the split at the sample's median is used). Returns a ``Mixture`` whose
    component 0 has the lower mean.
    """
    x = np.asarray(values, np.float64).ravel()
    changed = np.asarray(changed, bool).ravel()
    if x.size < 4:
        raise ValueError("need at least 4 values to fit two components")
    if changed.all() or not changed.any():
        changed = x > np.median(x)
        if not changed.any():
            changed = x >= np.median(x)
    low, high = (float(v) for v in np.percentile(x, EM_RANGE_PERCENTILES))
    if not high > low:
        low, high = float(x.min()), float(x.max())
    if not high > low:
        raise ValueError("the sample has no spread")
    edges = np.linspace(low, high, EM_BINS + 1)
    width = edges[1] - edges[0]
    centres = 0.5 * (edges[:-1] + edges[1:])
    counts = [np.histogram(np.clip(x[m], low, high), bins=edges)[0].astype(np.float64)
              for m in (~changed, changed)]
    total = counts[0] + counts[1]
    n = total.sum()
    sheppard = width * width / 12.0
    floor = max(sheppard, 1e-12 * (high - low) ** 2)  # a component never shrinks below one bin

    def moments(resp):
        mass = resp.sum()
        mean = float((resp * centres).sum() / mass)
        var = float((resp * (centres - mean) ** 2).sum() / mass) + sheppard
        return mass / n, mean, math.sqrt(max(var, floor))

    params = [moments(c) for c in counts]
    previous = -np.inf
    iterations = 0
    while iterations < EM_MAX_ITERATIONS:
        iterations += 1
        dens = [w * _normal_pdf(centres, m, s) for w, m, s in params]
        mix = dens[0] + dens[1]
        safe = np.where(mix > 0, mix, np.finfo(np.float64).tiny)
        loglik = float((total * np.log(safe)).sum() / n)
        resp = [total * d / safe for d in dens]
        if any(r.sum() <= 0 for r in resp):
            break
        params = [moments(r) for r in resp]
        if abs(loglik - previous) <= EM_TOLERANCE * max(1.0, abs(loglik)):
            break
        previous = loglik
    params.sort(key=lambda p: p[1])
    return Mixture(tuple(p[0] for p in params), tuple(p[1] for p in params), tuple(p[2] for p in params),
                   iterations)
