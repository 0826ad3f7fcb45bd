"""Coarser-scale outlier fences for the guard's fallback: changes inside the no-change spread at 5 x 5.

When the guard of ``core.change.unsupervised`` replaces a chain's map, the
change class sat inside the body of the 5 x 5 local-mean difference image (DI):
at few looks a change of 1.5-4 dB over a blob is not an outlier of that body,
and the fence of the fallback flags only its strongest pixels. Averaging over a
larger window shrinks the speckle of the no-change body (the variance of a mean
of n independent log ratios falls as 1 / n; Oliver & Quegan 1998, sec. 7.3)
while a change larger than the window keeps its full contrast, so the same
change can clear the fence of a coarser scale. The fallback therefore also flags
a pixel whose w x w mean of the *signed* log ratio (dB; signed so that speckle
of either sign averages out instead of folding into a positive bias) is an
outlier of that statistic's own no-change body, for every w of ``SCALES``, by
the adjusted-boxplot fence of its absolute value (``core.change.
skewed_outliers``, Hubert & Vandervieren 2008, as the 5 x 5 fallback). The
union with the 5 x 5 fallback's map is cleaned by a ``MAJORITY`` x ``MAJORITY``
majority filter (a coarse window overhangs a blob's edge by up to w / 2 pixels).

Scales 9 and 15 and the 5 x 5 majority were chosen on the simulator's design
seeds only (``benchmarks/change_context_design.py``; never a protocol pair nor a
shared pair): on the 16 design pairs whose guard fell back, mean kappa 0.528 ->
0.643 (adding 21 x 21 0.627, 31 x 31 0.605).

An optional coarse-to-fine check (``refine``: a coarse flag kept only where a
finer mean has its sign and exceeds a fraction of the coarse fence) trims the
overhang beside thin changes but lost the faint single-look blobs on the design
seeds (best mean 0.643 -> 0.650, below the + 0.01 the ninth round required): off.

Tenth round (``fit(..., clip_sigmas, fdr)``, the ``multiscale_fdr`` fallback of
``core.change.unsupervised``): two defects of the fences above, found on the design
seeds. (1) A strong compact change leaks into every coarse window that touches it
(a 3 px line at +10 dB lifts a 15 x 15 mean by 2 dB), so the coarse flags overhang
it; the signed statistic is therefore clipped at +-``CLIP_SIGMAS`` robust sigmas
(1.4826 MAD of the fitting sample) before the means, a Huber-type bounded
influence (Huber, P. J. 1964, Robust estimation of a location parameter, Ann.
Math. Stat. 35(1)): one strong pixel moves a w x w mean by at most clip / w^2,
while a faint change inside the clip keeps nearly its whole contrast. (2) The
fence of |mean| (a folded, hence skewed, statistic) sits 3.5-4.4 no-change sigmas
out whatever the share of change, so an 11 % change at +1.7 dB (2.9 sigmas at
15 x 15) is missed; the bar is lowered to the Benjamini-Hochberg cut at level
``FDR_Q`` (``core.change.fdr``) of the z-scores (mean - median) / (1.4826 MAD)
when that cut is below the fence: it drops only when many pixels carry a change.
Chosen on the design seeds (clip 2 sigmas, q 0.05 of the variants in
``benchmarks/change_context_design.py``: fallback design pairs 0.643 -> 0.681,
largest loss 0.018), but the leave-one-pair-out protocol did not choose it (score
0.889 against 0.898: a 1.3 % statistical change at 4 looks, s6000, fell from kappa
0.615 to 0.295, the worst pair s1011 0.156 -> 0.134; README, tenth round), so the
default keeps the plain fences; ``fit`` without ``clip_sigmas`` / ``fdr`` is them.

Eleventh round (``fit(..., null=NullRule)``, the ``multiscale_fdr_null`` fallback): the
tenth round's z-scores assume that the no-change coarse means are N(0, 1) after the median /
MAD; spatially correlated backscatter fields make that null peaked at its centre and wide in
its shoulders (design pair s7116: no-change 15 x 15 means with sd 1.14 MAD units and 2.66 %
beyond |z| > 3), and the bar drops onto them. ``NullRule`` re-standardises the z-scores by an
empirical null (``core.change.empirical_null``; Efron 2004, JASA 99(465)): ``EMPIRICAL_NULL``,
the half-width of their histogram at 1/8 of its maximum, passed the design rule (22 fallback
design pairs 0.625 -> 0.655, the failure kind 0.577 -> 0.591), but the leave-one-pair-out
protocol did not choose it (0.894 against 0.898: s6000 0.615 -> 0.624 instead of the tenth
round's 0.295, simulated mean 0.774 -> 0.790, but the worst pair s1011 0.156 -> 0.132).

Fourteenth round (``fit(..., correlation_window=w)``, off by default): each coarse fence
multiplied by sqrt(k^2 / n_eff) of the signed statistic's fitted spatial correlation over that
of white speckle through its own w x w window (``core.change.effective_samples``), the
hypothesis that correlated speckle leaves the coarse fences too low (README, fourteenth round;
``benchmarks/change_context_correlation.py``). The fences above are adjusted-boxplot fences of
the coarse means' own distribution, so they already widen with the correlation.

Each pixel's label depends on its own windows only, so a block with a halo of
``margin`` pixels equals the whole image.
"""
from dataclasses import dataclass, replace

import numpy as np

from ..engine.window_stats import local_mean
from . import effective_samples, empirical_null, skewed_outliers
from . import fdr as fdr_mod
from .labels import CHANGED, NODATA
from .robust_scale import robust_sigma

#: Window sides (pixels) of the signed-log-ratio means whose outliers the fallback adds.
SCALES = (9, 15)
#: Side (pixels) of the majority filter of the union.
MAJORITY = 5
#: Tenth round: clip of the signed statistic (robust sigmas of the fitting sample) and the FDR level.
CLIP_SIGMAS = 2.0
FDR_Q = 0.05


@dataclass(frozen=True)
class CoarseFences:
    """The fitted fences of ``|local mean of the signed statistic|`` at each scale (dB for log ratios)."""

    scales: tuple
    fences: tuple
    majority: int = MAJORITY
    refine: int = 0  # side (px) of the finer mean that must confirm a coarse flag (0: no check)
    refine_fraction: float = 1.0  # ... by the coarse mean's sign and |fine mean| > this x the coarse fence
    clip: float = 0.0  # the signed statistic is clipped to +-clip (its units) before the means (0: not)
    centres: tuple = ()  # per scale, the no-change centre of the mean the fence is measured from (): 0

    @property
    def margin(self):
        """Pixels read around each output pixel beyond the signed statistic's own reach."""
        return max(self.scales) // 2 + self.majority // 2

    def flags(self, signed):
        """Boolean map: the pixel's mean at some scale is above that scale's fence.

        With ``refine`` the flag also needs the pixel's ``refine`` x ``refine``
        mean to have the coarse mean's sign and to exceed ``refine_fraction``
        times the coarse fence (coarse-to-fine: a window that overhangs a
        change from outside it is not confirmed by the finer mean there).
        """
        out = np.zeros(np.shape(signed), bool)
        signed = clipped(signed, self.clip)
        fine = local_mean(signed, self.refine) if self.refine else None
        centres = self.centres or (0.0,) * len(self.scales)
        for size, fence, centre in zip(self.scales, self.fences, centres):
            coarse = local_mean(signed, size)
            with np.errstate(invalid="ignore"):
                flag = np.abs(coarse - centre) > fence
                if fine is not None:
                    flag &= (np.sign(fine) == np.sign(coarse)) & (np.abs(fine) > self.refine_fraction * fence)
            out |= flag
        return out

    def labels(self, base, signed, extra=None):
        """uint8 1 / 0 / 255: ``base`` (the 5 x 5 fallback's map) or a coarse flag (or an ``extra``
        boolean flag map, e.g. the KL fence of ``core.change.unsupervised``), majority-filtered."""
        from .unsupervised import majority_filter

        out = np.asarray(base, np.uint8).copy()
        flags = self.flags(signed) if extra is None else self.flags(signed) | extra
        out[flags & (out != NODATA)] = CHANGED
        return majority_filter(out, self.majority) if self.majority > 1 else out


def clipped(signed, clip):
    """``signed`` clipped to +-``clip`` (its units; NaN kept); as given when ``clip`` is 0."""
    return np.clip(signed, -clip, clip) if clip else signed


#: Eleventh round: empirical nulls of the coarse means' z-scores (``core.change.empirical_null``).
NULL_MAD, NULL_HALF_WIDTH, NULL_CENTRAL = "mad", "half_width", "central"
NULLS = (NULL_MAD, NULL_HALF_WIDTH, NULL_CENTRAL)


@dataclass(frozen=True)
class NullRule:
    """How the FDR bar's null is estimated (eleventh round; the default is the tenth round's median / MAD).

    ``kind``: NULLS; ``fraction``: the half-width's fraction of the maximum;
    ``floor``: the width is at least the MAD's; ``guard`` > 0: the FDR bar is
    refused (the fence alone) where the empirical width exceeds (1 + guard) x
    the MAD's, a null the MAD does not describe.
    """

    kind: str = NULL_MAD
    fraction: float = 0.125
    floor: bool = False
    guard: float = 0.0

    def null(self, values):
        """(centre, width) of the no-change law of ``values`` (their units), or None: no FDR bar."""
        centre, sigma = robust_sigma(values)
        if sigma <= 0 or self.kind == NULL_MAD:
            return (centre, sigma) if sigma > 0 else None
        z = (values - centre) / sigma
        if self.kind == NULL_HALF_WIDTH:
            delta, width = empirical_null.half_width(z, self.fraction)
        else:
            delta, width = empirical_null.central_matching(z)
        if not 0 < width < np.inf or (self.guard and width > 1.0 + self.guard):
            return None
        return centre + delta * sigma, max(width, 1.0) * sigma if self.floor else width * sigma


#: The eleventh round's choice on the design seeds (``benchmarks/change_context_design.py``): the
#: half-width at 1/8 of the maximum.
EMPIRICAL_NULL = NullRule(NULL_HALF_WIDTH, 0.125)


def correlation_scaled(coarse, signed_tiles, window):
    """``coarse`` with each fence scaled by the square root of ``effective_samples.excess_factor`` of the
    signed tiles (fourteenth round, module docstring); ``window``: the signed statistic's own window (px)."""
    weights = [np.count_nonzero(np.isfinite(s)) for s in signed_tiles]
    factors = [np.sqrt(np.average([effective_samples.excess_factor(s, size, window) for s in signed_tiles],
                                  weights=weights)) for size in coarse.scales]
    return replace(coarse, fences=tuple(float(f * s) for f, s in zip(coarse.fences, factors)))


def fit(signed_tiles, valid_tiles, scales=SCALES, majority=MAJORITY, clip_sigmas=0.0, fdr=0.0,
        null=None, correlation_window=0):
    """CoarseFences of the signed statistic's tiles over their ``valid_tiles`` pixels (boolean 2-D).

    ``clip_sigmas`` > 0: the statistic is clipped at that many robust sigmas
    first; ``fdr`` > 0: each scale's bar is measured from the null centre of its
    means and lowered to the Benjamini-Hochberg cut at level ``fdr`` of their
    z-scores where that is lower (module docstring, tenth round); ``null``
    (``NullRule``) estimates that centre and width (eleventh round). Both 0: the
    adjusted-boxplot fence of |mean| (the eighth round's rule). ``correlation_window`` > 0
    (the signed statistic's own window, px; fourteenth round, off by default): the fences
    scaled by ``correlation_scaled``.
    """
    null = null or NullRule()
    clip = 0.0
    if clip_sigmas:
        _, sigma = robust_sigma(np.concatenate([s[v] for s, v in zip(signed_tiles, valid_tiles)]))
        clip = clip_sigmas * sigma if sigma > 0 else 0.0
    signed_tiles = [clipped(s, clip) for s in signed_tiles]
    fences, centres = [], []
    for size in scales:
        values = np.concatenate([local_mean(s, size)[v] for s, v in zip(signed_tiles, valid_tiles)])
        values = values[np.isfinite(values)]
        fitted = null.null(values) if fdr and values.size else None
        centre = fitted[0] if fitted else (robust_sigma(values)[0] if fdr else 0.0)
        fence = skewed_outliers.upper_fence(np.abs(values - centre)) if values.size else float("inf")
        if fitted:
            fence = min(fence, fdr_mod.cut(np.abs(values - centre) / fitted[1], fdr) * fitted[1])
        fences.append(fence)
        centres.append(centre)
    coarse = CoarseFences(tuple(int(s) for s in scales), tuple(float(f) for f in fences), int(majority),
                          clip=float(clip), centres=tuple(float(c) for c in centres) if fdr else ())
    return correlation_scaled(coarse, signed_tiles, correlation_window) if correlation_window else coarse
