"""Numeric and symbolic quiz items for math and statistics books, keys computed with sympy.

The counterpart of the "what does this code print?" items (:func:`generation.content.quiz._code_items`):
an item is built from an expression the section itself states, its key is computed, and every
distractor is the result of a typical slip, computed and shown to differ from the key and from
the other options.

**Where expressions come from** (:func:`candidates`): the section text, whose MathML the
importer renders as linear Unicode (:mod:`kg.importers.cnxml.mathml`):

* a function defined in the text, ``f(x) = 3x² − 4x + 1`` or ``h(x) = cos (5x²)``
  (one letter applied to one variable, the expression up to the end of the clause);
* a limit, ``lim_(x → 3) (x² − 3x)/(2x² − 5x − 3)`` (up to ``=`` or the end of the clause);
* a data line, ``3; 4; 8; 8; 10; …`` or ``50, 53, 59, …`` (a line of at least five numbers
  and nothing else), with the sentence before it as its context.

Expressions are parsed with sympy's ``parse_expr`` (implicit multiplication and application,
Unicode superscripts, ``√``, ``∛``, ``e^``, ``π`` and ``ln`` mapped) after a strict lexical
check (:func:`parse_math`): every run of letters must split into the variable, ``e``, ``π``
and known function names, and nothing else may occur (no ``=``, ``…``, ``|``, primes,
subscripts, other letters, commas). Anything else is refused, never guessed: ``f(x) = c``,
``h(x) = cos(g(x))``, ``log x`` (which base?) are not items.

**Item kinds** (:data:`KINDS`), chosen by what the section is about (its title and the labels
of the concepts it teaches: :func:`kinds_for`):

* ``derivative``: key ``sympy.diff``; distractors from a differentiator with one slip
  (:func:`slip_derivative`): the power rule without lowering the exponent, the chain rule
  without the inner derivative, the product rule as the product of the derivatives, the
  quotient rule with its numerator reversed or as the quotient of the derivatives, a sign
  slip on cos, the power rule applied to an exponential;
* ``limit``: key ``sympy.limit`` (two-sided; a limit that is infinite or differs from the
  left and the right is not asked); distractors: the point's sign slipped, the result's
  sign slipped, the reciprocal, 0/0 read as 0, the ratio of the leading terms (the limit at
  infinity);
* ``mean``, ``median``, ``sd`` (sample standard deviation): exact rationals, shown to two
  decimals where they do not terminate sooner; distractors: dividing by n − 1 (mean), the
  median for the mean and the mean for the median, the middle of the unsorted list, the
  position (n + 1)/2 instead of the value, one middle value of an even count, the
  population standard deviation, the variance.

Every option is checked against the key and the others with ``sympy.simplify(a − b) == 0``
(numbers: their exact values and their shown text); a distractor equal to the key is dropped
with a reason. An item needs two distractors. Options are shown in the same linear notation
(:func:`show`: ``e^(3x)``, ``√(x + 1)``, ``sin(x)cos(x)``, superscript integer powers, ``·``
between a bare script or a digit and what follows).

**Bounded computation**: sympy can run for a very long time on hostile input (a huge power,
``simplify`` or ``limit`` on a hard expression), so every job runs in a worker process
(:class:`Worker`: ``python -m generation.content.math_items --worker``, JSON lines in and
out, address space limited to 1 GiB on POSIX) with a per-job timeout (:data:`JOB_TIMEOUT_S`).
A job that passes it is dropped with the reason "timed out", the worker is killed and a fresh
one started for the next job. The worker only parses and computes; it never evaluates text
that failed the lexical check.

Limitations: one variable per expression; no absolute values, piecewise functions,
logarithms of another base, implicit equations or integrals as sources; the statistics kinds
take the sample view of a data list (the book's convention for a data set); the "which
concept" of an item is guessed from the section's concept labels.
"""
from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field

__all__ = ["MathRefused", "Candidate", "candidates", "parse_math", "show", "compute", "slip_derivative",
           "kinds_for", "Worker", "run_jobs", "KINDS", "JOB_TIMEOUT_S", "check_key", "build_items", "nice", "SLIPS"]

KINDS = ("derivative", "limit", "mean", "median", "sd")
JOB_TIMEOUT_S = 4.0


class MathRefused(ValueError):
    """The text is not an expression this module reads without guessing."""


# ---- reading the text ------------------------------------------------------------------------
_SUP = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9",
        "⁻": "-", "⁺": "+"}
_FUNCS = ("arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sin", "cos", "tan", "sec", "csc", "cot",
          "exp", "ln", "sqrt", "cbrt")
_SYMPY_NAME = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "ln": "log"}
_VARS = "xtuθ"


def _letters(run: str, var: str) -> list[str]:
    """A run of letters split into the variable, ``e``, ``pi`` and function names (longest
    first); raises :class:`MathRefused` when it cannot be."""
    out, i = [], 0
    while i < len(run):
        for name in _FUNCS + ("pi",):
            if run.startswith(name, i):
                out.append(_SYMPY_NAME.get(name, name))
                i += len(name)
                break
        else:
            ch = run[i]
            if ch == var:
                out.append("v_")
            elif ch == "e":
                out.append("E")
            else:
                raise MathRefused(f"unknown name {ch!r} in {run!r}")
            i += 1
    return out


def parse_math(text: str, var: str = "x", *, constant_ok: bool = False, evaluate: bool = True):
    """``text`` (linear Unicode math as the importer writes it) as a sympy expression in
    ``var``; raises :class:`MathRefused` for anything it cannot read without guessing.

    >>> parse_math("3x² − 4x + 1")
    3*x**2 - 4*x + 1
    >>> parse_math("e^(3x)sin x")
    exp(3*x)*sin(x)
    """
    import sympy
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication_application, parse_expr,
                                            standard_transformations)
    t = " ".join(str(text).split()).strip().rstrip(".,;: ")
    if not t or len(t) > 120:
        raise MathRefused("empty or too long")
    t = t.replace("−", "-").replace("–", "-").replace("·", "*").replace("×", "*").replace("÷", "/")
    t = t.replace("π", "pi")
    if re.search(r"[^0-9A-Za-zθ.+\-*/^() √∛⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]", t):
        bad = re.search(r"[^0-9A-Za-zθ.+\-*/^() √∛⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]", t).group(0)
        raise MathRefused(f"character {bad!r} is not read")
    if re.search(r"[A-Za-zθ]\d", t):
        raise MathRefused("a digit right after a letter (x2: x² or 2x?)")
    if re.search(r"\d\.\d*\.|\.\D|\.$|\*\*|//|\^\s*$|[+\-*/^]\s*[+*/^)]|\(\s*\)", t):
        raise MathRefused("malformed numbers or operators")
    if t.count("(") != t.count(")"):
        raise MathRefused("unbalanced brackets")
    # powers: superscripts to **(...), a function's power (sin²x) onto its value: sin(x)**2
    t = re.sub(r"\b(sin|cos|tan|sec|csc|cot|sinh|cosh|tanh)([²³⁴])\s*([a-zθ])(?![\w(])",
               lambda m: f"{m.group(1)}({m.group(3)})**{_SUP[m.group(2)]}", t)
    if re.search(r"(sin|cos|tan|sec|csc|cot|ln)[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]", t):
        raise MathRefused("a power on a function name whose argument is not one letter")
    t = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+", lambda m: "**(" + "".join(_SUP[c] for c in m.group(0)) + ")", t)
    for sign, fn in (("√", "sqrt"), ("∛", "cbrt")):
        t = re.sub(sign + r"\s*(\d+(?:\.\d+)?|[A-Za-zθ])(?![\w(])", fn + r"(\1)", t)
        t = t.replace(sign + "(", fn + "(")
        if sign in t:
            raise MathRefused(f"a {sign} whose radicand is unclear")
    # the exponent of a number is bare only when it is one token: 10^0.5, e^x, e^(...)
    if re.search(r"\^\s*-?[\d.]+[A-Za-zθ(]|\^\s*[A-Za-zθ]{2,}", t):
        raise MathRefused("an exponent of several tokens without brackets")
    t = t.replace("^", "**")
    for m in re.finditer(r"\d+", t):
        if len(m.group(0)) > 6:
            raise MathRefused("a number too large to be a textbook's")
    if any(int(m.group(1)) > 50 for m in re.finditer(r"\*\*\s*\(?\s*-?(\d+)", t)) \
            or re.search(r"\*\*\s*[\w.]+\s*\*\*", t):
        raise MathRefused("an exponent too large, or a power of a power")
    # names: every run of letters splits into known names
    pieces, pos = [], 0
    for m in re.finditer(r"[A-Za-zθ]+", t):
        pieces.append(t[pos:m.start()])
        pieces.append(" " + " ".join(_letters(m.group(0), var)) + " ")
        pos = m.end()
    pieces.append(t[pos:])
    src = "".join(pieces)
    if "v_" not in src and not constant_ok:
        raise MathRefused(f"no {var} in it")
    v = sympy.Symbol(var, real=True)
    local = {"v_": v, "E": sympy.E, "pi": sympy.pi, "sqrt": sympy.sqrt, "cbrt": sympy.cbrt, "exp": sympy.exp,
             "log": sympy.log, **{n: getattr(sympy, n) for n in ("sin", "cos", "tan", "sec", "csc", "cot", "asin",
                                                                  "acos", "atan", "sinh", "cosh", "tanh")}}
    try:
        e = parse_expr(src, local_dict=local, global_dict={"Integer": sympy.Integer, "Float": sympy.Float,
                                                            "Rational": sympy.Rational, "Symbol": sympy.Symbol,
                                                            "Mul": sympy.Mul, "Add": sympy.Add, "Pow": sympy.Pow},
                       transformations=standard_transformations + (implicit_multiplication_application,
                                                                   convert_xor), evaluate=evaluate)
    except Exception as err:   # sympy's tokenizer / eval errors: not read
        raise MathRefused(f"does not parse: {type(err).__name__}") from None
    if not isinstance(e, sympy.Expr) or e.free_symbols != ({v} if "v_" in src else set()) or e.has(sympy.zoo, sympy.nan, sympy.oo) \
            or any(isinstance(a, sympy.Float) for a in sympy.preorder_traversal(e)) and e.count_ops() > 30:
        raise MathRefused("not an expression in the variable alone")
    if sympy.count_ops(e) > 40:
        raise MathRefused("too long to ask about")
    if re.search(r"/\s*\(?\s*\d*\.\d", t) or any(p.exp.is_negative and p.base.has(sympy.Float)
                                                 for p in e.atoms(sympy.Pow)):
        raise MathRefused("a decimal in a denominator (a numerical approximation, not a function to ask about)")
    return e


# ---- showing sympy results ---------------------------------------------------------------------
_SUP_OUT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_ONE = re.compile(r"-?\d+(\.\d+)?|[A-Za-zθπe]")


def _tight(s: str) -> str:
    s = s.strip()
    if _ONE.fullmatch(s) or (s.startswith("(") and _closes_at_end(s)):
        return s
    return f"({s})"


def _closes_at_end(s: str) -> bool:
    depth = 0
    for i, ch in enumerate(s):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and i < len(s) - 1:
            return False
    return depth == 0


def _printer():
    import sympy
    from sympy.printing.str import StrPrinter

    class Linear(StrPrinter):
        def _print_Pow(self, e, rational=False):
            b, p = e.as_base_exp()
            if p == sympy.S.Half:
                return "√" + _tight(self._print(b))
            if p == -sympy.S.Half:
                return "1/√" + _tight(self._print(b))
            if p == sympy.Rational(1, 3):
                return "∛" + _tight(self._print(b))
            if p.is_Integer and p < 0:
                return "1/" + self._print(sympy.Pow(b, -p, evaluate=False))
            bs = self._print(b)
            if not _ONE.fullmatch(bs) and not (bs.startswith("(") and _closes_at_end(bs)) \
                    and not re.fullmatch(r"[a-z]+\(.*\)", bs) or bs.startswith("-"):
                bs = f"({bs})"
            if p.is_Integer and p > 0:
                return bs + str(p).translate(_SUP_OUT)
            return bs + "^" + _tight(self._print(p))

        def _print_exp(self, e):
            return "e^" + _tight(self._print(e.args[0]))

        def _print_Exp1(self, e):
            return "e"

        def _print_Float(self, e):
            return f"{float(e):.6g}"

        def _print_Pi(self, e):
            return "π"

        def _print_Infinity(self, e):
            return "∞"

        def _print_log(self, e):
            return f"ln({self._print(e.args[0])})"

        def _print_Mul(self, e):
            s = super()._print_Mul(e)
            out = ""
            for i, part in enumerate(s.split("*")):
                if i:
                    bare_script = re.search(r"\^[^\s()]+$", out)
                    out += "·" if (part[:1].isdigit() or part[:1] == "." or bare_script) else \
                        " " if re.match(r"[a-z]{2,}\(", part) and out[-1:].isalnum() else ""
                out += part
            return out

    return Linear()


def show(e) -> str:
    """A sympy expression in the linear notation of the stems.

    >>> import sympy; x = sympy.Symbol("x")
    >>> show(6*x*sympy.exp(3*x**2)), show(sympy.sqrt(x + 1) - 1/(2*x**2)), show(sympy.Rational(-3, 7))
    ('6xe^(3x²)', '√(x + 1) − 1/(2x²)', '−3/7')
    """
    return _printer().doprint(e).replace("-", "−")


# ---- candidates in a section's text ------------------------------------------------------------
@dataclass
class Candidate:
    """An expression (or data list) the text states, where, and what to ask about it."""

    kind: str                  # derivative | limit | data
    text: str                  # the expression as the book writes it (or the data line)
    sentence: str              # the sentence (or the data line) it was found in: the evidence
    var: str = "x"
    name: str = "f"            # the function's letter (derivative)
    point: str = ""            # the limit's point as written ("3", "−1", "∞")
    side: str = ""             # "+" or "-" for a one-sided limit
    context: str = ""          # the sentence before a data line
    extra: dict = field(default_factory=dict)


_STOP = (r"(?=[.,;:!?](?:\s|$)|\s(?:and|at|for|is|are|as|by|where|with|if|on|over|in|to|from|then|we|which|has|"
         r"have|when|since|so|shown|given|defined|using|or|but|that|this|because|than)\b"
         r"|\s\((?=(?:in|see|for|the|a|an|where|which|this|that|as|or|and|credit|figure|i\.e\.|e\.g\.)\b)|\s\[|$)")
_FUNC_DEF = re.compile(r"(?<![\w′'])([a-zA-Z])\(([" + _VARS + r"])\)\s=\s(.+?)" + _STOP)
_LIMIT = re.compile(r"\blim_\(([" + _VARS + r"]) → (−?(?:\d+(?:\.\d+)?|π|∞))([⁻⁺]?)\)\s(.+?)(?=\s=\s|" + _STOP[3:])
_DATA = re.compile(r"^\s*(?:−?-?\d+(?:\.\d+)?\s*[;,]\s*){4,}−?-?\d+(?:\.\d+)?\s*[;,]?\s*$")
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _sentences_of(line: str) -> list[str]:
    return [s for s in _SENT.split(line) if s.strip()]


def candidates(text: str) -> list[Candidate]:
    """The expressions and data lines of a section's text (see the module docstring), in
    text order, each once."""
    out: list[Candidate] = []
    seen: set[tuple[str, str]] = set()
    lines = (text or "").split("\n")
    for i, line in enumerate(lines):
        if _DATA.match(line):
            ctx = lines[i - 1].strip() if i else ""
            if not ctx or _DATA.match(ctx) or len(ctx) > 400 or not re.search(r"[a-z]", ctx):
                ctx = ""
            key = ("data", line.strip())
            if key not in seen:
                seen.add(key)
                out.append(Candidate("data", line.strip(), line.strip(), context=ctx))
            continue
        if line.lstrip().startswith("["):     # a figure's description, not the text
            continue
        for sent in _sentences_of(line):
            for m in _FUNC_DEF.finditer(sent):
                expr = m.group(3).strip()
                key = ("derivative", expr)
                if key not in seen and not re.search(r"[a-zA-Z]\([a-zθ]\)", expr):
                    seen.add(key)
                    out.append(Candidate("derivative", expr, sent.strip(), var=m.group(2), name=m.group(1)))
            for m in _LIMIT.finditer(sent):
                expr = m.group(4).strip()
                key = ("limit", f"{m.group(2)}{m.group(3)}:{expr}")
                if key not in seen and not re.search(r"[a-zA-Z]\([a-zθ]\)", expr):
                    seen.add(key)
                    out.append(Candidate("limit", expr, sent.strip(), var=m.group(1), point=m.group(2),
                                         side={"⁻": "-", "⁺": "+"}.get(m.group(3), "")))
    return out


_TOPICS = {
    "derivative": r"\bderivative|differentia|power rule|product rule|quotient rule|chain rule|rate of change|"
                  r"tangent line",
    "limit": r"\blimits?\b(?! of integration)|l.h.pital|indeterminate|continuity",
    "mean": r"\bmean\b|\baverage\b|cent(er|re) of the data|expected value",
    "median": r"\bmedian\b|cent(er|re) of the data",
    "sd": r"standard deviation|\bvariance\b|spread of the data",
}


def kinds_for(about: str) -> list[str]:
    """The item kinds a section asks for, from its title, concept labels and objectives.

    >>> kinds_for("The Chain Rule; chain rule"), kinds_for("Measures of the Spread of the Data; Variance")
    (['derivative'], ['sd'])
    """
    return [k for k, pat in _TOPICS.items() if re.search(pat, about, re.I)]


# ---- slips ------------------------------------------------------------------------------------------
SLIPS = {
    "constant": "the constant term kept: the derivative of a constant is 0",
    "multiple": "the constant factor dropped: d/dx (k·f) = k·f′, the constant stays",
    "power": "the power rule without lowering the exponent: d/dx xⁿ = nxⁿ⁻¹, not nxⁿ",
    "chain": "the chain rule without the inner derivative: the outer function's derivative must be "
             "multiplied by the derivative of the inside",
    "product": "the product rule read as the product of the derivatives: (fg)′ = f′g + fg′, not f′g′",
    "quotient-swap": "the quotient rule with its numerator reversed: (f/g)′ = (f′g − fg′)/g², not (fg′ − f′g)/g²",
    "quotient-derivs": "the quotient of the derivatives: (f/g)′ is not f′/g′",
    "sign": "a sign slip: d/dx cos u = −sin u·u′ (and d/dx sin u = cos u·u′)",
    "exp-power": "the power rule applied to an exponential: d/dx eᵘ = eᵘ·u′, not u·eᵘ⁻¹",
    "point-sign": "the limit taken at the opposite point: a sign slip in the value x approaches",
    "result-sign": "a sign slip in the result",
    "reciprocal": "the reciprocal: numerator and denominator swapped",
    "zero-over-zero": "0/0 read as 0: substitution gives the indeterminate form 0/0, which must be simplified "
                      "(factored and cancelled) first",
    "leading-terms": "the ratio of the leading terms, which is the limit as x → ∞, not at this point",
    "mean-n-1": "the sum divided by n − 1 (that is for the sample variance), not by n",
    "median-for-mean": "the median (the middle value), not the mean",
    "midrange": "the midpoint of the smallest and the largest values, not the mean",
    "mean-for-median": "the mean, not the median",
    "unsorted": "the middle of the data as listed, before ordering them: order the data first",
    "position": "the position of the median, (n + 1)/2, not its value",
    "one-middle": "one of the two middle values: with an even count the median is their mean",
    "population": "the population standard deviation (dividing by n); for a sample divide by n − 1",
    "variance": "the sample variance: the square root was not taken",
    "population-variance": "the population variance: divided by n and the square root not taken",
}
_RANK = {"chain rule": ["chain", "power", "sign", "product", "exp-power", "multiple", "quotient-swap",
                        "quotient-derivs", "constant"],
         "product rule": ["product", "power", "quotient-swap", "quotient-derivs", "chain", "sign", "multiple",
                          "exp-power", "constant"],
         "quotient rule": ["quotient-swap", "quotient-derivs", "power", "product", "chain", "sign", "multiple",
                           "constant", "exp-power"],
         "": ["power", "chain", "product", "quotient-swap", "quotient-derivs", "sign", "exp-power", "constant",
              "multiple"]}


def slip_derivative(e, x, slip: str):
    """The derivative of ``e`` with one typical slip (:data:`SLIPS`), or None when the slip
    does not apply to ``e``.

    >>> import sympy; x = sympy.Symbol("x")
    >>> slip_derivative(sympy.cos(5*x**2), x, "chain"), slip_derivative(x**3 * sympy.sin(x), x, "product")
    (-sin(5*x**2), 3*x**2*cos(x))
    """
    import sympy
    used = [False]

    def d(e):
        if not e.has(x):
            return sympy.S.Zero
        if e == x:
            return sympy.S.One
        if e.is_Add:
            const = sympy.Add(*[a for a in e.args if not a.has(x)])
            if slip == "constant" and const != 0:
                used[0] = True
                return sympy.Add(*[d(a) for a in e.args]) + const
            return sympy.Add(*[d(a) for a in e.args])
        if e.is_Mul:
            c, rest = e.as_independent(x, as_Add=False)
            if c != 1 and c != -1 and slip == "multiple" and not used[0]:   # one factor dropped, its sign kept
                used[0] = True
                return sympy.sign(c) * d(rest)
            if c != 1:
                return c * d(rest)
            n, den = rest.as_numer_denom()
            if den.has(x) and n.has(x) and slip in ("quotient-swap", "quotient-derivs"):
                used[0] = True
                if slip == "quotient-derivs":
                    return sympy.diff(n, x) / sympy.diff(den, x)
                return (n * sympy.diff(den, x) - sympy.diff(n, x) * den) / den ** 2
            u, v = rest.args[0], sympy.Mul(*rest.args[1:])
            if slip == "product":
                used[0] = True
                return d(u) * d(v)
            return d(u) * v + u * d(v)
        if e.is_Pow:
            b, p = e.args
            if not p.has(x):
                outer = p * b ** (p - 1)
                if slip == "power" and p.is_Integer and p > 1:
                    used[0] = True
                    outer = p * b ** p
                if slip == "chain" and b != x:
                    used[0] = True
                    return outer
                return outer * d(b)
            if not b.has(x):
                if slip == "chain" and p != x:
                    used[0] = True
                    return e * sympy.log(b)
                return e * sympy.log(b) * d(p)
            return sympy.diff(e, x)
        if isinstance(e, sympy.exp):
            u = e.args[0]
            if slip == "exp-power":
                used[0] = True
                return u * sympy.exp(u - 1) * d(u)
            if slip == "chain" and u != x:
                used[0] = True
                return e
            return e * d(u)
        outer_of = {sympy.sin: lambda u: sympy.cos(u), sympy.cos: lambda u: -sympy.sin(u),
                    sympy.tan: lambda u: sympy.sec(u) ** 2, sympy.log: lambda u: 1 / u,
                    sympy.sec: lambda u: sympy.sec(u) * sympy.tan(u), sympy.cot: lambda u: -sympy.csc(u) ** 2,
                    sympy.csc: lambda u: -sympy.csc(u) * sympy.cot(u)}
        if e.func in outer_of and len(e.args) == 1:
            u = e.args[0]
            outer = outer_of[e.func](u)
            if slip == "sign" and e.func is sympy.cos:
                used[0] = True
                outer = sympy.sin(u)
            if slip == "chain" and u != x:
                used[0] = True
                return outer
            return outer * d(u)
        return sympy.diff(e, x)

    out = d(e)
    return out if used[0] else None


def _rules(e, x) -> list[str]:
    """The differentiation rules ``e`` needs, for the key's feedback."""
    import sympy
    rules = []
    for a in sympy.preorder_traversal(e):
        if isinstance(a, sympy.Mul) and sum(f.has(x) for f in a.args) >= 2:
            rules.append("quotient rule" if any(f.is_Pow and f.exp.is_negative and f.has(x) for f in a.args)
                         else "product rule")
        if (isinstance(a, (sympy.Pow, sympy.exp, sympy.sin, sympy.cos, sympy.tan, sympy.log, sympy.sec))
                and a.args[0].has(x) and a.args[0] != x):
            rules.append("chain rule")
        if isinstance(a, sympy.Pow) and a.base.has(x) and not a.exp.has(x):
            rules.append("power rule")
    return list(dict.fromkeys(rules)) or ["sum and constant rules"]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and the " + words[-1]


# ---- computing one job (in the worker) ------------------------------------------------------------
def _num(value, places: int = 2) -> str:
    """A number as shown: exact when it terminates within ``places`` decimals, else rounded."""
    import sympy
    r = sympy.nsimplify(value) if not isinstance(value, sympy.Rational) else value
    if isinstance(r, sympy.Rational):
        for k in range(places + 1):
            if (r * 10 ** k).is_Integer:
                s = f"{float(r):.{k}f}"
                return s.replace("-", "−")
    return f"{float(value):.{places}f}".replace("-", "−")


def nice(e):
    """The readable form of a result: expanded unless a simplified, factored or
    over-a-common-denominator form is clearly shorter (applied alike to keys and distractors,
    so the form is no cue)."""
    import sympy
    forms = [sympy.expand(e)]
    for f in (sympy.simplify, sympy.factor):
        try:
            forms.append(f(e))
        except Exception:
            continue
    n, d = sympy.fraction(sympy.together(e))
    if d != 1:
        forms.append(sympy.expand(n) / sympy.factor(d))
    lens = [len(show(f)) for f in forms]
    best = min(range(len(forms)), key=lambda i: lens[i])
    return forms[0] if lens[0] <= 1.25 * lens[best] else forms[best]


def _distinct(key, opts: list[tuple[object, str]], *, shown, n: int = 3) -> tuple[list[tuple[str, str]], list[str]]:
    """Up to ``n`` (text, slip) distractors whose value differs from the key and from each
    other (sympy.simplify of the difference is not 0) and whose text differs too."""
    import sympy
    out, dropped, vals = [], [], [key]
    key_text = shown(key)
    texts = {key_text}
    for val, slip in opts:
        if val is None:
            continue
        try:
            same = any(sympy.simplify(val - w) == 0 for w in vals)
        except Exception:
            same = True
        t = shown(val)
        if same or t in texts:
            dropped.append(f"{slip}: equals the key or another option")
            continue
        if len(t) > 60 or "zoo" in t or "nan" in t or "I" in re.sub(r"[A-Za-z]{2,}", "", t):
            dropped.append(f"{slip}: not a plain value")
            continue
        vals.append(val)
        texts.add(t)
        out.append((t, slip))
        if len(out) >= n:
            break
    return out, dropped


def _numbers(line: str) -> list:
    import sympy
    sep = ";" if ";" in line else ","
    vals = [p.strip().replace("−", "-") for p in line.strip().rstrip(";,").split(sep)]
    return [sympy.Rational(v) for v in vals]


def compute(job: dict) -> dict:
    """One job: ``{"kind", "text", "var", "point", "side", "topic"}`` → ``{"ok": True, "key",
    "shown", "distractors": [[text, slip], …], "work", "dropped"}`` or ``{"ok": False, "why"}``.
    Runs sympy; call it through :class:`Worker` (bounded), not on untrusted text in-process."""
    import sympy
    kind = job["kind"]
    try:
        if kind == "derivative":
            return _derivative(job)
        if kind == "limit":
            return _limit(job)
        if kind in ("mean", "median", "sd"):
            return _stats(job)
    except MathRefused as e:
        return {"ok": False, "why": f"refused: {e}"}
    except (sympy.PolynomialError, NotImplementedError, ValueError, TypeError, ZeroDivisionError) as e:
        return {"ok": False, "why": f"sympy could not: {type(e).__name__}"}
    return {"ok": False, "why": f"unknown kind {kind!r}"}


def _derivative(job: dict) -> dict:
    import sympy
    var = job.get("var", "x")
    e = parse_math(job["text"], var)
    x = next(iter(e.free_symbols))
    if e.is_polynomial(x) and sympy.degree(e, x) <= 1:
        return {"ok": False, "why": "refused: linear, nothing to differentiate"}
    key = nice(sympy.diff(e, x))
    if key.has(sympy.Derivative):
        return {"ok": False, "why": "sympy could not differentiate"}
    topic = job.get("topic", "")
    order = _RANK.get(topic, _RANK[""])
    opts = []
    for slip in order:
        wrong = slip_derivative(e, x, slip)
        opts.append((None if wrong is None else nice(wrong), slip))
    ds, dropped = _distinct(key, opts, shown=show)
    name = job.get("name", "f")
    return {"ok": True, "key": show(key), "shown": show(e), "distractors": [[t, s] for t, s in ds],
            "dropped": dropped, "work": f"by the {_and(_rules(e, x))}, {name}′({var}) = {show(key)}",
            "rules": _rules(e, x),
            "expr": sympy.srepr(e)}


def _point(text: str):
    import sympy
    t = text.replace("−", "-")
    if t.lstrip("-") == "∞":
        return -sympy.oo if t.startswith("-") else sympy.oo
    if t.lstrip("-") == "π":
        return -sympy.pi if t.startswith("-") else sympy.pi
    return sympy.Rational(t)


def _limit(job: dict) -> dict:
    import sympy
    var = job.get("var", "x")
    e = parse_math(job["text"], var)
    x = next(iter(e.free_symbols))
    a = _point(job["point"])
    side = job.get("side", "")
    lim = lambda f, p: sympy.limit(f, x, p, dir=side or ("+-" if p.is_finite else "-" if p == sympy.oo else "+"))
    key = lim(e, a)
    if not key.is_finite or not key.is_real:
        return {"ok": False, "why": "refused: the limit is infinite or does not exist"}
    n, den = sympy.fraction(sympy.together(e))
    # 0/0 read on the expression as written (sympy cancels (x − 2)(x + 2)/(x − 2) when it parses)
    n0, d0 = sympy.fraction(parse_math(job["text"], var, evaluate=False))
    x0 = next(iter(n0.free_symbols | d0.free_symbols), x)
    zero_zero = bool(a.is_finite and d0.has(x0) and sympy.simplify(d0.subs(x0, a)) == 0
                     and sympy.simplify(n0.subs(x0, a)) == 0)
    if not d0.has(x0) and e.is_polynomial(x) and sympy.degree(e, x) <= 1:
        return {"ok": False, "why": "refused: linear, substitution only"}
    opts = []
    if zero_zero:
        opts.append((sympy.S.Zero, "zero-over-zero"))
    if a.is_finite and a != 0:
        try:
            at = lim(e, -a)
            opts.append((at if at.is_finite and at.is_real else None, "point-sign"))
        except (ValueError, NotImplementedError):
            pass
    if key != 0:
        opts.append((-key, "result-sign"))
        opts.append((1 / key, "reciprocal"))
    if a.is_finite and den.has(x) and den.is_polynomial(x) and n.is_polynomial(x):
        inf = sympy.limit(e, x, sympy.oo)
        opts.append((inf if inf.is_finite else None, "leading-terms"))
    from generation.content import flaws
    key_shape = flaws._shape(show(key))
    opts = [(v, s) for v, s in opts if v is None or flaws._shape(show(v)) == key_shape
            and (v.is_Rational or not key.is_Rational)]
    ds, dropped = _distinct(key, opts, shown=show)
    how = ("substitution gives 0/0, an indeterminate form, so the limit is found by simplifying first "
           "(or from a known limit); " if zero_zero else
           "the function is continuous there, so substitute; " if a.is_finite and e.subs(x, a).is_finite else "")
    return {"ok": True, "key": show(key), "shown": show(e), "distractors": [[t, s] for t, s in ds],
            "dropped": dropped, "work": f"{how}the limit is {show(key)}"}


def _stats(job: dict) -> dict:
    import sympy
    xs = _numbers(job["text"])
    n = len(xs)
    if n < 5 or n > 80:
        return {"ok": False, "why": "refused: too few or too many values"}
    s = sorted(xs)
    mean = sum(xs) / n
    med = (s[(n - 1) // 2] + s[n // 2]) / 2
    ss = sum((v - mean) ** 2 for v in xs)
    kind = job["kind"]
    if kind == "mean":
        key = mean
        opts = [(sum(xs) / (n - 1), "mean-n-1"), (med, "median-for-mean"), ((s[0] + s[-1]) / 2, "midrange")]
        work = f"the sum of the {n} values, {_num(sum(xs))}, divided by {n} is {_num(mean)}"
    elif kind == "median":
        key = med
        unsorted = (xs[(n - 1) // 2] + xs[n // 2]) / 2 if xs != s else None
        opts = [(unsorted, "unsorted"), (sympy.Rational(n + 1, 2), "position"), (mean, "mean-for-median")]
        if n % 2 == 0:
            opts.append((s[n // 2 - 1] if s[n // 2 - 1] != med else s[n // 2], "one-middle"))
        work = (f"ordered, the {n} values have their middle at position (n + 1)/2 = {_num(sympy.Rational(n + 1, 2))}"
                f"; the median is {_num(med)}")
    else:
        key = sympy.sqrt(ss / (n - 1))
        opts = [(sympy.sqrt(ss / n), "population"), (ss / (n - 1), "variance"), (ss / n, "population-variance")]
        work = (f"the mean is {_num(mean)}; the squared deviations add up to {_num(ss)}; "
                f"s = √({_num(ss)}/{n - 1}) = {_num(key)}")
    rounded = _num(key) != _num(key, 6)
    fmt = (lambda v: f"{float(v):.2f}".replace("-", "−")) if rounded else _num   # one precision for all options
    ds, dropped = [], []
    texts = {fmt(key)}
    for val, slip in opts:
        if val is None:
            continue
        t = fmt(val)
        if sympy.simplify(val - key) == 0 or t in texts:
            dropped.append(f"{slip}: equals the key or another option")
            continue
        texts.add(t)
        ds.append([t, slip])
        if len(ds) >= 3:
            break
    return {"ok": True, "key": fmt(key), "shown": "; ".join(_num(v, 6) for v in xs), "distractors": ds,
            "dropped": dropped, "work": work, "rounded": rounded}


# ---- the bounded worker ------------------------------------------------------------------------------
def _limits():   # in the worker, before exec: 1 GiB of address space, no core file
    import resource
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class Worker:
    """A ``python -m generation.content.math_items --worker`` process: jobs as JSON lines on
    its stdin, results as JSON lines on its stdout, each awaited at most ``timeout`` seconds;
    a job that takes longer is answered ``{"ok": False, "why": "timed out …"}`` and the
    process is killed (the next job starts a fresh one)."""

    def __init__(self, timeout: float = JOB_TIMEOUT_S, start_timeout: float = 60.0):
        self.timeout, self.start_timeout = timeout, start_timeout
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()

    def _start(self) -> None:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", ""),
               "OMP_NUM_THREADS": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "generation.content.math_items", "--worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, encoding="utf-8", env=env, close_fds=True,
                                     preexec_fn=_limits if os.name == "posix" else None)
        self.lines = queue.Queue()
        proc, lines = self.proc, self.lines

        def read():
            for line in proc.stdout:
                lines.put(line)
            lines.put(None)
        threading.Thread(target=read, daemon=True).start()
        ready = self._get(self.start_timeout)
        if ready != {"ready": True}:
            self.close()
            raise RuntimeError("the math worker did not start")

    def _get(self, timeout: float):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            return None
        return None if line is None else json.loads(line)

    def ask(self, job: dict) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(job) + "\n")
            self.proc.stdin.flush()
        except OSError:
            self.close()
            return {"ok": False, "why": "the worker stopped"}
        out = self._get(self.timeout)
        if out is None:
            self.close()
            return {"ok": False, "why": f"timed out after {self.timeout:g} s"}
        return out

    def close(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except (OSError, AttributeError):
                    pass
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_SHARED: Worker | None = None
_LOCK = threading.Lock()


def run_jobs(jobs: list[dict], timeout: float = JOB_TIMEOUT_S) -> list[dict]:
    """Each job's result (:func:`compute`) from the process's shared worker, each bounded by
    ``timeout`` seconds (one caller at a time: a job's answer is the next line)."""
    global _SHARED
    with _LOCK:
        if _SHARED is None:
            import atexit
            _SHARED = Worker(timeout)
            atexit.register(_SHARED.close)
        _SHARED.timeout = timeout
        try:
            return [_SHARED.ask(j) for j in jobs]
        except RuntimeError as e:      # the worker could not start: every job dropped, with the reason
            return [{"ok": False, "why": str(e)} for _ in jobs]


def _serve() -> None:
    import sympy  # noqa: F401  (imported before "ready": the first job is not charged for it)
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        try:
            out = compute(json.loads(line))
        except Exception as e:   # anything sympy raises on odd input is a refusal, not a crash
            out = {"ok": False, "why": f"sympy could not: {type(e).__name__}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


# ---- items ---------------------------------------------------------------------------------------------
_STEMS = {"derivative": "Find the derivative of {name}({var}) = {expr}.",
          "limit": "Evaluate lim_({var} → {point}{side}) {expr}.",
          "mean": "What is the mean of these data?",
          "median": "What is the median of these data?",
          "sd": "What is the sample standard deviation s of these data?"}
def check_key(stem: str, answer: str) -> bool | None:
    """Whether ``answer`` is the key of the math item ``stem``, recomputed from the stem's
    text alone (a derivative or limit with sympy, compared by value; a data measure with
    Python's ``statistics``); None when the stem is not a math item. For a benchmark's
    independent check: runs in this process."""
    import statistics
    from fractions import Fraction

    import sympy
    m = re.match(r"Find the derivative of ([a-zA-Z])\(([a-zθ])\) = (.+)\.$", stem)
    lm = re.match(r"Evaluate lim_\(([a-zθ]) → (.+?)([⁻⁺]?)\) (.+)\.$", stem)
    if m or lm:
        var = (m or lm).group(2 if m else 1)
        e = parse_math(m.group(3) if m else lm.group(4), var)
        x = next(iter(e.free_symbols))
        want = sympy.diff(e, x) if m else sympy.limit(e, x, _point(lm.group(2)),
                                                      dir={"⁻": "-", "⁺": "+"}.get(lm.group(3), "+-"))
        got = parse_math(answer, var, constant_ok=True).subs(sympy.Symbol(var, real=True), x)
        return sympy.simplify(got - want) == 0
    dm = re.search(r"\n\n(?:Data: )?([^\n]+)\n\nWhat is the (mean|median|sample standard deviation s) of", stem)
    if dm:
        xs = [Fraction(v.strip().replace("−", "-")) for v in dm.group(1).split(";")]
        if dm.group(2) == "mean":
            val = float(statistics.mean(xs))
        elif dm.group(2) == "median":
            val = float(statistics.median(xs))
        else:
            val = statistics.stdev([float(v) for v in xs])
        return abs(float(answer.replace("−", "-")) - val) <= 0.005 + 1e-9
    return None


def _concept_for(v, kind: str, section_label: str, rules: list[str], concepts: list[str]) -> str:
    """The scope's concept the item is about: of the concepts whose label names the kind (or
    a rule the key needs), the one the section's title names, else the first rule's, else the
    one with the shortest label ("limit" before "constant multiple law for limits"); "" when
    none does."""
    words = {"derivative": ["derivative", "differentia", "rule"], "limit": ["limit"],
             "mean": ["mean", "average"], "median": ["median"],
             "sd": ["standard deviation", "variance"]}.get(kind, [])
    labels = {c: v.label(c).casefold() for c in concepts}
    fit = [c for c in concepts if any(w in labels[c] for w in words + rules)
           and not (kind == "limit" and re.search(r"infinit|one-sided|from the (left|right)", labels[c]))]
    title = section_label.casefold()
    for c in fit:
        if labels[c] in title:
            return c
    for w in rules + words:
        named = [c for c in fit if w in labels[c]]
        if named:
            return min(named, key=lambda c: (len(labels[c]), labels[c]))
    return ""


def _topic(about: str) -> str:
    for t in ("chain rule", "product rule", "quotient rule"):
        if t in about.casefold():
            return t
    return ""


def build_items(ctx, sections: list[str], concepts: list[str], taken: list, limit: int,
                max_jobs: int = 12) -> list:
    """Math items (multiple choice, Bloom "apply") from the expressions and data lines of the
    scope's sections, for the kinds each section asks for (:func:`kinds_for` of its title and
    concept labels). ``ctx`` is the
    quiz builder's context (:class:`generation.content.quiz._Ctx`): its view, config, and
    ``reject`` for every candidate dropped and why."""
    from generation.base import Triple
    from generation.content.model import Choice, QuizItem
    from generation.content.quiz_basics import difficulty, norm as _norm, stable as _stable
    from ontology.namespaces import KGS
    if limit <= 0:
        return []
    v = ctx.b.view
    secs = list(dict.fromkeys(sections or [s for c in concepts for s in v.sections_teaching(c)[:1]]))
    out: list = []
    asked = " ".join(_norm(it.stem) for it in taken)
    for sec in secs:
        info = v.section(sec)
        # what the section is about: its title and the concepts it teaches (objectives name
        # neighbouring topics too often: "antiderivatives" objectives speak of derivatives)
        about = "; ".join([info.label] + [v.label(c) for c in v.taught_in(sec)])
        kinds = kinds_for(about)
        if not kinds:
            continue
        topic = _topic(info.label)
        jobs, cands = [], []
        for cand in candidates(info.text or ""):
            if cand.kind == "data":
                ks = [k for k in ("median", "mean", "sd") if k in kinds]
                if not ks:
                    continue
                # the measure the sentence before the data names, else the next in turn
                named = [k for k in ks if re.search(_TOPICS[k], cand.context, re.I)]
                k = named[0] if named else ks[sum(1 for kk, _ in cands if kk in ks) % len(ks)]
                jobs.append({"kind": k, "text": cand.text})
                cands.append((k, cand))
            elif cand.kind in kinds:
                jobs.append({"kind": cand.kind, "text": cand.text, "var": cand.var, "name": cand.name,
                             "point": cand.point, "side": cand.side, "topic": topic})
                cands.append((cand.kind, cand))
            if len(jobs) >= max_jobs:
                break
        if not jobs:
            continue
        results = run_jobs(jobs)
        for (kind, cand), r in zip(cands, results):
            if len(out) >= limit:
                return out
            where = f"math in <{sec}>: {kind} of “{cand.text[:40]}”"
            if not r.get("ok"):
                ctx.reject(f"{where}: {r.get('why', 'failed')}")
                continue
            if len(r["distractors"]) < 2:
                ctx.reject(f"{where}: fewer than 2 computed slips differ from the key")
                continue
            if kind in ("derivative", "limit") and _norm(cand.text) in asked:
                continue                       # the book's own question asks exactly this
            var = cand.var
            if kind == "derivative":
                stem = _STEMS[kind].format(name=cand.name, var=var, expr=cand.text)
            elif kind == "limit":
                stem = _STEMS[kind].format(var=var, point=cand.point, side={"-": "⁻", "+": "⁺"}.get(cand.side, ""),
                                           expr=cand.text)
            else:
                lead = cand.context if cand.context.endswith(":") else "Consider these data."
                data = r["shown"] if cand.context.endswith(":") else "Data: " + r["shown"]
                stem = f"{lead}\n\n{data}\n\n{_STEMS[kind]}"
                if r.get("rounded"):
                    stem += " (Round to two decimal places.)"
            asked += " " + _norm(stem)
            # learner-facing: the rule and the computation; how the key and the options were
            # checked (sympy, one slip each) is the item's verification, for the author
            work = r["work"].rstrip(". ")
            choices = [Choice(r["key"], True, f"Correct: {work}.", "")]
            choices += [Choice(t, False, f"That is {SLIPS[slip]}.", "") for t, slip in r["distractors"]]
            choices.sort(key=lambda c: _stable(ctx.cfg.seed, "math", stem, c.text))
            concept = _concept_for(v, kind, info.label, r.get("rules", []), concepts)
            triples = [Triple(sec, str(KGS.text), cand.sentence)]
            if cand.context and kind in ("mean", "median", "sd"):
                triples.insert(0, Triple(sec, str(KGS.text), cand.context))
            obj = next((o for o in v.objectives(of=[sec]) if o.bloom in ("apply", "analyze")), None)
            item = QuizItem(type="multichoice", stem=stem, choices=choices, answer=r["key"], concept=concept,
                            concepts=[concept] if concept else [], objective=obj.iri if obj else "",
                            objective_text=obj.text if obj else "", bloom="apply",
                            difficulty=difficulty(ctx.b.view, ctx.max_depth, "code", concept), source="generated",
                            generator="sympy", checkpoint="", triples=triples,
                            feedback=work[:1].upper() + work[1:] + ".")
            out.append(item)
    return out


if __name__ == "__main__" and "--worker" in sys.argv:
    _serve()
