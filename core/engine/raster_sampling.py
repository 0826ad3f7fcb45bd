"""Whole-raster checks from bounded samples (QGIS-free, through osgeo.gdal).

Input checks (scale, content) read a few of the file's own blocks spread
over the raster (``block_sample``); thresholds fit on a spatially uniform
decimated sample (``decimated_band``, which touches every tile once and is
cached); the image ENL reads a fixed number of windows spread over the
raster. Checks and ENL cost the same on a 300 x 300 test image and on a full
Sentinel-1 scene.
"""
import os
import statistics
import threading

import numpy as np

from ..speckle import enl as enl_stats
from . import palette, validation
from . import scale as scales
from .raster_blocks import (
    Cancelled,
    RasterError,
    Window,
    block_windows,
    gdal_cache_budget,
    open_readonly,
    read_block,
)

#: Pixels read (at most) for the scale check.
SCALE_SAMPLE_PIXELS = 1_000_000
#: Whole-image ENL: number and side (pixels) of the sample windows.
ENL_SAMPLE_WINDOWS = 32
ENL_SAMPLE_SIZE = 256
#: Side of the local windows whose CV^2 feed ``core.speckle.enl.estimate_enl``.
ENL_LOCAL_WINDOW = 9


def decimated_band(dataset, band_number, max_pixels=SCALE_SAMPLE_PIXELS):
    """Read band ``band_number`` decimated to at most ``max_pixels``; no data as NaN.

    A spatially uniform sample (thresholds are fitted on it). A decimated read
    touches every tile of the file (about 1 s per band of a full scene), so
    samples of files on disk are kept in a small cache keyed by the file's
    path, size and modification time, read once at no fewer than
    SCALE_SAMPLE_PIXELS and strided down for smaller requests. The caller
    gets its own copy. Input checks that need no spatial uniformity read
    ``block_sample`` instead (a few natural blocks of the file). A palette
    band's sample is its grey levels (``core.engine.palette.grey``), as
    ``raster_blocks.stack_vrt`` reads it for the algorithms (a decimated read
    takes the nearest pixel, so the index is looked up after decimation).
    """
    xs, ys = dataset.RasterXSize, dataset.RasterYSize
    read_pixels = max(int(max_pixels), SCALE_SAMPLE_PIXELS)
    step = max(1.0, float(np.sqrt(xs * ys / read_pixels)))
    bx, by = max(1, int(xs / step)), max(1, int(ys / step))
    key = _sample_key(dataset, band_number, ("decimated", bx, by))
    data = _cached(key)
    if data is None:
        band = dataset.GetRasterBand(band_number)
        with gdal_cache_budget():  # a decimated read touches every tile: keep GDAL's cache bounded
            data = band.ReadAsArray(0, 0, xs, ys, buf_xsize=bx, buf_ysize=by)
            dataset.FlushCache()  # and drop the blocks it cached (read-only: nothing is written)
        data = palette.grey(band, _with_nan(_read_ok(data, band), band.GetNoDataValue()))
        _remember(key, data)
    stride = max(1, int(np.sqrt(data.size / max(1, int(max_pixels)))))
    while -(-data.shape[0] // stride) * -(-data.shape[1] // stride) > max_pixels:
        stride += 1
    return data[::stride, ::stride].copy() if stride > 1 else data.copy()


#: Natural blocks of the file read by ``block_sample``, spread evenly over the raster.
BLOCK_SAMPLE_BLOCKS = 64


def block_sample(dataset, band_number, max_pixels=SCALE_SAMPLE_PIXELS):
    """About ``max_pixels`` values of band ``band_number`` from whole natural blocks; no data as NaN.

    For input checks (scale, content, medians): it reads BLOCK_SAMPLE_BLOCKS
    of the file's own blocks (tiles or strips) spread evenly over the raster,
    so its cost does not grow with the scene (a decimated read touches every
    tile of the file). A raster no larger than ``max_pixels``, or with no more
    than BLOCK_SAMPLE_BLOCKS blocks (the sample would read all of them), is
    read through ``decimated_band`` instead. Returns a 1-D float32 array of at most
    ``max_pixels`` values; like ``decimated_band`` the blocks are read once per
    band (at no fewer than SCALE_SAMPLE_PIXELS, cached) and smaller requests
    stride that sample; the caller gets its own copy. A complex band's sample
    is its magnitude (``_with_nan``). A palette band's sample is its grey
    levels (``core.engine.palette.grey``), as ``raster_blocks.stack_vrt``
    reads it for the algorithms.
    """
    xs, ys = dataset.RasterXSize, dataset.RasterYSize
    band = dataset.GetRasterBand(band_number)
    bw, bh = (min(v, n) for v, n in zip(band.GetBlockSize(), (xs, ys)))
    nbx, nby = -(-xs // bw), -(-ys // bh)
    if xs * ys <= max_pixels or nbx * nby <= BLOCK_SAMPLE_BLOCKS:
        return decimated_band(dataset, band_number, max_pixels).ravel()  # grey levels already
    read_pixels = max(int(max_pixels), SCALE_SAMPLE_PIXELS)
    key = _sample_key(dataset, band_number, ("blocks", bw, bh, read_pixels))
    data = _cached(key)
    if data is None:
        gx, gy = spread_grid(nbx, nby, BLOCK_SAMPLE_BLOCKS)
        per_block = max(1, read_pixels // (gx * gy))
        nodata = band.GetNoDataValue()
        parts = []
        with gdal_cache_budget():
            for j in np.linspace(0, nby - 1, gy).round().astype(int):
                for i in np.linspace(0, nbx - 1, gx).round().astype(int):
                    x, y = int(i) * bw, int(j) * bh
                    values = band.ReadAsArray(x, y, min(bw, xs - x), min(bh, ys - y))
                    values = _read_ok(values, band).ravel()
                    parts.append(values[::max(1, -(-values.size // per_block))])
            dataset.FlushCache()
        data = palette.grey(band, _with_nan(np.concatenate(parts), nodata))
        _remember(key, data)
    stride = -(-data.size // max(1, int(max_pixels)))
    return data[::stride].copy() if stride > 1 else data.copy()


def _read_ok(data, band):
    """``data`` read from ``band``; RasterError naming the file when the read failed (None)."""
    if data is None:
        raise RasterError(f"cannot read band {band.GetBand()} of {band.GetDataset().GetDescription()}: the "
                          "file is damaged or cut short; re-create the file (or copy it again)")
    return data


def _with_nan(values, nodata):
    """float32 copy of ``values`` with the no-data value as NaN.

    Complex values (an SLC band) become their magnitude |z|, NaN where a part
    is not finite or the real part equals the no-data value (as GDAL's no-data
    mask of a complex band): the input checks see which samples are valid or
    constant without casting the imaginary part away.
    """
    if np.iscomplexobj(values):
        data = np.abs(values).astype(np.float32)
        invalid = ~np.isfinite(values)
        if nodata is not None and not np.isnan(nodata):
            invalid |= values.real.astype(np.float32) == np.float32(nodata)
        data[invalid] = np.nan
        return data
    data = values.astype(np.float32)
    if nodata is not None and not np.isnan(nodata):
        data[data == np.float32(nodata)] = np.nan
    return data


def _cached(key):
    if key is None:
        return None
    with _samples_lock:
        return _samples.get(key)


def _remember(key, data):
    if key is None:
        return
    with _samples_lock:
        _samples[key] = data.copy()
        while len(_samples) > SAMPLE_CACHE_ENTRIES:
            _samples.pop(next(iter(_samples)))


#: Samples kept (decimated or block samples, at most about SCALE_SAMPLE_PIXELS float32 each: 4 MB).
SAMPLE_CACHE_ENTRIES = 8
_samples = {}
_samples_lock = threading.Lock()


def _sample_key(dataset, band_number, kind):
    """Cache key of a sample: the file's identity, the band and ``kind`` (how it was read); None if not a
    file."""
    path = dataset.GetDescription()
    try:
        stat = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None  # in-memory or virtual: not cached
    if path.lower().endswith(".vrt"):
        return None  # its sources may change without the VRT changing
    return (os.path.realpath(path), stat.st_size, stat.st_mtime_ns, band_number, kind)


def check_input_scale(path, scale, bands=None):
    """Check the declared ``scale`` both ways on a sample of each band (``block_sample``).

    Rules: ``core.engine.validation.scale_problem`` (dB declared linear, linear
    declared dB, negative power). Raises ValueError naming the band and the fix.
    """
    dataset = open_readonly(path)
    bands = list(range(1, dataset.RasterCount + 1) if bands is None else bands)
    budget = max(10_000, SCALE_SAMPLE_PIXELS // max(1, len(bands)))
    for b in bands:
        problem = validation.scale_problem(block_sample(dataset, b, budget), scale)
        if problem:
            where = f"band {b}: " if len(bands) > 1 else ""
            raise ValueError(where + problem)


def band_has_valid_pixel(dataset, band_number):
    """True when band ``band_number`` holds a finite, non-no-data pixel (sample first, then blocks)."""
    if np.isfinite(block_sample(dataset, band_number)).any():
        return True
    if dataset.RasterXSize * dataset.RasterYSize <= SCALE_SAMPLE_PIXELS:
        return False  # the sample was the whole band
    band = dataset.GetRasterBand(band_number)
    nodata = band.GetNoDataValue()
    for window in block_windows(dataset.RasterXSize, dataset.RasterYSize, 1024):
        values = _read_ok(band.ReadAsArray(*window.read), band)
        if np.isfinite(_with_nan(values, nodata)).any():
            return True
    return False


def check_input_content(path, bands=None, allow_constant=True):
    """Raise ValueError when a band holds no valid pixel (or is constant and that is not allowed)."""
    dataset = open_readonly(path)
    bands = list(range(1, dataset.RasterCount + 1) if bands is None else bands)
    for b in bands:
        where = f"band {b}: " if len(bands) > 1 else ""
        if not band_has_valid_pixel(dataset, b):
            raise ValueError(where + validation.content_problem([]))
        if not allow_constant:
            problem = validation.content_problem(block_sample(dataset, b), allow_constant=False)
            if problem:
                raise ValueError(where + problem)


def spread_grid(nx, ny, count):
    """``(gx, gy)``: a grid of at most ``count`` cells (gx * gy <= count) shaped like ``nx`` x ``ny``
    cells (blocks or windows), gx <= nx and gy <= ny, to spread samples evenly over a raster."""
    gy = int(min(ny, count, max(1, round(np.sqrt(count * ny / nx)))))
    return int(min(nx, max(1, count // gy))), gy


def sample_windows(xsize, ysize, size=ENL_SAMPLE_SIZE, count=ENL_SAMPLE_WINDOWS):
    """Up to ``count`` windows of ``size`` pixels spread evenly over the image.

    A small image is simply covered by its tiles. Returns core Windows with
    ``core == read`` (no margin).
    """
    nx, ny = -(-xsize // size), -(-ysize // size)
    if nx * ny <= count:
        xs, ys = range(0, xsize, size), range(0, ysize, size)
    else:  # a gx x gy grid (gx * gy <= count) shaped like the image
        gx, gy = spread_grid(nx, ny, count)
        xs = np.linspace(0, xsize - min(size, xsize), gx).round().astype(int)
        ys = np.linspace(0, ysize - min(size, ysize), gy).round().astype(int)
    out = []
    for y in ys:
        for x in xs:
            rect = (int(x), int(y), min(size, xsize - int(x)), min(size, ysize - int(y)))
            out.append(Window(rect, rect))
    return out


def estimate_image_enl(path, band_number, scale, is_canceled=None):
    """ENL of a band from sample windows: local CV^2 -> ``core.speckle.enl.estimate_enl``.

    Returns ``(enl, pixels)``: the estimate and the number of valid pixels read.
    A palette band is read as grey levels (``core.engine.palette.apply_lut``,
    the table read once), as the speckle filter reads it. Raises ValueError (too few homogeneous
    windows) or Cancelled.
    """
    dataset = open_readonly(path)
    band = dataset.GetRasterBand(band_number)
    nodata = band.GetNoDataValue()
    lut = palette.grey_lut(band)
    samples, pixels = [], 0
    for window in sample_windows(dataset.RasterXSize, dataset.RasterYSize):
        if is_canceled is not None and is_canceled():
            raise Cancelled("cancelled by the user")
        power = scales.to_linear_power(palette.apply_lut(lut, read_block(band, window, nodata)), scale)
        pixels += int(np.isfinite(power).sum())
        samples.append(enl_stats.local_cv2(power, ENL_LOCAL_WINDOW))
    return enl_stats.estimate_enl(np.concatenate(samples)), pixels


def estimate_looks(path, scale, bands=None, is_canceled=None):
    """Number of looks of a raster: the median over ``bands`` of ``estimate_image_enl``.

    ``bands``: 1-based band numbers (default all). Returns ``(looks, per_band)``
    with ``per_band`` a list of ``(band, enl, pixels sampled)``. This is the
    image-wide estimate the speckle filter uses when asked to estimate the
    looks, shared by the Processing algorithm and the batch runner.
    """
    if bands is None:
        bands = range(1, open_readonly(path).RasterCount + 1)
    per_band = []
    for band in bands:
        value, pixels = estimate_image_enl(path, band, scale, is_canceled)
        per_band.append((band, value, pixels))
    return float(statistics.median([v for _, v, _ in per_band])), per_band


def band_range(path, band_number, is_canceled=None):
    """``(min, max, valid fraction)`` of a band, read block by block (no data and NaN left out).

    min and max are NaN when no pixel is valid. Bounded memory (GDAL's block
    cache capped as the block engine caps it, ``gdal_cache_budget``, and the
    blocks read dropped afterwards), exact (every pixel is read), and nothing
    is written beside the raster (unlike GDAL's statistics, which go to an
    .aux.xml file).
    """
    dataset = open_readonly(path)
    band = dataset.GetRasterBand(band_number)
    nodata = band.GetNoDataValue()
    lo, hi, valid = np.inf, -np.inf, 0
    with gdal_cache_budget():  # a full pass: GDAL's cache would otherwise keep up to GDAL_CACHEMAX of it
        for window in block_windows(dataset.RasterXSize, dataset.RasterYSize):
            if is_canceled is not None and is_canceled():
                raise Cancelled("cancelled by the user")
            data = read_block(band, window, nodata)
            finite = data[np.isfinite(data)]
            if finite.size:
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
                valid += finite.size
        dataset.FlushCache()
    if not valid:
        return float("nan"), float("nan"), 0.0
    return lo, hi, valid / float(dataset.RasterXSize * dataset.RasterYSize)
