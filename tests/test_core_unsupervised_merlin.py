"""The chain's learned speckle filter (``ChainConfig(despeckle="merlin")``, round 20, off by default):
admitted by ``check``, a clear error without the model, the default untouched, and strips on the
model's pooling grid (``LEARNED_GRID``) close to the whole-image run.

The MERLIN tests skip when onnxruntime or the converted model (scripts/setup.sh) are absent.
"""
import importlib.util
import os

import numpy as np
import pytest

from sar_change.core.change import unsupervised as us
from sar_change.core.speckle import learned

from helpers import gamma_speckle

MERLIN = us.replace(us.DEFAULT, despeckle="merlin")


def _need_model():
    if importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("onnxruntime is not installed")
    if not os.path.isfile(learned.default_model_path()):
        pytest.skip(f"converted MERLIN model {learned.default_model_path()} absent: run scripts/setup.sh")


def test_default_unchanged_and_off():
    assert us.DEFAULT.despeckle == "" and us.DEFAULT.despeckle_level == 0.0
    assert us.aligned_margin(us.DEFAULT, 8) == 8 and us.strip_align(us.DEFAULT) == 1
    assert "MERLIN" not in us.DEFAULT.check().name()


def test_merlin_config_checks():
    _need_model()
    assert MERLIN.check() is MERLIN
    assert MERLIN.name().startswith("MERLIN + ")
    us.replace(MERLIN, despeckle_level=0.1).check()
    with pytest.raises(ValueError, match="despeckle_level"):
        us.replace(us.DEFAULT, despeckle="lee", despeckle_level=0.1).check()
    with pytest.raises(ValueError, match="unknown speckle filter"):
        us.replace(us.DEFAULT, despeckle="merlin2").check()


def test_missing_model_is_a_value_error(monkeypatch, tmp_path):
    monkeypatch.setattr(learned, "default_model_path", lambda: str(tmp_path / "absent.onnx"))
    with pytest.raises(ValueError, match="merlin.convert"):
        MERLIN.check()


def test_in_strips_align():
    seen = []
    arr = np.zeros((200, 10), np.float32)
    us.in_strips(lambda a: seen.append(a.shape[0]) or a, [arr], 0, strip_pixels=50 * 10, align=32)
    assert seen == [32] * 6 + [8]


def test_strips_on_the_grid_close_to_whole_image():
    """32-row strips (halo rounded up to the 32-pixel grid) vs one strip: the despeckled power differs
    (the U-Net reaches beyond any halo) and so may a few labels: measured 1 of 20480 (3 with 30-row strips
    and a 104-pixel halo, off the grid)."""
    _need_model()
    shape = (320, 64)
    p1 = gamma_speckle(shape, 4, seed=1)
    p2 = gamma_speckle(shape, 4, seed=2)
    p2[100:180, 20:50] *= 6.0
    mask, fitted = us.detect(p1, p2, MERLIN)
    assert fitted.margin % us.LEARNED_GRID == 0 and fitted.margin >= learned.MARGIN
    strips = us.in_strips(fitted.labels, [p1, p2], fitted.margin, strip_pixels=32 * shape[1],
                          align=us.strip_align(MERLIN))
    assert np.count_nonzero(strips != mask) <= 5
