"""Interferometric coherence from two detected images: a Residual U-Net with an uncertainty head.

After Sica, Pulella & Schmitt, "Beyond Backscatter: InSAR coherence from
detected SAR images": a Residual U-Net (residual blocks with projection
shortcuts, He et al. 2016; U-Net, Ronneberger et al. 2015) regresses the
coherence magnitude of a repeat-pass pair from the two detected intensities
(dB) alone. Here it has two heads, coherence (sigmoid, 0-1) and log-variance,
trained with a Gaussian negative log-likelihood (Nix & Weigend 1994; Kendall
& Gal 2017), so every pixel also gets a predicted uncertainty sigma.

Modules (only ``schema`` may be imported inside QGIS; the others need torch):

- ``schema``: the ONNX I/O contract and metadata (kind "coherence");
- ``config``: defaults (widths and their scale factor, training, tiling);
- ``architecture``: the network;
- ``dataset``: patches from pair folders (``core.simulator.coherence``
  format, or the user's own pairs in the same layout);
- ``training``: ``train(...)`` through ``models.framework.loop.fit``, ONNX
  export through ``models.framework.export``, the model card;
- ``cli``: ``python -m sar_change.models.coherence.cli`` (the trainer command line).

This package imports nothing at load time.
"""
