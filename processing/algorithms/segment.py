"""Processing algorithm "Segment SAR raster": applies a segmentation model (ONNX) block by block.

Thin wrapper of ``models.segmentation.apply.segment_raster`` (onnxruntime
only, no torch): the framework's tiled runner inside every block of the block
engine, a class raster with the model's palette and class names, optional
per-class probabilities.
"""

import os

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

from ...core.engine import raster_sampling
from ...core.engine import scale as scales
from ...core.engine.raster_blocks import Cancelled
from ...models.segmentation import apply
from . import common
from .common import tr

#: Scales offered, in enum order: the order of every other algorithm (linear power, amplitude, dB);
#: the default is dB, the models' input scale.
SCALES = common.SCALE_CHOICES

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Classifies every pixel of a SAR raster (e.g. water / ice / land) with a segmentation model "
        "trained by <i>Train SAR segmentation model</i> (a ResNet-18 encoder cut after its third block "
        "with an ASPP decoder; Karimzadeh &amp; Pires de Lima 2022), saved as ONNX.</p><p>The raster is "
        "read block by block; inside each block the model runs on overlapping tiles whose probabilities "
        "are blended, so a full scene needs little memory.</p><h3>Parameters</h3><ul><li><b>SAR "
        "bands</b>: the bands the model was trained on, in its order (e.g. VV then VH), given as numbers "
        "separated by commas.</li><li><b>Scale</b>: linear power, amplitude or dB (converted to "
        "dB here).</li><li><b>Incidence angle band</b> (degrees): needed when the model was trained with "
        "one.</li><li><b>Model</b>: the .onnx file (default: the model shipped with the plugin, "
        "models/segmentation.onnx: water / ice / land from Sentinel-1 VV, VH dB and the incidence angle, "
        "trained on simulated scenes; its card models/segmentation.md); its class names and colours "
        "become the output's palette.</li><li><b>Classes</b>: Byte raster, value = class (0, 1, ...), "
        "255 = no data, with a colour table and class names.</li><li><b>Class probabilities</b> "
        "(optional): one Float32 band per class.</li></ul>"
    )


def parse_bands(text):
    """1-based band numbers from '1,2'; ValueError naming the fix."""
    try:
        bands = [int(v) for v in str(text).replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise ValueError(
            tr("SAR bands {text!r}: give band numbers separated by commas, e.g. 1,2").format(text=text)
        ) from None
    if not bands or min(bands) < 1:
        raise ValueError(
            tr("SAR bands {text!r}: give band numbers >= 1 separated by commas, e.g. 1,2").format(text=text)
        )
    return bands


class SarBandsMixin:
    """SAR input parameters of the segmentation algorithms: raster, bands, scale, incidence band."""

    INPUT = "INPUT"
    BANDS = "BANDS"
    SCALE = "SCALE"
    INCIDENCE_BAND = "INCIDENCE_BAND"

    def add_sar_parameters(self, bands_label):
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("SAR raster")))
        self.addParameter(QgsProcessingParameterString(self.BANDS, bands_label, defaultValue="1,2"))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.SCALE,
                tr("Scale of the SAR bands"),
                options=common.scale_labels(),
                defaultValue=SCALES.index(scales.DB),
            )
        )
        self.addParameter(
            QgsProcessingParameterBand(
                self.INCIDENCE_BAND,
                tr("Incidence angle band (degrees)"),
                parentLayerParameterName=self.INPUT,
                optional=True,
            )
        )

    def sar_inputs(self, parameters, context):
        """(layer, GDAL path, SAR bands, scale (one of ``SCALES``), incidence band or None); bands
        checked."""
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        src = common.gdal_source(layer, self.INPUT)
        try:
            bands = parse_bands(self.parameterAsString(parameters, self.BANDS, context))
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        if max(bands) > layer.bandCount():
            raise common.band_error(layer.name(), max(bands), layer.bandCount())
        incidence = self.parameterAsInt(parameters, self.INCIDENCE_BAND, context) or None
        scale = SCALES[self.parameterAsEnum(parameters, self.SCALE, context)]
        with common.core_errors(layer.name()):  # dB declared linear or the reverse
            raster_sampling.check_input_scale(src, scale, bands)
        return layer, src, bands, scale, incidence


class SegmentAlgorithm(SarBandsMixin, common.SarChangeAlgorithm):
    MODEL = "MODEL"
    THREADS = "THREADS"
    OUTPUT = "OUTPUT"
    PROBABILITIES = "PROBABILITIES"

    def name(self):
        return "segment"

    def displayName(self):
        return tr("Segment SAR raster (water, ice, land cover)")

    def group(self):
        return tr("Segmentation")

    def groupId(self):
        return "segmentation"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return SegmentAlgorithm()

    def initAlgorithm(self, config=None):
        self.add_sar_parameters(tr("SAR bands (model order, e.g. 1,2)"))
        self.addParameter(
            QgsProcessingParameterFile(
                self.MODEL,
                tr("Segmentation model (.onnx; default: the shipped model)"),
                behavior=QgsProcessingParameterFile.File,
                fileFilter=tr("ONNX models (*.onnx)"),
                optional=True,
            )
        )
        threads = QgsProcessingParameterNumber(
            self.THREADS,
            tr("onnxruntime threads"),
            type=QgsProcessingParameterNumber.Integer,
            defaultValue=2,
            minValue=1,
        )
        self.add_advanced_parameter(threads)
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Classes")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                self.PROBABILITIES, tr("Class probabilities"), optional=True, createByDefault=False
            )
        )

    def validate(self, parameters, context):
        parse_bands(self.parameterAsString(parameters, self.BANDS, context))
        model_path = self.parameterAsFile(parameters, self.MODEL, context) or apply.SHIPPED_MODEL
        if not os.path.isfile(model_path):
            return  # processAlgorithm names the missing shipped model and the fix
        try:
            apply.load_model(model_path)
        except (ValueError, RuntimeError) as exc:
            raise QgsProcessingException(tr(
                "Model '{path}': {error}. Give a segmentation model trained with 'Train SAR segmentation "
                "model' (sarchange:trainsegmentation)").format(path=model_path, error=exc)) from exc

    def processAlgorithm(self, parameters, context, feedback):
        layer, src, bands, scale, incidence = self.sar_inputs(parameters, context)
        model_path = self.parameterAsFile(parameters, self.MODEL, context)
        if not model_path:
            if not os.path.isfile(apply.SHIPPED_MODEL):
                raise QgsProcessingException(
                    tr(
                        "No model given and no model shipped with the plugin ({path}): train one with "
                        "'Train SAR segmentation model' and give the .onnx file as the model"
                    ).format(path=apply.SHIPPED_MODEL)
                )
            model_path = apply.SHIPPED_MODEL
            feedback.pushInfo(tr("Model: the shipped model {path}").format(path=model_path))
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        probs = self.parameterAsOutputLayer(parameters, self.PROBABILITIES, context) or None
        try:
            with common.core_errors(layer.name()):
                result = apply.segment_raster(
                    src,
                    dst,
                    model_path,
                    bands=bands,
                    scale=scale,
                    incidence_band=incidence,
                    out_probabilities=probs,
                    threads=self.parameterAsInt(parameters, self.THREADS, context),
                    progress=common.progress_callback(feedback),
                    is_canceled=common.cancel_callback(feedback),
                )
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, dst)
            if probs:
                common.forget_output(context, probs)
            return {}
        feedback.pushInfo(
            tr("Classes: {classes}").format(
                classes=", ".join(f"{e['value']} {e['name']} {e['colour']}" for e in result["classes_meta"])
            )
        )
        out = {self.OUTPUT: dst}
        if probs:
            out[self.PROBABILITIES] = probs
        return out
