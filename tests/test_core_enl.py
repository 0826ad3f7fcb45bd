import numpy as np
import pytest

from sar_change.core.speckle.enl import enl, estimate_enl, local_cv2

from helpers import gamma_speckle


@pytest.mark.parametrize("looks", [1, 3, 8])
def test_enl_of_gamma_speckle_is_the_number_of_looks(looks):
    assert enl(gamma_speckle((300, 300), looks, seed=looks)) == pytest.approx(looks, rel=0.03)


@pytest.mark.parametrize("looks", [1, 2, 4, 10])
def test_estimate_enl_on_textured_scene(looks):
    img = gamma_speckle((768, 768), looks, seed=looks).astype(np.float64)
    # Upper half: K-distributed texture (gamma texture x speckle): heterogeneous.
    img[:384] *= np.random.default_rng(99).gamma(2, 0.5, (384, 768))
    img[:, 500:] *= 5.0  # a brighter field with an edge
    assert estimate_enl(local_cv2(img)) == pytest.approx(looks, rel=0.1)


def test_enl_needs_valid_pixels():
    with pytest.raises(ValueError, match="at least"):
        enl(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="zero variance"):
        enl(np.ones((10, 10)))
    with pytest.raises(ValueError, match="too few"):
        estimate_enl(local_cv2(np.ones((5, 5))))
