"""Terminal widths for the plain-text tables of the CLI (query results, stats, analytics).

``len()`` counts code points, not columns: a wide East Asian character takes two columns,
a combining mark or a zero-width joiner none, and an emoji ZWJ sequence two. Tables that
pad with ``len()`` misalign on curriculum text in other scripts. :func:`width` asks
``wcwidth`` (the maintained implementation of the Unicode width tables, as terminals use
them); :func:`pad` and :func:`clip` build on it.

>>> width("abc"), width("日本"), width("e\\u0301"), width("👩\\u200d💻")
(3, 4, 1, 2)
>>> pad("日本", 5) + "|", pad("7", 3, right=True)
('日本 |', '  7')
>>> clip("日本語のテキスト", 7)
'日本語…'
"""
from __future__ import annotations

from wcwidth import wcswidth, wcwidth

__all__ = ["width", "pad", "clip"]


def _char(c: str) -> int:
    return max(0, wcwidth(c))          # control characters: -1 -> 0


def width(s: str) -> int:
    """Terminal columns ``s`` takes."""
    w = wcswidth(s)
    return w if w >= 0 else sum(_char(c) for c in s)


def pad(s: str, w: int, *, right: bool = False) -> str:
    """``s`` padded with spaces to ``w`` columns (on the left when ``right``)."""
    fill = " " * max(0, w - width(s))
    return fill + s if right else s + fill


def clip(s: str, max_width: int | None) -> str:
    """``s`` cut to at most ``max_width`` columns, an ellipsis marking the cut."""
    if max_width is None or width(s) <= max_width:
        return s
    out, w = [], 0
    for c in s:
        cw = _char(c)
        if w + cw > max_width - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"
