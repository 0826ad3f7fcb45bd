"""Optical twin of the simulator: Sentinel-2 L2A-like surface reflectance on the simulated scene.

For a land-cover map (landcover.py classes), a DEM and a date this renders the
four 10 m bands B02 (490 nm), B03 (560 nm), B04 (665 nm) and B08 (842 nm) as
surface reflectance 0..1 (float32; Sentinel-2 L2A digital numbers are
reflectance x 10000, ``BOA_QUANTIFICATION_VALUE``). Not terrain-corrected:
the shading of the slopes and the cast shadows stay in the image, which is
what makes SAR-to-optical translation in mountains hard.

Model, per pixel:
- reflectance of the ground: per-class spectra; fields mix bare soil and
  green crop with the crop cycle of the SAR model (backscatter.crop_growth:
  green-up, peak, harvest), forests mix evergreen conifers and deciduous
  broadleaves (a static patchy fraction) whose leaves follow a smooth
  seasonal cycle; a static texture of +-8 % per pixel;
- snow from the snowpack (weather.snowpack): fractional cover
  f = tanh(depth / 0.1 m) (the tanh form of Niu & Yang 2007, JGR 112 D21101),
  seen through the canopy gaps in forests; fresh snow brightest, older
  (denser) snow darker, NIR below the visible (Wiscombe & Warren 1980);
- illumination: sun position at 10:30 local solar time (Sentinel-2's
  descending node), solar declination after Spencer (1971, Search 2(5));
  direct light on the slope cos(i) / cos(z) (Lambert; optionally Minnaert
  1941 with per-class k) blocked by cast shadows (ray tracing along the sun
  azimuth with terrain.layover_shadow, the sun playing the radar), plus
  diffuse sky light times the sky-view factor (1 + cos slope) / 2; the
  diffuse fraction per band from Rayleigh (Hansen & Travis 1974) and
  aerosol (Angstrom, tau_550 = 0.1) optical depths;
- clouds (optional): a fractal optical-depth field, opacity 1 - exp(-tau),
  reflectance blended with a bright, spectrally flat cloud top, cloud
  shadows cast on the ground from 2 km above the terrain; a cloud mask
  CLEAR / THIN / THICK / SHADOW.

Spectra (surface reflectance in the four bands; rounded typical values of
Sentinel-2 L2A over the classes and of the USGS splib07 / ECOSTRESS (ASTER)
spectral libraries convolved with the S2 response: Kokaly et al. 2017, USGS
Data Series 1035; Meerdink et al. 2019, Remote Sens. Environ. 230).
"""
import math
import os

import numpy as np
from scipy import ndimage

from ..engine.raster_blocks import read_array, read_info
from ..terrain import geometry as terrain
from ..translation.metrics import distortion_classes
from ..translation.pair_dataset import OPTICAL_BANDS, SAR_BANDS, PairWriter, power_to_db
from .acquisitions import ORBIT_CODES
from .backscatter import crop_growth
from .dem import fractal_dem
from .landcover import BARE, FIELD, FOREST, URBAN, WATER
from .weather import as_date

BANDS = OPTICAL_BANDS  # Sentinel-2 10 m bands, pair-folder order
WAVELENGTH_UM = np.array([0.490, 0.560, 0.665, 0.842])
OVERPASS_SOLAR_HOUR = 10.5  # Sentinel-2 mean local solar time at the descending node

# Surface reflectance (B02, B03, B04, B08); see the module docstring for the sources.
SPECTRA = {
    "conifer": (0.020, 0.040, 0.022, 0.22),        # evergreen needleleaf canopy
    "broadleaf_leaf_on": (0.030, 0.065, 0.035, 0.36),
    "broadleaf_leaf_off": (0.045, 0.060, 0.070, 0.17),  # branches, litter
    "crop_green": (0.030, 0.075, 0.035, 0.42),
    "soil": (0.075, 0.105, 0.140, 0.21),          # dry loam, ploughed field / stubble
    "water": (0.050, 0.055, 0.035, 0.015),        # clear inland water: NIR absorbed
    "urban": (0.095, 0.105, 0.115, 0.16),         # asphalt, concrete, roofs
    "rock": (0.120, 0.140, 0.160, 0.21),          # granite / limestone scree
    "snow_fresh": (0.95, 0.94, 0.92, 0.82),       # Wiscombe & Warren 1980; splib07 snow
    "snow_old": (0.80, 0.78, 0.75, 0.58),         # coarse-grained, settled snow
}
CLOUD_TOP = (0.70, 0.70, 0.69, 0.67)  # optically thick water cloud, nearly flat in the VNIR
MINNAERT_K = {FOREST: 0.6, FIELD: 0.8, WATER: 1.0, URBAN: 0.9, BARE: 0.9}  # Smith et al. 1980
CANOPY_COVER = {"conifer": 0.7, "broadleaf_leaf_on": 0.8, "broadleaf_leaf_off": 0.35}
SNOW_DEPTH_SCALE_M = 0.10
LEAF_ON_DOY, LEAF_OFF_DOY, LEAF_TRANSITION_DAYS = 125, 290, 12.0
CLOUD_HEIGHT_M = 2000.0
ANGSTROM_TAU_550, ANGSTROM_ALPHA = 0.10, 1.3

CLEAR, THIN_CLOUD, THICK_CLOUD, CLOUD_SHADOW = 0, 1, 2, 3
CLOUD_MASK_NAMES = {CLEAR: "clear", THIN_CLOUD: "thin cloud", THICK_CLOUD: "thick cloud",
                    CLOUD_SHADOW: "cloud shadow"}
CLEAR_OPACITY, THICK_OPACITY, SHADOW_OPACITY = 0.02, 0.5, 0.3


# ----------------------------------------------------------------------------------------------
# Sun
# ----------------------------------------------------------------------------------------------

def solar_declination(doy):
    """Solar declination (radians) on day of year ``doy`` (Spencer 1971, Fourier series)."""
    g = 2.0 * np.pi * (np.asarray(doy, dtype=np.float64) - 1.0) / 365.0
    return (0.006918 - 0.399912 * np.cos(g) + 0.070257 * np.sin(g) - 0.006758 * np.cos(2 * g)
            + 0.000907 * np.sin(2 * g) - 0.002697 * np.cos(3 * g) + 0.00148 * np.sin(3 * g))


def sun_position(date, latitude_deg, solar_hour=OVERPASS_SOLAR_HOUR):
    """(elevation, azimuth) of the sun in radians; azimuth clockwise from north.

    ``date``: a date (or 'YYYY-MM-DD'); ``latitude_deg``: degrees north;
    ``solar_hour``: local solar time in hours (12 = solar noon). Hour angle
    15 deg per hour from noon; sin(el) = sin(lat) sin(dec) + cos(lat) cos(dec)
    cos(H) (Duffie & Beckman 2013, eq. 1.6.5).
    """
    doy = as_date(date).timetuple().tm_yday
    dec = float(solar_declination(doy))
    lat = math.radians(float(latitude_deg))
    hour_angle = math.radians(15.0 * (float(solar_hour) - 12.0))
    sin_el = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(hour_angle)
    elevation = math.asin(max(-1.0, min(1.0, sin_el)))
    azimuth = math.atan2(-math.sin(hour_angle),
                         math.tan(dec) * math.cos(lat) - math.sin(lat) * math.cos(hour_angle))
    return elevation, azimuth % (2 * math.pi)


def scene_lonlat(geotransform, projection_wkt, shape):
    """(longitude, latitude) in degrees of the centre of a raster grid (any CRS GDAL knows)."""
    from osgeo import osr

    gt = geotransform
    x = gt[0] + gt[1] * shape[1] / 2.0 + gt[2] * shape[0] / 2.0
    y = gt[3] + gt[4] * shape[1] / 2.0 + gt[5] * shape[0] / 2.0
    src = osr.SpatialReference()
    if src.ImportFromWkt(projection_wkt) != 0:
        raise ValueError("unreadable CRS: give the raster's projection as WKT")
    src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if src.IsGeographic():
        return float(x), float(y)
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    lon, lat, _ = osr.CoordinateTransformation(src, dst).TransformPoint(x, y)
    return float(lon), float(lat)


def scene_latitude(geotransform, projection_wkt, shape):
    """Latitude (degrees) of the centre of a raster grid."""
    return scene_lonlat(geotransform, projection_wkt, shape)[1]


def solar_hour(utc_datetime, longitude_deg):
    """Local mean solar time (hours) of a UTC time at a longitude (15 deg per hour; the equation
    of time, at most ~16 min, is neglected)."""
    t = utc_datetime
    return (t.hour + t.minute / 60.0 + t.second / 3600.0 + float(longitude_deg) / 15.0) % 24.0


def diffuse_fraction(sun_zenith):
    """Diffuse share of the global irradiance on flat ground, per band (array of 4).

    Downward-scattered share of the beam: half the Rayleigh optical depth
    (Hansen & Travis 1974: tau_R = 0.008569 l^-4 (1 + 0.0113 l^-2 + 0.00013 l^-4),
    l in um) and 80 % of the aerosol depth (Angstrom law, tau_550 = 0.1,
    alpha = 1.3), along the slant path 1 / cos(z).
    """
    lam = WAVELENGTH_UM
    tau_r = 0.008569 * lam ** -4 * (1 + 0.0113 * lam ** -2 + 0.00013 * lam ** -4)
    tau_a = ANGSTROM_TAU_550 * (lam / 0.55) ** -ANGSTROM_ALPHA
    return 1.0 - np.exp(-(0.5 * tau_r + 0.8 * tau_a) / max(math.cos(sun_zenith), 0.05))


def illumination(dem, dx, dy, sun_elevation, sun_azimuth):
    """Terrain illumination of a north-up DEM (metres) for a sun position (radians).

    Returns dict: cos_i (cosine of the angle between the surface normal and
    the sun, negative = facing away), cos_slope, cast_shadow (bool: below a
    sun ray grazing other terrain, or facing away from the sun). Ray tracing
    is terrain.layover_shadow's radar shadow with the sun as the sensor: its
    rays travel along sun_azimuth + 180 deg at the solar zenith angle.
    """
    z = np.asarray(dem, dtype=np.float64)
    slope, aspect = terrain.slope_aspect(z, dx, dy)
    zenith = math.pi / 2 - float(sun_elevation)
    # The same illumination-angle formula as the radar's local incidence, sun in place of sensor.
    cos_i = (math.cos(zenith) * np.cos(slope)
             + math.sin(zenith) * np.sin(slope) * np.cos(aspect - float(sun_azimuth)))
    if sun_elevation <= math.radians(1.0):  # sun at or below the horizon: no direct light
        shadow = np.ones(z.shape, dtype=bool)
    else:
        heading = math.degrees(sun_azimuth) + 180.0 - 90.0  # right-looking: look azimuth = heading + 90
        bits = terrain.layover_shadow(z, dx, dy, zenith, heading)
        shadow = ((bits & terrain.SHADOW) != 0) | (cos_i <= 0)
    return dict(cos_i=cos_i, cos_slope=np.cos(slope), cast_shadow=shadow)


# ----------------------------------------------------------------------------------------------
# Ground reflectance
# ----------------------------------------------------------------------------------------------

def leaf_on(doy):
    """Deciduous leaf fraction 0..1 on day of year ``doy``: logistic spring and autumn transitions."""
    d = np.asarray(doy, dtype=np.float64)
    spring = 1.0 / (1.0 + np.exp(-(d - LEAF_ON_DOY) / (LEAF_TRANSITION_DAYS / 4.0)))
    autumn = 1.0 / (1.0 + np.exp((d - LEAF_OFF_DOY) / (LEAF_TRANSITION_DAYS / 4.0)))
    return spring * autumn


def snow_cover_fraction(depth_m):
    """Fractional snow cover 0..1 of open ground for a snow depth in metres (tanh, Niu & Yang 2007)."""
    return np.tanh(np.maximum(np.asarray(depth_m, dtype=np.float64), 0.0) / SNOW_DEPTH_SCALE_M)


def scene_maps(shape, pixel_size_m, rng):
    """Static per-pixel maps of a scene (drawn once, reused for every date).

    Returns dict: deciduous (0..1 share of broadleaves in forests, patchy),
    texture (multiplicative reflectance texture, mean 1, +-8 % s.d.),
    field_vigour (0.7..1.1 crop vigour per field area).
    """
    def unit(beta):
        f = fractal_dem(shape, pixel_size_m, 1.0, beta, rng, valley=False, base_m=0.0)
        return (f - f.mean()) / max(float(f.std()), 1e-9)

    deciduous = np.clip(0.5 + 0.4 * unit(3.0), 0.0, 1.0)
    texture = np.clip(1.0 + 0.08 * unit(2.2), 0.7, 1.3)
    vigour = np.clip(0.9 + 0.1 * unit(3.2), 0.7, 1.1)
    return dict(deciduous=deciduous.astype(np.float32), texture=texture.astype(np.float32),
                field_vigour=vigour.astype(np.float32))


def _spectrum(name):
    return np.asarray(SPECTRA[name], dtype=np.float64)[:, None]


def ground_reflectance(classes, doy, maps, snow_depth_m=0.0, snow_density=100.0):
    """Surface reflectance (4, rows, cols) float32 of the ground on day ``doy``, flat and sunlit.

    ``classes``: landcover codes; ``maps``: scene_maps(...); ``snow_depth_m``:
    snow depth (m, scalar or per pixel); ``snow_density``: kg/m3 (100 fresh
    .. 350 settled) sets the snow's age. No-data class 0 gives NaN.
    """
    c = np.asarray(classes)
    shape = c.shape
    n = c.size
    refl = np.full((4, n), np.nan)
    flat = c.ravel()
    leaves = float(leaf_on(doy))
    crop = np.clip(float(crop_growth(doy)) * maps["field_vigour"].ravel(), 0.0, 1.0)
    dec = maps["deciduous"].ravel()
    broad = leaves * _spectrum("broadleaf_leaf_on") + (1 - leaves) * _spectrum("broadleaf_leaf_off")
    forest = (1 - dec) * _spectrum("conifer") + dec * broad
    field = crop * _spectrum("crop_green") + (1 - crop) * _spectrum("soil")
    for cls, value in ((FOREST, forest), (FIELD, field), (WATER, _spectrum("water")),
                       (URBAN, _spectrum("urban")), (BARE, _spectrum("rock"))):
        sel = flat == cls
        refl[:, sel] = value[:, sel] if value.shape[1] == n else value
    refl *= maps["texture"].ravel()

    # Snow: open-ground cover, seen through the canopy gaps in forests; none on open water.
    depth = np.broadcast_to(np.asarray(snow_depth_m, dtype=np.float64), shape).ravel()
    density = np.broadcast_to(np.asarray(snow_density, dtype=np.float64), shape).ravel()
    age = np.clip((density - 100.0) / 250.0, 0.0, 1.0)
    snow = (1 - age) * _spectrum("snow_fresh") + age * _spectrum("snow_old")
    canopy = ((1 - dec) * CANOPY_COVER["conifer"]
              + dec * (leaves * CANOPY_COVER["broadleaf_leaf_on"]
                       + (1 - leaves) * CANOPY_COVER["broadleaf_leaf_off"]))
    visible = np.where(flat == FOREST, 1.0 - canopy, np.where(flat == URBAN, 0.6, 1.0))
    visible = np.where(flat == WATER, 0.0, visible)
    f_snow = snow_cover_fraction(depth) * visible
    refl = (1 - f_snow) * refl + f_snow * snow
    refl[:, flat == 0] = np.nan
    return refl.reshape((4,) + shape).astype(np.float32)


# ----------------------------------------------------------------------------------------------
# Clouds
# ----------------------------------------------------------------------------------------------

def cloud_opacity(shape, pixel_size_m, cover, rng, max_optical_depth=8.0, beta=3.0):
    """Cloud opacity 0..1 (float32): a fractal field thresholded so ``cover`` of the pixels is cloudy.

    Optical depth rises from 0 at the cloud edge to ``max_optical_depth`` at
    the field's maximum; opacity = 1 - exp(-tau). ``cover`` 0..1 is the
    fraction of pixels with any cloud (opacity > CLEAR_OPACITY); small
    ``max_optical_depth`` (< 0.7) gives thin clouds only.
    """
    if not 0.0 <= cover <= 1.0:
        raise ValueError(f"cloud cover {cover} must be a fraction 0..1")
    if cover == 0.0:
        return np.zeros(shape, dtype=np.float32)
    field = fractal_dem(shape, pixel_size_m, 1.0, beta, rng, valley=False, base_m=0.0).astype(np.float64)
    tau_edge = -math.log(1.0 - CLEAR_OPACITY)
    threshold = np.quantile(field, 1.0 - cover)
    span = max(float(field.max() - threshold), 1e-9)
    tau = np.clip((field - threshold) / span, 0.0, 1.0) * max_optical_depth
    tau = np.where(field > threshold, np.maximum(tau, tau_edge * 1.001), 0.0)
    return (1.0 - np.exp(-tau)).astype(np.float32)


def cloud_shadow_opacity(opacity, pixel_size_m, sun_elevation, sun_azimuth, height_m=CLOUD_HEIGHT_M):
    """Opacity of the cloud between each ground pixel and the sun (clouds at ``height_m`` above it).

    The shadow is the cloud field moved height / tan(elevation) metres away
    from the sun (towards azimuth + 180 deg).
    """
    length = height_m / math.tan(max(sun_elevation, math.radians(2.0))) / pixel_size_m
    east = -math.sin(sun_azimuth) * length
    south = math.cos(sun_azimuth) * length  # rows grow southwards; away from the sun
    return ndimage.shift(np.asarray(opacity, np.float32), (south, east), order=1, mode="constant", cval=0.0)


def cloud_mask(opacity, shadow_opacity):
    """Cloud mask (uint8): THICK_CLOUD, THIN_CLOUD, CLOUD_SHADOW (on clear ground) or CLEAR."""
    out = np.full(np.shape(opacity), CLEAR, dtype=np.uint8)
    out[np.asarray(shadow_opacity) > SHADOW_OPACITY] = CLOUD_SHADOW
    out[np.asarray(opacity) > CLEAR_OPACITY] = THIN_CLOUD
    out[np.asarray(opacity) > THICK_OPACITY] = THICK_CLOUD
    return out


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------

def render_optical(classes, dem, dx, dy, date, latitude_deg, maps, snow_depth_m=0.0, snow_density=100.0,
                   cloud_cover=0.0, cloud_rng=None, max_cloud_optical_depth=8.0, photometry="lambert",
                   diffuse=True):
    """Render one Sentinel-2 L2A-like acquisition. Returns a dict.

    ``classes``: landcover codes (uint8); ``dem``: metres, north-up, NaN =
    no data; ``dx``, ``dy``: pixel size in metres; ``date``: the acquisition
    date; ``latitude_deg``: scene latitude (sun position); ``maps``:
    scene_maps(...); ``snow_depth_m``, ``snow_density``: snowpack (scalars or
    per pixel); ``cloud_cover``: fraction 0..1 of cloudy pixels (needs
    ``cloud_rng``); ``photometry``: 'lambert' or 'minnaert' (per-class k,
    MINNAERT_K); ``diffuse``: False lights the scene by the direct beam only.

    Keys: reflectance (4, rows, cols) float32 surface reflectance 0..1 of
    BANDS (NaN = no data), cloud_mask (uint8, CLEAR..CLOUD_SHADOW),
    cloud_opacity (float32), ground (reflectance before illumination and
    clouds), cos_i, cast_shadow (bool), sun_elevation_deg, sun_azimuth_deg.
    """
    if photometry not in ("lambert", "minnaert"):
        raise ValueError(f"photometry {photometry!r}: use 'lambert' or 'minnaert'")
    z = np.asarray(dem, dtype=np.float64)
    classes = np.asarray(classes)
    date = as_date(date)
    elevation, azimuth = sun_position(date, latitude_deg)
    zenith = math.pi / 2 - elevation
    ground = ground_reflectance(classes, date.timetuple().tm_yday, maps, snow_depth_m, snow_density)
    light = illumination(z, dx, dy, elevation, azimuth)
    cos_z = max(math.cos(zenith), 0.02)
    ratio = np.maximum(light["cos_i"], 0.0) / cos_z
    if photometry == "minnaert":
        k = np.ones(z.shape)
        for cls, value in MINNAERT_K.items():
            k[classes == cls] = value
        ratio = ratio ** k * light["cos_slope"] ** (k - 1.0)
    direct = np.where(light["cast_shadow"], 0.0, ratio)

    px = float(np.sqrt(dx * dy))
    opacity = np.zeros(z.shape, dtype=np.float32)
    shadow_opacity = np.zeros(z.shape, dtype=np.float32)
    if cloud_cover > 0:
        if cloud_rng is None:
            raise ValueError("cloud_cover > 0 needs cloud_rng (a numpy Generator)")
        opacity = cloud_opacity(z.shape, px, cloud_cover, cloud_rng, max_cloud_optical_depth)
        shadow_opacity = cloud_shadow_opacity(opacity, px, elevation, azimuth)
        direct = direct * (1.0 - shadow_opacity)

    f_d = diffuse_fraction(zenith)[:, None, None] if diffuse else np.zeros((4, 1, 1))
    sky_view = (1.0 + light["cos_slope"]) / 2.0
    irradiance = (1.0 - f_d) * direct[None] + f_d * sky_view[None]
    surface = ground * irradiance
    cloud_top = np.asarray(CLOUD_TOP)[:, None, None]
    reflectance = (1.0 - opacity[None]) * surface + opacity[None] * cloud_top
    reflectance[:, ~np.isfinite(z)] = np.nan
    return dict(reflectance=reflectance.astype(np.float32), cloud_mask=cloud_mask(opacity, shadow_opacity),
                cloud_opacity=opacity, ground=ground, cos_i=light["cos_i"], cast_shadow=light["cast_shadow"],
                sun_elevation_deg=math.degrees(elevation), sun_azimuth_deg=math.degrees(azimuth))


def ndvi(reflectance):
    """NDVI (B08 - B04) / (B08 + B04) of a (4, ...) reflectance array in BANDS order."""
    red, nir = np.asarray(reflectance[2], np.float64), np.asarray(reflectance[3], np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (nir - red) / (nir + red)


# ----------------------------------------------------------------------------------------------
# Pair dataset from a simulated stack
# ----------------------------------------------------------------------------------------------

def _read_csv(path):
    import csv

    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def classes_on(base, change_day, end_day, change_rows, start, date):
    """Land cover on ``date`` from a stack folder's change_date.tif bands and changes.csv rows.

    A pixel takes the class after its event (CHANGE_TYPES) when its change day
    has passed and its end day (floods) has not; the event is the one of
    changes.csv whose date is the pixel's change day.
    """
    from .changes import CHANGE_TYPES

    start, date = as_date(start), as_date(date)
    out = np.array(base, dtype=np.uint8, copy=True)
    d = (date - start).days
    c = np.nan_to_num(np.asarray(change_day, np.float64))
    e = np.nan_to_num(np.asarray(end_day, np.float64))
    for row in change_rows:
        day = (as_date(row["date"]) - start).days
        active = (c == day) & (day <= d) & ((e == 0) | (d < e))
        out[active & (c > 0)] = CHANGE_TYPES[row["type"]][1]
    return out


def snow_on_dates(weather_rows, dem, dates):
    """Snow depth (m) and density (kg/m3) per pixel on ``dates`` from a stack's weather.csv rows.

    The daily temperature (at the scene's median elevation) is moved to each
    25 m elevation band with the 6.5 deg C/km lapse rate and the degree-day
    snowpack is run per band, as simulate_stack does for the SAR.
    Returns {date: (depth, density)}.
    """
    from .stack import _elevation_bands
    from .weather import LAPSE_RATE, snowpack

    z = np.asarray(dem, dtype=np.float64)
    valid = np.isfinite(z)
    z_ref = float(np.median(z[valid]))
    filled = np.where(valid, z, z_ref)
    band_z, band_index = _elevation_bands(filled)
    temperature = np.array([float(r["temperature_c"]) for r in weather_rows])
    precip = np.array([float(r["precip_mm"]) for r in weather_rows])
    day_of = {as_date(r["date"]): i for i, r in enumerate(weather_rows)}
    snow = snowpack(temperature[:, None] - LAPSE_RATE * (band_z[None, :] - z_ref), precip[:, None])
    out = {}
    for date in dates:
        i = day_of[as_date(date)]
        out[as_date(date)] = (snow["snow_depth_m"][i][band_index], snow["snow_density"][i][band_index])
    return out


def write_simulated_pairs(stack_dir, out_dir, dem=None, seed=0, cloud_probability=0.0, max_cloud_cover=0.7,
                          photometry="lambert", scene=None, progress=None, allow_shifts=False):
    """Write a pair folder (core/translation/pair_dataset.py format) for every acquisition of a simulated
    stack.

    ``stack_dir``: a folder written by simulate_stack; ``dem``: the DEM the
    stack was simulated on (a GeoTIFF path, or (array, geotransform,
    projection)); None uses the stack's dem.tif (written when the stack made
    its own fractal DEM). Each SAR acquisition is paired with an optical
    image of the same date: SAR sigma0 -> dB, Sentinel-2-like reflectance
    (render_optical), the DEM, the distortion classes of the acquisition's
    orbit and the cloud mask. ``cloud_probability``: share of dates with
    clouds (cover uniform in 0..``max_cloud_cover``; 0 = all clear);
    ``seed``: the optical scene's random maps and clouds; ``scene``: the
    scene name in pairs.csv (default: the stack folder's name);
    ``progress(percent)``: optional callback; ``allow_shifts``: pair
    acquisitions the stack shifted on purpose (shifts_px > 0; otherwise a
    ValueError, since such pairs are not co-registered). Returns the pairs.csv path.
    """
    scene_name = scene
    scene = twin_scene(stack_dir, dem, seed, allow_shifts)
    scene_name = scene_name or os.path.basename(os.path.normpath(str(stack_dir)))
    info, valid = scene["info"], scene["valid"]

    writer = PairWriter(out_dir, info.geotransform, info.projection)
    dem_rel = writer.raster("dem.tif", scene["dem"], ["elevation_m"])
    distortion_rel = {}
    for direction, code in ORBIT_CODES.items():
        geo_path = os.path.join(scene["stack_dir"], f"geometry_{code}.tif")
        if os.path.exists(geo_path):
            bits = np.nan_to_num(read_array(geo_path, 3)).astype(np.uint8)
            classes = distortion_classes(bits, valid).astype(np.float32)
            distortion_rel[direction] = writer.raster(f"distortion_{code}.tif", classes, ["distortion_class"],
                                                      nodata=None)
    for i, row in enumerate(scene["acquisitions"]):
        date = as_date(row["date"])
        optical = render_twin(scene, row, cloud_probability, max_cloud_cover, photometry)
        sar_path = os.path.join(scene["stack_dir"], row["file"])
        sar = np.stack([power_to_db(read_array(sar_path, b)) for b in (1, 2)])
        pair_id = os.path.splitext(row["file"])[0]
        mask = optical["cloud_mask"]
        writer.add(
            pair_id=pair_id, source="simulator", scene=scene_name, date=date.isoformat(),
            sar_date=date.isoformat(), orbit_direction=row["orbit_direction"],
            sar=writer.raster(f"sar/{pair_id}.tif", sar, SAR_BANDS),
            optical=writer.raster(f"optical/{pair_id}.tif", optical["reflectance"], BANDS),
            dem=dem_rel, distortion=distortion_rel.get(row["orbit_direction"], ""),
            cloud_mask=writer.raster(f"cloud/{pair_id}.tif", mask.astype(np.float32), ["cloud_mask"],
                                     nodata=None),
            cloud_fraction=f"{float(np.mean(mask[valid] != CLEAR)):.4f}",
            sun_elevation_deg=f"{optical['sun_elevation_deg']:.3f}",
            sun_azimuth_deg=f"{optical['sun_azimuth_deg']:.3f}")
        if progress is not None:
            progress(100.0 * (i + 1) / len(scene["acquisitions"]))
    return writer.close()


def twin_scene(stack_dir, dem=None, seed=0, allow_shifts=False):
    """What the optical twin of a simulated stack needs once for all its dates (dict; see render_twin).

    ``stack_dir``, ``dem``, ``seed``, ``allow_shifts``: as in write_simulated_pairs. Keys: stack_dir,
    acquisitions (acquisitions.csv rows), info (the grid), landcover, dem (m), valid, dx, dy (m),
    latitude (deg), snow ({date: (depth m, density kg/m3)}), maps (scene_maps), seed, and the change
    rasters and rows that set the land cover of each date.
    """
    stack_dir = str(stack_dir)
    acq_rows = _read_csv(os.path.join(stack_dir, "acquisitions.csv"))
    shifted = [r["file"] for r in acq_rows if float(r["shift_x_px"]) or float(r["shift_y_px"])]
    if shifted and not allow_shifts:
        raise ValueError(f"{len(shifted)} acquisition(s) of {stack_dir} are shifted on purpose (shifts_px, "
                         f"e.g. {shifted[0]}): their SAR is not co-registered with the optical twin; "
                         "simulate the stack with shifts_px=0, or pass allow_shifts=True to pair them anyway")
    weather_rows = _read_csv(os.path.join(stack_dir, "weather.csv"))
    lc_path = os.path.join(stack_dir, "landcover.tif")
    info = read_info(lc_path)
    base = np.nan_to_num(read_array(lc_path)).astype(np.uint8)
    z = _stack_dem(stack_dir, dem, base.shape)
    dx, dy = terrain.pixel_size_metres(info.geotransform, info.projection, info.ysize)
    cd_path = os.path.join(stack_dir, "change_date.tif")
    return dict(stack_dir=stack_dir, acquisitions=acq_rows, info=info, landcover=base, dem=z,
                valid=np.isfinite(z), dx=dx, dy=dy,
                latitude=scene_latitude(info.geotransform, info.projection, base.shape),
                change_day=read_array(cd_path, 1), end_day=read_array(cd_path, 2),
                change_rows=_read_csv(os.path.join(stack_dir, "changes.csv")), start=weather_rows[0]["date"],
                snow=snow_on_dates(weather_rows, z, [r["date"] for r in acq_rows]),
                maps=scene_maps(base.shape, float(np.sqrt(dx * dy)), np.random.default_rng([int(seed), 101])),
                seed=int(seed))


def render_twin(scene, acquisition, cloud_probability=0.0, max_cloud_cover=0.7, photometry="lambert"):
    """render_optical's result for one acquisition (an acquisitions.csv row) of ``twin_scene``'s stack:
    its date's land cover and snowpack, clouds drawn per date from the scene's seed."""
    date = as_date(acquisition["date"])
    rng = np.random.default_rng([scene["seed"], 202, date.toordinal()])
    cover = float(rng.uniform(0.0, max_cloud_cover)) if rng.random() < cloud_probability else 0.0
    depth, density = scene["snow"][date]
    classes = classes_on(scene["landcover"], scene["change_day"], scene["end_day"], scene["change_rows"],
                         scene["start"], date)
    return render_optical(classes, scene["dem"], scene["dx"], scene["dy"], date, scene["latitude"],
                          scene["maps"], depth, density, cover, rng, photometry=photometry)


def _stack_dem(stack_dir, dem, shape):
    if dem is None:
        path = os.path.join(str(stack_dir), "dem.tif")
        if not os.path.exists(path):
            raise ValueError(f"{stack_dir} has no dem.tif (the stack was simulated on a given DEM): "
                             "pass that DEM as dem=")
        z = read_array(path)
    elif isinstance(dem, (str, os.PathLike)):
        z = read_array(str(dem))
    else:
        z = np.asarray(dem[0], dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    if z.shape != tuple(shape):
        raise ValueError(f"the DEM's grid {z.shape} is not the stack's {tuple(shape)}: give the DEM "
                         "the stack was simulated on")
    return z


def simulate_pairs(out_dir, seed=0, cloud_probability=0.0, photometry="lambert", **stack_options):
    """Simulate a stack into ``out_dir``/stack and its pair folder into ``out_dir``/pairs.

    ``stack_options`` go to simulate_stack (e.g. dem=(array, geotransform,
    projection), or shape=(512, 512), relief_m=2500 for a fractal mountain
    scene; start, end, revisit_days, climate='alpine', ...). Returns the
    pairs.csv path; the scene is named after ``out_dir``'s folder and ``seed``.
    """
    from .stack import simulate_stack

    stack_dir = os.path.join(str(out_dir), "stack")
    simulate_stack(stack_dir, seed=seed, **stack_options)
    scene = f"{os.path.basename(os.path.normpath(str(out_dir)))}_seed{seed}"
    return write_simulated_pairs(stack_dir, os.path.join(str(out_dir), "pairs"), dem=stack_options.get("dem"),
                                 seed=seed, cloud_probability=cloud_probability, photometry=photometry,
                                 scene=scene)
