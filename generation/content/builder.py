"""What every content builder shares for one store: the graph view, the text generator
and the concept similarity used for distractors.

:meth:`Builder.open` is the front door for a workspace. It loads the student and the
teacher first (both open the workspace store themselves to check the graph they were
trained on) and only then opens the store for the builders, so the embedded store is
never opened twice by one process.

Text comes from :func:`generation.generators.default_generator` semantics: the student when the
workspace has a trained one, else the template realiser on the same graph view. A task the
student fails on (it raises, or writes something :func:`unusable` rejects: fewer than
:data:`MIN_WORDS` words, a blank to fill, or nothing beyond the names of its focus and target) is
written by the templates instead, and the paragraph says so in its provenance.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from generation.base import Generation, Generator
from generation.content.graph import GraphView
from generation.content.similarity import Similarity, load_teacher, similarity_for
from generation.gate import content_words
from generation.generators import default_generator
from generation.template import TemplateGenerator
from kg.errors import KGStudioError
from kg.neighbourhood import NodeNotFound

__all__ = ["Builder", "student_available", "MIN_WORDS", "unusable"]

#: A generated text shorter than this (in words) is replaced by the templates' text.
MIN_WORDS = 3
#: ... and so is one with fewer distinct content words than this besides the focus's name.
MIN_CONTENT_WORDS = 2


def unusable(text: str, *names: str) -> str | None:
    """Why a generated text cannot stand as a paragraph, or None when it can.

    ``names``: the names the request gave (the focus, and the target of a prerequisite
    text): words of theirs say nothing new.

    An under-trained student writes empty or circular sentences; a lesson is better served
    by the templates' plain statement of the graph than by these.

    >>> unusable("The cataplexy is the cataplexy.", "cataplexy")
    'says nothing beyond the names it was given'
    >>> unusable("An agonist is a ___.", "agonist")
    'has a blank to fill'
    >>> unusable("A while loop is the assignment.", "assignment", "while loop")
    'says nothing beyond the names it was given'
    >>> unusable("A loop repeats a block while a condition holds.", "loop") is None
    True
    """
    if len(text.split()) < MIN_WORDS:
        return f"is under {MIN_WORDS} words"
    if "___" in text:
        return "has a blank to fill"
    if len(content_words(text, names)) < MIN_CONTENT_WORDS:
        return "says nothing beyond the names it was given"
    return None


def student_available(workspace) -> bool:
    """True when the workspace has a trained student checkpoint."""
    if workspace is None:
        return False
    # models/student/student.pt (generation.student.api.student_checkpoint_path), checked
    # without importing the student package: it imports torch and transformers (seconds).
    return (Path(workspace.models_dir) / "student" / "student.pt").exists()


class Builder:
    """Shared state of the lesson, quiz, diagram and path builders.

    Args:
        store: the store to read (and, through :class:`~generation.content.repository.Repository`,
            to save into).
        workspace: the workspace (settings, models); optional for a bare store.
        generator: the text generator (default: the templates on this builder's view).
        similarity: how distractors are ranked; default: ``similarity_kind``.
        similarity_kind: ``teacher`` (teacher if given, else MiniLM), ``text`` or ``lexical``.
        teacher: a loaded ``gnn.infer.Teacher`` to rank distractors with.
        log: where notes go (a degraded similarity, a student failure).
    """

    def __init__(self, store, *, workspace=None, generator: Generator | None = None,
                 similarity: Similarity | None = None, similarity_kind: str = "teacher",
                 teacher=None, log: Callable[[str], None] | None = None):
        self.store = store
        self.workspace = workspace
        self.view = GraphView(store)
        self.templates = TemplateGenerator(self.view)
        self.generator: Generator = generator or self.templates
        self._similarity = similarity
        self._similarity_kind = similarity_kind
        self._teacher = teacher
        self.log = log or (lambda msg: None)
        self._own_store = False

    @classmethod
    def open(cls, workspace, *, similarity_kind: str = "teacher", use_student: bool = True,
             log: Callable[[str], None] | None = None) -> "Builder":
        """A builder on the workspace's store (close it, or use it as a context manager)."""
        generator = None
        if use_student and student_available(workspace):
            try:
                generator = default_generator(workspace)
            except KGStudioError as e:
                (log or print)(f"student not used: {e}")
        teacher = load_teacher(workspace, log=log) if similarity_kind == "teacher" else None
        b = cls(workspace.open_store(), workspace=workspace, generator=generator,
                similarity_kind=similarity_kind, teacher=teacher, log=log)
        b._own_store = True
        return b

    def close(self) -> None:
        if self._own_store:
            self.store.close()
            self._own_store = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def similarity(self) -> Similarity:
        if self._similarity is None:
            self._similarity = similarity_for(self.view, self.workspace, prefer=self._similarity_kind,
                                              teacher=self._teacher, log=self.log)
        return self._similarity

    def generate(self, focus: str, task: str, context: dict | None = None) -> Generation:
        """Text from the generator; the templates step in when a student call fails."""
        if self.generator is self.templates:
            return self.templates.generate(focus, task, context=context)
        try:
            gen = self.generator.generate(focus, task, context=context)
        except NodeNotFound:
            raise
        except Exception as e:  # noqa: BLE001 - the student failing must not lose the lesson
            self.log(f"student failed on {task} of <{focus}> ({e}); templates used instead")
            return self.templates.generate(focus, task, context=context)
        why = unusable(gen.text, *self._names(focus, context))
        if why:
            # an empty, clipped or circular output (an under-trained student) is not a paragraph
            self.log(f"student wrote {gen.text!r} for {task} of <{focus}>, which {why}; "
                     "templates used instead")
            return self.templates.generate(focus, task, context=context)
        return gen

    def _names(self, focus: str, context: dict | None) -> list[str]:
        """The names of the request's focus and prerequisite target (when concepts)."""
        out = []
        for iri in (focus, (context or {}).get("target")):
            info = self.view.concepts.get(iri) if iri else None
            if info is not None:
                out.append(info.label)
        return out

    def generate_many(self, requests: list[tuple[str, str, dict | None]]) -> list[Generation]:
        """Several ``(focus, task, context)`` requests: one batched model call when the
        generator has ``generate_batch`` (the student), else one call each. Outputs that
        fail (or that :func:`unusable` rejects) are written by the templates."""
        if not requests:
            return []
        batch = getattr(self.generator, "generate_batch", None)
        if self.generator is self.templates or batch is None:
            return [self.generate(f, t, c) for f, t, c in requests]
        try:
            out = list(batch(list(requests)))
        except NodeNotFound:
            raise
        except Exception as e:  # noqa: BLE001 - fall back request by request
            self.log(f"batched generation failed ({e}); one call per request instead")
            return [self.generate(f, t, c) for f, t, c in requests]
        for i, ((f, t, c), gen) in enumerate(zip(requests, out)):
            why = unusable(gen.text, *self._names(f, c))
            if why:
                self.log(f"student wrote {gen.text!r} for {t} of <{f}>, which {why}; "
                         "templates used instead")
                out[i] = self.templates.generate(f, t, context=c)
        return out

    @property
    def has_student(self) -> bool:
        """True when the generator is not the templates (a trained student, or a stand-in)."""
        return self.generator is not self.templates

    def drafts(self, requests: list[tuple[str, str, dict | None]]) -> list[tuple[Generation | None, str]]:
        """The student's own outputs for ``requests``, unchecked, as ``(generation, "")``;
        ``(None, why)`` where there is no student or it failed. One batched call when the
        generator has ``generate_batch``. The lesson builder puts them through the quality
        gate (:mod:`generation.gate`) and falls back to cited evidence, then the templates."""
        if not requests:
            return []
        if not self.has_student:
            return [(None, "no student trained")] * len(requests)
        batch = getattr(self.generator, "generate_batch", None)
        if batch is not None:
            try:
                return [(g, "") for g in batch(list(requests))]
            except NodeNotFound:
                raise
            except Exception as e:  # noqa: BLE001 - fall back request by request
                self.log(f"batched generation failed ({e}); one call per request instead")
        out: list[tuple[Generation | None, str]] = []
        for f, t, c in requests:
            try:
                out.append((self.generator.generate(f, t, context=c), ""))
            except NodeNotFound:
                raise
            except Exception as e:  # noqa: BLE001 - the student failing must not lose the lesson
                self.log(f"student failed on {t} of <{f}> ({e})")
                out.append((None, f"student failed ({type(e).__name__})"))
        return out

    @staticmethod
    def clock() -> float:
        return time.perf_counter()
