"""Glossary entries and inline terms → concepts.

``glossary/definition`` → concept minted from the term text; a book without any glossary
makes every inline ``<term>`` of the body a concept, merged by ``term_key``, with the sentence
it is marked in (``defining_sentence``) as its definition. ``emit_concepts`` writes them all
(``kgs:Concept`` + ``skos:Concept``, definitions, ``kgs:definedIn``, ``kgs:firstUsedIn``)."""
from __future__ import annotations

import re

from rdflib import Literal

from kg.errors import ImportFailed
from kg.importers.cnxml.markup import C, _in_excluded, _local, _squash
from kg.importers.cnxml.model import Book, _ConceptInfo, _Module
from kg.importers.cnxml.text import Renderer
from kg.iris import slug
from kg.labels import inflect_engine
from ontology.namespaces import KGS, RDF, RDFS, SKOS


def _inflector():
    """inflect's engine, loaded the fast way (see :func:`kg.labels.inflect_engine`)."""
    return inflect_engine()


def term_key(label: str) -> str:
    """Grouping key of an inline term: its slug, the last word made singular when it is a
    plain lower-case plural ("statements" and "Statement" meet; names are left alone).

    >>> term_key("String literals"), term_key("Statement"), term_key("Confucius")
    ('string-literal', 'statement', 'confucius')
    """
    words = label.split()
    last = words[-1] if words else ""
    eng = _inflector()
    if eng is not None and len(last) > 3 and last.isalpha() and last.islower():
        try:
            single = eng.singular_noun(last)
        except Exception:  # noqa: BLE001 - inflect raises on odd input; keep the word
            single = False
        if single:
            words[-1] = single
    return slug(" ".join(words))


def _better_label(new: str, old: str, key: str) -> bool:
    """Prefer the singular form ("statement" over "statements") and lower case over a
    capital that only starts a sentence ("Statement")."""
    new_exact, old_exact = slug(new) == key, slug(old) == key
    if new_exact != old_exact:
        return new_exact
    return new != old and new.casefold() == old.casefold() and new == new.lower() and old != old.lower()


_BLOCKS = {"para", "item", "meaning", "caption", "entry", "quote", "title", "definition", "statement"}


def _block_of(el):
    """The paragraph-like block an inline element sits in (its sentence is found there)."""
    for anc in el.iterancestors():
        if _local(anc) in _BLOCKS:
            return anc
    return el.getparent() if el.getparent() is not None else el


def _id_of(el) -> str:
    for anc in (el, *el.iterancestors()):
        if anc.get("id"):
            return anc.get("id")
    return ""


_ABBREVIATIONS = {"e.g", "i.e", "dr", "mr", "mrs", "ms", "st", "vs", "cf", "fig", "no", "approx", "ca",
                  "prof", "jr", "sr", "u.s", "etc", "al", "eq", "ch", "sec", "vol", "p", "pp"}
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9`])")


def split_sentences(text: str) -> list[str]:
    r"""Sentences of a text, one block a line (a code fence line is kept whole).

    >>> split_sentences("A statement, e.g. x = 1, is code. The print() call prints.")
    ['A statement, e.g. x = 1, is code.', 'The print() call prints.']
    """
    out: list[str] = []
    for line in text.split("\n"):
        start = 0
        for m in _SENTENCE_END.finditer(line):
            word = re.search(r"(\S+)$", line[start:m.start()])
            w = word.group(1).lower().lstrip("(\"“") if word else ""
            if line[m.start()] == "." and (w in _ABBREVIATIONS or re.fullmatch(r"[a-z]", w)):
                continue
            out.append(line[start:m.end()].strip())
            start = m.end()
        tail = line[start:].strip()
        if tail:
            out.append(tail)
    return out


def defining_sentence(text: str, label: str) -> str:
    """The first sentence of ``text`` that names ``label`` (case-insensitive, code marks
    ignored), '' when none does.

    >>> defining_sentence("Code runs. A `statement` describes an action. Next.", "statement")
    'A `statement` describes an action.'
    """
    want = _squash(label).casefold()
    for sentence in split_sentences(text):
        if want in _squash(sentence.replace("`", "")).casefold():
            return sentence
    return ""


def read_glossary(book: Book, mod: _Module) -> None:
    r = Renderer()
    for d in mod.root.iterfind(f"{C}glossary/{C}definition"):
        term_el = d.find(C + "term")
        term = _squash(r.inline(term_el)) if term_el is not None else ""
        if not term:
            raise ImportFailed("a glossary definition without a term", path=mod.path,
                               line=d.sourceline, item=d.get("id"),
                               hint="give every <definition> a <term>")
        meaning = "; ".join(t for t in (_squash(r.line(m)) for m in d.iterfind(C + "meaning")) if t)
        book.counts["glossary_definitions"] += 1
        book.casefolded_terms.add(term.casefold())
        info = book.concepts.setdefault(slug(term), _ConceptInfo(term))
        if meaning:
            if info.first_definition is None:
                info.first_definition = meaning
                info.source = f"{mod.id}#{_id_of(d)}" if d.get("id") else ""
            if meaning not in info.definitions:
                info.definitions.append(meaning)
        if mod.node not in info.defined_in:
            info.defined_in.append(mod.node)


def read_inline_concepts(book: Book) -> None:
    """A book without a glossary: every inline ``<term>`` of the body is a concept, and the
    sentence it is marked in is a definition. A term marked in several modules is one
    concept (slug of the case-folded label); each module's first marking adds its
    sentence (``skos:definition``), the first in reading order is ``kgs:definition``."""
    for mod in book.modules:
        content = mod.root.find(C + "content")
        if content is None:
            continue
        book.link_label = book.link_labels(mod)
        r = book.renderer()
        seen: set[str] = set()
        for t in content.iter(C + "term"):
            if _in_excluded(t):
                continue
            label = _squash(Renderer().inline(t))
            key = term_key(label) if label else ""
            if not label or key in seen or not any(ch.isalnum() for ch in label):
                continue
            seen.add(key)
            block = _block_of(t)
            parent = t.getparent()
            if _local(parent) == "definition":   # <definition><term/><meaning/></definition> in the text
                sentence = "; ".join(x for x in (_squash(r.line(m)) for m in parent.iterfind(C + "meaning")) if x)
                block = parent
            else:
                sentence = defining_sentence(r.line(block), label) if _local(block) != "title" else ""
                if not sentence:   # marked in a title, or the block does not name it as written
                    sentence, block = _first_sentence_naming(content, label, r, block)
            info = book.concepts.get(key)
            if info is None:
                info = book.concepts[key] = _ConceptInfo(label)
                book.counts["inline_concepts"] += 1
            elif _better_label(label, info.label, key):
                info.label = label
            if sentence:
                if info.first_definition is None:
                    info.first_definition = sentence
                    info.source = f"{mod.id}#{_id_of(block)}"
                if sentence not in info.definitions:
                    info.definitions.append(sentence)
            if mod.node not in info.defined_in:
                info.defined_in.append(mod.node)


def _first_sentence_naming(content, label: str, r: Renderer, fallback):
    """(sentence, its block): the first body paragraph of the module naming ``label``."""
    for para in content.iter(C + "para"):
        if _in_excluded(para):
            continue
        sentence = defining_sentence(r.line(para), label)
        if sentence:
            return sentence, para
    return "", fallback


def emit_concepts(book: Book) -> None:
    for key, info in book.concepts.items():
        c = book.concept(key)
        book.add(c, RDF.type, KGS.Concept)
        book.add(c, RDF.type, SKOS.Concept)
        book.add(c, SKOS.prefLabel, book.lit(info.label))
        book.add(c, RDFS.label, book.lit(info.label))
        if info.first_definition:
            book.add(c, KGS.definition, book.lit(info.first_definition))
        for d in info.definitions:
            book.add(c, SKOS.definition, book.lit(d))
        for s in info.defined_in:
            book.add(c, KGS.definedIn, s)
        for s in info.defined_in:
            book.add(s, KGS.teaches, c)
        if info.first_definition:
            book.counts["concepts_with_definition"] += 1
        if info.source:
            book.add(c, KGS.definitionSource, Literal(info.source))
        if info.first_used_in is not None:
            book.add(c, KGS.firstUsedIn, info.first_used_in)
            book.counts["concepts_first_used"] += 1
        book.add(c, KGS.inCurriculum, book.curriculum)
        book.add(c, SKOS.inScheme, book.curriculum)
    book.counts["concepts"] = len(book.concepts)
    book.counts["glossary_terms_casefolded"] = len(book.casefolded_terms)
