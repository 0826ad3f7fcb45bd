"""Sub-pixel coregistration accuracy and speed against Orfeo ToolBox FineRegistration.

Usage (from the repository root, after scripts/setup.sh):
    .venv/bin/python benchmarks/coregistration.py [--pairs 8] [--size 512] [--no-otb]
        [--no-simulator] [--workdir /tmp/x] [--seed 0]

Pairs with known shifts (pixels, up to +-5 per image, sub-pixel, L = 4 gamma
speckle):

- synthetic: a textured scene (smooth fields + fine texture, in log units)
  shifted by the Fourier shift theorem, each date with its own speckle;
- simulator (when ``core.simulator`` is present): a Sentinel-1-like stack
  (``simulate_stack``: fractal DEM, land cover, weather, changes, ascending
  and descending orbits) with known per-acquisition shifts (acquisitions.csv
  shift_x_px / shift_y_px); every acquisition is paired with the first one,
  same-orbit and cross-orbit pairs reported apart. Windows in layover,
  shadow and strong foreshortening of either orbit and dark water are
  excluded (``offsets.terrain_exclusion``, ``offsets.water_mask``).

Ours: ``estimate_offsets`` (64 x 64 windows, no overlap) + robust
translation ``fit_model``, timed in memory, in amplitude (the default of
``coregister_stack``) and, for comparison, in dB. OTB:
``otbcli_FineRegistration`` on the same pairs in amplitude (written as
GeoTIFFs with a unit geotransform so that its "physical" offsets are
pixels), 63 x 63 metric windows (-mrx/-mry 31), exploration radius 12 px
(relative shifts reach 10 px), one estimate every 32 px (-ssrx/-ssry 32:
overlapping windows, about 4x as many as ours), zero-mean normalised
cross-correlation (-m CCSM),
sub-pixel accuracy 0.01 px (-spa); the deformation field's valid offsets
(windows inside the image, correlation >= 0.1, not on the search border)
are averaged (mean; the median is also printed). OTB 8.1 has no -spacingx /
-metric switches: -ssrx / -m are their names there. OTB's offsets are the
displacement of the secondary image's content (sec(p + d) ~ ref(p)); they
are negated to our convention (applying (dy, dx) to the moving image aligns
it with the reference). OTB timings are wall clock including its start-up
and file I/O; ours exclude file I/O.

Residual error: RMSE over pairs of (estimate - truth), per axis and of the
vector length (pixels). Goal: ours < 0.05 px.

Observed with OTB 8.1.1: every offset of its deformation field had a
fractional part of 0, +-0.236 or +-0.472 / 0.528 px whatever -spa / -cva
(its golden-section sub-pixel search ends after its first steps), so its
sub-pixel results come from averaging many windows; its mean is also hurt
by unmasked layover/shadow windows in cross-orbit pairs (the median less).
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from osgeo import gdal
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.coregistration import correlation as corr  # noqa: E402
from sar_change.core.coregistration import models as mdl  # noqa: E402
from sar_change.core.coregistration import offsets as ofs  # noqa: E402
from sar_change.core.engine.raster_blocks import read_array, read_info  # noqa: E402
from sar_change.core.terrain import geometry as terrain  # noqa: E402

LOOKS = 4
MAX_SHIFT = 5.0
WINDOW = 64
MIN_PEAK = 0.1
OTB_ER = 12  # exploration radius (pixels): relative shifts of two +-5 px images reach 10 px
OTB_MR = 31  # metric radius: 63 x 63 windows, about ours
OTB_SSR = 32  # one estimate every 32 pixels
OTB_MIN_METRIC = 0.1


# ----------------------------------------------------------------------------------------------
# Pairs
# ----------------------------------------------------------------------------------------------

def synthetic_pairs(n_pairs, size, seed):
    """(name, ref power, mov power, valid mask, truth (dy, dx)) for textured speckled scenes."""
    rng = np.random.default_rng(seed)
    pad = 24
    for k in range(n_pairs):
        shape = (size + 2 * pad, size + 2 * pad)
        fields = ndimage.gaussian_filter(rng.normal(size=shape), 12)
        texture = ndimage.gaussian_filter(rng.normal(size=shape), 1.0)
        scene = fields / fields.std() + 0.9 * texture / texture.std()  # natural-log units
        s_ref = np.round(rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2), 3)
        s_mov = np.round(rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2), 3)
        # Content moved by s: image(p) = scene(p - s). Truth d = s_ref - s_mov (see module docstring).
        ref = np.exp(corr.shift_image(scene, *s_ref)[pad:-pad, pad:-pad])
        mov = np.exp(corr.shift_image(scene, *s_mov)[pad:-pad, pad:-pad])
        ref *= rng.gamma(LOOKS, 1.0 / LOOKS, ref.shape)
        mov *= rng.gamma(LOOKS, 1.0 / LOOKS, mov.shape)
        yield f"synthetic_{k}", "synthetic", ref, mov, None, tuple(s_ref - s_mov)


def simulator_pairs(workdir, size, seed):
    """Pairs from ``core.simulator.simulate_stack``: every acquisition against the first one."""
    from sar_change.core.simulator import simulate_stack

    out = os.path.join(workdir, "stack")
    summary = simulate_stack(out, start="2021-05-01", end="2021-07-15", revisit_days=12,
                             shifts_px=MAX_SHIFT, looks=LOOKS, seed=seed, shape=(size, size))
    rows = summary["acquisitions"]
    info = read_info(summary["dem"])
    dem = read_array(summary["dem"], 1).astype(np.float64)
    dx_m, dy_m = terrain.pixel_size_metres(info.geotransform, info.projection, info.ysize)
    masks = {}

    def exclusion(row):
        key = row["orbit_direction"]
        if key not in masks:
            masks[key], _ = ofs.terrain_exclusion(dem, dx_m, dy_m, float(row["mean_incidence_deg"]),
                                                  float(row["heading_deg"]))
        return masks[key]

    ref_row = rows[0]
    ref = read_array(os.path.join(out, ref_row["file"]), 1).astype(np.float64)  # VV
    s_ref = np.array([float(ref_row["shift_y_px"]), float(ref_row["shift_x_px"])])
    for row in rows[1:]:
        mov = read_array(os.path.join(out, row["file"]), 1).astype(np.float64)
        s_mov = np.array([float(row["shift_y_px"]), float(row["shift_x_px"])])
        same = row["orbit_direction"] == ref_row["orbit_direction"]
        valid = ~(exclusion(ref_row) | exclusion(row)) & ~ofs.water_mask(ref) & ~ofs.water_mask(mov)
        kind = "simulator, same orbit" if same else "simulator, cross orbit"
        yield f"{ref_row['date']}/{row['date']} {row['orbit_direction'][:3]}", kind, ref, mov, valid, \
            tuple(s_ref - s_mov)


# ----------------------------------------------------------------------------------------------
# Estimators
# ----------------------------------------------------------------------------------------------

def ours(ref, mov, valid, domain=corr.AMPLITUDE):
    t0 = time.perf_counter()
    table = ofs.estimate_offsets(ref, mov, window=WINDOW, valid_mask=valid, domain=domain)
    fit = mdl.fit_model(table, "translation", min_peak=MIN_PEAK)
    seconds = time.perf_counter() - t0
    return (fit.model.coef_y[0], fit.model.coef_x[0]), seconds, int(fit.inliers.sum())


def _write_amplitude(path, power):
    amp = corr.to_domain(power, corr.AMPLITUDE).astype(np.float32)
    amp[~np.isfinite(amp)] = np.nanmean(amp)  # OTB has no no-data handling in the metric
    ds = gdal.GetDriverByName("GTiff").Create(str(path), amp.shape[1], amp.shape[0], 1, gdal.GDT_Float32)
    ds.SetGeoTransform((0.0, 1.0, 0.0, 0.0, 0.0, 1.0))  # OTB offsets are in physical units: make them pixels
    ds.GetRasterBand(1).WriteArray(amp)
    ds = None


def otb(ref, mov, workdir, name):
    """OTB FineRegistration; returns ((dy, dx) mean, (dy, dx) median, seconds, n valid) or None."""
    exe = shutil.which("otbcli_FineRegistration")
    if exe is None:
        return None
    tag = name.replace("/", "_").replace(" ", "_")
    ref_path, mov_path = os.path.join(workdir, f"{tag}_ref.tif"), os.path.join(workdir, f"{tag}_mov.tif")
    field_path = os.path.join(workdir, f"{tag}_field.tif")
    _write_amplitude(ref_path, ref)
    _write_amplitude(mov_path, mov)
    cmd = [exe, "-ref", ref_path, "-sec", mov_path, "-out", field_path,
           "-erx", str(OTB_ER), "-ery", str(OTB_ER), "-mrx", str(OTB_MR), "-mry", str(OTB_MR),
           "-ssrx", str(OTB_SSR), "-ssry", str(OTB_SSR), "-m", "CCSM", "-spa", "0.01"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        print(f"  OTB failed on {name}: {proc.stderr.strip()[-300:]}")
        return None
    ds = gdal.Open(field_path)
    field = ds.ReadAsArray().astype(np.float64)
    gt = ds.GetGeoTransform()
    ds = None
    ox, oy, metric = field[0], field[1], field[2]
    # Output grid node centres in input pixels; keep windows (metric + search radius) inside the image.
    rows = gt[3] + (np.arange(field.shape[1]) + 0.5) * gt[5] - 0.5
    cols = gt[0] + (np.arange(field.shape[2]) + 0.5) * gt[1] - 0.5
    reach = OTB_MR + OTB_ER
    inside = ((rows[:, None] >= reach) & (rows[:, None] <= ref.shape[0] - 1 - reach)
              & (cols[None, :] >= reach) & (cols[None, :] <= ref.shape[1] - 1 - reach))
    valid = (inside & np.isfinite(metric) & (metric >= OTB_MIN_METRIC)
             & (np.abs(ox) < OTB_ER - 0.5) & (np.abs(oy) < OTB_ER - 0.5))
    if not valid.any():
        return None
    # OTB: sec(p + d) ~ ref(p) (content displacement); ours is -d.
    mean = (-oy[valid].mean(), -ox[valid].mean())
    median = (-np.median(oy[valid]), -np.median(ox[valid]))
    return mean, median, seconds, int(valid.sum())


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------

def rmse(errors):
    e = np.asarray(errors, dtype=np.float64)
    if e.size == 0:
        return float("nan"), float("nan"), float("nan")
    return (float(np.sqrt(np.mean(e[:, 0] ** 2))), float(np.sqrt(np.mean(e[:, 1] ** 2))),
            float(np.sqrt(np.mean(np.sum(e ** 2, axis=1)))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=8, help="synthetic pairs (default 8)")
    parser.add_argument("--size", type=int, default=512, help="image side in pixels (default 512)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-otb", action="store_true", help="skip Orfeo ToolBox")
    parser.add_argument("--no-simulator", action="store_true", help="synthetic pairs only")
    parser.add_argument("--workdir", default=None, help="folder for temporary files (default: a temp dir)")
    parser.add_argument("--csv", default=None, help="also write the per-pair results to this CSV")
    args = parser.parse_args(argv)

    workdir = args.workdir or tempfile.mkdtemp(prefix="sar_change_coreg_bench_")
    os.makedirs(workdir, exist_ok=True)
    sources = [synthetic_pairs(args.pairs, args.size, args.seed)]
    if not args.no_simulator:
        try:
            import sar_change.core.simulator  # noqa: F401
            sources.append(simulator_pairs(workdir, args.size, args.seed))
        except ImportError as exc:
            print(f"simulator not available ({exc}): synthetic pairs only")
    if not args.no_otb and shutil.which("otbcli_FineRegistration") is None:
        print("otbcli_FineRegistration not found: OTB column skipped")

    header = (f"{'pair':<28} {'truth dy,dx':>16} | {'ours dy,dx':>16} {'err':>6} {'s':>5} {'n':>3} "
              f"{'dB err':>6} | "
              f"{'OTB mean dy,dx':>16} {'err':>6} {'OTB median':>16} {'err':>6} {'s':>5} {'n':>4}")
    print(f"Images {args.size} x {args.size}, L = {LOOKS}, shifts up to +-{MAX_SHIFT} px per image; "
          f"ours: {WINDOW} px windows, amplitude; OTB (amplitude): -erx/-ery {OTB_ER} -mrx/-mry {OTB_MR} "
          f"-ssrx/-ssry {OTB_SSR} -m CCSM -spa 0.01")
    print(header)
    print("-" * len(header))
    results = []
    for source in sources:
        for name, kind, ref, mov, valid, truth in source:
            truth = np.array(truth)
            est, t_ours, n_ours = ours(ref, mov, valid)
            est_db, _, _ = ours(ref, mov, valid, corr.DB)
            err = np.array(est) - truth
            row = dict(pair=name, kind=kind, truth_dy=truth[0], truth_dx=truth[1], ours_dy=est[0],
                       ours_dx=est[1], ours_s=t_ours, ours_n=n_ours, db_dy=est_db[0], db_dx=est_db[1])
            line = (f"{name:<28} {truth[0]:+7.3f},{truth[1]:+7.3f} | {est[0]:+7.3f},{est[1]:+7.3f} "
                    f"{np.hypot(*err):6.3f} {t_ours:5.2f} {n_ours:3d} "
                    f"{np.hypot(est_db[0] - truth[0], est_db[1] - truth[1]):6.3f} | ")
            res = None if args.no_otb else otb(ref, mov, workdir, name)
            if res is not None:
                (my, mx), (ey, ex), t_otb, n_otb = res
                row.update(otb_dy=my, otb_dx=mx, otb_median_dy=ey, otb_median_dx=ex, otb_s=t_otb, otb_n=n_otb)
                line += (f"{my:+7.3f},{mx:+7.3f} {np.hypot(my - truth[0], mx - truth[1]):6.3f} "
                         f"{ey:+7.3f},{ex:+7.3f} {np.hypot(ey - truth[0], ex - truth[1]):6.3f} "
                         f"{t_otb:5.2f} {n_otb:4d}")
            else:
                line += "n/a"
            print(line)
            results.append(row)

    print()
    print(f"{'pairs':<24} {'n':>3} | {'ours RMSE dy dx |d| (px)':>28} {'mean s':>7} {'dB |d|':>7} | "
          f"{'OTB mean RMSE dy dx |d|':>26} {'OTB median |d|':>14} {'mean s':>7}")
    for kind in dict.fromkeys(r["kind"] for r in results):
        rs = [r for r in results if r["kind"] == kind]
        o = rmse([(r["ours_dy"] - r["truth_dy"], r["ours_dx"] - r["truth_dx"]) for r in rs])
        d = rmse([(r["db_dy"] - r["truth_dy"], r["db_dx"] - r["truth_dx"]) for r in rs])
        line = (f"{kind:<24} {len(rs):3d} | {o[0]:8.4f} {o[1]:8.4f} {o[2]:8.4f}    "
                f"{np.mean([r['ours_s'] for r in rs]):7.2f} {d[2]:7.4f} | ")
        with_otb = [r for r in rs if "otb_dy" in r]
        if with_otb:
            m = rmse([(r["otb_dy"] - r["truth_dy"], r["otb_dx"] - r["truth_dx"]) for r in with_otb])
            md = rmse([(r["otb_median_dy"] - r["truth_dy"], r["otb_median_dx"] - r["truth_dx"])
                       for r in with_otb])
            line += (f"{m[0]:8.4f} {m[1]:8.4f} {m[2]:8.4f} {md[2]:14.4f} "
                     f"{np.mean([r['otb_s'] for r in with_otb]):7.2f}")
        else:
            line += "n/a"
        print(line)
    print("Goal: ours < 0.05 px (vector RMSE). 'ours' = amplitude (default), 'dB' = the same in dB. "
          "Timings: ours in memory (estimate + fit), OTB wall clock incl. start-up and I/O.")
    if args.csv:
        keys = sorted({k for r in results for k in r}, key=lambda k: (k != "pair", k != "kind", k))
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(results)
    if not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
