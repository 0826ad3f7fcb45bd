"""SAR Change: QGIS plugin entry point.

Kept import-light on purpose: QGIS (and qgis_process) imports this module for
every start-up, so the plugin class and everything below it are imported
lazily inside :func:`classFactory`.
"""


def classFactory(iface):
    """Return the plugin instance; ``iface`` is None under qgis_process."""
    from .plugin.sar_change_plugin import SarChangePlugin

    return SarChangePlugin(iface)
