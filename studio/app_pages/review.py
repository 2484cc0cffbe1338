"""Review: a queue of content items by state (draft, in review, changes requested,
approved, rejected) with filters; approve, reject or request changes with a comment;
every change is a new version or review record with author and time; any two versions
side by side (generation.content.repository).

First render: the filters, the queue's first rows as a Markdown table, the chosen item and its
preview; the sortable table of the whole queue, the history and the comparison are built
when opened."""
from __future__ import annotations

import difflib

import streamlit as st

from generation.content.model import Diagram, ItemState
from generation.content.render import render
from generation.content.repository import Repository
from kg.errors import KGStudioError
from studio import app_data as D
from studio import app_state as S
from studio import app_ui as ui

st.title("Review")
ws = ui.need_workspace()
repo = Repository(S.shared_store(ws))
who = ui.user()

msg = st.session_state.pop("review_msg", None)
if msg:
    (st.success if msg[0] == "ok" else st.error)(S.md_escape(msg[1]))

STATES = [s.value for s in ItemState]
c1, c2 = st.columns(2)
states = c1.multiselect("State", STATES, default=["draft", "in_review", "changes_requested"], key="review_states")
kind = c2.selectbox("Kind", ["all", "lesson", "quiz", "diagram", "path"], key="review_kind")
everything = D.content_items(ws)         # repo.list(), read again only after a write
if not everything:
    st.info("Nothing to review yet: generate a lesson or quiz on the **Compose** page first.")
    st.stop()
rows = [r for r in everything if (not states or r.state.value in states) and (kind == "all" or r.kind == kind)]
st.caption(" · ".join(f"{s}: {sum(1 for r in everything if r.state.value == s)}" for s in STATES))
if not rows:
    st.info("No items match these filters. Widen the state filter to see the others.")
    st.stop()


def _cell(value: object) -> str:
    return S.md_escape(" ".join(str(value).split()))     # one line: a table cell


# the queue as a Markdown table (the first QUEUE_ROWS); the sortable table of all of them, whose
# frontend component is the heaviest Streamlit has (a grid and Arrow formatting, ~1.2 MB of
# JavaScript), is built when its expander is opened
QUEUE_ROWS = 15
st.markdown("\n".join(["| title | kind | state | version | author | saved |", "|---|---|---|---:|---|---|"]
                       + [f"| {_cell(r.title)} | {_cell(r.kind)} | {_cell(r.state.value)} | {r.version} | "
                          f"{_cell(r.author)} | {_cell(r.created_at)} |" for r in rows[:QUEUE_ROWS]]))
with st.expander(f"All {len(rows)} matching item(s) as a sortable table" if len(rows) > QUEUE_ROWS
                 else "As a sortable table", key="review_table", on_change="rerun") as box:
    if box.open:
        import pandas as pd
        st.dataframe(pd.DataFrame([{"title": r.title, "kind": r.kind, "state": r.state.value, "version": r.version,
                                    "author": r.author, "saved": r.created_at} for r in rows]), hide_index=True)
by_iri = {r.iri: r for r in rows}
if st.session_state.get("review_item") not in by_iri:
    st.session_state["review_item"] = rows[0].iri
iri = st.selectbox("Item", list(by_iri), format_func=lambda i: f"{by_iri[i].title} ({by_iri[i].kind}, "
                   f"{by_iri[i].state.value}, v{by_iri[i].version})", key="review_item")
row = by_iri[iri]

def _act(action: str) -> None:
    comment = st.session_state.get("review_comment", "")
    fn = {"approve": repo.approve, "reject": repo.reject, "request_changes": repo.request_changes,
          "submit": repo.submit}[action]
    try:
        meta = fn(iri, by=ui.user(), comment=comment)
        st.session_state["review_msg"] = ("ok", f"{action.replace('_', ' ')}: now {meta.state.value} "
                                                f"(version {meta.version}).")
        st.session_state["review_comment"] = ""
    except KGStudioError as e:
        st.session_state["review_msg"] = ("error", str(e))


st.subheader(S.md_escape(row.title))
st.text_area("Comment", key="review_comment", placeholder="What should change, or why it is fine")
state = repo.state(iri)
b = st.columns(4)
b[0].button("Approve", key="review_approve", on_click=_act, args=("approve",), type="primary",
            disabled=not who or not state.can_become(ItemState.APPROVED))
b[1].button("Request changes", key="review_changes", on_click=_act, args=("request_changes",),
            disabled=not who or not state.can_become(ItemState.CHANGES_REQUESTED))
b[2].button("Reject", key="review_reject", on_click=_act, args=("reject",),
            disabled=not who or not state.can_become(ItemState.REJECTED))
b[3].button("Submit for review", key="review_submit", on_click=_act, args=("submit",),
            disabled=not who or not state.can_become(ItemState.IN_REVIEW))
if not who:
    st.warning("Enter your name in the sidebar: every review records who made it.")


def show_preview() -> None:
    shown = repo.get(iri)
    if isinstance(shown, Diagram):     # Markdown carries it as Mermaid, which st.markdown does not draw
        st.graphviz_chart(shown.dot, width="stretch")
        ui.text(shown.text_alternative)
    else:
        st.markdown(render(shown, "markdown"))


def show_history() -> None:
    import pandas as pd   # most of a second: only when the history tab is opened
    st.dataframe(pd.DataFrame([{"version": m.version, "state at save": m.state.value, "author": m.author,
                                "saved": m.created_at, "generator": m.generator, "comment": m.comment}
                               for m in repo.history(iri)]), hide_index=True)
    reviews = repo.reviews(iri)
    if reviews:
        st.dataframe(pd.DataFrame([{"action": r.action, "from": r.from_state.value, "to": r.to_state.value,
                                    "by": r.by, "at": r.at, "version": r.version, "comment": r.comment}
                                   for r in reviews]), hide_index=True)
    else:
        st.caption("No review decisions yet.")


def show_compare() -> None:
    versions = [m.version for m in repo.history(iri)]
    if len(versions) < 2:
        st.caption("Only one version so far.")
        return
    c1, c2 = st.columns(2)
    va = c1.selectbox("Version", versions, index=len(versions) - 2, key="review_va")
    vb = c2.selectbox("against version", versions, index=len(versions) - 1, key="review_vb")
    ta, tb = render(repo.get(iri, version=va), "markdown"), render(repo.get(iri, version=vb), "markdown")
    c1.markdown(ta)
    c2.markdown(tb)
    diff = "\n".join(difflib.unified_diff(ta.splitlines(), tb.splitlines(), f"v{va}", f"v{vb}", lineterm=""))
    st.code(diff or "(no differences)", language="diff")


tabs = st.tabs(["Preview", "History", "Compare versions"], key="review_tab", on_change="rerun")
for k, (tab, show) in enumerate(zip(tabs, (show_preview, show_history, show_compare))):
    if tab.open or (tab.open is None and k == 0):     # only the tab in view is built
        with tab:
            show()
