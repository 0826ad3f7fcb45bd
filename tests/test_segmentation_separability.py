"""Numbers of benchmarks/segmentation_separability.py: reweighting to a class mix, overlap, AUC, parsing."""

import numpy as np
import pytest

from helpers import load_benchmark


@pytest.fixture(scope="module")
def sep():
    return load_benchmark("segmentation_separability")


def test_reweighting_keeps_per_class_rates_and_moves_the_weighted_iou(sep):
    cm = np.array([[8, 2, 0], [1, 9, 0], [0, 0, 90]])
    same = sep.reweighted(cm, cm.sum(1))
    assert np.allclose(same, cm)
    test = sep.reweighted(cm, [20, 20, 60])
    assert np.allclose(test, [[16, 4, 0], [2, 18, 0], [0, 0, 60]])
    own, other = sep.composition_scores(cm, [20, 20, 60])
    # water IoU 8 / (8 + 2 + 1) at the own mix, 16 / (16 + 4 + 2) at the other: equal rates, equal IoU here
    assert own["per_class"]["water"]["iou"] == pytest.approx(8 / 11)
    assert other["per_class"]["water"]["iou"] == pytest.approx(16 / 22)
    # more water and ice (IoU < 1) and less land (IoU 1) lowers the weighted IoU
    assert own["weighted_iou"] == pytest.approx((10 * 8 / 11 + 10 * 9 / 12 + 90) / 110)
    assert other["weighted_iou"] == pytest.approx(0.2 * 8 / 11 + 0.2 * 9 / 12 + 0.6)


def test_overlap_and_auc(sep):
    rng = np.random.default_rng(0)
    a = rng.normal(0.0, 1.0, 5000)
    assert sep.overlap(a, a) == pytest.approx(1.0)
    assert sep.overlap(a, a + 100.0) == pytest.approx(0.0)
    assert sep.auc(a, a + 100.0) == pytest.approx(1.0)
    assert sep.auc(a, rng.normal(0.0, 1.0, 5000)) == pytest.approx(0.5, abs=0.02)
    # two unit normals 1 sd apart: AUC = Phi(1 / sqrt 2) = 0.760
    assert sep.auc(a, rng.normal(1.0, 1.0, 5000)) == pytest.approx(0.760, abs=0.02)


def test_results_confusions_reads_the_printed_matrix(sep, tmp_path):
    path = tmp_path / "r.md"
    path.write_text(
        "## run a\n\nConfusion matrix, 100% labels, pretrained, melt (pixels ...; rows truth): "
        "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n\n## run b\n\nnothing\n"
    )
    found = sep.results_confusions([str(path)], ["run a", "run b", "missing"])
    assert list(found) == ["run a"] and found["run a"].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_looks_what_if_is_refused_for_the_ship_run():
    bench = load_benchmark("segmentation")
    with pytest.raises(SystemExit, match="looks"):
        bench.main(["--ship", "--looks", "16"])
