"""benchmarks/learned_di.py: the centred row and the model-card section that --update-card writes."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module; GDAL's exception mode, which the script turns on, is restored."""
    from osgeo import gdal

    was = gdal.GetUseExceptions()
    spec = importlib.util.spec_from_file_location("learned_di_benchmark",
                                                  ROOT / "benchmarks" / "learned_di.py")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        if not was:
            gdal.DontUseExceptions()
    return module


def test_centred_learned_di_subtracts_each_band_median(bench):
    rng = np.random.default_rng(5)
    actual = rng.normal(0.0, 1.0, (2, 9, 11)).astype(np.float32)
    actual[0, 0, 0] = np.nan
    predicted = np.zeros_like(actual)
    predicted[1] -= 3.0  # a scene-wide bias of the VH prediction: centring removes it
    residual = (actual - predicted).astype(np.float64)
    median = np.nanmedian(residual, axis=(1, 2), keepdims=True)
    expected = np.sqrt(np.sum((residual - median) ** 2, axis=0))
    np.testing.assert_allclose(bench.learned_di(actual, predicted, centre=True), expected, rtol=1e-5)
    np.testing.assert_allclose(bench.learned_di(actual, predicted), np.sqrt(np.sum(residual ** 2, axis=0)),
                               rtol=1e-5)


def test_plugin_default_marks_the_centred_row(bench):
    from sar_change.core.learned_di.pipeline import CENTRE_DEFAULT

    uncentred, centred = bench.main_di_labels("m.onnx")
    assert centred.endswith(bench.PLUGIN_DEFAULT) == CENTRE_DEFAULT
    assert uncentred.endswith(bench.PLUGIN_DEFAULT) != CENTRE_DEFAULT
    assert "uncentred" in uncentred and "centred on scene medians" in centred


def test_card_section_is_inserted_before_limits_then_replaced(bench):
    def _section(body):
        return "\n".join([bench.CARD_SECTION_BEGIN, bench.CARD_SECTION_TITLE, body, bench.CARD_SECTION_END])

    card = "# Card\n\n## Results\n\nTest: x\n\n## Limits\n\n- simulated only.\n"
    first = bench.replace_card_section(card, _section("run 1"))
    assert first.index("run 1") < first.index("## Limits") and first.count("## Limits") == 1
    assert first.startswith("# Card\n\n## Results\n\nTest: x\n\n" + bench.CARD_SECTION_BEGIN)
    second = bench.replace_card_section(first, _section("run 2"))
    assert "run 1" not in second and second.count(bench.CARD_SECTION_TITLE) == 1
    assert second == first.replace("run 1", "run 2")
    # Without a Limits heading the section goes at the end; a lone delimiter is refused.
    assert bench.replace_card_section("# Card\n", _section("x")).endswith(bench.CARD_SECTION_END + "\n")
    with pytest.raises(ValueError):
        bench.replace_card_section(card + bench.CARD_SECTION_BEGIN, _section("x"))
