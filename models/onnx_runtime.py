"""A small, generic runner for ONNX models on rows of per-pixel features.

Only ``onnxruntime`` (and numpy) is needed: no scikit-learn, no torch, so a
model trained elsewhere can be applied inside QGIS. ``onnxruntime`` is
imported inside the functions, so importing this module costs nothing and
works where onnxruntime is absent (the error comes when a model is loaded).

Conventions for models run here:

- one input, a 2-D tensor ``(rows, features)`` of float (float32) or double
  (float64); rows given as float32 are cast to the input's type (exact for
  double);
- ``metadata_props`` (string key/value pairs stored in the .onnx file, read
  through ``InferenceSession.get_modelmeta().custom_metadata_map``) may hold
  ``feature_names``: a JSON list of the feature names, in input-column order.
  ``check_features`` compares a caller's feature count and names with it and
  with the input's declared width.

References: ONNX IR specification (metadata_props, https://onnx.ai/onnx/repo-docs/IR.html);
onnxruntime Python API (InferenceSession, SessionOptions,
https://onnxruntime.ai/docs/api/python/api_summary.html).
"""
import json
import os

import numpy as np

#: Rows per ``InferenceSession.run`` call: bounds the memory of one call
#: (65536 rows x 32 features x 8 bytes = 16 MiB of input).
DEFAULT_BATCH = 65536
#: metadata_props key holding the JSON list of feature names.
FEATURE_NAMES_KEY = "feature_names"

_NUMPY_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}

INSTALL_HINT = ("onnxruntime is needed to apply ONNX models: install it into the Python that runs "
                "QGIS (e.g. python -m pip install onnxruntime)")


def _onnxruntime():
    """Import onnxruntime lazily; ImportError with the install hint if it is missing."""
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc
    return onnxruntime


def available():
    """True when onnxruntime can be imported."""
    try:
        _onnxruntime()
    except ImportError:
        return False
    return True


class OnnxModel:
    """An ONNX model loaded with onnxruntime (CPU), with its metadata.

    ``model``: a path to a .onnx file, or the serialised model as bytes.
    ``threads``: onnxruntime intra-op threads per ``run`` (default 1: callers
    such as the block engine already run several blocks in parallel; 0 lets
    onnxruntime choose). Raises ValueError when the file cannot be loaded or
    the model does not take one 2-D float/double input.

    Attributes: ``metadata`` (dict of str), ``input_name``, ``input_dtype``
    (numpy type), ``n_features`` (input width, or None if not declared),
    ``feature_names`` (list, or None without the ``feature_names`` entry),
    ``output_names``.
    """

    def __init__(self, model, threads=1):
        ort = _onnxruntime()
        self.source = "<bytes>" if isinstance(model, (bytes, bytearray)) else os.fspath(model)
        if not isinstance(model, (bytes, bytearray)) and not os.path.isfile(self.source):
            raise ValueError(f"ONNX model {self.source} does not exist: check the path")
        options = ort.SessionOptions()
        options.log_severity_level = 3  # errors only: skl2onnx's lenient shapes warn otherwise
        if threads:
            options.intra_op_num_threads = int(threads)
        options.inter_op_num_threads = 1
        try:
            source = bytes(model) if isinstance(model, (bytes, bytearray)) else self.source
            self.session = ort.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ValueError(f"cannot load ONNX model {self.source}: {exc}") from exc
        self.metadata = dict(self.session.get_modelmeta().custom_metadata_map)
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"ONNX model {self.source} has {len(inputs)} inputs; expected one "
                             "(rows, features) input")
        spec = inputs[0]
        if spec.type not in ("tensor(float)", "tensor(double)") or len(spec.shape) != 2:
            raise ValueError(f"ONNX model {self.source}: input {spec.name!r} is {spec.type} of shape "
                             f"{spec.shape}; expected a 2-D float or double tensor (rows, features)")
        self.input_name = spec.name
        self.input_dtype = _NUMPY_TYPES[spec.type]
        width = spec.shape[1]
        self.n_features = int(width) if isinstance(width, int) else None
        self.feature_names = None
        if FEATURE_NAMES_KEY in self.metadata:
            try:
                names = json.loads(self.metadata[FEATURE_NAMES_KEY])
            except json.JSONDecodeError as exc:
                raise ValueError(f"ONNX model {self.source}: metadata {FEATURE_NAMES_KEY!r} is not "
                                 f"a JSON list: {exc}") from exc
            self.feature_names = [str(n) for n in names]
            if self.n_features is not None and len(self.feature_names) != self.n_features:
                raise ValueError(f"ONNX model {self.source}: {len(self.feature_names)} feature names "
                                 f"in its metadata but an input of width {self.n_features}")
            if self.n_features is None:
                self.n_features = len(self.feature_names)
        self.output_names = [o.name for o in self.session.get_outputs()]

    def check_features(self, n_features, names=None):
        """Raise ValueError unless ``n_features`` (and ``names`` if given) match the model.

        The message lists what differs (count, missing and unexpected names,
        order) and the fix: compute the features as at training time.
        """
        n_features = int(n_features)
        if self.n_features is not None and n_features != self.n_features:
            raise ValueError(
                f"the model {self.source} expects {self.n_features} features per pixel, got "
                f"{n_features}{_name_difference(self.feature_names, names)}: compute the features "
                "with the same inputs, bands, difference method and windows as at training time")
        if names is not None and self.feature_names is not None and list(names) != self.feature_names:
            raise ValueError(
                f"the features do not match the model {self.source}"
                f"{_name_difference(self.feature_names, names)}: compute the features with the same "
                "inputs, bands, difference method and windows as at training time")

    def run(self, rows, outputs=None, batch_size=DEFAULT_BATCH):
        """Run the model on ``rows`` ((n, features), any float dtype) in batches.

        ``outputs``: output names (default all). Returns a list of arrays, one
        per output, concatenated over the batches (n rows each). Zero rows
        give empty arrays. Raises ValueError on a width mismatch.
        """
        rows = np.asarray(rows)
        if rows.ndim != 2:
            raise ValueError(f"feature rows must be 2-D (rows, features), got shape {rows.shape}")
        self.check_features(rows.shape[1])
        names = list(outputs) if outputs is not None else self.output_names
        unknown = [n for n in names if n not in self.output_names]
        if unknown:
            raise ValueError(f"ONNX model {self.source} has no output {unknown}; it has {self.output_names}")
        batch_size = max(1, int(batch_size))
        if rows.shape[0] == 0:  # run one row of zeros to learn the output types and shapes
            probe = self.session.run(names, {self.input_name: np.zeros((1, rows.shape[1]), self.input_dtype)})
            return [p[:0] for p in probe]
        parts = [[] for _ in names]
        for start in range(0, rows.shape[0], batch_size):
            batch = np.ascontiguousarray(rows[start:start + batch_size], dtype=self.input_dtype)
            for part, result in zip(parts, self.session.run(names, {self.input_name: batch})):
                part.append(np.asarray(result))
        return [p[0] if len(p) == 1 else np.concatenate(p) for p in parts]


def _name_difference(expected, given):
    """A phrase naming how feature name lists differ ('' when either is unknown or equal)."""
    if expected is None or given is None:
        return ""
    from ..core.engine.validation import name_list_differences

    given = list(given)
    parts = name_list_differences(expected, given)
    if not parts and given != list(expected):
        parts.append(f"in another order (model order {list(expected)})")
    return f" ({'; '.join(parts)})" if parts else ""


def load(model, threads=1):
    """Load an ONNX model (path or bytes) as an ``OnnxModel``."""
    return OnnxModel(model, threads=threads)


def read_metadata(model):
    """The ``metadata_props`` of an ONNX model (path or bytes) as a dict of str."""
    return OnnxModel(model).metadata
