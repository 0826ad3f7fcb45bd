"""Processing algorithm "Difference image": a thin wrapper around core.change.difference.

The two dates are stacked in an in-memory VRT (``core.engine.raster_blocks.stack_vrt``:
bands of image 1, then those of image 2) and streamed block by block through
``core.engine.raster_blocks.map_raster`` with the block function of
``core.change.difference.make_block_function``.
"""
import os

import numpy as np
from osgeo import gdal
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.change import difference
from ...core.engine import raster_sampling, validation
from ...core.engine.raster_blocks import Cancelled, map_raster, read_info, stack_vrt
from .. import provider_settings
from . import common, raster_subset
from .common import tr


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Compares two co-registered SAR images of the same area and writes a difference image (DI): a "
        "float32 GeoTIFF on the input grid whose values grow with the change. Threshold it with "
        "<i>Threshold change</i> to get a change mask.</p><h3>Parameters</h3><ul><li><b>Earlier image "
        "(image 1)</b>: a file-based GDAL raster.</li><li><b>Later image (image 2)</b> (optional): a "
        "raster on exactly the same grid (size, pixel size, origin) and CRS; run "
        "<i>sarchange:coregister</i> first if it is not. Leave it empty to take both dates from bands of "
        "image 1.</li><li><b>Band of image 1</b>, <b>Band of image 2</b>: the bands compared (1-based). "
        "Without a later image both refer to bands of image 1 and must differ. The Euclidean norm uses "
        "every band instead: all bands of image 1 against all bands of image 2 (same count, same order), "
        "or, with a single image, its first half of bands against its second half.</li><li><b>Input "
        "scale</b>: how both images are stored: linear power (intensity), amplitude or dB. Everything is "
        "converted to linear power first.</li><li><b>Method</b>: <ul><li>Difference I2 - I1, in linear "
        "power.</li><li>Ratio I2 / I1.</li><li>Log ratio 10 log10(I2 / I1), dB: &gt; 0 where the later "
        "image is brighter (Dekker 1998; Bazi, Bruzzone &amp; Melgani 2005).</li><li>Mean ratio r = 1 - "
        "min(m1/m2, m2/m1), m the local means over the window, 0 to 1 (Inglada &amp; Mercier 2007); the "
        "signed variant multiplies r by sign(m2 - m1).</li><li>Neighbourhood ratio (Gong, Cao &amp; Wu "
        "2012, IEEE GRSL 9(2)): NR = theta q + (1 - theta) sum min(I1, I2) / sum max(I1, I2) over the "
        "window without the centre, q = min/max of the pixel and theta = var/mean of q over the window; "
        "written as 1 - NR (0 to 1) so that, like the mean ratio, larger means more "
        "change.</li><li>Euclidean norm of dB differences: sqrt(sum over bands (dB2 - dB1)^2), dB "
        "(Alatalo, Sipola &amp; Rantonen 2023), e.g. VV and VH together.</li><li>Cumulant-based "
        "Kullback-Leibler divergence (Inglada &amp; Mercier 2007, IEEE TGRS 45(5)): the pdf of each date's "
        "log-intensity over the window is approximated from its first four cumulants (Edgeworth series) "
        "and the DI is the symmetrised KL divergence of the two, in nats (0 for identical windows); it "
        "sees changes of the spread of the values as well as of their mean. Windows where either date "
        "is constant are no data. Caution: the Edgeworth series holds for small differences only. For "
        "4-look speckle the divergence rises with a change of the mean up to about 3.5 dB, then falls, and "
        "it is 0 from about 6 dB on (1, 2 and 3 standard deviations of the log-intensity, 2.3 / 4.6 / "
        "6.9 dB: 0.73 / 1.00 / 0 nats; the exact divergence is 1, 4 and 9): use it for subtle changes, "
        "never for floods or other strong changes (log ratio or mean ratio there).</li></ul></li>"
        "<li><b>Window size</b>: odd side in pixels of the local "
        "window of the mean ratio, the neighbourhood ratio (e.g. 3) and the cumulant KL divergence (e.g. "
        "7 to 11: four cumulants need many pixels).</li>"
        "<li><b>Signed mean ratio</b>: write sign(m2 - m1) r instead of r.</li><li><b>Power"
        " floor</b>: ratios and logarithms need power &gt; 0. With 0 (default) a pixel with zero or "
        "negative power stops the run with an error; a value &gt; 0 (linear power) raises every smaller "
        "value to it instead (e.g. 1 for 8-bit images with a few zeros).</li></ul><p>No-data pixels of "
        "either image (and pixels no-data in either image within a window) are left out; the output's "
        "no-data value is NaN.</p><p><b>Extent</b> (optional): compare only the pixels inside it; the "
        "pixels around it that the windows need are read too, so the result equals the whole-image "
        "result cut to the extent.</p>")


def grid_problem(info_1, info_2):
    """Text describing how image 2's grid or CRS differs from image 1's, or None when they match."""
    return validation.grid_problem(info_2, info_1)


class DifferenceImageAlgorithm(common.SarChangeAlgorithm):
    """Difference image of two co-registered SAR acquisitions."""

    IMAGE_1 = "IMAGE_1"
    IMAGE_2 = "IMAGE_2"
    BAND_1 = "BAND_1"
    BAND_2 = "BAND_2"
    SCALE = "SCALE"
    METHOD = "METHOD"
    WINDOW = "WINDOW"
    SIGNED = "SIGNED"
    POWER_FLOOR = "POWER_FLOOR"
    EXTENT = "EXTENT"
    OUTPUT = "OUTPUT"

    def name(self):
        return "differenceimage"

    def displayName(self):
        return tr("Difference image")

    def group(self):
        return tr("Change detection")

    def groupId(self):
        return "changedetection"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return DifferenceImageAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_1, tr("Earlier image (image 1)")))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.IMAGE_2, tr("Later image (image 2; empty: bands of image 1)"), optional=True))
        self.addParameter(number(self.BAND_1, tr("Band of image 1"), type=number.Integer, defaultValue=1,
                                 minValue=1))
        self.addParameter(number(self.BAND_2, tr("Band of image 2 (of image 1 when no image 2)"),
                                 type=number.Integer, defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Method"), options=[tr(difference.LABELS[m]) for m in difference.METHODS],
            defaultValue=difference.METHODS.index(difference.LOG_RATIO)))
        self.addParameter(number(
            self.WINDOW, tr("Window size (pixels, odd; mean ratio, neighbourhood ratio, cumulant KL)"),
            type=number.Integer, defaultValue=3, minValue=1))
        self.addParameter(QgsProcessingParameterBoolean(
            self.SIGNED, tr("Signed mean ratio (> 0 where image 2 is brighter)"), defaultValue=False))
        self.addParameter(number(self.POWER_FLOOR, tr("Power floor (linear power; 0 = refuse zero power)"),
                                 type=number.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Extent (empty: whole raster)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Difference image")))

    def _settings(self, parameters, context):
        """Method, window, signed flag and floor; ValueError with the fix if invalid."""
        method = difference.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        size = self.parameterAsInt(parameters, self.WINDOW, context)
        if method in difference.WINDOWED and (size < 1 or size % 2 == 0):
            raise ValueError(tr("window size must be odd and >= 1, e.g. 3 (got {size})").format(size=size))
        floor = self.parameterAsDouble(parameters, self.POWER_FLOOR, context)
        if not (np.isfinite(floor) and floor >= 0):
            raise ValueError(tr("the power floor must be >= 0 (0 = refuse zero power), got {v}")
                             .format(v=floor))
        return method, size, self.parameterAsBool(parameters, self.SIGNED, context), (floor or None)

    def validate(self, parameters, context):
        """Refuse an even window and a negative floor, a wrong scale, windows larger than the images."""
        self._settings(parameters, context)
        common.check_sar_inputs(self, parameters, context, [self.IMAGE_1, self.IMAGE_2],
                                windows={self.WINDOW: tr("window")})

    def _inputs(self, parameters, context, method):
        """Source paths, layer names per image and the VRT band list; QgsProcessingException if invalid."""
        layer_1 = self.parameterAsRasterLayer(parameters, self.IMAGE_1, context)
        src_1 = common.gdal_source(layer_1, self.IMAGE_1)
        layer_2 = self.parameterAsRasterLayer(parameters, self.IMAGE_2, context)
        band_1 = self.parameterAsInt(parameters, self.BAND_1, context)
        band_2 = self.parameterAsInt(parameters, self.BAND_2, context)
        name_1 = layer_1.name()
        with common.core_errors(name_1):
            info_1 = read_info(src_1)
        if layer_2 is None:
            src_2, name_2, info_2 = None, name_1, info_1
        else:
            src_2 = common.gdal_source(layer_2, self.IMAGE_2)
            name_2 = layer_2.name()
            with common.core_errors(name_2):
                info_2 = read_info(src_2)
            problem = grid_problem(info_1, info_2)
            if problem:
                raise QgsProcessingException(tr(
                    "Input layer '{b}' is not on the grid of '{a}' ({problem}): the two images must share "
                    "size, pixel grid and CRS; run sarchange:coregister first").format(
                        a=name_1, b=name_2, problem=problem))
        if method in difference.MULTI_BAND:
            if src_2 is None:
                if info_1.bands % 2:
                    raise QgsProcessingException(tr(
                        "Input layer '{a}' has {n} band(s): with a single image the Euclidean norm compares "
                        "its first half of bands with its second half, so it needs an even band count; "
                        "give the later date as image 2").format(a=name_1, n=info_1.bands))
                half = info_1.bands // 2
                bands_1 = list(range(1, half + 1))
                bands_2 = list(range(half + 1, info_1.bands + 1))
            else:
                if info_1.bands != info_2.bands:
                    raise QgsProcessingException(tr(
                        "Input layers '{a}' ({n1} band(s)) and '{b}' ({n2} band(s)) differ in band "
                        "count: the Euclidean norm compares every band with the same band of the other "
                        "date; give rasters with the same bands in the same order").format(
                            a=name_1, b=name_2, n1=info_1.bands, n2=info_2.bands))
                bands_1 = list(range(1, info_1.bands + 1))
                bands_2 = list(bands_1)
        else:
            for name, band, info in ((name_1, band_1, info_1), (name_2, band_2, info_2)):
                if not 1 <= band <= info.bands:
                    raise QgsProcessingException(tr(
                        "Input layer '{name}': band {band} does not exist (the raster has {n})").format(
                            name=name, band=band, n=info.bands))
            if src_2 is None and band_1 == band_2:
                raise QgsProcessingException(tr(
                    "Without a later image both dates are bands of '{a}': set 'Band of image 2' to the band "
                    "of the later date (it is {b}, the same as image 1's)").format(a=name_1, b=band_1))
            bands_1, bands_2 = [band_1], [band_2]
        offset = 0 if src_2 is None else info_1.bands
        vrt_bands = bands_1 + [offset + b for b in bands_2]
        sources = [src_1] if src_2 is None else [src_1, src_2]
        return sources, (name_1, name_2), (bands_1, bands_2), vrt_bands

    def _within_extent(self, parameters, context, sources, margin):
        """raster_subset.Subset per source: EXTENT grown by ``margin`` (all share a grid), or whole."""
        window = None
        if parameters.get(self.EXTENT):
            layer = self.parameterAsRasterLayer(parameters, self.IMAGE_1, context)
            extent = self.parameterAsExtent(parameters, self.EXTENT, context, layer.crs())
            window = raster_subset.pixel_window(sources[0], extent, None, layer.crs(), context)
        return [raster_subset.subset_vrt(src, None, window, margin) for src in sources]

    def processAlgorithm(self, parameters, context, feedback):
        try:
            method, size, signed, floor = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        sources, names, (bands_1, bands_2), vrt_bands = self._inputs(parameters, context, method)
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        src_2 = sources[-1]
        with common.core_errors(names[0]):
            raster_sampling.check_input_scale(sources[0], scale, bands_1)
        with common.core_errors(names[1]):
            raster_sampling.check_input_scale(src_2, scale, bands_2)
        common.report_palettes(feedback, [sources[0]] * len(bands_1) + [src_2] * len(bands_2),
                               [names[0]] * len(bands_1) + [names[1]] * len(bands_2), bands_1 + bands_2)

        with common.core_errors(names[0]):
            func, margin = difference.make_block_function(method, scale, size, len(bands_1), signed, floor)
        counted = common.ValidPixelCounter(func)

        feedback.pushInfo(tr("{method}: image 1 '{a}' band(s) {b1}, image 2 '{b}' band(s) {b2}, "
                             "margin {m} pixels").format(method=difference.LABELS[method], a=names[0],
                                                         b=names[1], b1=bands_1, b2=bands_2, m=margin))
        subsets = self._within_extent(parameters, context, sources, margin)  # EXTENT, read with the halo
        out = raster_subset.work_path(subsets[0], dst)
        vrt = stack_vrt([subset.path for subset in subsets])
        try:
            map_raster(vrt, out, counted, margin, 1, bands=vrt_bands, nodata=float("nan"),
                       **provider_settings.block_engine_options(),
                       descriptions=[difference.LABELS[method]],
                       progress=common.progress_callback(feedback),
                       is_canceled=common.cancel_callback(feedback))
            raster_subset.finish(subsets[0], out, dst)
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, dst)
            return {}
        except difference.ZeroPowerError as exc:
            raise QgsProcessingException(tr(
                "Input layer '{name}' holds zero or negative power (at least {count} pixel(s) in "
                "band(s) {bands}): give linear power > 0, set the correct input scale, mask those "
                "pixels as no data, or set a power floor > 0").format(
                    name=names[exc.image - 1], count=exc.count,
                    bands=bands_1 if exc.image == 1 else bands_2)) from exc
        except ValueError as exc:
            raise QgsProcessingException(tr("Input layers '{a}', '{b}': {error}").format(
                a=names[0], b=names[1], error=exc)) from exc
        finally:
            gdal.Unlink(vrt)
            for subset in subsets:
                raster_subset.release(subset)
        if counted.total == 0:
            if os.path.exists(dst):
                os.remove(dst)
            raise QgsProcessingException(tr(
                "No pixel is valid in both '{a}' and '{b}' (all no data): check the no-data values and "
                "that the two images cover the same area").format(a=names[0], b=names[1]))
        feedback.pushInfo(tr("{n} valid pixels written").format(n=counted.total))
        return {self.OUTPUT: dst}
