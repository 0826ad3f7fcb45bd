"""Unsupervised change-detection chains on two dates, with a guard against all-change maps.

A chain (``ChainConfig``) is: an optional speckle filter of both dates
(``core.speckle.registry``, each image with the ENL estimated on the fitting
sample) -> image 1 scaled so that the no-change log ratio sits at 0 dB (a
calibration or 8-bit stretch difference, and the log-ratio bias of unequal
looks, are not change; ``ChainConfig.centring``: the median of the pixel log
ratio, or the median or shortest-half midpoint of the DI's own signed
statistic, whose looks bias is that of 3 x 3 means, ``core.change.centring``)
-> an unsigned difference image (DI, larger = more change: |log ratio|,
the mean ratio or the neighbourhood-ratio index of 3 x 3 windows, or |log mean
ratio|, the log ratio of the 3 x 3 means in dB) -> one method:

- ``pca_kmeans``: PCA-KMeans of Celik (2009) on the DI (``core.change.pca_kmeans``);
- ``fcm``: 2-cluster fuzzy c-means of the DI values (``core.change.fcm``);
- ``outlier``: the robust outlier rule below, on its own;
- ``smoothed_ki``: Kittler-Illingworth minimum-error threshold (``core.change.
  thresholds``) of the 5 x 5 local mean of the DI (unequal class priors, so a
  0.5 % change is not split like a 50 % one, as k-means and FCM tend to);
- ``self_supervised``: a patch MLP (``core.change.patch_classifier``) trained
  on the confident pixels of a pre-classification of this very pair
  (hierarchical FCM; PCA-KMeans with its least-certain pixels left out; the
  outlier rule; their consensus; or the smoothed KI threshold with a band of
  +-20 % around it left out), on the signed log ratio and the DI;
- ``pcanet``: the pipeline of Gao et al. (2016, PCANet SAR change detection,
  IEEE GRSL 13(12); also DDNet, Qu et al. 2022): a hierarchical FCM
  pre-classification (``core.change.fcm``) of the local-mean DI into changed,
  unchanged and uncertain pixels; a patch MLP (``core.change.patch_classifier``)
  trained on the confident ones, on both dates in dB, the DI and its local
  mean, labels the uncertain ones; the confident ones keep their label;
- ``mrf``: PCA-KMeans as above, then two Gaussian classes of the DI fitted by
  EM from its split and a Potts prior on the labels, minimised by a fixed
  number of synchronous ICM sweeps (Bruzzone & Prieto 2000; ``core.change.mrf``;
  beta fixed or by pseudo-likelihood on the pair's own initial map). When the
  guard replaces its map, the fallback's map is regularised the same way
  (its split of the 5 x 5 local-mean DI as initial map and Gaussian classes).

With ``ChainConfig.edge_band`` = r > 0 (off by default), the chain's kept map has the pixels within
r px of its changed class's boundary relabelled by the DI against the equal-error threshold of its
interior classes, fitted on the fitting sample (``core.change.edge_band``; not the fallback's map).
With ``ChainConfig.edge_classifier`` = r > 0 (off by default), that band of the kept map is relabelled
instead by a 7 x 7 patch MLP of both dates' 3 x 3 means trained on the map's interior classes of the
fitting sample (``core.change.edge_classifier``; trained only where the guard keeps the chain's map).

``fit_chain`` fits on one or more tiles of the pair (a bounded sample of a
scene); ``FittedChain.labels`` then labels any block from its pixels and
those within ``margin`` (so block-by-block == whole image).

Guard (``GUARD_RULE``): the fitted labels are checked on the fitting sample,
on the 5 x 5 local mean of the DI (``lm``). The chain's map is replaced by the
*robust outlier rule* - a pixel is changed when the local mean of the DI
exceeds median + ``OUTLIER_Z`` x 1.4826 MAD of ``lm`` (the no-change
population, the majority whenever a rule below fires) - when

- ``TOO_MANY``: the chain labels more than ``MAX_CHANGED_FRACTION`` of the
  valid pixels as changed;
- ``UNIMODAL`` together with ``IN_TAIL``: the DI shows no separable change
  class - Sarle's bimodality coefficient of ``lm`` is at most 5/9 AND Ashman's
  D of two Gaussians fitted by EM from the chain's split is at most 2
  (``core.change.separation``; literature thresholds: 5/9 is the uniform
  distribution's coefficient and a gamma body of shape >= 1 stays below it;
  D > 2 is Ashman et al.'s clean separation) - and the decision sits in its
  tail (below). Either criterion alone is "weak" separation (reported, map
  kept): a broad change class of a real flood can have D < 2 (measured
  1.96 on the 8 % flood of tests/test_core_change_pairs.py) while its
  coefficient is far above 5/9. A unimodal DI alone does not replace the
  map: a change class of well under 1 % of the pixels, however far out,
  barely moves the moments BC is made of, so BC stays below 5/9 while the
  chain called only outliers of the body (changed class 17.8 robust sigmas
  out on a 0.6 % simulated recession, design seed 11: the chain's map kappa
  0.82, the fallback's 0.72); reported as separation "none", map kept;
- ``IN_TAIL``: the decision sits in the tail of the DI's body: most of the
  chain's changed pixels are not outliers of the body, i.e. their median
  ``lm`` is less than ``OUTLIER_Z`` robust sigmas above the median of all
  pixels (below the fallback's own bar: the classic 3-sigma outlier
  convention on the MAD: Leys, C. et al. 2013, Detecting outliers:
  use absolute deviation around the median, JESP 49, 764-766), or the fitted body
  component explains more than ``MAX_BODY_SHARE`` (a majority) of them
  (their mean posterior of the body). On the 36 simulated pairs of the
  protocol (24 change_pairs + 12 injected; never the benchmark pairs nor the
  demo) the 3-sigma bar raised the default's mean kappa from 0.662 to
  0.681 and its worst from 0.144 to 0.217: the default's over-detection
  (13-17 % flagged on 1-3 % change) falls back to the outlier rule;
- ``IN_MODE``: the changed pixels sit inside the main mode of the DI (their
  median ``lm`` is less than ``MODE_Z`` robust sigmas above the median of
  all pixels: a split of a unimodal DI, e.g. k-means or FCM on a pair
  without change, which cut ~30 % off the upper tail).

With ``ChainConfig.fallback`` = ``cfar_enl`` or ``cfar_median`` the map is
replaced instead by a CFAR threshold of the same local-mean DI: the value an
unchanged pair of gamma speckle images exceeds at the false-alarm rate
``cfar.PFA`` per pixel (``core.change.cfar``; Touzi, Lopes & Bousquet 1988),
at the images' ENL or at the looks whose no-change median matches the DI's;
with ``adjusted_boxplot`` by the upper fence of the adjusted boxplot of the
local-mean DI (``core.change.skewed_outliers``; Hubert & Vandervieren 2008,
Q3 + 1.5 exp(3 MC) IQR, MC the medcouple): the DI of an unchanged pair is
right-skewed, and the symmetric 3-sigma bar sits inside its upper tail, so
on a small change it flags about as many false alarms as changed pixels.
With ``multiscale_boxplot`` (the default since the eighth round of issue 15)
that fence's map is joined by the outliers of the 9 x 9 and 15 x 15 means of
the signed statistic the DI folds, each by its own adjusted-boxplot fence
(``core.change.multiscale``): where the guard fires, the change lies inside the
5 x 5 body's spread, and a faint blob larger than the window clears a coarser
one (protocol pairs s6006-s6009, offsets of 1.6-3.9 dB at 1-4 looks: kappa
0.30 / 0.52 / 0.20 / 0.39 -> 0.65 / 0.87 / 0.49 / 0.63).

The report (``GuardReport.lines``) gives the changed fraction, the contrast
of the changed class, the separation confidence (confident: both criteria
above; weak: one; none: neither) with the coefficient, D, the overlap of the
fitted classes and the share of the changed class explained as the body's
tail, the reasons of a fallback and which rule produced the map.
"""
from dataclasses import dataclass, field, replace

import numpy as np

from ..engine.window_stats import local_mean
from ..speckle import enl as enl_stats
from ..speckle import registry
from . import centring as centring_mod
from . import cfar, edge_band, edge_classifier, exclusion, multiscale, skewed_outliers
from . import difference as dif
from . import fcm as fcm_mod
from . import mrf as mrf_mod
from . import patch_classifier as pc
from . import pca_kmeans as pk
from . import separation as sep
from .labels import CHANGED, NODATA, UNCHANGED

ABS_LOG_RATIO = "abs_log_ratio"
MEAN_RATIO = "mean_ratio"
NEIGHBOURHOOD_RATIO = "neighbourhood_ratio"
LOG_MEAN_RATIO = "log_mean_ratio"
DI_KINDS = (ABS_LOG_RATIO, MEAN_RATIO, NEIGHBOURHOOD_RATIO, LOG_MEAN_RATIO)
DI_LABELS = {
    ABS_LOG_RATIO: "Absolute log ratio |10 log10(I2/I1)| (dB)",
    MEAN_RATIO: "Mean ratio, 3 x 3 (Inglada & Mercier 2007)",
    NEIGHBOURHOOD_RATIO: "Neighbourhood ratio index 1 - NR, 3 x 3 (Gong et al. 2012)",
    LOG_MEAN_RATIO: "Absolute log ratio of the 3 x 3 means |10 log10(m2/m1)| (dB)",
}
DI_WINDOW = 3

PCA_KMEANS = "pca_kmeans"
FCM = "fcm"
SELF_SUPERVISED = "self_supervised"
OUTLIER = "outlier"
SMOOTHED_KI = "smoothed_ki"
PCANET = "pcanet"
MRF = "mrf"
METHODS = (PCA_KMEANS, FCM, SELF_SUPERVISED, OUTLIER, SMOOTHED_KI, PCANET, MRF)
METHOD_LABELS = {
    PCA_KMEANS: "PCA-KMeans (Celik 2009)",
    FCM: "Fuzzy c-means, 2 clusters",
    OUTLIER: "Robust outlier rule on the local-mean DI",
    SMOOTHED_KI: "Kittler-Illingworth threshold of the local-mean DI",
    SELF_SUPERVISED: "Self-supervised patch classifier (PCANet/DDNet-style, MLP)",
    PCANET: "PCANet pipeline: hierarchical FCM pre-classification + patch classifier of the uncertain pixels",
    MRF: "PCA-KMeans + Markov random field (Potts prior, ICM)",
}
#: Pre-classifications that can train the self-supervised classifier.
LABELS_HFCM = "hfcm"
LABELS_PCA_KMEANS = "pca_kmeans"
LABELS_OUTLIER = "outlier"
LABELS_CONSENSUS = "consensus"
LABELS_KI = "ki"
#: KI pseudo-labels: pixels whose local-mean DI is within this share of the threshold are uncertain.
KI_UNCERTAIN = 0.2
#: Outlier pseudo-labels: unchanged below median + OUTLIER_UNCHANGED_Z sigma (MAD) of the local-mean DI.
OUTLIER_UNCHANGED_Z = 1.0
#: PCA-KMeans pseudo-labels: a pixel is confident when its squared distance to the
#: nearer centre is below this share of its distance to the farther one.
PCA_CONFIDENT_RATIO = 0.5

MAX_CHANGED_FRACTION = 0.5
#: Changed pixels whose median local-mean DI is below median + MODE_Z robust sigmas lie in the main mode.
MODE_Z = 2.0
OUTLIER_Z = 3.0
OUTLIER_WINDOW = 5
#: The decision sits in the body's tail when the fitted body explains more than this share of the
#: changed class (its posterior, ``core.change.separation``): most "changes" would be false alarms.
MAX_BODY_SHARE = 0.5
GUARD_RULE = (f"if more than {MAX_CHANGED_FRACTION:.0%} of the valid pixels are labelled changed; or the "
              "changed pixels' median local-mean DI is less than "
              f"{OUTLIER_Z:g} robust sigmas above the median "
              f"or the fitted no-change class explains more than {MAX_BODY_SHARE:.0%} of them (the decision "
              "sits in the tail of the no-change class, or inside its main mode below "
              f"{MODE_Z:g} sigmas), the map "
              f"is replaced by an outlier rule of the local {OUTLIER_WINDOW} x {OUTLIER_WINDOW} mean DI: the "
              "upper fence of the adjusted boxplot for skewed data (Hubert & Vandervieren 2008: DI > Q3 + "
              "1.5 exp(3 MC) IQR, MC the medcouple) in the default and the methods of the Processing "
              "algorithm, which also flag a pixel whose "
              + " or ".join(f"{w} x {w}" for w in multiscale.SCALES)
              + " mean of the signed log ratio is beyond that statistic's own fence (a faint change "
              f"larger than the window), the union cleaned by a {multiscale.MAJORITY} x "
              f"{multiscale.MAJORITY} majority; "
              f"the robust outlier rule (DI > median + {OUTLIER_Z:g} x 1.4826 MAD) in chains that ask for it")
#: Fallback rules of the guard (ChainConfig.fallback): the robust outlier rule above, or a CFAR
#: threshold of the same local-mean DI at ``cfar.PFA`` false alarms per pixel under the speckle-only
#: no-change model (``core.change.cfar``), its looks the images' ENL or matched to the DI median.
FALLBACK_OUTLIER = "outlier"
FALLBACK_CFAR_ENL = "cfar_enl"
FALLBACK_CFAR_MEDIAN = "cfar_median"
FALLBACK_ADJUSTED_BOXPLOT = "adjusted_boxplot"
#: The adjusted-boxplot fence at 5 x 5 plus the fences of coarser means of the signed statistic
#: (``core.change.multiscale``): changes inside the no-change spread at 5 x 5 clear a coarser one.
FALLBACK_MULTISCALE = "multiscale_boxplot"
#: The same with the signed statistic clipped at ``multiscale.CLIP_SIGMAS`` robust sigmas before the
#: coarse means and each coarse bar lowered to the Benjamini-Hochberg cut at ``multiscale.FDR_Q``
#: where that is lower (``core.change.multiscale``, tenth round of issue 15).
FALLBACK_MULTISCALE_FDR = "multiscale_fdr"
#: The same with each coarse scale's z-scores re-standardised by an empirical null (half-width of the
#: histogram at 1/8 of its maximum, ``multiscale.EMPIRICAL_NULL``; Efron 2004) before the
#: Benjamini-Hochberg cut (eleventh round of issue 15).
FALLBACK_MULTISCALE_NULL = "multiscale_fdr_null"
MULTISCALE_FALLBACKS = (FALLBACK_MULTISCALE, FALLBACK_MULTISCALE_FDR, FALLBACK_MULTISCALE_NULL)
FDR_FALLBACKS = (FALLBACK_MULTISCALE_FDR, FALLBACK_MULTISCALE_NULL)
FALLBACKS = (FALLBACK_OUTLIER, FALLBACK_CFAR_ENL, FALLBACK_CFAR_MEDIAN, FALLBACK_ADJUSTED_BOXPLOT,
             FALLBACK_MULTISCALE, FALLBACK_MULTISCALE_FDR, FALLBACK_MULTISCALE_NULL)
FALLBACK_LABELS = {
    FALLBACK_OUTLIER: "robust outlier rule",
    FALLBACK_CFAR_ENL: f"CFAR (false-alarm rate {cfar.PFA:g}, looks = image ENL)",
    FALLBACK_CFAR_MEDIAN: f"CFAR (false-alarm rate {cfar.PFA:g}, looks matched to the DI median)",
    FALLBACK_ADJUSTED_BOXPLOT: "adjusted-boxplot outlier fence (Hubert & Vandervieren 2008: skewed body)",
    FALLBACK_MULTISCALE: ("adjusted-boxplot outlier fences (Hubert & Vandervieren 2008) at 5 x 5 and of the "
                          "signed log ratio's coarser means"),
    FALLBACK_MULTISCALE_FDR: ("adjusted-boxplot outlier fence (Hubert & Vandervieren 2008) at 5 x 5 and, on "
                              "the signed log ratio clipped at "
                              f"{multiscale.CLIP_SIGMAS:g} robust sigmas, coarser means beyond "
                              "their fence or the false-discovery-rate cut (Benjamini & Hochberg 1995, "
                              f"q = {multiscale.FDR_Q:g})"),
    FALLBACK_MULTISCALE_NULL: ("adjusted-boxplot outlier fence (Hubert & Vandervieren 2008) at 5 x 5 and, on "
                               "the signed log ratio clipped at "
                               f"{multiscale.CLIP_SIGMAS:g} robust sigmas, coarser means beyond "
                               "their fence or the false-discovery-rate cut (Benjamini & Hochberg 1995, "
                               f"q = {multiscale.FDR_Q:g}) of z-scores standardised by an empirical null "
                               "(Efron 2004)"),
}
#: How the chain's centring measures the offset of image 1 (``core.change.centring``): the median
#: of the pixel log ratio (the former rule, whatever the DI), or the median or the shortest-half
#: midpoint of the DI's own signed statistic (``signed_statistic``: the log ratio of the 3 x 3 means
#: for the window DIs), whose looks bias is that of the window means, not of single pixels.
CENTRE_PIXEL_MEDIAN = "pixel_median"
CENTRE_DI_MEDIAN = "di_median"
CENTRE_DI_SHORTH = "di_shorth"
CENTRINGS = (CENTRE_PIXEL_MEDIAN, CENTRE_DI_MEDIAN, CENTRE_DI_SHORTH)
CENTRING_LABELS = {
    CENTRE_PIXEL_MEDIAN: "median of the pixel log ratio",
    CENTRE_DI_MEDIAN: "median of the DI's signed log ratio",
    CENTRE_DI_SHORTH: "midpoint of the shortest half of the DI's signed log ratio",
}
#: Pixels per strip when labelling a whole array in memory (bounds the patch arrays).
STRIP_PIXELS = 250_000


@dataclass(frozen=True)
class ChainConfig:
    """One unsupervised chain; every field has a fixed value, none is tuned per image pair."""

    method: str = PCA_KMEANS
    di: str = ABS_LOG_RATIO
    size: int = pk.DEFAULT_SIZE  # PCA-KMeans h (pixels)
    components: int = pk.DEFAULT_COMPONENTS  # PCA-KMeans S
    pseudo_labels: str = LABELS_HFCM  # self-supervised: pre-classification
    patch: int = pc.DEFAULT_SIZE  # self-supervised patch side (pixels)
    centre: bool = True  # scale image 1 so that the no-change log ratio sits at 0 dB (gain / looks offset)
    centring: str = CENTRE_PIXEL_MEDIAN  # how that offset is measured (CENTRINGS)
    despeckle: str = ""  # core.speckle.registry filter applied to both dates first ("" = none)
    despeckle_size: int = 7  # its window (pixels); looks estimated per image on the fitting sample
    majority: int = 1  # k x k majority filter of the chain's labels (1 = none; odd, pixels)
    guard: bool = True
    fallback: str = FALLBACK_OUTLIER  # the guard's rule when it replaces the map (FALLBACKS)
    mrf_beta: object = mrf_mod.BETA  # MRF: Potts beta (nats per agreeing neighbour); None = pseudo-likelihood
    mrf_sweeps: int = mrf_mod.SWEEPS  # MRF: synchronous ICM sweeps
    mrf_em: int = mrf_mod.EM_ITERATIONS  # MRF: EM iterations of the Gaussian classes from the split
    mrf_data: str = "kmeans"  # MRF data term: "kmeans" (PCA-KMeans' Gaussians) or "di" (classes of the DI)
    gkl_channel: int = 0  # PCA-KMeans / MRF: window (px, odd) of a Gaussian-KL second channel; 0 = none
    gkl_root: bool = False  # that channel as sqrt(2 KL) (linear in a mean change) instead of the KL (nats)
    fallback_gkl: int = 0  # multi-scale fallback: window (px, odd) of an extra Gaussian-KL fence; 0 = none
    fallback_gkl_root: bool = False  # that fence on sqrt(2 KL) instead of the KL (nats)
    edge_band: int = 0  # pixels: the kept map's band around its changed boundary relabelled by DI (edge_band)
    edge_classifier: int = 0  # pixels: that band relabelled by a per-pair patch MLP of both dates instead
    edge_equal_priors: bool = False  # that MLP not prior-shifted (equal priors in the band)

    def name(self):
        """Short readable name, e.g. 'PCA-KMeans h=5 S=3 on |LR|'."""
        di = {ABS_LOG_RATIO: "|LR|", MEAN_RATIO: "MR3", NEIGHBOURHOOD_RATIO: "NR3",
              LOG_MEAN_RATIO: "|LMR3|"}[self.di]
        if self.method == PCA_KMEANS:
            text = f"PCA-KMeans h={self.size} S={self.components} on {di}"
        elif self.method == FCM:
            text = f"FCM on {di}"
        elif self.method == OUTLIER:
            text = f"Outlier rule on {di}"
        elif self.method == SMOOTHED_KI:
            text = f"KI on {OUTLIER_WINDOW}x{OUTLIER_WINDOW} mean of {di}"
        elif self.method == MRF:
            beta = "PL" if self.mrf_beta is None else f"{self.mrf_beta:g}"
            em = f" EM{self.mrf_em}" if self.mrf_em != mrf_mod.EM_ITERATIONS else ""
            if em and self.mrf_data == "kmeans":  # the EM iterations only fit the fallback's classes
                em += " fallback classes"
            em += " DI classes" if self.mrf_data == "di" else ""
            text = f"PCA-KMeans h={self.size} S={self.components} + MRF beta={beta}{em} on {di}"
        elif self.method == PCANET:
            text = f"HFCM + MLP {self.patch}x{self.patch} of uncertain pixels on dates+{di}"
        else:
            src = {LABELS_HFCM: "HFCM", LABELS_OUTLIER: "outlier rule", LABELS_KI: "smoothed KI",
                   LABELS_CONSENSUS: f"PCA-KMeans h={self.size} & outlier rule"}.get(
                self.pseudo_labels, f"PCA-KMeans h={self.size}")
            text = f"Self-sup. MLP {self.patch}x{self.patch} on LR+{di}, labels {src}"
        if self.gkl_channel:
            text += f" + {'sqrt(2 GKL' if self.gkl_root else 'GKL'}{self.gkl_channel}"
            text += f"{')' if self.gkl_root else ''} channel"
        if self.edge_band:
            text += f", edge band {self.edge_band}"
        if self.edge_classifier:
            text += f", edge classifier {self.edge_classifier}"
            if self.edge_equal_priors:
                text += " (equal priors)"
        if self.despeckle:
            filt = registry.LABELS[self.despeckle].split(" (")[0]
            text = f"{filt} {self.despeckle_size}x{self.despeckle_size} + {text}"
        if self.majority > 1:
            text += f" + {self.majority}x{self.majority} majority"
        if self.fallback == FALLBACK_CFAR_ENL:
            text += ", CFAR fallback (image ENL)"
        elif self.fallback == FALLBACK_CFAR_MEDIAN:
            text += ", CFAR fallback (median-matched looks)"
        elif self.fallback == FALLBACK_ADJUSTED_BOXPLOT:
            text += ", adjusted-boxplot fallback"
        elif self.fallback in MULTISCALE_FALLBACKS:
            scales = "/".join(str(s) for s in multiscale.SCALES)
            rule = {FALLBACK_MULTISCALE: "boxplot", FALLBACK_MULTISCALE_FDR: "clipped FDR"}.get(
                self.fallback, "clipped FDR empirical-null")
            text += f", multi-scale ({scales}) {rule} fallback"
            if self.fallback_gkl:
                stat = f"GKL{self.fallback_gkl}"
                text += f" + {f'sqrt(2 {stat})' if self.fallback_gkl_root else stat} fence"
        if self.centre and self.centring != CENTRE_PIXEL_MEDIAN:
            text += {CENTRE_DI_MEDIAN: ", DI-median centring", CENTRE_DI_SHORTH: ", DI-shorth centring"}[
                self.centring]
        return text + ("" if self.centre else " uncentred") + ("" if self.guard else " (no guard)")

    def check(self):
        """ValueError naming the field for unknown choices."""
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r}; choose one of {METHODS}")
        if self.di not in DI_KINDS:
            raise ValueError(f"unknown difference image {self.di!r}; choose one of {DI_KINDS}")
        if self.despeckle and self.despeckle not in registry.METHODS:
            raise ValueError(f"unknown speckle filter {self.despeckle!r}; choose one of {registry.METHODS}")
        if self.pseudo_labels not in (LABELS_HFCM, LABELS_PCA_KMEANS, LABELS_OUTLIER, LABELS_CONSENSUS,
                                      LABELS_KI):
            raise ValueError(f"unknown pseudo-label source {self.pseudo_labels!r}")
        if self.mrf_sweeps < 0 or (self.mrf_beta is not None and not self.mrf_beta >= 0):
            raise ValueError(f"MRF beta must be >= 0 (or None) and sweeps >= 0, got {self.mrf_beta}, "
                             f"{self.mrf_sweeps}")
        if self.mrf_data not in ("kmeans", "di"):
            raise ValueError(f"unknown MRF data term {self.mrf_data!r}; choose 'kmeans' or 'di'")
        if self.centring not in CENTRINGS:
            raise ValueError(f"unknown centring {self.centring!r}; choose one of {CENTRINGS}")
        if self.fallback not in FALLBACKS:
            raise ValueError(f"unknown fallback {self.fallback!r}; choose one of {FALLBACKS}")
        if self.fallback in (FALLBACK_CFAR_ENL, FALLBACK_CFAR_MEDIAN) and self.despeckle:
            raise ValueError("the CFAR fallback models unfiltered gamma speckle: use it without despeckle")
        if self.gkl_channel and (self.method not in (PCA_KMEANS, MRF) or self.mrf_data != "kmeans"
                                 or self.gkl_channel % 2 == 0):
            raise ValueError("gkl_channel (an odd window) is a channel of PCA-KMeans and of the MRF on its "
                             f"k-means likelihood only; got {self.gkl_channel} with {self.method}, "
                             f"{self.mrf_data}")
        if self.fallback_gkl and (self.fallback not in MULTISCALE_FALLBACKS or self.fallback_gkl % 2 == 0):
            raise ValueError("fallback_gkl (an odd window) is a fence of the multi-scale fallbacks only; got "
                             f"{self.fallback_gkl} with {self.fallback}")
        if not (isinstance(self.edge_band, (int, np.integer)) and self.edge_band >= 0):
            raise ValueError(f"edge_band must be an integer >= 0 (pixels), got {self.edge_band!r}")
        if not (isinstance(self.edge_classifier, (int, np.integer)) and self.edge_classifier >= 0):
            raise ValueError("edge_classifier must be an integer >= 0 (pixels), got "
                             f"{self.edge_classifier!r}")
        if self.edge_band and self.edge_classifier:
            raise ValueError("edge_band and edge_classifier relabel the same band: choose one")
        for name in ("size", "patch", "majority"):
            value = getattr(self, name)
            if value < 1 or value % 2 == 0:
                raise ValueError(f"{name} must be odd and >= 1, got {value}")
        return self


#: The default chain, chosen by the leave-one-pair-out protocol of
#: benchmarks/change_detection.py (--protocol loo; its choice on all pairs, recorded in
#: benchmarks/results/change_detection_loo.json "default"); see README.md.
DEFAULT = ChainConfig(method=MRF, di=LOG_MEAN_RATIO, fallback=FALLBACK_MULTISCALE,
                      centring=CENTRE_DI_MEDIAN)
#: Pre-classification of the self-supervised method when chosen on its own: that of the
#: best-scoring self-supervised candidate of the same run ("best_per_method").
SELF_SUPERVISED_LABELS = LABELS_KI


def di_margin(kind):
    """Pixels the DI ``kind`` reads around a pixel."""
    return DI_WINDOW // 2 if kind in (MEAN_RATIO, NEIGHBOURHOOD_RATIO, LOG_MEAN_RATIO) else 0


def chain_di_margin(config):
    """Pixels the chain's DI and extra channel (``ChainConfig.gkl_channel``) read around a pixel."""
    return max(di_margin(config.di), config.gkl_channel // 2)


def change_index(kind, p1, p2, floor=None):
    """Unsigned DI of two 2-D linear-power arrays (NaN = no data); float32.

    ``abs_log_ratio`` and ``log_mean_ratio`` (absolute) in dB; the two ratio indices in [0, 1).
    """
    if kind == ABS_LOG_RATIO:
        return np.abs(dif.log_ratio(p1, p2, floor))
    if kind == MEAN_RATIO:
        return dif.mean_ratio(p1, p2, DI_WINDOW, floor=floor)
    if kind == NEIGHBOURHOOD_RATIO:
        return dif.neighbourhood_ratio_index(p1, p2, DI_WINDOW, floor=floor)
    if kind == LOG_MEAN_RATIO:
        return np.abs(dif.log_mean_ratio(p1, p2, DI_WINDOW, floor=floor))
    raise ValueError(f"unknown difference image {kind!r}; choose one of {DI_KINDS}")


def _filter_params(config, looks):
    return registry.FilterParams(method=config.despeckle, size=config.despeckle_size, looks=looks)


def despeckle_margin(config):
    """Pixels the despeckling step reads around a pixel (0 without one)."""
    return registry.margin(_filter_params(config, 1.0)) if config.despeckle else 0


def despeckled(config, p1, p2, looks):
    """The pair after the chain's speckle filter (each image with its looks), or as given."""
    if not config.despeckle:
        return p1, p2
    return tuple(registry.power_filter(_filter_params(config, n))(np.asarray(p, np.float32))
                 for p, n in zip((p1, p2), looks))


#: The DIs that are the absolute value of their ``signed_statistic`` (``change_index``).
FOLDED_DIS = (ABS_LOG_RATIO, LOG_MEAN_RATIO)


def signed_statistic(kind, p1, p2, floor=None):
    """The signed log ratio (dB) the DI ``kind`` folds or measures: the pixel log ratio for |LR|, the
    log ratio of the ``DI_WINDOW`` x ``DI_WINDOW`` means for the window DIs; float32, NaN = no data."""
    if kind == ABS_LOG_RATIO:
        return dif.log_ratio(p1, p2, floor)
    return dif.log_mean_ratio(p1, p2, DI_WINDOW, floor=floor)


def centre_offset_db(config, p1_tiles, p2_tiles, floor=None):
    """Offset (dB) the chain's centring removes with ``scale_first_image`` (0 without centring):
    ``config.centring`` (``CENTRINGS``) over the valid pixels of the pair's tiles (0 when none)."""
    if not config.centre:
        return 0.0
    if config.centring == CENTRE_PIXEL_MEDIAN:
        stat = [dif.log_ratio(a, b, floor) for a, b in zip(p1_tiles, p2_tiles)]
    else:
        stat = [signed_statistic(config.di, a, b, floor) for a, b in zip(p1_tiles, p2_tiles)]
    how = centring_mod.SHORTH if config.centring == CENTRE_DI_SHORTH else centring_mod.MEDIAN
    return centring_mod.location(np.concatenate([v.ravel() for v in stat]), how)


def scale_first_image(p1, offset_db):
    """Image 1 (linear power) scaled by 10^(offset_db / 10), so that the centred log ratio is 0 dB."""
    if not offset_db:
        return p1
    return np.asarray(p1, np.float32) * np.float32(10.0 ** (offset_db / 10.0))


def _channels(config, p1, p2, floor, offset_db=0.0):
    """(DI, classifier channels or None) of a (despeckled) pair; image 1 is scaled by 10^(offset_db / 10)."""
    p1 = scale_first_image(p1, offset_db)
    di = change_index(config.di, p1, p2, floor)
    if config.method == PCANET:
        return di, np.stack([_db(p1, floor), _db(p2, floor), di, local_mean(di, OUTLIER_WINDOW)])
    if config.gkl_channel:  # PCA-KMeans / MRF: the Gaussian KL beside the DI (pca_kmeans channels)
        kl = dif.gaussian_kl_divergence(p1, p2, config.gkl_channel, floor)
        return di, (np.sqrt(2.0 * kl) if config.gkl_root else kl)[None].astype(np.float32)
    if config.method != SELF_SUPERVISED:
        return di, None
    lr = dif.log_ratio(p1, p2, floor)
    if config.di == ABS_LOG_RATIO:
        return di, lr[None]
    return di, np.stack([lr, di])


def fallback_kl_statistic(config, p1, p2, floor=None):
    """The fallback's extra KL statistic (``ChainConfig.fallback_gkl``) of a centred, despeckled pair:
    the symmetrised Gaussian KL of the windowed log-intensity (nats, ``core.change.difference``) or
    sqrt(2 KL) (``fallback_gkl_root``; |m1 - m2| / sigma of ln(I) for equal variances); float32."""
    kl = dif.gaussian_kl_divergence(p1, p2, config.fallback_gkl, floor)
    return (np.sqrt(2.0 * kl) if config.fallback_gkl_root else kl).astype(np.float32)


def _db(power, floor):
    """10 log10 of linear power (floored at ``floor`` when given; NaN where not positive), float32."""
    power = np.asarray(power, np.float32)
    if floor:
        power = np.maximum(power, np.float32(floor))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(power > 0, np.float32(10.0) * np.log10(power), np.float32(np.nan)).astype(np.float32)


@dataclass(frozen=True)
class PcanetModel:
    """PCANet pipeline (Gao et al. 2016): hierarchical FCM of the local-mean DI, classifier of the rest.

    Pixels the pre-classification calls changed or unchanged keep its label;
    the uncertain ones are labelled by the patch classifier trained on the
    confident ones (channels: both dates in dB, the DI, its local mean).
    """

    preclass: object  # core.change.fcm.HierarchicalFcm of the local-mean DI
    classifier: object  # core.change.patch_classifier.PatchClassifier

    def labels(self, channels, valid):
        """uint8 1 / 0 / 255 of (4, rows, cols) channels (the last: local-mean DI)."""
        out = self.preclass.labels(np.where(valid, channels[-1], np.nan))
        idx = np.flatnonzero(out.ravel() == fcm_mod.UNCERTAIN)
        if idx.size:
            p = self.classifier.probability_at(channels, idx)
            out.ravel()[idx] = (p > 0.5).astype(np.uint8)
        out[~valid] = NODATA
        return out


def ashman_d(a, b):
    """Ashman's D = sqrt(2) |m_a - m_b| / sqrt(s_a^2 + s_b^2) of two samples (nan if one is empty)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.size < 2 or b.size < 2:
        return float("nan")
    spread = np.sqrt(a.var() + b.var())
    return float(np.sqrt(2.0) * abs(a.mean() - b.mean()) / spread) if spread > 0 else float("inf")


def guard_contrast(changed_values, median, sigma):
    """(median of ``changed_values`` - ``median``) / ``sigma`` (inf when none is changed or sigma is 0)."""
    if np.size(changed_values) == 0:
        return float("inf")
    if not sigma > 0:
        return float("inf") if float(np.median(changed_values)) > median else 0.0
    return float((np.median(changed_values) - median) / sigma)


#: Why the guard replaced a chain's map (GuardReport.reasons), in the order they are checked.
TOO_MANY = "too_many"
UNIMODAL = "unimodal"
IN_TAIL = "in_tail"
IN_MODE = "in_mode"
REASON_TEXT = {
    TOO_MANY: f"more than {MAX_CHANGED_FRACTION:.0%} changed is implausible",
    UNIMODAL: (f"the DI shows no separable change class (bimodality coefficient <= {sep.BC_BIMODAL:.3f} "
               f"and Ashman's D of the fitted classes <= {sep.D_SEPARATED:g})"),
    IN_TAIL: (f"the decision sits in the tail of the DI's body (the changed pixels' median is less than "
              f"{OUTLIER_Z:g} robust sigmas above the DI median, or the fitted body explains more than "
              f"{MAX_BODY_SHARE:.0%} of them)"),
    IN_MODE: f"the changed class lies in the main mode of the DI (< {MODE_Z:g} robust sigmas)",
}


@dataclass(frozen=True)
class GuardReport:
    """What the guard saw on the fitting sample and which rule made the map.

    All separation numbers are of the 5 x 5 local-mean DI of the fitting
    sample (``core.change.separation``).
    """

    changed_fraction: float  # of the chain, before any fallback
    separation: float  # Ashman's D of the local-mean DI between the chain's two hard classes
    contrast: float  # changed pixels' median local-mean DI, robust sigmas above the median of all
    fallback: bool
    final_fraction: float
    outlier_threshold: float  # DI units (local mean), used by the fallback
    bimodality: float = float("nan")  # Sarle's bimodality coefficient of the local-mean DI
    mixture_d: float = float("nan")  # Ashman's D of the two Gaussians fitted from the chain's split
    overlap: float = float("nan")  # overlap of the two fitted components (0 disjoint, 1 nested)
    body_share: float = float("nan")  # share of the changed class the fitted body explains (false alarms)
    reasons: tuple = ()  # why the map was replaced (TOO_MANY, UNIMODAL, IN_TAIL, IN_MODE); empty: kept
    fallback_rule: str = FALLBACK_OUTLIER  # FALLBACKS: the rule that makes the map when ``fallback``
    fallback_looks: tuple = ()  # CFAR fallback: the looks its threshold was calibrated at
    regularised: bool = False  # the fallback's map regularised by the chain's MRF (core.change.mrf)
    fallback_em: int = 0  # EM iterations of the regularised fallback's classes (0: the split's moments)
    offset_db: float = float("nan")  # centring: image 1 scaled by this many dB before the DI
    centring: str = ""  # how that offset was measured (CENTRING_LABELS); "" = no centring
    coarse_fences: tuple = ()  # multi-scale fallback: (window side px, fence dB) of |mean signed statistic|
    coarse_clip: float = 0.0  # multi-scale FDR fallback: the signed statistic clipped to +-this (dB); 0: not
    kl_fence: tuple = ()  # fallback's KL fence (``ChainConfig.fallback_gkl``): (window px, root?, fence); ()
    edge_band: tuple = ()  # ``ChainConfig.edge_band``: (r px, DI threshold or None, share relabelled); ()
    edge_classifier: tuple = ()  # ``ChainConfig.edge_classifier``: (r px, training pixels (unchanged,
    # changed) or None, share of the fitting sample relabelled, prior logit); () off or when the guard
    # fell back

    @property
    def confidence(self):
        """'confident', 'weak' or 'none': how well the DI separates into body and change class."""
        votes = int(self.bimodality > sep.BC_BIMODAL) + int(self.mixture_d > sep.D_SEPARATED)
        return ("none", "weak", "confident")[votes]

    @property
    def centring_suspect(self):
        """Whether the centring offset exceeds what unequal looks explain (``LOOKS_OFFSET_BOUND_DB``)."""
        return bool(self.centring) and abs(self.offset_db) > centring_mod.LOOKS_OFFSET_BOUND_DB

    @property
    def rule(self):
        """Which rule made the map: 'chain' or 'outlier rule'."""
        if not self.fallback:
            return "chain"
        return {FALLBACK_OUTLIER: "outlier rule", FALLBACK_ADJUSTED_BOXPLOT: "adjusted-boxplot rule",
                FALLBACK_MULTISCALE: "multi-scale adjusted-boxplot rule",
                FALLBACK_MULTISCALE_FDR: "multi-scale clipped FDR rule",
                FALLBACK_MULTISCALE_NULL: "multi-scale clipped FDR rule, empirical null"}.get(
                    self.fallback_rule, "CFAR rule")

    def _regularised_text(self):
        if not self.regularised:
            return ""
        classes = (f", its two Gaussian classes of the local-mean DI fitted by {self.fallback_em} EM "
                   "iterations from that split" if self.fallback_em else "")
        return ", regularised by the Markov random field" + classes

    def _coarse_text(self):
        if not self.coarse_fences:
            return ""
        scales = ", ".join(f"{w} x {w} > {f:.3g}" for w, f in self.coarse_fences)
        clip = f" clipped at +-{self.coarse_clip:.3g}" if self.coarse_clip else ""
        kl = ""
        if self.kl_fence:
            size, root, fence = self.kl_fence
            stat = "sqrt(2 KL)" if root else "KL (nats)"
            kl = (f"; or the Gaussian {stat} of the {size} x {size} log-intensity above its adjusted-boxplot "
                  f"fence {fence:.3g}")
        return (f"; or |mean of the signed log ratio{clip}| above its own bar at {scales}{kl}, "
                f"the union cleaned by a {multiscale.MAJORITY} x {multiscale.MAJORITY} majority")

    def lines(self):
        """Human-readable summary lines."""
        out = []
        if self.centring:
            out.append(f"centring: image 1 scaled by {self.offset_db:+.3f} dB ({self.centring}), so that "
                       "the unchanged pixels' log ratio sits at 0 dB")
            if self.centring_suspect:
                out.append(f"WARNING: the centring offset ({self.offset_db:+.2f} dB) is more than unequal "
                           f"looks explain (+-{centring_mod.LOOKS_OFFSET_BOUND_DB:.2f} dB): the dates differ "
                           "in calibration or 8-bit stretch, or more than half of the valid pixels changed "
                           "(every chain assumes fewer), and then the map is inverted (the unchanged part "
                           "labelled changed): check it against known areas; if most of the area may have "
                           "changed, run again on an extent with more unchanged ground")
        out += [f"chain labels {100 * self.changed_fraction:.2f} % of the fitting sample as changed; "
               f"changed class {self.contrast:.2f} robust sigmas above the DI median",
               f"separation ({self.confidence}): bimodality coefficient of the local-mean DI "
               f"{self.bimodality:.3f} (> {sep.BC_BIMODAL:.3f} suggests two modes); two Gaussians fitted "
               f"from the chain's split: Ashman's D {self.mixture_d:.2f} (> {sep.D_SEPARATED:g}: clean "
               f"separation), overlap {self.overlap:.2f} (0 disjoint, 1 nested), "
               f"{100 * self.body_share:.1f} % of the changed class explained as the body's tail"]
        if self.fallback:
            why = "; ".join(REASON_TEXT[r] for r in self.reasons)
            looks = " / ".join(f"{n:.2f}" for n in self.fallback_looks)
            looks = f", looks {looks}" if looks else ""
            out.append(f"GUARD: {why}; the map uses "
                       f"the {FALLBACK_LABELS[self.fallback_rule]}{looks} (local mean DI > "
                       f"{self.outlier_threshold:.4g}"
                       f"{self._regularised_text()}{self._coarse_text()}): "
                       f"{100 * self.final_fraction:.2f} % changed")
        elif self.confidence != "confident":
            out.append("WARNING: weak separation: changed and unchanged pixels "
                       "overlap; check the map against known areas")
        if self.edge_band and not self.fallback:
            r, t, share = self.edge_band
            if t is None:
                out.append(f"edge band ({r} px): not applied, a class has fewer than "
                           f"{edge_band.MIN_INTERIOR} interior pixels on the fitting sample")
            else:
                out.append(f"edge band: the pixels within {r} px of the changed class's boundary "
                           f"relabelled by DI > {t:.4g} (equal-error threshold of the interior classes' DI): "
                           f"{100 * share:.2f} % of the fitting sample relabelled, "
                           f"{100 * self.final_fraction:.2f} % changed")
        if self.edge_classifier and not self.fallback:
            r, counts, share, logit = self.edge_classifier
            prior = "equal priors" if logit == 0 else f"prior-shifted by logit {logit:.2f}"
            if counts is None:
                out.append(f"edge classifier ({r} px): not applied, a class has fewer than "
                           f"{edge_classifier.MIN_INTERIOR} interior pixels on the fitting sample")
            else:
                k, m = edge_classifier.SIZE, edge_classifier.MEAN_WINDOW
                out.append(f"edge classifier: the pixels within {r} px of the changed class's boundary "
                           f"relabelled by a {k} x {k} patch MLP of both dates' {m} x {m} means, "
                           f"trained on {counts[0]} unchanged and {counts[1]} changed interior pixels of the "
                           f"fitting sample ({prior}, P >= 0.5): {100 * share:.2f} % of the fitting "
                           f"sample relabelled, {100 * self.final_fraction:.2f} % changed")
        return out


def guard_reasons(fraction, contrast, bimodality, mixture_d, body_share):
    """Reasons (TOO_MANY, UNIMODAL, IN_TAIL, IN_MODE) to replace a chain's map; empty to keep it.

    UNIMODAL is listed only beside IN_TAIL: a unimodal DI whose changed class lies beyond the
    body's tail keeps the chain's map (module docstring).
    """
    reasons = []
    if fraction > MAX_CHANGED_FRACTION:
        reasons.append(TOO_MANY)
    in_tail = contrast < OUTLIER_Z or body_share > MAX_BODY_SHARE
    if in_tail and not (bimodality > sep.BC_BIMODAL or mixture_d > sep.D_SEPARATED):
        reasons.append(UNIMODAL)
    if in_tail:
        reasons.append(IN_TAIL)
    if contrast < MODE_Z:
        reasons.append(IN_MODE)
    return tuple(reasons)


@dataclass(frozen=True)
class FittedChain:
    """A chain fitted on one pair; ``labels`` maps power blocks to a change mask."""

    config: ChainConfig
    floor: object
    offset_db: float  # centring offset of the fitting sample (dB, ``centre_offset_db``), removed first
    looks: tuple  # (image 1, image 2) ENL for the speckle filter (estimated on the fitting sample)
    model: object  # PcaKMeans, HierarchicalFcm, PatchClassifier or None (outlier rule)
    outlier_threshold: float  # local-mean DI units
    guard: GuardReport = field(default=None)
    fallback_model: object = None  # MRF chains: core.change.mrf.MrfModel of the fallback's map
    coarse: object = None  # multi-scale fallback: core.change.multiscale.CoarseFences added to that map
    kl_fence: object = None  # ChainConfig.fallback_gkl: fence of ``fallback_kl_statistic`` added too; None
    edge_threshold: object = None  # ChainConfig.edge_band: the band's DI threshold (``edge_band``); None: off
    edge_model: object = None  # ChainConfig.edge_classifier: ``edge_classifier.EdgeClassifier``; None: off

    def _fallback_margin(self):
        base = OUTLIER_WINDOW // 2 if self.fallback_model is None else self.fallback_model.margin
        if self.coarse is None:
            return base
        kl = self.config.fallback_gkl // 2 + self.coarse.majority // 2 if self.kl_fence is not None else 0
        return max(base + self.coarse.majority // 2, self.coarse.margin, kl)

    @property
    def margin(self):
        """Pixels read around each output pixel."""
        reach = {PCA_KMEANS: self.config.size // 2, FCM: 0, SELF_SUPERVISED: self.config.patch // 2,
                 OUTLIER: OUTLIER_WINDOW // 2, SMOOTHED_KI: OUTLIER_WINDOW // 2,
                 PCANET: self.config.patch // 2 + OUTLIER_WINDOW // 2,
                 MRF: self.config.size // 2 + self.config.mrf_sweeps}
        inner = reach[self.config.method] + self.config.majority // 2
        if self.edge_threshold is not None:
            inner += self.config.edge_band
        if self.edge_model is not None:
            inner += self.edge_model.margin
        if self.guard is not None and self.guard.fallback:
            return self.fallback_margin
        return despeckle_margin(self.config) + chain_di_margin(self.config) + inner

    @property
    def fallback_margin(self):
        """Pixels ``fallback_labels`` reads around each output pixel."""
        return despeckle_margin(self.config) + di_margin(self.config.di) + self._fallback_margin()

    def chain_labels(self, p1, p2):
        """Labels of the chain itself (no guard): uint8 1 / 0 / 255 no data."""
        p1, p2 = despeckled(self.config, p1, p2, self.looks)
        di, channels = _channels(self.config, p1, p2, self.floor, self.offset_db)
        labels = edge_band.relabel(self._labels_from(di, channels), di, self.config.edge_band,
                                   self.edge_threshold)
        if self.edge_model is None:
            return labels
        return self.edge_model.relabel(labels, self.edge_channels(p1, p2))

    def edge_channels(self, p1, p2):
        """``edge_classifier.channels`` of a despeckled pair, image 1 scaled by the chain's offset."""
        return edge_classifier.channels(scale_first_image(p1, self.offset_db), p2, self.floor)

    def difference_image(self, p1, p2):
        """The chain's unsigned DI (after the offset) of 2-D power arrays, float32."""
        return self._despeckled_di(*despeckled(self.config, p1, p2, self.looks))

    def _despeckled_di(self, p1, p2):
        return _channels(replace(self.config, method=OUTLIER), p1, p2, self.floor, self.offset_db)[0]

    def _labels_from(self, di, channels):
        labels = self._method_labels(di, channels)
        return majority_filter(labels, self.config.majority) if self.config.majority > 1 else labels

    def _method_labels(self, di, channels):
        if self.config.method == OUTLIER:
            return self.outlier_labels(di)
        if self.config.method == SMOOTHED_KI:
            return _above(di, self.model)
        if self.config.method in (PCA_KMEANS, MRF):
            return self.model.labels(di if channels is None else np.concatenate([di[None], channels]))
        if self.config.method == FCM:
            return self.model.two_class(di)
        return self.model.labels(channels, valid=np.isfinite(di))  # self-supervised, PCANet

    def outlier_labels(self, di):
        """Robust outlier rule (module docstring) on a DI array: uint8 1 / 0 / 255."""
        return _above(di, self.outlier_threshold)

    def signed_image(self, p1, p2):
        """The signed statistic the DI folds (``signed_statistic``, after the offset), float32 dB."""
        p1, p2 = despeckled(self.config, p1, p2, self.looks)
        return signed_statistic(self.config.di, scale_first_image(p1, self.offset_db), p2, self.floor)

    def labels(self, p1, p2):
        """Change mask (uint8: 1 changed, 0 unchanged, 255 no data) of 2-D power arrays."""
        if self.guard is not None and self.guard.fallback:
            return self.fallback_labels(p1, p2)
        return self.chain_labels(p1, p2)

    def fallback_labels(self, p1, p2):
        """Labels of the guard's fallback rule (whether or not it fired): uint8 1 / 0 / 255 no data."""
        signed = kl = None
        if self.coarse is None:
            di = self.difference_image(p1, p2)
        else:  # the pair despeckled once; |LR| and |LMR3| are the signed statistic folded, not computed again
            p1, p2 = despeckled(self.config, p1, p2, self.looks)
            centred = scale_first_image(p1, self.offset_db)
            signed = signed_statistic(self.config.di, centred, p2, self.floor)
            di = np.abs(signed) if self.config.di in FOLDED_DIS else self._despeckled_di(p1, p2)
            if self.kl_fence is not None:
                kl = fallback_kl_statistic(self.config, centred, p2, self.floor)
        return self.fallback_map(di, signed, kl)

    def fallback_map(self, di, signed=None, kl=None):
        """The fallback's labels of a DI block and (multi-scale fallbacks) its signed statistic and
        (``ChainConfig.fallback_gkl``) its KL statistic, flagged above ``kl_fence``."""
        base = self.outlier_labels(di) if self.fallback_model is None else self.fallback_model.labels(di)
        if signed is None:
            return base
        extra = None
        if kl is not None and self.kl_fence is not None:
            with np.errstate(invalid="ignore"):
                extra = kl > self.kl_fence
        return self.coarse.labels(base, signed, extra)


def _above(di, threshold):
    """uint8 1 where the local mean of ``di`` exceeds ``threshold``, 0 below, 255 where ``di`` is NaN."""
    out = (local_mean(di, OUTLIER_WINDOW) > threshold).astype(np.uint8)
    out[~np.isfinite(di)] = NODATA
    return out


def majority_filter(labels, size):
    """Changed (1) where more than half of the valid labels in the ``size`` x ``size`` window are.

    ``labels``: uint8 1 / 0 / 255 no data; no-data pixels stay 255 and do not
    vote, nor do pixels outside the array (so a block run with a margin of
    ``size // 2`` equals the whole-array run).
    """
    votes = np.where(labels == NODATA, np.nan, labels == CHANGED).astype(np.float32)
    out = (local_mean(votes, size) > 0.5).astype(np.uint8)
    out[labels == NODATA] = NODATA
    return out


def smoothed_ki_threshold(local_values):
    """Kittler-Illingworth threshold (increase side) of local-mean DI values (DI units)."""
    from . import thresholds as th

    return float(th.kittler_illingworth(local_values, side=th.INCREASE).threshold)


def in_strips(func, arrays, margin, strip_pixels=STRIP_PIXELS):
    """Apply ``func(*arrays) -> 2-D`` in row strips with a ``margin`` halo (bounded memory).

    Equal to ``func`` on the whole arrays when ``func`` reads at most
    ``margin`` pixels around a pixel and treats outside pixels as no data.
    """
    rows, cols = arrays[0].shape[-2:]
    step = max(1, strip_pixels // max(cols, 1))
    parts = []
    for y in range(0, rows, step):
        lo, hi = max(0, y - margin), min(rows, y + step + margin)
        out = func(*(a[..., lo:hi, :] for a in arrays))
        parts.append(out[y - lo:y - lo + min(step, rows - y)])
    return np.concatenate(parts, axis=0)


def _tiles(x):
    return [x] if np.ndim(x) == 2 else list(x)


def _outlier_stats(di_tiles):
    """(median, sigma from the MAD) of the local-mean DI over the valid pixels of the tiles."""
    local = [local_mean(d, OUTLIER_WINDOW) for d in di_tiles]
    lm = np.concatenate([m[np.isfinite(d)] for m, d in zip(local, di_tiles)])
    med = float(np.median(lm))
    return med, 1.4826 * float(np.median(np.abs(lm - med))), local, lm


def _pseudo_labels(config, di_tiles, seed):
    """Pre-classification label tiles (1, 0, 2 uncertain, 255) for the self-supervised classifier."""
    if config.pseudo_labels == LABELS_CONSENSUS:
        a = _pseudo_labels(replace(config, pseudo_labels=LABELS_PCA_KMEANS), di_tiles, seed)
        b = _pseudo_labels(replace(config, pseudo_labels=LABELS_OUTLIER), di_tiles, seed)
        out = []
        for x, y in zip(a, b):
            lab = np.where(x == y, x, fcm_mod.UNCERTAIN).astype(np.uint8)
            lab[(x == NODATA) | (y == NODATA)] = NODATA
            out.append(lab)
        return out
    if config.pseudo_labels == LABELS_KI:
        _, _, local, lm = _outlier_stats(di_tiles)
        t = smoothed_ki_threshold(lm)
        out = []
        for m, d in zip(local, di_tiles):
            lab = np.where(m > t, CHANGED, UNCHANGED).astype(np.uint8)
            lab[np.abs(m - t) < KI_UNCERTAIN * abs(t)] = fcm_mod.UNCERTAIN
            lab[~np.isfinite(d)] = NODATA
            out.append(lab)
        return out
    if config.pseudo_labels == LABELS_OUTLIER:
        med, sigma, local, _ = _outlier_stats(di_tiles)
        out = []
        for m, d in zip(local, di_tiles):
            lab = np.full(d.shape, fcm_mod.UNCERTAIN, np.uint8)
            lab[m > med + OUTLIER_Z * sigma] = CHANGED
            lab[m < med + OUTLIER_UNCHANGED_Z * sigma] = UNCHANGED
            lab[~np.isfinite(d)] = NODATA
            out.append(lab)
        return out
    if config.pseudo_labels == LABELS_HFCM:
        values = np.concatenate([t[np.isfinite(t)] for t in di_tiles])
        hfcm = fcm_mod.fit_hierarchical(values, seed=seed)
        return [hfcm.labels(t) for t in di_tiles]
    model = pk.fit(di_tiles, config.size, config.components, seed=seed)
    out = []
    for t in di_tiles:
        d = in_strips(lambda a: model.distances(a), [t], model.margin)
        near, far = np.minimum(d[..., 0], d[..., 1]), np.maximum(d[..., 0], d[..., 1])
        lab = np.where(d[..., 1] < d[..., 0], CHANGED, UNCHANGED).astype(np.uint8)
        lab[near > PCA_CONFIDENT_RATIO * far] = fcm_mod.UNCERTAIN
        lab[~np.isfinite(t)] = NODATA
        out.append(lab)
    return out


def image_looks(tiles, window=9):
    """ENL of an image from its tiles (``core.speckle.enl``: 1 / mode of the local CV^2 in 9 x 9 windows)."""
    cv2 = np.concatenate([enl_stats.local_cv2(t, window) for t in tiles])
    return float(enl_stats.estimate_enl(cv2))


def _feature_tiles(pairs):
    """PCA-KMeans input of (DI, channels) tiles: the DI, or (1 + C, rows, cols) with its extra channels."""
    return [d if c is None else np.concatenate([d[None], c]) for d, c in pairs]


def fit_chain(p1_tiles, p2_tiles, config=DEFAULT, floor=None, seed=0):
    """Fit ``config`` on tiles of a pair (2-D linear power arrays, NaN = no data); returns FittedChain.

    ``floor``: linear power floor for ratios (None: refuse power <= 0, see
    ``core.change.difference``). The guard (module docstring) is evaluated on
    the same tiles when ``config.guard``.
    """
    config.check()
    p1_tiles, p2_tiles = _tiles(p1_tiles), _tiles(p2_tiles)
    raw = (p1_tiles, p2_tiles)
    looks = (1.0, 1.0)
    if config.despeckle:
        looks = tuple(image_looks(tiles) for tiles in (p1_tiles, p2_tiles))
        pairs = [despeckled(config, a, b, looks) for a, b in zip(p1_tiles, p2_tiles)]
        p1_tiles, p2_tiles = [a for a, _ in pairs], [b for _, b in pairs]
    offset = centre_offset_db(config, p1_tiles, p2_tiles, floor)
    pairs = [_channels(config, a, b, floor, offset) for a, b in zip(p1_tiles, p2_tiles)]
    di_tiles = [d for d, _ in pairs]
    finite = np.concatenate([d[np.isfinite(d)] for d in di_tiles])
    if finite.size == 0:
        raise ValueError("no pixel is valid in both images (all no data)")
    if finite.min() == finite.max():
        raise ValueError(f"the difference image is {finite[0]:.4g} at every valid pixel: the two images are "
                         "identical (up to a constant gain), so nothing can be found changed; choose two "
                         "different dates")
    med, sigma, local, lm = _outlier_stats(di_tiles)
    threshold = med + OUTLIER_Z * sigma
    if config.method == OUTLIER:
        model = None
    elif config.method == SMOOTHED_KI:
        model = smoothed_ki_threshold(lm)
    elif config.method == PCA_KMEANS:
        model = pk.fit(_feature_tiles(pairs), config.size, config.components, seed=seed)
    elif config.method == MRF:
        feature_tiles = _feature_tiles(pairs)
        initial = pk.fit(feature_tiles, config.size, config.components, seed=seed)
        model = mrf_mod.fit(initial, feature_tiles, config.mrf_beta, config.mrf_sweeps, seed=seed,
                            strips=in_strips, em=config.mrf_em, kmeans=config.mrf_data == "kmeans")
    elif config.method == FCM:
        model = fcm_mod.HierarchicalFcm(fcm_mod.fit_two_class(finite, seed), None, (), float("nan"))
    elif config.method == PCANET:
        preclass = fcm_mod.fit_hierarchical(lm, seed=seed)
        labels = [np.where(np.isfinite(d), preclass.labels(m), NODATA).astype(np.uint8)
                  for m, d in zip(local, di_tiles)]
        try:
            classifier = pc.train([c for _, c in pairs], labels, size=config.patch, seed=seed)
            model = PcanetModel(preclass, classifier)
        except pc.TooFewLabels:  # no usable split: the outlier rule labels the pair instead
            return fit_chain(*raw, replace(config, method=OUTLIER), floor, seed)
    else:
        labels = _pseudo_labels(config, di_tiles, seed)
        try:
            model = pc.train([c for _, c in pairs], labels, size=config.patch, seed=seed)
        except pc.TooFewLabels:  # no usable split: the outlier rule labels the pair instead
            return fit_chain(*raw, replace(config, method=OUTLIER), floor, seed)
    fitted = FittedChain(config, floor, offset, looks, model, threshold)
    if not config.guard and not config.edge_band and not config.edge_classifier:
        return fitted
    margin = fitted.margin
    chain = [in_strips(lambda d, *c: fitted._labels_from(d, np.stack(c) if c else None),
                       [d] + ([] if c is None else list(c)), margin) for d, c in pairs]
    if config.edge_band:  # fitted on the chain's own labels, before any relabelling
        fitted = replace(fitted, edge_threshold=edge_band.fit_threshold(chain, di_tiles, config.edge_band))
    edge_tiles = []
    if config.edge_classifier:  # trained on the chain's own labels (only if the guard keeps them, below)
        edge_tiles = [fitted.edge_channels(a, b) for a, b in zip(p1_tiles, p2_tiles)]

    def fit_edge_model():
        return edge_classifier.fit(chain, edge_tiles, config.edge_classifier, seed=seed,
                                   equal_priors=config.edge_equal_priors)

    def relabelled_share(relabelled):  # share of the fitting sample's valid pixels a relabelling changed
        changes = sum(int(np.count_nonzero(a != b)) for a, b in zip(relabelled, chain))
        return changes / max(sum(int(np.isfinite(d).sum()) for d in di_tiles), 1)

    if not config.guard:
        if config.edge_classifier:
            fitted = replace(fitted, edge_model=fit_edge_model())
        return fitted
    band = ()
    if config.edge_band:  # what the band did on the fitting sample, for the guard's report
        t = fitted.edge_threshold
        relabelled = [edge_band.relabel(c, d, config.edge_band, t) for c, d in zip(chain, di_tiles)]
        band = (config.edge_band, t, relabelled_share(relabelled))
    lab = np.concatenate([c[np.isfinite(d)] for c, d in zip(chain, di_tiles)])
    fraction = float(np.count_nonzero(lab == CHANGED)) / max(lab.size, 1)
    separation = ashman_d(lm[lab == CHANGED], lm[lab == UNCHANGED])
    contrast = guard_contrast(lm[lab == CHANGED], med, sigma)
    mixture = sep.fit_mixture(lm, lab == CHANGED)
    bimodality, body_share = sep.bimodality_coefficient(lm), mixture.body_share(lm[lab == CHANGED])
    reasons = guard_reasons(fraction, contrast, bimodality, mixture.ashman_d, body_share)
    fallback = bool(reasons)
    fallback_looks = ()
    learned = ()
    if config.edge_classifier and not fallback:  # the fallback's map is never relabelled
        model = fit_edge_model()
        fitted = replace(fitted, edge_model=model)
        relabelled = [model.relabel(c, e) for c, e in zip(chain, edge_tiles)]
        counts = None if model.classifier is None else model.classifier.train_counts
        logit = 0.0 if model.classifier is None else model.classifier.prior_logit
        learned = (config.edge_classifier, counts, relabelled_share(relabelled), logit)
    if fallback and config.fallback in (FALLBACK_ADJUSTED_BOXPLOT,) + MULTISCALE_FALLBACKS:
        threshold = skewed_outliers.upper_fence(lm)
        fitted = replace(fitted, outlier_threshold=threshold)
    elif fallback and config.fallback != FALLBACK_OUTLIER:
        threshold, fallback_looks = cfar_threshold(config, raw, med)
        fitted = replace(fitted, outlier_threshold=threshold)
    if fallback and config.method == MRF:
        rule = mrf_mod.ThresholdRule(threshold, OUTLIER_WINDOW)
        fitted = replace(fitted, fallback_model=mrf_mod.fit(
            rule, di_tiles, config.mrf_beta, config.mrf_sweeps, seed=seed, strips=in_strips,
            smooth=OUTLIER_WINDOW, em=config.mrf_em))
    signed = centred = None
    if fallback and config.fallback in MULTISCALE_FALLBACKS:
        # the fitting tiles are despeckled already: their signed statistic is computed once, here
        centred = [scale_first_image(a, offset) for a in p1_tiles]
        signed = [signed_statistic(config.di, c, b, floor) for c, b in zip(centred, p2_tiles)]
        robust = config.fallback in FDR_FALLBACKS
        null = multiscale.EMPIRICAL_NULL if config.fallback == FALLBACK_MULTISCALE_NULL else None
        fitted = replace(fitted, coarse=multiscale.fit(
            signed, [np.isfinite(d) for d in di_tiles], clip_sigmas=multiscale.CLIP_SIGMAS if robust else 0.0,
            fdr=multiscale.FDR_Q if robust else 0.0, null=null))
    kl_tiles = [None] * len(di_tiles)
    if fitted.coarse is not None and config.fallback_gkl:
        kl_tiles = [fallback_kl_statistic(config, c, b, floor) for c, b in zip(centred, p2_tiles)]
        values = np.concatenate([k[np.isfinite(d)] for k, d in zip(kl_tiles, di_tiles)])
        values = values[np.isfinite(values)]
        fence = skewed_outliers.upper_fence(values) if values.size else float("inf")
        fitted = replace(fitted, kl_fence=float(fence))
    final = float(np.count_nonzero(lm > threshold)) / lm.size if fallback else fraction
    if (band or learned) and not fallback:
        final = float(np.mean(np.concatenate([m[np.isfinite(d)] for m, d in zip(relabelled, di_tiles)])
                              == CHANGED))
    if fitted.coarse is not None:
        maps = [fitted.fallback_map(d, s, k) for d, s, k in zip(di_tiles, signed, kl_tiles)]
        final = float(np.mean(np.concatenate([m[np.isfinite(d)] for m, d in zip(maps, di_tiles)]) == CHANGED))
    elif fitted.fallback_model is not None:
        maps = [in_strips(fitted.fallback_model.labels, [d], fitted.fallback_model.margin) for d in di_tiles]
        final = float(np.mean(np.concatenate([m[np.isfinite(d)] for m, d in zip(maps, di_tiles)]) == CHANGED))
    report = GuardReport(fraction, separation, contrast, fallback, final, threshold, bimodality,
                         mixture.ashman_d, mixture.overlap(), body_share, reasons, config.fallback,
                         fallback_looks, fitted.fallback_model is not None,
                         config.mrf_em if fitted.fallback_model is not None else 0, offset,
                         CENTRING_LABELS[config.centring] if config.centre else "",
                         () if fitted.coarse is None else tuple(zip(fitted.coarse.scales,
                                                                    fitted.coarse.fences)),
                         0.0 if fitted.coarse is None else fitted.coarse.clip,
                         () if fitted.kl_fence is None else (config.fallback_gkl, config.fallback_gkl_root,
                                                             fitted.kl_fence), band, learned)
    return replace(fitted, guard=report)


def cfar_threshold(config, raw_tiles, median):
    """(threshold of the local-mean DI, looks) of the chain's CFAR fallback (``core.change.cfar``).

    ``raw_tiles``: (image 1 tiles, image 2 tiles) in linear power, as given;
    ``median``: the median local-mean DI of the fitting sample (DI units).
    """
    if config.fallback == FALLBACK_CFAR_ENL:
        looks = tuple(image_looks(tiles) for tiles in raw_tiles)
        return cfar.threshold_for_looks(config.di, *looks, OUTLIER_WINDOW), looks
    looks = cfar.effective_looks(config.di, median, OUTLIER_WINDOW)
    return cfar.threshold_for_median(config.di, median, OUTLIER_WINDOW), (looks,)


def detect(p1, p2, config=DEFAULT, floor=None, seed=0, exclude=None):
    """Fit and apply ``config`` to a whole 2-D pair in memory: (mask uint8, FittedChain).

    ``exclude``: optional exclusion mask on the pair's grid (``core.change.exclusion``: non-zero pixels
    are no data for every statistic and window of the chain, then written unchanged, 0).
    """
    arrays = [np.asarray(p1, np.float32), np.asarray(p2, np.float32)]
    if exclude is None:
        fitted = fit_chain(p1, p2, config, floor, seed)
        return in_strips(fitted.labels, arrays, fitted.margin), fitted
    fitted = fit_chain(*exclusion.masked_pair(*arrays, exclude), config, floor, seed)
    mask = in_strips(lambda a, b, e: exclusion.labels_with(fitted.labels, a, b, e),
                     arrays + [np.asarray(exclude, np.float32)], fitted.margin)
    return mask, fitted


def method_config(method, di=None):
    """The chain of one method on ``di`` (default's when None), the default's speckle filter, fallback,
    centring and (MRF) EM iterations of the fallback's classes."""
    di = DEFAULT.di if di is None else di
    return ChainConfig(method=method, di=di, pseudo_labels=SELF_SUPERVISED_LABELS,
                       despeckle=DEFAULT.despeckle, fallback=DEFAULT.fallback, centring=DEFAULT.centring,
                       mrf_em=DEFAULT.mrf_em)
