"""Simulated SAR scenes with segmentation truth: open water, ice (sea/lake ice) and land.

A small, QGIS-free generator of single-date Sentinel-1-like scenes (VV and VH
sigma0 in dB, ellipsoid incidence angle in degrees) with a label raster, for
training and testing segmentation models (after Karimzadeh & Pires de Lima
2022, sea-ice / water segmentation). Each scene comes from a seed (its own
fractal DEM, land cover, ice floes, wind field and speckle), so training and
test scenes are separated by seeds (``TRAIN_SEEDS`` / ``TEST_SEEDS``).

Classes (uint8 labels): 0 water, 1 ice, 2 land; ``IGNORE`` (255) = no label.

Scene: a fractal DEM (``dem.fractal_dem``) flooded up to a random level
(25-45 % of the scene is sea/lake, plus the land-cover river and lakes);
land keeps the land-cover classes of ``landcover.landcover`` and their
backscatter (``backscatter.sigma0_db``); ice floes are the high parts of a
smooth random field inside the water, covering a random share of it.

Seasons (``SEASONS``):

- "freeze": frozen ground under dry snow; dry ice bright and rough
  (ridges), open water calm to moderately wind-roughened (2-6 m/s);
- "melt": wet snow on land and on the ice absorbs (ice 5-6 dB darker, the
  paper's hard case: wet ice looks like water), open water rougher (4-12 m/s)
  and so brighter.

Backscatter of ice (C band, dB at 35 deg incidence, slope dB/deg): dry
first-year / lake ice VV -13, VH -24 (Onstott 1992, "SAR and scatterometer
signatures of sea ice", AGU Geophys. Monogr. 68, ch. 5: FY ice -10..-16 dB
VV at 20-40 deg; Duguay et al. 2002, Hydrol. Process. 16: grounded/floating
lake ice); ridging adds a smooth +-2 dB field. Wet snow on ice: -6 dB VV,
-5 dB VH (Barber et al. 1995, melt-onset C-band drop of ~5 dB; Nagler & Rott
2000 for wet snow). These are illustrative levels, not a calibrated model.
Open water follows ``backscatter`` (Ulaby et al. 1986) with a spatial wind
field: +10 log10(U / 4 m/s) dB (the simulator's inland-water wind law).

Speckle: ``looks``-look gamma speckle (``speckle.gamma_speckle``) times the
static texture of the land classes, plus the noise floor (NESZ -22 dB).
``clean_*`` arrays hold the speckle-free twin (same scene, no speckle) for
despeckling pretext tasks.
"""

import numpy as np

from .backscatter import NESZ_DB, add_noise_floor, sigma0_db
from .dem import fractal_dem
from .geometry import scene_incidence
from .landcover import WATER, landcover
from .speckle import apply_texture, gamma_speckle, texture_maps

WATER_CLASS, ICE_CLASS, LAND_CLASS = 0, 1, 2
CLASSES = ("water", "ice", "land")
#: Display colours (RGB 0-255) of the classes, in class order.
COLOURS = ((31, 87, 191), (224, 240, 255), (115, 150, 80))
IGNORE = 255
SEASONS = ("freeze", "melt")
#: Seeds of scenes for training and for held-out tests (disjoint: other DEMs, floes, wind, speckle).
TRAIN_SEEDS = tuple(range(100, 140))
TEST_SEEDS = tuple(range(900, 920))

#: Dry ice: (dB at 35 deg, dB/deg) per polarisation (Onstott 1992; Duguay et al. 2002).
ICE_DB = {"VV": (-13.0, -0.12), "VH": (-24.0, -0.10)}
#: Wet snow on ice in the melt season, dB (Barber et al. 1995; Nagler & Rott 2000).
WET_ICE_DB = {"VV": -6.0, "VH": -5.0}
#: Standard deviation (dB) of the smooth ridging field on ice.
ICE_ROUGHNESS_DB = 2.0
#: Wind speed range over open water (m/s) per season.
WIND_M_S = {"freeze": (2.0, 6.0), "melt": (4.0, 12.0)}
#: Share of the water covered by ice per season (drawn uniformly).
ICE_SHARE = {"freeze": (0.45, 0.8), "melt": (0.3, 0.6)}
#: Land conditions per season (``backscatter.sigma0_db`` conditions).
LAND_CONDITIONS = {
    "freeze": dict(frozen=True, snow_depth_m=0.3, wet_snow=False),
    "melt": dict(frozen=False, snow_depth_m=0.3, wet_snow=True, soil_moisture=0.3),
}

_DEM, _LAND, _ICE, _WIND, _TEXTURE, _SPECKLE, _ORBIT = range(1, 8)


def _rng(seed, key):
    return np.random.default_rng([int(seed), 7919, key])


def _smooth_field(shape, pixel_size_m, beta, rng):
    """Zero-mean, unit-variance smooth random field (fractal, spectral exponent ``beta``)."""
    f = fractal_dem(shape, pixel_size_m, 1.0, beta, rng, valley=False, base_m=0.0).astype(np.float64)
    return (f - f.mean()) / max(f.std(), 1e-9)


def check_season(season):
    """``season`` lower-cased, or ValueError naming the accepted ones."""
    s = str(season).lower()
    if s not in SEASONS:
        raise ValueError(f"unknown season {season!r}: use one of {SEASONS}")
    return s


def segmentation_scene(
    seed, season="freeze", shape=(128, 128), pixel_size_m=40.0, looks=4.0, incidence_range=(29.0, 46.0)
):
    """One simulated scene with its segmentation truth; a dict of arrays (float32 unless noted).

    ``seed``: scene identity (same seed and arguments, same scene); ``season``:
    "freeze" or "melt"; ``shape``: (rows, cols) pixels of ``pixel_size_m``
    metres; ``looks``: ENL of the speckle (inf: none). Keys: ``vv_db``,
    ``vh_db`` (sigma0, dB), ``incidence_deg`` (ellipsoid incidence, degrees),
    ``labels`` (uint8, ``CLASSES`` order), ``clean_vv_db``, ``clean_vh_db``
    (the speckle-free twin, dB), ``season``, ``seed``.
    """
    season = check_season(season)
    shape = tuple(int(v) for v in shape)
    px = float(pixel_size_m)
    dem = fractal_dem(shape, px, 300.0, 3.2, _rng(seed, _DEM), valley=True, base_m=0.0).astype(np.float64)
    rng_land = _rng(seed, _LAND)
    cover = landcover(dem, px, px, rng_land)
    level = np.quantile(dem, rng_land.uniform(0.25, 0.45))
    water = (dem <= level) | (cover == WATER)

    rng_ice = _rng(seed, _ICE)
    floes = _smooth_field(shape, px, 2.4, rng_ice)
    share = rng_ice.uniform(*ICE_SHARE[season])
    threshold = np.quantile(floes[water], 1.0 - share) if water.any() else np.inf
    ice = water & (floes > threshold)
    ridges = ICE_ROUGHNESS_DB * _smooth_field(shape, px, 2.0, rng_ice)

    rng_wind = _rng(seed, _WIND)
    lo, hi = WIND_M_S[season]
    wind = lo + (hi - lo) * (0.5 + 0.25 * _smooth_field(shape, px, 3.0, rng_wind)).clip(0.0, 1.0)
    wind_db = 10.0 * np.log10(np.maximum(wind, 1.5) / 4.0)

    rng_orbit = _rng(seed, _ORBIT)
    heading = float(rng_orbit.choice([-12.0, 192.0]))
    inc = scene_incidence(shape, px, px, heading, incidence_range, swath_position=rng_orbit.uniform())
    inc_deg = np.degrees(inc)

    classes = np.where(water, WATER, cover).astype(np.uint8)
    textures = texture_maps(shape, _rng(seed, _TEXTURE))
    rng_speckle = _rng(seed, _SPECKLE)
    out = {"incidence_deg": inc_deg.astype(np.float32), "season": season, "seed": int(seed)}
    for pol in ("VV", "VH"):
        land_db = sigma0_db(classes, inc, LAND_CONDITIONS[season], pol)
        water_db = sigma0_db(np.full(shape, WATER, np.uint8), inc, {"wind_m_s": 4.0}, pol) + wind_db
        a, b = ICE_DB[pol]
        ice_db = a + b * (inc_deg - 35.0) + ridges + (WET_ICE_DB[pol] if season == "melt" else 0.0)
        db = np.where(ice, ice_db, np.where(water, water_db, land_db))
        power = apply_texture(np.power(10.0, db / 10.0).astype(np.float32), classes, textures)
        power = add_noise_floor(power, NESZ_DB)
        out[f"clean_{pol.lower()}_db"] = to_db(power)
        out[f"{pol.lower()}_db"] = to_db(power * gamma_speckle(shape, looks, rng_speckle))
    labels = np.full(shape, LAND_CLASS, dtype=np.uint8)
    labels[water] = WATER_CLASS
    labels[ice] = ICE_CLASS
    out["labels"] = labels
    return out


def to_db(power):
    """10 log10 of linear power (float32), floored at 1e-6 (-60 dB)."""
    return (10.0 * np.log10(np.maximum(np.asarray(power, dtype=np.float64), 1e-6))).astype(np.float32)


def scene_image(scene, incidence=True):
    """The scene's model input (C, H, W) float32: VV dB, VH dB[, incidence deg]."""
    bands = [scene["vv_db"], scene["vh_db"]] + ([scene["incidence_deg"]] if incidence else [])
    return np.stack(bands).astype(np.float32)


def class_fractions(labels, n_classes=3):
    """Share of each class among the labelled pixels (labels != IGNORE)."""
    lab = np.asarray(labels)
    valid = lab[lab != IGNORE]
    counts = np.bincount(valid.ravel(), minlength=n_classes)[:n_classes].astype(np.float64)
    return counts / max(counts.sum(), 1.0)
