"""Lessons from the graph: objectives, a prerequisite recap, explanation, worked example,
summary and check questions, every paragraph with its provenance.

:func:`build_lesson` makes a lesson for a concept or a section.

* **Objectives** — the curriculum's learning objectives of the section that teaches the
  concept (with their Bloom levels): those that teach or name the concept, else all of the
  section's; when the section has none, two generated ones ("Define X", remember;
  "Explain how X builds on P", understand, when X has prerequisites).
* **Prerequisites recap** — the concepts the lesson's concepts build on (from outside the
  lesson), up to :data:`LessonConfig.recap_depth` steps back, in a teaching order that
  respects every prerequisite, each with the reason it is there; the direct ones get a
  generated paragraph (task ``prerequisite``).
* **Explanation** — per concept, the generator's ``definition`` and ``explanation``
  paragraphs (student when trained, else templates); a section lesson opens with the
  section's own summary.
* **Worked example** — copied from the curriculum: the first paragraph of the teaching
  section's text that names the concept and gives an example ("for example", "e.g.",
  "for instance", "example"); none when the source has none. This is a lexical heuristic:
  neither the native format nor the OpenStax importer marks worked examples as such (the
  CNXML ``<example>`` elements stay section text), so the paragraph chosen is an example
  *in* the text, not always a step-by-step worked solution.
* **Summary** — the section's summary (curriculum) for a section lesson; a template recap
  (the definition's first sentence and what the concept leads on to) for a concept lesson.
* **Check questions** — :data:`LessonConfig.n_questions` quiz items on the same scope.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from generation.base import Triple
from generation.content.builder import Builder
from generation.content.model import ItemMeta, Lesson, Objective, Paragraph, PathStep
from generation.content.quiz import EmptyScope, QuizConfig, build_quiz
from generation.template import first_sentence, listing, mid
from kg.errors import KGStudioError
from ontology.namespaces import KGS

__all__ = ["LessonConfig", "build_lesson"]

_EXAMPLE = re.compile(r"(?i)(\bfor example\b|\bfor instance\b|\be\.g\.|\bexample\b)")


@dataclass
class LessonConfig:
    recap_depth: int = 2          # prerequisite levels recapped (1: direct prerequisites only)
    max_recap: int = 8            # recap steps at most (nearest kept)
    n_questions: int = 3          # check-your-understanding questions
    max_concepts: int = 12        # concepts explained in a section lesson (teaching order)


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


def _paragraph(gen, kind: str) -> Paragraph:
    return Paragraph(text=gen.text, kind=kind, generator=gen.generator, checkpoint=gen.checkpoint,
                     triples=list(gen.triples), concepts=list(gen.concepts))


def _worked_example(b: Builder, concepts: list[str], sections: list[str]) -> Paragraph | None:
    v = b.view
    for c in concepts:
        label = v.label(c)
        pat = re.compile(r"(?i)\b" + re.escape(label) + r"\b")
        for s in sections or v.sections_teaching(c)[:2]:
            for para in re.split(r"\n\s*\n", v.section(s).text):
                text = " ".join(para.split())
                if len(text.split()) >= 12 and pat.search(text) and _EXAMPLE.search(text):
                    return Paragraph(text=text, kind="example", generator="curriculum", checkpoint="",
                                     triples=[Triple(s, str(KGS.text), text)], concepts=[c], source=s)
    return None


def build_lesson(b: Builder, scope: str, config: LessonConfig | None = None) -> Lesson:
    """A lesson on a concept or a section (see the module docstring)."""
    from generation.content.repository import item_iri
    t0 = time.perf_counter()
    cfg = config or LessonConfig()
    v = b.view
    scope = str(scope)
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
    # every generated paragraph in one batch (one model call when the student is used)
    requests = []
    for step in recap:
        targets = [u for u in step.needed_by if u in focus]
        if targets:
            requests.append((step.concept, "prerequisite", {"target": targets[0]}))
    n_prereq = len(requests)
    for c in focus:
        requests.append((c, "explanation", {"lesson_section": scope} if kind == "section" else None))
    gens = b.generate_many(requests)
    paragraphs: list[Paragraph] = [_paragraph(g, "prerequisite") for g in gens[:n_prereq]]
    # explanation
    if kind == "section":
        intro = v.section(scope)
        if intro.summary:
            paragraphs.append(Paragraph(" ".join(intro.summary.split()), kind="summary", generator="curriculum",
                                        triples=[Triple(scope, str(KGS.summary), intro.summary)], source=scope))
    paragraphs += [_paragraph(g, "explanation") for g in gens[n_prereq:]]
    example = _worked_example(b, focus, sections)
    # summary
    if kind == "section" and v.section(scope).summary:
        s = v.section(scope).summary
        summary = Paragraph(" ".join(s.split()), kind="summary", generator="curriculum",
                            triples=[Triple(scope, str(KGS.summary), s)], source=scope)
        paragraphs = [p for p in paragraphs if not (p.kind == "summary" and p.source == scope)]
    else:
        c = v.concept(focus[0]) if focus else None
        if c is not None:
            users = sorted(v.required_by.get(c.iri, ()), key=lambda u: v.label(u))
            first = first_sentence(b.templates.generate(c.iri, "definition").text)
            if first.startswith(("A ", "An ", "The ")):
                first = first[0].lower() + first[1:]
            text = f"In short, {first}"
            if users:
                text += f" Next, it leads on to {listing([v.concept(u) for u in users])}."
            summary = Paragraph(text, kind="summary", generator=b.templates.name, checkpoint=b.templates.checkpoint,
                                triples=v.concept_triples(c.iri), concepts=[c.iri] + users)
        else:
            summary = None
    # check questions
    questions = []
    if cfg.n_questions > 0 and (focus or kind == "section"):
        try:
            questions = build_quiz(b, scope, QuizConfig(n=cfg.n_questions)).items
        except EmptyScope:   # an introduction that teaches nothing and asks nothing
            questions = []
    lesson = Lesson(iri=item_iri("lesson", scope), title=title, scope=scope, scope_kind=kind, focus=focus,
                    objectives=objectives, prerequisites=recap, paragraphs=paragraphs, worked_example=example,
                    summary=summary, check_questions=questions,
                    meta=_meta(b, [p for p in paragraphs if p.kind in ("prerequisite", "explanation")]))
    lesson.meta.build_s = round(time.perf_counter() - t0, 4)
    return lesson


def _meta(b: Builder, generated: list[Paragraph]) -> ItemMeta:
    """Provenance of the lesson as a whole: the generator(s) that actually wrote its
    generated paragraphs ("student", "template", or "student+template" after fallbacks)."""
    kinds = sorted({p.generator for p in generated}) or [b.templates.name]
    checkpoints = sorted({p.checkpoint for p in generated if p.checkpoint}) or [b.templates.checkpoint]
    return ItemMeta(generator="+".join(kinds), checkpoint="+".join(checkpoints), template="lesson.html.j2")


def _mentions(label: str, text: str) -> bool:
    return bool(re.search(r"(?i)\b" + re.escape(label) + r"\b", text))
