"""What an export holds: the content items of a scope, arranged by the course structure.

A :class:`Pack` is a tree of :class:`PackNode` (curriculum → chapter → section, in the
curriculum's own order) whose nodes carry the lessons, quizzes, diagrams and learning
paths placed there. Every exporter walks the same tree, so an IMS cartridge's
organisation, Moodle's question categories, GIFT's ``$CATEGORY`` lines and the HTML site's
table of contents all follow the course structure.

Where an item goes: an item whose scope is a section or chapter sits on that node; an item
about a concept sits on the section that defines the concept (``kgs:definedIn``, the
earliest one), else on a section that teaches it, else in a "Concepts" node of its
curriculum, else in "Other". A diagram or path of a curriculum sits on the curriculum.

:func:`collect_pack` reads the items from the workspace's content repository: by default
only ``approved`` ones; ``include_drafts`` adds items not yet approved (drafts, in review,
changes requested); rejected items never go out. With nothing to export it raises
:class:`~generation.export.base.NothingToExport` rather than writing an empty pack.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from generation.content.repository import Repository
from generation.export.base import ExportError, NothingToExport, Progress

#: scopes ``collect_pack`` understands (``kgstudio export --scope``)
SCOPES = ("course", "chapter", "section", "concepts")

#: review states exported with ``include_drafts`` (approved ones always are)
DRAFT_STATES = ("draft", "in_review", "changes_requested")


def ident(prefix: str, key: str) -> str:
    """A stable XML ID (NCName) for ``key``: ``prefix`` + 16 hex of its sha1.

    >>> ident("R_", "https://w3id.org/kgstudio/id/x")
    'R_b5a3bfe405c115b4'
    """
    return prefix + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def slug(text: str, max_len: int = 40) -> str:
    """An ASCII file-name part for ``text`` ("" when nothing is left).

    >>> slug("Données & <Loops>: 1.2 ∑")
    'donnees-loops-1-2'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_len].strip("-")


@dataclass
class PackNode:
    """One node of the course structure with the items placed on it."""

    iri: str                       # curriculum / chapter / section IRI ("" for a made-up group)
    title: str
    kind: str                      # root|curriculum|chapter|section|group
    position: int = 0              # order among siblings (the curriculum's kgs:position)
    children: list["PackNode"] = field(default_factory=list)
    lessons: list = field(default_factory=list)      # generation.content.model.Lesson
    quizzes: list = field(default_factory=list)      # Quiz
    diagrams: list = field(default_factory=list)     # Diagram
    paths: list = field(default_factory=list)        # LearningPath

    @property
    def key(self) -> str:
        """Stable identity of the node (for IDs and file names)."""
        return self.iri or f"{self.kind}:{self.title}"

    def items(self) -> list:
        return [*self.lessons, *self.diagrams, *self.paths, *self.quizzes]

    def has_items(self) -> bool:
        return bool(self.items()) or any(c.has_items() for c in self.children)

    def walk(self, depth: int = 0, trail: tuple = ()) -> Iterator[tuple[int, tuple["PackNode", ...], "PackNode"]]:
        """(depth, ancestors, node) in reading order, this node first."""
        yield depth, trail, self
        for c in self.children:
            yield from c.walk(depth + 1, trail + (self,))


@dataclass
class Pack:
    """The items of one export in their course structure."""

    title: str
    root: PackNode
    language: str = "en"
    scope: str = "course"
    include_drafts: bool = False
    store: object = None           # the kg Store the items came from (jsonld/turtle read PROV-O from it)

    def nodes(self) -> Iterator[tuple[int, tuple[PackNode, ...], PackNode]]:
        return self.root.walk()

    def lessons(self) -> list:
        return [x for _, _, n in self.nodes() for x in n.lessons]

    def quizzes(self) -> list:
        return [x for _, _, n in self.nodes() for x in n.quizzes]

    def diagrams(self) -> list:
        return [x for _, _, n in self.nodes() for x in n.diagrams]

    def paths(self) -> list:
        return [x for _, _, n in self.nodes() for x in n.paths]

    def all_items(self) -> list:
        return [x for _, _, n in self.nodes() for x in n.items()]

    def counts(self) -> dict[str, int]:
        """Items by kind and quiz items by type (what ``kgstudio export`` reports)."""
        out = {"lessons": len(self.lessons()), "quizzes": len(self.quizzes()),
               "diagrams": len(self.diagrams()), "paths": len(self.paths())}
        for q in self.quizzes():
            for it in q.items:
                out[f"item:{it.type}"] = out.get(f"item:{it.type}", 0) + 1
        return out

    def is_empty(self) -> bool:
        return not self.all_items()


# ---- building the structure ----------------------------------------------------------------
_PREFIXES = """PREFIX kgs: <https://w3id.org/kgstudio/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


def _iri(value: str) -> str:
    if not value or any(c in value for c in '<>"{}|^`\\ \n\t'):
        raise ExportError(f"not an IRI: {value!r}")
    return f"<{value}>"


def _str(term) -> str | None:
    return None if term is None else str(term)


def _int(term, default: int = 0) -> int:
    try:
        return int(str(term))
    except (TypeError, ValueError):
        return default


def _item_scope(item) -> str:
    return getattr(item, "scope", "") or getattr(item, "target", "")


class _Structure:
    """Curricula, chapters and sections of the store, and where each concept is taught."""

    def __init__(self, store, concepts: Iterable[str]):
        self.nodes: dict[str, dict] = {}          # iri -> {kind, title, parent, position}
        if store is None:
            self.home: dict[str, str] = {}
            self.curriculum_of: dict[str, str] = {}
            return
        rows = store.select(_PREFIXES + """
            SELECT ?n ?type (SAMPLE(?l) AS ?label) (SAMPLE(?p) AS ?parent) (MIN(?pos) AS ?position) WHERE {
              VALUES ?type { kgs:Curriculum kgs:Chapter kgs:Section }
              ?n a ?type .
              OPTIONAL { ?n rdfs:label ?l }
              OPTIONAL { ?n kgs:partOf ?p }
              OPTIONAL { ?n kgs:position ?pos }
            } GROUP BY ?n ?type""")
        kinds = {"Curriculum": "curriculum", "Chapter": "chapter", "Section": "section"}
        for r in rows:
            kind = kinds[str(r["type"]).rsplit("#", 1)[-1]]
            iri = str(r["n"])
            self.nodes[iri] = {"kind": kind, "title": _str(r.get("label")) or iri.rsplit("/", 1)[-1],
                               "parent": _str(r.get("parent")), "position": _int(r.get("position"))}
        concepts = sorted({c for c in concepts if c and c not in self.nodes})
        self.home = {}
        self.curriculum_of = {}
        for i in range(0, len(concepts), 400):
            values = " ".join(_iri(c) for c in concepts[i:i + 400])
            rows = store.select(_PREFIXES + f"""
                SELECT ?c ?s ?how ?cur WHERE {{
                  VALUES ?c {{ {values} }}
                  {{ ?c kgs:definedIn ?s . BIND(0 AS ?how) }}
                  UNION {{ ?s kgs:teaches ?c . ?s a kgs:Section . BIND(1 AS ?how) }}
                  UNION {{ ?c kgs:inCurriculum ?cur . BIND(2 AS ?how) }}
                }}""")
            best: dict[str, tuple] = {}
            for r in rows:
                c = str(r["c"])
                if r.get("cur") is not None:
                    self.curriculum_of[c] = str(r["cur"])
                    continue
                s = str(r["s"])
                if s not in self.nodes:
                    continue
                rank = (_int(r["how"]), self.order_key(s))
                if c not in best or rank < best[c][0]:
                    best[c] = (rank, s)
            self.home.update({c: s for c, (_, s) in best.items()})

    def order_key(self, iri: str) -> tuple:
        """Positions from the root down, for ordering sections across chapters."""
        key = []
        seen = set()
        while iri in self.nodes and iri not in seen:
            seen.add(iri)
            key.append(self.nodes[iri]["position"])
            iri = self.nodes[iri]["parent"]
        return tuple(reversed(key))

    def ancestors(self, iri: str) -> list[str]:
        """``iri`` and its parents up to the curriculum, innermost first."""
        out, seen = [], set()
        while iri in self.nodes and iri not in seen:
            seen.add(iri)
            out.append(iri)
            iri = self.nodes[iri]["parent"]
        return out

    def place(self, scope: str) -> str | None:
        """The structure node an item about ``scope`` belongs on (None: not in the structure)."""
        if scope in self.nodes:
            return scope
        return self.home.get(scope)


def build_pack(items: Iterable, store=None, *, title: str | None = None, scope: str = "course",
               include_drafts: bool = False) -> Pack:
    """Arrange ``items`` (lessons, quizzes, diagrams, paths) by the store's course structure.

    Without a store every item goes into one group: the structure only orders, it never
    filters (filtering by scope is :func:`collect_pack`'s job).
    """
    items = list(items)
    st = _Structure(store, [_item_scope(x) for x in items])
    made: dict[str, PackNode] = {}
    root = PackNode("", title or "kgstudio content", "root")

    def node_for(iri: str) -> PackNode:
        if iri in made:
            return made[iri]
        info = st.nodes[iri]
        node = made[iri] = PackNode(iri, info["title"], info["kind"], info["position"])
        parent = info["parent"]
        (node_for(parent) if parent in st.nodes and parent != iri else root).children.append(node)
        return node

    def group(parent: PackNode, title: str, key: str) -> PackNode:
        if key not in made:
            made[key] = PackNode("", title, "group", 10 ** 6)
            parent.children.append(made[key])
        return made[key]

    for x in items:
        scope_iri = _item_scope(x)
        where = st.place(scope_iri)
        if where is not None:
            node = node_for(where)
        elif scope_iri in st.curriculum_of and st.curriculum_of[scope_iri] in st.nodes:
            cur = node_for(st.curriculum_of[scope_iri])
            node = group(cur, "Concepts", "group:concepts:" + cur.iri)
        else:
            node = group(root, "Other", "group:other")
        {"lesson": node.lessons, "quiz": node.quizzes, "diagram": node.diagrams,
         "path": node.paths}[x.kind].append(x)

    def tidy(n: PackNode) -> None:
        n.children = [c for c in n.children if c.has_items()]
        n.children.sort(key=lambda c: (c.position, c.title))
        for lst in (n.lessons, n.quizzes, n.diagrams, n.paths):
            lst.sort(key=lambda x: (getattr(x, "scope_kind", "") != "section", x.title, x.iri))
        for c in n.children:
            tidy(c)

    tidy(root)
    # One curriculum: it is the root (its title names the pack).
    if len(root.children) == 1 and root.children[0].kind == "curriculum" and not root.items():
        root = root.children[0]
    curricula = [c for c in root.children if c.kind == "curriculum"]
    pack_title = title or (curricula[0].title if root.kind == "root" and len(curricula) == 1 else root.title)
    language = next((getattr(x, "language", "") for x in items if getattr(x, "language", "")), "en")
    return Pack(pack_title, root, language=language, scope=scope, include_drafts=include_drafts,
                store=store)


def _in_scope(st: _Structure, item, scope: str, targets: set[str]) -> bool:
    s = _item_scope(item)
    if scope == "concepts":
        return s in targets or bool(targets & set(getattr(item, "focus", []) or []))
    where = st.place(s) or st.curriculum_of.get(s)
    return where is not None and bool(targets & set(st.ancestors(where)))


def collect_pack(store, *, scope: str = "course", iris: Iterable[str] = (), include_drafts: bool = False,
                 title: str | None = None, progress: Progress | None = None) -> Pack:
    """The pack of the workspace's content items in ``scope`` (see the module docstring).

    ``scope``: ``course`` (every item, or those of the curricula in ``iris``), ``chapter`` /
    ``section`` (items placed under the IRIs given), ``concepts`` (items about the concept
    IRIs given).
    """
    if scope not in SCOPES:
        raise ExportError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
    targets = {i.strip() for x in iris for i in str(x).split(",") if i.strip()}
    if scope != "course" and not targets:
        raise ExportError(f"--scope {scope} needs at least one IRI")
    repo = Repository(store)
    states = ("approved",) + (DRAFT_STATES if include_drafts else ())
    summaries = [s for st in states for s in repo.list(state=st)]
    if not summaries:
        total = len(repo.list())
        if total == 0:
            raise NothingToExport("the workspace has no content items yet: build lessons and quizzes "
                                  "first (`kgstudio lesson`, `kgstudio quiz`), then approve them")
        what = "approved or draft" if include_drafts else "approved"
        hint = ("approve items with `kgstudio review -w DIR approve ITEM`, or export drafts with "
                "--include-drafts" if not include_drafts else "only rejected items are left")
        raise NothingToExport(f"no {what} content items to export ({total} item(s) in the workspace, "
                              f"none {what}); {hint}; nothing was written")
    items = []
    for i, s in enumerate(summaries):
        items.append(repo.get(s.iri))
        if progress:
            progress("reading items", i + 1, len(summaries))
    if scope != "course" or targets:
        st = _Structure(store, [_item_scope(x) for x in items])
        want = {"course": "curriculum", "chapter": "chapter", "section": "section"}.get(scope)
        unknown = sorted(t for t in targets if want and st.nodes.get(t, {}).get("kind") != want)
        if unknown:
            raise ExportError(f"--scope {scope}: {', '.join(unknown)} is not a {want} of this workspace")
        items = [x for x in items if _in_scope(st, x, scope, targets)]
        if not items:
            raise NothingToExport(f"no {'approved ' if not include_drafts else ''}content items in "
                                  f"--scope {scope} {', '.join(sorted(targets))}")
    return build_pack(items, store, title=title, scope=scope, include_drafts=include_drafts)
