"""Opening a workspace store that another process holds: a wait with a message, then a
clear error naming what to do; a full disk is called a full disk."""
from __future__ import annotations

import errno
import subprocess
import sys
import time

import pytest

from kg.store.embedded import DiskFull, EmbeddedStore, StoreLocked, _disk_full

HOLD = "import sys, time, pyoxigraph as ox; s = ox.Store(sys.argv[1]); print('held', flush=True); time.sleep(float(sys.argv[2]))"


def _hold(path, seconds):
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    return p


def test_a_held_lock_is_waited_for_then_opened(tmp_path):
    EmbeddedStore(tmp_path / "store").close()
    holder = _hold(tmp_path / "store", 1.0)
    said = []
    t0 = time.monotonic()
    s = EmbeddedStore(tmp_path / "store", lock_wait=20, log=said.append)
    waited = time.monotonic() - t0
    s.close()
    holder.wait(10)
    assert 0.3 < waited < 15
    assert len(said) == 1 and "in use by another kgstudio process; waiting up to 20 s" in said[0]


def test_a_lock_held_past_the_wait_is_a_clear_error(tmp_path):
    EmbeddedStore(tmp_path / "store").close()
    holder = _hold(tmp_path / "store", 5.0)
    try:
        with pytest.raises(StoreLocked, match=r"in use by another kgstudio process .* and was still after 0.5 s: stop it"):
            EmbeddedStore(tmp_path / "store", lock_wait=0.5)
    finally:
        holder.kill()
        holder.wait(10)


def test_a_full_disk_is_named(tmp_path):
    assert _disk_full(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert _disk_full(OSError("IO error: While appending to file: LOG: No space left on device"), tmp_path)
    assert not _disk_full(OSError("IO error: While lock file: LOCK: Resource temporarily unavailable"), tmp_path)
    assert issubclass(DiskFull, Exception)


def test_a_full_disk_at_open_says_so(tmp_path, monkeypatch):
    import pyoxigraph as ox

    class Full:
        def __init__(self, *a, **k):
            raise OSError("IO error: While appending to file: store/LOG: No space left on device")
    monkeypatch.setattr(ox, "Store", Full)
    with pytest.raises(DiskFull, match="the disk is full .* the store is as it was") as e:
        EmbeddedStore(tmp_path / "store")
    assert "another kgstudio" not in str(e.value)
