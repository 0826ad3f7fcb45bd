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
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core.learned_di import pipeline as learned_di
from . import common
from . import training_runner as runner
from .common import tr

#: Architectures offered, in enum order (the trainer's --arch values).
ARCHITECTURES = ("film", "bottleneck")

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


def trainer_arguments(folders, out_path, inputs, arch):
    """The arguments of ``python -m sar_change.models.train`` that are this algorithm's own (the shared
    ones follow: ``TrainingAlgorithm.train``)."""
    return runner.folder_arguments("--stack", folders) + ["--out", out_path, "--inputs", str(int(inputs)),
                                                         "--arch", arch]


class TrainLearnedDiAlgorithm(runner.TrainingAlgorithm):
    """Train a learned-DI model in a Python with torch, streaming its progress."""

    STACK_FOLDERS = "STACK_FOLDERS"
    INPUTS = "INPUTS"
    ARCH = "ARCH"
    VAL_LOSS = "VAL_LOSS"
    VAL_MAE_DB = "VAL_MAE_DB"
    TRAINER_MODULE = "models.train"
    METRICS = ((VAL_LOSS, "metrics.val_loss"), (VAL_MAE_DB, "metrics.val_mae_db"))

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
        self.add_shared_parameters(self.PYTHON, (self.EPOCHS, 20))
        self.addParameter(number(self.INPUTS, tr("Earlier acquisitions per prediction (N)"),
                                 type=number.Integer, defaultValue=4, minValue=1))
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCH, tr("Architecture"),
            options=[tr("FiLM (conditions in every block)"), tr("Bottleneck (conditions at the bottleneck)")],
            defaultValue=0))
        self.addParameter(runner.weights_file_parameter(
            self.INIT, tr("Initial weights for transfer learning (.pt or .onnx)")))
        self.add_shared_parameters(self.SEED)
        self.add_shared_parameters(self.THREADS, (self.MAX_MINUTES, 0.0), (self.PATCHES_PER_EPOCH, 512),
                                   advanced=True)
        self.add_model_outputs(((self.VAL_LOSS, tr("Validation loss at the best epoch")),
                                (self.VAL_MAE_DB, tr("Validation MAE at the best epoch (dB)"))), card=False)

    def validate(self, parameters, context):
        """Refuse an empty or wrong stack folder list, and stacks the trainer cannot learn from.

        The trainer reads the stack images as linear power: each stack's
        images are checked for valid pixels and against that scale both ways,
        its DEM for valid pixels and its conditions for missing values
        (``common.check_learned_inputs``), before any training starts. The
        initial weights must exist, and the model must not overwrite them.
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
        self.initial_weights(parameters, context)

    def processAlgorithm(self, parameters, context, feedback):
        with runner.refused_values():
            folders = parse_stack_folders(self.parameterAsString(parameters, self.STACK_FOLDERS, context))
            init = self.initial_weights(parameters, context)

        def arguments(partial_onnx):
            return trainer_arguments(
                folders, partial_onnx, inputs=self.parameterAsInt(parameters, self.INPUTS, context),
                arch=ARCHITECTURES[self.parameterAsEnum(parameters, self.ARCH, context)])

        return self.train(parameters, context, feedback, arguments, init)
