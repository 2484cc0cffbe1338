"""kgstudio's curriculum ontology: OWL 2 vocabulary (``curriculum.ttl``), SHACL shapes
(``shapes.ttl``), the strict namespace class, validation and reasoning.

Nothing in this package imports from ``kg``, ``gnn``, ``generation`` or ``studio``.
"""
from pathlib import Path

ONTOLOGY_DIR = Path(__file__).resolve().parent
ONTOLOGY_TTL = ONTOLOGY_DIR / "curriculum.ttl"
SHAPES_TTL = ONTOLOGY_DIR / "shapes.ttl"
