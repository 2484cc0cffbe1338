"""A generated curriculum graph with a planted prerequisite rule, for the teacher tests.

Concepts have a hidden topic (0..3) and level (0..5), written into their features (topic
one-hot, level / 5) with Gaussian noise. The planted rule: A requires B exactly when A and
B share a topic and B's level is A's minus one. Each (topic, level) has a section that
defines its concepts; sections are part of the chapter of their level. A model that reads
the features and the direction of the pair can reach an AUC near 1; one that ignores
direction cannot pass the reversed-pair negatives.
"""
from __future__ import annotations

import random

import pytest
import torch
from torch_geometric.data import HeteroData

from gnn.data import NodeTask, TeacherData
from kg.hetero import NodeIndex

TOPICS, LEVELS = 4, 6


def planted(n_per_cell: int = 5, seed: int = 0, noise: float = 0.15) -> TeacherData:
    rnd = random.Random(seed)
    g = torch.Generator().manual_seed(seed)
    concepts = [(t, lv, i) for t in range(TOPICS) for lv in range(LEVELS) for i in range(n_per_cell)]
    n = len(concepts)
    x = torch.zeros(n, 8)
    for r, (t, lv, _i) in enumerate(concepts):
        x[r, t] = 1.0
        x[r, 4] = lv / (LEVELS - 1)
    x[:, 5:] = torch.randn(n, 3, generator=g)
    x += noise * torch.randn(x.shape, generator=g)
    req = []
    for a, (ta, la, _) in enumerate(concepts):
        for b, (tb, lb, _) in enumerate(concepts):
            if ta == tb and lb == la - 1 and rnd.random() < 0.6:
                req.append((a, b))
    sections = [(t, lv) for t in range(TOPICS) for lv in range(LEVELS)]
    data = HeteroData()
    data["concept"].x = x
    data["concept"].num_nodes = n
    data["section"].x = torch.randn(len(sections), 8, generator=g)
    data["section"].num_nodes = len(sections)
    data["chapter"].x = torch.eye(LEVELS, 8)
    data["chapter"].num_nodes = LEVELS
    ei = torch.tensor(sorted(req)).t().contiguous()
    data["concept", "requires", "concept"].edge_index = ei
    data["concept", "rev_requires", "concept"].edge_index = ei.flip(0)
    d = torch.tensor([[r, sections.index((t, lv))] for r, (t, lv, _) in enumerate(concepts)]).t()
    data["concept", "definedIn", "section"].edge_index = d
    data["section", "rev_definedIn", "concept"].edge_index = d.flip(0)
    p = torch.tensor([[k, lv] for k, (_t, lv) in enumerate(sections)]).t()
    data["section", "partOf", "chapter"].edge_index = p
    data["chapter", "rev_partOf", "section"].edge_index = p.flip(0)
    index = NodeIndex({"concept": [f"urn:c{r:04d}" for r in range(n)],
                       "section": [f"urn:s{k:03d}" for k in range(len(sections))],
                       "chapter": [f"urn:ch{k}" for k in range(LEVELS)]})
    diff = torch.tensor([min(lv * 3 // LEVELS, 2) for _t, lv, _ in concepts])
    return TeacherData(data, index, graph_hash="planted-%d" % seed, graphs=[],
                       node_tasks={"difficulty": NodeTask("difficulty", ["1/3", "2/3", "3/3"],
                                                          {"concept": diff})},
                       groups={"concept": torch.zeros(n, dtype=torch.long)}, group_names=["urn:cur"],
                       feature_layout=[f"f{i}" for i in range(8)])


@pytest.fixture(scope="module")
def planted_data() -> TeacherData:
    return planted()


@pytest.fixture(autouse=True, scope="package")
def _one_thread():
    """Tiny graphs run faster on one thread (and do not fight other jobs for the cores)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


FAST = dict(epochs=60, lr=1e-2, dropout=0.0, eval_every=5, use_text=False, hidden=32)
