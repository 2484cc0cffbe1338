"""Serialise query results (``kg.store.base``) in the W3C result formats, and pick one by
HTTP content negotiation.

Formats (``fmt`` names):

===========  ==============================================  =====================
fmt          media type                                      results
===========  ==============================================  =====================
``json``     ``application/sparql-results+json``             SELECT, ASK
``xml``      ``application/sparql-results+xml``              SELECT, ASK
``csv``      ``text/csv``                                    SELECT
``tsv``      ``text/tab-separated-values``                   SELECT
``table``    ``text/plain`` (a table for terminals)          SELECT, ASK, graphs
``turtle``   ``text/turtle``                                 CONSTRUCT / DESCRIBE
``ntriples`` ``application/n-triples``                       CONSTRUCT / DESCRIBE
``jsonld``   ``application/ld+json``                         CONSTRUCT / DESCRIBE
``rdfxml``   ``application/rdf+xml``                         CONSTRUCT / DESCRIBE
``nquads``   ``application/n-quads``                         CONSTRUCT / DESCRIBE
``trig``     ``application/trig``                            CONSTRUCT / DESCRIBE
===========  ==============================================  =====================

The result formats follow the W3C Recommendations to the letter: *SPARQL 1.1 Query
Results JSON Format* (literals carry ``xml:lang`` or ``datatype``; ``xsd:string`` is
left implicit; unbound variables are absent from a binding), *SPARQL Query Results XML
Format (Second Edition)* (unbound variables have no ``<binding>``; a carriage return in
a literal is written ``&#13;`` so XML line-end normalisation cannot eat it), and *SPARQL
1.1 Query Results CSV and TSV Formats* (CSV: CRLF line ends, RFC 4180 quoting, terms
as plain strings; TSV: ``?var`` header, terms in Turtle syntax, ``\\t \\n \\r``
escaped, numbers abbreviated when their lexical form is valid Turtle). RDF/XML is
offered for graphs although it is not among the four graph formats the endpoint
advertises because SPARQL clients (rdflib's ``SPARQLStore``, SPARQLWrapper's default)
ask for it. Graph serialisation uses pyoxigraph's serialisers.

Limitations: XML 1.0 cannot carry most C0 control characters; a literal holding one
raises :class:`SerializationError` for ``xml``/``rdfxml`` (ask for JSON instead). ASK
has no CSV/TSV form in the Recommendation; ``true``/``false`` on one line is offered, as
pyoxigraph and ``oxigraph serve`` write it. Results are built in
memory (the endpoint caps them with ``serve.max_results``).

>>> from rdflib import Literal, URIRef
>>> r = SelectResult(["s", "label"], [(URIRef("http://example.org/a"), Literal("A, b", lang="en"))])
>>> serialize(r, "csv")
b's,label\\r\\nhttp://example.org/a,"A, b"\\r\\n'
>>> print(serialize(r, "tsv").decode())
?s	?label
<http://example.org/a>	"A, b"@en
<BLANKLINE>
>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", "select")
'xml'
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import KGStudioError
from kg.store.base import AskResult, GraphResult, QueryResult, SelectResult
from kg.store.terms import literal_text, to_ox
from kg.text_table import clip, pad, width

__all__ = ["serialize", "table", "negotiate", "kind_of", "MEDIA_TYPES", "CONTENT_TYPES",
           "FORMATS", "PREFIXES", "SerializationError", "NotAcceptable"]

XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = XSD + "string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SPARQL_RESULTS_NS = "http://www.w3.org/2005/sparql-results#"


class SerializationError(KGStudioError):
    """A result cannot be written in the asked format (wrong result kind, or a value the
    format cannot carry)."""


class NotAcceptable(KGStudioError):
    """Content negotiation found no format the client accepts (HTTP 406)."""

    def __init__(self, accept: str, kind: str):
        self.accept = accept
        self.kind = kind
        offered = ", ".join(MEDIA_TYPES[f] for f in FORMATS[kind])
        super().__init__(f"none of the media types in Accept: {accept!r} can carry a {kind} "
                         f"result; this endpoint offers {offered}")


#: fmt -> media type (no parameters)
MEDIA_TYPES: dict[str, str] = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "table": "text/plain",
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "nquads": "application/n-quads",
    "trig": "application/trig",
}

#: fmt -> the Content-Type header value to send (charset on the text types)
CONTENT_TYPES: dict[str, str] = {
    f: (m + "; charset=utf-8" if m.startswith("text/") else m) for f, m in MEDIA_TYPES.items()
}

#: result kind -> formats that can carry it, in the server's order of preference
FORMATS: dict[str, tuple[str, ...]] = {
    "select": ("json", "xml", "csv", "tsv", "table"),
    "ask": ("json", "xml", "csv", "tsv", "table"),
    "graph": ("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig", "table"),
}

# Media types a client may ask for, besides MEDIA_TYPES, per result kind.
_ALIASES: dict[str, dict[str, str]] = {
    "select": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "ask": {"application/json": "json", "application/xml": "xml", "text/xml": "xml"},
    "graph": {"application/x-turtle": "turtle", "application/turtle": "turtle",
              "text/plain": "ntriples", "application/json": "jsonld",
              "application/xml": "rdfxml", "text/xml": "rdfxml"},
}

#: prefixes used to abbreviate IRIs in Turtle output and terminal tables
PREFIXES: dict[str, str] = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "schema": "https://schema.org/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "kgs": "https://w3id.org/kgstudio/ns#",
    "bloom": "https://w3id.org/kgstudio/bloom/",
    "kgg": "https://w3id.org/kgstudio/graph/",
    "case": "http://www.imsglobal.org/spec/case/v1p0/",
}


def kind_of(result: QueryResult) -> str:
    """``"select"``, ``"ask"`` or ``"graph"``."""
    if isinstance(result, SelectResult):
        return "select"
    if isinstance(result, AskResult):
        return "ask"
    if isinstance(result, GraphResult):
        return "graph"
    raise TypeError(f"not a query result: {type(result).__name__}")


def serialize(result: QueryResult, fmt: str, *, max_width: int | None = 60) -> bytes:
    """``result`` in format ``fmt`` (see the module docstring) as UTF-8 bytes.

    ``max_width`` only applies to ``table`` (characters per cell; None: no limit).
    Raises :class:`SerializationError` when ``fmt`` cannot carry this kind of result.
    """
    kind = kind_of(result)
    if fmt not in MEDIA_TYPES:
        raise SerializationError(f"unknown result format {fmt!r}; use one of {', '.join(MEDIA_TYPES)}")
    if fmt not in FORMATS[kind]:
        raise SerializationError(f"a {kind} result cannot be written as {fmt}; "
                                 f"use one of {', '.join(FORMATS[kind])}")
    if fmt == "table":
        return table(result, max_width=max_width).encode("utf-8")
    if kind == "graph":
        return _graph(result, fmt)
    return _WRITERS[fmt](result)


# ---- SPARQL 1.1 JSON results -------------------------------------------------------------
def _json_term(t: Node) -> dict[str, str]:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, Literal):
        d = {"type": "literal", "value": str(t)}
        if t.language:
            d["xml:lang"] = t.language
        elif t.datatype is not None and str(t.datatype) != _XSD_STRING:
            d["datatype"] = str(t.datatype)
        return d
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    raise SerializationError(f"cannot write {t!r} in SPARQL results")


def _json(result) -> bytes:
    if isinstance(result, AskResult):
        doc = {"head": {}, "boolean": bool(result.value)}
    else:
        bindings = [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None}
                    for row in result.rows]
        doc = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# ---- SPARQL XML results -------------------------------------------------------------------
# Characters XML 1.0 can carry: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(s: str) -> str:
    bad = _XML_BAD.search(s)
    if bad:
        raise SerializationError(f"value {s[:40]!r} holds U+{ord(bad.group()):04X}, which XML 1.0 "
                                 "cannot carry; ask for JSON results instead")
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _xml_attr(s: str) -> str:
    return _xml_text(s).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def _xml_term(t: Node) -> str:
    if isinstance(t, URIRef):
        return f"<uri>{_xml_text(str(t))}</uri>"
    if isinstance(t, Literal):
        if t.language:
            return f'<literal xml:lang="{_xml_attr(t.language)}">{_xml_text(str(t))}</literal>'
        if t.datatype is not None and str(t.datatype) != _XSD_STRING:
            return f'<literal datatype="{_xml_attr(str(t.datatype))}">{_xml_text(str(t))}</literal>'
        return f"<literal>{_xml_text(str(t))}</literal>"
    if isinstance(t, BNode):
        return f"<bnode>{_xml_text(str(t))}</bnode>"
    raise SerializationError(f"cannot write {t!r} in SPARQL results")


def _xml(result) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<sparql xmlns="{SPARQL_RESULTS_NS}">\n']
    if isinstance(result, AskResult):
        out.append("  <head/>\n")
        out.append(f"  <boolean>{'true' if result.value else 'false'}</boolean>\n")
    else:
        out.append("  <head>\n")
        out.extend(f'    <variable name="{_xml_attr(v)}"/>\n' for v in result.variables)
        out.append("  </head>\n  <results>\n")
        for row in result.rows:
            out.append("    <result>\n")
            for v, t in zip(result.variables, row):
                if t is not None:
                    out.append(f'      <binding name="{_xml_attr(v)}">{_xml_term(t)}</binding>\n')
            out.append("    </result>\n")
        out.append("  </results>\n")
    out.append("</sparql>\n")
    return "".join(out).encode("utf-8")


# ---- CSV and TSV ----------------------------------------------------------------------------
def _csv_field(t: Node | None) -> str:
    if t is None:
        return ""
    s = f"_:{t}" if isinstance(t, BNode) else str(t)
    if any(c in s for c in '",\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _csv(result: SelectResult) -> bytes:
    if isinstance(result, AskResult):  # as pyoxigraph and oxigraph serve write it
        return b"true\r\n" if result.value else b"false\r\n"
    lines = [",".join(result.variables)]
    lines.extend(",".join(_csv_field(t) for t in row) for row in result.rows)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


# Turtle's INTEGER, DECIMAL and DOUBLE productions: such literals may be written bare.
_NUMERIC = {
    XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)"),
}


def _turtle_string(s: str, **kw) -> str:
    """A literal in Turtle syntax (:func:`kg.store.terms.literal_text`) with tabs escaped
    too: a raw tab would end the TSV field."""
    return literal_text(s, **kw).replace("\t", "\\t")


def _tsv_field(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, BNode):
        return f"_:{t}"
    if isinstance(t, Literal):
        lex = str(t)
        if t.language:
            return _turtle_string(lex, lang=t.language)
        dt = str(t.datatype) if t.datatype is not None else _XSD_STRING
        if dt == _XSD_STRING:
            return _turtle_string(lex)
        pattern = _NUMERIC.get(dt)
        if pattern is not None and pattern.fullmatch(lex):
            return lex
        return _turtle_string(lex, datatype=dt)
    raise SerializationError(f"cannot write {t!r} in SPARQL results")


def _tsv(result: SelectResult) -> bytes:
    if isinstance(result, AskResult):
        return b"true\n" if result.value else b"false\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines.extend("\t".join(_tsv_field(t) for t in row) for row in result.rows)
    return ("\n".join(lines) + "\n").encode("utf-8")


def _need_select(fn):
    def writer(result):
        if not isinstance(result, (SelectResult, AskResult)):  # pragma: no cover - serialize() checks
            raise SerializationError("CSV and TSV carry SELECT and ASK results only")
        return fn(result)
    return writer


_WRITERS = {"json": _json, "xml": _xml, "csv": _need_select(_csv), "tsv": _need_select(_tsv)}


# ---- graphs ---------------------------------------------------------------------------------
_OX_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
               "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}


def _used_prefixes(triples: Iterable[tuple[Node, Node, Node]]) -> dict[str, str]:
    iris = {str(t) for tr in triples for t in tr if isinstance(t, URIRef)}
    iris |= {str(tr[2].datatype) for tr in triples
             if isinstance(tr[2], Literal) and tr[2].datatype is not None}
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _graph(result: GraphResult, fmt: str) -> bytes:
    try:
        triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in result.triples]
        prefixes = _used_prefixes(result.triples) if fmt in ("turtle", "rdfxml") else None
        return ox.serialize(triples, format=_OX_FORMATS[fmt], prefixes=prefixes)
    except (ValueError, TypeError) as e:
        raise SerializationError(f"cannot write the graph as {fmt}: {e}") from e


# ---- terminal tables -----------------------------------------------------------------------
def _short_iri(iri: str) -> str:
    for p, ns in PREFIXES.items():
        if iri.startswith(ns):
            local = iri[len(ns):]
            if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*", local) and not local.endswith("."):
                return f"{p}:{local}"
    return f"<{iri}>"


def _display(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, URIRef):
        s = _short_iri(str(t))
    elif isinstance(t, BNode):
        s = f"_:{t}"
    elif isinstance(t, Literal):
        lex = str(t)
        dt = str(t.datatype) if t.datatype is not None else None
        if t.language:
            s = f'"{lex}"@{t.language}'
        elif dt in (None, _XSD_STRING) or dt in _NUMERIC or dt == XSD + "boolean":
            s = lex
        else:
            s = f'"{lex}"^^{_short_iri(dt)}'
    else:
        s = str(t)
    # one line per row: show control characters as escapes
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]

    def render(self, max_width: int | None) -> list[str]:
        header = [clip(h, max_width) for h in self.header]
        rows = [[clip(c, max_width) for c in r] for r in self.rows]
        widths = [max([width(header[i])] + [width(r[i]) for r in rows]) for i in range(len(header))]

        def line(cells):
            return "| " + " | ".join(pad(c, w) for c, w in zip(cells, widths)) + " |"

        rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        out = [rule, line(header), rule]
        out.extend(line(r) for r in rows)
        if rows:
            out.append(rule)
        return out


def table(result: QueryResult, max_width: int | None = 60) -> str:
    """A plain-text table for terminals: one row per solution (SELECT) or triple (graphs),
    IRIs shortened with :data:`PREFIXES`, cells cut at ``max_width`` characters with "…",
    newlines and tabs shown as ``\\n``/``\\t``; ASK gives ``true`` or ``false``.

    >>> from rdflib import Literal, URIRef
    >>> r = SelectResult(["c", "n"], [(URIRef("https://w3id.org/kgstudio/ns#Concept"), Literal(3)), (None, None)])
    >>> print(table(r))
    +-------------+---+
    | c           | n |
    +-------------+---+
    | kgs:Concept | 3 |
    |             |   |
    +-------------+---+
    2 rows
    """
    if isinstance(result, AskResult):
        return ("true" if result.value else "false") + "\n"
    if isinstance(result, SelectResult):
        header, rows, noun = list(result.variables), result.rows, "row"
    elif isinstance(result, GraphResult):
        header, rows, noun = ["subject", "predicate", "object"], result.triples, "triple"
    else:
        raise TypeError(f"not a query result: {type(result).__name__}")
    t = _Table(header, [[_display(x) for x in row] for row in rows])
    lines = t.render(max_width) if header else []
    n = len(rows)
    footer = f"{n} {noun}{'' if n == 1 else 's'}"
    if getattr(result, "truncated", False):
        footer += " (truncated by the result-size limit)"
    lines.append(footer)
    return "\n".join(lines) + "\n"


# ---- content negotiation -------------------------------------------------------------------
@dataclass
class _Range:
    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media: str) -> int:
        """3 exact, 2 type/*, 1 */*, 0 no match."""
        t, s = media.split("/", 1)
        if self.type == "*" and self.subtype == "*":
            return 1
        if self.type == t and self.subtype == "*":
            return 2
        if self.type == t and self.subtype == s:
            return 3
        return 0


def _parse_accept(header: str) -> list[_Range]:
    ranges = []
    for pos, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            if media == "*":
                media = "*/*"
            else:
                continue  # malformed: ignore it
        t, s = media.split("/", 1)
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        if not 0.0 <= q <= 1.0:
            continue  # malformed q: ignore the range
        ranges.append(_Range(t.strip(), s.strip(), q, pos))
    return ranges


def negotiate(accept_header: str | None, result_kind: str) -> str:
    """The fmt to answer with, for an HTTP ``Accept`` header and a result kind
    (``"select"``, ``"ask"`` or ``"graph"``).

    Each offered format gets the q-value of the most specific media range that matches it
    (exact, then ``type/*``, then ``*/*``; ``q=0`` refuses it). The highest q wins; ties go
    to the more specific match, then to the range listed first, then to the server's
    order (JSON for SELECT/ASK, Turtle for graphs). An empty or missing header means
    ``*/*``. Raises :class:`NotAcceptable` when nothing offered is acceptable.

    >>> negotiate(None, "graph")
    'turtle'
    >>> negotiate("application/rdf+xml, application/sparql-results+xml", "graph")
    'rdfxml'
    >>> negotiate("text/*;q=0.9, */*;q=0.1", "select")
    'csv'
    """
    if result_kind not in FORMATS:
        raise ValueError(f"result_kind must be one of {', '.join(FORMATS)}, not {result_kind!r}")
    header = (accept_header or "").strip()
    ranges = _parse_accept(header) if header else [_Range("*", "*", 1.0, 0)]
    # graphs: text/plain means N-Triples over HTTP; the terminal table is for the CLI
    offers: list[tuple[str, str]] = [(MEDIA_TYPES[f], f) for f in FORMATS[result_kind]
                                     if not (result_kind == "graph" and f == "table")]
    offers += [(m, f) for m, f in _ALIASES[result_kind].items()]
    best: tuple | None = None
    best_fmt = None
    for order, (media, fmt) in enumerate(offers):
        match = None
        for r in ranges:
            spec = r.specificity(media)
            if spec and (match is None or spec > match[0]):
                match = (spec, r)
        if match is None or match[1].q <= 0:
            continue
        spec, r = match
        if spec < 3 and media in _ALIASES[result_kind]:
            continue  # wildcards pick among the canonical media types only
        key = (r.q, spec, -r.position, -order)
        if best is None or key > best:
            best, best_fmt = key, fmt
    if best_fmt is None:
        raise NotAcceptable(header, result_kind)
    return best_fmt
