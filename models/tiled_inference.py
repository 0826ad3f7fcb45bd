"""Tiled, blended inference of image-to-image ONNX models (onnxruntime and numpy only).

A fully convolutional model (e.g. a U-Net) maps inputs shaped (B, C, H, W) to
an output shaped (B, C_out, H, W). A whole scene rarely fits through it at
once, so ``TiledModel.predict`` cuts the scene into overlapping tiles, runs
them in batches and blends the tile outputs with smooth weights:

- Tiles are ``tile`` x ``tile`` pixels (rounded up to the model's size
  multiple); adjacent tiles share ``2 * overlap`` pixels, so a tile's
  ``overlap``-pixel border, where a convolutional model sees zero padding
  instead of the neighbouring pixels, is also covered by the neighbour's
  interior. Tile origins are multiples of the size multiple, so a model with
  2x poolings sees the same pooling grid in every tile as on the whole image.
- Each tile's output is weighted by a separable raised-cosine (Hann) window
  w(i) = sin^2(pi (i + 1/2) / t) per axis (t: tile side in pixels): about 1 in
  the tile centre and about 0 (sin^2(pi / 2t), e.g. 3.8e-5 for t = 256) at its
  edges. On the side of a tile that lies on the image border the window is
  held at 1 from the centre outwards (nothing to blend with there). The
  weighted outputs are summed and divided by the summed weights, so every
  pixel is a convex combination of the tiles covering it and no seam appears
  (overlap-add blending, as in e.g. Huang et al. 2018, "Tiling and stitching
  segmentation output for remote sensing", arXiv:1805.12219; the Hann window:
  Harris 1978, Proc. IEEE 66(1)).
- The image is extended at its bottom and right edges to a multiple of the
  size multiple (and to at least one tile when the model has a fixed tile
  size) by mirror reflection without repeating the edge pixel (numpy's
  'reflect'); the extension is cropped from the output.
- No data: NaN (or inf) input pixels are replaced, per tile and channel, by
  the mean of that channel's finite pixels in the tile (the whole image's mean
  when the tile has none) before the model runs, and every output channel is
  NaN wherever any channel of any image input was not finite. Tiles without
  any valid pixel are not run.

Tiled equals untiled: for a model whose output at a pixel depends only on the
inputs at that pixel, the blended result equals the whole-image run exactly
(the weighted sums are accumulated in float64, so sum(w_i v) / sum(w_i) of
one float32 value v rounds back to v). For a convolutional model the two
differ only near interior tile edges, where the tile sees zero padding
instead of its neighbour; there the faulty tile's weight is at most
sin^2(pi / 2t) against the neighbour's >= sin^2(pi (2 overlap - 1/2) / t)
(2.4e-3 against 0.45 for t = 32, overlap = 4), so the difference is at most
about their ratio times the size of the border error (see
tests/test_tiled_inference.py for the measured figure).

Inputs are full arrays in memory: (C, H, W) float per image input and a
per-sample array (the model's input shape without the batch axis) for other
inputs, e.g. a condition vector, repeated over the tiles of a batch. Memory
is the inputs plus one float64 accumulator (C_out, H, W) (none when one tile
covers the image), the float32 result and ``batch`` tiles.

Model metadata (``metadata_props``) read here, all optional: ``size_multiple``
(int, default 1), ``tile_size`` (pixels, default 256), ``overlap`` (pixels
per side, default tile_size // 8). ``metadata`` holds every entry, JSON
decoded where the value is JSON (``metadata_raw`` keeps the strings).

References: ONNX IR specification (metadata_props,
https://onnx.ai/onnx/repo-docs/IR.html); onnxruntime Python API
(InferenceSession, SessionOptions.intra_op_num_threads,
https://onnxruntime.ai/docs/api/python/api_summary.html).
"""
import copy
import json
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from ..core.engine.raster_blocks import Cancelled
from . import onnx_rewrite
from .onnx_runtime import _onnxruntime

#: Defaults when neither the caller nor the model's metadata give a value.
DEFAULT_TILE = 256
DEFAULT_BATCH = 4
#: metadata_props keys read by ``TiledModel``.
META_SIZE_MULTIPLE = "size_multiple"
META_TILE_SIZE = "tile_size"
META_OVERLAP = "overlap"

_NUMPY_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}


@dataclass(frozen=True)
class TensorSpec:
    """A model input or output: name, shape (ints, or None where dynamic) and numpy dtype."""

    name: str
    shape: tuple
    dtype: type

    @property
    def rank(self):
        return len(self.shape)

    def describe(self):
        """The shape as text, '?' for dynamic dimensions, e.g. '(?, 8, ?, ?)'."""
        return "(" + ", ".join("?" if d is None else str(d) for d in self.shape) + ")"


def _spec(arg):
    shape = tuple(d if isinstance(d, int) and d > 0 else None for d in (arg.shape or ()))
    return TensorSpec(arg.name, shape, _NUMPY_TYPES.get(arg.type, np.float32))


def _parse(value):
    """JSON-decode a metadata string where it is JSON, else return it unchanged."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def session_options(ort, threads, optimise=True):
    """onnxruntime SessionOptions of the tiled runner (``ort``: the onnxruntime module).

    ``threads`` intra-op threads (0: onnxruntime's choice), one inter-op thread
    (the graphs are chains), every graph optimisation (constant folding,
    node fusions, the blocked NCHWc layout; none with ``optimise`` False, for a
    graph onnxruntime has optimised already, see ``cpu_optimised``), no memory
    pattern (see below).
    The intra-op threads sleep
    between operators instead of spinning (``session.intra_op.allow_spinning``
    0): the graph runs as fast, and the CPU time spinning took is left to the
    block engine's reader and writer threads that run beside it.
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if threads:
        options.intra_op_num_threads = int(threads)
    options.inter_op_num_threads = 1
    options.graph_optimization_level = (ort.GraphOptimizationLevel.ORT_ENABLE_ALL if optimise
                                        else ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # No memory pattern: the blocks of a scene come in several sizes (edge blocks), and a pattern planned
    # per input shape cost time at every new shape and kept 140-470 MiB more (benchmarks/scale.py).
    options.enable_mem_pattern = False
    return options


def fold_inputs(model, values, finite=()):
    """The serialised ONNX model ``model`` (a path or bytes) with the graph inputs ``values`` (dict name ->
    array of the input's shape) made constants (initializers), edited for onnxruntime's CPU provider
    (``models.onnx_rewrite``: the concatenations after a transposed convolution kept in the blocked layout;
    the NaN guards of the inputs named in ``finite`` bypassed). None when the ``onnx`` package is missing or
    the model cannot be read with it."""
    proto = onnx_rewrite.load(model)
    if proto is None:
        return None
    onnx_rewrite.fold_inputs(proto, values)
    onnx_rewrite.nchwc_concat_inputs(proto)
    onnx_rewrite.skip_nan_guards(proto, set(finite))
    return proto.SerializeToString()


def nchwc_block_size(ort):
    """onnxruntime's channel block of its blocked (NCHWc) CPU layout on this machine (8 with AVX2, 16 with
    AVX-512), read from what its ReorderInput does to 32 numbered channels; None when it cannot be run."""
    if "block" not in _NCHWC:
        _NCHWC["block"] = None
        modules = onnx_rewrite._onnx()
        if modules is not None:
            helper = modules[0].helper
            tensor = modules[0].TensorProto.FLOAT
            node = helper.make_node("ReorderInput", ["x"], ["y"], domain=onnx_rewrite.NCHWC_DOMAIN)
            x_info, y_info = (helper.make_tensor_value_info(n, tensor, [1, 32, 1, 2]) for n in "xy")
            graph = helper.make_graph([node], "probe", [x_info], [y_info])
            opsets = [helper.make_opsetid("", 17), helper.make_opsetid(onnx_rewrite.NCHWC_DOMAIN, 1)]
            model = helper.make_model(graph, opset_imports=opsets)
            model.ir_version = 8
            x = np.arange(64, dtype=np.float32).reshape(1, 32, 1, 2)  # x[c, 0, w] = 2 c + w
            try:
                options = session_options(ort, 1, optimise=False)
                session = ort.InferenceSession(model.SerializeToString(), options,
                                               providers=["CPUExecutionProvider"])
                y = session.run(None, {"x": x})[0].ravel()  # blocked: [c // b, 0, w, c % b]
            except Exception:  # noqa: BLE001  (no blocked layout in this onnxruntime build)
                return None
            block = int(np.argmax(y == 1.0))  # the first lane of pixel w = 1 comes after b lanes of w = 0
            if block in (8, 16) and np.array_equal(y[:block], 2 * np.arange(block)):
                _NCHWC["block"] = block
    return _NCHWC["block"]


_NCHWC = {}


def _ort_optimised(ort, graph, level):
    """``graph`` (serialised) as onnxruntime saves it after its graph optimisations of ``level``."""
    with tempfile.TemporaryDirectory(prefix="sar_change_onnx_") as folder:
        path = os.path.join(folder, "optimised.onnx")
        options = session_options(ort, 1)
        options.graph_optimization_level = level
        options.optimized_model_filepath = path
        ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        return onnx_rewrite.load(path)


def cpu_optimised(graph):
    """``graph`` (a serialised ONNX model) optimised by onnxruntime for this machine's CPU, with edits it
    does not make itself; serialised, to be loaded without further optimisation (``session_options``
    with ``optimise`` False). None when it cannot be done (no ``onnx`` package, no blocked layout, an
    error on the way).

    Steps (``models.onnx_rewrite``): the k x k, stride-k transposed convolutions of a U-Net's
    up-sampling as 1x1 convolutions and DepthToSpace (DCR); onnxruntime's basic optimisations (constant
    folding; a FiLM scale and shift folded into the convolution before it); the convolutions of
    channel concatenations split into summed convolutions of the parts; a grouped convolution after
    a sub-pixel shuffle whose groups fill no channel block (SARDINet's 4 x 4-channel band decoder)
    computed at the low resolution on groups of whole blocks of phase channels; grouped convolutions whose
    groups do not fill onnxruntime's channel blocks as ones with groups of whole blocks, or dense
    ones (block-diagonal weights), and the
    DepthToSpace of a sub-pixel convolution (CRD) in DCR order, the convolution's channels permuted;
    a convolution after a DepthToSpace to too few channels for a block computed at the low
    resolution on the phase channels (SARDINet's band decoders then stay in the blocked layout
    up to the output); per-channel scales and shifts
    (a FiLM after an activation) as depthwise 1x1 convolutions; onnxruntime's full
    optimisation (blocked NCHWc layout, sums fused into the convolutions); then, in the optimised
    graph, the activations after those sums fused into the convolutions, each DepthToSpace done
    in the blocked layout (with its channel Gather, for the low-resolution grouped convolution), a
    separable filter of one input channel to a few channels (SARDINet's
    Horn gradients of the DEM) as shifted slices and sums instead of a whole channel block, and any
    other DepthToSpace (SARDINet's output) as two transposes. On the shipped learned DI this
    removes the concatenations, the transposed convolutions and most reorders between layouts
    (benchmarks/tiled_graph_speed.py prints the gain);
    on SARDINet, the reorders around its FiLM additions and in its band decoders (1120-px tile of
    the shipped batch-normalised model, 2 threads: 5.7-6.1 -> 7.3-7.4 MPix/s with the decoder
    edits, benchmarks/sar_to_optical_speed.py --model).
    A batch normalisation after an activation needs no edit: onnxruntime runs it as a depthwise
    convolution in the blocked layout itself (tests/test_onnx_rewrite.py).
    The outputs equal the unedited graph's up to float32 rounding (the order of the sums).
    """
    ort = _onnxruntime()
    block = nchwc_block_size(ort)
    proto = onnx_rewrite.load(graph)
    if block is None or proto is None:
        return None
    try:
        onnx_rewrite.conv_transpose_as_depth_to_space(proto, mode="DCR")
        proto = _ort_optimised(ort, proto.SerializeToString(), ort.GraphOptimizationLevel.ORT_ENABLE_BASIC)
        onnx_rewrite.split_concat_convs(proto, multiple=block)
        onnx_rewrite.grouped_conv_at_low_resolution(proto, multiple=block)
        onnx_rewrite.grouped_conv_in_blocks(proto, multiple=block)
        onnx_rewrite.depth_to_space_as_dcr(proto)
        onnx_rewrite.conv_before_depth_to_space(proto, multiple=block)
        onnx_rewrite.affine_as_depthwise_conv(proto, multiple=block)
        proto = _ort_optimised(ort, proto.SerializeToString(), ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        onnx_rewrite.fuse_nchwc_activations(proto)
        onnx_rewrite.blocked_depth_to_space(proto, block)
        onnx_rewrite.blocked_shuffled_depth_to_space(proto, block)
        onnx_rewrite.separable_narrow_convs(proto, block)
        onnx_rewrite.depth_to_space_as_transposes(proto)
        return proto.SerializeToString()
    except Exception:  # noqa: BLE001  (onnxruntime's and protobuf's own types; the caller keeps the graph)
        return None


def round_up(value, multiple):
    """Smallest multiple of ``multiple`` that is >= ``value`` (both positive ints)."""
    return -(-int(value) // int(multiple)) * int(multiple)


def reflect_indices(padded, size):
    """Source index of each of ``padded`` positions along an axis of ``size`` pixels.

    Positions 0..size-1 map to themselves; further ones are mirrored about the
    last pixel without repeating it (numpy 'reflect'), repeatedly if needed;
    a 1-pixel axis repeats its pixel.
    """
    i = np.arange(int(padded))
    if size == 1:
        return np.zeros_like(i)
    period = 2 * (size - 1)
    j = i % period
    return np.where(j < size, j, period - j)


def tile_starts(length, tile, stride):
    """Tile origins covering ``length`` pixels with tiles of ``tile``: 0, stride, ..., length - tile."""
    if tile >= length:
        return [0]
    starts = list(range(0, length - tile + 1, stride))
    if starts[-1] != length - tile:
        starts.append(length - tile)
    return starts


def blend_window(tile, at_start, at_end):
    """1-D blending weights (float64, ``tile`` values) of a tile along one axis.

    sin^2(pi (i + 1/2) / tile): about 0 at both ends, 1 in the middle; held at 1
    from the middle towards an end that lies on the image border (``at_start``,
    ``at_end``), since no other tile covers the pixels there.
    """
    i = np.arange(tile, dtype=np.float64)
    w = np.sin(np.pi * (i + 0.5) / tile) ** 2
    half = tile // 2
    if at_start:
        w[:half] = 1.0
    if at_end:
        w[half:] = 1.0
    return w


class TiledModel:
    """An image-to-image ONNX model run tile by tile with blended overlaps.

    ``model``: a path to a .onnx file or the serialised model (bytes).
    ``threads``: onnxruntime intra-op threads (SessionOptions.intra_op_num_threads;
    0 lets onnxruntime choose). Raises ValueError when the model cannot be loaded
    or has no image input (rank 4: batch, channels, rows, columns).

    Attributes: ``source`` (path or '<bytes>'), ``inputs`` and ``outputs``
    (lists of TensorSpec), ``image_inputs`` (names of the rank-4 inputs, tiled),
    ``vector_inputs`` (the others, given per sample), ``metadata`` (dict,
    JSON-decoded values), ``metadata_raw`` (dict of str), ``size_multiple``,
    ``tile_size``, ``overlap`` (pixels).
    """

    def __init__(self, model, threads=2):
        #: The session's graph was optimised by ``cpu_optimised`` (opened without further optimisation).
        self._optimised = False
        is_bytes = isinstance(model, (bytes, bytearray))
        self.source = "<bytes>" if is_bytes else os.fspath(model)
        if not is_bytes and not os.path.isfile(self.source):
            raise ValueError(f"ONNX model {self.source} does not exist: check the path")
        self._model = bytes(model) if is_bytes else self.source
        self.session = self._open_session(self._model, threads)
        #: Per-sample inputs fixed in the graph by ``specialised`` (name -> array with a batch of one).
        self.folded = {}
        self.threads = int(threads)
        self.metadata_raw = dict(self.session.get_modelmeta().custom_metadata_map)
        self.metadata = {k: _parse(v) for k, v in self.metadata_raw.items()}
        self.inputs = [_spec(a) for a in self.session.get_inputs()]
        self._specs = {s.name: s for s in self.inputs}
        self.outputs = [_spec(a) for a in self.session.get_outputs()]
        self.image_inputs = [s.name for s in self.inputs if s.rank == 4]
        self.vector_inputs = [s.name for s in self.inputs if s.rank != 4]
        if not self.image_inputs:
            raise ValueError(f"ONNX model {self.source} has no image input (batch, channels, rows, "
                             f"columns); its inputs are {self._describe(self.inputs)}")
        self.size_multiple = self._meta_int(META_SIZE_MULTIPLE, 1, minimum=1)
        fixed = {d for s in self.inputs if s.rank == 4 for d in s.shape[2:] if d is not None}
        self.tile_size = self._meta_int(META_TILE_SIZE, DEFAULT_TILE, minimum=1)
        self.overlap = self._meta_int(META_OVERLAP, self.tile_size // 8, minimum=0)
        self._fixed_tile = self._fixed_spatial()
        if fixed and self._fixed_tile is None:
            raise ValueError(f"ONNX model {self.source}: image inputs with fixed but different sizes "
                             f"{self._describe(self.inputs)}")

    def _open_session(self, model, threads, optimise=None):
        """An onnxruntime session of ``model`` (path or bytes) with ``session_options`` (``optimise``: None
        for this model's setting, False for a graph onnxruntime has optimised already)."""
        ort = _onnxruntime()
        optimise = not self._optimised if optimise is None else optimise
        try:
            return ort.InferenceSession(model, session_options(ort, threads, optimise=optimise),
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own exception types
            raise ValueError(f"cannot load ONNX model {self.source}: {exc}") from exc

    def _same_outputs(self, reference, candidate, seed=0):
        """True when two sessions of this model's graph (the second edited) give the same first output on a
        random tile of 4 size multiples (at least 64 pixels) a side, within float32 rounding (1e-4 relative
        to the largest value): a guard against an edit that a platform or onnxruntime version runs
        otherwise."""
        side = round_up(max(64, 4 * self.size_multiple), self.size_multiple)
        rng = np.random.default_rng(seed)
        feed = {}
        for arg in reference.get_inputs():
            spec = _spec(arg)
            if spec.dtype not in (np.float32, np.float64) or None in spec.shape[1:2] or (
                    spec.rank != 4 and None in spec.shape[1:]):
                return False
            shape = (1, spec.shape[1], side, side) if spec.rank == 4 else (1,) + spec.shape[1:]
            feed[spec.name] = rng.normal(size=shape).astype(spec.dtype)
        try:
            expected = np.asarray(reference.run(None, feed)[0], dtype=np.float64)
            got = np.asarray(candidate.run(None, feed)[0], dtype=np.float64)
        except Exception:  # noqa: BLE001  (onnxruntime's own exception types)
            return False
        scale = max(1.0, float(np.nanmax(np.abs(expected)))) if expected.size else 1.0
        return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=1e-4, atol=1e-4 * scale,
                                                                equal_nan=True))

    def with_threads(self, threads):
        """This model on its own onnxruntime session of ``threads`` intra-op threads (itself when it has
        them), e.g. one thread per block when several blocks run at once: on two cores two one-thread runs
        of a 1120-px SARDINet tile took 0.31 s together against 2 x 0.18 s for one two-thread run after the
        other (benchmarks/sar_to_optical_speed.py). ValueError when the session cannot be opened."""
        if int(threads) == self.threads:
            return self
        twin = copy.copy(self)
        twin.session, twin.threads = self._open_session(self._model, threads), int(threads)
        return twin

    def specialised(self, values):
        """This model with per-sample inputs (``values``: dict name -> array) fixed in its graph.

        For inputs that stay the same over a whole scene (the learned DI's
        acquisition conditions): onnxruntime then computes everything that
        depends on them once, when it loads the graph (constant folding), and
        fuses the results into the operators that use them (e.g. a FiLM
        scale and shift into the weights and bias of the convolution before
        it, which then also takes its activation), so each tile runs fewer,
        cheaper operators. The graph is also edited for onnxruntime's CPU
        provider (``fold_inputs``; these edits leave the values unchanged bit
        for bit), then optimised by onnxruntime for this machine with the
        edits of ``cpu_optimised`` (kept only when its outputs on a random tile
        equal the folded graph's; benchmarks/tiled_graph_speed.py prints the
        gains). The outputs equal the general graph's up to float32 rounding
        (the folded weights are rounded once, split convolutions add in
        another order). The copy runs one
        tile per onnxruntime call (the fixed inputs have a batch of one),
        keeps every attribute of this model and still accepts the fixed
        inputs in ``predict`` (ValueError unless they equal the fixed values).
        Returns this model itself when it cannot be done: no such inputs, the
        ``onnx`` package (needed to edit the graph) missing, or a graph that
        onnxruntime cannot load once edited.
        """
        wanted = {}
        for name, value in values.items():
            spec = self.input(name)
            if spec.rank == 4:
                raise ValueError(f"input {name!r} of ONNX model {self.source} is an image: only per-sample "
                                 "inputs can be fixed")
            wanted[name] = self._per_sample(spec, value)[None]
        if not wanted:
            return self
        # The image inputs reach the graph without NaN (``predict`` fills them): their NaN guards go too.
        graph = fold_inputs(self._model, wanted, finite=self.image_inputs)
        if graph is None:
            return self
        try:
            session = self._open_session(graph, self.threads)
        except ValueError:
            return self
        optimised = False
        faster = cpu_optimised(graph)
        if faster is not None:
            try:
                faster_session = self._open_session(faster, self.threads, optimise=False)
            except ValueError:
                faster_session = None
            if faster_session is not None and self._same_outputs(session, faster_session):
                session, graph, optimised = faster_session, faster, True
        twin = copy.copy(self)
        twin.session, twin._model, twin._optimised = session, graph, optimised
        twin.folded = {**self.folded, **wanted}
        twin.inputs = [s for s in self.inputs if s.name not in wanted]
        twin.vector_inputs = [n for n in self.vector_inputs if n not in wanted]
        return twin

    # -- description ---------------------------------------------------------------------------

    @staticmethod
    def _describe(specs):
        return ", ".join(f"{s.name} {s.describe()}" for s in specs)

    def _meta_int(self, key, default, minimum):
        if key not in self.metadata:
            return default
        value = self.metadata[key]
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"ONNX model {self.source}: metadata {key!r} is {value!r}, not a whole "
                             "number of pixels") from None
        if number < minimum or number != value:
            raise ValueError(f"ONNX model {self.source}: metadata {key!r} is {value!r}; expected a "
                             f"whole number >= {minimum}")
        return number

    def _fixed_spatial(self):
        """(rows, cols) when every image input declares the same fixed size, else None."""
        sizes = {s.shape[2:] for s in self.inputs if s.rank == 4}
        if len(sizes) == 1:
            rows, cols = next(iter(sizes))
            if rows is not None and cols is not None:
                return rows, cols
        return None

    def input(self, name):
        """The TensorSpec of input ``name`` (ValueError naming the inputs if absent)."""
        for spec in self.inputs:
            if spec.name == name:
                return spec
        raise ValueError(f"ONNX model {self.source} has no input {name!r}; its inputs are "
                         f"{self._describe(self.inputs)}")

    def output(self, name=None):
        """The TensorSpec of output ``name`` (default: the first output)."""
        if name is None:
            return self.outputs[0]
        for spec in self.outputs:
            if spec.name == name:
                return spec
        raise ValueError(f"ONNX model {self.source} has no output {name!r}; its outputs are "
                         f"{self._describe(self.outputs)}")

    def _per_sample(self, spec, value):
        """``value`` as one sample of the per-sample input ``spec`` (batch axis dropped), of its dtype."""
        value = np.asarray(value)
        expected = spec.shape[1:]
        if value.ndim == spec.rank and value.shape[:1] == (1,):
            value = value[0]
        if value.ndim != len(expected) or any(
                e is not None and g != e for g, e in zip(value.shape, expected)):
            raise ValueError(
                f"input {spec.name!r} has shape {value.shape} but ONNX model {self.source} "
                f"expects {spec.describe()} (batch first; give one sample without the batch "
                "axis)")
        return np.ascontiguousarray(value, dtype=spec.dtype)

    # -- checks --------------------------------------------------------------------------------

    def check_inputs(self, inputs):
        """Validate ``inputs`` (dict name -> array); return (images, vectors, (rows, cols)).

        Images come back as float arrays (C, H, W) of the model's dtype, vectors
        as per-sample arrays of the model's per-sample shape. ValueError names
        the input, what the model expects and what was given.
        """
        names = [s.name for s in self.inputs]
        unknown = [n for n in inputs if n not in names and n not in self.folded]
        missing = [n for n in names if n not in inputs]
        if unknown or missing:
            parts = []
            if missing:
                parts.append(f"missing {missing}")
            if unknown:
                parts.append(f"unknown {unknown}")
            raise ValueError(f"the inputs do not match ONNX model {self.source} ({'; '.join(parts)}); "
                             f"its inputs are {self._describe(self.inputs)}")
        images, vectors, size = {}, {}, None
        for spec in self.inputs:
            value = np.asarray(inputs[spec.name])
            if spec.rank == 4:
                if value.ndim == 2:
                    value = value[None]
                if value.ndim == 4 and value.shape[0] == 1:
                    value = value[0]
                if value.ndim != 3:
                    raise ValueError(f"input {spec.name!r} of ONNX model {self.source} must be an image "
                                     f"(channels, rows, columns); got shape {value.shape}")
                channels = spec.shape[1]
                if channels is not None and value.shape[0] != channels:
                    raise ValueError(
                        f"input {spec.name!r} has {value.shape[0]} channel(s) but ONNX model "
                        f"{self.source} expects {channels} (shape {spec.describe()}): give the bands "
                        "the model was trained with")
                if size is None:
                    size = value.shape[1:]
                elif value.shape[1:] != size:
                    raise ValueError(f"input {spec.name!r} is {value.shape[2]} x {value.shape[1]} pixels "
                                     f"but the other image inputs are {size[1]} x {size[0]}: give "
                                     "images on one grid")
                images[spec.name] = value
            else:
                vectors[spec.name] = self._per_sample(spec, value)
        for name, fixed in self.folded.items():
            if name in inputs and not np.array_equal(self._per_sample(self._specs[name], inputs[name]),
                                                     fixed[0], equal_nan=True):
                raise ValueError(f"input {name!r} differs from the value fixed in this copy of ONNX model "
                                 f"{self.source}: specialise the model for these values")
        if min(size) < 1:
            raise ValueError(f"the image inputs are empty ({size[1]} x {size[0]} pixels)")
        return images, vectors, size

    def tiling(self, rows, cols, tile=None, overlap=None):
        """Tile layout of a ``rows`` x ``cols`` image: dict with the tile and padded sizes and origins.

        Keys: ``tile`` (tile rows, tile cols), ``padded`` (rows, cols after the
        reflected extension), ``rows``/``cols`` (tile origins along each axis),
        ``overlap``, ``stride``. ``tile``, ``overlap``: pixels (None: the
        model's metadata, else 256 and tile // 8).
        """
        m = self.size_multiple
        tile = self.tile_size if tile is None else int(tile)
        overlap = self.overlap if overlap is None else int(overlap)
        if tile < 1 or overlap < 0:
            raise ValueError(f"tile size must be >= 1 and overlap >= 0 pixels (got {tile}, {overlap})")
        if self._fixed_tile is not None:
            full = self._fixed_tile
            for t in full:
                if t % m:
                    raise ValueError(f"ONNX model {self.source}: its fixed tile size {t} is not a multiple "
                                     f"of its size multiple {m}")
        else:
            full = (round_up(max(tile, m), m),) * 2
        if 2 * overlap >= min(full):
            raise ValueError(f"an overlap of {overlap} pixels per side leaves nothing of a {min(full)}-pixel "
                             f"tile: use an overlap below {min(full) // 2} or a larger tile")
        sizes = []
        for length, t_full in zip((rows, cols), full):
            padded = round_up(length, m)
            if self._fixed_tile is not None:
                padded = max(padded, t_full)
                t = t_full
            else:
                t = min(t_full, padded)
            stride = max(m, (t_full - 2 * overlap) // m * m)
            sizes.append((t, padded, tile_starts(padded, t, stride), stride))
        return dict(tile=(sizes[0][0], sizes[1][0]), padded=(sizes[0][1], sizes[1][1]),
                    rows=sizes[0][2], cols=sizes[1][2], overlap=overlap, stride=(sizes[0][3], sizes[1][3]))

    # -- inference -----------------------------------------------------------------------------

    def predict(self, inputs, tile=None, overlap=None, batch=DEFAULT_BATCH, progress=None,
                is_canceled=None, output=None):
        """Run the model over whole images tile by tile; returns float32 (C_out, H, W).

        ``inputs``: dict input name -> array: (C, H, W) (or (H, W) for one
        channel) for image inputs, the per-sample array for the others.
        ``tile``, ``overlap``: tile side and the border per side shared with the
        neighbours, pixels (None: the model's metadata). ``batch``: tiles per
        onnxruntime call. ``progress(percent)``, ``is_canceled() -> bool``:
        optional callbacks; cancel raises core.engine.raster_blocks.Cancelled.
        ``output``: output name (default the first). See the module docstring
        for blending, padding and no data.
        """
        images, vectors, (rows, cols) = self.check_inputs(inputs)
        out_spec = self.output(output)
        layout = self.tiling(rows, cols, tile, overlap)
        (th, tw), (ph, pw) = layout["tile"], layout["padded"]
        batch = max(1, int(batch))
        fixed_batch = self.inputs[0].shape[0]
        if fixed_batch is not None:
            batch = fixed_batch
        elif self.folded:  # the inputs fixed by ``specialised`` have a batch of one
            batch = fixed_batch = 1

        invalid = np.zeros((rows, cols), dtype=bool)
        for value in images.values():  # one reduction over the channels (not a pass per channel)
            invalid |= ~np.isfinite(value).all(axis=0)
        any_invalid = bool(invalid.any())
        row_index = reflect_indices(ph, rows)
        col_index = reflect_indices(pw, cols)
        fallback = {}
        dtypes = {name: self.input(name).dtype for name in images}

        def channel_fallback(name, c):
            key = (name, c)
            if key not in fallback:
                channel = images[name][c]
                finite = np.isfinite(channel)
                fallback[key] = float(channel[finite].mean(dtype=np.float64)) if finite.any() else 0.0
            return fallback[key]

        def cut(y, x):
            """Input arrays of the tile at (y, x) (padded coordinates), NaN filled; None if all invalid."""
            if y + th <= rows and x + tw <= cols:  # plain slices: views, no gather
                index = (Ellipsis, slice(y, y + th), slice(x, x + tw))
            else:  # the tile reaches into the reflected extension
                index = (Ellipsis,) + np.ix_(row_index[y:y + th], col_index[x:x + tw])

            def take(array):
                return array[index]

            bad = take(invalid) if any_invalid else None
            if bad is not None and bad.all():
                return None
            out = {}
            fill = bad is not None and bad.any()
            for name, value in images.items():
                # A copy only where it is written to (holes filled) or cast; else a view of the input.
                part = take(value).astype(dtypes[name], copy=fill)
                if fill:
                    for c in range(part.shape[0]):
                        plane = part[c]
                        holes = ~np.isfinite(plane)
                        if holes.any():
                            good = plane[~holes]
                            plane[holes] = (float(good.mean(dtype=np.float64)) if good.size
                                            else channel_fallback(name, c))
                out[name] = part
            return out

        wy = {y: blend_window(th, y == 0, y + th >= ph) for y in layout["rows"]}
        wx = {x: blend_window(tw, x == 0, x + tw >= pw) for x in layout["cols"]}
        norm_y = np.zeros(ph, dtype=np.float64)
        norm_x = np.zeros(pw, dtype=np.float64)
        for y, w in wy.items():
            norm_y[y:y + th] += w
        for x, w in wx.items():
            norm_x[x:x + tw] += w

        positions = [(y, x) for y in layout["rows"] for x in layout["cols"]]
        # One tile over the whole (padded) image: its weights are all 1, so its output is the result as
        # it is (what the blending would give exactly), without the float64 accumulator.
        single = len(positions) == 1
        accumulator = None
        out_channels = out_spec.shape[1] if out_spec.rank == 4 else None
        if out_channels is not None:
            accumulator = np.zeros((out_channels, ph, pw), dtype=np.float32 if single else np.float64)
        done = 0
        pending = []

        def flush():
            nonlocal accumulator
            if not pending:
                return
            feed = {}
            count = len(pending)
            pad = batch - count if fixed_batch is not None else 0
            for name in images:
                tiles = [p[2][name] for p in pending] + [pending[-1][2][name]] * pad
                # One tile: no stacking copy (none at all when the tile is the whole contiguous input).
                feed[name] = np.ascontiguousarray(tiles[0][None]) if len(tiles) == 1 else np.stack(tiles)
            for name, value in vectors.items():
                feed[name] = np.ascontiguousarray(np.broadcast_to(value, (count + pad,) + value.shape))
            try:
                result = self.session.run([out_spec.name], feed)[0]
            except Exception as exc:  # onnxruntime's own exception types
                raise ValueError(f"ONNX model {self.source} failed on a {th} x {tw} tile: {exc}") from exc
            result = np.asarray(result)
            if result.ndim != 4 or result.shape[0] != count + pad or result.shape[2:] != (th, tw):
                raise ValueError(f"ONNX model {self.source} returned shape {result.shape} for {count + pad} "
                                 f"tile(s) of {th} x {tw} pixels; an image-to-image model must return "
                                 "(batch, channels, rows, columns) of the tile size")
            if accumulator is None:
                accumulator = np.zeros((result.shape[1], ph, pw), dtype=np.float64)
            elif result.shape[1] != accumulator.shape[0]:
                raise ValueError(f"ONNX model {self.source} returned {result.shape[1]} channels, its "
                                 f"declared output has {accumulator.shape[0]}")
            if single:
                accumulator = result[0]
                pending.clear()
                return
            for k, (y, x, _) in enumerate(pending):
                weight = wy[y][:, None] * wx[x][None, :]
                accumulator[:, y:y + th, x:x + tw] += result[k] * weight
            pending.clear()

        for y, x in positions:
            if is_canceled is not None and is_canceled():
                raise Cancelled("cancelled by the user")
            tile_inputs = cut(y, x)
            done += 1
            if tile_inputs is not None:
                pending.append((y, x, tile_inputs))
                if len(pending) == batch:
                    flush()
            if progress is not None and not pending:  # after a batch ran or a tile was skipped
                progress(100.0 * done / len(positions))
        if is_canceled is not None and is_canceled():
            raise Cancelled("cancelled by the user")
        flush()
        if progress is not None:
            progress(100.0)
        if accumulator is None:  # every tile was no data and the output width is not declared
            raise ValueError(f"every pixel of the inputs is no data; ONNX model {self.source} was not run")
        accumulator = accumulator[:, :rows, :cols]
        if single:  # onnxruntime's own output array: copied only when cropped or cast
            result = np.ascontiguousarray(accumulator, dtype=np.float32)
        else:
            accumulator /= norm_y[:rows, None]  # the summed weights are separable: no (H, W) temporary
            accumulator /= norm_x[None, :cols]
            result = accumulator.astype(np.float32)
        del accumulator
        if any_invalid:
            result[:, invalid] = np.nan
        return result


def load(model, threads=2):
    """Load an image-to-image ONNX model (path or bytes) as a ``TiledModel``."""
    return TiledModel(model, threads=threads)


def describe_tiling(layout):
    """One line describing a ``TiledModel.tiling`` layout (for logs)."""
    th, tw = layout["tile"]
    n = len(layout["rows"]) * len(layout["cols"])
    return (f"{n} tile(s) of {tw} x {th} pixels, {layout['overlap']} pixels of overlap per side, "
            f"stride {layout['stride'][1]} x {layout['stride'][0]} pixels")

