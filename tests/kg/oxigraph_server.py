"""A real ``oxigraph serve`` (PyPI ``oxigraph``) on a free loopback port, for the remote-store
tests: the same SPARQL 1.1 Query, Update and Graph Store protocols reach Fuseki, GraphDB,
Virtuoso and QLever.

Use the fixtures by importing them into a test module::

    from tests.kg.oxigraph_server import oxigraph_server  # noqa: F401  (fixture)

``oxigraph_server`` is one server per test module (starting one takes a fraction of a
second); :meth:`OxigraphServer.clear` empties it between tests. The binary is looked up
next to ``sys.executable`` (the virtualenv's ``bin/``), then on ``PATH``; when it is
missing the tests skip locally and fail under CI (``CI=true``).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support import stop_process


def oxigraph_binary() -> str | None:
    """Path of the ``oxigraph`` executable, or None."""
    beside = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if beside.is_file():
        return str(beside)
    return shutil.which("oxigraph")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OxigraphServer:
    """``oxigraph serve --location DIR --bind 127.0.0.1:PORT`` as a child process."""

    def __init__(self, location: str | Path, binary: str | None = None, *, extra_args: tuple[str, ...] = ()):
        self.location = Path(location)
        self.binary = binary or oxigraph_binary()
        if self.binary is None:
            raise FileNotFoundError("the `oxigraph` executable (PyPI package `oxigraph`) is not installed")
        self.extra_args = tuple(extra_args)
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.log_path = self.location.parent / (self.location.name + ".log")

    # ---- URLs -------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def query_url(self) -> str:
        return self.base + "/query"

    @property
    def update_url(self) -> str:
        return self.base + "/update"

    @property
    def gsp_url(self) -> str:
        return self.base + "/store"

    # ---- life cycle ---------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> "OxigraphServer":
        """Start on a free port and wait until it answers a query (retries a port taken
        by someone else between choosing and binding it)."""
        last = ""
        for _attempt in range(3):
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [self.binary, "serve", "--location", str(self.location),
                     "--bind", f"127.0.0.1:{self.port}", *self.extra_args],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = requests.get(self.query_url, params={"query": "ASK {}"},
                                     headers={"Accept": "application/sparql-results+json"}, timeout=2)
                    if r.status_code == 200:
                        return self
                except requests.ConnectionError:
                    pass
                time.sleep(0.05)
            last = self.log_path.read_text(errors="replace")[-2000:]
            self.stop()
        raise RuntimeError(f"oxigraph serve did not start: {last}")

    def stop(self) -> None:
        if self.proc is None:
            return
        stop_process(self.proc)
        self.proc = None

    def restart(self) -> "OxigraphServer":
        self.stop()
        return self.start()

    def clear(self) -> None:
        """Empty the store (every graph, default included)."""
        r = requests.post(self.update_url, data="DROP ALL",
                          headers={"Content-Type": "application/sparql-update"}, timeout=30)
        r.raise_for_status()

    def __enter__(self) -> "OxigraphServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def require_oxigraph() -> str:
    """The binary, or skip (locally) / fail (under CI) the test."""
    binary = oxigraph_binary()
    if binary is None:
        msg = "`oxigraph` executable not found (pip install oxigraph)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(msg + ": CI must have it")
        pytest.skip(msg)
    return binary


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A running ``oxigraph serve`` on disk in a temporary folder, one per test module."""
    binary = require_oxigraph()
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph") / "db", binary)
    server.start()
    try:
        yield server
    finally:
        server.stop()
