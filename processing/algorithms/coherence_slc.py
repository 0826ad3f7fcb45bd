"""Processing algorithm "Coherence from SLC pair": a thin wrapper around
core.coherence.estimation.sample_coherence.

The real and imaginary parts of both images (and the optional phase) are
exposed as Float32 bands of an in-memory VRT (``core.engine.complex_raster``) and
streamed block by block through ``core.engine.raster_blocks.map_raster``.
"""
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.coherence import estimation as coherence
from ...core.engine import complex_raster
from ...core.engine.raster_blocks import read_info
from . import coherence_common, common
from .common import tr


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Interferometric coherence magnitude (0 to 1) of two co-registered complex (SLC) images: the "
        "standard sample estimator |sum z1 z2*| / sqrt(sum |z1|^2 sum |z2|^2) over a moving boxcar window"
        " (Touzi et al. 1999; Hanssen 2001). Output: a float32 GeoTIFF on the input grid, NaN where a "
        "window holds no valid sample. When loaded, it is drawn with a fixed 0 (decorrelated) to 1 "
        "(coherent) colour ramp.</p><h3>Parameters</h3><ul><li><b>Reference SLC</b>, <b>Secondary "
        "SLC</b>: file-based GDAL rasters on the same grid (size, pixel grid, CRS): the secondary must "
        "already be co-registered and resampled onto the reference.</li><li><b>Complex data as</b>: "
        "complex bands (CFloat32, CInt16, ...) or I/Q band pairs (two real bands: I at the given band, Q "
        "at the next).</li><li><b>Band of the reference</b>, <b>Band of the secondary</b>: the complex "
        "band, or the I band.</li><li><b>Window (azimuth rows)</b>, <b>Window (range columns)</b>: odd "
        "sizes in pixels of the boxcar (the looks in each direction). The sample coherence is biased high"
        " for few looks (about 0.46 for 4 and 0.13 for 49 looks where the true coherence is "
        "0).</li><li><b>Phase to remove</b> (optional): a raster on the same grid holding the expected "
        "interferometric phase arg(z1 z2*) in radians (flat earth + topography); each product is rotated "
        "by -phase before summing, so fringes do not lower the coherence.</li></ul><p>No-data, NaN and "
        "zero-power samples are left out of every window.</p>")


class CoherenceSlcAlgorithm(common.SarChangeAlgorithm):
    """Sample coherence of a co-registered SLC pair."""

    SLC_1 = "SLC_1"
    SLC_2 = "SLC_2"
    FORMAT = "FORMAT"
    BAND_1 = "BAND_1"
    BAND_2 = "BAND_2"
    WINDOW_AZIMUTH = "WINDOW_AZIMUTH"
    WINDOW_RANGE = "WINDOW_RANGE"
    PHASE = "PHASE"
    PHASE_BAND = "PHASE_BAND"
    OUTPUT = "OUTPUT"

    def name(self):
        return "coherenceslc"

    def displayName(self):
        return tr("Coherence from SLC pair")

    def group(self):
        return tr("Coherence")

    def groupId(self):
        return "coherence"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return CoherenceSlcAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.SLC_1, tr("Reference SLC")))
        self.addParameter(QgsProcessingParameterRasterLayer(self.SLC_2, tr("Secondary SLC (co-registered)")))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORMAT, tr("Complex data as"),
            options=[tr("Complex bands (CFloat32, CInt16, ...)"), tr("I/Q band pairs (I, then Q)")],
            defaultValue=0))
        self.addParameter(number(self.BAND_1, tr("Band of the reference (complex band or I)"),
                                 type=number.Integer, defaultValue=1, minValue=1))
        self.addParameter(number(self.BAND_2, tr("Band of the secondary (complex band or I)"),
                                 type=number.Integer, defaultValue=1, minValue=1))
        self.addParameter(number(self.WINDOW_AZIMUTH, tr("Window, azimuth (rows, odd)"),
                                 type=number.Integer, defaultValue=5, minValue=1))
        self.addParameter(number(self.WINDOW_RANGE, tr("Window, range (columns, odd)"),
                                 type=number.Integer, defaultValue=5, minValue=1))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.PHASE, tr("Phase to remove (radians, flat earth + topography)"), optional=True))
        self.addParameter(number(self.PHASE_BAND, tr("Band of the phase raster"), type=number.Integer,
                                 defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Coherence")))

    def _window(self, parameters, context):
        rows = self.parameterAsInt(parameters, self.WINDOW_AZIMUTH, context)
        cols = self.parameterAsInt(parameters, self.WINDOW_RANGE, context)
        coherence_common.check_odd(rows, tr("the azimuth window"))
        coherence_common.check_odd(cols, tr("the range window"))
        return rows, cols

    def validate(self, parameters, context):
        """Refuse even windows, and windows larger than the SLC images, before running."""
        rows, cols = self._window(parameters, context)
        for key in (self.SLC_1, self.SLC_2):
            layer = self.parameterAsRasterLayer(parameters, key, context)
            if layer is not None:
                for size, xsize, label in ((rows, layer.height(), tr("azimuth window")),
                                           (cols, layer.width(), tr("range window"))):
                    error = common.window_fit_error(layer.name(), size, xsize, xsize, label)
                    if error:
                        raise error

    def _image(self, parameters, context, layer_key, band_key, iq):
        """(path, name, info, specs) of one SLC; QgsProcessingException naming the layer and the fix."""
        layer = self.parameterAsRasterLayer(parameters, layer_key, context)
        path = common.gdal_source(layer, layer_key)
        name = layer.name()
        band = self.parameterAsInt(parameters, band_key, context)
        with common.core_errors(name):
            info = read_info(path)
        last = band + 1 if iq else band
        for b in range(band, last + 1):
            if b > info.bands and not iq:
                raise common.band_error(name, b, info.bands)
            if b > info.bands:
                raise QgsProcessingException(tr(
                    "Input layer '{name}' has {n} band(s): band {b} does not exist (I/Q pairs need bands "
                    "b and b + 1)").format(name=name, n=info.bands, b=b))
            is_complex = complex_raster.band_is_complex(path, b)
            kind = complex_raster.band_type_name(path, b)
            if not iq and not is_complex:
                raise QgsProcessingException(tr(
                    "Input layer '{name}' band {b} is {kind}, not complex: the coherence needs the complex "
                    "SLC (CFloat32 or CInt16). Give the SLC, or choose 'I/Q band pairs' if I and Q are "
                    "two real bands; for detected (GRD) images use sarchange:coherencefromintensity").format(
                        name=name, b=b, kind=kind))
            if iq and is_complex:
                raise QgsProcessingException(tr(
                    "Input layer '{name}' band {b} is complex ({kind}): choose 'Complex bands' instead of "
                    "'I/Q band pairs'").format(name=name, b=b, kind=kind))
        return path, name, info, complex_raster.complex_specs(path, band, iq)

    def processAlgorithm(self, parameters, context, feedback):
        try:
            window = self._window(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        iq = self.parameterAsEnum(parameters, self.FORMAT, context) == 1
        path_1, name_1, info_1, specs_1 = self._image(parameters, context, self.SLC_1, self.BAND_1, iq)
        path_2, name_2, info_2, specs_2 = self._image(parameters, context, self.SLC_2, self.BAND_2, iq)
        coherence_common.check_same_grid(info_1, name_1, info_2, name_2)
        specs = specs_1 + specs_2
        sources = [path_1, path_2]
        phase_layer = self.parameterAsRasterLayer(parameters, self.PHASE, context)
        if phase_layer is not None:
            phase_path = common.gdal_source(phase_layer, self.PHASE)
            phase_band = self.parameterAsInt(parameters, self.PHASE_BAND, context)
            with common.core_errors(phase_layer.name()):
                phase_info = read_info(phase_path)
            coherence_common.check_same_grid(info_1, name_1, phase_info, phase_layer.name())
            if not 1 <= phase_band <= phase_info.bands:
                raise QgsProcessingException(tr("Input layer '{name}': band {b} does not exist (the raster "
                                                "has {n})").format(name=phase_layer.name(), b=phase_band,
                                                                   n=phase_info.bands))
            specs.append((phase_path, phase_band, None))
            sources.append(phase_path)
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        func, margin = coherence.slc_block_function(window, with_phase=phase_layer is not None)
        feedback.pushInfo(tr("Sample coherence of '{a}' and '{b}' over {r} x {c} pixels "
                             "(azimuth x range){p}")
                          .format(a=name_1, b=name_2, r=window[0], c=window[1],
                                  p=tr(", phase removed") if phase_layer is not None else ""))
        with common.core_errors(name_1):
            vrt = complex_raster.parts_vrt(specs)
        return coherence_common.run_coherence(vrt, dst, func, margin, "coherence", (name_1, name_2), context,
                                              feedback)
