"""SAR-to-optical models (models/sar_to_optical): architecture, export, training, block inference.

Small simulated pair folders (64 x 64 px, four months, two scenes) keep every test short.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

from osgeo import gdal  # noqa: E402

from sar_change.core.engine.raster_blocks import read_array, write_array  # noqa: E402
from sar_change.core.translation import pair_dataset  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402
from sar_change.models.framework import runner  # noqa: E402
from sar_change.models.sar_to_optical import architecture as arch  # noqa: E402
from sar_change.models.sar_to_optical import conditions, dataset, export, inference, schema, training  # noqa: E402,E501

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = [("sardinet", f) for f in schema.FUSIONS] + [("pix2pix", "none")]


def simulate_pair_folders(root, seeds=(1, 2)):
    """Pair folders of 64 x 64 px mountain scenes (Jan-Apr 2020, 24-day revisit, both orbits)."""
    from sar_change.core.simulator import optical

    return [optical.simulate_pairs(os.path.join(root, f"scene{s}"), seed=s, shape=(64, 64), relief_m=400,
                                   start="2020-01-01", end="2020-04-30", revisit_days=24) for s in seeds]


@pytest.fixture(scope="module")
def pair_csvs(tmp_path_factory):
    return simulate_pair_folders(tmp_path_factory.mktemp("s2o_pairs"))


@pytest.fixture(scope="module")
def trained(pair_csvs, tmp_path_factory):
    """A SARDINet early-fusion model (with batch normalisation, the default) trained for three short epochs
    (with its files). 32 batches per epoch: with 12 the normalisations' running statistics lag the
    weights and the validation loss rose from the first epoch."""
    torch.set_num_threads(2)
    out = tmp_path_factory.mktemp("s2o_model") / "early.onnx"
    summary = training.train(pair_csvs, out, fusion="early", epochs=3, patch=32, batch=8,
                             patches_per_epoch=256, val_patches=32, seed=0, command="pytest")
    return summary


@pytest.mark.parametrize("name, fusion", VARIANTS)
def test_shapes_metadata_round_trip_and_parity(name, fusion, tmp_path):
    torch.manual_seed(0)
    model = arch.build({"arch": name, "fusion": fusion}).eval()
    inputs = export.example_inputs(fusion, batch=2, height=48, width=80, seed=1)
    with torch.no_grad():
        out = model(*inputs)
    assert out.shape == (2, 4, 48, 80)
    path = export.export_onnx(model, tmp_path / "m.onnx", export.build_metadata(model, {"seed": 0},
                                                                                   {"val_mae": 0.1}))
    assert export.parity(model, path, inputs) < 1e-4
    info = runner.load(path, kind=schema.KIND, version=schema.VERSION).info
    assert info["inputs"]["fusion"] == fusion
    assert [t["name"] for t in info["inputs"]["tensors"]] == list(schema.input_names(fusion))
    assert info["outputs"][0]["bands"] == list(schema.OPTICAL_BANDS)
    assert info["size_multiple"] == model.size_multiple and info["tile_size"] == schema.DEFAULT_TILE_SIZE
    assert info["normalisation"]["sar_mean"] == pytest.approx(model.norm.as_dict()["sar_mean"])
    assert (info["inputs"]["dem"] is not None) == schema.uses_dem(fusion)
    assert info["training"] == {"seed": 0} and info["metrics"] == {"val_mae": 0.1}
    if name == "sardinet":  # rebuilt from the file alone: same outputs
        rebuilt, _ = export.model_from_onnx(path)
        with torch.no_grad():
            assert torch.max(torch.abs(rebuilt(*inputs) - out)) < 1e-5


def _random_batch_statistics(model, seed=0):
    """Running statistics and affine parameters of every BatchNorm2d away from their neutral start."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            m.running_var.copy_(0.5 + 1.5 * torch.rand(n, generator=g))
            m.weight.data.copy_(0.5 + torch.rand(n, generator=g))
            m.bias.data.copy_(0.6 * torch.rand(n, generator=g) - 0.3)


@pytest.mark.parametrize("fusion", schema.FUSIONS)
def test_batch_normalised_sardinet_exports_and_rebuilds(fusion, tmp_path):
    """The authors' later layout: 2 normalisations in the conditioning (4 for the late fusion's two branches),
    2 + 3 + 3 in the encoder's branches, 1 per decoder stage but the last (the four bands' branches as one
    grouped stack); the ONNX graph keeps them (named parameters), so the file rebuilds the same model; a
    config without ``batch_norm`` (a model saved before it) builds the plain network with its old names."""
    torch.manual_seed(0)
    model = arch.build({"arch": "sardinet", "fusion": fusion, "conditions": True, "batch_norm": True}).eval()
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert len(norms) == (4 if fusion == "late" else 2) + 8 + 2
    assert norms[-1].num_features == 4 * model.channels["decoder"][1]
    _random_batch_statistics(model)
    inputs = export.example_inputs(fusion, batch=2, height=48, width=80, seed=1, conditions=True)
    path = export.export_onnx(model, tmp_path / "m.onnx")
    assert export.parity(model, path, inputs) < 1e-4
    rebuilt, meta = export.model_from_onnx(path)
    assert meta[md.META_ARCHITECTURE]["batch_norm"] is True and rebuilt.batch_norm
    with torch.no_grad():
        assert torch.max(torch.abs(rebuilt(*inputs) - model(*inputs))) < 1e-5
    plain = arch.build({"arch": "sardinet", "fusion": fusion})
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in plain.modules())
    assert "encoder.0.2.weight" in plain.state_dict() and "encoder.0.3.weight" in model.state_dict()


@pytest.mark.parametrize("name, fusion", [("sardinet", "early"), ("sardinet", "none"), ("pix2pix", "none")])
def test_conditioned_model_starts_as_the_plain_one_and_exports(name, fusion, tmp_path):
    """The FiLM modulations start as the identity: the same outputs as the unconditioned network with the
    same weights (DEM fusions: times the terrain illumination, on a flat DEM (1 - d) / tan(el) + d with
    d = sigmoid(-1.5)); once they are not, the output depends on the conditions, and the ONNX graph
    matches torch."""
    torch.manual_seed(0)
    plain = arch.build({"arch": name, "fusion": fusion}).eval()
    model = arch.build({"arch": name, "fusion": fusion, "conditions": True}).eval()
    missing = model.load_state_dict(plain.state_dict(), strict=False).missing_keys
    assert missing and all(k.startswith(("film.", "illuminated.")) for k in missing)
    inputs = export.example_inputs(fusion, batch=2, height=48, width=80, seed=1, conditions=True)
    with torch.no_grad():
        if schema.uses_dem(fusion):
            flat = (inputs[0], torch.full_like(inputs[1], 700.0), inputs[2])
            el = torch.deg2rad(inputs[2][:, 0]).view(-1, 1, 1, 1)
            d = torch.sigmoid(torch.tensor(-1.5))
            want = plain(*flat[:-1]) * ((1 - d) * torch.cos(torch.pi / 2 - el) / torch.sin(el) + d)
            assert torch.allclose(model(*flat), want, atol=1e-6)
        else:
            assert torch.equal(model(*inputs), plain(*inputs[:-1]))
        for p in model.film.parameters():
            p.add_(0.05 * torch.randn_like(p))
        summer = model(*inputs[:-1], torch.tensor([[60.0, 150.0, 172.0, 20.0, 20.0]] * 2))
        winter = model(*inputs[:-1], torch.tensor([[18.0, 155.0, 355.0, 20.0, 20.0]] * 2))
    assert torch.max(torch.abs(summer - winter)) > 1e-3
    path = export.export_onnx(model, tmp_path / "m.onnx")
    assert export.parity(model, path, inputs) < 1e-4
    info = runner.load(path, kind=schema.KIND).info
    assert info["inputs"]["conditions"] == list(schema.CONDITION_NAMES) and schema.needs_conditions(info)
    assert [t["name"] for t in info["inputs"]["tensors"]][-1] == schema.INPUT_CONDITIONS
    if name == "sardinet":
        rebuilt, _ = export.model_from_onnx(path)
        with torch.no_grad():
            assert torch.max(torch.abs(rebuilt(*inputs) - model(*inputs))) < 1e-5


def test_terrain_illumination_is_the_renderers():
    """The graph's direct light max(cos i, 0) / sin(el) and sky view (1 + cos slope) / 2 equal the optical
    renderer's (core/simulator/optical.py: Horn slopes of core/terrain) inside a fractal DEM, at 20 x 30 m
    pixels and two suns."""
    from sar_change.core.simulator import optical
    from sar_change.core.simulator.dem import fractal_dem

    z = fractal_dem((40, 50), 20.0, 600.0, 3.2, np.random.default_rng(3)).astype(np.float64)
    layer = arch.TerrainIllumination()
    for el, az in ((17.0, 158.0), (60.0, 120.0)):
        light = optical.illumination(z, 20.0, 30.0, np.radians(el), np.radians(az))
        c = torch.tensor([[el, az, 100.0, 20.0, 30.0]], dtype=torch.float64)
        direct, sky = (t[0, 0].numpy() for t in layer.double()(torch.from_numpy(z)[None, None], c))
        want = np.maximum(light["cos_i"], 0) / np.sin(np.radians(el))
        np.testing.assert_allclose(direct[1:-1, 1:-1], want[1:-1, 1:-1], atol=1e-9)
        np.testing.assert_allclose(sky[1:-1, 1:-1], (1 + light["cos_slope"][1:-1, 1:-1]) / 2, atol=1e-12)
        assert want.std() > 0.1  # the terrain matters


def test_conditions_from_dates_names_and_pair_rows(pair_csvs):
    """The sun computed from a pair's date and grid (what the QGIS side feeds) is the simulator's own sun
    for that optical image; file-name dates as in Sentinel-1 and stack names."""
    assert conditions.date_from_name("/x/S1B_20211209_ASC_VV_VH.tif").isoformat() == "2021-12-09"
    assert conditions.date_from_name("S1A_IW_GRDH_1SDV_20200603T053012_20200603T053037_032.tif").month == 6
    assert conditions.date_from_name("sar_20201340.tif") is None
    assert conditions.date_from_name("a.tif") is None
    assert conditions.parse_date(" 2020-02-29 ").day == 29
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        conditions.parse_date("29/02/2020")
    pairs = dataset.read_pairs(pair_csvs)
    for p in pairs[:3]:
        grid = gdal_grid(p.row["sar"])
        c = conditions.grid_conditions(p.row["date"], *grid)
        assert c[0] == pytest.approx(float(p.row["sun_elevation_deg"]), abs=0.01)
        assert c[1] == pytest.approx(float(p.row["sun_azimuth_deg"]), abs=0.01)
        np.testing.assert_allclose(p.conditions, c, atol=0.01)
        np.testing.assert_allclose(c[3:], [20.0, 20.0])  # the simulator's 20 m grid
    june, december = (conditions.condition_vector(d, 45.0) for d in ("2020-06-21", "2020-12-21"))
    # 10:30 solar time at 45 N: the noon elevations 68.4 / 21.6 deg less the hour angle's effect
    assert 55 < june[0] < 68.4 and 15 < december[0] < 21.6 and june[2] == 173 and december[2] == 356
    assert 90 < june[1] < 180 and 90 < december[1] < 180  # morning: the sun in the south-east


def test_balanced_separable_equals_its_definition():
    """K_S depthwise kernels per channel, one K_C point-wise layer shared by the K_S groups."""
    torch.manual_seed(0)
    layer = arch.BalancedSeparable(3, k_s=4, k_c=5)
    x = torch.randn(2, 3, 16, 16)
    got = layer(x)
    assert got.shape == (2, 4 * 5, 16, 16)
    w, b = layer.depthwise.weight, layer.depthwise.bias  # (C * K_S, 1, 3, 3), ordered (channel, kernel)
    for j in range(4):
        maps = torch.stack([torch.nn.functional.conv2d(x[:, c:c + 1], w[c * 4 + j:c * 4 + j + 1],
                                                       b[c * 4 + j:c * 4 + j + 1], padding=1)[:, 0]
                            for c in range(3)], 1)
        want = layer.pointwise(maps)
        assert torch.allclose(got[:, 5 * j:5 * (j + 1)], want, atol=1e-5)
    # parameters: C K_S (k^2 + 1) + K_C (C + 1)
    assert arch.count_parameters(layer) == 3 * 4 * 10 + 5 * 4


def test_band_decoders_equal_one_branch_per_band():
    """Group k of every BandDecoders convolution is band k's own branch: running each band alone on its
    slice of the weights, with plain nearest up-sampling before each UpsampleConv2d (the paper's per-band
    decoders), gives the same bands; same parameter count."""
    torch.manual_seed(0)
    fused = arch.BandDecoders([8, 4, 2, 1], n_bands=3).double()
    x = torch.randn(2, 8, 5, 6, dtype=torch.float64)
    got = fused(x)
    assert got.shape == (2, 3, 40, 48)
    for k in range(3):
        y = x
        for layer in fused.layers:
            if isinstance(layer, torch.nn.Conv2d):
                if isinstance(layer, arch.UpsampleConv2d):
                    y = torch.nn.functional.interpolate(y, scale_factor=2, mode="nearest")
                rows = slice(k * layer.out_channels // 3, (k + 1) * layer.out_channels // 3)
                y = torch.nn.functional.conv2d(y, layer.weight[rows], layer.bias[rows], padding=2)
            else:
                y = layer(y)
        assert torch.allclose(got[:, k:k + 1], y, atol=1e-12)
    per_branch = (8 * 4 * 25 + 4) + (4 * 4 * 25 + 4) + (4 * 2 * 25 + 2) + (2 * 2 * 25 + 2) + (2 * 25 + 1) + 26
    assert arch.count_parameters(fused) == 3 * per_branch


def test_conditioning_parameters_at_full_width():
    """The paper's widths: early fusion's conditioning 3->96 (stride 2) -> 256, 3 x 3 kernels with bias;
    the intermediate fusion's balanced separable conditioning is 15 times smaller."""
    early = arch.conditioning_parameters(arch.SARDINet("early", width=1.0))
    assert early == (3 * 96 * 9 + 96) + (96 * 256 * 9 + 256)
    inter = arch.conditioning_parameters(arch.SARDINet("intermediate", width=1.0))
    assert inter == (3 * 4 * 10 + 24 * 4) + (96 * 2 * 10 + 128 * 97)
    assert early / inter > 15


def test_short_training_lowers_validation_loss_and_writes_files(trained):
    history = trained["metrics"]["history"]
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert min(h["val"] for h in history[1:]) < history[0]["val"]
    assert trained["metrics"]["val_mae"] == pytest.approx(min(h["val"] for h in history))
    for key, ext in (("onnx", ".onnx"), ("checkpoint", ".pt"), ("card", ".md")):
        assert trained[key].endswith(ext) and os.path.isfile(trained[key])
    card = open(trained["card"]).read()
    assert "Validation by epoch" in card and "early" in card and "    pytest" in card
    info = runner.load(trained["onnx"], kind=schema.KIND).info
    assert info["inputs"]["conditions"] == list(schema.CONDITION_NAMES)  # the pairs have dates
    assert info["training"]["validation_scenes"] == ["scene2_seed2"]
    assert set(info["valid_ranges"]) == {"VV_dB", "VH_dB", "elevation_m"}


def test_fine_tuning_from_an_exported_model_starts_from_its_validation(trained, pair_csvs, tmp_path):
    summary = training.train(pair_csvs, tmp_path / "tuned.onnx", fusion="early", epochs=1, patch=32, batch=8,
                             patches_per_epoch=32, val_patches=32, init=trained["onnx"], seed=1, card=None)
    initial = summary["metrics"]["initial"]["val_mae"]
    assert initial == pytest.approx(trained["metrics"]["val_mae"], rel=1e-4)  # same weights, same validation
    assert summary["metrics"]["val_mae"] <= initial
    assert not summary["init_report"]["skipped"]
    # buffers: the normalisation from the metadata, the normalisations' step counters (not in the graph)
    new = summary["init_report"]["new"]
    assert all(k.startswith("norm.") or k.endswith(".num_batches_tracked") for k in new)
    with pytest.raises(ValueError, match="fusion 'early'"):
        training.train(pair_csvs, tmp_path / "x.onnx", fusion="late", epochs=1, init=trained["onnx"])


def test_fine_tuning_a_model_saved_before_batch_normalisation_keeps_its_network(pair_csvs, tmp_path):
    """A model whose architecture metadata has no ``batch_norm`` entry (saved before it existed) is
    fine-tuned as the plain network it is: every tensor loads, the start is its own validation."""
    torch.manual_seed(0)
    old = arch.build({"arch": "sardinet", "fusion": "none", "conditions": True}).eval()
    old.norm.load(dataset.normalisation_stats(dataset.read_pairs(pair_csvs), False))
    meta = export.build_metadata(old)
    architecture = json.loads(meta[md.META_ARCHITECTURE])
    del architecture["batch_norm"]
    meta[md.META_ARCHITECTURE] = json.dumps(architecture)
    path = export.export_onnx(old, tmp_path / "old.onnx", meta)
    summary = training.train(pair_csvs, tmp_path / "tuned.onnx", fusion="none", epochs=1, patch=32, batch=8,
                             patches_per_epoch=16, val_patches=16, init=path, seed=0, card=None,
                             checkpoint=None)
    assert summary["model"].batch_norm is False
    assert not summary["init_report"]["skipped"] and all(k.startswith("norm.") for k in
                                                          summary["init_report"]["new"])


def test_split_holds_out_scenes_and_refuses_missing_dem(pair_csvs):
    pairs = dataset.read_pairs(pair_csvs)
    train, val = dataset.split(pairs, 0.25)
    assert {p.scene for p in train}.isdisjoint({p.scene for p in val})
    for p in pairs:
        p.dem = None
    with pytest.raises(ValueError, match="needs a DEM .* fusion 'none'"):
        dataset.check_dem(pairs, "late")


def _pair(pair_csvs, index=3):
    return pair_dataset.read_pairs(pair_csvs[0])[index]


def _bands(path):
    return np.stack([read_array(path, b + 1) for b in range(gdal.Open(str(path)).RasterCount)])


def test_blocks_equal_whole_image_and_no_data_stays(trained, pair_csvs, tmp_path):
    row = _pair(pair_csvs)
    sar = np.stack([read_array(row["sar"], b) for b in (1, 2)])
    sar[:, 5:9, 40:50] = np.nan
    # a 192 x 192 scene (the pair mirrored), larger than a block plus its halos
    big_sar = np.pad(sar, ((0, 0), (0, 128), (0, 128)), mode="symmetric")
    big_dem = np.pad(read_array(row["dem"]), ((0, 128), (0, 128)), mode="symmetric")
    src, dem = str(tmp_path / "sar.tif"), str(tmp_path / "dem.tif")
    write_array(src, big_sar, like=row["sar"])
    write_array(dem, big_dem, like=row["dem"])
    day = row["date"]
    whole = inference.translate_raster(src, tmp_path / "whole.tif", trained["onnx"], dem_path=dem, block=512,
                                       date=day)
    inference.translate_raster(src, tmp_path / "blocks.tif", trained["onnx"], dem_path=dem, block=64,
                               date=day)
    inference.translate_raster(src, tmp_path / "thin.tif", trained["onnx"], dem_path=dem, block=64, margin=32,
                               date=day)
    a, b, c = (_bands(tmp_path / f"{n}.tif") for n in ("whole", "blocks", "thin"))
    assert whole["needs_dem"] and a.shape == (4, 192, 192)
    assert np.isnan(a[:, 5:9, 40:50]).all() and np.isnan(b[:, 5:9, 40:50]).all()
    valid = np.isfinite(big_sar).all(0)
    assert valid.sum() < 192 * 192 and (np.isfinite(a) == valid).all()  # no data stays, nothing else is
    # the default halo covers the receptive field: beyond the network's reach (48 px) from no data, a block
    # equals the whole image; nearer, no-data pixels are filled with each tile's channel mean
    # (models.tiled_inference), which differs between a block and the whole image
    from scipy import ndimage

    far = ndimage.distance_transform_edt(valid) > inference.DEFAULT_MARGIN
    assert far.mean() > 0.15 and np.max(np.abs(a - b)[:, far]) < 1e-5
    assert np.nanmax(np.abs(a - b)) < 0.05
    # a thinner halo (32 px): a pixel d px inside its block sees 32 + d px beyond the block edge, so only
    # pixels within 48 - 32 = 16 px of an inner block edge lose part of the network's reach and differ
    index = np.arange(192)
    start = index // 64 * 64
    inner = np.minimum(np.where(start > 0, index - start, 999),
                       np.where(start + 64 < 192, start + 63 - index, 999))  # px to an inner block edge
    reach = inner >= inference.DEFAULT_MARGIN - 32
    deep = reach[:, None] & reach[None, :]
    thin = np.abs(a - c)
    assert np.max(thin[:, far & deep]) < 1e-5 and np.max(thin[:, far & ~deep]) > 1e-4
    assert np.nanmax(thin) < 0.1  # near the block edges: within blending tolerance (reflectance)
    # whole-image run = the model on the whole image, bands reordered to R, G, B, NIR; the run goes through
    # the CPU graph edits (models.tiled_inference: accepted within 1e-4 of the unedited graph at load;
    # the separable gradients reorder float sums of DEM metres), the direct call through the unedited graph
    model = runner.load(trained["onnx"], kind=schema.KIND)
    conditions = inference.grid_conditions(day, *gdal_grid(src))[None]
    direct = model.predict({"sar": big_sar, "dem": big_dem[None], "conditions": conditions})
    order = [schema.OPTICAL_BANDS.index(x) for x in schema.RGB_NIR_ORDER]
    assert np.nanmax(np.abs(a - direct[order])) < 1e-4


def test_output_uncompressed_by_default_same_values_compressed(trained, pair_csvs, tmp_path):
    # the GeoTIFF compression (DEFAULT_COMPRESS: none, for speed on 2 cores) changes the file, not the values
    row = _pair(pair_csvs)
    args = dict(dem_path=row["dem"], date=row["date"], block=32)
    inference.translate_raster(row["sar"], tmp_path / "plain.tif", trained["onnx"], **args)
    inference.translate_raster(row["sar"], tmp_path / "packed.tif", trained["onnx"], compress=True, **args)
    plain, packed = (gdal.Open(str(tmp_path / f"{n}.tif")) for n in ("plain", "packed"))
    assert plain.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") is None
    assert packed.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") in ("ZSTD", "DEFLATE")
    assert plain.GetRasterBand(1).GetColorInterpretation() == gdal.GCI_RedBand
    a, b = _bands(tmp_path / "plain.tif"), _bands(tmp_path / "packed.tif")
    assert a.shape[0] == 4 and np.isfinite(a).mean() > 0.9
    assert np.array_equal(a, b, equal_nan=True)


def test_conditions_fixed_in_the_graph_give_the_general_graphs_output(trained, pair_csvs, tmp_path,
                                                                     monkeypatch):
    row = _pair(pair_csvs)
    args = dict(dem_path=row["dem"], date=row["date"], block=32)
    fixed = inference.translate_raster(row["sar"], tmp_path / "fixed.tif", trained["onnx"], **args)
    # without the onnx package the graph cannot be edited: the general graph takes the conditions per tile
    monkeypatch.setitem(sys.modules, "onnx", None)
    general = inference.translate_raster(row["sar"], tmp_path / "general.tif", trained["onnx"], **args)
    assert fixed["conditions_in_graph"] and not general["conditions_in_graph"]
    a, b = _bands(tmp_path / "fixed.tif"), _bands(tmp_path / "general.tif")
    assert (np.isfinite(a) == np.isfinite(b)).all() and np.isfinite(a).mean() > 0.9
    difference = np.nanmax(np.abs(a - b))
    assert difference < 1e-5 * np.nanmax(np.abs(b))  # float32 rounding of the folded weights only


def gdal_grid(path):
    ds = gdal.Open(str(path))
    return ds.GetGeoTransform(), ds.GetProjection(), (ds.RasterYSize, ds.RasterXSize)


def test_dem_in_another_crs_is_warped_and_must_cover(trained, pair_csvs, tmp_path):
    row = _pair(pair_csvs)
    ref = tmp_path / "ref.tif"
    inference.translate_raster(row["sar"], ref, trained["onnx"], dem_path=row["dem"], date=row["date"])
    geo_dem = str(tmp_path / "dem_4326.tif")  # the DEM in geographic coordinates, wider than the scene
    big = tmp_path / "dem_big.tif"  # padded by reflection: the geographic DEM covers the scene's extent
    z = read_array(row["dem"])
    gt = gdal.Open(row["dem"]).GetGeoTransform()
    write_array(str(big), np.pad(z, 16, mode="reflect"), like=row["dem"])
    ds = gdal.Open(str(big), gdal.GA_Update)
    ds.SetGeoTransform((gt[0] - 16 * gt[1], gt[1], 0, gt[3] - 16 * gt[5], 0, gt[5]))
    ds = None
    gdal.Warp(geo_dem, str(big), dstSRS="EPSG:4326", resampleAlg="bilinear", dstNodata=float("nan"))
    on_grid, temporary = inference.dem_on_grid(geo_dem, inference.read_info(row["sar"]))
    assert temporary
    back = read_array(on_grid)
    gdal.Unlink(on_grid)
    assert np.median(np.abs(back - z)) < 0.02 * (np.nanmax(z) - np.nanmin(z))  # the same terrain
    warped = tmp_path / "warped.tif"
    inference.translate_raster(row["sar"], warped, trained["onnx"], dem_path=geo_dem, date=row["date"])
    diff = np.abs(_bands(warped) - _bands(ref))
    assert np.isfinite(diff).all() and np.median(diff) < 0.02  # two bilinear resamplings of the DEM
    half = tmp_path / "dem_half.tif"
    gdal.Translate(str(half), row["dem"], srcWin=[0, 0, 64, 32])
    with pytest.raises(ValueError, match="does not cover the SAR extent"):
        inference.translate_raster(row["sar"], tmp_path / "x.tif", trained["onnx"], dem_path=str(half),
                                   date=row["date"])
    assert not (tmp_path / "x.tif").exists()


def test_bad_inputs(trained, pair_csvs, tmp_path):
    row = _pair(pair_csvs)
    with pytest.raises(ValueError, match="uses the DEM"):
        inference.translate_raster(row["sar"], tmp_path / "x.tif", trained["onnx"], date=row["date"])
    with pytest.raises(ValueError, match="conditioned on the acquisition date"):
        inference.translate_raster(row["sar"], tmp_path / "x.tif", trained["onnx"], dem_path=row["dem"])
    day = row["date"]
    linear = str(tmp_path / "linear.tif")
    write_array(linear, 10 ** (np.stack([read_array(row["sar"], b) for b in (1, 2)]) / 10), like=row["sar"])
    with pytest.raises(ValueError, match="looks like linear power"):
        inference.translate_raster(linear, tmp_path / "x.tif", trained["onnx"], dem_path=row["dem"], date=day)
    with pytest.raises(ValueError, match="looks like dB"):
        inference.translate_raster(row["sar"], tmp_path / "x.tif", trained["onnx"], dem_path=row["dem"],
                                   scale="linear", date=day)
    # linear power declared as such gives the dB run's output
    inference.translate_raster(linear, tmp_path / "lin.tif", trained["onnx"], dem_path=row["dem"],
                               scale="linear", date=day)
    inference.translate_raster(row["sar"], tmp_path / "db.tif", trained["onnx"], dem_path=row["dem"],
                               date=day)
    assert np.nanmax(np.abs(_bands(tmp_path / "lin.tif") - _bands(tmp_path / "db.tif"))) < 1e-4
    with pytest.raises(ValueError, match="band 3 does not exist"):
        inference.translate_raster(row["sar"], tmp_path / "x.tif", trained["onnx"], dem_path=row["dem"],
                                   bands=(1, 3), date=day)
    other = ROOT / "models" / "learned_di.onnx"
    if other.is_file():
        with pytest.raises(ValueError, match="kind 'learned_di'.*expected 'sar_to_optical'"):
            inference.open_model(str(other))
    assert not (tmp_path / "x.tif").exists()


def test_metadata_keys_follow_the_schema(trained):
    info = runner.load(trained["onnx"]).info
    assert set(md.KEYS) <= set(info)
    assert info["architecture"]["conditioning_parameters"] == arch.conditioning_parameters(
        arch.SARDINet("early", batch_norm=True))


def test_qgis_side_modules_do_not_import_torch():
    code = ("import sys\n"
            f"sys.path.insert(0, {str(ROOT / '.plugins')!r})\n"
            "import sar_change.models.sar_to_optical.inference\n"
            "import sar_change.models.sar_to_optical.schema\n"
            "import sar_change.processing.algorithms.sar_to_optical\n"
            "import sar_change.processing.algorithms.train_sar_to_optical\n"
            "print('torch' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "False"
