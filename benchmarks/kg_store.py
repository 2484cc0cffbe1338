"""Benchmark of the knowledge-graph store (issue 2).

On a generated curriculum graph (``kg.synthetic``, 1M triples by default):

* import throughput of kgstudio's load path (``Store.replace_graphs``: atomic, bulk path
  for new graphs) vs pyoxigraph's raw ``bulk_load`` of the same N-Triples (the limit of
  this stack) vs rdflib's in-memory ``Graph.parse``;
* 2-hop ``kg.neighbourhood`` latency (p50/p95) on the embedded store and on rdflib (the
  same function over an rdflib-backed store, i.e. the same SPARQL queries);
* SHACL validation and OWL reasoning, timed separately on the real OpenStax books, and the
  whole import of each book (parse + validate + write);
* ``kgstudio serve`` under 50 concurrent clients for 60 s (p50/p99, errors), beside a plain
  ``oxigraph serve`` of the same store.

Run: ``.venv/bin/python benchmarks/kg_store.py`` (``--quick`` for a small smoke run).
Writes ``benchmarks/results/kg_store.json`` and prints a table.
"""
from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyoxigraph as ox  # noqa: E402
from rdflib import Graph  # noqa: E402

from _common import SHARED, percentile, table, write_results  # noqa: E402
from kg.iris import source_graph  # noqa: E402
from kg.neighbourhood import neighbourhood  # noqa: E402
from kg.store.base import AskResult, GraphResult, SelectResult, Store  # noqa: E402
from kg.store.embedded import EmbeddedStore  # noqa: E402
from kg.synthetic import n_concepts_for, synthetic_curriculum  # noqa: E402


class RdflibStore(Store):
    """Read-only Store over an rdflib Graph, so kg.neighbourhood runs unchanged on rdflib."""

    kind = "rdflib"

    def __init__(self, graph: Graph):
        self.g = graph

    def query(self, sparql, *, timeout=None, max_results=None, union_default_graph=True):
        res = self.g.query(sparql)
        if res.type == "ASK":
            return AskResult(bool(res.askAnswer))
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            return SelectResult(variables, [tuple(row) for row in res])
        return GraphResult(list(res))

    def named_graphs(self):
        return []

    def graph_triples(self, graph):
        raise NotImplementedError

    def count(self, graph=None):
        return len(self.g)

    def dump(self, graph=None, fmt="nquads"):
        raise NotImplementedError

    def update(self, sparql):
        raise NotImplementedError

    def replace_graphs(self, graphs):
        raise NotImplementedError

    def add_to_graph(self, graph, ntriples):
        raise NotImplementedError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60) -> None:
    end = time.time() + seconds
    while time.time() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def _timed_load(load) -> float:
    """Seconds ``load(store_dir)`` takes on a fresh on-disk store (flush included)."""
    d = tempfile.mkdtemp(prefix="kgs-bench-")
    try:
        t = time.perf_counter()
        load(d)
        return time.perf_counter() - t
    finally:
        gc.collect()
        shutil.rmtree(d, ignore_errors=True)


def bench_import(nt: bytes, graph: str, n: int) -> dict:
    g = ox.NamedNode(graph)

    def ours(d):  # kgstudio's load path (atomic; bulk path for a new graph)
        store = EmbeddedStore(d)
        store.replace_graphs({graph: nt})
        store.close()

    def raw_bulk(d):  # the limit of this stack
        raw = ox.Store(d)
        raw.bulk_load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
        raw.flush()

    def raw_transactional(d):  # what an atomic load costs without the bulk path
        raw = ox.Store(d)
        raw.load(nt, format=ox.RdfFormat.N_TRIPLES, to_graph=g)
        raw.flush()

    out = {}
    out["import_s"] = _timed_load(ours)
    out["import_triples_per_s"] = n / out["import_s"]
    out["raw_bulk_s"] = _timed_load(raw_bulk)
    out["raw_bulk_triples_per_s"] = n / out["raw_bulk_s"]
    out["raw_transactional_triples_per_s"] = n / _timed_load(raw_transactional)
    return out


def bench_neighbourhood(store: Store, centres: list[str], warm: int = 5) -> list[float]:
    for c in centres[:warm]:
        neighbourhood(store, c, hops=2, max_nodes=50)
    times = []
    for c in centres:
        t = time.perf_counter()
        neighbourhood(store, c, hops=2, max_nodes=50)
        times.append((time.perf_counter() - t) * 1000)
    return times


def bench_openstax(metrics: dict, rows: list) -> None:
    from kg.importing import parse_sources, write_results as write
    for key, folder in (("psychology", "openstax-psychology-2e"),
                        ("statistics", "openstax-introductory-statistics-2e")):
        path = SHARED / "data" / "curricula" / folder
        if not path.exists():
            print(f"skip {folder}: {path} missing")
            continue
        d = tempfile.mkdtemp(prefix="kgs-bench-")
        store = EmbeddedStore(d)
        t0 = time.perf_counter()
        results = parse_sources([path], validate=False)
        t1 = time.perf_counter()
        from ontology.validation import validate
        report = validate(results[0].graph)
        t2 = time.perf_counter()
        write(store, results)
        t3 = time.perf_counter()
        n = len(results[0].graph)
        metrics[f"openstax_{key}_import_s"] = t3 - t0
        metrics[f"openstax_{key}_parse_s"] = t1 - t0
        metrics[f"openstax_{key}_shacl_s"] = t2 - t1
        metrics[f"openstax_{key}_write_s"] = t3 - t2
        metrics[f"openstax_{key}_triples"] = n
        reason_s = None
        try:
            from kg.reasoning import reason_store
            t4 = time.perf_counter()
            reason_store(store)
            reason_s = time.perf_counter() - t4
            metrics[f"openstax_{key}_reason_s"] = reason_s
        except Exception as e:  # reported, not hidden
            print(f"reasoning on {folder} failed: {e}")
        rows.append([f"import OpenStax {key} ({n:,} triples)",
                     f"{t3 - t0:.1f} s (parse {t1 - t0:.1f}, SHACL {t2 - t1:.1f} {'ok' if report.conforms else 'FAILED'}, write {t3 - t2:.2f})"
                     + (f"; reasoning {reason_s:.1f} s" if reason_s is not None else ""), "", ""])
        store.close()
        shutil.rmtree(d)


def bench_serve(store_dir: Path, workspace: Path, clients: int, seconds: float, queries: list[str]) -> dict:
    from tests.support.loadgen import run_load
    out = {}
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("kgstudio")), "serve", "-w", str(workspace),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D")
        r = run_load(f"http://127.0.0.1:{port}/sparql", queries, clients=clients, seconds=seconds)
        out.update(serve_50c_p50_ms=r["p50_ms"], serve_50c_p99_ms=r["p99_ms"],
                   serve_50c_errors=r["errors"], serve_50c_requests=r["requests"])
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    port = free_port()
    oxi = Path(sys.executable).with_name("oxigraph")
    proc = subprocess.Popen([str(oxi), "serve-read-only", "--location", str(store_dir), "--bind",
                             f"127.0.0.1:{port}", "--union-default-graph"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D")
        r = run_load(f"http://127.0.0.1:{port}/query", queries, clients=clients, seconds=seconds)
        out.update(oxigraph_serve_50c_p50_ms=r["p50_ms"], oxigraph_serve_50c_p99_ms=r["p99_ms"],
                   oxigraph_serve_50c_errors=r["errors"], oxigraph_serve_50c_requests=r["requests"])
    finally:
        proc.terminate()
        proc.wait()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--samples", type=int, default=300, help="neighbourhood queries timed")
    ap.add_argument("--quick", action="store_true", help="100k triples, 10 s load: a smoke run")
    ap.add_argument("--no-rdflib", action="store_true")
    args = ap.parse_args()
    if args.quick:
        args.triples, args.seconds, args.samples = 100_000, 10, 100

    metrics: dict = {}
    rows: list = []
    source = "synthetic"
    graph = str(source_graph(source))
    print(f"generating a curriculum graph of about {args.triples:,} triples ...", flush=True)
    nt = synthetic_curriculum(n_concepts_for(args.triples), seed=7, source=source).encode("utf-8")
    n = nt.count(b"\n")
    metrics["triples"] = n
    print(f"{n:,} triples, {len(nt) / 1e6:.0f} MB of N-Triples", flush=True)

    imp = bench_import(nt, graph, n)
    metrics.update(imp)

    # rdflib import + neighbourhood
    if not args.no_rdflib:
        gc.collect()
        t = time.perf_counter()
        g = Graph()
        g.parse(data=nt, format="nt")
        metrics["rdflib_import_triples_per_s"] = n / (time.perf_counter() - t)

    # the workspace used for the neighbourhood and serve benchmarks
    ws_dir = Path(tempfile.mkdtemp(prefix="kgs-bench-ws-"))
    from kg.workspace import Workspace
    ws = Workspace.init(ws_dir)
    store = ws.open_store()
    store.replace_graphs({graph: nt})
    concepts = [r["c"] for r in store.select(
        "SELECT ?c WHERE { ?c a <https://w3id.org/kgstudio/ns#Concept> }")]
    rng = random.Random(1)
    centres = [str(rng.choice(concepts)) for _ in range(args.samples)]
    times = bench_neighbourhood(store, centres)
    metrics["nbhd2_disk_p50_ms"] = percentile(times, 0.5)
    metrics["nbhd2_disk_p95_ms"] = percentile(times, 0.95)
    store.close()
    # what kgstudio serve and the studio read from: the in-memory mirror of the same store
    t = time.perf_counter()
    store = ws.open_store(in_memory=True)
    metrics["mirror_load_s"] = time.perf_counter() - t
    times = bench_neighbourhood(store, centres)
    metrics["nbhd2_p50_ms"] = percentile(times, 0.5)
    metrics["nbhd2_p95_ms"] = percentile(times, 0.95)
    if not args.no_rdflib:
        rtimes = bench_neighbourhood(RdflibStore(g), centres[: max(20, args.samples // 10)], warm=2)
        metrics["rdflib_nbhd2_p50_ms"] = percentile(rtimes, 0.5)
        metrics["rdflib_nbhd2_p95_ms"] = percentile(rtimes, 0.95)
        del g
        gc.collect()
    store.close()

    bench_openstax(metrics, rows)

    queries = [f"SELECT ?p ?o WHERE {{ <{c}> ?p ?o }}" for c in centres[:50]] + [
        "SELECT ?c ?l WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ; "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l } LIMIT 20",
        f"SELECT ?pre WHERE {{ <{centres[0]}> <https://w3id.org/kgstudio/ns#requires>+ ?pre }}",
    ]
    metrics.update(bench_serve(ws.store_path, ws_dir, args.clients, args.seconds, queries))
    shutil.rmtree(ws_dir, ignore_errors=True)

    m = metrics
    rows = [
        ["import (kgstudio load path, atomic)", f"{m['import_triples_per_s']:,.0f} triples/s",
         f"raw bulk_load {m['raw_bulk_triples_per_s']:,.0f}/s (ratio {m['raw_bulk_triples_per_s'] / m['import_triples_per_s']:.2f}x)",
         f"rdflib {m.get('rdflib_import_triples_per_s', float('nan')):,.0f}/s "
         f"({m['import_triples_per_s'] / m.get('rdflib_import_triples_per_s', float('nan')):.0f}x faster)"],
        ["  transactional load without bulk path", f"{m['raw_transactional_triples_per_s']:,.0f} triples/s", "", ""],
        ["2-hop neighbourhood (max 50 nodes), in-memory mirror", f"p50 {m['nbhd2_p50_ms']:.2f} ms, p95 {m['nbhd2_p95_ms']:.2f} ms",
         f"mirror loaded in {m['mirror_load_s']:.1f} s",
         f"rdflib p50 {m.get('rdflib_nbhd2_p50_ms', float('nan')):.1f} ms"],
        ["2-hop neighbourhood, on-disk store", f"p50 {m['nbhd2_disk_p50_ms']:.2f} ms, p95 {m['nbhd2_disk_p95_ms']:.2f} ms", "", ""],
        *rows,
        [f"kgstudio serve, {args.clients} clients x {args.seconds:.0f} s",
         f"p50 {m['serve_50c_p50_ms']:.1f} ms, p99 {m['serve_50c_p99_ms']:.1f} ms, {m['serve_50c_errors']} errors, {m['serve_50c_requests']} requests",
         f"oxigraph serve: p50 {m['oxigraph_serve_50c_p50_ms']:.1f} ms, p99 {m['oxigraph_serve_50c_p99_ms']:.1f} ms, "
         f"{m['oxigraph_serve_50c_errors']} errors, {m['oxigraph_serve_50c_requests']} requests", ""],
    ]
    print()
    print(f"Store benchmark, {n:,} triples")
    print(table(rows, ["what", "kgstudio", "baseline", "rdflib"]))
    out = write_results("kg_store", metrics)
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
