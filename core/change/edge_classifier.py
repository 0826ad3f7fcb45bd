"""Edge band of a change map relabelled by a per-pair patch classifier of both dates (self-training).

The twenty-second round of issue 15 (after the DI threshold of ``core.change.edge_band``): a
regularised chain smooths its changed class's boundary, so the pixels within ``r`` px of that
boundary (``edge_band.band``) are relabelled by a small classifier trained on this very pair, in the
manner of the PCANet / DDNet family (Gao et al. 2016, IEEE GRSL 13(12); Qu et al. 2022, IEEE GRSL 19:
a network trained per pair on the confident pixels of a pre-classification, on patches of the two
dates). Here the confident pixels are the chain's own interior classes (changed and unchanged, each
eroded by ``r + 1``, ``edge_band.interiors``) on the fitting sample, and the network is the patch MLP
of ``core.change.patch_classifier`` (balanced seeded sample, scikit-learn to train, numpy forward
pass, output logit shifted by the interior classes' change prior, Saerens et al. 2002).

Its features are the ``SIZE`` x ``SIZE`` neighbourhoods of three channels (``channels``): the dB of the
3 x 3 local mean of date 1 (after the chain's centring gain), the dB of the 3 x 3 local mean of date 2,
and their difference, the signed log ratio of the 3 x 3 means (dB; the signed |LMR3|). A band pixel is
changed where the prior-shifted posterior is >= 0.5, unchanged otherwise.

A band pixel reads ``r`` px of the map and ``MEAN_WINDOW // 2 + SIZE // 2`` px of the pair; outside the
array is no data for the means and the classifier's fill value for the neighbourhoods, so a block
labelled with ``r + SIZE // 2`` more pixels of margin than the map's equals the whole-image result.
"""
from dataclasses import dataclass

import numpy as np

from ..engine.window_stats import border_count, box_sum
from . import difference as dif
from . import edge_band
from . import patch_classifier as pc
from .labels import CHANGED, NODATA, UNCHANGED

#: Patch side (pixels) of the classifier's neighbourhoods.
SIZE = 7
#: Side (pixels) of the local means of the two dates.
MEAN_WINDOW = 3
#: Fewer interior pixels than this in either class: no classifier, no relabelling (as ``edge_band``).
MIN_INTERIOR = edge_band.MIN_INTERIOR


def channels(p1, p2, floor=None):
    """(3, rows, cols) float32 features of a pair (2-D linear power, NaN = no data; image 1 already scaled
    by the chain's centring gain): dB of the ``MEAN_WINDOW`` x ``MEAN_WINDOW`` mean of image 1, of image 2,
    and their difference 10 log10(m2 / m1) (dB), the means over the pixels valid in both (``floor``: see
    ``core.change.difference``); NaN where either image is no data."""
    s1, s2, valid = dif._pair_window_sums(p1, p2, MEAN_WINDOW, floor)
    if valid is None:
        count = border_count(s1.shape, MEAN_WINDOW).astype(np.float64)
    else:
        count = box_sum(valid.astype(np.float64), MEAN_WINDOW, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.stack([10.0 * np.log10(s1 / count), 10.0 * np.log10(s2 / count),
                        10.0 * np.log10(s2 / s1)]).astype(np.float32)
    if valid is not None:
        out[:, ~valid] = np.nan
    return out


@dataclass(frozen=True)
class EdgeClassifier:
    """The band width and the patch classifier trained on one pair (None: too few interior pixels)."""

    r: int  # pixels (4-connected steps) from the changed class's boundary
    classifier: object  # core.change.patch_classifier.PatchClassifier or None

    @property
    def margin(self):
        """Pixels read around each output pixel beyond those the map itself reads (``r + SIZE // 2``;
        covers the local means' ``MEAN_WINDOW // 2`` within the chain's DI margin)."""
        return self.r + SIZE // 2

    def relabel(self, labels, chans):
        """``labels`` (uint8 1 / 0 / 255) with the band of ``r`` px relabelled by P(change) >= 0.5 of the
        classifier on ``chans`` (``channels`` of the same block); unchanged without a classifier."""
        if not self.r or self.classifier is None:
            return labels
        out = labels.copy()
        where = edge_band.band(labels, self.r) & np.isfinite(chans).all(axis=0)
        idx = np.flatnonzero(where.ravel())
        if idx.size:
            p = self.classifier.probability_at(chans, idx)
            out.ravel()[idx] = (p >= 0.5).astype(np.uint8)
        return out


def training_labels(labels, chans, r):
    """uint8 pseudo-labels of one tile: 1 on the changed interior, 0 on the unchanged interior (each class
    of ``labels`` eroded by ``r + 1``, ``edge_band.interiors``), 255 elsewhere and where ``chans`` is NaN."""
    changed, unchanged = edge_band.interiors(labels, r)
    out = np.full(labels.shape, NODATA, np.uint8)
    out[unchanged] = UNCHANGED
    out[changed] = CHANGED
    out[~np.isfinite(chans).all(axis=0)] = NODATA
    return out


def fit(label_tiles, channel_tiles, r, seed=0, equal_priors=False):
    """EdgeClassifier of the chain's ``label_tiles`` (uint8 1 / 0 / 255) and ``channel_tiles`` (``channels``)
    of the fitting sample: the patch MLP (``patch_classifier.train``, ``SIZE`` px, balanced seeded sample,
    prior-shifted by the interior classes' change prior, or not shifted with ``equal_priors``: the band,
    where the two classes meet, taken as half changed) trained on the interior classes
    (``training_labels``); classifier None when either interior has fewer than ``MIN_INTERIOR`` valid
    pixels."""
    targets = [training_labels(lab, ch, r) for lab, ch in zip(label_tiles, channel_tiles)]
    n_changed = sum(int(np.count_nonzero(t == CHANGED)) for t in targets)
    n_unchanged = sum(int(np.count_nonzero(t == UNCHANGED)) for t in targets)
    if n_changed < MIN_INTERIOR or n_unchanged < MIN_INTERIOR:
        return EdgeClassifier(int(r), None)
    return EdgeClassifier(int(r), pc.train(channel_tiles, targets, size=SIZE, seed=seed,
                                          prior_correction=not equal_priors))
