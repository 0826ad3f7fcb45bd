"""SAR segmentation (water, ice, land cover): a ResNet-18 encoder cut after its third block + ASPP.

After Karimzadeh & Pires de Lima (2022), "Deep learning on SAR imagery:
transfer learning versus randomly initialized weights" (sea-ice / water
segmentation of Sentinel-1; DeepLabv3-style ASPP, Chen et al. 2017, on a
ResNet-18 encoder, He et al. 2016). Inputs VV/VH (or HH/HV) in dB plus,
optionally, the incidence angle in degrees; z-scored inside the graph; the
ONNX graph outputs per-class probabilities.

Modules (``schema``, ``metrics`` and ``apply`` are torch-free and used inside
QGIS; the others need torch):

- ``schema``: the ONNX contract (tensor names, classes with names and colours
  in the metadata) and ``read_classes``;
- ``metrics``: IoU / F1 / confusion matrix;
- ``apply``: ``segment_raster``, the model on a raster block by block (class
  raster with the model's palette, optional probabilities);
- ``architecture``: ``SegmentationNet`` (encoder, ASPP decoder, in-graph
  normalisation);
- ``config``: defaults (widths scaled for 2 CPU cores);
- ``dataset``: random patches inside labelled pixels, validation patches;
- ``training``: ``train(...)`` through ``models.framework.loop.fit``, ONNX
  export and the card; metrics (IoU, F1, confusion matrix);
- ``pretrain``: self-supervised despeckling pretraining of the encoder on
  unlabelled SAR (simulator scenes and rasters), registered in
  ``models.framework.pretrained``;
- ``train`` / ``pretrain``: command lines (``python -m
  sar_change.models.segmentation.train`` / ``.pretrain``).

This package imports nothing at load time.
"""
