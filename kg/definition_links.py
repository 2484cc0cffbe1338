"""Where one concept's definition leans on another: the prerequisite candidates a book
itself argues for, with the words that show it.

A glossary definition is a genus and a difference ("*peripartum onset*: subtype of
**depression** that applies to …"; "*red herring*: **fallacy of diversion** that ignores
…"), and a compound name says what kind of thing it names ("recessive **allele**",
"**fallacy** of relevance"). Both are the classic evidence for "B must be understood
before A" (RefD, Liang et al. 2015, and the genus of a definition). Three kinds, strongest
first (:data:`STRENGTH`):

* ``kind-of``: A's name is B's name with words in front ("major depressive disorder" /
  "depressive disorder") or "B of …" ("fallacy of relevance" / "fallacy"), plural forms
  included (:func:`kg.labels.label_forms`);
* ``genus``: B is named in the genus of a definition of A: its first clause (up to
  "that", "which", "who", "in which", a comma, semicolon, colon, dash or bracket) and
  within its first six words, after the defined term and its copula when the definition is
  a sentence of the text ("Suggestibility describes the effects of …");
* ``names``: B is named anywhere else in a definition of A.

A definition of A is its ``kgs:definition`` and each evidence sentence of kind
``definition`` about A (:mod:`kg.evidence`). Concepts are found with the project's one
label matcher (:class:`kg.labels.LabelMatcher`, labels of three or more characters).

Rules that keep the list one a designer can review:

* both concepts in one curriculum;
* a pair found both ways keeps the stronger kind; found both ways with the same kind it is
  dropped (the definitions lean on each other, which says nothing about order);
* ``b_later`` marks a link whose B is first defined in a later section than A (reading
  order of the evidence index, the section that ``kgs:definedIn`` names first): the book
  teaches A before B, so either the word is used loosely ("a *sequence* of characters"
  before sequences are taught) or the order is the book's choice; the suggestion list puts
  these after the links that agree with the book's order;
* the curriculum's own subject is never B: a concept whose name is made only of words of
  the curriculum's title ("psychology" in *Psychology 2e*) is needed by everything in the
  book and therefore by nothing in particular (blind judges of the teacher's suggestions
  refused every such pair as "too general to count as a prerequisite").

Limitations: English only (labels and definitions tagged with another language are not
read: a Portuguese name's head is its first word, not its last); a definition that names B to contrast with it ("unlike B")
still counts; a name's head is its last words, so "theory of mind" is not a "mind".
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from kg.labels import LabelMatcher, label_forms
from kg.store.base import Store
from ontology.namespaces import KGS, RDFS, SKOS, DCTERMS

__all__ = ["DefinitionLink", "definition_links", "genus_span", "STRENGTH", "KINDS"]

KINDS = ("kind-of", "genus", "names")
POSITION_STRIDE = 1_000_000      # kg.evidence: a sentence's position is section rank * this + offset
STRENGTH = {"kind-of": 3, "genus": 2, "names": 1}
GENUS_WORDS = 6

_WORD = re.compile(r"\w+")
_CLAUSE_END = re.compile(
    r"[,;:()\[\]—–]|\s-\s|\b(?:that|which|who|whom|whose|where|when|while|whereby|because|if|"
    r"in which|by which|such as|including|for example|e\.g\.)\b", re.I)
_COPULA = re.compile(
    r"\W*(?:\([^)]*\)\W*)?(?:is|are|was|were|refers? to|describes?|means?|denotes?|involves?|"
    r"can be defined as|is defined as|are defined as)\b\s*", re.I)
_ARTICLE = re.compile(r"\W*(?:a|an|the|one|any)\b\s*", re.I)


@dataclass(frozen=True)
class DefinitionLink:
    a: str        # IRI of the concept whose definition or name leans on ...
    b: str        # ... this one (A requires B)
    kind: str     # "kind-of" | "genus" | "names"
    text: str     # the definition (or A's name, for kind-of) that shows it
    b_later: bool = False   # B is first defined after A in reading order (the book teaches A first)

    @property
    def strength(self) -> int:
        return STRENGTH[self.kind]


def genus_span(definition: str, start: int = 0) -> tuple[int, int]:
    """``(start, end)`` character span of a definition's genus: from ``start`` (after the
    defined term), past a copula and an article, to the end of the first clause, at most
    :data:`GENUS_WORDS` words.

    >>> d = "subtype of depression that applies to people who experience an episode"
    >>> d[slice(*genus_span(d))]
    'subtype of depression'
    >>> s = "Suggestibility describes the effects of misinformation from external sources"
    >>> s[slice(*genus_span(s, 14))]
    'effects of misinformation from external sources'
    """
    i = start
    m = _COPULA.match(definition, i)
    if m and m.end() > i:
        i = m.end()
    m = _ARTICLE.match(definition, i)
    if m and m.end() > i:
        i = m.end()
    end = len(definition)
    c = _CLAUSE_END.search(definition, i)
    if c:
        end = c.start()
    words = list(_WORD.finditer(definition, i, end))[:GENUS_WORDS]
    if not words:
        return i, i
    return words[0].start(), words[-1].end()


def _v(x) -> str | None:
    return None if x is None else str(getattr(x, "value", x))


def _rows(store: Store, q: str) -> list[tuple]:
    return [tuple(_v(x) for x in r) for r in store.query(q).rows]


def _in(graphs: list[str] | None, pattern: str) -> str:
    if graphs is None:
        return f"GRAPH ?g {{ {pattern} }}"
    return " UNION ".join(f"{{ GRAPH <{g}> {{ {pattern} }} }}" for g in graphs) or "FILTER(false)"


_NAME_WORD = re.compile(r"\w+(?:[-\u2010\u2011]\w+)*")


_DETERMINERS = {"the", "a", "an"}


def _english(lang: str | None) -> bool:
    """A literal in English or without a language tag (the rules are English ones)."""
    return not lang or lang.lower() == "en" or lang.lower().startswith("en-")


def _words(label: str) -> tuple[str, ...]:
    """A name's words without its bracketed parts; a hyphenated compound is one word
    ("self-concept" is no kind of "concept")."""
    return tuple(w.casefold() for w in _NAME_WORD.findall(re.sub(r"\([^)]*\)", " ", label)))


def definition_links(store: Store, graphs: Iterable[str] | None = None) -> dict[tuple[str, str], DefinitionLink]:
    """``{(A, B): DefinitionLink}`` over the concepts of ``graphs`` (default: every graph;
    the evidence sentences are read from wherever they are stored). Rules: module
    docstring."""
    gs = list(graphs) if graphs is not None else None
    labels: dict[str, list[str]] = defaultdict(list)
    for c, lab, lang in _rows(store, "SELECT DISTINCT ?c ?l (LANG(?l) AS ?lang) WHERE { " + _in(
            gs, f"?c a <{KGS.Concept}> . {{ ?c <{RDFS.label}> ?l }} UNION {{ ?c <{SKOS.prefLabel}> ?l }}") + " }"):
        lab = " ".join(lab.split())
        if _english(lang) and len(lab) >= 3 and lab not in labels[c]:
            labels[c].append(lab)
    if not labels:
        return {}
    curr: dict[str, str] = {}
    for c, cur in _rows(store, "SELECT ?c ?cur WHERE { " + _in(gs, f"?c <{KGS.inCurriculum}> ?cur") + " }"):
        if c in labels and (c not in curr or cur < curr[c]):
            curr[c] = cur
    title_words: dict[str, set[str]] = defaultdict(set)
    for cur, t in _rows(store, "SELECT ?cur ?t WHERE { " + _in(
            gs, f"{{ ?cur <{RDFS.label}> ?t }} UNION {{ ?cur <{DCTERMS.title}> ?t }}") + " }"):
        t = t or ""
        if cur in set(curr.values()):
            for f in label_forms(t):
                title_words[cur] |= set(_words(f))

    def subject_of_book(c: str) -> bool:
        tw = title_words.get(curr.get(c, ""), set())
        return bool(tw) and any(set(_words(lab)) <= tw for lab in labels[c])

    defs: dict[str, list[str]] = defaultdict(list)
    for c, d, lang in _rows(store, "SELECT ?c ?d (LANG(?d) AS ?lang) WHERE { " + _in(
            gs, f"?c a <{KGS.Concept}> ; <{KGS.definition}> ?d") + " }"):
        if _english(lang) and d not in defs[c]:
            defs[c].append(d)
    defined_in: dict[str, set[str]] = defaultdict(set)
    for c, sec in _rows(store, "SELECT ?c ?s WHERE { " + _in(gs, f"?c <{KGS.definedIn}> ?s") + " }"):
        defined_in[c].add(sec)
    home: dict[str, int] = {}            # reading-order rank of the section first defining it
    home_any: dict[str, int] = {}
    for c, t, pos, sec in _rows(store, f"""SELECT ?c ?t ?p ?s WHERE {{ GRAPH ?e {{ ?x <{KGS.about}> ?c ;
            <{KGS.evidenceKind}> "definition" ; <{KGS.text}> ?t ; <{KGS.position}> ?p .
            OPTIONAL {{ ?x <{KGS.inSection}> ?s }} }} }}"""):
        if c not in labels:
            continue
        if t not in defs[c]:
            defs[c].append(t)
        try:
            rank = int(pos) // POSITION_STRIDE
        except (TypeError, ValueError):
            continue
        home_any[c] = min(home_any.get(c, rank), rank)
        if sec in defined_in.get(c, ()):
            home[c] = min(home.get(c, rank), rank)
    home = {**home_any, **home}

    def later(a: str, b: str) -> bool:
        return a in home and b in home and home[b] > home[a]

    found: dict[tuple[str, str], DefinitionLink] = {}

    def put(a: str, b: str, kind: str, text: str) -> None:
        if a == b or b not in labels or curr.get(a) != curr.get(b) or subject_of_book(b):
            return
        old = found.get((a, b))
        if old is None or STRENGTH[kind] > old.strength:
            found[(a, b)] = DefinitionLink(a, b, kind, text, later(a, b))

    # kind-of, from the names
    by_words: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for c, labs in labels.items():
        for lab in labs:
            for f in label_forms(lab):
                w = _words(f)
                if w:
                    by_words[w].add(c)
    for a, labs in sorted(labels.items()):
        for lab in labs:
            w = _words(lab)
            for i in range(1, len(w)):
                if set(w[:i]) <= _DETERMINERS:      # "the principle" is the principle itself
                    continue
                for b in sorted(by_words.get(w[i:], ())):
                    put(a, b, "kind-of", lab)
            if "of" in w[1:]:
                for b in sorted(by_words.get(w[:w.index("of")], ())):
                    put(a, b, "kind-of", lab)

    # genus and names, from the definitions
    matcher = LabelMatcher(labels, min_chars=3)
    for a in sorted(defs):
        if a not in labels:
            continue
        for d in sorted(defs[a]):
            hits = matcher.find(d)
            own = [m for m in hits if m.concept == a and m.start < 3 * max(1, len(d)) // 4]
            start = own[0].end if own and own[0].start <= 2 else 0
            g0, g1 = genus_span(d, start)
            gw = list(_WORD.finditer(d, g0, g1))
            for m in hits:
                if m.concept == a:
                    continue
                genus = g0 <= m.start < g1 and bool(gw) and m.start <= gw[min(len(gw), GENUS_WORDS) - 1].start()
                put(a, m.concept, "genus" if genus else "names", d)

    out: dict[tuple[str, str], DefinitionLink] = {}
    for (a, b), link in found.items():
        rev = found.get((b, a))
        if rev is None or link.strength > rev.strength:
            out[(a, b)] = link
    return dict(sorted(out.items()))
