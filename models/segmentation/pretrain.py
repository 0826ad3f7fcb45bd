"""Self-supervised SAR pretraining of the segmentation encoder: despeckling or cross-date pretext.

ImageNet weights cannot be had here, and SAR users would rather start from SAR
anyway. The pretext: from a single-look image (VV, VH dB, incidence deg)
predict the speckle-free image (dB). On simulator scenes
(``core.simulator.segmentation``, seeds ``PRETRAIN_SEEDS``, disjoint from the
segmentation train and test seeds, both seasons) the target is the
simulator's speckle-free twin; on real rasters (``rasters``: (C, H, W) dB
arrays) it is the 5 x 5 multi-looked image (mean of linear power, in dB),
the input the raster itself. The "cross_date" pretext (simulator scenes only)
predicts instead the speckle-free image of the *other* season of the same
seed (the same ground: relief, land cover, water, orbit and floe field) from
the single-look image of one season, freeze -> melt and melt -> freeze
alternating, so the encoder learns what the melt does to each surface (wet
snow, wet ice against open water). No labels are used. The network is
``SegmentationNet`` with 2 outputs regressing the z-scored target; only its
encoder (``encoder.*``) is kept, with the normalisation, in a .pt checkpoint
that ``training`` loads (``--init PATH`` or the registered name
"segmentation.sar_despeckling" for the shipped one), plus a card (.md).

    python -m sar_change.models.segmentation.pretrain --out encoder.pt [--scenes 24] [--epochs 40] \\
        [--max-minutes 4] [--pretext despeckling|cross_date] [--raster SCENE.tif ...]
"""

import argparse
import os
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

PRETRAIN_SEEDS = tuple(range(500, 700))
MULTILOOK = 5
#: Pretext tasks: name -> (card config entry, card training entry).
PRETEXTS = {
    "despeckling": (
        "despeckling (single look -> speckle-free dB)",
        "predict the speckle-free VV/VH dB from a single-look image",
    ),
    "cross_date": (
        "cross_date (single look of one season -> speckle-free dB of the other season)",
        "predict the other season's speckle-free VV/VH dB of the same ground from a single-look image "
        "(freeze -> melt and melt -> freeze alternating)",
    ),
}


def multilook_db(image_db, size=MULTILOOK):
    """Boxcar mean of linear power over ``size`` x ``size`` pixels, in dB (per band; NaN ignored)."""
    import numpy as np
    from scipy import ndimage

    out = []
    for band in image_db:
        p = np.where(np.isfinite(band), 10.0 ** (band / 10.0), 0.0)
        n = ndimage.uniform_filter(np.isfinite(band).astype(np.float64), size)
        m = ndimage.uniform_filter(p, size) / np.maximum(n, 1e-9)
        out.append(np.where(np.isfinite(band), 10.0 * np.log10(np.maximum(m, 1e-6)), np.nan))
    return np.stack(out).astype(np.float32)


def check_pretext(pretext):
    """``pretext`` if it is one of ``PRETEXTS``, else ValueError naming them."""
    if pretext not in PRETEXTS:
        raise ValueError(f"unknown pretext {pretext!r}: use one of {', '.join(PRETEXTS)}")
    return pretext


def simulator_pairs(n_scenes, shape=(128, 128), looks=1.0, first=0, pretext="despeckling"):
    """[(input (3, H, W), target (2, H, W))] of ``n_scenes`` simulator scenes (alternating seasons).

    Input: the ``looks``-look image (VV, VH dB, incidence deg) of seed
    ``PRETRAIN_SEEDS[i]`` in season ``SEASONS[i % 2]``; target: the
    speckle-free VV/VH dB of the same scene ("despeckling") or of the same
    seed in the other season ("cross_date").
    """
    import numpy as np

    from sar_change.core.simulator import segmentation as ss

    check_pretext(pretext)
    pairs = []
    for i in range(first, first + int(n_scenes)):
        sc = ss.segmentation_scene(PRETRAIN_SEEDS[i], ss.SEASONS[i % 2], shape=shape, looks=looks)
        target = sc
        if pretext == "cross_date":
            other = ss.SEASONS[(i + 1) % 2]
            target = ss.segmentation_scene(PRETRAIN_SEEDS[i], other, shape=shape, looks=np.inf)
        pairs.append((ss.scene_image(sc), np.stack([target["clean_vv_db"], target["clean_vh_db"]])))
    return pairs


def pretrain(
    out_pt,
    scenes=24,
    rasters=(),
    epochs=40,
    patch=64,
    batch=16,
    lr=2e-3,
    seed=0,
    width=16,
    looks=1.0,
    max_minutes=None,
    patches_per_epoch=256,
    val_scenes=2,
    threads=2,
    progress=None,
    should_stop=None,
    log=None,
    on_epoch=None,
    card="auto",
    command=None,
    pretext="despeckling",
):
    """Pretrain the encoder by ``pretext`` (``PRETEXTS``); write ``out_pt`` (encoder checkpoint).

    Returns a summary (checkpoint, card, metrics, seconds).

    Real ``rasters`` are despeckling pairs only: the cross-date pretext needs the
    other date of the same ground, which the simulator gives.
    """
    import time

    import numpy as np
    import torch

    from ..framework import card as cards
    from ..framework import loop
    from ..framework import metadata as md
    from . import config as cfg
    from .architecture import SegmentationNet, count_parameters

    t0 = time.perf_counter()
    log = log or (lambda text: None)
    torch.set_num_threads(max(1, int(threads)))
    check_pretext(pretext)
    if rasters and pretext != "despeckling":
        raise ValueError("real rasters can only be used with the despeckling pretext (no second date)")
    loop.seed_everything(seed)
    train_pairs = simulator_pairs(scenes, looks=looks, pretext=pretext)
    train_pairs += [(r, multilook_db(r[:2])) for r in rasters]
    val_pairs = simulator_pairs(val_scenes, looks=looks, first=int(scenes), pretext=pretext)
    # no texture branch: only the encoder is kept, and it should not lean on a branch left behind
    model = SegmentationNet(3, 2, **dict(cfg.NETWORK, width=int(width), texture_windows=()))
    flat = np.concatenate([p[0].reshape(3, -1) for p in train_pairs], 1)
    mean = np.nanmean(flat, 1)
    std = np.nanstd(flat, 1)
    model.set_normalisation(mean, std)
    tmean = torch.tensor(mean[:2], dtype=torch.float32).view(1, 2, 1, 1)
    tstd = torch.tensor(std[:2], dtype=torch.float32).view(1, 2, 1, 1)

    def samples(pairs, n, gen):
        out = []
        for _ in range(int(n)):
            x, y = pairs[int(gen.integers(len(pairs)))]
            r = int(gen.integers(x.shape[1] - patch + 1))
            c = int(gen.integers(x.shape[2] - patch + 1))
            out.append((x[:, r : r + patch, c : c + patch], y[:, r : r + patch, c : c + patch]))
        return out

    def to_batches(items):
        for i in range(0, len(items), int(batch)):
            chunk = items[i : i + int(batch)]
            yield (
                torch.from_numpy(np.stack([a for a, _ in chunk]).astype(np.float32)),
                torch.from_numpy(np.stack([b for _, b in chunk]).astype(np.float32)),
            )

    def loss_of(net, b):
        x, y = b
        target = (y - tmean) / tstd
        ok = torch.isfinite(target)
        err = (net.logits(x) - torch.nan_to_num(target)) * ok
        return (err**2).sum() / ok.sum().clamp(min=1), len(x)

    val_batches = list(to_batches(samples(val_pairs, 64, np.random.default_rng([int(seed), 7]))))

    def evaluate(net):
        tot, n = 0.0, 0
        for b in val_batches:
            loss, k = loss_of(net, b)
            tot, n = tot + float(loss) * k, n + k
        mse = tot / max(n, 1)
        return {"loss": mse, "rmse_db": float(np.sqrt(mse) * np.mean(std[:2]))}

    fit = loop.fit(
        model,
        lambda e: to_batches(samples(train_pairs, patches_per_epoch, np.random.default_rng([int(seed), e]))),
        loss_of,
        evaluate,
        epochs,
        lr=lr,
        schedule="plateau",
        max_minutes=max_minutes,
        t0=t0,
        should_stop=should_stop,
        progress=progress,
        log=log,
        on_epoch=on_epoch,
        batches_per_epoch=-(-int(patches_per_epoch) // int(batch)),
    )
    if fit.best_state is None:
        return {"checkpoint": None, "stopped": fit.stopped, "onnx": None}
    encoder = {
        k: v.detach().clone() for k, v in model.state_dict().items() if k.startswith(cfg.ENCODER_PREFIXES)
    }
    config = dict(model.config, pretext=PRETEXTS[pretext][0])
    training = {
        "pretext": PRETEXTS[pretext][1],
        "simulator_scenes": int(scenes),
        "simulator_seeds": [PRETRAIN_SEEDS[0], PRETRAIN_SEEDS[scenes - 1]],
        "real_rasters": len(rasters),
        "input_looks": float(looks),
        "patch": int(patch),
        "epochs": len([r for r in fit.records if r["epoch"] > 0]),
        "best_epoch": fit.best_epoch,
        "patches": fit.samples,
        "stopped": fit.stopped,
        "seed": int(seed),
        "seconds": round(time.perf_counter() - t0, 1),
        "bands": ["VV", "VH", "incidence"],
    }
    metrics = {
        "val_mse_z": fit.best_val["loss"],
        "val_rmse_db": fit.best_val["rmse_db"],
        "history": [{"epoch": r["epoch"], "train": r["train"], "val": r["val"]} for r in fit.records],
    }
    out_pt = os.fspath(out_pt)
    os.makedirs(os.path.dirname(os.path.abspath(out_pt)), exist_ok=True)
    tmp = out_pt + ".partial"
    torch.save(
        {
            "state_dict": encoder,
            "config": config,
            "normalisation": model.normalisation(),
            "training": training,
            "metrics": {k: v for k, v in metrics.items() if k != "history"},
        },
        tmp,
    )
    os.replace(tmp, out_pt)
    card_path = None
    if card:
        card_path = os.path.splitext(out_pt)[0] + ".md" if card == "auto" else os.fspath(card)
        meta = md.parse_metadata(
            md.build_metadata(
                "segmentation.encoder",
                "1",
                {
                    "tensors": [
                        md.tensor_spec("image", "BCHW", bands=("VV", "VH", "incidence"), scale="dB/deg")
                    ]
                },
                [],
                size_multiple=16,
                normalisation=model.normalisation(),
                training=training,
                metrics=metrics,
                architecture={
                    "name": "ResNet-18 stem + stages 1-3 (encoder only)",
                    **config,
                    "parameters": count_parameters(model.encoder),
                    "tensors": len(encoder),
                },
            )
        )
        hist = ["| epoch | train MSE (z) | validation MSE (z) |", "|---:|---:|---:|"]
        hist += [
            f"| {h['epoch']} | {cards.number(h['train'])} | {cards.number(h['val'])} |"
            for h in metrics["history"]
        ]
        task = {
            "despeckling": "speckle-free image from a single-look one",
            "cross_date": "speckle-free image of the other season from a single-look one of the same ground",
        }[pretext]
        cards.write_card(
            card_path,
            meta,
            ("Despeckling" if pretext == "despeckling" else "Cross-date") + "-pretrained SAR encoder",
            command=command,
            summary=(
                "The encoder of the segmentation network trained without labels to predict the "
                f"{task} (simulated Sentinel-1 scenes); start "
                "segmentation training from it with --init " + os.path.basename(out_pt) + " (the shipped "
                "models/segmentation/pretrained_encoder.pt is the registered name "
                "segmentation.sar_despeckling)."
            ),
            sections=[("Pretext validation by epoch", "\n".join(hist))],
            limits=[
                "Simulated scenes only (unless real rasters were given): the encoder has seen "
                "the simulator's classes and backscatter levels.",
                "Only the encoder (encoder.*) is kept; the decoder starts random.",
            ],
        )
    return {
        "checkpoint": out_pt,
        "card": card_path,
        "stopped": fit.stopped,
        "best_epoch": fit.best_epoch,
        "metrics": {k: v for k, v in metrics.items() if k != "history"},
        "onnx": out_pt,
        "seconds": time.perf_counter() - t0,
        "parameters": count_parameters(model.encoder),
    }


def build_parser():
    from . import config as cfg

    t = cfg.PRETRAIN
    p = argparse.ArgumentParser(
        prog="python -m sar_change.models.segmentation.pretrain",
        description="Self-supervised pretraining of the segmentation encoder (despeckling or cross-date).",
    )
    p.add_argument("--out", required=True, help="encoder checkpoint (.pt) to write")
    p.add_argument("--scenes", type=int, default=t["scenes"], help="simulator scenes (default 24)")
    p.add_argument(
        "--raster",
        action="append",
        default=[],
        help="real SAR raster (bands VV dB, VH dB, incidence deg); repeat for more",
    )
    p.add_argument(
        "--pretext",
        choices=tuple(PRETEXTS),
        default="despeckling",
        help="despeckling (default) or cross_date: predict the other season's speckle-free image",
    )
    p.add_argument("--epochs", type=int, default=t["epochs"])
    p.add_argument("--max-minutes", type=float, default=t["max_minutes"])
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    return p


def run(args, emitter, should_stop):
    from .train import read_image

    rasters = [read_image(path, [1, 2], "db", 3) for path in args.raster]
    return pretrain(
        args.out,
        scenes=args.scenes,
        rasters=rasters,
        epochs=args.epochs,
        width=args.width,
        seed=args.seed,
        threads=args.threads,
        max_minutes=args.max_minutes,
        pretext=args.pretext,
        progress=emitter.progress,
        should_stop=should_stop,
        log=emitter.log,
        on_epoch=emitter.on_epoch,
        command=" ".join(["python -m sar_change.models.segmentation.pretrain"] + sys.argv[1:]),
    )


def main(argv=None):
    from ..framework import cli

    return cli.main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
