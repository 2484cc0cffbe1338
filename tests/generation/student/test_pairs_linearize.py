"""Training pairs from the curriculum's text, and the linearised input (budget, spans, order)."""
from __future__ import annotations

from collections import Counter

import pytest

from generation.student.linearize import linearize
from generation.student.pairs import build_examples, corpus_texts, curriculum_pairs, sentences, strip_xrefs
from generation.student.tokenizer import StudentTokenizer, entity_token
from kg.neighbourhood import neighbourhood

from .conftest import I, WORDS, tiny_cfg


@pytest.fixture(scope="module")
def tok(tiny_store):
    return StudentTokenizer.train(corpus_texts(tiny_store), 300)


def test_pairs_of_every_task(tiny_store):
    pairs = curriculum_pairs(tiny_store)
    n = Counter(p.task for p in pairs)
    assert n["definition"] == len(WORDS) and n["explanation"] >= len(WORDS) // 2
    q = [p for p in pairs if p.task == "question"]
    assert [p.text for p in q] == ["What feeds charlie? <answer> alpha"] and q[0].focus == I + "alpha"
    fb = [p for p in pairs if p.task == "feedback"]
    assert [(p.context["wrong"], p.text) for p in fb] == [("bravo", "Not bravo: look again at charlie.")]
    for p in pairs:
        if p.task == "prerequisite":            # the sentence names both ends of the edge
            a, b = p.context["target"].rsplit("/", 1)[1], p.focus.rsplit("/", 1)[1]
            assert a in p.text and b in p.text
    assert curriculum_pairs(tiny_store, ["question"]) == q


@pytest.mark.parametrize("text, want", [
    ("Neurons fire (Figure).", "Neurons fire."),
    ("Glia (see Table and Figure) help.", "Glia help."),
    ("Two kinds (Figures, Tables; see Exercise) exist.", "Two kinds exist."),
    ("A mean (the average) of 3 (Figure 2) values.", "A mean (the average) of 3 (Figure 2) values."),
    ("Figure skating (Figure) is a sport.", "Figure skating is a sport."),
])
def test_numberless_cross_references_are_dropped(text, want):
    assert strip_xrefs(text) == want
    assert " ".join(sentences(text)) == want


def test_linearize_budget_spans_and_definition_hidden(tiny_store, tok):
    cfg = tiny_cfg(hops=2, max_nodes=10, max_entities=6, max_input_tokens=48)
    nb = neighbourhood(tiny_store, I + "delta", 2, 10)
    d = linearize(nb, tok, cfg, "definition")
    e = linearize(nb, tok, cfg, "explanation")
    assert len(d.ids) <= 48 and d.ids[-1] == tok.eos_id and len(d.entities) <= 6
    assert d.entities[0] == I + "delta" and d.names[0] == "delta"
    focus_def = "delta is the part of"
    assert focus_def not in d.text and focus_def in e.text
    for k, (s, t) in enumerate(d.spans):        # each span starts with its own placeholder
        assert 0 <= s < t <= len(d.ids)
        assert tok.id(entity_token(k)) in d.ids[s:t]
    assert any(t.p.endswith("#label") for t in d.triples)


def test_relevance_orders_neighbours_and_target_comes_first(tiny_store, tok):
    cfg = tiny_cfg(hops=2, max_nodes=12, max_entities=4, max_input_tokens=200)
    nb = neighbourhood(tiny_store, I + "alpha", 2, 12)
    others = [n.iri for n in nb.nodes[1:]]
    rel = {iri: float(i) for i, iri in enumerate(others)}     # the last is the most relevant
    lin = linearize(nb, tok, cfg, "definition", relevance=rel)
    dist = {n.iri: n.distance for n in nb.nodes}
    want = sorted(others, key=lambda i: (dist[i], -rel[i]))    # nearest ring first, then relevance
    assert len({dist[i] for i in others}) > 1 and want != others[::-1]
    assert lin.entities[1:] == want[:3]
    # a one-hop node is never pushed out by a more relevant two-hop one
    assert all(dist[i] == 1 for i in lin.entities[1:]) or set(lin.entities[1:]) >= {
        i for i in others if dist[i] == 1}
    lin = linearize(nb, tok, cfg, "prerequisite", relevance=rel, target=others[0])
    assert lin.entities[1] == others[0] and lin.text.startswith("<task:prerequisite> <target> <E1>")


def test_examples_use_placeholders_for_input_nodes(tiny_store, tok):
    cfg = tiny_cfg()
    ex = build_examples(tiny_store, curriculum_pairs(tiny_store, ["definition"]), tok, cfg)
    for e in ex:
        assert e.target.startswith("<E0> is the part of")
        for k, name in enumerate(e.lin.names):
            assert f" {name} " not in f" {e.target} ".replace(".", " "), (name, e.target)
        assert e.target_ids[-1] == tok.eos_id and len(e.target_ids) <= cfg.max_output_tokens


def test_held_out_definitions_never_reach_an_input(tiny_store, tok):
    cfg = tiny_cfg(hops=1, max_nodes=6, max_entities=6, max_input_tokens=200, def_words=20)
    pairs = curriculum_pairs(tiny_store, ["definition", "explanation"])
    secret = I + "bravo"
    bravo_def = next(p.text for p in pairs if p.task == "definition" and p.focus == secret)
    shown = build_examples(tiny_store, pairs, tok, cfg)
    assert any(bravo_def[:-1] in e.lin.text for e in shown)     # a neighbour's definition, normally
    hidden = build_examples(tiny_store, pairs, tok, cfg, hide_definitions=[secret])
    assert not any(bravo_def[:-1] in e.lin.text for e in hidden)
    assert bravo_def in corpus_texts(tiny_store)
    assert bravo_def not in corpus_texts(tiny_store, exclude_definitions=[secret])
