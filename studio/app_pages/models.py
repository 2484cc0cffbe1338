"""Models: the teacher's and the student's status, metrics and training curves; train or
retrain with progress; which checkpoint produced which items (gnn.status, gnn.retrain,
generation.student.status, PROV-O).

First render: the status and headline metrics. Curves, all metrics and the provenance
table are drawn when their expander is opened (charts cost about a second to build)."""
from __future__ import annotations

import streamlit as st

from studio import app_data as D
from studio import app_state as S
from studio import app_ui as ui
from studio.app_jobs import JobRunning, get_job, start_job

st.title("Models")
ws = ui.need_workspace()

# ---- teacher ------------------------------------------------------------------------------
st.subheader("GNN teacher")
t = D.teacher_status(ws)
job = get_job(ws.root, "retrain")
c1, c2, c3 = st.columns([1, 1, 2])
epochs = c1.number_input("Epochs", 1, 1000, int((t.get("config") or {}).get("epochs", 100)), key="models_epochs")
use_text = c2.checkbox("Text features (MiniLM)", value=bool((t.get("config") or {}).get("use_text", True)),
                       key="models_text")
if c3.button("Train the teacher" if not t["trained"] else "Retrain the teacher", key="models_train",
             disabled=job is not None and job.running):
    try:
        from gnn.retrain import retrain_teacher
        start_job(ws.root, "retrain", lambda j: retrain_teacher(ws, j, epochs=int(epochs), use_text=use_text))
        st.rerun()
    except JobRunning as e:
        ui.error(e)
ui.show_job(job, label="Teacher training")

if not t["trained"]:
    st.info("No teacher trained yet. Click **Train the teacher** (about 20 s on the demo "
            "curriculum on 2 CPU cores) or run `kgstudio train-teacher -w DIR`.")
else:
    if t.get("error"):
        st.error(S.md_escape(t["error"]))
    if t.get("fits_graph") is False:
        st.warning(S.md_escape(t.get("mismatch", "")) + "  \nRetrain to use the teacher again.")
    m = t.get("metrics", {})
    st.caption(f"checkpoint {t.get('checkpoint', '?')} · created {t.get('created', '?')} · "
               f"{m.get('epochs', '?')} epochs on {m.get('device', '?')}")
    # the test metrics as one Markdown table (no metric widgets: a lazily loaded frontend chunk)
    heads = [("Prerequisite AUC", "test_prereq_auc"), ("Prerequisite AP", "test_prereq_ap"),
             ("Prerequisite F1", "test_prereq_f1"), ("Link AUC", "test_link_auc")]
    st.markdown("| " + " | ".join(h for h, _k in heads) + " |\n|" + "---:|" * len(heads) + "\n| " + " | ".join(
        f"**{m[k]:.3f}**" if isinstance(m.get(k), (int, float)) else "–" for _h, k in heads) + " |")
    curve = t.get("curve") or []
    if curve:
        with st.expander("Training curves", key="models_curves", on_change="rerun") as box:
            if box.open:
                import pandas as pd
                df = pd.DataFrame(curve).set_index("epoch")
                st.line_chart(df[[c for c in df.columns if c.startswith("loss")]])
                val = [c for c in df.columns if c.startswith("val_") and c.endswith("auc")]
                if val:
                    st.line_chart(df[val])
    with st.expander("All metrics", key="models_all_metrics", on_change="rerun") as box:
        if box.open:
            st.json({k: v for k, v in m.items() if not isinstance(v, dict)})

# ---- student ------------------------------------------------------------------------------
st.subheader("Student generator")
s = D.student_status(ws)
if not s["available"]:
    st.info(S.md_escape(s["message"]))
else:
    st.caption(S.md_escape(s["message"]))
    if s.get("metrics") or s.get("curve"):
        with st.expander("Student metrics and curve", key="models_student", on_change="rerun") as box:
            if box.open:
                if s.get("metrics"):
                    st.json(s["metrics"])
                if s.get("curve"):
                    import pandas as pd
                    st.line_chart(pd.DataFrame(s["curve"]).set_index(s.get("curve_x", "step")))

# ---- provenance -----------------------------------------------------------------------------
with st.expander("What each checkpoint produced", key="models_provenance", on_change="rerun") as box:
    if box.open:
        rows = D.items_per_checkpoint(ws)
        if rows:
            st.dataframe(rows, hide_index=True)
        else:
            st.caption("Nothing generated or suggested by a model yet.")
