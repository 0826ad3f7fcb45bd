"""Convert the deepdespeckling MERLIN Sentinel-1 TOPS weights to ONNX (torch, outside QGIS).

    python -m sar_change.models.merlin.convert [--out models/merlin/merlin_s1_tops.onnx]

Builds the package's network with its trained weights (``network.py``),
chooses the input gain and the re-anchoring window on the simulator
(``calibrate``: speckle-free twins of simulated Sentinel-1 scenes that no
benchmark or test reports on), exports ``PowerDespeckler`` (log transform,
normalisation, network, de-normalisation, exp and re-anchoring all inside the
graph) with dynamic batch and size, checks the parity of onnxruntime against
torch on a real Sentinel-1 patch (``../shared/data`` Idaho VV, else a
simulated one), and writes the metadata and a model card (``<out>.md``) with
the numbers this run measured. The weights and the .onnx are never committed:
``scripts/setup.sh`` runs this conversion when torch and deepdespeckling are
installed.

Graph: inputs ``power`` (batch, 1, rows, cols) float32 linear power (sigma0 or
gamma0, NaN not allowed: the tiled runner fills no data) and ``looks``
(batch, 1) float32 equivalent number of looks; output ``despeckled`` (batch,
1, rows, cols) float32 linear power, and ``network_estimate`` (the same
before the local re-anchoring, for study). Rows and cols must be multiples of 32.
"""
import argparse
import datetime as _dt
import os
import sys
import time

import numpy as np

from . import network, paths
from .scenes import log_rmse_db, simulated_scene, speckled

#: Model kind (``sar_change.kind``) and its contract version; core.speckle.learned reads them.
KIND, KIND_VERSION = "despeckle", "1"
DEFAULT_OUT = paths.DEFAULT_MODEL
INPUT_POWER, INPUT_LOOKS, OUTPUT, OUTPUT_RAW = "power", "looks", "despeckled", "network_estimate"
TILE_SIZE = 256
#: Pixels per side shared by adjacent tiles (the package itself overlaps its 256-pixel patches by 2).
OVERLAP = 32
#: Calibration protocol (simulator only; benchmarks/despeckling.py uses other seeds).
CALIBRATION_SEEDS = (101, 102)
CALIBRATION_LOOKS = (1.0, 4.0)
CALIBRATION_SIZE = 256
GAINS = (10 ** 3.5, 10 ** 4.0, 10 ** 4.5)
MEAN_WINDOWS = (7, 15, 31)
#: Real patch for the parity check (linear power VV, band 1), relative to the repository root.
PARITY_SCENE = os.path.join("..", "shared", "data", "s1_idaho_3date",
                            "S1B_20190225_relorb20_asc_VV_VH_inc.tif")
LICENCE_FILE = "LICENSE_MERLIN.txt"
REFERENCES = [
    "Dalsasso, Denis & Tupin (2021) As if by magic: self-supervised training of deep despeckling "
    "networks with MERLIN, IEEE TGRS 60",
    "deepdespeckling (hi-paris, MIT licence), https://github.com/hi-paris/deepdespeckling",
]
LICENCE_NOTICE = ("MERLIN network and Sentinel-1 TOPS weights from the deepdespeckling package, MIT "
                  "licence, Copyright (c) 2022, Emanuele Dalsasso, deepdespeckling team; see "
                  + LICENCE_FILE)


def repository_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_torch(despeckler, power, looks):
    """Apply a ``PowerDespeckler`` to a 2-D power array (sides multiples of 32); float32 2-D."""
    import torch
    with torch.no_grad():
        x = torch.as_tensor(np.asarray(power, np.float32)[None, None])
        return despeckler(x, torch.tensor([[float(looks)]]))[0].numpy()[0, 0]


def calibrate(model, seeds=CALIBRATION_SEEDS, looks=CALIBRATION_LOOKS, gains=GAINS, windows=MEAN_WINDOWS):
    """Choose (gain, mean window) minimising the mean log-RMSE (dB) against the speckle-free twin.

    Window 0 (the network alone, no re-anchoring) is measured for the card but never chosen: its
    mean is biased.

    Scenes: the simulator's ``seeds``, each speckled at every value of ``looks``.
    Returns (gain, window, table) with table rows (gain, window, mean RMSE dB, mean
    ratio of means) and, per looks, the RMSE of the speckled input.
    """
    cases = []
    for seed in seeds:
        clean = simulated_scene(seed, CALIBRATION_SIZE)
        for k, L in enumerate(looks):
            cases.append((clean, L, speckled(clean, L, 1000 * seed + k)))
    table = []
    for gain in gains:
        for window in (0,) + tuple(windows):  # 0: the network alone, reported, never chosen (biased)
            despeckler = network.PowerDespeckler(model, gain, window)
            errors, ratios = [], []
            for clean, L, noisy in cases:
                out = run_torch(despeckler, noisy, L)
                errors.append(log_rmse_db(out, clean))
                ratios.append(float(out.mean() / clean.mean()))
            table.append((gain, window, float(np.mean(errors)), float(np.mean(ratios))))
    best = min((row for row in table if row[1]), key=lambda row: row[2])
    noisy = {L: float(np.mean([log_rmse_db(n, c) for c, lk, n in cases if lk == L])) for L in looks}
    return best[0], best[1], {"grid": table, "speckled_rmse_db": noisy}


def export(despeckler, out_path, metadata):
    """Write ``despeckler`` as ONNX (dynamic batch/rows/cols) with ``metadata`` (the framework exporter)."""
    import torch

    from ..framework import export as fx
    args = (torch.ones(2, 1, 64, 96), torch.full((2, 1), 4.0))
    axes = {**fx.image_axes([INPUT_POWER, OUTPUT, OUTPUT_RAW]), **fx.image_axes([INPUT_LOOKS], spatial=False)}
    return fx.export_onnx(despeckler, out_path, args, [INPUT_POWER, INPUT_LOOKS], [OUTPUT, OUTPUT_RAW], axes,
                          metadata, producer="sar_change.models.merlin.convert",
                          doc="MERLIN (deepdespeckling, Sentinel-1 TOPS weights) on detected linear power")


def parity_patch():
    """(256 x 256 float32 linear power patch, description): Idaho VV when present, else simulated."""
    path = os.path.join(repository_root(), PARITY_SCENE)
    if os.path.isfile(path):
        from ...core.engine.raster_blocks import read_array
        vv = read_array(path, 1)[:256, :256]
        return np.ascontiguousarray(vv, np.float32), f"{os.path.basename(path)} band 1 (VV), rows/cols 0-255"
    clean = simulated_scene(7)
    return speckled(clean, 4.0, 7), "simulated scene (seed 7, 4 looks): ../shared/data absent"


def parity(despeckler, model, onnx_path, patch, looks=4.0):
    """Measured agreement: package forward vs ``residual``, and onnxruntime vs torch (dict of floats)."""
    import onnxruntime as ort
    import torch
    M, m = despeckler.M, despeckler.m
    x = (np.log(np.maximum(patch, 0) * despeckler.gain + network.LOG_FLOOR) - 2 * m) / (2 * (M - m))
    xt = torch.as_tensor(x[None, None].astype(np.float32))
    reference = network.load_package_model(patch.shape[0])
    with torch.no_grad():
        package = reference(xt).numpy()
        ours = (xt - network.residual(model, xt)).numpy()
    expected = run_torch(despeckler, patch, looks)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    got = session.run([OUTPUT], {INPUT_POWER: patch[None, None],
                                 INPUT_LOOKS: np.array([[looks]], np.float32)})[0][0, 0]
    rel = np.abs(got.astype(np.float64) - expected) / np.abs(expected)
    return {"package_vs_residual_max_abs": float(np.max(np.abs(package - ours))),
            "onnx_vs_torch_max_rel": float(rel.max()), "onnx_vs_torch_mean_rel": float(rel.mean()),
            "looks": looks}


def build_metadata(gain, window, calibration, checks, patch_source, runtime_s):
    """(metadata in the framework schema as stored, the same entries decoded for the card)."""
    from ..framework import metadata as md
    M, m = network.normalisation()
    ranges = {INPUT_POWER: {"min": 1e-5, "max": 10.0, "units": "linear power"},
              INPUT_LOOKS: {"min": 1.0, "max": 100.0, "units": "looks"}}
    inputs = {"tensors": [
        md.tensor_spec(INPUT_POWER, "BCHW", bands=["one band (VV, VH, HH or HV)"], scale="linear_power",
                       units="sigma0 or gamma0, linear", valid_range=(1e-5, 10.0)),
        md.tensor_spec(INPUT_LOOKS, "BC", scale="none", units="equivalent number of looks",
                       valid_range=(1.0, 100.0))]}
    outputs = [md.tensor_spec(OUTPUT, "BCHW", scale="linear_power", units="as the input power"),
               md.tensor_spec(OUTPUT_RAW, "BCHW", scale="linear_power", units="as the input power",
                              description="the network's estimate before the local re-anchoring (biased; "
                                          "for study)")]
    preprocessing = {"gain": gain, "log_floor": network.LOG_FLOOR, "M": M, "m": m,
                     "looks_shift": "power * exp(psi(1/2) - psi(L) + ln L)", "mean_window": window}
    parameters = sum(int(v.numel()) for v in network.state_dict().values())
    extra = {
        "name": "MERLIN Sentinel-1 TOPS (deepdespeckling)",
        "source": f"deepdespeckling {network.package_version()} merlin/saved_models/sentinel_tops.pth",
        "licence": LICENCE_NOTICE,
        "references": REFERENCES,
        "parameters": parameters,
        "preprocessing": preprocessing,
        "calibration": {"seeds": list(CALIBRATION_SEEDS), "looks": list(CALIBRATION_LOOKS),
                        "size": CALIBRATION_SIZE, **calibration},
        "parity": {**checks, "patch": patch_source},
        "converted": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runtime_s": round(runtime_s, 1),
    }
    stored = md.build_metadata(
        KIND, KIND_VERSION, inputs, outputs, size_multiple=network.SIZE_MULTIPLE, tile_size=TILE_SIZE,
        overlap=OVERLAP, normalisation=preprocessing, valid_ranges=ranges,
        architecture={"name": "MERLIN U-Net (Dalsasso, Denis & Tupin 2021)", "parameters": parameters},
        extra=extra)
    card = {"kind": KIND, "tile_size": TILE_SIZE, "overlap": OVERLAP, "size_multiple": network.SIZE_MULTIPLE,
            "valid_ranges": {k: [v["min"], v["max"]] for k, v in ranges.items()}, **extra}
    return stored, card


def write_card(path, meta):
    cal, par, pre = meta["calibration"], meta["parity"], meta["preprocessing"]
    rows = "\n".join(f"| {g:.3g} | {w or 'none (network alone)'} | {e:.3f} | {r:.3f} |"
                     for g, w, e, r in cal["grid"])
    offered = sorted({w for _, w, _, _ in cal["grid"] if w})
    smallest = (f" The smallest window offered ({offered[0]}) won: on these scenes the network adds "
                "little beyond the input's local mean." if pre["mean_window"] == offered[0] else "")
    noisy = ", ".join(f"{L:g} looks {v:.3f} dB" for L, v in cal["speckled_rmse_db"].items())
    text = f"""# Model card: {meta['name']}

Written by `python -m sar_change.models.merlin.convert` on {meta['converted']} ({meta['runtime_s']} s).

- Kind: `{meta['kind']}`; source: {meta['source']}.
- Licence: {meta['licence']}.
- Network: MERLIN U-Net (Dalsasso, Denis & Tupin 2021), {meta['parameters']} parameters,
  trained by its authors on Sentinel-1 TOPS SLC real/imaginary parts (self-supervised).
- Inputs: `power` (batch, 1, rows, cols) linear power; `looks` (batch, 1) ENL. Output `despeckled`,
  linear power. Rows/cols multiples of {meta['size_multiple']}; tiles {meta['tile_size']} px with
  {meta['overlap']} px overlap.
- In the graph: power x exp(psi(1/2) - psi(L) + ln L) x gain {pre['gain']:.4g}, then
  (ln(. + {pre['log_floor']}) - 2m) / (2(M - m)) with M = {pre['M']}, m = {pre['m']:.4f} (the package's
  Sentinel-TOPS constants), the network (x - residual), exp(2((M - m) y + m)) / gain, and the
  local re-anchoring estimate x boxcar_{pre['mean_window']}(power) / boxcar_{pre['mean_window']}(estimate).
- Valid ranges: power {meta['valid_ranges']['power']}, looks {meta['valid_ranges']['looks']}.

## Calibration (simulator only)

Gain and re-anchoring window chosen by the lowest mean log-RMSE against the speckle-free twin on
simulator seeds {cal['seeds']} ({cal['size']} x {cal['size']} px, VV) at {cal['looks']} looks
(speckled input: {noisy}).

| gain | window | mean log-RMSE (dB) | mean ratio of means |
|---|---|---|---|
{rows}

Chosen: gain {pre['gain']:.4g}, window {pre['mean_window']}.{smallest}

## Parity (this run)

On {par['patch']} at {par['looks']:g} looks:
- package `Model.forward` vs this module's `residual` (normalised input): max abs difference
  {par['package_vs_residual_max_abs']:.3g};
- onnxruntime vs torch: max relative difference {par['onnx_vs_torch_max_rel']:.3g}, mean
  {par['onnx_vs_torch_mean_rel']:.3g}.

## Limits

The weights were trained on single SLC components of Sentinel-1 TOPS (log of a chi2(1) variable);
detected multi-look images are outside that domain: the raw network is biased low (hence the
re-anchoring) and removes fine structure. `benchmarks/despeckling.py` compares it with the classic
filters on real Sentinel-1 and on the simulator.
"""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def convert(out_path=DEFAULT_OUT, threads=2, log=print):
    """Run the whole conversion; returns the metadata written to ``out_path`` (framework schema)."""
    import torch
    torch.set_num_threads(int(threads))
    t0 = time.perf_counter()
    out_path = os.path.abspath(out_path)
    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    model = network.load_package_model()
    log("calibrating gain and re-anchoring window on the simulator ...")
    gain, window, calibration = calibrate(model)
    log(f"chosen gain {gain:.4g}, window {window}")
    despeckler = network.PowerDespeckler(model, gain, window).eval()
    export(despeckler, out_path, {"sar_change.kind": KIND})  # for the parity run; rewritten below
    patch, patch_source = parity_patch()
    checks = parity(despeckler, model, out_path, patch)
    log(f"parity: {checks}")
    meta, card = build_metadata(gain, window, calibration, checks, patch_source, time.perf_counter() - t0)
    export(despeckler, out_path, meta)
    write_card(os.path.splitext(out_path)[0] + ".md", card)
    licence = os.path.join(os.path.dirname(out_path), LICENCE_FILE)
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), LICENCE_FILE)
    same = os.path.exists(licence) and os.path.samefile(licence, packaged)  # e.g. through .plugins/
    if not same and os.path.isfile(packaged):
        import shutil
        shutil.copyfile(packaged, licence)
    log(f"wrote {out_path}")
    return meta


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=DEFAULT_OUT, help="ONNX file to write (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    args = parser.parse_args(argv)
    if not network.package_available():
        print("torch and deepdespeckling are needed: pip install --no-deps deepdespeckling", file=sys.stderr)
        return 2
    convert(args.out, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
