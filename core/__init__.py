"""QGIS-free numerical core of SAR Change.

Everything under ``core`` takes and returns numpy arrays (and, for the block
engine, file paths read through ``osgeo.gdal``). Nothing here imports QGIS, so
the stage code can be tested and reused outside QGIS.
"""
