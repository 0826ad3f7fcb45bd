"""The Residual U-Net of coherence-from-intensity models (torch).

After Sica, Pulella & Schmitt ("Beyond Backscatter: InSAR coherence from
detected SAR images"): a U-Net (Ronneberger, Fischer & Brox 2015) whose
blocks are residual blocks with projection shortcuts (He, Zhang, Ren & Sun
2016: a 1x1 convolution where the width changes), encoder widths 32 to 256,
a 512-channel bridge and bilinear upsampling in the decoder, all widths times
``width_scale`` (``config.widths``). Two 1x1 heads give the coherence (sigmoid)
and the log-variance of a Gaussian likelihood (Nix & Weigend 1994); the
exported sigma is exp(log-variance / 2) times ``sigma_scale``, a buffer fitted
after training on the validation pairs (1 while training).

Inside the graph: the dB inputs are clamped to [DB_FLOOR, DB_CEIL] and
normalised with the training statistics (buffers), and the date difference
(dB) and its magnitude are added as features (the speckle of a coherent pair
is correlated, so their dB difference is small). A strided stem brings the
features to 1/stem of the input resolution; the heads are upsampled back
bilinearly.

Full-resolution refinement (``refine`` > 0 hidden channels): the coarse heads
see the images at 1/stem of their resolution, but the 3 x 3 reference shares
its speckle with the intensities of its own pixels (the exact posterior of the
reference given the truth is 0.107 RMSE from it, given the truth and every
pixel's intensities 0.090: benchmarks/results/coherence_limits*.md). A
per-pixel MLP (1x1 convolutions) at the input resolution takes the upsampled
head outputs (coherence logit, log-variance), the per-pixel features above, each
date's dB against its 3 x 3 mean, and two 3 x 3 window statistics of the
linear intensities: the intensity-correlation coherence (Catelli, Monti
Guarnieri & Prati 1996, the window-correlation form of
``core.coherence.estimation.intensity_coherence``, which the tests check it
against) and the amplitude similarity sum sqrt(I1 I2) / sqrt(sum I1 sum I2),
an upper bound of the window's sample coherence (Cauchy-Schwarz); it adds a
correction to both head outputs. Its last layer starts at zero, so a model
initialised from one without it starts as that model. ``window_stem``: the
same four window features also enter the stem, by a convolution of their own
(zero at the start, for the same reason), so that the coarse network averages
them and not only the per-pixel dB features. ``stem_blocks``: residual blocks of the first level's width
after the stem, at its resolution (1/stem), before the first encoder level; each starts as the identity
(its output convolution is zero and its input is the stem's ReLU output), so a model initialised from one
without them starts as that model.

Weather conditions (``use_weather``; ``schema.WEATHER_NAMES``: rain,
snowfall and melt between the dates, wind on each date, the simulator's
resets of temporal decorrelation) enter by feature-wise linear modulation
(FiLM, Perez, Strub, de Vries, Dumoulin & Courville 2018, AAAI): a small MLP
embeds [value x known, known] per condition (NaN = unknown, known = 0; values
log- or affinely scaled in the graph, ``schema.weather_transform``), and each
level's features y become y (1 + dg) + db with (dg, db) a linear map of the
embedding MINUS the same map of the all-unknown vector's embedding. With every
condition unknown the modulation is exactly the identity, so the network is
then exactly its unconditioned self (the path a user without weather data
gets); the FiLM maps start at zero, so a model initialised from an
unconditioned one starts as that model. Training masks the conditions at
random (``config.TRAINING`` ``weather_dropout``, ``condition_dropout``).
"""
import torch
import torch.nn.functional as F
from torch import nn

from ..framework.loop import count_parameters  # noqa: F401 (the trainers and exporters take it from here)
from . import config as cfg
from . import schema

#: Log-variance clamp (coherence units squared): sigma between exp(-6) ~ 0.0025 and exp(1) ~ 2.7.
LOGVAR_MIN, LOGVAR_MAX = -12.0, 2.0
#: Days the baseline input is divided by (the training revisit).
BASELINE_SCALE_DAYS = 12.0
#: Width of the weather embedding (features of the MLP that feeds the FiLM maps).
WEATHER_EMBEDDING = 32
#: Inputs of the full-resolution refinement: 2 head outputs, 4 per-pixel features, 2 dB against the
#: 3 x 3 mean, the 3 x 3 intensity-correlation coherence and amplitude similarity.
REFINE_INPUTS = 6 + 4
#: The window features (``CoherenceUNet.pixel_window_features``), channels in order.
WINDOW_FEATURES = ("dB 1 against its window mean", "dB 2 against its window mean",
                   "intensity-correlation coherence", "amplitude similarity")
#: Side (pixels) of the refinement's windows: the simulator's reference window.
REFINE_WINDOW = 3
#: dB per unit of the refinement's "dB against the window mean" features.
REFINE_DB_SCALE = 5.0


def window_intensity_statistics(images_db, window=REFINE_WINDOW):
    """(intensity-correlation coherence, amplitude similarity), each (B, 1, H, W), over ``window`` x
    ``window`` pixels of the two dates' linear intensities from clamped dB ``images_db`` (B, 2, H, W); at
    the borders over the pixels inside the image.

    The first is sqrt(clip(rho, 0, 1)) with rho the window's Pearson correlation of the two intensities
    (``core.coherence.estimation.intensity_coherence`` with PEARSON: Catelli, Monti Guarnieri & Prati 1996,
    E[rho] = |gamma|^2); the second sum sqrt(I1 I2) / sqrt(sum I1 sum I2) (1 when the two dates' intensities
    are proportional over the window, and never below the window's sample coherence of the complex looks
    behind the intensities: Cauchy-Schwarz over each pixel's looks, then the triangle inequality).
    """
    lin = torch.exp(images_db * (0.1 * 2.302585092994046))  # 10 ** (dB / 10)
    i1, i2 = lin[:, :1], lin[:, 1:2]
    amp = torch.exp(images_db.sum(1, keepdim=True) * (0.05 * 2.302585092994046))  # sqrt(I1 I2)
    # one pooling of the six window means (a single pass at full resolution)
    means = F.avg_pool2d(torch.cat([lin, lin * lin, i1 * i2, amp], 1), window, stride=1, padding=window // 2,
                         count_include_pad=False)
    m1, m2, e11, e22, e12, m_amp = torch.split(means, 1, dim=1)
    var1 = torch.clamp(e11 - m1 * m1, min=0.0)
    var2 = torch.clamp(e22 - m2 * m2, min=0.0)
    rho = (e12 - m1 * m2) / torch.sqrt(var1 * var2 + 1e-30)
    corr = torch.sqrt(torch.clamp(rho, 0.0, 1.0))
    similarity = torch.clamp(m_amp / torch.sqrt(m1 * m2), 0.0, 1.0)
    return corr, similarity, (m1, m2)


class ResidualBlock(nn.Module):
    """conv3x3-ReLU-conv3x3 plus the shortcut (a 1x1 projection when the width changes), then ReLU.

    No batch normalisation: every weight is a plain initializer of the ONNX
    graph under its state-dict name (the exporter would fold BN into the
    convolutions), so an exported model is a complete starting point for
    transfer learning; the output convolution of the residual branch starts at
    zero (each block starts as its shortcut, Goyal et al. 2017).
    """

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)
        nn.init.zeros_(self.conv2.bias)
        self.shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x):
        y = self.conv2(F.relu(self.conv1(x)))
        return F.relu(y + (x if self.shortcut is None else self.shortcut(x)))


class CoherenceUNet(nn.Module):
    """Residual U-Net: (images dB (B, 2, H, W)[, baseline days (B, 1)][, weather (B, K)]) -> (B, 2, H, W)
    coherence, sigma."""

    def __init__(self, width_scale=cfg.NETWORK["width_scale"], stem=cfg.NETWORK["stem"],
                 use_baseline=cfg.NETWORK["use_baseline"], use_weather=cfg.NETWORK["use_weather"],
                 refine=cfg.NETWORK["refine"], window_stem=cfg.NETWORK["window_stem"],
                 stem_blocks=cfg.NETWORK["stem_blocks"]):
        super().__init__()
        if int(stem) not in (1, 2, 4):
            raise ValueError(f"stem {stem!r}: use 1, 2 or 4")
        self.width_scale = float(width_scale)
        self.stem_factor = int(stem)
        self.use_baseline = bool(use_baseline)
        self.use_weather = bool(use_weather)
        self.refine_width = int(refine)
        self.window_stem = bool(window_stem)
        self.stem_blocks = int(stem_blocks)
        if self.stem_blocks < 0:
            raise ValueError(f"stem_blocks {stem_blocks!r}: give a number of blocks >= 0")
        if self.refine_width < 0:
            raise ValueError(f"refine {refine!r}: give the hidden width (0: no refinement)")
        enc, bridge = cfg.widths(width_scale)
        self.widths, self.bridge_width = enc, bridge
        features = 5 if self.use_baseline else 4
        k = 2 * self.stem_factor - 1 if self.stem_factor > 1 else 3
        self.stem = nn.Sequential(nn.Conv2d(features, enc[0], k, stride=self.stem_factor, padding=k // 2),
                                  nn.ReLU())
        if self.window_stem:
            self.stem_window = nn.Conv2d(len(WINDOW_FEATURES), enc[0], k, stride=self.stem_factor,
                                         padding=k // 2)
            nn.init.zeros_(self.stem_window.weight)
            nn.init.zeros_(self.stem_window.bias)
        self.stem_extra = nn.ModuleList(ResidualBlock(enc[0], enc[0]) for _ in range(self.stem_blocks))
        self.encoders = nn.ModuleList(
            ResidualBlock(enc[max(i - 1, 0)], c) for i, c in enumerate(enc))
        self.bridge = ResidualBlock(enc[-1], bridge)
        ups = (bridge,) + enc[:0:-1]
        self.decoders = nn.ModuleList(ResidualBlock(cin + c, c) for cin, c in zip(ups, enc[::-1]))
        self.head = nn.Conv2d(enc[0], 2, 1)
        if self.refine_width:
            r = self.refine_width
            self.refine = nn.Sequential(nn.Conv2d(REFINE_INPUTS, r, 1), nn.ReLU(), nn.Conv2d(r, r, 1),
                                        nn.ReLU(), nn.Conv2d(r, 2, 1))
            nn.init.zeros_(self.refine[-1].weight)
            nn.init.zeros_(self.refine[-1].bias)
        if self.use_weather:
            k = 2 * len(schema.WEATHER_NAMES)
            self.weather_mlp = nn.Sequential(nn.Linear(k, WEATHER_EMBEDDING), nn.ReLU(),
                                             nn.Linear(WEATHER_EMBEDDING, WEATHER_EMBEDDING), nn.ReLU())
            # one map per modulated level: stem, encoders, bridge, decoders
            levels = (enc[0],) + enc + (bridge,) + enc[::-1]
            self.film = nn.ModuleList(nn.Linear(WEATHER_EMBEDDING, 2 * c) for c in levels)
            for lin in self.film:
                nn.init.zeros_(lin.weight)
                nn.init.zeros_(lin.bias)
        self.register_buffer("db_mean", torch.tensor(-12.0))
        self.register_buffer("db_std", torch.tensor(5.0))
        self.register_buffer("diff_std", torch.tensor(3.0))
        self.register_buffer("sigma_scale", torch.tensor(1.0))
        #: forward gives both graph outputs (set while exporting; not a weight)
        self.export_correlation = False

    @property
    def depth(self):
        return len(self.widths)

    @property
    def size_multiple(self):
        return self.stem_factor * 2 ** self.depth

    @property
    def config(self):
        return {"width_scale": self.width_scale, "stem": self.stem_factor, "use_baseline": self.use_baseline,
                "use_weather": self.use_weather, "refine": self.refine_width, "window_stem": self.window_stem,
                "stem_blocks": self.stem_blocks}

    def normalisation(self):
        return {"db_mean": float(self.db_mean), "db_std": float(self.db_std),
                "diff_std": float(self.diff_std), "db_clamp": [schema.DB_FLOOR, schema.DB_CEIL]}

    def set_normalisation(self, norm):
        for key in ("db_mean", "db_std", "diff_std"):
            getattr(self, key).fill_(float(norm[key]))

    def weather_embedding(self, weather):
        """(embedding (B, WEATHER_EMBEDDING) of raw ``weather`` (B, K), NaN = unknown; that of the
        all-unknown vector, same shape: one batched product for both, so that the two agree bit for bit)."""
        known = torch.isfinite(weather)
        scale = torch.tensor(schema.WEATHER_SCALE, dtype=weather.dtype)
        offset = torch.tensor(schema.WEATHER_OFFSET, dtype=weather.dtype)
        logged = torch.tensor(schema.WEATHER_LOG, dtype=torch.bool)
        raw = torch.where(known, weather, torch.zeros_like(weather))
        raw = torch.where(logged, torch.log1p(torch.clamp(raw, min=0.0)), raw)
        value = torch.where(known, (raw - offset) / scale, torch.zeros_like(raw))
        feats = torch.cat([value, known.to(weather.dtype)], 1)
        return self.weather_mlp(feats), self.weather_mlp(torch.zeros_like(feats))

    def heads(self, images, baseline=None, weather=None, correlation=False):
        """(coherence (B, 1, H, W) in 0-1, log-variance (B, 1, H, W)) of dB ``images`` (B, 2, H, W);
        ``weather`` (B, K) raw conditions, NaN = unknown (None: all unknown), for a weather model.
        ``correlation``: also the 3 x 3 intensity-correlation coherence (B, 1, H, W) of the window features
        (computed here even when the network does not use them)."""
        films = iter(())
        if self.use_weather and weather is not None:
            emb, unknown = self.weather_embedding(weather)
            # the map of the embedding less the map of the all-unknown embedding: exactly 0 when all unknown
            films = iter([torch.chunk((lin(emb) - lin(unknown))[:, :, None, None], 2, dim=1)
                          for lin in self.film])

        def modulate(y):
            film = next(films, None)
            return y if film is None else y * (1.0 + film[0]) + film[1]

        x = torch.clamp(images, schema.DB_FLOOR, schema.DB_CEIL)
        diff = (x[:, :1] - x[:, 1:2]) / self.diff_std
        feats = [(x - self.db_mean) / self.db_std, diff, diff.abs()]
        if self.use_baseline:
            b = baseline.reshape(-1, 1, 1, 1) / BASELINE_SCALE_DAYS - 1.0
            feats.append(b.expand(-1, 1, x.shape[2], x.shape[3]))
        windowed = self.window_stem or self.refine_width or correlation
        window = self.pixel_window_features(x) if windowed else None
        y = self.stem[0](torch.cat(feats, 1))
        if self.window_stem:
            y = y + self.stem_window(torch.cat(window, 1))
        y = self.stem[1](y)
        for block in self.stem_extra:
            y = block(y)
        y = modulate(y)
        skips = []
        for i, block in enumerate(self.encoders):
            y = modulate(block(y if i == 0 else F.max_pool2d(y, 2)))
            skips.append(y)
        y = modulate(self.bridge(F.max_pool2d(y, 2)))
        for block, skip in zip(self.decoders, skips[::-1]):
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            y = modulate(block(torch.cat([y, skip], 1)))
        out = self.head(y)
        if self.stem_factor > 1:
            out = F.interpolate(out, scale_factor=float(self.stem_factor), mode="bilinear",
                                align_corners=False)
        if self.refine_width:
            out = out + self.refine(torch.cat([out] + feats[:4] + window, 1))
        heads = torch.sigmoid(out[:, :1]), torch.clamp(out[:, 1:2], LOGVAR_MIN, LOGVAR_MAX)
        return heads + (window[1],) if correlation else heads

    def pixel_window_features(self, x):
        """The refinement's window features of clamped dB ``x`` (B, 2, H, W): each date's dB against its
        window mean (units of REFINE_DB_SCALE), the intensity-correlation coherence, the amplitude
        similarity."""
        corr, similarity, (m1, m2) = window_intensity_statistics(x)
        to_db = 10.0 / 2.302585092994046
        rel = (x - to_db * torch.log(torch.cat([m1, m2], 1))) / REFINE_DB_SCALE
        return [rel, corr, similarity]

    def sigma(self, logvar):
        """Predicted standard deviation (coherence units) of a log-variance, times ``sigma_scale``."""
        return self.sigma_scale * torch.exp(0.5 * logvar)

    def forward(self, images, *extra):
        """The graph: ``images`` then the inputs of ``schema.input_names`` (baseline, weather) it takes; the
        coherence and sigma, and with ``export_correlation`` set (``export.export_onnx``) the graph's second
        output too (``outputs``)."""
        found = self.outputs(images, *extra, correlation=self.export_correlation)
        return found if self.export_correlation else found[0]

    def outputs(self, images, *extra, correlation=False):
        """(coherence and sigma (B, 2, H, W),) and with ``correlation`` also (coherence, sigma, 3 x 3
        intensity-correlation coherence) (B, 3, H, W): the exported graph's two outputs. The plugin's
        correction by the intensity correlation (``core.coherence.stacking``) takes the third channel, which
        the window features compute anyway, instead of computing it again in numpy
        (``inference.block_function``)."""
        extra = list(extra)
        baseline = extra.pop(0) if self.use_baseline else None
        weather = extra.pop(0) if self.use_weather and extra else None
        found = self.heads(images, baseline, weather, correlation=correlation)
        out = torch.cat([found[0], self.sigma(found[1])], 1)
        return (out, torch.cat([out, found[2]], 1)) if correlation else (out,)
