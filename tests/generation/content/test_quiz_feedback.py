"""Feedback that explains, examples that are examples, false statements that may be believed.

The sentences are the blind judge's real cases (round 7: psychology, calculus, demo), in
tiny graphs: feedback quoted "Diego likely has ADHD", exercise prompts and stray captions as
the distinguishing evidence; the "example" item never fired on a book; a true/false pinned
the differential's definition on "power rule".
"""
from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from generation.content import quiz as Q
from generation.content.builder import Builder
from generation.content.quiz import QuizConfig, build_quiz, item_kind

CONCEPTS = {
    "adhd": {"label": "ADHD", "definition": "Childhood disorder characterized by inattention and/or "
             "hyperactivity and impulsivity."},
    "asd": {"label": "autism spectrum disorder", "definition": "Childhood disorder characterized by deficits "
            "in social interaction and communication, and repetitive patterns of behavior or interests."},
    "ls": {"label": "linear search", "definition": "A search algorithm that checks the items of a sequence one "
           "after another until it finds the target."},
    "bs": {"label": "binary search", "definition": "A search algorithm for a sorted sequence that compares the "
           "target with the middle item and discards the half that cannot contain it."},
    "mvt": {"label": "mean value theorem", "definition": "If f is continuous over [a,b] and differentiable "
            "over (a,b), then there exists c in (a,b) such that f'(c) equals the slope of the secant."},
    "diff": {"label": "differential", "definition": "The differential dx is an independent variable that can be "
             "assigned any nonzero real number; the differential dy is defined to be dy = f'(x)dx."},
    "de": {"label": "differential equation", "definition": "An equation involving a function and one or more "
           "of its derivatives."},
    "ext": {"label": "extinction", "definition": "Decrease in the conditioned response when the unconditioned "
            "stimulus is no longer paired with the conditioned stimulus."},
}

TEXT = """Diego likely has ADHD. His teacher noticed that he could not sit still.

ADHD is diagnosed far more often in boys than in girls, and its symptoms often persist into adulthood.

The Mean Value Theorem is one of the most important theorems in calculus.

A. Express 225° using radians.

Equation involves derivatives and is called a differential equation.

The second column is labeled “Extinction (CS alone)” and the line drops rapidly from the top to the bottom.

Binary search finds an item in a sorted list by repeatedly halving the range that could contain it (Knuth, 1998).

Unlike linear search, binary search needs a sorted list to work on."""


@pytest.fixture
def ctx(tiny_store):
    b = Builder(tiny_store(CONCEPTS, section_text=TEXT), similarity_kind="lexical")
    return Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)


def _c(ctx, k):
    return ctx.concept("urn:t:" + k)


@pytest.mark.parametrize("sentence, concept", [
    ("Diego likely has ADHD.", "adhd"),                                   # an anecdote, not the subject
    ("ADHD made him restless in class, his teacher said.", "adhd"),       # a story about someone
    ("The Mean Value Theorem is one of the most important theorems in calculus.", "mvt"),   # praise only
    ("A. Express 225° using radians.", "mvt"),                            # an exercise prompt
    ("Equation involves derivatives and is called a differential equation.", "diff"),  # a longer label
    ("This result is known as the mean value theorem.", "mvt"),           # points back
    ("The second column is labeled “Extinction (CS alone)” and the line drops rapidly from the top to the "
     "bottom.", "ext"),                                                   # a figure described
    ("Is binary search faster than every other way to find an item?", "bs"),   # a question
    ("According to Knuth, the best known method is binary search on a sorted list.", "bs"),  # named in passing
    ("A search algorithm for a sorted sequence that compares the target with the middle item is binary "
     "search.", "bs"),                                                    # the option, restated
])
def test_a_sentence_that_does_not_explain_is_never_feedback(ctx, sentence, concept):
    assert Q._explains(ctx, _c(ctx, concept), sentence) == 0


def test_a_sentence_that_says_what_the_concept_does_or_how_it_differs_explains(ctx):
    bs, ls = _c(ctx, "bs"), _c(ctx, "ls")
    does = "Binary search finds an item in a sorted list by repeatedly halving the range that could contain it."
    assert Q._explains(ctx, bs, does) >= 1
    unlike = "Unlike linear search, binary search needs a sorted list to work on."
    assert Q._explains(ctx, bs, unlike, ls) == 5          # a contrast of the pair ranks first
    assert Q._explains(ctx, bs, "Binary search and linear search both appear in the next chapter.", ls) == 0
    # the defining sentence of the option is no news to the learner; it still says what the concept is
    restated = "Binary search is a search algorithm for a sorted sequence that compares the target with the middle item."
    assert Q._explains(ctx, bs, restated) == 0 and Q._explains(ctx, bs, restated, novel=False) == 4


def test_distinguishing_evidence_is_the_best_explaining_sentence_or_none(ctx):
    bs, ls, adhd, asd, mvt, diff = (_c(ctx, k) for k in ("bs", "ls", "adhd", "asd", "mvt", "diff"))
    assert Q._distinguishing(ctx, bs, ls) == ("Unlike linear search, binary search needs a sorted list to work on.",
                                              "urn:t:s1")
    # without the pair's contrast: what binary search does, its reference cut
    text, _ = Q._best_explanation(ctx, bs, mvt)
    assert text.startswith("Unlike linear search") or text == ("Binary search finds an item in a sorted list by "
                                                               "repeatedly halving the range that could contain it.")
    said, _ = Q._distinguishing(ctx, adhd, asd)
    assert said.startswith("ADHD is diagnosed far more often") and "Diego" not in said
    assert Q._distinguishing(ctx, mvt, bs) == ("", "")      # praise and an exercise: nothing to quote
    assert Q._distinguishing(ctx, diff, bs) == ("", "")     # "called a differential equation" is not about it


def test_contrast_feedback_quotes_no_anecdote_prompt_or_caption(tiny_store):
    b = Builder(tiny_store(CONCEPTS, section_text=TEXT), similarity_kind="lexical")
    seen = 0
    for k in CONCEPTS:
        q = build_quiz(b, "urn:t:" + k, QuizConfig(n=4, types=("contrast",), include_curriculum=False))
        for it in q.items:
            assert item_kind(it) == "contrast"
            for ch in it.choices:
                seen += 1
                assert not any(bad in ch.feedback for bad in ("Diego", "Express 225", "second column",
                                                              "one of the most important", "(Knuth"))
                if not ch.correct:
                    assert ch.feedback.startswith("No: that describes") and len(ch.feedback.split()) > 8
    assert seen >= 6


def test_which_sentences_give_an_example_of_the_concept():
    how = Q._example_how
    assert how("For instance, the memory of your last birthday is an episodic memory.", "episodic memory") \
        == "instance"
    assert how("Skinner uses gambling as an example of the variable-ratio schedule for keeping behavior up.",
               "variable-ratio schedule") == "named"
    assert how("The participants rarely named causes internal to themselves, such as dispositional traits "
               "(for example, “I need companionship.”).", "dispositional traits") == "marked"
    # the example illustrates something else the sentence says (or the sentence before)
    assert how("For example, a student with dysgraphia might be permitted to take an oral exam rather than a "
               "traditional paper-and-pencil test.", "dysgraphia") == ""
    assert how("For example, if you are studying for your chemistry exam, the material you are learning will "
               "be part of your explicit memory.", "learning") == ""
    assert how("In fact, a peripheral route to persuasion may not even be noticed by the audience, for example "
               "in the strategy of product placement.", "fact") == "before"


def test_an_example_only_somewhere_before_the_marker_needs_the_strict_about_test(tiny_store):
    concepts = {"fact": {"label": "fact", "definition": "A statement that can be proven true by observation."},
                "ov": {"label": "overgeneralization", "definition": "Taking one small situation and making a "
                       "huge general rule out of it."}}
    b = Builder(tiny_store(concepts), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    idiom = Q._Ex("In fact, a peripheral route to persuasion may not even be noticed by the audience, for "
                  "example in the strategy of product placement.", "urn:t:s1")
    real = Q._Ex("In overgeneralization, someone takes a small situation and makes it huge, for example "
                 "turning one rejection into a general rule about life.", "urn:t:s1")
    assert not Q._is_example_of(ctx, ctx.concept("urn:t:fact"), idiom)
    assert Q._is_example_of(ctx, ctx.concept("urn:t:ov"), real)


EXAMPLES = {
    "pr": {"label": "positive reinforcement", "definition": "Adding a desirable stimulus to increase a behavior."},
    "nr": {"label": "negative reinforcement", "definition": "Taking away an undesirable stimulus to increase a "
           "behavior."},
    "pu": {"label": "punishment", "definition": "Implementation of a consequence in order to decrease a "
           "behavior."},
    "gr": {"label": "grammar", "definition": "Set of rules that are used to convey meaning through language."},
}
EXAMPLE_TEXT = """Positive reinforcement is adding something desirable to increase a behavior. For example, you tell your five-year-old son, Jerome, that if he cleans his room, he will get a toy.

Negative reinforcement takes away something undesirable to increase a behavior. For example, car manufacturers use the principles of negative reinforcement in their seatbelt systems, which go beep until you fasten your seatbelt.

Punishment decreases a behavior by a consequence. For example, imagine your son runs out into the street to chase a ball.

Punishment in the form of a spanking is common. For example, a parent may take away a phone after a child stays out too late at night.

Grammar is the set of rules of a language. For example, English grammar dictates that most verbs receive an ending to indicate past tense."""


def test_the_example_a_book_gives_right_after_saying_what_a_concept_is(tiny_store):
    b = Builder(tiny_store(EXAMPLES, section_text=EXAMPLE_TEXT), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    got = {k: [e.text for e in Q._examples_of(ctx, ctx.concept("urn:t:" + k))] for k in EXAMPLES}
    assert got["pr"] == ["For example, you tell your five-year-old son, Jerome, that if he cleans his room, "
                         "he will get a toy."]
    assert got["nr"][0].startswith("For example, car manufacturers")
    # a scene set for the next sentences is no example on its own ("imagine …"), and the
    # sentence before the second one is about spanking, not what punishment is
    assert got["pu"] == []
    q = build_quiz(b, "urn:t:pr", QuizConfig(n=3, types=("example",), include_curriculum=False))
    [it] = [it for it in q.items if item_kind(it) == "example"]
    assert it.answer == "You tell your five-year-old son, Jerome, that if he cleans his room, he will get a toy."
    assert it.triples[0].o == got["pr"][0] and it.triples[0].s == "urn:t:s1"
    for ch in it.choices:
        assert "reinforcement" not in ch.text.casefold() and "punishment" not in ch.text.casefold()
        if not ch.correct:
            assert ch.feedback.startswith("No: that is an example of") and len(ch.feedback.split()) > 12


TF = {
    "rv": {"label": "return value", "definition": "The value a function sends back to the code that called it."},
    "cm": {"label": "comment", "definition": "Text in source code that the interpreter ignores, written for "
           "human readers."},
    "pw": {"label": "power rule", "definition": "The derivative of x to the n is n times x to the n minus one."},
    "diff": CONCEPTS["diff"],
    "pf": {"label": "periodic function", "definition": "A function that repeats its values at regular intervals."},
    "pcw": {"label": "piecewise function", "definition": "A function that is defined differently on different "
            "parts of its domain."},
}


def test_a_false_statement_borrows_only_a_confusable_definition(tiny_store):
    b = Builder(tiny_store(TF), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    c = lambda k: ctx.concept("urn:t:" + k)   # noqa: E731
    # "power rule means the differential dx is …": the statement names another term
    assert "names differential itself" in Q._swap_unsafe(ctx, c("pw"), c("diff"))
    assert Q._not_confusable(ctx, c("rv"), c("cm")) == "not the same kind of thing"   # a value / text
    assert Q._not_confusable(ctx, c("pf"), c("pcw")) == ""                              # two functions
    for k in ("rv", "cm", "pw", "pf"):
        for seed in ("a", "b", "c", "d"):
            q = build_quiz(b, "urn:t:" + k, QuizConfig(n=4, types=("truefalse",), include_curriculum=False, seed=seed))
            for it in q.items:
                if it.answer == "false":
                    a, d = c(k), ctx.concept(it.concepts[1])
                    assert Q._not_confusable(ctx, a, d) == "" and Q._swap_unsafe(ctx, a, d) == ""
                    assert {a.iri, d.iri} == {"urn:t:pf", "urn:t:pcw"}, it.stem


def test_with_text_embeddings_the_pair_must_also_be_close(tiny_store, monkeypatch):
    b = Builder(tiny_store(TF), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    c = lambda k: ctx.concept("urn:t:" + k)   # noqa: E731
    for cos, same_kind_ok, other_ok in ((0.7, True, True), (0.4, True, False), (0.2, False, False)):
        monkeypatch.setattr(b, "_similarity", NS(name="minilm:all-MiniLM-L6-v2",
                                                 scores=lambda f, cands, x=cos: {k: x for k in cands}))
        assert (Q._not_confusable(ctx, c("pf"), c("pcw")) == "") is same_kind_ok, cos
        assert (Q._not_confusable(ctx, c("rv"), c("cm")) == "") is other_ok, cos


def test_a_borrowed_definition_reads_as_a_sentence():
    """"“Return value” means Text in source code …", "“percentage error” means are rates of
    change …" (blind judge, round 7): the definition's capital is lowered unless it is a name,
    and one that starts with a verb follows the label directly."""
    from generation.template import defines
    c = lambda label, d: NS(label=label, definition=d, name_like=False)   # noqa: E731
    assert defines(c("chained conditional", "One of the operators and, or and not."), short=True) \
        == "“chained conditional” means one of the operators and, or and not."
    assert defines(c("percentage error", "are rates of change associated with two quantities."), short=True) \
        == "“percentage error” are rates of change associated with two quantities."
    assert defines(c("Zen", "Python lore: what Python favours."), short=True) == "“Zen” means Python lore: what Python favours."


def test_a_reported_study_is_no_example_and_generic_heads_are_no_kind():
    assert not Q._shows_alone("For example, one researcher experimented with rats and the fear response in a "
                              "maze (Josselyn, 2010).")                   # "an example of amygdala"
    assert Q._shows_alone("For example, car manufacturers use the principles of negative reinforcement in "
                          "their seatbelt systems.")
    meth = NS(label="methamphetamine", definition="Type of amphetamine that can be made from pseudoephedrine.")
    surgery = NS(label="bariatric surgery", definition="Type of surgery that modifies the gastrointestinal system.")
    assert not Q._same_kind(meth, surgery)


def test_an_example_option_hides_its_term_in_any_inflection(tiny_store):
    concepts = {
        "ev": {"label": "evaluative claims", "definition": "Statements that express a judgment about value."},
        "de": {"label": "descriptive claims", "definition": "Statements that describe matters of fact."},
        "no": {"label": "normative claims", "definition": "Statements that say how things ought to be."},
    }
    text = ("Evaluative claims express a judgment about what is good or bad. For example, “I should go outside "
            "to get some sunshine” is an evaluative claim about what is good for me.\n\n"
            "Descriptive claims describe matters of fact about the world. For example, “the weather today is sunny” "
            "is a descriptive claim because it simply describes what someone sees.\n\n"
            "Normative claims are statements about how things ought to be. For example, “everyone ought to vote in "
            "elections” is a normative claim about what people should do.")
    b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:ev", QuizConfig(n=3, types=("example",), include_curriculum=False))
    [it] = [it for it in q.items if item_kind(it) == "example"]
    for ch in it.choices:
        assert "claim" not in ch.text.casefold() and "a(n) …" in ch.text, ch.text


def test_an_example_that_names_its_concept_by_another_word_is_not_offered(tiny_store):
    """"f(x) = x² is even because …" as the example of *even function*: "even" gives it away
    although the label is masked; the options keep "f(x)" in lower case."""
    concepts = {
        "ev": {"label": "even function", "definition": "A function symmetric about the y-axis."},
        "od": {"label": "odd function", "definition": "A function symmetric about the origin."},
        "rt": {"label": "rational function", "definition": "A function of the form p(x)/q(x) for polynomials."},
        "dm": {"label": "domain", "definition": "The set of inputs of a function."},
        "pl": {"label": "polynomial", "definition": "A sum of terms, each a coefficient times a power of x."},
    }
    text = ("An even function is a function whose graph is symmetric about the y-axis. For example, f(x) = x² is "
            "even because f(−x) = (−x)² = x² = f(x) for every real number x.\n\n"
            "An odd function is a function whose graph is symmetric about the origin. For example, f(x) = x³ is odd "
            "because f(−x) = (−x)³ = −x³ = −f(x) for every real number x.\n\n"
            "A rational function is a quotient of two polynomials. For example, f(x) = (3x − 1)/(5x + 2) and "
            "g(x) = 4/(x² + 1) are rational functions of one variable.\n\n"
            "The domain is the set of inputs a function accepts. For example, since any real number can be squared, "
            "we consider the domain of f(x) = x² to be the set of all real numbers.\n\n"
            "A polynomial is a sum of terms, each a number times a power of x. For example, p(x) = 2x³ − 3x + 1 "
            "is a polynomial of degree three in the variable x.")
    b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    assert Q._example(ctx, ctx.concept("urn:t:ev")) is None          # its only example says "even"
    it = Q._example(ctx, ctx.concept("urn:t:rt"))
    assert it is not None and it.answer.startswith("f(x) = (3x − 1)/(5x + 2) and g(x)")
    assert not any(w in ch.text.split() for ch in it.choices for w in ("even", "odd"))


@pytest.mark.parametrize("sentence, concept", [
    ("The Mean Value Theorem was developed in 1691 by a French mathematician named Rolle.", "mvt"),
    ("Binary search is closely related to the bisection method of numerical analysis.", "bs"),
    ("Key Concepts - Binary search finds an item in a sorted list by halving the range each time.", "bs"),
])
def test_who_made_it_or_a_vague_link_is_no_explanation(ctx, sentence, concept):
    assert Q._explains(ctx, _c(ctx, concept), sentence) == 0
