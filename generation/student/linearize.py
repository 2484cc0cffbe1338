"""Linearisation: a concept's graph neighbourhood as one token sequence for the student.

The input names every node by an entity placeholder, so the student writes ``<E1>`` where
the text names a neighbour and the graph fills the name in after decoding (DESIGN.md's
measured note: grounded by construction, and it learns faster than written-out names).
Layout, in the order the encoder reads it::

    <task:explanation> [<target> <E1>] [<wrong> wrong answer text <sep> question stem]
    <focus> <E0> <t:concept> Variance <def> the average squared deviation from the mean ...
    <sep> <E1> <t:concept> <r:~requires> <E0> Standard deviation <def> the square root of ...
    <sep> <E2> <t:section> <r:definedIn> <E0> Measures of spread
    ...</s>

Each neighbour's segment carries its typed edges to the nodes placed before it
(``<r:rel> <Ej>``: this node *rel* Ej; ``<r:~rel> <Ej>``: Ej *rel* this node), its label
and the first ``def_words`` words of its definition. The focus's own definition is left
out of a ``definition`` input (it is what that task writes).

Order and cut: neighbours come ring by ring (one hop, then two), most relevant first within
a ring -- by the teacher's relevance (cosine of node embeddings) when a table of it is
given, else in the neighbourhood's own order (how telling the relation that reached them
is) -- and the sequence is cut
to ``max_input_tokens`` by dropping whole nodes (a neighbour that does not fit with its
definition is tried without it), at most ``max_entities`` placeholders. The token span of
each node's segment is recorded: the distillation terms pool the encoder states over it.

Evidence (issue 12): ``evidence`` -- the focus's best sentences from the curriculum
(:func:`kg.evidence.evidence`: definition, use, example, code; best first) -- goes right
after the focus's own segment, each sentence behind a ``<def>`` marker, with every input
node it names written as that node's placeholder (as the targets are), so that copying a
span of it writes the target's words. Its budget is reserved first: up to
``evidence_tokens`` tokens (whole sentences, best first; a first sentence longer than the
budget is cut) are set aside before the neighbours fill the rest, so the focus's own
evidence is never crowded out by two-hop nodes; whatever the neighbours leave unused goes
to more evidence. The evidence is part of the focus's span (its pooled state, which the
distillation terms read, sees what the book says about it). Which evidence a training
input may see (the target and its near-duplicates removed) is decided by the caller
(:func:`generation.student.pairs.filter_evidence`).

Limitations: one language per model (the tokenizer's); a node's long label (a learning
objective's text) is cut to ``def_words`` words in the input but filled in whole.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from generation.base import Triple
from generation.config import StudentConfig
from generation.student.tokenizer import (StudentTokenizer, entity_token, rel_token,
                                          task_token, type_token)
from kg.neighbourhood import Neighbourhood, NodeInfo
from ontology.namespaces import KGS, RDFS

__all__ = ["Linearized", "linearize", "node_name", "words", "name_pattern", "placeholderize_names"]

_LABEL, _DEF = str(RDFS.label), str(KGS.definition)


@dataclass
class Linearized:
    focus: str
    task: str
    ids: list[int]                       # (L,) input token ids, </s> last
    spans: list[tuple[int, int]]         # per entity k: [start, end) token range of its segment
    entities: list[str]                  # entity IRIs; entities[k] is <Ek>, entities[0] the focus
    names: list[str]                     # display names that fill <Ek> after decoding
    types: list[str]                     # node type of each entity
    triples: list[Triple] = field(default_factory=list)   # the facts given (provenance)
    text: str = ""                       # the linearised input as text (readable form of ids)

    def entity_of(self, iri: str) -> int | None:
        try:
            return self.entities.index(iri)
        except ValueError:
            return None


def words(text: str | None, n: int) -> str:
    """The first ``n`` words of ``text`` (whitespace collapsed).

    >>> words("a  b\\nc d", 3)
    'a b c'
    """
    if not text:
        return ""
    return " ".join(text.split()[:n])


def name_pattern(name: str) -> re.Pattern:
    """A whole-word, case-insensitive pattern of ``name`` (any run of spaces inside)."""
    return re.compile(r"(?<![\w-])" + re.escape(" ".join(name.split())).replace(r"\ ", r"\s+")
                      + r"(?![\w-])", re.I)


def placeholderize_names(text: str, names: Sequence[str], max_name_words: int = 8) -> str:
    """``text`` with every name of ``names`` it contains replaced by its placeholder ``<Ek>``
    (k its index; whole words, case-insensitive, longest name first, no overlaps).

    >>> placeholderize_names("Variance is the mean squared deviation from the Mean.", ["Variance", "mean"])
    '<E0> is the <E1> squared deviation from the <E1>.'
    """
    order = sorted(range(len(names)), key=lambda k: -len(names[k]))
    marks: list[tuple[int, int, int]] = []
    for k in order:
        nm = names[k]
        if not nm or len(nm.split()) > max_name_words or len(nm) < 2:
            continue
        for m in name_pattern(nm).finditer(text):
            if all(m.end() <= s or m.start() >= e for s, e, _ in marks):
                marks.append((m.start(), m.end(), k))
    for s, e, k in sorted(marks, reverse=True):
        text = text[:s] + entity_token(k) + text[e:]
    return text


def node_name(node: NodeInfo) -> str:
    """What fills a node's placeholder: its label, else the last part of its IRI."""
    if node.label and node.label.strip():
        return " ".join(node.label.split())
    return re.split(r"[/#]", node.iri.rstrip("/#"))[-1]


def _order(nb: Neighbourhood, relevance: Mapping[str, float] | None,
           first: Sequence[str]) -> list[NodeInfo]:
    """Neighbours (focus excluded): ``first`` ones, then ring by ring (hop distance), most
    relevant first within a ring, then graph order.

    Rings come first because a node's segment can only name its edges to nodes placed
    before it: sorted by relevance alone, the teacher (which scores concepts close to
    concepts) put two-hop sibling concepts ahead of the focus's own section, objective and
    items, the token budget cut those, and the input lost every edge of the focus."""
    rest = [n for n in nb.nodes[1:] if n.iri not in first]
    if relevance:
        pos = {n.iri: i for i, n in enumerate(rest)}
        rest.sort(key=lambda n: (n.distance, -relevance.get(n.iri, float("-inf")), pos[n.iri]))
    byiri = {n.iri: n for n in nb.nodes}
    return [byiri[i] for i in first if i in byiri and i != nb.center] + rest


def linearize(nb: Neighbourhood, tok: StudentTokenizer, cfg: StudentConfig, task: str, *,
              relevance: Mapping[str, float] | None = None, target: str | None = None,
              wrong: str | None = None, question: str | None = None,
              include: Sequence[str] = (), evidence: Sequence[str] = ()) -> Linearized:
    """Linearise ``nb`` for ``task`` (module docstring for the layout).

    Args:
        nb: the focus's neighbourhood (``nb.nodes[0]`` is the focus).
        tok: the student's tokenizer.
        cfg: the student config (budgets: ``max_input_tokens``, ``max_entities``, ``def_words``,
            ``evidence_tokens``).
        task: one of :data:`generation.base.TASKS`.
        relevance: relevance of each node IRI to the focus (higher first); None keeps the
            neighbourhood's own order.
        target: IRI the ``prerequisite`` task writes about (marked ``<target>``, always <E1>;
            it must be a node of ``nb``).
        wrong / question: the wrong answer (and the question it answers) of ``feedback``.
        include: IRIs placed right after the focus whatever their relevance.
        evidence: sentences about the focus, best first (already filtered by the caller);
            at most ``cfg.evidence_k`` are used.
    """
    budget = cfg.max_input_tokens - 1                    # room left for </s>
    focus = nb.nodes[0]
    first = ([target] if target else []) + [i for i in include if i != target]
    ordered = _order(nb, relevance, first)
    edges_of: dict[str, list] = {}
    for e in nb.edges:
        edges_of.setdefault(e.source, []).append(e)
        if e.target != e.source:
            edges_of.setdefault(e.target, []).append(e)

    head = [task_token(task)]
    if target:
        head += ["<target>", entity_token(1)]
    ids = tok.encode(" ".join(head), eos=False)
    text_parts = [" ".join(head)]
    if wrong is not None or question:
        seg = tok.encode("<wrong> " + words(wrong or "", cfg.def_words * 2), eos=False)
        if question:
            seg += tok.encode("<sep> " + words(question, cfg.def_words * 2), eos=False)
        ids += seg[: max(0, budget // 3)]
        text_parts.append(f"<wrong> {wrong or ''}" + (f" <sep> {question}" if question else ""))

    evidence = [" ".join(x.split()) for x in evidence if x and x.strip()][: cfg.evidence_k]
    entities: list[str] = []
    names: list[str] = []
    types: list[str] = []
    spans: list[tuple[int, int]] = []
    segs: list[list[int]] = []          # token ids of each entity's segment (placed in order)
    seg_texts: list[str] = []
    triples: list[Triple] = []
    index: dict[str, int] = {}
    used = [len(ids)]                   # tokens placed so far (head + segments + evidence reserve)

    def segment(node: NodeInfo, k: int, with_def: bool) -> tuple[str, list[Triple]]:
        parts = ["<focus>" if k == 0 else "<sep>", entity_token(k), type_token(node.type)]
        facts = [Triple(node.iri, _LABEL, node_name(node))]
        for e in edges_of.get(node.iri, ()):
            other = e.target if e.source == node.iri else e.source
            j = index.get(other)
            if j is None or (other == node.iri):
                continue
            parts += [rel_token(e.relation, inverse=e.source != node.iri), entity_token(j)]
            facts.append(Triple(e.source, str(KGS[e.relation]), e.target))
        n_words = 10**6 if k == 0 else cfg.def_words
        parts.append(words(node_name(node), n_words if k == 0 else cfg.def_words))
        if with_def and node.definition:
            parts += ["<def>", words(node.definition, n_words)]
            facts.append(Triple(node.iri, _DEF, " ".join(node.definition.split())))
        return " ".join(parts), facts

    def place(node: NodeInfo, with_def: bool, force: bool = False) -> bool:
        k = len(entities)
        seg_text, facts = segment(node, k, with_def)
        seg = tok.encode(seg_text, eos=False)
        if used[0] + len(seg) > budget:
            if not force:
                return False
            seg = seg[: max(1, budget - used[0])]
        segs.append(seg)
        used[0] += len(seg)
        seg_texts.append(seg_text)
        entities.append(node.iri)
        names.append(node_name(node))
        types.append(node.type)
        triples.extend(facts)
        index[node.iri] = k
        return True

    place(focus, with_def=task != "definition", force=True)
    # the focus's evidence is reserved before any neighbour (names not yet placeholders,
    # so the reserve is an upper bound: a name becomes one placeholder token)
    raw_ev = [len(tok.encode("<def> " + x, eos=False)) for x in evidence]
    reserve = min(cfg.evidence_tokens, sum(raw_ev), max(0, budget - used[0]))
    used[0] += reserve
    for node in ordered:
        if len(entities) >= cfg.max_entities:
            break
        forced = node.iri == target
        if not place(node, with_def=True) and not place(node, with_def=False, force=forced):
            if used[0] >= budget - 4:
                break
    room = reserve + max(0, budget - used[0])           # the reserve, plus what neighbours left
    ev_ids: list[int] = []
    ev_texts: list[str] = []
    for x in evidence:
        ph = placeholderize_names(x, names)
        seg = tok.encode("<def> " + ph, eos=False)
        if len(ev_ids) + len(seg) > room:
            if ev_ids:
                continue                                # a shorter one further down may fit
            seg = seg[:room]                            # the best sentence, cut to the budget
        ev_ids += seg
        ev_texts.append("<def> " + ph)
        if len(ev_ids) >= room:
            break
    # assemble: head, focus segment, its evidence, then the neighbours
    for k, seg in enumerate(segs):
        start = len(ids)
        ids.extend(seg)
        if k == 0:
            ids.extend(ev_ids)
        spans.append((start, len(ids)))
        text_parts.append(seg_texts[k])
        if k == 0 and ev_texts:
            text_parts.extend(ev_texts)
    ids = ids[:budget] + [tok.eos_id]
    return Linearized(focus.iri, task, ids, spans, entities, names, types, triples,
                      " ".join(text_parts))
