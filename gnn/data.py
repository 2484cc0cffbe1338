"""What the teacher learns from: the graph as ``HeteroData`` plus every label set the KG holds.

:func:`build_teacher_data` reads a store and returns a :class:`TeacherData`:

- ``data``, ``index``, ``graph_hash``: :func:`kg.hetero.to_heterodata` over the source
  graphs (``graph/source/*``) and :func:`kg.hetero.graph_hash` of the same graphs. The
  teacher's suggestions, generated content and the reasoner's output never feed it.
- Prerequisite labels (``A requires B``: learn B before A), from four places:

  ========================= ================================================= ===========
  kind                      where                                             weight
  ========================= ================================================= ===========
  ``requires``              ``kgs:requires`` edges between two nodes of one    1
                            type (concepts; Curricular Analytics courses)
  ``precedes``              ``kgs:precedes`` edges, reversed (``A precedes B`` 1
                            reads ``B requires A``; CASE, BNCC)
  ``decision``              instructor decisions in ``graph/decisions``        1
  ``weak-order``            OpenStax-style text evidence, see below            config
  ``weak-definition``       the definition of A names B                        config
  ========================= ================================================= ===========

  The first two are edges of the exported graph: they are not copied here but found by
  :func:`prereq_edge_types`, so that :mod:`gnn.train` splits them together with the
  graph's edges (``RandomLinkSplit``: a held-out prerequisite is also out of the
  message-passing graph, reverse edge included). The other kinds are not edges of the
  graph; they are kept in :attr:`TeacherData.extra_prereq` and split at random.
- Node labels (:attr:`TeacherData.node_tasks`): ``bloom`` (Bloom level of objectives and
  items, six classes), ``difficulty`` (the chapter's place in its book, or the term's
  place in a degree plan, cut into ``difficulty_bins`` classes: a proxy for how advanced
  a concept, objective, item or course is) and ``level`` (``kgs:educationalLevel`` where
  at least two levels occur).
- ``groups``: the curriculum of each node (``kgs:inCurriculum``, ``skos:inScheme`` or up
  the ``kgs:partOf`` chain), so negatives and suggestions stay inside one curriculum.

Instructor decisions are read in two forms from ``graph/decisions``: an accepted
prerequisite is a plain ``A kgs:requires B`` triple (which the rest of the KG already
counts like an imported one); a decision about a proposed edge is a reified statement
``?d rdf:subject A ; rdf:predicate kgs:requires ; rdf:object B ; schema:actionStatus S``
with ``S`` = ``schema:CompletedActionStatus`` (accepted) or ``schema:FailedActionStatus``
(rejected: a known negative).

Weak supervision from the text (books have no prerequisite labels). Sections are ordered
by (chapter position, section position) inside their curriculum; a concept's *home* is
the first section that defines it (``kgs:definedIn``); a section *uses* the concepts it
``kgs:mentions`` or that are ``kgs:firstUsedIn`` it.

- ``weak-order``: A's home section uses B, and B was already defined or used in an
  earlier section (a term used in a section before the section that defines A): A
  requires B.
- ``weak-definition``: A's ``kgs:definition`` names B's label (whole words, any case):
  A requires B (the RefD idea: a definition leans on the terms it names).

Pairs claimed in both directions are dropped; pairs that are graph edges are left to the
graph. Limitations: the text rules are heuristics (a mention is not always a dependence);
labels of one or two letters are not matched; difficulty is a proxy, not a measurement.
"""
from __future__ import annotations

import io
import math
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import torch
from torch import Tensor
from torch_geometric.data import HeteroData

from kg.atomic import atomic_write
from kg.errors import KGStudioError
from kg.hetero import ExportError, NodeIndex, edge_types, feature_layout, graph_hash, source_graphs, to_heterodata
from kg.labels import LabelMatcher
from kg.store.base import Store
from ontology.namespaces import BLOOM, DECISIONS_GRAPH, KGS, RDF, RDFS, SDO, SKOS

__all__ = ["TeacherData", "PrereqLabels", "NodeTask", "DataError", "build_teacher_data",
           "prereq_edge_types", "LABEL_KINDS", "BLOOM_LEVELS", "weak_labels", "label_matcher"]

#: Kinds of prerequisite positives; ``kind`` tensors index into this tuple.
LABEL_KINDS = ("requires", "precedes", "decision", "weak-order", "weak-definition")
BLOOM_LEVELS = ("remember", "understand", "apply", "analyze", "evaluate", "create")
FORMAT, VERSION = "kgstudio-teacher-data", 1

Log = Callable[[str], None]


class DataError(KGStudioError):
    """The store holds nothing the teacher can learn from, or a data file is unreadable."""


@dataclass
class PrereqLabels:
    """Prerequisite pairs of one node type that are not edges of the graph.

    ``pos[:, i] = (a, b)`` means ``a requires b`` (rows of the node type);
    ``kind[i]`` indexes :data:`LABEL_KINDS`; ``neg`` holds known non-prerequisites.
    Shapes: ``pos`` (2, P) int64, ``kind`` (P,) int64, ``neg`` (2, Q) int64.
    """

    pos: Tensor
    kind: Tensor
    neg: Tensor

    @classmethod
    def empty(cls) -> "PrereqLabels":
        z = torch.zeros((2, 0), dtype=torch.long)
        return cls(z, torch.zeros(0, dtype=torch.long), z.clone())

    def to_dict(self) -> dict:
        return {"pos": self.pos, "kind": self.kind, "neg": self.neg}

    @classmethod
    def from_dict(cls, d: dict) -> "PrereqLabels":
        return cls(d["pos"], d["kind"], d["neg"])


@dataclass
class NodeTask:
    """One node-classification task: ``y[node_type][row]`` is a class index or -1 (no label)."""

    name: str
    classes: list[str]
    y: dict[str, Tensor]

    def count(self) -> int:
        return int(sum((v >= 0).sum() for v in self.y.values()))

    def to_dict(self) -> dict:
        return {"name": self.name, "classes": list(self.classes), "y": dict(self.y)}

    @classmethod
    def from_dict(cls, d: dict) -> "NodeTask":
        return cls(d["name"], list(d["classes"]), dict(d["y"]))


@dataclass
class TeacherData:
    """The graph and its labels (see the module docstring)."""

    data: HeteroData
    index: NodeIndex
    graph_hash: str
    graphs: list[str] = field(default_factory=list)
    extra_prereq: dict[str, PrereqLabels] = field(default_factory=dict)
    node_tasks: dict[str, NodeTask] = field(default_factory=dict)
    groups: dict[str, Tensor] = field(default_factory=dict)  # node type -> (N,) curriculum id, -1 none
    group_names: list[str] = field(default_factory=list)
    feature_layout: list[str] = field(default_factory=list)
    embedding_model: str | None = None

    def group(self, node_type: str) -> Tensor:
        g = self.groups.get(node_type)
        if g is None:
            g = torch.full((self.data[node_type].num_nodes,), -1, dtype=torch.long)
        return g

    def prereq_node_types(self) -> list[str]:
        """Node types with any prerequisite label (graph edges or extra labels)."""
        types = {et[0] for et, _flip in prereq_edge_types(self.data)}
        types |= {t for t, lab in self.extra_prereq.items() if lab.pos.shape[1]}
        return sorted(types)

    def summary(self) -> dict:
        """Counts, for logs and reports."""
        gold = {f"{et[0]}/{et[1]}": int(self.data[et].edge_index.shape[1])
                for et, _ in prereq_edge_types(self.data)}
        extra = {}
        for t, lab in self.extra_prereq.items():
            for k, name in enumerate(LABEL_KINDS):
                n = int((lab.kind == k).sum())
                if n:
                    extra[f"{t}/{name}"] = n
            if lab.neg.shape[1]:
                extra[f"{t}/known-negative"] = int(lab.neg.shape[1])
        return {"nodes": {t: int(self.data[t].num_nodes) for t in self.data.node_types},
                "edges": int(sum(self.data[et].edge_index.shape[1] for et in edge_types(self.data)[0])),
                "prereq_edges": gold, "prereq_labels": extra,
                "node_labels": {n: t.count() for n, t in self.node_tasks.items()}}

    # ---- files ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "data": self.data.to_dict(),
                "index": self.index.to_dict(), "graph_hash": self.graph_hash,
                "graphs": list(self.graphs),
                "extra_prereq": {t: v.to_dict() for t, v in self.extra_prereq.items()},
                "node_tasks": {n: t.to_dict() for n, t in self.node_tasks.items()},
                "groups": dict(self.groups), "group_names": list(self.group_names),
                "feature_layout": list(self.feature_layout),
                "embedding_model": self.embedding_model}

    @classmethod
    def from_dict(cls, d: dict) -> "TeacherData":
        return cls(HeteroData.from_dict(d["data"]), NodeIndex.from_dict(d["index"]),
                   d["graph_hash"], list(d["graphs"]),
                   {t: PrereqLabels.from_dict(v) for t, v in d["extra_prereq"].items()},
                   {n: NodeTask.from_dict(v) for n, v in d["node_tasks"].items()},
                   dict(d["groups"]), list(d["group_names"]), list(d["feature_layout"]),
                   d["embedding_model"])

    def save(self, path: str | Path) -> None:
        buf = io.BytesIO()
        torch.save(self.to_dict(), buf)
        atomic_write(Path(path), buf.getvalue())

    @classmethod
    def load(cls, path: str | Path) -> "TeacherData":
        path = Path(path)
        try:
            d = torch.load(path, weights_only=True)
        except (OSError, RuntimeError, EOFError, ValueError, pickle.UnpicklingError) as e:
            raise DataError(f"{path}: not a readable teacher data file ({e})") from e
        if not isinstance(d, dict) or d.get("format") != FORMAT or d.get("version") != VERSION:
            raise DataError(f"{path}: not a kgstudio teacher data file (version {VERSION})")
        return cls.from_dict(d)


def prereq_edge_types(data: HeteroData) -> list[tuple[tuple[str, str, str], bool]]:
    """Edge types that are prerequisite labels, with ``True`` where the edge reads
    backwards (``precedes``): ``[(("concept", "requires", "concept"), False), ...]``.

    >>> d = HeteroData()
    >>> d["concept", "requires", "concept"].edge_index = torch.tensor([[0], [1]])
    >>> d["competency", "precedes", "competency"].edge_index = torch.tensor([[0], [1]])
    >>> d["section", "teaches", "concept"].edge_index = torch.tensor([[0], [1]])
    >>> prereq_edge_types(d)
    [(('competency', 'precedes', 'competency'), True), (('concept', 'requires', 'concept'), False)]
    """
    out = []
    for et in sorted(edge_types(data)[0]):
        s, r, d = et
        if s == d and r in ("requires", "precedes"):
            out.append((et, r == "precedes"))
    return out


# ---- reading the store ----------------------------------------------------------------------

def _select(store: Store, sparql: str) -> list[tuple[str | None, ...]]:
    res = store.query(sparql)
    return [tuple(None if t is None else str(t) for t in row) for row in res.rows]


def _in_sources(graphs: Sequence[str], pattern: str) -> str:
    vals = " ".join(f"<{g}>" for g in graphs)
    return f"VALUES ?g {{ {vals} }} GRAPH ?g {{ {pattern} }}"


def _num(v: str | None) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def build_teacher_data(store: Store, *, embed: bool = True, graphs: Sequence[str] | None = None,
                       model: str | None = None, difficulty_bins: int = 3,
                       log: Log | None = None) -> TeacherData:
    """The graph and every label set the store holds (see the module docstring).

    Raises :class:`DataError` when nothing has been imported.
    """
    try:
        gs = sorted(set(graphs)) if graphs is not None else source_graphs(store)
        if not gs:
            raise ExportError("empty")
        data, index = to_heterodata(store, embed=embed, graphs=gs, model=model, log=log)
    except ExportError as e:
        raise DataError("nothing to train on: the store has no imported curriculum; import "
                        "one first (`kgstudio import -w WORKSPACE PATH`)") from e
    ghash = graph_hash(store, gs)
    say = log or (lambda _m: None)

    groups, group_names = _groups(store, gs, index)
    td = TeacherData(data, index, ghash, gs, groups=groups, group_names=group_names,
                     feature_layout=_layout(embed),
                     embedding_model=(model or "all-MiniLM-L6-v2") if embed else None)
    td.node_tasks = _node_tasks(store, gs, index, difficulty_bins)
    td.extra_prereq = _extra_prereq(store, gs, index, data, groups)
    s = td.summary()
    say(f"labels: prerequisite edges {s['prereq_edges']}, other prerequisite labels "
        f"{s['prereq_labels']}, node labels {s['node_labels']}")
    return td


def _layout(embed: bool) -> list[str]:
    return feature_layout(embed)


def _groups(store: Store, gs: list[str], index: NodeIndex) -> tuple[dict[str, Tensor], list[str]]:
    cur = [i for i in index.iris.get("curriculum", [])]
    cur_set = set(cur)
    names = sorted(cur_set)
    gid = {c: k for k, c in enumerate(names)}
    direct: dict[str, str] = {c: c for c in cur}
    for n, c in _select(store, "SELECT ?n ?c WHERE { " + _in_sources(
            gs, f"{{ ?n <{KGS.inCurriculum}> ?c }} UNION {{ ?n <{SKOS.inScheme}> ?c }}") + " }"):
        if c in cur_set and n not in direct:
            direct[n] = c
    parent: dict[str, list[str]] = defaultdict(list)
    for n, p in _select(store, "SELECT ?n ?p WHERE { " + _in_sources(
            gs, f"?n <{KGS.partOf}> ?p") + " }"):
        parent[n].append(p)
    for n, s in _select(store, "SELECT ?n ?s WHERE { " + _in_sources(
            gs, f"?n <{KGS.definedIn}> ?s") + " }"):
        parent[n].append(s)

    memo: dict[str, str | None] = {}

    def find(n: str, depth: int = 0) -> str | None:
        if n in direct:
            return direct[n]
        if n in memo:
            return memo[n]
        memo[n] = None
        if depth < 8:
            for p in sorted(parent.get(n, ())):
                c = find(p, depth + 1)
                if c is not None:
                    memo[n] = c
                    break
        return memo[n]

    out = {}
    for t, iris in index.iris.items():
        out[t] = torch.tensor([gid[c] if (c := find(i)) is not None else -1 for i in iris],
                              dtype=torch.long)
    return out, names


def _node_tasks(store: Store, gs: list[str], index: NodeIndex, bins: int) -> dict[str, NodeTask]:
    tasks: dict[str, NodeTask] = {}

    def empty_y() -> dict[str, Tensor]:
        return {t: torch.full((len(v),), -1, dtype=torch.long) for t, v in index.iris.items()}

    # Bloom level of objectives and items
    y = empty_y()
    blooms = {str(BLOOM[b]): k for k, b in enumerate(BLOOM_LEVELS)}
    for n, b in _select(store, "SELECT ?n ?b WHERE { " + _in_sources(gs, f"?n <{KGS.bloomLevel}> ?b") + " }"):
        if n in index and b in blooms:
            t, r = index.index_of(n)
            y[t][r] = blooms[b]
    task = NodeTask("bloom", list(BLOOM_LEVELS), {t: v for t, v in y.items() if (v >= 0).any()})
    if task.count():
        tasks["bloom"] = task

    # Difficulty proxy: place of the chapter in its curriculum (or of the term in a plan)
    frac = _difficulty_fractions(store, gs, index)
    if frac:
        y = empty_y()
        for n, f in frac.items():
            t, r = index.index_of(n)
            y[t][r] = min(int(f * bins), bins - 1)
        names = [f"{k + 1}/{bins}" for k in range(bins)]
        tasks["difficulty"] = NodeTask("difficulty", names,
                                       {t: v for t, v in y.items() if (v >= 0).any()})

    # Educational level
    levels: dict[str, str] = {}
    for n, v in _select(store, "SELECT ?n ?v WHERE { " + _in_sources(gs, f"?n <{KGS.educationalLevel}> ?v") + " }"):
        if n in index and (n not in levels or v < levels[n]):
            levels[n] = v
    classes = sorted(set(levels.values()))
    if len(classes) >= 2:
        y = empty_y()
        cid = {c: k for k, c in enumerate(classes)}
        for n, v in levels.items():
            t, r = index.index_of(n)
            y[t][r] = cid[v]
        tasks["level"] = NodeTask("level", classes, {t: v for t, v in y.items() if (v >= 0).any()})
    return tasks


def _difficulty_fractions(store: Store, gs: list[str], index: NodeIndex) -> dict[str, float]:
    """Node -> place in [0, 1] of its chapter in the curriculum (0 first, 1 last), for
    concepts, objectives, items and courses (chapters and sections are left out: their
    own position features give it away)."""
    chap_pos: dict[str, float] = {}
    chap_cur: dict[str, str] = {}
    for ch, p, cur in _select(store, "SELECT ?ch ?p ?cur WHERE { " + _in_sources(
            gs, f"?ch a <{KGS.Chapter}> ; <{KGS.position}> ?p . OPTIONAL {{ ?ch <{KGS.partOf}> ?cur }}") + " }"):
        p = _num(p)
        if p is not None:
            chap_pos[ch] = p
            if cur:
                chap_cur[ch] = cur
    span: dict[str, tuple[float, float]] = {}
    for ch, p in chap_pos.items():
        c = chap_cur.get(ch, "")
        lo, hi = span.get(c, (p, p))
        span[c] = (min(lo, p), max(hi, p))

    def chapter_frac(ch: str) -> float | None:
        lo, hi = span[chap_cur.get(ch, "")]
        return (chap_pos[ch] - lo) / (hi - lo) if hi > lo else None

    where: dict[str, float] = {}   # section or chapter -> fraction
    for ch in chap_pos:
        f = chapter_frac(ch)
        if f is not None:
            where[ch] = f
    for s, ch in _select(store, "SELECT ?s ?ch WHERE { " + _in_sources(
            gs, f"?s <{KGS.partOf}> ?ch . ?ch a <{KGS.Chapter}>") + " }"):
        if ch in where and (s not in where or where[ch] < where[s]):
            where[s] = where[ch]
    out: dict[str, float] = {}

    def put(n, f):
        if n in index and index.index_of(n)[0] in ("concept", "objective", "item", "course",
                                                     "competency", "resource"):
            if n not in out or f < out[n]:
                out[n] = f

    rels = f"{{ ?n <{KGS.partOf}> ?x }} UNION {{ ?n <{KGS.definedIn}> ?x }} UNION " \
           f"{{ ?n <{KGS.firstUsedIn}> ?x }} UNION {{ ?x <{KGS.teaches}> ?n }}"
    for n, x in _select(store, "SELECT ?n ?x WHERE { " + _in_sources(gs, rels) + " }"):
        if x in where:
            put(n, where[x])
    # degree plans: the term a course is scheduled in
    terms: dict[str, tuple[float, str | None]] = {}
    for c, t, num, cur in _select(store, "SELECT ?c ?t ?n ?cur WHERE { " + _in_sources(
            gs, f"?c <{KGS.inTerm}> ?t . ?t <{KGS.termNumber}> ?n . "
                f"OPTIONAL {{ ?t <{KGS.partOf}> ?cur }}") + " }"):
        n = _num(num)
        if n is not None and c in index:
            terms[c] = (n, cur)
    tspan: dict[str | None, tuple[float, float]] = {}
    for n, cur in terms.values():
        lo, hi = tspan.get(cur, (n, n))
        tspan[cur] = (min(lo, n), max(hi, n))
    for c, (n, cur) in terms.items():
        lo, hi = tspan[cur]
        if hi > lo:
            put(c, (n - lo) / (hi - lo))
    return out


def _extra_prereq(store: Store, gs: list[str], index: NodeIndex, data: HeteroData,
                  groups: dict[str, Tensor]) -> dict[str, PrereqLabels]:
    gold: set[tuple[str, int, int]] = set()
    for et, flip in prereq_edge_types(data):
        ei = data[et].edge_index
        a, b = (ei[1], ei[0]) if flip else (ei[0], ei[1])
        gold.update((et[0], int(x), int(y)) for x, y in zip(a.tolist(), b.tolist()))

    pos: dict[tuple[str, int, int], int] = {}     # (type, a, b) -> kind
    neg: set[tuple[str, int, int]] = set()

    def key(a_iri: str, b_iri: str) -> tuple[str, int, int] | None:
        if a_iri not in index or b_iri not in index or a_iri == b_iri:
            return None
        ta, ra = index.index_of(a_iri)
        tb, rb = index.index_of(b_iri)
        return (ta, ra, rb) if ta == tb else None

    dec = str(DECISIONS_GRAPH)
    for a, b in _select(store, f"SELECT ?a ?b WHERE {{ GRAPH <{dec}> {{ ?a <{KGS.requires}> ?b }} }}"):
        if (k := key(a, b)) is not None:
            pos[k] = LABEL_KINDS.index("decision")
    for a, b, st in _select(store, f"SELECT ?a ?b ?st WHERE {{ GRAPH <{dec}> {{ ?d <{RDF.subject}> ?a ; "
                                   f"<{RDF.predicate}> <{KGS.requires}> ; <{RDF.object}> ?b ; "
                                   f"<{SDO.actionStatus}> ?st }} }}"):
        if (k := key(a, b)) is None:
            continue
        if st == str(SDO.CompletedActionStatus):
            pos[k] = LABEL_KINDS.index("decision")
            neg.discard(k)
        elif st == str(SDO.FailedActionStatus):
            neg.add(k)
            pos.pop(k, None)

    for (a, b), kind in weak_labels(store, gs).items():
        k = key(a, b)
        if k is None or k in pos or k in neg:
            continue
        if groups and (g := groups.get(k[0])) is not None and int(g[k[1]]) != int(g[k[2]]):
            continue
        pos[k] = LABEL_KINDS.index(kind)

    # gold edges win; drop pairs claimed both ways (except decisions, which win)
    dec_k = LABEL_KINDS.index("decision")
    out_pos: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for (t, a, b), kind in sorted(pos.items()):
        if (t, a, b) in gold:
            continue
        rev = (t, b, a)
        if rev in gold and kind != dec_k:
            continue
        if rev in pos and kind != dec_k and pos[rev] != dec_k:
            continue
        out_pos[t].append((a, b, kind))
    out_neg: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for t, a, b in sorted(neg):
        if (t, a, b) not in gold:
            out_neg[t].append((a, b))
    out: dict[str, PrereqLabels] = {}
    for t in sorted(set(out_pos) | set(out_neg)):
        p = out_pos.get(t, [])
        n = out_neg.get(t, [])
        out[t] = PrereqLabels(
            torch.tensor([[x[0] for x in p], [x[1] for x in p]], dtype=torch.long).view(2, -1),
            torch.tensor([x[2] for x in p], dtype=torch.long),
            torch.tensor([[x[0] for x in n], [x[1] for x in n]], dtype=torch.long).view(2, -1))
    return out


def weak_labels(store: Store, graphs: Sequence[str]) -> dict[tuple[str, str], str]:
    """Text-derived prerequisite pairs ``{(A, B): kind}`` (A requires B) over concepts;
    rules in the module docstring. Pairs claimed both ways are dropped."""
    gs = list(graphs)
    order: dict[str, tuple[str, float, float]] = {}   # section -> (curriculum, chapter pos, pos)
    for s, p, cp, cur in _select(store, "SELECT ?s ?p ?cp ?cur WHERE { " + _in_sources(
            gs, f"?s a <{KGS.Section}> ; <{KGS.position}> ?p ; <{KGS.partOf}> ?ch . "
                f"?ch a <{KGS.Chapter}> ; <{KGS.position}> ?cp . OPTIONAL {{ ?ch <{KGS.partOf}> ?cur }}") + " }"):
        p, cp = _num(p), _num(cp)
        if p is not None and cp is not None:
            k = (cur or "", cp, p)
            if s not in order or k < order[s]:
                order[s] = k
    home: dict[str, tuple] = {}                      # concept -> earliest defining section key
    home_sec: dict[str, str] = {}
    first: dict[str, tuple] = {}                     # concept -> earliest section defining or using it
    uses: dict[str, set[str]] = defaultdict(set)     # section -> concepts used
    for c, s in _select(store, "SELECT ?c ?s WHERE { " + _in_sources(gs, f"?c <{KGS.definedIn}> ?s") + " }"):
        if s in order:
            k = order[s]
            if c not in home or (k, s) < (home[c], home_sec[c]):
                home[c], home_sec[c] = k, s
            if c not in first or k < first[c]:
                first[c] = k
    for s, c in _select(store, "SELECT ?s ?c WHERE { " + _in_sources(
            gs, f"{{ ?s <{KGS.mentions}> ?c }} UNION {{ ?c <{KGS.firstUsedIn}> ?s }}") + " }"):
        if s in order:
            uses[s].add(c)
            k = order[s]
            if c not in first or k < first[c]:
                first[c] = k
    out: dict[tuple[str, str], str] = {}
    for a, s in home_sec.items():
        ka = home[a]
        for b in uses.get(s, ()):
            if b != a and b in first and first[b][0] == ka[0] and first[b] < ka:
                out[(a, b)] = "weak-order"

    # definitions naming other concepts' labels
    labels: dict[str, set[str]] = defaultdict(set)
    for c, lab in _select(store, "SELECT ?c ?l WHERE { " + _in_sources(
            gs, f"?c a <{KGS.Concept}> . {{ ?c <{RDFS.label}> ?l }} UNION {{ ?c <{SKOS.prefLabel}> ?l }}") + " }"):
        lab = " ".join(lab.split()).lower()
        if len(lab) >= 3:
            labels[lab].add(c)
    curr: dict[str, str] = {}
    for c, cur in _select(store, "SELECT ?c ?cur WHERE { " + _in_sources(gs, f"?c <{KGS.inCurriculum}> ?cur") + " }"):
        curr[c] = cur
    defs: dict[str, str] = {}
    for c, d in _select(store, "SELECT ?c ?d WHERE { " + _in_sources(
            gs, f"?c a <{KGS.Concept}> ; <{KGS.definition}> ?d") + " }"):
        if c not in defs or d < defs[c]:
            defs[c] = d
    if labels and defs:
        find = label_matcher(labels)
        for a, d in defs.items():
            for lab in find(d):
                for b in labels[lab]:
                    if b != a and curr.get(a) == curr.get(b) and (a, b) not in out:
                        out[(a, b)] = "weak-definition"
    return {k: v for k, v in out.items() if (k[1], k[0]) not in out}


def label_matcher(labels) -> Callable[[str], list[str]]:
    """A function ``text -> labels it names``, by the project's one label matcher
    (:class:`kg.labels.LabelMatcher`: whole words, case-insensitive, leftmost-longest,
    non-overlapping, plural/singular forms of the last word; linear in the text).

    >>> f = label_matcher(["memory cell", "memory", "t-test", "cell"])
    >>> f("A Memory Cell holds one bit; a t-test, not two memory cells.")
    ['memory cell', 't-test', 'memory cell']
    """
    matcher = LabelMatcher({lab: [lab] for lab in labels})

    def find(text: str) -> list[str]:
        return [m.concept for m in matcher.find(text)]

    return find
