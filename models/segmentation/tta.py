"""Test-time augmentation: class probabilities averaged over the dihedral group of the image (numpy only).

The segmentation models are trained on patches flipped and rotated by
multiples of 90 degrees (``dataset.cut``), so every such view of a scene is an
input of the training distribution; the speckle of the views gives different
errors, and averaging their probabilities (each mapped back to the scene's
orientation) reduces the variance of the prediction. ``TRANSFORMS`` orders the
group so that its first 1, 2, 4 or 8 elements are subgroups: identity; left-right
flip; the two axis flips and the 180-degree rotation (no transpose: shapes kept);
all eight (with the transposes).
"""

import numpy as np

#: (flip the last axis, quarter turns) of each view, in the order used: subgroups of 1, 2, 4 and 8.
TRANSFORMS = ((False, 0), (True, 0), (False, 2), (True, 2), (False, 1), (True, 1), (False, 3), (True, 3))
#: Allowed numbers of views.
COUNTS = (1, 2, 4, 8)


def forward(image, index):
    """View ``index`` of ``TRANSFORMS`` of ``image`` (..., H, W): flipped left-right, then rotated."""
    flip, rot = TRANSFORMS[index]
    x = image[..., ::-1] if flip else image
    return np.rot90(x, rot, axes=(-2, -1)) if rot else x


def inverse(output, index):
    """Map ``output`` (..., h, w) of view ``index`` back to the original orientation."""
    flip, rot = TRANSFORMS[index]
    y = np.rot90(output, -rot, axes=(-2, -1)) if rot else output
    return y[..., ::-1] if flip else y


def check_count(views):
    """``views`` as an int; ValueError naming the allowed counts."""
    if int(views) not in COUNTS:
        raise ValueError(f"test-time augmentation: {views} views; use one of {COUNTS}")
    return int(views)


def averaged(predict, image, views=1):
    """Mean of ``predict`` (a (C, H, W) float array -> (K, H, W) probabilities) over the first ``views``
    of ``TRANSFORMS``, each output mapped back; float32 (K, H, W). ``views`` 1: ``predict(image)``."""
    views = check_count(views)
    total = None
    for index in range(views):
        y = inverse(predict(np.ascontiguousarray(forward(image, index))), index).astype(np.float32)
        total = y.copy() if total is None else total + y
    return total / np.float32(views) if views > 1 else total
