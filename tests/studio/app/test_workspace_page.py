"""AppTest of the Workspace page: stats of the demo workspace, empty states, create,
import in the background with progress, and a failed import shown as a message."""
from __future__ import annotations

import pytest

from studio import app_state
from studio.app_jobs import get_job


def _texts(at, kind: str) -> list[str]:
    return [e.value for e in getattr(at, kind)]


def _figures(at) -> dict[str, str]:
    """The headline figures: the Markdown table under "The graph" (header row, bold values)."""
    table = next(m for m in _texts(at, "markdown") if m.startswith("| Triples |"))
    head, _sep, values = table.splitlines()
    cells = lambda row: [c.strip().strip("*") for c in row.strip("|").split("|")]  # noqa: E731
    return dict(zip(cells(head), cells(values)))


def test_stats_and_gaps_of_the_demo(app):
    at = app().run()
    assert not at.exception
    figures = _figures(at)
    assert figures["Concepts"] == "68"
    assert figures["Sources"] == "1"
    assert int(figures["Triples"].replace(",", "")) > 1000
    assert figures["Concepts without definition"].isdigit()
    assert any("objective(s) never assessed" in m for m in _texts(at, "markdown"))
    # a workspace with a graph starts with its figures: the import controls wait in an expander
    assert any(e.label == "Import curricula" for e in at.main.expander)
    with pytest.raises(KeyError):
        at.button(key="imp_demo")


def test_the_import_controls_open_on_request(app):
    at = app().run()
    with pytest.raises(KeyError):
        at.checkbox(key="imp_validate")
    at.session_state["ws_import_box"] = True            # what clicking the expander does
    at.run()
    assert not at.exception
    assert at.button(key="imp_demo").label == "Import the demo curriculum"
    assert at.checkbox(key="imp_validate").value is True


def test_no_workspace_says_what_to_do(app, monkeypatch):
    monkeypatch.delenv("KGSTUDIO_WORKSPACE")
    at = app().run()
    assert not at.exception
    assert any("No workspace is open" in i for i in _texts(at, "info"))


def test_create_then_import_the_demo_in_the_background(app, tmp_path, monkeypatch):
    monkeypatch.delenv("KGSTUDIO_WORKSPACE")
    target = tmp_path / "fresh"
    at = app().run()
    at.text_input(key="ws_path").input(str(target)).run()
    at.button(key="ws_create").click().run()
    assert not at.exception and (target / "kgstudio.toml").is_file()
    assert any("Nothing imported yet" in i for i in _texts(at, "info"))
    assert at.button(key="imp_demo").label == "Import the demo curriculum"
    with pytest.raises(KeyError):              # only the tab in view is built
        at.button(key="imp_upload_go")
    at.button(key="imp_demo").click().run()
    job = get_job(target.resolve(), "import")
    assert job is not None
    job.wait(60)
    at.run()
    assert job.state == "done", job.error
    assert any("Import finished" in s for s in _texts(at, "success"))
    assert _figures(at)["Concepts"] == "68"
    assert at.button(key="imp_demo")                   # the finished import stays in view
    from generation.content.similarity import vectors_path
    from kg.workspace import Workspace
    assert vectors_path(Workspace(target)).is_file()   # the first quiz loads no model
    app_state.release_store(target)


def test_a_bad_source_is_a_message_and_writes_nothing(app, tmp_path, monkeypatch):
    bad = tmp_path / "broken.yaml"
    bad.write_text("curriculum: [unclosed\n", encoding="utf-8")
    ws = app_state.create_workspace(tmp_path / "ws")
    monkeypatch.setenv("KGSTUDIO_WORKSPACE", str(ws.root))
    at = app().run()
    at.session_state["imp_tabs"] = "A path on this machine"
    at.run()
    at.text_input(key="imp_path").input(str(bad)).run()
    at.button(key="imp_path_go").click().run()
    get_job(ws.root, "import").wait(60)
    at.run()
    assert not at.exception
    errors = _texts(at, "error")
    assert errors and "broken.yaml" in errors[0] and "Traceback" not in errors[0]
    assert any("Nothing imported yet" in i for i in _texts(at, "info"))
    app_state.release_store(ws.root)


def test_the_sidebar_shows_the_name_and_builds_its_input_only_when_asked(app):
    """A known name is text in the sidebar (no text input on a page's first render: it costs
    the browser 19 more script chunks); "Change your name" opens the input, and a new name
    is used at once."""
    at = app().run()
    assert not at.exception
    assert not at.sidebar.text_input
    assert any("You: **Tess Tester**" in c.value for c in at.sidebar.caption)
    box = at.sidebar.expander[0]
    assert box.label == "Change your name"
    at.session_state["user_box"] = True          # what opening the expander sends
    at.run()
    field = at.sidebar.text_input(key="user_input")
    assert field.value == "Tess Tester"
    field.set_value("Ada <b>Lovelace</b>").run()
    assert not at.exception
    assert at.session_state["user"] == "Ada <b>Lovelace</b>"
    assert any("You: **Ada &lt;b&gt;Lovelace&lt;/b&gt;**" in c.value for c in at.sidebar.caption)
