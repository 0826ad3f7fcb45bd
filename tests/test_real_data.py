"""Filters on real Sentinel-1 data from ../shared/data (skipped when absent).

Idaho: S1B IW, 3 dates, VV/VH linear power (ENL ~ 40 after multilooking).
Arles: S1A IW GRD VV, terrain corrected, dB, no data -99.
Checks: the ENL estimate grows, the mean is preserved in linear power, no
data stays no data, tiled == untiled through the block engine.
Contains modified Copernicus Sentinel data 2015, 2019.
"""
import numpy as np
import pytest

from sar_change.core.engine import raster_blocks as rb
from sar_change.core.engine import scale
from sar_change.core.speckle import registry
from sar_change.core.speckle.enl import estimate_enl, local_cv2

METHODS = registry.METHODS


def homogeneous_enl_gain(before, after, size=11, fraction=0.25):
    """Median ENL ratio after/before over the input's most homogeneous windows.

    ENL is measured where it is defined, in homogeneous areas: the ``fraction``
    of non-overlapping ``size`` windows with the lowest input CV^2.
    """
    cv_in, cv_out = local_cv2(before, size), local_cv2(after, size)
    assert cv_in.shape == cv_out.shape  # same NaN pattern, same windows
    keep = cv_in <= np.quantile(cv_in, fraction)
    return float(np.median(cv_in[keep] / cv_out[keep]))


def idaho_files(shared_data):
    files = sorted((shared_data / "s1_idaho_3date").glob("*.tif"))
    assert len(files) == 3
    return files


@pytest.mark.parametrize("method", METHODS)
def test_idaho_vv_vh_enl_gain_and_mean(shared_data, tmp_path, method):
    src = str(idaho_files(shared_data)[0])
    for band in (1, 2):  # VV, VH linear power
        power = rb.read_array(src, band)
        looks = estimate_enl(local_cv2(power))
        assert 10 < looks < 200, looks  # multilooked GRD
        params = registry.FilterParams(method=method, looks=looks)
        func, margin = registry.make_block_function(params, scale.LINEAR_POWER)
        out_path = rb.filter_raster(src, tmp_path / f"{method}_{band}.tif", func, margin, bands=[band],
                                    block=100)
        out = rb.read_array(out_path)
        np.testing.assert_array_equal(np.isnan(out), np.isnan(power))
        gain = homogeneous_enl_gain(power, out)
        assert gain > 3.0, (method, band, gain)
        bias = np.nanmean(out) / np.nanmean(power) - 1
        limit = 0.04 if method in (registry.MEDIAN, registry.GAMMA_MAP) else 0.01
        assert abs(bias) < limit, (method, band, bias)


@pytest.mark.parametrize("method", [registry.LEE, registry.REFINED_LEE, registry.LEE_SIGMA, registry.FROST])
def test_arles_db_with_nodata(shared_data, tmp_path, method):
    src = str(next((shared_data / "s1_arles_db").glob("*.tif")))
    info = rb.read_info(src)
    assert info.nodata[0] == -99
    db = rb.read_array(src)
    with pytest.raises(ValueError, match="dB"):
        scale.check_scale(db, scale.LINEAR_POWER)
    power = scale.to_linear_power(db, scale.DB)
    looks = estimate_enl(local_cv2(power))
    func, margin = registry.make_block_function(registry.FilterParams(method=method, looks=looks), scale.DB)
    whole = rb.read_array(rb.filter_raster(src, tmp_path / "whole.tif", func, margin, block=1024))
    tiled_path = rb.filter_raster(src, tmp_path / "tiled.tif", func, margin, block=45)
    tiled = rb.read_array(tiled_path)
    np.testing.assert_array_equal(whole, tiled)
    assert rb.read_info(tiled_path).nodata[0] == -99
    np.testing.assert_array_equal(np.isnan(tiled), np.isnan(db))
    out_power = scale.to_linear_power(tiled, scale.DB)
    assert homogeneous_enl_gain(power, out_power) > 3.0
    assert abs(np.nanmean(out_power) / np.nanmean(power) - 1) < 0.03
