"""Moodle XML question bank (``<quiz>``), categories from the course structure.

Written to the structure of Moodle's own exports (``../shared/fixtures/moodle/xml``; no
official XSD exists) and the rules of ``../shared/fixtures/moodle/README.md``:

* a ``<question type="category">`` before each node's questions, path
  ``$course$/top/<curriculum>/<chapter>/<section>/<quiz>`` (a ``/`` inside a name is
  written ``//``, which Moodle reads as a literal slash);
* type mapping: multichoice → ``multichoice`` (``<single>true``), multiresponse →
  ``multichoice`` (``<single>false``, keys share 100 %, wrong options −100 %), truefalse →
  ``truefalse``, matching → ``matching``, ordering → ``matching`` (position → step; core
  Moodle 4.2 has no ordering type), shortanswer and cloze → ``shortanswer`` (the cloze
  stem keeps its blank), essay → ``essay`` (the model answer as grader information);
* question texts and feedback are HTML in CDATA, the user's text HTML-escaped first (so
  it shows as typed); answers of short-answer questions are plain text with Moodle's
  wildcard ``*`` escaped as ``\\*``; tags carry the Bloom level and concept.
"""
from __future__ import annotations

import html
from pathlib import Path

from lxml import etree

from generation.export.base import ExportError, Exporter, ExportResult, Progress, atomic_file, register
from generation.export.pack import ident
from generation.export.evidence import evidence_note, evidence_tags
from generation.export.qti import html_para, ordering_as_pairs, xml_text

#: kgstudio item type -> Moodle question type
MOODLE_TYPES = {"multichoice": "multichoice", "multiresponse": "multichoice", "truefalse": "truefalse",
                "matching": "matching", "ordering": "matching", "shortanswer": "shortanswer",
                "cloze": "shortanswer", "essay": "essay"}


def category_path(names: list[str]) -> str:
    """Moodle category path under ``$course$/top``; ``/`` in a name doubled.

    >>> category_path(["Ch 1", "Input/Output"])
    '$course$/top/Ch 1/Input//Output'
    """
    parts = [" ".join(xml_text(n).split()).replace("/", "//") or "-" for n in names]
    return "/".join(["$course$", "top", *parts])


def fraction_text(f: float) -> str:
    """Moodle's fraction notation (up to 7 decimals, no trailing zeros).

    >>> fraction_text(100/3), fraction_text(50.0), fraction_text(-100)
    ('33.33333', '50', '-100')
    """
    s = f"{f:.5f}".rstrip("0").rstrip(".")
    return s if s not in ("-0", "") else "0"


def shortanswer_text(answer: str) -> str:
    """A short-answer key with Moodle's wildcard ``*`` escaped (``\\*`` matches a star)."""
    return xml_text(answer).replace("*", "\\*")


def _text(parent, tag: str, value: str, *, fmt: str | None = "html", cdata: bool = True):
    e = etree.SubElement(parent, tag)
    if fmt:
        e.set("format", fmt)
    t = etree.SubElement(e, "text")
    value = xml_text(value)
    t.text = etree.CDATA(value) if cdata and value and "]]>" not in value else value
    return e


def _answer(q, fraction: float, text: str, feedback: str, *, fmt: str = "html"):
    a = etree.SubElement(q, "answer", fraction=fraction_text(fraction), format=fmt)
    t = etree.SubElement(a, "text")
    t.text = xml_text(text)
    _text(a, "feedback", html_para(feedback) if feedback else "")
    return a


def _combined_feedback(q):
    _text(q, "correctfeedback", "<p>Your answer is correct.</p>")
    _text(q, "partiallycorrectfeedback", "<p>Your answer is partially correct.</p>")
    _text(q, "incorrectfeedback", "<p>Your answer is incorrect.</p>")
    etree.SubElement(q, "shownumcorrect")


def question_element(item, name: str, idnumber: str):
    """One ``<question>`` for a kgstudio quiz item."""
    qtype = MOODLE_TYPES[item.type]
    q = etree.Element("question", type=qtype)
    n = etree.SubElement(q, "name")
    etree.SubElement(n, "text").text = xml_text(name)[:255]
    _text(q, "questiontext", html_para(item.stem))
    general = "\n\n".join(x for x in (item.feedback, evidence_note(item)) if x)
    _text(q, "generalfeedback", html_para(general) if general else "")
    etree.SubElement(q, "defaultgrade").text = "1.0000000"
    penalty = {"truefalse": "1.0000000", "shortanswer": "0.3333333", "essay": "0.0000000"}.get(qtype, "0.3333333")
    etree.SubElement(q, "penalty").text = penalty
    etree.SubElement(q, "hidden").text = "0"
    etree.SubElement(q, "idnumber").text = idnumber
    if qtype == "multichoice":
        single = item.type == "multichoice"
        etree.SubElement(q, "single").text = "true" if single else "false"
        etree.SubElement(q, "shuffleanswers").text = "true"
        etree.SubElement(q, "answernumbering").text = "abc"
        etree.SubElement(q, "showstandardinstruction").text = "0"
        _combined_feedback(q)
        n_ok = max(1, sum(1 for c in item.choices if c.correct))
        for c in item.choices:
            if single:
                frac = 100.0 if c.correct else 0.0
            else:
                frac = 100.0 / n_ok if c.correct else -100.0
            _answer(q, frac, html.escape(xml_text(c.text), quote=False), c.feedback)
    elif qtype == "truefalse":
        key = str(item.answer).strip().lower() in ("true", "t", "1", "yes")
        _answer(q, 100.0 if key else 0.0, "true", "", fmt="moodle_auto_format")
        _answer(q, 0.0 if key else 100.0, "false", "", fmt="moodle_auto_format")
    elif qtype == "shortanswer":
        etree.SubElement(q, "usecase").text = "0"
        for a in [a for a in (item.answers or [item.answer]) if a]:
            _answer(q, 100.0, shortanswer_text(a), "", fmt="moodle_auto_format")
    elif qtype == "matching":
        etree.SubElement(q, "shuffleanswers").text = "true"
        _combined_feedback(q)
        pairs = item.pairs if item.type == "matching" else ordering_as_pairs(item)
        for term, d in pairs:
            sq = _text(q, "subquestion", html_para(term))
            a = etree.SubElement(sq, "answer")
            etree.SubElement(a, "text").text = xml_text(d)
    elif qtype == "essay":
        etree.SubElement(q, "responseformat").text = "editor"
        etree.SubElement(q, "responserequired").text = "1"
        etree.SubElement(q, "responsefieldlines").text = "10"
        etree.SubElement(q, "attachments").text = "0"
        etree.SubElement(q, "attachmentsrequired").text = "0"
        etree.SubElement(q, "maxbytes").text = "0"
        _text(q, "graderinfo", html_para(item.answer) if item.answer else "")
        _text(q, "responsetemplate", "")
    tags = [t for t in (f"bloom:{item.bloom}" if item.bloom else "",
                        f"kgstudio:{item.type}", f"source:{item.source}") if t]
    tags += [t[:100] for t in evidence_tags(item)]
    tg = etree.SubElement(q, "tags")
    for t in tags:
        etree.SubElement(etree.SubElement(tg, "tag"), "text").text = xml_text(t)
    return q


def quiz_categories(pack):
    """(category names, quiz) for every quiz, in course order."""
    for _, trail, node in pack.nodes():
        path = [n.title for n in (*trail, node)]
        for quiz in node.quizzes:
            yield path + [quiz.title], quiz


@register
class MoodleXmlExporter(Exporter):
    name = "moodle-xml"
    suffix = ".xml"
    description = "Moodle XML question bank, one category per course node and quiz"

    def build(self, pack, progress: Progress | None = None) -> tuple[bytes, ExportResult]:
        root = etree.Element("quiz")
        result = ExportResult(self.name, Path())
        quizzes = list(quiz_categories(pack))
        if not quizzes:
            raise ExportError("the pack has no quiz: a Moodle question bank holds quizzes only "
                              "(use --format imscc for lessons)")
        for i, (names, quiz) in enumerate(quizzes, 1):
            root.append(etree.Comment(" question: 0 "))
            cat = etree.SubElement(root, "question", type="category")
            c = etree.SubElement(cat, "category")
            etree.SubElement(c, "text").text = category_path(names)
            _text(cat, "info", "", fmt="html")
            etree.SubElement(cat, "idnumber")
            for n, it in enumerate(quiz.items, 1):
                if it.type not in MOODLE_TYPES:
                    result.skipped.append(f"{quiz.iri} item {n}: type {it.type!r} has no Moodle equivalent")
                    continue
                if it.type == "ordering":
                    result.notes.append(f"{quiz.iri} item {n}: ordering written as matching")
                root.append(etree.Comment(f" question: {n} "))
                root.append(question_element(it, f"{n:02d} {' '.join(it.stem.split())[:60]}",
                                             ident("kg", f"{quiz.iri}#{n}")))
                result.counts[f"moodle:{MOODLE_TYPES[it.type]}"] = result.counts.get(f"moodle:{MOODLE_TYPES[it.type]}", 0) + 1
            if progress:
                progress("writing quizzes", i, len(quizzes))
        result.counts.update(pack.counts())
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True), result

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        data, result = self.build(pack, progress)
        with atomic_file(out) as tmp:
            tmp.write_bytes(data)
        result.path = Path(out)
        result.files = [Path(out).name]
        return result
