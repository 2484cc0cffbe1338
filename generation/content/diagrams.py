"""Diagrams from the graph: concept map, prerequisite DAG, learning path, course structure.

Each diagram comes as Graphviz DOT, Mermaid flowchart source, SVG (``dot -Tsvg``; empty
when Graphviz is not installed) and a text alternative for screen readers that says in
words everything the picture shows, in reading order.

Labels are user and source text, so both sources escape them: DOT labels are quoted
strings with ``\\`` and ``"`` escaped and newlines as ``\\n`` (:func:`dot_string`); Mermaid
labels are quoted and use Mermaid's entity codes for ``"``, ``#``, ``&``, ``<``, ``>``,
``|`` and brackets (:func:`mermaid_string`), so ``<script>`` reaches the page as text; a
second line of a label is joined with a dash (a ``<br>`` would be markup).
Node ids are generated (``n0``, ``n1``, …), never taken from the data.

Arrows point from what comes first to what builds on it (prerequisite → concept), the
direction a learner walks; the text alternative spells each one out.

>>> dot_string('say "hi" \\\\ <b>')
'"say \\\\"hi\\\\" \\\\\\\\ <b>"'
>>> mermaid_string('a "b" <c> #1 | [d]')
'"a #quot;b#quot; #lt;c#gt; #35;1 #124; #91;d#93;"'
"""
from __future__ import annotations

import shutil
import subprocess
import time

from generation.content.model import Diagram, ItemMeta, LearningPath
from generation.content.repository import item_iri
from kg.dot import dot_graph, dot_string  # noqa: F401 - dot_string: part of this module's API
from kg.errors import KGStudioError

__all__ = ["concept_map", "prerequisite_dag", "learning_path_diagram", "course_structure",
           "dot_string", "mermaid_string", "render_svg", "DIAGRAM_BUILDERS"]

_REL_TEXT = {"requires": "is needed for", "relatedTo": "is related to", "partOf": "contains",
             "step": "then"}


_MERMAID = {'"': "#quot;", "#": "#35;", "&": "#amp;", "<": "#lt;", ">": "#gt;", "|": "#124;",
            "[": "#91;", "]": "#93;", "{": "#123;", "}": "#125;", "(": "#40;", ")": "#41;", "`": "#96;",
            ";": "#59;"}


def mermaid_string(text: str) -> str:
    """``text`` as a quoted Mermaid label with entity codes for every markup character."""
    out = []
    for ch in " — ".join(" ".join(line.split()) for line in str(text).splitlines() if line.strip()):
        out.append(_MERMAID.get(ch, ch))
    return '"' + "".join(out) + '"'


def render_svg(dot: str, timeout: float = 20.0) -> str:
    """SVG of ``dot`` through Graphviz (``""`` when ``dot`` is not installed)."""
    exe = shutil.which("dot")
    if exe is None:
        return ""
    try:
        res = subprocess.run([exe, "-Tsvg"], input=dot.encode("utf-8"), capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise KGStudioError(f"Graphviz took longer than {timeout:g} s to lay out the diagram; "
                            "draw a smaller one (fewer hops or nodes)") from None
    if res.returncode != 0:
        raise KGStudioError(f"Graphviz failed: {res.stderr.decode('utf-8', 'replace').strip()[:500]}")
    return res.stdout.decode("utf-8")


def _make(kind: str, scope: str, title: str, nodes: list[tuple[str, str]], edges: list[tuple[str, str, str]],
          text_alt: str, *, rankdir: str = "LR", clusters: dict[str, list[str]] | None = None,
          highlight: set[str] | None = None, variant: str = "", svg: bool = True,
          node_shape: dict[str, str] | None = None) -> Diagram:
    t0 = time.perf_counter()
    ids = {iri: f"n{i}" for i, (iri, _) in enumerate(nodes)}
    labels = dict(nodes)
    highlight = highlight or set()
    node_shape = node_shape or {}
    in_cluster = {m for members in (clusters or {}).values() for m in members}
    cluster_list = [({"label": labels.get(head, head)}, [(ids[m], {"label": labels[m]}) for m in members])
                    for head, members in (clusters or {}).items()]
    dot_nodes = []
    for iri, lab in nodes:
        if iri in in_cluster:
            continue
        attrs = {"label": lab, "tooltip": iri}
        if iri in highlight:
            attrs.update(fillcolor="#ffe08a", penwidth=2)
        if iri in node_shape:
            attrs["shape"] = node_shape[iri]
        dot_nodes.append((ids[iri], attrs))
    dot_edges = []
    m = ["flowchart " + ("LR" if rankdir == "LR" else "TD")]
    for iri, lab in nodes:
        m.append(f"  {ids[iri]}[{mermaid_string(lab)}]")
    for s, rel, t in edges:
        text = _REL_TEXT.get(rel, rel)
        dot_edges.append((ids[s], ids[t], {"label": text, **({"style": "dashed", "dir": "none"}
                                                            if rel == "relatedTo" else {})}))
        arrow = "-.-" if rel == "relatedTo" else "-->"
        m.append(f"  {ids[s]} {arrow}|{mermaid_string(text)}| {ids[t]}")
    for iri in sorted(highlight):
        if iri in ids:
            m.append(f"  style {ids[iri]} fill:#ffe08a,stroke-width:2px")
    dot = dot_graph("kgstudio", dot_nodes, dot_edges, clusters=cluster_list,
                    graph={"rankdir": rankdir, "label": title, "labelloc": "t", "fontname": "Helvetica"},
                    node={"shape": "box", "style": "rounded,filled", "fillcolor": "#f4f4f0",
                          "fontname": "Helvetica"},
                    edge={"fontname": "Helvetica", "fontsize": 10}) + "\n"
    diagram = Diagram(iri=item_iri("diagram", scope, kind + variant), title=title, diagram_kind=kind, scope=scope,
                      dot=dot, mermaid="\n".join(m) + "\n", svg=render_svg(dot) if svg else "",
                      text_alternative=text_alt, nodes=list(nodes), edges=list(edges),
                      meta=ItemMeta(generator="graph", template="diagram"))
    diagram.meta.build_s = round(time.perf_counter() - t0, 4)
    return diagram


def concept_map(b, center: str, *, hops: int = 1, max_nodes: int = 25, svg: bool = True) -> Diagram:
    """The concepts around ``center``: prerequisites, concepts that build on it, related
    ones (``hops`` steps out, at most ``max_nodes``)."""
    v = b.view
    center = str(center)
    v.concept(center)
    dist = {center: 0}
    frontier = [center]
    for h in range(1, hops + 1):
        nxt = []
        for c in frontier:
            for n in sorted(v.requires.get(c, set()) | v.required_by.get(c, set()) | v.related.get(c, set())):
                if n not in dist and n in v.concepts and len(dist) < max_nodes:
                    dist[n] = h
                    nxt.append(n)
        frontier = nxt
    keep = sorted(dist, key=lambda c: (dist[c], v.label(c)))
    kept = set(keep)
    edges = sorted({(p, "requires", c) for c in keep for p in v.requires.get(c, ()) if p in kept})
    pairs = {tuple(sorted((a, r))) for a in keep for r in v.related.get(a, ()) if r in kept}
    edges += [(a, "relatedTo", r) for a, r in sorted(pairs)]
    c = v.concept(center)
    lines = [f"Concept map of {c.label}: {len(keep)} concepts."]
    if c.definition:
        lines.append(f"{c.label}: {c.definition}")
    pre = [v.label(p) for p, rel, t in edges if rel == "requires" and t == center]
    post = [v.label(t) for p, rel, t in edges if rel == "requires" and p == center]
    rel = [v.label(r if a == center else a) for a, k, r in edges if k == "relatedTo" and center in (a, r)]
    lines.append(f"{c.label} builds on: {', '.join(pre) or 'nothing shown'}.")
    lines.append(f"Builds on {c.label}: {', '.join(post) or 'nothing shown'}.")
    if rel:
        lines.append(f"Related to {c.label}: {', '.join(rel)}.")
    for p, k, t in edges:
        if k == "requires" and center not in (p, t):
            lines.append(f"{v.label(p)} is needed for {v.label(t)}.")
    return _make("concept_map", center, f"Concept map: {c.label}", [(x, v.label(x)) for x in keep], edges,
                 "\n".join(lines), highlight={center}, svg=svg)


def prerequisite_dag(b, target: str, *, max_nodes: int = 60, svg: bool = True) -> Diagram:
    """Every transitive prerequisite of ``target`` with the ``requires`` edges among them."""
    v = b.view
    target = str(target)
    t = v.concept(target)
    anc = v.ancestors(target)
    nodes = v.teaching_order(anc | {target})
    if len(nodes) > max_nodes:   # keep the nearest prerequisites
        near = sorted(anc, key=lambda c: (-v.depth(c), v.label(c)))
        keep = set(near[-(max_nodes - 1):]) | {target}
        nodes = [n for n in nodes if n in keep]
    kept = set(nodes)
    edges = sorted((p, "requires", c) for c in nodes for p in v.requires.get(c, ()) if p in kept)
    lines = [f"Prerequisites of {t.label}: {len(nodes) - 1} concepts, listed in an order that respects them."]
    for i, c in enumerate(nodes, 1):
        needs = [v.label(p) for p, _, x in edges if x == c]
        lines.append(f"{i}. {v.label(c)}" + (f" (builds on {', '.join(needs)})" if needs else " (no prerequisites)"))
    return _make("prerequisites", target, f"Prerequisites of {t.label}", [(x, v.label(x)) for x in nodes], edges,
                 "\n".join(lines), rankdir="TB", highlight={target}, svg=svg)


def learning_path_diagram(b, path: LearningPath, *, svg: bool = True) -> Diagram:
    """A learning path: the steps in order (numbered) and the prerequisite edges among them."""
    v = b.view
    inside = {s.concept for s in path.steps}
    # the reason shows under the name (a second line in DOT, after a dash in Mermaid)
    nodes = [(s.concept, f"{i}. {s.label}\n{s.reason}") for i, s in enumerate(path.steps, 1)]
    edges = sorted((p, "requires", s.concept) for s in path.steps for p in v.requires.get(s.concept, ()) if p in inside)
    known = [v.label(k) for k in path.known]
    lines = [f"{path.title}: {len(path.steps)} steps"
             + (f", for a learner who knows {', '.join(known)}." if known else ", starting from nothing.")]
    lines += [f"{i}. {s.label}: {s.reason}." for i, s in enumerate(path.steps, 1)]
    if not path.steps:
        lines.append("Nothing to learn: the target is already known.")
    return _make("learning_path", path.target, path.title, nodes, edges, "\n".join(lines), rankdir="LR",
                 highlight={path.target}, variant=path.iri, svg=svg)


def course_structure(b, curriculum: str, *, svg: bool = True) -> Diagram:
    """Chapters and sections of a curriculum (or the sections of one chapter), in order."""
    v = b.view
    curriculum = str(curriculum)
    root = v.section(curriculum)
    if v.node_type(curriculum) not in ("curriculum", "chapter", "course"):
        raise KGStudioError(f"<{curriculum}> is not a curriculum or chapter: the course structure "
                            "needs one (e.g. the curriculum a concept is in)")
    nodes = [(curriculum, root.label)]
    edges = []
    clusters = {}
    lines = [f"Structure of {root.label}:"]
    for ci, ch in enumerate(v.parts(curriculum), 1):
        nodes.append((ch.iri, f"{ch.position}. {ch.label}" if ch.position else ch.label))
        edges.append((curriculum, "partOf", ch.iri))
        lines.append(f"Part {ci}: {ch.label}")
        secs = v.parts(ch.iri)
        for s in secs:
            nodes.append((s.iri, s.label))
            edges.append((ch.iri, "partOf", s.iri))
            lines.append(f"  - {s.label}")
    return _make("course_structure", curriculum, f"Course structure: {root.label}", nodes, edges,
                 "\n".join(lines), rankdir="LR", clusters=clusters, highlight={curriculum}, svg=svg)


#: Diagram kinds to builder functions taking (builder, scope IRI).
DIAGRAM_BUILDERS = {"concept_map": concept_map, "prerequisites": prerequisite_dag,
                    "course_structure": course_structure}
