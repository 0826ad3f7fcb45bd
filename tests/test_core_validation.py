"""core.engine.validation: the input rules every algorithm applies (numbers and wording)."""
import numpy as np

from sar_change.core.engine import scale as scales
from sar_change.core.engine import validation
from sar_change.core.engine.raster_blocks import RasterInfo

GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def _wkt(epsg):
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    return srs.ExportToWkt()


def info(xsize=100, ysize=80, gt=GT, epsg=32631):
    return RasterInfo("x.tif", xsize, ysize, 1, gt, _wkt(epsg) if epsg else "", (None,), ("",))


def test_scale_rule_both_ways():
    rng = np.random.default_rng(0)
    power = rng.gamma(4, 0.05, 10_000)  # sigma0 around -13 dB
    db = 10 * np.log10(power)
    assert validation.scale_problem(power, scales.LINEAR_POWER) is None
    assert validation.scale_problem(np.sqrt(power), scales.AMPLITUDE) is None
    assert validation.scale_problem(db, scales.DB) is None
    assert "looks like dB" in validation.scale_problem(db, scales.LINEAR_POWER)
    assert "looks like linear power" in validation.scale_problem(power, scales.DB)
    little = power.copy()
    little[:5] = -0.001  # 0.05 % negative power
    assert "5 pixel(s)" in validation.scale_problem(little, scales.LINEAR_POWER)
    bright = db + 15  # a bright urban scene in dB, mostly positive: median > 1 dB passes
    assert validation.scale_problem(bright, scales.DB) is None
    assert "beyond" in validation.scale_problem(np.r_[db, 1e6], scales.DB)


def test_content_size_and_windows():
    assert "no valid pixel" in validation.content_problem([np.nan, np.nan])
    assert validation.content_problem([1.0, 1.0]) is None
    assert "same value (1)" in validation.content_problem([1.0, 1.0], allow_constant=False)
    assert "1 x 5 pixels" in validation.size_problem(1, 5)
    assert validation.window_problem(7, 100, 80) is None
    assert "at most 79" in validation.window_problem(81, 100, 80)
    assert "at most 79" in validation.window_problem(81, 80, 100)


def test_grid_problem_says_what_differs():
    ref = info()
    assert validation.grid_problem(info(), ref) is None
    assert validation.grid_problem(info(100, 81), ref) == "size 100 x 81 pixels instead of 100 x 80"
    shifted = validation.grid_problem(info(gt=(600005.0,) + GT[1:]), ref)
    assert shifted.startswith("origin shifted by +0.5 x -0 pixels") and "size" not in shifted
    coarse = info(gt=GT[:1] + (20.0,) + GT[2:])
    assert "pixel size (geotransform) 20 x -10" in validation.grid_problem(coarse, ref)
    assert validation.grid_problem(info(epsg=32632), ref) == "CRS EPSG:32632 instead of EPSG:32631"
    assert validation.grid_problem(info(epsg=None), ref) == "CRS none instead of EPSG:32631"
    assert validation.grid_problem(info(epsg=None), info(epsg=None)) is None


def test_conditions_and_trained_ranges():
    rows = [{"temperature_c": "3", "precip_mm": "0"}, {"temperature_c": "", "precip_mm": "nan"}]
    problem = validation.missing_condition_problem(rows, ["temperature_c", "precip_mm"])
    assert "row 2 'temperature_c', row 2 'precip_mm'" in problem
    assert validation.missing_condition_problem(rows[:1], ["temperature_c", "precip_mm"]) is None
    norm = {"bands": ["VV"], "db_mean": [-10.0], "db_std": [2.0],
            "conditions": ["temperature_c", "sin_heading"], "condition_mean": [5.0], "condition_std": [4.0]}
    ranges = validation.trained_ranges(norm)
    assert ranges == {"VV dB": (-16.0, -4.0), "temperature_c": (-15.0, 25.0)}
    assert validation.range_problems({"temperature_c": [3.0, 20.0]}, ranges) == []
    (problem,) = validation.range_problems({"temperature_c": [3.0, 80.0]}, ranges)
    assert "outside the trained range -15 .. 25 (50% of the values)" in problem
    assert validation.trained_ranges(None) == {}
    # values the model was trained (fine-tuned) on widen the ranges; a narrower record changes nothing
    recorded = {"temperature_c": {"min": -2.0, "max": 31.0}, "VV_db": {"min": -14.0, "max": -3.0},
                "snow_depth_m": {"min": 0.0, "max": 1.0}}
    widened = {"VV dB": (-16.0, -3.0), "temperature_c": (-15.0, 31.0)}
    assert validation.trained_ranges(norm, recorded) == widened


def test_zero_power():
    assert "2 pixel(s)" in validation.zero_power_problem([0.0, 0.0, 0.1, 0.2], scales.LINEAR_POWER)
    assert validation.zero_power_problem([0.0, -3.0], scales.DB) is None
