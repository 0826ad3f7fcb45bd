"""Image-translation metrics (MSE, PSNR, SSIM), globally and per SAR distortion class (numpy + scipy).

SSIM after Wang, Bovik, Sheikh & Simoncelli 2004 (IEEE TIP 13(4), 600-612):
local means, variances and covariance under an 11 x 11 circular-symmetric
Gaussian window (sigma 1.5, normalised), C1 = (0.01 L)^2, C2 = (0.03 L)^2
with L the data range, population (1/N-weighted) moments; the SSIM map is
computed where the whole window lies inside the image and on valid pixels
('valid' filtering, as the paper's reference code), and averaged. Several
bands: the mean of the per-band values (as scikit-image with channel_axis).

Distortion classes of a SAR pixel (from the terrain bits of core/terrain/geometry.py;
a pixel in both layover and shadow counts as layover):
NODATA = 0, UNDISTORTED = 1, FORESHORTENING = 2, SHADOW = 3, LAYOVER = 4.
Per class, MSE and PSNR use the class's pixels and SSIM averages the SSIM
map over them (the windows still see the neighbours), as in the per-region
evaluation of Bralet et al. (IGARSS 2024, Table 1).
"""
import math

import numpy as np
from scipy import ndimage

from ..terrain import geometry as terrain

NODATA, UNDISTORTED, FORESHORTENING, SHADOW, LAYOVER = 0, 1, 2, 3, 4
DISTORTION_NAMES = {UNDISTORTED: "undistorted", FORESHORTENING: "foreshortening", SHADOW: "shadow",
                    LAYOVER: "layover"}
SSIM_WINDOW, SSIM_SIGMA, SSIM_K1, SSIM_K2 = 11, 1.5, 0.01, 0.03


def distortion_classes(bits, valid=None):
    """Distortion class codes (uint8) from terrain bits (LAYOVER=1 | SHADOW=2 | FORESHORTENING=4).

    ``valid``: optional bool mask; False pixels get NODATA (0).
    """
    b = np.asarray(bits).astype(np.uint8)
    out = np.full(b.shape, UNDISTORTED, dtype=np.uint8)
    out[(b & terrain.FORESHORTENING) != 0] = FORESHORTENING
    out[(b & terrain.SHADOW) != 0] = SHADOW
    out[(b & terrain.LAYOVER) != 0] = LAYOVER
    if valid is not None:
        out[~np.asarray(valid, dtype=bool)] = NODATA
    return out


def _as_bands(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 2:
        return a[None]
    if a.ndim != 3:
        raise ValueError(f"images must be (rows, cols) or (bands, rows, cols), got shape {a.shape}")
    return a


def ssim_map(prediction, target, data_range):
    """SSIM map (float64, one 2-D image) and the mask of pixels where it is defined.

    Defined where the 11 x 11 window lies inside the image and holds only
    finite pixels of both images; NaN elsewhere.
    """
    x = np.asarray(prediction, dtype=np.float64)
    y = np.asarray(target, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 2:
        raise ValueError(f"ssim_map needs two 2-D images of one shape, got {x.shape} and {y.shape}")
    if not data_range > 0:
        raise ValueError(f"data_range must be > 0 (the value span, e.g. 1 for reflectance), got {data_range}")
    radius = SSIM_WINDOW // 2
    finite = np.isfinite(x) & np.isfinite(y)
    x = np.where(finite, x, 0.0)
    y = np.where(finite, y, 0.0)
    truncate = radius / SSIM_SIGMA  # the Gaussian cut at the 11 x 11 window's edge

    def blur(a):
        return ndimage.gaussian_filter(a, SSIM_SIGMA, truncate=truncate, mode="reflect")

    mx, my = blur(x), blur(y)
    vx = blur(x * x) - mx * mx
    vy = blur(y * y) - my * my
    cxy = blur(x * y) - mx * my
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    defined = ~ndimage.binary_dilation(~finite, np.ones((SSIM_WINDOW, SSIM_WINDOW), bool))
    inside = np.zeros_like(defined)
    inside[radius:x.shape[0] - radius, radius:x.shape[1] - radius] = True
    defined &= inside
    return np.where(defined, s, np.nan), defined


def mse(prediction, target, mask=None):
    """Mean squared error over the finite pixels of both (and ``mask``), all bands together."""
    p, t = _as_bands(prediction), _as_bands(target)
    sel = np.isfinite(p) & np.isfinite(t)
    if mask is not None:
        sel &= np.asarray(mask, dtype=bool)[None]
    if not sel.any():
        return float("nan")
    return float(np.mean((p[sel] - t[sel]) ** 2))


def psnr(prediction, target, data_range, mask=None):
    """Peak signal-to-noise ratio in dB: 10 log10(L^2 / MSE); inf for identical images."""
    m = mse(prediction, target, mask)
    if math.isnan(m):
        return float("nan")
    return float("inf") if m == 0 else 10.0 * math.log10(data_range ** 2 / m)


def ssim(prediction, target, data_range, mask=None):
    """Mean SSIM (Wang et al. 2004) over the pixels where it is defined (and ``mask``), band mean."""
    p, t = _as_bands(prediction), _as_bands(target)
    if p.shape != t.shape:
        raise ValueError(f"prediction {p.shape} and target {t.shape} differ in shape")
    values = []
    for pb, tb in zip(p, t):
        s, defined = ssim_map(pb, tb, data_range)
        if mask is not None:
            defined = defined & np.asarray(mask, dtype=bool)
        if defined.any():
            values.append(float(np.mean(s[defined])))
    return float(np.mean(values)) if values else float("nan")


def translation_metrics(prediction, target, data_range=1.0, distortion=None):
    """MSE, PSNR (dB) and SSIM over the image and per distortion class.

    ``prediction``, ``target``: (bands, rows, cols) or (rows, cols) arrays in
    one unit (reflectance 0..1: ``data_range`` = 1); NaN = no data.
    ``distortion``: optional class raster (distortion_classes codes).
    Returns {'all': {...}, 'undistorted': {...}, 'foreshortening': {...},
    'shadow': {...}, 'layover': {...}}, each with mse, psnr, ssim and
    pixels (count); classes absent from the image have pixels 0 and NaN metrics.
    """
    p, t = _as_bands(prediction), _as_bands(target)
    if p.shape != t.shape:
        raise ValueError(f"prediction {p.shape} and target {t.shape} differ in shape")
    regions = {"all": None}
    if distortion is not None:
        d = np.asarray(distortion)
        if d.shape != p.shape[1:]:
            raise ValueError(f"distortion classes {d.shape} do not match the images {p.shape[1:]}")
        regions.update({name: d == code for code, name in DISTORTION_NAMES.items()})
    valid = np.all(np.isfinite(p) & np.isfinite(t), axis=0)
    out = {}
    for name, mask in regions.items():
        sel = valid if mask is None else valid & mask
        count = int(sel.sum())
        out[name] = dict(mse=mse(p, t, sel) if count else float("nan"),
                         psnr=psnr(p, t, data_range, sel) if count else float("nan"),
                         ssim=ssim(p, t, data_range, sel) if count else float("nan"), pixels=count)
    return out
