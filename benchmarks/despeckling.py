"""Learned (MERLIN, ONNX) against the classic speckle filters on real Sentinel-1 and on the simulator.

Usage (from the repository root, after scripts/setup.sh, which converts the MERLIN model):
    .venv/bin/python benchmarks/despeckling.py [--model models/merlin/merlin_s1_tops.onnx]
        [--data ../shared/data] [--sim-seeds 301 302 303] [--sim-looks 1 4] [--size 1024]
        [--out benchmarks/results/despeckling.md]

Every filter runs through ``core.speckle.registry`` (linear power in and out,
7 x 7 windows where a window is used) with the same number of looks L.

Real scenes (``--data``): Idaho 2019-02-25 VV and VH (linear power) and Arles
VV (dB, converted to linear power; its no data stays out). L is the scene's
ENL estimated by the plugin's own estimator (``raster_sampling.
estimate_image_enl``: mode of the local CV^2 over sample windows), the value
the Processing algorithm uses with "estimate the number of looks". Measures:
- ENL on homogeneous areas: the image is cut into 16 x 16 blocks without no
  data; the 10 % of blocks (at least 3) with the lowest coefficient of
  variation of the *input* are the homogeneous areas, the same for every
  filter (a rule, not hand-picked); ENL = mean^2 / variance of the filtered
  block, median over the areas. Higher is smoother.
- Ratio image r = input / filtered over all valid pixels: mean (1 for a filter
  that keeps the mean) and variance (1/L for pure speckle removed and nothing
  else: larger means structure removed too, smaller means speckle left).
- Edge preservation (EP): contrast across an edge = |10 log10| of the ratio of
  the means of the two 7 x 3 half-windows on either side of a pixel (the ROA
  detector, Touzi, Lopes & Bousquet 1988), horizontal or vertical, the larger.
  Edge pixels: the 5 % of pixels with the highest contrast in the input (same
  pixels for every filter). EP = mean filtered contrast / mean input contrast
  there: 1 keeps the edges, < 1 blurs them (the selection on the noisy input
  favours speckle-inflated contrasts, so even a perfect filter scores a little
  below 1; compare filters with each other).

Simulator (``--sim-seeds``, ``--sim-looks``): the speckle-free twin of a
256 x 256 simulated scene (``core.simulator``, looks = inf) and its speckled
version (Gamma(L) speckle, seed-fixed); the MERLIN conversion calibrates on
other seeds (101, 102). PSNR and SSIM (Wang et al. 2004, 11 x 11 Gaussian
window, sigma 1.5, K1 = 0.01, K2 = 0.03) of the filtered image against the
twin, both in dB, with the data range of the twin in dB; plus the log-RMSE in
dB. Means over the seeds.

Throughput: MERLIN file to file on a ``--size`` x ``--size`` single-look
speckle image through the block engine (two blocks at once, one onnxruntime
thread each: 2 threads), in Mpx/s, next to Lee 7 x 7 on the same file.

``--out FILE`` also writes everything printed to FILE (markdown) under a header
with the command, the date (UTC), the machine and the total wall time.
"""
import argparse
import datetime
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.engine import raster_blocks as rb  # noqa: E402
from sar_change.core.engine import raster_sampling  # noqa: E402
from sar_change.core.engine import scale as scales  # noqa: E402
from sar_change.core.speckle import learned, registry  # noqa: E402
from sar_change.models.merlin.scenes import log_rmse_db, simulated_scene, speckled  # noqa: E402

WINDOW = 7
BLOCK = 16
HOMOGENEOUS_FRACTION = 0.10
EDGE_FRACTION = 0.05
REAL_SCENES = (
    ("Idaho VV", ("s1_idaho_3date", "S1B_20190225_relorb20_asc_VV_VH_inc.tif"), 1, scales.LINEAR_POWER),
    ("Idaho VH", ("s1_idaho_3date", "S1B_20190225_relorb20_asc_VV_VH_inc.tif"), 2, scales.LINEAR_POWER),
    ("Arles VV", ("s1_arles_db", "S1A__IW___A_20150309T173017_VV_grd_mli_geo_norm_db.tif"), 1, scales.DB),
)


def filters(looks, model):
    """(label, f(power) -> power) for every method at ``looks``; MERLIN reuses the loaded model."""
    out = []
    for method in registry.ALL_METHODS:
        if method == registry.MERLIN:
            out.append((registry.LABELS[method], lambda p, L=looks: learned.despeckle(p, model, L)))
            out.append(("MERLIN network alone (no re-anchoring)",
                        lambda p, L=looks: learned.despeckle(p, model, L, output=learned.OUTPUT_RAW)))
        else:
            params = registry.FilterParams(method=method, size=WINDOW, looks=looks)
            out.append((registry.LABELS[method], registry.power_filter(params)))
    return out


# -- real-data measures -------------------------------------------------------------------------

def homogeneous_blocks(power, size=BLOCK, fraction=HOMOGENEOUS_FRACTION):
    """Slices of the ``fraction`` of size x size blocks (no NaN) with the lowest input CV (>= 3)."""
    rows, cols = power.shape
    cands = []
    for y in range(0, rows - size + 1, size):
        for x in range(0, cols - size + 1, size):
            block = power[y:y + size, x:x + size]
            if np.isfinite(block).all() and block.mean() > 0:
                cands.append((float(block.std() / block.mean()), (slice(y, y + size), slice(x, x + size))))
    cands.sort(key=lambda c: c[0])
    return [s for _, s in cands[:max(3, int(round(fraction * len(cands))))]]


def enl_on(image, blocks):
    """Median over ``blocks`` of mean^2 / variance."""
    values = [float(image[b].mean() ** 2 / image[b].var()) for b in blocks if image[b].var() > 0]
    return float(np.median(values)) if values else float("inf")


def roa_contrast(power):
    """|dB ratio| of the means of the 7 x 3 half-windows on either side, the larger of the two axes."""
    p = np.where(np.isfinite(power), power, np.nan).astype(np.float64)
    h = ndimage.uniform_filter(np.nan_to_num(p, nan=0.0), size=(7, 3), mode="nearest")
    v = ndimage.uniform_filter(np.nan_to_num(p, nan=0.0), size=(3, 7), mode="nearest")
    with np.errstate(divide="ignore", invalid="ignore"):
        ch = np.abs(10 * np.log10(np.roll(h, 2, axis=1) / np.roll(h, -2, axis=1)))
        cv = np.abs(10 * np.log10(np.roll(v, 2, axis=0) / np.roll(v, -2, axis=0)))
    c = np.fmax(ch, cv)
    c[:, :4] = c[:, -4:] = c[:4, :] = c[-4:, :] = np.nan  # roll wraps around: drop the frame
    valid = ndimage.minimum_filter(np.isfinite(p).astype(np.uint8), size=9, mode="constant") > 0
    c[~valid] = np.nan
    return c


def real_row(noisy, filtered, blocks, edges, noisy_contrast):
    valid = np.isfinite(noisy) & np.isfinite(filtered) & (filtered > 0)
    ratio = noisy[valid].astype(np.float64) / filtered[valid]
    ep = float(np.nanmean(roa_contrast(filtered)[edges]) / np.nanmean(noisy_contrast[edges]))
    return enl_on(filtered, blocks), float(ratio.mean()), float(ratio.var()), ep


def real_tables(data, model, log=print):
    for name, (folder, file), band, scale in REAL_SCENES:
        path = os.path.join(data, folder, file)
        if not os.path.isfile(path):
            log(f"\n{name}: {path} absent, skipped")
            continue
        looks, _ = raster_sampling.estimate_image_enl(path, band, scale)
        noisy = scales.to_linear_power(rb.read_array(path, band), scale)
        blocks = homogeneous_blocks(noisy)
        noisy_contrast = roa_contrast(noisy)
        threshold = np.nanquantile(noisy_contrast, 1 - EDGE_FRACTION)
        edges = np.isfinite(noisy_contrast) & (noisy_contrast >= threshold)
        log(f"\n{name} ({noisy.shape[1]} x {noisy.shape[0]} px, {scale}): estimated ENL L = {looks:.2f}; "
            f"{len(blocks)} homogeneous {BLOCK} x {BLOCK} areas (input ENL {enl_on(noisy, blocks):.2f}); "
            f"{int(edges.sum())} edge pixels; ideal ratio variance 1/L = {1 / looks:.4f}")
        log("| filter | ENL homogeneous | ratio mean | ratio variance | edge preservation |")
        log("|---|---|---|---|---|")
        for label, f in filters(looks, model):
            enl, rmean, rvar, ep = real_row(noisy, f(noisy), blocks, edges, noisy_contrast)
            log(f"| {label} | {enl:.1f} | {rmean:.4f} | {rvar:.4f} | {ep:.3f} |")


# -- simulator measures ---------------------------------------------------------------------------

def ssim(a, b, data_range):
    """Mean SSIM of images a and b (Wang, Bovik, Sheikh & Simoncelli 2004), Gaussian sigma 1.5."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2

    def g(x):
        return ndimage.gaussian_filter(x, 1.5, truncate=3.5, mode="reflect")
    mu_a, mu_b = g(a), g(b)
    var_a = g(a * a) - mu_a ** 2
    var_b = g(b * b) - mu_b ** 2
    cov = g(a * b) - mu_a * mu_b
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(s[5:-5, 5:-5].mean())


def psnr_db(estimate_db, clean_db, data_range):
    return float(10 * np.log10(data_range ** 2 / np.mean((estimate_db - clean_db) ** 2)))


def simulator_tables(seeds, looks_list, model, log=print):
    scenes = {seed: simulated_scene(seed) for seed in seeds}
    for looks in looks_list:
        rows = {}
        for seed, clean in scenes.items():
            noisy = speckled(clean, looks, 10_000 + seed)
            clean_db = 10 * np.log10(clean)
            span = float(clean_db.max() - clean_db.min())
            for label, f in [("(speckled input)", lambda p: p)] + filters(looks, model):
                out = np.maximum(np.asarray(f(noisy), np.float64), 1e-12)
                out_db = 10 * np.log10(out)
                rows.setdefault(label, []).append((psnr_db(out_db, clean_db, span),
                                                   ssim(out_db, clean_db, span), log_rmse_db(out, clean),
                                                   float(out.mean() / clean.mean())))
        log(f"\nSimulator, {looks:g} looks, seeds {list(seeds)} (256 x 256 VV, against the speckle-free "
            "twin, dB)")
        log("| filter | PSNR (dB) | SSIM | log-RMSE (dB) | mean ratio |")
        log("|---|---|---|---|---|")
        for label, values in rows.items():
            p, s, r, m = np.mean(values, axis=0)
            log(f"| {label} | {p:.2f} | {s:.3f} | {r:.2f} | {m:.3f} |")


# -- throughput ----------------------------------------------------------------------------------

def throughput(model_path, size, workdir, log=print):
    src = os.path.join(workdir, "speckle.tif")
    rng = np.random.default_rng(0)
    scene = np.where((np.arange(size)[None, :] // 128 + np.arange(size)[:, None] // 128) % 2, 0.2, 0.05)
    rb.write_array(src, (scene * rng.exponential(1.0, (size, size))).astype(np.float32))
    log(f"\nThroughput, {size} x {size} px single-look file to file, block engine, 2 threads:")
    for method in (registry.LEE, registry.MERLIN):
        params = registry.FilterParams(method=method, size=WINDOW, looks=1.0, model_path=model_path or "")
        t0 = time.perf_counter()
        func, margin = registry.make_block_function(params)
        rb.filter_raster(src, os.path.join(workdir, f"{method}.tif"), func, margin, threads=2)
        seconds = time.perf_counter() - t0
        log(f"  {registry.LABELS[method]}: {seconds:.2f} s, {size * size / seconds / 1e6:.3f} Mpx/s")


class Log:
    """print() that also keeps every line, for ``--out``."""

    def __init__(self):
        self.lines = []

    def __call__(self, text=""):
        print(text, flush=True)
        self.lines.extend(str(text).split("\n"))


def shown_path(path):
    """``path`` relative to the repository root when it lies inside it, else as given."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def report_text(lines, argv, started, seconds):
    """Markdown report: the command, date (UTC), machine and wall time, then the printed ``lines``."""
    command = shlex.join([".venv/bin/python", "benchmarks/despeckling.py", *argv])
    machine = (f"{platform.node()}: {os.cpu_count()} CPU core(s) "
               f"({platform.processor() or platform.machine()}), Python {platform.python_version()}, "
               f"{platform.system()} {platform.release()}")
    header = ["# Despeckling benchmark: Learned (MERLIN, ONNX) against the classic filters", "",
              "Written by the run itself (`--out`); measures defined in the docstring of "
              "`benchmarks/despeckling.py`.", "",
              f"- command: `{command}`",
              f"- date: {started:%Y-%m-%d %H:%M} UTC",
              f"- machine: {machine}",
              f"- total wall time: {seconds:.0f} s", ""]
    return "\n".join(header + list(lines)) + "\n"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="converted MERLIN .onnx (default: models/merlin/)")
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--sim-seeds", type=int, nargs="+", default=[301, 302, 303])
    parser.add_argument("--sim-looks", type=float, nargs="+", default=[1.0, 4.0])
    parser.add_argument("--size", type=int, default=1024, help="side of the throughput image (pixels)")
    parser.add_argument("--out", default=None,
                        help="also write the printed output, command, date and machine to this markdown "
                             "file (e.g. benchmarks/results/despeckling.md)")
    args = parser.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    t0 = time.perf_counter()
    log = Log()
    model = learned.load_model(args.model, threads=2)
    log(f"MERLIN model: {shown_path(model.source)} ({model.metadata.get('source')})")
    real_tables(args.data, model, log)
    simulator_tables(args.sim_seeds, args.sim_looks, model, log)
    with tempfile.TemporaryDirectory() as tmp:
        throughput(args.model, args.size, tmp, log)
    if args.out:
        Path(args.out).write_text(report_text(log.lines, argv, started, time.perf_counter() - t0),
                                  encoding="utf-8")
        print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
