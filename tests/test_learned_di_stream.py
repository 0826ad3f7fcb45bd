"""Streamed learned DI (core.learned_di.pipeline.stream_learned_di): block by block == the whole-image run.

A pointwise model (prediction = mean of the inputs' dB) must give exactly the
whole-image result whatever the blocks; the shipped convolutional model must
agree within the tiled runner's blending tolerance, with blocks much smaller
than the scene so that many block edges cross it.
"""
import os

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from test_tiled_inference import pointwise_model  # noqa: E402

from sar_change.core.engine.raster_blocks import read_array, read_info  # noqa: E402
from sar_change.core.learned_di import centring  # noqa: E402
from sar_change.core.learned_di import pipeline as learned_di  # noqa: E402


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """A 150 x 130 simulated stack of two months (both orbits)."""
    from sar_change.core.simulator.stack import simulate_stack

    return simulate_stack(tmp_path_factory.mktemp("ld_stream"), shape=(130, 150), start="2020-01-01",
                          end="2020-02-29", seed=11)


def _read(path):
    info = read_info(path)
    return np.stack([read_array(path, b) for b in range(1, info.bands + 1)])


def _stream(stack, model, tmp_path, **options):
    tmp_path.mkdir(exist_ok=True)
    names = ("predicted", "di", "di_norm", "conventional")
    files = {name: str(tmp_path / f"{name}.tif") for name in names}
    seen = []
    result = learned_di.learned_di_from_stack(stack["acquisitions_csv"], model, conventional=True,
                                              outputs=files, progress=seen.append, **options)
    assert result.predicted is None and set(result.written) == set(names)
    assert seen[-1] == 100.0 and seen == sorted(seen)
    return result, {name: _read(path) for name, path in files.items()}


def test_pointwise_model_streamed_equals_whole_exactly(stack, tmp_path, monkeypatch):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    whole = learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), conventional=True)
    monkeypatch.setattr(learned_di, "STREAM_BLOCK", 48)
    result, out = _stream(stack, str(model), tmp_path)
    assert result.model["block"] == 48 and result.model["halo"] == 4  # overlap 4, size multiple 4
    np.testing.assert_array_equal(out["predicted"], whole.predicted)
    np.testing.assert_array_equal(out["di"], whole.di)
    np.testing.assert_array_equal(out["di_norm"][0], whole.di_norm)
    np.testing.assert_array_equal(out["conventional"][0], whole.conventional)
    assert result.reference["date"] == whole.reference["date"]
    assert read_info(result.written["di"]).descriptions == ("VV learned DI (dB)", "VH learned DI (dB)")


@pytest.mark.skipif(not os.path.isfile(learned_di.SHIPPED_MODEL), reason="no shipped learned-DI model")
def test_shipped_model_streamed_matches_whole_within_blending_tolerance(stack, tmp_path):
    csv = stack["acquisitions_csv"]
    whole = learned_di.learned_di_from_stack(csv, None)  # the model's tiling: one 256 px tile here
    # The tolerance: how much the whole-image run itself moves with its tiling (64 px tiles, 16 px
    # overlap against one tile). Measured: max 0.90 dB, mean 0.084 dB.
    retiled = learned_di.learned_di_from_stack(csv, None, tile=64, overlap=16)
    finite = np.isfinite(whole.predicted)
    tolerance = np.abs(retiled.predicted - whole.predicted)[finite]
    # Blocks of 48 px with a 32 px halo, one tile each: 12 blocks, block edges everywhere.
    # Measured: max 0.48 dB, mean 0.046 dB.
    result, out = _stream(stack, None, tmp_path, block=48)
    assert (result.model["block"], result.model["halo"], result.model["tile"]) == (48, 32, 112)
    np.testing.assert_array_equal(np.isfinite(out["predicted"]), finite)
    error = np.abs(out["predicted"] - whole.predicted)[finite]
    assert error.max() <= tolerance.max(), (error.max(), tolerance.max())
    assert error.mean() <= tolerance.mean(), (error.mean(), tolerance.mean())
    np.testing.assert_allclose(out["di_norm"][0], np.sqrt((out["di"] ** 2).sum(axis=0)), rtol=1e-5)
    # Blocks larger than the scene: one tile, as the whole-image run here: identical.
    _, one = _stream(stack, None, tmp_path / "one", block=1024)
    np.testing.assert_array_equal(one["predicted"], whole.predicted)


def test_streamed_run_refuses_unknown_outputs_and_a_missing_reference(stack, tmp_path):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    rows = learned_di.read_stack(stack["acquisitions_csv"])
    paths = [r["path"] for r in rows[-4:]]
    with pytest.raises(ValueError, match="unknown learned-DI output"):
        learned_di.stream_learned_di(str(model), paths[:3], paths[3], stack["dem"], rows[-4:],
                                     {"mask": str(tmp_path / "m.tif")})
    with pytest.raises(ValueError, match="needs a reference"):
        learned_di.stream_learned_di(str(model), paths[:3], paths[3], stack["dem"], rows[-4:],
                                     {"conventional": str(tmp_path / "c.tif")})
    assert not os.listdir(tmp_path) or all(p.endswith(".onnx") for p in os.listdir(tmp_path))


# --- Centring each residual band on its scene median (core.learned_di.centring) ------------------


def _metadata_offsets(path):
    from osgeo import gdal

    meta = gdal.Open(path).GetMetadata()
    return meta.get(centring.CENTRED_ITEM), {b: float(meta[centring.OFFSET_ITEM.format(band=b)])
                                             for b in ("VV", "VH") if centring.OFFSET_ITEM.format(band=b)
                                             in meta}


def test_exact_medians_match_numpy_whatever_the_chunks():
    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 1000, 4001):
        values = (rng.normal(size=(2, n)) * rng.choice([1e-3, 1.0, 300.0], size=(2, n))).astype(np.float32)
        values[0, ::5] = np.nan
        expected = np.nanmedian(values.astype(np.float64), axis=1) if n > 1 else [np.nan, values[1, 0]]
        for step in (1, 37, n):
            chunks = [values[:, i:i + step] for i in range(0, n, step)]
            got = centring.exact_nanmedians(lambda chunks=chunks: chunks, 2)
            np.testing.assert_array_equal(got, expected)


def test_exact_medians_skip_infinities_and_order_signed_zeros_and_subnormals():
    # Infinities and NaNs of both signs are not values (np.nanmedian over the finite ones); -0.0, +0.0
    # and subnormals sit in the bins next to the sign change of the bit-pattern keys.
    tiny = np.float32(1e-45)  # the smallest subnormal
    special = np.array([np.inf, -np.inf, np.nan, -np.nan, -0.0, 0.0, tiny, -tiny, 3 * tiny], np.float32)
    rng = np.random.default_rng(11)
    for extra in (np.array([], np.float32), rng.normal(0, 1e-40, 6).astype(np.float32),
                  np.array([-0.0, -0.0, 5.0], np.float32)):
        values = np.concatenate([special, extra])[None].repeat(2, axis=0)
        values[1] = -values[1]
        finite = np.where(np.isfinite(values), values, np.nan).astype(np.float64)
        for step in (1, 4, values.shape[1]):
            chunks = [values[:, i:i + step] for i in range(0, values.shape[1], step)]
            got = centring.exact_nanmedians(lambda chunks=chunks: chunks, 2)
            np.testing.assert_array_equal(got, np.nanmedian(finite, axis=1))


def test_file_medians_read_each_tile_once_and_skip_no_data(tmp_path):
    """The median passes read the residual file by its own tiles: every pixel once, its no-data as NaN."""
    from osgeo import gdal

    rng = np.random.default_rng(7)
    values = rng.normal(0.3, 2.0, (2, 300, 200)).astype(np.float32)
    values[:, :40, :] = -9999.0  # no data: would pull the median down if counted
    path = str(tmp_path / "residual.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, 200, 300, 2, gdal.GDT_Float32,
                                               ["TILED=YES", "BLOCKXSIZE=64", "BLOCKYSIZE=64"])
    for b in range(2):
        ds.GetRasterBand(b + 1).SetNoDataValue(-9999.0)
        ds.GetRasterBand(b + 1).WriteArray(values[b])
    ds = None
    chunks = list(centring.raster_chunks(path)())
    assert len(chunks) == 4 * 5 and sum(c[0].size for c in chunks) == 300 * 200
    valid = values[:, 40:, :].astype(np.float64)
    np.testing.assert_array_equal(centring.exact_nanmedians(centring.raster_chunks(path), 2),
                                  np.median(valid.reshape(2, -1), axis=1))


def test_centring_removes_a_constant_bias_of_the_prediction(stack):
    rows = learned_di.read_stack(stack["acquisitions_csv"])
    paths = [r["path"] for r in rows[-4:]]
    model = learned_di.open_model(pointwise_model(n=3))
    plain = learned_di.run_learned_di(model, paths[:3], paths[3], stack["dem"], rows[-4:])
    predict = model.predict
    model.predict = lambda *args, **kwargs: predict(*args, **kwargs) + np.float32(0.75)  # a biased model
    biased = learned_di.run_learned_di(model, paths[:3], paths[3], stack["dem"], rows[-4:])
    raw = learned_di.run_learned_di(model, paths[:3], paths[3], stack["dem"], rows[-4:], centre=False)
    assert np.nanmean(np.abs(raw.di_norm - plain.di_norm)) > 0.1  # the bias does move the uncentred DI
    np.testing.assert_allclose(biased.di, plain.di, atol=2e-5)
    np.testing.assert_allclose(biased.di_norm, plain.di_norm, atol=2e-5)
    for band in ("VV", "VH"):
        assert biased.offsets[band] == pytest.approx(plain.offsets[band] - 0.75, abs=1e-5)
    # The offsets are the bands' scene medians of actual - predicted.
    assert raw.offsets is None
    medians = np.nanmedian((raw.actual - raw.predicted).astype(np.float64), axis=(1, 2))
    np.testing.assert_array_equal([biased.offsets["VV"], biased.offsets["VH"]], medians.astype(np.float32))


def test_centred_stream_equals_whole_and_tags_offsets(stack, tmp_path, monkeypatch):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    whole = learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), conventional=True)
    raw = learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), centre=False)
    monkeypatch.setattr(learned_di, "STREAM_BLOCK", 48)
    result, out = _stream(stack, str(model), tmp_path / "centred")
    assert result.offsets == whole.offsets and abs(whole.offsets["VH"]) > 0.01
    np.testing.assert_array_equal(out["di"], whole.di)
    np.testing.assert_array_equal(out["di_norm"][0], whole.di_norm)
    shift = np.float32([whole.offsets["VV"], whole.offsets["VH"]])[:, None, None]
    np.testing.assert_array_equal(whole.di, raw.di - shift)
    for name in ("di", "di_norm"):
        meaning, offsets = _metadata_offsets(result.written[name])
        assert meaning == centring.RESIDUAL_CENTRED
        assert offsets == pytest.approx(whole.offsets, abs=1e-6)
    assert sorted(os.listdir(tmp_path / "centred")) == sorted(f"{n}.tif" for n in result.written)
    written = learned_di.write_outputs(whole, di=str(tmp_path / "whole_di.tif"))
    assert _metadata_offsets(written["di"])[1] == pytest.approx(whole.offsets, abs=1e-6)


def test_uncentred_output_is_the_raw_residual_bit_for_bit(stack, tmp_path, monkeypatch):
    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    whole = learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), centre=False)
    assert whole.offsets is None
    np.testing.assert_array_equal(whole.di, (whole.actual - whole.predicted).astype(np.float32))
    np.testing.assert_array_equal(whole.di_norm, learned_di.euclidean_norm(whole.di))
    monkeypatch.setattr(learned_di, "STREAM_BLOCK", 48)
    result, out = _stream(stack, str(model), tmp_path / "raw", centre=False)
    assert result.offsets is None
    np.testing.assert_array_equal(out["di"], whole.di)
    np.testing.assert_array_equal(out["di_norm"][0], whole.di_norm)
    assert _metadata_offsets(result.written["di"]) == (None, {})


def test_cancel_in_the_centring_pass_leaves_no_output(stack, tmp_path, monkeypatch):
    from sar_change.core.engine.raster_blocks import Cancelled

    model = tmp_path / "pointwise.onnx"
    model.write_bytes(pointwise_model(n=3))
    folder = tmp_path / "cancelled"
    folder.mkdir()
    files = {name: str(folder / f"{name}.tif") for name in ("predicted", "di", "di_norm", "conventional")}
    started = []  # cancel once the median passes (after the model's pass wrote its files) begin
    real = centring.exact_nanmedians
    monkeypatch.setattr(centring, "exact_nanmedians", lambda *a, **k: started.append(1) or real(*a, **k))
    with pytest.raises(Cancelled):
        learned_di.learned_di_from_stack(stack["acquisitions_csv"], str(model), conventional=True,
                                         outputs=files, is_canceled=lambda: bool(started))
    assert started and os.listdir(folder) == []
