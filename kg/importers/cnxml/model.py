"""The book being imported: its modules, its concepts, the graph built so far and the counts
(``COUNT_KEYS``). The readers and emitters of the other modules fill a :class:`Book`."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree
from rdflib import Graph, Literal, URIRef

from kg.errors import ImportFailed
from kg.importers.base import Progress, check_regular
from kg.importers.cnxml.files import check_inside
from kg.importers.cnxml.markup import _QUESTION_KINDS, _local
from kg.importers.cnxml.matching import ConceptMatcher
from kg.importers.cnxml.text import _LINK_WORDS, Renderer
from kg.iris import mint


@dataclass
class _Module:
    id: str
    path: Path
    kind: str                 # preface | introduction | section | lab | appendix | resource
    chapter: int | None       # 1-based chapter number, None outside chapters
    position: int
    node: URIRef
    root: etree._Element | None = None
    title: str = ""


@dataclass
class _ConceptInfo:
    label: str
    first_definition: str | None = None
    definitions: list[str] = field(default_factory=list)
    defined_in: list[URIRef] = field(default_factory=list)
    first_used_in: URIRef | None = None
    source: str = ""          # "<module>#<element id>" of the preferred definition


COUNT_KEYS = (
    "chapters", "modules", "prefaces", "introductions", "sections", "labs", "appendices",
    "resources", "objectives", "objectives_without_bloom_level", "lab_outcomes",
    "glossary_definitions", "glossary_terms_casefolded", "concepts", "concepts_first_used",
    "inline_terms", "inline_terms_unmatched", "summaries", "formula_reviews", "math",
    "links_target_id", "links_document", "links_cross_module", "links_unresolved", "links_url",
    "items", "multiple_choice", "items_assessing_concepts",
    "embedded_exercises", "exercises_without_text", "code_blocks", "code_inline",
    "examples", "notes", "checkpoints", "theorems", "typed_resources",
    "inline_concepts", "concepts_with_definition", "sections_mentioning", "mentions",
    *(k + suffix for k in (*_QUESTION_KINDS.values(), "other_exercises", "worked_examples")
      for suffix in ("", "_with_solution")),
)
"""Keys of ``ImportResult.counts`` (always all present). Each question kind ``k`` has ``k``
(exercises) and ``k_with_solution`` (exercises with a ``<solution>`` element);
``worked_examples`` are counted but are not items."""


class Book:
    """One book while it is imported; see :mod:`kg.importers.cnxml` for the mapping."""

    title: str
    slug: str
    lang: str
    curriculum: URIRef

    def __init__(self, collection: Path, max_bytes: int, progress: Progress | None):
        self.collection = collection
        self.root = collection.parent.parent     # the book folder: nothing outside it is read
        self.modules_dir = self.root / "modules"
        check_inside(collection, self.root, what="the collection")
        check_regular(collection)
        self.max_bytes = max_bytes
        self.progress = progress
        self.g = Graph()
        self.counts: Counter[str] = Counter(dict.fromkeys(COUNT_KEYS, 0))
        self.concepts: dict[str, _ConceptInfo] = {}     # slug -> info, in first-definition order
        self.casefolded_terms: set[str] = set()
        self.modules: list[_Module] = []
        self.by_id: dict[str, _Module] = {}
        self.matcher: ConceptMatcher | None = None  # built once every concept is known
        self.link_label: Callable[[etree._Element], str] | None = None

    def lit(self, text: str) -> Literal:
        return Literal(text, lang=self.lang)

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def fail(self, message: str, el, **kw) -> ImportFailed:
        """An error about an element of the collection file."""
        return ImportFailed(message, path=self.collection, line=el.sourceline, **kw)

    def renderer(self, skip: Callable[[etree._Element], bool] | None = None) -> Renderer:
        return Renderer(skip, self.link_label, code_marks=True)

    def link_labels(self, mod: _Module) -> Callable[[etree._Element], str]:
        """Text for an empty ``<link/>`` of ``mod``: the title of the module it names, else
        the kind of element it points at ("Figure", "Table"), else nothing."""
        kinds = {el.get("id"): _local(el) for el in mod.root.iter() if isinstance(el.tag, str) and el.get("id")}

        def label(link) -> str:
            doc = (link.get("document") or "").strip()
            if doc and doc != mod.id and doc in self.by_id:
                return self.by_id[doc].title
            return _LINK_WORDS.get(kinds.get((link.get("target-id") or "").strip(), ""), "")
        return label

    def concept(self, key: str) -> URIRef:
        return mint(self.slug, "concept", self.concepts[key].label)
