"""The ``cnxml`` importer: detects an OpenStax book (folder or collection file) and builds its
graph with :func:`kg.importers.cnxml.book.build`."""
from __future__ import annotations

from pathlib import Path

from kg.errors import ImportFailed
from kg.importers.base import Importer, ImportResult, Progress, register, sniff
from kg.importers.cnxml.book import build
from kg.importers.cnxml.markup import COLLXML
from kg.iris import source_graph


@register
class CnxmlImporter(Importer):
    name = "cnxml"
    description = ("OpenStax CNXML book: a folder with collections/*.collection.xml and "
                   "modules/<id>/index.cnxml, or the collection file")

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return any((path / "collections").glob("*.collection.xml"))
        return path.name.endswith(".collection.xml") or COLLXML in sniff(path, 1024)

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        path = Path(path)
        if not path.exists():
            raise ImportFailed("no such file or folder", path=path)
        book = build(path, max_bytes, progress)
        counts = {k: int(v) for k, v in sorted(book.counts.items())}
        return ImportResult(source=book.slug, graph_iri=source_graph(book.slug), graph=book.g,
                            path=path, format=self.name, title=book.title, counts=counts)
