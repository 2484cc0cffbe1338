"""Stacking the saved prerequisite models (issue 14, a last lead for "LB2 F1 >= .93").

``benchmarks/prereq.py`` saves, per data set, mode and fold, the validation and test scores
of every model it trained (``results/prereq/<ds>_<mode>_fold<k>.npz``: the same validation
and test pairs for every mode). This script trains nothing: per fold it fits a logistic
regression on the validation scores (logits) of a set of modes and applies it to the test
scores. Three sets are declared in advance (:data:`SETS`); the one with the best mean
out-of-fold validation F1 is chosen, and only its test F1 is the result. Out-of-fold: the
regression is fitted on four fifths of the validation pairs and scores the fifth; the F1
threshold for each fifth is chosen on the other four fifths' out-of-fold scores (the rule
``prereq.py`` uses for its variants). The test threshold is the best-F1 threshold on all
out-of-fold validation scores.

Evidence modes contribute their ``sub`` variant (the headline's), text and plain MLPs their
only scores. Run: ``.venv/bin/python benchmarks/prereq_stack.py`` (seconds); writes
``results/prereq/stack.json``.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS, machine, table  # noqa: E402

R = RESULTS / "prereq"
SETS = {
    "evidence": ["ev_all", "ev_cl", "lr_ev", "lr_ev_cl"],
    "evidence+text": ["ev_all", "ev_cl", "lr_ev", "lr_ev_cl", "text", "plain"],
    "all": ["ev_all", "ev_cl", "lr_closure", "lr_ev_cl", "lr_ev", "lr_known_cl", "lr_known", "lr_order",
            "lr_refd", "lr_simedge", "plain", "text"],
}


def _load(ds: str, mode: str, k: int):
    z = np.load(R / f"{ds}_{mode}_fold{k}.npz")
    if "test_prob_sub" in z:
        return z["val_scores_sub"], z["test_prob_sub"], z["val_labels"], z["test_labels"]
    return z["val_scores"], z["test_prob"], z["val_labels"], z["test_labels"]


def _logit(p):
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def best_threshold(y, s) -> float:
    best = (-1.0, 0.5)
    for t in np.unique(s):
        f = f1_score(y, s >= t, zero_division=0)
        if f > best[0]:
            best = (f, float(t))
    return best[1]


def fold(ds: str, modes: list[str], k: int) -> tuple[float, float]:
    """(out-of-fold validation F1, test F1) of the stack of ``modes`` on fold ``k``."""
    cols = [_load(ds, m, k) for m in modes]
    yv, yt = cols[0][2], cols[0][3]
    V = np.stack([_logit(c[0]) for c in cols], 1)
    T = np.stack([_logit(c[1]) for c in cols], 1)
    splits = list(StratifiedKFold(5, shuffle=True, random_state=k).split(V, yv))
    oof = np.zeros(len(yv))
    for tr, te in splits:
        oof[te] = LogisticRegression(max_iter=1000).fit(V[tr], yv[tr]).predict_proba(V[te])[:, 1]
    pred = np.zeros(len(yv), dtype=bool)
    for j, (_, te) in enumerate(splits):
        others = np.concatenate([s[1] for i, s in enumerate(splits) if i != j])
        pred[te] = oof[te] >= best_threshold(yv[others], oof[others])
    thr = best_threshold(yv, oof)
    clf = LogisticRegression(max_iter=1000).fit(V, yv)
    return f1_score(yv, pred), f1_score(yt, clf.predict_proba(T)[:, 1] >= thr)


def main() -> None:
    out, rows = {"machine": machine(), "sets": SETS}, []
    for ds in ("uc", "lb2"):
        res = {}
        for name, modes in SETS.items():
            f = [fold(ds, modes, k) for k in range(5)]
            res[name] = {"val_f1_oof": float(np.mean([a for a, _ in f])), "test_f1": float(np.mean([b for _, b in f]))}
        chosen = max(res, key=lambda n: res[n]["val_f1_oof"])
        out[ds] = {"sets": res, "chosen": chosen, "test_f1": res[chosen]["test_f1"]}
        for name, r in res.items():
            rows.append([ds, name + (" (chosen)" if name == chosen else ""), f"{r['val_f1_oof']:.4f}",
                         f"{r['test_f1']:.4f}" if name == chosen else "(not chosen)"])
    print(table(rows, ["data", "stacked modes", "val F1 (out of fold)", "test F1"]))
    (R / "stack.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
