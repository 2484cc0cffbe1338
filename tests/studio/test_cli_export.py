"""`kgstudio export`: approved items only by default, a clear refusal when there are none,
--include-drafts, --scope, validation, and nothing written on failure."""
from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from studio.cli import cli
from tests.generation.export.conftest import DEMO, concept, sample_items, save_all


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    from kg.workspace import Workspace
    root = tmp_path_factory.mktemp("ws") / "ws"
    r = CliRunner().invoke(cli, ["init", str(root)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["import", "-q", "-w", str(root), "--demo"])
    assert r.exit_code == 0, r.output
    with Workspace(root).open_store() as store:
        save_all(store, sample_items(), approve=False)
    return root


def run(*args):
    return CliRunner().invoke(cli, ["export", *map(str, args)])


def test_no_approved_items_is_refused(ws, tmp_path):
    out = tmp_path / "p.imscc"
    r = run("-w", ws, "--format", "imscc", "--out", out)
    assert r.exit_code == 1
    assert "no approved content items" in r.output and "--include-drafts" in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_include_drafts_exports_and_validates(ws, tmp_path, shared_dir):
    out = tmp_path / "p.imscc"
    r = run("-w", ws, "--format", "imscc", "--out", out, "--include-drafts")
    assert r.exit_code == 0, r.output
    assert "Validated" in r.output and "1 lessons, 2 quizzes" in r.output
    assert "not approved yet" in r.output
    with zipfile.ZipFile(out) as zf:
        assert "imsmanifest.xml" in zf.namelist()


def test_scope_and_approved_only(ws, tmp_path):
    from kg.workspace import Workspace
    from generation.content.repository import Repository
    with Workspace(ws).open_store() as store:
        quiz = sample_items()[1]
        Repository(store).approve(quiz.iri, by="ana")
    out = tmp_path / "bank.gift.txt"
    r = run("-w", ws, "--format", "gift", "--out", out, "--scope", "concepts", concept("while-loop"))
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert text.count("$CATEGORY:") == 1 and "Quiz: while loops" in text
    assert "Section quiz" not in text                 # a draft, and outside the scope
    r = run("-w", ws, "--format", "gift", "--out", tmp_path / "x.txt", "--scope", "chapter", f"{DEMO}chapter/ch2")
    assert r.exit_code == 1 and "no approved content items in --scope chapter" in r.output
    r = run("-w", ws, "--format", "html", "--out", tmp_path / "y", "--scope", "chapter", f"{DEMO}chapter/nope")
    assert r.exit_code == 1 and "is not a chapter of this workspace" in r.output
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "y").exists()


def test_html_default_out_and_help(ws):
    r = run("-w", ws, "--format", "html", "--include-drafts", "-q")
    assert r.exit_code == 0, r.output
    assert (ws / "exports" / "pack-html" / "index.html").is_file()
    r = CliRunner().invoke(cli, ["export", "--help"])
    for fmt in ("imscc", "moodle-xml", "gift", "qti-canvas", "html", "markdown", "jsonld", "turtle"):
        assert fmt in r.output
