"""Simulated test scenes for learned despeckling (numpy and core only: no torch).

The speckle-free twin of a simulated Sentinel-1 scene (``core.simulator``
with ``looks`` = inf) and its speckled versions, shared by the MERLIN
conversion (calibration) and ``benchmarks/despeckling.py`` (which uses other
seeds).
"""
import numpy as np


def simulated_scene(seed, size=256):
    """Speckle-free VV linear power (size x size, float64) of the first date of a simulated stack."""
    import tempfile

    from ...core.engine.raster_blocks import read_array
    from ...core.simulator.stack import simulate_stack
    with tempfile.TemporaryDirectory() as tmp:
        summary = simulate_stack(tmp, start="2021-01-01", end="2021-01-12", looks=np.inf,
                                 shape=(size, size), seed=seed, changes=None, orbits=("ascending",))
        clean = read_array(summary["files"][0], 1).astype(np.float64)
    return np.where(np.isfinite(clean), clean, np.nanmean(clean))


def speckled(clean, looks, seed):
    """``clean`` times Gamma(L, 1/L) speckle (the simulator's own speckle), float32."""
    from ...core.simulator.speckle import gamma_speckle
    return (clean * gamma_speckle(clean.shape, looks, np.random.default_rng(seed))).astype(np.float32)


def log_rmse_db(estimate, clean):
    """Root mean square of 10 log10(estimate / clean) in dB (estimates <= 0 clipped to 1e-12)."""
    ratio = np.maximum(np.asarray(estimate, np.float64), 1e-12) / clean
    return float(np.sqrt(np.mean((10.0 * np.log10(ratio)) ** 2)))
