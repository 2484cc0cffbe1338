"""studio.server: the SPARQL 1.1 Protocol endpoint, driven by two real clients (SPARQLWrapper
and rdflib's SPARQLStore / SPARQLUpdateStore) and by plain HTTP for the edges: content
negotiation for every format, update authorisation, timeout, truncation, escaping."""
from __future__ import annotations

import http.client
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from xml.dom.minidom import Document

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.query import Result

from kg.store.embedded import EmbeddedStore
from studio.server import TRUNCATED_HEADER, make_server

SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
KGS = Namespace("https://w3id.org/kgstudio/ns#")
C = Namespace("https://w3id.org/kgstudio/id/demo/concept/")
DEMO_GRAPH = "https://w3id.org/kgstudio/graph/source/demo"
FILLER_GRAPH = "https://w3id.org/kgstudio/graph/source/filler"
TOKEN = "s3cret-token"

DEMO = f"""
<{C.mean}> a <{SKOS.Concept}> ; <{SKOS.prefLabel}> "Mean"@en, "Média"@pt ;
    <{KGS.definition}> "The sum of the values divided by their count." .
<{C.variance}> a <{SKOS.Concept}> ; <{SKOS.prefLabel}> "Variance"@en ; <{KGS.requires}> <{C.mean}> .
<{C.sd}> a <{SKOS.Concept}> ; <{SKOS.prefLabel}> "Standard deviation"@en ; <{KGS.requires}> <{C.variance}> .
""".replace(";\n    ", "; ")

LABELS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?c ?label WHERE { ?c skos:prefLabel ?label FILTER(LANG(?label) = "en") } ORDER BY ?label"""
EXPECTED_LABELS = [(C.mean, Literal("Mean", lang="en")), (C.sd, Literal("Standard deviation", lang="en")),
                   (C.variance, Literal("Variance", lang="en"))]
SIMPLE = f"SELECT ?o WHERE {{ <{C.variance}> <{KGS.requires}> ?o }}"

# Six patterns over 20 filler triples: 64M combinations, each hashed; about 1 in 4096 passes,
# so rows trickle out (the store checks its deadline between rows) and the query would run
# for minutes: a query the endpoint must cut.
PATHOLOGICAL = f"""SELECT * WHERE {{ GRAPH <{FILLER_GRAPH}> {{
  ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?p ?q ?r }}
  FILTER(STRENDS(MD5(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l), STR(?o), STR(?r))), "000")) }}"""


# Never yields a row (an MD5 in hex holds no 'x') and runs for minutes: memory stays flat.
NEVER = PATHOLOGICAL.replace('"000"', '"x"')


def load_demo(store) -> None:
    """The tiny demo graph (three concepts) plus 20 filler triples for heavy queries."""
    nt = Graph().parse(data=DEMO, format="turtle").serialize(format="nt")
    store.add_to_graph(DEMO_GRAPH, nt)
    store.add_to_graph(FILLER_GRAPH, "".join(
        f'<http://example.org/f{i}> <http://example.org/p> "filler {i}" .\n' for i in range(20)))


def http_get(url: str, accept: str | None = None, headers: dict | None = None):
    """(status, headers, body) of a GET, without raising on 4xx/5xx."""
    h = dict(headers or {})
    if accept is not None:
        h["Accept"] = accept
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=h), timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def http_post(url: str, body: bytes, content_type: str, headers: dict | None = None):
    h = {"Content-Type": content_type, **(headers or {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=h), timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def q(url: str, query: str, **extra) -> str:
    return url + "?" + urllib.parse.urlencode({"query": query, **extra})


@pytest.fixture(scope="module")
def demo_store():
    store = EmbeddedStore(None)
    load_demo(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def endpoint(demo_store):
    """Read-only endpoint with a 1 s query timeout."""
    server = make_server(demo_store, host="127.0.0.1", port=0, query_timeout_s=1.0,
                         max_results=100_000, update_token=None)
    server.start_thread()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def capped(demo_store):
    server = make_server(demo_store, port=0, query_timeout_s=5.0, max_results=3)
    server.start_thread()
    yield server.url
    server.stop()


@pytest.fixture
def writable(mem_store):
    """(url, store): an endpoint that accepts updates with TOKEN."""
    load_demo(mem_store)
    server = make_server(mem_store, port=0, query_timeout_s=5.0, max_results=1000, update_token=TOKEN)
    server.start_thread()
    yield server.url, mem_store
    server.stop()


# ---- SPARQLWrapper ------------------------------------------------------------------------------
def test_sparqlwrapper_select_json(endpoint):
    from SPARQLWrapper import JSON, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(LABELS)
    sw.setReturnFormat(JSON)
    data = sw.query().convert()
    assert data["head"]["vars"] == ["c", "label"]
    assert [(b["c"]["value"], b["label"]["value"], b["label"]["xml:lang"])
            for b in data["results"]["bindings"]] == [
        (str(C.mean), "Mean", "en"), (str(C.sd), "Standard deviation", "en"), (str(C.variance), "Variance", "en")]


@pytest.mark.parametrize("method,request_method", [("GET", None), ("POST", "urlencoded"), ("POST", "postdirectly")])
def test_sparqlwrapper_select_xml(endpoint, method, request_method):
    from SPARQLWrapper import XML, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(LABELS)
    sw.setReturnFormat(XML)
    sw.setMethod(method)
    if request_method:
        sw.setRequestMethod(request_method)
    doc = sw.query().convert()
    assert isinstance(doc, Document)
    results = doc.getElementsByTagName("result")
    labels = [r.getElementsByTagName("literal")[0].firstChild.data for r in results]
    assert labels == ["Mean", "Standard deviation", "Variance"]
    assert results[0].getElementsByTagName("literal")[0].getAttribute("xml:lang") == "en"


def test_sparqlwrapper_ask_and_construct(endpoint):
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    sw = SPARQLWrapper(endpoint)
    sw.setQuery(f"ASK {{ <{C.sd}> <{KGS.requires}> <{C.variance}> }}")
    sw.setReturnFormat(JSON)
    assert sw.query().convert() == {"head": {}, "boolean": True}
    sw.setQuery(f"ASK {{ <{C.mean}> <{KGS.requires}> ?x }}")
    sw.setReturnFormat(XML)
    assert sw.query().convert().getElementsByTagName("boolean")[0].firstChild.data == "false"

    construct = f"CONSTRUCT {{ ?a <{KGS.requires}> ?b }} WHERE {{ ?a <{KGS.requires}> ?b }}"
    expected = {(C.variance, KGS.requires, C.mean), (C.sd, KGS.requires, C.variance)}
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(construct)          # default: RDF/XML parsed into an rdflib graph
    g = sw.query().convert()
    assert set(g) == expected
    sw.setReturnFormat(TURTLE)
    ttl = sw.query().convert()
    assert set(Graph().parse(data=ttl, format="turtle")) == expected


# ---- rdflib SPARQLStore / SPARQLUpdateStore -----------------------------------------------------
def test_rdflib_sparqlstore(endpoint):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    for fmt in ("xml", "json", "csv", "tsv"):
        g = Graph(store=SPARQLStore(endpoint, returnFormat=fmt))
        rows = [tuple(r) for r in g.query(LABELS)]
        if fmt == "csv":  # CSV carries no language tags
            assert [(str(a), str(b)) for a, b in rows] == [(str(a), str(b)) for a, b in EXPECTED_LABELS]
        else:
            assert rows == EXPECTED_LABELS, fmt
    g = Graph(store=SPARQLStore(endpoint))
    assert g.query(f"ASK {{ <{C.sd}> <{KGS.requires}> ?x }}").askAnswer is True
    constructed = g.query(f"CONSTRUCT WHERE {{ <{C.mean}> <{SKOS.prefLabel}> ?l }}").graph
    assert set(constructed.objects(C.mean, SKOS.prefLabel)) == {Literal("Mean", lang="en"),
                                                                Literal("Média", lang="pt")}
    # the triple-pattern API goes through SPARQL too
    store = SPARQLStore(endpoint)
    assert {t[0][2] for t in store.triples((C.variance, KGS.requires, None))} == {C.mean}


def test_rdflib_sparqlupdatestore_with_token(writable):
    from rdflib.plugins.stores.sparqlstore import SPARQLUpdateStore

    url, store = writable
    insert = f'INSERT DATA {{ GRAPH <{DEMO_GRAPH}> {{ <{C.median}> <{SKOS.prefLabel}> "Median"@en }} }}'
    ok = SPARQLUpdateStore(url, url, headers={"Authorization": f"Bearer {TOKEN}"})
    ok.update(insert)
    assert store.ask(f'ASK {{ <{C.median}> <{SKOS.prefLabel}> "Median"@en }}')
    # and reads back through the same client
    g = Graph(store=ok)
    assert [tuple(r) for r in g.query(f"SELECT ?l WHERE {{ <{C.median}> <{SKOS.prefLabel}> ?l }}")] == [
        (Literal("Median", lang="en"),)]

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
        bad = SPARQLUpdateStore(url, url, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as err:
            bad.update(f'INSERT DATA {{ <{C.x}> <{SKOS.prefLabel}> "X" }}')
        assert err.value.code == 401
        assert err.value.headers["WWW-Authenticate"].startswith("Bearer")
    assert not store.ask(f"ASK {{ <{C.x}> ?p ?o }}")


# ---- updates over plain HTTP --------------------------------------------------------------------
def test_update_refused_on_read_only_server(endpoint, demo_store):
    before = demo_store.count()
    update = f'INSERT DATA {{ <{C.x}> <{SKOS.prefLabel}> "X" }}'
    for body, ctype in ((update.encode(), "application/sparql-update"),
                        (urllib.parse.urlencode({"update": update}).encode(), "application/x-www-form-urlencoded")):
        status, _, text = http_post(endpoint, body, ctype, {"Authorization": f"Bearer {TOKEN}"})
        assert status == 403
        assert b"read-only" in text and b"KGSTUDIO_UPDATE_TOKEN" in text
    assert demo_store.count() == before


def test_update_token_checks(writable):
    url, store = writable
    update = f'INSERT DATA {{ GRAPH <{DEMO_GRAPH}> {{ <{C.mode}> <{SKOS.prefLabel}> "Mode"@en }} }}'
    form = urllib.parse.urlencode({"update": update}).encode()
    status, headers, _ = http_post(url, form, "application/x-www-form-urlencoded")
    assert (status, headers["WWW-Authenticate"]) == (401, 'Bearer realm="kgstudio"')
    status, headers, _ = http_post(url, form, "application/x-www-form-urlencoded",
                                   {"Authorization": "Bearer " + TOKEN + "x"})
    assert status == 401 and 'error="invalid_token"' in headers["WWW-Authenticate"]
    assert not store.ask(f"ASK {{ <{C.mode}> ?p ?o }}")
    status, _, body = http_post(url, form, "application/x-www-form-urlencoded",
                                {"Authorization": "bearer " + TOKEN})
    assert (status, body) == (204, b"")
    assert store.ask(f'ASK {{ <{C.mode}> <{SKOS.prefLabel}> "Mode"@en }}')
    # a syntax error in an authorised update is a 400 with the parser's message
    status, _, body = http_post(url, b"INSERT DATA { oops", "application/sparql-update",
                                {"Authorization": "Bearer " + TOKEN})
    assert status == 400 and b"syntax error" in body
    # updates are never accepted by GET
    status, _, _ = http_get(url + "?" + urllib.parse.urlencode({"update": update}))
    assert status == 400


# ---- content negotiation for every format --------------------------------------------------------
SELECT_ONE = f"SELECT ?c ?label WHERE {{ ?c <{SKOS.prefLabel}> ?label FILTER(?c = <{C.variance}>) }}"
CONSTRUCT_ONE = f"CONSTRUCT WHERE {{ <{C.variance}> <{SKOS.prefLabel}> ?l }}"


@pytest.mark.parametrize("accept,ctype,body", [
    ("application/sparql-results+json", "application/sparql-results+json",
     b'{"head":{"vars":["c","label"]},"results":{"bindings":[{"c":{"type":"uri","value":"https://w3id.org/'
     b'kgstudio/id/demo/concept/variance"},"label":{"type":"literal","value":"Variance","xml:lang":"en"}}]}}'),
    ("application/sparql-results+xml", "application/sparql-results+xml", None),
    ("text/csv", "text/csv; charset=utf-8",
     b"c,label\r\nhttps://w3id.org/kgstudio/id/demo/concept/variance,Variance\r\n"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8",
     b'?c\t?label\n<https://w3id.org/kgstudio/id/demo/concept/variance>\t"Variance"@en\n'),
    ("text/plain", "text/plain; charset=utf-8",
     b"+------------------------------------------------------+---------------+\n"
     b"| c                                                    | label         |\n"
     b"+------------------------------------------------------+---------------+\n"
     b'| <https://w3id.org/kgstudio/id/demo/concept/variance> | "Variance"@en |\n'
     b"+------------------------------------------------------+---------------+\n"
     b"1 row\n"),
    (None, "application/sparql-results+json", None),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/sparql-results+xml", None),
])
def test_negotiation_select(endpoint, accept, ctype, body):
    status, headers, data = http_get(q(endpoint, SELECT_ONE), accept)
    assert status == 200
    assert headers["Content-Type"] == ctype
    assert headers["Vary"] == "Accept"
    if body is not None:
        assert data == body
    if ctype.startswith("application/sparql-results"):
        fmt = "json" if "json" in ctype else "xml"
        assert [tuple(r) for r in Result.parse(io.BytesIO(data), format=fmt)] == [
            (C.variance, Literal("Variance", lang="en"))]


@pytest.mark.parametrize("accept,ctype,rdflib_fmt", [
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    (None, "text/turtle; charset=utf-8", "turtle"),
    ("text/plain", "application/n-triples", "nt"),
])
def test_negotiation_graph(endpoint, accept, ctype, rdflib_fmt):
    status, headers, data = http_get(q(endpoint, CONSTRUCT_ONE), accept)
    assert (status, headers["Content-Type"]) == (200, ctype)
    assert set(Graph().parse(data=data, format=rdflib_fmt)) == {
        (C.variance, SKOS.prefLabel, Literal("Variance", lang="en"))}


def test_negotiation_ask_and_406(endpoint):
    ask = f"ASK {{ <{C.sd}> ?p ?o }}"
    assert http_get(q(endpoint, ask), "text/plain")[2] == b"true\n"
    assert http_get(q(endpoint, ask), "application/sparql-results+xml")[2].count(b"<boolean>true</boolean>") == 1
    assert http_get(q(endpoint, ask), "text/csv")[2] == b"true\r\n"   # ASK as CSV/TSV (issue 18)
    assert http_get(q(endpoint, ask), "text/tab-separated-values")[2] == b"true\n"
    for query, accept in ((ask, "text/turtle"), (SELECT_ONE, "text/html"), (CONSTRUCT_ONE, "text/csv"),
                          (SELECT_ONE, "application/sparql-results+json;q=0")):
        status, headers, body = http_get(q(endpoint, query), accept)
        assert status == 406, (query, accept)
        assert b"this endpoint offers" in body and headers["Content-Type"].startswith("text/plain")


def test_format_parameter_overrides_accept(endpoint):
    status, headers, body = http_get(q(endpoint, SELECT_ONE, format="csv"), "application/sparql-results+xml")
    assert headers["Content-Type"] == "text/csv; charset=utf-8" and body.startswith(b"c,label\r\n")
    _, headers, _ = http_get(q(endpoint, CONSTRUCT_ONE, output="json"))
    assert headers["Content-Type"] == "application/ld+json"
    _, headers, _ = http_get(q(endpoint, SELECT_ONE, format="text/tab-separated-values"))
    assert headers["Content-Type"].startswith("text/tab-separated-values")
    _, headers, _ = http_get(q(endpoint, SELECT_ONE, format="nonsense"), "text/csv")
    assert headers["Content-Type"].startswith("text/csv")  # unknown values are ignored


# ---- protocol edges --------------------------------------------------------------------------------
def test_post_forms(endpoint):
    status, headers, body = http_post(endpoint, SELECT_ONE.encode(), "application/sparql-query; charset=UTF-8",
                                      {"Accept": "text/csv"})
    assert status == 200 and body.endswith(b",Variance\r\n")
    form = urllib.parse.urlencode({"query": SELECT_ONE}).encode()
    status, headers, body = http_post(endpoint, form, "application/x-www-form-urlencoded", {"Accept": "text/csv"})
    assert status == 200 and body.endswith(b",Variance\r\n")


@pytest.mark.parametrize("request_args,status,needle", [
    (("GET", "/sparql?query=SELEC+%3Fx", None, {}), 400, b"syntax error"),
    (("GET", "/sparql", None, {}), 400, b"missing 'query'"),
    (("GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", None, {}), 400, b"exactly one 'query'"),
    (("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not+an+iri", None, {}), 400, b"absolute IRI"),
    (("POST", "/sparql", b"query=ASK%7B%7D&update=CLEAR+ALL", {"Content-Type": "application/x-www-form-urlencoded"}),
     400, b"exactly one of"),
    (("POST", "/sparql", b"ASK {}", {"Content-Type": "text/plain"}), 415, b"application/sparql-query"),
    (("POST", "/sparql", b"\xff\xfe", {"Content-Type": "application/sparql-query"}), 400, b"UTF-8"),
    (("POST", "/", b"x", {"Content-Type": "text/plain"}), 405, b"/sparql"),
    (("GET", "/nothing-here", None, {}), 404, b"/sparql"),
    (("DELETE", "/sparql", None, {}), 405, b"GET or POST"),
    (("PUT", "/sparql", b"x", {}), 405, b"GET or POST"),
])
def test_protocol_errors(endpoint, request_args, status, needle):
    method, path, body, headers = request_args
    u = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    assert resp.status == status
    assert needle in data


def test_keep_alive_serves_many_requests_on_one_connection(endpoint):
    u = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    for _ in range(20):
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": SIMPLE}), headers={"Accept": "text/csv"})
        resp = conn.getresponse()
        assert (resp.status, resp.read()) == (200, f"o\r\n{C.mean}\r\n".encode())
        assert not resp.will_close
    sock = conn.sock
    conn.request("GET", "/nothing", headers={})  # an error keeps the connection too
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 404 and conn.sock is sock
    conn.close()


# ---- limits ----------------------------------------------------------------------------------------------
def test_timeout_503_while_other_queries_run(endpoint):
    outcome = {}

    def slow():
        t0 = time.monotonic()
        outcome["slow"] = http_get(q(endpoint, PATHOLOGICAL), "text/csv")
        outcome["slow_s"] = time.monotonic() - t0

    worker = threading.Thread(target=slow)
    worker.start()
    time.sleep(0.2)
    fast = []
    while worker.is_alive() and len(fast) < 5:
        t0 = time.monotonic()
        status, _, body = http_get(q(endpoint, SIMPLE), "text/csv")
        fast.append((status, body, time.monotonic() - t0, worker.is_alive()))
    worker.join(30)
    status, headers, body = outcome["slow"]
    assert status == 503
    assert b"query cut after 1 s" in body
    assert 0.9 < outcome["slow_s"] < 5
    assert fast and all(s == 200 and b == f"o\r\n{C.mean}\r\n".encode() for s, b, _, _ in fast)
    assert fast[0][3], "the simple query must have completed while the slow one was running"


def test_truncation_header(capped):
    status, headers, body = http_get(q(capped, "SELECT * WHERE { ?s ?p ?o }"), "application/sparql-results+json")
    assert status == 200
    assert headers[TRUNCATED_HEADER] == "true" and headers["X-KGStudio-Max-Results"] == "3"
    assert len(json.loads(body)["results"]["bindings"]) == 3
    _, headers, body = http_get(q(capped, "CONSTRUCT WHERE { ?s ?p ?o }"), "application/n-triples")
    assert headers[TRUNCATED_HEADER] == "true" and body.count(b"\n") == 3
    _, headers, body = http_get(q(capped, "SELECT * WHERE { ?s ?p ?o } LIMIT 3"), "text/csv")
    assert TRUNCATED_HEADER not in headers and body.count(b"\r\n") == 4


# ---- the HTML page -------------------------------------------------------------------------------------
def test_home_page_escapes_what_it_echoes(endpoint):
    root = endpoint.rsplit("/sparql", 1)[0]
    evil = '</textarea><script>alert("x")</script>'
    status, headers, body = http_get(root + "/?" + urllib.parse.urlencode({"query": evil}),
                                     headers={"Host": 'evil"><img src=x onerror=alert(1)>'})
    page = body.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "SPARQL endpoint" in page and "read-only" in page
    assert "<script>" not in page and "<img" not in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert headers["X-Content-Type-Options"] == "nosniff"
    # a browser opening /sparql without a query gets the page too
    assert b"SPARQL endpoint" in http_get(endpoint, "text/html")[2]


# ---- logging, shutdown ------------------------------------------------------------------------------
def test_one_log_line_per_request(demo_store, caplog):
    server = make_server(demo_store, port=0)
    server.start_thread()
    with caplog.at_level(logging.INFO, logger="kgstudio.serve"):
        http_get(q(server.url, SIMPLE))
        http_get(server.url + "?query=nonsense")
        time.sleep(0.05)
    server.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "kgstudio.serve"]
    assert len(lines) == 2
    assert lines[0].startswith('127.0.0.1 "GET /sparql?query=SELECT') and " 200 " in lines[0]
    assert " 400 " in lines[1] and lines[1].endswith("ms")


def test_stop_is_graceful(demo_store):
    server = make_server(demo_store, port=0, query_timeout_s=1.0)
    server.start_thread()
    idle = socket.create_connection((server.host, server.port))  # an idle keep-alive client
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(r=http_get(q(server.url, PATHOLOGICAL))))
    worker.start()
    time.sleep(0.3)
    t0 = time.monotonic()
    server.stop()
    worker.join(10)
    assert outcome["r"][0] == 503  # the request in flight got its answer
    assert time.monotonic() - t0 < 5
    assert idle.recv(1) == b""  # the idle connection was closed, not left hanging
    idle.close()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1)


def test_make_server_refuses_a_busy_port(demo_store):
    from kg.errors import KGStudioError

    server = make_server(demo_store, port=0)
    try:
        with pytest.raises(KGStudioError, match="cannot listen"):
            make_server(demo_store, port=server.port)
    finally:
        server.stop()


def test_serve_workspace_and_sigterm(tmp_path):
    """`serve(workspace)` in a real process: settings, env token, SIGTERM ends it cleanly."""
    from kg.settings import DEFAULTS, to_toml
    from kg.workspace import CONFIG_NAME, Workspace

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = tmp_path / "ws"
    root.mkdir()
    # a bare workspace (no ontology needed here), settings as `kgstudio init` writes them
    (root / CONFIG_NAME).write_text(to_toml({**DEFAULTS, "serve.port": port, "serve.max_results": 1}),
                                    encoding="utf-8")
    env = {**os.environ, "KGSTUDIO_UPDATE_TOKEN": TOKEN}
    code = f"from studio.server import serve; serve({str(root)!r})"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=Path(__file__).parents[2],
                            stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/sparql"
        update = (f'INSERT DATA {{ GRAPH <{DEMO_GRAPH}> {{ <{C.mean}> <{SKOS.prefLabel}> "Mean"@en, '
                  f'"Média"@pt }} }}')
        for _ in range(150):
            try:
                status = http_post(url, update.encode(), "application/sparql-update",
                                   {"Authorization": f"Bearer {TOKEN}"})[0]
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert status == 204
        status, headers, body = http_get(q(url, "SELECT * WHERE { ?s ?p ?o }"), "text/csv")
        assert status == 200 and headers[TRUNCATED_HEADER] == "true" and body.count(b"\r\n") == 2
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err and "stopped" in err
    assert '"POST /sparql HTTP/1.1" 204' in err
    with Workspace(root).open_store() as store:  # the update was flushed and the lock released
        assert store.ask(f'ASK {{ <{C.mean}> <{SKOS.prefLabel}> "Média"@pt }}')


# ---- issue 18: every "Found" item, each followed by a fast ASK {} ----------------------------------
def alive(url: str) -> None:
    """The server still answers a fast query (within 5 s: workers killed by the test may
    still be being replaced)."""
    for _ in range(50):
        status, _, body = http_get(q(url, "ASK {}"), "application/sparql-results+json")
        if status != 503:
            break
        time.sleep(0.1)
    assert (status, json.loads(body)["boolean"]) == (200, True)


def raw_http(url: str, data: bytes, wait: float = 2.0) -> bytes:
    """Send raw bytes on a fresh connection; everything the server sends until it closes
    (or ``wait`` seconds pass)."""
    u = urllib.parse.urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=wait) as s:
        s.sendall(data)
        out = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except TimeoutError:
            pass
    return out


@pytest.fixture(scope="module")
def hardened(demo_store):
    """Small limits so each can be passed in a test: 2 workers, 1 s, 64 MB per query."""
    server = make_server(demo_store, port=0, query_timeout_s=1.0, max_results=1000, workers=2,
                         queue_wait_s=0.3, query_memory_mb=64, max_result_mb=0.002,
                         header_timeout_s=0.5, cors_origins=("https://app.example",))
    server.start_thread()
    yield server
    server.stop()


@pytest.mark.parametrize("name,query", [
    ("groups", "SELECT * WHERE " + "{" * 2500 + " ?s ?p ?o " + "}" * 2500),
    ("filter parentheses", "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 4796 + "?o" + ")" * 4796 + ") }"),
    ("1+1+...", "SELECT * WHERE { BIND(" + "+".join(["1"] * 6906) + " AS ?x) }"),
    ("OPTIONAL", "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 2616 + "}" * 2616 + " }"),
    ("path parentheses", "SELECT * WHERE { ?s " + "(" * 100_000 + "<http://p>" + ")" * 100_000 + " ?o }"),
])
def test_found_1_deep_queries_are_400_not_a_crash(endpoint, name, query):
    status, _, body = http_post(endpoint, query.encode(), "application/sparql-query")
    assert status == 400, name
    assert b"serve.max_depth" in body or b"serve.max_chain" in body
    alive(endpoint)


def test_found_1_big_body_is_413(endpoint):
    # answered from the headers, before any of the body is read
    out = raw_http(endpoint, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                   b"Content-Length: 1100000\r\n\r\nSELECT")
    assert out.startswith(b"HTTP/1.1 413") and b"serve.max_query_bytes" in out
    # a form parameter over the limit
    form = urllib.parse.urlencode({"query": "ASK {} #" + "x" * 1_100_000}).encode()
    status, _, body = http_post(endpoint, form, "application/x-www-form-urlencoded")
    assert status == 413 and b"serve.max_query_bytes" in body
    alive(endpoint)


def test_found_1_fuzz_random_deep_and_long_queries_never_kill_the_server(hardened):
    """About 60 random deep/long queries (a few seconds): only 200, 400 or 503, and the
    server and its workers go on."""
    import random
    rng = random.Random(18)
    pieces = [("{", "}"), ("OPTIONAL {", "}"), ("FILTER(", ")"), ("{ SELECT * WHERE {", "} }"),
              ("FILTER EXISTS {", "}"), ("[ <http://p>", "]")]
    seen = set()
    for i in range(60):
        n = rng.choice([rng.randint(1, 60), rng.randint(60, 3000)])
        if rng.random() < 0.5:
            open_, close = rng.choice(pieces)
            body = "?s ?p ?o" if open_.endswith("{") else "?o"
            query = "SELECT * WHERE { ?s ?p ?o " + (open_ + " ") * n + body + (" " + close) * n + " }"
        else:
            op = rng.choice(["+", "||", "/", "*"])
            query = "SELECT * WHERE { BIND(" + op.join(["1"] * n) + " AS ?x) }"
        status = http_post(hardened.url, query.encode(), "application/sparql-query")[0]
        seen.add(status)
        assert status in (200, 400, 503), (status, query[:80])
    assert 400 in seen and 200 in seen
    alive(hardened.url)


def _worker_pids(server) -> list[int]:
    return [w.proc.pid for w in server.pool.all]


def _cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_found_2_a_timeout_stops_the_work(hardened):
    """An ORDER BY over a cross product: 503 at the time limit, and within 1 s nothing is
    left computing (the worker was killed and replaced)."""
    slow = NEVER.replace("SELECT *", "SELECT ?a") + " ORDER BY DESC(?a)"
    workers = set(_worker_pids(hardened))
    t0 = time.monotonic()
    status, headers, body = http_get(q(hardened.url, slow), "text/csv")
    assert status == 503 and headers["Retry-After"] == "1" and b"query cut after 1 s" in body
    assert time.monotonic() - t0 < 3
    time.sleep(1.0)
    killed = [p for p in workers if not Path(f"/proc/{p}").exists()
              or "zombie" in Path(f"/proc/{p}/status").read_text()]
    assert len(killed) == 1   # the worker that ran it is gone: its CPU stopped with it
    survivors = [p for p in workers if p not in killed]
    before = sum(_cpu_s(p) for p in survivors)
    time.sleep(1.0)
    assert sum(_cpu_s(p) for p in survivors) - before < 0.3
    alive(hardened.url)


def test_found_2_a_cut_query_sent_again_does_not_run_again(hardened):
    """The same expensive query hammered: cut once, then refused at once for a while."""
    slow = NEVER.replace("SELECT *", "SELECT ?b") + " # hammered"
    status, _, body = http_get(q(hardened.url, slow), "text/csv")
    assert status == 503 and b"query cut after 1 s" in body
    for again in (slow, slow.replace(" ", "  ").replace("\n", " ")):
        t0 = time.monotonic()
        status, headers, body = http_get(q(hardened.url, again), "text/csv")
        assert status == 503 and b"not run again" in body and int(headers["Retry-After"]) >= 1
        assert time.monotonic() - t0 < 0.5
    alive(hardened.url)


def test_found_2_memory_limit_per_query(demo_store):
    """GROUP_CONCAT over a cross product grows past 64 MB: a clear 500, the server goes on."""
    server = make_server(demo_store, port=0, query_timeout_s=20.0, workers=1, query_memory_mb=64)
    server.start_thread()
    try:
        hog = ("SELECT (GROUP_CONCAT(CONCAT(STR(?a), STR(?c), STR(?f), STR(?i), STR(?l), STR(?d))) AS ?x) "
               "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")
        status, _, body = http_get(q(server.url, hog), "text/csv")
        assert status == 500 and b"serve.query_memory_mb" in body
        alive(server.url)
    finally:
        server.stop()


def test_found_2_bounded_concurrency_503_with_retry_after(hardened):
    """2 workers: at most 2 queries at full priority and 2 demoted slow ones run at once;
    of 6 slow queries sent together, the ones left waiting get 503 with Retry-After."""
    outcomes = []
    threads = [threading.Thread(target=lambda: outcomes.append(http_get(q(hardened.url, NEVER), "text/csv")))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    statuses = sorted(s for s, _, _ in outcomes)
    assert statuses == [503] * 6
    assert len(hardened.pool.all) <= 2 * 2 + 2   # workers, demoted ones, the spares
    busy = [h for s, h, b in outcomes if b"query workers are busy" in b]
    assert all(h["Retry-After"] == "1" for h in busy)
    # then the pool settles back: 2 idle workers and 2 spares, nothing left over
    pool = hardened.pool
    for _ in range(100):
        if (pool.idle.qsize(), len(pool.spares), len(pool.all), pool.extra, len(pool._dead)) == (2, 2, 4, 0, 0):
            break
        time.sleep(0.1)
    assert (pool.idle.qsize(), len(pool.spares), len(pool.all), pool.extra, len(pool._dead)) == (2, 2, 4, 0, 0)
    alive(hardened.url)


def test_found_2_results_are_capped_by_bytes(hardened):
    status, headers, body = http_get(q(hardened.url, "SELECT * WHERE { ?s ?p ?o }"),
                                     "application/sparql-results+json")
    assert status == 200 and headers[TRUNCATED_HEADER] == "true" and headers["X-KGStudio-Cut-By"] == "bytes"
    assert len(body) <= 0.002 * 1024 * 1024
    assert 0 < len(json.loads(body)["results"]["bindings"]) < 26   # still valid JSON


def test_found_2_slow_and_idle_connections_are_dropped(hardened):
    u = urllib.parse.urlsplit(hardened.url)
    with socket.create_connection((u.hostname, u.port), timeout=5) as s:
        s.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")   # headers never finish
        t0 = time.monotonic()
        assert s.recv(100) == b""
        assert time.monotonic() - t0 < 3
    alive(hardened.url)


class _Listener:
    """A loopback HTTP listener that counts requests and answers Turtle."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        hits = self.hits = []

        class H(BaseHTTPRequestHandler):
            def _answer(self):
                hits.append(self.command)
                body = b"<http://example.org/a> <http://example.org/p> <http://example.org/b> ."
                self.send_response(200)
                self.send_header("Content-Type", "text/turtle")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *a):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/x"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_found_3_no_ssrf(endpoint):
    listener = _Listener()
    try:
        closed = "http://127.0.0.1:9/x"   # nothing listens on the discard port
        for target in (listener.url, closed):
            for query in (f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
                          f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"):
                status, _, body = http_get(q(endpoint, query))
                assert status == 400 and b"serve.allowed_endpoints" in body
                assert b"refused" not in body.lower() and b"os error" not in body
        status, _, body = http_get(q(endpoint, "SELECT * WHERE { BIND(<http://x> AS ?e) SERVICE ?e { ?s ?p ?o } }"))
        assert status == 400 and b"?e" in body
        assert listener.hits == []
    finally:
        listener.close()
    alive(endpoint)


def test_found_3_load_obeys_the_allow_list_and_fetches_once(tmp_path):
    listener = _Listener()
    store = EmbeddedStore(tmp_path / "store")
    server = make_server(store, port=0, update_token=TOKEN, workers=1, allowed_endpoints=(listener.url,))
    server.start_thread()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        status, _, body = http_post(server.url, b"LOAD <http://127.0.0.1:9/other> INTO GRAPH <http://g>",
                                    "application/sparql-update", auth)
        assert status == 400 and b"serve.allowed_endpoints" in body
        status, _, _ = http_post(server.url, f"LOAD <{listener.url}> INTO GRAPH <http://g>".encode(),
                                 "application/sparql-update", auth)
        assert status == 204 and listener.hits == ["GET"]
        assert http_get(q(server.url, "ASK { GRAPH <http://g> { ?s ?p ?o } }"), "text/csv")[2] == b"true\r\n"
        alive(server.url)
    finally:
        server.stop()
        listener.close()
        store.close()


@pytest.mark.parametrize("on_disk", [True, False])
def test_found_4_an_update_is_evaluated_once(tmp_path, on_disk):
    """UUID() in an update: what the endpoint serves is what the store holds, after a
    restart too."""
    store = EmbeddedStore(tmp_path / "store" if on_disk else None)
    server = make_server(store, port=0, update_token=TOKEN, workers=1)
    server.start_thread()
    try:
        update = "INSERT { <http://x/s> <http://x/p> ?u ; <http://x/b> [] } WHERE { BIND(UUID() AS ?u) }"
        status = http_post(server.url, update.encode(), "application/sparql-update",
                           {"Authorization": f"Bearer {TOKEN}"})[0]
        assert status == 204
        served = http_get(q(server.url, "SELECT ?u ?b WHERE { <http://x/s> <http://x/p> ?u ; <http://x/b> ?b }"),
                          "text/tab-separated-values")[2]
    finally:
        server.stop()
    held = store.select("SELECT ?u ?b WHERE { <http://x/s> <http://x/p> ?u ; <http://x/b> ?b }")
    assert served == f"?u\t?b\n<{held[0]['u']}>\t_:{held[0]['b']}\n".encode()   # same UUID, same blank node
    assert store.count() == 2
    if on_disk:
        store.close()
        with EmbeddedStore(tmp_path / "store") as again:   # after a restart
            assert str(again.select("SELECT ?u WHERE { <http://x/s> <http://x/p> ?u }")[0]["u"]) == str(held[0]["u"])
    else:
        store.close()


def test_found_5_from_without_a_space_is_the_dataset(endpoint, demo_store):
    n_demo, n_all = demo_store.count(DEMO_GRAPH), demo_store.count()
    assert (n_demo, n_all) == (10, 30)
    count = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"
    demo = http_get(q(endpoint, count.format(**{"from": f"FROM <{DEMO_GRAPH}>"})), "text/csv")[2]
    tight = http_get(q(endpoint, count.format(**{"from": f"FROM<{DEMO_GRAPH}>"})), "text/csv")[2]
    union = http_get(q(endpoint, count.format(**{"from": ""})), "text/csv")[2]
    assert demo == tight == b"n\r\n10\r\n" and union == b"n\r\n30\r\n"
    # the protocol's dataset parameters
    via_param = http_get(q(endpoint, count.format(**{"from": ""}), **{"default-graph-uri": FILLER_GRAPH}), "text/csv")[2]
    assert via_param == b"n\r\n20\r\n"
    named = http_get(q(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                       **{"named-graph-uri": DEMO_GRAPH}), "text/csv")[2]
    assert named == f"g\r\n{DEMO_GRAPH}\r\n".encode()


def test_found_6_http_framing(hardened):
    url = hardened.url
    # a GET's body is not run as a second request
    smuggled = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"
    out = raw_http(url, b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nContent-Length: "
                   + str(len(smuggled)).encode() + b"\r\nConnection: close\r\n\r\n" + smuggled)
    assert out.count(b"HTTP/1.1 ") == 1 and out.startswith(b"HTTP/1.1 200")
    # two different Content-Lengths, a negative one
    for head in (b"Content-Length: 6\r\nContent-Length: 7\r\n", b"Content-Length: -5\r\n"):
        out = raw_http(url, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                       + head + b"\r\nASK {}")
        assert out.startswith(b"HTTP/1.1 400"), out[:100]
    # other methods: 405 with Allow
    for method in ("PUT", "DELETE", "PATCH"):
        out = raw_http(url, method.encode() + b" /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 405") and b"allow: GET, HEAD, POST, OPTIONS" in out.lower().replace(b"allow: get, head, post, options", b"allow: GET, HEAD, POST, OPTIONS")
    out = raw_http(url.replace("/sparql", "/elsewhere"), b"OPTIONS /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 404")
    alive(url)


def test_found_7_ill_typed_literals_do_not_flood_the_log(endpoint, caplog):
    def query(n):
        return ("SELECT ?x WHERE { VALUES ?i { " + " ".join(map(str, range(n))) + " } "
                "BIND(STRDT(\"x\", <http://www.w3.org/2001/XMLSchema#integer>) AS ?x) }")
    with caplog.at_level(logging.INFO):
        status, _, body = http_post(endpoint, query(2000).encode(), "application/sparql-query",
                                    {"Accept": "application/sparql-results+json"})
        assert status == 200 and body.count(b'"value":"x"') == 2000
        # the text table converts to rdflib, which warns about each such value: silenced
        status, _, body = http_post(endpoint, query(200).encode(), "application/sparql-query",
                                    {"Accept": "text/plain"})
        assert status == 200 and body.count(b"| x |") == 1 + 200   # the header, then the rows
        time.sleep(0.05)
    ours = [r for r in caplog.records if r.name != "uvicorn.access"]
    assert len(ours) == 2 and all(r.name == "kgstudio.serve" and not r.exc_info for r in ours)


def test_found_8_protocol_gaps(hardened, endpoint):
    # 406 decided before the query runs: a slow CONSTRUCT is refused at once
    slow_graph = "CONSTRUCT { ?a ?b ?c } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o }"
    t0 = time.monotonic()
    assert http_get(q(endpoint, slow_graph), "text/csv")[0] == 406
    assert time.monotonic() - t0 < 0.5
    # N-Quads and TriG for graphs
    for accept, ctype in (("application/n-quads", "application/n-quads"), ("application/trig", "application/trig")):
        status, headers, body = http_get(q(endpoint, CONSTRUCT_ONE), accept)
        assert (status, headers["Content-Type"]) == (200, ctype) and b"Variance" in body
    # RDF/XML cannot carry control characters: refused, not sent broken
    bad = 'CONSTRUCT { <http://x/s> <http://x/p> ?o } WHERE { BIND("a\\u0001b" AS ?o) }'
    status, _, body = http_get(q(endpoint, bad), "application/rdf+xml")
    assert status == 406 and b"U+0001" in body
    no_local_name = 'CONSTRUCT { <http://x/s> <http://example.org/123> "v" } WHERE {}'
    status, _, body = http_get(q(endpoint, no_local_name), "application/rdf+xml")
    assert status == 406 and b"<http://example.org/123>" in body
    status, _, body = http_get(q(endpoint, no_local_name.replace("123", "p123")), "application/rdf+xml")
    assert status == 200 and len(Graph().parse(data=body, format="xml")) == 1
    # a result over 256 KB is streamed, whole and valid
    big = ("SELECT ?i ?s WHERE { VALUES ?i { " + " ".join(map(str, range(3000))) + " } "
           'BIND(CONCAT("' + "x" * 100 + '", STR(?i)) AS ?s) }')
    status, headers, body = http_post(endpoint, big.encode(), "application/sparql-query")
    assert status == 200 and headers["X-KGStudio-Streamed"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == 3000
    # HEAD: the headers of the GET, no body
    out = raw_http(endpoint, b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200") and out.endswith(b"\r\n\r\n")
    # CORS only for the configured origin
    _, headers, _ = http_get(q(hardened.url, "ASK {}"), headers={"Origin": "https://app.example"})
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    _, headers, _ = http_get(q(hardened.url, "ASK {}"), headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in headers
    _, headers, _ = http_get(q(endpoint, "ASK {}"), headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in headers   # default: none
    alive(endpoint)
