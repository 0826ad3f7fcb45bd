"""Block-by-block SAR-to-optical inference on rasters (numpy, GDAL, onnxruntime: no torch).

``translate_raster`` streams a SAR raster (VV/VH in dB, linear power or
amplitude; any two bands) and, for the DEM fusions, a DEM through an
exported model: the DEM is warped onto the SAR grid on the fly (an in-memory
GDAL VRT, bilinear, any CRS) when its grid differs, after checking that it
covers the SAR extent; both are stacked in a VRT and read in blocks with a
halo by the block engine (``core.engine.raster_blocks.map_raster``); every block
goes through the framework runner (``models.framework.runner``: tiles blended
with raised-cosine weights), the optional contrast enhancement
(``core.translation.contrast``) runs on the block with its halo, and the core is
written. Memory is bounded by the block size, not the scene.

The output bands are B04, B03, B02, B08 (schema.RGB_NIR_ORDER): red, green,
blue first, so the GeoTIFF loads in QGIS as a true-colour layer. Reflectance
(0..1), float32, NaN = no data (where the SAR or the DEM is no data).
"""
import uuid

import numpy as np
from osgeo import gdal, osr

from ...core.engine import scale as scales
from ...core.engine.raster_blocks import geotiff_options, map_raster, open_readonly, read_info, stack_vrt
from ...core.engine.raster_sampling import block_sample, check_input_scale
from ...core.translation import contrast as contrast_ops
from ..framework import runner
from . import schema
from .conditions import grid_conditions

#: Block side (pixels) of the block engine. Each block runs with its halo as one tile (the default), so
#: the share of the network's work that is halo is 1 - (block / (block + 2 halo))^2: 29 % at 512 px,
#: 16 % at 1024 px (benchmarks/sar_to_optical_speed.py); a 1120-px tile adds about 300 MiB to the
#: peak memory (608 px: 80 MiB), measured on the shipped model.
DEFAULT_BLOCK = 1024
#: Default halo per block side (pixels). SARDINet's outputs depend on inputs less than 48 px away
#: (pooling to 1/8 and 5 x 5 decoder convolutions): with this halo a block equals the whole-image
#: run (within 1e-5 beyond that reach from no data); with 32 px only the pixels within 16 px of an inner
#: block edge differ (tests/test_sar_to_optical.py; by a few hundredths of reflectance on its test model).
DEFAULT_MARGIN = 48
#: Edge points per side of the SAR extent checked against the DEM's extent.
EDGE_POINTS = 21
#: GeoTIFF compression of the output by default: none. ZSTD level 1 (the engine's default) made the file
#: 11 % smaller on the speed benchmark's 4096 x 4096 output (float32 reflectance hardly compresses without
#: a predictor) and took 0.4-0.5 CPU s of about 5.6, on 2 cores 5-12 % of the throughput (5.08 against
#: 5.77 MPix/s, then 5.27 against 5.57, medians of 5 and 7 fresh processes alternated;
#: benchmarks/results/sar_to_optical_speed.md).
DEFAULT_COMPRESS = False


def open_model(path, threads=2):
    """The model as a ``TiledModel`` with ``.info`` (metadata) and ``.summary`` (fusion, needs_dem, bands).

    ValueError naming the model when it is not a sar_to_optical model.
    """
    model = runner.load(path, kind=schema.KIND, version=schema.VERSION, threads=threads)
    fusion, needs_dem, bands = schema.model_summary(model.info)
    model.summary = {"fusion": fusion, "needs_dem": needs_dem, "bands": bands,
                     "needs_date": schema.needs_conditions(model.info)}
    return model


def check_db_scale(path, bands):
    """ValueError when rasters declared dB look like linear power (non-negative, median below 1)."""
    dataset = open_readonly(path)
    for b in bands:
        values = block_sample(dataset, b, 250_000)
        finite = values[np.isfinite(values)]
        if finite.size and float(np.mean(finite >= 0)) > 0.99 and float(np.median(finite)) < 1.0:
            raise ValueError(f"band {b} holds only non-negative values with median {np.median(finite):.3g}, "
                             "which looks like linear power, not dB: set the input scale to linear power")


def _extent_points(info):
    gt = info.geotransform
    t = np.linspace(0.0, 1.0, EDGE_POINTS)
    cols = np.concatenate([t, np.ones_like(t), t[::-1], np.zeros_like(t)]) * info.xsize
    rows = np.concatenate([np.zeros_like(t), t, np.ones_like(t), t[::-1]]) * info.ysize
    return gt[0] + cols * gt[1] + rows * gt[2], gt[3] + cols * gt[4] + rows * gt[5]


def _srs(wkt):
    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def same_grid(a, b):
    """True when RasterInfos ``a`` and ``b`` share size, geotransform and CRS."""
    same_crs = (not a.projection and not b.projection) or (
        bool(a.projection) and bool(b.projection) and _srs(a.projection).IsSame(_srs(b.projection)))
    return ((a.xsize, a.ysize) == (b.xsize, b.ysize) and bool(a.geotransform) and bool(b.geotransform)
            and np.allclose(a.geotransform, b.geotransform) and same_crs)


def check_dem_covers(sar_info, dem_info):
    """ValueError unless the DEM's extent covers the SAR extent (edges transformed to the DEM's CRS)."""
    if not sar_info.geotransform or not dem_info.geotransform:
        raise ValueError("the SAR raster or the DEM has no georeferencing: both need a geotransform")
    if bool(sar_info.projection) != bool(dem_info.projection):
        raise ValueError("one of the SAR raster and the DEM has no CRS: assign the CRS of both")
    x, y = _extent_points(sar_info)
    if sar_info.projection:
        transform = osr.CoordinateTransformation(_srs(sar_info.projection), _srs(dem_info.projection))
        pts = np.array(transform.TransformPoints(list(zip(x.tolist(), y.tolist()))))
        x, y = pts[:, 0], pts[:, 1]
    gt = dem_info.geotransform
    det = gt[1] * gt[5] - gt[2] * gt[4]
    col = ((x - gt[0]) * gt[5] - (y - gt[3]) * gt[2]) / det
    row = ((y - gt[3]) * gt[1] - (x - gt[0]) * gt[4]) / det
    tol = 0.5  # half a DEM pixel
    inside = (col >= -tol) & (col <= dem_info.xsize + tol) & (row >= -tol) & (row <= dem_info.ysize + tol)
    if not inside.all():
        raise ValueError(f"the DEM (columns 0..{dem_info.xsize}, rows 0..{dem_info.ysize}) does not cover "
                         f"the SAR extent: the SAR edges reach DEM columns {col.min():.0f}..{col.max():.0f}, "
                         f"rows {row.min():.0f}..{row.max():.0f}; give a DEM covering the whole scene")


def dem_on_grid(dem_path, sar_info):
    """(path of the DEM on the SAR grid, True when it is a temporary /vsimem VRT to unlink).

    The DEM itself when it already has the SAR grid; else an in-memory warped
    VRT (bilinear, NaN outside). ValueError when it does not cover the SAR extent.
    """
    dem_info = read_info(dem_path)
    check_dem_covers(sar_info, dem_info)
    if same_grid(sar_info, dem_info):
        return dem_path, False
    gt = sar_info.geotransform
    if gt[2] or gt[4]:
        raise ValueError("the SAR raster is rotated (geotransform terms 2 and 4): resample it north-up first")
    bounds = (gt[0], gt[3] + gt[5] * sar_info.ysize, gt[0] + gt[1] * sar_info.xsize, gt[3])
    path = f"/vsimem/sar_change_dem_{uuid.uuid4().hex}.vrt"
    options = gdal.WarpOptions(format="VRT", outputBounds=bounds, width=sar_info.xsize, height=sar_info.ysize,
                               dstSRS=sar_info.projection or None, resampleAlg="bilinear",
                               outputType=gdal.GDT_Float32, dstNodata=float("nan"))
    ds = gdal.Warp(path, dem_path, options=options)
    if ds is None:
        raise ValueError(f"GDAL could not warp the DEM {dem_path} onto the SAR grid")
    ds = None
    return path, True


def output_order(output_bands):
    """Indices into the model's output of ``output_bands`` (names from schema.OPTICAL_BANDS)."""
    unknown = [b for b in output_bands if b not in schema.OPTICAL_BANDS]
    if unknown or not output_bands:
        raise ValueError(f"output bands {list(output_bands)}: choose among {schema.OPTICAL_BANDS}")
    return [schema.OPTICAL_BANDS.index(b) for b in output_bands]


def translate_block(model, data, scale, needs_dem, contrast=None, contrast_options=None, tile=None,
                    overlap=None, output_bands=schema.RGB_NIR_ORDER, conditions=None):
    """Reflectance (len(output_bands), rows, cols) of one block: ``data`` (2 or 3, rows, cols) float32
    with VV, VH in ``scale`` (then the DEM, m), NaN = no data; ``conditions``: the (5,) acquisition
    conditions of a conditioned model (conditions.py)."""
    sar = data[:2]
    if scale != scales.DB:
        sar = scales.from_linear_power(scales.to_linear_power(sar, scale), scales.DB)
        sar = np.where(np.isfinite(sar), sar, np.nan).astype(np.float32)
    inputs = {schema.INPUT_SAR: sar}
    if needs_dem:
        inputs[schema.INPUT_DEM] = data[2:3]
    if conditions is not None:
        inputs[schema.INPUT_CONDITIONS] = np.asarray(conditions, np.float32).reshape(1, -1)
    out = model.predict(inputs, tile=tile, overlap=overlap)
    out = out[output_order(output_bands)]
    if contrast not in (None, "none"):
        out = contrast_ops.enhance(out, contrast, **(contrast_options or {}))
    return out


def translate_raster(sar_path, out_path, model, dem_path=None, bands=(1, 2), scale=scales.DB, contrast=None,
                     contrast_options=None, tile=None, overlap=None, block=DEFAULT_BLOCK, margin=None,
                     threads=2, progress=None, is_canceled=None, output_bands=schema.RGB_NIR_ORDER,
                     date=None, compress=DEFAULT_COMPRESS):
    """Translate ``sar_path`` into optical reflectance at ``out_path`` (GeoTIFF; see the module docstring).

    ``model``: a path or ``open_model``'s result; ``bands``: 1-based (VV, VH)
    band numbers; ``scale``: core.engine.scale name of the SAR values; ``contrast``:
    None, 'laplacian' or 'wiener' (options to ``core.translation.contrast.enhance``);
    ``tile``, ``overlap``: pixels (tile None: each block with its halo is one
    tile, overlap 0 unless given); ``block``: block side, pixels; ``margin``:
    halo per side, pixels (default the model's overlap, at least DEFAULT_MARGIN);
    ``threads``: blocks run at once, each on one onnxruntime thread (the peak
    memory grows by a block's network activations per thread); ``output_bands``: the
    bands written, in order (default B04, B03, B02, B08); ``date``: the
    acquisition date (a date or 'YYYY-MM-DD'), needed by conditioned models
    (summary "needs_date"): the sun and season of the optical image come from it
    and the raster's centre; they are fixed in the graph for the whole raster
    (``TiledModel.specialised``); ``compress``: write the GeoTIFF compressed
    (ZSTD level 1 or DEFLATE, ``geotiff_options``) instead of uncompressed (see
    DEFAULT_COMPRESS; the values are the same). Returns a dict with the model summary, the
    block layout, the conditions used and whether they were fixed in the graph
    ("conditions_in_graph": False without the ``onnx`` package).
    """
    output_order(output_bands)
    if not hasattr(model, "summary"):
        model = open_model(model, 1)
    # ``threads`` blocks at once, each through onnxruntime on one thread: the runs do not wait for each
    # other inside the graph, and the reader and the writer fill the gaps (benchmarks/sar_to_optical_speed.py)
    workers = max(1, int(threads))
    model = model.with_threads(1)
    needs_dem = model.summary["needs_dem"]
    info = read_info(sar_path)
    for b in bands:
        if not 1 <= int(b) <= info.bands:
            raise ValueError(f"{sar_path} has {info.bands} band(s); band {b} does not exist: choose the VV "
                             "and VH bands")
    if scale == scales.DB:
        check_db_scale(sar_path, bands)
    else:
        check_input_scale(sar_path, scale, bands)
    if needs_dem and not dem_path:
        raise ValueError(f"the model uses the DEM (fusion {model.summary['fusion']!r}): give a DEM (m)")
    conditions = None
    if model.summary.get("needs_date"):
        if date is None:
            raise ValueError("the model is conditioned on the acquisition date (sun and season of the "
                             "optical image): give the date of the SAR acquisition")
        conditions = grid_conditions(date, info.geotransform, info.projection, (info.ysize, info.xsize))
        # One vector for the whole raster: fixed in the graph, onnxruntime computes the FiLM scales and
        # shifts once at load and folds them into the operators that use them (the general graph when
        # the ``onnx`` package is missing; same outputs up to float32 rounding).
        model = model.specialised({schema.INPUT_CONDITIONS: conditions[None]})
    m = model.size_multiple
    margin = max(DEFAULT_MARGIN, model.overlap) if margin is None else int(margin)
    margin = -(-margin // m) * m
    block = max(m, int(block) // m * m)
    if tile is None:  # one tile per block: the halo already gives the model its context, and cutting
        # a block plus halo into model-sized tiles ran the network on up to 4 times the pixels
        tile, overlap = block + 2 * margin, 0 if overlap is None else overlap
    unlink = []
    try:
        sources = [sar_path]
        read_bands = [int(b) for b in bands]
        if needs_dem:
            dem, temporary = dem_on_grid(dem_path, info)
            if temporary:
                unlink.append(dem)
            sources.append(dem)
            read_bands.append(info.bands + 1)
        stacked = stack_vrt(sources)
        unlink.append(stacked)

        def func(data):
            return translate_block(model, data, scale, needs_dem, contrast, contrast_options, tile, overlap,
                                   output_bands, conditions)

        map_raster(stacked, out_path, func, margin, len(output_bands), bands=read_bands, block=block,
                   threads=workers, progress=progress, is_canceled=is_canceled,
                   descriptions=list(output_bands), nodata=float("nan"),
                   creation_options=None if compress else geotiff_options(compress="NONE"))
    finally:
        for path in unlink:
            gdal.Unlink(path)
    mark_colours(out_path, output_bands)
    return {**model.summary, "block": block, "margin": margin,
            "conditions": None if conditions is None else [float(v) for v in conditions],
            "conditions_in_graph": schema.INPUT_CONDITIONS in model.folded}


def mark_colours(path, output_bands):
    """Set the GDAL colour interpretation of the B04, B03, B02 bands of ``path`` to red, green, blue."""
    colours = {"B04": gdal.GCI_RedBand, "B03": gdal.GCI_GreenBand, "B02": gdal.GCI_BlueBand}
    ds = gdal.Open(str(path), gdal.GA_Update)
    for i, band in enumerate(output_bands):
        ds.GetRasterBand(i + 1).SetColorInterpretation(colours.get(band, gdal.GCI_Undefined))
    ds = None
