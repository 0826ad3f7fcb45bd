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
    """Residual U-Net: (images dB (B, 2, H, W)[, baseline days (B, 1)]) -> (B, 2, H, W) coherence, sigma."""

    def __init__(self, width_scale=cfg.NETWORK["width_scale"], stem=cfg.NETWORK["stem"],
                 use_baseline=cfg.NETWORK["use_baseline"]):
        super().__init__()
        if int(stem) not in (1, 2, 4):
            raise ValueError(f"stem {stem!r}: use 1, 2 or 4")
        self.width_scale = float(width_scale)
        self.stem_factor = int(stem)
        self.use_baseline = bool(use_baseline)
        enc, bridge = cfg.widths(width_scale)
        self.widths, self.bridge_width = enc, bridge
        features = 5 if self.use_baseline else 4
        k = 2 * self.stem_factor - 1 if self.stem_factor > 1 else 3
        self.stem = nn.Sequential(nn.Conv2d(features, enc[0], k, stride=self.stem_factor, padding=k // 2),
                                  nn.ReLU())
        self.encoders = nn.ModuleList(
            ResidualBlock(enc[max(i - 1, 0)], c) for i, c in enumerate(enc))
        self.bridge = ResidualBlock(enc[-1], bridge)
        ups = (bridge,) + enc[:0:-1]
        self.decoders = nn.ModuleList(ResidualBlock(cin + c, c) for cin, c in zip(ups, enc[::-1]))
        self.head = nn.Conv2d(enc[0], 2, 1)
        self.register_buffer("db_mean", torch.tensor(-12.0))
        self.register_buffer("db_std", torch.tensor(5.0))
        self.register_buffer("diff_std", torch.tensor(3.0))
        self.register_buffer("sigma_scale", torch.tensor(1.0))

    @property
    def depth(self):
        return len(self.widths)

    @property
    def size_multiple(self):
        return self.stem_factor * 2 ** self.depth

    @property
    def config(self):
        return {"width_scale": self.width_scale, "stem": self.stem_factor, "use_baseline": self.use_baseline}

    def normalisation(self):
        return {"db_mean": float(self.db_mean), "db_std": float(self.db_std),
                "diff_std": float(self.diff_std), "db_clamp": [schema.DB_FLOOR, schema.DB_CEIL]}

    def set_normalisation(self, norm):
        for key in ("db_mean", "db_std", "diff_std"):
            getattr(self, key).fill_(float(norm[key]))

    def heads(self, images, baseline=None):
        """(coherence (B, 1, H, W) in 0-1, log-variance (B, 1, H, W)) of dB ``images`` (B, 2, H, W)."""
        x = torch.clamp(images, schema.DB_FLOOR, schema.DB_CEIL)
        diff = (x[:, :1] - x[:, 1:2]) / self.diff_std
        feats = [(x - self.db_mean) / self.db_std, diff, diff.abs()]
        if self.use_baseline:
            b = baseline.reshape(-1, 1, 1, 1) / BASELINE_SCALE_DAYS - 1.0
            feats.append(b.expand(-1, 1, x.shape[2], x.shape[3]))
        y = self.stem(torch.cat(feats, 1))
        skips = []
        for i, block in enumerate(self.encoders):
            y = block(y if i == 0 else F.max_pool2d(y, 2))
            skips.append(y)
        y = self.bridge(F.max_pool2d(y, 2))
        for block, skip in zip(self.decoders, skips[::-1]):
            y = F.interpolate(y, scale_factor=2.0, mode="bilinear", align_corners=False)
            y = block(torch.cat([y, skip], 1))
        out = self.head(y)
        if self.stem_factor > 1:
            out = F.interpolate(out, scale_factor=float(self.stem_factor), mode="bilinear",
                                align_corners=False)
        return torch.sigmoid(out[:, :1]), torch.clamp(out[:, 1:2], LOGVAR_MIN, LOGVAR_MAX)

    def sigma(self, logvar):
        """Predicted standard deviation (coherence units) of a log-variance, times ``sigma_scale``."""
        return self.sigma_scale * torch.exp(0.5 * logvar)

    def forward(self, images, baseline=None):
        coh, logvar = self.heads(images, baseline)
        return torch.cat([coh, self.sigma(logvar)], 1)
