"""``kgstudio studio``: runs ``streamlit run`` on the router with the workspace in the env."""
from __future__ import annotations

import sys
from pathlib import Path

from click.testing import CliRunner

from studio import cli_app
from studio.cli import cli


def test_studio_command_starts_streamlit_on_the_workspace(tmp_path, monkeypatch):
    from kg.workspace import Workspace
    Workspace.init(tmp_path / "ws")
    seen = {}

    def fake_call(cmd, env):
        seen["cmd"], seen["env"] = cmd, env
        return 0
    monkeypatch.setattr(cli_app.subprocess, "call", fake_call)
    r = CliRunner().invoke(cli, ["studio", "-w", str(tmp_path / "ws"), "--port", "8610", "--headless"])
    assert r.exit_code == 0, r.output
    cmd = seen["cmd"]
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]) == Path(cli_app.__file__).parent / "streamlit_app.py"
    assert cmd[cmd.index("--server.port") + 1] == "8610"
    assert cmd[cmd.index("--server.headless") + 1] == "true"
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"     # no tracebacks in the browser
    assert seen["env"]["KGSTUDIO_WORKSPACE"] == str((tmp_path / "ws").resolve())


def test_not_a_workspace_is_a_message(tmp_path):
    r = CliRunner().invoke(cli, ["studio", "-w", str(tmp_path / "nothing")])
    assert r.exit_code == 1
    assert "is not a kgstudio workspace" in r.output and "Traceback" not in r.output
