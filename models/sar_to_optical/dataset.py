"""Training patches from SAR/optical pair folders (``core.translation.pair_dataset`` format; numpy + torch).

Every pair is read whole into memory (the pair folders here are small:
simulated scenes and 120 x 120 BigEarthNet patches). A pixel enters the loss
when its SAR, optical (and DEM, for the fusions) values are finite and its
cloud mask, when given, is clear (0). Splits are by scene when there are
several scenes (pairs of one scene share its terrain), else every k-th pair.
"""
import os

import numpy as np
import torch

from ...core.translation import pair_dataset as pairs_io
from . import schema
from .conditions import row_conditions


class Pair:
    """One pair's arrays: sar (2, H, W) dB, dem (1, H, W) m or None, optical (4, H, W), valid (H, W),
    distortion (H, W) uint8 or None, conditions (3,) float32 (conditions.CONDITION_NAMES of the optical
    image) or None when the row has no date; ``row``: its pairs.csv row."""

    def __init__(self, row):
        data = pairs_io.load_pair(row)
        self.row = row
        self.scene = row.get("scene") or row["pair_id"]
        self.sar = data["sar"].astype(np.float32)
        self.optical = data["optical"].astype(np.float32)
        self.dem = None if data["dem"] is None else data["dem"][None].astype(np.float32)
        self.distortion = data["distortion"]
        self.conditions = row_conditions(row, data["geotransform"], data["projection"], self.sar.shape[1:])
        valid = np.isfinite(self.sar).all(0) & np.isfinite(self.optical).all(0)
        if data["cloud_mask"] is not None:
            valid &= data["cloud_mask"] == 0
        self.valid = valid
        self.valid_with_dem = valid & (np.isfinite(self.dem[0]) if self.dem is not None else False)

    @property
    def shape(self):
        return self.sar.shape[1:]

    def mask(self, needs_dem):
        return self.valid_with_dem if needs_dem else self.valid


def read_pairs(folders):
    """Pairs of every pair folder (or pairs.csv path) in ``folders``."""
    if isinstance(folders, (str, os.PathLike)):
        folders = [folders]
    out = []
    for folder in folders:
        for row in pairs_io.read_pairs(os.fspath(folder)):
            pair = Pair(row)
            pair.folder = os.path.abspath(os.fspath(folder))
            out.append(pair)
    if not out:
        raise ValueError(f"no pair in {list(folders)}: pairs.csv lists none")
    return out


def check_dem(pairs, fusion):
    """ValueError naming the pairs without a DEM when ``fusion`` needs one."""
    if schema.uses_dem(fusion):
        missing = [p.row["pair_id"] for p in pairs if p.dem is None]
        if missing:
            raise ValueError(f"fusion {fusion!r} needs a DEM but {len(missing)} pair(s) have none (e.g. "
                             f"{missing[0]}): give the dem column in pairs.csv or train with fusion 'none'")


def has_conditions(pairs):
    """True when every pair has its acquisition conditions (a date)."""
    return all(p.conditions is not None for p in pairs)


def check_conditions(pairs):
    """ValueError naming the pairs without a date (a conditioned model needs the date of every pair)."""
    missing = [p.row["pair_id"] for p in pairs if p.conditions is None]
    if missing:
        raise ValueError(f"{len(missing)} pair(s) have no date (e.g. {missing[0]}): give the date column in "
                         "pairs.csv (YYYY-MM-DD), or train without the acquisition conditions")


def split(pairs, val_fraction=0.2, val_scenes=None):
    """(train, validation) pairs: whole scenes held out when there are >= 2 scenes (``val_scenes``: their
    names, default the last ceil(fraction x scenes) in sorted order), else every k-th pair."""
    scenes = sorted({p.scene for p in pairs})
    if val_scenes is None and len(scenes) >= 2:
        k = max(1, int(np.ceil(val_fraction * len(scenes))))
        val_scenes = scenes[-k:]
    if val_scenes:
        val_scenes = set(val_scenes)
        train = [p for p in pairs if p.scene not in val_scenes]
        val = [p for p in pairs if p.scene in val_scenes]
    else:
        step = max(2, int(round(1.0 / max(val_fraction, 1e-6))))
        val = pairs[step - 1::step]
        train = [p for i, p in enumerate(pairs) if (i + 1) % step]
    if not train or not val:
        raise ValueError(f"{len(pairs)} pair(s) in {len(scenes)} scene(s) cannot be split into training and "
                         "validation: give more pairs")
    return train, val


def normalisation_stats(pairs, needs_dem):
    """Means and standard deviations of SAR dB, DEM m and reflectance over the valid pixels."""
    def stats(arrays, masks):
        values = np.concatenate([a[:, m] for a, m in zip(arrays, masks)], axis=1).astype(np.float64)
        return values.mean(1).tolist(), np.maximum(values.std(1), 1e-3).tolist()

    masks = [p.mask(needs_dem) for p in pairs]
    if not any(m.any() for m in masks):
        raise ValueError("no valid (finite, cloud-free) pixel in the training pairs")
    out = {}
    out["sar_mean"], out["sar_std"] = stats([p.sar for p in pairs], masks)
    out["out_mean"], out["out_std"] = stats([p.optical for p in pairs], masks)
    if needs_dem:
        out["dem_mean"], out["dem_std"] = stats([p.dem for p in pairs], masks)
        out["dem_std"] = [max(out["dem_std"][0], 1.0)]
    return out


def check_patch(patch, pairs, multiple):
    """The patch size (pixels) fitted to the smallest pair and a multiple of ``multiple``."""
    smallest = min(min(p.shape) for p in pairs)
    patch = min(int(patch), smallest) // multiple * multiple
    if patch < multiple:
        raise ValueError(f"pairs of {smallest} pixels are smaller than the model's size multiple {multiple}")
    return patch


def _batch(pairs, items, patch, needs_dem, conditioned=False):
    sar, dem, opt, mask = [], [], [], []
    for i, y, x in items:
        p = pairs[i]
        window = (slice(None), slice(y, y + patch), slice(x, x + patch))
        sar.append(p.sar[window])
        opt.append(p.optical[window])
        mask.append(p.mask(needs_dem)[window[1:]][None])
        if needs_dem:
            dem.append(p.dem[window])
    b = {"sar": torch.from_numpy(np.nan_to_num(np.stack(sar))),
         "optical": torch.from_numpy(np.nan_to_num(np.stack(opt))),
         "mask": torch.from_numpy(np.stack(mask).astype(np.float32))}
    if needs_dem:
        b["dem"] = torch.from_numpy(np.nan_to_num(np.stack(dem)))
    if conditioned:
        b["conditions"] = torch.from_numpy(np.stack([pairs[i].conditions for i, _, _ in items]))
    return b


def random_batches(pairs, patch, count, batch, rng, needs_dem, conditioned=False):
    """``count`` random patches (at least a quarter valid) in batches of ``batch``."""
    items = []
    tries = 0
    while len(items) < count and tries < 50 * count:
        tries += 1
        i = int(rng.integers(len(pairs)))
        h, w = pairs[i].shape
        y, x = int(rng.integers(h - patch + 1)), int(rng.integers(w - patch + 1))
        if pairs[i].mask(needs_dem)[y:y + patch, x:x + patch].mean() >= 0.25:
            items.append((i, y, x))
    return [_batch(pairs, items[k:k + batch], patch, needs_dem, conditioned)
            for k in range(0, len(items), batch)]


def grid_batches(pairs, patch, batch, needs_dem, limit=None, conditioned=False):
    """Non-overlapping patches on a grid over every pair (deterministic), at most ``limit``."""
    items = [(i, y, x) for i, p in enumerate(pairs) for y in range(0, p.shape[0] - patch + 1, patch)
             for x in range(0, p.shape[1] - patch + 1, patch)]
    if limit is not None and len(items) > limit:
        items = [items[int(k)] for k in np.linspace(0, len(items) - 1, int(limit))]
    return [_batch(pairs, items[k:k + batch], patch, needs_dem, conditioned)
            for k in range(0, len(items), batch)]


def value_ranges(pairs, needs_dem):
    """The "valid_ranges" metadata entry: SAR dB (VV, VH) and DEM m seen in training."""
    from ..framework.metadata import value_range

    out = {}
    for b, name in enumerate(schema.SAR_BANDS):
        out[f"{name}_dB"] = value_range(np.concatenate([p.sar[b][p.mask(needs_dem)] for p in pairs]), "dB")
    if needs_dem:
        out["elevation_m"] = value_range(np.concatenate([p.dem[0][p.mask(True)] for p in pairs]), "m")
    return {k: v for k, v in out.items() if v}
