"""The code sandbox stops what a listing must not do: loop for ever, fork, allocate without
bound, write outside its folder, reach the network; and it can be turned off."""
from __future__ import annotations

import socket
import time

import pytest

from generation.content.sandbox import SandboxDisabled, network_isolation, run_python


def test_runs_a_listing_and_returns_its_output():
    r = run_python("total = 0\nfor n in range(1, 5):\n    total = total + n\nprint(total)")
    assert r.ok and r.stdout == "10\n"
    assert r.network in ("namespace+audit", "audit") and r.network == network_isolation()


def test_infinite_loop_is_stopped_by_the_cpu_limit():
    t = time.perf_counter()
    r = run_python("while True:\n    pass", cpu_s=1, wall_s=10)
    assert not r.ok and r.returncode < 0          # killed by SIGXCPU / SIGKILL
    assert time.perf_counter() - t < 5


def test_sleeping_program_is_stopped_by_the_wall_timeout():
    t = time.perf_counter()
    r = run_python("import time\ntime.sleep(60)", wall_s=1)
    assert r.timed_out and not r.ok
    assert time.perf_counter() - t < 4


def test_fork_bomb_is_stopped():
    r = run_python("import os\nwhile True:\n    os.fork()\nprint('forked')")
    assert not r.ok and "forked" not in r.stdout
    assert "PermissionError" in r.stderr or "BlockingIOError" in r.stderr
    r2 = run_python("import subprocess\nprint(subprocess.run(['echo', 'hi']))")
    assert not r2.ok and "hi" not in r2.stdout


def test_large_allocation_is_stopped():
    r = run_python("x = bytearray(8 * 10**9)\nprint('allocated')", memory_mb=256)
    assert not r.ok and "allocated" not in r.stdout and "MemoryError" in r.stderr


def test_file_write_outside_the_folder_is_stopped(tmp_path):
    target = tmp_path / "escaped.txt"
    r = run_python(f"open({str(target)!r}, 'w').write('x')\nprint('wrote')")
    assert not r.ok and not target.exists() and "outside the working folder" in r.stderr
    r2 = run_python("open('../escaped.txt', 'w').write('x')")
    assert not r2.ok
    inside = run_python("open('notes.txt', 'w').write('ok')\nprint(open('notes.txt').read())")
    assert inside.ok and inside.stdout == "ok\n"


def test_huge_output_is_capped_by_the_file_size_limit():
    r = run_python("print('x' * 10**8)", file_mb=1)
    assert not r.ok and len(r.stdout) <= 10_000


def test_network_call_is_stopped():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(0.5)
    port = srv.getsockname()[1]
    try:
        r = run_python(f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)\nprint('connected')")
        assert not r.ok and "connected" not in r.stdout
        with pytest.raises(socket.timeout):
            srv.accept()
    finally:
        srv.close()


def test_environment_is_empty_and_stdin_closed():
    r = run_python("import os\nprint(len(os.environ))\nprint(input())")
    assert r.stdout.splitlines()[0] in ("0", "1")   # at most LC_CTYPE, which CPython may set itself
    assert "EOFError" in r.stderr


def test_execution_can_be_turned_off(monkeypatch):
    with pytest.raises(SandboxDisabled):
        run_python("print(1)", enabled=False)
    monkeypatch.setenv("KGSTUDIO_RUN_CODE", "0")
    with pytest.raises(SandboxDisabled):
        run_python("print(1)")
