"""QGIS GUI glue of SAR Change: the plugin class loaded by ``classFactory``."""
