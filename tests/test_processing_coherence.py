"""Coherence algorithms via processing.run and qgis_process: equal to core, clear errors."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from sar_change.core.coherence import estimation as coherence
from sar_change.core.engine.raster_blocks import read_array

from helpers import algorithm_id, write_raster

GEOTRANSFORM = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
SHAPE = (70, 90)


@pytest.fixture(scope="module")
def run(qgis_app):
    import processing

    def run_alg(name, params, **kw):
        return processing.run(algorithm_id(name), params, **kw)

    return run_alg


@pytest.fixture(scope="module")
def slc_pair():
    rng = np.random.default_rng(11)
    gamma = np.linspace(0.1, 0.95, SHAPE[1])[None, :] * np.ones(SHAPE)
    y, x = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    phase = 0.6 * x - 0.3 * y
    z1, z2 = coherence.correlated_pair(gamma, SHAPE, rng, power_1=4.0, power_2=1.0, phase=phase)
    z1[0, :4] = np.nan  # no data
    return z1.astype(np.complex64), z2.astype(np.complex64), phase.astype(np.float32)


def complex_raster(path, z, gdal_type=gdal.GDT_CFloat32, **kw):
    return write_raster(path, np.asarray(z), GEOTRANSFORM, dtype=gdal_type, **kw)


def test_slc_coherence_equals_core_for_complex_iq_and_phase(run, slc_pair, tmp_path):
    z1, z2, phase = slc_pair
    src1 = complex_raster(tmp_path / "ref.tif", z1)
    src2 = complex_raster(tmp_path / "sec.tif", z2)
    out = tmp_path / "coh.tif"
    run("coherenceslc", {"SLC_1": src1, "SLC_2": src2, "WINDOW_AZIMUTH": 3, "WINDOW_RANGE": 7,
                         "OUTPUT": str(out)})
    expected = coherence.sample_coherence(z1, z2, (3, 7))
    got = read_array(out)
    np.testing.assert_allclose(got, expected, atol=2e-6)
    # I/Q band pairs give the same
    iq1 = write_raster(tmp_path / "iq1.tif", [z1.real, z1.imag], GEOTRANSFORM)
    iq2 = write_raster(tmp_path / "iq2.tif", [np.zeros(SHAPE), z2.real, z2.imag], GEOTRANSFORM)
    run("coherenceslc", {"SLC_1": iq1, "SLC_2": iq2, "FORMAT": 1, "BAND_2": 2, "WINDOW_AZIMUTH": 3,
                         "WINDOW_RANGE": 7, "OUTPUT": str(tmp_path / "iq.tif")})
    np.testing.assert_allclose(read_array(tmp_path / "iq.tif"), expected, atol=2e-6)
    # the phase raster removes the fringes
    ph = write_raster(tmp_path / "phase.tif", phase, GEOTRANSFORM)
    run("coherenceslc", {"SLC_1": src1, "SLC_2": src2, "PHASE": ph, "OUTPUT": str(tmp_path / "flat.tif")})
    flat = read_array(tmp_path / "flat.tif")
    np.testing.assert_allclose(flat, coherence.sample_coherence(z1, z2, 5, phase=phase), atol=2e-6)
    assert np.nanmean(flat) > np.nanmean(read_array(out)) + 0.2


def test_slc_coherence_reads_cint16(run, tmp_path):
    rng = np.random.default_rng(2)
    z1, z2 = coherence.correlated_pair(0.8, SHAPE, rng, 1e4, 1e4)
    q1 = np.round(z1.real) + 1j * np.round(z1.imag)
    q2 = np.round(z2.real) + 1j * np.round(z2.imag)
    src1 = complex_raster(tmp_path / "a.tif", q1, gdal.GDT_CInt16)
    src2 = complex_raster(tmp_path / "b.tif", q2, gdal.GDT_CInt16)
    run("coherenceslc", {"SLC_1": src1, "SLC_2": src2, "OUTPUT": str(tmp_path / "c.tif")})
    expected = coherence.sample_coherence(q1, q2, 5)
    np.testing.assert_allclose(read_array(tmp_path / "c.tif"), expected, atol=2e-6)


def test_slc_errors_name_the_layer_and_write_nothing(run, slc_pair, tmp_path):
    from qgis.core import QgsProcessingException

    z1, z2, _ = slc_pair
    src1 = complex_raster(tmp_path / "ref.tif", z1)
    src2 = complex_raster(tmp_path / "sec.tif", z2)
    detected = write_raster(tmp_path / "grd.tif", np.abs(z2) ** 2, GEOTRANSFORM)
    out = tmp_path / "out.tif"
    with pytest.raises(QgsProcessingException, match="(?s)'grd' band 1 is Float32, not complex.*I/Q"):
        run("coherenceslc", {"SLC_1": src1, "SLC_2": detected, "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="(?s)'ref' band 1 is complex.*'Complex bands'"):
        run("coherenceslc", {"SLC_1": src1, "SLC_2": detected, "FORMAT": 1, "OUTPUT": str(out)})
    shifted = write_raster(tmp_path / "shift.tif", np.asarray(z2), (600005.0,) + GEOTRANSFORM[1:],
                           dtype=gdal.GDT_CFloat32)
    crs = write_raster(tmp_path / "crs.tif", np.asarray(z2), GEOTRANSFORM, crs=32632, dtype=gdal.GDT_CFloat32)
    for other in (shifted, crs):
        with pytest.raises(QgsProcessingException, match="(?s)not on the grid of 'ref'.*coregister"):
            run("coherenceslc", {"SLC_1": src1, "SLC_2": other, "OUTPUT": str(out)})
    empty = complex_raster(tmp_path / "empty.tif", np.full(SHAPE, np.nan, np.complex64))
    with pytest.raises(QgsProcessingException, match="(?s)'empty' .*no valid pixel.*no-data value"):
        run("coherenceslc", {"SLC_1": src1, "SLC_2": empty, "OUTPUT": str(out)})
    # each image valid, but never at the same pixel: no window holds a sample of both
    left, right = np.array(z1), np.array(z2)
    left[:, SHAPE[1] // 2:] = np.nan
    right[:, :SHAPE[1] // 2] = np.nan
    left_src = complex_raster(tmp_path / "left.tif", left)
    right_src = complex_raster(tmp_path / "right.tif", right)
    with pytest.raises(QgsProcessingException, match="(?s)No valid coherence from 'left' and 'right'.*NaN"):
        run("coherenceslc", {"SLC_1": left_src, "SLC_2": right_src, "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="azimuth window must be odd"):
        run("coherenceslc", {"SLC_1": src1, "SLC_2": src2, "WINDOW_AZIMUTH": 4, "OUTPUT": str(out)})
    assert not out.exists()


@pytest.fixture(scope="module")
def intensity_pair():
    rng = np.random.default_rng(5)
    z1, z2 = coherence.correlated_pair(0.7, (4,) + SHAPE, rng, 0.05, 0.08)
    i1 = (np.abs(z1) ** 2).mean(axis=0).astype(np.float32)
    i2 = (np.abs(z2) ** 2).mean(axis=0).astype(np.float32)
    i2[10, 10] = np.nan
    return i1, i2


@pytest.mark.parametrize("method", [1, 2])
def test_intensity_coherence_equals_core_linear_and_db(run, intensity_pair, tmp_path, method):
    i1, i2 = intensity_pair
    src1 = write_raster(tmp_path / "i1.tif", i1, GEOTRANSFORM)
    src2 = write_raster(tmp_path / "i2.tif", i2, GEOTRANSFORM)
    run("coherencefromintensity", {"IMAGE_1": src1, "IMAGE_2": src2, "METHOD": method, "WINDOW": 9,
                                   "LOOKS": 4, "OUTPUT": str(tmp_path / "lin.tif")})
    name = (None, coherence.PEARSON, coherence.SPECKLE)[method]
    expected = coherence.intensity_coherence(i1, i2, 9, name, 4.0)
    got = read_array(tmp_path / "lin.tif")
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert np.nanmean(got[10:-10, 10:-10]) == pytest.approx(0.7, abs=0.08)
    db1 = write_raster(tmp_path / "d1.tif", 10 * np.log10(i1), GEOTRANSFORM)
    db2 = write_raster(tmp_path / "d2.tif", 10 * np.log10(i2), GEOTRANSFORM)
    run("coherencefromintensity", {"IMAGE_1": db1, "IMAGE_2": db2, "SCALE": 2, "METHOD": method, "WINDOW": 9,
                                   "LOOKS": 4, "OUTPUT": str(tmp_path / "db.tif")})
    np.testing.assert_allclose(read_array(tmp_path / "db.tif"), got, atol=2e-4)


def test_intensity_errors(run, intensity_pair, tmp_path):
    from qgis.core import QgsProcessingException

    i1, i2 = intensity_pair
    src1 = write_raster(tmp_path / "i1.tif", i1, GEOTRANSFORM)
    db2 = write_raster(tmp_path / "d2.tif", 10 * np.log10(i2), GEOTRANSFORM)
    out = tmp_path / "out.tif"
    with pytest.raises(QgsProcessingException, match="(?s)'d2'.*looks like dB"):
        run("coherencefromintensity", {"IMAGE_1": src1, "IMAGE_2": db2, "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="(?s)'i1': declared dB.*Set the input scale to linear"):
        run("coherencefromintensity", {"IMAGE_1": src1, "IMAGE_2": db2, "SCALE": 2, "OUTPUT": str(out)})
    # both pass the per-image dB rule (no negative pixel but a median above 1 dB), yet disagree
    amplitude = np.sqrt(i1) * 30.0
    assert np.nanmax(amplitude) < 100 and np.nanmedian(amplitude) > 1
    bright = write_raster(tmp_path / "bright.tif", amplitude, GEOTRANSFORM)
    with pytest.raises(QgsProcessingException, match="(?s)'d2' looks like dB.*'bright' does not"):
        run("coherencefromintensity", {"IMAGE_1": bright, "IMAGE_2": db2, "SCALE": 2, "OUTPUT": str(out)})
    small = write_raster(tmp_path / "small.tif", i2[:, :50], GEOTRANSFORM)
    with pytest.raises(QgsProcessingException, match="not on the grid of 'i1'"):
        run("coherencefromintensity", {"IMAGE_1": src1, "IMAGE_2": small, "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="window size must be odd"):
        run("coherencefromintensity", {"IMAGE_1": src1, "IMAGE_2": src1, "WINDOW": 8, "OUTPUT": str(out)})
    assert not out.exists()


def test_outputs_load_with_the_coherence_ramp(qgis_app, intensity_pair, tmp_path):
    import processing
    from qgis.core import QgsProject

    i1, i2 = intensity_pair
    src1 = write_raster(tmp_path / "i1.tif", i1, GEOTRANSFORM)
    src2 = write_raster(tmp_path / "i2.tif", i2, GEOTRANSFORM)
    out = str(tmp_path / "styled.tif")
    before = set(QgsProject.instance().mapLayers())
    processing.runAndLoadResults(algorithm_id("coherencefromintensity"),
                                 {"IMAGE_1": src1, "IMAGE_2": src2, "METHOD": 1, "OUTPUT": out})
    added = [layer for key, layer in QgsProject.instance().mapLayers().items() if key not in before]
    try:
        assert len(added) == 1 and added[0].source() == out
        renderer = added[0].renderer()
        assert renderer.type() == "singlebandpseudocolor"
        assert (renderer.classificationMin(), renderer.classificationMax()) == (0.0, 1.0)
        items = renderer.shader().rasterShaderFunction().colorRampItemList()
        assert [item.value for item in items] == [0.0, 0.25, 0.5, 0.75, 1.0]
    finally:
        QgsProject.instance().removeMapLayers([layer.id() for layer in added])


def test_cancel_leaves_nothing(run, slc_pair, tmp_path):
    from qgis.core import QgsProcessingFeedback

    z1, z2, _ = slc_pair
    src1 = complex_raster(tmp_path / "ref.tif", z1)
    src2 = complex_raster(tmp_path / "sec.tif", z2)
    feedback = QgsProcessingFeedback()
    feedback.cancel()
    out = tmp_path / "cancelled.tif"
    result = run("coherenceslc", {"SLC_1": src1, "SLC_2": src2, "OUTPUT": str(out)}, feedback=feedback)
    assert result == {} and not out.exists()
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".aux.xml"))
    assert left == ["ref.tif", "sec.tif"]


def test_coherence_modules_do_not_import_torch():
    """The QGIS side uses numpy, scipy and GDAL only: these imports must not load torch, rasterio or dask."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1] / '.plugins')!r})\n"
        "import sar_change.core.coherence.estimation, sar_change.core.engine.complex_raster\n"
        "import sar_change.core.simulator.coherence\n"
        "import sar_change.processing.algorithms.coherence_slc\n"
        "import sar_change.processing.algorithms.coherence_intensity\n"
        "print(sorted(m for m in ('torch', 'rasterio', 'dask') if m in sys.modules))\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[-2] == "[]"


QGIS_PROCESS = "/usr/bin/qgis_process.bin"


@pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason=f"{QGIS_PROCESS} not installed")
def test_both_algorithms_run_under_qgis_process(slc_pair, intensity_pair, tmp_path):
    plugins = Path(__file__).resolve().parents[1] / ".plugins"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins),
               QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))

    def qgis_process(*args):
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    assert qgis_process("plugins", "enable", "sar_change")[0] == 0
    z1, z2, _ = slc_pair
    src1 = complex_raster(tmp_path / "ref.tif", z1)
    src2 = complex_raster(tmp_path / "sec.tif", z2)
    rc, log = qgis_process("run", "sarchange:coherenceslc", "--", f"SLC_1={src1}", f"SLC_2={src2}",
                           f"OUTPUT={tmp_path / 'slc.tif'}")
    assert rc == 0, log
    expected = coherence.sample_coherence(z1, z2, 5)
    np.testing.assert_allclose(read_array(tmp_path / "slc.tif"), expected, atol=2e-6)
    i1, i2 = intensity_pair
    a = write_raster(tmp_path / "i1.tif", i1, GEOTRANSFORM)
    b = write_raster(tmp_path / "i2.tif", i2, GEOTRANSFORM)
    rc, log = qgis_process("run", "sarchange:coherencefromintensity", "--", f"IMAGE_1={a}", f"IMAGE_2={b}",
                           "METHOD=1", f"OUTPUT={tmp_path / 'int.tif'}")
    assert rc == 0, log
    np.testing.assert_allclose(read_array(tmp_path / "int.tif"), coherence.intensity_coherence(i1, i2, 7),
                               atol=1e-5)
