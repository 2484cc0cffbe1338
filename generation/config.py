"""The student's configuration: one dataclass, saved whole inside every student checkpoint.

A student checkpoint rebuilds its network from this config alone (nanoGPT's habit, like
:class:`gnn.config.TeacherConfig`): every field that shapes the network, the input
linearisation, the training pairs or the distillation loss is here, with a comment.
:meth:`StudentConfig.from_dict` refuses unknown keys, so a checkpoint written by a newer
version is reported instead of silently misread.

The defaults are the demo size: a T5-style encoder-decoder of 5.75M parameters (3+3
layers, d_model 256, a 4k BPE vocabulary) that distils on the bundled demo curriculum in
a few minutes on 2 CPU cores. ``max_params`` (20M by default) is a hard cap checked when
the model is built; raise it on purpose for bigger runs.

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
generation.config.StudentConfigError: student config: task 'poem' is not one of definition, explanation, prerequisite, question, feedback
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from generation.base import TASKS
from kg.errors import KGStudioError

__all__ = ["StudentConfig", "StudentConfigError", "MODEL_FIELDS", "MAX_ENTITIES"]

#: Entity placeholders ``<E0>`` .. ``<E31>`` the tokenizer reserves (the most a
#: linearised input can name; ``max_entities`` may use fewer).
MAX_ENTITIES = 32

#: Fields that shape the network or its vocabulary: a resumed run must keep them.
MODEL_FIELDS = ("vocab_size", "d_model", "enc_layers", "dec_layers", "heads", "d_kv", "d_ff",
                "pretrained_path", "max_entities")


class StudentConfigError(KGStudioError):
    """A student config value is out of range or unknown."""


@dataclass
class StudentConfig:
    # ---- tokenizer and network (a transformers T5 config, trained from scratch) ----------
    vocab_size: int = 4000        # BPE vocabulary trained on the workspace's text (special tokens included)
    d_model: int = 256            # width of the encoder and decoder
    enc_layers: int = 3           # encoder blocks
    dec_layers: int = 3           # decoder blocks
    heads: int = 4                # attention heads
    d_kv: int = 64                # width of one head's keys/values
    d_ff: int = 768               # feed-forward width
    dropout: float = 0.1          # dropout inside the transformer
    pretrained_path: str = ""     # a local transformers seq2seq checkpoint folder to start from
                                  # instead of random weights (no hub download; "" = from scratch)
    max_params: int = 20_000_000  # hard cap on parameters checked at build time (0: no cap)
    # ---- input linearisation -----------------------------------------------------------
    hops: int = 2                 # neighbourhood radius around the focus concept
    max_nodes: int = 24           # neighbourhood nodes kept (focus included), most relevant first
    max_entities: int = 16        # neighbours given a placeholder <Ek> (the rest are dropped); <= 32
    max_input_tokens: int = 128   # linearised input is cut to this many tokens (whole nodes dropped)
    max_output_tokens: int = 64   # longest target / generated text in tokens
    def_words: int = 16           # words of a neighbour's definition kept in the input (focus: all)
    tasks: list[str] = field(default_factory=lambda: list(TASKS))  # task prefixes trained
    # ---- distillation: loss = CE + alpha * T^2 * KL(teacher || aux head) + beta * (1 - cos) -----
    alpha: float = 0.5            # weight of the KL term on the teacher's prerequisite soft labels
    beta: float = 0.5             # weight of the cosine term between node-span states and teacher embeddings
    temperature: float = 2.0      # T: softens teacher and student prerequisite logits in the KL term
    # ---- optimisation ------------------------------------------------------------------
    lr: float = 2e-3              # AdamW peak learning rate (linear warm-up, then linear decay)
    weight_decay: float = 0.01    # AdamW weight decay
    warmup_steps: int = 30        # linear warm-up steps
    grad_clip: float = 1.0        # max gradient norm (0: no clipping)
    batch_size: int = 16          # training pairs per step
    epochs: int = 8               # passes over the training pairs (ignored when max_steps > 0)
    max_steps: int = 0            # optimiser steps in all (0: epochs decide)
    time_budget_s: float = 0.0    # stop training after this many seconds (0: no limit)
    val_ratio: float = 0.1        # share of focus concepts held out for validation (split by concept)
    seed: int = 0                 # seeds the split, the weights and the batch order
    # ---- decoding ----------------------------------------------------------------------
    num_beams: int = 1            # beam width at generation time (1: greedy, the fastest: a
                                  # 60-token output in about 0.25 s on one CPU core)
    no_repeat_ngram: int = 3      # never repeat an n-gram of this many tokens in one output (0: off);
                                  # an undertrained student otherwise loops ("10000000...")
    repetition_penalty: float = 1.2  # CTRL-style penalty on tokens already written (1.0: off)
    grounded: bool = True         # forbid naming concepts outside the input (logits processor + check)
    # ---- running -----------------------------------------------------------------------
    device: str = "auto"          # "auto" (cuda when present), "cpu" or "cuda"
    threads: int = 0              # CPU threads for torch (0: torch's default)
    checkpoint_every: int = 100   # write the resumable checkpoint every this many steps

    def __post_init__(self):
        self.tasks = list(self.tasks)
        self.validate()

    def validate(self) -> None:
        def bad(msg):
            raise StudentConfigError(f"student config: {msg}")
        for t in self.tasks:
            if t not in TASKS:
                bad(f"task {t!r} is not one of {', '.join(TASKS)}")
        if not self.tasks:
            bad("tasks must name at least one task")
        for name in ("d_model", "enc_layers", "dec_layers", "heads", "d_kv", "d_ff",
                     "max_input_tokens", "max_output_tokens", "batch_size", "max_nodes"):
            if getattr(self, name) < 1:
                bad(f"{name} must be at least 1")
        if self.vocab_size < 200:
            bad("vocab_size must be at least 200 (special tokens alone take about 100)")
        if not 2 <= self.max_entities <= MAX_ENTITIES:
            bad(f"max_entities must be between 2 and {MAX_ENTITIES}")
        if self.alpha < 0 or self.beta < 0 or self.temperature <= 0:
            bad("alpha and beta must be 0 or more, temperature above 0")
        if not 0 <= self.val_ratio < 1:
            bad("val_ratio must be in [0, 1)")
        if self.device not in ("auto", "cpu", "cuda"):
            bad(f"device {self.device!r} is not auto, cpu or cuda")
        if self.no_repeat_ngram < 0 or self.repetition_penalty <= 0:
            bad("no_repeat_ngram must be 0 or more, repetition_penalty above 0")
        if self.num_beams < 1 or self.threads < 0 or self.epochs < 0 or self.max_steps < 0:
            bad("num_beams must be at least 1; threads, epochs and max_steps 0 or more")

    @property
    def distill(self) -> bool:
        """Whether any distillation term is on (alpha or beta above 0)."""
        return self.alpha > 0 or self.beta > 0

    def to_dict(self) -> dict:
        """Plain dict (JSON-able, and loadable with ``torch.load(weights_only=True)``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "StudentConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise StudentConfigError(f"unknown student config field(s): {', '.join(unknown)}")
        return cls(**d)
