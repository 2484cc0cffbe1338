"""Compose: pick a concept, section or chapter and a kind (lesson, quiz, diagram); generate; edit in
place (Markdown per paragraph, a form per quiz item); regenerate one paragraph or item
without losing the others; see the triples and model behind each; preview as the learner
will see it. Every save is a new version in the workspace store (generation.content);
a save based on an outdated version is refused with a message."""
from __future__ import annotations

import streamlit as st

from generation.content import diagrams
from generation.content.lesson import build_lesson
from generation.content.model import Diagram, Lesson, Quiz
from generation.content.quiz import build_quiz
from generation.content.render import render
from generation.content.repository import Repository, StaleVersion, item_iri
from kg.errors import KGStudioError
from studio import app_state as S
from studio import app_ui as ui
from studio.app_content import build_lock, ready_builder, regenerate_item, regenerate_paragraph, scopes, warm_builder
from studio.app_jobs import JobRunning, get_job, start_job

st.title("Compose")
ws = ui.need_workspace()
store = S.shared_store(ws)
repo = Repository(store)
who = ui.user()

all_scopes = scopes(ws)
if not all_scopes["concept"] and not all_scopes["section"]:
    st.info("The workspace has no concepts or sections yet: import a curriculum on the Workspace page first.")
    st.stop()

# ---- what to compose ------------------------------------------------------------------------
focus = st.session_state.pop("compose_focus", None)
if focus:
    st.session_state["compose_scope_kind"] = "concept"
    st.session_state["compose_scope"] = focus
c1, c2, c3 = st.columns([1, 3, 1])
scope_kind = c1.radio("About a", ["concept", "section", "chapter"], key="compose_scope_kind")
options = all_scopes[scope_kind]
labels = dict(options)
if st.session_state.get("compose_scope") not in labels:
    st.session_state["compose_scope"] = options[0][0] if options else None
if not options:
    st.info(f"This curriculum has no {scope_kind}s.")
    st.stop()
scope = c2.selectbox(scope_kind.capitalize(), [o[0] for o in options], format_func=lambda i: labels.get(i, i),
                     key="compose_scope")
kinds = {"concept": ["lesson", "quiz", "diagram"], "section": ["lesson", "quiz"],
         "chapter": ["quiz", "diagram"]}[scope_kind]
kind = c3.radio("Kind", kinds, key="compose_kind")
n_items = st.number_input("Quiz items", 1, 50, 10 if scope_kind == "chapter" else 5, key="compose_n") \
    if kind == "quiz" else 0
diagram_kind = ""
if kind == "diagram":
    diagram_kind = st.radio("Diagram", ["concept_map", "prerequisites"] if scope_kind == "concept"
                            else ["course_structure"], horizontal=True, key="compose_diagram",
                            format_func=lambda k: k.replace("_", " "))
iri = item_iri(kind, scope, diagram_kind)

# ---- the generator (loaded once per studio process, in the background) -----------------------
builder = ready_builder(ws)
if builder is None:
    ui.show_job(warm_builder(ws), label="Loading the generator")
    load_job = get_job(ws.root, "builder")
    if load_job is not None and load_job.state == "failed":
        if st.button("Try loading the generator again", key="compose_retry_load"):
            warm_builder(ws)
            st.rerun()

base_key = f"compose_base::{iri}"
current = repo.current_version(iri)
if base_key not in st.session_state:
    st.session_state[base_key] = current
base = st.session_state[base_key]


def _save(item, comment: str) -> bool:
    """Save a new version based on the version this page showed; False when refused."""
    try:
        meta = repo.save(item, author=ui.user(), expected_version=st.session_state[base_key], comment=comment)
    except StaleVersion as e:
        st.session_state["compose_msg"] = ("error", str(e))
        return False
    except KGStudioError as e:
        st.session_state["compose_msg"] = ("error", str(e))
        return False
    st.session_state[base_key] = meta.version
    st.session_state["compose_msg"] = ("ok", f"Saved version {meta.version} ({comment}).")
    return True


def _generate(job=None, kind=kind, scope=scope, n=int(n_items), b=builder, dk=diagram_kind):
    """Build the item (values bound now: a background job must not see a later run's choices)."""
    with build_lock:
        if kind == "lesson":
            item = build_lesson(b, scope)
        elif kind == "quiz":
            item = build_quiz(b, scope, n=n)
        else:
            item = {"concept_map": diagrams.concept_map, "prerequisites": diagrams.prerequisite_dag,
                    "course_structure": diagrams.course_structure}[dk](b, scope)
    if job is not None:
        job.report(0.9, "saving")
    return item


gen_job = get_job(ws.root, f"generate::{iri}")
busy = gen_job is not None and gen_job.running
label = "Generate" if current == 0 else "Regenerate all"
if st.button(label, key="compose_generate", type="primary", disabled=builder is None or busy or not who):
    if scope_kind == "chapter" and kind == "quiz":     # a whole chapter's quiz: in the background
        def work(job, _base=base, _who=who):
            job.report(0.1, f"writing {int(n_items)} questions")
            item = _generate(job)
            meta = repo.save(item, author=_who, expected_version=_base, comment="generated")
            return meta.version
        try:
            start_job(ws.root, f"generate::{iri}", work)
        except JobRunning as e:
            ui.error(e)
        st.rerun()
    else:                           # one concept or section: tens of milliseconds, shown in this run
        try:
            _save(_generate(), "generated")
        except KGStudioError as e:
            st.session_state["compose_msg"] = ("error", str(e))
if not who:
    st.warning("Enter your name in the sidebar: every version records its author.")
if gen_job is not None:
    ui.show_job(gen_job, label="Generating")
    if gen_job.state == "done" and isinstance(gen_job.result, int) and gen_job.result > st.session_state[base_key]:
        st.session_state[base_key] = gen_job.result
        base = gen_job.result

msg = st.session_state.pop("compose_msg", None)
if msg:
    (st.success if msg[0] == "ok" else st.error)(S.md_escape(msg[1]))

current = repo.current_version(iri)
base = st.session_state[base_key]
if current == 0:
    st.info(f"No {kind} about {S.md_escape(labels.get(scope, scope))} yet. Click **Generate** to write one "
            "from the graph; you can then edit it, regenerate parts, and send it to review.")
    st.stop()
if current != base:
    st.warning(f"Version {current} was saved by someone else after you opened version {base}. "
               "Saving now would be refused; reload to continue from the latest version.")
    if st.button("Reload the latest version", key="compose_reload"):
        st.session_state[base_key] = current
        st.rerun()
item = repo.get(iri, version=base)
st.caption(f"{item.kind} · version {item.meta.version} · {item.meta.state.value} · by "
           f"{S.md_escape(item.meta.author)} at {item.meta.created_at} · generator {item.meta.generator} "
           f"({S.md_escape(item.meta.checkpoint)})")


def _triples_md(triples) -> str:
    return "  \n".join(f"{S.md_escape(S.short_iri(t.s))} · {S.md_escape(S.short_iri(t.p))} · "
                       f"{S.md_escape(S.short_iri(t.o) if t.o.startswith('http') else t.o[:80])}"
                       for t in triples[:12]) or "(no input triples)"


# the edits stay on the page whichever tab is in view; the preview is built only when shown
edit_tab, preview_tab = st.tabs(["Edit", "Preview"], key="compose_tab", on_change="rerun")
with edit_tab:
    if isinstance(item, Lesson):
        keys = [f"para::{iri}::{base}::{i}" for i in range(len(item.paragraphs))]

        def _apply_edits(lesson):
            for i, k in enumerate(keys):
                if k in st.session_state and st.session_state[k] != lesson.paragraphs[i].text:
                    lesson.paragraphs[i].text = st.session_state[k]
            return lesson

        def _regen(i: int):
            lesson = _apply_edits(repo.get(iri, version=st.session_state[base_key]))
            try:
                lesson.paragraphs[i] = regenerate_paragraph(ready_builder(ws) or builder, lesson, i)
            except KGStudioError as e:
                st.session_state["compose_msg"] = ("error", str(e))
                return
            _save(lesson, f"paragraph {i + 1} regenerated")

        def _save_edits():
            lesson = _apply_edits(repo.get(iri, version=st.session_state[base_key]))
            _save(lesson, "edited")

        for i, p in enumerate(item.paragraphs):
            left, right = st.columns([3, 2])
            left.text_area(f"Paragraph {i + 1} · {p.kind}", value=p.text, key=keys[i], height=120)
            left.button("Regenerate this paragraph", key=f"regen_p_{i}", on_click=_regen, args=(i,),
                        # a contrast or summary paragraph is rebuilt with the whole lesson
                        disabled=builder is None or p.generator == "curriculum"
                        or p.kind not in ("prerequisite", "explanation", "definition"))
            right.caption(f"from **{S.md_escape(p.generator)}** {S.md_escape(p.checkpoint)}")
            if p.citations:        # quoted curriculum text: where it is, and why it was used
                right.caption("quoted from " + "; ".join(
                    f"{S.md_escape(c.section_label or S.short_iri(c.section))} ¶ {S.md_escape(c.paragraph)}"
                    for c in p.citations))
            if p.why:
                right.caption(S.md_escape(p.why))
            right.caption(_triples_md(p.triples))
        for name, p in (("Worked example", item.worked_example), ("Summary", item.summary)):
            if p is not None:
                st.markdown(f"**{name}** ({S.md_escape(p.generator)})")
                ui.text(p.text)
        st.button("Save edits", key="compose_save", on_click=_save_edits, type="primary", disabled=not who)
    elif isinstance(item, Quiz):
        def _qkey(i, field):
            return f"q::{iri}::{base}::{i}::{field}"

        def _apply_quiz(quiz):
            for i, q in enumerate(quiz.items):
                q.stem = st.session_state.get(_qkey(i, "stem"), q.stem)
                q.feedback = st.session_state.get(_qkey(i, "feedback"), q.feedback)
                for j, ch in enumerate(q.choices):
                    ch.text = st.session_state.get(_qkey(i, f"choice{j}"), ch.text)
                    ch.correct = st.session_state.get(_qkey(i, f"correct{j}"), ch.correct)
                if q.type not in ("multichoice", "multiresponse", "matching", "ordering"):
                    q.answer = st.session_state.get(_qkey(i, "answer"), q.answer)
            return quiz

        def _regen_item(i: int):
            quiz = _apply_quiz(repo.get(iri, version=st.session_state[base_key]))
            try:
                quiz.items[i] = regenerate_item(ready_builder(ws) or builder, quiz, i)
            except KGStudioError as e:
                st.session_state["compose_msg"] = ("error", str(e))
                return
            _save(quiz, f"item {i + 1} regenerated")

        def _save_quiz():
            _save(_apply_quiz(repo.get(iri, version=st.session_state[base_key])), "edited")

        for i, q in enumerate(item.items):
            with st.container(border=True):
                left, right = st.columns([3, 2])
                left.text_area(f"Item {i + 1} · {q.type} · stem", value=q.stem, key=_qkey(i, "stem"), height=80)
                for j, ch in enumerate(q.choices):
                    a, b = left.columns([5, 1])
                    a.text_input(f"Choice {j + 1}", value=ch.text, key=_qkey(i, f"choice{j}"))
                    b.checkbox("correct", value=ch.correct, key=_qkey(i, f"correct{j}"))
                if q.type not in ("multichoice", "multiresponse", "matching", "ordering"):
                    left.text_input("Answer", value=q.answer, key=_qkey(i, "answer"))
                left.text_input("Feedback", value=q.feedback, key=_qkey(i, "feedback"))
                left.button("Regenerate this item", key=f"regen_q_{i}", on_click=_regen_item, args=(i,),
                            disabled=builder is None)
                right.caption(f"from **{S.md_escape(q.generator)}** {S.md_escape(q.checkpoint)} · "
                              f"{q.bloom} · difficulty {q.difficulty:.2f}")
                right.caption(_triples_md(q.triples))
        st.button("Save edits", key="compose_save", on_click=_save_quiz, type="primary", disabled=not who)
    elif isinstance(item, Diagram):
        st.graphviz_chart(item.dot, width="stretch")
        alt_key = f"alt::{iri}::{base}"
        st.text_area("Text alternative (what screen readers say)", value=item.text_alternative,
                     key=alt_key, height=160)

        def _save_alt():
            d = repo.get(iri, version=st.session_state[base_key])
            d.text_alternative = st.session_state.get(alt_key, d.text_alternative)
            _save(d, "edited")
        st.button("Save edits", key="compose_save", on_click=_save_alt, type="primary", disabled=not who)
        st.caption(f"{len(item.nodes)} nodes, {len(item.edges)} edges, drawn from the graph by "
                   f"{S.md_escape(item.meta.generator)}")
    c_a, c_b = st.columns(2)
    if item.meta.state.value in ("draft", "changes_requested") and c_a.button("Send to review", key="compose_submit",
                                                                              disabled=not who):
        try:
            repo.submit(iri, by=who)
            st.session_state["compose_msg"] = ("ok", "Sent to review.")
        except KGStudioError as e:
            st.session_state["compose_msg"] = ("error", str(e))
        st.rerun()
    c_b.page_link("app_pages/review.py", label="Open the review queue")
if preview_tab.open:
    with preview_tab:
        if isinstance(item, Diagram):      # Markdown carries it as Mermaid, which st.markdown does not draw
            st.graphviz_chart(item.dot, width="stretch")
            ui.text(item.text_alternative)
        else:
            st.markdown(render(item, "markdown"))
