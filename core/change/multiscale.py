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

Each pixel's label depends on its own windows only, so a block with a halo of
``margin`` pixels equals the whole image.
"""
from dataclasses import dataclass

import numpy as np

from ..engine.window_stats import local_mean
from . import skewed_outliers

#: Window sides (pixels) of the signed-log-ratio means whose outliers the fallback adds.
SCALES = (9, 15)
#: Side (pixels) of the majority filter of the union.
MAJORITY = 5
CHANGED, UNCHANGED, NODATA = 1, 0, 255


def abs_mean(signed, size):
    """|w x w local mean| of a signed 2-D statistic (its units; NaN where the window has no valid pixel)."""
    return np.abs(local_mean(signed, size))


@dataclass(frozen=True)
class CoarseFences:
    """The fitted fences of ``|local mean of the signed statistic|`` at each scale (dB for log ratios)."""

    scales: tuple
    fences: tuple
    majority: int = MAJORITY
    refine: int = 0  # side (px) of the finer mean that must confirm a coarse flag (0: no check)
    refine_fraction: float = 1.0  # ... by the coarse mean's sign and |fine mean| > this x the coarse fence

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
        fine = local_mean(signed, self.refine) if self.refine else None
        for size, fence in zip(self.scales, self.fences):
            coarse = local_mean(signed, size)
            with np.errstate(invalid="ignore"):
                flag = np.abs(coarse) > fence
                if fine is not None:
                    flag &= (np.sign(fine) == np.sign(coarse)) & (np.abs(fine) > self.refine_fraction * fence)
            out |= flag
        return out

    def labels(self, base, signed):
        """uint8 1 / 0 / 255: ``base`` (the 5 x 5 fallback's map) or a coarse flag, majority-filtered."""
        from .unsupervised import majority_filter

        out = np.asarray(base, np.uint8).copy()
        out[self.flags(signed) & (out != NODATA)] = CHANGED
        return majority_filter(out, self.majority) if self.majority > 1 else out


def fit(signed_tiles, valid_tiles, scales=SCALES, majority=MAJORITY):
    """CoarseFences of the signed statistic's tiles over their ``valid_tiles`` pixels (boolean 2-D)."""
    fences = []
    for size in scales:
        values = np.concatenate([abs_mean(s, size)[v] for s, v in zip(signed_tiles, valid_tiles)])
        values = values[np.isfinite(values)]
        fences.append(skewed_outliers.upper_fence(values) if values.size else float("inf"))
    return CoarseFences(tuple(int(s) for s in scales), tuple(float(f) for f in fences), int(majority))
