"""StudentConfig is validated: a wrongly typed or out-of-range value is a clear
StudentConfigError naming the field, the value and what is allowed, and ``kgstudio distill
--config`` prints it without a traceback."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from generation.config import StudentConfig, StudentConfigError

BAD = [  # field, value as JSON would give it, words the message must hold
    ("d_model", "256", "a whole number"),
    ("d_model", 256.5, "a whole number"),
    ("grounded", "false", "true or false"),
    ("grounded", 0, "true or false"),
    ("lr", "fast", "a number"),
    ("alpha", None, "a number"),
    ("tasks", "definition", "a list"),
    ("tasks", ["poem"], "is not one of definition"),
    ("device", "gpu", "'auto', 'cpu' or 'cuda'"),
    ("vocab_size", 50, "greater than or equal to 200"),
    ("max_entities", 40, "less than or equal to 32"),
    ("pretrained_path", 3, "text"),
]


@pytest.mark.parametrize("field,value,allowed", BAD)
def test_wrong_value_is_a_clear_error(field, value, allowed):
    with pytest.raises(StudentConfigError) as e:
        StudentConfig.from_dict({field: value})
    msg = str(e.value)
    assert field in msg and allowed in msg
    if field != "tasks":
        assert repr(value) in msg


def test_grounded_false_string_never_becomes_true():
    assert StudentConfig.from_dict({"grounded": False}).grounded is False
    with pytest.raises(StudentConfigError):
        StudentConfig.from_dict({"grounded": "false"})


def test_round_trip_and_dataclass_like_use():
    c = StudentConfig(d_model=64, heads=2, d_ff=128, lr=1, tasks=("definition", "question"))
    assert c.lr == 1.0 and isinstance(c.lr, float) and c.tasks == ["definition", "question"]
    d = c.to_dict()
    assert d["d_model"] == 64 and json.loads(json.dumps(d)) == d
    assert StudentConfig.from_dict(d) == c and StudentConfig.from_dict(d) != StudentConfig()
    assert c.distill and not StudentConfig(alpha=0.0, beta=0.0).distill
    with pytest.raises(StudentConfigError, match="d_model = '8'"):
        c.d_model = "8"
    c.d_model = 8
    assert c.d_model == 8
    with pytest.raises(StudentConfigError, match="unknown student config field.*: dmodel"):
        StudentConfig.from_dict({"dmodel": 3})


def test_old_checkpoint_config_still_loads():
    # what a checkpoint of the dataclass version held (asdict: plain values, a list of tasks)
    old = StudentConfig().to_dict()
    old["tasks"] = tuple(old["tasks"])
    assert StudentConfig.from_dict(old) == StudentConfig()


def test_cli_distill_bad_config_prints_the_error(tmp_path):
    from kg.workspace import Workspace
    from studio.cli import cli
    ws = Workspace.init(tmp_path / "ws")
    r = CliRunner()
    for cfg, words in [({"d_model": "256"}, "d_model = '256' (str) is not allowed: a whole number"),
                       ({"grounded": "false"}, "grounded = 'false'"),
                       ({"lr": "fast"}, "lr = 'fast'"),
                       ([1, 2], "must be a JSON object")]:
        f = tmp_path / "bad.json"
        f.write_text(json.dumps(cfg))
        out = r.invoke(cli, ["distill", "-w", str(ws.root), "--config", str(f), "-q"])
        assert out.exit_code == 1, out.output
        assert "Traceback" not in out.output and isinstance(out.exception, SystemExit)
        assert f"error: {f}" in out.output and words in out.output
    f.write_text("{not json")
    out = r.invoke(cli, ["distill", "-w", str(ws.root), "--config", str(f)])
    assert out.exit_code == 1 and "not a readable JSON config" in out.output
