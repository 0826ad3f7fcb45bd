"""Starting weights for every trainer: random, a .pt, an .onnx of the same kind, or a named encoder.

Transfer learning after Karimzadeh & Pires de Lima (2022, "Deep learning on
SAR imagery: transfer learning versus randomly initialized weights"): a
network starts from weights learned elsewhere; tensors that fit are loaded,
the others stay random, and the encoder may be frozen for the first epochs
(``loop.fit(freeze=..., freeze_epochs=...)``).

``resolve(source)`` turns an init source into an ``InitWeights`` (state dict,
config, normalisation, metadata, encoder prefixes):

- None or "random": nothing to load;
- a path to a .pt: a checkpoint written by a trainer here (dict with
  "state_dict", "config", "normalisation", ...) or a bare state dict;
- a path to a .onnx exported by ``framework.export``: its initializers
  (named as the state dict) and metadata; ``kind`` is checked when given;
- a registered name (``register``; ``names()`` lists them), e.g.
  "learned_di" (the shipped learned-DI model) or "learned_di.encoder" (its
  encoder only). Other engineers add theirs (e.g. a MERLIN encoder) with
  ``register(name, loader, description)``; ``loader()`` returns an
  ``InitWeights``.

``apply(model, weights)`` loads what fits (strict=False) and returns an
``InitReport``: loaded, new (in the model, not in the weights), skipped
(same name, other shape) and unexpected (in the weights, not in the model).
"""
import os
from dataclasses import dataclass, field

import torch

from . import export


@dataclass
class InitWeights:
    """Weights to start from. ``prefixes``: when set, only tensors under these name prefixes are loaded
    (e.g. an encoder); ``encoder``: the prefixes a trainer may freeze."""

    state: dict
    source: str
    config: dict = None
    normalisation: dict = None
    metadata: dict = None
    prefixes: tuple = ()
    encoder: tuple = ()


@dataclass
class InitReport:
    source: str
    loaded: list = field(default_factory=list)
    new: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    unexpected: list = field(default_factory=list)

    def as_dict(self):
        return {"source": self.source, "loaded": len(self.loaded), "new": self.new, "skipped": self.skipped,
                "unexpected": self.unexpected}

    def describe(self, show=6):
        def part(label, names):
            more = f" ... (+{len(names) - show})" if len(names) > show else ""
            return f"{label} {len(names)}" + (f" {names[:show]}{more}" if names else "")
        return (f"init from {self.source}: " + "; ".join(
            [part("loaded", self.loaded), part("new", self.new),
             part("skipped (shape mismatch)", self.skipped), part("unexpected", self.unexpected)]))


_REGISTRY = {}


def register(name, loader, description=""):
    """Register a named pretrained source: ``loader()`` -> InitWeights (called when used)."""
    _REGISTRY[str(name)] = (loader, str(description))


def names():
    """{name: description} of the registered pretrained sources."""
    return {k: v[1] for k, v in sorted(_REGISTRY.items())}


def load_file(path, kind=None):
    """InitWeights from a .pt or .onnx file (see the module docstring)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"initial weights {path} do not exist")
    if path.lower().endswith(".onnx"):
        from .metadata import parse_metadata

        state, raw = export.onnx_state_dict(path)
        meta = parse_metadata(raw)
        if kind is not None and meta.get("sar_change.kind") != kind:
            raise ValueError(f"{path} is a {meta.get('sar_change.kind')!r} model; this trainer starts from "
                             f"{kind!r} models (or a .pt state dict, or a registered name: "
                             f"{sorted(_REGISTRY)})")
        arch = meta.get("architecture") or {}
        return InitWeights(state=state, source=path, config=arch or None,
                           normalisation=meta.get("normalisation") or None, metadata=meta)
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj:
        return InitWeights(state=obj["state_dict"], source=path, config=obj.get("config"),
                           normalisation=obj.get("normalisation"))
    if isinstance(obj, dict) and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return InitWeights(state=obj, source=path)
    raise ValueError(f"{path} is neither a state dict nor a checkpoint written by a SAR Change trainer")


def _plugin_relative(path):
    """``path`` relative to the plugin folder when it lies inside it (model cards then name the shipped
    file, not the checkout or link it was trained from), else unchanged."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    real = os.path.realpath(str(path))
    return os.path.relpath(real, root) if real.startswith(root + os.sep) else str(path)


def resolve(source, kind=None):
    """InitWeights for ``source`` (None/'random', a path, or a registered name); None for random."""
    if source is None or str(source).strip().lower() in ("", "random", "none"):
        return None
    text = os.fspath(source)
    if text in _REGISTRY:
        weights = _REGISTRY[text][0]()
        weights.source = f"{text} ({_plugin_relative(weights.source)})"
        return weights
    if not os.path.exists(text) and not text.lower().endswith((".pt", ".pth", ".onnx")):
        raise ValueError(f"init {text!r} is neither a file nor a registered pretrained name "
                         f"({', '.join(sorted(_REGISTRY)) or 'none registered'})")
    return load_file(text, kind)


def apply(model, weights):
    """Load ``weights`` (InitWeights) into ``model`` where names and shapes fit; returns an InitReport."""
    own = model.state_dict()
    state = weights.state
    if weights.prefixes:
        state = {k: v for k, v in state.items() if k.startswith(tuple(weights.prefixes))}
    usable = {k: v for k, v in state.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    report = InitReport(source=weights.source)
    report.skipped = sorted(k for k, v in state.items() if k in own and tuple(v.shape) != tuple(own[k].shape))
    report.unexpected = sorted(k for k in state if k not in own)
    model.load_state_dict(usable, strict=False)
    report.loaded = sorted(usable)
    report.new = sorted(k for k in own if k not in usable)
    return report
