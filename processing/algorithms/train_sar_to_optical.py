"""Processing algorithm "Train SAR-to-optical model": runs the torch trainer as a subprocess.

``PYTHON -m sar_change.models.sar_to_optical.cli --pairs DIR ... --out MODEL.onnx``
started, streamed, cancelled and published by ``training_runner.train_model``
(the model, its .pt checkpoint and .md card appear only on success).
"""
from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterString

from ...core.translation import pair_dataset
from ...models.sar_to_optical import schema
from . import training_runner as runner
from .common import tr


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
    folders = runner.parse_folder_list(
        text, (pair_dataset.PAIRS_CSV,),
        tr("pair folder {path} holds no pairs.csv: give folders written by the simulator's optical twin or "
           "the BigEarthNet reader, or your own with that table"),
        empty=tr("give at least one pair folder (one per line)"))
    for path in folders if schema.uses_dem(fusion) else ():
        missing = [r["pair_id"] for r in pair_dataset.read_pairs(path) if not r.get("dem")]
        if missing:
            raise ValueError(tr("fusion '{fusion}' needs a DEM but {n} pair(s) of {path} have none (e.g. "
                                "{pair}): fill the dem column or choose the fusion 'none'").format(
                fusion=fusion, n=len(missing), path=path, pair=missing[0]))
    return folders


class TrainSarToOpticalAlgorithm(runner.TrainingAlgorithm):
    """Train a SAR-to-optical model in a Python with torch."""

    PAIRS = "PAIRS"
    ARCH = "ARCH"
    FUSION = "FUSION"
    VAL_MAE = "VAL_MAE"
    TRAINER_MODULE = "models.sar_to_optical.cli"
    METRICS = ((VAL_MAE, "metrics.val_mae"),)

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
        self.addParameter(QgsProcessingParameterString(
            self.PAIRS, tr("Pair folders with pairs.csv (one per line)"), multiLine=True))
        self.add_shared_parameters(self.PYTHON)
        self.addParameter(QgsProcessingParameterEnum(
            self.ARCH, tr("Network"), options=[tr("SARDINet"), tr("pix2pix U-Net (baseline)")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FUSION, tr("DEM fusion"),
            options=[tr("None (SAR only)"), tr("Early"), tr("Late"), tr("Intermediate")], defaultValue=0))
        self.add_shared_parameters((self.EPOCHS, 30))
        self.addParameter(runner.weights_file_parameter(
            self.INIT, tr("Initial weights (.pt or .onnx; empty: random)")))
        self.add_shared_parameters(self.SEED)
        self.add_shared_parameters(self.THREADS, (self.MAX_MINUTES, 0.0), (self.PATCHES_PER_EPOCH, 256),
                                   advanced=True)
        self.add_model_outputs(((self.VAL_MAE, tr("Validation MAE at the best epoch")),))

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
        self.initial_weights(parameters, context, schema.KIND)

    def processAlgorithm(self, parameters, context, feedback):
        with runner.refused_values():
            arch, fusion, folders = self._choices(parameters, context)
            init = self.initial_weights(parameters, context)

        def arguments(partial_onnx):
            return runner.folder_arguments("--pairs", folders) + [
                "--out", partial_onnx, "--arch", arch, "--fusion", fusion]

        return self.train(parameters, context, feedback, arguments, init)
