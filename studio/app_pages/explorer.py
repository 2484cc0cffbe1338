"""Graph explorer: find concepts by label, see a node's neighbourhood drawn as a graph, its
definition, sections, objectives and items, follow links, and the prerequisite DAG and
learning path to a concept (kg.neighbourhood, studio.app_logic). Only the tab in view is
built."""
from __future__ import annotations

import streamlit as st

from kg.errors import KGStudioError
from kg.neighbourhood import find_concepts, neighbourhood
from studio import app_state as S
from studio import app_ui as ui
from studio.app_logic import dag_dot, neighbourhood_dot, prerequisite_dag

st.title("Graph explorer")
ws = ui.need_workspace()
store = S.shared_store(ws)

# a link from elsewhere (SPARQL results, suggestions) arrives as ?node=IRI
param = st.query_params.get("node")
if param and param != st.session_state.get("explorer_param"):
    st.session_state["explorer_param"] = param
    st.session_state["explorer_node"] = param


def go(iri: str) -> None:
    st.session_state["explorer_node"] = iri
    st.query_params["node"] = iri
    st.session_state["explorer_param"] = iri


q = st.text_input("Search concepts by label", key="explorer_q", placeholder="e.g. loop")
if q:
    hits = find_concepts(store, q, limit=20)
    if not hits:
        st.info("No concept label contains that text. Try a shorter word, or import a "
                "curriculum on the Workspace page.")
    else:
        cols = st.columns(min(4, len(hits)))
        for i, h in enumerate(hits):
            cols[i % len(cols)].button(h.label or S.short_iri(h.iri), key=f"hit_{i}",
                                       on_click=go, args=(h.iri,))

node = st.session_state.get("explorer_node")
if not node:
    st.info("Search for a concept above to see its neighbourhood, definition and prerequisites.")
    st.stop()

hops = st.slider("Hops", 1, 3, 1, key="explorer_hops")
try:
    nb = neighbourhood(store, node, hops=hops, max_nodes=40)
except KGStudioError as e:
    ui.error(e)
    st.stop()
center = nb.nodes[0]
st.header(S.md_escape(center.label or S.short_iri(center.iri)))
st.caption(f"{center.type} · {S.md_escape(center.iri)}")
if center.definition:
    ui.text(center.definition)
if center.type == "concept" and st.button("Compose for this concept", key="explorer_compose"):
    st.session_state["compose_focus"] = center.iri
    st.switch_page("app_pages/compose.py")


def show_graph() -> None:
    st.graphviz_chart(neighbourhood_dot(nb), width="stretch")
    if nb.truncated:
        st.caption("Only the 40 nearest nodes are drawn.")


def show_links() -> None:
    rel_of = {}
    for e in nb.edges:
        if e.source == center.iri:
            rel_of.setdefault(e.target, e.relation)
        elif e.target == center.iri:
            rel_of.setdefault(e.source, f"{e.relation} (from)")
    for kind in ("concept", "section", "chapter", "objective", "item", "course", "competency", "resource", "curriculum"):
        members = [n for n in nb.nodes[1:] if n.type == kind and n.distance == 1]
        if not members:
            continue
        st.markdown(f"**{kind.capitalize()}s**")
        for i, n in enumerate(members):
            c1, c2 = st.columns([4, 1])
            c1.markdown(S.md_escape(n.label or S.short_iri(n.iri)) +
                        (f" — *{S.md_escape(rel_of.get(n.iri, ''))}*" if rel_of.get(n.iri) else ""))
            c2.button("Open", key=f"open_{kind}_{i}", on_click=go, args=(n.iri,))


def show_prerequisites() -> None:
    if center.type != "concept":
        st.caption("Prerequisites are between concepts; open a concept to see them.")
        return
    dag = prerequisite_dag(store, center.iri)
    if len(dag.nodes) <= 1:
        st.info("This concept requires nothing: it can be learned first.")
        return
    st.graphviz_chart(dag_dot(dag), width="stretch")
    st.markdown("**Learning path** (every concept after the ones it requires):")
    st.markdown("\n".join(f"{k}. {S.md_escape(dag.nodes[i])}" for k, i in enumerate(dag.path, 1)))


tabs = st.tabs(["Neighbourhood", "Linked nodes", "Prerequisites and learning path"], key="explorer_tab",
               on_change="rerun")
for k, (tab, show) in enumerate(zip(tabs, (show_graph, show_links, show_prerequisites))):
    if tab.open or (tab.open is None and k == 0):     # only the tab in view is built
        with tab:
            show()
