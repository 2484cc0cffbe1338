"""Learning objectives → ``kgs:LearningObjective``: a module's ``md:abstract`` list, the
lists of a learning-objectives section or after a lead-in ("By the end of this section you
should be able to"), a chapter's ``<note class="chapter-objectives">`` and a lab's "Student
Learning Outcome(s)"; each with a Bloom level guessed from its leading verb (``BLOOM_VERBS``)
and ``kgs:teaches`` the concepts it names.

>>> bloom_level("Define psychology")
rdflib.term.URIRef('https://w3id.org/kgstudio/bloom/remember')
>>> bloom_level("The student will construct relative frequency tables.")
rdflib.term.URIRef('https://w3id.org/kgstudio/bloom/apply')
>>> bloom_level("Ponder the universe") is None
True
"""
from __future__ import annotations

import re
from collections import Counter

from rdflib import Literal, URIRef

from kg.importers.cnxml.markup import C, MD, _classes, _in_excluded, _local, _norm, _squash
from kg.importers.cnxml.model import Book, _Module
from kg.iris import mint
from ontology.namespaces import BLOOM, KGS, RDF, RDFS


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


def _objective(book: Book, owner: URIRef, text: str, n_in_module: int, position: int,
               mod: _Module) -> None:
    obj = mint(book.slug, "objective", f"{mod.id}-{n_in_module}")
    book.add(obj, RDF.type, KGS.LearningObjective)
    book.add(obj, RDFS.label, book.lit(text))
    book.add(obj, KGS.partOf, owner)
    book.add(obj, KGS.position, Literal(position))
    level = bloom_level(text)
    if level is not None:
        book.add(obj, KGS.bloomLevel, level)
    else:
        book.counts["objectives_without_bloom_level"] += 1
    for key in sorted(book.matcher.find(text)):
        book.add(obj, KGS.teaches, book.concept(key))
    book.add(owner, KGS.hasObjective, obj)


def emit_objectives(book: Book, mod: _Module, content, chapter_objectives: Counter) -> None:
    r = book.renderer()
    n = 0
    abstract = mod.root.find(f"{C}metadata/{MD}abstract")
    seen: set[str] = set()
    if abstract is not None:
        for pos, text in enumerate((t for lst in abstract.iter(C + "list") for t in r.items(lst) if t), 1):
            n += 1
            seen.add(_norm(text))
            _objective(book, mod.node, text, n, pos, mod)
            book.counts["objectives"] += 1
    # objectives in the content: <section class="learning-objectives"> and lists after
    # "By the end of this section you should be able to"
    for lst in _objective_lists(content):
        for text in r.items(lst):
            if text and _norm(text) not in seen:
                n += 1
                seen.add(_norm(text))
                _objective(book, mod.node, text, n, len(seen), mod)
                book.counts["objectives"] += 1
    for note in content.iter(C + "note"):
        if "chapter-objectives" not in _classes(note):
            continue
        owner = mint(book.slug, "chapter", str(mod.chapter)) if mod.chapter else mod.node
        for lst in note.iter(C + "list"):
            for text in r.items(lst):
                if text:
                    n += 1
                    chapter_objectives[owner] += 1
                    _objective(book, owner, text, n, chapter_objectives[owner], mod)
                    book.counts["objectives"] += 1
    pos = 0
    for lst in content.iter(C + "list"):
        if not _is_outcomes_list(lst):
            continue
        for text in r.items(lst):
            if text:
                n += 1
                pos += 1
                _objective(book, mod.node, text, n, pos, mod)
                book.counts["lab_outcomes"] += 1
