"""The remote backend: any SPARQL 1.1 endpoint over HTTP (Oxigraph server, Apache Jena
Fuseki, GraphDB, Virtuoso, QLever, ...), through the standard protocols only.

* Queries: SPARQL 1.1 Protocol, URL-encoded POST (no URL length limit) on one
  ``requests.Session`` (keep-alive). Results are negotiated as SPARQL JSON (XML and TSV
  understood too) or N-Triples (Turtle, RDF/XML understood too) and parsed *while they
  stream* with pyoxigraph's parsers, so ``max_results`` stops reading after the first
  ``max_results + 1`` rows and ``timeout`` is a deadline on the whole exchange, not only on
  each socket read. The terms go through the same conversion as the embedded backend's
  (``kg.store.terms.to_rdflib``), so both give equal rdflib terms.
* Writes: SPARQL 1.1 Update, one request per call. :meth:`RemoteStore.replace_graphs`
  computes the difference against what the server holds and sends it as ONE update
  request (``kg.store.base.diff_update``); Oxigraph, Fuseki (TDB2), GraphDB and Virtuoso
  each run one request as one transaction, so an import lands whole or not at all.
* Graph Store Protocol (optional ``gsp_url``): reading a whole graph (``graph_triples``,
  ``dump(graph)``) and appending to one (``add_to_graph``) use it; without it the same
  is done with CONSTRUCT and INSERT DATA.

Union default graph. With ``union_default_graph=True`` (the default, as in the embedded
backend) triple patterns outside ``GRAPH`` must match every named graph. The protocol
has no portable switch for that, so ``union_mode`` picks how:

* ``"dataset"`` (default, portable): the request names the dataset explicitly, with one
  ``default-graph-uri`` and one ``named-graph-uri`` per named graph of the store. The
  list of named graphs is cached for ``graph_cache_s`` seconds and refreshed after every
  write made through this object; a graph another client creates is seen by union
  queries after at most ``graph_cache_s``. Costs: one listing query per refresh, and a
  request body that grows with the number of graphs (fine for hundreds, not for
  millions). Triples in the store's *unnamed* default graph are not part of the union
  (the protocol cannot name that graph; kgstudio writes only named graphs), and servers
  that build the default graph as a true RDF merge (Fuseki) return a triple held by two
  graphs once where Oxigraph returns it once per graph.
* ``"oxigraph"``: the Oxigraph-specific ``union-default-graph`` parameter (one request,
  no listing; exactly the embedded semantics, default graph included).
* ``"server"``: send nothing; for servers whose default graph already is the union of
  all graphs (GraphDB, Virtuoso, QLever, Fuseki with ``unionDefaultGraph``). Here
  ``union_default_graph=False`` cannot be honoured.

A query that names its own dataset (``FROM`` / ``FROM NAMED``) is sent without dataset
parameters, so its own clauses apply, as the SPARQL protocol intends.

Limitations: a query cut by ``timeout`` or ``max_results`` is abandoned by closing the
connection; a server notices when it next writes (streaming engines such as Oxigraph
stop at once, an aggregate or ORDER BY runs to its end or to the server's own limit, so
set one there too: ``oxigraph serve --timeout-s``, Fuseki ``arq:queryTimeout``, GraphDB
``graphdb.query.timeout``, Virtuoso ``MaxQueryExecutionTime``). A read
timeout during an *update* leaves its outcome unknown (:class:`StoreError` says so).
Non-canonical typed literals (``"01"^^xsd:integer``) are canonicalised the way Oxigraph
does before diffing; a server that canonicalises differently may see such a literal
removed and re-added by each re-import (content stays right; the counts are off).
Bulk read of whole graphs without ``gsp_url`` goes through CONSTRUCT, which some servers
cap (Virtuoso's ``ResultSetMaxRows``): configure ``gsp_url`` for big graphs there.
"""
from __future__ import annotations

import io
import re
import threading
import time

import pyoxigraph as ox
import requests

from kg.errors import QueryTimeout, StoreError
from kg.store.base import (AskResult, GraphChange, GraphResult, QueryResult, SelectResult,
                           Store, diff_update)
from kg.store.base import canonical_triples, has_dataset_clause  # noqa: F401 (re-exported)
from kg.sparql_guard import DEFAULT_LIMITS, check as guard_check
from kg.store.terms import to_rdflib

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

_ACCEPT_QUERY = ("application/sparql-results+json, application/n-triples;q=0.95, "
                 "application/sparql-results+xml;q=0.8, text/turtle;q=0.8, "
                 "application/rdf+xml;q=0.5, text/tab-separated-values;q=0.5, "
                 "text/plain;q=0.4, application/json;q=0.3")
_ACCEPT_TRIPLES = "application/n-triples, text/turtle;q=0.8, application/rdf+xml;q=0.5, text/plain;q=0.4"

_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,  # older servers label N-Triples so
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_DUMP_FORMATS = {
    "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
}
_DATASET_FORMATS = {"nquads", "trig", "jsonld"}
UNION_MODES = ("dataset", "oxigraph", "server")

# Tokens a FROM keyword can hide in: strings, IRIs, comments. Scanned left to right, so a
# '#' inside an IRI or a string does not start a comment.
def _media_type(resp: requests.Response) -> str:
    return resp.headers.get("Content-Type", "").split(";")[0].strip().lower()


class _Body(io.RawIOBase):
    """A streamed HTTP body as a file for pyoxigraph's parsers, cut at a deadline."""

    def __init__(self, resp: requests.Response, url: str, deadline: float | None, timeout: float | None):
        self._resp = resp
        self._url = url
        self._deadline = deadline
        self._timeout = timeout
        self._it = resp.iter_content(chunk_size=1 << 16)
        self._buf = memoryview(b"")
        self._pos = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def _set_socket_timeout(self, seconds: float) -> None:
        # Bound the next blocking read by what is left of the deadline (best effort:
        # urllib3 keeps the socket on the pooled connection).
        try:
            self._resp.raw.connection.sock.settimeout(max(seconds, 0.001))
        except AttributeError:
            pass

    def readinto(self, b) -> int:
        if self._pos >= len(self._buf):
            if self._deadline is not None:
                left = self._deadline - time.monotonic()
                if left <= 0:
                    raise QueryTimeout(f"query cut after {self._timeout:g} s ({self._url})")
                self._set_socket_timeout(left)
            try:
                self._buf, self._pos = memoryview(next(self._it, b"")), 0
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as e:
                if "timed out" in str(e).lower():
                    raise QueryTimeout(f"query cut after {self._timeout:g} s: no answer from "
                                       f"{self._url} in time") from None
                raise StoreError(f"connection to {self._url} broke while reading results: {e}") from None
            except requests.exceptions.RequestException as e:
                raise StoreError(f"reading results from {self._url} failed: {e}") from None
            if not self._buf:
                return 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos:self._pos + n]
        self._pos += n
        self.bytes_read += n
        return n


class RemoteStore(Store):
    """A SPARQL 1.1 endpoint as a :class:`kg.store.base.Store`.

    Args:
        query_url: SPARQL Query endpoint (Oxigraph: ``http://host:7878/query``).
        update_url: SPARQL Update endpoint (default: ``query_url``, as Fuseki and Virtuoso
            serve both on one URL; Oxigraph: ``/update``).
        gsp_url: Graph Store Protocol endpoint (Oxigraph: ``/store``), optional.
        token: sent as ``Authorization: Bearer <token>`` with every request.
        timeout: HTTP timeout in seconds: connecting (at most 10 s), and waiting for
            each read of an answer. A query's own ``timeout`` is a deadline on the
            whole exchange instead.
        union_mode: how ``union_default_graph`` is realised (module docstring).
        graph_cache_s: how long the list of named graphs is reused (``"dataset"`` mode).
    """

    kind = "remote"
    #: queries and updates are measured against these before they are sent (kg.sparql_guard)
    guard_limits = DEFAULT_LIMITS

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 gsp_url: str | None = None, token: str | None = None,
                 timeout: float = 60.0, union_mode: str = "dataset",
                 graph_cache_s: float = 2.0):
        if not query_url or not query_url.startswith(("http://", "https://")):
            raise StoreError(f"store.query_url must be an http(s) URL, got {query_url!r}")
        if union_mode not in UNION_MODES:
            raise StoreError(f"unknown union_mode {union_mode!r}; use one of {', '.join(UNION_MODES)}")
        self.query_url = query_url
        self.update_url = update_url or query_url
        self.gsp_url = gsp_url or None
        self.timeout = float(timeout)
        self.union_mode = union_mode
        self.graph_cache_s = graph_cache_s
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "kgstudio-remote-store"
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._graphs: list[str] | None = None
        self._graphs_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # ---- HTTP -----------------------------------------------------------------------
    def _request(self, method: str, url: str, *, what: str, read_timeout: float | None = None,
                 query_error: bool = False, ok404: bool = False, **kw) -> requests.Response:
        """One HTTP exchange; transport and HTTP errors become StoreError / QueryTimeout."""
        rt = self.timeout if read_timeout is None else max(read_timeout, 0.001)
        try:
            resp = self._session.request(method, url, timeout=(min(self.timeout, 10.0), rt), **kw)
        except requests.exceptions.ConnectTimeout as e:
            raise StoreError(f"cannot reach the SPARQL endpoint {url} (connect timed out): {e}. "
                             "Is the server running? Check store.*_url in kgstudio.toml") from None
        except requests.exceptions.ReadTimeout:
            if query_error:
                raise QueryTimeout(f"query cut after {rt:g} s: no answer from {url} in time") from None
            raise StoreError(f"{what}: {url} gave no answer within {rt:g} s; the outcome is unknown "
                             "(check the store, raise store.timeout_s)") from None
        except requests.exceptions.ConnectionError as e:
            raise StoreError(f"cannot reach the SPARQL endpoint {url}: {e}. Is the server running? "
                             "Check store.*_url in kgstudio.toml") from None
        except requests.exceptions.RequestException as e:
            raise StoreError(f"{what}: request to {url} failed: {e}") from None
        if resp.status_code == 404 and ok404:
            return resp
        if resp.status_code >= 400:
            try:
                message = resp.text.strip()
            finally:
                resp.close()
            if len(message) > 2000:
                message = message[:2000] + " ..."
            status = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
            hint = ""
            if resp.status_code in (401, 403):
                hint = " Check store.token (or KGSTUDIO_STORE_TOKEN)."
            if query_error and (resp.status_code in (503, 504) or re.search(r"time[ d-]*out", message, re.I)):
                raise QueryTimeout(f"{url} cut the query ({status}): {message}")
            raise StoreError(f"{what} failed: {url} answered {status}: {message}{hint}")
        return resp

    def _dataset_params(self, sparql: str, union: bool) -> list[tuple[str, str]]:
        if not union or self.union_mode == "server" or has_dataset_clause(sparql):
            return []
        if self.union_mode == "oxigraph":
            return [("union-default-graph", "")]
        graphs = self._named_graphs_cached()
        return [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]

    def _named_graphs_cached(self) -> list[str]:
        with self._lock:
            if self._graphs is not None and time.monotonic() - self._graphs_at < self.graph_cache_s:
                return self._graphs
        graphs = self._list_graphs()
        with self._lock:
            self._graphs, self._graphs_at = graphs, time.monotonic()
        return graphs

    def _invalidate(self) -> None:
        with self._lock:
            self._graphs = None

    # ---- reading --------------------------------------------------------------------
    def query(self, sparql: str, *, timeout: float | None = None,
              max_results: int | None = None, union_default_graph: bool = True) -> QueryResult:
        guard_check(sparql, self.guard_limits)
        return self._query(sparql, timeout=timeout, max_results=max_results,
                           params=self._dataset_params(sparql, union_default_graph))

    def _query(self, sparql: str, *, timeout: float | None, max_results: int | None,
               params: list[tuple[str, str]]) -> QueryResult:
        # With a timeout: a deadline on the whole exchange. Without: only the HTTP timeout
        # between two reads (a big result may take longer in all, as long as it flows).
        limit = self.timeout if timeout is None else timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        resp = self._request("POST", self.query_url, what="query", read_timeout=limit,
                             query_error=True, stream=True,
                             data=[("query", sparql)] + params,
                             headers={"Accept": _ACCEPT_QUERY})
        body = _Body(resp, self.query_url, deadline, limit)
        try:
            return self._read_result(resp, body, max_results, deadline, limit)
        finally:
            resp.close()  # an unfinished body closes the connection: the server stops writing

    def _read_result(self, resp, body: _Body, max_results, deadline: float | None,
                     limit: float) -> QueryResult:
        mt = _media_type(resp)
        url = self.query_url

        def check_time():
            if deadline is not None and time.monotonic() > deadline:
                raise QueryTimeout(f"query cut after {limit:g} s ({url})")

        rows: list = []
        truncated = False
        try:
            if mt in _RESULT_FORMATS:
                res = ox.parse_query_results(body, format=_RESULT_FORMATS[mt])
                if isinstance(res, ox.QueryBoolean):
                    return AskResult(bool(res))
                variables = [v.value for v in res.variables]
                for sol in res:
                    if max_results is not None and len(rows) >= max_results:
                        truncated = True
                        break
                    rows.append(tuple(map(to_rdflib, sol)))  # in the order of ``variables``
                    if (len(rows) & 255) == 0:
                        check_time()
                return SelectResult(variables, rows, truncated)
            if mt in _GRAPH_FORMATS:
                for q in ox.parse(body, format=_GRAPH_FORMATS[mt]):
                    if max_results is not None and len(rows) >= max_results:
                        truncated = True
                        break
                    rows.append((to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object)))
                    if (len(rows) & 255) == 0:
                        check_time()
                return GraphResult(rows, truncated)
        except SyntaxError as e:
            raise StoreError(f"{url} sent results that do not parse as {mt}: {e}") from e
        except (OSError, ValueError) as e:
            raise StoreError(f"reading results from {url} failed: {e}") from e
        raise StoreError(f"{url} answered with media type {mt or '(none)'!r}, which kgstudio cannot "
                         "read; expected SPARQL JSON/XML/TSV results or N-Triples/Turtle/RDF-XML")

    def _select_ox(self, sparql: str, variables: list[str]) -> list[tuple]:
        """SELECT without union and without conversion to rdflib: rows of pyoxigraph terms
        (in the order of ``variables``) exactly as the server wrote them, for graph
        contents and dumps."""
        resp = self._request("POST", self.query_url, what="query", query_error=True, stream=True,
                             data={"query": sparql},
                             headers={"Accept": "application/sparql-results+json, "
                                                "application/sparql-results+xml;q=0.8"})
        body = _Body(resp, self.query_url, None, self.timeout)
        try:
            mt = _media_type(resp)
            if mt not in _RESULT_FORMATS:
                raise StoreError(f"{self.query_url} answered a SELECT with media type {mt!r}")
            res = ox.parse_query_results(body, format=_RESULT_FORMATS[mt])
            head = [v.value for v in res.variables]
            if head == variables:
                return [tuple(sol) for sol in res]
            if set(variables) - set(head):
                raise StoreError(f"{self.query_url} answered without the variables {variables}: {head}")
            order = [head.index(v) for v in variables]
            return [tuple(sol[i] for i in order) for sol in res]
        except SyntaxError as e:
            raise StoreError(f"{self.query_url} sent results that do not parse: {e}") from e
        finally:
            resp.close()

    def _triples_ox(self, graph: str) -> list:
        """Triples of one named graph as pyoxigraph quads in the default graph (which
        serialise as triples), through the GSP when configured."""
        if self.gsp_url:
            resp = self._request("GET", self.gsp_url, what=f"reading graph <{graph}>", ok404=True,
                                 stream=True, params={"graph": graph},
                                 headers={"Accept": _ACCEPT_TRIPLES})
            try:
                if resp.status_code == 404:
                    return []
                mt = _media_type(resp)
                if mt not in _GRAPH_FORMATS:
                    raise StoreError(f"{self.gsp_url} answered with media type {mt!r} for graph <{graph}>")
                return list(ox.parse(_Body(resp, self.gsp_url, None, self.timeout),
                                     format=_GRAPH_FORMATS[mt]))
            except SyntaxError as e:
                raise StoreError(f"{self.gsp_url} sent graph <{graph}> in a form that does not parse: {e}") from e
            finally:
                resp.close()
        rows = self._select_ox(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                               ["s", "p", "o"])
        return [ox.Quad(s, p, o) for s, p, o in rows]

    def _list_graphs(self) -> list[str]:
        rows = self._select_ox("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", ["g"])
        return sorted(g.value for (g,) in rows if isinstance(g, ox.NamedNode))

    def named_graphs(self) -> list[str]:
        graphs = self._list_graphs()
        with self._lock:
            self._graphs, self._graphs_at = graphs, time.monotonic()
        return graphs

    def graph_triples(self, graph: str) -> set[str]:
        if self.gsp_url:  # str() of a quad in the default graph is its N-Triples statement
            return {str(q) for q in self._triples_ox(graph)}
        rows = self._select_ox(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}",
                               ["s", "p", "o"])
        return {f"{s} {p} {o}" for s, p, o in rows}

    def count(self, graph: str | None = None) -> int:
        if graph is not None:
            q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        elif self.union_mode == "server":  # the default graph is the union: count named graphs only
            q = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        else:
            q = "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        rows = self._select_ox(q, ["n"])
        try:
            return int(rows[0][0].value)
        except (IndexError, AttributeError, TypeError, ValueError):
            raise StoreError(f"{self.query_url} gave no count for {q!r}: {rows!r}") from None

    def dump(self, graph: str | None = None, fmt: str = "nquads") -> bytes:
        if fmt not in _DUMP_FORMATS:
            raise StoreError(f"unknown format {fmt!r}; use one of {', '.join(_DUMP_FORMATS)}")
        if graph is not None:
            return ox.serialize(self._triples_ox(graph), format=_DUMP_FORMATS[fmt])
        if fmt not in _DATASET_FORMATS:
            raise StoreError(f"{fmt} holds one graph; name one with --graph or use nquads/trig")
        quads = [ox.Quad(s, p, o, g) for g, s, p, o in self._select_ox(
            "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }", ["g", "s", "p", "o"])]
        if self.union_mode != "server":
            quads += [ox.Quad(s, p, o, ox.DefaultGraph()) for s, p, o in self._select_ox(
                "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", ["s", "p", "o"])]
        return ox.serialize(quads, format=_DUMP_FORMATS[fmt])

    # ---- writing --------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        guard_check(sparql, self.guard_limits)
        try:
            resp = self._request("POST", self.update_url, what="SPARQL Update",
                                 data=sparql.encode("utf-8"),
                                 headers={"Content-Type": "application/sparql-update; charset=UTF-8"})
            resp.close()
        finally:
            self._invalidate()

    def replace_graphs(self, graphs: dict[str, str | bytes]) -> list[GraphChange]:
        changes: dict[str, tuple[list[str], list[str]]] = {}
        report: list[GraphChange] = []
        for graph, data in graphs.items():
            new = canonical_triples(data, graph)
            old = self.graph_triples(graph)
            remove, add = sorted(old - new), sorted(new - old)
            changes[graph] = (remove, add)
            report.append(GraphChange(graph, added=len(add), removed=len(remove),
                                      created=not old and bool(new)))
        if any(r or a for r, a in changes.values()):
            self.update(diff_update(changes))  # one request = one transaction
        return report

    def add_to_graph(self, graph: str, ntriples: str | bytes) -> None:
        try:
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES)]
        except SyntaxError as e:
            raise StoreError(f"bad N-Triples for graph <{graph}>: {e}") from e
        if not triples:
            return
        body = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
        if self.gsp_url:
            try:
                self._request("POST", self.gsp_url, what=f"adding to graph <{graph}>",
                              params={"graph": graph}, data=body,
                              headers={"Content-Type": "application/n-triples"}).close()
            finally:
                self._invalidate()
            return
        self.update("INSERT DATA { GRAPH <%s> {\n%s} }" % (graph, body.decode("utf-8")))

    def close(self) -> None:
        self._session.close()
