"""Known sub-pixel misregistration: Fourier shift and phase-correlation estimate.

Sign convention (pixels): a shift (shift_x, shift_y) moves the image content
by +shift_x columns (east in a north-up grid) and +shift_y rows (south):
out[r, c] = in[r - shift_y, c - shift_x].

The shift multiplies the spectrum by exp(-2 pi i (fx shift_x + fy shift_y))
(Fourier shift theorem), exact for band-limited, periodic signals; the image
is reflect-padded (to odd sizes: no ambiguous Nyquist bin) so the
wrap-around does not reach the kept area. The
estimate is the peak of the normalised cross-power spectrum (Kuglin & Hines
1975) refined by a locally upsampled DFT (Guizar-Sicairos et al. 2008, Opt.
Lett. 33(2)).
"""
import numpy as np
from scipy import fft as sfft


def fourier_shift(image, shift_x, shift_y, pad=None):
    """``image`` (2-D float) translated by (shift_x, shift_y) pixels; float32.

    ``pad``: reflect padding in pixels (default: |shift| + 16). NaN pixels
    are filled with the image mean before shifting and left to the caller.
    """
    a = np.asarray(image, dtype=np.float64)
    if shift_x == 0 and shift_y == 0:
        return a.astype(np.float32)
    bad = ~np.isfinite(a)
    if bad.any():
        a = np.where(bad, np.nanmean(a), a)
    if pad is None:
        pad = int(np.ceil(max(abs(shift_x), abs(shift_y)))) + 16
    rows, cols = a.shape
    # Odd padded sizes (no Nyquist bin, so the phase ramp is unambiguous for any shift)
    # with small prime factors only (fast FFT).
    n_r, n_c = _odd_fast_length(rows + 2 * pad), _odd_fast_length(cols + 2 * pad)
    padded = np.pad(a, ((pad, n_r - rows - pad), (pad, n_c - cols - pad)), mode="reflect")
    fy = np.fft.fftfreq(n_r)[:, None]
    fx = np.fft.rfftfreq(n_c)[None, :]
    ramp = np.exp(-2j * np.pi * (fx * shift_x + fy * shift_y))
    out = sfft.irfft2(sfft.rfft2(padded) * ramp, s=padded.shape)
    out = out[pad:pad + rows, pad:pad + cols]
    return out.astype(np.float32)


def estimate_shift(reference, moved, upsample=100, iterations=3):
    """Shift (shift_x, shift_y) in pixels that maps ``reference`` onto ``moved``.

    Cross-correlation peak with sub-pixel refinement to 1/``upsample`` pixel.
    Both inputs: 2-D arrays of the same shape without NaN. A Hann window
    suppresses edge effects; it biases the peak towards zero lag, so the
    estimate is iterated: ``moved`` is shifted back by the current estimate
    and the (small, hence nearly unbiased) residual is added.
    """
    ref = np.asarray(reference, dtype=np.float64)
    mov = np.asarray(moved, dtype=np.float64)
    if ref.shape != mov.shape or ref.ndim != 2:
        raise ValueError("reference and moved must be 2-D arrays of the same shape")
    total = np.zeros(2)
    current = mov
    for _ in range(max(1, int(iterations))):
        total += _correlation_peak(ref, current, upsample)
        current = fourier_shift(mov, -total[0], -total[1])
    return float(total[0]), float(total[1])


def _correlation_peak(ref, mov, upsample):
    """(x, y) of the windowed cross-correlation peak, to 1/upsample pixel."""
    window = np.outer(np.hanning(ref.shape[0]), np.hanning(ref.shape[1]))
    fa = np.fft.fft2((ref - ref.mean()) * window)
    fb = np.fft.fft2((mov - mov.mean()) * window)
    cross = fb * np.conj(fa)  # plain cross-power: whitening would amplify empty high frequencies
    corr = np.abs(np.fft.ifft2(cross))
    peak = np.array(np.unravel_index(np.argmax(corr), corr.shape), dtype=np.float64)
    size = np.array(ref.shape, dtype=np.float64)
    peak = np.where(peak > size / 2, peak - size, peak)
    # Refine: evaluate the cross-correlation on a 1.5 px neighbourhood sampled at 1/upsample.
    n = int(np.ceil(1.5 * upsample))
    offsets = (np.arange(n) - n // 2) / upsample
    rows = peak[0] + offsets
    cols = peak[1] + offsets
    er = np.exp(2j * np.pi * np.outer(rows, np.fft.fftfreq(ref.shape[0])))
    ec = np.exp(2j * np.pi * np.outer(np.fft.fftfreq(ref.shape[1]), cols))
    local = np.abs(er @ cross @ ec)
    i, j = np.unravel_index(np.argmax(local), local.shape)
    return np.array([cols[j], rows[i]])


def _odd_fast_length(n):
    """Smallest odd integer >= n whose prime factors are all in (3, 5, 7, 11)."""
    m = n if n % 2 else n + 1
    while True:
        k = m
        for p in (3, 5, 7, 11):
            while k % p == 0:
                k //= p
        if k == 1:
            return m
        m += 2
