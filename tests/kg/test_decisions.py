"""Decisions on suggested prerequisites (kg.decisions) and the evidence behind a suggestion
(kg.prereq_evidence), on the demo curriculum, without the studio."""
from __future__ import annotations

import pytest

from kg.decisions import (ACCEPTED, REJECTED, SKIPPED, BadDecision, StaleDecision, decisions, list_suggestions,
                          record_decision)
from kg.prereq_evidence import evidence

C = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/"
REQUIRES_IN_DECISIONS = ("ASK {{ GRAPH <https://w3id.org/kgstudio/graph/decisions> "
                         "{{ <{a}> <https://w3id.org/kgstudio/ns#requires> <{b}> }} }}")


@pytest.fixture(scope="module")
def store():
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    s = EmbeddedStore(None)
    import_sources(s, [demo_curriculum_path()], validate=False)
    yield s
    s.close()


def test_decisions_are_versioned_and_a_stale_one_is_refused(store):
    a, b = C + "recursion", C + "loop"
    d1 = record_decision(store, a, b, ACCEPTED, "Ana", comment="needed")
    assert (d1.status, d1.who, d1.version, d1.comment) == ("accepted", "Ana", 1, "needed")
    got = decisions(store)[(a, b)]
    assert (got.status, got.who, got.version) == ("accepted", "Ana", 1) and got.when.endswith("Z")
    assert store.ask(REQUIRES_IN_DECISIONS.format(a=a, b=b))
    with pytest.raises(StaleDecision, match="Ana already marked this suggestion accepted"):
        record_decision(store, a, b, REJECTED, "Ben", expected_version=0)
    d2 = record_decision(store, a, b, REJECTED, "Ben", expected_version=1)
    assert d2.version == 2 and decisions(store)[(a, b)].status == "rejected"
    assert not store.ask(REQUIRES_IN_DECISIONS.format(a=a, b=b))    # the acceptance is withdrawn


def test_user_text_is_stored_literally(store):
    a, b = C + "variable", C + "value"
    who = 'Zoë "<script>" \\ \n'
    record_decision(store, a, b, SKIPPED, who, comment='a "quoted" comment')
    got = decisions(store)[(a, b)]
    assert got.who == who.strip() and got.comment == 'a "quoted" comment'


def test_bad_decisions_are_named(store):
    with pytest.raises(BadDecision, match="say who you are"):
        record_decision(store, C + "loop", C + "value", SKIPPED, "  ")
    with pytest.raises(BadDecision, match="unknown decision 'maybe'"):
        record_decision(store, C + "loop", C + "value", "maybe", "Ana")
    with pytest.raises(BadDecision, match="not an IRI"):
        record_decision(store, "loop", C + "value", SKIPPED, "Ana")


def test_no_suggestions_without_a_teacher(store):
    assert list_suggestions(store) == []


def test_evidence_names_definitions_and_a_path(store):
    ev = evidence(store, C + "program", C + "algorithm")      # the demo says program requires algorithm
    assert ev.a_definition and ev.b_definition
    assert ev.a_defined_in and ev.b_defined_in
    assert ev.path and ev.path[0][0] == "Program" and ev.path[-1][2] == "Algorithm"
