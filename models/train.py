"""Command line: train (or fine-tune) a learned-difference-image predictor and write it as ONNX.

    python -m sar_change.models.train --stack DIR|CSV [--stack ...] --out model.onnx \\
        [--epochs 20] [--inputs 4] [--arch film|bottleneck] [--init weights.pt|model.onnx|learned_di] \\
        [--before 2021-12-01] [--no-change-mask] [--max-minutes 2] [--device cpu|cuda] ...

Runs outside QGIS (needs torch, rasterio, onnx); the QGIS training
algorithms start it as a subprocess and read its stdout (the protocol of
``models.framework.protocol``: PROGRESS, LOSS, INFO, STOPPED, RESULT; errors
on stderr as ``ERROR``). Exit status (``models.framework.cli``): 0 on
success (also when --max-minutes ended training early and a model was
written), 1 on an error, 2 on bad arguments, 143/130 when stopped by
SIGTERM/SIGINT (the best model so far is written when at least one epoch
was validated, no partial file is left).

Fine-tuning the shipped model on a stack's own history (no labels):
``--init learned_di --before TARGET_DATE --no-change-mask --schedule plateau``.
"""
import argparse
import sys

from sar_change.models.framework import cli
from sar_change.models.learned_di import config as cfg


def build_parser():
    t = cfg.TRAINING
    p = argparse.ArgumentParser(prog="python -m sar_change.models.train",
                                description="Train a learned difference-image predictor (conditional U-Net, "
                                            "Alatalo et al. 2023) on simulated or real stacks and export it "
                                            "as ONNX.")
    p.add_argument("--stack", action="append", required=True, metavar="DIR",
                   help="stack folder (acquisitions.csv, GeoTIFFs, dem.tif[, change_date.tif]) or the "
                        "path of its acquisitions CSV; repeat for more")
    cli.add_common_arguments(p, epochs=t["epochs"], lr=t["lr"])
    p.add_argument("--inputs", type=int, default=cfg.NETWORK["n_inputs"],
                   help="earlier acquisitions per prediction, N (default 4)")
    p.add_argument("--arch", choices=("film", "bottleneck"), default=cfg.NETWORK["arch"],
                   help="conditioning: FiLM in every block or embedding at the bottleneck (default film)")
    p.add_argument("--patch", type=int, default=t["patch"],
                   help="patch size in pixels, multiple of 16 (default 64)")
    p.add_argument("--batch", type=int, default=t["batch"], help="patches per batch (default 16)")
    p.add_argument("--patches-per-epoch", type=int, default=t["patches_per_epoch"],
                   help="random patches per epoch (default 512)")
    p.add_argument("--val-patches", type=int, default=t["val_patches"],
                   help="at most this many validation patches (default 256)")
    p.add_argument("--val-fraction", type=float, default=t["val_fraction"],
                   help="share of the last target dates used for validation (default 0.2)")
    p.add_argument("--split", choices=("last", "interleaved"), default="last",
                   help="validation dates: the last ones (default) or every k-th back from the newest")
    p.add_argument("--half-life-days", type=float, default=None,
                   help="draw training targets with weight 0.5**(age/half-life), age in days before the "
                        "newest (fine-tuning: favour the recent history); default uniform")
    p.add_argument("--season-weight", type=float, default=None,
                   help="draw snowy or frozen targets and freeze/thaw or snow transitions this many times "
                        "more often (default: no weighting)")
    p.add_argument("--base", type=int, default=cfg.NETWORK["base"], help="channels of the first U-Net level")
    p.add_argument("--max-channels", type=int, default=cfg.NETWORK["max_channels"],
                   help="channel cap per level")
    p.add_argument("--loss", choices=("mse", "l1"), default=t["loss"], help="loss in dB (default mse)")
    p.add_argument("--no-augment", action="store_true", help="no 180-degree rotations")
    p.add_argument("--before", default=None, metavar="DATE",
                   help="use only acquisitions strictly before this date (fine-tuning on a stack's history)")
    p.add_argument("--no-change-mask", action="store_true",
                   help="ignore change_date.tif (no labels: every valid pixel enters the loss)")
    p.add_argument("--tile-size", type=int, default=cfg.TILING["tile_size"],
                   help="tile size recorded for inference (default 256)")
    p.add_argument("--overlap", type=int, default=cfg.TILING["overlap"],
                   help="tile overlap recorded for inference (default 32)")
    return p


def run(args, emitter, should_stop):
    from sar_change.models.learned_di.training import train  # torch is imported here

    return train(args.stack, args.out, n_inputs=args.inputs, arch=args.arch, epochs=args.epochs,
                 patch=args.patch, batch=args.batch, lr=args.lr, seed=args.seed, init=args.init,
                 progress=emitter.progress, should_stop=should_stop, threads=args.threads,
                 max_minutes=args.max_minutes, patches_per_epoch=args.patches_per_epoch,
                 val_patches=args.val_patches, base=args.base, max_channels=args.max_channels, loss=args.loss,
                 augment=not args.no_augment, val_fraction=args.val_fraction,
                 checkpoint=cli.optional_path(args.checkpoint), log=emitter.log, on_epoch=emitter.on_epoch,
                 tile_size=args.tile_size, overlap=args.overlap,
                 schedule=args.schedule or cfg.TRAINING["schedule"], patience=args.patience,
                 device=args.device,
                 freeze_encoder_epochs=args.freeze_encoder_epochs, before=args.before,
                 change_mask=not args.no_change_mask, split=args.split, half_life_days=args.half_life_days,
                 season_weight=args.season_weight,
                 card=cli.optional_path(args.card),
                 command="python -m sar_change.models.train " + " ".join(sys.argv[1:]))


def main(argv=None):
    return cli.main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
