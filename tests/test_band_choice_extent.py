"""Speckle filter band choice (backscatter bands by default) and an extent for raster algorithms."""
import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.engine import band_roles

from helpers import gamma_speckle, write_raster

GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def incidence_field(shape, radians=False):
    """An incidence angle growing across range, 30 to 45 degrees."""
    angle = np.broadcast_to(np.linspace(30.0, 45.0, shape[1]), shape).astype(np.float32)
    return np.deg2rad(angle) if radians else angle


@pytest.mark.parametrize("radians", [False, True])
def test_angle_fields_are_not_backscatter(radians):
    assert band_roles.looks_like_angles(incidence_field((50, 60), radians))
    assert not band_roles.is_backscatter("", incidence_field((50, 60), radians))
    # backscatter in any scale is rough: linear power within 0-1.6, amplitude, and dB
    speckle = 0.2 * gamma_speckle((50, 60), 50, seed=1)
    for sample in (speckle, np.sqrt(speckle), 10 * np.log10(speckle)):
        assert band_roles.is_backscatter("", sample)


def test_band_names_decide_first():
    smooth = incidence_field((20, 20))
    assert band_roles.is_backscatter("Sigma0_VV", smooth)  # named backscatter wins over values
    rough = gamma_speckle((20, 20), 4)
    for name in ("incidenceAngle", "local incidence angle", "DEM", "elevation", "layover_shadow_mask",
                 "latitude"):
        assert not band_roles.is_backscatter(name, rough), name
    for name in ("VV", "VH_dB", "gamma0 HH", "relative orbit 1", "Band 1"):
        assert band_roles.is_backscatter(name, rough), name
    assert band_roles.backscatter_bands(["VV", "angle", "VH"], [rough, rough, rough]) == [1, 3]


@pytest.fixture
def product(tmp_path):
    """VV, an unnamed incidence band (degrees) and VH, 40 x 60 pixels."""
    bands = [gamma_speckle((40, 60), 4, 1), incidence_field((40, 60)), gamma_speckle((40, 60), 4, 2) * 0.2]
    return write_raster(tmp_path / "product.tif", bands, GT, nodata=-1.0, descriptions=["VV", "", "VH"])


def test_speckle_filter_skips_the_incidence_band(run, product, tmp_path):
    out = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 0, "WINDOW_SIZE": 3,
                                          "OUTPUT": str(tmp_path / "auto.tif")})["OUTPUT"]
    ds = gdal.Open(out)
    assert ds.RasterCount == 2
    assert [ds.GetRasterBand(i).GetDescription() for i in (1, 2)] == ["VV", "VH"]
    src = gdal.Open(product)
    vh = src.GetRasterBand(3).ReadAsArray().astype(np.float64)
    box = np.mean([vh[9 + dy, 9 + dx] for dy in (-1, 0, 1) for dx in (-1, 0, 1)])
    assert ds.GetRasterBand(2).ReadAsArray()[9, 9] == pytest.approx(box, rel=1e-5)

    out = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 0, "WINDOW_SIZE": 3, "BANDS": [2],
                                          "OUTPUT": str(tmp_path / "chosen.tif")})["OUTPUT"]
    assert gdal.Open(out).RasterCount == 1


def test_extent_filters_only_the_window(run, product, tmp_path):
    whole = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 0, "WINDOW_SIZE": 3, "BANDS": [1],
                                            "OUTPUT": str(tmp_path / "whole.tif")})["OUTPUT"]
    # columns 10..29, rows 5..24 (map x 600100..600300, y 4799750..4799950)
    extent = "600100,600300,4799750,4799950 [EPSG:32631]"
    part = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 0, "WINDOW_SIZE": 3, "BANDS": [1],
                                           "EXTENT": extent, "OUTPUT": str(tmp_path / "part.tif")})["OUTPUT"]
    ds = gdal.Open(part)
    assert (ds.RasterXSize, ds.RasterYSize) == (20, 20)
    assert ds.GetGeoTransform()[:4] == (600100.0, 10.0, 0.0, 4799950.0)
    # read with the filter's halo: equal to the whole-image run cropped, edges included
    np.testing.assert_allclose(ds.ReadAsArray(), gdal.Open(whole).ReadAsArray()[5:25, 10:30], rtol=1e-6)
    assert not [p.name for p in tmp_path.iterdir() if "partial" in p.name]  # the uncropped file is gone


def test_extent_at_the_image_edge(run, product, tmp_path):
    """An extent reaching past the image is clipped to it; the halo is clipped too."""
    whole = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 2, "WINDOW_SIZE": 5, "BANDS": [1],
                                            "OUTPUT": str(tmp_path / "whole.tif")})["OUTPUT"]
    part = run("sarchange:specklefilter", {"INPUT": product, "METHOD": 2, "WINDOW_SIZE": 5, "BANDS": [1],
                                           "EXTENT": "599900,600200,4799800,4800100 [EPSG:32631]",
                                           "OUTPUT": str(tmp_path / "part.tif")})["OUTPUT"]
    np.testing.assert_allclose(gdal.Open(part).ReadAsArray(), gdal.Open(whole).ReadAsArray()[0:20, 0:20],
                               rtol=1e-6)


def test_difference_image_extent(run, tmp_path):
    a = write_raster(tmp_path / "a.tif", gamma_speckle((40, 60), 4, 1), GT)
    b = write_raster(tmp_path / "b.tif", gamma_speckle((40, 60), 4, 2), GT)
    whole = run("sarchange:differenceimage", {"IMAGE_1": a, "IMAGE_2": b, "METHOD": 2,
                                              "OUTPUT": str(tmp_path / "w.tif")})["OUTPUT"]
    part = run("sarchange:differenceimage", {"IMAGE_1": a, "IMAGE_2": b, "METHOD": 2,
                                             "EXTENT": "600100,600300,4799750,4799950 [EPSG:32631]",
                                             "OUTPUT": str(tmp_path / "p.tif")})["OUTPUT"]
    np.testing.assert_allclose(gdal.Open(part).ReadAsArray(), gdal.Open(whole).ReadAsArray()[5:25, 10:30],
                               rtol=1e-6)
    part = run("sarchange:differenceimage", {"IMAGE_1": a, "IMAGE_2": b, "METHOD": 3, "WINDOW": 5,  # windowed
                                             "EXTENT": "600100,600300,4799750,4799950 [EPSG:32631]",
                                             "OUTPUT": str(tmp_path / "p3.tif")})["OUTPUT"]
    whole = run("sarchange:differenceimage", {"IMAGE_1": a, "IMAGE_2": b, "METHOD": 3, "WINDOW": 5,
                                              "OUTPUT": str(tmp_path / "w3.tif")})["OUTPUT"]
    np.testing.assert_allclose(gdal.Open(part).ReadAsArray(), gdal.Open(whole).ReadAsArray()[5:25, 10:30],
                               rtol=1e-6)
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="does not overlap"):
        run("sarchange:differenceimage", {"IMAGE_1": a, "IMAGE_2": b, "EXTENT": "0,10,0,10 [EPSG:32631]",
                                          "OUTPUT": str(tmp_path / "x.tif")})


def test_block_engine_takes_the_provider_settings(run, product, tmp_path, monkeypatch):
    from qgis.core import QgsSettings

    from sar_change.processing import provider_settings as ps
    from sar_change.processing.algorithms import speckle_filter

    seen = {}
    real = speckle_filter.filter_raster

    def spy(*args, **kwargs):
        seen.update(block=kwargs["block"], threads=kwargs["threads"])
        return real(*args, **kwargs)

    monkeypatch.setattr(speckle_filter, "filter_raster", spy)
    settings = QgsSettings()
    settings.setValue(ps.PREFIX + ps.TILE_SIZE, 64)
    settings.setValue(ps.PREFIX + ps.THREADS, 1)
    try:
        run("sarchange:specklefilter", {"INPUT": product, "OUTPUT": str(tmp_path / "s.tif")})
    finally:
        settings.remove(ps.PREFIX + ps.TILE_SIZE)
        settings.remove(ps.PREFIX + ps.THREADS)
    assert seen == {"block": 64, "threads": 1}
