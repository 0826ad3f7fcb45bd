"""Processing algorithm "Coregister SAR stack": a thin wrapper around core.coregistration.

Parameters are translated into a call of ``core.coregistration.coregister_stack``,
which reads the rasters through GDAL block by block (with or without a DEM),
warps rasters on another grid onto the reference grid, measures offsets on a
grid of windows, fits a robust model, resamples and writes one GeoTIFF per
input into the output folder, the offset table (CSV) and a JSON report.
Optionally the windows are written as points.
"""
import os

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputString,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...core.coregistration import correlation as corr
from ...core.coregistration import models as mdl
from ...core.coregistration import resampling as rs
from ...core.coregistration import stack as coreg
from ...core.engine.raster_blocks import (
    Cancelled,
    RasterError,
    geotiff_options,
    translate_output,
)
from . import common
from .common import tr

#: Models and resampling kernels, in the order of the MODEL and RESAMPLING enums.
MODELS = (mdl.TRANSLATION, mdl.AFFINE, mdl.POLY2)
RESAMPLINGS = (rs.NEAREST, rs.BILINEAR, rs.CUBIC, rs.LANCZOS)
#: Matching domains, in the order of the MATCH_DOMAIN enum.
DOMAINS = (None, corr.AMPLITUDE, corr.DB, corr.LINEAR)

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Aligns SAR rasters of the same area (a time series, other orbits) onto a reference raster to "
        "a fraction of a pixel. Offsets are measured on a grid of windows by cross-correlation (of "
        "amplitudes by default) with sub-pixel refinement by the upsampled DFT (Guizar-Sicairos, Thurman "
        "&amp; Fienup 2008, Opt. Lett. 33(2)); a translation, affine or 2nd-order polynomial model is "
        "fitted with outlier rejection (peak threshold, RANSAC consensus after Fischler &amp; Bolles "
        "1981, then iterative 3-sigma clipping with a median-absolute-deviation sigma); every band is "
        "resampled onto the reference grid.</p><h3>Parameters</h3><ul><li><b>Reference raster</b>: "
        "defines the output grid (CRS, pixel size, extent) and, unless registering to the DEM, the image "
        "matched against.</li><li><b>Rasters to coregister</b>: file-based GDAL rasters. A raster on "
        "another grid (CRS, pixel size or origin) is first warped onto the reference grid with GDAL; one "
        "that does not overlap the reference is refused. The rasters are read and resampled block by "
        "block, with or without a DEM (bounded memory on a full scene); a raster on another grid, the DEM "
        "and the DEM's layover and shadow mask (and simulated image) are first written on the reference "
        "grid as temporary files in the output folder (up to about 4 bytes per pixel "
        "each).</li><li><b>Band used for matching</b>: offsets are measured on this band and applied to "
        "all bands.</li><li><b>Input scale</b>: linear power, amplitude or dB (resampling keeps the "
        "stored scale).</li><li><b>Matching domain</b> (advanced): what is correlated. Automatic: "
        "amplitude between rasters, dB against the DEM simulation. Amplitude: as in amplitude "
        "cross-correlation tools such as ISCE's ampcor. dB: speckle becomes additive; most precise on "
        "scenes that are smooth at the pixel scale, but biased by a few hundredths of a pixel on finely "
        "textured data. Linear power: unbiased, but dominated by the brightest "
        "targets.</li><li><b>Model</b>: translation (one offset), affine (offset varying linearly across "
        "the image) or 2nd-order polynomial. Each needs at least 3, 6 or 12 consistent "
        "windows.</li><li><b>Resampling</b>: nearest, bilinear, cubic spline or Lanczos-3. No data stays "
        "no data; pixels falling outside the moving raster become no data.</li><li><b>Window size</b>: "
        "side of the matching windows in pixels (64 handles shifts of up to about 10 pixels after the "
        "coarse whole-image estimate; larger windows are more precise, smaller ones follow local "
        "distortions).</li><li><b>DEM</b> (optional): heights in metres, any CRS (warped onto the "
        "reference grid). Windows in layover, shadow or strong foreshortening for the given "
        "<b>heading</b> (flight direction, degrees clockwise from north; Sentinel-1 ascending about 348, "
        "descending about 192) and <b>incidence</b> (degrees) are not used.</li><li><b>Register to the "
        "DEM</b>: match every raster, the reference included, against a SAR image simulated from the DEM "
        "instead of the reference raster: absolute alignment with the DEM (needs clear "
        "relief).</li><li><b>Mask water</b>: do not use dark, featureless areas (mean below -18 dB and "
        "little texture), whose speckle does not correlate between "
        "dates.</li></ul><h3>Outputs</h3><ul><li><b>Output folder</b>: one float32 GeoTIFF per input, "
        "named &lt;input&gt;_coreg.tif, on the reference grid; coregistration_report.json (per image: "
        "windows measured and used, model parameters in pixels, residual RMSE in "
        "pixels).</li><li><b>Offset table</b>: CSV, one row per window and image: image, row, col (window"
        " centre, reference pixels), dy, dx (pixels: the reference pixel (row, col) shows the ground of "
        "the input pixel (row - dy, col - dx)), peak (correlation 0..1), inlier (1 used by the fit, 0 "
        "rejected), x, y (map coordinates).</li><li><b>Tie points</b> (optional): the windows as points "
        "with the same fields.</li><li><b>Coregistered raster (single image)</b>: a copy of the first "
        "registered raster, as one raster output that a model can feed into a single-raster input (for "
        "example the later image of <i>Difference image</i>).</li></ul>")


def copy_raster(src, dst):
    """Copy the GeoTIFF ``src`` to ``dst`` through a temporary file renamed on success; returns ``dst``."""
    return translate_output(src, dst, creationOptions=geotiff_options())


class CoregisterAlgorithm(common.SarChangeAlgorithm):
    """Coregister a stack of SAR rasters onto a reference raster (or onto a DEM simulation)."""

    REFERENCE = "REFERENCE"
    INPUTS = "INPUTS"
    BAND = "BAND"
    SCALE = "SCALE"
    MODEL = "MODEL"
    RESAMPLING = "RESAMPLING"
    WINDOW = "WINDOW"
    DEM = "DEM"
    HEADING = "HEADING"
    INCIDENCE = "INCIDENCE"
    REGISTER_TO_DEM = "REGISTER_TO_DEM"
    MASK_WATER = "MASK_WATER"
    MATCH_DOMAIN = "MATCH_DOMAIN"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_TABLE = "OUTPUT_TABLE"
    OUTPUT_TIEPOINTS = "OUTPUT_TIEPOINTS"
    OUTPUT_LAYERS = "OUTPUT_LAYERS"
    OUTPUT_REPORT = "OUTPUT_REPORT"
    OUTPUT = "OUTPUT"

    def name(self):
        return "coregister"

    def displayName(self):
        return tr("Coregister SAR stack")

    def group(self):
        return tr("Terrain")

    def groupId(self):
        return "terrain"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return CoregisterAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.REFERENCE, tr("Reference raster")))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.INPUTS, tr("Rasters to coregister"), layerType=QgsProcessing.TypeRaster))
        # Optional so that a missing value means the default (a required band parameter refuses it).
        self.addParameter(QgsProcessingParameterBand(
            self.BAND, tr("Band used for matching (default 1)"), defaultValue=1,
            parentLayerParameterName=self.REFERENCE, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.MODEL, tr("Model"),
            options=[tr("Translation"), tr("Affine"), tr("2nd-order polynomial")], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.RESAMPLING, tr("Resampling"),
            options=[tr("Nearest neighbour"), tr("Bilinear"), tr("Cubic spline"), tr("Lanczos-3")],
            defaultValue=1))
        self.addParameter(number(self.WINDOW, tr("Window size (pixels)"), type=number.Integer,
                                 defaultValue=64, minValue=8))
        self.addParameter(QgsProcessingParameterRasterLayer(self.DEM, tr("DEM (metres)"), optional=True))
        self.addParameter(number(self.HEADING, tr("Heading (degrees clockwise from north)"),
                                 type=number.Double, defaultValue=348.0, minValue=0.0, maxValue=360.0))
        self.addParameter(number(self.INCIDENCE, tr("Incidence angle (degrees)"), type=number.Double,
                                 defaultValue=35.0, minValue=1.0, maxValue=89.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.REGISTER_TO_DEM, tr("Register to the DEM (simulated SAR image) instead of the reference"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MASK_WATER, tr("Mask water (dark, featureless areas)"), defaultValue=False))
        domain = QgsProcessingParameterEnum(
            self.MATCH_DOMAIN, tr("Matching domain"),
            options=[tr("Automatic (amplitude; dB when registering to the DEM)"), tr("Amplitude"), tr("dB"),
                     tr("Linear power")], defaultValue=0)
        self.add_advanced_parameter(domain)
        self.addParameter(QgsProcessingParameterFolderDestination(
            self.OUTPUT_FOLDER, tr("Output folder"), defaultValue=QgsProcessing.TEMPORARY_OUTPUT))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_TABLE, tr("Offset table"), fileFilter=tr("CSV files (*.csv)"),
            defaultValue=QgsProcessing.TEMPORARY_OUTPUT))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT_TIEPOINTS, tr("Tie points"), QgsProcessing.TypeVectorPoint,
            optional=True, createByDefault=False))
        # One raster output for models: the 3.22 modeler cannot wire a multi-layer output into a
        # single raster input (e.g. Difference image's later image).
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT, tr("Coregistered raster (single image: the first raster to coregister)"),
            optional=True, createByDefault=True))
        self.addOutput(QgsProcessingOutputMultipleLayers(self.OUTPUT_LAYERS, tr("Coregistered rasters")))
        self.addOutput(QgsProcessingOutputString(self.OUTPUT_REPORT, tr("Report (JSON file)")))

    def validate(self, parameters, context):
        """Refuse registering to the DEM without a DEM before running."""
        if self.parameterAsBool(parameters, self.REGISTER_TO_DEM, context) and \
                self.parameterAsRasterLayer(parameters, self.DEM, context) is None:
            raise ValueError(tr("Registering to the DEM needs a DEM: choose one or untick the option"))
        common.check_sar_inputs(self, parameters, context, [self.REFERENCE, self.INPUTS],
                                scale_parameter=None, windows={self.WINDOW: tr("matching window")})

    def processAlgorithm(self, parameters, context, feedback):
        ref_layer = self.parameterAsRasterLayer(parameters, self.REFERENCE, context)
        ref_path = common.gdal_source(ref_layer, self.REFERENCE)
        names = {os.path.abspath(ref_path): ref_layer.name()}
        mov_paths = []
        for layer in self.parameterAsLayerList(parameters, self.INPUTS, context):
            path = common.gdal_source(layer, self.INPUTS)
            names.setdefault(os.path.abspath(path), layer.name())
            mov_paths.append(path)
        if not mov_paths:
            raise QgsProcessingException(tr("Choose at least one raster to coregister"))
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem_path = common.gdal_source(dem_layer, self.DEM) if dem_layer is not None else None
        if dem_path:
            names.setdefault(os.path.abspath(dem_path), dem_layer.name())
        register_to_dem = self.parameterAsBool(parameters, self.REGISTER_TO_DEM, context)
        if register_to_dem and not dem_path:
            raise QgsProcessingException(tr("Registering to the DEM needs a DEM: choose one or untick "
                                            "the option"))
        out_dir = self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER, context)
        table_path = self.parameterAsFileOutput(parameters, self.OUTPUT_TABLE, context)
        settings = dict(
            band=self.parameterAsInt(parameters, self.BAND, context) or 1,
            scale=common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)],
            model=MODELS[self.parameterAsEnum(parameters, self.MODEL, context)],
            resampling=RESAMPLINGS[self.parameterAsEnum(parameters, self.RESAMPLING, context)],
            window=self.parameterAsInt(parameters, self.WINDOW, context),
            dem_path=dem_path,
            heading_deg=self.parameterAsDouble(parameters, self.HEADING, context),
            incidence_deg=self.parameterAsDouble(parameters, self.INCIDENCE, context),
            register_to_dem=register_to_dem,
            mask_water=self.parameterAsBool(parameters, self.MASK_WATER, context),
            domain=DOMAINS[self.parameterAsEnum(parameters, self.MATCH_DOMAIN, context)],
        )
        feedback.pushInfo(tr("Reference: {name}; {n} raster(s) to coregister; model {model}, "
                             "{resampling} resampling, {window} px windows").format(
            name=ref_layer.name(), n=len(mov_paths), model=settings["model"],
            resampling=settings["resampling"], window=settings["window"]))
        if table_path:
            os.makedirs(os.path.dirname(os.path.abspath(table_path)), exist_ok=True)
        try:
            result = coreg.coregister_stack(
                ref_path, mov_paths, out_dir, table_path=table_path or None, log=feedback.pushInfo,
                progress=common.progress_callback(feedback), is_canceled=common.cancel_callback(feedback),
                **settings)
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            return {}
        except (RasterError, ValueError) as exc:
            path = getattr(exc, "path", None)
            name = names.get(os.path.abspath(path)) if path else None
            if name is None:
                raise QgsProcessingException(str(exc)) from exc
            raise QgsProcessingException(tr("Input layer '{name}': {error}").format(
                name=name, error=exc)) from exc
        for report in result["images"]:
            params = ", ".join(f"{k}={v:+.5g}" for k, v in report["parameters"].items())
            feedback.pushInfo(tr("{image}: {used} of {measured} windows used; {params} (pixels); "
                                 "residual RMSE {rmse:.3f} px").format(
                image=report["image"], used=report["windows_used"], measured=report["windows_measured"],
                params=params, rmse=report["rmse_px"]))
        results = {self.OUTPUT_FOLDER: out_dir, self.OUTPUT_TABLE: result["table"],
                   self.OUTPUT_LAYERS: result["outputs"], self.OUTPUT_REPORT: result["report"]}
        single = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if single and result["outputs"]:
            results[self.OUTPUT] = copy_raster(result["outputs"][0], single)
        sink_id = self._write_tiepoints(parameters, context, ref_layer, result["rows"])
        if sink_id is not None:
            results[self.OUTPUT_TIEPOINTS] = sink_id
        return results

    def _write_tiepoints(self, parameters, context, ref_layer, rows):
        """Write the windows as points (reference CRS) to OUTPUT_TIEPOINTS when asked."""
        fields = QgsFields()
        fields.append(QgsField("image", QVariant.String))
        for name in ("row", "col", "dy", "dx", "peak"):
            fields.append(QgsField(name, QVariant.Double))
        fields.append(QgsField("inlier", QVariant.Int))
        sink, sink_id = self.parameterAsSink(parameters, self.OUTPUT_TIEPOINTS, context, fields,
                                             QgsWkbTypes.Point, ref_layer.crs())
        if sink is None:
            return None
        for row in rows:
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(row["x"], row["y"])))
            feature.setAttributes([row["image"], row["row"], row["col"], row["dy"], row["dx"], row["peak"],
                                   int(row["inlier"])])
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return sink_id
