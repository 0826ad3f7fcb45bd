"""SAR Change demo: every stage that exists, on a deterministic simulated stack.

Run by the README's demo command (scripts/demo.sh). It starts a headless QGIS
and runs the Processing algorithms exactly as a user would, in order:

1. ``sarchange:simulatestack``: 512 x 512 px, 2020-2021, 12-day revisit, both
   orbit directions, seed 2026 (about 120 acquisitions, VV and VH);
2. ``sarchange:estimateenl`` on the newest acquisition;
3. ``sarchange:specklefilter`` with every method on it (quick-look);
4. ``sarchange:injectchanges``: -2.5 dB blobs in the newest acquisition;
5. the change-detection chain on the newest acquisition against its
   reference (same orbit direction, closest incidence: Alatalo's method 1):
   7x7 boxcar on both dates (on this textured scene the edge-preserving
   filters leave ~1.4 dB of log-ratio noise against 0.5 dB for the boxcar),
   log-ratio of VV, Kittler-Illingworth threshold on the decrease side,
   evaluation against the ground truth (simulated changes + injected blobs)
   with an HTML report. The AUC is that of the negated DI (decrease = change);
6. ``sarchange:terraingeometry``: local incidence and layover/shadow of the DEM;
7. ``sarchange:coregister``: the target against its reference;
8. ``sarchange:learneddi`` with the shipped model (models/learned_di.onnx), when
   present: learned DI vs the conventional DI, each evaluated against the
   injected changes (balanced ROC, as Alatalo et al. 2023);
9. ``sarchange:finetunelearneddi``: the shipped model fine-tuned on the stack's
   acquisitions *before* the target (``--finetune-minutes``, default 2; no
   labels, the target date and the injected changes are never seen), then
   step 8 again with the fine-tuned model. Needs a Python with torch (skipped
   otherwise, or with ``--finetune-minutes 0``). The AUCs before and after, and
   each learned DI's mean and RMS of actual - predicted dB outside the injected
   blobs and the per-band scene medians its default centring subtracted, go to
   ``learned_di_auc.json``.

10. ``sarchange:unsupervisedchange`` (default chain) on the same pair, evaluated;
11. ``sarchange:coherencefromintensity``: coherence of the reference and the target
    from the detected images, shipped model and intensity-correlation baseline
    (the stack's speckle is independent per date: true coherence 0), and both on a
    simulated 12-day winter pair with correlated speckle, scored against its
    SLC-derived reference and true coherence (``coherence_scores.json``);
12. ``sarchange:sartooptical``: the latest snow-free acquisition as Sentinel-2-like
    true colour (shipped SARDINet with DEM fusion, lit by the sun of the acquisition date read
    from the file name), next to the simulator's optical twin.
13. ``sarchange:segment`` with the shipped segmentation model (water / ice / land,
    models/segmentation.onnx) on the target (VV, VH and the incidence angle of its
    pass): the demo scene holds a river and lakes and no ice, so the water class is
    scored against the simulator's land cover (water vs not water: IoU, F1,
    precision, recall) in ``segmentation_scores.json``.

Outputs go to the output folder: the stack, filtered images, masks,
``report.html`` and ``quicklook.png``. Steps 1-8 take under a minute; the
fine-tune adds its time budget.
"""
import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / ".plugins"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from sar_change.core.engine import raster_blocks as rb  # noqa: E402
from sar_change.core.simulator import optical as twin  # noqa: E402
from sar_change.core.speckle import registry  # noqa: E402

SEED = 2026
START, END = "2020-01-01", "2021-12-31"


def start_qgis():
    """Headless QGIS with Processing and the SAR Change provider; returns ``processing``."""
    from qgis.core import QgsApplication
    from qgis.testing import start_app

    app = start_app(cleanup=False)
    sys.path.insert(0, "/usr/share/qgis/python/plugins")
    import processing
    from processing.core.Processing import Processing

    Processing.initialize()
    from sar_change.processing.provider import SarChangeProvider

    provider = SarChangeProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    app._sar_change_provider = provider
    return processing


def has_algorithm(algorithm_id):
    from qgis.core import QgsApplication

    return QgsApplication.processingRegistry().algorithmById(algorithm_id) is not None


def reference_for(rows, target):
    """Alatalo et al. (2023) method 1: earlier, same orbit direction, closest mean incidence."""
    t = rows[target]
    earlier = [r for r in rows[:target] if r["orbit_direction"] == t["orbit_direction"]]
    return min(reversed(earlier),
               key=lambda r: abs(float(r["mean_incidence_deg"]) - float(t["mean_incidence_deg"])))


def torch_python():
    """True when the training algorithms can find a Python with torch (the fine-tuning step needs one)."""
    from sar_change.processing.algorithms import training_runner

    try:
        training_runner.default_python()
    except Exception as exc:  # QgsProcessingException naming the fix
        print(f"    (fine-tuning skipped: {exc})")
        return False
    return True


def learned_vs_conventional(processing, table, model, out, tag, images):
    """Learned DI of the table's newest acquisition with ``model`` and the conventional DI, each
    evaluated against the injected changes; returns {"learned": AUC, "conventional": AUC,
    "learned_bias_db", "learned_rmse_db", "learned_offsets_db"}: the mean and RMS of actual - predicted
    dB (both bands) outside the injected blobs, before the centring (with darkening blobs, a positive
    bias brings them nearer 0 dB), and the scene medians the default centring subtracted per band."""
    learned = processing.run("sarchange:learneddi", {
        "STACK_TABLE": str(table), "MODEL": str(model),
        "OUTPUT_PREDICTED": str(out / f"learned_predicted_db_{tag}.tif"),
        "OUTPUT_DI": str(out / f"learned_di_db_{tag}.tif"),
        "OUTPUT_DI_NORM": str(out / f"learned_di_norm_{tag}.tif"),
        "OUTPUT_CONVENTIONAL_DI": str(out / "conventional_di_norm.tif")})
    outside = rb.read_array(str(out / "injected_mask.tif")) == 0
    offsets = {band: learned.get(f"RESIDUAL_OFFSET_{band}_DB", 0.0) for band in ("VV", "VH")}
    residual = np.stack([rb.read_array(learned["OUTPUT_DI"], b) + np.float32(offsets[band])
                         for b, band in ((1, "VV"), (2, "VH"))])[:, outside]  # the centring undone
    aucs = {"learned_bias_db": float(np.nanmean(residual)),
            "learned_rmse_db": float(np.sqrt(np.nanmean(residual ** 2))), "learned_offsets_db": offsets}
    print(f"    learned DI ({tag} model): actual - predicted outside the injected blobs: mean "
          f"{aucs['learned_bias_db']:+.2f} dB, RMS {aucs['learned_rmse_db']:.2f} dB; scene medians "
          f"subtracted before the norm: VV {offsets['VV']:+.2f} dB, VH {offsets['VH']:+.2f} dB")
    for name, di_path in (("learned", learned["OUTPUT_DI_NORM"]),
                          ("conventional", learned["OUTPUT_CONVENTIONAL_DI"])):
        label = f"{name}_{tag}" if name == "learned" else name
        ev = processing.run("sarchange:evaluatechange", {
            "DI": di_path, "REFERENCE": str(out / "injected_mask.tif"), "BALANCED": True,
            "OUTPUT_HTML": str(out / f"report_{label}_di.html"),
            "OUTPUT_JSON": str(out / f"report_{label}_di.json")})
        aucs[name] = ev["AUC"]
        print(f"    {name} DI ({tag} model): AUC {ev['AUC']:.3f} against the injected changes "
              f"-> {out / f'report_{label}_di.html'}")
        images[f"{label} DI (Euclidean norm, dB)"] = (rb.read_array(di_path), "di")
    return aucs


def water_scores(predicted, truth):
    """Water vs not-water scores of boolean maps: IoU, F1, precision, recall, accuracy, pixel counts."""
    tp = int(np.sum(predicted & truth))
    fp = int(np.sum(predicted & ~truth))
    fn = int(np.sum(~predicted & truth))
    tn = int(predicted.size - tp - fp - fn)
    return {"iou": tp / max(tp + fp + fn, 1), "f1": 2 * tp / max(2 * tp + fp + fn, 1),
            "precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1),
            "accuracy": (tp + tn) / max(predicted.size, 1), "true_positive": tp, "false_positive": fp,
            "false_negative": fn, "true_negative": tn}


def segment_target(processing, out, stack, target, target_path, images):
    """Step 13: the shipped segmentation model on the target (VV, VH linear + incidence of its pass);
    water scored against the land cover's water class (the stack's floods are checked: none may be
    under way on the target date, or the score says so)."""
    from sar_change.core.simulator.acquisitions import ORBIT_CODES
    from sar_change.core.simulator.landcover import WATER

    geometry = out / "stack" / f"geometry_{ORBIT_CODES[target['orbit_direction']]}.tif"
    scene = out / "target_vv_vh_incidence.tif"
    rb.write_array(scene, np.stack([rb.read_array(target_path, 1), rb.read_array(target_path, 2),
                                    rb.read_array(str(geometry), 1)]), like=target_path,
                   descriptions=["VV", "VH", "incidence_deg"])
    result = processing.run("sarchange:segment", {
        "INPUT": str(scene), "BANDS": "1,2", "SCALE": 0, "INCIDENCE_BAND": 3,
        "OUTPUT": str(out / "segmentation_classes.tif"),
        "PROBABILITIES": str(out / "segmentation_probabilities.tif")})
    classes = rb.read_array(result["OUTPUT"])
    truth = rb.read_array(str(out / "stack" / "landcover.tif"))
    with open(out / "stack" / "changes.csv") as f:
        floods = [r for r in csv.DictReader(f) if r["type"] == "flood" and r["date"] <= target["date"]
                  and (not r["end_date"] or target["date"] < r["end_date"])]
    water = truth == WATER
    scores = water_scores(classes == 0, water)
    surface = water_scores((classes == 0) | (classes == 1), water)  # open or frozen water
    from sar_change.models.segmentation import apply

    names = [c["name"] for c in apply.load_model(apply.SHIPPED_MODEL).classes]
    shares = {name: float(np.mean(classes == i)) for i, name in enumerate(names)}
    report = {"model": "models/segmentation.onnx", "target": target["file"],
              "truth": "landcover.tif water class",
              "water_share_truth": float(water.mean()), "predicted_shares": shares, "water": scores,
              "water_or_ice": surface,
              "floods_under_way": [r["event_id"] for r in floods]}
    with open(out / "segmentation_scores.json", "w") as f:
        json.dump(report, f, indent=1)
    print(f"    predicted shares {', '.join(f'{k} {v:.1%}' for k, v in shares.items())} "
          f"(truth: water {water.mean():.1%}, no ice); water IoU {scores['iou']:.3f}, F1 {scores['f1']:.3f}, "
          f"precision {scores['precision']:.3f}, recall {scores['recall']:.3f}; water or ice vs the "
          f"water: IoU {surface['iou']:.3f}, F1 {surface['f1']:.3f} -> "
          f"{out / 'segmentation_scores.json'}" + (f" (floods under way: {report['floods_under_way']})"
                                                   if floods else ""))
    from sar_change.core.simulator.segmentation import COLOURS

    palette = np.array(list(COLOURS) + [(0, 0, 0)] * (256 - len(COLOURS)), dtype=np.float64) / 255.0
    images["segmentation (shipped model): water / ice / land"] = (
        palette[np.nan_to_num(classes, nan=255).astype(np.uint8)], "palette")
    images["truth: water (land cover)"] = (water.astype(np.float32), "mask")


def quicklook(images, path, cols=4):
    """Save a grid of images (dict title -> (array, kind)) as a PNG; kind db, mask, di, unit, rgb or
    palette."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = (len(images) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (title, (array, kind)) in zip(axes.ravel(), images.items()):
        if kind == "db":
            ax.imshow(10 * np.log10(np.maximum(array, 1e-6)), cmap="gray", vmin=-25, vmax=0)
        elif kind == "rgb":  # reflectance bands (rows, cols, 3), one fixed stretch 0..0.3 (snow saturates)
            ax.imshow(np.clip(np.nan_to_num(array / 0.3), 0, 1))
        elif kind == "palette":  # class colours (rows, cols, 3), 0-1, shown as they are
            ax.imshow(array)
        elif kind == "unit":
            ax.imshow(array, cmap="viridis", vmin=0, vmax=1)
        else:
            ax.imshow(array, cmap="magma", vmin=0, vmax=1 if kind == "mask" else None)
        ax.set_title(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)


COHERENCE_METHODS = ((0, "learned"), (1, "intensity_correlation"))


def coherence_rmse(estimate, target):
    ok = np.isfinite(estimate) & np.isfinite(target)
    return float(np.sqrt(np.mean((estimate[ok] - target[ok]) ** 2)))


def coherence_step(processing, ref_path, target_path, out, images):
    """Step 11: coherence from detected images, learned and intensity correlation, scored against truth.

    (a) The demo pair: the stack draws each date's speckle on its own (it is no
    interferometric pair), so its true coherence is 0 and both estimates are
    scored against 0. (b) A 12-day winter pair of the same seed drawn as
    correlated circular-Gaussian SLC looks (core.simulator.coherence): both
    estimates scored against the SLC-derived reference (3 x 3 window) and the
    simulator's true coherence; the learned method gets the pair's weather (its
    pair.csv: rain, snowfall, melt, wind) and is also scored without it ("learned,
    weather unknown"). Returns the scores (RMSE, median)."""
    from sar_change.core.simulator.coherence import simulate_coherence_pairs

    def run(image_1, image_2, tag, weather=""):
        maps = {}
        runs = COHERENCE_METHODS + (((0, "learned_weather_unknown"),) if weather else ())
        for method, name in runs:
            result = processing.run("sarchange:coherencefromintensity", {
                "IMAGE_1": image_1, "IMAGE_2": image_2, "BAND_1": 1, "BAND_2": 1, "SCALE": 0,
                "METHOD": method, "WINDOW": 7, "OUTPUT": str(out / f"coherence_{tag}{name}.tif"),
                "WEATHER": weather if name == "learned" else ""})
            maps[name] = rb.read_array(result["OUTPUT"])
        return maps

    scores = {}
    demo = run(ref_path, target_path, "")
    scores["demo_pair"] = {name: {"median": float(np.nanmedian(c)),
                                  "rmse_vs_true_0": coherence_rmse(c, np.zeros_like(c))}
                           for name, c in demo.items()}
    for name, c in demo.items():
        images[f"coherence ({name.replace('_', ' ')})"] = (c, "unit")
        print(f"    demo pair, {name}: median {np.nanmedian(c):.2f}, RMSE against its true coherence 0 "
              f"(independent speckle per date) {scores['demo_pair'][name]['rmse_vs_true_0']:.3f}")
    sim = simulate_coherence_pairs(out / "coherence_pair", baselines_days=(12,), seed=SEED,
                                   shape=(256, 256), start="2021-12-01", end="2021-12-31",
                                   orbits=("ascending",), revisit_days=12, max_pairs=1)
    folder = out / "coherence_pair" / sim["pairs"][0]["pair"]
    truth = rb.read_array(str(folder / "coherence_true.tif"))
    reference = rb.read_array(str(folder / "coherence_reference.tif"))
    pair = run(str(folder / "intensity_1.tif"), str(folder / "intensity_2.tif"), "pair_",
               weather=str(folder / "pair.csv"))
    scores["simulated_pair"] = {"pair": sim["pairs"][0]["pair"], "reference_rmse_vs_truth":
                                coherence_rmse(reference, truth)}
    for name, c in pair.items():
        scores["simulated_pair"][name] = {"rmse_vs_reference": coherence_rmse(c, reference),
                                          "rmse_vs_truth": coherence_rmse(c, truth),
                                          "median": float(np.nanmedian(c))}
        print(f"    12-day pair {sim['pairs'][0]['pair']}, {name}: RMSE "
              f"{scores['simulated_pair'][name]['rmse_vs_reference']:.3f} against the SLC-derived reference, "
              f"{scores['simulated_pair'][name]['rmse_vs_truth']:.3f} against the true coherence")
    images["coherence, 12-day pair: learned"] = (pair["learned"], "unit")
    images["coherence, 12-day pair: true"] = (truth, "unit")
    print(f"    (the reference itself is {scores['simulated_pair']['reference_rmse_vs_truth']:.3f} "
          "from the truth)")
    return scores


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "demo_output")
    ap.add_argument("--finetune-minutes", type=float, default=2.0,
                    help="time budget of the fine-tuning step (0: skip it)")
    args = ap.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    processing = start_qgis()

    def step(title):
        print(f"[{time.perf_counter() - t0:6.1f} s] {title}", flush=True)

    step("1. simulate the demo stack")
    stack = processing.run("sarchange:simulatestack", {
        "SIZE": 512, "START_DATE": START, "END_DATE": END, "REVISIT": 12, "ORBITS": [0, 1],
        "POLARISATIONS": [0, 1], "LOOKS": 4, "SEED": SEED, "CHANGES": True,
        "OUTPUT_FOLDER": str(out / "stack")})
    with open(stack["ACQUISITIONS_CSV"]) as f:
        rows = list(csv.DictReader(f))
    target = rows[-1]
    ref = reference_for(rows, len(rows) - 1)
    target_path = str(out / "stack" / target["file"])
    ref_path = str(out / "stack" / ref["file"])
    print(f"    {stack['COUNT']} acquisitions; target {target['file']}, reference {ref['file']} "
          f"({ref['orbit_direction']}, {float(ref['mean_incidence_deg']):.1f} deg vs "
          f"{float(target['mean_incidence_deg']):.1f} deg)")

    step("2. estimate the ENL of the target (VV)")
    enl = processing.run("sarchange:estimateenl", {"INPUT": target_path, "BAND": 1, "SCALE": 0})["ENL"]
    print(f"    ENL {enl:.2f} (simulated: 4 looks, plus scene texture)")

    step("3. speckle filters on the target")
    images = {f"target VV (ENL {enl:.1f})": (rb.read_array(target_path, 1), "db")}
    for index, method in enumerate(registry.METHODS):
        filtered = out / f"target_{method}.tif"
        processing.run("sarchange:specklefilter", {
            "INPUT": target_path, "METHOD": index, "WINDOW_SIZE": 7, "LOOKS": 4, "SCALE": 0,
            "OUTPUT": str(filtered)})
        images[registry.LABELS[method]] = (rb.read_array(str(filtered), 1), "db")

    step("4. inject -2.5 dB changes into the target")
    injected = processing.run("sarchange:injectchanges", {
        "INPUT": target_path, "SCALE": 0, "MODE": 0, "OFFSET_DB": -2.5, "COUNT": 6, "RADIUS": 18,
        "SEED": SEED, "OUTPUT": str(out / "target_injected.tif"),
        "OUTPUT_MASK": str(out / "injected_mask.tif")})
    truth_sim = processing.run("sarchange:simulatedchangemask", {
        "CHANGE_DATE": stack["CHANGE_DATE"], "DATE_A": ref["date"], "DATE_B": target["date"],
        "OUTPUT": str(out / "simulated_change_mask.tif")})["OUTPUT"]
    truth = np.maximum(rb.read_array(truth_sim), rb.read_array(injected["OUTPUT_MASK"]) == 1)
    rb.write_array(out / "truth_mask.tif", truth, like=target_path)
    images["injected target VV"] = (rb.read_array(injected["OUTPUT"], 1), "db")
    images["truth: simulated + injected"] = (truth, "mask")
    print(f"    changed pixels in the truth mask: {int(np.nansum(truth))}")

    if has_algorithm("sarchange:differenceimage") and has_algorithm("sarchange:thresholdchange"):
        step("5. 7x7 boxcar on both dates, log-ratio, threshold, evaluation")
        despeckled = []
        for name, path in (("reference", ref_path), ("target", injected["OUTPUT"])):
            despeckled.append(processing.run("sarchange:specklefilter", {
                "INPUT": path, "METHOD": registry.METHODS.index(registry.BOXCAR), "WINDOW_SIZE": 7,
                "LOOKS": 4, "SCALE": 0, "OUTPUT": str(out / f"{name}_boxcar7.tif")})["OUTPUT"])
        di = processing.run("sarchange:differenceimage", {
            "IMAGE_1": despeckled[0], "IMAGE_2": despeckled[1], "BAND_1": 1, "BAND_2": 1, "SCALE": 0,
            "METHOD": 2, "OUTPUT": str(out / "di_log_ratio_vv.tif")})["OUTPUT"]
        mask = processing.run("sarchange:thresholdchange", {
            "INPUT": di, "BAND": 1, "METHOD": 1, "SIDE": 1,
            "OUTPUT_MASK": str(out / "change_mask.tif")})["OUTPUT_MASK"]
        images["DI: log-ratio VV (dB), 7x7 boxcar"] = (rb.read_array(di), "di")
        images["change mask (KI, decrease)"] = (rb.read_array(mask), "mask")
        if has_algorithm("sarchange:evaluatechange"):
            ev = processing.run("sarchange:evaluatechange", {
                "PREDICTION": mask, "DI": di, "DI_DIRECTION": 1, "REFERENCE": str(out / "truth_mask.tif"),
                "OUTPUT_HTML": str(out / "report.html"), "OUTPUT_JSON": str(out / "report.json")})
            print(f"    kappa {ev['KAPPA']:.3f}, F1 {ev['F1']:.3f}, AUC {ev['AUC']:.3f} "
                  f"-> {out / 'report.html'}")

    step("6. terrain geometry of the DEM (descending pass of the target)")
    geometry = processing.run("sarchange:terraingeometry", {
        "DEM": str(out / "stack" / "dem.tif"), "HEADING": float(target["heading_deg"]),
        "INCIDENCE": float(target["mean_incidence_deg"]),
        "LOCAL_INCIDENCE": str(out / "local_incidence_deg.tif"),
        "DISTORTION_MASK": str(out / "layover_shadow_mask.tif")})
    distortion = rb.read_array(geometry["DISTORTION_MASK"])
    print(f"    layover {np.nanmean((distortion.astype(int) & 1) > 0):.2%}, "
          f"shadow {np.nanmean((distortion.astype(int) & 2) > 0):.2%} of the scene")
    images["local incidence (deg)"] = (rb.read_array(geometry["LOCAL_INCIDENCE"]), "di")

    step("7. coregister the target to its reference (the demo stack has no shift: expect ~0 px)")
    coreg = processing.run("sarchange:coregister", {
        "REFERENCE": ref_path, "INPUTS": [target_path], "MODEL": 0, "RESAMPLING": 1,
        "OUTPUT_FOLDER": str(out / "coregistered"), "OUTPUT_TABLE": str(out / "coregistration_offsets.csv")})
    print(f"    offsets table {coreg['OUTPUT_TABLE']}")

    model = ROOT / "models" / "learned_di.onnx"
    if model.exists() and has_algorithm("sarchange:learneddi"):
        step("8. learned difference image (shipped model) vs the conventional DI")
        table = out / "stack" / "acquisitions_injected.csv"
        with open(stack["ACQUISITIONS_CSV"]) as f:
            lines = list(csv.DictReader(f))
        lines[-1]["file"] = injected["OUTPUT"]  # the newest acquisition, with the injected changes
        with open(table, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(lines[0].keys()))
            writer.writeheader()
            writer.writerows(lines)
        aucs = learned_vs_conventional(processing, table, model, out, "shipped", images)
        scores = {"target": target["date"], "shipped": aucs}
        if args.finetune_minutes > 0 and has_algorithm("sarchange:finetunelearneddi") and torch_python():
            step(f"9. fine-tune the shipped model on the acquisitions before {target['date']} "
                 f"({args.finetune_minutes:g} min), then the learned DI again")
            tuned = processing.run("sarchange:finetunelearneddi", {
                "STACK_TABLE": stack["ACQUISITIONS_CSV"],
                "TARGET_DATE": f"{target['date']} {target['orbit_direction']}", "MODEL": str(model),
                "MAX_MINUTES": args.finetune_minutes, "THREADS": 2, "SEED": 0,
                "OUTPUT_MODEL": str(out / "learned_di_finetuned.onnx")})
            print(f"    validation loss on earlier dates {tuned['VAL_LOSS_BEFORE']:.3f} -> "
                  f"{tuned['VAL_LOSS']:.3f} dB^2 (best epoch {tuned['BEST_EPOCH']:.0f}); "
                  f"card {tuned['CARD']}")
            scores["finetuned"] = learned_vs_conventional(processing, table, tuned["OUTPUT_MODEL"], out,
                                                          "finetuned", images)
            scores["finetune_minutes"] = args.finetune_minutes
        with open(out / "learned_di_auc.json", "w") as f:
            json.dump(scores, f, indent=1)
        print(f"    AUCs: {json.dumps(scores)} -> {out / 'learned_di_auc.json'}")

    if has_algorithm("sarchange:unsupervisedchange"):
        step("10. unsupervised change detection (default chain, no parameter to tune) on the same pair")
        unsup = processing.run("sarchange:unsupervisedchange", {
            "IMAGE_1": ref_path, "IMAGE_2": injected["OUTPUT"], "BAND_1": 1, "BAND_2": 1, "SCALE": 0,
            "METHOD": 0, "OUTPUT": str(out / "unsupervised_change_mask.tif")})
        images["unsupervised change (default)"] = (rb.read_array(unsup["OUTPUT"]) == 1, "mask")
        ev = processing.run("sarchange:evaluatechange", {
            "PREDICTION": unsup["OUTPUT"], "REFERENCE": str(out / "truth_mask.tif"),
            "OUTPUT_HTML": str(out / "report_unsupervised.html"),
            "OUTPUT_JSON": str(out / "report_unsupervised.json")})
        print(f"    changed {unsup['CHANGED_FRACTION']:.2%} (guard: {unsup['GUARD']}; bimodality "
              f"coefficient {unsup['BIMODALITY']:.3f}, Ashman's D {unsup['SEPARATION']:.2f}); "
              f"kappa {ev['KAPPA']:.3f}, F1 {ev['F1']:.3f} -> {out / 'report_unsupervised.html'}")

    coherence_model = ROOT / "models" / "coherence.onnx"
    if coherence_model.exists() and has_algorithm("sarchange:coherencefromintensity"):
        step("11. InSAR coherence from the two detected images (shipped model) and the intensity baseline")
        scores = coherence_step(processing, ref_path, target_path, out, images)
        with open(out / "coherence_scores.json", "w") as f:
            json.dump(scores, f, indent=1)
        print(f"    scores -> {out / 'coherence_scores.json'}")

    optical_model = ROOT / "models" / "sar_to_optical.onnx"
    if optical_model.exists() and has_algorithm("sarchange:sartooptical"):
        # The latest acquisition without snow (at the scene's median elevation): C-band sees through dry
        # snow, so the snow cover of a date is mostly out of the SAR's sight.
        pick = ([r for r in rows if float(r["snow_depth_m"]) == 0.0] or [target])[-1]
        step(f"12. SAR to optical (shipped SARDINet, DEM fusion, sun of {pick['date']}) of {pick['file']}, "
             "against its optical twin")
        optical = processing.run("sarchange:sartooptical", {
            "INPUT": str(out / "stack" / pick["file"]), "VV_BAND": 1, "VH_BAND": 2, "SCALE": 0,
            "DEM": str(out / "stack" / "dem.tif"), "OUTPUT": str(out / "target_optical.tif")})
        predicted = np.stack([rb.read_array(optical["OUTPUT"], band) for band in (1, 2, 3, 4)])
        truth = twin.render_twin(twin.twin_scene(out / "stack"), pick)["reflectance"][[2, 1, 0, 3]]
        mse = float(np.nanmean((predicted - truth) ** 2))
        floor = float(np.nanmean((truth - np.nanmean(truth, axis=(1, 2), keepdims=True)) ** 2))
        images["SAR to optical (B04/B03/B02)"] = (np.moveaxis(predicted[:3], 0, -1), "rgb")
        images[f"optical twin {pick['date']} (truth)"] = (np.moveaxis(truth[:3], 0, -1), "rgb")
        print(f"    {pick['date']}: MSE against the simulator's optical twin {mse:.4f} (the twin's variance "
              f"about its band means: {floor:.4f}) -> {optical['OUTPUT']}")

    segmentation_model = ROOT / "models" / "segmentation.onnx"
    if segmentation_model.exists() and has_algorithm("sarchange:segment"):
        step("13. segment the target (shipped model: water / ice / land), water scored against the "
             "land cover")
        segment_target(processing, out, stack, target, target_path, images)

    quicklook(images, out / "quicklook.png")
    print(f"quick-look: {out / 'quicklook.png'}; total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
