"""IMS Common Cartridge 1.1 packs from the demo curriculum: validate against the cc-1.1 XSDs
and Schematron, manifest ⇔ zip, organisation by course structure, atomic writing."""
from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from generation.export import ExportError, get_exporter
from generation.export.validate import CP_NS, QTI_NS, find_schemas, validate_cc

from .conftest import DEMO


@pytest.fixture
def schemas(shared_dir):
    return find_schemas(shared_dir / "schemas" / "common-cartridge")


def export(pack, tmp_path, schemas, name="pack.imscc"):
    e = type(get_exporter("imscc"))()
    e.schemas_dir = str(schemas)
    return e.export(pack, tmp_path / name)


def test_demo_pack_validates(demo_pack, tmp_path, schemas):
    r = export(demo_pack, tmp_path, schemas)
    report = validate_cc(r.path, schemas=schemas)
    assert report.ok, report.text()
    assert r.validation is not None and r.validation.ok
    # every kind of file was actually checked, not only the manifest
    kinds = set(report.checked.values())
    assert {"ccv1p1_imscp_v1p2_v1p0.xsd + schematron", "ccv1p1_qtiasiv1p2p1_v1p0.xsd + schematron",
            "well-formed XHTML/SVG"} <= kinds
    with zipfile.ZipFile(r.path) as zf:
        names = zf.namelist()
    assert names[0] == "imsmanifest.xml"
    assert sum(n.endswith("assessment.xml") for n in names) == 2
    assert any(n.startswith("lessons/") and n.endswith(".svg") for n in names)   # diagram beside the lesson
    assert r.skipped == []
    assert any("matching item written as 3 multiple-choice items" in n for n in r.notes)


def test_organisation_follows_course_structure(demo_pack, tmp_path, schemas):
    r = export(demo_pack, tmp_path, schemas)
    with zipfile.ZipFile(r.path) as zf:
        man = etree.fromstring(zf.read("imsmanifest.xml"))
        head = zf.read("imsmanifest.xml")[:1024]
    assert f'xmlns="{CP_NS}"'.encode() in head
    ns = {"cp": CP_NS}
    root = man.find("cp:organizations/cp:organization/cp:item", ns)

    def tree(el):
        return [(i.findtext("cp:title", namespaces=ns), tree(i)) for i in el.findall("cp:item", ns)]

    t = tree(root)
    # curriculum root -> chapters in book order -> sections -> items
    assert [c for c, _ in t] == ["Expressions and Variables", "Repetition"]
    rep = dict(t)["Repetition"]
    assert [s for s, _ in rep] == ["While Loops"]
    assert [x for x, _ in rep[0][1]] == ["While loops", "Prerequisites of While loop", "Path to While loop",
                                         "Quiz: while loops"]
    # every leaf points at a resource that exists; lessons are webcontent with an href
    res = {r_.get("identifier"): r_ for r_ in man.iterfind(".//cp:resource", ns)}
    for leaf in man.iterfind(".//cp:item[@identifierref]", ns):
        assert leaf.get("identifierref") in res
    types = sorted(r_.get("type") for r_ in res.values())
    assert types.count("imsqti_xmlv1p2/imscc_xmlv1p1/assessment") == 2
    assert all(r_.get("href") for r_ in res.values() if r_.get("type") == "webcontent")


def test_cc_items_use_the_cc_profile(demo_pack, tmp_path, schemas):
    r = export(demo_pack, tmp_path, schemas)
    with zipfile.ZipFile(r.path) as zf:
        qti = [etree.fromstring(zf.read(n)) for n in zf.namelist() if n.endswith("assessment.xml")]
    profiles = [f.findtext(f"{{{QTI_NS}}}fieldentry") for q in qti
                for f in q.iter(f"{{{QTI_NS}}}qtimetadatafield")
                if f.findtext(f"{{{QTI_NS}}}fieldlabel") == "cc_profile"]
    # 9 + 3 items; matching becomes 3 MC items, so 11 + 3 item profiles + 2 assessment profiles
    assert profiles.count("cc.exam.v0p1") == 2
    assert profiles.count("cc.multiple_choice.v0p1") == 2 + 3 + 1   # MC x2, matching x3, ordering
    assert profiles.count("cc.true_false.v0p1") == 3
    assert profiles.count("cc.fib.v0p1") == 2
    assert profiles.count("cc.essay.v0p1") == 1
    assert profiles.count("cc.multiple_response.v0p1") == 2


def test_lesson_page_shows_its_parts(demo_pack, tmp_path, schemas):
    r = export(demo_pack, tmp_path, schemas)
    with zipfile.ZipFile(r.path) as zf:
        page = [zf.read(n) for n in zf.namelist() if n.startswith("lessons/") and n.endswith(".html")][0]
    doc = etree.fromstring(page)
    text = " ".join(doc.itertext())
    for part in ("Learning objectives", "Before you start", "Boolean expression", "Worked example",
                 "Summary", "Check your understanding", "Show answer"):
        assert part in text
    X = "{http://www.w3.org/1999/xhtml}"
    assert doc.find(f".//{X}img").get("src").endswith(".svg")
    assert doc.find(f".//{X}details") is not None


def test_failed_export_leaves_nothing(demo_pack, tmp_path, schemas, monkeypatch):
    out = tmp_path / "pack.imscc"
    out.write_bytes(b"previous pack")
    import generation.export.validate as v
    real = v.validate_cc

    def broken(path, **kw):
        rep = real(path, **kw)
        rep.errors.append("imsmanifest.xml: injected fault")
        return rep

    monkeypatch.setattr(v, "validate_cc", broken)
    with pytest.raises(ExportError, match="injected fault"):
        export(demo_pack, tmp_path, schemas)
    assert out.read_bytes() == b"previous pack"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack.imscc"]


def test_quiz_only_items_the_profile_cannot_hold_are_reported(demo_store, tmp_path, schemas):
    from generation.content.model import Choice, Quiz, QuizItem
    from generation.export.pack import collect_pack

    from .conftest import concept, save_all
    c = concept("variable")
    q = Quiz(iri=f"{DEMO}test/quiz-small", title="Small", scope=c, items=[
        QuizItem(type="multichoice", stem="Two options only", choices=[Choice("a", True), Choice("b")]),
        QuizItem(type="truefalse", stem="ok", answer="true")])
    save_all(demo_store, [q])
    r = export(collect_pack(demo_store), tmp_path, schemas)
    assert len(r.skipped) == 1 and "multichoice" in r.skipped[0] and "more than 2 choices" in r.skipped[0]
    assert validate_cc(r.path, schemas=schemas).ok
