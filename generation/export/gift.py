"""GIFT question bank (Moodle's plain-text format), and a reader that parses GIFT the way
Moodle does, so the export can be checked without a Moodle.

Writing follows ``../shared/fixtures/moodle/README.md`` and Moodle's
``question/format/gift/format.php``:

* ``$CATEGORY: $course$/top/<curriculum>/<chapter>/<section>/<quiz>`` as its own block
  before each quiz's questions (the rest of the line is the path; Moodle does not unescape
  it, so names are written as they are, whitespace collapsed, ``/`` doubled, and a backslash
  as ``⧵`` U+29F5, since nothing can keep Moodle from reading it as an escape there);
* ``::name::[html]question text{answers}``, one question per block, blocks separated by a
  blank line, ``// [id:...] [tag:...]`` comments above;
* every text passes through :func:`gift_escape` (``\\ ~ = # { } :`` backslash-escaped, a
  newline as ``\\n``), code included; question text, choices and feedback are ``[html]`` with the user's
  text HTML-escaped first, so markup shows as typed, and a code block (fenced or
  indented) shown as ``<pre><code>`` (:func:`code_html`: no
  ``&nbsp;`` padding, no escaped parentheses); a format marker starts every answer,
  so no answer text can be read as a weight (``%50%``) or a format;
* types as for Moodle XML: multiple answer with ``~%w%`` weights (keys share 100, wrong
  options ``%-100%``), ordering as matching (position → step), cloze as short answer with
  the blank in the stem, essay ``{####model answer}``.

A matching term that itself contains ``->`` cannot be written (Moodle splits a pair at the
first ``->``); such an item is left out and reported.
"""
from __future__ import annotations

import re
from pathlib import Path

from generation.export.base import ExportError, Exporter, ExportResult, Progress, atomic_file, register
from generation.export.evidence import evidence_lines
from generation.export.moodle_xml import MOODLE_TYPES, category_path, fraction_text, quiz_categories
from generation.export.pack import ident
from generation.export.qti import code_html, ordering_as_pairs, xml_text

_ESCAPES = {"\\": "\\\\", "~": "\\~", "=": "\\=", "#": "\\#", "{": "\\{", "}": "\\}", ":": "\\:"}


def gift_escape(text) -> str:
    """Escape text for GIFT (``\\ ~ = # { } :``; newline as ``\\n``, ``\\r`` dropped).

    >>> gift_escape("a=b {c}: #1 ~x\\\\")
    'a\\\\=b \\\\{c\\\\}\\\\: \\\\#1 \\\\~x\\\\\\\\'
    >>> gift_escape("two\\nlines")
    'two\\\\nlines'
    """
    text = xml_text(text).replace("\r", "")
    return "".join(_ESCAPES.get(ch, ch) for ch in text).replace("\n", "\\n")




def _h(text) -> str:
    """A plain text as an HTML-escaped, GIFT-escaped ``[html]`` field (code as code)."""
    return "[html]" + gift_escape(code_html(text, paragraphs=False))


#: what a backslash in a category name becomes (see GiftExporter.build)
CATEGORY_BACKSLASH = "\u29f5"


class GiftUnsupported(Exception):
    pass


def question_gift(item, name: str, idnumber: str) -> str:
    """One GIFT question block for a kgstudio quiz item."""
    qtype = MOODLE_TYPES.get(item.type)
    if qtype is None:
        raise GiftUnsupported(f"type {item.type!r} has no GIFT equivalent")
    stem = "[html]" + gift_escape(code_html(item.stem))
    general = f"\n####{_h(item.feedback)}" if item.feedback else ""
    lines = [f"// [id:{idnumber}] [tag:kgstudio:{item.type}]" + (f" [tag:bloom:{item.bloom}]" if item.bloom else "")]
    # the evidence as comments, GIFT-escaped: an escaped ":" keeps "[tag:…]" in a sentence from
    # becoming a tag (Moodle reads [id:] and [tag:] from comments)
    lines += [f"// evidence: {gift_escape(ln)}" for ln in evidence_lines(item)]
    if getattr(item, "verification", ""):
        lines.append(f"// verified: {gift_escape(item.verification)}")
    head = f"::{gift_escape(name)}::{stem}"
    if qtype == "multichoice":
        if len(item.choices) < 2:
            raise GiftUnsupported("a multiple-choice question needs at least 2 answers")
        single = item.type == "multichoice"
        n_ok = max(1, sum(1 for c in item.choices if c.correct))
        body = []
        for c in item.choices:
            if single:
                mark = "=" if c.correct else "~"
            else:
                mark = f"~%{fraction_text(100 / n_ok)}%" if c.correct else "~%-100%"
            fb = f"#{_h(c.feedback)}" if c.feedback else ""
            body.append(f"\t{mark}{_h(c.text)}{fb}")
        lines.append(head + "{\n" + "\n".join(body) + general + "\n}")
    elif qtype == "truefalse":
        key = "TRUE" if str(item.answer).strip().lower() in ("true", "t", "1", "yes") else "FALSE"
        lines.append(head + "{" + key + general + "}")
    elif qtype == "shortanswer":
        answers = [a for a in (item.answers or [item.answer]) if a]
        if not answers:
            raise GiftUnsupported("no accepted answer")
        # The answer is compared with what the learner types: no HTML escaping; "*" is
        # Moodle's wildcard. "[plain]" keeps a leading "%" or "[" from being misread.
        body = [f"\t=[plain]{gift_escape(a.replace('*', chr(92) + '*'))}" for a in answers]
        lines.append(head + "{\n" + "\n".join(body) + general + "\n}")
    elif qtype == "matching":
        pairs = item.pairs if item.type == "matching" else ordering_as_pairs(item)
        if len(pairs) < 2:
            raise GiftUnsupported("matching needs at least 2 pairs")
        if any("->" in t for t, _ in pairs):
            raise GiftUnsupported("a matching term contains '->', which GIFT cannot escape")
        # Subanswers are plain text in Moodle (no format marker).
        body = [f"\t={_h(t)} -> {gift_escape(d)}" for t, d in pairs]
        lines.append(head + "{\n" + "\n".join(body) + general + "\n}")
    elif qtype == "essay":
        model = f"####{_h(item.answer)}" if item.answer else general.strip()
        lines.append(head + "{" + model + "}")
    return "\n".join(lines)


@register
class GiftExporter(Exporter):
    name = "gift"
    suffix = ".gift.txt"
    description = "GIFT question bank (Moodle plain text), $CATEGORY per course node and quiz"

    def build(self, pack, progress: Progress | None = None) -> tuple[str, ExportResult]:
        result = ExportResult(self.name, Path())
        blocks = [f"// {gift_escape(pack.title)}: exported by kgstudio"]
        quizzes = list(quiz_categories(pack))
        if not quizzes:
            raise ExportError("the pack has no quiz: a GIFT question bank holds quizzes only "
                              "(use --format imscc for lessons)")
        for i, (names, quiz) in enumerate(quizzes, 1):
            # Moodle reads escapes in a $CATEGORY line but never unescapes it, so a backslash
            # cannot survive there: it is written as U+29F5 (reverse solidus operator).
            blocks.append(f"$CATEGORY: {category_path(names)}".replace("\\", CATEGORY_BACKSLASH))
            for n, it in enumerate(quiz.items, 1):
                try:
                    blocks.append(question_gift(it, f"{n:02d} {' '.join(it.stem.split())[:60]}",
                                                ident("kg", f"{quiz.iri}#{n}")))
                except GiftUnsupported as e:
                    result.skipped.append(f"{quiz.iri} item {n} ({it.type}) left out: {e}")
            if progress:
                progress("writing quizzes", i, len(quizzes))
        result.counts.update(pack.counts())
        return "\n\n".join(blocks) + "\n", result

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        text, result = self.build(pack, progress)
        with atomic_file(out) as tmp:
            tmp.write_text(text, encoding="utf-8")
        result.path = Path(out)
        result.files = [Path(out).name]
        return result


# ---- reading GIFT as Moodle does (question/format/gift/format.php) -------------------------
_PLACE = {"\\:": "\x01058", "\\#": "\x01035", "\\=": "\x01061", "\\{": "\x01123", "\\}": "\x01125",
          "\\~": "\x01126", "\\n": "\x01010"}
_BACK = {"\x01058": ":", "\x01035": "#", "\x01061": "=", "\x01123": "{", "\x01125": "}",
         "\x01126": "~", "\x01010": "\n"}
_WEIGHT = re.compile(r"^%(-*)([0-9]{1,2})\.?([0-9]*)%")
_FORMATS = {"html", "moodle", "plain", "markdown"}


def _pre(text: str) -> str:
    text = text.replace("\\\\", "\x02")
    for k, v in _PLACE.items():
        text = text.replace(k, v)
    return text.replace("\x02", "\\")


def _post(text: str) -> str:
    for k, v in _BACK.items():
        text = text.replace(k, v)
    return text


def _with_format(text: str, default: str = "moodle") -> tuple[str, str]:
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt, text = text[1:end], text[end + 1:]
    return _post(text).strip(), fmt


def _weight(answer: str) -> tuple[float, str]:
    m = _WEIGHT.match(answer)
    if not m:
        return 0.0, answer
    # Moodle's answerweightparser takes everything between the two '%' as the weight.
    end = answer.find("%", 1)
    return float(answer[1:end]), answer[end + 1:]


def _comment(answer: str, fmt: str, parts: int = 2) -> list[tuple[str, str]]:
    return [_with_format(b.strip(), fmt) for b in answer.split("#", parts - 1)]


class GiftSyntaxError(ExportError):
    """GIFT text Moodle would refuse (the message names the question)."""


def parse_gift(text: str) -> list[dict]:
    """Parse GIFT text into question dicts the way Moodle's importer reads it.

    Each dict has ``type`` (category, description, essay, numerical, multichoice, match,
    truefalse, shortanswer), ``name``, ``text``, ``format``, ``generalfeedback`` and per type
    ``answers`` ([{text, fraction, feedback}]), ``single``, ``subquestions`` ([(q, a)]),
    ``correct`` (truefalse), or ``category``.
    """
    blocks, cur = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() == "":
            if cur:
                blocks.append(cur)
                cur = []
            continue
        cur.append(" " if line.strip().startswith("//") else line)
    if cur:
        blocks.append(cur)
    out = []
    for lines in blocks:
        t = "\n".join(lines).strip()
        if not t:
            continue
        t = _pre(t)
        if t.startswith("$CATEGORY:"):
            out.append({"type": "category", "category": t[10:].strip()})
            continue
        q: dict = {"name": None}
        if t.startswith("::"):
            t = t[2:]
            end = t.find("::")
            if end >= 0:
                q["name"] = _post(t[:end]).strip()
                t = t[end + 2:].strip()
        a0, a1 = t.find("{"), t.find("}")
        if a0 < 0 and a1 < 0:
            q.update(type="description", text=_with_format(t)[0], format=_with_format(t)[1], generalfeedback="")
            out.append(q)
            continue
        if a0 < 0 or a1 < 0 or a1 < a0:
            raise GiftSyntaxError(f"question {q['name'] or t[:40]!r}: unbalanced braces")
        answer = t[a0 + 1:a1].strip()
        qtext = t[:a0] + t[a1 + 1:] if t.endswith("}") else t[:a0] + "_____" + t[a1 + 1:]
        gf = ""
        if "####" in answer:
            k = answer.rfind("####")
            gf, answer = answer[k + 4:], answer[:k].strip()
        q["text"], q["format"] = _with_format(qtext.strip())
        q["generalfeedback"] = _with_format(gf.strip(), q["format"])[0]
        fmt = q["format"]
        if answer == "":
            q["type"] = "essay"
        elif answer[0] == "#":
            q["type"] = "numerical"
            q["answers"] = [{"text": _post(answer[1:]).strip(), "fraction": 100.0, "feedback": ""}]
        elif "~" in answer:
            q["type"] = "multichoice"
            q["single"] = "=" in answer
            parts = [p.strip() for p in answer.replace("=", "~=").split("~")]
            if parts and not parts[0]:
                parts = parts[1:]
            if len(parts) < 2:
                raise GiftSyntaxError(f"question {q['name']!r}: fewer than 2 answers")
            q["answers"] = []
            for p in parts:
                if p.startswith("="):
                    w, p = 100.0, p[1:]
                else:
                    w, p = _weight(p)
                (a, _), (fb, _) = (_comment(p, fmt) + [("", fmt)])[:2]
                q["answers"].append({"text": a, "fraction": w, "feedback": fb})
        elif "=" in answer and "->" in answer:
            q["type"] = "match"
            parts = [p.strip() for p in answer.split("=")]
            if parts and not parts[0]:
                parts = parts[1:]
            if len(parts) < 2:
                raise GiftSyntaxError(f"question {q['name']!r}: fewer than 2 pairs")
            q["subquestions"] = []
            for p in parts:
                if "->" not in p:
                    raise GiftSyntaxError(f"question {q['name']!r}: a matching pair without '->'")
                k = p.find("->")
                q["subquestions"].append((_with_format(p[:k].strip(), fmt)[0], _post(p[k + 2:]).strip()))
        else:
            check = answer[:answer.find("#")].strip() if answer.find("#") > 0 else answer
            if check in ("T", "TRUE", "F", "FALSE"):
                q["type"] = "truefalse"
                bits = _comment(answer, fmt, 3) + [("", fmt)] * 2
                q["correct"] = bits[0][0] in ("T", "TRUE")
            else:
                q["type"] = "shortanswer"
                parts = [p.strip() for p in answer.split("=")]
                if parts and not parts[0]:
                    parts = parts[1:]
                q["answers"] = []
                for p in parts:
                    w, rest = _weight(p)
                    w = w if _WEIGHT.match(p) else 100.0
                    (a, _), (fb, _) = (_comment(rest, fmt) + [("", fmt)])[:2]
                    q["answers"].append({"text": a, "fraction": w, "feedback": fb})
        out.append(q)
    return out
