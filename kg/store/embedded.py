"""The default backend: an embedded pyoxigraph store on disk in the workspace.

pyoxigraph evaluates most queries lazily and releases the GIL while it works, so a query
runs in a worker thread and is cut between two rows when its deadline passes. Operators
that must see all input before the first row (aggregates, ORDER BY) cannot be
interrupted inside pyoxigraph: the caller gets :class:`QueryTimeout` on time and the
abandoned evaluation finishes in the background without holding the GIL.
"""
from __future__ import annotations

import errno
import shutil
import threading
import time
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from kg.errors import QueryTimeout, StoreError
from kg.sparql_guard import DEFAULT_LIMITS, check as guard_check
from kg.store.base import (AskResult, GraphChange, GraphResult, QueryResult, SelectResult,
                           Store, canonical_triples, diff_update)
from kg.store.terms import to_rdflib
from ontology.namespaces import BASE

_FORMATS = {
    "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML,
}
_DATASET_FORMATS = {"nquads", "trig", "jsonld"}
SYSTEM_GRAPH = BASE + "graph/system"
_PENDING = BASE + "ns-system#pendingCreation"


class StoreLocked(StoreError):
    """Another process holds the embedded store's lock (a store has one writer)."""


class DiskFull(StoreError):
    """The disk holding the store has no room left."""


def _lock_held(e: OSError) -> bool:
    """Another process holds the lock (RocksDB's flock answer); the same process holding
    it ("lock hold by current process") is a programming error, not worth waiting for."""
    text = str(e).lower()
    return "lock" in text and "temporarily unavailable" in text


def _disk_full(e: OSError, path: Path | None) -> bool:
    if e.errno == errno.ENOSPC or "no space left" in str(e).lower():
        return True
    if path is None:
        return False
    try:
        return shutil.disk_usage(path if path.exists() else path.parent).free < 64 * 1024
    except OSError:
        return False


def _free_text(path: Path | None) -> str:
    try:
        return f"{shutil.disk_usage(path if path.exists() else path.parent).free / 1024:.0f} KiB"
    except (OSError, AttributeError):
        return "no space"


#: Rotated RocksDB info logs (``LOG.old.*``, ~140 KB each, one per open) kept at most.
KEEP_OLD_LOGS = 2


def clean_store_litter(path: Path) -> list[Path]:
    """Remove what killed writers and log rotation leave in a store folder: the bulk
    loader's ``bulk-*.sst`` files (a finished bulk load moves them into the database, so
    with the store open for writing, which only one process can hold, any left are
    litter) and all but the newest :data:`KEEP_OLD_LOGS` ``LOG.old.*`` files. Call it only
    with the store open for writing, before this handle bulk-loads anything."""
    gone = []
    for p in path.glob("bulk-*.sst"):
        try:
            p.unlink()
            gone.append(p)
        except OSError:
            pass
    logs = sorted(path.glob("LOG.old.*"), key=lambda p: (len(p.name), p.name))  # by timestamp
    for p in logs[:-KEEP_OLD_LOGS] if KEEP_OLD_LOGS else logs:
        try:
            p.unlink()
            gone.append(p)
        except OSError:
            pass
    return gone


class EmbeddedStore(Store):
    """pyoxigraph ``Store`` at ``path`` (``None``: in memory, for tests)."""

    kind = "embedded"
    #: every query and update is measured against these before pyoxigraph parses it
    #: (kg.sparql_guard: nesting depth, operator chains, SERVICE/LOAD allow-list)
    guard_limits = DEFAULT_LIMITS

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False, lock_wait: float = 0.0,
                 log: Callable[[str], None] | None = None):
        """``lock_wait``: seconds to wait, saying so through ``log``, while another process
        holds the store's lock (:class:`StoreLocked` after that)."""
        self.path = Path(path) if path is not None else None
        deadline = time.monotonic() + max(0.0, lock_wait)
        said = False
        while True:
            try:
                if self.path is None:
                    self._store = ox.Store()
                elif read_only:
                    self._store = ox.Store.read_only(str(self.path))
                else:
                    self.path.mkdir(parents=True, exist_ok=True)
                    self._store = ox.Store(str(self.path))
                    clean_store_litter(self.path)
                    self._recover()
                return
            except OSError as e:
                if _disk_full(e, self.path):
                    raise DiskFull(f"cannot open the store at {self.path}: the disk is full "
                                   f"({_free_text(self.path)} free). Free some space and run the command "
                                   "again; the store is as it was.") from e
                if not _lock_held(e):
                    raise StoreError(f"cannot open the store at {self.path}: {e}") from e
                left = deadline - time.monotonic()
                if left <= 0:
                    raise StoreLocked(f"the store at {self.path} is in use by another kgstudio process "
                                      "(serve, studio, import, training)"
                                      + (f" and was still after {lock_wait:g} s" if lock_wait > 0 else "")
                                      + ": stop it, or do this from the studio's pages while it runs") from e
                if not said and log is not None:
                    log(f"the store at {self.path} is in use by another kgstudio process; "
                        f"waiting up to {lock_wait:g} s for it to finish")
                    said = True
                time.sleep(min(0.25, left))

    @property
    def raw(self) -> ox.Store:
        """The underlying pyoxigraph store (for benchmarks and bulk paths)."""
        return self._store

    # ---- reading ------------------------------------------------------------------
    def query(self, sparql: str, *, timeout: float | None = None,
              max_results: int | None = None, union_default_graph: bool = True) -> QueryResult:
        if timeout is None:
            return self._evaluate(sparql, None, max_results, union_default_graph, threading.Event())
        deadline = time.monotonic() + timeout
        cancel = threading.Event()
        box: dict = {}

        def work():
            try:
                box["result"] = self._evaluate(sparql, deadline, max_results, union_default_graph, cancel)
            except BaseException as e:  # handed to the caller
                box["error"] = e

        worker = threading.Thread(target=work, name="kgstudio-query", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            cancel.set()
            raise QueryTimeout(f"query cut after {timeout:g} s")
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _evaluate(self, sparql, deadline, max_results, union, cancel: threading.Event) -> QueryResult:
        scan = guard_check(sparql, self.guard_limits)
        try:
            res = self._store.query(sparql, use_default_graph_as_union=union and not scan.has_dataset)
        except SyntaxError as e:
            raise StoreError(f"SPARQL syntax error: {str(e).splitlines()[0]}") from e
        except (OSError, ValueError, RuntimeError) as e:
            raise StoreError(f"query failed: {e}") from e
        if isinstance(res, ox.QueryBoolean):
            return AskResult(bool(res))
        rows = []
        truncated = False
        try:
            if isinstance(res, ox.QuerySolutions):
                variables = [v.value for v in res.variables]
                for sol in res:
                    if max_results is not None and len(rows) >= max_results:
                        truncated = True
                        break
                    rows.append(tuple(to_rdflib(sol[i]) for i in range(len(variables))))
                    if deadline is not None and (len(rows) & 63) == 0:
                        if cancel.is_set() or time.monotonic() > deadline:
                            raise QueryTimeout("query cut by its time limit")
                return SelectResult(variables, rows, truncated)
            for tr in res:
                if max_results is not None and len(rows) >= max_results:
                    truncated = True
                    break
                rows.append((to_rdflib(tr.subject), to_rdflib(tr.predicate), to_rdflib(tr.object)))
                if deadline is not None and (len(rows) & 63) == 0:
                    if cancel.is_set() or time.monotonic() > deadline:
                        raise QueryTimeout("query cut by its time limit")
            return GraphResult(rows, truncated)
        except (OSError, ValueError, RuntimeError) as e:
            raise StoreError(f"query failed: {e}") from e
        finally:
            # pyoxigraph iterators are thread-bound: drop it on the thread that made it,
            # not later from a traceback on another thread.
            del res

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs()
                      if isinstance(g, ox.NamedNode)
                      and next(iter(self._store.quads_for_pattern(None, None, None, g)), None) is not None)

    def graph_triples(self, graph: str) -> set[str]:
        g = ox.NamedNode(graph)
        return {str(ox.Triple(q.subject, q.predicate, q.object))
                for q in self._store.quads_for_pattern(None, None, None, g)}

    def count(self, graph: str | None = None) -> int:
        if graph is None:
            return len(self._store)
        r = self._store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        return int(next(iter(r))[0].value)

    def dump(self, graph: str | None = None, fmt: str = "nquads") -> bytes:
        if fmt not in _FORMATS:
            raise StoreError(f"unknown format {fmt!r}; use one of {', '.join(_FORMATS)}")
        if graph is None:
            if fmt not in _DATASET_FORMATS:
                raise StoreError(f"{fmt} holds one graph; name one with --graph or use nquads/trig")
            return self._store.dump(format=_FORMATS[fmt])
        return self._store.dump(format=_FORMATS[fmt], from_graph=ox.NamedNode(graph))

    # ---- writing ------------------------------------------------------------------
    def update(self, sparql: str) -> None:
        guard_check(sparql, self.guard_limits)
        try:
            self._store.update(sparql)
        except SyntaxError as e:
            raise StoreError(f"SPARQL Update syntax error: {e}") from e
        except (OSError, ValueError, RuntimeError) as e:
            raise StoreError(f"update failed: {e}") from e

    #: graphs this big that are new to the store take the bulk path (see replace_graphs)
    BULK_THRESHOLD = 20_000

    def replace_graphs(self, graphs: dict[str, str | bytes]) -> list[GraphChange]:
        """Atomically make each named graph hold exactly the given N-Triples.

        Graphs that already hold triples get a diff (removed and added triples) applied in
        one SPARQL Update transaction. A large graph that is new to the store takes the
        fast path instead: an intent record ("this graph is being created") is committed
        to the system graph, the triples are written with ``bulk_load`` (several times
        faster than a transactional load, but not atomic), and the final transaction that
        applies the other graphs' diffs also deletes the intent records. A process killed
        before that transaction leaves intent records behind, and the next open of the
        store drops those graphs (:meth:`_recover`), which were empty before. Either every
        graph changes or none does.
        """
        changes: dict[str, tuple[list[str], list[str]]] = {}
        report: list[GraphChange] = []
        bulk: dict[str, bytes] = {}
        for graph, data in graphs.items():
            if graph == SYSTEM_GRAPH:
                raise StoreError(f"<{graph}> is kgstudio's own bookkeeping graph")
            raw = data.encode("utf-8") if isinstance(data, str) else data
            old = self.graph_triples(graph)
            if not old and len(raw) > self.BULK_THRESHOLD * 60:
                bulk[graph] = raw
                continue
            new = canonical_triples(raw, graph)
            remove = sorted(old - new)
            add = sorted(new - old)
            changes[graph] = (remove, add)
            report.append(GraphChange(graph, added=len(add), removed=len(remove), created=not old and bool(new)))
        if bulk:
            intents = "".join(f"<{g}> <{_PENDING}> \"true\" .\n" for g in bulk)
            self._store.load(intents, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(SYSTEM_GRAPH))
            try:
                for graph, raw in bulk.items():
                    self._store.bulk_load(raw, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
            except (SyntaxError, OSError, ValueError) as e:
                self._recover()
                raise StoreError(f"bulk load failed, nothing written: {e}") from e
            for graph in bulk:
                report.append(GraphChange(graph, added=self.count(graph), removed=0, created=True))
            done = "".join(f"<{g}> <{_PENDING}> \"true\" .\n" for g in bulk)
            clear_intents = "DELETE DATA { GRAPH <%s> { %s } }" % (SYSTEM_GRAPH, done)
        else:
            clear_intents = ""
        if any(remove for remove, _ in changes.values()) or (clear_intents and changes):
            ops = [op for op in (diff_update(changes), clear_intents) if op]
            self.update(" ;\n".join(ops))  # one transaction
        else:
            nquads = "".join(f"{line} <{g}> .\n" for g, (_, add) in changes.items() for line in add)
            if nquads:
                self._store.load(nquads, format=ox.RdfFormat.N_QUADS)  # one transaction
            if clear_intents:
                self.update(clear_intents)
        order = {g: i for i, g in enumerate(graphs)}
        return sorted(report, key=lambda c: order[c.graph])

    def _recover(self) -> None:
        """Drop graphs whose bulk creation never committed (see :meth:`replace_graphs`)."""
        pending = [q.subject.value for q in self._store.quads_for_pattern(
            None, ox.NamedNode(_PENDING), None, ox.NamedNode(SYSTEM_GRAPH))]
        if not pending:
            return
        ops = [f"DROP SILENT GRAPH <{g}>" for g in pending]
        ops.append(f"DROP SILENT GRAPH <{SYSTEM_GRAPH}>")
        self._store.update(" ;\n".join(ops))

    def add_to_graph(self, graph: str, ntriples: str | bytes) -> None:
        try:
            self._store.load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(graph))
        except SyntaxError as e:
            raise StoreError(f"bad N-Triples for graph <{graph}>: {e}") from e

    def load_file(self, path: str | Path, graph: str, *, fmt: str | None = None) -> None:
        """Transactional load of an RDF file into a named graph (format from its suffix)."""
        kw = {"path": str(path), "to_graph": ox.NamedNode(graph)}
        if fmt:
            kw["format"] = _FORMATS[fmt]
        self._store.load(**kw)

    def close(self) -> None:
        try:
            self._store.flush()
        except Exception:  # in-memory stores have nothing to flush
            pass
        del self._store


class MirroredStore(EmbeddedStore):
    """The on-disk store plus a copy of it in memory that answers every read.

    Why: each index lookup of pyoxigraph's on-disk store costs tens of microseconds, about
    twenty times an in-memory lookup (measured in ``benchmarks/kg_store.py``), so a
    long-running reader (``kgstudio serve``, the studio) answers from memory. Writes go to
    disk first (the durable, transactional copy) and then to memory, so a failed write
    leaves both unchanged. The copy costs the time of reading the store once at open
    (about 10 s and a few hundred MB per million triples). Only this process may write to
    the disk store while the mirror is open (the store's lock already ensures that).

    ``version`` counts the writes made through this handle: since no other process writes
    while it is open, an unchanged version means unchanged contents (readers cache on it).
    """

    kind = "embedded"

    def __init__(self, path: str | Path, *, lock_wait: float = 0.0, log: Callable[[str], None] | None = None):
        self.version = 0
        self._disk = EmbeddedStore(path, lock_wait=lock_wait, log=log)
        self.path = self._disk.path
        self._store = ox.Store()
        dump = self._disk.raw.dump(format=ox.RdfFormat.N_QUADS)
        if dump:
            self._store.bulk_load(dump, format=ox.RdfFormat.N_QUADS)

    @property
    def disk(self) -> EmbeddedStore:
        return self._disk

    def update(self, sparql: str) -> None:
        self._disk.update(sparql)
        super().update(sparql)
        self.version += 1

    def replace_graphs(self, graphs: dict[str, str | bytes]) -> list[GraphChange]:
        report = self._disk.replace_graphs(graphs)
        super().replace_graphs(graphs)
        self.version += 1
        return report

    def add_to_graph(self, graph: str, ntriples: str | bytes) -> None:
        self._disk.add_to_graph(graph, ntriples)
        super().add_to_graph(graph, ntriples)
        self.version += 1

    def load_file(self, path: str | Path, graph: str, *, fmt: str | None = None) -> None:
        self._disk.load_file(path, graph, fmt=fmt)
        super().load_file(path, graph, fmt=fmt)
        self.version += 1

    def _recover(self) -> None:  # the disk store recovers itself when it opens
        pass

    def close(self) -> None:
        self._disk.close()
        del self._store
