"""BigEarthNet-S1/S2 example pairs, read straight from the installed ``bigearthnet-common`` package.

The package (PyPI ``bigearthnet-common``, Apache-2.0; the data CDLA-Permissive-1.0;
Sumbul et al. 2021, "BigEarthNet-MM", IEEE GRSM 9(3)) ships two archives, BigEarthNet-S1-Example.tar.bz2 and
BigEarthNet-S2-Example.tar.bz2: 6 Sentinel-1 patches (GRD, VV and VH
backscatter in dB, float32, 120 x 120 px at 10 m, UTM) and their
co-registered Sentinel-2 L2A patches (``corresponding_s2_patch`` in each S1
patch's JSON; bands as uint16 digital numbers = reflectance x 10000). They
are read from the archives in memory (tarfile + GDAL /vsimem/), never
extracted or copied: only numpy, osgeo.gdal and the standard library are
used, and the package itself is not imported (its data files are located).
Too few to train on; they test the data path and give real-data figures on a
small sample.
"""
import datetime as _dt
import importlib.util
import json
import math
import os
import tarfile
import uuid

import numpy as np
from osgeo import gdal

from ..simulator.optical import scene_lonlat, solar_hour, sun_position
from .pair_dataset import L2A_QUANTIFICATION, OPTICAL_BANDS

S1_ARCHIVE = "BigEarthNet-S1-Example.tar.bz2"
S2_ARCHIVE = "BigEarthNet-S2-Example.tar.bz2"
SAR_BANDS = ("VV", "VH")
INSTALL_HINT = "install it with: python -m pip install -c constraints.txt bigearthnet-common"


def example_archives():
    """Paths of the S1 and S2 example archives inside the installed package; ValueError if absent."""
    spec = importlib.util.find_spec("bigearthnet_common")
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the bigearthnet-common package is not installed: {INSTALL_HINT}")
    folder = list(spec.submodule_search_locations)[0]
    paths = tuple(os.path.join(folder, name) for name in (S1_ARCHIVE, S2_ARCHIVE))
    for path in paths:
        if not os.path.exists(path):
            raise ValueError(f"{path} is missing from the bigearthnet-common install: {INSTALL_HINT}")
    return paths


def _patches(archive_path):
    """{patch name: {file suffix: bytes}} of every file in a BigEarthNet example archive."""
    out = {}
    with tarfile.open(archive_path, "r:bz2") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            patch = os.path.basename(os.path.dirname(member.name))
            suffix = os.path.basename(member.name)[len(patch) + 1:]
            out.setdefault(patch, {})[suffix] = tar.extractfile(member).read()
    return out


def _read_tif(data):
    """(array float32, geotransform, projection WKT, nodata) of GeoTIFF bytes, through /vsimem/."""
    path = f"/vsimem/bigearthnet_{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, data)
    try:
        ds = gdal.Open(path)
        band = ds.GetRasterBand(1)
        array = band.ReadAsArray().astype(np.float32)
        nodata = band.GetNoDataValue()
        out = array, tuple(ds.GetGeoTransform()), ds.GetProjection(), nodata
        ds = None
    finally:
        gdal.Unlink(path)
    return out


def _time(text):
    return _dt.datetime.fromisoformat(str(text).replace("T", " "))


def sar_orbit_direction(utc_time, longitude_deg):
    """'ascending' or 'descending' of a Sentinel-1 acquisition from its local solar time.

    Sentinel-1's dawn-dusk orbit crosses the equator northwards at 18:00 local
    time (ESA Sentinel-1 User Handbook 2013): evening passes ascend, morning
    passes descend.
    """
    return "ascending" if solar_hour(utc_time, longitude_deg) >= 12.0 else "descending"


def read_example_pairs():
    """The co-registered S1/S2 example pairs, sorted by S1 patch name. List of dicts:

    name (S1 patch), s2_name, sar (2, 120, 120) float32 sigma0 in dB (VV, VH),
    optical (4, 120, 120) float32 surface reflectance (B02, B03, B04, B08 =
    L2A digital numbers / 10000), geotransform, projection (WKT, UTM),
    sar_time, optical_time (UTC datetimes), orbit_direction (of the S1 pass),
    longitude, latitude (patch centre, degrees), sun_elevation_deg and
    sun_azimuth_deg (at the S2 acquisition), labels (CORINE classes).
    No data (none in the examples) would be NaN. ValueError when the package
    is missing or an S1 patch's S2 partner or grid does not match.
    """
    s1_path, s2_path = example_archives()
    s1, s2 = _patches(s1_path), _patches(s2_path)
    pairs = []
    for name in sorted(s1):
        files = s1[name]
        meta = json.loads(files["labels_metadata.json"])
        s2_name = meta["corresponding_s2_patch"]
        if s2_name not in s2:
            raise ValueError(f"S1 patch {name} names S2 patch {s2_name}, absent from {S2_ARCHIVE}")
        sar, grid = [], None
        for pol in SAR_BANDS:
            array, gt, proj, nodata = _read_tif(files[f"{pol}.tif"])
            if nodata is not None:
                array[array == nodata] = np.nan
            sar.append(array)
            grid = grid or (gt, proj)
        s2_meta = json.loads(s2[s2_name]["labels_metadata.json"])
        optical = []
        for band in OPTICAL_BANDS:
            array, gt, proj, nodata = _read_tif(s2[s2_name][f"{band}.tif"])
            if gt != grid[0]:
                raise ValueError(f"{s2_name} {band} grid {gt} differs from {name}'s {grid[0]}")
            if nodata is not None:
                array[array == nodata] = np.nan
            optical.append(array / np.float32(L2A_QUANTIFICATION))
        sar_time, optical_time = _time(meta["acquisition_time"]), _time(s2_meta["acquisition_date"])
        lon, lat = scene_lonlat(grid[0], grid[1], sar[0].shape)
        elevation, azimuth = sun_position(optical_time.date(), lat, solar_hour(optical_time, lon))
        pairs.append(dict(name=name, s2_name=s2_name, sar=np.stack(sar), optical=np.stack(optical),
                          geotransform=grid[0], projection=grid[1], sar_time=sar_time,
                          optical_time=optical_time,
                          orbit_direction=sar_orbit_direction(sar_time, lon), longitude=lon, latitude=lat,
                          sun_elevation_deg=math.degrees(elevation), sun_azimuth_deg=math.degrees(azimuth),
                          labels=list(meta["labels"])))
    return pairs


def write_bigearthnet_pairs(out_dir, pairs=None):
    """Write the example pairs as a pair folder (core/translation/pair_dataset.py format); returns
    pairs.csv's path.

    ``pairs``: from read_example_pairs (default: read them). No DEM ships with
    BigEarthNet, so the dem and distortion columns are empty.
    """
    from .pair_dataset import SAR_BANDS as PAIR_SAR_BANDS
    from .pair_dataset import PairWriter

    pairs = read_example_pairs() if pairs is None else pairs
    writer = PairWriter(out_dir, pairs[0]["geotransform"], pairs[0]["projection"])
    for p in pairs:
        grid = dict(geotransform=p["geotransform"], projection=p["projection"])
        writer.add(pair_id=p["name"], source="bigearthnet", scene=p["s2_name"],
                   date=p["optical_time"].date().isoformat(), sar_date=p["sar_time"].date().isoformat(),
                   orbit_direction=p["orbit_direction"], sun_elevation_deg=f"{p['sun_elevation_deg']:.3f}",
                   sun_azimuth_deg=f"{p['sun_azimuth_deg']:.3f}",
                   sar=writer.raster(f"sar/{p['name']}.tif", p["sar"], PAIR_SAR_BANDS, **grid),
                   optical=writer.raster(f"optical/{p['name']}.tif", p["optical"], OPTICAL_BANDS, **grid))
    return writer.close()
