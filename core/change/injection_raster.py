"""Simulated changes injected into a raster file block by block (QGIS-free, any scene size).

The file-level pipeline of the offset change of ``core.change.injection``
(Alatalo, Sipola & Rantonen 2023): blobs are placed from a seed by
``injection.random_blobs`` reading the validity of each candidate's window
from the file (no whole-image mask), then the raster streams through the
block engine (``core.engine.raster_blocks.map_raster_outputs``): each block gets
its labels from the polygons (``injection.label_polygons`` on the block's
window) or from a label raster, the offset is added in the selected bands
(``injection.offset_change``) and the changed raster and the uint8 change
mask are written together. Every step is per pixel, so the result equals
``injection.inject`` on the whole image bit for bit; per-region figures
(pixels, band means before/after) are summed over the blocks in float64.
The statistical change needs every pixel of a region and of its target
class at once: ``inject_whole_raster`` runs ``injection.inject`` on the
whole raster (the same file-level pipeline, in memory).
"""
import threading

import numpy as np
from osgeo import gdal

from ..engine import scale as scales
from ..engine.raster_blocks import (
    DEFAULT_BLOCK,
    OutputRaster,
    RasterError,
    Window,
    map_raster_outputs,
    open_readonly,
    output_nodata,
    read_array,
    read_block,
    read_info,
    stack_vrt,
    write_array,
    write_single_band,
)
from . import injection

MASK_DESCRIPTION = "change (1 changed, 0 unchanged, 255 no data)"


def place_blobs(path, bands, count, radius, irregularity, spikiness, rng=None, n_vertices=16):
    """``injection.random_blobs`` on the raster at ``path``, valid = finite in every band of ``bands``.

    The validity of each candidate blob is read from its window of the file,
    so memory does not grow with the image; for a given seed the blobs equal
    those placed with the whole validity mask. Returns pixel polygons.
    """
    info = read_info(path)
    dataset = open_readonly(path)

    def valid(r0, r1, c0, c1):
        rect = (c0, r0, c1 - c0, r1 - r0)
        ok = np.ones((r1 - r0, c1 - c0), dtype=bool)
        for b in bands:
            ok &= np.isfinite(read_block(dataset.GetRasterBand(b), Window(rect, rect), info.nodata[b - 1]))
        return ok

    return injection.random_blobs((info.ysize, info.xsize), count, radius, irregularity, spikiness, rng,
                                  valid=valid, n_vertices=n_vertices)


def inject_offset_raster(src_path, dst_path, mask_path, scale, offset_db, bands=None, polygons=None,
                         labels_path=None, block=DEFAULT_BLOCK, threads=2, progress=None, is_canceled=None):
    """Add ``offset_db`` dB inside the change regions of ``src_path``, block by block.

    - ``bands``: 1-based bands to change (default all); the others are copied.
      A pixel is changed when it is inside a region and finite in every
      selected band; the mask (uint8) is 1 there, 255 where a selected band
      is no data, 0 elsewhere.
    - Regions: ``polygons`` (pixel (x, y) vertices; polygon k is region
      k + 1, later ones win where they overlap) or ``labels_path``, a raster
      on the input's grid whose values > 0 label the regions.
    - ``scale``: how the raster is stored (``core.engine.scale``).

    A changed value equal to the output's no-data value is moved to the next
    float32 up. Outputs keep the input's grid, CRS, no data and band
    descriptions. Returns a dict: ``labelled`` (pixels inside a region),
    ``changed`` (pixels changed) and ``regions``, one dict per region that
    has a changed pixel (``label``, ``pixels``, ``before_db``, ``after_db``:
    band means of the first selected band in dB, as ``injection.inject``).
    """
    if scale not in scales.SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {scales.SCALES}")
    if (polygons is None) == (labels_path is None):
        raise ValueError("give the change regions as polygons or as a label raster (one of them)")
    info = read_info(src_path)
    bands = list(range(1, info.bands + 1)) if bands is None else sorted(set(bands))
    selected = np.array(bands) - 1
    nodata = output_nodata(info)
    shape = (info.ysize, info.xsize)
    sums = {}
    totals = {"labelled": 0, "changed": 0}
    lock = threading.Lock()

    def func(data, window):
        image = data[:info.bands]
        if polygons is not None:
            labels = injection.label_polygons(polygons, shape, window.core)
        else:
            labels = np.where(data[info.bands] > 0, data[info.bands], 0).astype(np.int32)
        valid = np.all(np.isfinite(image[selected]), axis=0)
        changed = (labels > 0) & valid
        out = image.copy()
        for b in selected:
            out[b] = injection.offset_change(image[b], changed, offset_db, scale)
        if np.isfinite(nodata):  # a changed value must not become the no-data value
            clash = changed[None] & (out == np.float32(nodata))
            out[clash] = np.nextafter(np.float32(nodata), np.float32(np.inf))
        mask = np.where(valid, np.where(changed, injection.CHANGED, injection.UNCHANGED), injection.NO_DATA)
        _add_region_sums(sums, lock, labels, changed, image[selected[0]], out[selected[0]], scale)
        with lock:
            totals["labelled"] += int((labels > 0).sum())
            totals["changed"] += int(changed.sum())
        return np.concatenate([out, mask[None].astype(np.float32)])

    # Both read as stored (palette indices too): the polygon mode reads ``src_path`` directly, and the
    # labels are values, not colours.
    stacked = stack_vrt([src_path, labels_path], raw=(0, 1)) if labels_path is not None else src_path
    read_bands = list(range(1, info.bands + 1)) + ([info.bands + 1] if labels_path is not None else [])
    targets = [OutputRaster(dst_path, info.bands, list(info.descriptions), nodata),
               OutputRaster(mask_path, 1, [MASK_DESCRIPTION], float(injection.NO_DATA), gdal.GDT_Byte)]
    try:
        map_raster_outputs(stacked, targets, func, 0, bands=read_bands, block=block, threads=threads,
                           progress=progress, is_canceled=is_canceled, with_window=True)
    finally:
        if labels_path is not None:
            gdal.Unlink(stacked)
    regions = [{"label": label, "pixels": n, "before_db": _db(before / n), "after_db": _db(after / n)}
               for label, (n, before, after) in sorted(sums.items())]
    return dict(totals, regions=regions)


def _add_region_sums(sums, lock, labels, changed, before, after, scale):
    """Add each region's changed pixel count and summed linear power (before, after) to ``sums``."""
    if not changed.any():
        return
    ids = labels[changed]
    p0 = scales.to_linear_power(before[changed], scale).astype(np.float64)
    p1 = scales.to_linear_power(after[changed], scale).astype(np.float64)
    found = np.unique(ids)
    counts = np.bincount(np.searchsorted(found, ids), minlength=found.size)
    s0 = np.bincount(np.searchsorted(found, ids), weights=p0, minlength=found.size)
    s1 = np.bincount(np.searchsorted(found, ids), weights=p1, minlength=found.size)
    with lock:
        for k, label in enumerate(found.tolist()):
            n, a, b = sums.get(label, (0, 0.0, 0.0))
            sums[label] = (n + int(counts[k]), a + float(s0[k]), b + float(s1[k]))


def _db(power):
    """10 log10 of a mean linear power (NaN when not positive)."""
    return float(10.0 * np.log10(power)) if power > 0 else float("nan")


def read_target_mask(path, info):
    """bool target-class mask from the raster at ``path`` (non-zero, valid pixels of band 1).

    It must lie on ``info``'s grid; RasterError naming the fix otherwise, or
    when it has no non-zero pixel.
    """
    from ..engine.validation import grid_problem

    other = read_info(path)
    problem = grid_problem(other, info)
    if problem:
        raise RasterError(f"the target class mask ({problem}) is not on the grid of the input "
                          f"({info.xsize} x {info.ysize}): resample it onto the input grid first")
    values = read_array(path, 1)
    target = np.isfinite(values) & (values != 0)
    if not target.any():
        raise RasterError("the target class mask has no non-zero pixel")
    return target


def inject_whole_raster(src_path, dst_path, mask_path, scale, regions, bands=None, mode=injection.STATISTICAL,
                        offset_db=-2.5, rng=None, target_mask_path=None, joint=False):
    """``injection.inject`` on the whole raster at ``src_path``: read, change, write both outputs.

    The statistical change maps every pixel of a region (and of its target
    class) at once, so the raster is held in memory (about 4 bytes per pixel
    and band, plus the copies ``inject`` makes). ``regions``: pixel polygons
    or an int label image (> 0: regions) of the raster's shape;
    ``target_mask_path``: a raster on the grid whose non-zero pixels are the
    target class (``read_target_mask``); ``rng``: the Generator that placed
    the blobs, so that a seed gives one result. Outputs, nodata handling and
    the returned dict as ``inject_offset_raster``.
    """
    info = read_info(src_path)
    bands = list(range(1, info.bands + 1)) if bands is None else sorted(set(bands))
    data = np.stack([read_array(src_path, b) for b in range(1, info.bands + 1)])
    selected = np.array(bands) - 1
    target = read_target_mask(target_mask_path, info) if target_mask_path is not None else None
    details = []
    changed, mask = injection.inject(data[selected], scale, regions, mode, offset_db, rng, target_mask=target,
                                     joint=joint, details=details)
    nodata = output_nodata(info)
    if np.isfinite(nodata):  # a changed value must not become the no-data value
        clash = (mask == injection.CHANGED)[None] & (changed == np.float32(nodata))
        changed[clash] = np.nextafter(np.float32(nodata), np.float32(np.inf))
    data[selected] = changed  # ``data`` is this function's own copy of the input
    del changed
    write_array(dst_path, data, like=src_path, nodata=nodata, descriptions=info.descriptions)
    write_single_band(mask_path, mask, info, gdal.GDT_Byte, injection.NO_DATA, MASK_DESCRIPTION)
    labelled = (regions > 0).sum() if isinstance(regions, np.ndarray) else (
        injection.label_polygons(regions, (info.ysize, info.xsize)) > 0).sum()
    return {"labelled": int(labelled), "changed": int((mask == injection.CHANGED).sum()), "regions": details}
