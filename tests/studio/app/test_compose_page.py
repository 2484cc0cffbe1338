"""AppTest of the Compose page: generate a lesson, edit a paragraph, regenerate another
without losing the edit, provenance beside each paragraph, quiz items as forms, a stale
save refused, and the learner preview escaped."""
from __future__ import annotations

import pytest

from generation.content.repository import Repository, item_iri
from studio.app_content import builder_now

WHILE = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/while-loop"
LOOP = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/loop"


@pytest.fixture(scope="module")
def warm(demo_ws):
    return builder_now(demo_ws, timeout=300)


def _compose(app, focus):
    at = app("app_pages/compose.py")
    at.session_state["compose_focus"] = focus
    return at.run()


def test_empty_state_then_generate_edit_and_regenerate(app, warm, store):
    at = _compose(app, WHILE)
    assert not at.exception
    assert any("No lesson about While loop yet" in i.value for i in at.info)
    at.button(key="compose_generate").click().run()
    assert not at.exception, at.exception
    repo = Repository(store)
    iri = item_iri("lesson", WHILE)
    assert repo.current_version(iri) == 1
    paras = [t for t in at.text_area if t.label.startswith("Paragraph")]
    assert len(paras) >= 2
    # provenance beside each paragraph: generator and the input triples
    assert any("from **template**" in c.value or "from **extractive**" in c.value for c in at.caption)
    assert any("definition" in c.value or "quoted from While Loops" in c.value for c in at.caption)
    mine = "My own words: a loop that checks first <script>alert(1)</script>"
    paras[0].input(mine)
    at.button(key="compose_save").click().run()
    assert repo.current_version(iri) == 2
    assert repo.get(iri).paragraphs[0].text == mine
    # regenerate another paragraph: the edit survives, a new version is written
    regen = [b for b in at.button if b.key and b.key.startswith("regen_p_") and not b.disabled][-1]
    regen.click().run()
    assert not at.exception
    lesson = repo.get(iri)
    assert lesson.meta.version == 3 and lesson.paragraphs[0].text == mine
    assert repo.history(iri)[-1].comment.endswith("regenerated")
    # the learner's preview (built when its tab is opened) shows the script tag as text
    at.session_state["compose_tab"] = "Preview"
    at.run()
    preview = [m.value for m in at.markdown if "My own words" in m.value]
    assert preview and "<script>" not in preview[0] and "&lt;script&gt;" in preview[0]


def test_a_stale_save_is_refused_and_the_first_is_kept(app, warm, store):
    a = _compose(app, LOOP)
    a.button(key="compose_generate").click().run()
    iri = item_iri("lesson", LOOP)
    b = _compose(app, LOOP)                  # a second instructor opens version 1
    repo = Repository(store)
    assert repo.current_version(iri) == 1
    [t for t in a.text_area if t.label.startswith("Paragraph")][0].input("first writer")
    a.button(key="compose_save").click().run()
    [t for t in b.text_area if t.label.startswith("Paragraph")][0].input("second writer")
    b.button(key="compose_save").click().run()
    assert not b.exception
    assert any("someone saved it in between" in e.value for e in b.error)
    assert any("Saving now would be refused" in w.value for w in b.warning)
    assert repo.current_version(iri) == 2
    assert repo.get(iri).paragraphs[0].text == "first writer"


def test_quiz_items_as_forms_and_regenerate_one(app, warm, store):
    at = _compose(app, WHILE)
    at.radio(key="compose_kind").set_value("quiz").run()
    at.number_input(key="compose_n").set_value(4).run()
    at.button(key="compose_generate").click().run()
    assert not at.exception
    repo = Repository(store)
    iri = item_iri("quiz", WHILE)
    quiz = repo.get(iri)
    assert len(quiz.items) == 4
    stems = [t for t in at.text_area if t.label.startswith("Item")]
    assert [s.value for s in stems] == [q.stem for q in quiz.items]
    stems[1].input("Edited stem?")
    at.button(key="regen_q_0").click().run()
    assert not at.exception
    after = repo.get(iri)
    assert after.meta.version == 2
    assert after.items[1].stem == "Edited stem?"
    assert after.items[0].stem != quiz.items[0].stem
    assert [q.stem for q in after.items[2:]] == [q.stem for q in quiz.items[2:]]


def test_a_chapter_quiz_is_written_in_the_background(app, warm, demo_ws, store):
    from studio.app_jobs import get_job
    at = app("app_pages/compose.py").run()
    at.radio(key="compose_scope_kind").set_value("chapter").run()
    assert at.radio(key="compose_kind").options == ["quiz", "diagram"]
    chapter = at.selectbox(key="compose_scope").value
    at.number_input(key="compose_n").set_value(6).run()
    at.button(key="compose_generate").click().run()
    assert not at.exception
    iri = item_iri("quiz", chapter)
    job = get_job(demo_ws.root, f"generate::{iri}")
    assert job is not None
    job.wait(120)
    assert job.state == "done", job.error
    at.run()
    assert any("Generating finished" in s.value for s in at.success)
    quiz = Repository(store).get(iri)
    assert quiz.scope_kind == "chapter" and len(quiz.items) == 6
    assert len([t for t in at.text_area if t.label.startswith("Item")]) == 6


def test_diagram_drawn_with_its_text_alternative(app, warm, store):
    at = _compose(app, LOOP)
    at.radio(key="compose_kind").set_value("diagram").run()
    at.radio(key="compose_diagram").set_value("prerequisites").run()
    at.button(key="compose_generate").click().run()
    assert not at.exception
    iri = item_iri("diagram", LOOP, "prerequisites")
    d = Repository(store).get(iri)
    assert d.diagram_kind == "prerequisites" and d.nodes
    charts = at.get("graphviz_chart")
    assert charts and charts[0].proto.spec == d.dot
    alt = at.text_area(key=f"alt::{iri}::1")
    assert alt.value == d.text_alternative and "Boolean expression" in alt.value
    alt.input(d.text_alternative + " Edited.").run()
    at.button(key="compose_save").click().run()
    assert Repository(store).get(iri).text_alternative.endswith(" Edited.")


def test_course_structure_of_a_chapter(app, warm, store):
    at = app("app_pages/compose.py").run()
    at.radio(key="compose_scope_kind").set_value("chapter").run()
    at.radio(key="compose_kind").set_value("diagram").run()
    assert at.radio(key="compose_diagram").options == ["course structure"]
    chapter = at.selectbox(key="compose_scope").value
    at.button(key="compose_generate").click().run()
    assert not at.exception
    d = Repository(store).get(item_iri("diagram", chapter, "course_structure"))
    assert d.diagram_kind == "course_structure" and len(d.nodes) > 2
