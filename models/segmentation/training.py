"""Training of segmentation models with the framework loop, ending in an ONNX model and its card.

``train`` draws random patches centred on labelled pixels (``dataset``),
minimises cross-entropy or focal loss (Lin et al. 2017, "Focal loss for dense
object detection", ICCV: (1 - p_t)^gamma times the cross-entropy) over the
labelled pixels (label 255 ignored), with optional class weights ("balanced":
inverse class frequency of the training labels), through
``models.framework.loop.fit`` (Adam, plateau schedule, best checkpoint by
validation loss, early stopping, encoder freezing), and exports the best
weights with ``models.framework.export.export_onnx``: the graph outputs
class probabilities; the metadata carry the class names and colours, the
bands, the normalisation, the training summary, the validation scores
(IoU/F1 per class, confusion matrix) and the valid range of every band.

Initial weights (``init``, ``models.framework.pretrained``): None (random), a
.pt or .onnx of this kind (all tensors that fit), a checkpoint written by
``pretrain`` (the encoder only), or the registered name
"segmentation.sar_despeckling" (the shipped despeckling-pretrained encoder,
when present). The normalisation of a pretrained encoder is kept when its
bands match (its weights were trained with it).
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import datetime as _dt  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from ..framework import card as cards  # noqa: E402
from ..framework import export as fx  # noqa: E402
from ..framework import loop, pretrained  # noqa: E402
from ..framework import metadata as md  # noqa: E402
from . import config as cfg  # noqa: E402
from . import dataset as ds  # noqa: E402
from . import metrics as mx  # noqa: E402
from . import schema  # noqa: E402
from .architecture import SegmentationNet, count_parameters  # noqa: E402

LOSSES = ("ce", "focal")
HERE = os.path.dirname(os.path.abspath(__file__))
#: The shipped despeckling-pretrained encoder (written by ``pretrain``; may be absent).
SHIPPED_ENCODER = os.path.join(HERE, "pretrained_encoder.pt")
PRETRAINED_NAME = "segmentation.sar_despeckling"
REFERENCES = [
    "Karimzadeh & Pires de Lima (2022) Deep learning on SAR imagery: transfer learning versus randomly "
    "initialized weights",
    "He, Zhang, Ren & Sun (2016) Deep residual learning for image recognition, CVPR",
    "Chen, Papandreou, Schroff & Adam (2017) Rethinking atrous convolution for semantic image segmentation",
]


def _shipped_encoder():
    if not os.path.isfile(SHIPPED_ENCODER):
        raise ValueError(
            f"the pretrained encoder {SHIPPED_ENCODER} is absent: make it with "
            "python -m sar_change.models.segmentation.pretrain --out " + SHIPPED_ENCODER
        )
    weights = pretrained.load_file(SHIPPED_ENCODER)
    weights.prefixes = cfg.ENCODER_PREFIXES
    weights.encoder = cfg.ENCODER_PREFIXES
    return weights


pretrained.register(
    PRETRAINED_NAME,
    _shipped_encoder,
    "ResNet-18 (3 stages) encoder pretrained by despeckling simulated single-look SAR "
    "(VV, VH dB, incidence deg); models/segmentation/pretrained_encoder.pt",
)


def segmentation_loss(logits, labels, kind="ce", weights=None, gamma=2.0):
    """Mean loss over the labelled pixels (label ``schema.IGNORE`` left out); 0 when none is labelled.

    ``kind``: "ce" (cross-entropy) or "focal" (Lin et al. 2017, ``gamma``);
    ``weights``: per-class weights (tensor) or None.
    """
    valid = labels != schema.IGNORE
    if not bool(valid.any()):
        return logits.sum() * 0.0
    target = torch.where(valid, labels, torch.zeros_like(labels))
    logp = F.log_softmax(logits, 1)
    lp = logp.gather(1, target.unsqueeze(1)).squeeze(1)
    loss = -lp
    if kind == "focal":
        loss = loss * (1.0 - lp.exp()).clamp(min=0.0) ** float(gamma)
    w = valid.float()
    if weights is not None:
        w = w * weights.to(logits.device)[target]
    return (loss * w).sum() / w.sum().clamp(min=1e-6)


def predict_logits(model, image, device="cpu"):
    """Logits float32 (K, H, W) of a whole image (C, H, W) with torch, without the model's
    ``class_bias``; H and W are padded by reflection to the size multiple."""
    c, h, w = image.shape
    m = schema.SIZE_MULTIPLE
    x = np.pad(image, ((0, 0), (0, -h % m), (0, -w % m)), mode="reflect")
    model.eval()
    with torch.no_grad():
        y = model.logits(torch.from_numpy(np.ascontiguousarray(x))[None].to(device))
    return y[0, :, :h, :w].cpu().numpy()


def predict_classes(model, image, device="cpu"):
    """(classes uint8 (H, W), probabilities float32 (K, H, W)) of a whole image (C, H, W) with torch
    (the model's ``class_bias`` applied, as in its ONNX graph)."""
    y = torch.from_numpy(predict_logits(model, image, device)) + model.class_bias.cpu().view(-1, 1, 1)
    p = torch.softmax(y, 0).numpy()
    return p.argmax(0).astype(np.uint8), p


def evaluate(model, val_batches, n_classes, names, kind="ce", weights=None, gamma=2.0, device="cpu"):
    """Validation numbers over ``val_batches`` (list of batches): loss, scores (``metrics.scores``),
    confusion matrix (rows truth)."""
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    tot, cnt = 0.0, 0
    with torch.no_grad():
        for b in val_batches:
            b = loop.to_device(b, device)
            logits = model.logits(b["image"])
            n = int((b["labels"] != schema.IGNORE).sum())
            tot += float(segmentation_loss(logits, b["labels"], kind, weights, gamma)) * n
            cnt += n
            cm += mx.confusion(b["labels"].cpu().numpy(), logits.argmax(1).cpu().numpy(), n_classes)
    out = mx.scores(cm, names)
    out["loss"] = tot / max(cnt, 1)
    out["confusion"] = cm.tolist()
    return out


def build_model(in_channels, n_classes, init, network, log, band_units=None):
    """(model, InitWeights or None, InitReport or None); ``band_units`` (one per channel) name the dB
    bands that get the speckle-contrast features (``network["texture_windows"]``; None: every band)."""
    weights = pretrained.resolve(init, kind=schema.KIND)
    config = dict(network)
    if band_units is not None and "texture_bands" not in config:
        config["texture_bands"] = [i for i, u in enumerate(band_units) if str(u).lower() == "db"]
    if weights is not None and weights.config:
        whole = any(k.startswith("classifier.") for k in weights.state)
        keys = ["width", "aspp_channels", "aspp_rates", "image_pooling", "low_level", "fine_level"]
        keys += ["full_level"] + (["texture_windows", "texture_bands"] if whole else [])
        same = {k: weights.config[k] for k in keys if k in weights.config}
        if "width" in same and "low_level" not in same:
            same["low_level"] = False  # a model written before the DeepLabv3+ skip
        if "fine_level" not in same and whole:
            same["fine_level"] = False  # a whole model written before the stride-2 refinement
        if "full_level" not in same and whole:
            same["full_level"] = False  # a whole model written before the full-resolution refinement
        if "texture_windows" not in same and whole:
            same["texture_windows"] = []  # a whole model written before the speckle-contrast features
        config.update(same)  # the starting weights' widths, so every tensor fits
    model = SegmentationNet(in_channels, n_classes, **config)
    report = None
    if weights is not None:
        report = pretrained.apply(model, weights)
        model.set_class_bias(np.zeros(n_classes))  # a new run chooses its own decision rule
        log(report.describe())
        if not report.loaded:
            raise ValueError(f"no tensor of {weights.source} fits this network ({report.describe()})")
    return model, weights, report


def class_weight_vector(class_weights, counts):
    """Per-class loss weights (float64, length K) or None: ``class_weights`` None/"none", "balanced"
    (inverse class frequency of ``counts``), "sqrt" (its square root: milder, the rare classes
    count more without outweighing the common ones), or K numbers >= 0."""
    if class_weights is None or isinstance(class_weights, str) and class_weights == "none":
        return None
    if isinstance(class_weights, str) and class_weights in ds.WEIGHTINGS:
        return ds.balanced_weights(counts, ds.WEIGHTINGS[class_weights])
    cw = np.asarray(class_weights, dtype=np.float64)
    if cw.shape != (len(counts),) or (cw < 0).any():
        raise ValueError(f"class weights {list(class_weights)}: give {len(counts)} numbers >= 0")
    return cw


def prior_correction(class_weights, alpha):
    """Logit offsets (natural log) ``-alpha * log(w)`` for loss weights ``w`` (mean-1 scale): alpha 1
    undoes the weights' shift of the posterior (weighted cross-entropy trains p(k|x) proportional to
    w_k p(k|x); Elkan 2001, "The foundations of cost-sensitive learning", IJCAI), 0 keeps it."""
    w = np.asarray(class_weights, dtype=np.float64)
    w = np.where(w > 0, w, 1.0) / np.exp(np.mean(np.log(np.where(w > 0, w, 1.0))))
    return (-float(alpha) * np.log(w)).tolist()


def train(
    train_sets,
    val_sets,
    classes,
    out_onnx=None,
    bands=("VV", "VH", "incidence"),
    band_units=("dB", "dB", "deg"),
    colours=None,
    epochs=cfg.TRAINING["epochs"],
    patch=64,
    batch=16,
    lr=cfg.TRAINING["lr"],
    seed=0,
    init=None,
    loss="ce",
    focal_gamma=2.0,
    class_weights=None,
    patches_per_epoch=cfg.TRAINING["patches_per_epoch"],
    val_patches=cfg.TRAINING["val_patches"],
    augment=True,
    network=None,
    schedule="plateau",
    patience=cfg.TRAINING["patience"],
    max_minutes=None,
    freeze_encoder_epochs=0,
    threads=2,
    device="cpu",
    progress=None,
    should_stop=None,
    log=None,
    on_epoch=None,
    checkpoint="auto",
    card="auto",
    command=None,
    tile_size=cfg.TILING["tile_size"],
    overlap=cfg.TILING["overlap"],
    sources=None,
    decide=None,
    balance=0.0,
    ema=cfg.TRAINING["ema"],
    max_steps=None,
):
    """Train a segmentation model; returns a summary dict (``model``: the trained torch module).

    ``train_sets``/``val_sets``: lists of (image (C, H, W) float32, labels (H, W)
    uint8) (see ``dataset``); ``classes``: class names (label values 0..K-1);
    ``out_onnx``: the ONNX file to write (None: no export, e.g. benchmarks);
    ``bands``/``band_units``: names and units of the image channels;
    ``colours``: '#rrggbb' per class (default palette); ``loss``: 'ce' or
    'focal'; ``class_weights``: None, 'balanced', 'sqrt' or a list of K numbers;
    ``init``: see the module docstring; ``network``: ``architecture``
    arguments (default ``config.NETWORK``); the rest as in
    ``framework.loop.fit`` and ``learned_di.training.train``; ``sources``: a
    description of the data for the card; ``decide``: None (argmax of the
    trained probabilities) or ``decide(model, class_weights)`` -> (per-class
    logit offsets, {"rule": text, "grid": [rows]}): the decision rule, chosen
    after training on data of the caller's choosing (never the validation
    labels' own test), exported inside the graph and written to the card;
    ``balance``: share of the training patches centred on a pixel of a class
    drawn uniformly (``dataset.random_samples``; 0: every labelled pixel alike); ``ema``: decay per
    step of the weight average validated and kept (``framework.loop.fit``; 0: the live weights);
    ``max_steps``: optimiser steps at most (None: no limit; ``max_minutes`` stays a safety cap), so runs
    compare at equal work whatever the machine's load.
    """
    t0 = time.perf_counter()
    log = log or (lambda text: None)
    names = [str(c) for c in classes]
    entries = schema.class_entries(names, colours)
    k = len(names)
    if loss not in LOSSES:
        raise ValueError(f"loss {loss!r}: use one of {LOSSES}")
    patch = int(patch)
    if patch % schema.SIZE_MULTIPLE:
        raise ValueError(f"patch size {patch} must be a multiple of {schema.SIZE_MULTIPLE} pixels")
    n_train = ds.check_sets(train_sets, patch, k, "training")
    ds.check_sets(val_sets, patch, k, "validation")
    counts = ds.class_counts(train_sets, k)
    if int((counts > 0).sum()) < 2:
        raise ValueError(
            f"the training labels hold a single class ({names[int(np.argmax(counts))]}): label at "
            "least two classes"
        )
    c = train_sets[0][0].shape[0]
    if len(bands) != c:
        raise ValueError(f"{len(bands)} band names for images of {c} bands")
    torch.set_num_threads(max(1, int(threads)))
    rng = loop.seed_everything(seed)
    device = loop.choose_device(device)
    model, weights, report = build_model(c, k, init, network or cfg.NETWORK, log, band_units)
    norm = (weights.normalisation if weights is not None else None) or {}
    if len(norm.get("mean", [])) == c:
        model.set_normalisation(norm["mean"], norm["std"])
        norm_source = "initial weights"
    else:
        model.set_normalisation(*ds.normalisation_stats(train_sets, rng=rng))
        norm_source = "training data"
    cw = class_weight_vector(class_weights, counts)
    wt = None if cw is None else torch.tensor(cw, dtype=torch.float32)
    log(
        f"model: {count_parameters(model)} parameters ({model.config}); normalisation from {norm_source}; "
        f"labelled training pixels per class {dict(zip(names, counts.tolist()))}"
    )

    train_index = ds.labelled_index(train_sets)
    train_classes = ds.class_index(train_sets, train_index) if balance > 0 else None
    val_index = ds.labelled_index(val_sets)
    val_samples = ds.random_samples(
        val_sets, val_index, patch, int(val_patches), np.random.default_rng([int(seed), 99991]), augment=False
    )
    val_batches = list(ds.loader(val_sets, val_samples, patch, batch))

    def batches(epoch):
        erng = np.random.default_rng([int(seed), int(epoch)])
        return ds.loader(
            train_sets,
            ds.random_samples(
                train_sets, train_index, patch, int(patches_per_epoch), erng, augment, balance, train_classes
            ),
            patch,
            batch,
        )

    def step(net, b):
        return segmentation_loss(net.logits(b["image"]), b["labels"], loss, wt, focal_gamma), len(b["labels"])

    def epoch_log(record):
        if on_epoch is not None:
            on_epoch(record)
        log(
            f"epoch {record['epoch']}: train {record['train']:.4f} val {record['val']:.4f} "
            f"(mIoU {record.get('val_miou', float('nan')):.3f})"
        )

    fit = loop.fit(
        model,
        batches,
        step,
        lambda net: evaluate(net, val_batches, k, names, loss, wt, focal_gamma, device),
        epochs,
        lr=lr,
        schedule=schedule,
        patience=patience,
        max_minutes=max_minutes,
        t0=t0,
        should_stop=should_stop,
        progress=progress,
        log=log,
        on_epoch=epoch_log,
        device=device,
        freeze=cfg.ENCODER_PREFIXES if weights is not None else (),
        freeze_epochs=freeze_encoder_epochs if weights is not None else 0,
        evaluate_initial=False,
        batches_per_epoch=-(-int(patches_per_epoch) // int(batch)),
        ema=ema,
        max_steps=max_steps,
    )
    model.cpu()
    records, summary = loop.fit_summary(
        fit, ("epoch", "train", "val", "val_miou", "val_weighted_iou", "lr", "seconds"),
        count_parameters(model), report, model=model, best_epoch=fit.best_epoch, steps=fit.steps,
        early_stopped=fit.early_stopped)
    if fit.best_state is None:
        summary["seconds"] = time.perf_counter() - t0
        return summary
    decision = None
    if decide is not None:
        bias, decision = decide(model, cw)
        model.set_class_bias(bias)
    best = fit.best_val
    metrics = {
        "loss": loss,
        "best_epoch": fit.best_epoch,
        "val_loss": best["loss"],
        "val_miou": best["miou"],
        "val_macro_f1": best["macro_f1"],
        "val_weighted_iou": best["weighted_iou"],
        "val_micro_iou": best["micro_iou"],
        "val_accuracy": best["accuracy"],
        "per_class": best["per_class"],
        "confusion": best["confusion"],
        "val_pixels": best["pixels"],
        "val_patches": len(val_samples),
        "epochs_to_best": fit.best_epoch,
        "history": [{k2: r.get(k2) for k2 in ("epoch", "train", "val", "val_miou")} for r in records],
    }
    if decision is not None:
        metrics["decision"] = decision
    training = {
        "sources": sources,
        "classes": names,
        "labelled_pixels": n_train,
        "labelled_per_class": dict(zip(names, counts.tolist())),
        "patch": patch,
        "batch": int(batch),
        "patches": fit.samples,
        "steps": fit.steps,
        "max_steps": None if max_steps is None else int(max_steps),
        "epochs": len([r for r in records if r["epoch"] > 0]),
        "epochs_requested": int(epochs),
        "stopped": fit.stopped,
        "early_stopped": fit.early_stopped,
        "seed": int(seed),
        "init": None if weights is None else weights.source,
        "init_loaded_tensors": len(report.loaded) if report else 0,
        "normalisation_from": norm_source,
        "loss": loss,
        "focal_gamma": float(focal_gamma) if loss == "focal" else None,
        "class_weights": None if cw is None else [round(float(v), 4) for v in cw],
        "decision_rule": "argmax of the probabilities" if decision is None else decision.get("rule"),
        "class_bias": [round(float(v), 4) + 0.0 for v in model.class_bias],
        "lr": float(lr),
        "schedule": schedule,
        "augment": bool(augment),
        "balance": float(balance),
        "ema": float(ema),
        "freeze_encoder_epochs": int(freeze_encoder_epochs),
        "threads": int(threads),
        "device": str(device),
        "seconds": round(time.perf_counter() - t0, 2),
        "torch": torch.__version__,
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    summary.update(metrics=metrics, training=training)
    if out_onnx is None:
        summary["seconds"] = time.perf_counter() - t0
        return summary
    ranges = {}
    for b, (name, unit) in enumerate(zip(bands, band_units)):
        r = md.value_range(np.concatenate([s[0][b][s[1] != schema.IGNORE] for s in train_sets]), unit)
        if r:
            ranges[name] = r
    meta = build_metadata(model, bands, band_units, entries, training, metrics, ranges, tile_size, overlap)
    out_onnx = export_model(model, out_onnx, meta)
    ckpt = None
    if checkpoint:
        ckpt = os.path.splitext(out_onnx)[0] + ".pt" if checkpoint == "auto" else os.fspath(checkpoint)
        tmp = ckpt + ".partial"
        torch.save(
            {
                "state_dict": model.state_dict(),
                "config": model.config,
                "normalisation": model.normalisation(),
                "classes": entries,
            },
            tmp,
        )
        os.replace(tmp, ckpt)
    card_path = None
    if card:
        card_path = os.path.splitext(out_onnx)[0] + ".md" if card == "auto" else os.fspath(card)
        write_card(card_path, fx.read_metadata(out_onnx), command)
    summary.update(
        onnx=os.fspath(out_onnx), checkpoint=ckpt, card=card_path, seconds=time.perf_counter() - t0
    )
    if progress is not None:
        progress(100.0)
    return summary


def build_metadata(
    model,
    bands,
    band_units,
    entries,
    training=None,
    metrics=None,
    valid_ranges=None,
    tile_size=cfg.TILING["tile_size"],
    overlap=cfg.TILING["overlap"],
):
    """metadata_props (dict of str) of a segmentation model with its classes (names, colours)."""
    scale = "/".join(dict.fromkeys(band_units))
    inputs = {
        "tensors": [
            md.tensor_spec(
                schema.INPUT,
                "BCHW",
                bands=bands,
                scale=scale,
                description="raw values per band (NaN = no data)",
            )
        ],
        "bands": list(bands),
        "band_units": list(band_units),
    }
    outputs = [
        md.tensor_spec(
            schema.OUTPUT,
            "BKHW",
            bands=[e["name"] for e in entries],
            units="probability",
            valid_range=(0.0, 1.0),
            description="softmax over the classes",
        )
    ]
    arch = {
        "name": "ResNet-18 encoder (3 stages) + ASPP (Karimzadeh & Pires de Lima 2022)",
        **model.config,
        "parameters": count_parameters(model),
        "references": REFERENCES,
    }
    return md.build_metadata(
        schema.KIND,
        schema.VERSION,
        inputs,
        outputs,
        size_multiple=schema.SIZE_MULTIPLE,
        tile_size=tile_size,
        overlap=overlap,
        normalisation={**model.normalisation(), "bands": list(bands)},
        training=training,
        metrics=metrics,
        valid_ranges=valid_ranges,
        architecture=arch,
        extra={schema.META_CLASSES: entries},
    )


def export_model(model, out_onnx, meta):
    """Write ``model`` as ONNX (input "image", output "probabilities", batch/height/width dynamic)."""
    c = model.config["in_channels"]
    example = torch.zeros(1, c, 64, 64) + model.mean.view(1, -1, 1, 1)
    return fx.export_onnx(
        model,
        out_onnx,
        (example,),
        [schema.INPUT],
        [schema.OUTPUT],
        fx.image_axes([schema.INPUT, schema.OUTPUT]),
        meta,
        doc="SAR segmentation: class probabilities from SAR bands",
    )


def write_card(path, meta_text, command=None):
    """The model card of an exported segmentation model (``meta_text``: its metadata, dict of str)."""
    meta = md.parse_metadata(meta_text)
    entries = schema.read_classes(meta)
    metrics = meta.get("metrics") or {}
    rows = ["| class | value | colour | IoU | F1 | validation pixels |", "|---|---:|---|---:|---:|---:|"]
    for e in entries:
        pc = (metrics.get("per_class") or {}).get(e["name"], {})
        rows.append(
            f"| {e['name']} | {e['value']} | {e['colour']} | {cards.number(pc.get('iou'), 3)} | "
            f"{cards.number(pc.get('f1'), 3)} | {pc.get('support', '-')} |"
        )
    hist = ["| epoch | train loss | validation loss | validation mIoU |", "|---:|---:|---:|---:|"]
    hist += [
        f"| {h['epoch']} | {cards.number(h['train'])} | {cards.number(h['val'])} | "
        f"{cards.number(h.get('val_miou'), 3)} |"
        for h in metrics.get("history") or []
    ]
    cm = metrics.get("confusion") or []
    conf = [
        "| truth \\ predicted | " + " | ".join(e["name"] for e in entries) + " |",
        "|---|" + "---:|" * len(entries),
    ]
    conf += [
        f"| {entries[i]['name']} | " + " | ".join(str(v) for v in row) + " |" for i, row in enumerate(cm)
    ]
    sections = [
        ("Classes and validation scores (best epoch)", "\n".join(rows)),
        ("Validation confusion matrix (pixels)", "\n".join(conf)),
        ("Validation by epoch", "\n".join(hist)),
    ]
    decision = metrics.get("decision") or {}
    grid = decision.get("grid") or []
    if grid:
        keys = list(grid[0])
        table = ["| " + " | ".join(keys) + " |", "|" + "---:|" * len(keys)]
        table += ["| " + " | ".join(cards.number(r[k2], 3) for k2 in keys) + " |" for r in grid]
        text = decision.get("rule", "") + "\n\n" + "\n".join(table)
        sections.append(("Decision rule (chosen after training)", text))
    return cards.write_card(
        path,
        meta,
        cfg.CARD_TITLE,
        command=command,
        summary=(
            "Per-pixel classes from SAR backscatter (dB) and the incidence angle: a ResNet-18 encoder cut "
            "after its third block with an ASPP decoder (Karimzadeh & Pires de Lima 2022), trained here "
            "on labelled patches; the graph z-scores its inputs and outputs class probabilities."
        ),
        sections=sections,
        limits=[
            "Validation figures come from the validation labels given to the run; they say nothing of "
            "other scenes, seasons or sensors.",
            "Bands outside the valid ranges above are extrapolation.",
        ],
    )
