"""SAR segmentation: SAR-pretrained versus randomly initialised encoders with few labels (simulator scenes).

The protocol of Karimzadeh & Pires de Lima (2022), scaled to two CPU cores:

1. pretraining (no labels): the encoder learns to despeckle simulated
   single-look scenes (``models.segmentation.pretrain``, seeds 500+), or an
   existing encoder is loaded (``--encoder``);
2. labelled training scenes ("some dates"): ``--train-scenes`` seeds of
   ``core.simulator.segmentation.TRAIN_SEEDS`` (plus ``--extra-train-scenes``
   seeds of ``EXTRA_TRAIN_SEEDS``, 700+), each in the freeze and the melt
   season; ``--fractions`` of their 32 x 32-pixel cells keep their labels
   (1: fully labelled scenes, as the paper; below 1: the "few labels"
   setting); validation: two further training seeds in both seasons, fully
   labelled (used for the best epoch and early stopping only);
3. for each label fraction, each initialisation (random, pretrained) and each
   seed (``--seeds``): the same budget (epochs, patches, patience, time limit);
4. test: held-out scenes (``TEST_SEEDS``: other DEMs, floes, wind, speckle),
   ``--test-scenes`` per season, whole scenes; macro F1, mean / micro /
   weighted IoU, IoU per class, confusion matrix per season; epochs to the best
   validation loss.

Everything is chosen before the test scenes are seen: the test seeds are never
used for training, validation or pretraining. A setup (budget, number of
scenes, patch size) is chosen with ``--score-on validation``: the same runs
scored on ``VALIDATION_SEEDS`` scenes (neither training, selection,
pretraining nor test seeds) instead of the test scenes; the defaults (24
scenes per season, 128-pixel patches, 2.5 minutes per run) were chosen so.
``--validation-first-seed`` moves the validation scenes to other unused seeds
(``FREE_SEEDS`` 200-499) for a confirmatory round on scenes no earlier choice saw.
Scenes are small (256 x 256 pixels of 20 m, hilly to mountainous terrain, 4
looks) and budgets short so the whole run stays within ~17 minutes on two
cores; the network is the
paper's (ResNet-18 cut after its third block + ASPP) at a quarter of its width
(16 instead of 64 channels in the first stage) with the DeepLabv3+ skip and the
stride-2 refinement (``config.NETWORK``); the figures say what happens at that
scale, not at the paper's.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation.py [--ship] [--json out.json]

``--ship`` writes the pretrained encoder (and its card) to
models/segmentation/pretrained_encoder.pt, the registered pretrained source
"segmentation.sar_despeckling", and then trains the shipped model
models/segmentation.onnx (water / ice / land; card models/segmentation.md
written by that training run): ``--ship-scenes`` training seeds in both
seasons, fully labelled, from the pretrained encoder with focal loss and
square-root inverse-frequency class weights, with and without the decoder's
stride-2 refinement (``SHIP_CANDIDATES``; validation seeds, never trained
on, for the best epoch); each candidate's decision rule (a prior correction
of its class weights, ``PRIOR_ALPHAS``) and then the candidate itself are
chosen by the water-or-ice IoU on river-only selection scenes
(``RIVER_SELECTION_SEEDS``: never trained on, never the test seeds, never
the demo); the decision rule is exported inside the graph. The chosen
model's scores on the held-out test scenes are printed (and go to --json),
never used to choose it. It replaces models/segmentation.onnx (and its card)
only if it beats the shipped model on the same river-only selection scenes,
both run through ONNX as the plugin runs them: over all of them by at least
``SHIP_MARGIN`` and in no season below ``1 - SEASON_TOLERANCE`` of the shipped
model's IoU there (``replaces_shipped``); otherwise the shipped model stays (an
encoder pretrained by the same run is written either way).

``--out FILE --section HEADING`` writes the printed output of a run as the
section ``## HEADING`` of FILE (benchmarks/results/segmentation.md).
Candidates of a setup are tried with ``--network KEY=VALUE`` (``config.NETWORK``,
e.g. ``full_level=true``), ``--balance`` (class-balanced patch centres),
``--schedule``, ``--class-weights``, ``--loss``, ``--patience`` and
``--first-seed`` (other training seeds), ``--ema`` (the decay per step of
the weight average validated and kept; 0.99 chosen on the validation seeds,
results "sel M"); the same trained models are also scored with test-time
augmentation (``--tta 1,2,4,8``: probabilities averaged over flips /
rotations, ``models.segmentation.tta``) and as seed ensembles
(``--ensemble``); ``segmentation_diagnosis.py`` says where the errors are.
"""

import argparse
import json
import os
import shlex
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".plugins"))

import numpy as np  # noqa: E402

from sar_change.core.simulator import segmentation as ss  # noqa: E402
from sar_change.models.segmentation import dataset as ds  # noqa: E402
from sar_change.models.segmentation import metrics as mx  # noqa: E402
from sar_change.models.segmentation import tta  # noqa: E402

SHAPE = (256, 256)
CELL = 32
SHIPPED = os.path.join(os.path.dirname(HERE), "models", "segmentation.onnx")


def input_filter_arg(text, looks=4.0):
    """``FilterParams`` of ``--input-filter NAME[:WINDOW]`` (a ``core.speckle.registry`` method, window
    in pixels, odd; the filter's ENL is the scenes' ``looks``), or None for "" / "none"."""
    from sar_change.core.speckle import registry

    if text in ("", "none"):
        return None
    name, _, window = text.partition(":")
    params = registry.FilterParams(method=name, size=int(window) if window else 7, looks=looks)
    if name in registry.LEARNED:
        raise ValueError(f"{name}: the benchmark uses the numpy filters only ({registry.METHODS})")
    registry.validate(params)
    return params


def scene_of(seed, season, looks=4.0, input_filter=None):
    """``ss.segmentation_scene`` at ``SHAPE``; with ``input_filter`` (``FilterParams``) its VV and VH
    sigma0 (dB) are speckle-filtered in linear power first (what a user does before segmenting), so
    the network's inputs and its speckle-contrast features see the filtered bands; labels unchanged."""
    sc = ss.segmentation_scene(seed, season, shape=SHAPE, looks=looks)
    if input_filter is None:
        return sc
    from sar_change.core.engine import scale as scales
    from sar_change.core.speckle import registry

    func, _ = registry.make_block_function(input_filter, scale=scales.DB)
    return {
        **sc,
        "vv_db": func(sc["vv_db"]).astype(np.float32),
        "vh_db": func(sc["vh_db"]).astype(np.float32),
    }


def labelled_sets(seeds, fraction, rng, looks=4.0, input_filter=None):
    """(image, labels with only ``fraction`` of the cells kept) for each seed in both seasons (``looks``:
    ENL of the simulated speckle, inf: none; ``input_filter``: see ``scene_of``)."""
    out = []
    for seed in seeds:
        for season in ss.SEASONS:
            sc = scene_of(seed, season, looks, input_filter)
            labels = sc["labels"] if fraction >= 1 else ds.subsample_labels(sc["labels"], fraction, CELL, rng)
            out.append((ss.scene_image(sc), labels))
    return out


def scene_probabilities(model, scenes, views=1):
    """{season: [probabilities (K, H, W) of each scene]} of a torch model, averaged over ``views``
    flips / rotations (``tta.averaged``; 1: the plain prediction)."""
    from sar_change.models.segmentation.training import predict_classes

    def predict(image):
        return predict_classes(model, image)[1]

    return {
        season: [tta.averaged(predict, ss.scene_image(sc), views) for sc in scenes[season]]
        for season in ss.SEASONS
    }


def scores_of(probabilities, scenes):
    """Per season: scores of the summed confusion matrix of the argmax of ``probabilities``
    (``scene_probabilities``) over the scenes."""
    out = {}
    for season in ss.SEASONS:
        cm = np.zeros((3, 3), dtype=np.int64)
        for sc, p in zip(scenes[season], probabilities[season]):
            cm += mx.confusion(sc["labels"], p.argmax(0).astype(np.uint8), 3)
        s = mx.scores(cm, ss.CLASSES)
        s["confusion"] = cm.tolist()
        out[season] = s
    return out


def test_scores(model, scenes, views=1):
    """Per season: scores of the summed confusion matrix over the test scenes."""
    return scores_of(scene_probabilities(model, scenes, views), scenes)


#: Shipped-model candidates: the SAR-pretrained encoder with focal loss and square-root inverse
#: frequency class weights (fully balanced weights traded missed rivers for false water on the banks),
#: with the classifier at stride 4 or after the stride-2 refinement (``config.NETWORK`` fine_level).
SHIP_CANDIDATES = {
    "focal-sqrt": {"loss": "focal", "class_weights": "sqrt", "network": {"fine_level": False}},
    "focal-sqrt-fine": {"loss": "focal", "class_weights": "sqrt", "network": {"fine_level": True}},
}
#: Decision rules tried after each candidate's training: prior corrections ``-alpha log(w)`` of the
#: class weights w (``training.prior_correction``; 0: argmax of the weighted model, 1: the weights'
#: shift undone, above 1: stricter still on the rare classes).
PRIOR_ALPHAS = tuple(np.round(np.arange(-1.0, 2.0001, 0.125), 3).tolist())
#: Seeds free for validation scenes: after the river-only selection seeds (136-199), before the
#: pretraining seeds (500+) and the test seeds (900+); 200-219 are ``VALIDATION_SEEDS``.
FREE_SEEDS = range(200, 500)


def scored_scene_seeds(args):
    """Seeds of the scored scenes: the first ``--test-scenes`` test seeds, or with ``--score-on
    validation`` that many consecutive seeds from ``--validation-first-seed`` (all in ``FREE_SEEDS``)."""
    if args.score_on == "test":
        return ss.TEST_SEEDS[: args.test_scenes]
    seeds = tuple(range(args.validation_first_seed, args.validation_first_seed + args.test_scenes))
    if seeds[0] not in FREE_SEEDS or seeds[-1] not in FREE_SEEDS:
        raise SystemExit(
            f"validation seeds {seeds[0]}-{seeds[-1]} leave {FREE_SEEDS.start}-{FREE_SEEDS.stop - 1} "
            "(training, river-only selection, pretraining or test seeds): "
            "choose another --validation-first-seed"
        )
    return seeds


#: Seeds searched for river-only selection scenes: after the shipped training and validation seeds,
#: before the pretraining seeds (500+) and the test seeds (900+).
RIVER_SELECTION_SEEDS = range(136, 200)
#: Further labelled training seeds (``--extra-train-scenes``): after the pretraining seeds (500-699),
#: before the test seeds (900+); never validation, selection, pretraining or test scenes.
EXTRA_TRAIN_SEEDS = range(700, 900)


def training_seeds(train_scenes, extra_train_scenes=0):
    """(training seeds, early-stopping seeds): the first ``train_scenes`` of ``TRAIN_SEEDS`` plus the
    first ``extra_train_scenes`` of ``EXTRA_TRAIN_SEEDS``; the two ``TRAIN_SEEDS`` after the first
    ``train_scenes`` stop early whatever the extra count (so runs differing only in it share them)."""
    if train_scenes + 2 > len(ss.TRAIN_SEEDS) or extra_train_scenes > len(EXTRA_TRAIN_SEEDS):
        raise SystemExit(
            f"--train-scenes {train_scenes} / --extra-train-scenes {extra_train_scenes}: at most "
            f"{len(ss.TRAIN_SEEDS) - 2} / {len(EXTRA_TRAIN_SEEDS)}"
        )
    seeds = tuple(ss.TRAIN_SEEDS[:train_scenes]) + tuple(EXTRA_TRAIN_SEEDS[:extra_train_scenes])
    return seeds, tuple(ss.TRAIN_SEEDS[train_scenes : train_scenes + 2])


def river_only_scenes(n, shape=SHAPE):
    """The first ``n`` seeds of ``RIVER_SELECTION_SEEDS`` whose scenes hold no sea (water plus ice
    below ``SEA_SHARE[0]`` of the pixels: land with its river and small lakes), both seasons."""
    seeds, scenes = [], []
    for seed in RIVER_SELECTION_SEEDS:
        pair = [ss.segmentation_scene(seed, season, shape=shape) for season in ss.SEASONS]
        wet = np.isin(pair[0]["labels"], (ss.CLASSES.index("water"), ss.CLASSES.index("ice"))).mean()
        if wet < ss.SEA_SHARE[0]:
            seeds.append(seed)
            scenes += pair
        if len(seeds) == n:
            break
    return seeds, scenes


WET_IDS = (ss.CLASSES.index("water"), ss.CLASSES.index("ice"))


def wet_counts(labels, classes):
    """Water-or-ice (the demo's "water") against the truth water-or-ice: {iou, recall, precision}."""
    truth, pred = np.isin(labels, WET_IDS), np.isin(classes, WET_IDS)
    tp, fp, fn = int((truth & pred).sum()), int((~truth & pred).sum()), int((truth & ~pred).sum())
    return {
        "iou": tp / max(tp + fp + fn, 1),
        "recall": tp / max(tp + fn, 1),
        "precision": tp / max(tp + fp, 1),
    }


def wet_scores(model, scenes):
    """``wet_counts`` of the model's classes (its decision rule applied) over ``scenes``, all pixels
    pooled."""
    from sar_change.models.segmentation.training import predict_classes

    labels = np.concatenate([sc["labels"].ravel() for sc in scenes])
    classes = np.concatenate([predict_classes(model, ss.scene_image(sc))[0].ravel() for sc in scenes])
    return wet_counts(labels, classes)


def onnx_wet_scores(path, scenes):
    """``wet_counts`` of an exported model (ONNX at ``path``, its decision rule inside the graph) run as
    the plugin runs it (``apply.classify``: tiles with blending) over ``scenes``, all pixels pooled, plus
    ``"seasons"``: the same per season of the scenes."""
    from sar_change.models.segmentation import apply

    model = apply.load_model(path, threads=2)
    pairs = [
        (sc["season"], sc["labels"].ravel(), apply.classify(model, ss.scene_image(sc))[0].ravel())
        for sc in scenes
    ]

    def pooled(rows):
        return wet_counts(np.concatenate([r[1] for r in rows]), np.concatenate([r[2] for r in rows]))

    names = dict.fromkeys(r[0] for r in pairs)
    seasons = {season: pooled([r for r in pairs if r[0] == season]) for season in names}
    return {**pooled(pairs), "seasons": seasons}


#: The ship gate (benchmarks/results/segmentation.md "Ship gate (written before it runs)", 2026-12-03):
#: the pooled water-or-ice IoU over all selection scenes must gain at least ``SHIP_MARGIN`` (above the
#: 0.015 that two draws of the same candidate moved), and no season may fall below ``1 - SEASON_TOLERANCE``
#: of the shipped model's own IoU in that season (a tenth of what its users had, at most).
SHIP_MARGIN = 0.02
SEASON_TOLERANCE = 0.10
SHIP_GATE = (
    f"pooled water-or-ice IoU at least {SHIP_MARGIN:g} above the shipped model's and in every season at "
    f"least {1 - SEASON_TOLERANCE:g} x the shipped model's (3 decimals)"
)


def replaces_shipped(candidate, shipped, margin=SHIP_MARGIN, tolerance=SEASON_TOLERANCE):
    """True when a new model's water-or-ice scores (``onnx_wet_scores``) on the selection scenes pass the
    ship gate against the shipped model's (``shipped`` None: no shipped model): over all scenes at least
    ``margin`` (IoU) higher, and in each season of the shipped model at least ``1 - tolerance`` times its
    IoU there (figures to 3 decimals). A season may lose a little for a clear gain overall, never more
    than a fraction ``tolerance`` of what the shipped model gives its users; a season the new model does
    not report counts as lost."""
    if shipped is None:
        return True

    def r(x):
        return round(float(x), 3)

    if r(candidate["iou"]) < r(r(shipped["iou"]) + margin):
        return False
    ours = candidate.get("seasons", {})
    return all(
        k in ours and r(ours[k]["iou"]) >= r((1.0 - tolerance) * r(v["iou"]))
        for k, v in shipped.get("seasons", {}).items()
    )


def prior_decision(scenes):
    """``training.train(decide=...)``: the prior correction (``PRIOR_ALPHAS``) with the highest
    water-or-ice IoU over ``scenes`` (the river-only selection scenes), ties to the smaller |alpha|."""
    from sar_change.models.segmentation.training import predict_logits, prior_correction

    def decide(model, class_weights):
        if class_weights is None:
            return [0.0] * len(ss.CLASSES), {"rule": "argmax (unweighted training: no prior correction)"}
        labels = np.concatenate([sc["labels"].ravel() for sc in scenes])
        logits = np.concatenate(
            [predict_logits(model, ss.scene_image(sc)).reshape(len(ss.CLASSES), -1) for sc in scenes], 1
        )
        grid = []
        for alpha in PRIOR_ALPHAS:
            bias = np.asarray(prior_correction(class_weights, alpha))[:, None]
            grid.append({"alpha": alpha, **wet_counts(labels, (logits + bias).argmax(0))})
        best = max(grid, key=lambda r: (round(r["iou"], 4), -abs(r["alpha"])))
        rule = (
            f"argmax of the logits plus the prior correction -alpha log(w) of the class weights w, alpha "
            f"{best['alpha']:g} of {PRIOR_ALPHAS[0]:g} to {PRIOR_ALPHAS[-1]:g} in steps of "
            f"{PRIOR_ALPHAS[1] - PRIOR_ALPHAS[0]:g}: the highest water-or-ice IoU on the river-only "
            "selection scenes (never trained on, never the test scenes, never the demo)"
        )
        info = {"rule": rule, "alpha": best["alpha"], "grid": grid}
        return prior_correction(class_weights, best["alpha"]), info

    return decide


def ship_model(args, encoder, tests, command, training, say=print):
    """Train the shipped model (``SHIP_CANDIDATES``, from the pretrained encoder), keep the one with
    the higher water-or-ice IoU on river-only selection scenes (seeds never trained on, never the
    test seeds, never the demo), write it with its card to models/; returns the candidates'
    validation figures and the chosen one's test scores."""
    import shutil
    import tempfile

    seeds = ss.TRAIN_SEEDS[: args.ship_scenes]
    val_seeds = ss.TRAIN_SEEDS[args.ship_scenes : args.ship_scenes + 4]
    river_seeds, river_scenes = river_only_scenes(4)
    train_sets = labelled_sets(seeds, 1.0, None)
    val_sets = labelled_sets(val_seeds, 1.0, None)
    colours = ["#%02x%02x%02x" % c for c in ss.COLOURS]
    folder = tempfile.mkdtemp(prefix="sar_change_seg_ship_")
    selection = (
        f"higher water-or-ice IoU on the river-only selection seeds {river_seeds} (both seasons) "
        f"among {sorted(SHIP_CANDIDATES)}"
    )
    candidates = {}
    for name, opts in SHIP_CANDIDATES.items():
        opts = dict(opts)
        if "network" in opts:
            opts["network"] = {**training.cfg.NETWORK, **opts["network"]}
        out = os.path.join(folder, f"segmentation_{name}.onnx")
        summary = training.train(
            train_sets,
            val_sets,
            ss.CLASSES,
            out_onnx=out,
            colours=colours,
            epochs=200,
            patience=10,
            max_minutes=args.ship_minutes,
            seed=0,
            init=encoder,
            checkpoint=None,
            command=command,
            sources={
                "simulator": "core.simulator.segmentation (freeze and melt, 256 x 256 px of 20 m, 4 looks)",
                "train_seeds": [seeds[0], seeds[-1]],
                "validation_seeds": [val_seeds[0], val_seeds[-1]],
                "river_selection_seeds": river_seeds,
                "candidate": name,
                "selection": selection,
            },
            decide=prior_decision(river_scenes),
            **opts,
        )
        wet = wet_scores(summary["model"], river_scenes)
        candidates[name] = {
            "onnx": out,
            "alpha": summary["metrics"]["decision"].get("alpha"),
            "river_wet_iou": wet["iou"],
            "river_wet_recall": wet["recall"],
            "river_wet_precision": wet["precision"],
            "val_loss": summary["metrics"]["val_loss"],
            "val_weighted_iou": summary["metrics"]["val_weighted_iou"],
            "val_macro_f1": summary["metrics"]["val_macro_f1"],
            "best_epoch": summary["best_epoch"],
            "test": test_scores(summary["model"], tests),
        }
        say(
            f"shipped candidate {name} (prior alpha {candidates[name]['alpha']}): river-only "
            f"water-or-ice IoU {wet['iou']:.3f} (recall "
            f"{wet['recall']:.3f}, precision {wet['precision']:.3f}); validation loss "
            f"{candidates[name]['val_loss']:.4f}, weighted IoU {candidates[name]['val_weighted_iou']:.3f}, "
            f"best epoch {summary['best_epoch']}"
        )
    chosen = max(candidates, key=lambda k: candidates[k]["river_wet_iou"])
    src = candidates[chosen]["onnx"]
    # the chosen model replaces the shipped one only if it beats it on the same selection scenes, both
    # run through ONNX as the plugin runs them (the shipped model scored on today's simulator)
    new = onnx_wet_scores(src, river_scenes)
    old = onnx_wet_scores(SHIPPED, river_scenes) if os.path.isfile(SHIPPED) else None

    def described(w):
        per = ", ".join(f"{k} {v['iou']:.3f}" for k, v in w["seasons"].items())
        return f"{w['iou']:.3f} (recall {w['recall']:.3f}, precision {w['precision']:.3f}; {per})"

    versus = f"river-only water-or-ice IoU through ONNX: {chosen} {described(new)} vs the shipped model " + (
        "(none)" if old is None else described(old)
    )
    say(f"{versus}; gate: {SHIP_GATE}")

    def outcome(line, shipped):
        for v in candidates.values():
            v.pop("onnx")
        return {
            "chosen": chosen,
            "candidates": candidates,
            "line": line,
            "shipped": shipped,
            "selection_onnx": {"candidate": new, "shipped": old},
        }

    if not replaces_shipped(new, old):
        shutil.rmtree(folder, ignore_errors=True)
        return outcome(f"NOT shipped: {versus}; {SHIPPED} and its card are unchanged", False)
    shutil.copyfile(src, SHIPPED)
    card = os.path.splitext(SHIPPED)[0] + ".md"
    with open(os.path.splitext(src)[0] + ".md", encoding="utf-8") as f:
        text = f.read()
    rows = [
        "",
        "## Selection (written by benchmarks/segmentation.py --ship)",
        "",
        f"Criterion: {selection}, each with its decision rule (see above); the water-or-ice class is "
        "scored against the truth water-or-ice over whole 256 x 256 px scenes. The validation columns "
        "are the argmax of the trained probabilities (before the decision rule).",
        "",
        "| candidate | prior alpha | river-only water IoU | recall | precision | validation loss "
        "| validation weighted IoU | validation macro F1 | best epoch |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {k} | {v['alpha']} | {v['river_wet_iou']:.3f} | {v['river_wet_recall']:.3f} | "
        f"{v['river_wet_precision']:.3f} | "
        f"{v['val_loss']:.4f} | {v['val_weighted_iou']:.3f} | {v['val_macro_f1']:.3f} | {v['best_epoch']} |"
        for k, v in candidates.items()
    ]
    rows += ["", f"Shipped: the {chosen} candidate ({versus}); gate: {SHIP_GATE}."]
    with open(card, "w", encoding="utf-8") as f:
        f.write(text.rstrip() + "\n" + "\n".join(rows) + "\n")
    shutil.rmtree(folder, ignore_errors=True)
    test = candidates[chosen]["test"]
    line = f"shipped {SHIPPED} ({chosen}); held-out test scenes: " + "; ".join(
        f"{s} F1 {test[s]['macro_f1']:.3f} wIoU {test[s]['weighted_iou']:.3f} "
        f"confusion {test[s]['confusion']}"
        for s in ss.SEASONS
    )
    return outcome(line, True)


def class_weights_arg(text):
    """``--class-weights``: "none", "sqrt", "balanced" or comma-separated numbers (one per class)."""
    if text in ("none", "sqrt", "balanced"):
        return None if text == "none" else text
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: none, sqrt, balanced or numbers like 1,2,1") from None


def network_arg(items, defaults):
    """``--network`` KEY=VALUE items (JSON values) over ``defaults`` (``config.NETWORK``)."""
    out = dict(defaults)
    for item in items:
        key, _, value = item.partition("=")
        if key not in out:
            raise SystemExit(f"--network {item}: unknown key {key!r} (one of {sorted(out)})")
        out[key] = json.loads(value)
    return out


def mean_sd(values):
    v = np.array([x for x in values if x is not None], dtype=np.float64)
    return (float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0) if v.size else (None, None)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--encoder", default=None, help="use this pretrained encoder (.pt) instead of pretraining")
    p.add_argument("--pretrain-minutes", type=float, default=2.0)
    p.add_argument("--pretrain-scenes", type=int, default=48)
    p.add_argument("--train-scenes", type=int, default=24, help="labelled training seeds (x 2 seasons)")
    p.add_argument(
        "--extra-train-scenes",
        type=int,
        default=0,
        help="further labelled training seeds from EXTRA_TRAIN_SEEDS (700+), same early-stopping seeds",
    )
    p.add_argument(
        "--looks",
        type=float,
        default=4.0,
        help="ENL of the simulated speckle of every scene (a what-if; inf: speckle-free; default 4)",
    )
    p.add_argument(
        "--input-filter",
        default="none",
        help="speckle filter NAME[:WINDOW] (core.speckle, e.g. lee_sigma:7, boxcar:3) applied to every "
        "scene's VV and VH before training, early stopping and scoring (default none)",
    )
    p.add_argument("--test-scenes", type=int, default=4, help="held-out test scenes per season")
    p.add_argument(
        "--score-on",
        choices=("test", "validation"),
        default="test",
        help="score on the held-out test seeds or on validation seeds (for choosing a setup)",
    )
    p.add_argument(
        "--validation-first-seed",
        type=int,
        default=ss.VALIDATION_SEEDS[0],
        help="first validation scene seed with --score-on validation (fresh scenes for a confirmatory "
        f"round, e.g. 220; within {FREE_SEEDS.start}-{FREE_SEEDS.stop - 1})",
    )
    p.add_argument("--inits", default="random,pretrained", help="initialisations to run, comma-separated")
    p.add_argument("--fractions", default="1.0", help="shares of labelled 32-px cells, comma-separated")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0, help="first training seed of the runs")
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--patches-per-epoch", type=int, default=256)
    p.add_argument(
        "--patience", type=int, default=12, help="early-stopping patience (epochs; 12: results 'sel P')"
    )
    p.add_argument(
        "--schedule",
        choices=("plateau", "cosine", "constant"),
        default="plateau",
        help="learning-rate schedule of the benchmark runs (cosine: over --epochs)",
    )
    p.add_argument("--patch", type=int, default=128, help="training patch size (pixels, multiple of 16)")
    p.add_argument("--batch", type=int, default=8, help="patches per batch")
    p.add_argument("--max-minutes", type=float, default=2.5, help="time limit of each training run")
    p.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="optimiser steps of each training run at most (equal work whatever the machine's load; "
        "--max-minutes stays a safety cap; default: no limit)",
    )
    p.add_argument("--loss", choices=("ce", "focal"), default="ce", help="loss of the benchmark runs")
    p.add_argument(
        "--class-weights",
        default="none",
        type=class_weights_arg,
        help="loss weights of the benchmark runs: none, sqrt, balanced or numbers per class (water,ice,land)",
    )
    p.add_argument(
        "--balance",
        type=float,
        default=0.0,
        help="share of the training patches centred on a pixel of a class drawn uniformly",
    )
    p.add_argument(
        "--network",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="config.NETWORK overrides of the benchmark runs (JSON values), e.g. full_level=true",
    )
    p.add_argument(
        "--ema",
        type=float,
        default=0.99,
        help="decay per step of the weight average validated and kept (0: the live weights; 0.99 chosen on "
        "the validation seeds, results 'sel M')",
    )
    p.add_argument(
        "--tta",
        default="1",
        help="views of the test-time augmentation scored (comma-separated, each of 1, 2, 4, 8; the first is "
        "the runs' headline score): probabilities averaged over flips / rotations, same trained models",
    )
    p.add_argument(
        "--ensemble",
        action="store_true",
        help="also score the mean probabilities of each group's seeds (one per labels / init / views)",
    )
    p.add_argument("--ship", action="store_true", help="write the encoder and the shipped model to models/")
    p.add_argument("--ship-scenes", type=int, default=32, help="training seeds of the shipped model")
    p.add_argument("--ship-minutes", type=float, default=2.5, help="time limit of each shipped candidate")
    p.add_argument(
        "--ship-only", action="store_true", help="--ship without the benchmark runs (with --encoder)"
    )
    p.add_argument("--json", default=None)
    p.add_argument("--out", default=None, help="also write the printed output to this markdown file ...")
    p.add_argument("--section", default=None, help="... as its level-2 section of this heading (replaced)")
    args = p.parse_args(argv)
    if bool(args.out) != bool(args.section):
        p.error("--out and --section go together")
    args.ship = args.ship or args.ship_only
    try:
        views_list = [tta.check_count(v) for v in args.tta.split(",")]
    except ValueError as exc:
        p.error(f"--tta {args.tta}: {exc}")
    if args.ship and args.looks != 4.0:
        raise SystemExit("--ship trains on the simulator's 4-look scenes: leave --looks at 4")
    if args.ship and args.input_filter not in ("", "none"):
        raise SystemExit("--ship trains on the simulator's unfiltered scenes: leave --input-filter at none")
    if args.input_filter not in ("", "none") and args.looks != 4.0:
        p.error("--input-filter filters the 4-look scenes: leave --looks at 4")
    try:
        input_filter = input_filter_arg(args.input_filter, args.looks)
    except ValueError as exc:
        p.error(f"--input-filter {args.input_filter}: {exc}")
    if args.ship and args.score_on != "test":
        p.error("--ship scores the shipped model on the test scenes: leave --score-on at test")

    import torch

    from sar_change.models.segmentation import training
    from sar_change.models.segmentation.pretrain import pretrain

    torch.set_num_threads(2)
    t0 = time.perf_counter()
    command = "flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation.py " + shlex.join(
        argv if argv is not None else sys.argv[1:]
    )
    printed = []

    def say(text):
        printed.append(text)
        print(text, flush=True)

    scale = f"tiny scenes ({SHAPE[0]} x {SHAPE[1]} px), short budgets, 2 CPU threads"
    if args.looks != 4.0:
        scale += f", {args.looks:g}-look speckle"
    if input_filter is not None:
        scale += f", inputs speckle-filtered ({args.input_filter})"
    report = {"scale": scale, "args": vars(args)}
    if args.encoder:
        encoder = args.encoder
        report["pretrain"] = {"encoder": encoder}
    else:
        if args.ship:
            encoder = training.SHIPPED_ENCODER
        else:
            encoder = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sar_change_seg_encoder.pt")
        pre = pretrain(
            encoder,
            scenes=args.pretrain_scenes,
            epochs=1000,
            max_minutes=args.pretrain_minutes,
            command=command,
            log=lambda t: None,
        )
        keys = ("checkpoint", "best_epoch", "metrics", "seconds", "parameters")
        report["pretrain"] = {k: pre.get(k) for k in keys}
        say(
            f"pretraining: best epoch {pre['best_epoch']}, validation RMSE "
            f"{pre['metrics']['val_rmse_db']:.2f} dB "
            f"(despeckling pretext), {pre['seconds']:.0f} s; encoder {encoder} "
            f"({os.path.getsize(encoder) / 1e6:.2f} MB)"
        )
    seeds, val_seeds = training_seeds(args.train_scenes, args.extra_train_scenes)
    report["train_seeds"], report["early_stopping_seeds"] = list(seeds), list(val_seeds)
    val_sets = labelled_sets(val_seeds, 1.0, None, args.looks, input_filter)
    scored_seeds = scored_scene_seeds(args)
    tests = {
        season: [scene_of(s, season, args.looks, input_filter) for s in scored_seeds] for season in ss.SEASONS
    }
    inits = [i for i in ("random", "pretrained") if i in args.inits.split(",")]
    network = network_arg(args.network, training.cfg.NETWORK)
    runs = []
    ensemble = {}  # (fraction, init, views) -> summed probabilities of the seeds
    for fraction in [] if args.ship_only else [float(f) for f in args.fractions.split(",")]:
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            train_sets = labelled_sets(
                seeds, fraction, np.random.default_rng([seed, 17]), args.looks, input_filter
            )
            labelled = sum(int((lab != ss.IGNORE).sum()) for _, lab in train_sets)
            for init in inits:
                summary = training.train(
                    train_sets,
                    val_sets,
                    ss.CLASSES,
                    out_onnx=None,
                    epochs=args.epochs,
                    patches_per_epoch=args.patches_per_epoch,
                    patch=args.patch,
                    batch=args.batch,
                    patience=args.patience,
                    max_minutes=args.max_minutes,
                    max_steps=args.max_steps,
                    seed=seed,
                    init=None if init == "random" else encoder,
                    loss=args.loss,
                    class_weights=args.class_weights,
                    network=network,
                    balance=args.balance,
                    schedule=args.schedule,
                    ema=args.ema,
                )
                by_views, seconds = {}, {}
                for views in views_list:
                    t1 = time.perf_counter()
                    probabilities = scene_probabilities(summary["model"], tests, views)
                    seconds[views] = time.perf_counter() - t1
                    by_views[views] = scores_of(probabilities, tests)
                    if args.ensemble:
                        key = (fraction, init, views)
                        old = ensemble.get(key)
                        ensemble[key] = (
                            probabilities
                            if old is None
                            else {s: [a + b for a, b in zip(old[s], probabilities[s])] for s in ss.SEASONS}
                        )
                scores = by_views[views_list[0]]
                run = {
                    "fraction": fraction,
                    "seed": seed,
                    "init": init,
                    "labelled_pixels": labelled,
                    "best_epoch": summary["best_epoch"],
                    "epochs": len(summary["epochs"]),
                    "steps": summary["steps"],
                    "stopped": summary["stopped"] or ("patience" if summary["early_stopped"] else "epochs"),
                    "seconds": round(summary["seconds"], 1),
                    "test": scores,
                    "views": by_views,
                }
                runs.append(run)
                for views, vs in by_views.items():
                    say(
                        f"fraction {fraction:.2f} seed {seed} {init:10s}"
                        + (f" {views} views ({seconds[views]:.0f} s to predict)" if views_list != [1] else "")
                        + f": best epoch {run['best_epoch']:2d}/{run['epochs']:2d}"
                        + (f" ({run['steps']} steps, stopped by {run['stopped']})" if args.max_steps else "")
                        + "; "
                        + "; ".join(
                            f"{s} F1 {vs[s]['macro_f1']:.3f} wIoU {vs[s]['weighted_iou']:.3f}"
                            for s in ss.SEASONS
                        )
                    )
    report["runs"] = runs
    lines = [
        "",
        f"Segmentation benchmark ({report['scale']}); {args.score_on}: {args.test_scenes} held-out scenes "
        f"per season (seeds {scored_seeds[0]}-{scored_seeds[-1]}); "
        f"mean +- sd over {args.seeds} seeds",
        "",
        "| labels | init | season | macro F1 | mIoU | weighted IoU | micro IoU | IoU water | IoU ice "
        "| IoU land "
        "| best epoch | epochs to stop |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    summary_rows = []

    def fmt(ms, d=3):
        return "-" if ms[0] is None else f"{ms[0]:.{d}f} +- {ms[1]:.{d}f}"

    def named(init, views):
        return init if views_list == [1] else f"{init}, {views} views"

    for fraction, init, views in [
        (f, i, v) for f in sorted({r["fraction"] for r in runs}) for i in inits for v in views_list
    ]:
        group = [r for r in runs if r["fraction"] == fraction and r["init"] == init]
        for season in ss.SEASONS:
            cells = {}
            for key in ("macro_f1", "miou", "weighted_iou", "micro_iou"):
                cells[key] = mean_sd([r["views"][views][season][key] for r in group])
            for name in ss.CLASSES:
                cells[name] = mean_sd([r["views"][views][season]["per_class"][name]["iou"] for r in group])
            cells["best_epoch"] = mean_sd([r["best_epoch"] for r in group])
            cells["epochs"] = mean_sd([r["epochs"] for r in group])
            summary_rows.append(
                {"fraction": fraction, "init": init, "views": views, "season": season, **cells}
            )
            lines.append(
                f"| {fraction:.0%} | {named(init, views)} | {season} | "
                + " | ".join(
                    fmt(cells[k]) for k in ("macro_f1", "miou", "weighted_iou", "micro_iou", *ss.CLASSES)
                )
                + f" | {fmt(cells['best_epoch'], 1)} | {fmt(cells['epochs'], 1)} |"
            )
    report["summary"] = summary_rows
    if ensemble:
        lines += [
            "",
            f"Ensembles: the probabilities of the {args.seeds} seeds' models averaged (one prediction per "
            "scene)",
            "",
            "| labels | init | season | macro F1 | mIoU | weighted IoU | micro IoU | IoU water | IoU ice "
            "| IoU land |",
            "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        report["ensembles"] = []
        for (fraction, init, views), summed in ensemble.items():
            es = scores_of(summed, tests)
            report["ensembles"].append({"fraction": fraction, "init": init, "views": views, "test": es})
            for season in ss.SEASONS:
                e = es[season]
                lines.append(
                    f"| {fraction:.0%} | {named(init, views)}, ensemble | {season} | "
                    + " | ".join(f"{e[k]:.3f}" for k in ("macro_f1", "miou", "weighted_iou", "micro_iou"))
                    + " | "
                    + " | ".join(f"{e['per_class'][n]['iou']:.3f}" for n in ss.CLASSES)
                    + " |"
                )
    for fraction in sorted({r["fraction"] for r in runs}):
        for season in ss.SEASONS:
            for init, views in [(i, v) for i in inits for v in views_list]:
                group = [r for r in runs if r["fraction"] == fraction and r["init"] == init]
                cm = np.sum([r["views"][views][season]["confusion"] for r in group], axis=0)
                lines.append("")
                lines.append(
                    f"Confusion matrix, {fraction:.0%} labels, {named(init, views)}, {season} (pixels summed "
                    "over runs and test scenes; rows truth, columns predicted "
                    + "/".join(ss.CLASSES)
                    + "): "
                    + str(cm.tolist())
                )
    if args.ship:
        ship = ship_model(args, encoder, tests, command, training, say)
        report["shipped"] = ship
        lines.append("")
        lines.append(ship["line"])
    report["seconds"] = round(time.perf_counter() - t0, 1)
    lines.append("")
    lines.append(f"total {report['seconds']:.0f} s. Command: {command}")
    print("\n".join(lines))
    if args.out:
        from sar_change.models.framework.card import replace_section

        if not os.path.isfile(args.out):
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(f"# {os.path.splitext(os.path.basename(args.out))[0]}\n")
        replace_section(args.out, args.section, "```\n" + "\n".join(printed + lines).strip() + "\n```")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
