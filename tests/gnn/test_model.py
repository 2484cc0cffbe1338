"""The three message-passing encoders on a 4-node graph: shapes, gradients, direction."""
from __future__ import annotations

import pytest
import torch
from torch_geometric.data import HeteroData

from gnn.config import TeacherConfig
from gnn.model import TeacherModel


def _graph() -> HeteroData:
    d = HeteroData()
    d["concept"].x = torch.randn(3, 5)
    d["section"].x = torch.randn(1, 4)
    d["course"].x = torch.randn(2, 3)                  # no edges at all
    req = torch.tensor([[0, 1], [1, 2]])
    d["concept", "requires", "concept"].edge_index = req
    d["concept", "rev_requires", "concept"].edge_index = req.flip(0)
    t = torch.tensor([[0, 0, 0], [0, 1, 2]])
    d["section", "teaches", "concept"].edge_index = t
    d["concept", "rev_teaches", "section"].edge_index = t.flip(0)
    return d


@pytest.mark.parametrize("arch", ["sage", "hgt", "rgcn"])
def test_shapes_gradients_and_direction(arch):
    torch.manual_seed(0)
    d = _graph()
    cfg = TeacherConfig(arch=arch, hidden=8, heads=2, layers=2, dropout=0.0)
    links = [("concept", "requires", "concept"), ("section", "teaches", "concept")]
    m = TeacherModel(cfg, d.metadata(), {t: d[t].x.shape[1] for t in d.node_types}, links,
                     {"bloom": 6})
    h = m(d.x_dict, d.edge_index_dict)
    assert {t: tuple(v.shape) for t, v in h.items()} == {"concept": (3, 8), "section": (1, 8), "course": (2, 8)}
    # a node type without edges keeps its projected features (no message, no norm);
    # R-GCN's root weight transforms every node, edges or not
    if arch != "rgcn":
        assert torch.allclose(h["course"], m.encoder.proj["course"](d["course"].x))
    pairs = torch.tensor([[0, 1], [1, 0]])
    lp = m.prereq_pairs(h, "concept", pairs)
    ll = m.link_logits(h, links[0], pairs)
    assert lp.shape == (2,) and ll.shape == (2,)
    assert not torch.isclose(lp[0], lp[1]) and not torch.isclose(ll[0], ll[1])   # a->b != b->a
    nl = m.node_logits(h, "bloom", "concept")
    assert nl.shape == (3, 6)
    (lp.sum() + ll.sum() + nl.sum()).backward()
    assert m.encoder.proj["concept"].weight.grad.abs().sum() > 0
    assert m.prereq[0].weight.grad.abs().sum() > 0 and m.link_w.grad[0].abs().sum() > 0
    assert all(torch.isfinite(p.grad).all() for p in m.parameters() if p.grad is not None)
