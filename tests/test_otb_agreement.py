"""Agreement with Orfeo ToolBox's otbcli_Despeckle (the reference implementation).

Requirement: within 1e-4 relative on at least 99.9 % of interior pixels for
the filters both implement (Lee, Kuan, Frost, Gamma-MAP), same radius and looks.
OTB uses the unbiased (N-1) local variance, Euclidean Frost distance and
Lopes et al. (1990) weights: so does SAR Change.
"""
import shutil
import subprocess

import numpy as np
import pytest

from sar_change.core.engine.raster_blocks import read_array, write_array
from sar_change.core.speckle import frost, lopes

from helpers import structured_scene

OTB = shutil.which("otbcli_Despeckle")
pytestmark = pytest.mark.skipif(OTB is None, reason="Orfeo ToolBox (otbcli_Despeckle) not installed: "
                                "apt-get install otb-bin")

CASES = [
    ("lee", lambda img, r: lopes.lee(img, 2 * r + 1, 2.0), ["-filter.lee.nblooks", "2"]),
    ("kuan", lambda img, r: lopes.kuan(img, 2 * r + 1, 2.0), ["-filter.kuan.nblooks", "2"]),
    ("gammamap", lambda img, r: lopes.gamma_map(img, 2 * r + 1, 2.0), ["-filter.gammamap.nblooks", "2"]),
    ("frost", lambda img, r: frost.frost(img, 2 * r + 1, 0.5), ["-filter.frost.deramp", "0.5"]),
]


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    img = structured_scene(200, looks=1, seed=21)
    path = tmp_path_factory.mktemp("otb") / "in.tif"
    write_array(path, img)
    return str(path), img


@pytest.mark.parametrize("radius", [1, 3])
@pytest.mark.parametrize("name, ours, args", CASES, ids=[c[0] for c in CASES])
def test_agrees_with_otb(tmp_path, scene, name, ours, args, radius):
    path, img = scene
    out = tmp_path / f"otb_{name}.tif"
    subprocess.run([OTB, "-in", path, "-out", str(out), "double", "-filter", name,
                    f"-filter.{name}.rad", str(radius), *args], check=True, capture_output=True)
    ref = read_array(out).astype(np.float64)
    mine = ours(img, radius).astype(np.float64)
    inner = (slice(radius, -radius), slice(radius, -radius))
    rel = np.abs(mine[inner] - ref[inner]) / np.abs(ref[inner])
    assert np.mean(rel < 1e-4) >= 0.999, f"only {np.mean(rel < 1e-4):.4%} within 1e-4"
    assert np.max(rel) < 1e-3
