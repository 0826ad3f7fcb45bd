"""SAR segmentation: simulator truth, network, loss, training, ONNX (metadata, parity), pretrained encoder,
the block-wise segmentation and both Processing algorithms."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from osgeo import gdal  # noqa: E402

from sar_change.core.engine.raster_blocks import write_array  # noqa: E402
from sar_change.core.simulator import segmentation as ss  # noqa: E402
from sar_change.models.framework import export as fx  # noqa: E402
from sar_change.models.framework import metadata as md  # noqa: E402
from sar_change.models.framework import pretrained  # noqa: E402
from sar_change.models.segmentation import apply, metrics, schema, training, tta  # noqa: E402
from sar_change.models.segmentation import dataset as sds  # noqa: E402
from sar_change.models.segmentation.architecture import SegmentationNet  # noqa: E402
from sar_change.models.segmentation.pretrain import pretrain  # noqa: E402
from sar_change.models.segmentation.texture import speckle_contrast  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(width=8, aspp_channels=16, aspp_rates=(1, 2), image_pooling=False)
COLOURS = ("#1f57bf", "#e0f0ff", "#739650")


def scene_set(seed, season="freeze", shape=(96, 96)):
    sc = ss.segmentation_scene(seed, season, shape=shape)
    return ss.scene_image(sc), sc["labels"]


def test_scenes_repeat_hold_classes_and_melt_darkens_ice():
    a = ss.segmentation_scene(100, "freeze", shape=(96, 96))
    b = ss.segmentation_scene(100, "freeze", shape=(96, 96))
    assert np.array_equal(a["vv_db"], b["vv_db"]) and np.array_equal(a["labels"], b["labels"])
    assert set(np.unique(a["labels"])) == {0, 1, 2}
    assert not set(ss.TRAIN_SEEDS) & set(ss.TEST_SEEDS)
    melt = ss.segmentation_scene(100, "melt", shape=(96, 96))
    both = (a["labels"] == ss.ICE_CLASS) & (melt["labels"] == ss.ICE_CLASS) & ((a["layover_shadow"] & 1) == 0)
    assert both.sum() > 100
    # wet snow on ice: WET_ICE_DB (-6 dB VV) below the dry ice of the same pixel (same ridges, incidence),
    # both plus the noise floor (NESZ -22 dB; ice has no texture); layover pixels also hold land returns
    noise = 10 ** (ss.NESZ_DB / 10)
    signal = 10 ** (a["clean_vv_db"][both].astype(np.float64) / 10) - noise
    expected = 10 * np.log10(signal * 10 ** (ss.WET_ICE_DB["VV"] / 10) + noise)
    assert np.abs(melt["clean_vv_db"][both] - expected).max() < 1e-3
    # speckle: mean of the linear ratio single/clean ~ 1 (Gamma(L, 1/L) has mean 1)
    ratio = 10 ** ((a["vv_db"] - a["clean_vv_db"]) / 10)
    assert ratio.mean() == pytest.approx(1.0, abs=0.03)



def test_melt_land_is_the_dry_snow_reference_less_the_wet_snow_ratio():
    """Wet snow absorbs the ground return: melt land = freeze (dry-snow) land times the class's wet-snow
    ratio (backscatter.WET_SNOW_DB: -5 dB open ground, -2 dB forest / town), so open ground is >= 3 dB
    darker than in the freeze season (Nagler & Rott 2000); water and ice are as before the fix."""
    from sar_change.core.simulator.backscatter import WET_SNOW_DB
    from sar_change.core.simulator.landcover import BARE, FIELD, FOREST, URBAN

    freeze = ss.segmentation_scene(100, "freeze", shape=(96, 96))
    melt = ss.segmentation_scene(100, "melt", shape=(96, 96))
    assert np.array_equal(freeze["landcover"], melt["landcover"])
    cover = freeze["landcover"]
    plain = (freeze["layover_shadow"] & 3) == 0  # no layover sums, no shadow: one facet per pixel
    noise = 10 ** (ss.NESZ_DB / 10)
    for pol in ("VV", "VH"):
        key = f"clean_{pol.lower()}_db"
        signal_f = 10 ** (freeze[key].astype(np.float64) / 10) - noise
        signal_m = 10 ** (melt[key].astype(np.float64) / 10) - noise
        for cls in (FOREST, FIELD, URBAN, BARE):
            k = plain & (cover == cls)
            if k.sum() < 20:
                continue
            drop = 10 * np.log10(signal_m[k] / signal_f[k])
            assert np.abs(drop - WET_SNOW_DB[cls][pol]).max() < 0.01, (pol, cls)
    open_ground = plain & np.isin(cover, (FIELD, BARE))
    assert open_ground.sum() > 1000
    darker = melt["clean_vv_db"][open_ground] - freeze["clean_vv_db"][open_ground]
    assert np.median(darker) <= -3.0  # measured, noise floor included: the wet-snow threshold holds
    # water and ice: the same values as before the fix (mean clean dB outside layover, seed 100)
    before = {("freeze", 0): (-18.5108066, -21.1397580), ("freeze", 1): (-11.7720618, -19.3941726),
              ("melt", 0): (-16.5955919, -20.4299425), ("melt", 1): (-16.6621168, -20.9650624)}
    for (season, cls), (vv, vh) in before.items():
        sc = freeze if season == "freeze" else melt
        k = ((sc["layover_shadow"] & 1) == 0) & (sc["labels"] == cls)
        assert sc["clean_vv_db"][k].astype(np.float64).mean() == pytest.approx(vv, abs=1e-4)
        assert sc["clean_vh_db"][k].astype(np.float64).mean() == pytest.approx(vh, abs=1e-4)

def test_network_shapes_nan_and_normalisation():
    net = SegmentationNet(3, 4, **TINY).eval()
    net.set_normalisation([-15.0, -22.0, 38.0], [4.0, 4.0, 5.0])
    x = torch.tensor(scene_set(101)[0][None, :, :64, :80])
    assert net.encoder(net.normalise(x)).shape == (1, 32, 4, 5)  # output stride 16, 4 * width channels
    p = net(x)
    assert p.shape == (1, 4, 64, 80)
    assert torch.allclose(p.sum(1), torch.ones(1, 64, 80), atol=1e-5)
    x2 = x.clone()
    x2[0, :, :3, :3] = float("nan")
    assert torch.isfinite(net(x2)).all()
    # NaN is replaced by the channel mean: same as feeding the mean
    x3 = x.clone()
    x3[0, :, :3, :3] = torch.tensor([-15.0, -22.0, 38.0]).view(3, 1, 1)
    assert torch.allclose(net(x2), net(x3))


def test_fine_level_class_bias_and_prior_correction(tmp_path):
    net = SegmentationNet(3, 3, **TINY, fine_level=True).eval()
    net.set_normalisation([-15.0, -22.0, 38.0], [4.0, 4.0, 5.0])
    x = torch.tensor(scene_set(101)[0][None, :, :48, :64])
    with torch.no_grad():
        logits = net.logits(x)
        assert logits.shape == (1, 3, 48, 64)
        net.set_class_bias([0.5, -1.0, 0.0])
        p = net(x)
    assert torch.allclose(p, torch.softmax(logits + torch.tensor([0.5, -1.0, 0.0]).view(1, 3, 1, 1), 1))
    # the bias travels inside the ONNX graph
    out = training.export_model(net, str(tmp_path / "fine.onnx"), training.build_metadata(
        net, ("VV", "VH", "incidence"), ("dB", "dB", "deg"), schema.class_entries(list(ss.CLASSES))))
    assert fx.parity(net, out, [x], [schema.INPUT], schema.OUTPUT) < 1e-4
    # weighted cross-entropy's optimum is q_k ~ w_k p_k; the prior correction with alpha 1 gives p back
    prior, w = np.array([0.2, 0.3, 0.5]), np.array([4.0, 2.0, 0.5])
    q = np.log(w * prior) + 1.7
    corrected = q + np.array(training.prior_correction(w, 1.0))
    assert np.allclose(np.exp(corrected) / np.exp(corrected).sum(), prior)
    assert training.prior_correction(w, 0.0) == [0.0, 0.0, 0.0]
    counts = np.array([100, 400, 10000])
    sqrt = np.array([2.0, 1.0, 0.2])  # counts ** -0.5, then mean 1
    assert np.allclose(training.class_weight_vector("sqrt", counts), sqrt / sqrt.mean())
    assert np.allclose(training.class_weight_vector("balanced", counts), np.array([4.0, 1.0, 0.04]) / 1.68)


def test_full_level_refines_at_the_input_resolution_and_old_models_load_without_it(tmp_path):
    net = SegmentationNet(3, 3, **TINY, fine_level=True, full_level=True).eval()
    net.set_normalisation([-15.0, -22.0, 38.0], [4.0, 4.0, 5.0])
    x = torch.tensor(scene_set(101)[0][None, :, :48, :64])
    with torch.no_grad():
        logits = net.logits(x)
        assert logits.shape == (1, 3, 48, 64)
    # the refinement convolves the input itself (3 bands, 3 x 3) before the classifier
    assert net.full[0].weight.shape == (8, 3, 3, 3) and net.classifier.in_channels == 8
    out = training.export_model(net, str(tmp_path / "full.onnx"), training.build_metadata(
        net, ("VV", "VH", "incidence"), ("dB", "dB", "deg"), schema.class_entries(list(ss.CLASSES))))
    assert fx.parity(net, out, [x], [schema.INPUT], schema.OUTPUT) < 1e-4
    # a whole model saved before the refinement existed (no full_level in its config) loads as it was
    old = SegmentationNet(3, 3, **TINY, fine_level=True)
    config = {k: v for k, v in old.config.items() if k != "full_level"}
    torch.save({"state_dict": old.state_dict(), "config": config, "normalisation": old.normalisation()},
               tmp_path / "old.pt")
    model, _, report = training.build_model(
        3, 3, str(tmp_path / "old.pt"), dict(TINY, fine_level=True, full_level=True), lambda t: None)
    assert model.config["full_level"] is False and not report.new and not report.skipped


def test_speckle_contrast_features_start_at_zero_export_and_old_models_load_without_them(tmp_path):
    # C_9 = <I^2> / <I>^2 - 1 over 9 x 9 windows: 1/L for L-look speckle (Gamma(4, 1/4): 0.25), and
    # (1 + 1/nu)(1 + 1/L) - 1 = 0.875 under a Gamma(nu = 2) texture; the 81-sample estimate is biased
    # low by about C/81 relative (0.246, 0.865 expected)
    rng = np.random.default_rng(0)
    speckle = rng.gamma(4.0, 0.25, size=(1, 1, 200, 200))
    textured = speckle * rng.gamma(2.0, 0.5, size=(1, 1, 200, 200))
    for image, expected in ((speckle, 0.25), (textured, 0.875)):
        c = torch.exp(speckle_contrast(torch.tensor(10 * np.log10(image), dtype=torch.float32), [9]))
        assert float(c[0, 0, 4:-4, 4:-4].mean()) == pytest.approx(expected, rel=0.04)
    # the trainer gives the branch the dB bands; zero at the start: the same output as without it
    net = dict(TINY, fine_level=True, texture_windows=[5, 9])
    model, _, _ = training.build_model(3, 3, None, net, lambda t: None, ("dB", "dB", "deg"))
    assert model.config["texture_bands"] == [0, 1] and model.texture.conv.weight.shape == (8, 4, 7, 7)
    model.set_normalisation([-15.0, -22.0, 38.0], [4.0, 4.0, 5.0])
    plain = SegmentationNet(3, 3, **TINY, fine_level=True)
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("texture.")})
    x = torch.tensor(scene_set(101, "melt")[0][None, :, :48, :64])
    model.eval(), plain.eval()
    with torch.no_grad():
        assert torch.equal(model(x), plain(x))
        torch.nn.init.normal_(model.texture.conv.weight, std=0.1)
        assert not torch.allclose(model(x), plain(x), atol=1e-3)
    out = training.export_model(model, str(tmp_path / "texture.onnx"), training.build_metadata(
        model, ("VV", "VH", "incidence"), ("dB", "dB", "deg"), schema.class_entries(list(ss.CLASSES))))
    assert fx.parity(model, out, [x], [schema.INPUT], schema.OUTPUT) < 1e-4
    # a whole model saved before the features existed loads without them, every tensor in place
    config = {k: v for k, v in plain.config.items() if not k.startswith("texture")}
    torch.save({"state_dict": plain.state_dict(), "config": config, "normalisation": plain.normalisation()},
               tmp_path / "old.pt")
    old, _, report = training.build_model(3, 3, str(tmp_path / "old.pt"), net, lambda t: None, ("dB",) * 3)
    assert old.texture is None and old.config["texture_windows"] == [] and not report.new


def test_balanced_sampling_centres_patches_on_rare_classes():
    labels = np.zeros((64, 64), np.uint8)
    labels[:8, :8] = 1  # 1.6 % of the pixels
    labels[60:, :] = schema.IGNORE
    sets = [(np.zeros((3, 64, 64), np.float32), labels), (np.zeros((3, 64, 64), np.float32), labels.copy())]
    index = sds.labelled_index(sets)
    classes = sds.class_index(sets, index)
    assert sorted(classes) == [0, 1] and classes[1][1].size == 128 and set(classes[1][0]) == {0, 1}

    def rare_share(balance):
        samples = sds.random_samples(sets, index, 16, 4000, np.random.default_rng(3), False, balance)
        return np.mean([(sets[s][1][r:r + 16, c:c + 16] == 1).any() for s, r, c, _, _ in samples])

    # patches reaching the rare corner: ~(8 + 16 + jitter)^2 / 60 x 64 of them uniformly, over half balanced
    assert rare_share(0.0) < 0.2 and rare_share(1.0) > 0.5
    # balance 0 draws exactly what the uniform sampler always drew
    a = sds.random_samples(sets, index, 16, 50, np.random.default_rng(5))
    assert a == sds.random_samples(sets, index, 16, 50, np.random.default_rng(5), True, 0.0, classes)


def test_sar_bands_in_every_scale_become_db():
    db = np.array([[-20.0, -10.0, 0.0, np.nan]], dtype=np.float32)
    power = 10 ** (db / 10)
    for scale, values in (("db", db), ("linear", power), ("amplitude", np.sqrt(power))):
        assert np.allclose(schema.sar_to_db(values, scale), db, atol=1e-5, equal_nan=True), scale
    assert np.isnan(schema.sar_to_db(np.array([0.0, -1.0]), "linear")).all()  # no power: no data
    assert apply.SCALES == ("linear", "amplitude", "db")


def test_loss_ignores_unlabelled_pixels_and_focal_weights():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 8, 8, generator=g)
    labels = torch.randint(0, 3, (2, 8, 8), generator=g)
    labels[:, :4] = schema.IGNORE
    keep = labels != schema.IGNORE
    ref = torch.nn.functional.cross_entropy(logits.permute(0, 2, 3, 1)[keep], labels[keep])
    assert float(training.segmentation_loss(logits, labels)) == pytest.approx(float(ref), rel=1e-5)
    w = torch.tensor([1.0, 2.0, 0.5])
    ref_w = torch.nn.functional.cross_entropy(logits.permute(0, 2, 3, 1)[keep], labels[keep], weight=w)
    assert float(training.segmentation_loss(logits, labels, weights=w)) == pytest.approx(
        float(ref_w), rel=1e-5
    )
    assert float(training.segmentation_loss(logits, labels, "focal", gamma=0.0)) == pytest.approx(
        float(ref), rel=1e-5
    )
    assert float(training.segmentation_loss(logits, labels, "focal")) < float(ref)
    assert float(training.segmentation_loss(logits, torch.full_like(labels, schema.IGNORE))) == 0.0


def test_scores_on_a_known_confusion_matrix():
    cm = np.array([[8, 2], [1, 9]])
    s = metrics.scores(cm, ["a", "b"])
    assert s["per_class"]["a"]["iou"] == pytest.approx(8 / 11)
    assert s["per_class"]["b"]["f1"] == pytest.approx(18 / 21)
    assert s["accuracy"] == pytest.approx(17 / 20)
    assert s["weighted_iou"] == pytest.approx(0.5 * 8 / 11 + 0.5 * 9 / 12)
    assert metrics.confusion([0, 1, 255, 1], [0, 0, 1, 1], 2).tolist() == [[1, 0], [1, 1]]


def test_test_time_augmentation_is_the_mean_of_the_views_mapped_back():
    rng = np.random.default_rng(3)
    image = rng.normal(size=(2, 5, 7)).astype(np.float32)  # not square: the transposing views too

    def predict(x):  # not equivariant: depends on the position and on the orientation
        a = np.cumsum(x[0], axis=0) + 0.1 * np.arange(x.shape[2])[None, :]
        return np.stack([a, x[1] * a, -a]).astype(np.float32)

    views = [
        image,
        image[:, :, ::-1],
        np.rot90(image, 2, axes=(1, 2)),
        np.rot90(image[:, :, ::-1], 2, axes=(1, 2)),
        np.rot90(image, 1, axes=(1, 2)),
        np.rot90(image[:, :, ::-1], 1, axes=(1, 2)),
        np.rot90(image, 3, axes=(1, 2)),
        np.rot90(image[:, :, ::-1], 3, axes=(1, 2)),
    ]
    back = [
        predict(views[0]),
        predict(views[1])[:, :, ::-1],
        np.rot90(predict(views[2]), -2, axes=(1, 2)),
        np.rot90(predict(views[3]), -2, axes=(1, 2))[:, :, ::-1],
        np.rot90(predict(views[4]), -1, axes=(1, 2)),
        np.rot90(predict(views[5]), -1, axes=(1, 2))[:, :, ::-1],
        np.rot90(predict(views[6]), -3, axes=(1, 2)),
        np.rot90(predict(views[7]), -3, axes=(1, 2))[:, :, ::-1],
    ]
    for n in (1, 2, 4, 8):
        out = tta.averaged(predict, image, n)
        assert out.shape == (3, 5, 7) and out.dtype == np.float32
        np.testing.assert_allclose(out, np.mean(back[:n], axis=0), rtol=1e-6, atol=1e-6)
    assert len({v.tobytes() for v in views}) == 8  # eight different views of a generic image
    pixelwise = tta.averaged(lambda x: np.stack([x[0], x[1] ** 2]), image, 8)  # equivariant: unchanged
    np.testing.assert_allclose(pixelwise, np.stack([image[0], image[1] ** 2]), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="views"):
        tta.averaged(predict, image, 3)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained on two simulated freeze scenes, validated on a held-out one."""
    out = tmp_path_factory.mktemp("seg") / "tiny.onnx"
    train_sets = [scene_set(s) for s in ss.TRAIN_SEEDS[:2]]
    val_sets = [scene_set(ss.TEST_SEEDS[0])]
    summary = training.train(
        train_sets,
        val_sets,
        ss.CLASSES,
        out_onnx=str(out),
        colours=COLOURS,
        epochs=8,
        patch=64,
        batch=8,
        patches_per_epoch=64,
        val_patches=16,
        network=TINY,
        seed=1,
        class_weights=None,
        patience=None,
        command="pytest",
        decide=lambda model, weights: ([0.2, -0.1, 0.0], {"rule": "fixed test offsets", "grid": [
            {"alpha": 0.0, "iou": 0.5}]}),
    )
    return summary, val_sets


def test_step_budget_stops_at_exactly_its_steps_and_repeats_the_epoch_budget():
    train_sets = [scene_set(ss.TRAIN_SEEDS[0], shape=(64, 64))]
    val_sets = [scene_set(ss.TEST_SEEDS[0], shape=(64, 64))]
    common = dict(patch=32, batch=4, patches_per_epoch=16, val_patches=4, network=TINY, seed=3, patience=None)
    # 4 steps per epoch: 10 steps are 2 epochs and a half, the half validated too
    s = training.train(train_sets, val_sets, ss.CLASSES, epochs=50, max_steps=10, **common)
    assert s["stopped"] == "step limit" and s["steps"] == 10 and len(s["epochs"]) == 3
    t = s["training"]
    assert t["steps"] == 10 and t["patches"] == 40 and t["max_steps"] == 10
    # at an epoch boundary the step budget ends the same run as the epoch count (equal work, same weights)
    by_steps = training.train(train_sets, val_sets, ss.CLASSES, epochs=50, max_steps=8, **common)
    by_epochs = training.train(train_sets, val_sets, ss.CLASSES, epochs=2, **common)
    assert by_epochs["stopped"] is None and by_epochs["steps"] == 8
    assert [e["val"] for e in by_steps["epochs"]] == [e["val"] for e in by_epochs["epochs"]]
    a, b = by_steps["model"].state_dict(), by_epochs["model"].state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_short_training_lowers_the_loss_and_beats_the_majority_class(trained):
    summary, val_sets = trained
    epochs = summary["epochs"]
    assert epochs[-1]["train"] < epochs[0]["train"]
    assert min(e["val"] for e in epochs) < epochs[0]["val"]
    image, labels = val_sets[0]
    classes, _ = training.predict_classes(summary["model"], image)
    s = metrics.scores(metrics.confusion(labels, classes, 3))
    majority = np.bincount(labels.ravel()).max() / labels.size
    assert s["accuracy"] > majority + 0.05


def test_onnx_metadata_round_trip_parity_and_card(trained):
    summary, val_sets = trained
    raw = fx.read_metadata(summary["onnx"])
    meta = md.parse_metadata(raw, kind=schema.KIND, version=schema.VERSION)
    classes = schema.read_classes(meta)
    assert [c["name"] for c in classes] == list(ss.CLASSES)
    assert [c["colour"] for c in classes] == list(COLOURS)
    assert schema.input_bands(meta) == ["VV", "VH", "incidence"]
    assert meta["metrics"]["best_epoch"] == summary["best_epoch"]
    assert meta["training"]["class_bias"] == [0.2, -0.1, 0.0]
    assert meta["training"]["decision_rule"] == "fixed test offsets"
    assert set(meta["valid_ranges"]) == {"VV", "VH", "incidence"}
    x = val_sets[0][0][None, :, :48, :64]
    assert fx.parity(summary["model"], summary["onnx"], [x], [schema.INPUT], schema.OUTPUT) < 1e-4
    card = Path(summary["card"]).read_text()
    assert "| water | 0 | #1f57bf |" in card and "confusion" in card.lower()
    assert "## Decision rule (chosen after training)" in card and "| 0.000 | 0.500 |" in card
    assert os.path.isfile(summary["checkpoint"])


def test_pretrained_encoder_loads_exactly_the_encoder(tmp_path):
    out = tmp_path / "enc.pt"
    result = pretrain(out, scenes=2, epochs=1, width=8, patches_per_epoch=16, val_scenes=1, batch=8)
    assert result["checkpoint"] == str(out) and Path(result["card"]).is_file()
    saved = torch.load(out, weights_only=True)["state_dict"]
    assert saved and all(k.startswith("encoder.") for k in saved)
    model, weights, report = training.build_model(3, 3, str(out), dict(TINY, width=16), lambda t: None)
    assert model.config["width"] == 8  # the pretrained widths are taken so every encoder tensor fits
    assert sorted(report.loaded) == sorted(saved)
    assert not report.skipped and all(not k.startswith("encoder.") for k in report.new)
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in saved.items())
    # two input bands: the stem (3 bands) is skipped, the rest of the encoder loads
    _, _, report2 = training.build_model(2, 3, str(out), TINY, lambda t: None)
    assert report2.skipped == ["encoder.stem.0.weight"]
    assert training.PRETRAINED_NAME in pretrained.names()


def test_segment_raster_blocks_match_the_whole_image(trained, tmp_path):
    summary, _ = trained
    image, labels = scene_set(ss.TEST_SEEDS[1], shape=(150, 170))
    image[:, :4, :6] = np.nan
    src = write_array(tmp_path / "scene.tif", image)
    a = apply.segment_raster(
        src,
        str(tmp_path / "a.tif"),
        summary["onnx"],
        bands=(1, 2),
        incidence_band=3,
        out_probabilities=str(tmp_path / "pa.tif"),
        block=64,
    )
    apply.segment_raster(
        src, str(tmp_path / "b.tif"), summary["onnx"], bands=(1, 2), incidence_band=3, block=512
    )
    ca = gdal.Open(a["classes"]).ReadAsArray()
    cb = gdal.Open(str(tmp_path / "b.tif")).ReadAsArray()
    assert (ca[:4, :6] == schema.IGNORE).all() and (ca[4:, 6:] != schema.IGNORE).all()
    assert (ca != cb).mean() < 0.02  # blocks of 64 px with a 64-px halo vs one block
    probs = gdal.Open(a["probabilities"]).ReadAsArray()
    assert np.allclose(np.nansum(probs, 0)[4:, 6:], 1.0, atol=1e-4) and np.isnan(probs[:, 0, 0]).all()
    with pytest.raises(ValueError, match="takes 3 bands"):
        apply.segment_raster(src, str(tmp_path / "c.tif"), summary["onnx"], bands=(1, 2))
    assert not (tmp_path / "c.tif").exists()


def test_segment_through_processing_has_the_palette(run, trained, tmp_path):
    summary, _ = trained
    image, labels = scene_set(ss.TEST_SEEDS[2], shape=(80, 96))
    power = np.concatenate([10 ** (image[:2] / 10), image[2:]])  # linear power SAR bands
    src = write_array(tmp_path / "scene.tif", power)
    result = run(
        "sarchange:segment",
        {
            "INPUT": src,
            "BANDS": "1,2",
            "SCALE": 0,  # linear power (common.SCALE_CHOICES order)
            "INCIDENCE_BAND": 3,
            "MODEL": summary["onnx"],
            "OUTPUT": str(tmp_path / "classes.tif"),
            "PROBABILITIES": str(tmp_path / "p.tif"),
        },
    )
    out = gdal.Open(result["OUTPUT"])
    band = out.GetRasterBand(1)
    assert [c["name"] for c in json.loads(band.GetMetadataItem(schema.META_CLASSES))] == list(ss.CLASSES)
    assert 'value="1" color="#e0f0ff" label="ice"' in (tmp_path / "classes.qml").read_text()
    assert band.GetColorTable().GetColorEntry(0)[:3] == schema.rgb(COLOURS[0])
    assert gdal.Open(result["PROBABILITIES"]).RasterCount == 3
    # the same classes as the dB input through the torch model
    expected, _ = training.predict_classes(summary["model"], image)
    assert (band.ReadAsArray() == expected).mean() > 0.97


def _polygon_layer(polygons, field_type="int"):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer(f"Polygon?crs=EPSG:32632&field=cls:{field_type}", "labels", "memory")
    feats = []
    for wkt, value in polygons:
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        f.setAttributes([value])
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    return layer


def _box(x0, y0, x1, y1):
    return f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))"


def _georeferenced_scene(tmp_path):
    image, labels = scene_set(ss.TEST_SEEDS[6], shape=(96, 96))  # sea, ice and land cells
    path = str(tmp_path / "sar.tif")
    write_array(path, image)
    ds_ = gdal.Open(path, gdal.GA_Update)
    ds_.SetGeoTransform((500000.0, 40.0, 0.0, 5000000.0, 0.0, -40.0))
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32632)
    ds_.SetProjection(srs.ExportToWkt())
    ds_ = None
    return path, labels


def test_train_segmentation_processing_runs_the_trainer(run, tmp_path):
    src, labels = _georeferenced_scene(tmp_path)
    # one polygon per 32 x 32 cell, labelled by its majority class
    polygons = []
    for r in range(0, 96, 32):
        for c in range(0, 96, 32):
            cls = int(np.bincount(labels[r : r + 32, c : c + 32].ravel()).argmax())
            x0, y0 = 500000.0 + 40 * c, 5000000.0 - 40 * r
            polygons.append((_box(x0, y0 - 40 * 32, x0 + 40 * 32, y0), cls))
    layer = _polygon_layer(polygons)
    result = run(
        "sarchange:trainsegmentation",
        {
            "INPUT": src,
            "BANDS": "1,2",
            "INCIDENCE_BAND": 3,
            "POLYGONS": layer,
            "CLASS_FIELD": "cls",
            "VAL_POLYGONS": layer,
            "CLASSES": "water,ice,land",
            "EPOCHS": 1,
            "PATCH": 32,
            "PATCHES_PER_EPOCH": 16,
            "THREADS": 1,
            "OUTPUT_MODEL": str(tmp_path / "model.onnx"),
        },
    )
    meta = md.parse_metadata(fx.read_metadata(result["OUTPUT_MODEL"]), kind=schema.KIND)
    assert [c["name"] for c in schema.read_classes(meta)] == ["water", "ice", "land"]
    assert os.path.isfile(tmp_path / "model.md") and os.path.isfile(result["CHECKPOINT"])
    assert not [p for p in os.listdir(tmp_path) if "partial" in p]


def test_train_segmentation_refuses_bad_labels(run, tmp_path):
    from qgis.core import QgsProcessingException

    src, _ = _georeferenced_scene(tmp_path)
    inside = _box(500000, 4996200, 501280, 5000000)
    base = {
        "INPUT": src,
        "BANDS": "1,2",
        "INCIDENCE_BAND": 3,
        "CLASS_FIELD": "cls",
        "CLASSES": "water,ice,land",
        "EPOCHS": 1,
        "PATCH": 32,
        "OUTPUT_MODEL": str(tmp_path / "never.onnx"),
    }
    cases = [
        (_polygon_layer([(_box(0, 0, 100, 100), 0), (_box(0, 200, 100, 300), 1)]), "overlap"),
        (_polygon_layer([(inside, 0), (_box(501300, 4996200, 502000, 5000000), 0)]), "single class"),
        (_polygon_layer([(inside, 0), (_box(501300, 4996200, 502000, 5000000), 7)]), "0..2"),
        (_polygon_layer([(inside, "water")], "string"), "not numeric"),
    ]
    for layer, message in cases:
        with pytest.raises(QgsProcessingException, match=message):
            run("sarchange:trainsegmentation", dict(base, POLYGONS=layer, VAL_POLYGONS=layer))
    small = write_array(tmp_path / "labels.tif", np.zeros((50, 50), np.float32))  # another grid
    with pytest.raises(QgsProcessingException, match="not on the grid"):
        run("sarchange:trainsegmentation", dict(base, LABEL_RASTER=small, VAL_RASTER=small))
    assert not (tmp_path / "never.onnx").exists()


def test_qgis_side_of_segmentation_is_torch_free():
    code = (
        "import sys; import sar_change.processing.algorithms.segment, "
        "sar_change.processing.algorithms.train_segmentation, sar_change.models.segmentation.apply, "
        "sar_change.models.segmentation.metrics, sar_change.core.simulator.segmentation; "
        "assert 'torch' not in sys.modules and 'onnx' not in sys.modules, 'torch imported'"
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(ROOT / ".plugins") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


@pytest.mark.skipif(not os.path.exists("/usr/bin/qgis_process.bin"), reason="qgis_process not installed")
def test_both_algorithms_under_qgis_process(trained, tmp_path):
    """qgis_process lists the training algorithm and runs the segmentation with the tiny model."""
    summary, _ = trained
    import sysconfig

    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        QGIS_PLUGINPATH=str(ROOT / ".plugins"),
        QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "profile"),
        # QGIS's embedded Python sees the packages of the Python running the tests (onnxruntime)
        PYTHONPATH=os.pathsep.join([sysconfig.get_paths()["purelib"], os.environ.get("PYTHONPATH", "")]),
    )

    def qgis_process(*args):
        proc = subprocess.run(
            ["/usr/bin/qgis_process.bin", *args], env=env, capture_output=True, text=True, timeout=300
        )
        return proc.returncode, proc.stdout + proc.stderr

    assert qgis_process("plugins", "enable", "sar_change")[0] == 0
    rc, out = qgis_process("help", "sarchange:trainsegmentation")
    assert rc == 0 and "CLASS_FIELD" in out and "VAL_POLYGONS" in out, out
    src = write_array(tmp_path / "scene.tif", scene_set(ss.TEST_SEEDS[4], shape=(64, 80))[0])
    dst = tmp_path / "classes.tif"
    rc, out = qgis_process(
        "run",
        "sarchange:segment",
        "--",
        f"INPUT={src}",
        "BANDS=1,2",
        "INCIDENCE_BAND=3",
        f"MODEL={summary['onnx']}",
        f"OUTPUT={dst}",
    )
    assert rc == 0, out
    out_ds = gdal.Open(str(dst))
    assert out_ds.GetRasterBand(1).GetColorTable().GetColorEntry(0)[:3] == schema.rgb(COLOURS[0])
    classes = out_ds.ReadAsArray()
    assert classes.shape == (64, 80) and set(np.unique(classes)) <= {0, 1, 2}


def test_shipped_encoder_loads_by_its_registered_name():
    if not os.path.isfile(training.SHIPPED_ENCODER):
        pytest.skip("no shipped encoder (make it with benchmarks/segmentation.py --ship)")
    model, weights, report = training.build_model(3, 3, training.PRETRAINED_NAME, TINY, lambda t: None)
    saved = torch.load(training.SHIPPED_ENCODER, weights_only=True)
    assert sorted(report.loaded) == sorted(saved["state_dict"]) and not report.skipped
    assert all(k.startswith("encoder.") for k in report.loaded)
    assert weights.normalisation == saved["normalisation"]
    assert model.config["width"] == saved["config"]["width"]


def test_shipped_model_loads_with_its_classes_colours_bands_and_card():
    model = apply.load_model(apply.SHIPPED_MODEL)
    assert [c["name"] for c in model.classes] == list(ss.CLASSES)
    assert [schema.rgb(c["colour"]) for c in model.classes] == [tuple(c) for c in ss.COLOURS]
    assert model.bands == ["VV", "VH", "incidence"]
    card = open(os.path.splitext(apply.SHIPPED_MODEL)[0] + ".md", encoding="utf-8").read()
    assert "| water | 0 |" in card and "Selection" in card and "river-only" in card


def test_segment_defaults_to_the_shipped_model_and_beats_the_majority_class(run, tmp_path):
    sc = ss.segmentation_scene(ss.TEST_SEEDS[19], "freeze", shape=(128, 128))  # 62 % land
    src = write_array(tmp_path / "scene.tif", ss.scene_image(sc))
    ds_ = gdal.Open(src, gdal.GA_Update)
    ds_.SetGeoTransform((500000.0, 20.0, 0.0, 5000000.0, 0.0, -20.0))
    ds_ = None
    result = run("sarchange:segment", {"INPUT": src, "BANDS": "1,2", "INCIDENCE_BAND": 3,
                                       "OUTPUT": str(tmp_path / "classes.tif")})
    classes = gdal.Open(result["OUTPUT"]).ReadAsArray()
    majority = np.bincount(sc["labels"].ravel(), minlength=3).max() / sc["labels"].size
    accuracy = float(np.mean(classes == sc["labels"]))
    assert accuracy > majority + 0.05, (accuracy, majority)


def test_shipped_model_selection_scenes_hold_only_a_river_and_are_never_trained_or_tested_on():
    import importlib.util

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "benchmarks", "segmentation.py")
    spec = importlib.util.spec_from_file_location("segmentation_benchmark", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    seeds, scenes = bench.river_only_scenes(1, shape=(128, 128))
    assert len(seeds) == 1 and len(scenes) == len(ss.SEASONS)
    assert seeds[0] not in ss.TEST_SEEDS and seeds[0] not in ss.TRAIN_SEEDS[:36]  # shipped train + validation
    wet = np.isin(scenes[0]["labels"], (0, 1)).mean()
    assert 0.0 < wet < ss.SEA_SHARE[0]
    # the validation seeds (choosing a setup) are none of the training, selection, pretraining or test seeds
    from sar_change.models.segmentation.pretrain import PRETRAIN_SEEDS

    used = set(ss.TRAIN_SEEDS) | set(bench.RIVER_SELECTION_SEEDS) | set(PRETRAIN_SEEDS) | set(ss.TEST_SEEDS)
    assert len(ss.VALIDATION_SEEDS) == 20 and not used & set(ss.VALIDATION_SEEDS)
    # the extra training seeds are none of them either, and keep the early-stopping seeds
    assert not (used | set(bench.FREE_SEEDS)) & set(bench.EXTRA_TRAIN_SEEDS)
    train, stop = bench.training_seeds(24, 72)
    assert len(train) == 96 and train[23] == 123 and train[24] == 700 and stop == (124, 125)
    assert bench.training_seeds(24)[1] == stop


def test_benchmark_class_weights_ship_guard_and_results_section(tmp_path):
    import argparse

    from helpers import load_benchmark

    bench = load_benchmark("segmentation")
    assert bench.class_weights_arg("1,2,1") == [1.0, 2.0, 1.0]
    assert bench.class_weights_arg("none") is None and bench.class_weights_arg("sqrt") == "sqrt"
    with pytest.raises(argparse.ArgumentTypeError):
        bench.class_weights_arg("ice")
    assert np.allclose(training.class_weight_vector([1, 2, 1], np.array([100, 400, 10000])), [1.0, 2.0, 1.0])
    # the shipped model is replaced only by a better water-or-ice IoU on the selection scenes
    labels = np.array([0, 0, 1, 2, 2, 2])
    new = bench.wet_counts(labels, np.array([0, 1, 2, 2, 2, 0]))  # 2 hits, 1 missed, 1 false
    old = bench.wet_counts(labels, np.array([0, 2, 2, 2, 0, 0]))  # 1 hit, 2 missed, 2 false
    assert (new["iou"], new["recall"], new["precision"]) == (0.5, 2 / 3, 2 / 3) and old["iou"] == 0.2
    assert bench.replaces_shipped(new, old) and not bench.replaces_shipped(old, new)
    assert not bench.replaces_shipped(new, dict(new)) and bench.replaces_shipped(old, None)
    # ... and no worse in any season: better pooled but worse in freeze keeps the shipped model
    assert bench.replaces_shipped({**new, "seasons": {"freeze": new, "melt": new}},
                                  {**old, "seasons": {"freeze": new, "melt": old}})
    assert not bench.replaces_shipped({**new, "seasons": {"freeze": old, "melt": new}},
                                      {**old, "seasons": {"freeze": new, "melt": old}})

    # the gate of 2026-12-03: +0.02 pooled at least, no season below 0.9 x the shipped model's
    def wet(iou, freeze, melt):
        return {"iou": iou, "seasons": {"freeze": {"iou": freeze}, "melt": {"iou": melt}}}

    shipped = wet(0.087, 0.546, 0.050)  # the shipped model on today's river-only selection scenes
    assert bench.replaces_shipped(wet(0.313, 0.501, 0.155), shipped)  # freeze 0.501 >= 0.491
    assert not bench.replaces_shipped(wet(0.298, 0.489, 0.133), shipped)  # freeze 0.489 < 0.491
    assert bench.replaces_shipped(wet(0.107, 0.546, 0.060), shipped)  # exactly the margin
    assert not bench.replaces_shipped(wet(0.106, 0.546, 0.060), shipped)  # below the margin
    assert not bench.replaces_shipped(wet(0.313, 0.546, 0.044), shipped)  # melt 0.044 < 0.045
    assert not bench.replaces_shipped({"iou": 0.313, "seasons": {"freeze": {"iou": 0.6}}}, shipped)
    # --out/--section: the printed output replaces that section of the results file, the rest is kept
    out = tmp_path / "results.md"
    out.write_text("# results\n\n## keep\n\nkept\n\n## tiny\n\nold text\n")
    bench.main(["--encoder", "unused.pt", "--inits", "random", "--train-scenes", "2", "--epochs", "1",
                "--patches-per-epoch", "8", "--patch", "64", "--seeds", "1", "--test-scenes", "1",
                "--score-on", "validation", "--class-weights", "1,2,1",
                "--out", str(out), "--section", "tiny"])
    text = out.read_text()
    assert "kept" in text and "old text" not in text and text.count("## tiny") == 1
    rows = [line for line in text.splitlines() if line.startswith("Confusion matrix")]
    assert len(rows) == len(ss.SEASONS)
    for row in rows:  # one 256 x 256 validation scene per season, every pixel counted once
        assert np.sum(json.loads(row.split(": ", 1)[1])) == 256 * 256
