"""AppTest of the SPARQL page: examples, table with explorer links, downloads, read-only."""
from __future__ import annotations


from studio.app_logic import EXAMPLE_QUERIES


def test_example_query_table_links_and_downloads(app):
    at = app("app_pages/sparql.py").run()
    assert any("Pick an example" in i.value for i in at.info)
    at.button(key="sparql_run").click().run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df.columns)[:2] == ["concept", "concept ↗"]
    assert df["concept ↗"].iloc[0].startswith("/explorer?node=https%3A%2F%2Fw3id.org")
    assert len(df) > 50
    assert {b.label for b in at.download_button} >= {"Download CSV", "Download JSON"}


def test_pick_another_example(app):
    at = app("app_pages/sparql.py").run()
    name = "Concepts without a definition"
    at.selectbox(key="sparql_example").set_value(name).run()
    assert at.text_area(key="sparql_text").value == EXAMPLE_QUERIES[name]
    at.button(key="sparql_run").click().run()
    assert any("No rows" in i.value for i in at.info)   # the demo defines every concept


def test_updates_are_refused_and_errors_are_messages(app, store):
    n = store.count()
    at = app("app_pages/sparql.py").run()
    at.text_area(key="sparql_text").input("DROP ALL").run()
    at.button(key="sparql_run").click().run()
    assert "only runs queries" in at.error[0].value
    assert store.count() == n
    at.text_area(key="sparql_text").input("SELECT ?x WHERE { ?x ").run()
    at.button(key="sparql_run").click().run()
    assert not at.exception
    assert "syntax error" in at.error[0].value.lower()


def test_ask_query(app):
    at = app("app_pages/sparql.py").run()
    at.text_area(key="sparql_text").input("ASK { ?c a kgs:Concept }").run()
    at.button(key="sparql_run").click().run()
    assert at.metric[0].value == "yes"
