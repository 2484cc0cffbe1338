"""Driving the studio from outside: start ``streamlit run`` on a free port and wait until it
answers, launch Debian's Chromium through Playwright with the flags of DESIGN.md, and wait
for a page to finish its script run. Shared by the browser tests
(``tests/studio/browser``) and ``benchmarks/studio.py``; Playwright is imported only by
the functions that need it.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.support import stop_process

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KGSTUDIO_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Studio:
    """A running ``streamlit run`` of the studio on ``workspace`` (stop() ends it)."""

    def __init__(self, workspace: Path, port: int | None = None, user: str = "Browser Tester",
                 timeout: float = 90.0):
        from studio.cli_app import streamlit_command
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, KGSTUDIO_WORKSPACE=str(workspace), KGSTUDIO_USER=user,
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.log_path = Path(workspace).parent / f"streamlit-{self.port}.log"
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(streamlit_command(self.port, "127.0.0.1"), cwd=str(ROOT), env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"streamlit exited ({self.proc.returncode}); see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {timeout:g} s; see {self.log_path}")

    def stop(self) -> None:
        stop_process(self.proc)
        if not self.log.closed:
            self.log.close()


def launch_chromium(playwright, **kw):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True, **kw)


def wait_idle(page, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the current script run and dropped the elements
    of the previous one (shown as stale until the run ends)."""
    page.wait_for_timeout(150)
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden", timeout=timeout)
    page.wait_for_function("document.querySelectorAll('[data-stale=\"true\"]').length === 0",
                           timeout=timeout)
    page.wait_for_timeout(100)


def wait_generator_ready(page, url: str, timeout_s: float = 300.0) -> None:
    """Open Compose and wait until its Generate button is enabled (the generator is warm)."""
    page.goto(url + "/compose")
    page.get_by_role("button", name="Generate").wait_for(timeout=120_000)
    deadline = time.time() + timeout_s
    while page.get_by_role("button", name="Generate").is_disabled():
        if time.time() > deadline:
            raise RuntimeError("the generator did not load in time")
        page.wait_for_timeout(500)
