"""Tenth-round probes of issue 15 that lost, and a check of the guard's firing rule: design seeds only.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_context_probes.py [--out benchmarks/results/change_context_probes]

Before the tenth round's candidate (``core.change.multiscale.fit`` with ``clip_sigmas`` and ``fdr``;
``benchmarks/change_context_design.py``) was written, these were measured on the simulator's design
seeds (``change_context_design.design_pairs``; never a protocol pair, never a shared pair):

- ``guard``: per pair, the kappa of the default's chain without its guard and of its fallback forced
  (the guard's reasons replaced by ``IN_TAIL`` for that fit only): how far the guard's choice is from
  the better of the two;
- ``mrf3 b<B>``: a Gaussian three-class MRF (decrease / none / increase) of the signed log ratio of
  the 3 x 3 means (the statistic the default's DI folds), classes fitted from the default's map (its
  changed pixels split by sign), Potts prior of weight B per agreeing 8-neighbour, 8 synchronous ICM
  sweeps (Besag 1986; the classic contextual classifier of a log-ratio DI, cf. Bruzzone & Prieto
  2000, ``core.change.mrf``), on every design pair;
- on the pairs whose guard falls back: fixed lower bars on the signed 9 x 9 / 15 x 15 means instead
  of the adjusted-boxplot fence of |mean| (Tukey's fences Q1 - 1.5 IQR / Q3 + 1.5 IQR; median +-
  3 or 3.5 x 1.4826 MAD), and the coarse means taken without the pixels the 5 x 5 fallback already
  flags (``mask``: the fence of |mean| or the Benjamini-Hochberg bar, ``core.change.fdr``).
"""
import sys
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_design as ccd  # noqa: E402
import change_detection as cd  # noqa: E402

from sar_change.core.change import fdr, multiscale, skewed_outliers  # noqa: E402
from sar_change.core.change import mrf as mrf_mod  # noqa: E402
from sar_change.core.change import unsupervised as us  # noqa: E402
from sar_change.core.engine.window_stats import local_mean  # noqa: E402

BETAS = (0.5, 1.0, 1.5)
SWEEPS = 8
SCALES = multiscale.SCALES


@contextmanager
def forced_fallback():
    """Within the block, the guard of ``us.fit_chain`` always falls back (a measuring device only)."""
    original = us.guard_reasons
    us.guard_reasons = lambda *args: (us.IN_TAIL,)
    try:
        yield
    finally:
        us.guard_reasons = original


def three_class_mrf(signed, initial, beta, sweeps=SWEEPS):
    """uint8 1 / 0 / 255 map of the Gaussian three-class Potts-ICM of ``signed`` (dB) from ``initial``."""
    valid = np.isfinite(signed)
    x = np.where(valid, signed, 0.0)
    labels = np.where(initial == us.CHANGED, np.where(x > 0, 1, 2), 0).astype(np.uint8)
    labels[~valid] = us.NODATA
    scores = []
    for c in (0, 1, 2):
        values = x[valid & (labels == c)]
        if values.size < 20:
            scores.append(np.full(x.shape, -1e9))
            continue
        sd = max(float(values.std()), 1e-3)
        prior = values.size / np.count_nonzero(valid)
        scores.append(-0.5 * ((x - values.mean()) / sd) ** 2 - np.log(sd) + np.log(prior))
    scores = np.stack(scores)
    for _ in range(sweeps):
        agree = np.stack([mrf_mod.neighbour_counts(np.where(labels == us.NODATA, us.NODATA,
                                                            labels == c).astype(np.uint8))[0]
                          for c in (0, 1, 2)])
        labels = np.argmax(scores + beta * agree, axis=0).astype(np.uint8)
        labels[~valid] = us.NODATA
    return np.where(labels == us.NODATA, us.NODATA, labels > 0).astype(np.uint8)


def tukey(values):
    q1, q3 = np.percentile(values, (25, 75))
    return q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)


def mad_bar(z):
    def bar(values):
        med, sigma = multiscale.robust_sigma(values)
        return med - z * sigma, med + z * sigma
    return bar


def fence_bar(values):
    fence = skewed_outliers.upper_fence(np.abs(values))
    return -fence, fence


def fdr_bar(values):
    med, sigma = multiscale.robust_sigma(values)
    fence = skewed_outliers.upper_fence(np.abs(values - med))
    cut = min(fence, fdr.cut(np.abs(values - med) / sigma, multiscale.FDR_Q) * sigma) if sigma > 0 else fence
    return med - cut, med + cut


#: Coarse bars of the fallback pairs: (name, bar of the signed means, means without the 5 x 5 map's pixels).
BARS = (("tukey", tukey, False), ("mad3", mad_bar(3.0), False), ("mad3.5", mad_bar(3.5), False),
        ("mask fence", fence_bar, True), ("mask fdr", fdr_bar, True))


def bar_kappa(signed, base, valid, ref, bar, masked):
    """Kappa of the 5 x 5 fallback map ``base`` joined by the coarse flags of ``bar``, 5 x 5 majority."""
    stat = np.where(base == us.CHANGED, np.nan, signed) if masked else signed
    flags = np.zeros(signed.shape, bool)
    for size in SCALES:
        mean = local_mean(stat, size)
        keep = valid & np.isfinite(mean) & ((base != us.CHANGED) if masked else True)
        lo, hi = bar(mean[keep])
        with np.errstate(invalid="ignore"):
            flags |= (mean < lo) | (mean > hi)
    out = base.copy()
    out[flags & (out != us.NODATA)] = us.CHANGED
    return cd.accuracy(us.majority_filter(out, multiscale.MAJORITY), ref)[1]


def main(argv=None):
    args, start, say, lines = ccd.begin(__doc__, argv)

    names = ["default", "chain", "fallback"] + [f"mrf3 b{b:g}" for b in BETAS] + [n for n, _, _ in BARS]
    say("Kappa per design pair (bars: fallback pairs only)")
    say(f"{'design pair':36s} fb " + " ".join(f"{n:>10s}" for n in names))
    rows, fell = [], []
    for d in ccd.design_pairs():
        p1, p2 = d.p1[0], d.p2[0]
        mask, fitted = us.detect(p1, p2, us.DEFAULT)
        chain, _ = us.detect(p1, p2, us.replace(us.DEFAULT, guard=False))
        with forced_fallback():
            forced, _ = us.detect(p1, p2, us.DEFAULT)
        signed = fitted.signed_image(p1, p2)
        row = [cd.accuracy(m, d.ref)[1] for m in (mask, chain, forced)]
        row += [cd.accuracy(three_class_mrf(signed, mask, b), d.ref)[1] for b in BETAS]
        if fitted.guard.fallback:
            di = fitted.difference_image(p1, p2)
            base = us.in_strips(fitted.fallback_model.labels, [di], fitted.fallback_model.margin)
            row += [bar_kappa(signed, base, np.isfinite(di), d.ref, bar, masked) for _, bar, masked in BARS]
        else:
            row += [np.nan] * len(BARS)
        rows.append(row)
        fell.append(fitted.guard.fallback)
        say(f"{d.name[:36]:36s} {int(fitted.guard.fallback):2d} " + " ".join(f"{v:10.3f}" for v in row))
    r, fell = np.array(rows), np.array(fell)
    for label, keep in (("all", np.ones(len(r), bool)), ("fallback pairs", fell), ("other pairs", ~fell)):
        say(f"{'mean, ' + label + ' (' + str(int(keep.sum())) + ')':39s} "
            + " ".join(f"{v:10.3f}" for v in np.mean(r[keep], axis=0)))
    say(f"{'largest loss vs default':39s} " + " ".join(f"{v:10.3f}" for v in np.nanmax(r[:, :1] - r, axis=0)))
    say(f"Guard: mean of the better of chain and fallback per pair {np.maximum(r[:, 1], r[:, 2]).mean():.3f} "
        f"against the guard's choice {r[:, 0].mean():.3f}")
    title = ("Tenth-round probes of the unsupervised default that lost, and the guard check: design "
             "seeds only")
    return ccd.finish(args, start, say, lines, title, "change_context_probes.py", argv)


if __name__ == "__main__":
    sys.exit(main())
