"""Time, throughput and peak memory of whole processes at scale, against gdal_calc and OTB.

Usage (from the repository root, after scripts/setup.sh; heavy: run it under the CPU lock):
    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/scale.py [--size 4096] [--full]
        [--workdir DIR] [--reuse] [--only CASE ...]

Every case runs as its own child process, wrapped in ``/usr/bin/time -v``, on
synthetic float32 GeoTIFFs written here (two dates of a two-band speckled
scene, and a DEM of ridges, UTM 10 m): the SAR Change algorithms through
``processing.run`` (QGIS started in the child), the Dask batch runner
(``python -m sar_change.batch``, a LocalCluster with 2 worker processes), and
the peers on the same files with the same output format (``gdal_calc.py`` and
``otbcli_BandMath`` for the log ratio, ``otbcli_Despeckle`` for Lee 7x7 on two
bands, one run per band since it filters the first band only). Printed per
case: whole-process wall time, the algorithm's own time inside the child (QGIS
start-up excluded) where it applies, MPix/s of the scene (rows x cols, not x
bands) over the whole-process time, the peak RSS of the largest process
(``time -v``, which includes QGIS itself, about 250 MiB) and the peak of the
summed RSS of the whole process tree (sampled every 0.1 s with psutil; it
matters for the Dask workers).

``--size N``: N x N pixels (default 4096; 0: none). ``--full``: add the full
Sentinel-1 IW scene size, 25,000 x 17,000 (about 7 GB of inputs on disk).
Only the inputs the chosen cases read are written (``--only``); ``--reuse``
keeps those already in ``--workdir``. Terrain cases: ``terrain_angles`` (the
four angles), ``terrain_mask_sim`` (distortion mask and simulated SAR),
``terrain_geometry`` (all six outputs) and ``terrain_flattening`` (area
method, layover/shadow masked, the two-band scene), all streamed block by
block (``core.terrain.pipeline``). ``coregister_pair`` coregisters the second date onto the
first; ``coregister_dem`` does the same with the DEM's layover / shadow / strong foreshortening
excluded from the matching windows (relative mode: the synthetic scene has no relation to the DEM).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from osgeo import gdal, osr

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / ".plugins"
EPSG = 32633
PIXEL = 10.0
LOOKS = 4
CO = ["TILED=YES", "BIGTIFF=IF_SAFER"]


# --- Data ---------------------------------------------------------------------------------------

def _create(path, cols, rows, bands):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), cols, rows, bands, gdal.GDT_Float32, CO)
    ds.SetGeoTransform((500000.0, PIXEL, 0.0, 5000000.0, 0.0, -PIXEL))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(EPSG)
    ds.SetProjection(srs.ExportToWkt())
    return ds


def make_scene(path, cols, rows, seed, change=False, strip=512):
    """Two-band (VV, VH) 4-look speckled field pattern in linear power; ``change``: brighter squares."""
    rng = np.random.default_rng(seed)
    ds = _create(path, cols, rows, 2)
    for y in range(0, rows, strip):
        h = min(strip, rows - y)
        r = np.arange(y, y + h)[:, None]
        c = np.arange(cols)[None, :]
        scene = 0.05 + 0.15 * ((c // 300 + r // 300) % 2)
        if change:
            scene = np.where((c % 2000 < 400) & (r % 2000 < 400), scene * 6.0, scene)
        for b, gain in ((1, 1.0), (2, 0.2)):
            speckle = rng.gamma(LOOKS, 1.0 / LOOKS, (h, cols))
            ds.GetRasterBand(b).WriteArray((gain * scene * speckle).astype(np.float32), 0, y)
        ds.FlushCache()
    ds = None
    return str(path)


def make_dem(path, cols, rows, strip=512):
    """Ridges and valleys (heights 0-1500 m, slopes up to ~60 degrees), written in strips."""
    ds = _create(path, cols, rows, 1)
    for y in range(0, rows, strip):
        h = min(strip, rows - y)
        r = np.arange(y, y + h)[:, None] * PIXEL
        c = np.arange(cols)[None, :] * PIXEL
        z = 600 + 400 * np.sin(c / 900.0) * np.cos(r / 1300.0) + 300 * np.abs(np.sin((c + 0.7 * r) / 700.0))
        ds.GetRasterBand(1).WriteArray(z.astype(np.float32), 0, y)
        ds.FlushCache()
    ds = None
    return str(path)


# --- Children -----------------------------------------------------------------------------------

def _qgis():
    """Start QGIS headless with Processing and the SAR Change provider (as tests/conftest.py)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    from sar_change.processing.provider import SarChangeProvider

    provider = SarChangeProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    import processing

    return app, provider, processing


def child(case, work):
    """Run one SAR Change case in this process; print the algorithm's own seconds."""
    sys.path.insert(0, str(PLUGINS))
    app, provider, processing = _qgis()
    d1, d2, dem = (str(work / n) for n in ("date1.tif", "date2.tif", "dem.tif"))
    params = {
        "speckle_lee_2band": ("sarchange:specklefilter", {"INPUT": d1, "METHOD": 2, "WINDOW_SIZE": 7,
                                                          "LOOKS": LOOKS, "OUTPUT": str(work / "lee.tif")}),
        "logratio": ("sarchange:differenceimage", {"IMAGE_1": d1, "IMAGE_2": d2, "METHOD": 2,
                                                   "OUTPUT": str(work / "logratio.tif")}),
        "threshold_ki": ("sarchange:thresholdchange", {"INPUT": str(work / "logratio.tif"), "METHOD": 1,
                                                       "SIDE": 2, "OUTPUT_MASK": str(work / "mask.tif")}),
        "terrain_angles": ("sarchange:terraingeometry", {
            "DEM": dem, "SLOPE": str(work / "slope.tif"), "ASPECT": str(work / "aspect.tif"),
            "LOCAL_INCIDENCE": str(work / "lia.tif"), "PROJECTED_LOCAL_INCIDENCE": str(work / "plia.tif")}),
        "inject_offset": ("sarchange:injectchanges", {
            "INPUT": d1, "MODE": 0, "OFFSET_DB": -3.0, "COUNT": 50, "RADIUS": 40.0,
            "OUTPUT": str(work / "injected.tif"), "OUTPUT_MASK": str(work / "injected_mask.tif")}),
        "learned_di": ("sarchange:learneddi", {
            "INPUT_LAYERS": [d1, d2, d1, d2], "TARGET": d2, "DEM": dem, "CONDITIONS": learned_di_conditions(),
            "OUTPUT_DI_NORM": str(work / "learned_di_norm.tif")}),
        "coregister_pair": ("sarchange:coregister", {
            "REFERENCE": d1, "INPUTS": [d2], "OUTPUT_FOLDER": str(work / "coreg"),
            "OUTPUT_TABLE": str(work / "coreg" / "offsets.csv"), "OUTPUT": ""}),
        "coregister_dem": ("sarchange:coregister", {
            "REFERENCE": d1, "INPUTS": [d2], "DEM": dem, "OUTPUT_FOLDER": str(work / "coreg_dem"),
            "OUTPUT_TABLE": str(work / "coreg_dem" / "offsets.csv"), "OUTPUT": ""}),
        "svm_change": ("sarchange:svmchange", {"IMAGE_1": d1, "IMAGE_2": d2,
                                               "OUTPUT_MASK": str(work / "svm_mask.tif")}),
        "terrain_mask_sim": ("sarchange:terraingeometry", {
            "DEM": dem, "DISTORTION_MASK": str(work / "distortion.tif"),
            "SIMULATED_SAR": str(work / "sim.tif")}),
        "terrain_geometry": ("sarchange:terraingeometry", {
            "DEM": dem, **{k: str(work / f"geometry_{k.lower()}.tif") for k in (
                "SLOPE", "ASPECT", "LOCAL_INCIDENCE", "PROJECTED_LOCAL_INCIDENCE", "DISTORTION_MASK",
                "SIMULATED_SAR")}}),
        "terrain_flattening": ("sarchange:terrainflattening", {
            "SIGMA0": d1, "SCALE": 0, "DEM": dem, "METHOD": 0, "MASK_DISTORTED": True,
            "OUTPUT": str(work / "gamma0.tif")}),
    }
    alg, values = params[case]
    start = time.perf_counter()
    processing.run(alg, values)
    print(f"ALG_SECONDS {time.perf_counter() - start:.3f}")
    del provider, app


def learned_di_conditions():
    """Typed conditions of the learned-DI case: four earlier acquisitions 12 days apart, then the target."""
    dates = ("2020-01-01", "2020-01-13", "2020-01-25", "2020-02-06", "2020-02-18")
    rest = ("platform=S1A, orbit_direction=ascending, heading_deg=349, mean_incidence_deg=37.5, "
            "temperature_c=2, precip_mm=0, precip_3day_mm=0, snow_depth_m=0")
    return "\n".join(f"date={d}, {rest}" for d in dates)


def batch_pipeline(work):
    """The Dask chain (Lee 7x7 on both dates -> log ratio VV -> KI two-sided) as a pipeline file."""
    job = {"name": "pair", "IMAGE_1": str(work / "date1.tif"), "IMAGE_2": str(work / "date2.tif")}
    steps = [("sarchange:specklefilter", {"METHOD": 2, "WINDOW_SIZE": 7, "LOOKS": LOOKS}),
             ("sarchange:differenceimage", {"METHOD": 2}),
             ("sarchange:thresholdchange", {"METHOD": 1, "SIDE": 2})]
    spec = {"output_dir": str(work / "batch"), "chunk": 1024, "workers": 2, "jobs": [job],
            "steps": [{"id": alg, "params": params} for alg, params in steps]}
    path = work / "pipeline.json"
    path.write_text(json.dumps(spec))
    shutil.rmtree(work / "batch", ignore_errors=True)
    return str(path)


def band_vrt(path, band):
    """A single-band VRT of ``path`` (written beside it)."""
    vrt = f"{path}.band{band}.vrt"
    gdal.Translate(vrt, path, format="VRT", bandList=[band])
    return vrt


def commands(work):
    """{case: argv} of every case, SAR Change children and peers."""
    me = [sys.executable, str(Path(__file__).resolve()), "--child"]
    d1, d2 = str(work / "date1.tif"), str(work / "date2.tif")
    ours = {c: me + [c, "--workdir", str(work)] for c in
            ("speckle_lee_2band", "logratio", "threshold_ki", "terrain_angles", "terrain_mask_sim",
             "terrain_geometry", "terrain_flattening", "learned_di", "inject_offset", "coregister_pair",
             "coregister_dem", "svm_change")}
    peers = {
        # otbcli_Despeckle filters the first band only: one run per band (single-band VRTs).
        "otb_despeckle_lee_2band": ["sh", "-c", " && ".join(
            f"otbcli_Despeckle -in {band_vrt(d1, b)} -out {work / f'otb_lee_{b}.tif'} float -filter lee "
            f"-filter.lee.rad 3 -filter.lee.nblooks {LOOKS}" for b in (1, 2))],
        "gdal_calc_logratio": ["gdal_calc.py", "--quiet", "-A", d1, "--A_band=1", "-B", d2, "--B_band=1",
                               f"--outfile={work / 'gdal_calc_logratio.tif'}", "--calc=10*log10(B/A)",
                               "--type=Float32", "--overwrite", "--co=TILED=YES", "--co=COMPRESS=ZSTD",
                               "--co=ZSTD_LEVEL=1", "--co=BIGTIFF=IF_SAFER"],
        "otb_bandmath_logratio": ["otbcli_BandMath", "-il", d1, d2, "-out", str(work / "otb_logratio.tif"),
                                  "float", "-exp", "10*log10(im2b1/im1b1)"],
        "batch_dask_chain": [sys.executable, "-m", "sar_change.batch", batch_pipeline(work), "--quiet"],
    }
    return {**ours, **peers}


# --- Measuring ----------------------------------------------------------------------------------

def _tree_peak(pid, stop, out):
    import psutil

    peak = 0
    try:
        root = psutil.Process(pid)
        while not stop.is_set():
            try:
                procs = [root] + root.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in procs))
            except psutil.Error:
                pass
            time.sleep(0.1)
    except psutil.Error:
        pass
    out.append(peak)


def measure(argv):
    """Run ``argv`` under /usr/bin/time -v; (wall s, algorithm s or None, peak RSS MiB, tree MiB, ok)."""
    env = dict(os.environ, PYTHONPATH=str(PLUGINS), QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="2")
    start = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-v"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    stop, peaks = threading.Event(), []
    sampler = threading.Thread(target=_tree_peak, args=(proc.pid, stop, peaks))
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    alg = re.search(r"ALG_SECONDS ([\d.]+)", out)
    ok = proc.returncode == 0
    if not ok:
        print(f"  failed ({proc.returncode}): {err.strip().splitlines()[-12:]}", file=sys.stderr)
    return (wall, float(alg.group(1)) if alg else None, int(rss.group(1)) / 1024 if rss else float("nan"),
            (peaks[0] / 2 ** 20) if peaks else float("nan"), ok)


def _have(path, cols, rows):
    ds = gdal.Open(str(path)) if Path(path).exists() else None
    return ds is not None and (ds.RasterXSize, ds.RasterYSize) == (cols, rows)


#: Inputs each case reads (the others need every input).
INPUTS = {"terrain_angles": ("dem.tif",), "terrain_mask_sim": ("dem.tif",), "terrain_geometry": ("dem.tif",),
          "terrain_flattening": ("date1.tif", "dem.tif"), "coregister_pair": ("date1.tif", "date2.tif"),
          "svm_change": ("date1.tif", "date2.tif")}


def run_size(cols, rows, work, cases, reuse=False):
    work.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    needed = set()
    for case in cases or ["all"]:
        needed |= set(INPUTS.get(case, ("date1.tif", "date2.tif", "dem.tif")))
    for name, make in (("date1.tif", lambda p: make_scene(p, cols, rows, seed=1)),
                       ("date2.tif", lambda p: make_scene(p, cols, rows, seed=2, change=True)),
                       ("dem.tif", lambda p: make_dem(p, cols, rows))):
        if name in needed and not (reuse and _have(work / name, cols, rows)):
            make(work / name)
    print(f"# {cols} x {rows}: inputs written in {time.perf_counter() - t:.1f} s ({work})", flush=True)
    order = ["speckle_lee_2band", "otb_despeckle_lee_2band", "logratio", "gdal_calc_logratio",
             "otb_bandmath_logratio", "threshold_ki", "inject_offset", "learned_di", "coregister_pair",
             "coregister_dem", "svm_change", "terrain_angles", "terrain_mask_sim", "terrain_geometry",
             "terrain_flattening", "batch_dask_chain"]
    mpix = cols * rows / 1e6
    print("| case | size | process s | algorithm s | MPix/s (process) | MPix/s (algorithm) | "
          "peak RSS MiB (largest process) | peak RSS MiB (process tree, sampled) |")
    print("|---|---|---|---|---|---|---|---|")
    for case in order:
        if cases and case not in cases:
            continue
        wall, alg, rss, tree, ok = measure(commands(work)[case])
        alg_text, alg_rate = (f"{alg:.2f}", f"{mpix / alg:.2f}") if alg else ("-", "-")
        status = "" if ok else " FAILED"
        print(f"| {case}{status} | {cols}x{rows} | {wall:.2f} | {alg_text} | {mpix / wall:.2f} | "
              f"{alg_rate} | {rss:.0f} | {tree:.0f} |", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--full", action="store_true", help="also 25,000 x 17,000 (full IW scene)")
    parser.add_argument("--workdir", help="folder for the inputs and outputs (default: a temporary one)")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the inputs already in --workdir when their size matches")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.workdir))
        return
    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="sar_change_scale_"))
    try:
        sizes = ([(args.size, args.size)] if args.size else []) + ([(25000, 17000)] if args.full else [])
        for cols, rows in sizes:
            run_size(cols, rows, base / f"{cols}x{rows}", args.only, args.reuse)
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
