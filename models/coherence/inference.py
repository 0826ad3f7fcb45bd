"""Whole-scene inference of coherence models with onnxruntime (no torch: usable inside QGIS).

``open_model`` loads an exported model through the framework runner
(``models.framework.runner``) and refuses a model of another kind with the
fix; ``block_function`` turns it into a block function for the block engine
(``core.engine.raster_blocks.map_raster``): detected images of any supported scale
in, (coherence, sigma) out, each block run in blended tiles with the
model's overlap as the block halo. With a correction table, a model with the
``schema.OUTPUT_CORRELATED`` output gives the table's 3 x 3 intensity correlation
itself (no numpy window sums; the outputs within 1e-4 of the numpy path,
tests/test_models_coherence.py).
"""
import os
import threading

import numpy as np

from ..framework import runner
from . import schema

#: The shipped model (trained and benchmarked by benchmarks/coherence.py --ship).
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "coherence.onnx")
#: The shipped model's correction by the intensity correlation (written by benchmarks/coherence_stacking.py
#: --write from the model's validation pairs; ``core.coherence.stacking``).
SHIPPED_CORRECTION = os.path.join(os.path.dirname(SHIPPED_MODEL), "coherence_stacking.json")
TRAIN_HINT = ("train one with 'Train coherence model' (sarchange:traincoherence) or "
              "python -m sar_change.models.coherence.cli")


def open_model(model=None, threads=2):
    """A ``TiledModel`` of a coherence model (path; None: the shipped one). ValueError naming the file and
    the fix when it is missing, not ONNX, or of another kind."""
    path = SHIPPED_MODEL if model is None else os.fspath(model)
    if not os.path.isfile(path):
        what = "no model given and no shipped model at" if model is None else "model"
        raise ValueError(f"{what} {path} does not exist: {TRAIN_HINT}")
    try:
        tiled = runner.load(path, kind=schema.KIND, version=schema.VERSION, threads=threads)
    except ValueError as exc:
        raise ValueError(f"{exc}. Give a coherence model (kind {schema.KIND!r}) or {TRAIN_HINT}") from exc
    names = [s.name for s in tiled.outputs]
    if schema.OUTPUT not in names:
        raise ValueError(f"model {path} has no output {schema.OUTPUT!r} (outputs {names}): {TRAIN_HINT}")
    return tiled


def shipped_correction(model):
    """The shipped correction table (``core.coherence.stacking``) when it was fitted for ``model`` (a
    loaded ``TiledModel``: same training run, by its finishing time), else None (no table, or a table
    of an earlier shipped model: refit it with benchmarks/coherence_stacking.py --write)."""
    from ...core.coherence import stacking

    if not os.path.isfile(SHIPPED_CORRECTION):
        return None
    table = stacking.load_table(SHIPPED_CORRECTION)
    finished = ((getattr(model, "info", None) or {}).get("training") or {}).get("finished")
    if finished is None or table["provenance"].get("model_finished") != finished:
        return None
    return table


def extra_inputs(model, baseline_days=None, weather=None):
    """The feed besides the images for a loaded model (``TiledModel``): the temporal baseline (days) for a
    model that takes it (ValueError when missing or not > 0), and the ``weather`` ({condition: value} or a
    ``schema.weather_vector``; None: all unknown) for a weather model. A model without the weather input
    ignores the weather (``ignored_weather`` tells the caller)."""
    feed = {}
    # Not fixed in the graph (TiledModel.specialised): the baseline is one constant input channel of the
    # stem, nothing onnxruntime can fold into the convolutions, and the fixed graph runs one tile per call:
    # 0.81x the speed (benchmarks/coherence_baseline_speed.py).
    if schema.uses_baseline(model):
        if baseline_days is None or not float(baseline_days) > 0:
            raise ValueError("this model takes the temporal baseline of the pair: give it in days (> 0)")
        feed[schema.INPUT_BASELINE] = np.array([float(baseline_days)], dtype=np.float32)
    if schema.uses_weather(model):
        feed[schema.INPUT_WEATHER] = weather_array(weather)
    return feed


def weather_array(weather):
    """float32 (K,) weather vector of ``weather`` (dict, vector or None = all unknown)."""
    if weather is None:
        return np.full(len(schema.WEATHER_NAMES), np.nan, dtype=np.float32)
    if isinstance(weather, dict):
        return schema.weather_vector(weather)
    vector = np.asarray(weather, dtype=np.float32).reshape(-1)
    if vector.size != len(schema.WEATHER_NAMES):
        raise ValueError(f"the weather vector has {vector.size} values; give {len(schema.WEATHER_NAMES)} "
                         f"({', '.join(schema.WEATHER_NAMES)})")
    return vector


def ignored_weather(model, weather):
    """True when ``weather`` holds a known value but ``model`` does not take the weather."""
    return (not schema.uses_weather(model) and weather is not None
            and bool(np.isfinite(weather_array(weather)).any()))


def block_function(model, scale="linear", baseline_days=None, tile=None, correction=None, weather=None):
    """(func, margin): ``func`` maps a (2, rows, cols) block of the two dates in ``scale`` ('linear',
    'amplitude' or 'db') to (2, rows, cols) float32 coherence and sigma (NaN where an input is no data);
    ``margin``: the block halo in pixels (the model's tile overlap). ``baseline_days``: the pair's
    temporal baseline, required when the model takes it. ``weather``: the pair's conditions for a weather
    model ({name: value} of ``schema.WEATHER_NAMES`` or a vector; None or NaN: unknown). ``correction``: a
    table of ``core.coherence.stacking`` (fitted for this model): coherence and sigma corrected by the
    intensity correlation over the table's window (which must fit in the halo)."""
    from ...core.coherence import estimation, stacking
    from ...core.engine.scale import DB, to_linear_power

    feed_extra = extra_inputs(model, baseline_days, weather)

    def func(block):
        if scale == DB:
            db = np.asarray(block[:2], dtype=np.float32)
        else:
            db = np.stack([schema.to_db(to_linear_power(block[k], scale)) for k in range(2)])
            db[~np.isfinite(block[:2])] = np.nan
        if not np.isfinite(db).any():
            return np.full((2,) + db.shape[1:], np.nan, dtype=np.float32)
        found = {}
        if from_graph and graph_correlation_exact(db):
            out = model.predict({schema.INPUT_IMAGES: db, **feed_extra}, tile=tile,
                                output=schema.OUTPUT_CORRELATED)
            found["corr"] = out[2]
            mend_padded_edges(found["corr"], db)
            out = out[:2]
        else:
            out = predict_beside_correlation(db, found)
        out[0] = np.clip(out[0], 0.0, 1.0)
        if correction is not None:
            if "error" in found:
                raise found["error"]
            out[0], out[1] = stacking.apply_table(correction, out[0], out[1], found["corr"])
        return out

    def predict_beside_correlation(db, found):
        """The network's outputs; with a correction, ``found['corr']`` (or ``found['error']``) from numpy on a
        thread of its own while onnxruntime runs the network (both release the GIL)."""
        worker = None
        if correction is not None:
            def work():
                try:
                    found["corr"] = window_correlation(db)
                except Exception as exc:  # noqa: BLE001 (raised again on the caller's thread)
                    found["error"] = exc

            worker = threading.Thread(target=work)
            worker.start()
        try:
            return model.predict({schema.INPUT_IMAGES: db, **feed_extra}, tile=tile)
        finally:
            if worker is not None:
                worker.join()

    def window_correlation(db):
        power = 10.0 ** (db / 10.0)
        # float32 window sums: 2.5x faster than float64, within 1e-4 of it (tests/test_core_coherence.py)
        return estimation.intensity_coherence(power[0], power[1], correction["window"], estimation.PEARSON,
                                              dtype=np.float32)

    def mend_padded_edges(corr, db):
        """The last rows / columns of ``corr`` whose window the tiled run extended by reflection (the image
        not a multiple of the model's size multiple) from ``window_correlation`` of a strip, in place."""
        half = correction["window"] // 2
        rows, cols = db.shape[1:]
        if rows % model.size_multiple:
            corr[-half:] = window_correlation(db[:, -2 * half:])[-half:]
        if cols % model.size_multiple:
            corr[:, -half:] = window_correlation(db[:, :, -2 * half:])[:, -half:]

    # The graph's correlation (``schema.OUTPUT_CORRELATED``, the window features the network computes anyway)
    # replaces ``window_correlation`` when it is the same: the table's window, every pixel valid (numpy
    # leaves invalid pixels out of a window, the tiled runner fills them) and inside the graph's dB clamp.
    from_graph = (correction is not None and schema.correlation_output(model)
                  and correction["window"] == schema.CORRELATION_WINDOW)

    def graph_correlation_exact(db):
        lo, hi = db.min(), db.max()  # NaN when any pixel is no data
        inside = bool(lo >= schema.DB_FLOOR and hi <= schema.DB_CEIL)
        return inside and min(db.shape[1:]) > correction["window"]

    if correction is not None and correction["window"] // 2 > model.overlap:
        raise ValueError(f"the correction's {correction['window']}-pixel window exceeds the model's "
                         f"{model.overlap}-pixel overlap")
    return func, int(model.overlap)
