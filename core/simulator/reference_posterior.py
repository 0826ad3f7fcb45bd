"""What the detected intensities tell about the simulator's reference coherence (numpy, scipy).

The exact posterior of the boxcar sample coherence (``coherence.draw_pair_windows``) given
everything an estimator from intensities could know and more: the true coherence gamma and the
true sigma0 P1, P2 of every pixel, and the two L-look intensities I1, I2 of every pixel. Its
variance, averaged over pixels, is the lowest mean squared error that ANY estimator of the
reference from the two intensities can reach on the simulator's pairs (the oracle knows more
than such an estimator, and pixels outside the window carry speckle independent of the window's).

Per pixel, with c, n ~ CN(0, I_L) (the L looks) and s = sqrt(1 - gamma^2):
z1 = sqrt(P1) c, z2 = sqrt(P2) (gamma c + s n). Writing A = |c|^2, u = c / |c|,
beta = <u, n> ~ CN(0, 1) and R = |n - beta u|^2 ~ Gamma(L - 1, 1), all independent:
  L I1 = P1 A,   L I2 = P2 (|z|^2 + s^2 R),   sum_k z1 conj(z2) = sqrt(P1 P2 A) conj(z),
with z = gamma sqrt(A) + s beta ~ CN(gamma sqrt(A), s^2). Given A and Q = L I2 / P2, the posterior
of z is proportional to exp(2 gamma sqrt(A) Re z / s^2) (Q - |z|^2)^(L - 2) on |z|^2 <= Q (the
|z|^2 terms of the Gaussian and the Gamma density cancel). In polar form z = sqrt(t Q) e^(i phi):
t has density proportional to I0(a sqrt t) (1 - t)^(L - 2) on [0, 1], with
a = 2 gamma sqrt(A Q) / s^2, and phi | t is von Mises(0, a sqrt t). Pixels are independent
given the oracle's knowledge, so posterior draws of every pixel's cross product
L sqrt(I1 I2 t) e^(i phi) summed over the window give posterior draws of the reference
|sum cross| / sqrt(sum L I1 sum L I2) (the denominator is observed).
"""
import csv
import os

import numpy as np

from ..coherence.estimation import box_sum_2d

A_MAX = 1.0e4  # above it t = 1 - (2 / a) Gamma(L - 1) (Laplace form of the density near t = 1)
_A_GRID = np.concatenate([[0.0], np.logspace(-3.0, np.log10(A_MAX), 421)])
_LEVELS = 4097


def _t_grid():
    """Points of [0, 1] for the radial densities: uniform, and log-spaced towards t = 1."""
    return np.unique(np.concatenate([np.linspace(0.0, 1.0, 4001), 1.0 - np.logspace(-10.0, 0.0, 2001)]))


def radial_quantiles(looks, a_values, levels=_LEVELS):
    """Quantile functions (len(a_values), levels) of t with density ~ I0(a sqrt t) (1 - t)^(looks - 2).

    Trapezoid CDF on a grid dense towards t = 1; ``looks`` >= 2 (one look: t = 1).
    """
    from scipy.special import i0e

    t = _t_grid()
    out = np.empty((len(a_values), levels))
    q = np.linspace(0.0, 1.0, levels)
    with np.errstate(divide="ignore"):
        tail = (looks - 2) * np.log1p(-t) if looks > 2 else np.zeros_like(t)
    for k, a in enumerate(a_values):
        x = a * np.sqrt(t)
        logp = np.log(i0e(x)) + x + tail
        p = np.exp(logp - logp[np.isfinite(logp)].max())
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(t))])
        out[k] = np.interp(q, cdf / cdf[-1], t)
    return out


class ReferencePosterior:
    """Posterior draws of the simulator's reference coherence given the oracle's knowledge.

    ``looks``: L of the intensities (complex samples per pixel); ``window``: odd boxcar (pixels)
    of the reference, N = L window^2.
    """

    def __init__(self, looks, window):
        self.looks = int(looks)
        self.window = int(window)
        if self.looks < 1:
            raise ValueError(f"looks must be a whole number >= 1 (got {looks})")
        self.table = radial_quantiles(self.looks, _A_GRID) if self.looks >= 2 else None

    def _radial(self, a, rng):
        """Draws of t (same shape as ``a``) from its density for each pixel's ``a``."""
        if self.looks == 1:
            return np.ones_like(a)
        big = a > A_MAX
        la = np.log(np.clip(a, 1e-3, A_MAX))
        pos = np.interp(la, np.log(_A_GRID[1:]), np.arange(1, _A_GRID.size))
        pos = np.where(a < 1e-3, a / 1e-3, pos)  # between a = 0 and the first grid point
        i0 = np.minimum(pos.astype(np.int64), _A_GRID.size - 2)
        wa = pos - i0
        lv = rng.random(a.shape) * (_LEVELS - 1)
        j0 = np.minimum(lv.astype(np.int64), _LEVELS - 2)
        wl = lv - j0
        tab = self.table
        t = ((1 - wa) * ((1 - wl) * tab[i0, j0] + wl * tab[i0, j0 + 1])
             + wa * ((1 - wl) * tab[i0 + 1, j0] + wl * tab[i0 + 1, j0 + 1]))
        if big.any():
            t[big] = 1.0 - 2.0 / a[big] * rng.gamma(self.looks - 1, size=int(big.sum()))
        return np.clip(t, 0.0, 1.0)

    def prepare(self, gamma, power_1, power_2, intensity_1, intensity_2):
        """Per-pixel quantities of the posterior from 2-D arrays (linear power; NaN = no data):
        dict(a, amp = L sqrt(I1 I2), den = sqrt(sum L I1 sum L I2) over the window, valid)."""
        g = np.asarray(gamma, dtype=np.float64)
        i1 = np.asarray(intensity_1, dtype=np.float64)
        i2 = np.asarray(intensity_2, dtype=np.float64)
        p1 = np.asarray(power_1, dtype=np.float64)
        p2 = np.asarray(power_2, dtype=np.float64)
        valid = np.isfinite(g) & np.isfinite(i1) & np.isfinite(i2) & np.isfinite(p1) & np.isfinite(p2)
        valid &= (p1 > 0) & (p2 > 0)
        g = np.where(valid, np.clip(g, 0.0, 1.0), 0.0)
        i1 = np.where(valid, i1, 0.0)
        i2 = np.where(valid, i2, 0.0)
        L = self.looks
        with np.errstate(divide="ignore", invalid="ignore"):
            sqrt_aq = L * np.sqrt(np.where(valid, i1 * i2 / (p1 * p2), 0.0))
            a = np.where(g < 1.0, 2.0 * g * sqrt_aq / np.maximum(1.0 - g * g, 1e-300), np.inf)
        a = np.where(valid, np.nan_to_num(a, posinf=1e300), 0.0)
        den = np.sqrt(box_sum_2d(L * i1, self.window) * box_sum_2d(L * i2, self.window))
        return dict(a=a, amp=L * np.sqrt(i1 * i2), den=den, valid=valid)

    def draw(self, prepared, rng):
        """One posterior draw of the reference coherence (2-D float64, NaN where the window has no data)."""
        a = prepared["a"]
        t = self._radial(a, rng)
        phi = rng.vonmises(0.0, np.minimum(a * np.sqrt(t), 1e12))
        r = prepared["amp"] * np.sqrt(t)
        re = box_sum_2d(r * np.cos(phi), self.window)
        im = box_sum_2d(r * np.sin(phi), self.window)
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = np.minimum(np.hypot(re, im) / prepared["den"], 1.0)
        return np.where(prepared["den"] > 0, ref, np.nan)

    def moments(self, gamma, power_1, power_2, intensity_1, intensity_2, draws, rng):
        """Posterior mean and variance (ddof 1) of the reference over ``draws`` >= 2 draws."""
        if draws < 2:
            raise ValueError(f"draws must be >= 2 (got {draws})")
        prepared = self.prepare(gamma, power_1, power_2, intensity_1, intensity_2)
        first = self.draw(prepared, rng)
        total = np.zeros_like(first)
        squares = np.zeros_like(first)
        for _ in range(draws):
            x = self.draw(prepared, rng) - first  # shifted sums: no cancellation near 1
            total += x
            squares += x * x
        mean = total / draws
        var = (squares - draws * mean * mean) / (draws - 1)
        return first + mean, np.maximum(var, 0.0)


#: Files of a pair folder with the posterior mean and variance of its reference (``write_posterior_targets``).
POSTERIOR_FILES = ("coherence_posterior_mean.tif", "coherence_posterior_var.tif")


def _pair_row(folder):
    with open(os.path.join(folder, "pair.csv"), newline="", encoding="utf-8") as f:
        return next(csv.DictReader(f))


def true_powers(folder):
    """The speckle-free sigma0 (linear power) of a simulated pair's two dates, from the simulator's stack
    beside the pair folder (``stack/acquisitions.csv``)."""
    from ..engine.raster_blocks import read_array

    stack = os.path.join(os.path.dirname(os.path.normpath(folder)), "stack")
    row = _pair_row(folder)
    with open(os.path.join(stack, "acquisitions.csv"), newline="", encoding="utf-8") as f:
        files = {(r["date"], r["orbit_direction"]): r["file"] for r in csv.DictReader(f)}
    return [read_array(os.path.join(stack, files[(row[k], row["orbit_direction"])]))
            for k in ("date_1", "date_2")]


def write_posterior_targets(folder, draws=16, seed=0, overwrite=False):
    """Write POSTERIOR_FILES into a simulated pair ``folder``: the posterior mean and variance
    (coherence units, squared for the variance; ``draws`` draws) of its reference coherence given the true
    coherence, the true sigma0 and the intensities (``ReferencePosterior.moments``).

    For training: the mean is the reference less the part of its speckle that nothing from the
    intensities can tell, so a squared error against it has the same minimiser as against the reference
    (E[(f - ref)^2 | info] = (f - mean)^2 + var for any f of the intensities) with much less noise. Only
    simulated pairs have it (it needs the truth and the speckle-free stack). Returns the two paths;
    existing files are kept unless ``overwrite``.
    """
    from ..engine.raster_blocks import read_array, write_array

    paths = [os.path.join(folder, name) for name in POSTERIOR_FILES]
    if not overwrite and all(os.path.isfile(p) for p in paths):
        return paths
    row = _pair_row(folder)
    p1, p2 = true_powers(folder)
    truth = read_array(os.path.join(folder, "coherence_true.tif"))
    i1, i2 = (read_array(os.path.join(folder, f"intensity_{k}.tif")) for k in (1, 2))
    post = ReferencePosterior(int(row["looks"]), int(row["window"]))
    mean, var = post.moments(truth, p1, p2, i1, i2, int(draws), np.random.default_rng(int(seed)))
    ok = np.isfinite(mean) & np.isfinite(var) & np.isfinite(truth) & np.isfinite(i1) & np.isfinite(i2)
    for path, value in zip(paths, (np.clip(mean, 0.0, 1.0), var)):
        write_array(path, np.where(ok, value, np.nan), like=os.path.join(folder, "intensity_1.tif"))
    return paths
