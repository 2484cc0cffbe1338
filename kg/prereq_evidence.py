"""The evidence behind a suggested prerequisite ``A requires B``: both definitions, whether
A's definition names B (the weak label the teacher learns from), where each is defined,
and the shortest path between them through the curriculum graph. Shown next to each
suggestion in the studio; usable from any script."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from kg.errors import KGStudioError
from kg.neighbourhood import _info, _iri, _rows, neighbourhood
from kg.store.base import Store
from ontology.namespaces import KGS, RDFS


@dataclass
class Evidence:
    a_definition: str | None
    b_definition: str | None
    definition_names_b: bool                  # A's definition names B's label
    a_defined_in: list[str]                   # section labels
    b_defined_in: list[str]
    path: list[tuple[str, str, str]]          # (from label, relation, to label) steps from A to B


def evidence(store: Store, a: str, b: str, *, hops: int = 3) -> Evidence:
    """What supports (or not) ``a requires b``; the path is searched within ``hops`` of A."""
    _iri(a), _iri(b)
    info = _info(store, [a, b])
    la, da = info[a][1] or a, info[a][2]
    lb, db = info[b][1] or b, info[b][2]
    names = bool(da and lb and len(lb) > 2 and re.search(rf"(?i)\b{re.escape(lb)}\b", da))

    def defined_in(x: str) -> list[str]:
        rows = _rows(store, f"SELECT ?s ?l WHERE {{ <{x}> <{KGS.definedIn}> ?s OPTIONAL {{ ?s <{RDFS.label}> ?l }} }}")
        return sorted({lab or s for s, lab in rows})

    return Evidence(da, db, names, defined_in(a), defined_in(b), _path(store, a, b, hops))


def _path(store: Store, a: str, b: str, hops: int) -> list[tuple[str, str, str]]:
    """Shortest undirected path from A to B in A's neighbourhood (breadth first)."""
    try:
        nb = neighbourhood(store, a, hops=hops, max_nodes=300)
    except KGStudioError:
        return []
    if not any(n.iri == b for n in nb.nodes):
        return []
    adj: dict[str, list[tuple[str, str, str]]] = {}
    for e in nb.edges:
        adj.setdefault(e.source, []).append((e.target, e.relation, "→"))
        adj.setdefault(e.target, []).append((e.source, e.relation, "←"))
    prev: dict[str, tuple[str, str, str]] = {a: ("", "", "")}
    q = deque([a])
    while q:
        x = q.popleft()
        if x == b:
            break
        for y, rel, arrow in sorted(adj.get(x, [])):
            if y not in prev:
                prev[y] = (x, rel, arrow)
                q.append(y)
    if b not in prev:
        return []
    labels = {n.iri: n.label or n.iri.rsplit("/", 1)[-1] for n in nb.nodes}
    path = []
    x = b
    while x != a:
        px, rel, arrow = prev[x]
        path.append((labels[px], f"{arrow} {rel} {arrow}", labels[x]))
        x = px
    path.reverse()
    return path
