"""Processing algorithm "Inject simulated changes" through ``processing.run``.

Uses ``sarchange:injectchanges`` when the SAR Change provider registers it,
else the same algorithm class served by a test-only provider.
"""
import os

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.change import injection as inj
from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import read_array, read_info

from helpers import algorithm_id, gamma_speckle, write_raster

NODATA = -9999.0
EPSG = 32631
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def make_raster(path, bands, nodata=NODATA, descriptions=None, geotransform=GEOTRANSFORM):
    """Float32 GeoTIFF in EPSG:32631 with a geotransform, a no-data value and band descriptions."""
    return write_raster(path, bands, geotransform, EPSG, nodata, descriptions)


def scene(n=160):
    """Two bands of 4-look speckle (linear power), left half dark, right half bright, no data."""
    a = gamma_speckle((n, n), 4, seed=1, mean=0.1)
    b = gamma_speckle((n, n), 4, seed=2, mean=0.02)
    a[:, n // 2:] *= 6.0
    b[:, n // 2:] *= 6.0
    a[0:6, :] = NODATA
    b[100, 7] = NODATA
    return [a, b]


def pixel_box_layer(box, crs="EPSG:4326", name="changes"):
    """Memory polygon layer over pixel boxes (x0, y0, x1, y1) of GEOTRANSFORM, in ``crs``."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProject,
        QgsVectorLayer,
    )

    layer = QgsVectorLayer(f"Polygon?crs={crs}", name, "memory")
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"),
                                       QgsCoordinateReferenceSystem(crs), QgsProject.instance())
    features = []
    for x0, y0, x1, y1 in box:
        gt = GEOTRANSFORM
        ring = [QgsPointXY(gt[0] + x * gt[1], gt[3] + y * gt[5]) for x, y in
                ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
        geometry = QgsGeometry.fromPolygonXY([ring])
        geometry.transform(transform)
        feature = QgsFeature()
        feature.setGeometry(geometry)
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.fixture(scope="module")
def alg_id(qgis_app):
    """Id of the plugin's algorithm (registered by the sarchange provider)."""
    return algorithm_id("injectchanges")


@pytest.fixture
def src(tmp_path):
    return make_raster(tmp_path / "scene.tif", scene(), descriptions=["VV", "VH"])


def outputs(tmp_path, tag=""):
    return {"OUTPUT": str(tmp_path / f"changed{tag}.tif"), "OUTPUT_MASK": str(tmp_path / f"mask{tag}.tif")}


def read_all(path):
    return np.stack([read_array(path, b) for b in range(1, read_info(path).bands + 1)])


def read_mask(path):
    ds = gdal.Open(path)  # keep the dataset alive while its band is read
    return ds.GetRasterBand(1).ReadAsArray()


def ks_statistic(a, b):
    a, b = np.sort(np.ravel(a)), np.sort(np.ravel(b))
    grid = np.concatenate((a, b))
    return float(np.abs(np.searchsorted(a, grid, side="right") / a.size
                        - np.searchsorted(b, grid, side="right") / b.size).max())


def test_algorithm_metadata(alg_id):
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    assert alg.name() == "injectchanges"
    assert alg.displayName() == "Inject simulated changes"
    assert (alg.group(), alg.groupId()) == ("Simulation", "simulation")
    assert "Alatalo" in alg.shortHelpString()
    names = [p.name() for p in alg.parameterDefinitions()]
    for name in ("INPUT", "BANDS", "SCALE", "MODE", "OFFSET_DB", "POLYGONS", "COUNT", "RADIUS", "VERTICES",
                 "IRREGULARITY", "SPIKINESS", "SEED", "TARGET_MASK", "OUTPUT", "OUTPUT_MASK",
                 "OUTPUT_POLYGONS"):
        assert name in names
    assert alg.parameterDefinition("OFFSET_DB").defaultValue() == -2.5
    assert alg.parameterDefinition("SCALE").options() == ["Linear power (intensity)", "Amplitude", "dB"]


def test_random_blobs_offset(run, alg_id, src, tmp_path):
    gpkg = str(tmp_path / "blobs.gpkg")
    result = run(alg_id, {"INPUT": src, "OUTPUT_POLYGONS": gpkg, "RADIUS": 8, **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    mask = read_mask(result["OUTPUT_MASK"])
    # Same grid, CRS, no data, descriptions.
    i_in, i_out = read_info(src), read_info(result["OUTPUT"])
    assert (i_out.xsize, i_out.ysize, i_out.bands) == (i_in.xsize, i_in.ysize, 2)
    assert i_out.geotransform == i_in.geotransform and i_out.projection == i_in.projection
    assert i_out.nodata == (NODATA, NODATA) and i_out.descriptions == ("VV", "VH")
    m_info = read_info(result["OUTPUT_MASK"])
    assert m_info.geotransform == i_in.geotransform and m_info.nodata == (255.0,)
    ds = gdal.Open(result["OUTPUT_MASK"])
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Byte
    ds = None
    # Mask: 1 changed, 0 unchanged, 255 no data (any band).
    nodata = ~np.all(np.isfinite(before), axis=0)
    np.testing.assert_array_equal(mask == 255, nodata)
    changed = mask == 1
    assert changed.sum() > 5 * 50
    for b in range(2):
        shift = 10 * np.log10(after[b][changed].astype(np.float64) / before[b][changed])
        np.testing.assert_allclose(shift, -2.5, atol=1e-5)
        np.testing.assert_array_equal(after[b][~changed].view(np.uint32), before[b][~changed].view(np.uint32))
    # Polygons: 5 blobs in the raster CRS, inside its extent, with the changed pixel counts.
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(result["OUTPUT_POLYGONS"], "blobs", "ogr")
    assert layer.isValid() and layer.featureCount() == 5
    assert layer.crs().authid() == f"EPSG:{EPSG}"
    x0, y1 = GEOTRANSFORM[0], GEOTRANSFORM[3]
    x1, y0 = x0 + 160 * 10.0, y1 - 160 * 10.0
    extent = layer.extent()
    assert extent.xMinimum() >= x0 and extent.xMaximum() <= x1
    assert extent.yMinimum() >= y0 and extent.yMaximum() <= y1
    assert sum(f["pixels"] for f in layer.getFeatures()) == changed.sum()
    for f in layer.getFeatures():
        assert f["after_db"] - f["before_db"] == pytest.approx(-2.5, abs=1e-4)


def test_same_seed_same_result_other_seed_other_blobs(run, alg_id, src, tmp_path):
    params = {"INPUT": src, "MODE": 1, "RADIUS": 6, "COUNT": 4}
    a = run(alg_id, {**params, "SEED": 7, **outputs(tmp_path, "a")})
    b = run(alg_id, {**params, "SEED": 7, **outputs(tmp_path, "b")})
    c = run(alg_id, {**params, "SEED": 8, **outputs(tmp_path, "c")})
    np.testing.assert_array_equal(read_all(a["OUTPUT"]), read_all(b["OUTPUT"]))
    np.testing.assert_array_equal(read_mask(a["OUTPUT_MASK"]), read_mask(b["OUTPUT_MASK"]))
    assert not np.array_equal(read_mask(a["OUTPUT_MASK"]), read_mask(c["OUTPUT_MASK"]))


def test_statistical_change_with_target_mask(run, alg_id, src, tmp_path):
    target = np.zeros((160, 160), np.float32)
    target[100:160, 100:160] = 1  # bright right half
    target_path = make_raster(tmp_path / "target.tif", target, nodata=None)
    blob = [(20, 60, 50, 90)]  # 30 x 30 pixels in the dark left half
    result = run(alg_id, {"INPUT": src, "MODE": 1, "POLYGONS": pixel_box_layer(blob, f"EPSG:{EPSG}"),
                          "TARGET_MASK": target_path, **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    mask = read_mask(result["OUTPUT_MASK"])
    changed = mask == 1
    assert changed.sum() == 900 and changed[60:90, 20:50].all()
    for b in range(2):
        sample = before[b][100:160, 100:160]
        assert ks_statistic(after[b][changed], sample) < 1.5 / np.sqrt(900)
        order = np.argsort(before[b][changed])
        assert np.all(np.diff(after[b][changed][order]) >= 0)  # ranks kept
        np.testing.assert_array_equal(after[b][~changed].view(np.uint32), before[b][~changed].view(np.uint32))


def test_statistical_change_auto_target(run, alg_id, src, tmp_path):
    result = run(alg_id, {"INPUT": src, "MODE": 1, "POLYGONS": pixel_box_layer([(20, 60, 40, 80)]),
                          **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    changed = read_mask(result["OUTPUT_MASK"]) == 1
    assert changed.sum() == pytest.approx(400, abs=40)  # reprojected from EPSG:4326
    mean_before = 10 * np.log10(before[0][changed].mean())
    mean_after = 10 * np.log10(after[0][changed].mean())
    assert abs(mean_after - mean_before) >= 1.0  # a target with another mean
    assert np.isin(after[0][changed], before[0][~changed]).all()  # values of a same-size copy elsewhere


def test_polygons_reprojected_from_4326(run, alg_id, src, tmp_path):
    result = run(alg_id, {"INPUT": src, "POLYGONS": pixel_box_layer([(100, 20, 130, 40), (10, 120, 20, 150)]),
                          **outputs(tmp_path)})
    mask = read_mask(result["OUTPUT_MASK"])
    expected = np.zeros((160, 160), bool)
    expected[20:40, 100:130] = True
    expected[120:150, 10:20] = True
    assert np.count_nonzero((mask == 1) != expected) <= 0.05 * expected.sum()


def test_bands_parameter_leaves_other_bands(run, alg_id, src, tmp_path):
    result = run(alg_id, {"INPUT": src, "BANDS": [2], "RADIUS": 8, **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    changed = read_mask(result["OUTPUT_MASK"]) == 1
    np.testing.assert_array_equal(after[0].view(np.uint32), before[0].view(np.uint32))
    np.testing.assert_allclose(10 * np.log10(after[1][changed] / before[1][changed]), -2.5, atol=1e-5)


def test_db_input_offset(run, alg_id, tmp_path):
    db = [scales.from_linear_power(np.where(b == NODATA, np.nan, b), scales.DB) for b in scene()]
    src = make_raster(tmp_path / "db.tif", [np.where(np.isnan(b), NODATA, b) for b in db])
    result = run(alg_id, {"INPUT": src, "SCALE": 2, "OFFSET_DB": 3.0, "RADIUS": 8, **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    changed = read_mask(result["OUTPUT_MASK"]) == 1
    assert (after[:, changed].astype(np.float64) - before[:, changed]).mean() == pytest.approx(3.0, abs=1e-5)


def test_errors_are_clear(run, alg_id, src, tmp_path):
    from qgis.core import QgsProcessingException

    db = scales.from_linear_power(gamma_speckle((60, 60), 4, mean=0.05), scales.DB)
    db_src = make_raster(tmp_path / "db.tif", db)
    with pytest.raises(QgsProcessingException, match="looks like dB. Set the input scale to dB"):
        run(alg_id, {"INPUT": db_src, "SCALE": 0, "RADIUS": 5, **outputs(tmp_path, "db")})
    far = pixel_box_layer([(1000, 1000, 1100, 1100)], name="far away")
    with pytest.raises(QgsProcessingException, match="polygons of layer 'far away' do not overlap raster"):
        run(alg_id, {"INPUT": src, "POLYGONS": far, **outputs(tmp_path, "far")})
    empty = make_raster(tmp_path / "empty.tif", np.full((30, 30), NODATA, np.float32))
    with pytest.raises(QgsProcessingException, match="no valid pixel"):
        run(alg_id, {"INPUT": empty, **outputs(tmp_path, "empty")})
    with pytest.raises(QgsProcessingException, match="ask for fewer or smaller blobs"):
        run(alg_id, {"INPUT": src, "COUNT": 40, "RADIUS": 30, **outputs(tmp_path, "many")})
    with pytest.raises(QgsProcessingException, match="non-zero offset"):
        run(alg_id, {"INPUT": src, "OFFSET_DB": 0, **outputs(tmp_path, "zero")})
    with pytest.raises(QgsProcessingException, match="IRREGULARITY|irregularity"):
        run(alg_id, {"INPUT": src, "IRREGULARITY": 1.5, **outputs(tmp_path, "irr")})
    small = make_raster(tmp_path / "small_target.tif", np.ones((40, 40), np.float32), nodata=None)
    with pytest.raises(QgsProcessingException, match="not on the grid of the input"):
        run(alg_id, {"INPUT": src, "MODE": 1, "TARGET_MASK": small, "RADIUS": 6, **outputs(tmp_path, "grid")})
    with pytest.raises(QgsProcessingException, match="must not overwrite the input"):
        run(alg_id, {"INPUT": src, "OUTPUT": src, "OUTPUT_MASK": str(tmp_path / "m.tif")})


def test_real_sentinel1_offset(run, alg_id, shared_data, tmp_path):
    """Idaho S1B: VV, VH linear power changed by -2.5 dB; band 3 (incidence angle) untouched."""
    src = str(shared_data / "s1_idaho_3date" / "S1B_20190225_relorb20_asc_VV_VH_inc.tif")
    result = run(alg_id, {"INPUT": src, "BANDS": [1, 2], "SCALE": 0, "MODE": 0, "OFFSET_DB": -2.5,
                          "SEED": 1, **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    mask = read_mask(result["OUTPUT_MASK"])
    changed = mask == 1
    assert changed.sum() > 5 * 0.5 * np.pi * 20 ** 2  # five blobs of radius 20
    assert read_info(result["OUTPUT"]).descriptions == ("VV", "VH", "inc")
    for b in (0, 1):
        shift = 10 * np.log10(after[b][changed].mean()) - 10 * np.log10(before[b][changed].mean())
        assert shift == pytest.approx(-2.5, abs=1e-4)
        np.testing.assert_allclose(10 * np.log10(after[b][changed] / before[b][changed]), -2.5, atol=1e-4)
        np.testing.assert_array_equal(after[b][~changed].view(np.uint32), before[b][~changed].view(np.uint32))
    np.testing.assert_array_equal(after[2].view(np.uint32), before[2].view(np.uint32))
    # Same blobs as core.change.injection with the same seed on the same valid pixels.
    valid = np.all(np.isfinite(before[:2]), axis=0)
    blobs = inj.random_blobs(valid.shape, 5, 20.0, 0.5, 0.3, np.random.default_rng(1), valid=valid)
    np.testing.assert_array_equal(changed, inj.rasterize_polygons(blobs, valid.shape))


def test_real_sentinel1_statistical(run, alg_id, shared_data, tmp_path):
    src = str(shared_data / "s1_idaho_3date" / "S1B_20190225_relorb20_asc_VV_VH_inc.tif")
    result = run(alg_id, {"INPUT": src, "BANDS": [1, 2], "MODE": 1, "RADIUS": 12, "SEED": 3,
                          **outputs(tmp_path)})
    before, after = read_all(src), read_all(result["OUTPUT"])
    changed = read_mask(result["OUTPUT_MASK"]) == 1
    valid = np.all(np.isfinite(before[:2]), axis=0)
    blobs = inj.random_blobs(valid.shape, 5, 12.0, 0.5, 0.3, np.random.default_rng(3), valid=valid)
    labels = inj.label_polygons(blobs, valid.shape)
    np.testing.assert_array_equal(changed, labels > 0)
    for b in (0, 1):
        for k in range(1, 6):
            region = labels == k
            # Values come from an unchanged place of the image; tied source values (this product
            # repeats about 7 % of its columns) share their mid-rank, between two target values.
            values, counts = np.unique(before[b][region], return_counts=True)
            untied = np.isin(before[b][region], values[counts == 1])
            assert np.isin(after[b][region][untied], before[b][~changed]).all()
            order = np.argsort(before[b][region], kind="stable")
            assert np.all(np.diff(after[b][region][order]) >= 0)  # ranks kept
            assert not np.array_equal(after[b][region], before[b][region])
        np.testing.assert_array_equal(after[b][~changed].view(np.uint32), before[b][~changed].view(np.uint32))
    np.testing.assert_array_equal(after[2].view(np.uint32), before[2].view(np.uint32))


def test_cancel_leaves_no_file(run, alg_id, src, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class CancelAtFirstProgress(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda _value: self.cancel())

    feedback = CancelAtFirstProgress()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    paths = outputs(tmp_path, "cancel")
    result = run(alg_id, {"INPUT": src, "RADIUS": 8, **paths}, feedback=feedback, context=context)
    assert feedback.isCanceled()
    assert "OUTPUT" not in result and not context.layersToLoadOnCompletion()
    assert not any(os.path.exists(p) for p in paths.values())
    assert not [n for n in os.listdir(tmp_path) if "partial" in n]
