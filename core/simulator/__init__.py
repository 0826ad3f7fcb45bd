"""Physically grounded Sentinel-1-like SAR time-series simulator (numpy + GDAL, no QGIS).

Modules, one job each:
- dem: fractal DEMs (spectral synthesis) and no-data filling;
- landcover: FOREST/FIELD/WATER/URBAN/BARE from terrain;
- weather: daily weather generator, degree-day snowpack, soil moisture;
- backscatter: C-band sigma0 per class, polarisation, local incidence, weather;
- speckle: gamma speckle and static texture;
- geometry: per-orbit incidence, local incidence, layover/shadow, terrain projection;
- acquisitions: dates, platforms, orbit directions, file names;
- misregistration: known sub-pixel shifts and their phase-correlation estimate;
- changes: scheduled land-cover changes and ground-truth masks;
- stack: simulate_stack, writing GeoTIFFs and CSVs.

Units: sigma0 in linear power unless a name says _db; angles in radians inside
arrays, degrees where a name says _deg; distances in metres, shifts in pixels.
"""
from .acquisitions import Acquisition, acquisition_schedule
from .backscatter import NESZ_DB, add_noise_floor, sigma0, sigma0_db
from .changes import (
    CHANGE_TYPES,
    ChangeEvent,
    change_day_rasters,
    change_masks,
    classes_at,
    make_event,
    mask_from_change_days,
    polygon_mask,
    resolve_events,
)
from .dem import fractal_dem
from .geometry import HEADING_DEG, OrbitGeometry, orbit_geometry, scene_incidence
from .landcover import BARE, FIELD, FOREST, NODATA, URBAN, WATER, landcover
from .misregistration import estimate_shift, fourier_shift
from .speckle import gamma_speckle
from .stack import ACQUISITION_COLUMNS, CHANGE_COLUMNS, WEATHER_COLUMNS, simulate_stack, write_change_mask
from .weather import CLIMATES, snowpack, soil_moisture, weather_series

__all__ = [
    "ACQUISITION_COLUMNS", "BARE", "CHANGE_COLUMNS", "CHANGE_TYPES", "CLIMATES", "FIELD", "FOREST",
    "HEADING_DEG", "NESZ_DB", "NODATA", "URBAN", "WATER", "WEATHER_COLUMNS", "Acquisition",
    "ChangeEvent", "OrbitGeometry", "acquisition_schedule", "add_noise_floor", "change_day_rasters",
    "change_masks", "classes_at", "estimate_shift", "fourier_shift", "fractal_dem", "gamma_speckle",
    "landcover", "make_event", "mask_from_change_days", "orbit_geometry", "polygon_mask",
    "resolve_events", "scene_incidence", "sigma0", "sigma0_db", "simulate_stack", "snowpack",
    "soil_moisture", "weather_series", "write_change_mask",
]
