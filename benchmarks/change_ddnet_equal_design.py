"""Twenty-second round, second part (issue 15): the edge classifier with equal priors in the band.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_ddnet_equal_design.py
        [--out benchmarks/results/change_ddnet_equal_design]

Where the idea came from (disclosed): the first part of the round (``benchmarks/change_ddnet_design.py``)
failed, and its diagnostic (``benchmarks/change_ddnet_share.py``, run on the same 103 design pairs after
the design run) showed why: the patch MLP's output was shifted by the change prior of its training
pixels, the chain's interior classes (median 1.2 % changed, logit -4.41), while the band it relabels lies
where the two classes meet; it shrank the changed class on 60 of the 62 kept-map pairs (changed share /
truth 0.80 against the default's 0.93). The prior of that shift was a specification error of the lead's,
not a property of the classifier; this part tests the classifier without it. It is scored on the SAME
design pairs whose first-part results suggested it, so a pass here only sends it to the leave-one-out
protocol, whose held-out figures decide.

Rule of the option (``ChainConfig.edge_classifier`` = r px with ``edge_equal_priors=True``; off by
default): as the first part (its docstring), but the band's pixels are labelled changed where the
balanced-trained MLP's posterior is >= 0.5 with no prior shift (equal priors in the band).

Candidates (two, fixed before scoring): the default chain plus
- ``ddnet1eq``: ``DEFAULT`` with ``edge_classifier=1, edge_equal_priors=True``;
- ``ddnet2eq``: ``DEFAULT`` with ``edge_classifier=2, edge_equal_priors=True``.

Pairs: the 103 design pairs of ``change_guard_decision.families``; never a protocol pair of
``change_detection.py`` nor a shared pair.

Rule, written and committed before any candidate was scored: the NO-HARM rule of rounds 21-22
(``change_edge_design.no_harm_verdicts``): a candidate passes (goes to the leave-one-out protocol) when its
mean kappa over the 103 design pairs is >= the default's - 0.005 and no design pair loses more than 0.05;
if both pass, the larger mean goes (the smaller r on a tie to 3 decimals). Kept-map and fallback pairs
are reported separately (they do not decide); the wall time per pair scaled to 300 x 300 px is reported.

First run (benchmarks/results/change_ddnet_equal_design.md, commit d175305, 147 s): both candidates FAIL
the no-harm rule; neither goes to the leave-one-out protocol, the default is unchanged. Pasted from the
script's output, long lines wrapped (table row 62 is s7464):

                                              default ddnet1eq ddnet2eq
    mean, all design pairs (103)                0.713    0.703    0.680
      default fell back (41)                    0.611    0.611    0.611
      default kept its map (62)                 0.780    0.763    0.726
      inj statistical pairs (42)                0.709    0.690    0.647
    worst                                       0.218    0.218    0.218

    Rule (module docstring): mean >= the default's - 0.005 and no pair losing more than 0.05 (no-harm;
        the leave-one-out protocol decides)
    ddnet1eq: mean -0.0099, largest loss 0.105 (table row 62; 6 pairs lose > 0.05, 0 gain > 0.05),
        kept-map pairs -0.0164: fails
    ddnet2eq: mean -0.0322, largest loss 0.283 (table row 62; 23 pairs lose > 0.05, 1 gain > 0.05),
        kept-map pairs -0.0535: fails
    time default: mean 0.25 s per pair (mean 76867 px); per 300 x 300 px mean 0.29 s, largest 0.48 s
    time ddnet1eq: mean 0.54 s per pair (mean 76867 px); per 300 x 300 px mean 0.66 s, largest 1.38 s
    time ddnet2eq: mean 0.53 s per pair (mean 76867 px); per 300 x 300 px mean 0.64 s, largest 1.45 s
    Total 146.6 s
"""
import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

from change_ddnet_design import run  # noqa: E402

from sar_change.core.change import unsupervised as us  # noqa: E402

#: The candidates: name -> chain (module docstring).
CANDIDATES = {
    "ddnet1eq": dataclasses.replace(us.DEFAULT, edge_classifier=1, edge_equal_priors=True),
    "ddnet2eq": dataclasses.replace(us.DEFAULT, edge_classifier=2, edge_equal_priors=True),
}


def main(argv=None):
    title = "Edge band relabelled by a per-pair patch classifier of both dates, equal priors, design pairs"
    return run(__doc__, CANDIDATES, title, "change_ddnet_equal_design.py", argv)


if __name__ == "__main__":
    sys.exit(main())
