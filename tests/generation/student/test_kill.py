"""A distillation killed (SIGKILL) just after it wrote its new tokenizer leaves the old
student generating: the run's tokenizer, weights and metrics switch in one step."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from kg.workspace import Workspace
from studio.cli import cli

from .conftest import G, I, curriculum, tiny_cfg

ROOT = Path(__file__).resolve().parents[3]

_KILLED_AFTER_TOKENIZER = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import generation.student.distill as D
real = D.atomic_write
def write(path, data, **kw):
    real(path, data, **kw)
    if path.name == "tokenizer.json":
        os.kill(os.getpid(), signal.SIGKILL)
D.atomic_write = write
from studio.cli import cli
cli(["distill", "-w", sys.argv[2], "--config", sys.argv[3], "--teacher", "none", "-q"])
"""


def test_distill_killed_after_its_tokenizer_leaves_the_old_student(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with ws.open_store() as st:
        st.add_to_graph(G, curriculum())
    w = ["-w", str(ws.root)]
    r = CliRunner()
    conf = tmp_path / "tiny.json"
    conf.write_text(json.dumps(tiny_cfg(max_steps=2, val_ratio=0.2).to_dict()))
    out = r.invoke(cli, ["distill", *w, "--config", str(conf), "--teacher", "none", "-q"])
    assert out.exit_code == 0, out.output
    student = ws.models_dir / "student"
    before = {p.name: p.read_bytes() for p in student.iterdir()}
    assert {"student.pt", "tokenizer.json", "metrics.json", "last.pt"} <= set(before)

    other = tmp_path / "other-vocab.json"            # another vocabulary: another tokenizer
    other.write_text(json.dumps(tiny_cfg(max_steps=2, val_ratio=0.2, vocab_size=260).to_dict()))
    p = subprocess.run([sys.executable, "-c", _KILLED_AFTER_TOKENIZER, str(ROOT), str(ws.root), str(other)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]
    # the new tokenizer was written (beside the old student, in the run's own folder) ...
    staged = [d for d in ws.models_dir.iterdir() if d.name.startswith(".student.") and d.is_dir()]
    assert len(staged) == 1 and (staged[0] / "tokenizer.json").read_bytes() != before["tokenizer.json"]
    # ... and the student in models/student is the old one, whole
    for name in ("student.pt", "tokenizer.json", "metrics.json"):
        assert (student / name).read_bytes() == before[name]
    out = r.invoke(cli, ["generate", *w, "--concept", I + "bravo", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["generator"] == "student"

    # the next run switches to its own files and removes the killed run's folder
    out = r.invoke(cli, ["distill", *w, "--config", str(other), "--teacher", "none", "-q"])
    assert out.exit_code == 0, out.output
    assert (student / "tokenizer.json").read_bytes() != before["tokenizer.json"]
    assert [d.name for d in ws.models_dir.iterdir() if d.name.startswith(".")] == []
    out = r.invoke(cli, ["generate", *w, "--concept", I + "bravo", "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.output)["generator"] == "student", out.output
