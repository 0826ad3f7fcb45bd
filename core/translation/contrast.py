"""Contrast enhancement of translated optical images (numpy + scipy, QGIS-free).

The two output options of Bralet et al. (IGARSS 2024, sec. 4.2.3), which
sharpen the smooth outputs of an L1/L2-trained translation network:
- Laplacian sharpening: out = x - amount * laplacian(x) (discrete 4-neighbour
  Laplacian; Gonzalez & Woods, Digital Image Processing, sec. 3.6);
- Wiener deconvolution with a Gaussian blur kernel of ``sigma`` pixels:
  X = conj(H) / (|H|^2 + K) Y in the Fourier domain, K the noise-to-signal
  power ratio (Wiener 1949; Gonzalez & Woods sec. 5.8). The image is mirrored
  to twice its size before the FFT (symmetric extension, as the DCT does), so
  the periodic transform sees no jump at the edges.
Both work band by band on (rows, cols) or (bands, rows, cols) arrays; NaN
(no data) is filled with the band mean for the filtering and stays NaN.
"""
import numpy as np
from scipy import ndimage


def _bands(image):
    a = np.asarray(image, dtype=np.float64)
    if a.ndim not in (2, 3):
        raise ValueError(f"image must be (rows, cols) or (bands, rows, cols), got shape {a.shape}")
    return a[None] if a.ndim == 2 else a, a.ndim == 2


def _per_band(image, func):
    bands, single = _bands(image)
    out = np.empty_like(bands)
    for i, band in enumerate(bands):
        bad = ~np.isfinite(band)
        fill = float(np.mean(band[~bad])) if (~bad).any() else 0.0
        result = func(np.where(bad, fill, band))
        result[bad] = np.nan
        out[i] = result
    out = out.astype(np.float32)
    return out[0] if single else out


def laplacian_sharpen(image, amount=0.5):
    """x - amount * Laplacian(x) (4-neighbour kernel, edges mirrored); same units as ``image``."""
    if amount < 0:
        raise ValueError(f"amount {amount} must be >= 0 (0 leaves the image unchanged)")
    kernel = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    return _per_band(image, lambda b: b - amount * ndimage.convolve(b, kernel, mode="reflect"))


def gaussian_psf(shape, sigma):
    """Normalised Gaussian kernel of ``sigma`` pixels centred at (0, 0) on a periodic grid of ``shape``."""
    rows, cols = shape
    y = np.fft.fftfreq(rows) * rows  # signed pixel offsets 0, 1, ..., -1
    x = np.fft.fftfreq(cols) * cols
    k = np.exp(-(y[:, None] ** 2 + x[None, :] ** 2) / (2.0 * sigma * sigma))
    return k / k.sum()


def wiener_deconvolve(image, sigma=1.0, noise_to_signal=0.01):
    """Wiener deconvolution of a Gaussian blur of ``sigma`` pixels; ``noise_to_signal`` K > 0.

    Larger K regularises more (less ringing, less sharpening).
    """
    if not sigma > 0:
        raise ValueError(f"sigma {sigma} must be > 0 pixels")
    if not noise_to_signal > 0:
        raise ValueError(f"noise_to_signal {noise_to_signal} must be > 0")
    def deconvolve(band):
        rows, cols = band.shape
        # Mirror to 2 x 2 times the size: the periodic FFT then sees the image extended
        # symmetrically at every edge, as a blur with mirrored edges does, and no jump.
        p = np.pad(band, ((0, rows), (0, cols)), mode="symmetric")
        h = np.fft.rfft2(gaussian_psf(p.shape, sigma))
        g = np.fft.rfft2(p)
        f = np.conj(h) / (np.abs(h) ** 2 + noise_to_signal) * g
        return np.fft.irfft2(f, s=p.shape)[:rows, :cols]

    return _per_band(image, deconvolve)


def enhance(image, method=None, **options):
    """Apply the contrast enhancement ``method``: None / 'none', 'laplacian' or 'wiener'."""
    if method in (None, "none"):
        return np.asarray(image, dtype=np.float32)
    if method == "laplacian":
        return laplacian_sharpen(image, **options)
    if method == "wiener":
        return wiener_deconvolve(image, **options)
    raise ValueError(f"unknown contrast enhancement {method!r}: use 'none', 'laplacian' or 'wiener'")
