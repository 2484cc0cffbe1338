"""Pairwise prerequisite classifier over a concept graph (text, graph, or both).

Given concepts (nodes), an optional text vector per concept (all-MiniLM-L6-v2 of the name
and description, :func:`kg.embeddings.embed`), an optional auxiliary graph (courses that
mention concepts, lectures, course prerequisites ...) and labelled ordered pairs
``(u, v, y)`` -- ``y = 1``: *u is a prerequisite of v* -- it learns to score new pairs.
It is the model behind the public benchmark ``benchmarks/prereq.py`` and a small, self-
contained relative of the teacher in :mod:`gnn` (one concept node type plus auxiliary
types, no curriculum store needed).

Model (three modes, ``PairConfig.mode``):

* ``"text"``: an MLP on MiniLM pairs: ``x -> Linear+ReLU`` per concept, then the pair
  decoder below. No graph at all (the ablation baseline).
* ``"graph"``: no text. Concept inputs are a learned embedding plus structural features
  (log in/out-degree in the known prerequisite graph); auxiliary nodes get learned
  embeddings. A heterogeneous encoder (``HeteroConv`` of ``SAGEConv``, mean aggregation,
  or ``GATConv``; residual layers with LayerNorm) runs over the graph formed by the
  *training* positive pairs (relation ``requires``), their reverses (a separate relation
  ``rev_requires``, so direction is kept) and every auxiliary relation and its reverse.
* ``"both"``: the same encoder, but a concept's input is its text vector plus the
  structural features (no learned concept embedding: it overfit the validation pairs in
  the planted-rule tests, where it lowered F1 from .94 to .78); auxiliary nodes use
  their text vectors where given, else learned embeddings.

Pair decoder: an MLP on ``[h_u, h_v, h_u * h_v, |h_u - h_v|, f_uv]``; the order of
``h_u, h_v`` carries the direction and ``f_uv`` are structural pair features of the known
prerequisite graph ``A`` (graph modes only; plus any unsupervised ``pair_priors`` of the
auxiliary graph, e.g. course-prerequisite flow between the courses that mention u and v,
as in CPR-Recover, Liang et al. 2017): ``u == v``, the reverse edge ``A[v, u]``,
directed 2-paths ``(A^2)[u, v]`` and ``(A^2)[v, u]``, shared prerequisites ``(A^T A)[u, v]``
and shared dependents ``(A A^T)[u, v]`` (log1p of counts), which is how transitivity and
acyclicity reach the decoder explicitly (SEAL-style pair features, Zhang & Chen 2018).

Training never lets a supervised positive leak through the message graph: every epoch the
training positives are split at random into message edges (``msg_keep``) and supervision
edges (the rest, plus negatives), as ``RandomLinkSplit(disjoint_train_ratio=...)`` does;
counts computed on the kept fraction are rescaled by ``1/msg_keep`` (degrees) and
``1/msg_keep**2`` (2-paths, shared neighbours) so that they estimate the counts on the full
graph used at prediction time. Negatives per epoch are the labelled
ones (``neg_sampling="given"``), uniform random non-positive ordered pairs
(``"uniform"``, for benchmarks whose test negatives are drawn over all concepts while the
labelled training negatives are not) or half of each (``"mixed"``); classes are weighted
equally in the loss. Validation pairs carved from the training pairs
(:func:`split_validation`) choose the epoch (ROC AUC) and the decision threshold (best F1,
:func:`choose_threshold`); test labels are never an input of :class:`PairClassifier`.
At prediction time all training positives (validation ones included, as PyG's
``RandomLinkSplit`` does for its test split) are message edges.

Limitations: full-batch only (fine for thousands of concepts; pair features use sparse
products ``A @ A`` whose size grows with the squared degree); nodes that occur in no
training pair keep a random learned embedding in ``"graph"`` mode, so that mode cannot
score unseen concepts better than chance from the node itself (the auxiliary graph and the
pair features still help); the threshold is tuned for F1 on a validation set that must
have the class balance of the pairs it will be applied to (``val_balance``).

>>> import numpy as np
>>> choose_threshold(np.array([0.1, 0.4, 0.6, 0.9]), np.array([0, 0, 1, 1]))
0.5
"""
from __future__ import annotations

import copy
import math
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import scipy.sparse as sp
import torch
from torch import Tensor, nn

from gnn.metrics import precision_recall_f1, roc_auc
from kg.errors import KGStudioError
from kg.labels import LabelMatcher

__all__ = ["CONCEPT", "ConceptGraph", "PairClassifier", "PairConfig", "PairDataError",
           "choose_threshold", "pair_features", "prf", "sample_negatives", "split_validation"]

CONCEPT = "concept"
REQ = (CONCEPT, "requires", CONCEPT)       # u -> v: u is a prerequisite of v
REV_REQ = (CONCEPT, "rev_requires", CONCEPT)
MODES = ("text", "graph", "both")
N_PAIR_FEATS = 6


class PairDataError(KGStudioError):
    """The concept graph, pairs or labels given to the pair classifier are inconsistent."""


@dataclass
class PairConfig:
    """Hyper-parameters of :class:`PairClassifier` (saved with every result)."""

    mode: str = "both"          # "text" (MLP on text pairs) | "graph" (no text) | "both"
    hidden: int = 128           # width of node states and decoder
    layers: int = 2             # message-passing layers (graph modes)
    conv: str = "sage"          # "sage" (SAGEConv, mean) | "gat" (GATConv, 1 head)
    learned_dim: int = 64       # learned embedding per node: every node in mode "graph",
                                # featureless auxiliary nodes in mode "both"
    dropout: float = 0.3        # dropout on node states and in the decoder
    pair_feats: bool = True     # structural pair features in the decoder (graph modes)
    msg_keep: float = 0.7       # fraction of training positives used as message edges per epoch
    neg_ratio: float | None = 4.0  # negatives sampled per supervised positive per epoch (None: all)
    neg_sampling: str = "given"  # training/validation negatives: "given" (the labelled ones),
                                # "uniform" (random ordered pairs u != v that are not training
                                # positives, resampled every epoch; validation negatives drawn
                                # the same way), "mixed" (half given, half uniform; validation
                                # negatives given)
    lr: float = 3e-3            # AdamW learning rate
    weight_decay: float = 1e-4  # AdamW weight decay
    epochs: int = 300           # maximum epochs (full batch)
    patience: int = 60          # stop after this many epochs without a better validation AUC
    eval_every: int = 5         # validate every this many epochs
    val_frac: float = 0.15      # fraction of the training positives carved out for validation
    val_balance: bool = False   # validation negatives = validation positives (balanced test sets)
    val_group: bool = False     # carve validation by unordered pair {u, v} (split_validation(pairs=...)):
                                # for test files whose reversed-pair negatives sit with their positives
    ensemble: int = 1           # models with different seeds, probabilities averaged
    seed: int = 0               # seed of the validation split and of the first model
    device: str = "cpu"         # torch device

    def __post_init__(self):
        if self.mode not in MODES:
            raise PairDataError(f"PairConfig.mode = {self.mode!r}; use one of {', '.join(MODES)}")
        if self.conv not in ("sage", "gat"):
            raise PairDataError(f"PairConfig.conv = {self.conv!r}; use 'sage' or 'gat'")
        if self.neg_sampling not in ("given", "uniform", "mixed"):
            raise PairDataError(f"PairConfig.neg_sampling = {self.neg_sampling!r}; use 'given', "
                                "'uniform' or 'mixed'")
        if not 0.0 < self.msg_keep < 1.0:
            raise PairDataError(f"PairConfig.msg_keep = {self.msg_keep}; it must be in (0, 1)")


@dataclass
class ConceptGraph:
    """Concepts and what is known about them besides the labelled pairs.

    Args:
        names: one name per concept; pairs index into this list.
        text: ``(N, D)`` text vectors of the concepts (needed by modes "text" and "both").
        aux_nodes: other node types: name -> node count, or ``(n, D)`` feature array
            (features are used in mode "both" only; mode "graph" learns embeddings).
        aux_edges: ``(src_type, relation, dst_type) -> (2, E)`` int array; node type
            ``"concept"`` is allowed. Each relation gets a reverse relation automatically.
        pair_priors: name -> ``(N, N)`` sparse or dense matrix of unsupervised pair counts
            derived from the auxiliary graph (e.g. ``M C M^T``: courses mentioning u that
            are prerequisites of courses mentioning v). The decoder gets ``log1p`` of
            ``P[u, v]`` and ``P[v, u]`` for each (graph modes, with ``pair_feats``).
            They must not be computed from labelled pairs.
    """

    names: list[str]
    text: np.ndarray | None = None
    aux_nodes: dict[str, int | np.ndarray] = field(default_factory=dict)
    aux_edges: dict[tuple[str, str, str], np.ndarray] = field(default_factory=dict)
    pair_priors: dict[str, object] = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.names)
        if self.text is not None and len(self.text) != n:
            raise PairDataError(f"ConceptGraph.text has {len(self.text)} rows for {n} concept names")
        for name, m in list(self.pair_priors.items()):
            if m.shape != (n, n):
                raise PairDataError(f"pair prior {name!r} has shape {m.shape}, expected ({n}, {n})")
            self.pair_priors[name] = sp.csr_matrix(m, dtype=np.float32)
        for et, ei in self.aux_edges.items():
            ei = np.asarray(ei)
            if ei.ndim != 2 or ei.shape[0] != 2:
                raise PairDataError(f"aux edge type {et}: expected a (2, E) array, got shape {ei.shape}")
            for side, nt in ((0, et[0]), (1, et[2])):
                size = self.num_nodes(nt)
                if size is None:
                    raise PairDataError(f"aux edge type {et} names node type {nt!r}, which is neither "
                                        f"{CONCEPT!r} nor in aux_nodes {sorted(self.aux_nodes)}")
                if ei.size and (ei[side].min() < 0 or ei[side].max() >= size):
                    raise PairDataError(f"aux edge type {et}: {nt} index out of range 0..{size - 1}")
            if et[1] in ("requires", "rev_requires") and et[0] == et[2] == CONCEPT:
                raise PairDataError(f"aux relation name {et[1]!r} is reserved for the labelled pairs")

    def num_nodes(self, node_type: str) -> int | None:
        if node_type == CONCEPT:
            return len(self.names)
        v = self.aux_nodes.get(node_type)
        if v is None:
            return None
        return int(v) if np.ndim(v) == 0 else len(v)


# ---------------------------------------------------------------- helpers on pairs ---

def prf(labels: np.ndarray, pred: np.ndarray) -> tuple[float, float, float]:
    """Precision, recall, F1 of the positive class (0.0 where undefined;
    :func:`gnn.metrics.precision_recall_f1`).

    >>> prf(np.array([1, 1, 0, 0]), np.array([1, 0, 1, 0]))
    (0.5, 0.5, 0.5)
    """
    return precision_recall_f1(pred, labels)


def choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The decision threshold with the best F1 of the positive class on (validation) data.

    Candidates are midpoints between consecutive distinct scores; ties go to the higher
    threshold. Called by :class:`PairClassifier` with validation pairs only.
    """
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    if len(scores) == 0 or not labels.any():
        return 0.5
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    tp = np.cumsum(y)
    k = np.arange(1, len(s) + 1)
    f1 = 2 * tp / (k + y.sum())
    last = np.r_[s[1:] != s[:-1], True]       # cut only between distinct scores
    f1 = np.where(last, f1, -1.0)
    i = int(np.argmax(f1))
    return float((s[i] + s[i + 1]) / 2) if i + 1 < len(s) else float(s[i] - 1e-6)


def split_validation(labels: np.ndarray, frac: float, *, balance: bool = False,
                     seed: int = 0, pairs: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, val)`` of a stratified validation carve-out of training pairs.

    ``frac`` of the positives go to validation; with ``balance`` as many negatives as
    validation positives (for balanced test sets), else ``frac`` of the negatives.

    >>> tr, va = split_validation(np.array([1] * 10 + [0] * 90), 0.2, balance=True)
    >>> len(va), int(np.array([1] * 10 + [0] * 90)[va].sum()), len(tr)
    (4, 2, 96)
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    pos = rng.permutation(np.flatnonzero(labels == 1))
    neg = rng.permutation(np.flatnonzero(labels == 0))
    n_pos = max(1, int(round(frac * len(pos)))) if len(pos) > 1 else 0
    n_neg = min(len(neg), n_pos) if balance else int(round(frac * len(neg)))
    if pairs is not None:
        # grouped by unordered pair {u, v}: a validation positive takes the rows of its pair
        # (e.g. the negative (v, u)) along, and no validation negative is the reverse of a
        # positive left in training (its answer would sit in the known graph) -- as in test
        # files where the reversed negatives sit with their positives
        p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        key = np.minimum(p[:, 0], p[:, 1]) * (int(p.max(initial=0)) + 1) + np.maximum(p[:, 0], p[:, 1])
        vpos = pos[:n_pos]
        vkeys = set(key[vpos].tolist())
        pos_keys = set(key[labels == 1].tolist())
        partner = np.array([i for i in neg if key[i] in vkeys], dtype=np.int64)
        free = np.array([i for i in neg if key[i] not in pos_keys], dtype=np.int64)
        fill = free[:max(0, n_neg - len(partner))]
        val = np.sort(np.r_[vpos, partner, fill]).astype(np.int64)
        mask = np.ones(len(labels), dtype=bool)
        mask[val] = False
        return np.flatnonzero(mask), val
    val = np.sort(np.r_[pos[:n_pos], neg[:n_neg]])
    mask = np.ones(len(labels), dtype=bool)
    mask[val] = False
    return np.flatnonzero(mask), val


def sample_negatives(n: int, count: int, exclude: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(count, 2)`` ordered pairs ``u != v`` drawn uniformly, none of them in ``exclude`` (K, 2).

    >>> p = sample_negatives(3, 4, np.array([[0, 1], [1, 2]]), np.random.default_rng(0))
    >>> sorted({tuple(x) for x in p.tolist()} - {(0, 2), (1, 0), (2, 0), (2, 1)})
    []
    """
    bad = np.unique(np.asarray(exclude, dtype=np.int64).reshape(-1, 2) @ np.array([n, 1]))
    if n * (n - 1) - len(bad) <= 0:
        raise PairDataError("no pair is left to sample negatives from")
    out = np.zeros((0, 2), dtype=np.int64)
    while len(out) < count:
        m = 2 * (count - len(out)) + 16
        cand = rng.integers(0, n, size=(m, 2))
        cand = cand[(cand[:, 0] != cand[:, 1]) & ~np.isin(cand @ np.array([n, 1]), bad)]
        out = np.concatenate([out, cand])
    return out[:count]


def pair_features(n: int, edges: np.ndarray, pairs: np.ndarray, *, scale: float = 1.0) -> np.ndarray:
    """Structural features of ordered pairs in the directed graph ``edges`` (u -> v).

    Columns: ``u == v``, ``A[v, u]``, log1p of ``(A^2)[u, v]``, ``(A^2)[v, u]``,
    ``(A^T A)[u, v]`` (shared prerequisites), ``(A A^T)[u, v]`` (shared dependents).
    Counts are multiplied by ``scale**-2`` first (``scale`` = fraction of edges kept), so a
    subsampled graph estimates the counts of the full one.

    Shapes: ``edges`` (2, E), ``pairs`` (M, 2) -> (M, 6) float32.

    >>> pair_features(3, np.array([[0, 1], [1, 2]]), np.array([[0, 2], [2, 0], [1, 0]]))[:, :3]
    array([[0.       , 0.       , 0.6931472],
           [0.       , 0.       , 0.       ],
           [0.       , 1.       , 0.       ]], dtype=float32)
    """
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    u, v = pairs[:, 0], pairs[:, 1]
    e = np.asarray(edges, dtype=np.int64).reshape(2, -1)
    a = sp.csr_matrix((np.ones(e.shape[1], dtype=np.float32), (e[0], e[1])), shape=(n, n))
    a.data[:] = 1.0
    a.sum_duplicates()
    a.data = np.minimum(a.data, 1.0)
    at = a.T.tocsr()
    a2, ata, aat = a @ a, at @ a, a @ at

    def get(m, r, c):
        return np.asarray(m[r, c]).ravel().astype(np.float32)

    c = 1.0 / (scale * scale)
    return np.stack([
        (u == v).astype(np.float32),
        get(a, v, u),
        np.log1p(c * get(a2, u, v)),
        np.log1p(c * get(a2, v, u)),
        np.log1p(c * get(ata, u, v)),
        np.log1p(c * get(aat, u, v)),
    ], axis=1).astype(np.float32)


def _degree_features(n: int, edges: np.ndarray, scale: float) -> np.ndarray:
    """``(n, 2)``: log1p(out-degree / scale), log1p(in-degree / scale)."""
    out_d = np.bincount(edges[0], minlength=n) / scale
    in_d = np.bincount(edges[1], minlength=n) / scale
    return np.log1p(np.stack([out_d, in_d], axis=1)).astype(np.float32)


# ------------------------------------------------------------------------ the model ---

class PairModel(nn.Module):
    """Node encoder (text projection and/or heterogeneous GNN) plus pair decoder.

    Decoder: ``MLP([h_u, h_v, h_u * h_v, |h_u - h_v|, f_uv]) -> logit``.

    Shapes: node states ``(N, hidden)``; pairs ``(M, 2)``; pair features ``(M, 6)``;
    output ``(M,)`` logits.
    """

    def __init__(self, cfg: PairConfig, graph: ConceptGraph, n_evidence: int = 0):
        super().__init__()
        from torch_geometric.nn import GATConv, HeteroConv, SAGEConv

        self.cfg = cfg
        h = cfg.hidden
        self.use_text = cfg.mode in ("text", "both")
        self.use_graph = cfg.mode in ("graph", "both")
        if cfg.mode == "text":
            self.text_proj = nn.Linear(graph.text.shape[1], h)
        if self.use_graph:
            self.node_types = [CONCEPT] + sorted(graph.aux_nodes)
            self.emb = nn.ModuleDict()       # learned embeddings of featureless node types
            self.feat_proj = nn.ModuleDict()
            for nt in self.node_types:
                in_dim = 2 if nt == CONCEPT else 0                     # concept: degree features
                if self._learned(nt, graph):
                    self.emb[nt] = nn.Embedding(graph.num_nodes(nt), cfg.learned_dim)
                    nn.init.normal_(self.emb[nt].weight, std=0.1)
                    in_dim += cfg.learned_dim
                elif nt == CONCEPT:
                    in_dim += graph.text.shape[1]
                else:
                    in_dim += np.shape(graph.aux_nodes[nt])[1]
                self.feat_proj[nt] = nn.Linear(in_dim, h)
            self.edge_types = [REQ, REV_REQ]
            for (s, r, d) in sorted(graph.aux_edges):
                self.edge_types += [(s, r, d), (d, "rev_" + r, s)]

            def conv():
                if cfg.conv == "gat":
                    return GATConv((h, h), h, heads=1, add_self_loops=False)
                return SAGEConv((h, h), h, aggr="mean")

            self.convs = nn.ModuleList(
                HeteroConv({et: conv() for et in self.edge_types}, aggr="sum") for _ in range(cfg.layers))
            self.norms = nn.ModuleList(
                nn.ModuleDict({nt: nn.LayerNorm(h) for nt in self.node_types}) for _ in range(cfg.layers))
        self.drop = nn.Dropout(cfg.dropout)
        n_pf = (N_PAIR_FEATS + 2 * len(graph.pair_priors)) if (self.use_graph and cfg.pair_feats) else 0
        n_pf += n_evidence          # pair evidence tables given to PairClassifier.fit
        self.decoder = nn.Sequential(
            nn.Linear(4 * h + n_pf, 2 * h), nn.ReLU(), nn.Dropout(cfg.dropout),
            nn.Linear(2 * h, h), nn.ReLU(), nn.Linear(h, 1))

    def _learned(self, nt: str, graph: ConceptGraph) -> bool:
        """Whether node type ``nt`` gets a learned embedding instead of given features."""
        if self.cfg.mode == "graph":
            return True
        if nt == CONCEPT:
            return False            # mode "both": concepts are their text (plus structure)
        return np.ndim(graph.aux_nodes[nt]) != 2

    def encode(self, inputs: dict) -> Tensor:
        """Concept states ``(N, hidden)`` from the prepared inputs (see ``_inputs``)."""
        if self.use_graph:
            x = {}
            for nt in self.node_types:
                if nt in self.emb:
                    feats = [self.drop(self.emb[nt].weight)]
                elif nt == CONCEPT:
                    feats = [inputs["text"]]
                else:
                    feats = [inputs["aux_x"][nt]]
                if nt == CONCEPT:
                    feats.append(inputs["deg"])
                x[nt] = torch.relu(self.feat_proj[nt](torch.cat(feats, dim=1)))   # (n_nt, hidden)
            for conv, norms in zip(self.convs, self.norms):
                out = conv(x, inputs["edge_index"])
                x = {nt: x[nt] + self.drop(torch.relu(norms[nt](out[nt]))) if nt in out else x[nt]
                     for nt in x}
            return x[CONCEPT]
        return torch.relu(self.text_proj(inputs["text"]))                 # (N, hidden)

    def decode(self, h: Tensor, pairs: Tensor, pf: Tensor | None) -> Tensor:
        hu, hv = self.drop(h[pairs[:, 0]]), self.drop(h[pairs[:, 1]])   # (M, hidden) each
        z = [hu, hv, hu * hv, (hu - hv).abs()]
        if pf is not None:
            z.append(pf)
        return self.decoder(torch.cat(z, dim=1)).squeeze(-1)            # (M,)


# ------------------------------------------------------------------- the classifier ---

class PairClassifier:
    """Fit on labelled ordered pairs of a :class:`ConceptGraph`; score new pairs.

    ``fit(graph, pairs, labels)`` carves a validation set out of ``pairs`` (or takes
    ``val_pairs``/``val_labels``), trains ``cfg.ensemble`` models and sets ``threshold``
    from validation scores only. ``predict_proba(pairs)`` / ``predict(pairs)`` score pairs.
    After ``fit``: ``val_index`` (rows of ``pairs`` used for validation, or None),
    ``val_pairs``/``val_labels``/``val_scores`` (the validation set and its ensemble scores),
    ``history`` (per model: list of ``(epoch, loss, val_auc)``), ``val_f1``, ``fit_s``.
    """

    def __init__(self, config: PairConfig | None = None, *,
                 progress: Callable[[str], None] | None = None):
        self.cfg = config or PairConfig()
        self.progress = progress
        self.models: list[PairModel] = []
        self.threshold = 0.5
        self.val_index: np.ndarray | None = None
        self.history: list[list[tuple[int, float, float]]] = []
        self._evidence: tuple[np.ndarray, np.ndarray] | None = None
        self._predicting = False

    # -- data checks and tensors -----------------------------------------------------
    def _check(self, graph: ConceptGraph, pairs, labels=None):
        pairs = np.asarray(pairs, dtype=np.int64)
        if pairs.ndim != 2 or pairs.shape[1] != 2:
            raise PairDataError(f"pairs must have shape (M, 2), got {pairs.shape}")
        n = len(graph.names)
        bad = np.flatnonzero((pairs < 0).any(1) | (pairs >= n).any(1))
        if len(bad):
            raise PairDataError(f"pair row {bad[0]} = {pairs[bad[0]].tolist()} indexes outside "
                                f"the {n} concepts of the graph")
        if labels is not None:
            labels = np.asarray(labels)
            if len(labels) != len(pairs):
                raise PairDataError(f"{len(labels)} labels for {len(pairs)} pairs")
            odd = np.flatnonzero(~np.isin(labels, (0, 1)))
            if len(odd):
                raise PairDataError(f"label of pair row {odd[0]} is {labels[odd[0]]!r}; labels must be 0 or 1")
            labels = labels.astype(np.int64)
        return pairs, labels

    def _inputs(self, model: PairModel, msg_edges: np.ndarray, pairs: np.ndarray, scale: float) -> dict:
        """Tensors for one forward pass: message graph of ``msg_edges`` (2, E) plus aux."""
        g, dev, cfg = self.graph, self.cfg.device, self.cfg
        out: dict = {"pairs": torch.as_tensor(pairs, device=dev)}
        if model.use_text:
            out["text"] = self._text
        out["pf"] = None
        ev = None
        if self._evidence is not None:
            t = self._evidence[1] if self._predicting else self._evidence[0]
            ev = (t[pairs[:, 0], pairs[:, 1]] - self._ev_mean) / self._ev_std
            out["pf"] = torch.as_tensor(ev.astype(np.float32), device=dev)
        if model.use_graph:
            n = len(g.names)
            out["deg"] = torch.as_tensor(_degree_features(n, msg_edges, scale), device=dev)
            me = torch.as_tensor(msg_edges, dtype=torch.long, device=dev)
            ei = {REQ: me, REV_REQ: me.flip(0)}
            ei.update(self._aux_ei)
            out["edge_index"] = ei
            out["aux_x"] = self._aux_x if cfg.mode == "both" else {}
            if cfg.pair_feats:
                pf = [pair_features(n, msg_edges, pairs, scale=scale)]
                if g.pair_priors:
                    pf.append(self._prior_features(pairs))
                if ev is not None:
                    pf.append(ev.astype(np.float32))
                out["pf"] = torch.as_tensor(np.concatenate(pf, axis=1), device=dev)
        return out

    def _prior_features(self, pairs: np.ndarray) -> np.ndarray:
        """``(M, 2 * n_priors)``: log1p of ``P[u, v]`` and ``P[v, u]`` per pair prior."""
        u, v = pairs[:, 0], pairs[:, 1]
        cols = []
        for _, m in sorted(self.graph.pair_priors.items()):
            cols += [np.asarray(m[u, v]).ravel(), np.asarray(m[v, u]).ravel()]
        return np.log1p(np.stack(cols, axis=1)).astype(np.float32)

    def _forward(self, model: PairModel, inp: dict) -> Tensor:
        return model.decode(model.encode(inp), inp["pairs"], inp["pf"])

    # -- fitting -------------------------------------------------------------------------
    def fit(self, graph: ConceptGraph, pairs, labels, *, val_pairs=None, val_labels=None,
            evidence: tuple[np.ndarray, np.ndarray] | None = None) -> "PairClassifier":
        """Fit on labelled ordered pairs (validation carved out unless given).

        ``evidence``: optional pair evidence tables ``(fit_table, predict_table)``, each
        ``(N, N, k)`` (row u, column v), fed to the decoder beside the node states
        (standardised by the fit table's mean and deviation): ``fit_table`` computed from
        what is known while fitting (training positives minus the validation carve-out; a
        training pair's own edge left out), ``predict_table`` from all known positives.
        Resampled negatives read their evidence from the same table.
        """
        cfg = self.cfg
        self._evidence, self._predicting = None, False
        if evidence is not None:
            ft, pt = (np.asarray(t, dtype=np.float32) for t in evidence)
            n = len(graph.names)
            if ft.shape[:2] != (n, n) or pt.shape != ft.shape:
                raise PairDataError(f"evidence tables must be ({n}, {n}, k) each; got "
                                    f"{ft.shape} and {pt.shape}")
            flat = ft.reshape(-1, ft.shape[2])
            self._ev_mean = flat.mean(axis=0)
            self._ev_std = np.maximum(flat.std(axis=0), 1e-6)
            self._evidence = (ft, pt)
        if cfg.mode in ("text", "both") and graph.text is None:
            raise PairDataError(f"mode {cfg.mode!r} needs ConceptGraph.text; give text vectors "
                                "or use mode 'graph'")
        pairs, labels = self._check(graph, pairs, labels)
        if val_pairs is None:
            pairs_all, labels_all = pairs, labels
            tr, va = split_validation(labels, cfg.val_frac, balance=cfg.val_balance, seed=cfg.seed,
                                      pairs=pairs if cfg.val_group else None)
            self.val_index = va
            val_pairs, val_labels = pairs[va], labels[va]
            pairs, labels = pairs[tr], labels[tr]
            if cfg.neg_sampling == "uniform":
                # validation negatives drawn like the training ones (uniform non-positives)
                vp = val_pairs[val_labels == 1]
                n_neg = len(vp) if cfg.val_balance else int((val_labels == 0).sum())
                vn = sample_negatives(len(graph.names), n_neg, np.r_[pairs[labels == 1], vp],
                                      np.random.default_rng(cfg.seed + 7))
                back = va[val_labels == 0]                   # carved given negatives go back
                pairs, labels = np.r_[pairs, pairs_all[back]], np.r_[labels, labels_all[back]]
                val_pairs, val_labels = np.r_[vp, vn], np.r_[np.ones(len(vp)), np.zeros(len(vn))].astype(np.int64)
                self.val_pairs_sampled = val_pairs
        else:
            self.val_index = None
            val_pairs, val_labels = self._check(graph, val_pairs, val_labels)
        if labels.sum() < 2 or (labels == 0).sum() < 1:
            raise PairDataError("training pairs need at least 2 positives and 1 negative")
        self.graph = graph
        dev = cfg.device
        self._text = (torch.as_tensor(np.asarray(graph.text, dtype=np.float32), device=dev)
                      if graph.text is not None else None)
        self._aux_ei = {}
        for (s, r, d), ei in sorted(graph.aux_edges.items()):
            t = torch.as_tensor(np.asarray(ei, dtype=np.int64), device=dev)
            self._aux_ei[(s, r, d)] = t
            self._aux_ei[(d, "rev_" + r, s)] = t.flip(0)
        self._aux_x = {nt: torch.as_tensor(np.asarray(v, dtype=np.float32), device=dev)
                       for nt, v in graph.aux_nodes.items() if np.ndim(v) == 2}
        self._train_pos = pairs[labels == 1].T.copy()          # (2, P): message edges at prediction
        t0 = time.perf_counter()
        self.models, self.history = [], []
        val_scores = []
        for k in range(cfg.ensemble):
            model, hist, vs = self._fit_one(pairs, labels, val_pairs, val_labels, cfg.seed + k)
            self.models.append(model)
            self.history.append(hist)
            val_scores.append(vs)
        vs = np.mean(val_scores, axis=0)
        # kept so that a caller can blend this classifier with another one fitted on the
        # same validation pairs (benchmarks/prereq.py, mode "both")
        self.val_pairs, self.val_labels, self.val_scores = val_pairs, val_labels, vs
        self.threshold = choose_threshold(vs, val_labels)
        self.val_f1 = prf(val_labels, vs >= self.threshold)[2]
        self.val_auc = _auc(val_labels, vs)
        # at prediction time every training positive, validation ones included, is a message edge
        self._train_pos = np.concatenate([self._train_pos, val_pairs[val_labels == 1].T], axis=1)
        self.fit_s = time.perf_counter() - t0
        return self

    def _fit_one(self, pairs, labels, val_pairs, val_labels, seed):
        cfg = self.cfg
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed + 1000)
        n_ev = 0 if self._evidence is None else self._evidence[0].shape[2]
        model = PairModel(cfg, self.graph, n_ev).to(cfg.device)
        opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        pos = np.flatnonzero(labels == 1)
        neg = np.flatnonzero(labels == 0)
        all_pos_edges = pairs[pos].T
        val_inp = self._inputs(model, all_pos_edges, val_pairs, 1.0)
        best = (-1.0, None, None)
        hist, since = [], 0
        for epoch in range(1, cfg.epochs + 1):
            model.train()
            if model.use_graph:
                p = rng.permutation(pos)
                n_msg = int(round(cfg.msg_keep * len(p)))
                msg, sup_pos, scale = pairs[p[:n_msg]].T, p[n_msg:], cfg.msg_keep
            else:
                msg, sup_pos, scale = all_pos_edges[:, :0], pos, 1.0
            n_neg = len(neg) if cfg.neg_ratio is None else int(cfg.neg_ratio * len(sup_pos))
            n_uni = {"given": 0, "uniform": n_neg, "mixed": n_neg // 2}[cfg.neg_sampling]
            n_given = min(len(neg), n_neg - n_uni)
            given = neg if n_given >= len(neg) else rng.choice(neg, n_given, replace=False)
            uni = sample_negatives(len(self.graph.names), n_uni, pairs[pos], rng)
            sup_pairs = np.r_[pairs[sup_pos], pairs[given], uni]
            n_sup_neg = len(given) + len(uni)
            y = torch.as_tensor(np.r_[np.ones(len(sup_pos)), np.zeros(n_sup_neg)],
                                dtype=torch.float32, device=cfg.device)
            inp = self._inputs(model, msg, sup_pairs, scale)
            logits = self._forward(model, inp)
            # weight the classes equally whatever the sampling ratio
            w_pos = 0.5 * len(y) / max(1, len(sup_pos))
            w_neg = 0.5 * len(y) / max(1, n_sup_neg)
            w = torch.where(y > 0, torch.full_like(y, w_pos), torch.full_like(y, w_neg))
            loss = nn.functional.binary_cross_entropy_with_logits(logits, y, weight=w)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
                model.eval()
                with torch.no_grad():
                    vs = torch.sigmoid(self._forward(model, val_inp)).cpu().numpy()
                auc = _auc(val_labels, vs)
                hist.append((epoch, float(loss.detach()), auc))
                if self.progress:
                    self.progress(f"seed {seed} epoch {epoch}: loss {float(loss.detach()):.4f} val AUC {auc:.4f}")
                if auc > best[0] + 1e-6:
                    best, since = (auc, copy.deepcopy(model.state_dict()), vs), 0
                else:
                    since += cfg.eval_every
                    if since >= cfg.patience:
                        break
        model.load_state_dict(best[1])
        model.eval()
        return model, hist, best[2]

    # -- prediction ----------------------------------------------------------------------
    def predict_proba(self, pairs, *, evidence: np.ndarray | None = None) -> np.ndarray:
        """Probability that ``u`` is a prerequisite of ``v`` for each row ``(u, v)``; ``(M,)``.

        ``evidence``: another ``(N, N, k)`` evidence table to read instead of the predict
        table given to :meth:`fit` (e.g. the fit table, or one computed from a subsample of
        the known prerequisites as large as the one the model was fitted with, so that the
        evidence of scored pairs has the distribution the validation pairs had).
        """
        if not self.models:
            raise PairDataError("the pair classifier is not fitted; call fit() first")
        pairs, _ = self._check(self.graph, pairs)
        saved = self._evidence
        if evidence is not None:
            if saved is None:
                raise PairDataError("predict_proba(evidence=...) needs a classifier fitted with evidence")
            evidence = np.asarray(evidence, dtype=np.float32)
            if evidence.shape != saved[1].shape:
                raise PairDataError(f"evidence table has shape {evidence.shape}, expected {saved[1].shape}")
            self._evidence = (saved[0], evidence)
        out = []
        self._predicting = True
        try:
            with torch.no_grad():
                for model in self.models:
                    inp = self._inputs(model, self._train_pos, pairs, 1.0)
                    out.append(torch.sigmoid(self._forward(model, inp)).cpu().numpy())
        finally:
            self._predicting = False
            self._evidence = saved
        return np.mean(out, axis=0)

    def predict(self, pairs) -> np.ndarray:
        """0/1 decisions at the validation-chosen ``threshold``; ``(M,)``."""
        return (self.predict_proba(pairs) >= self.threshold).astype(np.int64)

    def config_dict(self) -> dict:
        return asdict(self.cfg)


def _auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """ROC AUC (:func:`gnn.metrics.roc_auc`); 0.5 when one class is missing."""
    v = roc_auc(scores, labels)
    return 0.5 if math.isnan(v) else v


# ------------------------------------------------- pair evidence for plain classifiers ---
#
# Feature blocks that put what a graph knows about *ordering* beside the text pair
# features of a plain classifier (``benchmarks/prereq.py``, modes ``sk_*``). Each takes
# ordered pairs ``(M, 2)`` (u prerequisite of v) and returns ``(M, k)`` float32.

def text_pair_features(x: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """``[x_u, x_v, x_u * x_v, |x_u - x_v|]`` of text vectors ``x`` (N, D) -> (M, 4D).

    >>> text_pair_features(np.array([[1., 0.], [0., 2.]]), np.array([[0, 1]])).tolist()
    [[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 1.0, 2.0]]
    """
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    a, b = x[p[:, 0]], x[p[:, 1]]
    return np.concatenate([a, b, a * b, np.abs(a - b)], axis=1).astype(np.float32)


def refd_features(mention: sp.spmatrix, pairs: np.ndarray) -> np.ndarray:
    """RefD-style reference distance over documents (Liang et al. 2015, with documents --
    course descriptions, lecture titles, sections -- in place of Wikipedia links).

    ``mention`` is the (N concepts, D documents) 0/1 matrix "document mentions concept".
    For a pair ``(u, v)``: ``ref(v -> u)`` = fraction of the documents mentioning ``v``
    that also mention ``u``; ``ref(u -> v)`` likewise. Columns: ``ref(v -> u)``,
    ``ref(u -> v)``, ``RefD = ref(v -> u) - ref(u -> v)`` (> 0: what is about ``v`` keeps
    referring to ``u`` more than the reverse, so ``u`` is more likely ``v``'s
    prerequisite), ``log1p`` of the documents mentioning ``u`` and ``v``.

    >>> m = sp.csr_matrix(np.array([[1, 1, 1], [0, 1, 1]]))   # concept 0 in all docs
    >>> [round(float(x), 3) for x in refd_features(m, np.array([[0, 1]]))[0, :3]]
    [1.0, 0.667, 0.333]
    """
    m = sp.csr_matrix(mention, dtype=np.float32)
    m.data[:] = 1.0
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    u, v = p[:, 0], p[:, 1]
    cnt = np.asarray(m.sum(axis=1)).ravel()
    co = np.asarray((m[u].multiply(m[v])).sum(axis=1)).ravel()
    r_vu = np.where(cnt[v] > 0, co / np.maximum(cnt[v], 1), 0.0)
    r_uv = np.where(cnt[u] > 0, co / np.maximum(cnt[u], 1), 0.0)
    return np.stack([r_vu, r_uv, r_vu - r_uv, np.log1p(cnt[u]), np.log1p(cnt[v])],
                    axis=1).astype(np.float32)


def name_containment(names: list[str], pairs: np.ndarray) -> np.ndarray:
    """``(M, 2)``: ``u``'s name occurs (``kg.labels``: whole words, case-insensitive, plurals) in
    ``v``'s name ("tree" in "binary search tree": ``u`` is likely needed for ``v``), and
    the reverse. The text a benchmark concept has is its name, so this is "does A's text
    mention B".

    >>> name_containment(["tree", "binary search tree"], np.array([[0, 1], [1, 0]])).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    clean = [re.sub(r"[\s_]+", " ", re.sub(r"\s*\([^)]*\)\s*$", "", n)).strip() for n in names]
    matcher = LabelMatcher({i: [n] for i, n in enumerate(clean) if n})
    inside: dict[int, set] = {}

    def has(a: int, b: int) -> float:        # a's name in b's name
        if a == b:
            return 0.0
        if b not in inside:
            inside[b] = matcher.concepts(clean[b], overlapping=True)
        return float(a in inside[b])

    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return np.array([[has(u, v), has(v, u)] for u, v in p.tolist()], dtype=np.float32).reshape(-1, 2)


def order_features(mention: sp.spmatrix, doc_pos: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Reading-order evidence: where each concept is first and usually met.

    ``doc_pos`` (D, K): K positions of each document in a reading order, in [0, 1] (e.g.
    the lecture's place in its course, the course's level); NaN where unknown. Per
    concept and column: the earliest (first use) and the mean position over the documents
    that mention it. Columns per position column: ``first_v - first_u``, ``mean_v -
    mean_u`` (> 0: ``u`` is met earlier), then ``known_u``, ``known_v`` (the concept is
    mentioned by a document with a known position; differences are 0 otherwise).

    >>> m = sp.csr_matrix(np.array([[1, 0], [0, 1]]))
    >>> [round(float(x), 2) for x in order_features(m, np.array([[0.2], [0.8]]), np.array([[0, 1]]))[0]]
    [0.6, 0.6, 1.0, 1.0]
    """
    m = sp.csr_matrix(mention, dtype=np.float32)
    m.data[:] = 1.0
    pos = np.asarray(doc_pos, dtype=np.float64).reshape(m.shape[1], -1)
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    u, v = p[:, 0], p[:, 1]
    n, k = m.shape[0], pos.shape[1]
    first = np.full((n, k), np.nan)
    avg = np.full((n, k), np.nan)
    for c in range(n):
        docs = m.indices[m.indptr[c]:m.indptr[c + 1]]
        if len(docs):
            col = pos[docs]
            with np.errstate(all="ignore"):
                ok = ~np.isnan(col)
                first[c] = np.where(ok.any(0), np.nanmin(np.where(ok, col, np.inf), 0), np.nan)
                avg[c] = np.where(ok.any(0), np.nansum(col, 0) / np.maximum(ok.sum(0), 1), np.nan)
    known = ~np.isnan(first).all(1)
    cols = []
    for j in range(k):
        both = ~np.isnan(first[u, j]) & ~np.isnan(first[v, j])
        cols += [np.where(both, first[v, j] - first[u, j], 0.0), np.where(both, avg[v, j] - avg[u, j], 0.0)]
    cols += [known[u].astype(float), known[v].astype(float)]
    return np.stack(cols, axis=1).astype(np.float32)


def known_graph_features(n: int, pos_pairs: np.ndarray, pairs: np.ndarray, *,
                         self_in_graph: np.ndarray | None = None) -> np.ndarray:
    """Transitivity and acyclicity evidence of the known prerequisites ``pos_pairs``
    (K, 2): the columns of :func:`pair_features` plus log1p out-/in-degree of ``u`` and
    ``v``. ``self_in_graph`` (M,) bool marks pairs that are themselves edges of the known
    graph (training positives): their own edge is left out of the degrees, so a training
    pair looks like a new pair does at prediction time (the other columns never count
    the pair's own edge).
    """
    e = np.asarray(pos_pairs, dtype=np.int64).reshape(-1, 2)
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    e = np.unique(e, axis=0) if len(e) else e
    f = pair_features(n, e.T, p)
    out_d = np.bincount(e[:, 0], minlength=n).astype(np.float64)
    in_d = np.bincount(e[:, 1], minlength=n).astype(np.float64)
    own = np.zeros(len(p)) if self_in_graph is None else np.asarray(self_in_graph, dtype=float)
    u, v = p[:, 0], p[:, 1]
    deg = np.stack([out_d[u] - own, in_d[u], out_d[v], in_d[v] - own], axis=1)
    return np.concatenate([f, np.log1p(np.maximum(deg, 0))], axis=1).astype(np.float32)


def similar_edge_table(x: np.ndarray, pos_pairs: np.ndarray, *, top: int = 3, knn: int = 10) -> np.ndarray:
    """:func:`similar_edge_features` of every ordered pair at once: ``(N, N, 15)`` float32
    (row ``u``, column ``v``), vectorised per concept."""
    z = np.asarray(x, dtype=np.float32)
    z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-9)
    n = len(z)
    s = np.maximum(z @ z.T, 0.0)
    # a concept is not its own neighbour: -1 marks "not comparable" and is left out of the
    # statistics (so a known pair's own edge is absent, as it is for a new pair)
    np.fill_diagonal(s, -1.0)
    e = np.asarray(pos_pairs, dtype=np.int64).reshape(-1, 2)
    e = np.unique(e, axis=0) if len(e) else e
    k = max(int(top), 1)
    fwd = np.zeros((n, n, 6), dtype=np.float32)

    def top_stats(vals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:   # (R, C) -> max, mean of top k
        if vals.shape[1] == 0:
            z0 = np.zeros(vals.shape[0], dtype=np.float32)
            return z0, z0
        t = np.sort(vals, axis=1)[:, -k:]
        ok = t >= 0
        cnt = ok.sum(axis=1)
        return (np.where(ok[:, -1], t[:, -1], 0.0),
                np.where(cnt > 0, (t * ok).sum(axis=1) / np.maximum(cnt, 1), 0.0))

    if len(e):      # s[v, v'] over edges u' -> v', "not comparable" where u' is v itself
        sv = s[:, e[:, 1]].copy()
        sv[e[:, 0], np.arange(len(e))] = -1.0
    for c in range(n):
        pre = e[e[:, 1] == c, 0] if len(e) else e[:0, 0]
        fwd[:, c, 0], fwd[:, c, 1] = top_stats(s[:, pre])           # u like a prerequisite of v=c
        dep = e[e[:, 0] == c, 1] if len(e) else e[:0, 0]
        fwd[c, :, 2], fwd[c, :, 3] = top_stats(s[:, dep])           # v like a dependent of u=c
        if len(e):           # some known u'->v' like (c, v), neither end of it being c or v
            su = np.where(e[:, 1] == c, -1.0, s[c, e[:, 0]])        # (E,)
            fwd[c, :, 4], fwd[c, :, 5] = top_stats(np.minimum(su[None, :], sv))
    rev = fwd.transpose(1, 0, 2)[:, :, [0, 2, 4]]
    # smooth votes: each concept's ``knn`` nearest neighbours (row-normalised similarity,
    # never itself) carry the known adjacency A: S A (u's neighbours require... v), A S^T
    # and S A S^T, log1p-scaled, and the reverse pair's
    a = np.zeros((n, n), dtype=np.float32)
    if len(e):
        a[e[:, 0], e[:, 1]] = 1.0
    np.fill_diagonal(s, 0.0)
    m = min(int(knn), n - 1)
    sk = np.zeros_like(s)
    if m > 0:
        idx = np.argpartition(-s, m - 1, axis=1)[:, :m]
        rows = np.arange(n)[:, None]
        sk[rows, idx] = s[rows, idx]
        sk /= np.maximum(sk.sum(axis=1, keepdims=True), 1e-9)
    sa, ast = sk @ a, a @ sk.T
    sas = sa @ sk.T - sk * a.T * sk.T     # without the edge between the pair's own two ends
    votes = np.stack([sa, ast, np.maximum(sas, 0.0)], axis=2)
    votes = np.log1p(10.0 * votes)
    return np.concatenate([fwd, rev, votes, votes.transpose(1, 0, 2)], axis=2)


def similar_edge_features(x: np.ndarray, pos_pairs: np.ndarray, pairs: np.ndarray, *,
                          top: int = 3, knn: int = 10) -> np.ndarray:
    """Evidence from *similar* known prerequisites (a nearest-neighbour reading of the known
    graph): is ``u`` like a known prerequisite of ``v``, is ``v`` like a known dependent of
    ``u``, and is some known edge ``u' -> v'`` like the pair on both sides?

    ``x`` (N, D) text vectors (cosine similarity, negatives as 0; a concept is never its own
    neighbour, and no column reads the edge between ``u`` and ``v`` themselves in the
    direction asked, so a known pair looks like a new one), ``pos_pairs`` (K, 2)
    known prerequisites (u before v). Columns: max and mean of the ``top`` largest
    ``sim(u, w)`` over the known prerequisites ``w`` of ``v``; the same for ``sim(w, v)``
    over the known dependents ``w`` of ``u``; max and mean-of-top of ``min(sim(u, u'),
    sim(v, v'))`` over known edges ``u' -> v'``; then the three maxima for the reversed pair
    ``(v, u)`` (does the known graph say the order is the other way?); then smooth votes of
    the ``knn`` nearest neighbours (row-normalised similarity ``S``, never the concept
    itself): ``log1p(10 x)`` of ``(S A)[u, v]`` (u's neighbours are known prerequisites of
    v), ``(A S^T)[u, v]`` (u is a known prerequisite of v's neighbours), ``(S A S^T)[u, v]``,
    and the three for ``(v, u)`` (M, 15 in all). 0 where there is nothing to compare.

    >>> x = np.array([[1., 0.], [.9, .1], [0., 1.]])
    >>> f = similar_edge_features(x, np.array([[1, 2]]), np.array([[0, 2], [2, 0]]))
    >>> [round(float(a), 2) for a in f[0, :2]], [round(float(a), 2) for a in f[1, 6:9]]
    ([0.99, 0.99], [0.99, 0.0, 0.0])
    """
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return similar_edge_table(x, pos_pairs, top=top, knn=knn)[p[:, 0], p[:, 1]]


def closure_table(n: int, pos_pairs: np.ndarray) -> np.ndarray:
    """Transitive-closure evidence of every ordered pair from the known prerequisites
    ``pos_pairs`` (K, 2): ``(N, N, 4)`` float32, row ``u``, column ``v``.

    Columns: ``1 / d2(u, v)`` where ``d2`` is the length of the shortest chain of known
    prerequisites from ``u`` to ``v`` *other than the edge u -> v itself* (a chain of two or
    more; 0 when there is none), ``1 / d(v, u)`` (shortest chain the other way, the direct
    reverse edge included: the known graph says the order is reversed), and the two 0/1
    "there is such a chain" flags. A known pair's own edge is never read, so a known pair
    looks like a new one (exact also where the pair lies on a cycle: those pairs are
    recomputed with their edge removed). :func:`pair_features` counts chains of length 2
    only; this reads any length.

    >>> t = closure_table(4, np.array([[0, 1], [1, 2], [2, 3], [0, 3]]))
    >>> [round(float(x), 3) for x in t[0, 3]], [round(float(x), 3) for x in t[3, 0]]
    ([0.333, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 1.0])
    """
    from scipy.sparse.csgraph import connected_components, shortest_path

    e = np.asarray(pos_pairs, dtype=np.int64).reshape(-1, 2)
    e = e[e[:, 0] != e[:, 1]]
    e = np.unique(e, axis=0) if len(e) else e
    a = sp.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n)) if len(e) else sp.csr_matrix((n, n))
    d = shortest_path(a, method="D", directed=True, unweighted=True)          # (N, N), inf: none
    fwd2 = np.full((n, n), np.inf)
    for u in range(n):
        succ = a.indices[a.indptr[u]:a.indptr[u + 1]]
        if len(succ):
            m = 1.0 + d[succ]                                             # (s, N): via w, then w ~> v
            m[np.arange(len(succ)), succ] = np.inf                        # w == v: the edge u -> v itself
            fwd2[u] = m.min(axis=0)
    fwd2[np.arange(n), np.arange(n)] = np.inf
    # where u lies on a cycle, the chain w ~> v may pass through u -> v again: recompute
    # those known edges exactly on the graph without their edge
    if len(e):
        _, comp = connected_components(a, directed=True, connection="strong")
        sizes = np.bincount(comp)
        for u, v in e[sizes[comp[e[:, 0]]] > 1].tolist():
            b = a.tolil(copy=True)
            b[u, v] = 0
            b = b.tocsr()
            b.eliminate_zeros()
            fwd2[u, v] = shortest_path(b, method="D", directed=True, unweighted=True, indices=u)[v]
    rev = d.T.copy()                                                      # rev[u, v] = d(v, u)
    rev[np.arange(n), np.arange(n)] = np.inf
    with np.errstate(divide="ignore"):
        f = np.stack([np.where(np.isfinite(fwd2), 1.0 / fwd2, 0.0), np.where(np.isfinite(rev), 1.0 / rev, 0.0),
                      np.isfinite(fwd2), np.isfinite(rev)], axis=2)
    return f.astype(np.float32)


def closure_features(n: int, pos_pairs: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """:func:`closure_table` of the ordered ``pairs`` (M, 2) -> (M, 4)."""
    p = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return closure_table(n, pos_pairs)[p[:, 0], p[:, 1]]
