"""Fully developed multiplicative speckle and static texture (linear power).

L-look intensity speckle is Gamma(L, 1/L) distributed: mean 1, variance 1/L,
so the equivalent number of looks mean^2/variance equals L (Goodman 1976,
J. Opt. Soc. Am. 66(11); Oliver & Quegan 1998, Understanding SAR Images,
sec. 4.3). Sentinel-1 IW GRD high resolution has ENL ~4.4 (ESA S-1 product
definition), hence the default of 4 looks.
"""
import numpy as np

from .landcover import BARE, FIELD, FOREST, URBAN, WATER

# Texture order parameter nu of K-distributed clutter (Oliver & Quegan 1998,
# ch. 11): intensity = texture (Gamma(nu, 1/nu), fixed in time) x speckle.
# Small nu = strong texture (towns, point-like scatterers); None = no texture.
TEXTURE_NU = {FOREST: 12.0, FIELD: 40.0, WATER: None, URBAN: 2.0, BARE: 20.0}


def gamma_speckle(shape, looks, rng, dtype=np.float32):
    """Speckle field of ``shape`` with mean 1 and ENL ``looks`` (Gamma(L, 1/L), linear power).

    ``looks`` = inf gives ones: the speckle-free image (an oracle for benchmarks).
    """
    if not looks > 0:
        raise ValueError(f"looks must be > 0 (got {looks}); Sentinel-1 IW GRD has about 4")
    if np.isinf(looks):
        return np.ones(shape, dtype=dtype)
    return (rng.standard_gamma(float(looks), size=shape, dtype=np.float32)
            / np.float32(looks)).astype(dtype, copy=False)


def texture_maps(shape, rng):
    """One static texture field per class: float32 array (6, rows, cols), index = class code.

    Texture is a property of the ground (tree crowns, buildings), so it is
    drawn once and reused for every acquisition; a pixel whose class changes
    takes the texture of its new class.
    """
    maps = np.ones((6,) + tuple(shape), dtype=np.float32)
    for cls, nu in sorted(TEXTURE_NU.items()):
        if nu is not None:
            maps[cls] = rng.standard_gamma(nu, size=shape, dtype=np.float32) / np.float32(nu)
    return maps


def apply_texture(power, classes, maps):
    """``power`` (linear) times the texture of each pixel's class (``maps`` from texture_maps)."""
    c = np.asarray(classes, dtype=np.intp)
    tex = np.take_along_axis(maps, c[None], axis=0)[0]
    return (np.asarray(power, dtype=np.float32) * tex).astype(np.float32, copy=False)
