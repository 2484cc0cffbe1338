"""Content items in the KG: versions, provenance (PROV-O) and review states.

Every generated lesson, quiz, diagram and learning path lives in the content graph
(``ontology.namespaces.CONTENT_GRAPH``); review decisions live in the reviews graph
(``REVIEWS_GRAPH``). The studio's review page and ``kgstudio review`` call the same
functions (:class:`Repository`).

What one save writes (all in one SPARQL Update, so it lands whole or not at all)::

    <item>  a kgs:Lesson, kgs:ContentItem ; rdfs:label title ; kgs:scope <concept> ;
            kgs:currentVersion <item/v3> ; kgs:versionNumber 3 ; kgs:reviewState "draft" .
    <item/v3> a kgs:ContentVersion, prov:Entity ; kgs:versionOf <item> ; kgs:versionNumber 3 ;
            prov:wasRevisionOf <item/v2> ; prov:wasAttributedTo <agent/ana> ;
            prov:generatedAtTime "..."^^xsd:dateTime ; kgs:reviewState "draft" (at save) ;
            kgs:modelCheckpoint "templates-…" ; kgs:template "lesson.html.j2" ;
            kgs:generatorKind "template" ; kgs:payload "{json}" ;
            kgs:hasParagraph <item/v3/p1> … ; kgs:hasQuestion <item/v3/q1> … ;
            prov:wasDerivedFrom <item/v3/t/…> .     # reified source triples (rdf:Statement)
    <item/v3/p1> a kgs:Paragraph ; schema:text "…" ; kgs:paragraphKind "explanation" ;
            kgs:generatorKind "student" ; kgs:modelCheckpoint "…" ; kgs:targets <concept> ;
            prov:wasDerivedFrom <item/v3/t/…> .

Nothing here uses the curriculum's relations (``kgs:requires``, ``kgs:partOf``,
``kgs:assesses`` ...) directly, so generated content never shows up in neighbourhoods,
the teacher's training graph or the curriculum analytics; the source triples a text came
from are reified statements.

Optimistic concurrency: :meth:`Repository.save` takes the version the caller last read
(``expected_version``; 0 for a new item). The update only applies when the item's
``kgs:versionNumber`` still equals it (the check is the update's WHERE clause, so two
writers cannot both pass it), and a stale save raises :class:`StaleVersion` and writes
nothing: the first save wins. Review transitions are conditional in the same way on the
state they were decided from.

The payload literal keeps every field of the dataclass for an exact round trip; the other
triples are there for SPARQL (list by state, find the paragraphs a checkpoint wrote, trace
a question to its source triples).
"""
from __future__ import annotations

import hashlib
import json
import threading
import uuid
from dataclasses import dataclass
from typing import Iterator

from rdflib import Graph, URIRef

from kg.errors import KGStudioError
from kg.iris import slug
from kg.store.base import Store
from kg.store.terms import literal_text
from ontology.namespaces import (CONTENT_GRAPH, DCTERMS, ID, KGS, PROV, RDF, RDFS, REVIEWS_GRAPH, SDO,
                                 XSD)

from generation.content.model import (KINDS, TRANSITIONS, Diagram, ItemMeta, ItemState, LearningPath, Lesson, Quiz,
                                      item_from_dict, now_iso)

__all__ = ["Repository", "ItemSummary", "Review", "StaleVersion", "ItemNotFound", "InvalidTransition",
           "item_iri", "agent_iri", "CLASS_OF_KIND"]

CLASS_OF_KIND = {"lesson": str(KGS.Lesson), "quiz": str(KGS.Quiz), "diagram": str(KGS.Diagram),
                 "path": str(KGS.LearningPath)}
_KIND_OF_CLASS = {v: k for k, v in CLASS_OF_KIND.items()}
_C, _R = str(CONTENT_GRAPH), str(REVIEWS_GRAPH)
_ACTIONS = {"approve": ItemState.APPROVED, "reject": ItemState.REJECTED,
            "request_changes": ItemState.CHANGES_REQUESTED, "submit": ItemState.IN_REVIEW}
_LOCK = threading.Lock()   # one writer at a time inside a process (the WHERE check covers others)


class StaleVersion(KGStudioError):
    """A save based on an older version than the stored one; nothing was written."""

    def __init__(self, iri: str, expected: int, current: int):
        self.iri, self.expected, self.current = iri, expected, current
        super().__init__(f"<{iri}> is at version {current}, but this save was based on version "
                         f"{expected}: someone saved it in between. Reload it, re-apply your "
                         "changes, and save again (the other save was kept).")


class ItemNotFound(KGStudioError):
    """No content item (or no such version) with that IRI in the workspace."""


class InvalidTransition(KGStudioError):
    """A review action not allowed from the item's current state."""


@dataclass
class ItemSummary:
    """One row of :meth:`Repository.list`."""

    iri: str
    kind: str            # lesson|quiz|diagram|path
    title: str
    scope: str           # IRI of the node the item is about
    state: ItemState
    version: int
    author: str
    created_at: str      # time of the latest version


@dataclass
class Review:
    """One review decision (from the reviews graph)."""

    iri: str
    item: str
    version: int
    action: str          # approve|reject|request_changes|submit
    from_state: ItemState
    to_state: ItemState
    by: str
    at: str
    comment: str = ""


def item_iri(kind: str, scope: str, variant: str = "") -> str:
    """The stable IRI of the content item of ``kind`` about ``scope`` (regenerating it makes
    a new version of the same item). ``variant`` tells apart items of one kind and scope
    (a diagram kind, the known concepts of a path).

    >>> item_iri("lesson", "https://w3id.org/kgstudio/id/demo/concept/loop")
    'https://w3id.org/kgstudio/id/content/lesson/loop-bc3e8e5785'
    """
    if kind not in KINDS:
        raise ValueError(f"unknown content kind {kind!r}: one of {', '.join(KINDS)}")
    h = hashlib.sha256(f"{scope}\0{variant}".encode()).hexdigest()[:10]
    tail = slug(scope.rstrip("/").rsplit("/", 1)[-1])[:40]
    return str(ID[f"content/{kind}/{tail}-{h}"])


def agent_iri(name: str) -> str:
    """IRI of a person or program that saves or reviews (``ID[agent/<slug>]``)."""
    return str(ID[f"agent/{slug(name)}"])


def _lit(text: str) -> str:
    return literal_text(str(text))


def _typed(value, dt) -> str:
    return literal_text(str(value), datatype=str(dt))


def _state(v) -> ItemState:
    try:
        return ItemState(str(v))
    except ValueError:
        raise KGStudioError(f"unknown review state {v!r}: use one of "
                            f"{', '.join(s.value for s in ItemState)}") from None


class Repository:
    """Content items of one store (see the module docstring)."""

    def __init__(self, store: Store):
        self.store = store
        self._own = False

    @classmethod
    def for_workspace(cls, workspace) -> "Repository":
        repo = cls(workspace.open_store())
        repo._own = True
        return repo

    def close(self) -> None:
        if self._own:
            self.store.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- reading ------------------------------------------------------------------------
    def current_version(self, iri: str) -> int:
        """The latest version number of an item (0: no such item)."""
        rows = self.store.select(f"SELECT ?n WHERE {{ GRAPH <{_C}> {{ <{iri}> <{KGS.versionNumber}> ?n }} }}")
        return max((int(r["n"]) for r in rows), default=0)

    def exists(self, iri: str) -> bool:
        return self.current_version(iri) > 0

    def state(self, iri: str) -> ItemState:
        rows = self.store.select(f"SELECT ?s WHERE {{ GRAPH <{_C}> {{ <{iri}> <{KGS.reviewState}> ?s }} }}")
        if not rows:
            raise self._not_found(iri)
        return _state(rows[0]["s"])

    def _not_found(self, iri: str, version: int | None = None) -> ItemNotFound:
        what = f"version {version} of <{iri}>" if version else f"<{iri}>"
        return ItemNotFound(f"{what} is not a content item of this workspace; list them with "
                            "`kgstudio review -w DIR list`")

    def get(self, iri: str, version: int | None = None):
        """The item (Lesson, Quiz, Diagram or LearningPath) at ``version`` (default: latest),
        its ``meta`` filled from the store."""
        iri = self.resolve(iri)
        current = self.current_version(iri)
        if not current:
            raise self._not_found(iri)
        n = current if version is None else int(version)
        v = f"{iri}/v{n}"
        rows = self.store.select(f"""SELECT ?t ?payload ?at ?who ?state ?ck ?tpl ?gen ?comment WHERE {{
            GRAPH <{_C}> {{ <{iri}> a ?t . FILTER(?t != <{KGS.ContentItem}>)
              <{v}> <{KGS.payload}> ?payload ; <{PROV.generatedAtTime}> ?at ;
                   <{PROV.wasAttributedTo}> ?a ; <{KGS.reviewState}> ?state .
              OPTIONAL {{ ?a <{RDFS.label}> ?who }} OPTIONAL {{ <{v}> <{KGS.modelCheckpoint}> ?ck }}
              OPTIONAL {{ <{v}> <{KGS.template}> ?tpl }} OPTIONAL {{ <{v}> <{KGS.generatorKind}> ?gen }}
              OPTIONAL {{ <{v}> <{RDFS.comment}> ?comment }} }} }}""")
        rows = [r for r in rows if str(r["t"]) in _KIND_OF_CLASS]
        if not rows:
            raise self._not_found(iri, version)
        r = rows[0]
        kind = _KIND_OF_CLASS[str(r["t"])]
        data = json.loads(str(r["payload"]))
        item = item_from_dict(kind, data)
        meta = ItemMeta.from_dict(data.get("meta", {}))
        meta.version = n
        meta.state = self.state(iri) if n == current else _state(r["state"])
        meta.author = str(r.get("who") or "")
        meta.created_at = str(r["at"])
        meta.checkpoint = str(r.get("ck") or meta.checkpoint)
        meta.template = str(r.get("tpl") or meta.template)
        meta.generator = str(r.get("gen") or meta.generator)
        meta.comment = str(r.get("comment") or "")
        item.meta = meta
        return item

    def resolve(self, ref: str) -> str:
        """An item IRI from an IRI or a unique suffix of one (what the CLI accepts)."""
        ref = str(ref).strip()
        if ref.startswith(("http://", "https://", "urn:")):
            return ref
        rows = self.store.select(f"""SELECT DISTINCT ?i WHERE {{ GRAPH <{_C}> {{ ?i a <{KGS.ContentItem}> .
            FILTER(STRENDS(STR(?i), {_lit(ref)})) }} }}""")
        found = sorted(str(r["i"]) for r in rows)
        if len(found) == 1:
            return found[0]
        if not found:
            raise ItemNotFound(f"no content item ends with {ref!r}; list them with "
                               "`kgstudio review -w DIR list`")
        raise ItemNotFound(f"{ref!r} names {len(found)} items ({', '.join(found[:5])}); give more of the IRI")

    def history(self, iri: str) -> list[ItemMeta]:
        """Every version's meta, oldest first."""
        iri = self.resolve(iri)
        rows = self.store.select(f"""SELECT ?n ?at ?who ?state ?ck ?gen ?comment WHERE {{ GRAPH <{_C}> {{
            ?v <{KGS.versionOf}> <{iri}> ; <{KGS.versionNumber}> ?n ; <{PROV.generatedAtTime}> ?at ;
               <{KGS.reviewState}> ?state ; <{PROV.wasAttributedTo}> ?a .
            OPTIONAL {{ ?a <{RDFS.label}> ?who }} OPTIONAL {{ ?v <{KGS.modelCheckpoint}> ?ck }}
            OPTIONAL {{ ?v <{KGS.generatorKind}> ?gen }} OPTIONAL {{ ?v <{RDFS.comment}> ?comment }} }} }}""")
        out = [ItemMeta(version=int(r["n"]), state=_state(r["state"]), author=str(r.get("who") or ""),
                        created_at=str(r["at"]), checkpoint=str(r.get("ck") or ""),
                        generator=str(r.get("gen") or ""), comment=str(r.get("comment") or ""))
               for r in rows]
        return sorted(out, key=lambda m: m.version)

    def reviews(self, iri: str) -> list[Review]:
        """Review decisions on any version of the item, oldest first."""
        iri = self.resolve(iri)
        rows = self.store.select(f"""SELECT ?r ?n ?act ?from ?to ?who ?at ?comment WHERE {{
            GRAPH <{_R}> {{ ?r a <{KGS.Review}> ; <{KGS.reviewOf}> ?v ; <{KGS.reviewAction}> ?act ;
                 <{KGS.fromState}> ?from ; <{KGS.toState}> ?to ; <{PROV.endedAtTime}> ?at ;
                 <{PROV.wasAssociatedWith}> ?a . OPTIONAL {{ ?r <{RDFS.comment}> ?comment }}
                 OPTIONAL {{ ?a <{RDFS.label}> ?who }} }}
            GRAPH <{_C}> {{ ?v <{KGS.versionOf}> <{iri}> ; <{KGS.versionNumber}> ?n }} }}""")
        out = [Review(str(r["r"]), iri, int(r["n"]), str(r["act"]), _state(r["from"]), _state(r["to"]),
                      str(r.get("who") or ""), str(r["at"]), str(r.get("comment") or "")) for r in rows]
        return sorted(out, key=lambda x: (x.at, x.iri))

    def list(self, *, state: ItemState | str | None = None, kind: str | None = None,
             scope: str | None = None, author: str | None = None) -> list[ItemSummary]:
        """Items (latest versions), newest first, filtered by state, kind, scope IRI and author."""
        filters = []
        if state is not None:
            filters.append(f"FILTER(STR(?state) = {_lit(_state(getattr(state, 'value', state)).value)})")
        if kind is not None:
            if kind not in CLASS_OF_KIND:
                raise KGStudioError(f"unknown content kind {kind!r}: use one of {', '.join(CLASS_OF_KIND)}")
            filters.append(f"FILTER(?t = <{CLASS_OF_KIND[kind]}>)")
        if scope is not None:
            filters.append(f"FILTER(?scope = <{scope}>)")
        rows = self.store.select(f"""SELECT ?i ?t ?title ?scope ?state ?n ?who ?at WHERE {{ GRAPH <{_C}> {{
            ?i a <{KGS.ContentItem}> , ?t ; <{KGS.reviewState}> ?state ; <{KGS.versionNumber}> ?n ;
               <{KGS.currentVersion}> ?v . OPTIONAL {{ ?i <{RDFS.label}> ?title }} OPTIONAL {{ ?i <{KGS.scope}> ?scope }}
            ?v <{PROV.generatedAtTime}> ?at ; <{PROV.wasAttributedTo}> ?a . OPTIONAL {{ ?a <{RDFS.label}> ?who }}
            {' '.join(filters)} }} }}""")
        out = []
        for r in rows:
            if str(r["t"]) not in _KIND_OF_CLASS:
                continue
            s = ItemSummary(str(r["i"]), _KIND_OF_CLASS[str(r["t"])], str(r.get("title") or ""),
                            str(r.get("scope") or ""), _state(r["state"]), int(r["n"]),
                            str(r.get("who") or ""), str(r["at"]))
            if author is None or s.author == author:
                out.append(s)
        return sorted(out, key=lambda s: (s.created_at, s.iri), reverse=True)

    # ---- writing ------------------------------------------------------------------------
    def save(self, item, *, author: str, expected_version: int | None = None, comment: str = "",
             state: ItemState | str = ItemState.DRAFT) -> ItemMeta:
        """Save ``item`` as a new version and return its meta (``item.meta`` is updated too).

        ``expected_version``: the version the caller's copy is based on (0 for a new item);
        when the stored item is at another version, :class:`StaleVersion` is raised and
        nothing is written. ``None`` bases the save on whatever is stored now. A new version
        is in ``state`` (default draft: an edited approved lesson needs approving again).
        """
        if not author or not str(author).strip():
            raise KGStudioError("a save needs an author (--by NAME in the CLI)")
        kind = item.kind
        iri = item.iri
        if not iri:
            raise KGStudioError("the item has no IRI: builders set one (see item_iri)")
        state = _state(getattr(state, "value", state))
        with _LOCK:
            current = self.current_version(iri)
            base = current if expected_version is None else int(expected_version)
            if base != current:
                raise StaleVersion(iri, base, current)
            n = base + 1
            nonce = uuid.uuid4().hex
            at = now_iso()
            item.meta.version, item.meta.state, item.meta.author, item.meta.created_at = n, state, author, at
            if comment:
                item.meta.comment = comment
            body = self._version_triples(item, kind, n, at, author, nonce, state)
            old_v = f"<{iri}/v{base}>"
            if base == 0:
                where = f"FILTER NOT EXISTS {{ GRAPH <{_C}> {{ <{iri}> <{KGS.versionNumber}> ?any }} }}"
                delete = ""
            else:
                where = (f"GRAPH <{_C}> {{ <{iri}> <{KGS.versionNumber}> ?old ; <{KGS.reviewState}> ?st ; "
                         f"<{KGS.currentVersion}> {old_v} ; <{RDFS.label}> ?title . FILTER(?old = {base}) }}")
                delete = (f"DELETE {{ GRAPH <{_C}> {{ <{iri}> <{KGS.versionNumber}> ?old ; <{KGS.reviewState}> ?st ; "
                          f"<{KGS.currentVersion}> {old_v} ; <{RDFS.label}> ?title }} }}\n")
            self.store.update(f"{delete}INSERT {{ GRAPH <{_C}> {{\n{body}\n}} }}\nWHERE {{ {where} }}")
            ok = self.store.ask(f"ASK {{ GRAPH <{_C}> {{ <{iri}/v{n}> <{DCTERMS.identifier}> {_lit(nonce)} . "
                                f"<{iri}> <{KGS.currentVersion}> <{iri}/v{n}> }} }}")
            if not ok:
                raise StaleVersion(iri, base, self.current_version(iri))
        return item.meta

    def _version_triples(self, item, kind: str, n: int, at: str, author: str, nonce: str,
                         state: ItemState) -> str:
        iri = item.iri
        v = f"{iri}/v{n}"
        meta = item.meta
        ag = agent_iri(author)
        t: list[str] = []
        add = t.append
        scope = getattr(item, "scope", "") or getattr(item, "target", "")
        title = getattr(item, "title", "") or iri
        add(f"<{iri}> a <{KGS.ContentItem}> , <{CLASS_OF_KIND[kind]}> , <{PROV.Entity}> , <{SDO.LearningResource}> .")
        add(f"<{iri}> <{RDFS.label}> {_lit(title)} .")
        if scope:
            add(f"<{iri}> <{KGS.scope}> <{scope}> .")
        add(f"<{iri}> <{KGS.currentVersion}> <{v}> .")
        add(f"<{iri}> <{KGS.versionNumber}> {_typed(n, XSD.integer)} .")
        add(f"<{iri}> <{KGS.reviewState}> {_lit(state.value)} .")
        add(f"<{ag}> a <{PROV.Agent}> ; <{RDFS.label}> {_lit(author)} .")
        add(f"<{v}> a <{KGS.ContentVersion}> , <{PROV.Entity}> ; <{KGS.versionOf}> <{iri}> ; "
            f"<{KGS.versionNumber}> {_typed(n, XSD.integer)} ; <{DCTERMS.identifier}> {_lit(nonce)} ; "
            f"<{PROV.wasAttributedTo}> <{ag}> ; <{PROV.generatedAtTime}> {_typed(at, XSD.dateTime)} ; "
            f"<{KGS.reviewState}> {_lit(state.value)} ; <{RDFS.label}> {_lit(f'{title} (version {n})')} .")
        if n > 1:
            add(f"<{v}> <{PROV.wasRevisionOf}> <{iri}/v{n - 1}> .")
        if scope:
            add(f"<{v}> <{PROV.wasDerivedFrom}> <{scope}> .")
        for p, val in ((KGS.modelCheckpoint, meta.checkpoint), (KGS.template, meta.template),
                       (KGS.generatorKind, meta.generator), (RDFS.comment, meta.comment)):
            if val:
                add(f"<{v}> <{p}> {_lit(val)} .")
        payload = item.to_dict()
        add(f"<{v}> <{KGS.payload}> {_lit(json.dumps(payload, ensure_ascii=False, sort_keys=True))} .")
        stmts: dict[tuple, str] = {}

        def statement(tr) -> str:
            key = (tr.s, tr.p, tr.o)
            if key not in stmts:
                h = hashlib.sha256("\0".join(key).encode()).hexdigest()[:16]
                s_iri = f"{v}/t/{h}"
                obj = f"<{tr.o}>" if _is_iri(tr.o) else _lit(tr.o)
                subj = f"<{tr.s}>" if _is_iri(tr.s) else None
                if subj is None or not _is_iri(tr.p):
                    return ""
                add(f"<{s_iri}> a <{RDF.Statement}> ; <{RDF.subject}> {subj} ; <{RDF.predicate}> <{tr.p}> ; "
                    f"<{RDF.object}> {obj} .")
                add(f"<{v}> <{PROV.wasDerivedFrom}> <{s_iri}> .")
                stmts[key] = s_iri
            return stmts[key]

        def provenance(node: str, triples, concepts, generator, checkpoint):
            for tr in triples:
                s_iri = statement(tr)
                if s_iri:
                    add(f"<{node}> <{PROV.wasDerivedFrom}> <{s_iri}> .")
            for c in concepts:
                if _is_iri(c):
                    add(f"<{node}> <{KGS.targets}> <{c}> .")
            if generator:
                add(f"<{node}> <{KGS.generatorKind}> {_lit(generator)} .")
            if checkpoint:
                add(f"<{node}> <{KGS.modelCheckpoint}> {_lit(checkpoint)} .")

        if isinstance(item, Lesson):
            for i, p in enumerate(item.all_paragraphs(), 1):
                node = f"{v}/p{i}"
                add(f"<{v}> <{KGS.hasParagraph}> <{node}> .")
                add(f"<{node}> a <{KGS.Paragraph}> , <{PROV.Entity}> ; <{SDO.text}> {_lit(p.text)} ; "
                    f"<{KGS.paragraphKind}> {_lit(p.kind)} ; <{RDFS.label}> {_lit(p.text[:80])} .")
                if p.source and _is_iri(p.source):
                    add(f"<{node}> <{PROV.wasDerivedFrom}> <{p.source}> .")
                provenance(node, p.triples, p.concepts, p.generator, p.checkpoint)
        questions = (item.items if isinstance(item, Quiz) else
                     item.check_questions if isinstance(item, Lesson) else [])
        for i, q in enumerate(questions, 1):
            node = f"{v}/q{i}"
            add(f"<{v}> <{KGS.hasQuestion}> <{node}> .")
            add(f"<{node}> a <{KGS.GeneratedQuestion}> , <{SDO.Question}> , <{PROV.Entity}> ; "
                f"<{SDO.text}> {_lit(q.stem)} ; <{RDFS.label}> {_lit(q.stem[:200])} ; "
                f"<{KGS.questionType}> {_lit(q.type)} ; <{KGS.difficulty}> {_typed(round(q.difficulty, 4), XSD.double)} ; "
                f"<{KGS.bloomLevel}> <https://w3id.org/kgstudio/bloom/{q.bloom}> ; <{KGS.position}> {_typed(i, XSD.integer)} .")
            if q.objective and _is_iri(q.objective):
                add(f"<{node}> <{KGS.alignedTo}> <{q.objective}> .")
            if q.source_item and _is_iri(q.source_item):
                add(f"<{node}> <{PROV.wasDerivedFrom}> <{q.source_item}> .")
            provenance(node, q.triples, [q.concept] if q.concept else [], q.generator, q.checkpoint)
            # the sentences the key rests on (QuizItem.evidence), each a PROV entity the
            # question was derived from, with its section and paragraph
            for k, ev in enumerate(getattr(q, "evidence", None) or [], 1):
                e_node = f"{node}/e{k}"
                add(f"<{node}> <{PROV.wasDerivedFrom}> <{e_node}> .")
                add(f"<{e_node}> a <{PROV.Entity}> ; <{KGS.text}> {_lit(ev.text)} ; "
                    f"<{RDFS.label}> {_lit(ev.text[:200])} ; <{DCTERMS.identifier}> {_lit(ev.paragraph or '')} .")
                if ev.section and _is_iri(ev.section):
                    add(f"<{e_node}> <{KGS.inSection}> <{ev.section}> .")
            if getattr(q, "verification", ""):
                add(f"<{node}> <{RDFS.comment}> {_lit('key checked: ' + q.verification)} .")
        if isinstance(item, (Diagram, LearningPath)):
            nodes = [n for n, _ in item.nodes] if isinstance(item, Diagram) else [s.concept for s in item.steps]
            for c in nodes:
                if _is_iri(c):
                    add(f"<{v}> <{KGS.targets}> <{c}> .")
        return "\n".join(t)

    def _review(self, iri: str, action: str, *, by: str, comment: str = "") -> ItemMeta:
        if not by or not str(by).strip():
            raise KGStudioError("a review needs a reviewer name (--by NAME)")
        iri = self.resolve(iri)
        to = _ACTIONS[action]
        with _LOCK:
            current = self.current_version(iri)
            if not current:
                raise self._not_found(iri)
            frm = self.state(iri)
            if not frm.can_become(to):
                raise InvalidTransition(f"<{iri}> is {frm.value}: it cannot be moved to {to.value} "
                                        f"(allowed from {frm.value}: {', '.join(sorted(x.value for x in _allowed(frm)))})")
            at = now_iso(precise=True)   # several reviews in one second keep their order
            r = f"{iri}/v{current}/review/{uuid.uuid4().hex[:12]}"
            ag = agent_iri(by)
            review = (f"<{r}> a <{KGS.Review}> , <{PROV.Activity}> ; <{KGS.reviewOf}> <{iri}/v{current}> ; "
                      f"<{KGS.reviewAction}> {_lit(action)} ; <{KGS.fromState}> {_lit(frm.value)} ; "
                      f"<{KGS.toState}> {_lit(to.value)} ; <{PROV.wasAssociatedWith}> <{ag}> ; "
                      f"<{PROV.endedAtTime}> {_typed(at, XSD.dateTime)} ; <{PROV.used}> <{iri}/v{current}> ; "
                      f"<{RDFS.label}> {_lit(f'{action} of version {current}')}"
                      + (f" ; <{RDFS.comment}> {_lit(comment)}" if comment else "") + " .\n"
                      f"<{ag}> a <{PROV.Agent}> ; <{RDFS.label}> {_lit(by)} .")
            self.store.update(
                f"DELETE {{ GRAPH <{_C}> {{ <{iri}> <{KGS.reviewState}> ?s }} }}\n"
                f"INSERT {{ GRAPH <{_C}> {{ <{iri}> <{KGS.reviewState}> {_lit(to.value)} }} "
                f"GRAPH <{_R}> {{ {review} }} }}\n"
                f"WHERE {{ GRAPH <{_C}> {{ <{iri}> <{KGS.reviewState}> ?s ; <{KGS.versionNumber}> ?n . "
                f"FILTER(STR(?s) = {_lit(frm.value)} && ?n = {current}) }} }}")
            if not self.store.ask(f"ASK {{ GRAPH <{_R}> {{ <{r}> a <{KGS.Review}> }} }}"):
                raise StaleVersion(iri, current, self.current_version(iri))
        meta = self.get(iri).meta
        return meta

    def approve(self, iri: str, *, by: str, comment: str = "") -> ItemMeta:
        """Mark the item approved (exporters include approved items by default)."""
        return self._review(iri, "approve", by=by, comment=comment)

    def reject(self, iri: str, *, by: str, comment: str = "") -> ItemMeta:
        return self._review(iri, "reject", by=by, comment=comment)

    def request_changes(self, iri: str, *, by: str, comment: str = "") -> ItemMeta:
        return self._review(iri, "request_changes", by=by, comment=comment)

    def submit(self, iri: str, *, by: str, comment: str = "") -> ItemMeta:
        """Put a draft (or an item with changes requested) up for review."""
        return self._review(iri, "submit", by=by, comment=comment)

    def item_graph(self, iri: str, version: int | None = None, *, payload: bool = True):
        """The RDF of one item as an ``rdflib.Graph``: the item node, the version (default:
        latest) with its paragraphs, questions and reified source triples, the agents who
        saved or reviewed it, and every review of any of its versions. ``payload=False``
        leaves out the JSON payload literal (for a readable JSON-LD / Turtle export)."""
        iri = self.resolve(iri)
        current = self.current_version(iri)
        if not current:
            raise self._not_found(iri)
        n = current if version is None else int(version)
        v = f"{iri}/v{n}"
        rows = self.store.query(f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
            {{ GRAPH <{_C}> {{ ?s ?p ?o FILTER(?s = <{iri}> || ?s = <{v}> || STRSTARTS(STR(?s), {_lit(v + "/")})) }} }}
            UNION {{ GRAPH <{_R}> {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), {_lit(iri + "/v")})) }} }} }}""")
        g = Graph()
        agents = set()
        for s_, p_, o_ in rows.triples:
            if not payload and str(p_) == str(KGS.payload):
                continue
            g.add((s_, p_, o_))
            if str(p_) in (str(PROV.wasAttributedTo), str(PROV.wasAssociatedWith)):
                agents.add(str(o_))
        for a in sorted(agents):
            for r in self.store.select(f"SELECT ?p ?o WHERE {{ GRAPH <{_C}> {{ <{a}> ?p ?o }} }}") or \
                    self.store.select(f"SELECT ?p ?o WHERE {{ GRAPH <{_R}> {{ <{a}> ?p ?o }} }}"):
                g.add((URIRef(a), r["p"], r["o"]))
        for prefix, ns in (("kgs", str(KGS._NS)), ("prov", str(PROV)), ("schema", str(SDO)),
                           ("dcterms", str(DCTERMS))):
            g.bind(prefix, ns)
        return g

    def items(self, *, state: ItemState | str | None = None, kind: str | None = None) -> Iterator:
        """The latest version of every item matching the filters (for exporters)."""
        for s in self.list(state=state, kind=kind):
            yield self.get(s.iri)


def _allowed(state: ItemState):
    return TRANSITIONS[state]


def _is_iri(value: str) -> bool:
    value = str(value)
    return value.startswith(("http://", "https://", "urn:")) and not any(
        c in value for c in '<>"{}|^`\\ \n')
