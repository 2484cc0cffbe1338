"""The validator itself: it accepts real third-party packs and catches the faults the
schemas and the manifest ⇔ zip check exist for (so a green export test means something)."""
from __future__ import annotations

import zipfile

import pytest

from generation.export.validate import find_schemas, validate_cc, validate_qti_canvas


@pytest.fixture
def schemas(shared_dir):
    return find_schemas(shared_dir / "schemas" / "common-cartridge")


def zip_folder(folder, out, edit=None, extra=None, drop=()):
    """Zip ``folder`` (imsmanifest.xml first); ``edit``: {name: (old, new)} text replacements."""
    with zipfile.ZipFile(out, "w") as zf:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "README.md")
        for p in sorted(files, key=lambda p: p.name != "imsmanifest.xml"):
            name = p.relative_to(folder).as_posix()
            if name in drop:
                continue
            data = p.read_text(encoding="utf-8")
            for old, new in (edit or {}).get(name, []):
                assert old in data, (name, old)
                data = data.replace(old, new)
            zf.writestr(name, data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return out


def test_minimal_cartridge_passes(shared_dir, schemas, tmp_path):
    r = validate_cc(zip_folder(shared_dir / "fixtures" / "cc-minimal-1.1", tmp_path / "m.imscc"), schemas=schemas)
    assert r.ok, r.text()
    assert r.checked["q1/assessment.xml"].startswith("ccv1p1_qtiasiv1p2p1")
    assert r.checked["imsmanifest.xml"].endswith("schematron")


def test_two_choice_multiple_choice_fails_schematron(shared_dir, schemas, tmp_path):
    src = shared_dir / "fixtures" / "cc-minimal-1.1"
    cut = ('<response_label ident="C"><material><mattext texttype="text/plain">9</mattext></material>'
           '</response_label>')
    r = validate_cc(zip_folder(src, tmp_path / "m.imscc", edit={"q1/assessment.xml": [(cut, "")]}), schemas=schemas)
    assert not r.ok
    assert any("RULE 4d" in e for e in r.errors), r.errors


def test_manifest_and_zip_are_checked_both_ways(shared_dir, schemas, tmp_path):
    src = shared_dir / "fixtures" / "cc-minimal-1.1"
    r = validate_cc(zip_folder(src, tmp_path / "a.imscc", drop={"l1/map.svg"}, extra={"stray.txt": "x"}),
                    schemas=schemas)
    assert "imsmanifest.xml: lists l1/map.svg, which is not in the zip" in r.errors
    assert "stray.txt: in the zip but no resource of imsmanifest.xml lists it" in r.errors


def test_bad_resource_type_fails_xsd(shared_dir, schemas, tmp_path):
    src = shared_dir / "fixtures" / "cc-minimal-1.1"
    edit = {"imsmanifest.xml": [('type="imswl_xmlv1p1"', 'type="imswl_xmlv1p3"')]}
    r = validate_cc(zip_folder(src, tmp_path / "b.imscc", edit=edit), schemas=schemas)
    assert any("imsmanifest.xml: line" in e and "imswl_xmlv1p3" in e for e in r.errors), r.errors


def test_not_a_zip(schemas, tmp_path):
    p = tmp_path / "x.imscc"
    p.write_text("hello")
    r = validate_cc(p, schemas=schemas)
    assert not r.ok and "not a readable zip" in r.errors[0]


def test_canvas_qti_zip_checks(shared_dir, schemas):
    # text2qti's essay/file-upload items have an empty <resprocessing>: the generic XSD says no.
    r = validate_qti_canvas(shared_dir / "fixtures" / "canvas" / "text2qti-0.8.0" / "quiz.zip", schemas=schemas)
    assert not r.ok
    assert any("resprocessing" in e for e in r.errors)
