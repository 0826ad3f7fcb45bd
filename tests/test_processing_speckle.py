"""Processing algorithms through ``processing.run``: results equal core, errors are clear."""
import importlib.util
import os

import numpy as np
import pytest
from osgeo import gdal, osr

from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import read_array
from sar_change.core.speckle import registry

from helpers import gamma_speckle, recording_feedback, write_raster

NODATA = -9999.0
EPSG = 32631
GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
#: Methods whose core module is imported lazily by the registry.
LAZY_MODULES = {registry.REFINED_LEE: "refined_lee", registry.LEE_SIGMA: "lee_sigma"}


def make_raster(path, bands, nodata=NODATA):
    """Write a float32 GeoTIFF in EPSG:32631 with a geotransform and a no-data value."""
    return write_raster(path, bands, GEOTRANSFORM, EPSG, nodata)


def speckle_bands(n=64, looks=2):
    """Two bands of gamma speckle with no-data pixels (a block and a row)."""
    a = gamma_speckle((n, n), looks, seed=1, mean=0.5)
    b = gamma_speckle((n, n), looks, seed=2, mean=2.0)
    a[10:14, 20:30] = NODATA
    b[0, :] = NODATA
    b[40, 5] = NODATA
    return [a, b]


def skip_if_missing(method):
    module = LAZY_MODULES.get(method)
    if module and importlib.util.find_spec(f"sar_change.core.speckle.{module}") is None:
        pytest.skip(f"core.speckle.{module} is not implemented yet")


@pytest.fixture
def speckle_raster(tmp_path):
    return make_raster(tmp_path / "speckle.tif", speckle_bands())


def test_provider_and_algorithms_registered(qgis_app):
    from qgis.core import QgsApplication, QgsProcessingAlgorithm

    registry_ = QgsApplication.processingRegistry()
    provider = registry_.providerById("sarchange")
    assert provider is not None and provider.name() == "SAR Change"
    assert provider.supportedOutputRasterLayerExtensions() == ["tif"]
    assert not provider.icon().isNull()
    for alg_id in ("sarchange:specklefilter", "sarchange:estimateenl"):
        alg = registry_.algorithmById(alg_id)
        assert alg is not None and alg.shortHelpString()
        assert not alg.flags() & QgsProcessingAlgorithm.FlagNoThreading
    speckle = registry_.algorithmById("sarchange:specklefilter")
    assert (speckle.group(), speckle.groupId(), speckle.displayName()) == ("Speckle", "speckle",
                                                                            "Speckle filter")


@pytest.mark.parametrize("method", registry.METHODS)
def test_filter_equals_core(run, speckle_raster, tmp_path, method):
    skip_if_missing(method)
    out = str(tmp_path / f"{method}.tif")
    result = run("sarchange:specklefilter", {
        "INPUT": speckle_raster, "METHOD": registry.METHODS.index(method), "WINDOW_SIZE": 5,
        "LOOKS": 2.0, "SCALE": 0, "OUTPUT": out})
    assert result["OUTPUT"] == out and os.path.exists(out)

    src, dst = gdal.Open(speckle_raster), gdal.Open(out)
    assert (dst.RasterXSize, dst.RasterYSize, dst.RasterCount) == (64, 64, 2)
    assert dst.GetGeoTransform() == src.GetGeoTransform()
    assert osr.SpatialReference(dst.GetProjection()).IsSame(osr.SpatialReference(src.GetProjection()))
    func, _ = registry.make_block_function(registry.FilterParams(method=method, size=5, looks=2.0))
    for b in (1, 2):
        assert dst.GetRasterBand(b).GetNoDataValue() == NODATA
        raw_in = src.GetRasterBand(b).ReadAsArray()
        raw_out = dst.GetRasterBand(b).ReadAsArray()
        assert (raw_out[raw_in == NODATA] == NODATA).all()
        expected = func(read_array(speckle_raster, b))
        got = read_array(out, b)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0, equal_nan=True)
        assert np.isfinite(got[raw_in != NODATA]).mean() > 0.99


def test_db_input_filtered_in_linear_domain(run, tmp_path):
    power = gamma_speckle((64, 64), 4, seed=5, mean=0.05)
    db = 10 * np.log10(power)
    src = make_raster(tmp_path / "db.tif", db)
    out = str(tmp_path / "db_out.tif")
    run("sarchange:specklefilter", {"INPUT": src, "METHOD": registry.METHODS.index(registry.LEE),
                                    "WINDOW_SIZE": 7, "LOOKS": 4, "SCALE": 2, "OUTPUT": out})
    got = read_array(out)
    assert np.nanmax(got) < 0  # still dB (sigma0 around -13 dB)
    linear_mean = scales.to_linear_power(got, scales.DB).mean()
    assert linear_mean == pytest.approx(power.mean(), rel=0.05)
    func, _ = registry.make_block_function(registry.FilterParams(size=7, looks=4.0), scales.DB)
    np.testing.assert_allclose(got, func(read_array(src)), rtol=1e-5, atol=1e-5)


def test_db_declared_linear_is_refused(run, tmp_path):
    from qgis.core import QgsProcessingException

    src = make_raster(tmp_path / "sigma0_db.tif", 10 * np.log10(gamma_speckle((64, 64), 4, mean=0.05)))
    out = tmp_path / "never.tif"
    with pytest.raises(QgsProcessingException, match="(?s)sigma0_db.*dB"):
        run("sarchange:specklefilter", {"INPUT": src, "SCALE": 0, "OUTPUT": str(out)})
    assert not out.exists()


def test_linear_power_with_zeros_is_accepted(run, tmp_path):
    data = gamma_speckle((64, 64), 2, seed=3)
    data[:8] = 0.0
    out = tmp_path / "zeros_out.tif"
    run("sarchange:specklefilter", {"INPUT": make_raster(tmp_path / "zeros.tif", data),
                                    "OUTPUT": str(out)})
    assert out.exists()


@pytest.mark.parametrize("size", [6, 0, -3])
def test_invalid_window_is_refused(run, speckle_raster, tmp_path, size):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="window size must be odd and >= 1, e.g. 7"):
        run("sarchange:specklefilter", {"INPUT": speckle_raster, "WINDOW_SIZE": size,
                                        "OUTPUT": str(tmp_path / "x.tif")})


@pytest.mark.parametrize("looks", [0.0, -1.0])
def test_invalid_looks_are_refused(run, speckle_raster, tmp_path, looks):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="looks must be > 0"):
        run("sarchange:specklefilter", {"INPUT": speckle_raster, "LOOKS": looks,
                                        "OUTPUT": str(tmp_path / "x.tif")})


def test_cancel_leaves_no_file(run, tmp_path):
    from qgis.core import (
        QgsProcessingContext,
        QgsProcessingFeedback,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
    )

    class CancelAfterFirstProgress(QgsProcessingFeedback):
        """Cancels as soon as the algorithm reports progress once."""

        def __init__(self):
            super().__init__()
            self.progressChanged.connect(lambda _value: self.cancel())

    folder = tmp_path / "cancel"
    folder.mkdir()
    # Several 512-pixel blocks per band, so that the engine checks for cancel after progress.
    src = make_raster(folder / "big.tif", [gamma_speckle((700, 1100), 2, seed=s) for s in (1, 2)])
    out = folder / "out.tif"
    feedback = CancelAfterFirstProgress()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    # As the Processing dialog does: the output is to be loaded into the project on completion.
    output = QgsProcessingOutputLayerDefinition(str(out), QgsProject.instance())
    result = run("sarchange:specklefilter", {"INPUT": src, "OUTPUT": output}, feedback=feedback,
                 context=context)
    assert feedback.isCanceled()
    assert "OUTPUT" not in result
    assert not context.layersToLoadOnCompletion()  # no "layer not generated" warning
    assert not out.exists()
    # Only the input (and the .aux.xml QGIS may write beside it) is left: no partial file.
    assert all(name.startswith("big.tif") for name in os.listdir(folder)), os.listdir(folder)


def test_estimate_looks_option(run, tmp_path):
    src = make_raster(tmp_path / "l4.tif", [gamma_speckle((256, 256), 4, seed=s) for s in (7, 8)])
    out = tmp_path / "l4_out.tif"
    feedback = recording_feedback()
    run("sarchange:specklefilter", {"INPUT": src, "ESTIMATE_ENL": True, "LOOKS": 1, "OUTPUT": str(out)},
        feedback=feedback)
    assert out.exists()
    used = [m for m in feedback.infos if m.startswith("Number of looks used")]
    assert len([m for m in feedback.infos if "estimated ENL" in m]) == 2 and used
    assert float(used[0].split(":")[1]) == pytest.approx(4, rel=0.1)


def polygon_layer_4326(pixel_box):
    """Memory polygon layer in EPSG:4326 over a pixel box (x0, y0, x1, y1) of the raster grid."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsFeature,
        QgsGeometry,
        QgsPointXY,
        QgsProject,
        QgsVectorLayer,
    )

    x0, y0, x1, y1 = pixel_box
    gt = GEOTRANSFORM
    ring = [QgsPointXY(gt[0] + x * gt[1], gt[3] + y * gt[5]) for x, y in
            ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
    geometry = QgsGeometry.fromPolygonXY([ring])
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem(f"EPSG:{EPSG}"),
                                       QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
    geometry.transform(transform)
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "homogeneous", "memory")
    feature = QgsFeature()
    feature.setGeometry(geometry)
    layer.dataProvider().addFeatures([feature])
    return layer


def test_estimate_enl_over_area(run, tmp_path):
    image = gamma_speckle((128, 128), 1, seed=11, mean=3.0)  # right half: L=1, brighter
    image[:, :64] = gamma_speckle((128, 64), 4, seed=12)  # left half: L=4
    image[60:62, 20:30] = NODATA
    src = make_raster(tmp_path / "enl.tif", image)
    area = polygon_layer_4326((4, 4, 56, 124))  # inside the L=4 half, given in another CRS
    result = run("sarchange:estimateenl", {"INPUT": src, "BAND": 1, "SCALE": 0, "AREA": area})
    assert result["ENL"] == pytest.approx(4.0, rel=0.1)
    assert result["PIXELS"] == pytest.approx(52 * 120 - 20, rel=0.03)


def test_estimate_enl_amplitude_area(run, tmp_path):
    amplitude = np.sqrt(gamma_speckle((128, 128), 4, seed=13))
    src = make_raster(tmp_path / "amp.tif", amplitude, nodata=None)
    result = run("sarchange:estimateenl", {"INPUT": src, "SCALE": 1,
                                           "AREA": polygon_layer_4326((10, 10, 118, 118))})
    assert result["ENL"] == pytest.approx(4.0, rel=0.1)


def test_estimate_enl_whole_image(run, tmp_path):
    src = make_raster(tmp_path / "whole.tif", gamma_speckle((300, 300), 4, seed=14))
    result = run("sarchange:estimateenl", {"INPUT": src})
    assert result["ENL"] == pytest.approx(4.0, rel=0.1)
    assert result["PIXELS"] == 300 * 300


def test_area_outside_raster_is_refused(run, tmp_path):
    from qgis.core import QgsProcessingException

    src = make_raster(tmp_path / "small.tif", gamma_speckle((32, 32), 4))
    with pytest.raises(QgsProcessingException, match="does not overlap"):
        run("sarchange:estimateenl", {"INPUT": src, "AREA": polygon_layer_4326((100, 100, 140, 140))})


def test_class_factory_without_iface(qgis_app):
    from qgis.core import QgsApplication

    from sar_change import classFactory
    from sar_change.processing.provider import SarChangeProvider

    plugin = classFactory(None)
    for name in ("initProcessing", "initGui", "unload"):
        assert callable(getattr(plugin, name))
    registry_ = QgsApplication.processingRegistry()
    plugin.initGui()  # the test harness already registered a provider: left alone
    plugin.unload()
    assert registry_.providerById("sarchange") is not None

    registry_.removeProvider("sarchange")
    try:
        plugin = classFactory(None)
        plugin.initProcessing()
        plugin.initProcessing()  # idempotent
        assert registry_.providerById("sarchange") is not None
        assert registry_.algorithmById("sarchange:specklefilter") is not None
        plugin.unload()
        assert registry_.providerById("sarchange") is None
    finally:
        if registry_.providerById("sarchange") is None:
            registry_.addProvider(SarChangeProvider())


@pytest.mark.parametrize("shape", [(64, 64), (300, 700), (10000, 8000), (100000, 300), (257, 5000)])
def test_enl_sample_windows_spread_inside_the_image(qgis_app, shape):
    from sar_change.core.engine.raster_sampling import ENL_SAMPLE_WINDOWS, sample_windows

    xsize, ysize = shape
    windows = sample_windows(xsize, ysize)
    assert 1 <= len(windows) <= ENL_SAMPLE_WINDOWS
    assert len({w.core for w in windows}) == len(windows)
    for w in windows:
        x, y, cw, ch = w.core
        assert w.core == w.read and 0 <= x and 0 <= y and x + cw <= xsize and y + ch <= ysize
        assert cw == min(256, xsize - x) and ch == min(256, ysize - y)
    if xsize * ysize <= 4 * 256 * 256:
        assert sum(w.core[2] * w.core[3] for w in windows) == xsize * ysize  # covered once
