"""Command line: train a SAR segmentation model on a raster with a label raster and write it as ONNX.

    python -m sar_change.models.segmentation.train --image SAR.tif --labels LABELS.tif \\
        --classes water,ice,land [--bands 1,2] [--scale linear|amplitude|db] [--incidence-band 3] \\
        [--val-image SAR2.tif] [--val-labels VAL.tif] [--loss ce|focal] [--class-weights sqrt] \\
        [--init segmentation.sar_despeckling|encoder.pt|model.onnx] --out model.onnx ...

Labels: uint8 class values 0..K-1 (the order of --classes), 255 (or the
raster's no data) unlabelled. Linear power and amplitude bands are converted
to dB here (power <= 0: no data); the incidence band is in degrees. Validation: --val-labels
(on the grid of --val-image, default --image). Runs outside QGIS (torch,
GDAL); stdout follows ``models.framework.protocol``.
"""

import argparse
import sys

from sar_change.models.framework import cli
from sar_change.models.segmentation import config as cfg
from sar_change.models.segmentation import schema


def build_parser():
    t = cfg.TRAINING
    p = argparse.ArgumentParser(
        prog="python -m sar_change.models.segmentation.train",
        description="Train a SAR segmentation model (ResNet-18 encoder cut after its third "
        "block + ASPP; Karimzadeh & Pires de Lima 2022) and export it as ONNX.",
    )
    p.add_argument("--image", required=True, help="SAR raster (GeoTIFF)")
    p.add_argument("--bands", default="1,2", help="1-based SAR bands, comma-separated (default 1,2)")
    p.add_argument("--band-names", default="VV,VH", help="names of the SAR bands (default VV,VH)")
    p.add_argument(
        "--scale", choices=schema.SCALES, default="db", help="SAR bands in linear power, amplitude or dB"
    )
    p.add_argument(
        "--incidence-band", type=int, default=0, help="1-based incidence angle band (deg); 0: none"
    )
    p.add_argument(
        "--labels", required=True, help="label raster on the image's grid (uint8 classes, 255 = none)"
    )
    p.add_argument("--val-image", default=None, help="validation SAR raster (default: --image)")
    p.add_argument("--val-labels", required=True, help="validation label raster (held-out areas)")
    p.add_argument("--classes", required=True, help="class names in label order, comma-separated")
    p.add_argument("--colours", default="", help="'#rrggbb' per class, comma-separated (default palette)")
    cli.add_common_arguments(p, epochs=t["epochs"], lr=t["lr"])
    p.add_argument("--patch", type=int, default=t["patch"], help="patch size, multiple of 16 (default 64)")
    p.add_argument("--batch", type=int, default=t["batch"], help="patches per batch (default 16)")
    p.add_argument("--patches-per-epoch", type=int, default=t["patches_per_epoch"])
    p.add_argument("--val-patches", type=int, default=t["val_patches"])
    p.add_argument("--max-steps", type=int, default=None, help="optimiser steps at most (default: no limit)")
    p.add_argument("--loss", choices=("ce", "focal"), default=t["loss"], help="cross-entropy or focal loss")
    p.add_argument("--focal-gamma", type=float, default=t["focal_gamma"])
    p.add_argument(
        "--class-weights",
        default="none",
        help="none, balanced (inverse class frequency), sqrt (its square root), or K numbers comma-separated",
    )
    p.add_argument(
        "--width",
        type=int,
        default=cfg.NETWORK["width"],
        help="encoder width (paper's ResNet-18: 64; default 16)",
    )
    p.add_argument("--no-augment", action="store_true", help="no flips and rotations")
    p.add_argument(
        "--ema",
        type=float,
        default=cfg.TRAINING["ema"],
        help="decay per step of the weight average validated and kept (0: the live weights)",
    )
    return p


def read_image(path, bands, scale, incidence_band):
    """(C, H, W) float32: the SAR bands in dB (+ incidence deg); no data as NaN."""
    import numpy as np

    from sar_change.core.engine.raster_blocks import read_array

    out = [schema.sar_to_db(read_array(path, b), scale) for b in bands]
    if incidence_band:
        out.append(read_array(path, incidence_band).astype(np.float32))
    return np.stack(out)


def read_labels(path, shape):
    import numpy as np

    from sar_change.core.engine.raster_blocks import read_array

    a = read_array(path, 1)
    if a.shape != tuple(shape):
        raise ValueError(
            f"label raster {path} ({a.shape[1]} x {a.shape[0]}) is not on the grid of its image "
            f"({shape[1]} x {shape[0]})"
        )
    return np.where(np.isfinite(a), a, 255).astype(np.uint8)


def run(args, emitter, should_stop):
    from sar_change.models.segmentation import training
    from sar_change.models.segmentation.dataset import WEIGHTINGS

    bands = [int(b) for b in args.bands.split(",") if b.strip()]
    names = [n.strip() for n in args.band_names.split(",") if n.strip()]
    if len(names) != len(bands):
        raise ValueError(f"{len(names)} band names for {len(bands)} bands")
    units = ["dB"] * len(bands)
    if args.incidence_band:
        names, units = names + ["incidence"], units + ["deg"]
    image = read_image(args.image, bands, args.scale, args.incidence_band)
    labels = read_labels(args.labels, image.shape[1:])
    if args.val_image:
        val_image = read_image(args.val_image, bands, args.scale, args.incidence_band)
    else:
        val_image = image
    val_labels = read_labels(args.val_labels, val_image.shape[1:])
    weights = args.class_weights
    if weights not in ("none", *WEIGHTINGS):
        weights = [float(v) for v in weights.split(",")]
    summary = training.train(
        [(image, labels)],
        [(val_image, val_labels)],
        [c.strip() for c in args.classes.split(",")],
        out_onnx=args.out,
        bands=names,
        band_units=units,
        colours=[c.strip() for c in args.colours.split(",")] if args.colours else None,
        epochs=args.epochs,
        patch=args.patch,
        batch=args.batch,
        lr=args.lr,
        seed=args.seed,
        init=args.init,
        loss=args.loss,
        focal_gamma=args.focal_gamma,
        class_weights=weights,
        patches_per_epoch=args.patches_per_epoch,
        val_patches=args.val_patches,
        augment=not args.no_augment,
        ema=args.ema,
        network=dict(cfg.NETWORK, width=args.width),
        schedule=args.schedule or cfg.TRAINING["schedule"],
        patience=args.patience if args.patience is not None else cfg.TRAINING["patience"],
        max_minutes=args.max_minutes,
        max_steps=args.max_steps,
        freeze_encoder_epochs=args.freeze_encoder_epochs,
        threads=args.threads,
        device=args.device,
        progress=emitter.progress,
        should_stop=should_stop,
        log=emitter.log,
        on_epoch=emitter.on_epoch,
        checkpoint=cli.optional_path(args.checkpoint),
        card=cli.optional_path(args.card),
        command=" ".join(["python -m sar_change.models.segmentation.train"] + sys.argv[1:]),
        sources={
            "image": args.image,
            "labels": args.labels,
            "val_image": args.val_image or args.image,
            "val_labels": args.val_labels,
            "bands": bands,
            "scale": args.scale,
        },
    )
    summary.pop("model", None)
    metrics = summary.get("metrics") or {}
    summary["metrics"] = {
        k: metrics.get(k)
        for k in ("val_loss", "val_miou", "val_macro_f1", "val_weighted_iou", "val_accuracy", "best_epoch")
    }
    return summary


def main(argv=None):
    return cli.main(build_parser(), run, argv)


if __name__ == "__main__":
    sys.exit(main())
