"""Export of the curriculum graph to ``torch_geometric.data.HeteroData`` for the teacher.

What goes in (from the source graphs only: ``graph/source/*``, the imported curricula;
not the reasoner's, the teacher's own suggestions or generated content):

- Node types: :data:`kg.neighbourhood.NODE_TYPES` present in the graph (concept,
  objective, section, chapter, item, course, competency, curriculum, resource). A node
  with several of the classes gets one type (see :func:`kg.neighbourhood.resolve_type`).
  Within a type, nodes are numbered in IRI order, so equal graphs give equal tensors
  whatever the order they were imported in.
- Edge types: ``(src_type, rel, dst_type)`` for every relation of
  :data:`kg.neighbourhood.RELATIONS` present between two typed nodes, ``rel`` being the
  property's local name (``("concept", "requires", "concept")``). Each has its reverse,
  ``(dst_type, "rev_<rel>", src_type)``, with the ``edge_index`` rows swapped, so messages
  flow both ways; :func:`edge_types` lists both halves for
  ``T.RandomLinkSplit(edge_types=..., rev_edge_types=...)``. Edges are deduplicated and
  sorted; ``edge_index`` is ``int64`` of shape ``(2, E)``.
- Node features ``x`` (float32), one row per node, columns (:func:`feature_layout`):

  ======== ===================================================================
  0..383   all-MiniLM-L6-v2 embedding of ``label + ". " + description``
           (description: ``kgs:definition``, else ``kgs:summary``, ``kgs:stem``,
           ``kgs:text``; first 1,000 characters), L2-normalised. Left out with
           ``embed=False``, which shifts the columns below to 0..3.
  384      ``log1p`` of the in-degree over all forward edge types
  385      ``log1p`` of the out-degree over all forward edge types
  386      1.0 when the node has a ``kgs:position``, else 0.0
  387      ``log1p(kgs:position)`` (0.0 when absent)
  ======== ===================================================================

:class:`NodeIndex` maps IRIs to ``(type, row)`` and back. :func:`export_heterodata` writes
a ``.pt`` file holding the HeteroData (as ``HeteroData.to_dict()``, so
``torch.load(weights_only=True)`` reads it), the index, the feature layout and
:func:`graph_hash` of the graphs exported; the index also goes next to it as JSON.
:func:`load_heterodata` reads it back.

Cost, measured on the 1M-triple :func:`kg.synthetic.synthetic_curriculum` graph in an
on-disk embedded store (69,394 nodes, 294,061 forward edges, 2 shared cores):
``graph_hash`` 12.7 s (dumping the graphs decodes every term), ``to_heterodata`` without
embeddings 5.6 s, the whole export without embeddings 21.5 s (a 15.5 MB file).
Embedding runs at about 160 texts/s on that CPU, so a first export of that graph spends
some 7 minutes embedding; a re-export reads the cache instead (1,777 nodes: 11.4 s cold,
0.6 s warm).

Limitations: the whole graph is built in memory (fine to a few million triples); nodes
without any of the node types (external ``kgs:exactMatch`` targets, choices, terms) and
edges to them are left out; ``kgs:inCurriculum`` is not exported (a hub edge from every
concept that the structure already implies).
"""
from __future__ import annotations

import hashlib
import io
import json
import math
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pyoxigraph as ox
import torch
from torch_geometric.data import HeteroData

from kg.atomic import atomic_write
from kg.embeddings import DEFAULT_MODEL
from kg.embeddings import embed as run_embed
from kg.errors import KGStudioError
from kg.neighbourhood import NODE_TYPES, RELATIONS, TYPE_CLASSES, _rows, resolve_type
from kg.store.base import Store
from ontology.namespaces import GRAPH, KGS, RDFS, SKOS

__all__ = ["NodeIndex", "ExportError", "to_heterodata", "export_heterodata", "load_heterodata",
           "graph_hash", "source_graphs", "edge_types", "feature_layout", "FORMAT", "VERSION"]

FORMAT = "kgstudio-heterodata"
VERSION = 1
_DESC_CHARS = 1000
_SOURCE_PREFIX = str(GRAPH) + "source/"
_REL_IRI = {str(KGS[r]): r for r in RELATIONS}
_TEXT_PROPS = [("label", str(RDFS.label)), ("pref", str(SKOS.prefLabel)),
               ("definition", str(KGS.definition)), ("summary", str(KGS.summary)),
               ("stem", str(KGS.stem)), ("text", str(KGS.text))]
_DESC_ORDER = ("definition", "summary", "stem", "text")

Log = Callable[[str], None]


class ExportError(KGStudioError):
    """The graph cannot be exported (nothing imported yet, an unreadable export file...)."""


def feature_layout(embed: bool = True, dim: int = 384) -> list[str]:
    """Names of the columns of ``x``, in order.

    >>> feature_layout(embed=False)
    ['log1p_in_degree', 'log1p_out_degree', 'has_position', 'log1p_position']
    >>> len(feature_layout())
    388
    """
    emb = [f"minilm_{i}" for i in range(dim)] if embed else []
    return emb + ["log1p_in_degree", "log1p_out_degree", "has_position", "log1p_position"]


@dataclass
class NodeIndex:
    """IRIs <-> (node type, row) both ways; ``iris[type][row]`` is the IRI of that row.

    >>> ix = NodeIndex({"concept": ["urn:a", "urn:b"], "section": ["urn:s"]})
    >>> ix.index_of("urn:b"), ix.iri_of("section", 0), len(ix)
    (('concept', 1), 'urn:s', 3)
    >>> NodeIndex.from_dict(ix.to_dict()) == ix
    True
    """

    iris: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        self._pos = {iri: (t, i) for t, lst in self.iris.items() for i, iri in enumerate(lst)}
        if len(self._pos) != sum(len(v) for v in self.iris.values()):
            raise ValueError("an IRI appears twice in the node index")

    def index_of(self, iri: str) -> tuple[str, int]:
        try:
            return self._pos[str(iri)]
        except KeyError:
            raise KeyError(f"<{iri}> is not a node of this export") from None

    def iri_of(self, node_type: str, row: int) -> str:
        return self.iris[node_type][row]

    def __contains__(self, iri) -> bool:
        return str(iri) in self._pos

    def __len__(self) -> int:
        return len(self._pos)

    def __eq__(self, other) -> bool:
        return isinstance(other, NodeIndex) and self.iris == other.iris

    def to_dict(self) -> dict:
        return {"iris": {t: list(v) for t, v in self.iris.items()}}

    @classmethod
    def from_dict(cls, d: dict) -> "NodeIndex":
        return cls({t: list(v) for t, v in d["iris"].items()})

    def save(self, path: str | Path) -> None:
        atomic_write(Path(path), json.dumps(self.to_dict(), ensure_ascii=False).encode("utf-8"))

    @classmethod
    def load(cls, path: str | Path) -> "NodeIndex":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def source_graphs(store: Store) -> list[str]:
    """The named graphs holding imported sources (``graph/source/*``), sorted."""
    return sorted(g for g in store.named_graphs() if g.startswith(_SOURCE_PREFIX))


def _graphs(store: Store, graphs: Sequence[str] | None) -> list[str]:
    gs = sorted(set(graphs)) if graphs is not None else source_graphs(store)
    if not gs:
        raise ExportError("nothing to export: the store has no source graphs; import a "
                          "curriculum first (`kgstudio import -w WORKSPACE PATH`)")
    return gs


def _values_g(graphs: list[str]) -> str:
    return "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"


def to_heterodata(store: Store, *, embed: bool = True, graphs: Sequence[str] | None = None,
                  model: str | None = None, log: Log | None = None) -> tuple[HeteroData, NodeIndex]:
    """The graph as a ``HeteroData`` and its :class:`NodeIndex` (layout: module docstring).

    Args:
        store: the store to read.
        embed: put the MiniLM text embedding in ``x`` (cached, see :mod:`kg.embeddings`);
            ``False`` gives the four structural columns only.
        graphs: named graphs to read (default: every source graph).
        model: embedding model (default ``all-MiniLM-L6-v2``; see ``embeddings.model``).
        log: called with a line per step.
    """
    gs = _graphs(store, graphs)
    vg = _values_g(gs)
    say = log or (lambda _m: None)
    t0 = time.perf_counter()

    classes: dict[str, list[str]] = {}
    class_list = ", ".join(f"<{c}>" for c in TYPE_CLASSES.values())
    for n, t in _rows(store, f"SELECT DISTINCT ?n ?t WHERE {{ {vg} GRAPH ?g {{ ?n a ?t }} "
                             f"FILTER(?t IN ({class_list})) }}"):
        classes.setdefault(n, []).append(t)
    node_type = {n: resolve_type(cs) for n, cs in classes.items()}
    by_type: dict[str, list[str]] = {t: [] for t in NODE_TYPES}
    for n, t in node_type.items():
        by_type[t].append(n)
    index = NodeIndex({t: sorted(v) for t, v in by_type.items() if v})
    say(f"{len(index)} nodes of {len(index.iris)} types ({time.perf_counter() - t0:.1f} s)")

    # edges: one scan per relation keeps each pattern's predicate bound
    edges: dict[tuple[str, str, str], set[tuple[int, int]]] = {}
    branches = " UNION ".join(f"{{ ?s <{p}> ?o BIND({i} AS ?k) }}" for i, p in enumerate(_REL_IRI))
    rel_names = list(_REL_IRI.values())
    for s, k, o in _rows(store, f"SELECT ?s ?k ?o WHERE {{ {vg} GRAPH ?g {{ {branches} }} }}"):
        if s in index and o in index:
            st, si = index.index_of(s)
            ot, oi = index.index_of(o)
            edges.setdefault((st, rel_names[int(k)], ot), set()).add((si, oi))
    say(f"{sum(map(len, edges.values()))} edges of {len(edges)} types "
        f"({time.perf_counter() - t0:.1f} s)")

    data = HeteroData()
    deg_in = {t: np.zeros(len(v), dtype=np.float32) for t, v in index.iris.items()}
    deg_out = {t: np.zeros(len(v), dtype=np.float32) for t, v in index.iris.items()}
    for (st, rel, ot), pairs in sorted(edges.items()):
        ei = torch.tensor(sorted(pairs), dtype=torch.long).t().contiguous()  # (2, E)
        data[st, rel, ot].edge_index = ei
        data[ot, f"rev_{rel}", st].edge_index = ei.flip(0)
        np.add.at(deg_out[st], ei[0].numpy(), 1)
        np.add.at(deg_in[ot], ei[1].numpy(), 1)

    position: dict[str, float] = {}
    for n, v in _rows(store, f"SELECT ?n ?v WHERE {{ {vg} GRAPH ?g {{ ?n <{KGS.position}> ?v }} }}"):
        try:
            p = float(v)
        except (TypeError, ValueError):
            continue
        if n in index and (n not in position or p < position[n]):
            position[n] = p

    texts = _node_texts(store, vg, index) if embed else {}
    if embed:
        order = [iri for t in index.iris for iri in index.iris[t]]
        t1 = time.perf_counter()
        vectors = run_embed([texts[i] for i in order], model=model or DEFAULT_MODEL,
                            progress=(lambda d, n: say(f"embedded {d}/{n} new texts")) if log else None)
        say(f"embeddings for {len(order)} nodes ({time.perf_counter() - t1:.1f} s)")
        row_of = {iri: r for r, iri in enumerate(order)}

    for t, iris in index.iris.items():
        pos = np.array([position.get(i, math.nan) for i in iris], dtype=np.float32)
        has = ~np.isnan(pos)
        struct = np.stack([np.log1p(deg_in[t]), np.log1p(deg_out[t]), has.astype(np.float32),
                           np.where(has, np.log1p(np.nan_to_num(pos, nan=0.0).clip(min=0)), 0.0)],
                          axis=1).astype(np.float32)                       # (N_t, 4)
        if embed:
            emb = vectors[[row_of[i] for i in iris]]                       # (N_t, 384)
            x = np.concatenate([emb, struct], axis=1)                      # (N_t, 388)
        else:
            x = struct
        data[t].x = torch.from_numpy(np.ascontiguousarray(x))
        data[t].num_nodes = len(iris)
    say(f"HeteroData built ({time.perf_counter() - t0:.1f} s)")
    return data, index


def _node_texts(store: Store, vg: str, index: NodeIndex) -> dict[str, str]:
    """``label. description`` per node (deterministic choice among several values)."""
    best: dict[tuple[str, str], tuple] = {}
    branches = " UNION ".join(f'{{ ?n <{p}> ?v BIND("{k}" AS ?k) }}' for k, p in _TEXT_PROPS)
    for n, k, v, lang in _rows(store, f"SELECT ?n ?k ?v (LANG(?v) AS ?lang) WHERE {{ {vg} "
                                      f"GRAPH ?g {{ {branches} }} }}"):
        if n not in index:
            continue
        key = (0 if lang in ("en", "") else 1, lang, v)
        if (n, k) not in best or key < best[(n, k)]:
            best[(n, k)] = key
    out = {}
    for t, iris in index.iris.items():
        for i in iris:
            lab = best.get((i, "label")) or best.get((i, "pref"))
            label = lab[2] if lab else i.rsplit("/", 1)[-1]
            desc = next((best[(i, k)][2] for k in _DESC_ORDER
                         if (i, k) in best and best[(i, k)][2] != label), "")
            desc = " ".join(desc.split())[:_DESC_CHARS]
            out[i] = f"{label}. {desc}" if desc else label
    return out


def edge_types(data: HeteroData) -> tuple[list[tuple], list[tuple]]:
    """(forward edge types, their reverse edge types), aligned, for ``RandomLinkSplit``."""
    fwd = [et for et in data.edge_types if not et[1].startswith("rev_")]
    return fwd, [(d, f"rev_{r}", s) for s, r, d in fwd]


def graph_hash(store: Store, graphs: Sequence[str] | None = None) -> str:
    """sha256 of the graphs' contents: for each graph (sorted by IRI) its IRI, then its
    triples as canonical N-Triples, sorted. Equal graphs give equal hashes whatever the
    order the triples were written in; any changed triple changes it."""
    h = hashlib.sha256()
    for g in _graphs(store, graphs):
        data = store.dump(g, "ntriples")
        if getattr(store, "kind", "") != "embedded":
            # another backend may spell terms differently: let pyoxigraph write them
            data = ox.serialize(ox.parse(data, format=ox.RdfFormat.N_TRIPLES),
                                format=ox.RdfFormat.N_TRIPLES)
        lines = sorted(line for line in data.split(b"\n") if line.strip())
        h.update(f"graph <{g}>\n".encode("utf-8"))
        h.update(b"\n".join(lines))
        h.update(b"\n")
    return h.hexdigest()


def export_heterodata(store: Store, path: str | Path, *, embed: bool = True,
                      graphs: Sequence[str] | None = None, model: str | None = None,
                      log: Log | None = None) -> dict:
    """Write the graph to ``path`` (.pt) and its index to ``path`` with ``.index.json``.

    Returns a summary: path, graph hash, node and edge counts per type, seconds taken.
    The file is written to a temporary name and renamed, so a reader never sees half.
    """
    t0 = time.perf_counter()
    path = Path(path)
    gs = _graphs(store, graphs)
    ghash = graph_hash(store, gs)
    data, index = to_heterodata(store, embed=embed, graphs=gs, model=model, log=log)
    payload = {
        "format": FORMAT, "version": VERSION,
        "data": data.to_dict(),
        "index": index.to_dict(),
        "graph_hash": ghash,
        "graphs": gs,
        "feature_layout": feature_layout(embed),
        "embedding_model": (model or DEFAULT_MODEL) if embed else None,
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write(path, buf.getvalue())
    index.save(path.with_suffix(".index.json"))
    return {
        "path": str(path), "graph_hash": ghash, "graphs": gs,
        "nodes": {t: len(v) for t, v in index.iris.items()},
        "edges": {"/".join(et): int(data[et].edge_index.shape[1]) for et in edge_types(data)[0]},
        "seconds": round(time.perf_counter() - t0, 3),
    }


def load_heterodata(path: str | Path) -> tuple[HeteroData, NodeIndex, dict]:
    """Read an export: (HeteroData, NodeIndex, metadata with graph_hash, graphs,
    feature_layout, embedding_model). Loads with ``weights_only=True``."""
    path = Path(path)
    try:
        payload = torch.load(path, weights_only=True)
    except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:
        raise ExportError(f"{path}: not a readable HeteroData export ({e}); re-create it "
                          "with `kgstudio export-graph`") from e
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ExportError(f"{path}: not a kgstudio HeteroData export")
    if payload.get("version") != VERSION:
        raise ExportError(f"{path}: export format version {payload.get('version')} is not "
                          f"{VERSION}; re-create it with `kgstudio export-graph`")
    data = HeteroData.from_dict(payload["data"])
    meta = {k: payload[k] for k in ("graph_hash", "graphs", "feature_layout", "embedding_model")}
    return data, NodeIndex.from_dict(payload["index"]), meta
