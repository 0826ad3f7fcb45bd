"""Terrain geometry: pixel sizes, slope/aspect, local incidence, layover/shadow, simulated SAR.

Expected values are analytic (planes, triangular ridges), from an independent
construction (vectors, geocentric coordinates through osr) or from a brute-force
O(n^2) ray tracing, never from the code under test.
"""
import time

import numpy as np
import pytest

from sar_change.core.terrain.geometry import (
    FORESHORTENING,
    LAYOVER,
    SHADOW,
    layover_shadow,
    local_incidence,
    look_azimuth,
    pixel_size_metres,
    projected_local_incidence,
    range_slope,
    simulated_sar,
    slope_aspect,
)

THETA = np.radians(35.0)
ASC, DESC = 348.0, 192.0  # Sentinel-1 headings (degrees clockwise from north)
HEADINGS = [ASC, DESC, 0.0, 45.0, 260.0]
HIMALAYAS = "dem/dem_himalayas_E81p5_N28p3_short.tiff"


def _wkt(epsg):
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs.ExportToWkt()


def _geocentric_spacing(lat, lon, dlon, dlat):
    """Metres between grid neighbours from WGS84 geocentric coordinates (osr), independently of Snyder."""
    from osgeo import osr

    geo, ecef = osr.SpatialReference(), osr.SpatialReference()
    geo.ImportFromEPSG(4326)
    ecef.ImportFromEPSG(4978)
    for srs in (geo, ecef):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    tr = osr.CoordinateTransformation(geo, ecef)
    p0 = np.array(tr.TransformPoint(lon, lat, 0.0))
    px = np.array(tr.TransformPoint(lon + dlon, lat, 0.0))
    py = np.array(tr.TransformPoint(lon, lat + dlat, 0.0))
    return np.linalg.norm(px - p0), np.linalg.norm(py - p0)


def _read_dem(path):
    from osgeo import gdal

    ds = gdal.Open(str(path))
    band = ds.GetRasterBand(1)
    dem = band.ReadAsArray().astype(np.float64)
    if band.GetNoDataValue() is not None:
        dem[dem == band.GetNoDataValue()] = np.nan
    dx, dy = pixel_size_metres(ds.GetGeoTransform(), ds.GetProjection(), ds.RasterYSize)
    return dem, dx, dy


def _centred_xy(shape, dx, dy):
    """East and north coordinates (metres) of pixel centres relative to the raster centre."""
    rows, cols = shape
    x = (np.arange(cols) - (cols - 1) / 2) * dx
    y = -(np.arange(rows) - (rows - 1) / 2) * dy
    return np.meshgrid(x, y)


# ------------------------------------------------------------------------------------------------
# pixel_size_metres
# ------------------------------------------------------------------------------------------------

def test_pixel_size_projected_metres():
    gt = (500000.0, 10.0, 0.0, 5_000_000.0, 0.0, -20.0)
    assert pixel_size_metres(gt, _wkt(32633)) == (10.0, 20.0)


def test_pixel_size_one_arcsecond_at_45_degrees():
    arcsec = 1 / 3600
    rows = 3600  # centre row at latitude 45.0 exactly
    gt = (10.0, arcsec, 0.0, 45.5, 0.0, -arcsec)
    dx, dy = pixel_size_metres(gt, _wkt(4326), rows=rows)
    ex, ey = _geocentric_spacing(45.0, 10.0, arcsec, arcsec)
    assert dx == pytest.approx(ex, rel=1e-6)
    assert dy == pytest.approx(ey, rel=1e-6)
    assert (dx, dy) == pytest.approx((21.90, 30.87), abs=0.01)
    # Without rows the origin latitude (45.5) is used.
    dx_top, _ = pixel_size_metres(gt, _wkt(4326))
    assert dx_top == pytest.approx(_geocentric_spacing(45.5, 10.0, arcsec, arcsec)[0], rel=1e-6)


def test_pixel_size_of_the_real_geographic_dem(shared_data):
    from osgeo import gdal

    ds = gdal.Open(str(shared_data / HIMALAYAS))
    gt = ds.GetGeoTransform()
    dx, dy = pixel_size_metres(gt, ds.GetProjection(), ds.RasterYSize)
    lat = gt[3] + gt[5] * ds.RasterYSize / 2
    expected = _geocentric_spacing(lat, gt[0], gt[1], -gt[5])
    assert (dx, dy) == pytest.approx(expected, rel=1e-6)
    assert (dx, dy) == pytest.approx((27.25, 30.78), abs=0.01)


def test_pixel_size_refuses_feet_unknown_units_and_rotation():
    gt = (0.0, 10.0, 0.0, 0.0, 0.0, -10.0)
    with pytest.raises(ValueError, match="projected CRS in metres"):
        pixel_size_metres(gt, _wkt(2227))  # California zone 3, US survey feet
    with pytest.raises(ValueError, match="projected CRS in metres"):
        pixel_size_metres(gt, 'LOCAL_CS["engineering",UNIT["unknown",1]]')
    with pytest.raises(ValueError, match="projected CRS in metres"):
        pixel_size_metres(gt, "")
    with pytest.raises(ValueError, match="rotated"):
        pixel_size_metres((0.0, 10.0, 2.0, 0.0, 0.0, -10.0), _wkt(32633))


# ------------------------------------------------------------------------------------------------
# slope_aspect, look_azimuth, local incidence
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, aspect_deg", [
    (0.3, 0.0, 270.0),   # rises eastwards: faces west
    (-0.3, 0.0, 90.0),   # rises westwards: faces east
    (0.0, 0.5, 180.0),   # rises northwards: faces south
    (0.0, -0.5, 0.0),    # rises southwards: faces north
    (0.2, -0.4, None),
    (-1.5, 0.7, None),
])
def test_slope_aspect_of_tilted_planes(a, b, aspect_deg):
    dx, dy = 12.0, 30.0
    x, y = _centred_xy((17, 23), dx, dy)
    slope, aspect = slope_aspect(a * x + b * y + 500.0, dx, dy)
    assert np.allclose(slope, np.arctan(np.hypot(a, b)), atol=1e-12)  # edges included
    expected = np.mod(np.arctan2(-a, -b), 2 * np.pi) if aspect_deg is None else np.radians(aspect_deg)
    assert np.allclose(np.angle(np.exp(1j * (aspect - expected))), 0.0, atol=1e-12)


def test_slope_aspect_no_data_and_flat():
    dem = np.full((9, 9), 100.0)
    slope, aspect = slope_aspect(dem, 10.0, 10.0)
    assert np.all(slope == 0) and np.all(aspect == 0)
    dem[4, 4] = np.nan
    slope, aspect = slope_aspect(dem, 10.0, 10.0)
    assert np.isnan(slope[3:6, 3:6]).all() and np.isnan(aspect[4, 4])
    assert np.isfinite(slope).sum() == 81 - 9


def test_look_azimuth():
    assert np.degrees(look_azimuth(ASC)) == pytest.approx(78.0)
    assert np.degrees(look_azimuth(DESC)) == pytest.approx(282.0)
    assert np.degrees(look_azimuth(ASC, right_looking=False)) == pytest.approx(258.0)
    assert np.degrees(look_azimuth(10.0, right_looking=False)) == pytest.approx(280.0)


@pytest.mark.parametrize("right", [True, False])
@pytest.mark.parametrize("heading", HEADINGS)
def test_local_incidence_analytic_cases(heading, right):
    look = look_azimuth(heading, right)
    theta = np.array([0.3, THETA, 0.8])
    alpha = np.array([0.1, 0.25, 0.5])
    assert np.allclose(local_incidence(0.0, 0.0, theta, heading, right), theta)
    facing = local_incidence(alpha, look + np.pi, theta, heading, right)  # faces back to the sensor
    assert np.allclose(facing, theta - alpha)
    away = local_incidence(alpha, look, theta, heading, right)
    assert np.allclose(away, theta + alpha)
    for side in (np.pi / 2, -np.pi / 2):
        across = local_incidence(alpha, look + side, theta, heading, right)
        assert np.allclose(across, np.arccos(np.cos(theta) * np.cos(alpha)))
    # Projected (range-plane) local incidence: theta -/+ slope along the look, theta across it.
    assert np.allclose(projected_local_incidence(alpha, look + np.pi, theta, heading, right), theta - alpha)
    assert np.allclose(projected_local_incidence(alpha, look, theta, heading, right), theta + alpha)
    assert np.allclose(projected_local_incidence(alpha, look + np.pi / 2, theta, heading, right), theta)
    assert np.allclose(range_slope(alpha, look + np.pi, heading, right), alpha)


@pytest.mark.parametrize("right", [True, False])
@pytest.mark.parametrize("heading", HEADINGS)
def test_local_incidence_matches_vectors_on_a_plane_dem(heading, right):
    """Plane DEM -> slope_aspect -> local_incidence equals the angle between explicit 3-D vectors."""
    a, b, dx, dy = 0.35, -0.6, 10.0, 15.0
    x, y = _centred_xy((7, 8), dx, dy)
    slope, aspect = slope_aspect(a * x + b * y, dx, dy)
    got = local_incidence(slope, aspect, THETA, heading, right)
    psi = np.radians(heading)
    left = np.array([-np.cos(psi), np.sin(psi), 0.0])  # horizontal, left of the flight direction
    to_sensor_h = left if right else -left  # a right-looking sensor sits to the left of its swath
    los = np.sin(THETA) * to_sensor_h + np.array([0.0, 0.0, np.cos(THETA)])
    normal = np.array([-a, -b, 1.0]) / np.sqrt(1 + a * a + b * b)
    assert np.allclose(got, np.arccos(normal @ los), atol=1e-12)


# ------------------------------------------------------------------------------------------------
# Layover / shadow
# ------------------------------------------------------------------------------------------------

def _ridge(u, height, tan_slope):
    return np.maximum(0.0, height - np.abs(u) * tan_slope)


def _ridge_expectation(u, height, tan_slope, theta):
    """Analytic layover and shadow along u (ground range away from the sensor, peak at u = 0)."""
    w = height / tan_slope  # half width
    cot = 1 / np.tan(theta)
    layover = np.zeros(u.shape, bool)
    shadow = np.zeros(u.shape, bool)
    bounds = []
    if tan_slope > np.tan(theta):
        # rho = u - h cot(theta): the peak's rho, -H cot, is the smallest on the ridge; everything
        # from there to the foot (rho = -w) overlaps. Behind the peak, rho(u) = u - (H - u tan)cot
        # stays below the foot's -w up to u = (H cot - w) / (1 + tan cot).
        near, far = -height * cot, (height * cot - w) / (1 + tan_slope * cot)
        layover = (u >= near) & (u <= far)
        bounds += [near, far]
    if tan_slope > cot:  # back slope steeper than 90 deg - theta: shadow from the peak to H tan(theta)
        end = height * np.tan(theta)
        shadow = (u > 0) & (u < end)
        bounds += [0.0, end]
    return layover, shadow, np.array(bounds)


@pytest.mark.parametrize("heading, right", [(0.0, True), (180.0, True), (180.0, False), (0.0, False)])
def test_steep_ridge_along_azimuth_layover_and_shadow_lengths(heading, right):
    """N-S ridge, 200 m high, 60 deg flanks, looked at from the west or the east (pixels on the lines)."""
    dx = 10.0
    x, _ = _centred_xy((30, 101), dx, dx)
    height, tan_slope = 200.0, np.tan(np.radians(60.0))
    dem = _ridge(x, height, tan_slope)
    mask = layover_shadow(dem, dx, dx, THETA, heading, right)
    u = x * np.sin(look_azimuth(heading, right))  # ground range away from the sensor
    lay, sh, _ = _ridge_expectation(u, height, tan_slope, THETA)
    assert np.array_equal(mask & LAYOVER > 0, lay)
    assert np.array_equal(mask & SHADOW > 0, sh)
    # Shadow length H tan(theta) = 140.04 m: 14 pixels; layover from -H cot(theta) = -285.6 m to +49 m.
    assert (mask[15] & SHADOW > 0).sum() * dx == pytest.approx(height * np.tan(THETA), abs=dx)
    assert (mask[15] & LAYOVER > 0).sum() == 28 + 1 + 4
    # The sensor-facing flank (60 deg > theta) is active layover, never foreshortening.
    facing = (u < 0) & (dem > 0)
    assert np.all(mask[facing] & LAYOVER) and not np.any(mask & FORESHORTENING)


@pytest.mark.parametrize("heading, right", [(ASC, True), (DESC, True), (ASC, False), (30.0, True)])
def test_steep_ridge_across_an_oblique_look(heading, right):
    """Ridge perpendicular to an oblique look direction: flags off by at most one pixel from the analytic."""
    dx = 10.0
    look = look_azimuth(heading, right)
    x, y = _centred_xy((121, 121), dx, dx)
    u = x * np.sin(look) + y * np.cos(look)
    v = x * np.cos(look) - y * np.sin(look)
    height, tan_slope = 200.0, np.tan(np.radians(60.0))
    dem = _ridge(u, height, tan_slope)
    mask = layover_shadow(dem, dx, dx, THETA, heading, right)
    lay, sh, bounds = _ridge_expectation(u, height, tan_slope, THETA)
    # Pixels whose range line holds the whole ridge profile inside the raster.
    inner = (np.abs(v) < 150) & (np.abs(u) < 450)
    far_from_bounds = np.min(np.abs(u[..., None] - bounds), axis=-1) > dx
    check = inner & far_from_bounds
    assert check.sum() > 2000
    assert np.array_equal((mask & LAYOVER > 0)[check], lay[check])
    assert np.array_equal((mask & SHADOW > 0)[check], sh[check])
    shadow_u = u[inner & (mask & SHADOW > 0)]
    assert shadow_u.max() == pytest.approx(height * np.tan(THETA), abs=dx)


@pytest.mark.parametrize("heading", HEADINGS)
def test_gentle_ridge_has_no_layover_or_shadow(heading):
    dx = 10.0
    look = look_azimuth(heading)
    x, y = _centred_xy((80, 90), dx, dx)
    u = x * np.sin(look) + y * np.cos(look)
    dem = _ridge(u, 100.0, np.tan(np.radians(20.0)))  # 20 deg < theta and < 90 - theta
    mask = layover_shadow(dem, dx, dx, THETA, heading)
    assert not np.any(mask & (LAYOVER | SHADOW))
    fore = mask & FORESHORTENING > 0
    assert np.all(fore[(u < -2 * dx) & (u > -250)])  # facing flank, away from the crest and the foot
    assert not np.any(fore[u > 2 * dx])


def test_ascending_descending_mirror_symmetry():
    """Flipping the DEM east-west and swapping ascending/descending flips the mask."""
    rng = np.random.default_rng(3)
    dem = 30 * rng.normal(size=(150, 170)).cumsum(axis=0).cumsum(axis=1) / 20
    dx, dy = 27.2, 30.8
    asc = layover_shadow(dem, dx, dy, THETA, ASC)
    desc = layover_shadow(dem[:, ::-1], dx, dy, THETA, DESC)
    assert (asc & (LAYOVER | SHADOW)).any()
    assert np.array_equal(asc, desc[:, ::-1])
    # Left-looking with the opposite heading is the same look direction.
    assert np.array_equal(layover_shadow(dem, dx, dy, THETA, ASC - 180, right_looking=False), asc)


def test_array_incidence_and_no_data():
    dx = 10.0
    x, _ = _centred_xy((20, 101), dx, dx)
    dem = _ridge(x, 200.0, np.tan(np.radians(60.0)))
    scalar = layover_shadow(dem, dx, dx, THETA, 0.0)
    assert np.array_equal(layover_shadow(dem, dx, dx, np.full(dem.shape, THETA), 0.0), scalar)
    dem[3, 10] = np.nan
    assert layover_shadow(dem, dx, dx, THETA, 0.0)[3, 10] == 0
    with pytest.raises(ValueError, match="radians"):
        layover_shadow(dem, dx, dx, 35.0, 0.0)
    with pytest.raises(ValueError, match="shape"):
        layover_shadow(dem, dx, dx, np.full((3, 3), THETA), 0.0)


def _brute_force_row(h, x, theta):
    """O(n^2) ray tracing of one profile, x increasing away from the sensor (all pairs at once)."""
    cot = 1 / np.tan(theta)
    before = np.tri(h.size, k=-1, dtype=bool)  # before[i, j]: j nearer to the sensor than i
    # Shadow: h_i below the ray grazing some nearer point j, h_j - (x_i - x_j) cot(theta).
    ray = np.where(before, h[None, :] - (x[:, None] - x[None, :]) * cot, -np.inf)
    shadow = h < ray.max(axis=1) - 1e-6
    # Layover: slant range / sin(theta) = x - h cot(theta) shared with (not ordered like) other points.
    rho = x - h * cot
    nearer_farther = np.where(before, rho[None, :] > rho[:, None] + 1e-6, False)
    farther_nearer = np.where(before.T, rho[None, :] < rho[:, None] - 1e-6, False)
    layover = nearer_farther.any(axis=1) | farther_nearer.any(axis=1)
    return layover, shadow


def test_real_dem_matches_brute_force_ray_tracing(shared_data):
    dem, _, _ = _read_dem(shared_data / HIMALAYAS)
    dem = 5 * dem[::6]  # every 6th row; heights x5 so that there is layover and shadow at 35 deg
    d = 30.0  # square pixels: range lines are the DEM rows, no resampling
    x = (np.arange(dem.shape[1]) - (dem.shape[1] - 1) / 2) * d
    slope, aspect = slope_aspect(dem, d, d)
    for heading in (0.0, 180.0):  # looking east, then west
        mask = layover_shadow(dem, d, d, THETA, heading)
        beta = range_slope(slope, aspect, heading)
        for r in range(dem.shape[0]):
            order = slice(None) if heading == 0 else slice(None, None, -1)
            lay, sh = _brute_force_row(dem[r, order], np.abs(x[order] - x[order][0]), THETA)
            lay = lay[order] | (beta[r] > THETA)  # plus the active terms of the pixel's own slope
            sh = sh[order] | (beta[r] < -(np.pi / 2 - THETA))
            assert np.array_equal(mask[r] & LAYOVER > 0, lay)
            assert np.array_equal(mask[r] & SHADOW > 0, sh)


def test_real_dem_fractions(shared_data):
    """The 'Himalayas' tile is Terai foothills (91-355 m, slopes <= 31 deg), so at 35 deg hardly any
    layover/shadow at true heights; with heights x5 (flanks up to ~70 deg) a sensible fraction."""
    dem, dx, dy = _read_dem(shared_data / HIMALAYAS)
    slope, _ = slope_aspect(dem, dx, dy)
    assert np.nanmax(slope) < THETA
    fractions = {}
    for heading in (ASC, DESC):
        mask = layover_shadow(dem, dx, dy, THETA, heading)
        assert np.mean(mask & (LAYOVER | SHADOW) > 0) < 0.001
        assert 0.3 < np.mean(mask & FORESHORTENING > 0) < 0.7  # about half the slopes face the sensor
        steep = layover_shadow(5 * dem, dx, dy, THETA, heading)
        fractions[heading] = np.mean(steep & (LAYOVER | SHADOW) > 0)
        assert 0.005 < fractions[heading] < 0.40
        assert np.mean(steep & SHADOW > 0) > 0.0005
    assert 2 / 3 < fractions[ASC] / fractions[DESC] < 1.5


def test_layover_shadow_speed_1000x1000():
    rng = np.random.default_rng(0)
    dem = rng.normal(size=(1000, 1000)).cumsum(axis=0).cumsum(axis=1)
    layover_shadow(dem[:50, :50], 10.0, 10.0, THETA, ASC)  # warm-up
    start = time.perf_counter()
    mask = layover_shadow(dem, 10.0, 10.0, THETA, ASC)
    assert time.perf_counter() - start < 2.0
    assert mask.dtype == np.uint8 and mask.shape == dem.shape


# ------------------------------------------------------------------------------------------------
# Simulated SAR
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("heading", HEADINGS)
@pytest.mark.parametrize("beta_deg", [0.0, 10.0, 25.0, -20.0, -45.0])
def test_simulated_sar_of_planes(heading, beta_deg):
    """A plane with range slope beta (facing the sensor > 0): sigma0 = sin(theta) cot(theta - beta)."""
    dx = 10.0
    look = look_azimuth(heading)
    x, y = _centred_xy((60, 70), dx, dx)
    u = x * np.sin(look) + y * np.cos(look)
    dem = 1000.0 + np.tan(np.radians(beta_deg)) * u
    sim = simulated_sar(dem, dx, dx, THETA, heading)
    assert sim.dtype == np.float32
    expected = np.sin(THETA) / np.tan(THETA - np.radians(beta_deg))
    assert np.allclose(sim[5:-5, 5:-5], expected, rtol=1e-4)


def test_simulated_sar_ridge_bright_layover_dark_shadow():
    dx = 10.0
    x, _ = _centred_xy((20, 101), dx, dx)
    dem = _ridge(x, 200.0, np.tan(np.radians(60.0)))
    sim = simulated_sar(dem, dx, dx, THETA, 0.0)
    mask = layover_shadow(dem, dx, dx, THETA, 0.0)
    flat = np.cos(THETA)
    assert np.allclose(sim[:, 1:10], flat, rtol=1e-6)  # near-range flat ground (not the edge pixel)
    assert np.all(sim[mask & SHADOW > 0] == 0)
    # Layover: the near-range ground gets its own echo plus the flank's and the back slope's.
    only_layover = mask == LAYOVER
    assert np.all(sim[only_layover] > 1.5 * flat)
    # Energy: integrated over the line, sum(sigma0) dx = the ridge's illuminated A_gamma + flat ground.
    assert np.isfinite(sim).all()
    dem[5, 50] = np.nan
    assert np.isnan(simulated_sar(dem, dx, dx, THETA, 0.0)[5, 50])


def test_simulated_sar_varying_incidence_on_flat_ground():
    theta = np.tile(np.linspace(np.radians(30), np.radians(40), 80), (50, 1))
    sim = simulated_sar(np.zeros((50, 80)), 10.0, 10.0, theta, 0.0)
    assert np.allclose(sim[:, 2:-2], np.cos(theta[:, 2:-2]), rtol=1e-3)


def test_simulated_sar_on_real_dem(shared_data):
    dem, dx, dy = _read_dem(shared_data / HIMALAYAS)
    sims = [simulated_sar(dem, dx, dy, THETA, heading) for heading in (ASC, DESC)]
    for sim in sims:
        assert np.isfinite(sim).all()
        assert np.median(sim) == pytest.approx(np.cos(THETA), rel=0.05)  # mostly gentle terrain
    # Foreshortened slopes are bright for one pass and dark for the other: anti-correlated contrast.
    a, d = (np.log(np.maximum(s[10:-10, 10:-10], 1e-3)).ravel() for s in sims)
    assert np.corrcoef(a, d)[0, 1] < -0.3
