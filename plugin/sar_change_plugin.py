"""The SAR Change plugin class: registers the Processing provider and a Raster menu.

Works without a GUI: qgis_process creates the plugin with ``iface=None`` and
calls :meth:`SarChangePlugin.initProcessing` only.
"""
import os

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QSettings, QTranslator

from ..processing import provider_settings
from ..processing.algorithms.common import tr
from ..processing.provider import ICON_PATH, SarChangeProvider
from . import dependencies

PROVIDER_ID = "sarchange"
SPECKLE_ALGORITHM = "sarchange:specklefilter"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")


class SarChangePlugin:
    """QGIS plugin object returned by ``classFactory``."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions = []
        self.translator = None
        self._install_translator()
        # Optional packages installed by the plugin (onnxruntime, scikit-learn, skl2onnx).
        dependencies.add_to_sys_path(provider_settings.dependency_folder())

    def _install_translator(self):
        """Load i18n/sar_change_<locale>.qm when it exists (see i18n/README.md)."""
        locale = str(QSettings().value("locale/userLocale", "") or "")[:2]
        path = os.path.join(I18N_DIR, f"sar_change_{locale}.qm")
        if locale and os.path.exists(path):
            self.translator = QTranslator()
            if self.translator.load(path):
                QCoreApplication.installTranslator(self.translator)
            else:
                self.translator = None

    def initProcessing(self):
        """Register the Processing provider once (idempotent)."""
        if self.provider is not None:
            return
        registry = QgsApplication.processingRegistry()
        if registry.providerById(PROVIDER_ID) is not None:
            return  # registered by someone else (e.g. a test harness): not ours to remove
        provider = SarChangeProvider()
        if registry.addProvider(provider):
            self.provider = provider

    def initGui(self):
        """Register the provider and, with a GUI, add Raster > SAR Change > Speckle filter."""
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        action = QAction(QIcon(ICON_PATH), tr("Speckle filter…"), self.iface.mainWindow())
        action.setObjectName("sarChangeSpeckleFilter")
        action.triggered.connect(self.open_speckle_filter)
        self.iface.addPluginToRasterMenu(tr("SAR Change"), action)
        self.actions.append(action)

    def open_speckle_filter(self):
        """Open the Processing dialog of the speckle filter."""
        import processing  # QGIS's Processing plugin, imported only when used

        processing.execAlgorithmDialog(SPECKLE_ALGORITHM)

    def unload(self):
        """Remove the menu entries and the provider this plugin added."""
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginRasterMenu(tr("SAR Change"), action)
                action.deleteLater()
        self.actions = []
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
