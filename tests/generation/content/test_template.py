"""The template realiser: every task, provenance, the Generator protocol."""
from __future__ import annotations

import pytest

from generation.base import TASKS, Generator, UnknownTask
from generation.template import TemplateGenerator, template_checkpoint
from kg.neighbourhood import NodeNotFound
from ontology.namespaces import KGS

from .conftest import C


@pytest.fixture(scope="module")
def gen(demo_store):
    return TemplateGenerator(demo_store)


def test_is_a_generator_with_a_stable_checkpoint(gen):
    assert isinstance(gen, Generator) and gen.name == "template"
    assert gen.checkpoint == template_checkpoint() and gen.checkpoint.startswith("templates-")


def test_every_task_reads_well_and_keeps_provenance(gen):
    for task in TASKS:
        ctx = {"target": C("while-loop")} if task == "prerequisite" else None
        g = gen.generate(C("loop"), task, context=ctx)
        assert g.task == task and g.focus == C("loop") and g.generator == "template"
        assert g.text[0].isupper() and g.text.rstrip()[-1] in ".”?"
        assert "  " not in g.text and "{{" not in g.text
        assert C("loop") in g.concepts
        assert any(t.p == str(KGS.definition) and t.s == C("loop") for t in g.triples)


def test_definition_and_explanation_say_the_graph(gen):
    d = gen.generate(C("algorithm"), "definition").text
    assert d.startswith("An algorithm is a finite, ordered list of unambiguous steps")
    e = gen.generate(C("while-loop"), "explanation")
    assert "assignment and loop" in e.text and "infinite loop" in e.text and "“While Loops”" in e.text
    assert {C("assignment"), C("loop"), C("infinite-loop")} <= set(e.concepts)
    assert any(t.p == str(KGS.requires) and t.o == C("loop") for t in e.triples)


def test_prerequisite_task_is_honest_about_the_graph(gen):
    direct = gen.generate(C("loop"), "prerequisite", context={"target": C("while-loop")})
    assert "builds directly on loop" in direct.text and direct.extra["is_prerequisite"]
    chain = gen.generate(C("boolean"), "prerequisite", context={"target": C("while-loop")})
    assert "by way of" in chain.text and chain.extra["is_prerequisite"]
    no = gen.generate(C("string"), "prerequisite", context={"target": C("while-loop")})
    assert "not a prerequisite" in no.text and not no.extra["is_prerequisite"]


def test_question_masks_the_term_and_feedback_explains(gen):
    q = gen.generate(C("algorithm"), "question")
    assert q.extra["answer"] == "Algorithm" and "algorithm" not in q.text.lower()
    f = gen.generate(C("while-loop"), "feedback", context={"wrong": "For loop", "wrong_concept": C("for-loop")})
    assert f.text.startswith("Not quite.") and "for loop is a loop that runs" in f.text.lower()
    assert f.text.endswith("The answer is while loop.")


def test_errors(gen):
    with pytest.raises(UnknownTask):
        gen.generate(C("loop"), "poem")
    with pytest.raises(NodeNotFound):
        gen.generate(C("no-such-concept"), "definition")
    with pytest.raises(ValueError):
        gen.generate(C("loop"), "prerequisite")


def test_sections_get_their_summary(gen):
    from .conftest import DEMO
    g = gen.generate(DEMO + "section/s2-2", "explanation")
    assert g.text.startswith("A variable is a name for a value.")
