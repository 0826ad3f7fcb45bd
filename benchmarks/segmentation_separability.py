"""How separable melt water and wet ice are on the simulator, and the weighted IoU it allows on the test mix.

Issue 13 asks for melt-season weighted IoU >= 0.90 on the test scenes
(seeds 900-903). This benchmark asks whether single-date inputs of the
simulator allow it at all, without scoring anything on the test scenes: the
test scenes are generated only for their class composition (label counts).

1. Class composition of the melt scenes: the fitting scenes (``TRAIN_SEEDS``
   100-139), the scored validation scenes (``--val-first`` 340, ``--val-scenes``
   40: fresh seeds, no results file scores them) and the test scenes (labels only).
2. Per-class distributions, on the validation scenes, of what the network sees
   (VV and VH in dB at 4 looks, the incidence angle, the speckle contrast
   log C_k of ``models/segmentation/texture.py`` for its default windows 5 and
   9 px) and of the speckle-free twin: mean, sd, 5/50/95 % quantiles, and for
   water against ice the overlap of their histograms (sum of min of the two
   normalised histograms: 1 identical, 0 disjoint) and the AUC, over all
   pixels and over interior pixels (>= 5 px from any class boundary).
3. Reference classifiers (scikit-learn ``HistGradientBoostingClassifier``)
   fitted on ``--pixels`` random pixels of the fitting scenes and scored on the
   validation scenes (never fitted and scored on the same scenes):

   - "pixel": VV, VH, incidence of the pixel;
   - "network inputs": the same plus log C_5, log C_9 of VV and VH (the
     network's inputs at the pixel, without its learned context);
   - "multi-scale": local means (linear power, in dB) of VV and VH over 3, 7,
     15 and 31-px boxes, local sd of VV and VH dB over 7, 15, 31 px, log C_k of
     VV and VH over 5, 9, 15, 31 px, incidence; a 31-px reach without learned
     filters;
   - "multi-scale, 16 looks" (``--looks16``): the same on the same scenes
     simulated at 16 looks (a what-if on the speckle, not a default);
   - "multi-scale, speckle-free": the same on the speckle-free twin (perfect
     despeckling: what the simulator's physics leaves once speckle is gone).

4. Reweighting to the test composition. Per-class IoU and weighted IoU depend
   on the class mix (a scene set with more water and ice weighs their lower
   IoU more, and has more pixels for land to be confused with). Method: the
   validation confusion matrix is row-normalised (per truth class, the share
   predicted as each class), its rows are scaled by the test scenes' pixel
   counts per class, and IoU per class and the weighted IoU are computed from
   that matrix. Assumption: per truth class the prediction rates transfer
   from the validation to the test scenes. The check: the same reweighting of
   setup T's validation confusion matrices (``benchmarks/results/segmentation.md``,
   printed by the runs) against setup T's measured test figure.
   The resolution floor (the truth at output stride 2 and 4, upsampled, from
   ``segmentation_diagnosis.floor_confusion``) is reweighted the same way.

    flock /tmp/sar_cpu.lock timeout 900 .venv/bin/python benchmarks/segmentation_separability.py \
        --out benchmarks/results/segmentation_separability.md --section HEADING
"""

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, ".plugins"))

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402
from segmentation_diagnosis import boundary_distance, floor_confusion  # noqa: E402

from sar_change.core.simulator import segmentation as ss  # noqa: E402
from sar_change.models.segmentation import metrics as mx  # noqa: E402

SHAPE = (256, 256)
WATER, ICE, LAND = 0, 1, 2
#: Texture windows of the network (the trainer's default ``texture_windows``) and of the multi-scale set.
NETWORK_WINDOWS = (5, 9)
MEAN_BOXES = (3, 7, 15, 31)
SD_BOXES = (7, 15, 31)
CONTRAST_BOXES = (5, 9, 15, 31)
#: Scenes whose water + ice exceed this share of the pixels hold a sea (the others: land with a river).
SEA_SHARE = 0.10
#: Pixels at least this far (px) from a class boundary are "interior".
INTERIOR_PX = 5
#: Sections of ``segmentation.md`` with setup T's melt confusion (pretrained) used for the method check.
T_VALIDATION = (
    "confirmation T, run seeds 3-5, scenes 220-239",
    "training-data round: 24 scenes, run seeds 12-14, scenes 300-319",
    "combined round: setup T, run seeds 15-17, scenes 320-339",
)
T_TEST = "final with speckle-contrast inputs at 1152 steps (setup T)"
#: Sections of ``segmentation_separability.md``: setup T trained and scored at other speckle levels.
T_LOOKS = tuple(
    f"network (setup T), {k}, run seed 18, scenes 380-399"
    for k in ("4 looks", "16 looks", "speckle-free", "speckle-free, 2304 steps")
)
PREDICTORS = {
    "pixel": "pixel (VV, VH, incidence)",
    "inputs": "network inputs at the pixel (+ log C_5, C_9)",
    "multi": "multi-scale (boxes 3-31 px)",
    "multi16": "multi-scale, 16 looks",
    "clean": "multi-scale, speckle-free",
}


def log_contrast(db, windows):
    """log C_k of each 2-D dB band in ``db`` (list) for each window: the network's texture features."""
    import torch

    from sar_change.models.segmentation.texture import speckle_contrast

    x = torch.from_numpy(np.stack(db)[None].astype(np.float32))
    with torch.no_grad():
        return list(speckle_contrast(x, windows)[0].numpy())


def box_db(db, k):
    """Local mean over k x k boxes of linear power, back in dB."""
    power = np.power(10.0, np.asarray(db, np.float64) / 10.0)
    return ss.to_db(ndimage.uniform_filter(power, k, mode="reflect"))


def box_sd(db, k):
    """Local standard deviation (dB) of dB over k x k boxes."""
    x = np.asarray(db, np.float64)
    m = ndimage.uniform_filter(x, k, mode="reflect")
    m2 = ndimage.uniform_filter(x * x, k, mode="reflect")
    return np.sqrt(np.maximum(m2 - m * m, 0.0))


def features(sc, kind):
    """(H * W, F) float32 features of one scene for a predictor of ``PREDICTORS``."""
    pre = "clean_" if kind == "clean" else ""
    vv, vh, inc = sc[pre + "vv_db"], sc[pre + "vh_db"], sc["incidence_deg"]
    cols = [vv, vh, inc]
    if kind == "inputs":
        cols += log_contrast([vv, vh], NETWORK_WINDOWS)
    elif kind in ("multi", "multi16", "clean"):
        for band in (vv, vh):
            cols += [box_db(band, k) for k in MEAN_BOXES] + [box_sd(band, k) for k in SD_BOXES]
        cols += log_contrast([vv, vh], CONTRAST_BOXES)
    elif kind != "pixel":
        raise ValueError(kind)
    return np.stack([np.asarray(c, dtype=np.float32).ravel() for c in cols], 1)


def reweighted(cm, counts):
    """Confusion matrix ``cm`` (rows truth) with each row rescaled to ``counts`` pixels of its truth class:
    the validation prediction rates per truth class at another class composition."""
    cm = np.asarray(cm, dtype=np.float64)
    rates = cm / np.maximum(cm.sum(1, keepdims=True), 1.0)
    return rates * np.asarray(counts, dtype=np.float64)[:, None]


def composition_scores(cm, counts):
    """(scores at the matrix's own composition, scores reweighted to ``counts``)."""
    return mx.scores(cm, ss.CLASSES), mx.scores(reweighted(cm, counts), ss.CLASSES)


def iou_cells(s):
    iou = s["per_class"]
    cells = [s["weighted_iou"]] + [iou[c]["iou"] for c in ss.CLASSES]
    return " | ".join(f"{v:.3f}" for v in cells)


def results_confusions(paths, sections, season="melt", init="pretrained"):
    """{section: 3x3 confusion} of the ``init``, ``season`` line of each section found in the files."""
    text = ""
    for path in paths:
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as f:
                text += f.read() + "\n"
    out = {}
    for name in sections:
        start = text.find(f"## {name}\n")
        if start < 0:
            continue
        end = text.find("\n## ", start + 4)
        body = text[start : end if end > 0 else len(text)]
        m = re.search(rf"labels, {init}, {season} \([^)]*\): (\[\[.*?\]\])", body)
        if m:
            out[name] = np.array(eval(m.group(1), {"__builtins__": {}}), dtype=np.int64)  # noqa: S307
    return out


def distribution_lines(val, quantities):
    """Per-class distribution table of each quantity and the water/ice overlap and AUC."""
    lab = np.concatenate([sc["labels"].ravel() for sc in val])
    interior = np.concatenate([(boundary_distance(sc["labels"]) >= INTERIOR_PX).ravel() for sc in val])
    lines = [
        "| quantity | class | mean | sd | q05 | q50 | q95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    sep = [
        "| quantity | water/ice overlap (all) | AUC (all) | overlap (interior) | AUC (interior) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, values in quantities.items():
        v = np.concatenate([np.asarray(x, np.float64).ravel() for x in values])
        for k, cname in enumerate(ss.CLASSES):
            x = v[lab == k]
            q = np.quantile(x, (0.05, 0.5, 0.95))
            lines.append(
                f"| {name} | {cname} | {x.mean():.2f} | {x.std():.2f} | "
                + " | ".join(f"{v:.2f}" for v in q)
                + " |"
            )
        cells = []
        for keep in (np.ones_like(interior), interior):
            w, i = v[(lab == WATER) & keep], v[(lab == ICE) & keep]
            cells += [f"{overlap(w, i):.2f}", f"{auc(w, i):.2f}"]
        sep.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines + [""] + sep


def overlap(a, b, bins=100):
    """Histogram overlap of two samples: sum of min of the normalised histograms (1 identical, 0 disjoint)."""
    lo, hi = np.quantile(np.concatenate([a, b]), (0.001, 0.999))
    ha, _ = np.histogram(np.clip(a, lo, hi), bins, (lo, hi))
    hb, _ = np.histogram(np.clip(b, lo, hi), bins, (lo, hi))
    return float(np.minimum(ha / max(ha.sum(), 1), hb / max(hb.sum(), 1)).sum())


def auc(a, b, n=20000, seed=0):
    """P(a random ``b`` value > a random ``a`` value) (ties half), on up to ``n`` draws of each."""
    rng = np.random.default_rng(seed)
    a = rng.choice(a, min(n, len(a)), replace=False)
    b = rng.choice(b, min(n, len(b)), replace=False)
    from scipy.stats import rankdata

    r = rankdata(np.concatenate([a, b]))
    return float((r[len(a) :].sum() - len(b) * (len(b) + 1) / 2) / (len(a) * len(b)))


def fit(train, kind, n_pixels, seed=0):
    """HistGradientBoostingClassifier on ``n_pixels`` random pixels of the fitting scenes (per scene)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(seed)
    per = max(1, int(n_pixels) // len(train))
    xs, ys = [], []
    for sc in train:
        pick = rng.choice(SHAPE[0] * SHAPE[1], per, replace=False)
        xs.append(features(sc, kind)[pick])
        ys.append(sc["labels"].ravel()[pick])
    clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, max_leaf_nodes=31, random_state=0)
    return clf.fit(np.concatenate(xs), np.concatenate(ys))


def classifier_sections(args, say, season, fit_seeds, val_seeds, test_counts):
    """Print the per-class distributions and the reference classifiers' scores (parts 2 and 3)."""
    fit_sc = [ss.segmentation_scene(s, season, shape=SHAPE) for s in fit_seeds]
    val_sc = [ss.segmentation_scene(s, season, shape=SHAPE) for s in val_seeds]
    say("| scenes | seeds | water | ice | land | water + ice | scenes with water + ice > 10 % |")
    say("|---|---|---:|---:|---:|---:|---:|")
    for name, seeds, scs in (("fitting", fit_seeds, fit_sc), ("validation (scored)", val_seeds, val_sc)):
        c = np.bincount(np.concatenate([sc["labels"].ravel() for sc in scs]), minlength=3)[:3]
        f = c / c.sum()
        n_sea = sum(np.isin(sc["labels"], (WATER, ICE)).mean() > SEA_SHARE for sc in scs)
        say(
            f"| {name} | {seeds[0]}-{seeds[-1]} | {f[0]:.3f} | {f[1]:.3f} | {f[2]:.3f} | {f[0] + f[1]:.3f} | "
            f"{n_sea} of {len(scs)} |"
        )
    say()
    say("### What the network sees, per class (validation scenes)")
    say()
    vv = [sc["vv_db"] for sc in val_sc]
    vh = [sc["vh_db"] for sc in val_sc]
    contrast = [log_contrast([sc["vv_db"], sc["vh_db"]], NETWORK_WINDOWS) for sc in val_sc]
    quantities = {
        "VV dB": vv,
        "VH dB": vh,
        "incidence deg": [sc["incidence_deg"] for sc in val_sc],
        "log C_5 VV": [c[0] for c in contrast],
        "log C_5 VH": [c[1] for c in contrast],
        "log C_9 VV": [c[2] for c in contrast],
        "log C_9 VH": [c[3] for c in contrast],
        "VV dB, 7-px box": [box_db(v, 7) for v in vv],
        "VH dB, 7-px box": [box_db(v, 7) for v in vh],
        "speckle-free VV dB": [sc["clean_vv_db"] for sc in val_sc],
        "speckle-free VH dB": [sc["clean_vh_db"] for sc in val_sc],
    }
    for line in distribution_lines(val_sc, quantities):
        say(line)
    say()

    say("### Reference classifiers (validation scenes) and the same reweighted to the test composition")
    say()
    sea = [bool(np.isin(sc["labels"], (WATER, ICE)).mean() > SEA_SHARE) for sc in val_sc]
    say(
        f"Scenes: all {len(val_sc)} validation scenes and the {sum(sea)} holding a sea (water + ice > "
        f"{SEA_SHARE:.0%} of the scene; the rest are land with a river and small lakes)."
    )
    say()
    say(
        "| predictor | scenes | wIoU (own mix) | IoU water | IoU ice | IoU land | wIoU (test mix) | "
        "IoU water | IoU ice | IoU land |"
    )
    say("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    cms = {}

    def rows(name, per_scene):
        for label, keep in (("all", [True] * len(per_scene)), ("sea", sea)):
            cm = np.sum([c for c, k in zip(per_scene, keep) if k], axis=0)
            cms[f"{name}, {label} scenes"] = cm
            own, test = composition_scores(cm, test_counts)
            say(f"| {name} | {label} | {iou_cells(own)} | {iou_cells(test)} |")

    for kind in args.kinds.split(","):
        if kind == "multi16":
            fit16 = [ss.segmentation_scene(s, season, shape=SHAPE, looks=16.0) for s in fit_seeds]
            val16 = [ss.segmentation_scene(s, season, shape=SHAPE, looks=16.0) for s in val_seeds]
            clf = fit(fit16, "multi", args.pixels)
            preds = [clf.predict(features(sc, "multi")) for sc in val16]
        else:
            clf = fit(fit_sc, kind, args.pixels)
            preds = [clf.predict(features(sc, kind)) for sc in val_sc]
        rows(
            PREDICTORS[kind],
            [mx.confusion(sc["labels"], pr.reshape(SHAPE), 3) for sc, pr in zip(val_sc, preds)],
        )
    for st in (2, 4):
        rows(f"truth at output stride {st} (resolution floor)", [floor_confusion([sc], st) for sc in val_sc])
    say()
    for name, cm in cms.items():
        say(f"- confusion, {name} (rows truth, columns predicted water/ice/land): {cm.tolist()}")
    say()


def season_overlap_line(seeds):
    """Line: of the melt ice pixels of ``seeds``, the share that is ice in the freeze scene of the same seed,
    and the share of scenes whose water + ice extent is the same in both seasons (the simulator draws one
    floe field per seed and keeps the sea)."""
    inside = total = same = 0
    for s in seeds:
        f, m = (ss.segmentation_scene(s, season, shape=SHAPE)["labels"] for season in ("freeze", "melt"))
        inside += int(((m == ICE) & (f == ICE)).sum())
        total += int((m == ICE).sum())
        same += bool(np.array_equal(f == LAND, m == LAND))
    return (
        f"seeds {seeds[0]}-{seeds[-1]}: {inside / max(total, 1):.3f} of the {total} melt ice pixels are "
        f"ice in the freeze scene of the same seed; water + ice extent identical in both seasons in "
        f"{same} of {len(seeds)} scenes"
    )


def git_commit():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--season", default="melt")
    p.add_argument("--fit-scenes", type=int, default=40, help="first N of TRAIN_SEEDS the classifiers fit on")
    p.add_argument("--val-first", type=int, default=340)
    p.add_argument("--val-scenes", type=int, default=40)
    p.add_argument("--pixels", type=int, default=300_000, help="pixels each classifier is fitted on")
    p.add_argument("--kinds", default="pixel,inputs,multi,multi16,clean", help=", ".join(PREDICTORS))
    p.add_argument(
        "--results",
        nargs="+",
        default=[
            os.path.join(HERE, "results", f) for f in ("segmentation.md", "segmentation_separability.md")
        ],
        help="results files searched for --check-sections",
    )
    p.add_argument(
        "--check-sections",
        nargs="*",
        default=list(T_VALIDATION + (T_TEST,) + T_LOOKS),
        help="sections of --results whose melt confusion (pretrained) is reweighted to the test mix",
    )
    p.add_argument(
        "--no-classifiers",
        action="store_true",
        help="only the class composition and the reweighting of --check-sections (seconds)",
    )
    p.add_argument("--out", default=None)
    p.add_argument("--section", default="separability")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    command = (
        "flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation_separability.py "
        + shlex.join(argv if argv is not None else sys.argv[1:])
    )
    printed = []

    def say(text=""):
        printed.append(text)
        print(text, flush=True)

    season = ss.check_season(args.season)
    fit_seeds = ss.TRAIN_SEEDS[: args.fit_scenes]
    val_seeds = tuple(range(args.val_first, args.val_first + args.val_scenes))
    test_seeds = ss.TEST_SEEDS[:4]
    if set(val_seeds) & (set(ss.TRAIN_SEEDS) | set(ss.TEST_SEEDS)):
        raise SystemExit("validation seeds overlap the fitting or test seeds")
    # Test scenes: labels only (class composition), never a prediction.
    test_counts = np.bincount(
        np.concatenate([ss.segmentation_scene(s, season, shape=SHAPE)["labels"].ravel() for s in test_seeds]),
        minlength=3,
    )[:3]

    fitted = (
        f"Classifiers fitted on {args.pixels} pixels of seeds {fit_seeds[0]}-{fit_seeds[-1]}, scored on "
        f"seeds {val_seeds[0]}-{val_seeds[-1]}; "
        if not args.no_classifiers
        else ""
    )
    say(
        f"Season {season}; {SHAPE[0]} x {SHAPE[1]} px scenes of 20 m, 4 looks. {fitted}"
        f"test seeds {test_seeds[0]}-{test_seeds[-1]}: labels only."
    )
    say()
    say("### Class composition")
    say()
    test_shares = [
        float(np.isin(ss.segmentation_scene(s, season, shape=SHAPE)["labels"], (WATER, ICE)).mean())
        for s in test_seeds
    ]
    tf = test_counts / test_counts.sum()
    say(
        f"- test scenes {test_seeds[0]}-{test_seeds[-1]} (labels only): water {tf[0]:.3f}, ice {tf[1]:.3f}, "
        f"land {tf[2]:.3f}, water + ice {tf[0] + tf[1]:.3f}"
    )
    say("- water + ice share per test scene (labels only): " + ", ".join(f"{v:.3f}" for v in test_shares))
    if season == "melt":
        say("- " + season_overlap_line(val_seeds))
    say()

    if not args.no_classifiers:
        classifier_sections(args, say, season, fit_seeds, val_seeds, test_counts)
    say("### Network confusions reweighted to the test composition (method check: setup T)")
    say()
    say(
        "From "
        + ", ".join(f"`{os.path.relpath(r, ROOT)}`" for r in args.results)
        + " (confusion matrices printed by the runs, pretrained, "
        "melt, summed over the section's run seeds and scenes)."
    )
    say()
    say(
        "| section | wIoU (own mix) | IoU water | IoU ice | IoU land | water + ice share | wIoU (test mix) | "
        "IoU water | IoU ice | IoU land |"
    )
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    found = results_confusions(args.results, args.check_sections)
    for name, cm in found.items():
        own, test = composition_scores(cm, test_counts)
        share = cm[:2].sum() / cm.sum()
        say(f"| {name} | {iou_cells(own)} | {share:.3f} | {iou_cells(test)} |")
    say()
    say(f"total {time.perf_counter() - t0:.0f} s. Command: {command}")
    if args.out:
        from sar_change.models.framework.card import replace_section

        if not os.path.isfile(args.out):
            with open(args.out, "w", encoding="utf-8") as f:
                f.write("# Segmentation: separability of melt water and wet ice (validation seeds only)\n")
        stamp = (
            f"Written by `{command}` on {datetime.date.today().isoformat()} at commit "
            f"{git_commit()} (benchmarks/segmentation_separability.py); do not edit by hand."
        )
        replace_section(args.out, args.section, stamp + "\n\n" + "\n".join(printed).strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
