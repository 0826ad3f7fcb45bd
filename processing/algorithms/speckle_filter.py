"""Processing algorithm "Speckle filter": a thin wrapper around core.speckle.

Parameters are translated into a ``core.speckle.registry.FilterParams``; the
raster is streamed through ``core.engine.raster_blocks.filter_raster`` with the block
function from ``registry.make_block_function`` (filtering in linear power,
output in the input's scale).
"""
from dataclasses import replace

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.engine import raster_sampling, validation
from ...core.engine.raster_blocks import Cancelled, filter_raster
from ...core.engine.window_stats import check_window
from ...core.speckle import frost, learned, registry
from .. import provider_settings
from . import common, raster_subset
from .common import tr

#: Lee Sigma sigma values offered (as in ESA SNAP).
SIGMAS = (0.5, 0.6, 0.7, 0.8, 0.9)
#: Filters whose work per pixel grows with the window area (bounded window, smaller blocks).
AREA_COST_METHODS = (registry.MEDIAN, registry.FROST)
#: Frost distance metrics, in enum order.
DISTANCES = (frost.EUCLIDEAN, frost.CITY_BLOCK)

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Reduces speckle in SAR images. The chosen bands are filtered; the filtering is done on "
        "linear power (intensity) and the result is written in the input's scale as a tiled, compressed "
        "float32 GeoTIFF with the input's grid, CRS and no-data value. Large rasters are processed block "
        "by block.</p><h3>Parameters</h3><ul><li><b>Input SAR raster</b>: a file-based GDAL "
        "raster.</li><li><b>Filter</b>: <ul><li>Boxcar: moving mean over the "
        "window.</li><li>Median: moving median over the window.</li><li>Lee: minimum mean square error "
        "filter with the multiplicative speckle model, R = mean + b (I - mean), b = var_x / var_I (Lee "
        "1980, 1981).</li><li>Refined Lee: Lee filter on the most homogeneous of eight edge-aligned "
        "sub-windows of a fixed 7x7 window (Lee 1981); the window size is not used.</li><li>Improved Lee "
        "Sigma: sigma-range selection of pixels from a target window, point-target preservation and MMSE "
        "filtering (Lee, Wen, Ainsworth, Chen &amp; Chen 2009, as in ESA SNAP).</li><li>Frost: "
        "exponentially damped kernel m = exp(-K Ci^2 d) (Frost et al. 1982).</li><li>Gamma-MAP: maximum a"
        " posteriori estimate with gamma-distributed scene and speckle (Lopes, Nezry, Touzi &amp; Laur "
        "1990).</li><li>Kuan: local linear MMSE filter derived without approximating the multiplicative "
        "model (Kuan et al. 1985).</li><li>Learned (MERLIN, ONNX): the MERLIN network of the deepdespeckling "
        "package (Dalsasso, Denis &amp; Tupin 2021; Sentinel-1 TOPS weights, MIT licence) run with "
        "onnxruntime, its local mean re-anchored to the input's over the window in the model's card; uses "
        "the number of looks, not the window size.</li></ul></li><li><b>Window size</b>: side of the "
        "square moving window"
        " in pixels; odd and &gt;= 1 (e.g. 7).</li><li><b>Number of looks</b>: equivalent number of looks"
        " L of the input, &gt; 0; sets the speckle variation coefficient Cu^2 = 1/L used by Lee, Refined "
        "Lee, Lee Sigma, Gamma-MAP and Kuan.</li><li><b>Estimate the number of looks from the image</b>: "
        "estimate L per band from up to 32 sample windows (1 / mode of the local squared coefficient of "
        "variation) and use it instead of the value above; with several bands the median estimate is "
        "used.</li><li><b>Frost damping factor K</b>: larger K keeps more detail (default "
        "1).</li><li><b>Frost distance</b>: Euclidean distance (Frost 1982, as in Orfeo ToolBox) or "
        "city-block distance |dx| + |dy|.</li><li><b>Lee Sigma sigma</b>: probability mass of the sigma "
        "range, 0.5 to 0.9.</li><li><b>Lee Sigma target window</b>: odd side (pixels) of the window used "
        "to estimate the target value, e.g. 3.</li><li><b>Input scale</b>: how the input pixels are "
        "stored: linear power (intensity), amplitude (sqrt of power) or dB (10 log10 power). A dB raster "
        "declared as linear power or amplitude is refused.</li><li><b>Bands</b>: the bands to filter; "
        "the output holds these bands only. Empty: every band that looks like backscatter, leaving out "
        "bands named like incidence angle, elevation or mask and bands whose values are a smooth field "
        "of angles (degrees or radians).</li><li><b>Extent</b>: filter only the pixels inside this "
        "extent (empty: the whole raster); the pixels around it that the windows need are read too, so "
        "the result equals the whole-raster result cut to the extent.</li><li><b>Learned filter: ONNX "
        "model</b>: a converted despeckling model; empty uses models/merlin/merlin_s1_tops.onnx, written by "
        "scripts/setup.sh (or <code>python -m sar_change.models.merlin.convert</code> with torch and "
        "deepdespeckling).</li>"
        "<li><b>Filtered raster</b>: the output GeoTIFF.</li></ul>")


class SpeckleFilterAlgorithm(common.SarChangeAlgorithm):
    """Filter the speckle of every band of a SAR raster."""

    INPUT = "INPUT"
    METHOD = "METHOD"
    WINDOW_SIZE = "WINDOW_SIZE"
    LOOKS = "LOOKS"
    ESTIMATE_ENL = "ESTIMATE_ENL"
    DAMPING = "DAMPING"
    FROST_DISTANCE = "FROST_DISTANCE"
    SIGMA = "SIGMA"
    TARGET_WINDOW = "TARGET_WINDOW"
    SCALE = "SCALE"
    MODEL = "MODEL"
    BANDS = "BANDS"
    EXTENT = "EXTENT"
    OUTPUT = "OUTPUT"

    def name(self):
        return "specklefilter"

    def displayName(self):
        return tr("Speckle filter")

    def group(self):
        return tr("Speckle")

    def groupId(self):
        return "speckle"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return SpeckleFilterAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Input SAR raster")))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Filter"), options=[tr(registry.LABELS[m]) for m in registry.ALL_METHODS],
            defaultValue=registry.METHODS.index(registry.LEE)))
        self.addParameter(number(self.WINDOW_SIZE, tr("Window size (pixels, odd)"),
                                 type=number.Integer, defaultValue=7))
        self.addParameter(number(self.LOOKS, tr("Number of looks"), type=number.Double,
                                 defaultValue=1.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ESTIMATE_ENL, tr("Estimate the number of looks from the image"), defaultValue=False))
        self.addParameter(number(self.DAMPING, tr("Frost damping factor K"), type=number.Double,
                                 defaultValue=1.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FROST_DISTANCE, tr("Frost distance"),
            options=[tr("Euclidean (Frost 1982, Orfeo ToolBox)"), tr("City-block |dx| + |dy|")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.SIGMA, tr("Lee Sigma sigma"), options=[f"{s:.1f}" for s in SIGMAS],
            defaultValue=len(SIGMAS) - 1))
        self.addParameter(number(self.TARGET_WINDOW, tr("Lee Sigma target window (pixels, odd)"),
                                 type=number.Integer, defaultValue=3))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, tr("Learned filter: ONNX model (empty: the converted MERLIN model)"),
            extension="onnx", optional=True))
        self.addParameter(QgsProcessingParameterBand(
            self.BANDS, tr("Bands (empty: every band that looks like backscatter)"),
            parentLayerParameterName=self.INPUT, optional=True, allowMultiple=True))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Extent (empty: whole raster)"),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Filtered raster")))

    def _filter_params(self, parameters, context, looks=None):
        """FilterParams from the parameter values; ValueError with the fix if invalid."""
        size = self.parameterAsInt(parameters, self.WINDOW_SIZE, context)
        if size < 1 or size % 2 == 0:
            raise ValueError(tr("window size must be odd and >= 1, e.g. 7 (got {size})").format(size=size))
        target = self.parameterAsInt(parameters, self.TARGET_WINDOW, context)
        try:
            check_window(target)
        except ValueError:
            raise ValueError(tr("Lee Sigma target window must be odd and >= 1, e.g. 3 (got {size})")
                             .format(size=target)) from None
        if looks is None:
            looks = self.parameterAsDouble(parameters, self.LOOKS, context)
            if not looks > 0:
                raise ValueError(tr("number of looks must be > 0, e.g. 1 (got {looks})").format(looks=looks))
        params = registry.FilterParams(
            method=registry.ALL_METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            size=size,
            looks=float(looks),
            damping=self.parameterAsDouble(parameters, self.DAMPING, context),
            metric=DISTANCES[self.parameterAsEnum(parameters, self.FROST_DISTANCE, context)],
            sigma=SIGMAS[self.parameterAsEnum(parameters, self.SIGMA, context)],
            target_size=target,
            model_path=self.parameterAsFile(parameters, self.MODEL, context) or "",
        )
        registry.validate(params)
        return params

    def validate(self, parameters, context):
        """Refuse invalid window sizes and looks before running (GUI and qgis_process).

        Windows must fit the image, and the median and Frost windows (whose
        work grows with the window area) stay within
        ``core.engine.validation.MAX_AREA_COST_WINDOW``; the input's scale is checked
        both ways.
        """
        estimate = self.parameterAsBool(parameters, self.ESTIMATE_ENL, context)
        params = self._filter_params(parameters, context, looks=1.0 if estimate else None)
        problem = validation.area_cost_window_problem(params.size, params.method)
        if problem:
            raise QgsProcessingException(tr("{method}: {problem}").format(
                method=registry.LABELS[params.method], problem=problem))
        windows = {} if params.method == registry.REFINED_LEE else {self.WINDOW_SIZE: tr("window")}
        if params.method == registry.LEE_SIGMA:
            windows[self.TARGET_WINDOW] = tr("target window")
        common.check_sar_inputs(self, parameters, context, [self.INPUT], windows=windows)

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        src = common.gdal_source(layer, self.INPUT)
        name = layer.name()
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        estimate = self.parameterAsBool(parameters, self.ESTIMATE_ENL, context)
        try:
            params = self._filter_params(parameters, context, looks=1.0 if estimate else None)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        margin = registry.make_block_function(params, scale)[1]
        subset = self._subset(parameters, context, layer, src, feedback, margin)  # bands and extent
        src, out = subset.path, raster_subset.work_path(subset, dst)
        try:
            with common.core_errors(name):
                raster_sampling.check_input_scale(src, scale)
                if estimate:
                    params = self._with_estimated_looks(params, src, scale, feedback)
                if params.method == registry.MERLIN and params.looks > learned.MAX_LOOKS_WITHOUT_WARNING:
                    feedback.pushWarning(tr(
                        "MERLIN was trained on single-look Sentinel-1 data; on this {looks:.1f}-look input "
                        "it blurs edges and keeps less detail than the classic filters "
                        "(benchmarks/results/despeckling.md): prefer Improved Lee Sigma or Refined Lee for "
                        "multi-looked (GRD) images").format(looks=params.looks))
                func, margin = registry.make_block_function(params, scale)
                feedback.pushInfo(tr("Filtering {name} with {method}, margin {margin} pixels").format(
                    name=name, method=registry.LABELS[params.method], margin=margin))
                engine = provider_settings.block_engine_options()
                if params.method in AREA_COST_METHODS:  # cancel within one block whatever the window
                    engine["block"] = min(engine["block"], validation.block_for_window(params.size))
                filter_raster(src, out, func, margin, **engine,
                              progress=common.progress_callback(feedback),
                              is_canceled=common.cancel_callback(feedback))
            raster_subset.finish(subset, out, dst)
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, dst)
            return {}
        finally:
            raster_subset.release(subset)
        return {self.OUTPUT: dst}

    def _subset(self, parameters, context, layer, src, feedback, margin):
        """raster_subset.Subset of the chosen (default: backscatter) bands inside EXTENT (+ margin)."""
        with common.core_errors(layer.name()):
            bands = self.parameterAsInts(parameters, self.BANDS, context) or raster_subset.default_bands(src)
        window = None
        if parameters.get(self.EXTENT):
            extent = self.parameterAsExtent(parameters, self.EXTENT, context, layer.crs())
            window = raster_subset.pixel_window(src, extent, None, layer.crs(), context)
        feedback.pushInfo(tr("Bands filtered: {bands}; pixel window: {window}").format(
            bands=", ".join(map(str, bands)), window=window or tr("whole raster")))
        common.report_palettes(feedback, [src] * len(bands), [layer.name()] * len(bands), bands)
        return raster_subset.subset_vrt(src, bands, window, margin)

    def _with_estimated_looks(self, params, src, scale, feedback):
        """Return ``params`` with the looks estimated from the image (median over bands)."""
        if params.method not in registry.USES_LOOKS:
            feedback.pushInfo(tr("{method} does not use the number of looks; not estimated.").format(
                method=registry.LABELS[params.method]))
            return params
        looks, per_band = raster_sampling.estimate_looks(src, scale, None, common.cancel_callback(feedback))
        for band, value, pixels in per_band:
            feedback.pushInfo(tr("Band {band}: estimated ENL {enl:.3f} ({pixels} pixels sampled)").format(
                band=band, enl=value, pixels=pixels))
        feedback.pushInfo(tr("Number of looks used: {looks:.3f}").format(looks=looks))
        return replace(params, looks=looks)
