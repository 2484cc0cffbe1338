"""The data model of generated content: lessons, quizzes, diagrams and learning paths.

Every content item is a plain dataclass that round-trips through JSON (``to_dict`` /
``from_dict``); :mod:`generation.content.repository` stores it as RDF in the content graph
with PROV-O, and the exporters (``generation.export``) and the studio read these classes,
never the RDF. Each piece of text knows where it came from: a :class:`Paragraph` or a
:class:`QuizItem` carries the triples it was generated from (``generation.base.Triple``),
the generator (``student``, ``template`` or ``curriculum`` for text copied from the
source) and the checkpoint / template id, which the repository writes as PROV-O.

Review states follow the issue: a generated item starts as a ``draft``; ``approve``,
``reject`` and ``request_changes`` move it (:data:`TRANSITIONS`). Each save is a new
version (1, 2, ...) with its author and time in :class:`ItemMeta`.

>>> item = QuizItem(type="truefalse", stem="A loop repeats.", answer="true", concept="urn:c")
>>> QuizItem.from_dict(item.to_dict()) == item
True
>>> ItemState("in_review").can_become(ItemState.APPROVED)
True
"""
from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any, ClassVar

from generation.base import Triple

__all__ = ["ItemState", "TRANSITIONS", "ITEM_TYPES", "BLOOM_LEVELS", "DIAGRAM_KINDS", "CLOZE_BLANK",
           "ItemMeta", "Citation", "ItemEvidence", "Paragraph", "Objective", "PathStep", "Choice", "QuizItem", "Lesson", "Quiz",
           "Diagram", "LearningPath", "KINDS", "item_from_dict", "now_iso"]

#: Quiz item types (``QuizItem.type``). ``essay`` holds the curriculum's free-response
#: questions (a model answer, graded by a person).
ITEM_TYPES = ("multichoice", "multiresponse", "truefalse", "matching", "shortanswer", "cloze",
              "ordering", "essay")

#: Bloom's revised taxonomy, lowest first (local names of ``ontology.namespaces.BLOOM``).
BLOOM_LEVELS = ("remember", "understand", "apply", "analyze", "evaluate", "create")

#: Diagram kinds (``Diagram.kind``).
DIAGRAM_KINDS = ("concept_map", "prerequisites", "learning_path", "course_structure")

#: The gap in a cloze stem; ``QuizItem.answers`` lists what fills it.
CLOZE_BLANK = "_____"


def now_iso(precise: bool = False) -> str:
    """UTC time as ISO 8601 with seconds (``precise``: microseconds) and a ``Z`` (what the
    repository stores as xsd:dateTime and reads back unchanged)."""
    now = datetime.now(timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if precise else "%Y-%m-%dT%H:%M:%SZ")


class ItemState(str, Enum):
    """Review state of a content item."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"

    def can_become(self, other: "ItemState") -> bool:
        return other in TRANSITIONS[self]


#: Allowed review transitions. Saving a new version of an approved or rejected item puts it
#: back to draft (the repository does that), so every state can be reached again.
TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    ItemState.DRAFT: frozenset({ItemState.IN_REVIEW, ItemState.APPROVED, ItemState.REJECTED,
                                ItemState.CHANGES_REQUESTED}),
    ItemState.IN_REVIEW: frozenset({ItemState.APPROVED, ItemState.REJECTED, ItemState.CHANGES_REQUESTED}),
    ItemState.CHANGES_REQUESTED: frozenset({ItemState.IN_REVIEW, ItemState.APPROVED, ItemState.REJECTED}),
    ItemState.APPROVED: frozenset({ItemState.REJECTED, ItemState.CHANGES_REQUESTED}),
    ItemState.REJECTED: frozenset({ItemState.APPROVED, ItemState.CHANGES_REQUESTED}),
}


def _triples(raw) -> list[Triple]:
    return [t if isinstance(t, Triple) else Triple(**t) if isinstance(t, dict) else Triple(*t)
            for t in raw or ()]


class _Serial:
    """``to_dict``/``from_dict`` for the dataclasses below (nested ones included)."""

    _nested: ClassVar[dict[str, Any]] = {}      # field -> class (or [class] for lists)

    def to_dict(self) -> dict:
        out = asdict(self)
        for k, v in out.items():
            if isinstance(v, Enum):
                out[k] = v.value
        if "meta" in out and isinstance(out["meta"], dict):
            out["meta"]["state"] = ItemState(out["meta"]["state"]).value
        return out

    @classmethod
    def from_dict(cls, data: dict):
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {}
        for k, v in data.items():
            if k not in names:
                continue
            spec = cls._nested.get(k)
            if k == "triples":
                v = _triples(v)
            elif spec is Triple:
                v = _triples(v)
            elif isinstance(spec, list):
                v = [spec[0].from_dict(x) if isinstance(x, dict) else x for x in v or ()]
            elif spec is not None and isinstance(v, dict):
                v = spec.from_dict(v)
            elif k in ("pairs",):
                v = [tuple(p) for p in v or ()]
            kw[k] = v
        return cls(**kw)


@dataclass
class ItemMeta(_Serial):
    """Version, state and provenance of one saved version of a content item."""

    version: int = 0                 # 0 = never saved; the repository numbers saves 1, 2, ...
    state: ItemState = ItemState.DRAFT
    author: str = ""                 # who saved this version ("kgstudio" for generation)
    created_at: str = ""             # ISO 8601 UTC time of this version
    generator: str = ""              # generator kind of most of the text: student|template|curriculum
    checkpoint: str = ""             # model checkpoint id or template-set id
    template: str = ""               # jinja2 template that renders / assembled the item
    comment: str = ""                # note of the save (or of the last review)
    build_s: float = 0.0             # seconds it took to build (generation included)

    @classmethod
    def from_dict(cls, data: dict) -> "ItemMeta":
        data = dict(data)
        data["state"] = ItemState(data.get("state", "draft"))
        return cls(**{k: v for k, v in data.items() if k in {f.name for f in dataclasses.fields(cls)}})


@dataclass(frozen=True)
class Citation(_Serial):
    """Where quoted curriculum text is: a section (or resource) and a paragraph in it."""

    section: str                     # IRI of the section/resource ("" when none)
    section_label: str = ""
    paragraph: str = ""              # paragraph id within the section ("p3" or the source's id)


@dataclass(frozen=True)
class ItemEvidence(_Serial):
    """What a quiz item's key rests on: a sentence of the text (or the concept's definition in
    the graph, paragraph "definition"; a listing's output, paragraph "code"), and where it is."""

    text: str
    section: str = ""                # IRI of the section/resource ("" when none)
    section_label: str = ""
    paragraph: str = ""              # paragraph id within the section ("p3", the source's id,
                                     # "glossary", "definition" for the graph's definition)
    concept: str = ""                # IRI of the concept it is about


@dataclass
class Paragraph(_Serial):
    """One piece of lesson text and where it came from."""

    _nested: ClassVar[dict[str, Any]] = {"citations": [Citation]}

    text: str
    kind: str = "explanation"        # definition|explanation|prerequisite|example|contrast|summary|objective
    generator: str = "template"      # student|extractive (quoted evidence)|template|curriculum (copied)
    checkpoint: str = ""             # model checkpoint / template id that wrote it
    triples: list[Triple] = field(default_factory=list)  # the facts it was generated from
    concepts: list[str] = field(default_factory=list)    # IRIs of the concepts it names
    source: str = ""                 # IRI of the node the text was copied from (curriculum text)
    citations: list[Citation] = field(default_factory=list)  # where quoted text is (extractive)
    why: str = ""                    # why this generator wrote it (e.g. the gate's reasons)


@dataclass
class Objective(_Serial):
    """A learning objective with its Bloom level."""

    text: str
    bloom: str = "understand"        # one of BLOOM_LEVELS
    iri: str = ""                    # the curriculum's objective node, "" when generated
    concepts: list[str] = field(default_factory=list)    # concepts it is about


@dataclass
class PathStep(_Serial):
    """One concept of a teaching order and why it is there."""

    concept: str                     # IRI
    label: str
    reason: str                      # e.g. "needed by Loop (direct prerequisite)"
    needed_by: list[str] = field(default_factory=list)   # IRIs of later steps that require it
    known: bool = False              # already known by the learner (shown, not taught)


@dataclass
class Choice(_Serial):
    """One option of a choice item."""

    text: str
    correct: bool = False
    feedback: str = ""               # shown when this option is picked
    concept: str = ""                # IRI of the concept the option stands for (distractors)


@dataclass
class QuizItem(_Serial):
    """One question, aligned to a concept and (where known) a learning objective.

    Per type: ``multichoice``/``multiresponse`` use ``choices`` (one / at least one
    ``correct``); ``truefalse`` has ``answer`` "true" or "false"; ``matching`` has ``pairs``
    (prompt, answer) — each prompt's answer is its own pair's; ``shortanswer`` and ``cloze``
    have ``answers`` (accepted responses; a cloze stem holds :data:`CLOZE_BLANK` once);
    ``ordering`` has ``order`` (texts in the correct order); ``essay`` has a model ``answer``.
    ``answer`` always holds the key as readable text.
    """

    _nested: ClassVar[dict[str, Any]] = {"choices": [Choice], "evidence": [ItemEvidence]}

    type: str                        # one of ITEM_TYPES
    stem: str
    choices: list[Choice] = field(default_factory=list)
    answer: str = ""                 # answer key as text (model answer for essays)
    answers: list[str] = field(default_factory=list)     # accepted answers (shortanswer, cloze)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # matching: (term, definition)
    order: list[str] = field(default_factory=list)       # ordering: correct sequence
    feedback: str = ""               # general feedback (after any answer)
    concept: str = ""                # IRI of the concept assessed
    concepts: list[str] = field(default_factory=list)    # every concept the item involves
    objective: str = ""              # IRI of the aligned learning objective ("" if none)
    objective_text: str = ""
    bloom: str = "remember"          # one of BLOOM_LEVELS
    difficulty: float = 0.5          # estimate in [0, 1] (0 easy)
    source: str = "generated"        # generated|curriculum
    source_item: str = ""            # IRI of the curriculum's item (source == curriculum)
    iri: str = ""                    # set by the quiz builder / repository
    generator: str = "template"      # who wrote stem and feedback
    checkpoint: str = ""
    triples: list[Triple] = field(default_factory=list)  # facts the item (and its key) rests on
    evidence: list[ItemEvidence] = field(default_factory=list)  # cited sentences the key rests on
    verification: str = ""           # how the key was checked (generated items)
    part: str = ""                   # a shaped section quiz: "prior" (a prerequisite, taught
                                     # elsewhere, checked first) or "exit" (the section itself)

    def correct_choices(self) -> list[Choice]:
        return [c for c in self.choices if c.correct]


@dataclass
class Lesson(_Serial):
    """A lesson on one concept or one section."""

    kind: ClassVar[str] = "lesson"
    _nested: ClassVar[dict[str, Any]] = {
        "objectives": [Objective], "prerequisites": [PathStep], "paragraphs": [Paragraph],
        "worked_example": Paragraph, "summary": Paragraph, "check_questions": [QuizItem],
        "meta": ItemMeta}

    iri: str                          # the item's IRI (stable per scope: see repository.item_iri)
    title: str
    scope: str                        # IRI of the concept or section the lesson is for
    scope_kind: str = "concept"       # concept|section
    focus: list[str] = field(default_factory=list)       # concepts taught, in teaching order
    language: str = "en"
    objectives: list[Objective] = field(default_factory=list)
    prerequisites: list[PathStep] = field(default_factory=list)  # recap, teaching order
    paragraphs: list[Paragraph] = field(default_factory=list)    # the explanation
    worked_example: Paragraph | None = None
    summary: Paragraph | None = None
    check_questions: list[QuizItem] = field(default_factory=list)
    meta: ItemMeta = field(default_factory=ItemMeta)

    def all_paragraphs(self) -> list[Paragraph]:
        """Explanation, worked example and summary, in reading order."""
        out = list(self.paragraphs)
        if self.worked_example:
            out.append(self.worked_example)
        if self.summary:
            out.append(self.summary)
        return out


@dataclass
class Quiz(_Serial):
    """A quiz on a concept, section or chapter."""

    kind: ClassVar[str] = "quiz"
    _nested: ClassVar[dict[str, Any]] = {"items": [QuizItem], "meta": ItemMeta}

    iri: str
    title: str
    scope: str                        # IRI of the concept, section or chapter
    scope_kind: str = "concept"       # concept|section|chapter
    items: list[QuizItem] = field(default_factory=list)
    rejected_ambiguous: int = 0       # candidate items dropped because the graph allows 2 keys
    rejected_reasons: list[str] = field(default_factory=list)  # one line per dropped item
    language: str = "en"
    meta: ItemMeta = field(default_factory=ItemMeta)


@dataclass
class Diagram(_Serial):
    """A diagram as DOT, Mermaid, SVG and a text alternative for screen readers."""

    kind: ClassVar[str] = "diagram"
    _nested: ClassVar[dict[str, Any]] = {"meta": ItemMeta}

    iri: str
    title: str
    diagram_kind: str                 # one of DIAGRAM_KINDS
    scope: str                        # IRI of the centre / target / curriculum
    dot: str = ""
    mermaid: str = ""
    svg: str = ""                     # "" when Graphviz `dot` is not installed
    text_alternative: str = ""        # the same content as ordered plain text
    nodes: list[tuple[str, str]] = field(default_factory=list)      # (IRI, label)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (source, relation, target)
    meta: ItemMeta = field(default_factory=ItemMeta)

    @classmethod
    def from_dict(cls, data: dict) -> "Diagram":
        d = super().from_dict(data)
        d.nodes = [tuple(n) for n in d.nodes]
        d.edges = [tuple(e) for e in d.edges]
        return d


@dataclass
class LearningPath(_Serial):
    """The shortest teaching order from what a learner knows to a target concept."""

    kind: ClassVar[str] = "path"
    _nested: ClassVar[dict[str, Any]] = {"steps": [PathStep], "meta": ItemMeta}

    iri: str
    target: str                       # IRI
    title: str = ""
    known: list[str] = field(default_factory=list)      # IRIs the learner already knows
    steps: list[PathStep] = field(default_factory=list)  # to learn, in order; target last
    meta: ItemMeta = field(default_factory=ItemMeta)


#: Content item classes by their ``kind``.
KINDS: dict[str, type] = {"lesson": Lesson, "quiz": Quiz, "diagram": Diagram, "path": LearningPath}


def item_from_dict(kind: str, data: dict):
    """Rebuild a content item of ``kind`` (lesson|quiz|diagram|path) from ``to_dict()``."""
    return KINDS[kind].from_dict(data)
