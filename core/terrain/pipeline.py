"""File-level terrain pipelines in bounded memory: terrain geometry and radiometric terrain flattening.

QGIS-free: paths and options in, GeoTIFFs out, progress through a callback
(percent), cancel through ``is_canceled() -> bool`` (raises ``Cancelled``),
messages through ``log(text)``. The Processing algorithms only declare
parameters, validate them and call ``terrain_geometry`` or
``terrain_flattening``; any other runner (batch, Dask) calls the same.

How the ray tracing along range streams (``core.terrain.range_trace``): a
pixel's layover/shadow flags and simulated sigma0 depend only on terrain
within a bounded distance along its range line, the *reach*, set by the
height and incidence ranges of the whole DEM (about (max - min height) x
(cot + tan of the incidence): 3.2 km for 1500 m of relief at 35 degrees).
A first pass reads the DEM once for those ranges (and a median reference
height); the tracing then runs through the block engine on blocks whose
margins cover the reach along range (wide margins along the look direction,
narrow across it; blocks elongated the same way), so every block is
computed independently, in parallel, with a GDAL cache cap, and the result
equals the whole-raster one bit for bit whatever the blocks (the running
maxima are exact and every slant-range cell sums its contributions in the
same order). Slope, aspect, the range slope and the angle outputs come from
one Horn slope per block, the mask and the simulation from one tracing.
Memory is bounded by the block size (a few blocks in flight), not the DEM.
Why margins rather than a sweep carrying the running maxima from block to
block along range: the blocks stay independent (two workers, any order,
cancel per block, the same engine as every other stage) and there is no
state to get wrong at block seams; the price is that the nodes within the
reach of a block's edge are traced by both neighbours (about 1.5 x the
nodes for 1024-pixel blocks and a 2.4 km reach, 1.2 x for 2048), and the blocks are
elongated along range to keep that share small.

DEM voids (NaN, or NaN incidence) are filled before the tracing so that the
terrain around them is simulated sensibly (``flattening.fill_voids`` on each
512-pixel block with a ``FILL_MARGIN`` margin, into a temporary raster; a
block with no valid height around it takes the median height); they stay no
data in every output. The whole-array functions of ``core.terrain.flattening``
fill voids over the whole DEM at once, so near voids the two can differ (by
the interpolation, not by the tracing).
"""
import math
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from ..engine import scale as scales
from ..engine.cancel import Cancelled
from ..engine.progress import progress_range
from ..engine.raster_blocks import (
    GTIFF_TILE,
    OutputRaster,
    block_windows,
    gdal_cache_budget,
    map_raster,
    map_raster_outputs,
    open_readonly,
    output_nodata,
    read_block,
    read_info,
    stack_vrt,
)
from . import flattening, products
from . import geometry as terrain

SLOPE = terrain.SLOPE_OUT
ASPECT = terrain.ASPECT_OUT
LOCAL_INCIDENCE = terrain.LOCAL_INCIDENCE_OUT
PROJECTED_LOCAL_INCIDENCE = terrain.PROJECTED_LOCAL_INCIDENCE_OUT
DISTORTION_MASK = "distortion_mask"
SIMULATED_SAR = "simulated_sar"
#: Output names of ``terrain_geometry``, in band order.
GEOMETRY_OUTPUTS = terrain.ANGLE_OUTPUTS + (DISTORTION_MASK, SIMULATED_SAR)
#: No-data value of the uint8 distortion mask.
MASK_NODATA = 255
#: Pixels read around each 512-pixel block when filling voids.
FILL_MARGIN = 4 * flattening.FILL_BAND
#: Pixels of the DEM sampled (on a regular grid) for the median reference height.
MEDIAN_SAMPLE = 1_000_000
#: Longest side of a tracing block (pixels); the other is one GeoTIFF tile row.
MAX_BLOCK = 2048


@dataclass(frozen=True)
class Incidence:
    """The ellipsoid incidence: ``radians`` everywhere, or band ``band`` of raster ``path`` on the DEM grid.

    ``degrees``: the raster holds degrees (else radians).
    """

    radians: float = None
    path: str = None
    band: int = 1
    degrees: bool = True

    def to_radians(self, values):
        return np.radians(values) if self.degrees else values


@dataclass(frozen=True)
class DemStats:
    """What the tracing must know of a whole DEM (heights in metres, angles in radians)."""

    valid: int
    h_min: float
    h_max: float
    median: float
    voids: bool
    theta_min: float
    theta_max: float
    theta_median: float


def scan_dem(dem_path, incidence, is_canceled=None):
    """One pass over the DEM (and incidence raster): ranges, voids and a median height (``DemStats``).

    Valid pixels have a finite height and incidence. The median is taken on a
    regular sample of at most about ``MEDIAN_SAMPLE`` pixels (exact below
    that size). Bounded memory.
    """
    with gdal_cache_budget():  # GDAL keeps what it reads: cap it as the block engine does
        return _scan(dem_path, incidence, is_canceled)


def _scan(dem_path, incidence, is_canceled):
    info = read_info(dem_path)
    stride = max(1, int(math.ceil(math.sqrt(info.xsize * info.ysize / MEDIAN_SAMPLE))))
    datasets = [open_readonly(dem_path)] + ([open_readonly(incidence.path)] if incidence.path else [])
    dem = datasets[0].GetRasterBand(1)  # the datasets stay referenced while their bands are read
    inc = datasets[1].GetRasterBand(incidence.band) if incidence.path else None
    inc_nodata = inc.GetNoDataValue() if inc is not None else None
    valid, h_lo, h_hi, t_lo, t_hi = 0, np.inf, -np.inf, np.inf, -np.inf
    voids = False
    heights, angles = [], []
    for window in block_windows(info.xsize, info.ysize, GTIFF_TILE):
        if is_canceled is not None and is_canceled():
            raise Cancelled("cancelled by the user")
        z = read_block(dem, window, info.nodata[0])
        ok = np.isfinite(z)
        theta = None
        if inc is not None:
            theta = read_block(inc, window, inc_nodata)
            ok &= np.isfinite(theta)
        voids |= not ok.all()
        if not ok.any():
            continue
        valid += int(ok.sum())
        h_lo, h_hi = min(h_lo, float(z[ok].min())), max(h_hi, float(z[ok].max()))
        x0, y0 = window.core[0], window.core[1]
        sample = (slice((-y0) % stride, None, stride), slice((-x0) % stride, None, stride))
        heights.append(z[sample][ok[sample]])
        if theta is not None:
            t_lo, t_hi = min(t_lo, float(theta[ok].min())), max(t_hi, float(theta[ok].max()))
            angles.append(theta[sample][ok[sample]])
    median = float(np.median(np.concatenate(heights))) if valid else float("nan")
    if inc is None:
        t_lo = t_hi = t_med = float(incidence.radians)
    elif valid:
        t_med = float(incidence.to_radians(np.median(np.concatenate(angles).astype(np.float64))))
        t_lo, t_hi = (float(v) for v in incidence.to_radians(np.array([t_lo, t_hi], dtype=np.float64)))
    else:
        t_lo = t_hi = t_med = float("nan")
    return DemStats(valid, h_lo, h_hi, median, voids, t_lo, t_hi, t_med)


def _edge_range(path, band=1):
    """(min, max) of the heights the edge extension adds (``products.extended_range`` of the edge strips)."""
    info = read_info(path)
    dataset = open_readonly(path)
    ds = dataset.GetRasterBand(band)
    depth = products.EDGE_PAD + 1
    lo, hi = np.inf, -np.inf
    rows, cols = min(depth, info.ysize), min(depth, info.xsize)
    for x, y, w, h in ((0, 0, info.xsize, rows), (0, info.ysize - rows, info.xsize, rows),
                       (0, 0, cols, info.ysize), (info.xsize - cols, 0, cols, info.ysize)):
        strip = ds.ReadAsArray(x, y, w, h).astype(np.float64)
        a, b = products.extended_range(strip)
        if np.isfinite(a):
            lo, hi = min(lo, a), max(hi, b)
    return lo, hi


def _fill_voids(source, bands, stats, incidence, dst, progress, is_canceled):
    """Write the DEM (and incidence) with voids filled, block by block, to ``dst``; returns ``dst``."""
    with_theta = len(bands) == 2
    median_theta = stats.theta_median
    if with_theta and incidence.degrees:
        median_theta = math.degrees(median_theta)

    def fill(block):
        z = block[0].astype(np.float64)
        voids = ~np.isfinite(z)
        theta = None
        if with_theta:
            theta = block[1].astype(np.float64)
            bad = ~np.isfinite(theta)
            voids |= bad
            if bad.all():
                theta[:] = median_theta
            elif bad.any():
                theta = flattening._nearest_fill(theta, bad)
        if voids.all():
            z[:] = stats.median
        elif voids.any():
            z = flattening.fill_voids(np.where(voids, np.nan, z))
        return np.stack([z, theta]) if with_theta else z[None]

    return map_raster(source, dst, fill, FILL_MARGIN, len(bands), bands=bands, nodata=float("nan"),
                      progress=progress, is_canceled=is_canceled)


def tracing_blocks(rows, cols):
    """((block x, block y), (margin x, margin y)) for tracing margins of ``rows`` x ``cols`` pixels.

    Blocks are elongated along the wider margin (up to ``MAX_BLOCK`` pixels,
    about six margins), one GeoTIFF tile row across it.
    """
    def long_side(margin):
        return int(min(MAX_BLOCK, max(GTIFF_TILE, GTIFF_TILE * math.ceil(6 * margin / GTIFF_TILE))))

    block = (long_side(cols), GTIFF_TILE) if cols >= rows else (GTIFF_TILE, long_side(rows))
    return block, (cols, rows)


def _blocks(tracing):
    """``tracing_blocks`` of a ``products.Tracing``'s margins."""
    return tracing_blocks(*tracing.margins())


def _traced_pass(dem_path, incidence, dx, dy, heading_deg, right_looking, mask, simulate, targets, make,
                 scratch, progress=None, is_canceled=None):
    """Scan, fill and trace the DEM; ``make(found, voids)`` turns each block's products into output planes.

    ``found``: ``products.window_products``' dict for the block's core,
    ``voids`` its no-data pixels; ``make`` returns the planes of every
    target, in order. Returns the DemStats. Raises ValueError when the DEM
    holds no valid height.
    """
    info = read_info(dem_path)
    stats = scan_dem(dem_path, incidence, is_canceled)
    if not stats.valid:
        raise ValueError("the DEM holds no valid height (with a valid incidence)")
    if progress:
        progress(10)
    paths = [dem_path] + ([incidence.path] if incidence.path else [])
    bands = [1] + ([info.bands + incidence.band] if incidence.path else [])
    vrts = [stack_vrt(paths)]
    start = 10
    try:
        traced_path, traced_bands = vrts[0], list(bands)
        if stats.voids:
            filled = _fill_voids(vrts[0], bands, stats, incidence, os.path.join(scratch, "filled.tif"),
                                 progress_range(progress, 10, 25), is_canceled)
            vrts.append(stack_vrt([vrts[0], filled]))
            n = read_info(vrts[0]).bands
            traced_path = vrts[-1]
            traced_bands = bands + [n + 1 + i for i in range(len(bands))]
            start = 25
        with gdal_cache_budget():
            edge = _edge_range(filled if stats.voids else dem_path)
        h_range = (min(stats.h_min, edge[0]), max(stats.h_max, edge[1]))
        theta_ref = stats.theta_median
        tracing = products.Tracing.for_raster(info.ysize, info.xsize, dx, dy, heading_deg, right_looking,
                                              stats.median, theta_ref, h_range,
                                              (stats.theta_min, stats.theta_max), mask, simulate)
        func = _window_function(tracing, info, dx, dy, incidence, stats.voids, make)
        block, margin = _blocks(tracing)
        map_raster_outputs(traced_path, targets, func, margin, bands=traced_bands, block=block,
                           progress=progress_range(progress, start, 100), is_canceled=is_canceled,
                           with_window=True)
    finally:
        for vrt in vrts:
            gdal.Unlink(vrt)
    return stats


def _window_function(tracing, info, dx, dy, incidence, filled, make):
    """``func(data, window)`` for the block engine: extend, trace, ``make`` the planes, place them."""
    pad = products.EDGE_PAD
    shape = (info.ysize, info.xsize)
    with_theta = incidence.path is not None

    def func(data, window):
        rx, ry, rw, rh = window.read
        cx, cy, cw, ch = window.core
        voids = ~np.isfinite(data[0])
        if with_theta:
            voids |= ~np.isfinite(data[1])
        z = data[2 if with_theta else 1] if filled else data[0]
        z = z.astype(np.float64)
        sides = (ry == 0, ry + rh == info.ysize, rx == 0, rx + rw == info.xsize)
        zp = products.extend_edges(z, sides, shape, odd=True)
        if with_theta:
            theta = incidence.to_radians(data[3 if filled else 1].astype(np.float64))
            theta = products.extend_edges(theta, sides, shape, odd=False)
        else:
            theta = incidence.radians
        top, left = (pad if sides[0] else 0), (pad if sides[2] else 0)
        voids = np.pad(voids, ((top, pad if sides[1] else 0), (left, pad if sides[3] else 0)))
        core = (slice(cy - ry + top, cy - ry + top + ch), slice(cx - rx + left, cx - rx + left + cw))
        found = products.window_products(tracing, dx, dy, zp, theta, (ry + pad - top, rx + pad - left),
                                         core, voids)
        planes = make(found, voids[core])
        out = np.zeros((len(planes), rh, rw), np.float32)
        out[:, cy - ry:cy - ry + ch, cx - rx:cx - rx + cw] = planes
        return out

    return func


class _Counts:
    """Pixel counts summed over blocks computed on several threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.values = {}

    def add(self, **counts):
        with self._lock:
            for key, value in counts.items():
                self.values[key] = self.values.get(key, 0) + int(value)


def terrain_geometry(dem_path, outputs, dx, dy, heading_deg, right_looking=True, incidence=None,
                     descriptions=None, progress=None, is_canceled=None, log=None):
    """Slope, aspect, (projected) local incidence, distortion mask and simulated SAR of a DEM file.

    ``outputs``: {name from ``GEOMETRY_OUTPUTS``: GeoTIFF path}, at least one;
    ``dx``, ``dy``: pixel sizes (metres); ``heading_deg``: flight direction
    (degrees clockwise from north); ``incidence``: ``Incidence`` (radians, or
    a raster on the DEM's grid); ``descriptions``: {name: band description}.
    Angles in degrees (float32, NaN no data), the mask uint8 bits (1 layover,
    2 shadow, 4 foreshortening; 255 no data), the simulation sigma0 of a
    uniform gamma0 = 1 surface (linear power, float32, NaN no data); see
    ``core.terrain.geometry`` and the module docstring. Angles alone stream
    with a 1-pixel margin; the mask or the simulation add a scan and the
    tracing. Returns {name: path}. Raises ValueError (bad input, no valid
    height) or Cancelled; nothing is left at the destinations then.
    """
    if incidence is None:
        raise ValueError("give the incidence (an Incidence: radians or a raster)")
    unknown = [n for n in outputs if n not in GEOMETRY_OUTPUTS]
    if unknown or not outputs:
        raise ValueError(f"unknown or no output(s) {unknown}; choose from {GEOMETRY_OUTPUTS}")
    descriptions = descriptions or {}
    names = [n for n in GEOMETRY_OUTPUTS if n in outputs]
    angles = [n for n in names if n in terrain.ANGLE_OUTPUTS]
    mask, simulate = DISTORTION_MASK in outputs, SIMULATED_SAR in outputs
    targets = [OutputRaster(outputs[n], 1, [descriptions.get(n, n)],
                            MASK_NODATA if n == DISTORTION_MASK else float("nan"),
                            gdal.GDT_Byte if n == DISTORTION_MASK else gdal.GDT_Float32) for n in names]
    if not (mask or simulate):
        return _angles_only(dem_path, angles, outputs, targets, dx, dy, heading_deg, right_looking,
                            incidence, progress, is_canceled)
    counts = _Counts()

    def make(found, voids):
        planes = terrain.angle_planes(angles, found["slope"], found["aspect"], found["theta"], heading_deg,
                                      right_looking)
        if mask:
            bits = found["bits"]
            valid = ~voids
            counts.add(valid=valid.sum(), **{str(bit): np.count_nonzero(bits[valid] & bit) for bit in
                                             (terrain.LAYOVER, terrain.SHADOW, terrain.FORESHORTENING)})
            planes.append(np.where(voids, MASK_NODATA, bits).astype(np.float32))
        if simulate:
            planes.append(found["sim"].astype(np.float32))
        return planes

    scratch = tempfile.mkdtemp(prefix="sar_change_terrain_")
    try:
        _traced_pass(dem_path, incidence, dx, dy, heading_deg, right_looking, mask, simulate, targets, make,
                     scratch, progress, is_canceled)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if mask and log is not None:
        total = max(1, counts.values.get("valid", 0))
        for bit, label in ((terrain.LAYOVER, "layover"), (terrain.SHADOW, "shadow"),
                           (terrain.FORESHORTENING, "foreshortening")):
            log(label, 100.0 * counts.values.get(str(bit), 0) / total)
    return {n: outputs[n] for n in names}


def _angles_only(dem_path, angles, outputs, targets, dx, dy, heading_deg, right_looking, incidence, progress,
                 is_canceled):
    """The angle outputs through the block engine with a 1-pixel margin (no scan, no tracing)."""
    info = read_info(dem_path)
    func = terrain.angle_block_function(angles, dx, dy, heading_deg, right_looking,
                                        incidence=incidence.radians if incidence.path is None else None,
                                        incidence_degrees=incidence.degrees)
    valid = []

    def counted(block):
        valid.append(bool(np.isfinite(block[0]).any()))
        return func(block)

    source, bands, vrt = dem_path, [1], None
    if incidence.path is not None:
        vrt = source = stack_vrt([dem_path, incidence.path])
        bands = [1, info.bands + incidence.band]
    try:
        written = map_raster_outputs(source, targets, counted, terrain.ANGLE_MARGIN, bands=bands,
                                     progress=progress, is_canceled=is_canceled)
    finally:
        if vrt:
            gdal.Unlink(vrt)
    if not any(valid):
        for path in written:
            os.remove(path)
        raise ValueError("the DEM holds no valid height")
    return {n: outputs[n] for n in angles}


def _same_georeferencing(path, info):
    """Give the GeoTIFF ``path`` RasterInfo ``info``'s geotransform and CRS (a DEM's CRS may add a
    vertical part that the SAR raster's lacks: the grids are the same)."""
    ds = gdal.Open(path, gdal.GA_Update)
    if info.geotransform:
        ds.SetGeoTransform(info.geotransform)
    if info.projection:
        ds.SetProjection(info.projection)
    ds = None


def terrain_flattening(sigma0_path, dem_path, dst, scale, dx, dy, heading_deg, right_looking=True,
                       incidence=None, method=flattening.AREA, mask_distorted=True, progress=None,
                       is_canceled=None, log=None):
    """Terrain-flattened gamma0 of a geocoded sigma0 raster, written to ``dst`` in the input's scale.

    ``sigma0_path``: every band flattened (``scale``: a ``core.engine.scale``
    name: linear power, amplitude or dB); ``dem_path``: heights (metres) on
    the same grid (resample it first); ``incidence``: ``Incidence`` (radians,
    or a raster on that grid); ``method``: ``flattening.AREA`` or
    ``COS_RATIO``; ``mask_distorted``: layover and shadow are no data. The
    reference (sigma0 of a uniform gamma0 = 1 surface, ``flattening.reference_values``)
    is traced block by block into a temporary GeoTIFF, then every band is
    divided by it block by block. Returns ``(dst, share)``, ``share`` the
    fraction of valid DEM pixels that get no gamma0. Raises ValueError or
    Cancelled; nothing is left at ``dst`` then.
    """
    if method not in flattening.METHODS:
        raise ValueError(f"unknown flattening method {method!r}; expected one of {flattening.METHODS}")
    if incidence is None:
        raise ValueError("give the incidence (an Incidence: radians or a raster)")
    counts = _Counts()

    def make(found, voids):
        reference = flattening.reference_values(method, found, heading_deg, right_looking, mask_distorted)
        reference[voids] = np.nan
        counts.add(valid=np.count_nonzero(~voids), lost=np.count_nonzero(~voids & np.isnan(reference)))
        return [reference]

    scratch = tempfile.mkdtemp(prefix="sar_change_flattening_")
    vrt = None
    try:
        ref_path = os.path.join(scratch, "reference.tif")
        _traced_pass(dem_path, incidence, dx, dy, heading_deg, right_looking, mask_distorted,
                     method == flattening.AREA, [OutputRaster(ref_path, 1, ["reference"])], make, scratch,
                     progress_range(progress, 0, 70), is_canceled)
        info = read_info(sigma0_path)
        _same_georeferencing(ref_path, info)
        vrt = stack_vrt([sigma0_path, ref_path])
        bands = info.bands

        def flatten(data):
            power = scales.to_linear_power(data[:bands], scale)
            return scales.from_linear_power(flattening.apply_reference(power, data[bands]), scale)

        map_raster(vrt, dst, flatten, 0, bands, progress=progress_range(progress, 70, 100),
                   is_canceled=is_canceled, descriptions=list(info.descriptions), nodata=output_nodata(info))
    finally:
        if vrt is not None:
            gdal.Unlink(vrt)
        shutil.rmtree(scratch, ignore_errors=True)
    return dst, counts.values.get("lost", 0) / max(1, counts.values.get("valid", 0))
