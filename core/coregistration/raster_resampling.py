"""``resampling.resample`` from raster to raster, block by block through the block engine.

Each 512 x 512 block of the output (reference grid) computes the source
position of its pixels with the model, reads the bounding box of those
positions in the moving raster, grown by the interpolation reach, and
interpolates there (``resampling.prepare_band`` / ``interpolate``): memory
is bounded by the block, not the image. The reader thread, two workers and
the writer overlap (``raster_blocks.stream_blocks``).

No data without a whole-image distance transform: nearest, bilinear and
Lanczos mark an output pixel no data whenever a no-data pixel weighs in its
footprint, so the no-data pixels are filled with 0 (their value never
counts, beyond weights under 1e-9). The cubic spline's prefilter spreads
every value with weights decaying by 0.268 per pixel (the pole of the cubic
B-spline, Unser 1999, IEEE Signal Proc. Mag. 16(6)), so it reads
``CUBIC_HALO`` more pixels around the box and fills no data with the
nearest valid pixel locally: 0.268^48 ~ 1e-27, far below float32 rounding.
Hence: equal to the whole-image ``resample`` (NaN pattern exactly; values
within float32 rounding, bit for bit for nearest, bilinear and Lanczos
except the sub-1e-9 weights; see tests/test_coregistration_streaming.py).
"""
import numpy as np

from ..engine import outputs
from ..engine.raster_blocks import (
    Window,
    block_windows,
    create_like,
    gdal_cache_budget,
    open_readonly,
    raster_bytes,
    read_block,
    read_info,
    release_cache,
    stream_blocks,
)
from . import resampling as rs

#: Extra source pixels around a block's footprint for the cubic spline prefilter (see the docstring).
CUBIC_HALO = 48
#: Output block side (pixels); a multiple of the GeoTIFF tile so that tile rows are flushed whole.
BLOCK = 512


def source_box(y, x, inside, method, rows, cols):
    """(y0, y1, x0, x1): the moving-image box (pixels, clipped) the positions inside need; None if none."""
    if not inside.any():
        return None
    reach = rs.RADIUS[method]
    extra = CUBIC_HALO if method == rs.CUBIC else 0
    yi, xi = y[inside], x[inside]
    y0 = max(0, int(np.floor(yi.min())) - reach + 1 - extra)
    y1 = min(rows, int(np.floor(yi.max())) + reach + 1 + extra)
    x0 = max(0, int(np.floor(xi.min())) - reach + 1 - extra)
    x1 = min(cols, int(np.floor(xi.max())) + reach + 1 + extra)
    return y0, y1, x0, x1


def resample_block(data, origin, y, x, inside, method):
    """Bands ``data`` (bands, rows, cols) of the box at image ``origin`` (row, col), at y, x; float32."""
    fill = "nearest" if method == rs.CUBIC else "zero"
    ly, lx = y - origin[0], x - origin[1]
    return np.stack([rs.interpolate(rs.prepare_band(band, method, fill), ly, lx, method, inside)
                     for band in data])


def resample_raster(src_path, dst_path, model, method, grid, descriptions=None, threads=2, progress=None,
                    is_canceled=None):
    """Write ``src_path`` (every band) resampled with ``model`` onto ``grid`` (a RasterInfo) at ``dst_path``.

    ``model``: any object with ``source_coordinates(rows, cols)`` (pixels);
    ``method``: a ``resampling.METHODS`` entry. Float32 GeoTIFF, NaN no
    data, ``grid``'s geotransform and CRS, ``descriptions`` per band.
    Written under a temporary name and renamed on success (nothing is left
    on failure or cancel). ``progress(percent)``, ``is_canceled()``:
    optional callbacks. Returns ``dst_path``.
    """
    if method not in rs.METHODS:
        raise ValueError(f"unknown resampling {method!r}; choose one of {rs.METHODS}")
    src = read_info(src_path)
    bands = src.bands
    outputs.check_targets({"": str(dst_path)}, {"": [str(src_path)]},
                          raster_bytes(grid.xsize, grid.ysize, bands))
    jobs = block_windows(grid.xsize, grid.ysize, BLOCK)
    row_ends = {id(w) for w, nxt in zip(jobs, jobs[1:] + [None]) if nxt is None or nxt.core[1] != w.core[1]}
    nan = float("nan")
    with gdal_cache_budget(), outputs.raster_output(str(dst_path), bands) as tmp:
        reader = open_readonly(src_path)
        dst = create_like(tmp, grid, bands, nan, descriptions)
        try:
            def read(win):
                x0, y0, w, h = win.core
                rr, cc = np.meshgrid(np.arange(y0, y0 + h, dtype=np.float64),
                                     np.arange(x0, x0 + w, dtype=np.float64), indexing="ij")
                y, x = (np.asarray(v, dtype=np.float64) for v in model.source_coordinates(rr, cc))
                inside = rs.inside_image(y, x, src.ysize, src.xsize)
                box = source_box(y, x, inside, method, src.ysize, src.xsize)
                if box is None:
                    return None
                by0, by1, bx0, bx1 = box
                region = Window((bx0, by0, bx1 - bx0, by1 - by0), (bx0, by0, bx1 - bx0, by1 - by0))
                data = np.stack([read_block(reader.GetRasterBand(b), region, src.nodata[b - 1])
                                 for b in range(1, bands + 1)])
                return data, (by0, bx0), y, x, inside

            def compute(win, item):
                if item is None:
                    return np.full((bands, win.core[3], win.core[2]), np.nan, dtype=np.float32)
                data, origin, y, x, inside = item
                return resample_block(data, origin, y, x, inside, method)

            done = 0

            def write(win, block):
                nonlocal done
                x0, y0, _, _ = win.core
                for b, plane in enumerate(block):
                    outputs.check_write(dst.GetRasterBand(b + 1).WriteArray(plane, x0, y0), str(dst_path))
                done += 1
                if id(win) in row_ends:
                    release_cache(dst)
                if progress is not None:
                    progress(100.0 * done / len(jobs))

            stream_blocks(jobs, read, compute, write, threads=threads, is_canceled=is_canceled)
            dst.FlushCache()
        finally:
            dst = reader = None
    return str(dst_path)
