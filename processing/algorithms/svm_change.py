"""Processing algorithm "SVM change classifier": a thin wrapper around core.change.svm_raster.

Parameters are validated and translated into one call of
``core.change.svm_raster.classify_rasters`` (features per block, training
sample, SVM, ONNX export, mask written block by block). Only the training
polygons are handled here: they come through QGIS (any CRS, any provider)
and are rasterised into a temporary uint8 label raster on the image grid.
The core's messages (``svm_raster.EVENTS``) are worded and translated here.
"""
import os

from osgeo import gdal, ogr, osr
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingUtils,
)

from ...core.change import difference, features, svm, svm_raster
from ...core.engine.raster_blocks import Cancelled, RasterError, geotiff_options, read_info
from ...models import onnx_runtime
from . import common
from .common import tr

#: Difference methods offered, in enum order.
DI_METHODS = difference.METHODS
#: Mask value of pixels outside every polygon (ignored as a label).
UNLABELLED = 254

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Classifies every pixel of two co-registered SAR images (or of a difference image) as change "
        "(1) or no change (0) with a support vector machine (SVM) trained on per-pixel features "
        "(Camps-Valls et al. 2008; Bovolo, Bruzzone &amp; Marconcini 2008; scikit-learn's LinearSVC and "
        "SVC). The trained model is saved as ONNX and can be reapplied to other images with onnxruntime "
        "only.</p><h3>Features</h3><p>For each difference image (DI) band: the DI value and its local "
        "mean and standard deviation over each feature window; optionally the backscatter of both dates "
        "in dB and its local means. Features are standardised (mean 0, variance 1) on the training "
        "sample. Pixels that are no data in any input, or have power &lt;= 0 where a logarithm is taken, "
        "are no data (255) in the output.</p><h3>Parameters</h3><ul><li><b>Image 1 (earlier), Image 2 "
        "(later)</b>: file-based rasters on the same grid. Leave both empty to classify a precomputed "
        "difference image alone.</li><li><b>Bands to compare</b>: bands of the images (default band 1). "
        "Per-band DI methods give one DI per band; the Euclidean dB norm one DI for "
        "all.</li><li><b>Difference image</b> (optional): a precomputed DI raster (any number of bands, "
        "any unit) on the images' grid, used instead of the DI method. Pseudo-labels assume that |DI| "
        "grows with the change (log ratio, mean ratio, neighbourhood-ratio index); give the log of a "
        "plain ratio I2/I1. With images too, the images serve only the backscatter "
        "features.</li><li><b>Input scale</b>: how the images store the pixels: linear power, amplitude "
        "or dB.</li><li><b>Difference method</b>: the DI of the two dates (core.change.difference): log "
        "ratio 10 log10(I2/I1) in dB by default; mean and neighbourhood ratio use 3x3 "
        "windows.</li><li><b>Feature windows</b>: odd local window sizes in pixels, comma separated, e.g."
        " 3,7.</li><li><b>Include backscatter</b>: add both dates' dB backscatter and its local "
        "means.</li><li><b>Classifier</b>: LinearSVC (linear, fast, scales to large samples) or RBF SVC "
        "(Gaussian kernel, gamma = 1 / (features x variance); slower, capped sample).</li><li><b>Training"
        " labels</b>: <ul><li>Polygons: polygons (any CRS) with a class field, 1 = change, 0 = no change "
        "(other values are skipped); pixels whose centre is inside a polygon are "
        "labelled.</li><li>Reference mask: a raster on the images' grid, 1 or 255 = change, 0 = no "
        "change; any other value and its no-data value are ignored.</li><li>Unsupervised pseudo-labels: a"
        " pre-classification of the DI (threshold on the |local mean of the first DI| over the smallest "
        "window, or 2-class k-means on the DI features) whose confidently classified pixels train the "
        "SVM, which then labels every pixel (pre-classification in the spirit of PCANet, Gao et al. 2016,"
        " and DDNet, Qu et al. 2022).</li></ul></li><li><b>Pseudo-label pre-classification</b>: Otsu or "
        "Kittler-Illingworth threshold, or 2-class k-means. <b>Kept fraction</b> (threshold): the "
        "fraction of each class farthest from the threshold used as labels (0.5: the outer half). "
        "<b>Membership</b> (k-means): fuzzy membership above which a pixel is a label "
        "(0.9).</li><li><b>Training pixels per class</b>: random sample per class, at most; 0 = automatic"
        " (5000 for RBF SVC, 100000 for LinearSVC).</li><li><b>Random seed</b>: the same seed gives the "
        "same sample and model.</li><li><b>Apply a saved model</b> (optional .onnx): skip training and "
        "apply this model; its recorded features (windows, DI method, bands, backscatter) replace those "
        "parameters, and the inputs must give the same "
        "features.</li></ul><h3>Outputs</h3><ul><li><b>Change mask</b>: uint8 GeoTIFF, 1 change, 0 no "
        "change, 255 no data.</li><li><b>Trained model</b> (optional): the standardisation and the SVM as"
        " an .onnx file, with the feature names, windows, input scale and training summary in its "
        "metadata.</li></ul><p>Training needs scikit-learn and skl2onnx; applying a model needs only "
        "onnxruntime.</p>")


class SvmChangeAlgorithm(common.SarChangeAlgorithm):
    """Train (or apply) an SVM change classifier on two-date SAR features."""

    IMAGE_1 = "IMAGE_1"
    IMAGE_2 = "IMAGE_2"
    BANDS = "BANDS"
    DI = "DI"
    SCALE = "SCALE"
    DI_METHOD = "DI_METHOD"
    FEATURE_WINDOWS = "FEATURE_WINDOWS"
    INCLUDE_BACKSCATTER = "INCLUDE_BACKSCATTER"
    CLASSIFIER = "CLASSIFIER"
    LABEL_SOURCE = "LABEL_SOURCE"
    POLYGONS = "POLYGONS"
    CLASS_FIELD = "CLASS_FIELD"
    REFERENCE_MASK = "REFERENCE_MASK"
    PSEUDO_METHOD = "PSEUDO_METHOD"
    PSEUDO_KEEP = "PSEUDO_KEEP"
    PSEUDO_MEMBERSHIP = "PSEUDO_MEMBERSHIP"
    SAMPLE_CAP = "SAMPLE_CAP"
    SEED = "SEED"
    MODEL_IN = "MODEL_IN"
    OUTPUT_MASK = "OUTPUT_MASK"
    OUTPUT_MODEL = "OUTPUT_MODEL"

    def name(self):
        return "svmchange"

    def displayName(self):
        return tr("SVM change classifier")

    def group(self):
        return tr("Change detection")

    def groupId(self):
        return "changedetection"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return SvmChangeAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_1, tr("Image 1 (earlier)"),
                                                            optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(self.IMAGE_2, tr("Image 2 (later)"),
                                                            optional=True))
        self.addParameter(QgsProcessingParameterBand(
            self.BANDS, tr("Bands to compare (default: band 1)"), parentLayerParameterName=self.IMAGE_1,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.DI, tr("Difference image (optional, instead of the difference method)"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.DI_METHOD, tr("Difference method"), options=[tr(difference.LABELS[m]) for m in DI_METHODS],
            defaultValue=DI_METHODS.index(difference.LOG_RATIO)))
        self.addParameter(QgsProcessingParameterString(
            self.FEATURE_WINDOWS, tr("Feature windows (odd sizes in pixels, comma separated)"),
            defaultValue=",".join(str(w) for w in features.DEFAULT_WINDOWS)))
        self.addParameter(QgsProcessingParameterBoolean(
            self.INCLUDE_BACKSCATTER, tr("Include the backscatter of both dates (dB) as features"),
            defaultValue=False))
        self.addParameter(QgsProcessingParameterEnum(
            self.CLASSIFIER, tr("Classifier"),
            options=[tr(svm.CLASSIFIER_LABELS[c]) for c in svm.CLASSIFIERS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.LABEL_SOURCE, tr("Training labels"),
            options=[tr("Polygons with a class field (1 change, 0 no change)"),
                     tr("Reference mask raster (1 or 255 change, 0 no change)"),
                     tr("Unsupervised pseudo-labels")],
            defaultValue=svm.LABEL_SOURCES.index(svm.PSEUDO_LABELS)))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.POLYGONS, tr("Training polygons"), types=[QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.CLASS_FIELD, tr("Class field (1 change, 0 no change)"),
            parentLayerParameterName=self.POLYGONS, optional=True))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.REFERENCE_MASK, tr("Reference mask"), optional=True))
        advanced = [
            QgsProcessingParameterEnum(
                self.PSEUDO_METHOD, tr("Pseudo-label pre-classification"),
                options=[tr(svm.PSEUDO_LABELS_TEXT[m]) for m in svm.PSEUDO_METHODS],
                defaultValue=svm.PSEUDO_METHODS.index(svm.KI)),
            number(self.PSEUDO_KEEP, tr("Pseudo-labels: kept fraction of each threshold class (0..1)"),
                   type=number.Double, defaultValue=svm.DEFAULT_KEEP, minValue=0.0, maxValue=1.0),
            number(self.PSEUDO_MEMBERSHIP, tr("Pseudo-labels: k-means fuzzy membership above (0.5..1)"),
                   type=number.Double, defaultValue=svm.DEFAULT_MEMBERSHIP, minValue=0.5, maxValue=1.0),
        ]
        for param in advanced:
            self.add_advanced_parameter(param)
        self.addParameter(number(
            self.SAMPLE_CAP, tr("Training pixels per class, at most (0 = 5000 RBF SVC, 100000 LinearSVC)"),
            type=number.Integer, defaultValue=0, minValue=0))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=1,
                                 minValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL_IN, tr("Apply a saved model instead of training (.onnx)"),
            behavior=QgsProcessingParameterFile.File, extension="onnx", optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT_MASK, tr("Change mask")))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_MODEL, tr("Trained model"), fileFilter=tr("ONNX model (*.onnx)"), optional=True,
            createByDefault=False))

    # ------------------------------------------------------------------ settings

    def _settings(self, parameters, context):
        """Validated settings (``svm_raster.SvmOptions``); ValueError with the fix if invalid."""
        def enum(name, choices):
            return choices[self.parameterAsEnum(parameters, name, context)]

        s = {
            "scale": enum(self.SCALE, common.SCALE_CHOICES),
            "di_method": enum(self.DI_METHOD, DI_METHODS),
            "windows": features.parse_windows(self.parameterAsString(parameters, self.FEATURE_WINDOWS,
                                                                     context)),
            "backscatter": self.parameterAsBool(parameters, self.INCLUDE_BACKSCATTER, context),
            "classifier": enum(self.CLASSIFIER, svm.CLASSIFIERS),
            "label_source": enum(self.LABEL_SOURCE, svm.LABEL_SOURCES),
            "pseudo_method": enum(self.PSEUDO_METHOD, svm.PSEUDO_METHODS),
            "keep": self.parameterAsDouble(parameters, self.PSEUDO_KEEP, context),
            "membership": self.parameterAsDouble(parameters, self.PSEUDO_MEMBERSHIP, context),
            "cap": self.parameterAsInt(parameters, self.SAMPLE_CAP, context),
            "seed": self.parameterAsInt(parameters, self.SEED, context),
        }
        if not 0.0 < s["keep"] <= 1.0:
            raise ValueError(tr("the kept fraction of each class must be in (0, 1], e.g. 0.5"))
        if not 0.5 < s["membership"] < 1.0:
            raise ValueError(tr("the k-means membership must be between 0.5 and 1 (exclusive), e.g. 0.9"))
        if s["cap"] < 0:
            raise ValueError(tr("the training pixels per class must be >= 0 (0 = automatic)"))
        return svm_raster.SvmOptions(**s)

    def validate(self, parameters, context):
        """Refuse invalid windows, fractions and caps, and images that contradict the scale or are flat."""
        self._settings(parameters, context)
        common.check_sar_inputs(self, parameters, context, [self.IMAGE_1, self.IMAGE_2])

    # ------------------------------------------------------------------ run

    def processAlgorithm(self, parameters, context, feedback):
        try:
            s = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        image1 = self.parameterAsRasterLayer(parameters, self.IMAGE_1, context)
        image2 = self.parameterAsRasterLayer(parameters, self.IMAGE_2, context)
        di_layer = self.parameterAsRasterLayer(parameters, self.DI, context)
        if (image1 is None) != (image2 is None):
            raise QgsProcessingException(tr("Give both images (earlier and later), or neither and a "
                                            "difference image"))
        if image1 is None and di_layer is None:
            raise QgsProcessingException(tr("Give the two images, or a difference image"))
        paths = {}
        for key, layer in ((self.IMAGE_1, image1), (self.IMAGE_2, image2), (self.DI, di_layer)):
            if layer is not None:
                paths[key] = common.gdal_source(layer, key)
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT_MASK, context)
        dst_model = self.parameterAsFileOutput(parameters, self.OUTPUT_MODEL, context) or None
        model_in = self.parameterAsFile(parameters, self.MODEL_IN, context) or None
        bands = sorted(set(self.parameterAsInts(parameters, self.BANDS, context))) or [1]
        if model_in and not onnx_runtime.available():
            raise QgsProcessingException(tr(onnx_runtime.INSTALL_HINT))

        label_path = label_text = None
        cleanup = []
        try:
            with _errors():
                if model_in is None:
                    try:
                        svm._sklearn()
                    except ImportError as exc:
                        raise QgsProcessingException(tr(
                            "scikit-learn is needed to train; apply an existing .onnx model instead")) \
                            from exc
                    label_path, label_text = self._labels(parameters, context, feedback, s, paths, cleanup)
                result = svm_raster.classify_rasters(
                    dst, paths.get(self.IMAGE_1), paths.get(self.IMAGE_2), paths.get(self.DI), bands, s,
                    label_path=label_path, label_text=label_text, model_in=model_in, dst_model=dst_model,
                    notify=_notifier(feedback), progress=common.progress_callback(feedback),
                    is_canceled=common.cancel_callback(feedback))
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, dst)
            return {}
        finally:
            for step in reversed(cleanup):
                step()
        feedback.setProgress(100)
        results = {self.OUTPUT_MASK: dst}
        if result["model"]:
            results[self.OUTPUT_MODEL] = result["model"]
        return results

    def _labels(self, parameters, context, feedback, s, paths, cleanup):
        """(label raster path, its description) for the polygon and reference-mask label sources."""
        if s.label_source == svm.REFERENCE_MASK:
            layer = self.parameterAsRasterLayer(parameters, self.REFERENCE_MASK, context)
            if layer is None:
                raise QgsProcessingException(tr("Give a reference mask raster for the reference-mask labels"))
            return common.gdal_source(layer, self.REFERENCE_MASK), None
        if s.label_source == svm.POLYGONS:
            ref_path = paths.get(self.IMAGE_1) or paths[self.DI]
            path, text = self._rasterise_polygons(parameters, context, feedback, ref_path)
            cleanup.append(lambda: _remove(path))
            return path, text
        return None, None

    def _rasterise_polygons(self, parameters, context, feedback, ref_path):
        """Burn the class field of the polygons into a temporary uint8 label raster on the grid."""
        source = self.parameterAsSource(parameters, self.POLYGONS, context)
        if source is None:
            raise QgsProcessingException(tr("Give training polygons for the polygon labels"))
        field = self.parameterAsString(parameters, self.CLASS_FIELD, context)
        if not field:
            raise QgsProcessingException(tr("Choose the class field of the polygons (1 change, 0 no change)"))
        if source.fields().lookupField(field) < 0:
            raise QgsProcessingException(tr("The polygons have no field {field}").format(field=field))
        info = read_info(ref_path)
        raster_crs = QgsCoordinateReferenceSystem()
        if info.projection:
            raster_crs = QgsCoordinateReferenceSystem.fromWkt(info.projection)
        mem = ogr.GetDriverByName("Memory").CreateDataSource("labels")
        srs = None
        if info.projection:
            srs = osr.SpatialReference()
            srs.ImportFromWkt(info.projection)
        layer = mem.CreateLayer("labels", srs=srs, geom_type=ogr.wkbUnknown)
        layer.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
        used = skipped = 0
        for feature, geometry in common.features_in_crs(source, raster_crs, context, tr("The polygons")):
            value = _class_value(feature[field])
            if value is None:
                skipped += 1
                continue
            out = ogr.Feature(layer.GetLayerDefn())
            out.SetField("label", value)
            out.SetGeometry(ogr.CreateGeometryFromWkt(geometry.asWkt()))
            layer.CreateFeature(out)
            used += 1
        if skipped:
            feedback.pushWarning(tr("{n} polygon(s) skipped: field {field} is not 0 or 1").format(
                n=skipped, field=field))
        if not used:
            raise QgsProcessingException(tr(
                "No polygon has the class 1 (change) or 0 (no change) in field {field}").format(field=field))
        path = QgsProcessingUtils.generateTempFilename("svm_labels.tif")
        ds = gdal.GetDriverByName("GTiff").Create(path, info.xsize, info.ysize, 1, gdal.GDT_Byte,
                                                  geotiff_options() + ["SPARSE_OK=TRUE"])
        if ds is None:
            raise RasterError(f"cannot create the temporary label raster {path}")
        ds.SetGeoTransform(info.geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
        if info.projection:
            ds.SetProjection(info.projection)
        ds.GetRasterBand(1).SetNoDataValue(UNLABELLED)
        if gdal.RasterizeLayer(ds, [1], layer, options=["ATTRIBUTE=label"]) != 0:
            raise RasterError("cannot rasterise the training polygons")
        ds.FlushCache()
        ds = None
        feedback.pushInfo(tr("{n} training polygon(s) rasterised").format(n=used))
        return path, f"the polygons (field {field})"


class _errors:
    """Context manager: core's RasterError/ValueError/ImportError -> QgsProcessingException."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None or isinstance(exc, (Cancelled, QgsProcessingException)):
            return False
        if isinstance(exc, (RasterError, ValueError, ImportError)):
            raise QgsProcessingException(str(exc)) from exc
        return False


def _class_value(value):
    """0 or 1 from a field value (int, float, "1"), None for anything else (NULL included)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number in (0.0, 1.0) else None


def _notifier(feedback):
    """``notify(event, **values)`` for ``svm_raster.classify_rasters``: translated, to ``feedback``."""
    messages = {
        "features": tr("{n} features per pixel: {names}; block margin {m} pixels"),
        "model_applied_not_written": tr("A saved model is applied, not trained: no model is written"),
        "model_saved": tr("Model saved to {path}"),
        "di_not_used": tr("The model computes its own difference image ({di}): the difference image given is "
                          "not used"),
        "applying_model": tr("Applying the saved model {path} ({clf}); its features: DI {di}, windows "
                             "{w}, bands {b}, backscatter {bs}. Training labels: {src}, {n0} no change / "
                             "{n1} change pixels"),
        "using_di": tr("Using the {n} band(s) of the difference image; the difference method is not used"),
        "pseudo_rule": tr("Pseudo-label rule: {rule}"),
        "labelled": tr("Labelled pixels: {n0} no change, {n1} change; training on {k0} and {k1} "
                       "(at most {cap} per class, seed {seed})"),
        "trained": tr("Trained {clf}: training accuracy {acc:.4f}"),
        "model_not_saved": tr("The model cannot be saved: {error}"),
        "no_skl2onnx": tr("skl2onnx is not installed: classifying with scikit-learn"),
        "no_onnxruntime": tr("onnxruntime is not installed: classifying with scikit-learn"),
    }

    def notify(event, **values):
        text = messages[event].format(**values)
        if event == "model_not_saved":
            feedback.reportError(text, False)
        else:
            feedback.pushInfo(text)
    return notify


def _remove(path):
    if path and os.path.exists(path):
        os.remove(path)
