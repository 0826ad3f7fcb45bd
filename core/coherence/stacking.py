"""Learned coherence corrected by the intensity correlation: a two-way table fitted on validation pairs.

The coherence network regresses towards the common, low coherences: on its
validation pairs it never predicts above about 0.73 and under-estimates the
rare, coherent urban pixels (reference 0.6-0.9) by 0.2-0.37, while the
intensity correlation (Catelli, Monti Guarnieri & Prati 1996) is biased
high everywhere but only slightly at high coherence. Neither alone tells
how coherent a pixel is; the pair does: a table indexed by (network
coherence, intensity correlation over the reference window), each in
``bins`` equal bins of 0-1, holds the mean reference coherence and the RMS
spread around it of the validation pixels in that cell (a nonparametric
regression; stacking, Wolpert 1992). Cells with fewer than ``min_count``
pixels keep the network's coherence and sigma. Numpy only (QGIS side).
"""
import json

import numpy as np

#: Table file format version.
FORMAT = 1


def cell_index(coherence, correlation, bins):
    """Flat table cell of each pixel: row from the network ``coherence``, column from the intensity
    ``correlation`` (both 0-1; values outside are put in the end bins)."""
    row = np.clip((np.asarray(coherence, np.float64) * bins).astype(np.int64), 0, bins - 1)
    col = np.clip((np.asarray(correlation, np.float64) * bins).astype(np.int64), 0, bins - 1)
    return row * bins + col


def fit_table(coherence, correlation, reference, window, bins=20, min_count=50, provenance=None):
    """Table (dict) of the mean reference coherence and its RMS spread (coherence units) per cell of
    (network coherence, intensity correlation), from 1-D arrays of valid pixels; ``window``: side (pixels)
    of the window of the correlation (window-correlation form, ``estimation.PEARSON``); ``min_count``:
    pixels below which a cell is left empty (NaN)."""
    idx = cell_index(coherence, correlation, bins)
    ref = np.asarray(reference, np.float64)
    n = np.bincount(idx, minlength=bins * bins).astype(np.float64)
    mean = np.bincount(idx, ref, bins * bins) / np.maximum(n, 1)
    spread = np.sqrt(np.maximum(np.bincount(idx, ref * ref, bins * bins) / np.maximum(n, 1) - mean ** 2, 0.0))
    empty = n < min_count
    mean[empty] = np.nan
    spread[empty] = np.nan
    return {"format": FORMAT, "window": int(window), "bins": int(bins), "min_count": int(min_count),
            "mean": mean.reshape(bins, bins).tolist(), "spread": spread.reshape(bins, bins).tolist(),
            "pixels": n.astype(np.int64).reshape(bins, bins).tolist(), "provenance": provenance or {}}


def apply_table(table, coherence, sigma, correlation):
    """(coherence, sigma) float32 corrected by ``table``: the cell's mean reference coherence and RMS
    spread where the cell is filled, the network's ``coherence`` and ``sigma`` elsewhere and where the
    correlation is NaN (no data stays NaN)."""
    bins = int(table["bins"])
    mean = np.asarray(table["mean"], np.float64).ravel()
    spread = np.asarray(table["spread"], np.float64).ravel()
    coherence = np.asarray(coherence, np.float32)
    ok = np.isfinite(coherence) & np.isfinite(correlation)
    idx = cell_index(np.where(ok, coherence, 0.0), np.where(ok, correlation, 0.0), bins)
    filled = ok & np.isfinite(mean[idx])
    out_c = np.where(filled, mean[idx], coherence).astype(np.float32)
    out_s = np.where(filled, spread[idx], sigma).astype(np.float32)
    return out_c, out_s


def save_table(table, path):
    """Write ``table`` as JSON (NaN cells as null)."""
    clean = {k: ([[None if not np.isfinite(v) else v for v in row] for row in val]
                 if k in ("mean", "spread") else val) for k, val in table.items()}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(clean, f, indent=1)


def load_table(path):
    """Table read by ``save_table``; ValueError naming the file when it is not one."""
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
        bins, table["window"] = int(table["bins"]), int(table["window"])
        for key in ("mean", "spread"):
            table[key] = [[np.nan if v is None else float(v) for v in row] for row in table[key]]
            if np.shape(table[key]) != (bins, bins):
                raise ValueError(f"{key} is not {bins} x {bins}")
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a coherence correction table ({exc}): write one with "
                         "benchmarks/coherence_stacking.py") from exc
    return table
