"""How the SAR Change algorithms present themselves: tags, help link, group icons, dependency
checks, and the names and styles of the layers they load.

:class:`Presentation` is mixed into ``common.SarChangeAlgorithm``; everything is looked up by the
algorithm's ``name()`` / ``groupId()`` in the tables below, so the algorithm modules stay about
parameters and running.
"""
import os

from qgis.core import (
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterEnum,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)
from qgis.PyQt.QtGui import QIcon

from ...core.engine.name_dates import label_dates
from ...plugin import dependencies
from . import output_styles as styles
from .translation import tr

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ICONS_DIR = os.path.join(PLUGIN_DIR, "icons")
#: The README on the project's home page (metadata.txt ``homepage``); sections are anchors in it.
README_URL = "https://github.com/sar-change/sar_change/blob/main/README.md"

#: README section (GitHub anchor) per group id.
GROUP_ANCHORS = {
    "speckle": "speckle",
    "simulation": "simulation",
    "changedetection": "change-detection",
    "terrain": "terrain-and-coregistration",
    "learneddi": "learned-difference-image",
    "coherence": "coherence",
    "segmentation": "segmentation",
    "sartooptical": "sar-to-optical",
    "setup": "optional-python-packages",
}

#: Search words per algorithm (the toolbox matches them; names and groups are matched anyway).
_COMMON = ["sar", "radar", "sentinel-1", "sentinel", "s1"]
TAGS = {
    "specklefilter": ["speckle", "despeckle", "denoise", "filter", "lee", "refined lee", "lee sigma", "frost",
                      "gamma map", "gamma-map", "kuan", "boxcar", "median", "smoothing"],
    "estimateenl": ["enl", "equivalent number of looks", "looks", "speckle", "homogeneous"],
    "simulatestack": ["simulate", "simulator", "synthetic", "time series", "stack", "flood", "clear-cut",
                      "landslide", "dem"],
    "simulatedchangemask": ["simulate", "ground truth", "reference", "change mask", "flood"],
    "injectchanges": ["simulate", "inject", "synthetic change", "ground truth", "evaluation"],
    "differenceimage": ["change detection", "difference", "ratio", "log-ratio", "log ratio", "mean ratio",
                        "neighbourhood ratio", "flood", "di"],
    "thresholdchange": ["change detection", "threshold", "otsu", "kittler", "kittler-illingworth", "ki",
                        "flood", "flood map", "change map", "binary"],
    "svmchange": ["change detection", "svm", "support vector machine", "classification", "machine learning",
                  "flood", "onnx", "scikit-learn"],
    "unsupervisedchange": ["change detection", "unsupervised", "no training", "pca", "pca-kmeans", "k-means",
                           "kmeans", "fcm", "fuzzy c-means", "self-supervised", "kittler-illingworth",
                           "log ratio", "flood", "flood map", "change map"],
    "coherenceslc": ["coherence", "insar", "interferometric", "interferometry", "slc", "complex", "phase",
                     "decorrelation", "gamma"],
    "coherencefromintensity": ["coherence", "interferometric", "decorrelation", "intensity correlation",
                               "grd", "detected", "speckle correlation", "siegert"],
    "evaluatechange": ["evaluation", "accuracy", "kappa", "f1", "roc", "auc", "confusion matrix", "flood"],
    "terraingeometry": ["terrain", "dem", "slope", "aspect", "incidence angle", "layover", "shadow",
                        "foreshortening"],
    "terrainflattening": ["terrain", "flattening", "gamma0", "sigma0", "radiometric", "rtc", "dem"],
    "coregister": ["coregistration", "co-registration", "registration", "alignment", "stack", "offset",
                   "phase correlation"],
    "learneddi": ["learned", "deep learning", "neural network", "onnx", "change detection",
                  "difference image", "flood", "weather"],
    "trainlearneddi": ["train", "training", "deep learning", "pytorch", "onnx", "learned difference image"],
    "finetunelearneddi": ["fine-tune", "fine tune", "finetune", "transfer learning", "domain adaptation",
                          "training", "deep learning", "pytorch", "onnx", "learned difference image",
                          "self-supervised", "no labels"],
    "traincoherence": ["coherence", "train", "training", "deep learning", "pytorch", "onnx", "u-net",
                       "interferometric", "insar", "grd", "uncertainty"],
    "segment": ["segmentation", "classification", "water", "ice", "sea ice", "flood", "land cover",
                "deep learning", "neural network", "pretrained", "onnx", "resnet", "aspp"],
    "trainsegmentation": ["segmentation", "train", "training", "water", "ice", "flood", "land cover",
                          "deep learning", "transfer learning", "pretrained", "pytorch", "onnx", "labels"],
    "sartooptical": ["sar to optical", "sar-to-optical", "optical", "sentinel-2", "s2", "translation",
                     "image translation", "sardinet", "true colour", "true color", "rgb", "dem", "cloud",
                     "deep learning", "onnx"],
    "trainsartooptical": ["sar to optical", "sar-to-optical", "optical", "sentinel-2", "translation",
                          "sardinet", "pix2pix", "dem", "train", "training", "deep learning", "pytorch",
                          "onnx"],
    "installdependencies": ["install", "dependencies", "pip", "onnxruntime", "scikit-learn", "skl2onnx"],
}


def _difference_kind(alg, parameters, context):
    """Style of a difference image by its method (core.change.difference.METHODS order)."""
    from ...core.change import difference

    method = difference.METHODS[alg.parameterAsEnum(parameters, "METHOD", context)]
    if method in (difference.DIFFERENCE, difference.LOG_RATIO):
        return styles.DIVERGING
    if method == difference.MEAN_RATIO and alg.parameterAsBool(parameters, "SIGNED", context):
        return styles.SIGNED_UNIT
    if method in (difference.MEAN_RATIO, difference.NEIGHBOURHOOD_RATIO):
        return styles.UNIT
    return styles.SEQUENTIAL


def _unsupervised_di_kind(alg, parameters, context):
    """Style of the unsupervised chain's DI: |log ratio| (dB, >= 0) sequential, the ratio indices 0-1."""
    from ...core.change import unsupervised as us

    if alg.parameterAsEnum(parameters, "METHOD", context) == 0:  # the default chain
        di = us.DEFAULT.di
    else:
        di = us.DI_KINDS[alg.parameterAsEnum(parameters, "DIFFERENCE", context)]
    return styles.UNIT if di in (us.MEAN_RATIO, us.NEIGHBOURHOOD_RATIO) else styles.SEQUENTIAL


#: Styled outputs: algorithm name -> {output name: style kind, or f(alg, parameters, context) -> kind}.
#: Outputs not listed keep QGIS's default (grey) rendering but still get a descriptive name.
OUTPUT_STYLES = {
    "differenceimage": {"OUTPUT": _difference_kind},
    "thresholdchange": {"OUTPUT_MASK": styles.MASK},
    "svmchange": {"OUTPUT_MASK": styles.MASK},
    "unsupervisedchange": {"OUTPUT": styles.MASK, "OUTPUT_DI": _unsupervised_di_kind},
    "coherenceslc": {"OUTPUT": styles.UNIT},
    "coherencefromintensity": {"OUTPUT": styles.UNIT, "OUTPUT_SIGMA": styles.UNIT},
    "injectchanges": {"OUTPUT_MASK": styles.MASK},
    "simulatedchangemask": {"OUTPUT": styles.MASK},
    "terraingeometry": {"DISTORTION_MASK": styles.DISTORTION},
    "sartooptical": {"OUTPUT": styles.TRUE_COLOUR},
    "learneddi": {"OUTPUT_DI": styles.DIVERGING, "OUTPUT_DI_NORM": styles.SEQUENTIAL,
                  "OUTPUT_CONVENTIONAL_DI": styles.SEQUENTIAL},
}

def _input_layers(alg, parameters, context):
    """Raster layers given to the algorithm, in parameter order."""
    layers = []
    for definition in alg.parameterDefinitions():
        if definition.name() not in parameters or parameters[definition.name()] in (None, ""):
            continue
        if isinstance(definition, QgsProcessingParameterRasterLayer):
            layer = alg.parameterAsRasterLayer(parameters, definition.name(), context)
            layers += [layer] if layer is not None else []
        elif isinstance(definition, QgsProcessingParameterMultipleLayers):
            layers += [lay for lay in alg.parameterAsLayerList(parameters, definition.name(), context)
                       if isinstance(lay, QgsRasterLayer)]
    return layers


def describe_when(alg, parameters, context):
    """The dates of the inputs ('2020-01-01 → 2020-02-01'), else their layer names; '' when none."""
    names, found = [], []
    for layer in _input_layers(alg, parameters, context):
        names.append(layer.name())
        found += label_dates(layer.name()) or label_dates(os.path.basename(layer.source()))
    target = parameters.get("TARGET_DATE")
    found += label_dates(target) if isinstance(target, str) else []
    dates = list(dict.fromkeys(found))
    if len(dates) >= 2:
        return f"{dates[0]} → {dates[-1]}"
    if dates:
        return dates[0]
    return " / ".join(dict.fromkeys(names[:2]))


def describe_method(alg, parameters, context):
    """Label of the chosen METHOD option, '' when the algorithm has none."""
    definition = alg.parameterDefinition("METHOD")
    if not isinstance(definition, QgsProcessingParameterEnum):
        return ""
    options = definition.options()
    index = alg.parameterAsEnum(parameters, "METHOD", context)
    return options[index].split(" (")[0] if 0 <= index < len(options) else ""


def layer_name(alg, output_name, parameters, context):
    """'<output description> (<method>, <dates or inputs>)' for a loaded output layer."""
    definition = alg.parameterDefinition(output_name)
    what = definition.description() if definition is not None else output_name
    details = [d for d in (describe_method(alg, parameters, context), describe_when(alg, parameters, context))
               if d]
    return f"{what} ({', '.join(details)})" if details else what


class StyleAndName(QgsProcessingLayerPostProcessorInterface):
    """Renames a loaded output layer and applies its style (runs in the main thread, after loading)."""

    #: Live post-processors: QGIS holds only a pointer, Python must keep them (bounded).
    _alive = []

    def __init__(self, name, kind):
        super().__init__()
        self.name, self.kind = name, kind
        StyleAndName._alive = StyleAndName._alive[-200:] + [self]

    def postProcessLayer(self, layer, context, feedback):
        if self.name:
            layer.setName(self.name)
        if self.kind and isinstance(layer, QgsRasterLayer) and layer.isValid():
            try:
                styles.apply(layer, self.kind)
            except Exception as exc:  # a style must never fail a finished run
                feedback.reportError(tr("Could not style {name}: {error}").format(
                    name=layer.name(), error=exc))


class Presentation:
    """Mixin for QgsProcessingAlgorithm: tags, help URL, group icon, dependency check, output styles."""

    def tags(self):
        return list(TAGS.get(self.name(), [])) + _COMMON

    def helpUrl(self):
        return f"{README_URL}#{GROUP_ANCHORS.get(self.groupId(), 'algorithms')}"

    def svgIconPath(self):
        path = os.path.join(ICONS_DIR, f"group_{self.groupId()}.svg")
        return path if os.path.exists(path) else os.path.join(ICONS_DIR, "icon.svg")

    def icon(self):
        return QIcon(self.svgIconPath())

    def canExecute(self):
        """False with the reason when an optional package this algorithm needs is missing."""
        unmet = dependencies.unmet_requirements(self.name())
        if not unmet:
            return True, ""
        needs = "; ".join(tr("{packages} (to {purpose})").format(
            packages=tr(" or ").join(p.requirement for p in group), purpose=group[0].purpose)
            for group in unmet)
        return False, tr(
            "This algorithm needs {needs}, which the Python running QGIS cannot import. Install it with "
            "Plugins > SAR Change > Install optional Python packages, or run the algorithm "
            "sarchange:installdependencies, then restart QGIS.").format(needs=needs)

    def checkParameterValues(self, parameters, context):
        ok, message = self.canExecute()
        if not ok:
            return False, message
        return super().checkParameterValues(parameters, context)

    def prepareAlgorithm(self, parameters, context, feedback):
        self._presentation_parameters = dict(parameters)
        return super().prepareAlgorithm(parameters, context, feedback)

    def postProcessAlgorithm(self, context, feedback):
        """Name and style the layers QGIS will load (through layer post-processors)."""
        parameters = getattr(self, "_presentation_parameters", None)
        if parameters is not None:
            self.attach_layer_post_processors(parameters, context)
        return super().postProcessAlgorithm(context, feedback)

    def attach_layer_post_processors(self, parameters, context):
        """Give every layer to load from this run a descriptive name and its style."""
        kinds = OUTPUT_STYLES.get(self.name(), {})
        for path in list(context.layersToLoadOnCompletion()):
            details = context.layerToLoadOnCompletionDetails(path)
            output = details.outputName
            if not output or self.parameterDefinition(output) is None:
                continue
            kind = kinds.get(output)
            if callable(kind):
                kind = kind(self, parameters, context)
            details.setPostProcessor(StyleAndName(layer_name(self, output, parameters, context), kind))
