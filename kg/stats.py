"""Graph statistics for ``kgstudio stats``: what the store holds, at a glance.

:func:`graph_stats` counts triples per named graph, nodes per node type, edges per
relation, concepts with and without a definition, and lists the curricula;
:func:`format_stats` prints that as a small text report. Node types and relations are
those of :mod:`kg.neighbourhood` (the same ones the HeteroData export uses), a node with
several of the classes counted once under its resolved type.

Every pattern names its graph (``GRAPH ?g``) and counts distinct nodes or edges, so the
numbers are the same on every backend whether or not it treats the default graph as the
union of the named graphs, and a triple stored in two graphs is one edge. Each count is
one aggregate query; on a million-triple embedded store the whole report takes 2-4
seconds.
"""
from __future__ import annotations

from kg.neighbourhood import NODE_TYPES, RELATIONS, TYPE_CLASSES, _rows, resolve_type
from kg.store.base import Store
from kg.text_table import pad, width
from ontology.namespaces import GRAPH, KGS, RDFS

__all__ = ["graph_stats", "format_stats"]


def _int(v) -> int:
    return int(float(v)) if v is not None else 0


def graph_stats(store: Store) -> dict:
    """Counts of what the store holds (JSON-able).

    Keys: ``triples`` (all quads), ``graphs`` ({graph IRI: triples}), ``nodes``
    ({node type: count}, every type of ``NODE_TYPES``), ``edges`` ({relation: count}),
    ``concepts`` ({"total", "with_definition", "without_definition"}), ``curricula``
    ([{"iri", "label", "graph", "concepts"}] sorted by label).
    """
    graphs = {g: _int(n) for g, n in _rows(
        store, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    graphs = dict(sorted(graphs.items()))

    classes: dict[str, list[str]] = {}
    class_list = ", ".join(f"<{c}>" for c in TYPE_CLASSES.values())
    for n, t in _rows(store, f"SELECT DISTINCT ?n ?t WHERE {{ GRAPH ?g {{ ?n a ?t }} "
                             f"FILTER(?t IN ({class_list})) }}"):
        classes.setdefault(n, []).append(t)
    nodes = {t: 0 for t in NODE_TYPES}
    for cs in classes.values():
        nodes[resolve_type(cs)] += 1

    branches = " UNION ".join(
        f'{{ SELECT ("{r}" AS ?r) (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE '
        f'{{ GRAPH ?g {{ ?s <{KGS[r]}> ?o }} }} }} }}' for r in RELATIONS)
    counted = {r: _int(n) for r, n in _rows(store, f"SELECT ?r ?n WHERE {{ {branches} }}")}
    edges = {r: counted.get(r, 0) for r in RELATIONS}

    concept = TYPE_CLASSES["concept"]
    total, with_def = _rows(store, f"""SELECT (COUNT(DISTINCT ?c) AS ?all) (COUNT(DISTINCT ?d) AS ?def)
        WHERE {{ GRAPH ?g {{ ?c a <{concept}> }}
                 OPTIONAL {{ GRAPH ?h {{ ?c <{KGS.definition}> ?x }} BIND(?c AS ?d) }} }}""")[0]
    concepts = {"total": _int(total), "with_definition": _int(with_def),
                "without_definition": _int(total) - _int(with_def)}

    in_cur = {c: _int(n) for c, n in _rows(store, f"""SELECT ?cur (COUNT(DISTINCT ?c) AS ?n)
        WHERE {{ GRAPH ?g {{ ?c <{KGS.inCurriculum}> ?cur }} }} GROUP BY ?cur""")}
    cur: dict[str, dict] = {}
    for c, g, lab in _rows(store, f"""SELECT ?c ?g ?l WHERE {{
            GRAPH ?g {{ ?c a <{KGS.Curriculum}> OPTIONAL {{ ?c <{RDFS.label}> ?l }} }} }}"""):
        entry = cur.setdefault(c, {"iri": c, "label": lab, "graph": g, "concepts": in_cur.get(c, 0)})
        if lab is not None and (entry["label"] is None or lab < entry["label"]):
            entry["label"] = lab
        if g < entry["graph"]:
            entry["graph"] = g
    curricula = sorted(cur.values(), key=lambda e: (e["label"] or "", e["iri"]))
    return {"triples": store.count(), "graphs": graphs, "nodes": nodes, "edges": edges,
            "concepts": concepts, "curricula": curricula}


def _short_graph(g: str) -> str:
    return g[len(str(GRAPH)):] if g.startswith(str(GRAPH)) else g


def format_stats(stats: dict) -> str:
    """The statistics as text for the terminal.

    >>> print(format_stats({"triples": 12, "graphs": {"https://w3id.org/kgstudio/graph/source/demo": 12},
    ...     "nodes": {"concept": 2, "section": 1, "item": 0}, "edges": {"requires": 1, "mentions": 0},
    ...     "concepts": {"total": 2, "with_definition": 1, "without_definition": 1},
    ...     "curricula": [{"iri": "urn:c", "label": "Demo", "graph": "https://w3id.org/kgstudio/graph/source/demo", "concepts": 2}]}))
    triples: 12 in 1 named graph
      source/demo  12
    nodes:
      concept  2
      section  1
    edges:
      requires  1
    concepts: 2 (1 with a definition, 1 without)
    curricula: 1
      Demo  2 concepts  source/demo  <urn:c>
    """
    out: list[str] = []
    n_graphs = len(stats["graphs"])
    out.append(f"triples: {stats['triples']:,} in {n_graphs} named graph{'s' if n_graphs != 1 else ''}")
    out += _table([(_short_graph(g), f"{n:,}") for g, n in stats["graphs"].items()])
    out.append("nodes:")
    out += _table([(t, f"{n:,}") for t, n in stats["nodes"].items() if n])
    out.append("edges:")
    out += _table([(r, f"{n:,}") for r, n in stats["edges"].items() if n])
    c = stats["concepts"]
    out.append(f"concepts: {c['total']:,} ({c['with_definition']:,} with a definition, "
               f"{c['without_definition']:,} without)")
    out.append(f"curricula: {len(stats['curricula'])}")
    out += _table([(e["label"] or "(no label)", f"{e['concepts']:,} concepts",
                    _short_graph(e["graph"]), f"<{e['iri']}>") for e in stats["curricula"]])
    return "\n".join(out)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [pad(cell, widths[i], right=(i == 1)) for i, cell in enumerate(r)]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines
