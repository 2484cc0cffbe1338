"""AppTest of the Models page: teacher metrics and curves, student status, provenance."""
from __future__ import annotations


def test_teacher_status_curves_and_provenance(app):
    at = app("app_pages/models.py").run()
    assert not at.exception
    table = next(m.value for m in at.markdown if m.value.startswith("| Prerequisite AUC |"))
    head, _sep, values = table.splitlines()
    figures = dict(zip([c.strip() for c in head.strip("|").split("|")],
                       [c.strip().strip("*") for c in values.strip("|").split("|")]))
    assert set(figures) == {"Prerequisite AUC", "Prerequisite AP", "Prerequisite F1", "Link AUC"}
    assert 0.0 <= float(figures["Prerequisite AUC"]) <= 1.0 and 0.0 <= float(figures["Link AUC"]) <= 1.0
    # the first render draws no chart or table: they are built when their expander opens
    assert not at.get("arrow_line_chart") and not at.get("vega_lite_chart") and not at.dataframe
    assert [e.label for e in at.main.expander] == ["Training curves", "All metrics", "What each checkpoint produced"]
    at.session_state["models_curves"] = True
    at.session_state["models_provenance"] = True
    at.run()
    assert not at.exception
    assert len(at.get("arrow_line_chart")) + len(at.get("vega_lite_chart")) == 2     # losses, validation AUC
    prov = at.dataframe[-1].value
    assert list(prov.columns) == ["checkpoint", "graph", "what", "count"]
    assert ((prov["graph"] == "suggestions") & (prov["count"] > 0)).any()
    assert at.button(key="models_train").label == "Retrain the teacher"


def test_untrained_workspace_says_how_to_train(app, tmp_path, monkeypatch):
    from studio import app_state
    ws = app_state.create_workspace(tmp_path / "bare")
    monkeypatch.setenv("KGSTUDIO_WORKSPACE", str(ws.root))
    at = app("app_pages/models.py").run()
    assert not at.exception
    assert any("No teacher trained yet" in i.value for i in at.info)
    assert at.button(key="models_train").label == "Train the teacher"
    app_state.release_store(ws.root)
