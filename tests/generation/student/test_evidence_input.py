"""Evidence in the student's input (issue 12): the training filter, the budget, the order,
and reading the index back from a store."""
from __future__ import annotations

import pytest

from generation.student.linearize import linearize
from generation.student.pairs import (build_examples, corpus_texts, curriculum_pairs, filter_evidence,
                                      gather_evidence, near_duplicate)
from generation.student.tokenizer import StudentTokenizer, entity_token
from kg.neighbourhood import neighbourhood

from .conftest import G, I, tiny_cfg

TARGET = ("An absolute threshold is the minimum amount of stimulus energy that must be present "
          "for the stimulus to be detected 50% of the time.")
EVIDENCE = [
    TARGET,                                                                     # the answer itself
    "The absolute threshold is the minimum amount of stimulus energy that must be present "
    "for a stimulus to be detected half of the time.",                          # a near-duplicate
    "Absolute thresholds are measured in dark, quiet rooms with very faint stimuli.",
    "For example, the absolute threshold of vision is a candle flame seen 30 miles away.",
    "Sensory adaptation lowers sensitivity to a constant stimulus.",
]


def test_filter_removes_the_target_and_its_near_duplicate_and_keeps_the_rest():
    kept = filter_evidence(EVIDENCE, TARGET, 0.5)
    assert kept == EVIDENCE[2:]
    # a target that is a longer window of sentences: the sentence inside it goes too
    window = "Sensory adaptation lowers sensitivity to a constant stimulus. It saves effort."
    assert filter_evidence(EVIDENCE[2:], window, 0.5) == EVIDENCE[2:4]
    assert not near_duplicate(EVIDENCE[3], TARGET, 0.5)
    assert near_duplicate(EVIDENCE[1], TARGET, 0.5) and not near_duplicate(EVIDENCE[1], TARGET, 0.95)


@pytest.fixture(scope="module")
def tok(tiny_store):
    return StudentTokenizer.train(corpus_texts(tiny_store) + EVIDENCE, 300)


def test_focus_evidence_comes_first_within_the_budget(tiny_store, tok):
    cfg = tiny_cfg(hops=2, max_nodes=12, max_entities=8, max_input_tokens=80, evidence_tokens=40,
                   evidence_k=6)
    nb = neighbourhood(tiny_store, I + "delta", 2, 12)
    ev = ["delta feeds the echo loop in every cycle.", "A long sentence about delta " + "and more " * 30 + ".",
          "delta is used with golf."]
    lin = linearize(nb, tok, cfg, "definition", evidence=ev)
    assert len(lin.ids) <= 80 and lin.ids[-1] == tok.eos_id
    plain = linearize(nb, tok, cfg, "definition")
    assert len(plain.entities) > 2                              # neighbours do fit without evidence
    # the focus segment, then its evidence (names as placeholders), then the first neighbour
    s0, e0 = lin.spans[0]
    s1 = lin.spans[1][0]
    focus_part = tok.decode(lin.ids[s0:e0])
    assert e0 == s1 and "<E0> feeds the" in focus_part and "<E0> is used with" in focus_part
    assert "more and more" not in focus_part                   # the sentence past the budget is left out
    assert lin.text.index("<E0> feeds") < lin.text.index("<sep>")
    ev_tokens = len(tok.encode("<def> <E0> feeds the echo loop in every cycle.", eos=False))
    assert ev_tokens <= 40 and e0 - s0 > ev_tokens
    # the budget is kept whatever the evidence: the best sentence alone, cut, when it is too long
    tight = tiny_cfg(hops=2, max_nodes=12, max_entities=8, max_input_tokens=30, evidence_tokens=20)
    lin2 = linearize(nb, tok, tight, "definition", evidence=[ev[1]])
    assert len(lin2.ids) <= 30 and "<E0>" in tok.decode(lin2.ids[lin2.spans[0][0]:lin2.spans[0][1]])
    # no evidence: the same input as before evidence existed
    off = tiny_cfg(hops=2, max_nodes=12, max_entities=8, max_input_tokens=80, evidence_k=0)
    assert linearize(nb, tok, off, "definition", evidence=ev).ids == linearize(nb, tok, off, "definition").ids


def test_index_read_back_and_training_inputs_never_show_their_target(tiny_store, tok):
    from kg.evidence import evidence_graph, index_ntriples
    from kg.store.embedded import EmbeddedStore
    from rdflib import Graph
    from .conftest import curriculum
    g = Graph().parse(data=curriculum(), format="nt")
    store = EmbeddedStore(None)
    store.add_to_graph(G, curriculum())
    nt, _counts = index_ntriples(g, G, graph=str(evidence_graph(G)))
    store.add_to_graph(str(evidence_graph(G)), nt)
    ev = gather_evidence(store, [I + "delta"])
    assert ev[I + "delta"] and ev[I + "delta"][0].startswith("delta is the part of")   # glossary first
    hidden = gather_evidence(store, [I + "delta"], hide_definitions=[I + "delta"])
    assert not any(t.startswith("delta is the part of") for t in hidden[I + "delta"])
    cfg = tiny_cfg(max_input_tokens=96, evidence_tokens=48)
    pairs = [p for p in curriculum_pairs(store, ["definition"]) if p.focus == I + "delta"]
    ex = build_examples(store, pairs, tok, cfg, evidence=ev)
    assert len(ex) == 1
    s, e = ex[0].lin.spans[0]
    shown = tok.decode(ex[0].lin.ids[s:e])
    assert "is the part of" not in shown                        # the target was filtered out
    assert "We use <E0> with" in shown                          # other evidence was kept
    assert tok.id("<def>") in ex[0].lin.ids[s:e]
