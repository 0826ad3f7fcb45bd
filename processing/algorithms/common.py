"""Helpers shared by the SAR Change Processing algorithms.

Adapters between QGIS Processing and the QGIS-free ``core``: feedback
callbacks, error translation and reading the input layer's file path. The
image-wide checks they call (scale check, ENL from sample windows) live in
``core.engine.raster_sampling``.
"""
import functools
import os
import re
import threading
from contextlib import contextmanager

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsMapLayer,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingUtils,
    QgsProperty,
    QgsRasterLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from ...core.engine import outputs, palette, raster_sampling, validation
from ...core.engine import scale as scales
from ...core.engine.raster_blocks import Cancelled, RasterError, read_info
from .presentation import Presentation

#: Radiometric scales in the order of the SCALE enum parameter.
SCALE_CHOICES = (scales.LINEAR_POWER, scales.AMPLITUDE, scales.DB)


def tr(text):
    """Translate ``text`` in the 'SarChange' context (see i18n/README.md)."""
    return QCoreApplication.translate("SarChange", text)


class SarChangeAlgorithm(Presentation, QgsProcessingAlgorithm):
    """Base of the SAR Change algorithms: background-thread safe, one validation hook, one output policy.

    Subclasses override ``validate(parameters, context)`` to raise ValueError
    or QgsProcessingException (message = the fix) for values they cannot use; ``checkParameterValues``
    turns that into QGIS's refusal before anything runs (dialog, batch,
    qgis_process), and ``processAlgorithm`` may call it again.

    Before ``validate``, every explicit output is checked by ``check_outputs``
    (not an input, not another output, folder writable with room). Every
    subclass's ``processAlgorithm`` is wrapped (``guarded_process``): an
    OutputError from core becomes a QgsProcessingException naming the output
    parameter, a MemoryError one naming the fix, and on any failure the
    outputs written during the run are removed.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "processAlgorithm" in cls.__dict__:
            cls.processAlgorithm = guarded_process(cls.__dict__["processAlgorithm"])

    def add_advanced_parameter(self, parameter):
        """Add ``parameter`` under the dialog's "Advanced parameters" (same as addParameter otherwise)."""
        parameter.setFlags(parameter.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return self.addParameter(parameter)

    def validate(self, parameters, context):
        """Raise ValueError or QgsProcessingException naming the fix for unusable values (default: none)."""

    def estimated_output_bytes(self, parameters, context, inputs):
        """{output parameter name: bytes} the outputs may need (default: see ``default_output_bytes``)."""
        return default_output_bytes(self, inputs)

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            why = unreadable_raster_message(self, parameters) or wrong_file_message(self, parameters)
            return ok, why or message
        try:
            check_outputs(self, parameters, context)
            self.validate(parameters, context)
            check_raster_contents(self, parameters, context)
        except (ValueError, QgsProcessingException) as exc:
            return False, str(exc)
        return True, ""

    def parameterAsOutputLayer(self, parameters, name, context):
        path = super().parameterAsOutputLayer(parameters, name, context)
        self._remember_output(name, path)
        return path

    def parameterAsFileOutput(self, parameters, name, context):
        path = super().parameterAsFileOutput(parameters, name, context)
        self._remember_output(name, path)
        return path

    def _remember_output(self, name, path):
        if path:
            if not hasattr(self, "_run_outputs"):
                self._run_outputs = {}
            self._run_outputs[name] = (path, _stamp(path))


def _stamp(path):
    """(inode, device, mtime, size) of ``path``, None when absent: tells a file written during the run."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_dev, st.st_mtime_ns, st.st_size)


def guarded_process(process):
    """Wrap a ``processAlgorithm``: output errors named by parameter, outputs removed on failure."""
    @functools.wraps(process)
    def run(self, parameters, context, feedback):
        self._run_outputs = {}
        for definition in self.destinationParameterDefinitions():  # folders: files written inside them
            if isinstance(definition, QgsProcessingParameterFolderDestination):
                folder = _explicit_destination(parameters.get(definition.name()), context)
                if folder:
                    self._run_outputs[definition.name()] = (folder, _stamp(folder))
        # again (the modeler may not call checkParameterValues), then make the missing folders
        for path in check_outputs(self, parameters, context):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        try:
            return process(self, parameters, context, feedback)
        except BaseException as exc:
            _remove_run_outputs(self)
            if isinstance(exc, outputs.OutputError):
                raise QgsProcessingException(describe_output_error(self, exc)) from exc
            if isinstance(exc, MemoryError):
                raise QgsProcessingException(tr(
                    "Not enough memory for these settings: use a smaller window or a smaller "
                    "extent, or close other programs")) from exc
            raise
    return run


def _remove_run_outputs(alg):
    """Delete the files at this run's output paths that the run itself wrote (not older files)."""
    for path, before in getattr(alg, "_run_outputs", {}).values():
        if os.path.isfile(path) and _stamp(path) != before:  # folders are the core's to clean
            try:
                os.remove(path)
            except OSError:
                pass


def describe_output_error(alg, exc):
    """Message for an OutputError: the output parameter (by its description), the path, why and the fix."""
    label = None
    for name, (path, _) in getattr(alg, "_run_outputs", {}).items():
        inside = os.path.dirname(os.path.abspath(exc.path)) == os.path.abspath(path)
        if outputs.same_file(path, exc.path) or inside:
            definition = alg.parameterDefinition(name)
            label = definition.description() if definition is not None else name
            break
    if label is None:
        return tr("Output {path}: {reason}").format(path=exc.path, reason=str(exc).split(": ", 1)[-1])
    text = f"{exc.reason}; {exc.fix}" if exc.fix else exc.reason
    return tr("Output '{label}' ({path}): {reason}").format(label=label, path=exc.path, reason=text)


def _explicit_destination(value, context):
    """The file path an output parameter value names, '' for temporary outputs and memory layers."""
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value = value.sink
    if isinstance(value, QgsProperty):
        value = value.valueAsString(context.expressionContext(), "")
    if not isinstance(value, str) or not value or value == QgsProcessing.TEMPORARY_OUTPUT:
        return ""
    if value.startswith(("memory:", "ogr:", "postgres:", "/vsimem/")):
        return ""
    return value


def _layer_sources(value, context):
    """File paths behind an input parameter value (path, layer id, layer or list of them)."""
    items = value if isinstance(value, (list, tuple)) else [value]
    paths = []
    for item in items:
        if isinstance(item, QgsProcessingFeatureSourceDefinition):
            item = item.source
        if isinstance(item, QgsProperty):
            item = item.valueAsString(context.expressionContext(), "")
        if isinstance(item, QgsMapLayer):
            paths.append(outputs.file_path(item.source()))
            continue
        if not isinstance(item, str) or not item:
            continue
        candidate = outputs.file_path(item)
        if os.path.exists(candidate):
            paths.append(candidate)
            continue
        layer = QgsProcessingUtils.mapLayerFromString(item, context)
        if layer is not None:
            paths.append(outputs.file_path(layer.source()))
    paths += [source for p in paths if p.lower().endswith(".vrt") for source in vrt_sources(p)]
    return [p for p in paths if p and os.path.exists(p)]


def vrt_sources(path):
    """The files a GDAL VRT reads (an output on one of them would overwrite the input); [] if unreadable."""
    from osgeo import gdal

    dataset = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    files = (dataset.GetFileList() or []) if dataset is not None else []
    return [f for f in files if os.path.abspath(f) != os.path.abspath(path)]


def output_inputs(alg, parameters, context):
    """{input parameter description: [file paths]} of every input parameter with a file behind it."""
    found = {}
    for definition in alg.parameterDefinitions():
        if definition.isDestination() or definition.name() not in parameters:
            continue
        paths = _layer_sources(parameters[definition.name()], context)
        if paths:
            found[definition.description()] = paths
    return found


#: Room asked for a file output that is not a raster (CSV, JSON, HTML and its plots, ONNX), bytes.
FILE_OUTPUT_BYTES = 256 << 10


def raster_float32_bytes(path):
    """Bytes of the raster at ``path`` as uncompressed float32; 0 for a file that is not a raster.

    Read through GDAL: tables and models (CSV, ONNX, ...) are told apart by
    GDAL's identification (never opened as rasters), and no QgsRasterLayer is
    built (its default renderer computes band statistics, which GDAL reports
    as an error on a constant band).
    """
    from osgeo import gdal

    if gdal.IdentifyDriverEx(str(path), gdal.OF_RASTER) is None:
        return 0
    try:
        info = read_info(path)
    except RasterError:
        return 0
    return info.xsize * info.ysize * info.bands * 4


def default_output_bytes(alg, inputs):
    """Room per output: a raster gets the largest raster input, uncompressed float32; files
    (tables, reports, models) ``FILE_OUTPUT_BYTES`` (bytes)."""
    largest = max([raster_float32_bytes(path) for paths in inputs.values() for path in paths], default=0)
    return {d.name(): largest if isinstance(d, QgsProcessingParameterRasterDestination) else FILE_OUTPUT_BYTES
            for d in alg.destinationParameterDefinitions()}


def check_outputs(alg, parameters, context):
    """Apply ``core.engine.outputs.check_targets`` to the explicit outputs of ``alg``.

    Refuses (QgsProcessingException naming the output parameter and the fix)
    an output that is an input or another output (links included), a folder
    that does not exist or is read-only, and a disk without room for the
    estimate of ``alg.estimated_output_bytes``. Folder destinations are
    checked for write access (created when missing, as QGIS does).
    """
    targets, sizes, folders = {}, {}, {}
    inputs = output_inputs(alg, parameters, context)
    estimates = alg.estimated_output_bytes(parameters, context, inputs) or {}
    for definition in alg.destinationParameterDefinitions():
        path = _explicit_destination(parameters.get(definition.name()), context)
        if not path:
            continue
        label = definition.description()
        if isinstance(definition, QgsProcessingParameterFolderDestination):
            folders[label] = path
            continue
        targets[label] = path
        sizes[label] = estimates.get(definition.name(), 0)
    try:
        outputs.check_targets(targets, inputs, sizes, create_folders=True)
        for label, folder in folders.items():
            for in_label, paths in inputs.items():
                if any(outputs.same_file(folder, p) for p in paths):
                    raise outputs.OutputError(folder, f"output '{label}' is the input '{in_label}'",
                                              "choose another folder")
            parent = outputs.existing_ancestor(folder)
            if os.path.exists(folder) and not os.path.isdir(folder):
                raise outputs.OutputError(folder, f"output '{label}' is a file, not a folder",
                                          "give a folder")
            problem = outputs.folder_problem(parent)
            if problem:
                raise outputs.OutputError(folder, f"output '{label}': {problem[0]}", problem[1])
    except outputs.OutputError as exc:
        raise QgsProcessingException(tr("Output {path}: {reason}").format(
            path=exc.path, reason=f"{exc.reason}; {exc.fix}")) from exc
    return list(targets.values())


def check_outputs_against(alg, parameters, context, files, label):
    """The output policy for inputs that are no parameters (files listed in a table, VRT sources).

    ``check_outputs`` compares the outputs with the files of the input
    parameters; this compares every explicit output of ``alg`` with ``files``
    (``label``: what they are). Raises QgsProcessingException naming the output and the fix.
    """
    targets = {d.description(): _explicit_destination(parameters.get(d.name()), context)
               for d in alg.destinationParameterDefinitions()
               if not isinstance(d, QgsProcessingParameterFolderDestination)}
    for out_label, path in targets.items():
        for src in files:
            if path and outputs.same_file(path, src):
                raise QgsProcessingException(tr(
                    "Output {path}: output '{label}' must not overwrite the input {what} ({src}); choose "
                    "another output file").format(path=path, label=out_label, what=label, src=src))


def unreadable_raster_message(alg, parameters):
    """Why a raster parameter's existing file cannot be read (QGIS only says "not found"), or None."""
    from osgeo import gdal

    for definition in alg.parameterDefinitions():
        raster_types = (QgsProcessingParameterRasterLayer, QgsProcessingParameterMultipleLayers)
        if not isinstance(definition, raster_types):
            continue
        value = parameters.get(definition.name())
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if not isinstance(item, str) or not os.path.isfile(item):
                continue
            with outputs.gdal_error_log() as log:
                dataset = gdal.OpenEx(item, gdal.OF_RASTER | gdal.OF_READONLY)
                readable = dataset is not None and dataset.RasterCount > 0
                if readable:
                    last = dataset.GetRasterBand(1)
                    readable = last.ReadRaster(0, dataset.RasterYSize - 1, dataset.RasterXSize, 1) is not None
                dataset = None
            if not readable:
                detail = log.messages[0] if log.messages else tr("GDAL does not recognise its format")
                return tr("Input '{label}' ({path}): the file exists but is not a readable raster "
                          "({detail}). Give a GeoTIFF or another raster GDAL reads, or re-create the file if "
                          "it was cut short").format(label=definition.description(), path=item, detail=detail)
    return None


def raster_inputs(alg, parameters, context):
    """[(parameter name, layer)] of the raster layer inputs given (multiple-layer lists included)."""
    found = []
    for definition in alg.parameterDefinitions():
        name = definition.name()
        if parameters.get(name) in (None, "", []):
            continue
        if isinstance(definition, QgsProcessingParameterRasterLayer):
            layer = alg.parameterAsRasterLayer(parameters, name, context)
            if layer is not None:
                found.append((name, layer))
        elif isinstance(definition, QgsProcessingParameterMultipleLayers) and \
                definition.layerType() == QgsProcessing.TypeRaster:
            found += [(name, layer) for layer in alg.parameterAsLayerList(parameters, name, context)
                      if isinstance(layer, QgsRasterLayer)]
    return found


def band_error(layer_name, band, count):
    """QgsProcessingException: band ``band`` of layer ``layer_name`` (``count`` bands) does not exist."""
    return QgsProcessingException(tr(
        "Input layer '{name}': band {band} does not exist (the raster has {n}); choose a band from 1 to "
        "{n}").format(name=layer_name, band=band, n=count))


def window_fit_error(layer_name, size, xsize, ysize, label):
    """QgsProcessingException naming the layer when a ``size``-pixel window does not fit it; else None."""
    problem = validation.window_problem(size, xsize, ysize, label)
    if problem:
        return QgsProcessingException(tr("Input layer '{name}': {problem}").format(name=layer_name,
                                                                                  problem=problem))
    return None


def wrong_file_message(alg, parameters):
    """Why a file parameter's existing file has the wrong extension (QGIS only says "incorrect value")."""
    for definition in alg.parameterDefinitions():
        if not isinstance(definition, QgsProcessingParameterFile):
            continue
        filtered = re.findall(r"\*\.(\w+)", definition.fileFilter() or "")
        ext = (definition.extension() or (filtered[0] if len(filtered) == 1 else "")).lower()
        if not ext:
            continue
        value = parameters.get(definition.name())
        if isinstance(value, str) and value and not value.lower().endswith("." + ext):
            return tr("{what}: {path} is not a .{ext} file; give a .{ext} file").format(
                what=definition.description(), path=value, ext=definition.extension())
    return None


def _layer_error(layer, problem):
    return QgsProcessingException(tr("Input layer '{name}' ({path}): {problem}").format(
        name=layer.name(), path=layer.source(), problem=problem))


def check_raster_contents(alg, parameters, context):
    """Refuse a raster input that holds no valid pixel (every algorithm; ``core.engine.validation`` words)."""
    for _name, layer in raster_inputs(alg, parameters, context):
        if layer.providerType() != "gdal":
            continue  # gdal_source() explains it in processAlgorithm
        try:
            raster_sampling.check_input_content(layer.source())
        except (RasterError, ValueError) as exc:
            raise _layer_error(layer, exc) from exc


def check_sar_inputs(alg, parameters, context, names, scale_parameter="SCALE", windows=None,
                     allow_constant=False):
    """Check the SAR rasters ``names`` (parameter names) against the declared scale and windows.

    Scale: ``core.engine.validation.scale_problem`` both ways (the SCALE enum
    parameter ``scale_parameter``); size: at least 2 x 2 pixels; a constant
    band is refused unless ``allow_constant`` (a SAR image carries speckle); windows:
    {window parameter name: its label} must fit every image. Raises
    QgsProcessingException naming the layer (or the window) and the fix.
    """
    scale = None
    if scale_parameter and alg.parameterDefinition(scale_parameter) is not None:
        scale = SCALE_CHOICES[alg.parameterAsEnum(parameters, scale_parameter, context)]
    for name, layer in raster_inputs(alg, parameters, context):
        if name not in names or layer.providerType() != "gdal":
            continue
        try:
            info = read_info(layer.source())
            problem = validation.size_problem(info.xsize, info.ysize)
            if problem:
                raise ValueError(problem)
            if not allow_constant:  # no speckle: not a SAR image
                raster_sampling.check_input_content(layer.source(), allow_constant=False)
            if scale is not None:
                raster_sampling.check_input_scale(layer.source(), scale)
        except (RasterError, ValueError) as exc:
            raise _layer_error(layer, exc) from exc
        for window, label in (windows or {}).items():
            size = alg.parameterAsInt(parameters, window, context)
            problem = validation.window_problem(size, info.xsize, info.ysize, label)
            if problem:
                raise QgsProcessingException(tr("Input layer '{name}': {problem}").format(
                    name=layer.name(), problem=problem))


def check_learned_inputs(images, scale, dem, rows, where, normalisation=None, recorded_ranges=None):
    """Checks of a learned model's inputs (images oldest first, the target last); QgsProcessingException.

    ``rows``: the acquisition rows (conditions) named by ``where`` in messages;
    ``normalisation``: the model's normalisation metadata (trained ranges), or None;
    ``recorded_ranges``: its "valid_ranges" metadata (values seen in training), or None.
    """
    from ...core.engine.raster_blocks import open_readonly

    ranges = validation.trained_ranges(normalisation, recorded_ranges)
    for i, path in enumerate(images):
        try:
            raster_sampling.check_input_content(path)
            raster_sampling.check_input_scale(path, scale)
            dataset = open_readonly(path)
            sample = [raster_sampling.block_sample(dataset, b, 250_000)
                      for b in range(1, dataset.RasterCount + 1)]
            if i == len(images) - 1:
                problem = validation.zero_power_problem(np.concatenate(sample), scale)
                if problem:
                    raise ValueError(problem)
            power = [scales.to_linear_power(values, scale) for values in sample]
            with np.errstate(divide="ignore", invalid="ignore"):
                medians = {f"{band} dB": float(np.nanmedian(10 * np.log10(np.where(p > 0, p, np.nan))))
                           for band, p in zip(normalisation.get("bands", []) if normalisation else [], power)}
            problems = validation.range_problems(medians, ranges)
            if problems:
                raise ValueError(tr("median {problems}: the images are not like those the model was "
                                    "trained on; check the input scale and the calibration (sigma0)").format(
                    problems="; ".join(problems)))
        except (RasterError, ValueError) as exc:
            raise QgsProcessingException(tr("Acquisition {path}: {error}").format(path=path, error=exc)) \
                from exc
    if dem and os.path.isfile(dem):
        try:
            raster_sampling.check_input_content(dem)
        except (RasterError, ValueError) as exc:
            raise QgsProcessingException(tr("DEM {path}: {error}").format(path=dem, error=exc)) from exc
    present = [c for c in validation.NUMERIC_CONDITIONS if rows and c in rows[0]]
    problem = validation.missing_condition_problem(rows, present)
    if problem:
        raise QgsProcessingException(tr("{where}: {problem}").format(where=where, problem=problem))
    values = {c: [float(r[c]) for r in rows] for c in present}
    # Typical conditions outside the trained ranges (e.g. a unit error) are refused; a few extreme
    # days are only warned about (condition_range_warnings): weather has heavy tails.
    problems = validation.range_problems({c: float(np.median(v)) for c, v in values.items()}, ranges)
    if problems:
        raise QgsProcessingException(tr(
            "{where}: median {problems}: the model was not trained for such conditions; use a model trained "
            "on similar conditions").format(where=where, problems="; ".join(problems)))


def condition_range_warnings(rows, normalisation, recorded_ranges=None):
    """Phrases for condition values outside a learned model's trained ranges (empty when none)."""
    ranges = validation.trained_ranges(normalisation, recorded_ranges)
    present = [c for c in validation.NUMERIC_CONDITIONS if rows and c in rows[0]]
    try:
        values = {c: [float(r[c]) for r in rows] for c in present}
    except (TypeError, ValueError):
        return []
    return validation.range_problems(values, ranges)


def scale_labels():
    """Translated labels of SCALE_CHOICES, for an enum parameter."""
    return [tr("Linear power (intensity)"), tr("Amplitude"), tr("dB")]


def report_palettes(feedback, sources, names, bands):
    """Log one info line per input band that is a palette (colour table) image, naming the layer.

    Such a band is read as the luminance of its colour table, not as the palette index
    (``core.engine.palette``, ``raster_blocks.stack_vrt``).
    """
    for src, name, band in zip(sources, names, bands):
        if palette.is_palette_file(src, band):
            feedback.pushInfo(tr(
                "Input layer '{name}' band {band} is a palette (colour table) image: the luminance of its "
                "colour table (ITU-R BT.601) is used as the grey level, not the palette index").format(
                    name=name, band=band))


def progress_callback(feedback):
    """``progress(percent)`` for the block engine that updates ``feedback``."""
    if feedback is None:
        return None
    return feedback.setProgress


def cancel_callback(feedback):
    """``is_canceled() -> bool`` for the block engine that reads ``feedback``."""
    if feedback is None:
        return None
    return feedback.isCanceled


@contextmanager
def core_errors(layer_name):
    """Turn core's RasterError/ValueError into a QgsProcessingException naming the layer.

    ``Cancelled`` passes through untouched: the caller stops cleanly.
    """
    try:
        yield
    except Cancelled:
        raise
    except (RasterError, ValueError) as exc:
        raise QgsProcessingException(
            tr("Input layer '{name}': {error}").format(name=layer_name, error=exc)) from exc


def gdal_source(layer, parameter_name):
    """File path (GDAL data source) of a raster layer parameter, or raise."""
    if layer is None:
        raise QgsProcessingException(tr("Invalid raster layer for parameter {name}").format(
            name=parameter_name))
    if layer.providerType() != "gdal":
        raise QgsProcessingException(tr(
            "Input layer '{name}' is served by the '{provider}' data provider; SAR Change reads "
            "rasters through GDAL only. Save the layer as a GeoTIFF and use that file."
        ).format(name=layer.name(), provider=layer.providerType()))
    return layer.source()


def features_in_crs(source, crs, context, what):
    """Yield ``(feature, geometry)`` for the non-empty features of ``source``, geometry in ``crs``.

    Curved geometries are segmentised (GDAL rasterises straight segments) and
    reprojected from the source's CRS when both CRSs are valid and differ.
    A reprojection failure raises a QgsProcessingException naming ``what``.
    """
    crs = QgsCoordinateReferenceSystem(crs)
    transform = None
    if crs.isValid() and source.sourceCrs().isValid() and source.sourceCrs() != crs:
        transform = QgsCoordinateTransform(source.sourceCrs(), crs, context.transformContext())
    for feature in source.getFeatures():
        if not feature.hasGeometry() or feature.geometry().isEmpty():
            continue
        geometry = QgsGeometry(feature.geometry())
        if QgsWkbTypes.isCurvedType(geometry.wkbType()):
            geometry.convertToStraightSegment()
        if transform is not None:
            try:
                geometry.transform(transform)
            except QgsCsException as exc:
                raise QgsProcessingException(tr(
                    "{what} cannot be reprojected from {src} to the raster CRS {dst}: {error}").format(
                    what=what, src=source.sourceCrs().authid(), dst=crs.authid(), error=exc)) from exc
        yield feature, geometry


def forget_output(context, path):
    """Drop ``path`` from the layers QGIS loads on completion (after a cancel)."""
    layers = dict(context.layersToLoadOnCompletion())
    if path in layers:
        del layers[path]
        context.setLayersToLoadOnCompletion(layers)


class ValidPixelCounter:
    """A block function that runs ``func`` and counts the finite pixels it returns (thread-safe).

    ``total`` after the run: 0 means every output pixel is no data.
    """

    def __init__(self, func):
        self.func = func
        self.total = 0
        self._lock = threading.Lock()

    def __call__(self, block):
        out = self.func(block)
        count = int(np.count_nonzero(np.isfinite(out)))
        with self._lock:
            self.total += count
        return out


def same_file(a, b):
    """True when two paths name the same file (links included; the files need not exist)."""
    return outputs.same_file(a, b)
