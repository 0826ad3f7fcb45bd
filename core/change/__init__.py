"""Change detection: difference images, classifiers and their evaluation (numpy, QGIS-free)."""
