"""The distillation loss: the formula, finite terms, and all three terms going down on a toy batch."""
from __future__ import annotations

import math

import pytest
import torch

from generation.base import TASKS
from generation.student.distill import collate, distillation_loss, split_by_focus
from generation.student.linearize import Linearized
from generation.student.model import StudentModel
from generation.student.pairs import Example, Pair

from .conftest import tiny_cfg

D = 8


def _toy(n: int = 4, seed: int = 0) -> list[Example]:
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        L = 12 + i
        ids = torch.randint(120, 200, (L,), generator=g).tolist() + [1]
        spans = [(0, 4), (4, 8), (8, 12)]
        lin = Linearized(f"urn:c{i}", "definition", ids, spans, [f"urn:c{i}", "urn:x", "urn:y"],
                         ["c", "x", "y"], ["concept"] * 3)
        tgt = torch.randint(120, 200, (6,), generator=g).tolist() + [1]
        ex = Example(Pair("definition", f"urn:c{i}", "t"), lin, "t", tgt)
        ex.teacher_pairs = [(0, 1, 0.9), (1, 0, 0.05), (0, 2, 0.3), (2, 0, 0.6)]
        ex.teacher_emb = [(k, torch.randn(D, generator=g).tolist()) for k in range(3)]
        out.append(ex)
    return out


def test_collate_shapes():
    b = collate(_toy(3), teacher_dim=D)
    assert b["input_ids"].shape == (3, 15) and b["attention_mask"][0].sum() == 13
    assert b["span_mask"].shape == (3, 3, 15) and b["span_mask"][1, 2, 8:12].sum() == 4
    assert b["pair_index"].shape == (12, 3) and b["pair_target"].shape == (12,)
    assert b["emb_index"].shape == (9, 2) and b["emb_target"].shape == (9, D)


def test_kd_terms_finite_and_decreasing():
    cfg = tiny_cfg(alpha=0.5, beta=0.5, temperature=2.0, d_model=32, enc_layers=1, dec_layers=1,
                   d_ff=64, d_kv=16)
    torch.manual_seed(0)
    model = StudentModel(cfg, 300, teacher_dim=D)
    batch = collate(_toy(), teacher_dim=D)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    hist = []
    for _ in range(25):
        losses = distillation_loss(model, batch, cfg)
        assert all(math.isfinite(float(v.detach())) for v in losses.values())
        hist.append({k: float(v.detach()) for k, v in losses.items()})
        opt.zero_grad()
        losses["total"].backward()
        opt.step()
    first, last = hist[0], hist[-1]
    for k in ("ce", "kl", "cos", "total"):
        assert last[k] < 0.7 * first[k], (k, first[k], last[k])
    assert first["kl"] > 0 and first["cos"] > 0
    # total = CE + alpha * T^2 * KL + beta * cos + copy_supervision * copy, as the docstring states
    assert first["copy"] > 0                                    # tiny_cfg has the copy head
    assert first["total"] == pytest.approx(first["ce"] + 0.5 * 4 * first["kl"] + 0.5 * first["cos"]
                                           + cfg.copy_supervision * first["copy"], rel=1e-5)


def test_kl_term_matches_the_formula():
    cfg = tiny_cfg(alpha=1.0, beta=0.0, temperature=3.0)
    torch.manual_seed(0)
    model = StudentModel(cfg, 300, teacher_dim=D).eval()
    exs = _toy(1)
    batch = collate(exs, teacher_dim=D)
    with torch.no_grad():
        got = distillation_loss(model, batch, cfg)
        out = model(batch["input_ids"], batch["attention_mask"], span_mask=batch["span_mask"])
        h = out["spans"][0]
        T = 3.0
        kls = []
        for a, c, p in exs[0].teacher_pairs:
            q = torch.sigmoid(model.prereq_logits(h[a], h[c]) / T).item()
            pt = 1 / (1 + math.exp(-math.log(p / (1 - p)) / T))
            kls.append(pt * math.log(pt / q) + (1 - pt) * math.log((1 - pt) / (1 - q)))
    assert float(got["kl"]) == pytest.approx(sum(kls) / len(kls), rel=1e-4)
    assert float(got["cos"]) == 0.0
    assert float(got["total"]) == pytest.approx(float(got["ce"]) + 9 * float(got["kl"])
                                                + cfg.copy_supervision * float(got["copy"]), rel=1e-5)


def test_no_teacher_means_text_terms_only():
    cfg = tiny_cfg(alpha=0.0, beta=0.0)
    model = StudentModel(cfg, 300, teacher_dim=0)
    exs = _toy(2)
    for e in exs:
        e.teacher_pairs, e.teacher_emb = [], []
    got = {k: v.detach() for k, v in distillation_loss(model, collate(exs), cfg).items()}
    assert float(got["kl"]) == 0 and float(got["cos"]) == 0
    assert float(got["total"]) == pytest.approx(float(got["ce"]) + cfg.copy_supervision * float(got["copy"]))


def test_split_is_by_focus_concept():
    exs = _toy(4) + _toy(4, seed=1)               # two pairs per focus
    train, val, foci = split_by_focus(exs, 0.5, seed=3)
    assert len(foci) == 2 and len(val) == 4 and len(train) == 4
    assert not {e.pair.focus for e in train} & {e.pair.focus for e in val}
    again = split_by_focus(exs, 0.5, seed=99, val_focus=foci)
    assert [e.pair.focus for e in again[1]] == [e.pair.focus for e in val]
    assert set(TASKS) >= {e.pair.task for e in exs}
