"""JSON-LD and Turtle of the pack's items with their provenance, as the KG holds them.

For every item the exporter reads, from the content and reviews graphs
(``generation.content.repository`` documents the shape): the item node (type, label,
scope, review state, current version), its current version (``prov:wasAttributedTo``,
``prov:generatedAtTime``, model checkpoint, template, generator, the JSON payload), the
version's paragraphs and questions with their own generator/checkpoint and
``prov:wasDerivedFrom`` the reified source triples (``rdf:Statement``), the agents, and the
review activities of that version. Each item is also linked to the structure node it sits
on in the pack (``dcterms:isPartOf``) so the file keeps the course order.

One SPARQL CONSTRUCT per batch of items, so exporting a whole book stays a few queries.
"""
from __future__ import annotations

import json
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SDO, SKOS, XSD

from generation.export.base import ExportError, Exporter, ExportResult, Progress, atomic_file, register
from ontology.namespaces import CONTENT_GRAPH, KGS, REVIEWS_GRAPH

PREFIXES = {"kgs": str(KGS._NS), "prov": str(PROV), "rdfs": str(RDFS), "rdf": str(RDF),
            "schema": str(SDO), "dcterms": str(DCTERMS), "skos": str(SKOS), "xsd": str(XSD)}


def _construct(items: list[str]) -> str:
    values = " ".join(f"<{i}>" for i in items)
    C, R = str(CONTENT_GRAPH), str(REVIEWS_GRAPH)
    return f"""PREFIX kgs: <{KGS._NS}>
PREFIX prov: <{PROV}>
CONSTRUCT {{ ?s ?p ?o }} WHERE {{
  VALUES ?item {{ {values} }}
  GRAPH <{C}> {{ ?item kgs:currentVersion ?v }}
  {{ GRAPH <{C}> {{ ?item ?p ?o BIND(?item AS ?s) }} }}
  UNION {{ GRAPH <{C}> {{ ?v ?p ?o BIND(?v AS ?s) }} }}
  UNION {{ GRAPH <{C}> {{ ?v kgs:hasParagraph|kgs:hasQuestion ?s . ?s ?p ?o }} }}
  UNION {{ GRAPH <{C}> {{ ?v prov:wasDerivedFrom ?s . ?s a <{RDF.Statement}> ; ?p ?o }} }}
  UNION {{ GRAPH <{C}> {{ ?v prov:wasAttributedTo ?s . ?s ?p ?o }} }}
  UNION {{ GRAPH <{R}> {{ ?s kgs:reviewOf ?v ; ?p ?o }} }}
  UNION {{ GRAPH <{R}> {{ ?r kgs:reviewOf ?v ; prov:wasAssociatedWith ?s . ?s ?p ?o }} }}
}}"""


def items_graph(pack, progress: Progress | None = None, batch: int = 50) -> Graph:
    """The RDF of every item of ``pack`` with its provenance (see the module docstring)."""
    if pack.store is None:
        raise ExportError("the JSON-LD / Turtle export reads the items' provenance from the "
                          "workspace store: build the pack with collect_pack()")
    g = Graph()
    for p, ns in PREFIXES.items():
        g.bind(p, ns)
    iris = [x.iri for x in pack.all_items()]
    for i in range(0, len(iris), batch):
        res = pack.store.query(_construct(iris[i:i + batch]))
        for t in res.graph():
            g.add(t)
        if progress:
            progress("reading provenance", min(i + batch, len(iris)), len(iris))
    found = {str(s) for s in g.subjects(KGS.currentVersion, None)}
    missing = [i for i in iris if i not in found]
    if missing:
        raise ExportError(f"{len(missing)} item(s) of the pack are not in the content graph "
                          f"(first: {missing[0]}); save them with the repository first")
    for depth, trail, node in pack.nodes():
        if not node.iri:
            continue
        n = URIRef(node.iri)
        g.add((n, RDFS.label, Literal(node.title)))
        if trail and trail[-1].iri:
            g.add((n, DCTERMS.isPartOf, URIRef(trail[-1].iri)))
        for x in node.items():
            g.add((URIRef(x.iri), DCTERMS.isPartOf, n))
    return g


class _RdfExporter(Exporter):
    rdf_format = ""

    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        g = items_graph(pack, progress)
        if self.rdf_format == "json-ld":
            data = g.serialize(format="json-ld", context=PREFIXES, indent=2, ensure_ascii=False)
            json.loads(data)  # fail here, not in a reader, if rdflib ever wrote invalid JSON
        else:
            data = g.serialize(format=self.rdf_format)
        with atomic_file(out) as tmp:
            tmp.write_text(data, encoding="utf-8")
        result = ExportResult(self.name, Path(out), files=[Path(out).name])
        result.counts.update(pack.counts())
        result.counts["triples"] = len(g)
        return result


@register
class JsonLdExporter(_RdfExporter):
    name = "jsonld"
    suffix = ".jsonld"
    rdf_format = "json-ld"
    description = "JSON-LD of the items with their PROV-O provenance and reviews"


@register
class TurtleExporter(_RdfExporter):
    name = "turtle"
    suffix = ".ttl"
    rdf_format = "turtle"
    description = "Turtle of the items with their PROV-O provenance and reviews"
