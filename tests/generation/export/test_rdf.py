"""JSON-LD and Turtle of the items with their PROV-O provenance and reviews."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF

from generation.export import ExportError, get_exporter
from ontology.namespaces import KGS

from .conftest import section


@pytest.mark.parametrize("fmt,parse_as", [("turtle", "turtle"), ("jsonld", "json-ld")])
def test_items_with_provenance(demo_pack, tmp_path, fmt, parse_as):
    r = get_exporter(fmt).export(demo_pack, tmp_path / f"items.{fmt}")
    g = Graph().parse(r.path, format=parse_as)
    assert len(g) == r.counts["triples"]
    lesson = demo_pack.lessons()[0]
    item = URIRef(lesson.iri)
    v = g.value(item, KGS.currentVersion)
    assert v is not None and g.value(item, KGS.reviewState) == Literal("approved")
    assert (v, PROV.wasAttributedTo, None) in g and g.value(v, PROV.generatedAtTime) is not None
    paras = list(g.objects(v, KGS.hasParagraph))
    assert len(paras) == len(lesson.all_paragraphs())
    gens = {str(g.value(p, KGS.generatorKind)) for p in paras}
    assert {"student", "template", "curriculum"} <= gens
    reviews = list(g.subjects(KGS.reviewOf, v))
    assert len(reviews) == 1 and (reviews[0], RDF.type, PROV.Activity) in g
    assert (URIRef(demo_pack.quizzes()[0].iri), DCTERMS.isPartOf, URIRef(section("s2-2"))) in g
    qs = list(g.objects(g.value(URIRef(demo_pack.quizzes()[1].iri), KGS.currentVersion), KGS.hasQuestion))
    assert len(qs) == 9


def test_needs_the_store(loose_pack, tmp_path):
    with pytest.raises(ExportError, match="provenance"):
        get_exporter("turtle").export(loose_pack, tmp_path / "x.ttl")
    assert not (tmp_path / "x.ttl").exists()
