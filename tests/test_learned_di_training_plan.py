"""The training data of the shipped learned-DI model (models/learned_di/simulated_stacks.py).

Its climates must hold snowy and mild winters, and nothing the README demo or the benchmarks'
test and transfer stacks simulate may be in it (no torch needed).
"""
import ast
from pathlib import Path

import numpy as np
import pytest

from sar_change.core.simulator.weather import weather_series
from sar_change.models.learned_di import simulated_stacks as plan

ROOT = Path(__file__).resolve().parents[1]


def _constants(path, names):
    """Module-level constants of a script, read without running it."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                    pairs = zip(target.elts, node.value.elts)
                else:
                    pairs = [(target, node.value)]
                for t, v in pairs:
                    if isinstance(t, ast.Name) and t.id in names:
                        out[t.id] = ast.literal_eval(v)
    return out


def _winter_snow_days(climate, elevation_m, seed=3):
    """Days of December-February with snow depth > 0 over two simulated winters."""
    w = weather_series("2016-01-01", "2017-12-31", np.random.default_rng(seed), climate, elevation_m)
    months = w["date"].astype("datetime64[M]").astype(int) % 12 + 1
    winter = np.isin(months, (12, 1, 2))
    return int(np.count_nonzero(w["snow_depth_m"][winter] > 0)), int(np.count_nonzero(winter))


def test_snowy_and_mild_climates_of_the_plan():
    climates = {spec.climate for spec in plan.training_plan(20, 4)}
    assert {"boreal", "mediterranean", "temperate", "alpine"} <= climates
    snowy, days = _winter_snow_days("boreal", 300.0)
    assert snowy > 0.9 * days  # a boreal winter keeps its snowpack
    mild, _ = _winter_snow_days("mediterranean", 100.0)
    assert mild == 0  # no snow on low Mediterranean ground


def test_plan_varies_years_relief_looks_and_dems():
    specs = plan.training_plan(20, 4, looks=(16, 4))
    assert len(specs) == 24 and len({s.seed for s in specs}) == 24
    assert len({s.period for s in specs}) == len(plan.PERIODS)
    assert {s.looks for s in specs} == {16.0, 4.0}
    assert {s.relief_m for s in specs if not s.dem} == set(plan.RELIEF_M)
    assert {s.dem for s in specs if s.dem} == {d for d, _ in plan.REAL_DEMS}
    for climate in plan.CLIMATES:  # each climate meets both speckle levels and several periods
        mine = [s for s in specs if s.climate == climate and not s.dem]
        assert {s.looks for s in mine} == {16.0, 4.0} and len({s.period for s in mine}) >= 3


def test_demo_test_and_transfer_stacks_are_held_out():
    demo = _constants(ROOT / "demo" / "run_demo.py", {"SEED", "START", "END"})
    bench = _constants(ROOT / "benchmarks" / "learned_di.py", {"TEST_SEEDS", "REAL_DEM_SEED", "TEST_PERIOD"})
    transfer = _constants(ROOT / "benchmarks" / "transfer.py", {"SEED0"})
    assert demo["SEED"] in plan.HELD_OUT_SEEDS
    assert (demo["START"], demo["END"]) == plan.HELD_OUT_PERIOD
    assert set(bench["TEST_SEEDS"]) | {bench["REAL_DEM_SEED"]} <= set(plan.HELD_OUT_SEEDS)
    lo, hi = plan.HELD_OUT_PERIOD
    assert lo <= bench["TEST_PERIOD"][0] <= bench["TEST_PERIOD"][1] <= hi
    assert {transfer["SEED0"], transfer["SEED0"] + 1, transfer["SEED0"] + 2} <= set(plan.HELD_OUT_SEEDS)
    specs = plan.training_plan(len(plan.FRACTAL_SEEDS), len(plan.REAL_SEEDS))
    assert not [s.name for s in specs if plan.overlaps_held_out(s)]
    leaking = plan.StackSpec(2026, "temperate", ("2019-06-01", "2020-01-01"), 4.0)
    assert plan.overlaps_held_out(leaking)
    with pytest.raises(ValueError, match="held-out"):
        plan.simulate_spec(leaking, "/nonexistent", 32)


def test_dem_crops_are_squares_at_distinct_places(shared_data):
    path = shared_data / "dem" / plan.REAL_DEMS[0][0]
    crops = [plan.read_dem_crop(path, 128, k) for k in range(3)]
    assert all(z.shape == (128, 128) and np.isfinite(z).all() for z, _, _ in crops)
    origins = {(gt[0], gt[3]) for _, gt, _ in crops}
    assert len(origins) == 3
