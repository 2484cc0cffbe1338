"""Distillation of the GNN teacher into the student: the loss and the trainer.

The loss (Hinton et al. 2015 for the temperature-scaled KL; FitNets, Romero et al. 2015,
for matching hidden states through a learned projection)::

    L = CE(text)
      + alpha * T^2 * mean_{(a,b)} KL( Bern(sigmoid(z_t(a,b) / T)) || Bern(sigmoid(z_s(a,b) / T)) )
      + beta  * mean_{nodes k} ( 1 - cos( W h_k , e_k ) )

* CE: token cross-entropy of the target text (placeholders included), padding ignored.
* z_t(a, b) = logit of the teacher's P(a requires b) for the focus a and each concept
  neighbour b of the input, both directions; z_s(a, b) the student's auxiliary head on the
  pooled encoder states of the two nodes' spans (:meth:`StudentModel.prereq_logits`).
  ``T^2`` keeps the gradient scale of the soft term independent of T.
* h_k: the mean encoder state over node k's span, W: a learned projection to the teacher's
  width D, e_k: the teacher's embedding of node k.
* With a copy head (``copy_head``), ``+ copy_supervision * L_copy``: the supervised switch
  and copy attention of :func:`generation.student.model.copy_supervision` (a text term,
  kept in the no-distillation ablation too).
* Weights (``StudentConfig`` defaults): alpha = 0.5, beta = 0.5, T = 2. alpha = beta = 0
  is the no-distillation ablation (same budget, same data).

Trainer: AdamW, linear warm-up then linear decay (over the steps or the time budget,
whichever ends first), gradient clipping; pairs split by focus
concept into train and validation (``val_ratio``), the validation loss picks the best
weights (``student.pt``); ``last.pt`` is written every ``checkpoint_every`` steps and at the
end, and ``resume=True`` continues from it with the same data order (seeded per epoch).
The tokenizer, ``student.pt`` and ``metrics.json`` of a run go to a new folder that
replaces ``models/student`` in one step when the run ends (:func:`kg.atomic.atomic_dir`):
a run killed midway, even after it trained another tokenizer, leaves the previous
student generating.
CUDA when present (``device="auto"``). Progress through a tqdm bar.
"""
from __future__ import annotations

import math
import os
import random
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor
from tqdm import tqdm

from generation.config import MODEL_FIELDS, StudentConfig
from generation.student.checkpoint import load_student_checkpoint, save_student, student_dir
from generation.student.model import StudentModel, count_params
from generation.student.pairs import (Example, attach_teacher, build_examples, corpus_texts, curriculum_pairs,
                                      gather_evidence)
from generation.student.tokenizer import StudentTokenizer
from gnn.checkpoint import CheckpointError, write_json
from kg.atomic import atomic_dir, atomic_write, clean_litter
from kg.errors import KGStudioError
from kg.neighbourhood import snapshot

__all__ = ["distillation_loss", "collate", "train_student", "split_by_focus", "pick_device",
           "configure_threads",
           "DistillError", "TrainResult", "distill_workspace"]

Log = Callable[[str], None]


class DistillError(KGStudioError):
    """Distillation cannot run (no pairs, no teacher when one is required, bad resume)."""


def configure_threads(cfg: StudentConfig, threads: int | None = None) -> int:
    """Set torch's CPU threads: ``threads`` (else ``cfg.threads``) when above 0; for 0
    (auto), one thread when the CPUs are already busy (1-minute load average at or above
    the core count), else torch's default. Measured on a 2-core machine under load 10: a
    training step took 4 s on one thread and 16-25 s on two, which thrash. Returns the count."""
    n = threads if threads else cfg.threads
    if not n:
        try:
            busy = os.getloadavg()[0] >= (os.cpu_count() or 1)
        except OSError:
            busy = False
        if not busy:
            return torch.get_num_threads()
        n = 1
    torch.set_num_threads(n)
    return n


def pick_device(cfg: StudentConfig) -> torch.device:
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise DistillError("device cuda asked for, but torch sees no CUDA device; use --device cpu or auto")
    if cfg.device == "cuda" or (cfg.device == "auto" and torch.cuda.is_available()):
        return torch.device("cuda")
    return torch.device("cpu")


# ---- batches -----------------------------------------------------------------------------

def collate(examples: Sequence[Example], teacher_dim: int = 0) -> dict[str, Tensor]:
    """Pad a list of examples into tensors.

    Returns ``input_ids``/``attention_mask`` (B, L), ``labels`` (B, T) (0 = pad),
    ``span_mask`` (B, N, L), ``pair_index`` (P, 3) rows (b, a, c) with ``pair_target`` (P,)
    the teacher's P(a requires c), and ``emb_index`` (M, 2) rows (b, k) with
    ``emb_target`` (M, D) the teacher's embeddings.
    """
    B = len(examples)
    L = max(len(e.lin.ids) for e in examples)
    T = max(len(e.target_ids) for e in examples)
    N = max(len(e.lin.spans) for e in examples)
    ids = torch.zeros((B, L), dtype=torch.long)
    att = torch.zeros((B, L), dtype=torch.long)
    lab = torch.zeros((B, T), dtype=torch.long)
    spans = torch.zeros((B, N, L))
    pidx, ptgt, eidx, etgt = [], [], [], []
    for b, e in enumerate(examples):
        ids[b, :len(e.lin.ids)] = torch.tensor(e.lin.ids)
        att[b, :len(e.lin.ids)] = 1
        lab[b, :len(e.target_ids)] = torch.tensor(e.target_ids)
        for k, (s, t) in enumerate(e.lin.spans):
            spans[b, k, s:t] = 1.0
        for a, c, p in e.teacher_pairs:
            pidx.append((b, a, c))
            ptgt.append(p)
        if teacher_dim:
            for k, v in e.teacher_emb:
                if len(v) == teacher_dim:
                    eidx.append((b, k))
                    etgt.append(v)
    return {"input_ids": ids, "attention_mask": att, "labels": lab, "span_mask": spans,
            "pair_index": torch.tensor(pidx, dtype=torch.long).reshape(-1, 3),
            "pair_target": torch.tensor(ptgt, dtype=torch.float).reshape(-1),
            "emb_index": torch.tensor(eidx, dtype=torch.long).reshape(-1, 2),
            "emb_target": (torch.tensor(etgt, dtype=torch.float).reshape(-1, teacher_dim) if teacher_dim
                           else torch.zeros((0, 0)))}


def distillation_loss(model: StudentModel, batch: dict[str, Tensor], cfg: StudentConfig) -> dict[str, Tensor]:
    """The loss of the module docstring on one batch.

    Returns ``total``, ``ce``, ``kl``, ``cos`` and ``copy`` (scalars; ``kl``/``cos`` are 0
    when the batch has no teacher targets or the weight is 0; ``copy`` is the copy head's
    supervision, :func:`generation.student.model.copy_supervision`, 0 without a copy head).
    """
    out = model(batch["input_ids"], batch["attention_mask"], labels=batch["labels"],
                span_mask=batch["span_mask"])
    ce = out["lm_loss"]
    zero = ce.new_zeros(())
    kl = cos = zero
    T = cfg.temperature
    if cfg.alpha > 0 and batch["pair_index"].numel():
        b, a, c = batch["pair_index"].unbind(-1)                                  # (P,) each
        spans = out["spans"]                                                      # (B, N, d)
        z_s = model.prereq_logits(spans[b, a], spans[b, c]) / T                   # (P,)
        p_t = batch["pair_target"].clamp(1e-6, 1 - 1e-6)
        pt = torch.sigmoid(torch.logit(p_t) / T)                                  # (P,) softened teacher
        kl = (pt * (torch.log(pt) - F.logsigmoid(z_s))
              + (1 - pt) * (torch.log1p(-pt) - F.logsigmoid(-z_s))).mean()
    if cfg.beta > 0 and batch["emb_index"].numel() and "proj" in out:
        b, k = batch["emb_index"].unbind(-1)                                      # (M,) each
        cos = (1 - F.cosine_similarity(out["proj"][b, k], batch["emb_target"], dim=-1)).mean()
    cp = out["copy_loss"] if "copy_loss" in out and cfg.copy_supervision > 0 else zero
    total = ce + cfg.alpha * T * T * kl + cfg.beta * cos + cfg.copy_supervision * cp
    return {"total": total, "ce": ce.detach(), "kl": kl.detach(), "cos": cos.detach(),
            "copy": cp.detach()}


def split_by_focus(examples: Sequence[Example], val_ratio: float, seed: int,
                   val_focus: Sequence[str] | None = None) -> tuple[list[Example], list[Example], list[str]]:
    """Train/validation split by focus concept (never by sentence): a concept's pairs are
    all on one side. ``val_focus`` reuses a saved split (resuming)."""
    foci = sorted({e.pair.focus for e in examples})
    if val_focus is None:
        rng = random.Random(seed)
        n_val = int(round(len(foci) * val_ratio)) if len(foci) > 1 else 0
        val_focus = sorted(rng.sample(foci, n_val))
    vs = set(val_focus)
    return ([e for e in examples if e.pair.focus not in vs],
            [e for e in examples if e.pair.focus in vs], list(val_focus))


@dataclass
class TrainResult:
    model: StudentModel
    metrics: dict
    curve: list[dict] = field(default_factory=list)
    best_state: dict | None = None
    seconds: float = 0.0


def _copy_state(model) -> dict:
    """A CPU copy of the state dict that keeps tied tensors tied (T5's shared embedding
    appears under four names: copied once, the checkpoint stays a quarter smaller)."""
    memo: dict[int, Tensor] = {}
    out = {}
    for k, t in model.state_dict().items():
        key = t.data_ptr()
        if key not in memo:
            memo[key] = t.detach().cpu().clone()
        out[k] = memo[key]
    return out


def _batches(n: int, bs: int, seed: int, epoch: int) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed * 1_000_003 + epoch).shuffle(order)
    return [order[i:i + bs] for i in range(0, n, bs)]


@torch.no_grad()
def _evaluate(model, examples, cfg, teacher_dim, device) -> dict[str, float]:
    model.eval()
    sums = {"total": 0.0, "ce": 0.0, "kl": 0.0, "cos": 0.0}
    n = 0
    for i in range(0, len(examples), cfg.batch_size):
        chunk = examples[i:i + cfg.batch_size]
        batch = {k: v.to(device) for k, v in collate(chunk, teacher_dim).items()}
        losses = distillation_loss(model, batch, cfg)
        for k in sums:
            sums[k] += float(losses[k]) * len(chunk)
        n += len(chunk)
    model.train()
    return {k: v / max(n, 1) for k, v in sums.items()}


def train_student(train: Sequence[Example], val: Sequence[Example], model: StudentModel,
                  cfg: StudentConfig, *, save: Callable[..., None] | None = None,
                  state: dict | None = None, progress: bool = False, log: Log | None = None) -> TrainResult:
    """Optimise ``model`` on ``train`` (module docstring).

    Args:
        save: ``save(kind, model, optimizer_state, step, curve, best_state, best_score,
            metrics)`` with kind ``"last"`` (resumable) or ``"best"``; None writes nothing.
        state: a resumed run's ``{"step", "optimizer", "curve", "best_state", "best_score"}``.
    """
    log = log or (lambda m: None)
    if not train:
        raise DistillError("no training pairs: the curriculum has no definitions, section texts "
                           "or review questions linked to concepts")
    configure_threads(cfg)
    device = pick_device(cfg)
    torch.manual_seed(cfg.seed)
    model.to(device).train()
    teacher_dim = model.teacher_dim
    steps_per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = cfg.max_steps or cfg.epochs * steps_per_epoch
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    warm = max(1, min(cfg.warmup_steps, total // 5 or 1))
    step, curve = 0, []
    best_state, best_score = None, None
    if state:
        step = int(state.get("step", 0))
        curve = list(state.get("curve") or [])
        best_state, best_score = state.get("best_state"), state.get("best_score")
        if state.get("optimizer"):
            opt.load_state_dict(state["optimizer"])
            for g in opt.param_groups:
                g["initial_lr"] = cfg.lr
    def set_lr() -> float:
        """Linear warm-up, then linear decay to 5% over whichever runs out first: the steps
        or the time budget (a run cut by ``time_budget_s`` still ends at a low learning rate;
        cut at a high one, the demo student's loss was far from what it could reach)."""
        done = (step - warm) / max(1, total - warm)
        if cfg.time_budget_s:
            done = max(done, (time.perf_counter() - t0) / cfg.time_budget_s)
        f = min((step + 1) / warm, max(0.05, 1.0 - done))
        for g in opt.param_groups:
            g["lr"] = cfg.lr * f
        return cfg.lr * f
    bar = None
    if progress:
        bar = tqdm(total=total, initial=step, desc="distill", unit="step", dynamic_ncols=True)
    t0 = time.perf_counter()
    run = {"ce": 0.0, "kl": 0.0, "cos": 0.0, "n": 0}
    stopped = "steps"

    def validate():
        nonlocal best_state, best_score
        v = _evaluate(model, list(val) if val else list(train)[:cfg.batch_size * 4], cfg, teacher_dim, device)
        row = {"step": step, "train_ce": run["ce"] / max(run["n"], 1),
               "train_kl": run["kl"] / max(run["n"], 1), "train_cos": run["cos"] / max(run["n"], 1),
               **{f"val_{k}": x for k, x in v.items()}, "seconds": round(time.perf_counter() - t0, 2)}
        curve.append(row)
        run.update(ce=0.0, kl=0.0, cos=0.0, n=0)
        if best_score is None or v["total"] < best_score:
            best_score = v["total"]
            best_state = _copy_state(model)
            if save:
                save("best", model, None, step, curve, best_state, best_score, row)
        return row

    every = max(1, math.ceil(total / steps_per_epoch / 20))   # about 20 validations a run at most
    while step < total:
        epoch, pos = divmod(step, steps_per_epoch)
        for idx in _batches(len(train), cfg.batch_size, cfg.seed, epoch)[pos:]:
            batch = {k: v.to(device) for k, v in collate([train[i] for i in idx], teacher_dim).items()}
            set_lr()
            losses = distillation_loss(model, batch, cfg)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            step += 1
            for k in ("ce", "kl", "cos"):
                run[k] += float(losses[k])
            run["n"] += 1
            if bar is not None:
                bar.update(1)
                bar.set_postfix(ce=f"{float(losses['ce']):.3f}", kl=f"{float(losses['kl']):.3f}",
                                cos=f"{float(losses['cos']):.3f}")
            end_of_epoch = step % steps_per_epoch == 0 and (step // steps_per_epoch) % every == 0
            over_time = cfg.time_budget_s and time.perf_counter() - t0 > cfg.time_budget_s
            if end_of_epoch or step >= total or over_time:
                row = validate()
                log(f"step {step}/{total}: val ce {row['val_ce']:.3f} kl {row['val_kl']:.4f} "
                    f"cos {row['val_cos']:.3f}")
            if save and (step % cfg.checkpoint_every == 0 or step >= total or over_time):
                save("last", model, opt.state_dict(), step, curve, best_state, best_score, None)
            if over_time:
                stopped = "time budget"
                break
            if step >= total:
                break
        if stopped == "time budget":
            break
    if bar is not None:
        bar.close()
    secs = time.perf_counter() - t0
    last = curve[-1] if curve else {}
    metrics = {"steps": step, "planned_steps": total, "stopped_by": stopped,
               "seconds": round(secs, 2), "device": str(device), "params": count_params(model.seq2seq),
               "train_pairs": len(train), "val_pairs": len(val), "best_val_total": best_score,
               **{k: v for k, v in last.items() if k.startswith("val_")}}
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    return TrainResult(model, metrics, curve, best_state, secs)


# ---- the whole job on a workspace -------------------------------------------------------

def distill_workspace(workspace, cfg: StudentConfig | None = None, *, resume: bool = False,
                      teacher: str = "auto", holdout: Sequence[str] = (), out_dir=None,
                      progress: bool = False, log: Log | None = None) -> dict:
    """Train the student of a workspace: pairs, tokenizer, teacher targets, training,
    checkpoints in ``models/student/`` (or ``out_dir``). Returns the metrics (plus
    ``checkpoint`` and ``id``).

    ``holdout``: concept IRIs kept out of training and validation altogether (a benchmark's
    test concepts): their pairs are dropped and their definitions never appear in an input.

    ``teacher``: ``"auto"`` distils from ``models/teacher/teacher.pt`` when it exists (else
    trains without distillation terms), ``"require"`` fails without it, ``"none"`` never
    uses it (alpha = beta = 0: the ablation).
    """
    # torch_geometric (kg.hetero) and the teacher (gnn.infer) load only when training:
    # `kgstudio lesson` imports this module for configure_threads
    from kg.hetero import graph_hash, source_graphs

    log = log or (lambda m: None)
    out = Path(out_dir) if out_dir else student_dir(workspace)
    out.mkdir(parents=True, exist_ok=True)
    clean_litter(out)                 # temporaries of killed runs
    holdout = set(holdout)
    prev = None
    if resume:
        prev = load_student_checkpoint(out / "last.pt")
        holdout = set(holdout) | set(prev.metrics.get("holdout", []))
        base = prev.config.to_dict()
        if cfg is not None:
            new = cfg.to_dict()
            changed = [f for f in MODEL_FIELDS if new[f] != base[f]]
            if changed:
                raise DistillError(f"cannot resume with other {', '.join(changed)} than the run in "
                                   f"{out / 'last.pt'}; drop --resume to start over")
            base.update({k: v for k, v in new.items() if k not in MODEL_FIELDS})
        cfg = StudentConfig.from_dict(base)
    cfg = cfg or StudentConfig()
    pick_device(cfg)
    t0 = time.perf_counter()
    tch = None
    if teacher != "none" and cfg.distill:
        from gnn.infer import Teacher
        try:
            tch = Teacher.load(workspace, log=log)   # opens (and closes) the store itself
        except CheckpointError as e:
            if teacher == "require":
                raise
            log(f"no usable teacher ({e}); training the student without distillation terms")
    with workspace.open_store() as store:
        graphs = source_graphs(store)
        ghash = graph_hash(store, graphs)
        if prev is not None:
            prev.check_hash(ghash)
        if tch is None:
            cfg = StudentConfig.from_dict({**cfg.to_dict(), "alpha": 0.0, "beta": 0.0})
        if prev is not None and bool(prev.teacher) != (tch is not None):
            raise DistillError("the run to resume was trained " + ("with" if prev.teacher else "without")
                               + " a teacher and this one is not; drop --resume to start over")
        if prev is not None and tch is not None and prev.teacher_id != tch.checkpoint_id:
            raise DistillError(f"the run to resume was distilled from teacher {prev.teacher_id}, but "
                               f"models/teacher now holds {tch.checkpoint_id} (retrained since); drop "
                               "--resume to start over")
        log("collecting training pairs from the curriculum ...")
        pairs = [p for p in curriculum_pairs(store, cfg.tasks) if p.focus not in holdout]
        if not pairs:
            raise DistillError("the workspace has no text to learn from (definitions, section "
                               "texts, review questions linked to concepts); import a curriculum first")
        tok = prev.tokenizer() if prev is not None else StudentTokenizer.train(corpus_texts(store, holdout),
                                                                              cfg.vocab_size)
        mem = snapshot(store)
        ev = None
        if cfg.evidence_k:
            ev = gather_evidence(store, {p.focus for p in pairs}, kinds=cfg.evidence_kinds,
                                 per_concept=3 * cfg.evidence_k + 4, hide_definitions=holdout)
    relevance = None
    rel_table = None
    if tch is not None:
        def relevance(focus, iris):
            known = [i for i in iris if i in tch]
            if focus not in tch or not known:
                return {}
            return dict(zip(known, tch.relevance(focus, known)))
        all_iris = [i for t in tch.td.index.iris for i in tch.td.index.iris[t]]
        rel_table = {"iris": all_iris, "emb": tch.embeddings(all_iris).to(torch.float16)}
    log(f"linearising {len(pairs)} pairs ...")
    examples = build_examples(mem, pairs, tok, cfg, relevance=relevance, hide_definitions=holdout,
                              evidence=ev)
    if tch is not None:
        attach_teacher(examples, tch)
    train, val, val_focus = split_by_focus(examples, cfg.val_ratio, cfg.seed,
                                           prev.val_focus if prev is not None else None)
    teacher_meta = None if tch is None else {"id": tch.checkpoint_id, "sha256": tch.checkpoint_sha256,
                                             "dim": tch.dim, "graph_hash": tch.graph_hash}
    torch.manual_seed(cfg.seed)
    model = StudentModel(cfg, len(tok), tch.dim if tch is not None else 0)
    state = None
    if prev is not None:
        model.load_state_dict(prev.state_dict)
        state = {"step": prev.step, "optimizer": prev.optimizer, "curve": prev.curve,
                 "best_state": prev.best_state, "best_score": prev.best_score}
    hf_config = model.seq2seq.config.to_dict() if cfg.pretrained_path else None
    tok_json = tok.to_json()
    with atomic_dir(out, keep_others=True) as new:
        # tokenizer, best weights and metrics go to a new folder that replaces out in one
        # step at the end: a kill (or an error) leaves the previous student whole, and
        # last.pt (self-contained, for --resume) is rewritten in out itself
        metrics = _distill_into(new, out, cfg, tok, tok_json, model, train, val, pairs,
                                holdout, val_focus, ghash, graphs, teacher_meta, rel_table, hf_config,
                                state, t0, tch, progress, log)
    metrics["checkpoint"] = str(out / "student.pt")
    return metrics


def _distill_into(new, out, cfg, tok, tok_json, model, train, val, pairs, holdout,
                  val_focus, ghash, graphs, teacher_meta, rel_table, hf_config, state, t0, tch,
                  progress, log) -> dict:
    atomic_write(new / "tokenizer.json", tok_json)
    log(f"student: {count_params(model.seq2seq):,} parameters, vocabulary {len(tok)}, "
        f"{len(train)} training / {len(val)} validation pairs, "
        + (f"distilling from teacher {tch.checkpoint_id}" if tch else "no teacher"))
    shas: dict[str, str] = {}

    def save(kind, m, opt_state, step, curve, best_state, best_score, metrics):
        common = dict(config=cfg, tokenizer_json=tok_json, graph_hash=ghash, graphs=graphs,
                      teacher=teacher_meta, relevance=rel_table, curve=curve, step=step,
                      val_focus=val_focus, hf_config=hf_config)
        if kind == "best":
            shas["best"] = save_student(new / "student.pt", state_dict=best_state,
                                        metrics={**(metrics or {}), "holdout": sorted(holdout)},
                                        best_score=best_score, **common)
        else:
            sd = _copy_state(m)
            shas["last"] = save_student(out / "last.pt", state_dict=sd, optimizer=opt_state,
                                        best_state=best_state, best_score=best_score,
                                        metrics={"holdout": sorted(holdout)}, **common)

    r = train_student(train, val, model, cfg, save=save, state=state, progress=progress, log=log)
    metrics = {**r.metrics, "total_seconds": round(time.perf_counter() - t0, 2),
               "pairs": {t: sum(1 for p in pairs if p.task == t) for t in cfg.tasks},
               "teacher": teacher_meta["id"] if teacher_meta else "", "graph_hash": ghash,
               "vocab": len(tok), "alpha": cfg.alpha, "beta": cfg.beta, "holdout": sorted(holdout)}
    # the best weights again, now with the final metrics
    shas["best"] = save_student(new / "student.pt", config=cfg, tokenizer_json=tok_json,
                                state_dict=r.best_state or model.state_dict(), graph_hash=ghash,
                                graphs=graphs, teacher=teacher_meta, relevance=rel_table,
                                metrics=metrics, curve=r.curve, step=r.metrics["steps"],
                                best_score=r.metrics.get("best_val_total"), val_focus=val_focus,
                                hf_config=hf_config)
    write_json(new / "metrics.json", {**metrics, "curve": r.curve})
    metrics["id"] = shas["best"][:16]
    return metrics
