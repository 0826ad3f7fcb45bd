"""Injected-change pairs of the change-detection protocol (core.simulator.injected_pairs)."""
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest

from sar_change.core.simulator import injected_pairs as ip

DEMO = Path(__file__).resolve().parents[1] / "demo" / "run_demo.py"


def test_demo_constants_match_the_demo_script():
    """DEMO_SEED / DEMO_YEARS are what demo/run_demo.py uses (so the exclusion means something)."""
    text = DEMO.read_text(encoding="utf-8")
    assert int(re.search(r"^SEED = (\d+)", text, re.M).group(1)) == ip.DEMO_SEED
    start, end = re.search(r'^START, END = "([\d-]+)", "([\d-]+)"', text, re.M).groups()
    years = set(range(dt.date.fromisoformat(start).year, dt.date.fromisoformat(end).year + 1))
    assert years == set(ip.DEMO_YEARS)


def test_specs_never_reproduce_the_demo():
    specs = [ip.random_spec(seed) for seed in range(6000, 6060)]
    assert all(s.seed != ip.DEMO_SEED and int(s.date[:4]) not in ip.DEMO_YEARS for s in specs)
    assert {s.mode for s in specs} == {ip.OFFSET, ip.STATISTICAL}
    assert {s.looks for s in specs} == set(ip.LOOKS)
    offsets = [s.offset_db for s in specs]
    assert min(offsets) < 0 < max(offsets) and all(1.5 <= abs(v) <= 4.0 for v in offsets)
    assert all(0.005 <= s.fraction <= 0.30 for s in specs)
    with pytest.raises(ValueError, match="demo"):
        ip.random_spec(ip.DEMO_SEED)
    with pytest.raises(ValueError, match="demo"):
        ip.simulate(ip.InjectedSpec(seed=7, date="2021-06-01"))


def test_offset_pair_truth_and_offset():
    """The requested share of pixels is changed, by the requested dB offset (mean power ratio)."""
    spec = ip.InjectedSpec(seed=11, looks=8, offset_db=-3.0, fraction=0.08, blobs=3, shape=(128, 128))
    p1, p2, truth = ip.simulate(spec)
    assert truth.shape == p1.shape == p2.shape
    assert np.mean(truth == 1) == pytest.approx(0.08, abs=0.03)
    inside, outside = truth == 1, truth == 0
    ratio_in = 10 * np.log10(p2[inside].mean() / p1[inside].mean())
    ratio_out = 10 * np.log10(p2[outside].mean() / p1[outside].mean())
    assert ratio_in - ratio_out == pytest.approx(-3.0, abs=0.6)
