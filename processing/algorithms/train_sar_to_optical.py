"""Processing algorithm "Train SAR-to-optical model": runs the torch trainer as a subprocess.

``PYTHON -m sar_change.models.sar_to_optical.cli --pairs DIR ... --out MODEL.onnx``
started, streamed, cancelled and published by ``training_runner.train_model``
(the model, its .pt checkpoint and .md card appear only on success).
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

from ...core.translation import pair_dataset
from ...models.sar_to_optical import schema
from . import common
from . import training_runner as runner
from .common import tr

TRAINER_MODULE = "models.sar_to_optical.cli"

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Trains a SAR-to-optical translation model on co-registered SAR/optical pairs and saves it as "
        "ONNX for <i>SAR to optical</i>: SARDINet (Bralet et al., ICIP 2022) without DEM or with the "
        "early, late or intermediate DEM fusion of Bralet et al. (IGARSS 2024), or a pix2pix U-Net "
        "baseline; mean absolute error with Adam.</p><p>Training needs PyTorch and runs in another Python"
        " interpreter (<code>python -m sar_change.models.sar_to_optical.cli</code>); its progress and "
        "losses appear here, cancelling stops it and leaves no model behind.</p><ul><li><b>Pair "
        "folders</b>: one per line, each with a pairs.csv (columns pair_id, source, scene, date, "
        "sar_date, orbit_direction, sar, optical, dem, distortion, cloud_mask, ...; raster paths relative"
        " to the CSV): SAR GeoTIFFs with VV and VH in dB, optical GeoTIFFs with B02, B03, B04, B08 "
        "reflectance (0..1), the DEM (m) on the same grid for the DEM fusions, an optional cloud mask (0 "
        "= clear). The simulator's optical twin and the BigEarthNet reader write this format. Validation "
        "holds out whole scenes (or every fourth pair with a single scene).</li><li><b>Initial "
        "weights</b>: a .pt checkpoint or a sar_to_optical .onnx of the same network to fine-tune (e.g. "
        "the shipped model on your own pairs); empty: random weights.</li></ul>"
    )


def parse_pair_folders(text, fusion="none"):
    """Absolute pair folders from text (one per line or ';'-separated; a pairs.csv stands for its folder).

    ValueError naming a folder without pairs.csv, or pairs without a DEM when ``fusion`` needs one.
    """
    folders = []
    for line in str(text or "").replace(";", "\n").splitlines():
        path = line.strip().strip('"').strip("'")
        if not path:
            continue
        if os.path.isfile(path) and path.lower().endswith(".csv"):
            path = os.path.dirname(path)
        path = os.path.abspath(path)
        if not os.path.isfile(os.path.join(path, pair_dataset.PAIRS_CSV)):
            raise ValueError(tr("pair folder {path} holds no pairs.csv: give folders written by the "
                                "simulator's optical twin or the BigEarthNet reader, or your own with that "
                                "table").format(path=path))
        if schema.uses_dem(fusion):
            rows = pair_dataset.read_pairs(path)
            missing = [r["pair_id"] for r in rows if not r.get("dem")]
            if missing:
                raise ValueError(tr("fusion '{fusion}' needs a DEM but {n} pair(s) of {path} have none (e.g. "
                                    "{pair}): fill the dem column or choose the fusion 'none'").format(
                    fusion=fusion, n=len(missing), path=path, pair=missing[0]))
        if path not in folders:
            folders.append(path)
    if not folders:
        raise ValueError(tr("give at least one pair folder (one per line)"))
    return folders


class TrainSarToOpticalAlgorithm(common.SarChangeAlgorithm):
    """Train a SAR-to-optical model in a Python with torch."""

    PAIRS = "PAIRS"
    PYTHON = "PYTHON"
    ARCH = "ARCH"
    FUSION = "FUSION"
    EPOCHS = "EPOCHS"
    INIT = "INIT"
    SEED = "SEED"
    THREADS = "THREADS"
    MAX_MINUTES = "MAX_MINUTES"
    PATCHES_PER_EPOCH = "PATCHES_PER_EPOCH"
    OUTPUT_MODEL = "OUTPUT_MODEL"
    CHECKPOINT = "CHECKPOINT"
    CARD = "CARD"
    BEST_EPOCH = "BEST_EPOCH"
    VAL_MAE = "VAL_MAE"

    def name(self):
        return "trainsartooptical"

    def displayName(self):
        return tr("Train SAR-to-optical model")

    def group(self):
        return tr("SAR to optical")

    def groupId(self):
        return "sartooptical"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TrainSarToOpticalAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterString(
            self.PAIRS, tr("Pair folders with pairs.csv (one per line)"), multiLine=True))
        self.addParameter(runner.python_parameter(self.PYTHON))
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCH, tr("Network"), options=[tr("SARDINet"), tr("pix2pix U-Net (baseline)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FUSION, tr("DEM fusion"),
            options=[tr("None (SAR only)"), tr("Early"), tr("Late"), tr("Intermediate")], defaultValue=0))
        self.addParameter(number(self.EPOCHS, tr("Epochs"), type=number.Integer, defaultValue=30, minValue=1))
        self.addParameter(QgsProcessingParameterFile(
            self.INIT, tr("Initial weights (.pt or .onnx; empty: random)"),
            behavior=QgsProcessingParameterFile.File, optional=True, fileFilter=tr("All files (*)")))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=0,
                                 minValue=0))
        advanced = [number(self.THREADS, tr("Torch threads"), type=number.Integer, defaultValue=2,
                           minValue=1),
                    number(self.MAX_MINUTES, tr("Time limit (minutes; 0 = none)"), type=number.Double,
                           defaultValue=0.0, minValue=0.0),
                    number(self.PATCHES_PER_EPOCH, tr("Patches per epoch"), type=number.Integer,
                           defaultValue=256, minValue=1)]
        for param in advanced:
            self.add_advanced_parameter(param)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Model"), fileFilter=tr("ONNX models (*.onnx)")))
        self.addOutput(QgsProcessingOutputFile(self.CHECKPOINT, tr("Checkpoint (.pt)")))
        self.addOutput(QgsProcessingOutputFile(self.CARD, tr("Model card (.md)")))
        self.addOutput(QgsProcessingOutputNumber(self.BEST_EPOCH, tr("Best epoch")))
        self.addOutput(QgsProcessingOutputNumber(self.VAL_MAE, tr("Validation MAE at the best epoch")))

    def _choices(self, parameters, context):
        arch = schema.ARCHES[self.parameterAsEnum(parameters, self.ARCH, context)]
        fusion = schema.FUSIONS[self.parameterAsEnum(parameters, self.FUSION, context)]
        if arch == "pix2pix" and fusion not in ("none", "early"):
            raise ValueError(tr("the pix2pix baseline takes the DEM only as an extra input channel: choose "
                                "the fusion 'None' or 'Early', or the network SARDINet"))
        folders = parse_pair_folders(self.parameterAsString(parameters, self.PAIRS, context), fusion)
        return arch, fusion, folders

    def validate(self, parameters, context):
        """Refuse missing pair tables, pairs without DEM for a fusion, pix2pix with late/intermediate, and
        initial weights that cannot start this model."""
        self._choices(parameters, context)
        init = self.parameterAsFile(parameters, self.INIT, context)
        problem = init and runner.init_weights_problem(init, schema.KIND)
        if problem:
            raise ValueError(problem)

    def processAlgorithm(self, parameters, context, feedback):
        try:
            arch, fusion, folders = self._choices(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        python = runner.resolve_python(self.parameterAsFile(parameters, self.PYTHON, context))
        init = self.parameterAsFile(parameters, self.INIT, context) or None
        if init and not os.path.isfile(init):
            raise QgsProcessingException(tr("Initial weights {path} do not exist").format(path=init))
        destination = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context)

        def arguments(partial_onnx):
            args = []
            for folder in folders:
                args += ["--pairs", folder]
            args += ["--out", partial_onnx, "--arch", arch, "--fusion", fusion,
                     "--epochs", str(self.parameterAsInt(parameters, self.EPOCHS, context)),
                     "--seed", str(self.parameterAsInt(parameters, self.SEED, context)),
                     "--threads", str(self.parameterAsInt(parameters, self.THREADS, context)),
                     "--patches-per-epoch",
                     str(self.parameterAsInt(parameters, self.PATCHES_PER_EPOCH, context))]
            minutes = self.parameterAsDouble(parameters, self.MAX_MINUTES, context)
            if minutes:
                args += ["--max-minutes", repr(float(minutes))]
            if init:
                args += ["--init", init]
            return args

        files, summary = runner.train_model(python, TRAINER_MODULE, arguments, destination, feedback)
        if files is None:
            return {}
        results = {self.OUTPUT_MODEL: files[".onnx"]}
        for key, ext in ((self.CHECKPOINT, ".pt"), (self.CARD, ".md")):
            if files.get(ext):
                results[key] = files[ext]
        results.update(runner.metric_outputs(summary, ((self.BEST_EPOCH, "best_epoch"),
                                                       (self.VAL_MAE, "metrics.val_mae"))))
        return results
