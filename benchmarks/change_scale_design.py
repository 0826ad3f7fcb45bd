"""Should the unsupervised default's spatial scale follow the pair's ENL? Measured on design seeds only.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_scale_design.py

Issue 15 asks whether the default chain's window or MRF weight should follow
the pair's estimated equivalent number of looks (ENL: fewer looks, noisier
difference image, more spatial context). This script measures, on the
simulator's DESIGN seeds (``change_detection.DESIGN_SEEDS`` and
``INJ_DESIGN_SEEDS``: never a protocol pair, never a shared pair), the kappa
of the default chain (``core.change.unsupervised.DEFAULT``) when

- the window of the difference image's means (``unsupervised.DI_WINDOW``,
  3 x 3 in the default; set for the run and restored) is 3, 5 or 7 pixels;
- the PCA-KMeans block side h (``ChainConfig.size``) is 3, 5, 7 or 9 pixels;
- the Potts weight of the MRF (``ChainConfig.mrf_beta``) is 0.75, 1.5, 2.25
  or 3.0;

beside the pair's ENL (harmonic mean of the two images' ENL,
``core.speckle.enl``) and the oracle kappa of the 5 x 5 mean DI at each
window (the best threshold with the truth: reported, never used to choose).
A rule "scale from the ENL" would show larger windows or weights winning on
the low-ENL pairs and losing on the high-ENL ones; the printed table is what
the README quotes.
"""
import sys
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_detection as cd  # noqa: E402

from sar_change.core.change import unsupervised as us  # noqa: E402
from sar_change.core.engine.window_stats import local_mean  # noqa: E402

WINDOWS = (3, 5, 7)
SIZES = (3, 5, 7, 9)
BETAS = (0.75, 1.5, 2.25, 3.0)


def design_pairs():
    """The simulator's design pairs as benchmark Datasets (change_pairs seeds, then injected seeds)."""
    return ([cd.simulated_pair(seed, design=True) for seed in cd.DESIGN_SEEDS]
            + [cd.injected_pair(seed, design=True) for seed in cd.INJ_DESIGN_SEEDS])


@contextmanager
def di_window(size):
    """Run the chains with ``size`` x ``size`` means in the difference image (module constant)."""
    saved = us.DI_WINDOW
    us.DI_WINDOW = size
    try:
        yield
    finally:
        us.DI_WINDOW = saved


def kappa_of(config, data):
    """(kappa, guard fell back) of ``config`` on a Dataset."""
    mask, fitted = us.detect(data.p1[0], data.p2[0], config)
    return cd.accuracy(mask, data.ref)[1], bool(fitted.guard and fitted.guard.fallback)


def main():
    start = time.perf_counter()
    pairs = design_pairs()
    head = (f"{'design pair':36s}{'chg %':>6}{'ENL':>6} | "
            + " ".join(f"{'DI ' + str(w):>11}" for w in WINDOWS)
            + " | " + " ".join(f"{'h ' + str(h):>7}" for h in SIZES)
            + " | " + " ".join(f"{'b ' + str(b):>7}" for b in BETAS))
    print("kappa of the default (F: the guard fell back); DI w: oracle / kappa with w x w means")
    print(head)
    rows = []
    for d in pairs:
        looks = 2.0 / (1.0 / cd.image_enl(d.p1[0]) + 1.0 / cd.image_enl(d.p2[0]))
        cells, row = [], []
        for w in WINDOWS:
            with di_window(w):
                offset = us.centre_offset_db(us.DEFAULT, [d.p1[0]], [d.p2[0]])
                di = us.change_index(us.DEFAULT.di, us.scale_first_image(d.p1[0], offset), d.p2[0])
                oracle = cd.oracle_kappa(local_mean(di, us.OUTLIER_WINDOW), d.ref)
                k, fb = kappa_of(us.DEFAULT, d)
            cells.append(f"{oracle:.3f}/{k:.3f}{'F' if fb else ' '}")
            row.append(k)
        for config in [replace(us.DEFAULT, size=h) for h in SIZES] + [replace(us.DEFAULT, mrf_beta=b)
                                                                     for b in BETAS]:
            k, fb = kappa_of(config, d)
            cells.append(f"{k:.3f}{'F' if fb else ' '}  ")
            row.append(k)
        rows.append([looks] + row)
        changed = 100.0 * np.count_nonzero(d.ref == 1) / np.count_nonzero(d.ref != 2)
        groups = np.split(np.array(cells, object), np.cumsum([len(WINDOWS), len(SIZES)]))
        print(f"{d.name[:36]:36s}{changed:6.2f}{looks:6.2f} | " + " | ".join(" ".join(g) for g in groups),
              flush=True)
    r = np.array(rows)
    low = r[:, 0] < np.median(r[:, 0])
    for label, sel in (("all", np.ones(len(r), bool)), ("ENL below median", low), ("ENL above median", ~low)):
        means = np.split(r[sel, 1:].mean(0), np.cumsum([len(WINDOWS), len(SIZES)]))
        groups = zip(("DI window", "h", "beta"), (WINDOWS, SIZES, BETAS), means)
        print(f"mean kappa, {label} ({sel.sum()} pairs): "
              + " | ".join(f"{name} " + " ".join(f"{p:g}: {v:.3f}" for p, v in zip(values, m))
                           for name, values, m in groups))
    print(f"Total {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
