"""A generated curriculum graph of any size, following ``docs/data-model.md``.

Benchmarks (``benchmarks/kg_store.py``) and scale tests need a curriculum graph of a
million triples or more; no real curriculum is that big, so this module writes one. The
shape mimics an OpenStax book: one curriculum, chapters of sections, each section
defining a handful of concepts, with learning objectives and multiple-choice items (with
their choices), one extra resource per chapter, prerequisites between concepts (always
to earlier concepts, mostly nearby ones, so ``kgs:requires`` is acyclic), related
concepts, cross-links between sections and mentions of earlier concepts.

Everything is drawn from ``random.Random(seed)``: the same arguments give the same bytes.
IRIs come from :func:`kg.iris.mint`, so the output is what an importer of source
``source`` would produce; load it into ``kg.iris.source_graph(source)``.

About 28 triples per concept with the defaults (:func:`n_concepts_for` sizes a graph for a
triple budget):

>>> nt = synthetic_curriculum(16, seed=1)
>>> nt.count(" .\\n") == len(nt.splitlines())
True
>>> "<https://w3id.org/kgstudio/ns#requires>" in nt
True

Limitations: labels and texts are made of a small vocabulary (they look alike; fine for
store and query benchmarks, useless for judging text models); no curricular-analytics
courses or CASE competencies.
"""
from __future__ import annotations

import random

from kg.iris import mint
from kg.store.terms import literal_text
from ontology.namespaces import BLOOM, KGS, RDF, RDFS, SDO, SKOS, XSD

__all__ = ["synthetic_curriculum", "n_concepts_for"]

_WORDS = (
    "entropy variance memory signal learning graph matrix vector theorem sample bias "
    "function limit integral proof model network gradient cell energy force motion wave "
    "field charge reaction bond acid enzyme gene protein market price demand supply "
    "language grammar syntax meaning perception emotion attention motivation habit "
    "norm culture identity power state theory method measure error estimate test"
).split()
_ADJ = (
    "basic applied conditional discrete continuous linear nonlinear random stable "
    "dynamic social cognitive formal empirical relative absolute partial total mean "
    "marginal joint inverse implicit explicit"
).split()
_BLOOM = ("remember", "understand", "apply", "analyze", "evaluate", "create")


def synthetic_curriculum(n_concepts: int, *, seed: int = 0, source: str = "synthetic",
                         concepts_per_section: int = 8, sections_per_chapter: int = 10,
                         objectives_per_section: int = 3, items_per_section: int = 2,
                         choices: bool = True, definition_rate: float = 0.9) -> str:
    """N-Triples of a generated curriculum with ``n_concepts`` concepts.

    Args:
        n_concepts: number of concepts (>= 1); everything else scales with it.
        seed: random seed; equal arguments give equal output.
        source: source slug for :func:`kg.iris.mint`.
        concepts_per_section: concepts defined (and taught) per section.
        sections_per_chapter: sections per chapter.
        objectives_per_section: learning objectives per section.
        items_per_section: multiple-choice items per section.
        choices: write four ``kgs:Choice`` nodes per item (about a third of all triples).
        definition_rate: share of concepts that get a definition.
    """
    if n_concepts < 1:
        raise ValueError("n_concepts must be at least 1")
    rnd = random.Random(seed)
    out: list[str] = []
    w = out.append

    def iri(kind: str, local: str) -> str:
        return "<" + str(mint(source, kind, local)) + ">"

    a, label, pref = f"<{RDF.type}>", f"<{RDFS.label}>", f"<{SKOS.prefLabel}>"
    K = {t: f"<{KGS[t]}>" for t in (
        "Curriculum", "Chapter", "Section", "Concept", "LearningObjective", "AssessmentItem",
        "Choice", "Resource", "partOf", "position", "summary", "text", "teaches", "mentions",
        "hasObjective", "linksTo", "definition", "definedIn", "firstUsedIn", "requires",
        "relatedTo", "inCurriculum", "bloomLevel", "stem", "itemType", "hasChoice",
        "choiceText", "isCorrect", "correctAnswer", "solution", "assesses", "educationalLevel")}
    skos_concept, skos_def, in_scheme = f"<{SKOS.Concept}>", f"<{SKOS.definition}>", f"<{SKOS.inScheme}>"
    sdo_course, sdo_lr, sdo_q = f"<{SDO.Course}>", f"<{SDO.LearningResource}>", f"<{SDO.Question}>"
    xint, xbool = f"<{XSD.integer}>", f"<{XSD.boolean}>"

    def lit(text: str) -> str:
        return literal_text(text, lang="en")

    def num(n: int) -> str:
        return f'"{n}"^^{xint}'

    cur = iri("curriculum", "main")
    w(f"{cur} {a} {K['Curriculum']} .\n{cur} {a} {sdo_course} .\n")
    w(f"{cur} {label} {lit(f'Synthetic curriculum {source}')} .\n")
    w(f"{cur} {K['educationalLevel']} \"undergraduate\" .\n")

    n_sections = -(-n_concepts // concepts_per_section)
    n_chapters = -(-n_sections // sections_per_chapter)
    concept_labels: list[str] = []
    for i in range(n_concepts):
        concept_labels.append(f"{rnd.choice(_ADJ)} {rnd.choice(_WORDS)} {i + 1}")
    concept_iris = [iri("concept", lab) for lab in concept_labels]
    section_iris = [iri("section", f"s{j + 1}") for j in range(n_sections)]

    for ch in range(n_chapters):
        c = iri("chapter", f"ch{ch + 1}")
        w(f"{c} {a} {K['Chapter']} .\n{c} {a} {sdo_lr} .\n")
        w(f"{c} {label} {lit(f'Chapter {ch + 1}: {rnd.choice(_WORDS)} and {rnd.choice(_WORDS)}')} .\n")
        w(f"{c} {K['partOf']} {cur} .\n{c} {K['position']} {num(ch + 1)} .\n")
        r = iri("resource", f"ch{ch + 1}-lab")
        w(f"{r} {a} {K['Resource']} .\n{r} {a} {sdo_lr} .\n")
        w(f"{r} {label} {lit(f'Lab {ch + 1}')} .\n{r} {K['partOf']} {c} .\n")
        w(f"{r} {K['position']} {num(sections_per_chapter + 1)} .\n")
        w(f"{r} {K['text']} {lit('A hands-on lab on ' + rnd.choice(_WORDS) + '.')} .\n")

    for j, s in enumerate(section_iris):
        chapter = iri("chapter", f"ch{j // sections_per_chapter + 1}")
        lo, hi = j * concepts_per_section, min(n_concepts, (j + 1) * concepts_per_section)
        own = list(range(lo, hi))
        w(f"{s} {a} {K['Section']} .\n{s} {a} {sdo_lr} .\n")
        w(f"{s} {label} {lit(f'Section {j + 1}: {concept_labels[lo]}')} .\n")
        w(f"{s} {K['partOf']} {chapter} .\n{s} {K['position']} {num(j % sections_per_chapter + 1)} .\n")
        w(f"{s} {K['summary']} {lit('This section introduces ' + ', '.join(concept_labels[k] for k in own[:3]) + '.')} .\n")
        for k in own:
            w(f"{s} {K['teaches']} {concept_iris[k]} .\n")
        if lo > 0:
            for k in sorted(set(rnd.randrange(lo) for _ in range(4))):
                w(f"{s} {K['mentions']} {concept_iris[k]} .\n")
        if j > 0:
            w(f"{s} {K['linksTo']} {section_iris[rnd.randrange(j)]} .\n")
        for o in range(objectives_per_section):
            ob = iri("objective", f"s{j + 1}-o{o + 1}")
            target = own[o % len(own)]
            w(f"{s} {K['hasObjective']} {ob} .\n{ob} {a} {K['LearningObjective']} .\n")
            w(f"{ob} {label} {lit('Explain ' + concept_labels[target] + '.')} .\n")
            w(f"{ob} {K['bloomLevel']} <{BLOOM[rnd.choice(_BLOOM)]}> .\n")
            w(f"{ob} {K['partOf']} {s} .\n{ob} {K['position']} {num(o + 1)} .\n")
            w(f"{ob} {K['teaches']} {concept_iris[target]} .\n")
        for q in range(items_per_section):
            it = iri("item", f"s{j + 1}-q{q + 1}")
            target = own[rnd.randrange(len(own))]
            stem = f"Which statement about {concept_labels[target]} is true?"
            w(f"{it} {a} {K['AssessmentItem']} .\n{it} {a} {sdo_q} .\n")
            w(f"{it} {label} {lit(stem)} .\n{it} {K['stem']} {lit(stem)} .\n")
            w(f"{it} {K['itemType']} \"multiple-choice\" .\n")
            w(f"{it} {K['correctAnswer']} {lit('It depends on ' + rnd.choice(_WORDS) + '.')} .\n")
            w(f"{it} {K['partOf']} {s} .\n{it} {K['position']} {num(q + 1)} .\n")
            w(f"{it} {K['assesses']} {concept_iris[target]} .\n")
            w(f"{it} {K['assesses']} {iri('objective', f's{j + 1}-o{q % objectives_per_section + 1}')} .\n"
              if objectives_per_section else "")
            w(f"{it} {K['bloomLevel']} <{BLOOM[rnd.choice(_BLOOM)]}> .\n")
            if choices:
                correct = rnd.randrange(4)
                for x, letter in enumerate("abcd"):
                    ci = iri("choice", f"s{j + 1}-q{q + 1}-{letter}")
                    w(f"{it} {K['hasChoice']} {ci} .\n{ci} {a} {K['Choice']} .\n")
                    w(f"{ci} {label} {lit(letter.upper())} .\n")
                    w(f"{ci} {K['choiceText']} {lit(f'{rnd.choice(_ADJ)} {rnd.choice(_WORDS)}')} .\n")
                    w(f"{ci} {K['position']} {num(x + 1)} .\n")
                    w(f'{ci} {K["isCorrect"]} "{"true" if x == correct else "false"}"^^{xbool} .\n')

    for i, c in enumerate(concept_iris):
        s = section_iris[i // concepts_per_section]
        lab = lit(concept_labels[i])
        w(f"{c} {a} {K['Concept']} .\n{c} {a} {skos_concept} .\n")
        w(f"{c} {pref} {lab} .\n{c} {label} {lab} .\n")
        if rnd.random() < definition_rate:
            d = lit(f"The {concept_labels[i]} is the {rnd.choice(_ADJ)} {rnd.choice(_WORDS)} "
                    f"of a {rnd.choice(_WORDS)}.")
            w(f"{c} {K['definition']} {d} .\n{c} {skos_def} {d} .\n")
        w(f"{c} {K['definedIn']} {s} .\n{c} {K['firstUsedIn']} {s} .\n")
        w(f"{c} {K['inCurriculum']} {cur} .\n{c} {in_scheme} {cur} .\n")
        if i > 0:
            n_req = min(i, rnd.choice((0, 1, 1, 2, 2, 3)))
            reqs = set()
            for _ in range(n_req):
                # mostly recent concepts, sometimes anything earlier
                back = 1 + min(i - 1, int(rnd.expovariate(1 / 12))) if rnd.random() < 0.8 else None
                reqs.add(i - back if back is not None else rnd.randrange(i))
            for k in sorted(reqs):
                w(f"{c} {K['requires']} {concept_iris[k]} .\n")
            if rnd.random() < 0.4:
                w(f"{c} {K['relatedTo']} {concept_iris[rnd.randrange(i)]} .\n")
    return "".join(out)


def n_concepts_for(n_triples: int, **kwargs) -> int:
    """Number of concepts for which :func:`synthetic_curriculum` writes about ``n_triples``.

    >>> 30_000 < n_concepts_for(1_000_000) < 45_000
    True
    """
    sample = 800
    per = synthetic_curriculum(sample, **kwargs).count("\n") / sample
    return max(1, round(n_triples / per))
