"""Blind judge round 8 (issue 19): the eight wrong keys of generated items, each as a tiny
fixture built from the judged item.

* cal-048, sta-019, sta-038: a true/false statement lifted from a worked example (an
  instruction, or a sentence about the example's own X);
* phi-031, sta-069, sta-052: a contrast between two names of one thing ("wu wei" / "wuwei",
  "mean of a probability distribution" / "expected value … also called the mean");
* phi-014, phi-035: a contrast whose options are kinds of the asked concept ("skepticism" /
  "global skeptic" / "local skeptic");
* the learner's feedback of a math item says how the key follows, not "computed with sympy".
"""
from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef

from generation.content import quiz as Q
from generation.content.builder import Builder
from generation.content.graph import ConceptInfo
from generation.content.quiz import QuizConfig, build_quiz, item_kind
from ontology.namespaces import KGS, RDF, RDFS
from tests.generation.content.conftest import tiny_graph

# ---- 1. true statements only from claims that stand alone ----------------------------------------
PRODUCT = "For j(x) = f(x)g(x), use the product rule to find j′(2) if f(2) = 3, f′(2) = −4, g(2) = 1, and g′(2) = 6."
DECAY = "The decay parameter of X is m = 1/4 = 0.25, so X ∼ Exp(0.25)."
POISSON = "The random variable X has a Poisson distribution: X ~ P(147)."
#: a sentence of the worked example with no symbol and no instruction: its origin alone tells
IN_EXAMPLE = "The decay parameter here describes how quickly the waiting times of the call center fall away."
CLAIMS = {
    "pr": "The product rule lets us differentiate a product without multiplying the two factors out first.",
    "dp": "A larger decay parameter makes the probabilities of long waiting times shrink faster.",
    "pd": "A Poisson distribution counts independent events that happen at a known average rate in an interval.",
}
TF = {
    "pr": {"label": "product rule", "definition": "The derivative of a product of two functions is the derivative "
           "of the first times the second plus the derivative of the second times the first."},
    "dp": {"label": "decay parameter", "definition": "The rate at which probabilities decay to zero for "
           "increasing values of x."},
    "pd": {"label": "Poisson distribution", "definition": "A discrete distribution of the number of events "
           "occurring in a fixed interval."},
}


@pytest.fixture
def tf_ctx(tiny_store):
    """A section whose text holds the judged sentences, a claim about each concept, and its
    worked example "Example 6 of The Exponential Distribution" (a typed resource whose text
    the section's text repeats, as the CNXML importer writes it)."""
    text = "\n\n".join([PRODUCT, POISSON, DECAY, IN_EXAMPLE, *CLAIMS.values()])
    g = Graph().parse(data=tiny_graph(TF, section_text=text), format="nt")
    ex = URIRef("urn:t:ex6")
    g.add((ex, RDF.type, KGS.Resource))
    g.add((ex, KGS.resourceKind, Literal("example")))
    g.add((ex, RDFS.label, Literal("Example 6 of The Exponential Distribution")))
    g.add((ex, KGS.partOf, URIRef("urn:t:s1")))
    g.add((ex, KGS.text, Literal(DECAY + " " + IN_EXAMPLE)))
    store = tiny_store({})
    store.replace_graph("urn:t:graph", g.serialize(format="nt"))
    b = Builder(store, similarity_kind="lexical")
    return Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)


def test_instructions_and_example_sentences_are_no_claims(tf_ctx):
    assert Q._instance_bound(tf_ctx, PRODUCT, "urn:t:s1") == "an instruction"
    assert Q._instance_bound(tf_ctx, POISSON, "urn:t:s1") == "its subject is a symbol of one example (X)"
    assert Q._instance_bound(tf_ctx, DECAY, "urn:t:s1").startswith("its subject is a symbol")
    assert Q._instance_bound(tf_ctx, IN_EXAMPLE, "urn:t:s1") == "from a worked example, exercise or problem"
    assert Q._instance_bound(tf_ctx, CLAIMS["dp"], "urn:t:ex6") == "from a worked example, exercise or problem"
    # the regenerated calculus quiz offered this one (narration, not a claim)
    assert Q._instance_bound(tf_ctx, "Having developed and practiced the product rule, we now consider "
                             "differentiating quotients of functions.", "urn:t:s1") == "the book's account of its own course"
    assert Q._instance_bound(tf_ctx, "The proof of the quotient rule is very similar to the proof of the product rule, "
                             "so it is omitted here.", "urn:t:s1") == "the book's account of its own course"
    assert Q._instance_bound(tf_ctx, "Now that we have examined the basic rules, we can begin looking at some of the "
                             "more advanced rules.", "urn:t:s1") == "the book's account of its own course"
    for claim in CLAIMS.values():
        assert Q._instance_bound(tf_ctx, claim, "urn:t:s1") == "", claim
    for k, claim in CLAIMS.items():
        a = tf_ctx.concept("urn:t:" + k)
        every = [s for s, _sec, _ in Q._sentences(tf_ctx, a)]
        claims = [s for s, _sec, _ in Q._sentences(tf_ctx, a, claims=True)]
        assert claims == [claim], (k, claims)
        assert len(every) > 1          # the judged sentences are there without the filter


def test_a_true_statement_is_never_lifted_from_a_worked_example(tf_ctx):
    b = tf_ctx.b
    stems = set()
    for k in TF:
        for seed in "abcdefgh":
            q = build_quiz(b, "urn:t:" + k, QuizConfig(n=4, types=("truefalse",), include_curriculum=False, seed=seed))
            stems |= {it.stem for it in q.items if it.answer == "true"}
    assert stems and stems <= {f"True or false: {c}" for c in CLAIMS.values()}, stems


# ---- 2. and 3. two names of one thing, or a kind of it, are no contrast -------------------------
PHI = {
    "sk": {"label": "skepticism", "definition": "A philosophical position that claims people do not know things "
           "they ordinarily think they know."},
    "gs": {"label": "global skeptic", "definition": "Someone who rejects the possibility of knowledge in general."},
    "ls": {"label": "local skeptic", "definition": "Someone who question the possibility of knowledge only in "
           "particular areas of study."},
    "eh": {"label": "epistemic humility", "definition": "A stance in philosophical and scientific investigation "
           "that recognizes the limits of one’s own ability to know truth and reality in a direct or complete way."},
    "ww": {"label": "wu wei", "definition": "A natural way of acting—also called nonaction—that is spontaneous or "
           "immediate, one in which a person’s actions are in harmony with the flow of nature or existence"},
    "ww2": {"label": "wuwei", "definition": "A natural way of acting that is spontaneous or immediate, in which a "
            "person’s actions are in harmony with the flow of nature or existence."},
    "det": {"label": "determinism", "definition": "The belief that human actions are governed by the laws of nature."},
    "nm": {"label": "principle of nonmaleficence", "definition": "Principle that states that we should act in ways "
           "that do not cause harm to others."},
    "rat": {"label": "rationalism", "definition": "The view that reason, not the senses, is the source of knowledge "
            "about the world."},
}
STA = {
    "mpd": {"label": "Mean of a Probability Distribution", "definition": "The long-term average of many trials of "
            "a statistical experiment"},
    "ev": {"label": "Expected Value", "definition": "Expected arithmetic average when an experiment is repeated "
           "many times; also called the mean."},
    "clt": {"label": "Central Limit Theorem", "definition": "Given a random variable (RV) with known mean μ and "
            "known standard deviation, σ, we are sampling with size n, and we are interested in two new RVs: the "
            "sample mean, X̄, and the sample sum, ΣΧ."},
    "lln": {"label": "Law of Large Numbers", "definition": "As the number of trials in a probability experiment "
            "increases, the difference between the theoretical probability of an event and the relative frequency "
            "probability approaches zero."},
    "var": {"label": "variance", "definition": "The mean of the squared deviations from the mean of a data set."},
    "sd": {"label": "standard deviation", "definition": "A number that is equal to the square root of the "
           "variance and measures how far data values are from their mean."},
}


def test_labels_of_one_term_or_one_stem_are_named_alike():
    assert Q._named_alike("Wu wei", "wuwei") and Q._named_alike("e-mail", "Email")
    assert Q._named_alike("skepticism", "global skeptic") and Q._named_alike("local skeptic", "skepticism")
    assert Q._named_alike("empiricism", "British empiricist")
    # a kind beside a kind is a fair contrast; a plural is no derivation; different stems stay apart
    assert not Q._named_alike("global skeptic", "local skeptic")
    assert not Q._named_alike("one-sided limit", "infinite limits")
    assert not Q._named_alike("rationalism", "determinism") and not Q._named_alike("for loop", "while loop")


def test_a_definition_that_gives_the_other_name_makes_one_answer():
    ev = ConceptInfo("urn:ev", STA["ev"]["label"], STA["ev"]["definition"])
    mpd = ConceptInfo("urn:mpd", STA["mpd"]["label"], STA["mpd"]["definition"])
    var = ConceptInfo("urn:var", STA["var"]["label"], STA["var"]["definition"])
    assert Q._also_called(ev, mpd) and not Q._also_called(mpd, ev)
    assert not Q._also_called(var, mpd)             # "the mean of …" is no other name
    ww = ConceptInfo("urn:ww", "wu wei", PHI["ww"]["definition"])
    assert Q._also_called(ww, ConceptInfo("urn:na", "nonaction", "Not acting."))
    assert not Q._also_called(ConceptInfo("urn:x", "z", "Also called the mean deviation."), mpd)


@pytest.mark.parametrize("concepts, asked, never", [
    (PHI, "sk", {"gs", "ls"}),           # phi-014 / phi-035
    (PHI, "ww", {"ww2"}),                # phi-031
    (PHI, "ww2", {"ww"}),
    (STA, "mpd", {"ev"}),                # sta-069 (partner) and sta-052 (distractor)
    (STA, "ev", {"mpd"}),
])
def test_a_contrast_never_offers_another_name_or_a_kind_of_the_asked_concept(tiny_store, concepts, asked, never):
    b = Builder(tiny_store(concepts), similarity_kind="lexical")
    ctx = Q._Ctx(b, QuizConfig(), "urn:t:cur", list(b.view.concepts), {}, 1)
    a = ctx.concept("urn:t:" + asked)
    banned = {"urn:t:" + k for k in never}
    ds, _ = Q._term_distractors(ctx, a, 8)
    assert ds and not {d.iri for d in ds} & banned
    made = 0
    for seed in "abcd":
        q = build_quiz(b, a.iri, QuizConfig(n=6, types=("contrast", "multichoice"), include_curriculum=False,
                                            seed=seed))
        for it in q.items:
            assert not set(it.concepts) & banned, (item_kind(it), it.stem, it.concepts)
            made += 1
    # (every contrast on "Expected Value" gives its key away: "expected" in stem and key, a flaw)
    assert made or asked == "ev"


# ---- 4. a math item's feedback is for the learner ---------------------------------------------------
def test_math_feedback_shows_the_rule_and_the_computation_not_the_tool(tiny_store):
    store = tiny_store({"chain": {"label": "chain rule", "definition": "A rule for differentiating a composition "
                                  "of functions: the outer derivative times the inner one."},
                        "deriv": {"label": "derivative", "definition": "The instantaneous rate of change of a "
                                  "function."}},
                       section_text="Find the derivative of h(x) = sin (x³).")
    q = build_quiz(Builder(store, similarity_kind="lexical"), "urn:t:s1", QuizConfig(n=4, types=("math",)))
    (it,) = [it for it in q.items if item_kind(it) == "math"]
    shown = [it.feedback] + [c.feedback for c in it.choices]
    assert not any("sympy" in t or "computed" in t or "slip, computed" in t for t in shown), shown
    assert it.feedback == "By the chain rule and the power rule, h′(x) = 3x² cos(x³)."
    assert [c.feedback for c in it.choices if c.correct] == [
        "Correct: by the chain rule and the power rule, h′(x) = 3x² cos(x³)."]
    assert "computed with sympy" in it.verification      # how it was checked stays for the author
