"""The student's tokenizer: a small BPE trained with the ``tokenizers`` library on the
workspace's own text, with special tokens for graph structure.

Why BPE on the workspace text: a curriculum has a narrow vocabulary, so a 4k vocabulary
covers it with short sequences (the design note measured sequence length as the main
CPU cost of the student). Pre-tokenisation is sentencepiece-like (``Metaspace``: a word
keeps its leading space as ``▁``), with punctuation and digits split off, so decoding is
a plain join with no guessing about spaces.

Special tokens (:func:`special_tokens`), in a fixed order so that ``<pad>`` = 0 and
``</s>`` = 1 as T5 expects:

* ``<pad> </s> <unk>`` -- padding, end of sequence, unknown;
* task prefixes ``<task:definition>`` ... (one per :data:`generation.base.TASKS`);
* structure markers: ``<focus>``, ``<def>`` (a definition follows), ``<sep>``,
  ``<target>``, ``<wrong>`` (task inputs), ``<answer>`` (a question's answer follows in
  the output);
* node types ``<t:concept>`` ... (:data:`kg.neighbourhood.NODE_TYPES`) and relation types
  ``<r:requires>`` ... and their inverses ``<r:~requires>`` (:data:`kg.neighbourhood.RELATIONS`);
* entity placeholders ``<E0>`` .. ``<E31>``: a neighbour is named in the input by its
  placeholder followed by its label, and the target texts name it by the placeholder
  alone; the graph fills the names in after decoding (DESIGN.md: grounded by
  construction, and it learns faster).

:class:`StudentTokenizer` wraps the trained ``tokenizers.Tokenizer`` with what the student
needs (ids of the special tokens, encoding with truncation, decoding that keeps the
placeholders as words) and serialises to one JSON string, stored inside the checkpoint.

>>> tok = StudentTokenizer.train(["the mean is the sum divided by the count."] * 3, 300)
>>> ids = tok.encode("<E0> is the mean .")
>>> tok.id("<E0>") == ids[0], ids[-1] == tok.eos_id
(True, True)
>>> tok.decode(ids)
'<E0> is the mean.'
>>> StudentTokenizer.from_json(tok.to_json()).encode("the mean") == tok.encode("the mean")
True
"""
from __future__ import annotations

import hashlib
import re
from typing import Iterable, Sequence

from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from generation.base import TASKS
from kg.errors import KGStudioError
from kg.neighbourhood import NODE_TYPES, RELATIONS

__all__ = ["StudentTokenizer", "TokenizerError", "train_tokenizer", "special_tokens",
           "task_token", "type_token", "rel_token", "entity_token", "MARKERS", "PAD", "EOS", "UNK"]

PAD, EOS, UNK = "<pad>", "</s>", "<unk>"
#: Structure markers of the linearised input (and ``<answer>`` in question outputs).
MARKERS = ("<focus>", "<def>", "<sep>", "<target>", "<wrong>", "<answer>")
N_ENTITIES = 32


class TokenizerError(KGStudioError):
    """A tokenizer cannot be trained or read (no text, broken JSON, missing tokens)."""


def task_token(task: str) -> str:
    """``<task:definition>`` for ``definition``."""
    return f"<task:{task}>"


def type_token(node_type: str) -> str:
    """``<t:concept>`` for ``concept``."""
    return f"<t:{node_type}>"


def rel_token(relation: str, inverse: bool = False) -> str:
    """``<r:requires>``, or ``<r:~requires>`` for the edge read backwards."""
    return f"<r:{'~' if inverse else ''}{relation}>"


def entity_token(k: int) -> str:
    """``<E3>`` for 3."""
    return f"<E{k}>"


def special_tokens() -> list[str]:
    """Every special token, in the fixed order (``<pad>`` = 0, ``</s>`` = 1, ``<unk>`` = 2)."""
    return ([PAD, EOS, UNK] + [task_token(t) for t in TASKS] + list(MARKERS)
            + [type_token(t) for t in NODE_TYPES]
            + [rel_token(r, inv) for r in RELATIONS for inv in (False, True)]
            + [entity_token(k) for k in range(N_ENTITIES)])


_ENTITY_RE = re.compile(r"<E(\d+)>")


def train_tokenizer(texts: Iterable[str], vocab_size: int,
                    special: Sequence[str] | None = None) -> Tokenizer:
    """A BPE ``tokenizers.Tokenizer`` trained on ``texts`` with ``special`` tokens first.

    The special tokens are atomic (never split, matched before pre-tokenisation) and
    absorb the space on their left, so ``"of <E0> is"`` encodes as ``▁of <E0> ▁is``.
    """
    special = list(special if special is not None else special_tokens())
    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),
        pre_tokenizers.Punctuation(behavior="isolated"),
        pre_tokenizers.Digits(individual_digits=True)])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, show_progress=False,
                                  special_tokens=[AddedToken(s, special=True, lstrip=True,
                                                             normalized=False) for s in special])
    texts = [t for t in texts if t and t.strip()]
    if not texts:
        raise TokenizerError("no text to train the tokenizer on: import a curriculum with "
                             "definitions, objectives or questions first")
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


class StudentTokenizer:
    """A trained tokenizer plus the ids the student needs (module docstring)."""

    def __init__(self, tokenizer: Tokenizer):
        self.tk = tokenizer
        missing = [s for s in special_tokens() if tokenizer.token_to_id(s) is None]
        if missing:
            raise TokenizerError(f"tokenizer lacks special token(s) {', '.join(missing[:5])}; "
                                 "retrain the student with `kgstudio distill`")
        self.pad_id = tokenizer.token_to_id(PAD)
        self.eos_id = tokenizer.token_to_id(EOS)
        self.unk_id = tokenizer.token_to_id(UNK)
        if (self.pad_id, self.eos_id) != (0, 1):
            raise TokenizerError("tokenizer must map <pad> to 0 and </s> to 1")
        self.entity_ids = [tokenizer.token_to_id(entity_token(k)) for k in range(N_ENTITIES)]
        self._special_ids = {tokenizer.token_to_id(s) for s in special_tokens()}

    # ---- construction / serialisation ----------------------------------------------------
    @classmethod
    def train(cls, texts: Iterable[str], vocab_size: int) -> "StudentTokenizer":
        return cls(train_tokenizer(texts, vocab_size))

    def to_json(self) -> str:
        return self.tk.to_str()

    @classmethod
    def from_json(cls, text: str) -> "StudentTokenizer":
        try:
            tk = Tokenizer.from_str(text)
        except Exception as e:  # noqa: BLE001 - tokenizers raises a bare Exception
            raise TokenizerError(f"not a readable tokenizer ({str(e)[:120]}); retrain the student "
                                 "with `kgstudio distill`") from e
        return cls(tk)

    @property
    def fingerprint(self) -> str:
        """sha256 prefix of the serialised tokenizer: what a checkpoint records and checks."""
        return hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()[:16]

    def hf(self):
        """A ``transformers.PreTrainedTokenizerFast`` over the same tokenizer (for tools that
        want one; the student itself uses :meth:`encode`/:meth:`decode`)."""
        from transformers import PreTrainedTokenizerFast   # seconds to import; the tokenizer itself needs none
        return PreTrainedTokenizerFast(tokenizer_object=self.tk, pad_token=PAD, eos_token=EOS,
                                       unk_token=UNK)

    # ---- ids ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.tk.get_vocab_size()

    def id(self, token: str) -> int:
        i = self.tk.token_to_id(token)
        if i is None:
            raise KeyError(token)
        return i

    def is_special(self, i: int) -> bool:
        return i in self._special_ids

    def entity_index(self, i: int) -> int | None:
        """k when id ``i`` is the placeholder ``<Ek>``, else None."""
        try:
            return self.entity_ids.index(i)
        except ValueError:
            return None

    def word_start_ids(self) -> set[int]:
        """Ids of tokens that begin a new word (``▁...``), used by grounded decoding."""
        return {i for t, i in self.tk.get_vocab().items() if t.startswith("▁")}

    # ---- text <-> ids ------------------------------------------------------------------
    def encode(self, text: str, max_len: int | None = None, eos: bool = True) -> list[int]:
        """Ids of ``text`` (+ ``</s>``), cut to ``max_len`` tokens with ``</s>`` kept last."""
        ids = self.tk.encode(text, add_special_tokens=False).ids
        if max_len is not None:
            ids = ids[:max_len - (1 if eos else 0)]
        return ids + [self.eos_id] if eos else ids

    def tokens(self, text: str) -> list[str]:
        return self.tk.encode(text, add_special_tokens=False).tokens

    def decode(self, ids: Sequence[int], keep_entities: bool = True) -> str:
        """Text of ``ids``; stops at ``</s>``, drops padding and other special tokens but keeps
        the placeholders ``<Ek>`` as words (filled in later by :func:`fill_entities`)."""
        words: list[str] = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i == self.pad_id:
                continue
            tok = self.tk.id_to_token(i)
            if tok is None:
                continue
            if self.is_special(i):
                if keep_entities and _ENTITY_RE.fullmatch(tok) or tok == "<answer>":
                    words.append("▁" + tok + "▁")
                continue
            words.append(tok)
        return detokenize("".join(words).replace("▁", " "))


_SPACE_BEFORE = re.compile(r"\s+([.,;:!?%)\]}'’])")
_SPACE_AFTER = re.compile(r"([(\[{])\s+")


def detokenize(text: str) -> str:
    """Tidy spaces around punctuation (the pre-tokenizer isolates it).

    >>> detokenize(" the mean ( average ) is 3 . ")
    'the mean (average) is 3.'
    """
    text = re.sub(r"\s+", " ", text).strip()
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACE_AFTER.sub(r"\1", text)


def fill_entities(text: str, names: Sequence[str]) -> str:
    """Replace every ``<Ek>`` with ``names[k]`` (an unknown k is left as is).

    >>> fill_entities("<E0> needs <E1>.", ["variance", "the mean"])
    'variance needs the mean.'
    """
    def sub(m):
        k = int(m.group(1))
        return names[k] if k < len(names) else m.group(0)
    return _ENTITY_RE.sub(sub, text)
