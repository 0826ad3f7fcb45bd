"""HTML and JSON report of a change-detection evaluation (``core.change.evaluation``).

``write_report`` writes:

- an HTML page with tables of every number (confusion matrix, measures with
  their units and formulas, ROC summary, DI histogram counts' summary) and
  ``<img>`` links to the PNG plots written beside it (same folder, names
  ``<stem>_roc.png``, ``<stem>_di_histogram.png``, ``<stem>_change_map.png``);
  the page needs no network and no scripts;
- a JSON file of all numbers (NaN and infinities written as null): the
  confusion counts and measures with units, the ROC (points thinned to at
  most ``JSON_ROC_POINTS``), the threshold, the DI histogram counts.

Plots use matplotlib's Agg backend through its object API (no pyplot, no
display, safe in a Processing worker thread); matplotlib is imported only
inside the plotting functions, so importing this module is cheap.
"""
import html
import json
import math
import os
from collections.abc import Mapping

import numpy as np

from ..engine.outputs import text_output
from .evaluation import CHANGED, CONFUSION_UNITS, UNCHANGED, Confusion, RocCurve

#: Most ROC points written to the JSON and drawn.
JSON_ROC_POINTS = 1000
#: Bins of the DI histograms.
HISTOGRAM_BINS = 100
#: Percentiles (%) of all DI values bounding the histogram range; values outside go to the end bins.
HISTOGRAM_PERCENTILES = (0.1, 99.9)
#: Largest side of the change-map image, pixels; larger maps are decimated by a whole step.
MAP_MAX_SIDE = 2048
#: False positive rates (fractions) of the operating points listed in the HTML.
OPERATING_FPR = (0.01, 0.05, 0.1, 0.2)
#: Change-map colours (RGB 0-255).
COLOURS = {"tp": (255, 255, 255), "fp": (220, 30, 30), "fn": (40, 90, 255), "tn": (128, 128, 128),
           "ignored": (0, 0, 0)}

#: Measures shown in the HTML, with labels and formulas.
MEASURES = (
    ("oe", "Overall error OE", "FP + FN"),
    ("pcc", "Percentage correct classification PCC", "100 (TP + TN) / N"),
    ("kappa", "Cohen's kappa", "(p_o - p_e) / (1 - p_e), p_o = (TP + TN) / N, "
              "p_e = [(TP + FP)(TP + FN) + (FN + TN)(FP + TN)] / N^2"),
    ("f1", "F1 score", "2 TP / (2 TP + FP + FN)"),
    ("precision", "Precision", "TP / (TP + FP)"),
    ("recall", "Recall (detection rate)", "TP / (TP + FN)"),
    ("iou", "Intersection over union IoU", "TP / (TP + FP + FN)"),
    ("false_alarm_rate", "False alarm rate", "FP / (FP + TN)"),
    ("missed_rate", "Missed alarm rate", "FN / (TP + FN)"),
    ("total", "Pixels evaluated N", "TP + FP + FN + TN"),
    ("changed_reference", "Changed in the reference", "TP + FN"),
    ("changed_predicted", "Changed in the prediction", "TP + FP"),
)

REFERENCES = (
    "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and "
    "Psychological Measurement 20(1), 37-46.",
    "Congalton, R. G. (1991). A review of assessing the accuracy of classifications of remotely "
    "sensed data. Remote Sensing of Environment 37(1), 35-46.",
    "Fawcett, T. (2006). An introduction to ROC analysis. Pattern Recognition Letters 27(8), 861-874.",
    "Alatalo, J., Sipola, T., Rantonen, M. (2023). Improved difference images for change detection "
    "classifiers in SAR imagery using deep learning. IEEE TGRS 61 (balanced sampling).",
)


def _plain(value):
    """JSON-ready copy: numpy to Python, NaN and infinities to None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def _metrics_dict(metrics):
    if metrics is None:
        return None
    if isinstance(metrics, Confusion):
        return metrics.as_dict()
    if isinstance(metrics, Mapping):
        return dict(metrics)
    raise TypeError("metrics must be a Confusion, a mapping or None")


def _roc_dict(roc):
    if roc is None:
        return None
    if isinstance(roc, RocCurve):
        return roc.as_dict(max_points=JSON_ROC_POINTS)
    if isinstance(roc, Mapping) and {"fpr", "tpr", "auc"} <= set(roc):
        return dict(roc)
    raise TypeError("roc must be a RocCurve, a mapping with fpr, tpr and auc, or None")


def _hist_classes(di_hist):
    """(changed, unchanged) finite float64 DI values from a mapping or a pair."""
    if di_hist is None:
        return None
    if isinstance(di_hist, Mapping):
        changed, unchanged = di_hist["changed"], di_hist["unchanged"]
    else:
        changed, unchanged = di_hist
    out = []
    for values in (changed, unchanged):
        values = np.asarray(values, np.float64).ravel()
        out.append(values[np.isfinite(values)])
    return tuple(out)


def di_histogram(changed, unchanged, threshold=None, bins=HISTOGRAM_BINS):
    """Shared-bin histograms of DI values over changed and unchanged reference pixels.

    The range spans the ``HISTOGRAM_PERCENTILES`` of all values (and the
    threshold); values outside are counted in the end bins. Returns a dict:
    ``edges`` (DI units, bins + 1), ``changed`` and ``unchanged`` (pixel counts).
    """
    both = np.concatenate((changed, unchanged))
    if both.size == 0:
        raise ValueError("no finite DI value over labelled reference pixels")
    low, high = (float(v) for v in np.percentile(both, HISTOGRAM_PERCENTILES))
    if threshold is not None and math.isfinite(threshold):
        low, high = min(low, threshold), max(high, threshold)
    if high <= low:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    counts = [np.histogram(np.clip(v, low, high), bins=edges)[0] for v in (changed, unchanged)]
    return {"edges": edges, "changed": counts[0], "unchanged": counts[1]}


def change_map_rgb(pred, ref):
    """RGB uint8 image of a change map against a reference (2-D arrays, same shape).

    TP white, FP red, FN blue, TN grey, ignored (reference not 0/1/255 or
    prediction NaN) black. Maps larger than ``MAP_MAX_SIDE`` are decimated
    by taking every k-th row and column.
    """
    pred = np.asarray(pred, np.float64)
    ref = np.asarray(ref)
    if pred.shape != ref.shape or pred.ndim != 2:
        raise ValueError("change map inputs must be two 2-D arrays of the same shape")
    step = max(1, math.ceil(max(pred.shape) / MAP_MAX_SIDE))
    pred, ref = pred[::step, ::step], ref[::step, ::step]
    p_valid = np.isfinite(pred)
    p_changed = p_valid & (pred != 0)
    r_changed = (ref == CHANGED) | (ref == 255)
    r_unchanged = ref == UNCHANGED
    rgb = np.zeros(pred.shape + (3,), np.uint8)
    valid = p_valid & (r_changed | r_unchanged)
    for name, where in (("tp", p_changed & r_changed), ("fp", p_changed & r_unchanged),
                        ("fn", ~p_changed & r_changed), ("tn", ~p_changed & r_unchanged)):
        rgb[valid & where] = COLOURS[name]
    return rgb


# --------------------------------------------------------------------------- plots


def _figure(width, height):
    """A matplotlib Figure on an Agg canvas (no pyplot, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_roc(path, roc):
    """ROC curve (FPR vs TPR) with the chance diagonal and the AUC; writes a PNG."""
    fig = _figure(5.5, 5.0)
    ax = fig.add_subplot(1, 1, 1)
    label = f"AUC = {roc['auc']:.4f}"
    if roc.get("balanced"):
        label += " (balanced sample)"
    if roc.get("method") == "histogram":
        label += f" (histogram, error <= {roc.get('auc_error_bound', float('nan')):.1e})"
    ax.plot(roc["fpr"], roc["tpr"], color="tab:blue", lw=1.8, label=label)
    ax.plot([0, 1], [0, 1], color="grey", lw=1, ls="--", label="chance")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.005)
    ax.set_xlabel("False positive rate FP / (FP + TN)")
    ax.set_ylabel("True positive rate TP / (TP + FN)")
    ax.set_title("ROC curve of the difference image")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def plot_di_histogram(path, hist, threshold=None):
    """DI histograms of changed vs unchanged reference pixels (fraction per class) with the threshold."""
    fig = _figure(7.0, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    edges = np.asarray(hist["edges"], np.float64)
    for key, colour, label in (("unchanged", "tab:grey", "unchanged (reference)"),
                               ("changed", "tab:red", "changed (reference)")):
        counts = np.asarray(hist[key], np.float64)
        total = counts.sum()
        if total > 0:
            ax.stairs(counts / total, edges, color=colour, lw=1.6, label=f"{label}, {int(total)} px")
    if threshold is not None and math.isfinite(threshold):
        ax.axvline(threshold, color="black", ls="--", lw=1.2, label=f"threshold = {threshold:.4g}")
    ax.set_xlabel("Difference image value (DI units)")
    ax.set_ylabel("Fraction of the class's pixels per bin")
    ax.set_title("Difference image by reference class")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def plot_change_map(path, pred, ref):
    """Change-map overlay (TP white, FP red, FN blue, TN grey, ignored black); writes a PNG."""
    from matplotlib.patches import Patch

    rgb = change_map_rgb(pred, ref)
    rows, cols = rgb.shape[:2]
    scale = 7.0 / max(rows, cols)
    fig = _figure(max(3.0, cols * scale) + 2.4, max(3.0, rows * scale) + 0.6)
    ax = fig.add_subplot(1, 1, 1)
    ax.imshow(rgb, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Change map vs reference")
    labels = {"tp": "TP (changed, detected)", "fp": "FP (false alarm)", "fn": "FN (missed)",
              "tn": "TN (unchanged)", "ignored": "ignored / no data"}
    handles = [Patch(facecolor=np.array(COLOURS[k]) / 255, edgecolor="black", label=v)
               for k, v in labels.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
    fig.savefig(path, format="png", bbox_inches="tight")  # keep the legend outside the axes
    return path


# --------------------------------------------------------------------------- HTML


def _fmt(value, unit=None):
    """Number for the HTML: integers as is, fractions to 4 decimals, NaN as 'n/a'."""
    if value is None:
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "n/a"
        return f"{value:.2f}" if unit == "percent" else f"{value:.4f}"
    return html.escape(str(value))


def _table(rows, header=None):
    parts = ["<table>"]
    if header:
        parts.append("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    parts.append("</table>")
    return "\n".join(parts)


STYLE = """body{font-family:sans-serif;margin:1.5em;max-width:60em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}
th{background:#eee} td.num{text-align:right;font-family:monospace}
img{max-width:100%;border:1px solid #ccc;margin:.5em 0}
.note{color:#555}"""


def _confusion_html(m):
    rows = [["<b>Reference changed</b>", f"TP = {_fmt(m.get('tp'))}", f"FN = {_fmt(m.get('fn'))}"],
            ["<b>Reference unchanged</b>", f"FP = {_fmt(m.get('fp'))}", f"TN = {_fmt(m.get('tn'))}"]]
    matrix = _table(rows, ["", "Predicted changed", "Predicted unchanged"])
    measures = [[html.escape(label), f"<span class='num'>{_fmt(m.get(key), CONFUSION_UNITS.get(key))}</span>",
                 html.escape(CONFUSION_UNITS.get(key, "")), html.escape(formula)]
                for key, label, formula in MEASURES if key in m]
    return ("<h2>Change map accuracy</h2>\n<p>Counts in pixels; ignored and no-data pixels are "
            "left out.</p>\n" + matrix + "\n" + _table(measures, ["Measure", "Value", "Unit", "Formula"]))


def _roc_html(r, png, points):
    rows = [["AUC (trapezoid rule)", _fmt(r.get("auc"))],
            ["Changed reference pixels used", _fmt(r.get("changed"))],
            ["Unchanged reference pixels used", _fmt(r.get("unchanged"))],
            ["Method", _fmt(r.get("method", "exact"))],
            ["Balanced sample", _fmt(bool(r.get("balanced", False)))]]
    if r.get("method") == "histogram":
        rows.append(["AUC error bound", _fmt(r.get("auc_error_bound"))])
    text = ("<h2>ROC of the difference image</h2>\n<p>Rule: changed when DI &gt;= threshold; one point "
            "per distinct DI value, ties counted as one half (Fawcett 2006).</p>\n" + _table(rows))
    if points:
        table = _table([[_fmt(a), _fmt(f), _fmt(t), _fmt(th)] for a, f, t, th in points],
                       ["FPR at most", "FPR", "TPR", "Threshold (DI units)"])
        text += ("\n<p>Operating points: the curve's last point at or below each false alarm rate "
                 "(points on a straight stretch of the curve may not be stored).</p>\n" + table)
    if png:
        text += f'\n<img src="{html.escape(png)}" alt="ROC curve">'
    return text


def operating_points(roc, rates=OPERATING_FPR):
    """(target, fpr, tpr, threshold) of the ROC's last point with FPR <= each target rate.

    ``roc``: mapping with fpr, tpr (fractions) and optionally thresholds (DI
    units); the point with the highest TPR at or below each FPR in ``rates``.
    """
    fpr, tpr = np.asarray(roc["fpr"], np.float64), np.asarray(roc["tpr"], np.float64)
    thresholds = roc.get("thresholds")
    out = []
    for rate in rates:
        index = np.flatnonzero(fpr <= rate)
        if index.size:
            i = index[-1]
            th = thresholds[i] if thresholds is not None else None
            out.append((rate, float(fpr[i]), float(tpr[i]), None if th is None else float(th)))
    return out


def _hist_html(hist, threshold, png):
    c, u = np.asarray(hist["changed"]), np.asarray(hist["unchanged"])
    rows = [["Changed reference pixels", _fmt(int(c.sum()))],
            ["Unchanged reference pixels", _fmt(int(u.sum()))],
            ["Histogram range (DI units)", f"{_fmt(float(hist['edges'][0]))} to "
                                           f"{_fmt(float(hist['edges'][-1]))}"],
            ["Bins", _fmt(len(c))],
            ["Threshold (DI units)", _fmt(threshold)]]
    text = ("<h2>Difference image histograms</h2>\n<p>Each class normalised to a total of 1; values "
            "outside the range are counted in the end bins. Bin counts are in the JSON file.</p>\n"
            + _table(rows))
    if png:
        text += f'\n<img src="{html.escape(png)}" alt="DI histograms">'
    edges = np.asarray(hist["edges"], np.float64)
    bins = [[_fmt(float(edges[i])), _fmt(float(edges[i + 1])), _fmt(int(c[i])), _fmt(int(u[i]))]
            for i in range(len(c))]
    text += ("\n<details><summary>Bin counts (pixels)</summary>\n"
             + _table(bins, ["From (DI units)", "To (DI units)", "Changed", "Unchanged"]) + "\n</details>")
    return text


def _png_name(out_html, suffix):
    stem = os.path.splitext(os.path.basename(out_html))[0]
    return f"{stem}_{suffix}.png"


def write_report(out_html, metrics, roc=None, di_hist=None, threshold=None, change_map_png_inputs=None,
                 out_json=None, info=None, notes=None, title="Change detection evaluation"):
    """Write the HTML report, its PNG plots and the JSON of all numbers.

    - ``out_html``: path of the HTML page; PNGs go beside it.
    - ``metrics``: a ``Confusion``, a mapping of its ``as_dict`` entries, or
      None (no change map evaluated).
    - ``roc``: a ``RocCurve`` (or a mapping with fpr, tpr, auc), or None.
    - ``di_hist``: DI values (DI units) over reference classes, a mapping
      {"changed": array, "unchanged": array} or a pair (changed, unchanged).
    - ``threshold``: DI threshold (DI units) drawn on the histogram, or None.
    - ``change_map_png_inputs``: (prediction, reference) 2-D arrays
      (prediction 0/1 with NaN no data; reference 0/1/255 or labels) for the
      overlay, or None.
    - ``out_json``: JSON path (default: ``out_html`` with the .json suffix).
    - ``info``: mapping of input descriptions (paths, sampling) shown and saved;
      ``notes``: list of sentences shown and saved.

    Returns {"html": path, "json": path, "png": [paths]}.
    """
    out_html = str(out_html)
    folder = os.path.dirname(os.path.abspath(out_html))
    os.makedirs(folder, exist_ok=True)
    out_json = str(out_json) if out_json else os.path.splitext(out_html)[0] + ".json"
    m = _metrics_dict(metrics)
    r = _roc_dict(roc)
    # Operating points from every stored point of the curve (the dict may be thinned).
    points = operating_points(roc.as_dict() if isinstance(roc, RocCurve) else r) if r else []
    classes = _hist_classes(di_hist)
    hist = di_histogram(*classes, threshold=threshold) if classes and sum(map(len, classes)) else None
    pngs, names = [], {}
    if r is not None:
        names["roc"] = _png_name(out_html, "roc")
        pngs.append(plot_roc(os.path.join(folder, names["roc"]), r))
    if hist is not None:
        names["di_histogram"] = _png_name(out_html, "di_histogram")
        pngs.append(plot_di_histogram(os.path.join(folder, names["di_histogram"]), hist, threshold))
    if change_map_png_inputs is not None:
        names["change_map"] = _png_name(out_html, "change_map")
        pred, ref = change_map_png_inputs
        pngs.append(plot_change_map(os.path.join(folder, names["change_map"]), pred, ref))

    data = {
        "title": title,
        "info": dict(info or {}),
        "notes": list(notes or []),
        "confusion": m,
        "units": dict(CONFUSION_UNITS, auc="unitless", threshold="DI units", di_histogram_edges="DI units"),
        "roc": r,
        "roc_operating_points": [dict(zip(("fpr_at_most", "fpr", "tpr", "threshold"), p)) for p in points],
        "threshold": threshold,
        "di_histogram": hist,
        "files": {"html": os.path.basename(out_html), **names},
    }
    with text_output(out_json) as f:
        json.dump(_plain(data), f, indent=1, allow_nan=False)

    body = [f"<h1>{html.escape(title)}</h1>"]
    if info:
        body.append("<h2>Inputs</h2>\n" + _table([[html.escape(str(k)), html.escape(str(v))]
                                                   for k, v in info.items()]))
    for note in notes or []:
        body.append(f"<p class='note'>{html.escape(str(note))}</p>")
    if m is not None:
        body.append(_confusion_html(m))
        if names.get("change_map"):
            body.append(f'<img src="{html.escape(names["change_map"])}" alt="Change map">'
                        "\n<p class='note'>TP white, FP red, FN blue, TN grey, ignored black.</p>")
    elif names.get("change_map"):
        body.append(f'<h2>Change map</h2>\n<img src="{html.escape(names["change_map"])}" alt="Change map">')
    if r is not None:
        body.append(_roc_html(r, names.get("roc"), points))
    if hist is not None:
        body.append(_hist_html(hist, threshold, names.get("di_histogram")))
    body.append(f"<p class='note'>All numbers: {html.escape(os.path.basename(out_json))}</p>")
    body.append("<h2>References</h2>\n<ul>" + "".join(f"<li>{html.escape(ref)}</li>" for ref in REFERENCES)
                + "</ul>")
    page = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    with text_output(out_html) as f:
        f.write(page)
    return {"html": out_html, "json": out_json, "png": pngs}
