"""Processing algorithm "Learned difference image": a thin wrapper around core.learned_di.pipeline.

Reads the stack (an acquisitions CSV, or explicit layers with their
conditions), applies a learned-DI ONNX model tile by tile with onnxruntime
(``models.tiled_inference``) and writes the predicted image, the per-band
learned DI, its Euclidean norm and optionally the conventional DI. No torch
is imported here (see tests/test_tiled_inference.py).
"""
import os
from contextlib import contextmanager

import numpy as np
from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)

from ...core.engine import raster_sampling
from ...core.engine.raster_blocks import Cancelled, RasterError, open_readonly
from ...core.learned_di import pipeline as learned_di
from . import common
from .common import tr


@contextmanager
def errors(name, model_path):
    """Turn core errors into QgsProcessingException: model mismatches name the model, others the input.

    ``Cancelled`` passes through.
    """
    try:
        yield
    except Cancelled:
        raise
    except learned_di.ModelMismatch as exc:
        raise QgsProcessingException(tr("Model '{path}' does not fit the data: {error}").format(
            path=model_path, error=exc)) from exc
    except (RasterError, ValueError) as exc:
        raise QgsProcessingException(tr("Input '{name}': {error}").format(name=name, error=exc)) from exc

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Learned difference image (Alatalo, Sipola &amp; Rantonen 2023, IEEE TGRS 61): a trained "
        "network predicts the target acquisition's VV and VH backscatter (dB) from the N acquisitions "
        "before it, the DEM and each acquisition's conditions (temperature, precipitation, snow depth, "
        "orbit heading, mean incidence angle, platform). The learned difference image is the observed "
        "target minus the prediction, per band, in dB; its Euclidean norm over VV and VH is the "
        "multi-band difference image of the paper. Changes explained by weather, season or geometry are "
        "largely removed; real land-cover changes remain. Threshold the norm with <i>Threshold change</i>"
        " or classify it with <i>SVM change classifier</i>.</p><h3>Inputs: a stack table, or layers and "
        "conditions</h3><ul><li><b>Acquisitions table</b>: the acquisitions.csv of a stack (as written by"
        " <i>Simulate Sentinel-1 stack</i>): columns date, platform, orbit_direction, heading_deg, "
        "mean_incidence_deg, temperature_c, precip_mm, precip_3day_mm, snow_depth_m and file (the "
        "GeoTIFF, relative to the table, bands described VV and VH). The N earlier acquisitions are the N"
        " most recent before the target date.</li><li><b>Target date</b>: YYYY-MM-DD (empty: the newest "
        "acquisition); add the orbit direction ('2020-03-15 descending') when two acquisitions share the "
        "date.</li><li>Without a table: <b>Earlier acquisitions</b> (exactly N rasters, oldest first), "
        "the <b>Target acquisition</b> and <b>Conditions</b>: a CSV with the columns above (rows matched "
        "to the rasters by the file column, else in order), or typed lines, one per acquisition, earlier "
        "ones oldest first then the target, each either <code>date=2020-03-13, platform=S1A, "
        "orbit_direction=ascending, heading_deg=349, mean_incidence_deg=40.4, temperature_c=0.1, "
        "precip_mm=1.5, precip_3day_mm=0, snow_depth_m=0.01</code> or the 8 condition values "
        "temperature_c, precip_mm, precip_3day_mm, snow_depth_m, sin_heading, cos_heading, "
        "mean_incidence_deg, platform_s1b (0 = S1A, 1 = S1B).</li><li><b>DEM</b>: elevation in metres on "
        "the stack's grid (default: dem.tif beside the table or the target).</li><li><b>Input scale</b>: "
        "how the images are stored (linear power by default).</li><li><b>Model</b>: a learned-DI .onnx "
        "file (default: the model shipped with the plugin, models/learned_di.onnx, if there is one). "
        "Train one with <i>Train learned difference image model</i>. The model's metadata set N, the "
        "bands and the conditions; a mismatch stops the run with the fix.</li><li><b>Threads</b>: "
        "onnxruntime threads.</li><li><b>Tile size</b>, <b>Overlap</b> (advanced): tile side and the "
        "border per side shared with the neighbouring tiles, pixels (0 and -1: the model's values). Tiles"
        " are blended with raised-cosine weights, so no seams appear.</li></ul><p>All rasters must share "
        "one grid (run <i>Coregister SAR stack</i> first). The scene is held in memory (about 8N + 30 "
        "bytes per pixel, 4 GB for 8000 x 8000 pixels and N = 4; larger scenes are refused: clip them "
        "into parts).</p><h3>Outputs (float32 GeoTIFF, NaN = no data)</h3><ul><li><b>Predicted image</b>:"
        " the predicted VV and VH of the target, dB.</li><li><b>Learned DI</b>: observed minus predicted,"
        " VV and VH, dB.</li><li><b>Learned DI norm</b>: sqrt(DI_VV^2 + DI_VH^2), "
        "dB.</li><li><b>Conventional DI</b> (optional): sqrt of the summed squared dB differences between"
        " the target and one earlier reference acquisition chosen as in Alatalo et al. (method 1: same "
        "orbit direction, closest mean incidence angle), for comparison: among all earlier acquisitions "
        "of the table, or among the given earlier layers.</li></ul>") + tr(
        "<h3>Centring on the scene medians</h3><p>With <b>Centre each residual band on its scene "
        "median</b> (on by default) the learned DI of each band is observed minus predicted minus that "
        "difference's median over the whole scene, in dB, and the norm is taken of these centred "
        "values. A bias of the prediction over the whole scene (calibration, weather, wet soil or snow "
        "that the conditions do not explain) would otherwise raise the norm everywhere and rank the "
        "changed pixels worse; the median is not moved by the changed pixels as long as they cover less "
        "than half of the scene. The subtracted offsets (dB per band) are shown in the log, returned as "
        "results and written in the metadata of the learned DI and its norm (LEARNED_DI_OFFSET_DB_VV, "
        "LEARNED_DI_OFFSET_DB_VH). Untick it for the raw observed minus predicted.</p>")


class LearnedDiAlgorithm(common.SarChangeAlgorithm):
    """Learned difference image of one acquisition of a SAR stack."""

    STACK_TABLE = "STACK_TABLE"
    TARGET_DATE = "TARGET_DATE"
    INPUT_LAYERS = "INPUT_LAYERS"
    TARGET = "TARGET"
    CONDITIONS = "CONDITIONS"
    DEM = "DEM"
    SCALE = "SCALE"
    MODEL = "MODEL"
    THREADS = "THREADS"
    TILE_SIZE = "TILE_SIZE"
    OVERLAP = "OVERLAP"
    OUTPUT_PREDICTED = "OUTPUT_PREDICTED"
    OUTPUT_DI = "OUTPUT_DI"
    OUTPUT_DI_NORM = "OUTPUT_DI_NORM"
    OUTPUT_CONVENTIONAL_DI = "OUTPUT_CONVENTIONAL_DI"
    CENTRE = "CENTRE"
    #: Result key of the offset subtracted from a band's residual (dB), per band name.
    OFFSET_RESULT = "RESIDUAL_OFFSET_{band}_DB"

    def name(self):
        return "learneddi"

    def displayName(self):
        return tr("Learned difference image")

    def group(self):
        return tr("Learned difference image")

    def groupId(self):
        return "learneddi"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return LearnedDiAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterFile(
            self.STACK_TABLE, tr("Acquisitions table (acquisitions.csv of a stack)"),
            behavior=QgsProcessingParameterFile.File, extension="csv", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.TARGET_DATE, tr("Target date (YYYY-MM-DD; empty: the newest acquisition)"),
            optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.INPUT_LAYERS, tr("Earlier acquisitions, oldest first (without a table)"),
            layerType=QgsProcessing.TypeRaster, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.TARGET, tr("Target acquisition (without a table)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.CONDITIONS, tr("Conditions (without a table): a CSV path, or one line per acquisition"),
            multiLine=True, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.DEM, tr("DEM, metres (default: dem.tif beside the table or the target)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, tr("Learned-DI model (.onnx; default: the shipped model)"),
            behavior=QgsProcessingParameterFile.File, extension="onnx", optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.CENTRE, tr("Centre each residual band on its scene median (removes a scene-wide bias of "
                            "the prediction)"), defaultValue=learned_di.CENTRE_DEFAULT))
        self.addParameter(number(self.THREADS, tr("Threads"), type=number.Integer, defaultValue=2,
                                 minValue=1))
        for name, label, default, minimum in (
                (self.TILE_SIZE, tr("Tile size (pixels; 0 = the model's)"), 0, 0),
                (self.OVERLAP, tr("Tile overlap per side (pixels; -1 = the model's)"), -1, -1)):
            param = number(name, label, type=number.Integer, defaultValue=default, minValue=minimum)
            self.add_advanced_parameter(param)
        # Optional (written when named, and by default in the dialog): headless runs and models
        # name none; the norm then goes to a temporary file (QGIS 3.22 refuses a missing required one).
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_PREDICTED, tr("Predicted image (VV, VH; dB)"), optional=True, createByDefault=True))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_DI, tr("Learned DI (VV, VH; dB)"), optional=True, createByDefault=True))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_DI_NORM, tr("Learned DI norm (dB)"), optional=True,
            defaultValue=QgsProcessing.TEMPORARY_OUTPUT))
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT_CONVENTIONAL_DI, tr("Conventional DI (Euclidean norm of dB differences)"),
            optional=True, createByDefault=False))
        for band in learned_di.BANDS:
            self.addOutput(QgsProcessingOutputNumber(
                self.OFFSET_RESULT.format(band=band),
                tr("Offset subtracted from the {band} residual (scene median, dB)").format(band=band)))

    # -- parameters ----------------------------------------------------------------------------

    def _route(self, parameters, context):
        """'table' or 'layers'; QgsProcessingException naming what is missing."""
        table = self.parameterAsFile(parameters, self.STACK_TABLE, context)
        if table:
            return "table"
        layers = self.parameterAsLayerList(parameters, self.INPUT_LAYERS, context)
        target = self.parameterAsRasterLayer(parameters, self.TARGET, context)
        if not layers or target is None:
            raise QgsProcessingException(tr(
                "Give an acquisitions table (the acquisitions.csv of a stack), or the earlier acquisitions, "
                "the target acquisition and their conditions"))
        if not (self.parameterAsString(parameters, self.CONDITIONS, context) or "").strip():
            raise QgsProcessingException(tr(
                "Without an acquisitions table the conditions are needed: give a CSV of the acquisitions "
                "or one line of values per acquisition (earlier ones oldest first, then the target)"))
        return "layers"

    def validate(self, parameters, context):
        """Refuse a run without a table and without layers plus conditions, and inputs the model cannot use.

        Every acquisition is checked against the declared scale both ways
        (``core.engine.validation.scale_problem``) and for valid pixels, the target
        for zero power, the DEM for valid pixels, the conditions for missing
        values, and images and conditions against the trained ranges of the
        model (``core.engine.validation.trained_ranges``).
        """
        images, dem, rows, where, scale = self._inputs(parameters, context)
        common.check_learned_inputs(images, scale, dem, rows, where,
                                    *self._model_ranges_metadata(parameters, context))

    def _inputs(self, parameters, context):
        """(image paths oldest first with the target last, DEM path, condition rows, where, scale)."""
        route = self._route(parameters, context)
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        if route == "table":
            table = self.parameterAsFile(parameters, self.STACK_TABLE, context)
            try:
                rows = learned_di.read_stack(table)
            except ValueError as exc:
                raise QgsProcessingException(tr("Acquisitions table '{path}': {error}").format(
                    path=table, error=exc)) from exc
            images = [r["path"] for r in rows]
            dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
            dem = dem_layer.source() if dem_layer is not None else os.path.join(
                os.path.dirname(os.path.abspath(table)), "dem.tif")
            where = tr("acquisitions table '{path}'").format(path=table)
        else:
            layers = self.parameterAsLayerList(parameters, self.INPUT_LAYERS, context)
            target = self.parameterAsRasterLayer(parameters, self.TARGET, context)
            images = [layer.source() for layer in layers] + [target.source()]
            try:
                text = self.parameterAsString(parameters, self.CONDITIONS, context)
                rows = learned_di.parse_conditions(text, len(images), paths=images)
            except ValueError as exc:
                raise QgsProcessingException(tr("Conditions: {error}").format(error=exc)) from exc
            dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
            dem = dem_layer.source() if dem_layer is not None else os.path.join(
                os.path.dirname(images[-1]), "dem.tif")
            where = tr("the conditions")
        return images, dem, rows, where, scale

    def _model_ranges_metadata(self, parameters, context):
        """(normalisation, valid_ranges) metadata (dicts) of the model to be used; (None, None) when
        unreadable."""
        try:
            import json

            import onnxruntime

            path = self._model_path(parameters, context)
            meta = onnxruntime.InferenceSession(
                path, providers=["CPUExecutionProvider"]).get_modelmeta().custom_metadata_map
            return (json.loads(meta.get("normalisation", "null")),
                    json.loads(meta.get("valid_ranges", "null")))
        except Exception:  # noqa: BLE001 - a bad model is reported by processAlgorithm
            return None, None

    def _model_path(self, parameters, context):
        path = self.parameterAsFile(parameters, self.MODEL, context)
        if path:
            return path
        if os.path.isfile(learned_di.SHIPPED_MODEL):
            return learned_di.SHIPPED_MODEL
        raise QgsProcessingException(tr(
            "No model given and no model shipped with the plugin ({path}): train one with 'Train learned "
            "difference image model' and give the .onnx file as the model").format(
                path=learned_di.SHIPPED_MODEL))

    # -- run -----------------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        rows, where = self._inputs(parameters, context)[2:4]
        ranges_metadata = self._model_ranges_metadata(parameters, context)
        for problem in common.condition_range_warnings(rows, *ranges_metadata):
            feedback.reportError(tr("Warning, {where}: {problem}: the model was not trained for such "
                                    "conditions; the prediction there is less reliable").format(
                where=where, problem=problem), False)
        route = self._route(parameters, context)
        model_path = self._model_path(parameters, context)
        threads = self.parameterAsInt(parameters, self.THREADS, context)
        tile = self.parameterAsInt(parameters, self.TILE_SIZE, context) or None
        overlap = self.parameterAsInt(parameters, self.OVERLAP, context)
        overlap = None if overlap < 0 else overlap
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        outputs = {key: self.parameterAsOutputLayer(parameters, key, context) for key in (
            self.OUTPUT_PREDICTED, self.OUTPUT_DI, self.OUTPUT_DI_NORM, self.OUTPUT_CONVENTIONAL_DI)}
        outputs = {k: v for k, v in outputs.items() if v}
        conventional = self.OUTPUT_CONVENTIONAL_DI in outputs
        centre = self.parameterAsBool(parameters, self.CENTRE, context)

        try:
            model = learned_di.open_model(model_path, threads)
        except ValueError as exc:
            raise QgsProcessingException(tr("Model '{path}': {error}").format(path=model_path, error=exc)) \
                from exc
        info = model.learned_di
        feedback.pushInfo(tr("Model {path}: {n} earlier acquisitions, bands {bands}, tiles of {tile} pixels "
                             "with {overlap} pixels of overlap per side").format(
            path=model_path, n=info["n_inputs"], bands=", ".join(info["bands"]),
            tile=tile or info["tile_size"], overlap=info["overlap"] if overlap is None else overlap))
        if isinstance(info.get("metrics"), dict) and info["metrics"]:
            feedback.pushInfo(tr("Model metrics at training: {metrics}").format(metrics=info["metrics"]))

        progress = common.progress_callback(feedback)
        is_canceled = common.cancel_callback(feedback)
        files = {name: outputs[key] for key, name in self._OUTPUT_NAMES.items() if key in outputs}
        try:
            if route == "table":
                result, name = self._from_table(parameters, context, model, conventional, scale, threads,
                                                tile, overlap, progress, is_canceled, files, centre)
            else:
                result, name = self._from_layers(parameters, context, model, conventional, scale, threads,
                                                 tile, overlap, progress, is_canceled, files, centre)
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            for path in outputs.values():
                common.forget_output(context, path)
            return {}
        self._log(result, feedback)
        results = dict(outputs)
        for band, offset in (result.offsets or {}).items():
            results[self.OFFSET_RESULT.format(band=band)] = offset
        return results

    #: Output parameter -> output name of ``core.learned_di.pipeline.stream_learned_di``.
    _OUTPUT_NAMES = {"OUTPUT_PREDICTED": "predicted", "OUTPUT_DI": "di", "OUTPUT_DI_NORM": "di_norm",
                     "OUTPUT_CONVENTIONAL_DI": "conventional"}

    def _check_sources(self, parameters, context, sources):
        # The acquisitions listed in the table are inputs but no parameters: the output policy for them.
        common.check_outputs_against(self, parameters, context, sources, tr("acquisition or DEM"))

    def _from_table(self, parameters, context, model, conventional, scale, threads, tile, overlap,
                    progress, is_canceled, files, centre):
        table = self.parameterAsFile(parameters, self.STACK_TABLE, context)
        name = os.path.basename(table)
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem = common.gdal_source(dem_layer, self.DEM) if dem_layer is not None else None
        target_date = (self.parameterAsString(parameters, self.TARGET_DATE, context) or "").strip() or None
        with errors(name, model.source):
            rows = learned_di.read_stack(table)
            self._check_sources(parameters, context, [r["path"] for r in rows] + ([dem] if dem else []))
            result = learned_di.learned_di_from_stack(
                table, model, target_date=target_date, dem_path=dem, conventional=conventional,
                scale=scale, threads=threads, tile=tile, overlap=overlap, progress=progress,
                is_canceled=is_canceled, outputs=files, centre=centre)
        return result, name

    def _from_layers(self, parameters, context, model, conventional, scale, threads, tile, overlap,
                     progress, is_canceled, files, centre):
        layers = self.parameterAsLayerList(parameters, self.INPUT_LAYERS, context)
        target_layer = self.parameterAsRasterLayer(parameters, self.TARGET, context)
        inputs = [common.gdal_source(layer, self.INPUT_LAYERS) for layer in layers]
        target = common.gdal_source(target_layer, self.TARGET)
        name = target_layer.name()
        n = model.learned_di["n_inputs"]
        if len(inputs) != n:
            raise QgsProcessingException(tr(
                "Model '{model}' predicts from {n} earlier acquisitions but {k} layer(s) were given as "
                "earlier acquisitions: give exactly {n}, oldest first, or use a model trained with "
                "{k} inputs").format(model=model.source, n=n, k=len(inputs)))
        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        if dem_layer is not None:
            dem = common.gdal_source(dem_layer, self.DEM)
        else:
            dem = os.path.join(os.path.dirname(target), "dem.tif")
            if not os.path.isfile(dem):
                raise QgsProcessingException(tr(
                    "No DEM given and no dem.tif beside the target {path}: give the DEM (metres) on the "
                    "target's grid").format(path=target))
        text = self.parameterAsString(parameters, self.CONDITIONS, context)
        with errors(name, model.source):
            rows = learned_di.parse_conditions(text, n + 1, paths=inputs + [target])
            dates = [r.get("date") for r in rows]
            if all(dates):
                dates = [learned_di.iso_date(d) for d in dates]
                if dates != sorted(dates) or dates[-2] >= dates[-1]:
                    raise ValueError(tr(
                        "the conditions' dates {dates} are not in order: give the earlier acquisitions "
                        "oldest first, then the target (later than all of them)").format(dates=dates))
            reference = inputs[learned_di.reference_among(rows)] if conventional else None
            self._check_sources(parameters, context, inputs + [target, dem])
            result = learned_di.stream_learned_di(
                model, inputs, target, dem, rows, files, scale=scale, reference_path=reference,
                threads=threads, tile=tile, overlap=overlap, progress=progress, is_canceled=is_canceled,
                centre=centre)
        if reference is not None:
            result.reference = {"path": reference}
        return result, name

    def _log(self, result, feedback):
        target = result.target.get("date") or result.grid_path
        feedback.pushInfo(tr("Target: {target}").format(target=target))
        if result.inputs:
            feedback.pushInfo(tr("Earlier acquisitions (oldest first): {dates}").format(
                dates=", ".join(str(r.get("date") or r.get("path") or "?") for r in result.inputs)))
        if result.reference:
            feedback.pushInfo(tr("Conventional DI reference (same orbit, closest incidence): {ref}").format(
                ref=result.reference.get("date") or result.reference.get("path")))
        if result.offsets is not None:
            feedback.pushInfo(tr("Residuals centred: scene medians of observed - predicted subtracted: "
                                 "{offsets} (a scene-wide bias of the prediction)").format(
                offsets=", ".join(f"{band} {value:+.3f} dB" for band, value in result.offsets.items())))
        summary = tr("{what}: median {median:.2f} dB, 99th percentile {p99:.2f} dB")
        for what, name in ((tr("Learned DI norm"), "di_norm"), (tr("Conventional DI"), "conventional")):
            values = None
            if name in result.written:  # a decimated sample of the written file (about 1 MPix)
                values = raster_sampling.decimated_band(open_readonly(result.written[name]), 1)
            finite = None if values is None else values[np.isfinite(values)]
            if finite is not None and finite.size:
                feedback.pushInfo(summary.format(what=what, median=float(np.median(finite)),
                                                 p99=float(np.percentile(finite, 99))))

