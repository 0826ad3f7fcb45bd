"""MERLIN learned despeckling: ONNX parity with the package's torch network, the mean kept on real
Sentinel-1 (Idaho), block-by-block equals whole image within a stated tolerance, and the
``sarchange:specklefilter`` algorithm running it.

Skips (with the reason) when onnxruntime, the converted model (scripts/setup.sh writes
models/merlin/merlin_s1_tops.onnx), torch + deepdespeckling or ../shared/data are absent.
"""
import importlib.util
import os

import numpy as np
import pytest

from sar_change.core.engine import scale as scales
from sar_change.core.engine.raster_blocks import filter_raster, read_array
from sar_change.core.speckle import learned, registry

from helpers import gamma_speckle, recording_feedback, write_raster

IDAHO = ("s1_idaho_3date", "S1B_20190225_relorb20_asc_VV_VH_inc.tif")
IDAHO_DATES = ("20190225", "20190309", "20190321")


def _missing_model_reason():
    if importlib.util.find_spec("onnxruntime") is None:
        return "onnxruntime is not installed"
    if not os.path.isfile(learned.default_model_path()):
        return (f"converted MERLIN model {learned.default_model_path()} absent: run scripts/setup.sh or "
                "python -m sar_change.models.merlin.convert")
    return None


@pytest.fixture(scope="module")
def model():
    reason = _missing_model_reason()
    if reason:
        pytest.skip(reason)
    return learned.load_model(threads=2)


@pytest.fixture(scope="module")
def torch_network():
    pytest.importorskip("torch", reason="torch is not installed (needed for the parity check only)")
    pytest.importorskip("deepdespeckling.model", reason="deepdespeckling is not installed "
                        "(pip install --no-deps deepdespeckling)")
    from sar_change.models.merlin import network
    return network


def idaho(shared_data, date="20190225"):
    return str(shared_data / IDAHO[0] / IDAHO[1].replace("20190225", date))


def test_digamma_matches_scipy(torch_network):
    import torch
    from scipy.special import digamma
    x = np.array([0.5, 1.0, 2.5, 4.4, 30.0, 100.0])
    got = torch_network.digamma(torch.tensor(x, dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got, digamma(x), rtol=0, atol=1e-9)
    assert torch_network.PSI_HALF == pytest.approx(digamma(0.5), abs=1e-12)


def test_encoder_state_dict_names(torch_network):
    enc = torch_network.encoder_state_dict()
    assert sorted(enc) == sorted(f"enc{k}.{p}" for k in range(7) for p in ("weight", "bias"))
    assert tuple(enc["enc0.weight"].shape) == (48, 1, 3, 3)
    assert all(tuple(enc[f"enc{k}.weight"].shape) == (48, 48, 3, 3) for k in range(1, 7))


def test_onnx_parity_with_torch_on_idaho(model, torch_network, shared_data):
    """onnxruntime on the converted graph == the package network in torch, on a real patch."""
    import torch
    pre = model.metadata["preprocessing"]
    net = torch_network.load_package_model()
    despeckler = torch_network.PowerDespeckler(net, pre["gain"], pre["mean_window"]).eval()
    patch = np.ascontiguousarray(read_array(idaho(shared_data), 1)[36:292, 36:292])  # 256 x 256 VV
    # The package's own forward (fixed size) equals the dynamic-size forward exported here.
    x = (np.log(patch * pre["gain"] + 1e-3) - 2 * pre["m"]) / (2 * (pre["M"] - pre["m"]))
    xt = torch.as_tensor(x[None, None].astype(np.float32))
    with torch.no_grad():
        package = net(xt).numpy()
        ours = (xt - torch_network.residual(net, xt)).numpy()
    np.testing.assert_allclose(ours, package, rtol=0, atol=1e-6)
    for looks in (1.0, 4.4):
        with torch.no_grad():
            expected = despeckler(torch.as_tensor(patch[None, None]), torch.tensor([[looks]]))
        got = model.session.run(None, {"power": patch[None, None], "looks": np.array([[looks]], np.float32)})
        for g, e in zip(got, expected):  # re-anchored output and the network's own estimate
            np.testing.assert_allclose(g, e.numpy(), rtol=2e-5, atol=0)


@pytest.mark.parametrize("date", IDAHO_DATES)
def test_idaho_mean_kept_and_speckle_reduced(model, shared_data, date):
    """VV and VH of each date at the image's estimated ENL (as the algorithm's "estimate the number
    of looks"): mean within 2 %, and the local coefficient of variation reduced."""
    from sar_change.core.engine.raster_sampling import estimate_image_enl
    from sar_change.core.speckle import basic
    for band in (1, 2):
        power = read_array(idaho(shared_data, date), band)
        looks, _ = estimate_image_enl(idaho(shared_data, date), band, scales.LINEAR_POWER)
        out = learned.despeckle(power, model, looks)
        valid = np.isfinite(power)  # the third date has a no-data column
        assert out.dtype == np.float32 and (np.isfinite(out) == valid).all()
        assert out[valid].mean(dtype=np.float64) == pytest.approx(power[valid].mean(dtype=np.float64),
                                                                  rel=0.02)

        def local_cv(a):
            mean = basic.boxcar(a, 7)
            return np.sqrt(np.maximum(basic.boxcar(a * a, 7) - mean * mean, 0)) / mean
        assert np.nanmedian(local_cv(out)) < 0.7 * np.nanmedian(local_cv(power))


def test_blocks_equal_whole_image(model, shared_data, tmp_path):
    """Block-by-block (96-pixel blocks, the registry's halo) vs whole image: max 5 %, mean 0.3 %.

    The U-Net reaches further than the halo and its output depends slightly on the
    tile layout; measured on this scene: max 2.6 %, mean 0.13 %.
    """
    src = idaho(shared_data)
    params = registry.FilterParams(method=registry.MERLIN, looks=4.4)
    func, margin = registry.make_block_function(params, scales.LINEAR_POWER)
    assert margin == learned.MARGIN and margin % model.size_multiple == 0
    out = str(tmp_path / "blocks.tif")
    filter_raster(src, out, func, margin, bands=[1], block=96)
    whole = learned.despeckle(read_array(src, 1), model, 4.4)
    rel = np.abs(read_array(out, 1).astype(np.float64) / whole - 1)
    assert rel.max() < 0.05 and rel.mean() < 0.003


def test_nodata_kept_and_scales(model):
    power = gamma_speckle((96, 80), 4, seed=3, mean=0.05)
    power[10:20, 30:40] = np.nan
    func_lin, _ = registry.make_block_function(registry.FilterParams(method=registry.MERLIN, looks=4))
    func_db, _ = registry.make_block_function(registry.FilterParams(method=registry.MERLIN, looks=4),
                                              scales.DB)
    lin = func_lin(power)
    db = func_db(10 * np.log10(power))
    assert np.isnan(lin[10:20, 30:40]).all() and np.isfinite(np.delete(lin, np.s_[10:20], 0)).all()
    np.testing.assert_allclose(10 ** (db / 10), lin, rtol=1e-4, equal_nan=True)
    assert np.nanmean(lin) == pytest.approx(np.nanmean(power), rel=0.02)


def test_one_tile_per_call_gives_the_batched_result(model):
    """learned.BATCH (memory) changes nothing: tiles are independent, blended the same way."""
    power = gamma_speckle((320, 320), 4, seed=6, mean=0.05)
    one = learned.despeckle(power, model, 4.0)
    four = model.predict({learned.INPUT_POWER: power[None], learned.INPUT_LOOKS: np.array([4.0], np.float32)},
                         batch=4)[0]
    assert learned.BATCH == 1
    np.testing.assert_array_equal(one, four)


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="merlin.convert"):
        learned.load_model(tmp_path / "absent.onnx")


def test_processing_warns_only_on_multilook_input(model, run, tmp_path):
    power = gamma_speckle((64, 64), 1, seed=5, mean=0.05)
    src = write_raster(tmp_path / "p.tif", [power], (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0), 32631, None)
    feedback = recording_feedback()
    run("sarchange:specklefilter", {"INPUT": src, "METHOD": registry.ALL_METHODS.index(registry.MERLIN),
                                    "LOOKS": 1, "SCALE": 0, "OUTPUT": str(tmp_path / "one_look.tif")},
        feedback=feedback)
    assert feedback.warnings == []


def test_processing_runs_merlin(model, run, tmp_path):
    """sarchange:specklefilter with the learned method: dB in, dB out, no data kept."""
    from osgeo import gdal
    from qgis.core import QgsProcessingException
    power = gamma_speckle((64, 64), 4, seed=4, mean=0.05)
    db = (10 * np.log10(power)).astype(np.float32)
    db[5:9, 5:9] = -99.0
    src = write_raster(tmp_path / "db.tif", [db], (600000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0), 32631, -99.0)
    out = str(tmp_path / "merlin.tif")
    method = registry.ALL_METHODS.index(registry.MERLIN)
    feedback = recording_feedback()
    run("sarchange:specklefilter", {"INPUT": src, "METHOD": method, "LOOKS": 4, "SCALE": 2, "OUTPUT": out},
        feedback=feedback)
    assert len(feedback.warnings) == 1 and "4.0-look input" in feedback.warnings[0]  # outside its training
    ds = gdal.Open(out)  # keep the dataset alive while its band is read
    got = ds.GetRasterBand(1).ReadAsArray()
    assert (got[5:9, 5:9] == -99.0).all()
    valid = db != -99.0
    func, _ = registry.make_block_function(registry.FilterParams(method=registry.MERLIN, looks=4), scales.DB)
    expected = func(np.where(valid, db, np.nan))
    np.testing.assert_allclose(got[valid], expected[valid], rtol=0, atol=1e-4)
    assert np.mean(10 ** (got[valid] / 10)) == pytest.approx(np.mean(power[valid]), rel=0.02)
    with pytest.raises(QgsProcessingException, match="merlin.convert"):
        run("sarchange:specklefilter", {"INPUT": src, "METHOD": method, "LOOKS": 4, "SCALE": 2,
                                        "MODEL": str(tmp_path / "absent.onnx"),
                                        "OUTPUT": str(tmp_path / "never.tif")})


def test_qgis_side_does_not_import_torch(tmp_path):
    """The speckle filter with the learned method, run in a fresh Python, never loads torch."""
    import subprocess
    import sys
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = (
        "import sys\n"
        f"sys.path.insert(0, {os.path.join(root, '.plugins')!r})\n"
        "import numpy as np\n"
        "import sar_change.processing.algorithms.speckle_filter\n"
        "from sar_change.core.speckle import learned, registry\n"
        "p = registry.FilterParams(method=registry.MERLIN, looks=4)\n"
        "try:\n"
        "    registry.make_block_function(p)[0](np.ones((40, 40), np.float32))\n"
        "except ValueError:\n"
        "    pass  # no converted model here: the import chain is what is checked\n"
        "print('torch' in sys.modules)\n"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "False"
