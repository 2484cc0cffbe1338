"""Training on the planted graph: the rule is learnt, checkpoints round-trip and resume,
bad checkpoints are clear errors."""
from __future__ import annotations

import time

import pytest
import torch

from gnn.checkpoint import CheckpointError, CheckpointMismatch, load_checkpoint
from gnn.config import TeacherConfig
from gnn.train import (TrainError, evaluate_split, make_split, minibatch_available,
                       train_teacher)
from tests.gnn.conftest import FAST, planted


def test_planted_rule_is_learnt_fast(planted_data):
    t0 = time.perf_counter()
    r = train_teacher(planted_data, TeacherConfig(**FAST))
    took = time.perf_counter() - t0
    m = r.metrics
    assert m["test_prereq_auc"] > 0.9, m
    assert m["test_prereq_f1"] > 0.75, m
    assert m["test_difficulty_concept_acc"] > 0.8, m        # level is in the features
    assert took < 30, f"took {took:.1f} s"
    # reversed pairs are negatives: the head reads direction
    assert m["test_prereq_negatives"] >= m["test_prereq_positives"]
    assert len(r.curve) == 60 and r.curve[-1]["epoch"] == 60 and "val_prereq_auc" in r.curve[4]


def test_split_is_deterministic_and_held_out_edges_leave_the_graph(planted_data):
    cfg = TeacherConfig(**FAST)
    s1, s2 = make_split(planted_data, cfg), make_split(planted_data, cfg)
    assert s1.fingerprint == s2.fingerprint
    assert make_split(planted_data, TeacherConfig(**{**FAST, "seed": 1})).fingerprint != s1.fingerprint
    et, rt = ("concept", "requires", "concept"), ("concept", "rev_requires", "concept")
    n = planted_data.data["concept"].num_nodes
    train_keys = set((s1.train[et].edge_index[0] * n + s1.train[et].edge_index[1]).tolist())
    rev_keys = set((s1.train[rt].edge_index[1] * n + s1.train[rt].edge_index[0]).tolist())
    test_pos = s1.prereq["test"]["concept"].pos
    test_keys = set((test_pos[0] * n + test_pos[1]).tolist())
    assert test_keys and not (test_keys & train_keys) and not (test_keys & rev_keys)
    assert train_keys == rev_keys
    # the test graph's message passing holds train + val edges, still not the test ones
    mp = s1.test[et].edge_index
    assert not test_keys & set((mp[0] * n + mp[1]).tolist())


def test_checkpoint_round_trip_and_resume(planted_data, tmp_path):
    cfg = TeacherConfig(**{**FAST, "epochs": 20, "checkpoint_every": 10})
    r = train_teacher(planted_data, cfg, out_dir=tmp_path)
    for name in ("teacher.pt", "last.pt", "metrics.json", "curves.png", "test-predictions.tsv"):
        assert (tmp_path / name).is_file(), name
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ck = load_checkpoint(tmp_path / "teacher.pt")
    assert ck.config == cfg and ck.graph_hash == planted_data.graph_hash and ck.epoch == 20
    assert len(ck.curve) == 20 and ck.metrics["test_prereq_auc"] == pytest.approx(r.metrics["test_prereq_auc"])
    model = ck.build_model()
    for k, v in r.model.state_dict().items():
        assert torch.equal(v, model.state_dict()[k]), k
    split = make_split(planted_data, ck.config)
    ck.check_split(split)
    again, _ = evaluate_split(model, planted_data, split, ck.config, "cpu")
    assert again["test_prereq_auc"] == pytest.approx(r.metrics["test_prereq_auc"], abs=1e-6)
    rows = (tmp_path / "test-predictions.tsv").read_text().splitlines()
    assert rows[0] == "node_type\ta\tb\tkind\tlabel\tscore" and rows[1].startswith("concept\turn:c")
    # resume to 30 epochs: the curve continues where it stopped
    r2 = train_teacher(planted_data, TeacherConfig(**{**FAST, "epochs": 30, "checkpoint_every": 10}),
                       out_dir=tmp_path, resume=True)
    assert [row["epoch"] for row in r2.curve] == list(range(1, 31))
    assert load_checkpoint(tmp_path / "last.pt").epoch == 30
    with pytest.raises(CheckpointMismatch, match="hidden"):
        train_teacher(planted_data, TeacherConfig(**{**FAST, "epochs": 40, "hidden": 16}),
                      out_dir=tmp_path, resume=True)


def test_corrupt_and_mismatched_checkpoints_are_clear_errors(planted_data, tmp_path):
    train_teacher(planted_data, TeacherConfig(**{**FAST, "epochs": 2}), out_dir=tmp_path)
    path = tmp_path / "teacher.pt"
    ck = load_checkpoint(path)
    # another graph: the hash differs
    other = planted(seed=1)
    with pytest.raises(CheckpointMismatch, match=r"trained on graph planted-0 .* now planted-1.*retrain"):
        ck.check_data(other)
    # truncated file
    data = path.read_bytes()
    bad = tmp_path / "cut.pt"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"cut.pt is not a readable teacher checkpoint"):
        load_checkpoint(bad)
    # not a checkpoint at all / missing
    (tmp_path / "x.pt").write_bytes(b"hello")
    with pytest.raises(CheckpointError, match="not a readable teacher checkpoint"):
        load_checkpoint(tmp_path / "x.pt")
    with pytest.raises(CheckpointError, match="no teacher checkpoint at .*train-teacher"):
        load_checkpoint(tmp_path / "none.pt")
    # a torch file of something else
    torch.save({"format": "other"}, tmp_path / "o.pt")
    with pytest.raises(CheckpointError, match="not a kgstudio teacher checkpoint"):
        load_checkpoint(tmp_path / "o.pt")


def test_minibatch_without_the_extra_is_a_clear_error(planted_data):
    if minibatch_available():
        pytest.skip("pyg-lib / torch-sparse installed: the mini-batch test runs instead")
    with pytest.raises(TrainError, match=r"kgstudio\[scale\]"):
        train_teacher(planted_data, TeacherConfig(**{**FAST, "batch": "mini"}))


@pytest.mark.skipif(not minibatch_available(), reason="needs pyg-lib or torch-sparse (kgstudio[scale])")
def test_minibatch_learns_the_planted_rule(planted_data):
    r = train_teacher(planted_data, TeacherConfig(**{**FAST, "batch": "mini", "batch_size": 64, "epochs": 30}))
    assert r.metrics["test_prereq_auc"] > 0.85, r.metrics


def test_cuda_asked_without_cuda_is_a_clear_error(planted_data):
    if torch.cuda.is_available():
        pytest.skip("CUDA present")
    with pytest.raises(TrainError, match="no CUDA device"):
        train_teacher(planted_data, TeacherConfig(**{**FAST, "device": "cuda"}))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_mixed_precision_learns_the_rule(planted_data):
    r = train_teacher(planted_data, TeacherConfig(**{**FAST, "device": "cuda"}))
    assert r.metrics["device"].startswith("cuda") and r.metrics["test_prereq_auc"] > 0.9
