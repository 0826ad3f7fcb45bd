"""Acquisition conditions of a SAR-to-optical model: the sun and the season of the optical image wanted.

A Sentinel-2 image of a mountain scene changes more with its date than with
anything the SAR shows: the sun's elevation sets the brightness of the
slopes and the length of the cast shadows (17 deg in December, 65 deg in
June at 45 deg N), the season sets the leaves, the crops and the snow. A
date-blind network can only predict the average over the year, which on a
winter or summer date loses to the date's own mean reflectance. Conditioned
models (``model.conditioned``) take the vector

    (sun elevation deg, sun azimuth deg clockwise from north, day of year 1..366,
     pixel width m, pixel height m)

of the optical acquisition (Sentinel-2's overpass, 10:30 local solar time, on
the SAR date at the scene's centre), with the grid's pixel width and height in
metres (the DEM's slopes, for the terrain illumination of the DEM fusions), as
the ONNX input ``conditions`` (B, 5).
Torch-free: the QGIS side computes it from the date and the raster's grid.
"""
import os

import numpy as np

from ...core.engine.name_dates import product_date
from .schema import CONDITION_NAMES

N_CONDITIONS = len(CONDITION_NAMES)


def parse_date(value):
    """A ``datetime.date`` from a date, a datetime or text 'YYYY-MM-DD' (core.simulator.weather.as_date)."""
    from ...core.simulator.weather import as_date

    return as_date(value.strip() if isinstance(value, str) else value)


def date_from_name(path):
    """The acquisition date in a file name (first YYYYMMDD in it, e.g. S1A_20211209_ASC_VV_VH.tif or
    S1A_IW_GRDH_1SDV_20211209T053000_...), or None (also when that is no calendar date);
    ``core.engine.name_dates.product_date`` of the base name."""
    return product_date(os.path.basename(os.fspath(path)))


def condition_vector(date, latitude_deg, pixel_size_m=(20.0, 20.0)):
    """float32 (5,) conditions (CONDITION_NAMES) of the optical image on ``date`` at ``latitude_deg`` (deg N)
    on a grid of ``pixel_size_m`` (width, height in metres): the sun at Sentinel-2's overpass
    (core.simulator.optical.sun_position, 10:30 local solar time)."""
    from ...core.simulator.optical import sun_position

    day = parse_date(date)
    elevation, azimuth = sun_position(day, float(latitude_deg))
    return np.array([np.degrees(elevation), np.degrees(azimuth), day.timetuple().tm_yday,
                     float(pixel_size_m[0]), float(pixel_size_m[1])], dtype=np.float32)


def grid_conditions(date, geotransform, projection, shape):
    """condition_vector of ``date`` at the centre of a raster grid (geotransform, projection WKT,
    (rows, cols)), with its pixel size in metres."""
    from ...core.simulator.optical import scene_latitude
    from ...core.terrain.geometry import pixel_size_metres

    return condition_vector(date, scene_latitude(geotransform, projection, tuple(shape)),
                            pixel_size_metres(geotransform, projection, int(shape[0])))


def row_conditions(row, geotransform, projection, shape):
    """Conditions of a pairs.csv row on its grid: its sun_elevation_deg / sun_azimuth_deg when given (the
    optical image's own sun), else computed from its date; None when the row has no date."""
    if not row.get("date"):
        return None
    out = grid_conditions(row["date"], geotransform, projection, shape)
    if row.get("sun_elevation_deg") and row.get("sun_azimuth_deg"):
        out[:2] = float(row["sun_elevation_deg"]), float(row["sun_azimuth_deg"])
    return out
