"""Export: choose a scope and a format (IMS Common Cartridge, Canvas QTI, Moodle XML, GIFT,
HTML, Markdown, JSON-LD, Turtle), build the pack in the background, see its validation
results, download it. Only approved items go out unless drafts are asked for
(generation.export). Packs are written to the workspace's exports/ folder, so they are
still there after a reload. The five newest packs are listed; older ones when their expander
is opened."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import streamlit as st

from generation.export import EXPORTERS, get_exporter
from generation.export.pack import collect_pack
from studio import app_state as S
from studio import app_ui as ui
from studio.app_content import scopes
from studio.app_jobs import JobRunning, get_job, start_job

st.title("Export")
ws = ui.need_workspace()
store = S.shared_store(ws)
get_exporter("imscc")                      # registers the built-in exporters
names = sorted(EXPORTERS, key=lambda n: (n != "imscc", n))

c1, c2 = st.columns(2)
fmt = c1.selectbox("Format", names, format_func=lambda n: f"{n}: {EXPORTERS[n].description}", key="export_fmt")
scope = c2.radio("Scope", ["course", "chapter", "section", "concepts"], horizontal=True, key="export_scope")
iris: list[str] = []
if scope != "course":
    options = scopes(ws)["concept" if scope == "concepts" else scope]
    labels = dict(options)
    iris = st.multiselect(f"Which {scope if scope == 'concepts' else scope + 's'}", [o[0] for o in options],
                          format_func=lambda i: labels.get(i, i), key="export_iris")
drafts = st.checkbox("Include items not approved yet (drafts, in review)", value=False, key="export_drafts",
                     help="By default only approved items go out; rejected ones never do.")


def _build(job, fmt=fmt, scope=scope, iris=tuple(iris), drafts=drafts):
    exporter = type(get_exporter(fmt))()
    exporter.schemas_dir = ws.settings.get("export.schemas_dir") or None
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    out = ws.exports_dir / (f"{fmt}-{stamp}" if exporter.is_directory else f"{fmt}-{stamp}{exporter.suffix}")
    out.parent.mkdir(parents=True, exist_ok=True)

    def progress(what, done, total):
        job.report(0.1 + 0.8 * (done / total if total else 0), f"{what}: {done}/{total}")
    job.report(0.05, "collecting the items")
    pack = collect_pack(store, scope=scope, iris=list(iris), include_drafts=drafts, progress=progress)
    result = exporter.export(pack, out, progress=progress)
    if exporter.is_directory:
        job.report(0.95, "zipping the folder for download")
        shutil.make_archive(str(out), "zip", root_dir=out)
    return result


busy = (j := get_job(ws.root, "export")) is not None and j.running
if st.button("Build the pack", key="export_go", type="primary", disabled=busy or (scope != "course" and not iris)):
    try:
        start_job(ws.root, "export", _build)
        st.rerun()
    except JobRunning as e:
        ui.error(e)
job = get_job(ws.root, "export")
ui.show_job(job, label="Export")
if job is not None and job.state == "done" and job.result is not None:
    r = job.result
    counts = ", ".join(f"{v} {k}" for k, v in r.counts.items() if v)
    st.markdown(f"**{S.md_escape(r.path.name)}**: {S.md_escape(counts or 'empty')}")
    if r.validation is not None:
        if r.validation.ok:
            st.success(f"Valid: {len(r.validation.checked)} file(s) checked against the IMS schemas "
                       f"({r.validation.kind}); the manifest lists exactly the files in the zip.")
        else:
            st.error("The pack does not validate:\n\n" + S.md_escape(r.validation.text()))
    elif EXPORTERS[r.format].validate and r.format in ("imscc", "qti-canvas"):
        st.warning("The pack was not validated.")
    else:
        st.caption("This format has no schema to validate against.")
    for line in r.notes:
        ui.text(f"converted: {line}", caption=True)
    for line in r.skipped:
        ui.text(f"left out: {line}", caption=True)

st.subheader("Packs in this workspace")
files = sorted((p for p in ws.exports_dir.glob("*") if p.is_file() and not p.name.startswith(".") and not p.name.endswith(".part")),
               key=lambda p: p.stat().st_mtime, reverse=True)
if not files:
    st.info("No packs yet. Approve items on the **Review** page (or tick *Include items not approved yet*), "
            "then click **Build the pack**.")


def _pack_row(i: int, p: Path) -> None:
    a, b = st.columns([4, 1])
    a.markdown(f"{S.md_escape(p.name)} · {p.stat().st_size / 1024:.1f} KiB · "
               f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(p.stat().st_mtime))} UTC")
    # the bytes are read when the button is clicked, not on every run of the page
    b.download_button("Download", lambda p=Path(p): p.read_bytes(), file_name=p.name, key=f"export_dl_{i}")


RECENT = 5                                 # packs listed on the first screen; older ones on request
for i, p in enumerate(files[:RECENT]):
    _pack_row(i, p)
if len(files) > RECENT:
    with st.expander(f"{len(files) - RECENT} older pack(s)", key="export_older", on_change="rerun") as box:
        if box.open:
            for i, p in enumerate(files[RECENT:], RECENT):
                _pack_row(i, p)
