"""Per-pixel neighbourhood vectors (patches) of images, for patch-based change classifiers.

A pixel's neighbourhood is the ``size`` x ``size`` window centred on it,
flattened row by row. Pixels outside the array and NaN pixels (no data) are
replaced by a constant ``fill`` value, so a pixel's vector depends only on its
own window: block-by-block application with a margin of ``size // 2`` pixels
(``core.engine.raster_blocks.map_raster``) gives the same vectors as the whole image.
"""
import numpy as np

from ..engine.window_stats import check_window


def neighbourhoods(image, size, fill):
    """(rows, cols, size * size) float32 view-like array of every pixel's window.

    ``image``: 2-D array (NaN = no data); ``size``: odd window side in pixels;
    ``fill``: value standing for pixels outside the image or NaN. The vector
    order is row-major over the window (top-left first, centre at index
    ``size * size // 2``).
    """
    check_window(size)
    image = np.asarray(image, dtype=np.float32)
    if image.ndim != 2:
        raise ValueError(f"expected a 2-D image, got shape {image.shape}")
    r = size // 2
    filled = np.where(np.isnan(image), np.float32(fill), image)
    padded = np.pad(filled, r, mode="constant", constant_values=np.float32(fill))
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
    return windows.reshape(image.shape[0], image.shape[1], size * size)


def stacked_neighbourhoods(channels, size, fills):
    """Neighbourhoods of several channels side by side: (rows, cols, n_channels * size * size).

    ``channels``: (n, rows, cols); ``fills``: one fill value per channel.
    """
    channels = np.asarray(channels, dtype=np.float32)
    parts = [neighbourhoods(c, size, f) for c, f in zip(channels, fills)]
    return np.concatenate(parts, axis=2) if len(parts) > 1 else np.ascontiguousarray(parts[0])


def neighbourhoods_at(image, size, fill, flat_index):
    """(n, size * size) float32 windows of the pixels at ``flat_index`` (row-major indices) only.

    Same vectors as ``neighbourhoods(image, size, fill).reshape(-1, size * size)[flat_index]``
    without building the full array (memory ~ n * size^2).
    """
    check_window(size)
    image = np.asarray(image, dtype=np.float32)
    r = size // 2
    filled = np.where(np.isnan(image), np.float32(fill), image)
    padded = np.pad(filled, r, mode="constant", constant_values=np.float32(fill))
    rows, cols = np.divmod(np.asarray(flat_index, dtype=np.int64), image.shape[1])
    dy, dx = np.divmod(np.arange(size * size), size)
    return padded[rows[:, None] + dy[None, :], cols[:, None] + dx[None, :]]


def stacked_neighbourhoods_at(channels, size, fills, flat_index):
    """``neighbourhoods_at`` of several channels side by side: (n, n_channels * size * size)."""
    channels = np.asarray(channels, dtype=np.float32)
    parts = [neighbourhoods_at(c, size, f, flat_index) for c, f in zip(channels, fills)]
    return np.concatenate(parts, axis=1)
