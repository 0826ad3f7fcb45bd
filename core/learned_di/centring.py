"""Centring the learned DI's residual bands on their scene medians (numpy + GDAL).

The learned DI of a band is ``actual - predicted`` (dB); its Euclidean norm
over the bands is the change score. A bias of the prediction over the whole
scene (calibration, weather, soil wetness or snow the condition vector does
not explain) adds the same offset to every pixel's residual and so inflates
the norm everywhere, ranking the changed pixels worse. Each band is therefore
centred on its scene median: the median ignores up to half of the pixels
(breakdown point 50 %, Huber & Ronchetti, "Robust Statistics", 2009, sec. 3.2),
so the changed pixels, a minority, do not move it, unlike the mean.

The median is exact and does not depend on how the scene is cut into blocks:
``exact_nanmedians`` reads the residual in chunks twice, with two histograms
of 65536 bins per band over the bit pattern of the float32 values (the upper
16 bits, then the lower 16 bits inside the bin holding the median), so memory
is bounded by one chunk whatever the scene size.
"""
import numpy as np
from osgeo import gdal

from ..engine.raster_blocks import Cancelled, block_windows, gdal_cache_budget, read_block

#: GDAL metadata items written on the centred outputs: the residual's meaning and one offset per band.
CENTRED_ITEM = "LEARNED_DI_RESIDUAL"
OFFSET_ITEM = "LEARNED_DI_OFFSET_DB_{band}"
RESIDUAL_CENTRED = "actual - predicted - scene median of (actual - predicted), per band, dB"
#: Pixels per band of the strips the whole-image run takes its medians from.
CHUNK_PIXELS = 4_000_000
#: Cap of GDAL's block cache (MiB) while the median passes read the residual file block by block.
BLOCK_CACHE_MB = 16
_BINS = 1 << 16
_SIGN = np.uint32(0x80000000)


def _order_keys(values):
    """uint32 keys of finite float32 ``values`` that sort as the values do (sign-flipped bit patterns)."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    return np.where(bits & _SIGN, ~bits, bits | _SIGN)


def _key_value(key):
    """The float32 value (as a Python float) whose ``_order_keys`` key is ``key``."""
    key = np.uint32(key)
    bits = key & ~_SIGN if key & _SIGN else ~key
    return float(np.asarray([bits], dtype=np.uint32).view(np.float32)[0])


def _rank_bin(cumulative, rank):
    """Index of the first bin whose cumulative count exceeds ``rank`` (0-based)."""
    return int(np.searchsorted(cumulative, rank, side="right"))


def _high_keys_lut():
    """``_order_keys(x) >> 16`` as a function of the upper 16 bits of ``x``: a 65536-entry table."""
    high = np.arange(_BINS, dtype=np.uint32)
    return np.where(high & 0x8000, ~high & 0xFFFF, high | 0x8000).astype(np.intp)


_HIGH_KEYS = _high_keys_lut()
#: Bins of ``_order_keys >> 16`` that hold only NaN and infinities (exponent bits all ones).
_NON_FINITE_HIGH = np.r_[0:0x80, 0xFF80:_BINS]
_LITTLE_ENDIAN = np.little_endian


def _upper_halves(values):
    """The upper 16 bits of each float32 of ``values`` as a uint16 view (no copy when contiguous)."""
    halves = np.ascontiguousarray(values, dtype=np.float32).reshape(-1).view(np.uint16)
    return halves[1::2] if _LITTLE_ENDIAN else halves[0::2]


def _high_histogram(values):
    """Counts of the finite ``values`` per bin of ``_order_keys(values) >> 16``."""
    by_bits = np.bincount(_upper_halves(values), minlength=_BINS)
    hist = np.empty(_BINS, dtype=np.int64)
    hist[_HIGH_KEYS] = by_bits  # the table is a permutation of the bins
    hist[_NON_FINITE_HIGH] = 0
    return hist


def _low_histogram(values, h):
    """Counts of the finite ``values`` whose key lies in upper bin ``h``, per lower 16 bits of the key."""
    lo, hi = _key_value(h << 16), _key_value((h << 16) | 0xFFFF)
    candidates = values[(values >= min(lo, hi)) & (values <= max(lo, hi))]  # a superset (-0.0 == 0.0)
    keys = _order_keys(candidates)
    return np.bincount(keys[(keys >> 16) == h] & 0xFFFF, minlength=_BINS)


def exact_nanmedians(chunks, bands, is_canceled=None):
    """Exact median of each band over every finite value, reading the data twice in chunks.

    ``chunks``: a callable returning an iterable of (bands, ...) float arrays
    (called twice; any chunking, the result does not depend on it).
    Returns a float64 array of ``bands`` medians, equal to
    ``np.nanmedian`` of the values in float64 (mean of the two middle
    values for an even count); NaN for a band without finite values.
    Raises ``Cancelled`` when ``is_canceled()`` turns true between chunks.
    The first pass counts the upper 16 bits of the values' bit patterns (the
    bins holding only NaN and infinities dropped), the second only the values
    inside the bin(s) holding the middle rank(s), selected by value range.
    """
    high = np.zeros((bands, _BINS), dtype=np.int64)
    for chunk in _checked(chunks(), is_canceled):
        for b in range(bands):
            high[b] += _high_histogram(chunk[b])
    counts = high.sum(axis=1)
    cumulative = np.cumsum(high, axis=1)
    ranks = [((n - 1) // 2, n // 2) for n in counts]
    wanted = [sorted({_rank_bin(cumulative[b], r) for r in ranks[b]}) if counts[b] else []
              for b in range(bands)]
    low = [{h: np.zeros(_BINS, dtype=np.int64) for h in wanted[b]} for b in range(bands)]
    if any(wanted):
        for chunk in _checked(chunks(), is_canceled):
            for b in range(bands):
                values = np.asarray(chunk[b], dtype=np.float32).ravel()
                for h, hist in low[b].items():
                    hist += _low_histogram(values, h)
    medians = np.full(bands, np.nan)
    for b in range(bands):
        if not counts[b]:
            continue
        middle = []
        for rank in ranks[b]:
            h = _rank_bin(cumulative[b], rank)
            before = int(cumulative[b][h - 1]) if h else 0
            lower = _rank_bin(np.cumsum(low[b][h]), rank - before)
            middle.append(_key_value((h << 16) | lower))
        medians[b] = (middle[0] + middle[1]) / 2.0
    return medians


def _checked(chunks, is_canceled):
    for chunk in chunks:
        if is_canceled is not None and is_canceled():
            raise Cancelled()
        yield chunk


def raster_chunks(path):
    """Callable yielding (bands, rows, cols) float32 blocks of the raster at ``path``, no data as NaN.

    The blocks are the file's own (its tiles, or strips of its block height),
    so each pass decompresses every block once and GDAL's block cache, capped
    at ``BLOCK_CACHE_MB`` meanwhile, holds none of them for long.
    """

    def chunks():
        ds = gdal.Open(str(path))
        bands = [ds.GetRasterBand(b) for b in range(1, ds.RasterCount + 1)]
        try:
            with gdal_cache_budget(BLOCK_CACHE_MB):
                for window in block_windows(ds.RasterXSize, ds.RasterYSize, bands[0].GetBlockSize()):
                    yield np.stack([read_block(band, window, band.GetNoDataValue()) for band in bands])
        finally:
            bands = ds = None

    return chunks


def offsets_array(medians):
    """float32 offsets to subtract, shaped (bands, 1, 1): the medians, 0 where a band has none."""
    medians = np.nan_to_num(np.asarray(medians, dtype=np.float64), nan=0.0)
    return medians.astype(np.float32)[:, None, None]


def offsets_dict(bands, medians):
    """{band: offset dB} as Python floats (the medians, 0 where a band has no finite value)."""
    return {str(b): float(v) for b, v in zip(bands, offsets_array(medians).ravel())}


def tag_outputs(paths, offsets):
    """Write the centred residual's meaning and the offsets ({band: dB} subtracted) into GeoTIFFs' metadata.

    Uncentred outputs are left untagged (as before the option existed).
    """
    for path in paths:
        ds = gdal.Open(str(path), gdal.GA_Update)
        ds.SetMetadataItem(CENTRED_ITEM, RESIDUAL_CENTRED)
        for band, value in offsets.items():
            ds.SetMetadataItem(OFFSET_ITEM.format(band=band), f"{value:.6f}")
        ds = None
