"""Fixtures of the content tests: the demo curriculum in an in-memory store (imported once
per session, about a second) and tiny hand-made graphs with hostile labels."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from ontology.namespaces import KGS, RDF, RDFS, SKOS

DEMO = "https://w3id.org/kgstudio/id/foundations-of-programming/"


def C(local: str) -> str:
    """IRI of a demo concept."""
    return DEMO + "concept/" + local


@pytest.fixture(scope="session")
def demo_store():
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    store = EmbeddedStore(None)
    import_sources(store, [demo_curriculum_path()])
    yield store
    store.close()


@pytest.fixture
def builder(demo_store):
    """A builder on the demo store; distractors by word overlap (no model load)."""
    from generation.content.builder import Builder
    return Builder(demo_store, similarity_kind="lexical")


def tiny_graph(concepts: dict[str, dict], *, base: str = "urn:t:", section_text: str = "") -> str:
    """N-Triples of a tiny curriculum: ``concepts`` maps id -> {label, definition, requires,
    related}; one chapter, one section teaching them all."""
    g = Graph()
    cur, ch, sec = URIRef(base + "cur"), URIRef(base + "ch1"), URIRef(base + "s1")
    g.add((cur, RDF.type, KGS.Curriculum))
    g.add((cur, RDFS.label, Literal("Tiny course")))
    g.add((ch, RDF.type, KGS.Chapter))
    g.add((ch, RDFS.label, Literal("Chapter one")))
    g.add((ch, KGS.partOf, cur))
    g.add((ch, KGS.position, Literal(1)))
    g.add((sec, RDF.type, KGS.Section))
    g.add((sec, RDFS.label, Literal("Section one")))
    g.add((sec, KGS.partOf, ch))
    g.add((sec, KGS.position, Literal(1)))
    if section_text:
        g.add((sec, KGS.text, Literal(section_text)))
    for cid, d in concepts.items():
        c = URIRef(base + cid)
        g.add((c, RDF.type, KGS.Concept))
        g.add((c, RDFS.label, Literal(d["label"])))
        g.add((c, SKOS.prefLabel, Literal(d["label"])))
        if d.get("definition"):
            g.add((c, KGS.definition, Literal(d["definition"])))
        g.add((c, KGS.inCurriculum, cur))
        g.add((c, KGS.definedIn, sec))
        g.add((sec, KGS.teaches, c))
        for r in d.get("requires", ()):
            g.add((c, KGS.requires, URIRef(base + r)))
        for r in d.get("related", ()):
            g.add((c, KGS.relatedTo, URIRef(base + r)))
    return g.serialize(format="nt")


@pytest.fixture
def tiny_store():
    """Factory: an in-memory store holding ``tiny_graph(...)``."""
    from kg.store.embedded import EmbeddedStore
    made = []

    def make(concepts, **kw):
        s = EmbeddedStore(None)
        s.replace_graph("urn:t:graph", tiny_graph(concepts, **kw))
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


#: Labels that must come out unchanged (and harmless) in HTML, DOT, Mermaid and Markdown.
HOSTILE = {
    "x": {"label": '<script>alert("x")</script>', "definition": "A tag that <b>must</b> stay text & be shown."},
    "q": {"label": "O'Brien \"quoted\" \\ back", "definition": "A name with quotes; it has \"double\" ones too.",
          "requires": ["x"]},
    "r": {"label": "שלום עולם", "definition": "טקסט מימין לשמאל שחייב להישאר כפי שהוא.", "requires": ["q"]},
    "e": {"label": "🙂 loop #1 | [a] {b}", "definition": "An emoji 🙂 label with Mermaid | markup [x] and #35; codes.",
          "requires": ["r"]},
}
