"""The new user's path through the studio in a real browser: open the demo workspace, find a
concept, generate a lesson, edit a paragraph, approve it, generate a quiz, export a Common
Cartridge, and the downloaded file validates. Screenshots of every page on the way."""
from __future__ import annotations

import re
import time
import zipfile

from tests.studio.browser.helpers import nav, shot, wait_idle


def test_new_user_path(studio, browser, tmp_path):
    from generation.export.validate import validate_cc
    t0 = time.time()
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(studio.url)
    page.get_by_role("heading", name="Workspace").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_text("Concepts without definition").first.wait_for()
    shot(page, "01-workspace")

    # find a concept
    nav(page, "Graph explorer")
    page.get_by_label("Search concepts by label").fill("while")
    page.get_by_label("Search concepts by label").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="While loop").click()
    page.get_by_role("heading", name="While loop").wait_for()
    wait_idle(page)
    page.locator('[data-testid="stGraphVizChart"] svg').first.wait_for(timeout=20_000)
    shot(page, "02-explorer")

    # generate a lesson for it
    page.get_by_role("button", name="Compose for this concept").click()
    page.get_by_role("heading", name="Compose").wait_for()
    wait_idle(page)
    page.get_by_role("button", name="Generate").click()
    first = page.get_by_label(re.compile(r"^Paragraph 1 "))
    first.wait_for(timeout=30_000)
    wait_idle(page)
    shot(page, "03-compose-lesson")

    # edit a paragraph (with markup that must stay text) and save
    mine = "Edited in the browser <script>window.__pwned = 1</script> and <b>bold</b>."
    first.fill(mine)
    first.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save edits").click()
    page.get_by_text("Saved version 2").first.wait_for(timeout=20_000)
    page.get_by_role("tab", name="Preview").click()
    page.locator('[data-testid="stMarkdownContainer"]', has_text="Edited in the browser <script>").first.wait_for()
    assert page.evaluate("window.__pwned") is None
    shot(page, "04-compose-preview")

    # approve it
    nav(page, "Review")
    page.get_by_label("Comment").fill("Reads well.")
    page.get_by_label("Comment").press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("approve: now approved").first.wait_for(timeout=20_000)
    shot(page, "05-review")

    # generate a quiz (same concept, picked again) and approve it
    nav(page, "Compose")
    page.get_by_text("quiz", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Generate").click()
    page.get_by_label(re.compile(r"^Item 1 ")).wait_for(timeout=30_000)
    wait_idle(page)
    shot(page, "06-compose-quiz")
    nav(page, "Review")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("approve: now approved").first.wait_for(timeout=20_000)

    # export a Common Cartridge and validate the download
    nav(page, "Export")
    page.get_by_role("button", name="Build the pack").click()
    page.get_by_text("Valid:", exact=False).first.wait_for(timeout=60_000)
    wait_idle(page)
    shot(page, "07-export")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download").first.click()
    path = tmp_path / dl.value.suggested_filename
    dl.value.save_as(path)
    assert path.suffix == ".imscc"
    report = validate_cc(path)
    assert report.ok, report.text()
    with zipfile.ZipFile(path) as z:
        pages = [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".html")]
    assert any("Edited in the browser &lt;script&gt;" in p for p in pages)
    assert not any("<script>window.__pwned" in p for p in pages)

    # the other pages render too
    for title, name in (("Prerequisite suggestions", "08-suggestions"), ("SPARQL", "09-sparql"),
                        ("Models", "10-models")):
        nav(page, title)
        shot(page, name)
    assert not [e for e in errors if "pwned" in e]
    ctx.close()
    assert time.time() - t0 < 90
