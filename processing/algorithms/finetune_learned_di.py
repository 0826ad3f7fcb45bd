"""Processing algorithm "Fine-tune learned difference image model" on a stack's own history.

Transfer learning where users need it (Karimzadeh & Pires de Lima 2022,
"Deep learning on SAR imagery: transfer learning versus randomly initialized
weights"): a learned-DI model (default the shipped one) is trained further on
the acquisitions of the user's stack *before* the target date, within a time
budget, then used on the target with *Learned difference image*. No labels:
the network learns to predict each earlier acquisition from the ones before
it; the target date is never read (``--before``) and change_date.tif is
ignored (``--no-change-mask``). The model written is the one with the lowest
validation loss on validation dates spread through the history (every
seventh date), the starting model included (epoch 0), so it is never worse
there than the model it started from; settings in
``models.learned_di.config.FINETUNE``, with the epoch and validation sizes scaled to short
budgets (``finetune_settings``).

Before training, the target's conditions are compared with the model's valid
ranges (its metadata; approximated from its normalisation for models exported
before ranges were recorded): values outside are reported as warnings, since
the model then extrapolates.

Training runs in a Python with torch through ``training_runner`` (progress,
losses, cancel, files published only on success): model, .pt checkpoint and
.md model card written by the run.
"""
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core.learned_di import pipeline as learned_di
from ...models.framework import metadata as md
from ...models.learned_di.config import FINETUNE, finetune_settings
from . import common
from . import training_runner as runner
from .common import tr

#: The trainer's module under the plugin package.
TRAINER_MODULE = "models.train"
#: Fine-tuning settings passed to the trainer (epochs, schedule, patience, patches, validation split).
SETTINGS = FINETUNE

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Fine-tunes a learned difference-image model (default: the model shipped with the plugin) on "
        "<b>your own stack</b>: the network learns to predict each acquisition <i>before</i> the target "
        "date from the acquisitions before it, the DEM and the conditions. No labels are needed, the "
        "target date is never used, and the simulated change dates (change_date.tif) are ignored. Use the"
        " fine-tuned model in <i>Learned difference image</i> on the target.</p><p>A model trained "
        "elsewhere (another climate, relief, speckle level) often predicts a new area with a bias; a "
        "short fine-tune on the area's history removes most of it. The model written is the best on the "
        "last earlier dates (validation), the starting model included: it is never worse there than the "
        "model it started from.</p><p>Before training, the target's conditions (temperature, "
        "precipitation, snow depth, incidence) are compared with the model's valid ranges; values outside"
        " are reported as warnings.</p><h3>Parameters</h3><ul><li><b>Acquisitions table</b>: the "
        "acquisitions.csv of the stack (with dem.tif beside it), as for <i>Learned difference "
        "image</i>.</li><li><b>Target date</b>: YYYY-MM-DD (empty: the newest acquisition); only earlier "
        "acquisitions are used.</li><li><b>Model to start from</b>: a learned-DI .onnx (empty: the "
        "shipped model).</li><li><b>Time budget</b>: minutes of training (the best model so far is "
        "kept).</li><li><b>Python with PyTorch</b>, <b>Threads</b>, <b>Seed</b>, <b>Patch size</b>, "
        "<b>Learning rate</b>, <b>Freeze the encoder for the first epochs</b> "
        "(advanced).</li><li><b>Fine-tuned model</b>: the .onnx written, with its checkpoint (.pt) and "
        "model card (.md) beside it.</li></ul>"
    )


def trainer_arguments(plan, out_path, minutes, threads, seed, patch, lr, freeze_epochs):
    """Arguments of ``python -m sar_change.models.train`` for a fine-tune (``plan``: ``finetune_plan``;
    epoch and validation sizes for a budget of ``minutes``, ``finetune_settings``)."""
    f = finetune_settings(minutes)
    arguments = ["--stack", plan["csv_path"], "--out", out_path, "--init", plan["model"],
                 "--inputs", str(plan["n_inputs"]), "--before", plan["before"], "--no-change-mask",
                 "--schedule", f["schedule"], "--lr", repr(float(lr)), "--epochs", str(f["epochs"]),
                 "--patience", str(f["patience"]), "--patches-per-epoch", str(f["patches_per_epoch"]),
                 "--val-patches", str(f["val_patches"]), "--val-fraction", repr(f["val_fraction"]),
                 "--split", f["split"],
                 "--patch", str(int(patch)), "--max-minutes", repr(float(minutes)),
                 "--threads", str(int(threads)), "--seed", str(int(seed))]
    if f.get("half_life_days"):
        arguments += ["--half-life-days", repr(f["half_life_days"])]
    if freeze_epochs:
        arguments += ["--freeze-encoder-epochs", str(int(freeze_epochs))]
    return arguments


class FinetuneLearnedDiAlgorithm(runner.TrainingAlgorithm):
    """Fine-tune a learned-DI model on a stack's history before the target, in a Python with torch."""

    STACK_TABLE = "STACK_TABLE"
    TARGET_DATE = "TARGET_DATE"
    MODEL = "MODEL"
    PATCH = "PATCH"
    LEARNING_RATE = "LEARNING_RATE"
    FREEZE_EPOCHS = "FREEZE_EPOCHS"
    VAL_LOSS_BEFORE = "VAL_LOSS_BEFORE"
    VAL_LOSS = "VAL_LOSS"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    METRICS = ((VAL_LOSS_BEFORE, "metrics.initial.val_loss"), (VAL_LOSS, "metrics.val_loss"))

    def name(self):
        return "finetunelearneddi"

    def displayName(self):
        return tr("Fine-tune learned difference image model on a stack")

    def group(self):
        return tr("Learned difference image")

    def groupId(self):
        return "learneddi"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return FinetuneLearnedDiAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterFile(
            self.STACK_TABLE, tr("Acquisitions table (acquisitions.csv of a stack)"),
            behavior=QgsProcessingParameterFile.File, extension="csv"))
        self.addParameter(QgsProcessingParameterString(
            self.TARGET_DATE, tr("Target date (YYYY-MM-DD; empty: the newest acquisition); only earlier "
                                 "acquisitions are used"), optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, tr("Model to start from (empty: the shipped model)"),
            behavior=QgsProcessingParameterFile.File, extension="onnx", optional=True))
        self.addParameter(number(self.MAX_MINUTES, tr("Time budget (minutes)"), type=number.Double,
                                 defaultValue=SETTINGS["max_minutes"], minValue=0.05))
        self.add_shared_parameters(self.PYTHON)
        advanced = [
            self.shared_parameter(self.THREADS),
            self.shared_parameter(self.SEED),
            number(self.PATCH, tr("Patch size (pixels, multiple of 16)"), type=number.Integer,
                   defaultValue=64, minValue=16),
            number(self.LEARNING_RATE, tr("Learning rate"), type=number.Double, defaultValue=SETTINGS["lr"],
                   minValue=1e-6),
            number(self.FREEZE_EPOCHS, tr("Freeze the encoder for the first epochs"), type=number.Integer,
                   defaultValue=0, minValue=0)]
        for param in advanced:
            self.add_advanced_parameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Fine-tuned model"), fileFilter=tr("ONNX models (*.onnx)")))
        self.addOutput(QgsProcessingOutputFile(self.CHECKPOINT, tr("Checkpoint (.pt)")))
        self.addOutput(QgsProcessingOutputFile(self.CARD, tr("Model card (.md)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, tr("Best epoch (0 = the starting model)")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_LOSS_BEFORE,
                                                 tr("Validation loss of the starting model")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_LOSS,
                                                 tr("Validation loss of the fine-tuned model")))
        self.addOutput(QgsProcessingOutputNumber(self.OUT_OF_RANGE,
                                                 tr("Target conditions outside the model's valid ranges")))

    def _plan(self, parameters, context):
        table = self.parameterAsFile(parameters, self.STACK_TABLE, context)
        model = self.parameterAsFile(parameters, self.MODEL, context) or None
        date = (self.parameterAsString(parameters, self.TARGET_DATE, context) or "").strip() or None
        try:
            plan = learned_di.finetune_plan(table, model, date)
        except ValueError as exc:
            raise QgsProcessingException(tr("Fine-tuning on {table}: {error}").format(
                table=os.path.basename(table or "?"), error=exc)) from exc
        plan["csv_path"] = os.path.abspath(table)
        return plan

    def validate(self, parameters, context):
        """Refuse a missing table, an unknown target date, a wrong model, a too short history, and history
        images that are not linear power with valid pixels (what the trainer reads)."""
        plan = self._plan(parameters, context)
        rows = [r for r in learned_di.read_stack(plan["csv_path"]) if r["date"] < plan["before"]]
        common.check_learned_inputs([r["path"] for r in rows], common.SCALE_CHOICES[0], None, rows,
                                    os.path.basename(plan["csv_path"]))

    def processAlgorithm(self, parameters, context, feedback):
        plan = self._plan(parameters, context)
        python = runner.resolve_python(self.parameterAsFile(parameters, self.PYTHON, context))
        feedback.pushInfo(tr("Starting model {model}; target {date}: training on the {count} acquisitions "
                             "before it ({targets} with {n} earlier ones)").format(
            model=plan["model"], date=plan["before"], count=plan["history"], targets=plan["history_targets"],
            n=plan["n_inputs"]))
        if plan["out_of_range"]:
            how = "" if plan["ranges_exact"] else tr(" (ranges approximated from the model's normalisation: "
                                                     "training mean +- 2.5 standard deviations)")
            feedback.pushWarning(tr("The target's conditions lie outside the starting model's valid "
                                    "ranges{how}: {items}. The model extrapolates there; fine-tuning on "
                                    "earlier acquisitions under similar conditions helps.").format(
                how=how, items=md.describe_out_of_range(plan["out_of_range"])))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)

        def arguments(partial_onnx):
            return trainer_arguments(
                plan, partial_onnx, self.parameterAsDouble(parameters, self.MAX_MINUTES, context),
                self.parameterAsInt(parameters, self.THREADS, context),
                self.parameterAsInt(parameters, self.SEED, context),
                self.parameterAsInt(parameters, self.PATCH, context),
                self.parameterAsDouble(parameters, self.LEARNING_RATE, context),
                self.parameterAsInt(parameters, self.FREEZE_EPOCHS, context))

        files, summary = runner.train_model(python, TRAINER_MODULE, arguments, destination, feedback)
        results = self.model_results(files, summary)
        if not results:
            return {}
        results[self.OUT_OF_RANGE] = len(plan["out_of_range"])
        if self.VAL_LOSS_BEFORE in results and self.VAL_LOSS in results:
            feedback.pushInfo(tr("Validation loss on the dates before the target: {before:.4g} (starting "
                                 "model) -> {after:.4g} (fine-tuned)").format(
                before=results[self.VAL_LOSS_BEFORE], after=results[self.VAL_LOSS]))
        return results
