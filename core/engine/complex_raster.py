"""Complex rasters for the float32 block engine: real and imaginary parts as separate bands.

The block engine (``raster_blocks``) reads every band as float32, which
would drop the imaginary part of a complex band. ``complex_parts_vrt`` builds
an in-memory VRT whose Float32 bands are the real and imaginary parts of
complex bands (GDAL's built-in 'real' / 'imag' pixel functions, read as
CFloat64), or I/Q band pairs passed through, so ``map_raster`` streams SLC
pairs block by block unchanged.
"""
import os
import uuid
import xml.etree.ElementTree as ET

from osgeo import gdal

from .raster_blocks import RasterError, open_readonly, read_info


def band_is_complex(path, band):
    """True when band ``band`` (1-based) of ``path`` has a complex GDAL data type."""
    ds = open_readonly(path)
    if not 1 <= band <= ds.RasterCount:
        raise RasterError(f"{path} has {ds.RasterCount} band(s); band {band} does not exist")
    return bool(gdal.DataTypeIsComplex(ds.GetRasterBand(band).DataType))


def band_type_name(path, band):
    """GDAL data type name of band ``band`` of ``path`` (e.g. 'CFloat32', 'Float32')."""
    ds = open_readonly(path)
    return gdal.GetDataTypeName(ds.GetRasterBand(band).DataType)


def _source(parent, path, band, nodata=None):
    source = ET.SubElement(parent, "SimpleSource")
    ET.SubElement(source, "SourceFilename", relativeToVRT="0").text = os.path.abspath(path)
    ET.SubElement(source, "SourceBand").text = str(band)
    if nodata is not None:
        ET.SubElement(source, "NODATA").text = repr(float(nodata))


def parts_vrt(specs):
    """In-memory VRT of Float32 bands from ``specs``, in order; returns the /vsimem path.

    ``specs``: list of (path, band, part) with part 'real' or 'imag' (of a
    complex band) or None (a real band passed through). Every raster must
    be on the grid of the first (RasterError naming it otherwise). Release
    the VRT with ``gdal.Unlink(path)``.
    """
    infos = {}
    for path, _, _ in specs:
        if path not in infos:
            infos[path] = read_info(path)
    ref = infos[specs[0][0]]
    for info in infos.values():
        if (info.xsize, info.ysize) != (ref.xsize, ref.ysize):
            raise RasterError(f"{info.path} ({info.xsize} x {info.ysize}) is not on the grid of {ref.path} "
                              f"({ref.xsize} x {ref.ysize}): coregister it onto the reference first")
    root = ET.Element("VRTDataset", rasterXSize=str(ref.xsize), rasterYSize=str(ref.ysize))
    if ref.projection:
        ET.SubElement(root, "SRS").text = ref.projection
    if ref.geotransform:
        ET.SubElement(root, "GeoTransform").text = ", ".join(repr(v) for v in ref.geotransform)
    for n, (path, band, part) in enumerate(specs, start=1):
        nodata = infos[path].nodata[band - 1]
        if part is None:
            vrt_band = ET.SubElement(root, "VRTRasterBand", dataType="Float32", band=str(n))
            if nodata is not None:
                ET.SubElement(vrt_band, "NoDataValue").text = repr(float(nodata))
            _source(vrt_band, path, band)
            continue
        if part not in ("real", "imag"):
            raise ValueError(f"part must be 'real', 'imag' or None, got {part!r}")
        vrt_band = ET.SubElement(root, "VRTRasterBand", dataType="Float32", band=str(n),
                                 subClass="VRTDerivedRasterBand")
        ET.SubElement(vrt_band, "PixelFunctionType").text = part
        ET.SubElement(vrt_band, "SourceTransferType").text = "CFloat64"
        _source(vrt_band, path, band)
    vrt_path = f"/vsimem/sar_change_complex_{uuid.uuid4().hex}.vrt"
    gdal.FileFromMemBuffer(vrt_path, ET.tostring(root, encoding="unicode"))
    return vrt_path


def complex_specs(path, band, iq=False):
    """(path, band, part) specs of one complex image: a complex band, or I/Q bands ``band``, ``band + 1``."""
    if iq:
        return [(path, band, None), (path, band + 1, None)]
    return [(path, band, "real"), (path, band, "imag")]
