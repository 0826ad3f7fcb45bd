"""Processing algorithm "Evaluate change detection": a thin wrapper around core.change.

The prediction (binary change map) and/or the difference image are checked
to lie on the reference mask's grid, streamed block by block through
``core.change.evaluation.evaluate_rasters`` (confusion counts over every
pixel, ROC on a bounded systematic sample) and reported by
``core.change.report.write_report`` (HTML page with PNG plots beside it, and
a JSON file of all numbers).
"""
import math

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)

from ...core.change import evaluation, report
from ...core.engine.raster_blocks import Cancelled, RasterError, read_info
from . import common
from .common import tr


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Measures how well a change map and/or a difference image (DI) match a reference change mask, "
        "and writes an HTML report (tables and plots, shown in the Results Viewer) and a JSON file of all"
        " numbers.</p><h3>Parameters</h3><ul><li><b>Change map (prediction)</b> (optional): binary "
        "raster, 0 = unchanged, 1 (or 255) = changed; its no-data pixels are left out. Any other value is"
        " refused.</li><li><b>Difference image</b> (optional): continuous raster, larger values = more "
        "likely changed (e.g. an absolute log-ratio). Used for the ROC curve, the AUC and the histograms."
        " At least one of the change map and the difference image is needed.</li><li><b>Reference change "
        "mask</b>: 0 = unchanged, 1 or 255 = changed, or the band's no-data value (left out). Any other "
        "value is refused. The change map and the difference image must be on its grid (same size, "
        "geotransform and CRS): resample/coregister onto the reference grid first "
        "otherwise.</li><li><b>DI threshold</b> (optional, DI units): the rule \"changed when DI &gt;= "
        "threshold\". Drawn on the histograms; without a change map, the change map is made from the "
        "difference image with it.</li><li><b>Change in the DI shows as</b>: higher values (default), "
        "lower values (a decrease in a signed DI such as a log-ratio over a flood: the ROC is that of -DI"
        " and the rule becomes \"changed when DI &lt;= threshold\") or larger magnitude |DI| "
        "(two-sided).</li><li><b>Balanced ROC sample</b>: compute the ROC on all changed pixels and as "
        "many randomly drawn unchanged pixels (or the reverse, whichever class is larger; fixed seed 0), "
        "as Alatalo, Sipola &amp; Rantonen (2023) do. The AUC does not depend on the class ratio, so this"
        " mainly changes the sampling error.</li></ul><p>Band 1 of each raster is "
        "used.</p><h3>Measures</h3><ul><li>TP, FP (false alarms), FN (missed alarms), TN in pixels; "
        "overall error OE = FP + FN (pixels); percentage correct classification PCC = 100 (TP + TN) / N "
        "(%).</li><li>Cohen's kappa = (p_o - p_e) / (1 - p_e), with p_o = (TP + TN) / N and p_e = [(TP + "
        "FP)(TP + FN) + (FN + TN)(FP + TN)] / N^2 (Cohen 1960; Congalton 1991).</li><li>Precision TP / "
        "(TP + FP), recall TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN), IoU = TP / (TP + FP + "
        "FN).</li><li>ROC curve and its area (AUC, trapezoid rule, ties counted as one half; Fawcett "
        "2006).</li></ul><p>The confusion counts use every pixel, streamed block by block. The ROC and "
        "the histograms use all pixels up to 4 million pixels; larger scenes are sampled systematically "
        "(every s-th row and column, s as small as keeps the sample at or below 4 million pixels), which "
        "covers the scene evenly. Undefined measures (e.g. precision with no predicted change, AUC "
        "without a difference image) are reported as NaN.</p>")


class EvaluateChangeAlgorithm(common.SarChangeAlgorithm):
    """Evaluate a change map and/or a difference image against a reference change mask."""

    PREDICTION = "PREDICTION"
    DI = "DI"
    REFERENCE = "REFERENCE"
    THRESHOLD = "THRESHOLD"
    BALANCED = "BALANCED"
    DI_DIRECTION = "DI_DIRECTION"
    OUTPUT_HTML = "OUTPUT_HTML"
    OUTPUT_JSON = "OUTPUT_JSON"
    KAPPA = "KAPPA"
    PCC = "PCC"
    F1 = "F1"
    AUC = "AUC"

    def name(self):
        return "evaluatechange"

    def displayName(self):
        return tr("Evaluate change detection")

    def group(self):
        return tr("Change detection")

    def groupId(self):
        return "changedetection"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return EvaluateChangeAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.PREDICTION, tr("Change map (prediction: 0 unchanged, 1 changed)"), optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.DI, tr("Difference image (larger = more change)"), optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.REFERENCE, tr("Reference change mask (0 unchanged, 1 or 255 changed)")))
        self.addParameter(QgsProcessingParameterNumber(
            self.THRESHOLD, tr("DI threshold (changed when DI >= threshold)"),
            type=QgsProcessingParameterNumber.Double, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.DI_DIRECTION, tr("Change in the DI shows as"),
            options=[tr("Higher values (e.g. Euclidean norm, mean ratio)"),
                     tr("Lower values (a decrease in a signed DI, e.g. flooding in a log-ratio)"),
                     tr("Larger magnitude |DI| (two-sided)")], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.BALANCED, tr("Balanced ROC sample (as many unchanged as changed pixels)"),
            defaultValue=False))
        # An HTML file filter makes QGIS declare a QgsProcessingOutputHtml: the Results Viewer lists it.
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_HTML, tr("Evaluation report"), fileFilter=tr("HTML files (*.html *.HTML)"),
            defaultValue=QgsProcessing.TEMPORARY_OUTPUT))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_JSON, tr("Evaluation numbers (JSON)"), fileFilter=tr("JSON files (*.json *.JSON)"),
            defaultValue=QgsProcessing.TEMPORARY_OUTPUT))
        self.addOutput(QgsProcessingOutputNumber(self.KAPPA, tr("Cohen's kappa")))
        self.addOutput(QgsProcessingOutputNumber(self.PCC, tr("Percentage correct classification (%)")))
        self.addOutput(QgsProcessingOutputNumber(self.F1, tr("F1 score")))
        self.addOutput(QgsProcessingOutputNumber(self.AUC, tr("Area under the ROC curve")))

    def validate(self, parameters, context):
        """Refuse a run with neither a change map nor a difference image."""
        if not self._given(parameters, self.PREDICTION) and not self._given(parameters, self.DI):
            raise ValueError(self._missing_inputs_message())

    @staticmethod
    def _given(parameters, name):
        value = parameters.get(name)
        return value is not None and value != ""

    @staticmethod
    def _missing_inputs_message():
        return tr("Give a change map (prediction), a difference image, or both")

    def _threshold(self, parameters, context):
        if not self._given(parameters, self.THRESHOLD):
            return None
        value = self.parameterAsDouble(parameters, self.THRESHOLD, context)
        if not math.isfinite(value):
            raise QgsProcessingException(tr("The DI threshold must be a finite number"))
        return value

    def processAlgorithm(self, parameters, context, feedback):
        ref_layer = self.parameterAsRasterLayer(parameters, self.REFERENCE, context)
        ref = common.gdal_source(ref_layer, self.REFERENCE)
        sources = {}
        for name in (self.PREDICTION, self.DI):
            layer = self.parameterAsRasterLayer(parameters, name, context) if self._given(
                parameters, name) else None
            if layer is not None:
                sources[name] = (layer.name(), common.gdal_source(layer, name))
        if not sources:
            raise QgsProcessingException(self._missing_inputs_message())
        threshold = self._threshold(parameters, context)
        balanced = self.parameterAsBool(parameters, self.BALANCED, context)
        out_html = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        out_json = self.parameterAsFileOutput(parameters, self.OUTPUT_JSON, context)
        self._check_grids(ref_layer.name(), ref, sources, feedback)

        pred = sources.get(self.PREDICTION, (None, None))[1]
        di = sources.get(self.DI, (None, None))[1]
        progress = common.progress_callback(feedback)
        try:
            result = evaluation.evaluate_rasters(
                ref, prediction=pred, di=di, threshold=threshold, balanced=balanced,
                di_direction=evaluation.DI_DIRECTIONS[
                    self.parameterAsEnum(parameters, self.DI_DIRECTION, context)],
                progress=None if progress is None else (lambda p: progress(0.9 * p)),
                is_canceled=common.cancel_callback(feedback))
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no report was written."))
            return {}
        except (RasterError, ValueError) as exc:
            raise QgsProcessingException(tr("Cannot evaluate: {error}").format(error=exc)) from exc

        conf, roc = result.confusion, result.roc
        for note in result.notes:
            feedback.pushInfo(note)
        info = {
            "Reference change mask": f"{ref_layer.name()} ({ref})",
            "Change map (prediction)": self._describe(sources.get(self.PREDICTION)),
            "Difference image": self._describe(sources.get(self.DI)),
            "DI threshold (DI units)": "not set" if threshold is None else f"{threshold:g}",
            "Change map made from DI >= threshold": "yes" if pred is None and conf is not None else "no",
            "Balanced ROC sample": "yes (seed 0)" if balanced else "no",
            "DI direction (scores = oriented DI)": evaluation.DI_DIRECTIONS[
                self.parameterAsEnum(parameters, self.DI_DIRECTION, context)],
            "ROC sample": (f"rows and columns with a step of {result.stride} ({result.sample_pixels} pixels)"
                           if result.stride > 1 else f"all pixels ({result.sample_pixels})"),
        }
        overlay = None
        if result.sample_prediction is not None:
            overlay = (result.sample_prediction, result.sample_reference)
        di_hist = None
        if result.di_changed is not None:
            di_hist = {"changed": result.di_changed, "unchanged": result.di_unchanged}
        try:
            report.write_report(out_html, conf, roc=roc, di_hist=di_hist, threshold=threshold,
                                change_map_png_inputs=overlay, out_json=out_json, info=info,
                                notes=result.notes)
        except OSError as exc:
            raise QgsProcessingException(tr("Cannot write the report {path}: {error}").format(
                path=out_html, error=exc)) from exc
        feedback.setProgress(100.0)

        nan = float("nan")
        values = {
            self.KAPPA: conf.kappa if conf is not None else nan,
            self.PCC: conf.pcc if conf is not None else nan,
            self.F1: conf.f1 if conf is not None else nan,
            self.AUC: roc.auc if roc is not None else nan,
        }
        if conf is not None:
            feedback.pushInfo(tr("TP {tp}, FP {fp}, FN {fn}, TN {tn} pixels; OE {oe} pixels").format(
                tp=conf.tp, fp=conf.fp, fn=conf.fn, tn=conf.tn, oe=conf.oe))
        feedback.pushInfo(tr("Kappa {kappa:.4f}, PCC {pcc:.2f} %, F1 {f1:.4f}, AUC {auc:.4f}").format(
            kappa=values[self.KAPPA], pcc=values[self.PCC], f1=values[self.F1], auc=values[self.AUC]))
        return {self.OUTPUT_HTML: out_html, self.OUTPUT_JSON: out_json, **values}

    @staticmethod
    def _describe(source):
        return "not given" if source is None else f"{source[0]} ({source[1]})"

    def _check_grids(self, ref_name, ref, sources, feedback):
        """Raise a QgsProcessingException naming the layer that is not on the reference grid."""
        try:
            ref_info = read_info(ref)
            for layer_name, path in sources.values():
                info = read_info(path)
                why = evaluation.grid_mismatch(info, ref_info)
                if why:
                    raise QgsProcessingException(tr(
                        "Layer '{name}' is not on the grid of the reference layer '{ref}': {why}. "
                        "Please resample/coregister onto the reference grid (e.g. GDAL Warp with the "
                        "reference's CRS, extent and pixel size) first.").format(
                            name=layer_name, ref=ref_name, why=why))
                if info.bands > 1:
                    feedback.pushInfo(tr("Layer '{name}' has {bands} bands; band 1 is used.").format(
                        name=layer_name, bands=info.bands))
            if ref_info.bands > 1:
                feedback.pushInfo(tr("Layer '{name}' has {bands} bands; band 1 is used.").format(
                    name=ref_name, bands=ref_info.bands))
        except RasterError as exc:
            raise QgsProcessingException(str(exc)) from exc

