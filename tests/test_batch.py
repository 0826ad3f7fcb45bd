"""The batch runner on Dask gives the Processing algorithms' outputs, survives a killed worker, resumes."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")
pytest.importorskip("rioxarray")

from distributed.diagnostics.plugin import WorkerPlugin  # noqa: E402
from osgeo import gdal  # noqa: E402

from sar_change.batch import pipeline as pl  # noqa: E402
from sar_change.batch import rasters, runner, stages  # noqa: E402
from sar_change.core.change import thresholds  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCENES = ("S1B_20190225_relorb20_asc_VV_VH_inc.tif", "S1B_20190309_relorb20_asc_VV_VH_inc.tif")
#: Two chains: a halo of 3 px in the filter, then none in the DI; a halo of 2 px in both.
CHAINS = {
    "lee_logratio_ki": [
        (pl.SPECKLE, {"METHOD": 2, "WINDOW_SIZE": 7, "ESTIMATE_ENL": True}),
        (pl.DIFFERENCE, {"METHOD": 2}),
        (pl.THRESHOLD, {"METHOD": 1, "SIDE": 2}),
    ],
    "frost_meanratio_otsu": [
        (pl.SPECKLE, {"METHOD": 5, "WINDOW_SIZE": 5, "DAMPING": 2.0}),
        (pl.DIFFERENCE, {"METHOD": 3, "WINDOW": 5, "BAND_1": 2, "BAND_2": 2}),
        (pl.THRESHOLD, {"METHOD": 0}),
    ],
}


def read(path):
    ds = gdal.Open(str(path))
    bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
    return np.stack([b.ReadAsArray() for b in bands]), [b.GetNoDataValue() for b in bands]


def assert_same_raster(a, b):
    (va, na), (vb, nb) = read(a), read(b)
    assert va.dtype == vb.dtype and va.shape == vb.shape
    np.testing.assert_array_equal(na, nb)
    assert np.array_equal(va, vb, equal_nan=va.dtype.kind == "f"), f"{a} != {b}"


def spec(tmp, images, chain, chunk=128):
    return {"output_dir": str(tmp), "chunk": chunk,
            "jobs": [{"name": "idaho", "IMAGE_1": str(images[0]), "IMAGE_2": str(images[1])}],
            "steps": [{"id": alg, "params": params} for alg, params in chain]}


@pytest.fixture(scope="module")
def client():
    """Two in-process workers (threads): quick to start."""
    with runner.client_for(workers=2, processes=False) as c:
        yield c


@pytest.fixture(scope="module")
def images(shared_data):
    return [shared_data / "s1_idaho_3date" / name for name in SCENES]


def processing_chain(run, images, chain, out):
    """The same chain through processing.run; returns the paths as the runner names them."""
    (_, speckle), (_, diff), (_, thresh) = chain
    filtered = []
    for i, image in enumerate(images, start=1):
        filtered.append(str(out / f"speckle_{i}.tif"))
        run("sarchange:specklefilter", {**speckle, "INPUT": str(image), "OUTPUT": filtered[-1]})
    run("sarchange:differenceimage", {**diff, "IMAGE_1": filtered[0], "IMAGE_2": filtered[1],
                                      "OUTPUT": str(out / "difference.tif")})
    result = run("sarchange:thresholdchange", {**thresh, "INPUT": str(out / "difference.tif"),
                                               "OUTPUT_MASK": str(out / "change_mask.tif")})
    return result


@pytest.mark.parametrize("name", sorted(CHAINS))
def test_chain_equals_processing_bit_for_bit(run, client, images, tmp_path, name):
    chain = CHAINS[name]
    ref = tmp_path / "qgis"
    ref.mkdir()
    expected = processing_chain(run, images, chain, ref)
    outputs = runner.run(pl.parse(spec(tmp_path / "dask", images, chain)), client, quiet=True)["idaho"]
    for got, want in zip(outputs["speckle"], ("speckle_1.tif", "speckle_2.tif")):
        assert_same_raster(got, ref / want)
    assert_same_raster(outputs["difference"], ref / "difference.tif")
    assert_same_raster(outputs["change_mask"], ref / "change_mask.tif")
    record = json.loads(Path(outputs["threshold"]).read_text())
    assert record["threshold"] == expected["THRESHOLD"]
    assert record["low_threshold"] == expected["THRESHOLD_LOW"]
    assert gdal.Open(outputs["difference"]).GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"


def test_svm_chain_equals_processing(run, client, images, tmp_path):
    """Lee, then the SVM change classifier on pseudo-labels: the Processing algorithm's own pipeline."""
    pytest.importorskip("sklearn")
    speckle = {"METHOD": 2, "WINDOW_SIZE": 5, "LOOKS": 4.0}
    ref = tmp_path / "qgis"
    ref.mkdir()
    filtered = [str(ref / f"speckle_{i}.tif") for i in (1, 2)]
    for image, out in zip(images, filtered):
        run("sarchange:specklefilter", {**speckle, "INPUT": str(image), "OUTPUT": out})
    expected = run("sarchange:svmchange", {"IMAGE_1": filtered[0], "IMAGE_2": filtered[1], "SEED": 3,
                                           "OUTPUT_MASK": str(ref / "svm.tif")})["OUTPUT_MASK"]
    chain = [(pl.SPECKLE, speckle), (pl.SVM, {"SEED": 3})]
    outputs = runner.run(pl.parse(spec(tmp_path / "dask", images, chain)), client, quiet=True)["idaho"]
    assert_same_raster(outputs["svm_change_mask"], expected)
    assert gdal.Open(outputs["svm_change_mask"]).GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG"
    with pytest.raises(pl.PipelineError, match="pseudo-labels"):
        pl.svm_settings({**pl.DEFAULTS[pl.SVM], "LABEL_SOURCE": 1})


def test_defaults_are_the_algorithms(qgis_app):
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    for alg_id, defaults in pl.DEFAULTS.items():
        alg = registry.algorithmById(alg_id)
        for name, value in defaults.items():
            assert alg.parameterDefinition(name).defaultValue() == value, (alg_id, name)


def test_threshold_sample_ignores_overviews(tmp_path):
    """The COG's overviews must not change the subsample the threshold is fitted on."""
    rng = np.random.default_rng(1)
    plain = tmp_path / "plain.tif"
    ds = gdal.GetDriverByName("GTiff").Create(str(plain), 700, 500, 1, gdal.GDT_Float32, ["TILED=YES"])
    ds.GetRasterBand(1).WriteArray(rng.normal(size=(500, 700)).astype(np.float32))
    ds = None
    cog = tmp_path / "cog.tif"
    gdal.Translate(str(cog), str(plain), format="COG", creationOptions=rasters.cog_options())
    assert gdal.Open(str(cog)).GetRasterBand(1).GetOverviewCount() > 0
    want = thresholds.sample_raster(str(plain), 1, max_pixels=20_000)
    np.testing.assert_array_equal(stages.threshold_sample(cog, 1, max_pixels=20_000), want)


def test_resumes_without_redoing_finished_outputs(client, images, tmp_path):
    chain = CHAINS["lee_logratio_ki"]
    reference = runner.run(pl.parse(spec(tmp_path / "ref", images, chain)), client, quiet=True)["idaho"]
    pipe = pl.parse(spec(tmp_path / "out", images, chain))
    first = []

    def interrupt(path):
        first.append(path)
        raise KeyboardInterrupt  # as a user's Ctrl-C after the first output

    with pytest.raises(KeyboardInterrupt):
        runner.run(pipe, client, on_output=interrupt, quiet=True)
    assert len(first) == 1 and os.path.exists(first[0])
    stamp = os.stat(first[0]).st_mtime_ns
    again = []
    outputs = runner.run(pipe, client, on_output=again.append, quiet=True)["idaho"]
    assert first[0] not in again and os.stat(first[0]).st_mtime_ns == stamp
    assert len(again) == 3  # the other filtered image, the DI, the mask
    for key in ("difference", "change_mask"):
        assert_same_raster(outputs[key], reference[key])
    assert not [p for p in os.listdir(tmp_path / "out" / "idaho") if p.startswith(".")]
    assert runner.run(pipe, client, on_output=again.append, quiet=True) and len(again) == 3


class KillOnce(WorkerPlugin):
    """Worker plugin: the first worker to finish a tile task after ``after`` of them dies (once)."""

    def __init__(self, flag, after=6):
        self.flag, self.after, self.seen = str(flag), after, 0

    def setup(self, worker):
        self.seen = 0

    def transition(self, key, start, finish, **kwargs):
        name = key[0] if isinstance(key, tuple) else key
        if finish == "memory" and "write_tile" in str(name):
            self.seen += 1
            if self.seen >= self.after and not os.path.exists(self.flag):
                Path(self.flag).touch()
                os._exit(1)  # the worker process dies; its nanny starts a new one


def test_killed_worker_is_recovered(client, images, tmp_path):
    chain = CHAINS["lee_logratio_ki"]
    reference = runner.run(pl.parse(spec(tmp_path / "ref", images, chain, chunk=64)), client,
                           quiet=True)["idaho"]
    flag = tmp_path / "killed"
    with runner.client_for(workers=2, processes=True) as proc_client:
        proc_client.register_plugin(KillOnce(flag), name="kill-once")
        outputs = runner.run(pl.parse(spec(tmp_path / "out", images, chain, chunk=64)), proc_client,
                             quiet=True)["idaho"]
    assert flag.exists(), "no worker was killed: the test did not test recovery"
    for key in ("difference", "change_mask"):
        assert_same_raster(outputs[key], reference[key])
    for got, want in zip(outputs["speckle"], reference["speckle"]):
        assert_same_raster(got, want)


def test_stack_pairs_consecutive_dates(images, tmp_path):
    stack = {"output_dir": str(tmp_path), "stack": str(images[0].parent / "S1B_*.tif"),
             "steps": [{"id": pl.DIFFERENCE}]}
    jobs = pl.parse(stack).jobs
    assert [(Path(j.image_1).name[4:12], Path(j.image_2).name[4:12]) for j in jobs] == [
        ("20190225", "20190309"), ("20190309", "20190321")]
    assert len({j.folder for j in jobs}) == 2


def test_pipeline_errors_name_the_fix(images, tmp_path):
    bad = spec(tmp_path, images, [(pl.THRESHOLD, {}), (pl.DIFFERENCE, {})])
    with pytest.raises(pl.PipelineError, match="in this order"):
        pl.parse(bad)
    bad = spec(tmp_path, images, [(pl.DIFFERENCE, {"WINDOW_SIZE": 3})])
    with pytest.raises(pl.PipelineError, match="unknown parameter"):
        pl.parse(bad)
    with pytest.raises(pl.PipelineError, match="not an index"):
        steps = pl.parse(spec(tmp_path, images, [(pl.DIFFERENCE, {"METHOD": -1})])).steps
        pl.difference_settings(steps[0][1])
    bad = spec(tmp_path, images, [(pl.SPECKLE, {"WINDOW_SIZE": 4}), (pl.DIFFERENCE, {})])
    with pytest.raises(pl.PipelineError, match="odd"):
        pl.speckle_settings(pl.parse(bad).steps[0][1])


def test_command_line(images, tmp_path):
    path = tmp_path / "pipe.json"
    path.write_text(json.dumps(spec(tmp_path / "out", images, CHAINS["lee_logratio_ki"][1:], chunk=256)))
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".plugins"))
    done = subprocess.run([sys.executable, "-m", "sar_change.batch", str(path), "--workers", "1", "--quiet"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "idaho" / "change_mask.tif").exists()
    assert "written" in done.stderr


def test_plugin_never_imports_dask():
    code = ("import sys, sar_change; sar_change.classFactory(None); "
            "from sar_change.processing.provider import SarChangeProvider; "
            "SarChangeProvider().loadAlgorithms(); "
            "bad = [m for m in ('dask', 'distributed', 'xarray', 'rioxarray', 'rasterio') "
            "if m in sys.modules]; "
            "assert not bad, bad")
    env = dict(os.environ, PYTHONPATH=str(ROOT / ".plugins"), QT_QPA_PLATFORM="offscreen")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


def test_steps_from_a_graphical_model(qgis_app, images, tmp_path):
    """A .model3 made with the QGIS API: Lee on both dates -> log ratio -> KI gives the same steps."""
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelParameter,
        QgsProcessingParameterRasterLayer,
    )

    chain = CHAINS["lee_logratio_ki"]
    model = QgsProcessingModelAlgorithm("chain", "sar")
    for name in ("IMAGE_1", "IMAGE_2"):
        model.addModelParameter(QgsProcessingParameterRasterLayer(name, name),
                                QgsProcessingModelParameter(name))
    plan = [(chain[0], "IMAGE_1"), (chain[0], "IMAGE_2"), (chain[1], None), (chain[2], None)]
    sources = QgsProcessingModelChildParameterSource
    for (alg, params), source in plan:
        child = QgsProcessingModelChildAlgorithm(alg)
        child.generateChildId(model)
        if source:
            child.addParameterSources("INPUT", [sources.fromModelParameter(source)])
        for key, value in params.items():
            child.addParameterSources(key, [sources.fromStaticValue(value)])
        model.addChildAlgorithm(child)
    path = tmp_path / "chain.model3"
    assert model.toFile(str(path))
    from_model = pl.parse({**spec(tmp_path, images, []), "steps": None, "model": str(path)}).steps
    assert from_model == pl.parse(spec(tmp_path, images, chain)).steps
