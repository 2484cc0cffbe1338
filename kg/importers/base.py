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

import pyoxigraph
from rdflib import Graph, Literal, URIRef

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
    # import cycle: kg.importers imports this module; importing it registers the built-in importers
    from kg import importers as _builtins  # noqa: F401

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


# ---- RDF terms from user text: checked where they are made, naming the item ----------------

def language_tag(tag: str, *, path: Path | str | None, line: int | None = None,
                 item: str | None = None) -> str:
    """``tag`` when the store accepts it as a BCP 47 language tag; else :class:`ImportFailed`.

    The check is the store's own (pyoxigraph/oxilangtag), so a tag that passes here is
    never refused at write time (``en_US``, ``en-`` and ``x`` are refused)."""
    try:
        pyoxigraph.Literal("x", language=tag)
    except (ValueError, TypeError) as e:
        raise ImportFailed(f"language {tag!r} is not a BCP 47 language tag ({e})", path=path, line=line,
                           item=item, hint="write a tag such as 'en', 'pt-BR' or 'de'") from None
    return tag


def iri(value: str, *, path: Path | str | None, line: int | None = None, item: str | None = None,
        what: str = "IRI") -> URIRef:
    """``value`` as a :class:`URIRef` when it is a valid absolute IRI (the store's check: no
    spaces, quotes, ``<>{}|\\^``` ...); else :class:`ImportFailed` naming ``what``."""
    try:
        pyoxigraph.NamedNode(value)
    except (ValueError, TypeError) as e:
        raise ImportFailed(f"{what} {value!r} is not a valid IRI ({e})", path=path, line=line, item=item,
                           hint="percent-encode spaces and quotes (%20, %22) or drop the value") from None
    return URIRef(value)


def surrogate_at(text: str) -> int | None:
    """Index of the first lone surrogate (U+D800..U+DFFF) in ``text``, None when there is none.
    A lone surrogate cannot be written as UTF-8, so no store can hold it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        return e.start
    return None


def check_terms(graph, path: Path | str | None) -> None:
    """Refuse a graph holding a term the store cannot take (a malformed IRI, a bad language
    tag, a lone surrogate), naming the subject it is about. Importers check their terms
    where they make them (with the line); this is the net under all of them."""
    good_iris: set[str] = set()
    good_langs: set[str] = set()

    def subject_name(s) -> str:
        return str(s) if surrogate_at(str(s)) is None else ascii(str(s))

    for s, p, o in graph:
        for term in (s, p, o):
            if isinstance(term, URIRef):
                if term in good_iris:
                    continue
                at = surrogate_at(term)
                if at is not None:
                    raise ImportFailed(f"an IRI holds a lone surrogate (U+{ord(term[at]):04X}), which cannot be "
                                       f"written as UTF-8: {ascii(str(term))}", path=path, item=subject_name(s))
                try:
                    pyoxigraph.NamedNode(str(term))
                except ValueError as e:
                    raise ImportFailed(f"{str(term)!r} is not a valid IRI ({e})", path=path, item=subject_name(s),
                                       hint="percent-encode spaces and quotes (%20, %22)") from None
                good_iris.add(term)
            elif isinstance(term, Literal):
                at = surrogate_at(term)
                if at is not None:
                    raise ImportFailed(f"a text holds a lone surrogate (U+{ord(term[at]):04X}) at character {at + 1}, "
                                       f"which cannot be written as UTF-8: {ascii(str(term)[max(0, at - 30):at + 10])}",
                                       path=path, item=subject_name(s),
                                       hint="a \\uD800-\\uDFFF escape must be half of a surrogate pair")
                lang = term.language
                if lang and lang not in good_langs:
                    language_tag(lang, path=path, item=subject_name(s))
                    good_langs.add(lang)
