"""``kgstudio lesson | quiz | diagram | path | review`` on a demo workspace."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from studio.cli import COMMANDS_HELP, cli


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.workspace import Workspace
    root = tmp_path_factory.mktemp("content") / "ws"
    w = Workspace.init(root)
    with w.open_store() as s:
        import_sources(s, [demo_curriculum_path()])
    return str(root)


def run(*args, ok=True):
    res = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    if ok:
        assert res.exit_code == 0, res.output
    return res


def test_commands_are_registered():
    assert {"lesson", "quiz", "diagram", "path", "review"} <= set(COMMANDS_HELP)


def test_build_save_review_flow(ws, tmp_path):
    out = tmp_path / "wl.html"
    r = run("lesson", "-w", ws, "While loop", "--format", "html", "--out", str(out), "--by", "ana",
            "--distractors", "lexical")
    assert "saved <" in r.output and "version 1 (draft)" in r.output
    html = out.read_text(encoding="utf-8")
    assert "<h1>While loop</h1>" in html and "Check your understanding" in html
    r = run("quiz", "-w", ws, "section/s2-2", "-n", "10", "--format", "json", "--by", "ana",
            "--distractors", "lexical")
    quiz = json.loads(r.stdout)
    assert len(quiz["items"]) == 10
    # a learner's quiz by default: nothing about the curriculum's order
    assert not [i for i in quiz["items"] if i["type"] == "ordering" or "learned before" in i["stem"]]
    r = run("diagram", "-w", ws, "prerequisites", "Loop", "--format", "text", "--by", "bob")
    assert "Prerequisites of Loop" in r.stdout
    r = run("path", "-w", ws, "While loop", "--known", "Variable")
    assert r.stdout.strip().splitlines()[-1].endswith("While loop  — the target")
    r = run("review", "-w", ws, "list", "--state", "draft")
    iris = re.findall(r"(https://\S+/content/\S+)", r.stdout)
    assert sorted(i.split("/content/")[1].split("/")[0] for i in iris) == ["diagram", "lesson", "path", "quiz"]
    lesson_iri = next(i for i in iris if "/lesson/" in i)
    r = run("review", "-w", ws, "approve", lesson_iri, "--by", "rev", "--comment", "clear")
    assert "is now approved (by rev)" in r.stdout
    r = run("review", "-w", ws, "list", "--state", "approved")
    assert lesson_iri in r.stdout and len(re.findall(r"https://\S+/content/\S+", r.stdout)) == 1
    r = run("review", "-w", ws, "history", lesson_iri.rsplit("/", 1)[-1])
    assert "approve: draft -> approved" in r.stdout and "clear" in r.stdout
    # regenerating makes version 2, back to draft
    r = run("lesson", "-w", ws, "While loop", "--by", "ana", "--distractors", "lexical")
    assert "version 2 (draft)" in r.output
    r = run("review", "-w", ws, "reject", lesson_iri, "--by", "rev")
    assert "now rejected" in r.stdout


def test_student_generator_required_but_missing(ws):
    r = run("lesson", "-w", ws, "While loop", "--generator", "student", "--no-save", ok=False)
    assert r.exit_code != 0 and "no trained student" in r.output


def test_user_errors_are_one_line(ws):
    r = run("lesson", "-w", ws, "No such concept", ok=False)
    assert r.exit_code == 1 and "error:" in r.output and "Traceback" not in r.output
    r = run("review", "-w", ws, "approve", "nothing-like-this", ok=False)
    assert r.exit_code == 1 and "no content item" in r.output


def test_default_generator_is_the_template_realiser_without_a_student(ws):
    from generation.generators import default_generator
    from kg.workspace import Workspace
    g = default_generator(Workspace(ws))
    try:
        assert g.name == "template"
        text = g.generate("https://w3id.org/kgstudio/id/foundations-of-programming/concept/loop", "definition").text
        assert text.startswith("A loop is a control structure")
    finally:
        g.close()


def test_quiz_with_the_section_shape(ws):
    r = run("quiz", "-w", ws, "While Loops", "--shape", "section", "-n", "6", "--format", "json", "--no-save",
            "--distractors", "lexical")
    parts = [it["part"] for it in json.loads(r.stdout)["items"]]
    assert parts[0] == "prior" and parts[-1] == "exit" and len(parts) <= 6
