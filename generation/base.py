"""What every text generator returns, and the one call content builders make.

Content builders (lessons, quizzes: ``generation.content``) never know which generator
wrote a paragraph: they call :func:`Generator.generate` and keep the returned
:class:`Generation`, whose provenance (the input triples and the generator's id) is what
the KG stores with the paragraph under PROV-O. Two generators implement the protocol:

* the distilled student (``generation.student``), when the workspace has a checkpoint;
* the template realiser (``generation.template``), a jinja2 rendering of the same
  triples: the baseline of the generation benchmark and the fallback before any student
  is trained.

:func:`generation.generators.default_generator` picks the student when one is trained,
else the templates; this module imports neither implementation.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Protocol, runtime_checkable

#: The tasks a generator can be asked for (the student's task prefixes).
TASKS = ("definition", "explanation", "prerequisite", "question", "feedback")


@dataclass(frozen=True)
class Triple:
    """One input fact, as IRIs/literals in N-Triples-free form (subject, predicate, object)."""

    s: str
    p: str
    o: str


@dataclass
class Generation:
    """A generated text and where it came from.

    ``triples`` are the facts the generator was given (its whole input, not only those it
    used); ``generator`` names the generator kind (``student`` or ``template``) and
    ``checkpoint`` identifies the exact model or template set (a sha256 prefix or a
    template name). ``scores`` carries whatever the generator measured (sequence log-prob,
    the auxiliary head's prerequisite scores, ...). ``concepts`` are the IRIs of the
    concepts the text names, which grounded decoding guarantees are all in the input.
    """

    text: str
    task: str
    focus: str                                   # IRI of the concept (or node) written about
    triples: list[Triple] = field(default_factory=list)
    generator: str = "template"
    checkpoint: str = ""
    concepts: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)    # task-specific parts, e.g. {"answer": ...}

    def to_dict(self) -> dict:
        return asdict(self)


class UnknownTask(ValueError):
    """A task name that is not one of :data:`TASKS`."""


@runtime_checkable
class Generator(Protocol):
    """Anything that writes text about a node of the workspace's graph."""

    name: str         # "student" or "template"
    checkpoint: str   # id of the model/template set, stored as provenance

    def generate(self, focus: str, task: str, *, context: dict | None = None) -> Generation:
        """Write ``task`` text about the node ``focus`` (an IRI).

        ``context`` carries task inputs beyond the focus: ``{"target": IRI}`` for
        ``prerequisite`` (how ``focus`` leads to target), ``{"wrong": text}`` for
        ``feedback``. Raises :class:`UnknownTask` for a task outside :data:`TASKS` and
        ``kg.neighbourhood.NodeNotFound`` for an IRI the graph does not have.
        """
        ...


def check_task(task: str) -> str:
    if task not in TASKS:
        raise UnknownTask(f"unknown task {task!r}: choose one of {', '.join(TASKS)}")
    return task
