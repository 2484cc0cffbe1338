"""``kgstudio studio``: open the Streamlit studio on a workspace, unattended.

Runs ``streamlit run studio/streamlit_app.py`` in this Python as a child process, with the
workspace in the ``KGSTUDIO_WORKSPACE`` environment variable (the app reads it as its
default workspace). Three things make it a front door that works without a person at a
terminal:

* **No prompt, ever.** Streamlit asks for an e-mail address on its first run unless it is
  headless, and with no terminal (a script, a container, ``make run </dev/null``) that
  prompt ends the run. The child is therefore always headless, with usage statistics off
  and stdin closed; this command opens the browser itself when there is a display
  (``--browser``, the default) and prints the URL once the studio answers.
* **The child ends with its parent.** SIGTERM, SIGHUP and SIGINT are forwarded to the
  child and waited for (then SIGKILL after a grace period), and on Linux the child gets
  ``PR_SET_PDEATHSIG`` so even a SIGKILLed parent takes it down. A child left running
  would keep the workspace's store lock and block every later command.
* **Progress while it starts.** The first start imports torch and the models, which takes
  seconds; the command says so and prints the URL when ``/_stcore/health`` answers.

The studio holds the workspace's embedded store open while it runs, so other kgstudio
commands that write to the same workspace (import, train-teacher) cannot open it until the
studio stops; use the studio's own pages for those meanwhile.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
import webbrowser
from pathlib import Path

import click

from kg.errors import KGStudioError
from studio.cli import command, workspace_option

APP = Path(__file__).resolve().parent / "streamlit_app.py"
GRACE_S = 10.0          # how long a stopping child may take before it is killed
START_TIMEOUT_S = 180.0  # how long to wait for the studio to answer before giving up


def streamlit_command(port: int | None, host: str | None) -> list[str]:
    """The ``streamlit run`` command line (also used by the browser tests and benchmark).

    Always headless: a non-headless Streamlit prompts for an e-mail address on first run.
    """
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP),
           "--server.headless", "true",
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


def studio_env(workspace_root: Path) -> dict[str, str]:
    """The child's environment: the workspace, offline models, no Streamlit telemetry."""
    env = dict(os.environ, KGSTUDIO_WORKSPACE=str(workspace_root))
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    env["STREAMLIT_SERVER_HEADLESS"] = "true"
    root = str(APP.parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def has_display() -> bool:
    """Whether a browser window can be opened here (macOS/Windows, or X11/Wayland)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the parent dies (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def stop_child(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = GRACE_S) -> int:
    """Send ``sig`` to the child, wait ``grace`` seconds, then SIGKILL it; its exit code."""
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
            return proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
        except ProcessLookupError:
            pass
    return proc.wait()


def _wait_until_up(proc: subprocess.Popen, url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def run_studio(workspace_root: Path, port: int, host: str, open_browser: bool) -> int:
    """Start the studio, print its URL when it answers, forward signals; the exit code."""
    url = f"http://{host}:{port}/"
    try:
        proc = subprocess.Popen(streamlit_command(port, host), env=studio_env(workspace_root),
                                stdin=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    except OSError as e:
        raise KGStudioError(f"cannot start streamlit ({e}); is it installed (`pip install -e .`)?") from e

    stopping = {"sig": None}

    def forward(signum, _frame):
        stopping["sig"] = signum
        raise KeyboardInterrupt

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)}
    try:
        click.echo(f"Starting the kgstudio studio on {workspace_root} ...", err=True)
        if _wait_until_up(proc, url, START_TIMEOUT_S):
            click.echo(f"kgstudio studio is ready: {url}", err=True)
            click.echo("Stop it with Ctrl-C.", err=True)
            if open_browser and has_display():
                webbrowser.open(url)
        elif proc.poll() is None:
            click.echo(f"the studio has not answered within {START_TIMEOUT_S:g} s; still waiting at {url}",
                       err=True)
        rc = proc.wait()
    except KeyboardInterrupt:
        sig = stopping["sig"] or signal.SIGINT
        stop_child(proc, signal.SIGTERM if sig == signal.SIGHUP else sig)
        rc = 0
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if proc.poll() is None:
            stop_child(proc)
    return rc


@command("studio", "Open the Streamlit studio (compose, review, export; explore the graph; "
                   "decide on suggested prerequisites) on a workspace.")
@click.option("--port", type=int, default=8501, show_default=True, help="Port to serve the studio on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--headless/--browser", default=False, show_default=True,
              help="--headless: never open a browser window (servers, CI); --browser: open one "
                   "when there is a display. The URL is printed either way; there is never a prompt.")
@workspace_option
def studio_cmd(workspace, port, host, headless):
    sys.exit(run_studio(workspace.root, port, host, open_browser=not headless))
