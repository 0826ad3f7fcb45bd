"""Simulated SAR scenes with segmentation truth: open water, ice (sea/lake ice) and land.

A small, QGIS-free generator of single-date Sentinel-1-like scenes (VV and VH
sigma0 in dB, ellipsoid incidence angle in degrees) with a label raster, for
training and testing segmentation models (after Karimzadeh & Pires de Lima
2022, sea-ice / water segmentation). Each scene comes from a seed (its own
fractal DEM, land cover, ice floes, wind field and speckle), so training and
test scenes are separated by seeds (``TRAIN_SEEDS`` / ``TEST_SEEDS``; ``VALIDATION_SEEDS``
for choosing a setup).

Classes (uint8 labels): 0 water, 1 ice, 2 land; ``IGNORE`` (255) = no label.

Scene: a fractal DEM (``dem.fractal_dem``, relief drawn in ``RELIEF_M_PER_KM``)
flooded up to a random level (10-45 % of the scene is sea/lake, plus the
land-cover river and lakes; half the scenes have no sea: land with a
river); water and ice surfaces are flat (the flooded DEM is set to its
level there); land keeps the land-cover classes of
``landcover.landcover`` and their backscatter (``backscatter.sigma0``) at the
*local* incidence of an ascending or descending pass over the DEM, projected
onto the ellipsoid with foreshortening, layover sums and radar shadow
(``geometry.orbit_geometry``, as ``stack.simulate_stack`` does: slopes facing
the radar are bright, slopes facing away dark); ice floes are the high parts
of a smooth random field inside the water, covering a random share of it.

Seasons (``SEASONS``):

- "freeze": frozen ground under dry snow; dry ice bright and rough
  (ridges), open water calm to moderately wind-roughened (2-6 m/s);
- "melt": wet snow on land and on the ice absorbs (ice 5-6 dB darker, the
  paper's hard case: wet ice looks like water), open water rougher (4-12 m/s)
  and so brighter.

Land in both seasons starts from the dry-snow reference: frozen ground under
0.3 m of dry snow (``LAND_CONDITIONS``; dry snow is nearly transparent at C
band). In the melt season the liquid water in the snow absorbs the ground
return (C-band penetration depth of wet snow a few cm), so whatever the soil
beneath does (thaw, moisture) does not show: melt land is the dry-snow
reference times the wet-snow ratio of ``backscatter.WET_SNOW_DB`` (-5 dB on
fields and bare ground, -2 dB under forest canopies and in towns, whose
returns come partly from above the snow). Nagler & Rott 2000 (IEEE TGRS
38(2), "Retrieval of wet snow by means of multitemporal SAR data"): wet snow
is 3 dB or more below the dry-snow / snow-free reference of the same ground,
their detection threshold.

Backscatter of ice (C band, dB at 35 deg incidence, slope dB/deg): dry
first-year / lake ice VV -13, VH -24 (Onstott 1992, "SAR and scatterometer
signatures of sea ice", AGU Geophys. Monogr. 68, ch. 5: FY ice -10..-16 dB
VV at 20-40 deg; Duguay et al. 2002, Hydrol. Process. 16: grounded/floating
lake ice); ridging adds a smooth +-2 dB field and ridge lines (pressure
ridges and rubble, a few pixels wide, ``RIDGE_SHARE`` of the ice) +5 dB
brighter than level ice, which they stay in the melt season because their
return is dominated by surface roughness, not by the wet snow's absorption
(Onstott 1992; Dierking 2010, IEEE TGRS 48(3) "Mapping of different sea ice
regimes using images from Sentinel-1 and ALOS synthetic aperture radar":
deformed ice several dB above level ice at C band). Wet snow on ice: -6 dB VV,
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

from .backscatter import NESZ_DB, add_noise_floor, coefficient_tables, sigma0_db
from .backscatter import sigma0 as sigma0_linear
from .dem import fractal_dem
from .geometry import orbit_geometry
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
#: Seeds of validation scenes for choosing a setup (budget, loss, network) before the test scenes are
#: scored: neither training (``TRAIN_SEEDS``, the river-only selection seeds after them up to 199),
#: pretraining (500+) nor test seeds.
VALIDATION_SEEDS = tuple(range(200, 220))

#: Dry ice: (dB at 35 deg, dB/deg) per polarisation (Onstott 1992; Duguay et al. 2002).
ICE_DB = {"VV": (-13.0, -0.12), "VH": (-24.0, -0.10)}
#: Wet snow on ice in the melt season, dB (Barber et al. 1995; Nagler & Rott 2000).
WET_ICE_DB = {"VV": -6.0, "VH": -5.0}
#: Standard deviation (dB) of the smooth ridging field on ice.
ICE_ROUGHNESS_DB = 2.0
#: Pressure ridges / rubble: share of the ice and brightening over level ice (dB, VV and VH), both
#: seasons (Onstott 1992; Dierking 2010).
RIDGE_SHARE = 0.08
RIDGE_DB = 5.0
#: Share of the scene below the flooding level (sea / large lake), drawn uniformly; with probability
#: ``RIVER_ONLY`` a scene has no sea: land with its 2-3 pixel river and small lakes (the look of the
#: demo stack and of most inland scenes, rare when every scene holds a sea).
SEA_SHARE = (0.1, 0.45)
RIVER_ONLY = 0.5
#: Relief of the scene's DEM per km of scene extent (m/km, drawn uniformly per scene): hills to
#: mountains whatever the scene size (the demo stack: 600 m over 10 km). 20 m pixels by default
#: (Sentinel-1 GRD-like).
RELIEF_M_PER_KM = (10.0, 70.0)
#: Wind speed range over open water (m/s) per season.
WIND_M_S = {"freeze": (2.0, 6.0), "melt": (4.0, 12.0)}
#: Share of the water covered by ice per season (drawn uniformly).
ICE_SHARE = {"freeze": (0.45, 0.8), "melt": (0.3, 0.6)}
#: Land conditions per season (``backscatter.sigma0_db`` conditions): the dry-snow reference, frozen
#: ground under dry snow, in both seasons; ``WET_SNOW_ON_LAND`` seasons scale it by the wet-snow ratio.
LAND_CONDITIONS = {
    "freeze": dict(frozen=True, snow_depth_m=0.3, wet_snow=False),
    "melt": dict(frozen=True, snow_depth_m=0.3, wet_snow=False),
}
#: Seasons whose snow is wet: it absorbs the ground return, so land is the dry-snow reference times
#: ``backscatter.WET_SNOW_DB`` of its class (Nagler & Rott 2000: >= 3 dB below the dry-snow reference).
WET_SNOW_ON_LAND = {"freeze": False, "melt": True}

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
    seed, season="freeze", shape=(128, 128), pixel_size_m=20.0, looks=4.0, incidence_range=(29.0, 46.0)
):
    """One simulated scene with its segmentation truth; a dict of arrays (float32 unless noted).

    ``seed``: scene identity (same seed and arguments, same scene); ``season``:
    "freeze" or "melt"; ``shape``: (rows, cols) pixels of ``pixel_size_m``
    metres; ``looks``: ENL of the speckle (inf: none). Keys: ``vv_db``,
    ``vh_db`` (sigma0, dB), ``incidence_deg`` (ellipsoid incidence, degrees),
    ``labels`` (uint8, ``CLASSES`` order), ``clean_vv_db``, ``clean_vh_db``
    (the speckle-free twin, dB), ``layover_shadow`` (uint8 terrain bits of
    ``geometry``: 1 layover, 2 shadow, 4 foreshortening), ``landcover``
    (uint8 ``landcover`` classes of the true surface, WATER where water or
    ice), ``season``,
    ``seed``, ``orbit`` (pass direction).
    """
    season = check_season(season)
    shape = tuple(int(v) for v in shape)
    px = float(pixel_size_m)
    rng_dem = _rng(seed, _DEM)
    relief = rng_dem.uniform(*RELIEF_M_PER_KM) * max(shape) * px / 1000.0
    dem = fractal_dem(shape, px, relief, 3.2, rng_dem, valley=True, base_m=0.0).astype(np.float64)
    rng_land = _rng(seed, _LAND)
    cover = landcover(dem, px, px, rng_land)
    share_sea = rng_land.uniform(*SEA_SHARE)
    level = np.quantile(dem, share_sea) if rng_land.uniform() >= RIVER_ONLY else -np.inf
    water = (dem <= level) | (cover == WATER)
    surface = np.where(dem <= level, level, dem)  # still water is flat

    rng_ice = _rng(seed, _ICE)
    floes = _smooth_field(shape, px, 2.4, rng_ice)
    share = rng_ice.uniform(*ICE_SHARE[season])
    threshold = np.quantile(floes[water], 1.0 - share) if water.any() else np.inf
    ice = water & (floes > threshold)
    ridges = ICE_ROUGHNESS_DB * _smooth_field(shape, px, 2.0, rng_ice)
    lines = np.abs(_smooth_field(shape, px, 2.6, rng_ice))
    ridge_lines = lines < np.quantile(lines, RIDGE_SHARE)
    ridges = ridges + RIDGE_DB * ridge_lines

    rng_wind = _rng(seed, _WIND)
    lo, hi = WIND_M_S[season]
    wind = lo + (hi - lo) * (0.5 + 0.25 * _smooth_field(shape, px, 3.0, rng_wind)).clip(0.0, 1.0)
    wind_db = 10.0 * np.log10(np.maximum(wind, 1.5) / 4.0)

    rng_orbit = _rng(seed, _ORBIT)
    orbit = str(rng_orbit.choice(["ascending", "descending"]))
    geo = orbit_geometry(surface, px, px, orbit, incidence_range, swath_position=rng_orbit.uniform())
    inc_deg = np.degrees(geo.incidence)
    local_deg = np.degrees(geo.local_incidence)

    classes = np.where(water, WATER, cover).astype(np.uint8)
    textures = texture_maps(shape, _rng(seed, _TEXTURE))
    rng_speckle = _rng(seed, _SPECKLE)
    out = {
        "incidence_deg": inc_deg.astype(np.float32),
        "layover_shadow": geo.mask,
        "season": season,
        "seed": int(seed),
        "orbit": orbit,
    }
    for pol in ("VV", "VH"):
        land = land_sigma0(classes, geo.local_incidence, season, pol, geo.mask)
        water_db = sigma0_db(np.full(shape, WATER, np.uint8), geo.local_incidence, {"wind_m_s": 4.0}, pol)
        a, b = ICE_DB[pol]
        ice_db = a + b * (local_deg - 35.0) + ridges + (WET_ICE_DB[pol] if season == "melt" else 0.0)
        surface_db = np.where(ice, ice_db, water_db + wind_db)
        power = np.where(water, np.power(10.0, surface_db / 10.0), land).astype(np.float32)
        power = geo.project(apply_texture(power, classes, textures))
        power = add_noise_floor(power, NESZ_DB)
        out[f"clean_{pol.lower()}_db"] = to_db(power)
        out[f"{pol.lower()}_db"] = to_db(power * gamma_speckle(shape, looks, rng_speckle))
    labels = np.full(shape, LAND_CLASS, dtype=np.uint8)
    labels[water] = WATER_CLASS
    labels[ice] = ICE_CLASS
    out["labels"] = labels
    out["landcover"] = classes
    return out


def land_sigma0(classes, local_incidence, season, pol, mask=None):
    """Land sigma0 (linear power, float32) of ``landcover`` ``classes`` at ``local_incidence`` (radians).

    The dry-snow reference (``LAND_CONDITIONS``, ``backscatter.sigma0``; 0 in
    shadow, bit 2 of ``mask``), times the wet-snow ratio of the class in
    ``WET_SNOW_ON_LAND`` seasons: wet snow absorbs the ground return, the
    soil beneath does not show (Nagler & Rott 2000: wet snow >= 3 dB below
    the dry-snow reference).
    """
    season = check_season(season)
    land = sigma0_linear(classes, local_incidence, LAND_CONDITIONS[season], pol, mask=mask)
    if WET_SNOW_ON_LAND[season]:
        wet_db = coefficient_tables(pol)["wet_snow"][np.asarray(classes, dtype=np.intp)]
        land = land * np.power(np.float32(10.0), wet_db / np.float32(10.0))
    return land.astype(np.float32, copy=False)


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
