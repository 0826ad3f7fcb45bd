"""The release zip (scripts/build_release.py): contents, install and run, and a GUI smoke test."""
import importlib.util
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from helpers import gamma_speckle, write_raster

ROOT = Path(__file__).resolve().parents[1]
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def _build_release():
    spec = importlib.util.spec_from_file_location("build_release", ROOT / "scripts" / "build_release.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The zip, and a plugin folder it was unzipped into."""
    folder = tmp_path_factory.mktemp("release")
    path = _build_release().build(str(folder / "dist"))
    plugins = folder / "plugins"
    with zipfile.ZipFile(path) as zf:
        zf.extractall(plugins)
    return Path(path), plugins


@pytest.fixture(scope="module")
def flood_pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("release_data")
    after = gamma_speckle((80, 80), 4, 2)
    after[20:50, 10:40] *= 0.1
    return (write_raster(folder / "S1A_20200105.tif", gamma_speckle((80, 80), 4, 1), GT),
            write_raster(folder / "S1A_20200117.tif", after, GT))


def test_zip_holds_the_plugin_without_dev_files(release):
    path, _ = release
    names = zipfile.ZipFile(path).namelist()
    assert all(n.startswith("sar_change/") for n in names)
    tops = {n.split("/")[1] for n in names}
    assert not tops & {"tests", "benchmarks", "scripts", ".ci", "demo", "pyproject.toml",
                       "requirements-dev.txt", "constraints.txt", ".gitignore"}
    for required in ("metadata.txt", "__init__.py", "LICENSE", "i18n/sar_change_fr.qm", "icons/icon.svg",
                     "processing/models/changemap.model3", "models/learned_di.onnx"):
        assert f"sar_change/{required}" in names, required
    assert not [n for n in names if n.endswith((".pyc", ".ts"))]


@pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason=f"{QGIS_PROCESS} not installed")
def test_installed_zip_loads_and_runs_a_chain(release, flood_pair, tmp_path):
    _, plugins = release
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(plugins),
               QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"), PYTHONPATH="")

    def qgis_process(*args):
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    qgis_process("plugins", "enable", "sar_change")
    assert "* sar_change" in qgis_process("plugins")  # only the unzipped copy is on the plugin path
    mask = tmp_path / "mask.tif"
    earlier, later = flood_pair
    qgis_process("run", "sarchange:changemap", "--", f"earlier={earlier}", f"later={later}", "looks=4",
                 "side=1", f"threshold:change_mask={mask}")
    values = gdal.Open(str(mask)).ReadAsArray()
    assert (values[20:50, 10:40] == 1).mean() > 0.9 and (values == 1).mean() < 0.2


GUI_MISSING = [tool for tool in ("xvfb-run", "qgis") if shutil.which(tool) is None]


@pytest.mark.skipif(bool(GUI_MISSING), reason=f"not installed: {GUI_MISSING} (apt install xvfb xauth qgis)")
def test_gui_smoke_in_the_qgis_desktop(release, flood_pair, tmp_path):
    """The real QGIS desktop under Xvfb, plugin from the zip: context actions, a model run, a screenshot."""
    _, plugins = release
    report, screenshot = tmp_path / "report.json", tmp_path / "qgis.png"
    env = dict(os.environ, QGIS_PLUGINPATH=str(plugins), SMOKE_EARLIER=flood_pair[0],
               SMOKE_LATER=flood_pair[1], SMOKE_REPORT=str(report), SMOKE_SCREENSHOT=str(screenshot),
               PYTHONPATH="")
    env.pop("QT_QPA_PLATFORM", None)
    env.pop("QGIS_CUSTOM_CONFIG_PATH", None)
    command = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "qgis", "--nologo", "--noversioncheck",
               "--profiles-path", str(tmp_path / "profiles"),
               "--code", str(ROOT / "tests" / "gui_smoke_qgis.py")]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert report.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads(report.read_text())
    assert "error" not in result, result.get("error")
    assert result["loaded"] and result["plugin_file"].startswith(str(plugins))
    assert {"sarChangeContextSpeckle", "sarChangeContextChange"} <= set(result["context_actions"])
    assert os.path.isfile(result["change_mask"])
    assert any(name.startswith("Change mask (") for name in result["layers"])
    assert result["screenshot"] and screenshot.stat().st_size > 10000
    image = gdal.Open(str(screenshot))
    assert image.RasterXSize >= 800 and np.ptp(image.ReadAsArray()) > 0
