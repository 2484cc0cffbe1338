"""`kgstudio distill` and `kgstudio generate` on a tiny workspace with a tiny teacher:
provenance and scores in the output, resuming, and the clear errors of a stale student."""
from __future__ import annotations

import json

from click.testing import CliRunner

from kg.workspace import Workspace
from studio.cli import cli

from .conftest import G, I, K, curriculum, tiny_cfg


def test_distill_generate_resume_and_stale(tmp_path):
    ws = Workspace.init(tmp_path / "ws")
    with ws.open_store() as st:
        st.add_to_graph(G, curriculum())
    conf = tmp_path / "tiny.json"
    conf.write_text(json.dumps(tiny_cfg(max_steps=3, val_ratio=0.2, num_beams=2).to_dict()))
    r = CliRunner()
    w = ["-w", str(ws.root)]
    out = r.invoke(cli, ["generate", *w, "--concept", I + "alpha"])
    assert out.exit_code == 1 and "no student checkpoint" in out.output and "Traceback" not in out.output
    out = r.invoke(cli, ["train-teacher", *w, "--epochs", "3", "--no-text", "--device", "cpu", "-q"])
    assert out.exit_code == 0, out.output
    out = r.invoke(cli, ["distill", *w, "--config", str(conf), "-q"])
    assert out.exit_code == 0, out.output
    assert "Trained 3 steps on cpu" in out.output and "teacher " in out.output
    student = ws.models_dir / "student"
    assert {p.name for p in student.iterdir()} >= {"student.pt", "last.pt", "tokenizer.json", "metrics.json"}
    ck_id = out.output.split("(id ")[1].split(",")[0]

    out = r.invoke(cli, ["generate", *w, "--concept", I + "bravo", "--task", "definition", "--format", "json"])
    assert out.exit_code == 0, out.output
    g = json.loads(out.output)
    assert g["generator"] == "student" and g["checkpoint"] == ck_id and g["focus"] == I + "bravo"
    assert [I + "bravo", "http://www.w3.org/2000/01/rdf-schema#label", "bravo"] in g["triples"]
    assert any(k.startswith("requires:") for k in g["scores"]) and "logprob" in g["scores"]
    assert set(g["concepts"]) <= set(g["extra"]["entities"])
    # a label instead of an IRI, and the prerequisite task's target
    out = r.invoke(cli, ["generate", *w, "--concept", "charlie", "--task", "prerequisite",
                         "--target", I + "alpha"])
    assert out.exit_code == 0, out.output
    out = r.invoke(cli, ["generate", *w, "--concept", "charlie", "--task", "prerequisite"])
    assert out.exit_code == 2 and "--target" in out.output
    out = r.invoke(cli, ["generate", *w, "--concept", I + "nope"])
    assert out.exit_code == 1 and "is not a node of the store" in out.output and "Traceback" not in out.output

    out = r.invoke(cli, ["distill", *w, "--resume", "--max-steps", "5", "-q"])
    assert out.exit_code == 0, out.output
    assert "Trained 5 steps" in out.output

    # the curriculum changes: the student no longer fits the graph
    with ws.open_store() as st:
        st.add_to_graph(G, f"<{I}bravo> <{K}requires> <{I}lima> .\n")
    out = r.invoke(cli, ["generate", *w, "--concept", I + "bravo"])
    assert out.exit_code == 1 and "changed since" in out.output and "Traceback" not in out.output
    out = r.invoke(cli, ["distill", *w, "--resume", "-q"])
    assert out.exit_code == 1 and "changed since" in out.output
