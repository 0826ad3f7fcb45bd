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
input is opened read-only. Reads, compute and writes overlap: a reader thread
reads blocks ahead, a small pool computes them (numpy and scipy release the
GIL) and the calling thread writes them in order (``stream_blocks``). GDAL's
block cache is capped while the engine runs (``gdal_cache_budget``), so peak
memory does not depend on GDAL_CACHEMAX.
"""
import contextlib
import os
import queue
import threading
import uuid
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from . import outputs, palette
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
    ``margin`` pixels and clipped to the image. ``block`` and ``margin`` are
    pixels, or ``(x, y)`` pairs for blocks and margins that differ along
    columns and rows (e.g. a reach along one direction).
    """
    bx, by = (block, block) if np.ndim(block) == 0 else block
    mx, my = (margin, margin) if np.ndim(margin) == 0 else margin
    if min(bx, by) < 1 or min(mx, my) < 0:
        raise ValueError("block must be >= 1 and margin >= 0")
    out = []
    for y in range(0, ysize, by):
        h = min(by, ysize - y)
        for x in range(0, xsize, bx):
            w = min(bx, xsize - x)
            rx, ry = max(x - mx, 0), max(y - my, 0)
            rw = min(x + w + mx, xsize) - rx
            rh = min(y + h + my, ysize) - ry
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


def create_like(path, info, bands, nodata, descriptions, creation_options=None, gdal_type=gdal.GDT_Float32):
    """Create a GeoTIFF (float32 unless ``gdal_type``) on ``info``'s grid and CRS; returns the dataset."""
    driver = gdal.GetDriverByName("GTiff")
    ds = driver.Create(str(path), info.xsize, info.ysize, bands, gdal_type,
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
    (NaN when the input has none). A palette band (colour table) is read as
    grey levels through ``stack_vrt`` (its no-data index, if any, becomes NaN
    and the output's no-data value NaN); the output is float32 with no colour
    table. Returns ``dst_path``.
    """
    if all(lut is None for lut in palette_luts(src_path)):
        return _filter_raster(src_path, dst_path, func, margin, bands, block, threads, progress, is_canceled,
                              creation_options, descriptions)
    vrt = stack_vrt([src_path])
    try:
        _filter_raster(vrt, dst_path, func, margin, bands, block, threads, progress, is_canceled,
                       creation_options, descriptions)
    finally:
        gdal.Unlink(vrt)
    return str(dst_path)


def _filter_raster(src_path, dst_path, func, margin, bands, block, threads, progress, is_canceled,
                   creation_options, descriptions):
    """``filter_raster`` reading ``src_path`` as stored."""
    info = read_info(src_path)
    bands = _check_bands(info, bands)
    if descriptions is None:
        descriptions = [info.descriptions[b - 1] for b in bands]
    windows = block_windows(info.xsize, info.ysize, block, margin)
    jobs = [(w, [b], [i]) for w in windows for i, b in enumerate(bands)]
    target = OutputRaster(dst_path, len(bands), descriptions, output_nodata(info))
    _run_blocks(src_path, [target], info, jobs, lambda data: func(data[0])[None], threads, progress,
                is_canceled, creation_options)
    return str(dst_path)


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
    nodata = output_nodata(info) if nodata is None else float(nodata)
    map_raster_outputs(src_path, [OutputRaster(dst_path, out_bands, descriptions, nodata)], func, margin,
                       bands, block, threads, progress, is_canceled, creation_options)
    return str(dst_path)


@dataclass(frozen=True)
class OutputRaster:
    """One float32 output of ``map_raster_outputs``: path, band count, band descriptions, no-data value.

    ``path`` None: the bands are computed but not written (an output the user did not ask for).
    ``gdal_type``: the file's data type (e.g. gdal.GDT_Byte for a mask; values are cast on writing).
    """

    path: object
    bands: int
    descriptions: object = None
    nodata: float = float("nan")
    gdal_type: int = gdal.GDT_Float32


def map_raster_outputs(src_path, targets, func, margin, bands=None, block=DEFAULT_BLOCK, threads=2,
                       progress=None, is_canceled=None, creation_options=None, with_window=False,
                       prepare=None):
    """``map_raster`` with several output files: ``func`` returns the bands of every target in order.

    ``targets``: OutputRaster list; ``func(array)`` returns
    ``(sum of target bands, rows, cols)``; the first ``targets[0].bands``
    bands go to the first file, and so on (a target whose path is None is
    skipped). ``with_window``: call ``func(array, window)`` with the block's
    Window (for stages that place things by image position, e.g. polygons).
    ``prepare(array) -> array``: optional work on each block as read (e.g. a
    unit conversion), done on the reader thread, beside ``func`` on the
    previous block; ``func`` gets what it returns.
    ``block`` and ``margin``: pixels or ``(x, y)`` pairs (``block_windows``).
    All files are written together, block by block, then each is
    verified and renamed; a failure or cancel during the blocks leaves none
    of them. Returns the written paths.
    """
    info = read_info(src_path)
    bands = _check_bands(info, bands)
    windows = block_windows(info.xsize, info.ysize, block, margin)
    total = sum(t.bands for t in targets)
    jobs = [(w, bands, list(range(total))) for w in windows]
    _run_blocks(src_path, targets, info, jobs, func, threads, progress, is_canceled, creation_options,
                with_window, prepare)
    return [str(t.path) for t in targets if t.path is not None]


def stack_vrt(paths, raw=()):
    """Stack every band of co-registered rasters into one in-memory VRT (bands in order).

    All rasters must share size and geotransform; raises RasterError naming
    the one that does not (coregister or resample it onto the reference grid
    first). Band no-data values and descriptions are kept. A palette band
    (colour table, ``core.engine.palette.is_palette``) is read as grey levels:
    a ComplexSource whose LUT maps each index to its colour's luminance
    (``palette.grey_lut``), so every block read from the stack holds grey
    levels; its no-data index (if any) is the source's NODATA, those pixels
    are left at the band's no-data value, NaN (a grey level can equal the
    index value, so the index cannot stay the no-data value). ``raw``:
    positions in ``paths`` of rasters read as stored, palette or not (class
    labels, masks: there the index is the value). Other bands are plain
    SimpleSources (values bit for bit). Every band is Float32. Returns a
    /vsimem path; release it with ``gdal.Unlink(path)`` when done.
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
    for k, info in enumerate(infos):
        luts = [None] * info.bands if k in raw else palette_luts(info.path)
        for b in range(1, info.bands + 1):
            n += 1
            lut, nodata = luts[b - 1], info.nodata[b - 1]
            band = ET.SubElement(root, "VRTRasterBand", dataType="Float32", band=str(n))
            if nodata is not None:
                ET.SubElement(band, "NoDataValue").text = "nan" if lut is not None else repr(float(nodata))
            if info.descriptions[b - 1]:
                ET.SubElement(band, "Description").text = info.descriptions[b - 1]
            source = ET.SubElement(band, "SimpleSource" if lut is None else "ComplexSource")
            ET.SubElement(source, "SourceFilename", relativeToVRT="0").text = os.path.abspath(info.path)
            ET.SubElement(source, "SourceBand").text = str(b)
            if lut is not None:
                if nodata is not None:
                    ET.SubElement(source, "NODATA").text = repr(float(nodata))
                ET.SubElement(source, "LUT").text = palette.lut_text(lut)
    vrt_path = f"/vsimem/sar_change_stack_{uuid.uuid4().hex}.vrt"
    gdal.FileFromMemBuffer(vrt_path, ET.tostring(root, encoding="unicode"))
    return vrt_path


def palette_luts(path):
    """Per band of ``path``: its palette's index -> grey-level table (``palette.grey_lut``), or None."""
    ds = open_readonly(path)
    try:
        return [palette.grey_lut(ds.GetRasterBand(b)) for b in range(1, ds.RasterCount + 1)]
    except ValueError as exc:
        raise RasterError(f"{path}: {exc}") from exc
    finally:
        ds = None


def _check_bands(info, bands):
    bands = list(range(1, info.bands + 1)) if bands is None else list(bands)
    for b in bands:
        if not 1 <= b <= info.bands:
            raise RasterError(f"{info.path} has {info.bands} band(s); band {b} does not exist")
    return bands


def _run_blocks(src_path, targets, info, jobs, func, threads, progress, is_canceled, creation_options,
                with_window=False, prepare=None):
    """Shared loop: read each job's bands, compute on the pool, write, flush, verify, rename.

    ``jobs``: (window, input bands, output band indices over all targets).
    Reads, compute and writes overlap (``stream_blocks``). The outputs go
    through ``core.engine.outputs``: refused before any work when one is the input or
    its folder lacks room or write access; every GDAL write and the final
    flush are checked; on any failure (or cancel) nothing is left at any
    destination and OutputError names it.
    """
    wanted = [t for t in targets if t.path is not None]
    labels = [""] if len(wanted) == 1 else [os.path.basename(str(t.path)) for t in wanted]
    # Room per target for its own bands (one total given for all would be counted once per target).
    room = {label: raster_bytes(info.xsize, info.ysize, t.bands) for label, t in zip(labels, wanted)}
    outputs.check_targets(dict(zip(labels, (str(t.path) for t in wanted))), {"": _real_sources(src_path)},
                          room)
    # output band index (over all targets) -> (target number, band number within it)
    where = [(k, b) for k, t in enumerate(targets) for b in range(t.bands)]
    nodata = np.array([targets[k].nodata for k, _ in where], dtype=np.float64)
    total = len(where)

    def compute(job, data):
        window, _, outs = job
        with cancel_scope(is_canceled):
            result = np.asarray(func(data, window) if with_window else func(data), dtype=np.float32)
        if result.shape != (len(outs),) + data.shape[1:]:
            raise RasterError(f"block function returned shape {result.shape}, "
                              f"expected {(len(outs),) + data.shape[1:]}")
        core = result[(slice(None),) + window.crop()]
        for plane, out_index in zip(core, outs):
            if not np.isnan(nodata[out_index]):
                plane[np.isnan(plane)] = np.float32(nodata[out_index])
        return core

    last_of_window = {id(job) for job, nxt in zip(jobs, jobs[1:] + [None])
                      if nxt is None or nxt[0] != job[0]}
    with gdal_cache_budget(), contextlib.ExitStack() as stack:
        tmps = {k: stack.enter_context(outputs.raster_output(str(t.path), t.bands))
                for k, t in enumerate(targets) if t.path is not None}
        src = open_readonly(src_path)
        dsts = {k: create_like(tmp, info, targets[k].bands, targets[k].nodata, targets[k].descriptions,
                               creation_options, targets[k].gdal_type) for k, tmp in tmps.items()}
        try:
            def read(job):
                window, in_bands, _ = job
                data = np.stack([read_block(src.GetRasterBand(b), window, info.nodata[b - 1])
                                 for b in in_bands])
                if _ends_tile_row(window, info, id(job) in last_of_window):
                    src.FlushCache()  # the reader owns ``src``: only it touches its cache
                return data if prepare is None else prepare(data)

            done = 0

            def write(job, core):
                nonlocal done
                window, _, outs = job
                cx, cy, _, _ = window.core
                for plane, out_index in zip(core, outs):
                    k, b = where[out_index]
                    if k in dsts:
                        outputs.check_write(dsts[k].GetRasterBand(b + 1).WriteArray(plane, cx, cy),
                                            str(targets[k].path))
                done += 1
                if outs[-1] == total - 1 and _ends_tile_row(window, info, True):
                    release_cache(*dsts.values())
                if progress is not None:
                    progress(100.0 * done / len(jobs))

            stream_blocks(jobs, read, compute, write, threads=threads, is_canceled=is_canceled)
            release_cache(*dsts.values())
        finally:
            dsts.clear()
            src = None


def _ends_tile_row(window, info, last_of_window):
    """True when ``window`` is the last block of a row of GeoTIFF tiles (or of the image)."""
    cx, cy, cw, ch = window.core
    return last_of_window and cx + cw == info.xsize and (
        (cy + ch) % GTIFF_TILE == 0 or cy + ch == info.ysize)


def stream_blocks(jobs, read, compute, write, threads=2, is_canceled=None, depth=None):
    """Run ``read``, ``compute`` and ``write`` over ``jobs`` with the three stages overlapping.

    ``read(job) -> data`` runs on one reader thread, in job order;
    ``compute(job, data) -> result`` on a pool of ``threads`` workers (numpy,
    scipy, GDAL and onnxruntime release the GIL, so the two cores are busy
    while the reader waits on the disk); ``write(job, result)`` on the calling
    thread, in job order (so progress callbacks stay on the caller's thread).
    Each stage owns its GDAL datasets: a dataset is never shared between
    threads. At most ``depth`` (default 2 x threads) blocks are in flight
    between reader and writer, which bounds memory. ``is_canceled() -> bool``
    is checked before each read and once after the last write; cancel raises
    Cancelled. An exception in any
    stage stops the others and is raised here.
    """
    depth = max(1, depth or 2 * max(1, threads))
    handoff = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def hand(item):
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    pool = ThreadPoolExecutor(max_workers=max(1, threads))

    def reader():
        try:
            for job in jobs:
                if stop.is_set():
                    return
                if is_canceled is not None and is_canceled():
                    raise Cancelled("cancelled by the user")
                data = read(job)
                if not hand((job, pool.submit(compute, job, data))):
                    return
            hand(end)
        except BaseException as exc:  # handed to the writer, which raises it
            hand(exc)

    thread = threading.Thread(target=reader, name="sar_change-block-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = handoff.get()
            if item is end:
                break
            if isinstance(item, BaseException):
                raise item
            job, future = item
            write(job, future.result())
        if is_canceled is not None and is_canceled():  # e.g. cancelled at the last block's progress
            raise Cancelled("cancelled by the user")
    finally:
        stop.set()
        thread.join()
        while not handoff.empty():
            item = handoff.get_nowait()
            if isinstance(item, tuple):
                item[1].cancel()
        pool.shutdown(wait=True, cancel_futures=True)


DEFAULT_GDAL_CACHE_MB = 256
_cache_lock = threading.Lock()
_cache_state = {"users": 0, "saved": None}


@contextmanager
def gdal_cache_budget(megabytes=None):
    """Cap GDAL's process-wide block cache while the engine runs, restore it afterwards.

    GDAL keeps every block read or written in one cache of up to
    GDAL_CACHEMAX (5 % of RAM by default: 1.2 GB on a 24 GB machine, more on
    larger ones), so peak memory would depend on the machine. The engine
    sets the cap to ``megabytes`` (default: ``SAR_CHANGE_GDAL_CACHE_MB`` from
    the environment, else 256 MiB), never raising a lower cap the user set;
    nested or concurrent runs share one budget and the last one out restores
    the previous value.
    """
    if megabytes is None:
        megabytes = float(os.environ.get("SAR_CHANGE_GDAL_CACHE_MB", DEFAULT_GDAL_CACHE_MB))
    budget = int(megabytes * 2 ** 20)
    with _cache_lock:
        if _cache_state["users"] == 0:
            _cache_state["saved"] = gdal.GetCacheMax()
            gdal.SetCacheMax(max(16 * 2 ** 20, min(budget, _cache_state["saved"])))
        _cache_state["users"] += 1
    try:
        yield
    finally:
        with _cache_lock:
            _cache_state["users"] -= 1
            if _cache_state["users"] == 0:
                gdal.SetCacheMax(_cache_state["saved"])


@contextmanager
def translated_output(src, dst, descriptions=None, bands=None, **options):
    """Write ``dst`` as ``gdal.Translate(src, **options)``; yields the closed temporary file.

    The whole copy runs under the engine's GDAL cache cap (``gdal_cache_budget``):
    a copy reads every block of ``src``, and the default cache (GDAL_CACHEMAX,
    5 % of RAM) would otherwise fill with a full scene's blocks (1.8-1.9 GB
    peak on 25,000 x 17,000 px, benchmarks/scale.py). ``descriptions`` name the
    bands. The body of the ``with`` may finish the temporary file (masks,
    palettes) still under the cap; the file is then checked, read back and
    renamed onto ``dst`` (``outputs.raster_output``, with ``bands`` bands when
    given); any failure leaves nothing at ``dst`` and raises OutputError.
    ``options`` are gdal.TranslateOptions keywords (format GeoTIFF unless given).
    """
    options.setdefault("format", "GTiff")
    with gdal_cache_budget(), outputs.raster_output(dst, bands) as tmp:
        ds = outputs.check_created(gdal.Translate(tmp, str(src), **options), dst)
        for i, text in enumerate(descriptions or (), start=1):
            ds.GetRasterBand(i).SetDescription(text)
        ds.FlushCache()
        ds = None  # closed: flushed before the body and the rename
        yield tmp


def translate_output(src, dst, descriptions=None, bands=None, **options):
    """``translated_output`` with nothing more to do on the copy; returns ``dst``."""
    with translated_output(src, dst, descriptions, bands, **options):
        pass
    return dst


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
    through ``core.engine.outputs`` (temporary file, checked writes, verified, renamed).
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
