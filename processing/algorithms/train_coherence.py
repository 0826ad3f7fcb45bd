"""Processing algorithm "Train coherence model": runs the coherence trainer as a torch subprocess.

``PYTHON -m sar_change.models.coherence.cli --pairs DIR ... --out MODEL.onnx``
(see models/coherence/cli.py), started, streamed, cancelled and published by
``training_runner.train_model``: the model, its .pt checkpoint and its .md card
appear under the destination's name only when the trainer succeeds.
"""
import os

from qgis.core import QgsProcessingParameterBoolean, QgsProcessingParameterEnum, QgsProcessingParameterString

from ...models.coherence import schema as coherence_schema
from . import training_runner as runner
from .common import tr

#: Starting weights, in the order of the START enum: random, the shipped model (registered name), a file.
STARTS = ("random", "coherence", "file")

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Trains a coherence-from-intensity model (a Residual U-Net predicting the InSAR coherence of a"
        " pair and its uncertainty from the two detected images in dB, trained with a Gaussian negative "
        "log-likelihood; after Sica, Pulella &amp; Schmitt, \"Beyond Backscatter: InSAR coherence from "
        "detected SAR images\") and saves it as ONNX for <i>Coherence from detected "
        "images</i>.</p><p>Training needs PyTorch, which QGIS's Python does not have: it runs in another "
        "Python interpreter as <code>python -m sar_change.models.coherence.cli</code>, whose progress and"
        " losses appear here. Cancelling stops it and leaves no model "
        "behind.</p><h3>Parameters</h3><ul><li><b>Pair folders</b>: one per line. A pair folder holds "
        "intensity_1.tif and intensity_2.tif (detected sigma0, linear power, one grid), "
        "coherence_reference.tif (the coherence estimated from the complex pair, e.g. with <i>Coherence "
        "from SLC pairs</i>) and pair.csv (columns date_1, date_2 and optionally baseline_days, "
        "polarisation, looks); a folder with a pairs.csv listing pair folders (as the simulator writes) "
        "stands for all of them. The last dates of each folder are kept for validation.</li><li><b>Python "
        "with PyTorch</b>: the interpreter to run (default: python3 beside QGIS's Python if it has torch,"
        " else the setting <code>sar_change/training_python</code>).</li><li><b>Start from</b>: random "
        "weights, the shipped model (fine-tuning to your data), or the weights file given (.pt checkpoint"
        " or coherence .onnx).</li><li><b>Weather conditions</b>: the network also takes the weather "
        "between the dates (pair.csv columns rain_mm, snowfall_mm, melt_mm: totals over the days after the "
        "first date up to the second; wind_1_m_s, wind_2_m_s: wind on each date) as optional inputs, hidden "
        "at random "
        "in training so that the model also works without them; a model started from one trained with "
        "weather keeps them.</li><li><b>Epochs</b>, <b>Time limit</b>: passes over <b>Patches per "
        "epoch</b> random patches; training stops at the limit and the best model so far is "
        "saved.</li><li><b>Model</b>: the .onnx written; the checkpoint (.pt) and the model card (.md) "
        "are written beside it.</li></ul>"
    )


def parse_pair_folders(text):
    """Absolute folders from text (one per line or ';'-separated); a CSV path stands for its folder.
    ValueError naming a folder with neither pair.csv nor pairs.csv."""
    return runner.parse_folder_list(
        text, ("pair.csv", "pairs.csv"),
        tr("folder {path} holds neither pair.csv nor pairs.csv: give pair folders (intensity_1.tif, "
           "intensity_2.tif, coherence_reference.tif, pair.csv)"))


class TrainCoherenceAlgorithm(runner.TrainingAlgorithm):
    """Train a coherence model in a Python with torch, streaming its progress."""

    PAIR_FOLDERS = "PAIR_FOLDERS"
    START = "START"
    WEATHER = "WEATHER"
    VAL_RMSE = "VAL_RMSE"
    TRAINER_MODULE = "models.coherence.cli"
    METRICS = ((VAL_RMSE, "metrics.val_rmse"),)

    def name(self):
        return "traincoherence"

    def displayName(self):
        return tr("Train coherence model")

    def group(self):
        return tr("Coherence")

    def groupId(self):
        return "coherence"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TrainCoherenceAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterString(
            self.PAIR_FOLDERS, tr("Pair folders (one per line)"), multiLine=True))
        self.add_shared_parameters(self.PYTHON)
        self.addParameter(QgsProcessingParameterEnum(
            self.START, tr("Start from"), options=[tr("Random weights"), tr("The shipped coherence model"),
                                                   tr("The weights file below")], defaultValue=0))
        self.addParameter(runner.weights_file_parameter(
            self.INIT, tr("Initial weights (.pt or coherence .onnx)")))
        self.addParameter(QgsProcessingParameterBoolean(
            self.WEATHER, tr("Weather conditions as optional inputs (pair.csv rain_mm, snowfall_mm, melt_mm, "
                             "wind_1_m_s, wind_2_m_s)"), defaultValue=False))
        self.add_shared_parameters((self.EPOCHS, 50), (self.MAX_MINUTES, 10.0), self.SEED)
        self.add_shared_parameters(self.THREADS, (self.PATCHES_PER_EPOCH, 256), advanced=True)
        self.add_model_outputs(((self.VAL_RMSE, tr("Validation RMSE of the coherence")),))

    def _init(self, parameters, context):
        start = STARTS[self.parameterAsEnum(parameters, self.START, context)]
        path = self.parameterAsFile(parameters, self.INIT, context) or None
        if start == "random":
            return None
        if start == "coherence":
            return start
        if not path or not os.path.isfile(path):
            raise ValueError(tr("'Start from' is the weights file, but the initial weights file {path} does "
                                "not exist: give a .pt checkpoint or a coherence .onnx").format(
                path=path or "(none)"))
        return self.initial_weights(parameters, context, coherence_schema.KIND)

    def validate(self, parameters, context):
        """Refuse an empty or wrong folder list and a missing weights file before starting."""
        parse_pair_folders(self.parameterAsString(parameters, self.PAIR_FOLDERS, context))
        self._init(parameters, context)

    def processAlgorithm(self, parameters, context, feedback):
        with runner.refused_values():
            folders = parse_pair_folders(self.parameterAsString(parameters, self.PAIR_FOLDERS, context))
            init = self._init(parameters, context)

        def arguments(partial_onnx):
            weather = ["--use-weather"] if self.parameterAsBool(parameters, self.WEATHER, context) else []
            return runner.folder_arguments("--pairs", folders) + ["--out", partial_onnx] + weather

        return self.train(parameters, context, feedback, arguments, init)
