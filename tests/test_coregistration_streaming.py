"""Coregistration read from disk tile by tile equals the whole-image computation.

``raster_offsets`` (offsets from windows read tile by tile) against
``offsets.estimate_offsets`` on whole arrays, ``raster_resampling``
(block-by-block resampling) against ``resampling.resample``, and
``coregister_stack``'s streamed mode against its whole-image mode, on
images with a no-data border, holes and the water mask.
"""
import csv
import os

import numpy as np
import pytest
from test_core_coregistration import GT, make_raster, speckled_pair

from sar_change.core.coregistration import models as mdl
from sar_change.core.coregistration import offsets as ofs
from sar_change.core.coregistration import raster_offsets as rofs
from sar_change.core.coregistration import raster_resampling as rrs
from sar_change.core.coregistration import resampling as rs
from sar_change.core.coregistration import stack as cs
from sar_change.core.engine.raster_blocks import read_array, read_info


def bordered_pair(shape=(600, 700), dy=2.3, dx=-1.6, seed=3):
    """(ref, mov) linear power with a no-data border in mov, a no-data strip and a hole in ref, dark water."""
    ref, mov = speckled_pair(shape, dy, dx, seed=seed)
    ref, mov = ref.astype(np.float32), mov.astype(np.float32)
    mov[:, :70] = np.nan
    ref[-45:, :] = np.nan
    ref[300:340, 400:470] = np.nan
    for img in (ref, mov):  # a calm lake: dark (-25 dB) and smooth
        img[100:190, 500:620] = 10 ** -2.5
    return ref, mov


@pytest.mark.parametrize("water", [False, True])
def test_tiled_offsets_equal_whole_image_offsets(tmp_path, water, monkeypatch):
    ref, mov = bordered_pair()
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    mov_path = make_raster(tmp_path / "mov.tif", mov)
    valid = ~ofs.water_mask(ref) & ~ofs.water_mask(mov) if water else None
    whole = ofs.estimate_offsets(ref, mov, window=64, valid_mask=valid, domain="amplitude")

    largest = []
    clipped = rofs.BandReader.clipped

    def recording(self, *args):
        data, origin = clipped(self, *args)
        largest.append(data.shape)
        return data, origin

    monkeypatch.setattr(rofs.BandReader, "clipped", recording)
    monkeypatch.setattr(rofs, "TILE", 256)  # several tiles in both directions on this small image
    m = rofs.Matching(domain="amplitude", window=64, mask_water=water)
    reader_ref, reader_mov = rofs.BandReader(ref_path, 1), rofs.BandReader(mov_path, 1)
    found = rofs.scan(reader_ref, reader_mov, m)
    assert found.offset == ofs.coarse_offset(np.where(np.isfinite(ref) & (True if valid is None else valid),
                                                      np.sqrt(ref.astype(np.float64)), np.nan),
                                             np.sqrt(mov.astype(np.float64)))
    assert found.any_excluded and found.mov_finite == np.isfinite(mov).sum()
    table, flat = rofs.measure(reader_ref, reader_mov, m, found)
    assert len(table) == len(whole) > 40
    for name in ofs.TABLE_DTYPE.names:  # bit for bit
        np.testing.assert_array_equal(table[name], whole[name], err_msg=name)
    # Bounded reads: a tile of windows plus the search reach, never the whole image.
    reach = max(map(abs, found.offset)) + 32 + 64 + 2
    assert max(r * c for r, c in largest) <= (256 + 2 * reach) ** 2 < ref.size


@pytest.mark.parametrize("model", [mdl.Model.translation(2.3, -7.6),
                                   mdl.Model("affine", (1.5, 1e-3, -2e-3), (-3.2, 2e-3, 5e-4))],
                         ids=["translation", "affine"])
@pytest.mark.parametrize("method", rs.METHODS)
def test_streamed_resample_equals_whole_image_resample(tmp_path, model, method, monkeypatch):
    rng = np.random.default_rng(0)
    img = rng.gamma(4, 0.25, (2, 300, 340)).astype(np.float32)
    img[:, :, :45] = np.nan  # no-data border
    img[0, 150:160, 100:130] = np.nan  # a hole in one band
    src = make_raster(tmp_path / "src.tif", img)
    grid = read_info(make_raster(tmp_path / "grid.tif", np.zeros((280, 330), np.float32)))
    monkeypatch.setattr(rrs, "BLOCK", 128)  # many blocks, some across the border and the hole
    whole = rs.resample(img, model, method, out_shape=(280, 330))
    out = rrs.resample_raster(src, tmp_path / "out.tif", model, method, grid, descriptions=["a", "b"])
    got = np.stack([read_array(out, b) for b in (1, 2)])
    np.testing.assert_array_equal(np.isnan(got), np.isnan(whole))
    assert np.isnan(got).any() and np.isfinite(got).any()
    # Values within float32 rounding (equal bit for bit in practice; see raster_resampling).
    np.testing.assert_allclose(got, whole, rtol=2e-7, atol=0)
    assert read_info(out).descriptions == ("a", "b") and read_info(out).geotransform == GT


def test_coregister_stack_streamed_equals_whole_image_mode(tmp_path, monkeypatch):
    ref, mov = bordered_pair((420, 520), 1.7, -2.4, seed=5)
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    mov_path = make_raster(tmp_path / "mov.tif", np.stack([mov, 3 * mov]))
    options = dict(model="affine", resampling="cubic", window=48, mask_water=True)
    # An identity despeckling function selects the whole-image mode without changing a value.
    whole = cs.coregister_stack(ref_path, [mov_path], tmp_path / "whole", despeckle=lambda a: a, **options)

    def refuse(*args, **kwargs):
        raise AssertionError("the streamed mode read a whole image")

    for name in ("read_array", "_read_all", "warp_to_grid"):
        monkeypatch.setattr(cs, name, refuse)
    logs = []
    streamed = cs.coregister_stack(ref_path, [mov_path], tmp_path / "streamed", log=logs.append, **options)
    assert streamed["images"][0]["parameters"] == whole["images"][0]["parameters"]
    assert streamed["images"][0]["windows_used"] == whole["images"][0]["windows_used"] > 20
    with open(whole["table"]) as a, open(streamed["table"]) as b:
        assert list(csv.reader(a)) == list(csv.reader(b))
    for band in (1, 2):
        np.testing.assert_allclose(read_array(streamed["outputs"][0], band),
                                   read_array(whole["outputs"][0], band), rtol=2e-7, atol=0)
    assert any(m.startswith("Water mask:") for m in logs)


def cancel_at(count):
    """An ``is_canceled`` that answers True from its ``count``-th call on."""
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) >= count
    return cancel


def test_cancel_leaves_nothing(tmp_path):
    """A cancel while matching (3rd check) or at the last checks (resampling) leaves no raster behind."""
    ref, mov = bordered_pair((300, 400), 1.2, 0.7, seed=8)
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    mov_path = make_raster(tmp_path / "mov.tif", mov, geotransform=(GT[0] + 10.0,) + GT[1:])  # warped first
    checks = []
    cs.coregister_stack(ref_path, [mov_path], tmp_path / "full", window=32,
                        is_canceled=lambda: checks.append(1))
    for after in (3, len(checks) - 1):
        with pytest.raises(cs.Cancelled):
            cs.coregister_stack(ref_path, [mov_path], tmp_path / f"out{after}", window=32,
                                is_canceled=cancel_at(after))
        assert os.listdir(tmp_path / f"out{after}") == []
