"""Speckle-contrast input features of the segmentation network, computed inside the graph.

In the melt season wet ice and wind-roughened open water have the same mean
backscatter (the simulator's levels cross near 40 deg incidence); what tells
them apart is texture: open water carries only a smooth wind field, ice the
ridging field and pressure ridges (Onstott 1992; Dierking 2010), land its
class texture and the topography. The local speckle contrast, the squared
coefficient of variation of the linear intensity over a k x k window,

    C_k = <I^2>_k / <I>_k^2 - 1        (I = 10^(dB / 10), dimensionless),

is 1 / L for pure L-look speckle on a uniform surface and grows with any
texture beneath (Lee & Pottier 2009, "Polarimetric radar imaging", ch. 4:
the speckle model I = texture x speckle; Touzi et al. 1988 for the CV edge
statistic). ``TextureStem`` feeds log C_k of the dB bands, batch-normalised,
through a 7 x 7 stride-2 convolution whose output is added to the encoder's
stem convolution; the convolution starts at zero, so a pretrained encoder
starts exactly where its pretraining left it. A second-order statistic that
a small ReLU network would otherwise have to build from its convolutions.
"""

import torch
from torch import nn
from torch.nn import functional as F

#: Floor of C_k before the log (dimensionless): a speckle-free, flat window (e.g. NaN filled with the mean).
MIN_CONTRAST = 1e-3


def box_mean(x, k):
    """Mean over k x k windows (stride 1, same size; clipped at the border), as two 1-D passes."""
    h = F.avg_pool2d(x, (k, 1), 1, (k // 2, 0), count_include_pad=False)
    return F.avg_pool2d(h, (1, k), 1, (0, k // 2), count_include_pad=False)


def speckle_contrast(db, windows):
    """log C_k (natural log) of every band of ``db`` (N, B, H, W; dB) for each window size in ``windows``
    (odd, pixels): (N, B * len(windows), H, W), window-major. Windows are clipped at the image border
    (the mean over the pixels inside)."""
    power = torch.pow(10.0, db / 10.0)
    moments = torch.cat([power, power * power], 1)
    b = db.shape[1]
    out = []
    for k in windows:
        m = box_mean(moments, int(k))
        mean, square = m[:, :b], m[:, b:]
        contrast = square / (mean * mean).clamp(min=1e-30) - 1.0
        out.append(torch.log(contrast.clamp(min=MIN_CONTRAST)))
    return torch.cat(out, 1)


class TextureStem(nn.Module):
    """log speckle contrast of ``bands`` (channel indices of dB bands) over ``windows`` -> ``width``
    stem-resolution (stride 2) channels, zero until trained."""

    def __init__(self, bands, windows, width):
        super().__init__()
        self.bands = [int(b) for b in bands]
        self.windows = [int(k) for k in windows]
        if any(k < 3 or k % 2 == 0 for k in self.windows):
            raise ValueError(f"texture windows {self.windows}: odd sizes of at least 3 pixels")
        n = len(self.bands) * len(self.windows)
        self.norm = nn.BatchNorm2d(n)
        self.conv = nn.Conv2d(n, int(width), 7, 2, 3, bias=False)
        nn.init.zeros_(self.conv.weight)

    def forward(self, raw):
        """``raw``: the network's input (N, C, H, W) in its units, NaN already filled."""
        return self.conv(self.norm(speckle_contrast(raw[:, self.bands], self.windows)))
