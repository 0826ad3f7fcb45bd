"""Command line: train a learned-difference-image predictor and write it as ONNX.

    python -m sar_change.models.train --stack DIR [--stack DIR2 ...] --out model.onnx \\
        [--epochs 20] [--inputs 4] [--arch film|bottleneck] [--init weights.pt|model.onnx] [--seed 0] ...

Runs outside QGIS (needs torch, rasterio, onnx); the QGIS training algorithm
starts it as a subprocess and reads its stdout, one line per message, flushed:

- ``PROGRESS <percent>`` (0-100, one decimal) after every batch and validation;
- ``LOSS epoch=<e> train=<x> val=<y>`` after every epoch (losses in dB^2 for
  mse, dB for l1), followed by ``val_mae_db=<z>``;
- ``INFO <text>``: model size, normalisation source, transfer-learning report;
- ``STOPPED <reason>`` when stopped by SIGTERM/SIGINT or --max-minutes;
- ``RESULT <json>`` last: the summary (onnx path, checkpoint, metrics, ...).

Errors go to stderr as ``ERROR <text>``. Exit status: 0 on success (also
when --max-minutes ended training early and a model was written), 1 on an
error (bad data, no model could be written), 2 on bad arguments (argparse),
143 when stopped by SIGTERM (130 by SIGINT): training stops at the next
batch, the best model so far is written when at least one epoch was
validated, no partial file is left.

``OMP_WAIT_POLICY`` is set to PASSIVE (unless already set) before torch is
imported: with busy-waiting OpenMP threads, two threads on two cores that
share the machine with other work train ~10x slower than one.
"""
import argparse
import json
import os
import signal
import sys

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _emit(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def build_parser():
    p = argparse.ArgumentParser(prog="python -m sar_change.models.train",
                                description="Train a learned difference-image predictor (conditional U-Net, "
                                            "Alatalo et al. 2023) on simulated or real stack folders and "
                                            "export it as ONNX.")
    p.add_argument("--stack", action="append", required=True, metavar="DIR",
                   help="stack folder (acquisitions.csv, GeoTIFFs, dem.tif[, change_date.tif]); "
                        "repeat for more")
    p.add_argument("--out", required=True, metavar="MODEL.onnx", help="ONNX file to write")
    p.add_argument("--epochs", type=int, default=20, help="epochs (default 20)")
    p.add_argument("--inputs", type=int, default=4, help="earlier acquisitions per prediction, N (default 4)")
    p.add_argument("--arch", choices=("film", "bottleneck"), default="film",
                   help="conditioning: FiLM in every block or embedding at the bottleneck (default film)")
    p.add_argument("--init", default=None, metavar="WEIGHTS", help="start from a .pt checkpoint/state dict "
                   "or a learned-DI .onnx (transfer learning); default random")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--patch", type=int, default=64, help="patch size in pixels, multiple of 16 (default 64)")
    p.add_argument("--batch", type=int, default=16, help="patches per batch (default 16)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--patches-per-epoch", type=int, default=512,
                   help="random patches per epoch (default 512)")
    p.add_argument("--val-patches", type=int, default=256, help="at most this many validation patches "
                   "(default 256)")
    p.add_argument("--val-fraction", type=float, default=0.2, help="share of the last target dates used for "
                   "validation (default 0.2)")
    p.add_argument("--base", type=int, default=16, help="channels of the first U-Net level (default 16)")
    p.add_argument("--max-channels", type=int, default=64, help="channel cap per level (default 64)")
    p.add_argument("--loss", choices=("mse", "l1"), default="mse", help="loss in dB (default mse)")
    p.add_argument("--no-augment", action="store_true", help="no 180-degree rotations")
    p.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    p.add_argument("--max-minutes", type=float, default=None, help="stop after this many minutes and "
                   "write the best model so far")
    p.add_argument("--checkpoint", default="auto", help="where to save the .pt checkpoint: 'auto' (next to "
                   "--out), a path, or 'none'")
    p.add_argument("--tile-size", type=int, default=256,
                   help="tile size recorded for inference (default 256)")
    p.add_argument("--overlap", type=int, default=32, help="tile overlap recorded for inference (default 32)")
    return p


def main(argv=None):
    args = build_parser().parse_args(argv)
    stop = {"signal": None}

    def on_signal(signum, frame):
        stop["signal"] = signum

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    from sar_change.models.learned_di.training import train  # torch is imported here

    last = {"p": -1.0}

    def progress(percent):
        p = round(float(percent), 1)
        if p != last["p"]:
            last["p"] = p
            _emit(f"PROGRESS {p:.1f}")

    def on_epoch(r):
        _emit(f"LOSS epoch={r['epoch']} train={r['train']:.6g} val={r['val']:.6g} "
              f"val_mae_db={r['val_mae_db']:.4f}")

    try:
        summary = train(args.stack, args.out, n_inputs=args.inputs, arch=args.arch, epochs=args.epochs,
                        patch=args.patch, batch=args.batch, lr=args.lr, seed=args.seed, init=args.init,
                        progress=progress, should_stop=lambda: stop["signal"] is not None,
                        threads=args.threads, max_minutes=args.max_minutes,
                        patches_per_epoch=args.patches_per_epoch, val_patches=args.val_patches,
                        base=args.base, max_channels=args.max_channels, loss=args.loss,
                        augment=not args.no_augment, val_fraction=args.val_fraction,
                        checkpoint=None if args.checkpoint.lower() == "none" else args.checkpoint,
                        log=lambda m: _emit(f"INFO {m}"), on_epoch=on_epoch,
                        tile_size=args.tile_size, overlap=args.overlap)
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"ERROR {exc}\n")
        return 1
    if summary.get("stopped"):
        _emit(f"STOPPED {summary['stopped']}")
    keep = {k: summary.get(k) for k in ("onnx", "checkpoint", "stopped", "best_epoch", "parameters",
                                        "patches_per_second", "seconds", "metrics", "init_report")}
    _emit("RESULT " + json.dumps(keep, default=str))
    if stop["signal"] is not None:
        return 128 + int(stop["signal"])
    if summary.get("onnx") is None:
        sys.stderr.write("ERROR training stopped before the first validation: no model was written\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
