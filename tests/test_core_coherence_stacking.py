"""core.coherence.stacking: the correction table of the learned coherence by the intensity correlation.

Assertions on numbers: a table fitted on pixels whose reference is a known function of the two cell
coordinates returns that function's cell means and spreads; sparse cells, NaN correlation and no data
keep the network's values; the bilinear interpolation equals the table at cell centres, reproduces a
linear table exactly, is continuous (no banding, sparse cells included), stays in [0, 1] and is the same
tile by tile as on the whole image; the JSON round trip keeps the table (empty cells included).
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


def table_of(mean, spread):
    """A table dict holding the given (bins, bins) cell arrays (NaN: sparse cell)."""
    return {"format": stacking.FORMAT, "window": 3, "bins": len(mean), "min_count": 50,
            "mean": np.asarray(mean).tolist(), "spread": np.asarray(spread).tolist()}


def checkerboard(bins=10):
    """Cells alternating 0 and 1 (spread 0.05 and 0.3), a sparse 3 x 3 block in the middle."""
    mean = (np.add.outer(np.arange(bins), np.arange(bins)) % 2).astype(float)
    spread = np.where(mean > 0, 0.3, 0.05)
    mean[4:7, 4:7] = spread[4:7, 4:7] = np.nan
    return table_of(mean, spread)


def test_interpolation_equals_the_table_at_cell_centres():
    rng = np.random.default_rng(3)
    mean, spread = rng.uniform(0, 1, (20, 20)), rng.uniform(0.01, 0.4, (20, 20))
    centres = (np.arange(20) + 0.5) / 20
    row, col = np.meshgrid(centres, centres, indexing="ij")
    c, s = stacking.apply_table(table_of(mean, spread), row.astype(np.float32), np.full(row.shape, 0.7),
                                col.astype(np.float32))
    np.testing.assert_allclose(c, mean, atol=2e-6)
    np.testing.assert_allclose(s, spread, atol=2e-6)


def test_a_linear_table_is_reproduced_between_the_centres():
    centres = (np.arange(20) + 0.5) / 20
    mean = 0.5 * centres[:, None] + 0.4 * centres[None, :]
    rng = np.random.default_rng(4)
    net, corr = rng.uniform(0.025, 0.975, (2, 5000)).astype(np.float32)
    c, s = stacking.apply_table(table_of(mean, np.full((20, 20), 0.1)), net, np.zeros(5000), corr)
    np.testing.assert_allclose(c, 0.5 * net + 0.4 * corr, atol=2e-6)
    np.testing.assert_allclose(s, 0.1, atol=1e-6)
    # beyond the outer centres the end cells' values are held
    c, _ = stacking.apply_table(table_of(mean, np.full((20, 20), 0.1)), np.float32([0.0, 1.0]),
                                np.zeros(2), np.float32([0.0, 1.0]))
    np.testing.assert_allclose(c, [mean[0, 0], mean[-1, -1]], atol=2e-6)


def test_interpolation_is_continuous_and_in_range():
    """Steps of 1e-4 across a 0/1 checkerboard of 0.1-wide cells: the nearest-cell lookup jumps by 1 at
    each cell edge; the interpolation moves at most 1e-4 x (1 / 0.1) per step, also into the sparse
    cells (where the network's own coherence, here the row coordinate, comes out)."""
    table = checkerboard()
    x = np.arange(0.0, 1.0 + 1e-9, 1e-4).astype(np.float32)
    for fixed in (0.05, 0.33, 0.55, 0.95):
        for net, corr in ((x, np.full_like(x, fixed)), (np.full_like(x, fixed), x)):
            c, s = stacking.apply_table(table, net, np.full(x.size, 0.2, np.float32), corr)
            assert np.abs(np.diff(c)).max() <= 1e-3 + 1e-5
            assert np.abs(np.diff(s)).max() <= 0.3e-3 + 1e-5
            assert c.min() >= 0.0 and c.max() <= 1.0
    c, s = stacking.apply_table(table, np.float32([0.55]), np.float32([0.2]), np.float32([0.55]))
    assert (c[0], s[0]) == (np.float32(0.55), np.float32(0.2))  # among sparse centres: the network's values
    rng = np.random.default_rng(5)
    net, corr = rng.uniform(0, 1, (2, 100000)).astype(np.float32)
    c, _ = stacking.apply_table(table, net, np.full(net.size, 0.2), corr)
    assert c.min() >= 0.0 and c.max() <= 1.0


def test_tile_by_tile_equals_the_whole_image():
    rng = np.random.default_rng(6)
    net, sigma, corr = rng.uniform(0, 1, (3, 96, 80)).astype(np.float32)
    corr[10:14, 3:9] = np.nan
    table = checkerboard()
    whole = stacking.apply_table(table, net, sigma, corr)
    for rows in (slice(0, 37), slice(37, 96)):
        for cols in (slice(0, 50), slice(50, 80)):
            part = stacking.apply_table(table, net[rows, cols], sigma[rows, cols], corr[rows, cols])
            for got, want in zip(part, whole):
                np.testing.assert_array_equal(got, want[rows, cols])


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
