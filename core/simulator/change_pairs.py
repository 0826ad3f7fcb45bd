"""Two-date 8-bit SAR change-detection pairs with truth masks, modelled on the classic benchmark pairs.

The classic unsupervised change-detection pairs (Ottawa, Yellow River, Bern,
San Francisco, Sulzberger...) are single-channel 8-bit images of a few hundred
pixels a side, 1-4 looks, amplitude or intensity linearly stretched to 0-255
(a few pixels at 0, up to ~1 % saturated), with 0.5-30 % of the pixels changed
by floods (darkening), flood recession (brightening), river-course changes
(both directions), clear-cuts and new buildings. What we measured on the three
shared pairs with ``describe`` (DN floored at 1 and squared, as the benchmark
loads them):

============== ======== ========= ======== ========= ======== ============ =============
pair           changed  ENL 1/2   DN 1 %   DN median zero %   LR unchanged LR changed
============== ======== ========= ======== ========= ======== ============ =============
Ottawa         15.8 %   4.0 / 3.4 9 / 8    25 / 68   ~0       std 3.9 dB   +15 dB (98 % up)
Yellow River A 18.1 %   3.3 / 1.5 19 / 8   103 / 92  0.2      std 5.7 dB   -8 dB (90 % down)
Yellow River B 1.1 %    3.0 / 2.0 8 / 5    30 / 31   0.3      std 5.4 dB   +10 dB (92 % up)
============== ======== ========= ======== ========= ======== ============ =============

A pair here is built as follows (every random choice from ``seed``):

- land cover: ``landcover`` on a fractal DEM (``dem.fractal_dem``): a river,
  lakes, field parcels, forest, bare ground, towns; pixel 10-25 m, relief
  30-300 m;
- backscatter (C band, dB): water -22 (windier water up to -19 on a date),
  fields -12 with +-2.5 dB per parcel and +-1 dB per date (moisture, crops;
  not change), forest -7.5, towns -1, bare -13 (Ulaby & Dobson 1989 handbook
  ranges), plus a static slope term (local incidence) and the class's static
  K-texture (``speckle.texture_maps``);
- changes, the truth mask (exactly ``fraction`` of the pixels, when enough
  eligible land exists): ``flood`` (the land lowest above water around 1-3
  shore points -> water, darkening), ``recession`` (the same, image 1 flooded:
  brightening, as Ottawa), ``clearcut`` (forest blocks -> cut soil, -4 to
  -7 dB), ``building`` (field/bare near towns -> urban, brightening),
  ``river`` (flood in one place, recession in another: both directions) and
  ``mixed`` (clear-cut and building);
- speckle: ``looks`` independent looks of a spatially correlated
  circular-Gaussian field (Gaussian kernel of ``correlation`` pixels, as in
  oversampled products), Gamma(L)-distributed intensity with mean 1;
- storage: amplitude sqrt(I) or intensity I, each image with its own linear
  stretch putting its ``clip`` quantile at 255, rounded to 0-255 (uint8).

``random_spec`` draws the spread the benchmark uses: looks 1-8 per image
(equal or not), amplitude (5/6) or intensity (1/6, 6-8 looks only), six
change types, fraction log-uniform in 0.5-30 %, 240-360 px a side.
``fraction=0`` gives a pair without change (same land cover, new speckle and
date terms).
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from ..speckle import enl as enl_stats
from .dem import fractal_dem
from .landcover import BARE, FIELD, FOREST, URBAN, WATER, landcover
from .speckle import apply_texture, texture_maps

AMPLITUDE, INTENSITY = "amplitude", "intensity"
CHANGE_KINDS = ("flood", "recession", "clearcut", "building", "river", "mixed")
#: Class backscatter (dB) before per-parcel, per-date and slope terms (C band, like-polarised).
CLASS_DB = {WATER: -22.0, FIELD: -12.0, FOREST: -7.5, URBAN: -1.0, BARE: -13.0}
CLEARCUT_DB = (-7.0, -4.0)  # forest -> cut soil contrast range (dB)
#: Looks per image drawn by random_spec: equal pairs and unequal ones (Yellow River: 4 and 1).
LOOK_PAIRS = ((1, 1), (2, 2), (3, 3), (4, 4), (8, 8), (4, 1), (1, 3), (6, 2), (2, 4))
#: Intensity is stored for well multi-looked products only: read as amplitude (squared) as
#: the benchmark does, their measured ENL is then ~1-1.5 like a 1-2 look amplitude image,
#: whereas a 1-4 look intensity image would measure 0.2-0.6, below every real pair (1.5-4).
INTENSITY_LOOK_PAIRS = ((8, 8), (6, 8), (8, 6))
INTENSITY_SHARE = 1 / 6
ENL_WINDOW = 9


@dataclass(frozen=True)
class PairSpec:
    """What to simulate; ``fraction`` is the share of changed pixels (0-1)."""

    seed: int
    shape: tuple = (300, 300)
    looks: tuple = (4, 4)
    storage: str = AMPLITUDE
    change: str = "flood"
    fraction: float = 0.05
    correlation: float = 0.6  # speckle correlation (Gaussian kernel sigma, pixels; 0 = white)
    clip: tuple = (0.995, 0.995)  # quantile of each image put at DN 255

    def name(self):
        """Short label, e.g. 'flood 5.0% L4>1 amp s1000'."""
        return (f"{self.change} {100 * self.fraction:.1f}% L{self.looks[0]}>{self.looks[1]} "
                f"{self.storage[:3]} s{self.seed}")


@dataclass(frozen=True)
class SimulatedPair:
    """Two uint8 images (earlier, later), the truth (uint8 1 changed / 0 not) and the spec."""

    dn1: np.ndarray
    dn2: np.ndarray
    truth: np.ndarray
    spec: PairSpec

    def power(self, floor=1.0):
        """Linear power as the benchmark loads 8-bit pairs: max(DN, floor)^2 (storage unknown to it)."""
        return tuple(np.square(np.maximum(d.astype(np.float32), np.float32(floor)))
                     for d in (self.dn1, self.dn2))


def random_spec(seed):
    """A PairSpec drawn from the benchmark's spread (module docstring) by ``seed``."""
    rng = np.random.default_rng([seed, 7])
    storage = INTENSITY if rng.random() < INTENSITY_SHARE else AMPLITUDE
    pairs = INTENSITY_LOOK_PAIRS if storage == INTENSITY else LOOK_PAIRS
    looks = pairs[rng.integers(len(pairs))]
    shape = tuple(int(v) for v in rng.integers(240, 361, 2))
    change = CHANGE_KINDS[rng.integers(len(CHANGE_KINDS))]
    fraction = float(np.exp(rng.uniform(np.log(0.005), np.log(0.30))))
    correlation = float(rng.uniform(0.0, 0.9))
    clip = tuple(float(v) for v in rng.uniform(0.985, 0.999, 2))
    return PairSpec(seed, shape, looks, storage, change, fraction, correlation, clip)


def correlated_speckle(shape, looks, sigma, rng):
    """Intensity speckle, mean 1, ``looks`` independent looks of a complex Gaussian field.

    Each look is |g * (x + iy)|^2 with x, y white Gaussian and g a Gaussian
    kernel of ``sigma`` pixels (none when 0), divided by its expected value,
    so each look is exponential with mean 1 and the average Gamma(L, 1/L)
    (Goodman 1976), with the spatial correlation of an oversampled image.
    """
    out = np.zeros(shape, np.float64)
    delta = np.zeros((33, 33))
    delta[16, 16] = 1.0
    gain = float(np.sum(ndimage.gaussian_filter(delta, sigma) ** 2)) if sigma > 0 else 1.0
    for _ in range(int(looks)):
        re, im = rng.standard_normal(shape), rng.standard_normal(shape)
        if sigma > 0:
            re, im = ndimage.gaussian_filter(re, sigma), ndimage.gaussian_filter(im, sigma)
        out += (re * re + im * im) / (2.0 * gain)
    return (out / looks).astype(np.float32)


def _smooth_noise(shape, sigma, rng):
    """Zero-mean unit-variance Gaussian noise smoothed over ``sigma`` pixels."""
    a = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return (a - a.mean()) / max(a.std(), 1e-12)


def _lowest(score, eligible, n):
    """Boolean mask of the ``n`` eligible pixels with the lowest ``score``."""
    idx = np.flatnonzero(eligible.ravel())
    n = int(min(n, idx.size))
    out = np.zeros(score.size, bool)
    if n > 0:
        out[idx[np.argsort(score.ravel()[idx], kind="stable")[:n]]] = True
    return out.reshape(score.shape)


def _flood_region(dem, classes, n, rng):
    """The n land pixels lowest above water near 1-3 points of the shore (a contiguous flood)."""
    water = classes == WATER
    land = np.isin(classes, (FIELD, BARE, FOREST)) & ~water
    shore = np.flatnonzero((ndimage.binary_dilation(water) & ~water & land).ravel())
    if shore.size == 0:
        shore = np.flatnonzero(land.ravel())
    seeds = np.zeros(classes.shape, bool)
    seeds.flat[rng.choice(shore, min(shore.size, int(rng.integers(1, 4))), replace=False)] = True
    idx = ndimage.distance_transform_edt(~water, return_distances=False, return_indices=True)
    hand = (dem - dem[tuple(idx)]) / max(float(np.ptp(dem)), 1.0)
    near = ndimage.distance_transform_edt(~seeds) / max(classes.shape)
    score = hand + near + 0.02 * _smooth_noise(dem.shape, 4, rng)
    return _lowest(score, land, n)


def _block_region(classes, eligible, n, rng, block):
    """n eligible pixels in randomly ranked blocks of a rotated grid (harvest units)."""
    rows, cols = classes.shape
    yy, xx = np.mgrid[0:rows, 0:cols].astype(np.float64)
    angle = rng.uniform(0, np.pi)
    u = (xx * np.cos(angle) + yy * np.sin(angle)) // block
    v = (-xx * np.sin(angle) + yy * np.cos(angle)) // (block * rng.uniform(0.5, 1.5))
    _, cell = np.unique(u * 10000 + v, return_inverse=True)
    rank = rng.permutation(cell.max() + 1)[cell.reshape(rows, cols)]
    return _lowest(rank + 0.5 * _smooth_noise(classes.shape, 2, rng), eligible, n)


def _building_region(classes, n, rng):
    """n field/bare pixels near towns (smooth clusters): new buildings."""
    urban = classes == URBAN
    dist = ndimage.distance_transform_edt(~urban) if urban.any() else np.zeros(classes.shape)
    score = dist / max(classes.shape) + 0.3 * _smooth_noise(classes.shape, 8, rng)
    return _lowest(score, np.isin(classes, (FIELD, BARE)), n)


def _change_classes(spec, dem, classes, rng):
    """(classes at date 1, classes at date 2, truth bool) for the spec's change."""
    n = int(round(spec.fraction * classes.size))
    c1, c2 = classes.copy(), classes.copy()
    kind = spec.change
    if kind in ("flood", "recession"):
        region = _flood_region(dem, classes, n, rng)
        (c2 if kind == "flood" else c1)[region] = WATER
    elif kind == "river":  # floods in one half of the scene, recession in the other
        half = np.zeros(classes.shape, bool)
        half[:, : classes.shape[1] // 2] = True
        if rng.random() < 0.5:
            half = ~half
        region = _flood_region(dem, classes, n, rng)
        c2[region & half] = WATER
        c1[region & ~half] = WATER
    elif kind == "clearcut":
        region = _block_region(classes, classes == FOREST, n, rng, rng.uniform(10, 30))
        c2[region] = BARE
    elif kind == "building":
        region = _building_region(classes, n, rng)
        c2[region] = URBAN
    elif kind == "mixed":
        cut = _block_region(classes, classes == FOREST, n // 2, rng, rng.uniform(10, 30))
        region = cut | _building_region(np.where(cut, FOREST, classes), n - int(cut.sum()), rng)
        c2[cut] = BARE
        c2[region & ~cut] = URBAN
    else:
        raise ValueError(f"unknown change {kind!r}; choose one of {CHANGE_KINDS}")
    return c1, c2, region


def _sigma0_db(classes, base, date_terms):
    """Backscatter (dB) of a class map: class level + static parcel/slope terms + date terms."""
    out = base.copy()
    for cls, level in CLASS_DB.items():
        out[classes == cls] += level + date_terms.get(cls, 0.0)
    return out


def simulate_pair(spec, with_classes=False):
    """Simulate the pair of ``spec``: a SimulatedPair (uint8 images, truth).

    ``with_classes``: return (SimulatedPair, land cover at date 1, at date 2) instead (class codes of
    ``landcover``; the same draws, so the same pair), for probes that need the ground truth classes.
    """
    if spec.storage not in (AMPLITUDE, INTENSITY):
        raise ValueError(f"unknown storage {spec.storage!r}; choose {AMPLITUDE!r} or {INTENSITY!r}")
    if not 0 <= spec.fraction < 1:
        raise ValueError(f"the changed fraction must be in [0, 1), got {spec.fraction}")
    rng = np.random.default_rng(spec.seed)
    shape = tuple(int(v) for v in spec.shape)
    pixel_m = rng.uniform(10.0, 25.0)
    dem = fractal_dem(shape, pixel_m, rng.uniform(30.0, 300.0), 3.4, rng).astype(np.float64)
    classes = landcover(dem, pixel_m, pixel_m, rng)
    c1, c2, region = _change_classes(spec, dem, classes, rng)
    # Static terms: per-parcel field level (smooth noise cut in cells), local incidence (slope).
    parcels = np.round(_smooth_noise(shape, 4, rng) * 3) / 3
    base = np.where(np.isin(classes, (FIELD, BARE)), 2.5 * parcels, 0.0)
    slope = np.gradient(dem, pixel_m, axis=1)
    theta = np.radians(35.0)
    base += 10 * np.log10(np.clip(np.cos(theta - np.arctan(slope)), 0.2, None) / np.cos(theta))
    textures = texture_maps(shape, rng)
    cut_db = rng.uniform(*CLEARCUT_DB)
    images = []
    for k, (cls, looks) in enumerate(zip((c1, c2), spec.looks)):
        terms = {FIELD: rng.normal(0, 1.0), BARE: rng.normal(0, 0.5), WATER: rng.uniform(0, 3)}
        db = _sigma0_db(cls, base + 0.7 * _smooth_noise(shape, 10, rng), terms)
        if k == 1 and spec.change in ("clearcut", "mixed"):
            cut = region & (classes == FOREST) & (cls == BARE)
            db[cut] = (CLASS_DB[FOREST] + cut_db + base[cut])
        power = apply_texture(10 ** (db / 10), cls, textures)
        power = power * correlated_speckle(shape, looks, spec.correlation, rng)
        value = np.sqrt(power) if spec.storage == AMPLITUDE else power
        gain = 255.0 / float(np.quantile(value, spec.clip[k]))
        images.append(np.clip(np.round(value * gain), 0, 255).astype(np.uint8))
    pair = SimulatedPair(images[0], images[1], region.astype(np.uint8), spec)
    return (pair, c1, c2) if with_classes else pair


def describe(dn1, dn2, truth):
    """Measured statistics of an 8-bit pair with truth (1 changed, 0 not, other ignored): a dict.

    ENL as the benchmark loads the pair (power = max(DN, 1)^2; ``core.speckle.enl``,
    9 x 9 windows), DN 1 % quantile and median, zero and saturated shares (%),
    the log ratio (dB) std over unchanged pixels and median over changed ones,
    and the share of changed pixels that darken.
    """
    truth = np.asarray(truth)
    valid = (truth == 0) | (truth == 1)
    changed = truth == 1
    out = {"changed_pct": 100.0 * np.count_nonzero(changed) / max(np.count_nonzero(valid), 1)}
    powers = []
    for k, dn in enumerate((dn1, dn2), start=1):
        dn = np.asarray(dn, np.float64)
        power = np.square(np.maximum(dn, 1.0))
        powers.append(power)
        out[f"enl{k}"] = float(enl_stats.estimate_enl(enl_stats.local_cv2(power, ENL_WINDOW)))
        out[f"dn{k}_q01"], out[f"dn{k}_median"] = (float(v) for v in np.quantile(dn, [0.01, 0.5]))
        out[f"zero{k}_pct"] = 100.0 * float(np.mean(dn == 0))
        out[f"sat{k}_pct"] = 100.0 * float(np.mean(dn >= 255))
    lr = 10 * np.log10(powers[1] / powers[0])
    unchanged = valid & ~changed
    out["lr_unchanged_std_db"] = float(lr[unchanged].std()) if unchanged.any() else float("nan")
    out["lr_changed_median_db"] = float(np.median(lr[changed])) if changed.any() else float("nan")
    out["darkening_pct"] = 100.0 * float(np.mean(lr[changed] < 0)) if changed.any() else float("nan")
    return out
