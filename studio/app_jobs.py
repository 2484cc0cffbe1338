"""Long work off Streamlit's script thread: imports, teacher retraining, chapter generation.

A :class:`Job` runs a function in a daemon thread and records how far it got (a fraction
and a message), its log and its outcome. Jobs are kept per process, keyed by workspace and
kind, so every browser session on the workspace sees the same running job (and a second
"retrain" while one runs is refused rather than started twice). The job's *results* go to
the workspace (store, model files); the job record itself is only progress, which is why
it may live in memory: a restart of the studio loses a running job, never what it wrote.

>>> j = start_job("/tmp/ws", "demo", lambda job: (job.report(0.5, "half"), 42)[1])
>>> j.wait(5).result, j.state, j.fraction
(42, 'done', 1.0)
"""
from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from kg.errors import KGStudioError


class JobRunning(KGStudioError):
    """A job of the same kind is already running on this workspace."""


@dataclass
class Job:
    key: tuple[str, str]                 # (workspace root, kind)
    state: str = "running"               # running | done | failed
    fraction: float = 0.0                # 0..1 of the work done
    message: str = "starting"            # what it is doing now
    log: list[str] = field(default_factory=list)
    result: Any = None
    error: str | None = None             # a readable message when failed
    started: float = field(default_factory=time.time)
    ended: float | None = None
    _thread: threading.Thread | None = None

    def report(self, fraction: float | None = None, message: str | None = None) -> None:
        """Called by the work function: how far it got."""
        if fraction is not None:
            self.fraction = max(0.0, min(1.0, float(fraction)))
        if message is not None:
            self.message = message
            self.log.append(message)

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def elapsed(self) -> float:
        return (self.ended or time.time()) - self.started

    def wait(self, timeout: float | None = None) -> "Job":
        if self._thread is not None:
            self._thread.join(timeout)
        return self


_jobs: dict[tuple[str, str], Job] = {}
_lock = threading.Lock()


def get_job(root, kind: str) -> Job | None:
    return _jobs.get((str(root), kind))


def start_job(root, kind: str, fn: Callable[[Job], Any]) -> Job:
    """Run ``fn(job)`` in a background thread; raises :class:`JobRunning` when a job of
    the same kind runs on the workspace already."""
    key = (str(root), kind)
    with _lock:
        old = _jobs.get(key)
        if old is not None and old.running:
            raise JobRunning(f"a {kind} job is already running on this workspace "
                             f"({old.message}); wait for it to finish")
        job = Job(key)
        _jobs[key] = job

    def work():
        try:
            job.result = fn(job)
            job.fraction = 1.0
            job.state = "done"
            job.message = "done"
        except KGStudioError as e:
            job.error, job.state = str(e), "failed"
        except Exception as e:  # shown as one line; the traceback goes to the server log
            traceback.print_exc()
            job.error, job.state = f"unexpected error ({type(e).__name__}: {e})", "failed"
        finally:
            job.ended = time.time()

    job._thread = threading.Thread(target=work, name=f"kgstudio-{kind}", daemon=True)
    job._thread.start()
    return job
