"""Local offsets on a grid of windows, and the masks that decide which windows are usable.

All positions and offsets are in pixels of the reference grid: ``row``,
``col`` are 0-based pixel-centre coordinates (pixel (0, 0) is centred at
row 0.0, col 0.0), ``dy``, ``dx`` follow ``correlation``'s convention: the
reference pixel (row, col) shows the ground of the moving pixel
(row - dy, col - dx). Masks are boolean arrays on the reference grid, True
where a pixel is usable (``valid_mask``) or where it is excluded
(``terrain_exclusion``, ``water_mask``), as each name says.
"""
import numpy as np
from scipy import ndimage

from ..engine.window_stats import local_moments
from ..terrain import geometry as terrain
from . import correlation as corr

#: Fields of the offset table (numpy structured array), one record per measured window.
TABLE_DTYPE = np.dtype([
    ("row", "f8"),  # window centre, reference pixel rows (0 = centre of the first row)
    ("col", "f8"),  # window centre, reference pixel columns
    ("dy", "f8"),  # offset, pixels (rows): ref(row, col) ~ mov(row - dy, col - dx)
    ("dx", "f8"),  # offset, pixels (columns)
    ("peak", "f8"),  # normalised correlation at the peak, 0..1
    ("valid_fraction", "f8"),  # share of usable pixels in the window pair, 0..1
])

#: Default water detection: mean backscatter below this (dB) ...
WATER_DB = -18.0
#: ... and coefficient of variation of the despeckled image below this.
WATER_MAX_CV = 0.25


def empty_table(n=0):
    """An offset table of ``n`` records (fields TABLE_DTYPE)."""
    return np.zeros(n, dtype=TABLE_DTYPE)


def terrain_exclusion(dem, dx, dy, incidence_deg, heading_deg, right_looking=True,
                      foreshortening_ratio=0.5):
    """Pixels whose radar geometry makes them unreliable for matching (True = exclude).

    ``dem`` heights (metres, NaN = no data) on the reference grid, ``dx``,
    ``dy`` its pixel sizes (metres, see ``terrain.pixel_size_metres``),
    ``incidence_deg`` the ellipsoid incidence (degrees, scalar or array),
    ``heading_deg`` the flight direction (degrees clockwise from north).
    Excluded: layover and shadow (``terrain.layover_shadow``), and strong
    foreshortening, i.e. sensor-facing range slopes steeper than
    ``foreshortening_ratio`` x incidence, where the ground is compressed by
    sin(theta) / sin(theta - beta) and its appearance changes fast with
    the incidence (ratio >= 1 keeps all foreshortening, 0 excludes it all).
    No-data DEM pixels are not excluded. Returns (exclude, bits) with the
    uint8 LAYOVER/SHADOW/FORESHORTENING bits of ``terrain``.
    """
    z = np.asarray(dem, dtype=np.float64)
    theta = np.radians(np.asarray(incidence_deg, dtype=np.float64))
    bits = terrain.layover_shadow(z, dx, dy, theta, heading_deg, right_looking)
    beta = None
    if foreshortening_ratio < 1:
        slope, aspect = terrain.slope_aspect(z, dx, dy)
        beta = terrain.range_slope(slope, aspect, heading_deg, right_looking)
    return exclusion_from_distortion(bits, beta, theta, foreshortening_ratio), bits


def exclusion_from_distortion(bits, beta, theta, foreshortening_ratio=0.5):
    """``terrain_exclusion``'s mask from the distortion ``bits`` and the range slope ``beta`` (radians).

    ``theta``: incidence (radians); ``beta`` is only read when
    ``foreshortening_ratio`` < 1 (None otherwise).
    """
    exclude = (bits & (terrain.LAYOVER | terrain.SHADOW)) > 0
    if foreshortening_ratio < 1:
        with np.errstate(invalid="ignore"):
            exclude |= ((bits & terrain.FORESHORTENING) > 0) & (beta > foreshortening_ratio * theta)
    return exclude


def water_mask(power, threshold_db=WATER_DB, max_cv=WATER_MAX_CV, size=15, despeckle_size=5):
    """Likely open water (True): dark and featureless (no reliable correlation there).

    ``power``: linear power, NaN = no data. The image is despeckled with a
    ``despeckle_size`` boxcar; a pixel is water when, over a ``size`` x
    ``size`` window of the despeckled image, the mean is below
    ``threshold_db`` (dB; calm water is about -20 to -25 dB in VV, lower in
    VH) and the coefficient of variation std / mean is below ``max_cv``
    (land texture keeps it higher; wind-roughened water may escape the
    mask). NaN pixels are False (they are no data, not water).
    """
    from ..speckle import basic

    p = np.asarray(power, dtype=np.float32)
    smooth = basic.boxcar(p, despeckle_size)
    mean, var, _ = local_moments(smooth, size)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_db = 10.0 * np.log10(mean)
        cv = np.sqrt(var) / mean
        water = (mean_db < threshold_db) & (cv < max_cv)
    water &= np.isfinite(p)
    return water


def window_grid(shape, window, step):
    """Top-left corners (rows, cols) of ``window`` x ``window`` windows every ``step`` pixels.

    The grid is centred in the image (equal margins); at least one window
    per axis when the image is at least ``window`` pixels.
    """
    def starts(n):
        if n < window:
            return np.zeros(0, dtype=np.int64)
        count = (n - window) // step + 1
        first = (n - window - (count - 1) * step) // 2
        return first + step * np.arange(count, dtype=np.int64)

    r, c = starts(shape[0]), starts(shape[1])
    rr, cc = np.meshgrid(r, c, indexing="ij")
    return rr.ravel(), cc.ravel()


def block_sums(image, factor):
    """(sum, count) of the finite values over factor x factor blocks (image cropped to a multiple of factor).

    Each block is summed on its own, so the sums of tiles whose sides are
    multiples of ``factor`` assemble into the sums of the whole image.
    """
    rows, cols = (image.shape[0] // factor) * factor, (image.shape[1] // factor) * factor
    a = image[:rows, :cols].reshape(rows // factor, factor, cols // factor, factor)
    valid = np.isfinite(a)
    return np.where(valid, a, 0.0).sum(axis=(1, 3)), valid.sum(axis=(1, 3))


def block_mean_from_sums(total, count, factor):
    """NaN-aware block mean from ``block_sums``; NaN where under half the block is valid."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = total / count
    out[count < 0.5 * factor * factor] = np.nan
    return out


def _block_mean(image, factor):
    """NaN-aware mean over factor x factor blocks (image cropped to a multiple of factor)."""
    return block_mean_from_sums(*block_sums(image, factor), factor)


def coarse_factor(shape, max_size=512):
    """Block size (pixels) of ``coarse_offset`` for an image of ``shape``."""
    return max(1, int(np.ceil(max(shape) / max_size)))


def coarse_offset(ref, mov, max_size=512):
    """Global integer-pixel offset (dy, dx) from block-averaged whole images (pixels).

    Both images (same shape, working domain, NaN = no data) are averaged
    over blocks so that the larger side is at most ``max_size``, correlated
    (``phase_correlation``, 2 passes) and the result scaled back and rounded.
    The resolution is the block size; the windows refine it.
    """
    factor = coarse_factor(ref.shape, max_size)
    a = _block_mean(ref, factor) if factor > 1 else ref
    b = _block_mean(mov, factor) if factor > 1 else mov
    return coarse_offset_of_means(a, b, factor)


def coarse_offset_of_means(a, b, factor):
    """``coarse_offset`` from block means ``a`` (reference) and ``b`` (moving) of ``factor`` px blocks."""
    if min(a.shape) < 8 or not np.isfinite(a).any() or not np.isfinite(b).any():
        return 0, 0
    dy, dx, _ = corr.phase_correlation(a, b, upsample=1 if factor > 1 else 10, iterations=2)
    return int(round(dy * factor)), int(round(dx * factor))


#: Width (pixels) of the ramp of ``soft_mask``.
MASK_RAMP = 3.0


def soft_mask(valid, ramp=MASK_RAMP):
    """Weights 0..1 from a boolean mask: 0 on and next to excluded pixels, rising to 1 over ``ramp`` px.

    clip((d - 0.5) / ramp, 0, 1) with d the Euclidean distance to the
    nearest excluded pixel. Being continuous, the weights can be slid by a
    fraction of a pixel (bilinear) together with the moving window, so an
    excluded area weights the same ground in both windows and does not pull
    the correlation peak (a hard mask shared by both windows would, like a
    fixed taper).
    """
    valid = np.asarray(valid, dtype=bool)
    if valid.all():
        return np.ones(valid.shape)
    if not valid.any():
        return np.zeros(valid.shape)
    d = ndimage.distance_transform_edt(valid)
    return np.clip((d - 0.5) / ramp, 0.0, 1.0)


def _weighted_patches(patches, weights):
    """(patch - weighted mean) x weights, with no data (NaN) at weight 0; float64 stack."""
    ok = np.isfinite(patches)
    w = np.where(ok, weights, 0.0)
    values = np.where(ok, patches, 0.0)
    total = w.sum(axis=(1, 2))
    mean = (values * w).sum(axis=(1, 2)) / np.where(total > 0, total, 1.0)
    return (values - mean[:, None, None]) * w


#: A window whose values vary by less than this coefficient of variation (std / |mean|, in
#: the values given: linear power for the stack tool) has no texture to match: a constant
#: patch correlates equally well at every shift, so its "peak" means nothing. Speckle alone
#: gives 1 / sqrt(looks) >= 0.05 at 400 looks; 1e-3 only excludes (nearly) constant patches.
MIN_TEXTURE_CV = 1e-3


def window_texture(image, r0, c0, window):
    """Coefficient of variation (std / |mean|) of the valid pixels of each window (NaN: none valid).

    ``r0``, ``c0``: window corners (pixels); ``window``: side (pixels).
    A zero mean with a non-zero spread gives inf (textured).
    """
    image = np.asarray(image, dtype=np.float64)
    out = np.full(len(r0), np.nan)
    for i, (r, c) in enumerate(zip(r0, c0)):
        patch = image[r:r + window, c:c + window]
        patch = patch[np.isfinite(patch)]
        if patch.size:
            std, mean = float(patch.std()), abs(float(patch.mean()))
            out[i] = std / mean if mean > 0 else (np.inf if std > 0 else 0.0)
    return out


def textured(image, r0, c0, window, min_cv=MIN_TEXTURE_CV):
    """Boolean per window: has texture (coefficient of variation >= ``min_cv``)."""
    cv = window_texture(image, r0, c0, window)
    return np.nan_to_num(cv, nan=0.0) >= min_cv


def estimate_offsets(ref, mov, window=64, step=None, valid_mask=None, min_peak=0.0, max_invalid=0.25,
                     upsample=100, domain=None, despeckle=None, normalization=corr.PLAIN, initial=None,
                     iterations=3, taper=corr.TUKEY, is_canceled=None):
    """Offsets of ``mov`` against ``ref`` on a grid of windows; returns an offset table.

    ``ref``, ``mov``: 2-D arrays on the same grid (resample onto the
    reference grid first), NaN = no data. ``domain``: None (values as
    given) or, for linear-power input, 'amplitude', 'db' or 'linear'
    (``correlation.to_domain``); ``despeckle``: see ``phase_correlation``.
    ``window``: side of the square windows (pixels, >= 8; 64 suits
    shifts up to about +-10 px after the coarse step), ``step``: spacing of
    their corners (default ``window``: no overlap). ``valid_mask``: boolean
    array on the reference grid, False for excluded pixels (layover, shadow,
    water, ...); windows where the share of excluded or no-data pixels in
    the reference or the moving window exceeds ``max_invalid`` are skipped.
    ``min_peak``: windows whose peak strength is lower are dropped.
    ``initial``: prior global offset (dy, dx) in pixels; None estimates it
    from block-averaged whole images (``coarse_offset``).

    Per window: the moving window is cut at the reference window's
    position minus the integer prior offset and correlated
    (``correlation.correlate_prepared``, ``taper`` edge window); then,
    ``iterations - 1`` times, it is cut again from the full image at the
    rounded current estimate (real content at its edges, never wrapped or
    interpolated) with its taper slid by the remaining fraction of a pixel,
    and measured again (``correlation.iterate_offsets``). This removes the
    taper's bias towards the integer cut (see ``correlation``, step 4).
    Excluded pixels (``valid_mask`` False, no data in ``ref``) get weight 0
    through a soft mask (``soft_mask``) that slides with the moving taper,
    so that both windows weight the same ground; no data in ``mov`` gets
    weight 0 in the moving window only (it moves with its content). Means
    are removed with the same weights.

    Returns a structured array (``TABLE_DTYPE``): window centre (row, col),
    dy, dx, peak, valid_fraction, one record per measured window; a window
    whose estimate wanders more than ``window / 2`` from the prior is kept
    with NaN offsets and peak 0 (``fit_model`` never uses it). Memory: a
    few float64 copies of the whole images, plus about 200 MB of window
    stacks at most (windows are processed in chunks).
    """
    ref = np.asarray(ref, dtype=np.float64)
    mov = np.asarray(mov, dtype=np.float64)
    if ref.ndim != 2 or ref.shape != mov.shape:
        raise ValueError(f"ref and mov must be 2-D arrays on one grid, got {ref.shape} and {mov.shape}")
    window = int(window)
    if window < 8:
        raise ValueError(f"window must be at least 8 pixels, got {window}")
    step = window if step is None else int(step)
    if step < 1:
        raise ValueError(f"step must be >= 1 pixel, got {step}")
    if not 0 <= max_invalid < 1:
        raise ValueError(f"max_invalid must be within [0, 1), got {max_invalid}")
    filt = corr.despeckle_function(despeckle)
    if filt is not None:
        ref = np.asarray(filt(ref.astype(np.float32)), dtype=np.float64)
        mov = np.asarray(filt(mov.astype(np.float32)), dtype=np.float64)
    ref_values, mov_values = ref, mov  # before the domain change: texture is judged on these
    ref = corr.to_domain(ref, domain)
    mov = corr.to_domain(mov, domain)
    ref_ok = np.isfinite(ref)
    if valid_mask is not None:
        valid_mask = np.asarray(valid_mask, dtype=bool)
        if valid_mask.shape != ref.shape:
            raise ValueError(f"valid_mask has shape {valid_mask.shape}, the images {ref.shape}")
        ref_ok &= valid_mask
    if initial is None:
        initial = coarse_offset(np.where(ref_ok, ref, np.nan), mov)
    oy, ox = (int(round(v)) for v in initial)

    r0, c0 = window_grid(ref.shape, window, step)
    table = empty_table(len(r0))
    table["row"] = r0 + (window - 1) / 2.0
    table["col"] = c0 + (window - 1) / 2.0
    if len(r0) == 0:
        return table

    # The moving image padded with NaN so that every cut is in range (outside = no data).
    half = window // 2  # windows may wander at most this far from the prior (then they are lost)
    reach = max(abs(oy), abs(ox)) + half + window + 2
    mov_pad = np.pad(mov, reach, mode="constant", constant_values=np.nan)
    ref_masked = np.where(ref_ok, ref, np.nan)
    soft = None if ref_ok.all() else np.pad(soft_mask(ref_ok), 1, mode="edge")
    ref_taper = corr.taper_window((window, window), taper)
    span = np.arange(window)
    out = np.full((len(r0), 4), np.nan)  # valid fraction, dy, dx, peak
    chunk = max(1, WINDOW_CHUNK_PIXELS // (window * window))
    for start in range(0, len(r0), chunk):
        sel = slice(start, start + chunk)
        out[sel] = _offsets_chunk(r0[sel], c0[sel], ref_masked, mov_pad, reach, soft, ref_taper, span, oy, ox,
                                  half, max_invalid, upsample, normalization, iterations, taper, is_canceled)
    # No texture in either window (e.g. a constant patch): no match, whatever the correlation says.
    flat = ~(textured(np.where(ref_ok, ref_values, np.nan), r0, c0, window)
             & textured(mov_values, np.clip(r0 - oy, 0, None), np.clip(c0 - ox, 0, None), window))
    out[flat, 1:] = np.nan
    out[flat, 3] = 0.0
    table["valid_fraction"] = out[:, 0]
    table["dy"], table["dx"], table["peak"] = out[:, 1], out[:, 2], out[:, 3]
    table = table[out[:, 0] >= 1.0 - max_invalid]
    if min_peak > 0:
        table = table[table["peak"] >= min_peak]
    return table


#: Window pixels processed together (bounds the temporary memory: about 100 bytes per pixel).
WINDOW_CHUNK_PIXELS = 2 ** 21


def _offsets_chunk(r0, c0, ref_masked, mov_pad, reach, soft, ref_taper, span, oy, ox, half, max_invalid,
                   upsample, normalization, iterations, taper, is_canceled):
    """``estimate_offsets`` for the windows with corners (r0, c0): (n, 4) valid fraction, dy, dx, peak."""
    window = len(span)
    out = np.full((len(r0), 4), np.nan)

    def cut_mov(iy, ix):
        rows = (r0 - iy + reach)[:, None] + span[None, :]
        cols = (c0 - ix + reach)[:, None] + span[None, :]
        return mov_pad[rows[:, :, None], cols[:, None, :]]

    ref_patches = ref_masked[(r0[:, None] + span)[:, :, None], (c0[:, None] + span)[:, None, :]]
    mov_patches = cut_mov(np.full(len(r0), oy), np.full(len(r0), ox))
    fraction = (np.isfinite(ref_patches) & np.isfinite(mov_patches)).mean(axis=(1, 2))
    out[:, 0] = fraction
    keep = fraction >= 1.0 - max_invalid
    if not keep.any():
        return out
    r0, c0, ref_patches = r0[keep], c0[keep], ref_patches[keep]

    def slid_mask(fy, fx):
        """The soft mask under each window, slid by (fy, fx) pixels (|f| <= 0.5), bilinear."""
        iy0, ix0 = np.floor(fy).astype(np.int64), np.floor(fx).astype(np.int64)
        ty, tx = (fy - iy0)[:, None, None], (fx - ix0)[:, None, None]
        rows = (r0 + iy0 + 1)[:, None] + span[None, :]  # +1: the padding
        cols = (c0 + ix0 + 1)[:, None] + span[None, :]

        def at(dr, dc):
            return soft[(rows + dr)[:, :, None], (cols + dc)[:, None, :]]

        return ((1 - ty) * ((1 - tx) * at(0, 0) + tx * at(0, 1))
                + ty * ((1 - tx) * at(1, 0) + tx * at(1, 1)))

    zeros = np.zeros(len(r0))
    ref_weight = ref_taper[None] if soft is None else ref_taper[None] * slid_mask(zeros, zeros)
    ref_prep = _weighted_patches(ref_patches, ref_weight)

    def measure(est_y, est_x):
        est_y = np.clip(est_y, oy - half, oy + half)
        est_x = np.clip(est_x, ox - half, ox + half)
        iy = np.rint(est_y).astype(np.int64)
        ix = np.rint(est_x).astype(np.int64)
        fy, fx = est_y - iy, est_x - ix
        # The moving window's taper and soft mask slide with the remaining sub-pixel offset
        # (see correlation, step 4): both then weight the same ground as in the reference window.
        weight = corr.taper_window((window, window), taper, (fy, fx))
        if soft is not None:
            weight = weight * slid_mask(fy, fx)
        dy, dx, pk = corr.correlate_prepared(ref_prep, _weighted_patches(cut_mov(iy, ix), weight), upsample,
                                             normalization)
        return iy + dy, ix + dx, pk

    total_y, total_x, peak = corr.iterate_offsets(measure, zeros + oy, zeros + ox, iterations, is_canceled)
    lost = (np.abs(total_y - oy) > half) | (np.abs(total_x - ox) > half)  # no real peak in reach
    total_y[lost] = total_x[lost] = np.nan
    peak[lost] = 0.0
    out[keep, 1], out[keep, 2], out[keep, 3] = total_y, total_x, peak
    return out
