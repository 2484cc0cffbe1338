"""SPARQL: a read-only query editor with example queries; results as a table with links into
the explorer; download as CSV or JSON (kg.store, kg.results)."""
from __future__ import annotations

import streamlit as st

from kg.results import serialize
from kg.sparql_guard import Limits, QueryRefused, check
from kg.store.base import AskResult, GraphResult, SelectResult
from studio import app_state as S
from studio import app_ui as ui
from studio.app_logic import EXAMPLE_QUERIES, is_read_only_query, result_table
from studio.cli import _with_default_prefixes

st.title("SPARQL")
ws = ui.need_workspace()
store = S.shared_store(ws)
timeout = float(ws.settings.get("serve.query_timeout_s") or 30)
max_rows = int(ws.settings.get("serve.max_results") or 10000)
# The same pre-parse limits as `kgstudio serve` (kg.sparql_guard): nesting depth, operator
# chains, and no SERVICE/LOAD outside serve.allowed_endpoints; the store applies them to
# every query and update before pyoxigraph parses it. The size limit is for this page only.
store.guard_limits = Limits(
    max_depth=int(ws.settings.get("serve.max_depth") or 64),
    max_chain=int(ws.settings.get("serve.max_chain") or 512),
    allowed_endpoints=tuple(str(ws.settings.get("serve.allowed_endpoints") or "").split()))
max_query_bytes = int(ws.settings.get("serve.max_query_bytes") or 1_000_000)

st.caption("Read-only: queries (SELECT, ASK, CONSTRUCT, DESCRIBE) over every graph of the "
           "workspace. The prefixes kgs:, rdfs:, skos:, schema:, prov:, dcterms:, rdf: are declared for you.")


def _load_example():
    st.session_state["sparql_text"] = EXAMPLE_QUERIES[st.session_state["sparql_example"]]


names = list(EXAMPLE_QUERIES)
st.selectbox("Example queries", names, key="sparql_example", on_change=_load_example, index=0)
if "sparql_text" not in st.session_state:
    st.session_state["sparql_text"] = EXAMPLE_QUERIES[names[0]]
query = st.text_area("Query", key="sparql_text", height=220)
run = st.button("Run", key="sparql_run", type="primary")

if run:
    st.session_state["sparql_last"] = query
last = st.session_state.get("sparql_last")
if not last:
    st.info("Pick an example or write a query, then click **Run**.")
    st.stop()
if not is_read_only_query(last):
    st.error("This page only runs queries; updates (INSERT, DELETE, LOAD, DROP, ...) are refused. "
             "Change the graph through imports, decisions and reviews.")
    st.stop()
try:
    check(last, Limits(max_bytes=max_query_bytes, max_depth=None, max_chain=None,
                       allowed_endpoints=store.guard_limits.allowed_endpoints))
except QueryRefused as e:
    ui.error(e)
    st.stop()
try:
    result = store.query(_with_default_prefixes(last), timeout=timeout, max_results=max_rows)
except Exception as e:  # noqa: BLE001 - syntax errors and timeouts are shown as messages
    ui.error(e)
    st.stop()

if isinstance(result, AskResult):
    st.metric("Answer", "yes" if result.value else "no")
elif isinstance(result, GraphResult):
    st.caption(f"{len(result)} triple(s)")
    st.code(serialize(result, "turtle").decode("utf-8")[:200_000], language="turtle")
    st.download_button("Download Turtle", serialize(result, "turtle"), "result.ttl", "text/turtle")
elif isinstance(result, SelectResult):
    cols, rows, iri_cols = result_table(result)
    st.caption(f"{len(rows)} row(s)" + (" (cut at the row limit)" if result.truncated else ""))
    if not rows:
        st.info("No rows. Check the graph holds what the query looks for (the Workspace page lists "
                "what was imported).")
    else:
        order = [c for v in cols for c in ([v, v + " ↗"] if v in iri_cols else [v])]
        config = {v + " ↗": st.column_config.LinkColumn(v + " ↗", display_text="open in explorer")
                  for v in iri_cols}
        import pandas as pd
        st.dataframe(pd.DataFrame(rows, columns=order), hide_index=True, column_config=config)
    c1, c2 = st.columns(2)
    c1.download_button("Download CSV", serialize(result, "csv"), "result.csv", "text/csv", key="dl_csv")
    c2.download_button("Download JSON", serialize(result, "json"), "result.json",
                       "application/sparql-results+json", key="dl_json")
