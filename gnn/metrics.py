"""Classification scores for the teacher's predictions: ROC AUC, average precision, and precision /
recall / F1 at a threshold chosen on validation (never on test).

Plain torch, no scikit-learn: AUC is the Mann-Whitney statistic with average ranks for
ties (equal to ``sklearn.metrics.roc_auc_score``); AP is the step-wise area under the
precision-recall curve (equal to ``sklearn.metrics.average_precision_score``): ties are
taken as one threshold, as scikit-learn does.

>>> s = torch.tensor([0.9, 0.8, 0.7, 0.3, 0.2]); y = torch.tensor([1, 1, 0, 1, 0])
>>> round(roc_auc(s, y), 4), round(average_precision(s, y), 4)
(0.8333, 0.9167)
>>> t = best_threshold(s, y); round(t, 4)
0.3
>>> prf(s, y, t)
{'precision': 0.75, 'recall': 1.0, 'f1': 0.8571}

Every score of the project is computed here (the teacher, the pair classifier of
:mod:`gnn.pairs`, the benchmarks): one copy, O(n log n).
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

__all__ = ["roc_auc", "average_precision", "best_threshold", "prf", "precision_recall_f1",
           "binary_report", "accuracy", "macro_f1", "plain"]


def _tensor(x) -> Tensor:
    return x.detach() if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))


def _prep(scores, labels) -> tuple[Tensor, Tensor]:
    """Scores (float64: float64 inputs keep their order) and boolean labels, 1-D on CPU;
    tensors, numpy arrays or lists."""
    s = _tensor(scores).double().reshape(-1).cpu()
    y = _tensor(labels).reshape(-1).cpu().bool()
    if s.shape != y.shape:
        raise ValueError("scores and labels differ in length")
    return s, y


def roc_auc(scores: Tensor, labels: Tensor) -> float:
    """Area under the ROC curve; NaN when one class is absent."""
    s, y = _prep(scores, labels)
    n_pos = int(y.sum())
    n_neg = int(y.numel() - n_pos)
    if n_pos == 0 or n_neg == 0:
        return math.nan
    order = torch.argsort(s)
    s_sorted = s[order]
    ranks = torch.empty_like(s, dtype=torch.float64)
    # average ranks over ties
    uniq, inverse, counts = torch.unique_consecutive(s_sorted, return_inverse=True, return_counts=True)
    ends = torch.cumsum(counts, 0).double()
    avg = ends - (counts.double() - 1) / 2          # 1-based average rank of each tie group
    ranks[order] = avg[inverse]
    r_pos = ranks[y].sum().item()
    return float((r_pos - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _curve(s: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """(thresholds descending, true positives, false positives) at each distinct score."""
    order = torch.argsort(s, descending=True, stable=True)
    s, y = s[order], y[order].double()
    tp = torch.cumsum(y, 0)
    fp = torch.cumsum(1 - y, 0)
    last = torch.ones_like(s, dtype=torch.bool)
    last[:-1] = s[1:] != s[:-1]                     # last index of each tie group
    return s[last], tp[last], fp[last]


def average_precision(scores: Tensor, labels: Tensor) -> float:
    """Average precision (area under the step-wise precision-recall curve)."""
    s, y = _prep(scores, labels)
    n_pos = int(y.sum())
    if n_pos == 0:
        return math.nan
    _t, tp, fp = _curve(s, y)
    precision = tp / (tp + fp)
    recall = tp / n_pos
    prev = torch.cat([torch.zeros(1, dtype=recall.dtype), recall[:-1]])
    return float(((recall - prev) * precision).sum())


def best_threshold(scores: Tensor, labels: Tensor) -> float:
    """The score threshold (predict positive when ``score >= t``) with the best F1;
    the highest such threshold on ties. 0.5 when there are no positives."""
    s, y = _prep(scores, labels)
    n_pos = int(y.sum())
    if n_pos == 0 or s.numel() == 0:
        return 0.5
    t, tp, fp = _curve(s, y)
    f1 = 2 * tp / (tp + fp + n_pos)
    return float(t[int(torch.argmax(f1))])


def precision_recall_f1(pred, labels) -> tuple[float, float, float]:
    """Precision, recall and F1 of the positive class for boolean predictions (0.0 where
    undefined), unrounded.

    >>> precision_recall_f1([1, 0, 1, 0], [1, 1, 0, 0])
    (0.5, 0.5, 0.5)
    """
    p_, y = _tensor(pred).reshape(-1).cpu().bool(), _tensor(labels).reshape(-1).cpu().bool()
    if p_.shape != y.shape:
        raise ValueError("predictions and labels differ in length")
    tp = int((p_ & y).sum())
    n_pred, n_true = int(p_.sum()), int(y.sum())
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def prf(scores, labels, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 of the positive class at ``score >= threshold`` (4 decimals)."""
    s, y = _prep(scores, labels)
    p, r, f = precision_recall_f1(s >= threshold, y)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def binary_report(scores: Tensor, labels: Tensor, threshold: float | None = None) -> dict:
    """AUC, AP, counts and (when a threshold is given) P/R/F1 of one scored set."""
    s, y = _prep(scores, labels)
    out = {"auc": roc_auc(s, y), "ap": average_precision(s, y),
           "positives": int(y.sum()), "negatives": int((~y).sum())}
    if threshold is not None:
        out.update(prf(s, y, threshold), threshold=float(threshold))
    return out


def accuracy(pred: Tensor, y: Tensor) -> float:
    """Share of correct class predictions (NaN when empty)."""
    return float((pred == y).float().mean()) if y.numel() else math.nan


def macro_f1(pred: Tensor, y: Tensor, n_classes: int) -> float:
    """Unweighted mean F1 over the classes present in ``y`` or ``pred``.

    >>> macro_f1(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), 3)
    0.6667
    """
    if y.numel() == 0:
        return math.nan
    fs = []
    for c in range(n_classes):
        tp = int(((pred == c) & (y == c)).sum())
        fp = int(((pred == c) & (y != c)).sum())
        fn = int(((pred != c) & (y == c)).sum())
        if tp + fp + fn == 0:
            continue
        fs.append(2 * tp / (2 * tp + fp + fn))
    return round(sum(fs) / len(fs), 4)


def plain(m: dict) -> dict:
    """Metrics with NaN as None (JSON and weights_only friendly)."""
    def fix(v):
        if isinstance(v, dict):
            return {str(k): fix(x) for k, x in v.items()}
        if isinstance(v, float) and math.isnan(v):
            return None
        return v
    return fix(m)
