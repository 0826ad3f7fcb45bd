"""benchmarks/learned_di.py: the centred row and the model-card section that --update-card writes."""
import numpy as np
import pytest

from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    """The benchmark script as a module."""
    return load_benchmark("learned_di")


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


def test_update_card_writes_its_section_before_limits_and_replaces_it(bench, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "test_set_text", lambda results: "x")
    monkeypatch.setattr(bench, "card_section", lambda args, results, runtime_s: [f"Test: x, run {runtime_s}"])
    path = tmp_path / "card.md"
    results = "# Card\n\n## Results\n\nTest: x, 3 targets\n\n"
    path.write_text(results + "## Limits\n\n- simulated only.\n", encoding="utf-8")
    bench.update_model_card(path, None, None, 1)
    first = path.read_text(encoding="utf-8")
    assert first == (results + f"## {bench.CARD_SECTION_HEADING}\n\nTest: x, run 1\n\n"
                     "## Limits\n\n- simulated only.\n")
    bench.update_model_card(path, None, None, 2)
    assert path.read_text(encoding="utf-8") == first.replace("run 1", "run 2")
    # The card's own test set is looked for outside the section (which names it too).
    path.write_text(first.replace(results, "# Card\n\n"), encoding="utf-8")
    with pytest.raises(SystemExit):
        bench.update_model_card(path, None, None, 3)
