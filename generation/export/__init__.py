"""Content-pack exporters, one module per format; importing this package registers them all.

``kgstudio export --format NAME`` looks the exporter up in :data:`EXPORTERS`; a new format
is a new module that subclasses :class:`Exporter` and decorates it with :func:`register`.
"""
from generation.export.base import (EXPORTERS, ExportError, Exporter, ExportResult, NothingToExport,
                                    get_exporter, register)

import importlib as _importlib

for _name in ("imscc", "qti_canvas", "moodle_xml", "gift", "site", "rdf"):
    try:
        _importlib.import_module(f"generation.export.{_name}")
    except ModuleNotFoundError as _e:  # pragma: no cover - only while a module is missing
        if _e.name != f"generation.export.{_name}":
            raise

__all__ = ["EXPORTERS", "ExportError", "Exporter", "ExportResult", "NothingToExport", "get_exporter",
           "register"]
