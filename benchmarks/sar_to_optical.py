"""SAR-to-optical translation with DEM fusion: Table 1 of Bralet et al. (IGARSS 2024) on simulated
mountain scenes and on the BigEarthNet example pairs.

Data (all simulated with core/simulator/optical.py on fractal DEMs of 256 x 256 px at 20 m, from
rolling hills to steep mountains: 300, 600 or 1200 m of relief (median slopes about 10, 21 and 36
deg), one year (2018: not a year of the demo) at a 24-day revisit per orbit, both orbits, 4-look
speckle, no clouds):
- training scenes: simulator seeds 11-14 (relief 300, 600, 1200, 450 m); validation scene: seed 15
  (600 m; chooses the shipped fusion);
- test scenes: seeds 21-23 (300, 600, 1200 m; other fractal DEMs, other land cover: never seen in
  training or validation), every second date;
- BigEarthNet: the 6 real S1/S2 example pairs of bigearthnet-common (no DEM: SAR-only variants,
  applied as trained on the simulator: a domain shift, reported as a small sample).

Variants: pix2pix U-Net (L1), SARDINet without DEM, SARDINet with early, late and intermediate
fusion (SARDINet with the batch normalisation of the authors' later code, models/sar_to_optical/config.py;
pix2pix has its own), every one conditioned on the acquisition (sun elevation and azimuth, day of year:
models/sar_to_optical/conditions.py); each trained with MAE + Adam for the same number of epochs
(``--epochs`` of 256 random 64 x 64 patches: every variant sees the same data for the same number of
steps, as in the paper's Table 1; equal wall-clock budgets would instead rank the networks by their
CPU speed), for ``--seeds`` initialisations; the best validation epoch is kept. For every variant:
MSE, SSIM and PSNR (reflectance, data range 1) on the whole image and per SAR distortion class
(undistorted, foreshortening, shadow, layover), mean +- std over the seeds; the input conditioning's
parameters (and at the paper's full width); training time; ONNX inference throughput (MPix/s,
onnxruntime, 2 threads) through ``translate_raster``, the path of ``sarchange:sartooptical``, on a
2048 x 2048 raster. Two rows without a model set the floors: "mean reflectance" (the training mean
per band) and "mean reflectance of the date" (each test image's own band means: an oracle that knows
the date's brightness, the floor the demo compares with). FID is left out: it needs Inception
weights, which cannot be downloaded here.

Terrain information: per distortion class of the test scenes, the variance of the optical image,
the mean squared effect of the terrain illumination (the image against the same image lit as flat
ground: the rendered reflectance divided by the simulator's irradiance from the DEM and the sun) and
the share of the variance of the sun's cos(i) that the SAR local incidence explains (R^2 of a
quadratic fit): what a DEM can add beyond the SAR in each class.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical.py [--seeds 3] [--epochs 25]
        [--ship] [--quick] [--variants pix2pix,none]

``--ship`` then trains the variant with the lowest mean validation MAE (validation scene, not the
test scenes) once more for ``--ship-epochs`` and writes models/sar_to_optical.onnx with its card
(this run's command, the benchmark table and the choice).
"""
import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

# The speed benchmark (this script's folder) also puts the sar_change package on the import path.
from sar_to_optical_speed import ROOT, raster_mpix, write_scene  # noqa: E402

from sar_change.core.simulator import optical as opt  # noqa: E402
from sar_change.core.translation.metrics import translation_metrics  # noqa: E402
from sar_change.models.framework import runner  # noqa: E402
from sar_change.models.sar_to_optical import architecture, export, schema, training  # noqa: E402
from sar_change.models.sar_to_optical import dataset as ds  # noqa: E402

VARIANTS = (("pix2pix U-Net", "pix2pix", "none"), ("SARDINet (no DEM)", "sardinet", "none"),
            ("SARDINet early fusion", "sardinet", "early"), ("SARDINet late fusion", "sardinet", "late"),
            ("SARDINet intermediate fusion", "sardinet", "intermediate"))
REGIONS = ("all", "undistorted", "foreshortening", "shadow", "layover")
SCENE = dict(shape=(256, 256), start="2018-01-01", end="2018-12-31", revisit_days=24)
TRAIN_SEEDS, VAL_SEED, TEST_SEEDS = (11, 12, 13, 14), 15, (21, 22, 23)
#: Relief (m) of each scene's fractal DEM: hills to steep mountains in training, validation and test.
RELIEF_M = {11: 300, 12: 600, 13: 1200, 14: 450, 15: 600, 21: 300, 22: 600, 23: 1200}
SHIPPED = ROOT / "models" / "sar_to_optical.onnx"


#: --variants keys: the pix2pix baseline, then SARDINet's fusions.
VARIANT_KEYS = ("pix2pix",) + tuple(f for _, a, f in VARIANTS if a == "sardinet")


def chosen_variants(text):
    """The VARIANTS rows named in ``text`` (comma-separated VARIANT_KEYS; None: all)."""
    if not text:
        return VARIANTS
    keys = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in VARIANT_KEYS]
    if unknown:
        raise SystemExit(f"--variants {unknown}: choose among {', '.join(VARIANT_KEYS)}")
    return tuple(v for v, k in zip(VARIANTS, VARIANT_KEYS) if k in keys)


def make_scenes(root, seeds, scene):
    """pairs.csv of each seed's scene under ``root`` (simulated unless a previous run left it there)."""
    out = []
    for s in seeds:
        folder = os.path.join(root, f"scene{s}")
        done = os.path.join(folder, "pairs", "pairs.csv")
        out.append(done if os.path.exists(done) else
                   opt.simulate_pairs(folder, seed=s, relief_m=RELIEF_M.get(s, 600), **scene))
    return out


def bigearthnet_pairs(root):
    try:
        from sar_change.core.translation.bigearthnet import write_bigearthnet_pairs

        return ds.read_pairs(write_bigearthnet_pairs(os.path.join(root, "bigearthnet")))
    except (ImportError, ValueError) as exc:
        print(f"BigEarthNet pairs unavailable ({exc}): skipped")
        return []


def predict(onnx_path, pairs, needs_dem):
    model = runner.load(onnx_path, kind=schema.KIND, threads=2)
    conditioned = schema.needs_conditions(model.info)
    out = []
    for p in pairs:
        feed = {schema.INPUT_SAR: p.sar}
        if needs_dem:
            feed[schema.INPUT_DEM] = p.dem
        if conditioned:
            feed[schema.INPUT_CONDITIONS] = p.conditions[None]
        out.append(model.predict(feed))
    return out


def pair_metrics(predictions, pairs):
    """Mean over pairs of translation_metrics, per region (pixel-weighted for MSE; PSNR from the mean MSE)."""
    sums = {r: {"se": 0.0, "ssim": 0.0, "n": 0, "ssim_n": 0} for r in REGIONS}
    for pred, p in zip(predictions, pairs):
        target = np.where(p.valid[None], p.optical, np.nan)
        m = translation_metrics(pred, target, 1.0, p.distortion)
        for r in REGIONS:
            if r in m and m[r]["pixels"]:
                sums[r]["se"] += m[r]["mse"] * m[r]["pixels"]
                sums[r]["n"] += m[r]["pixels"]
                if np.isfinite(m[r]["ssim"]):
                    sums[r]["ssim"] += m[r]["ssim"] * m[r]["pixels"]
                    sums[r]["ssim_n"] += m[r]["pixels"]
    out = {}
    for r, s in sums.items():
        if s["n"]:
            mse = s["se"] / s["n"]
            out[r] = {"mse": mse, "psnr": 10 * np.log10(1.0 / mse),
                      "ssim": s["ssim"] / s["ssim_n"] if s["ssim_n"] else float("nan"), "pixels": s["n"]}
    return out


def throughput(onnx_path, needs_dem, scene):
    """MPix/s of ``translate_raster`` (the path of sarchange:sartooptical, default blocks and tiles) on the
    (SAR, DEM) rasters ``scene``."""
    return raster_mpix(onnx_path, scene[0], scene[1] if needs_dem else None)


def terrain_information(test_dirs, pairs):
    """Markdown table: per distortion class of ``pairs`` (simulated), the optical variance, the mean
    squared effect of the terrain illumination and the R^2 of the sun's cos(i) explained by the SAR
    local incidence."""
    from sar_change.core.engine.raster_blocks import read_array, read_info
    from sar_change.core.simulator.acquisitions import ORBIT_CODES
    from sar_change.core.terrain import geometry as terrain

    stacks = {}
    for csv_path in test_dirs:
        for p in ds.read_pairs(csv_path):
            stacks[p.scene] = os.path.join(os.path.dirname(os.path.dirname(os.fspath(csv_path))), "stack")
    acc = {c: {"var": [], "illum": [], "r2": [], "pixels": 0} for c in REGIONS[1:]}
    for p in pairs:
        dem_path = os.path.join(stacks[p.scene], "dem.tif")
        info = read_info(dem_path)
        dx, dy = terrain.pixel_size_metres(info.geotransform, info.projection, info.ysize)
        elevation = np.radians(float(p.row["sun_elevation_deg"]))
        azimuth = np.radians(float(p.row["sun_azimuth_deg"]))
        light = opt.illumination(p.dem[0], dx, dy, elevation, azimuth)  # the renderer's own irradiance
        f_d = opt.diffuse_fraction(np.pi / 2 - elevation)[:, None, None]
        direct = np.where(light["cast_shadow"], 0.0,
                          np.maximum(light["cos_i"], 0.0) / max(np.sin(elevation), 0.02))
        irradiance = (1 - f_d) * direct[None] + f_d * (1 + light["cos_slope"][None]) / 2
        flat_lit = p.optical / irradiance
        geometry = os.path.join(stacks[p.scene], f"geometry_{ORBIT_CODES[p.row['orbit_direction']]}.tif")
        cos_lia = np.cos(np.radians(read_array(geometry, 2)))
        for code, region in enumerate(REGIONS[1:], start=1):
            m = (p.distortion == code) & p.valid & np.isfinite(cos_lia)
            if m.sum() < 20:
                continue
            a = acc[region]
            a["var"].append(p.optical[:, m].var(1).mean())
            a["illum"].append(((p.optical - flat_lit)[:, m] ** 2).mean())
            x = np.stack([np.ones(m.sum()), cos_lia[m], cos_lia[m] ** 2], 1)
            y = light["cos_i"][m]
            residual = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
            a["r2"].append(1 - residual.var() / max(y.var(), 1e-12))
            a["pixels"] += int(m.sum())
    lines = ["### Terrain information in the test scenes", "",
             "| class | pixels | optical variance x1e3 | terrain illumination MSE x1e3 | R^2 of sun cos(i) "
             "from SAR local incidence |", "|---|---:|---:|---:|---:|"]
    for region, a in acc.items():
        if a["pixels"]:
            lines.append(f"| {region} | {a['pixels']} | {1e3 * np.mean(a['var']):.2f} | "
                         f"{1e3 * np.mean(a['illum']):.2f} | {np.mean(a['r2']):.2f} |")
    return "\n".join(lines)


class MeanModel:
    """The training mean reflectance per band everywhere (no model)."""

    def __init__(self, pairs):
        self.mean = ds.normalisation_stats(pairs, False)["out_mean"]

    def predict(self, pairs):
        return [np.broadcast_to(np.asarray(self.mean, np.float32)[:, None, None], p.optical.shape).copy()
                for p in pairs]


def date_means(pairs):
    """Each pair's own band means over its valid pixels everywhere (an oracle of the date's brightness)."""
    return [np.broadcast_to(p.optical[:, p.valid].mean(1)[:, None, None], p.optical.shape).astype(np.float32)
            for p in pairs]


def fmt(values, key, digits=4, scale=1.0):
    v = np.array([x[key] for x in values if x is not None], dtype=float) * scale
    v = v[np.isfinite(v)]
    if not v.size:
        return "-"
    return f"{v.mean():.{digits}f} +- {v.std():.{digits}f}" if v.size > 1 else f"{v.mean():.{digits}f}"


def table(results, regions, title):
    lines = [f"### {title}", "",
             "| variant | " + " | ".join(f"{r} MSE x1e3 | {r} SSIM | {r} PSNR" for r in regions) + " |",
             "|---|" + "---:|---:|---:|" * len(regions)]
    for name, runs in results.items():
        cells = []
        for r in regions:
            vals = [run.get(r) for run in runs]
            cells += [fmt(vals, "mse", 2, 1e3), fmt(vals, "ssim", 3), fmt(vals, "psnr", 2)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3, help="initialisations per variant (default 3)")
    ap.add_argument("--epochs", type=int, default=25, help="epochs per run, every variant (default 25)")
    ap.add_argument("--ship", action="store_true", help="train and write models/sar_to_optical.onnx + card")
    ap.add_argument("--ship-epochs", type=int, default=60, help="epochs of the shipped model (default 60)")
    ap.add_argument("--quick", action="store_true", help="smoke test: 1 seed, 5 s per run, small scenes")
    ap.add_argument("--out", default=None, help="working folder (default a temporary one; scenes already "
                    "simulated there are reused)")
    ap.add_argument("--json", default=None, help="write the raw results here")
    ap.add_argument("--variants", default=None, help="only these rows, comma-separated among "
                    f"{', '.join(VARIANT_KEYS)} (default all; not with --ship, which chooses among all)")
    args = ap.parse_args(argv)
    variants = chosen_variants(args.variants)
    if args.ship and len(variants) < len(VARIANTS):
        ap.error("--ship chooses the shipped fusion among every SARDINet variant: leave out --variants")
    torch.set_num_threads(2)
    t_start = time.perf_counter()
    scene = dict(SCENE)
    if args.quick:
        args.seeds, args.epochs, args.ship_epochs = 1, 1, 1
        scene.update(shape=(128, 128), start="2018-01-01", end="2018-04-30")
    work = args.out or tempfile.mkdtemp(prefix="s2o_bench_")
    t = time.perf_counter()
    train_dirs = make_scenes(work, TRAIN_SEEDS, scene)
    val_dirs = make_scenes(work, (VAL_SEED,), scene)
    test_dirs = make_scenes(work, TEST_SEEDS, scene)
    pairs = ds.read_pairs(train_dirs + val_dirs)
    val_scene = sorted({p.scene for p in ds.read_pairs(val_dirs)})
    test_pairs = ds.read_pairs(test_dirs)[::2]
    ben = bigearthnet_pairs(work)
    print(f"data: {len(pairs)} training+validation pairs ({len(TRAIN_SEEDS)} + 1 scenes), {len(test_pairs)} "
          f"test pairs ({len(TEST_SEEDS)} held-out scenes), {len(ben)} BigEarthNet pairs; "
          f"{time.perf_counter() - t:.1f} s")
    print(f"budget: {args.epochs} epochs per run for every variant, {args.seeds} seed(s), 2 torch threads "
          "(short runs: the numbers rank variants under equal small budgets, they are not converged models)")
    terrain = terrain_information(test_dirs, test_pairs)
    print(terrain, flush=True)

    sim, real, info = {}, {}, {}
    mean_model = MeanModel([p for p in pairs if p.scene not in val_scene])
    sim["mean reflectance (no model)"] = [pair_metrics(mean_model.predict(test_pairs), test_pairs)]
    sim["mean reflectance of the date (oracle)"] = [pair_metrics(date_means(test_pairs), test_pairs)]
    if ben:
        real["mean reflectance (no model)"] = [pair_metrics(mean_model.predict(ben), ben)]
        real["mean reflectance of the date (oracle)"] = [pair_metrics(date_means(ben), ben)]
    tmp = tempfile.mkdtemp(prefix="s2o_models_")
    speed_scene = write_scene(tmp, 256 if args.quick else 2048)
    for name, arch, fusion in variants:
        needs_dem = schema.uses_dem(fusion)
        sim[name], vals, secs, epochs = [], [], [], []
        for seed in range(args.seeds):
            s = training.train(None, None, arch=arch, fusion=fusion, epochs=args.epochs, seed=seed,
                               pairs=pairs, val_scenes=val_scene, val_patches=64, export_model=False)
            model = s["model"]
            path = export.export_onnx(model, os.path.join(tmp, f"{arch}_{fusion}_{seed}.onnx"),
                                      export.build_metadata(model))
            sim[name].append(pair_metrics(predict(path, test_pairs, needs_dem), test_pairs))
            if ben and not needs_dem:
                real.setdefault(name, []).append(pair_metrics(predict(path, ben, False), ben))
            vals.append(s["metrics"]["val_mae"])
            secs.append(s["train_seconds"])
            epochs.append(s["training"]["epochs"])
            print(f"  {name} seed {seed}: {epochs[-1]} epochs, val MAE {vals[-1]:.4f}, test MSE "
                  f"{sim[name][-1]['all']['mse']:.5f}", flush=True)
        info[name] = {"arch": arch, "fusion": fusion, "val_mae": vals, "train_seconds": secs,
                      "epochs": epochs, "parameters": s["parameters"],
                      "conditioning_parameters": s["conditioning_parameters"],
                      "mpix_per_s": throughput(path, needs_dem, speed_scene)}

    lines = [table(sim, REGIONS, f"Held-out simulated mountain scenes (seeds {TEST_SEEDS}, {len(test_pairs)} "
                                 "pairs)"), ""]
    if ben:
        lines += [table(real, ("all",), f"BigEarthNet example pairs ({len(ben)} real pairs, SAR only, "
                                        "trained on the simulator: small sample, domain shift)"), ""]
    lines += ["### Models", "", "| variant | parameters | input conditioning parameters | validation MAE | "
              "epochs | training s | ONNX MPix/s (2 threads, translate_raster) |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for name, i in info.items():
        lines.append(f"| {name} | {i['parameters']} | {i['conditioning_parameters']} | "
                     f"{np.mean(i['val_mae']):.4f} +- {np.std(i['val_mae']):.4f} | "
                     f"{np.mean(i['epochs']):.1f} | "
                     f"{np.mean(i['train_seconds']):.1f} | {i['mpix_per_s']:.2f} |")
    goals = []
    no_dem = sim.get("SARDINet (no DEM)")
    p2p = sim.get("pix2pix U-Net")

    def mean_of(runs, key):
        return np.mean([r["all"][key] for r in runs])

    ran = [v for v in variants if v[0] in sim]
    for name, arch, _ in ran:
        if arch == "sardinet" and p2p:
            beats = (mean_of(sim[name], "mse") < mean_of(p2p, "mse")
                     and mean_of(sim[name], "ssim") > mean_of(p2p, "ssim"))
            goals.append(f"- {name} beats pix2pix on global MSE and SSIM: {'yes' if beats else 'no'}")
    oracle = sim["mean reflectance of the date (oracle)"]
    for name, _, _ in ran:
        gain = 1 - mean_of(sim[name], "mse") / mean_of(oracle, "mse")
        goals.append(f"- {name} vs the date's mean reflectance (oracle), global MSE: {100 * gain:+.1f} %")
    for name, _, fusion in ran:
        if not schema.uses_dem(fusion) or not no_dem:
            continue
        for region in ("shadow", "foreshortening"):
            a = np.array([r[region]["mse"] for r in sim[name] if region in r])
            b = np.array([r[region]["mse"] for r in no_dem if region in r])
            if a.size and b.size:
                gain = 1 - a.mean() / b.mean()
                separate = a.mean() + a.std() < b.mean() - b.std()
                goals.append(f"- {name} vs no DEM, {region} MSE: {100 * gain:+.1f} % "
                             f"({'non-overlapping' if separate else 'overlapping'} std)")
    speeds = [i["mpix_per_s"] for n, i in info.items() if i["arch"] == "sardinet"]
    if speeds:
        goals.append(f"- ONNX inference >= 5 MPix/s on 2 cores (translate_raster, 2048 x 2048 px): SARDINet "
                     f"variants {min(speeds):.2f} to {max(speeds):.2f} MPix/s: "
                     f"{'met' if min(speeds) >= 5 else 'not met'}")
    full = {f: architecture.conditioning_parameters(architecture.SARDINet(f, width=1.0))
            for f in ("early", "intermediate")}
    lines += ["", f"Input conditioning at the paper's full width: early fusion {full['early']}, intermediate "
              f"fusion {full['intermediate']} parameters (paper: 223,776 vs 9,852)."]
    lines += ["", "### Goals of the issue", ""] + goals
    lines += ["", "FID is not reported: it needs Inception-v3 weights, which cannot be downloaded here.", "",
              terrain]
    report = "\n".join(lines)
    print(report)

    if args.ship:
        candidates = {n: i for n, i in info.items() if i["arch"] == "sardinet"}
        chosen = min(candidates, key=lambda n: np.mean(candidates[n]["val_mae"]))
        c = candidates[chosen]
        print(f"shipping {chosen} (lowest mean validation MAE on scene {val_scene[0]})", flush=True)
        command = "flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical.py " + " ".join(
            sys.argv[1:] if argv is None else argv)
        s = training.train(None, str(SHIPPED), arch=c["arch"], fusion=c["fusion"], epochs=args.ship_epochs,
                           seed=0, pairs=pairs, val_scenes=val_scene, checkpoint=None, card=None)
        meta = export.fx.read_metadata(SHIPPED)
        choice = (f"Chosen by benchmarks/sar_to_optical.py among {', '.join(candidates)} by the lowest mean "
                  f"validation MAE over {args.seeds} seed(s) on the validation scene {val_scene[0]} (not the "
                  f"test scenes): {chosen}. This model is a further run of that variant "
                  f"({args.ship_epochs} epochs).")
        card_path = training.write_card(SHIPPED.with_suffix(".md"), meta, command,
                                        sections=[("Choice", choice), ("Benchmark of this run", report)])
        print(f"wrote {SHIPPED} and {card_path}; validation MAE {s['metrics']['val_mae']:.4f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"simulated": sim, "bigearthnet": real, "models": info}, f, default=float, indent=1)
    print(f"total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
