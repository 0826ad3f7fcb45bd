"""Optional exclusion mask of the unsupervised change chains (e.g. permanent water): left out, written 0.

Operational flood mapping by change detection leaves reference water out of
the map with an external mask (Twele, A. et al. 2016, Sentinel-1-based flood
mapping: a fully automated processing chain, IJRS 37(13), 2990-3004; the
JRC Global Surface Water occurrence layer: Pekel, J.-F. et al. 2016, Nature
540, 418-422): open water changes its backscatter between dates with the wind
(Bragg scattering on capillary waves) without a change of land cover, and
such false alarms also pull the thresholds, clusters and fences fitted on the
pair. The mask is a raster on the grid of the pair: non-zero = excluded; its
no-data pixels and zeros are not excluded.

An excluded pixel is no data in both images for every step of the chain
(``core.change.unsupervised``): the fitting sample, the centring, the DI and
its windows, the clusters, the guard, the fallback's fences and the MRF; the
labels are then written as unchanged (0) where both images hold data (no
data, 255, stays no data). A mask without a non-zero pixel changes nothing
(bit for bit).
"""
import numpy as np

from .labels import UNCHANGED


def excluded(mask):
    """Boolean array: True where ``mask`` is finite and non-zero (NaN = the mask's no data: kept)."""
    mask = np.asarray(mask)
    return np.isfinite(mask) & (mask != 0)


def masked_pair(p1, p2, mask):
    """(p1, p2) with NaN (no data) where ``mask`` excludes; the inputs as given when nothing is excluded."""
    out = excluded(mask)
    if not out.any():
        return p1, p2
    return tuple(np.where(out, np.float32(np.nan), np.asarray(p, np.float32)) for p in (p1, p2))


def finish(labels, p1, p2, mask):
    """Labels (uint8 1 / 0 / 255) with the excluded pixels valid in both images set to unchanged (0).

    ``p1``, ``p2``: the pair before ``masked_pair`` (NaN = no data).
    """
    out = excluded(mask) & np.isfinite(p1) & np.isfinite(p2)
    if not out.any():
        return labels
    labels = labels.copy()
    labels[out] = UNCHANGED
    return labels


def labels_with(label_func, p1, p2, mask=None):
    """``label_func(p1, p2)`` of a block with ``mask``'s pixels excluded (module docstring); uint8."""
    if mask is None:
        return label_func(p1, p2)
    return finish(label_func(*masked_pair(p1, p2, mask)), p1, p2, mask)


def count(p1, p2, mask):
    """Pixels ``mask`` excludes that are valid in both images (int)."""
    return int(np.count_nonzero(excluded(mask) & np.isfinite(p1) & np.isfinite(p2)))
