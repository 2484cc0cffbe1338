"""OpenStax CNXML importer: a tiny hand-written book (``fixtures/cnxml/minibook``) for each
rule, error cases that leave the store unchanged, and both real books in ../shared against
the counts of their READMEs (each real book is parsed once per module)."""
from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

import pytest
from lxml import etree
from rdflib import BNode, Literal, URIRef

from kg.errors import ImportFailed
from kg.importers import get_importer
from kg.importers.cnxml import (COUNT_KEYS, CnxmlImporter, ConceptMatcher, _context_count,
                                bloom_level, math_text)
from kg.importing import import_sources
from kg.iris import source_graph
from ontology.namespaces import BLOOM, DCTERMS, KGS, RDF, RDFS, SDO, SKOS

FIXTURES = Path(__file__).parent / "fixtures" / "cnxml"
MINI = FIXTURES / "minibook"
MINI_ID = "https://w3id.org/kgstudio/id/mini-book/"
HAVE_SHACL = importlib.util.find_spec("ontology.validation") is not None
TEXT_PREDICATES = (RDFS.label, SKOS.prefLabel, SKOS.definition, KGS.definition, KGS.text,
                   KGS.summary, KGS.stem, KGS.choiceText, KGS.correctAnswer, KGS.solution)


def parse(path: Path, **kw):
    return CnxmlImporter().parse(path, max_bytes=kw.pop("max_bytes", 50_000_000), **kw)


def n(kind: str, local: str) -> URIRef:
    return URIRef(f"{MINI_ID}{kind}/{local}")


def snapshot(store) -> list[str]:
    return sorted(store.dump(fmt="nquads").decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def mini():
    return parse(MINI)


@pytest.fixture
def book(tmp_path) -> Path:
    """A writable copy of the mini book."""
    dest = tmp_path / "minibook"
    shutil.copytree(MINI, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def objects(g, s, p) -> set:
    return set(g.objects(s, p))


# ---- structure -----------------------------------------------------------------------

def test_mini_counts(mini):
    c = mini.counts
    assert set(COUNT_KEYS) <= set(c)
    assert (c["chapters"], c["modules"], c["prefaces"], c["introductions"], c["sections"],
            c["labs"], c["appendices"], c["resources"]) == (2, 7, 1, 2, 2, 1, 1, 3)
    assert (c["objectives"], c["lab_outcomes"], c["objectives_without_bloom_level"]) == (5, 2, 1)
    assert (c["glossary_definitions"], c["glossary_terms_casefolded"], c["concepts"]) == (5, 4, 4)
    assert (c["inline_terms"], c["inline_terms_unmatched"], c["concepts_first_used"]) == (5, 1, 4)
    assert (c["review_questions"], c["critical_thinking"], c["practice"], c["practice_with_solution"],
            c["try_it"], c["worked_examples"], c["items"], c["multiple_choice"]) == (1, 1, 3, 2, 1, 1, 6, 2)
    assert (c["summaries"], c["math"], c["links_document"], c["links_cross_module"],
            c["links_target_id"], c["links_url"]) == (1, 1, 3, 3, 2, 1)


def test_mini_curriculum_and_chapters(mini):
    g = mini.graph
    assert mini.source == "mini-book" and mini.title == "Mini Book" and mini.format == "cnxml"
    assert mini.graph_iri == source_graph("mini-book")
    cur = n("curriculum", "mini-book")
    assert objects(g, cur, RDF.type) == {KGS.Curriculum, SDO.Course}
    assert g.value(cur, RDFS.label) == Literal("Mini Book", lang="en")
    assert g.value(cur, DCTERMS.license) == URIRef("http://creativecommons.org/licenses/by/4.0/")
    for number, title in ((1, "Basics"), (2, "More Ideas")):
        ch = n("chapter", str(number))
        assert objects(g, ch, RDF.type) == {KGS.Chapter, SDO.LearningResource}
        assert g.value(ch, RDFS.label) == Literal(title, lang="en")
        assert g.value(ch, KGS.partOf) == cur
        assert g.value(ch, KGS.position) == Literal(number)


def test_mini_modules_in_reading_order(mini):
    g = mini.graph
    expected = {  # module -> (class, parent, position)
        "m10001": (KGS.Section, n("chapter", "1"), 1),     # introduction
        "m10002": (KGS.Section, n("chapter", "1"), 2),     # printed section 1.1
        "m10003": (KGS.Resource, n("chapter", "1"), 3),    # lab
        "m10004": (KGS.Section, n("chapter", "2"), 1),
        "m10005": (KGS.Section, n("chapter", "2"), 2),
        "m10000": (KGS.Resource, n("curriculum", "mini-book"), 1),  # preface
        "m10006": (KGS.Resource, n("curriculum", "mini-book"), 2),  # appendix
    }
    for mid, (cls, parent, pos) in expected.items():
        node = n("section" if cls == KGS.Section else "resource", mid)
        assert objects(g, node, RDF.type) == {cls, SDO.LearningResource}, mid
        assert g.value(node, KGS.partOf) == parent, mid
        assert g.value(node, KGS.position) == Literal(pos), mid
        assert g.value(node, KGS.sourceId) == Literal(mid)
    assert g.value(n("section", "m10002"), RDFS.label) == Literal("Samples and Means", lang="en")


def test_mini_text_summary_math_and_caps(mini):
    g = mini.graph
    sec = n("section", "m10002")
    text = str(g.value(sec, KGS.text))
    assert text.splitlines() == [
        "A sample is part of a population. The Sample Mean is x̄ = (∑x)/n. "
        "See the next chapter, and the web; also here.",
        "Why Sample at All?",
        "Measuring everyone costs too much; a census is rare.",
    ]
    # summary, review questions, critical thinking and the Try It note are not body text
    assert "estimates" not in text and "________" not in text and "Name one sample" not in text
    assert g.value(sec, KGS.summary) == Literal(
        "A sample is part of a population; its mean estimates the population mean.", lang="en")
    assert "10³ at most" in str(g.value(n("section", "m10005"), KGS.text))
    # an empty link reads as the title of the module it names, or the kind of its target;
    # a table is one line a row, empty rows dropped
    assert str(g.value(n("resource", "m10006"), KGS.text)).splitlines() == [
        "1. The range of 3 and 8 is see the first chapter. Review Samples and Means (Table).",
        "3, 8 | 5"]
    lab = str(g.value(n("resource", "m10003"), KGS.text))
    assert "- The student will select a sample." in lab.splitlines()


def test_mini_objectives(mini):
    g = mini.graph
    sec, ch1, lab = n("section", "m10002"), n("chapter", "1"), n("resource", "m10003")
    # per-section objectives (md:abstract, psychology style)
    o = n("objective", "m10002-2")
    assert g.value(o, RDF.type) == KGS.LearningObjective
    assert g.value(o, RDFS.label) == Literal("Explain the sample mean", lang="en")
    assert (g.value(o, KGS.partOf), g.value(o, KGS.position)) == (sec, Literal(2))
    assert g.value(o, KGS.bloomLevel) == BLOOM.understand
    assert objects(g, o, KGS.teaches) == {n("concept", "sample-mean")}  # longest match wins
    assert g.value(n("objective", "m10002-3"), KGS.bloomLevel) is None   # "Ponder": not in the table
    assert len(objects(g, sec, KGS.hasObjective)) == 3
    # chapter objectives (statistics style: a note in the introduction module)
    assert objects(g, ch1, KGS.hasObjective) == {n("objective", "m10001-1"), n("objective", "m10001-2")}
    assert g.value(n("objective", "m10001-2"), KGS.partOf) == ch1
    assert g.value(n("objective", "m10001-2"), KGS.bloomLevel) == BLOOM.apply
    # lab outcomes ("The student will ...", trailing <newline/> dropped)
    assert g.value(n("objective", "m10003-1"), RDFS.label) == Literal("The student will select a sample.", lang="en")
    assert g.value(n("objective", "m10003-2"), KGS.bloomLevel) == BLOOM.evaluate
    assert objects(g, lab, KGS.hasObjective) == {n("objective", "m10003-1"), n("objective", "m10003-2")}


def test_mini_concepts(mini):
    g = mini.graph
    sample = n("concept", "sample")
    assert objects(g, sample, RDF.type) == {KGS.Concept, SKOS.Concept}
    assert g.value(sample, SKOS.prefLabel) == g.value(sample, RDFS.label) == Literal("sample", lang="en")
    # defined twice (m10002 "sample", m10005 "Sample"): one concept, first definition kept
    assert list(g.objects(sample, KGS.definition)) == [Literal("a subset of a population", lang="en")]
    assert g.value(sample, KGS.definitionSource) == Literal("m10002#g1")   # the glossary <definition>
    assert objects(g, sample, SKOS.definition) == {Literal("a subset of a population", lang="en"),
                                                   Literal("a group drawn from a population", lang="en")}
    assert objects(g, sample, KGS.definedIn) == {n("section", "m10002"), n("section", "m10005")}
    assert {s for s in g.subjects(KGS.teaches, sample) if g.value(s, RDF.type) == KGS.Section} == \
        {n("section", "m10002"), n("section", "m10005")}
    assert g.value(sample, KGS.inCurriculum) == g.value(sample, SKOS.inScheme) == n("curriculum", "mini-book")
    # a glossary term with child markup; matched by the inline "Sample Mean" (case-insensitive)
    assert g.value(n("concept", "sample-mean"), RDFS.label) == Literal("sample mean", lang="en")
    # first use: the inline <term>Data</term> of the chapter introduction comes before the glossary
    data = n("concept", "data")
    assert g.value(data, KGS.firstUsedIn) == n("section", "m10001")
    assert objects(g, data, KGS.definedIn) == {n("section", "m10002")}
    # first use counts text mentions too: the chapter objectives of m10001 say "Recognize a sample."
    assert g.value(sample, KGS.firstUsedIn) == n("section", "m10001")
    assert objects(g, n("section", "m10002"), KGS.mentions) == {sample, n("concept", "sample-mean")}
    # an inline term without a glossary entry ("census") makes no concept
    assert (n("concept", "census"), None, None) not in g


def test_mini_links(mini):
    g = mini.graph
    assert objects(g, n("section", "m10002"), KGS.linksTo) == {n("section", "m10005")}
    assert objects(g, n("resource", "m10006"), KGS.linksTo) == {n("section", "m10002")}
    assert len(list(g.triples((None, KGS.linksTo, None)))) == 2


def test_mini_review_question(mini):
    g = mini.graph
    item = n("item", "m10002-rq1")
    assert objects(g, item, RDF.type) == {KGS.AssessmentItem, SDO.Question}
    assert g.value(item, KGS.stem) == Literal("A sample is ________.", lang="en")
    assert g.value(item, KGS.itemType) == Literal("multiple-choice")
    assert g.value(item, KGS.correctAnswer) == Literal("part of a population", lang="en")
    assert (g.value(item, KGS.partOf), g.value(item, KGS.position)) == (n("section", "m10002"), Literal(2))
    choices = sorted(g.objects(item, KGS.hasChoice), key=lambda c: g.value(c, KGS.position).toPython())
    assert choices == [n("choice", f"m10002-rq1-{x}") for x in "abc"]
    assert [str(g.value(c, KGS.choiceText)) for c in choices] == ["the whole population",
                                                                  "part of a population", "a census"]
    assert [g.value(c, KGS.isCorrect).toPython() for c in choices] == [False, True, False]
    assert objects(g, item, KGS.assesses) == {n("concept", "sample")}
    assert g.value(item, KGS.solution) is None


def test_mini_free_response_try_it_and_examples(mini):
    g = mini.graph
    ct = n("item", "m10002-ct1")
    assert g.value(ct, KGS.itemType) == Literal("free-response")
    assert g.value(ct, KGS.solution) == Literal("Because a census is expensive.", lang="en")
    assert g.value(ct, KGS.position) == Literal(3)
    try_it = n("item", "m10002-try1")
    assert g.value(try_it, KGS.position) == Literal(1)
    assert g.value(try_it, KGS.stem) == Literal("Name one sample.", lang="en")
    # a worked example's exercise is text, not an item
    assert (n("item", "m10005-ex0"), None, None) not in g


def test_mini_shared_context_and_upper_alpha(mini):
    g = mini.graph
    context = "Use the following information to answer the next two exercises. The data are:\n2, 4, 9\n"
    assert str(g.value(n("item", "m10005-pr1"), KGS.stem)) == context + "Find the range."
    pr2 = n("item", "m10005-pr2")
    # text between the exercises of an open group joins the group's context
    assert str(g.value(pr2, KGS.stem)) == context + "Let X = one of the values.\nThe largest value is:"
    assert g.value(pr2, KGS.itemType) == Literal("multiple-choice")
    assert g.value(pr2, KGS.correctAnswer) == Literal("9", lang="en")      # "c" on an upper-alpha list
    assert g.value(pr2, RDFS.label) == Literal("The largest value is:", lang="en")
    # the context governed two exercises only
    assert str(g.value(n("item", "m10005-pr3"), KGS.stem)) == "What is a statistic?"
    assert objects(g, n("item", "m10005-pr1"), KGS.assesses) == {n("concept", "data"), n("concept", "range")}


def test_mini_literals_and_nodes(mini):
    g = mini.graph
    for s, p, o in g:
        assert not isinstance(s, BNode) and not isinstance(o, BNode)
        if p in TEXT_PREDICATES:
            assert isinstance(o, Literal) and o.language == "en", (s, p, o)
    for s in set(g.subjects(RDF.type, None)):
        assert g.value(s, RDFS.label) is not None, s


@pytest.mark.skipif(not HAVE_SHACL, reason="ontology/validation.py is not there yet")
def test_mini_passes_shacl(mini):
    from ontology.validation import validate
    report = validate(mini.graph)
    assert report.conforms, report.text(limit=10)


# ---- detection, paths, progress ----------------------------------------------------------

def test_detect_and_registry(tmp_path):
    imp = CnxmlImporter()
    coll = MINI / "collections" / "mini-book.collection.xml"
    assert imp.detect(MINI) and imp.detect(coll)
    (tmp_path / "x.yaml").write_text("curriculum: x\n")
    assert not imp.detect(tmp_path) and not imp.detect(tmp_path / "x.yaml")
    assert get_importer(MINI).name == "cnxml"
    assert get_importer(coll).name == "cnxml"


def test_collection_file_gives_the_same_graph(mini):
    res = parse(MINI / "collections" / "mini-book.collection.xml")
    assert set(res.graph) == set(mini.graph)
    assert res.counts == mini.counts


def test_progress_reports_every_module():
    calls = []
    parse(MINI, progress=lambda what, done, total: calls.append((what, done, total)))
    assert calls == [("modules", i, 7) for i in range(1, 8)]


# ---- errors: file and line named, store unchanged ----------------------------------------------

def test_malformed_module_names_file_and_line_and_leaves_store_unchanged(book, mem_store):
    import_sources(mem_store, [MINI], validate=HAVE_SHACL)
    before = snapshot(mem_store)
    assert before
    target = book / "modules" / "m10005" / "index.cnxml"
    shutil.copyfile(FIXTURES / "malformed" / "index.cnxml", target)
    with pytest.raises(ImportFailed) as err:
        import_sources(mem_store, [book], validate=HAVE_SHACL)
    e = err.value
    assert e.path == str(target) and e.line == 7
    assert "malformed XML" in str(e) and "m10005/index.cnxml:7:" in str(e)
    assert "emphasis" in e.message
    assert snapshot(mem_store) == before


def test_missing_module_is_named(book):
    shutil.rmtree(book / "modules" / "m10003")
    with pytest.raises(ImportFailed) as err:
        parse(book)
    e = err.value
    assert e.item == "m10003" and "m10003" in e.message
    assert e.path.endswith("mini-book.collection.xml") and e.line == 16


def test_module_listed_twice(book):
    edit(book / "collections" / "mini-book.collection.xml",
         '<col:module document="m10005"/>', '<col:module document="m10005"/><col:module document="m10005"/>')
    with pytest.raises(ImportFailed, match="m10005 is listed twice"):
        parse(book)


def test_file_above_size_limit_is_refused():
    with pytest.raises(ImportFailed, match="above the limit") as err:
        parse(MINI, max_bytes=2_000)
    assert err.value.path.endswith(".cnxml")  # the collection fits, the biggest module does not


def test_answer_letter_naming_no_choice(book):
    edit(book / "modules" / "m10002" / "index.cnxml", '<para id="rq1b">B</para>', '<para id="rq1b">E</para>')
    with pytest.raises(ImportFailed, match="names no choice") as err:
        parse(book)
    assert err.value.line == 36 and err.value.item == "rq1"


def test_glossary_definition_without_term(book):
    edit(book / "modules" / "m10005" / "index.cnxml", "<term>Range</term>", "")
    with pytest.raises(ImportFailed, match="without a term") as err:
        parse(book)
    assert err.value.line == 23


def test_exercise_without_problem(book):
    edit(book / "modules" / "m10005" / "index.cnxml",
         '<problem id="pr3p"><para id="pr3s">What is a statistic?</para></problem>', "")
    with pytest.raises(ImportFailed, match="without a <problem>") as err:
        parse(book)
    assert err.value.item == "pr3"


def test_not_a_collection_or_module(book, tmp_path):
    other = tmp_path / "x.collection.xml"
    other.write_text("<html><body/></html>")
    with pytest.raises(ImportFailed, match="not an OpenStax collection"):
        parse(other)
    (book / "modules" / "m10004" / "index.cnxml").write_text("<html/>")
    with pytest.raises(ImportFailed, match="not a CNXML module"):
        parse(book)


def test_folder_without_or_with_two_collections(book, tmp_path):
    with pytest.raises(ImportFailed, match="no collections"):
        parse(tmp_path / "minibook" / "modules")
    shutil.copyfile(book / "collections" / "mini-book.collection.xml", book / "collections" / "b.collection.xml")
    with pytest.raises(ImportFailed, match="2 collections"):
        parse(book)


def test_external_entities_are_not_read(book, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    path = book / "modules" / "m10004" / "index.cnxml"
    text = path.read_text()
    path.write_text(f'<!DOCTYPE document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
                    + text.replace("More ideas follow.", "More &x; ideas follow."))
    res = parse(book)
    assert "TOP-SECRET" not in res.graph.serialize(format="nt")


# ---- idempotence -------------------------------------------------------------------------------

def test_import_twice_changes_nothing(mem_store):
    first = import_sources(mem_store, [MINI], validate=HAVE_SHACL)
    triples = mem_store.graph_triples(str(source_graph("mini-book")))
    second = import_sources(mem_store, [MINI], validate=HAVE_SHACL)
    assert first[0].added == len(triples) > 200 and first[0].removed == 0
    assert (second[0].added, second[0].removed) == (0, 0)
    assert mem_store.graph_triples(str(source_graph("mini-book"))) == triples


def test_changed_source_updates_in_place(book, mem_store):
    import_sources(mem_store, [book], validate=False)
    edit(book / "modules" / "m10005" / "index.cnxml", "a group drawn from a population",
         "a few members of a population")
    (summary,) = import_sources(mem_store, [book], validate=False)
    assert summary.removed >= 2 and summary.added >= 2    # skos:definition + the source hash
    rows = mem_store.select("SELECT ?d WHERE { <%sconcept/sample> <http://www.w3.org/2004/02/skos/core#definition> ?d }"
                            % MINI_ID)
    assert {str(r["d"]) for r in rows} == {"a subset of a population", "a few members of a population"}


# ---- helpers -------------------------------------------------------------------------------

def test_helpers():
    m = etree.fromstring('<math xmlns="http://www.w3.org/1998/Math/MathML"><msqrt><mi>n</mi></msqrt>'
                         '<msup><mi>s</mi><mn>2</mn></msup><msub><mi>x</mi><mi>i</mi></msub></math>')
    assert math_text(m) == "√n s²x_i"
    assert _context_count("Use the following information to answer the next five exercises:") == 5
    assert _context_count("For each of the following eight exercises, identify") == 8
    assert _context_count("Use the data to answer the next 3 exercises") == 3
    assert _context_count("Use the following information to answer the next exercise.") == 1
    assert _context_count("The data are:") is None
    assert bloom_level("Students will be able to design an experiment") == BLOOM.create
    assert ConceptMatcher({"self-efficacy": 1}).find("Her Self Efficacy grew") == {1}
    assert ConceptMatcher({"hypothesis": 1, "central nucleus": 2}).count("two hypotheses; central nuclei") == {1: 1, 2: 1}


# ---- the real books (../shared), each parsed once -------------------------------------------------

def timed_parse(path: Path):
    t0 = time.perf_counter()
    res = parse(path)
    return res, time.perf_counter() - t0


@pytest.fixture(scope="module")
def psychology(shared_data):
    return timed_parse(shared_data / "curricula" / "openstax-psychology-2e")


@pytest.fixture(scope="module")
def statistics(shared_data):
    return timed_parse(shared_data / "curricula" / "openstax-introductory-statistics-2e")


def check_graph(res) -> None:
    """Invariants every book graph holds, counted from the graph rather than the importer."""
    g, c = res.graph, res.counts

    def typed(cls) -> int:
        return len(set(g.subjects(RDF.type, cls)))

    assert typed(KGS.Chapter) == c["chapters"]
    assert typed(KGS.Section) == c["sections"] + c["introductions"]
    # module resources (labs, prefaces, appendices) and the typed resources of sections
    # (examples, notes, checkpoints, theorems: kgs:resourceKind)
    assert typed(KGS.Resource) == c["resources"] + c["typed_resources"]
    assert c["resources"] == c["modules"] - c["sections"] - c["introductions"]
    assert len(set(g.subjects(KGS.resourceKind, None))) == c["typed_resources"]
    assert not set(g.subjects(RDF.type, KGS.ExternalItem)) & set(g.subjects(RDF.type, KGS.AssessmentItem))
    assert typed(KGS.Concept) == typed(SKOS.Concept) == c["concepts"]
    assert typed(KGS.LearningObjective) == c["objectives"] + c["lab_outcomes"]
    assert typed(KGS.AssessmentItem) == c["items"] == sum(
        c[k] for k in ("review_questions", "critical_thinking", "personal_application", "practice",
                       "homework", "try_it", "bring_together_exercises", "bring_together_homework",
                       "other_exercises"))
    assert len(set(g.subject_objects(KGS.definedIn))) >= c["concepts"]
    assert len(list(g.triples((None, KGS.definition, None)))) == c["concepts"]
    mc = set(g.subjects(KGS.itemType, Literal("multiple-choice")))
    assert len(mc) == c["multiple_choice"]
    for item in mc:
        correct = [ch for ch in g.objects(item, KGS.hasChoice) if g.value(ch, KGS.isCorrect) == Literal(True)]
        assert len(correct) <= 1
        if correct:
            assert g.value(item, KGS.correctAnswer) == g.value(correct[0], KGS.choiceText)
    for s, p, o in g:
        assert not isinstance(s, BNode) and not isinstance(o, BNode)
        if p in TEXT_PREDICATES:
            assert o.language == "en", (s, p)


@pytest.mark.slow
def test_psychology_counts_match_readme(psychology):
    res, seconds = psychology
    c = res.counts
    assert res.source == "psychology-2e" and res.title == "Psychology 2e"
    assert (c["chapters"], c["modules"], c["prefaces"], c["introductions"], c["sections"]) == (16, 105, 1, 16, 88)
    assert c["objectives"] == 288 and c["lab_outcomes"] == 0
    assert (c["glossary_definitions"], c["glossary_terms_casefolded"]) == (847, 835)
    # "fight or flight response" and "fight-or-flight response" are one concept (one IRI)
    assert c["concepts"] == 834
    assert c["inline_terms"] == 1099
    assert (c["review_questions"], c["review_questions_with_solution"], c["multiple_choice"]) == (311, 311, 311)
    assert (c["critical_thinking"], c["critical_thinking_with_solution"]) == (171, 168)
    assert (c["personal_application"], c["personal_application_with_solution"]) == (107, 1)
    assert c["summaries"] == 88
    assert (c["links_target_id"], c["links_document"], c["links_url"]) == (380, 2, 133)
    check_graph(res)
    print(f"\npsychology-2e: {seconds:.2f} s, {len(res.graph)} triples")


@pytest.mark.slow
def test_psychology_content(psychology):
    res, _ = psychology
    g = res.graph
    pid = "https://w3id.org/kgstudio/id/psychology-2e/"
    objectives = set(g.subjects(RDF.type, KGS.LearningObjective))
    assert {g.value(o, KGS.partOf) for o in objectives} <= set(g.subjects(RDF.type, KGS.Section))
    assert len({g.value(o, KGS.partOf) for o in objectives}) == 88
    assert all(g.value(o, KGS.bloomLevel) is not None for o in objectives)
    sec = URIRef(pid + "section/m82162")
    assert g.value(sec, RDFS.label) == Literal("What Is Psychology?", lang="en")
    assert "\nWhy Study Psychology?\n" in str(g.value(sec, KGS.text))     # ALL CAPS title
    assert (g.value(sec, KGS.partOf), g.value(sec, KGS.position)) == (URIRef(pid + "chapter/1"), Literal(2))
    cb = URIRef(pid + "concept/confirmation-bias")
    assert len(objects(g, cb, KGS.definedIn)) == 3 and len(objects(g, cb, SKOS.definition)) == 3
    assert len(objects(g, URIRef(pid + "concept/self-efficacy"), KGS.definedIn)) == 2
    item = URIRef(pid + "item/m82162-fs-idp4416400")
    assert g.value(item, KGS.correctAnswer) == Literal("all of the above", lang="en")
    assert len(objects(g, item, KGS.hasChoice)) == 4
    assert len(list(g.triples((None, KGS.linksTo, None)))) == 2


@pytest.mark.slow
def test_statistics_counts_match_readme(statistics):
    res, seconds = statistics
    c = res.counts
    assert res.source == "introductory-statistics-2e"
    assert (c["chapters"], c["modules"], c["prefaces"], c["introductions"], c["sections"], c["labs"],
            c["appendices"]) == (13, 102, 1, 13, 58, 22, 8)
    assert c["objectives"] == 57
    assert (c["glossary_definitions"], c["glossary_terms_casefolded"], c["concepts"]) == (144, 119, 119)
    assert c["inline_terms"] == 254
    assert (c["practice"], c["practice_with_solution"]) == (844, 430)
    assert (c["homework"], c["homework_with_solution"]) == (538, 262)
    assert (c["try_it"], c["try_it_with_solution"]) == (242, 34)
    assert (c["worked_examples"], c["worked_examples_with_solution"]) == (200, 197)
    assert (c["bring_together_exercises"], c["bring_together_exercises_with_solution"]) == (7, 3)
    assert (c["bring_together_homework"], c["bring_together_homework_with_solution"]) == (50, 27)
    assert (c["formula_reviews"], c["summaries"], c["math"]) == (38, 58, 2304)
    assert (c["links_target_id"], c["links_document"], c["links_url"]) == (378, 61, 10)
    assert c["review_questions"] == 0 and c["other_exercises"] == 0
    check_graph(res)
    print(f"\nintroductory-statistics-2e: {seconds:.2f} s, {len(res.graph)} triples")


@pytest.mark.slow
def test_statistics_content(statistics):
    res, _ = statistics
    g = res.graph
    sid = "https://w3id.org/kgstudio/id/introductory-statistics-2e/"
    # chapter objectives hang on chapters; every lab has its own outcomes (the README counts
    # 18: 16 lists titled "...Outcomes" and 2 title paragraphs; 4 more lists say "Outcome")
    objectives = set(g.subjects(RDF.type, KGS.LearningObjective))
    owners = {g.value(o, KGS.partOf) for o in objectives}
    chapters = set(g.subjects(RDF.type, KGS.Chapter))
    assert len(owners & chapters) == 13
    labs = {s for s in g.subjects(RDF.type, KGS.Resource) if "/m50" in str(s) and g.value(s, KGS.resourceKind) is None}
    assert len(labs) == 22 and owners - chapters == labs
    assert res.counts["lab_outcomes"] == 42
    assert len(objects(g, URIRef(sid + "chapter/1"), KGS.hasObjective)) == 3
    # glossaries in 44 modules
    assert len({s for _, s in g.subject_objects(KGS.definedIn)}) == 44
    # MathML as text, shared stems kept with their exercises
    center = str(g.value(URIRef(sid + "section/m46928"), KGS.text))      # Measures of the Center
    assert "x̄ = (1 + 1 + 1 + 2 + 2 + 3 + 4 + 4 + 4 + 4 + 4)/11 = 2.7" in center.splitlines()
    stem = str(g.value(URIRef(sid + "item/m46909-exerciseone"), KGS.stem))
    assert stem.startswith("Use the following information to answer the next five exercises")
    assert "Researcher A:" in stem and stem.endswith("\npopulation")
    lab = URIRef(sid + "resource/m50252")
    assert g.value(lab, KGS.partOf) == URIRef(sid + "chapter/1") and len(objects(g, lab, KGS.hasObjective)) == 3


@pytest.mark.slow
@pytest.mark.skipif(not HAVE_SHACL, reason="ontology/validation.py is not there yet")
def test_both_books_pass_shacl(psychology, statistics):
    from ontology.validation import validate
    for res, _ in (psychology, statistics):
        report = validate(res.graph)
        assert report.conforms, report.text(limit=10)


@pytest.mark.slow
def test_psychology_import_is_idempotent(shared_data, mem_store):
    path = shared_data / "curricula" / "openstax-psychology-2e"
    (first,) = import_sources(mem_store, [path], validate=False)
    graph = str(source_graph("psychology-2e"))
    triples = mem_store.graph_triples(graph)
    (second,) = import_sources(mem_store, [path], validate=False)
    assert first.added == len(triples) == first.triples and first.removed == 0
    assert (second.added, second.removed) == (0, 0)
    assert mem_store.graph_triples(graph) == triples
