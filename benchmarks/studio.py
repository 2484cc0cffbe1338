"""Studio responsiveness in a real browser (issue 6): time to first render of each page, and
time from clicking Generate to a shown lesson, on the demo workspace.

What it does: copies the demo workspace (``demo-workspace/`` from ``make run``, trained
teacher included; built fresh when missing), starts ``streamlit run`` on it, waits until
the Compose page's generator is loaded (the studio loads it in the background at start),
then with headless Chromium (Playwright):

- first render: for each page, a new browser context (a new session) opens the page's
  URL; the time runs from ``goto`` until the page's title is shown and the script run has
  finished (Streamlit's status widget gone, no stale elements). ``--repeats`` times per
  page; the median is the page's figure and ``first_render_s_max`` is the slowest page's.
- Generate → lesson: on Compose, for ``--lessons`` concepts that have no lesson yet, the
  time from the click on Generate until the first paragraph of the new lesson is on
  screen and the run has finished; ``generate_click_to_lesson_s`` is the median.

Raw timings go into the JSON next to the figures. The machine is shared with other jobs
(2 cores): figures vary from run to run.

    .venv/bin/python benchmarks/studio.py [--repeats 3] [--lessons 5]
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._common import machine, table, write_results  # noqa: E402
from tests.support.studio_browser import Studio, launch_chromium, wait_generator_ready, wait_idle  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGES = [("workspace", "Workspace"), ("explorer", "Graph explorer"), ("suggestions", "Prerequisite suggestions"),
         ("compose", "Compose"), ("review", "Review"), ("sparql", "SPARQL"), ("models", "Models"),
         ("export", "Export")]
CONCEPTS = ["Recursion", "Function", "Variable", "List", "Dictionary", "String", "Boolean", "Loop"]


def workspace(tmp: Path, src: Path | None = None) -> Path:
    src = src or ROOT / "demo-workspace"
    dst = tmp / "ws"
    if (src / "kgstudio.toml").is_file():
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("LOCK"))
        return dst
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.workspace import Workspace
    ws = Workspace.init(dst)
    with ws.open_store() as store:
        import_sources(store, [demo_curriculum_path()])
    return dst


BASELINE_APP = """import streamlit as st
st.title("Hello")
st.write("A one-line Streamlit page: what any page costs before the studio does anything.")
"""


def baseline(browser, tmp: Path, repeats: int) -> list[float]:
    """First render of a one-line Streamlit app, measured the same way: the framework's own
    cost on this machine (loading the frontend in a new browser context, the websocket)."""
    import subprocess
    from tests.support.studio_browser import free_port
    app = tmp / "hello.py"
    app.write_text(BASELINE_APP)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                             "--server.headless", "true", "--browser.gatherUsageStats", "false",
                             "--server.fileWatcherType", "none"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        import urllib.request
        for _ in range(300):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        return [first_render(browser, f"http://127.0.0.1:{port}", "", "Hello") for _ in range(repeats)]
    finally:
        proc.terminate()
        proc.wait(10)


def first_render(browser, url: str, path: str, title: str) -> float:
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    t0 = time.perf_counter()
    page.goto(f"{url}/{path}")
    page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    dt = time.perf_counter() - t0
    ctx.close()
    return dt


def generate_lesson(browser, url: str, concept: str) -> float | None:
    ctx = browser.new_context(viewport={"width": 1300, "height": 900})
    page = ctx.new_page()
    page.goto(f"{url}/explorer")
    page.get_by_label("Search concepts by label").wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_label("Search concepts by label").fill(concept)
    page.get_by_label("Search concepts by label").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name=concept, exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Compose for this concept").click()
    page.get_by_role("heading", name="Compose").wait_for()
    wait_idle(page)
    button = page.get_by_role("button", name="Generate", exact=True)
    if not button.count():            # this concept has a lesson already
        ctx.close()
        return None
    t0 = time.perf_counter()
    button.click()
    page.get_by_label(re.compile(r"^Paragraph 1 ")).wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    dt = time.perf_counter() - t0
    ctx.close()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="first renders per page")
    ap.add_argument("--lessons", type=int, default=5, help="lessons generated")
    ap.add_argument("--workspace", type=Path, default=None,
                    help="workspace to copy (default: demo-workspace/ of `make run`)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright
    tmp = Path(tempfile.mkdtemp(prefix="kgstudio-bench-studio-"))
    ws = workspace(tmp, args.workspace)
    trained = (ws / "models" / "teacher" / "teacher.pt").is_file()
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    studio = Studio(ws, user="Benchmark")
    started = time.perf_counter() - t0
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            page = browser.new_page()
            t0 = time.perf_counter()
            wait_generator_ready(page, studio.url, timeout_s=600)
            ready = time.perf_counter() - t0
            page.close()
            renders = {path: [first_render(browser, studio.url, path, title) for _ in range(args.repeats)]
                       for path, title in PAGES}
            gens: dict[str, float] = {}
            for concept in CONCEPTS:
                if len(gens) >= args.lessons:
                    break
                dt = generate_lesson(browser, studio.url, concept)
                if dt is not None:
                    gens[concept] = dt
            base = baseline(browser, tmp, args.repeats)
            browser.close()
    finally:
        studio.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    med = {p: statistics.median(v) for p, v in renders.items()}
    metrics = {"first_render_s_max": round(max(med.values()), 3),
               "generate_click_to_lesson_s": round(statistics.median(gens.values()), 3) if gens else None}
    rows = [[title, f"{med[path]:.2f}", ", ".join(f"{x:.2f}" for x in renders[path])] for path, title in PAGES]
    rows.append(["(baseline: one-line Streamlit app)", f"{statistics.median(base):.2f}",
                 ", ".join(f"{x:.2f}" for x in base)])
    print(f"Studio on the demo workspace — {machine()}")
    print(f"server answered {started:.1f} s after start; generator ready {ready:.1f} s after the first visit\n")
    print(table(rows, ["page", "first render (median, s)", "runs (s)"]))
    print()
    print(table([[c, f"{v:.2f}"] for c, v in gens.items()], ["lesson generated for", "click → shown (s)"]))
    print(f"\nfirst_render_s_max = {metrics['first_render_s_max']} s; "
          f"generate_click_to_lesson_s = {metrics['generate_click_to_lesson_s']} s (goal < 2 s)")
    out = write_results("studio", metrics, {
        "first_render_s": {p: [round(x, 3) for x in v] for p, v in renders.items()},
        "first_render_median_s": {p: round(v, 3) for p, v in med.items()},
        "generate_click_to_lesson_raw_s": {c: round(v, 3) for c, v in gens.items()},
        "baseline_hello_app_first_render_s": [round(x, 3) for x in base],
        "server_start_s": round(started, 2), "generator_ready_s": round(ready, 2),
        "workspace": (f"copy of {args.workspace or 'demo-workspace/'}"
                      + (" (trained teacher)" if trained else ", no models")),
        "load_average_1_5_15": {"before": [round(x, 2) for x in load_before],
                                "after": [round(x, 2) for x in os.getloadavg()]},
        "note": "2 shared CPU cores, no GPU, other jobs running; headless Chromium; times include the "
                "browser's rendering and the websocket round trips",
    })
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
