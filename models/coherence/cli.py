"""Command line: train a coherence-from-intensity model on pair folders and write it as ONNX.

    python -m sar_change.models.coherence.cli --pairs DIR|CSV [--pairs ...] --out coherence.onnx \\
        [--epochs 200] [--max-minutes 10] [--init coherence|model.onnx|weights.pt] [--width-scale 0.25]

Runs outside QGIS (needs torch and onnx); ``sarchange:traincoherence`` starts
it as a subprocess and reads its stdout (``models.framework.protocol``); exit
status as in ``models.framework.cli``.
"""
import argparse
import sys

from sar_change.models.coherence import config as cfg
from sar_change.models.framework import cli


def build_parser():
    t, n = cfg.TRAINING, cfg.NETWORK
    p = argparse.ArgumentParser(prog="python -m sar_change.models.coherence.cli",
                                description="Train a Residual U-Net predicting InSAR coherence and its "
                                            "uncertainty from two detected images; export it as ONNX.")
    p.add_argument("--pairs", action="append", required=True, metavar="DIR",
                   help="pair folder (intensity_1.tif, intensity_2.tif, coherence_reference.tif, pair.csv), "
                        "a folder with pairs.csv, or a CSV path; repeat for more")
    cli.add_common_arguments(p, epochs=t["epochs"], lr=t["lr"])
    p.add_argument("--patch", type=int, default=t["patch"], help=f"patch size, pixels (default {t['patch']})")
    p.add_argument("--batch", type=int, default=t["batch"], help=f"patches per batch (default {t['batch']})")
    p.add_argument("--patches-per-epoch", type=int, default=t["patches_per_epoch"])
    p.add_argument("--val-patches", type=int, default=t["val_patches"])
    p.add_argument("--val-fraction", type=float, default=t["val_fraction"])
    p.add_argument("--width-scale", type=float, default=n["width_scale"],
                   help=f"multiplier of the published widths 32-256/512 (default {n['width_scale']:g})")
    p.add_argument("--stem", type=int, choices=(1, 2, 4), default=n["stem"],
                   help=f"resolution reduction of the stem (default {n['stem']})")
    p.add_argument("--use-baseline", action="store_true", help="temporal baseline (days) as an input")
    p.add_argument("--use-weather", action="store_true",
                   help="the pairs' weather (pair.csv columns rain_mm, snowfall_mm, melt_mm, wind_1_m_s, "
                        "wind_2_m_s) as optional conditions (FiLM; hidden at random in training)")
    p.add_argument("--refine", type=int, default=n["refine"],
                   help="hidden channels of the full-resolution refinement head (0: none; default "
                        f"{n['refine']})")
    p.add_argument("--window-stem", action=argparse.BooleanOptionalAction, default=n["window_stem"],
                   help="the 3 x 3 window statistics of the intensities also in the stem (default "
                        f"{'on' if n['window_stem'] else 'off'})")
    p.add_argument("--stem-blocks", type=int, default=n["stem_blocks"],
                   help=f"residual blocks after the stem, at its resolution (default {n['stem_blocks']})")
    p.add_argument("--posterior-targets", action="store_true",
                   help="train on the posterior mean and variance of the reference where a pair folder has "
                        "them (simulated pairs: core.simulator.reference_posterior.write_posterior_targets)")
    p.add_argument("--beta", type=float, default=t["beta"], help="beta-NLL weight (0: plain NLL)")
    p.add_argument("--class-weight-power", type=float, default=t["class_weight_power"],
                   help="per-pixel loss weight (land-cover share) ** -power; 0: none, 0.5: inverse "
                        f"square root of the class frequency (default {t['class_weight_power']:g})")
    p.add_argument("--no-augment", action="store_true")
    return p


def run(args, emitter, should_stop):
    from sar_change.models.coherence.training import train  # torch is imported here

    return train(args.pairs, args.out, epochs=args.epochs, patch=args.patch, batch=args.batch, lr=args.lr,
                 seed=args.seed, init=args.init, progress=emitter.progress, should_stop=should_stop,
                 threads=args.threads, max_minutes=args.max_minutes, patches_per_epoch=args.patches_per_epoch,
                 val_patches=args.val_patches, val_fraction=args.val_fraction, width_scale=args.width_scale,
                 stem=args.stem, use_baseline=args.use_baseline, use_weather=args.use_weather, beta=args.beta,
                 refine=args.refine, window_stem=args.window_stem,
                 stem_blocks=args.stem_blocks, posterior_targets=args.posterior_targets,
                 augment=not args.no_augment,
                 class_weight_power=args.class_weight_power,
                 schedule=args.schedule or cfg.TRAINING["schedule"], patience=args.patience,
                 device=args.device, freeze_encoder_epochs=args.freeze_encoder_epochs,
                 checkpoint=cli.optional_path(args.checkpoint), card=cli.optional_path(args.card),
                 command="python -m sar_change.models.coherence.cli " + " ".join(sys.argv[1:]),
                 log=emitter.log, on_epoch=emitter.on_epoch)


def main(argv=None):
    from sar_change.models.framework import protocol

    parser = build_parser()
    return cli.main(parser, lambda a, e, s: run(a, protocol.Emitter(extra_keys=("val_rmse",)), s), argv)


if __name__ == "__main__":
    sys.exit(main())
