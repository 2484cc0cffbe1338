"""The trained teacher as a read-only service for other parts of kgstudio.

The student text generator (:mod:`generation.student`) and the quiz builder
(:mod:`generation.content.quiz`) need the teacher's view of the curriculum -- node
embeddings, how strongly one concept requires another, which concepts sit near a focus
concept -- without knowing how the teacher was trained.
:class:`Teacher` is that view::

    t = Teacher.load(workspace)                 # models/teacher/teacher.pt
    t.embedding(iri)                            # (D,) node embedding
    t.prereq_scores([(a, b), ...])              # (N,) P(a requires b)
    t.relevance(focus, [iri, ...])              # cosine similarities
    t.nearest(iri, k=5)                         # [(iri, cosine), ...] among concepts
    t.checkpoint_id                             # what to cite in provenance

Loading refuses a checkpoint whose graph hash differs from the store's
(:class:`gnn.checkpoint.CheckpointMismatch`: the curriculum changed, the node rows would no
longer mean the same nodes). The first load rebuilds the teacher data from the workspace
store, exactly as training did (same graphs, same text model, same feature widths), runs
the encoder once in eval mode on the full graph and keeps every node's embedding; it also
writes them to ``models/teacher/embeddings.pt`` (with the node index and curriculum
groups), keyed by the checkpoint's sha256 and the graph hash. A later process loads that
file instead: no text-model embedding, no GNN pass (a CLI ``kgstudio lesson`` spent 4.7 of
its 14 s in the rebuild). Every later call is a lookup plus, for
:meth:`Teacher.prereq_scores`, one pass of the small prerequisite MLP. A process keeps the
loaded teachers by (checkpoint path, sha256), so a second ``Teacher.load`` of an unchanged
workspace only re-checks the graph hash.

Errors a user can cause are :class:`kg.errors.KGStudioError` subclasses with what to do:
no checkpoint (:class:`gnn.checkpoint.CheckpointError`, "train one with ``kgstudio
train-teacher``"), a changed graph (:class:`gnn.checkpoint.CheckpointMismatch`), an IRI the
teacher never saw (:class:`UnknownNode`).

>>> import torch
>>> from gnn.config import TeacherConfig
>>> from gnn.data import TeacherData
>>> from gnn.model import TeacherModel
>>> from kg.hetero import NodeIndex
>>> from torch_geometric.data import HeteroData
>>> d = HeteroData(); d["concept"].x = torch.eye(3); d["concept"].num_nodes = 3
>>> d["concept", "requires", "concept"].edge_index = torch.tensor([[0], [1]])
>>> d["concept", "rev_requires", "concept"].edge_index = torch.tensor([[1], [0]])
>>> td = TeacherData(d, NodeIndex({"concept": ["urn:a", "urn:b", "urn:c"]}), "h")
>>> torch.manual_seed(0) and None
>>> m = TeacherModel(TeacherConfig(hidden=8), d.metadata(), {"concept": 3},
...                  [("concept", "requires", "concept")], {})
>>> t = Teacher(m, td)
>>> t.embedding("urn:a").shape, t.embeddings(["urn:a", "urn:c"]).shape
(torch.Size([8]), torch.Size([2, 8]))
>>> [round(x, 4) for x in t.relevance("urn:a", ["urn:a"])]
[1.0]
>>> t.prereq_scores([("urn:a", "urn:b")]).shape
torch.Size([1])
>>> sorted(iri for iri, _ in t.nearest("urn:a", 5))
['urn:b', 'urn:c']
>>> t.embedding("urn:zzz")
Traceback (most recent call last):
...
gnn.infer.UnknownNode: <urn:zzz> is not a node of the teacher's graph (a concept, objective, ... of the imported curricula); check the IRI or retrain the teacher after importing it
"""
from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

from kg.atomic import atomic_write
from kg.errors import KGStudioError
from kg.hetero import NodeIndex

__all__ = ["Teacher", "UnknownNode", "clear_cache", "EMBEDDINGS_FILE"]

#: Saved node embeddings next to ``teacher.pt`` (module docstring).
EMBEDDINGS_FILE = "embeddings.pt"
_EMB_FORMAT = 1

Log = Callable[[str], None]

_CACHE: dict[tuple[str, str], "Teacher"] = {}
_LOCK = threading.Lock()


class UnknownNode(KGStudioError):
    """An IRI the teacher has no embedding for (not in the graph it was trained on)."""


def clear_cache() -> None:
    """Forget every teacher loaded in this process (tests; after retraining in-process the
    sha256 changes anyway, so a stale entry is never returned)."""
    with _LOCK:
        _CACHE.clear()


class Teacher:
    """A trained teacher with every node's embedding computed once (module docstring).

    Args:
        model: a :class:`gnn.model.TeacherModel` (put in eval mode here).
        td: the :class:`gnn.data.TeacherData` it was trained on (same node rows).
        checkpoint: the :class:`gnn.checkpoint.Checkpoint` it came from, if any.
        chunk: rows scored at once by :meth:`prereq_scores` and :meth:`nearest`.
    """

    def __init__(self, model, td, checkpoint=None, *, chunk: int = 1 << 15,
                 embeddings: dict[str, Tensor] | None = None):
        self.model = model.cpu().eval()
        self.td = td
        self.checkpoint = checkpoint
        self.chunk = chunk
        if embeddings is None:
            from gnn.model import embed
            embeddings = embed(self.model, td.data, torch.device("cpu"))
        self._h: dict[str, Tensor] = embeddings                                          # type -> (N_t, D)
        self._unit = {t: F.normalize(v, dim=-1) for t, v in self._h.items()}            # type -> (N_t, D)

    # ---- loading ------------------------------------------------------------------------
    @classmethod
    def load(cls, workspace, *, checkpoint: str | Path | None = None, log: Log | None = None,
             cache: bool = True, saved: bool = True) -> "Teacher":
        """The workspace's teacher (``models/teacher/teacher.pt`` unless ``checkpoint``).

        ``cache``: reuse a teacher this process loaded before. ``saved``: take the node
        embeddings from ``embeddings.pt`` when it matches (module docstring); such a
        teacher's ``td`` holds the node index and groups but no graph (``td.data`` is
        None), so pass ``saved=False`` to run the GNN or read the graph tensors.

        Raises :class:`gnn.checkpoint.CheckpointError` when there is no (readable)
        checkpoint and :class:`gnn.checkpoint.CheckpointMismatch` when the workspace graph
        is not the one it was trained on.
        """
        from gnn.checkpoint import load_checkpoint, teacher_dir
        from gnn.data import build_teacher_data
        ck = load_checkpoint(checkpoint or teacher_dir(workspace) / "teacher.pt")
        key = (str(ck.path.resolve()), ck.sha256)
        saved_path = ck.path.with_name(EMBEDDINGS_FILE)
        with workspace.open_store() as store:
            ck.check_graph(store)
            with _LOCK:
                hit = _CACHE.get(key) if cache else None
            if hit is not None:
                return hit
            teacher = _from_saved(saved_path, ck) if saved else None
            if teacher is None:
                td = build_teacher_data(store, embed=ck.config.use_text, graphs=ck.graphs or None,
                                        difficulty_bins=ck.config.difficulty_bins, log=log,
                                        model=workspace.settings.get("embeddings.model"))
        if teacher is None:
            ck.check_data(td)
            teacher = cls(ck.build_model(), td, ck)
            _save_embeddings(saved_path, teacher, log)
        if cache:
            with _LOCK:
                _CACHE[key] = teacher
        return teacher

    # ---- identity -----------------------------------------------------------------------
    @property
    def checkpoint_id(self) -> str:
        """First 16 hex digits of the checkpoint file's sha256 ('' when built in memory)."""
        return self.checkpoint.id if self.checkpoint is not None else ""

    @property
    def checkpoint_sha256(self) -> str:
        return self.checkpoint.sha256 if self.checkpoint is not None else ""

    @property
    def graph_hash(self) -> str:
        return self.td.graph_hash

    @property
    def dim(self) -> int:
        """Width D of every embedding."""
        return int(next(iter(self._h.values())).shape[1])

    def __contains__(self, iri) -> bool:
        return str(iri) in self.td.index

    def node_type(self, iri: str) -> str:
        """Node type of an IRI (``concept``, ``objective``, ``section`` ...)."""
        return self._locate(iri)[0]

    def iris(self, node_type: str = "concept") -> list[str]:
        """Every IRI of one node type, in row order."""
        return list(self.td.index.iris.get(node_type, []))

    def _locate(self, iri: str) -> tuple[str, int]:
        try:
            return self.td.index.index_of(str(iri))
        except KeyError:
            raise UnknownNode(f"<{iri}> is not a node of the teacher's graph (a concept, "
                              "objective, ... of the imported curricula); check the IRI or "
                              "retrain the teacher after importing it") from None

    # ---- embeddings ---------------------------------------------------------------------
    def embedding(self, iri: str) -> Tensor:
        """The node's embedding, (D,) float32 (a copy)."""
        t, r = self._locate(iri)
        return self._h[t][r].clone()

    def embeddings(self, iris: Sequence[str]) -> Tensor:
        """Embeddings of several nodes of any types, (N, D) float32, in the given order."""
        if not len(iris):
            return torch.zeros((0, self.dim))
        return torch.stack([self._h[t][r] for t, r in map(self._locate, iris)])

    # ---- prerequisite head ---------------------------------------------------------------
    @torch.no_grad()
    def prereq_scores(self, pairs: Iterable[tuple[str, str]]) -> Tensor:
        """P(a requires b) for each ``(a, b)`` of IRIs, (N,) float32 in (0, 1).

        The head was trained on pairs of one node type (concepts; courses or
        competencies in curricula that label those); scores of pairs of other types are
        what the head says, not something it was taught.
        """
        pairs = list(pairs)
        if not pairs:
            return torch.zeros(0)
        ha = self.embeddings([a for a, _ in pairs])                          # (N, D)
        hb = self.embeddings([b for _, b in pairs])                          # (N, D)
        out = [torch.sigmoid(self.model.prereq_logits(ha[i:i + self.chunk], hb[i:i + self.chunk]).float())
               for i in range(0, len(pairs), self.chunk)]
        return torch.cat(out)

    # ---- similarity ---------------------------------------------------------------------
    def relevance(self, focus_iri: str, iris: Sequence[str]) -> list[float]:
        """Cosine similarity in [-1, 1] of each node's embedding to the focus node's."""
        if not len(iris):
            return []
        t, r = self._locate(focus_iri)
        f = self._unit[t][r]                                                   # (D,)
        u = torch.stack([self._unit[tt][rr] for tt, rr in map(self._locate, iris)])  # (N, D)
        return [float(x) for x in (u @ f)]

    def nearest(self, iri: str, k: int = 10, node_type: str = "concept",
                same_curriculum: bool = False) -> list[tuple[str, float]]:
        """The ``k`` nodes of ``node_type`` with the most similar embedding (cosine), best
        first, the node itself left out. ``same_curriculum``: only nodes of the focus
        node's curriculum (the teacher's groups)."""
        t, r = self._locate(iri)
        if node_type not in self._unit:
            raise UnknownNode(f"the teacher's graph has no {node_type!r} nodes (it has "
                              f"{', '.join(sorted(self._unit))})")
        u = self._unit[node_type]                                              # (N_t, D)
        sim = u @ self._unit[t][r]                                             # (N_t,)
        if node_type == t:
            sim[r] = -float("inf")
        if same_curriculum:
            g_focus = int(self.td.group(t)[r])
            sim[self.td.group(node_type) != g_focus] = -float("inf")
        k = min(int(k), int(torch.isfinite(sim).sum()))
        if k <= 0:
            return []
        top = torch.topk(sim, k)
        iris = self.td.index.iris[node_type]
        return [(iris[i], round(float(s), 6)) for s, i in zip(top.values.tolist(), top.indices.tolist())]


# ---- saved embeddings -------------------------------------------------------------------

def _save_embeddings(path: Path, teacher: Teacher, log: Log | None) -> None:
    """Write the embeddings, node index and groups atomically; a read-only models folder
    only costs the next process a rebuild."""

    td = teacher.td
    payload = {"format": _EMB_FORMAT, "checkpoint_sha256": teacher.checkpoint_sha256,
               "graph_hash": td.graph_hash, "index": td.index.to_dict(),
               "embeddings": {t: v.detach().float().contiguous() for t, v in teacher._h.items()},
               "groups": {t: td.group(t) for t in teacher._h}, "group_names": list(td.group_names)}
    buf = io.BytesIO()        # (saved to a file, torch names the archive after the file)
    torch.save(payload, buf)
    try:
        atomic_write(path, buf.getvalue())
    except OSError as e:
        if log:
            log(f"could not save the teacher's embeddings to {path} ({e}); the next load rebuilds them")


def _from_saved(path: Path, ck) -> "Teacher | None":
    """The teacher from saved embeddings when they belong to this checkpoint and graph
    (else None: rebuild). A damaged file is ignored, never trusted."""
    from gnn.data import TeacherData
    if not path.is_file():
        return None
    try:
        p = torch.load(path, map_location="cpu", weights_only=True)
        if (p.get("format") != _EMB_FORMAT or p.get("checkpoint_sha256") != ck.sha256
                or p.get("graph_hash") != ck.graph_hash):
            return None
        index = NodeIndex.from_dict(p["index"])
        h = {t: v.float() for t, v in p["embeddings"].items()}
        if any(len(index.iris.get(t, [])) != v.shape[0] for t, v in h.items()):
            return None
    except Exception:                                   # noqa: BLE001 -- any damage means rebuild
        return None
    td = TeacherData(data=None, index=index, graph_hash=p["graph_hash"], graphs=list(ck.graphs or []),
                     groups=dict(p.get("groups") or {}), group_names=list(p.get("group_names") or []))
    return Teacher(ck.build_model(), td, ck, embeddings=h)
