"""Training patches from coherence pair folders (numpy and GDAL; used by the torch trainer).

A pair folder (written by ``core.simulator.coherence.simulate_coherence_pairs``,
or by the user in the same layout) holds intensity_1.tif and intensity_2.tif
(detected sigma0, linear power, NaN = no data), coherence_reference.tif (the
coherence estimated from the complex pair, 0-1: the training target) and
pair.csv (one row; ``baseline_days`` is read when present, else the days
between ``date_1`` and ``date_2``; the weather columns ``schema.WEATHER_NAMES``
when present, unknown otherwise); landcover.tif is optional (per-class
metrics), and so are the simulator's posterior mean and variance of the
reference (``reference_posterior.POSTERIOR_FILES``: lower-noise training
targets, ``training.train(posterior_targets=True)``). A folder with a
pairs.csv (a simulator run) stands for every pair listed in it; a path to
a pairs.csv or pair.csv stands for its folder.
"""
import csv
import datetime as _dt
import os

import numpy as np

from ...core.engine.raster_blocks import read_array
from ...core.simulator.reference_posterior import POSTERIOR_FILES
from . import schema

FILES = ("intensity_1.tif", "intensity_2.tif", "coherence_reference.tif")


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def pair_folders(paths):
    """Pair folders (absolute, in order, no repeats) from folders or CSV paths; ValueError names a bad one."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = []
    for p in paths:
        p = os.path.abspath(os.fspath(p))
        if os.path.isfile(p) and p.lower().endswith(".csv"):
            p = os.path.dirname(p)
        if os.path.isfile(os.path.join(p, "pair.csv")):
            found = [p]
        elif os.path.isfile(os.path.join(p, "pairs.csv")):
            found = [os.path.join(p, r["pair"]) for r in _rows(os.path.join(p, "pairs.csv"))]
        else:
            raise ValueError(f"{p} holds neither pair.csv nor pairs.csv: give pair folders as written by "
                             "simulate_coherence_pairs (intensity_1.tif, intensity_2.tif, "
                             "coherence_reference.tif, pair.csv)")
        for f in found:
            missing = [name for name in FILES if not os.path.isfile(os.path.join(f, name))]
            if missing:
                raise ValueError(f"pair folder {f} lacks {', '.join(missing)}")
            if f not in out:
                out.append(f)
    if not out:
        raise ValueError("give at least one pair folder")
    return out


def baseline_days(row):
    """Temporal baseline (days) of a pair.csv row."""
    if row.get("baseline_days") not in (None, ""):
        return float(row["baseline_days"])
    d1, d2 = (_dt.date.fromisoformat(str(row[k])[:10]) for k in ("date_1", "date_2"))
    return float(abs((d2 - d1).days))


class Pair:
    """One pair in memory: ``db`` (2, H, W) float32 dB, ``target`` (H, W) coherence, ``valid`` mask,
    ``landcover`` (H, W) uint8 class of date 1 or None, ``baseline_days``, ``weather`` (K,) float32
    (``schema.pair_weather``, NaN = unknown), ``row`` (pair.csv), ``posterior`` (2, H, W) float32 posterior
    mean and variance of the reference or None (no POSTERIOR_FILES; where they are NaN: the reference
    and 0)."""

    def __init__(self, folder):
        self.folder = folder
        rows = _rows(os.path.join(folder, "pair.csv"))
        if not rows:
            raise ValueError(f"{folder}/pair.csv has no row")
        self.row = rows[0]
        self.baseline_days = baseline_days(self.row)
        try:
            self.weather = schema.pair_weather(self.row)
        except ValueError as exc:
            raise ValueError(f"{folder}/pair.csv: {exc}") from exc
        i1 = read_array(os.path.join(folder, FILES[0]))
        i2 = read_array(os.path.join(folder, FILES[1]))
        target = read_array(os.path.join(folder, FILES[2])).astype(np.float32)
        if not (i1.shape == i2.shape == target.shape):
            raise ValueError(f"pair folder {folder}: the intensities and the reference coherence are not on "
                             "one grid")
        self.db = np.stack([schema.to_db(i1), schema.to_db(i2)])
        self.valid = np.isfinite(i1) & np.isfinite(i2) & np.isfinite(target) & (i1 > 0) & (i2 > 0)
        self.target = np.clip(np.nan_to_num(target), 0.0, 1.0).astype(np.float32)
        lc = os.path.join(folder, "landcover.tif")
        self.landcover = read_array(lc).astype(np.uint8) if os.path.isfile(lc) else None
        self.posterior = None
        paths = [os.path.join(folder, name) for name in POSTERIOR_FILES]
        if all(os.path.isfile(p) for p in paths):
            mean, var = (read_array(p).astype(np.float32) for p in paths)
            ok = np.isfinite(mean) & np.isfinite(var)
            self.posterior = np.stack([np.where(ok, mean, self.target), np.where(ok, var, 0.0)]).astype(
                np.float32)

    @property
    def shape(self):
        return self.target.shape


def load_pairs(paths):
    return [Pair(f) for f in pair_folders(paths)]


def split_pairs(pairs, val_fraction):
    """(train, validation) lists: the last ``val_fraction`` of the pairs by date_1 of each source folder
    (at least one when there are two or more); a single pair serves both."""
    if len(pairs) == 1:
        return list(pairs), list(pairs)
    groups = {}
    for p in pairs:
        groups.setdefault(os.path.dirname(p.folder), []).append(p)
    train, val = [], []
    for group in groups.values():
        group = sorted(group, key=lambda p: (p.row.get("date_1", ""), p.folder))
        n_val = int(round(len(group) * float(val_fraction)))
        if len(group) > 1:
            n_val = max(1, n_val)
        n_val = min(n_val, len(group) - 1) if len(groups) == 1 else n_val
        train += group[:len(group) - n_val]
        val += group[len(group) - n_val:]
    if not val:
        val = train[-1:]
    return train, val


def check_patch(patch, pairs, multiple):
    """``patch`` fitted to the smallest pair (a multiple of ``multiple``); ValueError when too small."""
    smallest = min(min(p.shape) for p in pairs)
    patch = min(int(patch), smallest // multiple * multiple)
    if patch < multiple:
        raise ValueError(f"the pairs are {smallest} pixels wide at the least; the network needs at least "
                         f"{multiple} x {multiple} pixels")
    return patch


def normalisation_stats(pairs):
    """dB mean/std of both dates and the std of their dB difference over the valid pixels."""
    db = np.concatenate([p.db[:, p.valid].ravel() for p in pairs])
    diff = np.concatenate([(p.db[0] - p.db[1])[p.valid] for p in pairs])
    return {"db_mean": float(db.mean()), "db_std": float(max(db.std(), 1.0)),
            "diff_std": float(max(diff.std(), 0.5))}


#: Most pixels of one class and pair kept as patch centres for class-balanced sampling.
CLASS_CENTRES = 2000


def class_centres(pairs, seed=0):
    """{class: [(pair index, flat pixel indices)]} of valid pixels per land-cover class (date 1), at most
    CLASS_CENTRES per class and pair (a fixed random subset); pairs without landcover.tif are left out."""
    rng = np.random.default_rng(seed)
    out = {}
    for i, p in enumerate(pairs):
        if p.landcover is None:
            continue
        lc = np.where(p.valid, p.landcover, 0).ravel()
        for cls in np.unique(lc[lc > 0]):
            idx = np.flatnonzero(lc == cls)
            if idx.size > CLASS_CENTRES:
                idx = rng.choice(idx, CLASS_CENTRES, replace=False)
            out.setdefault(int(cls), []).append((i, idx))
    return out


def class_weights(pairs, power):
    """{class: loss weight} = (pixel share of the class) ** -``power`` over the valid pixels of the pairs'
    land cover (date 1), scaled so that the mean weight per pixel is 1; {} when ``power`` is 0 or no pair
    has landcover.tif. ``power`` 0.5: inverse square-root frequency, 1: inverse frequency (rare classes,
    towns ~1-2 % of a scene, otherwise weigh next to nothing in the pixel-mean loss)."""
    counts = {}
    for p in pairs:
        if p.landcover is None:
            continue
        cls, n = np.unique(p.landcover[p.valid], return_counts=True)
        for c, k in zip(cls, n):
            if c > 0:
                counts[int(c)] = counts.get(int(c), 0) + int(k)
    if not power or not counts:
        return {}
    total = float(sum(counts.values()))
    raw = {c: (n / total) ** -float(power) for c, n in counts.items()}
    mean = sum(raw[c] * n for c, n in counts.items()) / total
    return {c: w / mean for c, w in raw.items()}


def weight_map(landcover, weights):
    """(H, W) float32 loss weights of a land-cover patch (1 where the class has no weight)."""
    lut = np.ones(256, dtype=np.float32)
    for c, w in weights.items():
        lut[int(c)] = w
    return lut[landcover]


def random_samples(pairs, patch, count, rng, augment=True, balance=0.0, centres=None):
    """``count`` random (pair index, y, x, k rotations, flip, swap dates) samples, pairs weighted by area.

    ``balance``: the fraction of the patches centred on a pixel of a land-cover
    class drawn uniformly among the classes of ``centres`` (``class_centres``),
    so that rare classes (towns cover ~1 % of a scene) are seen often enough;
    the others are drawn uniformly over the area.
    """
    area = np.array([p.target.size for p in pairs], dtype=np.float64)
    which = rng.choice(len(pairs), size=int(count), p=area / area.sum())
    classes = sorted(centres) if centres else []
    out = []
    for i in which:
        h, w = pairs[i].shape
        y, x = int(rng.integers(0, h - patch + 1)), int(rng.integers(0, w - patch + 1))
        if classes and rng.random() < float(balance):
            options = centres[classes[int(rng.integers(len(classes)))]]
            i, idx = options[int(rng.integers(len(options)))]
            h, w = pairs[i].shape
            cy, cx = divmod(int(idx[int(rng.integers(idx.size))]), w)
            y = int(np.clip(cy - patch // 2, 0, h - patch))
            x = int(np.clip(cx - patch // 2, 0, w - patch))
        aug = (int(rng.integers(4)), bool(rng.integers(2)), bool(rng.integers(2))) if augment else (0, False,
                                                                                                    False)
        out.append((int(i), y, x) + aug)
    return out


def grid_samples(pairs, patch, limit, rng):
    """Non-overlapping patches over every pair (a random subset of at most ``limit``), no augmentation."""
    out = [(i, y, x, 0, False, False) for i, p in enumerate(pairs)
           for y in range(0, p.shape[0] - patch + 1, patch) for x in range(0, p.shape[1] - patch + 1, patch)]
    if len(out) > limit:
        keep = rng.choice(len(out), size=int(limit), replace=False)
        out = [out[k] for k in sorted(keep)]
    return out


def patch_arrays(pair, y, x, patch, k=0, flip=False, swap=False):
    """(dB (2, P, P), target (1, P, P), mask (1, P, P), landcover (1, P, P) uint8, 0 when the pair has
    none, posterior mean and variance (2, P, P) or None) of one sample, augmented."""
    sl = (slice(y, y + patch), slice(x, x + patch))
    db = pair.db[(slice(None),) + sl]
    target = pair.target[sl][None]
    mask = pair.valid[sl][None].astype(np.float32)
    lc = (pair.landcover[sl] if pair.landcover is not None else np.zeros((patch, patch), np.uint8))[None]
    if swap:  # coherence is symmetric in the two dates
        db = db[::-1]
    post = None if pair.posterior is None else pair.posterior[(slice(None),) + sl]
    arrays = (db, target, mask, lc) + (() if post is None else (post,))
    if k:
        arrays = tuple(np.rot90(a, k, axes=(1, 2)) for a in arrays)
    if flip:
        arrays = tuple(a[:, :, ::-1] for a in arrays)
    arrays = [np.ascontiguousarray(a) for a in arrays]
    post = arrays[4] if post is not None else None
    db, target, mask, lc = arrays[:4]
    return db.astype(np.float32, copy=False), target, mask, lc, post


#: Positions of the two dates' wind in the weather vector (exchanged when a sample swaps the dates).
_WIND = [schema.WEATHER_NAMES.index("wind_1_m_s"), schema.WEATHER_NAMES.index("wind_2_m_s")]


def sample_weather(pair, swap=False):
    """The pair's weather vector as seen by a sample (the dates' winds exchanged when ``swap``)."""
    w = pair.weather.copy()
    if swap:
        w[_WIND] = w[_WIND[::-1]]
    return w


def batches(pairs, samples, patch, batch, weights=None):
    """Iterator of dicts of numpy arrays: images (B, 2, P, P) dB, baseline (B, 1) days, weather (B, K)
    (NaN = unknown), target, mask,
    landcover (B, 1, P, P) uint8, with ``weights`` (``class_weights``) weight: the per-pixel loss
    weights, and when every pair of the batch has them posterior (B, 2, P, P): the posterior mean and
    variance of the reference."""
    for start in range(0, len(samples), int(batch)):
        chunk = samples[start:start + int(batch)]
        parts = [patch_arrays(pairs[i], y, x, patch, k, f, s) for i, y, x, k, f, s in chunk]
        out = {"images": np.stack([p[0] for p in parts]),
               "baseline": np.array([[pairs[c[0]].baseline_days] for c in chunk], dtype=np.float32),
               "weather": np.stack([sample_weather(pairs[c[0]], c[5]) for c in chunk]),
               "target": np.stack([p[1] for p in parts]), "mask": np.stack([p[2] for p in parts]),
               "landcover": np.stack([p[3] for p in parts])}
        if weights:
            out["weight"] = weight_map(out["landcover"], weights)
        if all(p[4] is not None for p in parts):
            out["posterior"] = np.stack([p[4] for p in parts])
        yield out
