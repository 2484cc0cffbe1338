"""Workspace settings are validated: a wrongly typed value, one outside its choices or its
range is a SettingError naming the setting, the value and what is allowed; kgstudio.toml is
written by a TOML library, so any text reads back as it was."""
from __future__ import annotations

import tomllib

import pytest
from click.testing import CliRunner

from kg.settings import DEFAULTS, SETTINGS, SettingError, UnknownSetting, coerce, to_toml

WRONG = {bool: "ture", int: "many", float: "fast", str: 12}


@pytest.mark.parametrize("s", SETTINGS, ids=lambda s: s.name)
def test_every_setting_refuses_a_wrongly_typed_value(s):
    bad = WRONG[type(s.default)]
    with pytest.raises(SettingError) as e:
        coerce(s.name, bad)
    assert str(e.value).startswith(f"{s.name} = {bad!r} is not allowed: ")
    assert coerce(s.name, s.default) == s.default


def test_values_read_as_meant():
    assert coerce("serve.in_memory", "false") is False and coerce("serve.in_memory", "Yes") is True
    assert coerce("serve.port", "8080") == 8080 and coerce("store.timeout_s", 5) == 5.0
    for name, value, allowed in [("serve.in_memory", "ture", "true or false"),
                                 ("serve.in_memory", 2, "true or false"),
                                 ("serve.port", 8080.5, "a whole number"),
                                 ("serve.port", 70000, "from 0 to 65535"),
                                 ("serve.port", True, "a number"),
                                 ("store.timeout_s", float("nan"), "a finite number"),
                                 ("store.timeout_s", "1e999", "a finite number"),
                                 ("import.max_file_mb", 0, "above 0"),
                                 ("serve.max_results", 0, "at least 1"),
                                 ("store.backend", "sqlite", "one of 'embedded', 'remote'"),
                                 ("studio.similarity", "gnn", "one of 'teacher', 'text', 'lexical'")]:
        with pytest.raises(SettingError, match=allowed):
            coerce(name, value)
    with pytest.raises(UnknownSetting, match="unknown setting 'serve.prot'") as e:
        coerce("serve.prot", 1)
    assert isinstance(e.value, KeyError)


def test_to_toml_round_trips_any_text():
    nasty = 'a"b\\c\x01\x1f\x7f\nline\ttab é'
    values = {**DEFAULTS, "store.token": nasty, "serve.port": 9000, "serve.in_memory": False}
    back = tomllib.loads(to_toml(values))
    assert back["store"]["token"] == nasty and back["serve"]["port"] == 9000
    assert back["serve"]["in_memory"] is False and back["store"]["timeout_s"] == 60.0


def test_bad_kgstudio_toml_is_a_clean_cli_error(tmp_path):
    from kg.workspace import CONFIG_NAME, Workspace
    from studio.cli import cli
    ws = Workspace.init(tmp_path / "ws", **{"store.token": "t\x01k"})
    assert Workspace(ws.root).settings["store.token"] == "t\x01k"
    cfg = ws.root / CONFIG_NAME
    cfg.write_text(cfg.read_text().replace("in_memory = true", 'in_memory = "ture"'))
    out = CliRunner().invoke(cli, ["settings", "-w", str(ws.root)])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert f"{cfg}: serve.in_memory = 'ture' is not allowed: true or false" in out.output
