"""Item-writing flaw checker: the rules of the published rubrics, applied to every generated
quiz item before it is emitted.

The rules follow Haladyna, Downing & Rodriguez's item-writing guidelines as operationalised
for automatic checking (the 19-criterion rubric of Moore et al., EC-TEL 2023, "Assessing the
quality of multiple-choice questions using GPT-4 and rule-based methods"; the flaw/difficulty
link in arXiv 2503.10533). Each rule is a small function of the item's text; none needs a
model. Rules (:data:`RULES`):

``negative-stem``
    a choice stem asks a negative ("not", "except", "least") without emphasis (upper case,
    bold or italics). Mended: the word is written in capitals.
``all-none-above``
    an option "all of the above" / "none of the above" / "both A and B".
``longest-key``
    the key of a single-answer choice item is the longest option by a margin (at least
    1.25 times the next longest and 8 characters more): test-wise learners pick it.
``grammar-cue``
    "a"/"an" right before the blank or at the end of the stem agrees with the key but not
    with some distractor (mended to "a(n)"); or the options' number (singular/plural)
    singles out the key; or a cloze blank followed by "is"/"are" disagrees with the key.
``stem-key-overlap``
    a content word of the key (three letters or more, not a function word) appears in the stem and in no
    distractor (a clang association).
``absolute-distractor``
    a distractor (or a false true/false statement) says "always", "never", "all", "none",
    "completely": absolutes mark wrong options ("None" with a capital, Python's value, is not
    one; "only" and "every" are too common in definitions to be a cue).
``tf-by-construction``
    a true/false item whose statement restates a definition (or its own feedback): the
    definition inside it, or 60 % of the definition's content words in it. It is true by
    construction and tests reading, not understanding.
``blank-without-context``
    a cloze stem too short to determine the blank (fewer than five content words), or one
    whose only context is a pronoun ("… makes this possible") pointing outside the stem.
``figure-credit``
    a figure credit "(credit: …)", or a figure/table reference or caption in the text.
    Mended: credits are stripped; a reference to a figure the learner cannot see is not.
``implausible-distractor``
    a distractor of a different kind of thing from the key: a number among words, a
    sentence among terms, or (when the caller knows the kinds) a concept of another type.

Code in a stem (a fenced block, or lines indented by four spaces) is not read as prose:
``not`` in ``while not done:`` is not a negative stem.

:func:`check` lists the flaws; :func:`mend` returns a copy with the mendable ones fixed;
:func:`gate` mends, checks again and says whether the item may be emitted.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Callable, Iterable

from generation.content.model import CLOZE_BLANK, QuizItem

__all__ = ["Flaw", "RULES", "check", "mend", "gate", "prose", "restates"]

RULES = ("negative-stem", "all-none-above", "longest-key", "grammar-cue", "stem-key-overlap",
         "absolute-distractor", "tf-by-construction", "blank-without-context", "figure-credit",
         "implausible-distractor")

_STOP = set("""a an the of to in on for by with from as at or and but if then than that this these those it its
is are was were be been being has have had do does did can could may might must shall should will would
which what who whom whose when where why how not no yes true false term called known one two some any each
other such into onto about there their they them he she his her we you your our also only more most very
used uses using use make makes made way ways thing things""".split())

_NEG = re.compile(r"\b(not|except|least|never|false|incorrect)\b")
_ALL_NONE = re.compile(r"(?i)\b(all|none|neither|both) of the (above|these|options|answers)\b|\bboth (a|b) and (b|c)\b")
_ABSOLUTE = re.compile(r"\b([Aa]lways|[Nn]ever|all|none|[Cc]ompletely|[Aa]bsolutely|[Ee]ntirely|[Ii]mpossible)\b")
_CREDIT = re.compile(r"\s*\\?\(\s*credit\b[^()]*(?:\([^()]*\)[^()]*)*\\?\)\s*", re.I)
_CREDIT_LOOSE = re.compile(r"(?i)\bcredit\s*[:(]|\(credit|\bcredit [a-z]+:")
_FIGURE = re.compile(r"(?i)\b(figure|fig\.|table)\s+\d+(\.\d+)*\b|\bin the (figure|photo|image|picture) (above|below)\b")
_PRONOUN = re.compile(r"(?i)\b(this|these|those|it|they|them|he|she|such)\b")
_NUMBER = re.compile(r"^[-+−]?(\d+(\.\d*)?|\.\d+)(/\d+)?([eE][-+]?\d+)?%?$")  # "−10", "3/7" too


@dataclass(frozen=True)
class Flaw:
    rule: str        # one of RULES
    message: str     # what is wrong, naming the text at fault

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


def prose(text: str) -> str:
    """``text`` without its code: fenced blocks, lines indented by 4+ spaces, inline `code`."""
    text = re.sub(r"(?ms)^\s*```.*?^\s*```\s*$", " ", text or "")
    text = "\n".join(ln for ln in text.split("\n") if not re.match(r"^( {4,}|\t)", ln))
    return re.sub(r"`[^`\n]*`", " ", text)


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text.casefold())


def _stem_word(w: str) -> str:
    w = w.casefold()
    for suf in ("ies", "es", "s"):
        if w.endswith(suf) and len(w) - len(suf) >= 4 and not w.endswith(("ss", "us", "is")):
            return w[: -len(suf)] + ("y" if suf == "ies" else "")
    return w


def _content(text: str, min_len: int = 3) -> list[str]:
    return [w for w in _words(text) if len(w) >= min_len and w not in _STOP]


def _plural(term: str) -> bool:
    w = (_words(term) or [""])[-1]
    return len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "ics", "sis"))


def _vowel_sound(word: str) -> bool:
    w = word.strip().casefold()
    if not w:
        return False
    if re.match(r"(uni|use|usu|uti|eu|one|once|ubi)", w):
        return False
    if re.match(r"(hour|honest|honou?r|heir)", w):
        return True
    if re.match(r"[fhlmnrsx][A-Z0-9]*\b", word.strip()) and word.strip()[:1].isupper() and len(word.strip()) <= 4:
        return True   # an acronym read letter by letter: "an SQL", "an HTML"
    return w[0] in "aeiou"


def _shape(text: str) -> str:
    t = " ".join(str(text).split())
    if _NUMBER.match(t.replace(",", "")):
        return "number"
    n = len(t.split())
    return "phrase" if n <= 5 else "sentence"


def _texts(item: QuizItem) -> list[tuple[str, str]]:
    out = [("stem", item.stem), ("feedback", item.feedback), ("answer", item.answer)]
    out += [(f"option {i + 1}", c.text) for i, c in enumerate(item.choices)]
    out += [(f"option {i + 1} feedback", c.feedback) for i, c in enumerate(item.choices)]
    out += [(f"pair {i + 1}", f"{a} {b}") for i, (a, b) in enumerate(item.pairs)]
    out += [(f"accepted answer {i + 1}", a) for i, a in enumerate(item.answers)]
    return [(w, t) for w, t in out if t]


def check(item: QuizItem, *, definitions: Iterable[str] = (),
          kind_of: Callable[[str], str] | None = None) -> list[Flaw]:
    """The flaws of ``item`` (empty when it passes every rule).

    ``definitions``: texts a true/false statement must not simply restate (the definitions
    of the concepts it is about). ``kind_of``: the kind of the concept an option stands for
    (IRI -> type), for ``implausible-distractor``.
    """
    flaws: list[Flaw] = []
    stem = prose(item.stem)
    choices = item.choices if item.type in ("multichoice", "multiresponse") else []
    keys = [c for c in choices if c.correct]
    wrong = [c for c in choices if not c.correct]

    # figure credits and captions, anywhere
    for where, text in _texts(item):
        if _CREDIT.search(text) or _CREDIT_LOOSE.search(text):
            flaws.append(Flaw("figure-credit", f"{where} holds a figure credit"))
            break
    for where, text in _texts(item):
        if _FIGURE.search(prose(text)):
            flaws.append(Flaw("figure-credit", f"{where} refers to a figure or table the learner cannot see"))
            break

    if choices:
        # the question itself: quoted text (a definition, a sentence of the book) is not asked
        m = _NEG.search(re.sub(r"“[^”]*”|\"[^\"]*\"", " ", stem))
        if m and not re.search(r"(?<![A-Za-z])(NOT|EXCEPT|LEAST|NEVER|FALSE|INCORRECT)(?![A-Za-z])|\*\*\w+\*\*|<(em|strong|b)>", stem):
            flaws.append(Flaw("negative-stem", f"the stem asks a negative ({m.group(1)!r}) without emphasis"))
        for i, c in enumerate(choices):
            if _ALL_NONE.search(c.text):
                flaws.append(Flaw("all-none-above", f"option {i + 1} is {c.text!r}"))
        for c in wrong:
            m = _ABSOLUTE.search(prose(c.text))
            if m:
                flaws.append(Flaw("absolute-distractor", f"distractor {c.text!r} says {m.group(1)!r}"))
                break
    if item.type == "multichoice" and len(keys) == 1 and len(wrong) >= 2:
        k = len(" ".join(keys[0].text.split()))
        longest = max(len(" ".join(c.text.split())) for c in wrong)
        if k >= 1.25 * longest and k - longest >= 8:
            flaws.append(Flaw("longest-key", f"the key is {k} characters, the longest distractor {longest}"))

    # grammatical cues
    if choices and keys:
        m = re.search(r"(?i)\b(an?)\s*(?:" + re.escape(CLOZE_BLANK) + r"\s*)?[?:.]?\s*$", stem.rstrip()) or \
            re.search(r"(?i)\b(an?)\s+" + re.escape(CLOZE_BLANK), stem)
        if m:
            want_vowel = m.group(1).lower() == "an"
            fits = [_vowel_sound(c.text) == want_vowel for c in choices]
            if all(fits[i] for i, c in enumerate(choices) if c.correct) and not all(fits):
                flaws.append(Flaw("grammar-cue", f"{m.group(1)!r} before the answer rules out some options"))
        if item.type == "multichoice" and len(keys) == 1 and len(wrong) >= 2 \
                and all(_shape(c.text) == "phrase" for c in choices):
            kp = _plural(keys[0].text)
            if all(_plural(c.text) != kp for c in wrong):
                flaws.append(Flaw("grammar-cue", f"the key is the only {'plural' if kp else 'singular'} option"))
    if item.type == "cloze" and item.answers:
        m = re.search(r"(?i)\b(an?)\s+" + re.escape(CLOZE_BLANK), item.stem)
        if m and _vowel_sound(item.answers[0]) != (m.group(1).lower() == "an"):
            flaws.append(Flaw("grammar-cue", f"{m.group(1)!r} before the blank does not fit the answer"))
        m = re.search(re.escape(CLOZE_BLANK) + r"\s+(is|are|was|were|has|have)\b", item.stem)
        if m and (m.group(1) in ("are", "were", "have")) != _plural(item.answers[0]) \
                and len(_words(item.answers[0])) <= 3:
            flaws.append(Flaw("grammar-cue", f"{m.group(1)!r} after the blank does not agree with the answer"))

    # stem-key overlap (a clang association)
    key_texts = [c.text for c in keys] if choices else (
        [item.answer] if item.type in ("shortanswer", "cloze") and item.answer else [])
    stem_words = {_stem_word(w) for w in _content(stem.replace(CLOZE_BLANK, " "))}
    wrong_words = {_stem_word(w) for c in wrong for w in _content(c.text)}
    for kt in key_texts:
        if _shape(kt) == "number":
            continue
        shared = [w for w in _content(prose(kt), 3) if _stem_word(w) in stem_words and _stem_word(w) not in wrong_words]
        if shared:
            flaws.append(Flaw("stem-key-overlap", f"the stem gives away {shared[0]!r} of the key {kt!r}"))
            break

    # true/false
    if item.type == "truefalse":
        statement = re.sub(r"(?i)^\s*true or false\s*[:?]\s*", "", stem)
        norm = " ".join(_words(statement))
        if item.answer.strip().lower() == "true" and norm:
            texts = list(definitions)
            fb = re.sub(r"(?i)^\s*(true|correct)\W*", "", item.feedback or "")
            if fb:
                texts.append(fb)
            for d in texts:
                if restates(statement, d):
                    flaws.append(Flaw("tf-by-construction", "the true statement restates the definition"))
                    break
        if item.answer.strip().lower() == "false":
            m = _ABSOLUTE.search(statement)
            if m:
                flaws.append(Flaw("absolute-distractor", f"the false statement says {m.group(1)!r}"))

    # cloze context
    if item.type == "cloze":
        rest = item.stem.replace(CLOZE_BLANK, " ")
        content = _content(rest)
        if len(content) < 5:
            flaws.append(Flaw("blank-without-context", f"only {len(content)} content words around the blank"))
        elif _PRONOUN.search(rest) and len(_words(rest)) < 14:
            m = _PRONOUN.search(rest)
            flaws.append(Flaw("blank-without-context", f"the context is a pronoun ({m.group(1)!r}) pointing outside the stem"))

    # implausible distractors
    if choices and keys:
        ks = {_shape(c.text) for c in keys}
        for c in wrong:
            s = _shape(c.text)
            if s not in ks and ("number" in ks or s == "number" or ks == {"phrase"} and s == "sentence"):
                flaws.append(Flaw("implausible-distractor", f"{c.text!r} is a {s}, the key a {'/'.join(sorted(ks))}"))
                break
        if kind_of is not None:
            kk = {kind_of(c.concept) for c in keys if c.concept}
            for c in wrong:
                if c.concept and kk and kind_of(c.concept) not in kk:
                    flaws.append(Flaw("implausible-distractor", f"{c.text!r} is a {kind_of(c.concept)}, not a {'/'.join(sorted(kk))}"))
                    break
    return flaws


def restates(statement: str, definition: str) -> bool:
    """Does ``statement`` say what ``definition`` says: the definition inside it (or it
    inside the definition), or most (60 %) of the definition's content words in it?"""
    norm, nd = " ".join(_words(statement)), " ".join(_words(definition))
    if not nd or not norm:
        return False
    if nd in norm or (len(nd) > 20 and norm in nd):
        return True
    dw = {_stem_word(w) for w in _content(definition)}
    sw = {_stem_word(w) for w in _content(statement)}
    return len(dw) >= 3 and len(dw & sw) / len(dw) >= 0.6


def _strip_credits(text: str) -> str:
    out = _CREDIT.sub(" ", text or "")
    return re.sub(r"[ \t]{2,}", " ", out).strip() if out != text else text


def mend(item: QuizItem) -> QuizItem:
    """A copy of ``item`` with the mendable flaws fixed: figure credits stripped, a negative
    in a choice stem written in capitals, "a"/"an" before a blank or ending a choice stem
    written "a(n)"."""
    it = copy.deepcopy(item)
    it.stem = _strip_credits(it.stem)
    it.feedback = _strip_credits(it.feedback)
    it.answer = _strip_credits(it.answer)
    it.answers = [_strip_credits(a) for a in it.answers]
    for c in it.choices:
        c.text, c.feedback = _strip_credits(c.text), _strip_credits(c.feedback)
    it.pairs = [(_strip_credits(a), _strip_credits(b)) for a, b in it.pairs]
    if it.type in ("multichoice", "multiresponse"):
        def caps(m):
            return m.group(1).upper()
        parts = re.split(r"(```.*?```|`[^`\n]*`|\n(?: {4,}|\t)[^\n]*)", it.stem, flags=re.S)
        it.stem = "".join(p if i % 2 else re.sub(r"\b(not|except|least)\b", caps, p) for i, p in enumerate(parts))
        it.stem = re.sub(r"\b([Aa])n?(\s*[?:.]?\s*)$", r"\1(n)\2", it.stem)
    it.stem = re.sub(r"\b([Aa])n? (?=" + re.escape(CLOZE_BLANK) + ")", r"\1(n) ", it.stem)
    return it


def gate(item: QuizItem, **kw) -> tuple[QuizItem | None, list[Flaw], list[Flaw]]:
    """Mend ``item``, check it again: ``(item or None, flaws found first, flaws left)``.

    The item is None (not to be emitted) when a flaw is left after mending.
    """
    before = check(item, **kw)
    if not before:
        return item, [], []
    mended = mend(item)
    after = check(mended, **kw)
    return (None if after else mended), before, after
