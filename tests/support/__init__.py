"""Test and benchmark support: driving the studio in a browser, a load generator for SPARQL
endpoints. Not part of the installed package."""
from __future__ import annotations

import subprocess


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM ``proc``, wait ``grace`` seconds, then SIGKILL it (no-op when it ended)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)
