"""A teacher run killed (SIGKILL) after writing its new teacher.pt, before its metrics,
leaves the previous teacher.pt and metrics.json together: the run's files switch in one
step; the next run removes the killed run's folder."""
from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from studio.cli import cli
from tests.gnn.test_cli_teacher import _ws

ROOT = Path(__file__).resolve().parents[2]

_KILLED_AFTER_CHECKPOINT = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import gnn.train as T
real = T.save_checkpoint
def save(path, **kw):
    sha = real(path, **kw)
    if path.name == "teacher.pt":
        os.kill(os.getpid(), signal.SIGKILL)
    return sha
T.save_checkpoint = save
from studio.cli import cli
cli(["train-teacher", "-w", sys.argv[2], "--epochs", "3", "--no-text", "--device", "cpu", "-q"])
"""


def test_teacher_run_killed_before_its_metrics_keeps_the_old_pair(tmp_path):
    ws = _ws(tmp_path)
    w = ["-w", str(ws.root)]
    r = CliRunner()
    out = r.invoke(cli, ["train-teacher", *w, "--epochs", "2", "--no-text", "--device", "cpu", "-q"])
    assert out.exit_code == 0, out.output
    teacher = ws.models_dir / "teacher"
    before = {p.name: p.read_bytes() for p in teacher.iterdir()}
    sha = hashlib.sha256(before["teacher.pt"]).hexdigest()
    assert json.loads(before["metrics.json"])["checkpoint_sha256"] == sha

    p = subprocess.run([sys.executable, "-c", _KILLED_AFTER_CHECKPOINT, str(ROOT), str(ws.root)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert p.returncode == -signal.SIGKILL, p.stderr[-2000:]
    staged = [d for d in ws.models_dir.iterdir() if d.name.startswith(".teacher.")]
    assert len(staged) == 1 and (staged[0] / "teacher.pt").is_file()
    assert not (staged[0] / "metrics.json").exists()
    for name in ("teacher.pt", "metrics.json", "curves.png"):
        assert (teacher / name).read_bytes() == before[name]

    out = r.invoke(cli, ["train-teacher", *w, "--epochs", "3", "--no-text", "--device", "cpu", "-q"])
    assert out.exit_code == 0, out.output
    m = json.loads((teacher / "metrics.json").read_text())
    assert m["epochs"] == 3
    assert m["checkpoint_sha256"] == hashlib.sha256((teacher / "teacher.pt").read_bytes()).hexdigest()
    assert [d.name for d in ws.models_dir.iterdir() if d.name.startswith(".")] == []
    assert not [q for q in teacher.iterdir() if q.name.startswith(".") or q.name.endswith((".tmp", ".part"))]


def test_training_without_matplotlib_writes_no_curves_png(planted_data, tmp_path, monkeypatch):
    from gnn.config import TeacherConfig
    from gnn.train import train_teacher
    from tests.gnn.conftest import FAST
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # `import matplotlib` fails
    said = []
    r = train_teacher(planted_data, TeacherConfig(**{**FAST, "epochs": 2}), out_dir=tmp_path / "t",
                      log=said.append)
    assert sorted(p.name for p in (tmp_path / "t").iterdir()) == [
        "last.pt", "metrics.json", "teacher.pt", "test-predictions.tsv"]
    assert any("matplotlib is not installed" in m for m in said) and r.checkpoint.is_file()
    assert json.loads((tmp_path / "t" / "metrics.json").read_text())["epochs"] == 2
