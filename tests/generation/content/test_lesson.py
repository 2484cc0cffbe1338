"""Lessons without a trained student: the book's own sentences, cited, in every part; the
quality gate between the student and the lesson; citations and code on the page."""
from __future__ import annotations

import pytest

from generation.base import Generation
from generation.content.builder import Builder
from generation.content.lesson import build_lesson, section_sentences
from generation.content.render import render

from .conftest import C, DEMO


def _cited(paragraphs) -> list:
    return [p for p in paragraphs if p.citations and p.generator in ("extractive", "curriculum")]


def test_lesson_without_a_student_has_cited_curriculum_text_in_every_part(builder):
    lesson = build_lesson(builder, C("while-loop"))
    prereq = [p for p in lesson.paragraphs if p.kind == "prerequisite"]
    explanation = [p for p in lesson.paragraphs if p.kind != "prerequisite"]
    assert _cited(prereq) and _cited(explanation)
    assert _cited([lesson.worked_example]) and lesson.summary.citations
    d = next(p for p in lesson.paragraphs if p.kind == "definition")
    assert d.generator == "extractive" and d.why == "the book's glossary definition"
    assert d.text.startswith("A while loop is a loop that checks a Boolean condition")
    assert [(c.section_label, c.paragraph) for c in d.citations] == [("While Loops", "glossary")]
    # every quoted sentence is the book's, verbatim, in the section it cites
    for p in _cited(lesson.all_paragraphs()):
        if p.kind in ("definition", "contrast", "summary") or any(c.paragraph == "glossary" for c in p.citations):
            continue
        sec = builder.view.section(p.citations[0].section)
        text = " ".join((sec.text + " " + sec.summary).split())
        for sentence in p.text.split(". "):
            assert sentence.rstrip(".") in text
    # provenance: no student here, and each paragraph says which source wrote it and why
    assert set(lesson.meta.generator.split("+")) <= {"extractive", "template", "curriculum"}
    assert "extractive" in lesson.meta.generator
    assert all(p.why for p in lesson.paragraphs)
    assert all("no student trained" in p.why for p in lesson.paragraphs if p.kind in ("prerequisite", "explanation"))


def test_quotes_are_not_repeated_within_a_lesson(builder):
    for scope in (C("while-loop"), C("variable"), DEMO + "section/s4-1"):
        lesson = build_lesson(builder, scope)
        quoted = [t.o for p in _cited(lesson.paragraphs) for t in p.triples if t.p.endswith("#text")]
        assert quoted and len(quoted) == len(set(quoted)), scope


class _Fixed:
    """A stand-in student that writes the same text for every request."""

    name, checkpoint = "student", "ck-fixed"

    def __init__(self, text, logprob=None):
        self.text, self.logprob = text, logprob

    def generate(self, focus, task, *, context=None):
        return Generation(text=self.text, task=task, focus=focus, generator="student", checkpoint=self.checkpoint,
                          scores={} if self.logprob is None else {"logprob": self.logprob})


@pytest.mark.parametrize("text, reason", [
    ("The blind spot is the brain, and the blind spot ().", "has empty brackets"),
    ("The absolute threshold is the absolute threshold and more of the absolute threshold.",
     "has the repeated phrase"),
    ("A variable is the variable.", "says nothing beyond the names it was given"),
])
def test_a_student_paragraph_that_fails_the_gate_gives_way_to_the_book(demo_store, text, reason):
    notes = []
    b = Builder(demo_store, generator=_Fixed(text), similarity_kind="lexical", log=notes.append)
    lesson = build_lesson(b, C("variable"))
    assert text not in [p.text for p in lesson.all_paragraphs()]
    expl = next(p for p in lesson.paragraphs if p.kind == "explanation")
    assert expl.generator == "extractive" and expl.citations
    assert expl.why.startswith("the curriculum's own text: student") and reason in expl.why
    assert any("cited curriculum text used instead" in n for n in notes)


def test_a_student_paragraph_that_passes_the_gate_is_used_and_says_so(demo_store):
    good = ("A name can hold a result so that later steps of the program can read it again, "
            "and a new assignment replaces what it held.")
    b = Builder(demo_store, generator=_Fixed(good, logprob=-0.6), similarity_kind="lexical")
    lesson = build_lesson(b, C("variable"))
    expl = next(p for p in lesson.paragraphs if p.kind == "explanation")
    assert expl.generator == "student" and expl.text == good
    assert expl.why == "student passed the quality gate (self-score -0.60)"
    # definitions stay the book's, whatever the student writes
    assert next(p for p in lesson.paragraphs if p.kind == "definition").generator == "extractive"
    assert set(lesson.meta.generator.split("+")) == {"extractive", "student"}
    # the same text with a low self-score is not used
    low = build_lesson(Builder(demo_store, generator=_Fixed(good, logprob=-3.0), similarity_kind="lexical"),
                       C("variable"))
    e2 = next(p for p in low.paragraphs if p.kind == "explanation")
    assert e2.generator == "extractive" and "self-score -3.00 is below" in e2.why


GLOSSARYLESS = {
    "loop": {"label": "loop"},
    "acc": {"label": "accumulator", "requires": ["loop"]},
}
SECTION_TEXT = """Loops

A loop is a statement that runs a block of code again and again while a condition holds.
An accumulator is a variable that collects a result across the passes of a loop.
Unlike a plain counter, an accumulator can hold a sum, a list or a longest word.

```python
total = 0
for n in [3, 4, 5]:
    total = total + n  # <the accumulator>
```
"""


@pytest.fixture
def glossaryless(tiny_store):
    from kg.evidence import rebuild_evidence
    store = tiny_store(GLOSSARYLESS, section_text=SECTION_TEXT)
    rebuild_evidence(store, "urn:t:graph")
    return store


def test_section_lesson_on_a_glossary_less_book_quotes_its_sentences_and_code(glossaryless):
    b = Builder(glossaryless, similarity_kind="lexical")
    lesson = build_lesson(b, "urn:t:s1")
    defs = {p.concepts[0]: p for p in lesson.paragraphs if p.kind == "definition"}
    quoted = [t.o for p in lesson.paragraphs for t in p.triples if t.p.endswith("#text")]
    assert len(quoted) == len(set(quoted)) == 3      # two definitions and the "unlike" sentence, once each
    assert defs["urn:t:loop"].text == ("A loop is a statement that runs a block of code again and again "
                                       "while a condition holds.")
    assert defs["urn:t:acc"].text.startswith("An accumulator is a variable that collects")
    assert all(p.generator == "extractive" and p.citations[0].section_label == "Section one" for p in defs.values())
    assert {c.paragraph for p in defs.values() for c in p.citations} <= {f"p{i}" for i in range(1, 6)}
    ex = lesson.worked_example
    assert ex.generator == "extractive" and ex.text.startswith("```python\ntotal = 0")
    html = render(lesson, "html")
    assert '<pre><code class="language-python">total = 0\nfor n in [3, 4, 5]:\n    total = total + n' in html
    assert "# &lt;the accumulator&gt;</code></pre>" in html and "<the accumulator>" not in html
    assert "<cite>Section one</cite>, ¶&nbsp;p" in html
    md = render(lesson, "markdown")
    # verbatim inside the quote (a fenced block is never escaped: the renderer shows it as code)
    assert "> ```python\n> total = 0\n> for n in [3, 4, 5]:\n>     total = total + n  # <the accumulator>\n> ```" in md
    assert "> — *Section one*, ¶ p" in md


def test_concept_lesson_contrasts_with_a_sentence_that_sets_them_apart(glossaryless):
    b = Builder(glossaryless, similarity_kind="lexical")
    lesson = build_lesson(b, "urn:t:acc")
    # the only other concept is its prerequisite (a bridge, not a contrast)
    assert not [p for p in lesson.paragraphs if p.kind == "contrast"]
    bridge = next(p for p in lesson.paragraphs if p.kind == "prerequisite")
    assert bridge.generator == "extractive" and "loop" in bridge.text.lower()


def test_section_with_no_concept_still_gets_its_opening_sentences(tiny_store):
    store = tiny_store({}, section_text="Heading\n\nThis section tells a story about the history of computing "
                                        "machines. It has no terms. It ends here. One more.")
    b = Builder(store, similarity_kind="lexical")
    lesson = build_lesson(b, "urn:t:s1")
    expl = [p for p in lesson.paragraphs if p.kind == "explanation"]
    assert len(expl) == 1 and expl[0].generator == "curriculum"
    assert expl[0].text == ("This section tells a story about the history of computing machines. "
                            "It has no terms. It ends here.")
    assert [(c.section_label, c.paragraph) for c in expl[0].citations] == [("Section one", "p2")]
    assert section_sentences("```\ncode only\n```") is None


def test_citations_are_escaped_on_the_page():
    from kg.evidence import rebuild_evidence
    from kg.store.embedded import EmbeddedStore

    from .conftest import tiny_graph
    nt = tiny_graph({"x": {"label": "widget"}},
                    section_text="A widget is a <b>small</b> part that does one job & nothing else.")
    assert '"Section one"' in nt
    store = EmbeddedStore(None)
    try:
        store.replace_graph("urn:t:graph", nt.replace('"Section one"', '"<script>alert(1)</script> *one*"'))
        rebuild_evidence(store, "urn:t:graph")
        lesson = build_lesson(Builder(store, similarity_kind="lexical"), "urn:t:x")
    finally:
        store.close()
    d = next(p for p in lesson.paragraphs if p.kind == "definition")
    assert d.citations[0].section_label == "<script>alert(1)</script> *one*"
    html, md = render(lesson, "html"), render(lesson, "markdown")
    assert "<b>small</b>" not in html and "&lt;b&gt;small&lt;/b&gt;" in html
    assert "<cite>&lt;script&gt;alert(1)&lt;/script&gt; *one*</cite>" in html
    assert "&lt;b&gt;small&lt;/b&gt;" in md and "&amp; nothing else" in md
    assert "> — *&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\*one\\**, ¶ p1" in md
    assert "<script>" not in html and "<script>" not in md


def test_an_edited_quote_is_no_longer_shown_as_the_books_words(builder):
    from generation.content.render import quoted
    lesson = build_lesson(builder, C("accumulator-pattern"))
    d = next(p for p in lesson.paragraphs if p.kind == "definition")
    e = next(p for p in lesson.paragraphs if p.kind == "explanation")
    assert quoted(d) and quoted(e)          # the framed glossary entry and the quoted paragraph
    md = render(lesson, "markdown")
    assert "> The accumulator pattern is the most common." in md
    e.text = "My own summary of the pattern."
    assert not quoted(e)
    md = render(lesson, "markdown")
    assert "\nMy own summary of the pattern.\n\nBased on: *Loop Patterns*, ¶ p1" in md
    assert "> My own summary" not in md


def test_inline_code_stays_code_on_the_page(tiny_store):
    from kg.evidence import rebuild_evidence
    store = tiny_store({"f": {"label": "function"}},
                       section_text="A function is a named block of code, such as `print(\"<hi>\")`, that runs when called.")
    rebuild_evidence(store, "urn:t:graph")
    lesson = build_lesson(Builder(store, similarity_kind="lexical"), "urn:t:f")
    html, md = render(lesson, "html"), render(lesson, "markdown")
    assert "<code>print(&#34;&lt;hi&gt;&#34;)</code>" in html
    assert '> A function is a named block of code, such as `print("<hi>")`, that runs when called.' in md


def _train_selector(store, path):
    """A selector trained on the glossary-less fixture's own sentences, labelled by chrF
    against hand-written definitions, written where ``load_selector`` looks."""
    from generation.content.graph import GraphView
    from generation.extractive import ExtractiveGenerator
    from generation.selector import candidates, concept_features, labels, train
    v = GraphView(store)
    ex = ExtractiveGenerator(store, v.label, text_of=lambda s: v.section(s).text, teaching=v.sections_teaching)
    refs = {"urn:t:loop": "a statement that runs a block of code again and again while a condition holds",
            "urn:t:acc": "a variable that collects a result across the passes of a loop"}
    groups = []
    for c, ref in refs.items():
        outs, X = concept_features(ex, c, candidates(ex, c))
        groups.append((X, labels(outs, ref)))
    sel = train(groups, l2=1.0)
    sel.dev = {"chrf_selector": 50.0, "chrf_heuristic": 40.0}
    path.write_text(sel.to_json())
    return sel


def test_a_lesson_uses_the_learned_selector_and_says_so_else_the_rules(glossaryless, tmp_path, monkeypatch):
    import generation.selector as S
    monkeypatch.setattr(S, "BUNDLED", tmp_path / "selector.json")
    _train_selector(glossaryless, tmp_path / "selector.json")
    lesson = build_lesson(Builder(glossaryless, similarity_kind="lexical"), "urn:t:acc")
    d = next(p for p in lesson.paragraphs if p.kind == "definition")
    assert d.text.startswith("An accumulator is a variable that collects") and d.generator == "extractive"
    assert d.why == ("the book's own defining sentence, chosen by the learned selector "
                     "(chrF dev 50.0 vs heuristic 40.0)")
    assert d.citations[0].section_label == "Section one"
    # no model: the rules choose, and provenance says the book's own sentence
    monkeypatch.setattr(S, "BUNDLED", tmp_path / "none.json")
    lesson = build_lesson(Builder(glossaryless, similarity_kind="lexical"), "urn:t:acc")
    d = next(p for p in lesson.paragraphs if p.kind == "definition")
    assert d.text.startswith("An accumulator is a variable that collects")
    assert d.why == "the book's own defining sentence"
