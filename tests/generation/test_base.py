"""generation.base: the generator a workspace gets by default."""
from __future__ import annotations

import pytest
import torch

from generation.base import TASKS, UnknownTask, check_task
from generation.generators import default_generator
from generation.student.api import student_checkpoint_path
from generation.student.checkpoint import save_student
from generation.student.model import StudentModel
from generation.student.tokenizer import StudentTokenizer
from generation.template import TemplateGenerator
from kg.workspace import Workspace

from .student.conftest import tiny_cfg


def test_check_task():
    assert check_task("definition") == "definition"
    with pytest.raises(UnknownTask, match="choose one of definition"):
        check_task("poem")
    assert len(TASKS) == 5


def test_templates_before_any_student(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    assert isinstance(default_generator(ws), TemplateGenerator)


def test_stale_student_falls_back_to_templates_with_a_warning(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    cfg = tiny_cfg(d_model=32, enc_layers=1, dec_layers=1, d_ff=64, d_kv=16)
    tok = StudentTokenizer.train(["a mean is a sum divided by a count"] * 4, 300)
    model = StudentModel(cfg, len(tok))
    path = student_checkpoint_path(ws)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_student(path, config=cfg, tokenizer_json=tok.to_json(), state_dict=model.state_dict(),
                 graph_hash="not-this-graph", graphs=[], teacher={}, relevance={"iris": [], "emb": torch.zeros(0, 8)},
                 metrics={}, step=1, val_focus=[])
    with pytest.warns(UserWarning, match="kgstudio distill"):
        gen = default_generator(ws)
    assert isinstance(gen, TemplateGenerator)
