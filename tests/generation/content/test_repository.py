"""The content repository: versions, optimistic concurrency, review states, PROV-O."""
from __future__ import annotations

import pytest

from generation.base import Triple
from generation.content.model import ItemState, Lesson, Paragraph, Quiz, QuizItem
from generation.content.repository import (InvalidTransition, ItemNotFound, Repository, StaleVersion,
                                           item_iri)
from ontology.namespaces import CONTENT_GRAPH, KGS, PROV, RDF, REVIEWS_GRAPH


@pytest.fixture
def repo(mem_store):
    return Repository(mem_store)


def _lesson(title="Loops", text="A loop repeats."):
    return Lesson(iri=item_iri("lesson", "urn:c:loop"), title=title, scope="urn:c:loop",
                  paragraphs=[Paragraph(text, generator="student", checkpoint="ck-123",
                                        triples=[Triple("urn:c:loop", "http://www.w3.org/2000/01/rdf-schema#label", "Loop"),
                                                 Triple("urn:c:loop", str(KGS.requires), "urn:c:value")],
                                        concepts=["urn:c:loop"])],
                  check_questions=[QuizItem(type="truefalse", stem="Loops repeat.", answer="true", concept="urn:c:loop")])


def test_save_get_round_trip_and_versions(repo):
    lesson = _lesson()
    meta = repo.save(lesson, author="ana")
    assert (meta.version, meta.state, meta.author) == (1, ItemState.DRAFT, "ana")
    got = repo.get(lesson.iri)
    assert got.paragraphs == lesson.paragraphs and got.check_questions == lesson.check_questions
    assert got.meta.version == 1 and got.meta.author == "ana" and got.meta.created_at.endswith("Z")
    lesson.title = "Loops, revised"
    assert repo.save(lesson, author="bob", expected_version=1).version == 2
    assert repo.get(lesson.iri, 1).title == "Loops"
    assert repo.get(lesson.iri).title == "Loops, revised"
    assert [(m.version, m.author) for m in repo.history(lesson.iri)] == [(1, "ana"), (2, "bob")]
    with pytest.raises(ItemNotFound):
        repo.get(lesson.iri, 7)


def test_stale_save_is_refused_and_the_first_kept(repo):
    lesson = _lesson()
    repo.save(lesson, author="ana", expected_version=0)
    mine = repo.get(lesson.iri)
    theirs = repo.get(lesson.iri)
    theirs.title = "theirs"
    repo.save(theirs, author="bob", expected_version=1)
    mine.title = "mine"
    with pytest.raises(StaleVersion) as e:
        repo.save(mine, author="ana", expected_version=1)
    assert "version 2" in str(e.value) and "Reload" in str(e.value)
    assert repo.get(lesson.iri).title == "theirs" and repo.current_version(lesson.iri) == 2
    with pytest.raises(StaleVersion):
        repo.save(_lesson(), author="carol", expected_version=0)   # "new" item that exists


def test_review_transitions_record_who_when_and_why(repo):
    lesson = _lesson()
    repo.save(lesson, author="ana")
    assert repo.submit(lesson.iri, by="ana").state == ItemState.IN_REVIEW
    assert repo.request_changes(lesson.iri, by="rev", comment="too short").state == ItemState.CHANGES_REQUESTED
    assert repo.approve(lesson.iri, by="rev", comment="fine now").state == ItemState.APPROVED
    with pytest.raises(InvalidTransition):
        repo.submit(lesson.iri, by="ana")
    reviews = repo.reviews(lesson.iri)
    assert [(r.action, r.from_state.value, r.to_state.value, r.by) for r in reviews] == [
        ("submit", "draft", "in_review", "ana"), ("request_changes", "in_review", "changes_requested", "rev"),
        ("approve", "changes_requested", "approved", "rev")]
    assert reviews[1].comment == "too short" and reviews[2].at.endswith("Z")
    # a new version goes back to draft; the approval stays in the history
    repo.save(lesson, author="ana")
    assert repo.state(lesson.iri) == ItemState.DRAFT
    assert repo.reject(lesson.iri, by="rev").state == ItemState.REJECTED


def test_list_by_state_kind_and_resolve(repo):
    a, q = _lesson(), Quiz(iri=item_iri("quiz", "urn:c:loop"), title="Quiz: loops", scope="urn:c:loop")
    repo.save(a, author="ana")
    repo.save(q, author="bob")
    repo.approve(q.iri, by="rev")
    assert {s.iri for s in repo.list()} == {a.iri, q.iri}
    assert [s.iri for s in repo.list(state="approved")] == [q.iri]
    assert [s.kind for s in repo.list(kind="lesson")] == ["lesson"]
    assert [s.iri for s in repo.list(author="bob")] == [q.iri]
    assert repo.resolve(q.iri.rsplit("/", 2)[-2] + "/" + q.iri.rsplit("/", 1)[-1]) == q.iri
    with pytest.raises(ItemNotFound):
        repo.resolve("no-such-item")
    assert [it.iri for it in repo.items(state="approved")] == [q.iri]


def test_provenance_is_prov_o_with_reified_source_triples(repo, mem_store):
    lesson = _lesson()
    repo.save(lesson, author="ana")
    v = lesson.iri + "/v1"
    assert mem_store.ask(f"""ASK {{ GRAPH <{CONTENT_GRAPH}> {{
        <{v}> <{PROV.wasAttributedTo}> ?a ; <{PROV.generatedAtTime}> ?t ; <{KGS.hasParagraph}> ?p .
        ?p <{KGS.generatorKind}> "student" ; <{KGS.modelCheckpoint}> "ck-123" ; <{PROV.wasDerivedFrom}> ?s .
        ?s a <{RDF.Statement}> ; <{RDF.subject}> <urn:c:loop> ; <{RDF.predicate}> <{KGS.requires}> ;
           <{RDF.object}> <urn:c:value> . }} }}""")
    # the source fact is reified, never asserted: generated content adds no prerequisite
    assert not mem_store.ask(f"ASK {{ <urn:c:loop> <{KGS.requires}> ?x }}")
    repo.approve(lesson.iri, by="rev")
    assert mem_store.ask(f"ASK {{ GRAPH <{REVIEWS_GRAPH}> {{ ?r <{KGS.reviewOf}> <{v}> ; "
                         f"<{PROV.wasAssociatedWith}> ?who ; <{PROV.endedAtTime}> ?t }} }}")


def test_hostile_text_survives_storage(repo):
    text = 'He said "hi" \\ <script>alert(1)</script>\nשלום 🙂'
    lesson = _lesson(title=text, text=text)
    repo.save(lesson, author='O\'Brien "x"')
    got = repo.get(lesson.iri)
    assert got.title == text and got.paragraphs[0].text == text and got.meta.author == 'O\'Brien "x"'


def test_item_graph_holds_the_version_its_provenance_and_reviews(repo):
    from rdflib import URIRef
    lesson = _lesson()
    repo.save(lesson, author="ana")
    repo.save(lesson, author="bob")
    repo.approve(lesson.iri, by="rev", comment="ok")
    g = repo.item_graph(lesson.iri, payload=False)
    v2, v1 = URIRef(lesson.iri + "/v2"), URIRef(lesson.iri + "/v1")
    assert (v2, RDF.type, KGS.ContentVersion) in g and (v2, PROV.wasRevisionOf, v1) in g
    assert not list(g.triples((v1, None, None)))          # only the version asked for
    assert not list(g.triples((None, KGS.payload, None)))
    assert list(g.triples((None, KGS.reviewOf, v2)))
    assert {str(o) for o in g.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))} >= {"bob", "rev"}
    assert list(g.triples((None, RDF.subject, URIRef("urn:c:loop"))))
    assert len(repo.item_graph(lesson.iri, 1)) > 10
    g.serialize(format="json-ld")


def test_a_question_is_derived_from_its_evidence_sentences(repo, mem_store):
    """Each generated question's evidence (QuizItem.evidence) is in the graph as PROV-O: the
    question node was derived from one entity per sentence, with its text, section and
    paragraph, and the way its key was checked; hostile text stays text."""
    from generation.content.model import ItemEvidence
    sentence = 'A loop "repeats" <b>its body</b> while its condition holds.'
    lesson = _lesson()
    lesson.check_questions[0].evidence = [ItemEvidence(sentence, section="urn:s:loops", paragraph="p3",
                                                       concept="urn:c:loop")]
    lesson.check_questions[0].verification = "the statement is a sentence of the cited section"
    repo.save(lesson, author="ana")
    rows = mem_store.select(f"""SELECT ?text ?sec ?para ?how WHERE {{ GRAPH <{CONTENT_GRAPH}> {{
        <{lesson.iri}/v1> <{KGS.hasQuestion}> ?q . ?q <{PROV.wasDerivedFrom}> ?e ; <http://www.w3.org/2000/01/rdf-schema#comment> ?how .
        ?e a <{PROV.Entity}> ; <{KGS.text}> ?text ; <{KGS.inSection}> ?sec ; <http://purl.org/dc/terms/identifier> ?para }} }}""")
    assert [(str(r["text"]), str(r["sec"]), str(r["para"])) for r in rows] == [(sentence, "urn:s:loops", "p3")]
    assert "sentence of the cited section" in str(rows[0]["how"])
    assert repo.get(lesson.iri).check_questions[0].evidence[0].text == sentence


def test_a_quiz_shows_its_evidence_to_the_instructor_escaped():
    """The instructor's view of an item (Markdown in the studio's preview and the CLI, HTML
    behind the answer) shows the sentences its key rests on, where they are, and how the
    key was checked; hostile text stays text."""
    from generation.content.model import ItemEvidence
    from generation.content.render import render
    sentence = 'A loop <script>alert(1)</script> repeats *its* body.'
    q = QuizItem(type="truefalse", stem="True or false: a loop repeats.", answer="true", concept="urn:c:loop",
                 evidence=[ItemEvidence(sentence, section="urn:s:loops", section_label="Loops", paragraph="p3")],
                 verification="the statement is a sentence of the cited section")
    quiz = Quiz(iri=item_iri("quiz", "urn:s:loops"), title="Loops", scope="urn:s:loops", items=[q])
    md_out, html_out = render(quiz, "markdown"), render(quiz, "html")
    assert "*Evidence:*" in md_out and "(Loops, p3)" in md_out and r"repeats \*its\* body" in md_out
    assert "*Key checked:* the statement is a sentence of the cited section" in md_out
    assert '<blockquote class="evidence" cite="urn:s:loops">' in html_out and "<script>" not in html_out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_out and "<footer>Loops, p3</footer>" in html_out
