"""The optional exclusion mask of the unsupervised change chain on the low-looks design pairs (issue 15).

Usage (from the repository root):
    .venv/bin/python benchmarks/change_exclusion.py [--out benchmarks/results/change_exclusion]

A feature, not a default choice: no rule decides anything here, the table reports what
a user's permanent-water mask (e.g. JRC Global Surface Water; Twele et al. 2016 mask
reference water in operational flood mapping) does to the default chain
(``unsupervised.DEFAULT`` with ``detect(..., exclude=mask)``, ``core.change.exclusion``:
the excluded pixels are no data for every statistic and window, then written unchanged).

Pairs: the low-looks design pairs of the twelfth round (``change_context_low_looks.
low_looks_pairs``'s selection of seeds 9300-9499: amplitude, <= 3 looks, 0.5-3 %
changed; design seeds only, never a protocol or shared pair), simulated once with their
land cover (``change_pairs.simulate_pair(..., with_classes=True)``, the same pair as
``change_detection.simulated_pair``). Permanent water = water on both dates. Per pair
the kappa of the default with

- ``none``: no mask;
- ``true``: the simulator's permanent-water mask;
- ``post hoc``: no mask for the fit, the true mask's pixels set unchanged afterwards
  (the thirteenth round's oracle; does leaving water out of the statistics add anything?);
- ``dil2 -10%`` / ``ero2 -10%``: a realistic degraded mask: whole water blobs
  (8-connected components, in an order drawn with the pair's seed) left out while the
  area left out stays within ``MISSING`` of the water area (ponds a reference mask
  misses), the rest dilated / eroded by ``MARGIN`` px (a mask of another resolution or
  date). A first run dropped 10 % of the blobs (at least one) instead: as most of a
  pair's water is one or two large blobs, that left out 74-100 % of the water area on 17
  of 25 pairs (not a mask a user would give), so the area bound replaced it before the
  recorded run.

Reported: water share of the scene, whether the guard falls back without a mask, the share
of the water area the degraded masks miss, means over all pairs and over the fallback pairs,
how many pairs gain or lose more than 0.005 against ``none``, the largest loss and gain.
"""
import sys
from pathlib import Path

import numpy as np
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_design as ccd  # noqa: E402
import change_context_low_looks as ll  # noqa: E402
import change_detection as cd  # noqa: E402

from sar_change.core.change import unsupervised as us  # noqa: E402

MARGIN = 2
MISSING = 0.10
COLUMNS = ("none", "true", "post hoc", "dil2 -10%", "ero2 -10%")
EIGHT = np.ones((3, 3), bool)


def pairs_with_water():
    """(Dataset, permanent-water mask, seed) of the low-looks design pairs (module docstring)."""
    from sar_change.core.simulator import change_pairs as cp

    out = []
    for seed in cd.LOW_LOOKS_DESIGN_SEEDS:
        spec = cp.random_spec(seed)
        if not (spec.storage == cp.AMPLITUDE and max(spec.looks) <= ll.MAX_LOOKS
                and ll.CHANGED[0] <= spec.fraction <= ll.CHANGED[1]):
            continue
        pair, c1, c2 = cp.simulate_pair(spec, with_classes=True)
        p1, p2 = pair.power(cd.DN_FLOOR)
        data = cd.Dataset("sim " + pair.spec.name(), p1[None], p2[None], pair.truth.astype(np.uint8))
        out.append((data, (c1 == cp.WATER) & (c2 == cp.WATER), seed))
    return out


def degraded(water, seed, grow):
    """(mask, share of the water area left out): blobs dropped within ``MISSING`` of it, the rest dilated
    (``grow`` > 0) or eroded (< 0) by ``abs(grow)`` px."""
    blobs, n = ndimage.label(water, structure=EIGHT)
    sizes = np.bincount(blobs.ravel(), minlength=n + 1)
    budget, dropped = MISSING * water.sum(), []
    for blob in np.random.default_rng(seed).permutation(np.arange(1, n + 1)):
        if sizes[dropped].sum() + sizes[blob] <= budget:
            dropped.append(blob)
    kept = water & ~np.isin(blobs, dropped)
    missing = 1.0 - kept.sum() / max(water.sum(), 1)
    op = ndimage.binary_dilation if grow > 0 else ndimage.binary_erosion
    return op(kept, iterations=abs(grow)) if grow and kept.any() else kept, float(missing)


def row(data, water, seed):
    """(kappas of COLUMNS, guard fell back without a mask, share of water missing in the degraded masks,
    probe text: the guard's fallback (1) or the chain's map (0) with each mask, the share of the changed
    pixels the true and dilated masks cover)."""
    p1, p2, ref = data.p1[0], data.p2[0], data.ref
    plain, fitted = us.detect(p1, p2)
    masked, fitted_true = us.detect(p1, p2, exclude=water)
    kappas = [cd.accuracy(plain, ref)[1], cd.accuracy(masked, ref)[1]]
    post = plain.copy()
    post[(post == 1) & water] = 0
    kappas.append(cd.accuracy(post, ref)[1])
    fell, covered = [fitted.guard.fallback, fitted_true.guard.fallback], [np.mean(water[ref == 1])]
    for grow in (MARGIN, -MARGIN):
        mask, missing = degraded(water, seed, grow)
        out, fitted_mask = us.detect(p1, p2, exclude=mask)
        kappas.append(cd.accuracy(out, ref)[1])
        fell.append(fitted_mask.guard.fallback)
        covered.append(np.mean(mask[ref == 1]))
    text = "fb " + "".join(str(int(f)) for f in fell) + " | changed covered " + " / ".join(
        f"{100 * c:4.1f}" for c in covered[:2]) + " %"
    return kappas, bool(fitted.guard.fallback), missing, text


def summary(say, label, r):
    """Mean, worst, pairs gaining / losing > 0.005 against ``none`` and the extremes, over rows ``r``."""
    say(f"{label:50s}" + " ".join(f"{v:10.3f}" for v in r.mean(0)))
    say(f"{'  worst':50s}" + " ".join(f"{v:10.3f}" for v in r.min(0)))
    diff = r[:, 1:] - r[:, :1]
    say(f"{'  pairs gaining > 0.005 / losing > 0.005':50s}{'':10s} "
        + " ".join(f"{f'{g} / {lo}':>10s}" for g, lo in zip((diff > 0.005).sum(0), (diff < -0.005).sum(0))))
    say(f"{'  largest gain / largest loss':50s}{'':10s} "
        + " ".join(f"{f'{g:+.3f}/{lo:+.3f}':>10s}" for g, lo in zip(diff.max(0), diff.min(0))))


def main(argv=None):
    args, start, say, lines = ccd.begin(__doc__, argv)
    seeds = cd.LOW_LOOKS_DESIGN_SEEDS
    say(f"Default chain {us.DEFAULT.name()} with an exclusion mask; low-looks design pairs (seeds "
        f"{seeds.start}-{seeds.stop - 1}); kappa; fb: the guard falls back without a mask; miss: share of "
        f"the water area the degraded masks leave out (whole blobs, at most {100 * MISSING:g} %)")
    say("probe: fb with none / true / dil2 / ero2 (1: the guard's fallback made the map, 0: the chain's); "
        "share of the changed pixels inside the true / dilated mask (excluded, so missed)")
    say(f"{'design pair':34s}{'water%':>7}{'fb':>3}{'miss%':>6}" + " ".join(f"{c:>10s}" for c in COLUMNS))
    rows, fell = [], []
    for data, water, seed in pairs_with_water():
        kappas, fallback, missing, text = row(data, water, seed)
        rows.append(kappas)
        fell.append(fallback)
        say(f"{data.name[4:]:34s}{100 * water.mean():7.2f}{int(fallback):3d}{100 * missing:6.1f}"
            + " ".join(f"{v:10.3f}" for v in kappas) + "  " + text)
    r, fell = np.array(rows), np.array(fell)
    say()
    summary(say, f"mean, all ({len(r)})", r)
    summary(say, f"mean, fallback pairs ({fell.sum()})", r[fell])
    summary(say, f"mean, chain pairs ({(~fell).sum()})", r[~fell])
    title = "Exclusion mask (permanent water) on the low-looks design pairs"
    return ccd.finish(args, start, say, lines, title, "change_exclusion.py", argv)


if __name__ == "__main__":
    sys.exit(main())
