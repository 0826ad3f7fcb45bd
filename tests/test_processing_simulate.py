"""Simulate SAR time series and Simulated change mask through processing.run."""
import csv
import os

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.engine import raster_blocks as rb
from sar_change.core.simulator import ACQUISITION_COLUMNS


@pytest.fixture(scope="module")
def stack(qgis_app, tmp_path_factory):
    import processing

    out = tmp_path_factory.mktemp("stack")
    result = processing.run("sarchange:simulatestack", {
        "SIZE": 96, "START_DATE": "2020-01-01", "END_DATE": "2020-06-30", "REVISIT": 12,
        "ORBITS": [0, 1], "POLARISATIONS": [0, 1], "LOOKS": 4, "SEED": 3, "MAX_SHIFT": 0.5,
        "OUTPUT_FOLDER": str(out)})
    return result


def test_stack_files_table_and_grid(stack):
    with open(stack["ACQUISITIONS_CSV"]) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0].keys()) == list(ACQUISITION_COLUMNS)
    assert stack["COUNT"] == len(rows) > 20  # 6 months, 12-day revisit, two orbit directions
    assert {r["orbit_direction"] for r in rows} == {"ascending", "descending"}
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    first = os.path.join(stack["OUTPUT_FOLDER"], rows[0]["file"])
    info = rb.read_info(first)
    assert (info.xsize, info.ysize, info.bands) == (96, 96, 2)
    assert info.descriptions == ("VV", "VH")
    assert rb.read_info(stack["LANDCOVER"]).geotransform == info.geotransform
    shifts = np.array([[float(r["shift_x_px"]), float(r["shift_y_px"])] for r in rows])
    assert np.abs(shifts).max() <= 0.5 and np.abs(shifts).max() > 0
    vv = rb.read_array(first, 1)
    assert np.nanmedian(10 * np.log10(vv)) == pytest.approx(-10, abs=6)  # sigma0 of land, dB


def test_same_seed_same_bytes(stack, qgis_app, tmp_path):
    import processing

    again = processing.run("sarchange:simulatestack", {
        "SIZE": 96, "START_DATE": "2020-01-01", "END_DATE": "2020-06-30", "REVISIT": 12,
        "ORBITS": [0, 1], "POLARISATIONS": [0, 1], "LOOKS": 4, "SEED": 3, "MAX_SHIFT": 0.5,
        "OUTPUT_FOLDER": str(tmp_path)})
    a = rb.read_array(os.path.join(stack["OUTPUT_FOLDER"], "landcover.tif"))
    b = rb.read_array(os.path.join(again["OUTPUT_FOLDER"], "landcover.tif"))
    np.testing.assert_array_equal(a, b)
    with open(stack["ACQUISITIONS_CSV"]) as fa, open(again["ACQUISITIONS_CSV"]) as fb:
        assert fa.read() == fb.read()


def test_change_mask_between_dates(stack, qgis_app, tmp_path):
    import processing

    change_date = stack["CHANGE_DATE"]
    days = rb.read_array(change_date, 1)
    assert np.nansum(days > 0) > 0
    full = processing.run("sarchange:simulatedchangemask", {
        "CHANGE_DATE": change_date, "DATE_A": "2020-01-01", "DATE_B": "2020-06-30",
        "OUTPUT": str(tmp_path / "all.tif")})["OUTPUT"]
    none = processing.run("sarchange:simulatedchangemask", {
        "CHANGE_DATE": change_date, "DATE_A": "2020-01-01", "DATE_B": "2020-01-01",
        "OUTPUT": str(tmp_path / "none.tif")})["OUTPUT"]
    ds_all, ds_none = gdal.Open(full), gdal.Open(none)
    assert ds_all.GetRasterBand(1).ReadAsArray().sum() > 0
    assert ds_none.GetRasterBand(1).ReadAsArray().sum() == 0


def _gdal_errors(action):
    """(result of ``action()``, messages of the GDAL errors raised meanwhile)."""
    errors = []
    gdal.PushErrorHandler(lambda cls, number, message: errors.append(message) if cls >= gdal.CE_Failure
                          else None)
    try:
        return action(), errors
    finally:
        gdal.PopErrorHandler()


def test_change_date_loads_in_qgis_and_sizes_without_gdal_errors(stack, tmp_path):
    # 0 (no change) is a value of change_date.tif, not no data: QGIS's default renderer of the layer
    # (histograms of both bands) finds more than one value in each band; the acquisitions table is
    # not probed as a raster when the output room is estimated.
    from qgis.core import QgsRasterLayer

    from sar_change.processing.algorithms import common

    change_date = stack["CHANGE_DATE"]
    assert rb.read_info(change_date).nodata == (None, None)
    assert len(np.unique(rb.read_array(change_date, 2))) > 1  # no end day (0) and the flood's end
    layer, errors = _gdal_errors(lambda: QgsRasterLayer(change_date, "change date", "gdal"))
    assert layer.isValid() and errors == []
    sizes, errors = _gdal_errors(lambda: [common.raster_float32_bytes(p)
                                          for p in (stack["ACQUISITIONS_CSV"], change_date)])
    assert sizes == [0, 96 * 96 * 2 * 4] and errors == []


def test_reversed_dates_are_refused(qgis_app, tmp_path):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="(?i)date"):
        processing.run("sarchange:simulatestack", {
            "SIZE": 32, "START_DATE": "2021-01-01", "END_DATE": "2020-01-01",
            "OUTPUT_FOLDER": str(tmp_path)})
