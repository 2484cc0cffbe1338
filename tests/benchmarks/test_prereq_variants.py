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


def test_variants_share_the_leak_free_validation_scores_and_rank_symmetric_first():
    P = _prereq()
    rng = np.random.default_rng(0)
    yv = (rng.random(400) < 0.5).astype(int)
    yt = (rng.random(600) < 0.5).astype(int)
    base = _scores(yv, rng)
    test_base = _scores(yt, rng)
    # test scores read from the denser graph ("all") are pushed up, as they were on University
    # Course; the fit table and the subsamples give scores like the validation ones
    test = {"fit": test_base, "sub": test_base,
            "all": 1 / (1 + np.exp(-(np.log(test_base / (1 - test_base)) + 1.5)))}
    fl = {"in_train": np.zeros(600, bool), "reversed_positive": np.zeros(600, bool),
          "self_pair": np.zeros(600, bool)}
    # an "all" validation array is ignored: validation pairs are judged on fit-table scores only
    res = P.variant_results(yv, {"fit": base, "all": np.clip(base + .3, 0, 1)}, yt, test, fl, seed=0)
    assert set(res) == {"sub", "fit", "fitcal"}
    assert res["sub"]["val_ece"] == res["fit"]["val_ece"] == res["fitcal"]["val_ece"] < 0.06
    assert res["sub"]["ece"] < 0.06 and res["fitcal"]["ece"] > 0.1   # the asymmetry shows on test only
    folds = [{"variants": res}, {"variants": res}]
    var, rule = P.choose_variant(folds)
    assert var == "sub"                                               # validation ties: symmetric first
    r = P.apply_variant({"variants": res, "val_f1": 0.0}, var, rule)
    assert r["variant"] == "sub" and r["ece"] == res["sub"]["ece"]
    assert r["all"] == res["sub"]["all" if rule == "f1" else "all_cal05"]
    assert P.choose_variant([{"val_f1": 1.0}]) is None                # older results: no variants


def test_out_of_fold_threshold_never_reads_the_pairs_it_decides():
    P = _prereq()
    y = np.array([0, 1] * 20)
    s = np.where(y == 1, 0.8, 0.2).astype(float)
    pred = P.oof_threshold_pred(s, s, y, cv=5, seed=0)
    assert pred.tolist() == y.tolist()
    # the decided scores are shifted below every threshold learnt elsewhere: all negative
    assert P.oof_threshold_pred(s, s - 0.7, y, cv=5, seed=0).sum() == 0
