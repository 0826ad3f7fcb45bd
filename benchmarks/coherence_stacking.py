"""Corrects the learned coherence with the intensity correlation (a table fitted on validation pairs).

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_stacking.py [--write]

Urban pixels are where the shipped network is worse than the intensity correlation (card: RMSE 0.257 vs
0.207 on the 12-day test). This script, with the shipped model and its VALIDATION pairs only (the last
dates of the training scenes, listed in the model's metadata):
1. diagnoses it: per land-cover class the mean reference, network and intensity-correlation coherence,
   the network's largest prediction and its bias per reference-coherence bin;
2. scores the correction table (``core.coherence.stacking``: mean reference coherence per cell of
   (network coherence, 3 x 3 intensity correlation), interpolated bilinearly between cell centres)
   across scenes: fitted on the pairs of half the training scenes and scored on the other half, both
   ways; the table is kept only when that lowers both the overall RMSE and the mean of the per-class
   RMSEs (rule fixed before any scoring);
3. reports the held-out 12-day VV test figures (benchmarks/coherence.py scenes, never used to fit or
   choose) of the network and of the corrected network: RMSE overall and per class, within 1/2 sigma;
4. the plugin's block function (``models.coherence.inference.block_function``) with and without the
   correction on a 1024 x 1024 px block, 2 threads, MPix/s (--speed-only: this step alone; with
   --against OTHER.onnx the shipped model and OTHER, each with the shipped table, alternated --repeats times
   in one process, and their medians: a comparison on a shared, loaded machine);
5. with --write: when kept, fits the table on all validation pairs and writes
   models/coherence_stacking.json (it names the model's training run: the plugin applies it to that model
   only; rerun after shipping a new one), else removes it; either way (re)writes the section
   "Correction by the intensity correlation" of the model card models/coherence.md with this run's
   command, date, the model's training run, the keep-rule figures, the held-out figures and the speed.
"""
import argparse
import datetime
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", ".plugins"))
sys.path.insert(0, HERE)

import coherence as bench  # noqa: E402  (benchmarks/coherence.py: scenes, windows, looks)

from sar_change.core.coherence import estimation as coh  # noqa: E402
from sar_change.core.coherence import stacking  # noqa: E402
from sar_change.core.simulator.landcover import CLASS_NAMES  # noqa: E402
from sar_change.models.coherence import dataset as ds  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402
from sar_change.models.framework import card as cards  # noqa: E402
from sar_change.models.framework import export as fx  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402

ROOT = os.path.dirname(HERE)
TABLE = os.path.join(ROOT, "models", "coherence_stacking.json")
CARD = os.path.join(ROOT, "models", "coherence.md")
CARD_HEADING = "Correction by the intensity correlation (models/coherence_stacking.json)"
COMMAND = "flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_stacking.py --write"
BINS, MIN_COUNT = 20, 50
#: Rows of the held-out test (the last two for a weather model only, its weather hidden).
HELD_OUT_ROWS = ("network", "network + correction", "network, weather unknown",
                 "network + correction, weather unknown")


def pixels(model, folders, weather=True):
    """Dict of 1-D arrays over the valid pixels of ``folders``: class, reference, network coherence and
    sigma, 3 x 3 intensity correlation, scene (the pair folder's parent); ``weather``: False hides the
    pairs' weather from a weather model."""
    cols = {k: [] for k in ("cls", "ref", "net", "sigma", "corr", "scene")}
    for folder in folders:
        pair = ds.Pair(folder)
        db = np.where(pair.valid, pair.db, np.nan).astype(np.float32)
        pred = model.predict({schema.INPUT_IMAGES: db, **bench.pair_feed(model, pair, weather)})
        lin = 10.0 ** (db / 10.0)
        corr = coh.intensity_coherence(lin[0], lin[1], bench.WINDOW, coh.PEARSON, bench.LOOKS)
        ok = pair.valid & np.isfinite(pred[0]) & np.isfinite(corr) & (pair.landcover > 0)
        scene = os.path.basename(os.path.dirname(os.path.normpath(folder)))
        for key, value in (("cls", pair.landcover), ("ref", pair.target), ("net", np.clip(pred[0], 0, 1)),
                           ("sigma", pred[1]), ("corr", corr)):
            cols[key].append(value[ok])
        cols["scene"].append(np.full(int(ok.sum()), scene))
    return {k: np.concatenate(v) for k, v in cols.items()}


def scores(c, s, d, sel=None):
    """RMSE overall, per class and their mean; within 1 and 2 sigma (vs the reference)."""
    sel = np.ones(c.size, bool) if sel is None else sel
    e = c[sel] - d["ref"][sel]
    per = {int(k): float(np.sqrt(np.mean(e[d["cls"][sel] == k] ** 2))) for k in np.unique(d["cls"][sel])}
    return {"rmse": float(np.sqrt(np.mean(e ** 2))), "class_mean": float(np.mean(list(per.values()))),
            "per_class": per, "within_1": float(np.mean(np.abs(e) <= s[sel])),
            "within_2": float(np.mean(np.abs(e) <= 2 * s[sel]))}


def line(name, sc):
    per = " ".join(f"{CLASS_NAMES.get(k, k)} {v:.3f}" for k, v in sc["per_class"].items())
    return (f"{name:10s} RMSE {sc['rmse']:.4f}, class mean {sc['class_mean']:.4f} ({per}); within 1/2 sigma "
            f"{sc['within_1']:.3f}/{sc['within_2']:.3f}")


def diagnose(d):
    for k in np.unique(d["cls"]):
        m = d["cls"] == k
        print(f"{CLASS_NAMES.get(int(k), k):7s} {int(m.sum()):8d} px: mean reference "
              f"{d['ref'][m].mean():.3f}, "
              f"network {d['net'][m].mean():.3f} (sigma {d['sigma'][m].mean():.3f}), intensity correlation "
              f"{d['corr'][m].mean():.3f}")
    print(f"network largest prediction {d['net'].max():.3f}; reference above 0.6: "
          f"{100 * np.mean(d['ref'] > 0.6):.1f} % of pixels "
          f"({100 * np.mean(d['ref'][d['cls'] == 4] > 0.6):.0f} % of urban)")
    for lo in np.arange(0.0, 1.0, 0.1):
        m = (d["ref"] >= lo) & (d["ref"] < lo + 0.1)
        if m.sum():
            print(f"reference {lo:.1f}-{lo + 0.1:.1f}: {int(m.sum()):8d} px, network bias "
                  f"{np.mean(d['net'][m] - d['ref'][m]):+.3f}, intensity correlation bias "
                  f"{np.mean(d['corr'][m] - d['ref'][m]):+.3f}")


def cross_scene(d):
    """Network and corrected scores over all validation pixels, each half of the scenes corrected by the
    table fitted on the other half."""
    scenes = sorted(set(d["scene"]))
    half = np.isin(d["scene"], scenes[::2])
    c, s = d["net"].copy(), d["sigma"].copy()
    for fit in (half, ~half):
        table = stacking.fit_table(d["net"][fit], d["corr"][fit], d["ref"][fit], bench.WINDOW, BINS,
                                   MIN_COUNT)
        c[~fit], s[~fit] = stacking.apply_table(table, d["net"][~fit], d["sigma"][~fit], d["corr"][~fit])
    return scores(d["net"], d["sigma"], d), scores(c, s, d)


def block_speed(model, table, size=1024, cpu=None):
    """MPix/s of the block function without and with the correction table, best of two runs; ``cpu``: a list
    that gets the process CPU seconds per MPix of the run with the table (all threads: the work done,
    whatever the idle cores hide), least of the two."""
    import time

    db = (-12.0 + 4.0 * np.random.default_rng(0).standard_normal((2, size, size))).astype(np.float32)
    out = []
    for correction in (None, table):
        func, _ = inference.block_function(model, "db", correction=correction)
        func(db[:, :128, :128])
        best, least = np.inf, np.inf
        for _ in range(2):
            t, c = time.perf_counter(), time.process_time()
            func(db)
            best, least = min(best, time.perf_counter() - t), min(least, time.process_time() - c)
        out.append(size * size / 1e6 / best)
    if cpu is not None:
        cpu.append(least / (size * size / 1e6))
    return out


def speed_comparison(model, against=None, repeats=1):
    """Print ``block_speed`` of the shipped ``model`` (and of the model at path ``against``, alternated, with
    the shipped table) ``repeats`` times, then the medians; returns 0."""
    table = inference.shipped_correction(model)
    models = {"shipped": model}
    if against:
        models[os.path.basename(against)] = inference.open_model(against, threads=2)
    found = {name: [] for name in models}
    for _ in range(max(1, int(repeats))):
        for name, m in models.items():
            cpu = []
            plain, corrected = block_speed(m, table, cpu=cpu)
            found[name].append((plain, corrected, cpu[0]))
            print(f"{name}: block function, 1024 x 1024 px, 2 threads: network {plain:.2f} MPix/s, with the "
                  f"correction {corrected:.2f} MPix/s ({cpu[0]:.3f} CPU s per MPix)", flush=True)
    if repeats > 1:
        for name, runs in found.items():
            plain, corrected, cpu = np.median(np.array(runs), axis=0)
            print(f"{name}: median of {len(runs)}: network {plain:.2f} MPix/s, with the correction "
                  f"{corrected:.2f} MPix/s ({cpu:.3f} CPU s per MPix)")
    return 0


def score_rows(rows):
    """Markdown table of (name, scores) rows: RMSE, class mean, per class, within 1/2 sigma."""
    classes = sorted({k for _, sc in rows for k in sc["per_class"]})
    out = ["| estimator | RMSE | class mean | " + " | ".join(CLASS_NAMES.get(k, str(k)) for k in classes)
           + " | within 1 / 2 sigma |", "|---|---:|---:|" + "---:|" * len(classes) + "---:|"]
    for name, sc in rows:
        per = " | ".join(cards.number(sc["per_class"].get(k), 3) for k in classes)
        out.append(f"| {name} | {sc['rmse']:.4f} | {sc['class_mean']:.4f} | {per} | "
                   f"{sc['within_1']:.3f} / {sc['within_2']:.3f} |")
    return "\n".join(out)


def card_section(meta, val, keep, cv, test, urban_corr, speed):
    """Markdown of the card section: how the correction was chosen and what it does on the test."""
    training, w = meta["training"], bench.WINDOW
    lines = [f"Written on {datetime.date.today().isoformat()} by `benchmarks/coherence_stacking.py --write`, "
             "not by the training run above:", "", f"    {COMMAND}", "",
             f"For the model of the training run finished {training.get('finished')} (this card's run); the "
             "plugin applies the table to that run's model only. The table maps each pixel's (network "
             f"coherence (with the pairs' weather for a weather model), {w} x {w} window intensity "
             f"correlation), {BINS} x {BINS} cells "
             "of 0-1, to the mean reference coherence and its RMS spread (the new sigma) of the validation "
             "pixels in the cell, interpolated bilinearly between cell centres; cells under "
             f"{MIN_COUNT} pixels hold the pixel's own network values. Fitted on the "
             f"{len(training['pairs']['validation'])} validation pairs ({val['ref'].size} pixels) of the "
             "training scenes.", "",
             "Keep rule, fixed before scoring: fitted on the validation pairs of half of the training scenes "
             "and scored on the other half (both ways), the correction must lower both the RMSE and the "
             "mean of the per-class RMSEs.", "", score_rows([("network", cv[0]), ("corrected", cv[1])]), "",
             f"Decision: {'kept' if keep else 'NOT kept (no table is shipped)'}.", "",
             "Held-out 12-day VV test (benchmarks/coherence.py test scenes; not used to fit or choose), "
             "table fitted on all validation pairs:", "",
             score_rows(list(zip(HELD_OUT_ROWS, test))), "",
             f"Intensity correlation {w} x {w} alone, urban RMSE: {urban_corr:.3f}.", "",
             f"Speed of the plugin's block function (1024 x 1024 px, 2 threads): {speed[0]:.2f} MPix/s "
             f"without the correction, {speed[1]:.2f} MPix/s with it."]
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workdir", default="/tmp/sar_coherence_bench_v2")
    p.add_argument("--write", action="store_true", help="write models/coherence_stacking.json")
    p.add_argument("--speed-only", action="store_true", help="only the block function's speed")
    p.add_argument("--against", default=None, help="with --speed-only: alternate with this .onnx")
    p.add_argument("--repeats", type=int, default=1, help="with --speed-only: measurements of each model")
    args = p.parse_args(argv)
    model_path = inference.SHIPPED_MODEL
    model = inference.open_model(model_path, threads=2)
    if args.speed_only:
        return speed_comparison(model, args.against, args.repeats)
    meta = md.parse_metadata(fx.read_metadata(model_path))
    val = pixels(model, meta["training"]["pairs"]["validation"])
    print(f"## Validation pairs of the shipped model ({len(meta['training']['pairs']['validation'])})\n")
    diagnose(val)
    net_cv, fused_cv = cross_scene(val)
    print("\ncross-scene (table fitted on the other half of the scenes):")
    print(line("network", net_cv))
    print(line("corrected", fused_cv))
    keep = fused_cv["rmse"] < net_cv["rmse"] and fused_cv["class_mean"] < net_cv["class_mean"]
    print(f"choice: {'keep' if keep else 'do not keep'} the correction")
    table = stacking.fit_table(val["net"], val["corr"], val["ref"], bench.WINDOW, BINS, MIN_COUNT)
    test_folders = bench.simulate_test(args.workdir)[("VV", 12)]
    test = pixels(model, test_folders)
    c, s = stacking.apply_table(table, test["net"], test["sigma"], test["corr"])
    held_out = scores(test["net"], test["sigma"], test), scores(c, s, test)
    if schema.uses_weather(model):  # the same table on the unconditioned path (a user without weather)
        blind = pixels(model, test_folders, weather=False)
        c, s = stacking.apply_table(table, blind["net"], blind["sigma"], blind["corr"])
        held_out += scores(blind["net"], blind["sigma"], blind), scores(c, s, blind)
    urban_corr = float(np.sqrt(np.mean((test["corr"] - test["ref"])[test["cls"] == 4] ** 2)))
    print("\n## Held-out 12-day VV test (table fitted on all validation pairs)\n")
    for name, sc in zip(HELD_OUT_ROWS, held_out):
        print(line(name, sc))
    print(f"intensity correlation 3x3 urban RMSE {urban_corr:.3f}")
    speed = block_speed(model, table)
    print(f"block function, 1024 x 1024 px, 2 threads: network {speed[0]:.2f} MPix/s, with the correction "
          f"{speed[1]:.2f} MPix/s")
    if args.write:
        if keep:
            table["provenance"] = {
                "written_by": "benchmarks/coherence_stacking.py --write",
                "date": datetime.date.today().isoformat(), "card": "models/coherence.md, section "
                f"'{CARD_HEADING}'", "interpolation": "bilinear between cell centres",
                "model": "models/coherence.onnx", "model_finished": meta["training"].get("finished"),
                "validation_pairs": len(meta["training"]["pairs"]["validation"]),
                "pixels": int(val["ref"].size), "correlation": f"pearson {bench.WINDOW}x{bench.WINDOW}",
                "cross_scene_validation": {name: {k: sc[k] for k in ("rmse", "class_mean")} | {
                    "urban": sc["per_class"].get(4)} for name, sc in (("network", net_cv),
                                                                       ("corrected", fused_cv))},
                "held_out_test_12_day_vv": {name: {k: sc[k] for k in ("rmse", "class_mean")} | {
                    "urban": sc["per_class"].get(4)} for name, sc in (("network", held_out[0]),
                                                                       ("corrected", held_out[1]))}}
            stacking.save_table(table, TABLE)
            print(f"wrote {TABLE}")
        elif os.path.isfile(TABLE):
            os.remove(TABLE)
            print(f"removed {TABLE} (not kept)")
        cards.replace_section(CARD, CARD_HEADING, card_section(meta, val, keep, (net_cv, fused_cv), held_out,
                                                                urban_corr, speed))
        print(f"wrote the section '{CARD_HEADING}' of {CARD}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
