"""The shipped graphical models (processing/models/*.model3), through processing.run and qgis_process."""
import os
import subprocess

import numpy as np
import pytest
from osgeo import gdal

from helpers import gamma_speckle, write_raster

GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)
QGIS_PROCESS = "/usr/bin/qgis_process.bin"
CHANGED = (slice(20, 50), slice(10, 40))


@pytest.fixture(scope="module")
def flood_pair(tmp_path_factory):
    """Two 4-look dates; the later one is 10 dB darker (flooded) in CHANGED; a reference mask."""
    folder = tmp_path_factory.mktemp("chains")
    after = gamma_speckle((80, 80), 4, 2)
    after[CHANGED] *= 0.1
    reference = np.zeros((80, 80), np.uint8)
    reference[CHANGED] = 1
    return (write_raster(folder / "S1A_20200105.tif", gamma_speckle((80, 80), 4, 1), GT),
            write_raster(folder / "S1A_20200117.tif", after, GT),
            write_raster(folder / "reference.tif", reference, GT, dtype=gdal.GDT_Byte))


def check_mask(path):
    """The flooded block is found and little else (Lee 7x7 + log-ratio + KI on 4 looks)."""
    mask = gdal.Open(path).ReadAsArray()
    inside = mask[CHANGED]
    outside = np.ones(mask.shape, bool)
    outside[CHANGED] = False
    assert (inside == 1).mean() > 0.9
    assert (mask[outside] == 1).mean() < 0.05


def test_models_are_registered_with_names(qgis_app):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for name in ("changemap", "floodchangemapevaluated", "coregisterchangemap", "learneddichangemap"):
        alg = registry.createAlgorithmById(f"sarchange:{name}")
        assert alg is not None, name
        assert alg.group() == "Models" and alg.displayName() != name
        assert any(d.isDestination() for d in alg.parameterDefinitions()), name


def test_change_map_and_its_evaluation(run, flood_pair):
    earlier, later, reference = flood_pair
    result = run("sarchange:changemap", {"earlier": earlier, "later": later, "looks": 4, "side": 1})
    check_mask(result["threshold:change_mask"])  # no output named: temporary files
    result = run("sarchange:floodchangemapevaluated", {
        "earlier": earlier, "later": later, "reference": reference, "looks": 4, "side": 1})
    check_mask(result["threshold:change_mask"])
    evaluation = result["CHILD_RESULTS"]["evaluate"]
    assert evaluation["KAPPA"] > 0.9 and os.path.isfile(result["evaluate:report"])


@pytest.fixture(scope="module")
def shifted_pair(tmp_path_factory):
    """Two 8-look dates of a textured scene, the later one shifted by (1.5, -2) pixels."""
    from scipy import ndimage

    folder = tmp_path_factory.mktemp("shifted")
    field = ndimage.gaussian_filter(np.random.default_rng(0).normal(size=(200, 200)), 3)
    scene = np.exp(3 * field / field.std())  # textured backscatter, linear power
    shifted = ndimage.shift(scene, (1.5, -2.0), order=1, mode="nearest")
    return (write_raster(folder / "S1A_20200105.tif", scene * gamma_speckle(scene.shape, 8, 3), GT),
            write_raster(folder / "S1A_20200117.tif", shifted * gamma_speckle(scene.shape, 8, 4), GT))


def test_coregistered_raster_feeds_the_change_map(run, shifted_pair):
    earlier, later = shifted_pair
    result = run("sarchange:coregisterchangemap", {"earlier": earlier, "later": later, "looks": 8, "side": 2})
    inputs, results = result["CHILD_INPUTS"], result["CHILD_RESULTS"]
    single = results["coregister"]["OUTPUT"]
    assert inputs["speckle_later"]["INPUT"] == single != later
    registered = gdal.Open(single)
    assert (registered.RasterXSize, registered.RasterYSize) == (200, 200)
    np.testing.assert_array_equal(registered.ReadAsArray(),
                                  gdal.Open(results["coregister"]["OUTPUT_LAYERS"][0]).ReadAsArray())
    assert os.path.isfile(result["threshold:change_mask"])


@pytest.fixture(scope="module")
def small_stack(tmp_path_factory):
    from sar_change.core.simulator.stack import simulate_stack

    return simulate_stack(tmp_path_factory.mktemp("chain_stack"), shape=(64, 64), start="2020-01-01",
                          end="2020-03-31", seed=5)


def test_learned_di_change_map(run, small_stack):
    pytest.importorskip("onnxruntime")
    result = run("sarchange:learneddichangemap", {"stack_table": small_stack["acquisitions_csv"]})
    mask = gdal.Open(result["threshold:change_mask"]).ReadAsArray()
    assert mask.shape == (64, 64) and set(np.unique(mask)) <= {0, 1, 255}
    assert gdal.Open(result["learneddi:learned_di_norm"]).RasterCount == 1


@pytest.mark.skipif(not os.path.exists(QGIS_PROCESS), reason=f"{QGIS_PROCESS} not installed")
def test_models_run_under_qgis_process(qgis_app, flood_pair, shifted_pair, small_stack, tmp_path):
    from conftest import PLUGINS

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(PLUGINS),
               QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))

    def qgis_process(*args):
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    qgis_process("plugins", "enable", "sar_change")
    listing = qgis_process("list")
    for name in ("changemap", "floodchangemapevaluated", "coregisterchangemap", "learneddichangemap"):
        assert f"sarchange:{name}" in listing
    earlier, later, reference = flood_pair
    mask = tmp_path / "mask.tif"
    qgis_process("run", "sarchange:floodchangemapevaluated", "--", f"earlier={earlier}", f"later={later}",
                 f"reference={reference}", "looks=4", "side=1", f"threshold:change_mask={mask}")
    check_mask(str(mask))
    mask = tmp_path / "mask_coreg.tif"
    qgis_process("run", "sarchange:coregisterchangemap", "--", f"earlier={shifted_pair[0]}",
                 f"later={shifted_pair[1]}", "looks=8", "side=2", f"threshold:change_mask={mask}")
    assert mask.exists()
    mask = tmp_path / "mask_ld.tif"
    args = ("run", "sarchange:learneddichangemap", "--", f"stack_table={small_stack['acquisitions_csv']}",
            f"threshold:change_mask={mask}")
    if qgis_python_has_onnxruntime():
        qgis_process(*args)
        assert mask.exists()
    else:  # the model refuses before running, naming the package and the installer
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode != 0 and "sarchange:installdependencies" in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr and not mask.exists()


def qgis_python_has_onnxruntime():
    """Whether the Python embedded in qgis_process (Debian: /usr/bin/python3's) imports onnxruntime."""
    probe = subprocess.run(["/usr/bin/python3", "-c", "import onnxruntime"], capture_output=True)
    return probe.returncode == 0



def test_model_outputs_are_named_and_styled_when_loaded(qgis_app, flood_pair):
    import processing
    from qgis.core import QgsPalettedRasterRenderer, QgsProject, QgsSingleBandPseudoColorRenderer

    earlier, later, _ = flood_pair
    try:
        processing.runAndLoadResults("sarchange:changemap", {
            "earlier": earlier, "later": later, "looks": 4, "side": 1,
            "threshold:change_mask": "TEMPORARY_OUTPUT", "logratio:difference_image": "TEMPORARY_OUTPUT"})
        layers = {lay.name(): lay for lay in QgsProject.instance().mapLayers().values()}
        mask = layers["Change mask (2020-01-05 → 2020-01-17)"]
        assert isinstance(mask.renderer(), QgsPalettedRasterRenderer)
        di = layers["Log-ratio difference image (dB) (2020-01-05 → 2020-01-17)"]
        renderer = di.renderer()
        assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)  # log-ratio: diverging about 0
        assert renderer.classificationMin() == pytest.approx(-renderer.classificationMax())
    finally:
        QgsProject.instance().removeAllMapLayers()


def test_learned_di_runs_headless_with_no_output_named(run, small_stack):
    pytest.importorskip("onnxruntime")
    result = run("sarchange:learneddi", {"STACK_TABLE": small_stack["acquisitions_csv"]})
    # The optional outputs are skipped, the norm is temporary; the offsets of the centred residuals.
    assert set(result) == {"OUTPUT_DI_NORM", "RESIDUAL_OFFSET_VV_DB", "RESIDUAL_OFFSET_VH_DB"}
    assert gdal.Open(result["OUTPUT_DI_NORM"]).RasterCount == 1
