"""Code listings in CNXML: ``<code display="block">``, ``<preformat>`` and a ``<code>``
spanning lines become fenced Markdown blocks, their lines verbatim with a 1, 2, 3 …
numbering dropped; the language comes from ``lang`` or a class token."""
from __future__ import annotations

import re

from lxml import etree  # noqa: F401 - used by the doctests

from kg.importers.cnxml.markup import MATHML, _classes, _local, _ns


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
