"""Typed resources and embedded exercises.

Examples, checkpoints, theorems and the other content notes → ``kgs:Resource`` with a
``kgs:resourceKind``; ``<link class="os-embed" url="#exercise/<id>">`` → ``kgs:ExternalItem``
(an exercise whose content lives in an exercise bank, never an assessment item)."""
from __future__ import annotations

import re
from collections import Counter

from rdflib import Literal

from kg.importers.cnxml.markup import C, _QUESTION_KINDS, _classes, _in_excluded, _local, _squash
from kg.importers.cnxml.model import Book, _Module
from kg.importers.cnxml.text import Renderer
from kg.iris import mint
from ontology.namespaces import KGS, RDF, RDFS, SDO


_RESOURCE_KINDS = ("example", "note", "checkpoint", "theorem")
"""Typed resources (``kgs:resourceKind``): ``<example>``, ``<note class="checkpoint">``,
``<note class="theorem">`` (also "lemma", "corollary", "definition"-like math notes stay
"theorem" only when so classed) and every other ``<note>`` with content."""
_NOT_RESOURCE_NOTES = {"chapter-objectives", "lab"} | (set(_QUESTION_KINDS) - {"checkpoint"})


_RESOURCE_COUNTS = {"example": "examples", "note": "notes", "checkpoint": "checkpoints", "theorem": "theorems"}
_THEOREM_CLASSES = {"theorem", "lemma", "corollary", "proposition", "rule", "law"}


def _resource_kind(el) -> str | None:
    """The typed-resource kind of an ``<example>`` or ``<note>``, None for notes that are
    something else (questions, objectives, a lab)."""
    if _local(el) == "example":
        return "example"
    classes = {c.lower() for c in _classes(el)}
    if "checkpoint" in classes:
        return "checkpoint"
    if classes & _NOT_RESOURCE_NOTES:
        return None
    if classes & _THEOREM_CLASSES:
        return "theorem"
    return "note"


def _embedded_exercise(link) -> str | None:
    """The exercise id of an ``os-embed`` link to an exercise bank (``#exercise/<id>``)."""
    if "os-embed" not in _classes(link):
        return None
    url = (link.get("url") or "").strip()
    m = re.match(r"#?exercise/(.+)$", url)
    return m.group(1).strip() if m and m.group(1).strip() else None


def emit_embedded(book: Book, mod: _Module, content) -> None:
    """``<link class="os-embed" url="#exercise/…">``: an exercise whose content lives in an
    exercise bank, not in the book. A ``kgs:ExternalItem`` (never an assessment item)
    ``kgs:partOf`` its module, ``kgs:sourceId`` the URL."""
    position = 0
    for link in content.iter(C + "link"):
        ext = _embedded_exercise(link)
        if ext is None:
            continue
        position += 1
        book.counts["embedded_exercises"] += 1
        node = mint(book.slug, "external", ext)
        book.add(node, RDF.type, KGS.ExternalItem)
        book.add(node, RDFS.label, book.lit(f"Embedded exercise {ext} (content not in the source)"))
        book.add(node, KGS.partOf, mod.node)
        book.add(node, KGS.position, Literal(position))
        book.add(node, KGS.sourceId, Literal((link.get("url") or "").strip()))


def emit_resources(book: Book, mod: _Module, content) -> None:
    """Examples, notes, checkpoints and theorems as typed resources of their module."""
    position = 0
    per_kind: Counter[str] = Counter()
    used: set[str] = set()
    for el in content.iter(C + "example", C + "note"):
        kind = _resource_kind(el)
        if kind is None or _in_excluded(el, self_too=False):
            continue
        per_kind[kind] += 1
        local = (el.get("id") or "").strip()
        if not local or local in used:
            local = f"{kind}{per_kind[kind]}"
        used.add(local)
        text = book.renderer(lambda e: _local(e) == "solution" or (_local(e) == "title" and e.getparent() is el)
                             ).text(el)
        solutions = "\n\n".join(t for t in (book.renderer().text(x) for x in el.iter(C + "solution")) if t)
        if not text and not solutions:
            continue
        position += 1
        book.counts[_RESOURCE_COUNTS[kind]] += 1
        book.counts["typed_resources"] += 1
        node = mint(book.slug, "resource", f"{mod.id}-{local}")
        title_el = el.find(C + "title")
        if title_el is None:
            title_el = el.find(f"{C}exercise/{C}problem/{C}title")  # a worked example's title
        title = _squash(Renderer().inline(title_el)) if title_el is not None else ""
        book.add(node, RDF.type, KGS.Resource)
        book.add(node, RDF.type, SDO.LearningResource)
        book.add(node, KGS.resourceKind, Literal(kind))
        book.add(node, RDFS.label, book.lit(f"{kind.capitalize()}: {title}" if title
                                            else f"{kind.capitalize()} {per_kind[kind]} of {mod.title}"))
        book.add(node, KGS.partOf, mod.node)
        book.add(node, KGS.position, Literal(position))
        book.add(node, KGS.sourceId, Literal(f"{mod.id}-{local}"))
        if text:
            book.add(node, KGS.text, book.lit(text))
        if solutions:
            book.add(node, KGS.solution, book.lit(solutions))
        for token in sorted(_classes(el)):
            book.add(node, KGS.keyword, Literal(token))
        for key in sorted(book.matcher.find(f"{text}\n{solutions}")):
            book.add(node, KGS.mentions, book.concept(key))
