"""Items above recall: "what does this code print?" keyed by the sandbox with mutated-program
distractors that are shown to print something else; contrast items between the most-confused
pair with the distinguishing evidence as feedback."""
from __future__ import annotations

import re

from generation.content.quiz import QuizConfig, build_quiz, code_distractors, code_listings, item_kind
from generation.content.sandbox import run_python

from .conftest import DEMO


def test_listings_from_fenced_and_indented_blocks():
    text = ("Intro.\n\n```python\nx = 1\nprint(x)\n```\n\nA question:\n\n    for i in range(3):\n        print(i)\n\n"
            "```js\nconsole.log(1)\n```\n\nNot code: just words here.")
    assert code_listings(text) == ["x = 1\nprint(x)", "for i in range(3):\n    print(i)"]


def test_mutant_whose_output_equals_the_key_is_dropped():
    code = "a = 2\nb = 2\nprint(a * b)"
    picked, dropped = code_distractors(code, "4\n", k=3)
    outs = [o for o, _ in picked]
    assert "4" not in outs and len(outs) == len(set(outs)) >= 2
    # a * b -> a + b prints 4 as well: that mutant is dropped, not offered
    assert any("a + b in place of a * b" in d and "equals the key" in d for d in dropped)
    for out, why in picked:
        assert out != "4" and why.startswith("That is what the program would give")


def test_code_item_key_is_the_executed_output(builder):
    quiz = build_quiz(builder, DEMO + "section/s4-1", n=10)
    codes = [it for it in quiz.items if item_kind(it) == "code"]
    assert codes, quiz.rejected_reasons
    for it in codes:
        assert it.bloom == "apply" and it.type == "multichoice"
        code = re.search(r"```python\n(.*?)\n```", it.stem, re.S).group(1)
        asked = re.match(r"What is the value of (\w+) after|What does the call (.+) return", it.stem)
        if asked:
            code += f"\nprint(repr({asked.group(1) or asked.group(2)}))"
        ran = run_python(code)
        assert ran.ok and " / ".join(ran.stdout.rstrip("\n").split("\n")) == it.answer
        right = it.correct_choices()
        assert [c.text for c in right] == [it.answer]
        wrong = [c for c in it.choices if not c.correct]
        assert len(wrong) >= 2 and all(c.text != it.answer and c.feedback for c in wrong)


def test_execution_turned_off_gives_no_code_item(builder, monkeypatch):
    off = build_quiz(builder, DEMO + "section/s4-1", QuizConfig(n=10, run_code=False))
    assert not any(item_kind(it) == "code" for it in off.items)
    monkeypatch.setenv("KGSTUDIO_RUN_CODE", "0")
    assert not any(item_kind(it) == "code" for it in build_quiz(builder, DEMO + "section/s4-1", n=10).items)


def test_contrast_item_between_the_most_confused_pair(builder):
    v = builder.view
    quiz = build_quiz(builder, DEMO + "section/s5-1", QuizConfig(n=12, types=("contrast",), include_curriculum=False))
    items = [it for it in quiz.items if item_kind(it) == "contrast"]
    assert items
    for it in items:
        a = v.concept(it.concept)
        b = v.concept(it.concepts[1])                     # the nearest neighbour
        assert re.search(re.escape(a.label), it.stem, re.I) and re.search(re.escape(b.label), it.stem, re.I)
        assert it.stem[0].isupper()
        key = it.correct_choices()
        assert len(key) == 1 and key[0].concept == a.iri
        fb_b = next(c.feedback for c in it.choices if c.concept == b.iri)
        assert fb_b.startswith("No: that describes") and len(fb_b.split()) > 8
        assert it.bloom == "understand"


def test_an_example_sentence_must_illustrate_the_concept_itself():
    from generation.content.quiz import _example_ok
    assert not _example_ok("For example, Confucianism and Buddhism were introduced around the same time in Japan.",
                           "Confucianism")          # illustrates the sentence before it
    assert _example_ok("Skinner uses gambling as an example of the variable-ratio schedule for keeping behavior up.",
                       "variable-ratio schedule")
    assert _example_ok("Traits, for example a tendency to worry, shape how people respond to stress every day.",
                       "traits")
    assert not _example_ok("Traits shape behavior.", "traits")                      # too short
    assert not _example_ok("Traits, for example worry (credit: A. Person), shape how people respond to stress.",
                           "traits")
