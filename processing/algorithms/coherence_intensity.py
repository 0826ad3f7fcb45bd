"""Processing algorithm "Coherence from detected images": a thin wrapper around core.coherence.estimation and
the
learned coherence model.

Methods (the METHOD enum): the learned model (default; a Residual U-Net
predicting coherence and its sigma, ``models.coherence``, run with
onnxruntime through the framework runner: blended tiles inside every block,
the model's overlap as the block halo), and the intensity-correlation
(speckle-similarity) estimator of Catelli, Monti Guarnieri & Prati (1996),
with the correlation coefficient estimated from the window, or normalised by
the known number of looks. Both dates are stacked in an in-memory VRT and
streamed block by block through ``map_raster``.
"""
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ...core.coherence import estimation as coherence
from ...core.engine import raster_sampling
from ...core.engine import scale as scales
from ...core.engine.raster_blocks import open_readonly, read_info, stack_vrt, translate_output
from ...models.coherence import inference, schema
from ...models.framework import metadata as md
from . import coherence_common, common
from .common import tr

#: The learned method's name in METHODS.
LEARNED = "learned"
#: Methods in the order of the METHOD enum.
METHODS = (LEARNED, coherence.PEARSON, coherence.SPECKLE)
METHOD_LABELS = {
    LEARNED: "Learned model (Residual U-Net): coherence and its uncertainty",
    coherence.PEARSON: "Intensity correlation (Catelli et al. 1996), correlation from the window",
    coherence.SPECKLE: "Intensity correlation (Catelli et al. 1996), normalised by the number of looks",
}

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Interferometric coherence magnitude (0 to 1) estimated from two co-registered "
        "<i>detected</i> images (GRD intensities, no phase) of the same polarisation and "
        "orbit.</p><p><b>Learned model</b> (default): a Residual U-Net (after Sica, Pulella &amp; "
        "Schmitt, \"Beyond Backscatter: InSAR coherence from detected SAR images\") predicts the "
        "coherence that a boxcar estimate on the complex pair would give, and its uncertainty sigma "
        "(the standard deviation of a Gaussian likelihood, same units), from the two images in dB. "
        "Default model: the one shipped with the plugin (trained on simulated Sentinel-1 12-day VV "
        "pairs of 4-look images; see models/coherence.md); give your own from <i>Train coherence "
        "model</i>. The window and looks parameters are not used by the model.</p><p><b>Intensity "
        "correlation</b>: for circular-Gaussian speckle the correlation coefficient of the two "
        "intensities equals |gamma|^2 (Siegert relation; Catelli, Monti Guarnieri &amp; Prati 1996), so "
        "the output is sqrt(max(rho, 0)) with rho estimated over a moving "
        "window:</p><ul><li><b>correlation from the window</b>: the sample correlation coefficient (no "
        "look number needed);</li><li><b>normalised by the number of looks</b>: rho = L (R - 1) / (1 - "
        "R / N) with R = mean(I1 I2) / (mean I1 mean I2) over the N window pixels and L the looks of "
        "the images (the term R / N corrects the window bias).</li></ul><p>The estimate is noisy (std "
        "of rho about 1/sqrt(N)) and biased high at low coherence, and texture or a brightness change "
        "inside a window reads as coherence: use large windows on homogeneous areas. Output: float32 "
        "GeoTIFF on the input grid, NaN where a window holds no valid pixel or no variance. When "
        "loaded, it is drawn with a fixed 0 (decorrelated) to 1 (coherent) colour "
        "ramp.</p><h3>Parameters</h3><ul><li><b>Earlier image</b>, <b>Later image</b>: rasters on the "
        "same grid and CRS.</li><li><b>Input scale</b>: linear power, amplitude or dB (both images the "
        "same).</li><li><b>Window</b>: odd side in pixels (e.g. 7: N = 49).</li><li><b>Number of "
        "looks</b>: ENL of the images (Sentinel-1 IW GRD about 4.4), used by the normalised method "
        "only.</li><li><b>Coherence model</b> (learned method, optional): an .onnx of kind \"coherence\"; "
        "default the shipped model.</li><li><b>Temporal baseline</b> (learned method): days between the "
        "dates, used only by models trained with the baseline as an input.</li><li><b>Weather between the "
        "dates</b> (learned method, optional, models trained with it): <code>name=value</code> pairs "
        "separated by commas, e.g. <code>rain_mm=12.5, snowfall_mm=0, melt_mm=0, wind_1_m_s=3.1, "
        "wind_2_m_s=6</code> (rain, snowfall as water equivalent and snow melt summed over the days after "
        "the earlier date up to the later one, mm; daily mean wind speed on each date, m/s), or the path of "
        "a CSV whose first row has these columns (a simulator pair.csv). Rain, fresh snow, melt and wind "
        "decorrelate the pair; any condition left out is unknown, and with none the model runs without "
        "weather. Values outside those seen in training are warned about.</li><li><b>Correct with the "
        "intensity correlation</b> (learned method, shipped model): the network under-estimates the "
        "rare, very coherent pixels (towns); a table fitted on its validation pairs maps each pixel's "
        "(network coherence, 3 x 3 intensity correlation) to the mean reference coherence and its "
        "spread (sigma) of such pixels (models/coherence.md).</li><li><b>Predicted "
        "uncertainty</b> (learned method, optional): sigma of the coherence, 0-1.</li></ul>")


def check_same_scale(path_1, name_1, band_1, path_2, name_2, band_2, scale):
    """Raise QgsProcessingException when one image looks like dB and the other like linear values."""
    fractions = []
    for path, band in ((path_1, band_1), (path_2, band_2)):
        dataset = open_readonly(path)
        fractions.append(scales.negative_fraction(raster_sampling.block_sample(dataset, band)))
    if abs(fractions[0] - fractions[1]) > 0.5:
        db, linear = (name_1, name_2) if fractions[0] > fractions[1] else (name_2, name_1)
        raise QgsProcessingException(tr(
            "Input layer '{db}' looks like dB (mostly negative values) but '{lin}' does not: give both "
            "images in the same scale (convert one of them) and set the input scale to match").format(
                db=db, lin=linear))


class CoherenceFromIntensityAlgorithm(common.SarChangeAlgorithm):
    """Coherence from two detected images (intensity correlation)."""

    IMAGE_1 = "IMAGE_1"
    IMAGE_2 = "IMAGE_2"
    BAND_1 = "BAND_1"
    BAND_2 = "BAND_2"
    SCALE = "SCALE"
    METHOD = "METHOD"
    WINDOW = "WINDOW"
    LOOKS = "LOOKS"
    MODEL = "MODEL"
    BASELINE_DAYS = "BASELINE_DAYS"
    WEATHER = "WEATHER"
    CORRECT = "CORRECT"
    OUTPUT = "OUTPUT"
    OUTPUT_SIGMA = "OUTPUT_SIGMA"

    def name(self):
        return "coherencefromintensity"

    def displayName(self):
        return tr("Coherence from detected images")

    def group(self):
        return tr("Coherence")

    def groupId(self):
        return "coherence"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return CoherenceFromIntensityAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_1, tr("Earlier image")))
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_2, tr("Later image (same grid)")))
        self.addParameter(number(self.BAND_1, tr("Band of the earlier image"), type=number.Integer,
                                 defaultValue=1, minValue=1))
        self.addParameter(number(self.BAND_2, tr("Band of the later image"), type=number.Integer,
                                 defaultValue=1, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Method"), options=[tr(METHOD_LABELS[m]) for m in METHODS], defaultValue=0))
        self.addParameter(number(self.WINDOW, tr("Window size (pixels, odd)"), type=number.Integer,
                                 defaultValue=7, minValue=3))
        self.addParameter(number(self.LOOKS, tr("Number of looks of the images (normalised method)"),
                                 type=number.Double, defaultValue=4.4, minValue=0.1))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, tr("Coherence model (.onnx; default: the shipped model)"),
            behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("ONNX models (*.onnx)")))
        self.addParameter(number(self.BASELINE_DAYS, tr("Temporal baseline (days; models that take it)"),
                                 type=number.Double, defaultValue=12.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterString(
            self.WEATHER, tr("Weather between the dates (optional; e.g. rain_mm=12.5, snowfall_mm=0, "
                             "melt_mm=0, wind_1_m_s=3, wind_2_m_s=6; or a pair.csv)"), optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CORRECT, tr("Correct with the intensity correlation (shipped model)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Coherence")))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_SIGMA, tr("Predicted uncertainty (sigma; learned method)"), optional=True,
            createByDefault=False))

    def _settings(self, parameters, context):
        size = self.parameterAsInt(parameters, self.WINDOW, context)
        coherence_common.check_odd(size, tr("the window size"))
        if size < 3:
            raise ValueError(tr("the window must be at least 3 pixels: a correlation needs several pixels"))
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        looks = self.parameterAsDouble(parameters, self.LOOKS, context)
        if not looks > 0:
            raise ValueError(tr("the number of looks must be > 0 (got {v})").format(v=looks))
        return size, method, looks

    def _weather(self, parameters, context):
        """The typed-in weather as a ``schema.weather_vector`` (NaN = unknown); QgsProcessingException
        naming the parameter and the condition for a value that cannot be weather."""
        text = self.parameterAsString(parameters, self.WEATHER, context)
        try:
            return schema.weather_vector(schema.parse_weather(text))
        except ValueError as exc:
            raise QgsProcessingException(tr("Weather between the dates: {e}").format(e=exc)) from exc

    def validate(self, parameters, context):
        """Refuse an even window, non-positive looks, weather values that cannot be weather and a
        correlation window larger than the images."""
        size, method, _ = self._settings(parameters, context)
        if method == LEARNED:
            self._weather(parameters, context)
        windows = {} if method == LEARNED else {self.WINDOW: tr("window")}
        common.check_sar_inputs(self, parameters, context, [self.IMAGE_1, self.IMAGE_2], scale_parameter=None,
                                windows=windows, allow_constant=True)  # (the scale: checked per band below)

    def _image(self, parameters, context, layer_key, band_key):
        layer = self.parameterAsRasterLayer(parameters, layer_key, context)
        path = common.gdal_source(layer, layer_key)
        band = self.parameterAsInt(parameters, band_key, context)
        with common.core_errors(layer.name()):
            info = read_info(path)
        if not 1 <= band <= info.bands:
            raise common.band_error(layer.name(), band, info.bands)
        return path, layer.name(), info, band

    def processAlgorithm(self, parameters, context, feedback):
        try:
            size, method, looks = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        path_1, name_1, info_1, band_1 = self._image(parameters, context, self.IMAGE_1, self.BAND_1)
        path_2, name_2, info_2, band_2 = self._image(parameters, context, self.IMAGE_2, self.BAND_2)
        coherence_common.check_same_grid(info_1, name_1, info_2, name_2)
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        with common.core_errors(name_1):
            raster_sampling.check_input_scale(path_1, scale, [band_1])
        with common.core_errors(name_2):
            raster_sampling.check_input_scale(path_2, scale, [band_2])
        check_same_scale(path_1, name_1, band_1, path_2, name_2, band_2, scale)
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        vrt_bands = [band_1, info_1.bands + band_2]
        if method == LEARNED:
            return self._learned(parameters, context, feedback, (path_1, path_2), (name_1, name_2), vrt_bands,
                                 scale, dst)
        func, margin = coherence.intensity_block_function(size, method, looks, scale)
        feedback.pushInfo(tr("{method}: '{a}' band {b1}, '{b}' band {b2}, window {w}").format(
            method=METHOD_LABELS[method], a=name_1, b1=band_1, b=name_2, b2=band_2, w=size))
        vrt = stack_vrt([path_1, path_2])
        return coherence_common.run_coherence(vrt, dst, func, margin, "coherence", (name_1, name_2), context,
                                              feedback, bands=vrt_bands)

    def _learned(self, parameters, context, feedback, paths, names, vrt_bands, scale, dst):
        """Run the learned model block by block into ``dst`` (and the sigma output when asked)."""
        model_path = self.parameterAsFile(parameters, self.MODEL, context) or None
        sigma_dst = None
        if parameters.get(self.OUTPUT_SIGMA) is not None:
            sigma_dst = self.parameterAsOutputLayer(parameters, self.OUTPUT_SIGMA, context) or None
        correct = self.parameterAsBool(parameters, self.CORRECT, context)
        weather = self._weather(parameters, context)
        try:
            model = inference.open_model(model_path, threads=2)
            correction = inference.shipped_correction(model) if correct else None
            func, margin = inference.block_function(
                model, scale, self.parameterAsDouble(parameters, self.BASELINE_DAYS, context),
                correction=correction, weather=weather)
        except ValueError as exc:
            raise QgsProcessingException(tr("Coherence model: {e}").format(e=exc)) from exc
        report_weather(model, weather, feedback)
        feedback.pushInfo(tr("{method}: model {model}, tiles of {t} pixels with {o} pixels of overlap; "
                             "'{a}' then '{b}'").format(method=METHOD_LABELS[LEARNED], model=model.source,
                                                        t=model.tile_size, o=model.overlap, a=names[0],
                                                        b=names[1]))
        if correction is not None:
            feedback.pushInfo(tr("Coherence and sigma corrected by the {w} x {w} intensity correlation "
                                 "(table fitted on the model's validation pairs)").format(
                                     w=correction["window"]))
        elif correct:
            feedback.pushInfo(tr("No correction by the intensity correlation: its table is fitted for the "
                                 "shipped model only"))
        both = dst + ".bands.tif"
        vrt = stack_vrt(list(paths))
        try:
            result = coherence_common.run_coherence(vrt, both, func, margin, "coherence", names, context,
                                                    feedback, bands=vrt_bands, out_bands=2,
                                                    descriptions=["coherence", "sigma"], threads=1)
            if not result:
                return {}
            outputs = {self.OUTPUT: dst}
            split_band(both, 1, dst, "coherence")
            if sigma_dst:
                split_band(both, 2, sigma_dst, "coherence sigma")
                outputs[self.OUTPUT_SIGMA] = sigma_dst
        finally:
            if os.path.exists(both):
                os.remove(both)
        return outputs


def report_weather(model, weather, feedback):
    """Say what the model makes of the weather: ignored (model without the weather input), unknown, or
    the conditions used, with a warning for values outside the model's trained ranges."""
    known = {n: float(v) for n, v in zip(schema.WEATHER_NAMES, weather) if v == v}
    if inference.ignored_weather(model, weather):
        feedback.reportError(tr("Warning: this coherence model was trained without weather conditions; "
                                "the weather given is not used"), False)
    elif schema.uses_weather(model):
        if not known:
            feedback.pushInfo(tr("No weather given: the model runs without weather conditions"))
        else:
            feedback.pushInfo(tr("Weather conditions used: {w}").format(
                w=", ".join(f"{n}={v:g}" for n, v in known.items())))
        problems = md.out_of_range((getattr(model, "info", None) or {}).get(md.META_VALID_RANGES), known)
        if problems:
            feedback.reportError(tr("Warning, weather between the dates: {p}: the model was not trained "
                                    "for such weather; its coherence there is less reliable").format(
                p=md.describe_out_of_range(problems)), False)


def split_band(src, band, dst, description):
    """Copy band ``band`` of GeoTIFF ``src`` to the 1-band GeoTIFF ``dst`` (temporary name, then renamed)."""
    translate_output(src, dst, [description], bands=1, bandList=[band],
                     creationOptions=["COMPRESS=DEFLATE", "TILED=YES"])
