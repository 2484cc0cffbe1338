"""``kgstudio studio``: open the Streamlit studio on a workspace.

Runs ``streamlit run studio/streamlit_app.py`` in this Python, with the workspace in the
``KGSTUDIO_WORKSPACE`` environment variable (the app reads it as its default workspace).
The studio holds the workspace's embedded store open while it runs, so other kgstudio
commands that write to the same workspace (import, train-teacher) wait until it stops;
use the studio's own pages for those meanwhile.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from kg.errors import KGStudioError
from studio.cli import command, workspace_option

APP = Path(__file__).resolve().parent / "streamlit_app.py"


def streamlit_command(port: int | None, host: str | None, headless: bool) -> list[str]:
    """The ``streamlit run`` command line (also used by the browser tests and benchmark)."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP),
           "--server.headless", "true" if headless else "false",
           "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none",
           "--global.developmentMode", "false",
           "--client.showErrorDetails", "none",
           "--client.toolbarMode", "viewer"]
    if port:
        cmd += ["--server.port", str(port)]
    if host:
        cmd += ["--server.address", host]
    return cmd


@command("studio", "Open the Streamlit studio (compose, review, export; explore the graph; "
                   "decide on suggested prerequisites) on a workspace.")
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the studio on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--headless/--browser", default=False, show_default=True,
              help="Do not open a browser window (servers, CI).")
@workspace_option
def studio_cmd(workspace, port, host, headless):
    env = dict(os.environ, KGSTUDIO_WORKSPACE=str(workspace.root))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    click.echo(f"kgstudio studio on {workspace.root}: http://{host}:{port}/", err=True)
    try:
        rc = subprocess.call(streamlit_command(port, host, headless), env=env)
    except KeyboardInterrupt:
        rc = 0
    except OSError as e:
        raise KGStudioError(f"cannot start streamlit ({e}); is it installed (`pip install -e .`)?") from e
    sys.exit(rc)
