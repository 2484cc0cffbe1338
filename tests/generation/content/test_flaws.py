"""The item-writing flaw checker flags each rule on a crafted item, passes a clean one, and
mends what can be mended (figure credits, an unemphasised negative, "a"/"an" before a blank)."""
from __future__ import annotations

import pytest

from generation.content.flaws import RULES, check, gate, mend
from generation.content.model import CLOZE_BLANK, Choice, QuizItem


def mc(stem, key, *wrong, **kw):
    return QuizItem(type="multichoice", stem=stem, answer=key,
                    choices=[Choice(key, True, "Right.")] + [Choice(w, False, "No.") for w in wrong], **kw)


CLEAN = mc("Which structure repeats its body as long as a condition holds?", "while loop",
           "if statement", "for loop", "function call")

CRAFTED = {
    "negative-stem": mc("Which of these is not a loop?", "if statement", "while loop", "for loop", "nested loop"),
    "all-none-above": mc("Which structure repeats a body?", "while loop", "if statement", "function call",
                         "none of the above"),
    "longest-key": mc("What is a variable?", "a name that refers to a value stored in the computer's memory",
                      "a loop", "a number", "a keyword"),
    "grammar-cue": mc("A block that runs again and again is called an", "iteration", "loop", "function", "branch"),
    "stem-key-overlap": mc("Which term names the cue that relies on the use of both eyes?", "binocular cue",
                           "monocular depth", "linear perspective", "interposition"),
    "absolute-distractor": mc("What does a while loop do?", "It repeats its body while its condition holds.",
                              "It always runs its body exactly once.", "It defines a function.",
                              "It imports a module."),
    "tf-by-construction": QuizItem(type="truefalse", answer="true",
                                   stem="True or false: a binocular cue is a cue that relies on the use of both eyes.",
                                   feedback="True. A binocular cue is a cue that relies on the use of both eyes."),
    "blank-without-context": QuizItem(type="cloze", stem=f"A(n) {CLOZE_BLANK} is the structure that makes this possible.",
                                      answer="loop", answers=["loop"]),
    "figure-credit": QuizItem(type="cloze", answer="psychotherapy", answers=["psychotherapy"],
                              stem=f"(credit: Kristina Walter) In {CLOZE_BLANK}, therapists help patients look into "
                                   "their past to uncover repressed feelings and conflicts."),
    "implausible-distractor": mc("What does print(2 + 3) print?", "5", "6", "23",
                                 "The interpreter reads the program one statement at a time."),
}


def test_every_rule_has_a_crafted_item():
    assert set(CRAFTED) == set(RULES)


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_is_flagged_on_its_crafted_item(rule):
    flaws = check(CRAFTED[rule])
    assert rule in {f.rule for f in flaws}, flaws


def test_a_clean_item_passes():
    assert check(CLEAN) == []


def test_code_in_the_stem_is_not_prose():
    it = mc("What does this code print?\n\n    done = False\n    while not done:\n        done = True\n    print(done)",
            "True", "False", "None", "1")
    assert "negative-stem" not in {f.rule for f in check(it)}


def test_plural_cue_and_cloze_agreement():
    it = mc("Which of these pass information into a function?", "arguments", "loop", "variable", "module")
    assert "grammar-cue" in {f.rule for f in check(it)}
    cz = QuizItem(type="cloze", stem=f"In a program, {CLOZE_BLANK} are names that refer to values stored in memory.",
                  answer="variable", answers=["variable"])
    assert "grammar-cue" in {f.rule for f in check(cz)}


def test_true_false_restating_a_given_definition():
    it = QuizItem(type="truefalse", answer="true", stem="True or false: 'loop' means a structure that repeats a body.")
    assert check(it) == []
    assert [f.rule for f in check(it, definitions=["a structure that repeats a body"])] == ["tf-by-construction"]


def test_implausible_distractor_by_concept_kind():
    it = mc("Which structure repeats a body?", "while loop", "if statement", "Guido van Rossum")
    it.choices[0].concept, it.choices[1].concept, it.choices[2].concept = "c:loop", "c:if", "p:guido"
    kinds = {"c:loop": "Concept", "c:if": "Concept", "p:guido": "Person"}
    assert "implausible-distractor" in {f.rule for f in check(it, kind_of=kinds.get)}


def test_mend_strips_credits_and_emphasises_negatives():
    fixed, before, after = gate(CRAFTED["figure-credit"])
    assert fixed is not None and after == [] and "credit" not in fixed.stem.lower()
    assert fixed.stem.startswith("In _____, therapists")
    neg, _, left = gate(CRAFTED["negative-stem"])
    assert neg is not None and "is NOT a loop" in neg.stem and left == []
    art = mend(CRAFTED["grammar-cue"])
    assert art.stem.endswith("called a(n)") and check(art) == []


def test_unmendable_flaws_drop_the_item():
    for rule in ("all-none-above", "longest-key", "tf-by-construction", "blank-without-context", "stem-key-overlap"):
        item, before, after = gate(CRAFTED[rule])
        assert item is None and rule in {f.rule for f in after}, rule
