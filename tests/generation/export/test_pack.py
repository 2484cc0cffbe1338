"""Which items a pack holds and where they sit in the course structure."""
from __future__ import annotations

import pytest

from generation.content.model import Quiz, QuizItem
from generation.content.repository import Repository
from generation.export import ExportError, NothingToExport
from generation.export.pack import build_pack, collect_pack

from .conftest import DEMO, concept, sample_items, save_all, section


def _titles(pack):
    return [(n.kind, n.title, [x.title for x in n.items()]) for _, _, n in pack.nodes()]


def test_states_drafts_and_rejected(demo_store):
    items = sample_items()
    repo = save_all(demo_store, items, approve=False)
    with pytest.raises(NothingToExport, match="no approved content items"):
        collect_pack(demo_store)
    repo.approve(items[0].iri, by="ana")
    repo.reject(items[1].iri, by="ana", comment="key wrong")
    assert [x.iri for x in collect_pack(demo_store).all_items()] == [items[0].iri]
    drafts = collect_pack(demo_store, include_drafts=True)
    assert items[1].iri not in {x.iri for x in drafts.all_items()}       # rejected never goes out
    assert len(drafts.all_items()) == len(items) - 1


def test_empty_workspace_says_so(demo_store):
    with pytest.raises(NothingToExport, match="no content items yet"):
        collect_pack(demo_store)


def test_scopes(demo_store):
    save_all(demo_store, sample_items())
    ch2 = collect_pack(demo_store, scope="chapter", iris=[f"{DEMO}chapter/ch2"])
    assert [x.title for x in ch2.all_items()] == ["Section quiz: variables"]
    sec = collect_pack(demo_store, scope="section", iris=[section("s4-1")])
    assert len(sec.all_items()) == 4
    con = collect_pack(demo_store, scope="concepts", iris=[f"{concept('while-loop')},{concept('variable')}"])
    assert {x.kind for x in con.all_items()} == {"lesson", "quiz", "diagram", "path"}
    course = collect_pack(demo_store, scope="course", iris=[f"{DEMO}curriculum/foundations-of-programming"])
    assert len(course.all_items()) == 5
    with pytest.raises(ExportError, match="is not a chapter"):
        collect_pack(demo_store, scope="chapter", iris=[section("s4-1")])
    with pytest.raises(ExportError, match="needs at least one IRI"):
        collect_pack(demo_store, scope="concepts")
    with pytest.raises(NothingToExport):
        collect_pack(demo_store, scope="chapter", iris=[f"{DEMO}chapter/ch8"])


def test_placement_by_course_structure(demo_store):
    other = Quiz(iri=f"{DEMO}test/elsewhere", title="Elsewhere", scope="https://example.org/not-in-the-graph",
                 items=[QuizItem(type="truefalse", stem="x", answer="true")])
    save_all(demo_store, sample_items() + [other])
    pack = collect_pack(demo_store)
    assert pack.title == "Foundations of Programming" and pack.root.kind == "root"
    assert _titles(pack) == [
        ("root", "kgstudio content", []),
        ("curriculum", "Foundations of Programming", []),
        ("chapter", "Expressions and Variables", []),
        ("section", "Variables and Assignment", ["Section quiz: variables"]),
        ("chapter", "Repetition", []),
        ("section", "While Loops", ["While loops", "Prerequisites of While loop", "Path to While loop",
                                    "Quiz: while loops"]),
        ("group", "Other", ["Elsewhere"]),
    ]
    assert pack.counts()["item:truefalse"] == 3 + 1


def test_without_store_everything_is_one_group():
    pack = build_pack(sample_items(), None, title="Loose")
    assert pack.title == "Loose"
    assert [n.title for _, _, n in pack.nodes()] == ["Loose", "Other"]
    assert Repository  # the repository is only needed by collect_pack
