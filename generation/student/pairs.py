"""Training pairs for the student, taken from the curriculum's own text.

One :class:`Pair` is (task, focus concept, the text a writer would put there, task inputs).
The five tasks and where their texts come from:

=============  =================================================================================
definition     the concept's glossary definition (``kgs:definition``); the input leaves it out
explanation    the sentences of a section that teaches, defines, first uses or mentions the
               concept, from the first one naming it (about ``_WINDOW_WORDS`` words); a
               concept no section text names gets its learning objectives instead
prerequisite   for ``A kgs:requires B``: the first sentence (definitions, section texts) naming
               both; focus B, ``context={"target": A}`` (how B leads to A)
question       a review question assessing the concept: ``stem <answer> answer`` (the correct
               choice, the stated answer, True/False, or the solution)
feedback       a wrong choice's feedback (``context={"wrong": choice, "question": stem}``), the
               feedback of a true/false item for the wrong truth value, and worked solutions
               (``wrong`` empty)
=============  =================================================================================

:func:`build_examples` linearises each pair's focus neighbourhood
(:mod:`generation.student.linearize`) and rewrites the target so that every input node it
names becomes its placeholder ``<Ek>`` (whole words, case-insensitive, longest name first).
:func:`attach_teacher` adds the distillation targets: the teacher's P(a requires b) for
the focus and each concept neighbour in both directions, and the teacher's embedding of
every input node.

Evidence (issue 12): :func:`gather_evidence` reads the focus concepts' best evidence
sentences from the store's evidence index (:mod:`kg.evidence`) in one query, and
:func:`build_examples` puts them in each input after :func:`filter_evidence` has removed the
pair's target and its near-duplicates (character-3-gram Jaccard with the target, or with
one of its sentences, at least ``evidence_overlap``; or nine tenths of the sentence's
3-grams inside the target), so that the student learns to write from the rest of what the
book says instead of copying the answer. At run time (:mod:`generation.student.api`)
nothing is filtered. The glossary definitions of held-out concepts never reach an input.

Limitations: sentence splitting is a regular expression (abbreviations like "e.g." split a
sentence); a plural in the text ("variances") is left as a word, not a placeholder.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping, Sequence

from generation.base import TASKS
from generation.config import StudentConfig
from generation.student.linearize import Linearized, linearize, name_pattern, placeholderize_names
from generation.student.tokenizer import StudentTokenizer, entity_token
from kg.evidence import KINDS
from kg.neighbourhood import NodeNotFound, TYPE_CLASSES, neighbourhood
from ontology.namespaces import KGS, RDFS

__all__ = ["Pair", "Example", "curriculum_pairs", "build_examples", "attach_teacher",
           "corpus_texts", "placeholderize", "sentences", "strip_xrefs", "target_text",
           "gather_evidence", "filter_evidence", "near_duplicate", "char_ngrams"]

_WINDOW_WORDS = 45
# a bracketed cross-reference the importer left without its number ("(Figure)", "(see
# Table and Figure)"): it points at nothing the student can see, and taught it to end
# every sentence with "(Figure)"
_REF_WORD = r"(?:Figures?|Tables?|Examples?|Exercises?|Links? to Learning)"
_XREF = re.compile(r"\s*\((?:see\s+(?:also\s+)?)?" + _REF_WORD
                   + r"(?:\s*(?:,|and|&|;)\s*(?:see\s+)?" + _REF_WORD + r")*\)", re.I)
_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_CONCEPT = TYPE_CLASSES["concept"]


@dataclass
class Pair:
    task: str
    focus: str                        # concept IRI the text is about
    text: str                         # the reference text (names written out)
    context: dict = field(default_factory=dict)   # task inputs: target / wrong / question
    source: str = ""                  # IRI of the node the text was taken from


@dataclass
class Example:
    pair: Pair
    lin: Linearized
    target: str                       # reference with placeholders (what the decoder learns)
    target_ids: list[int]             # (T,) </s> last
    teacher_pairs: list[tuple[int, int, float]] = field(default_factory=list)  # (a, b, P_t(a requires b))
    teacher_emb: list[tuple[int, list[float]]] = field(default_factory=list)   # (entity k, (D,))


def strip_xrefs(text: str) -> str:
    """``text`` without bracketed cross-references that have lost their numbers.

    >>> strip_xrefs("Neurons fire (Figure). Glia help (see Table and Figure), mostly.")
    'Neurons fire. Glia help, mostly.'
    """
    return _XREF.sub("", text)


def sentences(text: str) -> list[str]:
    """Sentences of a paragraph (whitespace collapsed, numberless cross-references dropped).

    >>> sentences("A list holds values. Each has an index (from 0). Lists change (Figure).")
    ['A list holds values.', 'Each has an index (from 0).', 'Lists change.']
    """
    text = strip_xrefs(" ".join(text.split()))
    return [s for s in _SENT.split(text) if s]


def _norm(text: str) -> str:
    return strip_xrefs(" ".join(text.split()))


_name_re = name_pattern


def _mentions(text: str, name: str) -> bool:
    return bool(name) and _name_re(name).search(text) is not None


def _window(sents: Sequence[str], name: str) -> str | None:
    for i, s in enumerate(sents):
        if _mentions(s, name):
            out, n = [], 0
            for t in sents[i:]:
                w = len(t.split())
                if out and n + w > _WINDOW_WORDS:
                    break
                out.append(t)
                n += w
            return " ".join(out)
    return None


def _q(store, sparql: str) -> list[tuple[str | None, ...]]:
    prefix = f"PREFIX kgs: <{KGS}>\nPREFIX rdfs: <{RDFS}>\n"
    return [tuple(None if t is None else str(t) for t in row) for row in store.query(prefix + sparql).rows]


def corpus_texts(store, exclude_definitions: Iterable[str] = ()) -> list[str]:
    """All the curriculum's text (labels, definitions, section texts and summaries,
    objectives, stems, choices, answers, feedback, solutions): the tokenizer's corpus.
    ``exclude_definitions``: IRIs whose definitions are left out (held-out test concepts)."""
    preds = ["rdfs:label", "kgs:definition", "kgs:text", "kgs:summary", "kgs:stem",
             "kgs:choiceText", "kgs:correctAnswer", "kgs:solution", "kgs:feedback"]
    skip = set(exclude_definitions)
    rows = _q(store, f"SELECT ?s ?p ?v WHERE {{ VALUES ?p {{ {' '.join(preds)} }} ?s ?p ?v FILTER(isLiteral(?v)) }}")
    return [v for s, p, v in rows if v and not (s in skip and p == str(KGS.definition))]


def curriculum_pairs(store, tasks: Iterable[str] = TASKS) -> list[Pair]:
    """Every training pair the store's curricula give for ``tasks`` (module docstring)."""
    tasks = set(tasks)
    concepts = {c: (lab, d) for c, lab, d in _q(store, f"""SELECT ?c (SAMPLE(?l) AS ?lab) (SAMPLE(?d) AS ?def)
        WHERE {{ ?c a <{_CONCEPT}> OPTIONAL {{ ?c rdfs:label ?l }} OPTIONAL {{ ?c kgs:definition ?d }} }}
        GROUP BY ?c""")}
    name = {c: (lab or "") for c, (lab, _d) in concepts.items()}
    out: list[Pair] = []
    if "definition" in tasks:
        for c in sorted(concepts):
            d = concepts[c][1]
            if d and d.strip():
                out.append(Pair("definition", c, strip_xrefs(" ".join(d.split())), source=c))

    texts = _q(store, f"""SELECT ?s ?t ?c WHERE {{
        ?s a kgs:Section . {{ ?s kgs:text ?t }} UNION {{ ?s kgs:summary ?t }}
        {{ ?s kgs:teaches ?c }} UNION {{ ?c kgs:definedIn ?s }} UNION {{ ?c kgs:firstUsedIn ?s }}
        UNION {{ ?s kgs:mentions ?c }}
        ?c a <{_CONCEPT}> }}""")
    sec_sents: dict[str, list[str]] = {}
    for s, t, _c in texts:
        if t:
            sec_sents.setdefault(s, [])
            sec_sents[s] = sec_sents[s] + [x for x in sentences(t) if x not in sec_sents[s]]
    if "explanation" in tasks:
        seen = set()
        explained = set()
        for s, _t, c in sorted(texts):
            if (s, c) in seen or not name.get(c):
                continue
            seen.add((s, c))
            w = _window(sec_sents.get(s, []), name[c])
            if w:
                out.append(Pair("explanation", c, w, source=s))
                explained.add(c)
        for o, lab, c in sorted(_q(store, f"""SELECT ?o ?l ?c WHERE {{ ?o a kgs:LearningObjective ;
                rdfs:label ?l ; kgs:teaches ?c . ?c a <{_CONCEPT}> }}""")):
            if c not in explained and lab:
                out.append(Pair("explanation", c, " ".join(lab.split()), source=o))

    if "prerequisite" in tasks:
        pool = [" ".join(d.split()) for _c, (_l, d) in sorted(concepts.items()) if d]
        pool = [x for d in pool for x in sentences(d)]
        pool += [x for s in sorted(sec_sents) for x in sec_sents[s]]
        for a, b in sorted(_q(store, f"""SELECT DISTINCT ?a ?b WHERE {{ ?a kgs:requires ?b .
                ?a a <{_CONCEPT}> . ?b a <{_CONCEPT}> }}""")):
            if not (name.get(a) and name.get(b)):
                continue
            ra, rb = _name_re(name[a]), _name_re(name[b])
            hit = next((x for x in pool if ra.search(x) and rb.search(x)), None)
            if hit:
                out.append(Pair("prerequisite", b, hit, {"target": a}, source=a))

    if tasks & {"question", "feedback"}:
        items: dict[str, dict] = {}
        for i, stem, typ, ans, sol, fb, c in _q(store, f"""SELECT ?i ?stem ?type ?ans ?sol ?fb ?c WHERE {{
                ?i a kgs:AssessmentItem ; kgs:stem ?stem ; kgs:assesses ?c . ?c a <{_CONCEPT}> .
                OPTIONAL {{ ?i kgs:itemType ?type }} OPTIONAL {{ ?i kgs:correctAnswer ?ans }}
                OPTIONAL {{ ?i kgs:solution ?sol }} OPTIONAL {{ ?i kgs:feedback ?fb }} }}"""):
            it = items.setdefault(i, {"stem": _norm(stem), "type": typ, "ans": ans,
                                      "sol": sol, "fb": fb, "concepts": set(), "choices": []})
            it["concepts"].add(c)
        for i, _ch, text, correct, fb in sorted(_q(store, """SELECT ?i ?ch ?t ?ok ?fb WHERE {
                ?i kgs:hasChoice ?ch . ?ch kgs:choiceText ?t .
                OPTIONAL { ?ch kgs:isCorrect ?ok } OPTIONAL { ?ch kgs:feedback ?fb } }""")):
            if i in items:
                items[i]["choices"].append((_norm(text), correct == "true", fb))
        for i in sorted(items):
            it = items[i]
            focuses = sorted(it["concepts"])[:3]
            answer = next((t for t, ok, _f in it["choices"] if ok), None) or it["ans"]
            if it["type"] == "true-false" and it["ans"] in ("true", "false"):
                answer = it["ans"].capitalize()
            answer = answer or it["sol"]
            for c in focuses:
                if "question" in tasks and answer:
                    out.append(Pair("question", c, f"{it['stem']} <answer> {' '.join(answer.split())}",
                                    source=i))
                if "feedback" not in tasks:
                    continue
                for t, ok, fb in it["choices"]:
                    if not ok and fb:
                        out.append(Pair("feedback", c, _norm(fb),
                                        {"wrong": t, "question": it["stem"]}, source=i))
                if it["type"] == "true-false" and it["fb"] and it["ans"] in ("true", "false"):
                    wrong = "False" if it["ans"] == "true" else "True"
                    out.append(Pair("feedback", c, _norm(it["fb"]),
                                    {"wrong": wrong, "question": it["stem"]}, source=i))
                if it["sol"]:
                    out.append(Pair("feedback", c, _norm(it["sol"]),
                                    {"wrong": "", "question": it["stem"]}, source=i))
    return out


def placeholderize(text: str, lin: Linearized, max_name_words: int = 8) -> str:
    """``text`` with every input node it names replaced by that node's placeholder.

    >>> from generation.student.linearize import Linearized
    >>> lin = Linearized("urn:v", "definition", [], [], ["urn:v", "urn:m"], ["Variance", "mean"], ["concept"] * 2)
    >>> placeholderize("Variance is the mean squared deviation from the Mean.", lin)
    '<E0> is the <E1> squared deviation from the <E1>.'
    """
    return placeholderize_names(text, lin.names, max_name_words)


# ---- evidence --------------------------------------------------------------------------

def char_ngrams(text: str, n: int = 3) -> set[str]:
    """Character ``n``-grams of ``text`` lower-cased with whitespace collapsed.

    >>> sorted(char_ngrams("Ab  c"))
    ['ab ', 'b c']
    """
    t = " ".join(text.lower().split())
    return {t[i:i + n] for i in range(max(1, len(t) - n + 1))} if t else set()


def near_duplicate(sentence: str, target: str, threshold: float = 0.5) -> bool:
    """Whether ``sentence`` repeats ``target`` or one of its sentences: character-3-gram
    Jaccard at least ``threshold`` with the whole target or with one of its sentences, or
    90% (or ``threshold``, if higher) of the sentence's 3-grams inside the target (a sentence
    of a longer target).

    >>> t = "An absolute threshold is the minimum amount of stimulus energy that must be present."
    >>> near_duplicate("The absolute threshold is the minimum amount of stimulus energy that must be present.", t)
    True
    >>> near_duplicate("Absolute thresholds are measured with dim lights in dark rooms.", t)
    False
    """
    return _near(char_ngrams(sentence), _target_grams(target), threshold)


def _target_grams(target: str) -> list[set[str]]:
    """3-gram sets of the whole target, then of each of its sentences."""
    return [char_ngrams(target)] + [char_ngrams(p) for p in sentences(target)]


def _near(a: set[str], grams: list[set[str]], threshold: float) -> bool:
    if not a:
        return True
    if len(a & grams[0]) >= max(0.9, threshold) * len(a):
        return True
    return any(b and len(a & b) / len(a | b) >= threshold for b in grams)


def filter_evidence(evidence: Sequence[str], target: str, threshold: float = 0.5) -> list[str]:
    """``evidence`` without the sentences that are ``target`` or near-duplicates of it
    (:func:`near_duplicate`), order kept: what a training input may show.

    >>> filter_evidence(["X is a kind of Y that Z.", "X is a kind of Y which Z.", "X helps W."],
    ...                 "X is a kind of Y that Z.")
    ['X helps W.']
    """
    grams = _target_grams(target)
    return [e for e in evidence if not _near(char_ngrams(e), grams, threshold)]


def gather_evidence(store, concepts: Iterable[str] | None = None, kinds: Sequence[str] = (
        "definition", "use", "example", "code"), per_concept: int = 12,
                    hide_definitions: Iterable[str] = ()) -> dict[str, list[str]]:
    """The best ``per_concept`` evidence sentences of each concept (of ``concepts``; None:
    all), best first, from the store's evidence index in one query (:mod:`kg.evidence`;
    an empty dict for a store without one).

    ``hide_definitions``: concepts whose glossary definitions must never reach an input
    (held-out test concepts): a sentence equal to one of their definition's sentences
    is dropped everywhere, and one that near-duplicates the concept's own definition is
    dropped from that concept's evidence.
    """
    bad = [k for k in kinds if k not in KINDS]
    if bad:
        raise ValueError(f"unknown evidence kind {bad[0]!r}")
    want = None if concepts is None else set(concepts)
    kl = ", ".join(f'"{k}"' for k in kinds)
    rows = _q(store, f"""SELECT ?c ?text ?score ?pos WHERE {{ ?e a kgs:Evidence ; kgs:about ?c ;
        kgs:evidenceKind ?kind ; kgs:text ?text ; kgs:score ?score ; kgs:position ?pos .
        FILTER(?kind IN ({kl})) }}""")
    by: dict[str, list[tuple[float, int, str]]] = {}
    for c, text, score, pos in rows:
        if want is not None and c not in want or not text:
            continue
        by.setdefault(c, []).append((-float(score), int(pos), " ".join(text.split())))
    hidden = set(hide_definitions)
    hidden_defs: dict[str, str] = {}
    if hidden:
        for c, d in _q(store, "SELECT ?c ?d WHERE { ?c kgs:definition ?d }"):
            if c in hidden and d:
                hidden_defs[c] = " ".join(d.split())
    exact = {s.lower() for d in hidden_defs.values() for s in sentences(d)} | \
            {d.lower() for d in hidden_defs.values()}
    out: dict[str, list[str]] = {}
    for c, items in by.items():
        seen: set[str] = set()
        keep: list[str] = []
        for _s, _p, text in sorted(items):
            key = text.lower()
            if key in seen or key in exact:
                continue
            if c in hidden_defs and near_duplicate(text, hidden_defs[c]):
                continue
            seen.add(key)
            keep.append(text)
            if len(keep) >= per_concept:
                break
        out[c] = keep
    return out


def target_text(pair: Pair, lin: Linearized) -> str:
    """The decoder's target for ``pair`` given its linearised input."""
    if pair.task == "question" and "<answer>" in pair.text:
        stem, ans = pair.text.split("<answer>", 1)
        return placeholderize(stem.strip(), lin) + " <answer> " + placeholderize(ans.strip(), lin)
    return placeholderize(pair.text, lin)


def build_examples(store, pairs: Sequence[Pair], tok: StudentTokenizer, cfg: StudentConfig, *,
                   relevance: Callable[[str, list[str]], dict[str, float]] | None = None,
                   hide_definitions: Iterable[str] = (),
                   evidence: Mapping[str, Sequence[str]] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[Example]:
    """Linearise every pair (neighbourhoods fetched once per focus) and encode its target.

    ``relevance(focus, iris) -> {iri: score}`` orders the neighbours (None: graph order).
    ``hide_definitions``: IRIs whose definition never appears in an input (held-out test
    concepts, so that their glossary text does not leak into training through neighbours).
    ``evidence``: each focus's evidence sentences, best first (:func:`gather_evidence`);
    each input gets those that survive :func:`filter_evidence` against its pair's text.
    Pairs whose focus is not a node of the store are skipped.
    """
    hidden = set(hide_definitions)
    cache: dict[str, tuple] = {}
    out: list[Example] = []
    for n, p in enumerate(pairs):
        if progress:
            progress(n, len(pairs))
        if p.focus not in cache:
            try:
                nb = neighbourhood(store, p.focus, cfg.hops, cfg.max_nodes)
            except NodeNotFound:
                cache[p.focus] = (None, None)
                continue
            rel = relevance(p.focus, [x.iri for x in nb.nodes]) if relevance else None
            cache[p.focus] = (nb, rel)
        nb, rel = cache[p.focus]
        if nb is None:
            continue
        target = p.context.get("target")
        if target and target not in {x.iri for x in nb.nodes}:
            nb = _with_node(store, nb, target)
        if hidden:
            nb = replace(nb, nodes=[replace(x, definition=None) if x.iri in hidden else x
                                    for x in nb.nodes])
        ev: list[str] = []
        if evidence and cfg.evidence_k:
            ref = p.text.replace("<answer>", " ")
            ev = filter_evidence(evidence.get(p.focus, ()), ref, cfg.evidence_overlap)[: cfg.evidence_k]
        lin = linearize(nb, tok, cfg, p.task, relevance=rel, target=target,
                        wrong=p.context.get("wrong"), question=p.context.get("question"),
                        evidence=ev)
        tgt = target_text(p, lin)
        out.append(Example(p, lin, tgt, tok.encode(tgt, max_len=cfg.max_output_tokens)))
    if progress:
        progress(len(pairs), len(pairs))
    return out


def _with_node(store, nb, iri: str):
    """``nb`` with the node ``iri`` added (a target beyond the neighbourhood's reach)."""
    extra = neighbourhood(store, iri, 0, 1).nodes[0]
    return replace(nb, nodes=list(nb.nodes) + [replace(extra, distance=nb.hops + 1)])


#: Most teacher prerequisite soft labels attached to one example.
MAX_TEACHER_PAIRS = 64


def attach_teacher(examples: Sequence[Example], teacher) -> None:
    """Fill each example's distillation targets from a :class:`gnn.infer.Teacher`:
    P(a requires b) for (focus, concept neighbour) both ways, then for ordered pairs of
    concept neighbours (``MAX_TEACHER_PAIRS`` in all), and every input node's
    teacher embedding (nodes the teacher does not know are skipped)."""
    for ex in examples:
        lin = ex.lin
        known = [k for k, iri in enumerate(lin.entities) if iri in teacher]
        if known:
            emb = teacher.embeddings([lin.entities[k] for k in known])          # (K, D)
            ex.teacher_emb = [(k, emb[i].tolist()) for i, k in enumerate(known)]
        if 0 not in known:
            continue
        nbrs = [k for k in known if k > 0 and lin.types[k] == "concept"]
        pairs = [(0, k) for k in nbrs] + [(k, 0) for k in nbrs]
        # ordered pairs among the neighbours too (the focus's own first): many more soft
        # labels per input for the head, at no cost to the text model
        pairs += [(j, k) for j in nbrs for k in nbrs if j != k][:max(0, MAX_TEACHER_PAIRS - len(pairs))]
        if pairs:
            p = teacher.prereq_scores([(lin.entities[a], lin.entities[b]) for a, b in pairs])  # (P,)
            ex.teacher_pairs = [(a, b, float(x)) for (a, b), x in zip(pairs, p.tolist())]
