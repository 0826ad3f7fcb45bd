"""Processing: sarchange:sartooptical and sarchange:trainsartooptical (QGIS side, real trainer briefly)."""
import csv
import os
import sys

import numpy as np
import pytest

from helpers import algorithm_id

pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from osgeo import gdal  # noqa: E402
from test_sar_to_optical import simulate_pair_folders  # noqa: E402

from sar_change.core.engine.raster_blocks import read_array  # noqa: E402
from sar_change.core.translation import contrast, pair_dataset  # noqa: E402
from sar_change.models.framework import runner  # noqa: E402
from sar_change.models.sar_to_optical import schema, training  # noqa: E402
from sar_change.models.sar_to_optical.conditions import grid_conditions  # noqa: E402
from sar_change.processing.algorithms import sar_to_optical as alg_module  # noqa: E402


@pytest.fixture(scope="module")
def ids(qgis_app):
    return algorithm_id("sartooptical"), algorithm_id("trainsartooptical")


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    return simulate_pair_folders(tmp_path_factory.mktemp("s2o_proc_pairs"))


@pytest.fixture(scope="module")
def models(pairs, tmp_path_factory):
    """A SAR-only and an intermediate-fusion SARDINet, one short epoch each."""
    torch.set_num_threads(2)
    folder = tmp_path_factory.mktemp("s2o_proc_models")
    return {fusion: training.train(pairs, folder / f"{fusion}.onnx", fusion=fusion, epochs=1, patch=32,
                                   batch=8, patches_per_epoch=32, val_patches=16)["onnx"]
            for fusion in ("none", "intermediate")}


def _row(pairs):
    return pair_dataset.read_pairs(pairs[0])[2]


def _bands(path):
    return np.stack([read_array(path, b + 1) for b in range(gdal.Open(str(path)).RasterCount)])


def test_translation_loads_as_true_colour(run, ids, pairs, models, tmp_path):
    from qgis.core import QgsMultiBandColorRenderer, QgsRasterLayer

    row = _row(pairs)
    out = str(tmp_path / "optical.tif")
    result = run(ids[0], {"INPUT": row["sar"], "DEM": row["dem"], "MODEL": models["intermediate"],
                          "OUTPUT": out})
    assert result["OUTPUT"] == out
    ds = gdal.Open(out)
    assert [ds.GetRasterBand(b + 1).GetDescription() for b in range(ds.RasterCount)] == ["B04", "B03", "B02",
                                                                                         "B08"]
    got = _bands(out)
    model = runner.load(models["intermediate"], kind=schema.KIND)
    ds = gdal.Open(row["sar"])
    grid = ds.GetGeoTransform(), ds.GetProjection(), (ds.RasterYSize, ds.RasterXSize)
    direct = model.predict({"sar": np.stack([read_array(row["sar"], b) for b in (1, 2)]),
                            "dem": read_array(row["dem"])[None],
                            "conditions": grid_conditions(row["date"], *grid)[None]})
    assert np.max(np.abs(got - direct[[2, 1, 0, 3]])) < 1e-5
    layer = QgsRasterLayer(out, "optical")
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (1, 2, 3)
    # the Laplacian option sharpens the same prediction; RGB only drops NIR
    sharp = str(tmp_path / "sharp.tif")
    run(ids[0], {"INPUT": row["sar"], "DEM": row["dem"], "MODEL": models["intermediate"], "CONTRAST": 1,
                 "OUTPUT_BANDS": 1, "OUTPUT": sharp})
    assert np.max(np.abs(_bands(sharp) - contrast.laplacian_sharpen(got[:3]))) < 1e-5


def test_shipped_model_is_the_default(run, ids, pairs, tmp_path):
    if not os.path.isfile(alg_module.SHIPPED_MODEL):
        pytest.skip("no shipped SAR-to-optical model")
    row = _row(pairs)
    out = str(tmp_path / "shipped.tif")
    run(ids[0], {"INPUT": row["sar"], "DEM": row["dem"], "OUTPUT": out})
    got = _bands(out)
    assert got.shape == (4, 64, 64) and np.isfinite(got).all()
    assert 0.0 < np.median(got[:3]) < 0.5  # visible reflectance of land, not garbage


def test_bad_inputs_name_the_fix(run, ids, pairs, models, tmp_path):
    from qgis.core import QgsProcessingException

    row = _row(pairs)
    out = tmp_path / "x.tif"
    half = str(tmp_path / "half_dem.tif")
    gdal.Translate(half, row["dem"], srcWin=[0, 0, 64, 32])
    with pytest.raises(QgsProcessingException, match="does not cover the SAR extent"):
        run(ids[0], {"INPUT": row["sar"], "DEM": half, "MODEL": models["intermediate"], "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="fuses the DEM .* give the DEM"):
        run(ids[0], {"INPUT": row["sar"], "MODEL": models["intermediate"], "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="looks like dB"):
        run(ids[0], {"INPUT": row["sar"], "SCALE": 0, "MODEL": models["none"], "OUTPUT": str(out)})
    undated = str(tmp_path / "sar.tif")  # the models are conditioned on the date: none in this name
    gdal.Translate(undated, row["sar"])
    with pytest.raises(QgsProcessingException, match="holds no date .* give the acquisition date"):
        run(ids[0], {"INPUT": undated, "MODEL": models["none"], "OUTPUT": str(out)})
    with pytest.raises(QgsProcessingException, match="Acquisition date '9 May'"):
        run(ids[0], {"INPUT": undated, "DATE": "9 May", "MODEL": models["none"], "OUTPUT": str(out)})
    other = os.path.join(os.path.dirname(alg_module.SHIPPED_MODEL), "learned_di.onnx")
    if os.path.isfile(other):
        with pytest.raises(QgsProcessingException, match="kind 'learned_di'.*kind 'sar_to_optical'"):
            run(ids[0], {"INPUT": row["sar"], "MODEL": other, "OUTPUT": str(out)})
    assert not out.exists() and not [n for n in os.listdir(tmp_path) if "partial" in n or n == "x.tif"]


def test_train_refuses_pairs_without_dem_for_a_fusion(run, ids, pairs, tmp_path):
    from qgis.core import QgsProcessingException

    rows = pair_dataset.read_pairs(pairs[0])
    folder = tmp_path / "no_dem"
    folder.mkdir()
    with open(folder / "pairs.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(pair_dataset.PAIR_COLUMNS))
        writer.writeheader()
        for r in rows:
            writer.writerow({k: "" if k in ("dem", "distortion") else r.get(k, "")
                             for k in writer.fieldnames})
    with pytest.raises(QgsProcessingException, match="needs a DEM"):
        run(ids[1], {"PAIRS": str(folder), "FUSION": 2, "PYTHON": sys.executable,
                     "OUTPUT_MODEL": str(tmp_path / "m.onnx")})
    with pytest.raises(QgsProcessingException, match="no pairs.csv"):
        run(ids[1], {"PAIRS": str(tmp_path), "PYTHON": sys.executable,
                     "OUTPUT_MODEL": str(tmp_path / "m.onnx")})


@pytest.mark.slow
def test_real_trainer_then_translation(run, ids, pairs, tmp_path):
    """The torch trainer in a subprocess for one short epoch; its model runs in sartooptical."""
    model = tmp_path / "trained.onnx"
    result = run(ids[1], {"PAIRS": "\n".join(os.path.dirname(p) for p in pairs), "FUSION": 1, "EPOCHS": 1,
                          "PATCHES_PER_EPOCH": 16, "PYTHON": sys.executable, "OUTPUT_MODEL": str(model)})
    assert result["OUTPUT_MODEL"] == str(model) and result["BEST_EPOCH"] == 1
    assert sorted(os.listdir(tmp_path)) == ["trained.md", "trained.onnx", "trained.pt"]
    assert "SAR-to-optical" in open(result["CARD"]).read()
    row = _row(pairs)
    out = str(tmp_path / "out.tif")
    run(ids[0], {"INPUT": row["sar"], "DEM": row["dem"], "MODEL": str(model), "OUTPUT": out})
    assert np.isfinite(_bands(out)).all()


def test_band_choice_and_linear_input(run, ids, pairs, models, tmp_path):
    """VV and VH taken from bands 3 and 2 of a linear-power raster give the dB run's output."""
    from sar_change.core.engine.raster_blocks import write_array

    row = _row(pairs)
    db = np.stack([read_array(row["sar"], b) for b in (1, 2)])
    stacked = str(tmp_path / "vh_vv_linear.tif")
    write_array(stacked, np.stack([np.ones_like(db[0]), 10 ** (db[1] / 10), 10 ** (db[0] / 10)]),
                like=row["sar"])
    ref, got = str(tmp_path / "ref.tif"), str(tmp_path / "got.tif")
    run(ids[0], {"INPUT": row["sar"], "MODEL": models["none"], "OUTPUT": ref})
    run(ids[0], {"INPUT": stacked, "VV_BAND": 3, "VH_BAND": 2, "SCALE": 0, "MODEL": models["none"],
                 "DATE": row["date"], "OUTPUT": got})
    assert np.max(np.abs(_bands(got) - _bands(ref))) < 1e-4


def test_qgis_process_runs_the_shipped_model(pairs, tmp_path):
    """sarchange:sartooptical from the command line with the default (shipped) model."""
    import subprocess

    from test_qgis_process import PLUGINS, QGIS_PROCESS

    if not os.path.exists(QGIS_PROCESS) or not os.path.isfile(alg_module.SHIPPED_MODEL):
        pytest.skip("qgis_process or the shipped SAR-to-optical model is missing")
    if subprocess.run(["/usr/bin/python3", "-c", "import onnxruntime"], capture_output=True).returncode:
        pytest.skip("QGIS's Python (/usr/bin/python3) has no onnxruntime")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_PLUGINPATH=str(PLUGINS),
               QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"))

    def cli(*args):
        proc = subprocess.run([QGIS_PROCESS, *args], env=env, capture_output=True, text=True, timeout=300)
        return proc.returncode, proc.stdout + proc.stderr

    assert cli("plugins", "enable", "sar_change")[0] == 0
    row = _row(pairs)
    out = tmp_path / "cli.tif"
    rc, text = cli("run", "sarchange:sartooptical", "--", f"INPUT={row['sar']}", f"DEM={row['dem']}",
                   f"OUTPUT={out}")
    assert rc == 0, text
    assert _bands(out).shape == (4, 64, 64) and np.isfinite(_bands(out)).all()
