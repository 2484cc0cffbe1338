"""1EdTech CASE (Competencies and Academic Standards Exchange) JSON importer.

Reads one CASE package (``CFDocument`` + ``CFItems`` + ``CFAssociations``) into the graph
of ``docs/data-model.md``:

* the ``CFDocument`` becomes a curriculum (``kgs:Curriculum``, ``schema:Course`` and
  ``kgs:CompetencyFramework``) minted from the document identifier;
* every ``CFItem`` becomes a competency (``kgs:Competency`` + ``skos:Concept``) minted with
  ``mint(source, "competency", identifier)``: label from ``fullStatement``, else
  ``abbreviatedStatement``, else ``humanCodingScheme`` (else the identifier), tagged with
  the item's (or the document's) ``language`` when stated; ``kgs:caseIdentifier``,
  ``kgs:humanCodingScheme``, ``kgs:educationalLevel`` (CASE 1.0 ``educationLevel`` array or
  the draft-era ``educationalLevel`` string, comma-separated values split);
* associations, origin → destination: ``isChildOf`` and ``isPartOf`` → ``kgs:partOf``,
  ``precedes`` → ``kgs:precedes``, ``isRelatedTo`` and the symmetric ``isPeerOf`` →
  ``kgs:relatedTo``, ``exactMatchOf`` → ``kgs:exactMatch``. ``exemplar``, ``replacedBy``,
  ``hasSkillLevel`` and unknown types have no term in the data model: they are counted in
  ``counts["skipped_associations"]`` (and ``counts["skipped_<type>"]``), not written.

Two dialects are read (see the READMEs in ``../shared/data/curricula/case-*``): CASE 1.0
``CFPackage`` JSON, and the pre-1.0 OpenSALT (2016) export where identifiers are ASN URIs
rather than UUIDs, ``CFDocumentURI``/``CFPackageURI`` are plain strings, the origin and
destination also appear as ``originNodeIdentifier``/``destinationNodeIdentifier``, and
the grade is one ``educationalLevel`` string. Identifiers are opaque strings: no UUID
pattern and no JSON Schema is enforced, so neither dialect is rejected for form.

References. The origin of every association must be an item of the package (or the
document itself): a dangling origin is an error naming the association and the item.
A destination outside the package is normal in CASE (crosswalks to other frameworks,
exemplar web pages): it is kept as the external IRI the package gives for it
(``destinationNodeURI.uri``, else the identifier when it is an absolute IRI, else
``urn:uuid:<identifier>``) and never minted; no triples are written *about* it.

Refused (with :class:`kg.errors.ImportFailed` naming the file, line and item): a
``language`` that is not a BCP 47 tag (checked as the store checks it), a ``licenseURI``
that is not a valid absolute IRI (spaces, quotes), and a lone UTF-16 surrogate escape
(``"\\ud800"``) anywhere in the JSON. An ``isChildOf``/``isPartOf`` cycle (a self-child
included) or a ``precedes`` cycle among the package's items is refused with
:class:`kg.errors.PrerequisiteCycle`, the one cycle error, as prerequisite cycles are.

Order. ``kgs:position`` is the 1-based rank of an item among the children of its
``isChildOf`` parent, ordered by ``sequenceNumber`` (strings such as ``"1"`` are accepted:
the 2017 OpenSALT export writes them so). Where no sibling has a ``sequenceNumber`` but
every sibling has a ``listEnumeration`` of the form ``"3."`` or ``"b."`` (the draft-era
file, whose README says to derive order from it), that enumeration orders them instead.
Parents whose children carry neither are left unordered, and an item with several
parents gets no position (a position belongs to the node, not to the edge).

Limitations: ``CFDefinitions`` (item types, subjects, concepts, licences) are not
imported as nodes (the item type is kept as a ``dcterms:type`` literal); ``CFRubrics``
and ``CFAssociationGroupings`` are ignored; one package per file (a folder given as the
source must hold exactly one CASE JSON file). The file is read whole (it is refused
above ``import.max_file_mb``); real packages are a few MB.

The source slug comes from the document identifier, so a re-import of the same document
(even renamed or re-titled) updates the same named graph:

>>> source_slug("20c5134f-423d-4097-a971-3dd5152bf507")
'case-20c5134f-423d-4097-a971-3dd5152bf507'
>>> source_slug("http://purl.org/ASN/resources/D10003FB")
'case-purl.org-asn-resources-d10003fb'
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from kg.cycles import find_cycle
from kg.errors import ImportFailed, PrerequisiteCycle
from kg.importers.base import (Importer, ImportResult, Progress, iri as checked_iri, language_tag, read_text,
                               register, sniff, surrogate_at)
from kg.iris import mint, slug, source_graph
from ontology.namespaces import DCTERMS, KGS, RDF, RDFS, SDO, SKOS

__all__ = ["CaseImporter", "source_slug", "load_json", "json_line_of", "json_key_line", "ASSOCIATION_TERMS"]

ASSOCIATION_TERMS: dict[str, URIRef] = {
    "isChildOf": KGS.partOf,
    "isPartOf": KGS.partOf,
    "precedes": KGS.precedes,
    "isRelatedTo": KGS.relatedTo,
    "isPeerOf": KGS.relatedTo,
    "exactMatchOf": KGS.exactMatch,
}
"""CASE ``associationType`` → data-model property; any other type is counted and skipped."""

_MARKERS = ('"CFDocument"', '"CFItems"', '"CFPackage"', '"CFAssociations"')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|\\^`]')
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ACYCLIC = {"isChildOf": "isChildOf", "isPartOf": "isChildOf", "precedes": "precedes"}
"""Associations whose graph must have no cycle, grouped (both parent links form one tree)."""
_ENUM = re.compile(r"^\s*(\d+|[A-Za-z])\s*[.)]?\s*$")


# ---- JSON helpers (also used by the BNCC importer) ----------------------------------------

def load_json(path: Path, max_bytes: int) -> tuple[Any, str]:
    """Parse a UTF-8 JSON file; returns (data, text). Malformed JSON names file and line."""
    text = read_text(path, max_bytes)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ImportFailed(f"malformed JSON: {e.msg} (column {e.colno})", path=path, line=e.lineno,
                           hint="Fix the JSON syntax there (a missing comma, quote or bracket)") from None
    except RecursionError:
        raise ImportFailed("JSON nested too deeply to read", path=path) from None
    _refuse_lone_surrogates(data, text, path)
    return data, text


_SURROGATE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates(data: Any, text: str, path: Path) -> None:
    """JSON may escape half of a surrogate pair alone (``"\\ud800"``); Python reads it into a
    string that cannot be written as UTF-8. Refuse it, naming the JSON path and line."""
    if not _SURROGATE_ESCAPE.search(text):
        return
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, where = stack.pop()
        if isinstance(value, dict):
            for k, v in reversed(list(value.items())):
                stack.append((v, f"{where}.{k}" if where else k))
                stack.append((k, f"{where} (key)" if where else "(key)"))
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str) and (at := surrogate_at(value)) is not None:
            code = f"\\u{ord(value[at]):04x}"
            m = re.search(re.escape(code), text, re.I)
            raise ImportFailed(f"a lone surrogate escape ({code}) at {where or 'the top level'}: half of a "
                               f"UTF-16 surrogate pair, which is not a character", path=path,
                               line=text.count("\n", 0, m.start()) + 1 if m else None, item=where or None,
                               hint="write the character itself, or both halves of the pair (\\ud83d\\ude00)")


def _json_char(c: str) -> str:
    """Regex for one character as JSON may write it (literally or escaped)."""
    forms = {re.escape(c)}
    if c == "/":
        forms.add(re.escape("\\/"))
    escaped = json.dumps(c)[1:-1]  # \" \\ \n \u00e9 ...
    forms.add(re.escape(escaped))
    if escaped.startswith("\\u"):
        forms.add(re.escape(escaped.upper().replace("\\U", "\\u")))
    return forms.pop() if len(forms) == 1 else "(?:" + "|".join(sorted(forms)) + ")"


def json_line_of(text: str, key: str, value: str, occurrence: int = 1) -> int | None:
    """1-based line of the ``occurrence``-th ``"key": "value"`` pair in JSON ``text``.

    >>> json_line_of('{\\n "id": "a",\\n "id": "a\\\\/b"}', "id", "a/b")
    3
    """
    pattern = '"' + re.escape(key) + r'"\s*:\s*"' + "".join(_json_char(c) for c in value) + '"'
    for n, m in enumerate(re.finditer(pattern, text), 1):
        if n == occurrence:
            return text.count("\n", 0, m.start()) + 1
    return None


def json_key_line(text: str, key: str) -> int | None:
    """1-based line where ``"key":`` first occurs in JSON ``text``.

    >>> json_key_line('{\\n  "CFItems": {}}', "CFItems")
    2
    """
    m = re.search('"' + re.escape(key) + r'"\s*:', text)
    return text.count("\n", 0, m.start()) + 1 if m else None


# ---- small helpers ----------------------------------------------------------------------------

def source_slug(document_identifier: str) -> str:
    """Stable source slug of a CASE document: ``case-`` + its identifier without scheme."""
    core = re.sub(r"^urn:uuid:", "", document_identifier.strip(), flags=re.I)
    core = re.sub(r"^[A-Za-z][A-Za-z0-9+.\-]*://", "", core)
    return "case-" + slug(re.sub(r"[/:#?=&]+", "-", core))


def _iri(value: Any) -> URIRef | None:
    """``value`` as an IRI when it is an absolute IRI that the store can carry, else None."""
    if isinstance(value, str) and _SCHEME.match(value) and not _IRI_BAD.search(value):
        try:
            return checked_iri(value, path=None)
        except ImportFailed:
            return None
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _ref(node: Any, plain: Any = None) -> tuple[str | None, str | None]:
    """(identifier, uri) of a CASE link object ``{title, identifier, uri}`` or a plain string."""
    ident = uri = None
    if isinstance(node, dict):
        ident, uri = _text(node.get("identifier")), _text(node.get("uri"))
    elif isinstance(node, str):
        uri = _text(node)
    return ident or _text(plain), uri


def _levels(item: dict) -> list[str]:
    raw = item.get("educationLevel", item.get("educationalLevel"))
    values = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for v in values:
        if isinstance(v, (str, int)):
            out += [p.strip() for p in str(v).split(",") if p.strip()]
    return out


def _rank_key(value: Any, kind: str) -> tuple[int, int] | None:
    """Sort key of a ``sequenceNumber`` or ``listEnumeration``; None when it is not one."""
    if kind == "seq":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return (0, value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
            return (0, int(value))
        return None
    m = _ENUM.match(value) if isinstance(value, str) else None
    if not m:
        return None
    tok = m.group(1)
    return (0, int(tok)) if tok.isdigit() else (1, ord(tok.lower()) - ord("a") + 1)


# ---- the importer -------------------------------------------------------------------------------

def _looks_like_case(head: str) -> bool:
    return any(m in head for m in _MARKERS)


def _case_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.glob("*.json")) if p.is_file() and _looks_like_case(sniff(p))]


@register
class CaseImporter(Importer):
    name = "case"
    description = "1EdTech CASE JSON package (CASE 1.0 CFPackage, or a pre-1.0 OpenSALT export)"

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return bool(_case_files(path))
        return path.suffix.lower() == ".json" and _looks_like_case(sniff(path))

    def parse(self, path: Path, *, max_bytes: int, progress: Progress | None = None) -> ImportResult:
        file = path
        if path.is_dir():
            files = _case_files(path)
            if len(files) != 1:
                names = ", ".join(p.name for p in files) or "none"
                raise ImportFailed(f"a CASE source folder must hold exactly one CASE JSON file, found {len(files)} "
                                   f"({names})", path=path, hint="Import the files one by one")
            file = files[0]
        data, text = load_json(file, max_bytes)
        return _Builder(file, text, progress).build(data)


class _Builder:
    def __init__(self, path: Path, text: str, progress: Progress | None):
        self.path, self.text, self.progress = path, text, progress
        self.g = Graph()
        self.counts: Counter[str] = Counter()

    def fail(self, message: str, *, item: str | None = None, key: str = "identifier",
             value: str | None = None, occurrence: int = 1, hint: str | None = None) -> ImportFailed:
        line = json_line_of(self.text, key, value, occurrence) if value else None
        return ImportFailed(message, path=self.path, line=line, item=item, hint=hint)

    def lit(self, text: str, lang: str | None) -> Literal:
        return Literal(text, lang=lang) if lang else Literal(text)

    # ---- the whole package ---------------------------------------------------------------------
    def build(self, data: Any) -> ImportResult:
        if isinstance(data, dict) and isinstance(data.get("CFPackage"), dict):
            data = data["CFPackage"]
        if not isinstance(data, dict) or not isinstance(data.get("CFDocument"), dict):
            raise ImportFailed("no CFDocument object: this is not a CASE package", path=self.path,
                               line=1, hint="A CASE package has CFDocument, CFItems and CFAssociations "
                                            "at the top level")
        doc = data["CFDocument"]
        doc_id = _text(doc.get("identifier"))
        if not doc_id:
            raise ImportFailed("CFDocument has no identifier", path=self.path,
                               line=json_line_of(self.text, "title", doc.get("title") or "") or 1,
                               hint="Every CASE document needs an identifier (a UUID)")
        self.source = source_slug(doc_id)
        self.doc_id = doc_id
        self.doc_lang = self._lang(doc.get("language"), "CFDocument")
        self.curriculum = mint(self.source, "curriculum", doc_id)
        title = _text(doc.get("title")) or doc_id
        self._document(doc, title)

        items = self._list(data, "CFItems")
        assocs = self._list(data, "CFAssociations")
        self.items: dict[str, URIRef] = {}
        self.item_data: dict[str, dict] = {}
        self._items(items)
        self._associations(assocs)
        self.counts["items"] = len(self.items)
        counts = dict(sorted(self.counts.items()))
        counts.setdefault("skipped_associations", 0)
        return ImportResult(source=self.source, graph_iri=source_graph(self.source), graph=self.g,
                            path=self.path, format="case", title=title, counts=counts)

    def _list(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            raise ImportFailed(f"{key} must be a JSON array, not {type(value).__name__}", path=self.path,
                               line=json_key_line(self.text, key))
        return value

    def _lang(self, value: Any, item: str) -> str | None:
        """The ``language`` of the document or an item; a value that is not a BCP 47 tag is
        refused (the store would refuse every text tagged with it)."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        line = json_line_of(self.text, "language", value) if isinstance(value, str) else json_key_line(
            self.text, "language")
        if not isinstance(value, str):
            raise ImportFailed(f"language must be a string such as \"en\", not {json.dumps(value)}",
                               path=self.path, line=line, item=item)
        return language_tag(value.strip(), path=self.path, line=line, item=item)

    # ---- CFDocument ------------------------------------------------------------------------------
    def _document(self, doc: dict, title: str) -> None:
        g, c = self.g, self.curriculum
        for t in (KGS.Curriculum, SDO.Course, KGS.CompetencyFramework):
            g.add((c, RDF.type, t))
        g.add((c, RDFS.label, self.lit(title, self.doc_lang)))
        g.add((c, KGS.caseIdentifier, Literal(self.doc_id)))
        for key, prop in (("creator", DCTERMS.creator), ("publisher", DCTERMS.publisher)):
            if _text(doc.get(key)):
                g.add((c, prop, Literal(doc[key].strip())))
        subjects = doc.get("subject")
        for s in subjects if isinstance(subjects, list) else [subjects]:
            if _text(s):
                g.add((c, DCTERMS.subject, Literal(s.strip())))
        _lid, lic = _ref(doc.get("licenseURI"))
        if lic:
            if not _SCHEME.match(lic):
                raise ImportFailed(f"licenseURI {lic!r} is not an absolute IRI", path=self.path,
                                   line=json_line_of(self.text, "uri", lic) or json_key_line(self.text, "licenseURI"),
                                   item="CFDocument.licenseURI", hint="give the licence's web address")
            g.add((c, DCTERMS.license,
                   checked_iri(lic, path=self.path, what="licenseURI", item="CFDocument.licenseURI",
                               line=json_line_of(self.text, "uri", lic) or json_key_line(self.text, "licenseURI"))))
        uri = _iri(_text(doc.get("uri")))
        if uri:
            g.add((c, DCTERMS.source, uri))
        for level in _levels(doc):
            g.add((c, KGS.educationalLevel, Literal(level)))

    # ---- CFItems ----------------------------------------------------------------------------------
    def _items(self, items: list) -> None:
        g, seen = self.g, {self.doc_id: "the CFDocument"}
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                raise ImportFailed(f"CFItems[{n}] is not a JSON object", path=self.path)
            ident = _text(item.get("identifier"))
            if not ident:
                stmt = _text(item.get("fullStatement")) or ""
                raise self.fail(f"CFItems[{n}] has no identifier", key="fullStatement", value=stmt or None,
                                item=(stmt[:60] or f"CFItems[{n}]"),
                                hint="Every CASE item needs a unique identifier")
            if ident in seen:
                raise self.fail(f"duplicate identifier {ident!r}: CFItems[{n}] repeats {seen[ident]}",
                                item=ident, value=ident, occurrence=2,
                                hint="Identifiers must be unique within a package")
            seen[ident] = f"CFItems[{n}]"
            node = mint(self.source, "competency", ident)
            self.items[ident], self.item_data[ident] = node, item
            lang = self._lang(item.get("language"), ident) or self.doc_lang
            full, abbr = _text(item.get("fullStatement")), _text(item.get("abbreviatedStatement"))
            code = _text(item.get("humanCodingScheme"))
            label = full or abbr or code or ident
            g.add((node, RDF.type, KGS.Competency))
            g.add((node, RDF.type, SKOS.Concept))
            g.add((node, RDFS.label, self.lit(label, lang if label in (full, abbr) else None)))
            g.add((node, SKOS.prefLabel, self.lit(label, lang if label in (full, abbr) else None)))
            if abbr and abbr != label:
                g.add((node, SKOS.altLabel, self.lit(abbr, lang)))
            g.add((node, KGS.caseIdentifier, Literal(ident)))
            if code:
                g.add((node, KGS.humanCodingScheme, Literal(code)))
                g.add((node, SKOS.notation, Literal(code)))
            for level in _levels(item):
                g.add((node, KGS.educationalLevel, Literal(level)))
            if _text(item.get("notes")):
                g.add((node, SKOS.note, self.lit(item["notes"].strip(), lang)))
            if _text(item.get("CFItemType")):
                g.add((node, DCTERMS.type, Literal(item["CFItemType"].strip())))
            uri = _iri(_text(item.get("uri")))
            if uri:
                g.add((node, DCTERMS.source, uri))
            g.add((node, KGS.inCurriculum, self.curriculum))
            g.add((node, SKOS.inScheme, self.curriculum))
        if self.progress:
            self.progress("CASE items", len(self.items), len(items))

    # ---- CFAssociations ----------------------------------------------------------------------------
    def _node(self, ident: str) -> URIRef | None:
        if ident == self.doc_id:
            return self.curriculum
        return self.items.get(ident)

    def _external(self, ident: str | None, uri: str | None) -> URIRef | None:
        if _iri(uri):
            return URIRef(uri)
        if _iri(ident):
            return URIRef(ident)
        if ident and _UUID.match(ident):
            return URIRef("urn:uuid:" + ident.lower())
        return None

    def _associations(self, assocs: list) -> None:
        g = self.g
        seen: set[str] = set()
        parents: dict[str, list[tuple[str, Any]]] = defaultdict(list)  # child -> [(parent, seq)]
        externals: set[URIRef] = set()
        edges: dict[str, list[tuple[str, str]]] = defaultdict(list)  # kind -> (origin id, destination id)
        for n, a in enumerate(assocs):
            if not isinstance(a, dict):
                raise ImportFailed(f"CFAssociations[{n}] is not a JSON object", path=self.path)
            aid = _text(a.get("identifier")) or f"CFAssociations[{n}]"
            if aid in seen:
                raise self.fail(f"duplicate association identifier {aid!r}", item=aid, value=aid, occurrence=2,
                                hint="Identifiers must be unique within a package")
            seen.add(aid)
            kind = _text(a.get("associationType"))
            if not kind:
                raise self.fail(f"association {aid} has no associationType", item=aid, value=aid)
            oid, _ouri = _ref(a.get("originNodeURI"), a.get("originNodeIdentifier"))
            did, duri = _ref(a.get("destinationNodeURI"), a.get("destinationNodeIdentifier"))
            if not oid:
                raise self.fail(f"association {aid} ({kind}) names no origin identifier", item=aid, value=aid)
            origin = self._node(oid)
            if origin is None:
                raise self.fail(f"association {aid} ({kind}) starts at {oid!r}, which is not an item of "
                                f"this package", item=oid, value=aid,
                                hint="Add the item to CFItems or remove the association")
            prop = ASSOCIATION_TERMS.get(kind)
            if prop is None:
                self.counts["skipped_associations"] += 1
                self.counts[f"skipped_{kind}"] += 1
                continue
            if not did and not duri:
                raise self.fail(f"association {aid} ({kind}) names no destination", item=aid, value=aid)
            dest = self._node(did) if did else None
            if dest is None:
                dest = self._external(did, duri)
                if dest is None:
                    raise self.fail(f"association {aid} ({kind}): destination {did or duri!r} is neither an "
                                    f"item of this package nor a usable IRI", item=aid, value=aid,
                                    hint="Give destinationNodeURI.uri as an absolute IRI")
                externals.add(dest)
            g.add((origin, prop, dest))
            self.counts["associations"] += 1
            self.counts[f"associations_{kind}"] += 1
            if kind == "isChildOf" and origin != self.curriculum:
                parents[oid].append((did or "", a.get("sequenceNumber")))
            if kind in _ACYCLIC and did and self._node(did) is not None:
                edges[_ACYCLIC[kind]].append((oid, did))
        self.counts["external_targets"] = len(externals)
        self._refuse_cycles(edges)
        self._positions(parents)
        if self.progress:
            self.progress("CASE associations", len(assocs), len(assocs))

    def _refuse_cycles(self, edges: dict[str, list[tuple[str, str]]]) -> None:
        """An item that is its own ancestor (``isChildOf``/``isPartOf``, a self-child
        included) or comes before itself (``precedes``) is refused, like a prerequisite
        cycle: the tree and the order would have no root."""
        for relation in ("isChildOf", "precedes"):
            cycle = find_cycle(edges.get(relation, ()))
            if not cycle:
                continue
            labels = {}
            for ident in cycle:
                data = self.item_data.get(ident) or {}
                labels[ident] = (_text(data.get("humanCodingScheme")) or _text(data.get("abbreviatedStatement"))
                                 or (_text(data.get("fullStatement")) or "")[:60]
                                 or ("the CFDocument" if ident == self.doc_id else ""))
            kinds = "isChildOf/isPartOf" if relation == "isChildOf" else "precedes"
            raise PrerequisiteCycle(cycle, labels, source=str(self.path), what=f"CASE {relation} cycle",
                                    advice=f"Remove one of these {kinds} associations"
                                           + (" (an item cannot be its own child)"
                                              if len(cycle) == 2 and relation == "isChildOf" else "")
                                           + ".")

    def _positions(self, parents: dict[str, list[tuple[str, Any]]]) -> None:
        children: dict[str, list[tuple[str, Any]]] = defaultdict(list)  # parent -> [(child, seq)]
        for child, links in parents.items():
            if len({p for p, _ in links}) == 1:  # several parents: no node-level position
                children[links[0][0]].append((child, links[0][1]))
        ordered = 0
        for parent, kids in children.items():
            if any(seq is not None for _, seq in kids):
                keys = [_rank_key(seq, "seq") for _, seq in kids]
            else:
                keys = [_rank_key(self.item_data[c].get("listEnumeration"), "enum") for c, _ in kids]
            if any(k is None for k in keys):
                continue
            ranked = sorted(range(len(kids)), key=lambda i: (keys[i], i))
            for pos, i in enumerate(ranked, 1):
                self.g.add((self.items[kids[i][0]], KGS.position, Literal(pos, datatype=XSD.integer)))
            ordered += len(kids)
        self.counts["positioned_items"] = ordered
