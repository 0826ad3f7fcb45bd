"""core.change.difference: operators against hand-computed values, tiling, errors, reference choice."""
import csv
import math

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import cumulant_kl as ck
from sar_change.core.change import difference as dif
from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import map_raster, read_array, stack_vrt, write_array

from helpers import gamma_speckle

P1 = np.array([[1.0, 2.0], [4.0, 8.0]], np.float32)
P2 = np.array([[2.0, 2.0], [1.0, 16.0]], np.float32)


def test_pixel_operators_hand_computed():
    np.testing.assert_array_equal(dif.difference(P1, P2), [[1, 0], [-3, 8]])
    np.testing.assert_allclose(dif.ratio(P1, P2), [[2, 1], [0.25, 2]], rtol=1e-7)
    db2 = 10 * math.log10(2)
    np.testing.assert_allclose(dif.log_ratio(P1, P2), [[db2, 0], [-2 * db2, db2]], rtol=1e-6, atol=1e-6)
    for out in (dif.difference(P1, P2), dif.ratio(P1, P2), dif.log_ratio(P1, P2)):
        assert out.dtype == np.float32


def test_euclidean_norm_of_db_differences_hand_computed():
    p1 = np.array([[[1.0]], [[10.0]]], np.float32)  # band 1: 0 dB, band 2: 10 dB
    p2 = np.array([[[10.0]], [[1.0]]], np.float32)  # +10 dB, -10 dB
    np.testing.assert_allclose(dif.euclidean_db(p1, p2), [[math.sqrt(200.0)]], rtol=1e-6)
    # One band: |log ratio|
    np.testing.assert_allclose(dif.euclidean_db(P1, P2), np.abs(dif.log_ratio(P1, P2)), rtol=1e-6, atol=1e-6)


def test_mean_ratio_hand_computed():
    p1 = np.ones((3, 3), np.float32)
    p2 = np.full((3, 3), 2.0, np.float32)
    p2[1, 1] = 4.0
    r = dif.mean_ratio(p1, p2, 3)
    # centre: window sums 9 and 8 * 2 + 4 = 20; corner (2 x 2 window inside): 4 and 10
    assert r[1, 1] == pytest.approx(1 - 9 / 20, rel=1e-6)
    assert r[0, 0] == pytest.approx(1 - 4 / 10, rel=1e-6)
    # symmetric in the two dates; signed variant > 0 where image 2 is brighter
    np.testing.assert_allclose(dif.mean_ratio(p2, p1, 3), r, rtol=1e-6)
    np.testing.assert_allclose(dif.mean_ratio(p1, p2, 3, signed=True), r, rtol=1e-6)
    np.testing.assert_allclose(dif.mean_ratio(p2, p1, 3, signed=True), -r, rtol=1e-6)
    assert np.all(r >= 0) and np.all(r < 1)


def test_log_mean_ratio_is_the_mean_ratio_in_db():
    """10 log10(m2 / m1) of the window means; |LMR| = -10 log10(1 - mean ratio); NaN left out."""
    p1 = np.ones((3, 3), np.float32)
    p2 = np.full((3, 3), 2.0, np.float32)
    p2[1, 1] = 4.0
    lmr = dif.log_mean_ratio(p1, p2, 3)
    assert lmr[1, 1] == pytest.approx(10 * math.log10(20 / 9), rel=1e-6)
    assert lmr[0, 0] == pytest.approx(10 * math.log10(10 / 4), rel=1e-6)
    np.testing.assert_allclose(dif.log_mean_ratio(p2, p1, 3), -lmr, rtol=1e-6)
    np.testing.assert_allclose(np.abs(lmr), -10 * np.log10(1 - dif.mean_ratio(p1, p2, 3)), rtol=1e-5)
    p2[0, 1] = np.nan  # out of every window, NaN itself
    lmr = dif.log_mean_ratio(p1, p2, 3)
    assert np.isnan(lmr[0, 1]) and lmr[1, 1] == pytest.approx(10 * math.log10(18 / 8), rel=1e-6)


def test_neighbourhood_ratio_hand_computed():
    p1 = np.ones((3, 3), np.float32)
    p2 = np.full((3, 3), 2.0, np.float32)
    p2[1, 1] = 4.0
    nr = dif.neighbourhood_ratio(p1, p2, 3)
    # centre: q = 1/4 there, 1/2 at the 8 neighbours
    q = [0.5] * 8 + [0.25]
    mean = sum(q) / 9
    var = sum(v * v for v in q) / 9 - mean ** 2
    theta = var / mean
    neighbours = 8 * 1.0 / (8 * 2.0)
    expected = theta * 0.25 + (1 - theta) * neighbours
    assert nr[1, 1] == pytest.approx(expected, rel=1e-6)
    # corner (0, 0): window of 4 valid pixels (three q = 1/2 and the centre's 1/4 at (1, 1))
    q = [0.5, 0.5, 0.5, 0.25]
    mean = sum(q) / 4
    theta = (sum(v * v for v in q) / 4 - mean ** 2) / mean
    expected = theta * 0.5 + (1 - theta) * (3 * 1.0) / (2 + 2 + 4)
    assert nr[0, 0] == pytest.approx(expected, rel=1e-6)
    np.testing.assert_allclose(dif.neighbourhood_ratio_index(p1, p2, 3), 1 - nr, rtol=1e-6)
    # identical images: NR = 1 everywhere, index 0
    same = gamma_speckle((8, 8), 2, seed=3)
    np.testing.assert_allclose(dif.neighbourhood_ratio(same, same, 3), 1.0, rtol=1e-6)


def test_neighbourhood_ratio_homogeneous_window_is_neighbourhood_ratio():
    # constant ratio everywhere -> theta = 0, NR = sum min / sum max of the neighbours
    p1 = np.full((5, 5), 3.0, np.float32)
    p2 = np.full((5, 5), 1.0, np.float32)
    np.testing.assert_allclose(dif.neighbourhood_ratio(p1, p2, 3), 1 / 3, rtol=1e-6)


def test_nodata_is_left_out_of_windows_and_propagated():
    p1 = gamma_speckle((12, 12), 3, seed=1)
    p2 = gamma_speckle((12, 12), 3, seed=2)
    p1[4, 5] = np.nan
    p2[7, 7] = np.nan
    for method in dif.METHODS:
        out = dif.compute(method, p1, p2, size=3)
        assert np.isnan(out[4, 5]) and np.isnan(out[7, 7]), method
        assert np.isfinite(out).sum() == 144 - 2, method
    # the mean ratio next to a hole uses only the pixels valid in both images
    r = dif.mean_ratio(p1, p2, 3)
    w1, w2 = p1[3:6, 5:8].astype(np.float64), p2[3:6, 5:8].astype(np.float64)
    ok = np.isfinite(w1) & np.isfinite(w2)
    s1, s2 = w1[ok].sum(), w2[ok].sum()
    assert r[4, 6] == pytest.approx(1 - min(s1 / s2, s2 / s1), rel=1e-5)


@pytest.mark.parametrize("method", dif.METHODS)
def test_crop_with_margin_is_bit_exact(method):
    size = 5
    p1 = gamma_speckle((60, 70), 2, seed=4)
    p2 = gamma_speckle((60, 70), 2, seed=5)
    p1[20:23, 30:34] = np.nan
    m = dif.margin(method, size)
    full = dif.compute(method, p1, p2, size=size)
    y0, y1, x0, x1 = 15, 45, 25, 60
    crop = dif.compute(method, p1[y0 - m:y1 + m, x0 - m:x1 + m], p2[y0 - m:y1 + m, x0 - m:x1 + m], size=size)
    np.testing.assert_array_equal(full[y0:y1, x0:x1], crop[m:m + y1 - y0, m:m + x1 - x0])


@pytest.mark.parametrize("method", [dif.LOG_RATIO, dif.MEAN_RATIO, dif.NEIGHBOURHOOD_RATIO, dif.EUCLIDEAN_DB,
                                    dif.CUMULANT_KL])
def test_map_raster_blocks_equal_whole_image(tmp_path, method):
    rows, cols, bands = 70, 90, 2
    img1 = np.stack([gamma_speckle((rows, cols), 3, seed=10 + b) for b in range(bands)])
    img2 = np.stack([gamma_speckle((rows, cols), 3, seed=20 + b, mean=1.5) for b in range(bands)])
    img1[:, 5:9, 40:44] = np.nan
    a = write_array(tmp_path / "a.tif", scales.from_linear_power(img1, scales.AMPLITUDE))
    b = write_array(tmp_path / "b.tif", scales.from_linear_power(img2, scales.AMPLITUDE))
    per_image = bands if method in dif.MULTI_BAND else 1
    func, margin = dif.make_block_function(method, scales.AMPLITUDE, 5, per_image)
    vrt = stack_vrt([a, b])
    try:
        selected = [1, 2, 3, 4] if per_image == 2 else [1, 3]
        out = map_raster(vrt, tmp_path / "di.tif", func, margin, 1, bands=selected, block=16,
                         nodata=float("nan"))
    finally:
        gdal.Unlink(vrt)
    amp1 = read_array(a, 1) if per_image == 1 else np.stack([read_array(a, k + 1) for k in range(bands)])
    amp2 = read_array(b, 1) if per_image == 1 else np.stack([read_array(b, k + 1) for k in range(bands)])
    whole = dif.compute(method, dif.to_power(amp1, scales.AMPLITUDE), dif.to_power(amp2, scales.AMPLITUDE),
                        size=5)
    np.testing.assert_array_equal(read_array(out), whole)


#: A 3x3 window of log-intensity with Gaussian cumulants: mean 0, skewness 0 and excess
#: kurtosis 0 (values 0, +-1, +-a with a^2 = 2 + sqrt(3) solve mu4 = 3 mu2^2).
A_GAUSS = math.sqrt(2.0 + math.sqrt(3.0))
X_GAUSS = np.array([[A_GAUSS, 1.0, 0.0], [0.0, 0.0, 0.0], [0.0, -1.0, -A_GAUSS]])
VAR_GAUSS = 2.0 * (A_GAUSS ** 2 + 1.0) / 9.0


def test_cumulants_of_the_gaussian_window_and_a_skewed_one():
    k = ck.cumulants(9.0, *(np.sum(X_GAUSS ** j) for j in (1, 2, 3, 4)))
    np.testing.assert_allclose(k, [0.0, VAR_GAUSS, 0.0, 0.0], atol=1e-12)
    x = np.array([0.0, 0.0, 1.0, 3.0])  # mean 1, mu2 1.5, mu3 1.5, mu4 4.5 -> kappa4 = -2.25
    k = ck.cumulants(4.0, *(np.sum(x ** j) for j in (1, 2, 3, 4)))
    np.testing.assert_allclose(k, [1.0, 1.5, 1.5, -2.25], rtol=1e-12)
    assert np.isnan(ck.cumulants(3.0, 6.0, 12.0, 24.0, 48.0)).all()  # constant: no pdf


def test_cumulant_kl_of_gaussian_cumulants_is_the_exact_gaussian_kl():
    # mean shift d of the log-intensity: K(1|2) + K(2|1) = d^2 / var
    d = 0.7
    kl = dif.cumulant_kl_divergence(np.exp(X_GAUSS), np.exp(X_GAUSS + d), 3)
    assert kl[1, 1] == pytest.approx(d * d / VAR_GAUSS, rel=1e-6)  # 0.46597
    assert kl[1, 1] == pytest.approx(0.46597, abs=1e-5)
    # spread change by c (same mean, I2 = I1^c): (c^2 + 1/c^2 - 2) / 2, invisible to a ratio of means
    c = 1.6
    kl = dif.cumulant_kl_divergence(np.exp(X_GAUSS), np.exp(c * X_GAUSS), 3)
    assert kl[1, 1] == pytest.approx(0.5 * (c * c + 1 / c ** 2 - 2), rel=1e-6)  # 0.47531
    # general Gaussian pair from cumulants, one direction
    got = ck.edgeworth_kl((0.3, 2.0, 0.0, 0.0), (-0.2, 0.5, 0.0, 0.0))
    assert got == pytest.approx(0.5 * (math.log(0.5 / 2.0) - 1 + (0.25 + 2.0) / 0.5), rel=1e-12)


def test_cumulant_kl_identical_windows_symmetry_and_invariance():
    p1 = gamma_speckle((30, 40), 4, seed=31)
    p2 = gamma_speckle((30, 40), 4, seed=32, mean=1.3)
    same = dif.cumulant_kl_divergence(p1, p1, 7)
    np.testing.assert_allclose(same, 0.0, atol=1e-9)
    kl = dif.cumulant_kl_divergence(p1, p2, 7)
    assert kl.dtype == np.float32 and (kl >= 0).all()
    np.testing.assert_array_equal(kl, dif.cumulant_kl_divergence(p2, p1, 7))
    # dimensionless: the same for a common gain and for a power of both images (ln -> c ln)
    np.testing.assert_allclose(dif.cumulant_kl_divergence(5 * p1, 5 * p2, 7), kl, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(dif.cumulant_kl_divergence(p1 ** 2, p2 ** 2, 7), kl, rtol=2e-4, atol=1e-6)
    # the expansion sees skewness only together with a change of mean or spread: log-intensity
    # mirrored about its mean (same mean and variance, skewness 2.47 -> -2.47) gives 0
    x = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 3.0]])
    assert dif.cumulant_kl_divergence(np.exp(x), np.exp(2 / 3 - x), 3)[1, 1] == pytest.approx(0.0, abs=1e-6)


def test_cumulant_kl_is_not_monotonic_in_a_strong_change():
    # exact cumulants of the log of 4-look gamma speckle (psi1, psi2, psi3 at L = 4; Xie et al. 2002),
    # the later date shifted by s standard deviations (sigma = 0.533 nepers = 2.3 dB)
    k2, k3, k4 = 0.28382295573711525, -0.0800397322451145, 0.04486532819275508
    kl = [float(ck.symmetric_kl((0.0, k2, k3, k4), (s * math.sqrt(k2), k2, k3, k4))) for s in (1, 2, 3)]
    np.testing.assert_allclose(kl, [0.72787, 0.99575, 0.0], atol=1e-5)  # Gaussian KL: 1, 4, 9


def test_cumulant_kl_constant_window_is_nan():
    p1 = np.ones((5, 5), np.float32)
    p2 = gamma_speckle((5, 5), 4, seed=3)
    assert np.isnan(dif.cumulant_kl_divergence(p1, p2, 3)).all()


def test_gaussian_kl_analytic_values():
    # X_GAUSS has mean 0, variance VAR_GAUSS; a mean shift d at equal variances gives d^2 / v
    d = 0.7
    kl = dif.gaussian_kl_divergence(np.exp(X_GAUSS), np.exp(X_GAUSS + d), 3)
    assert kl[1, 1] == pytest.approx(d * d / VAR_GAUSS, rel=1e-6)
    assert kl[1, 1] == pytest.approx(0.46597, abs=1e-5)
    # a variance ratio r = c^2 at equal means: (r + 1/r - 2) / 2
    c = 1.6
    kl = dif.gaussian_kl_divergence(np.exp(X_GAUSS), np.exp(c * X_GAUSS), 3)
    assert kl[1, 1] == pytest.approx(0.5 * (c * c + 1 / c ** 2 - 2), rel=1e-6)  # 0.47531
    # from moments: ((m1 - m2)^2 (1/v1 + 1/v2) + v1/v2 + v2/v1 - 2) / 2 = (0.25 * 2.5 + 4 + 0.25 - 2) / 2
    assert ck.gaussian_symmetric_kl((0.3, 2.0), (-0.2, 0.5)) == pytest.approx(1.4375, rel=1e-12)
    # monotonic where the Edgeworth series is not (4-look log-gamma: 1, 2, 3 sigma -> 1, 4, 9)
    k2 = 0.28382295573711525
    kl = [float(ck.gaussian_symmetric_kl((0.0, k2), (s * math.sqrt(k2), k2))) for s in (1, 2, 3)]
    np.testing.assert_allclose(kl, [1.0, 4.0, 9.0], rtol=1e-12)


def test_gaussian_kl_identical_symmetric_gain_invariant_and_nan():
    p1 = gamma_speckle((30, 40), 4, seed=31)
    p2 = gamma_speckle((30, 40), 4, seed=32, mean=1.3)
    np.testing.assert_allclose(dif.gaussian_kl_divergence(p1, p1, 7), 0.0, atol=1e-9)
    kl = dif.gaussian_kl_divergence(p1, p2, 7)
    assert kl.dtype == np.float32 and (kl >= 0).all()
    np.testing.assert_array_equal(kl, dif.gaussian_kl_divergence(p2, p1, 7))
    np.testing.assert_allclose(dif.gaussian_kl_divergence(5 * p1, 5 * p2, 7), kl, rtol=2e-4, atol=1e-6)
    assert np.isnan(dif.gaussian_kl_divergence(np.ones((5, 5), np.float32), p2[:5, :5], 3)).all()


def test_gaussian_kl_crop_with_halo_is_bit_exact_and_nodata():
    size, m = 5, 2
    p1 = gamma_speckle((60, 70), 2, seed=4)
    p2 = gamma_speckle((60, 70), 2, seed=5, mean=1.5)
    p1[20:23, 30:34] = np.nan
    full = dif.gaussian_kl_divergence(p1, p2, size)
    assert np.isnan(full[20:23, 30:34]).all() and np.isfinite(full[30:40, 50:60]).all()
    y0, y1, x0, x1 = 15, 45, 25, 60
    win = np.s_[y0 - m:y1 + m, x0 - m:x1 + m]
    crop = dif.gaussian_kl_divergence(p1[win], p2[win], size)
    np.testing.assert_array_equal(full[y0:y1, x0:x1], crop[m:m + y1 - y0, m:m + x1 - x0])


def test_to_power_scales():
    np.testing.assert_allclose(dif.to_power([2.0], scales.AMPLITUDE), [4.0])
    np.testing.assert_allclose(dif.to_power([10.0], scales.DB), [10.0], rtol=1e-6)
    np.testing.assert_allclose(dif.to_power([3.0], scales.LINEAR_POWER), [3.0])


@pytest.mark.parametrize("method", dif.NEEDS_POSITIVE)
@pytest.mark.parametrize("image", [1, 2])
def test_zero_or_negative_power_is_refused_with_the_fix(method, image):
    p1 = np.linspace(1.0, 2.0, 16, dtype=np.float32).reshape(4, 4)  # not constant: the KL needs spread
    p2 = 2.0 * p1[::-1]
    (p1 if image == 1 else p2)[2, 1] = 0.0 if method != dif.RATIO else -1.0
    with pytest.raises(dif.ZeroPowerError) as err:
        dif.compute(method, p1, p2, size=3)
    assert err.value.image == image
    message = str(err.value)
    assert "zero or negative power" in message and "linear power > 0" in message
    assert "set the correct scale" in message and "no data" in message
    assert isinstance(err.value, ValueError)
    # the floor lifts it
    out = dif.compute(method, p1, p2, size=3, floor=1e-3)
    assert np.isfinite(out).all()


def test_floor_value_and_difference_accepts_zero():
    out = dif.log_ratio(np.array([0.0, 1.0], np.float32), np.array([1.0, 1.0], np.float32), floor=0.1)
    np.testing.assert_allclose(out, [10.0, 0.0], atol=1e-5)
    np.testing.assert_array_equal(dif.difference(np.zeros(2), np.ones(2)), [1, 1])
    with pytest.raises(ValueError, match="floor"):
        dif.ratio(P1, P2, floor=0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="odd"):
        dif.mean_ratio(P1, P2, 4)
    with pytest.raises(ValueError, match="unknown difference method"):
        dif.margin("nope")
    with pytest.raises(ValueError, match="shape"):
        dif.ratio(P1, P2[:1])
    with pytest.raises(ValueError, match="one band of each image"):
        dif.make_block_function(dif.LOG_RATIO, bands_per_image=2)
    assert dif.margin(dif.MEAN_RATIO, 7) == 3 and dif.margin(dif.LOG_RATIO, 7) == 0
    assert dif.margin(dif.CUMULANT_KL, 9) == 4
    assert dif.METHODS.index(dif.EUCLIDEAN_DB) == 5 and dif.METHODS[-1] == dif.CUMULANT_KL


ACQUISITIONS = [
    dict(date="2020-01-01", orbit_direction="ascending", mean_incidence_deg="38.0", file="a.tif"),
    dict(date="2020-01-07", orbit_direction="descending", mean_incidence_deg="36.1", file="b.tif"),
    dict(date="2020-01-13", orbit_direction="ascending", mean_incidence_deg="36.5", file="c.tif"),
    dict(date="2020-01-19", orbit_direction="ascending", mean_incidence_deg="38.0", file="d.tif"),
    dict(date="2020-01-25", orbit_direction="ascending", mean_incidence_deg="36.0", file="e.tif"),
    dict(date="2020-02-06", orbit_direction="ascending", mean_incidence_deg="35.9", file="f.tif"),
]


def test_choose_reference_same_orbit_closest_incidence():
    # target f (asc, 35.9): e (36.0) beats c (36.5); b (desc, 36.1) is another orbit
    assert dif.choose_reference(ACQUISITIONS, 5) == 4
    # target e (asc, 36.0): c (36.5, earlier) is the closest earlier ascending one
    assert dif.choose_reference(ACQUISITIONS, 4) == 2
    # target d (asc, 38.0): a has exactly 38.0
    assert dif.choose_reference(ACQUISITIONS, 3) == 0


def test_choose_reference_ties_go_to_the_most_recent_and_errors(tmp_path):
    rows = [dict(r) for r in ACQUISITIONS]
    rows.append(dict(date="2020-02-12", orbit_direction="ascending", mean_incidence_deg="38.0", file="g.tif"))
    # a and d both at 38.0: d is more recent
    assert dif.choose_reference(rows, 6) == 3
    with pytest.raises(ValueError, match="no acquisition before"):
        dif.choose_reference(rows, 1)  # the only descending one
    with pytest.raises(ValueError, match="outside"):
        dif.choose_reference(rows, 99)


def test_choose_reference_from_simulator_csv(tmp_path):
    path = tmp_path / "acquisitions.csv"
    columns = ("date", "platform", "orbit_direction", "heading_deg", "mean_incidence_deg", "temperature_c",
               "precip_mm", "precip_3day_mm", "snow_depth_m", "shift_x_px", "shift_y_px", "file")
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        for i, row in enumerate(ACQUISITIONS):
            writer.writerow({**{c: "0" for c in columns}, **row, "platform": "S1A" if i % 2 else "S1B"})
    assert dif.choose_reference(str(path), 5) == 4
    assert dif.choose_reference(path, 4) == 2
