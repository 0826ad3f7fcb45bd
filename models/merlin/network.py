"""The MERLIN U-Net of the ``deepdespeckling`` package with its trained Sentinel-1 TOPS weights (torch).

Outside QGIS only (imports torch and the installed package). The network is
the package's own ``deepdespeckling.model.Model`` (Dalsasso, Denis & Tupin
2021, "As if by magic: self-supervised training of deep despeckling networks
with MERLIN", IEEE TGRS 60); its weights are the package's
``merlin/saved_models/sentinel_tops.pth`` (installed from PyPI, never copied
into this repository).

What the package does with these weights (deepdespeckling 0.8,
``merlin/merlin_denoiser.py`` and ``utils/constants.py``): the input is the
real (or the imaginary) part ``a`` of a Sentinel-1 TOPS SLC in digital
numbers; the network sees ``x = (ln(a^2 + 1e-3) - 2 m) / (2 (M - m))`` with
``M = 12.385`` and ``m = -ln(0.001) = +6.908`` (sic: positive), returns
``y = x - n`` (n: its residual) and the reflectivity estimate is
``R = exp(2 ((M - m) y + m))``, the intensity E|z|^2 (the training loss is the
Gaussian likelihood of the other component, 0.5 ln R + b^2 / R, minimal at
R = 2 b^2 whose mean is E|z|^2). The package averages the estimates from the
real and the imaginary parts. Patches are 256 x 256 with a stride of 254.
(In 0.8 the high-level ``despeckling.despeckle`` passes "Sentinel_TOPS" while
``MerlinDenoiser`` expects "Sentinel-TOPS", so only ``MerlinDenoiser`` itself
reaches these weights; the package has no path for detected GRD images.)

``PowerDespeckler`` adapts it to detected (GRD-like) images, which have no
real/imaginary parts: an L-look intensity I is shifted in the log domain so
that its log-mean equals that of a squared SLC component of the same
reflectivity: E ln(a^2) = ln R + psi(1/2) for a ~ N(0, R/2), E ln I = ln R +
psi(L) - ln L for Gamma(L, R/L) speckle (e.g. Xie, Pierce & Ulaby 2002, IEEE
TGRS 40(3), for the log-speckle mean), so the network sees
``I * exp(psi(1/2) - psi(L) + ln L) * gain``; ``gain`` brings calibrated
sigma0 into the digital-number range the weights were trained on. The
result is divided by ``gain``.

On detected data the network alone is biased (its mean is 25 to 70 % low on
simulated Gamma speckle, depending on the looks and the level: it was trained
for the heavy log-chi2(1) noise of one SLC component), so the graph ends with
a local radiometric re-anchoring: the estimate is multiplied by
boxcar_W(input) / boxcar_W(estimate) over a ``mean_window`` W x W window (no
padding counted at the borders), so its local mean over W x W equals the
input's as for the classic filters (a despeckling filter must preserve the
mean, e.g. Lee 1980), while the network supplies the structure within the
window. ``gain`` and W are chosen by the conversion run on the simulator
(``convert.calibrate``).
"""
import math
import os

import torch

#: File of the trained weights inside the installed package.
WEIGHTS_FILE = os.path.join("merlin", "saved_models", "sentinel_tops.pth")
#: Floor added to the squared component before the log (the package's 1e-3, digital numbers^2).
LOG_FLOOR = 1e-3
#: Poolings of the U-Net: input sides must be multiples of 2**5.
SIZE_MULTIPLE = 32
#: Encoder convolutions (3 x 3, 1 -> 48 then 48 -> 48 channels, LeakyReLU 0.1, max-pool after 1-5).
ENCODER_LAYERS = ("enc0", "enc1", "enc2", "enc3", "enc4", "enc5", "enc6")


def package_available():
    """True when torch and deepdespeckling can be imported (the converter's needs)."""
    try:
        import deepdespeckling.model  # noqa: F401
    except ImportError:
        return False
    return True


def package_version():
    """Installed deepdespeckling version (str), or 'unknown'."""
    from importlib import metadata
    try:
        return metadata.version("deepdespeckling")
    except metadata.PackageNotFoundError:
        return "unknown"


def weights_path():
    """Absolute path of ``sentinel_tops.pth`` in the installed package (FileNotFoundError if absent)."""
    import deepdespeckling
    path = os.path.join(os.path.dirname(deepdespeckling.__file__), WEIGHTS_FILE)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} is missing: reinstall deepdespeckling (pip install --no-deps "
                                "deepdespeckling)")
    return path


def normalisation():
    """(M, m): the package's Sentinel-TOPS normalisation constants (natural log of amplitude)."""
    from deepdespeckling.utils.constants import M_s, m_s
    return float(M_s), float(m_s)


def state_dict():
    """The trained weights as a state dict (``torch.load(weights_only=True)``, on the CPU)."""
    return torch.load(weights_path(), map_location="cpu", weights_only=True)


def load_package_model(size=256):
    """The package's ``Model`` (fixed ``size`` x ``size`` input, batch 1), TOPS weights, eval mode."""
    from deepdespeckling.model import Model
    model = Model("cpu", height=size, width=size)
    model.load_state_dict(state_dict())
    return model.eval()


def encoder_state_dict():
    """The MERLIN encoder weights: a dict 'encK.weight' / 'encK.bias' -> tensor, K = 0..6.

    enc0.weight (48, 1, 3, 3) takes one normalised log-intensity channel; enc1..enc6
    .weight (48, 48, 3, 3); every .bias (48,). Each convolution is followed by
    LeakyReLU(0.1); a 2 x 2 max-pool follows enc1, enc2, enc3, enc4 and enc5.
    The names are those of ``deepdespeckling.model.Model`` (a SAR-pretrained
    initialisation for other encoders with this layout).
    """
    weights = state_dict()
    return {k: v for k, v in weights.items() if k.split(".")[0] in ENCODER_LAYERS}


def residual(model, x):
    """The package network's residual n for a normalised input x (B, 1, H, W), H and W multiples of 32.

    Same layers and order as ``deepdespeckling.model.Model.forward`` (which
    returns x - n but reshapes to its fixed size and batch 1); this version
    accepts any batch and size.
    """
    act, pool, up = model.leaky, model.pool, model.upscale2d
    skips = [x]
    n = act(model.enc1(act(model.enc0(x))))
    n = pool(n)
    skips.append(n)
    for conv in (model.enc2, model.enc3, model.enc4):
        n = pool(act(conv(n)))
        skips.append(n)
    n = act(model.enc6(pool(act(model.enc5(n)))))
    for first, second in ((model.dec5, model.dec5b), (model.dec4, model.dec4b),
                          (model.dec3, model.dec3b), (model.dec2, model.dec2b)):
        n = torch.cat((up(n), skips.pop()), dim=1)
        n = act(second(act(first(n))))
    n = torch.cat((up(n), skips.pop()), dim=1)
    n = act(model.dec1b(act(model.dec1a(n))))
    return model.dec1(n)


def digamma(x):
    """psi(x) for x > 0 (torch, elementwise): recurrence to x + 6, then the asymptotic series.

    psi(x) = psi(x + 6) - sum_{k=0..5} 1 / (x + k); psi(z) ~ ln z - 1/(2z) - 1/(12z^2)
    + 1/(120z^4) - 1/(252z^6) + 1/(240z^8) (Abramowitz & Stegun 6.3.5 and 6.3.18); error < 1e-10
    for x > 0.
    Plain arithmetic, so it exports to ONNX (which has no digamma operator).
    """
    shift = sum(1.0 / (x + k) for k in range(6))
    z = x + 6.0
    inv2 = 1.0 / (z * z)
    series = torch.log(z) - 0.5 / z - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (1.0 / 252 - inv2 / 240)))
    return series - shift


#: psi(1/2) = -gamma - 2 ln 2 (Abramowitz & Stegun 6.3.3).
PSI_HALF = -0.5772156649015329 - 2.0 * math.log(2.0)


class PowerDespeckler(torch.nn.Module):
    """MERLIN on detected intensity: linear power (B, 1, H, W) and looks (B, 1) in, linear power out.

    ``forward`` returns (re-anchored estimate, the network's own estimate), both linear power.

    ``gain``: multiplies the power before the network (digital numbers^2 per
    unit of input power); ``mean_window``: odd side W (pixels) of the local
    re-anchoring window (0: none, the network's raw estimate). H and W must
    be multiples of 32 (``SIZE_MULTIPLE``). Power <= 0 is treated as the
    package's floor (1e-3 digital numbers^2).
    """

    def __init__(self, model, gain, mean_window=0, M=None, m=None):
        super().__init__()
        if M is None or m is None:
            M, m = normalisation()
        if mean_window and mean_window % 2 == 0:
            raise ValueError(f"mean_window must be odd, got {mean_window}")
        self.model = model
        self.gain = float(gain)
        self.mean_window = int(mean_window)
        self.M, self.m = float(M), float(m)

    def local_mean(self, x):
        """Mean over the W x W window around each pixel, pixels outside the image not counted."""
        w = self.mean_window
        return torch.nn.functional.avg_pool2d(x, w, stride=1, padding=w // 2, count_include_pad=False)

    def forward(self, power, looks):
        looks = looks.reshape(-1, 1, 1, 1)
        shift = PSI_HALF - digamma(looks) + torch.log(looks)
        scaled = torch.clamp(power, min=0.0) * (self.gain * torch.exp(shift))
        span = 2.0 * (self.M - self.m)
        x = (torch.log(scaled + LOG_FLOOR) - 2.0 * self.m) / span
        y = x - residual(self.model, x)
        estimate = torch.exp(span * y + 2.0 * self.m) / self.gain
        if not self.mean_window:
            return estimate, estimate
        anchored = estimate * (self.local_mean(torch.clamp(power, min=0.0)) / self.local_mean(estimate))
        return anchored, estimate
