"""One tiny trained demo workspace for every AppTest of the studio's pages.

The demo curriculum is imported (about 2 s), a 3-epoch structure-only teacher is trained
(about 3 s) and its suggestions are written, so every page has something to show. The
studio's process-wide store handle (``studio.app_state.shared_store``) is the only handle
open on it during the tests; tests that need the store use that handle too.
"""
from __future__ import annotations

from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[3] / "studio" / "streamlit_app.py"


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory):
    from gnn.checkpoint import teacher_dir
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.train import train_teacher
    from kg.demo import demo_curriculum_path
    from kg.importing import import_sources
    from kg.workspace import Workspace
    from studio import app_state

    root = tmp_path_factory.mktemp("studio") / "ws"
    ws = Workspace.init(root, **{"studio.similarity": "lexical"})   # the generator loads no model
    with ws.open_store() as store:
        import_sources(store, [demo_curriculum_path()])
        td = build_teacher_data(store, embed=False)
    train_teacher(td, TeacherConfig(epochs=3, use_text=False, device="cpu", hidden=16),
                  out_dir=teacher_dir(ws))
    sws = app_state.open_workspace(root)
    from gnn.suggest import suggest_prereqs
    suggest_prereqs(sws, top_k=12)
    yield sws
    app_state.release_store(root)


@pytest.fixture
def app(demo_ws, monkeypatch):
    """An AppTest of the router with the demo workspace as the default workspace."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("KGSTUDIO_WORKSPACE", str(demo_ws.root))
    monkeypatch.setenv("KGSTUDIO_USER", "Tess Tester")

    def make(page: str | None = None, **params) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=60)
        for k, v in params.items():
            at.query_params[k] = v
        if page:
            at.switch_page(page)
        return at
    return make


@pytest.fixture
def store(demo_ws):
    from studio import app_state
    return app_state.shared_store(demo_ws)
