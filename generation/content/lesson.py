"""Lessons from the graph: objectives, the book's definition, an explanation, prerequisite
bridges, a worked example, a contrast with the concept most easily confused with it, a
summary and check questions -- every paragraph with its provenance.

:func:`build_lesson` makes a lesson for a concept or a section.

Where each paragraph comes from (``Paragraph.generator``; ``Paragraph.why`` says why):

* **student** -- only when the workspace has a trained student *and* its paragraph passes
  the quality gate (:func:`generation.gate.check`: grounded, no repeated 3-gram, not a
  restatement of its input names, length within bounds, no blanks or empty brackets, a
  minimum self-score). Asked for the explanation and the prerequisite bridges, in one
  batched call.
* **extractive** -- otherwise the curriculum's own best evidence sentence(s)
  (:mod:`generation.extractive`, from the evidence index of :mod:`kg.evidence`), quoted
  verbatim and cited: ``Paragraph.citations`` holds the section (IRI, label) and paragraph
  id of each, and the HTML/Markdown pages show them.
* **template** -- only when the book has no sentence for it: the template realiser's plain
  statement of the graph.
* **curriculum** -- text copied as a whole (a section's summary, a paragraph of the section
  text that gives an example, a glossary-less section's own opening sentences).

Definitions are always the book's (extractive, else the glossary through the definition
template), never the student's: on held-out *Psychology 2e* concepts the student's
definitions score chrF 15.8 against the glossary, the book's own defining sentence 43.3
(``benchmarks/generation.py``). Where a concept has no glossary entry, its defining sentence
is chosen by the learned selector (:mod:`generation.selector`: the workspace's own model,
else the bundled one), which beat the rules on dev on three books; ``Paragraph.why`` then
says "learned selector (chrF dev X vs heuristic Y)". Without a model, or when it cannot run
(MiniLM missing, say; noted in the log), the rules choose.

Parts:

* **Objectives** -- the curriculum's learning objectives of the teaching section (with
  their Bloom levels): those that teach or name the concept, else all of the section's;
  when the section has none, generated ones ("Define X", "Explain how X builds on P").
* **Before you start** -- the concepts the lesson's concepts build on (from outside the
  lesson), up to :data:`LessonConfig.recap_depth` steps back, in a teaching order that
  respects every prerequisite; the direct ones get a bridge paragraph ("why B needs A":
  a sentence of B that names A, else A's definition).
* **Explanation** -- per concept: the definition (cited), then the explanation (2-3 sentences
  of the book about it that are not the definition); a section lesson opens with the
  section's summary and quotes the section's own sentences (a glossary-less section with no
  concepts still gets its opening sentences). A concept lesson adds a **contrast** with the
  concept the similarity (teacher, MiniLM or lexical) ranks closest, when the book has a
  sentence naming both or a definition of each.
* **Worked example** -- the concept's code evidence (a fenced block, shown as code) or
  example sentences from the index; else the first paragraph of the teaching section that
  names the concept and says "for example" (a lexical guess, generator ``curriculum``).
* **Summary** -- the section's summary for a section lesson; for a concept lesson, "In
  short, " and the definition's first sentence, and what the concept leads on to.
* **Check questions** -- :data:`LessonConfig.n_questions` quiz items on the same scope.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from generation.base import Generation, Triple
from generation.content.builder import Builder
from generation.content.model import Citation, ItemMeta, Lesson, Objective, Paragraph, PathStep
from generation.content.quiz import EmptyScope, QuizConfig, build_quiz
from generation.content.repository import item_iri
from generation.extractive import Extract, ExtractiveGenerator, is_code
from generation.gate import GateConfig, check
from generation import selector as sentence_selector
from generation.template import defines, first_sentence, listing, mid
from kg.errors import KGStudioError
from kg.evidence import split_blocks, split_sentences
from ontology.namespaces import KGS

__all__ = ["LessonConfig", "build_lesson", "section_sentences"]

#: Sentences of a section paragraph kept as a worked example (its opening, when longer).
MAX_EXAMPLE_SENTENCES = 6
#: the templates' explanation once the definition shown above it is cut off: only "where"
_WHERE_ONLY = re.compile(r"\s*The curriculum introduces it in “[^”]*”\.\s*")
_EXAMPLE = re.compile(r"(?i)(\bfor example\b|\bfor instance\b|\be\.g\.|\bexample\b)")


@dataclass
class LessonConfig:
    recap_depth: int = 2          # prerequisite levels recapped (1: direct prerequisites only)
    max_recap: int = 8            # recap steps at most (nearest kept)
    n_questions: int = 3          # check-your-understanding questions
    max_concepts: int = 12        # concepts explained in a section lesson (teaching order)
    explanation_sentences: int = 3    # sentences quoted for an extractive explanation
    contrast: bool = True         # a contrast paragraph with the most-confused concept
    gate: GateConfig | None = None    # the student's quality gate (default GateConfig())


def _framed(c) -> str:
    """A glossary entry as a sentence (``defines``), with "“X” means Whether ..." read as
    "“X” means whether ..." and no full stop doubled after a closing quote. An entry that
    is a sentence of its own is quoted as written ("A statement describes ..."); a fragment
    that names the term or opens with "this"/"it" or a preposition ("the slope ... is the
    derivative", "this law states ...", "of a function f ...") is given after the term and a
    colon instead.

    >>> from generation.content.graph import ConceptInfo
    >>> _framed(ConceptInfo("urn:m", "Mutability", "Whether a value can be changed in place."))
    '“Mutability” means whether a value can be changed in place.'
    >>> _framed(ConceptInfo("urn:a", "Arête", "the Greek word for virtue, or “excellence.”"))
    '“Arête” means the Greek word for virtue, or “excellence.”'
    >>> _framed(ConceptInfo("urn:d", "derivative", "the slope of the tangent line is the derivative"))
    'derivative: the slope of the tangent line is the derivative.'
    >>> _framed(ConceptInfo("urn:s", "statement", "A statement describes some action to be carried out."))
    'A statement describes some action to be carried out.'
    """
    d = " ".join((c.definition or "").split())
    names = bool(d) and bool(re.search(r"(?i)(?<!\w)" + re.escape(c.label) + r"(?!\w)", d))
    if names and d[0].isupper() and d[-1] in ".!?”\"":
        return d                   # a defining sentence of the text ("A statement describes ...")
    if d and (names or re.match(r"(?i)(?:this|these|it|its|of|for|in|on|at|if|as|when)\b", d)):
        return f"{c.label}: {d}" + ("" if d[-1] in ".!?”\"" else ".")
    text = defines(c).replace(".”.", ".”")
    m = re.match(r"(“[^”]+” means )([A-Z])([a-z])", text)
    if m:
        text = m.group(1) + m.group(2).lower() + text[m.end(1) + 1:]
    return text


def _recap(b: Builder, focus: list[str], cfg: LessonConfig) -> list[PathStep]:
    v = b.view
    inside = set(focus)
    level: dict[str, int] = {}
    frontier = list(focus)
    for depth in range(1, cfg.recap_depth + 1):
        nxt = []
        for c in frontier:
            for p in v.requires.get(c, ()):
                if p not in inside and p not in level:
                    level[p] = depth
                    nxt.append(p)
        frontier = nxt
    chosen = sorted(level, key=lambda p: (level[p], v.label(p)))[:cfg.max_recap]
    order = v.teaching_order(chosen)
    steps = []
    for p in order:
        users = sorted((u for u in v.required_by.get(p, ()) if u in inside or u in chosen),
                       key=lambda u: v.label(u))
        reason = (f"needed by {listing([v.concept(u) for u in users])}" if users else "background")
        steps.append(PathStep(p, v.label(p), reason, needed_by=users))
    return steps


def _from_gen(gen: Generation, kind: str, why: str = "") -> Paragraph:
    return Paragraph(text=gen.text, kind=kind, generator=gen.generator, checkpoint=gen.checkpoint,
                     triples=list(gen.triples), concepts=list(gen.concepts), why=why)


def _from_extract(x: Extract, kind: str, why: str) -> Paragraph:
    triples = [Triple(e.section, str(KGS.summary if e.paragraph == "summary" else KGS.text), e.text)
               for e in x.evidence if e.section]
    return Paragraph(text=x.text, kind=kind, generator=x.generator, checkpoint=x.checkpoint, triples=triples,
                     concepts=list(x.concepts), source=x.citations[0].section if x.citations else "",
                     citations=list(x.citations), why=why)


def _allowed(gen: Generation, focus: str) -> set[str]:
    out = {focus, *gen.concepts, *(gen.extra or {}).get("entities", {})}
    for t in gen.triples:
        out.update((t.s, t.o))
    return out


class _Writer:
    """One lesson's sources, in order: the gated student, cited evidence, the templates."""

    def __init__(self, b: Builder, ex: ExtractiveGenerator, cfg: LessonConfig):
        self.b, self.ex, self.cfg = b, ex, cfg
        self.matcher = getattr(b.generator, "lexicon", None)
        self._no_index_logged = False
        self.quoted: list[str] = []        # evidence sentences already quoted (not twice)

    def evidence_ok(self, fn, *args, **kw) -> Extract | None:
        """``fn(*args)`` of the extractive generator; None (noted once) without an index."""
        try:
            return fn(*args, **kw)
        except ImportError as e:           # kg.evidence not there: no cited text, templates
            if not self._no_index_logged:
                self.b.log(f"no evidence index ({e}); lessons fall back to the templates")
                self._no_index_logged = True
            return None

    def gate(self, gen: Generation, focus: str, task: str, context: dict | None) -> list[str]:
        names = self.b._names(focus, context)
        ok, reasons = check(gen.text, task=task, names=names, matcher=self.matcher,
                            allowed=_allowed(gen, focus), logprob=(gen.scores or {}).get("logprob"),
                            config=self.cfg.gate)
        return [] if ok else reasons

    def paragraphs(self, requests: list[tuple[str, str, dict | None, str, object]]) -> list[Paragraph]:
        """``(focus, task, context, kind, extract)`` requests -> paragraphs: the student's
        when it passes the gate, else ``extract()`` (cited evidence), else the templates."""
        drafts = self.b.drafts([(f, t, c) for f, t, c, _k, _x in requests])
        out = []
        for (focus, task, ctx, kind, extract), (gen, why) in zip(requests, drafts):
            if gen is not None:
                reasons = self.gate(gen, focus, task, ctx)
                if not reasons:
                    lp = (gen.scores or {}).get("logprob")
                    out.append(_from_gen(gen, kind, "student passed the quality gate"
                                         + (f" (self-score {lp:.2f})" if lp is not None else "")))
                    continue
                why = "student " + "; ".join(reasons)
            x = self.evidence_ok(extract) if extract is not None else None
            if x is not None and x.text.strip():
                out.append(_from_extract(x, kind, f"the curriculum's own text: {why}"))
                self.quoted += [e.text for e in x.evidence]
            else:
                t = self.b.templates.generate(focus, task, context=ctx)
                out.append(_from_gen(t, kind, f"templates: {why}; the curriculum has no sentence for it"))
            if gen is not None:
                self.b.log(f"student wrote {gen.text!r} for {task} of <{focus}>, which "
                           f"{'; '.join(reasons)}; {'cited curriculum text' if x else 'templates'} used instead")
        return out


def _worked_example(b: Builder, concepts: list[str], sections: list[str]) -> Paragraph | None:
    v = b.view
    for c in concepts:
        label = v.label(c)
        pat = re.compile(r"(?i)\b" + re.escape(label) + r"\b")
        for s in sections or v.sections_teaching(c)[:2]:
            for i, (kind, para) in enumerate(split_blocks(v.section(s).text), 1):
                if kind == "code":
                    continue
                text = " ".join(split_sentences(" ".join(para.split()))[:MAX_EXAMPLE_SENTENCES])
                if len(text.split()) >= 12 and pat.search(text) and _EXAMPLE.search(text):
                    return Paragraph(text=text, kind="example", generator="curriculum", checkpoint="",
                                     triples=[Triple(s, str(KGS.text), text)], concepts=[c], source=s,
                                     citations=[Citation(s, v.section(s).label, f"p{i}")],
                                     why="a paragraph of the teaching section that gives an example "
                                         "(no typed example or code in the evidence index)")
    return None


def _example(b: Builder, w: "_Writer", ex: ExtractiveGenerator, focus: list[str],
             sections: list[str]) -> Paragraph | None:
    """The worked example: code or example evidence from a section that teaches the concept,
    else the paragraph of the teaching section that says "for example", else code evidence
    from anywhere in the book (example sentences of other sections are too often about
    something else)."""
    for c in focus:
        x = w.evidence_ok(ex.example, c, b.view.sections_teaching(c) or sections)
        if x is not None:
            return _from_extract(x, "example", "the curriculum's code" if is_code(x.text)
                                 else "the curriculum's example sentences")
    guess = _worked_example(b, focus, sections)
    if guess is not None:
        return guess
    for c in focus:      # code that names the concept elsewhere; example sentences elsewhere are not kept
        x = w.evidence_ok(ex.example, c)
        if x is not None and is_code(x.text):
            return _from_extract(x, "example", "the curriculum's code (another section)")
    return None


def section_sentences(text: str, n: int = 3, min_words: int = 12) -> tuple[str, str] | None:
    """The first ``n`` sentences of the first prose block of a section text that has at
    least ``min_words`` words, and its paragraph id ``p<N>`` (1-based block number, as the
    evidence index numbers paragraphs); None when there is none. Code blocks are skipped.

    >>> section_sentences("Title\\n\\n```python\\nx = 1\\n```\\n\\nA loop repeats its body. It stops when told to. "
    ...                   "Loops are everywhere in programs.", n=2, min_words=5)
    ('A loop repeats its body. It stops when told to.', 'p3')
    """
    for i, (kind, block) in enumerate(split_blocks(text or ""), 1):
        if kind == "code":
            continue
        flat = " ".join(block.split())
        if len(flat.split()) >= min_words:
            return " ".join(split_sentences(flat)[:n]), f"p{i}"
    return None


def _most_confused(b: Builder, c: str) -> str | None:
    """The concept most easily confused with ``c``: among its siblings -- concepts related to
    it, sharing a direct prerequisite with it, or taught in the same section -- the one the
    similarity (teacher, MiniLM or lexical) ranks closest. Its synonyms, direct prerequisites
    and direct dependants are left out (they build on each other; a bridge covers them)."""
    v = b.view
    near = {c} | set(v.same_as.get(c, ())) | set(v.requires.get(c, ())) | set(v.required_by.get(c, ()))
    sib = set(v.related.get(c, ()))
    for p in v.requires.get(c, ()):
        sib |= set(v.required_by.get(p, ()))
    for s in v.sections_teaching(c)[:2]:
        sib |= set(v.taught_in(s))
    cands = sorted(x for x in sib if x not in near and x in v.concepts)
    if not cands:
        return None
    scores = b.similarity.scores(c, cands)
    best = max(cands, key=lambda x: (scores.get(x, 0.0), x))
    return best if scores.get(best, 0.0) > 0 else None


def build_lesson(b: Builder, scope: str, config: LessonConfig | None = None, *,
                 extractive: ExtractiveGenerator | None = None) -> Lesson:
    """A lesson on a concept or a section (see the module docstring).

    ``extractive``: the generator of cited evidence (default: one on ``b.store`` reading
    :func:`kg.evidence.evidence`).
    """
    t0 = time.perf_counter()
    cfg = config or LessonConfig()
    v = b.view
    scope = str(scope)
    ex = extractive or ExtractiveGenerator(
        b.store, v.label, glossary=lambda c: v.concepts[c].definition if c in v.concepts else "",
        frame=lambda c: _framed(v.concept(c)), text_of=lambda s: v.section(s).text,
        teaching=v.sections_teaching, selector=_selector(b), log=b.log)
    w = _Writer(b, ex, cfg)
    if scope in v.concepts:
        kind, focus, sections = "concept", [scope], v.sections_teaching(scope)[:1]
        title = v.label(scope)
    else:
        t = v.node_type(scope)
        if t not in ("section", "resource"):
            raise KGStudioError(f"<{scope}> is a {t}: a lesson is for a concept or a section "
                                "(a chapter has a quiz or a course-structure diagram)")
        info = v.section(scope)
        kind, sections, title = "section", [scope], info.label
        focus = v.taught_in(scope)[:cfg.max_concepts]
    in_section = scope if kind == "section" else None
    # objectives
    objectives: list[Objective] = []
    found = v.objectives(of=sections) if sections else []
    if kind == "concept":   # the section's objectives about this concept, else all of them
        about = [o for o in found if scope in o.teaches or _mentions(v.label(scope), o.text)]
        found = about or found
    for o in found:
        objectives.append(Objective(o.text, o.bloom or "understand", o.iri, o.teaches))
    if not objectives:
        for c in focus[:3]:
            ci = v.concept(c)
            objectives.append(Objective(f"Define {mid(ci)} in your own words.", "remember", "", [c]))
            ps = sorted(v.requires.get(c, ()), key=lambda p: v.label(p))
            if ps:
                objectives.append(Objective(f"Explain how {mid(ci)} builds on "
                                            f"{listing([v.concept(p) for p in ps])}.", "understand", "", [c]))
    # prerequisite recap
    recap = _recap(b, focus, cfg)
    # the book's definitions (cited), one per concept
    defs: dict[str, Extract | None] = {c: w.evidence_ok(ex.definition, c, in_section) or
                                       (w.evidence_ok(ex.definition, c) if in_section else None) for c in focus}
    # every student paragraph in one batch; each request knows its evidence fallback
    requests = []
    for step in recap:
        targets = [u for u in step.needed_by if u in focus]
        if targets:
            requests.append((step.concept, "prerequisite", {"target": targets[0]}, "prerequisite",
                             (lambda p=step.concept, t=targets[0]: ex.bridge(p, t, exclude=w.quoted,
                                                               sections=v.sections_teaching(t)))))
    n_prereq = len(requests)
    # worked example: typed example/code evidence first, else the section paragraph guess
    example = _example(b, w, ex, focus, sections)
    for c in focus:
        ctx = {"lesson_section": scope} if kind == "section" else None
        skip = [d.text for d in defs.values() if d] + ([example.text] if example else [])
        if kind == "section" and v.section(scope).summary:   # shown whole as the summary
            skip.append(" ".join(v.section(scope).summary.split()))
        requests.append((c, "explanation", ctx, "explanation", (
            lambda c=c, skip=skip: ex.explanation(c, section=in_section, n=cfg.explanation_sentences,
                                                  exclude=skip + w.quoted) or
            (ex.explanation(c, n=cfg.explanation_sentences, exclude=skip + w.quoted) if in_section else None))))
    made = w.paragraphs(requests)
    paragraphs: list[Paragraph] = made[:n_prereq]
    if kind == "section":
        intro = v.section(scope)
        if intro.summary:
            paragraphs.append(Paragraph(" ".join(intro.summary.split()), kind="summary", generator="curriculum",
                                        triples=[Triple(scope, str(KGS.summary), intro.summary)], source=scope,
                                        citations=[Citation(scope, intro.label, "summary")]))
        if not focus:        # a section that teaches no concept: its own opening sentences
            got = section_sentences(intro.text)
            if got is not None:
                text, pid = got
                paragraphs.append(Paragraph(text, kind="explanation", generator="curriculum",
                                            triples=[Triple(scope, str(KGS.text), text)], source=scope,
                                            citations=[Citation(scope, intro.label, pid)],
                                            why="the section names no concept: its own opening sentences"))
    for c, expl in zip(focus, made[n_prereq:]):
        d = defs[c]
        if d is not None:
            paragraphs.append(_from_extract(d, "definition", "the book's glossary definition"
                                            if ex.is_glossary(d.evidence[0]) else
                                            f"the book's own defining sentence, chosen by the {d.why}" if d.why else
                                            "the book's own defining sentence"))
        elif expl.generator != "template" and v.concept(c).definition:
            # the explanation does not say what the concept is: the glossary's definition
            paragraphs.append(_from_gen(b.templates.generate(c, "definition"), "definition",
                                        "the glossary definition (no defining sentence in the text)"))
        if d is not None and expl.generator == b.templates.name:
            # the templates' explanation opens with the glossary definition: shown just above
            own = defines(v.concept(c))
            if expl.text.startswith(own) and expl.text[len(own):].strip():
                expl.text = expl.text[len(own):].strip()
            if _WHERE_ONLY.fullmatch(expl.text):
                continue      # all that is left is where the book teaches it: the citation says so
        if not (d is not None and expl.generator == "extractive" and expl.text == d.text):
            paragraphs.append(expl)
    # contrast with the most-confused concept (concept lessons)
    if kind == "concept" and cfg.contrast and focus:
        other = _most_confused(b, focus[0])
        quoted_here = [t.o for p in paragraphs for t in p.triples]
        x = w.evidence_ok(ex.contrast, focus[0], other, with_own=not defs.get(focus[0]),
                          exclude=quoted_here) if other else None
        if x is not None:
            paragraphs.append(_from_extract(x, "contrast", f"not to be confused with {v.label(other)}: "
                                            "the closest concept by similarity"))
    # summary
    if kind == "section" and v.section(scope).summary:
        s = v.section(scope).summary
        summary = Paragraph(" ".join(s.split()), kind="summary", generator="curriculum",
                            triples=[Triple(scope, str(KGS.summary), s)], source=scope,
                            citations=[Citation(scope, v.section(scope).label, "summary")])
        paragraphs = [p for p in paragraphs if not (p.kind == "summary" and p.source == scope)]
    else:
        summary = _summary(b, focus, defs)
    # check questions
    questions = []
    if cfg.n_questions > 0 and (focus or kind == "section"):
        try:
            questions = build_quiz(b, scope, QuizConfig(n=cfg.n_questions)).items
        except EmptyScope:   # an introduction that teaches nothing and asks nothing
            questions = []
    written = [p for p in paragraphs if p.kind in ("prerequisite", "explanation", "definition", "contrast")]
    lesson = Lesson(iri=item_iri("lesson", scope), title=title, scope=scope, scope_kind=kind, focus=focus,
                    objectives=objectives, prerequisites=recap, paragraphs=paragraphs, worked_example=example,
                    summary=summary, check_questions=questions, meta=_meta(b, written))
    lesson.meta.build_s = round(time.perf_counter() - t0, 4)
    return lesson


_SELECTORS: dict[tuple, object] = {}


def _selector(b: Builder):
    """The learned defining-sentence selector for ``b``'s workspace (its own model, else the
    bundled one; :func:`generation.selector.load_selector`), None when there is none or it
    cannot be read (noted in the log): the rules choose then. Cached per model file."""
    ws = b.workspace
    own = Path(ws.models_dir) / sentence_selector.MODEL_FILE if ws is not None else None
    path = own if own is not None and own.exists() else sentence_selector.BUNDLED
    key = (str(path), path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _SELECTORS:
        try:
            _SELECTORS[key] = sentence_selector.load_selector(ws)
        except sentence_selector.SelectorError as e:
            b.log(f"{e}; the rules choose defining sentences")
            _SELECTORS[key] = None
    return _SELECTORS[key]


def _summary(b: Builder, focus: list[str], defs: dict[str, Extract | None]) -> Paragraph | None:
    """"In short, <definition>" and what the concept leads on to (the first concept)."""
    v = b.view
    if not focus:
        return None
    c = v.concept(focus[0])
    users = sorted(v.required_by.get(c.iri, ()), key=lambda u: v.label(u))
    needs = v.teaching_order(v.requires.get(c.iri, ()))
    nxt = (f" It builds on {listing([v.concept(p) for p in needs])}." if needs else "") + \
        (f" Next, it leads on to {listing([v.concept(u) for u in users])}." if users else "")
    d = defs.get(c.iri)
    if not c.definition and d is not None:
        first = first_sentence(d.text)
        p = _from_extract(d, "summary", "the book's defining sentence (no glossary definition)")
        p.text = f"In short: “{first}”{nxt}"
        p.concepts = [c.iri] + list(needs) + users
        return p
    if not c.definition and not nxt:
        return None              # nothing to sum up that is not "the curriculum gives no definition"
    first = first_sentence(_framed(c)) if c.definition else ""
    if first.startswith(f"{c.label}: "):       # an entry that is a sentence of its own
        first = first[len(c.label) + 2:]
    if first.startswith(("A ", "An ", "The ")) or (first[:1].isupper() and first[1:2].islower()
                                                   and first.split(" ", 1)[0].lower() in ("this", "it", "its")):
        first = first[0].lower() + first[1:]
    text = f"In short, {first}{nxt}" if first else nxt.strip()
    # the glossary definition it restates is the book's: cite where it is
    cites = [x for x in (d.citations if d is not None and c.definition else [])]
    return Paragraph(text, kind="summary", generator=b.templates.name, checkpoint=b.templates.checkpoint,
                     triples=v.concept_triples(c.iri), concepts=[c.iri] + list(needs) + users, citations=cites,
                     why="the templates, restating the book's definition and the concept's place in the graph")


def _meta(b: Builder, generated: list[Paragraph]) -> ItemMeta:
    """Provenance of the lesson as a whole: the generator(s) that actually wrote its
    paragraphs ("student", "extractive", "template", or e.g. "extractive+template")."""
    kinds = sorted({p.generator for p in generated}) or [b.templates.name]
    checkpoints = sorted({p.checkpoint for p in generated if p.checkpoint}) or [b.templates.checkpoint]
    return ItemMeta(generator="+".join(kinds), checkpoint="+".join(checkpoints), template="lesson.html.j2")


def _mentions(label: str, text: str) -> bool:
    return bool(re.search(r"(?i)\b" + re.escape(label) + r"\b", text))
