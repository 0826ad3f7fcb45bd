"""Permanent-dark exclusion: a pixel dark on both dates is not called changed (issue 15, thirteenth round).

Flood mapping by change detection calls a pixel flooded when it is dark (open
water) in the flood image and not in the reference image; a pixel dark in both is
permanent water and is left out of the change map (Giustarini, L. et al. 2013, A
change detection approach to flood mapping in urban areas using TerraSAR-X, IEEE
TGRS 51(4), 2417-2430; Twele, A. et al. 2016, Sentinel-1-based flood mapping: a
fully automated processing chain, IJRS 37(13), 2990-3004, mask permanent water
with a reference water mask). The backscatter of open water moves between dates
with the wind (Bragg scattering on capillary waves; up to several dB) without a
change of land cover, and in the simulator (``core.simulator.change_pairs``: water
-22 dB plus a date term of 0-3 dB) water dark on both dates held 51-64 % of the
guard's fallback's false alarms on 5 of the 19 low-looks fallback design pairs of
the twelfth round (ad hoc probe; README, thirteenth round).

Without a calibrated image or a water mask the dark level is read from each date
itself: the lower threshold of Otsu's three-class split (Otsu 1979, sec. IV;
``core.change.thresholds.otsu`` two-sided) of the ``WINDOW`` x ``WINDOW`` local
mean of the date's power in dB (dark: water and radar shadow; low-backscatter
land; bright land), fitted on the fitting sample. ``exclude`` then sets a changed
pixel to unchanged where the local means of both dates are below their date's
level. Not used by any chain: it failed its design rule (README, thirteenth round;
``benchmarks/results/change_context_dark.md``): on the low-looks fallback design pairs the
darkest Otsu class covers 8-20 % of the scene for 1.5-3.8 % water and holds 10-70 % of the
changed pixels of floods and recessions (changed land next to the water, dark in a 5 x 5
mean), mean kappa 0.595 -> 0.571, while a perfect water mask would give 0.629.
"""
from dataclasses import dataclass

import numpy as np

from ..engine import scale as scales
from ..engine.window_stats import local_mean
from . import thresholds as th
from .labels import CHANGED, UNCHANGED

#: Side (pixels) of the local mean whose level is compared with the dark level (the fallback's 5 x 5).
WINDOW = 5


def level_db(power, window=WINDOW):
    """``window`` x ``window`` local mean of a linear power array in dB (NaN where no data or <= 0)."""
    mean = local_mean(np.asarray(power, np.float32), window)
    return np.where(mean > 0, scales.from_linear_power(mean, scales.DB), np.nan).astype(np.float32)


@dataclass(frozen=True)
class DarkLevels:
    """Dark level (dB of the local-mean power) of each date: below it the date is dark."""

    levels_db: tuple
    window: int = WINDOW

    def both_dark(self, p1, p2):
        """Boolean map: both dates' local means (linear power arrays) are below their dark levels."""
        out = np.ones(np.shape(p1), bool)
        for power, level in zip((p1, p2), self.levels_db):
            with np.errstate(invalid="ignore"):
                out &= level_db(power, self.window) < level
        return out

    def exclude(self, mask, p1, p2):
        """``mask`` (uint8 1 / 0 / 255) with its changed pixels that are dark on both dates set to 0."""
        out = np.asarray(mask, np.uint8).copy()
        out[(out == CHANGED) & self.both_dark(p1, p2)] = UNCHANGED
        return out


def fit(p1_tiles, p2_tiles, window=WINDOW):
    """DarkLevels of a pair from its tiles (lists of 2-D linear power arrays, or one array per date)."""
    levels = []
    for tiles in (p1_tiles, p2_tiles):
        tiles = [tiles] if np.ndim(tiles) == 2 else list(tiles)
        values = np.concatenate([level_db(t, window).ravel() for t in tiles])
        values = values[np.isfinite(values)]
        levels.append(float(th.otsu(values, side=th.TWO_SIDED).thresholds[0]))
    return DarkLevels(tuple(levels), int(window))
