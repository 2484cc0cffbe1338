"""The student's configuration: one validated config, saved whole inside every student checkpoint.

A student checkpoint rebuilds its network from this config alone (nanoGPT's habit, like
:class:`gnn.config.TeacherConfig`): every field that shapes the network, the input
linearisation, the training pairs or the distillation loss is here, with a comment.
:meth:`StudentConfig.from_dict` refuses unknown keys, so a checkpoint written by a newer
version is reported instead of silently misread.

The defaults are the demo size: a T5-style encoder-decoder of 5.75M parameters (3+3
layers, d_model 256, a 4k BPE vocabulary) that distils on the bundled demo curriculum in
a few minutes on 2 CPU cores, with a copy head (0.13M more) and inputs of 256 tokens that
carry up to 6 of the focus's evidence sentences in 128 of them (issue 12). ``max_params``
(20M by default) is a hard cap checked when the model is built; raise it on purpose for
bigger runs. A checkpoint saved before a field existed reads it with the value that
reproduces its training (:data:`LEGACY_DEFAULTS`: no evidence, no copy head).

>>> c = StudentConfig(d_model=64, heads=2, d_ff=128)
>>> StudentConfig.from_dict(c.to_dict()) == c
True
>>> StudentConfig.from_dict({"dmodel": 3})
Traceback (most recent call last):
...
generation.config.StudentConfigError: unknown student config field(s): dmodel
>>> StudentConfig(tasks=["poem"])
Traceback (most recent call last):
...
generation.config.StudentConfigError: student config: tasks = ['poem']: task 'poem' is not one of definition, explanation, prerequisite, question, feedback
>>> StudentConfig(evidence_kinds=["exercise"])
Traceback (most recent call last):
...
generation.config.StudentConfigError: student config: evidence_kinds = ['exercise']: kind 'exercise' is not one of definition, use, example, code
>>> StudentConfig.from_dict({"grounded": "false"})
Traceback (most recent call last):
...
generation.config.StudentConfigError: student config: grounded = 'false' (str) is not allowed: true or false (JSON booleans, without quotes)
"""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from generation.base import TASKS
from kg.config_model import Config
from kg.errors import KGStudioError

__all__ = ["StudentConfig", "StudentConfigError", "MODEL_FIELDS", "MAX_ENTITIES", "EVIDENCE_KINDS",
           "LEGACY_DEFAULTS"]

#: Entity placeholders ``<E0>`` .. ``<E31>`` the tokenizer reserves (the most a
#: linearised input can name; ``max_entities`` may use fewer).
MAX_ENTITIES = 32

#: Fields that shape the network or its vocabulary: a resumed run must keep them.
MODEL_FIELDS = ("vocab_size", "d_model", "enc_layers", "dec_layers", "heads", "d_kv", "d_ff",
                "pretrained_path", "max_entities", "copy_head")

#: Evidence kinds a student input may carry (:data:`kg.evidence.KINDS` less ``exercise``,
#: whose stems are questions, not statements about the concept).
EVIDENCE_KINDS = ("definition", "use", "example", "code")

#: Fields added after checkpoints already existed, with the value that reproduces what
#: those checkpoints were trained with (a checkpoint without the key reads it so).
LEGACY_DEFAULTS = {"evidence_k": 0, "copy_head": False}


class StudentConfigError(KGStudioError):
    """A student config value is out of range or unknown."""


class StudentConfig(Config):
    """The student's hyperparameters (validated: see :mod:`kg.config_model`)."""

    error = StudentConfigError
    what = "student config"

    # ---- tokenizer and network (a transformers T5 config, trained from scratch) ----------
    vocab_size: int = Field(4000, ge=200)                 # BPE vocabulary trained on the workspace's text (special tokens included)
    d_model: int = Field(256, ge=1)                       # width of the encoder and decoder
    enc_layers: int = Field(3, ge=1)                      # encoder blocks
    dec_layers: int = Field(3, ge=1)                      # decoder blocks
    heads: int = Field(4, ge=1)                           # attention heads
    d_kv: int = Field(64, ge=1)                           # width of one head's keys/values
    d_ff: int = Field(768, ge=1)                          # feed-forward width
    dropout: float = Field(0.1, ge=0, lt=1)               # dropout inside the transformer
    pretrained_path: str = ""                             # a local transformers seq2seq checkpoint folder to start from
                                                          # instead of random weights (no hub download; "" = from scratch)
    max_params: int = Field(20_000_000, ge=0)             # hard cap on parameters checked at build time (0: no cap)
    copy_head: bool = True                                # a copy/pointer head (See et al. 2017): the output distribution
                                                          # mixes the vocabulary with attention over the input tokens
                                                          # (generation.student.model); greedy decoding only
    copy_supervision: float = Field(0.5, ge=0)            # training: weight of the copy head's supervised switch and
                                                          # attention (generation.student.model.copy_supervision; 0: off)
    # ---- input linearisation -----------------------------------------------------------
    hops: int = Field(2, ge=0)                            # neighbourhood radius around the focus concept
    max_nodes: int = Field(24, ge=1)                      # neighbourhood nodes kept (focus included), most relevant first
    max_entities: int = Field(16, ge=2, le=MAX_ENTITIES)  # neighbours given a placeholder <Ek> (the rest are dropped); <= 32
    max_input_tokens: int = Field(256, ge=1)              # linearised input is cut to this many tokens (whole nodes dropped)
    max_output_tokens: int = Field(64, ge=1)              # longest target / generated text in tokens
    def_words: int = Field(16, ge=0)                      # words of a neighbour's definition kept in the input (focus: all)
    tasks: list[str] = Field(default_factory=lambda: list(TASKS), min_length=1)  # task prefixes trained
    # ---- evidence in the input (generation.student.linearize; issue 12) ------------------
    evidence_k: int = Field(6, ge=0)                      # the focus's best evidence sentences put in the input (0: none)
    evidence_kinds: list[str] = Field(default_factory=lambda: list(EVIDENCE_KINDS), min_length=1)  # kinds used
    evidence_tokens: int = Field(128, ge=0)               # input tokens reserved for the focus's evidence, before neighbours
    evidence_overlap: float = Field(0.5, gt=0, le=1)      # training: an evidence sentence whose character-3-gram Jaccard
                                                          # with the target (or one of its sentences) reaches this is dropped
    # ---- distillation: loss = CE + alpha * T^2 * KL(teacher || aux head) + beta * (1 - cos) -----
    alpha: float = Field(0.5, ge=0)                       # weight of the KL term on the teacher's prerequisite soft labels
    beta: float = Field(0.5, ge=0)                        # weight of the cosine term between node-span states and teacher embeddings
    temperature: float = Field(2.0, gt=0)                 # T: softens teacher and student prerequisite logits in the KL term
    # ---- optimisation ------------------------------------------------------------------
    lr: float = Field(2e-3, gt=0)                         # AdamW peak learning rate (linear warm-up, then linear decay)
    weight_decay: float = Field(0.01, ge=0)               # AdamW weight decay
    warmup_steps: int = Field(30, ge=0)                   # linear warm-up steps
    grad_clip: float = Field(1.0, ge=0)                   # max gradient norm (0: no clipping)
    batch_size: int = Field(16, ge=1)                     # training pairs per step
    epochs: int = Field(8, ge=0)                          # passes over the training pairs (ignored when max_steps > 0)
    max_steps: int = Field(0, ge=0)                       # optimiser steps in all (0: epochs decide)
    time_budget_s: float = Field(0.0, ge=0)               # stop training after this many seconds (0: no limit)
    val_ratio: float = Field(0.1, ge=0, lt=1)             # share of focus concepts held out for validation (split by concept)
    seed: int = 0                                         # seeds the split, the weights and the batch order
    # ---- decoding ----------------------------------------------------------------------
    num_beams: int = Field(1, ge=1)                       # beam width at generation time (1: greedy, the fastest: a
                                                          # 60-token output in about 0.25 s on one CPU core)
    no_repeat_ngram: int = Field(3, ge=0)                 # never repeat an n-gram of this many tokens in one output (0: off);
                                                          # an undertrained student otherwise loops ("10000000...")
    repetition_penalty: float = Field(1.2, gt=0)          # CTRL-style penalty on tokens already written (1.0: off)
    grounded: bool = True                                 # forbid naming concepts outside the input (logits processor + check)
    # ---- running -----------------------------------------------------------------------
    device: Literal["auto", "cpu", "cuda"] = "auto"       # "auto" (cuda when present), "cpu" or "cuda"
    threads: int = Field(0, ge=0)                         # CPU threads for torch (0: torch's default)
    checkpoint_every: int = Field(100, ge=1)              # write the resumable checkpoint every this many steps

    @field_validator("tasks", mode="before")
    @classmethod
    def _tuple_ok(cls, v):
        return list(v) if isinstance(v, tuple) else v

    @field_validator("evidence_kinds", mode="before")
    @classmethod
    def _ev_tuple_ok(cls, v):
        return list(v) if isinstance(v, tuple) else v

    @field_validator("evidence_kinds")
    @classmethod
    def _known_kinds(cls, v):
        for t in v:
            if t not in EVIDENCE_KINDS:
                raise StudentConfigError(f"student config: evidence_kinds = {v!r}: kind {t!r} is not one of "
                                         f"{', '.join(EVIDENCE_KINDS)}")
        return v

    @field_validator("tasks")
    @classmethod
    def _known_tasks(cls, v):
        for t in v:
            if t not in TASKS:
                raise StudentConfigError(f"student config: tasks = {v!r}: task {t!r} is not one of "
                                         f"{', '.join(TASKS)}")
        return v

    @property
    def distill(self) -> bool:
        """Whether any distillation term is on (alpha or beta above 0)."""
        return self.alpha > 0 or self.beta > 0
