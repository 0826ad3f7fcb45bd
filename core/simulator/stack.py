"""simulate_stack: a Sentinel-1-like GRD time series over a DEM, written as GeoTIFFs and CSVs.

Pipeline per acquisition (all per-orbit geometry is computed once):
land cover on the date (scheduled changes applied) -> weather on the date
per elevation band (temperature lapse 6.5 deg C/km, degree-day snowpack,
soil moisture) -> sigma0 on the ground per class (backscatter.py) x static
texture -> terrain projection (geometry.py: area factor, layover sums,
shadow) -> optional known sub-pixel shift -> + noise floor (NESZ) -> x
L-look gamma speckle. Output values are sigma0 in linear power.
"""
import csv
import os
import time
import uuid

import numpy as np
from osgeo import gdal, osr

from ..engine.outputs import text_output
from ..engine.raster_blocks import Cancelled, read_array, read_info, write_array
from ..terrain import geometry as terrain
from . import changes as chg
from .acquisitions import ORBIT_CODES, acquisition_schedule
from .backscatter import NESZ_DB, add_noise_floor, check_polarisation, sigma0
from .dem import fill_nodata, fractal_dem
from .geometry import check_incidence_range, check_orbit, orbit_geometry
from .landcover import landcover
from .misregistration import fourier_shift
from .speckle import apply_texture, gamma_speckle, texture_maps
from .weather import LAPSE_RATE, as_date, previous_days_sum, snowpack, soil_moisture, weather_series

ACQUISITION_COLUMNS = ("date", "platform", "orbit_direction", "heading_deg", "mean_incidence_deg",
                       "temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m", "shift_x_px",
                       "shift_y_px", "file")
WEATHER_COLUMNS = ("date", "temperature_c", "precip_mm", "rain_mm", "snowfall_mm", "melt_mm", "swe_m",
                   "snow_depth_m", "soil_moisture", "frozen", "wet_snow", "wind_m_s")
CHANGE_COLUMNS = ("event_id", "type", "date", "end_date", "pixel_count")
DEFAULT_SHAPE = (512, 512)
DEFAULT_PIXEL_M = 20.0
DEFAULT_RELIEF_M = 600.0
DEFAULT_BETA = 3.2
DEFAULT_EPSG = 32632  # UTM 32N: a synthetic scene in central Europe
ELEVATION_BAND_M = 25.0

# Independent random streams per component: changing one part (e.g. the dates)
# leaves the others (terrain, land cover, speckle of a given acquisition) unchanged.
_DEM, _LANDCOVER, _WEATHER, _CHANGES, _TEXTURE, _SHIFTS, _SPECKLE = range(1, 8)


def _rng(seed, *keys):
    return np.random.default_rng([int(seed), *keys])


def check_dates(start, end):
    """(start, end) as dates; ValueError naming the fix when reversed."""
    start, end = as_date(start), as_date(end)
    if end <= start:
        raise ValueError(f"start date {start} is not before end date {end}: swap them "
                         "(or give an end date after the start)")
    return start, end


def simulate_stack(out_dir, dem=None, start="2020-01-01", end="2021-12-31", revisit_days=12,
                   orbits=("ascending", "descending"), incidence_range=(29.0, 46.0),
                   polarisations=("VV", "VH"), looks=4, seed=0, shifts_px=0.0, changes="default",
                   shape=None, progress=None, is_canceled=None, climate="temperate",
                   platforms=("S1A", "S1B"), nesz_db=NESZ_DB, pixel_size_m=DEFAULT_PIXEL_M,
                   relief_m=DEFAULT_RELIEF_M):
    """Simulate a Sentinel-1-like stack into ``out_dir``; returns a summary dict.

    ``dem``: None (a fractal DEM of ``shape`` pixels, default 512 x 512, at
    ``pixel_size_m`` metres in UTM 32N, ``relief_m`` metres of relief) or
    (array in metres with NaN as no data, GDAL geotransform, projection WKT);
    north-up grids only. ``start``, ``end``: dates (inclusive);
    ``revisit_days``: days between acquisitions per orbit direction;
    ``orbits``: 'ascending' and/or 'descending'; ``incidence_range``: (min,
    max) degrees of the swath (15-60); ``polarisations``: 'VV' and/or 'VH';
    ``looks``: ENL of the gamma speckle (inf: no speckle); ``shifts_px``: 0 (none), a number s
    (each acquisition shifted by a random known (dx, dy) in [-s, s] pixels,
    rounded to 1/1000 px) or a sequence of (dx, dy) per acquisition;
    ``changes``: 'default', None / [] (no change) or a list of ChangeEvent or
    dicts (type, date, region, end_date, coords); ``climate``: weather preset
    name or parameter dict; ``platforms``: in turn per orbit direction;
    ``nesz_db``: noise floor (dB); ``progress(percent)``, ``is_canceled()``:
    optional callbacks (cancel removes this run's files and raises Cancelled).

    Writes: one GeoTIFF per acquisition (e.g. S1A_20200103_ASC_VV_VH.tif,
    bands named by polarisation, sigma0 linear power, NaN = no data),
    landcover.tif (classes 1-5, 0 = no data), dem.tif (when generated),
    geometry_ASC.tif / geometry_DSC.tif (incidence_deg, local_incidence_deg,
    layover_shadow bits), change_date.tif (band 1: days from ``start`` to
    each pixel's change, band 2: days to its end (floods), 0 = none; no
    no-data value),
    acquisitions.csv (columns ACQUISITION_COLUMNS; temperature_c, precip_mm
    and snow_depth_m are the day's values at the scene's median elevation as
    in weather.csv, precip_3day_mm the sum over the 3 days before, shifts the
    exact (dx, dy) applied, in pixels, +x east, +y south), weather.csv (daily,
    WEATHER_COLUMNS), changes.csv (CHANGE_COLUMNS; pixel_count = pixels that
    really changed class).

    Summary keys: out_dir, files (acquisition paths in date order),
    acquisitions (the CSV rows as dicts), landcover, dem, geometry ({orbit:
    path}), change_date, acquisitions_csv, weather_csv, changes_csv, events
    (resolved ChangeEvents, for ``change_masks``), start, end, shape,
    geotransform, projection, polarisations, seconds.
    """
    t0 = time.perf_counter()
    start, end = check_dates(start, end)
    pols = _check_polarisations(polarisations)
    directions = [check_orbit(o) for o in orbits]
    incidence_range = check_incidence_range(incidence_range)
    if not looks > 0:
        raise ValueError(f"looks must be > 0 (got {looks}); Sentinel-1 IW GRD has about 4")
    schedule = acquisition_schedule(start, end, revisit_days, directions, platforms)
    if not schedule:
        raise ValueError("no acquisition falls between start and end: lengthen the period")
    shifts = _shifts(shifts_px, len(schedule), seed)

    # Terrain and grid.
    generated = dem is None
    if generated:
        shape = DEFAULT_SHAPE if shape is None else tuple(int(v) for v in shape)
        if len(shape) != 2 or min(shape) < 16:
            raise ValueError(f"shape {shape} is too small: give (rows, cols) of at least 16 x 16 pixels")
        z = fractal_dem(shape, pixel_size_m, relief_m, DEFAULT_BETA, _rng(seed, _DEM)).astype(np.float64)
        geotransform = (500000.0, pixel_size_m, 0.0, 5200000.0, 0.0, -pixel_size_m)
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(DEFAULT_EPSG)
        projection = srs.ExportToWkt()
        dx = dy = float(pixel_size_m)
    else:
        z, geotransform, projection = _check_dem(dem)
        dx, dy = terrain.pixel_size_metres(geotransform, projection, z.shape[0])
    rows, cols = z.shape
    valid = np.isfinite(z)
    z_filled = fill_nodata(z)
    slope, aspect = terrain.slope_aspect(z_filled, dx, dy)
    slope_deg = np.degrees(slope)

    base = landcover(z, dx, dy, _rng(seed, _LANDCOVER))
    if isinstance(changes, str) and changes == "default":
        events = chg.default_events(base, z_filled, slope_deg, aspect, start, end, _rng(seed, _CHANGES))
    elif changes is None:
        events = []
    elif isinstance(changes, str):
        raise ValueError(f"changes={changes!r}: use 'default', None or a list of events")
    else:
        events = chg.events_from_specs(changes)
    events = chg.resolve_events(events, base, slope_deg, start, geotransform)

    # Weather at the scene's median elevation, snow and soil per elevation band.
    z_ref = float(np.median(z[valid]))
    weather = weather_series(start, end, _rng(seed, _WEATHER), climate, elevation_m=z_ref)
    band_z, band_index = _elevation_bands(z_filled)
    band_t = weather["temperature_c"][:, None] - LAPSE_RATE * (band_z[None, :] - z_ref)
    snow = snowpack(band_t, weather["precip_mm"][:, None])
    soil = soil_moisture(snow["rain_mm"] + snow["melt_mm"])

    geometries = {d: orbit_geometry(z, dx, dy, d, incidence_range) for d in directions}
    textures = texture_maps((rows, cols), _rng(seed, _TEXTURE))

    os.makedirs(out_dir, exist_ok=True)
    written = []
    ref = _reference_raster(geotransform, projection)
    try:
        def write(name, array, nodata, descriptions):
            path = os.path.join(out_dir, name)
            write_array(path, array, like=ref, nodata=nodata, descriptions=descriptions)
            written.append(path)
            return path

        lc_path = write("landcover.tif", base.astype(np.float32), 0, ["landcover"])
        dem_path = write("dem.tif", z.astype(np.float32), float("nan"), ["elevation_m"]) if generated \
            else None
        geometry_paths = {}
        for d, geo in geometries.items():
            stack = np.stack([np.degrees(geo.incidence), np.degrees(geo.local_incidence),
                              geo.mask.astype(np.float32)])
            stack[1:, ~valid] = np.nan
            geometry_paths[d] = write(f"geometry_{ORBIT_CODES[d]}.tif", stack, float("nan"),
                                      ["incidence_deg", "local_incidence_deg", "layover_shadow"])
        change_day, end_day = chg.change_day_rasters(events, start, (rows, cols))
        # 0 (no change, no end) is a value, not no data: the valid values of a band with no data = 0
        # can all be one day, and QGIS's default renderer then asks GDAL for a histogram of an empty
        # range (ERROR 5 on every load of the layer).
        cd_path = write("change_date.tif", np.stack([change_day, end_day]), None,
                        [f"change_day (days since {start})", f"end_day (days since {start})"])
        _set_metadata(cd_path, START_DATE=start.isoformat())

        day0 = np.datetime64(start)
        rows_out = []
        files = []
        for i, acq in enumerate(schedule):
            if is_canceled is not None and is_canceled():
                raise Cancelled("cancelled by the user")
            d = int((np.datetime64(acq.date) - day0).astype(int))
            geo = geometries[acq.orbit_direction]
            classes = chg.classes_at(base, events, acq.date)
            conditions = dict(
                soil_moisture=soil["soil_moisture"][d][band_index],
                frozen=snow["frozen"][d][band_index],
                wet_snow=snow["wet_snow"][d][band_index],
                dry_snow=snow["dry_snow"][d][band_index],
                snow_depth_m=snow["snow_depth_m"][d][band_index],
                wind_m_s=float(weather["wind_m_s"][d]),
                doy=int(weather["doy"][d]),
            )
            sx, sy = shifts[i]
            bands = []
            for k, pol in enumerate(pols):
                s0 = sigma0(classes, geo.local_incidence, conditions, pol, acq.platform, geo.mask)
                s0 = geo.project(apply_texture(s0, classes, textures))
                if sx or sy:
                    s0 = np.maximum(fourier_shift(np.nan_to_num(s0, nan=0.0), sx, sy), 0.0)
                s0 = add_noise_floor(s0, nesz_db)
                orbit_key = directions.index(acq.orbit_direction)
                speckle_rng = _rng(seed, _SPECKLE, acq.date.toordinal(), orbit_key, k)
                s0 = s0 * gamma_speckle(s0.shape, looks, speckle_rng)
                s0[~valid] = np.nan
                bands.append(s0)
            name = acq.file_name(pols)
            write(name, np.stack(bands), float("nan"), list(pols))
            files.append(os.path.join(out_dir, name))
            rows_out.append(dict(
                date=acq.date.isoformat(), platform=acq.platform, orbit_direction=acq.orbit_direction,
                heading_deg=f"{acq.heading_deg:.1f}", mean_incidence_deg=f"{geo.mean_incidence_deg:.3f}",
                temperature_c=f"{weather['temperature_c'][d]:.2f}",
                precip_mm=f"{weather['precip_mm'][d]:.2f}",
                precip_3day_mm=f"{previous_days_sum(weather['precip_mm'], d, 3):.2f}",
                snow_depth_m=f"{weather['snow_depth_m'][d]:.3f}",
                shift_x_px=repr(float(sx)), shift_y_px=repr(float(sy)), file=name))
            if progress is not None:
                progress(100.0 * (i + 1) / len(schedule))

        acq_csv = _write_csv(os.path.join(out_dir, "acquisitions.csv"), ACQUISITION_COLUMNS, rows_out,
                             written)
        weather_csv = _write_csv(os.path.join(out_dir, "weather.csv"), WEATHER_COLUMNS,
                                 _weather_rows(weather), written)
        change_rows = [dict(event_id=e.event_id, type=e.kind, date=e.date.isoformat(),
                            end_date="" if e.end_date is None else e.end_date.isoformat(),
                            pixel_count=int(e.mask.sum())) for e in events]
        changes_csv = _write_csv(os.path.join(out_dir, "changes.csv"), CHANGE_COLUMNS, change_rows, written)
    except BaseException:
        for path in written:
            if os.path.exists(path):
                os.remove(path)
        raise
    finally:
        gdal.Unlink(ref)

    return dict(out_dir=str(out_dir), files=files, acquisitions=rows_out, landcover=lc_path, dem=dem_path,
                geometry=geometry_paths, change_date=cd_path, acquisitions_csv=acq_csv,
                weather_csv=weather_csv, changes_csv=changes_csv, events=events, start=start, end=end,
                shape=(rows, cols), geotransform=tuple(geotransform), projection=projection,
                polarisations=pols, seconds=time.perf_counter() - t0)


def write_change_mask(change_date_path, date_a, date_b, dst_path, start=None):
    """Write the ground-truth change mask between two dates (1 changed, 0 not) as GeoTIFF.

    ``change_date_path``: the change_date.tif of a simulated stack (or its
    folder); ``date_a``, ``date_b``: dates in either order; ``start``:
    the stack's start date (default: read from the file's START_DATE
    metadata). Returns ``dst_path``.
    """
    if os.path.isdir(str(change_date_path)):
        change_date_path = os.path.join(str(change_date_path), "change_date.tif")
    if start is None:
        ds = gdal.Open(str(change_date_path))
        if ds is None:
            raise ValueError(f"cannot open {change_date_path}: give the change_date.tif of a simulated stack")
        start = ds.GetMetadataItem("START_DATE")
        ds = None
        if not start:
            raise ValueError(f"{change_date_path} has no START_DATE metadata, so it is not the "
                             "change_date.tif written by sarchange:simulatestack: give that file (from the "
                             "stack's folder)")
    info = read_info(change_date_path)
    if info.bands < 2:
        raise ValueError(f"{change_date_path} has {info.bands} band(s), not the 2 (change_day, end_day) of "
                         "the change_date.tif written by sarchange:simulatestack: give that file")
    change_day = read_array(change_date_path, 1)
    end_day = read_array(change_date_path, 2)
    mask = chg.mask_from_change_days(change_day, end_day, start, date_a, date_b)
    write_array(dst_path, mask.astype(np.float32), like=change_date_path, descriptions=["change"])
    return str(dst_path)


def _check_polarisations(polarisations):
    if isinstance(polarisations, str):
        polarisations = (polarisations,)
    pols = [check_polarisation(p) for p in polarisations]
    if not pols or len(set(pols)) != len(pols):
        raise ValueError("give each polarisation once: 'VV' and/or 'VH'")
    return pols


def _check_dem(dem):
    try:
        array, geotransform, projection = dem
    except (TypeError, ValueError):
        raise ValueError("dem must be None or (array, geotransform, projection_wkt)") from None
    z = np.asarray(array, dtype=np.float64)
    if z.ndim != 2 or min(z.shape) < 16:
        raise ValueError(f"the DEM must be a 2-D array of at least 16 x 16 pixels, got shape {z.shape}")
    if not np.isfinite(z).any():
        raise ValueError("the DEM has no valid elevation: all pixels are no data")
    gt = tuple(float(v) for v in geotransform)
    if len(gt) != 6:
        raise ValueError("the geotransform must have 6 numbers (GDAL order)")
    if gt[2] != 0 or gt[4] != 0 or gt[5] >= 0 or gt[1] <= 0:
        raise ValueError("the DEM grid must be north-up and not rotated (geotransform[2] = "
                         "geotransform[4] = 0, pixel height < 0): warp it with gdalwarp first")
    return z, gt, projection or ""


def _shifts(shifts_px, n, seed):
    """List of n (dx, dy) pixel shifts, rounded to 1/1000 px so the CSV records them exactly."""
    if np.ndim(shifts_px) == 0:
        s = float(shifts_px)
        if s < 0:
            raise ValueError(f"shifts_px must be >= 0 (got {s}): it is the largest shift in pixels")
        if s == 0:
            return [(0.0, 0.0)] * n
        values = np.round(_rng(seed, _SHIFTS).uniform(-s, s, (n, 2)), 3)
        return [(float(a), float(b)) for a, b in values]
    values = np.asarray(shifts_px, dtype=np.float64)
    if values.shape != (n, 2):
        raise ValueError(f"shifts_px needs one (dx, dy) pair per acquisition: {n} pairs, got shape "
                         f"{values.shape}")
    return [(float(a), float(b)) for a, b in values]


def _elevation_bands(z):
    """Band centre elevations (m, 25 m apart, at most 400 bands) and each pixel's band index."""
    lo, hi = float(z.min()), float(z.max())
    step = max(ELEVATION_BAND_M, (hi - lo) / 400.0)
    n = int(np.floor((hi - lo) / step)) + 1
    index = np.clip(((z - lo) / step).astype(np.int64), 0, n - 1)
    return lo + (np.arange(n) + 0.5) * step, index


def _reference_raster(geotransform, projection):
    """A 1 x 1 in-memory GeoTIFF carrying the grid and CRS, for write_array(like=...)."""
    path = f"/vsimem/sar_change_sim_{uuid.uuid4().hex}.tif"
    ds = gdal.GetDriverByName("GTiff").Create(path, 1, 1, 1, gdal.GDT_Byte)
    ds.SetGeoTransform(tuple(geotransform))
    if projection:
        ds.SetProjection(projection)
    ds = None
    return path


def _set_metadata(path, **items):
    ds = gdal.Open(str(path), gdal.GA_Update)
    for key, value in items.items():
        ds.SetMetadataItem(key, value)
    ds = None


def _weather_rows(w):
    out = []
    for i, date in enumerate(w["date"].astype(object)):
        out.append(dict(date=date.isoformat(), temperature_c=f"{w['temperature_c'][i]:.2f}",
                        precip_mm=f"{w['precip_mm'][i]:.2f}", rain_mm=f"{w['rain_mm'][i]:.2f}",
                        snowfall_mm=f"{w['snowfall_mm'][i]:.2f}", melt_mm=f"{w['melt_mm'][i]:.2f}",
                        swe_m=f"{w['swe_m'][i]:.4f}", snow_depth_m=f"{w['snow_depth_m'][i]:.3f}",
                        soil_moisture=f"{w['soil_moisture'][i]:.3f}", frozen=int(w["frozen"][i]),
                        wet_snow=int(w["wet_snow"][i]), wind_m_s=f"{w['wind_m_s'][i]:.2f}"))
    return out


def _write_csv(path, columns, rows, written):
    with text_output(path, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    written.append(path)
    return path

