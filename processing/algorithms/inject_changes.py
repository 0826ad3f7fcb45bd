"""Processing algorithm "Inject simulated changes": a thin wrapper around core.change.injection.

The offset change streams block by block through
``core.change.injection_raster`` (blobs placed from the seed reading windows of the
file, polygons rasterised to a temporary label raster by GDAL): any raster
size. The statistical change runs ``core.change.injection_raster.inject_whole_raster``
(it maps every pixel of a region and of its target class at once, so the
raster is read whole). The change regions come from a polygon layer
(reprojected to the raster CRS with QgsCoordinateTransform and rasterised
with GDAL, one label per feature) or from random blobs
(``core.change.injection_raster.place_blobs``). Outputs: the changed raster (same grid, CRS, no-data value
and band descriptions), the uint8 change mask and, optionally, the change
polygons in the raster CRS.
"""
import dataclasses
import os

import numpy as np
from osgeo import gdal, ogr
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsPointXY,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBand,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ...core.change import injection, injection_raster
from ...core.engine import outputs, raster_sampling
from ...core.engine.raster_blocks import Cancelled, RasterError, create_like, read_info
from .. import provider_settings
from . import common
from .common import tr

#: Injection modes, in the order of the MODE enum.
MODES = (injection.OFFSET, injection.STATISTICAL)

def help_text():
    """The help panel: one literal (pylupdate5 extracts it), no hard line breaks."""
    return tr(
        "<p>Injects simulated changes into a SAR image, to evaluate change detection (difference images "
        "and classifiers) against a known change mask, as Alatalo, Sipola &amp; Rantonen (2023, IEEE TGRS"
        " 61) do. Irregular blobs (or your polygons) are drawn on the image and the pixels whose centre "
        "falls inside are changed in the selected bands.</p><h3>Parameters</h3><ul><li><b>Input SAR "
        "raster</b>: a file-based GDAL raster. It is read whole into memory (about 4 bytes per pixel and "
        "band, twice): use it on evaluation scenes or clips, not on full archives.</li><li><b>Bands to "
        "change</b>: default all bands. The other bands are copied unchanged (e.g. leave out an "
        "incidence-angle band). A pixel that is no data in any band to change is never "
        "changed.</li><li><b>Input scale</b>: linear power (intensity), amplitude or dB. A dB raster "
        "declared as linear power or amplitude is refused.</li><li><b>Change</b>: <ul><li>Offset change "
        "in dB: every changed pixel gets the offset added in dB, i.e. linear power multiplied by "
        "10^(offset/10) (amplitude by 10^(offset/20)).</li><li>Statistical change (CDF mapping): the "
        "values inside each blob are mapped through their own empirical CDF and the inverse empirical CDF"
        " of a target class: they keep their rank (texture) but take the target's distribution. Each band"
        " is mapped independently. The target class is the target mask when given; otherwise, per blob, a"
        " copy of the blob shifted to a random unchanged, valid place whose mean differs by at least 1 dB"
        " from the blob's (the most different of 64 tries when none does).</li></ul></li><li><b>Offset "
        "(dB)</b>: offset change, e.g. -2.5 (darker, as flooding or felling).</li><li><b>Change "
        "polygons</b> (optional): polygons (any CRS; reprojected to the raster's) to change instead of "
        "random blobs.</li><li><b>Number of blobs, Blob radius (pixels), Vertices per blob, Irregularity "
        "(0..1), Spikiness (0..1)</b>: random star-shaped blobs: angular steps of 2&pi;/n (1 &plusmn; "
        "irregularity), vertex distances Normal(radius, spikiness &times; radius) clipped to [0, 2 "
        "radius]. Blobs lie inside the image on valid pixels and do not touch each other (centres at "
        "least 2 radii apart).</li><li><b>Random seed</b>: the same seed gives the same blobs and "
        "targets.</li><li><b>Target class mask</b> (optional, statistical change): a raster on the "
        "input's grid whose non-zero pixels sample the target "
        "class.</li></ul><h3>Outputs</h3><ul><li><b>Changed raster</b>: float32 GeoTIFF with the input's "
        "grid, CRS, no-data value and band descriptions.</li><li><b>Change mask</b>: uint8 GeoTIFF, 1 "
        "changed, 0 unchanged, 255 no data (its no-data value).</li><li><b>Change polygons</b> "
        "(optional): the blobs (or your polygons) in the raster CRS, with the number of changed pixels "
        "and the band-1 mean before and after (dB).</li></ul>")


def pixel_to_map(geotransform, xy):
    """Map coordinates of (N, 2) pixel coordinates (x = column, y = row)."""
    gt = geotransform
    x, y = xy[:, 0], xy[:, 1]
    return np.column_stack((gt[0] + x * gt[1] + y * gt[2], gt[3] + x * gt[4] + y * gt[5]))


def _label_layer(geometries):
    """An in-memory OGR layer holding geometry k (QgsGeometry) with the field label = k + 1."""
    source = ogr.GetDriverByName("Memory").CreateDataSource("changes")
    layer = source.CreateLayer("changes", geom_type=ogr.wkbUnknown)
    layer.CreateField(ogr.FieldDefn("label", ogr.OFTInteger))
    for k, geometry in enumerate(geometries):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("label", k + 1)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(geometry.asWkt()))
        layer.CreateFeature(feature)
    return source, layer


def _burn(dataset, geometries):
    source, layer = _label_layer(geometries)
    if gdal.RasterizeLayer(dataset, [1], layer, options=["ATTRIBUTE=label"]) != 0:
        raise RasterError("cannot rasterise the change polygons")
    del source


def rasterize_labels(geometries, geotransform, xsize, ysize):
    """Burn geometry k (QgsGeometry, raster CRS) as label k + 1 into an int32 array.

    Pixels whose centre is inside are burned (GDAL's default rule); later
    geometries overwrite earlier ones where they overlap.
    """
    mem = gdal.GetDriverByName("MEM").Create("", xsize, ysize, 1, gdal.GDT_Int32)
    mem.SetGeoTransform(tuple(geotransform))
    _burn(mem, geometries)
    return mem.GetRasterBand(1).ReadAsArray().astype(np.int32)


def rasterize_labels_file(geometries, info, path):
    """``rasterize_labels`` into a tiled Int32 GeoTIFF at ``path`` on ``info``'s grid (GDAL burns it
    in chunks, so memory does not grow with the raster). Returns ``path``."""
    if not info.geotransform:
        info = dataclasses.replace(info, geotransform=(0.0, 1.0, 0.0, 0.0, 0.0, 1.0))
    dataset = create_like(path, info, 1, None, None, gdal_type=gdal.GDT_Int32)
    _burn(dataset, geometries)
    dataset.FlushCache()
    dataset = None
    return path


class InjectChangesAlgorithm(common.SarChangeAlgorithm):
    """Inject simulated changes (offset or statistical) into a SAR raster."""

    INPUT = "INPUT"
    BANDS = "BANDS"
    SCALE = "SCALE"
    MODE = "MODE"
    OFFSET_DB = "OFFSET_DB"
    POLYGONS = "POLYGONS"
    COUNT = "COUNT"
    RADIUS = "RADIUS"
    VERTICES = "VERTICES"
    IRREGULARITY = "IRREGULARITY"
    SPIKINESS = "SPIKINESS"
    SEED = "SEED"
    TARGET_MASK = "TARGET_MASK"
    OUTPUT = "OUTPUT"
    OUTPUT_MASK = "OUTPUT_MASK"
    OUTPUT_POLYGONS = "OUTPUT_POLYGONS"

    def name(self):
        return "injectchanges"

    def displayName(self):
        return tr("Inject simulated changes")

    def group(self):
        return tr("Simulation")

    def groupId(self):
        return "simulation"

    def shortHelpString(self):
        return help_text()

    def createInstance(self):
        return InjectChangesAlgorithm()

    def initAlgorithm(self, config=None):
        number = QgsProcessingParameterNumber
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Input SAR raster")))
        self.addParameter(QgsProcessingParameterBand(
            self.BANDS, tr("Bands to change (default: all)"), parentLayerParameterName=self.INPUT,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.SCALE, tr("Input scale"), options=common.scale_labels(), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.MODE, tr("Change"),
            options=[tr("Offset change in dB"), tr("Statistical change (CDF mapping)")], defaultValue=0))
        self.addParameter(number(self.OFFSET_DB, tr("Offset (dB)"), type=number.Double, defaultValue=-2.5))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.POLYGONS, tr("Change polygons (default: random blobs)"),
            types=[QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(number(self.COUNT, tr("Number of blobs"), type=number.Integer, defaultValue=5,
                                 minValue=1))
        self.addParameter(number(self.RADIUS, tr("Blob radius (pixels)"), type=number.Double,
                                 defaultValue=20.0, minValue=0.5))
        self.addParameter(number(self.VERTICES, tr("Vertices per blob"), type=number.Integer,
                                 defaultValue=16, minValue=3))
        self.addParameter(number(self.IRREGULARITY, tr("Irregularity (0..1)"), type=number.Double,
                                 defaultValue=0.5, minValue=0.0, maxValue=1.0))
        self.addParameter(number(self.SPIKINESS, tr("Spikiness (0..1)"), type=number.Double,
                                 defaultValue=0.3, minValue=0.0, maxValue=1.0))
        self.addParameter(number(self.SEED, tr("Random seed"), type=number.Integer, defaultValue=1,
                                 minValue=0))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.TARGET_MASK, tr("Target class mask (statistical change; non-zero pixels)"),
            optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Changed raster")))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT_MASK, tr("Change mask")))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT_POLYGONS, tr("Change polygons"), QgsProcessing.TypeVectorPolygon,
            optional=True, createByDefault=False))

    def _settings(self, parameters, context):
        """Validated parameter values as a dict; ValueError with the fix if invalid."""
        s = {
            "mode": MODES[self.parameterAsEnum(parameters, self.MODE, context)],
            "offset_db": self.parameterAsDouble(parameters, self.OFFSET_DB, context),
            "count": self.parameterAsInt(parameters, self.COUNT, context),
            "radius": self.parameterAsDouble(parameters, self.RADIUS, context),
            "vertices": self.parameterAsInt(parameters, self.VERTICES, context),
            "irregularity": self.parameterAsDouble(parameters, self.IRREGULARITY, context),
            "spikiness": self.parameterAsDouble(parameters, self.SPIKINESS, context),
            "seed": self.parameterAsInt(parameters, self.SEED, context),
        }
        if s["mode"] == injection.OFFSET and not (np.isfinite(s["offset_db"]) and s["offset_db"] != 0):
            raise ValueError(tr("an offset of {offset} dB changes nothing: give a non-zero offset, "
                                "e.g. -2.5").format(offset=s["offset_db"]))
        if s["count"] < 1:
            raise ValueError(tr("the number of blobs must be >= 1, e.g. 5"))
        if not s["radius"] > 0:
            raise ValueError(tr("the blob radius must be > 0 pixels, e.g. 20"))
        if s["vertices"] < 3:
            raise ValueError(tr("a blob needs at least 3 vertices, e.g. 16"))
        for key, label in (("irregularity", tr("irregularity")), ("spikiness", tr("spikiness"))):
            if not 0.0 <= s[key] <= 1.0:
                raise ValueError(tr("{name} must be between 0 and 1, e.g. 0.5").format(name=label))
        return s

    def validate(self, parameters, context):
        """Refuse invalid blob settings and a zero offset, a wrong scale and a target mask off the grid."""
        self._settings(parameters, context)
        common.check_sar_inputs(self, parameters, context, [self.INPUT])

    def processAlgorithm(self, parameters, context, feedback):
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        src = common.gdal_source(layer, self.INPUT)
        name = layer.name()
        scale = common.SCALE_CHOICES[self.parameterAsEnum(parameters, self.SCALE, context)]
        try:
            s = self._settings(parameters, context)
        except ValueError as exc:
            raise QgsProcessingException(str(exc)) from exc
        dst = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        dst_mask = self.parameterAsOutputLayer(parameters, self.OUTPUT_MASK, context)
        polygons = self.parameterAsSource(parameters, self.POLYGONS, context)
        target_layer = self.parameterAsRasterLayer(parameters, self.TARGET_MASK, context)
        if s["mode"] == injection.OFFSET:
            return self._offset_streamed(parameters, context, feedback, layer, s, scale, dst, dst_mask,
                                         polygons, target_layer)

        with common.core_errors(name):
            info = read_info(src)
            bands = self._selected_bands(parameters, context, info)
            raster_sampling.check_input_scale(src, scale, bands)
        geotransform = info.geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
        rng = np.random.default_rng(s["seed"])  # places the blobs, then picks the target regions
        if polygons is not None:
            geometries = self._polygons_in_raster_crs(polygons, layer, context)
            regions = rasterize_labels(geometries, geotransform, info.xsize, info.ysize)
        else:
            with common.core_errors(name):
                regions = injection_raster.place_blobs(src, bands, s["count"], s["radius"], s["irregularity"],
                                                       s["spikiness"], rng, n_vertices=s["vertices"])
            geometries = self._blob_geometries(regions, geotransform, s, feedback)
        target = common.gdal_source(target_layer, self.TARGET_MASK) if target_layer is not None else None
        feedback.setProgress(20)
        if feedback.isCanceled():
            return self._cancelled(context, feedback, dst, dst_mask)
        feedback.pushInfo(tr("Reading {name} ({x} x {y} pixels, {n} band(s)) into memory").format(
            name=name, x=info.xsize, y=info.ysize, n=info.bands))
        with common.core_errors(name):
            stats = injection_raster.inject_whole_raster(src, dst, dst_mask, scale, regions, bands, s["mode"],
                                                         s["offset_db"], rng, target_mask_path=target)
        self._refuse_empty_polygons(stats, parameters, polygons, name, dst, dst_mask)
        feedback.setProgress(90)
        return self._finish(parameters, context, feedback, layer, geometries, stats["regions"], bands, dst,
                            dst_mask)

    def _blob_geometries(self, blobs, geotransform, s, feedback):
        """The blobs as QgsGeometry in the raster CRS; logs their placement."""
        feedback.pushInfo(tr("Placed {n} random blobs of radius {r} pixels (seed {seed})").format(
            n=len(blobs), r=s["radius"], seed=s["seed"]))
        return [QgsGeometry.fromPolygonXY([[QgsPointXY(*p) for p in pixel_to_map(
            geotransform, np.vstack((blob, blob[:1])))]]) for blob in blobs]

    def _refuse_empty_polygons(self, stats, parameters, polygons, name, *paths):
        """Remove the outputs and refuse polygons that changed no pixel (outside or on no data)."""
        if polygons is None or stats["changed"]:
            return
        for path in paths:
            if os.path.exists(path):
                os.remove(path)
        self._check_overlap(stats["labelled"] > 0, False, parameters, polygons, name)

    @staticmethod
    def _cancelled(context, feedback, *paths):
        """Stop cleanly: nothing was written, nothing is to be loaded."""
        feedback.pushInfo(tr("Cancelled: no output was written."))
        for path in paths:
            common.forget_output(context, path)
        return {}

    def _polygons_in_raster_crs(self, source, layer, context):
        """The polygons of ``source`` as QgsGeometry in the raster layer's CRS."""
        geometries = [geometry for _, geometry in common.features_in_crs(
            source, layer.crs(), context, tr("The change polygons"))]
        if not geometries:
            raise QgsProcessingException(tr(
                "The change polygon layer has no polygon: draw some, or leave it empty for random blobs"))
        return geometries

    def _check_overlap(self, labelled, changed, parameters, source, raster_name):
        """Refuse polygons that cover no pixel (``labelled`` False), or only no-data pixels."""
        layer_name = source.sourceName() if hasattr(source, "sourceName") else str(
            parameters.get(self.POLYGONS))
        if not labelled:
            raise QgsProcessingException(tr(
                "The polygons of layer '{layer}' do not overlap raster '{raster}' (no pixel centre "
                "inside, after reprojection to the raster CRS): draw them over the raster, or leave "
                "the polygons empty for random blobs").format(layer=layer_name, raster=raster_name))
        if not changed:
            raise QgsProcessingException(tr(
                "The polygons of layer '{layer}' cover only no-data pixels of raster '{raster}': "
                "draw them over valid pixels").format(layer=layer_name, raster=raster_name))

    def _selected_bands(self, parameters, context, info):
        bands = sorted(set(self.parameterAsInts(parameters, self.BANDS, context))) or list(
            range(1, info.bands + 1))
        for b in bands:
            if not 1 <= b <= info.bands:
                raise RasterError(f"band {b} does not exist (the raster has {info.bands})")
        return bands

    def _offset_streamed(self, parameters, context, feedback, layer, s, scale, dst, dst_mask, polygons,
                         target_layer):
        """The offset change through ``core.change.injection_raster``: block by block, any raster size."""
        src = common.gdal_source(layer, self.INPUT)
        name = layer.name()
        with common.core_errors(name):
            info = read_info(src)
            bands = self._selected_bands(parameters, context, info)
            raster_sampling.check_input_scale(src, scale, bands)
        if target_layer is not None:
            feedback.pushInfo(tr("The target class mask is used by the statistical change only; ignored."))
        geotransform = info.geotransform or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
        labels_path = None
        try:
            if polygons is not None:
                geometries = self._polygons_in_raster_crs(polygons, layer, context)
                labels_path = rasterize_labels_file(geometries, info,
                                                    outputs.temporary_path(dst, ".labels.tif"))
                regions = {"labels_path": labels_path}
            else:
                with common.core_errors(name):
                    blobs = injection_raster.place_blobs(
                        src, bands, s["count"], s["radius"], s["irregularity"], s["spikiness"],
                        np.random.default_rng(s["seed"]), n_vertices=s["vertices"])
                geometries = self._blob_geometries(blobs, geotransform, s, feedback)
                regions = {"polygons": blobs}
            with common.core_errors(name):
                stats = injection_raster.inject_offset_raster(
                    src, dst, dst_mask, scale, s["offset_db"], bands, **regions,
                    **provider_settings.block_engine_options(), progress=common.progress_callback(feedback),
                    is_canceled=common.cancel_callback(feedback))
        except Cancelled:
            return self._cancelled(context, feedback, dst, dst_mask)
        finally:
            if labels_path is not None and os.path.exists(labels_path):
                os.remove(labels_path)
        self._refuse_empty_polygons(stats, parameters, polygons, name, dst, dst_mask)
        return self._finish(parameters, context, feedback, layer, geometries, stats["regions"], bands,
                            dst, dst_mask)

    def _finish(self, parameters, context, feedback, layer, geometries, details, bands, dst, dst_mask):
        """Log the regions, write the optional polygons; the results dict."""
        for d in details:
            feedback.pushInfo(tr("Region {label}: {pixels} pixels changed, band {band} mean "
                                 "{before:.2f} dB -> {after:.2f} dB").format(
                label=d["label"], pixels=d["pixels"], band=bands[0], before=d["before_db"],
                after=d["after_db"]))
        results = {self.OUTPUT: dst, self.OUTPUT_MASK: dst_mask}
        sink_id = self._write_polygons(parameters, context, layer, geometries, details)
        if sink_id is not None:
            results[self.OUTPUT_POLYGONS] = sink_id
        feedback.setProgress(100)
        return results

    def _write_polygons(self, parameters, context, layer, geometries, details):
        """Write the change polygons to OUTPUT_POLYGONS when asked; returns the sink id or None."""
        fields = QgsFields()
        fields.append(QgsField("id", QVariant.Int))
        fields.append(QgsField("pixels", QVariant.Int))
        fields.append(QgsField("before_db", QVariant.Double))
        fields.append(QgsField("after_db", QVariant.Double))
        sink, sink_id = self.parameterAsSink(parameters, self.OUTPUT_POLYGONS, context, fields,
                                             QgsWkbTypes.MultiPolygon, layer.crs())
        if sink is None:
            return None
        by_label = {d["label"]: d for d in details}
        for k, geometry in enumerate(geometries):
            d = by_label.get(k + 1, {})
            feature = QgsFeature(fields)
            g = QgsGeometry(geometry)
            g.convertToMultiType()
            feature.setGeometry(g)
            feature.setAttributes([k + 1, d.get("pixels", 0), d.get("before_db"), d.get("after_db")])
            sink.addFeature(feature, QgsFeatureSink.FastInsert)
        return sink_id
