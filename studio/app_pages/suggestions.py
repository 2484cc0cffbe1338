"""Prerequisite suggestions: the teacher's proposed edges with their calibrated band
("likely", "possible", "unlikely": gnn.calibration) and evidence; accept, reject or skip
(written to the KG's decisions graph with who and when); retrain the teacher with the
decisions in the background (gnn.suggest, kg.decisions, kg.prereq_evidence, gnn.retrain).

First render: the list (one line per suggestion: who requires whom, band, probability,
decision). The evidence of a suggestion is gathered when its expander is opened (the first
undecided one is open), after the list has been drawn, and cached per store version."""
from __future__ import annotations

import streamlit as st

from kg.decisions import ACCEPTED, REJECTED, SKIPPED, record_decision
from studio import app_data as D
from studio import app_state as S
from studio import app_ui as ui
from studio.app_jobs import JobRunning, get_job, start_job
from studio.app_logic import explorer_link

st.title("Prerequisite suggestions")
ws = ui.need_workspace()
store = S.shared_store(ws)
trained = D.teacher_trained(ws)

c1, c2 = st.columns(2)
suggest_job = get_job(ws.root, "suggest")
retrain_job = get_job(ws.root, "retrain")
busy = any(j is not None and j.running for j in (suggest_job, retrain_job))


def _suggest(job):
    from gnn.suggest import suggest_prereqs   # torch: in the background job, never before first paint
    job.report(0.1, "reading the curriculum's text and scoring pairs with the teacher" if trained
               else "reading the book's definitions or the framework's grade levels (no teacher trained yet)")
    out, _info = suggest_prereqs(ws, top_k=50)
    return {"suggestions": len(out)}


if c1.button("Refresh suggestions", key="sugg_refresh", disabled=busy,
             help="Find the pairs the curriculum's own text argues for (a book's definitions, a "
                  "standards framework's grade levels) and score pairs with the current teacher "
                  "(when one is trained); replaces the earlier suggestions."):
    try:
        start_job(ws.root, "suggest", _suggest)
        st.rerun()
    except JobRunning as e:
        ui.error(e)
# built when opened (open by itself while a retrain runs): its number input is one more
# script chunk for the browser to fetch before the list is idle
with c2.expander("Retrain the teacher with the decisions", key="sugg_retrain_box", on_change="rerun",
                 expanded=retrain_job is not None and retrain_job.running) as box:
    if box.open:
        epochs = st.number_input("Epochs", 1, 1000, 100, key="retrain_epochs")
        if st.button("Retrain", key="sugg_retrain", disabled=busy,
                     help="Runs in the background; the page stays usable."):
            try:
                from gnn.retrain import retrain_teacher
                start_job(ws.root, "retrain", lambda j: retrain_teacher(ws, j, epochs=int(epochs)))
                st.rerun()
            except JobRunning as e:
                ui.error(e)
ui.show_job(suggest_job, label="Suggestions")
ui.show_job(retrain_job, label="Retraining")

rows = D.suggestions(ws)
if not rows:
    if trained:
        st.info("No suggestions yet. Click **Refresh suggestions** to let the teacher propose "
                "prerequisites (or run `kgstudio suggest-prereqs`).")
    else:
        st.info("No suggestions yet, and no teacher is trained for this workspace. **Refresh "
                "suggestions** lists the prerequisites the curriculum's own text argues for (a book's "
                "definitions; in a standards framework, a statement and the most similar statements "
                "of the grade before); a "
                "teacher (**Retrain the teacher with the decisions** above, the Models page, or "
                "`kgstudio train-teacher -w DIR`) adds its own pairs.")
    st.stop()

show = st.radio("Show", ["undecided", "skipped", "accepted", "rejected", "all"], horizontal=True,
                key="sugg_filter")
n_by = {s: sum(1 for r in rows if (r.decision.status if r.decision else "undecided") == s)
        for s in ("undecided", SKIPPED, ACCEPTED, REJECTED)}
st.caption(" · ".join(f"{k}: {v}" for k, v in n_by.items()))
if any(r.band for r in rows):
    from gnn.calibration import Calibrator
    cal = Calibrator()
    n_band = {b: sum(1 for r in rows if r.band == b) for b in ("likely", "possible", "unlikely")}
    st.caption(f"Band, from the probability: **likely** ≥ "
               f"{cal.likely:.2f}, **possible** ≥ {cal.possible:.2f}, **unlikely** below. "
               "A pair the curriculum's text argues for (a definition, or a framework's grade levels; "
               "first on the list) has the share of such "
               "pairs that blind judges accepted. The teacher's own pairs beside them have the share of "
               "its pairs judges accepted until it is calibrated on your decisions (ten accepted, ten "
               "rejected); otherwise their calibrated score. "
               + " · ".join(f"{k}: {v}" for k, v in n_band.items()))
else:
    st.caption("These scores were not calibrated (too few known prerequisites to calibrate on): "
               "read them as a ranking, not as probabilities.")
chosen = [r for r in rows if show == "all" or (r.decision.status if r.decision else "undecided") == show]
per_page = 10
pages = max(1, (len(chosen) + per_page - 1) // per_page)
page_no = st.number_input("Page", 1, pages, 1, key="sugg_page") if pages > 1 else 1
who = ui.user()


def _decide(r, status: str, version: int, key: str) -> None:
    try:
        record_decision(store, r.a, r.b, status, ui.user(), expected_version=version,
                        comment=st.session_state.get(key, ""), suggestion=r.iri)
        st.session_state["sugg_msg"] = ("ok", f"{status}: {r.a_label} requires {r.b_label}")
    except Exception as e:  # noqa: BLE001 - stale or bad decisions are shown as messages
        st.session_state["sugg_msg"] = ("error", S.readable_error(e))


msg = st.session_state.pop("sugg_msg", None)
if msg:
    (st.success if msg[0] == "ok" else st.error)(S.md_escape(msg[1]))
if not chosen:
    st.info(f"No {show} suggestions.")
def _evidence(r) -> None:
    """The evidence behind one suggestion (cached per store version; user text escaped)."""
    ev, lines = D.suggestion_evidence(ws, r)
    if ev.a_definition:
        ui.text(f"{r.a_label}: {ev.a_definition}", caption=True)
    if ev.b_definition:
        ui.text(f"{r.b_label}: {ev.b_definition}", caption=True)
    facts = list(lines)                    # stored with the suggestion (kg.prereq_evidence.evidence_lines)
    if ev.definition_names_b:
        facts.append(f"the definition of {r.a_label} names {r.b_label}")
    if (ev.a_defined_in or ev.b_defined_in) and not any(" is defined in " in x for x in lines):
        facts.append(f"{r.a_label} is defined in {', '.join(ev.a_defined_in) or '?'}; "
                     f"{r.b_label} in {', '.join(ev.b_defined_in) or '?'}")
    if facts:
        st.markdown("**Evidence**")
    for f in facts:
        ui.text("• " + f)
    if ev.path:
        ui.text("Path in the graph: " + " ".join(
            [ev.path[0][0]] + [f"{rel} {to}" for _fr, rel, to in ev.path]))
    else:
        st.caption("No path of three hops or fewer links them in the curriculum graph.")


def _confidence(r) -> str:
    return f"{r.band} ({r.score:.2f})" if r.band else f"score {r.score:.2f}, not calibrated"


later = []                                 # (slot, row): evidence drawn once the list is on screen
for i, r in enumerate(chosen[(page_no - 1) * per_page: page_no * per_page]):
    state = r.decision.status if r.decision else "undecided"
    title = f"{r.a_label} requires {r.b_label} · {_confidence(r)} · {state}"
    with st.expander(S.md_escape(title), expanded=(i == 0 and state == "undecided"),
                     key=f"sugg_open_{r.iri}", on_change="rerun") as box:
        if not box.open:
            continue
        band = r.band
        st.markdown(f"[{S.md_escape(r.a_label)}]({explorer_link(r.a)}) needs "
                    f"[{S.md_escape(r.b_label)}]({explorer_link(r.b)}) first "
                    f"(rank {r.rank}, " + (f"probability {r.score:.3f}: **{band}**)." if band
                                           else f"score {r.score:.3f}, not calibrated)."))
        later.append((st.container(), r))
        if r.decision:
            ui.text(f"Decision: {r.decision.status} by {r.decision.who} at {r.decision.when}"
                    + (f" ({r.decision.comment})" if r.decision.comment else ""), caption=True)
        key = f"sugg_comment_{i}"
        st.text_input("Comment (optional)", key=key)
        version = r.decision.version if r.decision else 0
        b1, b2, b3, _ = st.columns([1, 1, 1, 3])
        b1.button("Accept", key=f"acc_{i}", on_click=_decide, args=(r, ACCEPTED, version, key),
                  disabled=not who)
        b2.button("Reject", key=f"rej_{i}", on_click=_decide, args=(r, REJECTED, version, key),
                  disabled=not who)
        b3.button("Skip", key=f"skip_{i}", on_click=_decide, args=(r, SKIPPED, version, key),
                  disabled=not who)
for slot, r in later:
    with slot:
        try:
            _evidence(r)
        except Exception as e:  # noqa: BLE001 - the list and the decision buttons stay usable
            ui.error(e)
if not who:
    st.warning("Enter your name in the sidebar: every decision records who made it.")
