"""OpenStax CNXML importer on book shapes beyond the glossary books: a hand-written book
without a glossary (``fixtures/cnxml/inlinebook``: key terms defined inline, ``<term><code>``,
a term defined in two chapters, Python listings with and without line numbers, os-embed
exercises, objectives in a ``learning-objectives`` section, an example, notes, MathML, a
theorem and a checkpoint), the independent XPath counts of ``benchmarks/extraction.py``
against the importer, and hostile sources (paths out of the book, symlinks, FIFOs, devices)."""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.errors import ImportFailed
from kg.importers.cnxml import CnxmlImporter, code_lines, defining_sentence, split_sentences
from kg.importing import import_sources
from ontology.namespaces import BLOOM, KGS, RDF, RDFS, SDO, SKOS

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "cnxml"
INLINE = FIXTURES / "inlinebook"
MINI = FIXTURES / "minibook"
ID = "https://w3id.org/kgstudio/id/inline-book/"
HAVE_SHACL = importlib.util.find_spec("ontology.validation") is not None


def _load_extraction():
    spec = importlib.util.spec_from_file_location("extraction_bench", ROOT / "benchmarks" / "extraction.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def parse(path: Path):
    return CnxmlImporter().parse(path, max_bytes=50_000_000)


def n(kind: str, local: str) -> URIRef:
    return URIRef(f"{ID}{kind}/{local}")


def en(text: str) -> Literal:
    return Literal(text, lang="en")


def snapshot(store) -> list[str]:
    return sorted(store.dump(fmt="nquads").decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def inline():
    return parse(INLINE)


@pytest.fixture
def book(tmp_path) -> Path:
    dest = tmp_path / "inlinebook"
    shutil.copytree(INLINE, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# ---- the inline-term shape ----------------------------------------------------------------

def test_inline_counts(inline):
    c = inline.counts
    assert (c["glossary_definitions"], c["inline_terms"], c["inline_concepts"], c["concepts"],
            c["concepts_with_definition"]) == (0, 7, 5, 5, 5)
    assert (c["objectives"], c["embedded_exercises"], c["items"], c["exercises_without_text"]) == (3, 4, 2, 0)
    assert (c["code_blocks"], c["code_inline"], c["math"]) == (4, 4, 3)
    assert (c["examples"], c["notes"], c["theorems"], c["checkpoints"], c["typed_resources"]) == (1, 1, 1, 1, 4)


def test_inline_terms_become_concepts_with_their_sentences(inline):
    g = inline.graph
    statement = n("concept", "statement")
    assert set(g.objects(statement, RDF.type)) == {KGS.Concept, SKOS.Concept}
    assert g.value(statement, RDFS.label) == g.value(statement, SKOS.prefLabel) == en("statement")
    # defined in two chapters ("statement", "Statement"): one concept, both sentences, first preferred
    assert list(g.objects(statement, KGS.definition)) == [en("A statement describes some action to be carried out.")]
    assert set(g.objects(statement, SKOS.definition)) == {
        en("A statement describes some action to be carried out."),
        en("In a program, a Statement is one complete instruction, usually one line.")}
    assert set(g.objects(statement, KGS.definedIn)) == {n("section", "m00045"), n("section", "m00046")}
    assert g.value(statement, KGS.definitionSource) == Literal("m00045#para-00003")
    assert (n("section", "m00046"), KGS.teaches, statement) in g
    # a term with child markup: <term><code>print()</code></term>
    pr = n("concept", "print")
    assert g.value(pr, RDFS.label) == en("print()")
    assert g.value(pr, KGS.definition) == en("The `print()` function displays output to the user.")
    assert g.value(n("concept", "slope"), KGS.definition) == en(
        "The slope of a line is Δy/Δx, the change in height per unit of run.")
    assert g.value(n("concept", "slope"), KGS.definitionSource) == Literal("m00046#para-00013")


def test_mentions_and_first_use_from_the_text(inline):
    g = inline.graph
    assert set(g.objects(n("section", "m00046"), KGS.mentions)) == {
        n("concept", "statement"), n("concept", "slope"), n("concept", "print"), n("concept", "string-literal")}
    assert g.value(n("concept", "print"), KGS.firstUsedIn) == n("section", "m00045")
    # the introduction says "statements" (a plural names the concept): used before defined
    assert set(g.objects(n("section", "m00044"), KGS.mentions)) == {n("concept", "statement")}
    assert g.value(n("concept", "statement"), KGS.firstUsedIn) == n("section", "m00044")
    # a plural term ("string literals") joins the singular concept, its sentence a second definition
    sl = n("concept", "string-literal")
    assert g.value(sl, RDFS.label) == en("String Literal")
    assert g.value(sl, KGS.definition) == en('A String Literal is text enclosed in quotes, such as `"Hello"`.')
    assert en("Two string literals written side by side are joined into one.") in set(g.objects(sl, SKOS.definition))


def test_code_is_kept_as_fenced_blocks(inline):
    text = str(inline.graph.value(n("section", "m00045"), KGS.text))
    assert "```python\nprint(\"Hello\")\nprint(\"Goodbye\")\n```" in text
    # line numbering dropped, indentation kept
    assert "```python\nname = \"Ada\"\nif name:\n    print(\"Hi\", name)\n```" in text
    assert "The `print()` function displays output" in text
    # objectives and the exercises section are not body text
    assert "By the end of this section" not in text and "What does a statement do" not in text


def test_term_in_a_title_and_code_in_a_table(inline):
    g = inline.graph
    # marked in a section title: the definition is the first body sentence naming it
    a = n("concept", "assignment")
    assert g.value(a, KGS.definition) == en("An assignment gives a value to a variable.")
    assert g.value(a, KGS.definitionSource) == Literal("m00047#para-00017")
    lines = str(g.value(n("section", "m00047"), KGS.text)).splitlines()
    assert lines[-6:] == ["Code | Output", "```python", "x = 5", "print(x)", "```", "5"]


def test_objectives_from_a_learning_objectives_section(inline):
    g = inline.graph
    sec = n("section", "m00045")
    objs = sorted(g.objects(sec, KGS.hasObjective), key=lambda o: int(g.value(o, KGS.position)))
    assert [str(g.value(o, RDFS.label)) for o in objs] == [
        "Display output using the `print()` function.", "Explain how a statement is executed."]
    assert [g.value(o, KGS.bloomLevel) for o in objs] == [BLOOM.apply, BLOOM.understand]
    assert set(g.objects(objs[1], KGS.teaches)) == {n("concept", "statement")}
    assert g.value(n("objective", "m00046-1"), RDFS.label) == en("Calculate the slope of a line.")


def test_os_embed_exercises_are_references_never_items(inline):
    g = inline.graph
    ext = set(g.subjects(RDF.type, KGS.ExternalItem))
    # in an exercise, bare in a paragraph, and in a problem that has a title besides the embed
    assert ext == {n("external", f"m00045-exer-0000{i}") for i in (1, 2, 3)} | {n("external", "m00047-exer-00005")}
    e1 = n("external", "m00045-exer-00001")
    assert g.value(e1, KGS.sourceId) == Literal("#exercise/m00045-exer-00001")
    assert g.value(e1, KGS.partOf) == n("section", "m00045")
    assert "content not in the source" in str(g.value(e1, RDFS.label))
    items = set(g.subjects(RDF.type, KGS.AssessmentItem))
    assert items == {n("item", "m00045-exer-00003"), n("item", "m00046-exer-00004")}
    assert not ext & items
    assert g.value(n("item", "m00045-exer-00003"), KGS.stem) == en("What does a statement do?")
    assert g.value(n("item", "m00045-exer-00003"), KGS.solution) == en("It describes an action to be carried out.")


def test_typed_resources(inline):
    g = inline.graph
    ex = n("resource", "m00045-example-00001")
    assert set(g.objects(ex, RDF.type)) == {KGS.Resource, SDO.LearningResource}
    assert g.value(ex, KGS.resourceKind) == Literal("example")
    assert g.value(ex, RDFS.label) == en("Example: Printing two values")
    assert g.value(ex, KGS.partOf) == n("section", "m00045")
    assert str(g.value(ex, KGS.text)) == ("The statement `print(1, 2)` prints two values separated by a space:\n"
                                         "```python\nprint(1, 2)\n```")
    assert n("concept", "statement") in set(g.objects(ex, KGS.mentions))
    note = n("resource", "m00045-note-00001")
    assert (g.value(note, KGS.resourceKind), g.value(note, KGS.keyword)) == (Literal("note"), Literal("programming-tip"))
    th = n("resource", "m00046-note-00002")
    assert g.value(th, KGS.resourceKind) == Literal("theorem")
    assert g.value(th, KGS.text) == en("A line has the same slope m between any two of its points.")
    cp = n("resource", "m00046-note-00003")
    assert g.value(cp, KGS.resourceKind) == Literal("checkpoint")
    assert g.value(cp, KGS.text) == en("Find the slope of the line through (0, 0) and (2, 4).")
    assert g.value(cp, KGS.solution) == en("m = 2")
    # the checkpoint's exercise is an item too, with its key
    assert g.value(n("item", "m00046-exer-00004"), KGS.solution) == en("m = 2")


def test_no_item_with_an_empty_or_id_only_stem(book):
    path = book / "modules" / "m00046" / "index.cnxml"
    edit(path, '<note class="checkpoint" id="note-00003">',
         '<exercise id="exer-00009"><problem id="prob-00009"><para id="p9"><media alt=""/></para></problem></exercise>'
         '<exercise id="exer-00010"><problem id="prob-00010"><para id="p10">m00046-exer-00010</para></problem>'
         '<solution id="s10"><para id="p11">exer-00010</para></solution></exercise>'
         '<note class="checkpoint" id="note-00003">')
    res = parse(book)
    g = res.graph
    assert res.counts["exercises_without_text"] == 2 and res.counts["items"] == 2
    for item in g.subjects(RDF.type, KGS.AssessmentItem):
        stem = str(g.value(item, KGS.stem))
        assert stem.strip() and "exer-" not in stem


def test_a_key_that_is_only_an_id_is_no_key(book):
    path = book / "modules" / "m00045" / "index.cnxml"
    edit(path, "It describes an action to be carried out.", "m00045-exer-00003")
    g = parse(book).graph
    item = n("item", "m00045-exer-00003")
    assert g.value(item, KGS.stem) == en("What does a statement do?")
    assert g.value(item, KGS.solution) is None


@pytest.mark.skipif(not HAVE_SHACL, reason="ontology/validation.py is not there yet")
def test_inline_book_passes_shacl(inline):
    from ontology.validation import validate
    report = validate(inline.graph)
    assert report.conforms, report.text(limit=10)


def test_helpers():
    assert split_sentences("Dr. Lee wrote it. It runs.\nNext line") == ["Dr. Lee wrote it.", "It runs.", "Next line"]
    assert defining_sentence("Intro. A `print()` call prints. End.", "print()") == "A `print()` call prints."
    assert defining_sentence("Nothing here.", "slope") == ""
    from lxml import etree
    # numbers that are not a 1..n line numbering stay
    assert code_lines(etree.fromstring("<code>10 20\n5 6</code>")) == ["10 20", "5 6"]
    assert code_lines(etree.fromstring("<code>\n1: a = 1\n2: b = 2\n</code>")) == ["a = 1", "b = 2"]


# ---- the independent XPath counts agree with the importer -------------------------------------

@pytest.mark.parametrize("path", [MINI, INLINE], ids=["glossary", "inline"])
def test_xpath_counts_agree_with_the_importer(path):
    bench = _load_extraction()
    ref = bench.xpath_counts(path)
    ours, res, _ = bench.importer_counts(path)
    c = res.counts
    assert ref["glossary_definitions"] == c["glossary_definitions"]
    assert ref["inline_terms"] == c["inline_terms"]
    assert ref["objectives"] == c["objectives"]
    assert ref["embedded_exercises"] == ours["embedded_exercises"] == c["embedded_exercises"]
    assert ref["code_blocks"] == c["code_blocks"]
    assert ref["math"] == c["math"]
    assert ref["examples"] == c["examples"]
    assert (ref["theorems"], ref["checkpoints"]) == (c["theorems"], c["checkpoints"])
    assert ref["exercises_with_solution_not_worked"] == ours["items_with_keys"]
    assert ours["empty_items"] == 0
    if c["glossary_definitions"]:
        assert ref["glossary_terms_casefolded"] == c["glossary_terms_casefolded"]
    else:
        # "string literals" and "String Literal" are one concept
        assert ref["distinct_inline_terms_singular"] == c["concepts"] == ref["distinct_inline_terms"] - 1
    if path == INLINE:
        assert (ref["embedded_exercises"], ref["code_blocks"], ref["math"], ref["objectives"]) == (4, 4, 3, 3)


# ---- hostile sources ---------------------------------------------------------------------------

def test_module_path_out_of_the_book_is_refused(book, tmp_path):
    secret = tmp_path / "secret" / "index.cnxml"
    secret.parent.mkdir()
    secret.write_text("<document xmlns='http://cnx.rice.edu/cnxml'><title>TOP-SECRET</title></document>")
    coll = book / "collections" / "inline-book.collection.xml"
    edit(coll, '<col:module document="m00046"/>', '<col:module document="../../secret"/>')
    with pytest.raises(ImportFailed, match="points outside the book folder") as err:
        parse(book)
    assert err.value.path == str(coll) and err.value.line == 20 and err.value.item == "../../secret"


def test_symlinked_module_out_of_the_book_is_refused(book, tmp_path):
    outside = tmp_path / "elsewhere"
    shutil.copytree(book / "modules" / "m00046", outside)
    shutil.rmtree(book / "modules" / "m00046")
    os.symlink(outside, book / "modules" / "m00046")
    with pytest.raises(ImportFailed, match="outside the book folder.*symbolic link") as err:
        parse(book)
    assert err.value.path.endswith("m00046/index.cnxml")
    # a symlinked file, too
    shutil.rmtree(outside)
    (book / "modules" / "m00046").unlink()
    (book / "modules" / "m00046").mkdir()
    target = tmp_path / "other.cnxml"
    shutil.copyfile(INLINE / "modules" / "m00046" / "index.cnxml", target)
    os.symlink(target, book / "modules" / "m00046" / "index.cnxml")
    with pytest.raises(ImportFailed, match="symbolic link"):
        parse(book)


def test_symlink_inside_the_book_is_fine(book):
    real = book / "modules" / "m00046-real"
    (book / "modules" / "m00046").rename(real)
    os.symlink(real, book / "modules" / "m00046")
    assert parse(book).counts["concepts"] == 5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_module_is_refused_before_reading(book):
    target = book / "modules" / "m00046" / "index.cnxml"
    target.unlink()
    os.mkfifo(target)
    with pytest.raises(ImportFailed, match="not a regular file.*FIFO") as err:
        parse(book)      # opening the FIFO would block: the test would hang
    assert err.value.path == str(target)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_and_devices_as_sources_are_refused_and_the_store_is_unchanged(tmp_path, mem_store):
    import_sources(mem_store, [INLINE], validate=False)
    before = snapshot(mem_store)
    fifo = tmp_path / "book.collection.xml"
    os.mkfifo(fifo)
    with pytest.raises(ImportFailed, match="FIFO"):
        import_sources(mem_store, [fifo], validate=False)
    for fmt in (None, "cnxml", "native-yaml"):
        with pytest.raises(ImportFailed, match="character device"):
            import_sources(mem_store, ["/dev/zero"], fmt=fmt, validate=False)
    assert snapshot(mem_store) == before


def test_a_failing_inline_book_leaves_the_store_unchanged(book, mem_store):
    import_sources(mem_store, [INLINE], validate=False)
    before = snapshot(mem_store)
    edit(book / "modules" / "m00046" / "index.cnxml", "</content>", "</contentx>")
    with pytest.raises(ImportFailed, match="malformed XML"):
        import_sources(mem_store, [book], validate=False)
    assert snapshot(mem_store) == before


# ---- the real books of these shapes (../shared), each parsed once -------------------------------

@pytest.fixture(scope="module")
def philosophy(shared_data):
    return parse(shared_data / "curricula" / "openstax-introduction-philosophy")


@pytest.fixture(scope="module")
def calculus(shared_data):
    return parse(shared_data / "curricula" / "openstax-calculus-volume-1")


def assert_no_empty_items(g) -> None:
    for item in g.subjects(RDF.type, KGS.AssessmentItem):
        stem = " ".join(str(g.value(item, KGS.stem) or "").split())
        assert stem and stem != str(g.value(item, KGS.sourceId)) and "os-embed" not in stem, item
        assert not stem.startswith("#exercise/"), item


@pytest.mark.slow
def test_philosophy_objectives_sections_and_embedded_exercises(philosophy, shared_data):
    g, c = philosophy.graph, philosophy.counts
    pid = "https://w3id.org/kgstudio/id/introduction-philosophy/"
    # the README: objectives in <section class="learning-objectives">, 228 os-embed links
    assert c["objectives"] == 179 and c["objectives_without_bloom_level"] == 9
    assert c["embedded_exercises"] == 228 == len(set(g.subjects(RDF.type, KGS.ExternalItem)))
    assert c["items"] == 0 and not set(g.subjects(RDF.type, KGS.AssessmentItem))
    assert (c["glossary_definitions"], c["concepts"]) == (318, 287)
    sec = URIRef(pid + "section/m00002")
    objs = sorted(g.objects(sec, KGS.hasObjective), key=lambda o: int(g.value(o, KGS.position)))
    assert str(g.value(objs[0], RDFS.label)) == "Identify sages (early philosophers) across historical traditions."
    assert g.value(objs[0], KGS.bloomLevel) == BLOOM.remember and len(objs) == 4
    assert not str(g.value(sec, KGS.text)).startswith("Learning Objectives")
    ext = URIRef(pid + "external/PH_Ch1-Sec1_DQ1")
    assert g.value(ext, KGS.partOf) == sec and g.value(ext, KGS.sourceId) == Literal("#exercise/PH_Ch1-Sec1_DQ1")
    bench = _load_extraction()
    ref = bench.xpath_counts(shared_data / "curricula" / "openstax-introduction-philosophy")
    assert (ref["objectives"], ref["embedded_exercises"]) == (c["objectives"], c["embedded_exercises"])


@pytest.mark.slow
def test_calculus_theorems_checkpoints_examples_and_math(calculus):
    g, c = calculus.graph, calculus.counts
    assert (c["theorems"], c["checkpoints"], c["examples"], c["math"], c["objectives"]) == (72, 268, 327, 18451, 195)
    assert (c["glossary_definitions"], c["concepts"], c["embedded_exercises"]) == (196, 196, 0)
    assert c["checkpoint_exercises"] == 268 and c["checkpoint_exercises_with_solution"] == 267
    kinds = {str(k) for k in g.objects(None, KGS.resourceKind)}
    assert kinds == {"example", "note", "checkpoint", "theorem"}
    theorems = {str(g.value(r, RDFS.label)): r for r in g.subjects(KGS.resourceKind, Literal("theorem"))}
    th = theorems["Theorem: Continuity of Polynomials and Rational Functions"]
    assert g.value(th, KGS.text) == en("Polynomials and rational functions are continuous at every point in their domains.")
    assert g.value(g.value(th, KGS.partOf), RDF.type) == KGS.Section
    # a worked example carries its problem (with the linear math) and its worked solution
    ex = [r for r in g.subjects(KGS.resourceKind, Literal("example"))
          if str(g.value(r, RDFS.label)) == "Example: Evaluating Functions"]
    assert ex and "f(x) = 3x² + 2x − 1" in str(g.value(ex[0], KGS.text)) and g.value(ex[0], KGS.solution)
    assert_no_empty_items(g)


def test_used_before_defined_works_without_a_glossary(mem_store):
    from kg.analytics import gap_report
    import_sources(mem_store, [INLINE], validate=False)
    (cur,) = [c for c in gap_report(mem_store)["curricula"] if c["iri"] == str(n("curriculum", "inline-book"))]
    ubd = {x["label"]: (x["first_used_in"]["label"], x["defined_in"]["label"]) for x in cur["used_before_defined"]}
    # the introduction says "statements" before section 1.1 defines a statement
    assert ubd == {"statement": ("Introduction", "Basic Output")}
    assert cur["counts"]["concepts"] == 5 and cur["concepts_never_taught"] == []


def test_a_section_lesson_of_a_glossary_less_book_explains_from_its_sentences(mem_store):
    from generation.content.builder import Builder
    from generation.content.lesson import build_lesson
    import_sources(mem_store, [INLINE], validate=False)
    lesson = build_lesson(Builder(mem_store, similarity_kind="lexical"), str(n("section", "m00045")))
    kinds = {p.kind: [] for p in lesson.paragraphs}
    for p in lesson.paragraphs:
        kinds[p.kind].append(p.text)
    assert kinds["explanation"] and all(t.strip() for t in kinds["explanation"])
    text = str(mem_store.select(f"SELECT ?t WHERE {{ <{n('section', 'm00045')}> <{KGS.text}> ?t }}")[0]["t"])
    assert any(t.split(". ")[0].rstrip(".") in text for t in kinds["explanation"])
    # a defining sentence that names its concept is said as written, not "statement is a statement ..."
    assert any(t.endswith("A statement describes some action to be carried out.") for t in kinds["definition"])
    assert not any(t.lower().startswith("statement is") for t in kinds["definition"])
    assert [o.text for o in lesson.objectives] == ["Display output using the `print()` function.",
                                                  "Explain how a statement is executed."]
