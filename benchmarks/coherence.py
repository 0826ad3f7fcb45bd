"""Learned coherence from detected images vs the intensity-correlation baseline, on held-out scenes.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence.py [--minutes 9] [--init coherence]
        [--lr 0.0005] [--ship]

1. Training pairs: simulated 12-day VV pairs (``simulate_coherence_pairs``,
   256 x 256 px, one ascending orbit, 4-look intensities, reference
   coherence from the complex pairs over the simulator's REFERENCE_WINDOW,
   3 x 3 px = N 36, the pixel equivalent of SNAP's default 10 x 3 SLC
   window) of TRAIN_SCENES (each its own fractal DEM, relief, climate and
   year).
2. Training: ``models.coherence.training.train`` within ``--minutes``
   (validation: the last dates of every training scene; the test scenes are
   never seen), at 2 threads; the training time is printed.
3. Test: TEST_SEEDS scenes (other DEMs, relief and seeds) over TEST_PERIOD
   (dates never used in training) with a 6-day revisit: 6-, 12-, 24- and
   36-day VV pairs, and 12-day VH pairs. RMSE, MAE and bias of the predicted
   coherence against the SLC-derived reference, and the RMSE against the
   simulator's true coherence, for the network, for the reference itself
   (its own estimation noise: the floor of any estimator scored against it)
   and for the intensity-correlation baseline (Catelli et al. 1996) over the
   reference's own window (same resolution), both estimators: the window
   correlation ('pearson') and the look-normalised one ('speckle', L = 4),
   and the window correlation over 11 x 11 (coarser but less noisy; the
   goals compare with the best of the three);
   the reference's RMSE against the truth for 1 x 1 to 7 x 7 windows of the
   same complex draw (12-day VV);
   per land-cover class (date 1) on 12-day pairs; calibration of the
   predicted sigma (fraction of errors within 1 and 2 sigma).
4. Speed: whole-image tiled inference (``models.framework.runner``, 2
   threads) on a ``--speed-size`` square image, MPix/s.

Weather (default; ``--no-weather`` to train without): the network gets the
pairs' weather conditions (rain, snowfall, melt between the dates, wind on
each date; ``schema.WEATHER_NAMES``), hidden at random in training; the test
scores it with the weather known ("network") and unknown ("network, weather
unknown", the path of a user without weather data).

Lower-noise targets (``--posterior-targets``): the training scenes' pair folders get the posterior mean
and variance of their reference given the truth, the true sigma0 and the intensities
(``reference_posterior.write_posterior_targets``, POSTERIOR_DRAWS draws, written once into the workdir),
and the trainer takes the NLL's expectation over it (``training``); validation and test still score
against the reference. ``--refine N``: the network's full-resolution refinement with N hidden channels;
``--window-stem``: its 3 x 3 window features also in the stem; ``--stem-blocks N``: N residual blocks
after the stem (``architecture``).
``--validation-only``: train and print the validation scores, nothing of the test scenes (the
selection runs).

Goals (issue 12): 12-day RMSE <= 0.10 and >= 30 % below the baseline; below
the baseline at every unseen baseline; >= 5 MPix/s. ``--ship`` copies the
model to models/coherence.onnx and writes models/coherence.md (the training
card plus this run's tables) only when the network beats the best baseline
on the held-out 12-day test and its validation RMSE (overall, and the mean
over the land-cover classes) is not above the shipped model's, both scored
here on the same validation patches (the last dates of the training scenes,
patches the size of the inference tiles); a weather model also with its weather
unknown, whose overall validation RMSE must not be above the shipped model's with the weather unknown
too (or the shipped model's own, when it takes no weather): what a user without weather data gets.
"""
import argparse
import os
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".plugins"))

from sar_change.core.coherence import estimation as coh  # noqa: E402
from sar_change.core.engine.raster_blocks import read_array  # noqa: E402
from sar_change.core.simulator.coherence import REFERENCE_WINDOW, simulate_coherence_pairs  # noqa: E402
from sar_change.core.simulator.landcover import CLASS_NAMES  # noqa: E402
from sar_change.core.simulator.reference_posterior import write_posterior_targets  # noqa: E402
from sar_change.models.coherence import dataset as ds  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402
from sar_change.models.framework import runner  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (256, 256)
WINDOW = REFERENCE_WINDOW
LOOKS = 4
#: Other reference windows written for the window study (same complex draw).
STUDY_WINDOWS = (1, 5, 7)
#: Training scenes: seed -> (DEM relief m, climate, year); every scene is a whole year.
TRAIN_SCENES = {1: (60.0, "temperate", 2019), 2: (150.0, "mediterranean", 2019), 3: (300.0, "alpine", 2020),
                4: (600.0, "temperate", 2020), 5: (100.0, "boreal", 2021), 6: (250.0, "mediterranean", 2020),
                7: (40.0, "temperate", 2021), 8: (450.0, "alpine", 2021)}
TEST_SEEDS = {101: 100.0, 102: 450.0}
TEST_PERIOD = ("2022-04-01", "2022-07-31")
TEST_BASELINES = (6, 12, 24, 36)
#: Baseline estimators: name -> (intensity-correlation method, window side in pixels). The first two share
#: the reference's resolution; the 11 x 11 one (coarser, less noisy) is there so no baseline is a straw man.
BASELINES = {f"pearson {WINDOW}x{WINDOW}": (coh.PEARSON, WINDOW),
             f"speckle {WINDOW}x{WINDOW}": (coh.SPECKLE, WINDOW), "pearson 11x11": (coh.PEARSON, 11)}
REFERENCE = f"reference {WINDOW}x{WINDOW}"
#: Posterior draws per pixel of the lower-noise training targets (Monte Carlo noise: the posterior's
#: variance / POSTERIOR_DRAWS, about 0.02 RMS on the 0.09 RMS spread).
POSTERIOR_DRAWS = 16


def write_training_posteriors(folders):
    """Write the posterior targets of every pair of the training scene ``folders`` (kept when present)."""
    for n, folder in enumerate(ds.pair_folders(folders)):
        write_posterior_targets(folder, POSTERIOR_DRAWS, seed=n)


def simulate_training(workdir):
    folders = []
    for seed, (relief, climate, year) in TRAIN_SCENES.items():
        out = os.path.join(workdir, f"train_{seed}")
        if not os.path.isfile(os.path.join(out, "pairs.csv")):
            simulate_coherence_pairs(out, baselines_days=(12,), looks=LOOKS, window=WINDOW, seed=seed,
                                     shape=SHAPE, relief_m=relief, start=f"{year}-01-01", end=f"{year}-12-31",
                                     orbits=("ascending",), revisit_days=12, climate=climate)
        folders.append(out)
    return folders


def simulate_test(workdir):
    """{(polarisation, baseline days): [pair folders]} of the held-out scenes."""
    sets = {}
    for seed, relief in TEST_SEEDS.items():
        for pol, baselines in (("VV", TEST_BASELINES), ("VH", (12,))):
            out = os.path.join(workdir, f"test_{seed}_{pol}")
            if not os.path.isfile(os.path.join(out, "pairs.csv")):
                simulate_coherence_pairs(out, baselines_days=baselines, polarisation=pol, looks=LOOKS,
                                         window=WINDOW, seed=seed, shape=SHAPE, relief_m=relief,
                                         start=TEST_PERIOD[0], end=TEST_PERIOD[1], orbits=("ascending",),
                                         revisit_days=6, extra_windows=STUDY_WINDOWS if pol == "VV" else ())
            for folder in ds.pair_folders(out):
                pair = ds.Pair(folder)
                sets.setdefault((pol, int(pair.baseline_days)), []).append(folder)
    return sets


class Errors:
    """Accumulates error sums of one estimator (overall and per class; against the reference and the truth)
    and the sigma calibration."""

    def __init__(self):
        self.sums = {}

    def add(self, err, err_true, classes, sigma=None):
        for key, sel in [("all", slice(None))] + [(c, classes == c) for c in np.unique(classes)]:
            e, t = err[sel], err_true[sel]
            s = self.sums.setdefault(key, np.zeros(7))
            s[:4] += (e.size, float((e * e).sum()), float(np.abs(e).sum()), float(e.sum()))
            s[6] += float((t * t).sum())
            if sigma is not None:
                s[4] += float((np.abs(e) <= sigma[sel]).sum())
                s[5] += float((np.abs(e) <= 2 * sigma[sel]).sum())

    def stats(self, key="all"):
        n, sq, ab, sm, w1, w2, sq_true = self.sums.get(key, np.zeros(7))
        n = max(n, 1.0)
        return {"rmse": np.sqrt(sq / n), "mae": ab / n, "bias": sm / n, "within_1": w1 / n,
                "within_2": w2 / n, "rmse_true": np.sqrt(sq_true / n),
                "pixels": int(self.sums.get(key, np.zeros(1))[0])}


#: The network's row with the pair's weather unknown (weather models only).
BLIND = "network, weather unknown"


def pair_feed(model, pair, weather=True):
    """The model's inputs besides the images for ``pair`` (``dataset.Pair``): its temporal baseline and,
    with ``weather``, its weather conditions (a weather model gets them unknown otherwise)."""
    return inference.extra_inputs(model, pair.baseline_days, pair.weather if weather else None)


def evaluate(model, folders):
    """{estimator: Errors} over the pair ``folders`` (pixels valid for every estimator); a weather model is
    scored with the pairs' weather ("network") and without it (BLIND)."""
    blind = (BLIND,) if schema.uses_weather(model) else ()
    out = {name: Errors() for name in ("network",) + blind + (REFERENCE,) + tuple(BASELINES)}
    for folder in folders:
        pair = ds.Pair(folder)
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        db = np.where(pair.valid, pair.db, np.nan).astype(np.float32)
        pred = model.predict({schema.INPUT_IMAGES: db, **pair_feed(model, pair)})
        unknown = model.predict({schema.INPUT_IMAGES: db, **pair_feed(model, pair, False)}) if blind else None
        lin = 10.0 ** (db / 10.0)
        base = {name: coh.intensity_coherence(lin[0], lin[1], w, m, LOOKS)
                for name, (m, w) in BASELINES.items()}
        ok = (pair.valid & np.isfinite(pred[0]) & np.isfinite(truth)
              & np.all([np.isfinite(b) for b in base.values()], axis=0))
        classes = pair.landcover[ok] if pair.landcover is not None else np.zeros(int(ok.sum()), np.uint8)
        target, true = pair.target[ok], truth[ok]
        out["network"].add(pred[0][ok] - target, pred[0][ok] - true, classes, pred[1][ok])
        if unknown is not None:
            out[BLIND].add(unknown[0][ok] - target, unknown[0][ok] - true, classes, unknown[1][ok])
        out[REFERENCE].add(np.zeros_like(target), target - true, classes)
        for m, b in base.items():
            out[m].add(b[ok] - target, b[ok] - true, classes)
    return out


def window_study(folders):
    """Markdown table: RMSE and bias of the reference (sample coherence of one complex draw) against the
    true coherence for each window, over the pair ``folders``."""
    sums = {}
    for folder in folders:
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        for w in sorted((WINDOW,) + STUDY_WINDOWS):
            name = "coherence_reference.tif" if w == WINDOW else f"coherence_reference_w{w}.tif"
            path = os.path.join(folder, name)
            if not os.path.isfile(path):
                continue
            e = read_array(path) - truth
            e = e[np.isfinite(e)]
            s = sums.setdefault(w, np.zeros(3))
            s += (e.size, float((e * e).sum()), float(e.sum()))
    lines = ["| window (px) | looks N | RMSE vs truth | bias vs truth |", "|---|---:|---:|---:|"]
    for w, (n, sq, sm) in sorted(sums.items()):
        mark = " (reference)" if w == WINDOW else ""
        lines.append(f"| {w} x {w}{mark} | {LOOKS * w * w} | {fmt(np.sqrt(sq / n))} | {fmt(sm / n)} |")
    return "\n".join(lines)


def fmt(x, d=3):
    return f"{x:.{d}f}"


def results_tables(results):
    """Markdown tables: per test set, per class (12-day VV), calibration."""
    lines = ["| pairs | estimator | RMSE vs reference | MAE | bias | RMSE vs truth | pixels |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for (pol, days), errs in sorted(results.items()):
        for name, e in errs.items():
            s = e.stats()
            ref = name == REFERENCE
            lines.append(f"| {pol} {days}-day | {name} | {'-' if ref else fmt(s['rmse'])} | "
                         f"{'-' if ref else fmt(s['mae'])} | {'-' if ref else fmt(s['bias'])} | "
                         f"{fmt(s['rmse_true'])} | {s['pixels']} |")
    main = results[("VV", 12)]
    names = [n for n in main if n != REFERENCE]
    classes = sorted(k for k in main["network"].sums if k != "all")
    per_class = ["| class | " + " | ".join(f"{n} RMSE" for n in names)
                 + f" | network RMSE vs truth | {REFERENCE} RMSE vs truth | pixels |",
                 "|---|" + "---:|" * (len(names) + 3)]
    for c in classes:
        per_class.append(f"| {CLASS_NAMES.get(int(c), c)} | "
                         + " | ".join(fmt(main[n].stats(c)["rmse"]) for n in names)
                         + f" | {fmt(main['network'].stats(c)['rmse_true'])}"
                         + f" | {fmt(main[REFERENCE].stats(c)['rmse_true'])}"
                         + f" | {main['network'].stats(c)['pixels']} |")
    calib = ["| pairs | network | within 1 sigma | within 2 sigma |", "|---|---|---:|---:|"]
    for (pol, days), errs in sorted(results.items()):
        for name in ("network", BLIND):
            if name in errs:
                s = errs[name].stats()
                calib.append(f"| {pol} {days}-day | {name} | {fmt(s['within_1'])} | {fmt(s['within_2'])} |")
    calib.append("| (Gaussian) | | 0.683 | 0.954 |")
    return "\n".join(lines), "\n".join(per_class), "\n".join(calib)


def speed(model, folder, size):
    """MPix/s of whole-image tiled inference on a ``size`` x ``size`` image made of a test pair (the pair's
    baseline fed to a model that takes it)."""
    pair = ds.Pair(folder)
    reps = -(-size // pair.shape[0]), -(-size // pair.shape[1])
    image = np.tile(pair.db, (1,) + reps)[:, :size, :size].copy()
    feed = pair_feed(model, pair)
    model.predict({schema.INPUT_IMAGES: image[:, :64, :64], **feed})  # warm-up
    t = time.perf_counter()
    model.predict({schema.INPUT_IMAGES: image, **feed})
    return size * size / 1e6 / (time.perf_counter() - t)


def goals(results, mpix):
    def best_baseline(key):
        return min(results[key][name].stats()["rmse"] for name in BASELINES)

    net12 = results[("VV", 12)]["network"].stats()["rmse"]
    base12 = best_baseline(("VV", 12))
    true12 = results[("VV", 12)]["network"].stats()["rmse_true"]
    floor12 = results[("VV", 12)][REFERENCE].stats()["rmse_true"]
    rows = [f"- 12-day RMSE {fmt(net12)} <= 0.10 (against the {WINDOW} x {WINDOW} reference): "
            f"{'met' if net12 <= 0.10 else 'NOT met'}",
            f"- 12-day RMSE against the true coherence: network {fmt(true12)}, the reference itself "
            f"{fmt(floor12)} ({'met' if true12 <= 0.10 else 'NOT met'} at 0.10)",
            f"- 12-day RMSE {100 * (1 - net12 / base12):.1f} % below the best baseline ({fmt(base12)}); "
            f"goal 30 %: {'met' if net12 <= 0.7 * base12 else 'NOT met'}"]
    if BLIND in results[("VV", 12)]:
        blind12 = results[("VV", 12)][BLIND].stats()["rmse"]
        rows.append(f"- 12-day RMSE with the weather unknown {fmt(blind12)} "
                    f"({100 * (1 - blind12 / base12):.1f} % below the best baseline)")
    for days in TEST_BASELINES:
        if days == 12 or ("VV", days) not in results:
            continue
        n, b = results[("VV", days)]["network"].stats()["rmse"], best_baseline(("VV", days))
        blind = (f" (weather unknown {fmt(results[('VV', days)][BLIND].stats()['rmse'])})"
                 if BLIND in results[("VV", days)] else "")
        rows.append(f"- unseen {days}-day baseline: network {fmt(n)}{blind} vs baseline {fmt(b)}: "
                    f"{'below' if n < b else 'NOT below'}")
    if ("VH", 12) in results:
        n, b = results[("VH", 12)]["network"].stats()["rmse"], best_baseline(("VH", 12))
        rows.append(f"- VH 12-day (trained on VV): network {fmt(n)} vs baseline {fmt(b)}")
    rows.append(f"- inference {mpix:.2f} MPix/s on 2 threads (goal >= 5): "
                f"{'met' if mpix >= 5 else 'NOT met'}")
    return "\n".join(rows), net12 < base12


def validation_regression(new_path, old_path):
    """Why the new model is worse than the shipped one on the new run's validation pairs (overall RMSE, and
    the mean of the per-class RMSEs), or '' when it is not. Both are scored here, by the same code on the
    same validation patches, as large as the new model's inference tiles (a network trained on smaller
    patches, like the model shipped before 256-px training, does better on those than on its tiles, so
    its card's figure is not comparable). The test scenes play no part."""
    import torch

    from sar_change.models.coherence import export, training

    torch.set_num_threads(2)
    meta = md.parse_metadata(fx_read(new_path))
    pairs = [ds.Pair(f) for f in meta["training"]["pairs"]["validation"]]
    patch = ds.check_patch(meta[md.META_TILE_SIZE], pairs, 1)
    samples = ds.grid_samples(pairs, patch, 10 ** 6, np.random.default_rng(0))
    scores = {}
    for name, path in (("new", new_path), ("shipped", old_path)):
        model, _ = export.model_from_onnx(path)
        scores[name] = training.evaluate(model.eval(), pairs, samples, patch, 2)
        if model.use_weather:
            scores[f"{name}, weather unknown"] = training.evaluate(model, pairs, samples, patch, 2,
                                                                   weather=False)
    print("validation (" + f"{len(pairs)} pairs, {patch}-px patches): " + "; ".join(
        f"{name} RMSE {e['rmse']:.4f}, class mean {e['rmse_class_mean']:.4f}, urban "
        f"{e['rmse_by_class'].get(4, float('nan')):.4f}" for name, e in scores.items()), flush=True)
    for key in ("rmse", "rmse_class_mean"):
        if scores["new"][key] > scores["shipped"][key]:
            return (f"validation {key} {scores['new'][key]:.4f} above the shipped model's "
                    f"{scores['shipped'][key]:.4f}")
    # A user without weather data gets the unconditioned path: it must not be worse overall than what such
    # a user gets from the shipped model (its own unconditioned path when it takes the weather).
    blind = scores.get("new, weather unknown")
    shipped_blind = scores.get("shipped, weather unknown", scores["shipped"])
    if blind is not None and blind["rmse"] > shipped_blind["rmse"]:
        return (f"validation rmse with the weather unknown {blind['rmse']:.4f} above the shipped model's "
                f"{shipped_blind['rmse']:.4f}")
    return ""


def fx_read(path):
    from sar_change.models.framework import export as fx

    return fx.read_metadata(path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workdir", default="/tmp/sar_coherence_bench_v2")
    p.add_argument("--minutes", type=float, default=9.0, help="training budget (default 9)")
    p.add_argument("--model", default=None, help="evaluate this .onnx instead of training one")
    p.add_argument("--speed-size", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--init", default=None,
                   help="start from these weights ('coherence': the shipped model; see training.train)")
    p.add_argument("--lr", type=float, default=None, help="Adam learning rate (default: the config's)")
    p.add_argument("--no-weather", action="store_true",
                   help="train without the weather conditions (default: with them, optional at inference)")
    p.add_argument("--posterior-targets", action="store_true",
                   help="train on the posterior of the reference (simulated training pairs; see above)")
    p.add_argument("--refine", type=int, default=None,
                   help="hidden channels of the full-resolution refinement (default: the config's)")
    p.add_argument("--window-stem", action=argparse.BooleanOptionalAction, default=None,
                   help="the 3 x 3 window features also in the network's stem (architecture; default: "
                        "the config's)")
    p.add_argument("--stem-blocks", type=int, default=None,
                   help="residual blocks after the stem (architecture; default: the config's)")
    p.add_argument("--validation-only", action="store_true",
                   help="train, print the validation scores and stop (no test scene is read)")
    p.add_argument("--ship", action="store_true",
                   help="copy the model to models/coherence.onnx with its card if it beats the baseline")
    args = p.parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    t = time.perf_counter()
    train_dirs = simulate_training(args.workdir)
    test_sets = {} if args.validation_only else simulate_test(args.workdir)
    print(f"simulated {len(train_dirs)} training scenes and {sum(map(len, test_sets.values()))} test "
          f"pairs in {time.perf_counter() - t:.0f} s", flush=True)
    if args.posterior_targets:
        t = time.perf_counter()
        write_training_posteriors(train_dirs)
        print(f"posterior targets of the training pairs in {time.perf_counter() - t:.0f} s", flush=True)
    command = "benchmarks/coherence.py " + " ".join(argv if argv is not None else sys.argv[1:])
    model_path = args.model
    if model_path is None:
        from sar_change.models.coherence.training import train

        model_path = os.path.join(args.workdir, "coherence.onnx")
        more = {"lr": args.lr} if args.lr is not None else {}
        more["use_weather"] = not args.no_weather
        more["posterior_targets"] = args.posterior_targets
        if args.refine is not None:
            more["refine"] = args.refine
        if args.window_stem is not None:
            more["window_stem"] = args.window_stem
        if args.stem_blocks is not None:
            more["stem_blocks"] = args.stem_blocks
        summary = train(train_dirs, model_path, epochs=100000, max_minutes=args.minutes, seed=args.seed,
                        init=args.init, threads=2, log=lambda s: print(s, flush=True), card="auto",
                        command=command, **more)
        print(f"training time {summary['seconds']:.0f} s ({summary['training']['epochs']} epochs, "
              f"{summary['training']['patches']} patches, best epoch {summary['best_epoch']}, "
              f"stopped: {summary['stopped']})", flush=True)
        if args.validation_only:
            m = summary["metrics"]
            print("validation: " + ", ".join(
                f"{k} {m[k]:.4f}" for k in sorted(m) if k.startswith("val_") and isinstance(m[k], float)))
            return 0
    model = runner.load(model_path, kind=schema.KIND, threads=2)
    results = {key: evaluate(model, folders) for key, folders in sorted(test_sets.items())}
    tables = results_tables(results) + (window_study(test_sets[("VV", 12)]),)
    mpix = speed(model, test_sets[("VV", 12)][0], args.speed_size)
    goal_text, beats = goals(results, mpix)
    for title, text in zip(("Held-out test (RMSE, MAE, bias vs the SLC-derived reference; RMSE vs the truth)",
                            "12-day VV test RMSE per land-cover class (date 1)",
                            "Calibration of the predicted sigma (scale fitted on the validation pairs)",
                            "Reference window against the true coherence (12-day VV test pairs)"), tables):
        print(f"\n## {title}\n\n{text}")
    print(f"\n## Goals\n\n{goal_text}\n")
    if args.ship:
        from sar_change.models.coherence.training import write_card
        from sar_change.models.framework import export as fx

        dst = os.path.join(ROOT, "models", "coherence.onnx")
        if not beats:
            print("not shipped: the network does not beat the intensity baseline on the held-out 12-day test")
            return 1
        worse = validation_regression(model_path, dst)
        if worse:
            print(f"not shipped: {worse}")
            return 1
        shutil.copyfile(model_path, dst + ".partial")
        os.replace(dst + ".partial", dst)
        sections = [("Held-out test (benchmarks/coherence.py)",
                     "Test scenes: seeds " + ", ".join(map(str, TEST_SEEDS)) + f", {TEST_PERIOD[0]} to "
                     f"{TEST_PERIOD[1]} (never used in training), {LOOKS}-look intensities, reference window "
                     f"{WINDOW} x {WINDOW} (N = {LOOKS * WINDOW * WINDOW}, the pixel equivalent of SNAP's "
                     "default 10 x 3 SLC window); baselines: intensity correlation over the same window and "
                     "over 11 x 11. 'RMSE vs truth': against the simulator's true coherence; the reference "
                     "row is the reference's own error (the floor of any estimator scored against it).\n\n"
                     + tables[0]),
                    ("Per land-cover class (12-day VV)", tables[1]),
                    ("Calibration of sigma (scale fitted on the validation pairs)", tables[2]),
                    ("Reference window against the true coherence (12-day VV test pairs)", tables[3]),
                    ("Goals", goal_text)]
        write_card(os.path.join(ROOT, "models", "coherence.md"), fx.read_metadata(dst), command, sections)
        print(f"shipped {dst} and models/coherence.md; the correction table models/coherence_stacking.json "
              "(and its card section) is for the previous model: refit it with "
              "benchmarks/coherence_stacking.py --write")
    return 0


if __name__ == "__main__":
    sys.exit(main())
