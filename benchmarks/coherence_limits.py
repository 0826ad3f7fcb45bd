"""What keeps the learned coherence above 0.10 RMSE against the 3 x 3 reference (validation pairs only).

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_limits.py

On the shipped model's VALIDATION pairs (the last dates of the training scenes; the held-out test scenes
play no part), every fitted mapping cross-fitted on halves of the training scenes (fitted on one half,
scored on the other, both ways), as in benchmarks/coherence_stacking.py:
1. floors: the RMSE against the reference of E[reference | true coherence] (a 100-bin table of the
   simulator's truth: an estimator that knew the true coherence exactly, but not the speckle of the
   complex pair behind the 3 x 3 sample coherence), and of E[reference | truth, 3 x 3 intensity
   correlation] (the detected images share that speckle, so they tell a little of it); per class;
2. what more context buys over the shipped correction (network, 3 x 3 correlation): a gradient-boosted
   regressor (scikit-learn) on the network's coherence and sigma, the intensity correlation over 3, 5, 7
   and 11 px and the two dates' 3 x 3 and 11 x 11 mean dB; the same regressor on the truth and the
   same intensity features (how far context alone goes when the truth is known);
3. the training curve of the shipped model (its card's validation RMSE by epoch: what a longer run
   may add).
"""
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".plugins"))
sys.path.insert(0, HERE)

import coherence as bench  # noqa: E402  (benchmarks/coherence.py: windows, looks)

from sar_change.core.coherence import estimation as coh  # noqa: E402
from sar_change.core.coherence import stacking  # noqa: E402
from sar_change.core.engine.raster_blocks import read_array  # noqa: E402
from sar_change.core.simulator.landcover import CLASS_NAMES  # noqa: E402
from sar_change.models.coherence import dataset as ds  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402
from sar_change.models.framework import export as fx  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402

CORRELATION_WINDOWS = (3, 5, 7, 11)


def box_mean(a, size):
    """Mean over a centred size x size window (edges: the pixels inside the image)."""
    return coh.box_sum_2d(a, size) / coh.box_sum_2d(np.ones_like(a), size)


def pixels(model, folders):
    """Dict of 1-D arrays over the valid pixels: class, scene, reference, truth, network coherence and
    sigma, and the intensity features."""
    cols = {}
    for folder in folders:
        pair = ds.Pair(folder)
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        db = np.where(pair.valid, pair.db, np.nan).astype(np.float32)
        pred = model.predict({schema.INPUT_IMAGES: db, **bench.baseline_feed(model, pair.baseline_days)})
        lin = 10.0 ** (db.astype(np.float64) / 10.0)
        feats = {f"corr {w}x{w}": coh.intensity_coherence(lin[0], lin[1], w, coh.PEARSON)
                 for w in CORRELATION_WINDOWS}
        for w in (3, 11):
            for k in range(2):
                feats[f"dB {k + 1} {w}x{w}"] = box_mean(np.nan_to_num(db[k].astype(np.float64)), w)
        ok = pair.valid & np.isfinite(pred[0]) & np.isfinite(truth) & (pair.landcover > 0)
        for f in feats.values():
            ok &= np.isfinite(f)
        scene = os.path.basename(os.path.dirname(os.path.normpath(folder)))
        values = {"cls": pair.landcover, "ref": pair.target, "truth": np.clip(truth, 0, 1),
                  "net": np.clip(pred[0], 0, 1), "sigma": pred[1], **feats}
        for key, value in values.items():
            cols.setdefault(key, []).append(value[ok])
        cols.setdefault("scene", []).append(np.full(int(ok.sum()), scene))
    return {k: np.concatenate(v) for k, v in cols.items()}


def rmse_line(name, pred, d):
    e = pred - d["ref"]
    per = " ".join(f"{CLASS_NAMES.get(int(k), k)} {np.sqrt(np.mean(e[d['cls'] == k] ** 2)):.3f}"
                   for k in np.unique(d["cls"]))
    return f"{name:58s} RMSE {np.sqrt(np.mean(e ** 2)):.4f} ({per})"


def cross_fit(d, fit_predict):
    """Predictions over all pixels, each half of the scenes predicted by ``fit_predict(fit, other)``
    (boolean masks) fitted on the other half."""
    scenes = sorted(set(d["scene"]))
    half = np.isin(d["scene"], scenes[::2])
    out = np.empty(d["ref"].size)
    for fit in (half, ~half):
        out[~fit] = fit_predict(fit, ~fit)
    return out


def truth_table(d, fit, other, bins=100):
    """E[reference | truth] from a ``bins``-bin table fitted on ``fit``, read at ``other``."""
    idx = np.clip((d["truth"] * bins).astype(int), 0, bins - 1)
    n = np.bincount(idx[fit], minlength=bins)
    mean = np.bincount(idx[fit], d["ref"][fit], bins) / np.maximum(n, 1)
    return np.where(n > 0, mean, (np.arange(bins) + 0.5) / bins)[idx[other]]


def stacked(d, first, fit, other, bins=20):
    """The shipped correction's table on (``first``, 3 x 3 correlation), fitted on ``fit``."""
    table = stacking.fit_table(d[first][fit], d["corr 3x3"][fit], d["ref"][fit], 3, bins, 50)
    return stacking.apply_table(table, d[first][other], np.zeros(int(other.sum())), d["corr 3x3"][other])[0]


def boosted(d, names, fit, other, sample=400000, seed=0):
    """Gradient-boosted regression of the reference on the features ``names``, fitted on at most
    ``sample`` pixels of ``fit``."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    x = np.stack([d[n] for n in names], 1).astype(np.float32)
    rows = np.flatnonzero(fit)
    rows = np.random.default_rng(seed).choice(rows, min(sample, rows.size), replace=False)
    reg = HistGradientBoostingRegressor(max_iter=200, learning_rate=0.1, max_leaf_nodes=63, random_state=seed)
    reg.fit(x[rows], d["ref"][rows])
    return np.clip(reg.predict(x[other]), 0, 1)


def main():
    t0 = time.perf_counter()
    model = inference.open_model(inference.SHIPPED_MODEL, threads=2)
    meta = md.parse_metadata(fx.read_metadata(inference.SHIPPED_MODEL))
    d = pixels(model, meta["training"]["pairs"]["validation"])
    print(f"## Validation pairs of the shipped model ({len(meta['training']['pairs']['validation'])}, "
          f"{d['ref'].size} px), cross-fitted on halves of the training scenes\n")
    print(rmse_line("reference vs truth (the reference's own error)", d["truth"], d))
    print(rmse_line("floor: E[reference | truth]", cross_fit(d, lambda f, o: truth_table(d, f, o)), d))
    print(rmse_line("floor: E[reference | truth, corr 3x3] (20 x 20 table)",
                    cross_fit(d, lambda f, o: stacked(d, "truth", f, o)), d))
    print(rmse_line("network", d["net"], d))
    print(rmse_line("network + shipped correction (20 x 20 table)",
                    cross_fit(d, lambda f, o: stacked(d, "net", f, o)), d))
    intensity = [f"corr {w}x{w}" for w in CORRELATION_WINDOWS] + [
        f"dB {k} {w}x{w}" for w in (3, 11) for k in (1, 2)]
    print(rmse_line("boosted: network, sigma, corr 3-11 px, mean dB 3/11 px",
                    cross_fit(d, lambda f, o: boosted(d, ["net", "sigma"] + intensity, f, o)), d))
    print(rmse_line("boosted: corr 3-11 px, mean dB 3/11 px (no network)",
                    cross_fit(d, lambda f, o: boosted(d, intensity, f, o)), d))
    print(rmse_line("boosted: truth, corr 3-11 px, mean dB 3/11 px",
                    cross_fit(d, lambda f, o: boosted(d, ["truth"] + intensity, f, o)), d))
    history = (meta.get("metrics") or {}).get("history") or []
    marks = [h for h in history if h["epoch"] in (10, 25, 50, 75, 100, 125) or h is history[-1]]
    print("\nshipped model's validation RMSE by epoch (card): "
          + ", ".join(f"{h['epoch']}: {h['val_rmse']:.4f}" for h in marks)
          + f"; stopped: {meta['training'].get('stopped')} after {meta['training'].get('seconds')} s")
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
