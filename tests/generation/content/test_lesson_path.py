"""Lessons (structure, teaching order, provenance, rendering) and learning paths."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from generation.content.lesson import build_lesson
from generation.content.model import BLOOM_LEVELS, Lesson
from generation.content.path import learning_path, needed_concepts
from generation.content.render import render
from kg.errors import PrerequisiteCycle

from .conftest import C, DEMO, HOSTILE


def _respects(view, order):
    pos = {c: i for i, c in enumerate(order)}
    return all(pos[p] < pos[c] for c in order for p in view.requires.get(c, ()) if p in pos)


def test_concept_lesson_has_every_part(builder):
    lesson = build_lesson(builder, C("while-loop"))
    v = builder.view
    assert lesson.title == "While loop" and lesson.scope_kind == "concept"
    assert [o.bloom for o in lesson.objectives] == ["understand", "apply", "analyze"]
    assert all(o.bloom in BLOOM_LEVELS for o in lesson.objectives)
    recap = [s.concept for s in lesson.prerequisites]
    assert {C("loop"), C("assignment")} <= set(recap) and C("while-loop") not in recap
    assert _respects(v, recap)
    for s in lesson.prerequisites:
        assert s.reason.startswith("needed by")
    expl = [p for p in lesson.paragraphs if p.kind == "explanation"]
    assert expl and expl[0].generator in ("extractive", "template") and expl[0].triples and expl[0].checkpoint
    assert lesson.worked_example is not None and lesson.worked_example.generator == "curriculum"
    assert "infinite loop" in lesson.worked_example.text
    assert lesson.summary.text.startswith("In short, a while loop is")
    assert len(lesson.check_questions) == 3
    assert Lesson.from_dict(lesson.to_dict()) == lesson


def test_section_lesson_uses_the_curriculum_summary(builder):
    lesson = build_lesson(builder, DEMO + "section/s2-2")
    assert lesson.scope_kind == "section" and lesson.focus == [C("variable"), C("assignment")]
    assert lesson.summary.generator == "curriculum" and lesson.summary.source == DEMO + "section/s2-2"
    assert len(lesson.objectives) == 3
    assert {s.concept for s in lesson.prerequisites} == {C("value"), C("operator"), C("expression")}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_rendering_escapes_hostile_text(tiny_store):
    from generation.content.builder import Builder
    b = Builder(tiny_store(HOSTILE), similarity_kind="lexical")
    lesson = build_lesson(b, "urn:t:e")
    html = render(lesson, "html")
    p = _Text()
    p.feed(html)
    assert "script" not in p.tags and "b" not in p.tags
    shown = "".join(p.text)
    for d in HOSTILE.values():
        if d["label"] in [s.label for s in lesson.prerequisites] + [lesson.title]:
            assert d["label"] in shown
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "שלום עולם" in shown and "🙂 loop #1 | [a] {b}" in shown
    md = render(lesson, "markdown")
    assert "<script>" not in md and "&lt;script&gt;" in md and "\\[a\\]" in md


def test_learning_path_is_shortest_and_ordered(builder):
    v = builder.view
    path = learning_path(v, [C("variable")], C("while-loop"))
    order = [s.concept for s in path.steps]
    assert order[-1] == C("while-loop") and path.steps[-1].reason == "the target"
    assert _respects(v, order)
    # exactly the unknown prerequisites: nothing the learner knows (or its prerequisites)
    assert set(order) == (v.ancestors(C("while-loop")) | {C("while-loop")}) - {C("variable"), C("value")}
    for s in path.steps[:-1]:      # every step is needed by a later one
        assert s.needed_by and all(order.index(u) > order.index(s.concept) for u in s.needed_by)
    assert learning_path(v, [C("while-loop")], C("loop")).steps == []
    full = needed_concepts(v, [C("variable")], C("while-loop"), assume_closure=False)
    assert C("value") in full


def test_learning_path_refuses_a_cycle(tiny_store):
    from generation.content.graph import GraphView
    store = tiny_store({"a": {"label": "A", "requires": ["b"]}, "b": {"label": "B", "requires": ["a"]},
                        "c": {"label": "C", "requires": ["a"]}})
    with pytest.raises(PrerequisiteCycle) as e:
        learning_path(GraphView(store), [], "urn:t:c")
    assert "urn:t:a" in str(e.value) and "urn:t:b" in str(e.value)


def test_section_lesson_does_not_repeat_where_each_concept_is_taught(builder):
    lesson = build_lesson(builder, DEMO + "section/s2-2")
    expl = [p.text for p in lesson.paragraphs if p.kind == "explanation"]
    assert len(expl) == 2 and not any("introduces it in" in t for t in expl)
    concept = build_lesson(builder, C("variable"))
    # a concept lesson says where it is taught: its quotes cite the section
    assert "Variables and Assignment" in {c.section_label for p in concept.paragraphs for c in p.citations}


def test_empty_student_output_falls_back_to_templates(demo_store):
    """A generator that writes nothing (an under-trained student) never empties a lesson."""
    from generation.base import Generation
    from generation.content.builder import Builder

    class Mute:
        name, checkpoint = "student", "ck-mute"

        def generate(self, focus, task, *, context=None):
            return Generation(text=" ", task=task, focus=focus, generator="student", checkpoint="ck-mute")

    notes = []
    b = Builder(demo_store, generator=Mute(), similarity_kind="lexical", log=notes.append)
    lesson = build_lesson(b, C("loop"))
    assert all(p.text.strip() and p.generator in ("extractive", "template", "curriculum")
               for p in lesson.all_paragraphs())
    assert any("used instead" in n for n in notes)
    assert "student" not in lesson.meta.generator    # what actually wrote it, not what was asked


@pytest.mark.parametrize("text, why", [
    ("The loop is the loop.", "says nothing beyond the names it was given"),
    ("Loops: a loop, the loops.", "says nothing beyond the names it was given"),
    ("A loop is a ___ of the program.", "has a blank to fill"),
])
def test_circular_student_output_falls_back_to_templates(demo_store, text, why):
    """What an under-trained student writes ("X is the X") is not a paragraph either."""
    from generation.base import Generation
    from generation.content.builder import Builder, unusable

    class Parrot:
        name, checkpoint = "student", "ck-parrot"

        def generate(self, focus, task, *, context=None):
            return Generation(text=text, task=task, focus=focus, generator="student", checkpoint="ck-parrot")

    assert unusable(text, "loop") == why
    notes = []
    b = Builder(demo_store, generator=Parrot(), similarity_kind="lexical", log=notes.append)
    lesson = build_lesson(b, C("loop"))
    assert text not in [p.text for p in lesson.all_paragraphs()]
    assert any(why in n for n in notes)
    ok = "A loop runs its body again while its condition holds."
    assert unusable(ok, "loop") is None


def test_quiz_pages_do_not_give_the_matching_or_ordering_key_away(builder):
    from generation.content.quiz import QuizConfig, build_quiz
    quiz = build_quiz(builder, C("while-loop"), QuizConfig(n=10, types=("matching", "ordering"),
                                                           include_curriculum=False))
    html = render(quiz, "html")
    shown = html.split("<details>")
    m = next(it for it in quiz.items if it.type == "matching")
    o = next(it for it in quiz.items if it.type == "ordering")
    question_part = "".join(part.split("</details>")[-1] for part in shown)
    defs = [d for _, d in m.pairs]
    positions = [question_part.index(d) for d in defs]
    assert positions != sorted(positions)                            # not listed in key order
    opos = [question_part.index(x) for x in o.order]
    assert opos != sorted(opos)
    assert "<details><summary>Answer</summary>" in html


def test_lesson_paragraphs_are_generated_in_one_batch(demo_store):
    """A generator with generate_batch (the student) gets one call for the whole lesson."""
    from generation.base import Generation
    from generation.content.builder import Builder

    class Batched:
        name, checkpoint = "student", "ck-b"
        calls: list = []

        def generate(self, focus, task, *, context=None):
            raise AssertionError("single calls are not expected")

        def generate_batch(self, requests):
            self.calls.append(len(requests))
            # a paragraph the quality gate (generation.gate) lets through
            return [Generation(text=f"This idea lets a program keep track of changing information "
                                    f"while it runs, one step after another ({t}).", task=t, focus=f,
                               generator="student", checkpoint="ck-b") for f, t, _c in requests]

    gen = Batched()
    b = Builder(demo_store, generator=gen, similarity_kind="lexical")
    lesson = build_lesson(b, DEMO + "section/s2-2")
    assert gen.calls == [4]          # 2 prerequisite paragraphs + 2 explanations
    assert [p.generator for p in lesson.paragraphs if p.kind in ("prerequisite", "explanation")] == ["student"] * 4
    # the definitions are the book's (cited evidence, else the glossary through the templates)
    assert "student" in lesson.meta.generator.split("+") and "ck-b" in lesson.meta.checkpoint.split("+")
