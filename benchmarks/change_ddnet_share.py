"""Diagnostic of the twenty-second round (issue 15), written after its design run: how the edge
classifier moves the kept maps' changed share. Not a candidate, decides nothing.

Usage (from the repository root):
    .venv/bin/python benchmarks/change_ddnet_share.py [--out benchmarks/results/change_ddnet_share]

On the design pairs where the default's guard keeps its map (``change_guard_decision.families``), the
changed share of the default's map and of ``DEFAULT`` with ``edge_classifier=1`` (both over the map's
valid pixels) against the truth's, and the prior-shift logit of the edge classifier
(``patch_classifier.PatchClassifier.prior_logit``: log(pi / (1 - pi)) of its interior training classes).
"""
import dataclasses
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / ".plugins"))

import change_context_design as ccd  # noqa: E402
from change_guard_decision import families  # noqa: E402

from sar_change.core.change import unsupervised as us  # noqa: E402

CANDIDATE = dataclasses.replace(us.DEFAULT, edge_classifier=1)


def main(argv=None):
    args, start, say, lines = ccd.begin(__doc__, argv)
    rows = []
    for _, pairs in families():
        for d in pairs:
            m0, f0 = us.detect(d.p1[0], d.p2[0], us.DEFAULT)
            if f0.guard.fallback:
                continue
            m1, f1 = us.detect(d.p1[0], d.p2[0], CANDIDATE)
            valid = m0 != us.NODATA
            clf = f1.edge_model.classifier
            rows.append((float(np.mean(np.asarray(d.ref)[valid] == 1)), float(np.mean(m0[valid] == 1)),
                         float(np.mean(m1[valid] == 1)), clf.prior_logit if clf is not None else np.nan))
    r = np.array(rows)
    say(f"kept-map design pairs: {len(r)}")
    say(f"median changed share / truth's: default {np.median(r[:, 1] / r[:, 0]):.3f}, "
        f"edge classifier 1 {np.median(r[:, 2] / r[:, 0]):.3f}")
    say(f"pairs where the edge classifier shrinks the changed class {int(np.sum(r[:, 2] < r[:, 1]))}, "
        f"grows it {int(np.sum(r[:, 2] > r[:, 1]))}")
    logit = float(np.nanmedian(r[:, 3]))
    say(f"prior-shift logit: median {logit:.2f} (pi {1 / (1 + np.exp(-logit)):.4f})")
    title = "Changed share of the edge classifier's kept maps, design pairs"
    return ccd.finish(args, start, say, lines, title, "change_ddnet_share.py", argv)


if __name__ == "__main__":
    sys.exit(main())
