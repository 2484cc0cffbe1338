"""MathML as readable linear text: the importer keeps formulas as text inside ``kgs:text``,
definitions and item stems, not as MathML.

The notation is the one a person types: ``x̄`` (an over-bar), ``(a + b)/2``, ``√(n)``,
``x²`` and ``x₁`` (a script of digits, signs, n or i in Unicode, as ``<sup>`` is in the
body text), ``e^(5 ln x)`` and ``x_i`` otherwise, ``g′(x)`` (a prime attached),
``lim_(x → 1)`` and ``∫_0^π`` (limits under and over). Function names (``<mi>sin</mi>``,
``<mtext>cot</mtext>``, any other ``<mi>`` of several letters, and what ``&#x2061;``
(function application) follows) are kept apart from their argument: ``sin x``,
``sin(πx)``, ``cot²θ`` (a power written on the name, as in print), ``1/2 cot²u``;
limits, sums and integrals always are (``lim_(x → 0) f(x)``). A table of aligned
equations (cells that are only ``=`` or empty) reads as one line per row joined with
``; `` (``1 + cot²θ = 1 + cos²θ/sin²θ; = …``); any other table is ``a, b; c, d``.

Exponents, upper limits and radicands are bare only when they are one token (a number, one
letter) or one bracketed group: ``e^(3x)``, ``e^(0.02t)``, ``∫_x^(2x)``, ``√(2x)``; a cube
or fourth root is ``∛x``, ``∜x``, another index ``ⁿ√x`` (never "3√x", three times √x); a
bare ASCII script is spaced from a letter after it (``e^u du``). A script on a fraction or a
root takes it whole, as printed: ``(a/b)²``, ``(√x)²`` (never "a/b²"); on a row of tokens
it stays as printed (``7x²``, ``lb/ft³``). A numerator with a sign is bare (``−x/8``,
``e^(−(x − μ)²/(2σ²))``: −a/b is −(a/b)), a denominator is not (``1/(−x)``). A hyphen or
an en dash drawn as an operator, leading a number (``<mn>–12</mn>``), or alone or spaced
in ``<mtext>`` is a minus sign, U+2212 (``x − μ``); a closed-up dash in text stays
(``x-axis``, ``1643–1727``).

Limitations: the rendering is typographical, not semantic (no operator precedence is
inferred: ``<mfrac>`` is wrapped in brackets only where its parts are compound);
``<mi>`` of several letters that is not a function (``<mi>dx</mi>``) is spaced like one;
Content MathML is read as its text.

>>> m = etree.fromstring('<math xmlns="http://www.w3.org/1998/Math/MathML"><mrow>'
...     '<mover><mi>x</mi><mo>¯</mo></mover><mo>=</mo><mfrac><mrow><mi>a</mi><mo>+</mo>'
...     '<mi>b</mi></mrow><mn>2</mn></mfrac></mrow></math>')
>>> math_text(m)
'x̄ = (a + b)/2'
"""
from __future__ import annotations

import re

from lxml import etree  # noqa: F401 - used by the doctests

from kg.importers.cnxml.markup import _local, _squash

_SPACED_OPS = set("=<>≤≥≠≈+−±×÷~∼∈∉⊂⊆∪∩→⇒⟹") | {"-", "–"}
_RELATIONS = set("=<>≤≥≠≈∼≡→⇒⟹⇔")
_PUNCT_OPS = {",": ", ", ";": "; "}
_OVER_MARKS = {"¯": "\u0304", "‾": "\u0304", "―": "\u0304", "-": "\u0304", "_": "\u0304", "–": "\u0304",
               "—": "\u0304", "−": "\u0304",
               "^": "\u0302", "ˆ": "\u0302", "~": "\u0303", "˜": "\u0303", "→": "\u20d7",
               ".": "\u0307", "˙": "\u0307"}
_APPLY = "\u2061"  # FUNCTION APPLICATION: the operator between a function name and its argument
_INVISIBLE = dict.fromkeys(map(ord, "\u2062\u2063\u2064\u200b"), None)
_INVISIBLE[ord(_APPLY)] = " "
_SUP = str.maketrans("0123456789+-−=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-−=()", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎")
_SCRIPT_CHARS = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_PRIMES = set("′″‴⁗'")
FUNCTIONS = frozenset(
    "sin cos tan cot sec csc sinh cosh tanh coth sech csch arcsin arccos arctan arccot arcsec "
    "arccsc arsinh arcosh artanh sgn ln log lg exp det gcd lcm deg dim ker arg mod Pr".split())
"""Names set upright and spaced from their argument (LaTeX's operator names, less the limits)."""
_LIMITS = frozenset("lim liminf limsup max min sup inf".split())
"""Limits: always spaced from what follows (``lim_(x → 0) f(x)``)."""
_BIG_OPS = frozenset("∫∬∭∮∑∏∐⋃⋂")
"""Big operators: spaced from what follows when they carry limits (``∫_a^b f(t)dt``), not
when bare (``∑x``)."""


def _wrap(s: str) -> str:
    s = s.strip()
    if len(s) <= 1 or re.fullmatch(r"[\w.′']+|\(.*\)|\[.*\]", s):
        return s
    return f"({s})"


_ONE_TOKEN = re.compile(r"\d+(?:\.\d+)?|(?:[^\W\d_]|∞)[\u0300-\u036f\u20d0-\u20ff]*[′″']*|\*")


def _wrap_tight(s: str) -> str:
    """An exponent, an upper limit or a radicand: bare only when it is one token (a number,
    one letter with its marks, ∞) or one bracketed group, else bracketed: ``e^(3x)``,
    ``e^(0.02t)``, ``∫_x^(2x)``, ``√(2x)``, ``√(x²)``; never the ambiguous ``e^3x``."""
    s = s.strip()
    if not s or _ONE_TOKEN.fullmatch(s) or _bracketed(s) and s[-1] in ")]":
        return s
    return f"({s})"


_SCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎"
_ATOM = re.compile(rf"[−-]?\d+(?:[.,]\d+)*"
                   rf"|(?:(?![{_SCRIPTS}])[^\W\d_])+[′″'\u0300-\u036f\u20d0-\u20ff]*(?:[{_SCRIPTS}]+|_\w)?")


def _bracketed(s: str) -> bool:
    """``s`` is one bracketed group, perhaps with a script: "(x − 1)²", not "(a)(b)"."""
    s = s.rstrip(_SCRIPTS)
    if len(s) < 2 or s[0] not in "([" or s[-1] != {"(": ")", "[": "]"}[s[0]]:
        return False
    depth = 0
    for i, ch in enumerate(s):
        depth += (ch in "([{") - (ch in ")]}")
        if depth == 0 and i < len(s) - 1:
            return False
    return True


def _stacked_base(el) -> bool:
    """The base of a script ends with a fraction or a root, which a script in print follows
    as a whole (``(a/b)²``) but which would read as taking the script on its last part if
    left bare; a token or a row of tokens is left as printed (``7x²``, ``lb/ft³``)."""
    while _local(el) in ("mrow", "mstyle", "semantics"):
        kids = [k for k in _kids(el) if _local(k) not in ("mspace", "annotation", "annotation-xml")]
        if not kids:
            return False
        el = kids[0] if _local(el) == "semantics" else kids[-1]
    return _local(el) in ("mfrac", "msqrt", "mroot")


def _frac_part(s: str, numerator: bool = False) -> str:
    """The numerator or denominator of a linear fraction, bracketed unless it is one number,
    one name (``dx``, ``x²``, ``x̄``) or already bracketed: ``(−4x²)/(16x⁴)``, ``d/dx``; a
    numerator may carry a sign (``−x/8``, ``−(x − μ)²/(2σ²)``: −a/b is −(a/b)), a
    denominator other than a number may not (``−1/(−x)``)."""
    s = s.strip()
    bare = s[1:] if numerator and s[:1] in "−+" else s
    return s if len(s) <= 1 or _ATOM.fullmatch(bare) or _bracketed(bare) else f"({s})"


def _script(text: str, table: dict, marker: str) -> str:
    """A super- or subscript: Unicode when every character has one (``10⁶``), else
    ``^x``/``_x`` with brackets around anything longer than one token (a superscript:
    around anything but one number or one letter, ``e^(3x)``)."""
    t = text.strip()
    if t and all(ord(ch) in table for ch in t):
        return t.translate(table)
    return f"{marker}{(_wrap_tight if marker == '^' else _wrap)(t)}" if t else ""


def math_text(el) -> str:
    """A MathML element as readable linear text (see the module docstring)."""
    return _squash(_math(el).translate(_INVISIBLE))


_MINUS = {"-": "−", "–": "−"}
"""A hyphen or an en dash drawn as an operator is a minus sign (U+2212)."""
_LEADING_DASH = re.compile(r"^(\s*)[-–](?=[\d.∞π])")
_SPACED_DASH = re.compile(r"(?<=\s)[-–](?=\s)")


def _minus_signs(text: str, token: str) -> str:
    """Minus signs typed as a hyphen or an en dash made U+2212: a leading one in a number or
    a name (``<mn>–12</mn>``, ``<mi>-∞</mi>``) and, in text, a dash alone or spaced
    (``<mtext>value – mean</mtext>``); a closed-up dash in text stays ("1643–1727",
    "x-axis")."""
    text = _LEADING_DASH.sub(r"\1−", text)
    if token in ("mtext", "ms"):
        if text.strip() in _MINUS:
            return text.replace(text.strip(), "−")
        text = _SPACED_DASH.sub("−", text)
    return text


def _kids(el) -> list:
    return [c for c in el if isinstance(c.tag, str)]


def _name_kind(text: str, token: str) -> str:
    """The kind of a token (``mi``, ``mo``, ``mtext``) with this text: "limit", "big" (an
    operator such as ∑), "function", "word" (text of several letters) or ""."""
    if text in _LIMITS:
        return "limit"
    if text in _BIG_OPS:
        return "big"
    if text in FUNCTIONS or (token == "mi" and len(text) > 1 and text.isalpha()):
        return "function"          # a multi-letter <mi> is a function name (MathML 3, 3.2.3)
    if token == "mtext" and sum(ch.isalpha() for ch in text) > 1:
        return "word"
    return ""


def _ends_operand(s: str) -> bool:
    """``s`` ends with something a following name or fraction must be spaced from."""
    return bool(s) and (s[-1].isalnum() or s[-1] in ")]}′″'" or s[-1] in _SCRIPT_CHARS
                        or "\u0300" <= s[-1] <= "\u036f" or "\u20d0" <= s[-1] <= "\u20ff")


_UNARY = {"−", "-", "+", "±", "∓"}
_DIGIT_COMMA = re.compile(r"(?<=\d), (?=\d{3}(?!\d))")  # a thousands separator split over tokens
_AFTER_OPERATOR = _SPACED_OPS | _RELATIONS | set("([{,;")

# A rendered element: (text, kind it starts with, kind it ends with, is a sign operator).
# Kinds: "limit", "big", "function", "fraction", "root", "word", "apply" (&#x2061;) or "".
_Piece = tuple[str, str, str, bool]


def _join(pieces: list[_Piece]) -> _Piece:
    """The parts of a row joined as printed: a function name apart from its argument,
    limits apart from what they govern, a fraction apart from a neighbouring operand, a
    sign closed up to what it signs (``= −π/3``)."""
    shown: list[list] = []
    for text, lead, trail, sign in pieces:
        if lead == "apply":
            if shown and shown[-1][2] != "limit":
                shown[-1][2] = "function"
        elif text:
            shown.append([text, lead, trail, sign])
    out = ""
    prev_kind = ""
    for text, lead, trail, sign in shown:
        if sign and (not out.strip() or out.rstrip()[-1] in _AFTER_OPERATOR):
            out += (" " if out and not out[-1].isspace() and out.rstrip()[-1] not in "([{" else "") + text.strip()
            prev_kind = "sign"
            continue
        sep = ""
        if out and not out[-1].isspace() and not text[0].isspace() and prev_kind != "sign":
            if prev_kind == "limit":
                sep = " "
            elif prev_kind == "function":
                if text[0] not in "([,;.!)" and out[-1] not in _SCRIPT_CHARS and out[-1] not in _PRIMES:
                    sep = " "
            elif lead in ("function", "limit", "word") and _ends_operand(out):
                sep = " "
            elif prev_kind in ("word", "fraction", "root") and (text[0].isalnum() or text[0] in "(√"):
                sep = " "
            elif prev_kind == "script" and text[0].isalnum():
                sep = " "
            elif lead == "fraction" and _ends_operand(out):
                sep = " "
        out += sep + text
        prev_kind = trail
    if not shown:
        return "", "", "", False
    out = _DIGIT_COMMA.sub(",", out)   # $251,854.23 stays one number
    return out, shown[0][1], shown[-1][2], False


def _table(el) -> str:
    """An ``<mtable>``: aligned equations (a cell that is only a relation, or empty, or that
    starts or ends with one) as "a = b; = c", any other table as "a, b; c, d"."""
    rows: list[list[str]] = []
    for tr in _kids(el):
        cells = _kids(tr) if _local(tr) in ("mtr", "mlabeledtr") else [tr]
        if _local(tr) == "mlabeledtr":
            cells = cells[1:]      # the equation label
        rows.append([_squash(_math(td).translate(_INVISIBLE)) for td in cells])
    aligned = any(not c or c[0] in _RELATIONS or c[-1] in _RELATIONS
                  for row in rows for c in row) and any(len(row) > 1 for row in rows)
    lines = [(" " if aligned else ", ").join(c for c in row if c) for row in rows]
    return "; ".join(line for line in lines if line)


def _math(el) -> str:
    return _render(el)[0]


_SCRIPTED = {"msup", "msub", "msubsup", "munder", "mover", "munderover"}


def _render(el) -> _Piece:
    name = _local(el)
    if name in ("mi", "mn", "ms", "ci", "cn", "mtext"):
        text = _minus_signs("".join(el.itertext()), name)
        if name == "mtext" and text.strip() == "−":    # a minus set as text: an operator
            return " − ", "", "", True
        kind = _name_kind(text.strip(), name)
        if kind == "word":     # "x-axis": a word is spaced only on a side that is a letter
            t = text.strip()
            return text, kind if t[0].isalpha() else "", kind if t[-1].isalpha() else "", False
        return text, kind, kind, False
    if name == "mo":
        op = "".join(el.itertext()).strip()
        op = _MINUS.get(op, op)
        if op == _APPLY:
            return "", "apply", "apply", False
        kind = _name_kind(op, name)
        text = f" {op} " if op in _SPACED_OPS else _PUNCT_OPS.get(op, op or " ")
        return text, kind, kind, op in _UNARY
    if name == "mspace":
        return " ", "", "", False
    if name in ("annotation", "annotation-xml", "mphantom", "none"):
        return "", "", "", False
    kids = _kids(el)
    if name == "semantics":
        return _render(kids[0]) if kids else ("", "", "", False)
    if name == "mtable":
        return _table(el), "", "", False
    rendered = [_render(k) for k in kids]
    parts = [r[0] for r in rendered]
    if name in _SCRIPTED and len(parts) in (2, 3):
        base_kind = {"function": "function", "limit": "limit", "big": "limit"}.get(rendered[0][1], "")
        if name in ("msup", "msub", "msubsup") and _stacked_base(kids[0]) and "".join(parts[1:]).strip():
            parts[0] = _wrap(parts[0])    # (a/b)², (√x)²: never "a/b²", "√x²"
        text = _scripted(name, parts)
        # a bare ASCII script ("e^u", "x_i") is spaced from a following letter: "e^u du"
        trail = base_kind or ("script" if re.search(r"[\^_][^\s()\[\]]+$", text) else "")
        return text, base_kind, trail, False
    if name == "mfrac" and len(parts) == 2:
        return f"{_frac_part(parts[0], numerator=True)}/{_frac_part(parts[1])}", "fraction", "fraction", False
    if name == "msqrt":
        return "√" + _wrap_tight(_join(rendered)[0]), "root", "root", False
    if name == "mroot" and len(parts) == 2:
        return _root(parts[0], parts[1]), "root", "root", False
    if name == "mfenced":
        seps = (el.get("separators", ",") or "").strip() or ","
        inner = ""
        for i, p in enumerate(parts):
            if i:
                inner += seps[min(i - 1, len(seps) - 1)] + " "
            inner += p
        return f"{el.get('open', '(')}{inner}{el.get('close', ')')}", "", "", False
    if name in ("mtr", "mlabeledtr"):
        return ", ".join(p.strip() for p in parts), "", "", False
    if not parts:
        return "".join(el.itertext()), "", "", False
    return _join(rendered)


def _scripted(name: str, parts: list[str]) -> str:
    """``msup``, ``msub``, ``msubsup``, ``mover``, ``munder``, ``munderover`` as text."""
    base = parts[0]
    if name == "msup" and len(parts) == 2:
        sup = _squash(parts[1])
        if sup and all(ch in _PRIMES for ch in sup):
            return base + sup
        return base + _script(_unary(sup), _SUP, "^")
    if name == "msub" and len(parts) == 2:
        return base + _script(_unary(_squash(parts[1])), _SUB, "_")
    if name == "msubsup" and len(parts) == 3:
        sub, sup = _unary(_squash(parts[1])), _unary(_squash(parts[2]))
        if all(ord(ch) in _SUB for ch in sub) and all(ord(ch) in _SUP for ch in sup):
            return base + sub.translate(_SUB) + sup.translate(_SUP)
        return f"{base}_{_wrap(sub)}^{_wrap_tight(sup)}"
    if name == "mover" and len(parts) == 2:
        base, mark = base.strip(), parts[1].strip()
        if mark in _OVER_MARKS and len(base) == 1:
            return base + _OVER_MARKS[mark]
        if mark in _OVER_MARKS:
            return f"{_wrap(base)}{_OVER_MARKS[mark]}"
        return f"{base}^{_wrap_tight(mark)}"
    if name == "munder" and len(parts) == 2:
        return f"{base}_{_wrap(parts[1])}"
    if name == "munderover" and len(parts) == 3:
        return f"{base}_{_wrap(parts[1])}^{_wrap_tight(parts[2])}"
    return "".join(parts)


_ROOT_SIGNS = {"2": "√", "3": "∛", "4": "∜"}


def _root(radicand: str, index: str) -> str:
    """``<mroot>``: ``∛x``, ``∜(x + 1)``, ``ⁿ√x`` (an index with a Unicode superscript), else
    ``(x)^(1/k)``; never "3√x", which reads as 3 times √x."""
    idx, rad = _squash(index).strip(), _wrap_tight(radicand)
    if idx in _ROOT_SIGNS:
        return _ROOT_SIGNS[idx] + rad
    if idx and all(ord(ch) in _SUP for ch in idx):
        return idx.translate(_SUP) + "√" + rad
    return f"{rad}^(1/{_wrap(idx)})"


def _unary(script: str) -> str:
    """A script with a leading sign drawn as an operator (" − 1") closed up ("−1")."""
    return re.sub(r"^([−+\-±]) (?=\S)", r"\1", script)
