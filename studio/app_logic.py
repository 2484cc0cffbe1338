"""What the studio's pages compute that is about showing things, kept out of the page files
so that it is tested without a browser: graph drawings (DOT), the prerequisite DAG and
learning path around a concept, example SPARQL queries, result tables and links into the
explorer.

Domain logic lives where the CLI and scripts find it too: decisions on suggested
prerequisites in :mod:`kg.decisions`, the evidence behind a suggestion in
:mod:`kg.prereq_evidence`, imports in :mod:`kg.importing`, retraining in
:mod:`gnn.retrain`, model status in :mod:`gnn.status` and :mod:`generation.student.status`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from rdflib import URIRef

from kg.dot import dot_graph
from kg.neighbourhood import Neighbourhood, _info, _iri, _rows
from kg.store.base import _SKIP, Store
from ontology.cycles import topological_order
from ontology.namespaces import ID, KGS

# ---- drawing --------------------------------------------------------------------------
TYPE_COLOURS = {"concept": "#cfe2ff", "objective": "#d1e7dd", "section": "#fff3cd",
                "chapter": "#ffe5d0", "item": "#f8d7da", "course": "#e2d9f3",
                "competency": "#d2f4ea", "curriculum": "#e9ecef", "resource": "#f1f3f5"}


def _wrap(text: str, width: int = 22) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def neighbourhood_dot(nb: Neighbourhood) -> str:
    """A DOT drawing of a neighbourhood: nodes coloured by type, the centre bold, one
    arrow per edge labelled with its relation."""
    ids = {n.iri: f"n{i}" for i, n in enumerate(nb.nodes)}
    nodes = [(ids[n.iri], {"label": _wrap(n.label or n.iri.rsplit("/", 1)[-1]) + f"\n({n.type})",
                           "fillcolor": TYPE_COLOURS.get(n.type, "#ffffff"),
                           **({"penwidth": 2.5} if n.iri == nb.center else {})}) for n in nb.nodes]
    edges = [(ids[e.source], ids[e.target], {"label": e.relation}) for e in nb.edges
             if e.source in ids and e.target in ids]
    return dot_graph("G", nodes, edges, graph={"rankdir": "LR", "fontsize": 10},
                     node={"shape": "box", "style": "rounded,filled", "fontname": "Helvetica", "fontsize": 10},
                     edge={"fontname": "Helvetica", "fontsize": 8, "color": "#777777"})


def explorer_link(iri: str) -> str:
    """URL (relative to the studio) of the explorer centred on ``iri``."""
    return "/explorer?node=" + quote(iri, safe="")


# ---- the prerequisite DAG and a learning path --------------------------------------------
@dataclass
class PrereqDag:
    focus: str
    nodes: dict[str, str]                 # iri -> label (focus and all its prerequisites)
    edges: list[tuple[str, str]]          # (a, b): a requires b
    path: list[str] = field(default_factory=list)  # learning order: prerequisites first, focus last


def prerequisite_dag(store: Store, focus: str, limit: int = 200) -> PrereqDag:
    """Everything ``focus`` requires, directly or not, and a learning path through it.

    The path is a topological order of the prerequisite DAG (Kahn's algorithm, ties by
    label), so every concept comes after all the concepts it requires."""
    f = _iri(focus)
    rows = _rows(store, f"""SELECT DISTINCT ?a ?b WHERE {{
        {{ {f} <{KGS.requires}>+ ?b . ?a <{KGS.requires}> ?b . {f} <{KGS.requires}>* ?a }}
    }} LIMIT {int(limit) * 4}""")
    edges = sorted({(a, b) for a, b in rows if a and b})
    iris = sorted({focus} | {x for e in edges for x in e})[: limit + 1]
    keep = set(iris)
    edges = [(a, b) for a, b in edges if a in keep and b in keep]
    info = _info(store, iris)
    labels = {i: (info.get(i, (None, None, None))[1] or i.rsplit("/", 1)[-1]) for i in iris}
    needs: dict[str, set[str]] = {i: set() for i in iris}
    for a, b in edges:
        needs[a].add(b)
    # a cycle (imports refuse them, decisions could add one) ends the path where it starts
    path = topological_order(iris, needs, key=lambda i: (labels[i].lower(), i))
    return PrereqDag(focus, labels, edges, path)


def dag_dot(dag: PrereqDag) -> str:
    """DOT of a prerequisite DAG, prerequisites at the top, the focus at the bottom."""
    ids = {iri: f"p{i}" for i, iri in enumerate(dag.nodes)}
    order = {iri: k + 1 for k, iri in enumerate(dag.path)}
    nodes = [(ids[iri], {"label": (f"{order[iri]}. " if iri in order else "") + _wrap(lab),
                         **({"penwidth": 2.5} if iri == dag.focus else {})}) for iri, lab in dag.nodes.items()]
    return dot_graph("P", nodes, [(ids[b], ids[a], {}) for a, b in dag.edges], graph={"rankdir": "BT"},
                     node={"shape": "box", "style": "rounded,filled", "fillcolor": "#cfe2ff",
                           "fontname": "Helvetica", "fontsize": 10})


# ---- SPARQL page ------------------------------------------------------------------------
EXAMPLE_QUERIES: dict[str, str] = {
    "Prerequisite chains (what each concept needs, directly or not)": """SELECT ?concept ?conceptLabel ?needs ?needsLabel WHERE {
  ?concept a kgs:Concept ; kgs:requires+ ?needs .
  ?concept rdfs:label ?conceptLabel . ?needs rdfs:label ?needsLabel .
} ORDER BY ?conceptLabel ?needsLabel LIMIT 200""",
    "Items per learning objective": """SELECT ?objective ?objectiveLabel (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?objective a kgs:LearningObjective ; rdfs:label ?objectiveLabel .
  OPTIONAL { ?item a kgs:AssessmentItem ; kgs:assesses ?objective }
} GROUP BY ?objective ?objectiveLabel ORDER BY ?items ?objectiveLabel LIMIT 200""",
    "Unreviewed drafts (generated content not yet approved)": """SELECT ?item ?label ?status WHERE {
  GRAPH <https://w3id.org/kgstudio/graph/content> { ?item a ?type . OPTIONAL { ?item rdfs:label ?label } }
  OPTIONAL { ?item schema:creativeWorkStatus ?status }
  FILTER(!BOUND(?status) || STR(?status) NOT IN ("approved"))
} LIMIT 200""",
    "Concepts without a definition": """SELECT ?concept ?label WHERE {
  ?concept a kgs:Concept ; rdfs:label ?label .
  FILTER NOT EXISTS { ?concept kgs:definition ?d }
} ORDER BY ?label LIMIT 200""",
    "Decisions on suggested prerequisites (who, when)": """SELECT ?a ?b ?status ?who ?when WHERE {
  GRAPH <https://w3id.org/kgstudio/graph/decisions> {
    ?d rdf:subject ?a ; rdf:object ?b ; schema:actionStatus ?status ;
       prov:generatedAtTime ?when ; prov:wasAttributedTo ?p . ?p rdfs:label ?who }
} ORDER BY DESC(?when)""",
}


def is_read_only_query(sparql: str) -> bool:
    """True unless the text looks like a SPARQL Update (the SPARQL page only queries).

    >>> is_read_only_query("SELECT * WHERE { ?s ?p ?o }"), is_read_only_query("DROP ALL")
    (True, False)
    """
    blanked = _SKIP.sub(" ", sparql)
    return not re.search(r"(?i)\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b\s*(DATA|WHERE|\{|<|GRAPH|SILENT|ALL|DEFAULT|NAMED)", blanked)


def result_table(result) -> tuple[list[str], list[dict[str, str]], set[str]]:
    """(columns, rows as display strings, columns holding IRIs of typed nodes) of a
    SELECT result; an IRI column gets an extra ``<col> ↗`` column of explorer links."""
    cols = list(result.variables)
    rows = []
    iri_cols: set[str] = set()
    for r in result.rows:
        d = {}
        for v, t in zip(cols, r):
            d[v] = "" if t is None else str(t)
            if isinstance(t, URIRef) and str(t).startswith(str(ID)):
                iri_cols.add(v)
        rows.append(d)
    for d in rows:
        for v in iri_cols:
            d[v + " ↗"] = explorer_link(d[v]) if d[v] else ""
    return cols, rows, iri_cols
