"""What keeps the learned coherence above 0.10 RMSE against the 3 x 3 reference (validation pairs only).

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_limits.py \
        [--out FILE] [--draws 32] [--no-fits]

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
3. the lower bound for ANY estimator from the two intensities: the exact posterior of the reference
   (core/simulator/reference_posterior.py) given the true coherence, the true sigma0 of both dates
   (the simulator's speckle-free stack) and the intensities of every pixel, sampled ``--draws`` times per
   pixel. This oracle knows more than the network (given the truth, pixels outside the window carry
   independent speckle), so the square root of its mean posterior variance bounds every such
   estimator's RMSE from below; nothing is fitted. Its posterior mean scored against the reference
   checks the posterior on the actual draws (its RMSE less the Monte Carlo noise equals the bound when the
   posterior is right). The same
   bound for 5 x 5 and 7 x 7 references of the same draw (what a larger reference window would allow);
4. what the network misses, by plug-ins into that posterior (nothing fitted): the true sigma0 replaced
   by the 7 x 7 mean intensity (truth + intensities only), the truth replaced by the network's output
   read as a coherence (the inverse of the 36-look expected sample coherence), both replaced (an
   estimator from the intensities alone); and the network less each pair's own mean error (what a
   perfect per-pair scalar, such as the weather between the dates, could add), with the correlation
   of that per-pair error with the pair's rain, snowfall, melt, wind and mean true coherence;
5. the training curve of the shipped model (its card's validation RMSE by epoch: what a longer run
   may add).
"""
import argparse
import csv
import datetime
import functools
import os
import subprocess
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
from sar_change.core.simulator.reference_posterior import ReferencePosterior, true_powers  # noqa: E402
from sar_change.models.coherence import dataset as ds  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402
from sar_change.models.framework import export as fx  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402

CORRELATION_WINDOWS = (3, 5, 7, 11)
BOUND_WINDOWS = (3, 5, 7)  # reference windows (pixels) whose intensity-conditional floor is reported
SIGMA0_WINDOW = 7  # pixels: the plug-in sigma0 of a date is its intensity's mean over 7 x 7 (196 looks)


def box_mean(a, size):
    """Mean over a centred size x size window (edges: the pixels inside the image)."""
    return coh.box_sum_2d(a, size) / coh.box_sum_2d(np.ones_like(a), size)


@functools.lru_cache(maxsize=None)
def _touzi_table(looks):
    g = np.linspace(0.0, 0.99, 500)  # the Touzi series grows as 1 / (1 - g^2): stop at 0.99
    return g, np.ravel(coh.expected_sample_coherence(g, looks))


def gamma_from_reference_scale(coherence, looks):
    """The true coherence whose expected N-look sample coherence (Touzi et al. 1999) is ``coherence``
    (0 below the expectation at gamma = 0, at most 0.99): the network's output read as a coherence."""
    g, expected = _touzi_table(int(looks))
    return np.interp(coherence, expected, g, left=0.0)


def oracle(folder, truth, net, draws, rng):
    """Posterior {name: (mean, variance)} of the reference coherence of a pair ``folder``.

    "bound w": the exact posterior of a ``w`` x ``w`` reference (each of BOUND_WINDOWS) given the truth,
    the true sigma0 and the intensities; at the pair's own window, plug-ins that replace what an
    estimator cannot know: "truth, sigma0 est" (sigma0 = the intensity's SIGMA0_WINDOW mean), "net,
    true sigma0" and "net, sigma0 est" (gamma = the network's ``net`` read as a coherence)."""
    with open(os.path.join(folder, "pair.csv"), newline="", encoding="utf-8") as f:
        row = next(csv.DictReader(f))
    looks, window = int(row["looks"]), int(row["window"])
    p1, p2 = true_powers(folder)
    i1, i2 = (read_array(os.path.join(folder, name)) for name in ds.FILES[:2])
    est = [box_mean(np.nan_to_num(i.astype(np.float64)), SIGMA0_WINDOW) for i in (i1, i2)]
    g_net = gamma_from_reference_scale(net, looks * window * window)
    out = {f"bound {w}": ReferencePosterior(looks, w).moments(truth, p1, p2, i1, i2, draws, rng)
           for w in BOUND_WINDOWS}
    post = ReferencePosterior(looks, window)
    for name, (g, s1, s2) in {"truth, sigma0 est": (truth, *est), "net, true sigma0": (g_net, p1, p2),
                              "net, sigma0 est": (g_net, *est)}.items():
        out[name] = post.moments(g, s1, s2, i1, i2, draws, rng)
    out["own"] = out[f"bound {window}"]
    return out


def pixels(model, folders, draws=32, seed=0):
    """Dict of 1-D arrays over the valid pixels: class, scene, pair index, reference, truth, network
    coherence and sigma, the intensity features, and the oracle's posterior means ("post ...") and
    variances ("var ...") of ``oracle`` (``draws`` draws)."""
    cols = {}
    rng = np.random.default_rng(seed)
    for n, folder in enumerate(folders):
        pair = ds.Pair(folder)
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        db = np.where(pair.valid, pair.db, np.nan).astype(np.float32)
        pred = model.predict({schema.INPUT_IMAGES: db, **bench.pair_feed(model, pair)})
        net = np.clip(pred[0], 0, 1)
        posts = oracle(folder, truth, net, draws, rng)
        lin = 10.0 ** (db.astype(np.float64) / 10.0)
        feats = {f"corr {w}x{w}": coh.intensity_coherence(lin[0], lin[1], w, coh.PEARSON)
                 for w in CORRELATION_WINDOWS}
        for w in (3, 11):
            for k in range(2):
                feats[f"dB {k + 1} {w}x{w}"] = box_mean(np.nan_to_num(db[k].astype(np.float64)), w)
        for name, (mean, var) in posts.items():
            feats[f"var {name}"] = var
            if not name.startswith("bound"):
                feats[f"post {name}"] = mean
        ok = pair.valid & np.isfinite(pred[0]) & np.isfinite(truth) & (pair.landcover > 0)
        for f in feats.values():
            ok &= np.isfinite(f)
        scene = os.path.basename(os.path.dirname(os.path.normpath(folder)))
        values = {"cls": pair.landcover, "ref": pair.target, "truth": np.clip(truth, 0, 1),
                  "net": net, "sigma": pred[1], **feats}
        for key, value in values.items():
            cols.setdefault(key, []).append(value[ok])
        cols.setdefault("scene", []).append(np.full(int(ok.sum()), scene))
        cols.setdefault("pair", []).append(np.full(int(ok.sum()), n))
    return {k: np.concatenate(v) for k, v in cols.items()}


def pair_offsets(d, error):
    """Each pair's mean of ``error`` (per pixel), and ``error`` less its pair's mean."""
    n = np.bincount(d["pair"])
    mean = np.bincount(d["pair"], error) / np.maximum(n, 1)
    return mean, error - mean[d["pair"]]


def rmse_line(name, pred, d, target="ref"):
    e = pred - d[target]
    per = " ".join(f"{CLASS_NAMES.get(int(k), k)} {np.sqrt(np.mean(e[d['cls'] == k] ** 2)):.3f}"
                   for k in np.unique(d["cls"]))
    return f"{name:58s} RMSE {np.sqrt(np.mean(e ** 2)):.4f} ({per})"


def floor_line(name, var, d):
    """Square root of the mean posterior variance, overall and per class."""
    per = " ".join(f"{CLASS_NAMES.get(int(k), k)} {np.sqrt(np.mean(var[d['cls'] == k])):.3f}"
                   for k in np.unique(d["cls"]))
    return f"{name:58s} RMSE {np.sqrt(np.mean(var)):.4f} ({per})"


def posterior_line(name, key, d, draws):
    """RMSE against the reference of the posterior mean ``post key`` less its Monte Carlo noise
    (the mean of ``draws`` draws scatters by the posterior variance / draws around the exact mean)."""
    e2 = (d[f"post {key}"] - d["ref"]) ** 2 - d[f"var {key}"] / draws
    per = " ".join(f"{CLASS_NAMES.get(int(k), k)} {np.sqrt(max(np.mean(e2[d['cls'] == k]), 0.0)):.3f}"
                   for k in np.unique(d["cls"]))
    return f"{name:58s} RMSE {np.sqrt(max(np.mean(e2), 0.0)):.4f} ({per})"


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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", help="also write the printed report to this markdown file (command and date)")
    p.add_argument("--draws", type=int, default=32, help="posterior draws per pixel of the oracle bound")
    p.add_argument("--no-fits", action="store_true",
                   help="leave out the cross-fitted tables and boosted regressors (the posterior rows only)")
    args = p.parse_args(argv)
    lines = []

    def say(text=""):
        """One report line to stdout and, with --out, to the file."""
        lines.append(text)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    t0 = time.perf_counter()
    model = inference.open_model(inference.SHIPPED_MODEL, threads=2)
    meta = md.parse_metadata(fx.read_metadata(inference.SHIPPED_MODEL))
    d = pixels(model, meta["training"]["pairs"]["validation"], args.draws)
    say(f"## Validation pairs of the shipped model ({len(meta['training']['pairs']['validation'])}, "
        f"{d['ref'].size} px), cross-fitted on halves of the training scenes\n")
    say(rmse_line("reference vs truth (the reference's own error)", d["truth"], d))
    if not args.no_fits:
        say(rmse_line("floor: E[reference | truth]", cross_fit(d, lambda f, o: truth_table(d, f, o)), d))
        say(rmse_line("floor: E[reference | truth, corr 3x3] (20 x 20 table)",
                      cross_fit(d, lambda f, o: stacked(d, "truth", f, o)), d))
    say(floor_line("bound: exact posterior | truth, true sigma0, intensities", d["var own"], d))
    say(posterior_line(f"  check: its posterior mean, less the noise of {args.draws} draws", "own", d,
                       args.draws))
    for w in BOUND_WINDOWS:
        if not np.array_equal(d[f"var bound {w}"], d["var own"]):
            say(floor_line(f"  the same bound for a {w} x {w} reference of the same draw",
                           d[f"var bound {w}"], d))
    say(f"plug-in posterior means (RMSE less the Monte Carlo noise of {args.draws} draws):")
    say(posterior_line(f"  truth, intensities, sigma0 = {SIGMA0_WINDOW}x{SIGMA0_WINDOW} mean intensity",
                       "truth, sigma0 est", d, args.draws))
    say(posterior_line("  network as gamma, true sigma0, intensities", "net, true sigma0", d, args.draws))
    say(posterior_line(f"  network as gamma, intensities, sigma0 = {SIGMA0_WINDOW}x{SIGMA0_WINDOW} mean",
                       "net, sigma0 est", d, args.draws))
    say(rmse_line("network", d["net"], d))
    say(rmse_line("network vs TRUTH", d["net"], d, "truth"))
    offsets, rest = pair_offsets(d, d["net"] - d["ref"])
    say(rmse_line("network less its pair's mean error (per-pair offset)", d["ref"] + rest, d))
    if not args.no_fits:
        say(rmse_line("network + shipped correction (20 x 20 table)",
                      cross_fit(d, lambda f, o: stacked(d, "net", f, o)), d))
        intensity = [f"corr {w}x{w}" for w in CORRELATION_WINDOWS] + [
            f"dB {k} {w}x{w}" for w in (3, 11) for k in (1, 2)]
        say(rmse_line("boosted: network, sigma, corr 3-11 px, mean dB 3/11 px",
                      cross_fit(d, lambda f, o: boosted(d, ["net", "sigma"] + intensity, f, o)), d))
        say(rmse_line("boosted: corr 3-11 px, mean dB 3/11 px (no network)",
                      cross_fit(d, lambda f, o: boosted(d, intensity, f, o)), d))
        say(rmse_line("boosted: truth, corr 3-11 px, mean dB 3/11 px",
                      cross_fit(d, lambda f, o: boosted(d, ["truth"] + intensity, f, o)), d))
    rows = []
    for folder in meta["training"]["pairs"]["validation"]:
        with open(os.path.join(folder, "pair.csv"), newline="", encoding="utf-8") as f:
            rows.append(next(csv.DictReader(f)))
    rows = [rows[k] for k in np.unique(d["pair"])]
    offsets = offsets[np.unique(d["pair"])]
    weather = {k: np.array([float(r[k]) for r in rows]) for k in ("rain_mm", "snowfall_mm", "melt_mm",
                                                                 "mean_true_coherence")}
    weather["wind_m_s"] = np.array([max(float(r["wind_1_m_s"]), float(r["wind_2_m_s"])) for r in rows])
    say(f"\nper-pair mean error of the network (vs reference; {len(rows)} pairs: mean {offsets.mean():+.3f}, "
        f"sd {offsets.std():.3f}), Pearson r with the pair's: "
        + ", ".join(f"{k} {np.corrcoef(offsets, v)[0, 1]:+.2f}" for k, v in weather.items() if v.std() > 0))
    history = (meta.get("metrics") or {}).get("history") or []
    marks = [h for h in history if h["epoch"] in (10, 25, 50, 75, 100, 125) or h is history[-1]]
    say("\nshipped model's validation RMSE by epoch (card): "
        + ", ".join(f"{h['epoch']}: {h['val_rmse']:.4f}" for h in marks)
        + f"; stopped: {meta['training'].get('stopped')} after {meta['training'].get('seconds')} s")
    say(f"\n{time.perf_counter() - t0:.0f} s")
    if args.out:
        command = " ".join(["flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_limits.py"]
                           + list(sys.argv[1:] if argv is None else argv))
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                                text=True).stdout.strip()
        with open(args.out, "w", encoding="utf-8") as f:
            f.write("\n".join([f"# {__doc__.splitlines()[0]}", "", f"`{command}`", "",
                               f"Run {stamp} at commit {commit or 'unknown'} (printed output, verbatim):", "",
                               "```"] + lines + ["```", ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
