"""QGIS Processing provider of SAR Change (``sarchange:`` algorithms)."""
