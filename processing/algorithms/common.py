"""Helpers shared by the SAR Change Processing algorithms.

Adapters between QGIS Processing and the QGIS-free ``core``: feedback
callbacks, error translation and reading the input layer's file path. The
image-wide checks they call (scale check, ENL from sample windows) live in
``core.raster_sampling``.
"""
import os
from contextlib import contextmanager

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication

from ...core import scale as scales
from ...core.raster_blocks import Cancelled, RasterError
from .presentation import Presentation

#: Radiometric scales in the order of the SCALE enum parameter.
SCALE_CHOICES = (scales.LINEAR_POWER, scales.AMPLITUDE, scales.DB)


def tr(text):
    """Translate ``text`` in the 'SarChange' context (see i18n/README.md)."""
    return QCoreApplication.translate("SarChange", text)


class SarChangeAlgorithm(Presentation, QgsProcessingAlgorithm):
    """Base of the SAR Change algorithms: background-thread safe, one validation hook.

    Subclasses override ``validate(parameters, context)`` to raise ValueError
    or QgsProcessingException (message = the fix) for values they cannot use; ``checkParameterValues``
    turns that into QGIS's refusal before anything runs (dialog, batch,
    qgis_process), and ``processAlgorithm`` may call it again.
    """

    def validate(self, parameters, context):
        """Raise ValueError or QgsProcessingException naming the fix for unusable values (default: none)."""

    def checkParameterValues(self, parameters, context):
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        try:
            self.validate(parameters, context)
        except (ValueError, QgsProcessingException) as exc:
            return False, str(exc)
        return True, ""


def scale_labels():
    """Translated labels of SCALE_CHOICES, for an enum parameter."""
    return [tr("Linear power (intensity)"), tr("Amplitude"), tr("dB")]


def progress_callback(feedback):
    """``progress(percent)`` for the block engine that updates ``feedback``."""
    if feedback is None:
        return None
    return feedback.setProgress


def cancel_callback(feedback):
    """``is_canceled() -> bool`` for the block engine that reads ``feedback``."""
    if feedback is None:
        return None
    return feedback.isCanceled


@contextmanager
def core_errors(layer_name):
    """Turn core's RasterError/ValueError into a QgsProcessingException naming the layer.

    ``Cancelled`` passes through untouched: the caller stops cleanly.
    """
    try:
        yield
    except Cancelled:
        raise
    except (RasterError, ValueError) as exc:
        raise QgsProcessingException(
            tr("Input layer '{name}': {error}").format(name=layer_name, error=exc)) from exc


def gdal_source(layer, parameter_name):
    """File path (GDAL data source) of a raster layer parameter, or raise."""
    if layer is None:
        raise QgsProcessingException(tr("Invalid raster layer for parameter {name}").format(
            name=parameter_name))
    if layer.providerType() != "gdal":
        raise QgsProcessingException(tr(
            "Input layer '{name}' is served by the '{provider}' data provider; SAR Change reads "
            "rasters through GDAL only. Save the layer as a GeoTIFF and use that file."
        ).format(name=layer.name(), provider=layer.providerType()))
    return layer.source()


def features_in_crs(source, crs, context, what):
    """Yield ``(feature, geometry)`` for the non-empty features of ``source``, geometry in ``crs``.

    Curved geometries are segmentised (GDAL rasterises straight segments) and
    reprojected from the source's CRS when both CRSs are valid and differ.
    A reprojection failure raises a QgsProcessingException naming ``what``.
    """
    crs = QgsCoordinateReferenceSystem(crs)
    transform = None
    if crs.isValid() and source.sourceCrs().isValid() and source.sourceCrs() != crs:
        transform = QgsCoordinateTransform(source.sourceCrs(), crs, context.transformContext())
    for feature in source.getFeatures():
        if not feature.hasGeometry() or feature.geometry().isEmpty():
            continue
        geometry = QgsGeometry(feature.geometry())
        if QgsWkbTypes.isCurvedType(geometry.wkbType()):
            geometry.convertToStraightSegment()
        if transform is not None:
            try:
                geometry.transform(transform)
            except QgsCsException as exc:
                raise QgsProcessingException(tr(
                    "{what} cannot be reprojected from {src} to the raster CRS {dst}: {error}").format(
                    what=what, src=source.sourceCrs().authid(), dst=crs.authid(), error=exc)) from exc
        yield feature, geometry


def forget_output(context, path):
    """Drop ``path`` from the layers QGIS loads on completion (after a cancel)."""
    layers = dict(context.layersToLoadOnCompletion())
    if path in layers:
        del layers[path]
        context.setLayersToLoadOnCompletion(layers)


def same_file(a, b):
    """True when two paths name the same file (the file need not exist)."""
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))
