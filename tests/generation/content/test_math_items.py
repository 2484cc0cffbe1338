"""Math items with keys computed by sympy (generation.content.math_items): parsing the text's
linear math, keys, distractors from typical slips, refusals, the bounded worker, the quiz hook."""
from __future__ import annotations

import pytest
import sympy

from generation.content.math_items import (SLIPS, MathRefused, Worker, candidates, check_key, compute, kinds_for,
                                           parse_math, show)

x = sympy.Symbol("x", real=True)

# text shapes as the importer writes them (Calculus Volume 1, Introductory Statistics)
SECTION = """Find the derivative of h(x) = cos (5x²).
Let g(x) = 5x². Then g′(x) = 10x. Using the result from the previous example,
[A graph of g(x) = 3x2 is shown.]
Evaluate lim_(x → 3) (x² − 3x)/(2x² − 5x − 3).
Statistics exam scores for 20 students are as follows:
50, 53, 59, 59, 63, 63, 72, 72, 72, 72, 72, 76, 78, 81, 83, 84, 84, 84, 90, 93
If f(x) = c, then f′(x) = 0."""


def test_candidates_are_the_text_shapes():
    got = [(c.kind, c.text) for c in candidates(SECTION)]
    assert got == [("derivative", "cos (5x²)"), ("derivative", "5x²"),
                   ("limit", "(x² − 3x)/(2x² − 5x − 3)"),
                   ("data", "50, 53, 59, 59, 63, 63, 72, 72, 72, 72, 72, 76, 78, 81, 83, 84, 84, 84, 90, 93"),
                   ("derivative", "c")]                     # the figure's "3x2" is not read
    data = [c for c in candidates(SECTION) if c.kind == "data"][0]
    assert data.context == "Statistics exam scores for 20 students are as follows:"


def test_parse_and_key():
    e = parse_math("3x² − 4x + 1")
    assert e == 3 * x**2 - 4 * x + 1
    r = compute({"kind": "derivative", "text": "3x² − 4x + 1"})
    assert r["ok"] and r["key"] == "6x − 4"
    assert parse_math("x²e^(3x)") == x**2 * sympy.exp(3 * x)
    assert parse_math("sin³x") == sympy.sin(x) ** 3
    assert parse_math("√(x + 2) − 1") == sympy.sqrt(x + 2) - 1


@pytest.mark.parametrize("text", ["__import__('os').system('ls')", "c", "cos(g(x))", "3x2", "log x", "x…",
                                  "f(x) = x", "10^10^10", "x^3x", "√2x", "1,000x", "lambda: x", "",
                                  "(sin (x + 0.01) − sin x)/0.01"])
def test_hostile_or_unclear_text_is_refused(text):
    with pytest.raises(MathRefused):
        parse_math(text)
    assert compute({"kind": "derivative", "text": text})["ok"] is False


def test_chain_rule_distractors_differ_and_name_their_slip():
    r = compute({"kind": "derivative", "text": "cos (5x²)", "topic": "chain rule"})
    assert r["key"] == "−10x sin(5x²)"
    texts = [t for t, _ in r["distractors"]]
    assert dict(r["distractors"])["−sin(5x²)"] == "chain"          # the inner derivative forgotten
    assert len(set(texts)) == len(texts) == 3 and r["key"] not in texts
    key = -10 * x * sympy.sin(5 * x**2)
    for t, slip in r["distractors"]:
        assert sympy.simplify(parse_math(t) - key) != 0          # each computed value differs
        assert slip in SLIPS
    assert "chain rule" in r["work"]


def test_product_and_quotient_slips():
    r = compute({"kind": "derivative", "text": "x³ sin x", "topic": "product rule"})
    assert r["key"] == "x³ cos(x) + 3x² sin(x)" and ["3x² cos(x)", "product"] in r["distractors"]
    r = compute({"kind": "derivative", "text": "(x² + 1)/(x − 3)", "topic": "quotient rule"})
    assert r["key"] == "(x² − 6x − 1)/(x − 3)²" and ["2x", "quotient-derivs"] in r["distractors"]


def test_limit_key_and_slips():
    r = compute({"kind": "limit", "text": "(x² − 3x)/(2x² − 5x − 3)", "point": "3"})
    assert r["key"] == "3/7"
    assert dict((s, t) for t, s in r["distractors"]) == {"zero-over-zero": "0", "point-sign": "3/5",
                                                         "result-sign": "−3/7"}
    # 0/0 is read on the expression as written, although sympy cancels (x − 2) when it parses
    r = compute({"kind": "limit", "text": "((x − 2)(x + 2))/(x − 2)", "point": "2"})
    assert r["key"] == "4" and r["work"].startswith("substitution gives 0/0")
    assert ["0", "zero-over-zero"] in r["distractors"]
    # a linear limit is substitution only; a limit that differs from the two sides is not asked
    assert compute({"kind": "limit", "text": "4x + 2", "point": "−3"})["ok"] is False
    assert compute({"kind": "limit", "text": "1/x", "point": "0"})["ok"] is False


def test_statistics_keys_and_slips():
    data = "9; 3; 7; 1; 5; 2"
    r = compute({"kind": "median", "text": data})
    assert r["key"] == "4"                                         # 1 2 3 5 7 9
    slips = {s: t for t, s in r["distractors"]}
    assert slips["position"] == "3.5" and slips["one-middle"] == "3"
    assert "unsorted" not in slips      # the middle of the list as given, (1 + 5)/2 = 3, is the one-middle value
    r = compute({"kind": "sd", "text": "1; 1; 1; 2; 2; 3; 4; 4; 4; 4; 4"})
    r2 = compute({"kind": "mean", "text": "1; 1; 1; 2; 2; 3; 4; 4; 4; 4; 4"})
    assert r2["key"] == "2.73" and ["3.00", "mean-n-1"] in r2["distractors"]    # one precision for all options
    assert r["key"] == "1.35" and r["rounded"]
    assert {s: t for t, s in r["distractors"]} == {"population": "1.29", "variance": "1.82",
                                                   "population-variance": "1.65"}
    r = compute({"kind": "median", "text": "7; 1; 9; 3; 5"})
    assert r["key"] == "5" and ["9", "unsorted"] in r["distractors"]


def test_check_key_recomputes_from_the_stem():
    assert check_key("Find the derivative of h(x) = 1/(3x² + 1)².", "−12x/(3x² + 1)³") is True
    assert check_key("Find the derivative of h(x) = 1/(3x² + 1)².", "−4x/(3x² + 1)³") is False
    assert check_key("Evaluate lim_(x → −3) (4x + 2).", "−10") is True
    assert check_key("What is a loop?", "x") is None


def test_show_brackets_exponents_and_roots():
    assert show(sympy.exp(3 * x)) == "e^(3x)"
    assert show(sympy.sqrt(x + 1)) == "√(x + 1)"
    assert show(sympy.exp(x) * sympy.sin(x)) == "e^x·sin(x)"       # never "e^xsin(x)"


def test_kinds_for_section_topics():
    assert kinds_for("Limits at Infinity and Asymptotes") == ["limit"]
    assert kinds_for("Measures of the Center of the Data; Mean; Median") == ["mean", "median"]
    assert kinds_for("Psychotherapy; Defense Mechanisms") == []


def test_worker_drops_a_job_that_runs_too_long_and_recovers():
    hostile = {"kind": "derivative", "text": "e^(e^(e^(e^(x⁹ + sin x))))/(x⁹ + cos(x)⁷)"}
    with Worker(timeout=1.0) as w:
        r = w.ask(hostile)
        assert r == {"ok": False, "why": "timed out after 1 s"}
        assert w.proc is None                                     # killed
        w.timeout = 30.0
        assert w.ask({"kind": "derivative", "text": "x³ − x"})["key"] == "3x² − 1"   # a fresh worker


CHAIN = "Find the derivative of h(x) = sin (x³).\nFind the derivative of k(x) = √(3x² + 1)."


def test_the_quiz_hook_makes_math_items_on_a_tiny_curriculum(tiny_store):
    from generation.content.builder import Builder
    from generation.content.quiz import QuizConfig, build_quiz, item_kind
    store = tiny_store({"chain": {"label": "chain rule", "definition": "A rule for differentiating a "
                                  "composition of functions: the outer derivative times the inner one."},
                        "deriv": {"label": "derivative", "definition": "The instantaneous rate of change of "
                                  "a function."}}, section_text=CHAIN)
    q = build_quiz(Builder(store, similarity_kind="lexical"), "urn:t:s1", QuizConfig(n=4, types=("math",)))
    math = [it for it in q.items if item_kind(it) == "math"]
    assert [it.stem for it in math] == ["Find the derivative of h(x) = sin (x³).",
                                        "Find the derivative of k(x) = √(3x² + 1)."]
    it = math[0]
    assert it.answer == "3x² cos(x³)" and it.bloom == "apply" and it.concept == "urn:t:chain"
    assert [c.text for c in it.choices if c.correct] == ["3x² cos(x³)"]
    wrong = {c.text: c.feedback for c in it.choices if not c.correct}
    assert "without the inner derivative" in wrong["cos(x³)"]
    assert it.evidence[0].text == "Find the derivative of h(x) = sin (x³)." and it.evidence[0].paragraph == "p1"
    assert "computed with sympy" in it.verification
    assert it.choices[[c.correct for c in it.choices].index(True)].feedback.startswith(
        "Correct: by the chain rule and the power rule, h′(x) = 3x² cos(x³)")


@pytest.fixture(scope="module")
def calculus(shared_data):
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    store = EmbeddedStore(None)
    import_sources(store, [shared_data / "curricula" / "openstax-calculus-volume-1"])
    yield store
    store.close()


def test_a_real_calculus_section(calculus):
    from generation.content.builder import Builder
    from generation.content.quiz import build_quiz, item_kind
    b = Builder(calculus, similarity_kind="lexical")
    sec = "https://w3id.org/kgstudio/id/calculus-volume-1/section/m53581"     # 3.6 The Chain Rule
    assert b.view.section(sec).label == "The Chain Rule"
    q = build_quiz(b, sec, n=10)
    math = [it for it in q.items if item_kind(it) == "math"]
    assert math, q.rejected_reasons
    by_stem = {it.stem: it for it in math}
    it = by_stem["Find the derivative of h(x) = 1/(3x² + 1)²."]
    assert it.answer == "−12x/(3x² + 1)³" and check_key(it.stem, it.answer)
    assert "−2/(3x² + 1)³" in [c.text for c in it.choices if not c.correct]     # chain rule slip
    assert any(r.startswith("math in") and "refused" in r for r in q.rejected_reasons)
