"""The quality gate: may a student's paragraph stand in a lesson?

A paragraph written by the student goes into a lesson only if it passes every check below;
otherwise the lesson quotes the curriculum's own best evidence sentence
(:mod:`generation.extractive`), and only then the templates. The checks are the failures
measured on the under-trained student (issue 12), each one a rule an instructor can read:

* **grounded** -- it names no concept outside its input (the label matcher of grounded
  decoding, :class:`generation.student.grounding.Lexicon`, or anything with the same
  ``find``/``mentions``, e.g. ``kg.labels.LabelMatcher``);
* **no repeated n-grams** -- no word n-gram (:attr:`GateConfig.repeat_n`, 3) occurs twice:
  "The absolute threshold is the absolute threshold ___.";
* **not a restatement of its input names** -- fewer than :attr:`GateConfig.min_content`
  content words beyond the names it was given ("A while loop is the assignment."), or a
  subject that is its own complement ("X is the X.", "X is a kind of X");
* **length within bounds** -- per task (:data:`LENGTH`), in words;
* **no litter** -- no blank ("___"), no empty brackets ("()", "[ ]"), no unfilled
  placeholder (``<E3>``), no numberless cross-reference ("(Figure)");
* **self-score** -- when the generator reports one (the student's length-normalised
  log-probability, ``Generation.scores["logprob"]``), at least
  :attr:`GateConfig.min_logprob`. The default, -1.6 nats per token (perplexity about 5),
  is a heuristic, **not yet measured** against kept/rejected paragraphs (no trained student
  was at hand when the gate was written); the other checks carry the gate until it is.

:func:`check` returns ``(ok, reasons)``; every reason is a short phrase that provenance
records ("has the repeated phrase 'the blind spot'").

>>> check("The absolute threshold is the absolute threshold ___.", task="definition",
...       names=["absolute threshold"])[1]
['has a blank to fill', "has the repeated phrase 'the absolute threshold'", 'says nothing beyond the names it was given']
>>> check("A loop runs its body again and again while its condition holds.", names=["loop"])
(True, [])
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

__all__ = ["GateConfig", "LENGTH", "check", "repeated_ngrams", "restates", "content_words", "outside_concepts",
           "WORDS", "FUNCTION_WORDS", "stem"]

#: Words (letters, with inner apostrophes and hyphens); digits are not words here.
WORDS = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
FUNCTION_WORDS = frozenset("""a an the and or but of to in on at by for with from as into
    than that this these those it its is are was were be been being has have had do does
    not no so such which who whom whose what when where how why there their they them he
    she his her we our you your i my me one ones also about over under between each both
    all any some other another more most very can could may might must shall should will
    would""".split())

#: (fewest, most) words of a paragraph per task.
LENGTH = {"definition": (5, 60), "explanation": (10, 160), "prerequisite": (8, 120),
          "contrast": (10, 160), "summary": (6, 100), "question": (4, 60), "feedback": (3, 80)}

_LITTER = [
    (re.compile(r"_{2,}"), "has a blank to fill"),
    (re.compile(r"[(\[{]\s*[)\]}]"), "has empty brackets"),
    (re.compile(r"<E\d+>"), "has an unfilled placeholder"),
    (re.compile(r"\((?:Figure|Table|Example|Equation)\)"), "has a numberless cross-reference"),
]
_COPULA = re.compile(r"(?i)^\W*(?:an?|the)?\s*(?P<x>[^,;:]+?)\s+(?:is|are|means|refers to)\s+"
                     r"(?:(?:an?|the)\s+)?(?:(?:kind|type|form) of\s+(?:an?\s+|the\s+)?)?(?P<y>[^,;:.]+?)\W*$")


def stem(word: str) -> str:
    """Lower case without a plural ending: "loops" and "loop" are one word here."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
        return w[:-1]
    return w


@dataclass(frozen=True)
class GateConfig:
    repeat_n: int = 3            # a word n-gram of this length occurring twice fails
    min_content: int = 2         # content words needed beyond the input's names
    min_logprob: float = -1.6    # least self-score (length-normalised log-probability)


def repeated_ngrams(text: str, n: int = 3) -> list[str]:
    """Word n-grams (lower case, punctuation ignored) that occur more than once, in order.

    >>> repeated_ngrams("The blind spot is the brain, and the blind spot.")
    ['the blind spot']
    """
    words = [w.lower() for w in WORDS.findall(text)]
    seen, out = set(), []
    for i in range(len(words) - n + 1):
        g = " ".join(words[i:i + n])
        if g in seen and g not in out:
            out.append(g)
        seen.add(g)
    return out


def content_words(text: str, names: Iterable[str] = ()) -> set[str]:
    """Stems of the words of ``text`` that are neither function words nor words of ``names``."""
    own = {stem(w) for name in names for w in WORDS.findall(name)}
    return {stem(w) for w in WORDS.findall(text) if w.lower() not in FUNCTION_WORDS} - own


def restates(text: str, names: Iterable[str] = (), min_content: int = 2) -> bool:
    """True when ``text`` says nothing beyond its input names: fewer than ``min_content``
    content words besides them, or one sentence "X is (a kind of) X".

    >>> restates("A while loop is the assignment.", ["while loop", "assignment"])
    True
    >>> restates("The loop is the loop.")
    True
    >>> restates("A loop repeats a block of statements.", ["loop"])
    False
    """
    if len(content_words(text, names)) < min_content:
        return True
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        m = _COPULA.match(sentence)
        if m and {stem(w) for w in WORDS.findall(m["x"])} == {stem(w) for w in WORDS.findall(m["y"])}:
            return True
    return False


def outside_concepts(text: str, matcher, allowed: Iterable[str]) -> list[str]:
    """Concepts ``text`` names none of whose readings is in ``allowed`` (sorted IRIs).

    ``matcher``: a :class:`generation.student.grounding.Lexicon` (``find`` gives
    ``(start, end, iris)``) or a ``kg.labels.LabelMatcher`` (``find`` gives matches with
    ``concept``, ``start``, ``end``).
    """
    allowed = set(allowed)
    spans: dict[tuple[int, int], set[str]] = {}
    for m in matcher.find(text):
        if isinstance(m, tuple):
            s, e, iris = m
            spans.setdefault((s, e), set()).update(iris)
        else:
            spans.setdefault((m.start, m.end), set()).add(m.concept)
    bad: set[str] = set()
    for iris in spans.values():
        if not iris & allowed:
            bad |= iris
    return sorted(bad)


def check(text: str, *, task: str = "explanation", names: Iterable[str] = (), matcher=None,
          allowed: Iterable[str] = (), logprob: float | None = None,
          config: GateConfig | None = None) -> tuple[bool, list[str]]:
    """``(ok, reasons)`` for a generated paragraph (see the module docstring).

    ``names``: the labels the request gave (focus, target); ``matcher`` and ``allowed``:
    the label matcher and the concept IRIs of the input (grounding is checked only when a
    matcher is given); ``logprob``: the generator's self-score, when it has one.
    """
    cfg = config or GateConfig()
    names = [n for n in names if n]
    text = " ".join((text or "").split())
    reasons: list[str] = []
    n_words = len(text.split())
    lo, hi = LENGTH.get(task, (5, 160))
    if n_words < lo:
        reasons.append(f"is under {lo} words ({n_words})")
    elif n_words > hi:
        reasons.append(f"is over {hi} words ({n_words})")
    for pat, why in _LITTER:
        if pat.search(text):
            reasons.append(why)
    rep = repeated_ngrams(text, cfg.repeat_n)
    if rep:
        reasons.append(f"has the repeated phrase '{rep[0]}'")
    if text and restates(text, names, cfg.min_content):
        reasons.append("says nothing beyond the names it was given")
    if matcher is not None and text:
        out = outside_concepts(text, matcher, allowed)
        if out:
            reasons.append(f"names {len(out)} concept(s) outside its input")
    if logprob is not None and logprob < cfg.min_logprob:
        reasons.append(f"self-score {logprob:.2f} is below {cfg.min_logprob}")
    return not reasons, reasons
