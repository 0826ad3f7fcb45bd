"""Speed of the SAR-to-optical models on CPU: a training step in torch, and inference through onnxruntime
on the path ``sarchange:sartooptical`` uses (``models.sar_to_optical.inference.translate_raster``).

Training: one Adam step (forward, MAE, backward) on a batch of 16 SAR patches of 64 x 64 px (the
training defaults), 2 torch threads, best of 5 after a warm-up, for pix2pix and SARDINet:
- SARDINet's band decoders as ``n`` separate branches (one convolution call per band and layer, each
  up-sampling followed by a 5 x 5 convolution at the high resolution: the per-band ``nn.ModuleList``
  it replaced) or as one stack of grouped convolutions with the up-sampling convolutions computed at
  the low resolution (``BandDecoders``, ``UpsampleConv2d``);
- NCHW or channels-last weights (``training.MEMORY_FORMAT``).

Inference (random weights: speed does not depend on them), 2 onnxruntime threads, default session
options (graph optimisation level ORT_ENABLE_ALL), MPix/s of output:
- the bare graph on one 512 x 512 tile (``InferenceSession.run``);
- ``translate_raster`` on a 2048 x 2048 GeoTIFF (VV, VH dB; DEM for the fusions): with the model's
  512-px tiles and 32-px overlap inside every 512-px block (the former default), then with each block
  and its halo as one tile for several block sizes.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical_speed.py [--size 2048]
    # one exported model only (graph on one tile, translate_raster per block side, peak RSS):
    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical_speed.py \
        --model models/sar_to_optical.onnx --size 4096 --blocks 1024,2048
    # where the time of one translate_raster run goes (after a warm-up run), per stage:
    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical_speed.py \
        --model models/sar_to_optical.onnx --size 4096 --stages
    # the robust figure: 7 rounds of one fresh process per variant, alternated (median, quartiles, min,
    # max); here the code as it is against an older commit exported with `git archive` to /tmp/old:
    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/sar_to_optical_speed.py \
        --model models/sar_to_optical.onnx --size 4096 --repeats 7 --variants plugin,plugin@/tmp/old \
        --out benchmarks/results/sar_to_optical_speed.md

No torch is imported for the translate_raster rows (QGIS runs them without it).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: The checkout whose ``sar_change`` runs (``--repeats`` variants NAME@TREE set it for their processes).
TREE = Path(os.environ.get("SAR_CHANGE_SPEED_TREE", ROOT)).resolve()
sys.path.insert(0, str(TREE / ".plugins"))
if not (TREE / ".plugins" / "sar_change").exists():
    (TREE / ".plugins").mkdir(exist_ok=True)
    (TREE / ".plugins" / "sar_change").symlink_to(TREE, target_is_directory=True)

# No torch here: translate_raster runs without it (as in QGIS); the training and export rows import it.
from sar_change.core.engine.raster_blocks import write_array  # noqa: E402
from sar_change.models.sar_to_optical import inference  # noqa: E402
from sar_change.models.sar_to_optical.conditions import condition_vector  # noqa: E402
from sar_change.models.tiled_inference import fold_inputs, load  # noqa: E402

#: Acquisition date given to conditioned models (any date: the conditions are one vector per raster).
SPEED_DATE = "2018-06-15"


def per_band_decoders(fused):
    """The band decoders of ``fused`` (a BandDecoders) as a module that runs them band by band: one
    convolution call per band and layer on that band's slice of the weights, nearest up-sampling then a
    5 x 5 convolution at the high resolution (the layout before BandDecoders and UpsampleConv2d; same
    outputs)."""
    import torch
    from torch import nn

    from sar_change.models.sar_to_optical import architecture as arch

    class PerBandDecoders(nn.Module):
        def __init__(self):
            super().__init__()
            self.fused = fused

        def forward(self, x):
            outs = []
            for k in range(self.fused.n_bands):
                y = x
                for layer in self.fused.layers:
                    if isinstance(layer, nn.Conv2d):
                        if isinstance(layer, arch.UpsampleConv2d):
                            y = nn.functional.interpolate(y, scale_factor=2, mode="nearest")
                        c_out = layer.out_channels // self.fused.n_bands
                        w, b = layer.weight[k * c_out:(k + 1) * c_out], layer.bias[k * c_out:(k + 1) * c_out]
                        y = nn.functional.conv2d(y, w, b, padding=2)
                    else:
                        y = layer(y)
                outs.append(y)
            return torch.cat(outs, 1)

    return PerBandDecoders()


def step_ms(model, dem, channels_last, batch=16, patch=64, repeats=5):
    """Best time (ms) of one Adam step on random inputs."""
    import torch

    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    g = torch.Generator().manual_seed(0)
    sar = torch.randn(batch, 2, patch, patch, generator=g) * 4 - 14
    d = torch.rand(batch, 1, patch, patch, generator=g) * 600 + 200 if dem else None
    target = torch.rand(batch, 4, patch, patch, generator=g) * 0.3
    times = []
    for _ in range(repeats + 1):
        t = time.perf_counter()
        opt.zero_grad()
        loss = (model(sar, d) - target).abs().mean()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    return 1e3 * min(times[1:])


def training_rows():
    import torch

    from sar_change.models.sar_to_optical import architecture as arch

    rows = []
    for name, config, per_band in (
            ("pix2pix U-Net", {"arch": "pix2pix"}, False),
            ("SARDINet (no DEM), per-band decoders", {"arch": "sardinet", "fusion": "none"}, True),
            ("SARDINet (no DEM)", {"arch": "sardinet", "fusion": "none"}, False),
            ("SARDINet late fusion", {"arch": "sardinet", "fusion": "late"}, False),
            ("SARDINet intermediate fusion", {"arch": "sardinet", "fusion": "intermediate"}, False)):
        cells = []
        for channels_last in (False, True):
            torch.manual_seed(0)
            model = arch.build(config)
            if per_band:
                model.decoder = per_band_decoders(model.decoder)
            cells.append(step_ms(model, model.uses_dem, channels_last))
        rows.append(f"| {name} | {cells[0]:.0f} | {cells[1]:.0f} |")
    return ["| model | step ms, NCHW | step ms, channels-last |", "|---|---:|---:|"] + rows


def speed_conditions():
    """(1, 5) conditions of SPEED_DATE at 46 deg N on a 10 m grid (conditions.py)."""
    return condition_vector(SPEED_DATE, 46.0, (10.0, 10.0))[None]


def session_mpix(path, dem, size=512, repeats=4, fixed=False, edited=False):
    """MPix/s of the bare graph on one ``size`` px tile (best of ``repeats``); ``fixed``: with the conditions
    of a conditioned model made constants of the graph (``tiled_inference.fold_inputs``), else fed as an
    input; ``edited`` (with ``fixed``): the session ``translate_raster`` runs, the folded graph edited
    by ``tiled_inference.cpu_optimised`` (``TiledModel.specialised``)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = 2, 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {"sar": rng.normal(-14, 4, (1, 2, size, size)).astype(np.float32)}
    if dem:
        feed["dem"] = rng.uniform(200, 800, (1, 1, size, size)).astype(np.float32)
    if "conditions" in [i.name for i in session.get_inputs()]:
        if fixed and edited:
            session = load(str(path), threads=2).specialised({"conditions": speed_conditions()}).session
        elif fixed:
            graph = fold_inputs(str(path), {"conditions": speed_conditions()})
            session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        else:
            feed["conditions"] = speed_conditions()
    session.run(None, feed)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - t)
    return size * size / min(times) / 1e6, str(options.graph_optimization_level)


def write_scene(work, size, seed=1):
    """(SAR path, DEM path): a ``size`` x ``size`` px scene of noise (VV, VH dB; DEM 200-800 m), 10 m UTM."""
    from osgeo import gdal, osr

    rng = np.random.default_rng(seed)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    ref = os.path.join(work, "grid.tif")
    grid = gdal.GetDriverByName("GTiff").Create(ref, size, size, 1, gdal.GDT_Byte)
    grid.SetGeoTransform((600000.0, 10.0, 0.0, 5100000.0, 0.0, -10.0))
    grid.SetProjection(srs.ExportToWkt())
    grid = None
    sar, dem = os.path.join(work, "sar.tif"), os.path.join(work, "dem.tif")
    write_array(sar, np.stack([rng.normal(-11, 3, (size, size)), rng.normal(-18, 3, (size, size))]), like=ref)
    write_array(dem, rng.uniform(200, 800, (size, size)), like=ref)
    return sar, dem


def raster_mpix(model_path, sar, dem, **kwargs):
    """MPix/s of translate_raster on the ``sar`` raster (best of 2; the model is loaded in each run);
    ``dem``: the DEM path or None; ``kwargs`` to translate_raster."""
    from osgeo import gdal

    ds = gdal.Open(sar)
    pixels = ds.RasterXSize * ds.RasterYSize
    ds = None
    out = os.path.join(os.path.dirname(sar), "speed_out.tif")
    times = []
    for _ in range(2):
        t = time.perf_counter()
        inference.translate_raster(sar, out, str(model_path), dem_path=dem, **{"date": SPEED_DATE, **kwargs})
        times.append(time.perf_counter() - t)
    return pixels / min(times) / 1e6


def inference_rows(size):
    import torch

    from sar_change.models.sar_to_optical import architecture as arch
    from sar_change.models.sar_to_optical import export

    work = tempfile.mkdtemp(prefix="s2o_speed_")
    sar, dem = write_scene(work, size)
    configs = [("model tiles 512 px, overlap 32, block 512 (former default)", dict(tile=512, overlap=32,
                                                                               block=512)),
               ("block 512 + halo as one tile", dict(block=512)),
               ("block 1024 + halo as one tile (default)", dict(block=1024)),
               ("block 2048 + halo as one tile", dict(block=2048))]
    head = ["| model | graph, one 512 px tile | " + " | ".join(c for c, _ in configs) + " |",
            "|---|---:|" + "---:|" * len(configs)]
    rows, level = [], None
    for name, config in (("pix2pix U-Net", {"arch": "pix2pix"}),
                         ("SARDINet (no DEM)", {"arch": "sardinet", "fusion": "none"}),
                         ("SARDINet early fusion", {"arch": "sardinet", "fusion": "early"}),
                         ("SARDINet late fusion", {"arch": "sardinet", "fusion": "late"}),
                         ("SARDINet intermediate fusion", {"arch": "sardinet", "fusion": "intermediate"})):
        torch.manual_seed(0)
        model = arch.build(config).eval()
        path = export.export_onnx(model, os.path.join(work, f"{name.split()[1]}.onnx"))
        graph, level = session_mpix(path, model.uses_dem)
        cells = [f"{graph:.2f}"]
        for _, kwargs in configs:
            cells.append(f"{raster_mpix(path, sar, dem if model.uses_dem else None, **kwargs):.2f}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    return head + rows, level


def model_rows(model_path, size, blocks):
    """translate_raster MPix/s and peak RSS of one exported model (e.g. the shipped one) per block size."""
    import resource

    work = tempfile.mkdtemp(prefix="s2o_speed_")
    sar, dem = write_scene(work, size)
    needs_dem = inference.open_model(model_path).summary["needs_dem"]
    rows = []
    for block in blocks:  # smallest block first: the peak RSS so far is that block size's
        rate = raster_mpix(model_path, sar, dem if needs_dem else None, block=block)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rows.append(f"| translate_raster, block {block} + halo as one tile | {rate:.2f} | {peak:.0f} |")
        print(rows[-1], flush=True)
    tile = min(blocks) + 2 * inference.DEFAULT_MARGIN
    for fixed, edited, how in ((False, False, "conditions as an input"),
                               (True, False, "conditions fixed in the graph"),
                               (True, True, "conditions fixed, cpu_optimised (as translate_raster runs it)")):
        graph, _ = session_mpix(model_path, needs_dem, size=tile, fixed=fixed, edited=edited)
        rows.append(f"| graph alone, one {tile} px tile (the smallest block's), {how} | {graph:.2f} | - |")
    return ["| path | MPix/s | peak RSS MiB so far |", "|---|---:|---:|"] + rows


class StageClock:
    """Wall and CPU seconds (``time.thread_time`` of the calling thread) summed per named stage over calls
    from any thread; ``wrap(name, func)`` times every call of ``func``."""

    def __init__(self):
        import threading

        self.lock, self.totals = threading.Lock(), {}

    def wrap(self, name, func):
        def timed(*args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                with self.lock:
                    row = self.totals.setdefault(name, [0.0, 0.0, 0])
                    row[0] += time.perf_counter() - wall
                    row[1] += time.thread_time() - cpu
                    row[2] += 1
        return timed


def stage_rows(model_path, size, block):
    """Wall and CPU seconds per stage of one translate_raster run of ``model_path`` on a ``size`` px scene
    (after a warm-up run on the same files, like the best of two of ``raster_mpix``): model load and
    specialisation, input checks, the block engine's reader (GDAL reads of SAR and DEM), its block function
    (of which the onnxruntime graph), its writer (GDAL writes and the flushes that compress), and the rest
    (what runs before and after the blocks). Stages on the workers overlap, so their wall times add up to
    more than the run; the CPU of GDAL's compression threads is in no stage's CPU, only in the process's."""
    import onnxruntime as ort

    from sar_change.core.engine import raster_blocks
    from sar_change.models import tiled_inference

    work = tempfile.mkdtemp(prefix="s2o_speed_")
    sar, dem = write_scene(work, size)
    needs_dem = inference.open_model(model_path).summary["needs_dem"]
    out = os.path.join(work, "stages_out.tif")

    def run():
        if os.path.exists(out):  # a new output each time, as the warm-up wrote one
            os.remove(out)
        inference.translate_raster(sar, out, str(model_path), dem_path=dem if needs_dem else None,
                                   block=block, date=SPEED_DATE)

    run()
    clock = StageClock()
    stream = raster_blocks.stream_blocks

    def timed_stream(jobs, read, compute, write, **kwargs):
        return stream(jobs, clock.wrap("reader: read SAR + DEM blocks", read),
                      clock.wrap("block function (workers)", compute),
                      clock.wrap("writer: write + flush (compression)", write), **kwargs)

    patches = [(inference, "open_model", "model: load"),
               (tiled_inference.TiledModel, "specialised", "model: conditions fixed + cpu_optimised"),
               (inference, "check_db_scale", "input checks (dB scale)"),
               (ort.InferenceSession, "run", "  of which onnxruntime runs (and the load-time check's)")]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    try:
        for owner, attr, name in patches:
            setattr(owner, attr, clock.wrap(name, getattr(owner, attr)))
        raster_blocks.stream_blocks = timed_stream
        cpu, wall = time.process_time(), time.perf_counter()
        run()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        for owner, attr, func in saved:
            setattr(owner, attr, func)
        raster_blocks.stream_blocks = stream
    rows = [f"| whole run ({size * size / wall / 1e6:.2f} MPix/s) | {wall:.2f} | {cpu:.2f} (process) | 1 |"]
    order = [name for _, _, name in patches[:3]] + [
        "reader: read SAR + DEM blocks", "block function (workers)", patches[3][2],
        "writer: write + flush (compression)"]
    for name in order:
        w, c, n = clock.totals.get(name, (0.0, 0.0, 0))
        rows.append(f"| {name} | {w:.2f} | {c:.2f} | {n} |")
    return ["| stage | wall s | CPU s | calls |", "|---|---:|---:|---:|"] + rows


#: ``--repeats`` variants: what each fresh process has loaded or changed when it runs translate_raster.
VARIANTS = {
    "plugin": "as QGIS runs it: numpy, GDAL, onnxruntime and onnx (the graph edits), no torch; the tree's "
              "default output compression",
    "torch-loaded": "torch imported first (as in this script's --model rows before it imported torch lazily)",
    "compressed": "as plugin, the output GeoTIFF compressed (raster_blocks.geotiff_options: ZSTD level 1)",
    "uncompressed": "as plugin, the output GeoTIFF uncompressed",
    "3-workers": "as plugin, three blocks at once (translate_raster threads=3) on the two cores",
}


def child_run(variant, model_path, scene, warm_scene, block):
    """One translate_raster run of ``model_path`` on ``scene`` (a folder of write_scene) in this process,
    after a warm-up run on ``warm_scene`` (imports, GDAL drivers, the Python heap: what a QGIS session has
    done before); prints one JSON line: wall s, CPU user and system s, minor page faults, peak RSS MiB,
    output file bytes."""
    import resource

    if variant == "torch-loaded":
        import torch  # noqa: F401
    elif variant in ("compressed", "uncompressed"):
        from sar_change.core.engine import raster_blocks

        options = raster_blocks.geotiff_options(compress="NONE" if variant == "uncompressed" else None)

        def map_raster(*args, **kwargs):  # these options whatever the tree's translate_raster passes
            return raster_blocks.map_raster(*args, **dict(kwargs, creation_options=options))

        inference.map_raster = map_raster
    elif variant not in ("plugin", "3-workers"):
        raise SystemExit(f"unknown variant {variant!r}: choose among {sorted(VARIANTS)}")
    needs_dem = inference.open_model(model_path).summary["needs_dem"]

    def run(folder, name):
        out = os.path.join(folder, name)
        if os.path.exists(out):
            os.remove(out)
        inference.translate_raster(os.path.join(folder, "sar.tif"), out, model_path, block=block,
                                   dem_path=os.path.join(folder, "dem.tif") if needs_dem else None,
                                   date=SPEED_DATE, threads=3 if variant == "3-workers" else 2)

    run(warm_scene, "warm_out.tif")
    before, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    run(scene, f"out_{os.getpid()}.tif")
    wall, after = time.perf_counter() - wall, resource.getrusage(resource.RUSAGE_SELF)
    size = os.path.getsize(os.path.join(scene, f"out_{os.getpid()}.tif"))
    os.remove(os.path.join(scene, f"out_{os.getpid()}.tif"))
    print(json.dumps({"wall": wall, "user": after.ru_utime - before.ru_utime,
                      "sys": after.ru_stime - before.ru_stime, "minflt": after.ru_minflt - before.ru_minflt,
                      "rss": after.ru_maxrss / 1024, "bytes": size}))


def protocol_rows(model_path, size, variants, repeats, block):
    """``repeats`` rounds of one fresh process per variant (``child_run``), the order of the variants reversed
    every other round; per variant the median, quartiles, min and max of MPix/s, the median CPU seconds and
    page faults, the largest peak RSS. A variant NAME@TREE runs NAME with the ``sar_change`` of the checkout
    TREE (e.g. a git worktree of an older commit), to compare code states in alternation."""
    work = tempfile.mkdtemp(prefix="s2o_speed_")
    scene, warm = os.path.join(work, "scene"), os.path.join(work, "warm")
    for folder, side in ((scene, size), (warm, 256)):
        os.makedirs(folder)
        write_scene(folder, side)
    runs = {v: [] for v in variants}
    for r in range(repeats):
        for variant in (variants if r % 2 == 0 else variants[::-1]):
            name, _, tree = variant.partition("@")
            env = dict(os.environ, SAR_CHANGE_SPEED_TREE=str(Path(tree).resolve() if tree else ROOT))
            done = subprocess.run([sys.executable, __file__, "--child", name, "--model", str(model_path),
                                   "--scene", scene, "--warm-scene", warm, "--blocks", str(block)],
                                  env=env, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"variant {variant} failed:\n{done.stderr[-2000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            runs[variant].append(result)
            print(f"round {r + 1}, {variant}: {size * size / result['wall'] / 1e6:.2f} MPix/s", flush=True)
    rows = ["| variant | runs | MPix/s median | quartiles | min | max | CPU s user + sys (median) | "
            "minor page faults (median) | peak RSS MiB (max) | output MB |", "|---|" + "---:|" * 9]
    for variant, results in runs.items():
        rate = np.array([size * size / x["wall"] / 1e6 for x in results])
        q1, q3 = np.percentile(rate, [25, 75])
        rows.append(f"| {variant} | {len(rate)} | {np.median(rate):.2f} | {q1:.2f}-{q3:.2f} | "
                    f"{rate.min():.2f} | {rate.max():.2f} | {np.median([x['user'] for x in results]):.2f} + "
                    f"{np.median([x['sys'] for x in results]):.2f} | "
                    f"{np.median([x['minflt'] for x in results]):.0f} | "
                    f"{max(x['rss'] for x in results):.0f} | "
                    f"{np.median([x['bytes'] for x in results]) / 1e6:.1f} |")
    return rows


def write_out(path, command, lines):
    """Append the printed ``lines`` to the markdown file ``path`` under a heading with the command, the UTC
    date and the commit (``git describe --always --dirty``)."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    path = Path(path)
    head = [] if path.exists() else [
        "# benchmarks/sar_to_optical_speed.py: recorded runs", "",
        "Appended by the script with `--out`; do not edit by hand. 2 cores (AMD EPYC), run under the shared "
        "CPU lock.", ""]
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    block = head + [f"## {when}, commit {commit}", "", f"`{command}`", ""] + lines + [""]
    with open(path, "a", encoding="utf-8") as f:
        f.write("\n".join(block) + "\n")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=2048, help="scene side for translate_raster (pixels)")
    ap.add_argument("--skip-training", action="store_true")
    ap.add_argument("--model", help="only time translate_raster on this exported model (e.g. the shipped "
                    "models/sar_to_optical.onnx), for each of --blocks")
    ap.add_argument("--blocks", default="1024", help="block sides for --model, pixels, comma-separated")
    ap.add_argument("--stages", action="store_true", help="with --model: wall and CPU seconds per stage of "
                    "one translate_raster run (the smallest of --blocks) instead of the speed rows")
    ap.add_argument("--repeats", type=int, help="with --model: this many rounds of one fresh process per "
                    "--variants entry, alternated; median, quartiles, min and max MPix/s per variant")
    ap.add_argument("--variants", default="plugin", help="with --repeats: comma-separated, among "
                    f"{', '.join(VARIANTS)}; NAME@TREE runs NAME with the code of the checkout TREE")
    ap.add_argument("--out", help="append the printed rows to this markdown file with the command, date and "
                    "commit (e.g. benchmarks/results/sar_to_optical_speed.md)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--scene", help=argparse.SUPPRESS)
    ap.add_argument("--warm-scene", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_run(args.child, args.model, args.scene, args.warm_scene, int(args.blocks))
        return 0
    t0 = time.perf_counter()
    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.extend(str(text).split("\n"))

    if args.model:
        blocks = sorted(int(b) for b in args.blocks.split(","))
        if args.repeats:
            say(f"### {args.model}: translate_raster on {args.size} x {args.size} px, block {blocks[0]}, "
                f"{args.repeats} rounds of one fresh process per variant, alternated\n")
            rows = protocol_rows(args.model, args.size, args.variants.split(","), args.repeats, blocks[0])
            say("\n".join(rows))
            say("\nVariants: " + "; ".join(f"{k}: {v}" for k, v in VARIANTS.items()
                                           if k in {x.partition('@')[0] for x in args.variants.split(',')}))
        else:
            what = f"block {blocks[0]}, per stage" if args.stages else "onnxruntime, 2 threads"
            say(f"### {args.model}: translate_raster on {args.size} x {args.size} px ({what})\n")
            say("\n".join(stage_rows(args.model, args.size, blocks[0]) if args.stages
                          else model_rows(args.model, args.size, blocks)))
    else:
        import torch

        torch.set_num_threads(2)
        if not args.skip_training:
            say("### Training step (batch 16 x 64 x 64 px, Adam, 2 threads)\n")
            say("\n".join(training_rows()))
        say(f"\n### Inference MPix/s (onnxruntime, 2 threads; translate_raster on {args.size} x {args.size} "
            "px)\n")
        rows, level = inference_rows(args.size)
        say("\n".join(rows))
        say(f"\ngraph optimisation level: {level}")
    say(f"\ntotal {time.perf_counter() - t0:.0f} s")
    if args.out:
        write_out(args.out, "python benchmarks/sar_to_optical_speed.py " + " ".join(
            sys.argv[1:] if argv is None else argv), lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
