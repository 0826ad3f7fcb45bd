"""Renderers for the SAR Change outputs, applied when QGIS loads them (see presentation.py).

Kinds:
- ``MASK``: change masks (0 no change, 1 change, no data 255): paletted, no change transparent,
  change red, no data grey.
- ``DISTORTION``: the terrain distortion bit mask (1 layover, 2 shadow, 3 both, 4 foreshortening).
- ``DIVERGING``: signed difference images (difference, log-ratio, learned DI per band): blue-white-red
  ramp symmetric about 0 (+- the 98th percentile of |value|).
- ``SEQUENTIAL``: non-negative DIs (ratio, Euclidean norm, learned DI norm): 2nd to 98th percentile.
- ``UNIT``: 0-1 quantities (mean ratio, neighbourhood ratio, coherence): fixed 0 to 1 ramp.
- ``SIGNED_UNIT``: signed mean ratio, fixed -1 to 1 diverging ramp.
- ``TRUE_COLOUR``: reflectance with red, green, blue in bands 1, 2, 3 (SAR to optical): one stretch
  from 0 to the largest of the three bands' 98th percentiles, so the colour balance is kept.
"""
from qgis.core import (
    QgsColorRampShader,
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsRasterBandStats,
    QgsRasterShader,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtGui import QColor

from .translation import tr

MASK = "mask"
DISTORTION = "distortion"
DIVERGING = "diverging"
SEQUENTIAL = "sequential"
UNIT = "unit"
SIGNED_UNIT = "signed_unit"
TRUE_COLOUR = "true_colour"
KINDS = (MASK, DISTORTION, DIVERGING, SEQUENTIAL, UNIT, SIGNED_UNIT, TRUE_COLOUR)

NO_DATA_GREY = QColor(128, 128, 128, 255)
CHANGE_RED = QColor(228, 26, 28, 255)
#: ColorBrewer RdBu (reversed: negative blue, positive red) and a viridis-like sequential ramp.
DIVERGING_COLOURS = ("#2166ac", "#67a9cf", "#f7f7f7", "#ef8a62", "#b2182b")
SEQUENTIAL_COLOURS = ("#440154", "#3b528b", "#21918c", "#5ec962", "#fde725")
#: Fraction of pixels sampled for the percentile stretch.
SAMPLE_SIZE = 250000


def _mask_classes():
    return [QgsPalettedRasterRenderer.Class(0, QColor(0, 0, 0, 0), tr("No change")),
            QgsPalettedRasterRenderer.Class(1, CHANGE_RED, tr("Change"))]


def _distortion_classes():
    colours = ((0, QColor(0, 0, 0, 0), tr("No distortion")), (1, QColor("#e41a1c"), tr("Layover")),
               (2, QColor("#377eb8"), tr("Shadow")), (3, QColor("#984ea3"), tr("Layover and shadow")),
               (4, QColor("#ff7f00"), tr("Foreshortening")),
               (5, QColor("#a65628"), tr("Layover, foreshortening")),
               (6, QColor("#f781bf"), tr("Shadow, foreshortening")), (7, QColor("#999999"), tr("All")))
    return [QgsPalettedRasterRenderer.Class(v, c, label) for v, c, label in colours]


def _percentiles(layer, band, low, high):
    """Approximate (low, high) percentiles of a band from a sample histogram (values only)."""
    provider = layer.dataProvider()
    stats = provider.bandStatistics(band, QgsRasterBandStats.Min | QgsRasterBandStats.Max, layer.extent(),
                                    SAMPLE_SIZE)
    lo, hi = stats.minimumValue, stats.maximumValue
    if not (hi > lo):
        return lo, hi
    histogram = provider.histogram(band, 1000, lo, hi, layer.extent(), SAMPLE_SIZE)
    counts = list(histogram.histogramVector)
    total = sum(counts)
    if total <= 0:
        return lo, hi
    width = (hi - lo) / len(counts)
    out, running, targets = [], 0, [low * total, high * total]
    for i, count in enumerate(counts):
        running += count
        while targets and running >= targets[0]:
            out.append(lo + (i + 1) * width)
            targets.pop(0)
    while len(out) < 2:
        out.append(hi)
    return out[0], out[1]


def _ramp_renderer(layer, band, vmin, vmax, colours):
    """Single-band pseudocolour renderer, linear ramp of ``colours`` from vmin to vmax."""
    if not vmax > vmin:
        vmax = vmin + 1.0
    items = [QgsColorRampShader.ColorRampItem(vmin + (vmax - vmin) * i / (len(colours) - 1), QColor(c),
                                              f"{vmin + (vmax - vmin) * i / (len(colours) - 1):.3g}")
             for i, c in enumerate(colours)]
    ramp = QgsColorRampShader(vmin, vmax)
    ramp.setColorRampType(QgsColorRampShader.Interpolated)
    ramp.setColorRampItemList(items)
    ramp.setClip(False)
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(ramp)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, shader)
    renderer.setClassificationMin(vmin)
    renderer.setClassificationMax(vmax)
    return renderer


def _true_colour_renderer(layer):
    """Bands 1, 2, 3 as red, green, blue, one linear stretch 0 .. max 98th percentile (reflectance)."""
    provider = layer.dataProvider()
    top = max(_percentiles(layer, band, 0.02, 0.98)[1] for band in (1, 2, 3))
    top = top if top > 0 else 1.0
    renderer = QgsMultiBandColorRenderer(provider, 1, 2, 3)
    for band, setter in ((1, renderer.setRedContrastEnhancement), (2, renderer.setGreenContrastEnhancement),
                         (3, renderer.setBlueContrastEnhancement)):
        stretch = QgsContrastEnhancement(provider.dataType(band))
        stretch.setContrastEnhancementAlgorithm(QgsContrastEnhancement.StretchToMinimumMaximum)
        stretch.setMinimumValue(0.0)
        stretch.setMaximumValue(top)
        setter(stretch)
    return renderer


def make_renderer(layer, kind, band=1):
    """The renderer of ``kind`` for ``layer`` (a QgsRasterLayer); ValueError for an unknown kind."""
    provider = layer.dataProvider()
    if kind in (MASK, DISTORTION):
        classes = _mask_classes() if kind == MASK else _distortion_classes()
        renderer = QgsPalettedRasterRenderer(provider, band, classes)
        renderer.setNodataColor(NO_DATA_GREY)
        return renderer
    if kind == UNIT:
        return _ramp_renderer(layer, band, 0.0, 1.0, SEQUENTIAL_COLOURS)
    if kind == SIGNED_UNIT:
        return _ramp_renderer(layer, band, -1.0, 1.0, DIVERGING_COLOURS)
    if kind == DIVERGING:
        lo, hi = _percentiles(layer, band, 0.02, 0.98)
        extent = max(abs(lo), abs(hi)) or 1.0
        return _ramp_renderer(layer, band, -extent, extent, DIVERGING_COLOURS)
    if kind == SEQUENTIAL:
        lo, hi = _percentiles(layer, band, 0.02, 0.98)
        return _ramp_renderer(layer, band, lo, hi, SEQUENTIAL_COLOURS)
    if kind == TRUE_COLOUR:
        return _true_colour_renderer(layer)
    raise ValueError(f"unknown output style {kind!r}; expected one of {KINDS}")


def apply(layer, kind, band=1):
    """Set the renderer of ``kind`` on ``layer`` and refresh it."""
    layer.setRenderer(make_renderer(layer, kind, band))
    layer.triggerRepaint()
