"""PCA-KMeans change detection (Celik 2009), fitted on a sample, applied block by block.

Celik, "Unsupervised change detection in satellite images using principal
component analysis and k-means clustering", IEEE GRSL 6(4), 2009:

1. the difference image (DI) is cut into non-overlapping h x h blocks; their
   mean vector psi and covariance give the principal directions (eigenvectors
   of the covariance, largest eigenvalue first);
2. every pixel's h x h neighbourhood (centred on it), minus psi, is projected
   onto the first S eigenvectors: an S-dimensional feature vector;
3. k-means with k = 2 splits the feature vectors; the cluster whose pixels
   have the larger mean DI is the changed one.

Here the DI must be unsigned (larger = more change: absolute log ratio, mean
ratio, neighbourhood ratio index). No-data pixels and pixels outside the
image take the median DI of the fitting sample (``core.change.neighbourhoods``),
so a pixel's label depends only on its own window and a tiled run equals the
whole-image run (margin ``size // 2`` pixels). Eigenvectors are signed so that
their components sum to >= 0 (the decomposition leaves the sign free).

Several channels (an array (C, rows, cols) in place of the 2-D DI; channel 0 the
DI above, e.g. a second change statistic after it): each pixel's vector is the
h x h windows of every channel side by side (C h^2 values), each channel divided
first by its robust scale (1.4826 MAD over the fitting sample,
``core.change.robust_scale``) so that no channel sets the covariance by its units;
no data is where channel 0 is NaN, each channel fills with its own median, and
the changed cluster is the one of larger mean channel 0.
"""
from dataclasses import dataclass

import numpy as np

from .labels import CHANGED, NODATA, UNCHANGED
from .neighbourhoods import (
    neighbourhoods,
    neighbourhoods_at,
    stacked_neighbourhoods,
    stacked_neighbourhoods_at,
)
from .robust_scale import robust_sigma

#: Celik's h (block side, pixels) and S (eigenvectors kept); he reports h in 3-9 and S = 3.
DEFAULT_SIZE = 5
DEFAULT_COMPONENTS = 3
#: Pixels (feature vectors) used to fit k-means; larger samples are subsampled.
MAX_FIT_PIXELS = 400_000


@dataclass(frozen=True)
class PcaKMeans:
    """A fitted PCA-KMeans model; ``centres[1]`` is the changed cluster."""

    size: int
    mean: np.ndarray  # (size * size,) psi, DI units
    components: np.ndarray  # (S, size * size) eigenvectors as rows
    eigenvalues: np.ndarray  # (S,) DI units squared
    centres: np.ndarray  # (2, S) unchanged, changed
    fill: object  # DI value standing for no data / outside the image (one per channel when scales)
    scales: tuple = ()  # several channels: each channel's robust scale (its units); () = one 2-D DI

    @property
    def margin(self):
        """Pixels read around each output pixel."""
        return self.size // 2

    def _scaled(self, di):
        """(C, rows, cols) float32 channels divided by their scales."""
        return np.asarray(di, np.float32) / np.asarray(self.scales, np.float32)[:, None, None]

    def features(self, di):
        """(rows, cols, S) float64 feature vectors of a 2-D DI (or (C, rows, cols) channels)."""
        if self.scales:
            vectors = stacked_neighbourhoods(self._scaled(di), self.size, self.fill).astype(np.float64)
        else:
            vectors = neighbourhoods(di, self.size, self.fill).astype(np.float64)
        return (vectors - self.mean) @ self.components.T

    def features_at(self, di, idx):
        """(n, S) float64 feature vectors of the pixels at flat indices ``idx`` of a 2-D DI (or channels)."""
        if self.scales:
            vectors = stacked_neighbourhoods_at(self._scaled(di), self.size, self.fill, idx)
        else:
            vectors = neighbourhoods_at(di, self.size, self.fill, idx)
        return (vectors.astype(np.float64) - self.mean) @ self.components.T

    def centre_distances(self, features):
        """(..., 2) squared distances of feature vectors (..., S) to the unchanged and changed centres."""
        return np.stack([np.sum((features - c) ** 2, axis=-1) for c in self.centres], axis=-1)

    def distances(self, di):
        """(rows, cols, 2) squared distances to the unchanged and changed centres."""
        return self.centre_distances(self.features(di))

    def distances_at(self, di, idx):
        """(n, 2) squared distances to the centres of the pixels at flat indices ``idx`` of a 2-D DI."""
        return self.centre_distances(self.features_at(di, idx))

    def labels(self, di):
        """uint8 map: 1 changed, 0 unchanged, 255 where the DI is NaN (no data)."""
        d = self.distances(di)
        out = np.where(d[..., 1] < d[..., 0], CHANGED, UNCHANGED).astype(np.uint8)
        out[~np.isfinite(di[0] if self.scales else di)] = NODATA
        return out


def block_vectors(di, size):
    """(n, size * size) float64 vectors of the non-overlapping size x size blocks without NaN.

    ``di``: 2-D, or (C, rows, cols) channels: (n, C * size * size), the channels' blocks side by side.
    """
    di = np.asarray(di, dtype=np.float64)
    rows, cols = (di.shape[-2] // size) * size, (di.shape[-1] // size) * size
    parts = []
    for d in (di if di.ndim == 3 else di[None]):
        blocks = d[:rows, :cols].reshape(rows // size, size, cols // size, size).swapaxes(1, 2)
        parts.append(blocks.reshape(-1, size * size))
    blocks = np.concatenate(parts, axis=1)
    return blocks[np.isfinite(blocks).all(axis=1)]


def principal_directions(vectors, count):
    """(mean, eigenvectors (count, d) as rows, eigenvalues) of ``vectors`` (n, d), largest first."""
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    cov = centred.T @ centred / max(len(vectors), 1)
    values, vecs = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:count]
    vecs = vecs[:, order].T
    signs = np.where(vecs.sum(axis=1) < 0, -1.0, 1.0)
    return mean, vecs * signs[:, None], values[order]


def kmeans_two(features, seed=0):
    """k-means (k = 2, k-means++ starts, 10 runs) of (n, S) features: (centres, labels)."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=2, n_init=10, random_state=seed).fit(features)
    return km.cluster_centers_.astype(np.float64), km.labels_


def _sample_rows(n, cap, rng):
    return np.arange(n) if n <= cap else np.sort(rng.choice(n, cap, replace=False))


def fit(di_tiles, size=DEFAULT_SIZE, components=DEFAULT_COMPONENTS, seed=0, max_pixels=MAX_FIT_PIXELS):
    """Fit PCA-KMeans on one or more 2-D DI arrays (tiles of one scene); returns PcaKMeans.

    ``size``: h (odd, pixels); ``components``: S (1 <= S <= h * h);
    ``max_pixels``: feature vectors used by k-means (a seeded random subsample
    beyond). ValueError when the tiles hold too few complete blocks. Tiles of
    (C, rows, cols) channels (a list, C >= 2): see the module docstring, ``fit_channels``.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"the PCA-KMeans block size h must be odd and >= 1, got {size}")
    if not 1 <= components <= size * size:
        raise ValueError(f"the number of eigenvectors S must be in 1..{size * size}, got {components}")
    tiles = [np.asarray(t, dtype=np.float32) for t in ([di_tiles] if np.ndim(di_tiles) == 2 else di_tiles)]
    if tiles[0].ndim == 3:
        return fit_channels(tiles, size, components, seed, max_pixels)
    blocks = np.concatenate([block_vectors(t, size) for t in tiles])
    if len(blocks) < components + 1:
        raise ValueError(f"only {len(blocks)} complete {size} x {size} block(s) without no data: "
                         "the image is too small or mostly no data for PCA-KMeans")
    finite = np.concatenate([t[np.isfinite(t)] for t in tiles])
    fill = float(np.median(finite))
    mean, vecs, values = principal_directions(blocks, components)
    rng = np.random.default_rng(seed)
    per_tile = max(1, max_pixels // len(tiles))
    feats, centre_di = [], []
    for t in tiles:
        valid = np.isfinite(t).ravel()
        idx = np.flatnonzero(valid)
        idx = idx[_sample_rows(len(idx), per_tile, rng)]
        vectors = neighbourhoods_at(t, size, fill, idx).astype(np.float64)
        feats.append((vectors - mean) @ vecs.T)
        centre_di.append(t.ravel()[idx])
    feats, centre_di = np.concatenate(feats), np.concatenate(centre_di)
    centres, labels = kmeans_two(feats, seed)
    means = [centre_di[labels == k].mean() if np.any(labels == k) else -np.inf for k in (0, 1)]
    if means[0] > means[1]:
        centres = centres[::-1].copy()
    return PcaKMeans(size, mean, vecs, values, centres, fill)


def fit_channels(tiles, size=DEFAULT_SIZE, components=DEFAULT_COMPONENTS, seed=0, max_pixels=MAX_FIT_PIXELS):
    """Fit PCA-KMeans on tiles of (C, rows, cols) channels, channel 0 the DI (module docstring).

    Each channel is divided by its robust scale (1.4826 MAD of its finite values over the tiles; 1
    where that is 0), then fitted as one DI whose h x h windows are the channels' side by side.
    """
    scales = []
    for c in range(tiles[0].shape[0]):
        _, sigma = robust_sigma(np.concatenate([t[c][np.isfinite(t[c])] for t in tiles]))
        scales.append(sigma if sigma > 0 else 1.0)
    scales = tuple(scales)
    tiles = [t / np.asarray(scales, np.float32)[:, None, None] for t in tiles]
    blocks = np.concatenate([block_vectors(t, size) for t in tiles])
    if len(blocks) < components + 1:
        raise ValueError(f"only {len(blocks)} complete {size} x {size} block(s) without no data: "
                         "the image is too small or mostly no data for PCA-KMeans")
    fill = tuple(float(np.median(np.concatenate([t[c][np.isfinite(t[c])] for t in tiles])))
                 for c in range(len(scales)))
    mean, vecs, values = principal_directions(blocks, components)
    rng = np.random.default_rng(seed)
    per_tile = max(1, max_pixels // len(tiles))
    feats, centre_di = [], []
    for t in tiles:
        idx = np.flatnonzero(np.isfinite(t[0]).ravel())
        idx = idx[_sample_rows(len(idx), per_tile, rng)]
        vectors = stacked_neighbourhoods_at(t, size, fill, idx).astype(np.float64)
        feats.append((vectors - mean) @ vecs.T)
        centre_di.append(t[0].ravel()[idx])
    feats, centre_di = np.concatenate(feats), np.concatenate(centre_di)
    centres, labels = kmeans_two(feats, seed)
    means = [centre_di[labels == k].mean() if np.any(labels == k) else -np.inf for k in (0, 1)]
    if means[0] > means[1]:
        centres = centres[::-1].copy()
    return PcaKMeans(size, mean, vecs, values, centres, fill, scales)
