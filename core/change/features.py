"""Per-pixel features for change classification (numpy in, numpy out; QGIS-free).

A classifier such as the SVM of ``core.change.svm`` sees each pixel as a
feature vector built from the difference image(s) (DI) of two dates and,
optionally, the two dates' backscatter:

- for every DI band ``d``: the DI value itself, and for every window size
  ``w`` the local mean ``d_mean{w}`` and the local standard deviation
  ``d_std{w}`` of the DI over the ``w`` x ``w`` window (DI units: dB for the
  log ratio). The local mean is the speckle-reduced change level, the
  standard deviation its texture. Contextual features of this kind let a
  pixel classifier separate change from speckle: Bovolo & Bruzzone (2005,
  IEEE TGRS 43(12)) analyse the log-ratio at several scales of spatial
  context; Camps-Valls et al. (2008, IEEE TGRS 46(6)) combine spectral and
  contextual (local statistics) information in kernel change detection;
- optionally, for every compared band and date, the backscatter in dB
  (10 log10 of linear power) ``db_t1_b{k}``, ``db_t2_b{k}`` and its local
  means ``..._mean{w}``: they tell the classifier what kind of surface
  changed (e.g. water is dark).

Local statistics come from ``core.engine.window_stats.local_moments``: NaN-aware
(no data and pixels outside the array are left out of each window; the
standard deviation is the square root of the unbiased N - 1 variance) and
summed in a fixed order, so a block processed with a margin of
``FeatureSpec.margin`` pixels gives exactly, bit for bit, the features of the
whole image. A pixel that is no data in any input band, or whose power is
<= 0 where a logarithm or ratio needs power > 0, is no data (NaN) in every
feature; its neighbours still use the valid pixels of their windows.

DIs of two dates come from ``core.change.difference`` (log ratio by
default); a precomputed DI raster (any number of bands, any unit) can be
given instead.
"""
import json
from dataclasses import dataclass

import numpy as np

from ..engine import scale as scales
from ..engine.raster_blocks import (
    DEFAULT_BLOCK,
    Cancelled,
    Window,
    block_windows,
    open_readonly,
    read_block,
    read_info,
)
from ..engine.window_stats import check_window, local_moments
from . import difference

#: Default local-statistics windows, pixels (odd).
DEFAULT_WINDOWS = (3, 7)
#: Window of the windowed DI operators (mean ratio, neighbourhood ratio), pixels.
DI_WINDOW = 3
#: DI "method" of a precomputed DI raster.
PRECOMPUTED = "precomputed"


def parse_windows(value):
    """Window sizes from "3,7" or a sequence: a sorted tuple of distinct odd ints >= 1.

    An empty value gives () (no local statistics). ValueError names the
    offending entry and the fix.
    """
    if value is None:
        return ()
    if isinstance(value, str):
        items = [v for v in value.replace(";", ",").replace(" ", ",").split(",") if v.strip()]
    else:
        items = list(value)
    sizes = []
    for item in items:
        try:
            size = float(item)
        except (TypeError, ValueError):
            raise ValueError(f"feature window {item!r} is not a number: give odd window sizes in pixels, "
                             "e.g. 3,7") from None
        try:
            check_window(size)
        except ValueError:
            raise ValueError(f"feature window {item!r} must be an odd integer >= 1 (pixels), e.g. 3,7") \
                from None
        sizes.append(int(size))
    return tuple(sorted(set(sizes)))


def feature_margin(windows):
    """Pixels the local statistics read around a pixel: max(window) // 2 (0 without windows)."""
    windows = parse_windows(windows)
    return max(windows) // 2 if windows else 0


def feature_names(di_names, windows=DEFAULT_WINDOWS, backscatter_names=()):
    """Names of the features ``local_features`` returns, in its band order."""
    windows = parse_windows(windows)
    names = []
    for d in di_names:
        names.append(d)
        for w in windows:
            names += [f"{d}_mean{w}", f"{d}_std{w}"]
    for b in backscatter_names:
        names.append(b)
        names += [f"{b}_mean{w}" for w in windows]
    return names


def _as_stack(array, what):
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 2:
        array = array[None]
    if array.ndim != 3:
        raise ValueError(f"{what} must be 2-D (rows, cols) or 3-D (bands, rows, cols), got {array.shape}")
    return array


def local_features(di, windows=DEFAULT_WINDOWS, backscatter_db=None, di_names=None, backscatter_names=None):
    """Feature stack of DI bands and, optionally, backscatter bands.

    ``di``: (n_di, rows, cols) or (rows, cols) float, NaN = no data, any
    unit (features keep it: std has the DI's unit). ``windows``: odd local
    window sizes, pixels. ``backscatter_db``: optional (n_b, rows, cols)
    backscatter in dB. ``di_names`` / ``backscatter_names``: band names
    (default ``di1``.. and ``db1``..). A pixel NaN in any input band is NaN
    in every output band. Returns ``(features, names)``: float32
    (n_features, rows, cols) and the list of ``feature_names``. Reads
    ``feature_margin(windows)`` pixels around each pixel.
    """
    windows = parse_windows(windows)
    di = _as_stack(di, "the difference image")
    layers = [di]
    bs = None
    if backscatter_db is not None:
        bs = _as_stack(backscatter_db, "the backscatter")
        if bs.shape[1:] != di.shape[1:]:
            raise ValueError(f"backscatter {bs.shape[1:]} and difference image {di.shape[1:]} "
                             "differ in shape")
        layers.append(bs)
    di_names = list(di_names) if di_names is not None else [f"di{k + 1}" for k in range(di.shape[0])]
    if len(di_names) != di.shape[0]:
        raise ValueError(f"{len(di_names)} DI names for {di.shape[0]} DI bands")
    bs_names = []
    if bs is not None:
        bs_names = (list(backscatter_names) if backscatter_names is not None
                    else [f"db{k + 1}" for k in range(bs.shape[0])])
        if len(bs_names) != bs.shape[0]:
            raise ValueError(f"{len(bs_names)} backscatter names for {bs.shape[0]} backscatter bands")
    invalid = np.zeros(di.shape[1:], bool)
    for stack in layers:
        invalid |= np.isnan(stack).any(axis=0)
    names = feature_names(di_names, windows, bs_names)
    out = np.empty((len(names),) + di.shape[1:], np.float32)
    k = 0
    for band in di:
        band = np.where(invalid, np.float32(np.nan), band) if invalid.any() else band
        out[k] = band
        k += 1
        for w in windows:
            mean, var, _ = local_moments(band, w)
            out[k] = mean
            out[k + 1] = np.sqrt(var)
            k += 2
    if bs is not None:
        for band in bs:
            band = np.where(invalid, np.float32(np.nan), band) if invalid.any() else band
            out[k] = band
            k += 1
            for w in windows:
                out[k] = local_moments(band, w)[0]
                k += 1
    if invalid.any():
        out[:, invalid] = np.nan
    return out, names


@dataclass(frozen=True)
class FeatureSpec:
    """How features are made from a block of input bands (and recorded in a model).

    The block holds, in order: the compared bands of date 1, the same bands
    of date 2 (``len(bands)`` each; none when ``di_method`` is
    ``PRECOMPUTED``), then ``di_bands`` precomputed DI bands. Images are
    stored in ``scale`` (``core.engine.scale``: linear power, amplitude or dB).

    ``di_method``: a ``core.change.difference`` method (log ratio by
    default; windowed ones use ``DI_WINDOW``), or ``PRECOMPUTED`` to use the
    DI bands as they are. Per-band methods give one DI per compared band,
    the Euclidean dB norm one DI for all. ``bands``: 1-based band numbers of
    the images that are compared (for names and metadata). ``windows``:
    local statistics windows (pixels). ``include_backscatter``: add the two
    dates' dB backscatter and its local means (needs the images). With
    both images and ``di_bands`` > 0 (and ``di_method`` PRECOMPUTED) the
    images serve only the backscatter features.
    """

    di_method: str = difference.LOG_RATIO
    bands: tuple = (1,)
    di_bands: int = 0
    windows: tuple = DEFAULT_WINDOWS
    include_backscatter: bool = False
    scale: str = scales.LINEAR_POWER
    images: bool = True

    def __post_init__(self):
        object.__setattr__(self, "windows", parse_windows(self.windows))
        object.__setattr__(self, "bands", tuple(int(b) for b in self.bands) if self.images else ())
        if self.scale not in scales.SCALES:
            raise ValueError(f"unknown scale {self.scale!r}; expected one of {scales.SCALES}")
        if self.di_method != PRECOMPUTED:
            difference.margin(self.di_method, DI_WINDOW)  # validates the method
            if not self.images or not self.bands:
                raise ValueError("a difference image needs the two images (or give a precomputed DI)")
        elif self.di_bands < 1:
            raise ValueError("give a precomputed difference image (DI) with at least one band, "
                             "or the two images")
        if self.include_backscatter and (not self.images or not self.bands):
            raise ValueError("backscatter features need the two images")

    @property
    def image_bands(self):
        """Bands per date in the block (0 without images)."""
        return len(self.bands) if self.images else 0

    @property
    def input_bands(self):
        """Bands of the block: 2 x image bands + precomputed DI bands."""
        return 2 * self.image_bands + (self.di_bands if self.di_method == PRECOMPUTED else 0)

    @property
    def di_names(self):
        """Names of the DI bands."""
        if self.di_method == PRECOMPUTED:
            return [f"di{k + 1}" for k in range(self.di_bands)]
        if self.di_method in difference.MULTI_BAND:
            return [f"{self.di_method}_b{'_'.join(str(b) for b in self.bands)}"]
        return [f"{self.di_method}_b{b}" for b in self.bands]

    @property
    def backscatter_names(self):
        """Names of the backscatter bands (empty unless ``include_backscatter``)."""
        if not self.include_backscatter:
            return []
        return [f"db_t{t}_b{b}" for t in (1, 2) for b in self.bands]

    @property
    def names(self):
        """Feature names, in feature-band order."""
        return feature_names(self.di_names, self.windows, self.backscatter_names)

    @property
    def margin(self):
        """Pixels read around each pixel: DI reach (computed DI) + local statistics reach."""
        reach = 0 if self.di_method == PRECOMPUTED else difference.margin(self.di_method, DI_WINDOW)
        return reach + feature_margin(self.windows)

    def compute(self, block):
        """Features of a block (``input_bands``, rows, cols) -> float32 (n_features, rows, cols)."""
        block = _as_stack(block, "the block")
        if block.shape[0] != self.input_bands:
            raise ValueError(f"the block has {block.shape[0]} bands; this feature set needs "
                             f"{self.input_bands}")
        invalid = np.isnan(block).any(axis=0)
        n = self.image_bands
        di = []
        bs = None
        if n:
            p1 = scales.to_linear_power(block[:n], self.scale)
            p2 = scales.to_linear_power(block[n:2 * n], self.scale)
            if self.include_backscatter or self.di_method in difference.NEEDS_POSITIVE:
                with np.errstate(invalid="ignore"):
                    invalid |= (p1 <= 0).any(axis=0) | (p2 <= 0).any(axis=0)
            if invalid.any():
                p1[:, invalid] = np.nan
                p2[:, invalid] = np.nan
            if self.di_method in difference.MULTI_BAND:
                di.append(difference.compute(self.di_method, p1, p2, DI_WINDOW))
            elif self.di_method != PRECOMPUTED:
                di += [difference.compute(self.di_method, p1[k], p2[k], DI_WINDOW) for k in range(n)]
            if self.include_backscatter:
                with np.errstate(divide="ignore", invalid="ignore"):
                    bs = scales.from_linear_power(np.concatenate([p1, p2]), scales.DB)
        if self.di_method == PRECOMPUTED:
            pre = block[2 * n:].copy()
            if invalid.any():
                pre[:, invalid] = np.nan
            di += list(pre)
        features, _ = local_features(np.stack(di), self.windows, bs, self.di_names,
                                     self.backscatter_names or None)
        return features

    def to_metadata(self):
        """The spec as string entries for a model's metadata (see ``from_metadata``)."""
        return {
            "di_method": self.di_method,
            "bands": json.dumps(list(self.bands)),
            "di_bands": str(int(self.di_bands)),
            "windows": json.dumps(list(self.windows)),
            "include_backscatter": json.dumps(bool(self.include_backscatter)),
            "input_scale": self.scale,
            "uses_images": json.dumps(bool(self.images)),
        }

    @classmethod
    def from_metadata(cls, metadata, scale=None):
        """Rebuild a spec from ``to_metadata`` entries; ``scale`` overrides the recorded one.

        The scale describes the images being processed now, which need not be
        stored like the training images: features are computed in linear
        power / dB either way.
        """
        try:
            return cls(di_method=metadata["di_method"], bands=tuple(json.loads(metadata["bands"])),
                       di_bands=int(metadata["di_bands"]), windows=tuple(json.loads(metadata["windows"])),
                       include_backscatter=bool(json.loads(metadata["include_backscatter"])),
                       scale=scale or metadata["input_scale"],
                       images=bool(json.loads(metadata.get("uses_images", "true"))))
        except (KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"the model metadata does not describe its features ({exc}): it was not "
                             "written by SAR Change's SVM change classifier") from None


def feature_blocks(src_path, func, margin, bands=None, label_path=None, label_band=1,
                   block=DEFAULT_BLOCK, progress=None, is_canceled=None):
    """Stream features block by block: yields ``(window, features, labels)``.

    ``src_path``: a raster (e.g. a VRT from ``raster_blocks.stack_vrt``) whose
    ``bands`` (1-based, default all) are read with ``margin`` pixels of
    overlap; ``func(block) -> (n_features, rows, cols)`` (e.g.
    ``FeatureSpec.compute``); the features are cropped to the block's core.
    ``label_path``: optional raster on the same grid; its band ``label_band``
    is read over the core (float32, its no-data value as NaN) and yielded as
    ``labels``, else ``labels`` is None. ``progress(percent)`` and
    ``is_canceled()`` are optional callbacks (cancel raises Cancelled).
    Memory: one block of input and features at a time.
    """
    info = read_info(src_path)
    bands = list(range(1, info.bands + 1)) if bands is None else list(bands)
    src = open_readonly(src_path)
    labels_ds = labels_nodata = None
    if label_path is not None:
        label_info = read_info(label_path)
        if (label_info.xsize, label_info.ysize) != (info.xsize, info.ysize):
            raise ValueError(f"label raster {label_path} ({label_info.xsize} x {label_info.ysize}) is not "
                             f"on the grid of the images ({info.xsize} x {info.ysize})")
        labels_ds = open_readonly(label_path)
        labels_nodata = label_info.nodata[label_band - 1]
    windows = block_windows(info.xsize, info.ysize, block, margin)
    for done, window in enumerate(windows, 1):
        if is_canceled is not None and is_canceled():
            raise Cancelled("cancelled by the user")
        data = np.stack([read_block(src.GetRasterBand(b), window, info.nodata[b - 1]) for b in bands])
        features = np.asarray(func(data), np.float32)[(slice(None),) + window.crop()]
        labels = None
        if labels_ds is not None:
            labels = read_block(labels_ds.GetRasterBand(label_band), Window(window.core, window.core),
                                labels_nodata)
        yield window, features, labels
        if progress is not None:
            progress(100.0 * done / len(windows))
