"""core.coherence.stacking: the correction table of the learned coherence by the intensity correlation.

Assertions on numbers: a table fitted on pixels whose reference is a known function of the two cell
coordinates returns that function's cell means and spreads; sparse cells, NaN correlation and no data
keep the network's values; the JSON round trip keeps the table (empty cells included).
"""
import numpy as np
import pytest

from sar_change.core.coherence import stacking


def synthetic(n=200000, seed=0):
    rng = np.random.default_rng(seed)
    net = rng.uniform(0, 0.5, n)  # the network never predicts above 0.5 here
    corr = rng.uniform(0, 1, n)
    ref = 0.5 * net + 0.4 * corr + rng.normal(0, 0.05, n)
    return net, corr, ref


def test_cell_means_and_spreads_follow_the_reference():
    net, corr, ref = synthetic()
    table = stacking.fit_table(net, corr, ref, window=3, bins=10, min_count=100)
    mean, spread = np.array(table["mean"]), np.array(table["spread"])
    assert np.isnan(mean[5:]).all()  # network rows above 0.5: never seen, left empty
    centres = (np.arange(10) + 0.5) / 10
    expected = 0.5 * centres[:5, None] + 0.4 * centres[None, :]
    assert np.abs(mean[:5] - expected).max() < 0.01
    # spread: noise 0.05 and the uniform spread of 0.5 net + 0.4 corr over a 0.1-wide cell
    within = np.sqrt(0.05 ** 2 + (0.05 ** 2 + 0.04 ** 2) / 12)
    assert np.abs(spread[:5] - within).max() < 0.005
    c, s = stacking.apply_table(table, np.array([0.25, 0.75, 0.25, np.nan], np.float32),
                                np.array([0.1, 0.2, 0.3, 0.4], np.float32),
                                np.array([0.55, 0.55, np.nan, 0.5], np.float32))
    assert c[0] == pytest.approx(mean[2, 5]) and s[0] == pytest.approx(spread[2, 5])
    assert (c[1], s[1]) == (np.float32(0.75), np.float32(0.2))  # empty cell: the network's values
    assert (c[2], s[2]) == (np.float32(0.25), np.float32(0.3))  # no correlation: the network's values
    assert np.isnan(c[3]) and s[3] == np.float32(0.4)  # no data stays no data


def test_the_correction_lowers_the_error_of_a_biased_network():
    net, corr, ref = synthetic(seed=1)
    table = stacking.fit_table(net, corr, ref, window=3, bins=20, min_count=50)
    net2, corr2, ref2 = synthetic(seed=2)  # other pixels of the same relation
    c, _ = stacking.apply_table(table, net2, np.full(net2.size, 0.1), corr2)
    rmse_net = np.sqrt(np.mean((net2 - ref2) ** 2))
    rmse_fixed = np.sqrt(np.mean((c - ref2) ** 2))
    assert rmse_fixed < 0.06 < rmse_net


def test_json_round_trip(tmp_path):
    net, corr, ref = synthetic(n=20000)
    table = stacking.fit_table(net, corr, ref, window=5, bins=8, min_count=100, provenance={"by": "test"})
    stacking.save_table(table, tmp_path / "t.json")
    back = stacking.load_table(tmp_path / "t.json")
    assert back["window"] == 5 and back["provenance"] == {"by": "test"}
    np.testing.assert_array_equal(np.isnan(back["mean"]), np.isnan(table["mean"]))
    np.testing.assert_allclose(np.nan_to_num(back["mean"]), np.nan_to_num(table["mean"]))
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ValueError, match="not a coherence correction table"):
        stacking.load_table(tmp_path / "bad.json")
