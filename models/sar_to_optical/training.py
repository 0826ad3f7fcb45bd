"""Training of SAR-to-optical models on pair folders with the framework loop, ending in an ONNX model.

``train`` draws random patches from the training pairs, minimises the mean
absolute error in reflectance over the valid, cloud-free pixels with Adam
(``framework.loop.fit``; MAE loss as Bralet et al. 2022/2024; the pix2pix
baseline with the same L1 loss), validates on the held-out scenes (or pairs)
after every epoch, keeps the best weights and exports them
(``export.export_onnx``: fusion, bands, normalisation, tiling, training
summary, validation metrics), with a .pt checkpoint and a model card written
from the run.

Initial weights (``init``): None (random), a .pt written here, a
sar_to_optical .onnx, or the registered name "sar_to_optical" (the shipped
model; ``framework.pretrained``); the network is then built with the initial
model's architecture and normalisation, and the initial model is validated
first (epoch 0), so the model written is never worse on validation.
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import datetime as _dt  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ..framework import card as cards  # noqa: E402
from ..framework import loop, pretrained  # noqa: E402
from ..framework import metadata as md  # noqa: E402
from . import config as cfg  # noqa: E402
from . import dataset as ds  # noqa: E402
from . import export, schema  # noqa: E402
from .architecture import CONFIG_KEYS, LEGACY_CONFIG, build, conditioning_parameters, count_parameters  # noqa: E402

#: Layout of the weights and activations while training: oneDNN's depthwise and grouped convolutions
#: (SARDINet's encoder and band decoders) run 2 to 4 times faster channels-last than in NCHW on CPU
#: (benchmarks/sar_to_optical_speed.py).
MEMORY_FORMAT = torch.channels_last
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             "sar_to_optical.onnx")


def _shipped():
    return pretrained.load_file(SHIPPED_MODEL, kind=schema.KIND)


pretrained.register("sar_to_optical", _shipped,
                    "the shipped SAR-to-optical model (models/sar_to_optical.onnx), all tensors")


def _masked_abs(pred, target, mask):
    w = mask.expand_as(pred)
    return ((pred - target).abs() * w).sum() / w.sum().clamp(min=1.0)


def forward(model, b):
    """The model's output on a batch dict (sar[, dem][, conditions], as the model takes them)."""
    args = [b["sar"]]
    if model.uses_dem:
        args.append(b["dem"])
    if getattr(model, "conditioned", False):
        args.append(b["conditions"])
    return model(*args)


def evaluate(model, batches, device="cpu"):
    """loss (MAE), MSE, per-band MAE (reflectance) over the valid pixels of ``batches``."""
    ab = np.zeros(len(schema.OPTICAL_BANDS))
    sq = np.zeros(len(schema.OPTICAL_BANDS))
    n = 0.0
    model.eval()
    with torch.no_grad():
        for b in batches:
            b = loop.to_device(b, device)
            err = (forward(model, b) - b["optical"]) * b["mask"]
            ab += err.abs().sum((0, 2, 3)).double().cpu().numpy()
            sq += (err ** 2).sum((0, 2, 3)).double().cpu().numpy()
            n += float(b["mask"].sum())
    n = max(n, 1.0)
    return {"loss": float((ab / n).mean()), "mae": float((ab / n).mean()), "mse": float((sq / n).mean()),
            "per_band_mae": {band: float(ab[i] / n) for i, band in enumerate(schema.OPTICAL_BANDS)},
            "pixels": int(n)}


def train(pair_dirs, out_onnx, arch="sardinet", fusion="none", epochs=None, patch=None, batch=None, lr=None,
          seed=0, init=None, progress=None, should_stop=None, threads=2, max_minutes=None,
          patches_per_epoch=None, val_patches=None, val_fraction=None, val_scenes=None, width=None,
          checkpoint="auto", card="auto", command=None, log=None, on_epoch=None, schedule=None, patience=None,
          device="cpu", tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP, pairs=None,
          export_model=True, conditions=None):
    """Train a SAR-to-optical model on the pair folders ``pair_dirs`` and export it to ``out_onnx``.

    ``arch``: 'sardinet' or 'pix2pix'; ``fusion``: schema.FUSIONS; ``epochs``
    of ``patches_per_epoch`` random ``patch`` x ``patch`` patches in batches
    of ``batch``; ``lr``: Adam learning rate; ``val_scenes``: scene names held
    out for validation (default: by ``val_fraction``); ``width``: SARDINet
    width factor; ``max_minutes``: wall-clock budget; ``pairs``: already read
    ``dataset.Pair`` objects (instead of reading ``pair_dirs``);
    ``export_model``: False keeps the trained model in the summary ("model")
    without writing files (benchmarks); ``conditions``: condition the model on
    the acquisition's sun and day of year (conditions.py; None: when every pair
    has a date).  Other arguments as in
    ``models.learned_di.training.train``. Returns the summary dict (onnx,
    checkpoint, card, stopped, best_epoch, metrics, training, parameters,
    conditioning_parameters, seconds, train_seconds, model).
    """
    t0 = time.perf_counter()
    d = cfg.TRAINING
    epochs = d["epochs"] if epochs is None else int(epochs)
    patch = d["patch"] if patch is None else int(patch)
    batch = d["batch"] if batch is None else int(batch)
    lr = d["lr"] if lr is None else float(lr)
    patches_per_epoch = d["patches_per_epoch"] if patches_per_epoch is None else int(patches_per_epoch)
    val_patches = d["val_patches"] if val_patches is None else int(val_patches)
    val_fraction = d["val_fraction"] if val_fraction is None else float(val_fraction)
    schedule = schedule or d["schedule"]
    log = log or (lambda msg: None)
    if arch not in schema.ARCHES:
        raise ValueError(f"arch {arch!r}: use one of {schema.ARCHES}")
    needs_dem = schema.uses_dem(fusion)
    torch.set_num_threads(max(1, int(threads)))
    rng = loop.seed_everything(seed)
    device = loop.choose_device(device)

    if pairs is None:
        if isinstance(pair_dirs, (str, os.PathLike)):
            pair_dirs = [pair_dirs]
        pair_dirs = [os.path.abspath(os.fspath(p)) for p in pair_dirs]
        pairs = ds.read_pairs(pair_dirs)
    ds.check_dem(pairs, fusion)
    train_pairs, val_pairs = ds.split(pairs, val_fraction, val_scenes)

    if conditions is None:
        conditions = ds.has_conditions(pairs)
    config = dict(cfg.NETWORK[arch], arch=arch, fusion=fusion, conditions=bool(conditions))
    if width is not None and arch == "sardinet":
        config["width"] = float(width)
    weights = pretrained.resolve(init, kind=schema.KIND)
    if weights is not None and weights.config:
        config.update(LEGACY_CONFIG)  # a saved config without one of these keys predates it
        config.update({k: v for k, v in weights.config.items() if k in CONFIG_KEYS})
        if config["arch"] != arch or config["fusion"] != fusion:
            raise ValueError(f"initial weights {weights.source} are a {config['arch']} with fusion "
                             f"{config['fusion']!r}; train that arch/fusion or start from random weights")
    model = build(config).to(memory_format=MEMORY_FORMAT)
    conditioned = model.conditioned
    if conditioned:
        ds.check_conditions(pairs)
    report = None
    if weights is not None:
        report = pretrained.apply(model, weights)
        log(report.describe())
    if weights is not None and weights.normalisation:
        model.norm.load(weights.normalisation)
        norm_from = "init"
    else:
        model.norm.load(ds.normalisation_stats(train_pairs, needs_dem))
        norm_from = "training data"
    multiple = model.size_multiple
    patch = ds.check_patch(patch, pairs, multiple)
    log(f"model: {arch}, fusion {fusion}, {count_parameters(model)} parameters "
        f"({conditioning_parameters(model)} in the input conditioning"
        f"{', conditioned on the date' if conditioned else ''}); {len(train_pairs)} training and "
        f"{len(val_pairs)} validation pairs; normalisation from {norm_from}")
    val_batches = ds.grid_batches(val_pairs, patch, batch, needs_dem, limit=val_patches,
                                  conditioned=conditioned)

    def batches(epoch):
        return ds.random_batches(train_pairs, patch, patches_per_epoch, batch,
                                 np.random.default_rng([int(seed), int(epoch)]), needs_dem, conditioned)

    def step(net, b):
        return _masked_abs(forward(net, b), b["optical"], b["mask"]), len(b["sar"])

    def epoch_log(record):
        if on_epoch is not None:
            on_epoch(record)
        log(f"epoch {record['epoch']}: train MAE {record['train']:.4f} val MAE {record['val']:.4f}")

    del rng
    fit = loop.fit(model, batches, step, lambda net: evaluate(net, val_batches, device), epochs, lr=lr,
                   schedule=schedule, patience=patience, max_minutes=max_minutes, t0=t0,
                   should_stop=should_stop, progress=progress, log=log, on_epoch=epoch_log, device=device,
                   evaluate_initial=weights is not None,
                   batches_per_epoch=-(-patches_per_epoch // batch))
    model = model.cpu().to(memory_format=torch.contiguous_format).eval()  # plain layout for export and users
    records, summary = loop.fit_summary(
        fit, ("epoch", "train", "val", "val_mse", "lr", "seconds"), count_parameters(model), report,
        conditioning_parameters=conditioning_parameters(model), model=model, train_seconds=fit.train_seconds)
    if fit.best_state is None or not any(r["epoch"] > 0 for r in records):
        summary["seconds"] = time.perf_counter() - t0
        return summary
    best = fit.best_val
    metrics = {"loss": "MAE (reflectance)", "best_epoch": fit.best_epoch, "val_mae": best["mae"],
               "val_mse": best["mse"], "per_band_mae": best["per_band_mae"], "val_pixels": best["pixels"],
               "history": [{k: r[k] for k in ("epoch", "train", "val")} for r in records]}
    if fit.initial_val is not None:
        metrics["initial"] = {"val_mae": fit.initial_val["mae"], "val_mse": fit.initial_val["mse"]}
    training = {
        "pairs": sorted({getattr(p, "folder", "?") for p in pairs}) if pair_dirs is None else pair_dirs,
        "train_scenes": sorted({p.scene for p in train_pairs}),
        "validation_scenes": sorted({p.scene for p in val_pairs}),
        "train_pairs": len(train_pairs), "validation_pairs": len(val_pairs), "patch": patch, "batch": batch,
        "patches": fit.samples, "epochs": sum(r["epoch"] > 0 for r in records), "epochs_requested": epochs,
        "stopped": fit.stopped, "seconds": round(time.perf_counter() - t0, 2),
        "train_seconds": round(fit.train_seconds, 2), "seed": int(seed), "lr": lr, "schedule": schedule,
        "loss": "MAE", "optimiser": "Adam", "init": None if weights is None else weights.source,
        "normalisation_from": norm_from, "threads": int(threads), "device": str(device),
        "torch": str(torch.__version__), "finished": _dt.datetime.now().isoformat(timespec="seconds")}
    summary.update(best_epoch=fit.best_epoch, metrics=metrics, training=training)
    if export_model:
        meta = export.build_metadata(model, training, metrics, tile_size, overlap,
                                     ds.value_ranges(train_pairs, needs_dem))
        out_onnx = export.export_onnx(model, out_onnx, meta)
        summary["onnx"] = os.fspath(out_onnx)
        if checkpoint:
            ckpt = beside(out_onnx, ".pt") if checkpoint == "auto" else os.fspath(checkpoint)
            tmp = ckpt + ".partial"
            torch.save({"state_dict": model.state_dict(), "config": model.config,
                        "normalisation": model.norm.as_dict(), "training": training, "metrics": metrics}, tmp)
            os.replace(tmp, ckpt)
            summary["checkpoint"] = ckpt
        if card:
            summary["card"] = write_card(beside(out_onnx, ".md") if card == "auto" else os.fspath(card), meta,
                                         command)
    summary["seconds"] = time.perf_counter() - t0
    if progress is not None:
        progress(100.0)
    return summary


def write_card(path, meta_text, command=None, sections=()):
    """Write the card of an exported model; ``sections``: further (heading, markdown) pairs of the run."""
    meta = md.parse_metadata(meta_text)
    history = (meta.get("metrics") or {}).get("history") or []
    rows = ["| epoch | train MAE | validation MAE |", "|---:|---:|---:|"]
    rows += [f"| {h['epoch']} | {cards.number(h['train'])} | {cards.number(h['val'])} |" for h in history]
    return cards.write_card(
        path, meta, cfg.CARD_TITLE, command=command,
        summary=("Translates Sentinel-1 VV/VH backscatter (dB), with the DEM for the DEM fusions, into "
                 "Sentinel-2 L2A B02/B03/B04/B08 surface reflectance (SARDINet, Bralet et al. 2022; DEM "
                 "fusions of Bralet et al. 2024)."),
        sections=[("Validation by epoch", "\n".join(rows)), *sections],
        limits=["Trained on simulated pairs (core/simulator/optical.py): real scenes are a domain shift; see "
                "the BigEarthNet rows of benchmarks/sar_to_optical.py.",
                "The output is smooth (L1 training); the contrast enhancement options sharpen it.",
                "SAR and DEM values outside the valid ranges above are extrapolation."])


def beside(path, extension):
    return os.path.splitext(os.fspath(path))[0] + extension
