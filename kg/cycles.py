"""Cycle detection for ``kgs:requires``; the code lives in :mod:`ontology.cycles` so the
reasoner (which may not import from ``kg``) and the importers share one implementation."""
from ontology.cycles import find_cycle

__all__ = ["find_cycle"]
