"""Simulator coherence against real Sentinel-1 coherence, and the estimators' bias against theory.

Protocol (fixed before looking at the comparison; nothing here is fitted to the real maps):

1. Real data: ``../shared/data/insar_coherence_mexico`` (PyRate test data, Apache-2.0;
   contains modified Copernicus Sentinel data 2018): 30 VV coherence maps of Mexico City
   (GAMMA, 8 x 2 looks, geocoded at ~150 m), 13 dates from 2018-01-06 to 2018-07-17, dates read
   from the GeoTIFF metadata (FIRST_DATE, SECOND_DATE). Pixels with 0 (no data) are left out.
   Per temporal baseline: mean, median, 10th and 90th percentiles; pooled histogram (0.1 bins).
2. Simulator: a flat scene (fractal DEM, 40 m relief, 256 x 256 pixels of 20 m, ascending
   orbit, 12-day revisit) over the same dates and exactly the same 30 pairs, in a climate set
   a priori for the Valley of Mexico (mean 17 C, +-3 C, a dry winter and spring with the rains
   from June: precipitation occurrence scaled by -0.8 x the seasonal cosine peaking mid-July),
   no scheduled changes. The reference coherence is the sample coherence of the simulated
   complex pair over 4 looks x 7 x 7 pixels (N = 196). Mexico City's composition is taken
   a priori as 80 % urban and 20 % fields: the simulated statistics are the per-class
   distributions mixed with those weights (the rule-based land cover of a small scene holds
   few town pixels, so classes are mixed by weight rather than by pixel count).
   Urban constants (``--fit-urban``): the urban (gamma_0, tau, gamma_inf) of the simulator were
   fitted to the real means of the CALIBRATION_DAYS pairs only (12, 36, 60, 84 and 108 days, every
   other baseline); the others (24, 48, 72, 96, 132 days) are held out and reported as such. (A
   first fit on 12-36 days alone left the long-term floor free: no urban decay at all fitted best.)
   The fit simulates the calibration pairs once with the urban temporal term set to 1, so the
   urban true coherence of a candidate is its temporal term times the simulated other terms;
   its reference mean is the Touzi et al. (1999) expectation for N = 196; the grid minimises
   the squared error of the 80/20 mixture mean against the real mean of each calibration pair.
3. Estimators: for N = 4 ... 100 looks and |gamma| = 0 ... 0.95, the mean of the sample
   coherence over 4000 independent windows of circular-Gaussian pairs against Touzi et al.
   (1999) E|gamma_hat|, and the intensity-correlation estimator (Pearson, 4-look
   intensities, window of N pixels) on the same pairs: mean and RMSE against the truth.

4. Speed: file-to-file throughput of both estimators through the block engine on a
   ``--speed-size`` square pair (CFloat32 SLCs, float32 intensities).

Command: ``.venv/bin/python benchmarks/coherence_physics.py [--data DIR] [--workdir DIR] [--seed 0]
[--speed-size 2048]`` (about 1 minute on 2 cores).
"""
import argparse
import datetime as dt
import glob
import os
import sys
import tempfile
import time

import numpy as np
from osgeo import gdal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLUGINS = os.path.join(ROOT, ".plugins")
if os.path.isdir(os.path.join(PLUGINS, "sar_change")):
    sys.path.insert(0, PLUGINS)

from sar_change.core.coherence import estimation as coherence  # noqa: E402
from sar_change.core.engine import complex_raster  # noqa: E402
from sar_change.core.engine.raster_blocks import map_raster, read_array, stack_vrt, write_array  # noqa: E402
from sar_change.core.simulator import coherence as simcoh  # noqa: E402
from sar_change.core.simulator.landcover import FIELD, URBAN  # noqa: E402

MEXICO_CLIMATE = dict(elevation_m=0.0, t_mean=17.0, t_amplitude=3.0, t_peak_doy=200, p01=0.25, p11=0.6,
                      p_season=-0.8, gamma_shape=0.75, wet_mean_mm=8.0, wind_mean=3.0)
COMPOSITION = {URBAN: 0.8, FIELD: 0.2}
#: Temporal baselines (days) whose real maps calibrate the urban constants; the others are held out.
CALIBRATION_DAYS = (12, 36, 60, 84, 108)
REFERENCE_LOOKS = 4 * 7 * 7
BINS = np.linspace(0.0, 1.0, 11)
FINE = np.linspace(0.0, 1.0, 401)


def real_pairs(folder):
    """[(date_1, date_2, values)] of the real coherence maps (valid pixels only)."""
    out = []
    for path in sorted(glob.glob(os.path.join(folder, "*_cc.tif"))):
        ds = gdal.Open(path)
        d1 = dt.date.fromisoformat(ds.GetMetadataItem("FIRST_DATE"))
        d2 = dt.date.fromisoformat(ds.GetMetadataItem("SECOND_DATE"))
        values = ds.ReadAsArray().astype(np.float64)
        out.append((d1, d2, values[values > 0]))
    return out


def weighted_stats(hists):
    """Mean, median, p10, p90 of a distribution given as fine-bin probabilities."""
    centres = 0.5 * (FINE[1:] + FINE[:-1])
    cdf = np.cumsum(hists)

    def quantile(q):
        return float(centres[np.searchsorted(cdf, q)])

    return float(np.sum(hists * centres)), quantile(0.5), quantile(0.1), quantile(0.9)


def mixed_histogram(values_by_class, edges):
    """Histogram (probabilities) of the COMPOSITION mixture of per-class samples."""
    total = np.zeros(len(edges) - 1)
    for cls, weight in COMPOSITION.items():
        v = values_by_class[cls]
        h, _ = np.histogram(v, edges)
        total += weight * h / max(1, v.size)
    return total


def simulate(dates, workdir, seed, quiet=False):
    start, end = min(d for p in dates for d in p), max(d for p in dates for d in p)
    baselines = sorted({(b - a).days for a, b in dates})
    t0 = time.perf_counter()
    out = simcoh.simulate_coherence_pairs(
        workdir, baselines_days=baselines, only_pairs=dates, looks=4, window=7, seed=seed, start=start,
        end=end, shape=(256, 256), relief_m=40.0, orbits=("ascending",), revisit_days=12, changes=None,
        climate=MEXICO_CLIMATE)
    if not quiet:
        print(f"simulated {len(out['pairs'])} pairs in {time.perf_counter() - t0:.1f} s")
    results = {}
    for row in out["pairs"]:
        folder = os.path.join(workdir, row["pair"])
        lc = read_array(os.path.join(folder, "landcover.tif"))
        ref = read_array(os.path.join(folder, "coherence_reference.tif"))
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        key = (dt.date.fromisoformat(row["date_1"]), dt.date.fromisoformat(row["date_2"]))
        results[key] = dict(
            ref={c: ref[(lc == c) & np.isfinite(ref)] for c in COMPOSITION},
            true={c: truth[(lc == c) & np.isfinite(truth)] for c in COMPOSITION},
            rain=float(row["rain_mm"]))
    counts = {c: int((lc == c).sum()) for c in COMPOSITION}
    if not quiet:
        print(f"pixels per class in the simulated scene: urban {counts[URBAN]}, fields {counts[FIELD]}")
    return results


def comparison_table(real, sim):
    print("\nCoherence vs temporal baseline: real Mexico City (S-1 VV) against the simulator "
          "(80 % urban + 20 % fields, reference coherence N = 196; 'true mean': the simulator's true "
          "coherence; urban, fields: reference mean per class; rain: simulated rain between the dates)")
    print(f"{'days':>5} {'pairs':>5} | {'real mean':>9} {'median':>6} {'p10':>5} {'p90':>5} | "
          f"{'sim mean':>8} {'median':>6} {'p10':>5} {'p90':>5} {'(true mean)':>11} {'urban':>5} "
          f"{'fields':>6} {'rain mm':>7} use")
    by_days = {}
    for d1, d2, values in real:
        by_days.setdefault((d2 - d1).days, []).append((d1, d2, values))
    all_real, all_sim = [], np.zeros(len(BINS) - 1)
    real_means, sim_means, days_list = [], [], []
    for days in sorted(by_days):
        group = by_days[days]
        values = np.concatenate([v for _, _, v in group])
        all_real.append(values)
        fine_ref = np.mean([mixed_histogram(sim[(a, b)]["ref"], FINE) for a, b, _ in group], axis=0)
        fine_true = np.mean([mixed_histogram(sim[(a, b)]["true"], FINE) for a, b, _ in group], axis=0)
        coarse = [mixed_histogram(sim[(a, b)]["ref"], BINS) for a, b, _ in group]
        all_sim += len(group) * np.mean(coarse, axis=0)
        m, med, p10, p90 = weighted_stats(fine_ref)
        rain = np.mean([sim[(a, b)]["rain"] for a, b, _ in group])
        urban = np.mean([sim[(a, b)]["ref"][URBAN].mean() for a, b, _ in group])
        fields = np.mean([sim[(a, b)]["ref"][FIELD].mean() for a, b, _ in group])
        print(f"{days:5d} {len(group):5d} | {values.mean():9.3f} {np.median(values):6.3f} "
              f"{np.percentile(values, 10):5.3f} {np.percentile(values, 90):5.3f} | {m:8.3f} {med:6.3f} "
              f"{p10:5.3f} {p90:5.3f} {weighted_stats(fine_true)[0]:11.3f} {urban:5.3f} {fields:6.3f} "
              f"{rain:7.1f} {'calibration' if days in CALIBRATION_DAYS else 'held out'}")
        real_means.append(values.mean())
        sim_means.append(m)
        days_list.append(days)
    held = [(r, m) for d, r, m in zip(days_list, real_means, sim_means) if d not in CALIBRATION_DAYS]
    cal = [(r, m) for d, r, m in zip(days_list, real_means, sim_means) if d in CALIBRATION_DAYS]
    for label, rows in (("calibration", cal), ("held-out", held)):
        if rows:
            err = np.array([m - r for r, m in rows])
            print(f"{label} baselines: mean simulated - real {err.mean():+.3f}, "
                  f"RMS {np.sqrt(np.mean(err ** 2)):.3f} ({len(rows)} baselines)")
    slope_real = np.polyfit(days_list, real_means, 1)[0] * 100
    slope_sim = np.polyfit(days_list, sim_means, 1)[0] * 100
    print(f"linear trend of the mean per 100 days: real {slope_real:+.3f}, simulated {slope_sim:+.3f}")
    pooled = np.concatenate(all_real)
    h_real, _ = np.histogram(pooled, BINS)
    h_real = h_real / pooled.size
    h_sim = all_sim / all_sim.sum()
    print("\nPooled histogram (fraction of pixels per 0.1 bin)")
    print("bin      " + " ".join(f"{a:.1f}-{b:.1f}" for a, b in zip(BINS[:-1], BINS[1:])))
    print("real     " + " ".join(f"{v:7.3f}" for v in h_real))
    print("simulated" + " ".join(f"{v:7.3f}" for v in h_sim))
    print(f"histogram overlap (sum of minima): {np.minimum(h_real, h_sim).sum():.3f}")


def fit_urban(real, workdir, seed):
    """Grid fit of the urban (gamma_0, tau, gamma_inf) on the CALIBRATION_DAYS pairs (see the docstring)."""
    cal = [(a, b, v) for a, b, v in real if (b - a).days in CALIBRATION_DAYS]
    saved = simcoh.TEMPORAL[URBAN]
    simcoh.TEMPORAL[URBAN] = (1.0, 1.0, 1.0)  # urban temporal term = 1: the rest of the physics only
    try:
        with tempfile.TemporaryDirectory(dir=workdir) as work:
            sim = simulate([(a, b) for a, b, _ in cal], work, seed, quiet=True)
    finally:
        simcoh.TEMPORAL[URBAN] = saved
    grid = np.linspace(0.0, 1.0, 201)
    expected = coherence.expected_sample_coherence(grid, REFERENCE_LOOKS)
    real_means = np.array([v.mean() for *_, v in cal])
    days = np.array([(b - a).days for a, b, _ in cal], dtype=np.float64)
    # the distribution of the other terms per pair, as 100 quantiles (the fit needs means only)
    others = [np.quantile(sim[(a, b)]["true"][URBAN], np.linspace(0.005, 0.995, 100)) for a, b, _ in cal]
    fields = np.array([sim[(a, b)]["ref"][FIELD].mean() for a, b, _ in cal])
    best = []
    for g0 in np.arange(0.50, 1.0001, 0.01):
        for tau in (6.0, 12.0, 24.0, 48.0, 96.0, 192.0, 384.0):
            for ginf in np.arange(0.0, 1.0001, 0.05):
                temporal = g0 * (ginf + (1 - ginf) * np.exp(-days / tau))
                urban = np.array([np.interp(t * o, grid, expected).mean() for t, o in zip(temporal, others)])
                mix = COMPOSITION[URBAN] * urban + COMPOSITION[FIELD] * fields
                best.append((float(np.sum((mix - real_means) ** 2)), round(g0, 2), tau, round(ginf, 2)))
    best.sort()
    print(f"\nUrban fit on the {len(cal)} calibration pairs ({', '.join(map(str, CALIBRATION_DAYS))} days; "
          f"current constants {saved}): best (gamma_0, tau days, gamma_inf) by squared error of the mean")
    for err, g0, tau, ginf in best[:5]:
        print(f"  gamma_0 {g0:.2f} tau {tau:5.0f} gamma_inf {ginf:.2f}: sum of squared errors {err:.5f}")
    return best[0][1:]


def estimator_table(seed):
    rng = np.random.default_rng(seed)
    gammas = (0.0, 0.2, 0.4, 0.6, 0.8, 0.95)
    print("\nSample coherence bias: mean over 4000 independent windows vs Touzi et al. (1999) E|gamma_hat|;"
          " intensity correlation (Pearson, 4-look intensities, window of N pixels): mean and RMSE")
    print(f"{'N':>4} {'|gamma|':>7} | {'sample':>7} {'analytic':>8} {'diff':>7} | {'intensity':>9} "
          f"{'RMSE':>6} {'sample RMSE':>11}")
    for n in (4, 9, 16, 25, 49, 100):
        for g in gammas:
            z1, z2 = coherence.correlated_pair(g, (4000, n), rng)
            cross = (z1 * np.conj(z2)).sum(1)
            est = coherence.coherence_from_sums(cross.real, cross.imag, (np.abs(z1) ** 2).sum(1),
                                                (np.abs(z2) ** 2).sum(1)).astype(np.float64)
            analytic = coherence.expected_sample_coherence(g, n)
            # intensity estimator: a window of n pixels, each a 4-look intensity of the same pair
            w1, w2 = coherence.correlated_pair(g, (4, 1000, n), rng)
            i1, i2 = (np.abs(w1) ** 2).mean(0), (np.abs(w2) ** 2).mean(0)
            a, b = i1 - i1.mean(1, keepdims=True), i2 - i2.mean(1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                rho = (a * b).sum(1) / np.sqrt((a * a).sum(1) * (b * b).sum(1))
            gi = np.sqrt(np.clip(np.nan_to_num(rho), 0, 1))
            print(f"{n:4d} {g:7.2f} | {est.mean():7.3f} {analytic:8.3f} {est.mean() - analytic:+7.3f} | "
                  f"{gi.mean():9.3f} {np.sqrt(np.mean((gi - g) ** 2)):6.3f} "
                  f"{np.sqrt(np.mean((est - g) ** 2)):11.3f}")


def speed_table(workdir, size, seed):
    """File-to-file throughput (MPix/s) of the SLC and intensity estimators through the block engine."""
    rng = np.random.default_rng(seed)
    driver = gdal.GetDriverByName("GTiff")
    paths = []
    intensities = []
    for k, z in enumerate(coherence.correlated_pair(0.6, (size, size), rng)):
        path = os.path.join(workdir, f"slc_{k}.tif")
        ds = driver.Create(path, size, size, 1, gdal.GDT_CFloat32, ["TILED=YES"])
        ds.SetGeoTransform((0.0, 1.0, 0.0, 0.0, 0.0, -1.0))
        ds.GetRasterBand(1).WriteArray(z.astype(np.complex64))
        ds = None
        paths.append(path)
        intensities.append(write_array(os.path.join(workdir, f"int_{k}.tif"), np.abs(z) ** 2))
    print(f"\nThroughput, file to file, {size} x {size} pixels, block engine on 2 threads")
    runs = (
        ("sample coherence, SLC, 5 x 5", lambda: complex_raster.parts_vrt(
            complex_raster.complex_specs(paths[0], 1) + complex_raster.complex_specs(paths[1], 1)),
         coherence.slc_block_function(5)),
        ("sample coherence, SLC, 3 x 11", lambda: complex_raster.parts_vrt(
            complex_raster.complex_specs(paths[0], 1) + complex_raster.complex_specs(paths[1], 1)),
         coherence.slc_block_function((3, 11))),
        ("intensity correlation, 7 x 7", lambda: stack_vrt(intensities),
         coherence.intensity_block_function(7)),
    )
    for label, make_vrt, (func, margin) in runs:
        vrt = make_vrt()
        t0 = time.perf_counter()
        map_raster(vrt, os.path.join(workdir, "out.tif"), func, margin, 1, nodata=float("nan"))
        seconds = time.perf_counter() - t0
        gdal.Unlink(vrt)
        print(f"{label:32s} {seconds:6.2f} s  {size * size / seconds / 1e6:6.2f} MPix/s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data",
                                                       "insar_coherence_mexico"))
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--speed-size", type=int, default=2048, help="side of the timed images (0: skip)")
    parser.add_argument("--fit-urban", action="store_true",
                        help="fit the urban temporal constants on the calibration baselines first")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    if os.path.isdir(args.data):
        real = real_pairs(args.data)
        print(f"real: {len(real)} pairs, {len({d for p in real for d in p[:2]})} dates, "
              f"{sum(v.size for *_, v in real)} valid pixels")
        if args.fit_urban:
            fit_urban(real, args.workdir, args.seed)
        with tempfile.TemporaryDirectory(dir=args.workdir) as work:
            sim = simulate([(a, b) for a, b, _ in real], work, args.seed)
            comparison_table(real, sim)
    else:
        print(f"{args.data} not found: real-data comparison skipped")
    estimator_table(args.seed)
    if args.speed_size:
        with tempfile.TemporaryDirectory(dir=args.workdir) as work:
            speed_table(work, args.speed_size, args.seed)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
