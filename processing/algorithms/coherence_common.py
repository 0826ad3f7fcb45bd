"""Shared by the coherence algorithms: grid checks and the block-by-block run of a coherence function.

Loaded outputs are named and styled (fixed 0-1 ramp) by ``presentation.OUTPUT_STYLES``.
"""
import os

from osgeo import gdal
from qgis.core import QgsProcessingException

from ...core.engine.raster_blocks import Cancelled, map_raster
from . import common
from .common import tr
from .difference_image import grid_problem


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
    counted = common.ValidPixelCounter(func)

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
    if counted.total == 0:
        if os.path.exists(dst):
            os.remove(dst)
        raise QgsProcessingException(tr(
            "No valid coherence from '{a}' and '{b}': every window is no data, NaN or zero power. Check the "
            "no-data values, that the images hold data and that they cover the same area").format(
                a=names[0], b=names[1]))
    feedback.pushInfo(tr("{n} valid pixels written").format(n=counted.total))
    return {"OUTPUT": dst}
