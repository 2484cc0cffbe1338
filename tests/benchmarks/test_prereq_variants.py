"""benchmarks/prereq.py: the evidence variants are judged and chosen on validation only."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def _prereq():
    spec = importlib.util.spec_from_file_location("prereq_bench", ROOT / "benchmarks" / "prereq.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scores(y, rng, shift=0.0):
    """Calibrated scores of labels ``y`` (P(y=1 | s) = s), pushed up by ``shift`` in logit."""
    p = np.where(y == 1, rng.beta(5, 2, len(y)), rng.beta(2, 5, len(y)))
    z = np.log(p) - np.log1p(-p) + shift
    return 1 / (1 + np.exp(-z))


def test_asymmetric_evidence_is_seen_on_validation_and_the_symmetric_variant_chosen():
    P = _prereq()
    rng = np.random.default_rng(0)
    yv = (rng.random(400) < 0.5).astype(int)
    yt = (rng.random(600) < 0.5).astype(int)
    base = _scores(yv, rng)
    # "fit" evidence: what the calibrator was fitted on; "all": the denser graph pushes every
    # score up (as test scores were); "sub": like fit. Test scores the same way per variant.
    val = {"fit": base, "all": 1 / (1 + np.exp(-(np.log(base / (1 - base)) + 1.5))), "sub": base}
    test_base = _scores(yt, rng)
    test = {"fit": test_base, "all": 1 / (1 + np.exp(-(np.log(test_base / (1 - test_base)) + 1.5))),
            "sub": test_base}
    fl = {"in_train": np.zeros(600, bool), "reversed_positive": np.zeros(600, bool),
          "self_pair": np.zeros(600, bool)}
    res = P.variant_results(yv, val, yt, test, fl, seed=0)
    assert set(res) == {"fitcal", "fit", "all", "sub"}
    # the recorded rule (calibrator on fit scores, applied to all-evidence scores) is off on
    # validation as on test; the symmetric variants are not
    assert res["fitcal"]["val_ece"] > 0.1 and res["fitcal"]["ece"] > 0.1
    for v in ("fit", "all", "sub"):
        assert res[v]["val_ece"] < 0.06 and res[v]["ece"] < 0.06, (v, res[v]["val_ece"], res[v]["ece"])
    folds = [{"variants": res}, {"variants": res}]
    var, rule = P.choose_variant(folds)
    assert var != "fitcal"
    r = P.apply_variant({"variants": res, "val_f1": 0.0}, var, rule)
    assert r["variant"] == var and r["ece"] == res[var]["ece"] and r["all"] == res[var]["all" if rule == "f1" else "all_cal05"]
    assert P.choose_variant([{"val_f1": 1.0}]) is None          # older results: no variants


def test_out_of_fold_threshold_never_reads_the_pairs_it_decides():
    P = _prereq()
    y = np.array([0, 1] * 20)
    s = np.where(y == 1, 0.8, 0.2).astype(float)
    pred = P.oof_threshold_pred(s, s, y, cv=5, seed=0)
    assert pred.tolist() == y.tolist()
    # the decided scores are shifted below every threshold learnt elsewhere: all negative
    assert P.oof_threshold_pred(s, s - 0.7, y, cv=5, seed=0).sum() == 0
