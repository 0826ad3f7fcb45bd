"""Palette (colour-table) inputs in the classic flow: speckle filter, ENL, DI, thresholds, batch.

Each path must give, on a palette image, bit for bit what it gives on the same image stored as grey bytes
(fixtures of tests/test_palette_inputs.py: a non-monotone palette, one entry a colour).
"""
import numpy as np
import pytest
from osgeo import gdal
from test_core_unsupervised_change import GEOTRANSFORM
from test_palette_inputs import grey_and_palette_pair, indices, palette_entries, write_palette

from sar_change.core.change import thresholds
from sar_change.core.engine import palette, raster_sampling
from sar_change.core.engine import raster_blocks as rb
from sar_change.core.engine import scale as scales
from sar_change.core.speckle import registry

from helpers import recording_feedback, write_raster

LEE = registry.FilterParams(method=registry.LEE, size=5, looks=4.0)


def band_of(path, band=1):
    """``(values as stored, GDAL data type, colour table, no-data value)`` of band ``band`` of ``path``."""
    ds = gdal.Open(str(path))
    b = ds.GetRasterBand(band)
    return b.ReadAsArray(), b.DataType, b.GetColorTable(), b.GetNoDataValue()


def assert_grey_float_output(path_palette, path_grey):
    """The two outputs are equal bit for bit, Float32 and carry no colour table."""
    got, kind, table, nodata = band_of(path_palette)
    want, want_kind, want_table, want_nodata = band_of(path_grey)
    assert kind == want_kind == gdal.GDT_Float32 and table is None and want_table is None
    assert got.tobytes() == want.tobytes()
    assert nodata == want_nodata or (np.isnan(nodata) and np.isnan(want_nodata))
    return got


def lut_of(path):
    """The grey-level table of band 1 of ``path`` (the dataset kept open while reading it)."""
    ds = gdal.Open(str(path))
    return palette.grey_lut(ds.GetRasterBand(1))


@pytest.fixture
def pair(tmp_path):
    paths, _ = grey_and_palette_pair(tmp_path)
    return paths


def palette_lines(feedback):
    return [line for line in feedback.infos if "palette (colour table)" in line]


# --- Core ----------------------------------------------------------------------------------------

def test_filter_raster_reads_palette_as_grey_tiled_equals_whole(pair, tmp_path):
    func, margin = registry.make_block_function(LEE, scales.AMPLITUDE)
    out = {}
    for kind, block in (("grey", 512), ("palette", 512), ("palette_tiled", 16)):
        src = pair[kind.split("_")[0] + "1"]
        out[kind] = rb.filter_raster(src, tmp_path / f"lee_{kind}.tif", func, margin, block=block)
    filtered = assert_grey_float_output(out["palette"], out["grey"])
    assert band_of(out["palette_tiled"])[0].tobytes() == filtered.tobytes()
    assert np.isfinite(filtered).all() and 0 < filtered.mean() < 255
    # Filtering the indices (the former behaviour) gives other numbers.
    raw = rb.read_array(pair["palette1"])
    assert not np.allclose(func(raw), filtered)


def test_filter_raster_palette_nodata_index_is_nan(tmp_path):
    index = indices()
    path = write_palette(tmp_path / "p.tif", index, palette_entries(), nodata=7)
    out = rb.filter_raster(path, tmp_path / "copy.tif", lambda a: a, 0, block=16)
    values, kind, table, nodata = band_of(out)
    assert kind == gdal.GDT_Float32 and table is None and np.isnan(nodata)
    lut = lut_of(path)
    expected = np.where(index == 7, np.float32(np.nan), lut[index])
    assert values.tobytes() == expected.tobytes() and np.isnan(values).sum() == (index == 7).sum() > 0


def test_estimate_looks_palette_equals_grey(pair):
    looks = {k: raster_sampling.estimate_looks(pair[k + "1"], scales.AMPLITUDE) for k in ("grey", "palette")}
    assert looks["palette"] == looks["grey"]
    assert 2.0 < looks["grey"][0] < 8.0  # 4-look speckle, quantised to bytes


def test_threshold_sample_and_mask_palette_equal_grey(pair, tmp_path):
    samples = {kind: thresholds.sample_raster(pair[kind + "1"]) for kind in ("grey", "palette")}
    assert samples["palette"].tobytes() == samples["grey"].tobytes()
    small = {k: thresholds.sample_raster(pair[k + "1"], max_pixels=1000) for k in ("grey", "palette")}
    assert small["palette"].tobytes() == small["grey"].tobytes() and small["grey"].size <= 1000
    result = thresholds.fit(thresholds.OTSU, samples["grey"], thresholds.INCREASE)
    masks, counts = {}, {}
    for kind in ("grey", "palette"):
        out = tmp_path / f"mask_{kind}.tif"
        counts[kind] = thresholds.write_mask(pair[kind + "1"], out, result, block=16)
        masks[kind] = band_of(out)[0]
    np.testing.assert_array_equal(masks["palette"], masks["grey"])
    assert counts["palette"] == counts["grey"] and counts["grey"]["changed"] > 0


def test_threshold_mask_of_palette_nodata_index(tmp_path):
    index = indices()
    path = write_palette(tmp_path / "p.tif", index, palette_entries(), nodata=7)
    lut = lut_of(path)
    result = thresholds.fit(thresholds.MANUAL, lut[index].ravel(), thresholds.INCREASE, threshold=150.0)
    counts = thresholds.write_mask(path, tmp_path / "m.tif", result, block=16)
    mask = band_of(tmp_path / "m.tif")[0]
    expected = np.where(index == 7, thresholds.NODATA, (lut[index] >= 150).astype(np.uint8))
    np.testing.assert_array_equal(mask, expected)
    assert counts["nodata"] == (index == 7).sum()


def test_non_palette_reads_unchanged(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.gamma(4.0, 0.25, (37, 45)).astype(np.float32)
    path = write_raster(tmp_path / "f.tif", values, GEOTRANSFORM, nodata=-9.0)
    out = rb.filter_raster(path, tmp_path / "copy.tif", lambda a: a, 0, block=16)
    got, _, table, nodata = band_of(out)
    assert got.tobytes() == values.tobytes() and table is None and nodata == -9.0
    sample = thresholds.sample_raster(path)
    assert np.sort(sample).tobytes() == np.sort(values.ravel()).tobytes()


# --- Processing ----------------------------------------------------------------------------------

def test_speckle_filter_algorithm_palette_equals_grey(run, pair, tmp_path):
    outputs, logs = {}, {}
    for kind in ("grey", "palette"):
        feedback = recording_feedback()
        outputs[kind] = run("sarchange:specklefilter", {
            "INPUT": pair[kind + "1"], "METHOD": 2, "WINDOW_SIZE": 5, "ESTIMATE_ENL": True, "SCALE": 1,
            "EXTENT": "500100,500800,4599400,4599900 [EPSG:32631]",
            "OUTPUT": str(tmp_path / f"lee_{kind}.tif")}, feedback=feedback)["OUTPUT"]
        logs[kind] = feedback
    assert_grey_float_output(outputs["palette"], outputs["grey"])
    assert palette_lines(logs["grey"]) == []
    lines = palette_lines(logs["palette"])
    assert len(lines) == 1 and "'p1' band 1" in lines[0]
    used = {k: [m for m in f.infos if m.startswith("Number of looks used")] for k, f in logs.items()}
    assert used["palette"] == used["grey"] and used["grey"]


def test_estimate_enl_algorithm_palette_equals_grey(run, pair):
    results, logs = {}, {}
    for kind in ("grey", "palette"):
        feedback = recording_feedback()
        results[kind] = run("sarchange:estimateenl", {"INPUT": pair[kind + "1"], "SCALE": 1},
                            feedback=feedback)
        logs[kind] = palette_lines(feedback)
    assert results["palette"] == results["grey"]
    assert logs["grey"] == [] and len(logs["palette"]) == 1


def test_estimate_enl_area_palette_equals_grey(run, pair, monkeypatch):
    import test_processing_speckle

    monkeypatch.setattr(test_processing_speckle, "GEOTRANSFORM", GEOTRANSFORM)  # the pair's grid
    results = {}
    for kind in ("grey", "palette"):
        area = test_processing_speckle.polygon_layer_4326((2, 2, 40, 40))
        results[kind] = run("sarchange:estimateenl", {"INPUT": pair[kind + "1"], "SCALE": 1, "AREA": area})
    assert results["palette"] == results["grey"] and results["grey"]["PIXELS"] > 1000


def test_difference_image_algorithm_palette_equals_grey(run, pair, tmp_path):
    outputs, logs = {}, {}
    for kind in ("grey", "palette"):
        feedback = recording_feedback()
        outputs[kind] = run("sarchange:differenceimage", {
            "IMAGE_1": pair[kind + "1"], "IMAGE_2": pair[kind + "2"], "METHOD": 3, "WINDOW": 5, "SCALE": 1,
            "EXTENT": "500100,500800,4599400,4599900 [EPSG:32631]",
            "OUTPUT": str(tmp_path / f"di_{kind}.tif")}, feedback=feedback)["OUTPUT"]
        logs[kind] = palette_lines(feedback)
    assert_grey_float_output(outputs["palette"], outputs["grey"])
    assert logs["grey"] == [] and len(logs["palette"]) == 2
    assert "'p1' band 1" in logs["palette"][0] and "'p2' band 1" in logs["palette"][1]


def test_threshold_algorithm_palette_equals_grey(run, pair, tmp_path):
    outputs, logs = {}, {}
    for kind in ("grey", "palette"):
        feedback = recording_feedback()
        outputs[kind] = run("sarchange:thresholdchange", {
            "INPUT": pair[kind + "1"], "METHOD": 0, "OUTPUT_MASK": str(tmp_path / f"mask_{kind}.tif"),
            "OUTPUT_DI": str(tmp_path / f"di_{kind}.tif")}, feedback=feedback)
        logs[kind] = palette_lines(feedback)
    assert outputs["palette"]["THRESHOLD"] == outputs["grey"]["THRESHOLD"]
    np.testing.assert_array_equal(band_of(outputs["palette"]["OUTPUT_MASK"])[0],
                                  band_of(outputs["grey"]["OUTPUT_MASK"])[0])
    copy = assert_grey_float_output(outputs["palette"]["OUTPUT_DI"], outputs["grey"]["OUTPUT_DI"])
    assert copy.tobytes() == band_of(pair["grey1"])[0].astype(np.float32).tobytes()
    assert logs["grey"] == [] and len(logs["palette"]) == 1


def test_default_bands_sample_reads_grey(qgis_app, pair):
    from sar_change.processing.algorithms import raster_subset

    got, want = (raster_subset.band_sample(pair[k + "1"], 1) for k in ("palette", "grey"))
    assert got.dtype == np.float64 and got.tobytes() == want.astype(np.float64).tobytes()


# --- Batch ---------------------------------------------------------------------------------------

def test_batch_reads_palette_as_grey(pair, tmp_path):
    pytest.importorskip("dask")
    pytest.importorskip("rioxarray")
    from sar_change.batch import rasters, stages

    arrays = {k: rasters.open_bands(pair[k + "1"], chunk=32).compute() for k in ("grey", "palette")}
    assert arrays["palette"].dtype == np.float32
    assert arrays["palette"].tobytes() == arrays["grey"].tobytes()
    samples = {k: stages.threshold_sample(pair[k + "1"]) for k in ("grey", "palette")}
    assert samples["palette"].tobytes() == samples["grey"].tobytes()
    index = indices()
    path = write_palette(tmp_path / "n.tif", index, palette_entries(), nodata=7)
    lut = lut_of(path)
    got = rasters.open_bands(path, chunk=16).compute()[0]
    assert got.tobytes() == np.where(index == 7, np.float32(np.nan), lut[index]).tobytes()


def test_batch_speckle_of_palette_equals_processing(run, pair, tmp_path):
    """The batch speckle stage on a palette image (with a no-data index) writes what specklefilter writes."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("rioxarray")
    from sar_change.batch import pipeline as pl

    grey = band_of(pair["grey1"])[0]
    entries = palette_entries() + [(v, v, v) for v in range(60, 256)]
    entries[200] = (0, 0, 0)  # the no-data index: its colour is a valid grey level elsewhere
    index = np.where(grey >= np.sort(grey.ravel())[-20], 200, grey).astype(np.uint8)
    path = write_palette(tmp_path / "nd.tif", index, entries, nodata=200)
    params = {**pl.DEFAULTS[pl.SPECKLE], "METHOD": 2, "WINDOW_SIZE": 5, "ESTIMATE_ENL": True, "SCALE": 1}
    want = run("sarchange:specklefilter",
               {**params, "INPUT": path, "OUTPUT": str(tmp_path / "q.tif")})["OUTPUT"]
    _, final = pl.speckle_tasks(path, str(tmp_path / "b.tif"), params, chunk=32)
    (got,) = dask.compute(final, scheduler="synchronous")
    values, kind, table, nodata = band_of(got)
    expected, _, _, want_nodata = band_of(want)
    assert kind == gdal.GDT_Float32 and table is None and np.isnan(nodata) and np.isnan(want_nodata)
    assert np.array_equal(values, expected, equal_nan=True)
    assert np.isnan(values).sum() >= (index == 200).sum() >= 20
