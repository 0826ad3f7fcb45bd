"""A small conditional U-Net that predicts a target acquisition's dB from earlier ones.

Network (after Alatalo, Sipola & Rantonen 2023, IEEE TGRS 61, whose
predictor is a U-Net conditioned on per-acquisition metadata; the U-Net is
Ronneberger, Fischer & Brox 2015, MICCAI):

- input: concat(normalised images (2N channels), relative DEM (1 channel));
- encoder: ``depth`` (4) levels of two 3x3 convolutions + LeakyReLU, each
  followed by 2x2 max pooling; channels ``base * (1, 2, 4, 8)`` capped at
  ``max_channels``; bottleneck at 1/16 resolution;
- decoder: 2x2 transposed convolution up, concatenation with the encoder
  features of the same scale (skip), two 3x3 convolutions;
- head: 1x1 convolution to 2 channels (VV, VH), added to a base per band
  (a residual around "no change since the inputs"), then de-normalised to
  dB. ``residual="orbit"`` (default): the inputs' normalised dB weighted by
  how close each input's heading is to the target's, w_i = max(0, cos(h_i -
  h_t)) + 0.001, normalised (the same-orbit inputs share the target's
  geometry: layover, shadow and local incidence); ``"mean"`` (or True, the
  first models): the plain mean of the inputs; ``False``: the U-Net's
  output alone.

Conditioning on the flattened (N+1) x C condition matrix:

- ``arch="bottleneck"`` (the paper's scheme): an MLP embeds the conditions
  into ``cond_dim`` values that are broadcast over the bottleneck grid and
  concatenated to its input channels;
- ``arch="film"``: feature-wise linear modulation (Perez, Strub, de Vries,
  Dumoulin & Courville 2018, AAAI, "FiLM"): the MLP's embedding gives per-channel
  (gamma, beta) for every encoder, bottleneck and decoder block, applied as
  ``h * (1 + gamma) + beta`` after the block's second convolution.

No batch/group normalisation: outputs depend on a pixel's neighbourhood only
(not on tile statistics), so tiled inference matches patch training, and
parameter names survive ONNX export unchanged (used by ``--init model.onnx``).

Normalisation is part of the module (buffers ``db_mean``, ``db_std`` (dB, per
band), ``cond_mean``, ``cond_std`` (per condition), ``dem_scale`` (m)) so
the exported graph takes raw dB, metres and raw conditions; NaN inputs are
mapped to the training mean (0 after normalisation).
"""
import torch
from torch import nn

from ..framework.loop import count_parameters  # noqa: F401 (the trainers and exporters take it from here)
from . import schema

ARCHITECTURES = ("film", "bottleneck")
#: Residual bases: booleans of the first models' configs map to their meaning.
RESIDUALS = {True: "mean", False: False, "mean": "mean", "orbit": "orbit"}
#: Floor of the heading weights of the 'orbit' base (all inputs of the other orbit: their plain mean).
ORBIT_WEIGHT_FLOOR = 1e-3
_SIN_H = schema.CONDITION_NAMES.index("sin_heading")
_COS_H = schema.CONDITION_NAMES.index("cos_heading")


class _Block(nn.Module):
    """Two 3x3 convolutions with LeakyReLU; optional FiLM before the second activation."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.act = nn.LeakyReLU(0.1)

    def forward(self, x, film=None):
        x = self.act(self.conv1(x))
        x = self.conv2(x)
        if film is not None:
            gamma, beta = film
            x = x * (1.0 + gamma[:, :, None, None]) + beta[:, :, None, None]
        return self.act(x)


class LearnedDI(nn.Module):
    """Conditional U-Net: ``forward(images, dem, conditions) -> predicted`` (tensors of the schema).

    ``n_inputs``: N earlier acquisitions; ``arch``: 'film' or 'bottleneck';
    ``base``: channels of the first level (16 with ``max_channels`` 64: about
    0.55 M parameters for N = 4); ``max_channels``: cap per level; ``cond_dim``: width of
    the condition embedding; ``depth``: number of poolings (H and W must be
    multiples of 2**depth); ``residual``: the base the U-Net corrects,
    'orbit' (heading-weighted mean of the inputs), 'mean' (True) or False
    (none); see the module docstring.
    """

    def __init__(self, n_inputs=schema.DEFAULT_N_INPUTS, arch="film", base=16, max_channels=64,
                 cond_dim=32, depth=schema.DEPTH, residual="orbit"):
        super().__init__()
        if arch not in ARCHITECTURES:
            raise ValueError(f"arch {arch!r}: use one of {ARCHITECTURES}")
        if int(n_inputs) < 1:
            raise ValueError(f"n_inputs must be >= 1 (got {n_inputs})")
        if residual not in RESIDUALS:
            raise ValueError(f"residual {residual!r}: use 'orbit', 'mean' or False")
        residual = RESIDUALS[residual]
        self.config = dict(n_inputs=int(n_inputs), arch=arch, base=int(base), max_channels=int(max_channels),
                           cond_dim=int(cond_dim), depth=int(depth), residual=residual)
        self.n_inputs = int(n_inputs)
        self.arch = arch
        self.depth = int(depth)
        self.residual = residual
        nb = len(schema.BANDS)
        nc = schema.N_CONDITIONS
        chans = [min(int(base) * 2 ** i, int(max_channels)) for i in range(self.depth + 1)]
        self.channels = chans

        # Normalisation (identity until set_normalisation; saved in the state dict).
        self.register_buffer("db_mean", torch.zeros(nb))
        self.register_buffer("db_std", torch.ones(nb))
        self.register_buffer("cond_mean", torch.zeros(nc))
        self.register_buffer("cond_std", torch.ones(nc))
        self.register_buffer("dem_scale", torch.tensor(schema.DEM_SCALE_M))

        c_in = nb * self.n_inputs + 1
        self.encoders = nn.ModuleList()
        for i in range(self.depth):
            self.encoders.append(_Block(c_in if i == 0 else chans[i - 1], chans[i]))
        self.pool = nn.MaxPool2d(2)
        extra = int(cond_dim) if arch == "bottleneck" else 0
        self.bottleneck = _Block(chans[self.depth - 1] + extra, chans[self.depth])
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for i in reversed(range(self.depth)):
            self.ups.append(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2))
            self.decoders.append(_Block(2 * chans[i], chans[i]))
        self.head = nn.Conv2d(chans[0], nb, 1)

        # He initialisation for LeakyReLU (fan-in): PyTorch's default shrinks the signal ~5x per
        # level, so a deep U-Net would start out ignoring its bottleneck (and the conditions there).
        for mod in self.modules():
            if isinstance(mod, (nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.kaiming_normal_(mod.weight, a=0.1, nonlinearity="leaky_relu",
                                        mode="fan_out" if isinstance(mod, nn.ConvTranspose2d) else "fan_in")
                nn.init.zeros_(mod.bias)
        nn.init.normal_(self.head.weight, std=0.01)  # start near the residual baseline

        hidden = 64
        self.cond_mlp = nn.Sequential(nn.Linear((self.n_inputs + 1) * nc, hidden), nn.LeakyReLU(0.1),
                                      nn.Linear(hidden, int(cond_dim)), nn.LeakyReLU(0.1))
        if arch == "film":
            # One (gamma, beta) head per block: encoders, bottleneck, decoders (in forward order).
            widths = chans[:self.depth] + [chans[self.depth]] + chans[:self.depth][::-1]
            self.film = nn.ModuleList(nn.Linear(int(cond_dim), 2 * w) for w in widths)
            for lin in self.film:  # start close to identity: small gammas and betas
                nn.init.normal_(lin.weight, std=0.02)
                nn.init.zeros_(lin.bias)
        else:
            self.film = None

    # -- normalisation -------------------------------------------------------------------
    def set_normalisation(self, norm):
        """Load a ``normalisation`` dict (as in the metadata) into the buffers."""
        self.db_mean.copy_(torch.tensor(norm["db_mean"], dtype=torch.float32))
        self.db_std.copy_(torch.tensor(norm["db_std"], dtype=torch.float32))
        self.cond_mean.copy_(torch.tensor(norm["condition_mean"], dtype=torch.float32))
        self.cond_std.copy_(torch.tensor(norm["condition_std"], dtype=torch.float32))
        self.dem_scale.fill_(float(norm.get("dem_scale_m", schema.DEM_SCALE_M)))

    def normalisation(self):
        """The normalisation as a JSON-able dict (units in the key names' comments)."""
        return {
            "bands": list(schema.BANDS),
            "db_mean": [float(v) for v in self.db_mean],  # dB, per band
            "db_std": [float(v) for v in self.db_std],  # dB, per band
            "db_floor": schema.DB_FLOOR,
            "db_ceil": schema.DB_CEIL,
            "dem": "(z - mean of the tile's valid z) / dem_scale_m; NaN -> 0",
            "dem_scale_m": float(self.dem_scale),
            "conditions": list(schema.CONDITION_NAMES),
            "condition_mean": [float(v) for v in self.cond_mean],
            "condition_std": [float(v) for v in self.cond_std],
            "nan": "images and conditions: NaN -> training mean",
        }

    # -- forward -------------------------------------------------------------------------
    def _normalise(self, images, dem, conditions):
        n = self.n_inputs
        mean = self.db_mean.repeat(n)[None, :, None, None]
        std = self.db_std.repeat(n)[None, :, None, None]
        bad = torch.isnan(images)
        x = torch.clamp(torch.where(bad, mean, images), schema.DB_FLOOR, schema.DB_CEIL)
        x = (x - mean) / std
        valid = torch.isfinite(dem)
        z = torch.where(valid, dem, torch.zeros_like(dem))
        count = valid.to(dem.dtype).sum(dim=(2, 3), keepdim=True).clamp(min=1.0)
        zmean = z.sum(dim=(2, 3), keepdim=True) / count
        z = torch.where(valid, (z - zmean) / self.dem_scale, torch.zeros_like(dem))
        cbad = torch.isnan(conditions)
        raw = torch.where(cbad, self.cond_mean[None, None, :].expand_as(conditions), conditions)
        c = (raw - self.cond_mean) / self.cond_std
        return x, z, torch.flatten(c, 1), raw

    def _base(self, x, raw):
        """(B, 2, H, W) normalised base per band: the inputs' plain or heading-weighted mean."""
        nb = len(schema.BANDS)
        if self.residual == "mean":
            return torch.cat([x[:, b::nb].mean(dim=1, keepdim=True) for b in range(nb)], dim=1)
        # cos(h_i - h_t) = sin h_i sin h_t + cos h_i cos h_t, for each input i against the target t
        n = self.n_inputs
        cos_dh = raw[:, :n, _SIN_H] * raw[:, n:, _SIN_H] + raw[:, :n, _COS_H] * raw[:, n:, _COS_H]
        w = torch.relu(cos_dh) + ORBIT_WEIGHT_FLOOR
        w = (w / w.sum(dim=1, keepdim=True))[:, :, None, None]
        return torch.cat([(x[:, b::nb] * w).sum(dim=1, keepdim=True) for b in range(nb)], dim=1)

    def forward(self, images, dem, conditions):
        """images (B, 2N, H, W) dB; dem (B, 1, H, W) m; conditions (B, N+1, C) raw -> (B, 2, H, W) dB."""
        x, z, c, raw = self._normalise(images, dem, conditions)
        emb = self.cond_mlp(c)
        films = None
        if self.film is not None:
            films = [tuple(torch.chunk(lin(emb), 2, dim=1)) for lin in self.film]
        k = 0
        h = torch.cat([x, z], dim=1)
        skips = []
        for enc in self.encoders:
            h = enc(h, films[k] if films else None)
            k += 1
            skips.append(h)
            h = self.pool(h)
        if self.arch == "bottleneck":
            grid = emb[:, :, None, None] * torch.ones_like(h[:, :1])
            h = torch.cat([h, grid], dim=1)
        h = self.bottleneck(h, films[k] if films else None)
        k += 1
        for up, dec, skip in zip(self.ups, self.decoders, reversed(skips)):
            h = dec(torch.cat([up(h), skip], dim=1), films[k] if films else None)
            k += 1
        out = self.head(h)
        if self.residual:
            out = out + self._base(x, raw)
        return out * self.db_std[None, :, None, None] + self.db_mean[None, :, None, None]


def build(config=None, **kwargs):
    """A ``LearnedDI`` from a config dict (as ``model.config``) and/or keyword arguments."""
    cfg = dict(config or {})
    cfg.update(kwargs)
    return LearnedDI(**cfg)
