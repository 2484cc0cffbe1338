"""Curriculum analytics: Curricular Analytics metrics (against the reference's values) and
concept-level gap reports (on a hand-made graph with known answers)."""
from __future__ import annotations

import hashlib
import itertools
import json
import random
from pathlib import Path

import pytest
from rdflib import Graph, Literal

from kg.analytics import (METRICS, curriculum_metrics, format_gap_report, format_metrics_table,
                          gap_report, requisite_metrics)
from kg.importing import import_sources
from kg.iris import mint, source_graph
from kg.store.base import triples_to_ntriples
from ontology.namespaces import KGS, RDF, RDFS, SKOS, SUGGESTIONS_GRAPH, INFERRED_GRAPH

TINY = Path(__file__).parent / "fixtures" / "ca" / "tiny-plan.csv"


# ---- the metrics on plain graphs --------------------------------------------------------------

def reference_metrics(nodes, edges, quarter=False):
    """The reference's own algorithm, written out: enumerate every source-to-sink path."""
    succ = {n: sorted({b for a, b in edges if a == n}) for n in nodes}
    indeg = {n: sum(1 for a, b in set(edges) if b == n) for n in nodes}
    paths = []

    def walk(path):
        if not succ[path[-1]]:
            if len(path) > 1:
                paths.append(path)
            return
        for s in succ[path[-1]]:
            walk(path + [s])
    for n in nodes:
        if indeg[n] == 0:
            walk([n])

    def reach(n, seen):
        for s in succ[n]:
            if s not in seen:
                seen.add(s)
                reach(s, seen)
        return seen
    blocking = {n: len(reach(n, set())) for n in nodes}
    delay = {n: max([len(p) for p in paths if n in p] + [1]) for n in nodes}
    cent = {n: sum(len(p) for p in paths if n in p[1:-1]) for n in nodes}
    cx = {n: blocking[n] + delay[n] for n in nodes}
    if quarter:
        cx = {n: round(v * 2 / 3, 1) for n, v in cx.items()}
    longest = max((len(p) for p in paths), default=0)
    return {"blocking_factor": blocking, "delay_factor": delay, "centrality": cent, "complexity": cx,
            "longest_path_length": longest, "num_longest_paths": sum(len(p) == longest for p in paths)}


def test_small_graph_by_hand():
    # a, b -> c -> d; e alone
    m = requisite_metrics(list("abcde"), [("a", "c"), ("b", "c"), ("c", "d")])
    assert m["blocking_factor"] == {"a": 2, "b": 2, "c": 1, "d": 0, "e": 0}
    assert m["delay_factor"] == {"a": 3, "b": 3, "c": 3, "d": 3, "e": 1}
    assert m["centrality"] == {"a": 0, "b": 0, "c": 6, "d": 0, "e": 0}
    assert m["complexity"] == {"a": 5, "b": 5, "c": 4, "d": 3, "e": 1}
    assert (m["longest_path_length"], m["num_longest_paths"]) == (3, 2)


def test_quarter_system_scales_complexity_like_the_reference():
    m = requisite_metrics(list("abcde"), [("a", "c"), ("b", "c"), ("c", "d")], quarter=True)
    assert m["complexity"] == {"a": 3.3, "b": 3.3, "c": 2.7, "d": 2.0, "e": 0.7}


def test_no_requisites_means_no_path():
    m = requisite_metrics(["x", "y"], [])
    assert m["delay_factor"] == {"x": 1, "y": 1}
    assert (m["longest_path_length"], m["num_longest_paths"]) == (0, 0)


def test_cycle_is_named():
    from kg.errors import PrerequisiteCycle
    with pytest.raises(PrerequisiteCycle, match="requisite cycle") as info:
        requisite_metrics(list("abc"), [("a", "b"), ("b", "c"), ("c", "b")])
    assert info.value.cycle == ["b", "c", "b"]


def test_equals_path_enumeration_on_random_dags():
    rng = random.Random(7)
    for _ in range(60):
        n = rng.randint(1, 9)
        nodes = list(range(n))
        rng.shuffle(nodes)
        edges = [(a, b) for a, b in itertools.combinations(range(n), 2) if rng.random() < 0.35]
        quarter = rng.random() < 0.3
        assert requisite_metrics(nodes, edges, quarter=quarter) == reference_metrics(nodes, edges, quarter)


# ---- over the store ---------------------------------------------------------------------------

def test_expected_metrics_of_every_reference_file(shared_data, mem_store):
    folder = shared_data / "curricula" / "curricular-analytics"
    expected = json.loads((folder / "expected-metrics.json").read_text())["files"]
    for name, exp in expected.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == exp["sha256"], name
    import_sources(mem_store, [folder / name for name in expected], validate=False)
    result = curriculum_metrics(mem_store)
    json.dumps(result)  # JSON-serialisable
    by_name = {c["name"]: c for c in result["curricula"]}
    assert len(by_name) == len(expected)
    for name, exp in expected.items():
        got = by_name[exp["curriculum"]]
        assert got["institution"] == exp["institution"]
        assert got["degree_plan"] == exp.get("degree_plan")
        assert got["num_courses"] == exp["num_courses"]
        assert got["credit_hours"] == exp["credit_hours"]
        assert got["totals"] == exp["total"], name
        assert got["max"] == exp["max"], name
        assert got["longest_path_length"] == exp["longest_path_length"], name
        assert got["num_longest_paths"] == exp["num_longest_paths"], name
        per_course = {c["id"]: c for c in got["per_course"]}
        assert set(per_course) == set(exp["per_course"])
        for cid, values in exp["per_course"].items():
            assert per_course[cid]["label"] == values["name"].strip()
            for metric in METRICS:
                assert per_course[cid][metric] == values[metric], (name, cid, metric)
    # README figures: max courses by name
    assert by_name["Underwater Basket Weaving"]["max_courses"]["complexity"] == [
        "BW 110 - Introduction to Baskets"]
    cheme = by_name["Chemical Engineering - (Bachelor of Science in Chemical Engineering)"]
    assert cheme["max_courses"]["centrality"] == ["MATH 122B - First-Semester Calculus"]
    assert len(cheme["max_courses"]["delay_factor"]) == 14
    assert cheme["num_terms"] == 8


def tiny_metrics(store):
    import_sources(store, [TINY], validate=False)
    (cur,) = curriculum_metrics(store)["curricula"]
    return cur


def test_tiny_plan_by_hand(mem_store):
    # edges: 10 -co-> 20, 30 -strict-> 20, 20 -> 40, 10 -> 40, 40 -> 60; 50 alone
    cur = tiny_metrics(mem_store)
    assert cur["name"] == "Tiny Programme" and cur["degree_plan"] == "2024-25 Plan"
    assert (cur["num_courses"], cur["credit_hours"], cur["num_terms"]) == (6, 17.5, 3)
    got = {c["id"]: tuple(c[m] for m in METRICS) for c in cur["per_course"]}
    assert got == {"10": (3, 4, 0, 7), "20": (2, 4, 8, 6), "30": (3, 4, 0, 7),
                   "40": (1, 4, 11, 5), "50": (0, 1, 0, 1), "60": (0, 4, 0, 4)}
    assert cur["totals"] == {"blocking_factor": 9, "delay_factor": 21, "centrality": 19, "complexity": 30}
    assert cur["max"] == {"blocking_factor": 3, "delay_factor": 4, "centrality": 11, "complexity": 7}
    assert cur["max_courses"]["centrality"] == ["CS 210 - Data Structures, Algorithms"]
    assert (cur["longest_path_length"], cur["num_longest_paths"]) == (4, 2)
    assert [c["id"] for c in cur["per_course"]] == ["10", "20", "30", "40", "50", "60"]
    assert [c["term"] for c in cur["per_course"]] == [1, 1, 1, 2, 2, 3]


def test_suggested_and_inferred_requisites_do_not_count(mem_store):
    c = {n: mint("tiny-plan", "course", n) for n in ("10", "50", "60")}
    mem_store.add_to_graph(str(SUGGESTIONS_GRAPH), f"<{c['50']}> <{KGS.requires}> <{c['10']}> .\n")
    mem_store.add_to_graph(str(INFERRED_GRAPH), f"<{c['60']}> <{KGS.requires}> <{c['10']}> .\n")
    cur = tiny_metrics(mem_store)
    assert cur["totals"]["centrality"] == 19 and cur["totals"]["blocking_factor"] == 9


def test_cycle_in_store_reported_not_raised(mem_store):
    cur = mint("loop", "curriculum", "loop")
    a, b = mint("loop", "course", "a"), mint("loop", "course", "b")
    g = Graph()
    g.add((cur, RDF.type, KGS.Curriculum))
    g.add((cur, RDFS.label, Literal("Loop")))
    for x, label in ((a, "A"), (b, "B")):
        g.add((x, RDF.type, KGS.Course))
        g.add((x, RDFS.label, Literal(label)))
        g.add((x, KGS.partOf, cur))
    g.add((a, KGS.coRequires, b))
    g.add((b, KGS.requires, a))
    mem_store.replace_graph(str(source_graph("loop")), triples_to_ntriples(g))
    import_sources(mem_store, [TINY], validate=False)
    result = curriculum_metrics(mem_store)
    loop = next(c for c in result["curricula"] if c["name"] == "Loop")
    assert loop["error"] in ("requisite cycle: A -> B -> A", "requisite cycle: B -> A -> B")
    assert "totals" not in loop
    assert any(c["name"] == "Tiny Programme" and c["totals"]["complexity"] == 30
               for c in result["curricula"])
    assert "no metrics: requisite cycle" in format_metrics_table(result)


def test_format_metrics_table(mem_store):
    text = format_metrics_table({"curricula": [tiny_metrics(mem_store)]})
    lines = text.splitlines()
    assert lines[0] == "Tiny Programme (2024-25 Plan)"
    assert "Example College, 6 courses, 17.5 credit hours, 3 terms, semester" in lines[1]
    row = next(ln for ln in lines if ln.strip().startswith("centrality"))
    assert row.split()[1:3] == ["19", "11"]
    assert "longest path: 4 courses (2 paths)" in text
    course_row = next(ln for ln in lines if ln.strip().startswith("40 "))
    assert course_row.split()[-4:] == ["1", "4", "11", "5"]
    assert format_metrics_table({"curricula": []}) == "no curriculum with courses in the store"


def test_empty_store(mem_store):
    assert curriculum_metrics(mem_store) == {"curricula": []}
    assert gap_report(mem_store) == {"curricula": []}


# ---- concept-level gaps -------------------------------------------------------------------------

def build_book() -> tuple[Graph, Graph]:
    """Curriculum 'Book': chapter 1 (sections 1.1, 1.2), chapter 2 (section 2.1); concepts,
    objectives and items with known gaps; a second curriculum 'Other' with one concept."""
    g = Graph()
    src = "book"
    cur = mint(src, "curriculum", "book")
    g.add((cur, RDF.type, KGS.Curriculum))
    g.add((cur, RDFS.label, Literal("Book")))

    def node(kind, local, cls, label, part_of=None, pos=None):
        x = mint(src, kind, local)
        g.add((x, RDF.type, cls))
        g.add((x, RDFS.label, Literal(label)))
        if part_of is not None:
            g.add((x, KGS.partOf, part_of))
        if pos is not None:
            g.add((x, KGS.position, Literal(pos)))
        return x

    ch2 = node("chapter", "2", KGS.Chapter, "Chapter 2", cur, 2)  # listed first on purpose
    ch1 = node("chapter", "1", KGS.Chapter, "Chapter 1", cur, 1)
    s11 = node("section", "1.1", KGS.Section, "1.1 Start", ch1, 1)
    s12 = node("section", "1.2", KGS.Section, "1.2 More", ch1, 2)
    s21 = node("section", "2.1", KGS.Section, "2.1 Later", ch2, 1)

    def concept(name, cur_iri=cur, source=src):
        x = mint(source, "concept", name)
        g.add((x, RDF.type, KGS.Concept))
        g.add((x, RDF.type, SKOS.Concept))
        g.add((x, SKOS.prefLabel, Literal(name)))
        g.add((x, RDFS.label, Literal(name)))
        g.add((x, KGS.inCurriculum, cur_iri))
        return x

    alpha, beta, gamma, delta, epsilon, zeta = (concept(n) for n in
                                                ("alpha", "beta", "gamma", "delta", "epsilon", "zeta"))
    g.add((alpha, KGS.definedIn, s11)); g.add((alpha, KGS.firstUsedIn, s11))    # fine
    g.add((beta, KGS.definedIn, s21)); g.add((beta, KGS.firstUsedIn, s12))      # used early
    g.add((gamma, KGS.definedIn, s21)); g.add((gamma, KGS.definedIn, s12))
    g.add((gamma, KGS.firstUsedIn, s12))                                        # fine: earliest def
    g.add((delta, KGS.firstUsedIn, s11))                                        # never defined/taught
    g.add((zeta, KGS.definedIn, s21)); g.add((zeta, KGS.firstUsedIn, s11))      # used early

    o1 = node("objective", "o1", KGS.LearningObjective, "Recall alpha", s11, 1)
    o2 = node("objective", "o2", KGS.LearningObjective, "Use epsilon", s12, 1)
    o3 = node("objective", "o3", KGS.LearningObjective, "Explain alpha", s21, 1)
    o4 = node("objective", "o4", KGS.LearningObjective, "Reflect", s12, 2)
    g.add((o2, KGS.teaches, epsilon))                                            # epsilon taught
    g.add((o3, KGS.teaches, alpha))
    i1 = node("item", "i1", KGS.AssessmentItem, "Q1", s11, 1)
    i2 = node("item", "i2", KGS.AssessmentItem, "Q2", s12, 1)
    g.add((i1, KGS.assesses, o1))                                                # o1 directly
    g.add((i2, KGS.assesses, epsilon))                                           # o2 via epsilon

    other = mint("other", "curriculum", "other")
    g.add((other, RDF.type, KGS.Curriculum))
    g.add((other, RDFS.label, Literal("Other")))
    concept("eta", other, "other")

    # proposals that must not count: a suggested teaches and a suggested assessment
    sugg = Graph()
    sugg.add((s21, KGS.teaches, delta))
    sugg.add((i2, KGS.assesses, o4))
    return g, sugg


@pytest.fixture
def book_store(mem_store):
    g, sugg = build_book()
    mem_store.replace_graphs({str(source_graph("book")): triples_to_ntriples(g),
                              str(SUGGESTIONS_GRAPH): triples_to_ntriples(sugg)})
    return mem_store


def test_gap_report_known_answers(book_store):
    report = gap_report(book_store)
    json.dumps(report)
    book, other = report["curricula"]
    assert book["name"] == "Book" and other["name"] == "Other"
    assert book["counts"] == {"concepts": 6, "objectives": 4, "used_before_defined": 2,
                              "objectives_never_assessed": 2, "concepts_never_taught": 1}
    ubd = [(x["label"], x["first_used_in"]["label"], x["first_used_in"]["order"],
            x["defined_in"]["label"], x["defined_in"]["order"]) for x in book["used_before_defined"]]
    assert ubd == [("zeta", "1.1 Start", [1, 1], "2.1 Later", [2, 1]),
                   ("beta", "1.2 More", [1, 2], "2.1 Later", [2, 1])]
    assert [x["label"] for x in book["objectives_never_assessed"]] == ["Reflect", "Explain alpha"]
    assert book["objectives_never_assessed"][0]["part_of"] == str(mint("book", "section", "1.2"))
    assert [x["label"] for x in book["concepts_never_taught"]] == ["delta"]
    assert other["counts"]["concepts"] == 1
    assert [x["concept"] for x in other["concepts_never_taught"]] == [str(mint("other", "concept", "eta"))]


def test_gap_report_without_positions_does_not_guess(mem_store):
    g, _ = build_book()
    g.remove((mint("book", "section", "2.1"), KGS.position, None))
    mem_store.replace_graph(str(source_graph("book")), triples_to_ntriples(g))
    book = gap_report(mem_store)["curricula"][0]
    assert book["used_before_defined"] == []  # both reports needed section 2.1's place


def test_format_gap_report(book_store):
    text = format_gap_report(gap_report(book_store))
    assert "Book: 6 concepts, 4 objectives" in text
    assert "concepts used before they are defined: 2" in text
    assert "- zeta: first used in 1.1 Start, defined in 2.1 Later" in text
    assert "objectives never assessed: 2" in text and "- Reflect" in text
    assert "concepts never taught: 1" in text and "- delta" in text
    assert "Other: 1 concepts, 0 objectives" in text
