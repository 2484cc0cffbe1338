"""Graph statistics on a two-source store with a duplicated triple."""
from __future__ import annotations

from kg.stats import format_stats, graph_stats
from kg.store.embedded import EmbeddedStore

K = "https://w3id.org/kgstudio/ns#"
I = "https://w3id.org/kgstudio/id/"
A = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
L = "http://www.w3.org/2000/01/rdf-schema#label"
G1 = "https://w3id.org/kgstudio/graph/source/bio"
G2 = "https://w3id.org/kgstudio/graph/source/case"
SUG = "https://w3id.org/kgstudio/graph/suggestions"

BIO = f"""<{I}bio/curriculum/main> <{A}> <{K}Curriculum> .
<{I}bio/curriculum/main> <{L}> "Biology"@en .
<{I}bio/section/s1> <{A}> <{K}Section> .
<{I}bio/section/s1> <{L}> "Cells"@en .
<{I}bio/concept/a> <{A}> <{K}Concept> .
<{I}bio/concept/a> <{L}> "cell"@en .
<{I}bio/concept/a> <{K}definition> "The unit of life."@en .
<{I}bio/concept/a> <{K}inCurriculum> <{I}bio/curriculum/main> .
<{I}bio/concept/b> <{A}> <{K}Concept> .
<{I}bio/concept/b> <{L}> "membrane"@en .
<{I}bio/concept/b> <{K}inCurriculum> <{I}bio/curriculum/main> .
<{I}bio/concept/b> <{K}requires> <{I}bio/concept/a> .
<{I}bio/concept/b> <{K}definedIn> <{I}bio/section/s1> .
<{I}bio/section/s1> <{K}teaches> <{I}bio/concept/b> .
"""
CASE = f"""<{I}case/doc> <{A}> <{K}Curriculum> .
<{I}case/doc> <{A}> <{K}Course> .
<{I}case/doc> <{L}> "Standards"@en .
<{I}case/i1> <{A}> <{K}Competency> .
<{I}case/i1> <{L}> "Count to 10" .
<{I}case/i1> <{K}partOf> <{I}case/doc> .
<{I}bio/concept/b> <{K}requires> <{I}bio/concept/a> .
"""


def _store() -> EmbeddedStore:
    st = EmbeddedStore(None)
    st.add_to_graph(G1, BIO)
    st.add_to_graph(G2, CASE)
    st.add_to_graph(SUG, f"<{I}bio/concept/a> <{K}relatedTo> <{I}bio/concept/b> .\n")
    return st


def test_graph_stats_counts():
    s = graph_stats(_store())
    assert s["triples"] == 22
    assert s["graphs"] == {G1: 14, G2: 7, SUG: 1}
    assert s["nodes"] == {"concept": 2, "objective": 0, "section": 1, "chapter": 0, "item": 0,
                          "course": 0, "competency": 1, "curriculum": 2, "resource": 0}
    assert s["edges"]["requires"] == 1            # the same triple in two graphs counts once
    assert s["edges"]["relatedTo"] == 1 and s["edges"]["partOf"] == 1
    assert s["edges"]["definedIn"] == 1 and s["edges"]["teaches"] == 1 and s["edges"]["mentions"] == 0
    assert s["concepts"] == {"total": 2, "with_definition": 1, "without_definition": 1}
    assert s["curricula"] == [
        {"iri": f"{I}bio/curriculum/main", "label": "Biology", "graph": G1, "concepts": 2},
        {"iri": f"{I}case/doc", "label": "Standards", "graph": G2, "concepts": 0},
    ]


def test_empty_store_and_format():
    s = graph_stats(EmbeddedStore(None))
    assert s["triples"] == 0 and s["graphs"] == {} and set(s["nodes"].values()) == {0}
    assert s["concepts"] == {"total": 0, "with_definition": 0, "without_definition": 0}
    text = format_stats(s)
    assert "triples: 0 in 0 named graphs" in text and "curricula: 0" in text
    text = format_stats(graph_stats(_store()))
    assert "  source/bio   14" in text and "concepts: 2 (1 with a definition, 1 without)" in text
    assert "Standards  0 concepts  source/case" in text
