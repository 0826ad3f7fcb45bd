"""Transfer learning for the learned difference image: shipped as is, fine-tuned, or trained from scratch.

The protocol of Karimzadeh & Pires de Lima (2022, "Deep learning on SAR
imagery: transfer learning versus randomly initialized weights"), adapted to
the learned DI (Alatalo, Sipola & Rantonen 2023): on held-out simulated
stacks (seeds and years never used for the shipped model: seeds from 5101,
2020-2021, both held out of ``models.learned_di.simulated_stacks``; climates
cycled over ``--climates``, by default the snowy boreal and alpine ones, then
the mild-wintered mediterranean and temperate ones), for
one winter target (the 2021 acquisition from December to
March with the most snow, else the coldest) and one summer target (the
acquisition closest to 2021-07-15) per stack:

(a) the shipped model (models/learned_di.onnx) as is;
(b) the shipped model fine-tuned on the stack's acquisitions before the
    target (all earlier years; no labels, the target never seen), with the
    settings of ``sarchange:finetunelearneddi`` for a budget of ``--minutes``
    (models/learned_di/config.py ``finetune_settings``: FINETUNE with the
    patches per epoch and validation patches scaled to short budgets);
(c) the same network from random weights on the same history, with the same
    budget, settings and validation patches (learning rate ``--scratch-lr``);

(b) and (c) with ``--seeds`` seeds each. Changes are injected into the target
(both bands) in 5 random blobs: -2.5 dB in all of them, and, as a second
variant, the same blobs with alternating signs (-2.5, +2.5, -2.5, ... dB),
since with darkening only a model that predicts the target too high is
rewarded for its bias. The learned DI (Euclidean norm over VV and VH of
actual - predicted dB) and the conventional DI (Alatalo's method 1 reference)
are scored by the balanced pooled ROC AUC and a LinearSVC's accuracy on the
DI and its local statistics (2-fold over targets; the functions of
benchmarks/learned_di.py), separately for winter and summer targets, with
each model's bias and RMSE (actual - predicted) on the target's unchanged
pixels. "Epochs": the mean best epoch (0 = the starting model was best) and
the mean number of epochs trained in the budget. Each season's pooled table is
followed by one row per stack (its target's AUC for every DI, mean ± sd over
the seeds for (b) and (c)).

    .venv/bin/python benchmarks/transfer.py [--stacks 2] [--size 256] [--minutes 0.5] [--seeds 3]
        [--climates boreal alpine mediterranean temperate] [--workdir DIR] [--markdown FILE|none]
        [--seed0 5101] [--methods fine-tuned "from scratch"] [--set KEY=VALUE ...]

``--markdown`` writes the tables with the command line (default
benchmarks/results/learned_di_transfer.md, linked from the README).
Settings are chosen on other held-out seeds, never on the reporting stacks:
``--seed0 2027 --methods fine-tuned --markdown none`` against the same with ``--set
full_epoch_minutes=0.25`` (256 + 256 patches at 15 s)
(seeds 2026-2028 and 5101-5120 are held out of the shipped model's training).

Needs torch (training); runs under ``flock /tmp/sar_cpu.lock`` on shared machines.
"""
import argparse
import ast
import csv
import datetime as _dt
import importlib.util
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.change import injection as inj  # noqa: E402
from sar_change.core.engine import raster_blocks as rb  # noqa: E402
from sar_change.core.engine import scale as scales  # noqa: E402
from sar_change.core.learned_di import pipeline as cl  # noqa: E402
from sar_change.core.simulator.stack import simulate_stack  # noqa: E402

SEED0 = 5101
#: FINETUNE keys passed to ``training.train`` as they are (beyond the ones named in ``fine_tune``).
TRAIN_EXTRA = ("batch", "freeze_encoder_epochs", "patch")
METHODS = ("fine-tuned", "from scratch")
#: Injected changes: {variant: file suffix}. With -2.5 dB blobs only, a model that predicts the target
#: too high (actual - predicted < 0 on unchanged pixels) is rewarded for its bias, since the norm of
#: its DI grows on the lowered blobs; with both signs a bias either way costs AUC.
VARIANTS = {"-2.5 dB": "", "±2.5 dB": "_pm"}
SEASONS = ("winter", "summer")
#: Climates cycled over the stacks: snowy winters first (boreal, alpine), then mild ones.
CLIMATES = ("boreal", "alpine", "mediterranean", "temperate")
DEFAULT_MARKDOWN = ROOT / "benchmarks" / "results" / "learned_di_transfer.md"


def _benchmark_module():
    spec = importlib.util.spec_from_file_location("bench_learned_di", ROOT / "benchmarks" / "learned_di.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pick_targets(rows):
    """{season: index} of the winter and summer targets in date-sorted acquisition rows."""
    def num(r, key):
        try:
            return float(r[key])
        except (TypeError, ValueError):
            return float("nan")
    winter = [i for i, r in enumerate(rows) if r["date"][:7] in ("2020-12", "2021-01", "2021-02", "2021-03")]
    snowy = [i for i in winter if num(rows[i], "snow_depth_m") > 0]
    if snowy:
        w = max(snowy, key=lambda i: num(rows[i], "snow_depth_m"))
    else:
        w = min(winter, key=lambda i: num(rows[i], "temperature_c"))
    s = min(range(len(rows)), key=lambda i: abs(np.datetime64(rows[i]["date"]) - np.datetime64("2021-07-15")))
    return {"winter": w, "summer": s}


def inject(stack_dir, rows, index, tag, seed, size):
    """Write the target with 5 blobs of -2.5 dB (variant "-2.5 dB") and the same blobs with alternating
    signs, -2.5, +2.5, -2.5, ... dB (variant "±2.5 dB"), each with a table naming it as the newest row;
    returns ({variant: table}, mask)."""
    path = os.path.join(stack_dir, rows[index]["file"])
    img = np.stack([rb.read_array(path, b) for b in (1, 2)])
    rng = np.random.default_rng(seed)
    radius = max(6, size // 24)
    blobs = inj.random_blobs(img.shape[1:], 5, radius, 0.5, 0.3, rng=rng, valid=np.isfinite(img).all(0))
    mask = inj.rasterize_polygons(blobs, img.shape[1:])
    raised = inj.rasterize_polygons(blobs[1::2], img.shape[1:])
    tables = {}
    for variant, suffix in VARIANTS.items():
        up = raised if suffix else np.zeros_like(mask)  # the odd blobs raised instead of lowered
        linear = scales.LINEAR_POWER
        changed = np.stack([inj.offset_change(inj.offset_change(b, mask & ~up, -2.5, scale=linear), up, 2.5,
                                              scale=linear) for b in img])
        out = os.path.join(stack_dir, f"target_{tag}{suffix}.tif")
        rb.write_array(out, changed, like=path, descriptions=["VV", "VH"])
        table = os.path.join(stack_dir, f"acquisitions_{tag}{suffix}.csv")
        kept = [dict(r) for r in rows[:index + 1]]  # the target is the newest row of this table
        kept[-1]["file"] = out
        with open(table, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(kept)
        tables[variant] = table
    return tables, np.where(mask, inj.CHANGED, inj.UNCHANGED).astype(np.uint8)


def learned(table, model):
    """The LearnedDiResult (learned DI, with the conventional DI) of the newest row of ``table``."""
    return cl.learned_di_from_stack(table, model=model, conventional=True)


def score_model(tables, mask, model, name, dis, errors, seed_index=None):
    """Learned DI of ``model`` on every variant's table into ``dis`` ({variant: {DI: [...]}}): one DI per
    target, with the conventional DI, when ``seed_index`` is None, else one list of per-seed DIs per
    target; the prediction error on the unchanged pixels into ``errors`` ({DI: [(bias, RMSE)]})."""
    for variant, table in tables.items():
        r = learned(table, model)
        if seed_index is None:
            dis[variant].setdefault("conventional DI", []).append(r.conventional)
            dis[variant].setdefault(name, []).append(r.di_norm)
        else:
            if seed_index == 0:
                dis[variant].setdefault(name, []).append([])
            dis[variant][name][-1].append(r.di_norm)
    errors.setdefault(name, []).append(prediction_error(r, mask))


def prediction_error(result, mask):
    """(bias, RMSE) in dB of actual - predicted over the unchanged pixels and both bands (the raw residual:
    the learned DI itself is centred on the scene medians by default, which removes the scene-wide bias)."""
    err = (result.actual - result.predicted)[:, mask == inj.UNCHANGED]
    return float(np.nanmean(err)), float(np.sqrt(np.nanmean(err ** 2)))


def fine_tune(csv_path, before, out, init, lr, minutes, seed, threads, settings=None):
    """Train on the acquisitions of ``csv_path`` before ``before`` with the fine-tune settings
    (``settings``, default config.FINETUNE) from ``init`` at learning rate ``lr`` for ``minutes``."""
    from sar_change.models.learned_di import config as cfg
    from sar_change.models.learned_di import training

    f = dict(cfg.FINETUNE if settings is None else settings)
    return training.train([csv_path], out, init=init, before=before, change_mask=False, epochs=f["epochs"],
                          lr=lr, schedule=f["schedule"], patience=f["patience"],
                          patches_per_epoch=f["patches_per_epoch"], val_patches=f["val_patches"],
                          val_fraction=f["val_fraction"], split=f["split"],
                          half_life_days=f["half_life_days"], max_minutes=minutes, seed=seed, threads=threads,
                          checkpoint=None, **{k: f[k] for k in TRAIN_EXTRA if k in f})


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stacks", type=int, default=2)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--minutes", type=float, default=0.5, help="training budget per run (minutes)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scratch-lr", type=float, default=1e-3)
    ap.add_argument("--climates", nargs="+", default=list(CLIMATES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--markdown", default=str(DEFAULT_MARKDOWN),
                    help="write the tables here (default benchmarks/results/learned_di_transfer.md; "
                         "'none': do not write)")
    ap.add_argument("--seed0", type=int, default=SEED0,
                    help=f"seed of the first stack (default {SEED0}, the reporting stacks; choose "
                         "settings on other held-out seeds, e.g. 2027)")
    ap.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    ap.add_argument("--set", nargs="+", default=[], metavar="KEY=VALUE",
                    help="override fine-tune settings (models/learned_di/config.py FINETUNE; values as "
                         "Python literals), for choosing them on other seeds")
    args = ap.parse_args(argv)
    from sar_change.models.learned_di import config as cfg

    settings = dict(cfg.FINETUNE)
    for item in args.set:
        key, _, value = item.partition("=")
        settings[key] = ast.literal_eval(value)
    markdown = None if str(args.markdown).lower() == "none" else Path(args.markdown)

    bench = _benchmark_module()
    t0 = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="transfer_"))
    dis = {v: {s: {} for s in SEASONS} for v in VARIANTS}  # variant -> season -> DI -> [per target]
    errors = {s: {} for s in SEASONS}  # season -> DI -> [(bias, RMSE) per target and seed]
    masks = {s: [] for s in SEASONS}
    stacks = {s: [] for s in SEASONS}  # season -> [(seed, climate, target row)] per target
    epochs = {s: {m: [] for m in METHODS} for s in SEASONS}  # [(best epoch, epochs trained)]
    names = {"fine-tuned": "(b) shipped, fine-tuned on earlier years",
             "from scratch": "(c) from scratch on earlier years"}
    for k in range(args.stacks):
        seed = args.seed0 + k
        climate = args.climates[k % len(args.climates)]
        folder = work / f"stack_{seed}_{climate}"
        if not (folder / "acquisitions.csv").is_file():
            simulate_stack(str(folder), shape=(args.size, args.size), start="2020-01-01", end="2021-12-31",
                           looks=4, seed=seed, climate=climate)
        rows = cl.read_stack(folder / "acquisitions.csv")
        for season, index in pick_targets(rows).items():
            target = rows[index]
            print(f"[{time.perf_counter() - t0:6.0f} s] stack {seed} ({climate}), {season} target "
                  f"{target['date']}: T {target['temperature_c']} C, snow {target['snow_depth_m']} m",
                  flush=True)
            tables, mask = inject(str(folder), rows, index, season, seed, args.size)
            masks[season].append(mask)
            stacks[season].append((seed, climate, target))

            by_variant = {v: dis[v][season] for v in VARIANTS}
            score_model(tables, mask, None, "(a) shipped as is", by_variant, errors[season])
            for label, init, lr in (("fine-tuned", "learned_di", settings["lr"]),
                                    ("from scratch", None, args.scratch_lr)):
                if label not in args.methods:
                    continue
                run_settings = cfg.finetune_settings(args.minutes, settings)  # the same for both methods
                for s in range(args.seeds):
                    out = folder / f"{season}_{label.replace(' ', '_')}_{s}.onnx"
                    summary = fine_tune(str(folder / "acquisitions.csv"), target["date"], str(out), init, lr,
                                        args.minutes, s, args.threads, run_settings)
                    trained = sum(r["epoch"] > 0 for r in summary["epochs"])
                    epochs[season][label].append((summary.get("best_epoch") or 0, trained))
                    score_model(tables, mask, str(out), names[label], by_variant, errors[season], s)

    runtime = time.perf_counter() - t0
    sized = cfg.finetune_settings(args.minutes, settings)
    climates = ", ".join(args.climates[k % len(args.climates)] for k in range(args.stacks))
    setup = (f"{args.stacks} held-out stack(s) (seeds {args.seed0}-{args.seed0 + args.stacks - 1}: "
             f"{climates}), {args.size} px, 4 looks, 2020-2021; budget {args.minutes:g} min per training "
             f"run, {args.seeds} seed(s); {sized['patches_per_epoch']} training and at most "
             f"{sized['val_patches']} validation patches per epoch (config.finetune_settings); 5 blobs in "
             "the target")
    if args.set:
        setup += f"; fine-tune settings overridden: {' '.join(args.set)}"
    results = {season: results_table(bench, {v: dis[v][season] for v in VARIANTS}, masks[season],
                                     errors[season], epochs[season], args.seeds, names)
               for season in SEASONS}
    per_stack = {season: per_stack_table(bench, {v: dis[v][season] for v in VARIANTS}, masks[season],
                                         stacks[season], args.seeds)
                 for season in SEASONS}
    print(f"\n{setup}")
    for season in SEASONS:
        print(f"\n{season} targets ({len(masks[season])}):")
        print(" | ".join(COLUMNS))
        for row in results[season]:
            print(" | ".join(row))
        print(f"{season} targets per stack (AUC):")
        for row in [per_stack[season][0]] + per_stack[season][1]:
            print(" | ".join(row))
    print(f"\nrun time {runtime / 60:.1f} min on {os.cpu_count()} CPU core(s)")
    if markdown:
        write_markdown(markdown, setup, results, masks, runtime, per_stack)
        print(f"tables -> {markdown}")


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


COLUMNS = ("DI", "AUC, -2.5 dB", "SVM accuracy, -2.5 dB", "AUC, ±2.5 dB", "SVM accuracy, ±2.5 dB",
           "target bias dB", "target RMSE dB", "best epoch / epochs")


def _scores(bench, dis, masks, seed):
    auc = bench.pooled_auc(dis, masks, seed)
    acc = bench.svm_accuracy(dis, masks, seed) if len(dis) > 1 else float("nan")
    return auc, acc


def results_table(bench, dis, masks, errors, epochs, n_seeds, names):
    """Rows of text (``COLUMNS``) for one season. ``dis``: {variant: {DI: [per target: DI, or a list of
    per-seed DIs]}} (mean ± sd over seeds for those); ``errors``: {DI: [(bias, RMSE)]}; ``epochs``:
    {method: [(best epoch, epochs trained)]}."""
    labels = {name: method for method, name in names.items()}
    rows = []
    for name in dis[next(iter(VARIANTS))]:
        row = [name]
        for variant in VARIANTS:
            values = dis[variant][name]
            if isinstance(values[0], list):  # one DI per seed per target
                per_seed = [_scores(bench, [v[s] for v in values], masks, s) for s in range(n_seeds)]
                row += [_mean_sd([a for a, _ in per_seed]), _mean_sd([c for _, c in per_seed])]
            else:
                auc, acc = _scores(bench, values, masks, 0)
                row += [f"{auc:.3f}", f"{acc:.3f}"]
        err = errors.get(name)
        row += ([f"{np.mean([b for b, _ in err]):+.2f}", f"{np.mean([r for _, r in err]):.2f}"] if err
                else ["", ""])
        ep = epochs.get(labels.get(name), [])
        row.append(f"{np.mean([b for b, _ in ep]):.1f} / {np.mean([n for _, n in ep]):.1f}" if ep else "")
        rows.append(row)
    return rows


def per_stack_table(bench, dis, masks, stacks, n_seeds):
    """(header, rows) of the per-target AUCs of one season: one row per stack (``stacks``: [(seed,
    climate, target row)]) with every DI's AUC for each variant of ``dis`` ({variant: {DI: [per target:
    DI, or a list of per-seed DIs]}}); mean ± sd over the seeds for the trained models. The DIs are
    abbreviated to their letter ("(a)", "(b)", "(c)") or "conventional"."""
    first = dis[next(iter(VARIANTS))]
    short = {name: name.split(" ")[0] for name in first}
    header = ["stack (seed)", "climate", "target", "T deg C", "snow m"]
    header += [f"{short[name]}, {variant}" for variant in VARIANTS for name in first]
    rows = []
    for k, (seed, climate, target) in enumerate(stacks):
        row = [str(seed), climate, target["date"], str(target["temperature_c"]), str(target["snow_depth_m"])]
        for variant in VARIANTS:
            for name in first:
                value = dis[variant][name][k]
                if isinstance(value, list):  # one DI per seed
                    aucs = [bench.pooled_auc([value[s]], [masks[k]], s) for s in range(n_seeds)]
                    row.append(_mean_sd(aucs))
                else:
                    row.append(f"{bench.pooled_auc([value], [masks[k]], 0):.3f}")
        rows.append(row)
    return header, rows


def write_markdown(path, setup, tables, masks, runtime, per_stack=None):
    """The tables of this run, with its command line, as a markdown file; ``per_stack``: {season:
    (header, rows)} of ``per_stack_table``, each after its season's table."""
    lines = [
        "# Transfer learning for the learned DI (`benchmarks/transfer.py`)",
        "",
        f"Written by `benchmarks/transfer.py` on {_dt.date.today().isoformat()}; every number below comes "
        "from that run:",
        "",
        f"    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/transfer.py {' '.join(sys.argv[1:])}",
        "",
        f"{setup}. (a) the shipped model as is; (b) the shipped model fine-tuned on the stack's acquisitions "
        "before the target (no labels; the settings of 'Fine-tune learned difference image model'); (c) the "
        "same network from random weights on the same history, budget, settings and validation patches. "
        "Changes: 5 blobs of -2.5 dB, or the same blobs with alternating signs (-2.5, +2.5, -2.5, ... dB); "
        "with drops only, a model that predicts the target too high (negative bias) is rewarded for it. "
        "The learned DIs are centred on each band's scene median (the pipeline's default), which removes "
        "a scene-wide bias of the prediction from the score. "
        "AUC: balanced pooled ROC of the DI against the blobs; SVM: LinearSVC accuracy on the DI and its "
        "local statistics, 2-fold over targets; mean ± sd over the seeds. Target bias and RMSE: actual - "
        "predicted dB (before the centring) on the target's unchanged pixels, both bands (mean over "
        "targets and seeds). Epochs: "
        "mean best epoch (0 = the starting model was best) / mean epochs trained in the budget.",
        "",
    ]
    for season, rows in tables.items():
        lines += [f"## {season.capitalize()} targets ({len(masks[season])})", "",
                  "| " + " | ".join(COLUMNS) + " |", "|---|" + "---:|" * (len(COLUMNS) - 1)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        lines.append("")
        if per_stack and season in per_stack:
            header, stack_rows = per_stack[season]
            lines += [f"{season.capitalize()} targets per stack: AUC of each DI ((b), (c): mean ± sd over "
                      "the seeds).", "", "| " + " | ".join(header) + " |",
                      "|---|---|---|" + "---:|" * (len(header) - 3)]
            lines += ["| " + " | ".join(row) + " |" for row in stack_rows]
            lines.append("")
    lines.append(f"Run time {runtime / 60:.1f} min on {os.cpu_count()} CPU core(s) "
                 f"({platform.processor() or platform.machine()}).")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
