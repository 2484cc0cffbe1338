"""The evidence behind a suggested prerequisite ``A requires B``, in one place for the
teacher's suggestions (``gnn.suggest`` stores :func:`evidence_lines` on each suggestion),
the CLI and the studio's Suggestions page:

* :func:`evidence_lines`: the lines a reviewer reads -- where each concept is defined (its
  definition sentence from the evidence index, :func:`kg.evidence.evidence`), the book's
  sentence about one that names the other (:mod:`kg.labels`: whole words, plurals), and a
  path through the accepted prerequisites when the caller has one;
* :func:`evidence`: the graph's side -- both ``kgs:definition`` texts, whether A's
  definition names B (the weak label the teacher learns from), the sections each is
  defined in, and the shortest path between them through the curriculum graph."""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass

from kg.errors import KGStudioError
from kg import evidence as evidence_index
from kg.labels import LabelMatcher
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


def evidence_lines(store: Store, a: str, b: str, *, a_label: str | None = None, b_label: str | None = None,
                   path_labels: list[str] | None = None, k: int = 40) -> tuple[str, ...]:
    """Evidence lines of ``a requires b`` for a reviewer, in this order: where each concept
    is defined with its definition sentence, the first of ``k`` evidence sentences of A
    (then of B) that names the other, and ``"known path: ..."`` when ``path_labels`` (the
    steps of a path through the accepted prerequisites, as words) is given. Labels default
    to the IRI's last segment. ``()`` when the evidence index has nothing on either.

    User text is returned as is: whoever renders the lines escapes them."""
    la, lb = a_label or a.rsplit("/", 1)[-1], b_label or b.rsplit("/", 1)[-1]
    ev = {x: evidence_index.evidence(store, x, k=k) for x in (a, b)}
    lines = []
    for iri, lab in ((a, la), (b, lb)):
        d = [e for e in ev[iri] if e.kind == "definition"]
        if d:
            lines.append(f"{lab} is defined in {d[0].section_label or d[0].section or '?'}: "
                         f"\u201c{d[0].text}\u201d")
    for iri, other in ((a, lb), (b, la)):
        names = LabelMatcher({other: [other]})
        hit = next((e for e in ev[iri] if names.find(e.text)), None)
        if hit is not None:
            lines.append(f"names {other} ({hit.section_label or hit.kind}): \u201c{hit.text}\u201d")
            break
    if path_labels:
        lines.append("known path: " + " ".join(path_labels))
    return tuple(lines)


def evidence(store: Store, a: str, b: str, *, hops: int = 3) -> Evidence:
    """What supports (or not) ``a requires b``; the path is searched within ``hops`` of A."""
    _iri(a), _iri(b)
    info = _info(store, [a, b])
    da = info[a][2]
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
