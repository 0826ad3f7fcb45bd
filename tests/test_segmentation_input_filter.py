"""--input-filter of benchmarks/segmentation.py: parsing, filtered scenes, refusal with --ship."""

import numpy as np
import pytest

from helpers import load_benchmark


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("segmentation")


def test_input_filter_is_parsed(bench):
    assert bench.input_filter_arg("none") is None
    lee = bench.input_filter_arg("lee_sigma:7")
    assert (lee.method, lee.size, lee.looks) == ("lee_sigma", 7, 4.0)
    assert bench.input_filter_arg("boxcar:3").size == 3
    assert bench.input_filter_arg("refined_lee").method == "refined_lee"
    for bad in ("nofilter:3", "boxcar:4", "merlin"):
        with pytest.raises(ValueError):
            bench.input_filter_arg(bad)


def test_filtered_scene_keeps_shape_and_labels_and_is_smoother(bench):
    raw = bench.scene_of(400, "melt")
    box = bench.scene_of(400, "melt", input_filter=bench.input_filter_arg("boxcar:3"))
    assert box["vv_db"].shape == raw["vv_db"].shape == bench.SHAPE
    assert box["vv_db"].dtype == np.float32
    np.testing.assert_array_equal(box["labels"], raw["labels"])
    assert not np.allclose(box["vv_db"], raw["vv_db"])
    # a 3x3 mean in linear power at an inner pixel
    power = 10 ** (raw["vh_db"][99:102, 49:52].astype(np.float64) / 10)
    assert box["vh_db"][100, 50] == pytest.approx(10 * np.log10(power.mean()), abs=1e-4)
    # the speckle falls: the pixel-to-pixel dB differences shrink by more than a third
    assert np.std(np.diff(box["vv_db"], axis=1)) < 0.66 * np.std(np.diff(raw["vv_db"], axis=1))


def test_input_filter_is_refused_for_the_ship_run(bench):
    with pytest.raises(SystemExit, match="input-filter"):
        bench.main(["--ship", "--input-filter", "boxcar:3"])
