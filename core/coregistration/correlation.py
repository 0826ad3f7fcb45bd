"""Translation between two image patches by Fourier cross-correlation, to a fraction of a pixel.

Sign convention (pixels; rows first, as numpy indexes): ``phase_correlation``
returns the shift ``(dy, dx)`` that, applied to the moving patch, aligns it
with the reference: ``shift_image(mov, dy, dx)`` ~ ``ref``, where
``shift_image`` moves the content by ``+dy`` rows (south on a north-up grid)
and ``+dx`` columns (east): out[r, c] = mov[r - dy, c - dx]. Equivalently
the reference pixel (r, c) shows the same ground as the moving pixel
(r - dy, c - dx). If the moving image is the reference moved by (+3, -1)
pixels, the answer is (-3, +1).

Method:

1. Pre-processing (optional): despeckle in linear power with a
   ``core.speckle`` filter and/or convert to amplitude or dB (``to_domain``)
   so that bright point targets do not dominate; no
   data (NaN) is filled with the patch mean; the mean is removed and a
   separable Tukey (default) or Hann window tapers the edges (the DFT
   treats the patch as periodic; the taper removes the seam between
   periods).
2. Integer peak of the inverse DFT of the cross-power spectrum
   ``F conj(G)`` (correlation theorem), optionally whitened to unit modulus
   (phase correlation, Kuglin & Hines 1975; Foroosh, Zerubia & Berthod 2002,
   IEEE TIP 11(3), which also analyses its sub-pixel extension).
3. Sub-pixel refinement by the matrix-multiply upsampled DFT of
   Guizar-Sicairos, Thurman & Fienup 2008 ("Efficient subpixel image
   registration algorithms", Opt. Lett. 33(2), 156-158): the inverse DFT is
   evaluated only on a 1.5 x 1.5 pixel neighbourhood of the integer peak,
   sampled every 1/``upsample`` pixel, as the product of three small
   matrices (rows x spectrum x columns): far cheaper than zero-padding the
   whole spectrum by the upsampling factor. Here the same grid is searched
   coarse to fine (1/10 pixel, then 1/``upsample`` around the best node)
   and a parabola through the final maximum interpolates between nodes
   (``refine_peak``).
4. Bias removal: a taper fixed to the patch weights different ground in
   the two patches; its autocorrelation peaks at zero lag and pulls the
   estimate towards 0 by a fraction of the shift (several hundredths of a
   pixel per pixel of shift here). The patches are therefore cut again at
   the rounded estimate and the moving patch's taper is slid by the
   remaining fraction of a pixel (the taper is an analytic function, so
   nothing is interpolated): moving patch x slid taper is then the
   reference patch x taper, shifted, and the peak is unbiased. The slide
   is found by a secant fixed-point iteration (``iterate_offsets``), 3
   passes by default.

Peak strength: the normalised cross-correlation coefficient of the
pre-processed, tapered patches at the refined peak,
|c(d)| / sqrt(sum f^2 sum g^2) in 0..1 (Cauchy-Schwarz), whatever the
spectrum normalisation used to locate the peak. 1 = identical patches;
two independent L-look speckle realisations of one textured scene give
less (the speckle does not correlate), unrelated patches less still, but
smooth patches can correlate by chance (0.3-0.5 for 64 px windows of
smooth fields): use it to rank windows and reject weak ones, not as a
probability.
"""
import numpy as np

#: Spectrum normalisations: plain cross-correlation or phase-only (whitened) correlation.
PLAIN = "plain"
PHASE = "phase"
NORMALISATIONS = (PLAIN, PHASE)
#: Patches correlated together (vectorised); bounds the temporary memory.
CHUNK = 64


#: Edge tapers: Tukey (flat top, cosine edges over TUKEY_ALPHA / 2 of each side), Hann, none.
TUKEY = "tukey"
HANN = "hann"
WINDOWS = (TUKEY, HANN, None)
TUKEY_ALPHA = 0.25


def _tukey(n, alpha=TUKEY_ALPHA, offset=0.0):
    """Tukey (tapered cosine) window of n samples evaluated at k + ``offset`` (k = 0..n-1), 0 outside.

    1 in the middle, cosine ramps over alpha (n - 1) / 2 samples at each
    end; alpha = 1 gives the Hann window, alpha = 0 the rectangle (Harris
    1978, "On the use of windows for harmonic analysis with the DFT",
    Proc. IEEE 66(1), 51-83). ``offset`` (samples, may be fractional)
    slides the window along the patch (see ``taper_window``).
    """
    offset = np.asarray(offset, dtype=np.float64)
    if n < 2:
        return np.ones(np.shape(offset) + (n,))
    x = (np.arange(n) + offset[..., None]) / (n - 1)  # 0..1 inside the window
    w = np.where((x >= 0) & (x <= 1), 1.0, 0.0)
    if alpha <= 0:
        return w
    edge = alpha / 2.0
    ramp_lo = 0.5 * (1.0 - np.cos(np.pi * np.clip(x, 0, edge) / edge))
    ramp_hi = 0.5 * (1.0 - np.cos(np.pi * np.clip(1.0 - x, 0, edge) / edge))
    return w * np.where(x < edge, ramp_lo, np.where(x > 1.0 - edge, ramp_hi, 1.0))


def taper_window(shape, kind=TUKEY, offset=(0.0, 0.0)):
    """Separable 2-D taper of ``shape`` (rows, cols), float64; None -> all ones.

    'tukey' (default, alpha 0.25) keeps most of the patch at full weight:
    measured on speckled L=4 patches it gives about 40 % lower per-window
    scatter than 'hann'. ``offset`` (dy, dx) in pixels evaluates the window
    at (row + dy, col + dx): a window slid along with the content, so that
    mov x slid window is exactly the shifted ref x window and the taper no
    longer biases the peak (see ``phase_correlation``); scalars or arrays of
    n offsets (then the result is (n, rows, cols)).
    """
    if kind not in WINDOWS:
        raise ValueError(f"unknown window {kind!r}; choose one of {WINDOWS}")
    rows, cols = shape
    oy, ox = (np.asarray(v, dtype=np.float64) for v in offset)
    if kind is None:
        return np.ones(np.broadcast_shapes(oy.shape, ox.shape) + (rows, cols))
    alpha = 1.0 if kind == HANN else TUKEY_ALPHA
    return _tukey(rows, alpha, oy)[..., :, None] * _tukey(cols, alpha, ox)[..., None, :]


def shift_image(image, dy, dx, pad=None):
    """``image`` with its content moved by ``dy`` rows and ``dx`` columns (pixels, sub-pixel allowed).

    out[r, c] = image[r - dy, c - dx], by the Fourier shift theorem (the
    spectrum multiplied by exp(-2 pi i (fy dy + fx dx))), exact for a
    band-limited periodic signal. The image is reflect-padded by ``pad``
    pixels (default |shift| + 8) to odd sizes (no ambiguous Nyquist bin) so
    that the wrap-around stays in the padding. NaN is replaced by the mean of
    the finite pixels first. ``image`` may be a stack (n, rows, cols) with
    ``dy``, ``dx`` arrays of n shifts. Returns float64.
    """
    a = np.asarray(image, dtype=np.float64)
    single = a.ndim == 2
    if single:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"shift_image needs a 2-D array or a stack, got shape {a.shape}")
    dy = np.broadcast_to(np.asarray(dy, dtype=np.float64), (a.shape[0],))
    dx = np.broadcast_to(np.asarray(dx, dtype=np.float64), (a.shape[0],))
    bad = ~np.isfinite(a)
    if bad.any():
        good = ~bad
        count = good.sum(axis=(1, 2))
        mean = np.where(good, a, 0.0).sum(axis=(1, 2)) / np.maximum(count, 1)
        a = np.where(bad, mean[:, None, None], a)
    if not (np.any(dy) or np.any(dx)):
        return a[0].copy() if single else a.copy()
    if pad is None:
        pad = int(np.ceil(max(np.abs(dy).max(), np.abs(dx).max()))) + 8
    rows, cols = a.shape[1:]
    pad = max(0, min(int(pad), rows - 1, cols - 1))
    extra_r = (rows + 2 * pad + 1) % 2
    extra_c = (cols + 2 * pad + 1) % 2
    big = np.pad(a, ((0, 0), (pad, pad + extra_r), (pad, pad + extra_c)), mode="reflect")
    fy = np.fft.fftfreq(big.shape[1])[None, :, None]
    fx = np.fft.rfftfreq(big.shape[2])[None, None, :]
    phase = np.exp(-2j * np.pi * (fy * dy[:, None, None] + fx * dx[:, None, None]))
    out = np.fft.irfft2(np.fft.rfft2(big, axes=(1, 2)) * phase, s=big.shape[1:], axes=(1, 2))
    out = out[:, pad:pad + rows, pad:pad + cols]
    return out[0] if single else out


#: Matching domains for linear-power input (``to_domain``); None = the values as given.
LINEAR = "linear"
AMPLITUDE = "amplitude"
DB = "db"
DOMAINS = (AMPLITUDE, DB, LINEAR, None)


def to_domain(power, domain):
    """Linear power -> the matching domain: 'linear' (as is), 'amplitude' (sqrt), 'db' (10 log10).

    None returns the values unchanged (any input). Negative power, and zero
    in dB, become NaN (no data). Which to use: amplitude is the default of
    ``coregister_stack`` (as in amplitude cross-correlation, e.g. ISCE's
    ampcor): bright targets weigh less than in linear power, and the mild
    square root keeps the correlation of critically sampled, textured data
    nearly symmetric. dB makes speckle additive and is the most precise on
    scenes that are smooth at the pixel scale, but on data with per-pixel
    texture shifted by sub-pixel amounts its strong non-linearity biases the
    peak by a few hundredths of a pixel (measured on the simulator stacks;
    see benchmarks/coregistration.py); linear power is unbiased there but
    dominated by the brightest targets.
    """
    if domain not in DOMAINS:
        raise ValueError(f"unknown matching domain {domain!r}; choose one of {DOMAINS}")
    a = np.asarray(power, dtype=np.float64)
    if domain is None or domain == LINEAR:
        return np.where(a >= 0, a, np.nan) if domain == LINEAR else a
    with np.errstate(divide="ignore", invalid="ignore"):
        if domain == AMPLITUDE:
            return np.where(a >= 0, np.sqrt(np.maximum(a, 0.0)), np.nan)
        return np.where(a > 0, 10.0 * np.log10(np.where(a > 0, a, 1.0)), np.nan)


def prepare(patches, domain=None, despeckle=None, window=TUKEY):
    """Pre-process patches for correlation: (filled, zero-mean, tapered float64 stack, valid mask).

    ``patches``: a 2-D array or a stack (n, rows, cols), NaN = no data.
    ``domain``: None (values as given) or, for linear-power input, 'linear',
    'amplitude' or 'db' (``to_domain``). ``despeckle``: None, or a function
    ``f(power) -> power`` (e.g. ``core.speckle.registry.power_filter``)
    applied to each patch before the domain conversion. No data is filled
    with the mean of the valid pixels of its patch, then each patch's mean
    is removed and the taper ``window`` applied ('tukey', 'hann' or None,
    see ``taper_window``).
    """
    a = np.array(patches, dtype=np.float64, copy=True)
    single = a.ndim == 2
    if single:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"expected a 2-D patch or a stack of patches, got shape {a.shape}")
    if despeckle is not None:
        a = np.stack([np.asarray(despeckle(p.astype(np.float32)), dtype=np.float64) for p in a])
    a = to_domain(a, domain)
    valid = np.isfinite(a)
    count = valid.sum(axis=(1, 2))
    total = np.where(valid, a, 0.0).sum(axis=(1, 2))
    mean = np.where(count > 0, total / np.maximum(count, 1), 0.0)
    a = np.where(valid, a, mean[:, None, None]) - mean[:, None, None]
    if window is not None:
        a *= taper_window(a.shape[1:], window)[None]
    return (a[0], valid[0]) if single else (a, valid)


def _dft_rows(positions, n):
    """Matrix (..., len(positions), n): exp(2 pi i q k / n) for inverse-DFT evaluation at ``positions``."""
    freq = np.fft.fftfreq(n)
    return np.exp(2j * np.pi * positions[..., :, None] * freq[None, :])


def _local_dft_rows(centres, lags, n):
    """(len(centres), len(lags), n) kernels at centres + lags: exp(2 pi i c f) exp(2 pi i l f), separable."""
    freq = np.fft.fftfreq(n)
    base = np.exp(2j * np.pi * lags[:, None] * freq[None, :])  # (m, n), shared by all patches
    phase = np.exp(2j * np.pi * centres[:, None] * freq[None, :])  # (patches, n)
    return base[None] * phase[:, None, :]


def upsampled_correlation(cross, centre_y, centre_x, upsample, size=1.5):
    """Inverse DFT of ``cross`` on a local grid around (centre_y, centre_x) (pixels).

    ``cross``: spectra (n, rows, cols); ``centre_y``, ``centre_x``: (n,)
    lags. Returns (values (n, m, m), lags) where lags (m,) are the offsets,
    in pixels, of the grid nodes from the centre: m = ceil(size upsample)
    + 1 nodes 1/``upsample`` apart spanning ``size`` pixels. The evaluation
    is the product E_rows @ cross @ E_cols of Guizar-Sicairos et al. 2008
    (their eq. 5 written with explicit lag positions), normalised like
    numpy's ifft2 (divided by rows x cols).
    """
    n, rows, cols = cross.shape
    m = int(np.ceil(size * upsample)) + 1
    lags = (np.arange(m) - (m - 1) / 2.0) / upsample
    ey = _local_dft_rows(np.asarray(centre_y, dtype=np.float64), lags, rows)  # (n, m, rows)
    ex = _local_dft_rows(np.asarray(centre_x, dtype=np.float64), lags, cols)  # (n, m, cols)
    values = np.matmul(np.matmul(ey, cross), np.swapaxes(ex, 1, 2)) / (rows * cols)
    return values, lags


def refine_peak(cross, centre_y, centre_x, upsample, stage=10):
    """Sub-pixel maximum of the correlation of spectra ``cross`` near integer lags (centre_y, centre_x).

    Guizar-Sicairos et al. 2008: the correlation is evaluated by the
    upsampled DFT on a 1.5 x 1.5 pixel neighbourhood, every 1/``upsample``
    pixel. To save work the same grid is searched coarse to fine: first
    every 1/``stage`` pixel over the 1.5 pixel neighbourhood, then every
    1/``upsample`` pixel over +-1.5/``stage`` pixel around that maximum (the
    correlation of band-limited data is smooth at that scale); a parabola
    through the final maximum and its neighbours interpolates between nodes.
    Returns (dy, dx) arrays in pixels.
    """
    cy = np.asarray(centre_y, dtype=np.float64)
    cx = np.asarray(centre_x, dtype=np.float64)
    factors = [upsample] if upsample <= stage else [stage, upsample]
    size = 1.5
    for factor in factors:
        values, lags = upsampled_correlation(cross, cy, cx, factor, size)
        surface = values.real
        best = surface.reshape(len(cy), -1).argmax(axis=1)
        by, bx = np.unravel_index(best, surface.shape[1:])
        cy, cx = cy + lags[by], cx + lags[bx]
        size = 3.0 / factor
    fy, fx = _parabolic_offsets(surface, by, bx)
    return cy + fy / factors[-1], cx + fx / factors[-1]


def _parabolic_offsets(surface, by, bx):
    """Vertex of the parabola through the maximum and its two neighbours, per axis (grid steps).

    A final quadratic interpolation on the upsampled grid removes most of
    its 1/upsample quantisation; nodes on the grid's edge get 0.
    """
    n, m, _ = surface.shape
    idx = np.arange(n)
    out = []
    for axis, b in ((0, by), (1, bx)):
        inner = (b > 0) & (b < m - 1)
        lo = np.clip(b - 1, 0, m - 1)
        hi = np.clip(b + 1, 0, m - 1)
        if axis == 0:
            v0, vm, vp = surface[idx, b, bx], surface[idx, lo, bx], surface[idx, hi, bx]
        else:
            v0, vm, vp = surface[idx, by, b], surface[idx, by, lo], surface[idx, by, hi]
        curv = vm - 2.0 * v0 + vp
        ok = inner & (curv < 0)
        off = np.where(ok, 0.5 * (vm - vp) / np.where(ok, curv, -1.0), 0.0)
        out.append(np.clip(off, -0.5, 0.5))
    return out[0], out[1]


def _signed_lag(index, n):
    """Cyclic DFT index -> signed lag in (-n/2, n/2]."""
    return np.where(index > n // 2, index - n, index)


def correlate_prepared(ref, mov, upsample=100, normalization=PLAIN):
    """Shift (dy, dx) and peak strength for stacks of pre-processed patches (see ``prepare``).

    ``ref``, ``mov``: float arrays (n, rows, cols) or (rows, cols). Returns
    arrays dy, dx, peak of shape (n,) (or scalars for 2-D input). One pass,
    no bias iteration (see ``phase_correlation``).
    """
    ref = np.asarray(ref, dtype=np.float64)
    mov = np.asarray(mov, dtype=np.float64)
    single = ref.ndim == 2
    if single:
        ref, mov = ref[None], mov[None]
    if ref.shape != mov.shape:
        raise ValueError(f"patches differ in shape: {ref.shape} and {mov.shape}")
    if normalization not in NORMALISATIONS:
        raise ValueError(f"unknown normalization {normalization!r}; choose one of {NORMALISATIONS}")
    if not upsample >= 1:
        raise ValueError(f"upsample must be >= 1 (1/upsample pixel resolution), got {upsample}")
    if ref.shape[0] > CHUNK:  # bound the memory of the DFT matrices (about 1 MB per patch)
        parts = [correlate_prepared(ref[i:i + CHUNK], mov[i:i + CHUNK], upsample, normalization)
                 for i in range(0, ref.shape[0], CHUNK)]
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))
    n, rows, cols = ref.shape
    fr = np.fft.fft2(ref)
    fm = np.fft.fft2(mov)
    cross = fr * np.conj(fm)  # correlation theorem: peak at the lag that moves mov onto ref
    if normalization == PHASE:
        mag = np.abs(cross)
        spectrum = cross / np.where(mag > 0, mag, 1.0)
    else:
        spectrum = cross
    corr = np.fft.ifft2(spectrum).real
    flat = corr.reshape(n, -1).argmax(axis=1)
    iy, ix = np.unravel_index(flat, (rows, cols))
    cy = _signed_lag(iy, rows).astype(np.float64)
    cx = _signed_lag(ix, cols).astype(np.float64)
    if upsample > 1:
        dy, dx = refine_peak(spectrum, cy, cx, upsample)
    else:
        dy, dx = cy, cx
    # Peak strength: normalised cross-correlation of the patches at (dy, dx), from the plain spectrum.
    ey = _dft_rows(dy[:, None], rows)  # (n, 1, rows)
    ex = _dft_rows(dx[:, None], cols)
    value = np.matmul(np.matmul(ey, cross), np.swapaxes(ex, 1, 2))[:, 0, 0].real / (rows * cols)
    energy = np.sqrt((ref ** 2).sum(axis=(1, 2)) * (mov ** 2).sum(axis=(1, 2)))
    peak = np.clip(np.where(energy > 0, value / np.where(energy > 0, energy, 1.0), 0.0), 0.0, 1.0)
    if single:
        return float(dy[0]), float(dx[0]), float(peak[0])
    return dy, dx, peak


def phase_correlation(ref, mov, upsample=100, window=TUKEY, domain=None, despeckle=None,
                      normalization=PLAIN, iterations=3):
    """Sub-pixel shift ``(dy, dx, peak)`` of ``mov`` relative to ``ref`` (same-shape 2-D arrays).

    ``dy``, ``dx`` in pixels (rows, columns): shifting ``mov`` by them
    (``shift_image(mov, dy, dx)``, content moved +dy rows, +dx columns)
    aligns it with ``ref``; see the module docstring. ``peak``: normalised
    cross-correlation at the refined peak, 0..1.

    ``upsample``: the refinement resolution is 1/upsample pixel
    (Guizar-Sicairos et al. 2008), followed by a parabolic interpolation
    between grid nodes; 1 = integer shifts only.
    ``window``: edge taper, 'tukey' (default), 'hann' or None
    (``taper_window``).
    ``domain``: None (correlate the values as given) or, for linear-power
    input, 'amplitude', 'db' (10 log10: speckle becomes additive) or
    'linear' (see ``to_domain``).
    ``despeckle``: None, a ``core.speckle.registry.FilterParams``, a filter
    name (e.g. 'lee', 5 x 5 window, 4 looks) or a function power -> power,
    applied before the domain conversion.
    ``normalization``: 'plain' cross-correlation (default; best for speckled
    data, whose high frequencies carry no common signal) or 'phase'
    (whitened spectrum: sharpest peak on clean, detailed images).
    ``iterations``: passes; after the first, both arrays are cut to the
    ground they share at the rounded estimate and the moving array's taper
    is slid by the remaining fraction of a pixel, so that both tapers cover
    the same ground (removes the taper's bias towards zero, see the module
    docstring and ``iterate_offsets``); no data is interpolated.

    NaN (no data) is filled with the patch mean; exclude patches with much
    no data beforehand (``estimate_offsets`` does). Shifts are unique modulo
    the patch size: only |shift| < size / 2 can be told apart, and the
    overlap (hence the accuracy) shrinks as the shift grows.
    """
    ref = np.asarray(ref, dtype=np.float64)
    mov = np.asarray(mov, dtype=np.float64)
    if ref.ndim != 2 or ref.shape != mov.shape:
        raise ValueError(f"ref and mov must be 2-D arrays of one shape, got {ref.shape} and {mov.shape}")
    taper_window(ref.shape, window)  # validates ``window``
    filt = despeckle_function(despeckle)
    r_in, _ = prepare(ref, domain=domain, despeckle=filt, window=None)  # tapered after each cut
    m_in, _ = prepare(mov, domain=domain, despeckle=filt, window=None)
    rows, cols = ref.shape

    def measure(est_y, est_x):
        # Cut both to the ground they share at the rounded estimate (no wrapped content) and slide
        # the moving patch's taper by the remaining fraction of a pixel.
        iy, ix = int(np.rint(est_y[0])), int(np.rint(est_x[0]))
        r0, r1 = max(0, iy), min(rows, rows + iy)
        c0, c1 = max(0, ix), min(cols, cols + ix)
        if r1 - r0 < 4 or c1 - c0 < 4:
            raise ValueError(f"the estimated shift ({est_y[0]:.1f}, {est_x[0]:.1f}) px leaves no overlap")
        r = r_in[r0:r1, c0:c1]
        m = m_in[r0 - iy:r1 - iy, c0 - ix:c1 - ix]
        wr = taper_window(r.shape, window)
        wm = taper_window(r.shape, window, (est_y[0] - iy, est_x[0] - ix))
        dy, dx, pk = correlate_prepared(((r - r.mean()) * wr)[None], ((m - m.mean()) * wm)[None],
                                        upsample, normalization)
        return iy + dy, ix + dx, pk

    dy, dx, peak = iterate_offsets(measure, np.zeros(1), np.zeros(1), iterations)
    return float(dy[0]), float(dx[0]), float(peak[0])


#: Largest slope accepted in the secant extrapolation of ``iterate_offsets``.
MAX_SLOPE = 0.8


def iterate_offsets(measure, est_y, est_x, iterations, is_canceled=None):
    """Fixed point of the slid-taper measurement: returns (dy, dx, peak) arrays (pixels).

    ``measure(est_y, est_x) -> (y, x, peak)`` correlates with the moving
    taper slid to the estimate (arrays, one value per patch). With a taper
    slid to the true offset the measurement is unbiased; with a slide error
    e it is off by about s e, 0 <= s < 1 (larger for smooth content, whose
    broad correlation peak follows the taper). The first pass measures at
    the prior, the second at the first answer; later passes, and the final
    answer, use the secant (linear) extrapolation of the measurement to its
    fixed point, x* = (y - s x) / (1 - s) with the slope s from the last two
    passes, clipped to [0, MAX_SLOPE]. This converges in 2-3 passes where
    plain repetition would need many on smooth scenes.
    """
    from ..engine.raster_blocks import Cancelled

    prev = None
    peak = None
    ey, ex = np.asarray(est_y, dtype=np.float64), np.asarray(est_x, dtype=np.float64)
    for _ in range(max(1, int(iterations))):
        if is_canceled is not None and is_canceled():
            raise Cancelled("cancelled by the user")
        y, x, peak = measure(ey, ex)
        if prev is None:
            ny, nx = y, x
        else:
            ny = _secant(prev[0], prev[1], ey, y)
            nx = _secant(prev[2], prev[3], ex, x)
        prev = (ey, y, ex, x)
        ey, ex = ny, nx
    return ey, ex, peak


def _secant(x0, y0, x1, y1):
    """Fixed point of the line through (x0, y0), (x1, y1) (see ``iterate_offsets``)."""
    step = x1 - x0
    ok = np.abs(step) > 1e-4
    slope = np.clip(np.where(ok, (y1 - y0) / np.where(ok, step, 1.0), 0.0), 0.0, MAX_SLOPE)
    return (y1 - slope * x1) / (1.0 - slope)


def despeckle_function(despeckle, looks=4.0):
    """A function power -> power from None, a FilterParams, a filter name or a callable."""
    if despeckle is None or callable(despeckle):
        return despeckle
    from ..speckle import registry

    if isinstance(despeckle, str):
        despeckle = registry.FilterParams(method=despeckle, size=5, looks=looks)
    if isinstance(despeckle, registry.FilterParams):
        return registry.power_filter(despeckle)
    raise ValueError(f"despeckle must be None, a filter name, FilterParams or a function, got {despeckle!r}")
