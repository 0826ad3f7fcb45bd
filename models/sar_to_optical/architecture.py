"""SARDINet with its DEM fusions, and the pix2pix U-Net generator (torch).

SARDINet (Bralet et al., ICIP 2022; the layout of the authors' public code,
widths scaled down by ``width`` so that it trains on two CPU cores):

- input conditioning: a strided 3 x 3 convolution (1/2 resolution) then a
  3 x 3 convolution, each followed by ReLU;
- encoder: three parallel branches built on depthwise-separable convolutions
  (a per-channel 3 x 3 convolution then a 1 x 1 convolution; Chollet 2017),
  each down-sampling by 4 with max pooling, with different depths; their
  outputs are summed (1/8 resolution);
- decoder: one branch per output band, three (nearest 2x up-sampling, two
  5 x 5 convolutions) stages, LeakyReLU between stages; the band outputs are
  concatenated. The branches run together as grouped convolutions, each
  up-sampling and the convolution after it at the low resolution
  (``BandDecoders``, ``UpsampleConv2d``: the same network and parameters,
  fewer operations).

Batch normalisation (``batch_norm``, the default of new models: models/sar_to_optical/config.py): the
authors' later public SARDINet code normalises after every conditioning convolution (after its ReLU),
after every encoder convolution (after its ReLU where it has one, before the max pooling) and after every
decoder stage but the last (after its activation); the ICIP 2022 code that the layout above follows has
these lines commented out. Without them (25 epochs of the benchmark), the trained encoder's output
varied over an image by a twentieth of the standardised SAR's spread (spatial std 0.056) and the network
had not learnt the snow of a winter date: on the validation scene of benchmarks/sar_to_optical.py,
SARDINet without DEM drew 0.15 reflectance (B03) on snow dates whose training scenes average 0.5,
against 0.27 to 0.31 with them and 0.25 to 0.32 for the pix2pix U-Net, which has always had batch
normalisation. In inference, a normalisation is a fixed scale and shift per channel (running
statistics): nothing depends on the tile.
Models saved without the ``batch_norm`` entry are rebuilt without it.

DEM fusions (Bralet et al., IGARSS 2024), all before the encoder:
- "early": SAR and DEM stacked as input channels of the conditioning;
- "late": a SAR conditioning branch and a DEM conditioning branch (each half
  the width), concatenated before the encoder;
- "intermediate": the conditioning made of balanced separable convolutions
  (``BalancedSeparable``): K_S depthwise kernels per input channel, one
  point-wise layer of K_C kernels shared by the K_S depthwise outputs, so
  K_S x K_C maps with far fewer parameters;
- "none": SAR only.

pix2pix generator (Isola et al. 2017): a U-Net of 4 x 4 strided
convolutions with batch normalisation, LeakyReLU down, ReLU up and skip
connections; trained here with L1 only (the baseline users would pick). The
final tanh is replaced by the de-normalisation below (reflectance is not
bounded to [-1, 1]).

Acquisition conditions (``conditions=True``; models/sar_to_optical/conditions.py): the sun's elevation
and azimuth and the day of year of the optical image, encoded as the sun's direction vector and the
season's phase, modulate the features by FiLM (Perez et al. 2018, AAAI: a per-channel scale and shift
computed from the conditions; ``ConditionFiLM``): after the input conditioning (the DEM's slopes meet the
sun's direction there), after the encoder and on the output bands (the date's brightness). The
modulations start as the identity. Without them a network cannot tell a December image (low sun, long
shadows) from a June one and predicts the year's average.

Terrain illumination (conditioned models with a DEM fusion; ``TerrainIllumination``): an optical image
of a mountain is not terrain-corrected, and on a low-sun date most of its variance is the lighting of
the slopes, a pixel-scale pattern that SARDINet's 1/8-resolution encoder and decoder cannot draw. The
network predicts each band's reflectance of flat, sunlit ground g and the graph lights it as the
optical renderer does (core/simulator/optical.py: Lambert's direct beam and the sky light):
reflectance = g ((1 - d) max(cos i, 0) / sin(sun elevation) + d (1 + cos slope) / 2), with cos i the
cosine between the slope's normal (Horn's 3 x 3 gradient of the DEM, as core/terrain/geometry.py) and
the sun, and d the diffuse share per band, a function of the conditions learnt with the network. Cast
shadows are left out: they need terrain beyond the tile.

Every model holds its normalisation as buffers: SAR dB and DEM metres are
standardised on the way in, and the output is de-standardised per band, so the
graph takes and returns physical values. Padding is zeros (as the tiled
runner's analysis assumes).
"""
import torch
from torch import nn

from ..framework.loop import count_parameters  # noqa: F401 (the trainers and exporters take it from here)
from . import schema

N_OUT = len(schema.OPTICAL_BANDS)
PIX2PIX_KEYS = ("fusion", "base", "depth", "max_channels", "conditions")
SARDINET_KEYS = ("fusion", "width", "conditions", "batch_norm")
#: Every key of a model's config (``model.config``; the "architecture" metadata holds them).
CONFIG_KEYS = ("arch",) + tuple(dict.fromkeys(SARDINET_KEYS + PIX2PIX_KEYS))
#: The value of a config key in a model saved before the key existed (the constructors' defaults).
LEGACY_CONFIG = {"batch_norm": False}


class Normaliser(nn.Module):
    """Buffers of the input/output normalisation (means and standard deviations)."""

    def __init__(self):
        super().__init__()
        self.register_buffer("sar_mean", torch.tensor([-12.0, -19.0]))
        self.register_buffer("sar_std", torch.tensor([4.0, 4.0]))
        self.register_buffer("dem_mean", torch.tensor([1000.0]))
        self.register_buffer("dem_std", torch.tensor([500.0]))
        self.register_buffer("out_mean", torch.tensor([0.08, 0.09, 0.09, 0.2]))
        self.register_buffer("out_std", torch.tensor([0.05, 0.05, 0.06, 0.08]))

    def as_dict(self):
        return {k: [float(v) for v in getattr(self, k)] for k in
                ("sar_mean", "sar_std", "dem_mean", "dem_std", "out_mean", "out_std")}

    def load(self, stats):
        for key, values in stats.items():
            buf = getattr(self, key)
            buf.copy_(torch.as_tensor(values, dtype=buf.dtype).reshape(buf.shape))

    @staticmethod
    def _scale(x, mean, std):
        return (x - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)

    def inputs(self, sar, dem=None):
        s = self._scale(sar, self.sar_mean, self.sar_std)
        if dem is None:
            return s, None
        return s, self._scale(dem, self.dem_mean, self.dem_std)

    def output(self, y):
        return y * self.out_std.view(1, -1, 1, 1) + self.out_mean.view(1, -1, 1, 1)


class SeparableConv(nn.Module):
    """Depthwise k x k convolution (one kernel per channel) then a 1 x 1 convolution."""

    def __init__(self, c_in, c_out, kernel=3):
        super().__init__()
        self.depthwise = nn.Conv2d(c_in, c_in, kernel, padding=kernel // 2, groups=c_in)
        self.pointwise = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


class BalancedSeparable(nn.Module):
    """Balanced separable convolution (Bralet et al. 2024): ``k_s`` depthwise kernels per input channel,
    then one point-wise layer of ``k_c`` kernels shared by the ``k_s`` depthwise outputs: ``k_s * k_c``
    maps. Parameters: C k_s (k^2 + 1) + k_c (C + 1), against C_out (C k^2 + 1) for a full convolution."""

    def __init__(self, c_in, k_s, k_c, kernel=3, stride=1):
        super().__init__()
        self.c_in, self.k_s, self.k_c = int(c_in), int(k_s), int(k_c)
        self.depthwise = nn.Conv2d(c_in, c_in * k_s, kernel, stride=stride, padding=kernel // 2, groups=c_in)
        self.pointwise = nn.Conv2d(c_in, k_c, 1)

    def forward(self, x):
        d = self.depthwise(x)  # channels ordered (input channel, depthwise kernel)
        b, _, h, w = d.shape
        # group by depthwise kernel: (B, C, K_S, H, W) -> (B, K_S, C, H, W) -> one grouped 1 x 1 conv
        d = d.reshape(b, self.c_in, self.k_s, h, w).transpose(1, 2).reshape(b, self.k_s * self.c_in, h, w)
        weight = self.pointwise.weight.repeat(self.k_s, 1, 1, 1)
        bias = self.pointwise.bias.repeat(self.k_s)
        return nn.functional.conv2d(d, weight, bias, groups=self.k_s)


class ConditionFiLM(nn.Module):
    """FiLM of feature maps by the acquisition conditions (sun elevation deg, sun azimuth deg, day of year).

    The conditions are encoded as (sin el, cos el sin az, cos el cos az, sin season, cos season) (the unit
    vector towards the sun in east-north-up and the phase of the year), then a two-layer perceptron gives
    a scale and a shift per channel of each feature set of ``channels``; the last layer starts at zero, so
    ``apply`` starts as the identity."""

    N_FEATURES = 5

    def __init__(self, channels, hidden=32):
        super().__init__()
        self.channels = [int(c) for c in channels]
        self.mlp = nn.Sequential(nn.Linear(self.N_FEATURES, hidden), nn.ReLU(),
                                 nn.Linear(hidden, 2 * sum(self.channels)))
        nn.init.zeros_(self.mlp[2].weight)
        nn.init.zeros_(self.mlp[2].bias)

    @staticmethod
    def encode(conditions):
        rad = conditions[:, :3] * torch.tensor([torch.pi / 180.0, torch.pi / 180.0, 2.0 * torch.pi / 365.25],
                                               dtype=conditions.dtype)
        el, az, season = rad[:, 0], rad[:, 1], rad[:, 2]
        return torch.stack([torch.sin(el), torch.cos(el) * torch.sin(az), torch.cos(el) * torch.cos(az),
                            torch.sin(season), torch.cos(season)], 1)

    def forward(self, conditions):
        """[(scale, shift)] per feature set, each (B, C, 1, 1)."""
        p = self.mlp(self.encode(conditions))
        out, k = [], 0
        for c in self.channels:
            scale, shift = p[:, k:k + c], p[:, k + c:k + 2 * c]
            out.append((scale[:, :, None, None], shift[:, :, None, None]))
            k += 2 * c
        return out

    @staticmethod
    def apply(x, modulation):
        scale, shift = modulation
        return x * (1.0 + scale) + shift


class TerrainIllumination(nn.Module):
    """Local terrain illumination of a DEM under the sun of the conditions (see the module docstring).

    ``forward(dem, conditions)``: DEM (B, 1, H, W) in metres (north-up), conditions (B, 5) raw
    (CONDITION_NAMES: sun elevation and azimuth in degrees, ..., pixel width and height in metres);
    returns (direct, sky), each (B, 1, H, W): max(cos i, 0) / max(sin elevation, 0.05) and the sky-view
    factor (1 + cos slope) / 2. Horn's gradient with the edge pixels repeated (no seam between tiles:
    each output pixel only sees its 3 x 3 neighbourhood)."""

    def __init__(self):
        super().__init__()
        # Horn (1981): east and north gradients times 8 pixel sizes; rows run south, columns east
        east = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
        self.register_buffer("kernels", torch.stack([east, east.t().flip(0)])[:, None], persistent=False)

    def forward(self, dem, conditions):
        z = nn.functional.pad(dem, (1, 1, 1, 1), mode="replicate")
        g = nn.functional.conv2d(z, self.kernels)
        gx = g[:, :1] / (8.0 * conditions[:, 3].view(-1, 1, 1, 1))
        gy = g[:, 1:] / (8.0 * conditions[:, 4].view(-1, 1, 1, 1))
        inv_norm = torch.rsqrt(gx * gx + gy * gy + 1.0)  # cos slope
        el = (conditions[:, 0] * (torch.pi / 180.0)).view(-1, 1, 1, 1)
        az = (conditions[:, 1] * (torch.pi / 180.0)).view(-1, 1, 1, 1)
        # normal (-gx, -gy, 1) / norm against the sun (cos el sin az, cos el cos az, sin el): east, north, up
        cos_i = (torch.sin(el) - torch.cos(el) * (gx * torch.sin(az) + gy * torch.cos(az))) * inv_norm
        direct = torch.relu(cos_i) / torch.clamp(torch.sin(el), min=0.05)
        return direct, (1.0 + inv_norm) / 2.0


class Illuminated(nn.Module):
    """Flat-ground reflectance lit by the terrain: g ((1 - d) direct + d sky), with the diffuse share d per
    band a learnt function of the encoded conditions (sigmoid; starts near 0.2)."""

    def __init__(self, n_out):
        super().__init__()
        self.terrain = TerrainIllumination()
        self.diffuse = nn.Linear(ConditionFiLM.N_FEATURES, n_out)
        nn.init.zeros_(self.diffuse.weight)
        nn.init.constant_(self.diffuse.bias, -1.5)

    def forward(self, ground, dem, conditions):
        direct, sky = self.terrain(dem, conditions)
        d = torch.sigmoid(self.diffuse(ConditionFiLM.encode(conditions)))[:, :, None, None]
        return ground * ((1.0 - d) * direct + d * sky)


def split_inputs(model, extra):
    """(dem, conditions) from the forward arguments after the SAR, in the graph's input order."""
    extra = list(extra)
    dem = extra.pop(0) if model.uses_dem and extra else None
    conditions = extra.pop(0) if model.conditioned and extra else None
    if model.conditioned and conditions is None:
        raise ValueError(f"this model is conditioned on the acquisition: give the conditions (B, "
                         f"{len(schema.CONDITION_NAMES)}): {', '.join(schema.CONDITION_NAMES)}")
    return dem, conditions


def _normed(layers, batch_norm):
    """``layers`` as an nn.Sequential; an int in the list (the channels there) marks where the authors'
    later code normalises: a BatchNorm2d of that many channels when ``batch_norm``, else nothing (so the
    layer indices, hence the state-dict names, of a model without it are those it always had)."""
    out = []
    for layer in layers:
        if isinstance(layer, int):
            if batch_norm:
                out.append(nn.BatchNorm2d(layer))
        else:
            out.append(layer)
    return nn.Sequential(*out)


def _conditioning(c_in, c1, c2, batch_norm=False):
    return _normed([nn.Conv2d(c_in, c1, 3, stride=2, padding=1), nn.ReLU(), c1,
                    nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), c2], batch_norm)


class LateConditioning(nn.Module):
    """Separate SAR and DEM conditioning branches (half width each), concatenated."""

    def __init__(self, c1, c2, batch_norm=False):
        super().__init__()
        self.sar = _conditioning(2, c1 // 2, c2 // 2, batch_norm)
        self.dem = _conditioning(1, c1 // 2, c2 - c2 // 2, batch_norm)

    def forward(self, x):
        return torch.cat([self.sar(x[:, :2]), self.dem(x[:, 2:])], 1)


def _factor(c, k_s):
    if c % k_s:
        raise ValueError(f"{c} channels are not a multiple of K_S = {k_s}")
    return c // k_s


class IntermediateConditioning(nn.Module):
    """Two balanced separable convolutions over SAR + DEM (K_S x K_C maps each), with ReLU."""

    def __init__(self, c1, c2, k_s=(4, 2), batch_norm=False):
        super().__init__()
        self.layers = _normed([BalancedSeparable(3, k_s[0], _factor(c1, k_s[0]), stride=2), nn.ReLU(), c1,
                               BalancedSeparable(c1, k_s[1], _factor(c2, k_s[1])), nn.ReLU(), c2], batch_norm)

    def forward(self, x):
        return self.layers(x)


class UpsampleConv2d(nn.Conv2d):
    """Nearest 2x up-sampling then this k x k convolution (odd k, zero padding k // 2, any groups), computed
    at the low resolution: output pixel (2i + p, 2j + q) only sees input pixels i - 1 .. i + 1 (for k = 5),
    so each of the four output phases (p, q) is a 3 x 3 convolution of the low-resolution input whose
    kernel sums the k x k taps falling on the same input pixel; the phases are interleaved by a pixel
    shuffle (Shi et al. 2016, CVPR). Same parameters (the k x k kernel) and outputs as
    ``nn.Upsample(scale_factor=2, mode="nearest")`` followed by the convolution, in 36/100 of its
    multiply-adds for k = 5 (4 x 3 x 3 taps per input pixel instead of 4 x 5 x 5) and without the
    up-sampled copy of the input."""

    def __init__(self, c_in, c_out, kernel=5, groups=1):
        super().__init__(c_in, c_out, kernel, padding=kernel // 2, groups=groups)
        r = kernel // 2
        taps = (r + 1) // 2  # low-resolution taps on each side: offsets floor((p + d) / 2), |d| <= r
        # phase_taps[p, t, d] = 1 when offset d - r of phase p lands on low-resolution offset t - taps
        phase_taps = torch.zeros(2, 2 * taps + 1, kernel)
        for p in range(2):
            for d in range(kernel):
                phase_taps[p, (p + d - r) // 2 + taps, d] = 1.0
        self.register_buffer("phase_taps", phase_taps, persistent=False)
        self.register_buffer("phases", torch.ones(4), persistent=False)
        self.low_padding = taps

    def forward(self, x):
        a = self.phase_taps
        # (c_out, c_in / groups, k, k) -> (c_out, 2, 2, c_in / groups, K, K): output channel o, phase (p, q)
        w = torch.einsum("pyd,qxe,ocde->opqcyx", a, a, self.weight)
        w = w.reshape(4 * self.out_channels, w.shape[3], w.shape[4], w.shape[5])
        # einsum, not repeat_interleave: the ONNX exporter keeps it, so the graph keeps the named weight
        # and bias initializers that export.model_from_onnx reads back (onnxruntime folds it at load)
        b = torch.einsum("o,p->op", self.bias, self.phases).reshape(-1)
        y = nn.functional.conv2d(x, w, b, padding=self.low_padding, groups=self.groups)
        return nn.functional.pixel_shuffle(y, 2)  # channel o * 4 + 2 p + q -> pixel (2i + p, 2j + q)


class BandDecoders(nn.Module):
    """One decoder branch per output band, each three (2x nearest up-sampling, two 5 x 5 convolutions)
    stages with ``widths`` channels, run as one stack of grouped convolutions.

    Group k of every convolution is band k's branch: the first convolution (every band reads all the
    encoder features) stacks the ``n_bands`` branch kernels as one convolution with ``n_bands * widths[1]``
    outputs, and every later one is a convolution with ``groups=n_bands``, so band k's channels only see
    band k's channels. Same parameters and outputs as ``n_bands`` separate branches, but one
    convolution call per layer instead of ``n_bands`` (the per-band calls on 1 to 8 channels dominated
    the CPU time of a training step). Each up-sampling and the convolution after it run as one
    ``UpsampleConv2d`` (same parameters and outputs, fewer operations)."""

    def __init__(self, widths, n_bands, batch_norm=False):
        super().__init__()
        self.widths, self.n_bands = list(widths), int(n_bands)
        layers = []
        for k in range(len(widths) - 1):
            c_in, c_out = widths[k] * n_bands, widths[k + 1] * n_bands
            groups = 1 if k == 0 else n_bands
            layers += [UpsampleConv2d(widths[k] if k == 0 else c_in, c_out, 5, groups=groups),
                       nn.Conv2d(c_out, c_out, 5, padding=2, groups=n_bands)]
            if k < len(widths) - 2:
                layers += [nn.LeakyReLU(0.01), c_out]
        self.layers = _normed(layers, batch_norm)

    def forward(self, x):
        return self.layers(x)


class SARDINet(nn.Module):
    """SARDINet (see the module docstring); ``fusion`` in schema.FUSIONS; ``width`` scales every width
    of the paper's network (1.0 = conditioning 96/256, encoder 396/512, decoder 64/16)."""

    size_multiple = 8

    def __init__(self, fusion="none", width=0.125, n_out=N_OUT, conditions=False, batch_norm=False):
        super().__init__()
        self.fusion = fusion
        self.batch_norm = bool(batch_norm)
        self.width = float(width)
        self.uses_dem = schema.uses_dem(fusion)
        self.conditioned = bool(conditions)

        def w(c, multiple=4):
            return max(multiple, int(round(c * width / multiple)) * multiple)

        c1, c2, e1, e2 = w(96), w(256), w(396), w(512)
        d1, d2 = w(64), w(16)
        self.channels = dict(conditioning=[c1, c2], encoder=[e1, e2], decoder=[d1, d2, 1])
        self.norm = Normaliser()
        bn = self.batch_norm
        if fusion == "late":
            self.conditioning = LateConditioning(c1, c2, bn)
        elif fusion == "intermediate":
            self.conditioning = IntermediateConditioning(c1, c2, batch_norm=bn)
        else:
            self.conditioning = _conditioning(3 if fusion == "early" else 2, c1, c2, bn)
        pool = nn.MaxPool2d(2)
        self.encoder = nn.ModuleList([
            _normed([SeparableConv(c2, e1), e1, pool, nn.Conv2d(e1, e2, 1), e2, nn.MaxPool2d(2)], bn),
            _normed([nn.Conv2d(c2, e1, 1), nn.ReLU(), e1, nn.MaxPool2d(2), SeparableConv(e1, e1), nn.ReLU(),
                     e1, SeparableConv(e1, e2), e2, nn.MaxPool2d(2)], bn),
            _normed([SeparableConv(c2, e1), nn.ReLU(), e1, SeparableConv(e1, e1), e1, nn.MaxPool2d(2),
                     SeparableConv(e1, e2), e2, nn.MaxPool2d(2)], bn),
        ])
        self.decoder = BandDecoders([e2, d1, d2, 1], n_out, bn)
        if self.conditioned:
            self.film = ConditionFiLM([c2, e2, n_out])
            if self.uses_dem:
                self.illuminated = Illuminated(n_out)

    @property
    def config(self):
        return {"arch": "sardinet", "fusion": self.fusion, "width": self.width,
                "conditions": self.conditioned, "batch_norm": self.batch_norm}

    def forward(self, sar, *extra):
        """Reflectance (B, 4, H, W) from SAR dB (B, 2, H, W)[, DEM m (B, 1, H, W)][, conditions (B, 5)]."""
        dem, conditions = split_inputs(self, extra)
        film = self.film(conditions) if self.conditioned else None
        s, d = self.norm.inputs(sar, dem)
        x = torch.cat([s, d], 1) if self.uses_dem else s
        x = self.conditioning(x)
        if film:
            x = ConditionFiLM.apply(x, film[0])
        x = self.encoder[0](x) + self.encoder[1](x) + self.encoder[2](x)
        if film:
            x = ConditionFiLM.apply(x, film[1])
        y = self.decoder(x)
        if film:
            y = ConditionFiLM.apply(y, film[2])
        y = self.norm.output(y)
        return self.illuminated(y, dem, conditions) if film and self.uses_dem else y


class Pix2PixUNet(nn.Module):
    """pix2pix U-Net generator: ``depth`` 4 x 4 stride-2 levels from ``base`` channels (cap ``max_channels``),
    skip connections, batch normalisation; SAR only unless ``fusion`` is "early" (DEM as a channel)."""

    def __init__(self, fusion="none", base=16, depth=4, max_channels=64, n_out=N_OUT, conditions=False):
        super().__init__()
        self.conditioned = bool(conditions)
        if fusion not in ("none", "early"):
            raise ValueError("the pix2pix baseline takes the DEM only as an extra channel: fusion 'none' or "
                             "'early'")
        self.fusion, self.base, self.depth = fusion, int(base), int(depth)
        self.max_channels = int(max_channels)
        self.uses_dem = fusion == "early"
        self.size_multiple = 2 ** self.depth
        self.norm = Normaliser()
        widths = [min(self.base * 2 ** i, self.max_channels) for i in range(self.depth)]
        c_in = 3 if self.uses_dem else 2
        self.down = nn.ModuleList()
        for i, c in enumerate(widths):
            layers = [nn.Conv2d(c_in if i == 0 else widths[i - 1], c, 4, stride=2, padding=1)]
            if i > 0:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2))
            self.down.append(nn.Sequential(*layers))
        self.up = nn.ModuleList()
        for i in reversed(range(self.depth)):
            c_up_in = widths[i] if i == self.depth - 1 else 2 * widths[i]
            c_out = n_out if i == 0 else widths[i - 1]
            layers = [nn.ConvTranspose2d(c_up_in, c_out, 4, stride=2, padding=1)]
            if i > 0:
                layers += [nn.BatchNorm2d(c_out), nn.ReLU()]
            self.up.append(nn.Sequential(*layers))
        if self.conditioned:  # the same modulations as SARDINet: first level, bottleneck, output bands
            self.film = ConditionFiLM([widths[0], widths[-1], n_out])
            if self.uses_dem:
                self.illuminated = Illuminated(n_out)

    @property
    def config(self):
        return {"arch": "pix2pix", "fusion": self.fusion, "base": self.base, "depth": self.depth,
                "max_channels": self.max_channels, "conditions": self.conditioned}

    def forward(self, sar, *extra):
        """Reflectance (B, 4, H, W) from SAR dB[, DEM m][, conditions (B, 5)], as SARDINet."""
        dem, conditions = split_inputs(self, extra)
        film = self.film(conditions) if self.conditioned else None
        s, d = self.norm.inputs(sar, dem)
        x = torch.cat([s, d], 1) if self.uses_dem else s
        skips = []
        for i, layer in enumerate(self.down):
            x = layer(x)
            if film and i in (0, self.depth - 1):
                x = ConditionFiLM.apply(x, film[0 if i == 0 else 1])
            skips.append(x)
        skips.pop()
        for layer in self.up:
            x = layer(x)
            if skips:
                x = torch.cat([x, skips.pop()], 1)
        if film:
            x = ConditionFiLM.apply(x, film[2])
        x = self.norm.output(x)
        return self.illuminated(x, dem, conditions) if film and self.uses_dem else x


def build(config):
    """A model from its config dict (``arch``, ``fusion`` and the family's widths)."""
    config = dict(config)
    arch = config.pop("arch", "sardinet")
    if arch == "sardinet":
        return SARDINet(**{k: config[k] for k in SARDINET_KEYS if k in config})
    if arch == "pix2pix":
        return Pix2PixUNet(**{k: config[k] for k in PIX2PIX_KEYS if k in config})
    raise ValueError(f"arch {arch!r}: use one of {schema.ARCHES}")


def conditioning_parameters(model):
    """Parameters of the input conditioning (SARDINet) or of the first level (pix2pix)."""
    part = model.conditioning if isinstance(model, SARDINet) else model.down[0]
    return count_parameters(part)
