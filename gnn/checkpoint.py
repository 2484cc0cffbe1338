"""Teacher checkpoints: config + weights + the hash of the graph trained on + metrics +
training curve, in one ``torch.save`` file that loads with ``weights_only=True``.

Two files per workspace, in ``models/teacher/``: ``teacher.pt`` (the weights that scored
best on validation, with the final test metrics) and ``last.pt`` (everything needed to
resume: the latest weights, the optimiser state, the best weights so far, the curve).
:func:`load_checkpoint` names what is wrong with a file a user gives it -- missing, not
a checkpoint, truncated, another format version -- and :meth:`Checkpoint.check_graph`
refuses a checkpoint trained on a different graph (the curriculum changed since), since
its node rows would no longer mean the same nodes.

A checkpoint's identity (:attr:`Checkpoint.id`) is the sha256 of its bytes: what the
teacher's suggestions are attributed to in PROV-O.

>>> from gnn.config import TeacherConfig
>>> import tempfile, os
>>> p = os.path.join(tempfile.mkdtemp(), "x.pt")
>>> _ = save_checkpoint(p, config=TeacherConfig(epochs=1), meta={}, state_dict={}, graph_hash="ab")
>>> load_checkpoint(p).graph_hash
'ab'
>>> open(p, "wb").write(b"junk") and None
>>> load_checkpoint(p)
Traceback (most recent call last):
...
gnn.checkpoint.CheckpointError: ...x.pt is not a readable teacher checkpoint (...); retrain with `kgstudio train-teacher -w WORKSPACE` or restore the file
"""
from __future__ import annotations

import hashlib
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from gnn.config import ConfigError, TeacherConfig
from kg.atomic import atomic_write
from kg.errors import KGStudioError
from kg.hetero import ExportError, graph_hash

__all__ = ["Checkpoint", "CheckpointError", "CheckpointMismatch", "save_checkpoint",
           "load_checkpoint", "teacher_dir", "FORMAT", "VERSION"]

FORMAT = "kgstudio-teacher-checkpoint"
VERSION = 1


class CheckpointError(KGStudioError):
    """A checkpoint file is missing, unreadable or not a teacher checkpoint."""


class CheckpointMismatch(CheckpointError):
    """A checkpoint does not fit the graph (or split) it is used with."""


def teacher_dir(workspace) -> Path:
    """``models/teacher`` of a workspace."""
    return Path(workspace.models_dir) / "teacher"


def save_checkpoint(path: str | Path, *, config: TeacherConfig, meta: dict, state_dict: dict,
                    graph_hash: str, graphs: list[str] | None = None, metrics: dict | None = None,
                    curve: list[dict] | None = None, epoch: int = 0, split_fingerprint: str = "",
                    optimizer: dict | None = None, best_state: dict | None = None,
                    best_score: float | None = None, stale: int = 0) -> str:
    """Write a checkpoint atomically; returns the sha256 of the bytes written."""
    payload = {
        "format": FORMAT, "version": VERSION, "config": config.to_dict(), "meta": meta,
        "state_dict": state_dict, "graph_hash": graph_hash, "graphs": list(graphs or []),
        "metrics": metrics or {}, "curve": list(curve or []), "epoch": int(epoch),
        "split_fingerprint": split_fingerprint,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "optimizer": optimizer, "best_state": best_state, "best_score": best_score,
        "stale": int(stale),
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    data = buf.getvalue()
    atomic_write(Path(path), data)
    return hashlib.sha256(data).hexdigest()


@dataclass
class Checkpoint:
    path: Path
    config: TeacherConfig
    meta: dict
    state_dict: dict
    graph_hash: str
    graphs: list[str]
    metrics: dict
    curve: list[dict]
    epoch: int
    split_fingerprint: str
    created: str
    sha256: str
    optimizer: dict | None = None
    best_state: dict | None = None
    best_score: float | None = None
    stale: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        """Short identity of the file (first 16 hex digits of its sha256)."""
        return self.sha256[:16]

    def build_model(self, state: str = "state_dict"):
        """The :class:`gnn.model.TeacherModel` with this checkpoint's weights, in eval mode."""
        from gnn.model import TeacherModel
        m = self.meta
        try:
            model = TeacherModel(self.config, (list(m["node_types"]), [tuple(e) for e in m["edge_types"]]),
                                 dict(m["in_dims"]), [tuple(e) for e in m["link_types"]],
                                 {k: len(v["classes"]) for k, v in m["node_tasks"].items()})
            model.load_state_dict(getattr(self, state))
        except (KeyError, RuntimeError, TypeError) as e:
            raise CheckpointError(f"{self.path}: the weights do not fit the model its config "
                                  f"describes ({e}); retrain with `kgstudio train-teacher`") from e
        return model.eval()

    def check_graph(self, store) -> None:
        """Raise :class:`CheckpointMismatch` unless the store's graph is the one trained on."""
        try:
            now = graph_hash(store, self.graphs or None)
        except ExportError as e:
            raise CheckpointMismatch(f"{self.path} was trained on graphs that are no longer in "
                                     f"the store ({e})") from e
        self._check_hash(now)

    def _check_hash(self, now: str) -> None:
        if now != self.graph_hash:
            raise CheckpointMismatch(
                f"{self.path} was trained on graph {self.graph_hash[:12]} but the workspace graph "
                f"is now {now[:12]} (the curriculum changed since); retrain with "
                "`kgstudio train-teacher -w WORKSPACE`")

    def check_data(self, td) -> None:
        """The teacher data must be the graph trained on, with the same node and edge types."""
        self._check_hash(td.graph_hash)
        nt, et = td.data.metadata()
        if list(nt) != list(self.meta.get("node_types", [])) or \
                [tuple(e) for e in et] != [tuple(e) for e in self.meta.get("edge_types", [])]:
            raise CheckpointMismatch(f"{self.path}: the graph's node/edge types differ from the "
                                     "checkpoint's; retrain with `kgstudio train-teacher`")
        was = self.meta.get("embedding_model")
        if was and td.embedding_model and was != td.embedding_model:
            raise CheckpointMismatch(f"{self.path}: trained on {was} text embeddings, but the "
                                     f"workspace now uses {td.embedding_model} (embeddings.model); "
                                     "set it back or retrain")
        dims = {t: int(td.data[t].x.shape[1]) for t in nt}
        if dims != {k: int(v) for k, v in self.meta.get("in_dims", {}).items()}:
            raise CheckpointMismatch(f"{self.path}: node feature widths {dims} differ from the "
                                     f"checkpoint's {self.meta.get('in_dims')} (text features on "
                                     "in one and off in the other?); retrain")

    def check_split(self, split) -> None:
        if self.split_fingerprint and split.fingerprint != self.split_fingerprint:
            raise CheckpointMismatch(f"{self.path}: the train/validation/test split re-created "
                                     "from the seed differs from the one trained with (another "
                                     "torch version?); retrain to evaluate")


def read_payload(path: Path, *, what: str, fmt: str, version: int, error: type[KGStudioError],
                 train: str) -> tuple[dict, bytes]:
    """(payload, file bytes) of a kgstudio checkpoint, read with ``weights_only=True``: the
    teacher's and the student's checkpoints are read the same way, and ``error`` (their own
    exception) names the file and what is wrong with it. ``train`` is the command that makes
    one (said when it is missing or damaged)."""
    hint = f"retrain with `{train}` or restore the file"
    if not path.is_file():
        raise error(f"no {what} checkpoint at {path}; train one with `{train}`")
    data = path.read_bytes()
    try:
        payload = torch.load(io.BytesIO(data), weights_only=True, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch.load fails in many ways on a damaged file
        # (UnpicklingError, RuntimeError from the zip reader, struct.error, EOFError ...)
        msg = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
        raise error(f"{path} is not a readable {what} checkpoint ({msg}); {hint}") from e
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        raise error(f"{path} is not a kgstudio {what} checkpoint; {hint}")
    if payload.get("version") != version:
        raise error(f"{path}: {what} checkpoint format version {payload.get('version')} "
                    f"is not {version}; {hint}")
    return payload, data


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Read a checkpoint (``weights_only=True``); :class:`CheckpointError` names what is wrong."""
    path = Path(path)
    hint = "retrain with `kgstudio train-teacher -w WORKSPACE` or restore the file"
    payload, data = read_payload(path, what="teacher", fmt=FORMAT, version=VERSION, error=CheckpointError,
                                 train="kgstudio train-teacher -w WORKSPACE")
    try:
        config = TeacherConfig.from_dict(payload["config"])
        return Checkpoint(path, config, payload["meta"], payload["state_dict"], payload["graph_hash"],
                          list(payload.get("graphs") or []), payload.get("metrics") or {},
                          list(payload.get("curve") or []), int(payload.get("epoch", 0)),
                          payload.get("split_fingerprint", ""), payload.get("created", ""),
                          hashlib.sha256(data).hexdigest(), payload.get("optimizer"),
                          payload.get("best_state"), payload.get("best_score"),
                          int(payload.get("stale", 0)))
    except (KeyError, TypeError, ConfigError) as e:
        raise CheckpointError(f"{path}: incomplete teacher checkpoint ({e}); {hint}") from e


def write_json(path: Path, obj) -> None:
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True, default=float).encode("utf-8"))
