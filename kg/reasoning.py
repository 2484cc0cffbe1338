"""Run the OWL reasoner over the store and keep its output in the ``inferred`` named graph.

:func:`reason_store` reads the union of the imported source graphs (``graph/source/*``;
never the inferred, content, review or suggestion graphs, so the reasoner's input is only
what instructors imported), hands it to :func:`ontology.reasoning.reason` (HermiT through
owlready2), and replaces ``ontology.namespaces.INFERRED_GRAPH`` with the inferred triples
in one transaction: inferred class memberships (``skos:Concept``, ``schema:Course``, ...)
and the transitive closure of ``kgs:requires`` as ``kgs:requiresTransitive``.

Only the triples the reasoner can use are read from the store (types, links between IRIs,
labels for messages), not the text literals, which keeps a book-sized store quick to read.

Errors: a prerequisite cycle raises :class:`kg.errors.PrerequisiteCycle` listing the cycle;
a graph that contradicts the ontology raises :class:`InconsistentCurriculum` with the
reasoner's explanation; Java or HermiT failing raises :class:`ReasoningFailed`. In every
error case the inferred graph is left as it was.
"""
from __future__ import annotations

import time

from rdflib import Graph

from kg.errors import KGStudioError, PrerequisiteCycle
from kg.store.base import Store, triples_to_ntriples
from ontology.namespaces import INFERRED_GRAPH, graph_iri
from ontology.reasoning import PrerequisiteCycleError, ReasoningError, reason

__all__ = ["reason_store", "source_graphs", "read_sources", "InconsistentCurriculum", "ReasoningFailed"]

SOURCE_PREFIX = str(graph_iri("source/"))


class InconsistentCurriculum(KGStudioError):
    """The imported graphs contradict the ontology; ``explanation`` names the nodes at fault."""

    def __init__(self, explanation: str):
        self.explanation = explanation
        super().__init__("the imported curricula contradict the ontology (the inferred graph was "
                         f"not updated):\n{explanation}\nFix the types of these nodes in the "
                         "source or the importer and import again.")


class ReasoningFailed(KGStudioError):
    """The reasoner could not run (Java missing, HermiT crashed)."""


def source_graphs(store: Store) -> list[str]:
    """IRIs of the imported source graphs in the store."""
    return sorted(g for g in store.named_graphs() if g.startswith(SOURCE_PREFIX))


def read_sources(store: Store) -> Graph:
    """The union of the source graphs, restricted to what reasoning and its messages use:
    every triple whose object is an IRI, and the labels."""
    rows = store.select(f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?s ?p ?o WHERE {{
          GRAPH ?g {{ ?s ?p ?o }}
          FILTER(STRSTARTS(STR(?g), "{SOURCE_PREFIX}"))
          FILTER(isIRI(?o) || ?p = rdfs:label || ?p = skos:prefLabel)
        }}""")
    g = Graph()
    for r in rows:
        g.add((r["s"], r["p"], r["o"]))
    return g


def reason_store(store: Store) -> dict:
    """Reason over the imported sources and replace the inferred graph with the result.

    Returns counts: ``inferred_triples``, ``transitive_requires``, ``class_memberships``,
    ``sources``, ``input_triples`` (read from the store), ``reasoner_input_triples``
    (given to HermiT besides the ontology), ``added`` / ``removed`` (change of the
    inferred graph), ``seconds`` (whole call) and ``reasoner_seconds``.
    """
    t0 = time.perf_counter()
    sources = source_graphs(store)
    data = read_sources(store)
    try:
        result = reason(data)
    except PrerequisiteCycleError as e:
        raise PrerequisiteCycle(e.cycle, e.labels) from None
    except ReasoningError as e:  # Java missing, HermiT crashed
        raise ReasoningFailed(f"{e}. The inferred graph was not updated.") from None
    if not result.consistent:
        raise InconsistentCurriculum(result.explanation or "no explanation")
    change = store.replace_graph(str(INFERRED_GRAPH), triples_to_ntriples(result.inferred))
    return {
        "inferred_triples": len(result.inferred),
        "transitive_requires": result.transitive_requires,
        "class_memberships": result.class_memberships,
        "sources": len(sources),
        "input_triples": len(data),
        "reasoner_input_triples": result.input_triples,
        "added": change.added,
        "removed": change.removed,
        "seconds": round(time.perf_counter() - t0, 3),
        "reasoner_seconds": round(result.reasoner_seconds, 3),
    }
