"""The endpoint's hot path (issue 18, throughput) and the quarantine of cut queries.

* pyoxigraph's own JSON/TSV writers, used when a result fits the caps, give exactly the
  bytes of the project's streaming writer, and step aside when a cap could bite;
* the guard's verdict is cached per text, and a cached refusal is still a refusal;
* headers and body of a response go out in one write;
* a cut query is remembered by its normalised text only: the same query with other
  whitespace or comments is refused for a while, any other query runs; a query cut while
  its worker got no CPU is not remembered; an ordinary query is never refused by the
  quarantine while the pool is busy with hostile ones (it waits, or gets 503 "busy" with
  Retry-After); the wait queue is bounded.

No wall-clock assertions: the timeouts below only keep a broken server from hanging the run.
"""
from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import threading
import time

import pyoxigraph as ox
import pytest

from kg.sparql_guard import normalise
from studio import server as S
from studio.server import ServeConfig, make_server
from tests.studio.test_server import NEVER, SIMPLE, alive, demo_store, http_get, q  # noqa: F401 - a fixture

X = "http://www.w3.org/2001/XMLSchema#"
QUARANTINED = b"is not run again"


@pytest.fixture(scope="module")
def tricky():
    st = ox.Store()
    terms = [ox.NamedNode("http://e/a,b"), ox.NamedNode("http://e/\u00fc"), ox.BlankNode("b1"),
             ox.Literal("plain"), ox.Literal('q"uo,te\nnl\ttab\r'), ox.Literal("h\u00e9", language="fr"),
             ox.Literal("12", datatype=ox.NamedNode(X + "integer")),
             ox.Literal("-1.5", datatype=ox.NamedNode(X + "decimal")),
             ox.Literal("1e3", datatype=ox.NamedNode(X + "double")),
             ox.Literal("true", datatype=ox.NamedNode(X + "boolean")),
             ox.Literal("abc", datatype=ox.NamedNode(X + "integer")),
             ox.Literal("2020-01-01", datatype=ox.NamedNode(X + "date")),
             ox.Literal("\\back\\slash"), ox.Literal("emoji \U0001F600 \u2028 \x01"), ox.Literal("")]
    for i, t in enumerate(terms):
        st.add(ox.Quad(ox.NamedNode(f"http://e/s{i:02d}"), ox.NamedNode("http://e/p"), t))
    return st


def _ours(res, fmt: str, max_rows=None, max_bytes=None) -> bytes:
    parts: list[bytes] = []
    out = S._Out(lambda kind, b: parts.append(b), max_bytes)
    S._write_select(res, fmt, out, max_rows)
    return b"".join(parts) + b"".join(out.buf)


@pytest.mark.parametrize("fmt", ["json", "tsv"])
@pytest.mark.parametrize("query", [
    "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s",
    "SELECT ?o ?x WHERE { ?s ?p ?o OPTIONAL { ?s <http://no> ?x } } ORDER BY ?s",
    "SELECT ?x WHERE { FILTER(false) }",
    "SELECT * WHERE { }",
])
def test_pyoxigraph_writers_give_our_bytes(tricky, fmt, query):
    fast = S._fast_select(tricky.query(query), fmt, 1000, 1_000_000)
    assert fast is not None
    assert fast == _ours(tricky.query(query), fmt)


def test_csv_stays_with_our_writer():
    # pyoxigraph's CSV leaves an IRI holding a comma unquoted: not used
    assert "csv" not in S._FAST_FORMATS


def test_fast_writer_steps_aside_when_a_cap_could_bite(tricky):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert S._fast_select(tricky.query(query), "json", 5, None) is None          # 15 rows > 5
    assert S._fast_select(tricky.query(query), "json", 1000, 200) is None        # over 200 bytes
    # under 3 bytes a row there cannot be more than max_rows rows: served as is
    whole = S._fast_select(tricky.query(query), "json", 1000, None)
    assert whole is not None and whole.count(b'"s":') == 15


def test_normalise_keeps_strings_and_drops_layout():
    assert normalise("SELECT  *\nWHERE{ ?s ?p 'a  b' } # comment") == "SELECT * WHERE { ?s ?p 'a  b' }"
    assert normalise("ASK {\"#x\"} #y\r?z") == 'ASK { "#x" } ?z'
    assert normalise("SELECT * { ?s ?p 'a b' }") != normalise("SELECT * { ?s ?p 'a  b' }")


def test_joined_writes_send_headers_with_the_body():
    class T:
        def __init__(self):
            self.sent = []
            self.closed = False

        def write(self, data):
            self.sent.append(data)

        def close(self):
            self.closed = True

        def is_closing(self):
            return self.closed

    t = T()
    j = S._JoinedWrites(t)
    j.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n")
    assert t.sent == []
    j.write(b"ok")
    assert t.sent == [b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"]
    j.write(b"HTTP/1.1 100 Continue\r\n\r\n")             # not a response's head: at once
    assert t.sent[-1] == b"HTTP/1.1 100 Continue\r\n\r\n"
    j.write(b"HTTP/1.1 204 No Content\r\n\r\n")           # no body (HEAD, 204): on close
    j.close()
    assert t.sent[-1] == b"HTTP/1.1 204 No Content\r\n\r\n" and t.closed


def test_the_wait_queue_is_bounded():
    async def run():
        pool = S._Pool(ServeConfig(workers=1, max_queue=2, queue_wait_s=5.0), lambda: {})
        pool.waiting = 2          # two queries already wait, and no worker is free
        with pytest.raises(S._HTTPError) as e:
            await asyncio.wait_for(pool.acquire(), 10)
        return e.value
    # in a thread of its own: an earlier test of the suite may leave this thread's loop running
    with concurrent.futures.ThreadPoolExecutor(1) as ex:
        err = ex.submit(asyncio.run, run()).result(timeout=30)
    assert err.status == 503 and err.headers == {"Retry-After": "1"} and b"wait" in err.message.encode()


# ---- through the endpoint ------------------------------------------------------------------------
@pytest.fixture
def quarantine_server(demo_store):
    server = make_server(demo_store, port=0, query_timeout_s=1.0, max_results=1000, workers=1,
                         queue_wait_s=3.0)
    server.start_thread()
    yield server
    server.stop()


def test_guard_verdicts_are_cached_and_still_refuse(quarantine_server):
    deep = "SELECT * WHERE " + "{" * 100 + "}" * 100
    for _ in range(2):
        status, _, body = http_get(q(quarantine_server.url, deep), "text/csv")
        assert status == 400 and b"serve.max_depth" in body
    assert quarantine_server._verdicts[deep].error is not None
    assert http_get(q(quarantine_server.url, SIMPLE), "text/csv")[0] == 200
    assert quarantine_server._verdicts[SIMPLE].scan.form == "SELECT"


def test_quarantine_is_the_normalised_text_only(quarantine_server):
    url = quarantine_server.url
    slow = NEVER.replace("SELECT *", "SELECT ?c")
    status, _, body = http_get(q(url, slow), "text/csv")
    assert status == 503 and b"query cut after 1 s" in body
    for same in (slow, slow.replace(" ", "   ").replace("\n", " ") + "  # again"):
        status, headers, body = http_get(q(url, same), "text/csv")
        assert status == 503 and QUARANTINED in body and int(headers["Retry-After"]) >= 1
    # the same shape is another query: it runs (and is cut in its turn, not refused)
    other = slow.replace("SELECT ?c", "SELECT ?f")
    status, _, body = http_get(q(url, other), "text/csv")
    assert status == 503 and b"query cut after 1 s" in body and QUARANTINED not in body
    # and so does the same text over another protocol dataset
    status, _, body = http_get(q(url, slow, **{"default-graph-uri": "http://example.org/none"}), "text/csv")
    assert status == 200 and QUARANTINED not in body
    alive(url)


def test_a_query_cut_while_its_worker_got_no_cpu_is_not_remembered(quarantine_server):
    """A quick query whose worker is stopped (as if the machine were too busy to run it) is
    cut at the time limit; sent again it runs: only a query that used its CPU is remembered."""
    server = quarantine_server
    fresh = SIMPLE + " # never answered before"   # not protected as an ordinary query yet
    pool = server.pool
    for _ in range(200):   # wait for the one worker to be idle
        if pool.idle.qsize() == 1:
            break
        time.sleep(0.05)
    worker = pool.idle._queue[0]
    os.kill(worker.proc.pid, signal.SIGSTOP)
    try:
        status, _, body = http_get(q(server.url, fresh), "text/csv")
    finally:
        try:
            os.kill(worker.proc.pid, signal.SIGCONT)
        except ProcessLookupError:
            pass
    assert status == 503 and b"query cut after 1 s" in body
    assert server._cut == {}
    status, _, body = http_get(q(server.url, fresh), "text/csv")
    assert status == 200 and b"concept/mean" in body


def test_a_query_answered_in_time_is_never_remembered_as_cut(quarantine_server):
    """An ordinary query, answered before, cut once on a busy moment (here: its worker made
    to look busy) is not refused when sent again."""
    server = quarantine_server
    ordinary = SIMPLE + " # ordinary"
    assert http_get(q(server.url, ordinary), "text/csv")[0] == 200
    verdict = server._verdicts[ordinary]
    assert not server._worth_remembering(verdict, 5.0)          # used CPU, but answered lately
    fresh = server._verdict(SIMPLE + " # fresh")
    assert not server._worth_remembering(fresh, 0.001)          # starved: no CPU used
    assert server._worth_remembering(fresh, 0.5)                # new, and it worked: remembered


def test_an_ordinary_query_is_never_refused_while_hostile_ones_fill_the_pool(quarantine_server):
    """Hostile clients send cut-worthy queries back to back (each new, so none is
    remembered before it runs) while an ordinary client asks a quick query: each answer is
    200, or 503 'busy' with Retry-After, never the quarantine's refusal."""
    url = quarantine_server.url
    stop = threading.Event()
    hostile_answers: list[int] = []

    def hostile(k: int):
        i = 0
        while not stop.is_set() and i < 6:
            query = NEVER.replace('"x"', f'"x{k}-{i}"')   # a new query each time
            hostile_answers.append(http_get(q(url, query), "text/csv")[0])
            i += 1

    threads = [threading.Thread(target=hostile, args=(k,), daemon=True) for k in range(3)]
    for t in threads:
        t.start()
    answers = []
    try:
        for _ in range(12):
            status, headers, body = http_get(q(url, SIMPLE), "text/csv")
            answers.append(status)
            assert QUARANTINED not in body
            assert status == 200 or (status == 503 and b"busy" in body and headers["Retry-After"] == "1"), body
            time.sleep(0.1)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert 200 in answers
    assert 503 in hostile_answers   # the hostile ones were cut meanwhile
    alive(url)


RDF12_SELECT = ('SELECT ?x ?t WHERE { BIND("x"@ar--rtl AS ?x) '
                'BIND(<<( <http://a> <http://b> "y"@en--ltr )>> AS ?t) }')
RDF12_CONSTRUCT = ('CONSTRUCT { <http://s> <http://p> "x"@ar--rtl . '
                   '<http://s> <http://q> <<( <http://a> <http://b> <http://c> )>> } WHERE {}')


@pytest.mark.parametrize("accept,expected", [
    ("application/sparql-results+json", b'"xml:lang":"ar","its:dir":"rtl"'),
    ("application/sparql-results+xml", b'xml:lang="ar" its:dir="rtl"'),
    ("text/tab-separated-values", b'"x"@ar--rtl\t<<( <http://a> <http://b> "y"@en--ltr )>>'),
    ("text/plain", b'"x"@ar--rtl'),
])
def test_rdf12_terms_are_served_with_their_direction(quarantine_server, accept, expected):
    status, _, body = http_get(q(quarantine_server.url, RDF12_SELECT), accept)
    assert status == 200 and expected in body


def test_rdf12_graph_served_or_refused_with_a_406(quarantine_server):
    status, _, body = http_get(q(quarantine_server.url, RDF12_CONSTRUCT), "text/turtle")
    assert status == 200 and b'"x"@ar--rtl' in body and b"<<( <http://a> <http://b> <http://c> )>>" in body
    status, _, body = http_get(q(quarantine_server.url, RDF12_CONSTRUCT), "application/ld+json")
    assert status == 406 and b"JSON-LD cannot carry the RDF 1.2 terms" in body
    alive(quarantine_server.url)
