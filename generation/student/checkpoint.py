"""Student checkpoints: config, tokenizer, weights, the teacher it was distilled from and
the hash of the graph it was trained on, in one ``torch.save`` file that loads with
``weights_only=True`` (like :mod:`gnn.checkpoint`).

Files in ``models/student/`` of a workspace: ``student.pt`` (the weights that scored best
on validation), ``last.pt`` (what a resumed ``kgstudio distill`` needs: latest weights,
optimiser state, position in the schedule) and ``tokenizer.json`` (the same tokenizer,
readable by any ``tokenizers`` tool). Besides the network the checkpoint carries the
teacher's embeddings of the graph's nodes (float16), which order a neighbourhood by
relevance at run time without running the GNN.

A checkpoint is refused, with what to do, when

* the workspace graph is not the one it was trained on (:meth:`StudentCheckpoint.check_graph`:
  its placeholders and relevance table would describe other nodes);
* its tokenizer does not match: the stored tokenizer's fingerprint differs from the one
  recorded at training, its vocabulary does not fit the embedding matrix, or the
  ``tokenizer.json`` beside it is another tokenizer (:meth:`StudentCheckpoint.check_tokenizer`).

The checkpoint's identity (:attr:`StudentCheckpoint.id`) is the first 16 hex digits of the
sha256 of its bytes: what generated text is attributed to in PROV-O.
"""
from __future__ import annotations

import hashlib
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSeq2SeqLM

from generation.config import LEGACY_DEFAULTS, StudentConfig, StudentConfigError
from generation.student.model import StudentModel
from generation.student.tokenizer import StudentTokenizer, TokenizerError
from gnn.checkpoint import read_payload
from kg.atomic import atomic_write
from kg.errors import KGStudioError

__all__ = ["StudentCheckpoint", "StudentCheckpointError", "StudentCheckpointMismatch",
           "save_student", "load_student_checkpoint", "student_dir", "FORMAT", "VERSION"]

FORMAT = "kgstudio-student-checkpoint"
VERSION = 1
_HINT = "retrain with `kgstudio distill -w WORKSPACE`"


class StudentCheckpointError(KGStudioError):
    """A student checkpoint is missing, unreadable or not a student checkpoint."""


class StudentCheckpointMismatch(StudentCheckpointError):
    """A student checkpoint does not fit the workspace (graph or tokenizer)."""


def student_dir(workspace) -> Path:
    """``models/student`` of a workspace."""
    return Path(workspace.models_dir) / "student"


def save_student(path: str | Path, *, config: StudentConfig, tokenizer_json: str,
                 state_dict: dict, graph_hash: str, graphs: list[str] | None = None,
                 teacher: dict | None = None, relevance: dict | None = None,
                 metrics: dict | None = None, curve: list[dict] | None = None, step: int = 0,
                 optimizer: dict | None = None, best_state: dict | None = None,
                 best_score: float | None = None, val_focus: list[str] | None = None,
                 hf_config: dict | None = None) -> str:
    """Write a checkpoint atomically; returns the sha256 of the bytes written.

    ``teacher``: ``{"id", "sha256", "dim", "graph_hash"}`` of the teacher distilled from
    (None: trained without one). ``relevance``: ``{"iris": [...], "emb": (N, D) float16}``.
    ``hf_config``: the transformers config of a model started from ``pretrained_path``
    (its architecture may not be T5); None rebuilds from the student config.
    """
    payload = {
        "format": FORMAT, "version": VERSION, "config": config.to_dict(),
        "tokenizer": tokenizer_json,
        "tokenizer_sha256": hashlib.sha256(tokenizer_json.encode("utf-8")).hexdigest(),
        "state_dict": state_dict, "graph_hash": graph_hash, "graphs": list(graphs or []),
        "teacher": teacher, "relevance": relevance, "metrics": metrics or {},
        "curve": list(curve or []), "step": int(step), "optimizer": optimizer,
        "best_state": best_state, "best_score": best_score, "val_focus": list(val_focus or []),
        "hf_config": hf_config,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    buf = io.BytesIO()
    torch.save(payload, buf)
    data = buf.getvalue()
    atomic_write(Path(path), data)
    return hashlib.sha256(data).hexdigest()


@dataclass
class StudentCheckpoint:
    path: Path
    config: StudentConfig
    tokenizer_json: str
    tokenizer_sha256: str
    state_dict: dict
    graph_hash: str
    graphs: list[str]
    teacher: dict | None
    relevance: dict | None
    metrics: dict
    curve: list[dict]
    step: int
    created: str
    sha256: str
    optimizer: dict | None = None
    best_state: dict | None = None
    best_score: float | None = None
    val_focus: list[str] = field(default_factory=list)
    hf_config: dict | None = None

    @property
    def id(self) -> str:
        """Short identity of the file (first 16 hex digits of its sha256)."""
        return self.sha256[:16]

    @property
    def teacher_id(self) -> str:
        return (self.teacher or {}).get("id", "")

    # ---- checks ---------------------------------------------------------------------------
    def check_graph(self, store) -> None:
        """Raise :class:`StudentCheckpointMismatch` unless the store's graph is the one trained on."""
        from kg.hetero import ExportError, graph_hash   # torch_geometric: only to check a graph
        try:
            now = graph_hash(store, self.graphs or None)
        except ExportError as e:
            raise StudentCheckpointMismatch(f"{self.path} was trained on graphs that are no "
                                            f"longer in the store ({e}); {_HINT}") from e
        self.check_hash(now)

    def check_hash(self, now: str) -> None:
        if now != self.graph_hash:
            raise StudentCheckpointMismatch(
                f"{self.path} was trained on graph {self.graph_hash[:12]} but the workspace graph "
                f"is now {now[:12]} (the curriculum changed since); {_HINT}")

    def tokenizer(self):
        """The :class:`~generation.student.tokenizer.StudentTokenizer` stored inside."""
        if hashlib.sha256(self.tokenizer_json.encode("utf-8")).hexdigest() != self.tokenizer_sha256:
            raise StudentCheckpointMismatch(f"{self.path}: the stored tokenizer is not the one the "
                                            f"model was trained with (fingerprint differs); {_HINT}")
        try:
            return StudentTokenizer.from_json(self.tokenizer_json)
        except TokenizerError as e:
            raise StudentCheckpointMismatch(f"{self.path}: {e}") from e

    def check_tokenizer(self, tokenizer_file: str | Path | None = None) -> None:
        """The tokenizer must be the trained one and fit the embeddings; a ``tokenizer.json``
        given (default: the one beside the checkpoint, when present) must be identical."""
        tok = self.tokenizer()
        emb = self.state_dict.get("seq2seq.shared.weight")
        if emb is not None and emb.shape[0] != len(tok):
            raise StudentCheckpointMismatch(
                f"{self.path}: the tokenizer has {len(tok)} tokens but the model's embeddings "
                f"have {emb.shape[0]} rows; {_HINT}")
        f = Path(tokenizer_file) if tokenizer_file else self.path.parent / "tokenizer.json"
        if f.is_file():
            other = f.read_text(encoding="utf-8")
            if hashlib.sha256(other.encode("utf-8")).hexdigest() != self.tokenizer_sha256:
                raise StudentCheckpointMismatch(
                    f"{f} is not the tokenizer {self.path.name} was trained with (another "
                    f"distillation run wrote it?); delete it or {_HINT}")

    # ---- rebuilding ---------------------------------------------------------------------
    def build(self, state: str = "state_dict"):
        """(:class:`~generation.student.model.StudentModel` in eval mode, tokenizer)."""
        tok = self.tokenizer()
        teacher_dim = int((self.teacher or {}).get("dim", 0))
        try:
            cfg = StudentConfig.from_dict({**self.config.to_dict(), "pretrained_path": ""})
            seq2seq = None
            if self.hf_config:
                hf = dict(self.hf_config)
                seq2seq = AutoModelForSeq2SeqLM.from_config(AutoConfig.for_model(**hf))
            model = StudentModel(cfg, len(tok), teacher_dim, seq2seq=seq2seq)
            model.load_state_dict(getattr(self, state))
        except (KeyError, RuntimeError, TypeError, StudentConfigError) as e:
            raise StudentCheckpointError(f"{self.path}: the weights do not fit the model its "
                                         f"config describes ({str(e)[:200]}); {_HINT}") from e
        model.cfg = self.config
        return model.eval(), tok


def load_student_checkpoint(path: str | Path) -> StudentCheckpoint:
    """Read a checkpoint (``weights_only=True``); :class:`StudentCheckpointError` names what is wrong."""
    path = Path(path)
    hint = f"{_HINT} or restore the file"
    payload, data = read_payload(path, what="student", fmt=FORMAT, version=VERSION, error=StudentCheckpointError,
                                 train="kgstudio distill -w WORKSPACE")
    try:
        return StudentCheckpoint(
            path, StudentConfig.from_dict({**LEGACY_DEFAULTS, **payload["config"]}), payload["tokenizer"],
            payload["tokenizer_sha256"], payload["state_dict"], payload["graph_hash"],
            list(payload.get("graphs") or []), payload.get("teacher"), payload.get("relevance"),
            payload.get("metrics") or {}, list(payload.get("curve") or []),
            int(payload.get("step", 0)), payload.get("created", ""),
            hashlib.sha256(data).hexdigest(), payload.get("optimizer"), payload.get("best_state"),
            payload.get("best_score"), list(payload.get("val_focus") or []),
            payload.get("hf_config"))
    except (KeyError, TypeError, StudentConfigError) as e:
        raise StudentCheckpointError(f"{path}: incomplete student checkpoint ({e}); {hint}") from e
