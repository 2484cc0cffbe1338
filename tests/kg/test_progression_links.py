"""Progression links of a standards framework: a statement builds on the statements of the
nearest earlier level most like it (a CASE fixture of five grades, the real MiniLM)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.importing import import_sources
from kg.progression_links import level_range, progression_links, statement_codes

FIXTURE = Path(__file__).parent / "fixtures" / "case" / "progression.json"
BNCC = Path(__file__).parent / "fixtures" / "bncc" / "valid"


@pytest.mark.parametrize("text, want", [
    ("04", (4, 4)), ("KG", (0, 0)), ("PK", (-1, -1)), ("Kindergarten", (0, 0)),
    ("8º ano", (8, 8)), ("Grade 4", (4, 4)), ("4th grade", (4, 4)), ("Year 7", (7, 7)),
    ("Grades 6-8", (6, 8)), ("HS", (9, 12)), ("High School", (9, 12)), ("Ensino Médio", (9, 12)),
    ("Educação Infantil", (-1, -1)), ("UG", (13, 16)),
    ("Bebês (0–1a6m)", None), ("", None), ("Advanced", None), ("level 120", None), ("ages 3 to 5", None),
])
def test_level_range(text, want):
    assert level_range(text) == want


def _code(store, links):
    codes = statement_codes(store, {x for ab in links for x in ab})
    return {(codes[a], codes[b]) for a, b in links}


@pytest.fixture(scope="module")
def framework():
    from kg.store.embedded import EmbeddedStore
    st = EmbeddedStore(None)
    import_sources(st, [FIXTURE], validate=False)
    yield st
    st.close()


def test_each_standard_builds_on_the_nearest_earlier_grade(framework):
    links = progression_links(framework)
    assert _code(framework, links) == {("2.NBT.5", "1.OA.1"), ("3.NBT.2", "2.NBT.5"),
                                       ("4.NF.3", "3.NF.1"), ("5.NF.1", "4.NF.3")}
    codes = statement_codes(framework, {x for ab in links for x in ab})
    lk = next(lk for (a, b), lk in links.items() if codes[a] == "3.NBT.2")
    assert lk.kind == "progression" and lk.a_level == "03" and lk.b_level == "02" and lk.similarity > 0.8
    assert lk.text.startswith("2.NBT.5 (level 02) is the statement most like 3.NBT.2 (level 03)")


def test_what_is_left_out(framework):
    # time in grade 4 is three grades after grade 1's clock reading: too distant without max_gap
    assert ("4.MD.2", "1.MD.3") in _code(framework, progression_links(framework, max_gap=None))
    # the grade-3 standard links to grade 2 (nearest level), not to grade 1 as well
    assert ("3.NBT.2", "1.OA.1") not in _code(framework, progression_links(framework, per_node=3))
    # ... unless any earlier level may do (the sceptic's baseline)
    anywhere = progression_links(framework, per_node=3, nearest_level=False)
    assert ("3.NBT.2", "1.OA.1") in _code(framework, anywhere)
    # headings repeated across grades, the domain above them all and the component (another
    # item type) are never paired
    every = _code(framework, progression_links(framework, min_similarity=-1, per_node=99, nearest=99, max_gap=None))
    assert not {c for ab in every for c in ab} & {"1.C", "2.C", "NF-NBT", "2.NBT.5a"}
    assert progression_links(framework, min_similarity=0.99) == {}


def test_bncc_years_and_codes(mem_store):
    """BNCC objectives: years read from "3º ano", codes from the source ids; the fixture's
    few objectives are unlike each other, so links only come with the floor removed."""
    import_sources(mem_store, [BNCC], validate=False)
    assert progression_links(mem_store) == {}
    links = progression_links(mem_store, min_similarity=-1, max_gap=None)
    assert _code(mem_store, links) == {("EF03LP16", "EF01CO02"), ("EF03LP16", "EF01MA01")}
    assert {(lk.a_level, lk.b_level) for lk in links.values()} == {("3º ano", "1º ano")}
