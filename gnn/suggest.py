"""Prerequisite suggestions: the teacher's top-k new ``A requires B`` edges, with
confidence, written to the ``suggestions`` named graph with PROV-O provenance.

Candidates (:func:`neighbour_pairs`, the default). For each node A, its ``neighbours``
(default 10) most similar nodes B of the same curriculum -- cosine of the MiniLM text
embeddings (the teacher's own embeddings when it was trained without text) -- are the
candidates, N * 10 pairs scored by the prerequisite head instead of N^2, in chunks of
rows (memory O(chunk + N * 10)). Two reasons: a prerequisite is about the same subject as
what needs it (on *Psychology 2e* the hand-judged precision of the top 40 went from 5/40
over all pairs to the figure in ``benchmarks/README.md``), and a 100k-concept curriculum
costs 10^6 head evaluations plus a chunked 10^5 x 10^5 similarity product, not 10^10
head evaluations.

Scoring every pair (:func:`top_k_pairs`, ``neighbours=0``). Every ordered pair (A, B) of one node type inside one
curriculum is a candidate, except A = B, pairs already known in either direction (graph
edges, decisions, text labels) and rejected ones. Curricula are scanned one at a time and
each in chunks of rows, ``chunk_pairs`` pairs at a time, keeping a running top-k, so memory
is O(chunk_pairs * hidden + k) rather than O(N^2), and time is the sum over curricula of
n_c^2 pair scores (one 834-concept book: 0.7M pairs, a few seconds on a CPU; one
100k-concept curriculum would be 10^10 pairs: memory-safe but hours on a CPU, so a
candidate pre-filter, e.g. nearest neighbours in embedding space, would be the next step). The confidence is the sigmoid of the prerequisite head's logit. At most
``max_per_node`` (default 3) suggestions name the same node on either side: without the
cap a trained head fills the list with "X requires <hub concept>" (on *Psychology 2e* the
top 25 named "sleep" or "nervous system" 24 times).

Writing (:func:`write_suggestions`). Only ``ontology.namespaces.SUGGESTIONS_GRAPH`` is
written, never a source graph: a suggestion is not a fact of the curriculum until an
instructor accepts it (into ``graph/decisions``). Each run replaces the teacher's earlier
suggestions (nodes under ``id/teacher/``) and keeps anything else in that graph, in one
atomic ``replace_graphs``. Each suggestion is a reified statement::

    <id/teacher/suggestion/HASH> a rdf:Statement, prov:Entity, kgs:Suggestion ;
        rdf:subject A ; rdf:predicate kgs:requires ; rdf:object B ;
        kgs:score "0.97"^^xsd:double ; kgs:rank 1 ;        # the head's (uncalibrated) score
        kgs:probability "0.82"^^xsd:double ; kgs:band "likely" ;  # when calibrated
        kgs:evidenceLine <id/teacher/suggestion/HASH/evidence/1> , ... ;
        prov:wasGeneratedBy <id/teacher/run/...> ;        # the suggest-prereqs run
        prov:wasAttributedTo <id/teacher/checkpoint/SHA> ; # the model file (sha256 of its bytes)
        prov:generatedAtTime "..."^^xsd:dateTime .
    <id/teacher/suggestion/HASH/evidence/1> kgs:text "..." ; kgs:position 1 .

The evidence lines are :func:`kg.prereq_evidence.evidence_lines` (:func:`explain`), in
order; ``kg.decisions.list_suggestions`` reads all of it back. The checkpoint is a ``prov:SoftwareAgent`` and ``prov:Entity`` with its sha256, the graph
hash it was trained on and its file name; the run is a ``prov:Activity`` that
``prov:used`` it.

Review list (:func:`review_list`). Scores are mapped to calibrated probabilities by a
:class:`gnn.calibration.Calibrator` (:func:`teacher_calibrator`: fitted on the
instructor's accepted/rejected decisions when there are at least ``MIN_DECISIONS`` of each,
else on the known prerequisite pairs against as many unlabelled candidate pairs, which
only says "likely among these candidates" -- ``info["calibration"]`` names which), ranked
by that probability, and filtered: self pairs, duplicates, known edges and their reverses
and known negatives dropped, pairs the accepted edges already imply through a chain
dropped, at most ``max_per_node`` per concept on each side, and a pair
``A requires B`` refused when ``B`` already requires ``A`` through accepted edges (and the
suggestions above it), so accepting the whole list never makes a cycle. Each suggestion
has a band (``"likely"``, ``"possible"``, ``"unlikely"``, :meth:`Calibrator.band`) and its
evidence (:func:`explain`).

Limitations: candidates are limited to one node type per call and to pairs inside one
curriculum (nodes with no curriculum pair only with each other).
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
from rdflib import Literal, URIRef

from gnn.calibration import Calibrator
from kg.definition_links import definition_links
from kg.progression_links import progression_links
from kg.hetero import source_graphs
from kg.neighbourhood import _info
from kg.prereq_evidence import evidence_lines
from kg.store.base import Store, nt_term
from ontology.namespaces import DCTERMS, ID, KGS, PROV, RDF, RDFS, SDO, SUGGESTIONS_GRAPH, XSD

__all__ = ["Suggestion", "suggest_from_definitions", "text_links", "links_node_type", "reviewed_links", "link_group", "firm_pairs", "basis_line", "link_tier", "link_probability", "review_list", "accepted_edges", "teacher_calibrator", "explain", "top_k_pairs", "neighbour_pairs", "score_pairs", "similarity_vectors", "suggest", "write_suggestions", "suggest_prereqs", "with_labels",
           "SCORE", "RANK", "SUGGESTION_CLASS", "TEACHER_PREFIX"]


SCORE = KGS.score
RANK = KGS.rank
SUGGESTION_CLASS = KGS.Suggestion
TEACHER_PREFIX = str(ID["teacher/"])

Log = Callable[[str], None]


@dataclass(frozen=True)
class Suggestion:
    a: str            # IRI of the node that would require ...
    b: str            # ... this one
    score: float      # sigmoid of the prerequisite head, in (0, 1)
    node_type: str
    rank: int
    a_label: str | None = None   # labels (rdfs:label / skos:prefLabel) for people; None when unknown
    b_label: str | None = None
    raw_score: float | None = None   # the head's sigmoid when ``score`` is a calibrated probability
    band: str | None = None          # "likely" | "possible" | "unlikely" (calibrated probability)
    evidence: tuple = ()             # lines of evidence for a reviewer (:func:`explain`)
    path: tuple = ()                 # ((x, y, "requires" | "required by"), ...) IRIs, a to b in
                                     # the accepted prerequisites (:func:`known_path`)
    basis: str | None = None         # what put the pair on the list: a definition link's kind
                                     # ("kind-of", "genus", "names": kg.definition_links) or
                                     # None (the teacher's neighbours alone)
    basis_text: str | None = None    # the definition or name that shows the link
    basis_later: bool = False        # the link's B is defined after A in the book

    def text(self, iris: bool = False) -> str:
        """``A requires B`` by label (the IRI's last segment when a node has none), with
        the IRIs in angle brackets when ``iris``."""
        def name(iri, lab):
            lab = lab or iri.rsplit("/", 1)[-1]
            return f"{lab} <{iri}>" if iris else lab
        return f"{name(self.a, self.a_label)}  requires  {name(self.b, self.b_label)}"


@torch.no_grad()
def top_k_pairs(model, h: torch.Tensor, k: int, *, groups: torch.Tensor | None = None,
                exclude: torch.Tensor | None = None, chunk_pairs: int = 1 << 16,
                min_score: float = 0.0, max_per_node: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Top-k (a, b) pairs of ``model.prereq_logits`` over rows of ``h`` (N, H).

    Args:
        model: a :class:`gnn.model.TeacherModel` (only ``prereq_logits`` is used).
        h: node embeddings of one node type.
        k: how many pairs to return.
        groups: (N,) group of each node; pairs across groups are skipped (-1 pairs with -1).
        exclude: keys ``a * N + b`` of pairs never to return (sorted or not).
        chunk_pairs: pairs scored at once (memory ~ chunk_pairs * 4 * H floats).
        min_score: drop pairs scoring below this probability.
        max_per_node: at most this many pairs per node as ``a`` and as ``b`` (0: no cap).
            Without it a few hub concepts ("nervous system") fill the list. Greedy by
            score; each ``a`` offers its best ``4 * max_per_node`` targets.

    Returns:
        (pairs (2, k'), scores (k',)) with k' <= k, best first.
    """
    n = h.shape[0]
    best_s = torch.empty(0, device=h.device)
    best_k = torch.empty(0, dtype=torch.long, device=h.device)
    if n < 2 or k <= 0:
        return torch.zeros((2, 0), dtype=torch.long), torch.zeros(0)
    excl = exclude.to(h.device) if exclude is not None and exclude.numel() else None
    if groups is None:
        blocks = [torch.arange(n, device=h.device)]
    else:                               # only pairs inside a group: cost sum(n_g^2), not N^2
        g = groups.to(h.device)
        blocks = [(g == v).nonzero().view(-1) for v in torch.unique(g).tolist()]
    for members in blocks:              # global row ids of one group, sorted
        m_n = members.numel()
        if m_n < 2:
            continue
        rows = max(1, chunk_pairs // m_n)
        for start in range(0, m_n, rows):
            a = members[start:start + rows]                                     # (r,)
            ai = a.repeat_interleave(m_n)                                       # (r*m,)
            bi = members.repeat(a.numel())                                      # (r*m,)
            ok = ai != bi
            keys = ai * n + bi
            if excl is not None:
                ok &= ~torch.isin(keys, excl)
            if not ok.any():
                continue
            s = torch.full((ai.numel(),), -1.0, device=h.device)
            s[ok] = torch.sigmoid(model.prereq_logits(h[ai[ok]], h[bi[ok]]).float())
            s[s < min_score] = -1.0
            if max_per_node:
                top = torch.topk(s.view(a.numel(), m_n), min(m_n, 4 * max_per_node), dim=1)
                s = top.values.reshape(-1)                                      # (r*4cap,)
                keys = (a[:, None] * n + members[top.indices]).reshape(-1)
            keep = s >= 0
            s, keys = torch.cat([best_s, s[keep]]), torch.cat([best_k, keys[keep]])
            if max_per_node:
                best_s, best_k = _greedy_capped(s, keys, n, k, max_per_node)
            else:
                top = torch.topk(s, min(k, s.numel()))
                best_s, best_k = top.values, keys[top.indices]
    pairs = torch.stack([best_k // n, best_k % n]).cpu()
    return pairs, best_s.cpu()


@torch.no_grad()
def neighbour_pairs(z: torch.Tensor, m: int, *, groups: torch.Tensor | None = None,
                    exclude: torch.Tensor | None = None, chunk_pairs: int = 1 << 20) -> torch.Tensor:
    """Candidate pairs (a, b): for each row ``a`` of ``z`` (N, D), the ``m`` rows ``b`` with
    the most similar vector (cosine), ``b != a``, same group (``-1`` pairs with ``-1``),
    ``a * N + b`` not in ``exclude``. Rows are taken ``chunk_pairs // N`` at a time, so
    memory is O(chunk_pairs + N * m), never N^2. Returns (2, P) with P <= N * m.

    >>> z = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    >>> neighbour_pairs(z, 1).tolist()
    [[0, 1, 2, 3], [1, 0, 3, 2]]
    >>> neighbour_pairs(z, 1, exclude=torch.tensor([0 * 4 + 1]), chunk_pairs=4).tolist()
    [[0, 1, 2, 3], [3, 0, 3, 2]]
    """
    n = z.shape[0]
    if n < 2 or m <= 0:
        return torch.zeros((2, 0), dtype=torch.long)
    u = torch.nn.functional.normalize(z.float(), dim=-1)                    # (N, D)
    g = groups.to(u.device) if groups is not None else None
    excl = exclude.to(u.device) if exclude is not None and exclude.numel() else None
    k = min(m, n - 1)
    rows = max(1, chunk_pairs // n)
    out = []
    for start in range(0, n, rows):
        a = torch.arange(start, min(n, start + rows), device=u.device)       # (r,)
        sim = u[a] @ u.t()                                                     # (r, N)
        sim[torch.arange(a.numel(), device=u.device), a] = -math.inf
        if g is not None:
            sim[g[a][:, None] != g[None, :]] = -math.inf
        if excl is not None:
            keys = a[:, None] * n + torch.arange(n, device=u.device)[None, :]
            sim[torch.isin(keys, excl)] = -math.inf
        top = torch.topk(sim, k, dim=1)                                        # (r, k)
        keep = torch.isfinite(top.values)
        out.append(torch.stack([a[:, None].expand(-1, k)[keep], top.indices[keep]]))
    return torch.cat(out, 1).cpu()


_STRUCTURE = {"curriculum", "chapter", "section"}


def _most_common_type(td) -> str:
    """The node type with the most nodes, structure (curricula, chapters, sections) last:
    what a graph without concepts is about (a framework's competencies)."""
    nts = list(td.data.node_types)
    return max(nts, key=lambda t: (t not in _STRUCTURE, td.data[t].num_nodes, t)) if nts else "concept"


@torch.no_grad()
def score_pairs(model, h: torch.Tensor, pairs: torch.Tensor, *, chunk_pairs: int = 1 << 16) -> torch.Tensor:
    """P(a requires b) for pairs (2, P) of rows of ``h`` (N, H), ``chunk_pairs`` at a time -> (P,)."""
    out = [torch.sigmoid(model.prereq_logits(h[pairs[0, i:i + chunk_pairs]],
                                             h[pairs[1, i:i + chunk_pairs]]).float())
           for i in range(0, pairs.shape[1], chunk_pairs)]
    return torch.cat(out).cpu() if out else torch.zeros(0)


def _greedy_capped(s: torch.Tensor, keys: torch.Tensor, n: int, k: int, cap: int):
    """Best-first pairs with at most ``cap`` per node on each side, up to ``k``."""
    order = torch.argsort(s, descending=True, stable=True)
    used_a: dict[int, int] = {}
    used_b: dict[int, int] = {}
    take = []
    for i in order.tolist():
        key = int(keys[i])
        x, y = divmod(key, n)
        if used_a.get(x, 0) < cap and used_b.get(y, 0) < cap:
            used_a[x] = used_a.get(x, 0) + 1
            used_b[y] = used_b.get(y, 0) + 1
            take.append(i)
            if len(take) == k:
                break
    idx = torch.tensor(take, dtype=torch.long, device=s.device)
    return s[idx], keys[idx]


def _known_keys(td, split_known: dict | None, node_type: str, *, weak: bool = True) -> torch.Tensor:
    """Keys of pairs not to suggest: every known prerequisite in either direction and the
    known negatives; ``weak=False``: not the weak text labels (the pairs a definition link
    may put on the list)."""
    from gnn.data import LABEL_KINDS, prereq_edge_types
    n = td.data[node_type].num_nodes
    parts = []
    for et, flip in prereq_edge_types(td.data):
        if et[0] == node_type:
            ei = td.data[et].edge_index
            parts += [ei[0] * n + ei[1], ei[1] * n + ei[0]]
    lab = td.extra_prereq.get(node_type)
    if lab is not None:
        pos = lab.pos
        if not weak:
            firm = torch.isin(lab.kind, torch.tensor([LABEL_KINDS.index(k) for k in ("requires", "precedes", "decision")]))
            pos = lab.pos[:, firm]
        for t in (pos, lab.neg):
            parts += [t[0] * n + t[1], t[1] * n + t[0]]
    if not parts:
        return torch.zeros(0, dtype=torch.long)
    return torch.unique(torch.cat(parts))


def similarity_vectors(td, h: torch.Tensor, node_type: str) -> torch.Tensor:
    """What :func:`neighbour_pairs` compares: the MiniLM text columns of the node
    features when the graph has them (topical similarity), else the teacher's embeddings."""
    cols = [i for i, name in enumerate(td.feature_layout) if name.startswith("minilm_")]
    x = td.data[node_type].x
    if cols and x.shape[1] == len(td.feature_layout):
        return x[:, cols[0]:cols[-1] + 1]
    return h


def suggest(model, td, *, top_k: int = 50, node_type: str | None = None,
            chunk_pairs: int = 1 << 16, min_score: float = 0.0, max_per_node: int = 3,
            neighbours: int = 10, device="cpu", calibrate: bool = True, calibrator=None,
            links: dict | None = None, reviewed: dict | None = None,
            trust_teacher: bool | None = None, info: dict | None = None) -> list[Suggestion]:
    """Top-k new prerequisite pairs of ``node_type`` scored on the full graph (default:
    ``concept`` when the graph has concepts, else the node type with prerequisite labels).

    ``neighbours`` > 0: only pairs (A, B) where B is one of A's ``neighbours`` most
    similar nodes (:func:`similarity_vectors`) are candidates, N * neighbours pairs instead
    of N^2. A prerequisite is about the same subject as what needs it; without the filter
    the head, trained on weak "B comes earlier in the book" labels, ranks unrelated
    early/late pairs first (hand-labelled top 40 on *Psychology 2e*: 5 right of 40 over
    all pairs; see benchmarks/README.md). ``0``: every pair of the curriculum.

    ``reviewed``: the instructor's decisions on links by group (:func:`reviewed_links`),
    which move each group's probability (:func:`link_probability`).

    ``links`` (``{(A IRI, B IRI): link}``, :func:`text_links`): pairs the book's own
    definitions and names (or a framework's grade levels) argue for are candidates too (weak
    text labels included: these are the pairs a designer most needs to see), and the list
    puts them with the share of such links blind judges accepted as their probability (by
    kind; lower when the book defines B after A), and where the teacher's score is not
    calibrated on the instructor's decisions (it learnt from text-derived labels alone, or
    it was calibrated on the known edges against unlabelled candidates) its own pairs get
    the share of its pairs judged right (:data:`WEAK_TEACHER_PRECISION`), so the list,
    ranked by probability, puts the links first: kind-of, genus, names, progression, then
    the links against the book's order, each by text similarity. Blind judges
    found the teacher's neighbour pairs right 20-30% of the time on three books, the
    definition links far more often (``benchmarks/README.md``, issue 14).

    The list is :func:`review_list`'s: ranked by calibrated probability (``calibrator``,
    else :func:`teacher_calibrator` when ``calibrate``) within each tier, capped per node,
    no known edge or reverse, no cycle with accepted edges. ``info`` (a dict) receives
    ``"calibration"`` (where the calibrator came from), ``"candidates"`` and ``"links"``
    (definition-link candidates)."""
    types = td.prereq_node_types()
    nt = node_type or ("concept" if "concept" in td.data.node_types else types[0] if types
                       else _most_common_type(td))
    if nt not in td.data.node_types:
        from gnn.train import TrainError
        raise TrainError(f"the graph has no {nt!r} nodes to suggest prerequisites between "
                         f"(it has {', '.join(td.data.node_types)})")
    model = model.to(device).eval()
    g = td.data.to(device)
    with torch.no_grad():
        h = model(g.x_dict, g.edge_index_dict)[nt].float()
    if neighbours > 0:
        n = h.shape[0]
        cand = neighbour_pairs(similarity_vectors(td, h, nt), neighbours, groups=td.group(nt),
                               exclude=_known_keys(td, None, nt), chunk_pairs=max(chunk_pairs, n))
        s = score_pairs(model, h, cand.to(h.device), chunk_pairs=chunk_pairs)   # (P,) on the CPU
        keep = s >= min_score
        pairs, scores = cand[:, keep], s[keep]
    else:                         # room for the pairs the review rules drop
        pairs, scores = top_k_pairs(model, h, 4 * top_k, groups=td.group(nt),
                                    exclude=_known_keys(td, None, nt), chunk_pairs=chunk_pairs,
                                    min_score=min_score, max_per_node=max_per_node)
    source = "given" if calibrator is not None else "off"
    if calibrator is None and calibrate:
        calibrator, source = teacher_calibrator(model, h, td, nt, pairs, scores)
    iris = td.index.iris[nt]
    link_rows, link_of, sim = _link_pairs(td, h, nt, links)
    tier = np.zeros(pairs.shape[1], dtype=np.int64)
    priority = fixed = None
    if link_rows.shape[1]:
        n = h.shape[0]
        old = set((pairs[0] * n + pairs[1]).tolist())
        new = link_rows[:, torch.tensor([int(a) * n + int(b) not in old for a, b in link_rows.t().tolist()],
                                        dtype=torch.bool)]
        pairs = torch.cat([pairs, new], 1)
        scores = torch.cat([scores, score_pairs(model, h, new.to(h.device), chunk_pairs=chunk_pairs)])
        ab = [tuple(x) for x in pairs.t().tolist()]
        tier = np.array([link_tier(link_of[x]) if x in link_of else 0 for x in ab], dtype=np.int64)
        priority = np.array([sim.get(x, 0.0) for x in ab])
        fixed = np.array([link_probability(link_of[x], reviewed) if x in link_of else np.nan for x in ab])
    known = accepted_edges(td, nt)
    weak_only = len(known) == 0 and source not in ("decisions", "given")
    # beside text links the teacher's score counts as a probability only when calibrated on
    # the instructor's decisions (or a calibrator given): calibrated on known edges against
    # unlabelled candidates it ranked wrong pairs above every link (BNCC: 0.93-0.95, 4/40 right)
    judged_teacher = bool(link_of) and source not in ("decisions", "given")
    if trust_teacher is not None:                  # the caller decides (benchmarks)
        judged_teacher = bool(link_of) and not trust_teacher
    if judged_teacher:
        fixed = np.where(np.isnan(fixed), WEAK_TEACHER_PRECISION, fixed)
    rows = review_list(pairs.t().numpy(), scores.numpy(), top_k=top_k, max_per_node=max_per_node,
                       known=known, calibrator=calibrator, tier=tier, priority=priority, fixed_prob=fixed)
    if info is not None:
        info.update(calibration=source, candidates=int(pairs.shape[1]), links=len(link_of),
                    method=(("ranked by probability: the curriculum's text links (definitions or a "
                             "framework's levels; the share of their kind judged right) and the "
                             "teacher's neighbour pairs ("
                             + ("the share judged right of a teacher trained on text labels alone"
                                if weak_only else "the share of its pairs judged right, its score not being "
                                "calibrated on decisions" if judged_teacher else "its calibrated score") + ")")
                            if link_of else "the teacher's neighbour pairs, by calibrated probability"),
                    calibrator=calibrator.to_dict() if calibrator is not None else None)
    out = []
    for r, (a, b, raw, p, band) in enumerate(rows):
        path = tuple((iris[x], iris[y], rel) for x, y, rel in known_path(known, a, b))
        lk = link_of.get((a, b))
        out.append(Suggestion(iris[a], iris[b], p, nt, r + 1, raw_score=raw, band=band, path=path,
                              basis=lk.kind if lk else None, basis_text=lk.text if lk else None,
                              basis_later=bool(lk and lk.b_later)))
    return out


def _link_pairs(td, h: torch.Tensor, nt: str, links: dict | None) -> tuple[torch.Tensor, dict, dict]:
    """The definition links among ``nt`` rows that may be suggested: ``(2, L)`` rows,
    ``{(a, b): DefinitionLink}`` and ``{(a, b): text similarity}``. Firm prerequisites
    (either way) and known negatives are left out, weak text labels are not; so is a link
    whose concepts' MiniLM texts have a cosine below :data:`MIN_LINK_SIMILARITY` (the word
    is used in another sense, or B is a generic term: "drive theory" / "theory"), where the
    graph has MiniLM text features."""
    empty = torch.zeros((2, 0), dtype=torch.long), {}, {}
    if not links:
        return empty
    row = {iri: i for i, iri in enumerate(td.index.iris[nt])}
    n = td.data[nt].num_nodes
    banned = set(_known_keys(td, None, nt, weak=False).tolist())
    cand = {}
    for (a, b), lk in sorted(links.items()):
        ia, ib = row.get(a), row.get(b)
        if ia is None or ib is None or ia == ib or ia * n + ib in banned:
            continue
        cand[(ia, ib)] = lk
    if not cand:
        return empty
    has_text = any(name.startswith("minilm_") for name in td.feature_layout)
    z = torch.nn.functional.normalize(similarity_vectors(td, h, nt).float(), dim=1)
    ia = torch.tensor([a for a, _ in cand]); ib = torch.tensor([b for _, b in cand])
    cos = (z[ia] * z[ib]).sum(1).tolist()
    of, sim = {}, {}
    for (x, lk), c in zip(cand.items(), cos):
        if has_text and c < MIN_LINK_SIMILARITY:
            continue
        of[x], sim[x] = lk, round(float(c), 6)
    rows = torch.tensor(sorted(of), dtype=torch.long).t().reshape(2, -1)
    return rows, of, sim


# ------------------------------------------------------------------ the review list ---

MIN_DECISIONS = 10      # accepted and rejected decisions each, to calibrate on decisions

# Definition links (issue 14, dev judgement: 84 links and 20 teacher pairs of *Psychology
# 2e* and *Introductory Statistics 2e*, judged blind with a reason each; the key and the
# scores are in benchmarks/results/prereq/dev/). The text similarity below which a link
# is dropped was chosen there: at 0.4 the links kept were right 54/61 times (0.3: 64/77;
# 0.5: 35/38, but half the right links lost). A link's probability is the share of its
# kind judged right there, (right + 1) / (judged + 2): kind-of 21/21, genus 18/20, names
# 15/21 at 0.4. The teacher's own neighbour pairs were right 2/20.
MIN_LINK_SIMILARITY = 0.4
# Progression links of a standards framework (kg.progression_links: a statement and its most
# similar statement of an earlier level), judged blind on the Common Core and the BNCC
# (benchmarks/prereq_standards.py, round 2: the top 40 and 30 drawn from ranks 41-200 of
# each framework's list; files in results/prereq/standards/): 123/140. (The first rule, chosen
# on a dev judgement of 40 Common Core links where it was right 32/35, judged 118/140 in the
# same round and was dropped.) The teacher's own pairs there: 4/10 on dev, 19/80 in round 2.
PROGRESSION_JUDGED = (123, 140)
_DEFAULT_BANDS = Calibrator()
# (judged right, judged) per kind of link; "later": a link whose B the book defines after A
# (DefinitionLink.b_later), right 3/7 times in the same dev judgement (the others 63/77; on
# the demo course it is "a *sequence* of characters" read as the Python sequence type).
LINK_JUDGED = {"kind-of": (21, 21), "genus": (18, 20), "names": (15, 21), "later": (3, 7),
               "progression": PROGRESSION_JUDGED}
LINK_PRECISION = {k: round((r + 1) / (n + 2), 4) for k, (r, n) in LINK_JUDGED.items() if k != "later"}
LATER_LINK_PRECISION = round((LINK_JUDGED["later"][0] + 1) / (LINK_JUDGED["later"][1] + 2), 4)
# The teacher's own neighbour pairs beside text links, where its score is not calibrated on
# the instructor's decisions: calibrated on the text-derived labels or on the known edges
# against unlabelled candidates, it says "like the known pairs", not "right". Dev
# judgements: 2/20 on two books, 4/10 on the Common Core (TEACHER_JUDGED); in the test
# rounds 6-10/40 on four books and, on the held-aside BNCC, whose 61 known edges made the
# teacher's calibrated scores 0.93-0.95, 4/40. This is what its pairs are worth to a reviewer.
TEACHER_JUDGED = (2 + 4, 20 + 10)
WEAK_TEACHER_PRECISION = round((TEACHER_JUDGED[0] + 1) / (TEACHER_JUDGED[1] + 2), 4)


def link_tier(link) -> int:
    """The list's tier of a definition link: in the book's order first, then by kind
    (teacher pairs are tier 0)."""
    return link.strength + (0 if getattr(link, "b_later", False) else len(LINK_PRECISION))


def link_group(link) -> str:
    """The group whose judged share is a link's probability: its kind, or ``"later"``."""
    return "later" if getattr(link, "b_later", False) else link.kind


def link_probability(link, reviewed: dict | None = None) -> float:
    """A definition link's probability: the share of such links judged right, (right + 1) /
    (judged + 2), counting the blind judges' dev verdicts (:data:`LINK_JUDGED`) and, in
    ``reviewed`` (``{group: (accepted, rejected)}``, :func:`reviewed_links`), the
    instructor's own decisions on links of the same group: a reviewer who keeps rejecting
    one kind of link sees that kind fall down the list and out of "likely"."""
    g = link_group(link)
    r, n = LINK_JUDGED[g]
    acc, rej = (reviewed or {}).get(g, (0, 0))
    return round((r + acc + 1) / (n + acc + rej + 2), 4)


def reviewed_links(store: Store, links: dict) -> dict[str, tuple[int, int]]:
    """``{group: (accepted, rejected)}``: the instructor's decisions on pairs that are
    definition links (``links``, :func:`kg.definition_links.definition_links`), by
    :func:`link_group`."""
    from kg.decisions import ACCEPTED, REJECTED, decisions
    out: dict[str, list[int]] = {}
    for ab, d in decisions(store).items():
        lk = links.get(ab)
        if lk is not None and d.status in (ACCEPTED, REJECTED):
            c = out.setdefault(link_group(lk), [0, 0])
            c[0 if d.status == ACCEPTED else 1] += 1
    return {k: (a, r) for k, (a, r) in out.items()}


def review_list(pairs, scores, *, top_k: int, max_per_node: int = 3, known=None, exclude=None,
                calibrator=None, drop_implied: bool = True, tier=None, priority=None,
                fixed_prob=None) -> list[tuple[int, int, float, float, str | None]]:
    """The suggestions a reviewer sees, best first: ``[(a, b, raw, p, band), ...]``.

    Args:
        pairs: (P, 2) candidate pairs ``(a, b)``, "a requires b" (node rows).
        scores: (P,) raw scores in [0, 1].
        top_k: at most this many.
        max_per_node: at most this many per node as ``a`` and as ``b`` (0: no cap).
        known: (K, 2) accepted prerequisites ``(a, b)``: never suggested again, nor their
            reverses, and a pair that would close a cycle with them (and with the
            suggestions ranked above it) is refused.
        exclude: (Q, 2) other pairs not to suggest in either direction (known negatives,
            weak labels).
        calibrator: a fitted :class:`gnn.calibration.Calibrator`; ``p`` is its probability
            and ``band`` its band (``p = raw`` and ``band = None`` without one).
        drop_implied: drop a pair ``a requires b`` that the accepted edges (and the
            suggestions above it) already imply through a chain ``a -> x -> b``: accepting
            it would tell the curriculum nothing new.
        tier: (P,) integers; among equal probabilities a higher tier is listed first
            (default: one tier).
        priority: (P,) floats ordering equal probabilities within a tier (default: none).
        fixed_prob: (P,) probabilities to use instead of the calibrator's where not NaN
            (a definition link's judged precision); their band is
            :class:`gnn.calibration.Calibrator`'s default thresholds' when there is no
            calibrator.

    >>> review_list([[0, 1], [1, 0], [2, 0]], [0.9, 0.8, 0.7], top_k=5, known=[[1, 2]])
    [(0, 1, 0.9, 0.9, None)]
    """
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    raw = np.asarray(scores, dtype=np.float64).ravel()
    prob = calibrator.transform(raw) if calibrator is not None else raw.copy()
    fixed = np.zeros(len(raw), dtype=bool)
    if fixed_prob is not None:
        fp = np.asarray(fixed_prob, dtype=np.float64).ravel()
        fixed = ~np.isnan(fp)
        prob = np.where(fixed, fp, prob)
    tr = np.zeros(len(raw), dtype=np.int64) if tier is None else np.asarray(tier, dtype=np.int64).ravel()
    pr = np.zeros(len(raw)) if priority is None else np.asarray(priority, dtype=np.float64).ravel()
    kn = np.asarray(known if known is not None else np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    ex = np.asarray(exclude if exclude is not None else np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    banned = {(int(a), int(b)) for a, b in np.r_[kn, ex].tolist()}
    banned |= {(b, a) for a, b in banned}
    req: dict[int, set] = {}
    for a, b in kn.tolist():
        req.setdefault(a, set()).add(b)

    def reaches(x: int, target: int) -> bool:     # x requires ... requires target?
        seen, stack = {x}, [x]
        while stack:
            y = stack.pop()
            if y == target:
                return True
            for z in req.get(y, ()):
                if z not in seen:
                    seen.add(z)
                    stack.append(z)
        return False

    order = np.lexsort((-raw, -pr, -tr, -prob))     # probability, tier, priority; raw breaks ties
    used_a: dict[int, int] = {}
    used_b: dict[int, int] = {}
    out, seen_pairs = [], set()
    for i in order.tolist():
        a, b = int(p[i, 0]), int(p[i, 1])
        if a == b or (a, b) in banned or (a, b) in seen_pairs:
            continue
        seen_pairs.add((a, b))
        if max_per_node and (used_a.get(a, 0) >= max_per_node or used_b.get(b, 0) >= max_per_node):
            continue
        if reaches(b, a):                            # b already requires a: a cycle
            continue
        if drop_implied and reaches(a, b):           # a already requires b through others
            continue
        req.setdefault(a, set()).add(b)
        used_a[a] = used_a.get(a, 0) + 1
        used_b[b] = used_b.get(b, 0) + 1
        band = (calibrator or _DEFAULT_BANDS).band(float(prob[i])) if calibrator is not None or fixed[i] else None
        out.append((a, b, round(float(raw[i]), 6), round(float(prob[i]), 6), band))
        if len(out) >= top_k:
            break
    return out


def accepted_edges(td, node_type: str) -> np.ndarray:
    """``(E, 2)`` accepted prerequisites ``(a, b)`` = "a requires b" among ``node_type``
    rows: the graph's ``requires`` edges, ``precedes`` edges read backwards, and the
    instructor's accepted decisions and gold labels (not the weak text labels)."""
    from gnn.data import LABEL_KINDS, prereq_edge_types
    parts = []
    for et, flip in prereq_edge_types(td.data):
        if et[0] == node_type:
            ei = td.data[et].edge_index
            parts.append((ei.flip(0) if flip else ei).t().numpy())
    lab = td.extra_prereq.get(node_type)
    if lab is not None and lab.pos.shape[1]:
        firm = torch.isin(lab.kind, torch.tensor([LABEL_KINDS.index(k) for k in ("requires", "precedes", "decision")]))
        parts.append(lab.pos[:, firm].t().numpy())
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros((0, 2), dtype=np.int64)


def teacher_calibrator(model, h: torch.Tensor, td, node_type: str, cand: torch.Tensor,
                       cand_scores: torch.Tensor, *, seed: int = 0):
    """A :class:`gnn.calibration.Calibrator` for the teacher's scores and where it came
    from: ``(calibrator or None, source)``. ``source`` is ``"decisions"`` (the
    instructor's accepted vs rejected suggestions, at least :data:`MIN_DECISIONS` each:
    the pairs a reviewer actually sees), ``"labels-vs-candidates"`` (known prerequisites
    against as many random unlabelled candidates, counted as negatives: a probability
    relative to that mix, not a measured precision) or ``"none"`` (too few labels)."""
    from gnn.calibration import Calibrator
    from gnn.data import LABEL_KINDS
    lab = td.extra_prereq.get(node_type)
    if lab is not None:
        dec = lab.pos[:, lab.kind == LABEL_KINDS.index("decision")]
        if dec.shape[1] >= MIN_DECISIONS and lab.neg.shape[1] >= MIN_DECISIONS:
            sp = score_pairs(model, h, dec.to(h.device)).numpy()
            sn = score_pairs(model, h, lab.neg.to(h.device)).numpy()
            y = np.r_[np.ones(len(sp)), np.zeros(len(sn))]
            return Calibrator("auto").fit(np.r_[sp, sn], y, seed=seed), "decisions"
    pos = accepted_edges(td, node_type)
    if lab is not None and lab.pos.shape[1]:
        pos = np.r_[pos, lab.pos.t().numpy()]
    pos = np.unique(pos, axis=0) if len(pos) else pos
    if len(pos) < 2 or cand.shape[1] < 2:
        return None, "none"
    rng = np.random.default_rng(seed)
    idx = rng.choice(cand.shape[1], size=min(len(pos), cand.shape[1]), replace=False)
    sp = score_pairs(model, h, torch.as_tensor(pos.T.copy()).to(h.device)).numpy()
    sn = cand_scores.numpy()[idx]
    y = np.r_[np.ones(len(sp)), np.zeros(len(sn))]
    return Calibrator("auto").fit(np.clip(np.r_[sp, sn], 0, 1), y, seed=seed), "labels-vs-candidates"


def known_path(known: np.ndarray, a: int, b: int, max_len: int = 4) -> list[tuple[int, int, str]]:
    """Shortest path from ``a`` to ``b`` in the accepted prerequisites, either direction,
    as ``[(x, y, "requires" | "required by"), ...]`` (``[]`` when none within ``max_len``).

    >>> known_path(np.array([[0, 2], [1, 2]]), 0, 1)
    [(0, 2, 'requires'), (2, 1, 'required by')]
    """
    nb: dict[int, list] = {}
    for x, y in np.asarray(known, dtype=np.int64).reshape(-1, 2).tolist():
        nb.setdefault(x, []).append((y, "requires"))
        nb.setdefault(y, []).append((x, "required by"))
    prev = {a: None}
    frontier = [a]
    for _ in range(max_len):
        nxt = []
        for x in frontier:
            for y, rel in nb.get(x, ()):
                if y not in prev:
                    prev[y] = (x, rel)
                    nxt.append(y)
        if b in prev:
            break
        frontier = nxt
    if b not in prev or a == b:
        return []
    path, y = [], b
    while prev[y] is not None:
        x, rel = prev[y]
        path.append((x, y, rel))
        y = x
    return path[::-1]


def explain(store, s: Suggestion, path_labels: list[str] | None = None) -> tuple[str, ...]:
    """Evidence lines of one suggestion for a reviewer: :func:`kg.prereq_evidence.evidence_lines`
    with the suggestion's labels and ``path_labels`` (its path in the accepted
    prerequisites, from :func:`known_path`)."""
    return evidence_lines(store, s.a, s.b, a_label=s.a_label, b_label=s.b_label, path_labels=path_labels)


def with_labels(store: Store, suggestions: list[Suggestion]) -> list[Suggestion]:
    """The suggestions with ``a_label``/``b_label`` read from the store
    (:func:`kg.progression_links.display_labels`: a standard's code before its statement)."""

    from kg.progression_links import display_labels
    lab = display_labels(store, {x for s in suggestions for x in (s.a, s.b)})
    return [replace(s, a_label=lab.get(s.a), b_label=lab.get(s.b)) for s in suggestions]


def with_evidence(store: Store, suggestions: list[Suggestion]) -> list[Suggestion]:
    """The suggestions with ``evidence`` filled in (:func:`explain`; path nodes by label)."""

    iris = sorted({x for s in suggestions for step in s.path for x in step[:2]})
    lab = {i: v[1] for i, v in (_info(store, iris) if iris else {}).items()}

    def name(i):
        return lab.get(i) or i.rsplit("/", 1)[-1]

    out = []
    for s in suggestions:
        words = ([name(s.path[0][0])] + [("-[requires]-> " if rel == "requires" else "<-[requires]- ") + name(y)
                                          for _, y, rel in s.path]) if s.path else []
        ev = explain(store, s, words)
        line = basis_line(s)
        out.append(replace(s, evidence=((line,) if line else ()) + ev))
    return out


def provenance_note(s: Suggestion) -> str:
    """What put the suggestion on the list and what its probability means."""
    if s.basis == "progression":
        return ("progression link (the most similar statement of an earlier level, "
                "kg.progression_links); probability: the share of such links blind judges accepted "
                "(gnn.suggest.LINK_PRECISION)")
    if s.basis:
        return (f"definition link ({s.basis}, kg.definition_links); probability: the share of "
                f"such links blind judges accepted (gnn.suggest.LINK_PRECISION)")
    if s.score == WEAK_TEACHER_PRECISION and s.raw_score is not None:
        return ("the teacher's neighbour pair, its score not calibrated on decisions (learnt from "
                "text-derived labels alone, or from the known edges against unlabelled pairs); "
                "probability: the share of such pairs blind judges accepted "
                "(gnn.suggest.WEAK_TEACHER_PRECISION)")
    return "the teacher's neighbour pair; probability: the teacher's calibrated score"


def basis_line(s: Suggestion) -> str | None:
    """The evidence line that says why a definition link put the pair on the list (None
    for the teacher's own pairs)."""
    a, b = s.a_label or s.a.rsplit("/", 1)[-1], s.b_label or s.b.rsplit("/", 1)[-1]
    later = f" (but the book defines {b} after {a})" if s.basis_later else ""
    if s.basis == "kind-of":
        return f"the name “{a}” says it is a kind of {b}{later}"
    if s.basis == "genus":
        return f"the definition of {a} starts from {b}{later}: “{s.basis_text}”"
    if s.basis == "names":
        return f"the definition of {a} names {b}{later}: “{s.basis_text}”"
    if s.basis == "progression":
        return s.basis_text
    return None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def write_suggestions(store: Store, suggestions: list[Suggestion], *, checkpoint_sha256: str | None,
                      graph_hash: str, checkpoint_name: str = "teacher.pt",
                      started: str | None = None, ended: str | None = None,
                      method: str | None = None) -> dict:
    """Replace the teacher's suggestions in ``graph/suggestions`` (module docstring);
    returns ``{"graph", "suggestions", "triples", "activity", "checkpoint"}``. ``method``
    (the run's ``rdfs:comment``) says how the list was made; each suggestion's
    ``dcterms:description`` says what put it on the list and what its probability is."""
    started = started or _now()
    ended = ended or _now()
    dt = lambda v: Literal(v, datatype=XSD.dateTime)  # noqa: E731
    if checkpoint_sha256 is None:         # no teacher: the definition links alone
        ck = DEFINITIONS_AGENT
        run = URIRef(ID[f"teacher/run/{started.replace(':', '').replace('-', '')}-definitions"])
        triples = [(ck, RDF.type, PROV.SoftwareAgent),
                   (ck, RDFS.label, Literal("kgstudio definition links (kg.definition_links)"))]
    else:
        ck = URIRef(ID[f"teacher/checkpoint/{checkpoint_sha256[:16]}"])
        run = URIRef(ID[f"teacher/run/{started.replace(':', '').replace('-', '')}-{checkpoint_sha256[:8]}"])
        triples = [
            (ck, RDF.type, PROV.SoftwareAgent), (ck, RDF.type, PROV.Entity),
            (ck, RDFS.label, Literal(f"kgstudio GNN teacher checkpoint {checkpoint_sha256[:16]}")),
            (ck, SDO.identifier, Literal(f"sha256:{checkpoint_sha256}")),
            (ck, DCTERMS.source, Literal(checkpoint_name)),
            (ck, RDFS.comment, Literal(f"trained on graph sha256:{graph_hash}")),
        ]
    triples += [
        (run, RDF.type, PROV.Activity),
        (run, RDFS.label, Literal("kgstudio suggest-prereqs")),
        (run, PROV.used, ck), (run, PROV.wasAssociatedWith, ck),
        (run, PROV.startedAtTime, dt(started)), (run, PROV.endedAtTime, dt(ended)),
    ]
    if method:
        triples.append((run, RDFS.comment, Literal(method)))
    for s in suggestions:
        node = URIRef(ID["teacher/suggestion/" + hashlib.sha256(f"{s.a} {s.b}".encode()).hexdigest()[:20]])
        a, b = URIRef(s.a), URIRef(s.b)
        raw = s.raw_score if s.raw_score is not None else s.score
        triples += [(node, RDF.type, RDF.Statement), (node, RDF.type, PROV.Entity),
                    (node, RDF.subject, a), (node, RDF.predicate, KGS.requires), (node, RDF.object, b),
                    (node, SCORE, Literal(float(raw), datatype=XSD.double)),
                    (node, RANK, Literal(int(s.rank), datatype=XSD.integer)),
                    (node, RDFS.label, Literal(f"suggested: {s.a_label or s.a.rsplit('/', 1)[-1]} "
                                               f"requires {s.b_label or s.b.rsplit('/', 1)[-1]} "
                                               f"({s.score:.3f}{', ' + s.band if s.band else ''})")),
                    (node, PROV.wasGeneratedBy, run), (node, PROV.wasAttributedTo, ck),
                    (node, PROV.generatedAtTime, dt(ended))]
        triples.append((node, RDF.type, SUGGESTION_CLASS))
        triples.append((node, DCTERMS.description, Literal(provenance_note(s))))
        if s.band:                                   # calibrated: the probability and its band
            triples += [(node, KGS.probability, Literal(float(s.score), datatype=XSD.double)),
                        (node, KGS.band, Literal(s.band))]
        for i, line in enumerate(s.evidence, 1):
            ev = URIRef(f"{node}/evidence/{i}")
            triples += [(node, KGS.evidenceLine, ev), (ev, KGS.text, Literal(line)),
                        (ev, KGS.position, Literal(i, datatype=XSD.integer))]
    new = sorted({f"{x.n3()} {p.n3()} {nt_term(o)}" for x, p, o in triples})
    g = str(SUGGESTIONS_GRAPH)
    keep = sorted(line for line in store.graph_triples(g)
                  if not line.startswith(f"<{TEACHER_PREFIX}"))
    body = "".join(f"{line} .\n" for line in keep + new)
    store.replace_graphs({g: body})
    return {"graph": g, "suggestions": len(suggestions), "triples": len(new),
            "activity": str(run), "checkpoint": str(ck)}


def suggest_prereqs(workspace, *, top_k: int = 50, node_type: str | None = None, trust_teacher: bool | None = None,
                    chunk_pairs: int = 1 << 16, max_per_node: int = 3, neighbours: int = 10,
                    write: bool = True, checkpoint=None, explain_evidence: bool = True,
                    definitions: bool = True, log: Log | None = None) -> tuple[list[Suggestion], dict]:
    """Load the workspace's teacher, check it matches the graph, suggest, write.
    ``definitions``: put the book's definition links first (:func:`suggest`'s ``links``).
    Without a trained teacher (no ``checkpoint`` and no ``models/teacher/teacher.pt``) the
    list is the definition links alone (:func:`suggest_from_definitions`): a book just
    imported has its best suggestions before any training."""
    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.data import build_teacher_data
    started = _now()
    if checkpoint is None and definitions and not (teacher_dir(workspace) / "teacher.pt").is_file():
        return _definitions_only(workspace, top_k=top_k, max_per_node=max_per_node, write=write,
                                 explain_evidence=explain_evidence, started=started, node_type=node_type)
    ck = load_checkpoint(checkpoint or teacher_dir(workspace) / "teacher.pt")
    with workspace.open_store() as store:
        ck.check_graph(store)
        td = build_teacher_data(store, embed=ck.config.use_text, graphs=ck.graphs or None,
                                difficulty_bins=ck.config.difficulty_bins, log=log,
                                model=workspace.settings.get("embeddings.model"))
        ck.check_data(td)
        model = ck.build_model()
        sinfo: dict = {}
        links = reviewed = None
        if definitions:
            links = text_links(store, ck.graphs or source_graphs(store),
                               model=workspace.settings.get("embeddings.model"))
            reviewed = reviewed_links(store, links)
            if node_type is None and links:
                node_type = _default_type(store, links, td.data.node_types)
        out = with_labels(store, suggest(model, td, top_k=top_k, node_type=node_type,
                                         chunk_pairs=chunk_pairs, max_per_node=max_per_node,
                                         neighbours=neighbours, links=links, reviewed=reviewed,
                                         trust_teacher=trust_teacher, info=sinfo))
        if explain_evidence:
            out = with_evidence(store, out)
        info = {"suggestions": len(out), "written": False, "calibration": sinfo.get("calibration"),
                "method": sinfo.get("method"), "links": sinfo.get("links")}
        if write:
            info = write_suggestions(store, out, checkpoint_sha256=ck.sha256, graph_hash=ck.graph_hash,
                                     checkpoint_name=ck.path.name, started=started,
                                     method=sinfo.get("method"))
            info.update(written=True, calibration=sinfo.get("calibration"), method=sinfo.get("method"),
                        links=sinfo.get("links"))
    return out, info


def text_links(store: Store, graphs=None, *, model: str | None = None, progression: bool = True) -> dict:
    """The pairs the curriculum's own text argues for, ``{(A, B): link}``: the book's
    definition links (:func:`kg.definition_links.definition_links`) and, for a pair without
    one, the progression links of a standards framework's levelled statements
    (:func:`kg.progression_links.progression_links`; a framework has no definitions, a book
    has no levels, so on the curricula seen so far one of the two is empty)."""
    g = graphs if graphs is not None else source_graphs(store)
    links = dict(definition_links(store, g))
    for ab, lk in (progression_links(store, g, model=model) if progression else {}).items():
        links.setdefault(ab, lk)
    return links


def _default_type(store: Store, links: dict, available) -> str | None:
    """:func:`links_node_type` when the graph has that type, else None (the usual default)."""
    t = links_node_type(store, links)
    return t if t is not None and t in available else None


def links_node_type(store: Store, links: dict) -> str | None:
    """The node type most of ``links`` join (ties: alphabetical), None without links: the
    type the list pairs when the user names none and the graph has no linked concepts."""
    from kg.neighbourhood import node_types
    if not links:
        return None
    types = node_types(store, sorted({x for ab in links for x in ab}))
    count: dict[str, int] = {}
    for a, b in links:
        ta, tb = types.get(a), types.get(b)
        if ta is not None and ta == tb:
            count[ta] = count.get(ta, 0) + 1
    return min(count, key=lambda t: (-count[t], t)) if count else None


# ------------------------------------------------------- before a teacher is trained ---

DEFINITIONS_AGENT = URIRef(ID["teacher/definition-links"])
DEFINITIONS_ONLY = ("the curriculum's text links only (definitions, or a framework's levels; no teacher "
                    "trained yet), ranked by probability")


def firm_pairs(store: Store) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """``(accepted, rejected)`` prerequisite pairs ``(a, b)`` of the store: ``kgs:requires``
    edges (any graph but the suggestions'), ``kgs:precedes`` read backwards, and the
    instructor's accepted and rejected decisions."""
    from kg.decisions import ACCEPTED, REJECTED, decisions
    acc: set[tuple[str, str]] = set()
    q = f"""SELECT ?a ?b ?p WHERE {{ GRAPH ?g {{ {{ ?a <{KGS.requires}> ?b BIND(1 AS ?p) }}
            UNION {{ ?b <{KGS.precedes}> ?a BIND(2 AS ?p) }} }} FILTER(?g != <{SUGGESTIONS_GRAPH}>) }}"""
    for row in store.query(q).rows:
        a, b = (str(getattr(x, "value", x)) for x in row[:2])
        acc.add((a, b))
    rej = set()
    for ab, d in decisions(store).items():
        if d.status == ACCEPTED:
            acc.add(ab)
        elif d.status == REJECTED:
            rej.add(ab)
    return acc, rej


def _concept_vectors(store: Store, iris: list[str], model: str | None) -> np.ndarray:
    """Unit MiniLM vectors of ``label. definition`` (the teacher's node text), cached."""
    from kg.embeddings import DEFAULT_MODEL, embed
    info = _info(store, iris)
    texts = []
    for i in iris:
        lab = info.get(i, (None, None, None))[1] or i.rsplit("/", 1)[-1]
        d = info.get(i, (None, None, None))[2]
        d = " ".join(d.split())[:1000] if d and d != lab else ""
        texts.append(f"{lab}. {d}" if d else lab)
    v = np.asarray(embed(texts, model=model or DEFAULT_MODEL), dtype=np.float64)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)


def suggest_from_definitions(store: Store, *, top_k: int = 50, max_per_node: int = 3,
                             graphs=None, model: str | None = None, similarity: bool = True,
                             node_type: str | None = None, info: dict | None = None) -> list[Suggestion]:
    """The curriculum's text links alone as a review list (no teacher): candidates from
    :func:`text_links` (a book's definition links, a framework's progression links) between
    nodes of ``node_type`` (default: the type most links join, :func:`links_node_type`), the
    accepted prerequisites and decisions left out both ways, a link whose two texts' MiniLM
    cosine is below :data:`MIN_LINK_SIMILARITY` dropped (``similarity=False``: kept, no
    model loaded, so no progression links either), then :func:`review_list` with each link's judged probability."""
    from kg.neighbourhood import node_types
    links = text_links(store, graphs, model=model, progression=similarity)
    reviewed = reviewed_links(store, links)
    nt = node_type or links_node_type(store, links) or "concept"
    types = node_types(store, sorted({x for ab in links for x in ab})) if links else {}
    acc, rej = firm_pairs(store)
    banned = acc | rej
    banned |= {(b, a) for a, b in banned}
    cand = {ab: lk for ab, lk in links.items()
            if ab not in banned and types.get(ab[0]) == nt and types.get(ab[1]) == nt}
    nodes = sorted({x for ab in list(cand) + list(acc) for x in ab})
    row = {iri: i for i, iri in enumerate(nodes)}
    sim: dict[tuple[str, str], float] = {}
    if similarity and cand:
        z = _concept_vectors(store, nodes, model)
        for (a, b) in list(cand):
            c = float(z[row[a]] @ z[row[b]])
            if c < MIN_LINK_SIMILARITY:
                del cand[(a, b)]
            else:
                sim[(a, b)] = c
    pairs = list(cand)
    rows = review_list([[row[a], row[b]] for a, b in pairs], [0.0] * len(pairs), top_k=top_k,
                       max_per_node=max_per_node,
                       known=[[row[a], row[b]] for a, b in sorted(acc) if a in row and b in row],
                       tier=[link_tier(cand[ab]) for ab in pairs],
                       priority=[sim.get(ab, 0.0) for ab in pairs],
                       fixed_prob=[link_probability(cand[ab], reviewed) for ab in pairs])
    if info is not None:
        info.update(method=DEFINITIONS_ONLY, links=len(cand), candidates=len(pairs), calibration=None,
                    reviewed=reviewed, node_type=nt)
    out = []
    for r, (a, b, _raw, p, band) in enumerate(rows):
        lk = cand[(nodes[a], nodes[b])]
        out.append(Suggestion(lk.a, lk.b, p, nt, r + 1, band=band, basis=lk.kind,
                              basis_text=lk.text, basis_later=lk.b_later))
    return out


def _definitions_only(workspace, *, top_k: int, max_per_node: int, write: bool,
                      explain_evidence: bool, started: str,
                      node_type: str | None = None) -> tuple[list[Suggestion], dict]:
    """:func:`suggest_prereqs` for a workspace without a teacher."""
    sinfo: dict = {}
    with workspace.open_store() as store:
        out = with_labels(store, suggest_from_definitions(
            store, top_k=top_k, max_per_node=max_per_node, node_type=node_type,
            model=workspace.settings.get("embeddings.model"), info=sinfo))
        if explain_evidence:
            out = with_evidence(store, out)
        info = {"suggestions": len(out), "written": False, "calibration": None,
                "method": sinfo["method"], "links": sinfo["links"], "node_type": sinfo["node_type"]}
        if write:
            info = write_suggestions(store, out, checkpoint_sha256=None, graph_hash="",
                                     started=started, method=sinfo["method"])
            info.update(written=True, calibration=None, method=sinfo["method"], links=sinfo["links"],
                        node_type=sinfo["node_type"])
    return out, info
