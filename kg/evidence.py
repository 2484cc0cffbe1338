"""The evidence index: for every concept, the sentences of its curriculum that define it,
use it, exemplify it, show it in code or ask about it, ranked, stored in the graph.

Built at import (``kg.importing.write_results`` calls :func:`index_ntriples` on each parsed
source graph and writes the index in the same transaction as the source, for every
importer) from what the source graph holds:

* **blocks and sentences** of every section's and resource's ``kgs:text`` and
  ``kgs:summary`` (paragraph id "summary"): a block is a
  line (CNXML text is one block a line) or, where the text has blank lines (the native
  YAML format), a paragraph; a fenced code block (```` ``` ````, contract 1 of
  ``kg.importers``) is one block of kind ``code``, kept whole. Figure descriptions
  ("[A photograph shows …]"), headings (a short line without a full stop) and table rows
  are no sentences; credits "(credit: …)" are cut out of captions;
* the **kind** of each (sentence, concept) pair, concepts found with the one label matcher
  :class:`kg.labels.LabelMatcher`:
  ``definition``: a glossary definition of the concept (``kgs:definition`` /
  ``skos:definition``, in its ``kgs:definedIn`` section), or a sentence that defines the
  concept ("A *statement* describes …", "*X* is a/the …", "*X* refers to …", "… is called
  *X*");
  ``example``: a sentence of a typed resource whose ``kgs:resourceKind`` is ``example`` or
  a sentence with "for example", "e.g." or "for instance";
  ``code``: a code block that names the concept or follows the prose block that does;
  ``exercise``: the stem of an assessment item of the section that names (or
  ``kgs:assesses``) the concept;
  ``use``: any other sentence naming the concept;
* a **score** in [0, 1), higher = better: first by kind (glossary definition, defining
  sentence, example, code, use, exercise: ``KIND_TIERS``), then within a kind: in a
  section that teaches the concept (``kgs:definedIn``, ``kgs:teaches``,
  ``kgs:firstUsedIn``) 0.4, earlier in the book up to 0.3, a sentence of 60-250
  characters 0.2 (shorter or longer less), the concept named in the sentence's first
  words 0.1. At most ``MAX_PER_KIND`` (30) sentences per concept and kind are kept, the
  best.

Stored as ``kgs:Evidence`` nodes in a named graph beside the source's,
``graph/evidence/<source>`` (:func:`evidence_graph`; not in ``graph/source/<source>``, so
the reasoner and the teacher, which read the source graphs, and the exact triple diffs of a
re-import are unchanged by it), with ``kgs:about`` the concept, ``kgs:text``,
``kgs:evidenceKind``, ``kgs:inSection``, ``kgs:paragraphId``, ``kgs:position`` and
``kgs:score``, so SPARQL reads them::

    SELECT ?text ?score WHERE { ?e a kgs:Evidence ; kgs:about ?c ; kgs:text ?text ;
                                   kgs:evidenceKind "definition" ; kgs:score ?score }
    ORDER BY DESC(?score)

and :func:`evidence` reads them back with one query. Mentions with counts are
``kgs:Mention`` nodes (``kgs:inSection``, ``kgs:about``, ``kgs:mentionCount``) beside a
plain ``section kgs:mentions concept`` triple for every section whose text names the
concept. The index graph records the :func:`fingerprint` of the source triples it was
built from (``kgs:sha256``), so re-importing an unchanged source keeps it as it is.

Limitations: sentences are split on ". ", "! ", "? " before a capital or digit, with the
usual abbreviations ("e.g.", "Dr.", "Fig.", initials) kept inside; paragraph ids are block
numbers ("p3") except where an importer recorded the source's paragraph id
(``kgs:definitionSource``, a typed resource's ``kgs:sourceId``); the defining-sentence
patterns are English.
"""
from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.errors import KGStudioError
from kg.labels import LabelMatcher
from kg.store.base import triples_to_ntriples
from ontology.namespaces import GRAPH, ID, KGS

__all__ = ["Evidence", "EvidenceError", "evidence", "build_evidence", "index_ntriples", "evidence_graph",
           "fingerprint", "stored_index", "rebuild_evidence", "concept_labels", "split_blocks",
           "split_sentences", "KINDS", "MAX_PER_KIND", "INDEX_VERSION"]

KINDS = ("definition", "use", "example", "code", "exercise")
MAX_PER_KIND = 30
INDEX_VERSION = "2"
"""Part of every index's fingerprint: bump it when the rules that build an index change, so
the next import rebuilds indexes that an unchanged source would otherwise keep."""
KIND_TIERS = {"glossary": 5, "definition": 4, "example": 3, "code": 2, "use": 1, "exercise": 0}
_N_TIERS = 6


class EvidenceError(KGStudioError, ValueError):
    """A bad request for evidence: an unknown kind, a concept that is not an IRI."""


@dataclass(frozen=True)
class Evidence:
    concept: str        # concept IRI
    text: str           # one sentence (or one whole fenced code block, for kind "code")
    kind: str           # "definition" | "use" | "example" | "code" | "exercise"
    section: str        # IRI of the section/resource the sentence is in ("" when none)
    section_label: str  # its rdfs:label
    paragraph: str      # paragraph id within the section: the source id when known, else "p<N>"
    position: int       # reading-order position (smaller = earlier in the book)
    score: float        # rank score (higher = better); definitions first


# ---- text ----------------------------------------------------------------------------

_FENCE = re.compile(r"^\s*```")
_FIGURE = re.compile(r"^\s*\[.*\]\s*$")
_CREDIT = re.compile(r"\s*\((?:[^()]*\s)?credits?\b[^()]*(?:\([^()]*\)[^()]*)*\)", re.I)
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|etc|vs|cf|al|Dr|Mr|Mrs|Ms|Prof|Fig|Figs|St|No|Vol|approx|ca|Eq|Ch|Sec)"
                     r"|\b[A-Z]|\b[a-z])\.$")
_SENT_END = re.compile(r"(?<=[.!?])[\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")


def split_blocks(text: str) -> list[tuple[str, str]]:
    """``text`` as ``(kind, block)`` pairs in order, kind ``"code"`` (a fenced block, fences
    included) or ``"prose"``. Blank-line paragraphs where the text has blank lines outside
    code, else one block a line.

    >>> split_blocks("A line.\\nTwo.\\n```python\\nx = 1\\n```\\nEnd.")
    [('prose', 'A line.'), ('prose', 'Two.'), ('code', '```python\\nx = 1\\n```'), ('prose', 'End.')]
    >>> split_blocks("One paragraph\\nwrapped.\\n\\nAnother.")
    [('prose', 'One paragraph wrapped.'), ('prose', 'Another.')]
    """
    lines = text.split("\n")
    pieces: list[tuple[str, list[str]]] = []      # ("code", lines) / ("prose", lines incl. "")
    i = 0
    while i < len(lines):
        if _FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not (_FENCE.match(lines[j]) and lines[j].strip() == "```"):
                j += 1
            pieces.append(("code", lines[i:j + 1]))
            i = j + 1
            continue
        if pieces and pieces[-1][0] == "prose":
            pieces[-1][1].append(lines[i])
        else:
            pieces.append(("prose", [lines[i]]))
        i += 1
    paragraphs = False        # a blank line between two prose lines: blocks are paragraphs
    for kind, ls in pieces:
        if kind == "prose":
            body = "\n".join(ls).strip("\n \t")
            if re.search(r"\n[ \t]*\n", body):
                paragraphs = True
    out: list[tuple[str, str]] = []
    for kind, ls in pieces:
        if kind == "code":
            out.append(("code", "\n".join(ls).strip("\n")))
            continue
        if paragraphs:
            buf: list[str] = []
            for ln in ls + [""]:
                if ln.strip():
                    buf.append(ln.strip())
                elif buf:
                    out.append(("prose", " ".join(buf)))
                    buf = []
        else:
            out.extend(("prose", ln.strip()) for ln in ls if ln.strip())
    return out


def split_sentences(block: str) -> list[str]:
    """Sentences of a prose block, abbreviations and initials kept inside.

    >>> split_sentences("Psychology is a science, e.g. of mind. Dr. Smith agreed! Did W. James? 3 did.")
    ['Psychology is a science, e.g. of mind.', 'Dr. Smith agreed!', 'Did W. James?', '3 did.']
    """
    out: list[str] = []
    start = 0
    for m in _SENT_END.finditer(block):
        head = block[start:m.start()].rstrip("\"”’')]")
        if _ABBREV.search(head):
            continue
        out.append(block[start:m.start()].strip())
        start = m.end()
    tail = block[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]


def _is_heading(block: str) -> bool:
    return len(block) < 100 and not re.search(r"[.!?:;]\W*$", block) and len(block.split()) <= 10


# ---- classification --------------------------------------------------------------------

_DEF_VERB = re.compile(
    r"^\s*(?:\([^)]{0,80}\)\s*)?(?:,[^,.;]{1,80},\s*)?"
    r"(?:(?:is|are|was)\s+(?:also\s+)?(?:defined\s+as|called|known\s+as|the\s+term\s+for|"
    r"an?\b|the\b|one\b|any\b|anything\b|something\b|whatever\b|when\b|how\b|what\b|that\s+which\b|used\s+to\b|"
    r"(?:chiefly\s+|mainly\s+)?characteri[sz]ed\s+by\b|"
    r"(?:our|your|their|his|her|its|one['’]s|people['’]s|a\s+person['’]s)\s|"
    r"(?![\w-]+(?:ed|ing|ly)\s)(?:[\w-]+\s+){0,3}[\w-]+\s+(?:that|which|who|whose)\b)|"
    r"refers?\s+to\b|describes?\b|means?\b|denotes?\b|can\s+be\s+defined\s+as\b)", re.I)
_DEF_LEAD = re.compile(r"^\s*(?:[\"“‘(]\s*)?(?:(?:a|an|the)\s+)?(?:term\s+|word\s+|concept\s+(?:of\s+)?)?[\"“‘]?$",
                       re.I)
_CALLED = re.compile(r"\b(?:is|are)\s+(?:also\s+)?(?:called|known\s+as|termed|referred\s+to\s+as|named)\s+"
                     r"(?:an?\s+|the\s+)?[\"“‘]?$", re.I)
_EXAMPLE = re.compile(r"\b(?:for\s+example|for\s+instance|e\.\s?g\.|as\s+an\s+example)\b", re.I)


def _defines(sentence: str, start: int, end: int) -> bool:
    """Whether ``sentence`` defines the label found at ``sentence[start:end]``."""
    if _DEF_LEAD.match(sentence[:start]):
        rest = sentence[end:].lstrip("\"”’")
        if _DEF_VERB.match(rest):
            return True
    return bool(_CALLED.search(sentence[:start]))


def _length_score(n: int) -> float:
    if 60 <= n <= 250:
        return 1.0
    if n < 60:
        return max(0.0, n / 60)
    return max(0.0, 1 - (n - 250) / 750)


# ---- building ---------------------------------------------------------------------------

@dataclass
class _Cand:
    concept: str
    text: str
    kind: str            # "glossary" | "definition" | "example" | "code" | "use" | "exercise"
    section: URIRef | None
    owner: URIRef | None  # the section whose reading order / teaching counts
    paragraph: str
    position: int
    lead: bool = False   # concept named in the first words


def _value(g: Graph, s, p) -> str:
    v = g.value(s, p)
    return "" if v is None else str(v)


def _int(v) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def _reading_order(g: Graph) -> dict[URIRef, int]:
    """Rank of every node with text, items included, in reading order: chapters by position,
    sections by position in their chapter, curriculum-level resources after the chapters,
    a section's resources and items after it."""
    pos = {s: _int(o) for s, o in g.subject_objects(KGS.position)}
    parent = {s: o for s, o in g.subject_objects(KGS.partOf)}
    chapters = set(g.subjects(RDF.type, KGS.Chapter))

    def key(n, depth=0):
        p = parent.get(n)
        if p is None or depth > 6:
            return ()
        if n in chapters:
            return (0, pos.get(n, 0))
        k = key(p, depth + 1)
        if not k and p not in chapters:      # part of the curriculum itself: after the chapters
            return (1, pos.get(n, 0))
        return k + (pos.get(n, 0),)

    nodes = set(g.subjects(KGS.text, None)) | set(g.subjects(KGS.stem, None))
    ordered = sorted(nodes, key=lambda n: (key(n), str(n)))
    return {n: i for i, n in enumerate(ordered)}


def concept_labels(g: Graph) -> dict[str, list[str]]:
    """Labels (rdfs:label, skos:prefLabel, skos:altLabel) of the concepts of a graph."""
    out: dict[str, list[str]] = {}
    for c in g.subjects(RDF.type, KGS.Concept):
        labs = {str(o) for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel) for o in g.objects(c, p)}
        if labs:
            out[str(c)] = sorted(labs)
    return out


def build_evidence(g: Graph, *, matcher: LabelMatcher | None = None,
                   max_per_kind: int = MAX_PER_KIND) -> tuple[list[Evidence], dict[tuple[str, str], int]]:
    """The ranked evidence of every concept of ``g`` and the mention counts
    ``{(section IRI, concept IRI): n}`` of every section/resource text."""
    labels = concept_labels(g)
    if matcher is None:
        matcher = LabelMatcher(labels, min_chars=2)
    order = _reading_order(g)
    n_order = max(len(order), 1)
    parent = {s: o for s, o in g.subject_objects(KGS.partOf)}
    teaching: dict[str, set] = defaultdict(set)
    for p in (KGS.definedIn, KGS.firstUsedIn):
        for c, s in g.subject_objects(p):
            teaching[str(c)].add(s)
    for s, c in g.subject_objects(KGS.teaches):
        teaching[str(c)].add(s)
    labels_of = {str(s): str(o) for s, o in g.subject_objects(RDFS.label)}
    cands: list[_Cand] = []
    mentions: Counter[tuple[str, str]] = Counter()

    # typed resources: their sentences are evidence of the resource; the same sentences in
    # the parent section's text are skipped there
    resource_kind = {s: str(o) for s, o in g.subject_objects(KGS.resourceKind)}
    in_resources: dict[URIRef, set[str]] = defaultdict(set)
    for r in resource_kind:
        t = g.value(r, KGS.text)
        if t is not None and r in parent:
            for kind, block in split_blocks(str(t)):
                in_resources[parent[r]].add(block if kind == "code" else _norm(block))
                if kind != "code":
                    in_resources[parent[r]].update(_norm(s) for s in split_sentences(_CREDIT.sub("", block)))

    objectives = set(g.subjects(RDF.type, KGS.LearningObjective))
    texts = [(n, t, False) for n, t in g.subject_objects(KGS.text)]
    texts += [(n, t, True) for n, t in g.subject_objects(KGS.summary)]
    for node, text, is_summary in texts:
        if node in objectives or not isinstance(node, URIRef):
            continue
        rank = order.get(node, n_order)
        # mentions are counted in the text; a summary's sentences are evidence after it
        counts = Counter() if is_summary else mentions
        owner = parent.get(node) if node in resource_kind else node
        is_example = resource_kind.get(node) == "example"
        skip = in_resources.get(node, set())
        src_id = _value(g, node, KGS.sourceId) if node in resource_kind else ""
        prev_concepts: set[str] = set()
        for b, (kind, block) in enumerate(split_blocks(str(text)), start=1):
            para = "summary" if is_summary else src_id or f"p{b}"
            base = rank * 1_000_000 + (900 if is_summary else 0) * 1000 + b * 1000
            if kind == "code":
                found = {m.concept for m in matcher.find(block)}
                for c in found:
                    counts[(str(node), c)] += 1
                if block in skip:
                    continue
                for c in sorted(found | prev_concepts):   # a set: an explicit order, not the hash seed's
                    cands.append(_Cand(c, block, "code", node, owner, para, base))
                continue
            if _FIGURE.match(block):
                continue
            clean = _CREDIT.sub("", block).strip()
            if not clean:
                continue
            if _is_heading(clean) or " | " in clean:
                for m in matcher.find(clean):
                    counts[(str(node), m.concept)] += 1
                continue
            prev_concepts = set()
            for k, sent in enumerate(split_sentences(clean), start=1):
                found = matcher.find(sent)
                if not found:
                    continue
                for m in found:
                    counts[(str(node), m.concept)] += 1
                    prev_concepts.add(m.concept)
                if _norm(sent) in skip or len(sent) < 12:
                    continue
                example = is_example or bool(_EXAMPLE.search(sent))
                seen: set[str] = set()
                for m in found:
                    if m.concept in seen:
                        continue
                    seen.add(m.concept)
                    if _defines(sent, m.start, m.end):
                        kind_c = "definition"
                    elif example:
                        kind_c = "example"
                    else:
                        kind_c = "use"
                    cands.append(_Cand(m.concept, sent, kind_c, node, owner, para, base + k,
                                       lead=m.start < 40))

    # glossary definitions, in the defining section; a definition that is also a sentence of
    # the text (a book without a glossary) is that sentence, where it stands
    located: dict[tuple[str, str], _Cand] = {}
    for cand in cands:
        located.setdefault((cand.concept, _norm(cand.text)), cand)
    for c in labels:
        cu = URIRef(c)
        defined = sorted(g.objects(cu, KGS.definedIn), key=lambda s: order.get(s, n_order))
        section = defined[0] if defined else None
        srcref = _value(g, cu, KGS.definitionSource)
        src_para = srcref.split("#", 1)[1] if "#" in srcref else ""
        texts = [str(d) for d in g.objects(cu, KGS.definition)]
        texts += sorted({str(d) for d in g.objects(cu, SKOS.definition)} - set(texts))
        for i, d in enumerate(texts):
            d = " ".join(d.split())
            if not d:
                continue
            para = src_para if i == 0 and src_para else "glossary"
            hit = located.get((c, _norm(d)))
            if hit is not None:
                hit.kind = "glossary"
                if para != "glossary":
                    hit.paragraph = para
                continue
            rank = order.get(section, n_order) if section is not None else n_order
            cands.append(_Cand(c, d, "glossary", section, section, para, rank * 1_000_000 + i))

    # exercise stems
    assesses: dict[URIRef, set[str]] = defaultdict(set)
    for item, c in g.subject_objects(KGS.assesses):
        assesses[item].add(str(c))
    for item, stem in g.subject_objects(KGS.stem):
        stem = " ".join(str(stem).split())
        if not stem:
            continue
        sec = parent.get(item)
        rank = order.get(item, n_order)
        found = {m.concept for m in matcher.find(stem)} | (assesses.get(item, set()) & labels.keys())
        para = _value(g, item, KGS.sourceId) or f"item{_int(g.value(item, KGS.position))}"
        for c in sorted(found):
            cands.append(_Cand(c, stem, "exercise", sec, sec, para, rank * 1_000_000))

    # rank, dedupe (one text per concept: its best reading), cap
    by_concept: dict[str, list[tuple[float, _Cand]]] = defaultdict(list)
    for cand in cands:
        teach = 1.0 if cand.owner is not None and cand.owner in teaching.get(cand.concept, ()) else 0.0
        early = 1 - min(cand.position // 1_000_000, n_order) / n_order
        within = 0.4 * teach + 0.3 * early + 0.2 * _length_score(len(cand.text)) + 0.1 * cand.lead
        score = (KIND_TIERS[cand.kind] + 0.999 * within) / _N_TIERS
        by_concept[cand.concept].append((score, cand))
    out: list[Evidence] = []
    for c, scored in by_concept.items():
        scored.sort(key=lambda x: (-x[0], x[1].position))
        seen_text: set[str] = set()
        per_kind: Counter[str] = Counter()
        for score, cand in scored:
            kind = "definition" if cand.kind == "glossary" else cand.kind
            key = _norm(cand.text)
            if key in seen_text or per_kind[kind] >= max_per_kind:
                continue
            seen_text.add(key)
            per_kind[kind] += 1
            sec = "" if cand.section is None else str(cand.section)
            out.append(Evidence(c, cand.text, kind, sec, labels_of.get(sec, ""), cand.paragraph,
                                cand.position, round(score, 6)))
    out.sort(key=lambda e: (e.concept, -e.score, e.position))
    return out, dict(mentions)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _node(source: str, *parts: str) -> URIRef:
    h = hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]
    return ID[f"{source}/{parts[0]}/{h}"]


def evidence_graph(source_graph: str) -> URIRef:
    """The named graph holding the index of one source graph: ``graph/evidence/<source>``
    beside ``graph/source/<source>``.

    >>> str(evidence_graph("https://w3id.org/kgstudio/graph/source/demo"))
    'https://w3id.org/kgstudio/graph/evidence/demo'
    """
    head = str(GRAPH) + "source/"
    rest = source_graph[len(head):] if source_graph.startswith(head) else \
        hashlib.sha1(source_graph.encode("utf-8")).hexdigest()[:20]
    return GRAPH["evidence/" + rest]


def fingerprint(source_ntriples: str) -> str:
    """What an index is built from: the source graph's triples (in any order) and
    ``INDEX_VERSION``."""
    h = hashlib.sha256(f"kg.evidence {INDEX_VERSION}\n".encode())
    for line in sorted(source_ntriples.splitlines()):
        h.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()


def stored_index(store, graph: str, fp: str) -> dict[str, int] | None:
    """The counts of the index in ``graph`` when it was built from what ``fp`` fingerprints
    (an unchanged source re-imported), else None."""
    if not store.ask(f'ASK {{ GRAPH <{graph}> {{ <{graph}> <{KGS.sha256}> "{fp}" }} }}'):
        return None
    row = store.query(f"""SELECT (COUNT(DISTINCT ?e) AS ?n) (COUNT(DISTINCT ?c) AS ?nc) WHERE {{
        GRAPH <{graph}> {{ ?e a <{KGS.Evidence}> ; <{KGS.about}> ?c }} }}""").rows[0]
    men = store.query(f"""SELECT (COUNT(?m) AS ?n) WHERE {{
        GRAPH <{graph}> {{ ?m a <{KGS.Mention}> }} }}""").rows[0]
    return {"evidence": int(row[0]), "concepts_with_evidence": int(row[1]), "mention_counts": int(men[0])}


def index_ntriples(g: Graph, source: str, *, fp: str | None = None, graph: str | None = None,
                   **kw) -> tuple[str, dict[str, int]]:
    """The evidence index and mention counts of ``g`` (one source's graph) as N-Triples for
    :func:`evidence_graph`, and counts for the import summary. Terms are written by
    pyoxigraph's term classes (they validate IRIs and escape literals). ``fp`` (with
    ``graph``, the index graph): the source's :func:`fingerprint`, recorded as the index
    graph's ``kgs:sha256``."""
    ev, mentions = build_evidence(g, **kw)
    iri = lambda x: str(ox.NamedNode(str(x)))  # noqa: E731
    T, ABOUT, TEXT, KIND, SEC, PARA, POS, SCORE, MENT, COUNT = map(iri, (
        RDF.type, KGS.about, KGS.text, KGS.evidenceKind, KGS.inSection, KGS.paragraphId,
        KGS.position, KGS.score, KGS.mentions, KGS.mentionCount))
    EVIDENCE, MENTION = iri(KGS.Evidence), iri(KGS.Mention)
    xint, xdouble = ox.NamedNode(str(XSD.integer)), ox.NamedNode(str(XSD.double))
    concepts: dict[str, str] = {}
    out: list[str] = []
    add = out.append
    for e in ev:
        node = iri(_node(source, "evidence", e.concept, e.kind, e.section, e.paragraph, str(e.position), e.text))
        c = concepts.get(e.concept) or concepts.setdefault(e.concept, iri(e.concept))
        add(f"{node} {T} {EVIDENCE} .\n{node} {ABOUT} {c} .\n"
            f"{node} {TEXT} {ox.Literal(e.text)} .\n{node} {KIND} {ox.Literal(e.kind)} .\n"
            f"{node} {PARA} {ox.Literal(e.paragraph)} .\n"
            f"{node} {POS} {ox.Literal(str(e.position), datatype=xint)} .\n"
            f"{node} {SCORE} {ox.Literal(repr(e.score), datatype=xdouble)} .\n")
        if e.section:
            add(f"{node} {SEC} {iri(e.section)} .\n")
    for (sec, c), n in mentions.items():
        s, cu = iri(sec), concepts.get(c) or iri(c)
        node = iri(_node(source, "mention", sec, c))
        add(f"{s} {MENT} {cu} .\n{node} {T} {MENTION} .\n{node} {SEC} {s} .\n{node} {ABOUT} {cu} .\n"
            f"{node} {COUNT} {ox.Literal(str(n), datatype=xint)} .\n")
    if fp is not None and graph is not None:
        add(f"{iri(graph)} {iri(KGS.sha256)} {ox.Literal(fp)} .\n")
    per_concept = Counter(e.concept for e in ev)
    return "".join(out), {"evidence": len(ev), "concepts_with_evidence": len(per_concept),
                          "mention_counts": len(mentions)}


def rebuild_evidence(store, source_graph: str, source: str | None = None) -> dict[str, int]:
    """Rebuild the index of one source graph already in ``store`` (a store imported before
    the index existed) in one transaction."""
    g = Graph()
    g.parse(data=store.dump(source_graph, "ntriples").decode("utf-8"), format="nt")
    if source is None:
        source = source_graph.rstrip("/").rsplit("/", 1)[-1]
    eg = str(evidence_graph(source_graph))
    index, counts = index_ntriples(g, source, fp=fingerprint(triples_to_ntriples(g)), graph=eg)
    store.replace_graphs({eg: index})
    return counts


# ---- reading ------------------------------------------------------------------------------

def evidence(store, concept_iri: str, kinds: Iterable[str] | None = None,
             k: int | None = None) -> list[Evidence]:
    """The evidence of one concept, best first (one SPARQL query).

    ``kinds``: keep only these (``KINDS``); ``k``: at most this many."""
    kinds = list(kinds) if kinds is not None else None
    if kinds is not None:
        bad = [x for x in kinds if x not in KINDS]
        if bad:
            raise EvidenceError(f"unknown evidence kind {bad[0]!r}; kinds are {', '.join(KINDS)}")
        if not kinds:
            return []
    try:
        c = str(ox.NamedNode(str(concept_iri)))
    except ValueError:
        raise EvidenceError(f"not a concept IRI: {concept_iri!r}") from None
    filt = ("FILTER(?kind IN (" + ", ".join(f'"{x}"' for x in kinds) + "))") if kinds else ""
    limit = f"LIMIT {int(k)}" if k is not None else ""
    q = f"""SELECT ?text ?kind ?sec ?seclabel ?para ?pos ?score WHERE {{
        ?e <{KGS.about}> {c} ; a <{KGS.Evidence}> ; <{KGS.evidenceKind}> ?kind ;
           <{KGS.text}> ?text ; <{KGS.paragraphId}> ?para ; <{KGS.position}> ?pos ; <{KGS.score}> ?score .
        {filt}
        OPTIONAL {{ ?e <{KGS.inSection}> ?sec . OPTIONAL {{ ?sec <{RDFS.label}> ?seclabel }} }}
    }} ORDER BY DESC(?score) ?pos ?text {limit}"""
    if k is not None and int(k) <= 0:
        return []
    out: list[Evidence] = []
    seen: set = set()
    for row in store.query(q).rows:
        text, kind, sec, seclabel, para, pos, score = row
        key = (str(text), str(kind), str(sec or ""), str(para), int(pos))
        if key in seen:     # a section with two labels
            continue
        seen.add(key)
        out.append(Evidence(concept_iri, str(text), str(kind), "" if sec is None else str(sec),
                            "" if seclabel is None else str(seclabel), str(para), int(pos), float(score)))
    return out
