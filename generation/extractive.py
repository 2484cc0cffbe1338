"""The extractive generator: the curriculum's own sentences, chosen per task and cited.

Where the student does not pass the quality gate (:mod:`generation.gate`), a lesson quotes
the book instead of paraphrasing it badly. The sentences come from the evidence index
(:func:`kg.evidence.evidence`, built at import: for every concept the sentences that define,
use or exemplify it, each with its section and paragraph id, ranked best first); this
module only chooses among them, per task:

* **definition** -- the concept's glossary definition when the index holds it (and a
  ``glossary`` reader is given), else the best definitional sentence: one whose subject is
  the term and whose verb defines ("X is / are / refers to / means / is defined as ...") or
  that names the term as what is defined ("... is called X"), else the index's best
  ``definition`` sentence. The
  sentence is kept whole (its predicate is what it says); :func:`predicate` cuts the
  predicate out for the benchmark, which compares it with a glossary entry.
* **explanation** -- 2 to 3 of the best ``use``/``definition`` sentences (8 words or more)
  that are not the definition nor a near-duplicate of it (character-trigram overlap), in
  reading order; a section lesson keeps those of its own section. A sentence under 12 words
  is followed by the next sentences of its paragraph when the section text is at hand
  (``text_of``), so "X is the most common." comes with what it goes on to say.
* **example** -- the best ``code`` evidence (a fenced block, shown as code), else the best
  ``example`` sentence(s).
* **bridge** (prerequisite) -- a sentence of the later concept that names the earlier one
  (why B needs A), else the earlier concept's definition.
* **contrast** -- a sentence that names both concepts with a contrasting word ("unlike",
  "whereas", "instead", ...), else the two definitions side by side when the two are of
  one kind (the same head noun, :func:`genus`, or the same last word of their labels:
  *while loop* / *for loop*); none otherwise.

Every :class:`Extract` records its citations (section IRI and label, paragraph id) and the
evidence it quotes; provenance names the generator ``extractive``. Nothing is paraphrased:
the words are the book's, so the text is grounded by construction.

>>> predicate("The absolute threshold is the minimum amount of stimulus energy needed.", "absolute threshold")
'minimum amount of stimulus energy needed'
>>> predicate("Energy stored in an object is called potential energy.", "potential energy")
'Energy stored in an object'
"""
from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from generation.content.model import Citation
from generation.gate import stem
from kg import evidence as evidence_index
from kg.evidence import split_blocks, split_sentences

__all__ = ["NAME", "CHECKPOINT", "Citation", "Extract", "ExtractiveGenerator", "predicate", "definitional",
           "stands_alone",
           "names_previous", "genus",
           "overlap", "is_code"]

NAME = "extractive"
#: Version of the selection rules (provenance: which rules chose the sentences).
CHECKPOINT = "extractive-1"

_VERBS = (r"(?:is|are|was|were|can be|may be)\s+(?:defined|described)\s+as|refers?\s+to|means?|"
          r"(?:is|are)\s+known\s+as|(?:is|are|was|were)|describes?|denotes?")
_NAMED = r"(?:is|are|was|were)\s+(?:called|known\s+as|termed|referred\s+to\s+as|named|considered|classified\s+as)"
_ARTICLE = re.compile(r"(?i)^(?:an?|the)\s+")


def _label_re(label: str) -> str:
    words = [re.escape(w) for w in label.split()]
    if not words:
        return r"(?!)"
    words[-1] += r"(?:s|es)?"
    return r"\s+".join(words)


_Q = r"[\"“”‘’']?"
_PRONOUN = re.compile(r"(?i)^(?:this|that|these|those|it|they|such|which|what)\b")
_CLASS_START = re.compile(r"(?i)^(?:an?|the|any|one|each)\s|^(?:used|defined|made|said)\b")
_NOT_A_CLASS = re.compile(r"(?i)^(?:(?:an?|the)\s+)?(?:most|least|also|not|very|often|usually|still|now|then|only|"
                          r"important|essential|useful|good|great|interesting|true|false|one of|example)\b")


@functools.lru_cache(maxsize=4096)
def _patterns(label: str) -> list[tuple[str, re.Pattern]]:
    """(form, pattern) pairs; each pattern's group ``pred`` is what the sentence says X is
    (compiled once per label: the quiz asks of hundreds of sentences per quiz)."""
    lab = _label_re(label)
    return [
        # "(The) X (, or Y,) is/are/refers to ...": the term is the subject
        ("subject", re.compile(rf"(?i)(?:^|[,;:]\s+|\b(?:an?|the|of)\s+)(?:an?\s+|the\s+)?{_Q}{lab}{_Q}"
                               rf"(?:\s*\([^)]*\))?(?:,[^,]{{1,60}},)?\s+(?:{_VERBS})\s+(?P<pred>.+)$")),
        # "X occurs when ...", "X holds that ...": a definition by what it does or claims
        ("function", re.compile(rf"(?i)(?:^|[,;:]\s+|\b(?:an?|the|of)\s+)(?:an?\s+|the\s+)?{_Q}{lab}{_Q}"
                                rf"(?:\s*\([^)]*\))?\s+(?P<pred>(?:occurs?|happens?|arises?)\s+(?:when|if)\s+.+|"
                                rf"(?:holds?|states?|claims?|asserts?|maintains?)\s+that\s+.+)$")),
        # "X, which stipulates ...": a relative clause about the term
        ("which", re.compile(rf"(?i)\b{lab}{_Q},\s+which\s+(?P<pred>(?:is|are|was|were|refers?|means?|\w+s)\s+.+?)"
                             rf"(?:[;]|$)")),
        # "the conscience, an individual's inner sense of right and wrong, forms ...": an appositive
        ("appositive", re.compile(rf"(?i)\b{lab}{_Q},\s+(?P<pred>(?:or\s+|an?\s+|the\s+)[^,;()]{{2,160}}?),\s+\w")),
        # "the engram: the group of neurons that ...", "the engram, or the original memory trace ..."
        ("appositive", re.compile(rf"(?i)\b{lab}{_Q}(?::|,)\s+(?P<pred>(?:or\s+|an?\s+|the\s+)[^,;:()]{{2,160}}?)"
                                  rf"[.!?]?$")),
        # "a point in the visual field called the blind spot"
        ("called", re.compile(rf"(?i)\b(?:an?|the)\s+(?P<pred>[^,;:()]{{3,100}}?)\s+(?:called|known\s+as|termed|"
                              rf"referred\s+to\s+as)\s+(?:an?\s+|the\s+)?{_Q}{lab}{_Q}\b")),
        # "The medulla controls the automatic processes ...": what it does, the term first
        ("does", re.compile(rf"(?i)^(?:an?\s+|the\s+)?{_Q}{lab}{_Q}\s+(?P<pred>[a-z]+s\s+.+)$")),
        # "Quotient law for limits: lim ... = L/M": a theorem or rule stated after its name
        ("colon", re.compile(rf"(?i)^{_Q}{lab}{_Q}\s*:\s+(?P<pred>.{{3,}})$")),
        # "According to Hooke's law, the force required ... is given by F(x) = kx"
        ("according", re.compile(rf"(?i)^(?:according\s+to|by)\s+(?:an?\s+|the\s+)?{_Q}{lab}{_Q},\s+(?P<pred>.+)$")),
        # "ikigai (reason for being)": a gloss in brackets
        ("gloss", re.compile(rf"(?i)\b{lab}{_Q}\s+\((?P<pred>[a-z][^()\d]{{3,100}})\)")),
        # "... is called X": the term is what the sentence names
        ("named", re.compile(rf"(?i)^(?P<pred>.+?),?\s+{_NAMED}\s+(?:an?\s+|the\s+)?{_Q}{lab}\b")),
    ]


def _best(sentence: str, label: str) -> tuple[int, str]:
    """(rank, predicate) of the most plainly defining reading of ``sentence`` (see
    :func:`definitional`); (0, "") when none."""
    s = " ".join(sentence.split())
    best = (0, "")
    for form, pat in _patterns(label):
        m = pat.search(s)
        if not m:
            continue
        pred = m["pred"].strip().rstrip(".;:,").strip()
        bare = _ARTICLE.sub("", pred)
        n = len(pred.split())
        if not pred or _PRONOUN.match(pred) or _NOT_A_CLASS.match(pred):
            continue
        if form == "subject":
            if n < 4:
                continue
            head = s[:m.start("pred")].rstrip()
            rank = 4 if _CLASS_START.match(pred) or re.search(r"(?i)(?:refers?\s+to|means?|defined\s+as)$", head) \
                else 3
        elif form == "named":
            rank = 2 if n >= 3 else 0
        elif form == "called":      # "... is called X" is the "named" form
            rank = 2 if n >= 2 and not re.search(r"(?i)\b(?:is|are|was|were|be|been)$", pred) else 0
        elif form == "according":
            rank = 2 if n >= 4 else 0
        elif form == "does":
            rank = 1 if n >= 4 and not re.match(r"(?i)(?:is|was|has|does)\b", pred) else 0
        elif n < 3 and form not in ("gloss",):
            rank = 0            # "for", "allows us to": a fragment, not what the term is
        elif form == "appositive":
            rank = 3 if len(bare.split()) >= 1 and not re.search(r"(?i)\b(?:and|or)\s*$", bare) else 0
        else:
            rank = 3 if len(bare.split()) >= 2 else 0
        if rank > best[0]:
            best = (rank, bare if form != "named" else pred)
    return best


_HEAD_END = re.compile(r"(?i)\s(?:that|which|who|whose|where|when|in|of|for|with|to|used|by|on|from|as)\s|[,;:(]")


def genus(text: str, label: str) -> str:
    """The head noun of what a definition says its term is (stemmed): "a loop that runs
    ..." and "A while loop is a loop that ..." give "loop"; "" when there is none.

    >>> genus("A loop that checks a condition before each pass.", "while loop")
    'loop'
    >>> genus("An accumulator pattern is a loop pattern that starts a variable ...", "accumulator pattern")
    'pattern'
    """
    rank, pred = _best(text, label)
    body = _ARTICLE.sub("", pred if rank else " ".join(text.split()))
    head = _HEAD_END.split(" " + body + " ", 1)[0].split()
    return stem(head[-1]) if head and len(head) <= 5 else ""


def names_previous(sentence: str, label: str) -> bool:
    """True for "This is called X." / "This concept of well-being is called X.": the
    definition is the sentence before.

    >>> names_previous("This is known as the is-ought problem.", "is-ought problem")
    True
    """
    return bool(re.search(rf"(?i)^(?:this|that|these|those|such)\b[^,;]{{0,40}}?\s+{_NAMED}\s+(?:an?\s+|the\s+)?"
                          rf"{_Q}{_label_re(label)}{_Q}\W*$", " ".join(sentence.split())))


def definitional(sentence: str, label: str) -> int:
    """How plainly ``sentence`` defines ``label``: 4 the term is the subject of a defining
    verb whose predicate names a class ("X is a Y that ...", "X refers to ..."); 3 another
    subject predicate of at least four words, a functional definition ("X occurs when ...",
    "X holds that ..."), a relative clause ("X, which ..."), an appositive ("the conscience,
    an individual's inner sense of right and wrong, ...") or a gloss in brackets ("ikigai
    (reason for being)"); 2 the sentence names the term as what it describes ("... is called
    X", "a point ... called X"); 1 the term is the subject of another verb ("The medulla
    controls ..."); 0 none of these (an evaluation such as "X is the most common." is not a
    definition).

    >>> definitional("The accumulator pattern is the most common.", "accumulator pattern")
    0
    >>> definitional("A loop is a statement that repeats a block.", "loop")
    4
    >>> definitional("Some argue that the conscience, an inner sense of right and wrong, forms ethics.", "conscience")
    3
    """
    return _best(sentence, label)[0]


def predicate(sentence: str, label: str) -> str:
    """The predicate of a definitional sentence (what it says the term is), without a
    leading article or the final full stop; the whole sentence when no pattern matches."""
    rank, pred = _best(sentence, label)
    return pred if rank else " ".join(sentence.split()).rstrip(".")


#: Words that make a sentence naming two concepts a contrast, not a mere co-occurrence.
_CONTRAST = re.compile(r"(?i)\b(?:unlike|whereas|differs?|different|difference|in contrast|rather than|"
                       r"instead|compared|versus|vs|however|distinguish\w*|confus\w*|opposite)\b")


#: A question, a list item, a blank to fill or a heading: not a sentence to explain with.
_NOT_PROSE = re.compile(r"\?\s*$|^[-–•*]\s|_{2,}|[^.!:;”\"')\]]\s*$")   # also: a heading, no full stop
#: ... nor, to define with, a list item, a blank or a flattened table/equation array (",,").
_JUNK = re.compile(r"^[-–•*]\s|_{2,}|,\s*,|;\s*,")
#: An explanation sentence quoted on its own must not lean on what came before it in the
#: book: no opening connective or pronoun ("Thus", "However", "This process", "They ...")
#: -- a blind judge discarded such quotes as dangling -- ...
_XREF = re.compile(r"\s*\((?:see )?(?:figure|table|example|exercise)s?(?: and (?:figure|table))?\)", re.I)
_DANGLING = re.compile(
    r"(?i)^[\"“(]?(?:thus|however|therefore|hence|this|these|that|those|they|them|it|its|he|she|his|her|"
    r"their|such|each|both|also|moreover|furthermore|similarly|likewise|instead|then|so|but|and|or|"
    r"yet|here|now|again|finally|next|notice|recall|another|other|as a result|for this reason|"
    r"in this case|in addition|in other words|on the other hand|in contrast|in fact|of course|"
    r"first|second|third|last|later|earlier|above|below|example|fortunately|unfortunately|once again|"
    r"as (?:mentioned|noted|discussed|we|you)|back in|in (?:her|his|their|our) case|"
    r"in this (?:section|chapter|module)|we (?:then|now|need|also|will|can|use|see|call)|"
    r"let|consider|suppose|recall)\b")
#: ... nor point at what a quote cannot carry: a figure, table, numbered example or exercise,
#: a sub-figure "(a)", "shown below", a worked step ("let's").
_REFERS = re.compile(
    r"(?i)\b(?:figure|fig\.|table|example|exercise|checkpoint|theorem|equation|chapter|section)\s*\(?\d|"
    r"\bsee (?:the )?(?:figure|table|graph|example|chapter|section)|\bshown (?:in|below|above|here)\b|"
    r"\b(?:the )?(?:following|graph below|figure below|table below)\b|^\(?[a-h]\)\s|\(\s*[a-h]\s*\)|"
    r"\blet['’]s\b|\bas (?:we|you) (?:saw|have seen|learned)\b")


#: An instruction of a worked example ("Apply the difference rule ...") is no statement.
_IMPERATIVE = re.compile(
    r"(?i)^(?:apply|use|find|show|prove|evaluate|compute|calculate|determine|let|consider|note|"
    r"suppose|assume|sketch|graph|solve|write|explain|describe|identify|verify|check|compare|"
    r"list|give|state|take|try|substitute|simplify|differentiate|integrate|rewrite)\b")
#: ... nor does one that points at something the reader cannot see: a form, example or result
#: ("this growth rate", "these frames", "in this way"), or something done before ("Binary
#: search does the same with a sorted list": blind quiz judge, round 6).
_POINTS_BACK = re.compile(
    r"(?i)\b(?:th(?:is|ese|ose) \w+|"
    r"the (?:previous|preceding|next|above|following) (?:example|figure|table|equation|section|exercise)|"
    r"d(?:oes|o|id) the same(?! as\b)|the same (?:way|thing|idea)(?! as\b))\b")


def stands_alone(sentence: str) -> bool:
    """Whether a sentence of the book can be shown on its own (in a quiz statement, say):
    it opens with a capital, leans on nothing before it, points at no figure, example or
    form the reader cannot see, holds no flattened table, and is not an instruction.

    >>> stands_alone("A definite integral is a number.")
    True
    >>> [stands_alone(x) for x in ("Apply the difference rule and the constant multiple rule.",
    ...                            "Limits of this form are called indeterminate.",
    ...                            "However, the limit does not exist.",
    ...                            "Seeing the stack this way explains the traceback, which lists these frames.",
    ...                            "Binary search does the same with a sorted list.")]
    [False, False, False, False, False]
    """
    t = _norm(sentence)
    return bool(t) and not (t[:1].islower() or _JUNK.search(t) or _REFERS.search(t) or _DANGLING.match(t)
                            or _IMPERATIVE.match(t) or _POINTS_BACK.search(t))


def _trigrams(text: str) -> set[str]:
    t = re.sub(r"\s+", " ", text.lower())
    return {t[i:i + 3] for i in range(max(0, len(t) - 2))}


def overlap(a: str, b: str) -> float:
    """Character-trigram Jaccard overlap of two texts (1.0: the same text)."""
    x, y = _trigrams(a), _trigrams(b)
    return len(x & y) / len(x | y) if x and y else 0.0


def is_code(text: str) -> bool:
    """True for a fenced code block (contract 1: a line of three backticks opens and ends it)."""
    t = text.strip()
    return t.startswith("```") and t.endswith("```") and "\n" in t


@dataclass
class Extract:
    """The sentences chosen for one task, and where each comes from."""

    text: str
    task: str
    focus: str
    citations: list[Citation] = field(default_factory=list)
    evidence: list = field(default_factory=list)        # the kg.evidence.Evidence quoted
    concepts: list[str] = field(default_factory=list)
    generator: str = NAME
    checkpoint: str = CHECKPOINT
    why: str = ""            # who chose it, when not the rules ("learned selector (chrF dev ...)")


def is_glossary_entry(e) -> bool:
    """True for an evidence item the index marks as a glossary entry (paragraph ``glossary``)."""
    return e.kind == "definition" and e.paragraph == "glossary"


def _default_evidence() -> Callable:
    return evidence_index.evidence


def _cite(ev) -> Citation:
    return Citation(ev.section, ev.section_label, ev.paragraph)


def _norm(text: str) -> str:
    return " ".join(text.split())


class ExtractiveGenerator:
    """Chooses and cites the curriculum's sentences for a concept (module docstring).

    Args:
        store: the store holding the evidence index.
        labels: concept IRI -> label (``GraphView`` concepts' labels, for the patterns).
        evidence_fn: ``(store, concept, kinds, k) -> list[Evidence]``; default
            :func:`kg.evidence.evidence`.
        glossary: concept IRI -> its glossary definition ("" when none): that evidence
            item is the definition of choice (a lesson; not the benchmark, where it is the answer).
        frame: concept IRI -> its glossary definition as a sentence ("An X is ..."), used
            where a glossary entry is quoted.
        text_of: section IRI -> its ``kgs:text``: a short sentence about the concept is
            followed by the next sentences of its paragraph ("The accumulator pattern is the
            most common. A variable is set up before the loop ..."), which the index does not
            hold because they do not repeat the name.
        max_words: a quoted sentence longer than this is not used (a run-on caption or list).
        teaching: concept IRI -> the sections that define or teach it. An explanation quotes
            only those sections' sentences when there are any (elsewhere a one-word label is
            often the same word in another sense: "construction" of memories vs "railroad
            construction"); without it, every section's.
        selector: a learned chooser of the defining sentence (:class:`generation.selector.Selector`)
            used where the concept has no glossary entry; the rules choose without one or
            when it fails (noted once through ``log``).
    """

    name = NAME
    checkpoint = CHECKPOINT

    def __init__(self, store, labels: Callable[[str], str], *, evidence_fn: Callable | None = None,
                 glossary: Callable[[str], str] | None = None, frame: Callable[[str], str] | None = None,
                 text_of: Callable[[str], str] | None = None, max_words: int = 70,
                 teaching: Callable[[str], Sequence[str]] | None = None, selector=None,
                 log: Callable[[str], None] = lambda _m: None):
        self.store = store
        self.selector = selector
        self.log = log
        self._selector_failed = False
        self.chosen_by: dict[str, str] = {}
        self.labels = labels
        self.glossary = glossary
        self.frame = frame
        self.text_of = text_of
        self._blocks: dict[str, dict[str, list[str]]] = {}
        self._evidence_fn = evidence_fn
        self.max_words = max_words
        self.teaching = teaching
        self._cache: dict[str, list] = {}

    # ---- evidence ---------------------------------------------------------------------------
    def evidence(self, concept: str) -> list:
        """Every evidence item of ``concept``, best first (cached)."""
        if concept not in self._cache:
            fn = self._evidence_fn or _default_evidence()
            items = [e for e in fn(self.store, concept, None, None)
                     if e.text and e.text.strip() and (e.kind == "code" or len(e.text.split()) <= self.max_words)]
            self._cache[concept] = items
        return self._cache[concept]

    def _of(self, concept: str, kinds: Iterable[str], section: str | None = None) -> list:
        kinds = set(kinds)
        return [e for e in self.evidence(concept) if e.kind in kinds and (section is None or e.section == section)]

    def _say(self, e) -> str:
        """The text quoted for ``e``: a glossary entry (a bare noun phrase) as the sentence
        ``frame`` makes of it ("An algorithm is ..."), anything else as written, less the
        book's numberless cross-references ("(Figure)", "(see Table)"), which point at
        nothing once quoted."""
        if self.frame is not None and e.kind == "definition" and self.is_glossary(e):
            return _norm(self.frame(e.concept))
        return e.text.strip() if is_code(e.text) else _XREF.sub("", _norm(e.text))

    def _extract(self, task: str, focus: str, items: Sequence, concepts: Iterable[str] = ()) -> Extract:
        sep = "\n\n" if any(is_code(e.text) for e in items) else " "
        text = sep.join(self._say(e) for e in items)
        cites = list(dict.fromkeys(_cite(e) for e in items))
        return Extract(text=text, task=task, focus=focus, citations=cites, evidence=list(items),
                       concepts=list(dict.fromkeys([focus, *concepts])))

    # ---- tasks ------------------------------------------------------------------------------
    def is_glossary(self, e) -> bool:
        """True when evidence ``e`` is a glossary definition of its concept: paragraph id
        ``glossary`` (how :mod:`kg.evidence` marks one), or the text of ``glossary(concept)``."""
        if e.kind == "definition" and e.paragraph == "glossary":   # the index's mark of a glossary entry
            return True
        g = self.glossary(e.concept) if self.glossary else ""
        return bool(g) and _norm(e.text) == _norm(g)

    def best_definition(self, concept: str, section: str | None = None):
        """The evidence item that best defines ``concept``: its glossary definition when a
        ``glossary`` reader is given and the index holds it, else the learned selector's
        choice when one is given (:mod:`generation.selector`), else the rules' choice
        (:meth:`rule_definition`); None when there is none. :attr:`chosen_by` records which
        chose, per concept: ``glossary``, ``selector`` or ``rules``."""
        if self.glossary is not None:
            for e in self._of(concept, ("definition",), section):
                if not is_code(e.text) and self.is_glossary(e):
                    self.chosen_by[concept] = "glossary"
                    return e
        if self.selector is not None:
            try:
                e = self.selector.choose(self, concept, section)
            except Exception as err:  # noqa: BLE001 - a model that cannot run: the rules choose
                if not self._selector_failed:
                    self._selector_failed = True
                    self.log(f"learned selector unavailable ({type(err).__name__}: {err}); the rules choose")
                e = None
            if e is not None:
                self.chosen_by[concept] = "selector"
                return e
        self.chosen_by[concept] = "rules"
        return self.rule_definition(concept, section)

    def rule_definition(self, concept: str, section: str | None = None, *, blind: bool = False):
        """The rules' defining sentence of ``concept`` (never a glossary entry): the most
        plainly defining sentence (:func:`definitional`), ties in the index's order; None
        when there is none. ``blind``: glossary entries are known by the index's mark only
        (paragraph ``glossary``), the ``glossary`` reader is not called (the learned
        selector's features)."""
        label = self.labels(concept)
        gl = is_glossary_entry if blind else self.is_glossary
        cands = [e for e in self._of(concept, ("definition", "use"), section)
                 if not is_code(e.text) and not gl(e) and not _JUNK.search(_norm(e.text))]
        if not cands:
            return None
        def rank(e) -> int:
            r = definitional(e.text, label)
            if not r and self.text_of is not None and names_previous(e.text, label):
                r = 2              # "This is called X.": the sentence before defines it
            return r
        ranked = sorted(enumerate(cands), key=lambda ie: (-rank(ie[1]), 0 if ie[1].kind == "definition" else 1, ie[0]))
        best = ranked[0][1]
        if best.kind != "definition" and rank(best) == 0:
            return None            # a sentence that only uses the term does not define it
        return best

    def defining_items(self, concept: str, section: str | None = None) -> list:
        """The evidence that defines ``concept``: the best definition, preceded by the
        sentence before it when it only names what that sentence said ("This is called X.");
        [] when there is none."""
        best = self.best_definition(concept, section)
        if best is None:
            return []
        if names_previous(best.text, self.labels(concept)):
            prev = self.preceding(best)
            return [prev, best] if prev is not None else [best]
        return [best]

    def definition(self, concept: str, section: str | None = None) -> Extract | None:
        items = self.defining_items(concept, section)
        if not items:
            return None
        x = self._extract("definition", concept, items)
        if self.chosen_by.get(concept) == "selector":
            x.why = self.selector.why
        return x

    def _sentences(self, section: str) -> dict[str, list[str]]:
        if section not in self._blocks:
            blocks = split_blocks(self.text_of(section) or "")
            self._blocks[section] = {f"p{i}": (split_sentences(b) if k == "prose" else [])
                                     for i, (k, b) in enumerate(blocks, 1)}
        return self._blocks[section]

    def preceding(self, e):
        """The sentence before ``e`` in its paragraph (an evidence item of the same place),
        None without ``text_of`` or at the paragraph's start."""
        if self.text_of is None or not e.section:
            return None
        sents = self._sentences(e.section).get(e.paragraph, [])
        idx = next((i for i, x in enumerate(sents) if _norm(x) == _norm(e.text)), None)
        if not idx:
            return None
        return dataclasses.replace(e, text=sents[idx - 1], kind="definition")

    def explanation(self, concept: str, *, section: str | None = None, n: int = 3,
                    exclude: Iterable[str] = ()) -> Extract | None:
        """Up to ``n`` sentences about ``concept`` besides its definition (and ``exclude``),
        in reading order; None when fewer than one remains."""
        d = self.best_definition(concept, section)
        skip = [_norm(x) for x in exclude] + ([_norm(d.text)] if d is not None else [])
        chosen = []
        # the sentences after a short one are about the concept when it opens with its name
        # ("The accumulator pattern is the most common. A variable is set up ..."), not when
        # it only passes by ("With Boolean expressions in hand, ... The if statement ...")
        subject = re.compile(rf"(?i)^(?:an?\s+|the\s+)?{_Q}{_label_re(self.labels(concept))}\b")
        leads = lambda e: bool(subject.match(_norm(e.text)))   # noqa: E731
        candidates = self._of(concept, ("definition", "use"), section)
        teaching = set(self.teaching(concept)) if self.teaching is not None and section is None else set()
        if teaching and any(e.section in teaching for e in candidates):
            candidates = [e for e in candidates if e.section in teaching]
        for e in candidates:
            t = _norm(e.text)
            if is_code(e.text) or self.is_glossary(e) or len(t.split()) < 4 or _NOT_PROSE.search(t):
                continue
            if _JUNK.search(t) or _REFERS.search(t) or t[:1].islower() or (_DANGLING.match(t) and not leads(e)):
                continue          # a quote that does not stand on its own
            if len(t.split()) < 8 and not (leads(e) and self.following(e, 1, skip)):
                continue          # a short sentence stands only with the sentences after it
            if any(t in s or overlap(t, s) >= 0.6 for s in skip + [_norm(c.text) for c in chosen]):
                continue
            chosen.append(e)
            if len(chosen) == n:
                break
        if not chosen:
            return None
        chosen.sort(key=lambda e: e.position)
        out = []
        for e in chosen:
            out.append(e)
            if len(_norm(e.text).split()) < 12 and len(chosen) < n and leads(e):
                out += self.following(e, n - len(chosen), skip + [_norm(c.text) for c in chosen])
        return self._extract("explanation", concept, out[:n + 2])

    def following(self, e, n: int, skip: Iterable[str] = ()) -> list:
        """Up to ``n`` sentences after ``e`` in its paragraph (as evidence items of the same
        place), stopping before one that is in ``skip``; [] without ``text_of``."""
        if self.text_of is None or not e.section:
            return []
        sents = self._sentences(e.section).get(e.paragraph, [])
        here = _norm(e.text)
        idx = next((i for i, x in enumerate(sents) if _norm(x) == here), None)
        if idx is None:
            return []
        skip = {_norm(x) for x in skip}
        out = []
        for x in sents[idx + 1:idx + 1 + n]:
            if _norm(x) in skip or len(x.split()) < 5 or _JUNK.search(x) or _REFERS.search(x):
                break
            out.append(dataclasses.replace(e, text=x, kind="use", position=e.position))
        return out

    def example(self, concept: str, sections: Iterable[str] | None = None) -> Extract | None:
        """The best code evidence, else up to two example sentences of one paragraph; with
        ``sections`` (the teaching sections), only evidence from those."""
        keep = set(sections) if sections is not None else None
        code = [e for e in self._of(concept, ("code",)) if keep is None or e.section in keep]
        if code:
            return self._extract("example", concept, code[:1])
        ex = [e for e in self._of(concept, ("example",))
              if len(_norm(e.text).split()) >= 6 and (keep is None or e.section in keep)]
        if not ex:
            return None
        picked = ex[:1]
        for e in ex[1:]:
            if e.section == picked[0].section and e.paragraph == picked[0].paragraph \
                    and overlap(e.text, picked[0].text) < 0.6:
                picked.append(e)
                break
        picked.sort(key=lambda e: e.position)
        return self._extract("example", concept, picked)

    def bridge(self, prereq: str, target: str, exclude: Iterable[str] = (),
               sections: Iterable[str] | None = None) -> Extract | None:
        """Why ``target`` needs ``prereq``: a sentence of ``target`` that names ``prereq``
        (not one of ``exclude``; with ``sections``, one of those, the target's teaching
        sections), else ``prereq``'s definition."""
        pat = re.compile(r"(?i)\b" + _label_re(self.labels(prereq)) + r"\b")
        skip = {_norm(x) for x in exclude}
        keep = set(sections) if sections is not None else None
        for e in self._of(target, ("definition", "use")):
            if self.is_glossary(e) or _norm(e.text) in skip:   # the target's definition: shown anyway
                continue
            if keep is not None and e.section not in keep:
                continue
            if not is_code(e.text) and pat.search(e.text) and len(_norm(e.text).split()) >= 6:
                return self._extract("prerequisite", prereq, [e], concepts=[target])
        d = self.best_definition(prereq)
        return self._extract("prerequisite", prereq, [d], concepts=[target]) if d is not None else None

    def contrast(self, a: str, b: str, *, with_own: bool = True, exclude: Iterable[str] = ()) -> Extract | None:
        """How ``a`` differs from ``b``: a sentence of either that names the other (not a
        glossary entry), else the two definitions side by side -- only ``b``'s when not
        ``with_own`` (a lesson has just defined ``a``); None when a definition is missing.
        Sentences in ``exclude`` (quoted already) are not used again."""
        skip = {_norm(t) for t in exclude}
        for x, y in ((a, b), (b, a)):
            pat = re.compile(r"(?i)\b" + _label_re(self.labels(y)) + r"\b")
            for e in self._of(x, ("definition", "use")):
                if self.is_glossary(e) or not _CONTRAST.search(e.text) or _norm(e.text) in skip:
                    continue
                if not is_code(e.text) and pat.search(e.text) and len(_norm(e.text).split()) >= 6:
                    return self._extract("contrast", a, [e], concepts=[b])
        da, db = self.best_definition(a), self.best_definition(b)
        if da is None or db is None or overlap(da.text, db.text) >= 0.6:
            return None
        la, lb = self.labels(a), self.labels(b)
        same_kind = genus(da.text, la) and genus(da.text, la) == genus(db.text, lb)
        if not same_kind and stem(la.split()[-1]) != stem(lb.split()[-1]):
            return None            # two things of different kinds are not easily confused
        return self._extract("contrast", a, [da, db] if with_own else [db], concepts=[b])
