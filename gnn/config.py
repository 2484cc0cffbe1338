"""The teacher's configuration: one dataclass, saved whole inside every checkpoint.

A checkpoint rebuilds its model from this config alone (nanoGPT's habit): every field
that shapes the network or the data split is here, with a comment saying what it does.
:meth:`TeacherConfig.from_dict` refuses unknown keys, so a checkpoint written by a newer
version with fields this one does not know is reported instead of silently misread.

>>> c = TeacherConfig(hidden=32, epochs=5)
>>> TeacherConfig.from_dict(c.to_dict()) == c
True
>>> TeacherConfig.from_dict({"hiden": 3})
Traceback (most recent call last):
...
gnn.config.ConfigError: unknown teacher config field(s): hiden
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from kg.errors import KGStudioError

__all__ = ["TeacherConfig", "ConfigError", "ARCHS", "MODEL_FIELDS", "SMALL_GRAPH_EDGES"]

#: Message-passing architectures :mod:`gnn.model` implements.
ARCHS = ("sage", "hgt", "rgcn")

#: Below this many edges, ``threads=0`` trains on one CPU thread (measured on psychology,
#: 5,440 edges: 0.14 s a step on one thread, 1.8 s on two on a busy 2-core machine).
SMALL_GRAPH_EDGES = 200_000

#: Fields that shape the network: a resumed run must keep them.
MODEL_FIELDS = ("arch", "hidden", "layers", "heads", "rgcn_bases", "use_text")


class ConfigError(KGStudioError):
    """A teacher config value is out of range or unknown."""


@dataclass
class TeacherConfig:
    # ---- model ----------------------------------------------------------------------
    arch: str = "rgcn"            # "rgcn" (RGCNConv), "sage" (HeteroConv of SAGEConv), "hgt" (HGTConv);
                                  # rgcn scored best on validation (gnn/model.py docstring)
    hidden: int = 64              # width of every node embedding (all node types)
    layers: int = 2               # message-passing layers
    heads: int = 2                # attention heads (hgt only; hidden must divide by it)
    rgcn_bases: int = 8           # basis decomposition of the R-GCN weights (0: none)
    dropout: float = 0.2          # dropout on the input projection and between layers
    use_text: bool = True         # MiniLM text embeddings in the node features (False: structure only)
    # ---- optimisation -----------------------------------------------------------------
    epochs: int = 100             # full passes (one optimiser step each when full-batch)
    lr: float = 5e-3              # AdamW learning rate
    weight_decay: float = 1e-4    # AdamW weight decay
    grad_clip: float = 1.0        # max gradient norm (0: no clipping)
    seed: int = 0                 # seeds the split, the negatives and the weights
    # ---- data split and negatives -------------------------------------------------------
    val_ratio: float = 0.1        # share of every edge type / label set held out for validation
    test_ratio: float = 0.2       # share held out for test
    disjoint_train_ratio: float = 0.5  # share of training edges held out of message passing as
                                       # supervision, redrawn every epoch
    neg_ratio: float = 1.0        # random negatives per positive (link prediction and prerequisites)
    # ---- loss --------------------------------------------------------------------------
    w_link: float = 1.0           # weight of (a) self-supervised link prediction, every relation
    w_prereq: float = 2.0         # weight of (b) supervised prerequisite classification
    w_node: float = 0.5           # weight of (c) node classification (Bloom, difficulty, level)
    weak_weight: float = 0.5      # loss weight of a weak (text-derived) prerequisite label; gold = 1
    reverse_negatives: bool = True  # B->A is a negative for every positive A->B (direction matters)
    difficulty_bins: int = 3      # chapter position (difficulty proxy) cut into this many classes
    # ---- running -----------------------------------------------------------------------
    device: str = "auto"          # "auto" (cuda when present), "cpu" or "cuda"
    amp: bool = True              # bf16 autocast on CUDA (ignored on CPU)
    threads: int = 0              # CPU threads for torch while training (0: auto = 1 below
                                  # SMALL_GRAPH_EDGES edges, where more threads only add overhead,
                                  # else torch's default)
    batch: str = "full"           # "full" graph per step, or "mini" (neighbour-sampled; needs kgstudio[scale])
    batch_size: int = 1024        # supervision pairs / labelled nodes per mini-batch
    num_neighbors: list[int] = field(default_factory=lambda: [10, 5])  # mini-batch fan-out per layer
    eval_every: int = 1           # validate every this many epochs
    checkpoint_every: int = 10    # write the resumable checkpoint every this many epochs
    patience: int = 0             # stop after this many validations without improvement (0: never)

    def __post_init__(self):
        self.validate()

    def validate(self) -> None:
        def bad(msg):
            raise ConfigError(f"teacher config: {msg}")
        if self.arch not in ARCHS:
            bad(f"arch {self.arch!r} is not one of {', '.join(ARCHS)}")
        if self.hidden < 1 or self.layers < 1 or self.epochs < 0:
            bad("hidden and layers must be at least 1, epochs at least 0")
        if self.arch == "hgt" and self.hidden % self.heads:
            bad(f"hidden ({self.hidden}) must divide by heads ({self.heads}) for hgt")
        if not (0 <= self.val_ratio < 1 and 0 <= self.test_ratio < 1
                and self.val_ratio + self.test_ratio < 1):
            bad("val_ratio and test_ratio must be in [0, 1) and sum below 1")
        if not 0 <= self.disjoint_train_ratio < 1:
            bad("disjoint_train_ratio must be in [0, 1)")
        if self.device not in ("auto", "cpu", "cuda"):
            bad(f"device {self.device!r} is not auto, cpu or cuda")
        if self.batch not in ("full", "mini"):
            bad(f"batch {self.batch!r} is not full or mini")
        if self.threads < 0:
            bad("threads must be 0 (default) or more")
        if self.difficulty_bins < 2:
            bad("difficulty_bins must be at least 2")

    def to_dict(self) -> dict:
        """Plain dict (JSON-able, and loadable with ``torch.load(weights_only=True)``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TeacherConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown teacher config field(s): {', '.join(unknown)}")
        return cls(**d)
