"""``kgstudio serve``: a SPARQL 1.1 Protocol endpoint over the workspace store, at ``/sparql``.

What it speaks (W3C *SPARQL 1.1 Protocol*):

* query: ``GET /sparql?query=...``, ``POST`` ``application/x-www-form-urlencoded`` with
  ``query=``, ``POST`` ``application/sparql-query`` with the query as the body;
* update: ``POST`` form with ``update=``, or ``POST`` ``application/sparql-update``. Only
  when an update token is configured (``serve.update_token`` or env
  ``KGSTUDIO_UPDATE_TOKEN``) *and* the request carries ``Authorization: Bearer <token>``:
  a server without a token answers 403 (read-only); a missing or wrong token gets 401
  with ``WWW-Authenticate: Bearer``. Answered 204 on success;
* results by content negotiation (``kg.results.negotiate``): SPARQL JSON/XML/CSV/TSV or
  text for SELECT and ASK, Turtle/N-Triples/JSON-LD (and RDF/XML, which rdflib's
  ``SPARQLStore`` asks for) for CONSTRUCT/DESCRIBE; 406 when nothing acceptable is
  offered. A ``format=`` or ``output=`` parameter naming a format (``json``, ``csv``,
  ``text/csv``...) overrides ``Accept``, as Fuseki and Virtuoso allow;
* limits: a query running longer than ``query_timeout_s`` is cut and answered 503; rows
  (or triples) beyond ``max_results`` are dropped and the response carries
  ``X-KGStudio-Truncated: true`` and ``X-KGStudio-Max-Results``; bad SPARQL is 400 with
  the parser's message; bodies over 64 MiB are 413;
* ``/`` is a small HTML page saying what this is, with a query form.

Design: the standard library's ``ThreadingHTTPServer`` (one thread per connection, HTTP/1.1
keep-alive, a listen backlog of 1024, Nagle off, each response written in one ``send``),
so a long query occupies one thread while the others keep serving; the embedded store
evaluates queries with the GIL released. 50 concurrent keep-alive clients are measured in
``tests/studio/test_server_load.py`` and ``benchmarks/``. Shutdown on SIGINT/SIGTERM is
graceful: the listener stops, idle keep-alive connections are closed, requests in flight
finish (at most ``query_timeout_s`` + 5 s), then the store is flushed and closed. One log
line per request goes to the ``kgstudio.serve`` logger.

Limitations: ``default-graph-uri``/``named-graph-uri`` (and ``using-*``) protocol
parameters are refused with 400 (name graphs in the query with ``FROM``/``GRAPH``);
updates are not time-limited (a store cannot cut a write half-way); a timed-out query
built on aggregates or ORDER BY finishes in the background inside pyoxigraph (see
``kg/store/embedded.py``); plain HTTP only, so put a TLS proxy in front before sending a
token over a network; no CORS headers (a web page on another origin cannot read the
endpoint, on purpose: the default listen address is loopback).
"""
from __future__ import annotations

import hmac
import html
import logging
import os
import sys
import signal
import socket
import socketserver
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from kg.errors import KGStudioError, QueryTimeout, StoreError
from kg.results import (CONTENT_TYPES, FORMATS, MEDIA_TYPES, NotAcceptable, SerializationError,
                        kind_of, negotiate, serialize)
from kg.store.base import Store

log = logging.getLogger("kgstudio.serve")

__all__ = ["make_server", "serve", "SparqlServer", "MAX_BODY_BYTES"]

MAX_BODY_BYTES = 64 * 1024 * 1024
TRUNCATED_HEADER = "X-KGStudio-Truncated"
_QUERY_MEDIA = "application/sparql-query"
_UPDATE_MEDIA = "application/sparql-update"
_FORM_MEDIA = "application/x-www-form-urlencoded"
_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")


class _HTTPError(Exception):
    """An answer other than 200, raised inside a handler."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class SparqlServer(ThreadingHTTPServer):
    """The endpoint; make one with :func:`make_server`."""

    daemon_threads = True        # a stuck client never blocks process exit
    request_queue_size = 1024    # listen backlog: many clients connecting at once
    allow_reuse_address = True

    def __init__(self, address, store: Store, *, query_timeout_s: float | None,
                 max_results: int | None, update_token: str | None, owns_store: bool):
        self.store = store
        self.query_timeout_s = query_timeout_s
        self.max_results = max_results
        self.update_token = update_token or None
        self.owns_store = owns_store
        self._conns: dict[socket.socket, bool] = {}   # connection -> busy with a request
        self._conns_lock = threading.Lock()
        self._stopping = False
        self._serving = threading.Event()
        self._closed = False
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, _Handler)

    def server_bind(self):
        # HTTPServer.server_bind looks the host up with getfqdn (a reverse DNS query that can
        # hang for seconds where no resolver answers); the name is not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    # ---- addresses --------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self.server_address[0]

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        """The query endpoint, e.g. ``http://127.0.0.1:7878/sparql``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/sparql"

    # ---- connection bookkeeping (for graceful shutdown) --------------------------------------
    def process_request(self, request, client_address):
        with self._conns_lock:
            self._conns[request] = False
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._conns_lock:
            self._conns.pop(request, None)
        super().shutdown_request(request)

    def _set_busy(self, conn, busy: bool) -> None:
        with self._conns_lock:
            if conn in self._conns:
                self._conns[conn] = busy

    def handle_error(self, request, client_address):
        import sys
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("%s: connection dropped: %s", client_address[0], exc)
            return
        log.exception("unexpected error serving %s", client_address[0])

    # ---- running and stopping -------------------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.2) -> None:
        self._serving.set()
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving.clear()

    def start_thread(self) -> threading.Thread:
        """Serve in a daemon thread (tests, notebooks); :meth:`stop` ends it."""
        t = threading.Thread(target=self.serve_forever, name="kgstudio-serve", daemon=True)
        t.start()
        self._serving.wait(5)
        return t

    def stop(self, grace_s: float | None = None) -> None:
        """Graceful stop: stop accepting, close idle keep-alive connections, let requests in
        flight finish (at most ``grace_s``, default query timeout + 5 s), close the store if
        the server opened it. Call it from any thread but the one in :meth:`serve_forever`."""
        if self._closed:
            return
        self._stopping = True
        if self._serving.is_set():
            self.shutdown()
        if grace_s is None:
            grace_s = (self.query_timeout_s or 30.0) + 5.0
        deadline = time.monotonic() + grace_s
        while True:
            with self._conns_lock:
                idle = [c for c, busy in self._conns.items() if not busy]
                left = len(self._conns)
            for conn in idle:  # wakes the thread blocked reading the next request
                try:
                    conn.shutdown(socket.SHUT_RD)
                except OSError:
                    pass
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        if left:
            log.warning("stopping with %d request(s) still running", left)
        self.server_close()
        self._closed = True
        if self.owns_store:
            self.store.close()

    def __exit__(self, *exc):
        self.stop()


def make_server(store_factory_or_store: Store | Callable[[], Store], *, host: str = "127.0.0.1",
                port: int = 0, query_timeout_s: float | None = 10.0,
                max_results: int | None = 100_000, update_token: str | None = None) -> SparqlServer:
    """A SPARQL 1.1 Protocol endpoint over a store, bound but not yet serving.

    ``store_factory_or_store``: a :class:`kg.store.base.Store` (the caller closes it) or a
    callable returning one (the server closes it when it stops). ``port=0`` picks a free
    port (see ``server.url``). ``update_token`` empty or None: read-only. Serve with
    ``server.serve_forever()`` or ``server.start_thread()``; stop with ``server.stop()``.
    """
    if isinstance(store_factory_or_store, Store):
        store, owns = store_factory_or_store, False
    elif callable(store_factory_or_store):
        store, owns = store_factory_or_store(), True
    else:
        raise TypeError("make_server needs a Store or a callable that returns one")
    if query_timeout_s is not None and query_timeout_s <= 0:
        raise ValueError("query_timeout_s must be positive (or None for no limit)")
    if max_results is not None and max_results < 1:
        raise ValueError("max_results must be at least 1 (or None for no limit)")
    try:
        server = SparqlServer((host, port), store, query_timeout_s=query_timeout_s,
                              max_results=max_results, update_token=update_token, owns_store=owns)
    except OSError as e:
        if owns:
            store.close()
        raise KGStudioError(f"cannot listen on {host}:{port}: {e.strerror or e}; "
                            "pick another port with --port or serve.port") from e
    return server


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
    timeout = query_timeout_s if query_timeout_s is not None else settings["serve.query_timeout_s"]
    cap = max_results if max_results is not None else settings["serve.max_results"]
    token = (update_token or settings["serve.update_token"]
             or os.environ.get("KGSTUDIO_UPDATE_TOKEN") or None)
    if not logging.getLogger().handlers and not log.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    # Always read-write: pyoxigraph's read-only mode is undefined while another process
    # writes, and the lock makes a concurrent `kgstudio import` fail with a clear message.
    # Read-only-ness is enforced per request (no token: updates get 403).
    # pyoxigraph releases the GIL for every result row it yields; with many busy request
    # threads, each re-acquisition can wait a whole switch interval (5 ms by default), so a
    # query with thousands of rows crawled past the time limit under 50 clients. A 1 ms
    # interval removed those timeouts in benchmarks/kg_store.py (0 errors instead of ~40
    # in 20 s) and raised throughput by a fifth.
    sys.setswitchinterval(0.001)
    in_memory = settings["serve.in_memory"] if in_memory is None else in_memory
    if in_memory and settings["store.backend"] == "embedded":
        log.info("loading the store into memory (serve.in_memory) ...")
    server = make_server(lambda: ws.open_store(in_memory=in_memory), host=host, port=port, query_timeout_s=timeout or None,
                         max_results=cap or None, update_token=token)
    if token and host not in ("127.0.0.1", "::1", "localhost"):
        log.warning("updates are enabled on %s over plain HTTP: the bearer token travels in "
                    "clear text; put a TLS proxy in front", host)

    def on_signal(signum, _frame):
        log.info("%s received: finishing requests in flight, then stopping",
                 signal.Signals(signum).name)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C is abrupt
        threading.Thread(target=server.shutdown, name="kgstudio-stop", daemon=True).start()

    previous = {}
    if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    log.info("kgstudio serve: %s over %s (%s; query timeout %s s; at most %s results). "
             "Ctrl-C stops.", server.url, ws.root, "updates need the bearer token" if token
             else "read-only", timeout or "no", cap or "unlimited")
    try:
        server.serve_forever()
    finally:
        server.stop()
        for s, h in previous.items():
            signal.signal(s, h)
        log.info("kgstudio serve: stopped")


# ---- the request handler ----------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kgstudio"
    sys_version = ""
    timeout = 30                    # seconds an idle keep-alive connection is kept
    disable_nagle_algorithm = True
    server: SparqlServer

    # ---- framing ----------------------------------------------------------------------------
    def parse_request(self) -> bool:
        self._t0 = time.perf_counter()
        self.server._set_busy(self.connection, True)
        return super().parse_request()

    def handle_one_request(self):
        try:
            super().handle_one_request()
        finally:
            self.server._set_busy(self.connection, False)
            if self.server._stopping:
                self.close_connection = True

    def _respond(self, status: int, body: bytes, content_type: str | None,
                 headers: dict[str, str] | None = None) -> None:
        headers_in = getattr(self, "headers", None)
        if self.server._stopping or (headers_in is not None
                                     and headers_in.get("Connection", "").lower() == "close"):
            self.close_connection = True
        phrase = HTTPStatus(status).phrase
        lines = [f"{self.protocol_version} {status} {phrase}",
                 f"Server: {self.server_version}", f"Date: {formatdate(usegmt=True)}"]
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.append(f"Content-Length: {len(body)}")
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)
        self._log(status, len(body))

    def _log(self, status: int, size: int) -> None:
        ms = (time.perf_counter() - getattr(self, "_t0", time.perf_counter())) * 1000
        line = self.requestline if len(self.requestline) <= 300 else self.requestline[:297] + "..."
        log.info('%s "%s" %d %d %.1fms', self.client_address[0], line, status, size, ms)

    def _error(self, e: _HTTPError) -> None:
        headers = {"X-Content-Type-Options": "nosniff", **e.headers}
        self._respond(e.status, (e.message.rstrip("\n") + "\n").encode("utf-8"),
                      "text/plain; charset=utf-8", headers)

    # errors the base class answers itself (bad request line, unsupported method...)
    def send_error(self, code, message=None, explain=None):
        self.close_connection = True
        status = HTTPStatus(code)
        self._respond(code, f"{status.phrase}: {message or status.description}\n".encode("utf-8"),
                      "text/plain; charset=utf-8", {"X-Content-Type-Options": "nosniff"})

    def log_message(self, format, *args):  # noqa: A002 - base-class signature
        log.debug("%s %s", self.client_address[0], format % args)

    def log_error(self, format, *args):  # noqa: A002
        log.debug("%s %s", self.client_address[0], format % args)

    # ---- methods --------------------------------------------------------------------------------
    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_OPTIONS(self):
        self._respond(204, b"", None, {"Allow": "GET, HEAD, POST, OPTIONS"})

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body() if method == "POST" else b""
            url = urlsplit(self.path)
            if url.path in ("/", "/index.html"):
                if method != "GET":
                    raise _HTTPError(405, "POST queries to /sparql", {"Allow": "GET, HEAD"})
                self._home(url.query)
            elif url.path == "/sparql":
                self._sparql(method, url.query, body)
            else:
                raise _HTTPError(404, f"nothing at {url.path[:200]}; the endpoint is /sparql")
        except _HTTPError as e:
            self._error(e)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
            raise
        except Exception as e:  # a bug: answer 500, keep serving
            log.exception("error answering %r", self.requestline)
            self.close_connection = True
            self._error(_HTTPError(500, f"internal error: {type(e).__name__}: {e}"))

    # ---- /sparql ------------------------------------------------------------------------------
    def _sparql(self, method: str, query_string: str, body: bytes) -> None:
        params = _parse_params(query_string)
        if method == "GET":
            if "update" in params:
                raise _HTTPError(400, "SPARQL Update needs POST")
            if "query" not in params:
                accept = self.headers.get("Accept", "")
                if "text/html" in accept:
                    self._home("")
                    return
                raise _HTTPError(400, "missing 'query' parameter; see / for how to query this endpoint")
            self._query(_single(params, "query"), params)
            return
        media = (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
        if media == _FORM_MEDIA:
            try:
                form = _parse_params(body.decode("utf-8"))
            except UnicodeDecodeError:
                raise _HTTPError(400, "the form body is not UTF-8")
            both = {k: params.get(k, []) + form.get(k, []) for k in set(params) | set(form)}
            if ("query" in form) == ("update" in form):
                raise _HTTPError(400, "a form POST needs exactly one of 'query' or 'update'")
            if "update" in form:
                self._update(_single(both, "update"), both)
            else:
                self._query(_single(both, "query"), both)
        elif media == _QUERY_MEDIA:
            self._query(_text(body), params)
        elif media == _UPDATE_MEDIA:
            self._update(_text(body), params)
        else:
            raise _HTTPError(415, f"unsupported Content-Type {media or '(none)'!r}: POST "
                                  f"{_FORM_MEDIA}, {_QUERY_MEDIA} or {_UPDATE_MEDIA}")

    def _read_body(self) -> bytes:
        """The request body; a body that cannot be read leaves the connection unusable."""
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = True
            raise _HTTPError(411, "send the body with a Content-Length (chunked bodies are not supported)")
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self.close_connection = True
            raise _HTTPError(400, "bad Content-Length")
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            raise _HTTPError(413, f"body of {length} bytes is over the {MAX_BODY_BYTES} byte limit")
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            self.close_connection = True
            raise _HTTPError(400, "the body ended before Content-Length bytes")
        return body

    def _query(self, sparql: str, params: dict[str, list[str]]) -> None:
        _refuse_dataset(params)
        srv = self.server
        try:
            result = srv.store.query(sparql, timeout=srv.query_timeout_s, max_results=srv.max_results)
        except QueryTimeout:
            raise _HTTPError(503, f"query cut after {srv.query_timeout_s:g} s (the server's query "
                                  "time limit); add a LIMIT, narrow the patterns, or ask the "
                                  "operator for a longer serve.query_timeout_s",
                             {"Retry-After": "1"})
        except StoreError as e:
            if _is_syntax_error(e):
                raise _HTTPError(400, str(e))
            raise _HTTPError(500, f"query failed: {e}")
        kind = kind_of(result)
        try:
            accept = ", ".join(self.headers.get_all("Accept") or [])
            fmt = _format_override(params, kind) or negotiate(accept, kind)
        except NotAcceptable as e:
            raise _HTTPError(406, str(e))
        try:
            body = serialize(result, fmt)
        except SerializationError as e:
            raise _HTTPError(406, str(e))
        headers = {"Vary": "Accept", "Cache-Control": "no-store"}
        if getattr(result, "truncated", False):
            headers[TRUNCATED_HEADER] = "true"
            headers["X-KGStudio-Max-Results"] = str(srv.max_results)
        self._respond(200, body, CONTENT_TYPES[fmt], headers)

    def _update(self, sparql: str, params: dict[str, list[str]]) -> None:
        srv = self.server
        if not srv.update_token:
            raise _HTTPError(403, "this endpoint is read-only: start it with an update token "
                                  "(setting serve.update_token or env KGSTUDIO_UPDATE_TOKEN) "
                                  "to accept SPARQL Update")
        auth = self.headers.get("Authorization", "")
        scheme, _, given = auth.partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            raise _HTTPError(401, "SPARQL Update needs 'Authorization: Bearer <token>'",
                             {"WWW-Authenticate": 'Bearer realm="kgstudio"'})
        if not hmac.compare_digest(given.strip().encode("utf-8"), srv.update_token.encode("utf-8")):
            raise _HTTPError(401, "wrong update token",
                             {"WWW-Authenticate": 'Bearer realm="kgstudio", error="invalid_token"'})
        _refuse_dataset(params)
        try:
            srv.store.update(sparql)
        except StoreError as e:
            raise _HTTPError(400 if _is_syntax_error(e) else 500, str(e))
        self._respond(204, b"", None)

    # ---- / ------------------------------------------------------------------------------------
    def _home(self, query_string: str) -> None:
        params = _parse_params(query_string)
        srv = self.server
        e = html.escape
        host = self.headers.get("Host") or f"{srv.host}:{srv.port}"
        endpoint = f"http://{host}/sparql"
        prefill = (params.get("query") or ["SELECT ?concept ?label WHERE {\n"
                                           "  ?concept a <http://www.w3.org/2004/02/skos/core#Concept> ;\n"
                                           "           <http://www.w3.org/2004/02/skos/core#prefLabel> ?label .\n"
                                           "} LIMIT 20"])[0]
        mode = ("SPARQL Update is enabled for requests carrying the bearer token"
                if srv.update_token else "read-only: SPARQL Update is refused")
        offered = ", ".join(sorted({MEDIA_TYPES[f] for fs in FORMATS.values() for f in fs}))
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>kgstudio SPARQL endpoint</title></head>
<body>
<h1>kgstudio SPARQL endpoint</h1>
<p>This is the <a href="https://www.w3.org/TR/sparql11-protocol/">SPARQL 1.1 Protocol</a>
endpoint of a kgstudio workspace ({e(srv.store.kind)} store): the curriculum knowledge
graph, its ontology, generated content and reviews. It is {e(mode)}.</p>
<p>Endpoint: <code>{e(endpoint)}</code>. Queries run for at most
{e(f'{srv.query_timeout_s:g} s' if srv.query_timeout_s else 'unlimited time')} and return at most
{e(str(srv.max_results) if srv.max_results else 'unlimited')} rows.
Results by content negotiation: {e(offered)}.</p>
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
        self._respond(200, page.encode("utf-8"), "text/html; charset=utf-8",
                      {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
                       "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"})


# ---- helpers ------------------------------------------------------------------------------------
def _parse_params(qs: str) -> dict[str, list[str]]:
    try:
        return parse_qs(qs, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise _HTTPError(400, "parameters are not valid UTF-8 percent-encoding")


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
        raise _HTTPError(400, "the request body is not UTF-8")
    if not text.strip():
        raise _HTTPError(400, "the request body is empty")
    return text


def _refuse_dataset(params: dict[str, list[str]]) -> None:
    given = [p for p in _DATASET_PARAMS if p in params]
    if given:
        raise _HTTPError(400, f"protocol parameter {given[0]!r} is not supported by this endpoint; "
                              "name graphs in the query itself with FROM / FROM NAMED / GRAPH")


def _is_syntax_error(e: StoreError) -> bool:
    return isinstance(e.__cause__, SyntaxError) or "syntax error" in str(e).lower()


# format= / output= values (fmt names, common short names, or media types)
_OVERRIDE_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv", "text": "table",
                   "txt": "table", "table": "table", "turtle": "turtle", "ttl": "turtle",
                   "ntriples": "ntriples", "nt": "ntriples", "n-triples": "ntriples",
                   "jsonld": "jsonld", "json-ld": "jsonld", "rdfxml": "rdfxml", "rdf": "rdfxml"}


def _format_override(params: dict[str, list[str]], kind: str) -> str | None:
    """The fmt a ``format=``/``output=`` parameter names for this kind of result, if any."""
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
