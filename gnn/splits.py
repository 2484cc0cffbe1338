"""The teacher's data split: which edges pass messages, which supervise, which are held
out for validation and test, and the fixed negatives of the held-out prerequisite pairs.

``T.RandomLinkSplit(edge_types=..., rev_edge_types=...)`` over every forward edge type (a
held-out edge never leaks through its reverse), prerequisite labels split by pair with
fixed negatives drawn in the same curriculum group, node labels split by node. The split
is deterministic for ``cfg.seed`` (:func:`make_split`) and has a fingerprint that a
checkpoint keeps, so a resumed or evaluated run can check that it sees the same split.
"""
from __future__ import annotations

import hashlib
import math
import random
import warnings
from collections import defaultdict
from dataclasses import dataclass, field

import torch
import torch_geometric.transforms as T
from torch import Tensor
from torch_geometric.data import HeteroData

from gnn.config import TeacherConfig
from gnn.data import LABEL_KINDS, TeacherData, prereq_edge_types
from gnn.errors import TrainError
from kg.hetero import edge_types

__all__ = ["SPLITS", "PairSet", "Split", "make_split"]

SPLITS = ("train", "val", "test")
_WEAK = {LABEL_KINDS.index("weak-order"), LABEL_KINDS.index("weak-definition")}


@dataclass
class PairSet:
    """Prerequisite pairs of one node type in one split: ``pos`` (2, P) with ``kind`` (P,)
    and loss weights ``w`` (P,); ``neg`` (2, Q): fixed negatives (val/test) or the known
    negatives (train; random ones are added every epoch)."""

    pos: Tensor
    kind: Tensor
    w: Tensor
    neg: Tensor

    def to(self, device) -> "PairSet":
        return PairSet(self.pos.to(device), self.kind.to(device), self.w.to(device), self.neg.to(device))


@dataclass
class Split:
    train: HeteroData                     # message-passing edges + training supervision edges
    val: HeteroData
    test: HeteroData
    link_types: list[tuple]               # forward edge types with training supervision
    prereq: dict[str, dict[str, PairSet]]  # split -> node type -> pairs
    node_split: dict[str, dict[str, Tensor]]  # task -> node type -> (N,) 0 train / 1 val / 2 test / -1
    known_pos: dict[str, Tensor]          # node type -> sorted keys a * N + b of every positive
    known_neg: dict[str, Tensor]          # node type -> keys of known negatives
    train_pos: dict[str, Tensor]          # node type -> keys of the training positives only
                                          # (training negatives avoid these, not held-out ones)
    gold: list = field(default_factory=list)  # prerequisite edge types (prereq_edge_types)
    fingerprint: str = ""


def _keys(pairs: Tensor, n: int) -> Tensor:
    return pairs[0] * n + pairs[1]


def _drop_known(pairs: Tensor, known: Tensor | None, n: int) -> Tensor:
    if known is None or known.numel() == 0 or pairs.numel() == 0:
        return pairs
    return pairs[:, ~torch.isin(_keys(pairs, n), known)]


def _group_sampler(groups: Tensor):
    """Index structures to draw a random node from the same group (curriculum) as another."""
    g = groups.clone()
    g[g < 0] = int(g.max().item()) + 1 if g.numel() else 0
    _uniq, inverse, counts = torch.unique(g, return_inverse=True, return_counts=True)
    order = torch.argsort(inverse, stable=True)
    starts = torch.cumsum(counts, 0) - counts
    return inverse, order, starts, counts


def _random_in_group(a: Tensor, sampler, gen: torch.Generator) -> Tensor:
    """For each node in ``a``, a random node of its group -> pairs (2, len(a))."""
    inverse, order, starts, counts = sampler
    ga = inverse[a.cpu()]
    r = (torch.rand(a.numel(), generator=gen) * counts[ga]).long().clamp_max(counts[ga] - 1)
    b = order[starts[ga] + r]
    pairs = torch.stack([a.cpu(), b])
    return pairs[:, pairs[0] != pairs[1]]


def make_split(td: TeacherData, cfg: TeacherConfig) -> Split:
    """Deterministic split of edges and labels (module docstring); ``cfg.seed`` fixes it."""
    data = td.data
    fwd, rev = edge_types(data)
    if not fwd:
        raise TrainError("the graph has no edges between typed nodes: nothing to learn from")
    py_state = random.getstate()      # PyG's negative sampling also draws from `random`
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        random.seed(cfg.seed)
        tr = T.RandomLinkSplit(num_val=cfg.val_ratio, num_test=cfg.test_ratio, is_undirected=False,
                               edge_types=fwd, rev_edge_types=rev, add_negative_train_samples=False,
                               neg_sampling_ratio=cfg.neg_ratio, disjoint_train_ratio=0.0)
        try:
            with warnings.catch_warnings():   # dense tiny edge types (8 chapters, 1 book)
                warnings.filterwarnings("ignore", message="There are not enough negative edges")
                train, val, test = tr(data)
        finally:
            random.setstate(py_state)
    gen = torch.Generator().manual_seed(cfg.seed)
    link_types = [et for et in fwd if train[et].edge_label_index.shape[1] > 0]

    # prerequisite positives per split and node type
    pos: dict[str, dict[str, list]] = {s: defaultdict(list) for s in SPLITS}
    negk: dict[str, dict[str, list]] = {s: defaultdict(list) for s in SPLITS}
    for et, flip in prereq_edge_types(data):
        nt = et[0]
        kind = LABEL_KINDS.index("precedes" if flip else "requires")
        for name, d in zip(SPLITS, (train, val, test)):
            eli, el = d[et].edge_label_index, d[et].edge_label
            p = eli[:, el == 1]
            if flip:
                p = p.flip(0)
            pos[name][nt].append((p, torch.full((p.shape[1],), kind, dtype=torch.long)))
    for nt, lab in sorted(td.extra_prereq.items()):
        for tensor, kinds, store in ((lab.pos, lab.kind, pos), (lab.neg, None, negk)):
            n = tensor.shape[1]
            if not n:
                continue
            perm = torch.randperm(n, generator=gen)
            n_test, n_val = int(round(n * cfg.test_ratio)), int(round(n * cfg.val_ratio))
            parts = {"test": perm[:n_test], "val": perm[n_test:n_test + n_val],
                     "train": perm[n_test + n_val:]}
            for name, idx in parts.items():
                if kinds is None:
                    store[name][nt].append(tensor[:, idx])
                else:
                    store[name][nt].append((tensor[:, idx], kinds[idx]))

    types = sorted(set().union(*[set(pos[s]) for s in SPLITS], *[set(negk[s]) for s in SPLITS]))
    known_pos, known_neg, train_pos = {}, {}, {}
    for nt in types:
        n = data[nt].num_nodes
        allp = [p for s in SPLITS for p, _k in pos[s].get(nt, [])]
        known_pos[nt] = torch.unique(_keys(torch.cat(allp, 1), n)) if allp else torch.zeros(0, dtype=torch.long)
        trp = [p for p, _k in pos["train"].get(nt, [])]
        train_pos[nt] = torch.unique(_keys(torch.cat(trp, 1), n)) if trp else torch.zeros(0, dtype=torch.long)
        alln = [q for s in SPLITS for q in negk[s].get(nt, [])]
        known_neg[nt] = torch.unique(_keys(torch.cat(alln, 1), n)) if alln else torch.zeros(0, dtype=torch.long)

    prereq: dict[str, dict[str, PairSet]] = {s: {} for s in SPLITS}
    for name in SPLITS:
        for nt in types:
            n = data[nt].num_nodes
            ps = pos[name].get(nt, [])
            p = torch.cat([x for x, _ in ps], 1) if ps else torch.zeros((2, 0), dtype=torch.long)
            k = torch.cat([y for _, y in ps]) if ps else torch.zeros(0, dtype=torch.long)
            w = torch.ones(k.shape[0])
            w[torch.isin(k, torch.tensor(sorted(_WEAK)))] = cfg.weak_weight
            q = negk[name].get(nt, [])
            q = torch.cat(q, 1) if q else torch.zeros((2, 0), dtype=torch.long)
            if name != "train" and p.shape[1]:
                fixed = [q]
                if cfg.reverse_negatives:
                    fixed.append(p.flip(0))
                n_rand = int(math.ceil(p.shape[1] * cfg.neg_ratio))
                if n_rand:
                    src = p[0].repeat(int(math.ceil(cfg.neg_ratio)))[:n_rand]
                    fixed.append(_random_in_group(src, _group_sampler(td.group(nt)), gen))
                q = _drop_known(torch.cat(fixed, 1), known_pos[nt], n)
                q = q[:, _unique_cols(_keys(q, n))]
            if p.shape[1] or q.shape[1]:
                prereq[name][nt] = PairSet(p, k, w, q)

    node_split: dict[str, dict[str, Tensor]] = {}
    for task, nt_y in sorted(td.node_tasks.items()):
        node_split[task] = {}
        for nt, y in sorted(nt_y.y.items()):
            code = torch.full_like(y, -1)
            idx = (y >= 0).nonzero().view(-1)
            perm = idx[torch.randperm(idx.numel(), generator=gen)]
            n_test = int(round(idx.numel() * cfg.test_ratio))
            n_val = int(round(idx.numel() * cfg.val_ratio))
            code[perm[:n_test]] = 2
            code[perm[n_test:n_test + n_val]] = 1
            code[perm[n_test + n_val:]] = 0
            node_split[task][nt] = code

    # the gold training positives are drawn from the edge masks every epoch (_supervision)
    for nt, ps in prereq["train"].items():
        keep = ps.kind >= LABEL_KINDS.index("decision")
        prereq["train"][nt] = PairSet(ps.pos[:, keep], ps.kind[keep], ps.w[keep], ps.neg)
    split = Split(train, val, test, link_types, prereq, node_split, known_pos, known_neg,
                  train_pos, gold=prereq_edge_types(data))
    split.fingerprint = _fingerprint(split)
    return split


def _unique_cols(keys: Tensor) -> Tensor:
    """Indices of the first occurrence of each key, in order."""
    if keys.numel() == 0:
        return torch.zeros(0, dtype=torch.long)
    uniq, inv = torch.unique(keys, return_inverse=True)
    first = torch.full((uniq.numel(),), keys.numel(), dtype=torch.long)
    first.scatter_reduce_(0, inv, torch.arange(keys.numel()), reduce="amin")
    return torch.sort(first).values


def _fingerprint(split: Split) -> str:
    h = hashlib.sha256()
    for name, d in zip(SPLITS, (split.train, split.val, split.test)):
        for et in sorted(split.link_types):
            h.update(f"{name}{et}".encode())
            h.update(d[et].edge_label_index.numpy().tobytes())
        for et in sorted(d.edge_types):
            h.update(f"{name}{et}mp".encode())
            h.update(d[et].edge_index.numpy().tobytes())
        for nt, ps in sorted(split.prereq[name].items()):
            h.update(f"{name}{nt}".encode())
            h.update(ps.pos.numpy().tobytes())
            h.update(ps.neg.numpy().tobytes())
    for task, per in sorted(split.node_split.items()):
        for nt, code in sorted(per.items()):
            h.update(f"{task}{nt}".encode())
            h.update(code.numpy().tobytes())
    return h.hexdigest()
