"""Band choice and extent for raster algorithms: read only part of an input through a VRT.

``subset_vrt`` writes an in-memory VRT holding the chosen bands inside the chosen extent;
the block engine then streams that VRT like any raster, so only the window is read. Pixels
outside the extent are outside the image for the filters (they never enter a window).
"""
import math
import uuid

import numpy as np
from osgeo import gdal
from qgis.core import QgsCoordinateTransform, QgsCsException, QgsProcessingException

from ...core import band_roles
from ...core.raster_blocks import open_readonly, read_info
from .translation import tr

#: Side (pixels) of the central sample used to recognise backscatter bands.
SAMPLE_SIDE = 256


def band_sample(path, band):
    """A central window of at most SAMPLE_SIDE pixels of ``band``, float64 with no data as NaN."""
    ds = open_readonly(path)
    b = ds.GetRasterBand(band)
    w, h = min(SAMPLE_SIDE, ds.RasterXSize), min(SAMPLE_SIDE, ds.RasterYSize)
    x0, y0 = (ds.RasterXSize - w) // 2, (ds.RasterYSize - h) // 2
    data = b.ReadAsArray(x0, y0, w, h).astype(np.float64)
    nodata = b.GetNoDataValue()
    if nodata is not None and not math.isnan(nodata):
        data[data == nodata] = np.nan
    return data


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


def subset_vrt(path, bands=None, window=None):
    """In-memory VRT of ``bands`` (1-based, default all) inside ``window`` (x0, y0, w, h; default all).

    Returns ``path`` itself when nothing is left out; remove the VRT with ``release``.
    """
    info = read_info(path)
    if (bands is None or list(bands) == list(range(1, info.bands + 1))) and \
            (window is None or tuple(window) == (0, 0, info.xsize, info.ysize)):
        return path
    vrt = f"/vsimem/sar_change_subset_{uuid.uuid4().hex}.vrt"
    options = gdal.TranslateOptions(format="VRT", bandList=list(bands) if bands else None,
                                    srcWin=list(window) if window else None)
    if gdal.Translate(vrt, path, options=options) is None:
        raise QgsProcessingException(tr("Cannot read a part of {path}: {error}").format(
            path=path, error=gdal.GetLastErrorMsg()))
    return vrt


def release(path):
    """Remove an in-memory VRT made by subset_vrt (no-op for a real file)."""
    if str(path).startswith("/vsimem/"):
        gdal.Unlink(path)
