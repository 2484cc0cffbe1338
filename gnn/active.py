"""Reviews that teach: which prerequisite pairs to show a reviewer next (active learning),
and a simulated reviewer to measure whether decisions make the next suggestions better.

Accepted and rejected suggestions become labels (``graph/decisions``, read by the teacher
and by :func:`gnn.suggest.teacher_calibrator`). Which pairs to ask about is the choice
measured here (Liang et al. 2018, *Investigating active learning for concept prerequisite
learning*, found uncertainty sampling the strong simple choice):

* ``"uncertainty"``: the pairs whose probability is closest to the decision threshold
  (least confident; for a binary classifier the same order as margin and entropy);
* ``"top"``: the highest-scored pairs, i.e. reviewing the suggestion list as shown;
* ``"random"``: the baseline;
* ``"density"``: information density (Settles & Craven 2008): uncertainty times the pair's
  mean cosine similarity to the pool (``density_weights``), so outliers are not asked about;
* ``"diverse"``: margin + diversity: of the ``5 k`` most uncertain pairs, ``k`` chosen
  greedily far from each other and from the pairs already labelled (k-centre on cosine
  distance; Brinker 2003), so one batch does not ask the same question 20 times;
* ``"eer"``: expected error reduction (Roy & McCallum 2001): for each of ``2 k`` candidate
  pairs (the most uncertain) and each answer, refit and measure the expected error
  ``sum min(p, 1 - p)`` on a sample of the unlabelled pool; the ``k`` candidates whose
  answer is expected to lower it most (weighted by the current probability of each answer).

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

__all__ = ["ActiveLearningError", "STRATEGIES", "density_weights", "expected_error_reduction",
           "select_next", "simulate", "top_k_precision", "uncertainty"]

STRATEGIES = ("uncertainty", "top", "random", "density", "diverse", "eer")
NEEDS_X = ("density", "diverse")        # strategies that read the pool's features

Fit = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


class ActiveLearningError(KGStudioError):
    """An active-learning request cannot be met (unknown strategy, empty pool, bad sizes)."""


def uncertainty(probs, threshold: float = 0.5) -> np.ndarray:
    """Higher = less certain: ``-|p - threshold|``."""
    return -np.abs(np.asarray(probs, dtype=np.float64) - threshold)


def _unit(x: np.ndarray) -> np.ndarray:
    z = np.asarray(x, dtype=np.float64)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)


def density_weights(x, *, beta: float = 1.0, sample: int = 500, seed: int = 0) -> np.ndarray:
    """Information density of each pool row: its mean cosine similarity (negatives as 0) to
    the pool (to a random ``sample`` of it when larger), to the power ``beta``; ``(n,)``.

    >>> density_weights(np.array([[1., 0.], [1., .1], [0., 1.]])).round(2).tolist()
    [0.67, 0.7, 0.37]
    """
    z = _unit(x)
    ref = z if len(z) <= sample else z[np.random.default_rng(seed).choice(len(z), sample, replace=False)]
    return np.maximum(z @ ref.T, 0.0).mean(axis=1) ** beta


def _diverse(p: np.ndarray, idx: np.ndarray, k: int, x: np.ndarray, labelled: np.ndarray,
             threshold: float, factor: int = 5) -> np.ndarray:
    """k-centre greedy over the ``factor * k`` most uncertain of ``idx``: each pick is the
    candidate farthest (cosine distance) from the labelled pairs and the picks before it;
    ties: the more uncertain."""
    order = idx[np.argsort(-uncertainty(p[idx], threshold), kind="stable")[:factor * k]]
    z = _unit(x[order])
    if len(labelled):
        d = 1.0 - (z @ _unit(x[labelled]).T).max(axis=1)
    else:
        d = np.full(len(order), 2.0)
    picked = []
    for _ in range(min(k, len(order))):
        j = int(np.argmax(np.where(np.isin(np.arange(len(order)), picked), -np.inf, d)))
        picked.append(j)
        d = np.minimum(d, 1.0 - z @ z[j])
    return order[picked]


def select_next(probs, k: int, *, strategy: str = "uncertainty", threshold: float = 0.5,
                rng: np.random.Generator | None = None, exclude=None, x=None,
                density: np.ndarray | None = None) -> np.ndarray:
    """Indices of the ``k`` pool pairs to show next (best first), never one in ``exclude``
    (indices already decided). Ties keep the pool order. ``x`` (pool features) is needed by
    ``"diverse"`` and ``"density"`` (or give ``density``, :func:`density_weights`);
    ``"eer"`` needs refits and is run by :func:`simulate`."""
    if strategy not in STRATEGIES:
        raise ActiveLearningError(f"active-learning strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    if strategy == "eer":
        raise ActiveLearningError("strategy 'eer' refits the model; use simulate() or expected_error_reduction()")
    p = np.asarray(probs, dtype=np.float64).ravel()
    ok = np.ones(len(p), dtype=bool)
    done = np.zeros(0, dtype=np.int64) if exclude is None else np.asarray(list(exclude), dtype=np.int64)
    ok[done] = False
    idx = np.flatnonzero(ok)
    if k <= 0 or not len(idx):
        return np.zeros(0, dtype=np.int64)
    if strategy == "random":
        rng = rng or np.random.default_rng(0)
        return rng.permutation(idx)[:k]
    if strategy in NEEDS_X and x is None and (strategy == "diverse" or density is None):
        raise ActiveLearningError(f"strategy {strategy!r} needs the pool's features (x=...)")
    if strategy == "diverse":
        return _diverse(p, idx, k, np.asarray(x), done, threshold)
    if strategy == "density":
        dens = density_weights(x) if density is None else np.asarray(density, dtype=np.float64)
        span = max(threshold, 1.0 - threshold)
        key = (1.0 - np.abs(p[idx] - threshold) / span) * dens[idx]
    else:
        key = uncertainty(p[idx], threshold) if strategy == "uncertainty" else p[idx]
    return idx[np.argsort(-key, kind="stable")[:k]]


def expected_error_reduction(fit: "Fit", x_pool: np.ndarray, labelled: list[int], y_known: np.ndarray,
                             probs: np.ndarray, k: int, *, threshold: float = 0.5, candidates: int | None = None,
                             sample: int = 200, rng: np.random.Generator | None = None) -> np.ndarray:
    """The ``k`` pool pairs whose answer is expected to lower the expected error most (Roy &
    McCallum 2001). Candidates: the ``candidates`` (default ``2 k``) most uncertain unlabelled
    pairs; for each and each answer ``y``, refit on the labelled pairs plus ``(x, y)`` and
    measure ``sum min(p, 1 - p)`` over a random ``sample`` of the unlabelled pool; score =
    ``p(x) E[y=1] + (1 - p(x)) E[y=0]``, lowest first. ``y_known``: labels of ``labelled``."""
    rng = rng or np.random.default_rng(0)
    p = np.asarray(probs, dtype=np.float64).ravel()
    free = np.setdiff1d(np.arange(len(p)), np.asarray(labelled, dtype=np.int64))
    if k <= 0 or not len(free):
        return np.zeros(0, dtype=np.int64)
    m = min(len(free), candidates or 2 * k)
    cand = free[np.argsort(-uncertainty(p[free], threshold), kind="stable")[:m]]
    ref = free if len(free) <= sample else rng.choice(free, sample, replace=False)
    xl, yl = x_pool[labelled], np.asarray(y_known)
    score = np.zeros(m)
    for i, c in enumerate(cand):
        exp = 0.0
        for y, w in ((1, p[c]), (0, 1.0 - p[c])):
            q = fit(np.r_[xl, x_pool[c:c + 1]], np.r_[yl, [y]])(x_pool[ref])
            exp += w * float(np.minimum(q, 1.0 - q).sum())
        score[i] = exp
    return cand[np.argsort(score, kind="stable")[:k]]


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
    dens = density_weights(x_pool, seed=seed) if strategy == "density" else None
    for n in steps:
        if strategy == "eer":
            pick = expected_error_reduction(fit, x_pool, labelled, y_pool[labelled], predict(x_pool), n - done,
                                            threshold=thr, rng=rng)
        else:
            pick = select_next(predict(x_pool), n - done, strategy=strategy, threshold=thr, rng=rng,
                               exclude=labelled, x=x_pool if strategy == "diverse" else None, density=dens)
        labelled += pick.tolist()
        out["picked"] += pick.tolist()
        done = n
        predict = fit(x_pool[labelled], y_pool[labelled])
        out["steps"].append(n)
        out["precision"].append(top_k_precision(predict(x_eval), y_eval, k))
        out["positives_picked"].append(int(y_pool[out["picked"]].sum()))
    return out
