"""Refuse SPARQL text that would crash or escape the store, before any parser sees it.

pyoxigraph's SPARQL parser and query planner recurse once per nesting level and once per
operator of a chain, on the calling thread's stack. Past a few thousand levels the
process dies with SIGSEGV, which no ``try`` can catch: 2,500 nested ``{`` (4.4 KB of
text), 4,796 nested ``FILTER`` parentheses, 6,906 terms of ``1+1+…``, 2,616 ``OPTIONAL``
in one group (issue 18). A bigger stack only moves the limit, so the text is measured
here instead, with a linear scanner that lexes SPARQL the way the grammar does: strings
(all four quotings, with escapes), IRIs ``<…>`` (told from ``<`` the operator by the
IRIREF production), ``#`` comments, prefixed names, variables, numbers and punctuation.
Nothing is evaluated and nothing recurses, so the scanner itself cannot overflow.

What is measured (:class:`Limits`):

* ``max_depth``: brackets open at once — ``{`` (groups, OPTIONAL/UNION/MINUS/GRAPH/
  SERVICE/sub-SELECT bodies), ``(`` (expressions, paths, lists), ``[`` (blank-node
  property lists) and the RDF 1.2 ``<<`` / ``{|`` pairs;
* ``max_chain``: the stack a chain costs along the deepest path — per open bracket, the
  operators since the last ``.``/``,``/``;`` (``+ - * / ! && || = != < > <= >= | ^``)
  plus the group elements that nest in the algebra (child ``{``, ``OPTIONAL``, ``MINUS``,
  ``UNION``, ``BIND``, ``VALUES``, ``FILTER``), summed over the open brackets;
* ``max_bytes``: the UTF-8 size of the text;
* ``allowed_endpoints``: the IRIs ``SERVICE`` and ``LOAD`` may name. The default (none)
  refuses every ``SERVICE`` and ``LOAD``: a query must not make the server open
  connections (SSRF). ``SERVICE ?var`` is always refused. Prefixed names and ``BASE``
  are resolved before the comparison.

The defaults (depth 64, chain 512) stay below a tenth of the measured crash points on an
8 MiB stack and far above what hand-written and generated queries use (the project's
own deepest query nests 6 levels). The scanner also reports what the policy layers need
without a parse: the query form (SELECT, ASK, CONSTRUCT, DESCRIBE or UPDATE) and whether
the query names its own dataset (``FROM``/``FROM NAMED``, with or without a space before
the IRI). It lexes at about 2 MB/s of query text.

>>> check("SELECT * WHERE { ?s ?p ?o }").form
'SELECT'
>>> check("SELECT * FROM<http://g> { ?s ?p ?o }").has_dataset
True
>>> check("SELECT * WHERE " + "{" * 100 + "}" * 100)
Traceback (most recent call last):
...
kg.sparql_guard.QueryRefused: query nests more than 64 brackets deep (line 1, column 80); the limit is 64 (setting serve.max_depth)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

from kg.errors import StoreError

__all__ = ["Limits", "Scan", "QueryRefused", "check", "scan", "normalise", "DEFAULT_LIMITS"]


class QueryRefused(StoreError):
    """A query or update refused before parsing (too deep, too long, too big, or naming a
    remote endpoint that is not allowed). Answered HTTP 400 by the endpoint."""

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Limits:
    """What :func:`check` allows. ``None`` turns a size limit off."""

    max_depth: int | None = 64
    max_chain: int | None = 512
    max_bytes: int | None = None
    allowed_endpoints: tuple[str, ...] = ()


#: what the store APIs apply to every query and update they are given
DEFAULT_LIMITS = Limits()


@dataclass
class Scan:
    """What the scanner found in one text."""

    form: str = ""                 # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE or "" (none found)
    depth: int = 0                 # deepest bracket nesting
    chain: int = 0                 # largest chain cost (see the module docstring)
    tokens: int = 0
    has_dataset: bool = False      # FROM / FROM NAMED in the query's own dataset clause
    services: list[str] = field(default_factory=list)   # SERVICE targets (IRIs, or ?var)
    loads: list[str] = field(default_factory=list)      # LOAD sources
    where: dict = field(default_factory=dict)          # "depth"/"chain" -> offset of the worst point


# One token per match, after any whitespace and comments; the order of the alternatives is
# the lexer's priority. The loop dispatches on the group number (``lastindex``).
_TOKEN = re.compile(r"""(?:\s+|\#[^\n\r]*)*(?:
  (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
| (?P<atom>[?$][\w\u00b7\u0300-\u036f\u203f\u2040]+
    |\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
    |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*'
    |[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?
    |@[A-Za-z]+(?:-+[A-Za-z0-9]+)*)
| (?P<pname>(?:[^\W\d][\w\-]*(?:\.+[\w\-]+)*)?:(?:[\w\-:%]|\\[^\s]|\.+(?=[\w\-:%\\]))*)
| (?P<word>[^\W\d]\w*)
| (?P<open><<\(?|\{\||[{(\[])
| (?P<close>\)?>>|\|\}|[})\]])
| (?P<sep>[.,;])
| (?P<op>\|\||&&|!=|<=|>=|\^\^|[-+*/!=<>|^])
| (?P<other>.)
)""", re.X | re.S)
_IRI, _ATOM, _PNAME, _WORD, _OPEN, _CLOSE, _SEP, _OP, _OTHER = range(1, 10)

# group elements that nest one level in the algebra each
_NESTING_WORDS = {"OPTIONAL", "MINUS", "UNION", "BIND", "VALUES", "FILTER"}
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_deep(text: str, offset: int, limit: int):
    line, col = _line_col(text, offset)
    raise QueryRefused(f"query nests more than {limit} brackets deep (line {line}, column {col}); "
                       f"the limit is {limit} (setting serve.max_depth)", line=line, column=col)


def scan(text: str, limits: Limits | None = None, *, stop_at_form: bool = False) -> Scan:
    """Lex ``text`` once and measure it. With ``limits``, stop at the first bracket or
    chain element past ``max_depth``/``max_chain`` and raise :class:`QueryRefused` naming
    its line and column (:func:`check` also applies the other limits).

    Raises :class:`QueryRefused` for an unterminated string too, which no parser accepts.
    ``stop_at_form``: return as soon as the query form is known (a cheap look at the
    prologue, for content negotiation before the whole text is measured).
    """
    max_depth = limits.max_depth if limits is not None and limits.max_depth is not None else 1 << 62
    max_chain = limits.max_chain if limits is not None and limits.max_chain is not None else 1 << 62
    out = Scan()
    # per open bracket: [chain cost of the brackets outside it, operators in this bracket
    # since the last separator, nesting elements in this bracket]
    stack: list[list[int]] = [[0, 0, 0]]
    top = stack[0]
    prefixes: dict[str, str] = {}
    base = ""
    pending: str | None = None     # SERVICE / LOAD waiting for its target
    decl: list[str] = []           # PREFIX/BASE declaration being read
    depth = chain = tokens = 0
    pos, n = 0, len(text)
    match = _TOKEN.match
    while pos < n:
        m = match(text, pos)
        if m is None:  # only whitespace or a comment was left
            break
        kind = m.lastindex
        pos = m.end()
        tokens += 1
        if kind == _ATOM and pending is None and not decl:
            continue
        if kind == _OPEN:
            start = m.start(kind)
            if text[start] == "{":
                top[2] += 1
            top = [top[0] + top[1] + top[2], 0, 0]
            stack.append(top)
            if len(stack) - 1 > depth:
                depth = len(stack) - 1
                out.where["depth"] = start
                if depth > max_depth:
                    _too_deep(text, start, max_depth)
            continue
        if kind == _CLOSE:
            if len(stack) > 1:
                stack.pop()
                top = stack[-1]
            continue
        if kind == _SEP:
            top[1] = 0
            continue
        start = m.start(kind)
        tok = m.group(kind)
        if kind == _OP:
            if tok != "^^":
                top[1] += 1
                cost = top[0] + top[1] + top[2]
                if cost > chain:
                    chain = cost
                    out.where["chain"] = start
                    if cost > max_chain:
                        _too_long(text, start, max_chain)
            continue
        if kind == _OTHER and tok in "\"'":
            line, col = _line_col(text, start)
            raise QueryRefused(f"unterminated string at line {line}, column {col}",
                               line=line, column=col)
        if decl:  # PREFIX p: <iri>  /  BASE <iri>
            decl.append(tok)
            if decl[0] == "BASE" and kind == _IRI:
                base = urljoin(base, tok[1:-1]) if base else tok[1:-1]
                decl = []
            elif decl[0] == "PREFIX" and len(decl) == 3:
                if kind == _IRI and decl[1].endswith(":"):
                    iri = tok[1:-1]
                    prefixes[decl[1][:-1]] = urljoin(base, iri) if base else iri
                decl = []
            elif len(decl) > 3:
                decl = []
            continue
        if pending is not None:
            if kind == _WORD and tok.upper() == "SILENT":
                continue
            if kind == _IRI:
                target = urljoin(base, tok[1:-1]) if base else tok[1:-1]
            elif kind == _PNAME:
                p, _, local = tok.partition(":")
                target = prefixes[p] + local if p in prefixes else tok
            else:
                target = tok  # a variable, or something the parser refuses anyway
            (out.services if pending == "SERVICE" else out.loads).append(target)
            pending = None
            continue
        if kind == _WORD:
            word = tok.upper()
            if word in _NESTING_WORDS:
                top[2] += 1
                cost = top[0] + top[1] + top[2]
                if cost > chain:
                    chain = cost
                    out.where["chain"] = start
                    if cost > max_chain:
                        _too_long(text, start, max_chain)
            if len(stack) == 1:
                if word in ("PREFIX", "BASE"):
                    decl = [word]
                elif not out.form:
                    if word in _QUERY_FORMS:
                        out.form = word
                    elif word in _UPDATE_WORDS:
                        out.form = "UPDATE"
                    if out.form and stop_at_form:
                        break
                if word == "FROM" and out.form in _QUERY_FORMS:
                    out.has_dataset = True
            if word in ("SERVICE", "LOAD"):
                pending = word
    out.depth, out.chain, out.tokens = depth, chain, tokens
    return out


def _too_long(text: str, offset: int, limit: int):
    line, col = _line_col(text, offset)
    raise QueryRefused(f"query chains more than {limit} operators or group elements (line {line}, "
                       f"column {col}); the limit is {limit} (setting serve.max_chain); split "
                       "long expressions, or use IN (...) or VALUES for long alternatives",
                       line=line, column=col)


def check(text: str, limits: Limits = DEFAULT_LIMITS) -> Scan:
    """:func:`scan` ``text`` and raise :class:`QueryRefused` (saying which limit, where,
    and which setting raises it) when it passes one of ``limits``; else the scan."""
    if limits.max_bytes is not None:
        size = len(text.encode("utf-8", "surrogatepass")) if len(text) * 4 > limits.max_bytes else len(text)
        if size > limits.max_bytes:
            raise QueryRefused(f"the text is {size:,} bytes; the limit is {limits.max_bytes:,} "
                               "(setting serve.max_query_bytes)")
    s = scan(text, limits)
    allowed = set(limits.allowed_endpoints)
    for what, targets in (("SERVICE", s.services), ("LOAD", s.loads)):
        for target in targets:
            if target not in allowed:
                shown = target if len(target) <= 200 else target[:200] + "…"
                raise QueryRefused(
                    f"{what} {'<' + shown + '>' if not shown.startswith(('?', '$')) else shown} "
                    "is not allowed: this server contacts only the endpoints listed in the "
                    "setting serve.allowed_endpoints"
                    + (" (none are listed)" if not allowed else ""))
    return s


def normalise(text: str) -> str:
    """The text's tokens joined by single spaces: the same query whatever its whitespace
    and comments (whitespace inside strings and IRIs is kept; case is kept). Linear, as
    :func:`scan`.

    >>> normalise("SELECT  *\\nWHERE { ?s ?p 'a  b' } # why")
    "SELECT * WHERE { ?s ?p 'a  b' }"
    """
    out = []
    pos, n = 0, len(text)
    match = _TOKEN.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            break
        kind = m.lastindex
        start = m.start(kind)
        hash_at = text.rfind("#", pos, start)
        if (hash_at >= 0 and "\n" not in text[hash_at:start] and "\r" not in text[hash_at:start]) \
                or text[start].isspace():
            # the lexer gave back the end of a trailing comment (or space) to match a token
            ends = [e for e in (text.find("\n", start), text.find("\r", start)) if e >= 0]
            pos = min(ends) + 1 if ends else n
            continue
        out.append(m.group(kind))
        pos = m.end()
    return " ".join(out)
