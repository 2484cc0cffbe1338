"""Benchmark of ``kgstudio serve`` beside ``oxigraph serve`` (issue 18): a clean mix and a
hostile mix, on the same small generated store, loopback only, every loop bounded.

* clean mix: ``--clients`` keep-alive clients (``tests/support/loadgen.py``) for ``--seconds`` sending
  small lookups, first to ``oxigraph serve``, then at once to ``kgstudio serve`` over the
  same store folder (one after the other: the store's lock admits one writer; adjacent, so
  that the ratio compares like with like on a shared machine; the load average at the
  start and the end is recorded);
* hostile mix: the same clients with 5% of the requests (1 in 20) replaced by slow, huge
  and deep queries (an ``ORDER BY`` over a cross product, a ``COUNT`` over one, 2,500
  nested groups, a 6,906-term sum, a 60 KB query, a ``SERVICE`` to a loopback port);
  reports the fast queries' p50 (the hostile ones all end in 400 or 503, so the successes
  are the fast ones), the peak resident memory of the server and its workers, whether it
  still answers, and the CPU seconds its processes used in the 10 s after the load stopped (the
  last 503s; workers started meanwhile to replace killed ones are counted apart). ``serve_hostile_clients_*``: the same with 5% of the clients sending only hostile
  queries, back to back;
* the isolation cost: one query round trip through a worker process (pipes, JSON header)
  against the same query on pyoxigraph in this process, and the time to start a worker;

* the W3C SPARQL 1.1 query evaluation tests (``../shared/data/w3c-sparql11``, every
  ``mf:QueryEvaluationTest`` outside ``entailment/``): each test's data loaded, the query run on the store and
  through the endpoint (JSON and XML, GET and POST), each answer compared with the
  expected result as a bag with blank nodes unlabelled; ``w3c_query_pass_store`` and
  ``w3c_query_pass_endpoint`` count the tests passed (the endpoint must pass in all four
  ways), ``w3c_endpoint_only_fail`` lists tests the store passes and the endpoint fails.

Run: ``.venv/bin/python benchmarks/endpoint.py`` (about 3 minutes). Writes
``benchmarks/results/endpoint.json``.
"""
from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the project first: this folder holds a studio.py that would hide the studio package
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.append(str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402

from _common import write_results  # noqa: E402
from kg.iris import source_graph  # noqa: E402
from kg.synthetic import n_concepts_for, synthetic_curriculum  # noqa: E402
from tests.support.loadgen import run_load  # noqa: E402

SKOS = "http://www.w3.org/2004/02/skos/core#"
KGS = "https://w3id.org/kgstudio/ns#"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                r.read()
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def tree_pids(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in Path(f"/proc/{p}/task").iterdir():
                kids = (task / "children").read_text().split()
                todo.extend(int(k) for k in kids)
        except OSError:
            pass
    return out


def rss_mb(pids: list[int]) -> float:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_s(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) of each process."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            out[p] = (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError):
            pass
    return out


def cpu_used(before: dict[int, float], after: dict[int, float]) -> tuple[float, float]:
    """CPU used between two snapshots: (by the processes of the first one, by processes
    started in between: new workers replacing killed ones)."""
    old = sum(c - before[p] for p, c in after.items() if p in before)
    new = sum(c for p, c in after.items() if p not in before)
    return old, new


def hostile_queries() -> list[str]:
    return [
        "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY DESC(MD5(CONCAT(STR(?c), STR(?f), STR(?i))))",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
        "SELECT * WHERE " + "{" * 2500 + " ?s ?p ?o " + "}" * 2500,
        "SELECT * WHERE { BIND(" + "+".join(["1"] * 6906) + " AS ?x) }",
        "SELECT * WHERE { ?s ?p ?o } LIMIT 1 #" + "x" * 60_000,
        "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
    ]


def start_serve(ws_dir: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-c", f"from studio.server import serve; serve({str(ws_dir)!r}, port={port})"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def bench_isolation(store_path: Path, n: int = 300) -> dict:
    """A worker round trip against pyoxigraph in this process, and a worker's start."""
    from studio.server import ServeConfig, _Pool

    query = f"SELECT ?l WHERE {{ ?c <{SKOS}prefLabel> ?l }} LIMIT 5"
    st = ox.Store.read_only(str(store_path))
    t0 = time.perf_counter()
    for _ in range(n):
        list(st.query(query, use_default_graph_as_union=True))
    direct = (time.perf_counter() - t0) / n * 1000
    del st

    async def run():
        import json
        pool = _Pool(ServeConfig(workers=1, query_memory_mb=1024), lambda: {"path": str(store_path)})
        t = time.perf_counter()
        await pool.start()          # one worker and the spare, started together
        start_s = time.perf_counter() - t
        w = await pool.acquire()
        req = {"q": query, "f": "json", "k": "select", "u": True, "g": 0}
        payload = json.dumps(req).encode()
        t = time.perf_counter()
        for _ in range(n):
            w.proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
            await w.proc.stdin.drain()
            while (await w.frame())[0] != b"E":
                pass
        pooled = (time.perf_counter() - t) / n * 1000
        pool.release(w)
        await pool.close()
        return pooled, start_s

    pooled, start_s = asyncio.run(run())
    return {"isolation_direct_ms": round(direct, 3), "isolation_worker_ms": round(pooled, 3),
            "isolation_cost_ms": round(pooled - direct, 3), "worker_pool_start_s": round(start_s, 3)}


# ---- W3C conformance through the endpoint ------------------------------------------------------
def _key(t, strings: bool):
    from rdflib import BNode, Literal
    if t is None:
        return ""
    if isinstance(t, BNode):
        return "_:"
    if strings:
        return str(t)
    if isinstance(t, Literal):
        return ("L", str(t), t.language or "", str(t.datatype or ""))
    return ("I", str(t))


def _bag(rows, strings: bool = False):
    from collections import Counter
    return Counter(frozenset((str(v), _key(t, strings)) for v, t in row.items() if t is not None)
                   for row in rows)


def _rdflib_rows(result):
    return [{str(v): row[v] for v in result.vars if row[v] is not None} for row in result]


def _expected(path: Path):
    """("ask", bool) | ("select", bag, strings) | ("graph", rdflib.Graph) | None."""
    from rdflib import Graph
    from rdflib.query import Result
    fmt = {".srx": "xml", ".srj": "json", ".tsv": "tsv", ".csv": "csv"}.get(path.suffix)
    if fmt:
        r = Result.parse(path.open("rb"), format=fmt)
        if r.type == "ASK":
            return ("ask", bool(r.askAnswer))
        return ("select", _bag(_rdflib_rows(r), strings=fmt == "csv"), fmt == "csv")
    if path.suffix in (".ttl", ".rdf", ".nt"):
        g = Graph().parse(path, format={".ttl": "turtle", ".rdf": "xml", ".nt": "nt"}[path.suffix],
                          publicID=path.as_uri())
        if any("result-set" in str(o) or "ResultSet" in str(o) for o in g.objects()):
            return None   # DAWG result sets written in RDF: not compared
        return ("graph", g)
    return None


def _matches(expected, kind: str, payload) -> bool:
    from rdflib.compare import isomorphic
    if expected[0] == "ask":
        return kind == "ask" and payload == expected[1]
    if expected[0] == "select":
        return kind == "select" and _bag(payload, expected[2]) == expected[1]
    return kind == "graph" and isomorphic(payload, expected[1])


def w3c_cases(root: Path) -> list[dict]:
    from rdflib import Graph, Namespace, RDF
    MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
    cases = []
    for manifest in sorted(root.glob("*/manifest.ttl")):
        if manifest.parent.name == "entailment":   # needs an entailment regime: not this engine's
            continue
        g = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
        for test in g.subjects(RDF.type, MF.QueryEvaluationTest):
            action = g.value(test, MF.action)
            query = g.value(action, QT.query)
            result = g.value(test, MF.result)
            if query is None or result is None:
                continue

            def local(iri):
                return Path(urllib.parse.unquote(urllib.parse.urlsplit(str(iri)).path))
            cases.append({"name": f"{manifest.parent.name}/{str(test).rsplit('#', 1)[-1]}",
                          "query": local(query), "result": local(result),
                          "data": [local(d) for d in g.objects(action, QT.data)],
                          "graph_data": [(str(d), local(d)) for d in g.objects(action, QT.graphData)]})
    return cases


def bench_w3c(root: Path) -> dict:
    from rdflib import Graph
    from rdflib.query import Result
    from kg.store.base import has_dataset_clause
    from kg.store.embedded import EmbeddedStore
    from studio.server import make_server

    formats = {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML,
               ".nq": ox.RdfFormat.N_QUADS, ".trig": ox.RdfFormat.TRIG}
    store = EmbeddedStore(None)
    server = make_server(store, port=0, query_timeout_s=10.0, max_results=None, workers=2, max_result_mb=64)
    server.start_thread()
    cases = w3c_cases(root)
    passed_store = passed_endpoint = compared = 0
    endpoint_only_fail, store_only_fail = [], []
    try:
        for case in cases:
            try:
                expected = _expected(case["result"])
            except Exception:  # noqa: BLE001 - an expected file rdflib cannot read: not compared
                expected = None
            if expected is None:
                continue
            compared += 1
            raw = store.raw
            raw.clear()
            try:
                for path in case["data"]:
                    raw.load(path=str(path), format=formats[path.suffix], base_iri=path.as_uri())
                for iri, path in case["graph_data"]:
                    raw.load(path=str(path), format=formats[path.suffix], base_iri=path.as_uri(),
                             to_graph=ox.NamedNode(iri))
            except (SyntaxError, OSError, KeyError, ValueError):
                continue
            server._take_snapshot()
            server.pool.generation += 1
            text = case["query"].read_text(encoding="utf-8")
            try:   # the store itself: pyoxigraph, its own JSON/Turtle writers, the same parser
                r = raw.query(text, use_default_graph_as_union=not has_dataset_clause(text))
                if isinstance(r, ox.QueryBoolean):
                    ok_store = _matches(expected, "ask", bool(r))
                elif isinstance(r, ox.QueryTriples):
                    ok_store = _matches(expected, "graph", Graph().parse(
                        data=r.serialize(format=ox.RdfFormat.N_TRIPLES), format="nt"))
                else:
                    res = Result.parse(io.BytesIO(r.serialize(format=ox.QueryResultsFormat.JSON)), format="json")
                    ok_store = _matches(expected, "select", _rdflib_rows(res))
            except Exception:  # noqa: BLE001 - the store fails the test
                ok_store = False
            passed_store += ok_store
            ok_all = True
            for method in ("GET", "POST"):
                for accept, fmt in (("application/sparql-results+json, text/turtle;q=0.9", "json"),
                                    ("application/sparql-results+xml, text/turtle;q=0.9", "xml")):
                    try:
                        if method == "GET":
                            req = urllib.request.Request(server.url + "?" + urllib.parse.urlencode({"query": text}),
                                                         headers={"Accept": accept})
                        else:
                            req = urllib.request.Request(server.url, data=text.encode(), headers={
                                "Accept": accept, "Content-Type": "application/sparql-query"})
                        with urllib.request.urlopen(req, timeout=30) as resp:
                            body, ctype = resp.read(), resp.headers["Content-Type"]
                        if ctype.startswith("text/turtle"):
                            ok = _matches(expected, "graph", Graph().parse(data=body, format="turtle"))
                        else:
                            res = Result.parse(io.BytesIO(body), format=fmt)
                            ok = (_matches(expected, "ask", bool(res.askAnswer)) if res.type == "ASK"
                                  else _matches(expected, "select", _rdflib_rows(res)))
                    except Exception:  # noqa: BLE001 - an error answer fails the test
                        ok = False
                    ok_all = ok_all and ok
            passed_endpoint += ok_all
            if ok_store and not ok_all:
                endpoint_only_fail.append(case["name"])
            if ok_all and not ok_store:
                store_only_fail.append(case["name"])
    finally:
        server.stop()
        store.close()
    return {"w3c_query_tests": len(cases), "w3c_query_compared": compared,
            "w3c_query_pass_store": passed_store, "w3c_query_pass_endpoint": passed_endpoint,
            "w3c_endpoint_only_fail": endpoint_only_fail, "w3c_store_only_fail": store_only_fail}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--triples", type=int, default=50_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=2.0, help="serve.query_timeout_s")
    ap.add_argument("--only-w3c", action="store_true", help="only the W3C conformance run")
    args = ap.parse_args()
    args.seconds = min(args.seconds, 60.0)

    from kg.settings import DEFAULTS, to_toml
    from kg.workspace import CONFIG_NAME, Workspace

    metrics: dict = {"clients": args.clients, "seconds": args.seconds, "workers": args.workers,
                     "query_timeout_s": args.timeout, "load_avg_1m_start": round(os.getloadavg()[0], 2)}
    w3c_root = Path(os.environ.get("KGSTUDIO_SHARED", ROOT.parent / "shared")) / "data" / "w3c-sparql11"
    if w3c_root.exists():
        t = time.perf_counter()
        metrics.update(bench_w3c(w3c_root))
        print("w3c:", {k: v for k, v in metrics.items() if k.startswith("w3c")},
              f"({time.perf_counter() - t:.0f} s)", flush=True)
    else:
        print(f"{w3c_root} is missing: no W3C conformance run", flush=True)
    if args.only_w3c:
        print(metrics)
        return
    ws_dir = Path(tempfile.mkdtemp(prefix="kgs-endpoint-"))
    try:
        ws = Workspace.init(ws_dir)
        nt = synthetic_curriculum(n_concepts_for(args.triples), seed=7).encode()
        with ws.open_store() as store:
            store.replace_graphs({str(source_graph("synthetic")): nt})
            metrics["triples"] = store.count()
            concepts = [str(r["c"]) for r in store.select(f"SELECT ?c WHERE {{ ?c a <{KGS}Concept> }} LIMIT 200")]
        (ws_dir / CONFIG_NAME).write_text(to_toml({**DEFAULTS, "serve.query_timeout_s": args.timeout,
                                                   "serve.workers": args.workers}), encoding="utf-8")
        clean = [f"SELECT ?p ?o WHERE {{ <{c}> ?p ?o }}" for c in concepts[:40]] + [
            f"SELECT ?c ?l WHERE {{ ?c a <{SKOS}Concept> ; <{SKOS}prefLabel> ?l }} LIMIT 20",
            f"ASK {{ <{concepts[0]}> ?p ?o }}"]
        metrics.update(bench_isolation(ws.store_path))
        print("isolation:", {k: v for k, v in metrics.items() if k.startswith(("isolation", "worker"))}, flush=True)

        # ---- oxigraph serve on the same store, just before kgstudio serve's clean run ----
        port = free_port()
        oxi = Path(sys.executable).with_name("oxigraph")
        proc = subprocess.Popen([str(oxi), "serve", "--location", str(ws.store_path), "--bind",
                                 f"127.0.0.1:{port}", "--union-default-graph"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
            r = run_load(f"http://127.0.0.1:{port}/query", clean, clients=args.clients, seconds=args.seconds)
            metrics.update(oxigraph_serve_50c_rps=r["requests_per_s"], oxigraph_serve_50c_p50_ms=r["p50_ms"],
                           oxigraph_serve_50c_p99_ms=r["p99_ms"], oxigraph_serve_50c_errors=r["errors"])
            print("oxigraph serve clean:", r, flush=True)
        finally:
            proc.terminate()
            proc.wait(30)
        # ---- kgstudio serve: clean, then hostile --------------------------------------------
        port = free_port()
        url = f"http://127.0.0.1:{port}/sparql"
        proc = start_serve(ws_dir, port)
        try:
            wait_http(url + "?query=ASK%7B%7D")
            r = run_load(url, clean, clients=args.clients, seconds=args.seconds)
            metrics.update(serve_50c_rps=r["requests_per_s"], serve_50c_p50_ms=r["p50_ms"],
                           serve_50c_p99_ms=r["p99_ms"], serve_50c_errors=r["errors"])
            print("serve clean:", r, flush=True)

            def hostile_run(mixes: list[tuple[list[str], int]]) -> tuple[list[dict], float, float, bool]:
                """Run load mixes at once; (their stats, peak RSS MB of the server and its
                workers, (CPU s its processes used in the 10 s after the load, CPU s of
                workers started meanwhile), still answering)."""
                results: list = [None] * len(mixes)
                peak = [0.0]
                done = threading.Event()

                def sample():
                    while not done.is_set():
                        peak[0] = max(peak[0], rss_mb(tree_pids(proc.pid)))
                        time.sleep(0.2)

                def one(k, queries, n):
                    results[k] = run_load(url, queries, clients=n, seconds=args.seconds, timeout_s=30)

                threads = [threading.Thread(target=sample, daemon=True)] + [
                    threading.Thread(target=one, args=(k, qs, n)) for k, (qs, n) in enumerate(mixes)]
                for t in threads:
                    t.start()
                for t in threads[1:]:
                    t.join()
                done.set()
                threads[0].join()
                after_503 = cpu_s(tree_pids(proc.pid))   # the last hostile answers just went out
                time.sleep(10)
                mid = cpu_s(tree_pids(proc.pid))
                cpu_after, respawn = cpu_used(after_503, mid)
                time.sleep(10)   # and the 10 s after that: nothing may still be working
                later = sum(cpu_used(mid, cpu_s(tree_pids(proc.pid))))
                try:
                    with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=10) as resp:
                        ok = resp.status == 200 and proc.poll() is None
                except (urllib.error.URLError, ConnectionError):
                    ok = False
                return results, peak[0], (cpu_after, respawn, later), ok

            # (1) the hostile mix: every client, 5% of its requests hostile (1 in 20).
            # The hostile ones all end in 400 or 503, so the successes are the fast queries.
            hostile = hostile_queries()
            mixed = []
            for k in range(len(hostile)):
                mixed += clean[(19 * k) % len(clean):][:19] or clean[:19]
                mixed.append(hostile[k])
            (r,), peak, cpu_after, ok = hostile_run([(mixed, args.clients)])
            print("serve hostile (5% of requests):", r, flush=True)
            metrics.update(serve_hostile_fast_p50_ms=r["p50_ms"], serve_hostile_fast_p99_ms=r["p99_ms"],
                           serve_hostile_fast_rps=r["requests_per_s"],
                           serve_hostile_refused_or_cut=r["errors"],
                           serve_hostile_rss_peak_mb=round(peak, 1),
                           serve_hostile_crashes=int(not ok),
                           serve_cpu_after_timeouts_s=round(cpu_after[0], 2),
                           serve_respawn_cpu_after_timeouts_s=round(cpu_after[1], 2),
                           serve_cpu_10_to_20s_after_timeouts_s=round(cpu_after[2], 2))
            # (2) 5% of the clients send only hostile queries, back to back
            n_hostile = max(1, round(args.clients * 0.05))
            (fast, bad), peak, cpu_after, ok = hostile_run([(clean, args.clients - n_hostile),
                                                            (hostile, n_hostile)])
            print("serve hostile (5% of clients):", fast, bad, flush=True)
            metrics.update(serve_hostile_clients_fast_p50_ms=fast["p50_ms"],
                           serve_hostile_clients_fast_p99_ms=fast["p99_ms"],
                           serve_hostile_clients_fast_errors=fast["errors"],
                           serve_hostile_clients_rss_peak_mb=round(peak, 1),
                           serve_hostile_clients_crashes=int(not ok),
                           serve_hostile_clients_cpu_after_s=round(cpu_after[0], 2),
                           serve_hostile_clients_cpu_10_to_20s_after_s=round(cpu_after[2], 2))
        finally:
            stop(proc)

        metrics["serve_vs_oxigraph_rps"] = round(metrics["serve_50c_rps"] / metrics["oxigraph_serve_50c_rps"], 2)
        metrics["serve_vs_oxigraph_p50"] = round(metrics["serve_50c_p50_ms"] / metrics["oxigraph_serve_50c_p50_ms"], 2)
        metrics["hostile_vs_clean_fast_p50"] = round(metrics["serve_hostile_fast_p50_ms"] / metrics["serve_50c_p50_ms"], 2)
    finally:
        shutil.rmtree(ws_dir, ignore_errors=True)
    metrics["load_avg_1m_end"] = round(os.getloadavg()[0], 2)
    out = write_results("endpoint", metrics)
    for k, v in metrics.items():
        print(f"{k:32} {v}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
