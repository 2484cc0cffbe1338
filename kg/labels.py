"""The project's one label matcher: which concepts a text names, and where.

Every part of kgstudio that looks for concept labels in text (the importers' item
grounding, the evidence index, the teacher's weak labels, the student's grounding guard,
the prerequisite benchmark) uses :class:`LabelMatcher`, so they agree on what counts as a
mention:

* **whole words, case-insensitive**: a label matches where its word tokens (``\\w+``)
  occur in a row, with nothing word-like glued on either side ("mean" is not found in
  "meaning"). Between the words, any run of whitespace (line breaks included) matches a
  space, a hyphen matches a space ("fight-or-flight" / "fight or flight") and ’ matches '
  ("Broca’s area" / "Broca's area"); other punctuation must be as in the label, and so
  must leading/trailing punctuation ("C++", "(R)-carvone");
* **plurals and singulars** of the label's last word, from the ``inflect`` library
  (``plural_noun`` in its modern and classical modes, ``singular_noun``), beside the
  surface form: "hypotheses" names *hypothesis*, "stimuli" *stimulus*, "criteria"
  *criterion*, "central nuclei" *central nucleus*, "cells" *cell*. A form that is the
  label as written wins over an inflected form of another label at the same place;
* **leftmost-longest, non-overlapping**: scanning left to right, at each word the longest
  label starting there is taken and the scan goes on after it (what one regex
  alternation of every label, longest first, finds), so "memory cell" hides "memory"
  and "cell" inside it. Where one form belongs to several concepts (one label in two
  books), the match is reported once per concept.

The time is linear in the text: labels are indexed by their first word, and at each word
of the text only the labels starting with that word are checked (the approach of
``gnn.data.label_matcher``, which a regex alternation of 7k labels made 2.5x slower).

Limitations: inflection is English and only of the last word ("attorneys general" is
not derived from "attorney general"); inflect's plural of a word that is not a noun is
still a form ("runs" for "run"), which is harmless for matching; labels are not
lemmatised otherwise ("conditioned" does not name "conditioning").

>>> m = LabelMatcher({"urn:h": ["hypothesis"], "urn:cn": ["central nucleus"], "urn:n": ["nucleus"]})
>>> [(x.concept, x.surface) for x in m.find("Two Hypotheses about the central nuclei and one nucleus.")]
[('urn:h', 'Hypotheses'), ('urn:cn', 'central nuclei'), ('urn:n', 'nucleus')]
>>> m.concepts("hypothetical nucleation")
set()
"""
from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from typing import Iterable, Mapping

__all__ = ["LabelMatcher", "Match", "forms", "label_forms"]

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Match:
    """One mention: ``text[start:end] == surface`` names ``concept`` through ``label``."""

    concept: str
    start: int
    end: int
    surface: str
    label: str = ""          # the label (as given) whose form matched
    exact: bool = True       # False when the match is an inflected form of the label


@functools.lru_cache(maxsize=None)
def inflect_engine():
    """inflect's engine. inflect decorates its methods with typeguard's ``@typechecked``,
    which re-parses and re-compiles each of them from source at import: 1-2 s on an idle
    machine, over 7 s on a busy one, for every process that matches labels. Its type
    checks guard only against non-``str`` arguments, which this module never passes, so
    the decorator is made a no-op while inflect is first imported (what ``python -O`` does)."""
    try:  # deferred with inflect: typeguard is inflect's optional dependency, patched only around its import
        import typeguard
    except ImportError:       # an inflect without typeguard: nothing to switch off
        typeguard = None
    if "inflect" not in sys.modules and typeguard is not None:
        saved = typeguard.typechecked
        typeguard.typechecked = lambda target=None, **kw: target if target is not None else (lambda t: t)
        try:
            import inflect  # noqa: F401 - deferred: slow to import (see above), loaded with the decorator off
        finally:
            typeguard.typechecked = saved
    import inflect  # deferred: see above (already loaded by now)
    return inflect.engine()


@functools.lru_cache(maxsize=None)
def _classical_engine():
    """A second engine in inflect's classical mode ("nuclei", "formulae"), so that no engine
    switches modes while another thread uses it."""
    p = inflect_engine().__class__()
    p.classical(all=True)
    return p


@functools.lru_cache(maxsize=200_000)
def forms(word: str) -> tuple[str, ...]:
    """Other number forms of an English noun (lower-case), without ``word`` itself:
    singular if ``word`` is plural, modern and classical plurals.

    >>> forms("stimulus"), forms("criteria"), forms("hypotheses")
    (('stimuli',), ('criterion',), ('hypothesis',))
    """
    word = word.lower()
    if len(word) < 3 or not word.isalpha():
        return ()
    p = inflect_engine()
    try:
        plurals = _plurals(word)
        single = p.singular_noun(word)
        # inflect's singular_noun also "singularises" singular words ending in s
        # ("hypothesis" -> "hypothesi"); a word is taken as plural when its own plural is
        # just word + "s" ("cellss", "nucleis") and it is a plural of the singular found.
        if single and single != word and single.isalpha() \
                and all(f == word + "s" for f in plurals) and word in _plurals(single.lower()):
            return (single.lower(),)
    except Exception:  # inflect rejects some inputs (typeguard); the surface form stays
        return ()
    return tuple(f for f in plurals if f != word and f.isalpha())


def _plurals(word: str) -> list[str]:
    """Classical and modern plurals of a noun, classical first ("nuclei", "formulae")."""
    out = [_classical_engine().plural_noun(word).lower()]
    modern = inflect_engine().plural_noun(word).lower()
    if modern not in out:
        out.append(modern)
    return out


def _norm_sep(sep: str) -> str:
    """A separator between two words as compared: whitespace runs and a lone hyphen are a
    space, a typographic apostrophe is a straight one."""
    sep = _SPACE.sub(" ", sep.casefold()).replace("\u2019", "'")
    return " " if sep in ("-", " ") else sep


@dataclass(frozen=True)
class _Form:
    words: tuple[str, ...]   # case-folded word tokens
    seps: tuple[str, ...]    # normalised separators between them (len(words) - 1)
    lead: str                # case-folded characters before the first word ("(" of "(r)-carvone")
    trail: str               # case-folded characters after the last word ("++" of "c++")


def _parse(label: str) -> _Form | None:
    spans = list(_WORD.finditer(label))
    if not spans:
        return None
    words = tuple(m.group(0).casefold() for m in spans)
    seps = tuple(_norm_sep(label[a.end():b.start()]) for a, b in zip(spans, spans[1:]))
    return _Form(words, seps, label[:spans[0].start()].strip().casefold(),
                 label[spans[-1].end():].strip().casefold())


def label_forms(label: str) -> list[str]:
    """The label (whitespace normalised) and its inflected forms, surface form first.

    >>> label_forms("Central  nucleus")
    ['Central nucleus', 'Central nuclei']
    >>> label_forms("C++")
    ['C++']
    """
    label = " ".join(label.split())
    out = [label]
    f = _parse(label)
    if f is None or f.trail:
        return out
    last = list(_WORD.finditer(label))[-1]
    for w in forms(last.group(0)):
        out.append(label[:last.start()] + w)
    return out


class LabelMatcher:
    """Finds concept labels in text (see the module docstring for the rules).

    ``labels``: concept IRI -> its labels (``rdfs:label``, ``skos:prefLabel``,
    ``skos:altLabel`` ...). ``min_chars``: labels shorter than this (whitespace
    normalised) are ignored. ``inflect``: also match plural/singular forms (default).
    """

    def __init__(self, labels: Mapping[str, Iterable[str]], *, min_chars: int = 1,
                 inflect: bool = True):
        # first word -> second word (None: one-word forms) -> [(form, concept, label, exact)]
        self._index: dict[str, dict[str | None, list[tuple[_Form, str, str, bool]]]] = {}
        self.labels: dict[str, list[str]] = {}
        seen: set[tuple[_Form, str]] = set()
        for concept, labs in labels.items():
            if isinstance(labs, str):
                labs = [labs]
            for lab in labs:
                lab = " ".join(str(lab).split())
                if len(lab) < min_chars:
                    continue
                base = _parse(lab)
                if base is None:
                    continue
                self.labels.setdefault(concept, []).append(lab)
                variants = [(base, True)]
                if inflect and not base.trail:
                    for w in forms(base.words[-1]):
                        variants.append((_Form(base.words[:-1] + (w,), base.seps, base.lead, ""), False))
                for form, exact in variants:
                    if (form, concept) in seen and not exact:
                        continue
                    seen.add((form, concept))
                    second = form.words[1] if len(form.words) > 1 else None
                    self._index.setdefault(form.words[0], {}).setdefault(second, []).append(
                        (form, concept, lab, exact))

    def __len__(self) -> int:
        return sum(len(v) for v in self.labels.values())

    def find(self, text: str, *, overlapping: bool = False) -> list[Match]:
        """Mentions in reading order: leftmost-longest, non-overlapping; one per concept
        where a form names several. ``overlapping``: also the labels inside or across
        another match ("learning" inside "machine learning"), each concept once per place."""
        index = self._index
        low = text.casefold()
        toks = _WORD.findall(low) if len(low) == len(text) else None
        if toks is not None:
            starts = [i for i, t in enumerate(toks) if t in index]
            if not starts:
                return []
            spans = [m.span() for m in _WORD.finditer(text)]
            if len(spans) != len(toks):       # case folding changed the words: slow path
                toks = None
        if toks is None:
            found = list(_WORD.finditer(text))
            spans = [m.span() for m in found]
            toks = [m.group(0).casefold() for m in found]
            starts = [i for i, t in enumerate(toks) if t in index]
        n_tok = len(toks)
        hits: list[tuple[int, int, bool, str, str]] = []   # (start, end, inflected, concept, label)
        seps_cache: dict[int, str] = {}

        def sep(j: int) -> str:       # normalised text between word j and word j + 1
            s = seps_cache.get(j)
            if s is None:
                s = seps_cache[j] = _norm_sep(text[spans[j][1]:spans[j + 1][0]])
            return s

        for i in starts:
            start = spans[i][0]
            bucket = index[toks[i]]
            entries = bucket.get(None, [])
            if i + 1 < n_tok and toks[i + 1] in bucket:
                entries = entries + bucket[toks[i + 1]]
            for form, concept, lab, exact in entries:
                n = len(form.words)
                if n > 1:
                    if i + n > n_tok or tuple(toks[i:i + n]) != form.words \
                            or any(sep(i + j) != form.seps[j] for j in range(n - 1)):
                        continue
                p0 = start - len(form.lead)
                if form.lead and (p0 < 0 or text[p0:start].casefold() != form.lead
                                  or (p0 and _WORD.match(text[p0 - 1]))):
                    continue
                end = spans[i + n - 1][1]
                e = end + len(form.trail)
                if form.trail and (text[end:e].casefold() != form.trail
                                   or (e < len(text) and _WORD.match(text[e]))):
                    continue
                hits.append((p0, e, not exact, concept, lab))
        if not hits:
            return []
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2]))
        out: list[Match] = []
        pos = -1
        taken: tuple[int, int] | None = None
        taken_inflected = False
        done: set[str] = set()
        for p0, e, inflected, concept, lab in hits:
            if taken == (p0, e):
                # same place: more concepts of the same form; an inflected form loses to a
                # surface form of another label there
                if inflected and not taken_inflected:
                    continue
                if concept not in done:
                    done.add(concept)
                    out.append(Match(concept, p0, e, text[p0:e], lab, not inflected))
                continue
            if p0 < pos and not overlapping:
                continue
            taken, taken_inflected, pos, done = (p0, e), inflected, max(pos, e), {concept}
            out.append(Match(concept, p0, e, text[p0:e], lab, not inflected))
        return out

    def concepts(self, text: str, *, overlapping: bool = False) -> set[str]:
        """Every concept the text names."""
        return {m.concept for m in self.find(text, overlapping=overlapping)}
