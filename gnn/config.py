"""The teacher's configuration: one validated config, saved whole inside every checkpoint.

A checkpoint rebuilds its model from this config alone (nanoGPT's habit): every field
that shapes the network or the data split is here, with a comment saying what it does.
:meth:`TeacherConfig.from_dict` refuses unknown keys, so a checkpoint written by a newer
version with fields this one does not know is reported instead of silently misread.
Values are checked by type and range (pydantic, strict: :mod:`kg.config_model`).

>>> c = TeacherConfig(hidden=32, epochs=5)
>>> TeacherConfig.from_dict(c.to_dict()) == c
True
>>> TeacherConfig.from_dict({"hiden": 3})
Traceback (most recent call last):
...
gnn.config.ConfigError: unknown teacher config field(s): hiden
>>> TeacherConfig.from_dict({"amp": "no"})
Traceback (most recent call last):
...
gnn.config.ConfigError: teacher config: amp = 'no' (str) is not allowed: true or false (JSON booleans, without quotes)
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from kg.config_model import Config
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
    """A teacher config value has the wrong type, is out of range or unknown."""


class TeacherConfig(Config):
    """The teacher's hyperparameters (validated: see :mod:`kg.config_model`)."""

    error = ConfigError
    what = "teacher config"

    # ---- model ----------------------------------------------------------------------
    arch: Literal["sage", "hgt", "rgcn"] = "rgcn"         # "rgcn" (RGCNConv), "sage" (HeteroConv of SAGEConv), "hgt" (HGTConv);
                                                          # rgcn scored best on validation (gnn/model.py docstring)
    hidden: int = Field(64, ge=1)                         # width of every node embedding (all node types)
    layers: int = Field(2, ge=1)                          # message-passing layers
    heads: int = Field(2, ge=1)                           # attention heads (hgt only; hidden must divide by it)
    rgcn_bases: int = Field(8, ge=0)                      # basis decomposition of the R-GCN weights (0: none)
    dropout: float = Field(0.2, ge=0, lt=1)               # dropout on the input projection and between layers
    use_text: bool = True                                 # MiniLM text embeddings in the node features (False: structure only)
    # ---- optimisation -----------------------------------------------------------------
    epochs: int = Field(100, ge=0)                        # full passes (one optimiser step each when full-batch)
    lr: float = Field(5e-3, gt=0)                         # AdamW learning rate
    weight_decay: float = Field(1e-4, ge=0)               # AdamW weight decay
    grad_clip: float = Field(1.0, ge=0)                   # max gradient norm (0: no clipping)
    seed: int = 0                                         # seeds the split, the negatives and the weights
    # ---- data split and negatives -------------------------------------------------------
    val_ratio: float = Field(0.1, ge=0, lt=1)             # share of every edge type / label set held out for validation
    test_ratio: float = Field(0.2, ge=0, lt=1)            # share held out for test
    disjoint_train_ratio: float = Field(0.5, ge=0, lt=1)  # share of training edges held out of message passing as
                                                          # supervision, redrawn every epoch
    neg_ratio: float = Field(1.0, ge=0)                   # random negatives per positive (link prediction and prerequisites)
    # ---- loss --------------------------------------------------------------------------
    w_link: float = Field(1.0, ge=0)                      # weight of (a) self-supervised link prediction, every relation
    w_prereq: float = Field(2.0, ge=0)                    # weight of (b) supervised prerequisite classification
    w_node: float = Field(0.5, ge=0)                      # weight of (c) node classification (Bloom, difficulty, level)
    weak_weight: float = Field(0.5, ge=0)                 # loss weight of a weak (text-derived) prerequisite label; gold = 1
    reverse_negatives: bool = True                        # B->A is a negative for every positive A->B (direction matters)
    difficulty_bins: int = Field(3, ge=2)                 # chapter position (difficulty proxy) cut into this many classes
    # ---- running -----------------------------------------------------------------------
    device: Literal["auto", "cpu", "cuda"] = "auto"       # "auto" (cuda when present), "cpu" or "cuda"
    amp: bool = True                                      # bf16 autocast on CUDA (ignored on CPU)
    threads: int = Field(0, ge=0)                         # CPU threads for torch while training (0: auto = 1 below
                                                          # SMALL_GRAPH_EDGES edges, where more threads only add overhead,
                                                          # else torch's default)
    batch: Literal["full", "mini"] = "full"               # "full" graph per step, or "mini" (neighbour-sampled; needs kgstudio[scale])
    batch_size: int = Field(1024, ge=1)                   # supervision pairs / labelled nodes per mini-batch
    num_neighbors: list[int] = Field(default_factory=lambda: [10, 5])  # mini-batch fan-out per layer
    eval_every: int = Field(1, ge=1)                      # validate every this many epochs
    checkpoint_every: int = Field(10, ge=1)               # write the resumable checkpoint every this many epochs
    patience: int = Field(0, ge=0)                        # stop after this many validations without improvement (0: never)

    @field_validator("num_neighbors", mode="before")
    @classmethod
    def _tuple_ok(cls, v):
        return list(v) if isinstance(v, tuple) else v

    @model_validator(mode="after")
    def _together(self):
        def bad(msg):
            raise ConfigError(f"teacher config: {msg}")
        if self.arch == "hgt" and self.hidden % self.heads:
            bad(f"hidden ({self.hidden}) must divide by heads ({self.heads}) for hgt")
        if self.val_ratio + self.test_ratio >= 1:
            bad("val_ratio and test_ratio must sum below 1")
        if any(n < -1 or n == 0 for n in self.num_neighbors):
            bad(f"num_neighbors {self.num_neighbors!r}: each fan-out must be at least 1 (-1: all)")
        return self
