"""OpenStax CNXML importer: a whole book (collection + modules) into the curriculum graph.

An OpenStax book in its repository layout is a collection file
``collections/<slug>.collection.xml`` (namespace ``http://cnx.rice.edu/collxml``) listing
modules in reading order, and one ``modules/<id>/index.cnxml`` per module (namespace
``http://cnx.rice.edu/cnxml``, metadata in ``http://cnx.rice.edu/mdml``, formulas in
MathML). The source given is the book folder or the collection file itself. The graph
follows ``docs/data-model.md``; the source slug (and so every IRI and the named graph) is
the collection's ``md:slug`` (``psychology-2e``), so a re-import updates in place.

What becomes what
-----------------
* the collection → curriculum (``rdfs:label`` = ``md:title``, ``dcterms:license`` = the
  licence URL, ``kgs:sourceId`` = ``md:uuid``);
* each top-level ``col:subcollection`` → chapter, ``kgs:position`` = chapter number;
  deeper subcollections (units inside chapters; neither book has them) are flattened
  into their chapter;
* each module inside a chapter → section (``kgs:Section``), ``kgs:sourceId`` = module id.
  The chapter introduction (``<document class="introduction">``) is a section too (it
  carries chapter objectives and inline terms in *Introductory Statistics*), so
  ``kgs:position`` is the module's place in its chapter in reading order: the
  introduction is 1, printed section "1.1" is 2. Lab modules (a top-level
  ``<note class="… lab">``, *Introductory Statistics*) are resources of their chapter
  (``kgs:Resource``), numbered in the same sequence;
* modules outside any chapter (preface, ``class="appendix"``) → resources of the
  curriculum, numbered 1, 2, … in their own order (chapters keep chapter numbers);
* ``kgs:text`` of every section/resource: its body as plain text, one block (paragraph,
  title, list item, table row) a line; question sections (also ``section-exercises``,
  ``review-exercises`` and checkpoint notes), the summary, references, "Try It" notes and
  ``learning-objectives`` sections are left out (they become items / ``kgs:summary`` /
  objectives); MathML is written out linearly (``x̄``, ``(a)/(b)``, ``x^2``, ``√(n)``);
  ALL CAPS sub-titles are title-cased (``fix_caps``). Code is kept as code: a listing
  (``<code display="block">``, ``<preformat>``, a ``<code>`` spanning lines) is a fenced
  Markdown block on its own lines (a line "```python", language from ``lang`` or a class
  token, the lines verbatim with a 1, 2, 3 … line numbering dropped, a line "```"), inline
  ``<code>`` is wrapped in backticks (`like this`); counted as ``code_blocks`` / ``code_inline``.
  ``<section class="summary">`` → ``kgs:summary``;
* learning objectives → ``kgs:LearningObjective`` with ``kgs:position``, a Bloom level
  guessed from the leading verb (``bloom_level``; no level when the verb is not in the
  table) and ``kgs:teaches`` the concepts named in it: the ``md:abstract`` list of a module
  (*Psychology*: per section, ``kgs:partOf`` the section), the items of
  ``<note class="chapter-objectives">`` (*Statistics*: in the introduction module,
  ``kgs:partOf`` the chapter) and a lab's "Student Learning Outcome(s)" list (``kgs:partOf``
  the lab resource; counted apart as ``lab_outcomes``): the list's own ``<title>`` (20 labs
  of *Statistics*, 4 of them singular "Outcome") or a ``<para>`` holding only that title
  just before the list (2 labs), so all 22 labs have outcomes where the README counts 18.
  In the content, the lists of a ``<section class="learning-objectives">`` (*Philosophy*)
  and a list right after a lead-in paragraph ("By the end of this section you should be
  able to") are the module's objectives too (a text already in ``md:abstract`` is not
  repeated). The owner ``kgs:hasObjective`` each. The verb table is ``BLOOM_VERBS``;
* ``glossary/definition`` → concept (``kgs:Concept`` + ``skos:Concept``) minted from the
  term text (slugged: "Psychology", "psychology" and "fight-or-flight response" /
  "fight or flight response" meet). A term defined in several modules is one concept:
  the first definition in reading order is ``kgs:definition``; every distinct
  definition text is a ``skos:definition``; every defining module is a ``kgs:definedIn``
  and ``kgs:teaches`` the concept. ``counts["concepts"]`` counts IRIs, so it can be below
  ``glossary_terms_casefolded`` (*Psychology*: 834 against the README's 835);
* a book without any glossary: every inline ``<term>`` of the body (not in exercises,
  summaries or objectives) → concept, labelled with the term's text (child markup
  flattened: ``<term><code>print()</code></term>`` is "print()"); the sentence the term is
  marked in is its definition (``defining_sentence``; the ``<meaning>`` of a
  ``<definition>`` in the text). Terms are merged by case-folded label, a plain plural last
  word made singular (``term_key``: "statements", "Statement" and "statement" meet; the
  singular lower-case form is the label); each module's first marking adds its sentence
  (``skos:definition``), the first in reading order is ``kgs:definition``, and
  ``kgs:definitionSource`` is its "<module>#<paragraph id>" (for a glossary entry, the
  ``<definition>``'s id); every marking module is a
  ``kgs:definedIn`` and ``kgs:teaches`` it. Counted as ``inline_concepts``;
* inline ``<term>`` in a module's content → ``kgs:mentions`` the concept with the same slug
  (case-insensitive match); in a glossary book inline terms without a glossary entry make
  no concept (counted as ``inline_terms_unmatched``). Every concept whose label (or its
  plural/singular, with ``kg.labels.LabelMatcher``) occurs in a module's text is also
  ``kgs:mentions``-ed (``mentions``: section-concept pairs); the first module in reading
  order that marks or mentions a concept → ``kgs:firstUsedIn``;
* examples (``<example>``), checkpoints (``<note class="checkpoint">``), theorems (notes
  classed theorem/lemma/corollary/proposition/rule/law) and every other content note
  (not a question, objectives or lab note) → a typed resource: ``kgs:Resource`` with
  ``kgs:resourceKind`` example/checkpoint/theorem/note, ``kgs:partOf`` its module,
  ``kgs:position``, ``rdfs:label`` "Theorem: <title>" (or "Note 2 of <module title>"),
  ``kgs:text`` (code fenced, math linear), ``kgs:solution`` (the solutions inside),
  ``kgs:keyword`` its class tokens and ``kgs:mentions`` the concepts it names;
* ``<link class="os-embed" url="#exercise/<id>">`` → ``kgs:ExternalItem`` (IRI
  ``external/<id>``, ``kgs:sourceId`` the URL, ``kgs:partOf`` its module): an exercise
  embedded from an exercise bank, whose content is not in the source. Counted as
  ``embedded_exercises``; never an assessment item;
* ``<link document="m…">`` naming another module of the book → ``kgs:linksTo`` (an empty
  ``document`` or the module's own id is a same-module link; a module outside the book is
  counted as ``links_unresolved`` and not written);
* every ``<exercise>`` except those of worked examples (``<example>``), those whose
  problem is only an os-embed link and those with no question text (empty, or only an
  identifier like ``m00045-exer-00001``; counted as ``exercises_without_text``) → an
  assessment item (``kgs:AssessmentItem`` + ``schema:Question``), ``kgs:partOf`` its module,
  ``kgs:position`` 1, 2, … in the module. A problem with one lettered list
  (``number-style`` lower/upper-alpha) is multiple choice when it is a review question or
  when its solution is a letter naming a choice ("D", "b.", "d. 4.43"): each list item is
  a ``kgs:Choice`` (``kgs:isCorrect`` on all when the answer is known) and the correct
  choice's text is ``kgs:correctAnswer``. Everything else is free response with the
  solution(s) as ``kgs:solution``. Context shared by several exercises ("Use the
  following information to answer the next five exercises", data sets) is prepended to
  each stem it governs (the number of exercises is read from the text, else up to the
  next context; text between the exercises of an open group is added to its context).
  ``kgs:assesses`` the concepts whose label occurs in the stem or the answer
  (``concept_matcher``: whole words, case-insensitive, longest match first). Items and
  choices get an ``rdfs:label`` (the question text / "b. choice", cut at 200 characters)
  and items a ``kgs:sourceId`` (``<module>-<exercise id>``).

``ImportResult.counts`` holds every key of ``COUNT_KEYS`` (zero when absent), named after
the README tables: ``chapters``, ``modules``, ``sections``, ``objectives``,
``glossary_definitions``, ``concepts``, ``review_questions``, ``practice``, ``homework``,
``try_it``, ... (each question kind also ``<kind>_with_solution``).

Errors are :class:`kg.errors.ImportFailed` naming the file and line: malformed XML (lxml
with ``huge_tree=False``: no entity expansion, no network, depth and text-node limits), a
root that is not a collection/CNXML document, a module listed twice or missing from
``modules/``, an exercise without a problem, a review question whose answer letter names
no choice, a glossary definition without a term. Nothing outside the book folder is read:
a module id that is not a plain folder name (``../../x``) and a module or collection that
is, or sits under, a symbolic link leading out of the book folder are refused
(``check_inside``); a FIFO, socket or device is refused before it is opened
(``kg.importers.base.check_regular``). Every file is checked against ``max_bytes``
before it is read.

Limitations: the appendices' exercises in *Introductory Statistics* are plain paragraphs
(no ``<exercise>`` markup) and stay text; worked examples are text, not items; a figure
is its caption and its image's ``alt`` text in brackets (no media are read); an empty
``<link/>`` reads as the linked module's title or "Figure"/"Table" (no numbers); plural
inline terms ("samples") do not match a singular glossary term; concept matching in stems
is lexical and can pick up everyday uses of a short term ("mean"); nested lists are
flattened into their item's line; in a glossary book inline terms without an entry make
no concept (names of people in *Philosophy*); a defining sentence is the sentence a term
is marked in, whether or not it says what the term is; MathML is kept as linear text only
(the MathML itself is not stored); mention counts are not stored (only the pairs).

>>> bloom_level("Define psychology")
rdflib.term.URIRef('https://w3id.org/kgstudio/bloom/remember')
>>> bloom_level("The student will construct relative frequency tables.")
rdflib.term.URIRef('https://w3id.org/kgstudio/bloom/apply')
>>> bloom_level("Ponder the universe") is None
True
>>> fix_caps("WHY STUDY PSYCHOLOGY?"), fix_caps("SIDS"), fix_caps("Mixed Case")
('Why Study Psychology?', 'SIDS', 'Mixed Case')
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from lxml import etree
from rdflib import Graph, Literal, URIRef

from kg.errors import ImportFailed
from kg.importers.base import (Importer, ImportResult, Progress, check_regular, check_size, iri, language_tag,
                               register, sniff)
from kg.iris import mint, slug, source_graph
from kg.labels import LabelMatcher, inflect_engine
from ontology.namespaces import BLOOM, DCTERMS, KGS, RDF, RDFS, SDO, SKOS

__all__ = ["CnxmlImporter", "COUNT_KEYS", "Renderer", "BLOOM_VERBS", "bloom_level", "fix_caps", "math_text",
           "ConceptMatcher", "concept_matcher", "find_collection", "check_inside", "code_lines", "code_fence",
           "code_language", "split_sentences", "defining_sentence", "term_key"]

CNXML = "http://cnx.rice.edu/cnxml"
COLLXML = "http://cnx.rice.edu/collxml"
MDML = "http://cnx.rice.edu/mdml"
MATHML = "http://www.w3.org/1998/Math/MathML"
C = "{%s}" % CNXML
COL = "{%s}" % COLLXML
MD = "{%s}" % MDML

# ---- Bloom levels from the leading verb ----------------------------------------------------

BLOOM_VERBS: dict[str, str] = {}
"""Leading verb → level of Bloom's revised taxonomy (Anderson & Krathwohl 2001, the verbs of
their cognitive-process dimension plus the ones these books use). Unknown verb: no level."""
for _level, _verbs in {
    "remember": "define list name recall recognize recognise identify state label memorize "
                "repeat record match locate retrieve know",
    "understand": "describe discuss explain understand summarize summarise classify interpret "
                  "appreciate compare paraphrase illustrate exemplify give provide outline "
                  "report review translate infer predict restate characterize trace",
    "apply": "apply calculate compute conduct demonstrate determine display show solve use "
             "perform execute implement carry graph find estimate construct practice "
             "practise complete operate sketch",
    "analyze": "analyze analyse differentiate distinguish discriminate examine categorize "
               "categorise select contrast organize organise attribute deconstruct "
               "investigate relate diagram",
    "evaluate": "evaluate appraise critique judge assess justify defend check argue support "
                "verify test rank recommend",
    "create": "create design develop formulate generate plan produce compose propose "
              "hypothesize hypothesise invent build devise",
}.items():
    for _verb in _verbs.split():
        BLOOM_VERBS[_verb] = _level

_LEAD_IN = re.compile(r"^(?:(?:the\s+)?(?:students?|learners?|you)\s+(?:will|should|can)\s+"
                      r"(?:be\s+able\s+to\s+)?|be\s+able\s+to\s+)", re.I)


def bloom_level(objective: str) -> URIRef | None:
    """Bloom level of an objective from its leading verb (after "The student will …")."""
    text = _LEAD_IN.sub("", objective.strip())
    words = re.findall(r"[a-z]+", text.lower())
    if not words:
        return None
    level = BLOOM_VERBS.get(words[0])
    return BLOOM[level] if level else None


# ---- text ---------------------------------------------------------------------------------

_SMALL_WORDS = {"a", "an", "the", "of", "and", "or", "nor", "in", "on", "to", "for", "vs",
                "with", "at", "by", "as", "but", "from", "into"}


def fix_caps(title: str) -> str:
    """Title-case an ALL CAPS title; one short all-caps word (an acronym: "SIDS") is kept."""
    letters = [ch for ch in title if ch.isalpha()]
    if not letters or any(ch.islower() for ch in letters):
        return title
    words = title.split()
    if len(words) == 1 and len(letters) <= 4:
        return title
    out = []
    for i, w in enumerate(words):
        if any(ch.isdigit() for ch in w):
            out.append(w)
        elif i > 0 and w.lower().strip(":?.!,") in _SMALL_WORDS:
            out.append(w.lower())
        else:
            out.append(w[:1] + w[1:].lower())
    return " ".join(out)


def _local(el) -> str:
    tag = el.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _ns(el) -> str:
    tag = el.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _classes(el) -> set[str]:
    """Class tokens (the books have classes with leading and trailing spaces)."""
    return set((el.get("class") or "").split())


def _squash(text: str) -> str:
    return " ".join(text.split())


_SPACED_OPS = set("=<>≤≥≠≈+−±×÷~∼∈∉⊂⊆∪∩→⇒⟹") | {"-", "–"}
_OVER_MARKS = {"¯": "\u0304", "‾": "\u0304", "―": "\u0304", "-": "\u0304", "_": "\u0304",
               "^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "→": "\u20d7",
               ".": "\u0307", "˙": "\u0307"}
_INVISIBLE = dict.fromkeys(map(ord, "\u2061\u2062\u2063\u2064\u200b"), None)


def _wrap(s: str) -> str:
    s = s.strip()
    if len(s) <= 1 or re.fullmatch(r"[\w.′']+|\(.*\)|\[.*\]", s):
        return s
    return f"({s})"


def math_text(el) -> str:
    """A MathML element as readable linear text.

    >>> m = etree.fromstring('<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow>'
    ...     '<mover><mi>x</mi><mo>¯</mo></mover><mo>=</mo><mfrac><mrow><mi>a</mi><mo>+</mo>'
    ...     '<mi>b</mi></mrow><mn>2</mn></mfrac></mrow></math>')
    >>> math_text(m)
    'x̄ = (a + b)/2'
    """
    return _squash(_math(el)).translate(_INVISIBLE)


def _math(el) -> str:
    name = _local(el)
    kids = [c for c in el if isinstance(c.tag, str)]
    if name in ("mi", "mn", "mtext", "ms", "ci", "cn"):
        return "".join(el.itertext())
    if name == "mo":
        op = "".join(el.itertext()).strip()
        return f" {op} " if op in _SPACED_OPS else (op or " ")
    if name == "mspace":
        return " "
    if name in ("annotation", "annotation-xml", "mphantom", "none"):
        return ""
    if name == "semantics":
        return _math(kids[0]) if kids else ""
    parts = [_math(k) for k in kids]
    if name == "mfrac" and len(parts) == 2:
        return f"{_wrap(parts[0])}/{_wrap(parts[1])}"
    if name == "msqrt":
        return "√" + _wrap("".join(parts))
    if name == "mroot" and len(parts) == 2:
        return f"{parts[1].strip()}√{_wrap(parts[0])}"
    if name == "msup" and len(parts) == 2:
        return f"{parts[0]}^{_wrap(parts[1])}"
    if name == "msub" and len(parts) == 2:
        return f"{parts[0]}_{_wrap(parts[1])}"
    if name == "msubsup" and len(parts) == 3:
        return f"{parts[0]}_{_wrap(parts[1])}^{_wrap(parts[2])}"
    if name == "mover" and len(parts) == 2:
        base, mark = parts[0].strip(), parts[1].strip()
        if mark in _OVER_MARKS and len(base) == 1:
            return base + _OVER_MARKS[mark]
        if mark in _OVER_MARKS:
            return f"{_wrap(base)}{_OVER_MARKS[mark]}"
        return f"{base}^{_wrap(mark)}"
    if name == "munder" and len(parts) == 2:
        return f"{parts[0]}_{_wrap(parts[1])}"
    if name == "munderover" and len(parts) == 3:
        return f"{parts[0]}_{_wrap(parts[1])}^{_wrap(parts[2])}"
    if name == "mfenced":
        seps = (el.get("separators", ",") or "").strip() or ","
        inner = ""
        for i, p in enumerate(parts):
            if i:
                inner += seps[min(i - 1, len(seps) - 1)] + " "
            inner += p
        return f"{el.get('open', '(')}{inner}{el.get('close', ')')}"
    if name == "mtr":
        return ", ".join(p.strip() for p in parts)
    if name == "mtable":
        return "; ".join(p.strip() for p in parts)
    return "".join(parts) if parts else "".join(el.itertext())


_SUP = str.maketrans("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")


def _script(text: str, table: dict, marker: str) -> str:
    t = text.strip()
    if t and all(ord(ch) in table for ch in t):
        return t.translate(table)
    return f"{marker}{_wrap(t)}" if t else ""


_LINK_WORDS = {"figure": "Figure", "table": "Table", "example": "Example", "exercise": "Exercise",
               "equation": "Equation", "section": "Section", "note": "Note", "list": "List",
               "subfigure": "Figure", "media": "Figure"}
_PUNCT_SPACE = re.compile(r" ([.,;:!?])(?= |$)")  # "x̄ ." after a formula -> "x̄."
_SKIP_ALWAYS = {"image", "label", "metadata", "param", "object", "iframe", "flash",
                "video", "audio", "download", "glossary"}
_INLINE = {"emphasis", "term", "link", "sub", "sup", "foreign", "span", "cite", "cite-title",
           "footnote", "space", "linkgroup", "quote", "code", "newline"}
_MARKS = {"arabic": "1", "lower-alpha": "a", "upper-alpha": "A", "lower-roman": "i",
          "upper-roman": "I"}


def _roman(n: int) -> str:
    out = ""
    for v, s in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                 (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= v:
            out, n = out + s, n - v
    return out


def _marker(style: str, n: int) -> str:
    if style == "lower-alpha":
        return chr(ord("a") + (n - 1) % 26)
    if style == "upper-alpha":
        return chr(ord("A") + (n - 1) % 26)
    if style == "lower-roman":
        return _roman(n)
    if style == "upper-roman":
        return _roman(n).upper()
    return str(n)


_LANGUAGES = {"python", "py", "java", "javascript", "js", "typescript", "c", "cpp", "c++", "csharp",
              "c#", "go", "rust", "ruby", "r", "sql", "html", "xml", "css", "bash", "sh", "shell",
              "console", "matlab", "julia", "kotlin", "swift", "php", "perl", "scala", "haskell",
              "json", "yaml", "text", "pseudocode"}
_LINE_NO = re.compile(r"^\s*(\d+)(?:[:.|])?(?:\s|$)")


def _is_code_block(el) -> bool:
    """A listing: ``<code display="block">``, ``<preformat>``, or ``<code>`` spanning lines."""
    name = _local(el)
    if name == "preformat":
        return True
    if name != "code" or _ns(el) == MATHML:
        return False
    if el.get("display") == "block":
        return True
    return el.get("display") != "inline" and "\n" in "".join(el.itertext()).strip()


def code_language(el) -> str:
    """Language of a code element: its ``lang`` attribute, else a language named in its class."""
    lang = (el.get("lang") or "").strip().lower()
    if lang:
        return lang
    for token in _classes(el):
        if token.lower() in _LANGUAGES:
            return token.lower()
    return ""


def _code_text(el) -> str:
    parts = [el.text or ""]
    for child in el:
        if _local(child) == "newline":
            parts.append("\n")
        elif isinstance(child.tag, str):
            parts.append(_code_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def code_lines(el) -> list[str]:
    r"""The lines of a listing, verbatim, with leading/trailing blank lines and line numbering
    dropped: numbering is dropped when every non-blank line starts with its own number
    (1, 2, 3, ...), whatever the class says.

    >>> code_lines(etree.fromstring('<code>1  x = 1\n2  if x:\n3      y = 2</code>'))
    ['x = 1', 'if x:', '    y = 2']
    """
    lines = _code_text(el).expandtabs(4).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    lines = [ln.rstrip() for ln in lines]
    numbered = [ln for ln in lines if ln.strip()]
    if numbered:
        nums = [_LINE_NO.match(ln) for ln in numbered]
        if all(nums):
            values = [int(m.group(1)) for m in nums]
            if values == list(range(values[0], values[0] + len(values))) and len(values) > 1:
                # the text after each number, indented relative to the shallowest line
                bodies = [re.sub(r"^[:.|]", "", ln[m.end(1):]) for ln, m in zip(numbered, nums)]
                indent = min((len(b) - len(b.lstrip()) for b in bodies if b.strip()), default=0)
                it = iter(bodies)
                lines = [next(it)[indent:] if ln.strip() else "" for ln in lines]
    return lines


def code_fence(el) -> list[str]:
    """A listing as a fenced Markdown block: the opening fence with its language, the
    lines, the closing fence (a longer fence when the code itself holds one)."""
    lines = code_lines(el)
    if not lines:
        return []
    fence = "```"
    while any(ln.lstrip().startswith(fence) for ln in lines):
        fence += "`"
    return [fence + code_language(el), *lines, fence]


class Renderer:
    """CNXML to plain text: one block (paragraph, title, list item, table row) a line.

    ``skip(el)`` leaves an element out (its tail text stays); ``link_label(link)`` gives the
    text of an empty ``<link/>`` (the printed book generates "Figure 3.2" there). Inline markup keeps its
    text; an image is its ``alt`` text in brackets; ``<sup>``/``<sub>`` of digits become Unicode super/subscripts (``10⁶``), other
    scripts ``^x``/``_x``; MathML goes through :func:`math_text`; media are dropped.
    """

    def __init__(self, skip: Callable[[etree._Element], bool] | None = None,
                 link_label: Callable[[etree._Element], str] | None = None, *, code_marks: bool = False):
        self.skip = skip or (lambda el: False)
        self.link_label = link_label  # text for an empty <link/> (generated in print)
        self.code_marks = code_marks  # inline code as `code` (body text); off for labels and titles

    def text(self, el) -> str:
        """Block text of ``el`` (lines joined with newlines)."""
        return "\n".join(self.blocks(el))

    def line(self, el) -> str:
        """Block text of ``el`` on one line (a code block inside keeps its own lines)."""
        blocks = self.blocks(el)
        if any(b.startswith("```") for b in blocks):
            return "\n".join(blocks)
        return " ".join(blocks)

    def blocks(self, el, *, skip_title: bool = False) -> list[str]:
        out: list[str] = []
        buf: list[str] = [el.text or ""]
        for child in el:
            name = _local(child)
            if not name or self.skip(child) or name in _SKIP_ALWAYS or (skip_title and name == "title"):
                pass
            elif _ns(child) == MATHML:
                buf.append(" " + math_text(child) + " ")
            elif name == "newline":
                self._flush(buf, out)
            elif _is_code_block(child):
                self._flush(buf, out)
                out.extend(code_fence(child))
            elif name in _INLINE and child.get("display") != "block":
                buf.append(self.inline(child))
            else:
                self._flush(buf, out)
                if name == "media":
                    alt = _squash(child.get("alt") or "")
                    if alt:
                        out.append(f"[{alt}]")
                elif name == "list":
                    out.extend(self.list_lines(child))
                elif name == "table":
                    out.extend(self.table_lines(child))
                elif name == "title":
                    title = _squash(self.inline(child))
                    if title:
                        out.append(fix_caps(title))
                else:
                    out.extend(self.blocks(child))
            buf.append(child.tail or "")
        self._flush(buf, out)
        return out

    @staticmethod
    def _flush(buf: list[str], out: list[str]) -> None:
        text = _PUNCT_SPACE.sub(r"\1", _squash("".join(buf)))
        if text:
            out.append(text)
        buf.clear()

    def inline(self, el) -> str:
        if _ns(el) == MATHML:
            return " " + math_text(el) + " "
        name = _local(el)
        if name in ("newline", "space"):
            return " "
        if name == "link" and self.link_label and len(el) == 0 and not (el.text or "").strip():
            return self.link_label(el)
        parts = [el.text or ""]
        for child in el:
            cname = _local(child)
            if cname == "media":
                alt = _squash(child.get("alt") or "")
                parts.append(f" [{alt}] " if alt else " ")
            elif cname and not self.skip(child) and cname not in _SKIP_ALWAYS:
                parts.append(self.inline(child) if cname in _INLINE or _ns(child) == MATHML
                             else " " + self.line(child) + " ")
            parts.append(child.tail or "")
        text = "".join(parts)
        if name == "code" and self.code_marks and text.strip():
            tick = "``" if "`" in text else "`"
            return f"{tick}{text.strip()}{tick}"
        if name == "sup":
            if text.strip() in ("st", "nd", "rd", "th"):  # ordinals: 90<sup>th</sup>
                return text.strip()
            return _script(text, _SUP, "^")
        if name == "sub":
            return _script(text, _SUB, "_")
        return text

    def items(self, lst) -> list[str]:
        """The items of a list, each on one line, without markers."""
        out = []
        for it in lst:
            if _local(it) == "item" and not self.skip(it):
                line = self.line(it)
                out.append(line.strip() if "```" in line else _squash(line))
        return out

    def list_lines(self, lst) -> list[str]:
        out = []
        title = lst.find(C + "title")
        if title is not None and not self.skip(title):
            out.append(fix_caps(_squash(self.inline(title))))
        items = self.items(lst)
        kind = lst.get("list-type") or "bulleted"
        if lst.get("display") == "inline":
            if items:
                out.append(", ".join(items))
            return out
        style = lst.get("number-style") or "arabic"
        suffix = lst.get("mark-suffix") or "."
        try:
            start = int(lst.get("start-value") or 1)
        except ValueError:
            start = 1
        for n, item in enumerate(items, start):
            if kind == "enumerated":
                out.append(f"{_marker(style, n)}{suffix} {item}")
            elif kind == "bulleted":
                out.append(f"- {item}")
            else:
                out.append(item)
        return out

    def table_lines(self, table) -> list[str]:
        out = []
        for el in table.iter():
            name = _local(el)
            if name == "title" and el.getparent() is table:
                out.append(fix_caps(_squash(self.inline(el))))
            elif name == "row":
                raw = [self.line(e) for e in el if _local(e) == "entry"]
                if any("```" in c for c in raw):
                    # a listing in a cell stays a fenced block on its own lines
                    for cell in raw:
                        if "```" in cell:
                            out.extend(cell.strip().split("\n"))
                        elif cell.strip():
                            out.append(_squash(cell))
                    continue
                cells = [_squash(c) for c in raw]
                if any(cells):
                    out.append(" | ".join(cells).rstrip(" |"))
            elif name == "caption" and el.getparent() is table:
                out.extend(self.blocks(el))
        return out


# ---- concept matching ---------------------------------------------------------------------

class ConceptMatcher:
    """Finds concept labels in text with the project's one matcher,
    :class:`kg.labels.LabelMatcher` (whole words, case-insensitive, longest match first,
    plurals and singulars), keyed by whatever the importer uses for a concept.

    >>> m = ConceptMatcher({"confirmation bias": "cb", "bias": "b", "mean": "m"})
    >>> sorted(m.find("Confirmation bias is a bias; the MEANS of it."))
    ['b', 'cb', 'm']
    >>> m.find("biased meaning")
    set()
    """

    def __init__(self, labels: dict[str, object]):
        by_key: dict[object, list[str]] = {}
        for label, key in labels.items():
            by_key.setdefault(key, []).append(label)
        self._m = LabelMatcher(by_key)

    def find(self, text: str) -> set:
        return set(self.count(text))

    def count(self, text: str) -> Counter:
        """How many times each concept occurs in ``text`` (longest match first)."""
        return Counter(m.concept for m in self._m.find(text))


def concept_matcher(labels: dict[str, object]) -> ConceptMatcher:
    """The matcher the importer uses for mentions, first use and ``kgs:assesses``."""
    return ConceptMatcher(labels)


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


# ---- reading files -------------------------------------------------------------------------

def _parser() -> etree.XMLParser:
    return etree.XMLParser(huge_tree=False, remove_comments=True, remove_pis=True,
                           resolve_entities=False, no_network=True, load_dtd=False)


def _parse_xml(path: Path, max_bytes: int) -> etree._Element:
    check_size(path, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportFailed(f"cannot read the file: {e.strerror or e}", path=path) from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        msg = re.sub(r",? line \d+, column \d+$", "", str(e.msg or e)).strip()
        raise ImportFailed(f"malformed XML: {msg}", path=path, line=e.lineno or None,
                           hint="fix the XML (every tag closed, & written &amp;) and import again"
                           ) from None
    if root is None:
        raise ImportFailed("empty XML document", path=path, line=1)
    return root


def find_collection(path: Path) -> Path:
    """The collection file of a book folder (or ``path`` itself when it is a file)."""
    if path.is_file():
        return path
    found = sorted((path / "collections").glob("*.collection.xml")) if path.is_dir() else []
    if not found:
        raise ImportFailed("no collections/*.collection.xml in this folder", path=path,
                           hint="give the book folder of an OpenStax repository or its collection file")
    if len(found) > 1:
        raise ImportFailed(f"{len(found)} collections in this folder ("
                           + ", ".join(p.name for p in found) + ")", path=path,
                           hint="give the collection file of the book to import")
    return found[0]


_MODULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~-]*")


def check_inside(path: Path, root: Path, *, what: str = "the file") -> None:
    """Refuse ``path`` when it (or a symbolic link on the way to it) leads outside ``root``."""
    try:
        real, base = path.resolve(strict=False), root.resolve(strict=False)
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise ImportFailed(f"{what} cannot be resolved ({e}); refused, nothing read", path=path) from None
    if not real.is_relative_to(base):
        link = next((p for p in [path, *path.parents] if p.is_symlink()), None)
        how = f"a symbolic link ({link}) leads to {real}" if link is not None else f"it resolves to {real}"
        raise ImportFailed(f"{what} is outside the book folder {base}: {how}; refused, nothing read",
                           path=path, hint="keep every file of the book inside its folder (copy it, do not link it)")


# ---- the book model ------------------------------------------------------------------------

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


_QUESTION_KINDS = {
    "review-questions": "review_questions",
    "critical-thinking": "critical_thinking",
    "personal-application": "personal_application",
    "practice": "practice",
    "free-response": "homework",
    "try": "try_it",
    "bring-together-exercises": "bring_together_exercises",
    "bring-together-homework": "bring_together_homework",
    "section-exercises": "section_exercises",
    "review-exercises": "review_exercises",
    "checkpoint": "checkpoint_exercises",
}
_EXCLUDED_FROM_TEXT = set(_QUESTION_KINDS) | {"summary", "references", "learning-objectives"}
_RESOURCE_KINDS = ("example", "note", "checkpoint", "theorem")
"""Typed resources (``kgs:resourceKind``): ``<example>``, ``<note class="checkpoint">``,
``<note class="theorem">`` (also "lemma", "corollary", "definition"-like math notes stay
"theorem" only when so classed) and every other ``<note>`` with content."""
_NOT_RESOURCE_NOTES = {"chapter-objectives", "lab"} | (set(_QUESTION_KINDS) - {"checkpoint"})
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
_COUNT_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
_NEXT_N = re.compile(r"\b(?:next|following)\s+(\d+|[a-z]+)\s+(?:\w+\s+)?(?:exercises|questions|problems)\b", re.I)
_NEXT_ONE = re.compile(r"\b(?:next|following)\s+(?:exercise|question|problem)\b", re.I)
_LETTER = re.compile(r"\(?([A-Za-z])[.)]?")
_LETTER_TEXT = re.compile(r"\(?([A-Za-z])[.)]\s+(.+)", re.S)


def _context_count(text: str) -> int | None:
    """How many exercises a shared context governs ("the next five exercises"), if stated."""
    m = _NEXT_N.search(text)
    if m:
        word = m.group(1).lower()
        if word.isdigit():
            return int(word)
        if word in _COUNT_WORDS:
            return _COUNT_WORDS[word]
    if _NEXT_ONE.search(text):
        return 1
    return None


_OUTCOMES = re.compile(r"\blearning\s+outcomes?\b", re.I)


def _is_outcomes_list(lst) -> bool:
    """A lab's "Student Learning Outcome(s)": the list's own title, or a paragraph holding
    only that title right before the list (both forms occur in Introductory Statistics)."""
    title = lst.find(C + "title")
    if title is not None:
        return bool(_OUTCOMES.search("".join(title.itertext())))
    prev = lst.getprevious()
    if prev is None or _local(prev) != "para":
        return False
    only = [c for c in prev if isinstance(c.tag, str)]
    return (len(only) == 1 and _local(only[0]) == "title"
            and not _squash((prev.text or "") + (only[0].tail or ""))
            and bool(_OUTCOMES.search("".join(only[0].itertext()))))


_RESOURCE_COUNTS = {"example": "examples", "note": "notes", "checkpoint": "checkpoints", "theorem": "theorems"}
_THEOREM_CLASSES = {"theorem", "lemma", "corollary", "proposition", "rule", "law"}


def _better_label(new: str, old: str, key: str) -> bool:
    """Prefer the singular form ("statement" over "statements") and lower case over a
    capital that only starts a sentence ("Statement")."""
    new_exact, old_exact = slug(new) == key, slug(old) == key
    if new_exact != old_exact:
        return new_exact
    return new != old and new.casefold() == old.casefold() and new == new.lower() and old != old.lower()


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


def _in_excluded(el, *, self_too: bool = True) -> bool:
    """Inside a question, summary, references or objectives section/note, or an exercise."""
    chain = [el, *el.iterancestors()] if self_too else list(el.iterancestors())
    for anc in chain:
        name = _local(anc)
        if name == "exercise" and anc is not el:
            return True
        if name in ("section", "note", "exercise") and _classes(anc) & _EXCLUDED_FROM_TEXT:
            return True
    return False


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


def _embedded_exercise(link) -> str | None:
    """The exercise id of an ``os-embed`` link to an exercise bank (``#exercise/<id>``)."""
    if "os-embed" not in _classes(link):
        return None
    url = (link.get("url") or "").strip()
    m = re.match(r"#?exercise/(.+)$", url)
    return m.group(1).strip() if m and m.group(1).strip() else None


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


_OBJECTIVES_LEAD = re.compile(r"\b(?:by the end of this|after (?:reading|completing|studying) this)\b.*"
                              r"\b(?:able to|will|should)\b|\blearning (?:objectives|outcomes|goals)\b", re.I)


def _objective_lists(content) -> list:
    """Lists of learning objectives in a module's content: every list of a section, note or
    div classed ``learning-objectives``/``objectives``, and a list right after a lead-in
    paragraph ("By the end of this section you should be able to:")."""
    found: list = []
    for el in content.iter(C + "section", C + "note", C + "div"):
        classes = {c.lower() for c in _classes(el)}
        if classes & {"learning-objectives", "objectives", "learning-outcomes"}:
            found.extend(l for l in el.iter(C + "list") if l not in found)
    for lst in content.iter(C + "list"):
        if (lst in found or _in_excluded(lst) or _is_outcomes_list(lst)
                or any("chapter-objectives" in _classes(a) for a in lst.iterancestors())):
            continue
        prev = lst.getprevious()
        if prev is not None and _local(prev) == "para":
            lead = _squash("".join(prev.itertext()))
            if len(lead) < 200 and _OBJECTIVES_LEAD.search(lead):
                found.append(lst)
    return found


def _no_question_text(text: str, ex_id: str, module_id: str) -> bool:
    """True when a problem has no question to ask: empty, or only an identifier
    (``m00045-exer-00001``, ``#exercise/…``)."""
    t = _squash(text).strip("`")
    if not any(ch.isalnum() for ch in t):
        return True
    if " " in t or not re.fullmatch(r"[#\w./:-]+", t):
        return False
    return (t == ex_id or t.startswith(("#", module_id)) or "exer" in t.lower()
            or (len(t) >= 8 and any(ch.isdigit() for ch in t) and any(ch.isalpha() for ch in t)
                and "-" in t and not any(ch in t for ch in "=+.")))


def _norm(text: str) -> str:
    return re.sub(r"\W+", "", text.casefold())


class _Book:
    """Builds the graph of one book; see the module docstring for the mapping."""

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
        self.matcher = None  # concept_matcher(), built once every concept is known
        self.link_label: Callable[[etree._Element], str] | None = None

    # -- helpers ---------------------------------------------------------------------
    def lit(self, text: str) -> Literal:
        return Literal(text, lang=self.lang)

    def add(self, s, p, o) -> None:
        self.g.add((s, p, o))

    def fail(self, message: str, el, **kw) -> ImportFailed:
        """An error about an element of the collection file."""
        return ImportFailed(message, path=self.collection, line=el.sourceline, **kw)

    # -- collection ------------------------------------------------------------------
    def read_collection(self) -> None:
        root = _parse_xml(self.collection, self.max_bytes)
        if root.tag != COL + "collection":
            raise ImportFailed(f"not an OpenStax collection: the root element is <{_local(root) or root.tag}>",
                               path=self.collection, line=root.sourceline,
                               hint=f"expected <col:collection> in namespace {COLLXML}")
        meta = root.find(COL + "metadata")

        def md(name: str) -> etree._Element | None:
            return meta.find(MD + name) if meta is not None else None

        title_el = md("title")
        self.title = _squash("".join(title_el.itertext())) if title_el is not None else ""
        slug_el = md("slug")
        raw_slug = _squash(slug_el.text or "") if slug_el is not None else ""
        self.slug = slug(raw_slug or self.title or self.collection.name.split(".")[0])
        lang_el = md("language")
        self.lang = _squash(lang_el.text or "") if lang_el is not None and lang_el.text else "en"
        language_tag(self.lang, path=self.collection, line=lang_el.sourceline if lang_el is not None else None,
                     item="md:language")
        self.curriculum = mint(self.slug, "curriculum", self.slug)
        g = self.curriculum
        self.add(g, RDF.type, KGS.Curriculum)
        self.add(g, RDF.type, SDO.Course)
        self.add(g, RDFS.label, self.lit(self.title or self.slug))
        lic = md("license")
        if lic is not None and lic.get("url"):
            self.add(g, DCTERMS.license, iri(lic.get("url").strip(), path=self.collection, line=lic.sourceline,
                                             item="md:license", what="licence url"))
        uuid = md("uuid")
        if uuid is not None and uuid.text and uuid.text.strip():
            self.add(g, KGS.sourceId, Literal(uuid.text.strip()))

        content = root.find(COL + "content")
        if content is None:
            raise ImportFailed("the collection has no <col:content>", path=self.collection,
                               line=root.sourceline)
        chapter_no = 0
        book_pos = 0
        for el in content:
            if el.tag == COL + "module":
                book_pos += 1
                self._add_module(el, None, book_pos)
            elif el.tag == COL + "subcollection":
                chapter_no += 1
                self._add_chapter(el, chapter_no)
        self.counts["chapters"] = chapter_no

    def _add_chapter(self, sub, number: int) -> None:
        node = mint(self.slug, "chapter", str(number))
        title_el = sub.find(MD + "title")
        title = _squash("".join(title_el.itertext())) if title_el is not None else f"Chapter {number}"
        self.add(node, RDF.type, KGS.Chapter)
        self.add(node, RDF.type, SDO.LearningResource)
        self.add(node, RDFS.label, self.lit(title))
        self.add(node, KGS.partOf, self.curriculum)
        self.add(node, KGS.position, Literal(number))
        position = 0
        for ref in sub.iter(COL + "module"):  # deeper subcollections are flattened
            position += 1
            self._add_module(ref, number, position)

    def _add_module(self, ref, chapter: int | None, position: int) -> None:
        mid = (ref.get("document") or "").strip()
        if not mid:
            raise self.fail("a <col:module> without a document id", el=ref)
        if mid in self.by_id:
            raise self.fail(f"module {mid} is listed twice in the collection", el=ref, item=mid,
                            hint="a module can appear once in a book")
        if not _MODULE_ID.fullmatch(mid) or mid in (".", ".."):
            raise self.fail(f"module id {mid!r} is not a folder name inside modules/ (it points outside "
                            "the book folder); refused, nothing read", el=ref, item=mid,
                            hint="a <col:module document> is a module id such as m00045, without / or ..")
        path = self.modules_dir / mid / "index.cnxml"
        if not path.exists() and not path.is_symlink():
            raise self.fail(f"module {mid} is listed in the collection but {path} does not exist",
                            el=ref, item=mid, hint="copy the module folder next to the others or "
                            "remove it from the collection")
        check_inside(path, self.root, what=f"module {mid}")
        check_regular(path)
        mod = _Module(mid, path, "section" if chapter else "resource", chapter, position, URIRef(""))
        self.modules.append(mod)
        self.by_id[mid] = mod

    # -- modules ---------------------------------------------------------------------
    def read_modules(self) -> None:
        total = len(self.modules)
        book_resources = 0
        for done, mod in enumerate(self.modules, 1):
            root = _parse_xml(mod.path, self.max_bytes)
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
            mod.node = mint(self.slug, kind, mod.id)
            title_el = root.find(C + "title")
            if title_el is None:
                title_el = root.find(f"{C}metadata/{MD}title")
            mod.title = _squash(Renderer().inline(title_el)) if title_el is not None else mod.id
            self._read_glossary(mod)
            if self.progress:
                self.progress("modules", done, total)
        self.counts["modules"] = total
        for kind, key in (("preface", "prefaces"), ("introduction", "introductions"),
                          ("section", "sections"), ("lab", "labs"), ("appendix", "appendices")):
            self.counts[key] = sum(m.kind == kind for m in self.modules)
        self.counts["resources"] = sum(m.kind not in ("section", "introduction") for m in self.modules)

    def _read_glossary(self, mod: _Module) -> None:
        r = Renderer()
        for d in mod.root.iterfind(f"{C}glossary/{C}definition"):
            term_el = d.find(C + "term")
            term = _squash(r.inline(term_el)) if term_el is not None else ""
            if not term:
                raise ImportFailed("a glossary definition without a term", path=mod.path,
                                   line=d.sourceline, item=d.get("id"),
                                   hint="give every <definition> a <term>")
            meaning = "; ".join(t for t in (_squash(r.line(m)) for m in d.iterfind(C + "meaning")) if t)
            self.counts["glossary_definitions"] += 1
            self.casefolded_terms.add(term.casefold())
            info = self.concepts.setdefault(slug(term), _ConceptInfo(term))
            if meaning:
                if info.first_definition is None:
                    info.first_definition = meaning
                    info.source = f"{mod.id}#{_id_of(d)}" if d.get("id") else ""
                if meaning not in info.definitions:
                    info.definitions.append(meaning)
            if mod.node not in info.defined_in:
                info.defined_in.append(mod.node)

    def _read_inline_concepts(self) -> None:
        """A book without a glossary: every inline ``<term>`` of the body is a concept, and the
        sentence it is marked in is a definition. A term marked in several modules is one
        concept (slug of the case-folded label); each module's first marking adds its
        sentence (``skos:definition``), the first in reading order is ``kgs:definition``."""
        for mod in self.modules:
            content = mod.root.find(C + "content")
            if content is None:
                continue
            self.link_label = self._link_labels(mod)
            r = self.renderer()
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
                        sentence, block = self._first_sentence_naming(content, label, r, block)
                info = self.concepts.get(key)
                if info is None:
                    info = self.concepts[key] = _ConceptInfo(label)
                    self.counts["inline_concepts"] += 1
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

    @staticmethod
    def _first_sentence_naming(content, label: str, r: Renderer, fallback):
        """(sentence, its block): the first body paragraph of the module naming ``label``."""
        for para in content.iter(C + "para"):
            if _in_excluded(para):
                continue
            sentence = defining_sentence(r.line(para), label)
            if sentence:
                return sentence, para
        return "", fallback

    # -- emitting --------------------------------------------------------------------
    def emit(self) -> None:
        if not self.counts["glossary_definitions"]:
            self._read_inline_concepts()
        self.matcher = concept_matcher({info.label: key for key, info in self.concepts.items()})
        chapter_objectives: Counter[URIRef] = Counter()  # objectives so far per chapter
        for mod in self.modules:
            self._emit_module(mod, chapter_objectives)
        self._emit_concepts()

    def renderer(self, skip: Callable[[etree._Element], bool] | None = None) -> Renderer:
        return Renderer(skip, self.link_label, code_marks=True)

    def _link_labels(self, mod: _Module) -> Callable[[etree._Element], str]:
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

    def _emit_module(self, mod: _Module, chapter_objectives: Counter) -> None:
        node, root = mod.node, mod.root
        section = mod.kind in ("section", "introduction")
        self.add(node, RDF.type, KGS.Section if section else KGS.Resource)
        self.add(node, RDF.type, SDO.LearningResource)
        self.add(node, RDFS.label, self.lit(mod.title))
        parent = mint(self.slug, "chapter", str(mod.chapter)) if mod.chapter else self.curriculum
        self.add(node, KGS.partOf, parent)
        self.add(node, KGS.position, Literal(mod.position))
        self.add(node, KGS.sourceId, Literal(mod.id))
        content = root.find(C + "content")
        if content is None:
            content = etree.Element(C + "content")

        # text and summary
        def skip(el) -> bool:
            return _local(el) in ("section", "note", "exercise") and bool(_classes(el) & _EXCLUDED_FROM_TEXT)

        self.link_label = self._link_labels(mod)
        text = self.renderer(skip).text(content)
        if text:
            self.add(node, KGS.text, self.lit(text))
        summaries = [s for s in content.iter(C + "section") if "summary" in _classes(s)]
        if summaries:
            summary = "\n".join("\n".join(self.renderer().blocks(s, skip_title=True)) for s in summaries)
            if summary:
                self.add(node, KGS.summary, self.lit(summary))
                self.counts["summaries"] += 1
        self.counts["formula_reviews"] += sum("formula-review" in _classes(s) for s in content.iter(C + "section"))
        self.counts["math"] += sum(1 for _ in root.iter("{%s}math" % MATHML))

        self._emit_objectives(mod, content, chapter_objectives)

        # glossary → teaches
        for d in root.iterfind(f"{C}glossary/{C}definition"):
            key = slug(_squash(Renderer().inline(d.find(C + "term"))))
            self.add(node, KGS.teaches, self.concept(key))

        # inline terms and concept labels in the text → mentions, first use
        mentioned: Counter[str] = Counter()
        for t in content.iter(C + "term"):
            self.counts["inline_terms"] += 1
            label = _squash(Renderer().inline(t))
            key = slug(label)
            if key not in self.concepts:
                key = term_key(label)
            if key not in self.concepts:
                self.counts["inline_terms_unmatched"] += 1
                continue
            mentioned[key] += 0
        mentioned.update(self.matcher.count(text))
        for key in mentioned:
            self.add(node, KGS.mentions, self.concept(key))
            info = self.concepts[key]
            if info.first_used_in is None:
                info.first_used_in = node
        if mentioned:
            self.counts["sections_mentioning"] += 1
            self.counts["mentions"] += len(mentioned)

        self._emit_code_counts(content)
        self._emit_embedded(mod, content)
        self._emit_resources(mod, content)

        # links
        for link in root.iter(C + "link"):
            doc = (link.get("document") or "").strip()
            self.counts["links_url"] += bool(link.get("url"))
            self.counts["links_target_id"] += bool(link.get("target-id"))
            self.counts["links_document"] += bool(doc)
            if not doc or doc == mod.id:
                continue
            self.counts["links_cross_module"] += 1
            target = self.by_id.get(doc)
            if target is None:
                self.counts["links_unresolved"] += 1
                continue
            self.add(node, KGS.linksTo, target.node)

        self._emit_items(mod, content)

    def _emit_code_counts(self, content) -> None:
        for el in content.iter(C + "code", C + "preformat"):
            if _is_code_block(el):
                self.counts["code_blocks"] += 1
            else:
                self.counts["code_inline"] += 1

    def _emit_embedded(self, mod: _Module, content) -> None:
        """``<link class="os-embed" url="#exercise/…">``: an exercise whose content lives in an
        exercise bank, not in the book. A ``kgs:ExternalItem`` (never an assessment item)
        ``kgs:partOf`` its module, ``kgs:sourceId`` the URL."""
        position = 0
        for link in content.iter(C + "link"):
            ext = _embedded_exercise(link)
            if ext is None:
                continue
            position += 1
            self.counts["embedded_exercises"] += 1
            node = mint(self.slug, "external", ext)
            self.add(node, RDF.type, KGS.ExternalItem)
            self.add(node, RDFS.label, self.lit(f"Embedded exercise {ext} (content not in the source)"))
            self.add(node, KGS.partOf, mod.node)
            self.add(node, KGS.position, Literal(position))
            self.add(node, KGS.sourceId, Literal((link.get("url") or "").strip()))

    def _emit_resources(self, mod: _Module, content) -> None:
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
            text = self.renderer(lambda e: _local(e) == "solution" or (_local(e) == "title" and e.getparent() is el)
                                 ).text(el)
            solutions = "\n\n".join(t for t in (self.renderer().text(x) for x in el.iter(C + "solution")) if t)
            if not text and not solutions:
                continue
            position += 1
            self.counts[_RESOURCE_COUNTS[kind]] += 1
            self.counts["typed_resources"] += 1
            node = mint(self.slug, "resource", f"{mod.id}-{local}")
            title_el = el.find(C + "title")
            if title_el is None:
                title_el = el.find(f"{C}exercise/{C}problem/{C}title")  # a worked example's title
            title = _squash(Renderer().inline(title_el)) if title_el is not None else ""
            self.add(node, RDF.type, KGS.Resource)
            self.add(node, RDF.type, SDO.LearningResource)
            self.add(node, KGS.resourceKind, Literal(kind))
            self.add(node, RDFS.label, self.lit(f"{kind.capitalize()}: {title}" if title
                                                else f"{kind.capitalize()} {per_kind[kind]} of {mod.title}"))
            self.add(node, KGS.partOf, mod.node)
            self.add(node, KGS.position, Literal(position))
            self.add(node, KGS.sourceId, Literal(f"{mod.id}-{local}"))
            if text:
                self.add(node, KGS.text, self.lit(text))
            if solutions:
                self.add(node, KGS.solution, self.lit(solutions))
            for token in sorted(_classes(el)):
                self.add(node, KGS.keyword, Literal(token))
            for key in sorted(self.matcher.find(f"{text}\n{solutions}")):
                self.add(node, KGS.mentions, self.concept(key))

    def _objective(self, owner: URIRef, text: str, n_in_module: int, position: int,
                   mod: _Module) -> None:
        obj = mint(self.slug, "objective", f"{mod.id}-{n_in_module}")
        self.add(obj, RDF.type, KGS.LearningObjective)
        self.add(obj, RDFS.label, self.lit(text))
        self.add(obj, KGS.partOf, owner)
        self.add(obj, KGS.position, Literal(position))
        level = bloom_level(text)
        if level is not None:
            self.add(obj, KGS.bloomLevel, level)
        else:
            self.counts["objectives_without_bloom_level"] += 1
        for key in sorted(self.matcher.find(text)):
            self.add(obj, KGS.teaches, self.concept(key))
        self.add(owner, KGS.hasObjective, obj)

    def _emit_objectives(self, mod: _Module, content, chapter_objectives: Counter) -> None:
        r = self.renderer()
        n = 0
        abstract = mod.root.find(f"{C}metadata/{MD}abstract")
        seen: set[str] = set()
        if abstract is not None:
            for pos, text in enumerate((t for lst in abstract.iter(C + "list") for t in r.items(lst) if t), 1):
                n += 1
                seen.add(_norm(text))
                self._objective(mod.node, text, n, pos, mod)
                self.counts["objectives"] += 1
        # objectives in the content: <section class="learning-objectives"> and lists after
        # "By the end of this section you should be able to"
        for lst in _objective_lists(content):
            for text in r.items(lst):
                if text and _norm(text) not in seen:
                    n += 1
                    seen.add(_norm(text))
                    self._objective(mod.node, text, n, len(seen), mod)
                    self.counts["objectives"] += 1
        for note in content.iter(C + "note"):
            if "chapter-objectives" not in _classes(note):
                continue
            owner = mint(self.slug, "chapter", str(mod.chapter)) if mod.chapter else mod.node
            for lst in note.iter(C + "list"):
                for text in r.items(lst):
                    if text:
                        n += 1
                        chapter_objectives[owner] += 1
                        self._objective(owner, text, n, chapter_objectives[owner], mod)
                        self.counts["objectives"] += 1
        pos = 0
        for lst in content.iter(C + "list"):
            if not _is_outcomes_list(lst):
                continue
            for text in r.items(lst):
                if text:
                    n += 1
                    pos += 1
                    self._objective(mod.node, text, n, pos, mod)
                    self.counts["lab_outcomes"] += 1

    # -- assessment items --------------------------------------------------------------
    def _emit_items(self, mod: _Module, content) -> None:
        r = self.renderer()
        seen_ids: set[str] = set()
        position = 0
        # shared context per container element: (text, exercises it still governs or None)
        contexts: dict[etree._Element, tuple[str, int | None]] = {}
        for n, ex in enumerate(content.iter(C + "exercise"), 1):
            kind = None
            for anc in ex.iterancestors():
                if _local(anc) == "example":
                    kind = "worked_examples"
                    break
                hit = _classes(anc) & set(_QUESTION_KINDS)
                if hit and _local(anc) in ("section", "note"):
                    kind = _QUESTION_KINDS[sorted(hit)[0]]
                    break
            kind = kind or "other_exercises"
            solutions = ex.findall(C + "solution")
            if kind == "worked_examples":
                self.counts[kind] += 1
                self.counts[kind + "_with_solution"] += bool(solutions)
                continue
            problem = ex.find(C + "problem")
            if problem is None:
                raise ImportFailed("an exercise without a <problem>", path=mod.path, line=ex.sourceline,
                                   item=ex.get("id"), hint="put the question inside <problem>")
            ex_id = (ex.get("id") or "").strip()
            embeds = any(_embedded_exercise(link) for link in problem.iter(C + "link"))
            untitled = self.renderer(lambda e: _local(e) == "title").text(problem) if embeds else r.text(problem)
            if _no_question_text(untitled, ex_id, mod.id):
                # an exercise embedded from an exercise bank (os-embed; counted as
                # embedded_exercises) or one with no question text: never an item
                if not embeds:
                    self.counts["exercises_without_text"] += 1
                continue
            self.counts[kind] += 1
            if solutions:
                self.counts[kind + "_with_solution"] += 1
            # shared stems only inside question sections / notes; elsewhere the previous
            # siblings are the section's own text
            context = self._context_for(ex, r, contexts) if kind != "other_exercises" else ""
            if not ex_id or ex_id in seen_ids:
                ex_id = f"ex{n}"
            seen_ids.add(ex_id)
            local = f"{mod.id}-{ex_id}"
            item = mint(self.slug, "item", local)
            position += 1
            self.counts["items"] += 1
            self.add(item, RDF.type, KGS.AssessmentItem)
            self.add(item, RDF.type, SDO.Question)
            self.add(item, KGS.partOf, mod.node)
            self.add(item, KGS.position, Literal(position))
            self.add(item, KGS.sourceId, Literal(local))

            sol_text = "\n\n".join(t for t in (r.text(s) for s in solutions) if t)
            if sol_text.strip() and _no_question_text(sol_text, ex_id, mod.id) and any(ch.isalnum() for ch in sol_text):
                sol_text = ""   # a key that is only an id (or an embed) is no key
            choices_list, correct = self._multiple_choice(mod, ex, problem, solutions, sol_text, kind, r)
            if choices_list is not None:
                question = "\n".join(self.renderer(lambda el: el is choices_list).blocks(problem))
            else:
                question = r.text(problem)
            stem = f"{context}\n{question}" if context else question
            self.add(item, RDFS.label, self.lit(_squash(question)[:200] or local))
            self.add(item, KGS.stem, self.lit(stem or local))
            answer = ""
            if choices_list is not None:
                self.add(item, KGS.itemType, Literal("multiple-choice"))
                self.counts["multiple_choice"] += 1
                for i, text in enumerate(r.items(choices_list), 1):
                    letter = chr(ord("a") + i - 1)
                    ch = mint(self.slug, "choice", f"{local}-{letter}")
                    self.add(item, KGS.hasChoice, ch)
                    self.add(ch, RDF.type, KGS.Choice)
                    self.add(ch, RDFS.label, self.lit(f"{letter}. {text}"[:200]))
                    self.add(ch, KGS.choiceText, self.lit(text))
                    self.add(ch, KGS.position, Literal(i))
                    if correct is not None:
                        self.add(ch, KGS.isCorrect, Literal(i - 1 == correct))
                        if i - 1 == correct and text:
                            answer = text
                            self.add(item, KGS.correctAnswer, self.lit(text))
            else:
                self.add(item, KGS.itemType, Literal("free-response"))
                if sol_text:
                    answer = sol_text
                    self.add(item, KGS.solution, self.lit(sol_text))
            found = self.matcher.find(stem) | self.matcher.find(answer)
            for key in sorted(found):
                self.add(item, KGS.assesses, self.concept(key))
            if found:
                self.counts["items_assessing_concepts"] += 1

    def _context_for(self, ex, r: Renderer, contexts: dict) -> str:
        """Shared context of ``ex``: the non-exercise siblings since the previous exercise,
        carried to as many following exercises as the text says ("the next five"), else up
        to the next context. Text between the exercises of a group still open is added to
        the group's context instead of replacing it."""
        parent = ex.getparent()
        prev_blocks: list[str] = []
        sib = ex.getprevious()
        while sib is not None and _local(sib) != "exercise":
            if _local(sib) not in ("title", "label"):
                prev_blocks.insert(0, r.text(sib) if _local(sib) not in ("list", "table")
                                   else "\n".join(r.list_lines(sib) if _local(sib) == "list"
                                                  else r.table_lines(sib)))
            sib = sib.getprevious()
        fresh = "\n".join(b for b in prev_blocks if b)
        key = parent  # the dict keeps the proxy alive, so lxml hands back the same object
        text, remaining = contexts.get(key, ("", None))
        if fresh:
            if text and remaining:  # more data for a group still open ("Let X = ...")
                contexts[key] = (f"{text}\n{fresh}", remaining)
            else:
                contexts[key] = (fresh, _context_count(fresh))
        text, remaining = contexts.get(key, ("", None))
        if not text:
            return ""
        if remaining is not None:
            remaining -= 1
            contexts[key] = (text, remaining) if remaining > 0 else ("", None)
        return text

    def _multiple_choice(self, mod, ex, problem, solutions, sol_text, kind, r):
        """(choice list, index of the correct choice or None) when multiple choice, else (None, None)."""
        lists = [l for l in problem.iter(C + "list")
                 if (l.get("number-style") or "") in ("lower-alpha", "upper-alpha")]
        if len(lists) != 1:
            return None, None
        lst = lists[0]
        items = r.items(lst)
        if not items:
            return None, None
        answer = _squash(sol_text)
        m = _LETTER.fullmatch(answer)
        index = None
        if m:
            index = ord(m.group(1).lower()) - ord("a")
            if index >= len(items):
                if kind == "review_questions":
                    raise ImportFailed(
                        f"the answer {answer!r} names no choice (the question has {len(items)}: "
                        f"a-{chr(ord('a') + len(items) - 1)})", path=mod.path,
                        line=(solutions[0] if solutions else ex).sourceline, item=ex.get("id"),
                        hint="make the solution the letter of one of the choices")
                return None, None
        else:
            m = _LETTER_TEXT.fullmatch(answer)
            if m:
                i = ord(m.group(1).lower()) - ord("a")
                if 0 <= i < len(items) and _norm(m.group(2)) == _norm(items[i]):
                    index = i
        if index is not None:
            return lst, index
        if kind == "review_questions":
            if answer:
                raise ImportFailed(f"the answer {answer[:40]!r} of a review question is not a choice letter",
                                   path=mod.path, line=solutions[0].sourceline, item=ex.get("id"),
                                   hint="make the solution the letter of one of the choices")
            return lst, None
        return None, None

    def _emit_concepts(self) -> None:
        for key, info in self.concepts.items():
            c = self.concept(key)
            self.add(c, RDF.type, KGS.Concept)
            self.add(c, RDF.type, SKOS.Concept)
            self.add(c, SKOS.prefLabel, self.lit(info.label))
            self.add(c, RDFS.label, self.lit(info.label))
            if info.first_definition:
                self.add(c, KGS.definition, self.lit(info.first_definition))
            for d in info.definitions:
                self.add(c, SKOS.definition, self.lit(d))
            for s in info.defined_in:
                self.add(c, KGS.definedIn, s)
            for s in info.defined_in:
                self.add(s, KGS.teaches, c)
            if info.first_definition:
                self.counts["concepts_with_definition"] += 1
            if info.source:
                self.add(c, KGS.definitionSource, Literal(info.source))
            if info.first_used_in is not None:
                self.add(c, KGS.firstUsedIn, info.first_used_in)
                self.counts["concepts_first_used"] += 1
            self.add(c, KGS.inCurriculum, self.curriculum)
            self.add(c, SKOS.inScheme, self.curriculum)
        self.counts["concepts"] = len(self.concepts)
        self.counts["glossary_terms_casefolded"] = len(self.casefolded_terms)


@register
class CnxmlImporter(Importer):
    name = "cnxml"
    description = ("OpenStax CNXML book: a folder with collections/*.collection.xml and "
                   "modules/<id>/index.cnxml, or the collection file")

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return any((path / "collections").glob("*.collection.xml"))
        return path.name.endswith(".collection.xml") or COLLXML in sniff(path, 1024)

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        path = Path(path)
        if not path.exists():
            raise ImportFailed("no such file or folder", path=path)
        book = _Book(find_collection(path), max_bytes, progress)
        book.read_collection()
        book.read_modules()
        book.emit()
        counts = {k: int(v) for k, v in sorted(book.counts.items())}
        return ImportResult(source=book.slug, graph_iri=source_graph(book.slug), graph=book.g,
                            path=path, format=self.name, title=book.title, counts=counts)
