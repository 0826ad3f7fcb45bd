"""Small synthetic inputs shared by the tests (numpy only)."""
import numpy as np


def gamma_speckle(shape, looks, seed=0, mean=1.0):
    """L-look intensity speckle: Gamma(L, mean/L), mean ``mean``, ENL = L."""
    rng = np.random.default_rng(seed)
    return (rng.gamma(looks, mean / looks, shape)).astype(np.float32)


def structured_scene(n=160, looks=2, seed=0):
    """Speckled scene with a step edge, a dark disc, a ramp and a bright point (linear power)."""
    y, x = np.mgrid[0:n, 0:n]
    scene = np.where(x < n // 2, 1.0, 4.0) * np.where((y - n // 2) ** 2 + (x - n // 4) ** 2 < (n // 8) ** 2,
                                                      0.2, 1.0)
    scene = scene + 0.5 * y / n
    scene[n * 3 // 4, n * 3 // 4] = 60.0
    return (scene * gamma_speckle((n, n), looks, seed)).astype(np.float32)


def brute_window(image, size, reducer):
    """Reference: ``reducer`` over the valid values of every window (slow, small arrays)."""
    r = size // 2
    padded = np.pad(image.astype(np.float64), r, constant_values=np.nan)
    out = np.full(image.shape, np.nan)
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            w = padded[i:i + size, j:j + size]
            w = w[np.isfinite(w)]
            if w.size:
                out[i, j] = reducer(w)
    return out
