"""File-level unsupervised change detection: fit a chain on a bounded sample, write the mask by blocks.

Two co-registered rasters (one band each used) are stacked in a VRT
(``core.engine.raster_blocks.stack_vrt``). The chain (``core.change.unsupervised``)
is fitted on the whole pair when it has at most ``max_fit_pixels`` pixels,
else on evenly spread ``FIT_TILE`` x ``FIT_TILE`` tiles totalling about that
many, so memory and fitting time do not grow with the scene. The mask is then
written block by block with a halo of the chain's margin through
``core.engine.raster_blocks.map_raster`` (tiled == whole image) and converted to a
uint8 GeoTIFF: 1 changed, 0 unchanged, 255 no data (a pixel that is no data
in either image). The optional DI is the chain's unsigned difference image
(float32, NaN no data). An optional exclusion mask (band 1 of a raster on the
same grid, non-zero = excluded, ``core.change.exclusion``) is stacked as a
third band: its pixels are no data for the fit and every window, written as
unchanged (0), and NaN in the DI.
"""
import os

import numpy as np
from osgeo import gdal

from ..engine import scale as scales
from ..engine.progress import progress_range
from ..engine.raster_blocks import (
    Window,
    block_windows,
    geotiff_options,
    map_raster,
    open_readonly,
    read_block,
    read_info,
    stack_vrt,
    temporary_path,
    translate_output,
)
from . import exclusion
from . import unsupervised as us

MAX_FIT_PIXELS = 1_000_000
FIT_TILE = 512
BLOCK = 256
NODATA = 255


def fit_windows(xsize, ysize, max_pixels=MAX_FIT_PIXELS, tile=FIT_TILE):
    """Windows to fit on: the whole image if small enough, else evenly spread tiles."""
    if xsize * ysize <= max_pixels:
        return [Window((0, 0, xsize, ysize), (0, 0, xsize, ysize))]
    tiles = block_windows(xsize, ysize, tile, 0)
    # Tiles of the first tile's size only: the chain is fitted on a stack of equal tiles, and the last
    # column and row of a scene whose size is no multiple of the tile are narrower.
    tiles = [t for t in tiles if tuple(t.core[2:]) == tuple(tiles[0].core[2:])]
    count = max(1, min(len(tiles), max_pixels // (tile * tile)))
    picks = np.unique(np.linspace(0, len(tiles) - 1, count).round().astype(int))
    return [Window(tiles[i].core, tiles[i].core) for i in picks]


def read_fit_tiles(vrt, bands, scale, max_pixels=MAX_FIT_PIXELS):
    """(p1 tiles, p2 tiles) in linear power from VRT bands ``bands`` = (image 1 band, image 2 band[,
    exclusion mask band]); with a mask band its excluded pixels are NaN (``core.change.exclusion``)."""
    info = read_info(vrt)
    ds = open_readonly(vrt)
    p1, p2 = [], []
    for window in fit_windows(info.xsize, info.ysize, max_pixels):
        blocks = [read_block(ds.GetRasterBand(n), window, info.nodata[n - 1]) for n in bands]
        a, b = (scales.to_linear_power(x, scale) for x in blocks[:2])
        if len(blocks) > 2:
            a, b = exclusion.masked_pair(a, b, blocks[2])
        p1.append(a)
        p2.append(b)
    return p1, p2


def detect_rasters(src_1, src_2, dst_mask, band_1=1, band_2=1, config=us.DEFAULT, scale=scales.LINEAR_POWER,
                   floor=None, dst_di=None, seed=0, max_fit_pixels=MAX_FIT_PIXELS, block=BLOCK,
                   progress=None, is_canceled=None, exclude=None):
    """Unsupervised change mask of band ``band_1`` of ``src_1`` (earlier) vs ``band_2`` of ``src_2``.

    ``scale``: storage of both images (``core.engine.scale``); ``floor``: linear power
    floor for ratios (None: refuse power <= 0); ``dst_di``: optional path for
    the chain's DI; ``exclude``: optional exclusion mask raster (band 1, same
    grid; module docstring). Returns ``(FittedChain, counts)``, counts a dict of
    changed / unchanged / nodata pixels of the written mask and (0 without a
    mask) the excluded pixels valid in both images, counted as unchanged. Raises
    ``core.engine.raster_blocks.Cancelled`` (no output left) when ``is_canceled()``.
    """
    config.check()
    info_1 = read_info(src_1)
    # The images' palettes (if any) are read as grey levels, the exclusion mask as stored (its indices).
    vrt = stack_vrt([src_1, src_2] + ([exclude] if exclude else []), raw=(2,))
    bands = [band_1, info_1.bands + band_2]
    if exclude:
        bands.append(info_1.bands + read_info(src_2).bands + 1)
    out_bands = len(bands) - 1  # the mask, and the excluded pixels' flag when there is a mask
    tmp = temporary_path(dst_mask)
    try:
        p1, p2 = read_fit_tiles(vrt, bands, scale, max_fit_pixels)
        if exclude and not any(np.isfinite(a).any() and np.isfinite(b).any() for a, b in zip(p1, p2)):
            raise ValueError("the exclusion mask leaves no pixel of the fitting sample valid in both images: "
                             "exclude less (non-zero = excluded) or check the mask")
        fitted = us.fit_chain(p1, p2, config, floor, seed)
        del p1, p2
        if progress is not None:
            progress(20.0)

        def pair(data):
            return scales.to_linear_power(data[0], scale), scales.to_linear_power(data[1], scale)

        def labels(data):
            p1, p2 = pair(data)
            mask = exclusion.labels_with(fitted.labels, p1, p2, data[2] if exclude else None)
            out = np.where(mask == us.NODATA, np.float32(np.nan), mask.astype(np.float32))[None]
            if not exclude:
                return out
            flag = (exclusion.excluded(data[2]) & np.isfinite(p1) & np.isfinite(p2)).astype(np.float32)
            return np.concatenate([out, flag[None]])

        map_raster(vrt, tmp, labels, fitted.margin, out_bands, bands=bands, nodata=NODATA, block=block,
                   progress=progress_range(progress, 20, 90 if dst_di else 98), is_canceled=is_canceled)
        excluded = 0
        if exclude:
            flag_ds = open_readonly(tmp)
            excluded = int(flag_ds.GetRasterBand(2).GetHistogram(-0.5, 1.5, 2, False, False)[1])
            flag_ds = None
        translate_output(tmp, dst_mask, ["change (1 changed, 0 unchanged, 255 no data)"], bands=1,
                         outputType=gdal.GDT_Byte, noData=NODATA, creationOptions=geotiff_options(),
                         bandList=[1])
        mask_ds = open_readonly(dst_mask)
        hist = mask_ds.GetRasterBand(1).GetHistogram(-0.5, 255.5, 256, False, False)
        mask_ds = None
        valid = hist[us.CHANGED] + hist[us.UNCHANGED]  # GDAL leaves the no-data value out
        counts = (hist[us.CHANGED], hist[us.UNCHANGED], read_info(vrt).xsize * read_info(vrt).ysize - valid)
        if dst_di:
            def di(data):
                p1, p2 = pair(data)
                if exclude:
                    p1, p2 = exclusion.masked_pair(p1, p2, data[2])
                return fitted.difference_image(p1, p2)[None]

            reach = us.despeckle_margin(config) + us.di_margin(config.di)
            map_raster(vrt, dst_di, di, reach, 1, bands=bands, nodata=float("nan"),
                       block=block, descriptions=[us.DI_LABELS[config.di]],
                       progress=progress_range(progress, 90, 98), is_canceled=is_canceled)
    finally:
        gdal.Unlink(vrt)
        if os.path.exists(tmp):
            os.remove(tmp)
    if progress is not None:
        progress(100.0)
    return fitted, {"changed": int(counts[0]), "unchanged": int(counts[1]), "nodata": int(counts[2]),
                    "excluded": excluded}
