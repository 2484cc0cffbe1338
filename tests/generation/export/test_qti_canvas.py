"""Canvas QTI zip: generic QTI 1.2 XSD, Canvas-native item metadata, package layout."""
from __future__ import annotations

import zipfile

import pytest
from lxml import etree

from generation.export import get_exporter
from generation.export.validate import QTI_NS, find_schemas, validate_qti_canvas

Q = f"{{{QTI_NS}}}"


@pytest.fixture
def schemas(shared_dir):
    return find_schemas(shared_dir / "schemas" / "common-cartridge")


def test_canvas_zip_validates_and_carries_canvas_metadata(demo_pack, tmp_path, schemas):
    e = type(get_exporter("qti-canvas"))()
    e.schemas_dir = str(schemas)
    r = e.export(demo_pack, tmp_path / "canvas.zip")
    rep = validate_qti_canvas(r.path, schemas=schemas)
    assert rep.ok, rep.text()
    assert list(rep.checked.values()).count("qti-1.2/ims_qtiasiv1p2.xsd") == 2
    with zipfile.ZipFile(r.path) as zf:
        names = zf.namelist()
        qti = [etree.fromstring(zf.read(n)) for n in names if not n.endswith("assessment_meta.xml")
               and n != "imsmanifest.xml"]
        meta = [etree.fromstring(zf.read(n)) for n in names if n.endswith("assessment_meta.xml")]
    assert len(qti) == len(meta) == 2
    items = [it for doc in qti for it in doc.iter(f"{Q}item")]
    assert len(items) == 12

    def field(it, label):
        for f in it.iter(f"{Q}qtimetadatafield"):
            if f.findtext(f"{Q}fieldlabel") == label:
                return f.findtext(f"{Q}fieldentry")

    types = [field(it, "question_type") for it in items[3:]]
    assert types == ["multiple_choice_question", "multiple_answers_question", "true_false_question",
                     "true_false_question", "matching_question", "short_answer_question",
                     "short_answer_question", "matching_question", "essay_question"]
    assert all(field(it, "points_possible") == "1.0" for it in items)
    for it in items:   # original_answer_ids name exactly the response labels
        ids = field(it, "original_answer_ids")
        labels = {rl.get("ident") for rl in it.iter(f"{Q}response_label")}
        if ids:
            assert set(ids.split(",")) == labels
    match = items[7]
    assert len(match.findall(f".//{Q}response_lid")) == 3
    assert [s.text for s in match.iter(f"{Q}setvar")] == ["33.33"] * 3
    title = qti[1].find(f"{Q}assessment").get("title")
    assert title == "Repetition › While Loops › Quiz: while loops"   # the pack root (the book) is implied
    assert meta[0].tag == "{http://canvas.instructure.com/xsd/cccv1p0}quiz"
