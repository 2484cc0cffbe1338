"""The exporter interface, the registry and atomic writing.

An exporter turns a :class:`generation.export.pack.Pack` (the course structure with the
lessons, quizzes and diagrams chosen for export) into one file or folder that a learning
platform or a reader takes in. Exporters register themselves with :func:`register`, the
built-in ones included (``generation/export/__init__.py`` imports them), so adding a
format is adding a module, as with ``kg.importers``.

Every exporter writes through :func:`atomic_file` or :func:`atomic_dir`: the output is
built under a temporary name next to its destination and renamed into place only when it
is complete, so a failed export leaves neither a half-written pack nor a damaged earlier
one.
"""
from __future__ import annotations

import abc
import contextlib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from lxml import etree

from kg.atomic import atomic_dir as _atomic_dir
from kg.atomic import atomic_path, clean_litter
from kg.errors import KGStudioError

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called on long work (the CLI draws a bar)."""


class ExportError(KGStudioError):
    """An export could not be written; nothing was written at ``--out``."""


class SchemasMissing(ExportError):
    """The Common Cartridge / QTI XSDs were not found, so a pack cannot be validated."""


class NothingToExport(ExportError):
    """The scope holds no item in an exportable state (for example nothing approved yet)."""


class UnknownFormat(ExportError):
    """A ``--format`` that no registered exporter has."""


@dataclass
class ExportResult:
    """What one export wrote."""

    format: str                       # exporter name
    path: Path                        # the file or folder written
    files: list[str] = field(default_factory=list)       # paths inside the pack (zip entries / files)
    counts: dict[str, int] = field(default_factory=dict)  # lessons, quizzes, items by type, ...
    skipped: list[str] = field(default_factory=list)      # "item: why" for items the format cannot hold
    notes: list[str] = field(default_factory=list)        # "item: how" for items written in another form
    validation: object = None                             # validate.ValidationReport when the pack was checked


class Exporter(abc.ABC):
    #: name used by ``--format``
    name: str = ""
    #: default file suffix ("" for a folder)
    suffix: str = ""
    #: True when the output is a folder (html, markdown)
    is_directory: bool = False
    #: one line for ``kgstudio export --help`` and the README
    description: str = ""
    #: formats with a schema: check the pack before it is renamed into place
    validate: bool = True
    #: folder of the IMS schemas (None: ``validate.find_schemas`` looks in the usual places)
    schemas_dir: str | None = None

    @abc.abstractmethod
    def export(self, pack, out: Path, *, progress: Progress | None = None) -> ExportResult:
        """Write ``pack`` to ``out`` (atomically); raise :class:`ExportError` on failure."""


EXPORTERS: dict[str, Exporter] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    """Class decorator: register an exporter under its ``name``."""
    inst = cls()
    if not inst.name:
        raise ValueError(f"{cls.__name__} has no name")
    EXPORTERS[inst.name] = inst
    return cls


def get_exporter(name: str) -> Exporter:
    # EXPORTERS holds the built-in formats: importing this module runs the package's
    # __init__ first, which imports (registers) them all
    try:
        return EXPORTERS[name]
    except KeyError:
        raise UnknownFormat(f"unknown export format {name!r}; known formats: "
                            f"{', '.join(sorted(EXPORTERS))}") from None


# ---- atomic output ------------------------------------------------------------------------
@contextlib.contextmanager
def atomic_file(out: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``out``; on success it is fsynced and renamed to
    ``out`` (:func:`kg.atomic.atomic_path`).

    On any exception the temporary file is removed and ``out`` (new or old) is untouched.
    """
    out = Path(out)
    clean_litter(out.parent, names=[out.name])     # what killed exports of out left
    with atomic_path(out) as tmp:
        yield tmp


@contextlib.contextmanager
def atomic_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; on success it takes ``out``'s place in
    one step (:func:`kg.atomic.atomic_dir`: ``renameat2(RENAME_EXCHANGE)``, or two renames
    that the next export repairs when a kill falls between them).

    On failure the temporary folder is deleted and ``out`` is untouched.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out}: exists and is not a folder; choose another --out")
    with _atomic_dir(out) as tmp:
        yield tmp


class ZipWriter:
    """Collects the files of a zip pack in memory order and writes them in one go.

    ``add`` refuses a path twice (a manifest listing a file twice is a bug); ``write``
    writes every entry with a fixed timestamp, so the same pack gives the same bytes.
    """

    def __init__(self):
        self.entries: dict[str, bytes] = {}

    def add(self, path: str, data: bytes | str) -> str:
        if path in self.entries:
            raise ExportError(f"internal: {path} added twice to the pack")
        if path.startswith("/") or ".." in path.split("/"):
            raise ExportError(f"internal: unsafe path {path!r} in the pack")
        self.entries[path] = data.encode("utf-8") if isinstance(data, str) else data
        return path

    def write(self, out: Path) -> list[str]:
        with atomic_file(out) as tmp:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in self.entries.items():
                    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    zf.writestr(info, data)
        return list(self.entries)


def finish_manifest(zw: ZipWriter, manifest, result: ExportResult, pack) -> None:
    """Put ``imsmanifest.xml`` first in the zip (IMS packages are read from it) and count."""
    zw.entries = {"imsmanifest.xml": etree.tostring(manifest, xml_declaration=True, encoding="UTF-8",
                                                    pretty_print=True), **zw.entries}
    result.counts.update(pack.counts())


def write_validated_zip(zw: ZipWriter, result: ExportResult, out: Path, validator, *,
                        validate: bool, schemas_dir) -> ExportResult:
    """Write the zip to ``out`` atomically; with ``validate``, only when it validates.

    ``validator(path, schemas=...)`` returns a report with ``raise_for_errors()``: an invalid
    pack raises before the rename, so nothing half-right lands at ``out``. Without the
    schemas the pack is written and the result notes that it was not validated.
    """
    result.path = Path(out)
    with atomic_file(out) as tmp:
        zw.write(tmp)
        if validate:
            try:
                report = validator(tmp, schemas=schemas_dir)
            except SchemasMissing as e:
                result.notes.append(f"not validated: {e}")
            else:
                report.path = str(out)
                report.raise_for_errors()
                result.validation = report
    result.files = list(zw.entries)
    return result
