"""Reading the book's files: the collection file of a book folder, every path checked to stay
inside the book folder, and XML parsed safely (lxml with ``huge_tree=False``: no entity
expansion, no network, depth and text-node limits; the size checked before reading)."""
from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from kg.errors import ImportFailed
from kg.importers.base import check_size


def _parser() -> etree.XMLParser:
    return etree.XMLParser(huge_tree=False, remove_comments=True, remove_pis=True,
                           resolve_entities=False, no_network=True, load_dtd=False)


def _parse_xml(path: Path, max_bytes: int) -> etree._Element:
    check_size(path, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ImportFailed(f"cannot read the file: {e.strerror or e}", path=path) from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        msg = re.sub(r",? line \d+, column \d+$", "", str(e.msg or e)).strip()
        raise ImportFailed(f"malformed XML: {msg}", path=path, line=e.lineno or None,
                           hint="fix the XML (every tag closed, & written &amp;) and import again"
                           ) from None
    if root is None:
        raise ImportFailed("empty XML document", path=path, line=1)
    return root


def find_collection(path: Path) -> Path:
    """The collection file of a book folder (or ``path`` itself when it is a file)."""
    if path.is_file():
        return path
    found = sorted((path / "collections").glob("*.collection.xml")) if path.is_dir() else []
    if not found:
        raise ImportFailed("no collections/*.collection.xml in this folder", path=path,
                           hint="give the book folder of an OpenStax repository or its collection file")
    if len(found) > 1:
        raise ImportFailed(f"{len(found)} collections in this folder ("
                           + ", ".join(p.name for p in found) + ")", path=path,
                           hint="give the collection file of the book to import")
    return found[0]


def check_inside(path: Path, root: Path, *, what: str = "the file") -> None:
    """Refuse ``path`` when it (or a symbolic link on the way to it) leads outside ``root``."""
    try:
        real, base = path.resolve(strict=False), root.resolve(strict=False)
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise ImportFailed(f"{what} cannot be resolved ({e}); refused, nothing read", path=path) from None
    if not real.is_relative_to(base):
        link = next((p for p in [path, *path.parents] if p.is_symlink()), None)
        how = f"a symbolic link ({link}) leads to {real}" if link is not None else f"it resolves to {real}"
        raise ImportFailed(f"{what} is outside the book folder {base}: {how}; refused, nothing read",
                           path=path, hint="keep every file of the book inside its folder (copy it, do not link it)")
