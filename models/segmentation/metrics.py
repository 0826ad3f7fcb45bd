"""Segmentation scores from a confusion matrix (numpy only; usable inside QGIS and in benchmarks).

Per class c (TP, FP, FN from the confusion matrix, rows = truth, columns =
prediction): IoU = TP / (TP + FP + FN), F1 = 2 TP / (2 TP + FP + FN).
Averages: macro (mean over classes present in the truth or the prediction),
weighted (by the class's share of the truth), micro IoU (sum TP / sum (TP +
FP + FN)); accuracy = trace / total. Pixels labelled ``ignore`` are left out.
"""

import numpy as np


def confusion(truth, predicted, n_classes, ignore=255):
    """(n_classes, n_classes) int64 counts: rows truth, columns prediction, over pixels with a label."""
    t = np.asarray(truth).ravel().astype(np.int64)
    p = np.asarray(predicted).ravel().astype(np.int64)
    keep = (t != ignore) & (t >= 0) & (t < n_classes) & (p >= 0) & (p < n_classes)
    return np.bincount(t[keep] * n_classes + p[keep], minlength=n_classes * n_classes).reshape(
        n_classes, n_classes
    )


def scores(cm, names=None):
    """Dict of scores of a confusion matrix: per_class {name: {iou, f1, support}}, miou (macro IoU),
    macro_f1, weighted_iou, weighted_f1, micro_iou, accuracy, pixels."""
    cm = np.asarray(cm, dtype=np.float64)
    k = cm.shape[0]
    names = list(names) if names is not None else [str(i) for i in range(k)]
    tp = np.diag(cm)
    fp = cm.sum(0) - tp
    fn = cm.sum(1) - tp
    support = cm.sum(1)
    present = (support + cm.sum(0)) > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = tp / (tp + fp + fn)
        f1 = 2 * tp / (2 * tp + fp + fn)
    total = cm.sum()
    w = support / total if total > 0 else np.zeros(k)
    out = {
        "per_class": {
            names[i]: {"iou": _num(iou[i]), "f1": _num(f1[i]), "support": int(support[i])} for i in range(k)
        },
        "miou": _num(np.nanmean(iou[present])) if present.any() else None,
        "macro_f1": _num(np.nanmean(f1[present])) if present.any() else None,
        "weighted_iou": _num(np.nansum(w * np.nan_to_num(iou))),
        "weighted_f1": _num(np.nansum(w * np.nan_to_num(f1))),
        "micro_iou": _num(tp.sum() / max((tp + fp + fn).sum(), 1.0)),
        "accuracy": _num(tp.sum() / total) if total > 0 else None,
        "pixels": int(total),
    }
    return out


def _num(x):
    x = float(x)
    return None if x != x else x
