"""Radiometric terrain flattening: a uniform-gamma0 surface must come back flat.

Expected values come from analytic plane formulas, from explicit 3-D vectors
(surface normal, line of sight, slant-plane normal) or from sigma0 simulated on a
larger DEM than the one flattened (so the flattening never sees the simulation's
own grid), never from the code under test.
"""
import numpy as np
import pytest
from scipy import ndimage

from sar_change.core.terrain import geometry as terrain
from sar_change.core.terrain.flattening import (
    AREA,
    COS_RATIO,
    EDGE_PAD,
    METHODS,
    fill_voids,
    flattening_reference,
    gamma0_flattened,
    layover_shadow_extended,
    sigma0_to_gamma0_ellipsoid,
    simulated_sar_extended,
)
from sar_change.core.terrain.geometry import LAYOVER, SHADOW, layover_shadow, look_azimuth, simulated_sar

THETA = np.radians(35.0)
ASC, DESC = 348.0, 192.0  # Sentinel-1 headings (degrees clockwise from north)
HEADINGS = [ASC, DESC, 0.0, 45.0, 260.0]
G0 = 0.25  # uniform gamma0 of the synthetic surfaces (linear power)
ROME = "dem/Rome-30m-DEM.tif"


def _look_coords(shape, dx, dy, heading, right=True):
    """Ground coordinates (metres) of pixel centres: u along the look (away from the sensor), v across."""
    rows, cols = shape
    x = (np.arange(cols) - (cols - 1) / 2) * dx
    y = -(np.arange(rows) - (rows - 1) / 2) * dy
    x, y = np.meshgrid(x, y)
    look = look_azimuth(heading, right)
    return x * np.sin(look) + y * np.cos(look), x * np.cos(look) - y * np.sin(look)


def _plane_sigma0(beta, theta=THETA, gamma0=G0):
    """sigma0 of a uniform-gamma0 plane with range slope beta (radians, > 0 facing the sensor).

    Per metre of azimuth, ground dU (horizontal) of the plane receives power gamma0 * A_gamma with
    A_gamma = dU (cos(theta) + tan(beta) sin(theta)) (area projected normal to the line of sight)
    and spans dU (1 - tan(beta) cot(theta)) of ellipsoid ground range; the ratio simplifies to
    sin(theta) cot(theta - beta).
    """
    return gamma0 * np.sin(theta) / np.tan(theta - beta)


def _ridge(u, height, tan_slope):
    return np.maximum(0.0, height - np.abs(u) * tan_slope)


# ------------------------------------------------------------------------------------------------
# Ellipsoid gamma0
# ------------------------------------------------------------------------------------------------

def test_sigma0_to_gamma0_ellipsoid():
    sigma0 = np.array([[0.1, 0.02], [1.0, np.nan]], np.float32)
    theta = np.radians([[30.0, 35.0], [45.0, 40.0]])
    got = sigma0_to_gamma0_ellipsoid(sigma0, theta)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got[0], [0.1 / np.cos(np.radians(30)), 0.02 / np.cos(np.radians(35))],
                               rtol=1e-6)
    assert got[1, 0] == pytest.approx(np.sqrt(2), rel=1e-6) and np.isnan(got[1, 1])
    assert sigma0_to_gamma0_ellipsoid(0.2, THETA) == pytest.approx(0.2 / np.cos(THETA), rel=1e-6)
    with pytest.raises(ValueError, match="radians"):
        sigma0_to_gamma0_ellipsoid(sigma0, 35.0)  # degrees by mistake


# ------------------------------------------------------------------------------------------------
# Planes: both methods exact, borders included
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("beta_deg, alpha_deg", [(0.0, 0.0), (20.0, 0.0), (-30.0, 15.0), (10.0, -25.0)])
def test_uniform_gamma0_planes_come_back_flat(method, heading, beta_deg, alpha_deg):
    """Planes with a range slope beta and an azimuth slope: gamma0 recovered on every pixel (borders too)."""
    dx, dy = 10.0, 14.0
    u, v = _look_coords((37, 45), dx, dy, heading)
    dem = 800.0 + np.tan(np.radians(beta_deg)) * u + np.tan(np.radians(alpha_deg)) * v
    sigma0 = np.full(dem.shape, _plane_sigma0(np.radians(beta_deg)), np.float32)
    got = gamma0_flattened(sigma0, dem, dx, dy, THETA, heading, method=method)
    assert got.dtype == np.float32 and got.shape == dem.shape
    np.testing.assert_allclose(got, G0, rtol=1e-4)


@pytest.mark.parametrize("heading", [ASC, DESC])
def test_simulated_plane_flattened_by_area_method(heading):
    """sigma0 = G0 x terrain.simulated_sar of a tilted plane (larger DEM): G0 within 1e-4 everywhere."""
    dx = 10.0
    u, v = _look_coords((60, 70), dx, dx, heading)
    dem = 500.0 + np.tan(np.radians(15.0)) * u + 0.2 * v
    crop = (slice(10, -10), slice(10, -10))
    sigma0 = G0 * simulated_sar(dem, dx, dx, THETA, heading)[crop]
    got = gamma0_flattened(sigma0, dem[crop], dx, dx, THETA, heading, method=AREA)
    np.testing.assert_allclose(got, G0, rtol=1e-4)
    # The plane faces the sensor (foreshortening): sigma0 was far from gamma0.
    assert np.all(sigma0 > 1.5 * G0)


def test_varying_incidence_on_flat_ground():
    theta = np.tile(np.linspace(np.radians(30), np.radians(44), 60), (40, 1))
    sigma0 = G0 * np.cos(theta)
    for method in METHODS:
        got = gamma0_flattened(sigma0, np.full(theta.shape, 120.0), 10.0, 10.0, theta, 0.0, method=method)
        np.testing.assert_allclose(got, G0, rtol=1e-3)
        np.testing.assert_allclose(got, sigma0_to_gamma0_ellipsoid(sigma0, theta), rtol=1e-3)


# ------------------------------------------------------------------------------------------------
# Cosine ratio: the projection-angle formula, from explicit vectors
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("right", [True, False])
@pytest.mark.parametrize("heading", [ASC, DESC, 100.0])
@pytest.mark.parametrize("a, b", [(0.3, -0.2), (-0.5, 0.1), (0.05, 0.6)])
def test_cos_ratio_matches_projection_angle_formula(heading, right, a, b):
    """gamma0 = sigma0 cos(psi) / (sin(theta) cos(theta_loc)) with psi, theta_loc from 3-D vectors."""
    dx, dy = 12.0, 9.0
    rows, cols = 21, 26
    x = (np.arange(cols) - cols / 2) * dx
    y = -(np.arange(rows) - rows / 2) * dy
    x, y = np.meshgrid(x, y)
    dem = a * x + b * y + 300.0  # rises by a per metre eastwards, b northwards
    rng = np.random.default_rng(7)
    sigma0 = rng.gamma(4.0, 0.05, dem.shape).astype(np.float32)

    psi_h = np.radians(heading)
    track = np.array([np.sin(psi_h), np.cos(psi_h), 0.0])  # flight direction (east, north, up)
    right_of_track = np.array([np.cos(psi_h), -np.sin(psi_h), 0.0])
    look = right_of_track if right else -right_of_track  # horizontal, from the sensor to the ground
    up = np.array([0.0, 0.0, 1.0])
    to_sensor = -np.sin(THETA) * look + np.cos(THETA) * up
    slant_normal = np.cos(THETA) * look + np.sin(THETA) * up  # normal of the (range, azimuth) plane
    assert abs(slant_normal @ to_sensor) < 1e-12 and abs(slant_normal @ track) < 1e-12
    normal = np.array([-a, -b, 1.0]) / np.sqrt(1 + a * a + b * b)
    cos_psi, cos_loc = normal @ slant_normal, normal @ to_sensor
    expected = sigma0 * cos_psi / (np.sin(THETA) * cos_loc)

    got = gamma0_flattened(sigma0, dem, dx, dy, THETA, heading, right, method=COS_RATIO, mask_distorted=False)
    if cos_psi <= 0 or cos_loc <= 0:  # active layover or shadow: undefined
        assert np.isnan(got).all()
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-5)
        beta = np.arctan(look @ np.array([a, b, 0.0]))  # range slope: height gained along the look
        np.testing.assert_allclose(got, sigma0 * np.tan(THETA - beta) / np.sin(THETA), rtol=1e-5)


def test_cos_ratio_undefined_on_active_layover_and_shadow():
    dx = 10.0
    u, _ = _look_coords((20, 24), dx, dx, 0.0)
    sigma0 = np.full(u.shape, 0.3, np.float32)
    steep_facing = 1000 + np.tan(np.radians(50.0)) * u  # range slope 50 > 35 deg: active layover
    steep_away = 1000 - np.tan(np.radians(60.0)) * u  # faces away, steeper than 90 - 35: active shadow
    for dem in (steep_facing, steep_away):
        got = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=COS_RATIO, mask_distorted=False)
        assert np.isnan(got).all()


# ------------------------------------------------------------------------------------------------
# Ridges: area method exact on the simulation, layover/shadow masked
# ------------------------------------------------------------------------------------------------

def _simulated_ridge(heading, height, slope_deg, shape=(80, 90), margin=20, dx=10.0):
    """A ridge across the look direction, simulated on a DEM ``margin`` pixels larger on every side.

    Returns the cropped (DEM, sigma0 of uniform G0, u) and the layover/shadow mask of the large DEM
    cropped: the truth, which sees the terrain beyond the crop.
    """
    big = (shape[0] + 2 * margin, shape[1] + 2 * margin)
    u, _ = _look_coords(big, dx, dx, heading)
    dem = _ridge(u, height, np.tan(np.radians(slope_deg)))
    crop = (slice(margin, -margin), slice(margin, -margin))
    sigma0 = G0 * simulated_sar(dem, dx, dx, THETA, heading)
    truth = layover_shadow(dem, dx, dx, THETA, heading)
    return dem[crop], sigma0[crop], u[crop], truth[crop]


def _border_distance(shape):
    rows, cols = np.indices(shape)
    return np.minimum(np.minimum(rows, shape[0] - 1 - rows), np.minimum(cols, shape[1] - 1 - cols))


@pytest.mark.parametrize("heading", [ASC, DESC, 0.0, 180.0])
@pytest.mark.parametrize("height, slope_deg", [(150.0, 25.0), (200.0, 60.0)])
def test_simulated_ridge_flattened_by_area_method(heading, height, slope_deg):
    """Gentle (foreshortening only) and steep (layover + shadow) ridges: G0 within 1e-4 outside L/S.

    For oblique looks the ridge crosses the crop's edges, where the flattening extends the DEM by
    reflection instead of the real ridge: pixels within 6 of the border are left out there. For
    looks along the rows the reflection is the real continuation and every pixel is checked.
    """
    dx = 10.0
    dem, sigma0, _, truth = _simulated_ridge(heading, height, slope_deg, dx=dx)
    got = gamma0_flattened(sigma0, dem, dx, dx, THETA, heading, method=AREA)
    distorted = truth & (LAYOVER | SHADOW) > 0
    inner = _border_distance(dem.shape) >= (0 if heading in (0.0, 180.0) else 6)
    check = inner & ~distorted
    assert check.sum() > 0.3 * dem.size
    np.testing.assert_allclose(got[check], G0, rtol=1e-4)
    np.testing.assert_array_equal(np.isnan(got[inner]), distorted[inner])
    if slope_deg > 45:
        assert distorted.sum() > 0.2 * dem.size
        # The edge extension finds layover/shadow near the borders that the plain mask misses.
        plain = layover_shadow(dem, dx, dx, THETA, heading) & (LAYOVER | SHADOW) > 0
        extended = layover_shadow_extended(dem, dx, dx, THETA, heading) & (LAYOVER | SHADOW) > 0
        assert np.count_nonzero(extended != distorted) <= np.count_nonzero(plain != distorted)
    else:
        assert not distorted.any()
        assert np.abs(sigma0 / G0 - 1).max() > 0.5  # the foreshortened flank was far from flat


def test_distortion_mask_exactly_nan_and_unmasked_layover():
    """Azimuth-aligned steep ridge: NaN exactly on layover/shadow; unmasked, layover keeps gamma0."""
    dx = 10.0
    dem, sigma0, u, mask = _simulated_ridge(0.0, 200.0, 60.0, shape=(20, 101), margin=10, dx=dx)
    np.testing.assert_array_equal(layover_shadow(dem, dx, dx, THETA, 0.0), mask)
    np.testing.assert_array_equal(layover_shadow_extended(dem, dx, dx, THETA, 0.0), mask)
    masked = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=AREA, mask_distorted=True)
    distorted = mask & (LAYOVER | SHADOW) > 0
    np.testing.assert_array_equal(np.isnan(masked), distorted)
    assert (mask & LAYOVER > 0).sum() >= 20 * 30 and (mask & SHADOW > 0).sum() >= 20 * 13

    kept = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=AREA, mask_distorted=False)
    shadow_only = mask == SHADOW
    assert np.isnan(kept[shadow_only]).all()  # nothing illuminated: no estimate
    layover_only = mask == LAYOVER
    # Small 2011: layover normalised by the area of all terrain sharing the cell -> uniform gamma0 again.
    np.testing.assert_allclose(kept[layover_only], G0, rtol=1e-4)
    assert np.all(sigma0[layover_only] > 1.3 * G0)

    cos = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=COS_RATIO, mask_distorted=True)
    np.testing.assert_array_equal(np.isnan(cos), distorted)


def test_area_beats_cos_ratio_near_crest_and_foot():
    """Both exact on the flanks; only the area method handles slant-range cells spanning a bend."""
    dx = 10.0
    dem, sigma0, u, _ = _simulated_ridge(0.0, 150.0, 25.0, shape=(10, 120), margin=10, dx=dx)
    area = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=AREA)
    cos = gamma0_flattened(sigma0, dem, dx, dx, THETA, 0.0, method=COS_RATIO)
    foot = 150.0 / np.tan(np.radians(25.0))
    away = (np.abs(u) > 6 * dx) & (np.abs(np.abs(u) - foot) > 6 * dx)
    np.testing.assert_allclose(area, G0, rtol=1e-4)
    np.testing.assert_allclose(cos[away], G0, rtol=1e-3)
    assert np.nanmax(np.abs(cos / G0 - 1)) > 0.1


# ------------------------------------------------------------------------------------------------
# No data, bands, errors
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_no_data_and_bands(method):
    """DEM voids and NaN incidence give NaN (cosine ratio: with their 3x3 neighbours, for the slopes);
    the area method fills the voids for the simulation, so their neighbours stay exact."""
    dx = 10.0
    u, _ = _look_coords((30, 40), dx, dx, ASC)
    dem = 200.0 + 0.2 * u
    dem[10:13, 20:24] = np.nan
    theta = np.full(dem.shape, THETA)
    theta[25, 5] = np.nan
    one = _plane_sigma0(np.arctan(0.2))
    sigma0 = np.stack([np.full(dem.shape, one), np.full(dem.shape, 4 * one)]).astype(np.float32)
    sigma0[1, 0, 0] = np.nan
    got = gamma0_flattened(sigma0, dem, dx, dx, theta, ASC, method=method)
    assert got.shape == (2, 30, 40)
    voids = np.isnan(dem) | np.isnan(theta)
    if method == COS_RATIO:
        voids = ndimage.binary_dilation(voids, np.ones((3, 3), bool))
    np.testing.assert_array_equal(np.isnan(got[0]), voids)
    assert np.isnan(got[1, 0, 0]) and not np.isnan(got[0, 0, 0])
    np.testing.assert_allclose(got[0][~voids], G0, rtol=1e-4)
    np.testing.assert_allclose(got[1][~voids & (np.indices(dem.shape).sum(0) > 0)], 4 * G0, rtol=1e-4)


def test_fill_voids():
    x, y = np.meshgrid(np.arange(60.0), np.arange(50.0))
    plane = 3.0 * x - 2.0 * y + 7.0
    holed = plane.copy()
    holed[10:20, 5:35] = np.nan  # 10 pixels across: within the harmonic band
    holed[30:33, 40:42] = np.nan
    np.testing.assert_allclose(fill_voids(holed), plane, atol=1e-6)
    sea = plane.copy()
    sea[:, :25] = np.nan  # wide void touching the edges: smooth near the coast, finite everywhere
    filled = fill_voids(sea)
    assert np.isfinite(filled).all()
    np.testing.assert_array_equal(filled[:, 25:], plane[:, 25:])
    assert np.isnan(fill_voids(np.full((3, 4), np.nan))).all()


def test_errors():
    dem = np.zeros((5, 6))
    with pytest.raises(ValueError, match="unknown flattening method"):
        flattening_reference(dem, 10.0, 10.0, THETA, ASC, method="minnaert")
    with pytest.raises(ValueError, match="radians"):
        flattening_reference(dem, 10.0, 10.0, 35.0, ASC)
    with pytest.raises(ValueError, match="same grid"):
        gamma0_flattened(np.ones((5, 7)), dem, 10.0, 10.0, THETA, ASC)
    with pytest.raises(ValueError, match="2-D"):
        flattening_reference(np.zeros(5), 10.0, 10.0, THETA, ASC)


def test_extended_simulation_fixes_the_border():
    """Flat ground: plain simulated_sar darkens the outer pixels, the extended one does not."""
    flat = np.zeros((30, 40))
    plain = simulated_sar(flat, 10.0, 10.0, THETA, ASC)
    extended = simulated_sar_extended(flat, 10.0, 10.0, THETA, ASC)
    assert plain.min() < 0.5 * np.cos(THETA)
    np.testing.assert_allclose(extended, np.cos(THETA), rtol=1e-5)
    assert EDGE_PAD >= 4


# ------------------------------------------------------------------------------------------------
# Real DEM
# ------------------------------------------------------------------------------------------------

def test_real_dem_flattened_is_flat(shared_data):
    """Rome 30 m DEM (5-115 m, hills): a simulated uniform-gamma0 image is flat after flattening.

    sigma0 is simulated on the whole DEM and a crop 8 pixels inside is flattened, so the reference
    is computed on another grid extent than the simulation: the residual is the simulation's own
    discretisation (slant-range cells one pixel wide whose phase follows the grid extent).
    """
    from osgeo import gdal

    ds = gdal.Open(str(shared_data / ROME))
    band = ds.GetRasterBand(1)
    dem = band.ReadAsArray().astype(np.float64)
    dem[dem == band.GetNoDataValue()] = np.nan
    dx, dy = terrain.pixel_size_metres(ds.GetGeoTransform(), ds.GetProjection(), ds.RasterYSize)
    crop = (slice(8, -8), slice(8, -8))
    for heading in (ASC, DESC):
        sigma0 = (G0 * simulated_sar(dem, dx, dy, THETA, heading))[crop]
        before = 10 * np.log10(sigma0)
        stds = {}
        for method in METHODS:
            got = gamma0_flattened(sigma0, dem[crop], dx, dy, THETA, heading, method=method)
            valid = np.isfinite(got)
            assert valid.mean() > 0.99
            stds[method] = np.std(10 * np.log10(got[valid]))
            assert abs(np.median(10 * np.log10(got[valid])) - 10 * np.log10(G0)) < 0.05
        assert np.std(before) > 0.5
        assert stds[AREA] < 0.1
        assert stds[COS_RATIO] < 0.2
        assert stds[AREA] < stds[COS_RATIO] < np.std(before) / 4
