"""Keeps the ontology's own named graph in the store equal to ``ontology/curriculum.ttl``."""
from __future__ import annotations

from rdflib import Graph
from rdflib.compare import to_canonical_graph

from kg.store.base import Store, triples_to_ntriples
from ontology import ONTOLOGY_TTL
from ontology.namespaces import ONTOLOGY_GRAPH


def ontology_ntriples() -> str:
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    # OWL axioms use blank nodes, which the store's write path refuses: skolemise them,
    # from a canonical form so the same ontology always gives the same IRIs.
    canonical = Graph()
    for t in to_canonical_graph(g):
        canonical.add(t)
    return triples_to_ntriples(canonical.skolemize())


def ensure_ontology(store: Store) -> None:
    """Load (or update in place) the ontology graph."""
    store.replace_graph(str(ONTOLOGY_GRAPH), ontology_ntriples())
