"""MathML as readable linear text (``x̄``, ``(a + b)/2``, ``x^2``, ``√(n)``): the importer
keeps formulas as text inside ``kgs:text``, definitions and item stems, not as MathML."""
from __future__ import annotations

import re

from lxml import etree  # noqa: F401 - used by the doctests

from kg.importers.cnxml.markup import _local, _squash


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
