"""Transfer learning for the learned difference image: shipped as is, fine-tuned, or trained from scratch.

The protocol of Karimzadeh & Pires de Lima (2022, "Deep learning on SAR
imagery: transfer learning versus randomly initialized weights"), adapted to
the learned DI (Alatalo, Sipola & Rantonen 2023): on held-out simulated
stacks (seeds and years never used for the shipped model: seeds from 5101,
2020-2021, both held out of ``models.learned_di.simulated_stacks``; climates
cycled over ``--climates``, by default the snowy boreal and alpine ones), for
one winter target (the 2021 acquisition from December to
March with the most snow, else the coldest) and one summer target (the
acquisition closest to 2021-07-15) per stack:

(a) the shipped model (models/learned_di.onnx) as is;
(b) the shipped model fine-tuned on the stack's acquisitions before the
    target (all earlier years; no labels, the target never seen), with the
    settings of ``sarchange:finetunelearneddi`` (models/learned_di/config.py
    FINETUNE) and a budget of ``--minutes``;
(c) the same network from random weights on the same history, same budget
    and settings (learning rate ``--scratch-lr``);

(b) and (c) with ``--seeds`` seeds each. A -2.5 dB offset is injected into the
target (both bands) in random blobs; the learned DI (Euclidean norm over VV
and VH of actual - predicted dB) and the conventional DI (Alatalo's method 1
reference) are scored by the balanced pooled ROC AUC and a LinearSVC's
accuracy on the DI and its local statistics (2-fold over targets; the
functions of benchmarks/learned_di.py), separately for winter and summer
targets. "Epochs" is the mean best epoch (epochs to converge; 0 = the
starting model was best).

    .venv/bin/python benchmarks/transfer.py [--stacks 2] [--size 256] [--minutes 0.5] [--seeds 3]
        [--climates boreal alpine] [--workdir DIR] [--markdown FILE]

``--markdown`` writes the tables with the command line (default
benchmarks/results/learned_di_transfer.md, linked from the README).

Needs torch (training); runs under ``flock /tmp/sar_cpu.lock`` on shared machines.
"""
import argparse
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
SEASONS = ("winter", "summer")
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
    """Write the target with -2.5 dB blobs and a table naming it; returns (table, mask)."""
    path = os.path.join(stack_dir, rows[index]["file"])
    img = np.stack([rb.read_array(path, b) for b in (1, 2)])
    rng = np.random.default_rng(seed)
    radius = max(6, size // 24)
    blobs = inj.random_blobs(img.shape[1:], 5, radius, 0.5, 0.3, rng=rng, valid=np.isfinite(img).all(0))
    mask = inj.rasterize_polygons(blobs, img.shape[1:])
    changed = np.stack([inj.offset_change(b, mask, -2.5, scale=scales.LINEAR_POWER) for b in img])
    out = os.path.join(stack_dir, f"target_{tag}.tif")
    rb.write_array(out, changed, like=path, descriptions=["VV", "VH"])
    table = os.path.join(stack_dir, f"acquisitions_{tag}.csv")
    kept = [dict(r) for r in rows[:index + 1]]  # the target is the newest row of this table
    kept[-1]["file"] = out
    with open(table, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return table, np.where(mask, inj.CHANGED, inj.UNCHANGED).astype(np.uint8)


def learned(table, model):
    """(learned DI norm, conventional DI) in dB of the newest row of ``table`` with ``model``."""
    r = cl.learned_di_from_stack(table, model=model, conventional=True)
    return r.di_norm, r.conventional


def fine_tune(csv_path, before, out, init, lr, minutes, seed, threads):
    from sar_change.models.learned_di import config as cfg
    from sar_change.models.learned_di import training

    f = cfg.FINETUNE
    return training.train([csv_path], out, init=init, before=before, change_mask=False, epochs=f["epochs"],
                          lr=lr, schedule=f["schedule"], patience=f["patience"],
                          patches_per_epoch=f["patches_per_epoch"], val_patches=f["val_patches"],
                          val_fraction=f["val_fraction"], split=f["split"],
                          half_life_days=f["half_life_days"], max_minutes=minutes, seed=seed, threads=threads,
                          checkpoint=None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stacks", type=int, default=2)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--minutes", type=float, default=0.5, help="training budget per run (minutes)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--scratch-lr", type=float, default=1e-3)
    ap.add_argument("--climates", nargs="+", default=["boreal", "alpine"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--markdown", type=Path, default=DEFAULT_MARKDOWN,
                    help="write the tables here (default benchmarks/results/learned_di_transfer.md)")
    args = ap.parse_args(argv)
    from sar_change.models.learned_di import config as cfg

    bench = _benchmark_module()
    t0 = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="transfer_"))
    dis = {s: {} for s in SEASONS}  # season -> method -> [DI per target]
    masks = {s: [] for s in SEASONS}
    epochs = {s: {"fine-tuned": [], "from scratch": []} for s in SEASONS}
    for k in range(args.stacks):
        seed = SEED0 + k
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
            table, mask = inject(str(folder), rows, index, season, seed, args.size)
            masks[season].append(mask)

            di, conventional = learned(table, None)
            dis[season].setdefault("conventional DI", []).append(conventional)
            dis[season].setdefault("(a) shipped as is", []).append(di)
            for label, init, lr in (("fine-tuned", "learned_di", cfg.FINETUNE["lr"]),
                                    ("from scratch", None, args.scratch_lr)):
                runs = []
                for s in range(args.seeds):
                    out = folder / f"{season}_{label.replace(' ', '_')}_{s}.onnx"
                    summary = fine_tune(str(folder / "acquisitions.csv"), target["date"], str(out), init, lr,
                                        args.minutes, s, args.threads)
                    epochs[season][label].append(summary["best_epoch"])
                    runs.append(learned(table, str(out))[0])
                name = ("(b) shipped, fine-tuned on earlier years" if init
                        else "(c) from scratch on earlier years")
                dis[season].setdefault(name, []).append(runs)

    runtime = time.perf_counter() - t0
    setup = (f"{args.stacks} held-out stack(s) ({', '.join(args.climates[:args.stacks])}), {args.size} px, "
             f"4 looks, 2020-2021; budget {args.minutes:g} min per training run, {args.seeds} seed(s); "
             "-2.5 dB blobs in the target")
    tables = {season: results_table(bench, dis[season], masks[season], epochs[season], args.seeds)
              for season in SEASONS}
    print(f"\n{setup}")
    for season in SEASONS:
        print(f"\n{season} targets ({len(masks[season])}):")
        print(f"{'DI':<45}{'AUC':>16}{'SVM acc.':>16}{'epochs':>10}")
        for name, auc, acc, ep in tables[season]:
            print(f"{name:<45}{auc:>16}{acc:>16}{ep:>10}")
    print(f"\nrun time {runtime / 60:.1f} min on {os.cpu_count()} CPU core(s)")
    if args.markdown:
        write_markdown(args.markdown, setup, tables, masks, runtime)
        print(f"tables -> {args.markdown}")


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values):.3f}"


def results_table(bench, dis, masks, epochs, n_seeds):
    """[(DI, AUC, SVM accuracy, epochs)] as text for one season: per-seed DIs give mean ± sd over seeds."""
    rows = []
    for name, values in dis.items():
        if isinstance(values[0], list):  # one DI per seed per target
            seeds = range(n_seeds)
            aucs = [bench.pooled_auc([v[s] for v in values], masks, s) for s in seeds]
            accs = ([bench.svm_accuracy([v[s] for v in values], masks, s) for s in seeds]
                    if len(values) > 1 else [float("nan")])
            label = "fine-tuned" if name.startswith("(b)") else "from scratch"
            rows.append((name, _mean_sd(aucs), _mean_sd(accs), f"{np.mean(epochs[label]):.1f}"))
        else:
            auc = bench.pooled_auc(values, masks, 0)
            acc = bench.svm_accuracy(values, masks, 0) if len(values) > 1 else float("nan")
            rows.append((name, f"{auc:.3f}", f"{acc:.3f}", ""))
    return rows


def write_markdown(path, setup, tables, masks, runtime):
    """The tables of this run, with its command line, as a markdown file."""
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
        "same network from random weights on the same history and budget. AUC: balanced pooled ROC of the "
        "DI against the injected blobs; SVM: LinearSVC accuracy on the DI and its local statistics, 2-fold "
        "over targets; mean ± sd over the seeds. Epochs: mean best epoch (epochs to converge; 0 = the "
        "starting model was best).",
        "",
    ]
    for season, rows in tables.items():
        lines += [f"## {season.capitalize()} targets ({len(masks[season])})", "",
                  "| DI | AUC | SVM accuracy | epochs |", "|---|---:|---:|---:|"]
        lines += [f"| {name} | {auc} | {acc} | {ep} |" for name, auc, acc, ep in rows]
        lines.append("")
    lines.append(f"Run time {runtime / 60:.1f} min on {os.cpu_count()} CPU core(s) "
                 f"({platform.processor() or platform.machine()}).")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
