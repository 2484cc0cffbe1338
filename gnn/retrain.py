"""Retraining the teacher on a workspace with the instructors' decisions now in the KG, then
refreshing its suggestions, reporting progress as it goes. The studio runs it as a
background job; a script passes any object with ``report(fraction, message)``."""
from __future__ import annotations

import json
import threading
import time
from typing import Protocol


class Progress(Protocol):
    def report(self, fraction: float | None = None, message: str | None = None) -> None: ...


class _Silent:
    def report(self, fraction: float | None = None, message: str | None = None) -> None:
        pass


def estimate_training_seconds(ws, epochs: int) -> float | None:
    """How long a retrain should take, from the last run's measured time per epoch."""
    from gnn.status import teacher_path
    m = teacher_path(ws).parent / "metrics.json"
    if not m.is_file():
        return None
    try:
        s = float(json.loads(m.read_text()).get("epoch_seconds") or 0)
    except (ValueError, OSError):
        return None
    return s * epochs * 1.6 + 2.0 if s > 0 else None   # + validation, save, plot


def retrain_teacher(ws, progress: Progress | None = None, *, epochs: int | None = None,
                    use_text: bool | None = None, top_k: int = 50) -> dict:
    """Retrain the teacher (the last run's configuration, with ``epochs``/``use_text``
    when given) on the graph and the decisions, then write new suggestions.

    Progress: data export, then training (the fraction is estimated from the previous
    run's time per epoch, since the trainer reports only at the end), then suggestions.
    Returns ``{metrics, suggestions, checkpoint}``."""
    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.suggest import suggest_prereqs
    from gnn.train import train_teacher
    job = progress or _Silent()
    out = teacher_dir(ws)
    base = {}
    if (out / "teacher.pt").is_file():
        base = load_checkpoint(out / "teacher.pt").config.to_dict()
    if epochs is not None:
        base["epochs"] = epochs
    if use_text is not None:
        base["use_text"] = use_text
    base["device"] = "auto"
    cfg = TeacherConfig(**base)
    job.report(0.02, "reading the graph and the decisions")
    with ws.open_store() as store:
        td = build_teacher_data(store, embed=cfg.use_text, difficulty_bins=cfg.difficulty_bins,
                                model=ws.settings["embeddings.model"], log=lambda m: job.report(None, m))
    job.report(0.2, f"training {cfg.epochs} epochs")
    est = estimate_training_seconds(ws, cfg.epochs)
    stop = threading.Event()

    def tick():
        t0 = time.time()
        while not stop.wait(0.5):
            if est:
                job.report(0.2 + 0.65 * min(0.97, (time.time() - t0) / est))
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        r = train_teacher(td, cfg, out_dir=out, log=lambda m: job.report(None, m))
    finally:
        stop.set()
    job.report(0.88, "writing new suggestions")
    sugg, _info = suggest_prereqs(ws, top_k=top_k)
    job.report(1.0, f"trained {r.metrics.get('epochs')} epochs; {len(sugg)} suggestions")
    return {"metrics": {k: v for k, v in r.metrics.items() if isinstance(v, (int, float))},
            "suggestions": len(sugg), "checkpoint": r.sha256}
