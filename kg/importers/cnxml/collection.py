"""Reading the collection (curriculum, chapters, the modules in reading order) and then each
module file (its kind, node and title; its glossary)."""
from __future__ import annotations

import re

from lxml import etree
from rdflib import Literal, URIRef

from kg.errors import ImportFailed
from kg.importers.base import check_regular, iri, language_tag
from kg.importers.cnxml.files import _parse_xml, check_inside
from kg.importers.cnxml.markup import C, CNXML, COL, COLLXML, MD, _classes, _local, _squash
from kg.importers.cnxml.model import Book, _Module
from kg.importers.cnxml.terms import read_glossary
from kg.importers.cnxml.text import Renderer
from kg.iris import mint, slug
from ontology.namespaces import DCTERMS, KGS, RDF, RDFS, SDO


_MODULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def read_collection(book: Book) -> None:
    root = _parse_xml(book.collection, book.max_bytes)
    if root.tag != COL + "collection":
        raise ImportFailed(f"not an OpenStax collection: the root element is <{_local(root) or root.tag}>",
                           path=book.collection, line=root.sourceline,
                           hint=f"expected <col:collection> in namespace {COLLXML}")
    meta = root.find(COL + "metadata")

    def md(name: str) -> etree._Element | None:
        return meta.find(MD + name) if meta is not None else None

    title_el = md("title")
    book.title = _squash("".join(title_el.itertext())) if title_el is not None else ""
    slug_el = md("slug")
    raw_slug = _squash(slug_el.text or "") if slug_el is not None else ""
    book.slug = slug(raw_slug or book.title or book.collection.name.split(".")[0])
    lang_el = md("language")
    book.lang = _squash(lang_el.text or "") if lang_el is not None and lang_el.text else "en"
    language_tag(book.lang, path=book.collection, line=lang_el.sourceline if lang_el is not None else None,
                 item="md:language")
    book.curriculum = mint(book.slug, "curriculum", book.slug)
    g = book.curriculum
    book.add(g, RDF.type, KGS.Curriculum)
    book.add(g, RDF.type, SDO.Course)
    book.add(g, RDFS.label, book.lit(book.title or book.slug))
    lic = md("license")
    if lic is not None and lic.get("url"):
        book.add(g, DCTERMS.license, iri(lic.get("url").strip(), path=book.collection, line=lic.sourceline,
                                         item="md:license", what="licence url"))
    uuid = md("uuid")
    if uuid is not None and uuid.text and uuid.text.strip():
        book.add(g, KGS.sourceId, Literal(uuid.text.strip()))

    content = root.find(COL + "content")
    if content is None:
        raise ImportFailed("the collection has no <col:content>", path=book.collection,
                           line=root.sourceline)
    chapter_no = 0
    book_pos = 0
    for el in content:
        if el.tag == COL + "module":
            book_pos += 1
            _add_module(book, el, None, book_pos)
        elif el.tag == COL + "subcollection":
            chapter_no += 1
            _add_chapter(book, el, chapter_no)
    book.counts["chapters"] = chapter_no


def _add_chapter(book: Book, sub, number: int) -> None:
    node = mint(book.slug, "chapter", str(number))
    title_el = sub.find(MD + "title")
    title = _squash("".join(title_el.itertext())) if title_el is not None else f"Chapter {number}"
    book.add(node, RDF.type, KGS.Chapter)
    book.add(node, RDF.type, SDO.LearningResource)
    book.add(node, RDFS.label, book.lit(title))
    book.add(node, KGS.partOf, book.curriculum)
    book.add(node, KGS.position, Literal(number))
    position = 0
    for ref in sub.iter(COL + "module"):  # deeper subcollections are flattened
        position += 1
        _add_module(book, ref, number, position)


def _add_module(book: Book, ref, chapter: int | None, position: int) -> None:
    mid = (ref.get("document") or "").strip()
    if not mid:
        raise book.fail("a <col:module> without a document id", el=ref)
    if mid in book.by_id:
        raise book.fail(f"module {mid} is listed twice in the collection", el=ref, item=mid,
                        hint="a module can appear once in a book")
    if not _MODULE_ID.fullmatch(mid) or mid in (".", ".."):
        raise book.fail(f"module id {mid!r} is not a folder name inside modules/ (it points outside "
                        "the book folder); refused, nothing read", el=ref, item=mid,
                        hint="a <col:module document> is a module id such as m00045, without / or ..")
    path = book.modules_dir / mid / "index.cnxml"
    if not path.exists() and not path.is_symlink():
        raise book.fail(f"module {mid} is listed in the collection but {path} does not exist",
                        el=ref, item=mid, hint="copy the module folder next to the others or "
                        "remove it from the collection")
    check_inside(path, book.root, what=f"module {mid}")
    check_regular(path)
    mod = _Module(mid, path, "section" if chapter else "resource", chapter, position, URIRef(""))
    book.modules.append(mod)
    book.by_id[mid] = mod


def read_modules(book: Book) -> None:
    total = len(book.modules)
    book_resources = 0
    for done, mod in enumerate(book.modules, 1):
        root = _parse_xml(mod.path, book.max_bytes)
        if root.tag != C + "document":
            raise ImportFailed(f"not a CNXML module: the root element is <{_local(root) or root.tag}>",
                               path=mod.path, line=root.sourceline,
                               hint=f"expected <document> in namespace {CNXML}")
        mod.root = root
        doc_classes = _classes(root)
        content = root.find(C + "content")
        if mod.chapter is None:
            mod.kind = ("preface" if "preface" in doc_classes else
                        "appendix" if "appendix" in doc_classes else "resource")
            book_resources += 1
            mod.position = book_resources
        elif "introduction" in doc_classes:
            mod.kind = "introduction"
        elif content is not None and any(_local(c) == "note" and "lab" in _classes(c)
                                         for c in content):
            mod.kind = "lab"
        kind = "section" if mod.kind in ("section", "introduction") else "resource"
        mod.node = mint(book.slug, kind, mod.id)
        title_el = root.find(C + "title")
        if title_el is None:
            title_el = root.find(f"{C}metadata/{MD}title")
        mod.title = _squash(Renderer().inline(title_el)) if title_el is not None else mod.id
        read_glossary(book, mod)
        if book.progress:
            book.progress("modules", done, total)
    book.counts["modules"] = total
    for kind, key in (("preface", "prefaces"), ("introduction", "introductions"),
                      ("section", "sections"), ("lab", "labs"), ("appendix", "appendices")):
        book.counts[key] = sum(m.kind == kind for m in book.modules)
    book.counts["resources"] = sum(m.kind not in ("section", "introduction") for m in book.modules)
