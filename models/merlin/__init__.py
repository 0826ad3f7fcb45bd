"""MERLIN despeckling (deepdespeckling's Sentinel-1 TOPS weights) converted to ONNX.

``network`` and ``convert`` need torch and the ``deepdespeckling`` package
(outside QGIS only); ``paths`` is plain Python (the QGIS side reads the
default model location from it). The converted .onnx is written next to this
file (git-ignored) by ``scripts/setup.sh``; it is never committed.
"""
