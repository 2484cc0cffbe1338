"""``benchmarks/gpu.sh --smoke``: the GPU run's code end to end at toy sizes on any device
(WebNLG from ../shared; the bundled demo curriculum with a teacher and two students)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_gpu_smoke_writes_gpu_metrics(shared_data, tmp_path):
    assert (shared_data / "webnlg" / "test").is_dir()
    env = {**os.environ, "PYTHON": sys.executable, "KGSTUDIO_SHARED": str(shared_data.parent),
           "CUDA_VISIBLE_DEVICES": ""}
    out = tmp_path / "generation.json"
    r = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu.sh"), "--smoke", "--out", str(out),
                        "--work", str(tmp_path / "work")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    data = json.loads(out.read_text())
    m = data["metrics"]
    assert set(m) >= {"webnlg_test_bleu_gpu", "webnlg_test_chrfpp_gpu", "webnlg_train_budget_gpu",
                      "def_chrf_student_demo_gpu", "def_chrf_nokd_demo_gpu", "def_chrf_extractive_demo_gpu",
                      "def_chrf_template_demo_gpu", "latency_p50_ms_demo_gpu", "student_params_demo_gpu"}
    assert all(k.endswith("_gpu") for k in m)
    assert 0 <= m["webnlg_test_bleu_gpu"] <= 100 and m["latency_p50_ms_demo_gpu"] > 0
    assert 0 < m["def_chrf_extractive_demo_gpu"] <= 100          # real texts were scored
    runs = data["gpu"]["curriculum_demo"]["runs"]
    assert runs["kd"]["steps"] == runs["nokd"]["steps"] == 6     # same budget with and without the teacher
    assert data["gpu"]["smoke"] is True and "20 steps" in m["webnlg_train_budget_gpu"]
    tsv = (out.parent / "generation_gpu" / "definitions_demo.tsv").read_text().splitlines()
    assert tsv[0].split("\t") == ["concept", "reference", "kd", "nokd", "extractive", "template"]
    assert len(tsv) == 1 + data["gpu"]["curriculum_demo"]["heldout"]
