"""AppTest of the Graph explorer: search, neighbourhood graph, links, prerequisite DAG and
learning path, unknown nodes as messages, and curriculum text shown escaped."""
from __future__ import annotations

from studio import app_state

LOOP = "https://w3id.org/kgstudio/id/foundations-of-programming/concept/loop"


def test_empty_state(app):
    at = app("app_pages/explorer.py").run()
    assert not at.exception
    assert any("Search for a concept" in i.value for i in at.info)


def test_search_and_open_a_concept(app):
    at = app("app_pages/explorer.py").run()
    at.text_input(key="explorer_q").input("loop").run()
    labels = [b.label for b in at.button if b.key and b.key.startswith("hit_")]
    assert labels[0] == "Loop" and "While loop" in labels
    at.button(key="hit_0").click().run()
    assert not at.exception
    assert at.header[0].value == "Loop"
    assert any("control structure" in m.value for m in at.markdown)
    dots = at.get("graphviz_chart")
    assert len(dots) == 1                      # the neighbourhood: only the tab in view is built
    assert "Boolean expression" in dots[0].proto.spec
    at.session_state["explorer_tab"] = "Prerequisites and learning path"
    at.run()
    assert not at.exception
    dag = at.get("graphviz_chart")
    assert len(dag) == 1 and dag[0].proto.spec.startswith("digraph P {")
    # learning path: prerequisites first, the concept last
    path = [m.value for m in at.markdown if m.value.startswith("1. ")][0].splitlines()
    assert path[-1].endswith("Loop") and len(path) > 3


def test_follow_a_link_and_arrive_by_url(app):
    at = app("app_pages/explorer.py", node=LOOP).run()
    assert at.header[0].value == "Loop"
    at.session_state["explorer_tab"] = "Linked nodes"
    at.run()
    open_buttons = [b for b in at.button if b.key and b.key.startswith("open_section_")]
    assert open_buttons
    open_buttons[0].click().run()
    assert not at.exception
    assert at.header[0].value != "Loop"
    assert at.query_params["node"] != LOOP


def test_unknown_node_is_a_message(app):
    at = app("app_pages/explorer.py", node="https://example.org/nothing").run()
    assert not at.exception
    assert "not a node of the store" in at.error[0].value


def test_script_in_a_label_is_text(app, tmp_path, monkeypatch):
    ws = app_state.create_workspace(tmp_path / "xss")
    store = app_state.shared_store(ws)
    c = "https://w3id.org/kgstudio/id/x/concept/evil"
    store.add_to_graph("https://w3id.org/kgstudio/graph/source/x",
                       f'<{c}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/kgstudio/ns#Concept> .\n'
                       f'<{c}> <http://www.w3.org/2000/01/rdf-schema#label> "<script>alert(1)</script>" .\n'
                       f'<{c}> <https://w3id.org/kgstudio/ns#definition> "<img src=x onerror=alert(2)> **bold**" .\n')
    monkeypatch.setenv("KGSTUDIO_WORKSPACE", str(ws.root))
    at = app("app_pages/explorer.py", node=c).run()
    assert not at.exception
    assert at.header[0].value == r"&lt;script&gt;alert\(1\)&lt;/script&gt;"
    shown = [m.value for m in at.markdown if "onerror" in m.value]
    assert shown == [r"&lt;img src=x onerror=alert\(2\)&gt; \*\*bold\*\*"]
    assert not at.html
    app_state.release_store(ws.root)
