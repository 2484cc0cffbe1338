"""Two CPU processes with gloo (DistributedDataParallel) evaluate like one process.

Tolerance: the test-set prerequisite AUC of the 2-process run is within 0.05 of the
1-process run's (both above 0.9). The runs differ only in the random negatives each rank
draws and in the order gradients are summed, so they are not bit-identical.
"""
from __future__ import annotations

import pytest
import torch.distributed as dist

from gnn.checkpoint import load_checkpoint
from gnn.config import TeacherConfig
from gnn.ddp import spawn
from gnn.train import train_teacher
from tests.gnn.conftest import FAST

TOLERANCE = 0.05


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(), reason="needs gloo")
def test_two_gloo_processes_match_one(planted_data, tmp_path):
    cfg = TeacherConfig(**FAST)
    one = train_teacher(planted_data, cfg).metrics
    planted_data.save(tmp_path / "data.pt")
    two = spawn(tmp_path / "data.pt", cfg, world=2, out_dir=tmp_path / "out")
    assert two["world"] == 2 and two["epochs"] == FAST["epochs"]
    assert one["test_prereq_auc"] > 0.9 and two["test_prereq_auc"] > 0.9
    assert abs(two["test_prereq_auc"] - one["test_prereq_auc"]) <= TOLERANCE, (one, two)
    # rank 0 wrote a normal checkpoint
    ck = load_checkpoint(tmp_path / "out" / "teacher.pt")
    assert ck.graph_hash == planted_data.graph_hash and ck.metrics["world"] == 2
