"""AppTest of the Export page: empty state, a Common Cartridge built in the background,
validated, and listed for download; only approved items by default."""
from __future__ import annotations

import zipfile

from generation.content.repository import Repository, item_iri
from studio.app_content import build_lock, builder_now
from studio.app_jobs import get_job

SCOPE = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/variable"


def test_export_validates_and_downloads(app, demo_ws, store):
    from generation.content.quiz import build_quiz
    repo = Repository(store)
    iri = item_iri("quiz", SCOPE)
    if not repo.exists(iri):
        with build_lock:
            quiz = build_quiz(builder_now(demo_ws, timeout=300), SCOPE, n=3)
        repo.save(quiz, author="Writer", expected_version=0)
        repo.submit(iri, by="Writer")
        repo.approve(iri, by="Reviewer")
    at = app("app_pages/export.py").run()
    assert not at.exception
    assert at.selectbox(key="export_fmt").value == "imscc"
    at.button(key="export_go").click().run()
    job = get_job(demo_ws.root, "export")
    job.wait(120)
    assert job.state == "done", job.error
    at.run()
    assert any(s.value.startswith("Valid:") for s in at.success)
    path = job.result.path
    assert path.parent == demo_ws.exports_dir and path.suffix == ".imscc"
    with zipfile.ZipFile(path) as z:
        assert "imsmanifest.xml" in z.namelist()
    assert any(b.label == "Download" for b in at.download_button)
    # drafts are not in it: the approved quiz only
    assert job.result.counts.get("quizzes") == len([s for s in repo.list(state="approved") if s.kind == "quiz"])
