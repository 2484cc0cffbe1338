"""The import pipeline: parse every source, validate, check for prerequisite cycles, then
write all of it in one transaction.

Nothing reaches the store before every source of the import has parsed and validated, and
the write itself is one transaction (``Store.replace_graphs``), so an import lands whole or
not at all, including when the process is killed part-way.
"""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.cycles import find_cycle
from kg.errors import ImportFailed, PrerequisiteCycle, ValidationFailed
from kg.evidence import evidence_graph, fingerprint, index_ntriples, stored_index
from kg.importers.base import ImportResult, Progress, check_size, check_terms, get_importer
from kg.store.base import GraphChange, Store, triples_to_ntriples
from ontology.namespaces import DCTERMS, KGS
from ontology.validation import validate as shacl_validate

Log = Callable[[str], None]


@dataclass
class ImportSummary:
    source: str
    graph: str
    format: str
    path: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)
    triples: int = 0
    added: int = 0
    removed: int = 0


def _regular_files(folder: Path) -> list[Path]:
    """Regular files under ``folder``, symbolic links and special files (FIFOs, devices) left
    out: hashing never follows a link out of the folder nor blocks on a pipe."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in filenames:
            p = Path(dirpath) / name
            if stat.S_ISREG(p.lstat().st_mode):
                out.append(p)
    return sorted(out)


def _source_hash(path: Path) -> str:
    h = hashlib.sha256()
    files = _regular_files(path) if path.is_dir() else [path]
    for f in files:
        h.update(os.fsencode(f.relative_to(path) if path.is_dir() else f.name))  # any name, even not UTF-8
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _add_source_metadata(res: ImportResult) -> None:
    g, node = res.graph, res.graph_iri
    g.add((node, RDF.type, KGS.SourceGraph))
    g.add((node, KGS.sourceFormat, Literal(res.format)))
    # a file name that is not UTF-8 (a lone surrogate once decoded) is kept readable, with U+FFFD
    g.add((node, DCTERMS.source, Literal(os.fsencode(res.path.name).decode("utf-8", "replace"))))
    g.add((node, KGS.sha256, Literal(_source_hash(res.path))))
    if res.title:
        g.add((node, DCTERMS.title, Literal(res.title)))


def check_prerequisite_cycles(graph: Graph, source: str | None = None) -> None:
    """Raise :class:`PrerequisiteCycle` when ``kgs:requires`` has a cycle in ``graph``."""
    cycle = find_cycle((str(s), str(o)) for s, o in graph.subject_objects(KGS.requires))
    if cycle:
        labels = {n: str(graph.value(URIRef(n), SKOS.prefLabel) or graph.value(URIRef(n), RDFS.label) or "")
                  for n in cycle}
        raise PrerequisiteCycle(cycle, labels, source=source)


def parse_sources(paths: Iterable[str | Path], *, fmt: str | None = None, max_file_mb: float = 200,
                  validate: bool = True, progress: Progress | None = None,
                  log: Log | None = None) -> list[ImportResult]:
    """Parse and check every source; raises on the first bad one, having written nothing."""
    results: list[ImportResult] = []
    max_bytes = int(max_file_mb * 1_000_000)
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise ImportFailed("no such file or folder", path=path)
        for path in _folder_sources(path, fmt, log):
            results.append(_parse_one(path, fmt, max_bytes, validate, progress, log))
    seen: dict[str, Path] = {}
    for r in results:
        if str(r.graph_iri) in seen:
            raise ImportFailed(f"same source as {seen[str(r.graph_iri)]} (graph <{r.graph_iri}>) given twice",
                               path=r.path)
        seen[str(r.graph_iri)] = r.path
    return results


def _folder_sources(path: Path, fmt: str | None, log: Log | None) -> list[Path]:
    """The sources a path stands for: itself, or, for a folder that no importer reads as one
    source (a folder of Curricular Analytics CSV files, one per degree plan), the files in it
    that one does (with ``fmt``: that one), in name order; other files (a README, a metrics
    JSON) are skipped, and the log says how many. A folder with no such file is left to the
    usual error ("cannot tell the format")."""
    if not path.is_dir():
        return [path]
    try:
        imp = get_importer(path, fmt)
        if fmt is None or imp.detect(path):
            return [path]
    except ImportFailed:
        if fmt is not None:
            raise
    except OSError:
        return [path]
    files = sorted((f for f in path.iterdir() if f.is_file() and not f.name.startswith(".")),
                   key=lambda f: f.name)          # is_file: no FIFO or device is sniffed
    chosen = []
    for f in files:
        try:
            if get_importer(f).name == (fmt or get_importer(f).name):
                chosen.append(f)
        except (ImportFailed, OSError):
            continue
    if not chosen:
        return [path]
    if log:
        log(f"{path}: a folder of {len(chosen)} source file(s); {len(files) - len(chosen)} other file(s) skipped")
    return chosen


def _parse_one(path: Path, fmt: str | None, max_bytes: int, validate: bool, progress, log) -> ImportResult:
    """Parse and check one source (:func:`parse_sources`)."""
    if not path.is_dir():
        # a FIFO, a device or a file above the limit is refused before a byte is read,
        # format detection included
        check_size(path, max_bytes)
    importer = get_importer(path, fmt)
    if log:
        log(f"reading {path} as {importer.name}")
    try:
        res = importer.parse(path, max_bytes=max_bytes, progress=progress)
        _add_source_metadata(res)
    except OSError as e:  # unreadable file, a folder given to a one-file format, ...
        raise ImportFailed(f"cannot read {e.filename or path}: {e.strerror or e}", path=path,
                           hint=f"check the path and that the {importer.name} format fits it") from None
    check_prerequisite_cycles(res.graph, source=str(path))
    if validate:
        if log:
            log(f"validating {len(res.graph)} triples against the SHACL shapes")
        report = shacl_validate(res.graph)
        if not report.conforms:
            raise ValidationFailed(report, path=path)
    return res


def write_results(store: Store, results: list[ImportResult]) -> list[ImportSummary]:
    """Write parsed sources in one transaction; returns what changed per source.

    Each source's evidence index and mention counts (``kg.evidence``) are built from its
    parsed graph and written to ``graph/evidence/<source>`` in the same transaction."""
    payload = {}
    for r in results:
        try:
            nt = payload[str(r.graph_iri)] = triples_to_ntriples(r.graph)
            eg, fp = str(evidence_graph(str(r.graph_iri))), fingerprint(nt)
            counts = stored_index(store, eg, fp)   # an unchanged source keeps its index
            if counts is None:
                payload[eg], counts = index_ntriples(r.graph, r.source, fp=fp, graph=eg)
        except Exception as e:  # a term the store cannot take: name it (rdflib raises bare Exception)
            check_terms(r.graph, r.path)
            if isinstance(e, ValueError):
                raise ImportFailed(str(e), path=r.path) from None
            raise
        r.counts.update(counts)
    changes: dict[str, GraphChange] = {c.graph: c for c in store.replace_graphs(payload)}
    out = []
    for r in results:
        c = changes[str(r.graph_iri)]
        out.append(ImportSummary(r.source, str(r.graph_iri), r.format, str(r.path), r.title,
                                 dict(r.counts), len(r.graph), c.added, c.removed))
    return out


def import_sources(store: Store, paths: Iterable[str | Path], **kw) -> list[ImportSummary]:
    """Parse, check and write sources: everything lands or nothing does."""
    return write_results(store, parse_sources(paths, **kw))


def import_into_workspace(ws, paths: Iterable[str | Path], *, fmt: str | None = None, validate: bool = True,
                          progress: Progress | None = None, log: Log | None = None) -> list[ImportSummary]:
    """Import sources into a workspace's store with its settings (``import.max_file_mb``):
    what ``kgstudio import`` and the studio's Workspace page both run."""
    results = parse_sources(paths, fmt=fmt, max_file_mb=ws.settings["import.max_file_mb"], validate=validate,
                            progress=progress, log=log)
    if log:
        log("writing to the store (one transaction)")
    with ws.open_store() as store:
        return write_results(store, results)
