"""The review list: calibrated ranking, at most k per concept, no duplicate / known edge /
reverse, no cycle with accepted edges; evidence paths."""
from __future__ import annotations

import numpy as np

from gnn.calibration import Calibrator
from gnn.suggest import known_path, review_list


def test_review_list_rules_on_a_toy_graph():
    # accepted: 1 requires 2, 2 requires 3 (so 1 -> 2 -> 3)
    known = [[1, 2], [2, 3]]
    cand = [[1, 2],   # duplicate of a known edge
            [2, 1],   # reverse of a known edge
            [3, 1],   # 3 requires 1 would close 1 -> 2 -> 3 -> 1: refused
            [0, 1], [0, 2], [0, 3],   # 0 as "a" three times: the cap keeps 2
            [4, 4],   # self pair
            [0, 1],   # duplicate candidate
            [4, 0], [5, 4]]
    raw = [0.99, 0.98, 0.97, 0.9, 0.8, 0.7, 0.95, 0.9, 0.6, 0.5]
    out = review_list(cand, raw, top_k=10, max_per_node=2, known=known, drop_implied=False)
    pairs = [(a, b) for a, b, *_ in out]
    assert pairs == [(0, 1), (0, 2), (4, 0), (5, 4)]
    assert [r for *_, r, p, band in out] == [0.9, 0.8, 0.6, 0.5]
    assert review_list(cand, raw, top_k=2, max_per_node=2, known=known,
                       drop_implied=False)[-1][:2] == (0, 2)
    # by default 0 requires 2 (and 3) is implied once 0 requires 1 is on the list
    out = review_list(cand, raw, top_k=10, max_per_node=2, known=known)
    assert [(a, b) for a, b, *_ in out] == [(0, 1), (4, 0), (5, 4)]
    # 1 requires 3 is implied by 1 -> 2 -> 3: dropped unless asked for
    assert review_list([[1, 3]], [0.9], top_k=5, known=known) == []
    assert review_list([[1, 3]], [0.9], top_k=5, known=known, drop_implied=False)[0][:2] == (1, 3)


def test_review_list_refuses_cycles_among_its_own_suggestions():
    out = review_list([[0, 1], [1, 2], [2, 0]], [0.9, 0.8, 0.7], top_k=5, max_per_node=0)
    assert [(a, b) for a, b, *_ in out] == [(0, 1), (1, 2)]      # 2 requires 0 closes a cycle


def test_review_list_ranks_by_calibrated_probability_with_bands():
    # a decreasing calibrator reverses nothing (monotone), but probabilities and bands change
    s = np.r_[np.linspace(0.5, 1.0, 50), np.linspace(0.0, 0.5, 50)]
    y = np.r_[np.ones(50), np.zeros(50)]
    cal = Calibrator("isotonic", likely=0.9, possible=0.4).fit(s, y)
    out = review_list([[0, 1], [2, 3], [4, 5]], [0.2, 0.95, 0.45], top_k=3, max_per_node=0,
                      calibrator=cal)
    assert [(a, b) for a, b, *_ in out] == [(2, 3), (4, 5), (0, 1)]
    assert [band for *_, band in out] == ["likely", "unlikely", "unlikely"]
    assert out[0][3] == 1.0 and out[2][3] == 0.0


def test_known_path_both_directions():
    known = np.array([[0, 1], [2, 1], [2, 3]])
    assert known_path(known, 0, 3) == [(0, 1, "requires"), (1, 2, "required by"), (2, 3, "requires")]
    assert known_path(known, 0, 4) == []
    assert known_path(known, 0, 3, max_len=2) == []


def test_explain_names_definitions_the_sentence_and_the_path(monkeypatch):
    import kg.evidence as kev
    from gnn.suggest import Suggestion, explain

    A, B = "http://x/id/c/array", "http://x/id/c/memory-cell"
    ev = {A: [kev.Evidence(A, "An array stores elements in consecutive memory cells.", "use",
                           "http://x/s2", "2.1 Arrays", "p1", 5, 0.5),
              kev.Evidence(A, "An array is a sequence of elements of one type.", "definition",
                           "http://x/s2", "2.1 Arrays", "p0", 4, 0.9)],
          B: [kev.Evidence(B, "A memory cell holds one value.", "definition", "http://x/s1",
                           "1.1 Memory", "p0", 1, 0.9)]}
    monkeypatch.setattr(kev, "evidence", lambda store, iri, k=None, kinds=None: ev[iri][:k])
    s = Suggestion(A, B, 0.8, "concept", 1, a_label="array", b_label="memory cell", band="likely")
    lines = explain(None, s, ["array", "-[requires]-> pointer", "-[requires]-> memory cell"])
    assert lines == (
        "array is defined in 2.1 Arrays: \u201cAn array is a sequence of elements of one type.\u201d",
        "memory cell is defined in 1.1 Memory: \u201cA memory cell holds one value.\u201d",
        "names memory cell (2.1 Arrays): \u201cAn array stores elements in consecutive memory cells.\u201d",
        "known path: array -[requires]-> pointer -[requires]-> memory cell")


def test_teacher_suggestions_are_calibrated_acyclic_and_banded():
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.suggest import accepted_edges, suggest
    from gnn.train import train_teacher
    from tests.gnn.conftest import FAST
    from tests.gnn.test_data import _store

    td = build_teacher_data(_store(), embed=False)
    r = train_teacher(td, TeacherConfig(**{**FAST, "epochs": 5}))
    info: dict = {}
    out = suggest(r.model, td, top_k=50, max_per_node=2, info=info)
    assert out and info["calibration"] in ("decisions", "labels-vs-candidates")
    assert all(s.band in ("likely", "possible", "unlikely") for s in out)
    assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)
    assert all(s.raw_score is not None and 0 <= s.score <= 1 for s in out)
    iris = td.index.iris["concept"]
    known = {(iris[a], iris[b]) for a, b in accepted_edges(td, "concept").tolist()}
    pairs = [(s.a, s.b) for s in out]
    assert len(set(pairs)) == len(pairs)
    assert not any(p in known or p[::-1] in known for p in pairs)
    for x in {p for q in pairs for p in q}:
        assert sum(a == x for a, _ in pairs) <= 2 and sum(b == x for _, b in pairs) <= 2
    # accepted edges plus the whole list stay acyclic
    req: dict = {}
    for a, b in known | set(pairs):
        req.setdefault(a, set()).add(b)

    def cyclic(x, stack, done):
        if x in stack:
            return True
        if x in done:
            return False
        stack.add(x)
        bad = any(cyclic(y, stack, done) for y in req.get(x, ()))
        stack.discard(x)
        done.add(x)
        return bad
    assert not any(cyclic(x, set(), set()) for x in list(req))
    raw = suggest(r.model, td, top_k=50, max_per_node=2, calibrate=False)
    assert all(s.band is None and s.score == s.raw_score for s in raw)


def test_review_list_probability_then_tier_then_priority():
    # ranked by probability (a fixed probability replaces the calibrator's, with the default
    # bands); equal probabilities: the higher tier first, then the higher priority
    cand = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    raw = [0.99, 0.2, 0.3, 0.4, 0.5, 0.1]
    tier = [0, 1, 2, 2, 0, 1]
    priority = [0.0, 0.9, 0.5, 0.7, 0.0, 0.99]
    fixed = [np.nan, 0.5, 0.96, 0.96, 0.1, 0.96]
    out = review_list(cand, raw, top_k=6, max_per_node=0, tier=tier, priority=priority, fixed_prob=fixed)
    assert [(a, b) for a, b, *_ in out] == [(0, 1), (6, 7), (4, 5), (10, 11), (2, 3), (8, 9)]
    assert [p for *_, p, band in out] == [0.99, 0.96, 0.96, 0.96, 0.5, 0.1]
    assert [band for *_, band in out] == [None, "likely", "likely", "likely", "possible", "unlikely"]
