"""Calibration maps a known miscalibrated score set back; bands and errors."""
from __future__ import annotations

import numpy as np
import pytest

from gnn.calibration import CalibrationError, Calibrator, ece


def _miscalibrated(n, seed):
    """True probabilities p ~ U(0, 1), labels ~ Bernoulli(p), and over-confident scores
    sigmoid(3 * logit(p) + 1) (too sharp and shifted, as a re-balanced classifier is)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = (rng.uniform(size=n) < p).astype(int)
    z = np.log(p / (1 - p))
    return 1 / (1 + np.exp(-(3 * z + 1))), y, p


@pytest.mark.parametrize("method", ["temperature", "isotonic", "auto"])
def test_calibration_maps_miscalibrated_scores_back(method):
    s_fit, y_fit, _ = _miscalibrated(4000, 0)
    s_test, y_test, p_true = _miscalibrated(4000, 1)
    raw = ece(s_test, y_test)
    assert raw > 0.1                                     # the set really is miscalibrated
    c = Calibrator(method).fit(s_fit, y_fit)
    q = c.transform(s_test)
    assert ece(q, y_test) < 0.05
    assert np.abs(q - p_true).mean() < 0.05              # close to the true probabilities
    if method == "temperature":                          # recovers T = 3, bias = -1/3
        assert c.temperature == pytest.approx(3.0, rel=0.1)
        assert c.bias == pytest.approx(-1 / 3, abs=0.1)
    assert Calibrator.from_dict(c.to_dict()).transform(s_test[:5]) == pytest.approx(q[:5])


def test_calibration_is_monotone_and_bands():
    s, y, _ = _miscalibrated(1000, 2)
    c = Calibrator("isotonic", likely=0.8, possible=0.5).fit(s, y)
    grid = np.linspace(0, 1, 101)
    assert np.all(np.diff(c.transform(grid)) >= -1e-12)
    assert [c.band(x) for x in (0.85, 0.8, 0.6, 0.49)] == ["likely", "likely", "possible", "unlikely"]


def test_ece_values_and_errors():
    assert ece(np.array([0.5, 0.5]), np.array([1, 0])) == 0.0
    assert ece(np.array([1.0, 1.0]), np.array([0, 0])) == 1.0
    with pytest.raises(CalibrationError, match="both positive and negative"):
        Calibrator().fit(np.array([0.2, 0.4]), np.array([1, 1]))
    with pytest.raises(CalibrationError, match="probabilities"):
        ece(np.array([1.5]), np.array([1]))
    with pytest.raises(CalibrationError, match="before fit"):
        Calibrator().transform(np.array([0.5]))


def test_platt_maps_a_linear_score_back_and_auto_picks_it():
    # scores linear in the true log-odds (a margin, not a probability): p = sigmoid(8 s - 4)
    rng = np.random.default_rng(5)
    s = rng.uniform(0, 1, 6000)
    y = (rng.uniform(size=s.size) < 1 / (1 + np.exp(-(8 * s - 4)))).astype(int)
    c = Calibrator("platt").fit(s[:3000], y[:3000])
    assert 1 / c.temperature == pytest.approx(8.0, rel=0.15) and c.bias == pytest.approx(-4.0, rel=0.15)
    assert ece(c.transform(s[3000:]), y[3000:]) < 0.03
    auto = Calibrator("auto").fit(s[:3000], y[:3000])
    assert auto.fitted in ("platt", "isotonic") and set(auto.cv_logloss) == {"temperature", "platt", "isotonic"}
    assert auto.cv_logloss["platt"] < auto.cv_logloss["temperature"]
    assert Calibrator.from_dict(auto.to_dict()).transform(s[:4]) == pytest.approx(auto.transform(s[:4]))


def test_auto_with_few_pairs_skips_isotonic():
    s, y, _ = _miscalibrated(60, 3)
    c = Calibrator("auto").fit(s, y)
    assert "isotonic" not in c.cv_logloss and c.fitted in ("temperature", "platt")
    with pytest.raises(CalibrationError, match="cv >= 2"):
        Calibrator(cv=1)


def test_crossfit_scores_every_pair_with_a_calibrator_that_never_saw_it():
    from gnn.calibration import crossfit, log_loss
    rng = np.random.default_rng(3)
    y = (rng.random(600) < 0.3).astype(int)
    true_p = np.where(y == 1, rng.uniform(.4, 1, 600), rng.uniform(0, .6, 600))
    s = true_p ** 0.3                                          # overconfident towards 1: miscalibrated
    oof = crossfit(s, y)
    assert ece(s, y) > 0.2 and ece(oof, y) < 0.06
    assert log_loss(oof, y) < log_loss(s, y)
    # fitted on one kind of score, judged on shifted ones: the shift shows up as error
    shifted = crossfit(s, y, np.clip(s + 0.15, 0, 1))
    assert ece(shifted, y) > ece(oof, y) + 0.03
    with pytest.raises(CalibrationError, match="2 pairs of each class"):
        crossfit(np.array([.2, .8, .9]), np.array([0, 1, 1]))
