"""kg.evidence: the evidence index built at import (sentences that define, use, exemplify a
concept, code, exercises), ranked, stored in graph/evidence/<source>, read back by SPARQL
and by ``evidence()``; mention counts."""
from __future__ import annotations

from pathlib import Path

import pytest

import kg.evidence as kev
from kg.evidence import Evidence, EvidenceError, evidence, evidence_graph, rebuild_evidence, split_blocks, split_sentences
from kg.importing import import_sources
from kg.iris import mint, source_graph
from ontology.namespaces import KGS

FIXTURES = Path(__file__).parent / "fixtures"

COURSE = """\
curriculum:
  id: ev-course
  title: Evidence Course
  language: en
  license: https://creativecommons.org/licenses/by/4.0/
concepts:
  - id: theory
    label: Theory
    definition: A well-developed set of ideas that explains observed phenomena.
    defined_in: s-method
  - id: hypothesis
    label: Hypothesis
    definition: A tentative and testable explanation.
    defined_in: s-method
  - id: for-loop
    label: For loop
    definition: A loop that runs its body once for each item.
    defined_in: s-loops
chapters:
  - id: ch1
    title: Method
    sections:
      - id: s-method
        title: The Scientific Method
        summary: A hypothesis is a prediction that a study can test.
        text: |
          Scientists test ideas about the world.

          A theory is a broad explanation that many observations support. Theories
          generate hypotheses.

          [A diagram shows the cycle from theory to hypothesis.]

          For example, two hypotheses about sleep were tested in 2010. (credit: Jane Doe)
  - id: ch2
    title: Loops
    sections:
      - id: s-loops
        title: For Loops
        text: |
          A for loop visits each item of a list in turn.

          ```python
          for x in [1, 2]:
              print(x)
          ```

          Our hypothesis is that loops save typing.
        questions:
          - id: q-loop
            type: short-answer
            stem: Which for loop prints 1 and then 2?
            answer: for x in [1, 2] followed by print(x)
"""


def _iri(local: str) -> str:
    return str(mint("ev-course", "concept", local))


def _sec(local: str) -> str:
    return str(mint("ev-course", "section", local))


@pytest.fixture
def course(tmp_path, mem_store):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")
    summary = import_sources(mem_store, [path], validate=False)[0]
    return mem_store, summary


def test_definitions_first_then_examples_uses_exercises(course):
    store, imported = course
    ev = evidence(store, _iri("hypothesis"))
    assert [(e.kind, e.text) for e in ev] == [
        ("definition", "A tentative and testable explanation."),
        ("definition", "A hypothesis is a prediction that a study can test."),      # the summary
        ("example", "For example, two hypotheses about sleep were tested in 2010."),  # credit cut
        ("use", "Theories generate hypotheses."),
        ("use", "Our hypothesis is that loops save typing."),
    ]
    glossary, summary, example, use, later = ev
    assert (summary.section, summary.paragraph) == (_sec("s-method"), "summary")
    assert (glossary.section, glossary.section_label, glossary.paragraph) == \
        (_sec("s-method"), "The Scientific Method", "glossary")
    assert (example.section, example.paragraph) == (_sec("s-method"), "p4")
    assert (use.paragraph, later.paragraph, later.section_label) == ("p2", "p3", "For Loops")
    assert [e.score for e in ev] == sorted((e.score for e in ev), reverse=True)
    assert all(0 <= e.score < 1 for e in ev)
    assert use.position < later.position            # reading order: chapter 1 before chapter 2
    # the section that teaches (defines) the concept outranks a later one, same kind
    assert use.score > later.score
    assert imported.counts["evidence"] >= 9 and imported.counts["concepts_with_evidence"] == 3


def test_defining_sentence_code_and_exercise(course):
    store, _ = course
    theory = evidence(store, _iri("theory"), kinds=["definition"])
    assert [e.text for e in theory] == [
        "A well-developed set of ideas that explains observed phenomena.",
        "A theory is a broad explanation that many observations support.",
    ]
    assert theory[1].paragraph == "p2" and theory[1].section == _sec("s-method")
    loop = evidence(store, _iri("for-loop"))
    assert [e.kind for e in loop] == ["definition", "code", "use", "exercise"]
    assert loop[1] == Evidence(_iri("for-loop"), "```python\nfor x in [1, 2]:\n    print(x)\n```", "code",
                               _sec("s-loops"), "For Loops", "p2", loop[1].position, loop[1].score)
    assert loop[3].text == "Which for loop prints 1 and then 2?" and loop[3].section == _sec("s-loops")
    # no figure description is evidence of anything
    assert not any("diagram" in e.text for c in ("theory", "hypothesis") for e in evidence(store, _iri(c)))


def test_kinds_and_k(course):
    store, _ = course
    assert [e.kind for e in evidence(store, _iri("hypothesis"), kinds=["use", "example"], k=2)] == ["example", "use"]
    assert evidence(store, _iri("hypothesis"), k=1)[0].kind == "definition"
    assert evidence(store, _iri("hypothesis"), kinds=[]) == []
    assert evidence(store, _iri("nothing-here")) == []
    with pytest.raises(EvidenceError, match="unknown evidence kind 'quote'"):
        evidence(store, _iri("hypothesis"), kinds=["quote"])
    with pytest.raises(EvidenceError, match="not a concept IRI"):
        evidence(store, "> } DROP ALL {")


def test_sparql_reads_the_index_and_mention_counts(course):
    store, _ = course
    rows = store.select(f"""PREFIX kgs: <{KGS}>
        SELECT ?text ?sec WHERE {{ GRAPH <{evidence_graph(str(source_graph('ev-course')))}> {{
            ?e a kgs:Evidence ; kgs:about <{_iri('theory')}> ; kgs:evidenceKind "definition" ;
               kgs:text ?text ; kgs:inSection ?sec ; kgs:score ?score }} }} ORDER BY DESC(?score)""")
    assert [str(r["text"]) for r in rows] == [
        "A well-developed set of ideas that explains observed phenomena.",
        "A theory is a broad explanation that many observations support."]
    counts = {(str(r["sec"]), str(r["c"])): int(r["n"]) for r in store.select(f"""PREFIX kgs: <{KGS}>
        SELECT ?sec ?c ?n WHERE {{ ?m a kgs:Mention ; kgs:inSection ?sec ; kgs:about ?c ; kgs:mentionCount ?n }}""")}
    assert counts == {
        (_sec("s-method"), _iri("theory")): 2, (_sec("s-method"), _iri("hypothesis")): 2,
        (_sec("s-loops"), _iri("for-loop")): 1, (_sec("s-loops"), _iri("hypothesis")): 1}
    assert store.ask(f"ASK {{ <{_sec('s-loops')}> <{KGS.mentions}> <{_iri('hypothesis')}> }}")
    # the source graph itself is what the importer wrote: no evidence in it
    assert not store.ask(f"ASK {{ GRAPH <{source_graph('ev-course')}> {{ ?e a <{KGS.Evidence}> }} }}")


def test_a_failing_index_leaves_the_store_unchanged(tmp_path, mem_store, monkeypatch):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")

    def boom(*a, **kw):
        raise RuntimeError("index failed")

    monkeypatch.setattr(kev, "build_evidence", boom)
    with pytest.raises(RuntimeError):
        import_sources(mem_store, [path], validate=False)
    assert mem_store.named_graphs() == []


def test_rebuild_gives_the_same_index(course):
    store, _ = course
    graph = str(evidence_graph(str(source_graph("ev-course"))))
    before = store.graph_triples(graph)
    store.drop_graph(graph)
    assert evidence(store, _iri("theory")) == []
    rebuild_evidence(store, str(source_graph("ev-course")), "ev-course")
    assert store.graph_triples(graph) == before


def test_inline_term_book_definitions_keep_their_source_paragraph(mem_store):
    """A book without a glossary (inline <term> in defining sentences): the definition is the
    sentence where it stands, with the source's paragraph id; examples and code of typed
    resources are cited by the resource."""
    import_sources(mem_store, [FIXTURES / "cnxml" / "inlinebook"], validate=False)
    statement = str(mint("inline-book", "concept", "statement"))
    ev = evidence(mem_store, statement)
    first = ev[0]
    assert (first.kind, first.text, first.paragraph, first.section_label) == (
        "definition", "A statement describes some action to be carried out.", "para-00003", "Basic Output")
    examples = [e for e in ev if e.kind == "example"]
    assert [(e.text, e.section_label) for e in examples] == [
        ("The statement `print(1, 2)` prints two values separated by a space:", "Example: Printing two values")]
    code = evidence(mem_store, str(mint("inline-book", "concept", "print")), kinds=["code"])
    assert '```python\nprint("Hello")\nprint("Goodbye")\n```' in [e.text for e in code]


def test_split_blocks_and_sentences():
    assert split_blocks("Intro line.\n```\nx = 1\n\ny = 2\n```\nAfter.") == [
        ("prose", "Intro line."), ("code", "```\nx = 1\n\ny = 2\n```"), ("prose", "After.")]
    assert split_sentences("Freud (e.g. in 1900) wrote it. Then J. B. Watson disagreed. 42 agreed.") == [
        "Freud (e.g. in 1900) wrote it.", "Then J. B. Watson disagreed.", "42 agreed."]


@pytest.mark.parametrize("sentence, label, defines", [
    ("A statement describes some action to be carried out.", "statement", True),
    ("Agonists are chemicals that mimic a neurotransmitter.", "Agonists", True),
    ("Altruism is people’s desire to help others.", "Altruism", True),
    ("Anxiety disorders are characterized by excessive fear.", "Anxiety disorders", True),
    ("An expression is anything Python can work out to a value.", "expression", True),
    ("Psychology (from the Greek) is the scientific study of the mind.", "Psychology", True),
    ("This process is called operant conditioning.", "operant conditioning", True),
    ("Job satisfaction is measured using questionnaires that employees complete.", "Job satisfaction", False),
    ("Behaviorism is largely responsible for it.", "Behaviorism", False),
    ("The amygdala is involved in fear.", "amygdala", False),
    ("Researchers who study memory use a hypothesis.", "hypothesis", False),
])
def test_defining_sentences(sentence, label, defines):
    i = sentence.find(label)
    assert kev._defines(sentence, i, i + len(label)) is defines


def test_reimport_keeps_or_rebuilds_the_index(tmp_path, mem_store, monkeypatch):
    path = tmp_path / "course.yaml"
    path.write_text(COURSE, encoding="utf-8")
    first = import_sources(mem_store, [path], validate=False)[0]
    graph = str(evidence_graph(str(source_graph("ev-course"))))
    before = mem_store.graph_triples(graph)
    calls = []
    real = kev.build_evidence
    monkeypatch.setattr(kev, "build_evidence", lambda *a, **kw: calls.append(1) or real(*a, **kw))
    again = import_sources(mem_store, [path], validate=False)[0]     # unchanged: index kept
    assert calls == [] and mem_store.graph_triples(graph) == before
    assert {k: again.counts[k] for k in ("evidence", "concepts_with_evidence", "mention_counts")} == \
        {k: first.counts[k] for k in ("evidence", "concepts_with_evidence", "mention_counts")}
    path.write_text(COURSE.replace("Our hypothesis is that loops save typing.",
                                   "Our hypothesis is that loops save time."), encoding="utf-8")
    import_sources(mem_store, [path], validate=False)                 # changed: rebuilt
    assert calls == [1]
    assert "Our hypothesis is that loops save time." in [e.text for e in evidence(mem_store, _iri("hypothesis"))]
    monkeypatch.setattr(kev, "INDEX_VERSION", "test")                  # new rules: rebuilt
    import_sources(mem_store, [path], validate=False)
    assert calls == [1, 1]
