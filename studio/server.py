"""``kgstudio serve``: a SPARQL 1.1 Protocol endpoint over the workspace store, at ``/sparql``,
meant to survive the open internet.

What it speaks (W3C *SPARQL 1.1 Protocol*):

* query: ``GET /sparql?query=...``, ``POST`` ``application/x-www-form-urlencoded`` with
  ``query=``, ``POST`` ``application/sparql-query`` with the query as the body; the
  dataset from ``default-graph-uri``/``named-graph-uri`` when given, else from the query's
  own ``FROM``/``FROM NAMED`` (read by the lexer, ``FROM<iri>`` included), else every
  named graph (union default graph);
* update: ``POST`` form with ``update=``, or ``POST`` ``application/sparql-update``. Only
  when an update token is configured (``serve.update_token`` or env
  ``KGSTUDIO_UPDATE_TOKEN``) *and* the request carries ``Authorization: Bearer <token>``:
  a server without a token answers 403 (read-only); a missing or wrong token gets 401
  with ``WWW-Authenticate: Bearer``. Answered 204. An update is evaluated once, on the
  store on disk; the query workers re-open the store before their next query, so what is
  served is exactly what the store holds (same UUIDs and blank nodes after a restart);
* results by content negotiation (``kg.results.negotiate``), decided from the query
  form *before* the query runs (406 otherwise): SPARQL JSON/XML/CSV/TSV or a text table
  for SELECT and ASK, Turtle/N-Triples/N-Quads/TriG/JSON-LD/RDF-XML for CONSTRUCT and
  DESCRIBE. ``format=``/``output=`` naming a format overrides ``Accept``;
* 405 with ``Allow`` for other methods; CORS headers for read queries from the origins in
  ``serve.cors_origins`` (default: none); ``/`` is a small HTML page with a query form.

Limits (each a ``serve.*`` setting):

* **before parsing** (``kg.sparql_guard``, a linear scanner): nesting depth
  (``max_depth``, 64), operator chains (``max_chain``, 512) and size (``max_query_bytes``,
  1 MB; ``max_update_bytes`` for updates): 400 saying which limit and where. pyoxigraph's
  parser dies with SIGSEGV on 2,500 nested groups; here such a query is a 400 and, were
  one to slip through, it would only kill a worker process;
* **no outbound connections**: ``SERVICE`` and ``LOAD`` are refused (400) unless their
  IRI is listed in ``allowed_endpoints`` (default: none);
* **per query**: wall time ``query_timeout_s`` (503 with ``Retry-After``; the worker
  process is killed, so the CPU stops at once, and replaced), address space
  ``query_memory_mb`` (``RLIMIT_AS`` in the worker: a query past it gets a 500 saying so
  and the server goes on), rows ``max_results`` and bytes ``max_result_mb`` (the result is
  cut at a row boundary into a valid document, ``X-KGStudio-Truncated: true``);
* **repeats**: a query cut at the time limit after using its CPU (30 ms at least: a
  query that only waited for a CPU on a busy machine is not remembered; nor is one
  answered in time in the last 10 minutes) or at the memory limit is answered 503 at
  once, without running, for 60 s after. The key is the exact query, normalised (its tokens, so
  whitespace and comments do not make it new) with its protocol dataset: a query of the
  same shape runs. An update forgets them all;
* **at once**: ``workers`` queries run at once; the others wait ``queue_wait_s`` for a free
  worker (at most ``max_queue`` of them wait; past that, at once), then get 503 with
  ``Retry-After``. A query still running after 0.25 s, having used 30 ms of CPU, drops to
  a low CPU priority and hands its slot on, so at most ``2 * workers`` queries run at once, half
  of them slow ones at nice 15 (memory bound: ``2 * workers * query_memory_mb``). Slow
  queries are not cut early to make room: a killed worker costs a new process (tried:
  under load the respawns cost more CPU than the cut queries saved). Connections are capped at
  ``max_connections`` (503 past it), a client must finish its request headers within
  ``header_timeout_s`` and its body within ``query_timeout_s``, idle keep-alive
  connections close after 5 s.

Design: uvicorn (httptools parser: strict ``Content-Length``/``Transfer-Encoding``,
keep-alive, pipelining) with one starlette route; this module keeps only the policy
(dispatch, the bearer token, negotiation, limits, the page). Queries run in a pool of
worker processes (``python -c 'from studio.server import _worker_main; ...'``), each with
its own read-only handle on the store (``pyoxigraph.Store.read_only``; a store without a
folder, as in tests, or ``serve.in_memory``: an in-memory copy loaded from an N-Quads
snapshot re-taken after each update) and ``RLIMIT_AS``, scheduled ``SCHED_BATCH`` (a
worker woken with a query does not preempt the server process). A worker writes the
negotiated format itself (no rdflib): SPARQL JSON and TSV with pyoxigraph's own writers
when the whole document stays under both caps (known without counting rows: fewer than
``max_results`` times the smallest row's bytes), else streaming over pyoxigraph terms in
Python, in frames over a pipe; a small result is one frame. The first 256 KB are
buffered so that small results carry exact headers, larger ones are streamed (the
connection is cut if the time limit passes mid-stream). The server measures each query
once per text (``kg.sparql_guard.check``, its verdict kept in a 2,048-text LRU), so the
workers run only what passed; a response's headers go out with its body in one send.

What the isolation costs (``benchmarks/endpoint.py``, a 2-core machine shared with other
jobs, load average 9-25, so treat the figures as upper bounds): a query's round trip
through a worker (a JSON header down a pipe, one frame back) took 0.38 ms against 0.10 ms
for the same small query on pyoxigraph in the server process, i.e. **about 0.15-0.35 ms
per query**; each idle worker holds about 42 MB resident (200 MB of address space, to
which ``query_memory_mb`` is added); starting the pool (workers plus two hot spares, in
parallel) took 0.7-0.9 s. A worker killed on timeout is replaced at once by a hot spare
(two are kept), and a new spare starts in the background. A query still running after
0.25 s, having used 30 ms of CPU, is re-niced to 15 (back to 0 when it ends) and hands its
slot on, so that quick queries keep workers and their CPU share while slow ones run out
their time. Latest run (50 clients, 15 s each, 4 workers, 2 s limit, 50k triples,
in-memory workers, load average 9.5): 1,636 req/s at p50 22 ms, no errors, against 2,971
req/s at p50 11 ms for ``oxigraph serve`` just before (0.55x, 1.96x; it was 0.38x before
the fast writers, the cached verdicts, one frame per answer, headers sent with the body
and batch-scheduled workers); with 5% of the requests replaced by slow, huge and deep ones,
the quick queries' p50 was 31 ms, nothing crashed, peak resident memory of the server and
its workers 755 MB, and 0.01 CPU-s was used in the 10 s after the last 503 (with 5% of the
clients sending only such queries: p50 31 ms, no errors). Without the repeat refusal (see
Limits), that 5% mix held most clients in 2 s queries and the quick queries' p50 was
560 ms; without the re-nicing and slot hand-over, 409 ms. The Python server process (HTTP,
dispatch, one pipe write and one read per query) bounds throughput: about 250 us of its
CPU per request, against about 210 us in the worker.

Limitations: updates are not time-limited (a write cannot be cut half-way) and run one at a
time; plain HTTP only (put a TLS proxy in front before sending a token over a network);
a result bigger than 256 KB that passes the time limit while streaming ends in a cut
connection rather than a 503. RDF 1.2 terms (triple terms ``<<( s p o )>>``, base
directions ``"x"@ar--rtl``) are served in every format that carries them; JSON-LD, which
cannot, is a 406. A SELECT in JSON or TSV past the fast writer's bound (1 MB, and fewer
bytes than 3 per ``max_results`` row: 300 KB with the default 100,000) runs twice:
pyoxigraph's writer stops at the bound, and the query runs again through the streaming
writer (for a query that sorts or groups, its evaluation is paid twice).

Imports inside functions: every query worker (and each hot spare) starts with
``from studio.server import _worker_main``, so this module's top level is what a worker
pays before its first query. The HTTP side (starlette, uvicorn, uvloop), ``kg.results``,
the store and the workspace are imported where the server uses them; ``resource``
(POSIX only) in the worker.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

import pyoxigraph as ox

from kg.errors import KGStudioError
from kg.sparql_guard import Limits, QueryRefused, check, normalise

log = logging.getLogger("kgstudio.serve")

__all__ = ["make_server", "serve", "SparqlServer", "ServeConfig", "TRUNCATED_HEADER"]

TRUNCATED_HEADER = "X-KGStudio-Truncated"
_QUERY_MEDIA = "application/sparql-query"
_UPDATE_MEDIA = "application/sparql-update"
_FORM_MEDIA = "application/x-www-form-urlencoded"
_FIRST_CHUNK = 256 * 1024      # buffered before the response starts
_FRAME = 64 * 1024             # the worker's write size
_ALLOW = "GET, HEAD, POST, OPTIONS"


@dataclass(frozen=True)
class ServeConfig:
    """The endpoint's limits; ``serve(...)`` fills it from the ``serve.*`` settings."""

    query_timeout_s: float | None = 10.0
    max_results: int | None = 100_000
    max_result_mb: float = 32.0
    update_token: str | None = None
    workers: int = 4
    queue_wait_s: float = 2.0
    max_queue: int = 256
    query_memory_mb: int = 1024
    max_query_bytes: int = 1_000_000
    max_update_bytes: int = 16_000_000
    max_depth: int = 64
    max_chain: int = 512
    allowed_endpoints: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    max_connections: int = 512
    header_timeout_s: float = 10.0
    in_memory: bool = False

    def limits(self, update: bool = False) -> Limits:
        return Limits(max_depth=self.max_depth, max_chain=self.max_chain,
                      max_bytes=self.max_update_bytes if update else self.max_query_bytes,
                      allowed_endpoints=self.allowed_endpoints)


class _HTTPError(Exception):
    """An answer other than 200, raised inside a handler."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


# =====================================================================================
# The worker process: one query at a time, results written as frames on stdout.
# =====================================================================================
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_XSD_BOOLEAN = _XSD + "boolean"
_NUMERIC = {
    _XSD + "integer": re.compile(r"[+-]?[0-9]+"),
    _XSD + "decimal": re.compile(r"[+-]?[0-9]*\.[0-9]+"),
    _XSD + "double": re.compile(r"[+-]?([0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+)"),
}
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_jstr = json.encoder.encode_basestring   # a JSON string (C), as _dumps writes one
_ITS = ' xmlns:its="http://www.w3.org/2005/11/its" its:version="2.0"'


class _NotRepresentable(Exception):
    pass


def _json_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return '{"type":"uri","value":' + _jstr(t.value) + "}"
    if isinstance(t, ox.Literal):
        if t.language:
            if t.direction:   # RDF 1.2 base direction, as pyoxigraph writes it
                return ('{"type":"literal","value":' + _jstr(t.value) + ',"xml:lang":'
                        + _jstr(t.language) + ',"its:dir":' + _jstr(t.direction.value) + "}")
            return '{"type":"literal","value":' + _jstr(t.value) + ',"xml:lang":' + _jstr(t.language) + "}"
        dt = t.datatype.value
        if dt == _XSD_STRING:
            return '{"type":"literal","value":' + _jstr(t.value) + "}"
        return '{"type":"literal","value":' + _jstr(t.value) + ',"datatype":' + _jstr(dt) + "}"
    if isinstance(t, ox.BlankNode):
        return '{"type":"bnode","value":' + _jstr(t.value) + "}"
    if isinstance(t, ox.Triple):
        return ('{"type":"triple","value":{"subject":' + _json_term(t.subject) + ',"predicate":'
                + _json_term(t.predicate) + ',"object":' + _json_term(t.object) + "}}")
    raise _NotRepresentable(f"cannot write {t!r} in SPARQL results")


def _xml_text(s: str) -> str:
    bad = _XML_BAD.search(s)
    if bad:
        raise _NotRepresentable(f"value {s[:40]!r} holds U+{ord(bad.group()):04X}, which XML 1.0 "
                                "cannot carry; ask for JSON results instead")
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _xml_attr(s: str) -> str:
    return _xml_text(s).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{_xml_text(t.value)}</uri>"
    if isinstance(t, ox.Literal):
        if t.language:
            if t.direction:   # RDF 1.2 base direction, as pyoxigraph writes it
                return (f'<literal xml:lang="{_xml_attr(t.language)}" its:dir="{t.direction.value}"'
                        f'{_ITS}>{_xml_text(t.value)}</literal>')
            return f'<literal xml:lang="{_xml_attr(t.language)}">{_xml_text(t.value)}</literal>'
        dt = t.datatype.value
        if dt != _XSD_STRING:
            return f'<literal datatype="{_xml_attr(dt)}">{_xml_text(t.value)}</literal>'
        return f"<literal>{_xml_text(t.value)}</literal>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{_xml_text(t.value)}</bnode>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>"
                f"{_xml_term(t.predicate)}</predicate><object>{_xml_term(t.object)}</object></triple>")
    raise _NotRepresentable(f"cannot write {t!r} in SPARQL results")


def _csv_term(t) -> str:
    if t is None:
        return ""
    s = "_:" + t.value if isinstance(t, ox.BlankNode) else (t.value if not isinstance(t, ox.Triple) else str(t))
    if '"' in s or "," in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def _turtle_string(s: str) -> str:
    return '"' + (s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
                  .replace("\r", "\\r").replace("\t", "\\t")) + '"'


def _tsv_term(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        return f"<{t.value}>"
    if isinstance(t, ox.BlankNode):
        return f"_:{t.value}"
    if isinstance(t, ox.Literal):
        lex = t.value
        if t.language:
            if t.direction:
                return f"{_turtle_string(lex)}@{t.language}--{t.direction.value}"
            return f"{_turtle_string(lex)}@{t.language}"
        dt = t.datatype.value
        if dt == _XSD_STRING:
            return _turtle_string(lex)
        pattern = _NUMERIC.get(dt)
        if pattern is not None and pattern.fullmatch(lex):
            return lex
        if dt == _XSD_BOOLEAN and lex in ("true", "false"):
            return lex
        return f"{_turtle_string(lex)}^^<{dt}>"
    if isinstance(t, ox.Triple):
        return f"<<( {_tsv_term(t.subject)} {_tsv_term(t.predicate)} {_tsv_term(t.object)} )>>"
    raise _NotRepresentable(f"cannot write {t!r} in SPARQL results")


class _Out:
    """Collects the serialised result and ships it in frames; enforces the byte cap."""

    def __init__(self, send, max_bytes: int | None):
        self.send = send
        self.max_bytes = max_bytes
        self.buf: list[bytes] = []
        self.size = 0          # bytes in buf
        self.total = 0         # bytes written in all

    def fits(self, n: int) -> bool:
        return self.max_bytes is None or self.total + n <= self.max_bytes

    def write(self, b: bytes) -> None:
        self.buf.append(b)
        self.size += len(b)
        self.total += len(b)
        if self.size >= _FRAME:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.send(b"D", b"".join(self.buf))
            self.buf, self.size = [], 0

    def finish(self, meta: dict) -> None:
        """The end frame: the meta's length (4 bytes), the meta (JSON), the data not yet
        sent; a small result is one frame."""
        m = json.dumps(meta).encode()
        self.send(b"E", len(m).to_bytes(4, "big") + m + b"".join(self.buf))
        self.buf, self.size = [], 0


def _write_select(res, fmt: str, out: _Out, max_rows: int | None) -> tuple[int, str | None]:
    variables = [v.value for v in res.variables]
    n = len(variables)
    if fmt == "json":
        out.write(('{"head":{"vars":' + _dumps(variables) + '},"results":{"bindings":[').encode())
        tail, sep = b"]}}", ","
        names = [_jstr(v) + ":" for v in variables]

        def row(sol):
            parts = []
            for i in range(n):
                t = sol[i]
                if t is not None:
                    parts.append(names[i] + _json_term(t))
            return "{" + ",".join(parts) + "}"
    elif fmt == "xml":
        head = "".join(f'<variable name="{_xml_attr(v)}"/>' for v in variables)
        out.write(('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/'
                   f'sparql-results#"><head>{head}</head><results>').encode())
        tail, sep = b"</results></sparql>\n", ""
        names = [_xml_attr(v) for v in variables]

        def row(sol):
            parts = ["<result>"]
            for i in range(n):
                t = sol[i]
                if t is not None:
                    parts.append(f'<binding name="{names[i]}">{_xml_term(t)}</binding>')
            parts.append("</result>")
            return "".join(parts)
    elif fmt == "csv":
        out.write((",".join(variables) + "\r\n").encode())
        tail, sep = b"", ""

        def row(sol):
            return ",".join(_csv_term(sol[i]) for i in range(n)) + "\r\n"
    elif fmt == "tsv":
        out.write(("\t".join("?" + v for v in variables) + "\n").encode())
        tail, sep = b"", ""

        def row(sol):
            return "\t".join(_tsv_term(sol[i]) for i in range(n)) + "\n"
    else:
        raise _NotRepresentable(f"a select result cannot be written as {fmt}")
    rows, cut = 0, None
    room = len(tail)
    for sol in res:
        if max_rows is not None and rows >= max_rows:
            cut = "rows"
            break
        b = ((sep if rows else "") + row(sol)).encode()
        if not out.fits(len(b) + room):
            cut = "bytes"
            break
        out.write(b)
        rows += 1
    out.write(tail)
    return rows, cut


def _cell_width(s: str) -> int:
    """Terminal columns ``s`` takes (as kg.results: wide East Asian 2, combining marks 0)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
               for c in s)


def _clip(s: str, max_width: int = 60) -> str:
    if _cell_width(s) <= max_width:
        return s
    out, w = [], 0
    for c in s:
        cw = 0 if unicodedata.combining(c) else (2 if unicodedata.east_asian_width(c) in ("W", "F") else 1)
        if w + cw > max_width - 1:
            break
        out.append(c)
        w += cw
    return "".join(out) + "…"


_LOCAL = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")


def _short_iri(iri: str, prefixes: dict) -> str:
    for p, ns in prefixes.items():
        if iri.startswith(ns):
            local = iri[len(ns):]
            if _LOCAL.fullmatch(local) and not local.endswith("."):
                return f"{p}:{local}"
    return f"<{iri}>"


def _display(t, prefixes: dict) -> str:
    """A cell of the text table, as kg.results writes it (from pyoxigraph terms, so the
    workers need no rdflib)."""
    if t is None:
        return ""
    if isinstance(t, ox.NamedNode):
        s = _short_iri(t.value, prefixes)
    elif isinstance(t, ox.BlankNode):
        s = f"_:{t.value}"
    elif isinstance(t, ox.Literal):
        dt = t.datatype.value
        if t.language:
            s = f'"{t.value}"@{t.language}' + (f"--{t.direction.value}" if t.direction else "")
        elif dt == _XSD_STRING or dt in _NUMERIC or dt == _XSD + "boolean":
            s = t.value
        else:
            s = f'"{t.value}"^^{_short_iri(dt, prefixes)}'
    elif isinstance(t, ox.Triple):   # an RDF 1.2 triple term
        return f"<<( {_display(t.subject, prefixes)} {_display(t.predicate, prefixes)} {_display(t.object, prefixes)} )>>"
    else:
        s = str(t)
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _write_table(res, kind: str, max_rows: int | None, out: _Out, prefixes: dict) -> tuple[int, str | None]:
    """The terminal table of kg.results.table, for SELECT and graph results."""
    rows, cut = [], None
    if kind == "select":
        header = [v.value for v in res.variables]
        noun = "row"
        for sol in res:
            if max_rows is not None and len(rows) >= max_rows:
                cut = "rows"
                break
            rows.append([_clip(_display(sol[i], prefixes)) for i in range(len(header))])
    else:
        header, noun = ["subject", "predicate", "object"], "triple"
        for t in res:
            if max_rows is not None and len(rows) >= max_rows:
                cut = "rows"
                break
            rows.append([_clip(_display(x, prefixes)) for x in (t.subject, t.predicate, t.object)])
    lines = []
    if header:
        head = [_clip(h) for h in header]
        widths = [max([_cell_width(head[i])] + [_cell_width(r[i]) for r in rows]) for i in range(len(head))]

        def line(cells):
            return "| " + " | ".join(c + " " * (w - _cell_width(c)) for c, w in zip(cells, widths)) + " |"

        rule = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        lines = [rule, line(head), rule] + [line(r) for r in rows] + ([rule] if rows else [])
    n = len(rows)
    footer = f"{n} {noun}{'' if n == 1 else 's'}"
    if cut:
        footer += " (truncated by the result-size limit)"
    lines.append(footer)
    b = ("\n".join(lines) + "\n").encode()
    if not out.fits(len(b)):
        raise _NotRepresentable("the text table is over the result size limit (serve.max_result_mb); "
                                "ask for CSV or JSON, or add a LIMIT")
    out.write(b)
    return n, cut


_GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                  "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}


def _write_graph(res, fmt: str, out: _Out, max_rows: int | None, prefixes) -> tuple[int, str | None]:
    if fmt in ("ntriples", "nquads"):   # line formats: streamed in batches, cut at a line
        rows, cut, batch = 0, None, []
        fmt_ox = _GRAPH_FORMATS[fmt]

        def flush_batch():
            nonlocal cut
            data = ox.serialize(batch, format=fmt_ox)
            if not out.fits(len(data)):
                lines = data.splitlines(keepends=True)
                keep = []
                for line in lines:
                    if not out.fits(len(line)):
                        break
                    out.write(line)
                    keep.append(line)
                cut = "bytes"
                return len(keep)
            out.write(data)
            return len(batch)

        for t in res:
            if max_rows is not None and rows + len(batch) >= max_rows:
                cut = "rows"
                break
            batch.append(t)
            if len(batch) >= 1000:
                rows += flush_batch()
                batch = []
                if cut:
                    return rows, cut
        if batch and cut != "bytes":
            rows += flush_batch()
        return rows, cut
    triples, cut = [], None
    for t in res:
        if max_rows is not None and len(triples) >= max_rows:
            cut = "rows"
            break
        triples.append(t)
    data = _serialize_graph(triples, fmt, prefixes)
    while not out.fits(len(data)) and triples:   # keep a valid document: fewer triples
        keep = max(0, int(len(triples) * (out.max_bytes - out.total) / len(data) * 0.9))
        triples = triples[:keep]
        cut = "bytes"
        data = _serialize_graph(triples, fmt, prefixes)
    if fmt == "rdfxml":
        for t in triples:   # RDF/XML writes a predicate as an element: it needs a local name
            if not _NCNAME_END.search(t.predicate.value):
                raise _NotRepresentable(f"RDF/XML cannot write the predicate <{t.predicate.value[:200]}> "
                                        "(it does not end in an XML name); ask for Turtle or N-Triples")
        bad = _XML_BAD.search(data.decode("utf-8", "replace"))
        if bad:
            raise _NotRepresentable(f"the graph holds U+{ord(bad.group()):04X}, which XML 1.0 "
                                    "cannot carry; ask for Turtle or N-Triples instead")
    out.write(data)
    return len(triples), cut


_FORMAT_NAMES = {"jsonld": "JSON-LD", "rdfxml": "RDF/XML", "turtle": "Turtle"}


def _serialize_graph(triples, fmt: str, prefixes) -> bytes:
    try:
        return ox.serialize(triples, format=_GRAPH_FORMATS[fmt], prefixes=prefixes)
    except OSError as e:
        if "RDF 1.2" in str(e):   # e.g. JSON-LD: a 406 naming the formats that carry it
            raise _NotRepresentable(f"{_FORMAT_NAMES.get(fmt, fmt)} cannot carry the RDF 1.2 terms (triple terms, base "
                                    "directions) of this result; ask for Turtle, N-Triples, "
                                    "N-Quads, TriG or RDF/XML") from None
        raise


_NCNAME_END = re.compile("[A-Za-z_\u00c0-\ud7ff\ue000-\ufffd][\\w.\\-\u00b7]*$")
_ASK_FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}


#: pyoxigraph's writers that give exactly what ``_write_select`` gives (its CSV does not
#: quote an IRI holding a comma, so CSV stays with ours)
_FAST_FORMATS = {"json": ox.QueryResultsFormat.JSON, "tsv": ox.QueryResultsFormat.TSV}
#: the fewest bytes a row takes in pyoxigraph's writers ("{}," / LF): a document of
#: fewer than ``max_rows * this`` bytes cannot hold more than ``max_rows`` rows
_MIN_ROW_BYTES = {"json": 3, "tsv": 1}


class _Past(Exception):
    """pyoxigraph's writer went past what the fast path may send."""


class _Capped:
    """A file for ``QuerySolutions.serialize``: keeps what is written, up to ``limit`` bytes."""

    __slots__ = ("parts", "size", "limit")

    def __init__(self, limit: int):
        self.parts: list[bytes] = []
        self.size = 0
        self.limit = limit

    def write(self, b) -> int:
        self.size += len(b)
        if self.size > self.limit:
            raise _Past()
        self.parts.append(bytes(b))
        return len(b)

    def flush(self) -> None:
        pass


def _fast_select(res, fmt: str, max_rows: int | None, max_bytes: int | None) -> bytes | None:
    """pyoxigraph's own JSON/CSV/TSV writer (byte-identical to ``_write_select``, several
    times faster) when the whole document fits both caps, else None (``res`` is then spent:
    the query runs again through ``_write_select``). Whether it fits is known without
    counting rows: below ``max_rows * _MIN_ROW_BYTES`` bytes there cannot be more rows."""
    limit = _FIRST_CHUNK * 4 if max_bytes is None else min(max_bytes, _FIRST_CHUNK * 4)
    if max_rows is not None:
        limit = min(limit, max_rows * _MIN_ROW_BYTES[fmt] - 1)
    out = _Capped(limit)
    try:
        res.serialize(out, _FAST_FORMATS[fmt])
    except _Past:
        return None
    return b"".join(out.parts)


def _error(send, status: int, message: str, **extra) -> None:
    send(b"X", json.dumps({"status": status, "message": message, "cpu": time.process_time(),
                           **extra}).encode())


def _run_one(store, req: dict, send, boot: dict) -> None:
    """One query, already measured by the server's guard (``kg.sparql_guard.check``)."""
    kw: dict = {}
    if req.get("dg") is not None or req.get("ng") is not None:
        kw["default_graph"] = [ox.NamedNode(g) for g in req.get("dg") or []] or ox.DefaultGraph()
        kw["named_graphs"] = [ox.NamedNode(g) for g in req.get("ng") or []]
    elif req.get("u", True):
        kw["use_default_graph_as_union"] = True
    query = req["q"]
    try:
        res = store.query(query, **kw)
    except SyntaxError as e:
        _error(send, 400, f"SPARQL syntax error: {str(e).splitlines()[0]}")
        return
    except (OSError, ValueError, RuntimeError) as e:
        _error(send, 500, f"query failed: {str(e)[:500]}")
        return
    kind = ("ask" if isinstance(res, ox.QueryBoolean) else
            "select" if isinstance(res, ox.QuerySolutions) else "graph")
    fmt = req["f"]
    if kind != req.get("k"):
        _error(send, 500, f"the query gave a {kind} result, not the {req.get('k')} its form announced")
        return
    max_rows, max_bytes = boot.get("max_rows"), boot.get("max_bytes")
    out = _Out(send, max_bytes)
    try:
        if kind == "ask":
            value = bool(res)
            if fmt == "json":
                out.write(b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}")
            elif fmt == "xml":
                out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/'
                          b'2005/sparql-results#"><head/><boolean>' + (b"true" if value else b"false")
                          + b"</boolean></sparql>\n")
            elif fmt in _ASK_FORMATS:
                out.write(res.serialize(format=_ASK_FORMATS[fmt]) + (b"\r\n" if fmt == "csv" else b"\n"))
            else:
                out.write(b"true\n" if value else b"false\n")
            rows, cut = 1, None
        elif fmt == "table":
            rows, cut = _write_table(res, kind, max_rows, out, boot.get("prefixes") or {})
        elif kind == "select":
            data = _fast_select(res, fmt, max_rows, max_bytes) if fmt in _FAST_FORMATS else None
            if data is not None:
                out.write(data)
                rows, cut = -1, None   # not counted: fewer than the cap
            else:
                if fmt in _FAST_FORMATS:   # spent by the fast path: run it again
                    res = store.query(query, **kw)
                rows, cut = _write_select(res, fmt, out, max_rows)
        else:
            rows, cut = _write_graph(res, fmt, out, max_rows, boot.get("prefixes"))
    except _NotRepresentable as e:
        _error(send, 406, str(e), sent=out.total - out.size)
        return
    except (OSError, ValueError, RuntimeError) as e:
        _error(send, 500, f"query failed: {str(e)[:500]}")
        return
    out.finish({"rows": rows, "cut": cut, "bytes": out.total, "cpu": time.process_time()})


def _vm_bytes() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _open_worker_store(source: dict, tries: int = 5):
    """The worker's store handle; a re-open right after an update can meet the writer's
    files mid-change (a read-only RocksDB open while the primary compacts, a snapshot being
    replaced): retried a few times before it is an error."""
    for attempt in range(tries):
        try:
            return _open_once(source)
        except MemoryError:
            raise
        except Exception:   # noqa: BLE001 - pyoxigraph raises OSError or ValueError here
            if attempt == tries - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def _open_once(source: dict):
    if source.get("path"):
        return ox.Store.read_only(source["path"])
    store = ox.Store()
    if source.get("snapshot"):   # the store's own blank node labels, not new ones
        store.bulk_extend(ox.parse(path=source["snapshot"], format=ox.RdfFormat.N_QUADS,
                                   rename_blank_nodes=False))
    return store


def _worker_main() -> None:
    """Entry point of a query worker: ``{"source":..., "memory_mb":...}`` on the first
    line of stdin, then requests as length-prefixed JSON; answers are frames (type byte,
    4-byte length, payload) on stdout."""
    import resource

    signal.signal(signal.SIGINT, signal.SIG_IGN)   # the server stops its workers itself
    if hasattr(os, "SCHED_BATCH"):
        # a batch task does not preempt the task it wakes up from: the server process,
        # which every request goes through, keeps its CPU when it hands a worker a query
        try:
            os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
        except OSError:
            pass
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                        # nothing else may write to the pipe

    def send(kind: bytes, payload: bytes) -> None:
        stdout.write(kind + len(payload).to_bytes(4, "big") + payload)
        if kind != b"D":   # data goes out with the end frame, or once a frame's worth is buffered
            stdout.flush()

    boot = json.loads(stdin.readline())
    gen = boot["generation"]
    store = _open_worker_store(boot["source"])
    if boot.get("memory_mb"):
        limit = _vm_bytes() + int(boot["memory_mb"]) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    send(b"R", json.dumps({"cpu": time.process_time()}).encode())
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return
        req = json.loads(stdin.read(int.from_bytes(head, "big")))
        try:
            if req["g"] != gen:   # the store changed: read what it holds now
                store = gen = None   # the old handle first: its memory counts in RLIMIT_AS
                try:
                    store = _open_worker_store(req["s"])
                except MemoryError:
                    raise
                except Exception as e:  # noqa: BLE001 - the next request tries again
                    _error(send, 503, f"the store is being updated; try again shortly ({type(e).__name__})")
                    continue
                gen = req["g"]
            _run_one(store, req, send, boot)
        except MemoryError:
            _error(send, 500, "memory", memory=True)


# =====================================================================================
# The pool, in the server process
# =====================================================================================
_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class _WorkerDied(Exception):
    pass


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process, generation: int):
        self.proc = proc
        self.generation = generation
        self.watch: asyncio.TimerHandle | None = None   # demotes a query that runs long
        self.demoted = False
        self.extra_slot = False   # demoted, and its slot handed to the queue
        self.started = 0.0        # loop time its current query started
        self.buried = False       # killed and out of the pool
        self.cpu_idle = 0.0       # its CPU seconds when it last finished a query

    def cpu_now(self) -> float | None:
        """CPU seconds it has used so far (None once it is gone)."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLK_TCK
        except (OSError, IndexError, ValueError):
            return None

    async def frame(self) -> tuple[bytes, bytes]:
        try:
            head = await self.proc.stdout.readexactly(5)
            return head[:1], await self.proc.stdout.readexactly(int.from_bytes(head[1:], "big"))
        except (asyncio.IncompleteReadError, ConnectionError) as e:
            raise _WorkerDied() from e

    def kill(self) -> None:
        if self.proc.returncode is None:
            try:
                self.proc.kill()
            except ProcessLookupError:
                pass
        try:
            self.proc.stdin.close()
        except (OSError, RuntimeError):
            pass

    def reaped(self) -> None:
        """Release the pipes' transport once the process is gone (no warning at exit)."""
        transport = getattr(self.proc, "_transport", None)
        if transport is not None:
            transport.close()


class _Pool:
    def __init__(self, config: ServeConfig, source: Callable[[], dict]):
        self.config = config
        self.source = source          # -> {"path": ...} or {"snapshot": ...}
        self.generation = 0
        self.idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self.all: set[_Worker] = set()
        self.closing = False
        self.replacements = 0
        self.spares: list[_Worker] = []   # started and ready: take a killed or demoted worker's place at once
        self.extra = 0                # slots handed on by demoted (slow) queries
        self.waiting = 0              # queries waiting for a worker
        self._spares_pending = 0      # spares being started
        self._dead: set[_Worker] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        workers = await asyncio.gather(*(self._spawn() for _ in range(self.config.workers + self.SPARES)))
        self.spares = [workers.pop() for _ in range(self.SPARES)]
        for w in workers:
            self.idle.put_nowait(w)

    async def _spawn(self) -> _Worker:
        root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "MALLOC_ARENA_MAX": "2",
               "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
        for attempt in range(50):
            try:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable, "-c", "from studio.server import _worker_main; _worker_main()",
                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL, env=env, limit=_FRAME * 4)
                break
            except RuntimeError as e:   # uvloop: two servers' loops in one process spawning at once
                if "Racing" not in str(e) or attempt == 49:
                    raise
                await asyncio.sleep(0.02)
        w = _Worker(proc, self.generation)
        from kg.results import PREFIXES
        cfg = self.config
        boot = {"source": self.source(), "generation": self.generation,
                "memory_mb": cfg.query_memory_mb, "max_rows": cfg.max_results,
                "max_bytes": int(cfg.max_result_mb * 1024 * 1024) if cfg.max_result_mb else None,
                "prefixes": PREFIXES}
        proc.stdin.write(json.dumps(boot).encode() + b"\n")
        await proc.stdin.drain()
        kind, data = await asyncio.wait_for(w.frame(), 60)
        if kind != b"R":
            raise _WorkerDied()
        w.cpu_idle = json.loads(data)["cpu"]
        self.all.add(w)
        return w

    # ---- keeping `workers` idle-or-busy slots filled ------------------------------------
    def _task(self, coro) -> None:
        t = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)

    def _spawn_bg(self, to_idle: bool) -> None:
        """Start a worker in the background: into the idle queue (a slot), or as a spare
        (never more than SPARES ready or being started; one not needed when ready goes)."""
        if not to_idle:
            if len(self.spares) + self._spares_pending >= self.SPARES:
                return
            self._spares_pending += 1

        async def run():
            try:
                for attempt in range(3):
                    try:
                        nw = await self._spawn()
                    except Exception as e:  # noqa: BLE001 - logged, retried
                        log.error("cannot start a query worker: %s", e)
                        await asyncio.sleep(1 + attempt)
                        continue
                    if self.closing:
                        self._bury(nw)
                    elif to_idle:
                        self.idle.put_nowait(nw)
                    elif len(self.spares) < self.SPARES:
                        self.spares.append(nw)
                    else:
                        self._bury(nw)
                    return
            finally:
                if not to_idle:
                    self._spares_pending -= 1
        self._task(run())

    def _give_slot(self) -> None:
        """One more worker for the queue: a spare at once (and a new spare), else a new one."""
        if self.spares:
            self.idle.put_nowait(self.spares.pop())   # re-opens the store on its first job if stale
            self._spawn_bg(to_idle=False)
        else:
            self._spawn_bg(to_idle=True)

    def _bury(self, w: _Worker) -> None:
        w.buried = True
        if w.watch is not None:
            w.watch.cancel()
            w.watch = None
        w.kill()
        self.all.discard(w)
        self._dead.add(w)

        async def reap():
            await w.proc.wait()
            w.reaped()
            self._dead.discard(w)
        self._task(reap())

    def _replace(self, w: _Worker) -> None:
        """``w`` is killed (time limit, death, abandoned stream); its slot is refilled."""
        if w.buried:   # already replaced
            return
        self._bury(w)
        if self.closing:
            return
        self.replacements += 1
        if w.extra_slot:   # its slot was handed on when it was demoted
            w.extra_slot = False
            self.extra -= 1
            self._spawn_bg(to_idle=False)   # tops the spares up
        else:
            self._give_slot()

    async def acquire(self) -> _Worker:
        """A free worker: at once, else after waiting in line at most ``queue_wait_s``
        (503 with ``Retry-After`` then, or at once when ``max_queue`` wait already)."""
        if not self.idle.empty():
            return self.idle.get_nowait()
        if self.waiting >= self.config.max_queue:
            raise _HTTPError(503, f"all {self.config.workers} query workers are busy and "
                                  f"{self.waiting} queries wait; try again shortly",
                             {"Retry-After": "1"})
        self.waiting += 1
        try:
            return await asyncio.wait_for(self.idle.get(), self.config.queue_wait_s)
        except asyncio.TimeoutError:
            raise _HTTPError(503, f"all {self.config.workers} query workers are busy; try again "
                                  "shortly", {"Retry-After": "1"}) from None
        finally:
            self.waiting -= 1

    #: workers started ahead: a killed worker's or a demoted query's slot is refilled at once
    SPARES = 2

    #: a query running longer than this drops to a low CPU priority (nice 15), so that the
    #: quick queries arriving meanwhile are not starved by slow ones sharing the cores
    SLOW_AFTER_S = 0.25
    #: ... provided it has used this much CPU meanwhile (else it was waiting for a CPU)
    BUSY_CPU_S = 0.03

    def watch(self, w: _Worker) -> None:
        loop = asyncio.get_running_loop()
        w.started = loop.time()
        w.watch = loop.call_later(self.SLOW_AFTER_S, self._demote, w)

    def _demote(self, w: _Worker) -> None:
        """``w``'s query has run past SLOW_AFTER_S: lower its CPU priority and, while fewer
        than ``workers`` queries are demoted, hand its slot to the queue (at most twice
        ``workers`` queries run at once, half of them at low priority). A query that has
        used less than half that in CPU was waiting for a CPU (a busy machine), not working:
        it is looked at again later instead (demoting it would start a spare for nothing)."""
        w.watch = None
        used = w.cpu_now()
        if used is not None and used - w.cpu_idle < self.BUSY_CPU_S and not self.closing:
            w.watch = asyncio.get_running_loop().call_later(self.SLOW_AFTER_S, self._demote, w)
            return
        try:
            os.setpriority(os.PRIO_PROCESS, w.proc.pid, 15)
            w.demoted = True
        except OSError:
            pass
        if not self.closing and self.extra < self.config.workers:
            self.extra += 1
            w.extra_slot = True
            self._give_slot()

    def _unwatch(self, w: _Worker) -> bool:
        """Stop watching; False when a demoted worker cannot get its priority back."""
        if w.watch is not None:
            w.watch.cancel()
            w.watch = None
        if w.demoted:
            try:
                os.setpriority(os.PRIO_PROCESS, w.proc.pid, 0)
                w.demoted = False
            except OSError:   # raising a priority needs privileges: use a fresh worker
                return False
        return True

    def release(self, w: _Worker) -> None:
        if self.closing:
            w.kill()
            return
        ok = self._unwatch(w)
        if w.extra_slot:   # its slot was handed on: it becomes the spare, or goes
            w.extra_slot = False
            self.extra -= 1
            if ok and len(self.spares) + self._spares_pending < self.SPARES:
                self.spares.append(w)
            else:
                self._bury(w)
                self._spawn_bg(to_idle=False)
        elif ok:
            self.idle.put_nowait(w)
        else:
            self._replace(w)

    async def close(self) -> None:
        self.closing = True
        for w in list(self.all):
            w.kill()
        for w in list(self.all) + list(self._dead):
            try:
                await asyncio.wait_for(w.proc.wait(), 5)
            except asyncio.TimeoutError:
                pass
            w.reaped()
        for t in list(self._tasks):
            t.cancel()


class _Verdict:
    """The guard's verdict on one text: its scan, or why it is refused; ``key``: its
    normalised digest once needed (the quarantine of cut queries)."""

    __slots__ = ("scan", "error", "key", "ok_at")

    def __init__(self, scan, error: str | None):
        self.scan = scan
        self.error = error
        self.key: bytes | None = None
        self.ok_at: float | None = None   # when it was last answered in time (monotonic)


# =====================================================================================
# The server
# =====================================================================================
class SparqlServer:
    """The endpoint; make one with :func:`make_server`."""

    def __init__(self, sock: socket.socket, store, config: ServeConfig, owns_store: bool):
        self.sock = sock
        self.store = store
        self.config = config
        self.owns_store = owns_store
        self.query_timeout_s = config.query_timeout_s
        self.max_results = config.max_results
        self.update_token = config.update_token or None
        self._update_lock = threading.Lock()
        self._cut: dict[bytes, float] = {}   # normalised query (digest) -> until when it is refused
        self._verdicts: OrderedDict[str, _Verdict] = OrderedDict()
        self._formats: dict[tuple[str, str], str] = {}
        self._limits = config.limits()
        self._snapshot_dir: tempfile.TemporaryDirectory | None = None
        self._snapshot: str | None = None
        self._snapshots: list[str] = []
        self.pool: _Pool | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self._uvicorn = self._make_uvicorn()

    # ---- addresses ----------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.sock.getsockname()[0]

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def url(self) -> str:
        """The query endpoint, e.g. ``http://127.0.0.1:7878/sparql``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/sparql"

    # ---- what the workers read ----------------------------------------------------------
    def _source(self) -> dict:
        path = getattr(self.store, "path", None)
        if path is not None and not self.config.in_memory:
            return {"path": str(path)}
        if self._snapshot is None:
            self._take_snapshot()
        return {"snapshot": self._snapshot}

    def _take_snapshot(self) -> None:
        if self._snapshot_dir is None:
            self._snapshot_dir = tempfile.TemporaryDirectory(prefix="kgstudio-serve-")
        target = Path(self._snapshot_dir.name) / f"snapshot-{time.monotonic_ns()}.nq"
        raw = self.store.raw
        raw.dump(output=str(target), format=ox.RdfFormat.N_QUADS)
        self._snapshots.append(str(target))
        self._snapshot = str(target)
        while len(self._snapshots) > 3:   # a worker may still be reading the one before
            Path(self._snapshots.pop(0)).unlink(missing_ok=True)

    # ---- uvicorn --------------------------------------------------------------------------
    def _make_uvicorn(self):
        import uvicorn
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        header_timeout = self.config.header_timeout_s

        class Protocol(HttpToolsProtocol):
            """uvicorn's protocol plus a deadline for a request's headers (slowloris)."""

            _deadline = None

            def _arm(self):
                self._disarm()
                self._deadline = self.loop.call_later(header_timeout, self._late)

            def _disarm(self):
                if self._deadline is not None:
                    self._deadline.cancel()
                    self._deadline = None

            def _late(self):
                if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
                    self.transport.close()

            def connection_made(self, transport):
                super().connection_made(transport)
                self._joined = _JoinedWrites(transport)
                self._arm()

            def on_headers_complete(self):
                self._disarm()
                raw, self.transport = self.transport, self._joined   # the cycle writes through it
                try:
                    super().on_headers_complete()
                finally:
                    self.transport = raw

            def on_response_complete(self):
                self._joined.flush()
                super().on_response_complete()
                if not self.transport.is_closing():
                    self._arm()

            def connection_lost(self, exc):
                self._disarm()
                super().connection_lost(exc)

        outer = self

        class Server(uvicorn.Server):
            def handle_exit(self, sig, frame):
                # not recorded for re-raising (uvicorn's default): a stop on SIGTERM is a
                # clean exit (status 0); a second Ctrl-C stops at once
                if self.should_exit and sig == signal.SIGINT:
                    self.force_exit = True
                    return
                log.info("%s received: finishing requests in flight, then stopping",
                         signal.Signals(sig).name)
                self.should_exit = True

        try:
            import uvloop  # noqa: F401 - a faster event loop where installed
            loop = "uvloop"
        except ImportError:
            loop = "asyncio"
        config = uvicorn.Config(_App(outer), http=Protocol, ws="none", loop=loop, lifespan="on", log_config=None,
                                access_log=False, server_header=False,
                                limit_concurrency=self.config.max_connections,
                                timeout_keep_alive=5,
                                timeout_graceful_shutdown=(self.config.query_timeout_s or 30) + 5,
                                backlog=1024)
        # our own line per request replaces uvicorn's access log
        logging.getLogger("uvicorn.access").propagate = False
        return Server(config)

    def serve_forever(self) -> None:
        self._uvicorn.run(sockets=[self.sock])

    def start_thread(self) -> threading.Thread:
        """Serve in a daemon thread (tests, notebooks); :meth:`stop` ends it."""
        t = threading.Thread(target=self.serve_forever, name="kgstudio-serve", daemon=True)
        t.start()
        self._thread = t
        deadline = time.monotonic() + 120
        while not self._uvicorn.started and t.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self._uvicorn.started:
            raise KGStudioError("the endpoint did not start (see the log)")
        return t

    def stop(self, grace_s: float | None = None) -> None:
        """Graceful stop: stop accepting, close idle connections, let requests in flight
        finish (at most the query timeout + 5 s), stop the workers, close the store if the
        server opened it."""
        if self._closed:
            return
        self._uvicorn.should_exit = True
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join((self.config.query_timeout_s or 30) + 10 if grace_s is None else grace_s)
        self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        if self.owns_store:
            self.store.close()
        if self._snapshot_dir is not None:
            self._snapshot_dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # ---- the guard's verdict and the negotiated format, remembered per text ---------------
    _VERDICTS_MAX = 2048        # texts remembered (an LRU)
    _VERDICT_TEXT_MAX = 8192    # longer texts are measured each time (their runs cost more)

    def _verdict(self, sparql: str) -> "_Verdict":
        """``kg.sparql_guard.check`` of a query text under this server's limits (413 past
        the size limit, 400 past another), remembered for the last few thousand texts: a
        client repeating a query pays the measuring once."""
        cache = self._verdicts
        v = cache.get(sparql)
        if v is not None:
            cache.move_to_end(sparql)
        else:
            cfg = self.config
            if len(sparql) > cfg.max_query_bytes // 4 and len(sparql.encode("utf-8", "surrogatepass")) > cfg.max_query_bytes:
                raise _HTTPError(413, f"the query is over {cfg.max_query_bytes:,} bytes (setting serve.max_query_bytes)")
            try:
                v = _Verdict(check(sparql, self._limits), None)
            except QueryRefused as e:
                v = _Verdict(None, str(e))
            if len(sparql) <= self._VERDICT_TEXT_MAX:
                cache[sparql] = v
                if len(cache) > self._VERDICTS_MAX:
                    cache.popitem(last=False)
        if v.error is not None:
            raise _HTTPError(400, v.error)
        return v

    def _negotiate(self, request, params: dict[str, list[str]], kind: str) -> str:
        """The fmt for this request (``format=``/``output=``, else ``Accept``), 406 when
        none fits; remembered per (Accept, kind) when no parameter overrides it."""
        from kg.results import NotAcceptable, negotiate
        accept = ", ".join(request.headers.getlist("accept"))
        try:
            if "format" in params or "output" in params:
                return _format_override(params, kind) or negotiate(accept, kind)
            key = (accept, kind)
            fmt = self._formats.get(key)
            if fmt is None:
                fmt = negotiate(accept, kind)
                if len(self._formats) >= 256:
                    self._formats.clear()
                self._formats[key] = fmt
            return fmt
        except NotAcceptable as e:
            raise _HTTPError(406, str(e)) from None

    # ---- queries cut at the time limit are not run again at once --------------------------
    #: how long a query cut at the time limit (having used its CPU, see ``CUT_CPU_S``) or at
    #: the memory limit is answered 503 without running again: the same expensive query
    #: sent over and over (a cheap attack, and a common client retry loop) then costs
    #: nothing. The key is the exact query, normalised (its tokens, without whitespace or
    #: comments; ``kg.sparql_guard.normalise``) with its protocol dataset: any other query
    #: runs. Updates reset it (the data changed).
    CUT_MEMORY_S = 60.0
    _CUT_MEMORY_MAX = 10_000

    #: CPU seconds a query cut at the time limit must have used to be remembered: a query
    #: that got less in its whole time limit was starved (a busy machine), not working
    CUT_CPU_S = 0.03
    #: a text answered in time within this many seconds is ordinary: never remembered as cut
    ORDINARY_S = 600.0

    def _worth_remembering(self, verdict: "_Verdict", cpu_used: float | None) -> bool:
        """A query cut at the time limit is remembered (refused for a while) only when it
        used its CPU and has not been answered in time lately: an ordinary query is never
        refused for another's load."""
        if cpu_used is None or cpu_used < self.CUT_CPU_S:
            return False
        return verdict.ok_at is None or time.monotonic() - verdict.ok_at > self.ORDINARY_S

    @staticmethod
    def _cut_key(verdict: "_Verdict | None", sparql: str, dg, ng) -> bytes:
        if verdict is None or verdict.key is None:
            key = hashlib.blake2b(normalise(sparql).encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if verdict is not None:
                verdict.key = key
        else:
            key = verdict.key
        if dg is None and ng is None:
            return key
        return key + hashlib.blake2b(json.dumps([dg, ng]).encode(), digest_size=8).digest()

    def _remember_cut(self, verdict, sparql: str, dg=None, ng=None) -> None:
        if len(self._cut) >= self._CUT_MEMORY_MAX:
            now = time.monotonic()
            self._cut = {k: t for k, t in self._cut.items() if t > now}
            if len(self._cut) >= self._CUT_MEMORY_MAX:
                self._cut.pop(next(iter(self._cut)))
        self._cut[self._cut_key(verdict, sparql, dg, ng)] = time.monotonic() + self.CUT_MEMORY_S

    def _refuse_if_cut_recently(self, verdict, sparql: str, dg=None, ng=None) -> None:
        if not self._cut:
            return
        key = self._cut_key(verdict, sparql, dg, ng)
        until = self._cut.get(key)
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            self._cut.pop(key, None)
            return
        raise _HTTPError(503, f"this query was cut at the time or memory limit less than "
                              f"{self.CUT_MEMORY_S:g} s ago and is not run again before then; "
                              "add a LIMIT or narrow the patterns",
                         {"Retry-After": str(max(1, int(left + 0.999)))})

    # ---- updates -----------------------------------------------------------------------
    def _update_sync(self, sparql: str) -> None:
        store = self.store
        with self._update_lock:
            old = store.guard_limits
            store.guard_limits = self.config.limits(update=True)
            try:
                store.update(sparql)
            finally:
                store.guard_limits = old
            if self._snapshot is not None:
                self._take_snapshot()
            if self.pool is not None:
                self.pool.generation += 1
            self._cut = {}


class _JoinedWrites:
    """The connection's transport as a response cycle sees it: the status line and headers
    are held until the body's first write and go out with it (one send, one wake-up of the
    client, instead of two); anything else is written at once."""

    __slots__ = ("raw", "held")

    def __init__(self, raw):
        self.raw = raw
        self.held: bytes | None = None

    def write(self, data: bytes) -> None:
        if self.held is not None:
            data, self.held = self.held + data, None
            self.raw.write(data)
        elif data.startswith(b"HTTP/1.1 ") and data.endswith(b"\r\n\r\n") and not data.startswith(b"HTTP/1.1 100 "):
            self.held = data
        else:
            self.raw.write(data)

    def flush(self) -> None:
        if self.held is not None:
            data, self.held = self.held, None
            self.raw.write(data)

    def close(self) -> None:
        self.flush()
        self.raw.close()

    def is_closing(self) -> bool:
        return self.raw.is_closing()

    def __getattr__(self, name):
        return getattr(self.raw, name)


class _App:
    """The ASGI application: lifespan (the worker pool) and one log line per request."""

    def __init__(self, server: SparqlServer):
        self.server = server

    async def app(self, scope, receive, send):
        from starlette.requests import Request

        request = Request(scope, receive)
        request.state.server = self.server
        path = scope.get("path", "")
        if path in ("/", "/index.html"):
            response = await _home_route(request)
        elif path == "/sparql":
            response = await _sparql_route(request)
        else:
            response = _plain(404, f"nothing at {path[:200]}; the endpoint is /sparql")
        await response(scope, receive, send)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if scope["type"] != "http":
            return
        t0 = time.perf_counter()
        status, size = [0], [0]

        async def counting_send(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif message["type"] == "http.response.body":
                size[0] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            target = scope.get("raw_path", b"").decode("latin-1")
            if scope.get("query_string"):
                target += "?" + scope["query_string"].decode("latin-1")
            line = f'{scope["method"]} {target} HTTP/{scope.get("http_version", "1.1")}'
            if len(line) > 300:
                line = line[:297] + "..."
            client = (scope.get("client") or ("-",))[0]
            log.info('%s "%s" %d %d %.1fms', client, line.replace('"', "%22"), status[0], size[0],
                     (time.perf_counter() - t0) * 1000)

    async def _lifespan(self, receive, send):
        srv = self.server
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    srv.pool = _Pool(srv.config, srv._source)
                    await srv.pool.start()
                except Exception as e:  # noqa: BLE001 - reported to uvicorn
                    log.error("cannot start the query workers: %s", e)
                    await send({"type": "lifespan.startup.failed", "message": str(e)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if srv.pool is not None:
                    await srv.pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


# ---- request handling ------------------------------------------------------------------------
def _plain(status: int, message: str, headers: dict | None = None):
    from starlette.responses import Response
    return Response((message.rstrip("\n") + "\n").encode("utf-8"), status_code=status,
                    media_type="text/plain; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff", **(headers or {})})


def _cors(request, config: ServeConfig) -> dict[str, str]:
    origin = request.headers.get("origin")
    if not origin or not config.cors_origins:
        return {}
    if "*" in config.cors_origins:
        return {"Access-Control-Allow-Origin": "*"}
    if origin in config.cors_origins:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {}


async def _home_route(request):
    if request.method not in ("GET", "HEAD"):
        return _plain(405, "POST queries to /sparql", {"Allow": "GET, HEAD"})
    return _home(request, request.query_params.get("query"))


async def _sparql_route(request):
    srv: SparqlServer = request.state.server
    try:
        return await _sparql(request, srv)
    except _HTTPError as e:
        return _plain(e.status, e.message, e.headers)
    except QueryRefused as e:
        return _plain(400, str(e))


async def _read_body(request, limit: int, deadline_s: float) -> bytes:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise _HTTPError(413, f"the body is {int(length):,} bytes; the limit is {limit:,} "
                              "(settings serve.max_query_bytes / serve.max_update_bytes)",
                         {"Connection": "close"})
    chunks, size = [], 0

    async def read():
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _HTTPError(413, f"the body is over the {limit:,} byte limit", {"Connection": "close"})
            chunks.append(chunk)

    try:
        await asyncio.wait_for(read(), deadline_s)
    except asyncio.TimeoutError:
        raise _HTTPError(408, "the request body did not arrive in time", {"Connection": "close"}) from None
    return b"".join(chunks)


async def _sparql(request, srv: SparqlServer):
    cfg = srv.config
    method = request.method
    if method == "OPTIONS":
        headers = {"Allow": _ALLOW}
        cors = _cors(request, cfg)
        if cors:
            headers.update(cors)
            headers.update({"Access-Control-Allow-Methods": "GET, POST",
                            "Access-Control-Allow-Headers": "Content-Type, Accept",
                            "Access-Control-Max-Age": "600"})
        from starlette.responses import Response
        return Response(b"", status_code=204, headers=headers)
    if method not in ("GET", "HEAD", "POST"):
        raise _HTTPError(405, f"{method} is not supported here; query with GET or POST",
                         {"Allow": _ALLOW})
    params = _url_params(request.scope.get("query_string", b""))
    if method in ("GET", "HEAD"):
        if "update" in params:
            raise _HTTPError(400, "SPARQL Update needs POST")
        if "query" not in params:
            if "text/html" in request.headers.get("accept", ""):
                return _home(request, None)
            raise _HTTPError(400, "missing 'query' parameter; see / for how to query this endpoint")
        return await _query(request, srv, _single(params, "query"), params)
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    timeout = cfg.query_timeout_s or 30.0
    if media == _FORM_MEDIA:
        limit = max(cfg.max_query_bytes, cfg.max_update_bytes if srv.update_token else 0) * 3 + 1024
        body = await _read_body(request, limit, timeout)
        try:
            form = _parse_params(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise _HTTPError(400, "the form body is not UTF-8") from None
        both = {k: params.get(k, []) + form.get(k, []) for k in set(params) | set(form)}
        if ("query" in form) == ("update" in form):
            raise _HTTPError(400, "a form POST needs exactly one of 'query' or 'update'")
        if "update" in form:
            return await _update(request, srv, _single(both, "update"), both)
        return await _query(request, srv, _single(both, "query"), both)
    if media == _QUERY_MEDIA:
        body = await _read_body(request, cfg.max_query_bytes, timeout)
        return await _query(request, srv, _text(body), params)
    if media == _UPDATE_MEDIA:
        _authorise(request, srv)
        body = await _read_body(request, cfg.max_update_bytes, timeout)
        return await _update(request, srv, _text(body), params)
    raise _HTTPError(415, f"unsupported Content-Type {media[:100] or '(none)'!r}: POST "
                          f"{_FORM_MEDIA}, {_QUERY_MEDIA} or {_UPDATE_MEDIA}")


_KINDS = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


def _dataset(params: dict[str, list[str]]) -> tuple[list[str] | None, list[str] | None]:
    if any(p in params for p in ("using-graph-uri", "using-named-graph-uri")):
        raise _HTTPError(400, "using-graph-uri / using-named-graph-uri go with updates, not queries")
    dg, ng = params.get("default-graph-uri"), params.get("named-graph-uri")
    for iri in (dg or []) + (ng or []):
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise _HTTPError(400, f"not an absolute IRI: {iri[:200]!r}") from None
    return dg, ng


class _Bytes:
    """A whole response in one go: the ASGI messages built directly (the hot path; what
    starlette's ``Response`` does, less its header bookkeeping)."""

    __slots__ = ("status", "body", "headers")

    def __init__(self, body: bytes, media_type: str, headers: list[tuple[bytes, bytes]], status: int = 200):
        self.status = status
        self.body = body
        self.headers = [(b"content-type", media_type.encode("latin-1")),
                        (b"content-length", b"%d" % len(body))] + headers

    async def __call__(self, scope, receive, send):
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


_NO_STORE = [(b"vary", b"Accept"), (b"cache-control", b"no-store")]


def _header_list(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


async def _query(request, srv: SparqlServer, sparql: str, params: dict[str, list[str]]):
    from kg.results import CONTENT_TYPES
    from starlette.responses import StreamingResponse

    cfg = srv.config
    verdict = srv._verdict(sparql)           # 413 / 400 before anything runs; cached per text
    form = verdict.scan.form
    if form == "UPDATE":
        raise _HTTPError(400, "this is a SPARQL Update; send it as 'update' (form) or "
                              f"{_UPDATE_MEDIA}")
    kind = _KINDS.get(form, "select")   # no form: the worker reports the syntax error
    fmt = srv._negotiate(request, params, kind)
    dg, ng = _dataset(params)
    if srv._cut:
        srv._refuse_if_cut_recently(verdict, sparql, dg, ng)
    req = {"q": sparql, "f": fmt, "k": kind, "u": not verdict.scan.has_dataset}
    if dg is not None or ng is not None:
        req["dg"], req["ng"] = dg, ng
    pool = srv.pool
    worker = await pool.acquire()
    pool.watch(worker)
    released = False
    deadline = None if cfg.query_timeout_s is None else time.monotonic() + cfg.query_timeout_s

    def remaining():
        return None if deadline is None else max(0.001, deadline - time.monotonic())

    try:
        req["g"] = pool.generation
        if worker.generation != pool.generation:
            req["s"] = srv._source()
        worker.generation = pool.generation
        payload = json.dumps(req).encode()
        worker.proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
        await worker.proc.stdin.drain()
        first, size, done, meta = [], 0, False, {}
        loop = asyncio.get_running_loop()
        async with asyncio.timeout_at(None if deadline is None else loop.time() + remaining()):
            while size < _FIRST_CHUNK:
                kindb, data = await worker.frame()
                if kindb == b"E":
                    n = int.from_bytes(data[:4], "big")
                    meta = json.loads(data[4:4 + n])
                    first.append(data[4 + n:])
                    done = True
                    break
                if kindb == b"D":
                    first.append(data)
                    size += len(data)
                elif kindb == b"X":
                    err = json.loads(data)
                    worker.cpu_idle = err.get("cpu", worker.cpu_idle)
                    pool.release(worker)
                    released = True
                    if err.get("memory") and srv._worth_remembering(verdict, float("inf")):
                        srv._remember_cut(verdict, sparql, dg, ng)
                        raise _HTTPError(500, _memory_message(cfg))
                    raise _HTTPError(err["status"], err["message"])
    except asyncio.TimeoutError:
        used = worker.cpu_now()
        pool._replace(worker)
        released = True
        if srv._worth_remembering(verdict, None if used is None else used - worker.cpu_idle):
            srv._remember_cut(verdict, sparql, dg, ng)
        raise _HTTPError(503, f"query cut after {cfg.query_timeout_s:g} s (the server's query "
                              "time limit); add a LIMIT, narrow the patterns, or ask the "
                              "operator for a longer serve.query_timeout_s",
                         {"Retry-After": "1"}) from None
    except _WorkerDied:
        try:
            code = await asyncio.wait_for(worker.proc.wait(), 2)
        except asyncio.TimeoutError:
            code = None
        pool._replace(worker)
        released = True
        log.warning("a query worker died (exit %s) on %r", code, sparql[:200])
        if code in (-6, 134) and srv._worth_remembering(verdict, float("inf")):
            srv._remember_cut(verdict, sparql, dg, ng)   # an allocation past RLIMIT_AS aborts
        raise _HTTPError(500, _memory_message(cfg) if code in (-6, -9, 134, 1) else
                         f"the query stopped its worker process (exit {code}); the server goes on") from None
    except BaseException:
        if not released:
            pool._replace(worker)
        raise
    media_type = CONTENT_TYPES.get(fmt) or _EXTRA_CONTENT_TYPES[fmt]
    cors = _cors(request, cfg) if cfg.cors_origins else None
    if done:
        worker.cpu_idle = meta.get("cpu", worker.cpu_idle)
        pool.release(worker)
        verdict.ok_at = time.monotonic()
        headers = _NO_STORE
        if cors or meta.get("cut"):
            headers = headers + _header_list(cors or {})
            if meta.get("cut"):
                headers += [(TRUNCATED_HEADER.lower().encode(), b"true"),
                            (b"x-kgstudio-max-results", str(cfg.max_results).encode()),
                            (b"x-kgstudio-cut-by", meta["cut"].encode())]
        return _Bytes(b"".join(first), media_type, headers)

    async def stream():
        ok = False
        try:
            yield b"".join(first)
            while True:
                kindb, data = await asyncio.wait_for(worker.frame(), remaining())
                if kindb == b"D":
                    yield data
                elif kindb == b"E":
                    n = int.from_bytes(data[:4], "big")
                    worker.cpu_idle = json.loads(data[4:4 + n]).get("cpu", worker.cpu_idle)
                    if len(data) > 4 + n:
                        yield data[4 + n:]
                    ok = True
                    return
                else:  # an error after the response started: cut the connection
                    log.warning("query failed while streaming: %s", data[:300])
                    raise ConnectionAbortedError("query failed while streaming")
        except asyncio.TimeoutError:
            log.warning("query cut after %s s while streaming", cfg.query_timeout_s)
            raise
        finally:
            if ok:
                pool.release(worker)
            else:
                pool._replace(worker)

    headers = {"Vary": "Accept", "Cache-Control": "no-store", **(cors or {}), "X-KGStudio-Streamed": "true"}
    return StreamingResponse(stream(), media_type=media_type, headers=headers)


_EXTRA_CONTENT_TYPES = {"nquads": "application/n-quads", "trig": "application/trig"}


def _memory_message(cfg: ServeConfig) -> str:
    return (f"the query ran out of memory or was stopped (limit {cfg.query_memory_mb} MB per "
            "query, setting serve.query_memory_mb); narrow it or add a LIMIT. The server goes on")


def _authorise(request, srv: SparqlServer) -> None:
    if not srv.update_token:
        raise _HTTPError(403, "this endpoint is read-only: start it with an update token "
                              "(setting serve.update_token or env KGSTUDIO_UPDATE_TOKEN) "
                              "to accept SPARQL Update")
    auth = request.headers.get("authorization", "")
    scheme, _, given = auth.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise _HTTPError(401, "SPARQL Update needs 'Authorization: Bearer <token>'",
                         {"WWW-Authenticate": 'Bearer realm="kgstudio"'})
    if not hmac.compare_digest(given.strip().encode("utf-8"), srv.update_token.encode("utf-8")):
        raise _HTTPError(401, "wrong update token",
                         {"WWW-Authenticate": 'Bearer realm="kgstudio", error="invalid_token"'})


async def _update(request, srv: SparqlServer, sparql: str, params: dict[str, list[str]]):
    from starlette.responses import Response
    from kg.errors import StoreError

    _authorise(request, srv)
    given = [p for p in ("default-graph-uri", "named-graph-uri", "using-graph-uri",
                         "using-named-graph-uri") if p in params]
    if given:
        raise _HTTPError(400, f"protocol parameter {given[0]!r} is not supported for updates; "
                              "name graphs in the update with WITH / USING / GRAPH")
    try:
        await asyncio.to_thread(srv._update_sync, sparql)
    except QueryRefused as e:
        raise _HTTPError(400, str(e)) from None
    except StoreError as e:
        msg = str(e)
        raise _HTTPError(400 if "syntax error" in msg.lower() else 500, msg) from None
    return Response(b"", status_code=204)


def _home(request, prefill: str | None):
    from kg.results import FORMATS, MEDIA_TYPES
    from starlette.responses import Response

    srv: SparqlServer = request.state.server
    e = html.escape
    host = request.headers.get("host") or f"{srv.host}:{srv.port}"
    endpoint = f"http://{host}/sparql"
    prefill = prefill or ("SELECT ?concept ?label WHERE {\n"
                          "  ?concept a <http://www.w3.org/2004/02/skos/core#Concept> ;\n"
                          "           <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .\n"
                          "} LIMIT 20")
    mode = ("SPARQL Update is enabled for requests carrying the bearer token"
            if srv.update_token else "read-only: SPARQL Update is refused")
    offered = ", ".join(sorted({MEDIA_TYPES[f] for fs in FORMATS.values() for f in fs}))
    cfg = srv.config
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kgstudio SPARQL endpoint</title></head>
<body>
<h1>kgstudio SPARQL endpoint</h1>
<p>This is the <a href="https://www.w3.org/TR/sparql11-protocol/">SPARQL 1.1 Protocol</a>
endpoint of a kgstudio workspace ({e(srv.store.kind)} store): the curriculum knowledge
graph, its ontology, generated content and reviews. It is {e(mode)}.</p>
<p>Endpoint: <code>{e(endpoint)}</code>. Queries run for at most
{e(f'{cfg.query_timeout_s:g} s' if cfg.query_timeout_s else 'unlimited time')} and return at most
{e(str(cfg.max_results) if cfg.max_results else 'unlimited')} rows
({e(f'{cfg.max_result_mb:g}')} MB). Results by content negotiation: {e(offered)}.</p>
<form action="/sparql" method="get">
<textarea name="query" rows="8" cols="80">{e(prefill)}</textarea><br>
<select name="format">
<option value="json">SPARQL JSON</option><option value="xml">SPARQL XML</option>
<option value="csv">CSV</option><option value="tsv">TSV</option>
<option value="text">text table</option><option value="turtle">Turtle (CONSTRUCT)</option>
</select>
<button type="submit">Run query</button>
</form>
<pre>curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE {{ ?s ?p ?o }} LIMIT 5' {e(endpoint)}</pre>
</body></html>
"""
    return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8",
                    headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                             "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"})


# ---- helpers ------------------------------------------------------------------------------------
_PARAMS: dict[bytes, dict[str, list[str]]] = {}


def _url_params(raw: bytes) -> dict[str, list[str]]:
    """The URL's parameters, remembered for the last 1,024 short query strings (a client
    repeating a GET query pays the parsing once). Callers must not change the dict."""
    params = _PARAMS.get(raw)
    if params is None:
        params = _parse_params(raw.decode("latin-1"))
        if len(raw) <= 8192:
            if len(_PARAMS) >= 1024:
                _PARAMS.clear()
            _PARAMS[raw] = params
    return params


def _parse_params(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs, keep_blank_values=True, errors="strict", max_num_fields=1000)
    except (UnicodeDecodeError, ValueError):
        raise _HTTPError(400, "parameters are not valid UTF-8 percent-encoding (or too many)") from None


def _single(params: dict[str, list[str]], name: str) -> str:
    values = params.get(name, [])
    if len(values) != 1:
        raise _HTTPError(400, f"exactly one '{name}' parameter is allowed, got {len(values)}")
    if not values[0].strip():
        raise _HTTPError(400, f"the '{name}' parameter is empty")
    return values[0]


def _text(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _HTTPError(400, "the request body is not UTF-8") from None
    if not text.strip():
        raise _HTTPError(400, "the request body is empty")
    return text


# format= / output= values (fmt names, common short names, or media types)
_OVERRIDE_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "text": "table",
                   "txt": "table", "table": "table", "turtle": "turtle", "ttl": "turtle",
                   "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
                   "nquads": "nquads", "nq": "nquads", "trig": "trig",
                   "jsonld": "jsonld", "json-ld": "jsonld", "rdfxml": "rdfxml", "rdf": "rdfxml"}


def _format_override(params: dict[str, list[str]], kind: str) -> str | None:
    """The fmt a ``format=``/``output=`` parameter names for this kind of result, if any."""
    from kg.results import FORMATS, NotAcceptable, negotiate
    for value in params.get("format", []) + params.get("output", []):
        v = value.strip().lower()
        if not v:
            continue
        if v in _OVERRIDE_NAMES:
            fmt = _OVERRIDE_NAMES[v]
            if kind == "graph":
                fmt = {"xml": "rdfxml", "json": "jsonld", "table": "ntriples"}.get(fmt, fmt)
            if fmt in FORMATS[kind] and not (kind == "graph" and fmt == "table"):
                return fmt
        elif "/" in v:
            try:
                return negotiate(v, kind)
            except NotAcceptable:
                continue
    return None


# ---- making and running --------------------------------------------------------------------------
def make_server(store_factory_or_store, *, host: str = "127.0.0.1", port: int = 0,
                query_timeout_s: float | None = 10.0, max_results: int | None = 100_000,
                update_token: str | None = None, config: ServeConfig | None = None,
                **limits) -> SparqlServer:
    """A SPARQL 1.1 Protocol endpoint over an embedded store, bound but not yet serving.

    ``store_factory_or_store``: a :class:`kg.store.embedded.EmbeddedStore` (the caller
    closes it) or a callable returning one (the server closes it when it stops).
    ``port=0`` picks a free port (see ``server.url``). ``update_token`` empty or None:
    read-only. Other limits: ``config`` or :class:`ServeConfig` fields as keywords.
    Serve with ``server.serve_forever()`` or ``server.start_thread()``; stop with
    ``server.stop()``.
    """
    from kg.store.base import Store
    from kg.store.embedded import EmbeddedStore

    if query_timeout_s is not None and query_timeout_s <= 0:
        raise ValueError("query_timeout_s must be positive (or None for no limit)")
    if max_results is not None and max_results < 1:
        raise ValueError("max_results must be at least 1 (or None for no limit)")
    config = replace(config or ServeConfig(), query_timeout_s=query_timeout_s,
                     max_results=max_results, update_token=update_token or None, **limits)
    if config.workers < 1:
        raise ValueError("workers must be at least 1")
    if isinstance(store_factory_or_store, Store):
        store, owns = store_factory_or_store, False
    elif callable(store_factory_or_store):
        store, owns = store_factory_or_store(), True
    else:
        raise TypeError("make_server needs a Store or a callable that returns one")
    if not isinstance(store, EmbeddedStore):
        if owns:
            store.close()
        raise KGStudioError(f"kgstudio serve serves an embedded store, not a {store.kind} one "
                            "(a remote store is already a SPARQL endpoint)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as e:
        sock.close()
        if owns:
            store.close()
        raise KGStudioError(f"cannot listen on {host}:{port}: {e.strerror or e}; "
                            "pick another port with --port or serve.port") from e
    return SparqlServer(sock, store, config, owns)


def config_from_settings(settings, **overrides) -> ServeConfig:
    """A :class:`ServeConfig` from workspace settings (``serve.*``)."""
    def split(v):
        return tuple(x for x in re.split(r"[\s,]+", str(v or "")) if x)

    def get(name, default):
        try:
            return settings[name]
        except KeyError:
            return default

    d = ServeConfig()
    cfg = ServeConfig(
        query_timeout_s=get("serve.query_timeout_s", d.query_timeout_s) or None,
        max_results=get("serve.max_results", d.max_results) or None,
        max_result_mb=get("serve.max_result_mb", d.max_result_mb),
        workers=get("serve.workers", d.workers),
        queue_wait_s=get("serve.queue_wait_s", d.queue_wait_s),
        max_queue=get("serve.max_queue", d.max_queue),
        query_memory_mb=get("serve.query_memory_mb", d.query_memory_mb),
        max_query_bytes=get("serve.max_query_bytes", d.max_query_bytes),
        max_update_bytes=get("serve.max_update_bytes", d.max_update_bytes),
        max_depth=get("serve.max_depth", d.max_depth),
        max_chain=get("serve.max_chain", d.max_chain),
        allowed_endpoints=split(get("serve.allowed_endpoints", "")),
        cors_origins=split(get("serve.cors_origins", "")),
        max_connections=get("serve.max_connections", d.max_connections),
        header_timeout_s=get("serve.header_timeout_s", d.header_timeout_s),
        in_memory=bool(get("serve.in_memory", False)),
    )
    return replace(cfg, **{k: v for k, v in overrides.items() if v is not None})


def serve(workspace, host: str | None = None, port: int | None = None,
          query_timeout_s: float | None = None, max_results: int | None = None,
          update_token: str | None = None, in_memory: bool | None = None) -> None:
    """Serve a workspace (a ``kg.workspace.Workspace`` or its folder) until SIGINT/SIGTERM.

    Arguments left None come from the workspace settings ``serve.*``; the update token from
    ``serve.update_token``, else env ``KGSTUDIO_UPDATE_TOKEN``.
    """
    from kg.workspace import Workspace

    ws = workspace if isinstance(workspace, Workspace) else Workspace(Path(workspace))
    settings = ws.settings
    host = host if host is not None else settings["serve.host"]
    port = port if port is not None else settings["serve.port"]
    token = (update_token or settings["serve.update_token"]
             or os.environ.get("KGSTUDIO_UPDATE_TOKEN") or None)
    cfg = config_from_settings(settings, query_timeout_s=query_timeout_s, max_results=max_results,
                               in_memory=in_memory)
    if not logging.getLogger().handlers and not log.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # The server process holds the store read-write (updates, and the lock that makes a
    # concurrent `kgstudio import` fail with a clear message); the workers read it.
    server = make_server(lambda: ws.open_store(), host=host, port=port,
                         query_timeout_s=cfg.query_timeout_s, max_results=cfg.max_results,
                         update_token=token, config=cfg)
    if token and host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("updates are enabled on %s over plain HTTP: the bearer token travels in "
                    "clear text; put a TLS proxy in front", host)
    log.info("kgstudio serve: %s over %s (%s; %d workers; query timeout %s s; at most %s results). "
             "Ctrl-C stops.", server.url, ws.root, "updates need the bearer token" if token
             else "read-only", cfg.workers, cfg.query_timeout_s or "no", cfg.max_results or "unlimited")
    try:
        server.serve_forever()
    finally:
        server._close()
        log.info("kgstudio serve: stopped")
