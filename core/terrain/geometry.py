"""Terrain geometry for SAR: pixel sizes, slope/aspect, local incidence, layover/shadow, simulated SAR.

Conventions used throughout (all QGIS-free, numpy in, numpy out):

- DEM heights and pixel sizes are in metres; the DEM raster is north-up
  (row index increases southwards, column index eastwards). No-data must be
  NaN (convert a GDAL no-data value to NaN before calling).
- Angles are in radians, except ``heading_deg`` (degrees, as read from
  product metadata). Azimuths are clockwise from north (0 = north,
  pi/2 = east).
- ``heading_deg`` is the azimuth of the satellite's flight direction
  (Sentinel-1 ascending about -12 deg = 348 deg, descending about 192 deg).
  A right-looking sensor (Sentinel-1) looks at heading + 90 deg, a
  left-looking one at heading - 90 deg (``look_azimuth``).
- ``incidence`` is the ellipsoid (flat-earth) incidence angle in radians,
  a scalar or an array of the DEM's shape.
- Range geometry is the flat-earth, straight-ray approximation used for
  layover/shadow masks and terrain simulation (e.g. ESA SNAP's SAR
  Simulation): along the horizontal look direction with ground coordinate
  ``u`` (increasing away from the sensor) and height ``h``,
  slant range = u sin(theta) - h cos(theta) + const, and the radar ray
  descends by cot(theta) metres per metre of ground range.
"""
import math

import numpy as np

from . import range_trace
from .range_trace import FORESHORTENING, LAYOVER, SHADOW  # noqa: F401  (the distortion bits)

METRES_FIX = "reproject the DEM to a projected CRS in metres"


# ----------------------------------------------------------------------------------------------
# Pixel size
# ----------------------------------------------------------------------------------------------

def pixel_size_metres(geotransform, projection_wkt, rows=None):
    """Pixel size ``(dx, dy)`` in metres (both positive) of a north-up raster.

    ``geotransform`` is GDAL's 6-tuple, ``projection_wkt`` the raster's CRS
    as WKT. For a projected CRS whose linear unit is the metre the sizes are
    the geotransform's. For a geographic CRS (degrees) the angular pixel
    size is converted to metres at the raster's centre latitude with the
    ellipsoid's radii of curvature (the CRS's ellipsoid; WGS84 for
    EPSG:4326): ``dx = N cos(lat) dlon``, ``dy = M dlat`` with ``dlon``,
    ``dlat`` in radians. ``rows`` (raster height in pixels) locates the
    centre latitude; when None the latitude of the geotransform origin (top
    edge) is used.

    Raises ValueError for rotated/sheared geotransforms, a missing or
    unreadable CRS, and CRSs in other units (feet, unknown/local units).
    """
    from osgeo import osr

    gt = [float(g) for g in geotransform]
    if len(gt) != 6:
        raise ValueError(f"a GDAL geotransform has 6 numbers, got {len(gt)}")
    if gt[1] == 0 or gt[5] == 0:
        raise ValueError(f"geotransform {tuple(gt)} has a zero pixel size")
    if abs(gt[2]) > 1e-12 * abs(gt[1]) or abs(gt[4]) > 1e-12 * abs(gt[5]):
        raise ValueError(
            f"rotated or sheared geotransform {tuple(gt)} is not supported: "
            "warp the DEM to a north-up grid first (e.g. gdalwarp)")
    if not projection_wkt:
        raise ValueError(f"the DEM has no CRS: {METRES_FIX}")
    srs = osr.SpatialReference()
    try:
        err = srs.ImportFromWkt(projection_wkt)
    except RuntimeError as exc:  # raised instead of returned when osr.UseExceptions() is on
        raise ValueError(f"unreadable CRS ({exc}): {METRES_FIX}") from exc
    if err != 0:
        raise ValueError(f"unreadable CRS (OGR error {err}): {METRES_FIX}")

    if srs.IsGeographic():
        to_rad = srs.GetAngularUnits()  # radians per CRS angular unit (pi/180 for degrees)
        lat_units = gt[3] + gt[5] * (0.5 * rows if rows else 0.0)
        phi = lat_units * to_rad
        a = srs.GetSemiMajor()
        inv_f = srs.GetInvFlattening()
        f = 1.0 / inv_f if inv_f else 0.0
        e2 = f * (2.0 - f)
        w = math.sqrt(1.0 - e2 * math.sin(phi) ** 2)
        # Radii of curvature of the ellipsoid: Snyder 1987, USGS Prof. Paper 1395, eq. 4-18
        # (meridian, M = a(1-e^2)/(1-e^2 sin^2 phi)^1.5) and eq. 4-20 (prime vertical, N = a/w).
        m_radius = a * (1.0 - e2) / w ** 3
        n_radius = a / w
        dx = n_radius * math.cos(phi) * abs(gt[1]) * to_rad  # parallel circle radius N cos(phi)
        dy = m_radius * abs(gt[5]) * to_rad
        return dx, dy
    if srs.IsProjected():
        unit = srs.GetLinearUnits()  # metres per CRS unit
        if abs(unit - 1.0) > 1e-9:
            raise ValueError(
                f"the DEM's CRS is in {srs.GetLinearUnitsName()!r} ({unit} m): {METRES_FIX}")
        return abs(gt[1]), abs(gt[5])
    raise ValueError(f"the DEM's CRS is neither geographic nor projected (unknown units): {METRES_FIX}")


# ----------------------------------------------------------------------------------------------
# Slope, aspect, incidence angles
# ----------------------------------------------------------------------------------------------

def _pad_linear(z):
    """Pad by one pixel with linear extrapolation (2 z0 - z1); edge replication on 1-pixel axes.

    Central differences on the padded array are one-sided differences at the
    edges, exact for planes.
    """
    for axis in (0, 1):
        n = z.shape[axis]
        first = np.take(z, [0], axis=axis)
        last = np.take(z, [n - 1], axis=axis)
        if n > 1:
            first = 2 * first - np.take(z, [1], axis=axis)
            last = 2 * last - np.take(z, [n - 2], axis=axis)
        z = np.concatenate([first, z, last], axis=axis)
    return z


def _gradient(dem, dx, dy):
    """(dz/d_east, dz/d_north), dimensionless, by Horn's 3x3 operator; NaN where the 3x3 has NaN."""
    z = np.asarray(dem, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"the DEM must be a 2-D array, got shape {z.shape}")
    if not (dx > 0 and dy > 0):
        raise ValueError(f"pixel sizes must be positive metres, got dx={dx}, dy={dy}")
    p = _pad_linear(z)
    # Horn 1981 (Proc. IEEE 69(1), 14-47): 1-2-1 weighted central differences over the 3x3 window.
    east = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    south = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    gx = east / (8.0 * dx)
    gy = -south / (8.0 * dy)  # rows increase southwards: d/d_north = -d/d_row / dy
    bad = np.isnan(z)
    gx[bad] = np.nan
    gy[bad] = np.nan
    return gx, gy


def slope_aspect(dem, dx, dy):
    """Slope and aspect (radians) of a north-up DEM (metres) with pixel sizes ``dx``, ``dy`` (metres).

    slope: angle of the surface from horizontal, in [0, pi/2).
    aspect: azimuth of the downslope direction (the direction the slope
    faces), clockwise from north, in [0, 2 pi): 0 = facing north,
    pi/2 = facing east. Flat pixels get aspect 0.

    Gradients by Horn's (1981) 3x3 operator; edges use one-sided differences
    (linear extrapolation), so a plane gives its exact slope everywhere. NaN
    in the DEM gives NaN at that pixel and its 8 neighbours.
    """
    gx, gy = _gradient(dem, dx, dy)
    slope = np.arctan(np.hypot(gx, gy))
    # Downslope direction is -grad z = (-gx east, -gy north); azimuth = atan2(east, north).
    aspect = np.mod(np.arctan2(-gx, -gy), 2 * np.pi)
    aspect[slope == 0] = 0.0
    aspect[np.isnan(slope)] = np.nan
    return slope, aspect


def look_azimuth(heading_deg, right_looking=True):
    """Azimuth (radians, clockwise from north, in [0, 2 pi)) of the horizontal look direction.

    The direction from the sensor towards the ground it images: heading + 90 deg
    for a right-looking sensor (Sentinel-1), heading - 90 deg for left-looking.
    """
    side = 90.0 if right_looking else -90.0
    return float(np.mod(np.radians(float(heading_deg) + side), 2 * np.pi))


def range_slope(slope, aspect, heading_deg, right_looking=True):
    """Terrain slope (radians) in the range direction, positive where the surface faces the sensor.

    ``tan(beta) = -tan(slope) cos(aspect - look_az)``: the directional
    derivative of height along the look direction (height rising away from
    the sensor = facing it). Active layover where beta > incidence,
    foreshortening where 0 < beta <= incidence, active shadow where
    beta < -(pi/2 - incidence).
    """
    look_az = look_azimuth(heading_deg, right_looking)
    return np.arctan(-np.tan(slope) * np.cos(np.asarray(aspect) - look_az))


def local_incidence(slope, aspect, incidence, heading_deg, right_looking=True):
    """Local incidence angle (radians): between the line of sight and the local surface normal.

    ``slope``, ``aspect`` from ``slope_aspect`` (radians), ``incidence`` the
    ellipsoid incidence (radians, scalar or array). Values above pi/2 mean
    the surface faces away from the sensor (active shadow).

    Derivation (east, north, up unit vectors): the surface normal tilts by
    ``slope`` towards the downslope azimuth ``aspect``,
    n = (sin s sin A, sin s cos A, cos s); the unit vector from the ground to
    the sensor points opposite the look azimuth ``phi`` and is elevated by
    pi/2 - theta, l = (-sin t sin phi, -sin t cos phi, cos t). Hence
    cos(theta_loc) = n.l = cos t cos s - sin t sin s cos(A - phi)
    (the standard illumination-angle formula, e.g. Ulaby & Long 2014, sec. 5-6;
    for the sun: Duffie & Beckman 2013, eq. 1.6.3).
    """
    look_az = look_azimuth(heading_deg, right_looking)
    theta = np.asarray(incidence, dtype=np.float64)
    slope = np.asarray(slope, dtype=np.float64)
    cos_loc = np.cos(theta) * np.cos(slope) - np.sin(theta) * np.sin(slope) * np.cos(
        np.asarray(aspect, dtype=np.float64) - look_az)
    return np.arccos(np.clip(cos_loc, -1.0, 1.0))


def projected_local_incidence(slope, aspect, incidence, heading_deg, right_looking=True):
    """Projected local incidence angle (radians): local incidence in the plane of incidence.

    The angle between the line of sight and the projection of the surface
    normal onto the range plane (spanned by the line of sight and the
    vertical): ``theta - beta`` with ``beta = range_slope(...)``. Signed:
    negative means layover, above pi/2 means shadow. This is the
    range-slope part of the range/azimuth slope decomposition of Ulander
    1996 (IEEE TGRS 34(5), 1115-1122); the azimuth slope does not enter.
    """
    beta = range_slope(slope, aspect, heading_deg, right_looking)
    return np.asarray(incidence, dtype=np.float64) - beta


# ----------------------------------------------------------------------------------------------
# Range lines, ray tracing and simulation (core.terrain.range_trace)
# ----------------------------------------------------------------------------------------------

def _check_incidence(incidence, shape):
    theta = np.asarray(incidence, dtype=np.float64)
    if theta.ndim and theta.shape != shape:
        raise ValueError(f"incidence must be a scalar or an array of the DEM's shape {shape}, "
                         f"got {theta.shape}")
    finite = theta[np.isfinite(theta)]
    if finite.size and (finite.min() <= 0 or finite.max() >= np.pi / 2):
        raise ValueError("incidence must be in radians, strictly between 0 and pi/2 "
                         f"(got {finite.min():.4g}..{finite.max():.4g}); convert degrees with np.radians")
    return theta


def layover_shadow(dem, dx, dy, incidence, heading_deg, right_looking=True):
    """Layover / shadow / foreshortening bit mask (uint8) of a north-up DEM.

    ``dem`` heights in metres (NaN = no data), ``dx``, ``dy`` pixel sizes in
    metres, ``incidence`` ellipsoid incidence (radians, scalar or DEM-shaped
    array), ``heading_deg`` flight direction (degrees clockwise from north).

    Flags (OR-ed): LAYOVER = 1, SHADOW = 2, FORESHORTENING = 4.
    - LAYOVER: the pixel's slant range is shared with other terrain on its
      range line: active (range slope facing the sensor steeper than the
      incidence) and passive (the ground before and behind such a slope).
    - SHADOW: the pixel lies below a radar ray grazing nearer terrain
      (passive) or faces away steeper than pi/2 - incidence (active).
    - FORESHORTENING: a sensor-facing range slope 0 < beta <= incidence on a
      pixel neither in layover nor in shadow.
    A pixel can be both LAYOVER and SHADOW. No-data pixels get 0.

    Method (``core.terrain.range_trace``): the DEM is resampled bilinearly on
    lines parallel to the look direction (lines min(dx, dy) apart, nodes half
    that along them); running maxima along the lines do the ray tracing; each
    pixel takes its nearest node's flags, plus the active layover/shadow of
    its own Horn slope. This whole-array function holds about 300 bytes per
    pixel; ``core.terrain.pipeline`` gives the same result on a raster file of
    any size in bounded memory. Geographic DEMs use one (dx, dy) for the
    whole raster (``pixel_size_metres`` at its centre).
    """
    return distortion_and_simulation(dem, dx, dy, incidence, heading_deg, right_looking, simulate=False)[0]


def distortion_and_simulation(dem, dx, dy, incidence, heading_deg, right_looking=True, mask=True,
                              simulate=True):
    """``(layover_shadow(...), simulated_sar(...))`` sharing one set of range lines, one ray tracing
    and one slope computation; either is None when not asked for (``mask``, ``simulate``).

    Same arguments, units and results as the two functions called separately.
    """
    z = np.asarray(dem, dtype=np.float64)
    theta = _check_incidence(incidence, z.shape)
    grid = range_trace.RangeGrid(z.shape[0], z.shape[1], dx, dy, look_azimuth(heading_deg, right_looking))
    slope, aspect = slope_aspect(z, dx, dy)
    beta = range_slope(slope, aspect, heading_deg, right_looking)
    whole = (slice(0, z.shape[0]), slice(0, z.shape[1]))
    out_mask, out_sim = range_trace.trace_window(grid, z, theta, (0, 0), whole, beta, mask=mask,
                                                 simulate=simulate)
    return out_mask, (None if out_sim is None else out_sim.astype(np.float32))


# ----------------------------------------------------------------------------------------------
# Simulated SAR image
# ----------------------------------------------------------------------------------------------

def simulated_sar(dem, dx, dy, incidence, heading_deg, right_looking=True):
    """Simulated sigma0 (linear power, float32) of a uniform gamma0 = 1 surface, on the DEM grid.

    Model (Small 2011, IEEE TGRS 49(8), 3081-3093: the received power in a
    slant-range cell is gamma0 times the sum of the illuminated areas
    projected perpendicular to the line of sight, A_gamma, of all terrain
    falling in that cell). Along each range line (see ``layover_shadow``)
    every segment between adjacent nodes contributes
    A_gamma = du cos(theta) + dh sin(theta) (per metre of azimuth; zero if it
    faces away or is shadowed), spread uniformly over the slant-range
    interval it covers; the cells are one ground pixel wide in
    rho = u - h cot(theta) (= slant range / sin(theta)). The cell's power
    divided by its ellipsoid ground area is sigma0; each DEM pixel gets the
    sigma0 of its own slant range (linear interpolation between cells), as
    in a geocoded (GTC, not terrain-flattened) image. Hence flat ground gives
    cos(theta), a planar range slope beta facing the sensor gives
    sin(theta) cot(theta - beta), layover is bright (sum over all terrain in
    the cell), shadow is 0 and no-data NaN.
    """
    return distortion_and_simulation(dem, dx, dy, incidence, heading_deg, right_looking, mask=False)[1]


# ----------------------------------------------------------------------------------------------
# Angles block by block
# ----------------------------------------------------------------------------------------------

SLOPE_OUT = "slope"
ASPECT_OUT = "aspect"
LOCAL_INCIDENCE_OUT = "local_incidence"
PROJECTED_LOCAL_INCIDENCE_OUT = "projected_local_incidence"
ANGLE_OUTPUTS = (SLOPE_OUT, ASPECT_OUT, LOCAL_INCIDENCE_OUT, PROJECTED_LOCAL_INCIDENCE_OUT)
#: Pixels the angle outputs read around a pixel (Horn's 3x3 gradients).
ANGLE_MARGIN = 1


def angle_planes(outputs, slope, aspect, theta, heading_deg, right_looking=True):
    """The angle outputs ``outputs`` (names from ``ANGLE_OUTPUTS``) as float32 degrees, a list of arrays.

    ``slope``, ``aspect`` from ``slope_aspect``, ``theta`` the incidence
    (radians, scalar or of their shape).
    """
    values = {SLOPE_OUT: lambda: slope, ASPECT_OUT: lambda: aspect,
              LOCAL_INCIDENCE_OUT: lambda: local_incidence(slope, aspect, theta, heading_deg, right_looking),
              PROJECTED_LOCAL_INCIDENCE_OUT: lambda: projected_local_incidence(
                  slope, aspect, theta, heading_deg, right_looking)}
    return [np.degrees(values[o]()).astype(np.float32) for o in outputs]


def angle_block_function(outputs, dx, dy, heading_deg, right_looking=True, incidence=None,
                         incidence_degrees=False):
    """``func(block)`` for ``raster_blocks.map_raster``: angle outputs of a DEM block, in degrees.

    ``outputs``: names from ``ANGLE_OUTPUTS``, in the order of the output
    bands. ``block``: float32 ``(1, rows, cols)`` DEM heights (metres, NaN
    = no data) when ``incidence`` is a scalar (radians), or ``(2, rows, cols)``
    DEM and incidence (degrees if ``incidence_degrees``, else radians) when
    ``incidence`` is None; pixels with no incidence are no data. Returns
    float32 ``(len(outputs), rows, cols)`` degrees. Slope and aspect are
    computed once per block for all outputs. Reads ``ANGLE_MARGIN`` pixels
    around a pixel; at the DEM's edge ``slope_aspect`` extrapolates as on the
    whole DEM, so a tiled run equals the whole-DEM run bit for bit.
    """
    unknown = [o for o in outputs if o not in ANGLE_OUTPUTS]
    if unknown or not outputs:
        raise ValueError(f"unknown angle output(s) {unknown}; choose from {ANGLE_OUTPUTS}")

    def func(block):
        z = block[0].astype(np.float64)
        if incidence is None:
            theta = block[1].astype(np.float64)
            theta = np.radians(theta) if incidence_degrees else theta
            z[np.isnan(theta)] = np.nan
        else:
            theta = incidence
        slope, aspect = slope_aspect(z, dx, dy)
        return np.stack(angle_planes(outputs, slope, aspect, theta, heading_deg, right_looking))

    return func
