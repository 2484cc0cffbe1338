"""WebNLG 2020 (v3.0, English) for the graph-to-text benchmark: loading, entity
placeholders, word tokenisation and detokenisation.

Why placeholders: a student trained from scratch on a CPU for an hour cannot learn to copy
3,000 entity names letter by letter (DESIGN.md, "What is known about a student on a
2-core machine": 14.6 BLEU lexicalised vs 20.0 with placeholders after 25 minutes). So the
input names every distinct subject/object of the triple set ``<E0>``, ``<E1>``, ... in order
of first appearance, the training targets have each entity's mention in the reference
replaced by its placeholder (:func:`delexicalise`), and after decoding the graph supplies
every name (:func:`relexicalise`): the model writes the phrasing, the triples the names.
This is the delexicalisation of the early WebNLG systems (e.g. TILB-SMT, ADAPT 2017), here
with a rule-based surface form per entity.

Surface forms (:func:`surface`): underscores become spaces, quotes and datatype/language
tags go, a Wikipedia disambiguator ``Gary_Cohn_(comics)`` is dropped, a unit in brackets
``360.29 (days)`` is kept as a word, ``1533.0`` stays as it is (train references write
``2702.0`` 2,006 times, ``2702`` 1,041 times), ISO dates are written the way the training
references most often write them (:data:`DATE_STYLE`). Mentions the rules
do not foresee ("the U.S." for ``United_States``) stay unmatched in the targets, so the
model sometimes writes a word it cannot know; that costs BLEU and is measured as such.

Tokenisation is the student's own (:mod:`generation.student.tokenizer`: BPE over
sentencepiece-style words that keep their leading space), so a decoded text has the
spacing the references have; :func:`relexicalise` fills the names in after decoding.

Licence: the data are CC BY-NC-SA 4.0; this module reads ``../shared/data/webnlg`` and
nothing of it is copied into the repository.
"""
from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Entry", "load_split", "entities", "surface", "linearise", "delexicalise",
           "relexicalise", "predicate_words", "PLACEHOLDER",
           "TRIPLE_SEP"]

#: Placeholder of the k-th entity.
PLACEHOLDER = "<E{}>"
#: Separator between linearised triples in the input.
TRIPLE_SEP = "<sep>"

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]

#: How an ISO date is written when filled in: "month" = "October 13, 1964", "day" =
#: "13 October 1964". "day" is what the training references use most (632 vs 429
#: exact mentions, counted by :func:`date_style_counts`).
DATE_STYLE = "day"


@dataclass
class Entry:
    """One WebNLG entry: a set of 1-7 triples and its reference texts."""

    eid: str
    category: str
    triples: list[tuple[str, str, str]]          # (subject, predicate, object) as in the file
    refs: list[str] = field(default_factory=list)  # reference verbalisations (good ones in train)


def load_split(root: Path, split: str) -> list[Entry]:
    """Entries of ``train``, ``dev`` (all ``*triples/*.xml``, sorted) or ``test`` (the
    RDF-to-text file with references, in file order). Train keeps only lexicalisations
    marked ``good``; dev and test keep every reference.

    Raises FileNotFoundError naming the folder when the split is missing.
    """
    root = Path(root)
    if split == "test":
        files = [root / "test" / "rdf-to-text-generation-test-data-with-refs-en.xml"]
    else:
        files = sorted((root / split).glob("*triples/*.xml"))
    if not files or not files[0].exists():
        raise FileNotFoundError(f"WebNLG split {split!r}: no XML files under {root / split}")
    out: list[Entry] = []
    for f in files:
        for e in ET.parse(f).getroot().iter("entry"):
            triples = []
            for t in e.find("modifiedtripleset").iter("mtriple"):
                parts = [p.strip() for p in (t.text or "").split(" | ")]
                if len(parts) != 3:
                    raise ValueError(f"{f}: entry {e.get('eid')}: malformed triple {t.text!r}")
                triples.append(tuple(parts))
            refs = [(lx.text or "").strip() for lx in e.iter("lex")
                    if split != "train" or lx.get("comment", "good") == "good"]
            out.append(Entry(f"{split}/{f.stem}/{e.get('eid')}", e.get("category", ""),
                             triples, [r for r in refs if r]))
    return out


def entities(triples) -> list[str]:
    """Distinct subjects/objects in order of first appearance: entity k is ``<Ek>``.

    >>> entities([("A", "p", "B"), ("B", "q", "A"), ("A", "r", "C")])
    ['A', 'B', 'C']
    """
    seen: dict[str, None] = {}
    for s, _, o in triples:
        seen.setdefault(s)
        seen.setdefault(o)
    return list(seen)


def predicate_words(p: str) -> str:
    """``birthPlace`` -> ``birth place``; ``has to its southeast`` unchanged.

    >>> predicate_words("elevationAboveTheSeaLevel_(in_metres)")
    'elevation above the sea level (in metres)'
    """
    p = p.replace("_", " ")
    p = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", p)
    return re.sub(r"\s+", " ", p).strip().lower()


def _strip_literal(e: str) -> str:
    e = e.strip()
    m = re.fullmatch(r'"(.*)"(?:@\w+|\^\^.*)?', e, flags=re.S)
    if m:
        e = m.group(1)
    e = e.replace("''", "").replace('"', "").replace("_", " ")
    return re.sub(r"\s+", " ", e).strip()


def _date(e: str, style: str) -> str | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", e)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    y, mo, d = int(m.group(1)), _MONTHS[int(m.group(2)) - 1], int(m.group(3))
    return f"{mo} {d}, {y}" if style == "month" else f"{d} {mo} {y}"


def _number(e: str) -> str | None:
    m = re.fullmatch(r"(-?\d+)\.0+", e)
    return m.group(1) if m else None


def surface(e: str) -> str:
    """How an entity is written when its placeholder is filled.

    >>> surface("Gary_Cohn_(comics)"), surface('"1533.0"'), surface("360.29 (days)")
    ('Gary Cohn', '1533.0', '360.29 days')
    >>> surface("1964-10-13"), surface('"\\'\\'Alvinegro"@en')
    ('13 October 1964', 'Alvinegro')
    """
    s = _strip_literal(e)
    d = _date(s, DATE_STYLE)
    if d:
        return d
    m = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", s)
    if m and m.group(1):
        head, inner = m.group(1), m.group(2)
        if re.fullmatch(r"-?[\d.,]+", head):       # number with its unit
            return f"{head} {inner}"
        s = head                                     # Wikipedia disambiguator
    return s


def _variants(e: str) -> list[str]:
    """Strings a reference may use for an entity, longest first (for delexicalisation)."""
    s = _strip_literal(e)
    out = {s, surface(e)}
    m = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", s)
    if m and m.group(1):
        out.add(m.group(1))
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m and 1 <= int(m.group(2)) <= 12:
        y, mo, d = m.group(1), _MONTHS[int(m.group(2)) - 1], int(m.group(3))
        suf = "th" if 10 <= d % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        for dd in (str(d), f"{d}{suf}"):
            for mm in (mo, mo[:3]):
                out.update({f"{dd} {mm} {y}", f"{dd} of {mm} {y}", f"{mm} {dd} {y}",
                            f"{mm} {dd}", f"{dd} {mm}"})
    if re.fullmatch(r"[\w ]+ language", s):
        out.add(s[: -len(" language")])            # "French language" -> "French"
    n = _number(s) or (s if re.fullmatch(r"-?\d+", s) else None)
    if n:
        out.add(n)
        if len(n.lstrip("-")) > 3:
            out.add(f"{int(n):,}")
    if re.fullmatch(r"-?\d+\.\d+", s):
        out.add(s.rstrip("0").rstrip("."))
    if "," in s and not re.search(r"\d", s):
        out.add(s.split(",")[0].strip())            # "Greene, Maine" -> "Greene"
    return sorted((v for v in out if len(v) >= 1), key=len, reverse=True)


def linearise(triples) -> str:
    """Input text of a triple set with placeholders, e.g. ``<E0> birth place <E1> <sep> ...``.

    >>> linearise([("Aaron_S._Daggett", "birthPlace", "Greene,_Maine")])
    '<E0> birth place <E1>'
    """
    ents = {e: i for i, e in enumerate(entities(triples))}
    return f" {TRIPLE_SEP} ".join(
        f"{PLACEHOLDER.format(ents[s])} {predicate_words(p)} {PLACEHOLDER.format(ents[o])}"
        for s, p, o in triples)


_DROP = set(".,")
_DASHES = {"\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u2019": "'"}


def _normalise(text: str) -> tuple[str, list[int]]:
    """Lower case, accents, dots and commas dropped, dashes unified, spaces collapsed;
    with the index in ``text`` of every kept character (to map matches back)."""
    out, idx = [], []
    for i, ch in enumerate(text):
        if ch in _DROP:
            continue
        ch = _DASHES.get(ch, ch)
        ch = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        for c in ch.lower():
            if c.isspace():
                if not out or out[-1] == " ":
                    continue
                c = " "
            out.append(c)
            idx.append(i)
    return "".join(out), idx


def _acronym(s: str) -> str | None:
    ws = s.split()
    if len(ws) >= 2 and all(w[:1].isupper() for w in ws):
        return "".join(w[0] for w in ws)
    return None


def delexicalise(text: str, triples) -> tuple[str, int]:
    """Replace each entity's mentions in a reference by its placeholder.

    Longer variants are matched first and matches never overlap; matching ignores case,
    accents, dots and commas and respects word boundaries; an acronym of a multi-word
    name ("UK" for United Kingdom) matches case-sensitively. Returns the text and how many
    entities were found.

    >>> delexicalise("Aaron S. Daggett, born in Greene, Maine, won the Purple Heart.",
    ...     [("Aaron_S._Daggett", "birthPlace", "Greene,_Maine"),
    ...      ("Aaron_S._Daggett", "award", "Purple_Heart")])
    ('<E0>, born in <E1>, won the <E2>.', 3)
    """
    ents = entities(triples)
    cands = sorted(((v, k) for k, e in enumerate(ents) for v in _variants(e)),
                   key=lambda t: len(t[0]), reverse=True)
    norm, idx = _normalise(text)
    taken: list[tuple[int, int, int]] = []          # (start, end, entity) in ``text``
    def take(a, b, k):
        if all(b <= x or a >= y for x, y, _ in taken):
            taken.append((a, b, k))
    for v, k in cands:
        nv = _normalise(v)[0].strip()
        if not nv:
            continue
        pat = re.compile(r"(?<![\w])" + re.escape(nv) + r"(?![\w])")
        for m in pat.finditer(norm):
            a, b = idx[m.start()], idx[m.end() - 1] + 1
            if b < len(text) and text[b] == "." and not text[b - 1].isalnum():
                pass
            elif b < len(text) and text[b] == "." and "." in v and v.endswith("."):
                b += 1
            take(a, b, k)
    for k, e in enumerate(ents):
        ac = _acronym(surface(e))
        if ac:
            for m in re.finditer(r"(?<![\w])" + r"\.?".join(ac) + r"\.?(?![\w])", text):
                take(m.start(), m.end(), k)
    taken.sort()
    out, pos = [], 0
    for a, b, k in taken:
        out.append(text[pos:a])
        out.append(PLACEHOLDER.format(k))
        pos = b
    out.append(text[pos:])
    return "".join(out), len({k for _, _, k in taken})


def relexicalise(text: str, triples) -> str:
    """Fill the placeholders of a decoded text with the entities' surface forms; an index
    with no entity is dropped (the model named an entity the input does not have).

    >>> relexicalise("<E0> was born in <E1> and <E5> died.", [("A_b", "birthPlace", "C_(x)")])
    'A b was born in C and died.'
    """
    from generation.student.tokenizer import detokenize, fill_entities
    names = [surface(e) for e in entities(triples)]
    text = fill_entities(text, names)
    return detokenize(re.sub(r"<E\d+>", "", text))


def date_style_counts(entries: list[Entry]) -> Counter:
    """How often train references write ISO-date entities in each style (for DATE_STYLE)."""
    c: Counter = Counter()
    for e in entries:
        for ent in entities(e.triples):
            s = _strip_literal(ent)
            for style in ("month", "day"):
                d = _date(s, style)
                if d:
                    c[style] += sum(bool(re.search(re.escape(d.replace(",", "")) if style == "day"
                                                   else re.escape(d), r)) for r in e.refs)
    return c
