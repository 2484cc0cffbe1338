"""SHACL validation of imported graphs against ``shapes.ttl``, with a report a person can read.

Every import runs :func:`validate` on the graph of each source before anything is written
(``kg.importing``). The report says, for each problem, which node (by its label when it has
one), which rule (the name of the SHACL shape in ``shapes.ttl``), what is wrong and what to
fix (the shape's ``ksh:hint``).

Speed: pyshacl runs on the data graph alone, with ``inference='none'`` and without the
ontology as ``ont_graph``; the shapes target explicit types (docs/data-model.md makes
importers write them), so no sub-class reasoning is needed; and every rule is a top-level
shape with its own target (see the comment at the top of ``shapes.ttl``). Measured on the
2-core development machine under load: a synthetic 38,800-triple book (3,900 nodes,
2,560 ``requires`` edges) validates in 1.5 s; the real imports of OpenStax Psychology 2e
(26,136 triples) in 1.1 s, Introductory Statistics 2e (22,595) in 0.7 s, BNCC (24,107) in
2.3 s, CASE CCSS math (9,740) in 0.5 s. (With the rules nested under node shapes and an
``sh:or`` over the subjects of ``requires``, the synthetic book took 25 s.)

Limitations: the shapes check one source at a time, so a link into another source's nodes
(e.g. a ``kgs:requires`` to a concept imported elsewhere) fails the ``sh:class`` rules; the
data model keeps such links inside a source. ``sh:Warning`` results are reported but do not
make ``conforms`` false.

>>> from rdflib import Graph, Literal, RDF, RDFS
>>> from ontology.namespaces import KGS, ID, SKOS
>>> g = Graph()
>>> c = ID["demo/concept/mean"]
>>> _ = g.add((c, RDF.type, KGS.Concept)).add((c, RDFS.label, Literal("mean")))
>>> report = validate(g)
>>> report.conforms
False
>>> [(r.rule, r.path) for r in report.results]
[('Concept-prefLabel', 'skos:prefLabel')]
>>> _ = g.add((c, SKOS.prefLabel, Literal("mean")))
>>> validate(g).conforms
True
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH, SKOS
from rdflib.term import Node

from ontology import SHAPES_TTL

__all__ = ["validate", "ValidationReport", "ValidationResult", "KSH", "shapes_graph"]

KSH = Namespace("https://w3id.org/kgstudio/shapes#")
"""Namespace of the shapes themselves (rule names) and of ``ksh:hint``."""

_PREFIXES = {
    "https://w3id.org/kgstudio/ns#": "kgs:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://purl.org/dc/terms/": "dcterms:",
    "https://schema.org/": "schema:",
}


def short(term: Node | None) -> str:
    """Compact form of an IRI for messages (``kgs:partOf``); other terms as N3."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        s = str(term)
        for ns, prefix in _PREFIXES.items():
            if s.startswith(ns):
                return prefix + s[len(ns):]
        return f"<{s}>"
    return term.n3()


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: a node that breaks a rule."""

    focus: Node                 # the node at fault
    label: str | None           # its rdfs:label / skos:prefLabel, when the data has one
    types: tuple[str, ...]      # its rdf:types, compact ("kgs:Concept")
    path: str | None            # the property concerned, compact ("skos:prefLabel")
    value: Node | None          # the offending value, when there is one
    rule: str                   # name of the shape in shapes.ttl ("Concept-prefLabel")
    constraint: str             # SHACL constraint component ("MinCount", "Class", ...)
    severity: str               # "Violation", "Warning" or "Info"
    message: str                # what is wrong
    hint: str                   # what to fix

    def node_text(self) -> str:
        kind = next((t for t in self.types if t.startswith("kgs:")), self.types[0] if self.types else "")
        name = f'"{self.label}" ' if self.label else ""
        return f"{kind + ' ' if kind else ''}{name}{short(self.focus) if isinstance(self.focus, URIRef) else self.focus.n3()}"

    def text(self) -> str:
        """Three lines: the node, the rule with the problem, what to fix."""
        where = f" on {self.path}" if self.path else ""
        value = f" (value: {_clip(self.value.n3(), 80)})" if self.value is not None else ""
        return (f"{self.severity}: {self.node_text()}\n"
                f"  rule {self.rule} ({self.constraint}){where}: {self.message}{value}\n"
                f"  fix: {self.hint}")


@dataclass
class ValidationReport:
    """Outcome of :func:`validate`. ``conforms`` is False when any result is a Violation."""

    conforms: bool
    results: list[ValidationResult] = field(default_factory=list)
    triples: int = 0            # size of the validated graph
    seconds: float = 0.0        # wall time of the validation

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity != "Violation"]

    def text(self, limit: int | None = None) -> str:
        """A report a person can read; ``limit`` caps the number of results listed."""
        nv, nw = len(self.violations), len(self.warnings)
        head = (f"{'conforms' if self.conforms else 'does not conform'}: {nv} violation(s), "
                f"{nw} warning(s) in {self.triples} triples ({self.seconds:.1f} s)")
        ordered = self.violations + self.warnings
        shown = ordered if limit is None else ordered[:limit]
        lines = [head] + [f"{i}. {r.text()}" for i, r in enumerate(shown, 1)]
        if len(shown) < len(ordered):
            lines.append(f"... and {len(ordered) - len(shown)} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text(limit=20)


@lru_cache(maxsize=1)
def _shapes_ntriples() -> bytes:
    g = Graph()
    g.parse(SHAPES_TTL, format="turtle")
    return g.serialize(format="nt", encoding="utf-8")


def shapes_graph() -> Graph:
    """A fresh copy of the shapes graph (parsed once per process, copied per call)."""
    g = Graph()
    g.parse(data=_shapes_ntriples(), format="nt")
    return g


def _label(data: Graph, node: Node) -> str | None:
    for p in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        v = data.value(node, p)
        if isinstance(v, Literal):
            return str(v)
    return None


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _component_name(c: Node | None) -> str:
    s = str(c or "")
    s = s.rsplit("#", 1)[-1]
    return s[: -len("ConstraintComponent")] if s.endswith("ConstraintComponent") else s


def _rule_name(shapes: Graph, shape: Node | None) -> str:
    """Name of the shape a result came from; for anonymous property shapes, the named node
    shape that holds them plus the path (``Links/kgs:partOf``)."""
    if isinstance(shape, URIRef):
        return str(shape).rsplit("#", 1)[-1]
    if shape is None:
        return "?"
    parent = shapes.value(None, SH.property, shape)
    path = shapes.value(shape, SH.path)
    base = _rule_name(shapes, parent) if parent is not None else "shape"
    return f"{base}/{short(path)}" if path is not None else base


def _hint(shapes: Graph, shape: Node | None) -> str:
    while shape is not None:
        h = shapes.value(shape, KSH.hint)
        if h is not None:
            return str(h)
        shape = shapes.value(None, SH.property, shape)  # fall back to the node shape's hint
    return "see docs/data-model.md for what this node kind needs"


def validate(data: Graph) -> ValidationReport:
    """Validate ``data`` (one source's triples) against ``shapes.ttl``."""
    from pyshacl import validate as shacl_validate  # deferred: pyshacl is slow to import (~0.5 s)

    t0 = time.perf_counter()
    shapes = shapes_graph()
    _conforms, results_graph, _text = shacl_validate(
        data, shacl_graph=shapes, ont_graph=None, inference="none", abort_on_first=False,
        allow_warnings=True, allow_infos=True, meta_shacl=False, advanced=False,
        js=False, debug=False, inplace=True)
    results: list[ValidationResult] = []
    for r in results_graph.subjects(RDF.type, SH.ValidationResult):
        focus = results_graph.value(r, SH.focusNode)
        shape = results_graph.value(r, SH.sourceShape)
        severity = results_graph.value(r, SH.resultSeverity)
        messages = [str(m) for m in results_graph.objects(r, SH.resultMessage)]
        path = results_graph.value(r, SH.resultPath)
        types = tuple(sorted(short(t) for t in data.objects(focus, RDF.type))) if focus is not None else ()
        results.append(ValidationResult(
            focus=focus,
            label=_label(data, focus) if focus is not None else None,
            types=types,
            path=short(path) if path is not None and not isinstance(path, BNode) else None,
            value=results_graph.value(r, SH.value),
            rule=_rule_name(shapes, shape),
            constraint=_component_name(results_graph.value(r, SH.sourceConstraintComponent)),
            severity=str(severity).rsplit("#", 1)[-1] if severity is not None else "Violation",
            message=messages[0] if messages else "breaks a SHACL constraint",
            hint=_hint(shapes, shape),
        ))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(key=lambda x: (order.get(x.severity, 3), x.rule, str(x.focus), str(x.value)))
    conforms = not any(x.severity == "Violation" for x in results)
    return ValidationReport(conforms, results, len(data), time.perf_counter() - t0)
