"""Neighbourhood queries on a hand-made 9-node curriculum, both access paths."""
from __future__ import annotations

import random

import pytest

from kg.neighbourhood import (Edge, NodeNotFound, find_concepts, label, neighbourhood,
                              node_types, snapshot, sparql_string)
from kg.store.base import Store
from kg.store.embedded import EmbeddedStore

K = "https://w3id.org/kgstudio/ns#"
I = "https://w3id.org/kgstudio/id/t/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
G = "https://w3id.org/kgstudio/graph/source/t"


def t(s, p, o):
    return (s, p, o)


TRIPLES = [
    t(I + "cur", RDF_TYPE, K + "Curriculum"), t(I + "cur", LABEL, '"Course"@en'),
    t(I + "ch1", RDF_TYPE, K + "Chapter"), t(I + "ch1", LABEL, '"Chapter 1"@en'),
    t(I + "ch1", K + "partOf", I + "cur"),
    t(I + "s1", RDF_TYPE, K + "Section"), t(I + "s1", LABEL, '"Section 1"@en'),
    t(I + "s1", K + "partOf", I + "ch1"), t(I + "s1", K + "teaches", I + "a"),
    t(I + "a", RDF_TYPE, K + "Concept"), t(I + "a", RDF_TYPE, "http://www.w3.org/2004/02/skos/core#Concept"),
    t(I + "a", LABEL, '"Alpha"@en'), t(I + "a", LABEL, '"Alfa"@pt'),
    t(I + "a", K + "definition", '"The first letter."@en'),
    t(I + "a", K + "requires", I + "b"), t(I + "a", K + "definedIn", I + "s1"),
    t(I + "a", K + "exactMatch", "http://example.org/external/alpha"),   # untyped: left out
    t(I + "a", K + "inCurriculum", I + "cur"),                             # not followed
    t(I + "b", RDF_TYPE, K + "Concept"), t(I + "b", PREF, '"Beta"@en'),    # prefLabel only
    t(I + "b", K + "requires", I + "c"),
    t(I + "c", RDF_TYPE, K + "Concept"), t(I + "c", LABEL, '"Gamma"'),
    t(I + "c", K + "relatedTo", '"not a node"'),                          # bad data: ignored
    t(I + "o1", RDF_TYPE, K + "LearningObjective"), t(I + "o1", LABEL, '"Explain alpha."@en'),
    t(I + "o1", K + "teaches", I + "a"), t(I + "o1", K + "partOf", I + "s1"),
    t(I + "q1", RDF_TYPE, K + "AssessmentItem"), t(I + "q1", LABEL, '"Q1"@en'),
    t(I + "q1", K + "assesses", I + "a"), t(I + "q1", K + "hasChoice", I + "q1-a"),
    t(I + "q1-a", RDF_TYPE, K + "Choice"), t(I + "q1-a", LABEL, '"A"'),
    t(I + "r1", RDF_TYPE, K + "Resource"), t(I + "r1", LABEL, '"Lab"@en'),
    t(I + "r1", K + "partOf", I + "ch1"),
]


def _nt(triples) -> str:
    def term(x):
        return x if x.startswith('"') else f"<{x}>"
    return "".join(f"<{s}> <{p}> {term(o)} .\n" for s, p, o in triples)


def _store(triples=TRIPLES) -> EmbeddedStore:
    st = EmbeddedStore(None)
    st.add_to_graph(G, _nt(triples))
    return st


class SparqlOnly(Store):
    """The same data seen only through ``query`` (the path every non-embedded store takes)."""

    kind = "sparql-only"

    def __init__(self, inner: EmbeddedStore):
        self.inner = inner

    def query(self, sparql, **kw):
        return self.inner.query(sparql, **kw)

    def named_graphs(self): return self.inner.named_graphs()
    def graph_triples(self, graph): return self.inner.graph_triples(graph)
    def count(self, graph=None): return self.inner.count(graph)
    def dump(self, graph=None, fmt="nquads"): return self.inner.dump(graph, fmt)
    def update(self, sparql): return self.inner.update(sparql)
    def replace_graphs(self, graphs): return self.inner.replace_graphs(graphs)
    def add_to_graph(self, graph, nt): return self.inner.add_to_graph(graph, nt)


@pytest.fixture(params=["embedded", "sparql"])
def store(request):
    st = _store()
    return st if request.param == "embedded" else SparqlOnly(st)


def test_two_hops_typed_nodes_and_edges(store):
    nb = neighbourhood(store, I + "a", hops=2)
    by = {n.iri: n for n in nb.nodes}
    assert nb.nodes[0].iri == I + "a" and nb.nodes[0].distance == 0
    assert {i: (n.type, n.distance) for i, n in by.items()} == {
        I + "a": ("concept", 0), I + "b": ("concept", 1), I + "s1": ("section", 1),
        I + "o1": ("objective", 1), I + "q1": ("item", 1),
        I + "c": ("concept", 2), I + "ch1": ("chapter", 2),
    }
    # English label preferred over Portuguese, prefLabel as fallback, untagged accepted
    assert by[I + "a"].label == "Alpha" and by[I + "a"].definition == "The first letter."
    assert by[I + "b"].label == "Beta" and by[I + "b"].definition is None
    assert by[I + "c"].label == "Gamma"
    # nearest first; within a hop by relation rank (requires, definedIn, teaches, assesses)
    assert [n.iri for n in nb.nodes[:5]] == [I + "a", I + "b", I + "s1", I + "o1", I + "q1"]
    assert Edge(I + "a", "requires", I + "b") in nb.edges
    assert Edge(I + "o1", "partOf", I + "s1") in nb.edges       # between two hop-1 nodes
    assert Edge(I + "s1", "partOf", I + "ch1") in nb.edges
    assert {e.relation for e in nb.edges} == {"requires", "definedIn", "teaches", "assesses", "partOf"}
    assert nb.edges == sorted(nb.edges)
    assert not nb.truncated
    # never: the external IRI, the choice, the curriculum via inCurriculum
    assert not {"http://example.org/external/alpha", I + "q1-a", I + "cur"} & set(by)


def test_hops_and_cut(store):
    assert [n.iri for n in neighbourhood(store, I + "a", hops=0).nodes] == [I + "a"]
    one = neighbourhood(store, I + "a", hops=1)
    assert {n.distance for n in one.nodes} == {0, 1} and len(one.nodes) == 5
    three = neighbourhood(store, I + "a", hops=3)
    assert {n.iri for n in three.nodes} >= {I + "cur", I + "r1"}
    cut = neighbourhood(store, I + "a", hops=2, max_nodes=3)
    assert [n.iri for n in cut.nodes] == [I + "a", I + "b", I + "s1"] and cut.truncated
    assert cut.edges == [Edge(I + "a", "definedIn", I + "s1"), Edge(I + "a", "requires", I + "b"),
                         Edge(I + "s1", "teaches", I + "a")]


def test_deterministic_whatever_the_insertion_order():
    base = neighbourhood(_store(), I + "a", hops=2, max_nodes=4)
    for seed in range(3):
        shuffled = TRIPLES[:]
        random.Random(seed).shuffle(shuffled)
        assert neighbourhood(_store(shuffled), I + "a", hops=2, max_nodes=4) == base


def test_fast_path_equals_sparql_path_on_synthetic_graph():
    from kg.synthetic import synthetic_curriculum
    from kg.iris import mint
    st = EmbeddedStore(None)
    st.add_to_graph(G, synthetic_curriculum(120, seed=3))
    centres = [str(mint("synthetic", "section", "s3")), str(mint("synthetic", "chapter", "ch1"))]
    centres += [r["c"] for r in st.select(f"SELECT ?c WHERE {{ ?c a <{K}Concept> }} ORDER BY ?c LIMIT 5")]
    for c in centres:
        for hops, mx in ((1, 50), (2, 50), (2, 7)):
            assert neighbourhood(st, c, hops, mx) == neighbourhood(SparqlOnly(st), c, hops, mx)


def test_snapshot_answers_the_same(store):
    snap = snapshot(store)
    assert snap.kind == "embedded" and snap.named_graphs() == []        # all in the default graph
    for c in (I + "a", I + "s1", I + "cur"):
        assert neighbourhood(snap, c, hops=3) == neighbourhood(store, c, hops=3)
    assert find_concepts(snap, "a") == find_concepts(store, "a")
    assert label(snap, I + "b") == "Beta"
    assert not snap.ask(f"ASK {{ <{I}a> <{K}inCurriculum> ?c }}")     # only what it reads


def test_unknown_nodes(store):
    with pytest.raises(NodeNotFound, match="not a node"):
        neighbourhood(store, I + "nope")
    with pytest.raises(NodeNotFound, match="not a node"):
        neighbourhood(store, "http://example.org/external/alpha")  # present but untyped
    with pytest.raises(NodeNotFound, match="not an IRI"):
        neighbourhood(store, "x> } DROP ALL ; <y")
    with pytest.raises(ValueError):
        neighbourhood(store, I + "a", hops=-1)
    assert node_types(store, [I + "a", I + "cur", I + "q1-a"]) == {I + "a": "concept", I + "cur": "curriculum"}


def test_label(store):
    assert label(store, I + "a") == "Alpha"
    assert label(store, I + "b") == "Beta"
    assert label(store, I + "nope") is None


def test_sparql_string_escapes():
    assert sparql_string('a"b\\c\nd\te\x01') == '"a\\"b\\\\c\\nd\\te\\u0001"'


@pytest.mark.parametrize("kind", ["embedded", "sparql"])
def test_find_concepts_with_hostile_text(kind):
    odd = [('q', 'He said \\"hi\\"'), ('bs', 'back\\\\slash'), ('nl', 'two\\nlines'),
           ('alpha', 'Alpha'), ('alp', 'Alphabet soup'), ('x', 'Big alpha')]
    triples = []
    for local, lab in odd:
        triples += [t(I + local, RDF_TYPE, K + "Concept"), t(I + local, LABEL, f'"{lab}"@en')]
    st = _store(triples)
    st = st if kind == "embedded" else SparqlOnly(st)
    assert [n.iri for n in find_concepts(st, '"hi"')] == [I + "q"]
    assert [n.label for n in find_concepts(st, "k\\s")] == ["back\\slash"]
    assert [n.label for n in find_concepts(st, "two\nlines")] == ["two\nlines"]
    assert find_concepts(st, '") } } DROP ALL #') == []
    assert find_concepts(st, "\\") and find_concepts(st, "\n")
    # exact, then prefix, then shorter, case-insensitive
    assert [n.iri for n in find_concepts(st, "ALPHA")] == [I + "alpha", I + "alp", I + "x"]
    assert [n.iri for n in find_concepts(st, "alpha", limit=1)] == [I + "alpha"]
    assert all(n.type == "concept" for n in find_concepts(st, "a"))
