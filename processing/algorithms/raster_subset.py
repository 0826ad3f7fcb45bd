"""Band choice and extent for raster algorithms: read only part of an input through a VRT.

``subset_vrt`` writes an in-memory VRT holding the chosen bands inside the chosen extent grown
by the algorithm's halo (``margin`` pixels, clipped to the image); the block engine streams that
VRT like any raster, so only the window is read, and ``finish`` crops the result to the extent.
Pixels next to the extent's edge therefore see the same neighbours as in a whole-image run:
the result equals the whole-image result cropped.
"""
import math
import os
import uuid
from collections import namedtuple

import numpy as np
from osgeo import gdal
from qgis.core import QgsCoordinateTransform, QgsCsException, QgsProcessingException

from ...core.engine import band_roles, palette
from ...core.engine.outputs import replace_file
from ...core.engine.raster_blocks import geotiff_options, open_readonly, read_info, temporary_path
from .translation import tr

#: Side (pixels) of the central sample used to recognise backscatter bands.
SAMPLE_SIDE = 256


def band_sample(path, band):
    """A central window of at most SAMPLE_SIDE pixels of ``band``, float64 with no data as NaN.

    A palette band's window is its grey levels (``core.engine.palette.grey``), as the algorithms read it.
    """
    ds = open_readonly(path)
    b = ds.GetRasterBand(band)
    w, h = min(SAMPLE_SIDE, ds.RasterXSize), min(SAMPLE_SIDE, ds.RasterYSize)
    x0, y0 = (ds.RasterXSize - w) // 2, (ds.RasterYSize - h) // 2
    data = b.ReadAsArray(x0, y0, w, h).astype(np.float64)
    nodata = b.GetNoDataValue()
    if nodata is not None and not math.isnan(nodata):
        data[data == nodata] = np.nan
    return palette.grey(b, data).astype(np.float64, copy=False)


def default_bands(path):
    """Bands of ``path`` that look like backscatter (all bands when none does)."""
    info = read_info(path)
    samples = [band_sample(path, b) for b in range(1, info.bands + 1)]
    chosen = band_roles.backscatter_bands(info.descriptions, samples)
    return chosen or list(range(1, info.bands + 1))


def pixel_window(path, extent, extent_crs, layer_crs, context):
    """(x0, y0, width, height) of the pixels of ``path`` inside ``extent`` (a QgsRectangle in
    ``extent_crs``); QgsProcessingException when it misses the raster."""
    if extent_crs is not None and extent_crs.isValid() and layer_crs.isValid() and extent_crs != layer_crs:
        try:
            extent = QgsCoordinateTransform(extent_crs, layer_crs, context.transformContext()) \
                .transformBoundingBox(extent)
        except QgsCsException as exc:
            raise QgsProcessingException(tr("The extent cannot be reprojected to the raster CRS: {error}")
                                         .format(error=exc)) from exc
    info = read_info(path)
    gt = info.geotransform
    if not gt or gt[2] or gt[4]:
        raise QgsProcessingException(tr("An extent needs a north-up georeferenced raster (no rotation)"))
    cols = sorted(((extent.xMinimum() - gt[0]) / gt[1], (extent.xMaximum() - gt[0]) / gt[1]))
    rows = sorted(((extent.yMinimum() - gt[3]) / gt[5], (extent.yMaximum() - gt[3]) / gt[5]))
    x0, x1 = max(0, math.floor(cols[0])), min(info.xsize, math.ceil(cols[1]))
    y0, y1 = max(0, math.floor(rows[0])), min(info.ysize, math.ceil(rows[1]))
    if x1 <= x0 or y1 <= y0:
        raise QgsProcessingException(tr(
            "The extent does not overlap the raster {path}: choose an extent inside the layer").format(
                path=path))
    return x0, y0, x1 - x0, y1 - y0


#: ``path``: what to read (the input itself or an in-memory VRT); ``crop``: (x, y, w, h) of the
#: extent inside it, None when the whole of ``path`` is the result.
Subset = namedtuple("Subset", "path crop")


def subset_vrt(path, bands=None, window=None, margin=0):
    """Subset of ``bands`` (1-based, default all) inside ``window`` (x0, y0, w, h; default all) of
    ``path``, read with ``margin`` extra pixels around the window. Remove it with ``release``."""
    info = read_info(path)
    crop = None
    if window is not None:
        x0, y0, w, h = window
        ex0, ey0 = max(0, x0 - margin), max(0, y0 - margin)
        ex1, ey1 = min(info.xsize, x0 + w + margin), min(info.ysize, y0 + h + margin)
        crop = (x0 - ex0, y0 - ey0, w, h)
        window = (ex0, ey0, ex1 - ex0, ey1 - ey0)
        if crop == (0, 0) + tuple(window[2:]):
            crop = None
    if (bands is None or list(bands) == list(range(1, info.bands + 1))) and \
            (window is None or tuple(window) == (0, 0, info.xsize, info.ysize)):
        return Subset(path, crop)
    vrt = f"/vsimem/sar_change_subset_{uuid.uuid4().hex}.vrt"
    options = gdal.TranslateOptions(format="VRT", bandList=list(bands) if bands else None,
                                    srcWin=list(window) if window else None)
    if gdal.Translate(vrt, path, options=options) is None:
        raise QgsProcessingException(tr("Cannot read a part of {path}: {error}").format(
            path=path, error=gdal.GetLastErrorMsg()))
    return Subset(vrt, crop)


def work_path(subset, dst):
    """Where the algorithm writes: ``dst`` itself, or a temporary file beside it to be cropped."""
    return dst if subset.crop is None else temporary_path(dst)


def finish(subset, work, dst):
    """Crop ``work`` to the extent into ``dst`` (temporary name, renamed on success); remove ``work``."""
    if subset.crop is None:
        return dst
    tmp = temporary_path(dst)
    try:
        if gdal.Translate(tmp, work, srcWin=list(subset.crop), format="GTiff",
                          creationOptions=geotiff_options()) is None:
            raise QgsProcessingException(tr("Cannot write {path}: {error}").format(
                path=dst, error=gdal.GetLastErrorMsg()))
        replace_file(tmp, dst)
    finally:
        for path in (tmp, work):
            if os.path.exists(path):
                os.remove(path)
    return dst


def release(subset):
    """Remove the in-memory VRT of a subset (no-op when it reads the input itself)."""
    if str(subset.path).startswith("/vsimem/"):
        gdal.Unlink(subset.path)
