"""The SAR Change Processing provider (id ``sarchange``)."""
import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import provider_settings, shipped_models
from .algorithms.coherence_intensity import CoherenceFromIntensityAlgorithm
from .algorithms.coherence_slc import CoherenceSlcAlgorithm
from .algorithms.common import tr
from .algorithms.coregister import CoregisterAlgorithm
from .algorithms.difference_image import DifferenceImageAlgorithm
from .algorithms.estimate_enl import EstimateEnlAlgorithm
from .algorithms.evaluate_change import EvaluateChangeAlgorithm
from .algorithms.finetune_learned_di import FinetuneLearnedDiAlgorithm
from .algorithms.inject_changes import InjectChangesAlgorithm
from .algorithms.install_dependencies import InstallDependenciesAlgorithm
from .algorithms.learned_di import LearnedDiAlgorithm
from .algorithms.sar_to_optical import SarToOpticalAlgorithm
from .algorithms.segment import SegmentAlgorithm
from .algorithms.simulate_stack import SimulatedChangeMaskAlgorithm, SimulateStackAlgorithm
from .algorithms.speckle_filter import SpeckleFilterAlgorithm
from .algorithms.svm_change import SvmChangeAlgorithm
from .algorithms.terrain_flattening import TerrainFlatteningAlgorithm
from .algorithms.terrain_geometry import TerrainGeometryAlgorithm
from .algorithms.threshold_change import ThresholdChangeAlgorithm
from .algorithms.train_coherence import TrainCoherenceAlgorithm
from .algorithms.train_learned_di import TrainLearnedDiAlgorithm
from .algorithms.train_sar_to_optical import TrainSarToOpticalAlgorithm
from .algorithms.train_segmentation import TrainSegmentationAlgorithm
from .algorithms.unsupervised_change import UnsupervisedChangeAlgorithm

ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "icon.svg")

#: Registered providers. The registry owns the C++ object, but the Python half
#: (and with it the algorithms) dies when the caller drops its reference;
#: holding it here from load() to unload() keeps ``registry.addProvider(SarChangeProvider())`` safe.
_REGISTERED = set()


class SarChangeProvider(QgsProcessingProvider):
    """Provides the SAR Change algorithms to the Processing toolbox and qgis_process."""

    def id(self):
        return "sarchange"

    def name(self):
        return tr("SAR Change")

    def longName(self):
        return tr("SAR Change: SAR speckle filtering and change detection")

    def icon(self):
        return QIcon(ICON_PATH)

    def svgIconPath(self):
        return ICON_PATH

    def load(self):
        """Called by the registry on addProvider: keep the Python object alive."""
        _REGISTERED.add(self)
        provider_settings.register(self.name(), self.icon())
        return super().load()

    def unload(self):
        """Called by the registry on removeProvider."""
        _REGISTERED.discard(self)
        provider_settings.unregister()
        super().unload()

    def loadAlgorithms(self):
        self.addAlgorithm(SpeckleFilterAlgorithm())
        self.addAlgorithm(EstimateEnlAlgorithm())
        self.addAlgorithm(InjectChangesAlgorithm())
        self.addAlgorithm(SimulateStackAlgorithm())
        self.addAlgorithm(SimulatedChangeMaskAlgorithm())
        self.addAlgorithm(DifferenceImageAlgorithm())
        self.addAlgorithm(ThresholdChangeAlgorithm())
        self.addAlgorithm(SvmChangeAlgorithm())
        self.addAlgorithm(EvaluateChangeAlgorithm())
        self.addAlgorithm(TerrainGeometryAlgorithm())
        self.addAlgorithm(TerrainFlatteningAlgorithm())
        self.addAlgorithm(CoregisterAlgorithm())
        self.addAlgorithm(LearnedDiAlgorithm())
        self.addAlgorithm(TrainLearnedDiAlgorithm())
        self.addAlgorithm(CoherenceSlcAlgorithm())
        self.addAlgorithm(CoherenceFromIntensityAlgorithm())
        self.addAlgorithm(UnsupervisedChangeAlgorithm())
        self.addAlgorithm(FinetuneLearnedDiAlgorithm())
        self.addAlgorithm(TrainCoherenceAlgorithm())
        self.addAlgorithm(TrainSegmentationAlgorithm())
        self.addAlgorithm(SegmentAlgorithm())
        self.addAlgorithm(SarToOpticalAlgorithm())
        self.addAlgorithm(TrainSarToOpticalAlgorithm())
        self.addAlgorithm(InstallDependenciesAlgorithm())
        for model in shipped_models.load_models():
            self.addAlgorithm(model)

    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]
