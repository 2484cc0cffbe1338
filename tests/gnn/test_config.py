"""TeacherConfig is validated: a wrongly typed or out-of-range value is a clear
ConfigError naming the field, the value and what is allowed, and ``kgstudio train-teacher
--config`` prints it without a traceback."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from gnn.config import ConfigError, TeacherConfig

BAD = [
    ("amp", "no", "true or false"),
    ("use_text", 1, "true or false"),
    ("hidden", "64", "a whole number"),
    ("epochs", 3.5, "a whole number"),
    ("lr", "fast", "a number"),
    ("lr", 0, "greater than 0"),
    ("arch", "gcn", "'sage', 'hgt' or 'rgcn'"),
    ("batch", "half", "'full' or 'mini'"),
    ("num_neighbors", ["10", 5], "a whole number"),
    ("val_ratio", 1.5, "less than 1"),
    ("difficulty_bins", 1, "greater than or equal to 2"),
]


@pytest.mark.parametrize("field,value,allowed", BAD)
def test_wrong_value_is_a_clear_error(field, value, allowed):
    with pytest.raises(ConfigError) as e:
        TeacherConfig.from_dict({field: value})
    msg = str(e.value)
    assert msg.startswith("teacher config: ") and field in msg and allowed in msg


def test_cross_field_checks_and_round_trip():
    with pytest.raises(ConfigError, match=r"hidden \(10\) must divide by heads \(4\)"):
        TeacherConfig(arch="hgt", hidden=10, heads=4)
    with pytest.raises(ConfigError, match="sum below 1"):
        TeacherConfig(val_ratio=0.5, test_ratio=0.5)
    c = TeacherConfig(hidden=32, epochs=5, num_neighbors=(4, 2), lr=1)
    assert c.num_neighbors == [4, 2] and c.lr == 1.0
    assert TeacherConfig.from_dict(c.to_dict()) == c
    assert TeacherConfig.from_dict({"hidden": 32}) != c
    with pytest.raises(ConfigError, match="unknown teacher config field.*: hiden"):
        TeacherConfig.from_dict({"hiden": 3})


def test_checkpoint_keeps_the_config(tmp_path):
    from gnn.checkpoint import load_checkpoint, save_checkpoint
    c = TeacherConfig(hidden=8, epochs=1, amp=False)
    save_checkpoint(tmp_path / "t.pt", config=c, meta={}, state_dict={}, graph_hash="ab")
    assert load_checkpoint(tmp_path / "t.pt").config == c


def test_cli_train_teacher_bad_config_prints_the_error(tmp_path):
    from kg.workspace import Workspace
    from studio.cli import cli
    ws = Workspace.init(tmp_path / "ws")
    r = CliRunner()
    f = tmp_path / "bad.json"
    for cfg, words in [({"amp": "no"}, "amp = 'no' (str) is not allowed: true or false"),
                       ({"hidden": "64"}, "hidden = '64'"), ({"lr": "fast"}, "lr = 'fast'"),
                       ({"hiden": 3}, "unknown teacher config field(s): hiden")]:
        f.write_text(json.dumps(cfg))
        out = r.invoke(cli, ["train-teacher", "-w", str(ws.root), "--config", str(f), "-q"])
        assert out.exit_code == 1, out.output
        assert "Traceback" not in out.output and f"error: {f}" in out.output and words in out.output
    # a good file is taken (and the command line still overrides it): fails later, on the
    # empty graph, not on the config
    f.write_text(json.dumps({"hidden": 8, "amp": False, "epochs": 1}))
    out = r.invoke(cli, ["train-teacher", "-w", str(ws.root), "--config", str(f), "--no-text", "-q"])
    assert "config" not in out.output
