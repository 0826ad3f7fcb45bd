"""SAR Change demo: filter a generated speckled scene and write a PNG quick-look.

Run by the README's demo command (scripts/demo.sh). It starts a headless
QGIS, runs the Processing algorithms exactly as a user would
(``sarchange:estimateenl``, ``sarchange:specklefilter``) and writes to the
output folder: the scene, one filtered GeoTIFF per method and
``quicklook.png`` (input and each filter, dB). Later stages extend this into
the full pipeline on the simulator's demo stack.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sar_change.core import raster_blocks as rb  # noqa: E402
from sar_change.core.speckle import registry  # noqa: E402

SIZE = 512
LOOKS = 1


def demo_scene(path, size=SIZE, looks=LOOKS, seed=2026):
    """Write a size x size single-look scene (linear power) on a UTM grid.

    Fields (checkerboard of -8 and -14 dB), a river (-22 dB), a town of bright
    point targets (0 dB) and a forest ramp: a stand-in until the simulator
    (issue 3) provides the demo stack. Gamma speckle with ``looks`` looks.
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    db = np.where(((x // 64) + (y // 64)) % 2 == 0, -8.0, -14.0)
    river = np.abs(y - (size / 2 + 40 * np.sin(x / 60.0))) < 12
    db[river] = -22.0
    town = (x > size * 0.7) & (y < size * 0.3)
    db[town] = -6.0
    db[town & (rng.random((size, size)) < 0.02)] = 5.0
    db[y > size * 0.85] = -9.0 - 4.0 * x[y > size * 0.85] / size
    power = 10 ** (db / 10) * rng.gamma(looks, 1.0 / looks, (size, size))
    from osgeo import gdal, osr

    ds = gdal.GetDriverByName("GTiff").Create(str(path), size, size, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((640000.0, 10.0, 0.0, 5160000.0, 0.0, -10.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    ds.SetProjection(srs.ExportToWkt())
    band = ds.GetRasterBand(1)
    band.WriteArray(power.astype(np.float32))
    band.SetDescription("VV")
    ds = None
    return str(path)


def quicklook(images, path):
    """Save a grid of dB images (dict title -> linear power array) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(images)
    cols = 3
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 4 * rows))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, power) in zip(axes.ravel(), images.items()):
        ax.imshow(10 * np.log10(np.maximum(power, 1e-6)), cmap="gray", vmin=-25, vmax=0)
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=ROOT / "demo_output")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    from qgis.core import QgsApplication
    from qgis.testing import start_app

    start_app(cleanup=False)
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    from sar_change.processing.provider import SarChangeProvider

    QgsApplication.processingRegistry().addProvider(SarChangeProvider())

    scene = demo_scene(args.out / "demo_scene_vv.tif")
    enl = processing.run("sarchange:estimateenl", {"INPUT": scene, "BAND": 1, "SCALE": 0})["ENL"]
    print(f"scene {scene}: estimated ENL {enl:.2f} (simulated {LOOKS} look)")
    images = {f"input (ENL {enl:.1f})": rb.read_array(scene)}
    for index, method in enumerate(registry.METHODS):
        out = args.out / f"demo_{method}.tif"
        t = time.perf_counter()
        processing.run("sarchange:specklefilter", {
            "INPUT": scene, "METHOD": index, "WINDOW_SIZE": 7, "LOOKS": LOOKS, "SCALE": 0,
            "OUTPUT": str(out)})
        filtered = rb.read_array(out)
        print(f"{registry.LABELS[method]:<42} -> {out.name} ({time.perf_counter() - t:.2f} s)")
        images[registry.LABELS[method]] = filtered
    quicklook(images, args.out / "quicklook.png")
    print(f"quick-look: {args.out / 'quicklook.png'}; total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
