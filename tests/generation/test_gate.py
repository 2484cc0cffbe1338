"""The quality gate on the student's real failures (issue 12) and on text it should let in."""
from __future__ import annotations

import pytest

from generation.gate import GateConfig, check, outside_concepts, repeated_ngrams, restates
from kg.labels import LabelMatcher


@pytest.mark.parametrize("text, names, task, reason", [
    # the student's outputs quoted in issue 12 and the stop notes
    ("An accumulator pattern 10,000, so the result is the result of an assignment.",
     ["accumulator pattern", "assignment"], "explanation", "says nothing beyond the names it was given"),
    ("The absolute threshold is the absolute threshold ___.", ["absolute threshold"], "definition",
     "has the repeated phrase 'the absolute threshold'"),
    ("The blind spot is the brain, and the blind spot ().", ["blind spot"], "definition",
     "has empty brackets"),
    ("The cataplexy is the cataplexy.", ["cataplexy"], "definition", "says nothing beyond the names it was given"),
    ("A while loop is the assignment.", ["while loop", "assignment"], "prerequisite", "says nothing beyond the names it was given"),
    ("The loop is the loop.", [], "definition", "says nothing beyond the names it was given"),
    ("A loop is a ___ of the program body here.", ["loop"], "definition", "has a blank to fill"),
    ("<E1> is the value stored in a variable for later.", ["variable"], "definition", "has an unfilled placeholder"),
    ("Sleep is a state of rest of the body and mind (Figure).", ["sleep"], "definition",
     "has a numberless cross-reference"),
    ("A loop repeats.", ["loop"], "explanation", "is under 10 words (3)"),
    (" ".join(["word"] * 5 + ["different", "things"] * 100), [], "explanation", "is over 160 words (205)"),
])
def test_gate_rejects_the_students_failures(text, names, task, reason):
    ok, reasons = check(text, task=task, names=names)
    assert not ok
    assert reason in reasons


def test_gate_rejects_x_is_the_x_even_with_other_words():
    # enough content words, but the subject is its own complement
    assert restates("Classical conditioning is a kind of classical conditioning.", [])
    ok, reasons = check("Classical conditioning is a kind of classical conditioning.", task="definition")
    assert not ok and "says nothing beyond the names it was given" in reasons


def test_repeated_ngrams_are_found_case_and_punctuation_blind():
    assert repeated_ngrams("The result is the result of it; the Result, is new.") == ["the result is"]
    assert repeated_ngrams("One two three four five six.") == []
    assert repeated_ngrams("a b a b", n=2) == ["a b"]


def test_gate_accepts_a_good_paragraph_and_reports_nothing():
    text = ("A while loop runs its body again and again as long as its condition is true; "
            "each pass re-checks the condition, so the body must change something the condition reads.")
    assert check(text, task="explanation", names=["while loop"]) == (True, [])


def test_gate_rejects_outside_concepts_with_the_label_matcher():
    m = LabelMatcher({"urn:loop": ["loop"], "urn:var": ["variable"], "urn:fn": ["function"]})
    text = "A loop updates a variable on each pass, and a function can hold it."
    assert outside_concepts(text, m, {"urn:loop", "urn:var"}) == ["urn:fn"]
    ok, reasons = check(text, task="explanation", names=["loop"], matcher=m, allowed={"urn:loop", "urn:var"})
    assert not ok and reasons == ["names 1 concept(s) outside its input"]
    assert check(text, task="explanation", names=["loop"], matcher=m,
                 allowed={"urn:loop", "urn:var", "urn:fn"}) == (True, [])


def test_gate_reads_the_grounding_lexicon_format_too():
    class Lex:     # generation.student.grounding.Lexicon.find: (start, end, iris)
        def find(self, text):
            i = text.find("function")
            return [(i, i + 8, {"urn:fn"})] if i >= 0 else []
    assert outside_concepts("a function here", Lex(), {"urn:x"}) == ["urn:fn"]
    assert outside_concepts("a function here", Lex(), {"urn:fn"}) == []


def test_gate_applies_the_self_score():
    text = "A while loop runs its body again and again as long as its condition is true."
    assert check(text, names=["while loop"], logprob=-0.7)[0]
    ok, reasons = check(text, names=["while loop"], logprob=-2.4)
    assert not ok and reasons == ["self-score -2.40 is below -1.6"]
    assert check(text, names=["while loop"], logprob=-2.4, config=GateConfig(min_logprob=-3.0))[0]
