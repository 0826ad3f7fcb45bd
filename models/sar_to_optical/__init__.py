"""SAR-to-optical translation with DEM fusion: SARDINet and a pix2pix U-Net baseline.

After Bralet, Atto, Chanussot & Trouvé (2022), "Deep learning of
radiometrical and geometrical SAR distorsions for image modality
translations" (ICIP; SARDINet) and Bralet, Ngo, Trouvé, Chanussot & Atto
(2024), "DEM-assisted neural network for SAR-to-optical image translation"
(IGARSS): a network maps Sentinel-1 VV/VH backscatter (dB), optionally with
the DEM (m), to Sentinel-2 L2A B02/B03/B04/B08 surface reflectance.

Modules (only ``schema`` and ``inference`` may be imported inside QGIS; the
others need torch and run outside it):

- ``schema``: the ONNX I/O contract (kind, tensors, bands, fusions);
- ``inference`` (numpy, GDAL, onnxruntime): block-by-block tiled inference
  on a SAR raster with the DEM warped onto its grid;
- ``architecture``: SARDINet (no DEM; early, late and intermediate fusion)
  and the pix2pix U-Net generator;
- ``dataset``: patches from pair folders (``core.translation.pair_dataset``);
- ``export``: ONNX export with the common metadata and the parity check;
- ``training``: ``train(...)`` on ``framework.loop.fit``, export and card;
- ``cli``: ``python -m sar_change.models.sar_to_optical.cli``.

This package imports nothing at load time.
"""
