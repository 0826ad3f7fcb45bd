"""Processing algorithm "SAR to optical": a thin wrapper around models.sar_to_optical.inference.

No torch here: the exported ONNX model runs with onnxruntime, block by block
through the block engine (bounded memory), tiles blended inside each block.
"""
import os
from contextlib import contextmanager

from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ...core.engine import scale as scales
from ...core.engine.raster_blocks import Cancelled, RasterError
from ...models.sar_to_optical import conditions as acquisition
from ...models.sar_to_optical import inference, schema
from . import common
from .common import tr

#: Shipped model (written by ``benchmarks/sar_to_optical.py --ship``).
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                             "models", "sar_to_optical.onnx")
#: Input scales in enum order: the order of every other algorithm (linear power, amplitude, dB);
#: the default is dB, the models' input scale.
SCALES = common.SCALE_CHOICES
#: Contrast enhancement options in enum order (core.translation.contrast.enhance methods).
CONTRASTS = ("none", "laplacian", "wiener")
#: Output band sets in enum order.
OUTPUT_BAND_SETS = (schema.RGB_NIR_ORDER, schema.RGB_NIR_ORDER[:3])

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Translates a Sentinel-1 SAR image (VV and VH) into a Sentinel-2-like optical image (surface "
        "reflectance of B04 red, B03 green, B02 blue and B08 near infrared) with a trained network: "
        "SARDINet (Bralet et al., ICIP 2022) with the DEM fused as in Bralet et al. (IGARSS 2024), or a "
        "SAR-only model. Useful where the optical archive is cloudy: an optical-looking view of a SAR "
        "acquisition, e.g. to map landslides, floods or clear-cuts in mountains.</p><ul><li><b>SAR "
        "raster</b>, <b>VV band</b>, <b>VH band</b>, <b>Input scale</b> (linear power, amplitude or dB; a"
        " raster whose values contradict the scale is refused).</li><li><b>DEM</b>, metres: needed by "
        "models with a DEM fusion. Another grid or CRS is warped onto the SAR grid on the fly (bilinear);"
        " it must cover the whole SAR extent.</li><li><b>Model</b>: a sar_to_optical .onnx (default: the "
        "model shipped with the plugin, models/sar_to_optical.onnx; its card models/sar_to_optical.md "
        "gives its training and metrics). Train one with <i>Train SAR-to-optical "
        "model</i>.</li><li><b>Acquisition date</b> (YYYY-MM-DD): the date of the SAR image; the shipped "
        "model draws the optical image as Sentinel-2 would see it that day (sun elevation and azimuth at "
        "10:30 local solar time, season). Empty: read from the file name (YYYYMMDD, as in Sentinel-1 "
        "product names).</li><li><b>Contrast enhancement</b>: none, Laplacian sharpening or Wiener "
        "deconvolution of a Gaussian blur (paper sec. 4.2.3): the network's output is "
        "smooth.</li><li><b>Output bands</b>: B04, B03, B02, B08 or B04, B03, B02; red, green and blue "
        "come first so the result loads as a true-colour layer.</li><li><b>Tile size</b>, <b>Overlap</b>,"
        " <b>Block size</b> (advanced): the blocks streamed from disk (each with a halo) and the "
        "inference tiles inside them, blended with raised-cosine weights (tile 0: the whole block with "
        "its halo in one tile, the fastest, without overlap; overlap -1: the model's).</li></ul><p>Output: "
        "float32 GeoTIFF of reflectance (0..1; snow can exceed 1), NaN where the SAR or the DEM has no "
        "data.</p>"
    )


@contextmanager
def errors(layer_name, model_path):
    try:
        yield
    except Cancelled:
        raise
    except (RasterError, ValueError) as exc:
        raise QgsProcessingException(tr("Input '{name}' with model '{model}': {error}").format(
            name=layer_name, model=model_path, error=exc)) from exc


class SarToOpticalAlgorithm(common.SarChangeAlgorithm):
    """SAR (VV, VH) [+ DEM] -> Sentinel-2-like reflectance with an ONNX model."""

    INPUT = "INPUT"
    VV_BAND = "VV_BAND"
    VH_BAND = "VH_BAND"
    SCALE = "SCALE"
    DEM = "DEM"
    DATE = "DATE"
    MODEL = "MODEL"
    CONTRAST = "CONTRAST"
    OUTPUT_BANDS = "OUTPUT_BANDS"
    THREADS = "THREADS"
    TILE_SIZE = "TILE_SIZE"
    OVERLAP = "OVERLAP"
    BLOCK_SIZE = "BLOCK_SIZE"
    OUTPUT = "OUTPUT"

    def name(self):
        return "sartooptical"

    def displayName(self):
        return tr("SAR to optical (SARDINet)")

    def group(self):
        return tr("SAR to optical")

    def groupId(self):
        return "sartooptical"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return SarToOpticalAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("SAR raster (VV, VH)")))
        # Optional so that a missing value means the default (QGIS 3.22 refuses a required band
        # parameter left at its default).
        for name, label, default in ((self.VV_BAND, tr("VV band (default 1)"), 1),
                                     (self.VH_BAND, tr("VH band (default 2)"), 2)):
            self.addParameter(QgsProcessingParameterBand(name, label, defaultValue=default,
                                                         parentLayerParameterName=self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(),
            defaultValue=SCALES.index(scales.DB)))  # the model's own scale, as in the pair folders
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.DEM, tr("DEM, metres (models with a DEM fusion)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.DATE, tr("Acquisition date (YYYY-MM-DD; empty: from the file name)"), optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, tr("SAR-to-optical model (.onnx; default: the shipped model)"),
            behavior=QgsProcessingParameterFile.File, extension="onnx", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.CONTRAST, tr("Contrast enhancement"),
            options=[tr("None"), tr("Laplacian sharpening"), tr("Wiener deconvolution")], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.OUTPUT_BANDS, tr("Output bands"),
            options=[tr("B04, B03, B02, B08 (true colour + NIR)"), tr("B04, B03, B02 (true colour)")],
            defaultValue=0))
        self.addParameter(number(self.THREADS, tr("Threads"), type=number.Integer, defaultValue=2,
                                 minValue=1))
        for name, label, default, minimum in (
                (self.TILE_SIZE, tr("Tile size (pixels; 0 = each block with its halo)"), 0, 0),
                (self.OVERLAP, tr("Tile overlap per side (pixels; -1 = the model's)"), -1, -1),
                (self.BLOCK_SIZE, tr("Block size (pixels)"), inference.DEFAULT_BLOCK, 64)):
            param = number(name, label, type=number.Integer, defaultValue=default, minValue=minimum)
            self.add_advanced_parameter(param)
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT, tr("Optical image (reflectance)")))

    def _model_path(self, parameters, context):
        path = self.parameterAsFile(parameters, self.MODEL, context)
        if path:
            return path
        if os.path.isfile(SHIPPED_MODEL):
            return SHIPPED_MODEL
        raise QgsProcessingException(tr(
            "No model given and no model shipped with the plugin ({path}): train one with 'Train "
            "SAR-to-optical model' and give the .onnx file as the model").format(path=SHIPPED_MODEL))

    def _date(self, parameters, context, layer, source):
        """The acquisition date: the DATE parameter, else the first YYYYMMDD of the SAR file name."""
        text = (self.parameterAsString(parameters, self.DATE, context) or "").strip()
        if text:
            try:
                return acquisition.parse_date(text)
            except ValueError as exc:
                raise QgsProcessingException(tr("Acquisition date '{text}': {error}").format(
                    text=text, error=exc)) from exc
        date = acquisition.date_from_name(source)
        if date is None:
            raise QgsProcessingException(tr(
                "The model draws the optical image of a given day (sun and season) but the name of the SAR "
                "layer '{name}' ({source}) holds no date (YYYYMMDD): give the acquisition date "
                "(YYYY-MM-DD)").format(name=layer.name(), source=source))
        return date

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        sar = common.gdal_source(layer, self.INPUT)
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem = common.gdal_source(dem_layer, self.DEM) if dem_layer is not None else None
        model_path = self._model_path(parameters, context)
        threads = self.parameterAsInt(parameters, self.THREADS, context)
        out = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        try:
            model = inference.open_model(model_path, 1)  # translate_raster runs THREADS blocks at once
        except ValueError as exc:
            raise QgsProcessingException(tr(
                "Model '{path}': {error}. Give a SAR-to-optical model (kind '{kind}') trained with 'Train "
                "SAR-to-optical model'").format(path=model_path, error=exc, kind=schema.KIND)) from exc
        summary = model.summary
        if summary["needs_dem"] and dem is None:
            raise QgsProcessingException(tr(
                "Model '{path}' fuses the DEM (fusion '{fusion}'): give the DEM (metres) covering the SAR "
                "layer '{name}', or use a SAR-only model").format(path=model_path, fusion=summary["fusion"],
                                                                   name=layer.name()))
        if not summary["needs_dem"] and dem is not None:
            feedback.pushInfo(tr("The model is SAR-only (fusion 'none'): the DEM is not used."))
        feedback.pushInfo(tr("Model {path}: fusion '{fusion}', output {bands}").format(
            path=model_path, fusion=summary["fusion"], bands=", ".join(summary["bands"])))
        date = self._date(parameters, context, layer, sar) if summary["needs_date"] else None
        tile = self.parameterAsInt(parameters, self.TILE_SIZE, context) or None
        overlap = self.parameterAsInt(parameters, self.OVERLAP, context)
        bands_out = OUTPUT_BAND_SETS[self.parameterAsEnum(parameters, self.OUTPUT_BANDS, context)]
        try:
            with errors(layer.name(), model_path):
                result = inference.translate_raster(
                    sar, out, model, dem_path=dem if summary["needs_dem"] else None,
                    bands=(self.parameterAsInt(parameters, self.VV_BAND, context) or 1,
                           self.parameterAsInt(parameters, self.VH_BAND, context) or 2),
                    scale=SCALES[self.parameterAsEnum(parameters, self.SCALE, context)],
                    contrast=CONTRASTS[self.parameterAsEnum(parameters, self.CONTRAST, context)],
                    tile=tile, overlap=None if overlap < 0 else overlap,
                    block=self.parameterAsInt(parameters, self.BLOCK_SIZE, context), threads=threads,
                    progress=common.progress_callback(feedback), is_canceled=common.cancel_callback(feedback),
                    output_bands=bands_out, date=date)
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, out)
            return {}
        if result.get("conditions"):
            elevation, azimuth, day = result["conditions"][:3]
            feedback.pushInfo(tr("Acquisition {date}: sun elevation {elevation:.1f} deg, azimuth "
                                 "{azimuth:.1f} deg, day of year {day:.0f}").format(
                date=date.isoformat(), elevation=elevation, azimuth=azimuth, day=day))
        feedback.pushInfo(tr("Blocks of {block} pixels with {margin} pixels of halo; bands {bands}").format(
            block=result["block"], margin=result["margin"], bands=", ".join(bands_out)))
        return {self.OUTPUT: out}
