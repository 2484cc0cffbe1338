"""The WebNLG loader and entity placeholders of the generation benchmark
(``benchmarks/_webnlg.py``) on the real files: counts match the data README, placeholders
cover most references, and filling them back gives the references' names."""
from __future__ import annotations

import doctest
import importlib.util
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module():
    # benchmarks/ is no package: load the file under its own module name
    spec = importlib.util.spec_from_file_location("_webnlg", ROOT / "benchmarks" / "_webnlg.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["_webnlg"] = mod
    spec.loader.exec_module(mod)
    return mod


W = _module()


def test_doctests():
    # benchmarks/ is outside --doctest-modules, so its examples run here
    res = doctest.testmod(W, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 7 and res.failed == 0


@pytest.fixture(scope="module")
def dev(shared_data):
    return W.load_split(shared_data / "webnlg", "dev")


def test_dev_counts_match_readme(dev):
    assert len(dev) == 1667
    assert sum(len(e.refs) for e in dev) == 4464
    sizes = [len(e.triples) for e in dev]
    assert sizes.count(1) == 403 and sizes.count(7) == 22
    assert len({e.category for e in dev}) == 16


def test_test_split_has_all_references(shared_data):
    test = W.load_split(shared_data / "webnlg", "test")
    assert len(test) == 1779
    assert sum(len(e.refs) for e in test) == 5150


def test_missing_split_names_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="train"):
        W.load_split(tmp_path, "train")


def test_placeholders_cover_most_references(dev):
    rng = random.Random(0)
    sample = rng.sample(dev, 150)
    full = total = 0
    for e in sample:
        n = len(W.entities(e.triples))
        src = W.linearise(e.triples)
        # every entity of the input is named by its placeholder, in order
        assert all(f"<E{k}>" in src for k in range(n)) and f"<E{n}>" not in src
        for r in e.refs:
            d, k = W.delexicalise(r, e.triples)
            assert 0 <= k <= n
            total += 1
            full += k == n
    assert full / total > 0.6          # measured 0.73 on train


def test_relexicalise_restores_names(dev):
    # for 1-triple entries whose reference writes both names verbatim, delexicalising and
    # filling back must give the reference itself
    checked = 0
    for e in dev:
        if len(e.triples) != 1:
            continue
        names = [W.surface(x) for x in W.entities(e.triples)]
        for r in e.refs:
            if all(nm in r for nm in names) and len(set(names)) == len(names):
                d, k = W.delexicalise(r, e.triples)
                if k == len(names):
                    assert "<E0>" in d
                    assert W.relexicalise(d, e.triples) == r
                    checked += 1
        if checked >= 30:
            break
    assert checked >= 30


def _bench():
    spec = importlib.util.spec_from_file_location("genbench", ROOT / "benchmarks" / "generation.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["genbench"] = mod
    spec.loader.exec_module(mod)
    return mod


def test_score_uses_every_reference():
    # variable numbers of references per entry: a hypothesis equal to its entry's second
    # reference scores 100
    B = _bench()
    entries = [W.Entry("a", "", [], ["x y z w", "the cat sat on the mat"]),
               W.Entry("b", "", [], ["a dog ran in the park today"])]
    bleu, chrf = B.score(["the cat sat on the mat", "a dog ran in the park today"], entries)
    assert bleu == pytest.approx(100.0) and chrf == pytest.approx(100.0)
    bleu2, _ = B.score(["x y z w", "a cat"], entries)
    assert bleu2 < 100.0


def test_fact_scores_masks_input_names():
    from generation.student.grounding import Lexicon
    B = _bench()
    lex = Lexicon({"urn:sleep": ["sleep"], "urn:dream": ["dream"], "urn:rem": ["REM sleep"],
                   "urn:memory": ["memory"]})
    names = {"urn:rem": "REM sleep", "urn:dream": "dream", "urn:sec": "Sleep and Dreams"}
    triples = [("urn:rem", "related", "urn:dream"), ("urn:rem", "definedIn", "urn:sec"),
               ("urn:sleep", "related", "urn:dream")]
    named, outside, facts = B.fact_scores(
        "REM sleep is when most dreams happen, see Sleep and Dreams; it helps memory.",
        "urn:rem", names, triples, lex)
    assert named == {"urn:dream"}            # the section title names no concept
    assert outside == {"urn:memory"}         # not in the input
    assert facts == {"urn:dream", "urn:sec"}
    assert B.facts_mentioned("REM sleep: see Sleep and Dreams.", facts, names, set()) == {"urn:sec"}


def test_fact_scores_masks_the_focus_before_shorter_neighbours():
    from generation.student.grounding import Lexicon
    B = _bench()
    lex = Lexicon({"urn:cb": ["Cannon-Bard theory of emotion"], "urn:emotion": ["emotion"],
                   "urn:theory": ["theory"]})
    names = {"urn:cb": "Cannon-Bard theory of emotion", "urn:emotion": "emotion"}
    named, outside, _facts = B.fact_scores("The Cannon-Bard theory of emotion is a model.",
                                           "urn:cb", names, [], lex)
    assert outside == set() and named == set()
    named, outside, _facts = B.fact_scores("A theory of emotion.", "urn:cb", names, [], lex)
    assert outside == {"urn:theory"} and named == {"urn:emotion"}
