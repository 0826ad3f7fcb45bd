"""Self-supervised change classifier: a small MLP on image patches, trained per pair on pseudo-labels.

The PCANet / DDNet family (Gao et al. 2016, IEEE GRSL 13(12); Qu et al.
2022, IEEE GRSL 19) trains a small network per image pair on the confident
pixels of an unsupervised pre-classification and lets it label every pixel.
Here the network is scikit-learn's ``MLPClassifier`` (one hidden ReLU layer,
Adam, L2 penalty) on the standardised k x k neighbourhoods of one or more
channels (e.g. the signed log ratio and an unsigned DI): it trains in seconds
on 2 cores, runs inside QGIS (scikit-learn to train, plain numpy to apply: the
forward pass below reproduces ``predict_proba``) and needs no shipped weights.

Training samples are drawn, balanced and seeded, from pixels labelled 1
(changed) or 0 (unchanged); 2 (uncertain) and 255 (no data) are never used.
Balanced training implies equal priors; the output logit is shifted by
log(pi / (1 - pi)), pi the share of changed among the confident pseudo-labels
(prior-shift correction of a posterior, Saerens, Latinne & Decaestecker 2002),
so that a 1 % change does not come out as a 50 % one.
Application is per pixel from its own window (``core.change.neighbourhoods``),
so a block run with margin ``size // 2`` equals the whole-image run.
"""
import warnings
from dataclasses import dataclass

import numpy as np

from .neighbourhoods import stacked_neighbourhoods, stacked_neighbourhoods_at

DEFAULT_SIZE = 7
DEFAULT_HIDDEN = 32
#: Training pixels per class (fewer when a class has fewer confident pixels).
DEFAULT_PER_CLASS = 4000
DEFAULT_EPOCHS = 60
DEFAULT_ALPHA = 1e-3
MIN_PER_CLASS = 20


@dataclass(frozen=True)
class PatchClassifier:
    """Standardisation and MLP weights of a trained patch classifier (numpy arrays)."""

    size: int
    fills: tuple  # per channel: value standing for no data / outside the image
    mean: np.ndarray  # per feature
    scale: np.ndarray  # per feature (std, 1 where 0)
    weights: tuple  # ((W1, b1), (W2, b2), ...) ReLU hidden layers, logistic output
    train_counts: tuple  # (unchanged, changed) training pixels
    prior_logit: float = 0.0  # log(pi / (1 - pi)) of the pseudo-labels' change prior pi

    @property
    def margin(self):
        """Pixels read around each output pixel."""
        return self.size // 2

    def features(self, channels):
        """(rows, cols, n_features) standardised neighbourhoods of (n, rows, cols) channels."""
        x = stacked_neighbourhoods(channels, self.size, self.fills).astype(np.float64)
        return (x - self.mean) / self.scale

    def probability(self, channels):
        """(rows, cols) probability of change (0-1) of every pixel."""
        x = self.features(channels)
        return self._forward(x.reshape(-1, x.shape[2])).reshape(x.shape[:2])

    def probability_at(self, channels, flat_index):
        """Probability of change (0-1) of the pixels at ``flat_index`` (row-major) only, 1-D."""
        x = stacked_neighbourhoods_at(np.asarray(channels, np.float32), self.size, self.fills, flat_index)
        return self._forward((x.astype(np.float64) - self.mean) / self.scale)

    def _forward(self, h):
        """Probability of change of (n, n_features) standardised rows: the MLP, prior-shifted."""
        for i, (w, b) in enumerate(self.weights):
            h = h @ w + b
            if i < len(self.weights) - 1:
                h = np.maximum(h, 0.0)
        return 1.0 / (1.0 + np.exp(-np.clip(h[:, 0] + self.prior_logit, -500, 500)))

    def labels(self, channels, valid=None):
        """uint8 map: 1 where P(change) > 0.5, else 0; 255 outside ``valid`` (default: all finite)."""
        channels = np.asarray(channels, dtype=np.float32)
        if valid is None:
            valid = np.isfinite(channels).all(axis=0)
        out = (self.probability(channels) > 0.5).astype(np.uint8)
        out[~valid] = 255
        return out


class TooFewLabels(ValueError):
    """A pseudo-label class has too few pixels to train on."""


def _draw(idx, cap, rng):
    return idx if idx.size <= cap else rng.choice(idx, cap, replace=False)


def training_rows(channel_tiles, label_tiles, size, fills, per_class, seed):
    """(X, y): balanced seeded sample of neighbourhood vectors of labelled (0/1) pixels."""
    rng = np.random.default_rng(seed)
    pools = {0: [], 1: []}
    for t, (channels, labels) in enumerate(zip(channel_tiles, label_tiles)):
        valid = np.isfinite(np.asarray(channels)).all(axis=0).ravel()
        flat = np.asarray(labels).ravel()
        for cls in (0, 1):
            idx = np.flatnonzero((flat == cls) & valid)
            pools[cls].append((t, idx))
    xs, ys = [], []
    for cls in (0, 1):
        total = sum(idx.size for _, idx in pools[cls])
        if total < MIN_PER_CLASS:
            name = "changed" if cls else "unchanged"
            raise TooFewLabels(f"only {total} confident {name} pixel(s) to train the patch classifier "
                             f"(at least {MIN_PER_CLASS} needed): the pre-classification found no "
                             "usable change/no-change split")
        for t, idx in pools[cls]:
            share = int(round(per_class * idx.size / total))
            pick = np.sort(_draw(idx, share, rng))
            if pick.size == 0:
                continue
            xs.append(stacked_neighbourhoods_at(channel_tiles[t], size, fills, pick).astype(np.float64))
            ys.append(np.full(pick.size, cls, np.int64))
    return np.concatenate(xs), np.concatenate(ys)


def train(channel_tiles, label_tiles, size=DEFAULT_SIZE, hidden=DEFAULT_HIDDEN, per_class=DEFAULT_PER_CLASS,
          epochs=DEFAULT_EPOCHS, alpha=DEFAULT_ALPHA, seed=0, prior_correction=True):
    """Train a PatchClassifier on pseudo-labels; returns it.

    ``channel_tiles``: list of (n_channels, rows, cols) float arrays (NaN = no
    data); ``label_tiles``: matching 2-D label arrays (1 changed, 0 unchanged,
    other values ignored); ``size``: odd patch side (pixels); ``hidden``:
    hidden ReLU units; ``epochs``: Adam passes over the sample.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    if size < 1 or size % 2 == 0:
        raise ValueError(f"the patch size must be odd and >= 1, got {size}")
    channel_tiles = [np.asarray(c, dtype=np.float32) for c in channel_tiles]
    fills = tuple(float(np.nanmedian(np.concatenate([c[i][np.isfinite(c[i])] for c in channel_tiles])))
                  for i in range(channel_tiles[0].shape[0]))
    x, y = training_rows(channel_tiles, label_tiles, size, fills, per_class, seed)
    n_changed = sum(int(np.count_nonzero(np.asarray(t) == 1)) for t in label_tiles)
    n_unchanged = sum(int(np.count_nonzero(np.asarray(t) == 0)) for t in label_tiles)
    prior = n_changed / max(n_changed + n_unchanged, 1)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    mlp = MLPClassifier(hidden_layer_sizes=(int(hidden),), alpha=alpha, batch_size=128,
                        learning_rate_init=1e-3, max_iter=int(epochs), random_state=seed, shuffle=True,
                        tol=1e-5, n_iter_no_change=int(epochs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit((x - mean) / scale, y)
    weights = tuple((w.astype(np.float64), b.astype(np.float64)) for w, b in zip(mlp.coefs_, mlp.intercepts_))
    counts = (int(np.count_nonzero(y == 0)), int(np.count_nonzero(y == 1)))
    prior_logit = float(np.log(prior / (1.0 - prior))) if prior_correction and 0 < prior < 1 else 0.0
    return PatchClassifier(int(size), fills, mean, scale, weights, counts, prior_logit)
