"""Neighbourhood queries: the typed nodes and edges around one node of the graph.

``neighbourhood(store, iri, hops, max_nodes)`` is what the student generator linearises
and what the studio draws around a concept. It follows the object properties of
``docs/data-model.md`` (:data:`RELATIONS`) in both directions, breadth first, and keeps
the ``max_nodes`` nearest nodes (the centre included).

How it stays fast (the target is a 2-hop p50 under 2 ms on a million-triple store): per
hop, one lookup of the edges at the whole frontier and one of the type, label and
definition of the nodes it keeps (the centre's ride along with the first hop's), so a
2-hop neighbourhood costs four round trips. On any :class:`~kg.store.base.Store` these
are SPARQL queries shaped for the planner (the frontier in a ``VALUES`` block, both
directions in one ``UNION``, ``FILTER(?p IN ...)`` rather than ``VALUES ?p``, which
pyoxigraph turns into a scan of the whole predicate, and types fetched apart rather than
joined, which it hash-joins against every typed node). On the embedded store the same
lookups go straight to pyoxigraph's indexes (``quads_for_pattern``), two to four times
faster than the SPARQL; ``tests/kg/test_neighbourhood.py`` checks that both paths give
identical results.

Measured on the 1M-triple :func:`kg.synthetic.synthetic_curriculum` graph (2-hop,
``max_nodes=50``, 42 nodes on average, 2 shared cores): in-memory embedded store p50
about 1 ms; the on-disk (RocksDB) embedded store of a workspace is several times slower
(p50 5-10 ms), because every index lookup there costs tens of microseconds, mostly
decoding terms from the id-to-string table. A process that asks for many neighbourhoods
(generating training pairs, serving the studio) can take :func:`snapshot` of the store
once and query that in memory.

Order and cut (deterministic, independent of store order): nodes are ranked by hop
distance, then by the rank of the relation that first reached them (:data:`RELATIONS`
order: prerequisites before structure before mentions), then by IRI. Edges are kept when
both ends are kept.

Limitations:

- Only nodes typed with one of the nine node classes (:data:`TYPE_CLASSES`) appear;
  edges to untyped nodes (e.g. external ``kgs:exactMatch`` targets), choices and terms
  are left out.
- Edges between two nodes of the last hop are not fetched (that would take one more
  query); edges between nearer nodes are.
- ``kgs:inCurriculum`` and ``skos:inScheme`` are not followed: they tie every concept to
  its curriculum, which would put the whole curriculum two hops from any concept.
- The default graph is the union of all named graphs, so accepted decisions and inferred
  triples count like imported ones.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

import pyoxigraph as ox

from kg.errors import KGStudioError
from kg.store.base import GraphResult, Store, triples_to_ntriples
from kg.store.embedded import EmbeddedStore
from kg.store.terms import literal_text
from ontology.namespaces import KGS, RDF, RDFS, SKOS

__all__ = ["NODE_TYPES", "TYPE_CLASSES", "RELATIONS", "NodeInfo", "Edge", "Neighbourhood",
           "NodeNotFound", "neighbourhood", "label", "find_concepts", "sparql_string",
           "node_types", "resolve_type", "snapshot"]

#: Node types in their canonical order (HeteroData node types use these names).
NODE_TYPES: tuple[str, ...] = ("concept", "objective", "section", "chapter", "item", "course",
                               "competency", "curriculum", "resource")

#: The class that makes a node of each type.
TYPE_CLASSES: dict[str, str] = {
    "concept": str(KGS.Concept),
    "objective": str(KGS.LearningObjective),
    "section": str(KGS.Section),
    "chapter": str(KGS.Chapter),
    "item": str(KGS.AssessmentItem),
    "course": str(KGS.Course),
    "competency": str(KGS.Competency),
    "curriculum": str(KGS.Curriculum),
    "resource": str(KGS.Resource),
}
_CLASS_TYPE = {c: t for t, c in TYPE_CLASSES.items()}
# When a node carries several of the classes (a CASE document typed both Curriculum and
# Course), the first in this list wins.
_TYPE_PRIORITY = ("curriculum", "course", "chapter", "section", "objective", "item",
                  "competency", "concept", "resource")
_PRIORITY = {t: i for i, t in enumerate(_TYPE_PRIORITY)}

#: Object properties followed (local names in the kgs: namespace), most telling first.
RELATIONS: tuple[str, ...] = ("requires", "coRequires", "strictCoRequires", "precedes",
                              "relatedTo", "exactMatch", "definedIn", "firstUsedIn", "teaches",
                              "assesses", "hasObjective", "partOf", "mentions", "linksTo")
_REL_IRI = {r: str(KGS[r]) for r in RELATIONS}
_IRI_REL = {v: k for k, v in _REL_IRI.items()}
_REL_RANK = {r: i for i, r in enumerate(RELATIONS)}
_PROPS_LIST = ", ".join(f"<{v}>" for v in _REL_IRI.values())
_LABEL, _PREF, _DEF = str(RDFS.label), str(SKOS.prefLabel), str(KGS.definition)


class NodeNotFound(KGStudioError):
    """The node asked for is not in the store (or has none of the node types)."""


@dataclass(frozen=True)
class NodeInfo:
    iri: str
    type: str                       # one of NODE_TYPES
    label: str | None = None        # rdfs:label (else skos:prefLabel)
    definition: str | None = None   # kgs:definition, when the node has one
    distance: int = 0               # hops from the centre


@dataclass(frozen=True, order=True)
class Edge:
    source: str
    relation: str                   # local name in kgs:, e.g. "requires"
    target: str


@dataclass
class Neighbourhood:
    center: str
    hops: int
    nodes: list[NodeInfo] = field(default_factory=list)   # nearest first; nodes[0] is the centre
    edges: list[Edge] = field(default_factory=list)       # sorted
    truncated: bool = False                                # True when max_nodes cut nodes off

    def node(self, iri: str) -> NodeInfo:
        for n in self.nodes:
            if n.iri == iri:
                return n
        raise KeyError(iri)

    def to_dict(self) -> dict:
        """Plain JSON-able form."""
        return {"center": self.center, "hops": self.hops, "truncated": self.truncated,
                "nodes": [asdict(n) for n in self.nodes], "edges": [asdict(e) for e in self.edges]}


# ---- SPARQL helpers --------------------------------------------------------------------

def sparql_string(text: str) -> str:
    """``text`` as a SPARQL string literal, safe for any user input
    (:func:`kg.store.terms.literal_text`).

    >>> print(sparql_string('say "hi"\\\\n' + "\\n"))
    "say \\"hi\\"\\\\n\\n"
    """
    return literal_text(str(text))


def _iri(value: str) -> str:
    if any(c in value for c in '<>"{}|^`\\ \n'):
        raise NodeNotFound(f"not an IRI: {value!r}")
    return f"<{value}>"


def _rows(store: Store, sparql: str) -> list[tuple[str | None, ...]]:
    """Rows of a SELECT as plain strings (IRI or literal lexical form; None = unbound)."""
    raw = _raw(store)
    if raw is not None:
        res = raw.query(sparql, use_default_graph_as_union=True)
        return [tuple(None if t is None else t.value for t in sol) for sol in res]
    return [tuple(None if t is None else str(t) for t in row) for row in store.query(sparql)]


def resolve_type(classes: Iterable[str]) -> str | None:
    """The node type of a node with rdf:type ``classes`` (None: not one of ours)."""
    best = None
    for c in classes:
        t = _CLASS_TYPE.get(c)
        if t is not None and (best is None or _PRIORITY[t] < _PRIORITY[best]):
            best = t
    return best


def node_types(store: Store, iris: Iterable[str]) -> dict[str, str]:
    """Node type of each IRI that has one."""
    iris = [str(i) for i in iris]
    for i in iris:
        _iri(i)
    return {i: t for i, (t, _l, _d) in _info(store, iris).items() if t is not None}


_INFO_TYPE, _INFO_LABEL, _INFO_PREF, _INFO_DEF = "0", "1", "2", "3"
_INFO_PREDS = [(ox.NamedNode(str(RDF.type)), _INFO_TYPE), (ox.NamedNode(_LABEL), _INFO_LABEL),
               (ox.NamedNode(_PREF), _INFO_PREF), (ox.NamedNode(_DEF), _INFO_DEF)]


def _raw(store: Store):
    """The pyoxigraph store behind an embedded store (None for other backends)."""
    return store.raw if getattr(store, "kind", "") == "embedded" else None


def _info_rows(store: Store, iris: list[str]) -> list[tuple[str, str, str, str]]:
    """Rows (node, kind, value, language) of the type, label and definition triples."""
    raw = _raw(store)
    if raw is not None:
        # Fast path: pyoxigraph's index lookups with subject and predicate bound, no
        # SPARQL; faster than one scan of all the subject's triples (which decodes
        # every term of them), in memory and even more so on disk.
        rows = []
        for i in iris:
            n = ox.NamedNode(i)
            for p, k in _INFO_PREDS:
                for q in raw.quads_for_pattern(n, p, None, None):
                    o = q.object
                    rows.append((i, k, o.value, getattr(o, "language", None) or ""))
        return rows
    # One bound predicate per UNION branch: pyoxigraph plans ``VALUES ?p {...} ?n ?p ?v``
    # as a scan of every label in the store (hundreds of ms on 1M triples).
    vals = " ".join(f"<{i}>" for i in iris)
    return _rows(store, f"""SELECT ?n ?k ?v (LANG(?v) AS ?lang) WHERE {{
        VALUES ?n {{ {vals} }}
        {{ ?n a ?v BIND({_INFO_TYPE} AS ?k) }}
        UNION {{ ?n <{_LABEL}> ?v BIND({_INFO_LABEL} AS ?k) }}
        UNION {{ ?n <{_PREF}> ?v BIND({_INFO_PREF} AS ?k) }}
        UNION {{ ?n <{_DEF}> ?v BIND({_INFO_DEF} AS ?k) }} }}""")


def _edges(store: Store, frontier: list[str]) -> list[tuple[str, str, str]]:
    """Edges (source, relation IRI, target) of :data:`RELATIONS` at any frontier node."""
    raw = _raw(store)
    if raw is None:
        return _rows(store, _edge_query(frontier))
    out = []
    for i in frontier:
        n = ox.NamedNode(i)
        for q in raw.quads_for_pattern(n, None, None, None):
            p = q.predicate.value
            if p in _IRI_REL and isinstance(q.object, ox.NamedNode):
                out.append((i, p, q.object.value))
        for q in raw.quads_for_pattern(None, None, n, None):
            p = q.predicate.value
            if p in _IRI_REL and isinstance(q.subject, ox.NamedNode):
                out.append((q.subject.value, p, i))
    return out


def _info(store: Store, iris: list[str]) -> dict[str, tuple[str | None, str | None, str | None]]:
    """(type, label, definition) of each IRI in one query; several labels or definitions
    are chosen deterministically (English or untagged first, then A-Z)."""
    if not iris:
        return {}
    rows = _info_rows(store, iris)
    classes: dict[str, list[str]] = {}
    best: dict[tuple[str, str], tuple] = {}
    for n, k, v, lang in rows:
        if k == _INFO_TYPE:
            classes.setdefault(n, []).append(v)
            continue
        key = (0 if lang in ("en", "") else 1, lang, v)
        if (n, k) not in best or key < best[(n, k)]:
            best[(n, k)] = key
    out = {}
    for i in iris:
        lab = best.get((i, _INFO_LABEL)) or best.get((i, _INFO_PREF))
        d = best.get((i, _INFO_DEF))
        out[i] = (resolve_type(classes.get(i, ())), lab[2] if lab else None, d[2] if d else None)
    return out


def label(store: Store, iri: str) -> str | None:
    """The label of a node (rdfs:label, else skos:prefLabel; English or untagged first)."""
    iri = str(iri)
    _iri(iri)
    return _info(store, [iri])[iri][1]


def _edge_query(frontier: list[str]) -> str:
    """Edges of :data:`RELATIONS` leaving or entering any frontier node.

    Shapes that matter to pyoxigraph's planner: ``FILTER(?p IN ...)`` rather than
    ``VALUES ?p`` (which scans the whole predicate), and types fetched by a separate
    query rather than joined here (``?x a ?t`` gets hash-joined against every typed node).
    """
    vals = " ".join(f"<{i}>" for i in frontier)
    return f"""SELECT ?s ?p ?o WHERE {{
  {{ VALUES ?s {{ {vals} }} ?s ?p ?o . FILTER(?p IN ({_PROPS_LIST}) && isIRI(?o)) }}
  UNION
  {{ VALUES ?o {{ {vals} }} ?s ?p ?o . FILTER(?p IN ({_PROPS_LIST}) && isIRI(?s)) }}
}}"""


def _not_found(center: str) -> NodeNotFound:
    return NodeNotFound(f"<{center}> is not a node of the store (it has none of the types "
                        f"{', '.join(NODE_TYPES)}); look one up with find_concepts() or "
                        "`kgstudio sparql`")


def neighbourhood(store: Store, concept_iri: str, hops: int = 2, max_nodes: int = 50) -> Neighbourhood:
    """Typed nodes and edges within ``hops`` of ``concept_iri`` (any typed node works).

    Queries: per hop one for the edges and one for the type, label and definition of the
    nodes it keeps (the centre's ride along with the first hop's); one more per hop only
    when some of the nodes picked turn out untyped and the gap has to be refilled.
    Raises :class:`NodeNotFound` when the IRI is not a typed node of the store.

    ``truncated`` is True when nodes within ``hops`` were left out for ``max_nodes``
    (it can also be True when all those left out are untyped, which are never shown).
    """
    if hops < 0:
        raise ValueError("hops must be 0 or more")
    if max_nodes < 1:
        raise ValueError("max_nodes must be at least 1")
    center = str(concept_iri)
    _iri(center)
    info: dict[str, tuple] = {}        # kept iri -> (type, label, definition)
    dist_of: dict[str, int] = {center: 0}
    order = [center]
    edges: set[tuple[str, str, str]] = set()
    frontier = [center]
    truncated = False
    pending = [center]                 # kept but not yet described
    untyped: set[str] = set()          # reached but none of the node types: never shown
    for dist in range(1, hops + 1):
        if not frontier:
            break
        best: dict[str, int] = {}      # new node -> best relation rank reaching it
        for s, p, o in _edges(store, frontier):
            rel = _IRI_REL[p]
            edges.add((s, rel, o))
            r = _REL_RANK[rel]
            for x in (s, o):
                if x not in dist_of and x not in untyped and best.get(x, 99) > r:
                    best[x] = r
        ranked = sorted(best, key=lambda x: (best[x], x))
        room = max_nodes - len(order)
        frontier = []
        pos = 0
        while True:
            take = ranked[pos:pos + room - len(frontier)]
            pos += len(take)
            got = _info(store, pending + take)
            for x in pending:
                info[x] = got[x]
            if center in pending and got[center][0] is None:
                raise _not_found(center)
            pending = []
            for x in take:
                if got[x][0] is None:
                    untyped.add(x)
                else:
                    info[x] = got[x]
                    dist_of[x] = dist
                    order.append(x)
                    frontier.append(x)
            if len(frontier) >= room or pos >= len(ranked):
                break
        truncated = truncated or pos < len(ranked)
    if pending:  # hops == 0, or nothing around the centre
        got = _info(store, pending)
        if got[center][0] is None:
            raise _not_found(center)
        info.update(got)
    nodes = [NodeInfo(i, *info[i], distance=dist_of[i]) for i in order]
    kept_edges = [Edge(*e) for e in sorted(e for e in edges if e[0] in info and e[2] in info)]
    return Neighbourhood(center, hops, nodes, kept_edges, truncated)


def find_concepts(store: Store, text: str, limit: int = 20) -> list[NodeInfo]:
    """Concepts whose label contains ``text`` (case-insensitive), best matches first:
    exact label, then label starting with the text, then shorter labels, then A-Z.

    ``text`` is escaped for SPARQL, so quotes, backslashes and newlines are searched for
    literally. A substring search has no index to use: it reads every concept label
    (about 150 ms for 40,000 concepts on the embedded store).
    """
    if limit < 1:
        return []
    needle = sparql_string(text.lower())
    rows = _rows(store, f"""SELECT DISTINCT ?c ?l WHERE {{
        ?c a <{TYPE_CLASSES['concept']}> .
        {{ ?c <{_LABEL}> ?l }} UNION {{ ?c <{_PREF}> ?l }}
        FILTER(CONTAINS(LCASE(STR(?l)), {needle}))
    }}""")
    low = text.lower()
    best: dict[str, tuple] = {}
    for c, lab in rows:
        ll = lab.lower()
        key = (ll != low, not ll.startswith(low), len(lab), lab)
        if c not in best or key < best[c]:
            best[c] = key
    chosen = sorted(best, key=lambda c: (best[c], c))[:limit]
    got = _info(store, chosen)
    return [NodeInfo(c, "concept", got[c][1], got[c][2]) for c in chosen]


def snapshot(store: Store):
    """An in-memory embedded store holding just the triples :func:`neighbourhood`,
    :func:`label` and :func:`find_concepts` read (types, labels, definitions and the
    :data:`RELATIONS` edges), all in its default graph.

    For processes that ask for many neighbourhoods: on the 1M-triple synthetic graph it
    takes about 14 s to build from the on-disk store (640k triples kept) and answers a
    2-hop neighbourhood in about 1 ms instead of 5-10 ms. It is a copy: later writes to
    ``store`` do not reach it; take a new one after an import.
    """
    preds = list(_REL_IRI.values()) + [str(RDF.type), _LABEL, _PREF, _DEF]
    out = EmbeddedStore(None)
    raw = _raw(store)
    if raw is not None:
        for p in preds:
            out.raw.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                                for q in raw.quads_for_pattern(None, ox.NamedNode(p), None, None))
        return out
    plist = ", ".join(f"<{p}>" for p in preds)
    res = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o FILTER(?p IN ({plist}) && !isBlank(?s) && !isBlank(?o)) }}")
    if not isinstance(res, GraphResult):  # pragma: no cover - a backend bug
        raise TypeError("CONSTRUCT did not return triples")
    out.raw.load(triples_to_ntriples(res.triples), format=ox.RdfFormat.N_TRIPLES)
    return out
