"""How much can the guard's decision (chain's map or fallback's map) add? Design pairs only.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_guard_decision.py [--out benchmarks/results/change_guard_decision]

Issue 15, fifteenth round. The guard of the default chain (``core.change.unsupervised.
GUARD_RULE``) keeps the chain's map or replaces it by the fallback's. Fourteen rounds
changed the fallback's threshold; this one asks whether the decision itself is worth
changing. Per design pair (the 44 ``change_context_design.design_pairs``, the 34
``failure_kind_pairs`` of seeds 7000-7999 and the 25 ``change_context_low_looks.
low_looks_pairs`` of seeds 9300-9499; never a protocol pair of ``change_detection.py``
nor a shared pair) the default chain (``unsupervised.DEFAULT``) is fitted as it is and
once more with its guard forced to fall back (``guard_reasons`` replaced for that fit
only, so the fallback's map is the one the chain would give had the guard fired), and
the table gives the kappa of

- ``chain``: the chain's own map (``FittedChain.chain_labels``, no guard);
- ``fallback``: the fallback's map (multi-scale adjusted-boxplot rule, MRF-regularised);
- ``default``: the map the guard picked (``fb`` 1: the fallback's);
- ``oracle``: per pair the better of the two (truth used: reported only, a bound on
  what any guard decision can reach with these two maps).

The oracle guard's gain over the default on the mean of all design pairs decides
whether a round on the decision is worth running: below +0.01, it stops here.

First run (benchmarks/results/change_guard_decision.md, commit 9a4220b): the oracle adds
+0.010 (0.713 -> 0.723, 1.04 kappa summed over 103 pairs); the guard never falls back
where the chain's map is better, and keeps the chain's map on 12 pairs where the
fallback's is better by more than 0.01 (10 of them statistical changes at 4 looks).

Rule, written and committed before any candidate below was computed: a candidate
decision adds one reason to fall back where the default keeps the chain's map (it
never keeps a map the default replaces); it passes when the mean kappa of the 103
design pairs rises by >= +0.01 over the default's and no design pair loses more than
0.05; fallback-pair and chain-pair means and the pairs it flips are reported. As the
oracle bound is +0.0101, passing needs nearly every one of the 12 flips and no other.
Candidates (label-free, fixed thresholds from the statistics, not fitted; ``core.change.
guard_stats``), each evaluated on the fitting sample as the guard is:

- ``share ratio``: the chain calls more than ``SHARE_RATIO`` (2) times the fallback's
  changed share while the separation is not confident (Sarle's coefficient <= 5/9 or
  Ashman's D <= 2): without a second mode, the chain's extra pixels lie in the body's
  tail that the fallback's outlier fence leaves out;
- ``fragments``: more than half of the chain's changed pixels lie in 8-connected
  components smaller than the 5 x 5 window the guard's statistics use (25 px):
  speckle false alarms, not the compact changes the fallback and its MRF keep;
- ``dark``: more than 2 x 10 % of the chain's changed pixels lie where the brighter
  date's 5 x 5 mean intensity is in the scene's darkest decile (low signal on both
  dates, where a noise floor widens the log ratio; under multiplicative speckle alone
  false alarms are spread evenly over intensity, 10 % in any decile).

Second run (commit 97a0279): all three fail (0.701, 0.713, 0.709 against 0.713); README.md,
fifteenth round.
"""
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_design as ccd  # noqa: E402
import change_context_low_looks as ll  # noqa: E402
import change_detection as cd  # noqa: E402
from change_context_probes import forced_fallback  # noqa: E402

from sar_change.core.change import guard_stats as gs  # noqa: E402
from sar_change.core.change import unsupervised as us  # noqa: E402

#: The oracle guard must add at least this much to the mean kappa of all design pairs.
ROOM = 0.01


def families():
    """(family name, list of Datasets) of the design pairs (module docstring)."""
    return (("design", ccd.design_pairs()), ("failure kind", ccd.failure_kind_pairs()),
            ("low looks", [d for d, _ in ll.low_looks_pairs()]))


def pair_row(data, config=us.DEFAULT):
    """(kappa of the chain's map, of the fallback's map, the guard fell back, FittedChain, the candidates'
    statistics: share ratio, fragment share, dark share) of a pair (the whole pair is the fitting sample)."""
    p1, p2, ref = data.p1[0], data.p2[0], data.ref
    mask, fitted = us.detect(p1, p2, config)
    chain = us.in_strips(fitted.chain_labels, [p1, p2], fitted.margin)
    if fitted.guard.fallback:
        fallback = mask
    else:
        with forced_fallback():
            fallback, _ = us.detect(p1, p2, config)
    stats = (gs.share_ratio(chain, fallback), gs.fragment_share(chain), gs.dark_share(p1, p2, chain))
    return (cd.accuracy(chain, ref)[1], cd.accuracy(fallback, ref)[1], bool(fitted.guard.fallback), fitted,
            stats)


def candidate_fires(fitted, stats):
    """Whether each of ``CANDIDATES`` adds a reason to fall back (module docstring)."""
    ratio, fragments, dark = stats
    return (gs.share_ratio_fires(ratio, fitted.guard.confidence == "confident"), gs.fragments_fire(fragments),
            gs.dark_fires(dark))


CANDIDATES = ("share ratio", "fragments", "dark")


def candidate_table(say, r, fell, fires):
    """Each candidate's kappas (the fallback's map where it or the default's guard fires) against the rule."""
    say("Candidates (rule in the module docstring, written before they were computed); flips: chain pairs "
        "whose map they replace")
    say(f"{'':32s}" + "".join(f"{c:>9s}" for c in ("all", "fb pairs", "ch pairs", "gain", "max loss", "flips",
                                                     "helped")) + "  verdict")
    default = r[:, 2]
    for i, name in enumerate(CANDIDATES):
        pick = np.where(fell | fires[:, i], r[:, 1], r[:, 0])
        loss = float(np.max(default - pick))
        gain = float(pick.mean() - default.mean())
        flips = ~fell & fires[:, i]
        helped = int(np.sum(flips & (r[:, 1] > r[:, 0] + 0.01)))
        passes = gain >= ROOM and loss <= 0.05
        say(f"{name:32s}{pick.mean():9.3f}{pick[fell].mean():9.3f}{pick[~fell].mean():9.3f}{gain:+9.3f}"
            f"{loss:9.3f}{flips.sum():9d}{helped:9d}  " + ("PASSES" if passes else "fails"))


def summary(say, label, k):
    """Mean of chain / fallback / default / oracle over rows ``k`` (columns as in ``pair_row``)."""
    say(f"{label:44s}" + " ".join(f"{v:9.3f}" for v in k.mean(0)))


def main(argv=None):
    args, start, say, lines = ccd.begin(__doc__, argv)
    say(f"Default chain {us.DEFAULT.name()}; kappa of the chain's map, of the fallback's map, of the map the "
        "guard picked (fb 1: the fallback's) and the oracle guard (the better of the two; truth used, "
        "reported only); chg %: changed share of the truth")
    say("Candidates' statistics (label-free): ratio: chain's changed share / fallback's; conf: separation "
        "confidence; frag: share of the chain's changed pixels in components < "
        f"{gs.FRAGMENT_PIXELS} px; dark: share in the darkest decile of the brighter date; fires: 1 per "
        "candidate (share ratio, fragments, dark)")
    say(f"{'design pair':34s}{'chg %':>6}{'fb':>3}{'chain':>9}{'fallback':>9}{'default':>9}{'oracle':>9}"
        f"{'regret':>9}{'ratio':>8}{'conf':>10}{'frag':>6}{'dark':>6}{'fires':>6}")
    rows, fam, fell, fires = [], [], [], []
    for name, pairs in families():
        for data in pairs:
            k_chain, k_fb, fallback, fitted, stats = pair_row(data)
            picked = k_fb if fallback else k_chain
            rows.append([k_chain, k_fb, picked, max(k_chain, k_fb)])
            fam.append(name)
            fell.append(fallback)
            fires.append(candidate_fires(fitted, stats))
            changed = 100.0 * np.count_nonzero(data.ref == 1) / np.count_nonzero(data.ref != 2)
            say(f"{data.name[4:36]:34s}{changed:6.2f}{int(fallback):3d}"
                + "".join(f"{v:9.3f}" for v in rows[-1]) + f"{rows[-1][3] - picked:9.3f}"
                + f"{stats[0]:8.2f}{fitted.guard.confidence:>10s}{stats[1]:6.2f}{stats[2]:6.2f}   "
                + "".join(str(int(f)) for f in fires[-1]))
    r, fam, fell, fires = np.array(rows), np.array(fam), np.array(fell), np.array(fires)
    say()
    say(f"{'':44s}" + "".join(f"{c:>9s}" for c in ("chain", "fallback", "default", "oracle")))
    summary(say, f"mean, all design pairs ({len(r)})", r)
    for name, _ in families():
        summary(say, f"  {name} ({np.sum(fam == name)})", r[fam == name])
    summary(say, f"  fallback pairs ({fell.sum()})", r[fell])
    summary(say, f"  chain pairs ({(~fell).sum()})", r[~fell])
    say(f"{'worst':44s}" + " ".join(f"{v:9.3f}" for v in r.min(0)))
    wrong_fb = fell & (r[:, 0] > r[:, 1] + 0.01)
    wrong_chain = ~fell & (r[:, 1] > r[:, 0] + 0.01)
    say(f"Guard picked the worse map by more than 0.01 on {wrong_fb.sum()} fallback pairs (chain better; "
        f"regret sum {np.sum(r[wrong_fb, 3] - r[wrong_fb, 2]):.3f}) and {wrong_chain.sum()} chain pairs "
        f"(fallback better; regret sum {np.sum(r[wrong_chain, 3] - r[wrong_chain, 2]):.3f})")
    room = r[:, 3].mean() - r[:, 2].mean()
    say(f"Oracle guard over the default, mean of all design pairs: {room:+.3f} "
        + (f"(>= +{ROOM:g}: room for a round on the decision)" if room >= ROOM else
           f"(< +{ROOM:g}: no round on the decision)"))
    say()
    candidate_table(say, r, fell, fires)
    title = "The guard's decision on the design pairs: chain's map, fallback's map, oracle"
    return ccd.finish(args, start, say, lines, title, "change_guard_decision.py", argv)


if __name__ == "__main__":
    sys.exit(main())
