"""Compose and Review support: one content builder per workspace kept warm for the whole
studio process, the scopes a person can pick, and regenerating one paragraph or one
quiz item of a saved item without touching the rest.

Why a warm builder: :meth:`generation.content.builder.Builder.open` loads the student or
templates, the teacher and the graph view (tens of seconds on 2 cores with MiniLM
embeddings); a lesson from a warm builder takes tens of milliseconds. The builder is a
snapshot of the graph, so it is rebuilt when the curriculum, the decisions or a model
change (:func:`graph_fingerprint`). It is loaded in a background job (the Compose page
shows its progress) and shared by every session, under a lock because builders keep
caches that are not thread-safe.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path

from generation.content.model import Paragraph
from kg.errors import KGStudioError
from kg.neighbourhood import _rows
from ontology.namespaces import CONTENT_GRAPH, INFERRED_GRAPH, REVIEWS_GRAPH, SUGGESTIONS_GRAPH
from studio.app_data import scopes as cached_scopes
from studio.app_jobs import get_job, start_job
from studio.app_state import shared_store, store_version

_IGNORED = {str(CONTENT_GRAPH), str(REVIEWS_GRAPH), str(SUGGESTIONS_GRAPH), str(INFERRED_GRAPH)}
_builders: dict[Path, tuple[tuple, object]] = {}
_lock = threading.Lock()
#: held while a builder generates (builders cache per-view state)
build_lock = threading.RLock()


_fp_cache: dict[Path, tuple[object, tuple]] = {}
#: seconds a fingerprint is reused on a store without a version (a remote endpoint): every
#: page run checks it, and the per-graph count is not free on a large store
FINGERPRINT_TTL_S = 3.0


def graph_fingerprint(ws) -> tuple:
    """What a warm builder depends on: the triple count of every graph that is not
    generated content, reviews or suggestions, and the model files' times. The counts
    are taken again only when the shared store's version changes (a write)."""
    version = store_version(shared_store(ws))
    stamp = ("v", version) if version is not None else ("t", time.monotonic() // FINGERPRINT_TTL_S)
    got = _fp_cache.get(ws.root)
    if got is None or got[0] != stamp:
        got = (stamp, _graph_counts(ws))
        _fp_cache[ws.root] = got
    files = tuple(p.stat().st_mtime if p.exists() else 0.0
                  for p in (Path(ws.models_dir) / "teacher" / "teacher.pt", Path(ws.models_dir) / "student"))
    return got[1] + files


def _graph_counts(ws) -> tuple:
    store = shared_store(ws)
    return tuple(sorted((g, int(float(n))) for g, n in _rows(
        store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g") if g not in _IGNORED))


def ready_builder(ws):
    """The warm builder when it is loaded and still fits the graph, else None."""
    got = _builders.get(ws.root)
    if got is not None and got[0] == graph_fingerprint(ws):
        return got[1]
    return None


def warm_builder(ws):
    """Start loading the builder in the background unless it is ready or loading; returns
    the loading job (None when ready)."""
    if ready_builder(ws) is not None:
        return None
    job = get_job(ws.root, "builder")
    if job is not None and job.running:
        return job

    def load(job):
        from generation.content.builder import Builder   # the teacher, MiniLM: not before first paint
        fp = graph_fingerprint(ws)
        job.report(0.1, "loading the text generator, the teacher and the graph")
        b = Builder.open(ws, similarity_kind=ws.settings.get("studio.similarity") or "teacher",
                         log=lambda m: job.report(None, m))
        job.report(0.9, "reading the graph")
        b.view  # noqa: B018 - loaded now, not on the first click
        with _lock:
            old = _builders.get(ws.root)
            _builders[ws.root] = (fp, b)
        if old is not None:
            old[1].close()
        return {"generator": b.generator.name}
    return start_job(ws.root, "builder", load)


def builder_now(ws, timeout: float = 120.0):
    """The warm builder, loading it first (blocking) when needed: for benchmarks and CLI-like callers."""
    b = ready_builder(ws)
    if b is not None:
        return b
    job = warm_builder(ws)
    if job is not None:
        job.wait(timeout)
        if job.state == "failed":
            raise KGStudioError(f"the generator did not load: {job.error}")
    b = ready_builder(ws)
    if b is None:
        raise KGStudioError("the generator is still loading; try again in a moment")
    return b


# ---- scopes -------------------------------------------------------------------------
def scopes(ws) -> dict[str, list[tuple[str, str]]]:
    """{"concept"|"section"|"chapter": [(iri, label)]} sorted by label (chapters and
    sections in reading order when positions exist); read once per store version
    (:mod:`studio.app_data`, which reads them with its ``scopes_of``), not on every run of
    Compose or Export."""
    return cached_scopes(ws)


# ---- regenerating parts ----------------------------------------------------------------
def regenerate_paragraph(b, lesson, index: int):
    """A new text for ``lesson.paragraphs[index]`` from the generator, the rest unchanged.
    Curriculum text (summaries, worked examples taken from the book) cannot be
    regenerated: edit it instead."""
    p = lesson.paragraphs[index]
    focus = [c for c in p.concepts if c in lesson.focus] or list(lesson.focus)
    if p.generator == "curriculum" or not focus:
        raise KGStudioError("this paragraph is the curriculum's own text: edit it instead of regenerating")
    with build_lock:
        if p.kind == "prerequisite":
            step = next((s for s in lesson.prerequisites if s.concept in p.concepts), None)
            if step is None:
                raise KGStudioError("the prerequisite this paragraph recaps is no longer in the lesson's path; "
                                    "regenerate the whole lesson")
            target = next((t for t in step.needed_by if t in lesson.focus), focus[0])
            gen = b.generate(step.concept, "prerequisite", {"target": target})
        elif p.kind in ("explanation", "definition"):
            gen = b.generate(focus[0], p.kind)
        else:
            raise KGStudioError(f"a {p.kind} paragraph is rebuilt with the whole lesson: regenerate the lesson")
    return Paragraph(text=gen.text, kind=p.kind, generator=gen.generator, checkpoint=gen.checkpoint,
                     triples=list(gen.triples), concepts=list(gen.concepts), source=p.source)


def regenerate_item(b, quiz, index: int):
    """A new quiz item in place of ``quiz.items[index]`` on the same concept: the same item
    type when the builder has another one to offer, else the next learner type that differs
    (a curriculum-order item is offered only in place of another one)."""
    # generation.content.quiz takes most of a second to import: only when an item is regenerated
    from generation.content.quiz import CONCEPT_MAP_TYPES, LEARNER_TYPES, QuizConfig, build_quiz
    old = quiz.items[index]
    concept = old.concept or (old.concepts[0] if old.concepts else "")
    if not concept:
        raise KGStudioError("this item names no concept to write a new one about; edit it instead")
    others = {i.stem for k, i in enumerate(quiz.items) if k != index} | {old.stem}
    pool = LEARNER_TYPES + (CONCEPT_MAP_TYPES if old.type in CONCEPT_MAP_TYPES else ())
    types = ([old.type] if old.type in pool else []) + [t for t in pool if t != old.type]
    with build_lock:
        for t in types:
            try:
                new = build_quiz(b, concept, QuizConfig(n=1, types=(t,)))
            except KGStudioError:
                continue
            for item in new.items:
                if item.stem not in others:
                    item.iri = old.iri
                    return item
    raise KGStudioError("the generator has no other item for this concept; edit this one instead")
