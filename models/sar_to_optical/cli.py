"""Command line: train a SAR-to-optical model on pair folders and write it as ONNX.

    python -m sar_change.models.sar_to_optical.cli --pairs DIR [--pairs DIR ...] --out model.onnx \\
        [--arch sardinet|pix2pix] [--fusion none|early|late|intermediate] [--epochs 30] \\
        [--init model.onnx|weights.pt] [--max-minutes 5] ...

Runs outside QGIS (torch, onnx); ``sarchange:trainsartooptical`` starts it as a
subprocess and reads its stdout (``models.framework.protocol``). Exit status
as ``models.framework.cli``.
"""
import argparse
import sys

from sar_change.models.framework import cli
from sar_change.models.sar_to_optical import config as cfg
from sar_change.models.sar_to_optical import schema

MODULE = "models.sar_to_optical.cli"


def build_parser():
    t = cfg.TRAINING
    p = argparse.ArgumentParser(prog=f"python -m sar_change.{MODULE}",
                                description="Train a SAR-to-optical model (SARDINet with DEM fusion, or a "
                                            "pix2pix U-Net) on SAR/optical pair folders; export ONNX.")
    p.add_argument("--pairs", action="append", required=True, metavar="DIR",
                   help="pair folder with pairs.csv (or the CSV itself); repeat for more")
    cli.add_common_arguments(p, epochs=t["epochs"], lr=t["lr"])
    p.add_argument("--arch", choices=schema.ARCHES, default="sardinet", help="network (default sardinet)")
    p.add_argument("--fusion", choices=schema.FUSIONS, default="none",
                   help="DEM fusion (default none: SAR only)")
    p.add_argument("--patch", type=int, default=t["patch"], help="patch size, pixels (default 64)")
    p.add_argument("--batch", type=int, default=t["batch"], help="patches per batch (default 16)")
    p.add_argument("--patches-per-epoch", type=int, default=t["patches_per_epoch"])
    p.add_argument("--val-patches", type=int, default=t["val_patches"])
    p.add_argument("--val-fraction", type=float, default=t["val_fraction"],
                   help="share of scenes (or of pairs, with one scene) held out for validation")
    p.add_argument("--no-conditions", action="store_true",
                   help="do not condition the model on the acquisition's sun and day of year (default: "
                        "conditioned when every pair has a date)")
    p.add_argument("--width", type=float, default=None, help="SARDINet width factor (default 0.125)")
    p.add_argument("--tile-size", type=int, default=cfg.TILING["tile_size"])
    p.add_argument("--overlap", type=int, default=cfg.TILING["overlap"])
    return p


def run(args, emitter, should_stop):
    from sar_change.models.sar_to_optical.training import train  # torch is imported here

    summary = train(args.pairs, args.out, arch=args.arch, fusion=args.fusion, epochs=args.epochs,
                    patch=args.patch, batch=args.batch, lr=args.lr, seed=args.seed, init=args.init,
                    progress=emitter.progress, should_stop=should_stop, threads=args.threads,
                    max_minutes=args.max_minutes, patches_per_epoch=args.patches_per_epoch,
                    val_patches=args.val_patches, val_fraction=args.val_fraction, width=args.width,
                    checkpoint=cli.optional_path(args.checkpoint), card=cli.optional_path(args.card),
                    command=f"python -m sar_change.{MODULE} " + " ".join(sys.argv[1:]), log=emitter.log,
                    on_epoch=emitter.on_epoch, schedule=args.schedule, patience=args.patience,
                    device=args.device, tile_size=args.tile_size, overlap=args.overlap,
                    conditions=False if args.no_conditions else None)
    summary.pop("model", None)
    return summary


def main(argv=None):
    return cli.main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
