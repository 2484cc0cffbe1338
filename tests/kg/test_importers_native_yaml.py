"""The native YAML importer: triples of a tiny curriculum, one test per kind of bad input
(each naming the right line), detection, non-English text, idempotent re-import."""
from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import jsonschema
import pytest
from rdflib import Literal
from rdflib import namespace as ns
from rdflib.namespace import RDF, RDFS, SKOS

from kg.errors import ImportFailed, PrerequisiteCycle
from kg.importers.base import get_importer
from kg.importers.native_yaml import NativeYamlImporter, guess_bloom, parse_text, schema
from kg.importing import import_sources
from kg.iris import mint, source_graph
from ontology.namespaces import BLOOM, DCTERMS, KGS

# SHACL validation runs in the pipeline once ontology/validation.py exists.
VALIDATE = importlib.util.find_spec("ontology.validation") is not None

TINY = """\
curriculum:
  id: tiny-course
  title: Tiny Course
  language: en
  level: Introductory
  license: https://creativecommons.org/licenses/by/4.0/
concepts:
  - id: value
    label: Value
    definition: A piece of data a program works with.
    defined_in: s-values
  - id: variable
    label: Variable
    definition: A name that refers to a value.
    requires: [value]
    related: [value]
    defined_in: s-names
chapters:
  - id: ch1
    title: Basics
    sections:
      - id: s-values
        title: Values
        summary: Programs work with values.
        text: Every value has a type.
        objectives:
          - Define a value.
          - id: obj-types
            text: Explain what a type is.
            bloom: analyze
            teaches: [value]
      - id: s-names
        title: Names
        questions:
          - id: q1
            type: multiple-choice
            stem: Which of these names a value?
            choices:
              - text: A variable
                correct: true
                feedback: Right, a variable names a value.
              - text: A comment
                feedback: Comments are ignored by the interpreter.
            assesses: [variable, obj-types]
          - type: true-false
            stem: A variable can be reassigned.
            answer: true
          - type: short-answer
            stem: What does x hold after x = 2?
            answer: 2
            solution: The assignment binds x to 2.
"""


def write(tmp_path: Path, text: str, name: str = "course.yaml") -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


def parse(path: Path):
    return NativeYamlImporter().parse(path, max_bytes=10_000_000)


def failure(tmp_path: Path, text: str) -> ImportFailed:
    with pytest.raises(ImportFailed) as info:
        parse(write(tmp_path, text))
    return info.value


def iri(kind: str, ident: str):
    return mint("tiny-course", kind, ident)


# ---- the graph of a tiny curriculum ---------------------------------------------------

def test_schema_is_valid_draft_2020_12():
    jsonschema.Draft202012Validator.check_schema(schema())
    assert schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_tiny_curriculum_triples(tmp_path):
    res = parse(write(tmp_path, TINY))
    g = res.graph
    assert res.source == "tiny-course"
    assert res.graph_iri == source_graph("tiny-course")
    assert res.title == "Tiny Course"
    assert res.counts == {"chapters": 1, "sections": 2, "concepts": 2, "objectives": 2, "items": 3,
                          "choices": 2, "prerequisites": 1}

    cur = iri("curriculum", "tiny-course")
    assert {KGS.Curriculum, ns.SDO.Course} <= set(g.objects(cur, RDF.type))
    assert g.value(cur, RDFS.label) == Literal("Tiny Course", lang="en")
    assert str(g.value(cur, DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    assert g.value(cur, KGS.educationalLevel) == Literal("Introductory", lang="en")

    var, val = iri("concept", "variable"), iri("concept", "value")
    assert {KGS.Concept, SKOS.Concept} <= set(g.objects(var, RDF.type))
    assert g.value(var, SKOS.prefLabel) == Literal("Variable", lang="en")
    assert g.value(var, RDFS.label) == Literal("Variable", lang="en")
    assert g.value(var, KGS.definition) == Literal("A name that refers to a value.", lang="en")
    assert g.value(var, SKOS.definition) == Literal("A name that refers to a value.", lang="en")
    assert list(g.objects(var, KGS.requires)) == [val]
    assert list(g.objects(val, KGS.requires)) == []
    assert (var, KGS.relatedTo, val) in g
    assert g.value(var, KGS.inCurriculum) == cur and g.value(var, SKOS.inScheme) == cur
    s_names = iri("section", "s-names")
    assert g.value(var, KGS.definedIn) == s_names
    assert (s_names, KGS.teaches, var) in g

    ch = iri("chapter", "ch1")
    assert {KGS.Chapter, ns.SDO.LearningResource} <= set(g.objects(ch, RDF.type))
    assert g.value(ch, KGS.partOf) == cur and g.value(ch, KGS.position) == Literal(1)
    s_values = iri("section", "s-values")
    assert g.value(s_values, KGS.partOf) == ch
    assert g.value(s_values, KGS.position).datatype == ns.XSD.integer
    assert g.value(s_names, KGS.position) == Literal(2)
    assert g.value(s_values, KGS.summary) == Literal("Programs work with values.", lang="en")
    assert g.value(s_values, KGS.text) == Literal("Every value has a type.", lang="en")

    o1, o2 = iri("objective", "s-values-o1"), iri("objective", "obj-types")
    assert set(g.objects(s_values, KGS.hasObjective)) == {o1, o2}
    assert g.value(o1, RDFS.label) == Literal("Define a value.", lang="en")
    assert g.value(o1, KGS.bloomLevel) == BLOOM.remember          # guessed from "Define"
    assert g.value(o2, KGS.bloomLevel) == BLOOM.analyze           # stated
    assert g.value(o2, KGS.position) == Literal(2)
    assert (o2, KGS.teaches, val) in g

    q1 = iri("item", "q1")
    assert {KGS.AssessmentItem, ns.SDO.Question} <= set(g.objects(q1, RDF.type))
    assert g.value(q1, KGS.itemType) == Literal("multiple-choice")
    assert g.value(q1, KGS.stem) == Literal("Which of these names a value?", lang="en")
    assert g.value(q1, KGS.correctAnswer) == Literal("A variable", lang="en")
    assert set(g.objects(q1, KGS.assesses)) == {var, o2}
    a, b = iri("choice", "q1-a"), iri("choice", "q1-b")
    assert set(g.objects(q1, KGS.hasChoice)) == {a, b}
    assert g.value(a, KGS.isCorrect) == Literal(True)
    assert g.value(a, KGS.isCorrect).datatype == ns.XSD.boolean
    assert g.value(b, KGS.isCorrect) == Literal(False)
    assert g.value(a, KGS.choiceText) == Literal("A variable", lang="en")
    assert g.value(b, KGS.feedback) == Literal("Comments are ignored by the interpreter.", lang="en")
    assert g.value(b, KGS.position) == Literal(2)

    tf, sa = iri("item", "s-names-q2"), iri("item", "s-names-q3")
    assert g.value(tf, KGS.itemType) == Literal("true-false")
    assert g.value(tf, KGS.correctAnswer) == Literal("true")
    assert g.value(sa, KGS.correctAnswer) == Literal("2", lang="en")
    assert g.value(sa, KGS.solution) == Literal("The assignment binds x to 2.", lang="en")
    assert g.value(sa, KGS.partOf) == s_names and g.value(sa, KGS.position) == Literal(3)
    # every node has a label, and there are no blank nodes
    for node in set(g.subjects(RDF.type, None)):
        assert g.value(node, RDFS.label) is not None, node
    assert all(not t.__class__.__name__ == "BNode" for triple in g for t in triple)


def test_import_into_store_and_reimport_is_idempotent(tmp_path, mem_store):
    path = write(tmp_path, TINY)
    first = import_sources(mem_store, [path], validate=VALIDATE)
    assert first[0].format == "native-yaml" and first[0].added == first[0].triples > 50
    second = import_sources(mem_store, [path], validate=VALIDATE)
    assert (second[0].added, second[0].removed) == (0, 0)
    rows = mem_store.select(
        "PREFIX kgs: <https://w3id.org/kgstudio/ns#> SELECT ?c WHERE { ?c kgs:requires ?p }")
    assert [str(r["c"]) for r in rows] == [str(iri("concept", "variable"))]


def test_changed_source_updates_in_place(tmp_path, mem_store):
    path = write(tmp_path, TINY)
    import_sources(mem_store, [path], validate=VALIDATE)
    path.write_text(TINY.replace("label: Variable", "label: Named value"), encoding="utf-8")
    change = import_sources(mem_store, [path], validate=VALIDATE)[0]
    assert change.added == change.removed == 3   # rdfs:label, skos:prefLabel, sha256
    labels = mem_store.select(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?l WHERE { <%s> skos:prefLabel ?l }"
        % iri("concept", "variable"))
    assert [r["l"] for r in labels] == [Literal("Named value", lang="en")]


def test_detected_among_formats(tmp_path):
    assert get_importer(write(tmp_path, TINY)).name == "native-yaml"
    other = write(tmp_path, "name: not a curriculum\n", "other.yaml")
    assert not NativeYamlImporter().detect(other)
    assert not NativeYamlImporter().detect(tmp_path)


def test_portuguese_text_survives_the_store(tmp_path, mem_store):
    path = write(tmp_path, """\
        curriculum: {id: leitura, title: Leitura e Escrita, language: pt-BR}
        concepts:
          - {id: compreensão, label: Compreensão de textos, definition: "Entender o que se lê: ideias, intenções e contexto."}
        chapters:
          - id: u1
            title: Práticas de linguagem
            sections:
              - id: s1
                title: Leitura
                objectives: [Identificar a função social de textos do cotidiano.]
        """)
    import_sources(mem_store, [path], validate=VALIDATE)
    concept = mint("leitura", "concept", "compreensão")
    assert str(concept).endswith("/concept/compreens%C3%A3o")
    rows = mem_store.select("PREFIX kgs: <https://w3id.org/kgstudio/ns#> SELECT ?d WHERE { <%s> kgs:definition ?d }"
                            % concept)
    assert rows[0]["d"] == Literal("Entender o que se lê: ideias, intenções e contexto.", lang="pt-br")
    obj = mint("leitura", "objective", "s1-o1")
    rows = mem_store.select("PREFIX kgs: <https://w3id.org/kgstudio/ns#> SELECT ?b WHERE { <%s> kgs:bloomLevel ?b }"
                            % obj)
    assert rows[0]["b"] == BLOOM.remember


def test_no_language_gives_plain_strings(tmp_path):
    res = parse(write(tmp_path, TINY.replace("  language: en\n", "")))
    label = res.graph.value(iri("concept", "value"), RDFS.label)
    assert label == Literal("Value") and label.language is None


def test_bloom_guess_from_leading_verb():
    assert guess_bloom("Write a function that returns the larger of two numbers.") == "create"
    assert guess_bloom("Use a for loop to add up a list.") == "apply"
    assert guess_bloom("Justify the choice of a data structure.") == "evaluate"
    assert guess_bloom("Posicionar-se criticamente sobre notícias.") == "evaluate"
    assert guess_bloom("Frobnicate the widget.") == "understand"


# ---- bad input: each names the line -------------------------------------------------------

def test_malformed_yaml_names_the_line(tmp_path):
    err = failure(tmp_path, "curriculum:\n  id: x\n  title: [unclosed\nchapters: []\n")
    assert "malformed YAML" in err.message
    assert err.line == 4 and err.path.endswith("course.yaml")


def test_tab_indentation_names_the_line(tmp_path):
    err = failure(tmp_path, "curriculum:\n  id: x\n\ttitle: y\n")
    assert err.line == 3 and "malformed YAML" in err.message


def test_empty_file(tmp_path):
    err = failure(tmp_path, "# only a comment\n")
    assert err.line == 1 and "no YAML document" in err.message


def test_python_tags_are_refused(tmp_path):
    err = failure(tmp_path, TINY.replace("title: Tiny Course", "title: !!python/object/apply:os.system ['echo hi']"))
    assert err.line == 3 and "python" in err.message


def test_duplicate_key_names_the_line(tmp_path):
    err = failure(tmp_path, TINY.replace("    label: Value\n", "    label: Value\n    label: Worth\n"))
    assert err.line == 10 and "duplicate key 'label'" in err.message


def test_schema_violation_missing_key(tmp_path):
    err = failure(tmp_path, TINY.replace("            stem: What does x hold after x = 2?\n", ""))
    assert err.line == 48
    assert "chapters[0].sections[1].questions[2]" in err.message and "'stem'" in err.message


def test_schema_violation_unknown_key_names_its_line(tmp_path):
    err = failure(tmp_path, TINY.replace("    definition: A name", "    defintion: A name"))
    assert err.line == 14
    assert "unknown key 'defintion'" in err.message and "did you mean 'definition'" in err.message


def test_schema_violation_bad_value(tmp_path):
    err = failure(tmp_path, TINY.replace("bloom: analyze", "bloom: analyse"))
    assert err.line == 30 and "objectives[1].bloom" in err.message and "remember" in err.message


def test_true_false_needs_a_boolean_answer(tmp_path):
    err = failure(tmp_path, TINY.replace("answer: true", 'answer: "yes"'))
    assert err.line == 47 and "true or false" in err.message


def test_choices_only_on_multiple_choice(tmp_path):
    bad = TINY.replace("            answer: true\n",
                       "            answer: true\n            choices: [{text: a}, {text: b}]\n")
    err = failure(tmp_path, bad)
    assert err.line == 48 and "only multiple-choice" in err.message


def test_unknown_concept_reference(tmp_path):
    err = failure(tmp_path, TINY.replace("requires: [value]", "requires: [valeu]"))
    assert err.line == 15 and err.item == "valeu"
    assert "unknown concept id 'valeu'" in err.message and "Did you mean 'value'" in str(err)


def test_unknown_section_reference(tmp_path):
    err = failure(tmp_path, TINY.replace("defined_in: s-names", "defined_in: s-nowhere"))
    assert err.line == 17 and err.item == "s-nowhere" and "unknown section id" in err.message


def test_unknown_objective_reference(tmp_path):
    err = failure(tmp_path, TINY.replace("assesses: [variable, obj-types]", "assesses: [variable, obj-kinds]"))
    assert err.line == 44 and err.item == "obj-kinds" and "unknown concept or objective id" in err.message


def test_reference_to_wrong_kind(tmp_path):
    err = failure(tmp_path, TINY.replace("requires: [value]", "requires: [s-values]"))
    assert err.line == 15 and "is a section" in err.message


def test_duplicate_id(tmp_path):
    err = failure(tmp_path, TINY.replace("      - id: s-names\n", "      - id: s-values\n"))
    assert err.line == 32 and err.item == "s-values"
    assert "duplicate id 's-values'" in err.message and "line 22" in err.message


def test_concept_ids_equal_once_slugged(tmp_path):
    err = failure(tmp_path, TINY.replace("  - id: variable\n", "  - id: Value\n").replace(
        "requires: [value]", "requires: []"))
    assert err.line == 12 and "same as 'value'" in err.message


def test_multiple_choice_needs_a_correct_choice(tmp_path):
    err = failure(tmp_path, TINY.replace("                correct: true\n", ""))
    assert err.line == 38 and "no choice marked" in err.message


def test_wrong_encoding(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes(TINY.replace("Tiny Course", "Curso Básico").encode("latin-1"))
    with pytest.raises(ImportFailed) as info:
        parse(p)
    assert info.value.line == 3 and "UTF-8" in info.value.message


def test_file_above_size_limit_is_refused(tmp_path):
    with pytest.raises(ImportFailed, match="above the limit"):
        NativeYamlImporter().parse(write(tmp_path, TINY), max_bytes=100)


def test_prerequisite_cycle_is_refused_and_store_unchanged(tmp_path, mem_store):
    good = write(tmp_path, TINY, "good.yaml")
    import_sources(mem_store, [good], validate=VALIDATE)
    before = mem_store.count()
    cyclic = write(tmp_path, TINY.replace("label: Value\n", "label: Value\n    requires: [variable]\n"))
    with pytest.raises(PrerequisiteCycle) as info:
        import_sources(mem_store, [cyclic], validate=VALIDATE)
    assert len(info.value.cycle) == 3
    assert mem_store.count() == before


def test_parse_text_without_a_file():
    res = parse_text(TINY)
    assert res.counts["concepts"] == 2
    with pytest.raises(ImportFailed) as info:
        parse_text("curriculum: {id: x}\nchapters: []\n")
    assert info.value.line == 1 and "'title'" in info.value.message


def test_multi_paragraph_text_survives_the_store(tmp_path, mem_store):
    text = 'First paragraph with "quotes" and a back\\slash.\n\nSecond paragraph.'
    path = write(tmp_path, TINY.replace("        text: Every value has a type.\n",
                                        "        text: |\n          First paragraph with \"quotes\" and a "
                                        "back\\slash.\n\n          Second paragraph.\n"))
    assert parse(path).graph.value(iri("section", "s-values"), KGS.text) == Literal(text, lang="en")
    import_sources(mem_store, [path], validate=VALIDATE)
    rows = mem_store.select("PREFIX kgs: <https://w3id.org/kgstudio/ns#> SELECT ?t WHERE { <%s> kgs:text ?t }"
                            % iri("section", "s-values"))
    assert rows[0]["t"] == Literal(text, lang="en")


def test_the_documented_example_imports():
    """docs/native-format.md's example must stay a valid curriculum."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "native-format.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", doc, re.S).group(1)
    res = parse_text(example, path="native-format.md")
    assert res.counts["concepts"] == 4 and res.counts["items"] == 3
    g = res.graph
    ph = mint("kitchen-chemistry", "concept", "ph")
    assert set(g.objects(ph, KGS.requires)) == {mint("kitchen-chemistry", "concept", "acid"),
                                                mint("kitchen-chemistry", "concept", "base")}
    # every key the schema allows is documented in the table
    for defn in schema()["$defs"].values():
        for key in (defn.get("properties") or defn.get("else", {}).get("properties") or {}):
            assert f"`{key}`" in doc, key
