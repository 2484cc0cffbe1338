"""Suggestions before any teacher is trained: the book's definition links alone, ranked by
their judged probability, decisions and accepted edges left out, written with provenance."""
from __future__ import annotations

import pytest

from gnn.suggest import (DEFINITIONS_AGENT, DEFINITIONS_ONLY, LINK_PRECISION, LATER_LINK_PRECISION,
                         firm_pairs, suggest_from_definitions, suggest_prereqs)
from kg.decisions import ACCEPTED, REJECTED, list_suggestions, record_decision
from kg.importing import import_sources
from kg.workspace import Workspace
from ontology.namespaces import PROV, SUGGESTIONS_GRAPH
from tests.kg.test_definition_links import COURSE, _iri


def _short(s):
    return (s.a.rsplit("/", 1)[-1], s.b.rsplit("/", 1)[-1])


@pytest.fixture
def store(tmp_path, mem_store):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")
    import_sources(mem_store, [path], validate=False)
    return mem_store


def test_links_ranked_by_their_judged_probability(store):
    info = {}
    out = suggest_from_definitions(store, top_k=50, similarity=False, info=info)
    got = [_short(s) for s in out]
    assert info["method"] == DEFINITIONS_ONLY and info["links"] == len(got)
    # kind-of links first, then genus, then names, then the one whose B comes later
    assert set(got[:2]) == {("dominant-allele", "allele"), ("fallacy-of-relevance", "fallacy")}
    assert [s.score for s in out] == sorted((s.score for s in out), reverse=True)
    assert out[0].score == LINK_PRECISION["kind-of"] and out[0].band == "likely"
    assert {s.basis for s in out} == {"kind-of", "genus", "names"}
    last = out[-1]
    assert _short(last) == ("gene", "trait") and last.score == LATER_LINK_PRECISION and last.basis_later
    assert [s.rank for s in out] == list(range(1, len(out) + 1))


def test_decided_and_accepted_pairs_are_not_suggested_again(store):
    record_decision(store, _iri("allele"), _iri("gene"), REJECTED, "Ada")
    record_decision(store, _iri("dominant-allele"), _iri("allele"), ACCEPTED, "Ada")
    acc, rej = firm_pairs(store)
    assert (_iri("dominant-allele"), _iri("allele")) in acc and (_iri("allele"), _iri("gene")) in rej
    got = {_short(s) for s in suggest_from_definitions(store, top_k=50, similarity=False)}
    assert ("allele", "gene") not in got and ("dominant-allele", "allele") not in got
    assert ("encoding", "memory") in got


def test_a_workspace_without_a_teacher_gets_the_links_with_provenance(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")
    with ws.open_store() as st:
        import_sources(st, [path], validate=False)
    out, info = suggest_prereqs(ws, top_k=5)
    assert info["written"] and info["method"] == DEFINITIONS_ONLY and len(out) == info["suggestions"] > 0
    assert out[0].evidence[0].startswith("the name \u201c")          # the link's own line first
    with ws.open_store() as st:
        rows = list_suggestions(st)
        agents = st.select(f"SELECT DISTINCT ?ck WHERE {{ GRAPH <{SUGGESTIONS_GRAPH}> {{ ?n <{PROV.wasAttributedTo}> ?ck }} }}")
    assert [(r.a, r.b) for r in rows] == [(s.a, s.b) for s in out]
    assert rows[0].band == "likely" and rows[0].evidence == out[0].evidence
    assert [str(x["ck"]) for x in agents] == [str(DEFINITIONS_AGENT)]


def test_reviews_move_the_probability_of_their_kind(store):
    from gnn.suggest import link_probability, reviewed_links
    from kg.definition_links import DefinitionLink, definition_links
    links = definition_links(store)
    record_decision(store, _iri("allele"), _iri("gene"), REJECTED, "Ada")            # genus
    record_decision(store, _iri("encoding"), _iri("memory"), REJECTED, "Ada")        # genus
    record_decision(store, _iri("dominant-allele"), _iri("allele"), ACCEPTED, "Ada")  # kind-of
    record_decision(store, _iri("psychology"), _iri("gene"), REJECTED, "Ada")        # not a link
    reviewed = reviewed_links(store, links)
    assert reviewed == {"genus": (0, 2), "kind-of": (1, 0)}
    genus = DefinitionLink("a", "b", "genus", "t")
    assert link_probability(genus) == LINK_PRECISION["genus"] == round(19 / 22, 4)
    assert link_probability(genus, reviewed) == round(19 / 24, 4)                      # (18 + 1) / (20 + 2 + 2)
    assert link_probability(DefinitionLink("a", "b", "kind-of", "t"), reviewed) == round(23 / 24, 4)
    # ten more rejections of genus links and they are no longer "likely"
    assert link_probability(genus, {"genus": (0, 12)}) < 0.7
    # the list reads the decisions: the remaining genus link's probability has moved
    out = {(_short(s)): s for s in suggest_from_definitions(store, top_k=50, similarity=False)}
    assert out[("suggestibility", "memory")].score == round(19 / 24, 4)
