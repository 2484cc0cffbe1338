"""reason_store: reads only the source graphs, writes the inferred graph, maps errors."""
from __future__ import annotations

import os
import shutil

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS, SKOS

import kg.reasoning
from kg.errors import KGStudioError, PrerequisiteCycle
from kg.iris import mint, source_graph
from kg.reasoning import InconsistentCurriculum, read_sources, reason_store, source_graphs
from kg.store.base import triples_to_ntriples
from ontology.namespaces import CONTENT_GRAPH, INFERRED_GRAPH, KGS, SUGGESTIONS_GRAPH
from ontology.reasoning import ReasoningResult

A, B, C = (mint("t", "concept", x) for x in ("alpha", "beta", "gamma"))


def source() -> Graph:
    """alpha requires beta requires gamma, in source 't'."""
    g = Graph()
    for x in (A, B, C):
        g.add((x, RDF.type, KGS.Concept))
        g.add((x, RDFS.label, Literal(str(x).rsplit("/", 1)[-1])))
        g.add((x, KGS.definition, Literal("text the reasoner never needs")))
    g.add((A, KGS.requires, B))
    g.add((B, KGS.requires, C))
    return g


@pytest.fixture
def store(mem_store):
    mem_store.replace_graph(str(source_graph("t")), triples_to_ntriples(source()))
    # a requires edge outside the sources would close a cycle if it were read
    mem_store.replace_graph(str(SUGGESTIONS_GRAPH), f"<{C}> <{KGS.requires}> <{A}> .\n")
    mem_store.replace_graph(str(CONTENT_GRAPH), f"<{C}> <{RDF.type}> <{KGS.AssessmentItem}> .\n")
    return mem_store


def test_reads_only_the_source_graphs_without_text(store):
    assert source_graphs(store) == [str(source_graph("t"))]
    g = read_sources(store)
    assert (C, KGS.requires, A) not in g and (C, RDF.type, KGS.AssessmentItem) not in g
    assert (A, KGS.requires, B) in g and (A, RDFS.label, Literal("alpha")) in g
    assert not list(g.triples((None, KGS.definition, None)))
    assert len(g) == 3 + 3 + 2


@pytest.mark.hermit
def test_reason_store_writes_the_inferred_graph(store):
    if shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("java is missing: CI must install Java 17 for HermiT")
        pytest.skip("java is not installed (HermiT needs it)")
    store.replace_graph(str(INFERRED_GRAPH), f"<{A}> <{KGS.requiresTransitive}> <{A}> .\n")  # stale
    counts = reason_store(store)
    assert counts["transitive_requires"] == 3          # a-b, b-c, a-c
    assert counts["class_memberships"] == 3            # skos:Concept for each
    assert counts["inferred_triples"] == 6
    assert (counts["added"], counts["removed"]) == (6, 1)
    assert counts["sources"] == 1 and counts["input_triples"] == 8
    assert counts["seconds"] >= counts["reasoner_seconds"] > 0
    assert store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{A}> <{KGS.requiresTransitive}> <{C}> }} }}")
    assert store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{C}> a <{SKOS.Concept}> }} }}")
    assert not store.ask(f"ASK {{ GRAPH <{INFERRED_GRAPH}> {{ <{A}> <{KGS.requiresTransitive}> <{A}> }} }}")
    assert store.count(str(INFERRED_GRAPH)) == 6
    # the sources are untouched
    assert store.count(str(source_graph("t"))) == len(source())


def test_cycle_raises_prerequisite_cycle_and_leaves_the_store(store):
    extra = Graph()
    extra.add((C, KGS.requires, A))
    extra.add((C, RDF.type, KGS.Concept))
    store.replace_graph(str(source_graph("u")), triples_to_ntriples(extra))
    store.replace_graph(str(INFERRED_GRAPH), f"<{A}> <{KGS.requiresTransitive}> <{B}> .\n")
    with pytest.raises(PrerequisiteCycle) as info:
        reason_store(store)
    assert info.value.cycle == [str(A), str(B), str(C), str(A)]
    assert f"alpha <{A}> -> beta <{B}> -> gamma <{C}> -> alpha <{A}>" in str(info.value)
    assert store.count(str(INFERRED_GRAPH)) == 1


def test_inconsistency_raises_a_named_error(store, monkeypatch):
    """The mapping only: real inconsistencies are tested in tests/ontology/test_reasoning.py."""
    monkeypatch.setattr(kg.reasoning, "reason",
                        lambda data: ReasoningResult(consistent=False, explanation=f"<{A}> clash"))
    with pytest.raises(InconsistentCurriculum) as info:
        reason_store(store)
    assert isinstance(info.value, KGStudioError)
    assert f"<{A}> clash" in str(info.value) and "not updated" in str(info.value)
    assert store.count(str(INFERRED_GRAPH)) == 0


def test_missing_java_raises_reasoning_failed(store, monkeypatch):
    import ontology.reasoning

    monkeypatch.setattr(ontology.reasoning.shutil, "which", lambda name: None)
    with pytest.raises(kg.reasoning.ReasoningFailed, match="openjdk-17-jre-headless.*not updated"):
        reason_store(store)
    assert store.count(str(INFERRED_GRAPH)) == 0
