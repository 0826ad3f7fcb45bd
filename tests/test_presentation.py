"""Help panels, tags, icons, settings, and the names and styles of loaded outputs."""
import re
from pathlib import Path

import pytest

from helpers import gamma_speckle, write_raster

ROOT = Path(__file__).resolve().parents[1]
GT = (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0)


def _algorithms():
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("sarchange")
    return [a for a in provider.algorithms() if "model" not in type(a).__name__.lower()]


def _readme_anchors():
    anchors = set()
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return anchors


def test_help_is_paragraphs_with_a_readme_link(qgis_app):
    from sar_change.processing.algorithms.presentation import README_URL

    anchors = _readme_anchors()
    algorithms = _algorithms()
    assert len(algorithms) >= 14
    for alg in algorithms:
        text = alg.shortHelpString()
        assert text.startswith("<p>") and "\n" not in text, alg.name()
        url = alg.helpUrl()
        assert url.startswith(README_URL + "#") and url.split("#")[1] in anchors, (alg.name(), url)


def test_toolbox_search_words_find_algorithms(qgis_app):
    algorithms = _algorithms()
    for word, expected in (("Lee", "specklefilter"), ("Frost", "specklefilter"), ("Otsu", "thresholdchange"),
                           ("despeckle", "specklefilter"), ("flood", "thresholdchange"),
                           ("radar", "differenceimage"), ("Sentinel", "coregister")):
        found = {a.name() for a in algorithms if any(word.lower() in t.lower() for t in a.tags())}
        assert expected in found, (word, found)


def test_every_group_has_its_own_icon(qgis_app):
    generic = str(ROOT / "icons" / "icon.svg")
    paths = {}
    for alg in _algorithms():
        path = alg.svgIconPath()
        assert Path(path).is_file() and path != generic, alg.name()
        paths.setdefault(alg.groupId(), set()).add(path)
        assert not alg.icon().isNull()
    assert all(len(p) == 1 for p in paths.values())
    assert len({next(iter(p)) for p in paths.values()}) == len(paths)


def test_provider_settings_are_registered_and_read(qgis_app):
    from processing.core.ProcessingConfig import ProcessingConfig
    from qgis.core import QgsSettings

    from sar_change.processing import provider_settings as ps

    for name in (ps.TRAINING_PYTHON, ps.THREADS, ps.TILE_SIZE, ps.DEPENDENCY_FOLDER):
        assert name in ProcessingConfig.settings, name
        assert ProcessingConfig.settings[name].group == "SAR Change"
    settings = QgsSettings()
    try:
        settings.setValue(ps.PREFIX + ps.THREADS, 3)
        settings.setValue(ps.PREFIX + ps.TILE_SIZE, "256")
        settings.setValue(ps.PREFIX + ps.TRAINING_PYTHON, "/opt/torch/bin/python3")
        assert (ps.threads(), ps.tile_size(), ps.training_python()) == (3, 256, "/opt/torch/bin/python3")
        settings.setValue(ps.PREFIX + ps.THREADS, "many")
        assert ps.threads() == ps.DEFAULT_THREADS
    finally:
        for name in (ps.THREADS, ps.TILE_SIZE, ps.TRAINING_PYTHON):
            settings.remove(ps.PREFIX + name)
    assert ps.dependency_folder().endswith("py%d%d" % __import__("sys").version_info[:2])


@pytest.fixture
def two_dates(tmp_path):
    before = gamma_speckle((60, 50), 4, 1)
    after = gamma_speckle((60, 50), 4, 2)
    after[20:40, 10:30] *= 8
    after[0, 0] = -1.0
    return (write_raster(tmp_path / "S1A_IW_20200105.tif", before, GT, nodata=-1.0),
            write_raster(tmp_path / "S1A_IW_20200117.tif", after, GT, nodata=-1.0))


@pytest.fixture
def project(qgis_app):
    from qgis.core import QgsProject

    yield QgsProject.instance()
    QgsProject.instance().removeAllMapLayers()


def _loaded(project, name_start):
    layers = [lay for lay in project.mapLayers().values() if lay.name().startswith(name_start)]
    assert len(layers) == 1, [lay.name() for lay in project.mapLayers().values()]
    return layers[0]


def test_change_mask_and_di_are_styled_and_named(qgis_app, project, two_dates):
    import processing
    from qgis.core import QgsPalettedRasterRenderer, QgsSingleBandPseudoColorRenderer

    a, b = two_dates
    di = processing.runAndLoadResults("sarchange:differenceimage", {
        "IMAGE_1": a, "IMAGE_2": b, "METHOD": 2, "OUTPUT": "TEMPORARY_OUTPUT"})["OUTPUT"]
    processing.runAndLoadResults("sarchange:thresholdchange", {
        "INPUT": di, "METHOD": 0, "OUTPUT_MASK": "TEMPORARY_OUTPUT"})

    di_layer = _loaded(project, "Difference image")
    assert di_layer.name() == "Difference image (Log ratio 10 log10(I2 / I1), 2020-01-05 → 2020-01-17)"
    renderer = di_layer.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert renderer.classificationMin() == pytest.approx(-renderer.classificationMax())  # diverging about 0
    assert renderer.classificationMax() > 3  # the 98th percentile of |log ratio| with an 8x (9 dB) change

    mask = _loaded(project, "Change mask")
    assert mask.name() == "Change mask (Otsu, 2020-01-05 → 2020-01-17)"
    renderer = mask.renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    classes = {c.value: c.color for c in renderer.classes()}
    assert classes[0].alpha() == 0  # no change: transparent
    assert (classes[1].red(), classes[1].green(), classes[1].alpha()) == (228, 26, 255)
    assert renderer.nodataColor().name() == "#808080"


def test_ratio_in_zero_one_gets_a_fixed_unit_ramp(qgis_app, project, two_dates):
    import processing

    a, b = two_dates
    processing.runAndLoadResults("sarchange:differenceimage", {
        "IMAGE_1": a, "IMAGE_2": b, "METHOD": 3, "OUTPUT": "TEMPORARY_OUTPUT"})
    renderer = _loaded(project, "Difference image (Mean ratio").renderer()
    assert (renderer.classificationMin(), renderer.classificationMax()) == (0.0, 1.0)


def test_optical_output_gets_one_true_colour_stretch(qgis_app, tmp_path):
    import numpy as np
    from qgis.core import QgsMultiBandColorRenderer, QgsRasterLayer

    from sar_change.processing.algorithms import output_styles as styles
    from sar_change.processing.algorithms.presentation import OUTPUT_STYLES

    assert OUTPUT_STYLES["sartooptical"]["OUTPUT"] == styles.TRUE_COLOUR
    # red, green, blue reflectance uniform on [0, 0.1], [0, 0.2], [0, 0.3] (98th percentiles ~0.098..0.294)
    ramp = np.linspace(0.0, 1.0, 100 * 100, dtype=np.float32).reshape(100, 100)
    path = write_raster(tmp_path / "optical.tif", np.stack([0.1 * ramp, 0.2 * ramp, 0.3 * ramp, ramp]), GT)
    layer = QgsRasterLayer(path, "optical")
    styles.apply(layer, styles.TRUE_COLOUR)
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (1, 2, 3)
    stretches = (renderer.redContrastEnhancement(), renderer.greenContrastEnhancement(),
                 renderer.blueContrastEnhancement())
    # one stretch for the three bands (colour balance kept), topped by the blue band's 98th percentile
    assert {(s.minimumValue(), s.maximumValue()) for s in stretches} == {(0.0, stretches[0].maximumValue())}
    assert stretches[0].maximumValue() == pytest.approx(0.98 * 0.3, abs=0.003)


def test_two_speckle_runs_get_different_names(qgis_app, project, two_dates):
    import processing

    a, b = two_dates
    for src, method in ((a, 2), (b, 5)):
        processing.runAndLoadResults("sarchange:specklefilter", {
            "INPUT": src, "METHOD": method, "WINDOW_SIZE": 5, "OUTPUT": "TEMPORARY_OUTPUT"})
    names = sorted(lay.name() for lay in project.mapLayers().values())
    assert names == ["Filtered raster (Frost, 2020-01-17)", "Filtered raster (Lee, 2020-01-05)"]


def test_unsupervised_mask_and_di_and_coherence_are_styled(qgis_app, project, two_dates):
    import processing
    from qgis.core import QgsPalettedRasterRenderer, QgsSingleBandPseudoColorRenderer

    a, b = two_dates
    processing.runAndLoadResults("sarchange:unsupervisedchange", {
        "IMAGE_1": a, "IMAGE_2": b, "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_DI": "TEMPORARY_OUTPUT"})
    mask = _loaded(project, "Change mask").renderer()
    assert isinstance(mask, QgsPalettedRasterRenderer)
    assert {c.value for c in mask.classes()} == {0, 1} and mask.nodataColor().name() == "#808080"
    di = _loaded(project, "Difference image").renderer()  # the default chain's |log ratio|, dB >= 0
    assert isinstance(di, QgsSingleBandPseudoColorRenderer) and di.classificationMin() >= 0
    assert di.classificationMax() > 3
    processing.runAndLoadResults("sarchange:coherencefromintensity", {
        "IMAGE_1": a, "IMAGE_2": b, "OUTPUT": "TEMPORARY_OUTPUT"})
    coherence = _loaded(project, "Coherence").renderer()
    assert (coherence.classificationMin(), coherence.classificationMax()) == (0.0, 1.0)
