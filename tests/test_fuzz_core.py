"""Hypothesis fuzz of the core stage functions: shapes, NaN (no data), zeros, extreme values.

Properties: no crash; finite, positive input power gives finite output (no NaN
leak); no-data pixels stay no data; the validation rules agree with the scale
conversions. Few examples per property (``max_examples``) so the module stays
within a few seconds.
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from sar_change.core.change import difference  # noqa: E402
from sar_change.core.engine import scale as scales  # noqa: E402
from sar_change.core.engine import validation  # noqa: E402
from sar_change.core.speckle import registry  # noqa: E402
from sar_change.core.terrain import flattening as terrain_flattening  # noqa: E402

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=24)
#: Linear power from 1e-8 (-80 dB) to 1e6 (+60 dB), as float32.
powers = st.floats(min_value=float(np.float32(1e-8)), max_value=1e6, allow_nan=False, width=32)


def power_arrays(with_nan=False):
    """float32 power arrays of fuzzed shapes; some pixels NaN when ``with_nan``."""
    elements = st.one_of(powers, st.just(float("nan"))) if with_nan else powers
    return shapes.flatmap(lambda shape: hnp.arrays(np.float32, shape, elements=elements))


@FUZZ
@given(power=power_arrays(with_nan=True), method=st.sampled_from(registry.METHODS),
       size=st.sampled_from([1, 3, 5]))
def test_speckle_filters_keep_nodata_and_never_leak_nan(power, method, size):
    if method == registry.LEE_SIGMA:
        size = max(size, 3)
    func, _ = registry.make_block_function(registry.FilterParams(method=method, size=size, looks=4.0))
    out = func(power)
    assert out.shape == power.shape
    nodata = np.isnan(power)
    assert np.isnan(out[nodata]).all()
    assert np.isfinite(out[~nodata]).all(), "a finite pixel came out NaN or inf"


@FUZZ
@given(power=power_arrays(), method=st.sampled_from(registry.METHODS))
def test_speckle_filters_on_constant_and_zero_images(power, method):
    size = 3
    func, _ = registry.make_block_function(registry.FilterParams(method=method, size=size, looks=1.0))
    constant = np.full_like(power, power.flat[0])
    out = func(constant)
    np.testing.assert_allclose(out, constant, rtol=1e-4)  # a constant scene has nothing to filter
    zeros = func(np.zeros_like(power))
    assert np.isfinite(zeros).all() and (zeros == 0).all()


@FUZZ
@given(data=st.data(), method=st.sampled_from(difference.METHODS))
def test_difference_images_keep_nodata(data, method):
    shape = data.draw(shapes)
    a = data.draw(hnp.arrays(np.float32, shape, elements=powers))
    b = data.draw(hnp.arrays(np.float32, shape, elements=powers))
    holes = data.draw(hnp.arrays(bool, shape))
    b = np.where(holes, np.nan, b).astype(np.float32)
    func, _ = difference.make_block_function(method, scales.LINEAR_POWER, 3)
    out = func(np.stack([a, b]))[0]
    assert np.isnan(out[holes]).all()
    if method == difference.CUMULANT_KL:  # no pdf (NaN) where a date's window is constant or has < 2 pixels
        assert (np.isnan(out) | (out >= 0)).all()
    elif method not in (difference.MEAN_RATIO, difference.NEIGHBOURHOOD_RATIO):  # windows see the holes
        assert np.isfinite(out[~holes]).all()


@FUZZ
@given(power=power_arrays(with_nan=True), scale=st.sampled_from(scales.SCALES))
def test_scale_round_trip_and_rule(power, scale):
    stored = scales.from_linear_power(power, scale)
    back = scales.to_linear_power(stored, scale)
    finite = np.isfinite(power)
    np.testing.assert_allclose(back[finite], power[finite], rtol=1e-3)
    assert np.isnan(back[~finite]).all()
    # Any linear power or amplitude passes the rule for its own scale.
    if scale != scales.DB:
        assert validation.scale_problem(stored, scale) is None


@FUZZ
@given(dem=hnp.arrays(np.float32, st.tuples(st.integers(8, 20), st.integers(8, 20)),
                      elements=st.floats(-100, 3000, width=32)),
       heading=st.floats(0, 360), incidence=st.floats(20, 50))
def test_flattening_reference_is_bounded(dem, heading, incidence):
    ref = terrain_flattening.flattening_reference(dem, 10.0, 10.0, np.radians(incidence), heading,
                                                  mask_distorted=False)
    valid = np.isfinite(ref)
    assert (ref[valid] >= terrain_flattening.MIN_REFERENCE).all()
    gamma0 = terrain_flattening.apply_reference(np.full(dem.shape, 0.1, np.float32), ref)
    assert (gamma0[valid] <= 0.1 / terrain_flattening.MIN_REFERENCE + 1e-6).all()  # never ~1e12


@FUZZ
@given(sample=hnp.arrays(np.float64, st.integers(1, 200), elements=st.floats(-1e3, 1e3)))
def test_validation_functions_never_crash(sample):
    for declared in scales.SCALES:
        problem = validation.scale_problem(sample, declared)
        assert problem is None or isinstance(problem, str)
    assert validation.content_problem(sample) is None
    assert validation.content_problem(np.full(sample.shape, np.nan)) is not None
