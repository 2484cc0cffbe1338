"""Graphviz DOT text for node-link drawings: the one writer behind the content diagrams
(:mod:`generation.content.diagrams`) and the studio's explorer drawings. Every label and
attribute value is a quoted DOT string, so curriculum text (quotes, backslashes, ``\\l``,
``<tags>``) is always shown as text.

>>> print(dot_graph("G", [("n0", {"label": 'say "hi"'}), ("n1", {"label": "B"})],
...                 [("n0", "n1", {"label": "requires"})], graph={"rankdir": "LR"}))
digraph G {
  graph [rankdir="LR"];
  n0 [label="say \\"hi\\""];
  n1 [label="B"];
  n0 -> n1 [label="requires"];
}
"""
from __future__ import annotations

from typing import Iterable, Mapping

Attrs = Mapping[str, object]


def dot_string(text: object) -> str:
    """``text`` as a DOT quoted string: backslashes and quotes escaped, line breaks as ``\\n``.

    >>> dot_string('a "b" <script>\\\\')
    '"a \\\\"b\\\\" <script>\\\\\\\\"'
    """
    body = str(text).replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{body}"'


def _attrs(attrs: Attrs | None) -> str:
    if not attrs:
        return ""
    return " [" + ", ".join(f"{k}={dot_string(v)}" for k, v in attrs.items()) + "]"


def dot_graph(name: str, nodes: Iterable[tuple[str, Attrs]], edges: Iterable[tuple[str, str, Attrs]], *,
              graph: Attrs | None = None, node: Attrs | None = None, edge: Attrs | None = None,
              clusters: Iterable[tuple[Attrs, Iterable[tuple[str, Attrs]]]] = ()) -> str:
    """A ``digraph``: default ``graph``/``node``/``edge`` attributes, then ``clusters``
    (``(cluster attributes, its nodes)``), then ``nodes`` (``(id, attributes)``), then
    ``edges`` (``(from id, to id, attributes)``). Ids are the caller's (``n0``, ``p1``…:
    identifiers, never user text)."""
    out = [f"digraph {name} {{"]
    for kind, attrs in (("graph", graph), ("node", node), ("edge", edge)):
        if attrs:
            out.append(f"  {kind}{_attrs(attrs)};")
    for i, (attrs, members) in enumerate(clusters):
        out.append(f"  subgraph cluster_{i} {{ " + " ".join(f"{k}={dot_string(v)};" for k, v in attrs.items()))
        out.extend(f"    {nid}{_attrs(a)};" for nid, a in members)
        out.append("  }")
    out.extend(f"  {nid}{_attrs(a)};" for nid, a in nodes)
    out.extend(f"  {a} -> {b}{_attrs(at)};" for a, b, at in edges)
    out.append("}")
    return "\n".join(out)
