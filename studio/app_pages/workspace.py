"""Workspace: open or create a workspace, import curricula (upload, server path or the demo)
in the background with progress and the validation report, then graph statistics,
curricular analytics and gap reports (kg.importing, kg.stats, kg.analytics).

First render: the graph's headline figures (cached per store version, studio.app_data) and
the gaps' counts; on an empty workspace, the import controls. The import controls of a
workspace that has a graph, the tables, the analytics and the gap details are built when
their expander is opened; only the import tab in view runs."""
from __future__ import annotations

import re
import time
from pathlib import Path

import streamlit as st

from kg.demo import demo_curriculum_path
from studio import app_data as D
from studio import app_state as S
from studio import app_ui as ui
from studio.app_jobs import JobRunning, get_job, start_job

st.title("Workspace")

# ---- open / create ---------------------------------------------------------------------
with st.expander("Open or create a workspace", expanded=ui.workspace_dir() is None, key="ws_open_box",
                 on_change="rerun") as box:
    if box.open:
        path = st.text_input("Workspace folder", value=ui.workspace_dir() or "", key="ws_path",
                             placeholder="/path/to/workspace")
        c1, c2 = st.columns(2)
        if c1.button("Open", key="ws_open", disabled=not path):
            try:
                S.open_workspace(path)
                ui.set_workspace_dir(path)
                st.rerun()
            except Exception as e:  # noqa: BLE001 - shown as a message
                ui.error(e)
        if c2.button("Create", key="ws_create", disabled=not path):
            try:
                S.create_workspace(path)
                ui.set_workspace_dir(path)
                st.rerun()
            except Exception as e:  # noqa: BLE001
                ui.error(e)

ws = ui.need_workspace()

# ---- import ------------------------------------------------------------------------------
job = get_job(ws.root, "import")
stats = D.graph_stats(ws)                   # cached per store version (studio/app_data.py)
sources = [g for g in stats["graphs"] if "/graph/source/" in g]


def _import(job, paths: list[Path], validate: bool) -> list[dict]:
    def progress(what: str, done: int, total: int):
        job.report(0.05 + 0.7 * (done / total if total else 0), f"{what}: {done}/{total}")
    # the importers (most of a second) and the embeddings load in the job, not before first paint
    from kg.importing import import_into_workspace
    job.report(0.02, f"reading {len(paths)} source(s)")
    summaries = import_into_workspace(ws, paths, validate=validate, progress=progress,
                                      log=lambda m: job.report(None, m))
    # the concept embeddings the quiz's distractor ranking reads, computed once here as
    # `kgstudio import` does, so the first quiz loads no model
    from generation.content.similarity import precompute
    from kg.embeddings import EmbeddingError
    job.report(0.8, "embedding the concepts for quizzes")
    try:
        precompute(ws, log=lambda m: job.report(None, m))
    except EmbeddingError as e:
        job.report(None, f"concept embeddings not computed ({e}); quizzes will compute them")
    return [{"source": s.source, "title": s.title, "format": s.format, "triples": s.triples,
             "added": s.added, "removed": s.removed, **s.counts} for s in summaries]


def _start(paths: list[Path], validate: bool) -> None:
    try:
        start_job(ws.root, "import", lambda j: _import(j, paths, validate))
        st.rerun()
    except JobRunning as e:
        ui.error(e)


def _import_controls() -> None:
    busy = job is not None and job.running
    validate = st.checkbox("Validate against the SHACL shapes", value=True, key="imp_validate")
    # the demo tab first: one click for a newcomer, and the upload widget (the heaviest on the
    # page) is built only when its tab is opened
    t_demo, t_up, t_path = st.tabs(["Demo curriculum", "Upload a file", "A path on this machine"],
                                   key="imp_tabs", on_change="rerun")
    if t_demo.open is not False:
        with t_demo:
            st.write("Foundations of Programming: 8 chapters, 68 concepts, 71 review questions.")
            if st.button("Import the demo curriculum", key="imp_demo", disabled=busy):
                _start([demo_curriculum_path()], validate)
    if t_up.open:
        with t_up:
            up = st.file_uploader("Native YAML, CASE JSON, Curricular Analytics CSV or BNCC file",
                                  type=["yaml", "yml", "json", "csv"], key="imp_upload")
            if st.button("Import the uploaded file", key="imp_upload_go", disabled=busy or up is None):
                dest = ws.root / "imports"
                dest.mkdir(exist_ok=True)
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", up.name).lstrip(".") or "upload"
                target = dest / name
                target.write_bytes(up.getvalue())
                _start([target], validate)
    if t_path.open:
        with t_path:
            src = st.text_input("File or folder (OpenStax CNXML books are folders)", key="imp_path")
            if st.button("Import from path", key="imp_path_go", disabled=busy or not src):
                _start([Path(src)], validate)

    ui.show_job(job, label="Import")
    if job is not None and job.state == "done" and job.result:
        import pandas as pd   # most of a second: only once an import has a result to show
        st.dataframe(pd.DataFrame(job.result), hide_index=True)
    if job is not None and job.state == "failed":
        st.caption("Nothing was written: an import lands whole or not at all. Fix the source and import again.")


# an empty workspace starts with the import; one with a graph starts with its figures, and the
# import controls are built when their expander is opened (open by itself while an import runs
# and for ten minutes after it ends, so its outcome is in view)
RECENT_S = 600.0
if not sources:
    st.subheader("Import curricula")
    _import_controls()
else:
    recent = job is not None and (job.running or time.time() - (job.ended or 0) < RECENT_S)
    with st.expander("Import curricula", expanded=recent, key="ws_import_box",
                     on_change="rerun") as box:
        if box.open:
            _import_controls()

# ---- statistics ------------------------------------------------------------------------
st.subheader("The graph")
if not sources:
    st.info("Nothing imported yet. Import a curriculum above (the demo curriculum is one click), "
            "then explore it in the **Graph explorer**.")
    st.stop()
# the headline figures as one Markdown table: the same numbers as four st.metric widgets,
# without the frontend's metric component (a lazily loaded chunk and number formatter)
st.markdown("| Triples | Concepts | Concepts without definition | Sources |\n|---:|---:|---:|---:|\n"
            f"| **{stats['triples']:,}** | **{stats['concepts']['total']:,}** | "
            f"**{stats['concepts']['without_definition']:,}** | **{len(sources)}** |")
with st.expander("Nodes, relations, named graphs and curricula", key="ws_tables", on_change="rerun") as box:
    if box.open:
        import pandas as pd
        left, right = st.columns(2)
        left.dataframe(pd.DataFrame([{"node type": k, "nodes": v} for k, v in stats["nodes"].items() if v]),
                       hide_index=True)
        right.dataframe(pd.DataFrame([{"relation": k, "edges": v} for k, v in stats["edges"].items() if v]),
                        hide_index=True)
        st.dataframe(pd.DataFrame([{"named graph": g.rsplit("/graph/", 1)[-1], "triples": n}
                                   for g, n in stats["graphs"].items()]), hide_index=True)
        st.dataframe(pd.DataFrame([{"curriculum": cu["label"], "concepts": cu["concepts"], "iri": cu["iri"]}
                                   for cu in stats["curricula"]]), hide_index=True)

# ---- analytics and gaps --------------------------------------------------------------------
with st.expander("Curricular analytics: blocking and delay factors, complexity", key="ws_analytics",
                 on_change="rerun") as box:
    if box.open:
        import pandas as pd
        metrics = D.curriculum_metrics(ws)
        if not metrics:
            st.caption("No degree plans with courses: blocking/delay factors and complexity apply to "
                       "Curricular Analytics CSV imports.")
        for m in metrics:
            st.markdown(f"**{S.md_escape(m.get('name') or m['iri'])}**")
            if m.get("error"):
                st.warning(S.md_escape(m["error"]))
                continue
            st.dataframe(pd.DataFrame([{"metric": k, "total": m["totals"].get(k), "max": m["max"].get(k)}
                                       for k in m["totals"]]), hide_index=True)
            st.dataframe(pd.DataFrame(m["per_course"]).drop(columns=["iri"], errors="ignore"), hide_index=True)

st.subheader("Gaps")
for i, g in enumerate(D.gap_report(ws)):
    counts = g["counts"]
    st.markdown(f"**{S.md_escape(g['name'])}**: {counts['used_before_defined']} concept(s) used "
                f"before defined, {counts['objectives_never_assessed']} objective(s) never "
                f"assessed, {counts['concepts_never_taught']} concept(s) never taught.")
    with st.expander("Details", key=f"ws_gaps_{i}", on_change="rerun") as box:
        if not box.open:
            continue
        import pandas as pd
        if g["used_before_defined"]:
            st.dataframe(pd.DataFrame([{"concept": x["label"], "first used in": x["first_used_in"]["label"],
                                        "defined in": x["defined_in"]["label"]}
                                       for x in g["used_before_defined"]]), hide_index=True)
        if g["objectives_never_assessed"]:
            st.dataframe(pd.DataFrame([{"objective never assessed": x["label"]}
                                       for x in g["objectives_never_assessed"]]), hide_index=True)
        if g["concepts_never_taught"]:
            st.dataframe(pd.DataFrame([{"concept never taught": x["label"]}
                                       for x in g["concepts_never_taught"]]), hide_index=True)
