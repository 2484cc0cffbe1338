"""``kgstudio studio``: headless ``streamlit run`` on the router, no prompt, URL printed,
and the child ended with its parent (SIGTERM must not leave it holding the store lock)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from studio import cli_app
from tests.support.studio_browser import free_port
from studio.cli import cli

ROOT = Path(cli_app.__file__).resolve().parent.parent


def test_streamlit_command_is_always_headless_without_telemetry():
    cmd = cli_app.streamlit_command(8610, "127.0.0.1")
    assert cmd[:4] == [sys.executable, "-m", "streamlit", "run"]
    assert Path(cmd[4]) == Path(cli_app.__file__).parent / "streamlit_app.py"
    assert cmd[cmd.index("--server.port") + 1] == "8610"
    assert cmd[cmd.index("--server.headless") + 1] == "true"          # never the e-mail prompt
    assert cmd[cmd.index("--browser.gatherUsageStats") + 1] == "false"
    assert cmd[cmd.index("--client.showErrorDetails") + 1] == "none"  # no tracebacks in the browser


def test_studio_command_passes_the_workspace_and_closes_stdin(tmp_path, monkeypatch):
    from kg.workspace import Workspace
    Workspace.init(tmp_path / "ws")
    seen = {}

    class FakeProc:
        returncode = 0

        def __init__(self, cmd, env, stdin, preexec_fn):
            seen.update(cmd=cmd, env=env, stdin=stdin)

        def poll(self):
            return 0

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cli_app.subprocess, "Popen", FakeProc)
    r = CliRunner().invoke(cli, ["studio", "-w", str(tmp_path / "ws"), "--port", "8610", "--headless"])
    assert r.exit_code == 0, r.output
    assert seen["stdin"] == subprocess.DEVNULL
    assert seen["env"]["KGSTUDIO_WORKSPACE"] == str((tmp_path / "ws").resolve())
    assert seen["env"]["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_no_browser_is_opened_without_a_display(monkeypatch):
    monkeypatch.setattr(cli_app.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not cli_app.has_display()
    monkeypatch.setenv("DISPLAY", ":0")
    assert cli_app.has_display()


def test_not_a_workspace_is_a_message(tmp_path):
    r = CliRunner().invoke(cli, ["studio", "-w", str(tmp_path / "nothing")])
    assert r.exit_code == 1
    assert "is not a kgstudio workspace" in r.output and "Traceback" not in r.output


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc and ps")
def test_studio_as_make_run_starts_unattended_and_sigterm_ends_the_child(tmp_path):
    """What `make run </dev/null` does: the URL is printed, no prompt; then a process
    manager's SIGTERM ends the streamlit child too, and the workspace's store opens."""
    from kg.workspace import Workspace
    ws = Workspace.init(tmp_path / "ws")
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), HOME=str(tmp_path))  # a fresh HOME: Streamlit's first run
    env.pop("DISPLAY", None)
    proc = subprocess.Popen([sys.executable, "-c", "from studio.cli import main; main()", "studio", "-w", str(ws.root), "--port", str(port)],
                            cwd=str(ROOT), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines = []
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "studio is ready" in line:
                break
        out = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in out, out
        assert "Email" not in out and "Welcome to Streamlit" not in out, out
        children = _children(proc.pid)
        assert children, "the streamlit child is not running"
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        time.sleep(0.5)
        assert not [c for c in children if _alive(c)], "a streamlit child survived SIGTERM"
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    from kg.workspace import Workspace as W
    store = W(ws.root).open_store()
    try:
        assert store is not None
    finally:
        store.close()
