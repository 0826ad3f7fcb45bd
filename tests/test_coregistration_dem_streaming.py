"""Coregistration with a DEM streams: the traced DEM layers and the whole run equal the whole-image mode.

``dem_layers.trace_layers`` (block by block, across many block seams) against
``offsets.terrain_exclusion`` and ``geometry.simulated_sar`` on the whole DEM,
bit for bit; ``coregister_stack``'s streamed DEM mode (relative, and
registered to the DEM) against its whole-image mode.
"""
import csv

import numpy as np
import pytest
from scipy import ndimage
from test_core_coregistration import make_raster, ridge_dem, speckled_pair
from test_coregistration_streaming import cancel_at

from sar_change.core.coregistration import correlation as corr
from sar_change.core.coregistration import dem_layers
from sar_change.core.coregistration import offsets as ofs
from sar_change.core.coregistration import stack as cs
from sar_change.core.engine.raster_blocks import read_array
from sar_change.core.terrain import geometry as terrain


def hilly_dem(shape, seed=61, pad=20, shift=None):
    """Hills and a steep north-south ridge (layover, shadow), metres; ``shift``: (dy, dx) of the ground."""
    rng = np.random.default_rng(seed)
    hills = ndimage.gaussian_filter(rng.normal(size=(shape[0] + 2 * pad, shape[1] + 2 * pad)), 8)
    dem = 400.0 + 40.0 * hills / hills.std()
    c = int(0.7 * dem.shape[1])
    dem[:, c:c + 40] += ridge_dem((1, 40), 200.0)
    if shift is not None:
        dem = corr.shift_image(dem, *shift)
    return dem[pad:-pad, pad:-pad]


@pytest.mark.parametrize("heading", [348.0, 192.0, 75.0])
def test_traced_layers_equal_whole_dem(tmp_path, heading, monkeypatch):
    dem = hilly_dem((150, 170))
    dem[60:75, 20:31] = np.nan  # a void
    dem[:, -6:] = np.nan  # a no-data edge
    dem_path = make_raster(tmp_path / "dem.tif", dem.astype(np.float32))
    z = read_array(dem_path).astype(np.float64)
    seen = []

    def small_blocks(rows, cols):
        seen.append((rows, cols))
        return (48, 40), (cols, rows)  # many blocks, seams across the ridge and the void

    monkeypatch.setattr(dem_layers, "tracing_blocks", small_blocks)
    traced = dem_layers.trace_layers(dem_path, tmp_path / "ex.tif", tmp_path / "sim.tif", 10.0, 12.0, 35.0,
                                     heading)
    assert seen and 3 < max(seen[0]) < max(dem.shape)  # margins from the relief, not the whole raster
    exclude, _ = ofs.terrain_exclusion(z, 10.0, 12.0, 35.0, heading)
    sim = terrain.simulated_sar(z, 10.0, 12.0, np.radians(35.0), heading)
    got = read_array(traced.exclusion) > 0
    np.testing.assert_array_equal(got, exclude)
    assert 0 < traced.excluded == exclude.sum() < exclude.size and traced.pixels == exclude.size
    np.testing.assert_array_equal(read_array(traced.simulation), sim)  # bit for bit, NaN where no height
    assert np.isnan(sim).any() and (sim > 1).any()


def test_traced_layers_without_foreshortening_or_simulation(tmp_path, monkeypatch):
    dem = hilly_dem((90, 120), seed=7)
    dem_path = make_raster(tmp_path / "dem.tif", dem.astype(np.float32))
    monkeypatch.setattr(dem_layers, "tracing_blocks", lambda rows, cols: ((32, 32), (cols, rows)))
    traced = dem_layers.trace_layers(dem_path, tmp_path / "ex.tif", None, 10.0, 10.0, 30.0, 348.0,
                                     foreshortening_ratio=1.0)
    exclude, _ = ofs.terrain_exclusion(dem.astype(np.float32).astype(np.float64), 10.0, 10.0, 30.0, 348.0,
                                       foreshortening_ratio=1.0)
    np.testing.assert_array_equal(read_array(traced.exclusion) > 0, exclude)
    assert traced.simulation is None and not (tmp_path / "sim.tif").exists()


@pytest.mark.parametrize("simulated", [False, True], ids=["relative", "to_dem"])
def test_offsets_read_the_dem_layers_tile_by_tile(tmp_path, monkeypatch, simulated):
    """Offsets over many tiles with the exclusion (and simulation) rasters equal the whole-image offsets.

    Window positions, valid shares and no-data pattern exactly; dy, dx
    within 1e-10 px and peak within 1e-12: the whole-image run correlates all windows in one
    batch, a tile 16 of them, and the batched products of the upsampled DFT
    round differently with the batch size (the same on whole images with a
    smaller ``offsets.WINDOW_CHUNK_PIXELS``). With one batch on both sides the
    tables are equal bit for bit (the stack tests above).
    """
    shape = (300, 360)
    ref, mov = speckled_pair(shape, 1.4, -2.2, seed=12)
    ref, mov = ref.astype(np.float32), mov.astype(np.float32)
    mov[:, :40] = np.nan
    dem = hilly_dem(shape, seed=4)
    dem_path = make_raster(tmp_path / "dem.tif", dem.astype(np.float32))
    sim_path = tmp_path / "sim.tif" if simulated else None
    traced = dem_layers.trace_layers(dem_path, tmp_path / "ex.tif", sim_path, 10.0, 10.0, 35.0, 348.0)
    exclude, _ = ofs.terrain_exclusion(dem.astype(np.float32).astype(np.float64), 10.0, 10.0, 35.0, 348.0)
    target = ref
    if simulated:
        target = read_array(traced.simulation)
        np.testing.assert_array_equal(
            target, terrain.simulated_sar(dem.astype(np.float32).astype(np.float64), 10.0, 10.0,
                                          np.radians(35.0), 348.0))
        mov = (target * np.random.default_rng(3).gamma(4, 0.25, shape)).astype(np.float32)
        mov = np.roll(mov, (1, -2), axis=(0, 1))
    domain = "db" if simulated else "amplitude"
    whole = ofs.estimate_offsets(target, mov, window=40, valid_mask=~exclude, domain=domain)
    monkeypatch.setattr(cs.rofs, "TILE", 160)  # 4 x 4 windows per tile, 3 x 3 tiles
    m = cs.rofs.Matching(domain=domain, window=40)
    layers = cs.rofs.TerrainReaders(cs.rofs.BandReader(traced.exclusion, 1),
                                    cs.rofs.BandReader(traced.simulation, 1) if simulated else None)
    a = cs.rofs.BandReader(make_raster(tmp_path / "ref.tif", ref), 1)
    b = cs.rofs.BandReader(make_raster(tmp_path / "mov.tif", mov), 1)
    found = cs.rofs.scan(a, b, m, terrain=layers)
    assert found.any_excluded
    table, _ = cs.rofs.measure(a, b, m, found, terrain=layers)
    assert len(table) == len(whole) > 20
    for name in ("row", "col", "valid_fraction"):
        np.testing.assert_array_equal(table[name], whole[name], err_msg=name)
    for name, tol in (("dy", 1e-10), ("dx", 1e-10), ("peak", 1e-12)):
        np.testing.assert_allclose(table[name], whole[name], rtol=0, atol=tol, err_msg=name)


def assert_same_runs(whole, streamed):
    """Same parameters, windows, offset table and rasters (the resampling within float32 rounding)."""
    for a, b in zip(whole["images"], streamed["images"]):
        assert a["parameters"] == b["parameters"] and a["windows_used"] == b["windows_used"] >= 5
    with open(whole["table"]) as fa, open(streamed["table"]) as fb:
        assert list(csv.reader(fa)) == list(csv.reader(fb))
    for a, b in zip(whole["outputs"], streamed["outputs"]):
        np.testing.assert_allclose(read_array(b), read_array(a), rtol=2e-7, atol=0)


def refuse_whole_reads(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the streamed mode read a whole image")

    for name in ("read_array", "_read_all", "warp_to_grid"):
        monkeypatch.setattr(cs, name, refuse)
    monkeypatch.setattr(ofs, "terrain_exclusion", refuse)
    monkeypatch.setattr(cs.terrain, "simulated_sar", refuse)


def test_streamed_dem_mode_equals_whole_image_mode(tmp_path, monkeypatch):
    """Relative mode with a DEM (on another grid: warped) and the water mask, seams in every pass."""
    shape = (300, 360)
    ref, mov = speckled_pair(shape, 1.4, -2.2, seed=12)
    ref, mov = ref.astype(np.float32), mov.astype(np.float32)
    mov[:, :40] = np.nan
    ref[120:200, 20:120] = 10 ** -2.5  # a calm lake
    ref_path = make_raster(tmp_path / "ref.tif", ref)
    mov_path = make_raster(tmp_path / "mov.tif", np.stack([mov, 2 * mov]))
    dem = hilly_dem((shape[0] + 20, shape[1] + 20), seed=4)
    dem_path = make_raster(tmp_path / "dem.tif", dem.astype(np.float32),
                           geotransform=(599900.0, 10.0, 0.0, 4800100.0, 0.0, -10.0))
    options = dict(dem_path=dem_path, model="affine", window=40, mask_water=True)
    # An identity despeckling function selects the whole-image mode without changing a value.
    whole = cs.coregister_stack(ref_path, [mov_path], tmp_path / "whole", despeckle=lambda a: a, **options)
    monkeypatch.setattr(dem_layers, "tracing_blocks", lambda rows, cols: ((96, 64), (cols, rows)))
    refuse_whole_reads(monkeypatch)
    logs = []
    streamed = cs.coregister_stack(ref_path, [mov_path], tmp_path / "streamed", log=logs.append, **options)
    assert_same_runs(whole, streamed)
    assert any(m.startswith("DEM mask:") and not m.startswith("DEM mask: 0.0 %") for m in logs)
    assert sorted(p.name for p in (tmp_path / "streamed").iterdir()) == sorted(
        p.name for p in (tmp_path / "whole").iterdir())  # no temporary left


def test_streamed_register_to_dem_equals_whole_image_mode(tmp_path, monkeypatch):
    """Absolute mode: every raster (the reference too) matched against the simulation traced by blocks."""
    shape, rng = (256, 256), np.random.default_rng(5)
    dem, moved = hilly_dem(shape), hilly_dem(shape, shift=(1.3, -0.7))

    def sar(z):
        return terrain.simulated_sar(z, 10.0, 10.0, np.radians(35.0), 348.0) * rng.gamma(4, 0.25, shape)

    ref_path = make_raster(tmp_path / "ref.tif", sar(dem))
    img_path = make_raster(tmp_path / "img.tif", sar(moved))
    dem_path = make_raster(tmp_path / "dem.tif", dem)
    options = dict(dem_path=dem_path, register_to_dem=True, window=48)
    whole = cs.coregister_stack(ref_path, [img_path], tmp_path / "whole", despeckle=lambda a: a, **options)
    monkeypatch.setattr(dem_layers, "tracing_blocks", lambda rows, cols: ((80, 72), (cols, rows)))
    refuse_whole_reads(monkeypatch)
    streamed = cs.coregister_stack(ref_path, [img_path], tmp_path / "streamed", **options)
    assert [r["image"] for r in streamed["images"]] == ["ref", "img"]
    assert_same_runs(whole, streamed)


def test_dem_outside_the_reference_is_refused(tmp_path):
    ref, mov = speckled_pair((128, 128), 0.5, 0.5, seed=2)
    ref_path, mov_path = make_raster(tmp_path / "ref.tif", ref), make_raster(tmp_path / "mov.tif", mov)
    dem_path = make_raster(tmp_path / "dem.tif", np.full((64, 64), 300.0, np.float32),
                           geotransform=(700000.0, 10.0, 0.0, 4800000.0, 0.0, -10.0))
    with pytest.raises(cs.CoregistrationError, match="does not overlap") as info:
        cs.coregister_stack(ref_path, [mov_path], tmp_path / "out", dem_path=dem_path)
    assert info.value.path == str(dem_path)
    assert list((tmp_path / "out").iterdir()) == []


def test_cancel_while_tracing_or_matching_leaves_nothing(tmp_path):
    """A cancel while tracing the DEM (2nd check) or matching leaves neither outputs nor temporaries."""
    ref, mov = speckled_pair((200, 240), 0.8, -0.6, seed=21)
    ref_path, mov_path = make_raster(tmp_path / "ref.tif", ref), make_raster(tmp_path / "mov.tif", mov)
    dem_path = make_raster(tmp_path / "dem.tif", hilly_dem((200, 240), seed=8).astype(np.float32))
    checks = []
    cs.coregister_stack(ref_path, [mov_path], tmp_path / "full", dem_path=dem_path, window=32,
                        is_canceled=lambda: checks.append(1))
    for after in (2, len(checks) // 2):
        with pytest.raises(cs.Cancelled):
            cs.coregister_stack(ref_path, [mov_path], tmp_path / f"out{after}", dem_path=dem_path, window=32,
                                is_canceled=cancel_at(after))
        assert list((tmp_path / f"out{after}").iterdir()) == []
