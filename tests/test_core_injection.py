"""core.change.injection: blobs, rasterisation, offset and statistical (quantile-mapping) changes."""
import numpy as np
import pytest

from sar_change.core.change import injection as inj
from sar_change.core.engine import scale as scales

from helpers import gamma_speckle


def ks_statistic(a, b):
    """Two-sample Kolmogorov-Smirnov statistic max |F_a - F_b| (numpy only)."""
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate((a, b))
    fa = np.searchsorted(a, grid, side="right") / a.size
    fb = np.searchsorted(b, grid, side="right") / b.size
    return float(np.abs(fa - fb).max())


def two_class_scene(n=200, seed=0):
    """Linear power: left half mean 1, right half mean 8 (9 dB apart), 4-look speckle, a NaN hole."""
    image = gamma_speckle((n, n), 4, seed=seed)
    image[:, n // 2:] *= 8.0
    image[20:30, 150:170] = np.nan
    return image


# --------------------------------------------------------------------------- polygons


def test_regular_polygon_when_no_irregularity_or_spikiness():
    blob = inj.random_blob((40.0, 30.0), 12.0, 0.0, 0.0, 10, np.random.default_rng(3))
    assert blob.shape == (10, 2)
    d = blob - (40.0, 30.0)
    np.testing.assert_allclose(np.hypot(d[:, 0], d[:, 1]), 12.0, rtol=0, atol=1e-12)
    steps = np.diff(np.unwrap(np.arctan2(d[:, 1], d[:, 0])))
    np.testing.assert_allclose(steps, 2 * np.pi / 10, atol=1e-12)


@pytest.mark.parametrize("n", [3, 8, 25])
def test_random_blob_vertices_and_radii(n):
    rng = np.random.default_rng(n)
    blob = inj.random_blob((0.0, 0.0), 10.0, 0.9, 0.8, n, rng)
    assert blob.shape == (n, 2)
    radii = np.hypot(blob[:, 0], blob[:, 1])
    assert radii.min() >= 0 and radii.max() <= 20.0 + 1e-12
    away = blob[radii > 1e-9]  # a vertex clipped to radius 0 sits on the centre
    angles = np.unwrap(np.arctan2(away[:, 1], away[:, 0]))
    assert np.all(np.diff(angles) > 0) and angles[-1] - angles[0] < 2 * np.pi  # one turn: star-shaped


def test_irregularity_and_spikiness_vary_the_shape():
    blob = inj.random_blob((0.0, 0.0), 10.0, 0.5, 0.3, 30, np.random.default_rng(1))
    radii = np.hypot(blob[:, 0], blob[:, 1])
    assert radii.std() > 1.0
    steps = np.diff(np.unwrap(np.arctan2(blob[:, 1], blob[:, 0])))
    assert steps.std() > 0.01


@pytest.mark.parametrize("kwargs, match", [
    ({"n_vertices": 2}, "at least 3 vertices"),
    ({"radius": 0.0}, "radius must be > 0"),
    ({"irregularity": 1.5}, "irregularity must be between 0 and 1"),
    ({"spikiness": -0.1}, "spikiness must be between 0 and 1"),
])
def test_random_blob_refuses_bad_parameters(kwargs, match):
    args = {"center_xy": (0, 0), "radius": 5.0, "irregularity": 0.5, "spikiness": 0.3, "n_vertices": 8}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        inj.random_blob(**args, rng=0)


@pytest.mark.parametrize("radius", [8.0, 30.0])
def test_rasterized_disc_area(radius):
    disc = inj.random_blob((50.3, 49.7), radius, 0.0, 0.0, 720, 0)
    mask = inj.rasterize_polygons([disc], (100, 100))
    assert mask.dtype == bool
    assert abs(mask.sum() / (np.pi * radius ** 2) - 1) < 0.02


def test_rasterize_square_pixel_centres_and_orientation():
    square = np.array([(10.0, 20.0), (30.0, 20.0), (30.0, 25.0), (10.0, 25.0)])
    mask = inj.rasterize_polygons([square], (40, 40))
    expected = np.zeros((40, 40), bool)
    expected[20:25, 10:30] = True
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(inj.rasterize_polygons([square[::-1]], (40, 40)), expected)
    # Closing vertex repeated, partly outside the image: clipped.
    shifted = np.vstack((square, square[:1])) + (25.0, 0.0)
    clipped = inj.rasterize_polygons([shifted], (40, 40))
    assert clipped.sum() == 5 * 5 and clipped[20:25, 35:40].all()
    # Entirely outside: nothing.
    assert not inj.rasterize_polygons([square + 100.0], (40, 40)).any()


def test_rasterize_matches_matplotlib_on_irregular_blobs():
    path_module = pytest.importorskip("matplotlib.path")
    rng = np.random.default_rng(7)
    for _ in range(5):
        blob = inj.random_blob((32.0, 32.0), 15.0, 0.8, 0.6, 12, rng)
        mask = inj.rasterize_polygons([blob], (64, 64))
        yy, xx = np.mgrid[0:64, 0:64] + 0.5
        ref = path_module.Path(blob).contains_points(np.column_stack((xx.ravel(), yy.ravel())))
        assert np.count_nonzero(mask.ravel() != ref) <= 2  # only centres on an edge may differ


def test_label_polygons_later_wins():
    a = np.array([(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)])
    labels = inj.label_polygons([a, a + 5.0], (20, 20))
    assert labels.dtype == np.int32
    assert (labels[0:5, 0:10] == 1).all() and (labels[5:15, 5:15] == 2).all()
    assert set(np.unique(labels)) == {0, 1, 2}


def test_random_blobs_inside_valid_disjoint_and_separated():
    valid = np.ones((120, 160), bool)
    valid[40:80, 60:100] = False  # a no-data hole
    blobs = inj.random_blobs((120, 160), 6, 8.0, 0.5, 0.3, np.random.default_rng(5), valid=valid,
                             n_vertices=12)
    assert len(blobs) == 6
    masks = [inj.rasterize_polygons([b], valid.shape) for b in blobs]
    for blob, mask in zip(blobs, masks):
        assert blob.shape == (12, 2)
        assert blob[:, 0].min() >= 0 and blob[:, 0].max() <= 160
        assert blob[:, 1].min() >= 0 and blob[:, 1].max() <= 120
        assert mask.any() and valid[mask].all()
    assert sum(m.sum() for m in masks) == np.logical_or.reduce(masks).sum()  # disjoint
    # Regular blobs: the vertex mean is the centre; centres are >= min_separation apart.
    regular = inj.random_blobs((120, 160), 5, 8.0, 0.0, 0.0, 2, min_separation=25.0)
    centres = np.array([b.mean(axis=0) for b in regular])
    gaps = np.hypot(*(centres[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    assert gaps[~np.eye(5, dtype=bool)].min() >= 25.0


def test_random_blobs_deterministic_per_seed():
    a = inj.random_blobs((100, 100), 4, 6.0, 0.5, 0.3, 11)
    b = inj.random_blobs((100, 100), 4, 6.0, 0.5, 0.3, np.random.default_rng(11))
    c = inj.random_blobs((100, 100), 4, 6.0, 0.5, 0.3, 12)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_random_blobs_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="only .* of 50 blobs .* ask for fewer or smaller blobs"):
        inj.random_blobs((40, 40), 50, 8.0, 0.5, 0.3, 0)
    with pytest.raises(ValueError, match="blobs"):
        inj.random_blobs((100, 100), 1, 5.0, 0.0, 0.0, 0, valid=np.zeros((100, 100), bool))


# --------------------------------------------------------------------------- offset change


def test_offset_change_db_exact_shift_outside_bit_identical():
    image_db = scales.from_linear_power(gamma_speckle((80, 80), 4, seed=2, mean=0.1), scales.DB)
    image_db[3, 4] = np.nan
    before = image_db.copy()
    mask = np.zeros(image_db.shape, bool)
    mask[10:40, 20:60] = True
    mask[3, 4] = True  # NaN inside the mask stays NaN
    out = inj.offset_change(image_db, mask, -2.5, scales.DB)
    np.testing.assert_array_equal(image_db, before)  # input not modified
    inside = mask & np.isfinite(image_db)
    assert abs((out[inside].astype(np.float64) - image_db[inside]).mean() + 2.5) < 1e-5
    np.testing.assert_allclose(out[inside] - image_db[inside], -2.5, atol=1e-5)
    np.testing.assert_array_equal(out[~mask].view(np.uint32), image_db[~mask].view(np.uint32))
    assert np.isnan(out[3, 4])


@pytest.mark.parametrize("scale, factor", [(scales.LINEAR_POWER, 10.0), (scales.AMPLITUDE, 20.0)])
def test_offset_change_linear_and_amplitude(scale, factor):
    power = gamma_speckle((64, 64), 3, seed=4, mean=0.2)
    image = scales.from_linear_power(power, scale).copy()
    mask = np.zeros(image.shape, bool)
    mask[5:25, 5:45] = True
    out = inj.offset_change(image, mask, 3.0, scale)
    ratio_db = factor * np.log10(out[mask].astype(np.float64) / image[mask])
    np.testing.assert_allclose(ratio_db, 3.0, atol=1e-5)
    def db(values):
        return scales.from_linear_power(scales.to_linear_power(values, scale), scales.DB).astype(np.float64)

    mean_shift = (db(out[mask]) - db(image[mask])).mean()
    assert abs(mean_shift - 3.0) < 1e-4
    np.testing.assert_array_equal(out[~mask].view(np.uint32), image[~mask].view(np.uint32))


# --------------------------------------------------------------------------- statistical change


def test_quantile_map_takes_target_distribution_and_keeps_ranks():
    rng = np.random.default_rng(0)
    source = rng.gamma(4, 0.25, 5000)
    target = rng.gamma(2, 4.0, 3000)
    mapped = inj.quantile_map(source, target)
    assert ks_statistic(mapped, target) < 0.01
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    np.testing.assert_allclose(np.quantile(mapped, q), np.quantile(target, q), rtol=0.02)
    order = np.argsort(source)
    assert np.all(np.diff(mapped[order]) >= 0)
    # Same size: exactly a permutation of the target.
    np.testing.assert_array_equal(np.sort(inj.quantile_map(source[:3000], target)), np.sort(target))
    # Ties stay ties.
    tied = inj.quantile_map(np.array([1.0, 2.0, 2.0, 3.0]), target)
    assert tied[1] == tied[2]


def test_statistical_change_single_band():
    image = gamma_speckle((100, 100), 4, seed=1)
    image[50, 50] = np.nan
    before = image.copy()
    mask = np.zeros(image.shape, bool)
    mask[30:70, 30:70] = True
    target = np.random.default_rng(9).gamma(4, 2.0, 1600).astype(np.float32)
    out = inj.statistical_change(image, mask, target)
    np.testing.assert_array_equal(image, before)
    inside = mask & np.isfinite(image)
    assert ks_statistic(out[inside], target) < 0.01
    order = np.argsort(image[inside])
    assert np.all(np.diff(out[inside][order]) >= 0)
    np.testing.assert_array_equal(out[~mask].view(np.uint32), image[~mask].view(np.uint32))
    assert np.isnan(out[50, 50])


def test_statistical_change_joint_uses_target_pixel_vectors():
    rng = np.random.default_rng(2)
    image = np.stack([gamma_speckle((40, 40), 4, seed=3), gamma_speckle((40, 40), 4, seed=4, mean=0.2)])
    mask = np.zeros((40, 40), bool)
    mask[10:20, 10:30] = True  # 200 pixels
    target = np.stack([rng.gamma(4, 1.0, 200), rng.gamma(4, 0.5, 200)]).astype(np.float32)
    out = inj.statistical_change(image, mask, target, joint=True)
    got = {tuple(v) for v in out[:, mask].T}
    assert got == {tuple(v) for v in target.T}  # the very target vectors, each used once
    order = np.argsort(image[0][mask])
    assert np.all(np.diff(out[0][mask][order]) >= 0)


# --------------------------------------------------------------------------- inject


def test_inject_offset_multiband_mask_and_nodata():
    bands = np.stack([gamma_speckle((90, 90), 4, seed=5), gamma_speckle((90, 90), 4, seed=6, mean=0.3)])
    bands[1, 0:5, 0:90] = np.nan  # no data in the second band only
    before = bands.copy()
    blobs = inj.random_blobs((90, 90), 3, 7.0, 0.5, 0.3, 4, valid=np.all(np.isfinite(bands), axis=0))
    details = []
    out, mask = inj.inject(bands, scales.LINEAR_POWER, blobs, "offset", -2.5, details=details)
    np.testing.assert_array_equal(bands, before)
    assert mask.dtype == np.uint8 and set(np.unique(mask)) == {0, 1, 255}
    region = inj.rasterize_polygons(blobs, (90, 90))
    np.testing.assert_array_equal(mask == 1, region)
    assert (mask[0:5] == 255).all()
    for b in range(2):
        shift = 10 * np.log10(out[b][region].astype(np.float64) / bands[b][region])
        np.testing.assert_allclose(shift, -2.5, atol=1e-5)
        np.testing.assert_array_equal(out[b][~region].view(np.uint32), bands[b][~region].view(np.uint32))
    assert [d["label"] for d in details] == [1, 2, 3]
    for d in details:
        assert d["after_db"] - d["before_db"] == pytest.approx(-2.5, abs=1e-5)


def test_inject_never_changes_nan_inside_a_region():
    image = gamma_speckle((80, 80), 4, seed=7)
    image[20:25, 20:25] = np.nan
    square = np.array([(10.0, 10.0), (40.0, 10.0), (40.0, 40.0), (10.0, 40.0)])
    for mode in inj.MODES:
        out, mask = inj.inject(image, scales.LINEAR_POWER, [square], mode, rng=1)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(image))
        assert (mask[20:25, 20:25] == 255).all()
        assert mask.sum(dtype=np.int64) == 255 * 25 + (30 * 30 - 25)


def test_inject_statistical_auto_target_has_contrast_and_target_distribution():
    image = two_class_scene()
    square = np.array([(20.0, 120.0), (50.0, 120.0), (50.0, 150.0), (20.0, 150.0)])  # left: mean 1
    details = []
    out, mask = inj.inject(image, scales.LINEAR_POWER, [square], "statistical", rng=3, details=details)
    region = mask == 1
    assert region.sum() == 900
    (d,) = details
    assert d["target_pixels"] == 900
    assert d["after_db"] - d["before_db"] > 1.0  # a target with a different mean was chosen
    assert d["after_db"] == pytest.approx(9.0, abs=1.0)  # from the bright right half
    # The changed values are exactly the values of a same-size region of the image elsewhere.
    changed = np.sort(out[region])
    assert not np.array_equal(changed, np.sort(image[region]))
    assert np.isin(changed, image[~region]).all()
    order = np.argsort(image[region])
    assert np.all(np.diff(out[region][order]) >= 0)  # ranks kept


def test_inject_statistical_with_target_mask():
    image = two_class_scene()
    target_mask = np.zeros(image.shape, bool)
    target_mask[100:200, 100:200] = True  # bright class
    blobs = inj.random_blobs(image.shape, 4, 9.0, 0.5, 0.3, 8, valid=np.isfinite(image))
    out, mask = inj.inject(image, scales.LINEAR_POWER, blobs, "statistical", target_mask=target_mask)
    labels = inj.label_polygons(blobs, image.shape)
    sample = image[target_mask & (labels == 0) & np.isfinite(image)]
    for k in range(1, 5):
        region = labels == k
        assert ks_statistic(out[region], sample) < 1.5 / np.sqrt(region.sum())
        order = np.argsort(image[region])
        assert np.all(np.diff(out[region][order]) >= 0)
    np.testing.assert_array_equal(out[mask == 0].view(np.uint32), image[mask == 0].view(np.uint32))


def test_inject_deterministic_per_seed_and_region_kinds():
    image = two_class_scene(seed=4)
    blobs = inj.random_blobs(image.shape, 3, 8.0, 0.5, 0.3, 2, valid=np.isfinite(image))
    a, ma = inj.inject(image, scales.LINEAR_POWER, blobs, "statistical", rng=5)
    b, mb = inj.inject(image, scales.LINEAR_POWER, blobs, "statistical", rng=np.random.default_rng(5))
    c, _ = inj.inject(image, scales.LINEAR_POWER, blobs, "statistical", rng=6)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ma, mb)
    assert not np.array_equal(a, c, equal_nan=True)
    labels = inj.label_polygons(blobs, image.shape)
    d, md = inj.inject(image, scales.LINEAR_POWER, labels, "statistical", rng=5)
    np.testing.assert_array_equal(a, d)
    e, me = inj.inject(image, scales.LINEAR_POWER, labels > 0, "offset")
    np.testing.assert_array_equal(me, ma)


def test_inject_db_scale_offset():
    image_db = scales.from_linear_power(two_class_scene(), scales.DB)
    blobs = inj.random_blobs(image_db.shape, 2, 10.0, 0.3, 0.2, 1, valid=np.isfinite(image_db))
    out, mask = inj.inject(image_db, scales.DB, blobs, "offset", offset_db=-2.5)
    region = mask == 1
    assert (out[region].astype(np.float64) - image_db[region]).mean() == pytest.approx(-2.5, abs=1e-5)


def test_inject_refuses_bad_input():
    image = gamma_speckle((30, 30), 4)
    with pytest.raises(ValueError, match="unknown mode"):
        inj.inject(image, scales.LINEAR_POWER, np.ones((30, 30), bool), "bogus")
    with pytest.raises(ValueError, match="shape"):
        inj.inject(image, scales.LINEAR_POWER, np.ones((20, 30), bool))
    with pytest.raises(ValueError, match="target mask has no valid pixel"):
        inj.inject(image, scales.LINEAR_POWER, np.ones((30, 30), bool), "statistical",
                   target_mask=np.ones((30, 30), bool))
    with pytest.raises(ValueError, match="give a target mask"):
        inj.inject(image, scales.LINEAR_POWER, np.ones((30, 30), bool), "statistical")
