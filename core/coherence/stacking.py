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
regression; stacking, Wolpert 1992). A pixel's corrected values are
interpolated bilinearly between the four nearest cell centres (no banding:
the output is continuous in both inputs, and equals the cell's values at its
centre); cells with fewer than ``min_count`` pixels hold the pixel's own
network coherence and sigma there, so where all four are sparse the network's
values come out unchanged. Numpy only (QGIS side).
"""
import json

import numpy as np

#: Table file format version (2: applied by bilinear interpolation between cell centres).
FORMAT = 2


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


def centre_coordinate(value, bins):
    """(lower cell, weight of the upper cell) of each ``value`` (0-1) between the centres (k + 0.5) / bins
    of two neighbouring cells: lower cell in 0..bins-2, weight in [0, 1] (0 below the first centre, 1
    above the last: the end cells' values are held constant there)."""
    u = np.asarray(value, np.float32) * np.float32(bins)
    u -= np.float32(0.5)
    np.maximum(u, np.float32(0.0), out=u)
    np.minimum(u, np.float32(bins - 1), out=u)
    lower = np.minimum(u.astype(np.intp), bins - 2)
    u -= lower
    return lower, u


def apply_table(table, coherence, sigma, correlation):
    """(coherence, sigma) float32 corrected by ``table``: bilinear interpolation between the cell centres
    of the mean reference coherence and of its RMS spread, a sparse (NaN) cell holding the pixel's own
    ``coherence`` and ``sigma``; unchanged where the correlation is NaN (no data stays NaN). Coherence in
    [0, 1] when the network's is."""
    bins = int(table["bins"])
    mean = np.asarray(table["mean"], np.float32)
    spread = np.asarray(table["spread"], np.float32)
    filled = np.isfinite(mean) & np.isfinite(spread)
    coherence = np.asarray(coherence, np.float32)
    sigma = np.asarray(sigma, np.float32)
    ok = np.isfinite(coherence) & np.isfinite(correlation)
    row, fr = centre_coordinate(np.where(ok, coherence, 0.0), bins)
    col, fc = centre_coordinate(np.where(ok, correlation, 0.0), bins)
    # the four neighbouring cell centres: cell k, the next column, the next row, both
    corners = [row * bins + col]
    corners += [corners[0] + 1, corners[0] + bins, corners[0] + (bins + 1)]

    def interpolate(cells):
        flat = cells.astype(np.float32).ravel()
        top, right, below, diagonal = (np.take(flat, k) for k in corners)
        top += fc * (right - top)
        below += fc * (diagonal - below)
        below -= top
        below *= fr
        return top + below

    # Sparse cells hold the pixel's own values: the interpolated share w of filled cells weighs the
    # table, 1 - w the network (w = 1 inside the filled cells, 0 among sparse ones).
    own = 1.0 - interpolate(filled)
    out_c = interpolate(np.where(filled, mean, 0.0)) + own * coherence
    out_s = interpolate(np.where(filled, spread, 0.0)) + own * sigma
    out_c = np.where(ok, np.clip(out_c, 0.0, 1.0), coherence).astype(np.float32)
    out_s = np.where(ok, out_s, sigma).astype(np.float32)
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
        if table.get("format") != FORMAT:
            raise ValueError(f"format {table.get('format')}, this version reads format {FORMAT}")
        bins, table["window"] = int(table["bins"]), int(table["window"])
        for key in ("mean", "spread"):
            table[key] = [[np.nan if v is None else float(v) for v in row] for row in table[key]]
            if np.shape(table[key]) != (bins, bins):
                raise ValueError(f"{key} is not {bins} x {bins}")
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} is not a coherence correction table ({exc}): write one with "
                         "benchmarks/coherence_stacking.py") from exc
    return table
