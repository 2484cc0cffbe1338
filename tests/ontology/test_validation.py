"""SHACL shapes and the readable validation report, on tiny graphs of every node kind."""
from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SDO, SKOS

from ontology import SHAPES_TTL
from ontology.namespaces import BLOOM, ID, KGS, graph_iri
from ontology.validation import KSH, validate

KGS_NS = str(KGS._NS)


def n(kind: str, local: str) -> URIRef:
    return ID[f"t/{kind}/{local}"]


CUR, CH, SEC = n("curriculum", "book"), n("chapter", "1"), n("section", "1-1")
C1, C2 = n("concept", "mean"), n("concept", "variance")
OBJ, ITEM, A, B = n("objective", "o1"), n("item", "q1"), n("choice", "q1-a"), n("choice", "q1-b")
PLAN, TERM, MATH1, MATH2 = n("curriculum", "plan"), n("term", "1"), n("course", "m1"), n("course", "m2")
COMP, RES, SRC = n("competency", "1.OA.1"), n("resource", "preface"), graph_iri("source/t")


def tiny_curriculum() -> Graph:
    """One valid node of every kind of docs/data-model.md (all literals @en)."""
    g = Graph()

    def add(s, p, o):
        g.add((s, p, o))

    def lab(s, text):
        add(s, RDFS.label, Literal(text, lang="en"))

    for t in (KGS.Curriculum, SDO.Course):
        add(CUR, RDF.type, t)
    lab(CUR, "Statistics")
    add(CUR, KGS.educationalLevel, Literal("college"))
    add(CH, RDF.type, KGS.Chapter), add(CH, RDF.type, SDO.LearningResource)
    lab(CH, "Descriptive statistics"), add(CH, KGS.partOf, CUR), add(CH, KGS.position, Literal(1))
    add(SEC, RDF.type, KGS.Section), add(SEC, RDF.type, SDO.LearningResource)
    lab(SEC, "Measures of centre"), add(SEC, KGS.partOf, CH), add(SEC, KGS.position, Literal(1))
    add(SEC, KGS.text, Literal("The mean is ...", lang="en")), add(SEC, KGS.teaches, C1)
    add(SEC, KGS.mentions, C2), add(SEC, KGS.hasObjective, OBJ), add(SEC, KGS.linksTo, RES)
    for c, name in ((C1, "mean"), (C2, "variance")):
        add(c, RDF.type, KGS.Concept), add(c, RDF.type, SKOS.Concept)
        add(c, SKOS.prefLabel, Literal(name, lang="en")), lab(c, name)
        add(c, KGS.definition, Literal(f"definition of {name}", lang="en"))
        add(c, KGS.definedIn, SEC), add(c, KGS.inCurriculum, CUR), add(c, SKOS.inScheme, CUR)
    add(C2, KGS.requires, C1), add(C2, KGS.relatedTo, C1)
    add(OBJ, RDF.type, KGS.LearningObjective), lab(OBJ, "Calculate the mean of a data set")
    add(OBJ, KGS.bloomLevel, BLOOM.apply), add(OBJ, KGS.partOf, SEC), add(OBJ, KGS.position, Literal(1))
    add(OBJ, KGS.teaches, C1)
    add(ITEM, RDF.type, KGS.AssessmentItem), add(ITEM, RDF.type, SDO.Question), lab(ITEM, "Question 1")
    add(ITEM, KGS.stem, Literal("What is the mean of 1, 2, 3?", lang="en"))
    add(ITEM, KGS.itemType, Literal("multiple-choice")), add(ITEM, KGS.partOf, SEC)
    add(ITEM, KGS.position, Literal(1)), add(ITEM, KGS.assesses, C1), add(ITEM, KGS.correctAnswer, Literal("2"))
    add(ITEM, KGS.bloomLevel, BLOOM.apply)
    for pos, (ch, text, ok) in enumerate(((A, "2", True), (B, "3", False)), 1):
        add(ITEM, KGS.hasChoice, ch), add(ch, RDF.type, KGS.Choice), lab(ch, text)
        add(ch, KGS.choiceText, Literal(text)), add(ch, KGS.position, Literal(pos)), add(ch, KGS.isCorrect, Literal(ok))
    add(PLAN, RDF.type, KGS.Curriculum), add(PLAN, RDF.type, SDO.Course), lab(PLAN, "BS Mathematics")
    add(PLAN, KGS.systemType, Literal("semester")), add(PLAN, KGS.institution, Literal("Some University"))
    add(TERM, RDF.type, KGS.Term), lab(TERM, "Term 1"), add(TERM, KGS.partOf, PLAN), add(TERM, KGS.termNumber, Literal(1))
    for c, num in ((MATH1, "MATH 101"), (MATH2, "MATH 102")):
        add(c, RDF.type, KGS.Course), add(c, RDF.type, SDO.Course), lab(c, f"Calculus {num[-1]}")
        add(c, KGS.partOf, PLAN), add(c, KGS.courseNumber, Literal(num)), add(c, KGS.prefix, Literal("MATH"))
        add(c, KGS.creditHours, Literal(Decimal("3.0"))), add(c, KGS.inTerm, TERM)
    add(MATH2, KGS.requires, MATH1), add(MATH2, KGS.coRequires, MATH1)
    add(COMP, RDF.type, KGS.Competency), add(COMP, RDF.type, SKOS.Concept)
    add(COMP, SKOS.prefLabel, Literal("Use addition within 20")), lab(COMP, "1.OA.1")
    add(COMP, KGS.caseIdentifier, Literal("6b9bf846-d7cc-11e8-824f-0242ac160002"))
    add(COMP, KGS.exactMatch, URIRef("http://example.org/elsewhere/1.OA.1"))
    add(RES, RDF.type, KGS.Resource), add(RES, RDF.type, SDO.LearningResource), lab(RES, "Preface")
    add(RES, KGS.partOf, CUR), add(RES, KGS.position, Literal(1))
    add(SRC, RDF.type, KGS.SourceGraph), add(SRC, KGS.sourceFormat, Literal("native"))
    add(SRC, KGS.sha256, Literal("0" * 64)), add(SRC, DCTERMS.source, Literal("t.yaml"))
    return g


def rules(report) -> set[tuple[str, str]]:
    return {(r.rule, str(r.focus)) for r in report.results}


def test_tiny_curriculum_conforms_without_results():
    report = validate(tiny_curriculum())
    assert report.conforms, report.text()
    assert report.results == []
    assert report.triples == len(tiny_curriculum())
    assert report.text().startswith("conforms: 0 violation(s), 0 warning(s)")


def test_violation_names_node_rule_and_fix():
    g = tiny_curriculum()
    g.remove((C1, SKOS.prefLabel, None))
    report = validate(g)
    assert not report.conforms
    [r] = report.results
    assert (r.rule, r.focus, r.path, r.severity, r.constraint) == (
        "Concept-prefLabel", C1, "skos:prefLabel", "Violation", "MinCount")
    assert r.label == "mean" and "kgs:Concept" in r.types
    text = report.text()
    assert 'kgs:Concept "mean" <https://w3id.org/kgstudio/id/t/concept/mean>' in text
    assert "rule Concept-prefLabel (MinCount) on skos:prefLabel: a concept has no skos:prefLabel" in text
    assert "fix: add skos:prefLabel" in text


@pytest.mark.parametrize("mutate, expected", [
    (lambda g: g.remove((SEC, KGS.partOf, None)), ("Section-partOf", SEC)),
    (lambda g: g.remove((CH, KGS.position, None)), ("has-position", CH)),
    (lambda g: g.remove((CH, RDFS.label, None)), ("has-label", CH)),
    (lambda g: g.remove((OBJ, RDFS.label, None)), ("has-label", OBJ)),
    (lambda g: g.remove((ITEM, KGS.stem, None)), ("Item-stem", ITEM)),
    (lambda g: g.remove((A, KGS.choiceText, None)), ("Choice-choiceText", A)),
    (lambda g: g.remove((COMP, SKOS.prefLabel, None)), ("Competency-prefLabel", COMP)),
    (lambda g: g.remove((TERM, KGS.termNumber, None)), ("Term-termNumber", TERM)),
    (lambda g: g.remove((SRC, KGS.sourceFormat, None)), ("SourceGraph-sourceFormat", SRC)),
    (lambda g: g.set((SEC, KGS.position, Literal("1"))), ("Position", SEC)),
    (lambda g: g.set((SEC, KGS.position, Literal(0))), ("Position", SEC)),
    (lambda g: g.add((SEC, KGS.position, Literal(2))), ("Position", SEC)),
    (lambda g: g.set((OBJ, KGS.bloomLevel, Literal("apply"))), ("BloomLevelValue", OBJ)),
    (lambda g: g.set((OBJ, KGS.bloomLevel, KGS.Concept)), ("BloomLevelValue", OBJ)),
    (lambda g: g.set((MATH1, KGS.creditHours, Literal("three"))), ("CreditHours", MATH1)),
    (lambda g: g.set((A, KGS.isCorrect, Literal("yes"))), ("IsCorrect", A)),
    (lambda g: g.set((ITEM, KGS.itemType, Literal("essay"))), ("Text-itemType", ITEM)),
    (lambda g: g.add((SEC, KGS.requires, C1)), ("requires-only-concepts-and-courses", SEC)),
    (lambda g: g.add((C1, KGS.requires, MATH1)), ("Concept-requires", C1)),
    (lambda g: g.add((MATH1, KGS.requires, C1)), ("Course-requires", MATH1)),
    (lambda g: g.add((n("concept", "untyped"), KGS.requires, C1)), ("requires-typed", n("concept", "untyped"))),
    (lambda g: g.add((C1, KGS.requires, Literal("algebra"))), ("Link-requires", C1)),
    (lambda g: g.add((SEC, KGS.teaches, n("concept", "ghost"))), ("teaches-concept", SEC)),
    (lambda g: g.add((C1, KGS.definition, n("x", "y"))), ("Text-definition", C1)),
    (lambda g: g.set((SRC, KGS.sha256, Literal("abc"))), ("Text-sha256", SRC)),
    (lambda g: g.add((MATH1, KGS.inTerm, CH)), ("inTerm-term", MATH1)),
    (lambda g: g.set((CH, KGS.partOf, SEC)), ("Chapter-partOf", CH)),
], ids=lambda v: v[0] if isinstance(v, tuple) else "")
def test_each_rule_catches_its_fault(mutate, expected):
    g = tiny_curriculum()
    mutate(g)
    report = validate(g)
    assert not report.conforms
    assert (expected[0], str(expected[1])) in rules(report), report.text()
    assert all(r.severity == "Violation" for r in report.violations)
    assert all(r.hint for r in report.results)


def test_blank_node_is_reported():
    g = tiny_curriculum()
    b = BNode()
    g.add((b, RDF.type, KGS.Resource))
    g.add((b, RDFS.label, Literal("anonymous")))
    report = validate(g)
    assert ("IRINodes", str(b)) in rules(report)
    assert "kg.iris.mint" in report.text()


def test_warnings_do_not_fail_the_graph():
    g = tiny_curriculum()
    g.remove((ITEM, KGS.partOf, None))
    g.remove((TERM, RDFS.label, None))
    report = validate(g)
    assert report.conforms
    assert {(r.rule, r.severity) for r in report.results} == {("Item-partOf", "Warning"),
                                                              ("should-have-label", "Warning")}
    assert report.violations == [] and len(report.warnings) == 2


def test_numbers_and_booleans_in_every_accepted_form():
    g = tiny_curriculum()
    g.set((MATH1, KGS.creditHours, Literal(4)))          # xsd:integer
    g.set((MATH2, KGS.creditHours, Literal(2.5)))        # xsd:double
    g.set((A, KGS.isCorrect, Literal(True)))
    for t in ("free-response", "true-false", "short-answer"):
        g.set((ITEM, KGS.itemType, Literal(t)))
        assert validate(g).conforms
    g.set((MATH1, KGS.creditHours, Literal(-1)))
    assert ("CreditHours", str(MATH1)) in rules(validate(g))


def test_text_limit_and_order():
    g = tiny_curriculum()
    for c in (C1, C2):
        g.remove((c, SKOS.prefLabel, None))
    g.remove((ITEM, KGS.partOf, None))  # a warning, listed after the violations
    report = validate(g)
    text = report.text(limit=1)
    assert text.splitlines()[0].startswith("does not conform: 2 violation(s), 1 warning(s)")
    assert text.count("rule ") == 1 and text.endswith("... and 2 more")
    full = report.text()
    assert full.index("Violation:") < full.index("Warning:")
    assert str(report).count("rule ") == 3


def test_shapes_use_only_terms_of_the_namespace():
    shapes = Graph().parse(SHAPES_TTL, format="turtle")
    used = {str(t)[len(KGS_NS):] for triple in shapes for t in triple
            if isinstance(t, URIRef) and str(t).startswith(KGS_NS)}
    assert used and used <= set(KGS.__annotations__)
    # every named rule says what is wrong and what to fix
    for shape in {s for s in shapes.subjects() if isinstance(s, URIRef) and str(s).startswith(str(KSH))}:
        if shape == KSH.hint:
            continue
        assert shapes.value(shape, KSH.hint) is not None or any(
            shapes.value(p, KSH.hint) for p in shapes.objects(shape, URIRef("http://www.w3.org/ns/shacl#property"))), shape


def test_validation_error_of_the_import_pipeline_uses_the_report():
    from kg.errors import ValidationFailed

    g = tiny_curriculum()
    g.remove((ITEM, KGS.stem, None))
    err = ValidationFailed(validate(g), path="t.yaml")
    assert "t.yaml" in str(err) and "Item-stem" in str(err) and "Question 1" in str(err)
