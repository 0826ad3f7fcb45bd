"""Speckle filter throughput against Orfeo ToolBox, and peak memory on a large scene.

Usage (from the repository root, after scripts/setup.sh):
    .venv/bin/python benchmarks/speckle.py [--size 4096] [--large 20000] [--workdir /tmp/x]

Every method filters the same size x size float32 single-look speckle image
with a 7 x 7 window, file to file (read GeoTIFF, filter, write compressed
GeoTIFF), through the block engine the Processing algorithm uses. Where OTB
implements the same filter, ``otbcli_Despeckle`` (radius 3) runs on the same
file in the same run; both timings are wall clock including I/O and OTB's
start-up. Goals (issue 2): >= 5x OTB for Lee, Kuan, Gamma-MAP; >= 3x for
Frost; Refined Lee and Lee Sigma no more than 10x slower than Lee; peak RSS
< 1 GiB on a large x large input (measured in a child process).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from osgeo import gdal

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.engine import raster_blocks as rb  # noqa: E402
from sar_change.core.speckle import registry  # noqa: E402

OTB_NAMES = {registry.LEE: "lee", registry.KUAN: "kuan", registry.GAMMA_MAP: "gammamap",
             registry.FROST: "frost"}
GOALS = {registry.LEE: 5.0, registry.KUAN: 5.0, registry.GAMMA_MAP: 5.0, registry.FROST: 3.0}
WINDOW = 7
LOOKS = 1.0
DAMPING = 1.0


def make_speckle_raster(path, size, seed=0, block=1024):
    """Write a size x size float32 single-look speckle GeoTIFF (uncompressed) in blocks."""
    rng = np.random.default_rng(seed)
    ds = gdal.GetDriverByName("GTiff").Create(str(path), size, size, 1, gdal.GDT_Float32,
                                              ["TILED=YES", "BIGTIFF=IF_SAFER"])
    ds.SetGeoTransform((500000.0, 10.0, 0.0, 5000000.0, 0.0, -10.0))
    band = ds.GetRasterBand(1)
    for y in range(0, size, block):
        h = min(block, size - y)
        rows = np.arange(y, y + h)[:, None]
        cols = np.arange(size)[None, :]
        scene = 1.0 + 3.0 * ((cols // 256 + rows // 256) % 2)  # checkerboard of fields
        band.WriteArray((scene * rng.exponential(1.0, (h, size))).astype(np.float32), 0, y)
        ds.FlushCache()  # keep the generator's own memory bounded
    ds = None


def time_ours(method, src, dst):
    params = registry.FilterParams(method=method, size=WINDOW, looks=LOOKS, damping=DAMPING)
    func, margin = registry.make_block_function(params)
    t = time.perf_counter()
    rb.filter_raster(src, dst, func, margin)
    return time.perf_counter() - t


def time_otb(method, src, dst):
    name = OTB_NAMES[method]
    if name == "frost":
        extra = ["-filter.frost.deramp", str(DAMPING)]
    else:
        extra = [f"-filter.{name}.nblooks", str(LOOKS)]
    cmd = ["otbcli_Despeckle", "-in", str(src), "-out", str(dst), "float", "-filter", name,
           f"-filter.{name}.rad", str(WINDOW // 2), *extra]
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def peak_rss_child(size, workdir):
    """Run Lee on a size x size raster in a child process; return (seconds, peak RSS in MiB)."""
    src = workdir / f"large_{size}.tif"
    if not src.exists():
        print(f"writing {size} x {size} input ({size * size * 4 / 2**30:.1f} GiB)...", flush=True)
        make_speckle_raster(src, size, seed=1)
    code = (
        "import sys, time, resource; sys.path.insert(0, %r)\n"
        "from sar_change.core import raster_blocks as rb\n"
        "from sar_change.core.speckle import registry\n"
        "f, m = registry.make_block_function(registry.FilterParams(method='lee', size=7))\n"
        "t = time.perf_counter(); rb.filter_raster(%r, %r, f, m)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    ) % (str(ROOT / ".plugins"), str(src), str(workdir / "large_out.tif"))
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    seconds, rss = out.stdout.split()
    os.remove(workdir / "large_out.tif")
    return float(seconds), float(rss)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=4096, help="side of the timing image (pixels)")
    ap.add_argument("--large", type=int, default=20000, help="side of the memory test image; 0 skips it")
    ap.add_argument("--repeat", type=int, default=2, help="best of N timings per method")
    ap.add_argument("--workdir", type=Path, default=None, help="scratch folder (default: a temp dir)")
    args = ap.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sar_change_bench_"))
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / f"speckle_{args.size}.tif"
    make_speckle_raster(src, args.size)
    mpix = args.size * args.size / 1e6
    have_otb = shutil.which("otbcli_Despeckle") is not None
    print(f"# {args.size} x {args.size} float32, {WINDOW}x{WINDOW} window, file to file, "
          f"{os.cpu_count()} CPU(s), GDAL {gdal.__version__}, numpy {np.__version__}")
    print(f"{'method':<12} {'ours MPix/s':>12} {'OTB MPix/s':>11} {'ratio':>7} {'goal':>6}  verdict")
    results = {}
    for method in registry.METHODS:
        ours = min(time_ours(method, src, workdir / f"ours_{method}.tif") for _ in range(args.repeat))
        results[method] = mpix / ours
        line = f"{method:<12} {mpix / ours:12.1f}"
        if method in OTB_NAMES and have_otb:
            otb = min(time_otb(method, src, workdir / f"otb_{method}.tif") for _ in range(args.repeat))
            ratio = otb / ours
            goal = GOALS[method]
            verdict = "ok" if ratio >= goal else "BELOW GOAL"
            line += f" {mpix / otb:11.1f} {ratio:7.1f} {goal:5.0f}x  {verdict}"
        elif method in (registry.REFINED_LEE, registry.LEE_SIGMA):
            slower = results[registry.LEE] / results[method]
            line += f" {'':>11} {'':>7} {'':>6}  {slower:.1f}x slower than Lee (goal <= 10x): " + (
                "ok" if slower <= 10 else "BELOW GOAL")
        print(line, flush=True)
    if args.large:
        seconds, rss = peak_rss_child(args.large, workdir)
        verdict = "ok" if rss < 1024 else "ABOVE 1 GiB"
        print(f"lee on {args.large} x {args.large}: {args.large**2 / 1e6 / seconds:.1f} MPix/s, "
              f"peak RSS {rss:.0f} MiB (goal < 1024 MiB): {verdict}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
