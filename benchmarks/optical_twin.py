"""Optical twin of the simulator through a year on mountain scenes: reflectance by class and season.

For each scene (the Himalaya foothills DEM from ../shared/data/dem when present, and a
fractal high-relief DEM) it simulates a one-year Sentinel-1 stack (ascending, 15-day
revisit, alpine climate; warm for the foothills), writes the SAR/optical pair folder (30 %
of the dates cloudy), and prints:
per-class mean reflectance (B02, B03, B04, B08) and NDVI by season over clear pixels, the
share of the scene in each SAR distortion class, the terrain-shadowed share per season and
the run times; then the real BigEarthNet S2 patches' mean reflectances as an anchor (when
bigearthnet-common is installed). A quick-look PNG (true colour per season, SAR VV,
distortion classes) goes to /tmp/optical_twin_quicklook.png.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/optical_twin.py [--out DIR]
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))
if not (ROOT / ".plugins" / "sar_change").exists():
    (ROOT / ".plugins").mkdir(exist_ok=True)
    (ROOT / ".plugins" / "sar_change").symlink_to(ROOT, target_is_directory=True)

from osgeo import gdal, osr  # noqa: E402

from sar_change.core.simulator import fractal_dem, simulate_stack  # noqa: E402
from sar_change.core.simulator import optical as opt  # noqa: E402
from sar_change.core.simulator.landcover import CLASS_NAMES  # noqa: E402
from sar_change.core.terrain import geometry as terrain  # noqa: E402
from sar_change.core.translation import pair_dataset  # noqa: E402
from sar_change.core.translation.metrics import DISTORTION_NAMES  # noqa: E402

SHARED_DEM = ROOT.parent / "shared" / "data" / "dem" / "dem_himalayas_E81p5_N28p3_short.tiff"
SEASONS = {"DJF": (12, 1, 2), "MAM": (3, 4, 5), "JJA": (6, 7, 8), "SON": (9, 10, 11)}
QUICKLOOK = "/tmp/optical_twin_quicklook.png"


def read_dem(path):
    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    z = band.ReadAsArray().astype(np.float64)
    nodata = band.GetNoDataValue()
    if nodata is not None:
        z[z == nodata] = np.nan
    return z, ds.GetGeoTransform(), ds.GetProjection()


def fractal_scene(shape=(384, 384), pixel_m=20.0, relief_m=2200.0, seed=11):
    z = fractal_dem(shape, pixel_m, relief_m, 3.2, np.random.default_rng(seed), base_m=500.0)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    return z.astype(np.float64), (500000.0, pixel_m, 0.0, 5200000.0, 0.0, -pixel_m), srs.ExportToWkt()


def season_of(date):
    return next(name for name, months in SEASONS.items() if int(date[5:7]) in months)


def run_scene(name, dem, climate, out_dir):
    z, gt, proj = dem
    t0 = time.perf_counter()
    stack_dir = os.path.join(out_dir, name, "stack")
    simulate_stack(stack_dir, dem=dem, start="2021-01-01", end="2021-12-31", revisit_days=15,
                   orbits=("ascending",), climate=climate, seed=3)
    t_stack = time.perf_counter() - t0
    t0 = time.perf_counter()
    csv_path = opt.write_simulated_pairs(stack_dir, os.path.join(out_dir, name, "pairs"), dem=dem, seed=3,
                                         cloud_probability=0.3)
    t_pairs = time.perf_counter() - t0
    rows = pair_dataset.read_pairs(csv_path)
    lc = gdal.Open(os.path.join(stack_dir, "landcover.tif")).ReadAsArray()
    classes = np.nan_to_num(lc).astype(np.uint8)
    valid = np.isfinite(z)
    relief = np.nanmax(z) - np.nanmin(z)
    print(f"\n=== {name} ({climate}): {z.shape[0]} x {z.shape[1]} px, relief {relief:.0f} m, "
          f"{len(rows)} pairs; stack {t_stack:.1f} s, optical pairs {t_pairs:.1f} s "
          f"({t_pairs / len(rows):.2f} s per date incl. I/O)")
    cls_share = {CLASS_NAMES[c]: float(np.mean(classes[valid] == c)) for c in CLASS_NAMES}
    print("land cover: " + ", ".join(f"{k} {v:.1%}" for k, v in cls_share.items()))

    # Distortion classes of the ascending geometry.
    first = pair_dataset.load_pair(rows[0])
    dist = first["distortion"]
    print("SAR distortion (ascending): " + ", ".join(
        f"{label} {np.mean(dist[valid] == code):.1%}" for code, label in DISTORTION_NAMES.items()))

    # Per class and season: mean reflectance over clear pixels.
    sums = {}
    shadow = {}
    dx, dy = terrain.pixel_size_metres(gt, proj, z.shape[0])
    lat = opt.scene_latitude(gt, proj, z.shape)
    quick = {}
    for row in rows:
        pair = pair_dataset.load_pair(row)
        season = season_of(row["date"])
        clear = (pair["cloud_mask"] == opt.CLEAR) & valid
        cls_now = classes  # changes are small; the base map labels the classes
        for c, cname in CLASS_NAMES.items():
            sel = clear & (cls_now == c)
            if sel.sum() < 20:
                continue
            acc = sums.setdefault((cname, season), [np.zeros(4), 0])
            acc[0] += pair["optical"][:, sel].sum(axis=1)
            acc[1] += int(sel.sum())
        el, az = np.radians(float(row["sun_elevation_deg"])), np.radians(float(row["sun_azimuth_deg"]))
        shade = opt.illumination(z, dx, dy, el, az)["cast_shadow"]
        shadow.setdefault(season, []).append(float(np.mean(shade[valid])))
        month = int(row["date"][5:7])
        if month in (1, 4, 7, 10) and month not in quick and float(row["cloud_fraction"]) < 0.05:
            quick[month] = (row["date"], pair["optical"], pair["sar"][0])
        if month == 2 and "cloudy" not in quick and float(row["cloud_fraction"]) > 0.2:
            quick["cloudy"] = (row["date"], pair["optical"], pair["sar"][0])
    print(f"{'class':8s} {'season':6s}  {'B02':>6s} {'B03':>6s} {'B04':>6s} {'B08':>6s}  {'NDVI':>6s}")
    for cname in CLASS_NAMES.values():
        for season in SEASONS:
            if (cname, season) not in sums:
                continue
            total, count = sums[(cname, season)]
            m = total / count
            ndvi = (m[3] - m[2]) / (m[3] + m[2])
            print(f"{cname:8s} {season:6s}  " + " ".join(f"{v:6.3f}" for v in m) + f"  {ndvi:6.3f}")
    print("terrain-shadowed share of the scene at 10:30 solar time: " + ", ".join(
        f"{s} {np.mean(v):.1%}" for s, v in shadow.items()) + f" (latitude {lat:.1f} N)")
    return dict(name=name, z=z, dist=dist, quick=quick)


def real_anchor():
    """Mean reflectance and NDVI of the real BigEarthNet S2 example patches (a sanity anchor)."""
    from sar_change.core.translation import bigearthnet

    try:
        pairs = bigearthnet.read_example_pairs()
    except ValueError as exc:
        print(f"\nBigEarthNet anchor skipped: {exc}")
        return
    print("\nreal Sentinel-2 L2A (BigEarthNet examples), patch means:")
    for p in pairs:
        m = np.nanmean(p["optical"], axis=(1, 2))
        ndvi = (m[3] - m[2]) / (m[3] + m[2])
        print(f"  {p['s2_name']:34s} {p['optical_time']:%Y-%m-%d} lat {p['latitude']:5.1f}  "
              + " ".join(f"{v:6.3f}" for v in m) + f"  NDVI {ndvi:6.3f}  ({', '.join(p['labels'][:2])})")


def true_colour(optical, gain=2.5):
    rgb = np.stack([optical[2], optical[1], optical[0]], axis=-1) * gain
    return np.clip(np.nan_to_num(rgb), 0, 1) ** (1 / 1.6)


def quicklook(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = ["distortion", "SAR VV", 1, 4, 7, 10, "cloudy"]
    fig, axes = plt.subplots(len(results), len(cols), figsize=(3.0 * len(cols), 3.2 * len(results)))
    axes = np.atleast_2d(axes)
    for r, res in enumerate(results):
        for c, key in enumerate(cols):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            if key == "distortion":
                ax.imshow(res["dist"], cmap="viridis", vmin=0, vmax=4, interpolation="nearest")
                ax.set_title(f"{res['name']}\ndistortion 1-4 (und/fore/shad/lay)", fontsize=8)
            elif key == "SAR VV":
                any_q = next(iter(res["quick"].values()))
                ax.imshow(any_q[2], cmap="gray", vmin=-25, vmax=5)
                ax.set_title(f"SAR VV dB {any_q[0]}", fontsize=8)
            elif key in res["quick"]:
                date, optical, _ = res["quick"][key]
                ax.imshow(true_colour(optical))
                ax.set_title(f"S2-like RGB {date}", fontsize=8)
            else:
                ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="folder for stacks and pairs (default: a temp folder)")
    args = parser.parse_args()
    out_dir = args.out or tempfile.mkdtemp(prefix="optical_twin_")
    scenes = []
    if SHARED_DEM.exists():
        # Siwalik foothills at 28 N, 90-355 m: warm winters (the 'mediterranean' preset, no snow).
        scenes.append(("himalaya_foothills", read_dem(SHARED_DEM), "mediterranean"))
    else:
        print(f"{SHARED_DEM} absent: fractal scene only")
    scenes.append(("fractal_2200m", fractal_scene(), "alpine"))
    results = [run_scene(name, dem, climate, out_dir) for name, dem, climate in scenes]
    real_anchor()
    quicklook(results, QUICKLOOK)
    print(f"\nquick-look: {QUICKLOOK}; stacks and pairs in {out_dir}")


if __name__ == "__main__":
    main()
