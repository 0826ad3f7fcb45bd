"""One framework for every SAR Change model: training loop, ONNX export, metadata, runner, model cards.

Modules (those marked torch need torch and run outside QGIS; the others may be
imported inside QGIS):

- ``metadata``: the metadata schema of every exported model (kind, version,
  inputs/outputs with bands, scales, units, tile size and overlap,
  normalisation, training summary, metrics, valid ranges) and range checks;
- ``protocol``: the trainer's stdout protocol (PROGRESS/LOSS/INFO/STOPPED/RESULT);
- ``card``: the model-card writer (Markdown from the metadata and the run);
- ``runner``: loading an exported model for tiled, blended onnxruntime
  inference with its metadata checked (``models.tiled_inference`` underneath);
- ``loop`` (torch): ``fit``, the one training loop;
- ``export`` (torch, onnx): ``export_onnx``, ``onnx_state_dict``, ``parity``;
- ``pretrained`` (torch): init from random, .pt, .onnx or a registered name;
  the report of loaded/new/skipped tensors;
- ``cli`` (torch when run): the trainer command-line skeleton (signals, protocol, exit codes).

A model is a folder under ``models/`` (e.g. ``models/learned_di/``) with its
``schema`` (torch-free contract), ``architecture``, ``dataset``, ``config``
(defaults) and ``training`` (a ``train(...)`` that calls ``loop.fit`` and
``export.export_onnx``, and writes its card with ``card.write_card``). This
package imports nothing at load time.
"""
