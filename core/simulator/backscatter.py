"""C-band backscatter model: sigma0 per class, polarisation, local incidence and weather.

sigma0 is the backscatter coefficient per unit *true surface area* at the
local incidence angle theta_loc (linear power, m2/m2). In dB:

    sigma0_dB = a + b * (theta_loc - 35 deg)             FIELD, BARE, URBAN, WATER
    sigma0_dB = gamma0_dB + 10 log10(cos theta_loc)       FOREST (volume scatterer)
              + s_mv * 100 * (mv - 0.20) * (not frozen)   soil moisture (per vol %)
              + freeze_dB * frozen                        frozen soil / canopy
              + wet_dB * ramp(snow depth) * wet_snow      liquid water in snow absorbs
              + dry_dB_per_m * min(depth, 3 m) * dry_snow volume scattering of dry snow
              + crop_dB * g(day of year)                  FIELD only: crop growth cycle
              + 10 * 1.0 * log10(max(U, 1.5) / 4)         WATER only: wind roughening
              + platform offset                           S1A / S1B calibration

theta_loc beyond 90 deg (facing away from the radar) is not illuminated
(sigma0 = 0); pixels flagged SHADOW in the terrain mask too. Terrain
projection (foreshortening brightening, layover sums) is applied afterwards
by ``geometry.OrbitGeometry.project``; the instrument noise floor by
``add_noise_floor``.

Coefficient sources (C band, 5.4 GHz):
- a, b, gamma0: Ulaby & Dobson 1989, Handbook of Radar Scattering Statistics
  for Terrain (C-band medians: soil/grass -10..-13 dB at 35-40 deg, trees
  -7..-8 dB, weakly angle dependent; cross-pol 6-8 dB below like-pol);
  Ulaby, Moore & Fung 1986 vol. III ch. 21 (calm water: specular, falls
  ~0.5 dB/deg at mid incidence); cos-law gamma0 for forests: Ulander 1996,
  IEEE TGRS 34(5); urban double bounce bright and weakly angle dependent.
- s_mv: Dobson & Ulaby 1986, IEEE TGRS 24(1) "Active microwave soil moisture
  research" (C band ~0.2-0.3 dB per vol % for bare soil, reduced under crops,
  small under forest canopies).
- freeze_dB: Rignot & Way 1994, Remote Sens. Environ. 49 (C-band drop of
  ~3 dB when soil and vegetation freeze, dielectric constant 15-25 -> ~4).
- wet_dB: Nagler & Rott 2000, IEEE TGRS 38(2) (wet snow 3 dB or more below the
  snow-free / dry-snow reference; -3 dB is their detection threshold).
- dry_dB_per_m: Lievens et al. 2019, Nat. Commun. 10:4629 (VH/VV rises by a
  few dB over metre-scale depths of dry snow; VH more than VV).
- crop_dB: Veloso et al. 2017, Remote Sens. Environ. 199 (VH rises several dB
  with crop biomass); Mattia et al. 2003, IEEE TGRS 41(7) (vertical stems
  attenuate VV).
- wind on water: exponent of sigma0 ~ U^gamma, gamma ~1.5-2 for open ocean in
  CMOD5 (Hersbach et al. 2007, JGR 112); 1.0 here for fetch-limited inland water.
- platform offsets: Schwerdt et al. 2017, Remote Sens. 9(6):511 and Miranda et
  al. 2021 (EUSAR, S-1A/B cross-calibration): S-1A/S-1B agree to ~0.1-0.2 dB;
  the sign used here is illustrative.
- NESZ: Sentinel-1 IW specification, better than -22 dB (ESA Sentinel-1 User
  Handbook 2013).
"""
import numpy as np

from .landcover import BARE, FIELD, FOREST, URBAN, WATER

POLARISATIONS = ("VV", "VH")
PLATFORMS = ("S1A", "S1B")
REFERENCE_INCIDENCE_DEG = 35.0
MV_REFERENCE = 0.20  # m3/m3: soil moisture at which a (the class level) applies
NESZ_DB = -22.0  # dB, S1 IW noise-equivalent sigma0 (specification)

# (a dB at 35 deg, b dB/deg) per class and polarisation (Ulaby & Dobson 1989; Ulaby et al. 1986).
ANGULAR = {
    FIELD: {"VV": (-11.0, -0.20), "VH": (-18.0, -0.15)},
    BARE: {"VV": (-12.0, -0.25), "VH": (-20.0, -0.20)},
    URBAN: {"VV": (-4.0, -0.10), "VH": (-11.0, -0.08)},
    WATER: {"VV": (-20.0, -0.50), "VH": (-28.0, -0.35)},
}
FOREST_GAMMA0_DB = {"VV": -6.5, "VH": -12.5}  # gamma0 = sigma0 / cos(theta_loc) (Ulander 1996)
MOISTURE_DB_PER_PCT = {  # Dobson & Ulaby 1986
    FOREST: {"VV": 0.05, "VH": 0.03}, FIELD: {"VV": 0.20, "VH": 0.15},
    BARE: {"VV": 0.25, "VH": 0.20}, URBAN: {"VV": 0.0, "VH": 0.0}, WATER: {"VV": 0.0, "VH": 0.0},
}
FREEZE_DB = {  # Rignot & Way 1994
    FOREST: {"VV": -2.5, "VH": -2.0}, FIELD: {"VV": -3.5, "VH": -3.0},
    BARE: {"VV": -3.0, "VH": -3.0}, URBAN: {"VV": -0.5, "VH": -0.5}, WATER: {"VV": 0.0, "VH": 0.0},
}
WET_SNOW_DB = {  # Nagler & Rott 2000; full effect from 0.1 m depth
    FOREST: {"VV": -2.0, "VH": -2.0}, FIELD: {"VV": -5.0, "VH": -5.0},
    BARE: {"VV": -5.0, "VH": -5.0}, URBAN: {"VV": -2.0, "VH": -2.0}, WATER: {"VV": 0.0, "VH": 0.0},
}
DRY_SNOW_DB_PER_M = {  # Lievens et al. 2019; applied up to 3 m
    FOREST: {"VV": 0.15, "VH": 0.5}, FIELD: {"VV": 0.3, "VH": 1.0},
    BARE: {"VV": 0.3, "VH": 1.0}, URBAN: {"VV": 0.0, "VH": 0.0}, WATER: {"VV": 0.0, "VH": 0.0},
}
CROP_DB = {"VV": -1.0, "VH": 3.0}  # FIELD at peak biomass (Veloso et al. 2017; Mattia et al. 2003)
CROP_GREENUP_DOY, CROP_PEAK_DOY, CROP_HARVEST_DOY = 100, 180, 215
WATER_WIND_EXPONENT = 1.0  # sigma0 ~ U^1 for inland water (CMOD5 open ocean: 1.5-2)
WATER_WIND_REF_M_S, WATER_WIND_MIN_M_S = 4.0, 1.5
PLATFORM_OFFSET_DB = {"S1A": 0.0, "S1B": 0.15}  # Schwerdt et al. 2017; Miranda et al. 2021


def check_polarisation(pol):
    """Upper-case ``pol`` or raise ValueError naming the accepted values."""
    p = str(pol).upper()
    if p not in POLARISATIONS:
        raise ValueError(f"unknown polarisation {pol!r}: use 'VV' and/or 'VH' (Sentinel-1 IW dual-pol)")
    return p


def check_platform(platform):
    """Upper-case ``platform`` or raise ValueError naming the accepted values."""
    p = str(platform).upper()
    if p not in PLATFORM_OFFSET_DB:
        raise ValueError(f"unknown platform {platform!r}: use one of {sorted(PLATFORM_OFFSET_DB)}")
    return p


def crop_growth(doy):
    """Crop biomass index 0..1 for day of year ``doy``: linear green-up, peak, harvest (cut to 0)."""
    doy = np.asarray(doy, dtype=np.float64)
    up = np.clip((doy - CROP_GREENUP_DOY) / (CROP_PEAK_DOY - CROP_GREENUP_DOY), 0.0, 1.0)
    return np.where(doy > CROP_HARVEST_DOY, 0.0, up)


def _table(per_class, pol):
    """Lookup array indexed by class code (0..5) of one polarisation's coefficient."""
    out = np.zeros(6, dtype=np.float32)
    for cls, values in per_class.items():
        out[cls] = values[pol]
    return out


def coefficient_tables(pol):
    """Per-class lookup arrays (index = class code) of every dB coefficient for ``pol``."""
    pol = check_polarisation(pol)
    a = np.zeros(6, np.float32)
    b = np.zeros(6, np.float32)
    cos_law = np.zeros(6, np.float32)
    for cls, values in ANGULAR.items():
        a[cls], b[cls] = values[pol]
    a[FOREST] = FOREST_GAMMA0_DB[pol]
    cos_law[FOREST] = 1.0
    return dict(a=a, b=b, cos_law=cos_law, moisture=_table(MOISTURE_DB_PER_PCT, pol),
                freeze=_table(FREEZE_DB, pol), wet_snow=_table(WET_SNOW_DB, pol),
                dry_snow=_table(DRY_SNOW_DB_PER_M, pol))


def sigma0_db(classes, local_incidence, conditions, pol, platform="S1A"):
    """sigma0 in dB (float32) for ``classes`` at ``local_incidence`` (radians).

    ``conditions``: mapping of scalars or arrays broadcastable to ``classes``:
    soil_moisture (m3/m3, default 0.20), frozen (bool), wet_snow (bool),
    snow_depth_m (m), dry_snow (bool; default snow_depth_m > 0.02 and not
    wet_snow), wind_m_s (m/s, default 4), doy (day of year; None = no crop
    cycle). NODATA (0) classes give NaN; incidence beyond 90 deg is clipped.
    """
    t = coefficient_tables(pol)
    platform = check_platform(platform)
    c = np.asarray(classes, dtype=np.intp)
    theta = np.degrees(np.asarray(local_incidence, dtype=np.float32))
    theta = np.clip(theta, 0.0, 89.0)
    get = conditions.get
    mv = np.asarray(get("soil_moisture", MV_REFERENCE), dtype=np.float32)
    frozen = np.asarray(get("frozen", False), dtype=bool)
    wet = np.asarray(get("wet_snow", False), dtype=bool)
    depth = np.asarray(get("snow_depth_m", 0.0), dtype=np.float32)
    dry = get("dry_snow")
    dry = (depth > 0.02) & ~wet if dry is None else np.asarray(dry, dtype=bool)

    db = t["a"][c] + t["b"][c] * (theta - np.float32(REFERENCE_INCIDENCE_DEG))
    if np.any(t["cos_law"][c]):
        cos_term = np.float32(10.0) * np.log10(np.maximum(np.cos(np.radians(theta)), 0.02))
        db = db + t["cos_law"][c] * cos_term
    db = db + np.where(frozen, t["freeze"][c], t["moisture"][c] * np.float32(100.0) * (mv - MV_REFERENCE))
    if np.any(wet):
        ramp = np.clip(depth / np.float32(0.1), 0.0, 1.0)
        db = db + np.where(wet, t["wet_snow"][c] * ramp, np.float32(0.0))
    if np.any(dry):
        db = db + np.where(dry, t["dry_snow"][c] * np.minimum(depth, np.float32(3.0)), np.float32(0.0))
    doy = get("doy")
    if doy is not None:
        db = db + np.where(c == FIELD, np.float32(CROP_DB[check_polarisation(pol)] * crop_growth(doy)),
                           np.float32(0.0))
    wind = float(get("wind_m_s", WATER_WIND_REF_M_S))
    wind_db = 10.0 * WATER_WIND_EXPONENT * np.log10(max(wind, WATER_WIND_MIN_M_S) / WATER_WIND_REF_M_S)
    db = db + np.where(c == WATER, np.float32(wind_db), np.float32(0.0))
    db = db + np.float32(PLATFORM_OFFSET_DB[platform])
    db = np.where(c == 0, np.float32(np.nan), db)
    return db.astype(np.float32, copy=False)


def sigma0(classes, local_incidence, conditions, pol, platform="S1A", mask=None):
    """sigma0 in linear power (float32, m2/m2 of true surface) of ``sigma0_db``.

    ``local_incidence`` in radians; pixels facing away from the radar
    (local incidence >= 90 deg) and pixels with the SHADOW bit (2) set in
    ``mask`` (uint8 terrain mask) get 0: they are not illuminated.
    """
    db = sigma0_db(classes, local_incidence, conditions, pol, platform)
    power = np.power(np.float32(10.0), db / np.float32(10.0), dtype=np.float32)
    dark = np.asarray(local_incidence) >= np.pi / 2
    if mask is not None:
        dark = dark | ((np.asarray(mask) & 2) != 0)
    return np.where(dark, np.float32(0.0), power).astype(np.float32, copy=False)


def add_noise_floor(power, nesz_db=NESZ_DB):
    """Add the instrument noise power (linear, ``nesz_db`` in dB) to ``power`` (linear).

    The thermal noise adds to the signal in every pixel; in radar shadow it is
    all that is measured.
    """
    return (np.asarray(power, dtype=np.float32) + np.float32(10.0 ** (nesz_db / 10.0))).astype(np.float32)
