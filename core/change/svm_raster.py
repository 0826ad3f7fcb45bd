"""File-level SVM change classification: train (or load) a classifier, write the change mask by blocks.

``classify_rasters`` is the pipeline of the Processing algorithm "SVM
change classifier" (and of any other runner, e.g. the Dask batch runner):
the two dates (or a precomputed DI raster) are stacked in an in-memory VRT
(``raster_blocks.stack_vrt``, which refuses rasters on different grids);
features come block by block from ``features.FeatureSpec``. Training reads
the labelled pixels block by block into per-class random samples
(``svm.ClassSampler``): labels from a label raster on the image grid
(a reference mask, or polygons the caller rasterised), or unsupervised
pseudo-labels (a first pass samples pixels to fit the pre-classification, a
second collects the confident ones). The mask is written through
``raster_blocks.map_raster`` (model inference per block with onnxruntime,
else scikit-learn) into a temporary float32 GeoTIFF converted to the uint8
output (1 change, 0 no change, 255 no data). scikit-learn is imported only
to train; applying a saved .onnx model needs only onnxruntime.

Messages for the user go through ``notify(event, **values)`` (events in
``EVENTS``), so that a caller can word and translate them.
"""
import os
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from ...models import onnx_runtime
from ..engine import outputs, raster_sampling
from ..engine.progress import progress_range
from ..engine.raster_blocks import (
    Cancelled,
    RasterError,
    gdal_cache_budget,
    geotiff_options,
    map_raster,
    read_info,
    stack_vrt,
    temporary_path,
    translate_output,
)
from . import difference, features, svm
from .evaluation import grid_mismatch

#: Events ``classify_rasters`` reports through ``notify`` and their values.
EVENTS = {
    "features": ("n", "names", "m"),  # features per pixel, their names, block margin m (pixels)
    "model_applied_not_written": (),  # a saved model is applied: no model is written
    "model_saved": ("path",),
    "di_not_used": ("di",),  # the saved model computes its own DI (method ``di``)
    # the model file, classifier, DI method, windows, bands, backscatter, label source, class counts
    "applying_model": ("path", "clf", "di", "w", "b", "bs", "src", "n0", "n1"),
    "using_di": ("n",),  # the precomputed DI's band count; the difference method is not used
    "pseudo_rule": ("rule",),
    "labelled": ("n0", "n1", "k0", "k1", "cap", "seed"),
    "trained": ("clf", "acc"),
    "model_not_saved": ("error",),  # an error: the model cannot be exported
    "no_skl2onnx": (),
    "no_onnxruntime": (),
}


@dataclass(frozen=True)
class SvmOptions:
    """Settings of ``classify_rasters`` (see the algorithm's help); feature windows in pixels."""

    scale: str = "linear"
    di_method: str = difference.LOG_RATIO
    windows: tuple = features.DEFAULT_WINDOWS
    backscatter: bool = False
    classifier: str = svm.LINEAR_SVC
    label_source: str = svm.PSEUDO_LABELS
    pseudo_method: str = svm.KI
    keep: float = svm.DEFAULT_KEEP
    membership: float = svm.DEFAULT_MEMBERSHIP
    cap: int = 0  # training pixels per class at most; 0: svm.DEFAULT_CAP of the classifier
    seed: int = 1

    def problem(self):
        """What is wrong with the settings (text with the fix), or None."""
        if not 0.0 < self.keep <= 1.0:
            return "the kept fraction of each class must be in (0, 1], e.g. 0.5"
        if not 0.5 < self.membership < 1.0:
            return "the k-means membership must be between 0.5 and 1 (exclusive), e.g. 0.9"
        if self.cap < 0:
            return "the training pixels per class must be >= 0 (0 = automatic)"
        return None

    @property
    def pixels_per_class(self):
        return self.cap or svm.DEFAULT_CAP[self.classifier]


def classify_rasters(dst, image_1=None, image_2=None, di=None, bands=(1,), options=None,
                     label_path=None, label_text=None, model_in=None, dst_model=None, notify=None,
                     progress=None, is_canceled=None):
    """Write the uint8 change mask of two dates (or of a DI raster) at ``dst``; returns the written paths.

    ``image_1``, ``image_2``: rasters of the two dates on one grid (both or
    neither); ``di``: a precomputed difference image on that grid (used
    instead of ``options.di_method``). ``bands``: 1-based bands compared.
    ``label_path``: a raster of labels on the grid (1 or 255 change, 0 no
    change, other values unlabelled) for the 'polygons' and
    'reference_mask' label sources, described as ``label_text`` in
    messages. ``model_in``: a saved .onnx model applied instead of
    training; ``dst_model``: where to write the trained model (written last,
    so a cancel leaves no file). ``notify(event, **values)``: messages (see
    ``EVENTS``); ``progress(percent)``, ``is_canceled()``: optional
    callbacks; a cancel raises Cancelled and leaves no output.
    Returns {"mask": dst, "model": the model path written or None}.
    Raises ValueError / RasterError with the fix for bad inputs, ImportError
    when a needed package is missing.
    """
    say = notify or (lambda event, **values: None)
    options = options or SvmOptions()
    paths = {k: v for k, v in (("image_1", image_1), ("image_2", image_2), ("di", di)) if v}
    if ("image_1" in paths) != ("image_2" in paths):
        raise ValueError("give both images (earlier and later), or neither and a difference image")
    if "image_1" not in paths and "di" not in paths:
        raise ValueError("give the two images, or a difference image")
    bands = tuple(sorted(set(bands))) or (1,)
    # GDAL's block cache would otherwise grow to GDAL_CACHEMAX (5 % of RAM) over the sampling passes
    # and the conversion to uint8, which read the whole scene outside the block engine.
    with gdal_cache_budget():
        return _classify(dst, paths, bands, options, label_path, label_text, model_in, dst_model, say,
                         progress, is_canceled)


def _classify(dst, paths, bands, options, label_path, label_text, model_in, dst_model, say, progress,
              is_canceled):
    spec, runner = _feature_spec(options, paths, bands, model_in, say)
    vrt, vrt_bands, ref_path = _stack(spec, paths, options.scale)
    try:
        say("features", n=len(spec.names), names=", ".join(spec.names), m=spec.margin)
        model_data = None
        if runner is None:
            trained = _train(options, spec, vrt, vrt_bands, ref_path, label_path, label_text, say, progress,
                             is_canceled)
            runner, model_data = _export(trained, spec, dst_model, say)
        else:
            runner.check_features(len(spec.names), spec.names)
            if dst_model:
                say("model_applied_not_written")
        _predict(runner, spec, vrt, vrt_bands, dst, progress, is_canceled)
        written = None
        if model_data is not None and dst_model:
            outputs.write_bytes(dst_model, model_data)
            written = dst_model
            say("model_saved", path=dst_model)
    finally:
        gdal.Unlink(vrt)
    return {"mask": dst, "model": written}


def _feature_spec(o, paths, bands, model_in, say):
    """(FeatureSpec, runner or None): from a saved model's metadata, or from the options."""
    has_images, has_di = "image_1" in paths, "di" in paths
    di_bands = read_info(paths["di"]).bands if has_di else 0
    if model_in:
        if not onnx_runtime.available():
            raise ImportError(onnx_runtime.INSTALL_HINT)
        runner = svm.load_model(model_in, threads=1)
        spec = features.FeatureSpec.from_metadata(runner.metadata, scale=o.scale)
        if spec.images and not has_images:
            raise ValueError(f"the model {model_in} was trained on features of the two images "
                             f"(bands {list(spec.bands)}): give the two images")
        if spec.di_method == features.PRECOMPUTED and not has_di:
            raise ValueError(f"the model {model_in} was trained on a precomputed difference image with "
                             f"{spec.di_bands} band(s): give a difference image")
        if spec.di_method == features.PRECOMPUTED and di_bands != spec.di_bands:
            raise ValueError(f"the model {model_in} expects a difference image with {spec.di_bands} "
                             f"band(s); the one given has {di_bands}")
        if has_di and spec.di_method != features.PRECOMPUTED:
            say("di_not_used", di=spec.di_method)
        summary = svm.training_summary(runner)
        say("applying_model", path=model_in, clf=runner.metadata.get("classifier"), di=spec.di_method,
            w=list(spec.windows), b=list(spec.bands), bs=spec.include_backscatter,
            src=summary.get("label_source", "?"), n0=summary.get("n_no_change", "?"),
            n1=summary.get("n_change", "?"))
        return spec, runner
    use_images = has_images and (not has_di or o.backscatter)
    spec = features.FeatureSpec(
        di_method=features.PRECOMPUTED if has_di else o.di_method,
        bands=tuple(bands) if use_images else (), di_bands=di_bands, windows=tuple(o.windows),
        include_backscatter=o.backscatter, scale=o.scale, images=use_images)
    if has_di:
        say("using_di", n=di_bands)
    return spec, None


def _stack(spec, paths, scale):
    """VRT of the inputs, its band numbers in FeatureSpec order, and the reference raster path."""
    stack, vrt_bands, offset = [], [], 0
    if spec.images:
        for key in ("image_1", "image_2"):
            info = read_info(paths[key])
            for b in spec.bands:
                if not 1 <= b <= info.bands:
                    raise RasterError(f"{paths[key]} has {info.bands} band(s); band {b} does not exist")
            raster_sampling.check_input_scale(paths[key], scale, list(spec.bands))
            stack.append(paths[key])
            vrt_bands += [offset + b for b in spec.bands]
            offset += info.bands
    if spec.di_method == features.PRECOMPUTED:
        info = read_info(paths["di"])
        stack.append(paths["di"])
        vrt_bands += [offset + b for b in range(1, info.bands + 1)]
    return stack_vrt(stack), vrt_bands, stack[0]


def _train(o, spec, vrt, vrt_bands, ref_path, label_path, label_text, say, progress, is_canceled):
    """Collect the training sample block by block and fit the SVM; returns a TrainedSvm."""
    svm._sklearn()
    names = spec.names
    source = o.label_source
    extra = {}
    if source != svm.PSEUDO_LABELS and not label_path:
        raise ValueError(f"the {source.replace('_', ' ')} labels need a label raster on the images' grid")
    if source == svm.REFERENCE_MASK:
        why = grid_mismatch(read_info(label_path), read_info(ref_path))
        if why:
            raise RasterError(f"reference mask {label_path} is not on the grid of {ref_path}: {why}. "
                              "Resample it onto the images' grid first")
    label_text = label_text or {svm.PSEUDO_LABELS: "the pseudo-labels",
                                svm.REFERENCE_MASK: f"reference mask {label_path}"}.get(source, label_path)
    cap, seed = o.pixels_per_class, o.seed

    def blocks(start, stop, labels=None):
        return features.feature_blocks(vrt, spec.compute, spec.margin, bands=vrt_bands, label_path=labels,
                                       progress=progress_range(progress, start, stop),
                                       is_canceled=is_canceled)

    sampler = svm.ClassSampler(cap, seed)
    if source == svm.PSEUDO_LABELS:
        rows_sampler = svm.ClassSampler(svm.PSEUDO_SAMPLE, seed, classes=(0,))
        for _, block, _ in blocks(0, 20):
            rows, _ = svm.valid_rows(block)
            rows_sampler.add(rows, np.zeros(rows.shape[0], np.int8))
        rule = svm.fit_pseudo_labels(rows_sampler.result()[0], names, o.pseudo_method, o.keep, o.membership,
                                     seed, log_score=spec.di_method == difference.RATIO)
        say("pseudo_rule", rule=rule.summary())
        for _, block, _ in blocks(20, 40):
            rows, _ = svm.valid_rows(block)
            sampler.add(rows, rule.labels(rows))
        extra["pseudo_labels"] = rule.summary()
    else:
        for _, block, labels in blocks(0, 40, label_path):
            rows, valid = svm.valid_rows(block)
            sampler.add(rows, svm.labels_from_values(labels)[valid])
    svm.check_labels(sampler.seen, label_text)
    say("labelled", n0=sampler.seen[svm.NO_CHANGE], n1=sampler.seen[svm.CHANGE],
        k0=sampler.counts[svm.NO_CHANGE], k1=sampler.counts[svm.CHANGE], cap=cap, seed=seed)
    if is_canceled is not None and is_canceled():
        raise Cancelled("cancelled by the user")
    X, y = sampler.result()
    extra.update(labelled_no_change=sampler.seen[svm.NO_CHANGE], labelled_change=sampler.seen[svm.CHANGE],
                 cap_per_class=cap)
    trained = svm.train_svm(X, y, names, o.classifier, seed=seed, label_source=source, extra=extra)
    say("trained", clf=svm.CLASSIFIER_LABELS[o.classifier], acc=trained.summary["training_accuracy"])
    return trained


def _export(trained, spec, dst_model, say):
    """(runner for inference, ONNX bytes or None): onnxruntime when possible, else scikit-learn."""
    try:
        data = svm.to_onnx(trained, spec.to_metadata())
    except ImportError as exc:
        if dst_model:
            say("model_not_saved", error=exc)
        else:
            say("no_skl2onnx")
        return trained, None
    if onnx_runtime.available():
        return svm.load_model(data, threads=1), data
    say("no_onnxruntime")
    return trained, data


def _predict(runner, spec, vrt, vrt_bands, dst, progress, is_canceled):
    """Write the uint8 change mask block by block."""
    def func(block):
        return svm.classify(runner, spec.compute(block))[None].astype(np.float32)

    tmp = temporary_path(dst)
    try:
        map_raster(vrt, tmp, func, spec.margin, 1, bands=vrt_bands, nodata=svm.NODATA,
                   progress=progress_range(progress, 40, 95), is_canceled=is_canceled)
        if is_canceled is not None and is_canceled():  # cancelled during the last block
            raise Cancelled("cancelled by the user")
        translate_output(tmp, dst, ["change (1 change, 0 no change, 255 no data)"], bands=1,
                         outputType=gdal.GDT_Byte, noData=svm.NODATA, creationOptions=geotiff_options())
    except outputs.OutputError as exc:
        raise outputs.OutputError(dst, exc.reason, exc.fix) from exc
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    if progress is not None:
        progress(100.0)
