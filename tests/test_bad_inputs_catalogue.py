"""Every algorithm x every bad input or unusable output of issue 16, through processing.run.

Each case must raise a QgsProcessingException whose message names the layer or
output and the fix, leave no file at its output paths (nor a hidden temporary
file) and leave every input byte for byte as it was (see tests/bad_inputs.py).
The full-disk and read-only cases mount a small tmpfs (root only; CI runs as
root) and are skipped with the reason elsewhere.
"""
import os

import bad_inputs
import numpy as np
import pytest

CASES = bad_inputs.all_cases()


@pytest.fixture(scope="module")
def scene(tmp_path_factory, qgis_app):
    return bad_inputs.Scene(tmp_path_factory.mktemp("bad_inputs_scene"))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_cleanly(case, scene, run, tmp_path):
    out = tmp_path / "out"
    if case.mount:
        why = bad_inputs.mount_tmpfs(str(out), case.mount)
        if why:
            pytest.skip(why)
    try:
        outcome = bad_inputs.run_case(case, scene, str(out), run)
    finally:
        if case.mount:
            bad_inputs.unmount(str(out))
    assert outcome.kind == "clear", f"{outcome.kind}: {outcome.message}"
    assert outcome.left == [], f"files left behind: {outcome.left}"
    assert outcome.modified == [], f"inputs modified: {outcome.modified}"


def test_catalogue_covers_every_algorithm(qgis_app):
    from qgis.core import QgsApplication

    provider = QgsApplication.processingRegistry().providerById("sarchange")
    names = {a.name() for a in provider.algorithms()}
    assert set(bad_inputs.BASE) <= names  # algorithms added later: add their valid run to BASE
    assert {c.alg for c in CASES} == set(bad_inputs.BASE)
    assert len(CASES) >= 100


def test_valid_runs_still_succeed(scene, run, tmp_path):
    """The catalogue's base runs are valid: a refusal above is caused by the bad input, not the base."""
    for alg in ("specklefilter", "differenceimage", "terrainflattening", "evaluatechange", "coregister"):
        build, outs, _ = bad_inputs.BASE[alg]
        params = build(scene, str(tmp_path))
        result = run(f"sarchange:{alg}", params)
        for key in outs:
            assert os.path.isfile(result[key]), (alg, key)


def test_newer_base_runs_are_valid(scene, run, tmp_path):
    """The newer algorithms' base runs succeed (the trainers: their parameters pass every check before
    training, which is not started), so their refusals come from the bad inputs."""
    from qgis.core import QgsApplication, QgsProcessingContext

    for alg in ("coherenceslc", "coherencefromintensity", "unsupervisedchange", "segment", "sartooptical"):
        build, outs, _ = bad_inputs.BASE[alg]
        result = run(f"sarchange:{alg}", build(scene, str(tmp_path)))
        assert os.path.isfile(result[outs[0]]), alg  # (the correlation method writes no sigma)
    context = QgsProcessingContext()
    for alg in ("finetunelearneddi", "traincoherence", "trainsartooptical", "trainsegmentation",
                "trainlearneddi"):
        algorithm = QgsApplication.processingRegistry().createAlgorithmById(f"sarchange:{alg}")
        ok, message = algorithm.checkParameterValues(bad_inputs.BASE[alg][0](scene, str(tmp_path)), context)
        assert ok, (alg, message)


@pytest.mark.parametrize("alg,params,label", [
    ("specklefilter", {"METHOD": 0, "WINDOW_SIZE": 3}, "Filtered raster"),
    ("terraingeometry", {}, "Slope"),
])
def test_disk_filling_up_during_a_run_names_the_output(alg, params, label, run, tmp_path, monkeypatch):
    """The room check is fooled (free space misreported); the write fails: named, nothing left."""
    from qgis.core import QgsProcessingException

    from sar_change.core.engine import outputs

    from helpers import write_raster

    out = tmp_path / "disk"
    why = bad_inputs.mount_tmpfs(str(out), "full")
    if why:
        pytest.skip(why)
    try:
        monkeypatch.setattr(outputs, "free_bytes", lambda folder: 1 << 40)
        values = np.random.default_rng(0).gamma(4, 0.05, (300, 300)) + 200
        src = write_raster(tmp_path / "in.tif", values, bad_inputs.GT)
        key = "INPUT" if alg == "specklefilter" else "DEM"
        dst_key = "OUTPUT" if alg == "specklefilter" else "SLOPE"
        dst = str(out / "out.tif")
        with pytest.raises(QgsProcessingException) as info:
            run(f"sarchange:{alg}", {key: src, dst_key: dst, **params})
        message = str(info.value)
        assert f"Output '{label}" in message and dst in message and "full" in message
        assert ".partial" not in message and os.listdir(out) == []
    finally:
        bad_inputs.unmount(str(out))
