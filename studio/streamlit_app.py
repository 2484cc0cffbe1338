"""The studio's router: page setup, the sidebar (workspace, who you are), ``st.navigation``
over the pages in ``studio/app_pages/`` and ``page.run()``. Pages are thin; what they
compute lives in ``kg/``, ``gnn/`` and ``generation/`` (what only the studio shows: ``studio/app_logic.py``).

Run it with ``kgstudio studio -w DIR`` (which calls ``streamlit run`` on this file).

What every run does before the page: the page list, the sidebar and a check that the
generator is loaded or loading (studio/app_content.py), a few milliseconds; the store handle
and what pages read are cached for the process (studio/app_state.py, studio/app_data.py).
With ``KGSTUDIO_TIMINGS=FILE`` each run appends one JSON line with the page and the seconds
the router and the page took (``benchmarks/studio.py`` reports them).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

_T0 = time.perf_counter()

_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:  # `streamlit run studio/streamlit_app.py` from a checkout
    sys.path.insert(0, str(_ROOT))

import streamlit as st  # noqa: E402

from studio import app_ui as ui  # noqa: E402

PAGES = [
    # (file, title, url path, icon, modules the page needs)
    ("app_pages/workspace.py", "Workspace", "workspace", ":material/folder_open:", ()),
    ("app_pages/explorer.py", "Graph explorer", "explorer", ":material/hub:", ()),
    ("app_pages/suggestions.py", "Prerequisite suggestions", "suggestions", ":material/recommend:", ()),
    ("app_pages/compose.py", "Compose", "compose", ":material/edit_note:",
     ("generation.content.repository", "generation.content.lesson", "generation.content.quiz")),
    ("app_pages/review.py", "Review", "review", ":material/fact_check:", ("generation.content.repository",)),
    ("app_pages/sparql.py", "SPARQL", "sparql", ":material/code:", ()),
    ("app_pages/models.py", "Models", "models", ":material/model_training:", ()),
    ("app_pages/export.py", "Export", "export", ":material/download:",
     ("generation.content.repository", "generation.export.pack")),
]


def available(file: str, needs: tuple[str, ...]) -> bool:
    """A page is listed when its file and the modules it builds on are installed (the
    content and export packages are optional parts of a checkout in progress)."""
    if not (Path(__file__).parent / file).is_file():
        return False
    try:
        return all(importlib.util.find_spec(m) is not None for m in needs)
    except ModuleNotFoundError:
        return False


# an emoji favicon is drawn by the page itself; a Material icon is fetched from fonts.gstatic.com
# on every page load (a request that leaves the machine, and fails offline)
st.set_page_config(page_title="kgstudio", page_icon="🎓", layout="wide")
listed = [(f, t, u, i) for f, t, u, i, needs in PAGES if available(f, needs)]
page = st.navigation([st.Page(f, title=t, url_path=u, icon=i, default=(u == "workspace"))
                      for f, t, u, i in listed])
ui.sidebar_identity()
if any(u == "compose" for _f, _t, u, _i in listed):
    # load the generator in the background as soon as a workspace is open, so that
    # Compose is ready when a person gets there (studio/app_content.py)
    _ws = ui.workspace()
    if _ws is not None:
        from studio.app_content import warm_builder
        try:
            warm_builder(_ws)
        except Exception:  # noqa: BLE001 - Compose shows the loading error itself
            pass
_t_router = time.perf_counter()
try:
    page.run()
finally:
    if os.environ.get("KGSTUDIO_TIMINGS"):
        # one line per script run: the page, the router's and the page's seconds (benchmarks/studio.py)
        import json
        with open(os.environ["KGSTUDIO_TIMINGS"], "a") as _f:
            _f.write(json.dumps({"page": page.url_path, "router_s": round(_t_router - _T0, 4),
                                 "page_s": round(time.perf_counter() - _t_router, 4)}) + "\n")
