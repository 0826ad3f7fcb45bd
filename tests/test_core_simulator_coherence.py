"""Simulator coherence physics (core/simulator/coherence.py) and its correlated SLC pairs."""
import csv
import os

import numpy as np
import pytest

from sar_change.core.coherence import estimation as coherence
from sar_change.core.engine.raster_blocks import read_array
from sar_change.core.simulator import coherence as sim
from sar_change.core.simulator.landcover import BARE, FIELD, FOREST, URBAN, WATER

CLASSES = np.array([FOREST, FIELD, WATER, URBAN, BARE], dtype=np.uint8)
NO_WEATHER = dict(rain_mm=np.zeros(400), snowfall_mm=np.zeros(400), melt_mm=np.zeros(400),
                  wind_m_s=np.zeros(400))


def by_class(values):
    return dict(zip(("forest", "field", "water", "urban", "bare"), values))


def test_temporal_decorrelation_per_class_and_baseline():
    winter = {dt: by_class(sim.temporal_coherence(CLASSES, dt, doy=20)) for dt in (6, 12, 24, 48, 96)}
    for g in winter.values():
        assert g["water"] == 0.0
        assert g["urban"] > 0.65 and min(g["urban"], g["bare"]) > g["field"] > g["forest"]
    for cls in ("forest", "field", "urban", "bare"):
        series = [winter[dt][cls] for dt in sorted(winter)]
        assert all(a > b for a, b in zip(series, series[1:])), cls
    # long-term floors (gamma_0 * gamma_inf) are approached, not crossed
    far = by_class(sim.temporal_coherence(CLASSES, 3650, doy=20))
    g0, _, ginf = sim.TEMPORAL[URBAN]
    assert far["urban"] == pytest.approx(g0 * ginf, abs=1e-6)
    assert far["forest"] == pytest.approx(0.70 * 0.10, abs=1e-6)
    # growing crops decorrelate faster than dormant fields
    summer = by_class(sim.temporal_coherence(CLASSES, 12, doy=180))
    assert summer["field"] < 0.5 * winter[12]["field"]
    assert summer["urban"] == winter[12]["urban"]


def test_rain_snow_and_melt_reset_coherence():
    weather = {k: v.copy() for k, v in NO_WEATHER.items()}
    assert np.all(sim.weather_factor(CLASSES, weather, 0, 12) == 1.0)
    weather["rain_mm"][5] = 30.0
    rain = by_class(sim.weather_factor(CLASSES, weather, 0, 12))
    assert rain["field"] < 0.55 and rain["bare"] < 0.65 and rain["urban"] > 0.94
    # only days in (t1, t2] count
    assert np.all(sim.weather_factor(CLASSES, weather, 5, 12) == 1.0)
    weather["snowfall_mm"][8] = 20.0
    snow = by_class(sim.weather_factor(CLASSES, weather, 0, 12))
    for cls in ("forest", "field", "urban", "bare"):
        assert snow[cls] < rain[cls]
    weather["melt_mm"][10] = 15.0
    melt = by_class(sim.weather_factor(CLASSES, weather, 0, 12))
    assert melt["field"] < snow["field"]
    # wind on an acquisition day lowers forest, not urban
    windy = by_class(sim.wind_factor(CLASSES, (13.0, 3.0), doy=20))
    assert windy["forest"] == pytest.approx(np.exp(-1.0)) and windy["urban"] == 1.0


def test_thermal_geometric_and_volume_terms():
    noise = 10 ** (-22 / 10)
    # SNR = 1 on both dates: 1 / (1 + 1/SNR) = 0.5 (Zebker & Villasenor 1992)
    assert sim.thermal_coherence(2 * noise, 2 * noise) == pytest.approx(0.5)
    assert sim.thermal_coherence(1001 * noise, 1001 * noise) == pytest.approx(1 / (1 + 1e-3))
    assert sim.thermal_coherence(noise, 1.0) == 0.0  # shadow: only noise
    inc = np.radians(35.0)
    flat = sim.geometric_coherence(100.0, inc, np.array([inc]))[0]
    assert 0.97 < flat < 0.995
    steep = sim.geometric_coherence(100.0, inc, np.radians(np.array([20.0, 5.0, 0.5, 0.0])))
    assert flat > steep[0] > steep[1] > steep[2] and steep[3] == 0.0
    assert sim.geometric_coherence(0.0, inc, np.array([0.3]))[0] == 1.0
    kz = sim.vertical_wavenumber(np.array([0.0, 50.0, 150.0, 1000.0]), inc)
    vol = sim.volume_coherence(kz, inc)
    assert vol[0] == 1.0 and 1.0 > vol[1] > vol[2] > vol[3]
    assert vol[2] > 0.8  # short S-1 baselines: mild volume decorrelation at C band


def test_true_coherence_zero_in_layover_shadow_water_and_changes():
    n = 5
    classes = np.full((n, n), URBAN, np.uint8)
    classes[0, 0] = WATER
    after = classes.copy()
    after[4, 4] = BARE  # class changed between the dates
    mask = np.zeros((n, n))
    mask[1, 1], mask[2, 2] = 1, 2  # layover, shadow
    change_day = np.zeros((n, n), np.float32)
    change_day[3, 3] = 20.0  # a change starts inside (10, 22]
    end_day = np.zeros((n, n), np.float32)
    power = np.full((n, n), 0.1)
    inc = np.full((n, n), np.radians(35.0))
    g = sim.true_coherence(classes, after, 10, 22, 100, NO_WEATHER, power, power, mask, inc, inc, 30.0,
                           change_day, end_day)
    for pixel in ((0, 0), (1, 1), (2, 2), (3, 3), (4, 4)):
        assert g[pixel] == 0.0
    assert g[0, 4] > 0.7
    # outside (t1, t2] the change does not decorrelate
    g_late = sim.true_coherence(classes, classes, 22, 34, 100, NO_WEATHER, power, power, mask, inc, inc,
                                30.0, change_day, end_day)
    assert g_late[3, 3] == pytest.approx(g_late[0, 4])


def test_drawn_pairs_carry_the_coherence_and_powers():
    rng = np.random.default_rng(0)
    shape = (150, 150)
    gamma = np.full(shape, 0.6)
    gamma[:, 75:] = 0.2
    p1, p2 = np.full(shape, 0.05), np.full(shape, 0.2)
    looks, window = 4, 5
    i1, i2, ref = sim.draw_pair(gamma, p1, p2, looks, window, rng)
    assert np.mean(i1) == pytest.approx(0.05, rel=0.02) and np.mean(i2) == pytest.approx(0.2, rel=0.02)
    # ENL of the intensities = looks
    assert np.mean(i1) ** 2 / np.var(i1) == pytest.approx(looks, rel=0.06)
    for cols, g in ((slice(5, 70), 0.6), (slice(80, 145), 0.2)):
        expected = coherence.expected_sample_coherence(g, looks * window * window)
        assert np.mean(ref[:, cols]) == pytest.approx(expected, abs=0.01)
        rho = np.corrcoef(i1[:, cols].ravel(), i2[:, cols].ravel())[0, 1]
        assert rho == pytest.approx(g * g, abs=0.03)


def test_simulated_pairs_end_to_end(tmp_path):
    changes = [dict(type="building", date="2020-02-05", region=[(2, 2), (30, 2), (30, 30), (2, 30)])]
    out = sim.simulate_coherence_pairs(
        tmp_path, baselines_days=(12, 36), start="2020-01-01", end="2020-03-15", shape=(64, 64),
        relief_m=80.0, orbits=("ascending",), seed=3, changes=changes, climate="mediterranean")
    rows = out["pairs"]
    assert {int(r["baseline_days"]) for r in rows} == {12, 36}
    with open(out["pairs_csv"], newline="") as f:
        assert [r["pair"] for r in csv.DictReader(f)] == [r["pair"] for r in rows]
    folder = os.path.join(tmp_path, rows[0]["pair"])
    for name in ("intensity_1", "intensity_2", "coherence_reference", "coherence_true", "landcover",
                 "distortion"):
        assert os.path.exists(os.path.join(folder, name + ".tif"))
    stack = out["stack"]
    built = np.zeros(stack["shape"], bool)
    for event in stack["events"]:
        built |= event.mask
    assert built.any()
    for row in rows:
        folder = os.path.join(tmp_path, row["pair"])
        truth = read_array(os.path.join(folder, "coherence_true.tif"))
        ref = read_array(os.path.join(folder, "coherence_reference.tif"))
        lc = read_array(os.path.join(folder, "landcover.tif"))
        distortion = read_array(os.path.join(folder, "distortion.tif"))
        assert np.all(truth[(distortion.astype(int) & 3) > 0] == 0)  # layover 1, shadow 2
        assert np.all(truth[lc == WATER] == 0)
        assert float(row["mean_true_coherence"]) == pytest.approx(np.nanmean(truth), abs=1e-4)
        assert 0 <= np.nanmin(ref) and np.nanmax(ref) <= 1
        spans = row["date_1"] < "2020-02-05" <= row["date_2"]
        if spans:
            assert np.all(truth[built] == 0)
        assert float(row["mean_reference_coherence"]) > float(row["mean_true_coherence"])  # estimator bias
    # decay with the temporal baseline, pair by pair starting on the same date
    by_start = {}
    for row in rows:
        by_start.setdefault(row["date_1"], {})[int(row["baseline_days"])] = float(row["mean_true_coherence"])
    pairs = [v for v in by_start.values() if len(v) == 2]
    assert pairs and all(v[12] > v[36] for v in pairs)
