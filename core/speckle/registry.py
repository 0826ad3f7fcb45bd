"""One entry point for every speckle filter: name -> block function and margin.

``make_block_function`` returns a function for the block engine that converts
a block from the input's scale to linear power, filters, and converts back,
together with the margin (pixels) the filter reads around a pixel.
"""
from dataclasses import dataclass

from ..engine import scale as scales
from ..engine.window_stats import check_window
from . import basic, frost, lopes

BOXCAR = "boxcar"
MEDIAN = "median"
LEE = "lee"
REFINED_LEE = "refined_lee"
LEE_SIGMA = "lee_sigma"
FROST = "frost"
GAMMA_MAP = "gamma_map"
KUAN = "kuan"
MERLIN = "merlin"

#: The numpy filters (no model file needed), in Processing enum order.
METHODS = (BOXCAR, MEDIAN, LEE, REFINED_LEE, LEE_SIGMA, FROST, GAMMA_MAP, KUAN)
#: Learned filters: an ONNX model run with onnxruntime (``learned.py``).
LEARNED = (MERLIN,)
#: Order used by the Processing enum (index -> method): the numpy filters, then the learned ones.
ALL_METHODS = METHODS + LEARNED
LABELS = {
    BOXCAR: "Boxcar (moving mean)",
    MEDIAN: "Median",
    LEE: "Lee (1980/1981)",
    REFINED_LEE: "Refined Lee (Lee 1981, 7x7 edge-aligned)",
    LEE_SIGMA: "Improved Lee Sigma (Lee et al. 2009)",
    FROST: "Frost (1982)",
    GAMMA_MAP: "Gamma-MAP (Lopes et al. 1990)",
    KUAN: "Kuan (1985)",
    MERLIN: "Learned (MERLIN, ONNX)",
}
#: Methods whose statistics need the number of looks.
USES_LOOKS = (LEE, REFINED_LEE, LEE_SIGMA, GAMMA_MAP, KUAN, MERLIN)
#: Methods that do not use the moving window size.
NO_WINDOW = (REFINED_LEE, MERLIN)


@dataclass(frozen=True)
class FilterParams:
    """Parameters of a speckle filter. Window sizes in pixels (odd)."""

    method: str = LEE
    size: int = 7
    looks: float = 1.0
    damping: float = 1.0
    metric: str = frost.EUCLIDEAN
    sigma: float = 0.9
    target_size: int = 3
    #: ONNX model of a learned method ('' = the default converted MERLIN model).
    model_path: str = ""


def validate(params):
    """Raise ValueError naming the fix for parameters a filter cannot use."""
    if params.method not in ALL_METHODS:
        raise ValueError(f"unknown speckle filter {params.method!r}; choose one of {ALL_METHODS}")
    if params.method not in NO_WINDOW:
        check_window(params.size)
    if params.method in USES_LOOKS and not params.looks > 0:
        raise ValueError(f"number of looks must be > 0, got {params.looks}")
    if params.method == FROST and params.damping < 0:
        raise ValueError(f"Frost damping factor must be >= 0, got {params.damping}")
    if params.method == LEE_SIGMA:
        if params.size < 3:
            raise ValueError("Lee Sigma needs a window of at least 3 x 3 pixels")
        if not 0.5 <= params.sigma <= 0.9:
            raise ValueError(f"Lee Sigma sigma must be within 0.5..0.9, got {params.sigma}")
        check_window(params.target_size)


def margin(params):
    """Pixels a filter reads around each output pixel (block overlap)."""
    if params.method == REFINED_LEE:
        return 3
    if params.method == LEE_SIGMA:
        return max(params.size // 2, params.target_size // 2, 1)
    if params.method == MERLIN:
        from .learned import MARGIN
        return MARGIN
    return params.size // 2


def power_filter(params):
    """Return ``f(power) -> power`` for ``params`` (linear power, NaN = no data)."""
    validate(params)
    m = params.method
    if m == BOXCAR:
        return lambda p: basic.boxcar(p, params.size)
    if m == MEDIAN:
        return lambda p: basic.median(p, params.size)
    if m == LEE:
        return lambda p: lopes.lee(p, params.size, params.looks)
    if m == KUAN:
        return lambda p: lopes.kuan(p, params.size, params.looks)
    if m == GAMMA_MAP:
        return lambda p: lopes.gamma_map(p, params.size, params.looks)
    if m == FROST:
        return lambda p: frost.frost(p, params.size, params.damping, params.metric)
    if m == MERLIN:
        from .learned import merlin_filter
        return merlin_filter(params.looks, params.model_path or None)
    if m == REFINED_LEE:
        from .refined_lee import refined_lee
        return lambda p: refined_lee(p, params.looks)
    from .lee_sigma import lee_sigma
    return lambda p: lee_sigma(p, params.looks, params.size, params.sigma, params.target_size)


def make_block_function(params, scale=scales.LINEAR_POWER):
    """Return ``(func, margin)``: ``func`` filters a block given in ``scale``.

    The block is converted to linear power, filtered there (speckle models are
    defined on intensity) and converted back to ``scale``.
    """
    filt = power_filter(params)
    if scale not in scales.SCALES:
        raise ValueError(f"unknown scale {scale!r}; expected one of {scales.SCALES}")

    def func(block):
        return scales.from_linear_power(filt(scales.to_linear_power(block, scale)), scale)

    return func, margin(params)
