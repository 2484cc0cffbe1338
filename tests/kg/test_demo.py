"""The shipped demo curriculum: it is found inside the package, imports cleanly (SHACL
included) with the sizes the project promises, has a prerequisite DAG with deep chains,
complete questions, and re-imports without changes."""
from __future__ import annotations

import importlib.util
from collections import Counter
from functools import lru_cache

import pytest
from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SKOS

from kg.cycles import find_cycle
from kg.demo import demo_curriculum_path
from kg.importers.base import get_importer
from kg.importers.native_yaml import NativeYamlImporter
from kg.importing import import_sources
from ontology.namespaces import KGS

VALIDATE = importlib.util.find_spec("ontology.validation") is not None


@pytest.fixture(scope="module")
def demo():
    return NativeYamlImporter().parse(demo_curriculum_path(), max_bytes=10_000_000)


def test_demo_is_shipped_in_the_package():
    path = demo_curriculum_path()
    assert path.is_file() and path.parent.name == "data" and path.parent.parent.name == "kg"
    assert get_importer(path).name == "native-yaml"


def test_demo_sizes(demo):
    c = demo.counts
    assert 50 <= c["concepts"] <= 70
    assert 6 <= c["chapters"] <= 8
    assert 18 <= c["sections"] <= 30
    assert 40 <= c["items"] <= 80
    assert demo.title == "Foundations of Programming"


def test_every_concept_has_an_english_definition_and_a_defining_section(demo):
    g = demo.graph
    concepts = set(g.subjects(RDF.type, KGS.Concept))
    for c in concepts:
        definition = g.value(c, KGS.definition)
        assert definition is not None and definition.language == "en", c
        assert 40 <= len(definition) <= 400, (c, len(definition))
        assert (c, RDF.type, SKOS.Concept) in g
        assert g.value(c, KGS.definedIn) is not None, c


def test_sections_have_objectives_summary_and_text(demo):
    g = demo.graph
    for s in g.subjects(RDF.type, KGS.Section):
        assert 2 <= len(set(g.objects(s, KGS.hasObjective))) <= 3, g.value(s, RDFS.label)
        assert g.value(s, KGS.summary) is not None and len(g.value(s, KGS.text)) > 400
    levels = Counter(str(b).rsplit("/", 1)[1] for b in g.objects(None, KGS.bloomLevel))
    assert set(levels) == {"remember", "understand", "apply", "analyze", "evaluate", "create"}


def test_prerequisites_form_a_dag_with_deep_chains(demo):
    g = demo.graph
    edges = [(str(a), str(b)) for a, b in g.subject_objects(KGS.requires)]
    assert find_cycle(edges) is None
    requires: dict[str, list[str]] = {}
    for a, b in edges:
        requires.setdefault(a, []).append(b)

    @lru_cache(maxsize=None)
    def depth(c: str) -> int:
        return 1 + max(map(depth, requires[c])) if c in requires else 0

    deep = [c for c in requires if depth(c) >= 4]
    assert len(deep) >= 5
    assert len(set(g.subject_objects(KGS.relatedTo))) >= 10


def test_questions_are_complete(demo):
    g = demo.graph
    items = set(g.subjects(RDF.type, KGS.AssessmentItem))
    kinds = Counter(str(g.value(i, KGS.itemType)) for i in items)
    assert kinds["multiple-choice"] >= 20 and kinds["true-false"] >= 5 and kinds["short-answer"] >= 5
    for item in items:
        assert set(g.objects(item, KGS.assesses)), item
        kind = str(g.value(item, KGS.itemType))
        if kind == "multiple-choice":
            choices = set(g.objects(item, KGS.hasChoice))
            assert len(choices) == 4, item
            assert sum(g.value(ch, KGS.isCorrect) == Literal(True) for ch in choices) == 1, item
            assert all(g.value(ch, KGS.feedback) is not None for ch in choices), item
        elif kind == "free-response":
            assert g.value(item, KGS.solution) is not None, item
        else:
            assert g.value(item, KGS.correctAnswer) is not None, item
    # every concept is assessed by at least one question
    assessed = set(g.objects(None, KGS.assesses))
    assert set(g.subjects(RDF.type, KGS.Concept)) <= assessed


def test_demo_imports_and_reimport_changes_nothing(mem_store):
    first = import_sources(mem_store, [demo_curriculum_path()], validate=VALIDATE)[0]
    assert 50 <= first.counts["concepts"] <= 70 and first.added == first.triples
    second = import_sources(mem_store, [demo_curriculum_path()], validate=VALIDATE)[0]
    assert (second.added, second.removed) == (0, 0)
    rows = mem_store.select("""
        PREFIX kgs: <https://w3id.org/kgstudio/ns#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a skos:Concept ; kgs:definition ?d }""")
    assert 50 <= int(rows[0]["n"]) <= 70
