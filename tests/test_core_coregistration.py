"""core.coregistration: sub-pixel offsets, robust models, resampling, the file-to-file stack."""
import csv
import json
import os

import numpy as np
import pytest
from osgeo import gdal
from scipy import ndimage

from sar_change.core.coregistration import correlation as corr
from sar_change.core.coregistration import models as mdl
from sar_change.core.coregistration import offsets as ofs
from sar_change.core.coregistration import resampling as rs
from sar_change.core.coregistration import stack as cs
from sar_change.core.engine.raster_blocks import read_array, read_info
from sar_change.core.terrain import geometry as terrain

from helpers import write_raster

EPSG = 32631
GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


# ----------------------------------------------------------------------------------------------
# Synthetic scenes
# ----------------------------------------------------------------------------------------------

def log_scene(shape, seed=0):
    """Textured scene in natural-log units: smooth fields plus fine texture (band-limited)."""
    rng = np.random.default_rng(seed)
    fields = ndimage.gaussian_filter(rng.normal(size=shape), 12)
    texture = ndimage.gaussian_filter(rng.normal(size=shape), 1.0)
    return fields / fields.std() + 0.9 * texture / texture.std()


def speckled_pair(shape, dy, dx, seed=0, looks=4):
    """(ref, mov) linear power, L-look gamma speckle; mov is ref's scene shifted so that
    shifting mov by (dy, dx) aligns it with ref: ref(r, c) = mov(r - dy, c - dx)."""
    pad = 24
    big = log_scene((shape[0] + 2 * pad, shape[1] + 2 * pad), seed)
    moved = corr.shift_image(big, -dy, -dx)[pad:-pad, pad:-pad]  # content moved by -d
    rng = np.random.default_rng(seed + 1)
    speckle = rng.gamma(looks, 1.0 / looks, (2,) + tuple(shape))
    return np.exp(big[pad:-pad, pad:-pad]) * speckle[0], np.exp(moved) * speckle[1]


def make_raster(path, bands, geotransform=GT, epsg=EPSG, nodata=None):
    n = 1 if np.ndim(bands) == 2 else len(bands)
    return write_raster(path, bands, geotransform, epsg, nodata, [f"B{i + 1}" for i in range(n)])


# ----------------------------------------------------------------------------------------------
# phase_correlation
# ----------------------------------------------------------------------------------------------

def test_sign_convention_integer_roll():
    ref = np.exp(log_scene((96, 96), seed=3))
    mov = np.roll(ref, (3, -1), axis=(0, 1))  # content moved +3 rows, -1 column
    dy, dx, peak = corr.phase_correlation(ref, mov, domain="db")
    assert dy == pytest.approx(-3.0, abs=0.01) and dx == pytest.approx(1.0, abs=0.01)
    assert 0.8 < peak <= 1.0
    # Applying the returned shift to mov aligns it with ref.
    aligned = corr.shift_image(mov, dy, dx)
    assert np.abs(aligned - ref)[8:-8, 8:-8].max() < 1e-6 * ref.max() + 0.02 * ref.max()


def test_recovers_known_subpixel_shift_on_speckle():
    ref, mov = speckled_pair((256, 256), 2.37, -4.81, seed=0)
    dy, dx, peak = corr.phase_correlation(ref, mov, upsample=100, domain="db")
    assert abs(dy - 2.37) < 0.02 and abs(dx + 4.81) < 0.02
    assert 0.0 < peak < 1.0
    # Despeckled option also works (coarser).
    dy2, dx2, _ = corr.phase_correlation(ref, mov, domain="db", despeckle="boxcar")
    assert abs(dy2 - 2.37) < 0.05 and abs(dx2 + 4.81) < 0.05


def test_identity_gives_zero_shift_and_unit_peak():
    ref, _ = speckled_pair((128, 128), 0.0, 0.0, seed=5)
    dy, dx, peak = corr.phase_correlation(ref, ref, domain="db")
    assert (dy, dx) == (pytest.approx(0.0, abs=1e-9), pytest.approx(0.0, abs=1e-9))
    assert peak == pytest.approx(1.0, abs=1e-9)


def test_peak_strength_separates_related_from_unrelated_patches():
    a, a2 = speckled_pair((64, 64), 0.3, 0.2, seed=1)
    b, _ = speckled_pair((64, 64), 0, 0, seed=2)
    _, _, related = corr.phase_correlation(a, a2, domain="db")  # same scene, other speckle
    _, _, unrelated = corr.phase_correlation(a, b, domain="db")
    assert related > 0.7 and unrelated < 0.5


def test_shift_image_matches_roll_and_phase_options():
    a = log_scene((64, 80), seed=4)
    np.testing.assert_allclose(corr.shift_image(a, 0, 0), a)
    rolled = np.roll(a, (2, 5), axis=(0, 1))
    np.testing.assert_allclose(corr.shift_image(a, 2, 5)[10:-10, 10:-10], rolled[10:-10, 10:-10], atol=0.05)
    with pytest.raises(ValueError, match="window"):
        corr.phase_correlation(a, a, window="boxcar")
    dy, dx, _ = corr.phase_correlation(np.exp(a), np.exp(rolled), normalization="phase", domain="db")
    assert (dy, dx) == (pytest.approx(-2, abs=0.05), pytest.approx(-5, abs=0.05))


# ----------------------------------------------------------------------------------------------
# estimate_offsets, masks
# ----------------------------------------------------------------------------------------------

def test_estimate_offsets_translation_table():
    ref, mov = speckled_pair((384, 384), -3.62, 1.18, seed=7)
    table = ofs.estimate_offsets(ref, mov, window=64, domain="db")
    assert table.dtype == ofs.TABLE_DTYPE and len(table) == 36
    np.testing.assert_allclose(np.sort(np.unique(table["row"])), 31.5 + 64 * np.arange(6))
    fit = mdl.fit_model(table, "translation")
    assert fit.model.coef_y[0] == pytest.approx(-3.62, abs=0.02)
    assert fit.model.coef_x[0] == pytest.approx(1.18, abs=0.02)
    assert fit.inliers.sum() >= 33 and fit.rmse < 0.2


def test_masked_windows_are_skipped():
    ref, mov = speckled_pair((256, 256), 1.0, 1.0, seed=8)
    valid = np.ones(ref.shape, bool)
    valid[:128, :128] = False  # the top-left 4 windows
    table = ofs.estimate_offsets(ref, mov, window=64, valid_mask=valid, domain="db")
    assert len(table) == 12
    assert not np.any((table["row"] < 128) & (table["col"] < 128))
    assert np.all(table["valid_fraction"] >= 0.75)
    # No data in the moving image counts too.
    mov2 = mov.copy()
    mov2[128:, 128:] = np.nan
    assert len(ofs.estimate_offsets(ref, mov2, window=64, domain="db", initial=(1, 1))) == 12


def ridge_dem(shape=(200, 200), height=900.0):
    """A north-south ridge: steep east-facing and west-facing flanks (metres, 10 m pixels)."""
    cols = np.arange(shape[1])
    z = height * np.exp(-((cols - shape[1] / 2) / 12.0) ** 2)
    return np.tile(z, (shape[0], 1))


def test_terrain_exclusion_covers_layover_and_shadow():
    dem = ridge_dem(height=300.0)
    exclude, bits = ofs.terrain_exclusion(dem, 10.0, 10.0, 35.0, 348.0)
    lay = (bits & terrain.LAYOVER) > 0
    sha = (bits & terrain.SHADOW) > 0
    assert lay.any() and sha.any()
    assert np.all(exclude[lay | sha])
    assert not exclude[:, :40].any() and not exclude[:, -40:].any()  # flat ground kept
    # Windows on the ridge are skipped by estimate_offsets.
    ref, mov = speckled_pair(dem.shape, 0.5, 0.5, seed=9)
    table = ofs.estimate_offsets(ref, mov, window=40, valid_mask=~exclude, domain="db")
    assert len(table) > 0
    centre_cols = table["col"]
    on_ridge = np.abs(centre_cols - 100) < 20
    assert not on_ridge.any()


def test_water_mask_finds_dark_smooth_area():
    rng = np.random.default_rng(0)
    land = np.exp(log_scene((128, 128), seed=11)) * 0.1
    img = land * rng.gamma(4, 0.25, land.shape)
    img[40:90, 30:100] = 10 ** (-2.3) * rng.gamma(4, 0.25, (50, 70))  # -23 dB calm water
    water = ofs.water_mask(img)
    assert water[50:80, 40:90].mean() > 0.95
    assert water[:30].mean() < 0.05 and water[100:].mean() < 0.05


# ----------------------------------------------------------------------------------------------
# fit_model
# ----------------------------------------------------------------------------------------------

def grid_table(model, noise=0.03, seed=0, n=12):
    rng = np.random.default_rng(seed)
    rr, cc = np.meshgrid(np.linspace(32, 1000, n), np.linspace(32, 1400, n), indexing="ij")
    table = ofs.empty_table(rr.size)
    table["row"], table["col"] = rr.ravel(), cc.ravel()
    dy, dx = model.offsets(table["row"], table["col"])
    table["dy"] = dy + rng.normal(0, noise, dy.shape)
    table["dx"] = dx + rng.normal(0, noise, dx.shape)
    table["peak"] = rng.uniform(0.4, 0.9, dy.shape)
    return table


AFFINE_TRUE = mdl.Model("affine", (1.5, 0.002, -0.001), (-2.0, 0.001, 0.0015))


@pytest.mark.parametrize("method", ["ransac", "sigma"])
def test_outliers_are_rejected(method):
    table = grid_table(AFFINE_TRUE)
    rng = np.random.default_rng(1)
    bad = rng.choice(len(table), 20, replace=False)  # 14 % gross outliers
    table["dy"][bad] += rng.choice([-1, 1], 20) * rng.uniform(1.5, 6, 20)
    table["dx"][bad] += rng.uniform(-4, 4, 20)
    weak = np.setdiff1d(np.arange(len(table)), bad)[:5]
    table["peak"][weak] = 0.05  # weak peaks: rejected by the threshold whatever their offset
    fit = mdl.fit_model(table, "affine", min_peak=0.1, method=method)
    assert not fit.inliers[bad].any() and not fit.inliers[weak].any()
    assert fit.inliers.sum() >= len(table) - 25 - 5
    for got, want in ((fit.model.coef_y, AFFINE_TRUE.coef_y), (fit.model.coef_x, AFFINE_TRUE.coef_x)):
        assert np.all(np.abs(np.subtract(got, want)) < [0.03, 5e-5, 5e-5])
    assert fit.rmse == pytest.approx(0.03 * np.sqrt(2), rel=0.25)
    plain = mdl.fit_model(table, "affine", robust=False)
    assert abs(plain.model.coef_y[0] - 1.5) > 3 * abs(fit.model.coef_y[0] - 1.5)


def test_poly2_and_translation_fits():
    true = mdl.Model("poly2", (0.5, 1e-3, -2e-3, 1e-6, -2e-6, 3e-6), (-1.0, 0.0, 1e-3, -1e-6, 0.0, 2e-6))
    table = grid_table(true, noise=0.01)
    fit = mdl.fit_model(table, "poly2")
    rr, cc = np.meshgrid([0, 500, 1000], [0, 700, 1400], indexing="ij")
    for got, want in zip(fit.model.offsets(rr, cc), true.offsets(rr, cc)):
        np.testing.assert_allclose(got, want, atol=0.02)
    assert set(fit.model.params()) == {f"{a}[{t}]" for a in ("dy", "dx")
                                       for t in ("1", "col", "row", "col^2", "col*row", "row^2")}
    t = mdl.fit_model(grid_table(mdl.Model.translation(0.25, -0.75)), "translation")
    assert t.model.coef_y[0] == pytest.approx(0.25, abs=0.01)
    with pytest.raises(ValueError, match="too few valid windows"):
        mdl.fit_model(table[:4], "poly2")


def test_affine_model_recovered_from_synthetic_warp():
    """Warp a scene with a known affine offset field, speckle both, estimate and fit."""
    shape = (448, 448)
    true = mdl.Model("affine", (1.2, 0.003, -0.002), (-0.8, -0.0015, 0.0025))
    scene = log_scene(shape, seed=21)
    warped = rs.resample(scene, true, "cubic")  # ref(r, c) = scene(r - dy, c - dx)
    rng = np.random.default_rng(22)
    ref = np.exp(warped) * rng.gamma(4, 0.25, shape)
    mov = np.exp(scene) * rng.gamma(4, 0.25, shape)
    table = ofs.estimate_offsets(ref, mov, window=64, step=48, domain="db")
    fit = mdl.fit_model(table, "affine", min_peak=0.1)
    rr, cc = np.meshgrid([40, 224, 400], [40, 224, 400], indexing="ij")
    for got, want in zip(fit.model.offsets(rr, cc), true.offsets(rr, cc)):
        np.testing.assert_allclose(got, want, atol=0.06)


# ----------------------------------------------------------------------------------------------
# resample
# ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["nearest", "bilinear", "cubic", "lanczos"])
def test_identity_resampling_is_exact(method):
    rng = np.random.default_rng(0)
    img = rng.gamma(4, 0.25, (3, 50, 70)).astype(np.float32)
    img[0, 10, 10] = np.nan
    img[1, 20:23, 30:35] = np.nan
    out = rs.resample(img, mdl.Model.identity(), method)
    assert out.dtype == np.float32 and out.shape == img.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(img))
    if method == "lanczos":
        np.testing.assert_allclose(out, img, rtol=1e-6)
    else:
        np.testing.assert_array_equal(out, img)


@pytest.mark.parametrize("method", ["nearest", "bilinear", "cubic", "lanczos"])
def test_translation_resampling(method):
    scene = log_scene((80, 90), seed=2)
    model = mdl.Model.translation(2.0, -3.0)  # out(r, c) = scene(r - 2, c + 3)
    out = rs.resample(scene, model, method)
    np.testing.assert_allclose(out[2:, :-3], scene[:-2, 3:], atol=1e-5)
    assert np.isnan(out[:2]).all() and np.isnan(out[:, -3:]).all()  # outside -> no data
    # Sub-pixel: a sum of sinusoids below 0.1 cycle/pixel, whose shifted values are known exactly.
    rng = np.random.default_rng(3)
    freq = rng.uniform(-0.1, 0.1, (6, 2))
    phase = rng.uniform(0, 2 * np.pi, 6)

    def waves(r, c):
        return sum(np.cos(2 * np.pi * (fr * r + fc * c) + p) for (fr, fc), p in zip(freq, phase))

    rr, cc = np.mgrid[0:80, 0:90].astype(float)
    frac = rs.resample(waves(rr, cc), mdl.Model.translation(0.4, -0.3), method)
    err = np.abs(frac - waves(rr - 0.4, cc + 0.3))[4:-4, 4:-4]
    tol = {"nearest": 0.25, "bilinear": 0.04, "cubic": 0.002, "lanczos": 0.006}[method]
    assert np.nanmax(err) < tol * 6


def test_no_data_does_not_spread():
    img = np.ones((40, 40), np.float32)
    img[20, 20] = np.nan
    for method, reach in (("bilinear", 1), ("cubic", 2), ("lanczos", 3)):
        out = rs.resample(img, mdl.Model.translation(0.5, 0.5), method)
        bad = np.argwhere(np.isnan(out[1:, 1:]))  # ignore the first row/col (outside at -0.5)
        assert len(bad) > 0
        assert np.abs(bad + 1 - 20).max() <= reach
        np.testing.assert_allclose(out[np.isfinite(out)], 1.0, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# coregister_stack
# ----------------------------------------------------------------------------------------------

def test_coregister_stack_end_to_end(tmp_path):
    shape = (256, 320)
    ref, mov = speckled_pair(shape, 2.37, -4.81, seed=31)
    _, mov2 = speckled_pair(shape, -1.25, 0.6, seed=31)
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    mov_path = make_raster(tmp_path / "mov.tif", np.stack([mov, 2 * mov]))
    mov2_path = make_raster(tmp_path / "other.tif", mov2)
    out_dir = tmp_path / "out"
    logs = []
    result = cs.coregister_stack(ref_path, [mov_path, mov2_path], out_dir, model="translation",
                                 resampling="lanczos", log=logs.append)
    assert [os.path.basename(p) for p in result["outputs"]] == ["mov_coreg.tif", "other_coreg.tif"]
    rep = {r["image"]: r for r in result["images"]}
    assert rep["mov"]["parameters"]["dy[1]"] == pytest.approx(2.37, abs=0.03)
    assert rep["mov"]["parameters"]["dx[1]"] == pytest.approx(-4.81, abs=0.03)
    assert rep["other"]["parameters"]["dy[1]"] == pytest.approx(-1.25, abs=0.03)
    assert rep["mov"]["windows_used"] >= 15 and rep["mov"]["rmse_px"] < 0.3
    assert any("windows used" in m for m in logs)
    out = read_array(result["outputs"][0], 1)
    info = read_info(result["outputs"][0])
    assert info.bands == 2 and info.geotransform == GT and info.descriptions == ("B1", "B2")
    # The output is aligned with the reference.
    dy, dx, _ = corr.phase_correlation(ref[16:-16, 16:-16], np.nan_to_num(out[16:-16, 16:-16], nan=1.0),
                                       domain="db")
    assert abs(dy) < 0.05 and abs(dx) < 0.05
    assert np.isnan(out[:, -4:]).all()  # shifted in from outside the moving image
    with open(result["table"]) as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(cs.TABLE_COLUMNS)
    assert {r["image"] for r in rows} == {"mov", "other"}
    assert sum(int(r["inlier"]) for r in rows if r["image"] == "mov") == rep["mov"]["windows_used"]
    with open(result["report"]) as fh:
        report = json.load(fh)
    assert report["images"][0]["image"] == "mov" and report["model"] == "translation"


def test_different_grid_is_warped(tmp_path):
    shape = (256, 256)
    ref, mov = speckled_pair(shape, 1.6, -2.3, seed=41)
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    # Same data, but stored with an origin 3 pixels east and a 1-pixel-wider border ...
    gt_shifted = (GT[0] - 30.0, 10.0, 0.0, GT[3] + 20.0, 0.0, -10.0)
    padded = np.pad(mov, ((2, 0), (3, 0)), constant_values=np.nan)
    mov_path = make_raster(tmp_path / "mov_origin.tif", padded, geotransform=gt_shifted)
    # ... and reprojected to WGS 84 (another CRS).
    geo_path = str(tmp_path / "mov_wgs84.tif")
    gdal.Warp(geo_path, make_raster(tmp_path / "tmp.tif", mov), dstSRS="EPSG:4326",
              resampleAlg="cubic", dstNodata=float("nan"))
    logs = []
    result = cs.coregister_stack(ref_path, [mov_path, geo_path], tmp_path / "out", log=logs.append)
    assert result["warped"] == ["mov_origin", "mov_wgs84"]
    assert any("CRS" in m and "warped" in m for m in logs)
    rep = {r["image"]: r for r in result["images"]}
    assert rep["mov_origin"]["parameters"]["dy[1]"] == pytest.approx(1.6, abs=0.03)
    assert rep["mov_origin"]["parameters"]["dx[1]"] == pytest.approx(-2.3, abs=0.03)
    assert rep["mov_wgs84"]["parameters"]["dy[1]"] == pytest.approx(1.6, abs=0.15)
    for path in result["outputs"]:
        info = read_info(path)
        assert (info.xsize, info.ysize, info.geotransform) == (256, 256, GT)
    # The temporary rasters warped onto the reference grid (streamed mode) are removed.
    assert sorted(os.listdir(tmp_path / "out")) == sorted(
        [os.path.basename(p) for p in result["outputs"]] + [cs.DEFAULT_TABLE, cs.DEFAULT_REPORT])


def test_no_overlap_and_too_few_windows(tmp_path):
    ref, mov = speckled_pair((128, 128), 0.5, 0.5, seed=51)
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    far = make_raster(tmp_path / "far.tif", mov, geotransform=(700000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0))
    with pytest.raises(cs.CoregistrationError, match="does not overlap") as err:
        cs.coregister_stack(ref_path, [far], tmp_path / "out")
    assert err.value.path == far
    assert not os.path.exists(tmp_path / "out" / "far_coreg.tif")
    holes = mov.copy()
    holes[:, 40:] = np.nan
    sparse = make_raster(tmp_path / "sparse.tif", holes)
    with pytest.raises(cs.CoregistrationError, match="too few valid windows"):
        cs.coregister_stack(ref_path, [sparse], tmp_path / "out", window=32, model="affine")


def test_dem_mask_and_register_to_dem(tmp_path):
    """Absolute mode: SAR images simulated from a DEM, one of them displaced, are registered to the DEM."""
    rng = np.random.default_rng(61)
    shape, pad = (256, 256), 20
    hills = ndimage.gaussian_filter(rng.normal(size=(shape[0] + 2 * pad, shape[1] + 2 * pad)), 8)
    dem = 400.0 + 40.0 * hills / hills.std()
    dem[:, 190:230] += ridge_dem((1, 40), 200.0)  # a steep ridge: layover and shadow
    moved_dem = corr.shift_image(dem, 1.3, -0.7)[pad:-pad, pad:-pad]  # the ground seen 1.3 px south...
    dem = dem[pad:-pad, pad:-pad]

    def sar(z):
        return terrain.simulated_sar(z, 10.0, 10.0, np.radians(35.0), 348.0) * rng.gamma(4, 0.25, shape)

    ref_path = make_raster(tmp_path / "ref.tif", sar(dem))
    img_path = make_raster(tmp_path / "img.tif", sar(moved_dem))
    dem_path = make_raster(tmp_path / "dem.tif", dem)
    logs = []
    result = cs.coregister_stack(ref_path, [img_path], tmp_path / "out", dem_path=dem_path,
                                 register_to_dem=True, window=48, log=logs.append)
    assert any("layover, shadow" in m for m in logs)
    rep = {r["image"]: r for r in result["images"]}
    assert set(rep) == {"ref", "img"}  # the reference is registered too
    # Absolute mode is coarser than relative matching (a smooth simulated image, few windows):
    # each raster within 0.3 px of its true offset, their difference within 0.2 px.
    got = {k: np.array([v["parameters"]["dy[1]"], v["parameters"]["dx[1]"]]) for k, v in rep.items()}
    np.testing.assert_allclose(got["img"], [-1.3, 0.7], atol=0.3)  # ... aligned back
    np.testing.assert_allclose(got["ref"], [0.0, 0.0], atol=0.3)
    np.testing.assert_allclose(got["img"] - got["ref"], [-1.3, 0.7], atol=0.2)
    # No window centred on the ridge (its layover and shadow are excluded).
    with open(result["table"]) as fh:
        cols = [float(r["col"]) for r in csv.DictReader(fh)]
    assert cols and not any(175 <= c <= 195 for c in cols)
