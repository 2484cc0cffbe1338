"""Keeps the ontology's own named graph in the store equal to ``ontology/curriculum.ttl``."""
from __future__ import annotations

from rdflib import Graph

from kg.store.base import Store, triples_to_ntriples
from ontology import ONTOLOGY_TTL
from ontology.namespaces import ONTOLOGY_GRAPH


def ontology_ntriples() -> str:
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    g = g.skolemize()  # OWL axioms use blank nodes; the store write path refuses them
    return triples_to_ntriples(g)


def ensure_ontology(store: Store) -> None:
    """Load (or update in place) the ontology graph."""
    store.replace_graph(str(ONTOLOGY_GRAPH), ontology_ntriples())
