"""The SAR Change pipeline on Dask, outside QGIS (``python -m sar_change.batch PIPELINE.yaml``).

The same core stage functions as the Processing algorithms, as Dask
operations over rioxarray-opened rasters (``stages``, ``rasters``), a
pipeline file that names the steps with the Processing algorithm ids and
parameters (``pipeline``) and a resumable runner on a dask.distributed
cluster writing COGs (``runner``). Needs dask, distributed, xarray and
rioxarray (requirements-dev.txt); the QGIS plugin never imports this package.
"""
