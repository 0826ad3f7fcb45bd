"""The SAR Change plugin class: Processing provider, Raster menu, toolbar and layer context actions.

Works without a GUI: qgis_process creates the plugin with ``iface=None`` and
calls :meth:`SarChangePlugin.initProcessing` only.
"""
import os

from qgis.core import QgsApplication, QgsMapLayerType, QgsRasterLayer, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QSettings, QTranslator

from ..core.engine.name_dates import label_dates
from ..processing import provider_settings
from ..processing.algorithms.translation import tr
from ..processing.provider import ICON_PATH, SarChangeProvider
from . import dependencies

PROVIDER_ID = "sarchange"
SPECKLE_ALGORITHM = "sarchange:specklefilter"
CHANGE_MODEL = "sarchange:changemap"
I18N_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "i18n")
#: QgsSettings key remembering which missing packages the user was last told about.
NOTICE_KEY = "sar_change/missing_packages_notice"


def menu_title():
    return tr("SAR Change")


def context_actions():
    """(object name, label, algorithm id, parameter(s) filled with the selected raster layer(s))."""
    return [
        ("sarChangeContextSpeckle", tr("Speckle filter…"), SPECKLE_ALGORITHM, "INPUT"),
        ("sarChangeContextEnl", tr("Estimate ENL…"), "sarchange:estimateenl", "INPUT"),
        ("sarChangeContextTerrain", tr("Terrain geometry (layer as DEM)…"), "sarchange:terraingeometry",
         "DEM"),
        ("sarChangeContextLearnedDi", tr("Learned difference image (layer as target)…"),
         "sarchange:learneddi", "TARGET"),
        ("sarChangeContextChange", tr("Change detection (two dates)…"), CHANGE_MODEL, ("earlier", "later")),
        ("sarChangeContextUnsupervised", tr("Unsupervised change detection (two dates)…"),
         "sarchange:unsupervisedchange", ("IMAGE_1", "IMAGE_2")),
        ("sarChangeContextCoherence", tr("Coherence from intensity (two dates)…"),
         "sarchange:coherencefromintensity", ("IMAGE_1", "IMAGE_2")),
        ("sarChangeContextSegment", tr("Segment (water, ice, land cover)…"), "sarchange:segment", "INPUT"),
        ("sarChangeContextSarToOptical", tr("SAR to optical…"), "sarchange:sartooptical", "INPUT"),
    ]


def order_by_date(layers):
    """``layers`` oldest first when every one has a date in its name or file name; else as given."""
    dates = [(label_dates(lay.name()) or label_dates(os.path.basename(lay.source())) or [None])[0]
             for lay in layers]
    if all(dates):
        return [lay for _, lay in sorted(zip(dates, layers), key=lambda pair: pair[0])]
    return list(layers)


def prefill(parameter, layers):
    """Dialog parameters for ``layers`` (ids): one parameter name, or a tuple filled in order."""
    names = parameter if isinstance(parameter, tuple) else (parameter,)
    ordered = order_by_date(layers) if len(names) > 1 else layers
    return {name: layer.id() for name, layer in zip(names, ordered)}


class SarChangePlugin:
    """QGIS plugin object returned by ``classFactory``."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions = []  # (action, where) with where in {"raster", "plugins", "context"}
        self.menus = []
        self.toolbar = None
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

    # -- GUI ---------------------------------------------------------------------------------------

    def initGui(self):
        """Provider, then with a GUI: Raster menu (one submenu per group), toolbar, context actions."""
        self.initProcessing()
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QMenu, QToolButton

        window = self.iface.mainWindow()
        top = QMenu(menu_title(), window)
        top.setObjectName("sarChangeMenu")
        top.setIcon(QIcon(ICON_PATH))
        for group_name, algorithms in self._groups():
            menu = QMenu(group_name, window)
            menu.setObjectName(f"sarChangeGroup_{algorithms[0].groupId()}")
            menu.setIcon(algorithms[0].icon())
            for alg in algorithms:
                action = menu.addAction(alg.icon(), alg.displayName() + "…")
                action.setObjectName(f"sarChangeAlg_{alg.name()}")
                alg_id = alg.id()
                action.triggered.connect(lambda checked=False, a=alg_id: self.open_algorithm(a, {}))
            self.menus.append(menu)
            self._add(menu.menuAction(), "raster")
            top.addMenu(menu)
        self.menus.append(top)

        install = self._action("sarChangeInstallDependencies", tr("Install optional Python packages…"),
                               self.show_dependencies)
        self._add(install, "plugins")
        top.addSeparator()
        top.addAction(install)

        self.toolbar = self.iface.addToolBar(menu_title())
        self.toolbar.setObjectName("sarChangeToolbar")
        button = QToolButton(self.toolbar)
        button.setObjectName("sarChangeToolbarButton")
        button.setIcon(QIcon(ICON_PATH))
        button.setToolTip(tr("SAR Change algorithms"))
        button.setMenu(top)
        button.setPopupMode(QToolButton.InstantPopup)
        self.toolbar.addWidget(button)

        for name, label, alg_id, parameter in context_actions():
            action = self._action(name, label,
                                  lambda checked=False, a=alg_id, p=parameter: self.open_for_selection(a, p))
            self.iface.addCustomActionForLayerType(action, menu_title(), QgsMapLayerType.RasterLayer, True)
            self.actions.append((action, "context"))
        self.notify_missing_packages()

    def _groups(self):
        """[(group display name, [algorithms])] of this provider, in toolbox order."""
        provider = QgsApplication.processingRegistry().providerById(PROVIDER_ID)
        groups = {}
        for alg in provider.algorithms() if provider is not None else []:
            groups.setdefault(alg.group(), []).append(alg)
        return sorted(((g, sorted(a, key=lambda x: x.displayName())) for g, a in groups.items()),
                      key=lambda item: item[0])

    def _action(self, name, label, slot):
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        action = QAction(QIcon(ICON_PATH), label, self.iface.mainWindow())
        action.setObjectName(name)
        action.triggered.connect(slot)
        return action

    def _add(self, action, where):
        if where == "raster":
            self.iface.addPluginToRasterMenu(menu_title(), action)
        else:
            self.iface.addPluginToMenu(menu_title(), action)
        self.actions.append((action, where))

    def selected_rasters(self):
        """Raster layers selected in the layer tree, else the active layer when it is a raster."""
        view = self.iface.layerTreeView()
        layers = [lay for lay in (view.selectedLayers() if view is not None else [])
                  if isinstance(lay, QgsRasterLayer)]
        active = self.iface.activeLayer()
        if not layers and isinstance(active, QgsRasterLayer):
            layers = [active]
        return layers

    def open_for_selection(self, alg_id, parameter):
        """Open ``alg_id``'s dialog with the selected raster layer(s) filled in."""
        self.open_algorithm(alg_id, prefill(parameter, self.selected_rasters()))

    def open_algorithm(self, alg_id, parameters):
        """Open the Processing dialog of ``alg_id`` with ``parameters`` filled in."""
        import processing  # QGIS's Processing plugin, imported only when used

        processing.execAlgorithmDialog(alg_id, parameters)

    def open_speckle_filter(self):
        """Open the Processing dialog of the speckle filter."""
        self.open_algorithm(SPECKLE_ALGORITHM, {})

    def show_dependencies(self):
        from .dependencies_dialog import DependenciesDialog

        DependenciesDialog(self.iface.mainWindow(), self.open_algorithm).exec_()

    def notify_missing_packages(self):
        """Tell once (per set of missing packages) which optional packages are missing, with a button."""
        missing = ",".join(p.requirement for p in dependencies.missing_packages())
        settings = QgsSettings()
        if not missing or settings.value(NOTICE_KEY, "") == missing:
            return False
        settings.setValue(NOTICE_KEY, missing)
        from qgis.core import Qgis
        from qgis.PyQt.QtWidgets import QPushButton

        bar = self.iface.messageBar()
        widget = bar.createMessage(menu_title(), tr(
            "Optional Python packages missing: {names}. Some algorithms are unavailable until they are "
            "installed.").format(names=missing.replace(",", ", ")))
        button = QPushButton(tr("Install…"), widget)
        button.clicked.connect(self.show_dependencies)
        widget.layout().addWidget(button)
        bar.pushWidget(widget, Qgis.Info)
        return True

    def unload(self):
        """Remove the menus, toolbar, context actions and the provider this plugin added."""
        if self.iface is not None:
            for action, where in self.actions:
                if where == "raster":
                    self.iface.removePluginRasterMenu(menu_title(), action)
                elif where == "plugins":
                    self.iface.removePluginMenu(menu_title(), action)
                else:
                    self.iface.removeCustomActionForLayerType(action)
            for action, where in self.actions:
                if where != "raster":
                    action.deleteLater()
            for menu in self.menus:
                menu.deleteLater()
            if self.toolbar is not None:
                self.toolbar.deleteLater()
        self.actions, self.menus, self.toolbar = [], [], None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
