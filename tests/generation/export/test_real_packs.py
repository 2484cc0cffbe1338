"""Packs built by the real lesson and quiz builders, from the demo curriculum and from an
OpenStax book (Psychology 2e, first two chapters), validate as Common Cartridge 1.1 and
Canvas QTI, with every file of the manifest in the zip and the other way round."""
from __future__ import annotations

import zipfile

import pytest

from generation.export import get_exporter
from generation.export.pack import collect_pack
from generation.export.validate import find_schemas, validate_cc, validate_qti_canvas

from .conftest import DEMO, build_content, trim_book


def _sections(store, curriculum_prefix: str) -> list[str]:
    rows = store.select(f"""PREFIX kgs: <https://w3id.org/kgstudio/ns#>
        SELECT ?s WHERE {{ ?s a kgs:Section ; kgs:partOf ?ch . ?ch kgs:position ?cp . ?s kgs:position ?sp .
                          FILTER(STRSTARTS(STR(?s), "{curriculum_prefix}")) }} ORDER BY ?cp ?sp""")
    return [str(r["s"]) for r in rows]


def _check(pack, tmp_path, schemas, expect_lessons, expect_quizzes):
    cc = type(get_exporter("imscc"))()
    cc.schemas_dir = schemas
    r = cc.export(pack, tmp_path / "pack.imscc")
    rep = validate_cc(r.path, schemas=schemas)
    assert rep.ok, rep.text()
    with zipfile.ZipFile(r.path) as zf:
        names = zf.namelist()
    assert sum(n.startswith("lessons/") and n.endswith(".html") for n in names) == expect_lessons
    assert sum(n.endswith("assessment.xml") for n in names) == expect_quizzes
    assert r.skipped == [], r.skipped
    cv = type(get_exporter("qti-canvas"))()
    cv.schemas_dir = schemas
    rep2 = validate_qti_canvas(cv.export(pack, tmp_path / "canvas.zip").path, schemas=schemas)
    assert rep2.ok, rep2.text()
    return r


def test_demo_curriculum_pack(demo_store, tmp_path, shared_dir):
    schemas = str(find_schemas(shared_dir / "schemas" / "common-cartridge"))
    secs = _sections(demo_store, DEMO)[:4]
    build_content(demo_store, secs, secs)
    pack = collect_pack(demo_store)
    assert [n.title for n in pack.root.children] == ["Programs and Values", "Expressions and Variables"]
    _check(pack, tmp_path, schemas, 4, 4)


@pytest.mark.slow
def test_openstax_psychology_pack(shared_data, shared_dir, tmp_path):
    from kg.importing import import_sources
    from kg.store.embedded import EmbeddedStore
    schemas = str(find_schemas(shared_dir / "schemas" / "common-cartridge"))
    book = trim_book(shared_data / "curricula" / "openstax-psychology-2e", tmp_path / "book", chapters=2)
    store = EmbeddedStore(None)
    import_sources(store, [book])
    secs = _sections(store, "https://w3id.org/kgstudio/id/psychology-2e/")
    assert len(secs) >= 8
    items = build_content(store, secs, secs)
    pack = collect_pack(store)
    assert [n.title for n in pack.root.children] == ["Introduction to Psychology", "Psychological Research"]
    lessons = [x for x in items if x.kind == "lesson"]
    quizzes = [x for x in items if x.kind == "quiz"]
    assert len(lessons) >= 8 and len(quizzes) >= 8
    r = _check(pack, tmp_path, schemas, len(lessons), len(quizzes))
    # the book's own review questions made it into the quizzes
    assert any(it.source == "curriculum" for q in pack.quizzes() for it in q.items)
    assert r.counts["lessons"] == len(lessons)
