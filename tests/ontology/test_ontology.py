"""The OWL ontology (curriculum.ttl) against the strict namespace class, and its alignments."""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

from ontology import ONTOLOGY_TTL
from ontology.namespaces import BLOOM, KGS

KGS_NS = str(KGS._NS)
TERMS = sorted(KGS.__annotations__)
DECLARATIONS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


@pytest.fixture(scope="module")
def onto() -> Graph:
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    return g


def test_strict_namespace_raises_on_a_typo():
    assert KGS.requires == URIRef(KGS_NS + "requires")
    with pytest.raises(AttributeError, match="Requires"):
        KGS.Requires  # noqa: B018 - the lookup itself must fail
    with pytest.raises(AttributeError):
        KGS.requiresTransitiv  # noqa: B018


def test_namespace_has_the_terms_of_the_data_model():
    for name in ("Concept", "LearningObjective", "requires", "requiresTransitive", "bloomLevel",
                 "caseIdentifier", "creditHours", "SourceGraph"):
        assert name in TERMS


@pytest.mark.parametrize("name", TERMS)
def test_every_kgs_term_is_declared_with_label_and_comment(onto, name):
    term = KGS[name]
    kinds = set(onto.objects(term, RDF.type)) & DECLARATIONS
    assert len(kinds) == 1, f"kgs:{name} declared as {kinds}"
    expected = OWL.Class if name[0].isupper() else None
    if expected:
        assert kinds == {OWL.Class}
    else:
        assert kinds <= {OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}
    label = onto.value(term, RDFS.label)
    comment = onto.value(term, RDFS.comment)
    assert isinstance(label, Literal) and label.language == "en" and str(label)
    assert isinstance(comment, Literal) and len(str(comment)) > 10


def test_nothing_in_the_kgs_namespace_beyond_the_class(onto):
    used = {t for triple in onto for t in triple if isinstance(t, URIRef) and str(t).startswith(KGS_NS)}
    names = {str(t)[len(KGS_NS):] for t in used}
    assert names - set(TERMS) == set()
    assert names == set(TERMS)


ALIGNMENTS = [
    (KGS.Concept, RDFS.subClassOf, SKOS.Concept),
    (KGS.Curriculum, RDFS.subClassOf, SDO.Course),
    (KGS.Course, RDFS.subClassOf, SDO.Course),
    (KGS.Section, RDFS.subClassOf, SDO.LearningResource),
    (KGS.Chapter, RDFS.subClassOf, SDO.LearningResource),
    (KGS.Resource, RDFS.subClassOf, SDO.LearningResource),
    (KGS.AssessmentItem, RDFS.subClassOf, SDO.Question),
    (KGS.BloomLevel, RDFS.subClassOf, SKOS.Concept),
    (KGS.Competency, RDFS.subClassOf, SKOS.Concept),
    (KGS.SourceGraph, RDFS.subClassOf, PROV.Entity),
    (KGS.teaches, RDFS.subPropertyOf, SDO.teaches),
    (KGS.assesses, RDFS.subPropertyOf, SDO.assesses),
    (KGS.requires, RDFS.subPropertyOf, KGS.requiresTransitive),
    (KGS.requires, RDFS.subPropertyOf, SDO.competencyRequired),
    (KGS.relatedTo, RDFS.subPropertyOf, SKOS.related),
    (KGS.partOf, RDFS.subPropertyOf, DCTERMS.isPartOf),
    (KGS.hasPart, OWL.inverseOf, KGS.partOf),
    (KGS.educationalLevel, RDFS.subPropertyOf, SDO.educationalLevel),
    (KGS.definition, RDFS.subPropertyOf, SKOS.definition),
    (KGS.exactMatch, RDFS.subPropertyOf, SKOS.exactMatch),
    (KGS.caseIdentifier, RDFS.subPropertyOf, DCTERMS.identifier),
    (KGS.humanCodingScheme, RDFS.subPropertyOf, SKOS.notation),
    (KGS.requiresTransitive, RDF.type, OWL.TransitiveProperty),
    (KGS.relatedTo, RDF.type, OWL.SymmetricProperty),
    (KGS.position, RDFS.range, XSD.integer),
    (KGS.isCorrect, RDFS.range, XSD.boolean),
    (KGS.creditHours, RDFS.range, XSD.decimal),
]


@pytest.mark.parametrize("triple", ALIGNMENTS, ids=lambda t: f"{t[0].split('#')[-1]}-{t[1].split('#')[-1]}")
def test_alignment_axioms(onto, triple):
    assert triple in onto


def test_external_terms_in_axioms_are_declared(onto):
    """OWL 2 DL: every class / property an axiom names is declared (HermiT parses it)."""
    for s, o in onto.subject_objects(RDFS.subClassOf):
        assert (o, RDF.type, OWL.Class) in onto, o
    for s, o in onto.subject_objects(RDFS.subPropertyOf):
        assert set(onto.objects(o, RDF.type)) & DECLARATIONS, o
        # the same kind of property on both sides
        assert set(onto.objects(s, RDF.type)) & DECLARATIONS == set(onto.objects(o, RDF.type)) & DECLARATIONS, (s, o)


def test_bloom_scheme(onto):
    scheme = BLOOM.taxonomy
    assert (scheme, RDF.type, SKOS.ConceptScheme) in onto
    names = ["remember", "understand", "apply", "analyze", "evaluate", "create"]
    for n, name in enumerate(names, 1):
        level = BLOOM[name]
        assert (level, RDF.type, KGS.BloomLevel) in onto
        assert (level, RDF.type, SKOS.Concept) in onto
        assert (level, SKOS.inScheme, scheme) in onto
        assert (scheme, SKOS.hasTopConcept, level) in onto
        assert onto.value(level, SKOS.notation).toPython() == n
        labels = {lit.language: str(lit) for lit in onto.objects(level, SKOS.prefLabel)}
        assert labels["en"] == name and labels["pt"]
        assert onto.value(level, SKOS.definition)
    members = [node for node in onto.subjects(RDF.type, KGS.BloomLevel)]
    assert sorted(members) == sorted(BLOOM[n] for n in names)


def test_disjoint_node_kinds(onto):
    groups = [set(Collection(onto, onto.value(n, OWL.members)))
              for n in onto.subjects(RDF.type, OWL.AllDisjointClasses)]
    assert any({KGS.Concept, KGS.AssessmentItem, KGS.Section, KGS.Choice} <= g for g in groups)
    # a CASE document may be a curriculum or a course: never declared disjoint
    assert not any(KGS.Curriculum in g or KGS.Course in g or KGS.Competency in g for g in groups)
