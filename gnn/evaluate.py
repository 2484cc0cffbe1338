"""Evaluating the teacher: its scores on a split's held-out links, prerequisite pairs and
node labels (ROC AUC, average precision, and precision / recall / F1 at a threshold
chosen on validation, never on test; the functions live in :mod:`gnn.metrics`).

:func:`evaluate_teacher` scores a trained checkpoint on the workspace's current graph
(after checking it is the graph the checkpoint was trained on) and writes the raw test
predictions next to the scores.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import torch

from gnn.config import TeacherConfig
from gnn.data import LABEL_KINDS, TeacherData
from gnn.metrics import accuracy, average_precision, best_threshold, binary_report, macro_f1, plain, prf, roc_auc
from gnn.model import TeacherModel, embed
from gnn.splits import Split, make_split
from kg.atomic import atomic_write

__all__ = ["roc_auc", "average_precision", "best_threshold", "prf", "binary_report",
           "accuracy", "macro_f1", "split_scores", "split_metrics", "evaluate_split",
           "write_predictions", "evaluate_teacher"]


@torch.no_grad()
def split_scores(model: TeacherModel, split: Split, name: str, device) -> dict:
    """Raw scores of one split: link (per type), prerequisite pairs, node predictions."""
    g = split.val if name == "val" else split.test
    h = embed(model, g, device)
    out: dict = {"link": {}, "prereq": {}, "node": {}}
    for et in split.link_types:
        eli, el = g[et].edge_label_index, g[et].edge_label
        if eli.shape[1]:
            out["link"][et] = (torch.sigmoid(model.link_logits(h, et, eli.to(device))).cpu(), el.cpu())
    for nt, ps in split.prereq[name].items():
        pairs = torch.cat([ps.pos, ps.neg], 1)
        y = torch.cat([torch.ones(ps.pos.shape[1]), torch.zeros(ps.neg.shape[1])])
        kind = torch.cat([ps.kind, torch.full((ps.neg.shape[1],), -1, dtype=torch.long)])
        s = torch.sigmoid(model.prereq_pairs(h, nt, pairs.to(device))).cpu()
        out["prereq"][nt] = (pairs, y, kind, s)
    code = 1 if name == "val" else 2
    for task, per in split.node_split.items():
        for nt, c in per.items():
            idx = (c == code).nonzero().view(-1)
            if idx.numel():
                pred = model.node_logits(h, task, nt)[idx.to(device)].argmax(-1).cpu()
                out["node"][(task, nt)] = (idx, pred)
    return out


def split_metrics(sc: dict, td: TeacherData, name: str, threshold: float | None) -> dict:
    """The metrics of one split's scores (:func:`split_scores`), keys prefixed ``name``."""
    m: dict = {}
    aucs = {"/".join(et): roc_auc(s, y) for et, (s, y) in sc["link"].items()}
    finite = [v for v in aucs.values() if not math.isnan(v)]
    m[f"{name}_link_auc"] = sum(finite) / len(finite) if finite else math.nan
    m[f"{name}_link_auc_by_type"] = aucs
    if sc["prereq"]:
        s = torch.cat([v[3] for v in sc["prereq"].values()])
        y = torch.cat([v[1] for v in sc["prereq"].values()])
        kind = torch.cat([v[2] for v in sc["prereq"].values()])
        rep = binary_report(s, y, threshold)
        for k, v in rep.items():
            m[f"{name}_prereq_{k}"] = v
        for ki, kname in enumerate(LABEL_KINDS):
            sel = (kind == ki) | (y == 0)
            if (kind == ki).any() and (kind == ki).sum() < (y == 1).sum():
                m[f"{name}_prereq_auc_{kname}"] = roc_auc(s[sel], y[sel])
    for (task, nt), (idx, pred) in sc["node"].items():
        y = td.node_tasks[task].y[nt][idx]
        m[f"{name}_{task}_{nt}_acc"] = accuracy(pred, y)
        m[f"{name}_{task}_{nt}_macro_f1"] = macro_f1(pred, y, len(td.node_tasks[task].classes))
    return m


def evaluate_split(model: TeacherModel, td: TeacherData, split: Split, cfg: TeacherConfig,
                   device, threshold: float | None = None) -> tuple[dict, list[tuple]]:
    """Validation and test metrics, the prerequisite threshold chosen on validation (best
    F1), and the raw test predictions ``(node_type, a_iri, b_iri, kind, label, score)``."""
    model = model.to(device)
    val = split_scores(model, split, "val", device)
    if val["prereq"]:
        s = torch.cat([v[3] for v in val["prereq"].values()])
        y = torch.cat([v[1] for v in val["prereq"].values()])
        threshold = best_threshold(s, y)
    m = split_metrics(val, td, "val", threshold)
    test = split_scores(model, split, "test", device)
    m.update(split_metrics(test, td, "test", threshold))
    if threshold is not None:
        m["prereq_threshold"] = threshold
    preds = []
    for nt, (pairs, y, kind, s) in test["prereq"].items():
        iris = td.index.iris[nt]
        for (a, b), lab, k, sc in zip(pairs.t().tolist(), y.tolist(), kind.tolist(), s.tolist()):
            preds.append((nt, iris[a], iris[b], LABEL_KINDS[k] if k >= 0 else "negative",
                          int(lab), round(sc, 6)))
    return m, preds


def write_predictions(path: Path, preds: list[tuple]) -> None:
    """The raw predictions as TSV (header row), written atomically."""
    lines = ["node_type\ta\tb\tkind\tlabel\tscore"]
    lines += ["\t".join(map(str, r)) for r in preds]
    atomic_write(path, "\n".join(lines) + "\n")


def evaluate_teacher(workspace, *, checkpoint=None, log=None) -> dict:
    """Score the workspace's teacher on its test split (and validation), on the current graph.

    Rebuilds the graph from the store, checks its hash against the checkpoint's
    (:class:`gnn.checkpoint.CheckpointMismatch` when the curriculum changed), re-creates
    the split from the checkpoint's seed (checked against the split fingerprint saved in
    the checkpoint) and writes ``eval.json`` and ``eval-predictions.tsv`` next to the
    checkpoint. Returns the metrics.
    """

    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.data import build_teacher_data

    path = checkpoint or teacher_dir(workspace) / "teacher.pt"
    ck = load_checkpoint(path)
    with workspace.open_store() as store:
        ck.check_graph(store)
        td = build_teacher_data(store, embed=ck.config.use_text, graphs=ck.graphs,
                                difficulty_bins=ck.config.difficulty_bins, log=log,
                                model=workspace.settings.get("embeddings.model"))
    ck.check_data(td)
    split = make_split(td, ck.config)
    ck.check_split(split)
    model = ck.build_model()
    metrics, preds = evaluate_split(model, td, split, ck.config, torch.device("cpu"),
                                    threshold=ck.metrics.get("prereq_threshold"))
    metrics = plain({**metrics, "checkpoint": str(path), "checkpoint_sha256": ck.sha256,
                      "graph_hash": ck.graph_hash})
    out_dir = path.parent
    atomic_write(out_dir / "eval.json", json.dumps(metrics, indent=2, sort_keys=True))
    write_predictions(out_dir / "eval-predictions.tsv", preds)
    return metrics
