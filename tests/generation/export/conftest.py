"""Content items for the exporter tests: hand-written on real nodes of the demo curriculum,
every quiz item type, saved through the real repository into a real store."""
from __future__ import annotations

import html

import pytest

from generation.content.model import (Choice, Diagram, ItemMeta, LearningPath, Lesson, Objective, Paragraph,
                                      PathStep, Quiz, QuizItem)
from generation.content.repository import Repository, item_iri
from generation.export.pack import build_pack, collect_pack

DEMO = "https://w3id.org/kgstudio/id/foundations-of-programming/"

#: strings that break naive exporters: markup, GIFT control characters, XML entities and
#: CDATA ends, right-to-left text, emoji (with ZWJ sequences), quotes, a leading weight and
#: format marker, a leading Markdown heading
HOSTILE = [
    '<script>alert("x")</script> & <b>bold</b>',
    "GIFT ~ = # { } : \\ and \\n literal",
    "&amp; &lt; &#x41; ]]> <![CDATA[x]]>",
    "مرحبا بالعالم · שלום עולם",
    "😀 emoji 👩‍💻 ✓ café",
    "it's \"quoted\" and 'single' `code` *star* _under_",
    "%50% [html] starts like a weight",
    "# not a heading | a | table",
]


def concept(local: str) -> str:
    return f"{DEMO}concept/{local}"


def section(local: str) -> str:
    return f"{DEMO}section/{local}"


def svg_for(label: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="120" '
            f'height="40"><text x="5" y="20">{html.escape(label)}</text></svg>')


def quiz_items(t=lambda s: s) -> list[QuizItem]:
    """One item of every type; ``t`` decorates every text (to inject hostile strings)."""
    c = concept("while-loop")
    return [
        QuizItem(type="multichoice", stem=t("Which statement repeats while a condition holds?"),
                 choices=[Choice(t("while loop"), True, t("Yes: it checks first.")),
                          Choice(t("if statement"), False, t("That runs once.")),
                          Choice(t("function"), False, ""), Choice(t("comment"), False, "")],
                 answer=t("while loop"), feedback=t("A while loop tests its condition before each pass."),
                 concept=c, bloom="remember", difficulty=0.3),
        QuizItem(type="multiresponse", stem=t("Which are loops?"),
                 choices=[Choice(t("while loop"), True), Choice(t("for loop"), True),
                          Choice(t("variable"), False, t("A variable holds a value."))],
                 answer=t("while loop; for loop"), concept=c, bloom="understand"),
        QuizItem(type="truefalse", stem=t("A while loop may run zero times."), answer="true",
                 feedback=t("The condition can be false at the start."), concept=c, bloom="understand"),
        QuizItem(type="truefalse", stem=t("A comment is executed."), answer="false", concept=c),
        QuizItem(type="matching", stem=t("Match each term to its definition."),
                 pairs=[(t("Loop"), t("Repeats statements")), (t("Variable"), t("Names a value")),
                        (t("Comment"), t("Ignored by the interpreter"))], concept=c, bloom="remember"),
        QuizItem(type="shortanswer", stem=t("Name the loop that checks its condition first."),
                 answers=[t("while"), t("while loop")], answer=t("while"), concept=c),
        QuizItem(type="cloze", stem=t("A _____ repeats a block while its condition is true."),
                 answers=[t("while loop")], answer=t("while loop"), concept=c),
        QuizItem(type="ordering", stem=t("Put these in teaching order."),
                 order=[t("Value"), t("Variable"), t("Boolean expression"), t("While loop")], concept=c),
        QuizItem(type="essay", stem=t("Explain when a while loop ends."),
                 answer=t("When its condition becomes false (or a break runs)."), concept=c,
                 source="curriculum"),
    ]


def sample_items(t=lambda s: s) -> list:
    c = concept("while-loop")
    lesson = Lesson(
        iri=item_iri("lesson", c), title=t("While loops"), scope=c, focus=[c],
        objectives=[Objective(t("Explain what a while loop does."), "understand")],
        prerequisites=[PathStep(concept("boolean-expression"), t("Boolean expression"), t("needed by While loop"))],
        paragraphs=[Paragraph(t("A while loop repeats its body while a condition is true."), "definition"),
                    Paragraph(t("Each pass checks the condition first.\n\nSo it may never run."), "explanation",
                              generator="student", checkpoint="abc123")],
        worked_example=Paragraph(t("count = 3\nwhile count > 0: count -= 1"), "example", generator="curriculum"),
        summary=Paragraph(t("Loops repeat."), "summary"),
        check_questions=[quiz_items(t)[2]],
        meta=ItemMeta(generator="template", checkpoint="templates-1"))
    quiz = Quiz(iri=item_iri("quiz", c), title=t("Quiz: while loops"), scope=c, items=quiz_items(t))
    squiz = Quiz(iri=item_iri("quiz", section("s2-2")), title=t("Section quiz: variables"),
                 scope=section("s2-2"), scope_kind="section", items=quiz_items(t)[:3])
    diagram = Diagram(iri=item_iri("diagram", c, "prerequisites"), title=t("Prerequisites of While loop"),
                      diagram_kind="prerequisites", scope=c, dot='digraph { "a" -> "b" }',
                      mermaid="graph TD; a-->b", svg=svg_for(t("While loop")),
                      text_alternative=t("While loop requires Boolean expression."),
                      nodes=[(c, "While loop")], edges=[])
    path = LearningPath(iri=item_iri("path", c), target=c, title=t("Path to While loop"),
                        steps=[PathStep(concept("boolean-expression"), t("Boolean expression"), t("first")),
                               PathStep(c, t("While loop"), t("target"))])
    return [lesson, quiz, squiz, diagram, path]


@pytest.fixture(scope="session")
def demo_store_session():
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    s = EmbeddedStore(None)
    import_sources(s, [demo_curriculum_path()])
    return s


@pytest.fixture
def demo_store(demo_store_session):
    """The demo curriculum with no content items (content graphs dropped after each test)."""
    from ontology.namespaces import CONTENT_GRAPH, REVIEWS_GRAPH
    yield demo_store_session
    for g in (CONTENT_GRAPH, REVIEWS_GRAPH):
        demo_store_session.drop_graph(str(g))


def save_all(store, items, approve=True):
    repo = Repository(store)
    for x in items:
        repo.save(x, author="tester")
        if approve:
            repo.approve(x.iri, by="reviewer")
    return repo


@pytest.fixture
def demo_pack(demo_store):
    """The sample items, approved, collected into a pack by the course structure."""
    save_all(demo_store, sample_items())
    return collect_pack(demo_store)


@pytest.fixture
def loose_pack():
    """The sample items without a store (one group, no provenance)."""
    return build_pack(sample_items(), None, title="Loose")


def trim_book(src, dest, chapters: int):
    """A copy of an OpenStax book (collection + modules) with only its first ``chapters``
    chapters: the real text and markup, small enough for a fast test."""
    import shutil

    from lxml import etree
    col_ns = "http://cnx.rice.edu/collxml"
    col_file = next((src / "collections").glob("*.collection.xml"))
    tree = etree.parse(str(col_file))
    content = tree.getroot().find(f"{{{col_ns}}}content")
    subs = content.findall(f"{{{col_ns}}}subcollection")
    for sub in subs[chapters:]:
        content.remove(sub)
    for mod in content.findall(f"{{{col_ns}}}module")[1:]:     # appendices after the chapters
        content.remove(mod)
    (dest / "collections").mkdir(parents=True)
    tree.write(str(dest / "collections" / col_file.name), xml_declaration=True, encoding="UTF-8")
    for m in tree.getroot().iter(f"{{{col_ns}}}module"):
        shutil.copytree(src / "modules" / m.get("document"), dest / "modules" / m.get("document"))
    return dest


def build_content(store, scopes_lessons, scopes_quizzes, n=10, approve=True):
    """Lessons and quizzes from the real builders (lexical similarity: no model needed)."""
    from generation.content.builder import Builder
    from generation.content.lesson import build_lesson
    from generation.content.quiz import build_quiz
    from kg.errors import KGStudioError
    b = Builder(store, similarity_kind="lexical")
    items = []
    for make, scopes in ((build_lesson, scopes_lessons), (lambda b_, s: build_quiz(b_, s, n=n), scopes_quizzes)):
        for s in scopes:
            try:
                items.append(make(b, s))
            except KGStudioError:      # e.g. a chapter introduction that teaches no concept
                pass
    save_all(store, items, approve=approve)
    return items
