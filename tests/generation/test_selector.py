"""The learned defining-sentence selector: ranks a definition above a mention, never reads
the glossary of the concept it chooses for, falls back to the rules without a model."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from generation.extractive import ExtractiveGenerator
from generation.selector import (FEATURES, Selector, SelectorError, candidates, concept_features, definition_text,
                                 labels, load_selector, train)


@dataclass(frozen=True)
class Ev:
    concept: str
    text: str
    kind: str
    section: str = "urn:s1"
    section_label: str = "Memory"
    paragraph: str = "p1"
    position: int = 0
    score: float = 0.5


def _concept(cid: str, label: str, mention: str, defining: str, glossary: str | None = None) -> list[Ev]:
    # the mention comes first in the index's order and scores higher: the rules' order is no help
    out = [Ev(cid, mention, "use", paragraph="p1", position=1, score=0.6),
           Ev(cid, defining, "use", paragraph="p2", position=2, score=0.5)]
    if glossary:
        out.append(Ev(cid, glossary, "definition", paragraph="glossary", position=0, score=0.99))
    return out


TRAIN = {
    "urn:eng": ("engram", "Researchers still look for the engram in many places.",
                "The engram is the group of neurons that holds a memory trace.",
                "physical trace of memory"),
    "urn:enc": ("encoding", "We return to encoding in the next chapter.",
                "Encoding is the input of information into the memory system.",
                "input of information into the memory system"),
    "urn:ret": ("retrieval", "Retrieval was studied by many people in the past.",
                "Retrieval is the act of getting information out of memory storage.",
                "act of getting information out of memory storage"),
    "urn:sto": ("storage", "Storage matters for later chapters of the book.",
                "Storage is the creation of a permanent record of information.",
                "creation of a permanent record of information"),
}
HELD = ("urn:chk", "chunking", "Chunking shows up again when we discuss experts.",
        "Chunking is the organizing of information into manageable bits.",
        "organizing information into manageable bits")
EVIDENCE = {c: _concept(c, lab, m, d, g) for c, (lab, m, d, g) in TRAIN.items()}
EVIDENCE[HELD[0]] = _concept(*HELD)
LABELS = {c: v[0] for c, v in TRAIN.items()} | {HELD[0]: HELD[1]}
GLOSSARY = {c: v[3] for c, v in TRAIN.items()} | {HELD[0]: HELD[4]}


def _ex(glossary=None, **kw) -> ExtractiveGenerator:
    return ExtractiveGenerator(None, LABELS.get, evidence_fn=lambda s, c, kinds=None, k=None: list(EVIDENCE[c]),
                               glossary=glossary, **kw)


@pytest.fixture
def selector() -> Selector:
    ex = _ex()
    groups = []
    for c in TRAIN:
        cands = candidates(ex, c)
        outs, X = concept_features(ex, c, cands)
        groups.append((X, labels(outs, GLOSSARY[c])))
    return train(groups, l2=1.0)


def test_candidates_leave_out_glossary_entries_and_texts_are_the_extractors_cut():
    ex = _ex()
    cands = candidates(ex, "urn:eng")
    assert [e.paragraph for e in cands] == ["p1", "p2"]          # the glossary entry is no candidate
    assert definition_text(ex, cands[1], "engram") == "group of neurons that holds a memory trace"
    outs, X = concept_features(ex, "urn:eng", cands)
    assert X.shape == (2, len(FEATURES)) and outs[0] == cands[0].text.rstrip(".")


def test_labels_are_chrf_against_the_glossary():
    y = labels(["group of neurons that holds a memory trace", "physical trace of memory"], "physical trace of memory")
    assert y[1] == pytest.approx(100.0) and 0 < y[0] < 60


def test_selector_ranks_a_defining_sentence_above_a_mention(selector):
    ex = _ex()
    chosen = selector.choose(ex, HELD[0])
    assert chosen.text == HELD[3]
    _outs, X = concept_features(ex, HELD[0], candidates(ex, HELD[0]))
    s = selector.scores(X)
    assert s[1] > s[0]
    assert selector.coef[FEATURES.index("rank4")] > 0 or selector.coef[FEATURES.index("rule_choice")] > 0


def test_selector_never_reads_the_glossary_of_the_concept_it_chooses_for(selector):
    asked = []

    def glossary(c):
        asked.append(c)
        return "chunking is anything at all"      # a wrong answer that would change nothing
    ex = _ex(glossary=glossary)
    cands = candidates(ex, HELD[0])
    concept_features(ex, HELD[0], cands)
    assert selector.choose(ex, HELD[0]).text == HELD[3]
    assert asked == []


def test_extractive_uses_the_selector_and_says_so(selector):
    selector.dev = {"chrf_selector": 47.25, "chrf_heuristic": 43.5}
    ex = _ex(selector=selector)
    x = ex.definition(HELD[0])
    assert x.text == HELD[3] and ex.chosen_by[HELD[0]] == "selector"
    assert x.why == "learned selector (chrF dev 47.2 vs heuristic 43.5)"
    # the glossary entry, when the lesson has a reader for it, still comes first
    ex = _ex(glossary=GLOSSARY.get, selector=selector)
    assert ex.definition("urn:eng").text == TRAIN["urn:eng"][3] and ex.chosen_by["urn:eng"] == "glossary"


def test_fallback_to_the_rules_without_a_model_or_when_it_fails(tmp_path, selector):
    ex = _ex()
    assert ex.definition(HELD[0]).text == HELD[3] and ex.chosen_by[HELD[0]] == "rules"
    assert ex.definition(HELD[0]).why == ""

    class Broken(Selector):
        def choose(self, *a, **kw):
            raise RuntimeError("no weights")
    logged = []
    broken = Broken(**{k: getattr(selector, k) for k in ("features", "mean", "scale", "coef")})
    ex = _ex(selector=broken, log=logged.append)
    assert ex.definition(HELD[0]).text == HELD[3] and ex.chosen_by[HELD[0]] == "rules"
    ex.definition("urn:eng")
    assert len(logged) == 1 and "no weights" in logged[0]

    class WS:
        models_dir = tmp_path
    assert load_selector(WS(), bundled=False) is None


def test_model_file_round_trip_and_bad_files(tmp_path, selector):
    back = Selector.from_json(selector.to_json())
    X = np.ones((3, len(FEATURES)))
    assert np.allclose(back.scores(X), selector.scores(X))
    (tmp_path / "selector").mkdir()
    (tmp_path / "selector" / "selector.json").write_text(selector.to_json())

    class WS:
        models_dir = tmp_path
    assert load_selector(WS(), bundled=False).coef == selector.coef
    with pytest.raises(SelectorError, match="line 1"):
        Selector.from_json("{oops", "m.json")
    with pytest.raises(SelectorError, match="features"):
        Selector.from_json(selector.to_json().replace('"rank0"', '"rankX"'), "m.json")


def test_boosted_trees_match_scikit_learn_and_the_margin_keeps_the_rules_choice():
    from sklearn.ensemble import GradientBoostingRegressor

    from generation.selector import fit_trees
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, len(FEATURES)))
    y = 3 * X[:, 0] - 2 * (X[:, 1] > 0.5) + rng.normal(scale=0.1, size=80)
    sel = Selector.from_json(fit_trees(X, y, n_trees=20).to_json())
    ref = GradientBoostingRegressor(n_estimators=20, max_depth=3, learning_rate=0.05, subsample=0.8,
                                    random_state=0).fit(X, y)
    assert np.allclose(sel.scores(X), ref.predict(X))
    # two candidates, the second the rules' choice; the model prefers the first by a little
    rc = FEATURES.index("rule_choice")
    lin = Selector(list(FEATURES), [0.0] * len(FEATURES), [1.0] * len(FEATURES), [0.0] * len(FEATURES))
    lin.coef[0] = 1.0
    X2 = np.zeros((2, len(FEATURES)))
    X2[0, 0], X2[1, rc] = 1.5, 1.0
    assert lin.pick(X2) == 0
    lin.margin = 2.0
    assert lin.pick(X2) == 1          # 1.5 points better is not enough
    X2[0, 0] = 2.5
    assert lin.pick(X2) == 0


def test_train_selector_command_refuses_a_workspace_with_too_few_definitions(tmp_path):
    from click.testing import CliRunner

    from kg.workspace import Workspace
    from studio.cli import cli
    ws = Workspace.init(tmp_path / "ws")
    r = CliRunner().invoke(cli, ["train-selector", "-w", str(ws.root), "--no-minilm"])
    assert r.exit_code == 1 and "a selector needs 60" in r.output and "Traceback" not in r.output
    assert not (ws.models_dir / "selector").exists()
