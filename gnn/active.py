"""Reviews that teach: which prerequisite pairs to show a reviewer next (active learning),
and a simulated reviewer to measure whether decisions make the next suggestions better.

Accepted and rejected suggestions become labels (``graph/decisions``, read by the teacher
and by :func:`gnn.suggest.teacher_calibrator`). Which pairs to ask about is the choice
measured here (Liang et al. 2018, *Investigating active learning for concept prerequisite
learning*, found uncertainty sampling the strong simple choice):

* ``"uncertainty"``: the pairs whose probability is closest to the decision threshold
  (least confident; for a binary classifier the same order as margin and entropy);
* ``"top"``: the highest-scored pairs, i.e. reviewing the suggestion list as shown;
* ``"random"``: the baseline.

:func:`simulate` replays a reviewer who answers with held-out gold labels: start from a
model fitted on a small labelled seed, after each batch of decisions refit on seed +
decisions, and after 0, 20, 40, 80 decisions (``steps``) record the precision of the top
40 of a fixed evaluation set that the reviewer never sees (:func:`top_k_precision`).
``benchmarks/prereq.py --active`` runs it on University Course and LectureBank 2.0.

>>> select_next(np.array([0.1, 0.48, 0.9, 0.7]), 1).tolist()
[1]
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from kg.errors import KGStudioError

__all__ = ["ActiveLearningError", "STRATEGIES", "select_next", "simulate", "top_k_precision",
           "uncertainty"]

STRATEGIES = ("uncertainty", "top", "random")

Fit = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


class ActiveLearningError(KGStudioError):
    """An active-learning request cannot be met (unknown strategy, empty pool, bad sizes)."""


def uncertainty(probs, threshold: float = 0.5) -> np.ndarray:
    """Higher = less certain: ``-|p - threshold|``."""
    return -np.abs(np.asarray(probs, dtype=np.float64) - threshold)


def select_next(probs, k: int, *, strategy: str = "uncertainty", threshold: float = 0.5,
                rng: np.random.Generator | None = None, exclude=None) -> np.ndarray:
    """Indices of the ``k`` pool pairs to show next (best first), never one in ``exclude``
    (indices already decided). Ties keep the pool order."""
    if strategy not in STRATEGIES:
        raise ActiveLearningError(f"active-learning strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    p = np.asarray(probs, dtype=np.float64).ravel()
    ok = np.ones(len(p), dtype=bool)
    if exclude is not None:
        ok[np.asarray(list(exclude), dtype=np.int64)] = False
    idx = np.flatnonzero(ok)
    if k <= 0 or not len(idx):
        return np.zeros(0, dtype=np.int64)
    if strategy == "random":
        rng = rng or np.random.default_rng(0)
        return rng.permutation(idx)[:k]
    key = uncertainty(p[idx], threshold) if strategy == "uncertainty" else p[idx]
    return idx[np.argsort(-key, kind="stable")[:k]]


def top_k_precision(scores, labels, k: int = 40) -> float:
    """Fraction of true prerequisites among the ``k`` highest scores (ties: first listed)."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    y = np.asarray(labels).ravel()
    if len(s) != len(y):
        raise ActiveLearningError(f"{len(s)} scores but {len(y)} labels")
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].mean()) if len(top) else 0.0


def simulate(fit: Fit, x_pool: np.ndarray, y_pool: np.ndarray, x_eval: np.ndarray,
             y_eval: np.ndarray, seed_idx, *, steps=(20, 40, 80), strategy: str = "uncertainty",
             k: int = 40, threshold: float | None = None, seed: int = 0) -> dict:
    """Simulated reviews (module docstring).

    Args:
        fit: ``fit(X, y) -> predict_proba`` (a function of features returning P(y = 1)).
        x_pool, y_pool: pairs a reviewer may be asked about, and their gold labels (read
            only for the pairs picked, as a reviewer's answers).
        x_eval, y_eval: the held-out pairs whose top-``k`` precision is measured.
        seed_idx: indices into the pool labelled before any review.
        steps: cumulative numbers of decisions at which to measure (increasing).
        threshold: where "uncertain" is (default: 0.5).

    Returns ``{"steps": [0, *steps], "precision": [...], "picked": [pool indices in
    order], "positives_picked": [...]}``.
    """
    steps = list(steps)
    if steps != sorted(steps) or (steps and steps[0] <= 0):
        raise ActiveLearningError(f"steps must be increasing positive counts; got {steps}")
    labelled = [int(i) for i in np.asarray(seed_idx, dtype=np.int64).ravel()]
    if len(set(y_pool[labelled].tolist())) < 2:
        raise ActiveLearningError("the labelled seed needs both positive and negative pairs")
    if steps and len(x_pool) - len(labelled) < steps[-1]:
        raise ActiveLearningError(f"the pool has {len(x_pool) - len(labelled)} unlabelled pairs, "
                                  f"fewer than {steps[-1]} decisions")
    rng = np.random.default_rng(seed)
    thr = 0.5 if threshold is None else threshold
    predict = fit(x_pool[labelled], y_pool[labelled])
    out = {"steps": [0], "precision": [top_k_precision(predict(x_eval), y_eval, k)],
           "picked": [], "positives_picked": [0]}
    done = 0
    for n in steps:
        pick = select_next(predict(x_pool), n - done, strategy=strategy, threshold=thr, rng=rng,
                           exclude=labelled)
        labelled += pick.tolist()
        out["picked"] += pick.tolist()
        done = n
        predict = fit(x_pool[labelled], y_pool[labelled])
        out["steps"].append(n)
        out["precision"].append(top_k_precision(predict(x_eval), y_eval, k))
        out["positives_picked"].append(int(y_pool[out["picked"]].sum()))
    return out
