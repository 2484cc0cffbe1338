"""The studio's router: page setup, the sidebar (workspace, who you are), ``st.navigation``
over the pages in ``studio/app_pages/`` and ``page.run()``. Pages are thin; what they
compute lives in ``kg/``, ``gnn/`` and ``generation/`` (what only the studio shows: ``studio/app_logic.py``).

Run it with ``kgstudio studio -w DIR`` (which calls ``streamlit run`` on this file).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

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


st.set_page_config(page_title="kgstudio", page_icon=":material/school:", layout="wide")
pages = [st.Page(f, title=t, url_path=u, icon=i, default=(u == "workspace"))
         for f, t, u, i, needs in PAGES if available(f, needs)]
page = st.navigation(pages)
ui.sidebar_identity()
if any(u == "compose" for _f, _t, u, _i, needs in PAGES if available(_f, needs)):
    # load the generator in the background as soon as a workspace is open, so that
    # Compose is ready when a person gets there (studio/app_content.py)
    _ws = ui.workspace()
    if _ws is not None:
        from studio.app_content import warm_builder
        try:
            warm_builder(_ws)
        except Exception:  # noqa: BLE001 - Compose shows the loading error itself
            pass
page.run()
