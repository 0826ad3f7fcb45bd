"""Training patches for learned difference images, read from simulated (or real) stack folders.

A stack folder holds acquisitions.csv (the columns of
``core.simulator.stack.ACQUISITION_COLUMNS``; ``file`` relative to the
folder or absolute), one GeoTIFF per acquisition (bands VV and VH, sigma0 in
linear power, NaN = no data; bands found by their descriptions, else taken
as 1 = VV, 2 = VH), dem.tif (metres, same grid) and optionally
change_date.tif (band 1: days from START_DATE to each pixel's change, band 2:
days to its end, 0 = none; as written by ``simulate_stack``).

Samples. For every *target* acquisition with at least N acquisitions on
earlier dates, the inputs are the N most recent of them, any orbit direction,
oldest first (``schema.select_inputs``); the condition vectors tell the
network which orbit, platform and weather each one had. A sample is a
square patch (``patch`` pixels, a multiple of ``schema.SIZE_MULTIPLE``) at a
random position, read with rasterio windows; sigma0 is converted to dB with
``schema.to_db`` (floor ``schema.DB_FLOOR``).

Loss mask. A pixel enters the loss when the target and every input are valid
(finite) and, when change_date.tif exists, its land-cover state is the same
on all N+1 dates (the rule of ``core.simulator.changes.mask_from_change_days``
applied to each input date against the target date): a change between the
inputs and the target is exactly what the model must *not* learn to predict.
Stacks without change_date.tif are taken as unchanged.

Split. Per stack, the targets are sorted by date and the last
``val_fraction`` (at least one date) are the validation targets, the rest
the training targets: validation measures prediction into the future.

Augmentation. Flips are not used: a mirror image reverses the side the
radar looks from relative to its heading (Sentinel-1 looks right), so a
flipped image is no acquisition a real sensor could make and layover/shadow
would sit on the wrong slopes. A 180-degree rotation keeps the handedness:
it is the scene seen from heading + 180 deg, so with ``augment`` half of the
training patches are rotated by 180 deg and their headings (all N+1) turned
by 180 deg (sin and cos of the heading change sign). Validation patches are
never augmented.
"""
import csv
import datetime as _dt
import os

import numpy as np
import rasterio
import torch
from rasterio.windows import Window
from torch.utils.data import DataLoader, Dataset

from . import schema

ACQUISITIONS_CSV = "acquisitions.csv"
DEM_TIF = "dem.tif"
CHANGE_DATE_TIF = "change_date.tif"
#: Rasters kept open per stack (least recently used ones are closed), well below the usual
#: limit of 1024 open files even with several long stacks.
MAX_OPEN = 48
_HEADING = (schema.CONDITION_NAMES.index("sin_heading"), schema.CONDITION_NAMES.index("cos_heading"))
_TEMPERATURE = schema.CONDITION_NAMES.index("temperature_c")
_SNOW = schema.CONDITION_NAMES.index("snow_depth_m")
#: Snow depth (m) above which the ground counts as snow covered (``core.simulator.weather.SNOW_COVER_M``).
SNOW_COVER_M = 0.02


def _date(text):
    return _dt.date.fromisoformat(str(text).strip()[:10])


def stack_location(source):
    """(folder, acquisitions CSV path) of a stack folder or of a path to its acquisitions CSV."""
    source = os.path.abspath(os.fspath(source))
    if os.path.isfile(source) and source.lower().endswith(".csv"):
        return os.path.dirname(source), source
    return source, os.path.join(source, ACQUISITIONS_CSV)


class Stack:
    """One stack (a folder, or the path of its acquisitions CSV): acquisitions sorted by date, open
    rasters, condition matrix.

    ``before``: a date (ISO text or datetime.date): only acquisitions strictly
    before it are used (fine-tuning on a stack's history never sees the
    target). ``change_mask``: use change_date.tif (when present) to keep
    changed pixels out of the loss; False ignores it (no labels used).

    Attributes: ``folder``, ``csv_path``, ``rows`` (dicts, date order), ``dates``
    (datetime.date), ``files`` (paths), ``conditions`` ((n, C) float32),
    ``shape`` (rows, cols), ``change_start`` (date of day 0 of
    change_date.tif, or None when the folder has none or it is not used).
    """

    def __init__(self, folder, before=None, change_mask=True):
        self.folder, csv_path = stack_location(folder)
        self.csv_path = csv_path
        if not os.path.isfile(csv_path):
            raise ValueError(f"{self.folder} has no {ACQUISITIONS_CSV}: give a stack folder written by "
                             "'Simulate stack' (or one laid out the same way)")
        with open(csv_path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        missing = [c for c in ("date", "file") if rows and c not in rows[0]]
        if not rows or missing:
            raise ValueError(f"{csv_path} has no acquisitions" if not rows else
                             f"{csv_path} lacks the column(s) {missing}")
        if before is not None:
            cutoff = _date(before) if not isinstance(before, _dt.date) else before
            rows = [r for r in rows if _date(r["date"]) < cutoff]
            if not rows:
                raise ValueError(f"{csv_path} has no acquisition before {cutoff.isoformat()}")
        order = sorted(range(len(rows)), key=lambda i: _date(rows[i]["date"]))  # stable: keeps CSV order
        self.rows = [rows[i] for i in order]
        self.dates = [_date(r["date"]) for r in self.rows]
        self.files = [f if os.path.isabs(f) else os.path.join(self.folder, f)
                      for f in (r["file"].strip() for r in self.rows)]
        for f in self.files:
            if not os.path.isfile(f):
                raise ValueError(f"acquisition file {f} listed in {csv_path} does not exist")
        self.conditions = schema.condition_matrix(self.rows)
        self.dem_path = os.path.join(self.folder, DEM_TIF)
        if not os.path.isfile(self.dem_path):
            raise ValueError(f"{self.folder} has no {DEM_TIF}: put the DEM (metres, same grid as the "
                             "acquisitions) there as dem.tif")
        self._handles = {}
        self._bands = {}
        ds = self._open(self.dem_path)
        self.shape = (ds.height, ds.width)
        for f in self.files:
            ds = self._open(f)
            if (ds.height, ds.width) != self.shape:
                raise ValueError(f"{f} is {ds.height} x {ds.width} pixels but {self.dem_path} is "
                                 f"{self.shape[0]} x {self.shape[1]}: put every raster of a stack on one "
                                 "grid")
        self.change_path = os.path.join(self.folder, CHANGE_DATE_TIF)
        self.change_start = None
        if change_mask and os.path.isfile(self.change_path):
            ds = self._open(self.change_path)
            start = ds.tags().get("START_DATE")
            if start and ds.count >= 2 and (ds.height, ds.width) == self.shape:
                self.change_start = _date(start)

    # -- raster access -----------------------------------------------------------------
    def _open(self, path):
        """An open rasterio dataset for ``path``; at most MAX_OPEN per stack stay open (LRU)."""
        ds = self._handles.pop(path, None)
        if ds is None:
            ds = rasterio.open(path)
            while len(self._handles) >= MAX_OPEN:
                self._handles.pop(next(iter(self._handles))).close()
        self._handles[path] = ds  # (re)inserted last: most recently used
        return ds

    def _band_indexes(self, path):
        if path not in self._bands:
            ds = self._open(path)
            names = [str(d or "").strip().upper() for d in ds.descriptions]
            if all(b in names for b in schema.BANDS):
                idx = [names.index(b) + 1 for b in schema.BANDS]
            elif ds.count >= len(schema.BANDS):
                idx = list(range(1, len(schema.BANDS) + 1))
            else:
                raise ValueError(f"{path} has {ds.count} band(s); the learned DI needs VV and VH")
            self._bands[path] = idx
        return self._bands[path]

    def read_db(self, index, window):
        """(2, h, w) float32 dB (VV, VH) of acquisition ``index`` in ``window``; NaN = no data."""
        path = self.files[index]
        ds = self._open(path)
        a = ds.read(self._band_indexes(path), window=window, out_dtype="float32")
        nodata = ds.nodata
        if nodata is not None and not np.isnan(nodata):
            a[a == nodata] = np.nan
        return schema.to_db(a)

    def read_dem(self, window):
        """(1, h, w) float32 elevation (m) in ``window``; NaN = no data."""
        ds = self._open(self.dem_path)
        z = ds.read(1, window=window, out_dtype="float32")
        if ds.nodata is not None and not np.isnan(ds.nodata):
            z[z == ds.nodata] = np.nan
        return z[None]

    def changed(self, indexes, target, window):
        """(h, w) bool: pixels whose change state differs between any input date and the target date."""
        h, w = int(window.height), int(window.width)
        if self.change_start is None:
            return np.zeros((h, w), dtype=bool)
        ds = self._open(self.change_path)
        c = np.nan_to_num(ds.read(1, window=window, out_dtype="float64"), nan=0.0)
        e = np.nan_to_num(ds.read(2, window=window, out_dtype="float64"), nan=0.0)

        def active(date):
            d = (date - self.change_start).days
            return (c > 0) & (c <= d) & ((e == 0) | (d < e))

        ref = active(self.dates[target])
        out = np.zeros((h, w), dtype=bool)
        for i in indexes:
            out |= active(self.dates[i]) != ref
        return out

    def targets(self, n_inputs):
        """[(target index, [input indexes])] for every acquisition with N earlier dates."""
        out = []
        for t in range(len(self.rows)):
            inputs = schema.select_inputs(self.dates, t, n_inputs)
            if inputs is not None:
                out.append((t, inputs))
        return out

    def close(self):
        for ds in self._handles.values():
            ds.close()
        self._handles.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


SPLITS = ("last", "interleaved")


def split_targets(stack, n_inputs, val_fraction=0.2, split="last"):
    """(train, validation) target lists of ``stack`` (see ``Stack.targets``), split by target date.

    ``split="last"``: the last ``val_fraction`` of the distinct target dates
    (at least one) validate: validation measures prediction into the future.
    ``split="interleaved"``: every k-th date counted back from the newest (k =
    round(1 / val_fraction), starting k // 2 dates before it) validates, so
    the most recent dates (closest to a target that follows) are trained on
    (fine-tuning on a stack's history). Raises ValueError when the stack has
    fewer than two target dates.
    """
    if split not in SPLITS:
        raise ValueError(f"split {split!r}: use one of {SPLITS}")
    targets = stack.targets(n_inputs)
    dates = sorted({stack.dates[t] for t, _ in targets})
    if len(dates) < 2:
        raise ValueError(f"{stack.folder}: {len(targets)} acquisition(s) have {n_inputs} earlier ones; "
                         f"at least two dates are needed (training and validation): use a longer stack "
                         "or fewer inputs")
    if split == "interleaved":
        step = max(2, int(round(1.0 / max(val_fraction, 1e-6))))
        newest_first = dates[::-1]
        val_dates = {d for i, d in enumerate(newest_first) if i % step == step // 2} or {newest_first[-1]}
    else:
        n_val = min(len(dates) - 1, max(1, int(round(val_fraction * len(dates)))))
        val_dates = set(dates[-n_val:])
    train = [x for x in targets if stack.dates[x[0]] not in val_dates]
    val = [x for x in targets if stack.dates[x[0]] in val_dates]
    return train, val


def check_patch(patch, stacks):
    """``patch`` as an int, checked against SIZE_MULTIPLE and the stacks' shapes."""
    patch = int(patch)
    if patch < schema.SIZE_MULTIPLE or patch % schema.SIZE_MULTIPLE:
        raise ValueError(f"patch {patch} px: use a multiple of {schema.SIZE_MULTIPLE} (e.g. 64)")
    for s in stacks:
        if min(s.shape) < patch:
            raise ValueError(f"{s.folder} is {s.shape[0]} x {s.shape[1]} pixels, smaller than the {patch} px "
                             "patch: use a smaller patch")
    return patch


def random_samples(stacks, targets, patch, count, rng, augment=False, half_life_days=None,
                   season_weight=None):
    """``count`` samples (stack, target, inputs, row, col, rotate) drawn at random.

    ``targets``: per stack, a list as from ``split_targets``; without
    weights every target is equally likely (stacks in proportion to their
    number of targets); ``half_life_days``, ``season_weight``: draw targets
    in proportion to ``target_weights``. ``rotate`` is True for
    a random half when ``augment``.
    """
    pool = [(k, t, inputs) for k, ts in enumerate(targets) for t, inputs in ts]
    if not pool:
        raise ValueError("no training targets: the stacks are too short for this number of inputs")
    weights = target_weights(stacks, pool, half_life_days, season_weight)
    if weights is not None:
        picks = rng.choice(len(pool), size=count, p=weights / weights.sum())
    else:
        picks = rng.integers(0, len(pool), count)
    out = []
    for p in picks:
        k, t, inputs = pool[int(p)]
        rows, cols = stacks[k].shape
        r = int(rng.integers(0, rows - patch + 1))
        c = int(rng.integers(0, cols - patch + 1))
        rot = bool(rng.integers(0, 2)) if augment else False
        out.append((k, t, tuple(inputs), r, c, rot))
    return out


def target_weights(stacks, items, half_life_days=None, season_weight=None):
    """Relative weight per item (stack index, target index, ...), or None when all are equal.

    The product of: ``recency_weights`` (with ``half_life_days``: fine-tuning
    favours the recent history, whose season is closest to a target that
    follows) and ``season_weights`` (with ``season_weight`` w != 1: cold
    targets and freeze/thaw or snow transitions drawn more often).
    """
    weights = np.ones(len(items))
    if half_life_days:
        weights *= recency_weights(stacks, items, half_life_days)
    if season_weight and float(season_weight) != 1.0:
        weights *= season_weights(stacks, items, season_weight)
    return weights if np.ptp(weights) > 0 else None


def recency_weights(stacks, items, half_life_days):
    """0.5 ** (d / half_life_days) per item (stack index, target index, ...): d = days between the
    target and the newest acquisition of its stack (the history's end)."""
    age = np.array([(max(stacks[k].dates) - stacks[k].dates[t]).days for k, t, *_ in items], dtype=np.float64)
    return 0.5 ** (age / float(half_life_days))


def cold_and_transition(stack, target, inputs):
    """(cold, transition) flags of ``target`` (an index of ``stack``) with its ``inputs``.

    cold: snow cover (depth > ``SNOW_COVER_M``) or frost (temperature < 0 deg C)
    at the target; transition: the target's frozen or snow-covered state
    differs from that of its newest input (freeze onset, thaw, snowfall or
    melt-out between the two dates). Unknown conditions (NaN) count as neither.
    """
    c = stack.conditions

    def state(i):
        with np.errstate(invalid="ignore"):
            return (bool(c[i, _TEMPERATURE] < 0.0), bool(c[i, _SNOW] > SNOW_COVER_M))

    now, before = state(target), state(max(inputs, key=lambda j: stack.dates[j]))
    return any(now), now != before


def season_weights(stacks, items, weight):
    """Sampling weight per item (stack index, target index, inputs, ...): 1 + (``weight`` - 1) per flag
    of ``cold_and_transition`` that is set (1, ``weight`` or 2 ``weight`` - 1). Snowy and frozen
    dates and the freeze/thaw steps between them are a small share of a stack's dates but where a
    predictor errs most (frozen soil and canopy: about -3 dB at C band, Rignot & Way 1994; wet snow:
    -3 dB or more, Nagler & Rott 2000; dry snow: a rise with depth, Lievens et al. 2019)."""
    flags = np.array([cold_and_transition(stacks[k], t, inputs) for k, t, inputs, *_ in items], dtype=float)
    return 1.0 + (float(weight) - 1.0) * flags.reshape(-1, 2).sum(1)


def grid_samples(stacks, targets, patch, max_count, rng):
    """Validation samples: non-overlapping patches tiling each validation target (no augmentation).

    At most ``max_count`` of them, chosen with ``rng`` when there are more.
    """
    out = []
    for k, ts in enumerate(targets):
        rows, cols = stacks[k].shape
        for t, inputs in ts:
            for r in range(0, rows - patch + 1, patch):
                for c in range(0, cols - patch + 1, patch):
                    out.append((k, t, tuple(inputs), r, c, False))
    if max_count is not None and len(out) > max_count:
        keep = np.sort(rng.choice(len(out), int(max_count), replace=False))
        out = [out[i] for i in keep]
    return out


class PatchDataset(Dataset):
    """torch Dataset over samples from ``random_samples`` / ``grid_samples``.

    Items are dicts of float32 tensors: images (2N, P, P) dB, dem (1, P, P) m,
    conditions (N+1, C) raw values, target (2, P, P) dB (NaN where invalid),
    mask (1, P, P) 1 where the pixel enters the loss.
    """

    def __init__(self, stacks, samples, patch, weights=None):
        self.stacks = stacks
        self.samples = list(samples)
        self.patch = int(patch)
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float32)

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        k, t, inputs, r, c, rot = self.samples[i]
        s = self.stacks[k]
        win = Window(c, r, self.patch, self.patch)
        images = np.concatenate([s.read_db(j, win) for j in inputs])
        target = s.read_db(t, win)
        dem = s.read_dem(win)
        cond = s.conditions[list(inputs) + [t]].copy()
        mask = np.isfinite(target).all(0) & np.isfinite(images).all(0)
        mask &= ~s.changed(inputs, t, win)
        mask = mask[None].astype(np.float32)
        if rot:
            images, target, dem, mask = (np.ascontiguousarray(a[:, ::-1, ::-1])
                                         for a in (images, target, dem, mask))
            cond[:, _HEADING] *= -1.0
        item = {"images": torch.from_numpy(images), "dem": torch.from_numpy(np.ascontiguousarray(dem)),
                "conditions": torch.from_numpy(cond), "target": torch.from_numpy(target),
                "mask": torch.from_numpy(mask)}
        if self.weights is not None:
            item["weight"] = torch.tensor(self.weights[i])
        return item


def loader(stacks, samples, patch, batch, shuffle=False, seed=0, weights=None):
    """DataLoader (num_workers 0, so rasterio handles stay in this process) over ``samples``;
    ``weights``: one per sample (items then carry "weight")."""
    gen = torch.Generator()
    gen.manual_seed(int(seed))
    return DataLoader(PatchDataset(stacks, samples, patch, weights), batch_size=int(batch), shuffle=shuffle,
                      num_workers=0, generator=gen)


def decimated_db(stack, index, max_pixels=256 * 256):
    """(2, h, w) float32 dB (VV, VH) of acquisition ``index`` of ``stack``, read decimated to about
    ``max_pixels`` pixels (nearest neighbour); NaN = no data."""
    rows, cols = stack.shape
    step = max(1, int(np.ceil(np.sqrt(rows * cols / max_pixels))))
    path = stack.files[index]
    ds = stack._open(path)
    a = ds.read(stack._band_indexes(path), out_shape=(len(schema.BANDS), max(1, rows // step),
                                                     max(1, cols // step)), out_dtype="float32")
    if ds.nodata is not None and not np.isnan(ds.nodata):
        a[a == ds.nodata] = np.nan
    return schema.to_db(a)


def input_ranges(stacks, train_targets, max_files=8, max_pixels=64 * 64):
    """Ranges of the image and DEM inputs seen in training: {"<band>_db": dB values, "elevation_m":
    metres} (arrays to pass to ``schema.valid_ranges_from`` / ``metadata.value_range``).

    dB from up to ``max_files`` acquisitions per stack (evenly spaced over those used in training),
    each decimated to about ``max_pixels``; elevation from each stack's whole DEM.
    """
    db = {band: [] for band in schema.BANDS}
    elevation = []
    for s, targets in zip(stacks, train_targets):
        used = sorted({j for t, inputs in targets for j in (t, *inputs)})
        if not used:
            continue
        pick = [used[i] for i in np.unique(np.linspace(0, len(used) - 1, max_files).round().astype(int))]
        for j in pick:
            a = decimated_db(s, j, max_pixels)
            for b, band in enumerate(schema.BANDS):
                db[band].append(a[b].ravel())
        elevation.append(s.read_dem(Window(0, 0, s.shape[1], s.shape[0])).ravel())
    return ({band: np.concatenate(v) if v else np.zeros(0) for band, v in db.items()},
            np.concatenate(elevation) if elevation else np.zeros(0))


def normalisation_stats(stacks, train_targets, rng, max_files=16, max_pixels=256 * 256):
    """The ``normalisation`` dict (see ``LearnedDI.normalisation``) from training data.

    dB mean and std per band over up to ``max_files`` training target and
    input acquisitions per stack (each read decimated to about ``max_pixels``
    pixels); condition means/stds over every acquisition used in training,
    with ``schema.FIXED_CONDITION_NORMALISATION`` and ``schema.MIN_CONDITION_STD``.
    """
    nb = len(schema.BANDS)
    sums = np.zeros(nb)
    sq = np.zeros(nb)
    counts = np.zeros(nb)
    cond_rows = []
    for s, targets in zip(stacks, train_targets):
        used = sorted({j for t, inputs in targets for j in (t, *inputs)})
        if not used:
            continue
        cond_rows.append(s.conditions[used])
        pick = used if len(used) <= max_files else sorted(rng.choice(used, max_files, replace=False))
        for j in pick:
            db = decimated_db(s, int(j), max_pixels).reshape(nb, -1).astype(np.float64)
            for b in range(nb):
                v = db[b][np.isfinite(db[b])]
                sums[b] += v.sum()
                sq[b] += (v * v).sum()
                counts[b] += v.size
    if not counts.all():
        raise ValueError("no valid pixel in the training acquisitions: check the stacks' rasters")
    mean = sums / counts
    std = np.maximum(np.sqrt(np.maximum(sq / counts - mean ** 2, 0.0)), schema.MIN_DB_STD)
    conds = np.concatenate(cond_rows).astype(np.float64)
    cmean = np.zeros(schema.N_CONDITIONS)
    cstd = np.ones(schema.N_CONDITIONS)
    for i, name in enumerate(schema.CONDITION_NAMES):
        if name in schema.FIXED_CONDITION_NORMALISATION:
            cmean[i], cstd[i] = schema.FIXED_CONDITION_NORMALISATION[name]
            continue
        v = conds[:, i][np.isfinite(conds[:, i])]
        if v.size:
            cmean[i] = v.mean()
            cstd[i] = max(v.std(), schema.MIN_CONDITION_STD.get(name, 1.0))
    return {"db_mean": mean.tolist(), "db_std": std.tolist(), "condition_mean": cmean.tolist(),
            "condition_std": cstd.tolist(), "dem_scale_m": schema.DEM_SCALE_M}
