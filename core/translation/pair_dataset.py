"""SAR/optical pair folders: the one format simulated and real (BigEarthNet) pairs are written in.

A pair folder holds GeoTIFFs and ``pairs.csv`` (UTF-8, comma separated,
header row PAIR_COLUMNS, one row per pair; paths relative to the CSV's
folder, several rows may share one file, e.g. the scene's DEM):

- pair_id: unique name of the pair;
- source: 'simulator' or 'bigearthnet' (or the user's own label);
- scene: scene name; pairs of one scene share terrain, so hold out by scene;
- date, sar_date: optical and SAR acquisition dates (YYYY-MM-DD);
- orbit_direction: 'ascending' / 'descending' (empty when unknown);
- sar: float32 GeoTIFF, band 1 VV, band 2 VH, sigma0 in dB, NaN = no data;
- optical: float32 GeoTIFF, bands B02, B03, B04, B08 (Sentinel-2 10 m),
  surface reflectance 0..1 (L2A digital numbers / 10000; like real L2A it
  can exceed 1 on sunlit snow slopes), NaN = no data;
- dem: float32 GeoTIFF of elevations in metres on the same grid, or empty;
- distortion: float32 GeoTIFF of SAR distortion class codes
  (translation_metrics: 0 no data, 1 undistorted, 2 foreshortening, 3 shadow,
  4 layover) for this pair's orbit, or empty when there is no DEM;
- cloud_mask: float32 GeoTIFF, 0 clear, 1 thin cloud, 2 thick cloud,
  3 cloud shadow (simulator.optical codes), or empty when unknown;
- cloud_fraction: share of the optical pixels that are not clear (0..1);
- sun_elevation_deg, sun_azimuth_deg: sun at the optical acquisition
  (azimuth clockwise from north), or empty.
Every raster of a row has the same grid (size, geotransform, CRS).
"""
import csv
import os

import numpy as np
from osgeo import gdal

from ..engine.raster_blocks import read_array, read_info, write_array

PAIR_COLUMNS = ("pair_id", "source", "scene", "date", "sar_date", "orbit_direction", "sar", "optical",
                "dem", "distortion", "cloud_mask", "cloud_fraction", "sun_elevation_deg", "sun_azimuth_deg")
SAR_BANDS = ("VV_dB", "VH_dB")
OPTICAL_BANDS = ("B02", "B03", "B04", "B08")
L2A_QUANTIFICATION = 10000.0  # Sentinel-2 L2A digital number = surface reflectance x 10000
PAIRS_CSV = "pairs.csv"
_RASTER_COLUMNS = ("sar", "optical", "dem", "distortion", "cloud_mask")


def power_to_db(power):
    """10 log10 of linear power (float32); zero or negative power gives -inf -> NaN (no data)."""
    p = np.asarray(power, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        db = 10.0 * np.log10(p)
    db[~np.isfinite(db)] = np.nan
    return db.astype(np.float32)


class PairWriter:
    """Writes the rasters of a pair folder and its pairs.csv (call ``close`` at the end)."""

    def __init__(self, out_dir, geotransform, projection):
        self.out_dir = str(out_dir)
        self.geotransform = tuple(float(v) for v in geotransform)
        self.projection = projection or ""
        self.rows = []
        os.makedirs(self.out_dir, exist_ok=True)

    def raster(self, relative_path, array, descriptions, nodata=float("nan"), geotransform=None,
               projection=None):
        """Write ``array`` ((rows, cols) or (bands, rows, cols)); returns the path relative to the folder.

        The grid is the writer's unless ``geotransform`` / ``projection`` (WKT) are given.
        """
        path = os.path.join(self.out_dir, relative_path)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_array(path, np.asarray(array, dtype=np.float32), nodata=nodata, descriptions=list(descriptions))
        ds = gdal.Open(path, gdal.GA_Update)
        ds.SetGeoTransform(tuple(geotransform or self.geotransform))
        if projection or self.projection:
            ds.SetProjection(projection or self.projection)
        ds = None
        return relative_path.replace(os.sep, "/")

    def add(self, **row):
        """Record one pair (keys from PAIR_COLUMNS; missing ones are written empty)."""
        unknown = set(row) - set(PAIR_COLUMNS)
        if unknown:
            raise ValueError(f"unknown pair column(s) {sorted(unknown)}: use {PAIR_COLUMNS}")
        self.rows.append({k: "" if row.get(k) is None else row.get(k) for k in PAIR_COLUMNS})

    def close(self, append=False):
        """Write pairs.csv (or append to an existing one); returns its path."""
        path = os.path.join(self.out_dir, PAIRS_CSV)
        exists = append and os.path.exists(path)
        with open(path, "a" if exists else "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(PAIR_COLUMNS))
            if not exists:
                writer.writeheader()
            writer.writerows(self.rows)
        return path


def read_pairs(csv_path):
    """Rows of a pairs.csv (or of the pairs.csv in a folder) with raster paths made absolute."""
    csv_path = str(csv_path)
    if os.path.isdir(csv_path):
        csv_path = os.path.join(csv_path, PAIRS_CSV)
    if not os.path.exists(csv_path):
        raise ValueError(f"no pair table at {csv_path}: give a pair folder written by write_simulated_pairs "
                         "or write_bigearthnet_pairs, or a CSV with the columns of PAIR_COLUMNS")
    base = os.path.dirname(os.path.abspath(csv_path))
    with open(csv_path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = {"pair_id", "sar", "optical"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{csv_path} lacks the column(s) {sorted(missing)}; columns: {PAIR_COLUMNS}")
        rows = []
        for row in reader:
            for key in _RASTER_COLUMNS:
                value = (row.get(key) or "").strip()
                row[key] = os.path.join(base, value) if value else ""
            rows.append(row)
    return rows


def load_pair(row):
    """Arrays of one pair row (from read_pairs).

    Returns dict: sar (2, rows, cols) float32 dB, optical (4, rows, cols)
    float32 reflectance, dem (rows, cols) metres or None, distortion and
    cloud_mask (uint8, rows x cols) or None, geotransform, projection.
    """
    info = read_info(row["sar"])
    if info.bands < 2:
        raise ValueError(f"{row['sar']} has {info.bands} band(s): a pair's SAR needs VV and VH in dB")
    out = dict(sar=np.stack([read_array(row["sar"], b) for b in (1, 2)]),
               optical=np.stack([read_array(row["optical"], b) for b in range(1, 5)]),
               geotransform=info.geotransform, projection=info.projection)
    if out["optical"].shape[1:] != out["sar"].shape[1:]:
        raise ValueError(f"pair {row['pair_id']}: optical {out['optical'].shape} and SAR {out['sar'].shape} "
                         "grids differ; co-register them first")
    out["dem"] = read_array(row["dem"]) if row.get("dem") else None
    for key in ("distortion", "cloud_mask"):
        out[key] = np.nan_to_num(read_array(row[key])).astype(np.uint8) if row.get(key) else None
    return out
