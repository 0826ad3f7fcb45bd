"""Processing algorithm "Coregister SAR stack" through ``processing.run``.

Uses ``sarchange:coregister`` when the SAR Change provider registers it,
else the same algorithm class served by a test-only provider.
"""
import csv
import json
import os

import numpy as np
import pytest
from osgeo import gdal
from scipy import ndimage

from sar_change.core.coregistration import correlation as corr
from sar_change.core.engine.raster_blocks import read_array, read_info

from helpers import algorithm_id, write_raster

EPSG = 32631
GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def make_raster(path, bands, geotransform=GT, epsg=EPSG):
    n = 1 if np.ndim(bands) == 2 else len(bands)
    return write_raster(path, bands, geotransform, epsg, descriptions=[["VV", "VH"][i % 2] for i in range(n)])


def speckled_pair(shape, dy, dx, seed=0, looks=4):
    """(ref, mov) linear power; ref(r, c) = mov(r - dy, c - dx) before speckle."""
    pad = 24
    rng = np.random.default_rng(seed)
    big_shape = (shape[0] + 2 * pad, shape[1] + 2 * pad)
    fields = ndimage.gaussian_filter(rng.normal(size=big_shape), 12)
    texture = ndimage.gaussian_filter(rng.normal(size=big_shape), 1.0)
    scene = fields / fields.std() + 0.9 * texture / texture.std()
    moved = corr.shift_image(scene, -dy, -dx)[pad:-pad, pad:-pad]
    speckle = rng.gamma(looks, 1.0 / looks, (2,) + tuple(shape))
    return np.exp(scene[pad:-pad, pad:-pad]) * speckle[0], np.exp(moved) * speckle[1]


@pytest.fixture(scope="module")
def alg_id(qgis_app):
    """Id of the plugin's algorithm (registered by the sarchange provider)."""
    return algorithm_id("coregister")


@pytest.fixture(scope="module")
def rasters(tmp_path_factory):
    d = tmp_path_factory.mktemp("coreg_inputs")
    ref, mov = speckled_pair((192, 224), 1.45, -2.8, seed=3)
    _, mov2 = speckled_pair((192, 224), -0.6, 0.35, seed=3)
    return dict(
        ref=make_raster(d / "ref.tif", np.stack([ref, 0.2 * ref])),
        mov=make_raster(d / "date2.tif", np.stack([mov, 0.2 * mov])),
        mov2=make_raster(d / "date3.tif", mov2),
        far=make_raster(d / "far.tif", mov, geotransform=(900000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)),
        dir=d,
    )


def test_algorithm_metadata(alg_id):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    assert alg.name() == "coregister"
    assert alg.displayName() == "Coregister SAR stack"
    assert (alg.group(), alg.groupId()) == ("Terrain", "terrain")
    assert "Guizar-Sicairos" in alg.shortHelpString()
    names = [p.name() for p in alg.parameterDefinitions()]
    for name in ("REFERENCE", "INPUTS", "BAND", "SCALE", "MODEL", "RESAMPLING", "WINDOW", "DEM", "HEADING",
                 "INCIDENCE", "REGISTER_TO_DEM", "MASK_WATER", "OUTPUT_FOLDER", "OUTPUT_TABLE",
                 "OUTPUT_TIEPOINTS"):
        assert name in names
    assert alg.parameterDefinition("WINDOW").defaultValue() == 64
    assert alg.parameterDefinition("HEADING").defaultValue() == 348
    assert alg.parameterDefinition("INCIDENCE").defaultValue() == 35
    assert alg.parameterDefinition("MODEL").options() == ["Translation", "Affine", "2nd-order polynomial"]
    assert len(alg.parameterDefinition("RESAMPLING").options()) == 4


def test_end_to_end_writes_outputs_table_and_tiepoints(run, alg_id, rasters, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsVectorLayer

    messages = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info):
            messages.append(info)
            super().pushInfo(info)

    out_dir = tmp_path / "stack"
    result = run(alg_id, {
        "REFERENCE": rasters["ref"], "INPUTS": [rasters["mov"], rasters["mov2"]], "MODEL": 0,
        "RESAMPLING": 2, "OUTPUT_FOLDER": str(out_dir), "OUTPUT_TABLE": str(tmp_path / "offsets.csv"),
        "OUTPUT_TIEPOINTS": str(tmp_path / "tiepoints.gpkg")},
        context=QgsProcessingContext(), feedback=Feedback())
    outputs = sorted(os.listdir(out_dir))
    assert outputs == ["coregistration_report.json", "date2_coreg.tif", "date3_coreg.tif"]
    assert sorted(result["OUTPUT_LAYERS"]) == [str(out_dir / name) for name in outputs[1:]]
    info = read_info(out_dir / "date2_coreg.tif")
    assert (info.xsize, info.ysize, info.bands, info.geotransform) == (224, 192, 2, GT)
    assert info.descriptions == ("VV", "VH")
    # Per-image feedback: windows, parameters, RMSE.
    assert any("date2" in m and "windows used" in m and "RMSE" in m for m in messages)
    with open(result["OUTPUT_TABLE"]) as fh:
        rows = list(csv.DictReader(fh))
    assert set(rows[0]) >= {"image", "row", "col", "dy", "dx", "peak", "inlier"}
    used = [r for r in rows if r["image"] == "date2" and r["inlier"] == "1"]
    assert len(used) >= 8
    assert np.median([float(r["dy"]) for r in used]) == pytest.approx(1.45, abs=0.1)
    with open(result["OUTPUT_REPORT"]) as fh:
        report = {r["image"]: r for r in json.load(fh)["images"]}
    assert report["date2"]["parameters"]["dy[1]"] == pytest.approx(1.45, abs=0.04)
    assert report["date2"]["parameters"]["dx[1]"] == pytest.approx(-2.8, abs=0.04)
    assert report["date3"]["parameters"]["dy[1]"] == pytest.approx(-0.6, abs=0.04)
    # The coregistered date is aligned with the reference.
    ref = read_array(rasters["ref"], 1)
    out = np.nan_to_num(read_array(out_dir / "date2_coreg.tif", 1), nan=1.0)
    dy, dx, _ = corr.phase_correlation(ref[12:-12, 12:-12], out[12:-12, 12:-12], domain="db")
    assert abs(dy) < 0.06 and abs(dx) < 0.06
    layer = QgsVectorLayer(result["OUTPUT_TIEPOINTS"], "tiepoints", "ogr")
    assert layer.isValid() and layer.featureCount() == len(rows)
    assert layer.crs().authid() == f"EPSG:{EPSG}"
    assert [f.name() for f in layer.fields()][-7:] == ["image", "row", "col", "dy", "dx", "peak", "inlier"]


def test_affine_with_dem_and_water_mask(run, alg_id, rasters, tmp_path):
    dem = np.full((192, 224), 300.0, np.float32) + np.linspace(0, 50, 224)[None, :]
    dem_path = make_raster(tmp_path / "dem.tif", dem)
    result = run(alg_id, {
        "REFERENCE": rasters["ref"], "INPUTS": [rasters["mov"]], "MODEL": 1, "WINDOW": 48,
        "DEM": dem_path, "HEADING": 192.0, "INCIDENCE": 40.0, "MASK_WATER": True,
        "OUTPUT_FOLDER": str(tmp_path / "affine"), "OUTPUT_TABLE": str(tmp_path / "affine.csv")})
    with open(result["OUTPUT_REPORT"]) as fh:
        params = json.load(fh)["images"][0]["parameters"]
    assert set(params) == {"dy[1]", "dy[col]", "dy[row]", "dx[1]", "dx[col]", "dx[row]"}
    assert params["dy[1]"] == pytest.approx(1.45, abs=0.15)
    assert abs(params["dy[col]"]) < 2e-3 and abs(params["dx[row]"]) < 2e-3


def test_no_overlap_names_the_layer(run, alg_id, rasters, tmp_path):
    from qgis.core import QgsProcessingException, QgsRasterLayer

    far = QgsRasterLayer(rasters["far"], "far away scene")
    with pytest.raises(QgsProcessingException, match="far away scene.*does not overlap"):
        run(alg_id, {"REFERENCE": rasters["ref"], "INPUTS": [far], "OUTPUT_FOLDER": str(tmp_path / "x"),
                     "OUTPUT_TABLE": str(tmp_path / "x.csv")})


def test_other_crs_is_warped_and_reported(run, alg_id, rasters, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    geo = str(tmp_path / "date2_wgs84.tif")
    gdal.Warp(geo, rasters["mov"], dstSRS="EPSG:4326", resampleAlg="cubic", dstNodata=float("nan"))
    messages = []

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, info):
            messages.append(info)
            super().pushInfo(info)

    result = run(alg_id, {"REFERENCE": rasters["ref"], "INPUTS": [geo], "OUTPUT_FOLDER": str(tmp_path / "w"),
                          "OUTPUT_TABLE": str(tmp_path / "w.csv")},
                 context=QgsProcessingContext(), feedback=Feedback())
    assert any("CRS" in m and "warped onto the reference grid" in m for m in messages)
    info = read_info(result["OUTPUT_LAYERS"][0])
    assert (info.xsize, info.ysize, info.geotransform) == (224, 192, GT)


def test_register_to_dem_needs_a_dem(run, alg_id, rasters, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="needs a DEM"):
        run(alg_id, {"REFERENCE": rasters["ref"], "INPUTS": [rasters["mov"]], "REGISTER_TO_DEM": True,
                     "OUTPUT_FOLDER": str(tmp_path / "d"), "OUTPUT_TABLE": str(tmp_path / "d.csv")})
