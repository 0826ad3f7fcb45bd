"""Smoke test of the plugin under qgis_process, in a throw-away QGIS profile.

Debian's /usr/bin/qgis_process wrapper script is broken, so the binary
/usr/bin/qgis_process.bin is called directly.
"""
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from helpers import gamma_speckle

QGIS_PROCESS = "/usr/bin/qgis_process.bin"
PLUGINS = Path(__file__).resolve().parents[1] / ".plugins"

pytestmark = pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason=f"{QGIS_PROCESS} not installed")


@pytest.fixture
def qgis_process(tmp_path):
    """Run qgis_process.bin with a fresh profile and the plugin path; returns a runner."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(PLUGINS),
               QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))

    def run(*args):
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    rc, out = run("plugins", "enable", "sar_change")
    assert rc == 0, out
    return run


def make_input(path):
    data = np.stack([gamma_speckle((48, 40), 2, seed=s) for s in (1, 2)])
    ds = gdal.GetDriverByName("GTiff").Create(str(path), 40, 48, 2, gdal.GDT_Float32)
    ds.SetGeoTransform((600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32631)
    ds.SetProjection(srs.ExportToWkt())
    for i, band in enumerate(data):
        ds.GetRasterBand(i + 1).WriteArray(band)
        ds.GetRasterBand(i + 1).SetNoDataValue(-1.0)
    ds = None
    return str(path)


def test_plugin_loads_and_lists_algorithms(qgis_process):
    rc, out = qgis_process("plugins")
    assert rc == 0 and "* sar_change" in out, out
    rc, out = qgis_process("list")
    assert rc == 0, out
    assert "sarchange:specklefilter" in out and "sarchange:estimateenl" in out


def test_run_speckle_filter(qgis_process, tmp_path):
    src = make_input(tmp_path / "in.tif")
    dst = tmp_path / "out.tif"
    rc, out = qgis_process("run", "sarchange:specklefilter", "--", f"INPUT={src}", "METHOD=2",
                           "WINDOW_SIZE=5", f"OUTPUT={dst}")
    assert rc == 0, out
    ds = gdal.Open(str(dst))
    assert ds is not None
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (40, 48, 2)
    assert np.isfinite(ds.GetRasterBand(1).ReadAsArray()).all()


def test_invalid_window_fails_with_message(qgis_process, tmp_path):
    src = make_input(tmp_path / "in.tif")
    rc, out = qgis_process("run", "sarchange:specklefilter", "--", f"INPUT={src}", "WINDOW_SIZE=4",
                           f"OUTPUT={tmp_path / 'bad.tif'}")
    assert rc != 0
    assert "window size must be odd" in out
