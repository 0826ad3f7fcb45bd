"""Synthetic terrain: fractal (power-law spectrum) DEMs and no-data filling.

Spectral synthesis of fractional Brownian surfaces (Saupe 1988, "Algorithms
for random fractals", in Peitgen & Saupe, The Science of Fractal Images):
white Gaussian noise is filtered in the Fourier domain so that its power
spectrum falls as |k|^-beta. beta = 2 + 2H for a surface of Hurst exponent H;
real topography has H ~ 0.7-0.9, i.e. beta ~ 3.4-3.8 (Turcotte 1997,
Fractals and Chaos in Geology and Geophysics, ch. 7), smaller beta gives
rougher terrain.
"""
import numpy as np
from scipy import ndimage


def fractal_dem(shape, pixel_size_m, relief_m, beta, rng, valley=True, base_m=200.0):
    """Fractal DEM (float32 metres, ``base_m`` .. ``base_m + relief_m``).

    ``shape``: (rows, cols) in pixels; ``pixel_size_m``: pixel spacing in
    metres (sets the physical scale of the valley); ``relief_m``: elevation
    range in metres; ``beta``: spectral exponent of the power spectrum
    P(k) ~ |k|^-beta (dimensionless, 2..4; 3.2 gives hills); ``rng``: a
    numpy Generator (the result depends only on it).

    ``valley=True`` carves a meandering valley with a flat floor across the
    scene (a river, fields and towns need one); the floor slopes gently
    downstream (3 % of the relief) so water has a direction to flow.
    """
    rows, cols = (int(v) for v in shape)
    if rows < 8 or cols < 8:
        raise ValueError(f"DEM shape {shape} is too small: give at least 8 x 8 pixels")
    if relief_m <= 0 or pixel_size_m <= 0:
        raise ValueError("relief_m and pixel_size_m must be > 0 (metres)")
    noise = rng.standard_normal((rows, cols))
    ky = np.fft.fftfreq(rows, d=pixel_size_m)[:, None]  # cycles per metre
    kx = np.fft.rfftfreq(cols, d=pixel_size_m)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = np.inf  # no mean term
    amplitude = k ** (-beta / 2.0)  # amplitude ~ sqrt(power)
    surface = np.fft.irfft2(np.fft.rfft2(noise) * amplitude, s=(rows, cols))
    surface = _unit(surface)
    if valley:
        v, along = _valley(rows, cols, rng)
        surface = 0.5 * v + 0.8 * surface * (0.06 + 0.94 * v) + 0.03 * along
        surface = _unit(surface)
    return (base_m + relief_m * surface).astype(np.float32)


def _unit(a):
    lo, hi = np.min(a), np.max(a)
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _valley(rows, cols, rng):
    """Valley profile 0 (axis) .. 1 (far) and along-axis coordinate 0..1.

    The axis runs along the longer side with a random sinusoidal meander;
    the flat floor is ~12 % of the shorter side wide, the walls rise over ~20 %.
    """
    transpose = cols > rows
    n_along, n_across = (cols, rows) if transpose else (rows, cols)
    t = np.arange(n_along) / max(n_along - 1, 1)
    phase = rng.uniform(0, 2 * np.pi, 2)
    centre = n_across * (0.5 + 0.12 * np.sin(2 * np.pi * 1.3 * t + phase[0])
                         + 0.05 * np.sin(2 * np.pi * 3.1 * t + phase[1]))
    across = np.arange(n_across)[None, :]
    distance = np.abs(across - centre[:, None])
    x = np.clip((distance - 0.06 * n_across) / (0.2 * n_across), 0.0, 1.0)
    v = x * x * (3.0 - 2.0 * x)  # smoothstep: flat floor, then the valley wall
    along = np.broadcast_to(t[:, None], v.shape)
    if transpose:
        v, along = v.T, along.T
    return v, np.ascontiguousarray(along)


def fill_nodata(dem):
    """Copy of ``dem`` with NaN replaced by the nearest valid elevation (float64).

    Terrain derivatives need finite neighbours; results at the filled pixels
    are set back to NaN by the caller. Raises ValueError when no pixel is valid.
    """
    dem = np.asarray(dem, dtype=np.float64)
    invalid = ~np.isfinite(dem)
    if not invalid.any():
        return dem.copy()
    if invalid.all():
        raise ValueError("the DEM has no valid pixel: give a DEM with elevations (NaN is no data)")
    idx = ndimage.distance_transform_edt(invalid, return_distances=False, return_indices=True)
    return dem[tuple(idx)]
