"""Sixteenth round (issue 15): the cumulant KL divergence as the default chain's DI. Design pairs only.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_kl_design.py [--out benchmarks/results/change_kl_design]

The fifteenth round (change_guard_decision.md) found the default's losses are its misses on
statistical changes at ~4 looks (a region's values quantile-mapped onto another class's
histogram, ``core.change.injection.statistical_change``): a change of the local distribution
that a ratio of local means sees weakly. The cumulant-based KL divergence of Inglada & Mercier
(2007, ``core.change.difference.cumulant_kl_divergence``) compares the local pdfs of the
log-intensity (mean, spread and, with them, skewness and kurtosis).

Pairs: the 103 design pairs of ``change_guard_decision.families`` (44 ``change_context_design.
design_pairs``, the failure-kind pairs of seeds 7000-7999, 25 ``change_context_low_looks`` pairs);
never a protocol pair of ``change_detection.py`` nor a shared pair.

Rule, written and committed before any candidate below was scored: a candidate passes when the
mean kappa over the 103 design pairs is >= the default's + 0.01 (the default scored 0.713 in the
fifteenth round; it is recomputed here by the same code) and no design pair loses more than 0.05
against the default; the "inj statistical" pairs are reported separately (they do not decide).
Only a passing candidate goes to the leave-one-out protocol of ``change_detection.py``.

Candidates (two, fixed before scoring): the default chain (``unsupervised.DEFAULT``: PCA-KMeans
h=5 S=3 + MRF, multi-scale boxplot fallback, DI-median centring, guard) with its DI |LMR3|
replaced by the symmetrised cumulant KL divergence (nats) of a 7 x 7 window (``KL7``) or of a
9 x 9 window (``KL9``); everything else unchanged (the centring and the multi-scale fallback keep
the log ratio of the 3 x 3 means as their signed statistic, as the chain does for its other
unfolded DIs). The DI kinds are added to ``core.change.unsupervised`` for this script only
(``extra_dis``), not offered by the product.

Also reported (truth used, reporting only): the oracle-threshold kappa of each DI, |LMR3|, KL7 and
KL9: per pair the best kappa of a single global threshold on the DI (every cut between sorted
values), a bound on what any threshold of that DI alone reaches.

First run (benchmarks/results/change_kl_design.md, commit d45df5c, 92 s): both fail, by far.
Mean kappa 0.713 default, 0.111 KL7, 0.131 KL9 (statistical pairs 0.709 / 0.171 / 0.204); every
pair loses more than 0.05; the KL chains never fall back (default: 41 pairs). Oracle threshold:
|LMR3| 0.526, KL7 0.181, KL9 0.206 (better than |LMR3| on 4 and 6 of the 103 pairs). The fourth-
order Edgeworth terms are not monotonic in a strong change: the divergence dips below zero and is
clipped to 0 inside strong changes, while the noisy sample skewness and kurtosis of 49-81 pixels
give the unchanged class a heavy tail. No protocol run; README.md, sixteenth round.
"""
import contextlib
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_design as ccd  # noqa: E402
import change_detection as cd  # noqa: E402
from change_guard_decision import families  # noqa: E402

from sar_change.core.change import difference as dif  # noqa: E402
from sar_change.core.change import unsupervised as us  # noqa: E402

#: The candidate's mean kappa must exceed the default's by this much, with no pair losing more than LOSS.
GAIN = 0.01
LOSS = 0.05
#: Candidate DI kinds -> KL window (pixels).
KL_WINDOWS = {"kl7": 7, "kl9": 9}


def score_chains(say, configs, seconds=None):
    """Fit every chain of ``configs`` (name -> ChainConfig, the default first) on every design pair and
    print a row per pair: (names, kappa (pairs x chains), statistical-pair flags, flags of the pairs
    where the first chain's guard fell back). ``seconds``: optional dict, filled with name -> list of
    (wall seconds of ``detect``, pixels) per pair."""
    names = list(configs)
    say("; ".join(f"{n}: {c.name()}" for n, c in configs.items()))
    say("kappa of each chain's map (guard included), fb: its guard fell back")
    say(f"{'design pair':34s}" + "".join(f"{n:>9s}{'fb':>3s}" for n in names))
    kap, stat, fell = [], [], []
    for _, pairs in families():
        for data in pairs:
            row, fbs = [], []
            for config in configs.values():
                start = time.perf_counter()
                mask, fitted = us.detect(data.p1[0], data.p2[0], config)
                if seconds is not None:
                    seconds.setdefault(names[len(row)], []).append((time.perf_counter() - start,
                                                                    data.p1[0].size))
                row.append(cd.accuracy(mask, data.ref)[1])
                fbs.append(int(fitted.guard.fallback))
            kap.append(row)
            stat.append("inj statistical" in data.name)
            fell.append(bool(fbs[0]))
            say(f"{data.name[4:36]:34s}" + "".join(f"{k:9.3f}{f:3d}" for k, f in zip(row, fbs)))
    return names, np.array(kap), np.array(stat), np.array(fell)


def guard_groups(kap, stat, fell):
    """(label, pair selection) groups of a round that splits the design pairs by the default's guard:
    all pairs, those where it fell back, those where it kept its map, the "inj statistical" pairs."""
    return ((f"mean, all design pairs ({len(kap)})", slice(None)),
            (f"  default fell back ({fell.sum()})", fell),
            (f"  default kept its map ({(~fell).sum()})", ~fell),
            (f"  inj statistical pairs ({stat.sum()})", stat))


def say_means(say, names, kap, groups):
    """Print the mean kappa of each chain over each (label, pair selection) of ``groups``, then the worst."""
    say()
    say(f"{'':40s}" + "".join(f"{n:>9s}" for n in names))
    for label, rows in groups:
        say(f"{label:40s}" + "".join(f"{v:9.3f}" for v in kap[rows].mean(0)))
    say(f"{'worst':40s}" + "".join(f"{v:9.3f}" for v in kap.min(0)))
    say()


def rule_verdicts(names, kap, subset, subset_label):
    """Lines of the rule's verdict per candidate (columns 1.. of ``kap``, pairs x candidates, column 0 the
    default): mean gain, largest loss, pairs losing / gaining more than ``LOSS``, the mean gain on the
    pairs ``subset`` (bool per pair) named ``subset_label``, and PASSES / fails."""
    lines = [f"Rule (module docstring): mean gain >= +{GAIN:g} over the default and no pair losing more than "
             f"{LOSS:g}"]
    for i, name in enumerate(names[1:], start=1):
        gain = float(kap[:, i].mean() - kap[:, 0].mean())
        loss = float(np.max(kap[:, 0] - kap[:, i]))
        worse = int(np.sum(kap[:, 0] - kap[:, i] > LOSS))
        better = int(np.sum(kap[:, i] - kap[:, 0] > LOSS))
        lines.append(f"{name}: gain {gain:+.3f}, largest loss {loss:.3f} ({worse} pairs lose > {LOSS:g}, "
                     f"{better} gain > {LOSS:g}), {subset_label} "
                     f"{kap[subset, i].mean() - kap[subset, 0].mean():+.3f}: "
                     + ("PASSES" if gain >= GAIN and loss <= LOSS else "fails"))
    return lines


@contextlib.contextmanager
def extra_dis(windows, divergence):
    """``core.change.unsupervised`` with the DI kinds of ``windows`` (kind -> window, pixels) added,
    each computed by ``divergence(p1, p2, window, floor)`` (this script and its siblings only)."""
    saved = us.DI_KINDS, us.change_index, us.di_margin
    index, margin = us.change_index, us.di_margin

    def change_index(kind, p1, p2, floor=None):
        if kind in windows:
            return divergence(p1, p2, windows[kind], floor)
        return index(kind, p1, p2, floor)

    def di_margin(kind):
        return windows[kind] // 2 if kind in windows else margin(kind)

    us.DI_KINDS = saved[0] + tuple(windows)
    us.change_index, us.di_margin = change_index, di_margin
    try:
        yield
    finally:
        us.DI_KINDS, us.change_index, us.di_margin = saved


def oracle_kappa(di, ref):
    """Best kappa over every global threshold 'changed if DI > t' (truth used: reporting only)."""
    keep = np.isfinite(di) & (ref != 2)
    v, r = di[keep].astype(np.float64), ref[keep] == 1
    order = np.argsort(-v, kind="stable")
    v, r = v[order], r[order]
    last = np.r_[v[1:] != v[:-1], True]  # cut after the last of equal values
    tp = np.cumsum(r)[last].astype(np.float64)
    k = np.arange(1, v.size + 1)[last].astype(np.float64)  # pixels called changed
    n, pos = float(v.size), float(r.sum())
    fp = k - tp
    tn = n - pos - fp
    po = (tp + tn) / n
    pe = (k * pos + (n - k) * (n - pos)) / n ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(pe < 1, (po - pe) / (1 - pe), 0.0)
    return float(max(np.max(kappa), 0.0))


def main(argv=None):
    return run_round(__doc__, argv, KL_WINDOWS, dif.cumulant_kl_divergence, "the cumulant KL DI",
                     "Cumulant KL divergence as the default chain's DI, design pairs", "change_kl_design.py")


def run_round(doc, argv, windows, divergence, di_label, title, script):
    """Score the default chain and its variants with the DI kinds ``windows`` (``extra_dis``) on the
    103 design pairs, print the table and the rule's verdict, write OUT.md with ``--out``."""
    args, start, say, lines = ccd.begin(doc, argv)
    configs = {"default": us.DEFAULT}
    configs.update({name.upper(): dataclasses.replace(us.DEFAULT, di=name) for name in windows})
    names = list(configs)
    say(f"Default chain {us.DEFAULT.name()}; candidates: the same chain on {di_label} "
        + ", ".join(f"{n} ({windows[n.lower()]}x{windows[n.lower()]})" for n in names[1:])
        + "; kappa of each chain's map (guard included), fb: its guard fell back; oracle thr.: best single "
          "threshold of the DI (truth used, reported only)")
    say(f"{'design pair':34s}" + "".join(f"{n:>9s}{'fb':>3s}" for n in names)
        + "".join(f"{'thr ' + d:>10s}" for d in ("|LMR3|",) + tuple(n for n in names[1:])))
    kap, orc, stat = [], [], []
    with extra_dis(windows, divergence):
        for _, pairs in families():
            for data in pairs:
                p1, p2, ref = data.p1[0], data.p2[0], data.ref
                row, fbs = [], []
                for config in configs.values():
                    mask, fitted = us.detect(p1, p2, config)
                    row.append(cd.accuracy(mask, ref)[1])
                    fbs.append(int(fitted.guard.fallback))
                dis = [us.change_index(us.LOG_MEAN_RATIO, p1, p2)] + [
                    divergence(p1, p2, w) for w in windows.values()]
                orow = [oracle_kappa(d, ref) for d in dis]
                kap.append(row)
                orc.append(orow)
                stat.append("inj statistical" in data.name)
                say(f"{data.name[4:36]:34s}" + "".join(f"{k:9.3f}{f:3d}" for k, f in zip(row, fbs))
                    + "".join(f"{k:10.3f}" for k in orow))
    kap, orc, stat = np.array(kap), np.array(orc), np.array(stat)
    say()
    say(f"{'':40s}" + "".join(f"{n:>9s}" for n in names) + "".join(
        f"{'thr ' + d:>11s}" for d in ("|LMR3|",) + tuple(names[1:])))
    for label, rows in ((f"mean, all design pairs ({len(kap)})", slice(None)),
                        (f"  inj statistical pairs ({stat.sum()})", stat),
                        (f"  other pairs ({(~stat).sum()})", ~stat)):
        say(f"{label:40s}" + "".join(f"{v:9.3f}" for v in kap[rows].mean(0))
            + "".join(f"{v:11.3f}" for v in orc[rows].mean(0)))
    say(f"{'worst':40s}" + "".join(f"{v:9.3f}" for v in kap.min(0))
        + "".join(f"{v:11.3f}" for v in orc.min(0)))
    say()
    say(f"Rule (module docstring): mean gain >= +{GAIN:g} over the default and no pair losing more than "
        f"{LOSS:g}")
    for i, name in enumerate(names[1:], start=1):
        gain = float(kap[:, i].mean() - kap[:, 0].mean())
        loss = float(np.max(kap[:, 0] - kap[:, i]))
        worse = int(np.sum(kap[:, 0] - kap[:, i] > LOSS))
        say(f"{name}: gain {gain:+.3f}, largest loss {loss:.3f} ({worse} pairs lose > {LOSS:g}), statistical "
            f"pairs {kap[stat, i].mean() - kap[stat, 0].mean():+.3f}: "
            + ("PASSES" if gain >= GAIN and loss <= LOSS else "fails"))
        say(f"{name}: oracle-threshold kappa above |LMR3|'s on {int(np.sum(orc[:, i] > orc[:, 0]))} of "
            f"{len(orc)} pairs")
    return ccd.finish(args, start, say, lines, title, script, argv)


if __name__ == "__main__":
    sys.exit(main())
