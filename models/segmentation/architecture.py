"""The segmentation network: ResNet-18 encoder cut after its third block, ASPP decoder, in-graph z-scores.

Encoder (He et al. 2016, "Deep residual learning", CVPR; ResNet-18 layout):
7x7 stride-2 stem, 3x3 stride-2 max-pool, then three stages of two basic
blocks (widths w, 2w, 4w; strides 1, 2, 2): output stride 16. The fourth
stage is cut, as in Karimzadeh & Pires de Lima (2022). Decoder: atrous
spatial pyramid pooling (Chen et al. 2017, "Rethinking atrous convolution",
DeepLabv3): a 1x1 branch and 3x3 branches at the given dilation rates
(optionally the image-pooling branch, off by default: a global mean makes a
tile's result depend on the tile), concatenated, projected; then, with
``low_level`` (default), the DeepLabv3+ decoder (Chen et al. 2018,
"Encoder-decoder with atrous separable convolution", ECCV): the ASPP output
upsampled to stride 4 and concatenated with the first stage's features
(1x1-reduced), so thin objects (a 50 m river is 2-3 pixels of 20 m) survive
the stride-16 encoder; a 3x3 head, a 1x1 classifier, bilinear upsampling to
the input size. With ``fine_level`` (after the DeepLabv3+ decoder), the head's
stride-4 features are upsampled once more and refined with the stem
convolution's stride-2 features (1x1-reduced) by a further 3x3 layer before
the classifier: a 2-3 pixel river is under one stride-4 cell, and a
classifier at stride 4 upsampled four times smears it into a band of false
water on both banks. With ``full_level`` (after the stride-2 refinement or
the stride-4 head), the features are upsampled to the input size and refined
once more with a 3x3 convolution of the normalised input itself (stride 1)
before the classifier, for floes and leads of one or two pixels (half of the
simulator's melt-season water and ice pixels lie within 2 px of another
class: benchmarks/results/segmentation_diagnosis.md). Off by default: in the
benchmark's 2.5-minute budget it trains a third fewer epochs and did not
gain (benchmarks/results/segmentation.md, "sel E").

``class_bias`` (a buffer, zero unless set) is added to the logits before the
softmax of ``forward``: the decision rule (e.g. a prior correction of
class-weighted training) chosen after training and exported with the graph;
``logits`` (the loss) leaves it out.

With ``texture_windows`` (and ``texture_bands``, the channel indices of the
dB bands), ``texture.TextureStem`` adds the local speckle contrast of those
bands to the stem convolution's output (zero at the start; outside the
encoder, so a pretrained encoder loads unchanged).

Inputs are raw physical values (dB, degrees); the graph replaces NaN with
the channel mean and z-scores every channel (buffers ``mean``/``std``).
``forward`` returns softmax probabilities (the ONNX output); ``logits``
returns the scores for the loss.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ..framework.loop import count_parameters  # noqa: F401 (the trainers and exporters take it from here)
from . import config as cfg
from .texture import TextureStem


def conv_bn_relu(cin, cout, k, dilation=1):
    """k x k convolution (no bias, same size), batch norm, ReLU: one Sequential (state-dict keys 0, 1)."""
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, padding=0 if k == 1 else dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class BasicBlock(nn.Module):
    """Two 3x3 conv + batch norm + ReLU with an identity (or 1x1 projected) shortcut."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class Encoder(nn.Module):
    """ResNet-18 stem and stages 1-3 (output stride 16, ``4 * width`` channels)."""

    def __init__(self, in_channels, width=16):
        super().__init__()
        w = int(width)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, w, 7, 2, 3, bias=False),
            nn.BatchNorm2d(w),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, 1),
        )
        self.layer1 = nn.Sequential(BasicBlock(w, w), BasicBlock(w, w))
        self.layer2 = nn.Sequential(BasicBlock(w, 2 * w, 2), BasicBlock(2 * w, 2 * w))
        self.layer3 = nn.Sequential(BasicBlock(2 * w, 4 * w, 2), BasicBlock(4 * w, 4 * w))
        self.out_channels = 4 * w

    def features(self, x, stem_extra=None):
        """(stem convolution features at stride 2, stage-1 features at stride 4, stage-3 features at
        stride 16); ``stem_extra`` (stride-2 features, or None) is added to the stem convolution."""
        stem = self.stem[0](x)
        if stem_extra is not None:
            stem = stem + stem_extra
        fine = self.stem[1:3](stem)
        low = self.layer1(self.stem[3](fine))
        return fine, low, self.layer3(self.layer2(low))

    def forward(self, x):
        return self.features(x)[2]


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling (DeepLabv3) without or with the image-pooling branch."""

    def __init__(self, cin, cout, rates=(1, 2, 3), image_pooling=False):
        super().__init__()

        self.branches = nn.ModuleList(
            [conv_bn_relu(cin, cout, 1)] + [conv_bn_relu(cin, cout, 3, int(r)) for r in rates]
        )
        self.pool = (
            nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False), nn.ReLU())
            if image_pooling
            else None
        )
        n = len(self.branches) + (1 if image_pooling else 0)
        self.project = conv_bn_relu(n * cout, cout, 1)

    def forward(self, x):
        parts = [b(x) for b in self.branches]
        if self.pool is not None:
            parts.append(self.pool(x).expand(-1, -1, x.shape[2], x.shape[3]))
        return self.project(torch.cat(parts, 1))


class SegmentationNet(nn.Module):
    """Encoder + ASPP decoder for ``n_classes`` classes from ``in_channels`` bands (raw values)."""

    def __init__(
        self,
        in_channels,
        n_classes,
        width=cfg.NETWORK["width"],
        aspp_channels=cfg.NETWORK["aspp_channels"],
        aspp_rates=cfg.NETWORK["aspp_rates"],
        image_pooling=cfg.NETWORK["image_pooling"],
        low_level=cfg.NETWORK["low_level"],
        fine_level=cfg.NETWORK["fine_level"],
        full_level=cfg.NETWORK["full_level"],
        texture_windows=cfg.NETWORK["texture_windows"],
        texture_bands=None,
    ):
        super().__init__()
        self.config = dict(
            in_channels=int(in_channels),
            n_classes=int(n_classes),
            width=int(width),
            aspp_channels=int(aspp_channels),
            aspp_rates=[int(r) for r in aspp_rates],
            image_pooling=bool(image_pooling),
            low_level=bool(low_level),
            fine_level=bool(fine_level),
            full_level=bool(full_level),
        )
        bands = [] if texture_bands is None else [int(b) for b in texture_bands]
        windows = [int(k) for k in texture_windows] if bands else []
        self.config.update(texture_windows=windows, texture_bands=bands if windows else [])
        self.register_buffer("mean", torch.zeros(in_channels))
        self.register_buffer("std", torch.ones(in_channels))
        self.register_buffer("class_bias", torch.zeros(n_classes))
        self.encoder = Encoder(in_channels, width)
        self.aspp = ASPP(self.encoder.out_channels, aspp_channels, aspp_rates, image_pooling)
        self.low = None
        head_in = aspp_channels
        if low_level:
            low_channels = max(8, aspp_channels // 2)
            self.low = conv_bn_relu(width, low_channels, 1)
            head_in += low_channels
        self.head = conv_bn_relu(head_in, aspp_channels, 3)
        self.fine = None
        classifier_in = aspp_channels
        if fine_level:
            fine_channels = max(8, aspp_channels // 4)
            classifier_in = max(8, aspp_channels // 2)
            self.fine = conv_bn_relu(width, fine_channels, 1)
            self.fine_head = conv_bn_relu(aspp_channels + fine_channels, classifier_in, 3)
        self.full = None
        if full_level:
            full_channels = max(8, aspp_channels // 4)
            self.full = conv_bn_relu(in_channels, full_channels, 3)
            self.full_head = conv_bn_relu(classifier_in + full_channels, classifier_in, 3)
        self.classifier = nn.Conv2d(classifier_in, n_classes, 1)
        self.texture = TextureStem(bands, windows, width) if windows else None

    def set_normalisation(self, mean, std):
        """Per-band mean and standard deviation (the bands' units) used inside the graph."""
        self.mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
        self.std.copy_(torch.as_tensor(std, dtype=torch.float32).clamp(min=1e-3))

    def set_class_bias(self, bias):
        """Per-class offsets (natural-log units) added to the logits before the softmax of ``forward``."""
        self.class_bias.copy_(torch.as_tensor(bias, dtype=torch.float32))

    def normalisation(self):
        return {"mean": [float(v) for v in self.mean], "std": [float(v) for v in self.std]}

    def fill(self, x):
        """``x`` with NaN replaced by the channel mean (the bands' units)."""
        m = self.mean.view(1, -1, 1, 1)
        return torch.where(torch.isnan(x), m.expand_as(x), x)

    def standardise(self, raw):
        """``raw`` (NaN filled, the bands' units) z-scored per channel (dimensionless)."""
        return (raw - self.mean.view(1, -1, 1, 1)) / self.std.view(1, -1, 1, 1)

    def normalise(self, x):
        return self.standardise(self.fill(x))

    def logits(self, x):
        size = x.shape[2:]
        raw = self.fill(x)
        x = self.standardise(raw)
        extra = None if self.texture is None else self.texture(raw)
        fine, low, high = self.encoder.features(x, extra)
        y = self.aspp(high)
        if self.low is not None:
            y = F.interpolate(y, size=low.shape[2:], mode="bilinear", align_corners=False)
            y = torch.cat([y, self.low(low)], 1)
        y = self.head(y)
        if self.fine is not None:
            y = F.interpolate(y, size=fine.shape[2:], mode="bilinear", align_corners=False)
            y = self.fine_head(torch.cat([y, self.fine(fine)], 1))
        if self.full is not None:
            y = F.interpolate(y, size=size, mode="bilinear", align_corners=False)
            return self.classifier(self.full_head(torch.cat([y, self.full(x)], 1)))
        y = self.classifier(y)
        return F.interpolate(y, size=size, mode="bilinear", align_corners=False)

    def forward(self, x):
        return torch.softmax(self.logits(x) + self.class_bias.view(1, -1, 1, 1), dim=1)
