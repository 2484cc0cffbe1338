"""Quizzes from the graph: every item type of the issue, keys checked against the graph.

:func:`build_quiz` makes a quiz on a concept, a section or a chapter: first the
curriculum's own questions for that scope (at most half the quiz), then generated items,
cycling through the item types over the scope's concepts in teaching order. Stems and
feedback come from the templates unless :attr:`QuizConfig.student_text` asks for the
workspace's generator (the student, when trained: slower, and its text is not checked
against the key the way the templates' is).

Item types and what the graph must say for each (the key is always a fact of the graph):

* ``multichoice`` (remember): "which term is defined as …" from the concept's definition;
  distractors are other concepts of the same curriculum;
* ``multiresponse`` (understand): "which must be learned before X": the options that are X's
  transitive prerequisites are correct; distractors are concepts that need X (certainly
  not before it) or are unconnected to it;
* ``truefalse`` (remember / understand): a definition or a prerequisite statement, true or
  false by the graph (a false prerequisite statement names a concept that builds on X);
* ``matching`` (remember): terms to their definitions, 3-5 concepts of the scope;
* ``shortanswer`` (remember): name the term from its definition; accepted answers are the
  label and the alternative labels;
* ``cloze`` (remember): a sentence of the curriculum text (else the definition) with the
  term blanked;
* ``ordering`` (analyze): a chain of direct prerequisites (each needs the one before), so
  exactly one order is right;
* ``essay`` (understand): the curriculum's free-response questions, with the model answer.

Distractors are ranked by :mod:`generation.content.similarity` (teacher embeddings, else
MiniLM) and then checked against the graph; a candidate is dropped when it could also be
right: the same label (or an alternative label) as the answer, the same definition text,
an ``exactMatch`` to the answer, a ``relatedTo`` link with the same first definition
sentence (for term items), a prerequisite path (for prerequisite items), or a similarity
above :data:`QuizConfig.max_distractor_similarity` (near-synonyms); two options that are
synonyms of each other are not offered together either. An item whose answer is ambiguous in the graph (two concepts share the
definition or the label; a matching set with repeated definitions; a cloze blank that
occurs twice) is not emitted; :attr:`Quiz.rejected_ambiguous` counts them and
:attr:`Quiz.rejected_reasons` says why.

Difficulty is an estimate in [0, 1]: a base per type (recognising a true statement is
easier than producing a term) plus the concept's depth in the prerequisite DAG relative to
the deepest concept of its curriculum (deep concepts build on more) plus the mean
similarity of the distractors to the answer (close distractors are harder). It is a
heuristic, not calibrated on learner data.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field

from generation.base import Triple
from generation.content.builder import Builder
from generation.content.graph import ConceptInfo, SourceItem
from generation.content.model import CLOZE_BLANK, Choice, ItemMeta, Quiz, QuizItem
from generation.template import defines, first_sentence, mask, mid
from kg.errors import KGStudioError
from ontology.namespaces import KGS

__all__ = ["QuizConfig", "build_quiz", "GENERATED_TYPES", "curriculum_item", "EmptyScope"]

#: Generated item types in the order the builder cycles through them.
GENERATED_TYPES = ("multichoice", "truefalse", "cloze", "multiresponse", "matching", "shortanswer",
                   "ordering")
_BASE_DIFFICULTY = {"truefalse": 0.15, "matching": 0.3, "multichoice": 0.3, "cloze": 0.4,
                    "multiresponse": 0.45, "shortanswer": 0.5, "ordering": 0.55, "essay": 0.6}
_BLOOM = {"multichoice": "remember", "truefalse": "remember", "cloze": "remember", "matching": "remember",
          "shortanswer": "remember", "multiresponse": "understand", "ordering": "analyze",
          "essay": "understand"}
_REQ = str(KGS.requires)


class EmptyScope(KGStudioError):
    """A scope with no concepts to ask about."""


@dataclass
class QuizConfig:
    n: int = 10                       # items in the quiz
    types: tuple[str, ...] = GENERATED_TYPES  # generated item types to use, in cycling order
    include_curriculum: bool = True   # the curriculum's own questions first
    max_curriculum_share: float = 0.5 # at most this share of the quiz from the curriculum
    n_choices: int = 4                # options of a multichoice item
    max_distractor_similarity: float = 0.92  # above: a near-synonym, possibly also correct
    seed: str = ""                    # varies true/false polarity and picks between equals
    student_text: bool = False        # stems and feedback from the workspace's generator (the
                                      # student when trained) instead of the templates: a student
                                      # call costs far more on a CPU than a template, and a quiz
                                      # makes ~4 per multiple-choice item


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _stable(*parts) -> int:
    return int(hashlib.sha256("\0".join(map(str, parts)).encode()).hexdigest()[:8], 16)


@dataclass
class _Ctx:
    b: Builder
    cfg: QuizConfig
    curriculum: str
    pool: list[str]                                  # concepts of the curriculum with a definition
    objectives: dict[str, tuple[str, str, str]]      # concept -> (objective IRI, text, bloom)
    max_depth: int
    rejected: list[str] = field(default_factory=list)
    by_definition: dict[str, list[str]] = field(default_factory=dict)  # normalised definition -> concepts
    by_label: dict[str, list[str]] = field(default_factory=dict)       # normalised label -> concepts

    def __post_init__(self):
        for c in self.pool:
            info = self.b.view.concept(c)
            self.by_definition.setdefault(_norm(info.definition), []).append(c)
            self.by_label.setdefault(_norm(info.label), []).append(c)

    def concept(self, iri: str) -> ConceptInfo:
        return self.b.view.concept(iri)

    def reject(self, why: str) -> None:
        self.rejected.append(why)


# ---- ambiguity checks ------------------------------------------------------------------
def _same_answer(ctx: _Ctx, a: ConceptInfo, other: ConceptInfo) -> bool:
    """Could ``other`` also be the answer to a term question about ``a``?"""
    la = {_norm(a.label)} | {_norm(x) for x in a.alt_labels}
    lo = {_norm(other.label)} | {_norm(x) for x in other.alt_labels}
    if la & lo:
        return True
    if a.definition and _norm(a.definition) == _norm(other.definition):
        return True
    if other.iri in ctx.b.view.same_as.get(a.iri, set()):
        return True
    links = ctx.b.view.related.get(a.iri, set())
    return other.iri in links and _norm(first_sentence(a.definition)) == _norm(first_sentence(other.definition))


def _ambiguous_term(ctx: _Ctx, a: ConceptInfo) -> str:
    """Why a term item on ``a`` would have two right answers ("" when it would not)."""
    if not a.definition:
        return f"{a.label}: no definition to ask about"
    for o in ctx.by_definition.get(_norm(a.definition), ()):
        if o != a.iri:
            return f"{a.label}: {ctx.concept(o).label} has the same definition"
    for o in ctx.by_label.get(_norm(a.label), ()):
        if o != a.iri:
            return f"{a.label}: another concept <{o}> has the same label"
    return ""


def _term_distractors(ctx: _Ctx, a: ConceptInfo, k: int) -> tuple[list[ConceptInfo], list[float]]:
    cands = [c for c in ctx.pool if c != a.iri]
    scores = ctx.b.similarity.scores(a.iri, cands)
    ranked = sorted(cands, key=lambda c: (-scores.get(c, 0.0), c))
    out, sims = [], []
    seen_labels, seen_defs = {_norm(a.label)}, {_norm(a.definition)}
    for c in ranked:
        oc = ctx.concept(c)
        if scores.get(c, 0.0) > ctx.cfg.max_distractor_similarity or _same_answer(ctx, a, oc):
            continue
        # two synonyms among the options would give both away as wrong
        if _norm(oc.label) in seen_labels or _norm(oc.definition) in seen_defs \
                or _norm(oc.label) in _norm(a.definition).split():
            continue
        seen_labels.add(_norm(oc.label))
        seen_defs.add(_norm(oc.definition))
        out.append(oc)
        sims.append(scores.get(c, 0.0))
        if len(out) == k:
            break
    return out, sims


def _difficulty(ctx: _Ctx, kind: str, concept: str, sims: list[float] | None = None) -> float:
    d = _BASE_DIFFICULTY[kind]
    if concept:
        d += 0.25 * ctx.b.view.depth(concept) / max(1, ctx.max_depth)
    if sims:
        d += 0.2 * max(0.0, sum(sims) / len(sims))
    return round(min(1.0, max(0.0, d)), 3)


def _objective(ctx: _Ctx, concept: str) -> tuple[str, str, str]:
    return ctx.objectives.get(concept, ("", "", ""))


def _item(ctx: _Ctx, kind: str, a: ConceptInfo, stem: str, triples: list[Triple], sims=None, **kw) -> QuizItem:
    obj, obj_text, obj_bloom = _objective(ctx, a.iri)
    gen = kw.pop("generator", ctx.b.templates.name)
    ck = kw.pop("checkpoint", ctx.b.templates.checkpoint)
    return QuizItem(type=kind, stem=stem, concept=a.iri, concepts=kw.pop("concepts", [a.iri]),
                    objective=obj, objective_text=obj_text, bloom=kw.pop("bloom", _BLOOM[kind]),
                    difficulty=_difficulty(ctx, kind, a.iri, sims), source="generated",
                    generator=gen, checkpoint=ck, triples=triples, **kw)


def _text(ctx: _Ctx, focus: str, task: str, context: dict):
    """Stem / feedback text: the templates, or the builder's generator with ``student_text``."""
    if ctx.cfg.student_text:
        return ctx.b.generate(focus, task, context)
    return ctx.b.templates.generate(focus, task, context=context)


def _feedback(ctx: _Ctx, a: ConceptInfo, wrong: ConceptInfo | None = None, correct: bool = False) -> str:
    context = {"correct": True} if correct else {"wrong": wrong.label if wrong else "",
                                                 "wrong_concept": wrong.iri if wrong else ""}
    return _text(ctx, a.iri, "feedback", context).text


# ---- generated item types ------------------------------------------------------------------
def _multichoice(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    why = _ambiguous_term(ctx, a)
    if why:
        return _reject(ctx, why) if a.definition else None
    ds, sims = _term_distractors(ctx, a, ctx.cfg.n_choices - 1)
    if len(ds) < 2:
        return None
    gen = _text(ctx, a.iri, "question", {"style": "term"})
    choices = [Choice(a.label, True, _feedback(ctx, a, correct=True), a.iri)]
    choices += [Choice(d.label, False, _feedback(ctx, a, d), d.iri) for d in ds]
    choices.sort(key=lambda c: _stable(ctx.cfg.seed, a.iri, c.text))
    triples = ctx.b.view.concept_triples(a.iri, neighbours=False)
    for d in ds:
        triples += ctx.b.view.concept_triples(d.iri, neighbours=False)
    return _item(ctx, "multichoice", a, gen.text, triples, sims, choices=choices, answer=a.label,
                 concepts=[a.iri] + [d.iri for d in ds], generator=gen.generator, checkpoint=gen.checkpoint,
                 feedback=defines(a, short=True))


def _reject(ctx: _Ctx, why: str) -> None:
    ctx.reject(why)
    return None


def _truefalse(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    v = ctx.b.view
    want_true = _stable(ctx.cfg.seed, "tf", a.iri) % 2 == 0
    before = sorted(v.requires.get(a.iri, ()))
    after = sorted(v.descendants(a.iri))
    # a prerequisite statement when the graph has one of the polarity wanted, else a definition one
    if want_true and before:
        p = v.concept(before[_stable(a.iri) % len(before)])
        stem = f"True or false: {p.label} must be learned before {mid(a)}."
        return _item(ctx, "truefalse", a, stem, [Triple(a.iri, _REQ, p.iri)] + v.concept_triples(a.iri, neighbours=False),
                     answer="true", bloom="understand", concepts=[a.iri, p.iri],
                     feedback=f"True: {mid(a)} builds directly on {mid(p)}.")
    if not want_true and after:
        d = v.concept(after[_stable(a.iri) % len(after)])
        stem = f"True or false: {d.label} must be learned before {mid(a)}."
        chain = [Triple(x, _REQ, y) for x, ys in v.requires.items() for y in ys
                 if x in set(after) | {d.iri} and (y in after or y == a.iri)]
        return _item(ctx, "truefalse", a, stem, chain, answer="false", bloom="understand",
                     concepts=[a.iri, d.iri],
                     feedback=f"False: it is the other way round, {mid(d)} builds on {mid(a)}.")
    if not a.definition or _ambiguous_term(ctx, a):
        return None
    if want_true:
        stem = f"True or false: {defines(a, short=True)}"
        return _item(ctx, "truefalse", a, stem, v.concept_triples(a.iri, neighbours=False), answer="true",
                     feedback=f"True. {defines(a, short=True)}")
    ds, sims = _term_distractors(ctx, a, 1)
    if not ds:
        return None
    d = ds[0]
    wrong = ConceptInfo(a.iri, a.label, d.definition, a.curriculum, a.alt_labels, a.name_like)
    stem = f"True or false: {defines(wrong, short=True)}"
    return _item(ctx, "truefalse", a, stem, v.concept_triples(a.iri, neighbours=False)
                 + v.concept_triples(d.iri, neighbours=False), sims, answer="false", concepts=[a.iri, d.iri],
                 feedback=f"False: that describes {mid(d)}. {defines(a, short=True)}")


_SENT = re.compile(r"(?<=[.!?])\s+")


def _cloze(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    if _ambiguous_term(ctx, a):
        return None
    v = ctx.b.view
    pat = re.compile(r"(?i)\b" + re.escape(a.label) + r"\b")
    sentence, source, said = "", "", a.label
    for s in v.sections_teaching(a.iri)[:2]:
        for para in re.split(r"\n\s*\n", v.section(s).text):
            for sent in _SENT.split(" ".join(para.split())):
                found = pat.findall(sent)
                if len(found) == 1 and 8 <= len(sent.split()) <= 45:
                    sentence, source, said = sent.strip(), s, found[0]
                    break
            if sentence:
                break
        if sentence:
            break
    triples = v.concept_triples(a.iri, neighbours=False)
    if sentence:
        stem = pat.sub(CLOZE_BLANK, sentence)
        # "an _____" would give away that the term starts with a vowel sound
        stem = re.sub(r"\b([Aa])n? (?=" + re.escape(CLOZE_BLANK) + ")", r"\1(n) ", stem)
        triples.append(Triple(source, str(KGS.text), sentence))
    elif a.definition:
        stem = f"{CLOZE_BLANK} is the term for: {first_sentence(mask(a.label, a.definition))}"
    else:
        return None
    if stem.count(CLOZE_BLANK) != 1:
        return _reject(ctx, f"{a.label}: cloze sentence has the term more than once")
    answers = list(dict.fromkeys([said, a.label] + a.alt_labels))
    return _item(ctx, "cloze", a, stem, triples, answers=answers, answer=said,
                 feedback=defines(a, short=True))


def _multiresponse(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    v = ctx.b.view
    anc = v.ancestors(a.iri)
    if not anc:
        return None
    desc = v.descendants(a.iri)
    direct = sorted(v.requires.get(a.iri, ()), key=lambda c: v.label(c))
    correct = direct[:3] if len(direct) >= 2 else (direct + sorted(anc - set(direct), key=lambda c: -v.depth(c)))[:2]
    # wrong for certain: concepts that need a (acyclic graph); else unconnected ones, most similar first
    related = v.related.get(a.iri, set())
    unconnected = [c for c in ctx.pool if c not in anc and c not in desc and c != a.iri and c not in related]
    scores = ctx.b.similarity.scores(a.iri, sorted(desc) + unconnected)
    wrong = sorted(desc, key=lambda c: (-scores.get(c, 0), c))[:2]
    wrong += sorted(unconnected, key=lambda c: (-scores.get(c, 0), c))[:max(0, 3 - len(wrong))]
    wrong = [w for w in wrong if w not in anc][:3]   # the graph check: no distractor is a prerequisite
    if len(wrong) < 2:
        return None
    labels = [_norm(v.label(c)) for c in correct + wrong]
    if len(set(labels)) != len(labels):
        return _reject(ctx, f"{a.label}: two options of the prerequisite item share a label")
    choices = [Choice(v.label(c), True, f"Yes: {mid(a)} needs {mid(v.concept(c))}, so it comes first.", c)
               for c in correct]
    for w in wrong:
        why = (f"No: {mid(v.concept(w))} builds on {mid(a)}, so it comes after it." if w in desc else
               f"No: {mid(a)} does not need {mid(v.concept(w))} in this curriculum.")
        choices.append(Choice(v.label(w), False, why, w))
    choices.sort(key=lambda c: _stable(ctx.cfg.seed, "mr", a.iri, c.text))
    triples = [Triple(x, _REQ, y) for x in sorted(anc | {a.iri}) for y in sorted(v.requires.get(x, ()))]
    stem = f"Which of these must be learned before {mid(a)}? Select all that apply."
    return _item(ctx, "multiresponse", a, stem, triples, [scores.get(w, 0) for w in wrong], choices=choices,
                 answer="; ".join(v.label(c) for c in correct), concepts=[a.iri] + correct + wrong,
                 feedback=f"{a.label} builds on {', '.join(v.label(c) for c in direct) or 'them'}.")


def _matching(ctx: _Ctx, a: ConceptInfo, scope_concepts: list[str]) -> QuizItem | None:
    v = ctx.b.view
    near = [a.iri] + [c for c in scope_concepts if c != a.iri]
    near += sorted((v.requires.get(a.iri, set()) | v.required_by.get(a.iri, set())) - set(near))
    pairs, used, defs, labels = [], [], set(), set()
    for c in near:
        ci = v.concepts.get(c)
        if ci is None or not ci.definition:
            continue
        d, l_ = _norm(first_sentence(ci.definition)), _norm(ci.label)
        if d in defs or l_ in labels:
            ctx.reject(f"{ci.label}: its definition or label repeats another in a matching set")
            continue
        defs.add(d)
        labels.add(l_)
        pairs.append((ci.label, first_sentence(mask(ci.label, ci.definition))))
        used.append(c)
        if len(pairs) == 5:
            break
    if len(pairs) < 3:
        return None
    triples = [t for c in used for t in v.concept_triples(c, neighbours=False)]
    return _item(ctx, "matching", a, "Match each term with its definition.", triples, pairs=pairs,
                 answer="; ".join(f"{t} = {d}" for t, d in pairs), concepts=used)


def _shortanswer(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    why = _ambiguous_term(ctx, a)
    if why:
        return None   # counted once, by the multichoice attempt on the same concept
    gen = _text(ctx, a.iri, "question", {"style": "term"})
    stem = gen.text.rstrip() + " Answer with the term."
    answers = [a.label] + [x for x in a.alt_labels if _norm(x) != _norm(a.label)]
    return _item(ctx, "shortanswer", a, stem, ctx.b.view.concept_triples(a.iri, neighbours=False),
                 answers=answers, answer=a.label, generator=gen.generator, checkpoint=gen.checkpoint,
                 feedback=defines(a, short=True))


def _ordering(ctx: _Ctx, a: ConceptInfo) -> QuizItem | None:
    v = ctx.b.view
    chain = [a.iri]
    while len(chain) < 4:
        ps = sorted(v.requires.get(chain[-1], ()), key=lambda p: (-v.depth(p), p))
        if not ps:
            break
        chain.append(ps[0])
    if len(chain) < 3:
        return None
    order = [v.label(c) for c in reversed(chain)]
    if len({_norm(x) for x in order}) != len(order):
        return _reject(ctx, f"{a.label}: two concepts of the ordering share a label")
    triples = [Triple(x, _REQ, y) for x, y in zip(chain, chain[1:])]
    stem = "Put these concepts in the order they should be learned, first to last."
    return _item(ctx, "ordering", a, stem, triples, order=order, answer=" → ".join(order),
                 concepts=list(reversed(chain)),
                 feedback=" ".join(f"{v.label(x)} builds on {mid(v.concept(y))}." for x, y in zip(chain, chain[1:])))


# ---- the curriculum's own items -----------------------------------------------------------------
def curriculum_item(ctx_or_builder, src: SourceItem, objectives: dict | None = None) -> QuizItem | None:
    """A :class:`QuizItem` from one of the curriculum's questions (None when it has no
    answer key that can be checked: a multiple-choice question without a correct option)."""
    b = ctx_or_builder.b if isinstance(ctx_or_builder, _Ctx) else ctx_or_builder
    v = b.view
    concepts = [c for c in src.assesses if c in v.concepts]
    objective = next((o for o in src.assesses if o not in v.concepts), "")
    obj_text, obj_bloom = "", ""
    if objective:
        obj_text = v.label(objective)
        rows = v.select(f"SELECT ?b WHERE {{ <{objective}> <{KGS.bloomLevel}> ?b }}")
        obj_bloom = str(rows[0]["b"]).rsplit("/", 1)[-1] if rows else ""
    triples = [Triple(src.iri, str(KGS.stem), src.stem)]
    kind = src.item_type
    common = dict(stem=src.stem, concept=concepts[0] if concepts else "", concepts=concepts,
                  objective=objective, objective_text=obj_text, source="curriculum", source_item=src.iri,
                  generator="curriculum", checkpoint="", triples=triples, feedback=src.feedback or src.solution)
    if src.choices:
        texts = [c[0] for c in src.choices]
        correct = [c[1] is True for c in src.choices]
        if not any(correct) and src.answer:
            correct = [_norm(t) == _norm(src.answer) or _norm(src.answer) in (_norm(t[:1]),) for t in texts]
        if not any(correct):
            return None
        choices = [Choice(t, k, fb) for (t, _c, fb), k in zip(src.choices, correct)]
        triples += [Triple(src.iri, str(KGS.correctAnswer), src.answer)] if src.answer else []
        if kind == "true-false" and len(choices) == 2:
            kind_out = "truefalse"
            ans = next(c.text for c in choices if c.correct).strip().lower()
            return QuizItem(type="truefalse", answer="true" if ans.startswith(("t", "v")) else "false",
                            bloom=src.bloom or obj_bloom or "remember",
                            difficulty=_BASE_DIFFICULTY[kind_out], **common)
        kind_out = "multichoice" if sum(correct) == 1 else "multiresponse"
        return QuizItem(type=kind_out, choices=choices, answer="; ".join(c.text for c in choices if c.correct),
                        bloom=src.bloom or obj_bloom or "remember", difficulty=_BASE_DIFFICULTY[kind_out], **common)
    if kind == "true-false":
        ans = src.answer.strip().lower()
        if ans not in ("true", "false"):
            return None
        triples.append(Triple(src.iri, str(KGS.correctAnswer), src.answer))
        return QuizItem(type="truefalse", answer=ans, bloom=src.bloom or obj_bloom or "remember",
                        difficulty=_BASE_DIFFICULTY["truefalse"], **common)
    if kind == "short-answer" and src.answer:
        triples.append(Triple(src.iri, str(KGS.correctAnswer), src.answer))
        return QuizItem(type="shortanswer", answer=src.answer, answers=[src.answer],
                        bloom=src.bloom or obj_bloom or "remember", difficulty=_BASE_DIFFICULTY["shortanswer"],
                        **common)
    model = src.solution or src.answer
    if model:
        triples.append(Triple(src.iri, str(KGS.solution), model))
    return QuizItem(type="essay", answer=model, bloom=src.bloom or obj_bloom or "understand",
                    difficulty=_BASE_DIFFICULTY["essay"], **common)


# ---- the quiz ------------------------------------------------------------------------------------
def _scope(b: Builder, scope: str) -> tuple[str, list[str], list[str], str]:
    """(scope kind, concepts in teaching order, sections whose items count, title)."""
    v = b.view
    if scope in v.concepts:
        return "concept", [scope], [], v.label(scope)
    kind = v.node_type(scope)
    if kind not in ("section", "chapter", "resource"):
        raise EmptyScope(f"<{scope}> is a {kind}: a quiz is for a concept, a section or a chapter")
    info = v.section(scope)
    secs = [scope] + ([s.iri for s in v.parts(scope)] if info.kind == "chapter" else [])
    concepts = v.taught_in(scope)
    return ("chapter" if info.kind == "chapter" else "section"), concepts, secs, info.label


def build_quiz(b: Builder, scope: str, config: QuizConfig | None = None, *, n: int | None = None) -> Quiz:
    """A quiz of ``n`` items on a concept, section or chapter (see the module docstring)."""
    from generation.content.repository import item_iri
    t0 = time.perf_counter()
    cfg = config or QuizConfig()
    if n is not None:
        cfg = QuizConfig(**{**cfg.__dict__, "n": n})
    bad = [t for t in cfg.types if t not in GENERATED_TYPES]
    if bad:
        raise KGStudioError(f"unknown item type(s) {', '.join(bad)}: choose from {', '.join(GENERATED_TYPES)}")
    v = b.view
    scope = str(scope)
    kind, concepts, sections, title = _scope(b, scope)
    curriculum = v.curriculum_of(concepts[0] if concepts else scope)
    pool = [c for c in v.concepts_of(curriculum) if v.concepts[c].definition] if curriculum else []
    if not pool:
        pool = [c for c, i in v.concepts.items() if i.definition]
    objectives: dict[str, tuple[str, str, str]] = {}
    for c in concepts:
        secs = v.sections_teaching(c)
        objs = v.objectives(of=secs) if secs else []
        lab = c in v.concepts and _norm(v.label(c))
        best = next((o for o in objs if c in o.teaches), None) or next(
            (o for o in objs if lab and lab in _norm(o.text)), None)
        if best:
            objectives[c] = (best.iri, best.text, best.bloom)
    depths = [v.depth(c) for c in pool] or [0]
    ctx = _Ctx(b, cfg, curriculum, pool, objectives, max(depths))
    items: list[QuizItem] = []
    if cfg.include_curriculum:
        src = v.source_items(of=sections) if sections else v.source_items(assessing=concepts)
        cap = int(cfg.n * cfg.max_curriculum_share)
        for s in src:
            if len(items) >= cap:
                break
            qi = curriculum_item(ctx, s)
            if qi is None:
                ctx.reject(f"curriculum item <{s.iri}>: no answer key")
                continue
            items.append(qi)
    if not concepts and not items:
        raise EmptyScope(f"“{title}” <{scope}> teaches no concept and has no questions: nothing to ask")
    makers = {"multichoice": _multichoice, "truefalse": _truefalse, "cloze": _cloze,
              "multiresponse": _multiresponse, "shortanswer": _shortanswer, "ordering": _ordering,
              "matching": lambda c, a: _matching(c, a, concepts)}
    made: set[tuple[str, str]] = set()
    matching_done = False
    # round robin: each pass gives every concept its next type; passes until full or exhausted
    attempts = {c: 0 for c in concepts}
    start = {c: i for i, c in enumerate(concepts)}
    while len(items) < cfg.n and any(attempts[c] < len(cfg.types) for c in concepts):
        for c in concepts:
            if len(items) >= cfg.n:
                break
            while attempts[c] < len(cfg.types):
                t = cfg.types[(start[c] + attempts[c]) % len(cfg.types)]
                attempts[c] += 1
                if (t, c) in made or (t == "matching" and matching_done):
                    continue
                qi = makers[t](ctx, v.concept(c))
                if qi is not None:
                    made.add((t, c))
                    matching_done = matching_done or t == "matching"
                    items.append(qi)
                    break
    for i, qi in enumerate(items, 1):
        qi.iri = f"{item_iri('quiz', scope)}/item/{i}"
    rejected = list(dict.fromkeys(ctx.rejected))
    quiz = Quiz(iri=item_iri("quiz", scope), title=f"Quiz: {title}", scope=scope, scope_kind=kind,
                items=items, rejected_ambiguous=sum(1 for r in rejected if not r.startswith("curriculum item")),
                rejected_reasons=rejected,
                meta=ItemMeta(generator="+".join(sorted({it.generator for it in items})) or b.templates.name,
                              checkpoint="+".join(sorted({it.checkpoint for it in items if it.checkpoint}))
                              or b.templates.checkpoint,
                              template="quiz.html.j2", comment=f"distractors: {b.similarity.name}"))
    quiz.meta.build_s = round(time.perf_counter() - t0, 4)
    return quiz
