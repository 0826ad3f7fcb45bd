"""Core stage functions as Dask operations (numpy blocks with a halo -> dask.array.map_overlap).

Each stage calls the same ``core`` function as its Processing algorithm, on
the same float32 values (NaN = no data): speckle filters through
``core.speckle.registry.make_block_function``, difference images through
``core.change.difference.make_block_function``, change masks through
``core.change.thresholds.change_mask``. The halo is the stage's margin and
``boundary="none"``: a chunk at the image edge is not padded, it simply ends
there, which is what the block engine reads (windows clipped at the edge)
and what every core filter treats as no data. Since core sums each window in
a fixed order, a chunked result equals the QGIS result bit for bit.

Image-wide statistics are computed exactly as the Processing algorithms do,
with the same core functions, on the same files: the number of looks from
sample windows of the input (``core.engine.raster_sampling.estimate_looks``), the
threshold from a bounded sample of the written difference image
(``decimated_band`` at full resolution, then ``thresholds.fit``).
"""
import numpy as np
from osgeo import gdal

from ..core.change import difference, thresholds
from ..core.engine.raster_sampling import decimated_band
from ..core.speckle import registry


def _per_band(func):
    """Apply a 2-D block function to every plane of a ``(bands, rows, cols)`` block."""
    def apply(block):
        return np.stack([np.asarray(func(plane), dtype=np.float32) for plane in block])
    return apply


def overlap(array, func, margin, dtype=np.float32, drop_first_axis=False):
    """``func`` over chunks of ``array`` ``(bands, rows, cols)`` grown by ``margin`` pixels.

    The band axis is one chunk (no halo along it); rows and columns get a halo
    of ``margin`` pixels with no padding at the image edge. Chunks smaller
    than the margin are merged first (map_overlap needs chunk >= depth).
    ``drop_first_axis``: ``func`` returns one plane ``(1, rows, cols)``.
    """
    array = array.rechunk({0: -1})
    if margin:
        array = array.rechunk({ax: _at_least(array.chunks[ax], margin) for ax in (1, 2)})
    import dask.array as da

    depth = {0: 0, 1: margin, 2: margin}
    grown = da.overlap.overlap(array, depth, boundary="none") if margin else array
    chunks = ((1,),) + grown.chunks[1:] if drop_first_axis else grown.chunks
    out = grown.map_blocks(func, dtype=dtype, chunks=chunks)
    return da.overlap.trim_internal(out, depth, boundary="none") if margin else out


def _at_least(chunks, size):
    """Chunk sizes along one axis with every chunk >= ``size`` (the last merged into its neighbour)."""
    out = list(chunks)
    while len(out) > 1 and min(out) < size:
        i = out.index(min(out))
        j = i - 1 if i > 0 else i + 1
        out[min(i, j)] = out[i] + out[j]
        del out[max(i, j)]
    return tuple(out)


def speckle_filter(array, params, scale):
    """Filter every band of ``array`` (stored in ``scale``) with ``params`` (FilterParams)."""
    func, margin = registry.make_block_function(params, scale)
    return overlap(array, _per_band(func), margin)


def difference_image(array_1, array_2, method, scale, size=3, signed=False, floor=None):
    """Difference image ``(1, rows, cols)`` of two stacks of bands (same band count each)."""
    func, margin = difference.make_block_function(method, scale, size, array_1.shape[0], signed, floor)
    import dask.array as da

    return overlap(da.concatenate([array_1, array_2]), func, margin, drop_first_axis=True)


def change_mask(array, result):
    """uint8 change mask (1 change, 0 no change, 255 no data) of a DI ``(1, rows, cols)``."""
    return array.map_blocks(thresholds.change_mask, result, dtype=np.uint8)


def nan_as(array, nodata):
    """NaN replaced by ``nodata`` (as the block engine writes it), unless ``nodata`` is NaN."""
    if nodata is None or np.isnan(nodata):
        return array
    value = np.float32(nodata)
    return array.map_blocks(lambda b: np.where(np.isnan(b), value, b), dtype=np.float32)


def threshold_sample(path, band=1, max_pixels=thresholds.MAX_SAMPLE_PIXELS):
    """``thresholds.sample_raster`` of ``path`` read at full resolution.

    Same regular subsample as the Processing algorithm gets from its plain
    GeoTIFF; the batch outputs are COGs with overviews, which GDAL would
    otherwise use for a decimated read, so they are switched off here.
    """
    ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY, open_options=["OVERVIEW_LEVEL=NONE"])
    if ds is None:
        raise ValueError(f"cannot open {path} as a raster")
    data = decimated_band(ds, band, max_pixels)
    return data[np.isfinite(data)]
