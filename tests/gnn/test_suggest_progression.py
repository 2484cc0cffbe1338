"""Suggestions on a standards framework (no glossary, statements tagged with grades): the
progression links alone, before any teacher, on the framework's own node type, with their
judged probability, an evidence line and codes in the labels; and a clear message when a
curriculum's text gives nothing."""
from __future__ import annotations

from click.testing import CliRunner

from gnn.suggest import (LINK_PRECISION, PROGRESSION_JUDGED, provenance_note, suggest_prereqs)
from kg.decisions import list_suggestions
from kg.importing import import_sources
from kg.workspace import Workspace
from studio.cli import cli
from tests.kg.test_progression_links import FIXTURE

TINY = FIXTURE.parent / "tiny.json"


def _workspace(tmp_path, *sources):
    ws = Workspace.init(tmp_path / "ws")
    with ws.open_store() as st:
        import_sources(st, list(sources), validate=False)
    return ws


def test_a_framework_gets_its_progression_links(tmp_path):
    ws = _workspace(tmp_path, FIXTURE)
    out, info = suggest_prereqs(ws, top_k=10)
    assert info["written"] and info["node_type"] == "competency" and info["links"] == 5
    pairs = [(s.a_label.split()[0], s.b_label.split()[0]) for s in out]
    assert set(pairs) == {("2.NBT.5", "1.OA.1"), ("3.NBT.2", "2.NBT.5"), ("4.NF.3", "3.NF.1"),
                          ("5.NF.1", "4.NF.3"), ("4.MD.2", "1.MD.3")}
    r, n = PROGRESSION_JUDGED
    assert all(s.basis == "progression" and s.node_type == "competency" for s in out)
    assert all(s.score == LINK_PRECISION["progression"] == round((r + 1) / (n + 2), 4) for s in out)
    assert out[0].band == "likely" and "kg.progression_links" in provenance_note(out[0])
    first = next(s for s in out if s.a_label.startswith("3.NBT.2"))
    assert first.a_label.startswith("3.NBT.2 Add and subtract within 1000")      # code, then statement
    assert first.evidence[0].startswith("2.NBT.5 (level 02) is the statement of an earlier level most like 3.NBT.2")
    with ws.open_store() as st:
        assert {(x.a, x.b) for x in list_suggestions(st)} == {(s.a, s.b) for s in out}


def test_cli_names_the_node_type_and_explains_an_empty_list(tmp_path):
    ws = _workspace(tmp_path, FIXTURE)
    r = CliRunner().invoke(cli, ["suggest-prereqs", "-w", str(ws.root), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "3.NBT.2 Add and subtract within 1000" in r.output
    assert "Pairs of competency nodes (use --node-type to pair another type)" in r.output
    bare = Workspace.init(tmp_path / "bare")
    with bare.open_store() as st:        # two one-word statements: nothing the text argues for
        import_sources(st, [TINY], validate=False)
    r = CliRunner().invoke(cli, ["suggest-prereqs", "-w", str(bare.root), "--dry-run"])
    assert r.exit_code == 0, r.output
    assert "No suggestions: the curriculum's text gives no candidates" in r.output
    assert "kgstudio train-teacher" in r.output
