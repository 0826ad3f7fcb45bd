"""Offsets of a moving raster against the reference, read from disk tile by tile (bounded memory).

The same measurement as ``offsets.estimate_offsets`` on whole images, for
two rasters on one grid (the moving one warped onto the reference grid
first), with memory bounded by the tile size instead of the image size:

1. ``scan``: tiles of about 512 x 512 pixels (plus the water mask's halo)
   give the block sums of ``offsets.coarse_offset`` (so the global integer
   offset is the whole-image one), the counts of negative values for the
   scale check, whether the moving raster has data, the water shares, and
   whether any reference pixel is excluded (which decides, as on whole
   images, whether the soft mask is used at all).
2. ``measure``: tiles of the window grid (8 x 8 windows of 64 px by
   default). Each reads the reference windows plus a halo for the soft mask
   and the water mask, and the moving raster around them plus the reach of
   the window search (prior offset + half a window + a window), and runs
   ``offsets._offsets_chunk`` on them, placed so that every index matches
   the whole-image run. Tiles stream through the block engine
   (``raster_blocks.stream_blocks``: a reader thread, two workers). A tile
   correlates its windows in one batch, the whole-image run in batches of
   ``offsets.WINDOW_CHUNK_PIXELS``: the batched products of the upsampled
   DFT may then round differently (offsets within 1e-10 px; bit for bit
   when the batches agree, as in the tests).

No whole-image distance transform: the soft mask clip((d - 0.5) / ramp,
0, 1) saturates at d >= ramp + 0.5 pixels, so a local distance transform
over the tile plus ``SOFT_HALO`` pixels gives the same weights. The water
mask (``offsets.water_mask``: a 5 px boxcar, then 15 px moments) depends
on pixels within 9 px only. Positions and offsets are in pixels of the
reference grid, as in ``offsets``. With a DEM (``TerrainReaders``), the
exclusion mask and the simulated image that ``dem_layers`` traced onto the
reference grid are read over the same regions as the reference: excluded
pixels are not usable, and the simulated image, when given, is matched
instead of the reference (whose values still give the water mask and the
scale checks), as ``offsets.estimate_offsets`` does on whole images with
``valid_mask`` and the simulation. Despeckling before matching is not
handled here (``stack.coregister_stack`` then reads whole images).
"""
from dataclasses import dataclass

import numpy as np

from ..engine import scale as scales
from ..engine.raster_blocks import (
    Cancelled,
    Window,
    gdal_cache_budget,
    open_readonly,
    read_block,
    stream_blocks,
)
from . import correlation as corr
from . import offsets as ofs

#: Rows / columns of halo the water mask needs: a 5 px boxcar (2) then 15 px moments (7), rounded up.
WATER_HALO = 12
#: Rows / columns of halo the soft mask needs: it saturates at ramp + 0.5 px from an excluded pixel.
SOFT_HALO = int(np.ceil(ofs.MASK_RAMP + 0.5)) + 1
#: Side of the scan tiles and of the window-grid tiles (pixels).
TILE = 512


@dataclass(frozen=True)
class Matching:
    """How windows are matched (``offsets.estimate_offsets``): sizes in pixels, ``scale`` of the rasters."""

    scale: str = scales.LINEAR_POWER
    domain: str = corr.AMPLITUDE
    window: int = 64
    step: int = None
    max_invalid: float = 0.25
    upsample: int = 100
    mask_water: bool = False
    water_db: float = ofs.WATER_DB
    normalization: str = corr.PLAIN
    iterations: int = 3
    taper: str = corr.TUKEY

    @property
    def spacing(self):
        return self.window if self.step is None else int(self.step)


class BandReader:
    """Reads float32 regions of one band (no data and inf as NaN), clipped to the image."""

    def __init__(self, path, band):
        self.path = str(path)
        self.dataset = open_readonly(path)
        self.band = self.dataset.GetRasterBand(band)
        self.nodata = self.band.GetNoDataValue()
        self.rows, self.cols = self.dataset.RasterYSize, self.dataset.RasterXSize

    def clipped(self, y0, y1, x0, x1):
        """Rows [y0, y1) and columns [x0, x1) clipped to the image: (array, (first row, first column))."""
        y0, y1 = max(0, y0), min(self.rows, y1)
        x0, x1 = max(0, x0), min(self.cols, x1)
        win = (x0, y0, x1 - x0, y1 - y0)
        return read_block(self.band, Window(win, win), self.nodata), (y0, x0)


@dataclass(frozen=True)
class TerrainReaders:
    """The DEM's layers on the reference grid (``dem_layers.trace_layers``), read like the reference.

    ``exclusion``: BandReader of the exclusion mask (non-zero: not used for
    matching); ``simulation``: BandReader of the simulated image (linear
    power) matched instead of the reference, or None.
    """

    exclusion: BandReader
    simulation: BandReader = None

    def region(self, y0, y1, x0, x1):
        """(excluded bool, simulated image float32 or None) of the region, clipped like ``BandReader``."""
        excluded = self.exclusion.clipped(y0, y1, x0, x1)[0] > 0
        target = None if self.simulation is None else self.simulation.clipped(y0, y1, x0, x1)[0]
        return excluded, target


#: No DEM: nothing excluded beyond no data and water, the reference matched.
NO_TERRAIN = (None, None)


def _terrain_region(terrain, y0, y1, x0, x1):
    return NO_TERRAIN if terrain is None else terrain.region(y0, y1, x0, x1)


@dataclass
class Scan:
    """What ``scan`` found over the whole grid (counts in pixels)."""

    offset: tuple  # (dy, dx): global integer offset, pixels
    any_excluded: bool  # some reference pixel is no data or masked
    ref_finite: int
    ref_negative: int
    mov_finite: int
    mov_negative: int
    ref_water: int
    mov_water: int
    pixels: int


def _prepared(ref_raw, mov_raw, m, mov_at, excluded=None, target=None):
    """Linear power (float32), working domain (float64) and the usable mask of the reference region.

    ``mov_at``: slices of the moving region that cover the reference region;
    ``excluded``, ``target``: ``TerrainReaders.region`` of the reference region
    (None: no DEM). Returns (matched values, ref domain, ok, mov power, mov
    domain, ref water, mov water); the matched values are the reference's
    linear power, or ``target`` when given.
    """
    ref_pow = scales.to_linear_power(ref_raw, m.scale)
    mov_pow = scales.to_linear_power(mov_raw, m.scale)
    matched = ref_pow if target is None else target
    ref_dom = corr.to_domain(matched.astype(np.float64), m.domain)
    mov_dom = corr.to_domain(mov_pow.astype(np.float64), m.domain)
    ok = np.isfinite(ref_dom)
    if excluded is not None:
        ok &= ~excluded
    ref_water = mov_water = None
    if m.mask_water:
        ref_water = ofs.water_mask(ref_pow, m.water_db)
        mov_water = ofs.water_mask(mov_pow, m.water_db)[mov_at]
        ok &= ~ref_water & ~mov_water
    return matched, ref_dom, ok, mov_pow, mov_dom, ref_water, mov_water


def _cancel(is_canceled):
    if is_canceled is not None and is_canceled():
        raise Cancelled("cancelled by the user")


def scan(ref, mov, m, is_canceled=None, terrain=None):
    """Pass 1 over ``ref`` and ``mov`` (BandReaders on one grid); returns a ``Scan``.

    ``terrain``: ``TerrainReaders`` of a DEM, or None.
    """
    rows, cols = ref.rows, ref.cols
    factor = ofs.coarse_factor((rows, cols))
    tile = factor * max(1, TILE // factor)
    halo = WATER_HALO if m.mask_water else 0
    shape = (rows // factor, cols // factor)
    sums = {k: np.zeros(shape) for k in ("ref", "mov")}
    counts = {k: np.zeros(shape, dtype=np.int64) for k in ("ref", "mov")}
    whole = {k: np.full((rows, cols), np.nan) for k in ("ref", "mov")} if factor == 1 else None
    found = dict(any_excluded=False, ref_finite=0, ref_negative=0, mov_finite=0, mov_negative=0, ref_water=0,
                 mov_water=0)
    with gdal_cache_budget():
        for y in range(0, rows, tile):
            for x in range(0, cols, tile):
                _cancel(is_canceled)
                h, w = min(tile, rows - y), min(tile, cols - x)
                ref_raw, (ry, rx) = ref.clipped(y - halo, y + h + halo, x - halo, x + w + halo)
                mov_raw, _ = mov.clipped(y - halo, y + h + halo, x - halo, x + w + halo)
                layers = _terrain_region(terrain, y - halo, y + h + halo, x - halo, x + w + halo)
                core = (slice(y - ry, y - ry + h), slice(x - rx, x - rx + w))
                for key, raw in (("ref", ref_raw), ("mov", mov_raw)):
                    values = raw[core]
                    finite = np.isfinite(values)
                    found[f"{key}_finite"] += int(finite.sum())
                    found[f"{key}_negative"] += int(np.count_nonzero(values[finite] < 0))
                _, ref_dom, ok, _, mov_dom, ref_water, mov_water = _prepared(ref_raw, mov_raw, m, Ellipsis,
                                                                             *layers)
                ok = ok[core]
                found["any_excluded"] |= not ok.all()
                if m.mask_water:
                    found["ref_water"] += int(ref_water[core].sum())
                    found["mov_water"] += int(mov_water[core].sum())
                for key, image in (("ref", np.where(ok, ref_dom[core], np.nan)), ("mov", mov_dom[core])):
                    if whole is not None:
                        whole[key][y:y + h, x:x + w] = image
                        continue
                    total, count = ofs.block_sums(image, factor)
                    by, bx = y // factor, x // factor
                    sums[key][by:by + total.shape[0], bx:bx + total.shape[1]] = total
                    counts[key][by:by + total.shape[0], bx:bx + total.shape[1]] = count
    if whole is not None:
        a, b = whole["ref"], whole["mov"]
    else:
        a = ofs.block_mean_from_sums(sums["ref"], counts["ref"], factor)
        b = ofs.block_mean_from_sums(sums["mov"], counts["mov"], factor)
    offset = ofs.coarse_offset_of_means(a, b, factor)
    return Scan(offset=offset, pixels=rows * cols, **found)


def _paste(dst, dst_origin, src, src_origin):
    """Copy the overlap of ``src`` into ``dst``; origins are the image (row, col) of their pixel (0, 0)."""
    y0, x0 = max(dst_origin[0], src_origin[0]), max(dst_origin[1], src_origin[1])
    y1 = min(dst_origin[0] + dst.shape[0], src_origin[0] + src.shape[0])
    x1 = min(dst_origin[1] + dst.shape[1], src_origin[1] + src.shape[1])
    if y1 > y0 and x1 > x0:
        dst[y0 - dst_origin[0]:y1 - dst_origin[0], x0 - dst_origin[1]:x1 - dst_origin[1]] = \
            src[y0 - src_origin[0]:y1 - src_origin[0], x0 - src_origin[1]:x1 - src_origin[1]]


def _starts(values):
    return np.unique(values)


def measure(ref, mov, m, found, threads=2, progress=None, is_canceled=None, terrain=None):
    """Pass 2: the offset table of ``ofs.estimate_offsets`` for the readers ``ref`` and ``mov``.

    ``found``: the ``Scan`` of pass 1; ``terrain``: ``TerrainReaders`` of a
    DEM (as given to ``scan``), or None. Returns (table, flat) with ``flat``
    the boolean per measured window (before the valid-share filter, in
    ``offsets.window_grid`` order) of windows without texture in the raw
    reference or moving values at the same position (``offsets.textured``),
    for the caller's diagnostics.
    """
    rows, cols = ref.rows, ref.cols
    window, step = int(m.window), m.spacing
    if window < 8:
        raise ValueError(f"window must be at least 8 pixels, got {window}")
    if step < 1:
        raise ValueError(f"step must be >= 1 pixel, got {step}")
    if not 0 <= m.max_invalid < 1:
        raise ValueError(f"max_invalid must be within [0, 1), got {m.max_invalid}")
    r0, c0 = ofs.window_grid((rows, cols), window, step)
    table = ofs.empty_table(len(r0))
    table["row"] = r0 + (window - 1) / 2.0
    table["col"] = c0 + (window - 1) / 2.0
    flat_raw = np.zeros(len(r0), dtype=bool)
    if len(r0) == 0:
        return table, flat_raw
    r_starts, c_starts = _starts(r0), _starts(c0)
    n_cols = len(c_starts)
    oy, ox = found.offset
    half = window // 2
    reach = max(abs(oy), abs(ox)) + half + window + 2
    halo = 1 + SOFT_HALO + (WATER_HALO if m.mask_water else 0)
    group = max(1, TILE // step)
    jobs = [(i, j) for i in range(0, len(r_starts), group) for j in range(0, n_cols, group)]
    ref_taper = corr.taper_window((window, window), m.taper)
    span = np.arange(window)
    out = np.full((len(r0), 4), np.nan)  # valid fraction, dy, dx, peak

    def extent(i, j):
        ii = np.arange(i, min(i + group, len(r_starts)))
        jj = np.arange(j, min(j + group, n_cols))
        ra, ca = int(r_starts[ii[0]]), int(c_starts[jj[0]])
        return ii, jj, ra, ca, int(r_starts[ii[-1]]) + window - ra, int(c_starts[jj[-1]]) + window - ca

    def read(job):
        _, _, ra, ca, h, w = extent(*job)
        ref_raw = ref.clipped(ra - halo, ra + h + halo, ca - halo, ca + w + halo)
        layers = _terrain_region(terrain, ra - halo, ra + h + halo, ca - halo, ca + w + halo)
        lo, hi = max(halo, reach), max(halo, reach)
        mov_raw = mov.clipped(ra - lo, ra + h + hi, ca - lo, ca + w + hi)
        return ref_raw, mov_raw, layers

    def compute(job, data):
        ii, jj, ra, ca, h, w = extent(*job)
        (ref_raw, (ry, rx)), (mov_raw, (my, mx)), layers = data
        mov_at = (slice(ry - my, ry - my + ref_raw.shape[0]), slice(rx - mx, rx - mx + ref_raw.shape[1]))
        matched, ref_dom, ok, mov_pow, mov_dom, _, _ = _prepared(ref_raw, mov_raw, m, mov_at, *layers)
        core = (slice(ra - ry, ra - ry + h), slice(ca - rx, ca - rx + w))
        ref_masked = np.where(ok, ref_dom, np.nan)[core]
        soft = None
        if found.any_excluded:
            # The whole-image run pads the soft mask by one edge pixel; rows/cols clamp likewise.
            weights = ofs.soft_mask(ok)
            sr = np.clip(ra - 1 + np.arange(h + 2), 0, rows - 1) - ry
            sc = np.clip(ca - 1 + np.arange(w + 2), 0, cols - 1) - rx
            soft = weights[np.ix_(sr, sc)]
        # The moving image around the tile, NaN outside: row k is the image row ra - reach + k.
        mov_pad = np.full((h + 2 * reach, w + 2 * reach), np.nan)
        _paste(mov_pad, (ra - reach, ca - reach), mov_dom, (my, mx))
        rr, cc = np.meshgrid(r_starts[ii], c_starts[jj], indexing="ij")
        rr, cc = rr.ravel(), cc.ravel()
        result = np.full((len(rr), 4), np.nan)
        chunk = max(1, ofs.WINDOW_CHUNK_PIXELS // (window * window))
        for s in range(0, len(rr), chunk):
            sel = slice(s, s + chunk)
            result[sel] = ofs._offsets_chunk(
                rr[sel] - ra, cc[sel] - ca, ref_masked, mov_pad, reach, soft, ref_taper, span, oy, ox, half,
                m.max_invalid, m.upsample, m.normalization, m.iterations, m.taper, is_canceled)
        ref_values = np.where(ok, matched.astype(np.float64), np.nan)
        mov_values = mov_pow.astype(np.float64)
        flat = ~(ofs.textured(ref_values, rr - ry, cc - rx, window)
                 & ofs.textured(mov_values, np.clip(rr - oy, 0, None) - my, np.clip(cc - ox, 0, None) - mx,
                                window))
        result[flat, 1:] = np.nan
        result[flat, 3] = 0.0
        raw_flat = ~(ofs.textured(matched, rr - ry, cc - rx, window)
                     & ofs.textured(mov_pow, rr - my, cc - mx, window))
        index = (ii[:, None] * n_cols + jj[None, :]).ravel()
        return index, result, raw_flat

    done = 0

    def write(job, result):
        nonlocal done
        index, values, raw_flat = result
        out[index] = values
        flat_raw[index] = raw_flat
        done += 1
        if progress is not None:
            progress(100.0 * done / len(jobs))

    with gdal_cache_budget():
        stream_blocks(jobs, read, compute, write, threads=threads, is_canceled=is_canceled, depth=threads)
    table["valid_fraction"] = out[:, 0]
    table["dy"], table["dx"], table["peak"] = out[:, 1], out[:, 2], out[:, 3]
    return table[out[:, 0] >= 1.0 - m.max_invalid], flat_raw
