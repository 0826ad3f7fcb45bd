"""BigEarthNet-S1/S2 example pairs read from the installed bigearthnet-common package."""
import importlib.util

import numpy as np
import pytest
from osgeo import osr

from sar_change.core.translation import pair_dataset

pytestmark = pytest.mark.skipif(importlib.util.find_spec("bigearthnet_common") is None,
                                reason="bigearthnet-common not installed (pip install -c constraints.txt "
                                       "bigearthnet-common; see requirements-dev.txt)")


@pytest.fixture(scope="module")
def pairs():
    from sar_change.core.translation import bigearthnet

    return bigearthnet.read_example_pairs()


def test_six_coregistered_pairs_with_shapes_crs_and_value_ranges(pairs):
    assert len(pairs) == 6
    for p in pairs:
        assert p["sar"].shape == (2, 120, 120) and p["optical"].shape == (4, 120, 120)
        assert p["sar"].dtype == np.float32 and p["optical"].dtype == np.float32
        gt = p["geotransform"]
        assert gt[1] == 10.0 and gt[5] == -10.0  # 10 m pixels, north-up
        srs = osr.SpatialReference(wkt=p["projection"])
        assert srs.IsProjected() and srs.GetAuthorityCode(None).startswith("326")  # WGS 84 / UTM north
        assert np.isfinite(p["sar"]).all() and np.isfinite(p["optical"]).all()
        assert -50.0 < p["sar"].min() and p["sar"].max() < 30.0  # sigma0 in dB, not linear
        assert np.median(p["sar"][1]) < np.median(p["sar"][0])  # VH below VV
        # DN / 10000: reflectance, above 1 only on snow under a low sun (February patch: up to ~1.6).
        assert 0.0 <= p["optical"].min() and np.median(p["optical"]) < 0.5 and p["optical"].max() < 2.0
        assert abs((p["optical_time"].date() - p["sar_time"].date()).days) <= 1
        assert p["s2_name"].endswith(p["name"].rsplit("_", 2)[-2] + "_" + p["name"].rsplit("_", 1)[-1])
    # June patches are vegetated (NDVI > 0.5); the sun stands higher in June than in December.
    june = [p for p in pairs if p["optical_time"].month == 6]
    assert len(june) == 3
    for p in june:
        red, nir = p["optical"][2].astype(float), p["optical"][3].astype(float)
        assert np.median((nir - red) / (nir + red)) > 0.5
    december = [p for p in pairs if p["optical_time"].month == 12]
    assert min(p["sun_elevation_deg"] for p in june) > max(p["sun_elevation_deg"] for p in december) + 20
    # Morning passes descend, evening passes ascend (S1 dawn-dusk orbit).
    assert {p["orbit_direction"] for p in pairs} == {"ascending", "descending"}


def test_pair_folder_round_trip(pairs, tmp_path):
    from sar_change.core.translation import bigearthnet

    csv_path = bigearthnet.write_bigearthnet_pairs(tmp_path / "ben", pairs)
    rows = pair_dataset.read_pairs(csv_path)
    assert [r["pair_id"] for r in rows] == [p["name"] for p in pairs]
    for row, p in zip(rows, pairs):
        loaded = pair_dataset.load_pair(row)
        np.testing.assert_array_equal(loaded["sar"], p["sar"])
        np.testing.assert_array_equal(loaded["optical"], p["optical"])
        assert loaded["dem"] is None and loaded["distortion"] is None and loaded["cloud_mask"] is None
        assert loaded["geotransform"] == p["geotransform"]
        crs = osr.SpatialReference(wkt=loaded["projection"])
        assert crs.IsSame(osr.SpatialReference(wkt=p["projection"]))
        assert row["source"] == "bigearthnet" and row["orbit_direction"] == p["orbit_direction"]
