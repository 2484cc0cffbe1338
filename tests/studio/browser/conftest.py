"""A real studio for the browser tests: ``streamlit run`` on a free port over a fresh demo
workspace, and Debian's Chromium driven by Playwright (flags as in DESIGN.md).

Skipped when Playwright or /usr/bin/chromium is missing on a user's machine; under CI
(``CI=true``) a missing browser is a failure, not a skip. Screenshots go to
``test-artifacts/studio-screenshots/`` (git-ignored).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.studio_browser import CHROMIUM, Studio, launch_chromium, wait_generator_ready


def _need(ok: bool, why: str) -> None:
    if not ok:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{why}: CI must run the browser tests")
        pytest.skip(why)


def make_demo_workspace(root: Path) -> Path:
    """The demo curriculum imported (no models: the generator uses the templates and
    word-overlap distractors, so the studio loads no model and the tests stay fast)."""
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.workspace import Workspace
    ws = Workspace.init(root, **{"studio.similarity": "lexical"})   # the generator loads no model
    with ws.open_store() as store:
        import_sources(store, [demo_curriculum_path()])
    return root


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "playwright is not installed")
    _need(Path(CHROMIUM).is_file(), f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as p:
        b = launch_chromium(p)
        yield b
        b.close()


@pytest.fixture(scope="session")
def studio(tmp_path_factory, browser):
    root = make_demo_workspace(tmp_path_factory.mktemp("browser") / "ws")
    s = Studio(root)
    # warm the generator once (Compose loads it in the background on a first visit)
    page = browser.new_page()
    wait_generator_ready(page, s.url, timeout_s=120)
    page.close()
    yield s
    s.stop()
