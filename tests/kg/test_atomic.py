"""kg.atomic: unique temporaries, fsync + rename, folder swaps that never leave the
destination empty (SIGKILL between the renames of an html export), and litter cleaning."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kg import atomic
from kg.atomic import atomic_dir, atomic_path, atomic_write, clean_litter, recover_dir, temp_name

ROOT = Path(__file__).resolve().parents[2]


def test_temp_names_are_unique_and_beside_the_target(tmp_path):
    names = {temp_name(tmp_path / "a.pt") for _ in range(2000)}
    assert len(names) == 2000
    n = next(iter(names))
    assert n.parent == tmp_path and n.name.startswith(f".a.pt.{os.getpid()}.") and n.name.endswith(".tmp")
    assert temp_name(tmp_path / "c.png", keep_suffix=True).suffix == ".png"


def test_two_writers_never_share_a_temporary(tmp_path):
    """Two writers of one file at once (the fixed ``.part`` name of write_predictions made
    them overwrite and then rename each other's half-written file)."""
    from gnn.train import write_predictions
    target = tmp_path / "predictions.tsv"
    rows = {w: [("concept", f"a{w}", f"b{i}", "gold", 1, 0.5) for i in range(2000)] for w in (1, 2)}
    expected = {}
    for w, r in rows.items():
        write_predictions(target, r)
        expected[w] = target.read_bytes()
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    seen: list[bytes] = []

    def writer(w):
        try:
            start.wait()
            for _ in range(8):
                write_predictions(target, rows[w])
                seen.append(target.read_bytes())
        except BaseException as e:          # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=writer, args=(w,)) for w in (1, 2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    assert all(b in (expected[1], expected[2]) for b in seen)     # never a mix or a torn file
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.tsv"]


def test_failed_write_leaves_the_old_file(tmp_path):
    f = tmp_path / "m.json"
    atomic_write(f, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(f) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert f.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["m.json"]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_clean_litter_removes_only_dead_writers_and_old_legacy_files(tmp_path):
    dead, me = _dead_pid(), os.getpid()
    litter = [f".last.pt.{dead}.0123abcd.tmp", f".curves.png.{dead}.0123abcd.tmp.png", "last.pt.x1y2.tmp",
              "curves.png.part.png", "predictions.tsv.part"]
    keep = [f".last.pt.{me}.0123abcd.tmp", "teacher.pt", "metrics.json", "fresh.tmp"]
    for n in litter + keep:
        (tmp_path / n).write_text("x")
    (tmp_path / f".site.{dead}.89abcdef.part").mkdir()
    old = time.time() - 3600
    for n in litter[2:]:
        os.utime(tmp_path / n, (old, old))
    gone = clean_litter(tmp_path)
    assert sorted(p.name for p in gone) == sorted(litter + [f".site.{dead}.89abcdef.part"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(keep)


def test_atomic_dir_swaps_in_one_step(tmp_path):
    out = tmp_path / "site"
    with atomic_dir(out) as d:
        (d / "index.html").write_text("one")
    with atomic_dir(out) as d:
        (d / "index.html").write_text("two")
        assert (out / "index.html").read_text() == "one"          # the old one stands meanwhile
    assert (out / "index.html").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# ---- an html export killed (SIGKILL) in the middle of its folder swap ------------------------

_KILLER = r"""
import os, signal, sys
sys.path.insert(0, sys.argv[1])
import kg.atomic as A
from generation.export import get_exporter
from generation.export.pack import build_pack
from tests.generation.export.conftest import sample_items

out, title, mode = sys.argv[2], sys.argv[3], sys.argv[4]
def die():
    os.kill(os.getpid(), signal.SIGKILL)
if mode == "exchange":                   # killed right after the one-step swap
    real = A._exchange
    def exchange(a, b):
        if not real(a, b):
            raise SystemExit("no renameat2 here")
        die()
    A._exchange = exchange
elif mode == "fallback":                 # no renameat2: killed between the two renames
    A._exchange = lambda a, b: False
    calls = []
    real_rename = A._rename
    def rename(a, b):
        real_rename(a, b)
        calls.append(b)
        if len(calls) == 2:              # the old folder moved aside, the new one not yet in
            die()
    A._rename = rename
get_exporter("html").export(build_pack(sample_items(), None, title=title), __import__("pathlib").Path(out))
"""


def _export_killed(out: Path, title: str, mode: str) -> int:
    p = subprocess.run([sys.executable, "-c", _KILLER, str(ROOT), str(out), title, mode],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    return p.returncode


def _title(out: Path) -> str:
    return (out / "index.html").read_text("utf-8").split("<title>")[1].split("</title>")[0]


def test_html_export_killed_in_its_swap_leaves_a_pack(tmp_path):
    from generation.export import get_exporter
    from generation.export.pack import build_pack

    from tests.generation.export.conftest import sample_items
    out = tmp_path / "site"
    get_exporter("html").export(build_pack(sample_items(), None, title="Old pack"), out)
    assert "Old pack" in _title(out)

    # Linux: one renameat2(RENAME_EXCHANGE); killed just after it, the new pack stands
    rc = _export_killed(out, "New pack", "exchange")
    if rc == 1:
        pytest.skip("renameat2(RENAME_EXCHANGE) is not available on this file system")
    assert rc == -signal.SIGKILL
    assert "New pack" in _title(out)

    # without renameat2: killed between the two renames, --out is briefly missing and the
    # next run (recover_dir, which atomic_dir calls first) puts the complete new pack back
    rc = _export_killed(out, "Newer pack", "fallback")
    assert rc == -signal.SIGKILL
    assert not out.exists()
    assert recover_dir(out) is not None and "Newer pack" in _title(out)
    # the next export swaps cleanly and removes the killed runs' litter
    get_exporter("html").export(build_pack(sample_items(), None, title="Last pack"), out)
    assert "Last pack" in _title(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_next_export_recovers_a_missing_pack(tmp_path, monkeypatch):
    out = tmp_path / "site"
    with atomic_dir(out) as d:
        (d / "index.html").write_text("<title>A</title>")
    # what a kill between the fallback's renames leaves: the old folder aside, no --out
    dead = _dead_pid()
    os.rename(out, tmp_path / f".site.{dead}.0123abcd.old")
    assert recover_dir(out) == tmp_path / f".site.{dead}.0123abcd.old" and _title(out) == "A"
    # a live writer's folders are never taken
    os.rename(out, tmp_path / f".site.{os.getpid()}.0123abcd.old")
    assert recover_dir(out) is None and not out.exists()
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    (tmp_path / f".site.{os.getpid()}.0123abcd.old").rename(out)
    with atomic_dir(out) as d:
        (d / "index.html").write_text("<title>B</title>")
    assert _title(out) == "B" and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_store_open_removes_bulk_litter_and_bounds_its_logs(tmp_path):
    from kg.store.embedded import KEEP_OLD_LOGS, EmbeddedStore
    path = tmp_path / "store"
    EmbeddedStore(path).close()
    (path / "bulk-123456789.sst").write_bytes(b"\0" * 1000)      # a killed bulk load's file
    for i in range(6):
        (path / f"LOG.old.17965938842{i:05d}").write_text("x")
    for _ in range(4):
        s = EmbeddedStore(path)
        assert s.count() == 0
        s.close()
    assert not list(path.glob("bulk-*.sst"))
    assert len(list(path.glob("LOG.old.*"))) <= KEEP_OLD_LOGS
