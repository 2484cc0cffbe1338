"""A read-only view of the curriculum graph shaped for the content builders.

Lessons, quizzes, diagrams and learning paths all ask the same questions: a concept's
label and definition, its prerequisites (direct and transitive), the concepts that need
it, the sections and objectives that teach it, the curriculum's own questions, the
course structure. :class:`GraphView` answers them with a handful of SPARQL queries per
store and caches the answers, so building every section of a book reads the whole
prerequisite graph once. It is a snapshot: a view made before an import does not see it
(make a new one).

Concepts are grouped by curriculum (``kgs:inCurriculum``): quizzes draw distractors and
ambiguity checks from the focus concept's own curriculum only, so two imported books do
not mix.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from generation.base import Triple
from kg.errors import PrerequisiteCycle
from kg.neighbourhood import NodeNotFound, node_types, sparql_string
from kg.store.base import Store
from ontology.cycles import find_cycle, topological_order
from ontology.namespaces import BLOOM, KGS, RDFS, SKOS

__all__ = ["GraphView", "ConceptInfo", "SectionInfo", "SourceItem", "ObjectiveInfo", "topo_order", "resolve_scope",
           "ScopeNotFound"]

_LBL, _PREF, _DEF = str(RDFS.label), str(SKOS.prefLabel), str(KGS.definition)


@dataclass
class ConceptInfo:
    iri: str
    label: str
    definition: str = ""
    curriculum: str = ""
    alt_labels: list[str] = field(default_factory=list)
    name_like: bool = False          # label reads as a name (kept capitalised mid-sentence)


@dataclass
class ObjectiveInfo:
    iri: str
    text: str
    bloom: str = ""                  # local name of the BLOOM level, "" when unknown
    position: int = 0
    teaches: list[str] = field(default_factory=list)


@dataclass
class SourceItem:
    """One of the curriculum's own assessment items."""

    iri: str
    stem: str
    item_type: str                   # kgs:itemType as imported
    position: int = 0
    answer: str = ""
    solution: str = ""
    feedback: str = ""
    bloom: str = ""
    assesses: list[str] = field(default_factory=list)
    choices: list[tuple[str, bool | None, str]] = field(default_factory=list)  # (text, correct, feedback)


@dataclass
class SectionInfo:
    iri: str
    label: str
    position: int = 0
    parent: str = ""                  # chapter (or curriculum) IRI
    summary: str = ""
    text: str = ""
    kind: str = "section"             # section|chapter|resource


def _lex(row, key) -> str:
    v = row.get(key)
    return "" if v is None else str(v)


def _pref(values: list[tuple[str, str]]) -> str:
    """Pick one literal: English or untagged first, then A-Z (deterministic)."""
    if not values:
        return ""
    return sorted(values, key=lambda v: (v[1] not in ("", "en"), v[1], v[0]))[0][0]


def topo_order(nodes, requires: dict[str, set[str]], key=None) -> list[str]:
    """``nodes`` ordered so that every prerequisite (``requires[n]`` inside ``nodes``)
    comes before ``n``; ties broken by ``key`` (default: the IRI)
    (:func:`ontology.cycles.topological_order`); a cycle raises :class:`PrerequisiteCycle`.

    >>> topo_order(["c", "b", "a"], {"c": {"b"}, "b": {"a"}})
    ['a', 'b', 'c']
    """
    nodes = list(dict.fromkeys(nodes))
    out = topological_order(nodes, requires, (lambda n: (key(n), n)) if key else None)
    if len(out) != len(nodes):
        inside, placed = set(nodes), set(out)
        rest = [n for n in nodes if n not in placed]
        cyc = find_cycle([(n, p) for n in rest for p in requires.get(n, ()) if p in inside])
        raise PrerequisiteCycle(cyc or rest)
    return out


class GraphView:
    """Cached answers about the curriculum graph of ``store`` (see the module docstring)."""

    def __init__(self, store: Store):
        self.store = store
        self._sections: dict[str, SectionInfo] = {}

    def select(self, sparql: str) -> list[dict]:
        return self.store.select(sparql)

    # ---- concepts ---------------------------------------------------------------------
    @cached_property
    def concepts(self) -> dict[str, ConceptInfo]:
        """Every concept of the store (label, definition, curriculum, alternative labels)."""
        rows = self.select(f"""SELECT ?c ?k ?v (LANG(?v) AS ?lang) WHERE {{
            ?c a <{KGS.Concept}> .
            {{ ?c <{_LBL}> ?v BIND("l" AS ?k) }} UNION {{ ?c <{_PREF}> ?v BIND("p" AS ?k) }}
            UNION {{ ?c <{_DEF}> ?v BIND("d" AS ?k) }} UNION {{ ?c <{SKOS.altLabel}> ?v BIND("a" AS ?k) }}
            UNION {{ ?c <{KGS.inCurriculum}> ?v BIND("c" AS ?k) }} }}""")
        vals: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            vals[str(r["c"])][str(r["k"])].append((str(r["v"]), _lex(r, "lang")))
        out = {}
        for c, kv in vals.items():
            lab = _pref(kv["l"]) or _pref(kv["p"]) or c.rsplit("/", 1)[-1]
            out[c] = ConceptInfo(c, lab, " ".join(_pref(kv["d"]).split()), _pref(kv["c"]),
                                 sorted({v for v, _ in kv["a"]} - {lab}))
        # A label whose first word some definition writes capitalised mid-sentence
        # ("a Boolean condition") is a name: keep its capital in generated sentences.
        caps = set()
        for info in out.values():
            caps.update(m.group(1) for m in _MIDCAP.finditer(info.definition))
        for info in out.values():
            first = info.label.split(" ", 1)[0]
            info.name_like = bool(first) and first[:1].isupper() and first in caps
        return out

    def concept(self, iri: str) -> ConceptInfo:
        try:
            return self.concepts[iri]
        except KeyError:
            raise NodeNotFound(f"<{iri}> is not a concept of the workspace; find one with "
                               "`kgstudio sparql` or kg.neighbourhood.find_concepts") from None

    def label(self, iri: str) -> str:
        if iri in self.concepts:
            return self.concepts[iri].label
        if iri in self._sections:
            return self._sections[iri].label
        rows = self.select(f"SELECT ?l (LANG(?l) AS ?lang) WHERE {{ {{ <{iri}> <{_LBL}> ?l }} UNION {{ <{iri}> <{_PREF}> ?l }} }}")
        return _pref([(str(r["l"]), _lex(r, "lang")) for r in rows]) or iri.rsplit("/", 1)[-1]

    def concepts_of(self, curriculum: str) -> list[str]:
        return sorted(c for c, i in self.concepts.items() if i.curriculum == curriculum)

    # ---- prerequisites ------------------------------------------------------------------
    @cached_property
    def requires(self) -> dict[str, set[str]]:
        """Direct prerequisites between concepts: ``requires[a]`` = the concepts a needs."""
        rows = self.select(f"""SELECT DISTINCT ?a ?b WHERE {{ ?a <{KGS.requires}> ?b .
            ?a a <{KGS.Concept}> . ?b a <{KGS.Concept}> }}""")
        out: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            if r["a"] != r["b"]:
                out[str(r["a"])].add(str(r["b"]))
        return out

    @cached_property
    def required_by(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for a, bs in self.requires.items():
            for b in bs:
                out[b].add(a)
        return out

    @cached_property
    def related(self) -> dict[str, set[str]]:
        """Symmetric associations (kgs:relatedTo, kgs:coRequires, kgs:exactMatch, skos:related)."""
        rows = self.select(f"""SELECT DISTINCT ?a ?b WHERE {{ ?a ?p ?b .
            FILTER(?p IN (<{KGS.relatedTo}>, <{KGS.coRequires}>, <{KGS.strictCoRequires}>,
                          <{KGS.exactMatch}>, <{SKOS.related}>)) ?a a <{KGS.Concept}> }}""")
        out: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            a, b = str(r["a"]), str(r["b"])
            if a != b:
                out[a].add(b)
                out[b].add(a)
        return out

    @cached_property
    def same_as(self) -> dict[str, set[str]]:
        """Concepts declared the same (kgs:exactMatch, skos:exactMatch), both ways."""
        rows = self.select(f"""SELECT DISTINCT ?a ?b WHERE {{ ?a ?p ?b .
            FILTER(?p IN (<{KGS.exactMatch}>, <{SKOS.exactMatch}>)) }}""")
        out: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            a, b = str(r["a"]), str(r["b"])
            if a != b:
                out[a].add(b)
                out[b].add(a)
        return out

    def ancestors(self, iri: str) -> set[str]:
        """Every concept that must be learned before ``iri`` (transitive prerequisites)."""
        return self._closure(iri, self.requires)

    def descendants(self, iri: str) -> set[str]:
        """Every concept that needs ``iri`` directly or not (so is certainly not before it)."""
        return self._closure(iri, self.required_by)

    @staticmethod
    def _closure(iri: str, adj: dict[str, set[str]]) -> set[str]:
        seen: set[str] = set()
        todo = list(adj.get(iri, ()))
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(adj.get(n, ()))
        seen.discard(iri)
        return seen

    def depth(self, iri: str) -> int:
        """Length of the longest prerequisite chain below ``iri`` (0: no prerequisites)."""
        memo = self.__dict__.setdefault("_depth", {})
        stack = [iri]
        while stack:
            n = stack[-1]
            if n in memo:
                stack.pop()
                continue
            todo = [p for p in self.requires.get(n, ()) if p not in memo]
            if todo:
                if any(p in stack for p in todo):  # a cycle: cut it here
                    memo[n] = 0
                    stack.pop()
                    continue
                stack.extend(todo)
                continue
            memo[n] = 1 + max((memo[p] for p in self.requires.get(n, ())), default=-1)
            stack.pop()
        return memo[iri]

    def teaching_order(self, nodes) -> list[str]:
        """``nodes`` in an order that respects every prerequisite among them; ties by the
        position of the section that defines them, then label."""
        return topo_order(nodes, self.requires, key=self._order_key)

    def _order_key(self, iri: str):
        pos = self.reading_position.get(iri, (10**6, 10**6))
        return (pos, self.label(iri).casefold(), iri)

    @cached_property
    def reading_position(self) -> dict[str, tuple[int, int]]:
        """(chapter position, section position) of the section defining each concept."""
        rows = self.select(f"""SELECT ?c ?cp ?sp WHERE {{ ?c <{KGS.definedIn}> ?s .
            ?s <{KGS.position}> ?sp . OPTIONAL {{ ?s <{KGS.partOf}> ?ch . ?ch <{KGS.position}> ?cp }} }}""")
        out = {}
        for r in rows:
            pos = (int(r["cp"]) if r.get("cp") is not None else 0, int(r["sp"]))
            c = str(r["c"])
            if c not in out or pos < out[c]:
                out[c] = pos
        return out

    # ---- sections, objectives, items -------------------------------------------------------
    def node_type(self, iri: str) -> str:
        t = node_types(self.store, [iri]).get(iri)
        if t is None:
            raise NodeNotFound(f"<{iri}> is not a node of the workspace (no concept, section, "
                               "chapter or curriculum has that IRI); look it up with `kgstudio sparql`")
        return t

    def section(self, iri: str) -> SectionInfo:
        if iri in self._sections:
            return self._sections[iri]
        rows = self.select(f"""SELECT ?k ?v (LANG(?v) AS ?lang) WHERE {{
            {{ <{iri}> <{_LBL}> ?v BIND("l" AS ?k) }} UNION {{ <{iri}> <{KGS.position}> ?v BIND("p" AS ?k) }}
            UNION {{ <{iri}> <{KGS.partOf}> ?v BIND("u" AS ?k) }} UNION {{ <{iri}> <{KGS.summary}> ?v BIND("s" AS ?k) }}
            UNION {{ <{iri}> <{KGS.text}> ?v BIND("t" AS ?k) }} UNION {{ <{iri}> a ?v BIND("a" AS ?k) }} }}""")
        kv: dict[str, list] = defaultdict(list)
        for r in rows:
            kv[str(r["k"])].append((str(r["v"]), _lex(r, "lang")))
        types = {v for v, _ in kv["a"]}
        kind = ("chapter" if str(KGS.Chapter) in types else "curriculum" if str(KGS.Curriculum) in types
                else "resource" if str(KGS.Resource) in types else "section")
        pos = _pref(kv["p"])
        info = SectionInfo(iri, _pref(kv["l"]) or iri.rsplit("/", 1)[-1], int(pos) if pos else 0,
                           _pref(kv["u"]), _pref(kv["s"]).strip(), _pref(kv["t"]), kind)
        self._sections[iri] = info
        return info

    def parts(self, parent: str) -> list[SectionInfo]:
        """Chapters of a curriculum / sections of a chapter, in order (items excluded)."""
        rows = self.select(f"""SELECT DISTINCT ?s WHERE {{ ?s <{KGS.partOf}> <{parent}> .
            {{ ?s a <{KGS.Chapter}> }} UNION {{ ?s a <{KGS.Section}> }} UNION {{ ?s a <{KGS.Resource}> }} }}""")
        return sorted((self.section(str(r["s"])) for r in rows), key=lambda s: (s.position, s.label))

    def curriculum_of(self, iri: str) -> str:
        """The curriculum a concept, section or chapter belongs to."""
        if iri in self.concepts and self.concepts[iri].curriculum:
            return self.concepts[iri].curriculum
        node = iri
        for _ in range(8):
            info = self.section(node)
            if info.kind == "curriculum" or not info.parent:
                return node
            node = info.parent
        return node

    def taught_in(self, section: str) -> list[str]:
        """Concepts a section teaches or defines (or, for a chapter, its sections do)."""
        info = self.section(section)
        secs = [section] + ([s.iri for s in self.parts(section)] if info.kind == "chapter" else [])
        vals = " ".join(f"<{s}>" for s in secs)
        rows = self.select(f"""SELECT DISTINCT ?c WHERE {{ VALUES ?s {{ {vals} }}
            {{ ?s <{KGS.teaches}> ?c }} UNION {{ ?c <{KGS.definedIn}> ?s }} ?c a <{KGS.Concept}> }}""")
        return self.teaching_order([str(r["c"]) for r in rows])

    def sections_teaching(self, concept: str) -> list[str]:
        rows = self.select(f"""SELECT DISTINCT ?s WHERE {{
            {{ ?s <{KGS.teaches}> <{concept}> }} UNION {{ <{concept}> <{KGS.definedIn}> ?s }}
            ?s a <{KGS.Section}> }}""")
        return sorted((str(r["s"]) for r in rows), key=lambda s: (self._sec_key(s)))

    def _sec_key(self, s: str):
        info = self.section(s)
        parent = self.section(info.parent) if info.parent else None
        return (parent.position if parent else 0, info.position, s)

    def objectives(self, *, of: list[str] | None = None, teaching: str | None = None) -> list[ObjectiveInfo]:
        """Objectives of sections/chapters ``of``, or objectives that teach ``teaching``."""
        if of is not None:
            if not of:
                return []
            vals = " ".join(f"<{s}>" for s in of)
            where = f"VALUES ?s {{ {vals} }} {{ ?s <{KGS.hasObjective}> ?o }} UNION {{ ?o <{KGS.partOf}> ?s }}"
        else:
            where = f"?o <{KGS.teaches}> <{teaching}>"
        rows = self.select(f"""SELECT ?o ?l ?b ?p ?t WHERE {{ {where} . ?o a <{KGS.LearningObjective}> .
            ?o <{_LBL}> ?l . OPTIONAL {{ ?o <{KGS.bloomLevel}> ?b }} OPTIONAL {{ ?o <{KGS.position}> ?p }}
            OPTIONAL {{ ?o <{KGS.teaches}> ?t }} }}""")
        out: dict[str, ObjectiveInfo] = {}
        for r in rows:
            o = str(r["o"])
            info = out.setdefault(o, ObjectiveInfo(o, " ".join(str(r["l"]).split()),
                                                   str(r["b"]).rsplit("/", 1)[-1] if r.get("b") else "",
                                                   int(r["p"]) if r.get("p") is not None else 0))
            if r.get("t") is not None and str(r["t"]) not in info.teaches:
                info.teaches.append(str(r["t"]))
        return sorted(out.values(), key=lambda o: (o.position, o.iri))

    def source_items(self, *, of: list[str] | None = None, assessing: list[str] | None = None) -> list[SourceItem]:
        """The curriculum's own questions: those part of sections ``of`` or assessing any
        concept of ``assessing``."""
        if of:
            where = f"VALUES ?s {{ {' '.join(f'<{s}>' for s in of)} }} ?i <{KGS.partOf}> ?s ."
        elif assessing:
            where = f"VALUES ?c {{ {' '.join(f'<{c}>' for c in assessing)} }} ?i <{KGS.assesses}> ?c ."
        else:
            return []
        rows = self.select(f"""SELECT ?i ?k ?v ?x ?y ?z WHERE {{ {where} ?i a <{KGS.AssessmentItem}> .
            {{ ?i <{KGS.stem}> ?v BIND("stem" AS ?k) }} UNION {{ ?i <{KGS.itemType}> ?v BIND("type" AS ?k) }}
            UNION {{ ?i <{KGS.correctAnswer}> ?v BIND("answer" AS ?k) }} UNION {{ ?i <{KGS.solution}> ?v BIND("solution" AS ?k) }}
            UNION {{ ?i <{KGS.feedback}> ?v BIND("feedback" AS ?k) }} UNION {{ ?i <{KGS.position}> ?v BIND("pos" AS ?k) }}
            UNION {{ ?i <{KGS.bloomLevel}> ?v BIND("bloom" AS ?k) }} UNION {{ ?i <{KGS.assesses}> ?v BIND("assesses" AS ?k) }}
            UNION {{ ?i <{KGS.hasChoice}> ?ch BIND("choice" AS ?k) ?ch <{KGS.choiceText}> ?v .
                     OPTIONAL {{ ?ch <{KGS.isCorrect}> ?x }} OPTIONAL {{ ?ch <{KGS.feedback}> ?y }}
                     OPTIONAL {{ ?ch <{KGS.position}> ?cp }} BIND(COALESCE(?cp, 0) AS ?z) }} }}""")
        items: dict[str, dict] = {}
        choices: dict[str, list] = defaultdict(list)
        for r in rows:
            i, k, v = str(r["i"]), str(r["k"]), str(r["v"])
            d = items.setdefault(i, defaultdict(list))
            if k == "choice":
                x = r.get("x")
                z = r.get("z")
                choices[i].append((int(z) if z is not None else 0, v,
                                   None if x is None else str(x).lower() in ("true", "1"),
                                   _lex(r, "y").strip()))
            else:
                d[k].append(v)
        out = []
        for i, d in items.items():
            if not d.get("stem"):
                continue
            out.append(SourceItem(
                i, d["stem"][0].strip(), (d.get("type") or ["free-response"])[0],
                int(d["pos"][0]) if d.get("pos") else 0, (d.get("answer") or [""])[0].strip(),
                (d.get("solution") or [""])[0].strip(), (d.get("feedback") or [""])[0].strip(),
                (d.get("bloom") or [""])[0].rsplit("/", 1)[-1], sorted(set(d.get("assesses", []))),
                [c[1:] for c in sorted(set(choices.get(i, [])))]))
        return sorted(out, key=lambda it: (it.position, it.iri))

    # ---- facts for provenance ------------------------------------------------------------
    def concept_triples(self, iri: str, *, neighbours: bool = True) -> list[Triple]:
        """The facts about a concept a text rests on: its label and definition, and (with
        ``neighbours``) its direct prerequisite, dependent and related edges."""
        c = self.concept(iri)
        out = [Triple(iri, _LBL, c.label)]
        if c.definition:
            out.append(Triple(iri, _DEF, c.definition))
        if neighbours:
            for p in sorted(self.requires.get(iri, ())):
                out.append(Triple(iri, str(KGS.requires), p))
            for d in sorted(self.required_by.get(iri, ())):
                out.append(Triple(d, str(KGS.requires), iri))
            for r in sorted(self.related.get(iri, ())):
                out.append(Triple(iri, str(KGS.relatedTo), r))
        return out


BLOOM_IRI = {lvl: str(BLOOM[lvl]) for lvl in ("remember", "understand", "apply", "analyze", "evaluate", "create")}
_MIDCAP = re.compile(r"(?<=[a-z,;:]\s)([A-Z][\w-]*)")


class ScopeNotFound(NodeNotFound):
    """A concept/section/chapter reference that matches nothing (or too much)."""


def resolve_scope(view: GraphView, ref: str, *, kinds=("concept", "section", "chapter", "curriculum")) -> str:
    """The IRI a user means by ``ref``: an IRI, a concept label ("While loop"), a section or
    chapter title, or the tail of an IRI ("section/s2-2", "s2-2"). Exact matches win; an
    ambiguous or unknown reference raises :class:`ScopeNotFound` with candidates."""
    ref = str(ref).strip()
    if ref.startswith(("http://", "https://", "urn:")):
        view.node_type(ref)   # NodeNotFound when unknown
        return ref
    low = ref.casefold()
    hits = [c for c, i in view.concepts.items() if i.label.casefold() == low
            or low in (a.casefold() for a in i.alt_labels)] if "concept" in kinds else []
    if len(hits) == 1:
        return hits[0]
    classes = {"section": KGS.Section, "chapter": KGS.Chapter, "curriculum": KGS.Curriculum,
               "concept": KGS.Concept}
    vals = " ".join(f"<{classes[k]}>" for k in kinds if k in classes)
    rows = view.select(f"""SELECT DISTINCT ?n WHERE {{ VALUES ?t {{ {vals} }} ?n a ?t .
        OPTIONAL {{ ?n <{_LBL}> ?l }}
        FILTER(LCASE(STR(?l)) = {sparql_string(low)} || STRENDS(STR(?n), {sparql_string('/' + ref)})) }}""")
    found = sorted({str(r["n"]) for r in rows} | set(hits))
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ScopeNotFound(f"{ref!r} matches {len(found)} nodes: {', '.join(found[:6])}; give the IRI")
    near = [c for c, i in view.concepts.items() if low in i.label.casefold()][:6]
    hint = f"; did you mean {', '.join(repr(view.label(c)) for c in near)}?" if near else \
        "; list concepts with `kgstudio sparql` or use an IRI"
    raise ScopeNotFound(f"no concept, section or chapter called {ref!r}{hint}")
