"""Module text and blocks: :class:`Renderer` turns CNXML (paragraphs, lists, tables,
figures, inline markup, code, MathML) into plain text, one block a line; ``fix_caps``
title-cases ALL CAPS sub-titles.

>>> fix_caps("WHY STUDY PSYCHOLOGY?"), fix_caps("SIDS"), fix_caps("Mixed Case")
('Why Study Psychology?', 'SIDS', 'Mixed Case')
"""
from __future__ import annotations

import re
from typing import Callable

from lxml import etree

from kg.importers.cnxml.listings import _is_code_block, code_fence
from kg.importers.cnxml.markup import MATHML, C, _local, _ns, _squash
from kg.importers.cnxml.mathml import _SUB, _SUP, _script, math_text


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


_LINK_WORDS = {"figure": "Figure", "table": "Table", "example": "Example", "exercise": "Exercise",
               "equation": "Equation", "section": "Section", "note": "Note", "list": "List",
               "subfigure": "Figure", "media": "Figure"}
_PUNCT_SPACE = re.compile(r" ([.,;:!?])(?= |$)")  # "x̄ ." after a formula -> "x̄."
_SKIP_ALWAYS = {"image", "label", "metadata", "param", "object", "iframe", "flash",
                "video", "audio", "download", "glossary"}
_INLINE = {"emphasis", "term", "link", "sub", "sup", "foreign", "span", "cite", "cite-title",
           "footnote", "space", "linkgroup", "quote", "code", "newline"}


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
