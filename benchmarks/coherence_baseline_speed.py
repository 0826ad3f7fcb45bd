"""Speed of a coherence model that takes the temporal baseline: general graph vs the baseline fixed in it.

    flock /tmp/sar_cpu.lock .venv/bin/python benchmarks/coherence_baseline_speed.py [--size 1024]

The shipped model does not take the baseline (its card: use_baseline False), so this builds one of the
shipped architecture with the baseline input (random weights: speed does not depend on them), exports
it, and times whole-image tiled inference (2 threads) of a --size square image, the baseline fed with
every tile ('general') and fixed in the graph (``TiledModel.specialised``), best of --repeats; prints
MPix/s and the largest output difference. Measured (2026-12-02, 1024 px): general 16.57, fixed 13.41
MPix/s (0.81x: the fixed graph runs one tile per call, and the baseline is one constant stem channel,
nothing to fold into the convolutions), difference 0; so the plugin feeds the baseline instead.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".plugins"))

from sar_change.models.coherence import config as cfg  # noqa: E402
from sar_change.models.coherence import inference, schema  # noqa: E402


def best_mpix(model, feed, size, repeats):
    model.predict({k: (v[:, :64, :64] if k == schema.INPUT_IMAGES else v) for k, v in feed.items()})
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        out = model.predict(feed)
        best = min(best, time.perf_counter() - t)
    return size * size / 1e6 / best, out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--days", type=float, default=12.0)
    args = p.parse_args(argv)
    import torch

    from sar_change.models.coherence import export
    from sar_change.models.coherence.architecture import CoherenceUNet

    torch.manual_seed(0)
    net = CoherenceUNet(use_baseline=True, **{k: v for k, v in cfg.NETWORK.items() if k != "use_baseline"})
    rng = np.random.default_rng(0)
    images = (-12.0 + 5.0 * rng.standard_normal((2, args.size, args.size))).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "baseline.onnx")
        export.export_onnx(net.eval(), path)
        model = inference.open_model(path, threads=2)
        extra = {schema.INPUT_BASELINE: np.array([args.days], np.float32)}
        fixed = model.specialised(extra)
        feed = {schema.INPUT_IMAGES: images, **extra}
        general, out_general = best_mpix(model, feed, args.size, args.repeats)
        folded, out_fixed = best_mpix(fixed, feed, args.size, args.repeats)
    print(f"{args.size} x {args.size} px, 2 threads, best of {args.repeats}: general {general:.2f} MPix/s, "
          f"baseline fixed in the graph {folded:.2f} MPix/s ({folded / general:.2f}x); largest output "
          f"difference {np.abs(out_fixed - out_general).max():.2e}")


if __name__ == "__main__":
    main()
