"""Processing algorithm "Train learned difference image model": runs the torch trainer as a subprocess.

QGIS's Python has no torch, so training runs in another interpreter:
``PYTHON -m sar_change.models.train --stack DIR ... --out MODEL.onnx`` (see
models/train.py for the command line), started, streamed (progress, losses),
cancelled and published by ``training_runner.train_model``: the model, its
.pt checkpoint and its .md card appear under the destination's name only
when the trainer succeeds.
"""
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core.learned_di import pipeline as learned_di
from . import common
from . import training_runner as runner
from .common import tr

#: Architectures offered, in enum order (the trainer's --arch values).
ARCHITECTURES = ("film", "bottleneck")
#: The trainer's module under the plugin package.
TRAINER_MODULE = "models.train"

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Trains a learned difference-image model (a conditional U-Net predicting the target "
        "acquisition's VV and VH in dB from the N earlier acquisitions, the DEM and the acquisition "
        "conditions; Alatalo, Sipola &amp; Rantonen 2023, IEEE TGRS 61) on one or more stacks and saves "
        "it as ONNX for <i>Learned difference image</i>.</p><p>Training needs PyTorch, which QGIS's "
        "Python does not have: it runs in another Python interpreter as <code>python -m "
        "sar_change.models.train</code>, whose progress and losses appear here. Cancelling stops it and "
        "leaves no model behind.</p><h3>Parameters</h3><ul><li><b>Stack folders</b>: one folder per line,"
        " each holding acquisitions.csv, the acquisition GeoTIFFs (VV, VH, linear power) and dem.tif, as "
        "written by <i>Simulate Sentinel-1 stack</i> (change_date.tif, when present, keeps changed pixels"
        " out of the loss).</li><li><b>Python with PyTorch</b>: the interpreter to run. Default: the "
        "python3 beside the running Python if it can import torch, else the path stored in the QGIS "
        "setting <code>sar_change/training_python</code>.</li><li><b>Epochs</b>: training passes, each "
        "over <b>Patches per epoch</b> (advanced, default 512) random 64 x 64 patches.</li><li><b>Earlier"
        " acquisitions (N)</b>: inputs per prediction (default 4).</li><li><b>Architecture</b>: FiLM "
        "(conditions modulate every U-Net block; Perez et al. 2018) or bottleneck (conditions embedded at"
        " the U-Net bottleneck).</li><li><b>Initial weights</b> (optional): a .pt checkpoint or a "
        "learned-DI .onnx to start from (transfer learning).</li><li><b>Seed</b>: random seed; the same "
        "data, settings and seed repeat a run.</li><li><b>Threads</b>, <b>Time limit</b> (advanced): "
        "torch threads; minutes after which training stops and the best model so far is saved (0 = "
        "none).</li><li><b>Model</b>: the .onnx file written; the trainer's checkpoint (.pt, for transfer"
        " learning) is written beside it.</li></ul>"
    )


def parse_stack_folders(text):
    """Absolute stack folders from text: one per line or ';'-separated.

    A path to an acquisitions.csv stands for its folder. ValueError naming a
    folder without acquisitions.csv.
    """
    return runner.parse_folder_list(
        text, ("acquisitions.csv",),
        tr("stack folder {path} holds no acquisitions.csv: give folders of stacks as written by 'Simulate "
           "Sentinel-1 stack'"))


def trainer_arguments(folders, out_path, epochs, inputs, arch, seed, init=None, threads=None,
                      max_minutes=None, patches_per_epoch=None):
    """The arguments of ``python -m sar_change.models.train`` (after the module)."""
    arguments = []
    for folder in folders:
        arguments += ["--stack", folder]
    arguments += ["--out", out_path, "--epochs", str(int(epochs)), "--inputs", str(int(inputs)),
                  "--arch", arch, "--seed", str(int(seed))]
    return arguments + runner.budget_arguments(init, threads, max_minutes, patches_per_epoch)


class TrainLearnedDiAlgorithm(common.SarChangeAlgorithm):
    """Train a learned-DI model in a Python with torch, streaming its progress."""

    STACK_FOLDERS = "STACK_FOLDERS"
    PYTHON = "PYTHON"
    EPOCHS = "EPOCHS"
    INPUTS = "INPUTS"
    ARCH = "ARCH"
    INIT = "INIT"
    SEED = "SEED"
    THREADS = "THREADS"
    MAX_MINUTES = "MAX_MINUTES"
    PATCHES_PER_EPOCH = "PATCHES_PER_EPOCH"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    CHECKPOINT = "CHECKPOINT"
    BEST_EPOCH = "BEST_EPOCH"
    VAL_LOSS = "VAL_LOSS"
    VAL_MAE_DB = "VAL_MAE_DB"

    def name(self):
        return "trainlearneddi"

    def displayName(self):
        return tr("Train learned difference image model")

    def group(self):
        return tr("Learned difference image")

    def groupId(self):
        return "learneddi"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TrainLearnedDiAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterString(
            self.STACK_FOLDERS, tr("Stack folders (one per line)"), multiLine=True))
        self.addParameter(runner.python_parameter(self.PYTHON))
        self.addParameter(number(self.EPOCHS, tr("Epochs"), type=number.Integer, defaultValue=20,
                                 minValue=1))
        self.addParameter(number(self.INPUTS, tr("Earlier acquisitions per prediction (N)"),
                                 type=number.Integer, defaultValue=4, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCH, tr("Architecture"),
            options=[tr("FiLM (conditions in every block)"), tr("Bottleneck (conditions at the bottleneck)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.INIT, tr("Initial weights for transfer learning (.pt or .onnx)"),
            behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("All files (*)")))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=0,
                                 minValue=0))
        threads = number(self.THREADS, tr("Torch threads"), type=number.Integer, defaultValue=2, minValue=1)
        minutes = number(self.MAX_MINUTES, tr("Time limit (minutes; 0 = none)"), type=number.Double,
                         defaultValue=0.0, minValue=0.0)
        patches = number(self.PATCHES_PER_EPOCH, tr("Patches per epoch"), type=number.Integer,
                         defaultValue=512, minValue=1)
        for param in (threads, minutes, patches):
            self.add_advanced_parameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Model"), fileFilter=tr("ONNX models (*.onnx)")))
        self.addOutput(QgsProcessingOutputFile(self.CHECKPOINT, tr("Checkpoint (.pt)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, tr("Best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_LOSS, tr("Validation loss at the best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_MAE_DB,
                                                 tr("Validation MAE at the best epoch (dB)")))

    def validate(self, parameters, context):
        """Refuse an empty or wrong stack folder list, and stacks the trainer cannot learn from.

        The trainer reads the stack images as linear power: each stack's
        images are checked for valid pixels and against that scale both ways,
        its DEM for valid pixels and its conditions for missing values
        (``common.check_learned_inputs``), before any training starts. The
        model destination (and the .onnx name it gets) must not be an input.
        """
        folders = parse_stack_folders(self.parameterAsString(parameters, self.STACK_FOLDERS, context))
        for folder in folders:
            table = os.path.join(folder, "acquisitions.csv")
            try:
                rows = learned_di.read_stack(table)
            except ValueError as exc:
                raise QgsProcessingException(tr("Stack {path}: {error}").format(path=folder, error=exc)) \
                    from exc
            step = max(1, len(rows) // 8)  # a bounded sample of the images; every row's conditions
            images = [r["path"] for r in rows[::step]]
            common.check_learned_inputs(images, common.SCALE_CHOICES[0],
                                        os.path.join(folder, "dem.tif"), rows,
                                        tr("acquisitions table '{path}'").format(path=table))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)
        init = self.parameterAsFile(parameters, self.INIT, context)
        if destination and init:
            onnx = destination if destination.lower().endswith(".onnx") else destination + ".onnx"
            stem = os.path.splitext(onnx)[0]
            # Kept: the trainer also writes <model>.pt beside the output, a file no parameter names.
            if any(common.same_file(init, p) for p in (onnx, stem + ".pt")):
                raise QgsProcessingException(tr(
                    "Output 'Model' ({path}) must not overwrite the initial weights {init}: choose another "
                    "model file").format(path=onnx, init=init))

    def processAlgorithm(self, parameters, context, feedback):
        try:
            folders = parse_stack_folders(self.parameterAsString(parameters, self.STACK_FOLDERS, context))
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        python = runner.resolve_python(self.parameterAsFile(parameters, self.PYTHON, context))
        init = self.parameterAsFile(parameters, self.INIT, context) or None
        if init and not os.path.isfile(init):
            raise QgsProcessingException(tr("Initial weights {path} do not exist").format(path=init))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)

        def arguments(partial_onnx):
            return trainer_arguments(
                folders, partial_onnx, epochs=self.parameterAsInt(parameters, self.EPOCHS, context),
                inputs=self.parameterAsInt(parameters, self.INPUTS, context),
                arch=ARCHITECTURES[self.parameterAsEnum(parameters, self.ARCH, context)],
                seed=self.parameterAsInt(parameters, self.SEED, context), init=init,
                threads=self.parameterAsInt(parameters, self.THREADS, context),
                max_minutes=self.parameterAsDouble(parameters, self.MAX_MINUTES, context),
                patches_per_epoch=self.parameterAsInt(parameters, self.PATCHES_PER_EPOCH, context))

        files, summary = runner.train_model(python, TRAINER_MODULE, arguments, destination, feedback)
        if files is None:
            return {}
        results = {self.OUTPUT_MODEL: files[".onnx"]}
        if files.get(".pt"):
            results[self.CHECKPOINT] = files[".pt"]
        results.update(runner.metric_outputs(summary, ((self.BEST_EPOCH, "best_epoch"),
                                                       (self.VAL_LOSS, "metrics.val_loss"),
                                                       (self.VAL_MAE_DB, "metrics.val_mae_db"))))
        return results
