"""Training of coherence models on pair folders with the framework loop, ending in an ONNX model.

``train`` draws random patches (rotations, flips, date swaps) from the
training pairs, minimises a Gaussian negative log-likelihood of the
SLC-derived reference coherence under the network's (coherence, log-variance)
with ``models.framework.loop.fit``, evaluates the validation pairs (the last
dates of each source folder, ``dataset.split_pairs``) after every epoch,
keeps the best weights and exports them with the framework exporter (kind
"coherence"), plus a .pt checkpoint and a model card written from the run.

Loss, per valid pixel, with mu the predicted coherence, s = log sigma^2 and
y the reference: 0.5 (s + (y - mu)^2 exp(-s)) (Nix & Weigend 1994; Kendall &
Gal 2017), weighted by the detached sigma^(2 beta) (beta-NLL, Seitzer et al.
2022, ICLR: with beta = 0 the plain NLL, whose 1/sigma^2 weighting lets the
mean fit stall where the predicted variance is large; beta = 0.5 is their
recommended compromise). Validation metrics: NLL (beta = 0), RMSE, MAE and
bias of the coherence, and the fraction of errors within 1 and 2 sigma.

Calibration of sigma: the NLL-trained sigma of a network is usually
overconfident away from its training data; after training, one factor s on
sigma is fitted on the validation pairs (never the test scenes): the 68.27th
percentile of |error| / sigma, so that 68.27 % of the validation errors lie
within 1 sigma as for a Gaussian (a scale recalibration in the manner of
Kuleshov, Fenner & Ermon 2018, ICML, and Levi et al. 2022, Sensors). s is a
buffer of the exported graph; the card gives it and both calibrations.

Posterior targets (``posterior_targets``; simulated pairs with
``reference_posterior.POSTERIOR_FILES``, written by
``reference_posterior.write_posterior_targets``): the training loss takes the
NLL's expectation over the reference's posterior given the true coherence,
the true sigma0 and the intensities (its mean m and variance v per pixel:
0.5 (s + ((m - mu)^2 + v) exp(-s))). The network sees only the intensities, so
for each pixel this has the same minimiser in mu and s as the NLL of the
reference itself, without the reference's speckle noise in the gradients
(the posterior's spread, 0.09 RMS on the validation pairs, is the larger part
of the error). Pairs without the files (a user's pairs) keep the reference;
validation always scores against the reference.

Weather conditions (models with ``use_weather``): the pair's conditions
(``schema.WEATHER_NAMES``) are hidden at random during training (all of them
for a fraction ``weather_dropout`` of the patches, each on its own with
``condition_dropout`` for the others), so that the all-unknown path, exactly
the unconditioned network, is trained too; validation, early stopping and
the sigma scale use the known weather; the metrics also give the validation
scores with the weather unknown (``*_no_weather``).

Initial weights (``init``, ``models.framework.pretrained``): None (random),
a .pt written here, a coherence .onnx, or "coherence" (the shipped model).
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import datetime as _dt  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ...core.simulator.landcover import CLASS_NAMES  # noqa: E402
from ..framework import card as cards  # noqa: E402
from ..framework import loop, pretrained  # noqa: E402
from ..framework import metadata as md  # noqa: E402
from . import config as cfg  # noqa: E402
from . import dataset as ds  # noqa: E402
from . import export, schema  # noqa: E402
from .architecture import CoherenceUNet, count_parameters  # noqa: E402

SHIPPED_MODEL = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "coherence.onnx")


def _shipped():
    weights = pretrained.load_file(SHIPPED_MODEL, kind=schema.KIND)
    weights.encoder = cfg.ENCODER_PREFIXES
    return weights


pretrained.register("coherence", _shipped, "the shipped coherence model (models/coherence.onnx)")


def nll(coh, logvar, target, mask, beta=0.0, target_var=None):
    """Masked mean Gaussian negative log-likelihood (constant dropped), beta-NLL weighted when beta > 0;
    ``mask`` may carry per-pixel weights (the mean is weighted). With ``target_var`` (the variance of a
    random target around ``target``, its mean): the NLL's expectation over that target,
    0.5 (s + ((target - coh)^2 + target_var) exp(-s))."""
    sq = (target - coh) ** 2 if target_var is None else (target - coh) ** 2 + target_var
    e = 0.5 * (logvar + sq * torch.exp(-logvar))
    if beta:
        e = e * torch.exp(beta * logvar).detach()
    return (e * mask).sum() / mask.sum().clamp(min=1.0)


def _tensors(b, device):
    return {k: torch.from_numpy(v).to(device) for k, v in b.items()}


def hide_weather(weather, generator, all_fraction, each_fraction):
    """``weather`` (B, K) with conditions set to NaN (unknown): every condition of a sample with chance
    ``all_fraction``, else each with chance ``each_fraction``."""
    b, k = weather.shape
    hide_all = torch.rand(b, 1, generator=generator) < float(all_fraction)
    hide_each = torch.rand(b, k, generator=generator) < float(each_fraction)
    return torch.where(hide_all | hide_each, torch.full_like(weather, float("nan")), weather)


def _predictions(model, pairs, samples, patch, batch, device, weather=True):
    """Iterator of (coherence error, sigma, mask, landcover) tensors of the ``samples`` (sigma with
    ``sigma_scale``); ``weather``: False hides the pairs' weather conditions (all unknown)."""
    with torch.no_grad():
        for b in ds.batches(pairs, samples, patch, batch):
            t = _tensors(b, device)
            coh, logvar = model.heads(t["images"], t["baseline"], t["weather"] if weather else None)
            yield coh - t["target"], model.sigma(logvar), t["mask"], t["landcover"]


def evaluate(model, pairs, samples, patch, batch, device="cpu", weather=True):
    """Validation numbers: loss (NLL), RMSE/MAE/bias of the coherence, fractions within 1 and 2 sigma,
    ``rmse_by_class`` ({land-cover class: RMSE}, pairs with landcover.tif) and ``rmse_class_mean`` (their
    mean: every class counts alike, whatever its area; the overall RMSE when no pair has land cover);
    ``weather``: False scores a weather model with the conditions unknown."""
    acc = dict(nll=0.0, sq=0.0, ab=0.0, bias=0.0, in1=0.0, in2=0.0, n=0.0)
    by_class = {}
    with torch.no_grad():
        for err, sigma, m, lc in _predictions(model, pairs, samples, patch, batch, device, weather):
            for c in torch.unique(lc[m > 0]).tolist():
                if c > 0:
                    sel = (lc == c) & (m > 0)
                    s = by_class.setdefault(int(c), [0.0, 0.0])
                    s[0] += float((err[sel] ** 2).sum())
                    s[1] += float(sel.sum())
            logvar = 2.0 * torch.log(sigma)
            acc["nll"] += float((0.5 * (logvar + err ** 2 / sigma ** 2) * m).sum())
            acc["sq"] += float((err ** 2 * m).sum())
            acc["ab"] += float((err.abs() * m).sum())
            acc["bias"] += float((err * m).sum())
            acc["in1"] += float(((err.abs() <= sigma).float() * m).sum())
            acc["in2"] += float(((err.abs() <= 2 * sigma).float() * m).sum())
            acc["n"] += float(m.sum())
    n = max(acc["n"], 1.0)
    rmse = float(np.sqrt(acc["sq"] / n))
    rmse_by_class = {c: float(np.sqrt(sq / k)) for c, (sq, k) in sorted(by_class.items())}
    return {"loss": acc["nll"] / n, "rmse": rmse, "mae": acc["ab"] / n,
            "bias": acc["bias"] / n, "within_1_sigma": acc["in1"] / n, "within_2_sigma": acc["in2"] / n,
            "pixels": int(acc["n"]), "rmse_by_class": rmse_by_class,
            "rmse_class_mean": float(np.mean(list(rmse_by_class.values()))) if rmse_by_class else rmse}


#: Fraction of a Gaussian within 1 sigma.
WITHIN_1_SIGMA = 0.6827


def fit_sigma_scale(model, pairs, samples, patch, batch, device="cpu"):
    """The factor on sigma that puts 68.27 % of the errors on ``samples`` within 1 sigma (at the model's
    current ``sigma_scale`` = 1: call before setting it)."""
    ratios = [(err.abs() / sigma)[m > 0].cpu().numpy()
              for err, sigma, m, _ in _predictions(model, pairs, samples, patch, batch, device)]
    ratios = np.concatenate(ratios) if ratios else np.zeros(0)
    return float(np.quantile(ratios, WITHIN_1_SIGMA)) if ratios.size else 1.0


def build_model(config, init, log):
    """(model, InitWeights or None, InitReport or None); the initial model's widths win when it has them."""
    weights = pretrained.resolve(init, kind=schema.KIND)
    config = dict(config)
    if weights is not None and weights.config:
        config.update({k: weights.config[k] for k in ("width_scale", "stem", "use_baseline", "use_weather",
                                                       "refine", "window_stem", "stem_blocks")
                       if k in weights.config})
    model = CoherenceUNet(**config)
    report = None
    if weights is not None:
        report = pretrained.apply(model, weights)
        log(report.describe())
    return model, weights, report


def train(pair_paths, out_onnx, epochs=cfg.TRAINING["epochs"], patch=cfg.TRAINING["patch"],
          batch=cfg.TRAINING["batch"], lr=cfg.TRAINING["lr"], seed=0, init=None, progress=None,
          should_stop=None, threads=2, max_minutes=None, patches_per_epoch=cfg.TRAINING["patches_per_epoch"],
          val_patches=cfg.TRAINING["val_patches"], val_fraction=cfg.TRAINING["val_fraction"],
          width_scale=cfg.NETWORK["width_scale"], stem=cfg.NETWORK["stem"],
          use_baseline=cfg.NETWORK["use_baseline"], use_weather=cfg.NETWORK["use_weather"],
          refine=cfg.NETWORK["refine"], window_stem=cfg.NETWORK["window_stem"],
          stem_blocks=cfg.NETWORK["stem_blocks"], posterior_targets=cfg.TRAINING["posterior_targets"],
          weather_dropout=cfg.TRAINING["weather_dropout"],
          condition_dropout=cfg.TRAINING["condition_dropout"],
          beta=cfg.TRAINING["beta"], augment=True,
          balance=cfg.TRAINING["balance"], class_weight_power=cfg.TRAINING["class_weight_power"],
          schedule=cfg.TRAINING["schedule"], patience=None, device="cpu", freeze_encoder_epochs=0,
          checkpoint="auto", card="auto", command=None, log=None, on_epoch=None,
          tile_size=schema.DEFAULT_TILE_SIZE, overlap=schema.DEFAULT_OVERLAP):
    """Train a coherence model on ``pair_paths`` (pair folders, simulator runs or CSVs) into ``out_onnx``.

    ``epochs`` passes of ``patches_per_epoch`` random ``patch`` x ``patch``
    pixel patches in batches of ``batch``; ``lr``: Adam learning rate;
    ``max_minutes``: wall-clock budget (the best model so far is exported);
    ``width_scale``, ``stem``, ``use_baseline``, ``use_weather``, ``refine``, ``window_stem``,
    ``stem_blocks``: the
    network (``config``; the initial model's win when it records them); ``posterior_targets``: train on
    the posterior of the reference where the pairs have it; ``weather_dropout``, ``condition_dropout``:
    see the module docstring;
    ``beta``: beta-NLL weight (0 = plain NLL); ``balance``: fraction of the
    patches centred on a land-cover class drawn uniformly (``dataset.random_samples``;
    pairs with landcover.tif only); ``class_weight_power``: per-pixel loss
    weights (land-cover share) ** -power (``dataset.class_weights``; 0 = none,
    0.5 = inverse square-root frequency); ``init``: see the module
    docstring; ``checkpoint``/``card``: 'auto' (beside ``out_onnx``), a path
    or None. Returns the summary (onnx, checkpoint, card, stopped, epochs,
    best_epoch, metrics, training, parameters, patches_per_second, seconds,
    init_report).
    """
    t0 = time.perf_counter()
    log = log or (lambda msg: None)
    if int(epochs) < 1 or int(batch) < 1 or int(patches_per_epoch) < 1:
        raise ValueError("epochs, batch and patches_per_epoch must be >= 1")
    torch.set_num_threads(max(1, int(threads)))
    rng = loop.seed_everything(seed)
    device = loop.choose_device(device)
    pairs = ds.load_pairs(pair_paths)
    train_pairs, val_pairs = ds.split_pairs(pairs, val_fraction)
    model, weights, init_report = build_model(
        dict(width_scale=width_scale, stem=stem, use_baseline=use_baseline, use_weather=use_weather,
             refine=refine, window_stem=window_stem, stem_blocks=stem_blocks), init, log)
    model.sigma_scale.fill_(1.0)  # trained on the raw log-variance; fitted again below
    patch = ds.check_patch(patch, pairs, model.size_multiple)
    if patch != int(tile_size):
        log(f"note: training patches of {patch} px, inference tiles of {tile_size} px: the deepest maps of "
            "the network differ in size between the two, which can bias the predictions (config.py)")
    if weights is not None and weights.normalisation:
        model.set_normalisation(weights.normalisation)
        norm_source = "init"
    else:
        model.set_normalisation(ds.normalisation_stats(train_pairs))
        norm_source = "training data"
    log(f"model: Residual U-Net, widths {model.widths} bridge {model.bridge_width} (width scale "
        f"{model.width_scale:g}, stem {model.stem_factor}{', weather FiLM' if model.use_weather else ''}"
        f"{f', refinement {model.refine_width}' if model.refine_width else ''}"
        f"{', window features in the stem' if model.window_stem else ''}"
        f"{f', {model.stem_blocks} block(s) after the stem' if model.stem_blocks else ''}), "
        f"{count_parameters(model)} parameters; "
        f"{len(train_pairs)} training and {len(val_pairs)} validation pairs; normalisation from "
        f"{norm_source}")
    val_samples = ds.grid_samples(val_pairs, patch, int(val_patches), rng)
    with_posterior = sum(p.posterior is not None for p in train_pairs) if posterior_targets else 0
    if posterior_targets:
        log(f"posterior targets: {with_posterior} of {len(train_pairs)} training pairs (the others: the "
            "reference)")

    centres = ds.class_centres(train_pairs, seed) if balance > 0 else None
    weights_by_class = ds.class_weights(train_pairs, class_weight_power)
    if weights_by_class:
        log("loss weights by land-cover class: " + ", ".join(
            f"{CLASS_NAMES.get(c, c)} {w:.2f}" for c, w in weights_by_class.items()))

    def batches(epoch):
        erng = np.random.default_rng([int(seed), int(epoch)])
        samples = ds.random_samples(train_pairs, patch, int(patches_per_epoch), erng, augment, balance,
                                    centres)
        return ds.batches(train_pairs, samples, patch, batch, weights_by_class)

    hider = torch.Generator().manual_seed(int(seed) + 7)

    def step(net, b):
        t = _tensors(b, device)
        weather = None
        if model.use_weather:
            weather = hide_weather(t["weather"].cpu(), hider, weather_dropout, condition_dropout).to(device)
        coh, logvar = net.heads(t["images"], t["baseline"], weather)
        mask = t["mask"] * t["weight"] if "weight" in t else t["mask"]
        if posterior_targets and "posterior" in t:
            return (nll(coh, logvar, t["posterior"][:, :1], mask, beta, t["posterior"][:, 1:2]),
                    len(b["images"]))
        return nll(coh, logvar, t["target"], mask, beta), len(b["images"])

    def epoch_log(record):
        if on_epoch is not None:
            on_epoch(record)
        log(f"epoch {record['epoch']}: train {record['train']:.4f} val NLL {record['val']:.4f} "
            f"RMSE {record['val_rmse']:.4f}")

    def validate(net):
        return evaluate(net, val_pairs, val_samples, patch, batch, device)

    fit = loop.fit(model, batches, step, validate, epochs, lr=lr, schedule=schedule, patience=patience,
                   max_minutes=max_minutes, t0=t0,
                   should_stop=should_stop, progress=progress, log=log, on_epoch=epoch_log, device=device,
                   freeze=cfg.ENCODER_PREFIXES if weights is not None else (),
                   freeze_epochs=freeze_encoder_epochs if weights is not None else 0,
                   evaluate_initial=weights is not None,
                   batches_per_epoch=-(-int(patches_per_epoch) // int(batch)))
    model.cpu()
    records, summary = loop.fit_summary(
        fit, ("epoch", "train", "val", "val_rmse", "val_mae", "lr", "seconds"), count_parameters(model),
        init_report)
    trained = [r for r in records if r["epoch"] > 0]
    if fit.best_state is None or not trained:
        summary["seconds"] = time.perf_counter() - t0
        return summary
    uncalibrated = fit.best_val
    scale = fit_sigma_scale(model, val_pairs, val_samples, patch, batch)
    model.sigma_scale.fill_(scale)
    best = evaluate(model, val_pairs, val_samples, patch, batch)
    blind = None  # the validation scores of a weather model with the weather unknown
    if model.use_weather:
        blind = evaluate(model, val_pairs, val_samples, patch, batch, weather=False)
        log(f"validation RMSE {best['rmse']:.4f} with the weather, {blind['rmse']:.4f} without (class mean "
            f"{best['rmse_class_mean']:.4f} / {blind['rmse_class_mean']:.4f})")
    log(f"sigma scale {scale:.3f} fitted on the validation pairs: within 1 / 2 sigma "
        f"{uncalibrated['within_1_sigma']:.3f} / {uncalibrated['within_2_sigma']:.3f} -> "
        f"{best['within_1_sigma']:.3f} / {best['within_2_sigma']:.3f}")
    metrics = {"loss": "gaussian_nll", "beta": float(beta), "best_epoch": fit.best_epoch,
               "val_nll": best["loss"], "val_rmse": best["rmse"], "val_mae": best["mae"],
               "val_bias": best["bias"], "val_rmse_class_mean": best["rmse_class_mean"],
               **{f"val_rmse_{CLASS_NAMES.get(c, c)}": r for c, r in best["rmse_by_class"].items()},
               "val_within_1_sigma": best["within_1_sigma"], "val_within_2_sigma": best["within_2_sigma"],
               "sigma_scale": scale, "val_within_1_sigma_uncalibrated": uncalibrated["within_1_sigma"],
               "val_within_2_sigma_uncalibrated": uncalibrated["within_2_sigma"],
               **({} if blind is None else {
                   "val_rmse_no_weather": blind["rmse"],
                   "val_rmse_class_mean_no_weather": blind["rmse_class_mean"],
                   "val_within_1_sigma_no_weather": blind["within_1_sigma"],
                   "val_within_2_sigma_no_weather": blind["within_2_sigma"]}),
               "val_pixels": best["pixels"], "val_patches": len(val_samples),
               "history": [{k: r[k] for k in ("epoch", "train", "val", "val_rmse")} for r in records]}
    if fit.initial_val is not None:
        metrics["initial"] = {"val_nll": fit.initial_val["loss"], "val_rmse": fit.initial_val["rmse"]}
    baselines = sorted({p.baseline_days for p in train_pairs})
    training = {
        "pairs": {"train": [p.folder for p in train_pairs], "validation": [p.folder for p in val_pairs]},
        "train_pairs": len(train_pairs), "validation_pairs": len(val_pairs),
        "sources": sorted({os.path.dirname(p.folder) for p in pairs}),
        "baseline_days": baselines,
        "polarisations": sorted({p.row.get("polarisation", "?") for p in train_pairs}),
        "looks": sorted({p.row.get("looks", "?") for p in train_pairs}),
        "reference_window": sorted({p.row.get("window", "?") for p in train_pairs}),
        "patches": fit.samples, "patch": patch, "batch": int(batch), "epochs": len(trained),
        "epochs_requested": int(epochs), "stopped": fit.stopped, "early_stopped": fit.early_stopped,
        "seconds": round(time.perf_counter() - t0, 2), "seed": int(seed),
        "init": None if weights is None else weights.source, "normalisation_from": norm_source,
        "lr": float(lr), "schedule": schedule, "augment": bool(augment), "balance": float(balance),
        "class_weight_power": float(class_weight_power),
        "targets": "posterior of the reference" if with_posterior else "reference",
        **({"posterior_pairs": int(with_posterior)} if with_posterior else {}),
        **({"weather_dropout": float(weather_dropout), "condition_dropout": float(condition_dropout)}
           if model.use_weather else {}),
        "class_weights": {CLASS_NAMES.get(c, str(c)): round(w, 3) for c, w in weights_by_class.items()},
        "threads": int(threads),
        "device": str(device), "max_minutes": max_minutes,
        "patches_per_second": round(summary["patches_per_second"] or 0.0, 2), "torch": str(torch.__version__),
        "finished": _dt.datetime.now().isoformat(timespec="seconds"),
    }
    db = np.concatenate([p.db[:, p.valid].ravel() for p in train_pairs])
    ranges = {"sigma0_db": md.value_range(np.percentile(db, [0.1, 99.9]), "dB"),
              "baseline_days": {"min": baselines[0], "max": baselines[-1], "units": "days"}}
    if model.use_weather:
        seen = np.stack([p.weather for p in train_pairs])
        for i, (name, units) in enumerate(zip(schema.WEATHER_NAMES, schema.WEATHER_UNITS)):
            r = md.value_range(seen[:, i], units)
            if r is not None:
                ranges[name] = r
    meta = export.build_metadata(model, training, metrics, tile_size=tile_size, overlap=overlap,
                                 valid_ranges=ranges)
    out_onnx = export.export_onnx(model, out_onnx, meta)
    ckpt = None
    if checkpoint:
        ckpt = beside(out_onnx, ".pt") if checkpoint == "auto" else os.fspath(checkpoint)
        torch.save({"state_dict": model.state_dict(), "config": model.config,
                    "normalisation": model.normalisation(), "training": training, "metrics": metrics},
                   ckpt + ".partial")
        os.replace(ckpt + ".partial", ckpt)
    card_path = None
    if card:
        card_path = beside(out_onnx, ".md") if card == "auto" else os.fspath(card)
        write_card(card_path, meta, command)
    summary.update(onnx=os.fspath(out_onnx), checkpoint=ckpt, card=card_path, best_epoch=fit.best_epoch,
                   metrics=metrics, training=training, seconds=time.perf_counter() - t0)
    if progress is not None:
        progress(100.0)
    return summary


def beside(path, extension):
    """``path`` with its extension replaced by ``extension``."""
    return os.path.splitext(os.fspath(path))[0] + extension


def write_card(path, meta_text, command=None, sections=()):
    """Write the model card of an exported coherence model (``meta_text``: its metadata, dict of str);
    ``sections``: further (heading, markdown) pairs from the run (e.g. the benchmark's test tables)."""
    meta = md.parse_metadata(meta_text)
    history = (meta.get("metrics") or {}).get("history") or []
    rows = ["| epoch | train loss | validation NLL | validation RMSE |", "|---:|---:|---:|---:|"]
    rows += [f"| {h['epoch']} | {cards.number(h['train'])} | {cards.number(h['val'])} | "
             f"{cards.number(h.get('val_rmse'), 4)} |" for h in history]
    return cards.write_card(
        path, meta, cfg.CARD_TITLE, command=command,
        summary=("Predicts the repeat-pass InSAR coherence magnitude (0-1) and its standard deviation from "
                 "two co-registered detected images (dB) of one pair, after Sica, Pulella & Schmitt "
                 "('Beyond Backscatter: InSAR coherence from detected SAR images'): a Residual U-Net with a "
                 "coherence and a log-variance head, trained with a Gaussian negative log-likelihood "
                 "against the coherence estimated from the complex pairs."),
        sections=[("Validation by epoch", "\n".join(rows))] + list(sections),
        limits=["Trained on simulated Sentinel-1 pairs (see the training data above): the polarisation, "
                "number of looks, reference window and temporal baselines seen in training bound what it "
                "has learned; elsewhere it extrapolates.",
                "The predicted sigma is the spread the model expects around the window (reference) "
                "coherence, itself a noisy estimate of the true coherence."])
