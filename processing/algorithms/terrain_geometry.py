"""Processing algorithm "Terrain geometry": a thin wrapper around core.terrain.pipeline.terrain_geometry.

It declares the parameters, checks them (CRS units, incidence, outputs),
brings an incidence raster on another grid onto the DEM's (warped into a
temporary file, bounded memory) and calls the core pipeline, which streams
every output block by block (``core.terrain.pipeline``: the ray tracing
along range reads blocks with margins covering the DEM's reach, so there is
no size limit).

The helpers here (grid comparison, warping onto a reference grid, incidence
angles, pixel size, the heading/look/incidence parameters) are shared with
the terrain flattening algorithm.
"""
import math
import os
import shutil
import tempfile
import uuid

import numpy as np
from osgeo import gdal, osr
from qgis.core import (
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.engine import raster_sampling
from ...core.engine.raster_blocks import Cancelled, gdal_cache_budget, geotiff_options, read_info
from ...core.terrain import geometry as terrain
from ...core.terrain import pipeline
from . import common
from .common import tr

#: Look side enum, in order.
LOOK_SIDES = ("right", "left")
#: Incidence raster units enum, in order.
INCIDENCE_UNITS = ("degrees", "radians")
#: No-data value of the uint8 distortion mask.
MASK_NODATA = pipeline.MASK_NODATA


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Computes the SAR imaging geometry of a DEM: slope, aspect, local and projected local "
        "incidence angles, a layover / shadow / foreshortening mask and a simulated SAR image, on the "
        "DEM's own grid and CRS. Use it to see which slopes a pass can image before trusting change "
        "detection in mountains, or as the terrain inputs of other "
        "tools.</p><h3>Parameters</h3><ul><li><b>DEM</b>: a file-based, north-up DEM (band 1), heights in"
        " metres, in a projected CRS whose unit is the metre (e.g. UTM) or in a geographic CRS (degrees; "
        "the pixel size in metres is taken at the DEM's centre latitude, so keep geographic DEMs to a few"
        " degrees of latitude). Other units (feet, unknown) are refused: reproject the DEM to a projected"
        " CRS in metres. Every output is computed block by block in bounded memory, for a DEM of any "
        "size; for the distortion mask and the simulated SAR image each block also reads the terrain "
        "within reach along range (a few kilometres, set by the DEM's relief).</li><li><b>Flight direction "
        "(heading)</b>: azimuth of the satellite track in "
        "degrees clockwise from north, as in the product metadata. Sentinel-1: about 348 (-12) for "
        "ascending passes, about 192 for descending passes.</li><li><b>Look side</b>: right (Sentinel-1 "
        "and most SARs) or left. The sensor looks at heading + 90 degrees (right) or heading - 90 degrees"
        " (left).</li><li><b>Incidence angle</b>: ellipsoid incidence angle in degrees (0 to 90), used "
        "everywhere when no incidence raster is given. Sentinel-1 IW: about 30 to 46 across the swath; 35"
        " is a mid-swath value.</li><li><b>Incidence angle raster</b> (optional): per-pixel ellipsoid "
        "incidence angles (e.g. the incidence angle band of a terrain-corrected product); resampled "
        "bilinearly onto the DEM grid when it is on another grid. <b>Incidence band</b> chooses its band "
        "and <b>Incidence raster units</b> whether it holds degrees or radians.</li></ul><h3>Outputs "
        "(optional; ask for at least one)</h3><ul><li><b>Slope</b>: degrees from horizontal (Horn 1981 "
        "3x3 gradients).</li><li><b>Aspect</b>: degrees clockwise from north of the downslope direction "
        "(the direction the slope faces); 0 on flat ground.</li><li><b>Local incidence angle</b>: degrees"
        " between the line of sight and the surface normal; above 90 the slope faces away from the "
        "sensor. Flat ground gives the ellipsoid incidence.</li><li><b>Projected local incidence "
        "angle</b>: degrees, the local incidence in the plane of incidence, incidence minus range slope "
        "(Ulander 1996); negative in layover, above 90 in shadow.</li><li><b>Distortion mask</b>: uint8 "
        "bit flags: 1 layover, 2 shadow, 4 foreshortening (values add up: 3 = layover and shadow); 0 = "
        "none; 255 = no data. Layover and shadow include the passive areas found by tracing the radar "
        "rays along range.</li><li><b>Simulated SAR</b>: float32 sigma0 (linear power) of a surface of "
        "uniform gamma0 = 1 in geocoded geometry (Small 2011 area model): flat ground gives "
        "cos(incidence), slopes facing the sensor are bright, layover brighter, shadow "
        "0.</li></ul><p>Float outputs use NaN as no data. Terrain outside the DEM is unknown: for the "
        "mask and the simulated image the DEM is extended by 5 pixels along its edges by reflection "
        "(planes continue exactly), and layover or shadow cast into the DEM from beyond its edge are "
        "missed. DEM voids are interpolated for these two outputs (so that the terrain around them is "
        "simulated sensibly) and are no data in them.</p>")


# ------------------------------------------------------------------------------------------------
# Shared helpers (also used by the terrain flattening algorithm)
# ------------------------------------------------------------------------------------------------

def same_crs(wkt_a, wkt_b):
    """True when two WKT CRSs have the same horizontal CRS (both empty counts as the same).

    A vertical component (e.g. "WGS 84 + EGM96 height" of a DEM) is ignored:
    it does not move pixels.
    """
    if not wkt_a or not wkt_b:
        return not wkt_a and not wkt_b
    a, b = osr.SpatialReference(), osr.SpatialReference()
    try:
        if a.ImportFromWkt(wkt_a) != 0 or b.ImportFromWkt(wkt_b) != 0:
            return False
    except RuntimeError:
        return False
    if a.IsSame(b):
        return True
    for srs in (a, b):
        if srs.IsCompound() and hasattr(srs, "StripVertical"):  # GDAL >= 3.6
            srs.StripVertical()
    return bool(a.IsSame(b))


def same_grid(info, ref):
    """True when raster ``info`` has ``ref``'s size, geotransform (within 1e-6 pixel) and CRS."""
    if (info.xsize, info.ysize) != (ref.xsize, ref.ysize):
        return False
    if not info.geotransform or not ref.geotransform:
        return False
    gt, rt = np.asarray(info.geotransform, float), np.asarray(ref.geotransform, float)
    pixel = max(abs(rt[1]), abs(rt[5]))
    tol = 1e-6 * pixel
    if np.any(np.abs(gt[[0, 3]] - rt[[0, 3]]) > tol * max(info.xsize, info.ysize, 1)):
        return False
    if np.any(np.abs(gt[[1, 2, 4, 5]] - rt[[1, 2, 4, 5]]) > tol):
        return False
    return same_crs(info.projection, ref.projection)


def warp_onto(path, band, ref, layer_name, resample="bilinear", dst=None):
    """Band ``band`` of ``path`` resampled onto the grid and CRS of RasterInfo ``ref``.

    Returns ``(array, covered)``: float64 with NaN where no data or outside
    the source, and the fraction of ``ref``'s pixels it covers. Done with
    gdal.Translate (band selection, VRT) and gdal.Warp into memory. With
    ``dst`` (a GeoTIFF path) the result is warped into that file instead, in
    bounded memory, and ``dst`` is returned.
    """
    if not ref.geotransform or not ref.projection:
        raise QgsProcessingException(tr(
            "The reference raster {path} has no geotransform or CRS: cannot resample '{name}' onto it"
        ).format(path=ref.path, name=layer_name))
    src_info = read_info(path)
    if not src_info.projection:
        raise QgsProcessingException(tr(
            "Input layer '{name}' has no CRS: cannot resample it onto the grid of {path}. Assign its CRS "
            "(e.g. gdal:assignprojection) first.").format(name=layer_name, path=ref.path))
    gt = ref.geotransform
    xs = (gt[0], gt[0] + gt[1] * ref.xsize)
    ys = (gt[3], gt[3] + gt[5] * ref.ysize)
    vrt = f"/vsimem/sar_change_band_{uuid.uuid4().hex}.vrt"
    try:
        try:
            sel = gdal.Translate(vrt, str(path), format="VRT", bandList=[int(band)])
            if sel is None:
                raise RuntimeError(gdal.GetLastErrorMsg())
            sel = None
            out = gdal.Warp(dst or "", vrt, format="GTiff" if dst else "MEM",
                            outputBounds=(min(xs), min(ys), max(xs), max(ys)),
                            width=ref.xsize, height=ref.ysize, dstSRS=ref.projection,
                            resampleAlg=resample, outputType=gdal.GDT_Float32, dstNodata=float("nan"),
                            multithread=True, creationOptions=geotiff_options() if dst else None)
            if out is None:
                raise RuntimeError(gdal.GetLastErrorMsg())
        except RuntimeError as exc:
            raise QgsProcessingException(tr(
                "Cannot resample input layer '{name}' onto the grid of {path}: {error}. Warp it yourself "
                "onto that grid (gdal:warpreproject) first.").format(name=layer_name, path=ref.path,
                                                                      error=exc)) from exc
        if dst:
            out = None
            return dst
        array = out.GetRasterBand(1).ReadAsArray().astype(np.float64)
        nodata = out.GetRasterBand(1).GetNoDataValue()
        out = None
    finally:
        gdal.Unlink(vrt)
    if nodata is not None and not np.isnan(nodata):
        array[array == np.float32(nodata)] = np.nan
    array[~np.isfinite(array)] = np.nan
    covered = float(np.isfinite(array).mean()) if array.size else 0.0
    return array, covered


def report_coverage(layer_name, what, covered, feedback):
    """Refuse a resampled raster covering none of ``what``; log (and warn below 99.9 %) its coverage."""
    if covered == 0:
        raise QgsProcessingException(tr(
            "Input layer '{name}' does not overlap {what}: check that it covers the same area")
            .format(name=layer_name, what=what))
    feedback.pushInfo(tr(
        "'{name}' is not on the grid of {what}: resampled bilinearly onto it with gdal.Warp "
        "({pct:.1f} % of the grid covered).").format(name=layer_name, what=what, pct=100 * covered))
    if covered < 0.999:
        feedback.pushWarning(tr("'{name}' covers only {pct:.1f} % of {what}; the rest is no data.")
                             .format(name=layer_name, pct=100 * covered, what=what))


def incidence_radians(values, units, layer_name):
    """Incidence array in ``units`` ('degrees' or 'radians') -> radians, checked inside (0, 90) degrees."""
    values = np.asarray(values, dtype=np.float64)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        raise QgsProcessingException(tr("The incidence angle raster '{name}' holds no valid value")
                                     .format(name=layer_name))
    lo, hi = float(finite.min()), float(finite.max())
    limit = 90.0 if units == "degrees" else math.pi / 2
    if lo <= 0 or hi >= limit:
        hint = ""
        if units == "radians" and hi < 90:
            hint = tr(" The values look like degrees: set the incidence raster units to degrees.")
        raise QgsProcessingException(tr(
            "The incidence angle raster '{name}' has values {lo:.4g} to {hi:.4g}, outside 0 to {limit:.4g} "
            "{units}.{hint}").format(name=layer_name, lo=lo, hi=hi, limit=limit, units=units, hint=hint))
    if units == "degrees" and hi < math.pi / 2:
        raise QgsProcessingException(tr(
            "The incidence angle raster '{name}' has values {lo:.4g} to {hi:.4g}: these look like radians, "
            "not degrees. Set the incidence raster units to radians.").format(name=layer_name, lo=lo, hi=hi))
    return np.radians(values) if units == "degrees" else values


def pixel_size(info, layer_name, feedback, is_dem=True):
    """``(dx, dy)`` metres of a raster grid (``terrain.pixel_size_metres``), errors naming the layer.

    ``is_dem`` False words the error for another raster (the SAR grid).
    """
    try:
        dx, dy = terrain.pixel_size_metres(info.geotransform, info.projection, info.ysize)
    except ValueError as exc:
        message = str(exc)
        if not is_dem:
            message = message.replace("the DEM's", "its").replace("the DEM", "the raster")
        raise QgsProcessingException(tr("Input layer '{name}': {error}").format(
            name=layer_name, error=message)) from exc
    srs = osr.SpatialReference()
    srs.ImportFromWkt(info.projection)
    if srs.IsGeographic():
        gt = info.geotransform
        lats = np.radians([gt[3], gt[3] + gt[5] * info.ysize])
        cos = np.cos(np.clip(lats, -1.5, 1.5))
        spread = float(cos.max() / max(cos.min(), 1e-9) - 1)
        feedback.pushInfo(tr("'{name}' is in a geographic CRS: pixel size {dx:.2f} x {dy:.2f} m taken at its "
                             "centre latitude.").format(name=layer_name, dx=dx, dy=dy))
        if spread > 0.02:
            feedback.pushWarning(tr(
                "The pixel width of '{name}' varies by {pct:.0f} % from its top to its bottom edge; "
                "east-west slopes are off by up to that much. Reproject it to a projected CRS in metres "
                "(e.g. UTM) for accurate results.").format(name=layer_name, pct=100 * spread))
    return dx, dy


class TerrainInputsMixin:
    """Heading, look side and incidence parameters shared by the terrain algorithms."""

    HEADING = "HEADING"
    LOOK_SIDE = "LOOK_SIDE"
    INCIDENCE = "INCIDENCE"
    INCIDENCE_RASTER = "INCIDENCE_RASTER"
    INCIDENCE_BAND = "INCIDENCE_BAND"
    INCIDENCE_UNITS = "INCIDENCE_UNITS"

    def add_geometry_parameters(self):
        number = QgsProcessingParameterNumber
        self.addParameter(number(
            self.HEADING, tr("Flight direction (heading), degrees clockwise from north "
                             "(Sentinel-1: ~348 ascending, ~192 descending)"),
            type=number.Double, defaultValue=348.0, minValue=-360.0, maxValue=360.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.LOOK_SIDE, tr("Look side"), options=[tr("Right (Sentinel-1, most SARs)"), tr("Left")],
            defaultValue=0))
        self.addParameter(number(
            self.INCIDENCE, tr("Incidence angle (degrees, used without an incidence raster)"),
            type=number.Double, defaultValue=35.0, minValue=0.0, maxValue=90.0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.INCIDENCE_RASTER, tr("Incidence angle raster"), optional=True))
        self.addParameter(QgsProcessingParameterBand(
            self.INCIDENCE_BAND, tr("Incidence band"), defaultValue=1,
            parentLayerParameterName=self.INCIDENCE_RASTER, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.INCIDENCE_UNITS, tr("Incidence raster units"), options=[tr("Degrees"), tr("Radians")],
            defaultValue=0))

    def check_geometry_parameters(self, parameters, context):
        """(ok, message) for the scalar geometry parameters."""
        incidence = self.parameterAsDouble(parameters, self.INCIDENCE, context)
        if not 0 < incidence < 90:
            return False, tr("The incidence angle must be between 0 and 90 degrees (exclusive), e.g. 35; "
                             "got {value}").format(value=incidence)
        heading = self.parameterAsDouble(parameters, self.HEADING, context)
        if not math.isfinite(heading):
            return False, tr("The heading must be a number of degrees, e.g. 348")
        return True, ""

    def geometry_values(self, parameters, context):
        """(heading_deg, right_looking)."""
        heading = self.parameterAsDouble(parameters, self.HEADING, context)
        right = LOOK_SIDES[self.parameterAsEnum(parameters, self.LOOK_SIDE, context)] == "right"
        return heading, right

    def incidence_source(self, parameters, context, info, what, feedback, scratch):
        """The run's ``pipeline.Incidence``: a scalar (radians) or a raster band on ``info``'s grid.

        An incidence raster on another grid is warped onto it into a file in
        ``scratch`` (bounded memory). Its range is checked from a
        block-by-block pass (``raster_sampling.band_range``).
        """
        layer = self.parameterAsRasterLayer(parameters, self.INCIDENCE_RASTER, context)
        if layer is None:
            degrees = self.parameterAsDouble(parameters, self.INCIDENCE, context)
            feedback.pushInfo(tr("Incidence angle: {deg:g} degrees everywhere.").format(deg=degrees))
            return pipeline.Incidence(radians=math.radians(degrees))
        band = self.parameterAsInt(parameters, self.INCIDENCE_BAND, context) or 1
        units = INCIDENCE_UNITS[self.parameterAsEnum(parameters, self.INCIDENCE_UNITS, context)]
        path, band = raster_on_grid(layer, self.INCIDENCE_RASTER, band, info, what, feedback,
                                    os.path.join(scratch, "incidence.tif"))
        lo, hi, _ = raster_sampling.band_range(path, band)  # under the engine's GDAL cache cap
        theta = incidence_radians(np.array([lo, hi]), units, layer.name())  # checks the range
        feedback.pushInfo(tr("Incidence angle from '{name}' band {band}: {lo:.2f} to {hi:.2f} degrees.")
                          .format(name=layer.name(), band=band, lo=math.degrees(theta[0]),
                                  hi=math.degrees(theta[1])))
        return pipeline.Incidence(path=path, band=band, degrees=units == "degrees")


def raster_on_grid(layer, parameter_name, band, ref, what, feedback, warped):
    """``(path, band)`` of band ``band`` of a raster layer on RasterInfo ``ref``'s grid.

    The layer's own file when it is already on that grid, else the band
    resampled bilinearly into the GeoTIFF ``warped`` (``warp_onto``, bounded
    memory) with its coverage reported (``report_coverage``).
    """
    path = common.gdal_source(layer, parameter_name)
    info = read_info(path)
    if not 1 <= band <= info.bands:
        raise QgsProcessingException(tr("Input layer '{name}' has {n} band(s); band {band} does not exist")
                                     .format(name=layer.name(), n=info.bands, band=band))
    if same_grid(info, ref):
        return path, band
    with gdal_cache_budget():  # GDAL's cache would keep the whole raster
        warp_onto(path, band, ref, layer.name(), dst=warped)
        _, _, covered = raster_sampling.band_range(warped, 1)
    report_coverage(layer.name(), what, covered, feedback)
    return warped, 1


# ------------------------------------------------------------------------------------------------
# The algorithm
# ------------------------------------------------------------------------------------------------

class TerrainGeometryAlgorithm(TerrainInputsMixin, common.SarChangeAlgorithm):
    """Slope, aspect, local incidence, distortion mask and simulated SAR of a DEM."""

    DEM = "DEM"
    SLOPE = "SLOPE"
    ASPECT = "ASPECT"
    LOCAL_INCIDENCE = "LOCAL_INCIDENCE"
    PROJECTED_LOCAL_INCIDENCE = "PROJECTED_LOCAL_INCIDENCE"
    DISTORTION_MASK = "DISTORTION_MASK"
    SIMULATED_SAR = "SIMULATED_SAR"
    OUTPUTS = (SLOPE, ASPECT, LOCAL_INCIDENCE, PROJECTED_LOCAL_INCIDENCE, DISTORTION_MASK, SIMULATED_SAR)

    def name(self):
        return "terraingeometry"

    def displayName(self):
        return tr("Terrain geometry")

    def group(self):
        return tr("Terrain")

    def groupId(self):
        return "terrain"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TerrainGeometryAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.DEM, tr("DEM (heights in metres)")))
        self.add_geometry_parameters()
        labels = {
            self.SLOPE: tr("Slope (degrees)"),
            self.ASPECT: tr("Aspect (degrees clockwise from north, downslope)"),
            self.LOCAL_INCIDENCE: tr("Local incidence angle (degrees)"),
            self.PROJECTED_LOCAL_INCIDENCE: tr("Projected local incidence angle (degrees)"),
            self.DISTORTION_MASK: tr("Distortion mask (1 layover, 2 shadow, 4 foreshortening)"),
            self.SIMULATED_SAR: tr("Simulated SAR (sigma0 of gamma0 = 1, linear)"),
        }
        default_on = (self.LOCAL_INCIDENCE, self.DISTORTION_MASK)
        for key in self.OUTPUTS:
            self.addParameter(QgsProcessingParameterRasterDestination(
                key, labels[key], optional=True, createByDefault=key in default_on))

    def _requested(self, parameters, context):
        """{output key: destination path} of the outputs asked for."""
        out = {}
        for key in self.OUTPUTS:
            value = parameters.get(key)
            if value is None or value == "":
                continue
            path = self.parameterAsOutputLayer(parameters, key, context)
            if path:
                out[key] = path
        return out

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        ok, message = self.check_geometry_parameters(parameters, context)
        if not ok:
            return ok, message
        if not self._requested(parameters, context):
            return False, tr("Ask for at least one output (slope, aspect, local incidence, projected local "
                             "incidence, distortion mask or simulated SAR)")
        return True, ""

    def _core_names(self):
        """{output key: core.terrain.pipeline output name}."""
        return dict(zip(self.OUTPUTS, pipeline.GEOMETRY_OUTPUTS))

    def _descriptions(self):
        return {
            pipeline.SLOPE: tr("slope (degrees)"),
            pipeline.ASPECT: tr("aspect (degrees clockwise from north, downslope)"),
            pipeline.LOCAL_INCIDENCE: tr("local incidence angle (degrees)"),
            pipeline.PROJECTED_LOCAL_INCIDENCE: tr("projected local incidence angle (degrees)"),
            pipeline.DISTORTION_MASK: tr(
                "distortion (bits: 1 layover, 2 shadow, 4 foreshortening; 255 no data)"),
            pipeline.SIMULATED_SAR: tr("simulated sigma0 of a uniform gamma0 = 1 surface (linear power)"),
        }

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        src = common.gdal_source(layer, self.DEM)
        name = layer.name()
        outputs = self._requested(parameters, context)
        if not outputs:
            raise QgsProcessingException(tr("Ask for at least one output"))
        with common.core_errors(name):
            info = read_info(src)
        dx, dy = pixel_size(info, name, feedback)
        heading, right = self.geometry_values(parameters, context)
        look = math.degrees(terrain.look_azimuth(heading, right))
        feedback.pushInfo(tr("DEM '{name}': {x} x {y} pixels of {dx:.2f} x {dy:.2f} m; heading {h:g} "
                             "degrees, looking towards {look:.1f} degrees.").format(
            name=name, x=info.xsize, y=info.ysize, dx=dx, dy=dy, h=heading, look=look))
        labels = {"layover": tr("layover"), "shadow": tr("shadow"), "foreshortening": tr("foreshortening")}

        def log(label, pct):
            feedback.pushInfo(tr("{label}: {pct:.2f} % of the valid pixels").format(label=labels[label],
                                                                                    pct=pct))

        names = self._core_names()
        scratch = tempfile.mkdtemp(prefix="sar_change_terrain_")
        try:
            what = tr("the DEM '{name}'").format(name=name)
            incidence = self.incidence_source(parameters, context, info, what, feedback, scratch)
            with common.core_errors(name):
                written = pipeline.terrain_geometry(
                    src, {names[k]: path for k, path in outputs.items()}, dx, dy, heading, right, incidence,
                    descriptions=self._descriptions(), progress=feedback.setProgress,
                    is_canceled=common.cancel_callback(feedback), log=log)
        except Cancelled:
            for path in outputs.values():
                common.forget_output(context, path)
            feedback.pushInfo(tr("Cancelled: no output was written."))
            return {}
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        keys = {v: k for k, v in names.items()}
        return {keys[n]: path for n, path in written.items()}
