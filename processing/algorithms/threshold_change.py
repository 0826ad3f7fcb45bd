"""Processing algorithm "Threshold change": a thin wrapper around core.change.thresholds.

The threshold is fitted on a bounded sample of the difference image
(``thresholds.sample_raster``: every pixel up to 4 million, else a regular
subsample), then the uint8 change mask is written block by block
(``thresholds.write_mask``), so memory does not grow with the image.
"""
import math
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.change import thresholds
from ...core.engine.raster_blocks import Cancelled, RasterError, filter_raster
from . import common
from .common import tr


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Turns a difference image (DI, e.g. from <i>Difference image</i>) into a change mask: 1 = "
        "change, 0 = no change, 255 = no data (uint8 GeoTIFF on the DI's "
        "grid).</p><h3>Parameters</h3><ul><li><b>Difference image</b> and <b>Band</b>: the DI band to "
        "threshold.</li><li><b>Method</b>: <ul><li>Otsu (1979): maximum between-class "
        "variance.</li><li>Kittler-Illingworth (1986): minimum error with Gaussian "
        "classes.</li><li>Generalized-Gaussian KI (Bazi, Bruzzone &amp; Melgani 2005): minimum error with"
        " generalized Gaussian classes whose shape is estimated at each candidate threshold; suited to "
        "log-ratio images.</li><li>SAR ratio-model KI (Moser &amp; Serpico 2006): minimum error with "
        "log-normal, Nakagami-ratio and Weibull-ratio models of the log ratio, fitted by the method of "
        "log-cumulants; the best-fitting model is kept. The DI must be a log ratio in dB (10 "
        "log10(I2/I1), the <i>Log ratio</i> method).</li><li>Manual: the threshold given "
        "below.</li></ul></li><li><b>Manual threshold</b>: in DI units; with two sides, t means "
        "thresholds -t and +t.</li><li><b>Side</b>: <i>increase</i>: change where DI &gt;= t (unsigned "
        "DIs such as the mean ratio, the neighbourhood ratio or the Euclidean norm, or a brighter later "
        "image); <i>decrease</i>: change where DI &lt; t (darker later image); <i>two-sided</i>: change "
        "where DI &lt; t_low or DI &gt;= t_high (signed DIs: difference, log ratio, signed mean "
        "ratio).</li><li><b>Number of looks</b>: for the ratio model's Nakagami-ratio pdf; 0 (default) "
        "estimates it per class from the data, as Moser &amp; Serpico do.</li></ul><p>The threshold is "
        "fitted on every pixel of images up to 4 million pixels, else on a regular subsample of about 4 "
        "million, from a 512-bin histogram spanning the 0.01 % to 99.99 % quantiles. The log lists the "
        "threshold(s) and the fitted class parameters (priors, means, standard deviations, shapes). With "
        "heavily overlapping classes (e.g. the log ratio of speckled single-look images) the "
        "minimum-error methods may split off a tiny tail class instead of the change: despeckle the "
        "images first (<i>Speckle filter</i>) or use a windowed difference "
        "image.</p><h3>Outputs</h3><ul><li><b>Change mask</b>: uint8, 1 change, 0 no change, 255 no "
        "data.</li><li><b>Difference image copy</b> (optional): the thresholded band as "
        "float32.</li><li><b>Threshold</b> (the threshold, or the upper one with two sides) and <b>Lower "
        "threshold</b> (two sides; else equal to the threshold), in DI units.</li></ul>")


class ThresholdChangeAlgorithm(common.SarChangeAlgorithm):
    """Threshold a difference image into a change mask."""

    INPUT = "INPUT"
    BAND = "BAND"
    METHOD = "METHOD"
    MANUAL_THRESHOLD = "MANUAL_THRESHOLD"
    SIDE = "SIDE"
    LOOKS = "LOOKS"
    OUTPUT_MASK = "OUTPUT_MASK"
    OUTPUT_DI = "OUTPUT_DI"
    THRESHOLD = "THRESHOLD"
    THRESHOLD_LOW = "THRESHOLD_LOW"

    def name(self):
        return "thresholdchange"

    def displayName(self):
        return tr("Threshold change")

    def group(self):
        return tr("Change detection")

    def groupId(self):
        return "changedetection"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return ThresholdChangeAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Difference image")))
        # Optional so that the default (band 1) applies when BAND is not given (QGIS 3.22).
        self.addParameter(QgsProcessingParameterBand(self.BAND, tr("Band"), defaultValue=1,
                                                     parentLayerParameterName=self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Method"), options=[tr(thresholds.LABELS[m]) for m in thresholds.METHODS],
            defaultValue=thresholds.METHODS.index(thresholds.KI)))
        self.addParameter(number(self.MANUAL_THRESHOLD, tr("Manual threshold (DI units)"),
                                 type=number.Double, defaultValue=0.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.SIDE, tr("Side"),
            options=[tr("Increase (change where DI >= t)"), tr("Decrease (change where DI < t)"),
                     tr("Two-sided (DI < t_low or DI >= t_high)")], defaultValue=0))
        self.addParameter(number(self.LOOKS, tr("Number of looks (ratio model; 0 = estimate per class)"),
                                 type=number.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT_MASK, tr("Change mask")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_DI, tr("Difference image copy"), optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD, tr("Threshold (upper with two sides)")))
        self.addOutput(QgsProcessingOutputNumber(self.THRESHOLD_LOW, tr("Lower threshold (two sides)")))

    def _settings(self, parameters, context):
        method = thresholds.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        side = thresholds.SIDES[self.parameterAsEnum(parameters, self.SIDE, context)]
        manual = self.parameterAsDouble(parameters, self.MANUAL_THRESHOLD, context)
        looks = self.parameterAsDouble(parameters, self.LOOKS, context)
        if method == thresholds.MANUAL and not math.isfinite(manual):
            raise ValueError(tr("the manual threshold must be a finite number, got {v}").format(v=manual))
        if not (math.isfinite(looks) and looks >= 0):
            raise ValueError(tr("the number of looks must be >= 0 (0 = estimate), got {v}").format(v=looks))
        return method, side, manual, (looks or None)

    def validate(self, parameters, context):
        """Refuse unusable method, side and threshold settings before running."""
        self._settings(parameters, context)

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        src = common.gdal_source(layer, self.INPUT)
        name = layer.name()
        band = self.parameterAsInt(parameters, self.BAND, context) or 1
        try:
            method, side, manual, looks = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        dst_mask = self.parameterAsOutputLayer(parameters, self.OUTPUT_MASK, context)
        dst_di = self.parameterAsOutputLayer(parameters, self.OUTPUT_DI, context) or None
        results = {}
        try:
            with common.core_errors(name):
                if not 1 <= band <= layer.bandCount():
                    raise RasterError(f"band {band} does not exist (the raster has {layer.bandCount()})")
                common.report_palettes(feedback, [src], [name], [band])
                sample = thresholds.sample_raster(src, band)
                if sample.size == 0:
                    raise ValueError("the band holds no valid pixel (all no data): check its no-data value")
                feedback.pushInfo(tr("Fitting the threshold on {n} valid pixels of band {band}").format(
                    n=sample.size, band=band))
                if method == thresholds.RATIO_KI:
                    feedback.pushInfo(tr("The ratio model expects a log-ratio DI in dB (10 log10(I2/I1))."))
                result = thresholds.fit(method, sample, side, threshold=manual, looks=looks)
                del sample
                for line in result.describe():
                    feedback.pushInfo(line)
                feedback.setProgress(5)
                counts = thresholds.write_mask(
                    src, dst_mask, result, band=band,
                    progress=lambda p: feedback.setProgress(5 + 0.9 * p * (0.5 if dst_di else 1.0)),
                    is_canceled=common.cancel_callback(feedback))
                feedback.pushInfo(tr("Change mask: {c} changed, {u} unchanged, {n} no-data pixels").format(
                    c=counts["changed"], u=counts["unchanged"], n=counts["nodata"]))
                results[self.OUTPUT_MASK] = dst_mask
                if dst_di:
                    filter_raster(src, dst_di, lambda a: a, 0, bands=[band],
                                  progress=lambda p: feedback.setProgress(50 + 0.5 * p),
                                  is_canceled=common.cancel_callback(feedback))
                    results[self.OUTPUT_DI] = dst_di
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            if results.get(self.OUTPUT_MASK) and os.path.exists(dst_mask):
                os.remove(dst_mask)  # written before the copy was cancelled
            for path in (dst_mask, dst_di):
                if path:
                    common.forget_output(context, path)
            return {}
        results[self.THRESHOLD] = result.threshold
        results[self.THRESHOLD_LOW] = result.low_threshold
        return results
