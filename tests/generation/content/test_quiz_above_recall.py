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


def test_classify_item_names_the_concept_a_cited_sentence_is_about(builder):
    """"Which concept does this passage describe?": the sentence is one of the cited section's
    (its term left out once, early in it), the key is the concept, and no distractor is named
    in the sentence or broader / narrower than the key in the graph."""
    from generation.content.quiz import QuizConfig, build_quiz
    v = builder.view
    seen = 0
    for s in ("s6-4", "s4-2", "s7-2", "s5-1"):
        quiz = build_quiz(builder, DEMO + "section/" + s, QuizConfig(n=8, types=("classify",), include_curriculum=False))
        for it in quiz.items:
            assert item_kind(it) == "classify" and it.bloom == "understand"
            a = v.concept(it.concept)
            quoted = re.search(r"“(.*)”", it.stem, re.S).group(1)
            assert quoted.count("…") == 1 and not re.search(r"(?i)\b" + re.escape(a.label) + r"\b", quoted)
            [ev] = [e for e in it.evidence if e.paragraph not in ("definition", "glossary")]
            # "a(n) …": the article is left open so it does not tell the key (judge round 9)
            told = {quoted.replace("a(n) …", art + " …").replace("A(n) …", art.capitalize() + " …")
                    .replace("…", a.label).lower() for art in ("a", "an")}
            assert ev.paragraph and " ".join(ev.text.split()).lower() in told
            key = it.correct_choices()
            assert len(key) == 1 and key[0].text == a.label == it.answer
            for d in it.concepts[1:]:
                assert d not in v.ancestors(a.iri) and a.iri not in v.ancestors(d)
                assert not re.search(r"(?i)\b" + re.escape(v.label(d)) + r"\b", ev.text)
            seen += 1
    assert seen >= 3


def test_false_statement_never_borrows_a_definition_that_may_hold(tiny_store):
    """The three wrong keys of the blind judgement: "Big-O notation is <time complexity's
    definition>", "perceived control means <locus of control's>", "<traceback's definition,
    which names exception>" for exception. A true/false item joins the term only to a
    definition that shares no defining words with its own, does not name it, and is not
    linked to it in the graph."""
    from generation.content.builder import Builder
    from generation.content.quiz import _Ctx, _swap_unsafe
    concepts = {
        "bigo": {"label": "Big-O notation", "definition": "A notation such as O(n) that states an upper bound on "
                 "how fast an algorithm's running time grows with input size n."},
        "tc": {"label": "time complexity", "definition": "A description of how the number of basic steps an "
               "algorithm takes grows as the size of its input grows."},
        "exc": {"label": "exception", "definition": "An object Python creates to signal a runtime error."},
        "tb": {"label": "traceback", "definition": "The report Python prints when an exception is not handled."},
        "pc": {"label": "perceived control", "definition": "Peoples' beliefs concerning their capacity to influence "
               "and shape outcomes in their lives."},
        "loc": {"label": "locus of control", "definition": "Beliefs about the power we have over our lives and "
                "their outcomes."},
        "str": {"label": "string", "definition": "A sequence of characters written between quotation marks."},
        "loop": {"label": "loop", "definition": "A control structure that runs a block of code repeatedly."},
        "wl": {"label": "while loop", "definition": "A statement that repeats its body while a condition "
               "holds.", "requires": ["loop"]},
    }
    b = Builder(tiny_store(concepts), similarity_kind="lexical")
    v = b.view
    c = lambda k: v.concept("urn:t:" + k)   # noqa: E731
    ctx = _Ctx(b, QuizConfig(), "", list(v.concepts), {}, 1)
    assert "defining words" in _swap_unsafe(ctx, c("bigo"), c("tc"))
    assert "defining words" in _swap_unsafe(ctx, c("pc"), c("loc"))
    assert "names exception" in _swap_unsafe(ctx, c("exc"), c("tb"))
    assert "graph links" in _swap_unsafe(ctx, c("wl"), c("loop"))
    assert _swap_unsafe(ctx, c("bigo"), c("str")) == "" and _swap_unsafe(ctx, c("exc"), c("loop")) == ""
    for k in ("bigo", "pc", "exc"):
        q = build_quiz(b, "urn:t:" + k, QuizConfig(n=6, types=("truefalse",), include_curriculum=False,
                                                    seed="odd"))
        for it in q.items:
            if it.answer == "false":
                assert _swap_unsafe(ctx, v.concept(it.concept), v.concept(it.concepts[1])) == ""


def test_listing_with_one_unset_input_is_asked_for_one_value():
    """``if temp > 30: … elif temp > 20: …`` never sets temp: it is run with a value in each
    gap between the numbers it compares with; the other gaps' outputs are distractors."""
    from generation.content.quiz import _free_input
    code = 'if temp > 30:\n    print("hot")\nelif temp > 20:\n    print("warm")\nelse:\n    print("cold")'
    name, values = _free_input(code)
    assert name == "temp" and values == [15, 25, 35]
    outs = [run_python(f"temp = {v}\n{code}").stdout.strip() for v in values]
    assert outs == ["cold", "warm", "hot"]
    assert _free_input("x = 1\nprint(x)") == ("", [])                    # nothing unset
    assert _free_input("print(a + b)") == ("", [])                       # two unset names
    assert _free_input("print(name.upper())") == ("", [])                # compared with no number


def test_a_quiz_asks_each_confused_pair_once_and_is_half_above_recall(builder):
    """Two contrast items per concept at most, never on the same pair (in either order), and
    a default quiz alternates: at least half its generated items are above recall where the
    section allows (the demo's "Functions" section has contrast and classify items to give)."""
    quiz = build_quiz(builder, DEMO + "section/s6-1", n=10)
    pairs = [frozenset(it.concepts[:2]) for it in quiz.items if item_kind(it) == "contrast"]
    assert pairs and len(pairs) == len(set(pairs))
    gen = [it for it in quiz.items if it.source == "generated"]
    above = [it for it in gen if it.bloom != "remember"]
    assert len(gen) >= 4 and len(above) >= len(gen) / 2
    assert len({item_kind(it) for it in gen}) >= 3          # alternates, not all one kind


def test_classify_passes_over_instructions_and_glued_headings(tiny_store):
    """An exercise's instruction ("…, find dy/dx.") and a heading run into the next sentence
    ("The Power Rule We have shown …") are never a passage to classify; a lexical ranking
    never claims a pair is "easily confused"."""
    from generation.content.builder import Builder
    text = ("The Power Rule We have shown that the derivative of x squared is 2x for every real number x.\n\n"
            "Using implicit differentiation Assuming that y is defined implicitly by the equation, find dy/dx.\n\n"
            "The power rule turns the exponent into a coefficient and lowers the exponent by one each time.")
    concepts = {"pr": {"label": "power rule", "definition": "The derivative of a power: the exponent becomes a "
                                                             "coefficient and the exponent is lowered by one."},
                "ch": {"label": "chain rule", "definition": "The derivative of a composition of two functions."},
                "qr": {"label": "quotient rule", "definition": "The derivative of a ratio of two functions."},
                "id": {"label": "implicit differentiation", "definition": "Differentiating both sides of an equation."},
                "lim": {"label": "limit", "definition": "The value a function approaches near a point."}}
    b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=10, types=("classify", "contrast"), include_curriculum=False))
    quoted = [re.search(r"“(.*)”", it.stem, re.S).group(1) for it in q.items if item_kind(it) == "classify"]
    assert quoted == ["The … turns the exponent into a coefficient and lowers the exponent by one each time."]
    assert all("easily confused" not in it.stem for it in q.items)


def test_easily_confused_is_claimed_from_text_embeddings_only():
    """The teacher's relevance (how likely two concepts are related) never licenses "easily
    confused"; the text-embedding cosine behind it does, and word overlap never does."""
    from types import SimpleNamespace as NS

    from generation.content.quiz import _text_cosine

    def sim(name, value, fallback=None):
        s = NS(name=name, scores=lambda focus, cands: {c: value for c in cands})
        if fallback is not None:
            s.fallback = fallback
        return s

    minilm = sim("minilm:all-MiniLM-L6-v2", 0.31)
    assert _text_cosine(sim("teacher:abc", 0.97, fallback=minilm), "a", "b") == 0.31
    assert _text_cosine(minilm, "a", "b") == 0.31
    assert _text_cosine(sim("teacher:abc", 0.97, fallback=sim("lexical", 0.9)), "a", "b") == 0.0
    assert _text_cosine(sim("lexical", 0.9), "a", "b") == 0.0


def test_no_key_distractor_pair_named_alike(tiny_store):
    """Round 3 of the blind judge found two right answers where the options' concepts were
    one thing by name ("comorbid disorder" / "comorbidity", the theorem / "the theorem, part
    2") and where a passage half-named a distractor ("… evaluate limits involving the
    quotient …" fits "limit laws"). None of them is offered as a distractor any more."""
    from generation.content.builder import Builder
    concepts = {
        "cd": {"label": "comorbid disorder", "definition": "An individual who has two or more diagnoses at once."},
        "cm": {"label": "comorbidity", "definition": "Co-occurrence of two disorders in the same individual."},
        "md": {"label": "mood disorder", "definition": "One of a group of disorders with severe disturbances in mood."},
        "ad": {"label": "anxiety disorder", "definition": "A disorder marked by excessive fear and worry."},
        "ph": {"label": "phobia", "definition": "An intense fear of a specific object or situation."},
        "lh": {"label": "L'Hôpital's rule", "definition": "A rule that uses derivatives to find limits of indeterminate forms."},
        "ll": {"label": "limit laws", "definition": "The individual properties of limits of sums and products."},
        "sq": {"label": "squeeze theorem", "definition": "A function trapped between two others with one limit has it too."},
        "id": {"label": "infinite discontinuity", "definition": "A point where a one-sided limit is infinite."},
    }
    text = ("L'Hôpital's rule can be used to evaluate limits involving the quotient of two functions "
            "when both go to zero at the same point.\n\n"
            "Comorbid disorder is common among people who seek treatment in an outpatient clinic for anxiety.")
    b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=20, types=("classify", "contrast"), include_curriculum=False))
    pairs = [(it.concept, {c.concept for c in it.choices} - {it.concept}) for it in q.items]
    assert pairs, "no classify or contrast item was built"
    by = {iri: c["label"] for iri, c in concepts.items()}
    for key, others in pairs:
        names = {by.get(o.rsplit(":", 1)[-1], o) for o in others}
        if key.endswith(":cd"):
            assert "comorbidity" not in names
        if key.endswith(":lh"):
            assert "limit laws" not in names


def test_everyday_word_is_not_the_concept(tiny_store):
    """A one-word label that is an everyday word too ("range", "fact") is asked about only
    from a sentence about the concept: round 4 of the blind judge found "Slices copy out a
    range of positions" asked as a passage about Python's range."""
    from generation.content.builder import Builder
    concepts = {
        "rg": {"label": "range", "definition": "A built-in object that represents an arithmetic sequence of integers."},
        "sl": {"label": "slice", "definition": "A part of a sequence picked out by a start and a stop index."},
        "ls": {"label": "list", "definition": "A mutable sequence of items in square brackets."},
        "tp": {"label": "tuple", "definition": "An immutable sequence of items in round brackets."},
        "dc": {"label": "dictionary", "definition": "A mapping from keys to values."},
    }
    everyday = "Slices copy out a range of positions from a sequence and leave the original untouched."
    about = ("Looping over a range visits each integer of its arithmetic sequence in turn, so the "
             "loop body runs once per value.")
    for text, expect in ((everyday, 0), (about, 1)):
        b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
        q = build_quiz(b, "urn:t:s1", QuizConfig(n=10, types=("classify",), include_curriculum=False))
        asked = [it for it in q.items if it.concept.endswith(":rg")]
        assert len(asked) == expect, [it.stem for it in q.items]


def test_cloze_and_true_statements_that_do_not_pin_the_concept_are_passed_over(tiny_store):
    """Round 5 of the blind judge: a cloze whose sentence fits other concepts too ("The idea
    behind _____ can be explained using local linear approximations") and a sentence of the
    text kept as a true statement although a sweeping word makes it false out of context
    ("Only checking the output … reveals a logic error")."""
    from generation.content.builder import Builder
    concepts = {
        "lh": {"label": "L'Hôpital's rule", "definition": "A rule that finds a limit of a quotient of two functions "
                                                          "from the quotient of their derivatives."},
        "le": {"label": "logic error", "definition": "A mistake in a program's reasoning: it runs but gives the wrong output."},
        "nm": {"label": "Newton's method", "definition": "A method that approximates a root by repeated tangent lines."},
        "df": {"label": "differential", "definition": "The change of a function's linear approximation."},
    }
    text = ("The idea behind L'Hôpital's rule can be explained using local linear approximations.\n\n"
            "Only checking the output against what it should be reveals a logic error.\n\n"
            "L'Hôpital's rule replaces the quotient of two functions by the quotient of their derivatives "
            "when both limits are zero.")
    b = Builder(tiny_store(concepts, section_text=text), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=12, types=("cloze", "truefalse"), include_curriculum=False))
    stems = [it.stem for it in q.items]
    assert not any("The idea behind" in it.stem for it in q.items if it.type == "cloze"), stems
    assert not any(s.startswith("True or false: Only") for s in stems), stems
    assert any("quotient of their derivatives" in s and it.type == "cloze" for s, it in zip(stems, q.items)), stems


def test_contrast_never_offers_a_kind_of_the_concept(tiny_store, monkeypatch):
    """Round 6 of the blind judge: "Which description is of neurodevelopmental disorder, NOT of
    autism spectrum disorder?" had two right answers, because the text says ASD "is a set of
    neurodevelopmental disorders". A concept whose defining sentences name the asked-about one
    (in any inflection) is a kind of it and never its contrast or a distractor."""
    from types import SimpleNamespace as NS

    from generation.content import quiz as Q
    from generation.content.builder import Builder
    concepts = {
        "nd": {"label": "neurodevelopmental disorder", "definition": "One of the disorders first diagnosed in "
                                                                     "childhood that involve developmental problems."},
        "as": {"label": "autism spectrum disorder", "definition": "Childhood disorder with deficits in social "
                                                                  "interaction and repetitive behaviour."},
        "ad": {"label": "attention deficit disorder", "definition": "Childhood disorder of inattentiveness and "
                                                                    "impulsive behaviour."},
        "dp": {"label": "developmental psychology", "definition": "Scientific study of development across a lifespan."},
        "ph": {"label": "phobia", "definition": "An intense fear of a specific object or situation."},
        "sc": {"label": "schizophrenia", "definition": "Severe disorder with hallucinations, delusions and "
                                                       "disorganised thinking."},
        "bp": {"label": "bipolar disorder", "definition": "Mood disorder with episodes of mania and depression."},
        "ed": {"label": "eating disorder", "definition": "Disorder of eating behaviour such as anorexia or bulimia."},
    }
    said = {"urn:t:as": "Autism spectrum disorder is a set of neurodevelopmental disorders with social problems.",
            "urn:t:ad": "Attention deficit disorder is among the neurodevelopmental disorders of childhood."}
    monkeypatch.setattr(Q, "_evidence", lambda ctx, iri, kinds, k=8: [NS(text=said[iri], section="", paragraph="p1")]
                        if iri in said and "definition" in kinds else [])
    b = Builder(tiny_store(concepts), similarity_kind="lexical")
    q = build_quiz(b, "urn:t:s1", QuizConfig(n=10, types=("contrast",), include_curriculum=False))
    on_nd = [it for it in q.items if it.concept == "urn:t:nd"]
    assert on_nd, [it.stem for it in q.items]
    for it in on_nd:
        assert not {"urn:t:as", "urn:t:ad"} & {c.concept for c in it.choices}, it.stem
