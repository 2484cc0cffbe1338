"""The generated curriculum follows the data model and is reproducible."""
from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from kg.cycles import find_cycle
from kg.synthetic import n_concepts_for, synthetic_curriculum

K = "https://w3id.org/kgstudio/ns#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _triples(nt):
    return [(t.subject.value, t.predicate.value, t.object) for t in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)]


def test_shape_and_determinism():
    nt = synthetic_curriculum(50, seed=7)
    assert nt == synthetic_curriculum(50, seed=7)
    assert nt != synthetic_curriculum(50, seed=8)
    triples = _triples(nt)
    assert len(triples) == len(nt.splitlines()) == len(set(nt.splitlines()))
    types = defaultdict(set)
    labelled = set()
    for s, p, o in triples:
        if p == RDF_TYPE:
            types[o.value].add(s)
        if p == LABEL:
            labelled.add(s)
        assert not isinstance(o, ox.BlankNode)
    assert len(types[K + "Concept"]) == 50
    assert types[K + "Concept"] <= types["http://www.w3.org/2004/02/skos/core#Concept"]
    assert len(types[K + "Section"]) == 7 and len(types[K + "Chapter"]) == 1
    assert len(types[K + "LearningObjective"]) == 21 and len(types[K + "AssessmentItem"]) == 14
    assert len(types[K + "Choice"]) == 56 and len(types[K + "Curriculum"]) == 1
    assert {s for s, p, o in triples} <= labelled          # every node has an rdfs:label
    requires = [(s, o.value) for s, p, o in triples if p == K + "requires"]
    assert requires and find_cycle(requires) is None
    positions = [o for s, p, o in triples if p == K + "position"]
    assert all(o.datatype.value.endswith("#integer") for o in positions)


def test_size_estimate():
    n = n_concepts_for(20_000, choices=False)
    got = synthetic_curriculum(n, choices=False).count("\n")
    assert 18_000 < got < 22_000
