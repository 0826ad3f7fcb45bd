"""Label-free statistics of a chain's change map for the guard's decision (issue 15, fifteenth round).

Candidates measured by ``benchmarks/change_guard_decision.py`` as extra reasons for the
guard of ``core.change.unsupervised`` to replace a chain's map it would keep; none is
used by the default chain. Each is computed on the fitting sample from the chain's
labels (uint8 1 changed, 0 unchanged, 255 no data) and, for ``dark_share``, the two
dates' linear power:

- ``share_ratio``: the chain's changed share over the fallback's. Without a second mode
  of the DI (separation not confident, ``core.change.separation``), pixels the chain
  calls beyond the fallback's outlier fence lie in the no-change body's tail.
- ``fragment_share``: the share of the changed pixels in 8-connected components smaller
  than ``FRAGMENT_PIXELS`` (the 5 x 5 window of the guard's statistics): speckle false
  alarms come in small clusters, a change a user maps is larger than the window.
- ``dark_share``: the share of the changed pixels where the brighter date's 5 x 5 mean
  intensity is in the darkest ``DARK_QUANTILE`` of the scene. Under multiplicative
  speckle alone the log ratio's no-change law does not depend on the intensity
  (Touzi, Lopes & Bousquet 1988), so false alarms spread evenly: 10 % in any decile;
  where the signal nears the noise floor on both dates the log ratio widens.
"""
import numpy as np
from scipy import ndimage

from ..engine.window_stats import local_mean
from .labels import CHANGED, NODATA

#: share_ratio: the chain calls more than this many times the fallback's changed share.
SHARE_RATIO = 2.0
#: fragment_share: components smaller than the guard's 5 x 5 window (pixels).
FRAGMENT_PIXELS = 25
#: fragment_share: more than this share of the changed pixels in fragments.
MAX_FRAGMENT_SHARE = 0.5
#: dark_share: the darkest decile of the brighter date's local mean; window side (pixels).
DARK_QUANTILE = 0.1
DARK_WINDOW = 5
#: dark_share: more than this many times the share expected with false alarms spread evenly.
DARK_EXCESS = 2.0
EIGHT = np.ones((3, 3), bool)


def changed_share(labels):
    """Share (0-1) of the valid pixels (not 255) labelled changed (0 when none is valid)."""
    labels = np.asarray(labels)
    valid = labels != NODATA
    return float(np.count_nonzero(labels == CHANGED)) / max(int(np.count_nonzero(valid)), 1)


def share_ratio(chain_labels, fallback_labels):
    """Changed share of ``chain_labels`` over that of ``fallback_labels`` (inf when the latter is 0 and the
    former is not, 0 when neither calls a pixel)."""
    a, b = changed_share(chain_labels), changed_share(fallback_labels)
    if b == 0:
        return float("inf") if a > 0 else 0.0
    return a / b


def fragment_share(labels, min_pixels=FRAGMENT_PIXELS):
    """Share (0-1) of the changed pixels in 8-connected changed components of fewer than ``min_pixels``
    pixels (0 when none is changed)."""
    changed = np.asarray(labels) == CHANGED
    total = int(np.count_nonzero(changed))
    if total == 0:
        return 0.0
    comp, _ = ndimage.label(changed, structure=EIGHT)
    sizes = np.bincount(comp.ravel())
    small = sizes[comp[changed]] < min_pixels
    return float(np.count_nonzero(small)) / total


def dark_share(p1, p2, labels, quantile=DARK_QUANTILE, window=DARK_WINDOW):
    """Share (0-1) of the changed pixels where max(5 x 5 mean of ``p1``, of ``p2``) (linear power, NaN =
    no data) is below its ``quantile`` over the valid pixels (0 when none is changed)."""
    labels = np.asarray(labels)
    bright = np.fmax(local_mean(np.asarray(p1, np.float32), window),
                     local_mean(np.asarray(p2, np.float32), window))
    valid = (labels != NODATA) & np.isfinite(bright)
    changed = valid & (labels == CHANGED)
    if not changed.any():
        return 0.0
    bar = np.quantile(bright[valid], quantile)
    return float(np.count_nonzero(bright[changed] < bar)) / int(np.count_nonzero(changed))


def share_ratio_fires(ratio, confident):
    """True when the chain calls more than ``SHARE_RATIO`` x the fallback's share and the separation is
    not confident (``GuardReport.confidence != 'confident'``)."""
    return ratio > SHARE_RATIO and not confident


def fragments_fire(share):
    """True when more than ``MAX_FRAGMENT_SHARE`` of the changed pixels lie in fragments."""
    return share > MAX_FRAGMENT_SHARE


def dark_fires(share, quantile=DARK_QUANTILE):
    """True when more than ``DARK_EXCESS`` x ``quantile`` of the changed pixels sit in the darkest part."""
    return share > DARK_EXCESS * quantile
