"""Edge band of a change map: relabel the pixels near the changed class's boundary by a DI threshold.

A regularised chain (PCA-KMeans windows, the MRF's Potts prior) smooths its changed
class's boundary: on the shared real pairs almost all of the default chain's misses
lie within 2 px of the truth boundary (issue 15, twenty-first round). The band of a
map is every valid pixel within ``r`` pixels (4-connected steps) of the boundary
between its changed (1) and other pixels: the changed pixels that an erosion by
``r`` removes and the pixels that a dilation by ``r`` adds. Its pixels are relabelled
changed where the pixel's own DI exceeds ``t``, unchanged otherwise; ``t`` is the
equal-error threshold (false-alarm rate of the unchanged class = miss rate of the
changed class) between the DI of the map's interior pixels - the changed and the
unchanged classes each eroded by ``r + 1`` - on the fitting sample.

``relabel`` reads at most ``r`` pixels around a pixel of the map and pixels outside
the array count as not changed, so a block labelled with ``r`` more pixels of margin
equals the whole-image result.
"""
import numpy as np
from scipy import ndimage

from .labels import CHANGED, NODATA, UNCHANGED

#: Fewer interior pixels than this in either class: no threshold, no relabelling.
MIN_INTERIOR = 50


def interiors(labels, r):
    """(changed interior, unchanged interior) bool masks: each class of ``labels`` (uint8 1 / 0 / 255)
    eroded by ``r + 1`` 4-connected steps (no data and the outside of the array are neither class)."""
    return (ndimage.binary_erosion(labels == CHANGED, iterations=r + 1),
            ndimage.binary_erosion(labels == UNCHANGED, iterations=r + 1))


def equal_error_threshold(unchanged, changed):
    """DI threshold t where the share of ``unchanged`` values above t is closest to the share of
    ``changed`` values at or below t (DI units; searched over the pooled values)."""
    a, b = np.sort(unchanged), np.sort(changed)
    candidates = np.unique(np.concatenate([a, b]))
    false_alarm = 1.0 - np.searchsorted(a, candidates, side="right") / a.size
    miss = np.searchsorted(b, candidates, side="right") / b.size
    return float(candidates[np.argmin(np.abs(false_alarm - miss))])


def fit_threshold(label_tiles, di_tiles, r):
    """Equal-error threshold (DI units) of the interior classes of the chain's ``label_tiles`` on the
    fitting sample's ``di_tiles``; None when either interior has fewer than ``MIN_INTERIOR`` valid pixels."""
    unchanged, changed = [], []
    for lab, di in zip(label_tiles, di_tiles):
        inside_c, inside_u = interiors(lab, r)
        valid = np.isfinite(di)
        changed.append(di[inside_c & valid])
        unchanged.append(di[inside_u & valid])
    changed, unchanged = np.concatenate(changed), np.concatenate(unchanged)
    if changed.size < MIN_INTERIOR or unchanged.size < MIN_INTERIOR:
        return None
    return equal_error_threshold(unchanged, changed)


def band(labels, r):
    """Bool mask of the valid pixels within ``r`` 4-connected steps of the changed class's boundary."""
    changed = labels == CHANGED
    return (ndimage.binary_dilation(changed, iterations=r) & ~ndimage.binary_erosion(changed, iterations=r)
            & (labels != NODATA))


def relabel(labels, di, r, threshold):
    """``labels`` (uint8 1 / 0 / 255) with the band of ``r`` px relabelled by ``di > threshold``
    (a NaN DI stays no data); unchanged when ``r`` is 0 or ``threshold`` is None."""
    if not r or threshold is None:
        return labels
    out = labels.copy()
    where = band(labels, r) & np.isfinite(di)
    out[where] = (di[where] > threshold).astype(np.uint8)
    return out
