"""Fourteenth round (issue 15): coarse fences scaled by the speckle's effective number of samples.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_context_correlation.py \
        [--out benchmarks/results/change_context_correlation]

The twelfth round (``change_context_low_looks.py``) found a regime of pairs with spatially
correlated speckle (s9313, s9448, ...; the simulator's correlation up to 0.88 px) whose
fallback false alarms are as strong as the change. Hypothesis of the round: the coarse
windows' fences of the ``multiscale_boxplot`` fallback are too low there, because the mean of
a k x k window of correlated pixels holds fewer than k^2 independent samples.

Candidate (``neff scaled``, ``multiscale.fit(..., correlation_window=DI_WINDOW)``, off by
default): each coarse fence of the default's fallback multiplied by sqrt(excess), excess =
k^2 / n_eff of the fitted correlation of the signed statistic (lag-1 / lag-2 autocorrelation,
``core.change.effective_samples``) over k^2 / n_eff of white speckle seen through the
statistic's own 3 x 3 window, at least 1; the 5 x 5 fence and its MRF kept. Applied only where
the guard falls back.

A probe made before the rule (ad hoc, 19 low-looks fallback pairs, recorded below by this
script): the default's coarse fences are adjusted-boxplot fences of the coarse means' own
empirical distribution, so they already carry the correlation's variance: the robust sigma of
the 9 x 9 / 15 x 15 means is 1.1-1.5 x the correlation-aware prediction sd sqrt(k^2 / n_eff) / k
and 4-8 x the independent-pixel one, and the fitted lag-1 correlation (0.71-0.85) is dominated
by the statistic's 3 x 3 window and the scene's texture, not the speckle correlation. The
candidate therefore tests the issue's hypothesis directly; it is expected to raise the fences
on every pair, not on the correlated ones only.

Rule, written before the recorded run (the twelfth / thirteenth rounds' rule,
``change_context_low_looks.verdict``): the candidate becomes a protocol candidate only if its
mean over the low-looks fallback pairs rises by >= 0.01 over the default's, its mean over the 22
previous fallback design pairs is not below the default's, and no pair of either set loses more
than 0.05.

Outcome (benchmarks/results/change_context_correlation.md; README, fourteenth round): fails,
+0.011 on the low-looks fallback pairs, -0.020 on the previous 22, largest loss 0.308 (s5010); the
correlated pairs s9448 / s9313 lose (0.270 -> 0.230, 0.529 -> 0.508). No protocol run.
"""
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_dark as dark  # noqa: E402
import change_context_design as ccd  # noqa: E402
import change_detection as cd  # noqa: E402

from sar_change.core.change import effective_samples as es  # noqa: E402
from sar_change.core.change import multiscale  # noqa: E402
from sar_change.core.change import unsupervised as us  # noqa: E402
from sar_change.core.engine.window_stats import local_mean  # noqa: E402

CANDIDATES = ("neff scaled",)
RULE = ("Fourteenth-round rule (written before the run): the candidate is adopted if +0.01 on the low-looks "
        "fallback mean, no loss on the previous fallback design pairs' mean, no pair losing > 0.05")


def candidate_row(data, mask, fitted):
    """(kappas: default, CANDIDATES; probe text) of a fallen-back pair."""
    p1, p2, ref = data.p1[0], data.p2[0], data.ref
    signed = fitted.signed_image(p1, p2)
    coarse = multiscale.correlation_scaled(fitted.coarse, [signed], us.DI_WINDOW)
    variant = replace(fitted, coarse=coarse)
    scaled = us.in_strips(variant.labels, [p1, p2], variant.margin)
    kappas = [cd.accuracy(mask, ref)[1], cd.accuracy(scaled, ref)[1]]
    model = es.fit(signed)
    sd = float(np.nanstd(es.prepared(signed)))
    parts = [f"r1 {model.r1:.2f} r2 {model.r2:.2f} p {model.shape:.1f}"]
    for size, fence, new in zip(fitted.coarse.scales, fitted.coarse.fences, coarse.fences):
        means = local_mean(signed, size)
        means = means[np.isfinite(means)]
        emp = multiscale.robust_sigma(means)[1]
        pred = sd * np.sqrt(model.variance_factor(size)) / size
        parts.append(f"{size}: emp/pred {emp / pred:.2f} emp/indep {emp * size / sd:.1f} x{new / fence:.2f}")
    return kappas, " | ".join(parts)


def main(argv=None):
    args, start, say, lines = ccd.begin(__doc__, argv)
    say(RULE)
    say("Probe columns: lag-1 / lag-2 correlation and shape of the signed statistic; per coarse scale the "
        "robust sigma of its means over the correlation-aware and the independent-pixel predictions, and the "
        "candidate's fence factor")
    dark.both_sets(say, candidate_row, CANDIDATES)
    title = "Fourteenth round: coarse fences scaled by the effective number of samples (design seeds)"
    return ccd.finish(args, start, say, lines, title, "change_context_correlation.py", argv)


if __name__ == "__main__":
    sys.exit(main())
