"""Palette (colour-table) bands read as grey levels: index -> luminance lookup (QGIS-free).

Classic SAR change-detection pairs are often 1-, 4- or 8-bit palette BMP / PNG
images: band 1 holds palette indices and the grey level is the colour of the
entry. Reading the index as an intensity is only right for an identity grey
palette; with any other palette the values are meaningless. ``grey_lut``
gives the grey level of every index: the entry's luminance with the ITU-R
BT.601 luma weights (0.299 R + 0.587 G + 0.114 B; ITU-R Recommendation
BT.601-7, 2011, section 2.5.1), rounded to the nearest integer (halves to
even, numpy's ``round``), as the benchmark loader ``benchmarks/change_detection.py``
``read_grey`` has always done. ``core.engine.raster_blocks.stack_vrt`` writes
this table as a VRT ComplexSource LUT, so every block read from a stack sees
grey levels; ``grey`` maps arrays already read (index samples), and a loop
over blocks reads the table once (``grey_lut``) and maps each block with
``apply_lut``.
"""
import numpy as np
from osgeo import gdal

#: ITU-R BT.601 luma weights of R, G and B.
LUMINANCE = np.array([0.299, 0.587, 0.114])


def is_palette(band):
    """True when a GDAL band is a palette band (a colour table and colour interpretation palette index)."""
    return band.GetColorTable() is not None and band.GetColorInterpretation() == gdal.GCI_PaletteIndex


def is_palette_file(path, band_number):
    """True when band ``band_number`` (1-based) of the raster at ``path`` is a palette band.

    False when the raster cannot be opened or has no such band.
    """
    try:
        ds = gdal.OpenEx(str(path), gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError:  # GDAL exceptions enabled by someone else
        return False
    if ds is None or not 1 <= band_number <= ds.RasterCount:
        return False
    return is_palette(ds.GetRasterBand(band_number))


def grey_lut(band):
    """Grey level (float32, same units as the colour entries: 0-255) of each palette index of ``band``.

    Returns an array ``lut`` with ``lut[i]`` the grey level of index ``i``
    (``i`` from 0 to the colour table's entry count - 1), or None when the band
    is not a palette band (``is_palette``). RGB tables: BT.601 luminance of
    R, G, B rounded to the nearest integer (alpha ignored); grey tables: the
    grey value. CMYK / HLS tables raise ValueError (no grey level defined here:
    convert the image to RGB or grey first).
    """
    if not is_palette(band):
        return None
    table = band.GetColorTable()
    entries = np.array([table.GetColorEntry(i) for i in range(table.GetCount())], dtype=np.float64)
    if entries.size == 0:
        raise ValueError("the colour table of the palette band holds no entry")
    kind = table.GetPaletteInterpretation()
    if kind == gdal.GPI_RGB:
        return np.round(entries[:, :3] @ LUMINANCE).astype(np.float32)
    if kind == gdal.GPI_Gray:
        return entries[:, 0].astype(np.float32)
    raise ValueError("the colour table is CMYK or HLS, not RGB or grey: convert the image to RGB or grey "
                     "levels first (e.g. GDAL Translate with -expand rgb)")


def apply_lut(lut, indices):
    """Grey levels (float32) of ``indices`` through ``lut`` (``grey_lut``); NaN stays NaN.

    Indices are rounded to integers and clipped to the table (an index past
    the last entry takes the last entry's grey level, as GDAL's VRT LUT does).
    ``lut`` None (not a palette band): ``indices`` returned unchanged (the same
    object), so a loop over blocks reads the table once and maps every block.
    """
    if lut is None:
        return indices
    indices = np.asarray(indices)
    valid = np.isfinite(indices) if indices.dtype.kind == "f" else np.ones(indices.shape, bool)
    safe = np.where(valid, indices, 0)
    out = lut[np.clip(np.rint(safe).astype(np.int64), 0, len(lut) - 1)]
    return np.where(valid, out, np.float32(np.nan)).astype(np.float32) if not valid.all() else out


def grey(band, data):
    """``data`` read from ``band`` (no data already NaN) as grey levels when ``band`` is a palette band.

    A non-palette band's ``data`` is returned unchanged (the same object).
    """
    return apply_lut(grey_lut(band), data)


def lut_text(lut):
    """``lut`` as the text of a GDAL VRT ComplexSource ``<LUT>``: "index:grey,..." for every index.

    GDAL interpolates linearly between the pairs and clamps outside them, so
    the value is exact at every integer index.
    """
    return ",".join(f"{i}:{float(v)!r}" for i, v in enumerate(lut))
