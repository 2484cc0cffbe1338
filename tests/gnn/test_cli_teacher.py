"""The teacher's CLI commands on a tiny workspace: train, evaluate, suggest, and the
clean errors a user sees (no checkpoint, changed graph)."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kg.workspace import Workspace
from ontology.namespaces import KGS, SUGGESTIONS_GRAPH
from studio.cli import cli
from tests.gnn.test_data import G, G2, I, K, _book, _case


def _ws(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with ws.open_store() as st:
        st.add_to_graph(G, "\n".join(_book()) + "\n")
        st.add_to_graph(G2, "\n".join(_case()) + "\n")
    return ws


def test_train_evaluate_suggest(tmp_path):
    ws = _ws(tmp_path)
    r = CliRunner()
    w = ["-w", str(ws.root)]
    out = r.invoke(cli, ["evaluate-teacher", *w])
    assert out.exit_code == 1 and "no teacher checkpoint" in out.output and "Traceback" not in out.output
    out = r.invoke(cli, ["train-teacher", *w, "--epochs", "4", "--no-text", "--device", "cpu", "-q"])
    assert out.exit_code == 0, out.output
    assert "Trained 4 epochs on cpu" in out.output
    assert (ws.models_dir / "teacher" / "teacher.pt").is_file()
    assert (ws.models_dir / "teacher" / "curves.png").is_file()
    out = r.invoke(cli, ["train-teacher", *w, "--epochs", "6", "--resume", "-q"])
    assert out.exit_code == 0, out.output
    assert "Trained 6 epochs" in out.output
    out = r.invoke(cli, ["evaluate-teacher", *w, "--format", "json"])
    assert out.exit_code == 0, out.output
    m = json.loads(out.output)
    assert 0 <= m["test_prereq_auc"] <= 1 and m["test_level_competency_acc"] is not None
    assert (ws.models_dir / "teacher" / "eval-predictions.tsv").is_file()
    out = r.invoke(cli, ["suggest-prereqs", *w, "--top-k", "3"])
    assert out.exit_code == 0, out.output
    assert "Wrote 3 suggestion(s)" in out.output and out.output.count(" requires ") == 3
    rows = [line for line in out.output.splitlines() if " requires " in line]
    names = {"memory cell", "array", "variable", "pointer", "loop"}
    for line in rows:                       # labels, not IRIs
        a, b = (x.strip() for x in line.strip().split("  ", 2)[-1].split(" requires "))
        assert a in names and b in names and "://" not in line, line
    out = r.invoke(cli, ["suggest-prereqs", *w, "--top-k", "2", "--dry-run", "--iris"])
    assert out.exit_code == 0 and "Wrote" not in out.output, out.output
    rows = [line for line in out.output.splitlines() if " requires " in line]
    assert len(rows) == 2 and all(line.count(f"<{I}") == 2 for line in rows), out.output
    with ws.open_store() as st:
        n = st.select(f"SELECT (COUNT(?s) AS ?n) WHERE {{ GRAPH <{SUGGESTIONS_GRAPH}> {{ ?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{KGS.requires}> }} }}")
        assert int(n[0]["n"]) == 3
        # the curriculum changes: the checkpoint no longer fits
        st.add_to_graph(G, f"<{I}a> <{K}requires> <{I}b> .\n")
    out = r.invoke(cli, ["suggest-prereqs", *w])
    assert out.exit_code == 1 and "changed since" in out.output and "Traceback" not in out.output
    (ws.models_dir / "teacher" / "teacher.pt").write_bytes(b"\0" * 10)
    out = r.invoke(cli, ["evaluate-teacher", *w])
    assert out.exit_code == 1 and "not a readable teacher checkpoint" in out.output
