"""CLI behaviour a user sees: documented commands and settings, clean errors."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kg.settings import SETTINGS
from studio.cli import COMMANDS_HELP, cli

ROOT = Path(__file__).resolve().parents[2]


def test_every_command_and_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in COMMANDS_HELP:
        assert f"kgstudio {name}" in readme, f"command {name} is not in the README"
    for s in SETTINGS:
        assert f"`{s.name}`" in readme, f"setting {s.name} is not in the README"


def test_not_a_workspace_is_a_clean_error(tmp_path):
    r = CliRunner().invoke(cli, ["stats", "-w", str(tmp_path)])
    assert r.exit_code == 1
    assert "not a kgstudio workspace" in r.output
    assert "Traceback" not in r.output
