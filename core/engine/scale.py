"""Conversions between the radiometric scales a SAR raster may be stored in.

All speckle statistics are defined on linear power (intensity), so every
filter converts to linear power first and back to the input's scale at the end.
"""
import numpy as np

LINEAR_POWER = "linear"
AMPLITUDE = "amplitude"
DB = "db"
SCALES = (LINEAR_POWER, AMPLITUDE, DB)


def to_linear_power(values, scale):
    """Return ``values`` (in ``scale``) as float32 linear power.

    dB -> 10**(dB/10); amplitude -> amplitude**2; linear power unchanged.
    NaN stays NaN. A new array is always returned: inputs are never modified.
    """
    values = np.asarray(values, dtype=np.float32)
    if scale == LINEAR_POWER:
        return values.copy()
    if scale == AMPLITUDE:
        return np.square(values)
    if scale == DB:
        return np.power(np.float32(10.0), values / np.float32(10.0), dtype=np.float32)
    raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES}")


def from_linear_power(power, scale):
    """Return linear power ``power`` converted to ``scale`` (float32).

    Power <= 0 maps to -inf dB only if asked for dB; filters never produce
    negative power from non-negative input.
    """
    power = np.asarray(power, dtype=np.float32)
    if scale == LINEAR_POWER:
        return power
    if scale == AMPLITUDE:
        return np.sqrt(np.maximum(power, 0, dtype=np.float32))
    if scale == DB:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.float32(10.0) * np.log10(power)).astype(np.float32)
    raise ValueError(f"unknown scale {scale!r}; expected one of {SCALES}")


def negative_fraction(values):
    """Fraction (0..1) of finite values below zero.

    Linear power and amplitude are never negative; a dB image of land or sea
    is mostly negative (sigma0 ~ -25..0 dB). Used to catch a dB raster
    declared as linear.
    """
    values = np.asarray(values)
    finite = np.isfinite(values)
    n = int(finite.sum())
    if n == 0:
        return 0.0
    return float(np.count_nonzero(values[finite] < 0)) / n


def check_scale(values, scale, max_negative_fraction=0.01):
    """Raise ValueError with the fix when ``values`` contradict ``scale``.

    A raster declared linear power or amplitude with more than
    ``max_negative_fraction`` negative values is almost surely in dB.
    """
    if scale in (LINEAR_POWER, AMPLITUDE):
        check_negative_fraction(negative_fraction(values), scale, max_negative_fraction)


def check_negative_fraction(frac, scale, max_negative_fraction=0.01):
    """``check_scale`` from the fraction (0..1) of negative finite values, counted elsewhere (per block)."""
    if scale in (LINEAR_POWER, AMPLITUDE):
        if frac > max_negative_fraction:
            raise ValueError(
                f"{frac:.0%} of the pixels are negative, which linear power or amplitude "
                "cannot be: the raster looks like dB. Set the input scale to dB."
            )
