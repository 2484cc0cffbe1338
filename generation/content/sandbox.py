"""Run a short Python program from a curriculum in a sandbox, to verify a quiz key.

A "what does this code print?" item is only as good as its key, so the key is the output of
executing the listing, never a guess. The listing is text from a book, not trusted code, so
it runs under these limits (:func:`run_python`):

* a separate process: ``python -I -S`` (isolated mode: no ``PYTHON*`` variables, no user
  site; no ``site`` module, so no ``sitecustomize`` and no ``.pth`` file runs), with an
  **empty environment**, **stdin** from ``/dev/null`` (the first read gets end of file),
  and a **fresh temporary folder** as its working folder, deleted afterwards;
* resource limits set in the child before ``exec`` (``resource.setrlimit``):
  ``RLIMIT_CPU`` (CPU seconds; SIGXCPU then SIGKILL), ``RLIMIT_AS`` (address space: a large
  allocation raises ``MemoryError``), ``RLIMIT_FSIZE`` (largest file it may write; stdout
  and stderr go to files, so their size is capped too), ``RLIMIT_NPROC`` 0 (no new process
  for this user), ``RLIMIT_CORE`` 0;
* a **wall-clock timeout** (a sleeping program uses no CPU): the whole process group is
  killed when it passes;
* an **audit hook** (PEP 578), installed by a bootstrap passed with ``-c`` before the
  listing is compiled (so without ``sitecustomize``), that raises ``PermissionError`` on
  every socket event (``socket.__new__``, ``connect``, ``bind``, ``getaddrinfo`` …), on
  every way of starting a process (``os.fork``, ``os.system``, ``subprocess.Popen``,
  ``os.exec*``, ``os.posix_spawn``, ``pty``), on loading ``ctypes`` (which could undo the
  hook) and on opening a file for writing, or renaming/removing/linking one, outside the
  working folder;
* **no network** at the kernel level too where the platform allows an unprivileged user
  namespace: the command is prefixed with ``unshare --user --map-root-user --net`` (a
  network namespace with only a down loopback), probed once per process. Where
  ``unshare`` is missing or refused (containers that forbid user namespaces, macOS), the
  audit hook is the only network barrier; :data:`NETWORK_ISOLATION` says which applies.

An audit hook is not a security boundary against a determined attacker (CPython documents
that); together with the resource limits and the namespace it is enough for textbook
listings, which is what runs here. Execution can be turned off: ``enabled=False`` or the
environment variable ``KGSTUDIO_RUN_CODE=0`` (then :func:`run_python` raises
:class:`SandboxDisabled` and the quiz builder emits no code item). POSIX only; elsewhere
execution is reported as disabled.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

try:
    import resource          # POSIX only: without it no code is run (execution_enabled)
except ImportError:
    resource = None

__all__ = ["RunResult", "SandboxDisabled", "run_python", "execution_enabled", "network_isolation"]

#: default limits
CPU_S = 2
WALL_S = 5.0
MEMORY_MB = 256
FILE_MB = 1
OUTPUT_CHARS = 10_000


class SandboxDisabled(RuntimeError):
    """Code execution is turned off (setting, or a platform without the limits)."""


@dataclass(frozen=True)
class RunResult:
    stdout: str
    stderr: str
    returncode: int          # negative: killed by that signal
    timed_out: bool          # the wall-clock timeout fired
    network: str             # "namespace+audit" or "audit"

    @property
    def ok(self) -> bool:
        """Finished by itself with status 0 in time."""
        return self.returncode == 0 and not self.timed_out


# The bootstrap runs first in the child; it reads the listing from program.py in the working
# folder, installs the hook, then executes the listing as __main__.
_BOOT = r'''
import sys, os
_root = os.path.realpath(os.getcwd())
_deny_prefix = ("socket.", "subprocess.", "os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn",
                "os.spawn", "os.startfile", "os.kill", "os.killpg", "pty.", "ctypes.", "winreg.")
_deny_mod = {"ctypes", "_ctypes", "_posixsubprocess", "socket", "_socket", "ssl", "_ssl", "select", "mmap",
             "multiprocessing", "_multiprocessing", "resource", "fcntl"}
_path_events = {"os.remove": 1, "os.unlink": 1, "os.rmdir": 1, "os.mkdir": 1, "os.rename": 2, "os.replace": 2,
                "os.link": 2, "os.symlink": 2, "os.truncate": 1, "os.chmod": 1, "os.chown": 1, "os.utime": 1,
                "shutil.rmtree": 1, "shutil.copyfile": 2, "shutil.move": 2, "os.chdir": 1, "os.chroot": 1}
def _inside(p):
    try:
        if isinstance(p, int):
            return True
        q = os.path.realpath(os.fsdecode(p))
    except Exception:
        return False
    return q == _root or q.startswith(_root + os.sep)
def _hook(event, args):
    if event.startswith(_deny_prefix):
        raise PermissionError(f"sandbox: {event} is not allowed")
    if event == "import" and args[0].split(".")[0] in _deny_mod:
        raise PermissionError(f"sandbox: import of {args[0]} is not allowed")
    if event == "open":
        path, mode, flags = args
        writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
            isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))
        if writing and path is not None and not _inside(path):
            raise PermissionError(f"sandbox: writing {path!r} outside the working folder")
    n = _path_events.get(event)
    if n:
        for p in args[:n]:
            if p is not None and not _inside(p):
                raise PermissionError(f"sandbox: {event} on {p!r} outside the working folder")
_code = open("program.py", encoding="utf-8").read()
_compiled = compile(_code, "program.py", "exec")
sys.addaudithook(_hook)
del _hook
_g = {"__name__": "__main__", "__builtins__": __builtins__}
exec(_compiled, _g)
'''


def execution_enabled(enabled: bool = True) -> bool:
    """False when turned off (``enabled`` or ``KGSTUDIO_RUN_CODE=0``) or not on POSIX."""
    if not enabled or os.environ.get("KGSTUDIO_RUN_CODE", "1").strip().lower() in ("0", "false", "no", "off"):
        return False
    return resource is not None


@lru_cache(maxsize=1)
def network_isolation() -> str:
    """"namespace+audit" when ``unshare --user --map-root-user --net`` works here, else "audit"."""
    exe = shutil.which("unshare")
    if not exe:
        return "audit"
    try:
        r = subprocess.run([exe, "--user", "--map-root-user", "--net", sys.executable, "-I", "-S", "-c", "pass"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=10, env={})
    except (OSError, subprocess.SubprocessError):
        return "audit"
    return "namespace+audit" if r.returncode == 0 else "audit"


def _limits(cpu_s: int, memory_mb: int, file_mb: float):
    def apply():  # runs in the child between fork and exec
        os.setsid()
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))
        fsize = int(file_mb * (1 << 20))
        resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    return apply


def run_python(code: str, *, cpu_s: int = CPU_S, wall_s: float = WALL_S, memory_mb: int = MEMORY_MB,
               file_mb: float = FILE_MB, enabled: bool = True) -> RunResult:
    """Run ``code`` in the sandbox described in the module docstring; return its output.

    Raises :class:`SandboxDisabled` when execution is turned off.
    """
    if not execution_enabled(enabled):
        raise SandboxDisabled("code execution is turned off (KGSTUDIO_RUN_CODE=0, or not a POSIX system)")
    net = network_isolation()
    with tempfile.TemporaryDirectory(prefix="kgs-run-") as outdir, \
            tempfile.TemporaryDirectory(prefix="kgs-box-") as work:
        Path(work, "program.py").write_text(code, encoding="utf-8")
        cmd = [sys.executable, "-I", "-S", "-B", "-c", _BOOT]
        if net.startswith("namespace"):
            cmd = [shutil.which("unshare") or "unshare", "--user", "--map-root-user", "--net"] + cmd
        out_p, err_p = Path(outdir, "out"), Path(outdir, "err")
        timed_out = False
        with open(out_p, "wb") as out, open(err_p, "wb") as err:
            proc = subprocess.Popen(cmd, cwd=work, env={}, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    preexec_fn=_limits(cpu_s, memory_mb, file_mb), close_fds=True)
            try:
                rc = proc.wait(timeout=wall_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except OSError:
                    proc.kill()
                rc = proc.wait()

        def read(p: Path) -> str:
            with open(p, "rb") as f:
                return f.read(OUTPUT_CHARS * 4).decode("utf-8", "replace")[:OUTPUT_CHARS]
        return RunResult(read(out_p), read(err_p), rc, timed_out, net)
