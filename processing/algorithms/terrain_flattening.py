"""Processing algorithm "Radiometric terrain flattening": a thin wrapper around core.terrain.pipeline.

It declares the parameters, checks them (scale, CRS units, incidence),
brings the DEM (and an optional incidence raster) onto the SAR raster's grid
(used as is when already on it, else resampled bilinearly with gdal.Warp into
a temporary file, bounded memory) and calls
``core.terrain.pipeline.terrain_flattening``, which traces the flattening
reference block by block and divides every SAR band by it, in linear power,
the output being written in the input's scale. No size limit.
"""
import os
import shutil
import tempfile

from qgis.core import (
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from ...core.engine import raster_sampling
from ...core.engine.raster_blocks import Cancelled, read_info
from ...core.terrain import flattening as flattening
from ...core.terrain import geometry as terrain
from ...core.terrain import pipeline
from . import common
from .common import tr
from .terrain_geometry import TerrainInputsMixin, pixel_size, raster_on_grid


def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Radiometric terrain flattening: turns a geocoded, calibrated sigma0 image into "
        "terrain-flattened gamma0, removing the brightening of slopes facing the sensor and the darkening"
        " of slopes facing away (Small 2011, IEEE TGRS 49(8), \"Flattening gamma: radiometric terrain "
        "correction for SAR imagery\"). Flattened images of ascending and descending passes, or of "
        "different tracks, can be compared over hills.</p><h3>Parameters</h3><ul><li><b>Sigma0 "
        "raster</b>: calibrated sigma0 referred to the ellipsoid (the standard calibration, e.g. "
        "Sentinel-1 GRD \"Sigma0\"), geocoded on a north-up map grid without radiometric normalisation "
        "(e.g. ESA SNAP Calibration then Range-Doppler Terrain Correction), in a projected CRS in metres "
        "or a geographic CRS. Every band is flattened (e.g. VV and VH); the same reference is used for "
        "all bands.</li><li><b>Input scale</b>: linear power (intensity), amplitude or dB. The output is "
        "written in the same scale. A dB raster declared as linear power or amplitude is "
        "refused.</li><li><b>DEM</b>: heights in metres (the DEM used for the terrain correction, "
        "ideally). When it is not on the sigma0 raster's grid it is resampled bilinearly onto that grid "
        "automatically (gdal.Warp); the log says so. DEMs in a CRS in feet or unknown units are refused: "
        "reproject the DEM to a projected CRS in metres. The raster is processed block by block in bounded "
        "memory, whatever its size.</li><li><b>Flight direction (heading)</b>, <b>Look "
        "side</b>, <b>Incidence angle</b> or <b>Incidence angle raster</b> (degrees or radians; resampled"
        " onto the sigma0 grid if needed): as in <i>Terrain geometry</i>. Sentinel-1 heading: about 348 "
        "ascending, 192 descending.</li><li><b>Method</b>: <ul><li>Area-based (Small 2011): sigma0 "
        "divided by the simulated sigma0 of a surface of uniform gamma0 = 1, i.e. the sum of the "
        "illuminated areas (projected perpendicular to the line of sight) of all terrain sharing each "
        "slant-range cell, divided by the cell's ellipsoid area. Handles foreshortening and layover by "
        "integrating the DEM.</li><li>Cosine ratio with projected-area factor: per pixel, sigma0 referred"
        " to the tilted pixel area with Ulander's (1996) projection angle psi and divided by the cosine "
        "of the local incidence angle (as in Kellndorfer et al. 1998): gamma0 = sigma0 cos(psi) / "
        "(sin(incidence) cos(local incidence)), which equals sigma0 tan(incidence - range slope) / "
        "sin(incidence). Exact on planes, blind to terrain sharing a slant-range cell (crests, "
        "valleys).</li></ul></li><li><b>Mask layover and shadow</b>: set layover and shadow pixels "
        "(passive areas included, found by tracing the radar rays along range) to no data. Without it, "
        "shadow (nothing illuminated) is still no data, and area-based layover pixels hold gamma0 "
        "averaged over all the terrain sharing their slant-range cell.</li></ul><p>Output: gamma0 in the "
        "input's scale, float32, on the sigma0 raster's grid, CRS and no-data value; no data where the "
        "sigma0 or the DEM is. Terrain outside the DEM is unknown: along the raster's edges the DEM is "
        "extended by reflection, and layover or shadow cast into the area from beyond it is missed. DEM "
        "voids are interpolated for the area simulation, so their surroundings are flattened sensibly. "
        "Steep slopes facing away from the sensor (grazing illumination) receive large corrections and "
        "amplify noise.</p>")


class TerrainFlatteningAlgorithm(TerrainInputsMixin, common.SarChangeAlgorithm):
    """Terrain-flattened gamma0 of a geocoded sigma0 raster."""

    SIGMA0 = "SIGMA0"
    SCALE = "SCALE"
    DEM = "DEM"
    METHOD = "METHOD"
    MASK_DISTORTED = "MASK_DISTORTED"
    OUTPUT = "OUTPUT"

    def name(self):
        return "terrainflattening"

    def displayName(self):
        return tr("Radiometric terrain flattening")

    def group(self):
        return tr("Terrain")

    def groupId(self):
        return "terrain"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return TerrainFlatteningAlgorithm()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.SIGMA0, tr("Sigma0 raster (geocoded)")))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer(self.DEM, tr("DEM (heights in metres)")))
        self.add_geometry_parameters()
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, tr("Method"), options=[tr(flattening.LABELS[m]) for m in flattening.METHODS],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MASK_DISTORTED, tr("Mask layover and shadow (no data)"), defaultValue=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Flattened gamma0")))

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        return self.check_geometry_parameters(parameters, context)

    def validate(self, parameters, context):
        """Refuse a sigma0 raster whose values contradict the declared scale before running."""
        common.check_sar_inputs(self, parameters, context, [self.SIGMA0], allow_constant=True)

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.SIGMA0, context)
        src = common.gdal_source(layer, self.SIGMA0)
        name = layer.name()
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        method = flattening.METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        mask = self.parameterAsBool(parameters, self.MASK_DISTORTED, context)
        heading, right = self.geometry_values(parameters, context)
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)

        with common.core_errors(name):
            info = read_info(src)
            raster_sampling.check_input_scale(src, scale)
        dx, dy = pixel_size(info, name, feedback, is_dem=False)

        dem_layer = self.parameterAsRasterLayer(parameters, self.DEM, context)
        dem_src = common.gdal_source(dem_layer, self.DEM)
        with common.core_errors(dem_layer.name()):
            dem_info = read_info(dem_src)
            # Refuse DEMs in feet or unknown units (their heights are likely not metres either).
            terrain.pixel_size_metres(dem_info.geotransform, dem_info.projection, dem_info.ysize)
        what = tr("the sigma0 raster '{name}'").format(name=name)
        scratch = tempfile.mkdtemp(prefix="sar_change_flattening_")
        try:
            dem_path, _ = raster_on_grid(dem_layer, self.DEM, 1, info, what, feedback,
                                         os.path.join(scratch, "dem.tif"))
            incidence = self.incidence_source(parameters, context, info, what, feedback, scratch)
            if feedback.isCanceled():
                return {}
            feedback.pushInfo(tr("Flattening reference: {method}, layover/shadow {masked}.").format(
                method=flattening.LABELS[method], masked=tr("masked") if mask else tr("kept")))
            with common.core_errors(dem_layer.name()):
                _, lost = pipeline.terrain_flattening(
                    src, dem_path, dst, scale, dx, dy, heading, right, incidence, method, mask,
                    progress=feedback.setProgress, is_canceled=common.cancel_callback(feedback))
        except Cancelled:
            feedback.pushInfo(tr("Cancelled: no output was written."))
            common.forget_output(context, dst)
            return {}
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        feedback.pushInfo(tr("{pct:.2f} % of the DEM pixels get no gamma0 (layover, shadow or undefined "
                             "angles).").format(pct=100.0 * lost))
        return {self.OUTPUT: dst}
