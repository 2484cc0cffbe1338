"""The importer interface and registry.

An importer turns one source (a file or a folder) into an rdflib ``Graph`` of ontology
terms for one named graph, without touching the store. ``kg.importing`` validates the
graph, checks prerequisites for cycles and writes every graph of one import in a single
transaction. Importers are registered with :func:`register`, built-in ones included, so
adding a format is adding a module.
"""
from __future__ import annotations

import abc
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from rdflib import Graph, URIRef

from kg.errors import ImportFailed

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called by importers on long work."""


@dataclass
class ImportResult:
    """What an importer produced for one source."""

    source: str                 # stable slug of the source, e.g. "psychology-2e"
    graph_iri: URIRef           # kg.iris.source_graph(source)
    graph: Graph                # the triples (no blank nodes)
    path: Path                  # the file or folder read
    format: str                 # importer name
    title: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # e.g. {"concepts": 847, ...}


class Importer(abc.ABC):
    #: name used by ``--format``
    name: str = ""
    #: one line for ``kgstudio import --help`` and the README
    description: str = ""

    @abc.abstractmethod
    def detect(self, path: Path) -> bool:
        """True when ``path`` looks like this importer's format (cheap: name and first KB)."""

    @abc.abstractmethod
    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        """Read ``path`` and return its graph; raise :class:`ImportFailed` on bad input.

        ``max_bytes``: refuse any single file larger than this (``check_size``)."""


IMPORTERS: dict[str, Importer] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator: register an importer under its ``name``."""
    inst = cls()
    if not inst.name:
        raise ValueError(f"{cls.__name__} has no name")
    IMPORTERS[inst.name] = inst
    return cls


def get_importer(path: Path, fmt: str | None = None) -> Importer:
    """The importer for ``path``: the one named ``fmt``, or the first that detects it."""
    from kg import importers as _builtins  # noqa: F401  (registers the built-in importers)

    if fmt:
        try:
            return IMPORTERS[fmt]
        except KeyError:
            raise ImportFailed(f"unknown format {fmt!r}; known formats: {', '.join(sorted(IMPORTERS))}",
                               path=path) from None
    if not path.exists():
        raise ImportFailed("no such file or folder", path=path)
    for imp in IMPORTERS.values():
        try:
            if imp.detect(path):
                return imp
        except OSError:
            continue
    raise ImportFailed("cannot tell the format of this source",
                       path=path, hint=f"pass --format (one of {', '.join(sorted(IMPORTERS))})")


# ---- helpers every importer uses -------------------------------------------------------

def check_regular(path: Path) -> os.stat_result:
    """Refuse a special file (a FIFO, a socket, a device such as ``/dev/zero``) before it is
    opened: reading one would block or never end. Symbolic links are followed."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise ImportFailed("no such file", path=path) from None
    except OSError as e:
        raise ImportFailed(f"cannot read the file: {e.strerror or e}", path=path) from None
    if not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode):
        # (a folder is left to the caller: opening it fails at once, "Is a directory")
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
                "a character device" if stat.S_ISCHR(st.st_mode) else
                "a block device" if stat.S_ISBLK(st.st_mode) else
                "a socket" if stat.S_ISSOCK(st.st_mode) else "a special file")
        raise ImportFailed(f"not a regular file: {path} is {kind}; refused before reading", path=path,
                           hint="give a file (or a book folder) saved on disk")
    return st


def check_size(path: Path, max_bytes: int) -> int:
    """Refuse a file above ``max_bytes``, or anything that is not a regular file, before
    reading it; returns its size."""
    size = check_regular(path).st_size
    if size > max_bytes:
        raise ImportFailed(f"file is {size / 1e6:g} MB, above the limit of {max_bytes / 1e6:g} MB",
                           path=path, hint="Raise import.max_file_mb in kgstudio.toml if this is intended")
    return size


def read_text(path: Path, max_bytes: int) -> str:
    """Read a UTF-8 text file (a BOM is dropped); bad bytes are an error naming the line."""
    check_size(path, max_bytes)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise ImportFailed(f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})",
                           path=path, line=line, hint="Save the file as UTF-8") from None
    return text[1:] if text.startswith("\ufeff") else text


def sniff(path: Path, n: int = 4096) -> str:
    """First ``n`` bytes of a file as text (for ``detect``), '' for folders."""
    if path.is_dir():
        return ""
    check_regular(path)
    with open(path, "rb") as f:
        return f.read(n).decode("utf-8", errors="replace")
