"""Processing algorithm "Estimate ENL": equivalent number of looks of a SAR band.

Over a homogeneous area (polygons rasterised onto the raster grid in memory
with GDAL) the ENL is mean^2 / variance of the covered pixels
(``core.speckle.enl.enl``); without an area it is estimated from the whole image
(``core.speckle.enl.local_cv2`` + ``core.speckle.enl.estimate_enl`` on sample windows).
"""
import numpy as np
from osgeo import gdal, ogr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
)

from ...core.engine import palette, raster_sampling
from ...core.engine import scale as scales
from ...core.engine.raster_blocks import Cancelled, RasterError, Window, open_readonly, read_block
from ...core.speckle import enl as enl_stats
from . import common
from .common import tr

#: Rows of the area's bounding window read at a time.
STRIP_ROWS = 512

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Estimates the equivalent number of looks (ENL) of one band of a SAR raster. ENL = mean^2 / "
        "variance of the intensity over a homogeneous area (Ulaby &amp; Dobson 1989; Oliver &amp; Quegan "
        "1998); for L-look gamma speckle it equals L.</p><ul><li><b>Input SAR raster</b>: a file-based "
        "GDAL raster.</li><li><b>Band</b>: the band to measure (default 1).</li><li><b>Input scale</b>: "
        "linear power, amplitude or dB; values are converted to linear power "
        "first.</li><li><b>Homogeneous area</b> (optional): polygons over a featureless area (calm water,"
        " bare field). Pixels whose centre falls inside are used. Without an area, the ENL is estimated "
        "from up to 32 sample windows of the image as 1 / mode of the squared coefficient of variation of"
        " 9x9 windows.</li></ul><p>Outputs: the ENL and the number of valid pixels used.</p>")


def area_window(geotransform, extent, xsize, ysize):
    """Pixel window (x, y, w, h) of ``extent`` (raster CRS) clipped to the raster, or None."""
    inverse = gdal.InvGeoTransform(geotransform)
    if inverse is None:
        raise RasterError("the raster has a degenerate geotransform")
    cols, rows = [], []
    for x in (extent.xMinimum(), extent.xMaximum()):
        for y in (extent.yMinimum(), extent.yMaximum()):
            col, row = gdal.ApplyGeoTransform(inverse, x, y)
            cols.append(col)
            rows.append(row)
    x0, x1 = max(0, int(np.floor(min(cols)))), min(xsize, int(np.ceil(max(cols))))
    y0, y1 = max(0, int(np.floor(min(rows)))), min(ysize, int(np.ceil(max(rows))))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1 - x0, y1 - y0


def rasterize(geometries, geotransform, window):
    """Burn ``geometries`` (QgsGeometry, raster CRS) into a uint8 mask over ``window``."""
    x0, y0, w, h = window
    gt = geotransform
    mem = gdal.GetDriverByName("MEM").Create("", w, h, 1, gdal.GDT_Byte)
    mem.SetGeoTransform((gt[0] + x0 * gt[1] + y0 * gt[2], gt[1], gt[2],
                         gt[3] + x0 * gt[4] + y0 * gt[5], gt[4], gt[5]))
    source = ogr.GetDriverByName("Memory").CreateDataSource("area")
    layer = source.CreateLayer("area", geom_type=ogr.wkbUnknown)
    for geometry in geometries:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(geometry.asWkt()))
        layer.CreateFeature(feature)
    if gdal.RasterizeLayer(mem, [1], layer, burn_values=[1]) != 0:
        raise RasterError("cannot rasterise the area polygons")
    return mem.GetRasterBand(1).ReadAsArray().astype(bool)


class EstimateEnlAlgorithm(common.SarChangeAlgorithm):
    """Estimate the equivalent number of looks of a SAR band."""

    INPUT = "INPUT"
    BAND = "BAND"
    SCALE = "SCALE"
    AREA = "AREA"
    ENL = "ENL"
    PIXELS = "PIXELS"

    def name(self):
        return "estimateenl"

    def displayName(self):
        return tr("Estimate ENL")

    def group(self):
        return tr("Speckle")

    def groupId(self):
        return "speckle"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return EstimateEnlAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Input SAR raster")))
        # Optional so that the default (band 1) applies when BAND is not given:
        # QGIS 3.22 does not fall back to a band parameter's default in its check.
        self.addParameter(QgsProcessingParameterBand(self.BAND, tr("Band"), defaultValue=1,
                                                     parentLayerParameterName=self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.AREA, tr("Homogeneous area"), types=[QgsProcessing.TypeVectorPolygon], optional=True))
        self.addOutput(QgsProcessingOutputNumber(self.ENL, tr("Equivalent number of looks")))
        self.addOutput(QgsProcessingOutputNumber(self.PIXELS, tr("Pixels used")))

    def validate(self, parameters, context):
        """Refuse a wrong scale and a constant band (no speckle to measure) before running."""
        common.check_sar_inputs(self, parameters, context, [self.INPUT])
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        band = self.parameterAsInt(parameters, self.BAND, context) or 1
        if layer is not None and layer.providerType() == "gdal" and 1 <= band <= layer.bandCount():
            try:
                raster_sampling.check_input_content(layer.source(), [band], allow_constant=False)
            except ValueError as exc:
                raise ValueError(tr("Input layer '{name}' band {band}: {error}").format(
                    name=layer.name(), band=band, error=exc)) from exc

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        src = common.gdal_source(layer, self.INPUT)
        band = self.parameterAsInt(parameters, self.BAND, context) or 1
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        area = self.parameterAsSource(parameters, self.AREA, context)
        try:
            with common.core_errors(layer.name()):
                if not 1 <= band <= layer.bandCount():
                    raise RasterError(f"band {band} does not exist (the raster has {layer.bandCount()})")
                raster_sampling.check_input_scale(src, scale, [band])
                common.report_palettes(feedback, [src], [layer.name()], [band])
                if area is None:
                    value, pixels = raster_sampling.estimate_image_enl(src, band, scale,
                                                              common.cancel_callback(feedback))
                    where = tr("whole image (sample windows)")
                else:
                    value, pixels = self._area_enl(src, band, scale, area, layer.crs(), context, feedback)
                    where = tr("homogeneous area")
        except Cancelled:
            feedback.pushInfo(tr("Cancelled."))
            return {}
        feedback.pushInfo(tr("ENL of {name} band {band} over the {where}: {enl:.4f} ({pixels} pixels)")
                          .format(name=layer.name(), band=band, where=where, enl=value, pixels=pixels))
        return {self.ENL: value, self.PIXELS: pixels}

    def _area_enl(self, src, band_number, scale, area, crs, context, feedback):
        """ENL over the polygons of ``area``; returns ``(enl, pixels)``."""
        request = QgsFeatureRequest()
        if crs.isValid() and area.sourceCrs().isValid():
            request.setDestinationCrs(QgsCoordinateReferenceSystem(crs), context.transformContext())
        geometries = [f.geometry() for f in area.getFeatures(request)
                      if f.hasGeometry() and not f.geometry().isEmpty()]
        if not geometries:
            raise ValueError("the homogeneous area has no polygon")
        extent = geometries[0].boundingBox()
        for geometry in geometries[1:]:
            extent.combineExtentWith(geometry.boundingBox())
        dataset = open_readonly(src)
        geotransform = dataset.GetGeoTransform()
        window = area_window(geotransform, extent, dataset.RasterXSize, dataset.RasterYSize)
        if window is None:
            raise ValueError("the homogeneous area does not overlap the raster")
        mask = rasterize(geometries, geotransform, window)
        band = dataset.GetRasterBand(band_number)
        nodata = band.GetNoDataValue()
        lut = palette.grey_lut(band)
        x0, y0, w, h = window
        values = []
        for top in range(0, h, STRIP_ROWS):
            if feedback.isCanceled():
                raise Cancelled("cancelled by the user")
            rows = min(STRIP_ROWS, h - top)
            rect = (x0, y0 + top, w, rows)
            grey = palette.apply_lut(lut, read_block(band, Window(rect, rect), nodata))
            power = scales.to_linear_power(grey, scale)
            covered = power[mask[top:top + rows]]
            values.append(covered[np.isfinite(covered)])
            feedback.setProgress(100.0 * (top + rows) / h)
        values = np.concatenate(values)
        return enl_stats.enl(values), int(values.size)
