"""Block engine: stream a raster through a numpy function, block by block.

Each block is read with an overlap margin (clipped at the image edge), no data
is turned into NaN, the function is applied per band, the margin is cropped
and the core is written. Since every filter in ``core`` treats pixels outside
its array as no data, a block touching the image edge sees exactly what the
whole image would show there, and a margin >= the filter's reach makes the
interior exact: a tiled run equals the untiled run bit for bit.

Memory is bounded by the block size (a few blocks in flight), not the image.
Output is a tiled, compressed GeoTIFF (BIGTIFF when needed) written under a
temporary name in the destination folder and renamed only on success; the
input is opened read-only. Blocks are computed on a small thread pool (numpy
and scipy release the GIL); GDAL I/O stays on the calling thread.
"""
import os
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from . import outputs
from .cancel import Cancelled, cancel_scope  # noqa: F401  (Cancelled re-exported)
from .outputs import OutputError  # noqa: F401  (re-exported: writers raise it)

DEFAULT_BLOCK = 512
GTIFF_TILE = 512


class RasterError(ValueError):
    """A raster cannot be read or written; the message names the file and the fix."""


@dataclass(frozen=True)
class Window:
    """A block: ``core`` is written, ``read`` (core plus margin, clipped) is read.

    Offsets and sizes in pixels: (x offset, y offset, width, height).
    """

    core: tuple
    read: tuple

    def crop(self):
        """Slices that cut the core out of an array shaped like ``read``."""
        cx, cy, cw, ch = self.core
        rx, ry, _, _ = self.read
        return slice(cy - ry, cy - ry + ch), slice(cx - rx, cx - rx + cw)


@dataclass(frozen=True)
class RasterInfo:
    """What the engine needs to know of a raster and copies to its output."""

    path: str
    xsize: int
    ysize: int
    bands: int
    geotransform: tuple
    projection: str
    nodata: tuple
    descriptions: tuple


def open_readonly(path):
    """Open ``path`` read-only with GDAL or raise RasterError naming it."""
    try:
        ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:  # GDAL exceptions enabled by someone else
        raise RasterError(f"cannot open raster {path}: {exc}") from exc
    if ds is None:
        raise RasterError(f"cannot open {path} as a raster: check the path and the format")
    if ds.RasterCount < 1 or ds.RasterXSize < 1 or ds.RasterYSize < 1:
        raise RasterError(f"raster {path} is empty (no band or no pixel)")
    return ds


def read_info(path):
    """Return the RasterInfo of ``path``."""
    ds = open_readonly(path)
    bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
    return RasterInfo(
        path=str(path),
        xsize=ds.RasterXSize,
        ysize=ds.RasterYSize,
        bands=ds.RasterCount,
        geotransform=tuple(ds.GetGeoTransform(can_return_null=True) or ()),
        projection=ds.GetProjection() or "",
        nodata=tuple(b.GetNoDataValue() for b in bands),
        descriptions=tuple(b.GetDescription() or "" for b in bands),
    )


def block_windows(xsize, ysize, block=DEFAULT_BLOCK, margin=0):
    """Cover a ``xsize`` x ``ysize`` image with blocks of ``block`` pixels.

    Returns Windows in row-major order; each read window is the core grown by
    ``margin`` pixels and clipped to the image.
    """
    if block < 1 or margin < 0:
        raise ValueError("block must be >= 1 and margin >= 0")
    out = []
    for y in range(0, ysize, block):
        h = min(block, ysize - y)
        for x in range(0, xsize, block):
            w = min(block, xsize - x)
            rx, ry = max(x - margin, 0), max(y - margin, 0)
            rw = min(x + w + margin, xsize) - rx
            rh = min(y + h + margin, ysize) - ry
            out.append(Window((x, y, w, h), (rx, ry, rw, rh)))
    return out


def read_block(band, window, nodata):
    """Read ``window.read`` of a GDAL band as float32 with no data (and inf) as NaN."""
    rx, ry, rw, rh = window.read
    data = band.ReadAsArray(rx, ry, rw, rh)
    if data is None:
        raise RasterError(f"cannot read block {window.read} of {band.GetDataset().GetDescription()}: the "
                          "file is damaged or cut short; re-create the file (or copy it again)")
    data = data.astype(np.float32, copy=False)
    invalid = ~np.isfinite(data)
    if nodata is not None and not np.isnan(nodata):
        invalid |= data == np.float32(nodata)
    if invalid.any():
        data = data.copy() if not data.flags.writeable else data
        data[invalid] = np.nan
    return data


def read_array(path, band=1):
    """Read a whole band as float32 with no data as NaN (small rasters, tests)."""
    info = read_info(path)
    ds = open_readonly(path)
    win = Window((0, 0, info.xsize, info.ysize), (0, 0, info.xsize, info.ysize))
    return read_block(ds.GetRasterBand(band), win, info.nodata[band - 1])


def geotiff_options(compress=None):
    """Creation options: tiled, compressed (ZSTD level 1 if GDAL has it, else DEFLATE)."""
    meta = gdal.GetDriverByName("GTiff").GetMetadataItem("DMD_CREATIONOPTIONLIST") or ""
    if compress is None:
        compress = "ZSTD" if "ZSTD" in meta else "DEFLATE"
    opts = [
        "TILED=YES",
        f"BLOCKXSIZE={GTIFF_TILE}",
        f"BLOCKYSIZE={GTIFF_TILE}",
        f"COMPRESS={compress}",
        "BIGTIFF=IF_SAFER",
        "NUM_THREADS=ALL_CPUS",
    ]
    opts.append("ZSTD_LEVEL=1" if compress == "ZSTD" else "ZLEVEL=1")
    return opts


def temporary_path(dst_path):
    """A unique temporary file name beside ``dst_path`` (same folder, same disk)."""
    return outputs.temporary_path(dst_path)


def raster_bytes(xsize, ysize, bands, bytes_per_pixel=4):
    """Uncompressed size (bytes) of a raster: the room an output needs at worst."""
    return int(xsize) * int(ysize) * int(bands) * int(bytes_per_pixel)


def create_like(path, info, bands, nodata, descriptions, creation_options=None):
    """Create a float32 GeoTIFF on ``info``'s grid and CRS; returns the dataset."""
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(str(path), info.xsize, info.ysize, bands, gdal.GDT_Float32,
                       creation_options or geotiff_options())
    outputs.check_created(ds, path)
    if info.geotransform:
        ds.SetGeoTransform(info.geotransform)
    if info.projection:
        ds.SetProjection(info.projection)
    for i in range(bands):
        band = ds.GetRasterBand(i + 1)
        if nodata is not None:
            band.SetNoDataValue(float(nodata))
        if descriptions and i < len(descriptions) and descriptions[i]:
            band.SetDescription(descriptions[i])
    return ds


def output_nodata(info):
    """No-data value for a float32 output: the first band's, else NaN."""
    value = next((v for v in info.nodata if v is not None), None)
    return float("nan") if value is None else float(value)


def release_cache(*datasets):
    """Write and drop the GDAL block cache of ``datasets``.

    GDAL keeps every block it read or was given in a process-wide cache of up
    to GDAL_CACHEMAX (5 % of RAM by default: 1.2 GB on a 24 GB machine), so a
    full scene would fill it. FlushCache writes dirty blocks and frees them;
    calling it after each completed row of output tiles bounds memory by the
    block size. Only whole tile rows are flushed, so no tile is compressed twice.
    """
    for ds in datasets:
        ds.FlushCache()


def filter_raster(src_path, dst_path, func, margin, bands=None, block=DEFAULT_BLOCK,
                  threads=2, progress=None, is_canceled=None, creation_options=None,
                  descriptions=None):
    """Apply ``func`` to every band of ``src_path`` block by block; write ``dst_path``.

    ``func(array) -> array``: 2-D float32 (NaN = no data) in, same-shape array
    out; it must only look ``margin`` pixels around a pixel and treat pixels
    outside its array as no data. ``bands``: 1-based band numbers (default
    all). ``progress(percent)`` and ``is_canceled() -> bool`` are optional
    callbacks; cancel stops within one block, removes the partial file and
    raises Cancelled. NaN results are written as the input's no-data value
    (NaN when the input has none). Returns ``dst_path``.
    """
    info = read_info(src_path)
    bands = _check_bands(info, bands)
    if descriptions is None:
        descriptions = [info.descriptions[b - 1] for b in bands]
    windows = block_windows(info.xsize, info.ysize, block, margin)
    jobs = [(w, [b], [i]) for w in windows for i, b in enumerate(bands)]
    return _run_blocks(src_path, dst_path, info, jobs, lambda data: func(data[0])[None],
                       len(bands), descriptions, output_nodata(info), threads, progress,
                       is_canceled, creation_options)


def map_raster(src_path, dst_path, func, margin, out_bands, bands=None, block=DEFAULT_BLOCK,
               threads=2, progress=None, is_canceled=None, creation_options=None,
               descriptions=None, nodata=None):
    """Apply a multi-band ``func`` block by block: all ``bands`` in, ``out_bands`` out.

    ``func(array) -> array``: float32 ``(len(bands), rows, cols)`` with NaN as
    no data in, ``(out_bands, rows, cols)`` out, same reach rules as in
    ``filter_raster``. Use it for stages that combine bands, e.g. two dates
    stacked in a VRT (see ``stack_vrt``). ``nodata``: the output's no-data
    value (default: the input's, else NaN). Returns ``dst_path``.
    """
    info = read_info(src_path)
    bands = _check_bands(info, bands)
    windows = block_windows(info.xsize, info.ysize, block, margin)
    jobs = [(w, bands, list(range(out_bands))) for w in windows]
    nodata = output_nodata(info) if nodata is None else float(nodata)
    return _run_blocks(src_path, dst_path, info, jobs, func, out_bands, descriptions, nodata,
                       threads, progress, is_canceled, creation_options)


def stack_vrt(paths):
    """Stack every band of co-registered rasters into one in-memory VRT (bands in order).

    All rasters must share size and geotransform; raises RasterError naming
    the one that does not (coregister or resample it onto the reference grid
    first). Band no-data values and descriptions are kept. Returns a /vsimem
    path; release it with ``gdal.Unlink(path)`` when done.
    """
    from .validation import grid_problem

    infos = [read_info(p) for p in paths]
    ref = infos[0]
    for info in infos[1:]:
        problem = grid_problem(info, ref)
        if problem:
            raise RasterError(
                f"{info.path} is not on the grid of {ref.path} ({problem}): coregister or resample it "
                "onto the reference grid first")
    root = ET.Element("VRTDataset", rasterXSize=str(ref.xsize), rasterYSize=str(ref.ysize))
    if ref.projection:
        ET.SubElement(root, "SRS").text = ref.projection
    if ref.geotransform:
        ET.SubElement(root, "GeoTransform").text = ", ".join(repr(v) for v in ref.geotransform)
    n = 0
    for info in infos:
        for b in range(1, info.bands + 1):
            n += 1
            band = ET.SubElement(root, "VRTRasterBand", dataType="Float32", band=str(n))
            if info.nodata[b - 1] is not None:
                ET.SubElement(band, "NoDataValue").text = repr(float(info.nodata[b - 1]))
            if info.descriptions[b - 1]:
                ET.SubElement(band, "Description").text = info.descriptions[b - 1]
            source = ET.SubElement(band, "SimpleSource")
            ET.SubElement(source, "SourceFilename", relativeToVRT="0").text = os.path.abspath(info.path)
            ET.SubElement(source, "SourceBand").text = str(b)
    vrt_path = f"/vsimem/sar_change_stack_{uuid.uuid4().hex}.vrt"
    gdal.FileFromMemBuffer(vrt_path, ET.tostring(root, encoding="unicode"))
    return vrt_path


def _check_bands(info, bands):
    bands = list(range(1, info.bands + 1)) if bands is None else list(bands)
    for b in bands:
        if not 1 <= b <= info.bands:
            raise RasterError(f"{info.path} has {info.bands} band(s); band {b} does not exist")
    return bands


def _run_blocks(src_path, dst_path, info, jobs, func, out_count, descriptions, nodata, threads,
                progress, is_canceled, creation_options):
    """Shared loop: read each job's bands, compute on the pool, write, flush, verify, rename.

    The output goes through ``core.outputs``: refused before any work when it
    is the input or its folder lacks room or write access; every GDAL write
    and the final flush are checked; on any failure (or cancel) nothing is
    left at ``dst_path`` and OutputError names it.
    """
    dst_path = str(dst_path)
    outputs.check_targets({"": dst_path}, {"": _real_sources(src_path)},
                          raster_bytes(info.xsize, info.ysize, out_count))
    src = open_readonly(src_path)

    def compute(data, window, n_out):
        with cancel_scope(is_canceled):
            result = np.asarray(func(data), dtype=np.float32)
        if result.shape != (n_out,) + data.shape[1:]:
            raise RasterError(f"block function returned shape {result.shape}, "
                              f"expected {(n_out,) + data.shape[1:]}")
        core = result[(slice(None),) + window.crop()]
        if not np.isnan(nodata):
            core = np.where(np.isnan(core), np.float32(nodata), core)
        return core

    with outputs.raster_output(dst_path, out_count) as tmp:
        dst = create_like(tmp, info, out_count, nodata, descriptions, creation_options)
        try:
            with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
                pending = []
                done = 0

                def drain(limit):
                    nonlocal done
                    while len(pending) > limit:
                        fut, window, outs = pending.pop(0)
                        cx, cy, cw, ch = window.core
                        for plane, out_index in zip(fut.result(), outs):
                            outputs.check_write(
                                dst.GetRasterBand(out_index + 1).WriteArray(plane, cx, cy), dst_path)
                        done += 1
                        if cx + cw == info.xsize and outs[-1] == out_count - 1 and (
                                (cy + ch) % GTIFF_TILE == 0 or cy + ch == info.ysize):
                            release_cache(src, dst)
                        if progress is not None:
                            progress(100.0 * done / len(jobs))

                try:
                    for window, in_bands, outs in jobs:
                        if is_canceled is not None and is_canceled():
                            raise Cancelled("cancelled by the user")
                        data = np.stack([read_block(src.GetRasterBand(b), window, info.nodata[b - 1])
                                         for b in in_bands])
                        pending.append((pool.submit(compute, data, window, len(outs)), window, outs))
                        drain(2 * max(1, threads))
                    drain(0)
                finally:
                    for fut, _, _ in pending:
                        fut.cancel()
            dst.FlushCache()
        finally:
            dst = None
            src = None
    return dst_path


def _real_sources(src_path):
    """The files behind ``src_path``: itself, or the sources of an in-memory stack VRT."""
    path = str(src_path)
    if not path.startswith("/vsimem/"):
        return [path]
    ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    files = list(ds.GetFileList() or []) if ds is not None else []
    return [f for f in files if not f.startswith("/vsimem/")]


def write_single_band(path, array, info, gdal_type, nodata, description):
    """Write a 2-D ``array`` as one band of GDAL type ``gdal_type`` on ``info``'s grid and CRS.

    ``nodata`` (or None) and ``description`` are set on the band; written
    through ``core.outputs`` (temporary file, checked writes, verified, renamed).
    Returns ``path``.
    """
    path = str(path)
    with outputs.raster_output(path, 1) as tmp:
        ds = outputs.check_created(gdal.GetDriverByName("GTiff").Create(
            tmp, info.xsize, info.ysize, 1, gdal_type, geotiff_options()), path)
        try:
            if info.geotransform:
                ds.SetGeoTransform(info.geotransform)
            if info.projection:
                ds.SetProjection(info.projection)
            band = ds.GetRasterBand(1)
            if nodata is not None:
                band.SetNoDataValue(float(nodata))
            band.SetDescription(description)
            outputs.check_write(band.WriteArray(array), path)
            ds.FlushCache()
        finally:
            band = ds = None
    return path


def write_array(path, array, like=None, nodata=None, descriptions=None):
    """Write a 2-D or (bands, rows, cols) float32 array to a GeoTIFF.

    Grid and CRS are copied from the raster at ``like`` when given. Used by
    the demo and tests for small rasters; large outputs go through filter_raster.
    """
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 2:
        array = array[None]
    if like is not None:
        ref = read_info(like)
        info = RasterInfo(str(path), array.shape[2], array.shape[1], array.shape[0],
                          ref.geotransform, ref.projection, (), ())
    else:
        info = RasterInfo(str(path), array.shape[2], array.shape[1], array.shape[0], (), "", (), ())
    outputs.check_targets({"": str(path)}, {"": like} if like is not None else {},
                          array.nbytes)
    with outputs.raster_output(path, array.shape[0]) as tmp:
        ds = create_like(tmp, info, array.shape[0], nodata, descriptions)
        for i, band in enumerate(array):
            data = band if nodata is None else np.where(np.isnan(band), np.float32(nodata), band)
            outputs.check_write(ds.GetRasterBand(i + 1).WriteArray(data), path)
        ds.FlushCache()
        ds = None
    return str(path)
