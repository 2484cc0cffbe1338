"""Two instructors (two browser contexts) edit the same lesson at once: the first save is
kept, the second is refused with a message, and a reload shows the first one's text."""
from __future__ import annotations

import re

from tests.studio.browser.helpers import shot, wait_idle


def _open_compose(browser, url, name):
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    page.goto(f"{url}/explorer?user={name.replace(' ', '+')}")
    page.get_by_role("heading", name="Graph explorer").wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_label("Search concepts by label").fill("recursion")
    page.get_by_label("Search concepts by label").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Recursion", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Compose for this concept").click()
    page.get_by_role("heading", name="Compose").wait_for()
    wait_idle(page)
    return ctx, page


def _edit_and_save(page, text):
    box = page.get_by_label(re.compile(r"^Paragraph 1 "))
    box.fill(text)
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Save edits").click()
    wait_idle(page)


def test_second_save_is_refused_first_kept(studio, browser):
    from playwright.sync_api import expect
    ctx_a, a = _open_compose(browser, studio.url, "Ana")
    a.get_by_role("button", name="Generate").click()
    a.get_by_label(re.compile(r"^Paragraph 1 ")).wait_for(timeout=30_000)
    wait_idle(a)
    ctx_b, b = _open_compose(browser, studio.url, "Bo")     # Bo opens the same version 1
    b.get_by_label(re.compile(r"^Paragraph 1 ")).wait_for(timeout=30_000)

    _edit_and_save(a, "Ana's version of the first paragraph.")
    a.get_by_text("Saved version 2").first.wait_for(timeout=20_000)
    _edit_and_save(b, "Bo's version of the first paragraph.")
    b.get_by_text("someone saved it in between", exact=False).first.wait_for(timeout=20_000)
    b.get_by_text("Saving now would be refused", exact=False).first.wait_for()
    shot(b, "11-concurrent-edit-refused")

    # a reload (a new session) shows Ana's text: the first save was kept
    b.get_by_role("button", name="Reload the latest version").click()
    expect(b.get_by_text("Saving now would be refused", exact=False)).to_have_count(0, timeout=20_000)
    wait_idle(b)
    expect(b.get_by_label(re.compile(r"^Paragraph 1 "))).to_have_value("Ana's version of the first paragraph.")
    ctx_c, c = _open_compose(browser, studio.url, "Cy")
    expect(c.get_by_label(re.compile(r"^Paragraph 1 "))).to_have_value("Ana's version of the first paragraph.")
    expect(c.get_by_text("version 2 · draft", exact=False)).to_contain_text("by Ana")
    for ctx in (ctx_a, ctx_b, ctx_c):
        ctx.close()
