"""A chain of SAR Change stages over many image pairs, on a Dask cluster.

A pipeline file (YAML or JSON) names the steps with the Processing algorithm
ids and parameter names, so parameters can be copied from a QGIS model or the
Processing history (enum parameters as their index, as QGIS stores them)::

    output_dir: out
    chunk: 1024                      # pixels per chunk side (optional)
    jobs:                            # one pair of co-registered acquisitions per job
      - {name: idaho_0225_0309, IMAGE_1: a.tif, IMAGE_2: b.tif}
    # or: stack: "scenes/*.tif"      # sorted; consecutive dates paired
    steps:
      - id: sarchange:specklefilter  # optional; applied to both images
        params: {METHOD: 2, WINDOW_SIZE: 7, LOOKS: 4}
      - id: sarchange:differenceimage
        params: {METHOD: 2}
      - id: sarchange:thresholdchange  # optional
        params: {METHOD: 1, SIDE: 2}
    # or, after the optional speckle filter, instead of the DI and threshold:
    #   - id: sarchange:svmchange      # pseudo-labels (LABEL_SOURCE 2), or MODEL_IN: a saved .onnx
    #     params: {FEATURE_WINDOWS: "3,7"}
    # or: model: chain.model3        # the static parameters of a QGIS graphical model's steps

Outputs per job, under ``output_dir/<name>/``: ``speckle_1.tif``,
``speckle_2.tif``, ``difference.tif``, ``change_mask.tif`` and
``threshold.json``, or ``svm_change_mask.tif`` (COGs; each written under a temporary name and renamed
when complete). A rerun skips every output that exists, so an interrupted run
resumes where it stopped. Steps run in waves (all jobs' step 1, then step 2,
...), each step reading the files of the previous one as the Processing
chain does, so every output equals the QGIS run's. The SVM step is one task
per job (its training sample spans the whole pair), the pipeline of the
Processing algorithm itself (``core.change.svm_raster.classify_rasters``).
"""
import glob
import json
import os
from dataclasses import dataclass, replace

import numpy as np

from ..core.change import difference, features, svm, svm_raster, thresholds
from ..core.engine import raster_sampling
from ..core.engine import scale as scales
from ..core.engine.raster_blocks import RasterError, output_nodata, read_info, stack_vrt
from ..core.speckle import frost, registry
from . import rasters, stages

SPECKLE = "sarchange:specklefilter"
DIFFERENCE = "sarchange:differenceimage"
THRESHOLD = "sarchange:thresholdchange"
SVM = "sarchange:svmchange"
#: Enum-to-value tables and defaults, as the Processing algorithms declare them
#: (tests/test_batch.py checks them against the algorithms).
SCALES = (scales.LINEAR_POWER, scales.AMPLITUDE, scales.DB)
LEE_SIGMAS = (0.5, 0.6, 0.7, 0.8, 0.9)
FROST_DISTANCES = (frost.EUCLIDEAN, frost.CITY_BLOCK)
DEFAULTS = {
    SPECKLE: {"METHOD": registry.METHODS.index(registry.LEE), "WINDOW_SIZE": 7, "LOOKS": 1.0,
              "ESTIMATE_ENL": False, "DAMPING": 1.0, "FROST_DISTANCE": 0, "SIGMA": len(LEE_SIGMAS) - 1,
              "TARGET_WINDOW": 3, "SCALE": 0},
    DIFFERENCE: {"BAND_1": 1, "BAND_2": 1, "SCALE": 0,
                 "METHOD": difference.METHODS.index(difference.LOG_RATIO),
                 "WINDOW": 3, "SIGNED": False, "POWER_FLOOR": 0.0},
    THRESHOLD: {"BAND": 1, "METHOD": thresholds.METHODS.index(thresholds.KI), "MANUAL_THRESHOLD": 0.0,
                "SIDE": 0, "LOOKS": 0.0},
    SVM: {"BANDS": None, "SCALE": 0, "DI_METHOD": difference.METHODS.index(difference.LOG_RATIO),
          "FEATURE_WINDOWS": ",".join(str(w) for w in features.DEFAULT_WINDOWS), "INCLUDE_BACKSCATTER": False,
          "CLASSIFIER": 0, "LABEL_SOURCE": svm.LABEL_SOURCES.index(svm.PSEUDO_LABELS),
          "PSEUDO_METHOD": svm.PSEUDO_METHODS.index(svm.KI), "PSEUDO_KEEP": svm.DEFAULT_KEEP,
          "PSEUDO_MEMBERSHIP": svm.DEFAULT_MEMBERSHIP, "SAMPLE_CAP": 0, "SEED": 1, "MODEL_IN": None},
}
ORDER = (SPECKLE, DIFFERENCE, THRESHOLD, SVM)
#: The chains the runner takes (algorithm ids in order).
CHAINS = tuple(pre + rest for pre in ((), (SPECKLE,))
               for rest in ((DIFFERENCE,), (DIFFERENCE, THRESHOLD), (SVM,)))


class PipelineError(ValueError):
    """The pipeline file cannot be run; the message names the entry and the fix."""


@dataclass
class Job:
    """One pair of co-registered acquisitions (paths) and its output folder."""

    name: str
    image_1: str
    image_2: str
    folder: str

    def output(self, name):
        return os.path.join(self.folder, name)


@dataclass
class Pipeline:
    """Parsed pipeline: steps ``[(algorithm id, params with defaults)]`` and jobs."""

    steps: list
    jobs: list
    chunk: int = rasters.DEFAULT_CHUNK
    scheduler: str = None
    workers: int = None
    threads_per_worker: int = 1


def load(path):
    """Read a pipeline file (``.yaml``/``.yml`` or ``.json``); relative paths from its folder."""
    with open(path, encoding="utf-8") as fh:
        if str(path).lower().endswith(".json"):
            spec = json.load(fh)
        else:
            import yaml

            spec = yaml.safe_load(fh)
    return parse(spec, base=os.path.dirname(os.path.abspath(path)))


def parse(spec, base="."):
    """Validate a pipeline ``dict`` and return a Pipeline (PipelineError naming the fix)."""
    if not isinstance(spec, dict):
        raise PipelineError("a pipeline is a mapping with 'steps' and 'jobs' (or 'stack')")

    def where(p):
        return p if os.path.isabs(p) else os.path.normpath(os.path.join(base, p))

    steps = []
    raw_steps = spec.get("steps") or []
    if spec.get("model"):
        if raw_steps:
            raise PipelineError("give either 'steps' or 'model' (a QGIS .model3), not both")
        raw_steps = model_steps(where(spec["model"]))
    for i, step in enumerate(raw_steps):
        alg = step.get("id", "") if isinstance(step, dict) else ""
        if alg not in DEFAULTS:
            raise PipelineError(f"step {i + 1}: unknown algorithm id {alg!r}; use one of {list(DEFAULTS)}")
        params = dict(step.get("params") or {})
        unknown = sorted(set(params) - set(DEFAULTS[alg]))
        if unknown:
            raise PipelineError(f"step {i + 1} ({alg}): unknown parameter(s) {unknown}; "
                                f"this runner takes {sorted(DEFAULTS[alg])}")
        steps.append((alg, {**DEFAULTS[alg], **params}))
    ids = [s[0] for s in steps]
    if tuple(ids) not in CHAINS:
        raise PipelineError(f"steps must be, in this order: optionally {SPECKLE}, then {DIFFERENCE}, "
                            f"then optionally {THRESHOLD}; or optionally {SPECKLE}, then {SVM}; got {ids}")
    out_dir = where(spec.get("output_dir", "batch_output"))
    pairs = []
    for j, job in enumerate(spec.get("jobs") or []):
        try:
            name = str(job.get("name") or f"job_{j + 1}")
            pairs.append((name, where(job["IMAGE_1"]), where(job["IMAGE_2"])))
        except (KeyError, TypeError, AttributeError):
            raise PipelineError(
                f"job {j + 1}: give IMAGE_1 and IMAGE_2 (paths) and optionally a name") from None
    if spec.get("stack"):
        scenes = sorted(glob.glob(where(spec["stack"])))
        if len(scenes) < 2:
            raise PipelineError(f"stack {spec['stack']!r} matches {len(scenes)} file(s); a stack needs >= 2")
        for a, b in zip(scenes, scenes[1:]):
            name = f"{_stem(a)}__{_stem(b)}"
            pairs.append((name, a, b))
    if not pairs:
        raise PipelineError("no job: give 'jobs' (IMAGE_1, IMAGE_2 per job) or a 'stack' glob")
    names = [p[0] for p in pairs]
    if len(set(names)) != len(names):
        raise PipelineError(f"job names must be unique (they name the output folders): {names}")
    jobs = [Job(n, a, b, os.path.join(out_dir, n)) for n, a, b in pairs]
    for job in jobs:
        for p in (job.image_1, job.image_2):
            if not os.path.exists(p):
                raise PipelineError(f"job {job.name}: input {p} does not exist")
    chunk = int(spec.get("chunk", rasters.DEFAULT_CHUNK))
    if chunk < 64:
        raise PipelineError(f"chunk must be >= 64 pixels, got {chunk}")
    return Pipeline(steps, jobs, chunk, spec.get("scheduler"), spec.get("workers"),
                    int(spec.get("threads_per_worker", 1)))


_MODEL_TYPES = {"int": int, "double": float, "bool": lambda v: v.lower() == "true", "QString": str}


def model_steps(path):
    """Steps ``[{"id", "params"}]`` of the SAR Change algorithms of a QGIS graphical model (.model3).

    Every static parameter value of a child algorithm this runner knows is
    taken (inputs and outputs are the runner's own); the same algorithm used
    twice (e.g. one speckle filter per date) must have the same values.
    """
    import xml.etree.ElementTree as ET

    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise PipelineError(f"cannot read the model {path}: {exc}") from exc
    children = root.find("./Option[@name='children']")
    found = {}
    for child in (children if children is not None else []):
        alg_id = child.find("./Option[@name='alg_id']")
        alg = None if alg_id is None else alg_id.get("value")
        if alg not in DEFAULTS:
            continue
        params = {}
        for param in child.findall("./Option[@name='params']/Option"):
            sources = param.findall("./Option")
            static = sources[0].find("./Option[@name='static_value']") if len(sources) == 1 else None
            name = param.get("name")
            if static is None or name not in DEFAULTS[alg] or static.get("type") not in _MODEL_TYPES:
                continue
            params[name] = _MODEL_TYPES[static.get("type")](static.get("value"))
        if alg in found and found[alg] != params:
            raise PipelineError(f"model {path}: {alg} is used twice with different parameters "
                                f"({found[alg]} and {params}); the runner applies one set to both dates")
        found[alg] = params
    return [{"id": alg, "params": found[alg]} for alg in ORDER if alg in found]


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


# --- Parameters -> core settings (same rules as the Processing algorithms) --------------------

def _enum(params, key, table, alg):
    value = params[key]
    if isinstance(value, str) and value in table:
        return value
    try:
        index = int(value)
    except (ValueError, TypeError):
        index = -1
    if not 0 <= index < len(table):
        raise PipelineError(
            f"{alg}: {key}={value!r} is not an index (0 to {len(table) - 1}) of {list(table)}")
    return table[index]


def speckle_settings(params):
    """``(FilterParams, scale, estimate_looks)`` from specklefilter parameters."""
    size, target = int(params["WINDOW_SIZE"]), int(params["TARGET_WINDOW"])
    estimate = bool(params["ESTIMATE_ENL"])
    filt = registry.FilterParams(
        method=_enum(params, "METHOD", registry.METHODS, SPECKLE), size=size,
        looks=1.0 if estimate else float(params["LOOKS"]), damping=float(params["DAMPING"]),
        metric=_enum(params, "FROST_DISTANCE", FROST_DISTANCES, SPECKLE),
        sigma=_enum(params, "SIGMA", LEE_SIGMAS, SPECKLE), target_size=target)
    try:
        registry.validate(filt)
    except ValueError as exc:
        raise PipelineError(f"{SPECKLE}: {exc}") from exc
    return filt, _enum(params, "SCALE", SCALES, SPECKLE), estimate


def difference_settings(params):
    """``(method, scale, window, signed, floor, band_1, band_2)`` from differenceimage parameters."""
    method = _enum(params, "METHOD", difference.METHODS, DIFFERENCE)
    floor = float(params["POWER_FLOOR"])
    if not floor >= 0:
        raise PipelineError(f"{DIFFERENCE}: POWER_FLOOR must be >= 0, got {floor}")
    return (method, _enum(params, "SCALE", SCALES, DIFFERENCE), int(params["WINDOW"]),
            bool(params["SIGNED"]), floor or None, int(params["BAND_1"]), int(params["BAND_2"]))


def threshold_settings(params):
    """``(method, side, manual, looks, band)`` from thresholdchange parameters."""
    looks = float(params["LOOKS"])
    return (_enum(params, "METHOD", thresholds.METHODS, THRESHOLD),
            _enum(params, "SIDE", thresholds.SIDES, THRESHOLD), float(params["MANUAL_THRESHOLD"]),
            looks or None, int(params["BAND"]) or 1)


# --- Graphs per step ---------------------------------------------------------------------------

def speckle_tasks(src, dst, params, chunk):
    """Tasks writing the speckle-filtered ``src`` to ``dst`` (as sarchange:specklefilter)."""
    filt, scale, estimate = speckle_settings(params)
    raster_sampling.check_input_scale(src, scale)
    if estimate and filt.method in registry.USES_LOOKS:
        looks, _ = raster_sampling.estimate_looks(src, scale)
        filt = replace(filt, looks=looks)
    from osgeo import gdal

    vrt = stack_vrt([src])  # the bands as the block engine reads them (a palette's no-data index: NaN)
    try:
        info = read_info(vrt)
    finally:
        gdal.Unlink(vrt)
    nodata = output_nodata(info)  # as the block engine: the first band's, else NaN
    out = stages.nan_as(stages.speckle_filter(rasters.open_bands(src, chunk=chunk), filt, scale), nodata)
    return rasters.write_cog(out, dst, rasters.grid_of(src), nodata, info.descriptions)


def difference_bands(info_1, info_2, method, band_1, band_2):
    """Bands compared (1-based) in each image, as sarchange:differenceimage chooses them."""
    if method in difference.MULTI_BAND:
        if info_1.bands != info_2.bands:
            raise RasterError(f"{info_1.path} and {info_2.path} differ in band count: the Euclidean "
                              "norm compares every band with the same band of the other date")
        return list(range(1, info_1.bands + 1)), list(range(1, info_2.bands + 1))
    for band, info in ((band_1, info_1), (band_2, info_2)):
        if not 1 <= band <= info.bands:
            raise RasterError(f"{info.path}: band {band} does not exist (the raster has {info.bands})")
    return [band_1], [band_2]


def difference_tasks(src_1, src_2, dst, params, chunk):
    """Tasks writing the difference image of ``src_1``, ``src_2`` to ``dst``."""
    from osgeo import gdal

    method, scale, size, signed, floor, band_1, band_2 = difference_settings(params)
    gdal.Unlink(stack_vrt([src_1, src_2]))  # raises RasterError naming a raster off the grid
    info_1, info_2 = read_info(src_1), read_info(src_2)
    bands_1, bands_2 = difference_bands(info_1, info_2, method, band_1, band_2)
    raster_sampling.check_input_scale(src_1, scale, bands_1)
    raster_sampling.check_input_scale(src_2, scale, bands_2)
    image_1, image_2 = rasters.open_bands(src_1, bands_1, chunk), rasters.open_bands(src_2, bands_2, chunk)
    di = stages.difference_image(image_1, image_2, method, scale, size, signed, floor)
    return rasters.write_cog(di, dst, rasters.grid_of(src_1), float("nan"), [difference.LABELS[method]])


def fit_threshold(src, params):
    """ThresholdResult fitted on the DI ``src`` as sarchange:thresholdchange fits it."""
    method, side, manual, looks, band = threshold_settings(params)
    sample = stages.threshold_sample(src, band)
    if sample.size == 0:
        raise ValueError(f"{src}: band {band} holds no valid pixel (all no data)")
    return thresholds.fit(method, sample, side, threshold=manual, looks=looks)


def threshold_tasks(src, dst, result, params, chunk):
    """Tasks writing the uint8 change mask of ``src`` with a fitted ``result`` to ``dst``."""
    band = threshold_settings(params)[-1]
    mask = stages.change_mask(rasters.open_bands(src, [band], chunk), result)
    return rasters.write_cog(mask, dst, rasters.grid_of(src), thresholds.NODATA,
                             ["change mask (1 change, 0 no change, 255 no data)"])


def svm_settings(params):
    """``(SvmOptions, bands, model path or None)`` from svmchange parameters (pseudo-labels or MODEL_IN)."""
    model_in = params["MODEL_IN"] or None
    source = _enum(params, "LABEL_SOURCE", svm.LABEL_SOURCES, SVM)
    if source != svm.PSEUDO_LABELS and not model_in:
        raise PipelineError(f"{SVM}: the batch runner trains on pseudo-labels (LABEL_SOURCE "
                            f"{svm.LABEL_SOURCES.index(svm.PSEUDO_LABELS)}) or applies a saved model "
                            "(MODEL_IN)")
    try:
        windows = features.parse_windows(str(params["FEATURE_WINDOWS"]))
    except ValueError as exc:
        raise PipelineError(f"{SVM}: {exc}") from exc
    options = svm_raster.SvmOptions(
        scale=_enum(params, "SCALE", SCALES, SVM),
        di_method=_enum(params, "DI_METHOD", difference.METHODS, SVM),
        windows=tuple(windows), backscatter=bool(params["INCLUDE_BACKSCATTER"]),
        classifier=_enum(params, "CLASSIFIER", svm.CLASSIFIERS, SVM), label_source=source,
        pseudo_method=_enum(params, "PSEUDO_METHOD", svm.PSEUDO_METHODS, SVM),
        keep=float(params["PSEUDO_KEEP"]), membership=float(params["PSEUDO_MEMBERSHIP"]),
        cap=int(params["SAMPLE_CAP"]), seed=int(params["SEED"]))
    problem = options.problem()
    if problem:
        raise PipelineError(f"{SVM}: {problem}")
    bands = tuple(int(b) for b in (params["BANDS"] or [1]))
    return options, bands, model_in


def svm_tasks(src_1, src_2, dst, params):
    """``([], final)``: one Delayed writing the SVM change mask of the pair to ``dst`` (a COG)."""
    import dask

    options, bands, model_in = svm_settings(params)
    return [], dask.delayed(_svm_mask, pure=False)(src_1, src_2, dst, bands, options, model_in)


def _svm_mask(src_1, src_2, dst, bands, options, model_in):
    dst = os.path.abspath(dst)
    tmp = os.path.join(os.path.dirname(dst), f".{os.path.basename(dst)}.svm.tif")
    try:
        svm_raster.classify_rasters(tmp, src_1, src_2, bands=bands, options=options, model_in=model_in)
        rasters.to_cog(tmp, dst, np.uint8)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return dst


def write_json(path, data):
    """Write ``data`` as JSON under a temporary name, then rename."""
    tmp = f"{path}.partial"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2)
    os.replace(tmp, path)
