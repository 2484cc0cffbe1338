"""Blind judge round 9 (issue 19): the one wrong key of a generated item, phi-021, a passage
to classify whose blank any concept of the same kind fits ("A person can be an … with
respect to one domain but not another": *epistemic peer* keyed, *local skeptic* fits too),
and whose article ("an …") told a vowel-initial key from the others."""
from __future__ import annotations

import re

from generation.content import quiz as Q
from generation.content.builder import Builder
from generation.content.quiz import QuizConfig, build_quiz, item_kind

PEER = "A person can be an epistemic peer with respect to one domain but not another."
ABOUT = ("An epistemic peer may still disagree with you about a case in the domain, and a person "
         "who meets one should check the belief again.")
CONCEPTS = {
    "ep": {"label": "epistemic peer", "definition": "A person who is in an equal epistemic position as you "
                                                    "relative to some domain."},
    "ls": {"label": "local skeptic", "definition": "Someone who questions the possibility of knowledge only in "
                                                   "particular areas of study."},
    "se": {"label": "standpoint epistemology", "definition": "Study of the relationship between an individual's "
                                                             "social status and their epistemic position."},
    "ept": {"label": "epistemology", "definition": "The study of knowledge and its limits."},
}


def _passages(tiny_store, text: str) -> list[str]:
    b = Builder(tiny_store(CONCEPTS, section_text=text), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=10, types=("classify",), include_curriculum=False))
    return [re.search(r"“(.*)”", it.stem, re.S).group(1) for it in q.items if item_kind(it) == "classify"]


def test_a_passage_that_predicates_the_blank_of_its_subject_is_not_asked(tiny_store, monkeypatch):
    assert _passages(tiny_store, PEER) == []
    monkeypatch.setattr(Q, "_PREDICATED", re.compile(r"(?!)"))      # without the rule it was asked
    assert _passages(tiny_store, PEER) == ["A person can be a(n) … with respect to one domain but not another."]


def test_the_blank_after_an_article_reads_a_n(tiny_store):
    quoted = _passages(tiny_store, PEER + "\n\n" + ABOUT)
    assert quoted == ["A(n) … may still disagree with you about a case in the domain, and a person "
                      "who meets one should check the belief again."]


def test_no_contrast_option_shows_a_definition_that_names_its_own_term(tiny_store):
    """phi-037 (round 9) and phi-025/033 (round 8): "having to do with induction/… reasoning"
    is an option with a hole in it; such a definition is neither key nor option."""
    concepts = {
        "ind": {"label": "inductive reasoning", "definition": "Having to do with induction/inductive reasoning."},
        "abd": {"label": "abductive reasoning", "definition": "Reasoning to the best explanation of the evidence."},
        "ded": {"label": "deductive reasoning", "definition": "Reasoning in which true premises guarantee a "
                                                              "true conclusion."},
        "ana": {"label": "analogical reasoning", "definition": "Reasoning from the likeness of two cases to a "
                                                               "shared property."},
        "fal": {"label": "fallacy", "definition": "A mistake in reasoning that makes an argument weak."},
    }
    b = Builder(tiny_store(concepts), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=10, types=("contrast",), include_curriculum=False))
    contrasts = [it for it in q.items if item_kind(it) == "contrast"]
    assert contrasts, "no contrast item was built"
    assert all("…" not in c.text for it in contrasts for c in it.choices)
    assert all("inductive reasoning" not in it.stem.lower() for it in contrasts)
