"""Speed of the shipped learned-DI graph per onnxruntime call, as loaded, specialised and rewritten.

Usage (from the repository root; heavy: run it under the CPU lock):
    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/tiled_graph_speed.py [--tile 832] [--repeat 5]

Times ``session.run`` on one tile (batch 1, ``--tile`` pixels a side: 832 is the streamed learned
DI's 768 px block with its 32 px halo) of random dB images and a DEM, for these graph variants:
the general graph (conditions fed); the conditions folded into the graph (constants); folded
with the edits ``models.tiled_inference.fold_inputs`` makes (``models.onnx_rewrite``: identity
1x1 convolutions before the skip concatenations where onnxruntime can then keep them in its
blocked layout, and the images' NaN guard bypassed); those plus the k x k stride-k transposed
convolutions rewritten as 1x1 convolutions + DepthToSpace; and the graph ``TiledModel.specialised``
runs: the folded one optimised by onnxruntime with the edits of ``tiled_inference.cpu_optimised``
(up-sampling and skip concatenations in the blocked layout, loaded without further optimisation).
Printed per variant: median seconds per tile over ``--repeat`` runs after one warm-up, MPix/s
of the tile, and the largest absolute difference from the folded graph's output (dB).
``--threads``: onnxruntime intra-op threads (2, as the plugin).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))

from sar_change.core.learned_di.pipeline import condition_array, open_model, parse_conditions  # noqa: E402
from sar_change.models import onnx_rewrite  # noqa: E402
from sar_change.models.tiled_inference import TiledModel, fold_inputs  # noqa: E402

CONDITIONS = "\n".join(
    f"date={d}, platform=S1A, orbit_direction=ascending, heading_deg=349, mean_incidence_deg=37.5, "
    "temperature_c=2, precip_mm=0, precip_3day_mm=0, snow_depth_m=0"
    for d in ("2020-01-01", "2020-01-13", "2020-01-25", "2020-02-06", "2020-02-18"))


def timed(session, feed, repeat):
    session.run(None, feed)
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = session.run(None, feed)[0]
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", type=int, default=832)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    general = open_model(None, threads=args.threads)
    cond = condition_array(parse_conditions(CONDITIONS, 5))
    rng = np.random.default_rng(0)
    t = args.tile
    feed = {"images": rng.normal(-12.0, 4.0, (1, 8, t, t)).astype(np.float32),
            "dem": rng.uniform(0.0, 900.0, (1, 1, t, t)).astype(np.float32)}

    def variant(*edits):
        proto = onnx_rewrite.fold_inputs(onnx_rewrite.load(general._model), {"conditions": cond[None]})
        for edit in edits:
            edit(proto)
        return TiledModel(proto.SerializeToString(), threads=args.threads).session

    def finite(proto):
        onnx_rewrite.skip_nan_guards(proto, set(general.image_inputs))

    folded = fold_inputs(general._model, {"conditions": cond[None]}, finite=general.image_inputs)
    specialised = general.specialised({"conditions": cond})
    rows = [("general (conditions fed)", general.session, dict(feed, conditions=cond[None])),
            ("conditions folded", variant(), feed),
            ("folded + blocked concatenations + no image NaN guard (fold_inputs)",
             TiledModel(folded, threads=args.threads).session, feed),
            ("specialised + sub-pixel up-sampling (1x1 conv + DepthToSpace)",
             variant(onnx_rewrite.nchwc_concat_inputs, finite, onnx_rewrite.conv_transpose_as_depth_to_space),
             feed),
            ("specialised (fold_inputs + cpu_optimised)"
             + ("" if specialised._optimised else ": cpu_optimised not applied"), specialised.session, feed)]
    print(f"| graph ({t} x {t} tile, batch 1, {args.threads} threads) | s per tile | MPix/s | "
          "max abs difference from folded (dB) |")
    print("|---|---|---|---|")
    timings = [(name,) + timed(session, values, args.repeat) for name, session, values in rows]
    reference = timings[1][2]
    for name, seconds, out in timings:
        print(f"| {name} | {seconds:.3f} | {t * t / 1e6 / seconds:.2f} | "
              f"{float(np.abs(out - reference).max()):.2e} |", flush=True)


if __name__ == "__main__":
    main()
