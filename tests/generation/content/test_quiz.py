"""Quizzes: answer keys agree with the graph, no distractor is also correct, ambiguous
items are not emitted, every item type is made, curriculum questions keep their keys."""
from __future__ import annotations

import re

import pytest

from generation.content.graph import GraphView
from generation.content.model import BLOOM_LEVELS, CLOZE_BLANK, ITEM_TYPES
from generation.content.quiz import (CONCEPT_MAP_TYPES, GENERATED_TYPES, LEARNER_TYPES, EmptyScope, QuizConfig,
                                     build_quiz, item_kind)

from .conftest import C, DEMO


def _norm(t):
    return " ".join(re.findall(r"\w+", t.casefold()))


@pytest.fixture(scope="module")
def all_section_quizzes(demo_store):
    """A 10-item quiz for every section of the demo (and the items by type)."""
    from generation.content.builder import Builder
    b = Builder(demo_store, similarity_kind="lexical")
    v = b.view
    sections = [s.iri for ch in v.parts(DEMO + "curriculum/foundations-of-programming") for s in v.parts(ch.iri)]
    return b, [build_quiz(b, s, n=10) for s in sections]


@pytest.fixture(scope="module")
def concept_map_quizzes(demo_store):
    """The designer's concept-map activity: prerequisite-order items included."""
    from generation.content.builder import Builder
    b = Builder(demo_store, similarity_kind="lexical")
    v = b.view
    sections = [s.iri for ch in v.parts(DEMO + "curriculum/foundations-of-programming") for s in v.parts(ch.iri)]
    cfg = QuizConfig(n=10, concept_map=True, types=CONCEPT_MAP_TYPES + ("truefalse",), include_curriculum=False)
    return b, [build_quiz(b, s, cfg) for s in sections]


_ORDER_TALK = re.compile(r"(?i)must be learned before|order they should be learned|learned first")


def test_default_learner_quiz_has_no_prerequisite_order_item(all_section_quizzes):
    b, quizzes = all_section_quizzes
    items = [it for q in quizzes for it in q.items]
    assert items
    for it in items:
        assert it.type not in CONCEPT_MAP_TYPES, it.stem
        assert not _ORDER_TALK.search(it.stem), it.stem
    assert not any(_ORDER_TALK.search(it.stem) for it in build_quiz(b, DEMO + "section/s4-1", n=10).items)


def test_concept_map_items_only_when_asked(builder):
    on = build_quiz(builder, DEMO + "section/s4-1", QuizConfig(n=20, concept_map=True, include_curriculum=False))
    assert any(_ORDER_TALK.search(it.stem) for it in on.items)
    assert {"multiresponse", "ordering"} & {it.type for it in on.items}


def _generated(quizzes):
    return [it for q in quizzes for it in q.items if it.source == "generated"]


def test_every_item_type_is_made_with_bloom_and_difficulty(all_section_quizzes, concept_map_quizzes):
    b, quizzes = all_section_quizzes
    items = [it for q in quizzes for it in q.items]
    types = {it.type for it in items}
    # the demo types no example, and a programming course has no math to compute
    assert set(LEARNER_TYPES) - {"example", "math"} <= {item_kind(it) for it in items}
    assert set(CONCEPT_MAP_TYPES) <= {it.type for q in concept_map_quizzes[1] for it in q.items}
    assert "essay" in types                       # the curriculum's free-response questions
    for it in items:
        assert it.type in ITEM_TYPES
        assert it.bloom in BLOOM_LEVELS
        assert 0.0 <= it.difficulty <= 1.0
        assert it.stem.strip() and it.answer.strip() or it.type == "essay"
    assert all(len(q.items) == 10 for q in quizzes[:5])


def test_multichoice_keys_and_distractors_checked_against_the_graph(all_section_quizzes):
    b, quizzes = all_section_quizzes
    v = b.view
    mcs = [it for it in _generated(quizzes) if item_kind(it) == "multichoice"]
    assert len(mcs) >= 5
    for it in mcs:
        right = it.correct_choices()
        assert len(right) == 1 and right[0].concept == it.concept
        answer = v.concept(it.concept)
        assert right[0].text == answer.label == it.answer
        # the stem is the answer's definition (first sentence), term masked
        assert _norm(answer.definition.split(". ")[0].replace(answer.label, ""))[:30] in _norm(it.stem) or \
            "…" in it.stem
        for c in it.choices:
            if c.correct:
                continue
            d = v.concept(c.concept)
            assert _norm(d.label) != _norm(answer.label)
            assert _norm(d.definition) != _norm(answer.definition)
            assert c.feedback and "Not quite" in c.feedback
        assert len({c.text for c in it.choices}) == len(it.choices) == 4


def test_prerequisite_items_agree_with_the_transitive_closure(concept_map_quizzes):
    b, quizzes = concept_map_quizzes
    v = b.view
    items = _generated(quizzes)
    mr = [it for it in items if it.type == "multiresponse"]
    assert mr
    for it in mr:
        anc = v.ancestors(it.concept)
        assert any(c.correct for c in it.choices) and any(not c.correct for c in it.choices)
        for c in it.choices:
            assert (c.concept in anc) == c.correct, (it.stem, c.text)
    tf = [it for it in items if it.type == "truefalse" and "must be learned before" in it.stem]
    assert {it.answer for it in tf} == {"true", "false"}
    for it in tf:
        a, p = it.concepts[0], it.concepts[1]
        assert it.answer == ("true" if p in v.ancestors(a) else "false")
        if it.answer == "false":
            assert a in v.ancestors(p)   # false for certain: p builds on a


def test_ordering_respects_prerequisites_and_has_one_answer(concept_map_quizzes):
    b, quizzes = concept_map_quizzes
    v = b.view
    orders = [it for it in _generated(quizzes) if it.type == "ordering"]
    assert orders
    for it in orders:
        chain = it.concepts                       # first to last
        assert [v.label(c) for c in chain] == it.order
        for earlier, later in zip(chain, chain[1:]):
            assert earlier in v.requires[later]   # consecutive: a direct prerequisite, so unique
        for i, x in enumerate(chain):
            assert not (v.ancestors(x) & set(chain[i + 1:]))


def test_matching_cloze_shortanswer_keys(all_section_quizzes):
    b, quizzes = all_section_quizzes
    v = b.view
    items = _generated(quizzes)
    by_label = {c.label: c for c in v.concepts.values()}
    for it in (x for x in items if x.type == "matching"):
        assert len(it.pairs) >= 3
        assert len({d for _, d in it.pairs}) == len(it.pairs)
        for term, definition in it.pairs:
            assert _norm(definition.replace("…", ""))[:20] in _norm(by_label[term].definition)
            assert not re.search(r"(?i)\b" + re.escape(term) + r"\b", definition)
    for it in (x for x in items if x.type == "cloze"):
        assert it.stem.count(CLOZE_BLANK) == 1
        assert _norm(it.answer) == _norm(v.label(it.concept))
    for it in (x for x in items if x.type == "shortanswer"):
        assert v.label(it.concept) in it.answers
        assert not re.search(r"(?i)\b" + re.escape(v.label(it.concept)) + r"\b", it.stem)


def test_curriculum_questions_keep_their_keys(builder):
    quiz = build_quiz(builder, DEMO + "section/s1-2", n=10)
    cur = {it.source_item.rsplit("/", 1)[-1]: it for it in quiz.items if it.source == "curriculum"}
    assert {"q1-2-1", "q1-2-2", "q1-2-3"} <= set(cur)
    assert cur["q1-2-1"].type == "multichoice"
    assert cur["q1-2-1"].answer == "It is ignored by the interpreter."
    assert [c.correct for c in cur["q1-2-1"].choices].count(True) == 1
    assert cur["q1-2-2"].type == "truefalse" and cur["q1-2-2"].answer == "false"
    assert cur["q1-2-3"].type == "shortanswer" and "interpreter" in cur["q1-2-3"].answer
    assert cur["q1-2-2"].objective.endswith("o1-2-syntax")
    assert len(cur) <= 5                         # at most half the quiz


def test_ambiguous_items_are_not_emitted_and_counted(tiny_store):
    from generation.content.builder import Builder
    same = "A thing that holds a value for later use."
    store = tiny_store({
        "a": {"label": "Box", "definition": same},
        "b": {"label": "Container", "definition": same},
        "c": {"label": "Crate", "definition": "A wooden case for shipping goods."},
        "d": {"label": "Pallet", "definition": "A flat platform that goods are stacked on.", "requires": ["c"]},
        "e": {"label": "Forklift", "definition": "A truck that lifts pallets.", "requires": ["d"]},
    })
    b = Builder(store, similarity_kind="lexical")
    quiz = build_quiz(b, "urn:t:s1", QuizConfig(n=30))
    term_items = [it for it in quiz.items if it.type in ("multichoice", "shortanswer", "cloze")]
    assert term_items
    assert not [it for it in term_items if it.concept in ("urn:t:a", "urn:t:b")]
    assert quiz.rejected_ambiguous >= 2
    assert any("same definition" in r for r in quiz.rejected_reasons)
    for it in quiz.items:   # no choice anywhere offers Box and Container against each other
        if it.type == "multichoice":
            texts = {c.text for c in it.choices}
            assert not {"Box", "Container"} <= texts


def test_distractor_that_would_also_be_correct_is_dropped(tiny_store):
    """An alternative label of the answer is never offered as a wrong option."""
    from generation.content.builder import Builder
    store = tiny_store({
        "a": {"label": "Loop", "definition": "A structure that repeats code."},
        "b": {"label": "loop", "definition": "Something that repeats code over and over."},
        "c": {"label": "Variable", "definition": "A name for a value."},
        "d": {"label": "Function", "definition": "A named block of code."},
        "e": {"label": "List", "definition": "An ordered collection of values."},
    })
    b = Builder(store, similarity_kind="lexical")
    quiz = build_quiz(b, "urn:t:a", QuizConfig(n=10, types=("multichoice",)))
    assert not [it for it in quiz.items if it.type == "multichoice"]   # two concepts share the label
    assert quiz.rejected_ambiguous == 1


def test_scope_errors(builder):
    with pytest.raises(EmptyScope):
        build_quiz(builder, DEMO + "curriculum/foundations-of-programming")
    from kg.neighbourhood import NodeNotFound
    with pytest.raises(NodeNotFound):
        build_quiz(builder, DEMO + "concept/no-such-thing")


def test_teacher_or_minilm_similarity_ranks_close_distractors(demo_store):
    """With MiniLM (no teacher trained) a for loop question offers other loops."""
    from generation.content.builder import Builder
    b = Builder(demo_store, similarity_kind="teacher")
    quiz = build_quiz(b, C("for-loop"), QuizConfig(n=1, types=("multichoice",), include_curriculum=False))
    assert b.similarity.name.startswith(("minilm", "lexical"))
    (it,) = quiz.items
    wrong = {c.text for c in it.choices if not c.correct}
    if b.similarity.name.startswith("minilm"):
        assert wrong & {"While loop", "Infinite loop", "Loop", "Break statement", "Iteration"}
    assert quiz.meta.comment.startswith("distractors: ")


def test_view_is_not_changed_by_content(demo_store):
    v = GraphView(demo_store)
    assert len(v.concepts) == 68 and sum(len(x) for x in v.requires.values()) == 109


def test_teacher_similarity_uses_the_teachers_embeddings_and_falls_back():
    """A (small, untrained) real teacher ranks what it knows; unknown IRIs go to the fallback."""
    import torch
    from torch_geometric.data import HeteroData

    from generation.content.similarity import TeacherSimilarity
    from gnn.config import TeacherConfig
    from gnn.data import TeacherData
    from gnn.infer import Teacher
    from gnn.model import TeacherModel
    from kg.hetero import NodeIndex

    d = HeteroData()
    d["concept"].x = torch.eye(3)
    d["concept"].num_nodes = 3
    d["concept", "requires", "concept"].edge_index = torch.tensor([[0], [1]])
    d["concept", "rev_requires", "concept"].edge_index = torch.tensor([[1], [0]])
    td = TeacherData(d, NodeIndex({"concept": ["urn:a", "urn:b", "urn:c"]}), "h")
    torch.manual_seed(0)
    m = TeacherModel(TeacherConfig(hidden=8), d.metadata(), {"concept": 3}, [("concept", "requires", "concept")], {})
    teacher = Teacher(m, td)

    class Fixed:
        name = "fixed"

        def scores(self, focus, cands):
            return {c: -0.5 for c in cands}

    sim = TeacherSimilarity(teacher, Fixed())
    got = sim.scores("urn:a", ["urn:b", "urn:c", "urn:zzz"])
    assert got["urn:zzz"] == -0.5
    assert [round(x, 5) for x in (got["urn:b"], got["urn:c"])] == \
        [round(x, 5) for x in teacher.relevance("urn:a", ["urn:b", "urn:c"])]
    assert sim.name.startswith("teacher:")
    assert sim.scores("urn:unknown", ["urn:a"]) == {"urn:a": -0.5}


def test_chapter_quiz_draws_on_all_its_sections(builder):
    quiz = build_quiz(builder, DEMO + "chapter/ch4", n=12)
    v = builder.view
    assert quiz.scope_kind == "chapter" and len(quiz.items) == 12
    sections = {s.iri for s in v.parts(DEMO + "chapter/ch4")}
    cur = [it for it in quiz.items if it.source == "curriculum"]
    assert len(cur) == 6
    assert {it.source_item.rsplit("/", 1)[-1].split("-")[0] for it in cur} == {"q4"}
    taught = set(v.taught_in(DEMO + "chapter/ch4"))
    assert {it.concept for it in quiz.items if it.source == "generated"} <= taught
    assert len({item_kind(it) for it in quiz.items if it.source == "generated"}) >= 4
    assert sections


def test_exact_match_is_never_a_distractor(tiny_store):
    from generation.content.builder import Builder
    store = tiny_store({
        "a": {"label": "Loop", "definition": "A structure that repeats code."},
        "b": {"label": "Iteration", "definition": "Repeating a process, step after step.", "related": []},
        "c": {"label": "Variable", "definition": "A name for a value."},
        "d": {"label": "Function", "definition": "A named block of code."},
        "e": {"label": "List", "definition": "An ordered collection of values."},
    })
    store.update("INSERT DATA { GRAPH <urn:t:graph> { <urn:t:a> <https://w3id.org/kgstudio/ns#exactMatch> <urn:t:b> } }")
    b = Builder(store, similarity_kind="lexical")
    (it,) = build_quiz(b, "urn:t:a", QuizConfig(n=1, types=("multichoice",))).items
    assert "Iteration" not in {c.text for c in it.choices}
    assert {c.text for c in it.choices} == {"Loop", "Variable", "Function", "List"}


def test_quiz_config_refuses_wrong_values_with_the_field_named():
    from generation.content.quiz import QuizConfig, QuizConfigError
    with pytest.raises(QuizConfigError, match=r"quiz config: n = '10' \(str\) is not allowed"):
        QuizConfig(n="10")
    with pytest.raises(QuizConfigError, match="concept_map = 'false'"):
        QuizConfig(concept_map="false")
    with pytest.raises(QuizConfigError, match="unknown item type.*'essai'"):
        QuizConfig(types=["multichoice", "essai"])
    with pytest.raises(QuizConfigError, match="n_choices"):
        QuizConfig(n_choices=1)
    assert QuizConfig(types=["cloze"]).types == ("cloze",)       # a list from JSON is taken
    assert QuizConfig(max_curriculum_share=1).max_curriculum_share == 1.0


def test_a_section_quiz_has_a_prior_knowledge_check_then_the_exit_quiz(builder):
    """``build_section_quiz``: first one recall item on each of a few prerequisites taught
    elsewhere (never a concept the section teaches), then the exit quiz on the section; the
    parts are marked and headed in the instructor's view; a concept without prerequisites
    gets the plain quiz."""
    from generation.content.graph import resolve_scope
    from generation.content.quiz import _scope, build_section_quiz
    from generation.content.render import render
    v = builder.view
    sec = resolve_scope(v, "While Loops", kinds=("section",))
    own = set(_scope(builder, sec)[1])
    quiz = build_section_quiz(builder, sec, QuizConfig(n=8))
    parts = [it.part for it in quiz.items]
    k = parts.count("prior")
    assert 1 <= k <= 2 and parts == ["prior"] * k + ["exit"] * (len(parts) - k), parts
    needed = {p for c in own for p in v.requires.get(c, ())} - own
    assert all(it.concept in needed and it.source == "generated" for it in quiz.items[:k])
    assert len(quiz.items) <= 8
    md_out = render(quiz, "markdown")
    assert md_out.index("## Before you start") < md_out.index("## Exit quiz")
    root = next(c for c in v.concepts if not v.requires.get(c) and v.concepts[c].definition)
    plain = build_section_quiz(builder, root, QuizConfig(n=3, include_curriculum=False))
    assert plain.items and all(it.part == "" for it in plain.items)
