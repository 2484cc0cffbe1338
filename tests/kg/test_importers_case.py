"""CASE JSON importer: both real packages (counts from their READMEs), a tiny CASE 1.0
package, and one tiny fixture per error, each leaving the store unchanged."""
from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.errors import ImportFailed
from kg.importers import get_importer
from kg.importers.case import CaseImporter, json_line_of, source_slug
from kg.importing import import_sources
from kg.iris import mint, source_graph
from ontology.namespaces import DCTERMS, ID, KGS, RDF, RDFS, SDO, SKOS

FIXTURES = Path(__file__).parent / "fixtures" / "case"
TINY = FIXTURES / "tiny.json"
WSCB = "case-what-standards-could-be/opensalt-framework-20c5134f-423d-4097-a971-3dd5152bf507.json"
CCSS = "case-ccss-math/math_cfs_sample.json"
HAVE_SHACL = importlib.util.find_spec("ontology.validation") is not None


def parse(path: Path):
    return CaseImporter().parse(path, max_bytes=50_000_000)


def snapshot(store) -> list[str]:
    return sorted(store.dump(fmt="nquads").decode("utf-8").splitlines())


@pytest.fixture(scope="module")
def wscb(shared_data):
    return parse(shared_data / "curricula" / WSCB)


@pytest.fixture(scope="module")
def ccss(shared_data):
    return parse(shared_data / "curricula" / CCSS)


def by_code(res, code: str) -> URIRef:
    nodes = list(res.graph.subjects(KGS.humanCodingScheme, Literal(code)))
    assert len(nodes) == 1, code
    return nodes[0]


# ---- "What Standards Could Be" (CASE 1.0 CFPackage) -----------------------------------------------

def test_wscb_counts_match_readme(wscb):
    c = wscb.counts
    assert c["items"] == 16
    assert (c["associations_isChildOf"], c["associations_exactMatchOf"], c["associations_precedes"],
            c["associations_isRelatedTo"]) == (16, 16, 3, 2)
    assert c["skipped_associations"] == c["skipped_exemplar"] == 2
    assert c["associations"] + c["skipped_associations"] == 39
    assert wscb.source == "case-20c5134f-423d-4097-a971-3dd5152bf507"
    assert wscb.graph_iri == source_graph(wscb.source)
    assert wscb.title == "What Standards Could Be"
    g = wscb.graph
    assert len(set(g.subjects(RDF.type, KGS.Competency))) == 16
    assert set(g.subjects(RDF.type, KGS.Competency)) == set(g.subjects(RDF.type, SKOS.Concept))
    assert Counter(str(o) for o in g.objects(None, KGS.educationalLevel)) == {"06": 8, "07": 8}


def test_wscb_document_and_items(wscb):
    g = wscb.graph
    doc = mint(wscb.source, "curriculum", "20c5134f-423d-4097-a971-3dd5152bf507")
    assert {KGS.Curriculum, SDO.Course, KGS.CompetencyFramework} <= set(g.objects(doc, RDF.type))
    assert g.value(doc, RDFS.label) == Literal("What Standards Could Be")
    assert g.value(doc, DCTERMS.creator) == Literal("Brandon Dorman")
    item = by_code(wscb, "CCSS.Math.Content.6.RP.A.1")
    assert item == mint(wscb.source, "competency", "b6f61076-aa12-450b-8f9d-b86bc071f85e")
    assert g.value(item, KGS.caseIdentifier) == Literal("b6f61076-aa12-450b-8f9d-b86bc071f85e")
    label = g.value(item, SKOS.prefLabel)
    assert label.language == "en" and label == g.value(item, RDFS.label)
    assert str(label).startswith("Understand the concept of a ratio and use ratio language")
    assert g.value(item, KGS.inCurriculum) == doc


def test_wscb_hierarchy_and_order(wscb):
    g = wscb.graph
    doc = mint(wscb.source, "curriculum", "20c5134f-423d-4097-a971-3dd5152bf507")
    a6, a7 = by_code(wscb, "CCSS.Math.Content.6.RP.A"), by_code(wscb, "CCSS.Math.Content.7.RP.A")
    assert set(g.subjects(KGS.partOf, doc)) == {a6, a7}
    # sequenceNumber "1"/"2" (strings in this file) give the top clusters' positions
    assert (g.value(a6, KGS.position), g.value(a7, KGS.position)) == (Literal(1, datatype=XSD.integer),
                                                                      Literal(2, datatype=XSD.integer))
    parts = sorted((int(g.value(s, KGS.position)), str(g.value(s, KGS.humanCodingScheme)))
                   for s in g.subjects(KGS.partOf, by_code(wscb, "CCSS.Math.Content.6.RP.A.3")))
    assert parts == [(1, "CCSS.Math.Content.6.RP.A.3a"), (2, "CCSS.Math.Content.6.RP.A.3b"),
                     (3, "CCSS.Math.Content.6.RP.A.3c"), (4, "CCSS.Math.Content.6.RP.A.3d")]


def test_wscb_precedes_and_external_targets(wscb):
    g = wscb.graph
    code = {s: str(g.value(s, KGS.humanCodingScheme)) for s in g.subjects(RDF.type, KGS.Competency)}
    edges = {(code[s], code.get(o, str(o))) for s, o in g.subject_objects(KGS.precedes)}
    assert edges == {
        ("CCSS.Math.Content.6.RP.A.1", "CCSS.Math.Content.6.RP.A.2"),
        ("CCSS.Math.Content.6.RP.A.3", "CCSS.Math.Content.7.RP.A.3"),
        ("CCSS.Math.Content.6.RP.A.2",
         "http://opensalt-staging.opened.com/uri/61a66013-f85c-59c7-bdba-a2c9030e1c21"),
    }
    matches = list(g.subject_objects(KGS.exactMatch))
    related = list(g.subject_objects(KGS.relatedTo))
    assert len(matches) == 16 and len(related) == 2
    for _s, o in matches + related:  # kept as the package's own URIs, never minted, nothing said about them
        assert str(o).startswith("http://opensalt-staging.opened.com/uri/")
        assert not str(o).startswith(str(ID))
        assert (o, None, None) not in g
    assert wscb.counts["external_targets"] == 18  # 16 + 2 + 1, one precedes target is also an exactMatch target


# ---- CCSS Math (pre-1.0 OpenSALT 2016 export) -------------------------------------------------------

def test_ccss_counts_match_readme(ccss):
    g = ccss.graph
    assert ccss.source == source_slug("http://purl.org/ASN/resources/D10003FB") == "case-purl.org-asn-resources-d10003fb"
    assert ccss.title == "Common Core State Standards for Mathematics"
    assert ccss.counts["items"] == 703
    assert ccss.counts["associations"] == ccss.counts["associations_isChildOf"] == 703
    assert ccss.counts["skipped_associations"] == 0 and ccss.counts["external_targets"] == 0
    assert len(set(g.subjects(RDF.type, KGS.Competency))) == 703
    assert len(set(g.subjects(KGS.humanCodingScheme, None))) == 664
    assert Counter(str(o) for o in g.objects(None, KGS.educationalLevel)) == {
        "09": 273, "06": 61, "07": 52, "05": 51, "03": 49, "04": 49, "KG": 48, "08": 47, "02": 38, "01": 35}
    assert Counter(str(o) for o in g.objects(None, DCTERMS.type)) == {
        "Standard": 393, "Cluster": 147, "Component": 124, "Domain": 33}
    doc = mint(ccss.source, "curriculum", "http://purl.org/ASN/resources/D10003FB")
    assert len(set(g.subjects(KGS.partOf, doc))) == 17  # 11 domains + 6 untyped headings
    assert len(list(g.subject_objects(KGS.partOf))) == 703


def test_ccss_uri_identifiers_and_list_enumeration_order(ccss):
    g = ccss.graph
    item = by_code(ccss, "CCSS.Math.Content.K.CC.B.4a")
    assert item == mint(ccss.source, "competency", "http://purl.org/ASN/resources/S1143695")
    assert str(item).endswith("/competency/http%3A%2F%2Fpurl.org%2FASN%2Fresources%2FS1143695")
    assert g.value(item, KGS.caseIdentifier) == Literal("http://purl.org/ASN/resources/S1143695")
    parent = by_code(ccss, "CCSS.Math.Content.K.CC.B.4")
    kids = sorted((int(g.value(s, KGS.position)), str(g.value(s, KGS.humanCodingScheme)))
                  for s in g.subjects(KGS.partOf, parent))
    assert kids == [(1, "CCSS.Math.Content.K.CC.B.4a"), (2, "CCSS.Math.Content.K.CC.B.4b"),
                    (3, "CCSS.Math.Content.K.CC.B.4c")]
    cluster = by_code(ccss, "CCSS.Math.Content.K.CC.B")
    assert sorted(int(g.value(s, KGS.position)) for s in g.subjects(KGS.partOf, cluster)) == [1, 2]
    assert ccss.counts["positioned_items"] == 517  # items with a listEnumeration
    text = "".join(str(o) for o in g.objects(None, SKOS.prefLabel))
    assert "\u00d7" in text and "\u2260" in text  # the file's \uXXXX escapes, decoded


# ---- a tiny CASE 1.0 package (CFPackage wrapper, educationLevel arrays, language) ----------------------

def test_tiny_case_1_0_package():
    res = parse(TINY)
    g, src = res.graph, res.source
    assert src == "case-0a6c7a55-1111-4c5b-9c2e-000000000001"
    doc = mint(src, "curriculum", "0a6c7a55-1111-4c5b-9c2e-000000000001")
    assert g.value(doc, RDFS.label) == Literal("Números y operaciones (tiny CASE 1.0 package)", lang="es")
    assert g.value(doc, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    a1, a2, a3 = (mint(src, "competency", f"0a6c7a55-1111-4c5b-9c2e-0000000000a{i}") for i in (1, 2, 3))
    assert g.value(a2, RDFS.label) == Literal("Sumar", lang="es")  # abbreviatedStatement
    assert g.value(a3, RDFS.label) == Literal("N.1.a")  # humanCodingScheme: a code, no language
    assert set(map(str, g.objects(a1, KGS.educationalLevel))) == {"01", "02"}
    assert [int(g.value(x, KGS.position)) for x in (a1, a3, a2)] == [1, 1, 2]
    assert (a3, KGS.precedes, a2) in g and (a3, KGS.relatedTo, a2) in g  # isPeerOf -> relatedTo
    assert g.value(a2, KGS.exactMatch) == URIRef("urn:uuid:9d8e7f60-2222-4c5b-9c2e-0000000000ff")
    assert res.counts["skipped_associations"] == res.counts["skipped_replacedBy"] == 1


def test_detect(shared_data, tmp_path):
    imp = CaseImporter()
    assert imp.detect(shared_data / "curricula" / WSCB) and imp.detect(shared_data / "curricula" / CCSS)
    assert imp.detect(shared_data / "curricula" / "case-ccss-math")  # the folder: its one CASE file
    assert not imp.detect(shared_data / "curricula" / "bncc")
    assert get_importer(TINY).name == "case"
    shutil.copy(TINY, tmp_path / "a.json")
    shutil.copy(TINY, tmp_path / "b.json")
    with pytest.raises(ImportFailed, match="exactly one CASE JSON file, found 2"):
        imp.parse(tmp_path, max_bytes=10_000_000)


def test_json_line_of_handles_escaped_slashes():
    text = '{\n  "identifier": "http:\\/\\/a\\/b",\n  "identifier": "x\\u2264y"\n}'
    assert json_line_of(text, "identifier", "http://a/b") == 2
    assert json_line_of(text, "identifier", "x\u2264y") == 3
    assert json_line_of(text, "identifier", "nope") is None


# ---- the store: import, idempotent re-import, SHACL --------------------------------------------------------

def test_import_into_store_is_idempotent(mem_store, shared_data):
    path = shared_data / "curricula" / WSCB
    [first] = import_sources(mem_store, [path], validate=HAVE_SHACL)
    assert first.format == "case" and first.added == first.triples > 0
    assert mem_store.count(first.graph) == first.triples
    rows = mem_store.select("""PREFIX kgs: <https://w3id.org/kgstudio/ns#>
        SELECT (COUNT(?c) AS ?n) WHERE { ?c a <http://www.w3.org/2004/02/skos/core#Concept> ;
                                        kgs:humanCodingScheme ?code }""")
    assert int(rows[0]["n"]) == 16
    [again] = import_sources(mem_store, [path], validate=HAVE_SHACL)
    assert (again.added, again.removed) == (0, 0)


@pytest.mark.skipif(not HAVE_SHACL, reason="ontology.validation (SHACL shapes) not written yet")
def test_real_packages_conform_to_shapes(wscb, ccss):
    from ontology.validation import validate

    for res in (wscb, ccss):
        report = validate(res.graph)
        assert report.conforms, report.text(limit=10)


# ---- errors: file, line and item named; the store unchanged ------------------------------------------------

def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize("name, words, line_of, item", [
    ("malformed.json", "malformed JSON: Expecting ',' delimiter", "0000000000c2", None),
    ("no_document.json", "no CFDocument", None, None),
    ("dangling_origin.json", "is not an item of this package", "0000000000f2",
     "0a6c7a55-1111-4c5b-9c2e-00000000dead"),
    ("duplicate_item.json", "duplicate identifier", "Third, reusing", "0a6c7a55-1111-4c5b-9c2e-0000000000a9"),
])
def test_errors_name_file_line_item_and_leave_store_unchanged(mem_store, name, words, line_of, item):
    import_sources(mem_store, [TINY], validate=HAVE_SHACL)
    before = snapshot(mem_store)
    assert before
    path = FIXTURES / name
    with pytest.raises(ImportFailed) as err:
        import_sources(mem_store, [TINY, path], fmt="case", validate=HAVE_SHACL)
    e = err.value
    assert words in str(e)
    assert e.path == str(path) and str(e).startswith(f"{path}:")
    if line_of:
        assert e.line == _line(path, line_of)
    if item:
        assert e.item == item and f"(item: {item})" in str(e)
    assert snapshot(mem_store) == before


def test_not_json_object_and_bad_destination(tmp_path):
    bad = tmp_path / "list.json"
    bad.write_text('[{"CFDocument": {}}]')
    with pytest.raises(ImportFailed, match="no CFDocument"):
        parse(bad)
    data = json.loads(TINY.read_text())
    data["CFPackage"]["CFAssociations"][5]["destinationNodeURI"] = {"title": "x", "identifier": "not an iri"}
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(data, indent=1))
    with pytest.raises(ImportFailed, match="neither an item of this package nor a usable IRI") as err:
        parse(odd)
    assert err.value.item == "0a6c7a55-1111-4c5b-9c2e-0000000000b6" and err.value.line is not None
