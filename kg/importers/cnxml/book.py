"""Building the graph of one book: read the collection and the modules, then emit each
module (text, summary, objectives, mentions, code counts, embedded exercises, typed
resources, links, assessment items) and last the concepts. See :mod:`kg.importers.cnxml`
for what becomes what."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from lxml import etree
from rdflib import Literal, URIRef

from kg.importers.base import Progress
from kg.importers.cnxml.collection import read_collection, read_modules
from kg.importers.cnxml.exercises import emit_items
from kg.importers.cnxml.files import find_collection
from kg.importers.cnxml.listings import _is_code_block
from kg.importers.cnxml.markup import C, MATHML, _EXCLUDED_FROM_TEXT, _classes, _local, _squash
from kg.importers.cnxml.matching import concept_matcher
from kg.importers.cnxml.model import Book, _Module
from kg.importers.cnxml.objectives import emit_objectives
from kg.importers.cnxml.resources import emit_embedded, emit_resources
from kg.importers.cnxml.terms import emit_concepts, read_inline_concepts, term_key
from kg.importers.cnxml.text import Renderer
from kg.iris import mint, slug
from ontology.namespaces import KGS, RDF, RDFS, SDO


def build(path: Path, max_bytes: int, progress: Progress | None = None) -> Book:
    """The graph of the book at ``path`` (its folder or its collection file)."""
    book = Book(find_collection(path), max_bytes, progress)
    read_collection(book)
    read_modules(book)
    emit(book)
    return book


def emit(book: Book) -> None:
    if not book.counts["glossary_definitions"]:
        read_inline_concepts(book)
    book.matcher = concept_matcher({info.label: key for key, info in book.concepts.items()})
    chapter_objectives: Counter[URIRef] = Counter()  # objectives so far per chapter
    for mod in book.modules:
        _emit_module(book, mod, chapter_objectives)
    emit_concepts(book)


def _emit_module(book: Book, mod: _Module, chapter_objectives: Counter) -> None:
    node, root = mod.node, mod.root
    section = mod.kind in ("section", "introduction")
    book.add(node, RDF.type, KGS.Section if section else KGS.Resource)
    book.add(node, RDF.type, SDO.LearningResource)
    book.add(node, RDFS.label, book.lit(mod.title))
    parent = mint(book.slug, "chapter", str(mod.chapter)) if mod.chapter else book.curriculum
    book.add(node, KGS.partOf, parent)
    book.add(node, KGS.position, Literal(mod.position))
    book.add(node, KGS.sourceId, Literal(mod.id))
    content = root.find(C + "content")
    if content is None:
        content = etree.Element(C + "content")

    # text and summary
    def skip(el) -> bool:
        return _local(el) in ("section", "note", "exercise") and bool(_classes(el) & _EXCLUDED_FROM_TEXT)

    book.link_label = book.link_labels(mod)
    text = book.renderer(skip).text(content)
    if text:
        book.add(node, KGS.text, book.lit(text))
    summaries = [s for s in content.iter(C + "section") if "summary" in _classes(s)]
    if summaries:
        summary = "\n".join("\n".join(book.renderer().blocks(s, skip_title=True)) for s in summaries)
        if summary:
            book.add(node, KGS.summary, book.lit(summary))
            book.counts["summaries"] += 1
    book.counts["formula_reviews"] += sum("formula-review" in _classes(s) for s in content.iter(C + "section"))
    book.counts["math"] += sum(1 for _ in root.iter("{%s}math" % MATHML))

    emit_objectives(book, mod, content, chapter_objectives)

    # glossary → teaches
    for d in root.iterfind(f"{C}glossary/{C}definition"):
        key = slug(_squash(Renderer().inline(d.find(C + "term"))))
        book.add(node, KGS.teaches, book.concept(key))

    # inline terms and concept labels in the text → mentions, first use
    mentioned: Counter[str] = Counter()
    for t in content.iter(C + "term"):
        book.counts["inline_terms"] += 1
        label = _squash(Renderer().inline(t))
        key = slug(label)
        if key not in book.concepts:
            key = term_key(label)
        if key not in book.concepts:
            book.counts["inline_terms_unmatched"] += 1
            continue
        mentioned[key] += 0
    mentioned.update(book.matcher.count(text))
    for key in mentioned:
        book.add(node, KGS.mentions, book.concept(key))
        info = book.concepts[key]
        if info.first_used_in is None:
            info.first_used_in = node
    if mentioned:
        book.counts["sections_mentioning"] += 1
        book.counts["mentions"] += len(mentioned)

    _emit_code_counts(book, content)
    emit_embedded(book, mod, content)
    emit_resources(book, mod, content)

    # links
    for link in root.iter(C + "link"):
        doc = (link.get("document") or "").strip()
        book.counts["links_url"] += bool(link.get("url"))
        book.counts["links_target_id"] += bool(link.get("target-id"))
        book.counts["links_document"] += bool(doc)
        if not doc or doc == mod.id:
            continue
        book.counts["links_cross_module"] += 1
        target = book.by_id.get(doc)
        if target is None:
            book.counts["links_unresolved"] += 1
            continue
        book.add(node, KGS.linksTo, target.node)

    emit_items(book, mod, content)


def _emit_code_counts(book: Book, content) -> None:
    for el in content.iter(C + "code", C + "preformat"):
        if _is_code_block(el):
            book.counts["code_blocks"] += 1
        else:
            book.counts["code_inline"] += 1
