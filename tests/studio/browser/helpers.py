"""Helpers of the browser tests: screenshots and sidebar navigation."""
from __future__ import annotations

from pathlib import Path

from tests.support.studio_browser import ROOT, wait_idle

SHOTS = ROOT / "test-artifacts" / "studio-screenshots"


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def nav(page, title: str) -> None:
    """Open a page through the sidebar navigation (keeps the browser session)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title.split(" ")[0], exact=False).first.wait_for(timeout=30_000)
    wait_idle(page)
