"""Pretext pairs of the segmentation encoder's self-supervised pretraining (despeckling, cross-date)."""

import numpy as np
import pytest

from sar_change.core.simulator import segmentation as ss
from sar_change.models.segmentation.pretrain import PRETRAIN_SEEDS, simulator_pairs

SHAPE = (32, 40)


def _clean(seed, season):
    sc = ss.segmentation_scene(seed, season, shape=SHAPE, looks=1.0)
    return np.stack([sc["clean_vv_db"], sc["clean_vh_db"]])


def test_cross_date_target_is_the_other_season_of_the_same_seed():
    pairs = simulator_pairs(2, shape=SHAPE, first=3, pretext="cross_date")
    despeckle = simulator_pairs(2, shape=SHAPE, first=3)
    for k, i in enumerate((3, 4)):
        seed, season, other = PRETRAIN_SEEDS[i], ss.SEASONS[i % 2], ss.SEASONS[(i + 1) % 2]
        x, y = pairs[k]
        own = ss.scene_image(ss.segmentation_scene(seed, season, shape=SHAPE, looks=1.0))
        np.testing.assert_array_equal(x, own)  # the input: this season's single-look image
        np.testing.assert_array_equal(despeckle[k][0], own)
        np.testing.assert_array_equal(y, _clean(seed, other))  # the target: the other season, speckle-free
        np.testing.assert_array_equal(despeckle[k][1], _clean(seed, season))
        # the seasons differ on the same ground (wet snow, wet ice, wind): not the despeckling target
        assert np.mean(np.abs(y - despeckle[k][1])) > 0.5
    assert ss.SEASONS[3 % 2] != ss.SEASONS[4 % 2]  # the direction alternates


def test_unknown_pretext_is_refused():
    with pytest.raises(ValueError, match="cross_date"):
        simulator_pairs(1, shape=SHAPE, pretext="inpainting")


def test_cross_date_pretext_is_recorded_in_checkpoint_and_card(tmp_path):
    torch = pytest.importorskip("torch")
    from sar_change.models.segmentation.pretrain import pretrain

    out = tmp_path / "enc.pt"
    result = pretrain(
        out, scenes=2, epochs=1, width=8, patches_per_epoch=16, val_scenes=1, batch=8, pretext="cross_date"
    )
    saved = torch.load(out, weights_only=True)
    assert saved["config"]["pretext"].startswith("cross_date")
    assert "other season" in saved["training"]["pretext"]
    card = (tmp_path / "enc.md").read_text()
    assert result["card"] == str(tmp_path / "enc.md") and "Cross-date-pretrained SAR encoder" in card
    with pytest.raises(ValueError, match="despeckling"):
        pretrain(out, scenes=1, rasters=[np.zeros((3, 64, 64), np.float32)], pretext="cross_date")
