"""Crash-safe writing: files and folders appear whole or not at all.

Every file kgstudio writes outside the store goes through :func:`atomic_write` or
:func:`atomic_path`: the bytes go to a temporary file with a unique name in the target's
folder (so two writers never share one), the file is fsynced, renamed over the target,
and the folder is fsynced (so the rename itself survives a power cut). Folders that are
written as one unit (an html pack, a training run's outputs) go through
:func:`atomic_dir`: the new folder is built beside the old one and the two are swapped
in one step with Linux's ``renameat2(RENAME_EXCHANGE)``. Where that call is missing
(another OS, a file system without it) the swap is two renames, and :func:`recover_dir`
puts a folder back that a kill between them left missing; :func:`atomic_dir` runs it
first, so the next run repairs the gap.

Temporary names carry the writer's process id: ``.<name>.<pid>.<random>.tmp`` for files,
``.<name>.<pid>.<random>.part`` / ``.old`` / ``.new`` for folders. :func:`clean_litter`
removes those of processes that are gone (a ``kill -9`` leaves them behind), plus the
litter of earlier versions (``*.part``, ``*.tmp``) once it is a few minutes old.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> atomic_write(d / "a.txt", "one")
>>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
('one', ['a.txt'])
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import secrets
import shutil
import sys
import time
from pathlib import Path
from typing import Iterable, Iterator

__all__ = ["atomic_write", "atomic_path", "atomic_dir", "swap_dirs", "recover_dir",
           "clean_litter", "fsync_dir", "temp_name"]

#: Litter of earlier kgstudio versions (no process id in the name) is removed once it is
#: this old: a live writer of those versions finishes long before.
LEGACY_AGE_S = 600.0

_OURS = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.(?P<kind>tmp|part|old|new)(?:\.[\w]+)?$")
_LEGACY = (re.compile(r".+\.part(?:\.png)?$"), re.compile(r".+\.tmp\d*$"),
           re.compile(r"^\..+\.(?:part|old)$"))


def temp_name(target: str | Path, kind: str = "tmp", keep_suffix: bool = False) -> Path:
    """A unique temporary path beside ``target`` (``.<name>.<pid>.<random>.<kind>``).

    ``keep_suffix`` appends the target's suffix (``.png``) for writers that pick a format
    from the name (matplotlib)."""
    target = Path(target)
    name = f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.{kind}"
    if keep_suffix and target.suffix:
        name += target.suffix
    return target.with_name(name)


def fsync_dir(folder: str | Path) -> None:
    """fsync a folder, so that renames inside it are on disk (no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


@contextlib.contextmanager
def atomic_path(target: str | Path, *, keep_suffix: bool = False) -> Iterator[Path]:
    """Yield a unique temporary path beside ``target``; write it (``torch.save``,
    ``fig.savefig``, ...) and on leaving it is fsynced and renamed over ``target``.

    On an exception the temporary file is removed and ``target`` is untouched."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target, "tmp", keep_suffix)
    try:
        yield tmp
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def atomic_write(target: str | Path, data: bytes | str, *, encoding: str = "utf-8") -> None:
    """Write ``data`` to ``target`` atomically (see the module docstring)."""
    if isinstance(data, str):
        data = data.encode(encoding)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(target, "tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


# ---- folders ------------------------------------------------------------------------------

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_renameat2 = None


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with ``renameat2(RENAME_EXCHANGE)``; False where the
    call is missing or the file system refuses it (the caller falls back)."""
    global _renameat2
    if not sys.platform.startswith("linux"):
        return False
    if _renameat2 is None:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            fn = libc.renameat2
        except (OSError, AttributeError):
            _renameat2 = False
            return False
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        _renameat2 = fn
    if _renameat2 is False:
        return False
    rc = _renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _rename(a: Path, b: Path) -> None:   # one place, so tests can interrupt the fallback
    os.replace(a, b)


def swap_dirs(new: Path, out: Path) -> None:
    """Put the folder ``new`` at ``out`` (replacing an existing folder) in one step; the
    old folder is deleted afterwards. A kill at any moment leaves a whole folder at
    ``out``, or (fallback only) one that :func:`recover_dir` restores."""
    new, out = Path(new), Path(out)
    if not out.exists():
        os.rename(new, out)
        fsync_dir(out.parent)
        return
    if _exchange(new, out):          # new now holds the old folder
        fsync_dir(out.parent)
        shutil.rmtree(new, ignore_errors=True)
        return
    ready = temp_name(out, "new")     # complete: recover_dir may put it in place
    _rename(new, ready)
    old = temp_name(out, "old")
    _rename(out, old)
    _rename(ready, out)
    fsync_dir(out.parent)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(out: str | Path) -> Path | None:
    """Finish a fallback swap that a kill interrupted: when ``out`` is missing, move the
    newest complete new folder (else the newest old one) of a dead writer back to it.
    Returns the folder restored, or None."""
    out = Path(out)
    if out.exists() or not out.parent.is_dir():
        return None
    cands: dict[str, list[Path]] = {"new": [], "old": []}
    for p in out.parent.iterdir():
        m = _OURS.match(p.name)
        if m and m["name"] == out.name and m["kind"] in cands and p.is_dir() and not _alive(int(m["pid"])):
            cands[m["kind"]].append(p)
    for kind in ("new", "old"):
        if cands[kind]:
            best = max(cands[kind], key=lambda p: p.stat().st_mtime)
            os.rename(best, out)
            fsync_dir(out.parent)
            return best
    return None


@contextlib.contextmanager
def atomic_dir(out: str | Path, *, keep_others: bool = False, drop: Iterable[str] = ()) -> Iterator[Path]:
    """Yield a new empty folder beside ``out``; on success it takes ``out``'s place in one
    step (:func:`swap_dirs`). On an exception it is deleted and ``out`` is untouched.

    ``keep_others``: entries of the old ``out`` that the new folder lacks are hard-linked
    into it before the swap (a run folder keeps files the run does not make), except
    those named in ``drop`` and temporaries. Recovers an interrupted earlier swap and
    cleans dead writers' litter first."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(out)
    clean_litter(out.parent, names=[out.name])
    tmp = temp_name(out, "part")
    tmp.mkdir()
    try:
        yield tmp
        if keep_others and out.is_dir():
            _link_others(out, tmp, set(drop))
        for p in tmp.rglob("*"):
            if p.is_file() and not p.is_symlink():
                _fsync_file(p)
        fsync_dir(tmp)
        swap_dirs(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _link_others(old: Path, new: Path, drop: set[str]) -> None:
    for p in old.iterdir():
        dest = new / p.name
        if p.name in drop or dest.exists() or _OURS.match(p.name) or any(rx.match(p.name) for rx in _LEGACY):
            continue
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.copytree(p, dest, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(p, dest)
        except FileNotFoundError:       # removed meanwhile
            continue


def _link_or_copy(src, dst) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


# ---- litter ---------------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def clean_litter(folder: str | Path, *, names: Iterable[str] | None = None,
                 legacy_age_s: float = LEGACY_AGE_S) -> list[Path]:
    """Remove the temporaries that killed writers left in ``folder`` (not recursive):
    ours of processes that no longer run, and older versions' ``*.part``/``*.tmp`` once
    ``legacy_age_s`` old. ``names``: only litter of these targets. Returns what went."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    wanted = set(names) if names is not None else None
    now = time.time()
    gone: list[Path] = []
    for p in folder.iterdir():
        m = _OURS.match(p.name)
        if m:
            if (wanted is not None and m["name"] not in wanted) or _alive(int(m["pid"])):
                continue
        elif any(rx.match(p.name) for rx in _LEGACY):
            if wanted is not None and not any(p.name.lstrip(".").startswith(n + ".") for n in wanted):
                continue
            try:
                if now - p.lstat().st_mtime < legacy_age_s:
                    continue
            except OSError:
                continue
        else:
            continue
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            gone.append(p)
        except OSError:
            pass
    return gone
