"""``kgstudio suggest-prereqs`` prints each suggestion's band and its evidence lines."""
from __future__ import annotations

from click.testing import CliRunner

import gnn.suggest as gs
from gnn.suggest import Suggestion
from kg.workspace import Workspace
from studio.cli import cli

I = "http://x/id/c/"


def test_listing_prints_band_and_evidence(tmp_path, monkeypatch):
    ws = Workspace.init(tmp_path / "ws")
    out = [Suggestion(I + "array", I + "memory-cell", 0.82, "concept", 1, a_label="array",
                      b_label="memory cell", raw_score=0.97, band="likely",
                      evidence=("array is defined in 2.1 Arrays: \u201cAn array is a sequence.\u201d",
                                "known path: array -[requires]-> pointer -[requires]-> memory cell")),
           Suggestion(I + "loop", I + "variable", 0.45, "concept", 2, a_label="loop",
                      b_label="variable", raw_score=0.9, band="possible", evidence=())]
    seen = {}

    def fake(workspace, **kw):
        seen.update(kw)
        return out, {"suggestions": 2, "written": False, "calibration": "12 accepted, 15 rejected decisions"}

    monkeypatch.setattr(gs, "suggest_prereqs", fake)
    r = CliRunner().invoke(cli, ["suggest-prereqs", "-w", str(ws.root), "--top-k", "2", "--dry-run"])
    assert r.exit_code == 0, r.output
    assert seen["top_k"] == 2 and seen["write"] is False
    lines = r.output.splitlines()
    assert lines[0].split() == ["1", "0.820", "likely", "array", "requires", "memory", "cell"]
    assert lines[1] == "        - array is defined in 2.1 Arrays: \u201cAn array is a sequence.\u201d"
    assert lines[2] == "        - known path: array -[requires]-> pointer -[requires]-> memory cell"
    assert lines[3].split()[:3] == ["2", "0.450", "possible"]
    assert lines[4] == "        - no evidence found in the text or the accepted prerequisites"
    assert lines[5] == "Teacher probabilities calibrated on: 12 accepted, 15 rejected decisions"
    assert seen["definitions"] is True


def test_no_definitions_flag_and_method_line(tmp_path, monkeypatch):
    ws = Workspace.init(tmp_path / "ws")
    seen = {}

    def fake(workspace, **kw):
        seen.update(kw)
        return [], {"suggestions": 0, "written": False, "calibration": None,
                    "method": "the teacher's neighbour pairs", "links": 0}

    monkeypatch.setattr(gs, "suggest_prereqs", fake)
    r = CliRunner().invoke(cli, ["suggest-prereqs", "-w", str(ws.root), "--dry-run", "--no-definitions"])
    assert r.exit_code == 0, r.output
    assert seen["definitions"] is False
    assert r.output.splitlines() == [
        "No suggestions: every candidate is already a prerequisite, a decision, or would close a cycle",
        "List: the teacher's neighbour pairs (0 text link(s) kept)"]
