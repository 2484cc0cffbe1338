"""Reasoning with HermiT: inferred class memberships and transitive prerequisites, cycles,
inconsistency explanations.

The tests marked ``hermit`` start Java (a few seconds each): they are real and run in the
normal suite, so there are only two; the rest need no Java.
"""
from __future__ import annotations

import os
import shutil

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SDO, SKOS

from ontology.namespaces import BLOOM, ID, KGS, graph_iri
from ontology.reasoning import (PrerequisiteCycleError, explain_inconsistency, find_cycle, reason,
                                reasoning_input)

hermit = pytest.mark.hermit


@pytest.fixture(scope="module")
def java():
    if shutil.which("java") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("java is missing: CI must install Java 17 for HermiT")
        pytest.skip("java is not installed (HermiT needs it)")


def c(name: str) -> URIRef:
    return ID[f"t/concept/{name}"]


A, B, C, D = c("a"), c("b"), c("c"), c("d")
COURSE, OBJ, CUR, SRC = ID["t/course/m1"], ID["t/objective/o1"], ID["t/curriculum/book"], graph_iri("source/t")


def chain() -> Graph:
    """a requires b requires c requires d; d typed only kgs:Concept (no skos:Concept)."""
    g = Graph()
    for x in (A, B, C, D):
        g.add((x, RDF.type, KGS.Concept))
        g.add((x, RDFS.label, Literal(f"concept {str(x)[-1]}")))
    for x in (A, B, C):
        g.add((x, RDF.type, SKOS.Concept))
    g.add((A, KGS.requires, B))
    g.add((B, KGS.requires, C))
    g.add((C, KGS.requires, D))
    g.add((COURSE, RDF.type, KGS.Course))
    g.add((CUR, RDF.type, KGS.Curriculum))
    g.add((SRC, RDF.type, KGS.SourceGraph))
    g.add((OBJ, RDF.type, KGS.LearningObjective))
    g.add((OBJ, KGS.bloomLevel, BLOOM.apply))
    g.add((OBJ, KGS.teaches, ID["t/concept/untyped"]))  # typed kgs:Concept by the range of teaches
    return g


# ---- without Java ---------------------------------------------------------------------

def test_cycle_is_reported_with_its_members_before_java_starts(monkeypatch):
    import ontology.reasoning as r

    monkeypatch.setattr(r, "_run_hermit", lambda *a: pytest.fail("HermiT must not start"))
    g = chain()
    g.add((D, KGS.requires, B))  # b -> c -> d -> b
    with pytest.raises(PrerequisiteCycleError) as info:
        reason(g)
    assert info.value.cycle == [str(B), str(C), str(D), str(B)]
    assert info.value.labels[str(C)] == "concept c"
    assert f"concept b <{B}> -> concept c <{C}> -> concept d <{D}> -> concept b <{B}>" in str(info.value)


def test_self_requirement_is_a_cycle():
    g = Graph()
    g.add((A, KGS.requires, A))
    with pytest.raises(PrerequisiteCycleError) as info:
        reason(g)
    assert info.value.cycle == [str(A), str(A)]


def test_find_cycle_on_a_dag_and_a_cycle():
    assert find_cycle([(1, 2), (2, 3), (1, 3)]) is None
    assert find_cycle([("x", "y"), ("y", "z"), ("z", "y")]) == ["y", "z", "y"]


def test_reasoning_input_keeps_types_and_links_only():
    g = chain()
    g.add((A, KGS.definition, Literal("a long definition")))
    g.add((A, SKOS.inScheme, CUR))                      # not a kgs: property: no axioms about it
    g.add((A, RDF.type, URIRef("http://example.org/Unknown")))
    abox = reasoning_input(g)
    assert {p for _, p, _ in abox} == {RDF.type, KGS.requires, KGS.bloomLevel, KGS.teaches}
    assert not any(isinstance(o, Literal) for _, _, o in abox)
    assert (A, RDF.type, URIRef("http://example.org/Unknown")) not in abox
    assert len(abox) == 4 + 3 + 3 + 4 + 2


def test_explanation_names_node_and_disjoint_classes():
    g = chain()
    item = ID["t/item/q1"]
    g.add((item, RDF.type, KGS.Concept))
    g.add((item, RDFS.label, Literal("Question 1")))
    g.add((item, KGS.hasChoice, ID["t/choice/q1-a"]))  # domain AssessmentItem
    text = explain_inconsistency(g)
    assert text == (f'"Question 1" <{item}> is kgs:AssessmentItem (subject of kgs:hasChoice) and '
                    "kgs:Concept (asserted), which the ontology declares disjoint")


def test_explanation_of_a_consistent_graph_says_it_found_nothing():
    assert "no clash of disjoint classes" in explain_inconsistency(chain())


# ---- with HermiT ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def chain_result(java):
    return reason(chain())


@hermit
def test_transitive_requires_and_class_memberships(chain_result):
    r = chain_result
    assert r.consistent and r.explanation is None
    rt = {(str(s)[-1], str(o)[-1]) for s, o in r.inferred.subject_objects(KGS.requiresTransitive)}
    assert rt == {("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")}
    assert r.transitive_requires == 6
    types = set(r.inferred.triples((None, RDF.type, None)))
    assert (D, RDF.type, SKOS.Concept) in types                  # kgs:Concept ⊑ skos:Concept
    assert (A, RDF.type, SKOS.Concept) not in types              # asserted already: not repeated
    assert (COURSE, RDF.type, SDO.Course) in types               # kgs:Course ⊑ schema:Course
    assert (CUR, RDF.type, SDO.Course) in types
    assert (CUR, RDF.type, SKOS.ConceptScheme) in types
    assert (SRC, RDF.type, PROV.Entity) in types                 # kgs:SourceGraph ⊑ prov:Entity
    untyped = ID["t/concept/untyped"]
    assert (untyped, RDF.type, KGS.Concept) in types             # range of kgs:teaches
    assert (untyped, RDF.type, SKOS.Concept) in types
    assert not any(s == BLOOM.apply for s, _, _ in types)        # the ontology's own individuals
    assert r.class_memberships == len(types) == 7
    assert len(r.inferred) == 13
    assert not set(r.inferred) & set(chain())                    # inferred triples only
    assert r.input_triples == len(reasoning_input(chain()))
    assert 0 < r.reasoner_seconds <= r.seconds


@hermit
def test_inconsistent_graph_is_explained(java):
    g = chain()
    g.add((B, RDF.type, KGS.AssessmentItem))  # Concept and AssessmentItem are disjoint
    r = reason(g)
    assert not r.consistent
    assert len(r.inferred) == 0
    assert r.explanation == (f'"concept b" <{B}> is kgs:AssessmentItem (asserted) and kgs:Concept '
                             "(asserted), which the ontology declares disjoint")


def test_missing_java_is_a_named_error(monkeypatch):
    import ontology.reasoning as r

    monkeypatch.setattr(r.shutil, "which", lambda name: None)
    with pytest.raises(r.ReasonerUnavailable, match="Java .* is not on the PATH"):
        reason(chain())
