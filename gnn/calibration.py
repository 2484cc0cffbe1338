"""Calibrated prerequisite probabilities: temperature and isotonic scaling, expected
calibration error, and bands a curriculum designer can read.

A classifier's score is *calibrated* when, among the pairs scored about ``p``, a fraction
``p`` are true prerequisites. The pair classifiers of :mod:`gnn.pairs` and the teacher are
trained with class-balanced losses and sampled negatives, so their raw scores are not: on
*Psychology 2e* random pairs scored 0.90 on average. A :class:`Calibrator` is fitted on
held-out validation pairs (never on test pairs) and maps scores to probabilities:

* ``"temperature"``: ``p = sigmoid(z / T + b)`` on the score's logit ``z`` (Guo et al.
  2017; with the bias ``b`` it is Platt scaling, which a binary classifier trained on
  re-balanced classes needs, since its base rate is off as well as its sharpness).
  Monotone, two parameters: safe on small validation sets.
* ``"platt"``: ``p = sigmoid(a s + b)`` on the raw score ``s`` itself (Platt 1999), which
  suits scores that are not probabilities (a blend, a margin) better than their logit.
* ``"isotonic"``: a non-decreasing step function (scikit-learn ``IsotonicRegression``,
  Zadrozny & Elkan 2002): fits any monotone distortion, needs more pairs.
* ``"auto"`` (default): the one of the three with the lowest log-loss in ``cv``-fold
  stratified cross-validation on the fit pairs themselves (default 5 folds, repeated with
  ``cv_repeats`` shuffles; isotonic only from 40 pairs of each class on, fewer than 10 of a
  class: temperature).

:func:`ece` is the expected calibration error over equal-width bins.
:meth:`Calibrator.band` turns a probability into ``"likely"`` (>= ``likely``, default 0.7),
``"possible"`` (>= ``possible``, default 0.4) or ``"unlikely"``.

>>> import numpy as np
>>> ece(np.array([0.9, 0.9, 0.1, 0.1]), np.array([1, 1, 0, 0]))
0.1
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kg.errors import KGStudioError

__all__ = ["CalibrationError", "Calibrator", "crossfit", "ece", "log_loss", "reliability", "BANDS"]

BANDS = ("likely", "possible", "unlikely")
_EPS = 1e-6


class CalibrationError(KGStudioError):
    """Scores and labels given to a calibrator are unusable (lengths, values, one class)."""


def _check(scores, labels=None):
    s = np.asarray(scores, dtype=np.float64).ravel()
    if not np.all(np.isfinite(s)):
        raise CalibrationError("calibration scores contain NaN or infinite values")
    if s.size and (s.min() < 0.0 or s.max() > 1.0):
        raise CalibrationError(f"calibration scores must be probabilities in [0, 1]; got "
                               f"{s.min():.3g} .. {s.max():.3g}")
    if labels is None:
        return s, None
    y = np.asarray(labels).ravel()
    if y.shape != s.shape:
        raise CalibrationError(f"{len(s)} scores but {len(y)} labels")
    if not np.isin(y, (0, 1)).all():
        raise CalibrationError("calibration labels must be 0 or 1")
    return s, y.astype(np.int64)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def ece(probs, labels, bins: int = 10) -> float:
    """Expected calibration error: ``sum_b |B_b|/n * |mean(y in b) - mean(p in b)|`` over
    ``bins`` equal-width bins of ``[0, 1]`` (the last one closed)."""
    p, y = _check(probs, labels)
    if p.size == 0:
        return 0.0
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    tot = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            tot += m.sum() * abs(y[m].mean() - p[m].mean())
    return round(float(tot / p.size), 6)


def reliability(probs, labels, bins: int = 10) -> list[dict]:
    """Per non-empty bin: ``{"lo", "hi", "n", "mean_p", "frac_pos"}`` (a reliability diagram)."""
    p, y = _check(probs, labels)
    idx = np.minimum((p * bins).astype(np.int64), bins - 1)
    return [{"lo": b / bins, "hi": (b + 1) / bins, "n": int((idx == b).sum()),
             "mean_p": float(p[idx == b].mean()), "frac_pos": float(y[idx == b].mean())}
            for b in range(bins) if (idx == b).any()]


def _fit_temperature(s, y, bias: bool = True, on_logit: bool = True) -> tuple[float, float]:
    """``(T, b)`` minimising the log-loss of ``sigmoid(logit(s) / T + b)`` (Newton on
    ``a = 1/T`` and ``b``, a convex problem; ``T`` kept positive); ``on_logit=False``:
    of ``sigmoid(s / T + b)`` (Platt scaling of the raw score)."""
    z = _logit(s) if on_logit else np.asarray(s, dtype=np.float64)
    a, b = 1.0, 0.0
    for _ in range(100):
        p = _sigmoid(a * z + b)
        g = p - y
        w = p * (1 - p) + 1e-9
        grad = np.array([np.dot(g, z), g.sum() if bias else 0.0])
        h = np.array([[np.dot(w, z * z), np.dot(w, z)], [np.dot(w, z), w.sum()]]) + 1e-6 * np.eye(2)
        if not bias:
            h[0, 1] = h[1, 0] = 0.0
            h[1, 1] = 1.0
        step = np.linalg.solve(h, grad)
        old = _logloss(p, y)
        for _ in range(30):                     # backtracking: never a worse log-loss
            na, nb = max(a - step[0], 1e-3), b - step[1]
            if _logloss(_sigmoid(na * z + nb), y) <= old + 1e-12:
                break
            step = step / 2
        a, b = na, nb
        if np.abs(step).max() < 1e-8:
            break
    return 1.0 / a, float(b)


def _logloss(p, y) -> float:
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


@dataclass
class Calibrator:
    """Monotone map from raw scores to calibrated probabilities (module docstring).

    >>> import numpy as np
    >>> c = Calibrator("temperature").fit(np.array([.6, .7, .8, .9, .4, .3]), np.array([1, 1, 0, 1, 0, 0]))
    >>> c.band(0.9), c.band(0.5), c.band(0.1)
    ('likely', 'possible', 'unlikely')
    """

    method: str = "auto"               # "auto" | "temperature" | "platt" | "isotonic" | "identity"
    likely: float = 0.7                # band thresholds on the calibrated probability
    possible: float = 0.4
    fitted: str | None = None          # the method actually fitted ("auto" resolves to one)
    temperature: float = 1.0
    bias: float = 0.0
    iso_x: list = field(default_factory=list)   # isotonic step function (thresholds, values)
    iso_y: list = field(default_factory=list)
    n_fit: int = 0
    cv_logloss: dict = field(default_factory=dict)
    cv: int = 5                        # folds of the "auto" choice
    cv_repeats: int = 3                # shuffles of those folds, losses averaged

    def __post_init__(self):
        if self.method not in ("auto", "temperature", "platt", "isotonic", "identity"):
            raise CalibrationError(f"calibration method {self.method!r}; use auto, temperature, "
                                   "platt, isotonic or identity")
        if self.cv < 2 or self.cv_repeats < 1:
            raise CalibrationError(f"calibration cross-validation needs cv >= 2 and cv_repeats >= 1; "
                                   f"got {self.cv} and {self.cv_repeats}")
        if not 0.0 <= self.possible <= self.likely <= 1.0:
            raise CalibrationError(f"bands need 0 <= possible ({self.possible}) <= likely "
                                   f"({self.likely}) <= 1")

    # ----------------------------------------------------------------- fitting ---
    def _fit_method(self, method: str, s, y) -> None:
        self.fitted = method
        if method == "temperature":
            self.temperature, self.bias = _fit_temperature(s, y)
        elif method == "platt":
            self.temperature, self.bias = _fit_temperature(s, y, on_logit=False)
        elif method == "isotonic":
            from sklearn.isotonic import IsotonicRegression
            iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, y)
            self.iso_x = iso.X_thresholds_.tolist()
            self.iso_y = iso.y_thresholds_.tolist()

    def fit(self, scores, labels, *, seed: int = 0) -> "Calibrator":
        """Fit on held-out (validation) scores and their 0/1 labels; needs both classes."""
        s, y = _check(scores, labels)
        if y.min(initial=1) == y.max(initial=0):
            raise CalibrationError(f"calibration needs both positive and negative pairs; got "
                                   f"{int(y.sum())} positive of {len(y)}")
        self.n_fit = int(len(y))
        method = self.method
        if method == "auto":
            method = self._choose(s, y, seed)
        if method == "identity":
            self.fitted = "identity"
        else:
            self._fit_method(method, s, y)
        return self

    def _choose(self, s, y, seed) -> str:
        """Cross-validated log-loss (``cv`` stratified folds, ``cv_repeats`` shuffles) of
        temperature, Platt and (from 40 pairs of each class) isotonic on the fit set; ties
        go to the simpler map (temperature, then Platt)."""
        n_min = int(min(y.sum(), (1 - y).sum()))
        if n_min < 10:
            return "temperature"
        methods = ("temperature", "platt") + (("isotonic",) if n_min >= 40 else ())
        k = min(self.cv, n_min)
        rng = np.random.default_rng(seed)
        tot = {m: 0.0 for m in methods}
        for _ in range(self.cv_repeats):
            fold = np.zeros(len(y), dtype=int)
            for c in (0, 1):                              # stratified folds
                idx = rng.permutation(np.flatnonzero(y == c))
                fold[idx] = np.arange(len(idx)) % k
            for f in range(k):
                tr, te = fold != f, fold == f
                for m in methods:
                    c = Calibrator(m)._fit_only(s[tr], y[tr])
                    tot[m] += _logloss(c.transform(s[te]), y[te]) * te.sum()
        losses = {m: round(v / (len(y) * self.cv_repeats), 6) for m, v in tot.items()}
        self.cv_logloss = losses
        return min(losses, key=lambda m: (losses[m], methods.index(m)))

    def _fit_only(self, s, y) -> "Calibrator":
        self._fit_method(self.method, s, y)
        return self

    # ----------------------------------------------------------------- applying ---
    def transform(self, scores) -> np.ndarray:
        """Calibrated probabilities of raw scores (same shape as the input, 1-D)."""
        s, _ = _check(scores)
        if self.fitted is None:
            raise CalibrationError("Calibrator.transform before fit")
        if self.fitted == "temperature":
            return _sigmoid(_logit(s) / self.temperature + self.bias)
        if self.fitted == "platt":
            return _sigmoid(s / self.temperature + self.bias)
        if self.fitted == "isotonic":
            return np.interp(s, self.iso_x, self.iso_y)
        return s

    __call__ = transform

    def band(self, p: float) -> str:
        """``"likely"`` (p >= likely), ``"possible"`` (p >= possible) or ``"unlikely"``."""
        return "likely" if p >= self.likely else "possible" if p >= self.possible else "unlikely"

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("method", "likely", "possible", "fitted", "temperature",
                                              "bias", "iso_x", "iso_y", "n_fit", "cv_logloss", "cv",
                                              "cv_repeats")}

    @classmethod
    def from_dict(cls, d: dict) -> "Calibrator":
        return cls(**{k: d[k] for k in d if k in cls.__dataclass_fields__})


def crossfit(fit_scores, labels, apply_scores=None, *, cv: int = 5, seed: int = 0,
             method: str = "auto") -> np.ndarray:
    """Out-of-fold calibrated probabilities (a cross-fitted calibrator): the pairs are split
    into ``cv`` stratified folds; for each fold a :class:`Calibrator` is fitted on the other
    folds' ``fit_scores`` and applied to this fold's ``apply_scores`` (default: the same
    scores). Every output probability comes from a calibrator that never saw that pair, so
    ``ece(crossfit(s, y), y)`` estimates the calibration error of new pairs without a test
    set. ``apply_scores`` lets the map be fitted on one kind of score and judged on another
    (e.g. validation scores computed the way test scores will be).

    >>> s = np.r_[np.linspace(.55, .95, 40), np.linspace(.05, .6, 40)]
    >>> y = np.r_[np.ones(40), np.zeros(40)].astype(int)
    >>> p = crossfit(s, y, method="temperature")
    >>> p.shape, bool(ece(p, y) < ece(s, y))
    ((80,), True)
    """
    s, y = _check(fit_scores, labels)
    a = s if apply_scores is None else _check(apply_scores, labels)[0]
    n_min = int(min(y.sum(), (1 - y).sum()))
    if n_min < 2:
        raise CalibrationError(f"cross-fitted calibration needs 2 pairs of each class; got "
                               f"{int(y.sum())} positive of {len(y)}")
    k = max(2, min(int(cv), n_min))
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y), dtype=int)
    for c in (0, 1):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold[idx] = np.arange(len(idx)) % k
    out = np.zeros(len(y))
    for f in range(k):
        tr, te = fold != f, fold == f
        out[te] = Calibrator(method).fit(s[tr], y[tr], seed=seed).transform(a[te])
    return out


def log_loss(probs, labels) -> float:
    """Mean negative log-likelihood of 0/1 ``labels`` under ``probs`` (clipped to 1e-6)."""
    p, y = _check(probs, labels)
    return round(_logloss(p, y), 6)
