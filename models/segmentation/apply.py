"""Apply a segmentation model to a SAR raster block by block (torch-free: numpy, GDAL, onnxruntime).

``segment_raster`` streams the raster through the block engine
(``core.engine.raster_blocks.map_raster``, a halo of ``MARGIN`` pixels per block);
inside each block the framework runner (``models.framework.runner``: tiles of
the model's tile size, Hann-blended overlaps, reflected padding, NaN filled
before and restored after) gives the class probabilities. Outputs:

- a class raster (Byte, value = class, 255 = no data) with a colour table and
  category names from the model's metadata (``classes``);
- optionally the per-class probabilities (Float32, one band per class, NaN =
  no data).

Inputs: the chosen SAR bands in linear power, amplitude or dB (converted to
dB, ``schema.sar_to_db``) and, when the model takes it, an incidence band in degrees. The model's
band count must match.
"""

import json
import os
from xml.sax.saxutils import escape

import numpy as np
from osgeo import gdal

from ...core.engine import raster_blocks as rb
from ..framework import runner
from . import schema

#: The shipped segmentation model (water / ice / land; written by ``benchmarks/segmentation.py --ship``).
SHIPPED_MODEL = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "segmentation.onnx"
)
#: Halo of each block (pixels, a multiple of the size multiple): covers most of the network's reach
#: (stride-16 features, 3x3 dilated ASPP); blocks then match the whole-image run within the tolerance
#: of tests/test_segmentation.py.
MARGIN = 64
SCALES = schema.SCALES


def load_model(path, threads=1):
    """A runner model of kind "segmentation" with its metadata in ``.info`` and ``.classes``."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError(
            f"segmentation model {path} does not exist: train one with 'Train SAR segmentation "
            "model' (sarchange:trainsegmentation)"
        )
    model = runner.load(path, kind=schema.KIND, threads=threads)
    model.classes = schema.read_classes(model.info)
    model.bands = schema.input_bands(model.info)
    return model


def model_input(data, n_sar, scale):
    """(C, H, W) float32 model input from block ``data``: the first ``n_sar`` bands to dB, the rest as is."""
    out = np.array(data, dtype=np.float32)
    out[:n_sar] = schema.sar_to_db(out[:n_sar], scale)
    return out


def classify(model, image, tile=None, overlap=None):
    """(classes float32 with NaN for no data, probabilities (K, H, W) float32) of a (C, H, W) image."""
    k = len(model.classes)
    valid = np.isfinite(image).all(0)
    if not valid.any():
        nan = np.full(image.shape[1:], np.nan, np.float32)
        return nan, np.full((k,) + image.shape[1:], np.nan, np.float32)
    probs = model.predict({schema.INPUT: image}, tile=tile, overlap=overlap)
    probs[:, ~valid] = np.nan
    classes = np.where(valid, np.nan_to_num(probs, nan=-1.0).argmax(0), np.nan).astype(np.float32)
    return classes, probs


def set_palette(path, classes):
    """Give band 1 of the GeoTIFF ``path`` the model's palette: a colour table and the class names (band
    metadata ``CLASSES``, JSON, and category names)."""
    ds = gdal.Open(os.fspath(path), gdal.GA_Update)
    band = ds.GetRasterBand(1)
    table = gdal.ColorTable()
    names = [""] * 256
    for entry in classes:
        r, g, b = schema.rgb(entry["colour"])
        table.SetColorEntry(int(entry["value"]), (r, g, b, 255))
        names[int(entry["value"])] = str(entry["name"])
    table.SetColorEntry(schema.IGNORE, (0, 0, 0, 0))
    band.SetRasterColorTable(table)
    band.SetRasterColorInterpretation(gdal.GCI_PaletteIndex)
    band.SetCategoryNames(names[: max(int(e["value"]) for e in classes) + 1])
    band.SetMetadataItem(schema.META_CLASSES, json.dumps(classes))
    band.SetDescription("class")
    ds.FlushCache()
    ds = None


def write_style(path, classes):
    """Write the QGIS style beside the raster ``path`` (``.qml``: paletted renderer of band 1 with the
    class names as labels, loaded by QGIS with the raster)."""
    with open(os.path.splitext(os.fspath(path))[0] + ".qml", "w", encoding="utf-8") as f:
        f.write(palette_qml(classes))


def palette_qml(classes):
    """A QGIS style (QML): paletted renderer of band 1, one entry per class (value, colour, name)."""
    entries = "\n".join(
        f'        <paletteEntry value="{int(e["value"])}" color="{e["colour"]}" '
        f'label="{escape(str(e["name"]), {chr(34): "&quot;"})}" alpha="255"/>'
        for e in classes
    )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.22" styleCategories="AllStyleCategories">\n  <pipe>\n'
        '    <rasterrenderer type="paletted" band="1" opacity="1" alphaBand="-1">\n'
        "      <rasterTransparency/>\n      <colorPalette>\n"
        f"{entries}\n      </colorPalette>\n    </rasterrenderer>\n  </pipe>\n</qgis>\n"
    )


def segment_raster(
    src_path,
    out_classes,
    model_path,
    bands=(1, 2),
    scale="db",
    incidence_band=None,
    out_probabilities=None,
    threads=1,
    block=rb.DEFAULT_BLOCK,
    progress=None,
    is_canceled=None,
    tile=None,
    overlap=None,
):
    """Segment ``src_path`` with the ONNX model ``model_path``; {classes, probabilities, classes_meta}.

    ``bands``: 1-based SAR bands in the model's order; ``scale``: "db" or
    "linear" (power); ``incidence_band``: 1-based band in degrees (when the
    model takes one); ``out_classes``: Byte GeoTIFF written (palette from the
    model); ``out_probabilities``: Float32 GeoTIFF (one band per class) or
    None. Files appear only when complete.
    """
    if scale not in SCALES:
        raise ValueError(f"scale {scale!r}: use one of {SCALES}")
    model = load_model(model_path, threads=threads)
    use = [int(b) for b in bands] + ([int(incidence_band)] if incidence_band else [])
    if model.bands and len(model.bands) != len(use):
        raise ValueError(
            f"the model takes {len(model.bands)} bands ({', '.join(model.bands)}); {len(use)} were "
            "given: choose the SAR bands in that order"
            + (" and the incidence band" if "incidence" in model.bands and not incidence_band else "")
        )
    n_sar = len(bands)
    k = len(model.classes)

    def func(data):
        classes, probs = classify(model, model_input(data, n_sar, scale), tile, overlap)
        return np.concatenate([classes[None], probs])

    tmp = rb.temporary_path(out_classes)
    names = [e["name"] for e in model.classes]
    try:
        rb.map_raster(
            src_path,
            tmp,
            func,
            MARGIN,
            1 + k,
            bands=use,
            block=block,
            threads=1,
            progress=progress,
            is_canceled=is_canceled,
            descriptions=["class"] + [f"p_{n}" for n in names],
            nodata=float("nan"),
        )
        # Each copy runs under the engine's GDAL cache cap (rb.translated_output), the NaN mask too.
        with rb.translated_output(tmp, out_classes, ["class"], bands=1, bandList=[1],
                                  outputType=gdal.GDT_Byte, noData=schema.IGNORE,
                                  creationOptions=rb.geotiff_options()) as part:
            _nan_to(part, schema.IGNORE, tmp)
            set_palette(part, model.classes)
        write_style(out_classes, model.classes)
        if out_probabilities:
            rb.translate_output(tmp, out_probabilities, [f"probability of {name}" for name in names], bands=k,
                                bandList=list(range(2, k + 2)), creationOptions=rb.geotiff_options())
    finally:  # the float stack (the copies clean up after themselves)
        if os.path.exists(tmp):
            os.remove(tmp)
    return {"classes": out_classes, "probabilities": out_probabilities, "classes_meta": model.classes}


def _nan_to(byte_path, value, float_path):
    """Set ``value`` in the Byte raster wherever the float raster's band 1 is NaN (block by block)."""
    src = gdal.Open(float_path)
    dst = gdal.Open(byte_path, gdal.GA_Update)
    b_src, b_dst = src.GetRasterBand(1), dst.GetRasterBand(1)
    for w in rb.block_windows(src.RasterXSize, src.RasterYSize, rb.DEFAULT_BLOCK, 0):
        x, y, cw, ch = w.core
        f = b_src.ReadAsArray(x, y, cw, ch)
        if np.isnan(f).any():
            d = b_dst.ReadAsArray(x, y, cw, ch)
            d[np.isnan(f)] = value
            b_dst.WriteArray(d, x, y)
    dst.FlushCache()
    src = dst = None
