"""A small stand-in for QgisInterface: records what a plugin adds to menus, toolbars and context menus."""
from qgis.PyQt.QtWidgets import QMainWindow, QToolBar


class FakeLayerTreeView:
    def __init__(self):
        self.selected = []

    def selectedLayers(self):
        return list(self.selected)


class FakeMessageBar:
    def __init__(self):
        self.widgets = []

    def createMessage(self, title, text):
        from qgis.gui import QgsMessageBar

        return QgsMessageBar.createMessage(title, text)

    def pushWidget(self, widget, level=0, duration=0):
        self.widgets.append(widget)


class FakeIface:
    """Just the QgisInterface methods the plugin calls."""

    def __init__(self):
        self.window = QMainWindow()
        self.raster_menu = {}  # menu name -> [actions]
        self.plugin_menu = {}
        self.toolbars = []
        self.custom_actions = []  # (action, menu, layer type, all layers)
        self.view = FakeLayerTreeView()
        self.active = None
        self.bar = FakeMessageBar()

    def mainWindow(self):
        return self.window

    def addPluginToRasterMenu(self, name, action):
        self.raster_menu.setdefault(name, []).append(action)

    def removePluginRasterMenu(self, name, action):
        self.raster_menu[name].remove(action)

    def addPluginToMenu(self, name, action):
        self.plugin_menu.setdefault(name, []).append(action)

    def removePluginMenu(self, name, action):
        self.plugin_menu[name].remove(action)

    def addToolBar(self, name):
        toolbar = QToolBar(name, self.window)
        self.toolbars.append(toolbar)
        return toolbar

    def addCustomActionForLayerType(self, action, menu, layer_type, all_layers):
        self.custom_actions.append((action, menu, layer_type, all_layers))

    def removeCustomActionForLayerType(self, action):
        before = len(self.custom_actions)
        self.custom_actions = [c for c in self.custom_actions if c[0] is not action]
        return len(self.custom_actions) < before

    def layerTreeView(self):
        return self.view

    def activeLayer(self):
        return self.active

    def messageBar(self):
        return self.bar
