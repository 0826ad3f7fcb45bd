"""Learned difference images: predict an acquisition from earlier ones, then compare.

After Alatalo, Sipola & Rantonen (2023), "Improved difference images for
change detection classifiers in SAR imagery using deep learning", IEEE TGRS
61: a conditional U-Net (Ronneberger et al. 2015) predicts the target
acquisition's VV/VH backscatter (dB) from the N acquisitions before it, the
DEM (m) and per-acquisition conditions (weather, heading, incidence,
platform); observed minus predicted is a difference image from which the
seasonal, weather and geometry effects the model has learned are removed.

Modules (only ``schema`` may be imported inside QGIS; the others need torch
and rasterio and run outside it):

- ``schema``: the ONNX I/O contract, metadata keys, ``condition_vector``;
- ``architecture``: the network (``arch`` 'bottleneck' as in the paper, or
  'film': FiLM conditioning, Perez et al. 2018);
- ``dataset``: training patches from stack folders, change masking, split;
- ``training``: ``train(...)``, the training loop ending in an ONNX export;
- ``export``: ONNX export with metadata and the onnxruntime parity check.

The command line is ``python -m sar_change.models.train``. This package
imports nothing at load time.
"""
