"""Lessons and quizzes as HTML (jinja2, autoescaped) and Markdown (every text escaped).

Templates: ``generation/templates/lesson.html.j2``, ``quiz.html.j2``, ``question.html.j2``
(answers revealed on click with ``<details>``) and their ``.md.j2`` twins. Text from the
curriculum or a generator is never trusted: HTML autoescaping turns ``<script>`` into
``&lt;script&gt;``; Markdown output escapes ``&``, ``<``, ``>`` as entities and
backslash-escapes the Markdown punctuation, so a renderer shows the text as written.

>>> md("a *b* <i>")
'a \\\\*b\\\\* &lt;i&gt;'
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape

from generation.content.model import Diagram, LearningPath, Lesson, Quiz
from generation.template import environment

__all__ = ["render", "render_lesson", "render_quiz", "md", "md_escape", "shuffled", "blocks", "Block", "quoted", "md_inline", "html_inline", "FORMATS"]

FORMATS = ("html", "markdown", "json")
#: the characters that make Markdown syntax anywhere in a line (``&``, ``<``, ``>`` are
#: written as entities instead)
_MD_SYNTAX = re.compile(r"([\\`*_{}\[\]()#+!|~])")
#: what makes a list item or a heading underline at the start of a line
_LINE_START = re.compile(r"^( *)(?:(\d+)([.)])|([-=]))")


def _escape_line_start(m: re.Match) -> str:
    lead, number, dot, mark = m.groups()
    return f"{lead}{number}\\{dot}" if number else f"{lead}\\{mark}"


def md_escape(text) -> str:
    """``text`` shown as written by a Markdown renderer: ``&``, ``<``, ``>`` as entities,
    the Markdown syntax characters backslash-escaped, and a line that would start a list
    item (``1.``, ``-``) or a heading underline (``=``) escaped at its start; line breaks
    left as they are. The project's one Markdown escaper: lessons, exports and (with
    Streamlit's own directives added) the studio's pages.

    >>> print(md_escape("1. <b>*x*</b> & [y](z)"))
    1\\. &lt;b&gt;\\*x\\*&lt;/b&gt; &amp; \\[y\\]\\(z\\)
    """
    lines = []
    for line in str(text).split("\n"):
        line = _MD_SYNTAX.sub(r"\\\1", line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        lines.append(_LINE_START.sub(_escape_line_start, line, count=1))
    return "\n".join(lines)


def md(text, indent: int = 0) -> str:
    """``text`` safe inside Markdown (:func:`md_escape`); line breaks kept as hard breaks
    (indented by ``indent`` spaces), leading spaces kept as non-breaking spaces."""
    lines = []
    for line in str(text).split("\n"):
        lead = len(line) - len(line.lstrip(" "))
        lines.append("&nbsp;" * lead + md_escape(line.lstrip(" ")))
    return ("  \n" + " " * indent).join(lines)


def md_block(text, indent: int = 0) -> str:
    r"""``md`` for block text that may hold code blocks (contract 1): prose as :func:`md`,
    each code block fenced with its lines verbatim, everything after the first line
    indented by ``indent`` spaces (a list item's body).

    >>> print(md_block("What does it print?\n```python\nif a < b:\n    print(1)\n```", 3))
    What does it print?
    <BLANKLINE>
       ```python
       if a < b:
           print(1)
       ```
    """
    pad = " " * indent
    out = []
    for b in blocks(text):
        if b.code:   # the first line is placed by the caller (or the join below)
            out.append(("\n" + pad).join([b.fence + b.lang, *b.text.split("\n"), b.fence]))
        else:
            out.append(md(b.text, indent))
    return ("\n\n" + pad).join(out)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def md_inline(text) -> str:
    r"""``md`` for prose that may hold inline code (contract 1: `` `like this` ``): the code
    spans stay code spans, verbatim (a Markdown renderer shows their content as text), the
    rest is escaped.

    >>> print(md_inline("Call `print(x)` *now*"))
    Call `print(x)` \*now\*
    """
    out, at = [], 0
    text = str(text)
    for m in _CODE_SPAN.finditer(text):
        out.append(_md_part(text[at:m.start()], at > 0))
        out.append("`" + m.group(1) + "`")
        at = m.end()
    out.append(_md_part(text[at:], at > 0))
    return "".join(out)


def _md_part(part: str, after_code: bool) -> str:
    """``md`` of a piece of prose; a space right after a code span stays a plain space."""
    if not part:
        return ""
    lead = len(part) - len(part.lstrip(" ")) if after_code else 0
    return " " * lead + md(part[lead:])


def html_inline(text):
    """Prose as escaped HTML with its inline code spans as ``<code>`` (escaped too).

    >>> str(html_inline("Use `a<b` & co"))
    'Use <code>a&lt;b</code> &amp; co'
    """
    out, at = [], 0
    text = str(text)
    for m in _CODE_SPAN.finditer(text):
        out.append(str(escape(text[at:m.start()])))
        out.append(f"<code>{escape(m.group(1))}</code>")
        at = m.end()
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


def html_block(text):
    """Block text as escaped HTML: prose paragraphs as ``<p>`` (inline code as ``<code>``,
    line breaks kept), code blocks (fenced or indented) as ``<pre><code>``.

    >>> str(html_block("Print?\\n\\n    if a < b:\\n        print(1)"))
    '<p>Print?</p><pre><code>if a &lt; b:\\n    print(1)</code></pre>'
    """
    out = []
    for b in blocks(text):
        if b.code:
            lang = f' class="language-{escape(b.lang)}"' if b.lang else ""
            out.append(f"<pre><code{lang}>{escape(b.text)}</code></pre>")
        else:
            for para in re.split(r"\n\s*\n", b.text):
                if para.strip():
                    out.append("<p>" + str(html_inline(para.strip())).replace("\n", "<br/>") + "</p>")
    return Markup("".join(out))


def shuffled(items) -> list:
    """``items`` in a fixed order that is never the given one (for two or more distinct
    items), so a page does not show an ordering or matching key by its layout.

    >>> shuffled(["a", "b", "c"]) != ["a", "b", "c"]
    True
    """
    items = list(items)
    out = sorted(items, key=lambda x: hashlib.sha256(str(x).encode()).hexdigest())
    if out == items and len(set(items)) > 1:
        out = out[1:] + out[:1]
    return out


_FENCE = re.compile(r"^(`{3,})[ \t]*([\w+#.-]*)[ \t]*\n(.*?)\n\1[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    """A run of prose, or a fenced code block (contract 1) to be shown as code."""

    text: str
    code: bool = False
    lang: str = ""

    @property
    def fence(self) -> str:
        """Backticks enough to fence this code in Markdown (longer than any run inside)."""
        runs = [len(r) for r in re.findall(r"`+", self.text)]
        return "`" * max(3, max(runs, default=0) + 1)


def indented_to_fenced(text: str) -> str:
    r"""Markdown's indented code (4 spaces, after a blank line) as a fenced block; lines
    inside a fenced block stay as they are.

    >>> indented_to_fenced("Run:\n\n    x = 1\n\n```\n\n    y = 2\n```")
    'Run:\n\n```\nx = 1\n```\n\n```\n\n    y = 2\n```'
    """
    lines, out, i, fenced = text.split("\n"), [], 0, False
    while i < len(lines):
        if re.match(r"^\s*```", lines[i]):
            fenced = not fenced
        elif not fenced and re.match(r"^( {4}|\t)", lines[i]) and lines[i].strip() and (i == 0 or not lines[i - 1].strip()):
            block = []
            while i < len(lines) and (re.match(r"^( {4}|\t)", lines[i]) or not lines[i].strip()):
                block.append(lines[i][4:] if lines[i].startswith("    ") else lines[i].lstrip("\t"))
                i += 1
            while block and not block[-1].strip():
                block.pop()
            out += ["```", *block, "```", ""]
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)


def blocks(text) -> list[Block]:
    r"""``text`` split into prose and fenced code blocks (```` ```lang ```` ... ```` ``` ````).

    >>> [(b.code, b.lang, b.text) for b in blocks("Sum it:\n```python\nx = 1\n```\nDone.")]
    [(False, '', 'Sum it:'), (True, 'python', 'x = 1'), (False, '', 'Done.')]
    """
    text = indented_to_fenced(str(text or ""))
    out, at = [], 0
    for m in _FENCE.finditer(text):
        before = text[at:m.start()].strip()
        if before:
            out.append(Block(before))
        out.append(Block(m.group(3), True, m.group(2)))
        at = m.end()
    rest = text[at:].strip()
    if rest:
        out.append(Block(rest))
    return out


_QUOTED_KINDS = ("extractive", "curriculum")


def quoted(p) -> bool:
    """True when paragraph ``p`` is still the curriculum's words it cites: written by the
    extractive generator or copied (``curriculum``), with citations, and every text it quoted
    (its ``kgs:text``/``kgs:summary`` triples) still in it. A paragraph a person edited is
    shown as plain text "based on" its sources, never as a quote of the book."""
    if not getattr(p, "citations", None) or p.generator not in _QUOTED_KINDS:
        return False
    said = " ".join(str(p.text).split()).lower()
    srcs = [t.o for t in p.triples if t.p.endswith(("#text", "#summary"))]
    for src in srcs:
        src = " ".join(str(src).split()).lower()
        src = re.sub(r"^(?:an?|the)\s+", "", src).rstrip(".")
        if src not in said:
            return False
    return bool(srcs)


@lru_cache(maxsize=1)
def _env():
    """The task templates' environment plus the page templates' helpers (``md``,
    ``shuffled``); an overlay, so generation.template never needs this module."""
    env = environment().overlay()
    env.globals = {**env.globals, "md": md, "md_block": md_block, "html_block": html_block}
    env.filters = {**env.filters, "shuffled": shuffled}
    return env


def render_lesson(lesson: Lesson, fmt: str = "html") -> str:
    if fmt == "json":
        return json.dumps(lesson.to_dict(), ensure_ascii=False, indent=2)
    name = "lesson.html.j2" if fmt == "html" else "lesson.md.j2"
    out = _env().get_template(name).render(lesson=lesson, blocks=blocks, quoted=quoted, md_inline=md_inline,
                                           html_inline=html_inline)
    return out if fmt == "html" else _tidy_md(out)


def _tidy_md(text: str) -> str:
    """Markdown with at most one blank line in a row outside fenced code blocks."""
    out, fence, blank = [], "", False
    for line in text.split("\n"):
        bare = line.lstrip("> ").rstrip()
        m = re.match(r"^(`{3,})", bare)
        if m and (not fence or bare == fence):
            fence = "" if fence else m.group(1)
        if not fence and not line.strip():
            if blank:
                continue
            blank = True
        else:
            blank = False
        out.append(line)
    return "\n".join(out).strip() + "\n"


def render_quiz(quiz: Quiz, fmt: str = "html") -> str:
    if fmt == "json":
        return json.dumps(quiz.to_dict(), ensure_ascii=False, indent=2)
    name = "quiz.html.j2" if fmt == "html" else "quiz.md.j2"
    return _env().get_template(name).render(quiz=quiz)


def render(item, fmt: str = "html") -> str:
    """Any content item in ``fmt`` (html|markdown|json). Diagrams render as their SVG
    (html), Mermaid (markdown, in a fenced block) or JSON; paths as a numbered list."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if isinstance(item, Lesson):
        return render_lesson(item, fmt)
    if isinstance(item, Quiz):
        return render_quiz(item, fmt)
    if fmt == "json":
        return json.dumps(item.to_dict(), ensure_ascii=False, indent=2)
    if isinstance(item, Diagram):
        if fmt == "html":
            # Graphviz escapes the labels it writes; the XML prolog and DOCTYPE are dropped
            # so the SVG can sit inline in an HTML page
            svg = item.svg[item.svg.find("<svg"):] if "<svg" in item.svg else ""
            body = svg or f"<pre>{html.escape(item.dot)}</pre>"
            return (f"<figure>{body}<figcaption>{html.escape(item.title)}</figcaption>"
                    f"<details><summary>Text description</summary><pre>{html.escape(item.text_alternative)}</pre>"
                    "</details></figure>")
        return f"# {md(item.title)}\n\n```mermaid\n{item.mermaid}\n```\n\n{md(item.text_alternative)}\n"
    if isinstance(item, LearningPath):
        if fmt == "html":
            rows = "".join(f"<li><strong>{html.escape(s.label)}</strong>: {html.escape(s.reason)}</li>" for s in item.steps)
            return f"<h1>{html.escape(item.title)}</h1><ol>{rows}</ol>"
        lines = [f"# {md(item.title)}", ""]
        lines += [f"{i}. **{md(s.label)}**: {md(s.reason)}" for i, s in enumerate(item.steps, 1)]
        return "\n".join(lines) + "\n"
    raise TypeError(f"not a content item: {type(item).__name__}")
