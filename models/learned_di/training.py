"""Training of learned-DI predictors on stack folders, ending in an ONNX model.

``train`` draws random patches from the training targets of every stack
(see ``dataset``), minimises the masked loss between the predicted and the
observed target dB with Adam (learning rate decayed by a cosine from ``lr``
to ``lr / 10`` over the epochs), evaluates the validation targets after
every epoch, keeps the weights of the best validation loss and exports them
with ``export.export_onnx`` (metadata: normalisation, training summary,
validation metrics, architecture), plus a .pt checkpoint for transfer learning.

Loss: mean squared error in dB over the mask (valid, unchanged pixels), as
in Alatalo et al. (2023); ``loss="l1"`` uses the mean absolute error, which
is less pulled by speckle's heavy lower tail in dB. The reported validation
metrics are always MSE (dB^2), RMSE and MAE (dB), per band and overall, and
the same for the trivial predictor "mean of the inputs' dB" as a baseline.

Transfer learning (``init``): a .pt file written here (dict with
"state_dict", "config", "normalisation"), a bare state dict, or a learned-DI
.onnx (initializers and metadata). Weights are loaded with strict=False;
tensors whose shape differs are skipped; missing, unexpected and skipped
keys are reported through ``log``. When the initial model has the same
``arch`` and N, its widths (base, max_channels, ...) are used so every tensor
fits; otherwise the requested model is built and whatever fits is loaded.
The normalisation of the initial model is kept (its weights were trained
with it); only a bare state dict without normalisation buffers gets
statistics from the new data.

Determinism: ``seed`` seeds torch (weights) and numpy (patch positions,
augmentation); with the same data, arguments and thread count, runs repeat.
"""
import os

# Before torch (and its OpenMP runtime) is loaded: with busy-waiting OpenMP threads, two threads on a
# two-core machine that also runs other work train ~10x slower than one; passive waiting avoids it.
# Has no effect when the caller imported torch first (then set the variable yourself).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import copy  # noqa: E402
import datetime as _dt  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import dataset as ds  # noqa: E402
from . import export, schema  # noqa: E402
from .architecture import ARCHITECTURES, LearnedDI, count_parameters  # noqa: E402

LOSSES = ("mse", "l1")


class Stopped(Exception):
    """Raised inside the loop when ``should_stop()`` turns true (caught by ``train``)."""


def _masked(err, mask, kind):
    w = mask.expand_as(err)
    e = err.abs() if kind == "l1" else err * err
    return (e * w).sum() / w.sum().clamp(min=1.0)


def load_init(path, log=print):
    """(state dict, config or None, normalisation or None) from a .pt or .onnx file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(f"initial weights {path} do not exist")
    if path.lower().endswith(".onnx"):
        state, meta = export.onnx_state_dict(path)
        info = schema.read_model_metadata(meta)
        arch = info.get(schema.META_ARCHITECTURE) or {}
        config = {k: arch[k] for k in ("n_inputs", "arch", "base", "max_channels", "cond_dim", "depth",
                                       "residual") if k in arch}
        return state, config or None, info.get(schema.META_NORMALISATION)
    obj = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(obj, dict) and "state_dict" in obj:
        return obj["state_dict"], obj.get("config"), obj.get("normalisation")
    if isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj, None, None
    raise ValueError(f"{path} is neither a state dict nor a learned-DI checkpoint")


def apply_init(model, state, log=print):
    """Load ``state`` into ``model`` (strict=False, shape mismatches skipped); returns a report dict."""
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and tuple(v.shape) == tuple(own[k].shape)}
    skipped = sorted(k for k, v in state.items() if k in own and tuple(v.shape) != tuple(own[k].shape))
    result = model.load_state_dict(usable, strict=False)
    report = {"loaded": len(usable), "missing": sorted(result.missing_keys),
              "unexpected": sorted(k for k in state if k not in own), "shape_mismatch": skipped}
    log(f"init: loaded {report['loaded']} tensors; missing {len(report['missing'])} "
        f"{report['missing'][:8]}; unexpected {len(report['unexpected'])} {report['unexpected'][:8]}; "
        f"shape mismatch {len(skipped)} {skipped[:8]}")
    return report


def evaluate(model, loader, loss_kind="mse"):
    """Validation numbers over ``loader``: loss, MSE (dB^2), RMSE/MAE (dB) overall and per band,
    and the same for the mean-of-inputs baseline."""
    nb = len(schema.BANDS)
    tot = {"sq": np.zeros(nb), "ab": np.zeros(nb), "bsq": np.zeros(nb), "bab": np.zeros(nb), "n": 0.0}
    model.eval()
    with torch.no_grad():
        for b in loader:
            pred = model(b["images"], b["dem"], b["conditions"])
            target = torch.nan_to_num(b["target"])
            m = b["mask"]
            err = (pred - target) * m
            imgs = torch.nan_to_num(b["images"])
            base = torch.cat([imgs[:, k::nb].mean(1, keepdim=True) for k in range(nb)], 1)
            berr = (base - target) * m
            tot["sq"] += (err ** 2).sum((0, 2, 3)).double().numpy()
            tot["ab"] += err.abs().sum((0, 2, 3)).double().numpy()
            tot["bsq"] += (berr ** 2).sum((0, 2, 3)).double().numpy()
            tot["bab"] += berr.abs().sum((0, 2, 3)).double().numpy()
            tot["n"] += float(m.sum())
    model.train()
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


def train(stack_dirs, out_onnx, n_inputs=schema.DEFAULT_N_INPUTS, arch="film", epochs=20, patch=64, batch=16,
          lr=1e-3, seed=0, init=None, progress=None, should_stop=None, threads=2, max_minutes=None,
          patches_per_epoch=512, val_patches=256, base=16, max_channels=64, loss="mse", augment=True,
          val_fraction=0.2, checkpoint="auto", log=None, on_epoch=None,
          tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP):
    """Train a learned-DI predictor on ``stack_dirs`` and export it to ``out_onnx``; returns a summary.

    ``n_inputs``: N earlier acquisitions; ``arch``: 'film' or 'bottleneck';
    ``epochs``: passes of ``patches_per_epoch`` random patches of ``patch`` x
    ``patch`` pixels in batches of ``batch``; ``lr``: Adam learning rate;
    ``seed``: random seed; ``init``: None or a .pt/.onnx to start from;
    ``progress(percent)``, ``should_stop() -> bool``, ``log(str)``,
    ``on_epoch(record)``: optional callbacks (record: epoch, train, val,
    val_mae_db, seconds); ``threads``: torch intra-op threads; ``max_minutes``:
    wall-clock budget (training stops after the epoch/batch that exceeds it and
    the best model so far is exported); ``val_patches``: at most this many
    validation patches (a grid over the validation targets); ``base``,
    ``max_channels``: U-Net widths; ``loss``: 'mse' or 'l1' (dB);
    ``augment``: 180-degree rotations (see ``dataset``); ``checkpoint``:
    'auto' (``out_onnx`` with .pt), a path, or None for none.

    Summary keys: onnx (path, or None when stopped before the first
    validation), checkpoint, stopped (None, 'cancelled' or 'time limit'),
    epochs (records), best_epoch, metrics, training (the metadata entry),
    parameters, patches_per_second, seconds, init_report.
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
    torch.manual_seed(int(seed))
    rng = np.random.default_rng(int(seed))
    stop_reason = None
    deadline = None if max_minutes is None else t0 + 60.0 * float(max_minutes)

    stacks = [ds.Stack(d) for d in stack_dirs]
    try:
        patch = ds.check_patch(patch, stacks)
        splits = [ds.split_targets(s, int(n_inputs), val_fraction) for s in stacks]
        train_targets = [sp[0] for sp in splits]
        val_targets = [sp[1] for sp in splits]
        if not any(train_targets):
            raise ValueError("no training target: use longer stacks or fewer inputs")

        config = dict(n_inputs=int(n_inputs), arch=arch, base=int(base), max_channels=int(max_channels))
        init_state, init_config, init_norm, init_report = None, None, None, None
        if init is not None:
            init_state, init_config, init_norm = load_init(init, log)
            if init_config and (init_config.get("arch") != arch
                                or int(init_config.get("n_inputs", n_inputs)) != int(n_inputs)):
                log(f"init: {init} was trained as {init_config}; building {config} and loading what fits")
            elif init_config:  # same task: keep the initial model's widths so every weight fits
                config.update({k: v for k, v in init_config.items() if k not in ("n_inputs", "arch")})
        model = LearnedDI(**config)
        if init_state is not None:
            init_report = apply_init(model, init_state, log)
        buffers_loaded = init_state is not None and all(k in init_state for k in ("db_mean", "cond_mean"))
        if init_norm is not None:
            model.set_normalisation(init_norm)
            norm_source = "init"
        elif buffers_loaded:
            norm_source = "init"
        else:
            model.set_normalisation(ds.normalisation_stats(stacks, train_targets, rng))
            norm_source = "training data"
        log(f"model: {arch}, {count_parameters(model)} parameters, channels {model.channels}; "
            f"normalisation from {norm_source}")

        val_samples = ds.grid_samples(stacks, val_targets, patch, val_patches, rng)
        val_loader = ds.loader(stacks, val_samples, patch, batch)
        opt = torch.optim.Adam(model.parameters(), lr=float(lr))
        n_batches = int(math.ceil(int(patches_per_epoch) / int(batch)))
        total_steps = int(epochs) * (n_batches + 1)
        step = 0
        records = []
        best = None
        patches_seen = 0
        train_seconds = 0.0

        def report(extra=0):
            if progress is not None:
                progress(min(100.0, 100.0 * (step + extra) / total_steps))

        def check_stop():
            nonlocal stop_reason
            if should_stop is not None and should_stop():
                stop_reason = "cancelled"
                raise Stopped
            if deadline is not None and time.perf_counter() > deadline:
                stop_reason = "time limit"
                raise Stopped

        try:
            for epoch in range(1, int(epochs) + 1):
                te = time.perf_counter()
                for g in opt.param_groups:  # cosine decay from lr to lr/10
                    frac = (epoch - 1) / max(1, int(epochs) - 1)
                    g["lr"] = float(lr) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
                erng = np.random.default_rng([int(seed), epoch])
                samples = ds.random_samples(stacks, train_targets, patch, int(patches_per_epoch), erng,
                                            augment=augment)
                model.train()
                tot, cnt = 0.0, 0
                tb = time.perf_counter()
                for b in ds.loader(stacks, samples, patch, batch):
                    check_stop()
                    pred = model(b["images"], b["dem"], b["conditions"])
                    lval = _masked(pred - torch.nan_to_num(b["target"]), b["mask"], loss)
                    opt.zero_grad()
                    lval.backward()
                    opt.step()
                    tot += float(lval.detach()) * len(b["target"])
                    cnt += len(b["target"])
                    step += 1
                    report()
                train_seconds += time.perf_counter() - tb
                patches_seen += cnt
                check_stop()
                val = evaluate(model, val_loader, loss)
                step += 1
                record = {"epoch": epoch, "train": tot / max(cnt, 1), "val": val["loss"],
                          "val_mae_db": val["mae_db"], "val_rmse_db": val["rmse_db"],
                          "seconds": time.perf_counter() - te}
                records.append(record)
                if best is None or val["loss"] < best[1]["loss"]:
                    best = (epoch, val, copy.deepcopy(model.state_dict()))
                if on_epoch is not None:
                    on_epoch(record)
                base_mae = val["baseline_mean_of_inputs"]["mae_db"]
                log(f"epoch {epoch}: train {record['train']:.4f} val {val['loss']:.4f} "
                    f"(MAE {val['mae_db']:.3f} dB; mean-of-inputs {base_mae:.3f} dB)")
                report()
        except Stopped:
            log(f"stopped ({stop_reason}) after {len(records)} epoch(s)")

        summary = {"onnx": None, "checkpoint": None, "stopped": stop_reason, "epochs": records,
                   "parameters": count_parameters(model), "init_report": init_report,
                   "patches_per_second": patches_seen / train_seconds if train_seconds > 0 else None}
        if best is None:
            summary["seconds"] = time.perf_counter() - t0
            return summary
        best_epoch, best_val, best_state = best
        model.load_state_dict(best_state)
        model.eval()
        metrics = {"loss": loss, "best_epoch": best_epoch, "val_loss": best_val["loss"],
                   "val_mse_db2": best_val["mse_db2"], "val_rmse_db": best_val["rmse_db"],
                   "val_mae_db": best_val["mae_db"], "per_band": best_val["per_band"],
                   "baseline_mean_of_inputs": best_val["baseline_mean_of_inputs"],
                   "val_pixels": best_val["pixels"], "val_patches": len(val_samples),
                   "history": [{k: r[k] for k in ("epoch", "train", "val", "val_mae_db")} for r in records]}
        training = {
            "stacks": stack_dirs,
            "dates": [{"stack": s.folder,
                       "train": _date_range(s, tr), "validation": _date_range(s, va)}
                      for s, tr, va in zip(stacks, train_targets, val_targets)],
            "targets": {"train": sum(len(t) for t in train_targets),
                        "validation": sum(len(t) for t in val_targets)},
            "patches": patches_seen, "patch": patch, "batch": int(batch), "epochs": len(records),
            "epochs_requested": int(epochs), "stopped": stop_reason,
            "seconds": round(time.perf_counter() - t0, 2), "arch": arch, "seed": int(seed),
            "init": None if init is None else os.path.abspath(os.fspath(init)),
            "normalisation_from": norm_source, "lr": float(lr), "loss": loss, "augment": bool(augment),
            "val_fraction": float(val_fraction), "threads": threads,
            "patches_per_second": round(summary["patches_per_second"] or 0.0, 2),
            "torch": str(torch.__version__),
            "finished": _dt.datetime.now().isoformat(timespec="seconds"),
        }
        meta = export.build_metadata(model, training, metrics, tile_size=tile_size, overlap=overlap)
        out_onnx = export.export_onnx(model, out_onnx, meta)
        ckpt = None
        if checkpoint:
            if checkpoint == "auto":
                ckpt = os.path.splitext(os.fspath(out_onnx))[0] + ".pt"
            else:
                ckpt = os.fspath(checkpoint)
            tmp = ckpt + ".partial"
            torch.save({"state_dict": model.state_dict(), "config": model.config,
                        "normalisation": model.normalisation(), "training": training,
                        "metrics": metrics}, tmp)
            os.replace(tmp, ckpt)
        summary.update(onnx=os.fspath(out_onnx), checkpoint=ckpt, best_epoch=best_epoch, metrics=metrics,
                       training=training, seconds=time.perf_counter() - t0)
        if progress is not None:
            progress(100.0)
        return summary
    finally:
        for s in stacks:
            s.close()


def _date_range(stack, targets):
    dates = sorted(stack.dates[t] for t, _ in targets)
    return [dates[0].isoformat(), dates[-1].isoformat()] if dates else []


def summary_json(summary):
    """``summary`` as compact JSON (the epoch records and metrics included)."""
    return json.dumps(summary, default=str)
