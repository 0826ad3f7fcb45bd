"""Run inside the real QGIS desktop by tests/test_release.py (``qgis --code``); not a pytest module.

Loads the plugin (from the release zip, through QGIS_PLUGINPATH), adds two raster layers, lists
the SAR Change actions of a raster layer's context menu, runs the two-date change map model with
its results loaded, saves a screenshot, writes a JSON report and quits.
Environment: SMOKE_EARLIER, SMOKE_LATER (GeoTIFFs), SMOKE_REPORT (JSON), SMOKE_SCREENSHOT (PNG).
"""
import json
import os
import traceback

from qgis.PyQt.QtCore import QTimer

REPORT = {}


def _action_names(menu):
    names = []
    for action in menu.actions():
        names.append(action.objectName())
        if action.menu() is not None:
            names += _action_names(action.menu())
    return names


def _finish():
    try:
        from qgis.utils import iface

        REPORT["screenshot"] = iface.mainWindow().grab().save(os.environ["SMOKE_SCREENSHOT"])
    except Exception:  # noqa: BLE001 - reported, never raised inside QGIS
        REPORT["error"] = traceback.format_exc()
    with open(os.environ["SMOKE_REPORT"], "w", encoding="utf-8") as f:
        json.dump(REPORT, f)
    os._exit(0)  # no "save project?" question, no plugin unload order issues


def _run():
    try:
        import processing
        import qgis.utils
        from qgis.core import QgsProject, QgsRasterLayer
        from qgis.utils import iface

        REPORT["loaded"] = qgis.utils.loadPlugin("sar_change") and qgis.utils.startPlugin("sar_change")
        import sar_change

        REPORT["plugin_file"] = sar_change.__file__
        layers = [QgsRasterLayer(os.environ[key], name) for key, name in
                  (("SMOKE_EARLIER", "S1A_20200105"), ("SMOKE_LATER", "S1A_20200117"))]
        QgsProject.instance().addMapLayers(layers)
        iface.layerTreeView().setCurrentLayer(layers[0])
        menu = iface.layerTreeView().menuProvider().createContextMenu()
        REPORT["context_actions"] = sorted(n for n in _action_names(menu) if n.startswith("sarChange"))
        result = processing.runAndLoadResults("sarchange:changemap", {
            "earlier": layers[0].source(), "later": layers[1].source(), "looks": 4, "side": 1,
            "threshold:change_mask": "TEMPORARY_OUTPUT"})
        REPORT["change_mask"] = result.get("threshold:change_mask")
        REPORT["layers"] = sorted(lay.name() for lay in QgsProject.instance().mapLayers().values())
        iface.mapCanvas().setExtent(layers[0].extent())
        iface.mapCanvas().refresh()
    except Exception:  # noqa: BLE001
        REPORT["error"] = traceback.format_exc()
    QTimer.singleShot(2000, _finish)  # let the canvas render


QTimer.singleShot(500, _run)
