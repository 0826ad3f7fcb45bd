"""The plugin's GUI entry points with a fake QgisInterface: Raster menu, toolbar, context actions."""
import pytest
from fake_iface import FakeIface

from helpers import gamma_speckle, write_raster

GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


@pytest.fixture
def plugin(qgis_app, monkeypatch):
    from sar_change import classFactory

    iface = FakeIface()
    plugin = classFactory(iface)
    opened = []
    monkeypatch.setattr(plugin, "open_algorithm", lambda alg_id, params: opened.append((alg_id, params)))
    plugin.initGui()
    plugin.opened = opened
    yield plugin
    plugin.unload()


@pytest.fixture
def layers(qgis_app, tmp_path):
    from qgis.core import QgsProject, QgsRasterLayer

    made = []
    for name in ("S1A_IW_20200117", "S1A_IW_20200105"):  # later date first
        path = write_raster(tmp_path / f"{name}.tif", gamma_speckle((20, 20), 4, len(made)), GT)
        layer = QgsRasterLayer(path, name)
        QgsProject.instance().addMapLayer(layer)
        made.append(layer)
    yield made
    QgsProject.instance().removeAllMapLayers()


def _context(plugin, name):
    actions = [a for a, *_ in plugin.iface.custom_actions if a.objectName() == name]
    assert len(actions) == 1, name
    return actions[0]


def test_raster_menu_has_one_submenu_per_group(plugin):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("sarchange")
    groups = {a.group() for a in provider.algorithms()}
    entries = plugin.iface.raster_menu["SAR Change"]
    assert sorted(a.text() for a in entries) == sorted(groups)
    speckle = next(a.menu() for a in entries if a.text() == "Speckle")
    assert {a.objectName() for a in speckle.actions()} == {"sarChangeAlg_specklefilter",
                                                           "sarChangeAlg_estimateenl"}
    next(a for a in speckle.actions() if a.objectName() == "sarChangeAlg_specklefilter").trigger()
    assert plugin.opened == [("sarchange:specklefilter", {})]
    assert [a.objectName() for a in plugin.iface.plugin_menu["SAR Change"]] == [
        "sarChangeInstallDependencies"]


def test_toolbar_button_opens_the_group_menus(plugin):
    from qgis.PyQt.QtWidgets import QToolButton

    (toolbar,) = plugin.iface.toolbars
    button = toolbar.findChild(QToolButton, "sarChangeToolbarButton")
    assert button is not None and not button.icon().isNull()
    titles = [a.text() for a in button.menu().actions() if a.menu() is not None]
    assert "Change detection" in titles and "Models" in titles


def test_context_actions_on_raster_layers(plugin, layers):
    from qgis.core import QgsMapLayerType

    names = {a.objectName() for a, menu, layer_type, all_layers in plugin.iface.custom_actions
             if menu == "SAR Change" and layer_type == QgsMapLayerType.RasterLayer and all_layers}
    assert {"sarChangeContextSpeckle", "sarChangeContextEnl", "sarChangeContextTerrain",
            "sarChangeContextLearnedDi", "sarChangeContextChange", "sarChangeContextUnsupervised",
            "sarChangeContextCoherence", "sarChangeContextSegment", "sarChangeContextSarToOptical"} <= names

    later, earlier = layers
    plugin.iface.active = later
    _context(plugin, "sarChangeContextSpeckle").trigger()
    assert plugin.opened[-1] == ("sarchange:specklefilter", {"INPUT": later.id()})
    _context(plugin, "sarChangeContextTerrain").trigger()
    assert plugin.opened[-1] == ("sarchange:terraingeometry", {"DEM": later.id()})

    plugin.iface.view.selected = [later, earlier]  # selection order is not date order
    _context(plugin, "sarChangeContextChange").trigger()
    assert plugin.opened[-1] == ("sarchange:changemap", {"earlier": earlier.id(), "later": later.id()})
    _context(plugin, "sarChangeContextCoherence").trigger()
    assert plugin.opened[-1] == ("sarchange:coherencefromintensity",
                                 {"IMAGE_1": earlier.id(), "IMAGE_2": later.id()})


def test_context_parameters_open_a_valid_dialog_value(plugin, layers):
    """The pre-filled values are accepted by the algorithm (a real dialog takes the same map)."""
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProject

    plugin.iface.view.selected = list(layers)
    _context(plugin, "sarChangeContextChange").trigger()
    alg_id, params = plugin.opened[-1]
    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    assert alg.parameterAsRasterLayer(params, "earlier", context).name() == "S1A_IW_20200105"
    ok, message = alg.checkParameterValues(params, context)
    assert ok, message


def test_unload_removes_everything(qgis_app):
    from sar_change import classFactory

    iface = FakeIface()
    plugin = classFactory(iface)
    plugin.initGui()
    assert iface.custom_actions and iface.raster_menu["SAR Change"]
    plugin.unload()
    assert iface.custom_actions == [] and iface.raster_menu["SAR Change"] == []
    assert iface.plugin_menu["SAR Change"] == []


def test_missing_packages_are_announced_once(plugin, monkeypatch):
    from qgis.core import QgsSettings

    from sar_change.plugin import dependencies, sar_change_plugin

    QgsSettings().remove(sar_change_plugin.NOTICE_KEY)
    monkeypatch.setattr(dependencies, "is_available", lambda p: p is not dependencies.ONNXRUNTIME)
    assert plugin.notify_missing_packages() is True
    assert plugin.notify_missing_packages() is False  # same set: not again
    assert len(plugin.iface.bar.widgets) == 1


def test_dependencies_dialog_lists_packages(qgis_app, monkeypatch):
    from sar_change.plugin import dependencies
    from sar_change.plugin.dependencies_dialog import DependenciesDialog

    monkeypatch.setattr(dependencies, "is_available", lambda p: p is dependencies.SKLEARN)
    opened = []
    dialog = DependenciesDialog(None, lambda alg_id, params: opened.append(alg_id))
    text = dialog.browser.toPlainText()
    assert "onnxruntime" in text and "missing" in text and "installed" in text
    assert dialog.install_button.isEnabled()
    dialog.install_button.click()
    assert opened == ["sarchange:installdependencies"]
    monkeypatch.setattr(dependencies, "is_available", lambda p: True)
    dialog.refresh()
    assert not dialog.install_button.isEnabled()
