"""The student generator's status for a workspace: trained or not, and its metrics and
curve when the training wrote them next to the checkpoint (``metrics.json``)."""
from __future__ import annotations

import json
import time
from pathlib import Path


def student_checkpoint_path(ws) -> Path:
    """``models/student/student.pt`` (what :func:`generation.student.api.student_checkpoint_path`
    names, without importing torch: the status is shown on pages that load no model)."""
    return Path(ws.models_dir) / "student" / "student.pt"


def student_status(ws) -> dict:
    """``available``; ``message`` (what to show or do); ``path``, ``metrics``, ``curve``
    and ``curve_x`` when a student is trained."""
    path = Path(student_checkpoint_path(ws))
    if not path.exists():
        return {"available": False,
                "message": "No student trained for this workspace: lessons are written by the "
                           "template realiser until one is (train it with `kgstudio distill`)."}
    out: dict = {"available": True, "path": str(path),
                 "message": f"student checkpoint {path.name}, "
                            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(path.stat().st_mtime))} UTC"}
    m = (path if path.is_dir() else path.parent) / "metrics.json"
    if m.is_file():
        try:
            data = json.loads(m.read_text())
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        curve = data.pop("curve", None)
        out["metrics"] = {k: v for k, v in data.items() if isinstance(v, (int, float, str))}
        if isinstance(curve, list) and curve and isinstance(curve[0], dict):
            out["curve"] = [{k: v for k, v in row.items() if isinstance(v, (int, float))} for row in curve]
            out["curve_x"] = "step" if "step" in curve[0] else next(iter(curve[0]))
    return out
