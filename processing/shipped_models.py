"""The graphical models shipped in processing/models/ (built by scripts/build_models.py).

Each is registered by the provider as ``sarchange:<name>`` with a translated display name, in
the *Models* group; in the modeler they are ordinary models (open, edit, save a copy).
"""
import os

from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingModelChildParameterSource
from qgis.PyQt.QtGui import QIcon

from .algorithms import presentation
from .algorithms.translation import tr

MODELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
ICON = os.path.join(os.path.dirname(MODELS_DIR), os.pardir, "icons", "group_changedetection.svg")


def display_names():
    """{model name: translated display name} of the shipped models."""
    return {
        "changemap": tr("Two-date change map (speckle filter, log-ratio, threshold)"),
        "floodchangemapevaluated": tr("Two-date flood / change map with evaluation"),
        "coregisterchangemap": tr("Coregister, then two-date change map"),
        "learneddichangemap": tr("Learned-DI change map"),
    }


def help_texts():
    """{model name: translated help panel} of the shipped models."""
    return {
        "changemap": tr(
            "<p>Two-date change map: both dates are speckle-filtered (the chosen filter, 7x7, the given "
            "number of looks), compared by their log ratio 10 log10(later / earlier) in dB, and the log "
            "ratio is thresholded by Kittler-Illingworth into a change mask (1 change, 0 no change, 255 no "
            "data). Change direction: decrease for floods and clear-cuts (the later image is darker), "
            "increase for new buildings, two-sided for any change. Both images must be on the same grid "
            "(otherwise use the coregistration model).</p>"),
        "floodchangemapevaluated": tr(
            "<p>The two-date change map (speckle filter, log ratio, Kittler-Illingworth threshold) and its "
            "evaluation against a reference change mask on the same grid (0 unchanged, 1 changed): "
            "kappa, F1, overall accuracy and the ROC curve of the log ratio, in an HTML report.</p>"),
        "coregisterchangemap": tr(
            "<p>Coregisters the later image onto the earlier one (sub-pixel phase correlation, "
            "translation model, bilinear resampling), then makes the two-date change map (speckle "
            "filter, log ratio, Kittler-Illingworth threshold) on the earlier image's grid.</p>"),
        "learneddichangemap": tr(
            "<p>Learned difference image of the newest (or chosen) acquisition of a stack, from its "
            "acquisitions table and the shipped (or given) ONNX model, thresholded into a change mask "
            "by Kittler-Illingworth on the learned DI norm (change where the norm is high). Needs "
            "onnxruntime.</p>"),
    }


class ShippedModel(QgsProcessingModelAlgorithm):
    """A .model3 file served under the sarchange provider with a stable id and a translated name."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        if not self.fromFile(path):
            raise ValueError(f"cannot read the model {path}")
        self._name = os.path.splitext(os.path.basename(path))[0]

    def name(self):
        return self._name

    def displayName(self):
        return display_names().get(self._name, self._name)

    def shortHelpString(self):
        return help_texts().get(self._name) or super().shortHelpString()

    def helpUrl(self):
        return f"{presentation.README_URL}#change-detection"

    def tags(self):
        return ["model", "chain", "change detection", "flood", "sar", "radar", "sentinel-1"]

    def group(self):
        return tr("Models")

    def groupId(self):
        return "models"

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):
        return os.path.normpath(ICON)

    def with_default_outputs(self, parameters):
        """``parameters`` where every output not named takes its default (a temporary file).

        QGIS 3.22 refuses a model run whose outputs are not all named, and passes an empty
        path to the child for one that is not, although each has a default: headless runs
        (processing.run, qgis_process) need not name them.
        """
        filled = dict(parameters)
        for definition in self.destinationParameterDefinitions():
            if filled.get(definition.name()) in (None, ""):
                filled[definition.name()] = definition.defaultValue()
        return filled

    def canExecute(self):
        """False with the reason when a step cannot run (e.g. a missing optional package)."""
        for child in self.childAlgorithms().values():
            algorithm = child.algorithm()
            ok, message = algorithm.canExecute() if algorithm is not None else (True, "")
            if not ok:
                return False, f"{child.description()}: {message}"
        return True, ""

    def checkParameterValues(self, parameters, context):
        ok, message = self.canExecute()
        if not ok:
            return False, message
        return super().checkParameterValues(self.with_default_outputs(parameters), context)

    def processAlgorithm(self, parameters, context, feedback):
        return super().processAlgorithm(self.with_default_outputs(parameters), context, feedback)

    def createInstance(self):
        return ShippedModel(self.path)

    def prepareAlgorithm(self, parameters, context, feedback):
        self._run_parameters = dict(parameters)
        return super().prepareAlgorithm(parameters, context, feedback)

    def postProcessAlgorithm(self, context, feedback):
        """Name the loaded outputs after the model output and the input dates; style them as the step
        that makes them styles its own outputs (presentation.OUTPUT_STYLES)."""
        parameters = getattr(self, "_run_parameters", None)
        if parameters is not None:
            when = presentation.describe_when(self, parameters, context)
            for path in list(context.layersToLoadOnCompletion()):
                # QGIS 3.22 keeps the model output's name in details.name and the step's output in
                # details.outputName (the step already attached its own naming, replaced here).
                details = context.layerToLoadOnCompletionDetails(path)
                found = self._model_output(details.name, details.outputName)
                if found is None:
                    continue
                child, output = found
                what = output.description() or details.name
                name = f"{what} ({when})" if when else what
                details.setPostProcessor(presentation.StyleAndName(name, self._style(child, output, context)))
        return super().postProcessAlgorithm(context, feedback)

    def _model_output(self, name, child_output_name):
        """(child, QgsProcessingModelOutput) of the model output ``name`` made by ``child_output_name``."""
        for child in self.childAlgorithms().values():
            output = child.modelOutputs().get(name)
            if output is not None and output.childOutputName() == child_output_name:
                return child, output
        return None

    def _style(self, child, output, context):
        """Style kind of a model output from its step's OUTPUT_STYLES entry and the step's static values."""
        algorithm = child.algorithm()
        if algorithm is None:
            return None
        kind = presentation.OUTPUT_STYLES.get(algorithm.name(), {}).get(output.childOutputName())
        if callable(kind):
            static = {name: sources[0].staticValue() for name, sources in child.parameterSources().items()
                      if len(sources) == 1
                      and sources[0].source() == QgsProcessingModelChildParameterSource.StaticValue}
            kind = kind(algorithm, static, context)
        return kind


def load_models():
    """A ShippedModel for every .model3 file of MODELS_DIR, by file name."""
    if not os.path.isdir(MODELS_DIR):
        return []
    return [ShippedModel(os.path.join(MODELS_DIR, f)) for f in sorted(os.listdir(MODELS_DIR))
            if f.endswith(".model3")]
