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
keeps those already in ``--workdir``. Each case's inputs are read once before it starts (not timed), so
every case finds them in the page cache, whatever ran before it. Terrain cases: ``terrain_angles`` (the
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
import signal
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
        "speckle_merlin": ("sarchange:specklefilter", {"INPUT": d1, "METHOD": merlin_method(), "LOOKS": LOOKS,
                                                       "BANDS": [1], "OUTPUT": str(work / "merlin.tif")}),
        "estimate_enl": ("sarchange:estimateenl", {"INPUT": d1, "BAND": 1, "SCALE": 0}),
        "unsupervised_change": ("sarchange:unsupervisedchange", {
            "IMAGE_1": d1, "IMAGE_2": d2, "SCALE": 0, "OUTPUT": str(work / "unsupervised_mask.tif")}),
        "evaluate_change": ("sarchange:evaluatechange", {
            "PREDICTION": str(work / "mask.tif"), "DI": str(work / "logratio.tif"),
            "REFERENCE": str(work / "injected_mask.tif"), "OUTPUT_HTML": str(work / "evaluation.html"),
            "OUTPUT_JSON": str(work / "evaluation.json")}),
        "coherence_learned": ("sarchange:coherencefromintensity", {
            "IMAGE_1": d1, "IMAGE_2": d2, "SCALE": 0, "METHOD": 0, "OUTPUT": str(work / "coherence.tif")}),
        "sar_to_optical": ("sarchange:sartooptical", {
            "INPUT": d2, "SCALE": 0, "DEM": dem, "DATE": "2020-02-18", "OUTPUT": str(work / "optical.tif")}),
        "segmentation": ("sarchange:segment", {
            "INPUT": case == "segmentation" and with_incidence(work),  # written for that case only
            "BANDS": "1,2", "SCALE": 0, "INCIDENCE_BAND": 3, "OUTPUT": str(work / "classes.tif")}),
    }
    alg, values = params[case]
    start = time.perf_counter()
    processing.run(alg, values)
    print(f"ALG_SECONDS {time.perf_counter() - start:.3f}")
    del provider, app


def merlin_method():
    """Index of the learned (MERLIN) speckle filter in the algorithm's filter list."""
    from sar_change.core.speckle import registry

    return registry.ALL_METHODS.index(registry.MERLIN)


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


def with_incidence(work, degrees=37.5):
    """A VRT of date1's two bands plus a constant incidence-angle band (``degrees``, from the DEM's grid
    times 0): the input of the segmentation model, which takes (VV, VH, incidence)."""
    ds = gdal.Open(str(work / "date1.tif"))
    cols, rows = ds.RasterXSize, ds.RasterYSize
    bands = [(work / "date1.tif", 1, 1.0, 0.0), (work / "date1.tif", 2, 1.0, 0.0),
             (work / "dem.tif", 1, 0.0, degrees)]
    xml = [f'<VRTDataset rasterXSize="{cols}" rasterYSize="{rows}">',
           f"<SRS>{ds.GetProjection()}</SRS>",
           "<GeoTransform>" + ", ".join(repr(v) for v in ds.GetGeoTransform()) + "</GeoTransform>"]
    for k, (path, band, ratio, offset) in enumerate(bands, start=1):
        xml.append(f'<VRTRasterBand dataType="Float32" band="{k}"><ComplexSource>'
                   f"<SourceFilename>{path}</SourceFilename><SourceBand>{band}</SourceBand>"
                   f"<ScaleOffset>{offset}</ScaleOffset><ScaleRatio>{ratio}</ScaleRatio>"
                   "</ComplexSource></VRTRasterBand>")
    xml.append("</VRTDataset>")
    vrt = work / "date1_incidence.vrt"
    vrt.write_text("\n".join(xml))
    return str(vrt)


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
             "coregister_dem", "svm_change", "speckle_merlin", "estimate_enl", "unsupervised_change",
             "evaluate_change", "coherence_learned", "sar_to_optical", "segmentation")}
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


def measure(argv, timeout=None):
    """Run ``argv`` under /usr/bin/time -v; (wall s, algorithm s or None, peak RSS MiB, tree MiB, ok).

    ``timeout``: seconds, after which the whole process group is killed (not ok)."""
    env = dict(os.environ, PYTHONPATH=str(PLUGINS), QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="2")
    start = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-v"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, start_new_session=True)
    stop, peaks = threading.Event(), []
    sampler = threading.Thread(target=_tree_peak, args=(proc.pid, stop, peaks))
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        err += f"\ntimed out after {timeout} s"
    wall = time.perf_counter() - start
    stop.set()
    sampler.join()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    alg = re.search(r"ALG_SECONDS ([\d.]+)", out)
    ok = proc.returncode == 0
    if not ok:
        own = err.split("\tCommand being timed:")[0]  # the child's own messages, before time -v's report
        print(f"  failed ({proc.returncode}): {own.strip().splitlines()[-8:]}", file=sys.stderr)
    return (wall, float(alg.group(1)) if alg else None, int(rss.group(1)) / 1024 if rss else float("nan"),
            (peaks[0] / 2 ** 20) if peaks else float("nan"), ok)


def _have(path, cols, rows):
    ds = gdal.Open(str(path)) if Path(path).exists() else None
    return ds is not None and (ds.RasterXSize, ds.RasterYSize) == (cols, rows)


#: Inputs each case reads (the others need every input).
INPUTS = {"terrain_angles": ("dem.tif",), "terrain_mask_sim": ("dem.tif",), "terrain_geometry": ("dem.tif",),
          "terrain_flattening": ("date1.tif", "dem.tif"), "coregister_pair": ("date1.tif", "date2.tif"),
          "svm_change": ("date1.tif", "date2.tif"), "speckle_merlin": ("date1.tif",),
          "estimate_enl": ("date1.tif",), "unsupervised_change": ("date1.tif", "date2.tif"),
          "coherence_learned": ("date1.tif", "date2.tif"), "sar_to_optical": ("date2.tif", "dem.tif"),
          "segmentation": ("date1.tif", "dem.tif"), "evaluate_change": (),
          "speckle_lee_2band": ("date1.tif",), "otb_despeckle_lee_2band": ("date1.tif",),
          "logratio": ("date1.tif", "date2.tif"), "gdal_calc_logratio": ("date1.tif", "date2.tif"),
          "otb_bandmath_logratio": ("date1.tif", "date2.tif"), "batch_dask_chain": ("date1.tif", "date2.tif")}
#: Outputs of other cases that a case reads (``--drop-outputs`` keeps them until the last reader has run).
READS = {"threshold_ki": ("logratio.tif",),
         "evaluate_change": ("mask.tif", "logratio.tif", "injected_mask.tif")}
#: Cases in the order they run (threshold_ki reads logratio's output; evaluate_change reads threshold_ki's
#: mask, logratio's DI and inject_offset's mask).
ORDER = ["speckle_lee_2band", "otb_despeckle_lee_2band", "speckle_merlin", "estimate_enl", "logratio",
         "gdal_calc_logratio", "otb_bandmath_logratio", "threshold_ki", "inject_offset", "evaluate_change",
         "unsupervised_change", "svm_change", "learned_di", "coherence_learned", "sar_to_optical",
         "segmentation", "coregister_pair", "coregister_dem", "terrain_angles", "terrain_mask_sim",
         "terrain_geometry", "terrain_flattening", "batch_dask_chain"]


def warm_inputs(work, case, chunk=64 << 20):
    """Read the inputs of ``case`` once (not timed), so that every case, ours and the peers', starts with
    them in the page cache whatever ran before (a full scene's two dates are 6.9 GB: read cold from disk
    by the first case only, they had made that case look slower)."""
    for name in INPUTS.get(case, ("date1.tif", "date2.tif", "dem.tif")):
        path = work / name
        if path.exists():
            with open(path, "rb", buffering=0) as f:
                while f.read(chunk):
                    pass


def predicted_seconds(results, case, cols, rows):
    """Whole-process seconds of ``case`` at ``cols`` x ``rows`` scaled from its smallest recorded run in
    ``results`` (time linear in pixels; None when there is none)."""
    runs = [r for r in results.values()
            if r["case"] == case and r["ok"] and r["cols"] * r["rows"] < cols * rows]
    if not runs:
        return None
    run = min(runs, key=lambda r: r["cols"] * r["rows"])
    return run["process_s"] * cols * rows / (run["cols"] * run["rows"])


def run_size(cols, rows, work, cases, reuse=False, results=None, timeout=None, drop_outputs=False, save=None):
    """Write the inputs, run ``cases`` (None: all) at ``cols`` x ``rows``; print a row per case and add it to
    ``results`` (dict, key 'case@COLSxROWS'). ``timeout``: seconds per case; a case whose time scaled from a
    smaller recorded run exceeds it is skipped (said so), one that runs past it is killed (FAILED).
    ``drop_outputs``: delete what each case wrote once it is measured. ``save()``: called after each case."""
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
    mpix = cols * rows / 1e6
    print("| case | size | process s | algorithm s | MPix/s (process) | MPix/s (algorithm) | "
          "peak RSS MiB (largest process) | peak RSS MiB (process tree, sampled) |")
    print("|---|---|---|---|---|---|---|---|")
    selected = [case for case in ORDER if not cases or case in cases]
    kept = set()  # outputs --drop-outputs keeps for a later case
    for i, case in enumerate(selected):
        guess = predicted_seconds(results or {}, case, cols, rows)
        if timeout and guess and guess > timeout:
            print(f"| {case} skipped: about {guess:.0f} s predicted from a smaller run, over --timeout "
                  f"{timeout:.0f} s | {cols}x{rows} | | | | | | |", flush=True)
            continue
        warm_inputs(work, case)
        before, commit = set(work.iterdir()), _commit()  # the code as the case starts
        wall, alg, rss, tree, ok = measure(commands(work)[case], timeout)
        if drop_outputs:  # what the case wrote (a full scene's outputs take several GB each)
            later = {name for other in selected[i + 1:] for name in READS.get(other, ())}
            for path in (set(work.iterdir()) - before) | kept:
                if path.name in later:
                    kept.add(path)
                else:
                    kept.discard(path)
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        alg_text, alg_rate = (f"{alg:.2f}", f"{mpix / alg:.2f}") if alg else ("-", "-")
        status = "" if ok else " FAILED"
        print(f"| {case}{status} | {cols}x{rows} | {wall:.2f} | {alg_text} | {mpix / wall:.2f} | "
              f"{alg_rate} | {rss:.0f} | {tree:.0f} |", flush=True)
        if results is not None:
            results[f"{case}@{cols}x{rows}"] = dict(
                case=case, cols=cols, rows=rows, process_s=wall, algorithm_s=alg, rss_mib=rss, tree_mib=tree,
                ok=ok, commit=commit, when=time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()))
            if save is not None:
                save()


def _commit():
    try:
        return subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


#: Cases of the peers (gdal_calc, OTB): no goal of their own.
PEERS = ("otb_despeckle_lee_2band", "gdal_calc_logratio", "otb_bandmath_logratio")
#: Goals of issue 17 checked in the summary table: peak RSS of the largest process (QGIS included) and the
#: time per pixel of the full scene against the small size (algorithm time; whole process for the peers).
RSS_GOAL_MIB = 1.5 * 1024
LINEARITY_TOLERANCE = 0.20
FULL = (25000, 17000)


def summary_table(results, small):
    """Markdown lines: per case, the ``small`` x ``small`` and full-scene rows of ``results`` side by side.

    Linearity: (seconds per pixel on the full scene) / (seconds per pixel at the small size), from the
    algorithm's own time (QGIS start-up excluded) where there is one, else the whole process's; 1 is
    linear. Goal: peak RSS of the largest process < 1.5 GiB at the full scene and linearity within 20 %;
    a ratio below 0.8 (cheaper per pixel on the full scene: fixed costs such as input checks and model
    loading weigh at the small size) is not a scaling fault and is said so.
    """
    lines = [f"| case | {small}^2 s | {small}^2 MPix/s | {small}^2 peak RSS MiB | full s | full MPix/s | "
             "full peak RSS MiB | linearity (full / small s per pixel) | "
             "goal (< 1.5 GiB, linear within 20 %) | measured (commit, UTC) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for case in ORDER:
        runs = [results.get(f"{case}@{c}x{r}") for c, r in ((small, small), FULL)]
        if not any(runs):
            continue
        cells, per_pixel = [], []
        for run in runs:
            if run is None:
                cells += ["-", "-", "-"]
                per_pixel.append(None)
                continue
            seconds = run["algorithm_s"] or run["process_s"]
            mpix = run["cols"] * run["rows"] / 1e6
            failed = "" if run["ok"] else " FAILED"
            cells += [f"{seconds:.1f}{failed}", f"{mpix / seconds:.2f}", f"{run['rss_mib']:.0f}"]
            per_pixel.append(seconds / mpix if run["ok"] else None)
        ratio = per_pixel[1] / per_pixel[0] if None not in per_pixel else None
        misses = []
        full = runs[1]
        if case in PEERS:  # the goals are ours; the peers' rows are for the comparisons below
            misses.append("peer (no goal)")
        elif full is None:
            misses.append("full scene not run in this workdir")
        elif not full["ok"]:
            misses.append("full scene failed")
        elif full["rss_mib"] >= RSS_GOAL_MIB:
            misses.append("memory")
        if case in PEERS:
            pass
        elif ratio is not None and ratio > 1.0 + LINEARITY_TOLERANCE:
            misses.append("not linear")
        note = ("; cheaper per pixel on the full scene (fixed costs weigh at the small size)"
                if case not in PEERS and ratio is not None and ratio < 1.0 - LINEARITY_TOLERANCE else "")
        when = "; ".join(f"{run['commit']}, {run['when'][:16]}" for run in runs if run)
        lines.append(f"| {case} | " + " | ".join(cells) + f" | {'-' if ratio is None else f'{ratio:.2f}'} | "
                     f"{'met' if not misses else '; '.join(misses)}{note} | {when} |")
    return lines


#: Whole-process comparisons of issue 17: (our case, peer case, goal: peer seconds / our seconds at least
#: this, sizes the goal applies to (None: every size), what the goal says). The goals are set on the large
#: sizes: at 4096^2 QGIS's own start (about 1 s) outweighs a whole gdal_calc run.
PEER_GOALS = (("logratio", "gdal_calc_logratio", 1.0, ((12000, 12000), FULL),
               "at least as fast as gdal_calc (12000^2 and full scene)"),
              ("logratio", "otb_bandmath_logratio", None, None, "(reference only)"),
              ("speckle_lee_2band", "otb_despeckle_lee_2band", 4.0, ((12000, 12000),),
               "at least 4x otbcli_Despeckle at 12000^2"))
#: Learned DI inference speed goal of issue 17 (MPix/s of the algorithm on 2 cores).
LEARNED_DI_GOAL = 2.0


def comparison_table(results):
    """Markdown lines: the whole-process comparisons with the peers (``PEER_GOALS``) at every size
    recorded in ``results`` where both ran, and the learned DI's MPix/s (algorithm time) against
    ``LEARNED_DI_GOAL``."""
    lines = ["| comparison | size | ours s (whole process) | peer s (whole process) | peer / ours | goal | "
             "verdict | measured (commit, UTC) |", "|---|---|---|---|---|---|---|---|"]
    sizes = sorted({(r["cols"], r["rows"]) for r in results.values()}, key=lambda s: s[0] * s[1])
    for ours, peer, goal, where, text in PEER_GOALS:
        for cols, rows in sizes:
            a, b = (results.get(f"{c}@{cols}x{rows}") for c in (ours, peer))
            if not (a and b and a["ok"] and b["ok"]):
                continue
            ratio = b["process_s"] / a["process_s"]
            applies = goal is not None and (where is None or (cols, rows) in where)
            verdict = ("met" if ratio >= goal else "missed") if applies else "-"
            lines.append(f"| {ours} vs {peer} | {cols}x{rows} | {a['process_s']:.1f} | "
                         f"{b['process_s']:.1f} | {ratio:.2f} | {text if applies or goal is None else '-'} | "
                         f"{verdict} | "
                         f"{a['commit']}, {a['when'][:16]}; {b['commit']}, {b['when'][:16]} |")
    for cols, rows in sizes:
        run = results.get(f"learned_di@{cols}x{rows}")
        if run and run["ok"] and run["algorithm_s"]:
            rate = cols * rows / 1e6 / run["algorithm_s"]
            lines.append(f"| learned_di MPix/s (algorithm) | {cols}x{rows} | {run['algorithm_s']:.1f} | - | "
                         f"{rate:.2f} MPix/s | >= {LEARNED_DI_GOAL:g} MPix/s on 2 cores | "
                         f"{'met' if rate >= LEARNED_DI_GOAL else 'missed'} | "
                         f"{run['commit']}, {run['when'][:16]} |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--full", action="store_true", help="also 25,000 x 17,000 (full IW scene)")
    parser.add_argument("--workdir", help="folder for the inputs and outputs (default: a temporary one)")
    parser.add_argument("--only", nargs="*", help="run only these cases")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the inputs already in --workdir when their size matches")
    parser.add_argument("--timeout", type=float,
                        help="seconds per case: skip a case predicted (from a smaller recorded run) to take "
                             "longer, kill one that runs longer")
    parser.add_argument("--drop-outputs", action="store_true",
                        help="delete each case's outputs once measured (cases that read another's outputs "
                             "then need it in the same run)")
    parser.add_argument("--table", action="store_true",
                        help="print the summary table of every run recorded in --workdir and exit (the "
                             "small size is --size, default 4096)")
    parser.add_argument("--out", help="with --table: also write the tables to this Markdown file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, Path(args.workdir))
        return
    base = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="sar_change_scale_"))
    record = base / "results.json"  # every run of this workdir, the latest per case and size
    results = json.loads(record.read_text()) if record.is_file() else {}
    if args.table:
        lines = summary_table(results, args.size or 4096) + [""] + comparison_table(results)
        if args.out:  # the tables as printed, under the command and the date that printed them
            command = " ".join([".venv/bin/python", "benchmarks/scale.py"] + sys.argv[1:])
            Path(args.out).write_text(
                f"# benchmarks/scale.py: recorded runs of {base}\n\nPrinted by `{command}` on "
                f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; each row names the commit and time "
                "of its runs.\n\n" + "\n".join(lines) + "\n")
        print("\n".join(lines))
        return
    try:
        sizes = ([(args.size, args.size)] if args.size else []) + ([FULL] if args.full else [])
        for cols, rows in sizes:
            run_size(cols, rows, base / f"{cols}x{rows}", args.only, args.reuse, results, args.timeout,
                     args.drop_outputs, save=lambda: record.write_text(json.dumps(results, indent=1)))
        print("\n".join(summary_table(results, args.size or 4096) + [""] + comparison_table(results)))
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
