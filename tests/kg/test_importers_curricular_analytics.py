"""Curricular Analytics CSV importer: the data model, the real files, and every refusal."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from kg.errors import ImportFailed, PrerequisiteCycle
from kg.importers.base import get_importer
from kg.importers.curricular_analytics import CurricularAnalyticsImporter
from kg.importing import import_sources
from kg.iris import mint, source_graph
import ontology.namespaces as ns  # module, not names: pytest trips over SDO/XSD attributes
from ontology.namespaces import DCTERMS, KGS, RDF, RDFS, SKOS

FIXTURES = Path(__file__).parent / "fixtures" / "ca"
TINY = FIXTURES / "tiny-plan.csv"
CYCLE = FIXTURES / "cycle.csv"
MB = 10_000_000

HEADER = ("Curriculum,Small,,,,,,,,\r\nInstitution,Example College,,,,,,,,\r\n"
          "System Type,semester,,,,,,,,\r\nCourses,,,,,,,,,\r\n"
          "Course ID,Course Name,Prefix,Number,Prerequisites,Corequisites,Strict-Corequisites,"
          "Credit Hours,Institution,Canonical Name\r\n")


def parse(path: Path):
    return CurricularAnalyticsImporter().parse(path, max_bytes=MB)


def write(tmp_path: Path, body: str, name: str = "bad.csv", header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_bytes((header + body).encode("utf-8"))
    return p


def course(n: str, source: str = "tiny-plan") -> URIRef:
    return mint(source, "course", n)


# ---- the data model on a tiny hand-made degree plan ----------------------------------------

def test_detects_format_and_not_other_csv(tmp_path):
    assert get_importer(TINY).name == "curricular-analytics"
    other = tmp_path / "other.csv"
    other.write_text("id,name\n1,x\n")
    assert not CurricularAnalyticsImporter().detect(other)


def test_tiny_plan_curriculum_node():
    res = parse(TINY)
    g = res.graph
    assert res.source == "tiny-plan" and res.graph_iri == source_graph("tiny-plan")
    cur = mint("tiny-plan", "curriculum", "tiny-plan")
    assert set(g.objects(cur, RDF.type)) == {KGS.Curriculum, ns.SDO.Course}
    assert g.value(cur, RDFS.label) == Literal("Tiny Programme")  # trailing space trimmed
    assert g.value(cur, KGS.institution) == Literal("Example College")
    assert g.value(cur, KGS.systemType) == Literal("semester")
    assert g.value(cur, KGS.educationalLevel) == Literal("BS")
    assert g.value(cur, DCTERMS.alternative) == Literal("2024-25 Plan")
    assert g.value(cur, DCTERMS.subject) == Literal("CIP 11.0701")
    assert res.title == "Tiny Programme (2024-25 Plan)"
    assert res.counts == {"courses": 6, "terms": 3, "prerequisites": 3, "corequisites": 1,
                          "strict_corequisites": 1}


def test_tiny_plan_courses_terms_and_requisites():
    g = parse(TINY).graph
    cur = mint("tiny-plan", "curriculum", "tiny-plan")
    c10, c20, c30, c40, c50, c60 = (course(n) for n in ("10", "20", "30", "40", "50", "60"))
    assert set(g.subjects(RDF.type, KGS.Course)) == {c10, c20, c30, c40, c50, c60}
    assert set(g.subjects(KGS.partOf, cur)) >= {c10, c60}  # additional courses belong too
    assert set(g.objects(c10, RDF.type)) == {KGS.Course, ns.SDO.Course}
    assert g.value(c10, KGS.prefix) == Literal("MATH")  # "MATH " trimmed
    assert g.value(c10, KGS.courseNumber) == Literal("MATH 101")
    assert g.value(c10, KGS.sourceId) == Literal("10")
    assert g.value(c10, SKOS.altLabel) == Literal("Calculus One")
    assert g.value(c20, RDFS.label) == Literal("Programming I")
    assert g.value(c40, RDFS.label) == Literal("Data Structures, Algorithms")  # quoted comma
    assert g.value(c40, KGS.creditHours) == Literal("3.5", datatype=ns.XSD.decimal)
    assert g.value(c40, KGS.creditHours).toPython() == Decimal("3.5")
    # elective: no prefix, no number, still a course with credits and a term
    assert g.value(c50, RDFS.label) == Literal("Humanities Elective")
    assert g.value(c50, KGS.courseNumber) is None and g.value(c50, KGS.prefix) is None
    # requisites, each kind its own property; " 20 ; 10 " read as two ids
    assert set(g.objects(c40, KGS.requires)) == {c20, c10}
    assert set(g.objects(c20, KGS.coRequires)) == {c10}
    assert set(g.objects(c20, KGS.strictCoRequires)) == {c30}
    assert set(g.objects(c60, KGS.requires)) == {c40}
    assert len(list(g.triples((None, KGS.requires, None)))) == 3
    # terms
    t1, t3 = mint("tiny-plan", "term", "1"), mint("tiny-plan", "term", "3")
    assert g.value(t1, RDF.type) == KGS.Term
    assert g.value(t1, KGS.partOf) == cur
    assert g.value(t1, KGS.termNumber) == Literal(1)
    assert g.value(t1, RDFS.label) == Literal("Term 1")
    assert set(g.subjects(KGS.inTerm, t1)) == {c10, c20, c30}
    assert set(g.subjects(KGS.inTerm, t3)) == {c60}
    # every node has a label, no blank nodes
    for s in set(g.subjects()):
        assert isinstance(s, URIRef)
        if s != cur:
            assert g.value(s, RDFS.label) is not None


def test_import_is_idempotent_and_updates_in_place(mem_store, tmp_path):
    first = import_sources(mem_store, [TINY], validate=False)[0]
    assert first.added == first.triples > 0
    again = import_sources(mem_store, [TINY], validate=False)[0]
    assert (again.added, again.removed) == (0, 0)
    changed = tmp_path / "tiny-plan.csv"
    changed.write_bytes(TINY.read_bytes().replace(b"50,Humanities Elective ,,,,,,3,",
                                                  b"50,Humanities Elective ,,,,,,4,"))
    upd = import_sources(mem_store, [changed], validate=False)[0]
    assert upd.graph == first.graph
    assert mem_store.ask(f"ASK {{ <{course('50')}> <{KGS.creditHours}> 4.0 }}")
    assert not mem_store.ask(f"ASK {{ <{course('50')}> <{KGS.creditHours}> 3.0 }}")


def test_tiny_plan_passes_shacl(mem_store):
    pytest.importorskip("ontology.validation")
    summary = import_sources(mem_store, [TINY], validate=True)[0]
    assert summary.counts["courses"] == 6


# ---- the real files -------------------------------------------------------------------------

def test_real_files_parse(shared_data):
    folder = shared_data / "curricula" / "curricular-analytics"
    counts = {p.name: parse(p).counts for p in sorted(folder.glob("*.csv"))}
    assert {k: (v["courses"], v["terms"]) for k, v in counts.items()} == {
        "ChemE-DP-UA.csv": (47, 8), "Ga_Tech-AE-2020-21.csv": (48, 9),
        "UBW-curriculum.csv": (12, 0), "Univ_of_Arizona-CS.csv": (37, 8)}


def test_georgia_tech_details(shared_data):
    res = parse(shared_data / "curricula" / "curricular-analytics" / "Ga_Tech-AE-2020-21.csv")
    g, src = res.graph, res.source
    assert src == "ga-tech-ae-2020-21"
    c = {n: mint(src, "course", str(n)) for n in range(1, 49)}
    # course 21 has a prerequisite, three co-requisites and a strict co-requisite at once
    assert set(g.objects(c[21], KGS.requires)) == {c[9]}
    assert set(g.objects(c[21], KGS.coRequires)) == {c[13], c[14], c[15]}
    assert set(g.objects(c[21], KGS.strictCoRequires)) == {c[22]}
    # trailing spaces in prefixes and names are trimmed
    assert g.value(c[8], KGS.courseNumber) == Literal("PHYS 2211")
    assert g.value(c[36], KGS.courseNumber) == Literal("AE 4341/2/3")
    assert g.value(c[44], RDFS.label) == Literal("AE Option")
    # an elective with a prerequisite
    assert g.value(c[24], RDFS.label) == Literal("Math Option")
    assert set(g.objects(c[24], KGS.requires)) == {c[13]}
    assert g.value(c[24], KGS.courseNumber) is None
    # term 1 holds only MATH 1501
    assert set(g.subjects(KGS.inTerm, mint(src, "term", "1"))) == {c[1]}
    total = sum(g.value(c[n], KGS.creditHours).toPython() for n in c)
    assert total == 137


def test_ubw_curriculum_has_no_terms(shared_data):
    res = parse(shared_data / "curricula" / "curricular-analytics" / "UBW-curriculum.csv")
    g = res.graph
    assert not list(g.subjects(RDF.type, KGS.Term))
    cur = mint("ubw-curriculum", "curriculum", "ubw-curriculum")
    assert g.value(cur, KGS.educationalLevel) == Literal("AA")
    assert g.value(cur, DCTERMS.alternative) is None
    assert set(g.objects(mint("ubw-curriculum", "course", "4"), KGS.strictCoRequires)) == {
        mint("ubw-curriculum", "course", "5")}


# ---- refusals -------------------------------------------------------------------------------

def test_prerequisite_cycle_refused_by_pipeline_store_unchanged(mem_store):
    import_sources(mem_store, [TINY], validate=False)
    before = mem_store.dump()
    with pytest.raises(PrerequisiteCycle) as info:
        import_sources(mem_store, [CYCLE], validate=False)
    cycle = info.value.cycle
    ids = {str(mint("cycle", "course", n)) for n in ("1", "2", "3")}
    assert cycle[0] == cycle[-1] and set(cycle) == ids and len(cycle) == 4
    assert "Alpha" in str(info.value) and "Gamma" in str(info.value)
    assert mem_store.dump() == before


def test_corequisite_cycle_refused(tmp_path):
    p = write(tmp_path, "1,A,X,1,,2,,3,,\r\n2,B,X,2,1,,,3,,\r\n")
    with pytest.raises(PrerequisiteCycle) as info:  # the one cycle error, as for prerequisites
        parse(p)
    e = info.value
    assert str(e).startswith(f"{p}: requisite cycle through a co-requisite: ")
    assert "A (Course ID 1, line 6)" in str(e) and "B (Course ID 2, line 7)" in str(e)
    assert e.cycle == [str(mint("bad", "course", n)) for n in ("1", "2", "1")]


@pytest.mark.parametrize("body, line, item, words", [
    # a value beyond the header's columns (an unquoted comma)
    ("1,Calculus, I,MATH,101,,,,4,,,oops\r\n", 6, "1", "malformed row"),
    # unterminated quote
    ('1,"Calculus I,MATH,101,,,,4,,\r\n', 6, None, "malformed CSV"),
    # no Course ID
    (",Calculus I,MATH,101,,,,4,,\r\n", 6, "Calculus I", "no Course ID"),
    # requisite naming an unknown course id
    ("1,Calculus I,MATH,101,,,,4,,\r\n2,Calculus II,MATH,102,1;99,,,4,,\r\n", 7, "99",
     "unknown Course ID '99'"),
    # unknown strict co-requisite
    ("1,Calculus I,MATH,101,,,7,4,,\r\n", 6, "7", "Strict-Corequisites of course 1"),
    # duplicate course ids
    ("1,Calculus I,MATH,101,,,,4,,\r\n1,Calculus II,MATH,102,,,,4,,\r\n", 7, "1",
     "duplicate Course ID '1' (first on line 6)"),
    # non-numeric credit hours
    ("1,Calculus I,MATH,101,,,,four,,\r\n", 6, "1", "Credit Hours 'four' is not a number"),
    ("1,Calculus I,MATH,101,,,,3-4,,\r\n", 6, "1", "is not a number"),
    ("1,Calculus I,MATH,101,,,,,,\r\n", 6, "1", "no Credit Hours"),
])
def test_bad_rows_named_by_line_and_item(tmp_path, body, line, item, words):
    p = write(tmp_path, body)
    with pytest.raises(ImportFailed) as info:
        parse(p)
    e = info.value
    assert words in e.message
    assert (e.path, e.line, e.item) == (str(p), line, item)


@pytest.mark.parametrize("text, words", [
    ("Institution,X,,\r\nCourses,,\r\n", "must start with a 'Curriculum,<name>' row"),
    ("", "the file is empty"),
    ("Curriculum,X,,\r\nInstitution,Y,,\r\n", "no 'Courses' row"),
    ("Curriculum,X,,\r\nCourses,,\r\n", "no course table header"),
    ("Curriculum,X,,\r\nCourses,,\r\nCourse ID,Course Name,Prefix\r\n1,A,B\r\n", "lacks 'Credit Hours'"),
    ("Curriculum,X,,\r\nInstitutoin,Y,,\r\nCourses,,\r\n", "unknown header row 'Institutoin'"),
    ("Curriculum,,,\r\nCourses,,\r\nCourse ID,Course Name,Credit Hours\r\n", "has no name"),
    ("Curriculum,X,,\r\nSystem Type,trimester,,\r\nCourses,,\r\n", "unknown System Type"),
    ("Curriculum,X,,\r\nDegree Plan,P,,\r\nCourses,,\r\nCourse ID,Course Name,Credit Hours\r\n",
     "needs a 'Term' column"),
    ("Curriculum,X,,\r\nDegree Plan,P,,\r\nCourses,,\r\nCourse ID,Course Name,Credit Hours,Term\r\n"
     "1,A,3,\r\n", "a degree plan course needs a Term"),
    ("Curriculum,X,,\r\nDegree Plan,P,,\r\nCourses,,\r\nCourse ID,Course Name,Credit Hours,Term\r\n"
     "1,A,3,first\r\n", "Term 'first' is not a term number"),
    ("Curriculum,X,,\r\nCourses,,\r\nCourse ID,Course Name,Credit Hours\r\n1,A,3\r\n"
     "Additional Courses,,\r\n", "only a degree plan"),
])
def test_bad_headers(tmp_path, text, words):
    p = write(tmp_path, text, header="")
    with pytest.raises(ImportFailed) as info:
        parse(p)
    assert words in info.value.message
    assert info.value.path == str(p)


def test_refused_import_leaves_store_unchanged(mem_store, tmp_path):
    import_sources(mem_store, [TINY], validate=False)
    before = mem_store.dump()
    bad = write(tmp_path, "1,Calculus I,MATH,101,,,,4,,\r\n1,Again,MATH,102,,,,4,,\r\n")
    with pytest.raises(ImportFailed, match="duplicate Course ID"):
        import_sources(mem_store, [TINY, bad], validate=False)
    assert mem_store.dump() == before


def test_not_utf8_and_too_big(tmp_path):
    p = write(tmp_path, "1,Caf\xe9,X,1,,,,3,,\r\n")
    p.write_bytes(p.read_bytes().replace("é".encode(), b"\xe9"))
    with pytest.raises(ImportFailed, match="not valid UTF-8") as info:
        parse(p)
    assert info.value.line == 6
    with pytest.raises(ImportFailed, match="above the limit"):
        CurricularAnalyticsImporter().parse(TINY, max_bytes=100)
