"""Training the teacher: split, combined loss, full-batch (or neighbour-sampled) steps,
validation, checkpoints, resume, curves.

Split (:func:`gnn.splits.make_split`). ``T.RandomLinkSplit(edge_types=..., rev_edge_types=...)`` over
every forward edge type of the graph, seeded by ``TeacherConfig.seed``: a validation or
test edge is removed from the message-passing graph together with its reverse edge, so a
held-out edge never leaks back. Every epoch a fresh share ``disjoint_train_ratio`` of the
training edges is taken out of the message-passing graph (with its reverse) and becomes
that step's supervision, so the model predicts edges it cannot see, and over the epochs
every training edge serves as a target (a disjoint split redrawn each epoch, which
matters when prerequisite labels are few). Prerequisite
labels that are graph edges (``requires``, ``precedes`` reversed: :func:`gnn.data.prereq_edge_types`)
take the split of their edge; the other labels (decisions, weak text labels) and the node
labels are split at random with the same ratios. Validation and test prerequisite
negatives are fixed once: every positive reversed (``B requires A`` for ``A requires B``:
the direction matters), plus random pairs from the same curriculum, plus known negatives
(rejected decisions). :attr:`Split.fingerprint` hashes the split so an evaluation can check
it re-created the same one.

Loss (one optimiser step per epoch when full-batch; formula with the config's weights)::

    L = w_link * mean_r BCE(link_r)                       (a) every relation r, fresh
                                                              random negatives each epoch
      + w_prereq * weighted BCE(prerequisite pairs)       (b) gold/decision weight 1,
                                                              weak labels weak_weight
      + w_node * mean_(task, type) CE(node labels)         (c) Bloom, difficulty, level

Device: CUDA when present (``device="auto"``) with bf16 autocast, else CPU. Mini-batches
(``batch="mini"``) use ``LinkNeighborLoader`` / ``NeighborLoader``, which need pyg-lib or
torch-sparse (the optional extra ``kgstudio[scale]``); without them a clear
:class:`TrainError` says so. Several processes: :mod:`gnn.ddp` (each rank takes every
``world``-th supervision pair; gradients are averaged by DDP).

Outputs in ``out_dir`` (``models/teacher`` of a workspace): ``teacher.pt`` (best weights on
validation), ``last.pt`` (resumable), ``metrics.json``, ``curves.png``,
``test-predictions.tsv`` (every scored test pair with its IRIs, label and score). ``last.pt``
is rewritten in place every ``checkpoint_every`` epochs; the finished run's files are
written to a new folder that replaces ``out_dir`` in one step (:func:`kg.atomic.atomic_dir`),
so a kill leaves the previous teacher and its metrics whole.

Limitations: the validation score that picks the best epoch is the prerequisite AUC when
there are prerequisite labels, else the mean link AUC; resuming continues the same split
but not the same random stream, so a resumed run is not bit-identical to an uninterrupted
one.
"""
from __future__ import annotations

import copy
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gnn.checkpoint import CheckpointMismatch, load_checkpoint, save_checkpoint, write_json
from gnn.config import MODEL_FIELDS, SMALL_GRAPH_EDGES, TeacherConfig
from gnn.data import TeacherData
from gnn.errors import TrainError
from gnn.evaluate import evaluate_split, split_metrics, split_scores, write_predictions
from gnn.metrics import plain
from gnn.model import TeacherModel, autocast
from gnn.splits import SPLITS, PairSet, Split, _drop_known, _group_sampler, _random_in_group, make_split
from kg.atomic import atomic_dir, atomic_path, clean_litter
from kg.hetero import edge_types

__all__ = ["TrainError", "PairSet", "Split", "TrainResult", "make_split", "train_teacher",
           "evaluate_split", "pick_device", "minibatch_available", "plot_curves",
           "write_predictions", "build_model"]

Log = Callable[[str], None]


# ---- model, device ------------------------------------------------------------------------------

def model_meta(td: TeacherData, split: Split) -> dict:
    nt, et = td.data.metadata()
    return {"node_types": list(nt), "edge_types": [list(e) for e in et],
            "in_dims": {t: int(td.data[t].x.shape[1]) for t in nt},
            "link_types": [list(e) for e in split.link_types],
            "node_tasks": {n: {"classes": list(t.classes), "node_types": sorted(t.y)}
                           for n, t in td.node_tasks.items()},
            "prereq_types": sorted({t for s in SPLITS for t in split.prereq[s]}),
            "feature_layout": list(td.feature_layout), "embedding_model": td.embedding_model,
            "group_names": list(td.group_names)}


def build_model(cfg: TeacherConfig, meta: dict) -> TeacherModel:
    return TeacherModel(cfg, (meta["node_types"], [tuple(e) for e in meta["edge_types"]]),
                        meta["in_dims"], [tuple(e) for e in meta["link_types"]],
                        {k: len(v["classes"]) for k, v in meta["node_tasks"].items()})


def pick_device(cfg: TeacherConfig, local_rank: int = 0) -> torch.device:
    if cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise TrainError("--device cuda asked for, but torch sees no CUDA device (torch "
                             f"{torch.__version__}); use --device cpu")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    return torch.device("cpu")


def minibatch_available() -> bool:
    """True when pyg-lib or torch-sparse is importable (neighbour sampling works)."""
    import torch_geometric.typing as tg
    return bool(tg.WITH_PYG_LIB or tg.WITH_TORCH_SPARSE)


# ---- loss -------------------------------------------------------------------------------------

class _Objective(nn.Module):
    """The whole combined loss inside ``forward`` (so DDP sees every parameter used)."""

    def __init__(self, model: TeacherModel, cfg: TeacherConfig):
        super().__init__()
        self.model = model
        self.cfg = cfg

    def forward(self, x_dict: dict[str, Tensor], sup: dict) -> tuple[Tensor, dict[str, float]]:
        cfg, m = self.cfg, self.model
        dev0 = next(iter(x_dict.values())).device
        h = m(x_dict, {et: ei.to(dev0) for et, ei in sup["edge_index"].items()})
        dev = next(iter(h.values())).device
        parts: dict[str, Tensor] = {}
        ll = []
        for et, (pairs, y) in sup["link"].items():
            logit = m.link_logits(h, et, pairs.to(dev))
            ll.append(F.binary_cross_entropy_with_logits(logit.float(), y.to(dev)))
        if ll:
            parts["link"] = torch.stack(ll).mean()
        pl, pw = [], []
        for nt, (pairs, y, w) in sup["prereq"].items():
            logit = m.prereq_pairs(h, nt, pairs.to(dev))
            pl.append(F.binary_cross_entropy_with_logits(logit.float(), y.to(dev), reduction="none")
                      * w.to(dev))
            pw.append(w.to(dev))
        if pl:
            parts["prereq"] = torch.cat(pl).sum() / torch.cat(pw).sum().clamp_min(1e-9)
        nl = []
        for (task, nt), (idx, y) in sup["node"].items():
            logit = m.node_logits(h, task, nt)[idx.to(dev)]
            nl.append(F.cross_entropy(logit.float(), y.to(dev)))
        if nl:
            parts["node"] = torch.stack(nl).mean()
        zero = sum(p.sum() for p in m.parameters()) * 0.0   # keeps every parameter in the graph
        loss = zero + sum((getattr(cfg, f"w_{k}") * v for k, v in parts.items()), torch.zeros((), device=dev))
        return loss, {k: float(v.detach()) for k, v in parts.items()}


def _supervision(td: TeacherData, split: Split, cfg: TeacherConfig, gen: torch.Generator,
                 rank: int = 0, world: int = 1, samplers: dict | None = None) -> dict:
    """This epoch's message-passing edges and training pairs (shard ``rank`` of ``world``).

    Returns ``{"edge_index": {edge type: (2, E')}, "link": {et: (pairs, y)},
    "prereq": {node type: (pairs, y, w)}, "node": {(task, type): (rows, y)}}``: a share
    ``disjoint_train_ratio`` of every training edge type leaves the message-passing graph
    (with its reverse) and is this step's positives; negatives are drawn afresh.
    """
    g = split.train
    fwd, rev = edge_types(g)
    sup: dict = {"edge_index": {}, "link": {}, "prereq": {}, "node": {}}
    held: dict[tuple, Tensor] = {}
    for et, rt in zip(fwd, rev):
        ei = g[et].edge_index
        m = torch.rand(ei.shape[1], generator=gen) < cfg.disjoint_train_ratio
        if cfg.disjoint_train_ratio > 0 and ei.shape[1] and not m.any():
            m[torch.randint(ei.shape[1], (1,), generator=gen)] = True
        held[et] = ei[:, m]
        sup["edge_index"][et] = ei[:, ~m]
        sup["edge_index"][rt] = ei[:, ~m].flip(0)
    k = max(1, int(round(cfg.neg_ratio)))
    for et in split.link_types:
        p = held[et][:, rank::world]
        if not p.shape[1]:
            continue
        n_dst = g[et[2]].num_nodes
        neg = torch.stack([p[0].repeat(k), torch.randint(n_dst, (p.shape[1] * k,), generator=gen)])
        sup["link"][et] = (torch.cat([p, neg], 1),
                           torch.cat([torch.ones(p.shape[1]), torch.zeros(neg.shape[1])]))
    gold: dict[str, list[Tensor]] = defaultdict(list)
    for et, flip in split.gold:
        gold[et[0]].append(held[et].flip(0) if flip else held[et])
    empty = PairSet(torch.zeros((2, 0), dtype=torch.long), torch.zeros(0, dtype=torch.long),
                    torch.zeros(0), torch.zeros((2, 0), dtype=torch.long))
    for nt in sorted(set(split.prereq["train"]) | set(gold)):
        ps = split.prereq["train"].get(nt, empty)
        n = td.data[nt].num_nodes
        gp = torch.cat(gold[nt], 1) if gold.get(nt) else torch.zeros((2, 0), dtype=torch.long)
        p = torch.cat([gp, ps.pos], 1)[:, rank::world]
        w = torch.cat([torch.ones(gp.shape[1]), ps.w])[rank::world]
        negs = [ps.neg[:, rank::world]]
        if p.shape[1]:
            if cfg.reverse_negatives:
                negs.append(p.flip(0))
            sampler = samplers[nt] if samplers and nt in samplers else _group_sampler(td.group(nt))
            negs.append(_random_in_group(p[0].repeat(k), sampler, gen))
        q = _drop_known(torch.cat(negs, 1), split.train_pos.get(nt), n)
        if not (p.shape[1] + q.shape[1]):
            continue
        sup["prereq"][nt] = (torch.cat([p, q], 1),
                             torch.cat([torch.ones(p.shape[1]), torch.zeros(q.shape[1])]),
                             torch.cat([w, torch.ones(q.shape[1])]))
    for task, per in split.node_split.items():
        for nt, code in per.items():
            idx = (code == 0).nonzero().view(-1)[rank::world]
            if idx.numel():
                sup["node"][(task, nt)] = (idx, td.node_tasks[task].y[nt][idx])
    return sup


def _selection(m: dict) -> float:
    for k in ("val_prereq_auc", "val_link_auc"):
        v = m.get(k)
        if v is not None and not math.isnan(v):
            return float(v)
    return -math.inf


def plot_curves(curve: list[dict], path: Path) -> None:
    """PNG of the training curve: losses (left) and validation scores (right) per epoch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    ep = [r["epoch"] for r in curve]
    for k in ("loss", "link", "prereq", "node"):
        if any(k in r for r in curve):
            a.plot(ep, [r.get(k, math.nan) for r in curve], label=k)
    a.set_xlabel("epoch"); a.set_ylabel("training loss"); a.set_yscale("log")
    for k in ("val_prereq_auc", "val_prereq_ap", "val_link_auc"):
        pts = [(r["epoch"], r[k]) for r in curve if k in r and r[k] is not None and not math.isnan(r[k])]
        if pts:
            b.plot(*zip(*pts), label=k)
    b.set_xlabel("epoch"); b.set_ylabel("validation"); b.set_ylim(0, 1)
    for ax in (a, b):
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
    fig.suptitle("kgstudio teacher")
    fig.tight_layout()
    try:
        with atomic_path(path, keep_suffix=True) as tmp:
            fig.savefig(tmp, dpi=100)
    finally:
        plt.close(fig)


# ---- training ---------------------------------------------------------------------------------

@dataclass
class TrainResult:
    model: TeacherModel
    metrics: dict
    curve: list[dict]
    split: Split
    epoch_seconds: float            # mean wall time of a training step (validation excluded)
    checkpoint: Path | None = None
    sha256: str | None = None
    files: list[Path] = field(default_factory=list)


def train_teacher(td: TeacherData, cfg: TeacherConfig, *, out_dir: str | Path | None = None,
                  resume: bool = False, progress: bool = False, log: Log | None = None,
                  rank: int = 0, world: int = 1, local_rank: int = 0) -> TrainResult:
    """Train (or resume) the teacher on ``td``; see the module docstring.

    ``out_dir``: where checkpoints, metrics, curves and predictions go (None: nowhere).
    ``rank``/``world``: set by :mod:`gnn.ddp` (torch.distributed already initialised).
    """
    threads = torch.get_num_threads()
    want = cfg.threads
    if not want and pick_device(cfg, local_rank).type == "cpu":
        n_edges = sum(int(td.data[et].edge_index.shape[1]) for et in td.data.edge_types)
        want = 1 if n_edges < SMALL_GRAPH_EDGES else 0
    if want:
        torch.set_num_threads(want)
    try:
        return _train(td, cfg, out_dir, resume, progress, log, rank, world, local_rank)
    finally:
        torch.set_num_threads(threads)


#: Files of a teacher folder that belong to one trained teacher and are made after the
#: run (saved embeddings, ``evaluate-teacher`` output): a new run drops them.
RUN_DERIVED = ("embeddings.pt", "eval.json", "eval-predictions.tsv")


def _train(td, cfg, out_dir, resume, progress, log, rank, world, local_rank) -> TrainResult:
    say = log if (log and rank == 0) else (lambda _m: None)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None and rank == 0:
        clean_litter(out)             # temporaries of killed runs
    start_epoch, curve, best_state, best_score, stale = 0, [], None, -math.inf, 0
    ck = None
    if resume:
        if out is None:
            raise TrainError("resume needs an output folder holding last.pt")
        ck = load_checkpoint(out / "last.pt")
        ck._check_hash(td.graph_hash)
        for f in MODEL_FIELDS + ("seed", "val_ratio", "test_ratio", "disjoint_train_ratio"):
            if getattr(ck.config, f) != getattr(cfg, f):
                raise CheckpointMismatch(f"{out / 'last.pt'}: cannot resume with {f}={getattr(cfg, f)!r}, "
                                         f"the run was started with {getattr(ck.config, f)!r}")
        start_epoch, curve, best_score, stale = ck.epoch, ck.curve, ck.best_score or -math.inf, ck.stale
        best_state = ck.best_state
    if cfg.batch == "mini" and world > 1:
        raise TrainError("mini-batch training runs in one process; use batch='full' with torchrun")
    if cfg.batch == "mini" and not minibatch_available():
        raise TrainError("mini-batch training needs pyg-lib or torch-sparse for neighbour "
                         "sampling, and neither is installed: install the optional extra with "
                         "`pip install --no-build-isolation 'kgstudio[scale]'` (builds "
                         "torch-scatter + torch-sparse, about 20 minutes on 2 cores), or train "
                         "full-batch (batch='full', the default)")
    device = pick_device(cfg, local_rank)
    split = make_split(td, cfg)
    if ck is not None:
        ck.check_split(split)
    if not (split.link_types or split.prereq["train"] or split.gold or split.node_split):
        raise TrainError("nothing to train on: no edges with supervision and no labels")
    meta = model_meta(td, split)
    torch.manual_seed(cfg.seed)
    model = build_model(cfg, meta)
    if ck is not None:
        model.load_state_dict(ck.state_dict)
    model.to(device)
    objective: nn.Module = _Objective(model, cfg)
    if world > 1:
        from torch.nn.parallel import DistributedDataParallel as DDP
        objective = DDP(objective, device_ids=[device.index] if device.type == "cuda" else None)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if ck is not None and ck.optimizer:
        opt.load_state_dict(ck.optimizer)
    say(f"teacher: {cfg.arch}, {sum(p.numel() for p in model.parameters())} parameters, device "
        f"{device}{' x' + str(world) if world > 1 else ''}, epochs {start_epoch}->{cfg.epochs}, "
        f"{len(split.link_types)} link types, prerequisite types {sorted(split.known_pos)}, "
        f"node tasks {sorted(split.node_split)}")
    train_g = split.train.to(device)
    gen = torch.Generator().manual_seed(cfg.seed * 1009 + rank * 7919 + start_epoch)
    torch.manual_seed(cfg.seed + 31 * start_epoch + rank)
    samplers = {nt: _group_sampler(td.group(nt)) for nt in split.known_pos}
    bar = None
    if progress and rank == 0:
        from tqdm import tqdm
        bar = tqdm(total=cfg.epochs, initial=start_epoch, desc="teacher", unit="epoch", leave=False)
    step_times: list[float] = []
    for epoch in range(start_epoch, cfg.epochs):
        t0 = time.perf_counter()
        objective.train()
        if cfg.batch == "mini":
            loss_v, parts = _minibatch_epoch(model, objective, opt, td, split, cfg, gen, device, rank, world)
        else:
            sup = _supervision(td, split, cfg, gen, rank, world, samplers)
            opt.zero_grad(set_to_none=True)
            with autocast(device, cfg):
                loss, parts = objective(train_g.x_dict, sup)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            loss_v = float(loss.detach())
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        step_times.append(time.perf_counter() - t0)
        row = {"epoch": epoch + 1, "loss": loss_v, **parts, "seconds": round(step_times[-1], 4)}
        if (epoch + 1) % cfg.eval_every == 0 or epoch + 1 == cfg.epochs:
            val = split_metrics(split_scores(model, split, "val", device), td, "val", None)
            row.update({k: v for k, v in val.items() if not isinstance(v, dict)})
            score = _selection(val)
            if score > best_score:
                best_score, stale = score, 0
                best_state = copy.deepcopy({k: v.detach().cpu() for k, v in model.state_dict().items()})
            else:
                stale += 1
        curve.append(row)
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{loss_v:.3f}", val=f"{row.get('val_prereq_auc', row.get('val_link_auc', math.nan)):.3f}")
        if out is not None and rank == 0 and (epoch + 1) % cfg.checkpoint_every == 0:
            _save_last(out, cfg, meta, model, opt, td, split, curve, epoch + 1, best_state, best_score, stale)
        if cfg.patience and stale >= cfg.patience:
            say(f"no better validation score for {stale} evaluations: stopping at epoch {epoch + 1}")
            break
    if bar is not None:
        bar.close()
    done = curve[-1]["epoch"] if curve else start_epoch
    if best_state is None:
        best_state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    final = build_model(cfg, meta)
    final.load_state_dict(best_state)
    metrics, preds = evaluate_split(final, td, split, cfg, device)
    epoch_s = sum(step_times) / len(step_times) if step_times else math.nan
    metrics.update({"epochs": done, "epoch_seconds": epoch_s, "device": str(device), "world": world,
                    "best_val_score": best_score, "data": td.summary()})
    result = TrainResult(final.cpu().eval(), metrics, curve, split, epoch_s)
    if out is not None and rank == 0:
        # everything the run makes goes to a new folder that replaces out in one step, so a
        # kill never pairs a new teacher.pt with the old metrics.json (or the reverse)
        with atomic_dir(out, keep_others=True, drop=RUN_DERIVED) as new:
            _save_last(new, cfg, meta, model, opt, td, split, curve, done, best_state, best_score, stale)
            sha = save_checkpoint(new / "teacher.pt", config=cfg, meta=meta, state_dict=best_state,
                                  graph_hash=td.graph_hash, graphs=td.graphs, metrics=plain(metrics),
                                  curve=curve, epoch=done, split_fingerprint=split.fingerprint,
                                  best_score=best_score)
            write_json(new / "metrics.json", {**plain(metrics), "checkpoint_sha256": sha})
            write_predictions(new / "test-predictions.tsv", preds)
            try:
                plot_curves(curve, new / "curves.png")
            except ImportError:       # matplotlib is optional: the studio draws metrics.json
                say("no curves.png: matplotlib is not installed (pip install 'kgstudio[plots]'); "
                    "metrics.json holds the curve")
        result.checkpoint, result.sha256 = out / "teacher.pt", sha
        result.files = [out / n for n in ("teacher.pt", "last.pt", "metrics.json", "curves.png",
                                          "test-predictions.tsv") if (out / n).exists()]
    return result


def _save_last(out, cfg, meta, model, opt, td, split, curve, epoch, best_state, best_score, stale):
    save_checkpoint(out / "last.pt", config=cfg, meta=meta,
                    state_dict={k: v.detach().cpu() for k, v in model.state_dict().items()},
                    graph_hash=td.graph_hash, graphs=td.graphs, curve=curve, epoch=epoch,
                    split_fingerprint=split.fingerprint, optimizer=opt.state_dict(),
                    best_state=best_state, best_score=best_score if math.isfinite(best_score) else None,
                    stale=stale)


# ---- mini-batches (kgstudio[scale]) -------------------------------------------------------------

def _minibatch_epoch(model, objective, opt, td, split, cfg, gen, device, rank, world):
    """One epoch of neighbour-sampled mini-batches: ``LinkNeighborLoader`` over each
    supervised edge type and each prerequisite pair set, ``NeighborLoader`` over labelled
    nodes. Pairs travel as ``edge_label`` = their row in this epoch's supervision, so
    targets and weights are looked up after sampling."""
    from torch_geometric.loader import LinkNeighborLoader, NeighborLoader
    sup = _supervision(td, split, cfg, gen, rank, world)
    g = copy.copy(split.train)
    for et, ei in sup["edge_index"].items():     # this epoch's targets are out of the graph
        g[et].edge_index = ei
    nn_ = {et: list(cfg.num_neighbors) for et in g.edge_types}
    total, parts_sum, steps = 0.0, defaultdict(float), 0

    def step(batch, loss_fn):
        nonlocal total, steps
        batch = batch.to(device)
        opt.zero_grad(set_to_none=True)
        with autocast(device, cfg):
            h = model(batch.x_dict, batch.edge_index_dict)
            loss, name = loss_fn(batch, h)
        loss.backward()
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        total += float(loss.detach())
        parts_sum[name] += float(loss.detach())
        steps += 1

    for et, (pairs, y) in sup["link"].items():
        loader = LinkNeighborLoader(g, num_neighbors=nn_, edge_label_index=(et, pairs),
                                    edge_label=torch.arange(pairs.shape[1]), batch_size=cfg.batch_size,
                                    shuffle=True)
        for batch in loader:
            def fn(b, h, et=et, y=y):
                rows = b[et].edge_label.cpu()
                logit = model.link_logits(h, et, b[et].edge_label_index)
                return cfg.w_link * F.binary_cross_entropy_with_logits(logit.float(), y[rows].to(logit.device)), "link"
            step(batch, fn)
    for nt, (pairs, y, w) in sup["prereq"].items():
        et = (nt, "__prereq__", nt)
        loader = LinkNeighborLoader(g, num_neighbors=nn_, edge_label_index=(et, pairs),
                                    edge_label=torch.arange(pairs.shape[1]), batch_size=cfg.batch_size,
                                    shuffle=True)
        for batch in loader:
            def fn(b, h, et=et, nt=nt, y=y, w=w):
                rows = b[et].edge_label.cpu()
                logit = model.prereq_pairs(h, nt, b[et].edge_label_index)
                ww = w[rows].to(logit.device)
                l = (F.binary_cross_entropy_with_logits(logit.float(), y[rows].to(logit.device),
                                                        reduction="none") * ww).sum() / ww.sum()
                return cfg.w_prereq * l, "prereq"
            step(batch, fn)
    for (task, nt), (idx, y) in sup["node"].items():
        loader = NeighborLoader(g, num_neighbors=nn_, input_nodes=(nt, idx), batch_size=cfg.batch_size,
                                shuffle=True)
        lookup = torch.full((g[nt].num_nodes,), -1, dtype=torch.long)
        lookup[idx] = y
        for batch in loader:
            def fn(b, h, task=task, nt=nt):
                n_seed = b[nt].batch_size
                yy = lookup[b[nt].n_id[:n_seed].cpu()].to(h[nt].device)
                return cfg.w_node * F.cross_entropy(model.node_logits(h, task, nt)[:n_seed].float(), yy), "node"
            step(batch, fn)
    return total / max(steps, 1), {k: v for k, v in parts_sum.items()}


def compare_architectures(td: TeacherData, archs=("sage", "hgt", "rgcn"), **overrides) -> dict:
    """Validation score, test metrics and seconds per epoch of each architecture on ``td``
    (same split, same seed): how the default of :mod:`gnn.model` was chosen."""
    out = {}
    for arch in archs:
        cfg = TeacherConfig(**{**overrides, "arch": arch})
        r = train_teacher(td, cfg)
        out[arch] = {"val_score": r.metrics["best_val_score"], "epoch_seconds": r.epoch_seconds,
                     **{k: v for k, v in r.metrics.items()
                        if k in ("val_prereq_auc", "test_prereq_auc", "test_prereq_f1", "val_link_auc",
                                 "test_link_auc")}}
    return out
