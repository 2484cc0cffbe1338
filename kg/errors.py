"""Errors a user can cause, each naming the file, line or item at fault and what to do.

Every importer raises :class:`ImportFailed` (never a bare parser traceback); the import
pipeline guarantees that nothing was written when it does.
"""
from __future__ import annotations

from pathlib import Path


class KGStudioError(Exception):
    """Base class of every error kgstudio reports to a user."""


class ImportFailed(KGStudioError):
    """A source could not be imported. The store is unchanged.

    >>> str(ImportFailed("duplicate id 'c1'", path="demo.yaml", line=12, item="c1"))
    "demo.yaml:12: duplicate id 'c1' (item: c1)"
    """

    def __init__(self, message: str, *, path: str | Path | None = None,
                 line: int | None = None, item: str | None = None,
                 hint: str | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.item = item
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        text = f"{where}: {self.message}"
        if self.item is not None:
            text += f" (item: {self.item})"
        if self.hint:
            text += f". {self.hint}"
        return text


class ValidationFailed(ImportFailed):
    """The imported graph does not conform to the SHACL shapes; ``report`` says why."""

    def __init__(self, report, *, path=None):
        self.report = report
        super().__init__(f"SHACL validation failed with {len(report.results)} violation(s):\n"
                         + report.text(limit=20), path=path)


class PrerequisiteCycle(KGStudioError):
    """A relation that must have no cycle has one; ``cycle`` lists it, first node repeated last.

    The one cycle error of kgstudio: prerequisites (``kgs:requires``), and the other
    orderings an import must refuse to loop (a Curricular Analytics requisite through a
    co-requisite, a CASE ``isChildOf`` or ``precedes``) say which in ``what``/``advice``."""

    def __init__(self, cycle: list[str], labels: dict[str, str] | None = None, source: str | None = None,
                 *, what: str = "prerequisite cycle", advice: str = "Remove one of these 'requires' links."):
        self.cycle = cycle
        self.what = what
        labels = labels or {}
        shown = " -> ".join(f"{labels.get(n, n)} <{n}>" if labels.get(n) else f"<{n}>" for n in cycle)
        where = f"{source}: " if source else ""
        super().__init__(f"{where}{what}: {shown}. {advice}")


class StoreError(KGStudioError):
    """The store refused an operation (bad SPARQL, unreachable endpoint, read-only, ...)."""


class QueryTimeout(StoreError):
    """A query ran past its time limit and was cut."""


class WorkspaceError(KGStudioError):
    """A workspace is missing, malformed or already exists."""
