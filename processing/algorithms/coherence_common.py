"""Shared by the coherence algorithms: grid checks and the block-by-block run of a coherence function."""
import os
import threading

import numpy as np
from osgeo import gdal
from qgis.core import (
    QgsColorRampShader,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtGui import QColor

from ...core.raster_blocks import Cancelled, map_raster
from . import common
from .common import tr
from .difference_image import grid_problem

#: Colour ramp of coherence outputs, 0 (decorrelated) to 1 (coherent): viridis stops.
COHERENCE_RAMP = ((0.0, "#440154"), (0.25, "#3b528b"), (0.5, "#21918c"), (0.75, "#5ec962"), (1.0, "#fde725"))


def apply_coherence_style(layer):
    """Render band 1 of a raster layer with the fixed 0-1 COHERENCE_RAMP (interpolated)."""
    ramp = QgsColorRampShader(0.0, 1.0)
    ramp.setColorRampType(QgsColorRampShader.Interpolated)
    ramp.setColorRampItemList([QgsColorRampShader.ColorRampItem(v, QColor(c), f"{v:g}")
                               for v, c in COHERENCE_RAMP])
    shader = QgsRasterShader(0.0, 1.0)
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(0.0)
    renderer.setClassificationMax(1.0)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


class CoherenceStyler(QgsProcessingLayerPostProcessorInterface):
    """Styles a coherence output when QGIS loads it (runs on the main thread, after the algorithm)."""

    instances = []  # the registry keeps no Python reference: hold them here

    def postProcessLayer(self, layer, context, feedback):
        apply_coherence_style(layer)

    @staticmethod
    def attach(context, dst):
        """Style ``dst`` with the coherence ramp if the run loads it on completion."""
        if context.willLoadLayerOnCompletion(dst):
            styler = CoherenceStyler()
            CoherenceStyler.instances = CoherenceStyler.instances[-7:] + [styler]
            context.layerToLoadOnCompletionDetails(dst).setPostProcessor(styler)


def check_same_grid(info_1, name_1, info_2, name_2):
    """Raise QgsProcessingException naming both layers when their grids or CRS differ."""
    problem = grid_problem(info_1, info_2)
    if problem:
        raise QgsProcessingException(tr(
            "Input layer '{b}' is not on the grid of '{a}' ({problem}): the two images must share size, "
            "pixel grid and CRS; coregister them first (sarchange:coregister for detected images)").format(
                a=name_1, b=name_2, problem=problem))


def check_odd(value, what):
    """ValueError naming ``what`` unless ``value`` is an odd whole number >= 1."""
    if value < 1 or value % 2 == 0:
        raise ValueError(tr("{what} must be odd and >= 1, e.g. 5 (got {v})").format(what=what, v=value))


def check_output(dst, sources):
    """Refuse an output path that names one of the inputs."""
    for src in sources:
        if common.same_file(src, dst):
            raise QgsProcessingException(
                tr("The output must not overwrite the input {path}").format(path=src))


def run_coherence(vrt, dst, func, margin, description, names, context, feedback, bands=None, out_bands=1,
                  descriptions=None, threads=2):
    """Stream ``func`` over the bands of ``vrt`` into the coherence ``dst``; release ``vrt``.

    ``bands``: the VRT bands ``func`` gets (default all); ``out_bands``,
    ``descriptions``: the output's bands (default one, ``description``);
    ``threads``: blocks run at once. Returns the output
    dict, {} after a cancel (nothing written). Raises a QgsProcessingException
    naming the layers when no output pixel is valid (every window no data,
    NaN or zero power).
    """
    valid = []
    lock = threading.Lock()

    def counted(block):
        out = func(block)
        with lock:
            valid.append(int(np.count_nonzero(np.isfinite(out))))
        return out

    try:
        map_raster(vrt, dst, counted, margin, out_bands, bands=bands, nodata=float("nan"),
                   descriptions=descriptions or [description], threads=threads,
                   progress=common.progress_callback(feedback), is_canceled=common.cancel_callback(feedback))
    except Cancelled:
        feedback.pushInfo(tr("Cancelled: no output was written."))
        common.forget_output(context, dst)
        return {}
    finally:
        gdal.Unlink(vrt)
    if sum(valid) == 0:
        if os.path.exists(dst):
            os.remove(dst)
        raise QgsProcessingException(tr(
            "No valid coherence from '{a}' and '{b}': every window is no data, NaN or zero power. Check the "
            "no-data values, that the images hold data and that they cover the same area").format(
                a=names[0], b=names[1]))
    feedback.pushInfo(tr("{n} valid pixels written").format(n=sum(valid)))
    CoherenceStyler.attach(context, dst)
    return {"OUTPUT": dst}
