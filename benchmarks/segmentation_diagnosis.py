"""Why melt-season segmentation errs: separability of the classes, the network's errors, its training signal.

Validation seeds only (``VALIDATION_SEEDS`` 200-219, both seasons): the test
seeds are never generated here. Three parts:

1. Separability. Gradient-boosted classifiers (scikit-learn
   ``HistGradientBoostingClassifier``) fitted to pixels of the training seeds
   (``TRAIN_SEEDS``, the season's own scenes) and scored on the validation
   scenes, on features of growing reach:

   - "pixel": VV, VH (dB, 4 looks) and the incidence angle of the pixel
     alone: an estimate of the per-pixel Bayes bound (three features, 3 x 10^5
     training pixels: the fit is close to the Bayes rule);
   - "speckle-free pixel": the same on the speckle-free twin (perfect
     despeckling, still one pixel): what no despeckling can exceed per pixel;
   - "local context": the pixel's VV and VH averaged (linear power) in 5,
     11, 21 and 41-pixel boxes, the local standard deviation of VV dB in 5
     and 11-pixel boxes (ridging texture), the incidence angle: what a
     classifier with a 41-pixel reach and no learned filters reaches;
   - "speckle-free local context" (``--kinds clean_context``): the same on
     the speckle-free twin: what is there under the speckle.

   Scores as the benchmark's (confusion summed over the scenes, weighted
   IoU, IoU per class) and the water/ice confusion per scene incidence
   (each 256-pixel scene spans < 0.5 deg: 5 km of a 250 km swath).

2. The network's errors (``--model``): the benchmark's setup (pretrained
   encoder, seed 0, ``--train-scenes`` training seeds, 128-px patches, batch
   8, 256 patches per epoch, patience 6, 60 epochs, ``--max-minutes``), or
   ``--network``/``--sampling`` variants, trained once and scored on the
   validation scenes: errors by distance to the nearest class boundary of
   the truth (output stride and upsampling), by scene incidence, by region
   (connected truth components of melt ice: share of each floe called water;
   a floe more than 80 % wrong is a region error, a prior/context problem),
   and the overlap with the per-pixel and context classifiers' errors.

3. Training signal: class shares of the training scenes per season, the
   share of training patches (as sampled) holding melt ice, the run's
   validation-loss history (best epoch, epochs run, stopped by patience or
   by the time limit).

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation_diagnosis.py \
        [--model] [--out benchmarks/results/segmentation_diagnosis.md --section HEADING]
"""
import argparse
import json
import os
import shlex
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".plugins"))

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

from sar_change.core.simulator import segmentation as ss  # noqa: E402
from sar_change.models.segmentation import dataset as ds  # noqa: E402
from sar_change.models.segmentation import metrics as mx  # noqa: E402

SHAPE = (256, 256)
WATER, ICE, LAND = (ss.CLASSES.index(c) for c in ("water", "ice", "land"))
#: Scene incidence bins (deg) of the per-incidence tables.
INCIDENCE_BINS = (29.0, 33.0, 37.0, 41.0, 46.5)
#: Box sizes (pixels) of the context features.
BOXES = (5, 11, 21, 41)
TEXTURE_BOXES = (5, 11)
#: Distance-to-boundary bins (pixels) of the network's errors.
DISTANCE_BINS = (0, 2, 4, 8, 16, 10**6)


def scenes(seeds, season):
    return [ss.segmentation_scene(s, season, shape=SHAPE) for s in seeds]


def features(sc, kind):
    """(H * W, F) float32 features of one scene: "pixel", "clean" (speckle-free pixel) or "context"."""
    inc = sc["incidence_deg"]
    if kind == "pixel":
        cols = [sc["vv_db"], sc["vh_db"], inc]
    elif kind == "clean":
        cols = [sc["clean_vv_db"], sc["clean_vh_db"], inc]
    elif kind in ("context", "clean_context"):
        pre = "clean_" if kind == "clean_context" else ""
        cols = [sc[pre + "vv_db"], sc[pre + "vh_db"], inc]
        for band in ("vv_db", "vh_db"):
            power = np.power(10.0, sc[pre + band].astype(np.float64) / 10.0)
            cols += [ss.to_db(ndimage.uniform_filter(power, b, mode="reflect")) for b in BOXES]
        vv = sc[pre + "vv_db"].astype(np.float64)
        for b in TEXTURE_BOXES:
            m = ndimage.uniform_filter(vv, b, mode="reflect")
            m2 = ndimage.uniform_filter(vv * vv, b, mode="reflect")
            cols.append(np.sqrt(np.maximum(m2 - m * m, 0.0)))
    else:
        raise ValueError(kind)
    return np.stack([np.asarray(c, dtype=np.float32).ravel() for c in cols], 1)


FEATURE_SETS = {
    "pixel": "pixel (VV, VH, incidence)",
    "clean": "speckle-free pixel (perfect despeckling)",
    "context": "local context (boxes 5-41 px, VV texture)",
    "clean_context": "speckle-free local context",
}


def fit_classifier(train_scenes, kind, n_pixels, rng):
    """HistGradientBoostingClassifier on ``n_pixels`` random pixels of ``train_scenes``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = np.concatenate([features(sc, kind) for sc in train_scenes])
    y = np.concatenate([sc["labels"].ravel() for sc in train_scenes])
    pick = rng.choice(len(y), min(int(n_pixels), len(y)), replace=False)
    clf = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_leaf_nodes=31, random_state=0)
    return clf.fit(x[pick], y[pick])


def incidence_bin(sc):
    return int(np.clip(np.digitize(float(sc["incidence_deg"].mean()), INCIDENCE_BINS) - 1, 0,
                       len(INCIDENCE_BINS) - 2))


def bin_names():
    return [f"{a:g}-{b:g}" for a, b in zip(INCIDENCE_BINS[:-1], INCIDENCE_BINS[1:])]


def summarise(cms):
    """Scores of the summed confusion of per-scene matrices."""
    return mx.scores(np.sum(cms, axis=0), ss.CLASSES)


def score_line(name, s):
    iou = s["per_class"]
    return (f"| {name} | {s['weighted_iou']:.3f} | {s['macro_f1']:.3f} | {iou['water']['iou']:.3f} | "
            f"{iou['ice']['iou']:.3f} | {iou['land']['iou']:.3f} |")


def incidence_table(val, predictions, names):
    """Rows per scene-incidence bin: scenes, wet pixels, and per predictor the share of truth ice called
    water and of truth water called ice."""
    bins = [incidence_bin(sc) for sc in val]
    lines = ["| scene incidence (deg) | scenes | water / ice px | "
             + " | ".join(f"{n}: ice->water, water->ice" for n in names) + " |",
             "|---|---:|---:|" + "---:|" * len(names)]
    for b, label in enumerate(bin_names()):
        idx = [i for i, v in enumerate(bins) if v == b]
        if not idx:
            continue
        water = sum(int((val[i]["labels"] == WATER).sum()) for i in idx)
        ice = sum(int((val[i]["labels"] == ICE).sum()) for i in idx)
        cells = []
        for n in names:
            iw = sum(int(((val[i]["labels"] == ICE) & (predictions[n][i] == WATER)).sum()) for i in idx)
            wi = sum(int(((val[i]["labels"] == WATER) & (predictions[n][i] == ICE)).sum()) for i in idx)
            cells.append(f"{iw / max(ice, 1):.2f}, {wi / max(water, 1):.2f}")
        lines.append(f"| {label} | {len(idx)} | {water} / {ice} | " + " | ".join(cells) + " |")
    return lines


def boundary_distance(labels):
    """Distance (pixels) of every pixel to the nearest pixel of another truth class."""
    out = np.full(labels.shape, np.inf)
    for k in range(len(ss.CLASSES)):
        inside = labels == k
        if inside.any() and (~inside).any():
            d = ndimage.distance_transform_edt(inside)
            out = np.where(inside, d, out)
    return out


def boundary_table(val, predictions, names):
    lines = ["| distance to a class boundary (px) | share of wet pixels | "
             + " | ".join(f"{n}: error rate (wet), share of its wet errors" for n in names) + " |",
             "|---|---:|" + "---:|" * len(names)]
    dist = [boundary_distance(sc["labels"]) for sc in val]
    wet = [np.isin(sc["labels"], (WATER, ICE)) for sc in val]
    n_wet = sum(int(w.sum()) for w in wet)
    errs = {n: [(p != sc["labels"]) & w for p, sc, w in zip(predictions[n], val, wet)] for n in names}
    total = {n: max(sum(int(e.sum()) for e in errs[n]), 1) for n in names}
    for lo, hi in zip(DISTANCE_BINS[:-1], DISTANCE_BINS[1:]):
        inbin = [w & (d > lo) & (d <= hi) for w, d in zip(wet, dist)]
        px = sum(int(m.sum()) for m in inbin)
        cells = []
        for n in names:
            e = sum(int((errs[n][i] & inbin[i]).sum()) for i in range(len(val)))
            cells.append(f"{e / max(px, 1):.3f}, {e / total[n]:.2f}")
        label = f"{lo + 1}-{hi}" if hi < 10**6 else f"> {lo}"
        lines.append(f"| {label} | {px / max(n_wet, 1):.3f} | " + " | ".join(cells) + " |")
    return lines


def region_table(val, predictions, names, min_pixels=20):
    """Truth ice floes (connected components >= ``min_pixels``): share of floes and of floe pixels by
    how much of the floe is called water."""
    edges = (0.0, 0.2, 0.5, 0.8, 1.0001)
    lines = ["| share of the floe called water | " + " | ".join(f"{n}: floes, share of ice->water px"
                                                               for n in names) + " |",
             "|---|" + "---:|" * len(names)]
    rows = {n: np.zeros((len(edges) - 1, 2)) for n in names}
    for i, sc in enumerate(val):
        comp, k = ndimage.label(sc["labels"] == ICE)
        sizes = np.bincount(comp.ravel(), minlength=k + 1)
        for n in names:
            wrong = np.bincount(comp.ravel(), weights=(predictions[n][i] == WATER).ravel(), minlength=k + 1)
            for c in range(1, k + 1):
                if sizes[c] < min_pixels:
                    continue
                share = wrong[c] / sizes[c]
                b = int(np.digitize(share, edges) - 1)
                rows[n][b] += (1, wrong[c])
    for b in range(len(edges) - 1):
        label = f"{edges[b]:.0%}-{min(edges[b + 1], 1.0):.0%}"
        cells = []
        for n in names:
            r = rows[n]
            cells.append(f"{int(r[b, 0])}, {r[b, 1] / max(r[:, 1].sum(), 1):.2f}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def overlap_lines(val, predictions, model, others):
    """Of the network's wet-pixel errors, the share each other predictor gets right."""
    wrong = [(p != sc["labels"]) & np.isin(sc["labels"], (WATER, ICE))
             for p, sc in zip(predictions[model], val)]
    n = max(sum(int(w.sum()) for w in wrong), 1)
    out = []
    for o in others:
        right = sum(int((w & (predictions[o][i] == val[i]["labels"])).sum()) for i, w in enumerate(wrong))
        out.append(f"- of the network's {n} wrong water/ice pixels, {right / n:.2f} are right by {o}")
    return out


def floor_confusion(val, stride):
    """Confusion (rows truth) of the truth itself averaged (one-hot) over stride x stride cells and
    upsampled bilinearly, as a classifier at that output stride with perfect cell probabilities gives."""
    import torch
    from torch.nn import functional as F

    lab = torch.from_numpy(np.stack([sc["labels"] for sc in val]).astype(np.int64))
    onehot = F.one_hot(lab, len(ss.CLASSES)).permute(0, 3, 1, 2).float()
    up = F.interpolate(F.avg_pool2d(onehot, stride), size=lab.shape[1:], mode="bilinear", align_corners=False)
    return mx.confusion(lab.numpy(), up.argmax(1).numpy(), 3)


def resolution_floor(val, strides=(2, 4, 8)):
    """Lines: scores of ``floor_confusion`` at each output stride."""
    lines = ["| output stride of the truth | weighted IoU | IoU water | IoU ice | IoU land |",
             "|---|---:|---:|---:|---:|"]
    for st in strides:
        s = mx.scores(floor_confusion(val, st), ss.CLASSES)
        iou = s["per_class"]
        lines.append(f"| {st} | {s['weighted_iou']:.3f} | {iou['water']['iou']:.3f} | "
                     f"{iou['ice']['iou']:.3f} | {iou['land']['iou']:.3f} |")
    return lines


def training_signal(train_sets, patch, n_patches, seed=0):
    """Lines: class shares per season of the training scenes and the share of sampled patches holding
    melt ice (>= 1 % of the patch) and their centre classes."""
    lines = []
    for season_i, season in enumerate(ss.SEASONS):
        sets = train_sets[season_i::2]
        counts = ds.class_counts(sets, 3)
        share = counts / counts.sum()
        lines.append(f"- training scenes, {season}: {len(sets)} scenes, class shares water {share[0]:.3f}, "
                     f"ice {share[1]:.3f}, land {share[2]:.3f}; scenes holding a sea (water + ice > 10 %): "
                     f"{sum(np.isin(lab, (WATER, ICE)).mean() > 0.1 for _, lab in sets)}")
    rng = np.random.default_rng([seed, 0])
    index = ds.labelled_index(train_sets)
    samples = ds.random_samples(train_sets, index, patch, n_patches, rng, augment=False)
    melt_ice, centre = 0, np.zeros(3)
    for s, r0, c0, _, _ in samples:
        lab = train_sets[s][1][r0 : r0 + patch, c0 : c0 + patch]
        if s % 2 == 1 and (lab == ICE).mean() >= 0.01:
            melt_ice += 1
        centre[lab[patch // 2, patch // 2]] += 1
    lines.append(f"- of {n_patches} sampled {patch}-px patches: {melt_ice / n_patches:.2f} hold melt ice "
                 f"(>= 1 % of the patch); patch-centre classes water {centre[0] / n_patches:.2f}, "
                 f"ice {centre[1] / n_patches:.2f}, land {centre[2] / n_patches:.2f}")
    return lines


def train_network(args, train_sets, val_sets):
    from sar_change.models.segmentation import config as cfg
    from sar_change.models.segmentation import training

    network = dict(cfg.NETWORK)
    for item in args.network or []:
        k, v = item.split("=", 1)
        network[k] = json.loads(v)
    return training.train(
        train_sets, val_sets, ss.CLASSES, out_onnx=None, epochs=args.epochs, patches_per_epoch=256,
        patch=128, batch=8, patience=args.patience, max_minutes=args.max_minutes, seed=0,
        init=args.encoder, network=network,
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seasons", default="melt,freeze")
    p.add_argument("--bound-seeds", type=int, default=40, help="training seeds the classifiers are fitted on")
    p.add_argument("--bound-pixels", type=int, default=300_000, help="pixels each classifier is fitted on")
    p.add_argument("--val-scenes", type=int, default=20)
    p.add_argument("--kinds", default="pixel,clean,context", help=f"classifiers: {', '.join(FEATURE_SETS)}")
    p.add_argument("--no-bounds", action="store_true", help="leave out the fitted classifiers")
    p.add_argument("--model", action="store_true", help="also train the benchmark's network and diagnose it")
    p.add_argument("--encoder", default="models/segmentation/pretrained_encoder.pt")
    p.add_argument("--train-scenes", type=int, default=24)
    p.add_argument("--max-minutes", type=float, default=2.5)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--patience", type=int, default=6)
    p.add_argument("--network", nargs="*", help="config.NETWORK overrides KEY=VALUE")
    p.add_argument("--out", default=None)
    p.add_argument("--section", default=None)
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    command = "flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation_diagnosis.py " + shlex.join(
        argv if argv is not None else sys.argv[1:])
    printed = []

    def say(text=""):
        printed.append(text)
        print(text, flush=True)

    seasons = [ss.check_season(s) for s in args.seasons.split(",")]
    val_seeds = ss.VALIDATION_SEEDS[: args.val_scenes]
    model = None
    if args.model:
        import torch
        from segmentation import labelled_sets

        from sar_change.models.segmentation.training import predict_classes

        torch.set_num_threads(2)
        seeds = ss.TRAIN_SEEDS[: args.train_scenes]
        val_train = ss.TRAIN_SEEDS[args.train_scenes : args.train_scenes + 2]
        train_sets = labelled_sets(seeds, 1.0, None)
        summary = train_network(args, train_sets, labelled_sets(val_train, 1.0, None))
        model = summary["model"]
        hist = summary["epochs"]
        say("## Training signal (the benchmark's setup)")
        say()
        for line in training_signal(train_sets, 128, 2048):
            say(line)
        best = summary["best_epoch"]
        vals = [(r["epoch"], r["val"]) for r in hist if r.get("val") is not None]
        say(f"- run: best epoch {best} of {len(vals)} run in {summary['seconds']:.0f} s "
            f"(time limit {args.max_minutes} min, patience {args.patience}); validation loss by epoch: "
            + ", ".join(f"{e}: {v:.3f}" for e, v in vals[:: max(1, len(vals) // 12)]))
        say()
    for season in seasons:
        rng = np.random.default_rng(0)
        train = [] if args.no_bounds else scenes(ss.TRAIN_SEEDS[: args.bound_seeds], season)
        val = scenes(val_seeds, season)
        predictions = {}
        for kind in [] if args.no_bounds else args.kinds.split(","):
            name = FEATURE_SETS[kind]
            clf = fit_classifier(train, kind, args.bound_pixels, rng)
            predictions[name] = [clf.predict(features(sc, kind)).reshape(SHAPE).astype(np.uint8)
                                 for sc in val]
        if model is not None:
            predictions["network"] = [predict_classes(model, ss.scene_image(sc))[0] for sc in val]
        names = list(predictions)
        say(f"## {season}: {len(val)} validation scenes (seeds {val_seeds[0]}-{val_seeds[-1]})")
        say()
        say("Resolution floor (the truth at an output stride, upsampled):")
        say()
        for line in resolution_floor(val):
            say(line)
        say()
        if not names:
            continue
        say("| predictor | weighted IoU | macro F1 | IoU water | IoU ice | IoU land |")
        say("|---|---:|---:|---:|---:|---:|")
        for n in names:
            cms = [mx.confusion(sc["labels"], p, 3) for sc, p in zip(val, predictions[n])]
            s = summarise(cms)
            say(score_line(n, s))
        say()
        for n in names:
            cm = np.sum([mx.confusion(sc["labels"], p, 3) for sc, p in zip(val, predictions[n])], axis=0)
            say(f"- confusion, {n} (rows truth, columns predicted water/ice/land): {cm.tolist()}")
        say()
        say("Water/ice confusion by scene incidence (share of the truth class):")
        say()
        for line in incidence_table(val, predictions, names):
            say(line)
        say()
        say("Water/ice errors by distance to the nearest class boundary of the truth:")
        say()
        for line in boundary_table(val, predictions, names):
            say(line)
        say()
        say("Truth ice floes (>= 20 px) by the share called water:")
        say()
        for line in region_table(val, predictions, names):
            say(line)
        if model is not None:
            say()
            for line in overlap_lines(val, predictions, "network", [n for n in names if n != "network"]):
                say(line)
        say()
    say(f"total {time.perf_counter() - t0:.0f} s. Command: {command}")
    if args.out:
        from sar_change.models.framework.card import replace_section

        if not os.path.isfile(args.out):
            with open(args.out, "w", encoding="utf-8") as f:
                f.write("# Segmentation diagnosis (validation seeds only)\n")
        replace_section(args.out, args.section, "\n".join(printed).strip().replace("## ", "### "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
