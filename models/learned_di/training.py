"""Training of learned-DI predictors on stack folders with the framework loop, ending in an ONNX model.

``train`` draws random patches from the training targets of every stack
(see ``dataset``), minimises the masked loss between the predicted and the
observed target dB with ``models.framework.loop.fit`` (Adam; learning rate
"cosine" from ``lr`` to ``lr / 10`` for training from scratch, "plateau" for
fine-tuning; see ``config``), evaluates the validation targets after every
epoch, keeps the weights of the best validation loss and exports them with
``export.export_onnx`` (common metadata schema: normalisation, training
summary, validation metrics, valid ranges, architecture), plus a .pt
checkpoint for transfer learning and a model card written from the run.

Loss: mean squared error in dB over the mask (valid, unchanged pixels), as
in Alatalo et al. (2023); ``loss="l1"`` uses the mean absolute error. The
reported validation metrics are always MSE (dB^2), RMSE and MAE (dB), per
band and overall, and the same for the trivial predictor "mean of the
inputs' dB" as a baseline.

Initial weights (``init``, ``models.framework.pretrained``): None (random),
a .pt written here, a bare state dict, a learned-DI .onnx, or a registered
name: "learned_di" (the shipped model) or "learned_di.encoder" (its encoder
only). Tensors that fit are loaded; the report (loaded / new / skipped for
shape / unexpected) goes to ``log`` and the summary. When the initial model
has the same ``arch`` and N, its widths are used so every tensor fits. Its
normalisation is kept (its weights were trained with it); only sources
without one get statistics from the new data. With initial weights the
initial model is validated first ("epoch 0"): the model written is never
worse on the validation targets than the one it started from.

Fine-tuning on a user's history (``before``): only acquisitions strictly
before that date are read (targets and inputs), and ``change_mask=False``
ignores change_date.tif (no labels).

Determinism: ``seed`` seeds torch (weights) and numpy (patch positions,
augmentation); with the same data, arguments and thread count, runs repeat.
"""
import os

# Before torch (and its OpenMP runtime) is loaded: with busy-waiting OpenMP threads, two threads on a
# two-core machine that also runs other work train ~10x slower than one; passive waiting avoids it.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import datetime as _dt  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ..framework import card as cards  # noqa: E402
from ..framework import loop, pretrained  # noqa: E402
from ..framework import metadata as md  # noqa: E402
from . import config as cfg  # noqa: E402
from . import dataset as ds  # noqa: E402
from . import export, schema  # noqa: E402
from .architecture import ARCHITECTURES, LearnedDI, count_parameters  # noqa: E402

LOSSES = ("mse", "l1")
SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "learned_di.onnx")


def _shipped(prefixes=()):
    def load():
        weights = pretrained.load_file(SHIPPED_MODEL, kind=schema.KIND)
        weights.prefixes = tuple(prefixes)
        weights.encoder = cfg.ENCODER_PREFIXES
        if prefixes:  # an encoder alone: the new model keeps its own widths and normalisation
            weights.config = None
            weights.normalisation = None
        return weights
    return load


pretrained.register("learned_di", _shipped(),
                    "the shipped learned-DI model (models/learned_di.onnx), all tensors")
pretrained.register("learned_di.encoder", _shipped(cfg.ENCODER_PREFIXES),
                    "the encoder and bottleneck of the shipped learned-DI model")


def _masked(err, mask, kind):
    w = mask.expand_as(err)
    e = err.abs() if kind == "l1" else err * err
    return (e * w).sum() / w.sum().clamp(min=1.0)


def _weighted_sum(x, w):
    """Per-band sum over samples (weights ``w``) and pixels of x (B, bands, H, W), as float64 numpy."""
    return (x.sum((2, 3)).double() * w[:, None]).sum(0).cpu().numpy()


def evaluate(model, loader, loss_kind="mse", device="cpu"):
    """Validation numbers over ``loader``: loss, MSE (dB^2), RMSE/MAE (dB) overall and per band,
    and the same for the mean-of-inputs baseline."""
    nb = len(schema.BANDS)
    tot = {"sq": np.zeros(nb), "ab": np.zeros(nb), "bsq": np.zeros(nb), "bab": np.zeros(nb), "n": 0.0}
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for b in loader:
            b = loop.to_device(b, device)
            pred = model(b["images"], b["dem"], b["conditions"])
            target = torch.nan_to_num(b["target"])
            m = b["mask"]
            err = (pred - target) * m
            imgs = torch.nan_to_num(b["images"])
            base = torch.cat([imgs[:, k::nb].mean(1, keepdim=True) for k in range(nb)], 1)
            berr = (base - target) * m
            w = b["weight"].double() if "weight" in b else torch.ones(len(m), dtype=torch.float64)
            tot["sq"] += _weighted_sum(err ** 2, w)
            tot["ab"] += _weighted_sum(err.abs(), w)
            tot["bsq"] += _weighted_sum(berr ** 2, w)
            tot["bab"] += _weighted_sum(berr.abs(), w)
            tot["n"] += float((m.sum((1, 2, 3)).double() * w).sum())
    model.train(was_training)
    n = max(tot["n"], 1.0)
    mse_b = tot["sq"] / n
    mae_b = tot["ab"] / n
    out = {
        "mse_db2": float(mse_b.mean()), "rmse_db": float(np.sqrt(mse_b.mean())),
        "mae_db": float(mae_b.mean()),
        "per_band": {band: {"rmse_db": float(np.sqrt(mse_b[i])), "mae_db": float(mae_b[i])}
                     for i, band in enumerate(schema.BANDS)},
        "baseline_mean_of_inputs": {"rmse_db": float(np.sqrt((tot["bsq"] / n).mean())),
                                    "mae_db": float((tot["bab"] / n).mean())},
        "pixels": int(tot["n"]),
    }
    out["loss"] = out["mae_db"] if loss_kind == "l1" else out["mse_db2"]
    return out


def build_model(config, init, arch, n_inputs, log):
    """(model, InitWeights or None, InitReport or None) for the requested config and init source."""
    weights = pretrained.resolve(init, kind=schema.KIND)
    config = dict(config)
    if weights is not None and weights.config:
        init_config = {k: weights.config[k] for k in schema.CONFIG_KEYS if k in weights.config}
        same_n = int(init_config.get("n_inputs", n_inputs)) == int(n_inputs)
        if init_config.get("arch", arch) != arch or not same_n:
            log(f"init: {weights.source} was trained as {init_config}; building {config} and loading "
                "what fits")
        else:  # same task: keep the initial model's widths so every weight fits
            config.update({k: v for k, v in init_config.items() if k not in ("n_inputs", "arch")})
    model = LearnedDI(**config)
    report = None
    if weights is not None:
        report = pretrained.apply(model, weights)
        log(report.describe())
    return model, weights, report


def train(stack_dirs, out_onnx, n_inputs=schema.DEFAULT_N_INPUTS, arch="film", epochs=20, patch=64, batch=16,
          lr=1e-3, seed=0, init=None, progress=None, should_stop=None, threads=2, max_minutes=None,
          patches_per_epoch=512, val_patches=256, base=16, max_channels=64, loss="mse", augment=True,
          val_fraction=0.2, checkpoint="auto", log=None, on_epoch=None,
          tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP, schedule="cosine",
          patience=None, device="cpu", freeze_encoder_epochs=0, before=None, change_mask=True, card=None,
          command=None, split="last", half_life_days=None, season_weight=None):
    """Train a learned-DI predictor on ``stack_dirs`` and export it to ``out_onnx``; returns a summary.

    ``stack_dirs``: stack folders or acquisitions CSV paths; ``n_inputs``: N
    earlier acquisitions; ``arch``: 'film' or 'bottleneck'; ``epochs``: passes
    of ``patches_per_epoch`` random patches of ``patch`` x ``patch`` pixels in
    batches of ``batch``; ``lr``: Adam learning rate; ``seed``; ``init``:
    see the module docstring; ``progress(percent)``, ``should_stop() ->
    bool``, ``log(str)``, ``on_epoch(record)``: optional callbacks;
    ``threads``: torch CPU threads; ``max_minutes``: wall-clock budget (the
    best model so far is exported); ``val_patches``: at most this many
    validation patches; ``base``, ``max_channels``: U-Net widths; ``loss``:
    'mse' or 'l1' (dB); ``augment``: 180-degree rotations; ``checkpoint``:
    'auto' (``out_onnx`` with .pt), a path, or None; ``schedule``,
    ``patience``, ``device``, ``freeze_encoder_epochs``: see
    ``framework.loop.fit``; ``before``: only acquisitions before this date;
    ``change_mask``: use change_date.tif; ``split``: validation dates, 'last'
    or 'interleaved' (``dataset.split_targets``); ``half_life_days``: weight
    recent targets, in training (``dataset.random_samples``) and alike in the
    validation loss (``dataset.recency_weights``); ``season_weight``: draw cold
    targets and freeze/thaw or snow transitions that many times more often
    (``dataset.season_weights``; training only); ``card``: 'auto' (``out_onnx``
    with .md), a path, or None; ``command``: the command line quoted in the card.

    Summary keys: onnx (path, or None when stopped before the first
    validation), checkpoint, card, stopped (None, 'cancelled' or 'time
    limit'), epochs (records; epoch 0 = the initial model when ``init``),
    best_epoch, metrics, training (the metadata entry), parameters,
    patches_per_second, seconds, init_report.
    """
    t0 = time.perf_counter()
    log = log or (lambda msg: None)
    if arch not in ARCHITECTURES:
        raise ValueError(f"arch {arch!r}: use one of {ARCHITECTURES}")
    if loss not in LOSSES:
        raise ValueError(f"loss {loss!r}: use one of {LOSSES}")
    if int(epochs) < 1 or int(batch) < 1 or int(patches_per_epoch) < 1:
        raise ValueError("epochs, batch and patches_per_epoch must be >= 1")
    if isinstance(stack_dirs, (str, os.PathLike)):
        stack_dirs = [stack_dirs]
    stack_dirs = [os.path.abspath(os.fspath(d)) for d in stack_dirs]
    if not stack_dirs:
        raise ValueError("give at least one stack folder")
    threads = max(1, int(threads))
    torch.set_num_threads(threads)
    rng = loop.seed_everything(seed)
    device = loop.choose_device(device)

    stacks = [ds.Stack(d, before=before, change_mask=change_mask) for d in stack_dirs]
    try:
        patch = ds.check_patch(patch, stacks)
        splits = [ds.split_targets(s, int(n_inputs), val_fraction, split) for s in stacks]
        train_targets = [sp[0] for sp in splits]
        val_targets = [sp[1] for sp in splits]
        if not any(train_targets):
            raise ValueError("no training target: use longer stacks or fewer inputs")

        config = dict(n_inputs=int(n_inputs), arch=arch, base=int(base), max_channels=int(max_channels))
        model, weights, init_report = build_model(config, init, arch, n_inputs, log)
        buffers_loaded = init_report is not None and all(k in init_report.loaded
                                                         for k in ("db_mean", "cond_mean"))
        if weights is not None and weights.normalisation:
            model.set_normalisation(weights.normalisation)
            norm_source = "init"
        elif buffers_loaded:
            norm_source = "init"
        else:
            model.set_normalisation(ds.normalisation_stats(stacks, train_targets, rng))
            norm_source = "training data"
        log(f"model: {arch}, {count_parameters(model)} parameters, channels {model.channels}; "
            f"normalisation from {norm_source}")

        # Validation patches from their own generator: the same for a given seed whether or not the
        # normalisation was drawn from the data (a fine-tune and a from-scratch run compare alike).
        val_samples = ds.grid_samples(stacks, val_targets, patch, val_patches,
                                      np.random.default_rng([int(seed), 0, 1]))
        val_weights = ds.target_weights(stacks, val_samples, half_life_days)
        val_loader = ds.loader(stacks, val_samples, patch, batch, weights=val_weights)

        def batches(epoch):
            erng = np.random.default_rng([int(seed), epoch])
            samples = ds.random_samples(stacks, train_targets, patch, int(patches_per_epoch), erng,
                                        augment=augment, half_life_days=half_life_days,
                                        season_weight=season_weight)
            return ds.loader(stacks, samples, patch, batch)

        def step(net, b):
            pred = net(b["images"], b["dem"], b["conditions"])
            return _masked(pred - torch.nan_to_num(b["target"]), b["mask"], loss), len(b["target"])

        def epoch_log(record):
            if on_epoch is not None:
                on_epoch(record)
            log(f"epoch {record['epoch']}: train {record['train']:.4f} val {record['val']:.4f} "
                f"(MAE {record['val_mae_db']:.3f} dB)")

        fit = loop.fit(model, batches, step, lambda net: evaluate(net, val_loader, loss, device), epochs,
                       lr=lr, schedule=schedule, patience=patience, max_minutes=max_minutes, t0=t0,
                       should_stop=should_stop, progress=progress, log=log, on_epoch=epoch_log, device=device,
                       freeze=(weights.encoder or cfg.ENCODER_PREFIXES) if weights is not None else (),
                       freeze_epochs=freeze_encoder_epochs if weights is not None else 0,
                       evaluate_initial=weights is not None,
                       batches_per_epoch=-(-int(patches_per_epoch) // int(batch)))
        model.cpu()
        records, summary = loop.fit_summary(
            fit, ("epoch", "train", "val", "val_mae_db", "val_rmse_db", "lr", "seconds"),
            count_parameters(model), init_report)
        trained_epochs = [r for r in records if r["epoch"] > 0]
        if fit.best_state is None or not trained_epochs:
            summary["seconds"] = time.perf_counter() - t0
            return summary
        best_val = fit.best_val
        metrics = {"loss": loss, "best_epoch": fit.best_epoch, "val_loss": best_val["loss"],
                   "val_mse_db2": best_val["mse_db2"], "val_rmse_db": best_val["rmse_db"],
                   "val_mae_db": best_val["mae_db"], "per_band": best_val["per_band"],
                   "baseline_mean_of_inputs": best_val["baseline_mean_of_inputs"],
                   "val_pixels": best_val["pixels"], "val_patches": len(val_samples),
                   "epochs_to_best": fit.best_epoch,
                   "history": [{k: r[k] for k in ("epoch", "train", "val", "val_mae_db")} for r in records]}
        if fit.initial_val is not None:
            first = fit.initial_val
            metrics["initial"] = {"val_loss": first["loss"], "val_mae_db": first["mae_db"],
                                  "val_rmse_db": first["rmse_db"]}
        training = {
            "stacks": stack_dirs,
            "dates": [{"stack": s.csv_path,
                       "train": _date_range(s, tr), "validation": _date_range(s, va)}
                      for s, tr, va in zip(stacks, train_targets, val_targets)],
            "before": None if before is None else str(before),
            "change_mask": bool(change_mask),
            "targets": {"train": sum(len(t) for t in train_targets),
                        "validation": sum(len(t) for t in val_targets)},
            "patches": fit.samples, "patch": patch, "batch": int(batch), "epochs": len(trained_epochs),
            "epochs_requested": int(epochs), "stopped": fit.stopped, "early_stopped": fit.early_stopped,
            "seconds": round(time.perf_counter() - t0, 2), "arch": arch, "seed": int(seed),
            "init": None if weights is None else weights.source,
            "normalisation_from": norm_source, "lr": float(lr), "schedule": schedule, "loss": loss,
            "augment": bool(augment), "val_fraction": float(val_fraction), "split": split,
            "half_life_days": half_life_days, "season_weight": season_weight, "threads": threads,
            "device": str(device), "freeze_encoder_epochs": int(freeze_encoder_epochs),
            "patches_per_second": round(summary["patches_per_second"] or 0.0, 2),
            "torch": str(torch.__version__),
            "finished": _dt.datetime.now().isoformat(timespec="seconds"),
        }
        ranges = valid_ranges(stacks, train_targets, weights)
        meta = export.build_metadata(model, training, metrics, tile_size=tile_size, overlap=overlap,
                                     valid_ranges=ranges)
        out_onnx = export.export_onnx(model, out_onnx, meta)
        ckpt = None
        if checkpoint:
            ckpt = beside(out_onnx, ".pt") if checkpoint == "auto" else os.fspath(checkpoint)
            tmp = ckpt + ".partial"
            torch.save({"state_dict": model.state_dict(), "config": model.config,
                        "normalisation": model.normalisation(), "training": training,
                        "metrics": metrics}, tmp)
            os.replace(tmp, ckpt)
        card_path = None
        if card:
            card_path = beside(out_onnx, ".md") if card == "auto" else os.fspath(card)
            write_card(card_path, meta, command)
        summary.update(onnx=os.fspath(out_onnx), checkpoint=ckpt, card=card_path, best_epoch=fit.best_epoch,
                       metrics=metrics, training=training, seconds=time.perf_counter() - t0)
        if progress is not None:
            progress(100.0)
        return summary
    finally:
        for s in stacks:
            s.close()


def valid_ranges(stacks, train_targets, weights=None):
    """The "valid_ranges" of a model trained on ``train_targets``: every input seen in training, i.e.
    the conditions of every acquisition used, the dB of each band ("VV_db", "VH_db", from a decimated
    sample, ``dataset.input_ranges``) and the elevation ("elevation_m"; the graph sees it relative to
    each tile's mean), widened to the initial model's ranges when it started from one."""
    rows = [s.conditions[sorted({j for t, inputs in ts for j in (t, *inputs)})]
            for s, ts in zip(stacks, train_targets) if ts]
    db, elevation = ds.input_ranges(stacks, train_targets)
    ranges = schema.valid_ranges_from(np.concatenate(rows), db_by_band=db) if rows else {}
    seen = md.value_range(elevation, "m")
    if seen is not None:
        ranges["elevation_m"] = seen
    if weights is not None and weights.metadata:
        old, _exact = schema.model_valid_ranges(weights.metadata)
        for name, r in old.items():
            if name in ranges:
                new = ranges[name]
                ranges[name] = {"min": min(new["min"], r["min"]), "max": max(new["max"], r["max"]),
                                "units": new.get("units", r.get("units"))}
            else:
                ranges[name] = dict(r)
    return ranges


def write_card(path, meta_text, command=None):
    """Write the model card of an exported learned-DI model (``meta_text``: its metadata, dict of str)."""
    meta = md.parse_metadata(meta_text)
    metrics = meta.get("metrics") or {}
    history = metrics.get("history") or []
    rows = ["| epoch | train loss | validation loss | validation MAE (dB) |", "|---:|---:|---:|---:|"]
    rows += [f"| {h['epoch']} | {cards.number(h['train'])} | {cards.number(h['val'])} | "
             f"{cards.number(h['val_mae_db'], 3)} |" for h in history]
    return cards.write_card(
        path, meta, cfg.CARD_TITLE, command=command,
        summary=("Predicts the backscatter (dB, VV and VH) of a target acquisition from the N "
                 "acquisitions before it, the DEM and the acquisition conditions (Alatalo, Sipola & "
                 "Rantonen 2023, IEEE TGRS 61); the learned difference image is actual minus predicted."),
        sections=[("Validation by epoch", "\n".join(rows))],
        limits=["Conditions outside the valid ranges above are extrapolation.",
                "Validation targets are the last dates of each stack: prediction into the future."])


def beside(path, extension):
    """``path`` with its extension replaced by ``extension`` (e.g. '.pt')."""
    return os.path.splitext(os.fspath(path))[0] + extension


def _date_range(stack, targets):
    dates = sorted(stack.dates[t] for t, _ in targets)
    return [dates[0].isoformat(), dates[-1].isoformat()] if dates else []


def summary_json(summary):
    """``summary`` as compact JSON (the epoch records and metrics included)."""
    return json.dumps(summary, default=str)
