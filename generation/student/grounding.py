"""Grounded decoding: the student may name only concepts that are in its input.

Two guards, because neither is enough alone:

1. :class:`GroundedLogitsProcessor`, a ``transformers`` ``LogitsProcessor`` applied at
   every decoding step: it forbids placeholders ``<Ek>`` the input does not have, and it
   forbids completing the token sequence of any concept label of the graph (see
   :class:`Lexicon`) that is not in the input -- the prefix of a banned label may be
   written, its last token may not (as ``NoBadWordsLogitsProcessor`` does, per row).
   Names of input nodes come out as placeholders, which the graph fills in, so they
   cannot be misspelt into another concept.
2. :func:`outside_mentions`, a check after decoding: a label can still come out through
   another segmentation of the same words ("▁val" "ue" instead of "▁value"); the
   caller re-decodes with those exact tokens banned, and as a last resort drops the
   sentences that still name an outside concept (:func:`drop_sentences`).

A *mention* is what the project's one label matcher (:class:`kg.labels.LabelMatcher`)
finds: a whole-word, case-insensitive match of a concept's label or of its plural/singular
(``inflect``: "hypotheses", "stimuli", "criteria", "central nuclei" name *hypothesis*,
*stimulus*, *criterion*, *central nucleus*). Labels shorter than two characters are
ignored. Placeholders are masked before matching: what fills them is an input node by
construction.

>>> lex = Lexicon({"urn:mean": ["Mean"], "urn:sd": ["standard deviation"]})
>>> sorted(lex.mentions("The means and a Standard Deviation."))
['urn:mean', 'urn:sd']
>>> sorted(Lexicon({"urn:h": ["hypothesis"], "urn:s": ["stimulus"]}).mentions("Hypotheses about stimuli"))
['urn:h', 'urn:s']
>>> outside_mentions("<E0> is the mean of the data.", lex, allowed={"urn:sd"})
['urn:mean']
>>> realise("<E0> is the square of <E1>.", ["Variance", "Standard deviation"])
'Variance is the square of standard deviation.'
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping, Sequence

import torch
from transformers import LogitsProcessor

from generation.student.tokenizer import StudentTokenizer, detokenize
from kg.labels import LabelMatcher, label_forms
from kg.neighbourhood import TYPE_CLASSES
from ontology.namespaces import RDFS, SKOS

__all__ = ["Lexicon", "GroundedLogitsProcessor", "outside_mentions", "realise",
           "drop_sentences", "ban_sequences", "concept_labels"]

_WORD = re.compile(r"\w+(?:['’-]\w+)*")
_PLACEHOLDER = re.compile(r"<E\d+>")
_SENT = re.compile(r"(?<=[.!?])\s+")


def _norm_words(text: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(text))


class Lexicon:
    """Concept labels of the graph as normalised word tuples -> the concept IRIs they name."""

    def __init__(self, labels: Mapping[str, Iterable[str]]):
        self.by_words: dict[tuple[str, ...], set[str]] = {}
        self.labels: dict[str, list[str]] = {}
        for iri, labs in labels.items():
            for lab in labs:
                key = _norm_words(lab)
                if not key or len(" ".join(key)) < 2:
                    continue
                self.by_words.setdefault(key, set()).add(iri)
                self.labels.setdefault(iri, []).append(" ".join(lab.split()))
        self.max_words = max((len(k) for k in self.by_words), default=0)
        self.matcher = LabelMatcher(self.labels, min_chars=2)

    @classmethod
    def from_store(cls, store) -> "Lexicon":
        return cls(concept_labels(store))

    def __len__(self) -> int:
        return len(self.by_words)

    def find(self, text: str) -> list[tuple[int, int, set[str]]]:
        """Mentions as (start char, end char, IRIs), leftmost-longest (kg.labels)."""
        out: list[tuple[int, int, set[str]]] = []
        for m in self.matcher.find(text):
            if out and out[-1][:2] == (m.start, m.end):
                out[-1][2].add(m.concept)
            else:
                out.append((m.start, m.end, {m.concept}))
        return out

    def surface_forms(self, key: tuple[str, ...]) -> set[str]:
        """What a label (a ``by_words`` key) can be written as in generated text: itself,
        capitalised, and its plural/singular forms (``kg.labels.label_forms``)."""
        base = " ".join(key)
        return {f for form in label_forms(base) for f in (form, form[:1].upper() + form[1:])}

    def mentions(self, text: str) -> set[str]:
        """Every concept IRI the text names (all IRIs of an ambiguous label)."""
        return {iri for _s, _e, iris in self.find(text) for iri in iris}


def concept_labels(store) -> dict[str, list[str]]:
    """rdfs:label and skos:prefLabel of every concept in the store (union of graphs)."""
    rows = store.query(f"""SELECT DISTINCT ?c ?l WHERE {{
        ?c a <{TYPE_CLASSES['concept']}> .
        {{ ?c <{RDFS.label}> ?l }} UNION {{ ?c <{SKOS.prefLabel}> ?l }} }}""").rows
    out: dict[str, list[str]] = {}
    for c, lab in rows:
        if c is not None and lab is not None:
            out.setdefault(str(c), []).append(str(lab))
    return out


def outside_mentions(text: str, lexicon: Lexicon, allowed: Iterable[str]) -> list[str]:
    """Concept IRIs named in ``text`` (placeholders masked) none of whose readings is in
    ``allowed``: the names grounded decoding must not let through. Sorted."""
    allowed = set(allowed)
    masked = _PLACEHOLDER.sub(" ", text)
    bad = set()
    for _s, _e, iris in lexicon.find(masked):
        if not iris & allowed:
            bad |= iris
    return sorted(bad)


def drop_sentences(text: str, lexicon: Lexicon, allowed: Iterable[str]) -> str:
    """``text`` without the sentences that name a concept outside ``allowed``."""
    allowed = set(allowed)
    keep = [s for s in _SENT.split(text) if not outside_mentions(s, lexicon, allowed)]
    return " ".join(keep).strip()


def ban_sequences(tok: StudentTokenizer, lexicon: Lexicon, allowed: Iterable[str]) -> list[list[int]]:
    """Token sequences of every label (lower-case, capitalised, plural/singular) of every concept
    outside ``allowed``: what :class:`GroundedLogitsProcessor` forbids completing."""
    allowed = set(allowed)
    seqs: set[tuple[int, ...]] = set()
    for key, iris in lexicon.by_words.items():
        if iris & allowed:
            continue
        for form in lexicon.surface_forms(key):
            ids = tok.encode(form, eos=False)
            if ids and tok.unk_id not in ids:
                seqs.add(tuple(ids))
    return [list(s) for s in sorted(seqs)]


class GroundedLogitsProcessor(LogitsProcessor):
    """Per input row: forbid placeholders beyond the row's entity count and the last token
    of any banned sequence whose prefix the row has just written.

    Args:
        tok: the student's tokenizer.
        n_entities: entities of each input of the batch (B,).
        banned: banned token sequences of each input (B lists).
        num_beams: beams per input (rows of ``input_ids`` are input-major).

    Shapes: ``input_ids`` (B * num_beams, t), ``scores`` (B * num_beams, V).
    """

    def __init__(self, tok: StudentTokenizer, n_entities: Sequence[int],
                 banned: Sequence[Sequence[Sequence[int]]], num_beams: int = 1):
        self.num_beams = num_beams
        self.entity_ids = torch.tensor(tok.entity_ids)                    # (32,)
        self.n_entities = list(n_entities)
        self.tables: list[dict[tuple[int, ...], list[int]]] = []
        self.lengths: list[list[int]] = []
        for seqs in banned:
            table: dict[tuple[int, ...], set[int]] = {}
            for s in seqs:
                table.setdefault(tuple(s[:-1]), set()).add(int(s[-1]))
            self.tables.append({k: sorted(v) for k, v in table.items()})
            self.lengths.append(sorted({len(k) for k in table}))

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        scores = scores.clone()
        neg = torch.finfo(scores.dtype).min
        rows = input_ids.tolist()
        for r, row in enumerate(rows):
            b = r // self.num_beams
            n = self.n_entities[b]
            if n < len(self.entity_ids):
                scores[r, self.entity_ids[n:]] = neg
            table = self.tables[b]
            ban: list[int] = []
            for L in self.lengths[b]:
                if L > len(row):
                    break
                key = tuple(row[len(row) - L:]) if L else ()
                hit = table.get(key)
                if hit:
                    ban.extend(hit)
            if ban:
                scores[r, ban] = neg
        return scores


def _fit_case(name: str, sentence_start: bool) -> str:
    if sentence_start:
        return name[:1].upper() + name[1:]
    first = name.split(" ", 1)[0]
    if re.fullmatch(r"[A-Z][a-z]+", first) and " " in name or re.fullmatch(r"[A-Z][a-z]{3,}", name):
        return name[:1].lower() + name[1:]
    return name


def _articles(text: str, names: Sequence[str]) -> str:
    """``a``/``an`` before a placeholder agrees with the name that will fill it."""
    def fix(m):
        k = int(m.group(3))
        if k >= len(names) or not names[k]:
            return m.group(0)
        art = "an" if names[k][0].lower() in "aeiou" else "a"
        if m.group(1)[0].isupper():
            art = art.capitalize()
        return f"{art}{m.group(2)}<E{k}>"
    return re.sub(r"\b([Aa]n?)(\s+)<E(\d+)>", fix, text)


def realise(text: str, names: Sequence[str]) -> str:
    """Fill the placeholders ``<Ek>`` with ``names[k]``, capitalising at a sentence start,
    lower-casing a capitalised common-noun label inside a sentence and making ``a``/``an``
    agree with it; tidy spaces.

    >>> realise("A <E0> is an <E1>.", ["Integer", "number"])
    'An integer is a number.'
    """
    text = _articles(text, names)
    out = []
    pos = 0
    for m in re.finditer(r"<E(\d+)>", text):
        out.append(text[pos:m.start()])
        k = int(m.group(1))
        before = "".join(out).rstrip()
        start = not before or before[-1] in ".!?:"
        out.append(_fit_case(names[k], start) if k < len(names) else "")
        pos = m.end()
    out.append(text[pos:])
    s = detokenize("".join(out))
    return s[:1].upper() + s[1:]
