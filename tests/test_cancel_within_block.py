"""Cancel is honoured inside a block, whatever the window (Frost rings, median strips)."""
import os

import numpy as np
import pytest

from sar_change.core.engine import raster_blocks as rb
from sar_change.core.engine import validation
from sar_change.core.speckle import basic, registry


@pytest.mark.parametrize("method,size", [(registry.FROST, 101), (registry.MEDIAN, 51)])
def test_cancel_is_checked_inside_one_block(tmp_path, method, size):
    """One 200 x 200 block: the engine asks once before it, the filter many times inside it."""
    src = rb.write_array(tmp_path / "in.tif", np.random.default_rng(0).gamma(2, 0.5, (200, 200)))
    func, margin = registry.make_block_function(registry.FilterParams(method=method, size=size))
    asked = []

    def is_canceled():
        asked.append(1)
        return len(asked) > 3  # the engine's check before the block, then two inside it

    with pytest.raises(rb.Cancelled):
        rb.filter_raster(src, tmp_path / "out.tif", func, margin, block=256, threads=1,
                         is_canceled=is_canceled)
    assert len(asked) == 4
    assert os.listdir(tmp_path) == ["in.tif"]


def test_median_strips_equal_the_whole_array():
    from scipy import ndimage

    values = np.random.default_rng(1).random((130, 70)).astype(np.float32)
    for size in (3, 17, 33):
        np.testing.assert_array_equal(basic._median_in_strips(values, size),
                                      ndimage.median_filter(values, size=size, mode="constant", cval=0.0))


def test_block_for_window_bounds_the_work_per_block():
    assert validation.block_for_window(7) == 512
    for size in (51, 101, 151):
        block = validation.block_for_window(size)
        assert (block + size) ** 2 * size ** 2 <= validation.BLOCK_WORK_BUDGET or block == 32
    assert validation.area_cost_window_problem(151, "frost") is None
    assert "at most 51" in validation.area_cost_window_problem(999, "median")
    assert validation.area_cost_window_problem(999, "lee") is None
