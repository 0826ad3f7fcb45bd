"""SAR segmentation on a real Sentinel-1 scene: water vs land from a few polygons drawn by us.

Scene: ``../shared/data/s1_arles_db`` (Sentinel-1A IW GRD VV, 2015-03-09,
terrain corrected, dB, 20 m, 268 x 217 px, Arles, France; pyroSAR test data,
MIT; contains modified Copernicus Sentinel data 2015). It has VV only, so the
shipped model (VV, VH, incidence) does not apply: this check trains a model in
the plugin's way (``models.segmentation.training.train``, as
``sarchange:trainsegmentation`` does from polygons) on the scene itself.

Labels: ``WATER_BOXES`` and ``LAND_BOXES`` below are rectangles that *we drew*
by eye on the image (the water ones inside visibly dark, smooth areas: open
water or flooded fields of the Camargue edge; the land ones inside bright,
textured fields and built-up areas). They are not ground truth: no map or
optical image was used, so the figures measure agreement with our reading of
the image, and some water boxes hold brighter pixels (vegetation, banks).
Boxes with an even index train, boxes with an odd index are held out for the
test (fixed before any result was seen). A global Otsu threshold of VV dB
(``core.change.thresholds.otsu`` over the scene) is the reference.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/segmentation_real.py [--json out.json]
"""
import argparse
import json
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), ".plugins"))

import numpy as np  # noqa: E402

SCENE = os.path.join(
    os.path.dirname(os.path.dirname(HERE)),
    "shared",
    "data",
    "s1_arles_db",
    "S1A__IW___A_20150309T173017_VV_grd_mli_geo_norm_db.tif",
)
NODATA = -99.0
#: (col0, col1, row0, row1) pixel rectangles drawn by us (see the module docstring).
WATER_BOXES = [(135, 145, 38, 48), (95, 110, 95, 108), (115, 128, 125, 140), (240, 255, 115, 125),
               (95, 105, 160, 170), (165, 180, 55, 70), (70, 80, 60, 70), (145, 155, 185, 195)]
LAND_BOXES = [(5, 25, 5, 25), (200, 230, 150, 180), (30, 50, 100, 120), (215, 245, 20, 40),
              (60, 80, 190, 210), (240, 260, 170, 190), (0, 15, 120, 140), (180, 200, 190, 210)]
CLASSES = ("water", "land")
IGNORE = 255


def label_raster(shape, parity):
    """uint8 labels (0 water, 1 land, 255 none) of the boxes whose index has ``parity`` (0 train, 1 test)."""
    labels = np.full(shape, IGNORE, np.uint8)
    for value, boxes in enumerate((WATER_BOXES, LAND_BOXES)):
        for i, (c0, c1, r0, r1) in enumerate(boxes):
            if i % 2 == parity:
                labels[r0:r1, c0:c1] = value
    return labels


def scores(predicted, labels):
    """Accuracy and per-class recall of ``predicted`` (0 water, 1 land) over the labelled pixels."""
    ok = labels != IGNORE
    out = {"accuracy": float(np.mean(predicted[ok] == labels[ok])), "pixels": int(ok.sum())}
    for value, name in enumerate(CLASSES):
        k = labels == value
        out[f"recall_{name}"] = float(np.mean(predicted[k] == value))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    if not os.path.isfile(SCENE):
        print(f"skipped: {SCENE} is absent")
        return 0
    import torch

    from sar_change.core.change import thresholds
    from sar_change.core.engine.raster_blocks import read_array
    from sar_change.models.segmentation import training

    torch.set_num_threads(2)
    t0 = time.perf_counter()
    vv = read_array(SCENE, 1).astype(np.float32)
    vv[vv == NODATA] = np.nan
    image = vv[None]
    train_labels = label_raster(vv.shape, 0)
    test_labels = label_raster(vv.shape, 1)
    threshold = float(thresholds.otsu(vv[np.isfinite(vv)], side=thresholds.DECREASE).threshold)
    report = {
        "scene": SCENE,
        "labels": "rectangles drawn by us by eye (not ground truth); even index train, odd index test",
        "train_pixels": int((train_labels != IGNORE).sum()),
        "otsu_threshold_db": threshold,
        "otsu_test": scores(np.where(vv < threshold, 0, 1), test_labels),
        "runs": [],
    }
    for seed in range(args.seeds):
        summary = training.train(
            [(image, train_labels)],
            [(image, train_labels)],
            CLASSES,
            bands=("VV",),
            band_units=("dB",),
            epochs=args.epochs,
            patch=64,
            batch=16,
            patches_per_epoch=256,
            val_patches=32,
            patience=None,
            seed=seed,
        )
        classes, _ = training.predict_classes(summary["model"], image)
        run = {"seed": seed, "test": scores(classes, test_labels)}
        run["water_share"] = float(np.mean(classes == 0))
        report["runs"].append(run)
        print(f"seed {seed}: held-out polygons {run['test']}; water {run['water_share']:.1%} of the scene")
    acc = [r["test"]["accuracy"] for r in report["runs"]]
    report["seconds"] = round(time.perf_counter() - t0, 1)
    print(
        f"Arles VV, water vs land, held-out polygons drawn by us ({report['otsu_test']['pixels']} px): "
        f"trained model accuracy {np.mean(acc):.3f} +- {np.std(acc, ddof=1) if len(acc) > 1 else 0:.3f} "
        f"({args.seeds} seeds); global Otsu threshold {threshold:.1f} dB: "
        f"{report['otsu_test']['accuracy']:.3f}; "
        f"{report['seconds']:.0f} s"
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
