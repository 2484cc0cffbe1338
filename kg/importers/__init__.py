"""Importers, one module per source format; importing this package registers them all."""
from kg.importers.base import IMPORTERS, Importer, ImportResult, get_importer, register

# Built-in importers register themselves on import (each module is optional while the
# project grows: a module that is not there yet is simply not registered).
import importlib as _importlib

for _name in ("native_yaml", "cnxml", "case", "curricular_analytics", "bncc"):
    try:
        _importlib.import_module(f"kg.importers.{_name}")
    except ModuleNotFoundError as _e:  # pragma: no cover - only while a module is missing
        if _e.name != f"kg.importers.{_name}":
            raise

__all__ = ["IMPORTERS", "Importer", "ImportResult", "get_importer", "register"]
