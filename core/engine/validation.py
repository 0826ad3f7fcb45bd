"""Input checks shared by every algorithm (QGIS-free): each returns a problem in words, or None.

The Processing side (``processing/algorithms/common.py``) reads a bounded
sample of each input (``core.engine.raster_sampling.block_sample``) and turns a
problem into a QgsProcessingException naming the layer.

Scale rule (sigma0 of land and sea lies between about -30 and +5 dB, i.e.
linear power 0.001 .. 3, amplitude 0.03 .. 1.8):

* declared linear power or amplitude: any negative value is refused; more
  than ``DB_NEGATIVE_FRACTION`` negative means the raster is in dB, fewer
  means negative power (e.g. from noise subtraction) that must be masked;
* declared dB: refused when (almost) no value is negative
  (< ``DB_NEGATIVE_FRACTION``) and the median is below ``DB_MIN_MEDIAN``
  dB, i.e. every pixel would be within about 1 dB of power 1: that is a
  linear power or amplitude raster (0 .. 1) read as dB;
* dB values beyond +-``DB_ABS_MAX`` dB are not backscatter in dB either.

Linear power and amplitude cannot be told apart from values alone; that
choice stays the user's.
"""
import numpy as np

from . import scale as scales

#: Fraction of negative pixels above which a raster is taken to be in dB.
DB_NEGATIVE_FRACTION = 0.01
#: A "dB" raster with no negative pixel and a median below this (dB) is linear power or amplitude.
DB_MIN_MEDIAN = 1.0
#: |dB| above this is not SAR backscatter (1e10 in power).
DB_ABS_MAX = 100.0
#: Smallest image side (pixels) any algorithm accepts.
MIN_SIDE = 2


def finite(values):
    """The finite values of ``values`` as a flat float64 array."""
    values = np.asarray(values, dtype=np.float64).ravel()
    return values[np.isfinite(values)]


def scale_problem(sample, declared):
    """Why ``sample`` (any shape, NaN = no data) cannot be in scale ``declared``, or None."""
    if declared not in scales.SCALES:
        return f"unknown scale {declared!r}"
    values = finite(sample)
    if values.size == 0:
        return None  # content_problem reports it
    negative = float(np.count_nonzero(values < 0)) / values.size
    if declared in (scales.LINEAR_POWER, scales.AMPLITUDE):
        what = "linear power" if declared == scales.LINEAR_POWER else "amplitude"
        if negative > DB_NEGATIVE_FRACTION:
            return (f"{negative:.0%} of the pixels are negative, which {what} cannot be: the raster "
                    "looks like dB. Set the input scale to dB")
        if negative > 0:
            count = int(np.count_nonzero(values < 0))
            return (f"{count} pixel(s) ({negative:.2%}) are negative, which {what} cannot be: set them "
                    "to no data (or 0) first, or set the input scale to dB if the raster is in dB")
        return None
    median = float(np.median(values))
    if negative < DB_NEGATIVE_FRACTION and median < DB_MIN_MEDIAN:
        return (f"declared dB but no pixel is negative and the median is {median:.3g}: backscatter in "
                "dB is mostly negative, so this looks like linear power or amplitude. Set the input "
                "scale to linear power (or amplitude)")
    peak = float(np.max(np.abs(values)))
    if peak > DB_ABS_MAX:
        return (f"declared dB but values reach {peak:.3g}, beyond +-{DB_ABS_MAX:g} dB: check the scale "
                "and the no-data value")
    return None


def name_list_differences(expected, given):
    """``["missing [...]", "unexpected [...]"]``: names of ``expected`` absent from ``given`` and names of
    ``given`` absent from ``expected`` (each part only when not empty; [] when the sets agree)."""
    parts = []
    missing = [n for n in expected if n not in given]
    extra = [n for n in given if n not in expected]
    if missing:
        parts.append(f"missing {missing}")
    if extra:
        parts.append(f"unexpected {extra}")
    return parts


def content_problem(sample, allow_constant=True):
    """Why ``sample`` holds nothing to work on (all no data, or constant when not allowed), or None."""
    values = finite(sample)
    if values.size == 0:
        return "it holds no valid pixel (all no data or NaN): check its no-data value and the band"
    if not allow_constant and values.min() == values.max():
        return (f"every valid pixel has the same value ({values[0]:.6g}): there is nothing to measure; "
                "check the band and the file")
    return None


def size_problem(xsize, ysize, min_side=MIN_SIDE):
    """Why an image of ``xsize`` x ``ysize`` pixels is too small, or None."""
    if min(xsize, ysize) < min_side:
        return f"it is {xsize} x {ysize} pixels; at least {min_side} x {min_side} are needed"
    return None


def window_problem(size, xsize, ysize, what="window"):
    """Why a square ``what`` of ``size`` pixels does not fit an ``xsize`` x ``ysize`` image, or None."""
    side = min(xsize, ysize)
    if size > side:
        largest = side if side % 2 else side - 1
        return (f"the {what} ({size} pixels) is larger than the image ({xsize} x {ysize} pixels), so "
                f"every window would see the whole image: use a {what} of at most {max(1, largest)}")
    return None


def memory_problem(needed_bytes, budget_bytes, what="these settings"):
    """Why ``needed_bytes`` of working memory is too much for ``budget_bytes``, or None."""
    if needed_bytes > budget_bytes:
        return (f"{what} need about {needed_bytes / 2**30:.1f} GiB of working memory per block, more "
                f"than the {budget_bytes / 2**30:.1f} GiB allowed: use a smaller window")
    return None


def _crs_name(wkt):
    from osgeo import osr

    if not wkt:
        return "none"
    srs = osr.SpatialReference()
    if srs.ImportFromWkt(wkt) != 0:
        return "unreadable"
    srs.AutoIdentifyEPSG()
    code = srs.GetAuthorityCode(None)
    return f"EPSG:{code}" if code else (srs.GetName() or "custom")


def _same_crs(a, b):
    from osgeo import osr

    if a == b:
        return True
    if not a or not b:
        return False  # one raster has a CRS, the other none: they cannot be known to match
    sa, sb = osr.SpatialReference(), osr.SpatialReference()
    if sa.ImportFromWkt(a) != 0 or sb.ImportFromWkt(b) != 0:
        return False
    return bool(sa.IsSame(sb))


def grid_problem(info, ref):
    """How raster ``info`` (a RasterInfo) differs from the grid of ``ref``: size, origin, pixel or CRS.

    None when both share size, geotransform (to a millionth of a pixel) and
    CRS (both none counts as the same). The phrase says which differs, with numbers.
    """
    parts = []
    if (info.xsize, info.ysize) != (ref.xsize, ref.ysize):
        parts.append(f"size {info.xsize} x {info.ysize} pixels instead of {ref.xsize} x {ref.ysize}")
    default = (0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    gt, rgt = tuple(info.geotransform or default), tuple(ref.geotransform or default)
    pixel = max(abs(rgt[1]), abs(rgt[2]), abs(rgt[4]), abs(rgt[5]), 1e-12)
    tol = 1e-6 * pixel
    if abs(gt[1] - rgt[1]) > tol or abs(gt[5] - rgt[5]) > tol or abs(gt[2] - rgt[2]) > tol \
            or abs(gt[4] - rgt[4]) > tol:
        parts.append(f"pixel size (geotransform) {gt[1]:g} x {gt[5]:g} instead of {rgt[1]:g} x {rgt[5]:g}")
    if abs(gt[0] - rgt[0]) > tol or abs(gt[3] - rgt[3]) > tol:
        dx = (gt[0] - rgt[0]) / (rgt[1] or 1.0)
        dy = (gt[3] - rgt[3]) / (rgt[5] or 1.0)
        parts.append(f"origin shifted by {dx:+.3g} x {dy:+.3g} pixels (geotransform origin {gt[0]:.10g}, "
                     f"{gt[3]:.10g} instead of {rgt[0]:.10g}, {rgt[3]:.10g})")
    if not _same_crs(info.projection, ref.projection):
        parts.append(f"CRS {_crs_name(info.projection)} instead of {_crs_name(ref.projection)}")
    return "; ".join(parts) or None


def missing_condition_problem(rows, columns):
    """Why a condition table (list of dicts) has missing values in ``columns``, or None.

    Missing = absent, empty, None or not a finite number where a number is
    expected. Names the first rows and columns concerned.
    """
    bad = []
    for i, row in enumerate(rows):
        for column in columns:
            value = row.get(column) if isinstance(row, dict) else None
            if value is None or (isinstance(value, str) and not value.strip()):
                bad.append((i + 1, column))
                continue
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue  # text columns (orbit, date) are checked by their own parser
            if not np.isfinite(number):
                bad.append((i + 1, column))
    if not bad:
        return None
    shown = ", ".join(f"row {r} '{c}'" for r, c in bad[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return f"missing or non-finite condition values: {shown}{more}; fill them in"


def range_problems(values, ranges):
    """Values outside their valid range: ``values`` {name: number or array}, ``ranges`` {name: (lo, hi)}.

    Returns a list of phrases (empty when every value is inside); the
    fraction outside is given for arrays.
    """
    problems = []
    for name, (lo, hi) in ranges.items():
        if name not in values:
            continue
        data = finite(values[name])
        if data.size == 0:
            continue
        outside = np.count_nonzero((data < lo) | (data > hi))
        if outside:
            problems.append(f"{name} {data.min():.4g} .. {data.max():.4g} outside the trained range "
                            f"{lo:.4g} .. {hi:.4g} ({outside / data.size:.0%} of the values)")
    return problems


#: Trained range of a learned model's inputs: mean +- this many training standard deviations.
RANGE_STD_IMAGES = 3.0
RANGE_STD_CONDITIONS = 5.0
#: Acquisition-table columns that must hold a finite number for a learned model.
NUMERIC_CONDITIONS = ("temperature_c", "precip_mm", "precip_3day_mm", "snow_depth_m", "mean_incidence_deg")


def trained_ranges(normalisation, recorded=None):
    """Valid input ranges from a learned model's normalisation metadata (dict, JSON of the .onnx).

    Images: each band's median (dB) within ``db_mean`` +- RANGE_STD_IMAGES
    ``db_std``; conditions within ``condition_mean`` +- RANGE_STD_CONDITIONS
    ``condition_std``. ``recorded``: the model's "valid_ranges" metadata
    ({name: {"min": .., "max": ..}}, image bands as '<band>_db'), the values it
    was trained or fine-tuned on: each range is widened to cover them (a
    fine-tuned model keeps its starting model's normalisation but has seen its
    own area). Returns {name: (lo, hi)}; names are '<band> dB' and the
    condition names. Missing metadata gives an empty dict.
    """
    ranges = {}
    if not isinstance(normalisation, dict):
        return ranges
    for band, mean, std in zip(normalisation.get("bands", []), normalisation.get("db_mean", []),
                               normalisation.get("db_std", [])):
        ranges[f"{band} dB"] = (mean - RANGE_STD_IMAGES * std, mean + RANGE_STD_IMAGES * std)
    for name, mean, std in zip(normalisation.get("conditions", []), normalisation.get("condition_mean", []),
                               normalisation.get("condition_std", [])):
        if name in NUMERIC_CONDITIONS:
            ranges[name] = (mean - RANGE_STD_CONDITIONS * std, mean + RANGE_STD_CONDITIONS * std)
    for name, seen in (recorded or {}).items():
        name = f"{name[:-3]} dB" if name.endswith("_db") else name
        if name in ranges and isinstance(seen, dict):
            lo, hi = ranges[name]
            ranges[name] = (min(lo, seen.get("min", lo)), max(hi, seen.get("max", hi)))
    return ranges


def zero_power_problem(sample, declared):
    """Why linear power or amplitude ``sample`` holding exact zeros cannot be used in dB, or None."""
    if declared == scales.DB:
        return None
    values = finite(sample)
    zeros = int(np.count_nonzero(values == 0))
    if zeros:
        return (f"{zeros} pixel(s) ({zeros / values.size:.2%} of the sample) hold zero power, which has "
                "no dB value (it would read as -50 dB, a false change): declare 0 as the no-data value")
    return None


#: Largest window (pixels) of the filters whose work per pixel grows with the window area:
#: Frost 151 (22,801 window pixels per output pixel, vectorised sums), median 51 (scipy's
#: rank filter is about ten times slower per window pixel).
MAX_AREA_COST_WINDOW = {"frost": 151, "median": 51}
#: Window-pixel visits allowed per block for those filters (a few seconds of work at most).
BLOCK_WORK_BUDGET = 2e9


def area_cost_window_problem(size, method, what="window"):
    """Why ``size`` is too large for ``method`` (a key of MAX_AREA_COST_WINDOW), or None."""
    limit = MAX_AREA_COST_WINDOW.get(method)
    if limit is not None and size > limit:
        return (f"the {what} ({size} pixels) is larger than the {limit} pixels this filter allows (its work "
                f"grows with the window area: {size}^2 = {size * size:,} pixels per output pixel); use a "
                f"window of at most {limit}")
    return None


def block_for_window(size, default=512, smallest=32, budget=BLOCK_WORK_BUDGET):
    """Block side (pixels) for an area-cost filter of window ``size``: (block + size)^2 size^2 <= budget.

    Halves ``default`` down to ``smallest`` so a block (the cancel unit of the
    block engine) stays short whatever the window.
    """
    block = default
    while block > smallest and (block + size) ** 2 * size ** 2 > budget:
        block //= 2
    return block
