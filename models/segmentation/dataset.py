"""Training data of segmentation models: images with label rasters, patches inside labelled areas.

A *set* is ``(image, labels)``: ``image`` float32 (C, H, W) in the model's
units (dB, degrees; NaN = no data) and ``labels`` uint8 (H, W) with class
values 0..K-1 and ``IGNORE`` (255) for unlabelled pixels. Training patches
are centred on labelled pixels drawn at random (every labelled pixel equally
likely; the patch is shifted to stay inside the image), optionally flipped
and rotated by multiples of 90 degrees; validation patches are drawn once
with a fixed generator.
"""

import numpy as np
import torch

from .schema import IGNORE


def check_sets(sets, patch, n_classes, what="training"):
    """ValueError naming the problem when ``sets`` cannot give ``patch``-pixel patches of ``n_classes``."""
    if not sets:
        raise ValueError(f"no {what} data")
    channels = {s[0].shape[0] for s in sets}
    if len(channels) != 1:
        raise ValueError(f"{what} images have different band counts {sorted(channels)}")
    labelled = 0
    for image, labels in sets:
        if image.ndim != 3 or labels.shape != image.shape[1:]:
            raise ValueError(f"{what} labels {labels.shape} are not on the image grid {image.shape[1:]}")
        if min(labels.shape) < patch:
            raise ValueError(
                f"a {what} image of {labels.shape[0]} x {labels.shape[1]} pixels is smaller than "
                f"the patch size {patch}: give a smaller patch size"
            )
        values = np.unique(labels[labels != IGNORE])
        if values.size and values.max() >= n_classes:
            raise ValueError(
                f"{what} labels hold class value {int(values.max())} but only {n_classes} classes "
                f"are named (values 0..{n_classes - 1}, {IGNORE} = unlabelled)"
            )
        labelled += int((labels != IGNORE).sum())
    if labelled == 0:
        raise ValueError(f"the {what} labels hold no labelled pixel: draw labels over the raster")
    return labelled


def normalisation_stats(sets, max_pixels=2_000_000, rng=None):
    """(mean, std) per band over the finite pixels of the images (a random subsample when large)."""
    rng = rng or np.random.default_rng(0)
    c = sets[0][0].shape[0]
    values = [[] for _ in range(c)]
    per_set = max(1, max_pixels // len(sets))
    for image, _ in sets:
        flat = image.reshape(c, -1)
        idx = rng.choice(flat.shape[1], min(per_set, flat.shape[1]), replace=False)
        for b in range(c):
            v = flat[b, idx]
            values[b].append(v[np.isfinite(v)])
    mean, std = [], []
    for b in range(c):
        v = np.concatenate(values[b]).astype(np.float64)
        mean.append(float(v.mean()) if v.size else 0.0)
        std.append(float(v.std()) if v.size > 1 else 1.0)
    return mean, std


def class_counts(sets, n_classes):
    """Labelled pixels per class (int64, length n_classes)."""
    counts = np.zeros(n_classes, dtype=np.int64)
    for _, labels in sets:
        lab = labels[labels != IGNORE]
        counts += np.bincount(lab.ravel(), minlength=n_classes)[:n_classes]
    return counts


#: Named class weightings: the power of the inverse class frequency ("balanced": 1, "sqrt": 1/2).
WEIGHTINGS = {"balanced": 1.0, "sqrt": 0.5}


def balanced_weights(counts, power=1.0):
    """Inverse-frequency class weights to the ``power`` (mean 1 over the classes present; 0 for
    absent classes)."""
    counts = np.asarray(counts, dtype=np.float64)
    w = np.where(counts > 0, np.maximum(counts, 1.0) ** -float(power), 0.0)
    present = counts > 0
    return w / w[present].mean() if present.any() else np.ones_like(w)


def labelled_index(sets):
    """Per set, the flat indices of its labelled pixels."""
    return [np.flatnonzero(labels.ravel() != IGNORE) for _, labels in sets]


def class_index(sets, index):
    """{class value: (set numbers, flat indices)} of the labelled pixels of ``sets`` (``labelled_index``)."""
    parts = {}
    for s, ((_, labels), idx) in enumerate(zip(sets, index)):
        values = labels.ravel()[idx]
        for k in np.unique(values):
            parts.setdefault(int(k), []).append((s, idx[values == k]))
    out = {}
    for k, v in sorted(parts.items()):
        owners = np.concatenate([np.full(i.size, s, dtype=np.int64) for s, i in v])
        out[k] = (owners, np.concatenate([i for _, i in v]))
    return out


def random_samples(sets, index, patch, n, rng, augment=True, balance=0.0, classes=None):
    """``n`` samples (set, row, col, flip, rot): patch origins around random labelled pixels.

    ``balance``: the share of the patches centred on a pixel of a class drawn
    uniformly among the labelled classes (``classes``: ``class_index``), so
    that rare classes (melt-season ice, a few % of the pixels) are seen more
    often; the others (all with the default 0) around a labelled pixel drawn
    uniformly.
    """
    sizes = np.array([len(i) for i in index], dtype=np.float64)
    which = rng.choice(len(sets), size=int(n), p=sizes / sizes.sum())
    if balance > 0 and classes is None:
        classes = class_index(sets, index)
    keys = sorted(classes) if balance > 0 else []
    out = []
    for s in which:
        if keys and rng.random() < float(balance):
            owners, flats = classes[keys[int(rng.integers(len(keys)))]]
            pick = int(rng.integers(flats.size))
            s, flat = owners[pick], flats[pick]
        else:
            flat = index[s][rng.integers(len(index[s]))]
        h, w = sets[s][1].shape
        r, c = divmod(int(flat), w)
        r0 = int(np.clip(r - patch // 2 + rng.integers(-patch // 4, patch // 4 + 1), 0, h - patch))
        c0 = int(np.clip(c - patch // 2 + rng.integers(-patch // 4, patch // 4 + 1), 0, w - patch))
        flip = bool(rng.integers(2)) if augment else False
        rot = int(rng.integers(4)) if augment else 0
        out.append((int(s), r0, c0, flip, rot))
    return out


def cut(sets, sample, patch):
    """(image patch (C, P, P), labels patch (P, P)) of one sample, augmented."""
    s, r0, c0, flip, rot = sample
    image, labels = sets[s]
    x = image[:, r0 : r0 + patch, c0 : c0 + patch]
    y = labels[r0 : r0 + patch, c0 : c0 + patch]
    if flip:
        x, y = x[:, :, ::-1], y[:, ::-1]
    if rot:
        x, y = np.rot90(x, rot, axes=(1, 2)), np.rot90(y, rot)
    return np.ascontiguousarray(x), np.ascontiguousarray(y)


def loader(sets, samples, patch, batch):
    """Batches {"image": (B, C, P, P) float32, "labels": (B, P, P) int64} of ``samples``, in order."""
    for i in range(0, len(samples), int(batch)):
        pairs = [cut(sets, s, patch) for s in samples[i : i + int(batch)]]
        yield {
            "image": torch.from_numpy(np.stack([p[0] for p in pairs])),
            "labels": torch.from_numpy(np.stack([p[1] for p in pairs]).astype(np.int64)),
        }


def subsample_labels(labels, fraction, patch, rng):
    """``labels`` with only a ``fraction`` of its ``patch``-pixel grid cells kept (others IGNORE): the
    'few labels' setting of the benchmark (at least one cell is kept)."""
    labels = np.asarray(labels)
    h, w = labels.shape
    cells = [(r, c) for r in range(0, h - patch + 1, patch) for c in range(0, w - patch + 1, patch)]
    keep = max(1, int(round(float(fraction) * len(cells))))
    out = np.full_like(labels, IGNORE)
    for i in rng.choice(len(cells), keep, replace=False):
        r, c = cells[i]
        out[r : r + patch, c : c + patch] = labels[r : r + patch, c : c + patch]
    return out
