"""Active learning: the loop picks the most uncertain pair; simulated reviews on a toy set."""
from __future__ import annotations

import numpy as np
import pytest

from gnn.active import ActiveLearningError, select_next, simulate, top_k_precision


def test_select_next_strategies():
    p = np.array([0.1, 0.48, 0.9, 0.7, 0.55])
    assert select_next(p, 2).tolist() == [1, 4]                       # closest to 0.5
    assert select_next(p, 1, threshold=0.75).tolist() == [3]
    assert select_next(p, 2, exclude=[1]).tolist() == [4, 3]
    assert select_next(p, 2, strategy="top").tolist() == [2, 3]
    r = select_next(p, 5, strategy="random", rng=np.random.default_rng(1))
    assert sorted(r.tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ActiveLearningError, match="strategy"):
        select_next(p, 1, strategy="greedy")


def test_top_k_precision():
    assert top_k_precision([0.9, 0.8, 0.1, 0.7], [1, 0, 1, 1], k=2) == 0.5
    assert top_k_precision([0.9, 0.8, 0.1, 0.7], [1, 0, 1, 1], k=3) == pytest.approx(2 / 3)


def _threshold_fit(x, y):
    """A 1-D learner: the midpoint between the largest negative and smallest positive seen."""
    lo = x[y == 0, 0].max()
    hi = x[y == 1, 0].min()
    t = (lo + hi) / 2
    return lambda z: 1 / (1 + np.exp(-20 * (z[:, 0] - t)))


def test_loop_picks_the_uncertain_pair_and_learns_from_it():
    # gold rule: positive when x > 0.62; the seed only says "0.1 is negative, 0.9 positive",
    # so the first model puts its boundary at 0.5 and the most uncertain pool pair is 0.52;
    # its answer (negative) moves the boundary to 0.71, so 0.65 is next (positive: 0.585),
    # then 0.58 (negative: 0.615, the rule's boundary within 0.005)
    x_pool = np.array([[0.1], [0.9], [0.3], [0.52], [0.58], [0.61], [0.65], [0.8], [0.2]])
    y_pool = (x_pool[:, 0] > 0.62).astype(int)
    x_eval = np.linspace(0, 1, 101)[:, None]
    y_eval = (x_eval[:, 0] > 0.62).astype(int)
    out = simulate(_threshold_fit, x_pool, y_pool, x_eval, y_eval, [0, 1], steps=(1, 2, 3),
                   strategy="uncertainty", k=40)
    assert out["picked"][0] == 3                       # 0.52: the most uncertain pair
    assert out["picked"] == [3, 6, 4]
    assert out["positives_picked"] == [0, 0, 1, 1]
    assert out["steps"] == [0, 1, 2, 3] and out["precision"] == [0.95] * 4   # 38 of x > .62 in 40
    top = simulate(_threshold_fit, x_pool, y_pool, x_eval, y_eval, [0, 1], steps=(1, 2),
                   strategy="top", k=40)
    assert top["picked"] == [7, 6]                     # 0.8, 0.65: the highest unlabelled
    with pytest.raises(ActiveLearningError, match="both positive and negative"):
        simulate(_threshold_fit, x_pool, y_pool, x_eval, y_eval, [0, 2], steps=(1,))
    with pytest.raises(ActiveLearningError, match="fewer than"):
        simulate(_threshold_fit, x_pool, y_pool, x_eval, y_eval, [0, 1], steps=(20,))


def test_diverse_batch_spreads_out_and_density_skips_outliers():
    from gnn.active import density_weights
    # four near-duplicate uncertain pairs at one spot, one uncertain pair elsewhere
    x = np.array([[1, 0], [1, .01], [1, .02], [1, .03], [0, 1], [.7, .7]], dtype=float)
    p = np.array([.5, .5, .5, .5, .49, .9])
    assert select_next(p, 2, strategy="uncertainty").tolist() == [0, 1]
    assert sorted(select_next(p, 2, strategy="diverse", x=x).tolist()) == [0, 4]
    # far from the labelled pair 0 first
    assert select_next(p, 1, strategy="diverse", x=x, exclude=[0]).tolist() == [4]
    # an outlier (far from all others) loses to an equally uncertain pair in a dense region
    xo = np.array([[1, 0], [1, .05], [.98, .1], [-1, 0]], dtype=float)
    d = density_weights(xo)
    assert d[3] < d[0]
    assert select_next(np.array([.9, .9, .5, .5]), 1, strategy="density", x=xo).tolist() == [2]
    with pytest.raises(ActiveLearningError, match="features"):
        select_next(p, 1, strategy="diverse")
    with pytest.raises(ActiveLearningError, match="refits"):
        select_next(p, 1, strategy="eer")


def test_expected_error_reduction_asks_where_an_answer_settles_most():
    # the toy rule of the loop test: the answer about 0.58 or 0.61 (between the seed's
    # boundary and the rule's) moves the boundary most towards the truth; 0.1/0.9 say nothing
    x_pool = np.array([[0.1], [0.9], [0.3], [0.52], [0.58], [0.61], [0.65], [0.8], [0.2]])
    y_pool = (x_pool[:, 0] > 0.62).astype(int)
    x_eval = np.linspace(0, 1, 101)[:, None]
    y_eval = (x_eval[:, 0] > 0.62).astype(int)
    out = simulate(_threshold_fit, x_pool, y_pool, x_eval, y_eval, [0, 1], steps=(1, 2, 3),
                   strategy="eer", k=40)
    # candidates: the 2 most uncertain pairs, 0.52 and 0.58 (boundary at 0.5); an answer about
    # 0.52 barely moves the boundary, one about 0.58 moves it by 0.04 either way, leaving
    # less expected error on the unlabelled pool
    assert out["picked"][0] == 4
    assert len(set(out["picked"])) == 3 and not {0, 1} & set(out["picked"])
