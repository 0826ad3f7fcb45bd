"""Rasters as Dask arrays and Dask arrays as Cloud-Optimized GeoTIFFs.

Reading goes through rioxarray (rasterio, lazily, one chunk per task); no
data and non-finite values become NaN exactly as ``core.engine.raster_blocks.read_block``
does, so a stage sees the same float32 values as in QGIS.

Writing is lock-free and restartable: every chunk is written by its task to
its own small GeoTIFF (under a temporary name, renamed when complete), so a
task that is run twice, e.g. after a worker died, only rewrites its own tile.
A final task mosaics the tiles through a VRT into one COG, written under a
temporary name and renamed on success; the tiles are then removed. Workers
must see the output folder (one machine, or a shared file system).
"""
import os
import shutil
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from ..core.engine import palette
from ..core.engine.raster_blocks import (
    RasterError,
    geotiff_options,
    palette_luts,
    read_info,
    translate_output,
)

#: Default chunk side in pixels (a multiple of the COG tile).
DEFAULT_CHUNK = 1024
COG_TILE = 512
_GDAL_TYPES = {np.dtype(np.float32): gdal.GDT_Float32, np.dtype(np.uint8): gdal.GDT_Byte}


@dataclass(frozen=True)
class Grid:
    """Grid and metadata an output copies from its input (GDAL conventions)."""

    xsize: int
    ysize: int
    geotransform: tuple
    projection: str


def grid_of(path):
    """The Grid of the raster at ``path``."""
    info = read_info(path)
    return Grid(info.xsize, info.ysize, info.geotransform, info.projection)


def nodata_to_nan(block, nodata, lut=None):
    """float32 copy of ``block`` with non-finite values and ``nodata`` as NaN (as read_block).

    ``lut``: a palette band's index -> grey-level table (``core.engine.palette.grey_lut``): the
    block's indices become grey levels (``palette.apply_lut``), as ``stack_vrt`` reads them.
    """
    data = np.asarray(block).astype(np.float32, copy=True)
    invalid = ~np.isfinite(data)
    if nodata is not None and not np.isnan(nodata):
        invalid |= data == np.float32(nodata)
    data[invalid] = np.nan
    return palette.apply_lut(lut, data)


def open_bands(path, bands=None, chunk=DEFAULT_CHUNK):
    """Bands of ``path`` as a float32 Dask array ``(bands, rows, cols)``, NaN = no data.

    ``bands``: 1-based band numbers (default all). One band per chunk along the
    first axis, ``chunk`` pixels along the others. Opened with rioxarray
    (read-only, lazily: each task reads its own window). A palette band is read
    as grey levels (``nodata_to_nan`` with its ``palette_luts`` table), as the
    Processing algorithms read it through ``stack_vrt``.
    """
    import rioxarray

    info = read_info(path)
    bands = list(range(1, info.bands + 1)) if bands is None else list(bands)
    for b in bands:
        if not 1 <= b <= info.bands:
            raise RasterError(f"{path} has {info.bands} band(s); band {b} does not exist")
    xr = rioxarray.open_rasterio(path, chunks={"band": 1, "y": chunk, "x": chunk},
                                 lock=False, cache=False, mask_and_scale=False)
    luts = palette_luts(path)
    planes = []
    for b in bands:
        plane = xr.data[b - 1]
        planes.append(plane.map_blocks(nodata_to_nan, info.nodata[b - 1], luts[b - 1], dtype=np.float32))
    import dask.array as da

    return da.stack(planes)


def _write_tile(block, folder, nodata, block_info=None):
    """Write one chunk ``(bands, rows, cols)`` to its own GeoTIFF; returns a 1-pixel marker."""
    loc = block_info[0]["array-location"]
    y0, x0 = loc[1][0], loc[2][0]
    name = os.path.join(folder, f"tile_{y0}_{x0}.tif")
    if not os.path.exists(name):
        tmp = f"{name}.{uuid.uuid4().hex[:8]}.partial"
        bands, rows, cols = block.shape
        ds = gdal.GetDriverByName("GTiff").Create(tmp, cols, rows, bands, _GDAL_TYPES[block.dtype])
        for i in range(bands):
            ds.GetRasterBand(i + 1).WriteArray(block[i])
        ds.FlushCache()
        ds = None
        os.replace(tmp, name)
    return np.zeros((1,) * block.ndim, dtype=np.uint8)


def _mosaic_vrt(folder, grid, chunks, dtype, nodata, descriptions):
    """VRT text placing every tile of ``folder`` on ``grid`` (tiles named by their offset)."""
    type_name = gdal.GetDataTypeName(_GDAL_TYPES[np.dtype(dtype)])
    root = ET.Element("VRTDataset", rasterXSize=str(grid.xsize), rasterYSize=str(grid.ysize))
    if grid.projection:
        ET.SubElement(root, "SRS").text = grid.projection
    if grid.geotransform:
        ET.SubElement(root, "GeoTransform").text = ", ".join(repr(float(v)) for v in grid.geotransform)
    for b, text in enumerate(descriptions, start=1):
        band = ET.SubElement(root, "VRTRasterBand", dataType=type_name, band=str(b))
        if text:
            ET.SubElement(band, "Description").text = text
        if nodata is not None:
            ET.SubElement(band, "NoDataValue").text = repr(float(nodata))
        y0 = 0
        for h in chunks[1]:
            x0 = 0
            for w in chunks[2]:
                src = ET.SubElement(band, "SimpleSource")
                ET.SubElement(src, "SourceFilename", relativeToVRT="0").text = os.path.join(
                    folder, f"tile_{y0}_{x0}.tif")
                ET.SubElement(src, "SourceBand").text = str(b)
                ET.SubElement(src, "SrcRect", xOff="0", yOff="0", xSize=str(w), ySize=str(h))
                ET.SubElement(src, "DstRect", xOff=str(x0), yOff=str(y0), xSize=str(w), ySize=str(h))
                x0 += w
            y0 += h
    return ET.tostring(root, encoding="unicode")


def cog_options(dtype=np.float32):
    """COG creation options: the block engine's compression, 512 px tiles, overviews.

    Overviews average float rasters and take the nearest value of uint8 masks.
    """
    resampling = "NEAREST" if np.dtype(dtype) == np.uint8 else "AVERAGE"
    compress = next(o.split("=", 1)[1] for o in geotiff_options() if o.startswith("COMPRESS="))
    return [f"COMPRESS={compress}", f"BLOCKSIZE={COG_TILE}", "BIGTIFF=IF_SAFER", "OVERVIEWS=AUTO",
            "NUM_THREADS=ALL_CPUS", "LEVEL=1", f"RESAMPLING={resampling}"]


def _finalize(tiles, folder, dst_path, grid, chunks, dtype, nodata, descriptions):
    """Mosaic the tiles of ``folder`` into the COG ``dst_path`` (temporary name, then rename)."""
    del tiles  # only a dependency: every tile is written
    if os.path.exists(dst_path) and not os.path.isdir(folder):
        return dst_path  # finished by an earlier attempt of this task
    vrt = f"/vsimem/sar_change_batch_{uuid.uuid4().hex}.vrt"
    gdal.FileFromMemBuffer(vrt, _mosaic_vrt(folder, grid, chunks, dtype, nodata, descriptions))
    try:
        to_cog(vrt, dst_path, dtype)
    finally:
        gdal.Unlink(vrt)
    shutil.rmtree(folder, ignore_errors=True)
    return dst_path


def to_cog(src, dst_path, dtype):
    """Translate the raster ``src`` (a path; numpy ``dtype``) into the COG ``dst_path``; returns it.

    Through the block engine's ``translate_output``: under its GDAL cache cap
    (the default, 5 % of RAM, let a full scene's COG take 2.4 GB), into a
    temporary file that is checked, read back and renamed (OutputError naming
    ``dst_path`` on failure, nothing left behind).
    """
    return translate_output(src, dst_path, format="COG", creationOptions=cog_options(dtype))


def write_cog(array, dst_path, grid, nodata=None, descriptions=None):
    """Dask tasks that write ``array`` ``(bands, rows, cols)`` as the COG ``dst_path``.

    Returns ``(tiles, final)``: a list of Delayed, one per chunk (each writes
    its tile), and the Delayed that mosaics them into the COG and returns
    ``dst_path``. Computing ``final`` computes the tiles; computing the tiles
    separately as well only serves progress reporting (same keys, same tasks).
    NaN stays NaN in float32 outputs; ``nodata`` declares the no-data value
    (the caller writes it into the array, as the block engine does). The tiles
    go to a hidden folder beside ``dst_path``; one left by an earlier,
    interrupted run is removed first.
    """
    import dask

    dst_path = os.path.abspath(dst_path)
    folder = os.path.join(os.path.dirname(dst_path), f".{os.path.basename(dst_path)}.tiles")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    array = array.rechunk({0: -1})
    markers = array.map_blocks(_write_tile, folder, nodata, dtype=np.uint8,
                               chunks=tuple((1,) * len(c) for c in array.chunks))
    tiles = markers.to_delayed().ravel().tolist()
    descriptions = list(descriptions or [""] * array.shape[0])
    final = dask.delayed(_finalize)(tiles, folder, dst_path, grid, array.chunks, array.dtype, nodata,
                                    descriptions)
    return tiles, final
