"""Processing algorithm "Train SAR segmentation model": labels from the user's layers, torch in a subprocess.

QGIS side (no torch): the labels (polygons with an integer class field, or a
label raster) are burnt into temporary uint8 rasters on the SAR raster's grid
(255 = unlabelled), one for training and one for validation (held-out
polygons, a held-out share of the training polygons, or a validation label
raster); they are checked (overlap, classes, grid); then
``python -m sar_change.models.segmentation.train`` runs through
``training_runner.train_model`` (progress and losses streamed, cancel stops
it, the model, its .pt checkpoint and its .md card appear only on success).
"""

import os

import numpy as np
from osgeo import gdal, ogr, osr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingUtils,
)

from ...core.engine import validation
from ...core.engine.raster_blocks import RasterError, geotiff_options, read_array, read_info
from ...models.segmentation.schema import IGNORE, SIZE_MULTIPLE, class_entries
from . import common
from . import training_runner as runner
from .common import tr
from .segment import SarBandsMixin, parse_bands

LOSSES = ("ce", "focal")
WEIGHTS = ("none", "balanced", "sqrt")

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Trains a SAR segmentation model (water, ice, land cover, ...) from your own labels: a "
        "ResNet-18 encoder cut after its third block with an ASPP decoder (Karimzadeh &amp; Pires de Lima "
        "2022), inputs the chosen SAR bands in dB and optionally the incidence angle, saved as ONNX with "
        "the class names and colours for <i>Segment SAR raster</i>.</p><p>Training needs PyTorch, which "
        "QGIS's Python does not have: it runs in another Python as <code>python -m "
        "sar_change.models.segmentation.train</code>; progress and losses appear here; cancelling leaves "
        "no model behind.</p><h3>Parameters</h3><ul><li><b>SAR raster</b>, <b>SAR bands</b> (e.g. 1,2), "
        "<b>Band names</b> (e.g. VV,VH), <b>Scale</b> (linear power, amplitude or dB), <b>Incidence angle "
        "band</b> (degrees, optional).</li><li><b>Label polygons</b> with an integer <b>Class field</b> "
        "(0, 1, ... in the order of the class names), or a <b>Label raster</b> on the SAR raster's grid "
        "(255 or no data = unlabelled).</li><li><b>Validation</b>: validation polygons (same class field), "
        "or a validation label raster, or else a share of the label polygons held out at random "
        "(<b>Validation share</b>).</li><li><b>Class names</b>: comma-separated, e.g. water,ice,land; "
        "<b>Colours</b> (optional): #rrggbb per class.</li><li><b>Loss</b>: cross-entropy or focal; "
        "<b>Class weights</b>: none, balanced (inverse class frequency) or square root (of the inverse "
        "frequency, milder).</li><li><b>Initial weights</b>: empty = random; "
        "<code>segmentation.sar_despeckling</code> = the SAR-pretrained encoder (self-supervised "
        "despeckling); or a .pt/.onnx path.</li><li>Patches of <b>Patch size</b> pixels (multiple of 16) "
        "are drawn at random around labelled pixels.</li></ul>"
    )


def _field_values(source, field):
    """Field index of ``field``; QgsProcessingException when missing or not numeric."""
    index = source.fields().lookupField(field)
    if index < 0:
        raise QgsProcessingException(
            tr("The label polygons have no field {field}: choose the class field").format(field=field)
        )
    if not source.fields().at(index).isNumeric():
        raise QgsProcessingException(
            tr(
                "The class field {field} is not numeric: give integer classes 0, 1, ... "
                "in the order of the class names"
            ).format(field=field)
        )
    return index


def class_value(value, n_classes, field):
    """The integer class of a field value; QgsProcessingException when not an integer in 0..K-1."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != int(number) or not 0 <= number < n_classes:
        raise QgsProcessingException(
            tr(
                "Class field {field} holds {value}: classes must be integers 0..{last} (one per class name)"
            ).format(field=field, value=value, last=n_classes - 1)
        )
    return int(number)


def rasterise(polygons, info, path):
    """Burn [(wkt, class)] into a uint8 GeoTIFF on ``info``'s grid (``IGNORE`` elsewhere); ``path``."""
    mem = ogr.GetDriverByName("Memory").CreateDataSource("labels")
    srs = None
    if info.projection:
        srs = osr.SpatialReference()
        srs.ImportFromWkt(info.projection)
    layer = mem.CreateLayer("labels", srs=srs, geom_type=ogr.wkbUnknown)
    layer.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    for wkt, value in polygons:
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("label", int(value))
        feature.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        layer.CreateFeature(feature)
    ds = gdal.GetDriverByName("GTiff").Create(
        path, info.xsize, info.ysize, 1, gdal.GDT_Byte, geotiff_options()
    )
    if ds is None:
        raise RasterError(f"cannot create the temporary label raster {path}")
    ds.SetGeoTransform(info.geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
    if info.projection:
        ds.SetProjection(info.projection)
    band = ds.GetRasterBand(1)
    band.SetNoDataValue(IGNORE)
    band.Fill(IGNORE)
    if polygons and gdal.RasterizeLayer(ds, [1], layer, options=["ATTRIBUTE=label"]) != 0:
        raise RasterError("cannot rasterise the label polygons")
    ds.FlushCache()
    ds = None
    return path


def check_labels(path, n_classes, what, patch):
    """Labelled pixels per class of a label raster; QgsProcessingException naming the fix."""
    labels = read_array(path, 1)
    labels = np.where(np.isfinite(labels), labels, IGNORE).astype(np.int64)
    valid = labels[labels != IGNORE]
    if valid.size == 0:
        raise QgsProcessingException(
            tr(
                "The {what} hold no labelled pixel on the SAR raster: do they overlap it (same area, CRS)?"
            ).format(what=what)
        )
    if valid.max() >= n_classes or valid.min() < 0:
        raise QgsProcessingException(
            tr(
                "The {what} hold class value {v}: classes must be 0..{last} (one per class "
                "name, 255 = unlabelled)"
            ).format(what=what, v=int(valid.max()), last=n_classes - 1)
        )
    if valid.size < patch:
        raise QgsProcessingException(
            tr(
                "The {what} label only {n} pixel(s), too few for {p} x {p}-pixel patches: draw larger areas"
            ).format(what=what, n=valid.size, p=patch)
        )
    return np.bincount(valid, minlength=n_classes)


class TrainSegmentationAlgorithm(SarBandsMixin, runner.TrainingAlgorithm):
    BAND_NAMES = "BAND_NAMES"
    POLYGONS = "POLYGONS"
    CLASS_FIELD = "CLASS_FIELD"
    LABEL_RASTER = "LABEL_RASTER"
    VAL_POLYGONS = "VAL_POLYGONS"
    VAL_RASTER = "VAL_RASTER"
    VAL_SHARE = "VAL_SHARE"
    CLASSES = "CLASSES"
    COLOURS = "COLOURS"
    LOSS = "LOSS"
    CLASS_WEIGHTS = "CLASS_WEIGHTS"
    FREEZE_EPOCHS = "FREEZE_EPOCHS"
    PATCH = "PATCH"
    VAL_MIOU = "VAL_MIOU"
    TRAINER_MODULE = "models.segmentation.train"
    METRICS = ((VAL_MIOU, "metrics.val_miou"),)

    def name(self):
        return "trainsegmentation"

    def displayName(self):
        return tr("Train SAR segmentation model")

    def group(self):
        return tr("Segmentation")

    def groupId(self):
        return "segmentation"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TrainSegmentationAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        string = QgsProcessingParameterString
        self.add_sar_parameters(tr("SAR bands (e.g. 1,2)"))
        self.addParameter(string(self.BAND_NAMES, tr("Band names"), defaultValue="VV,VH"))
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.POLYGONS, tr("Label polygons"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CLASS_FIELD,
                tr("Class field (0, 1, ...)"),
                parentLayerParameterName=self.POLYGONS,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(
                self.LABEL_RASTER, tr("Label raster (instead of polygons)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(self.VAL_POLYGONS, tr("Validation polygons"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterRasterLayer(self.VAL_RASTER, tr("Validation label raster"), optional=True)
        )
        self.addParameter(
            number(
                self.VAL_SHARE,
                tr("Validation share of the label polygons (when no validation layer)"),
                type=number.Double,
                defaultValue=0.25,
                minValue=0.05,
                maxValue=0.9,
            )
        )
        self.addParameter(
            string(
                self.CLASSES,
                tr("Class names (comma-separated, in class order)"),
                defaultValue="water,ice,land",
            )
        )
        self.addParameter(string(self.COLOURS, tr("Class colours (#rrggbb, comma-separated)"), optional=True))
        self.addParameter(
            QgsProcessingParameterEnum(
                self.LOSS, tr("Loss"), options=[tr("Cross-entropy"), tr("Focal")], defaultValue=0
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.CLASS_WEIGHTS,
                tr("Class weights"),
                options=[
                    tr("None"),
                    tr("Balanced (inverse frequency)"),
                    tr("Square root of the inverse frequency"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            string(
                self.INIT,
                tr(
                    "Initial weights (empty = random; segmentation.sar_despeckling = "
                    "SAR-pretrained encoder; or a .pt/.onnx path)"
                ),
                optional=True,
            )
        )
        self.add_shared_parameters((self.EPOCHS, 30))
        self.addParameter(
            number(
                self.PATCH,
                tr("Patch size (pixels, multiple of 16)"),
                type=number.Integer,
                defaultValue=64,
                minValue=16,
            )
        )
        self.add_shared_parameters(self.SEED, self.PYTHON)
        self.add_advanced_parameter(
            number(
                self.FREEZE_EPOCHS,
                tr("Keep the pretrained encoder frozen for the first epochs"),
                type=number.Integer,
                defaultValue=0,
                minValue=0,
            )
        )
        self.add_shared_parameters(
            self.THREADS, (self.MAX_MINUTES, 0.0), (self.PATCHES_PER_EPOCH, 256), advanced=True
        )
        self.add_model_outputs(((self.VAL_MIOU, tr("Validation mean IoU at the best epoch")),), card=False)

    def _classes(self, parameters, context):
        names = [n.strip() for n in self.parameterAsString(parameters, self.CLASSES, context).split(",")]
        colours = [
            c.strip()
            for c in (self.parameterAsString(parameters, self.COLOURS, context) or "").split(",")
            if c.strip()
        ]
        return class_entries([n for n in names if n], colours or None)

    def validate(self, parameters, context):
        entries = self._classes(parameters, context)
        bands = parse_bands(self.parameterAsString(parameters, self.BANDS, context))
        names = [
            n for n in self.parameterAsString(parameters, self.BAND_NAMES, context).split(",") if n.strip()
        ]
        if len(names) != len(bands):
            raise ValueError(
                tr("{n} band names for {b} SAR bands: give one name per band").format(
                    n=len(names), b=len(bands)
                )
            )
        if self.parameterAsInt(parameters, self.PATCH, context) % SIZE_MULTIPLE:
            raise ValueError(tr("Patch size must be a multiple of {m} pixels").format(m=SIZE_MULTIPLE))
        has_polygons = self.parameterAsSource(parameters, self.POLYGONS, context) is not None
        has_raster = self.parameterAsRasterLayer(parameters, self.LABEL_RASTER, context) is not None
        if has_polygons == has_raster:
            raise ValueError(
                tr("Give the labels either as polygons (with a class field) or as a label raster")
            )
        if has_polygons and not self.parameterAsString(parameters, self.CLASS_FIELD, context):
            raise ValueError(tr("Choose the class field of the label polygons"))
        has_val = (
            self.parameterAsSource(parameters, self.VAL_POLYGONS, context) is not None
            or self.parameterAsRasterLayer(parameters, self.VAL_RASTER, context) is not None
        )
        if has_raster and not has_val:
            raise ValueError(tr("With a label raster, give a validation label raster or validation polygons"))
        return entries

    def _polygons(self, source, field, crs, context, n_classes):
        index = _field_values(source, field)
        out = []
        for feature, geometry in common.features_in_crs(source, crs, context, tr("The label polygons")):
            value = class_value(feature.attributes()[index], n_classes, field)
            if value is not None:
                out.append((geometry.asWkt(), value))
        return out

    def _label_raster(self, layer, info, what):
        path = common.gdal_source(layer, what)
        other = read_info(path)
        if validation.grid_problem(other, info):  # (np.allclose took a half-pixel shift for the same grid)
            raise QgsProcessingException(
                tr(
                    "The {what} '{name}' ({w} x {h}) is not on the grid of the SAR raster "
                    "({W} x {H}): resample it onto that grid"
                ).format(
                    what=what, name=layer.name(), w=other.xsize, h=other.ysize, W=info.xsize, H=info.ysize
                )
            )
        return path

    def processAlgorithm(self, parameters, context, feedback):
        with runner.refused_values():
            entries = self.validate(parameters, context)
        k = len(entries)
        layer, src, bands, scale, incidence = self.sar_inputs(parameters, context)
        info = read_info(src)
        crs = (
            QgsCoordinateReferenceSystem.fromWkt(info.projection)
            if info.projection
            else QgsCoordinateReferenceSystem()
        )
        patch = self.parameterAsInt(parameters, self.PATCH, context)
        seed = self.parameterAsInt(parameters, self.SEED, context)
        train_path = QgsProcessingUtils.generateTempFilename("segmentation_labels.tif")
        val_path = QgsProcessingUtils.generateTempFilename("segmentation_validation.tif")
        field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        source = self.parameterAsSource(parameters, self.POLYGONS, context)
        val_source = self.parameterAsSource(parameters, self.VAL_POLYGONS, context)
        val_layer = self.parameterAsRasterLayer(parameters, self.VAL_RASTER, context)
        with common.core_errors(layer.name()):
            if source is not None:
                polygons = self._polygons(source, field, crs, context, k)
                if val_source is None and val_layer is None:
                    rng = np.random.default_rng(seed)
                    share = self.parameterAsDouble(parameters, self.VAL_SHARE, context)
                    held = rng.random(len(polygons)) < share
                    if len(polygons) >= 2 and not held.any():
                        held[rng.integers(len(polygons))] = True
                    if held.all():
                        raise QgsProcessingException(
                            tr(
                                "Too few label polygons to hold some out for validation: "
                                "draw more or give validation polygons"
                            )
                        )
                    rasterise([p for p, h in zip(polygons, held) if h], info, val_path)
                    polygons = [p for p, h in zip(polygons, held) if not h]
                    feedback.pushInfo(tr("{n} polygon(s) held out for validation").format(n=int(held.sum())))
                rasterise(polygons, info, train_path)
            else:
                train_path = self._label_raster(
                    self.parameterAsRasterLayer(parameters, self.LABEL_RASTER, context),
                    info,
                    self.LABEL_RASTER,
                )
            if val_source is not None:
                rasterise(self._polygons(val_source, field, crs, context, k), info, val_path)
            elif val_layer is not None:
                val_path = self._label_raster(val_layer, info, self.VAL_RASTER)
        counts = check_labels(train_path, k, tr("training labels"), patch)
        if int((counts > 0).sum()) < 2:
            raise QgsProcessingException(
                tr("The training labels hold a single class: label at least two classes")
            )
        check_labels(val_path, k, tr("validation labels"), 1)
        feedback.pushInfo(
            tr("Labelled training pixels per class: {counts}").format(
                counts=", ".join(f"{e['name']} {int(c)}" for e, c in zip(entries, counts))
            )
        )
        init = (self.parameterAsString(parameters, self.INIT, context) or "").strip()
        names = [
            n.strip()
            for n in self.parameterAsString(parameters, self.BAND_NAMES, context).split(",")
            if n.strip()
        ]

        def arguments(partial_onnx):
            return [
                "--image",
                src,
                "--bands",
                ",".join(str(b) for b in bands),
                "--band-names",
                ",".join(names),
                "--scale",
                scale,
                "--incidence-band",
                str(incidence or 0),
                "--labels",
                train_path,
                "--val-labels",
                val_path,
                "--classes",
                ",".join(e["name"] for e in entries),
                "--colours",
                ",".join(e["colour"] for e in entries),
                "--out",
                partial_onnx,
                "--patch",
                str(patch),
                "--loss",
                LOSSES[self.parameterAsEnum(parameters, self.LOSS, context)],
                "--class-weights",
                WEIGHTS[self.parameterAsEnum(parameters, self.CLASS_WEIGHTS, context)],
                "--freeze-encoder-epochs",
                str(self.parameterAsInt(parameters, self.FREEZE_EPOCHS, context)),
            ]

        try:
            return self.train(parameters, context, feedback, arguments, init)
        finally:
            for path in (train_path, val_path):
                if path.startswith(QgsProcessingUtils.tempFolder()) and os.path.exists(path):
                    os.remove(path)
