"""Streamlit helpers every page uses: the current workspace and user, readable errors,
escaped text, and a live progress view of a background job.

The workspace and the user's name are the only per-browser values; both are mirrored in
the URL (``?ws=...&user=...``) so a reload keeps them. Everything else a page shows is
read from the workspace store on each run.
"""
from __future__ import annotations

import getpass
import os

import streamlit as st

from kg.errors import KGStudioError
from studio import app_state as S
from studio.app_jobs import Job


def _param(name: str) -> str | None:
    try:
        v = st.query_params.get(name)
    except Exception:  # noqa: BLE001 - no query params outside a browser session
        v = None
    return v or None


def workspace_dir() -> str | None:
    if "ws" not in st.session_state:
        st.session_state["ws"] = _param("ws") or S.default_workspace_dir()
    return st.session_state["ws"]


def set_workspace_dir(path: str) -> None:
    st.session_state["ws"] = path
    st.query_params["ws"] = path


def workspace() -> S.StudioWorkspace | None:
    """The open workspace, or None (with a message saying what to do) when none is."""
    path = workspace_dir()
    if not path:
        return None
    try:
        return S.open_workspace(path)
    except KGStudioError as e:
        st.error(str(e))
        return None


def need_workspace() -> S.StudioWorkspace:
    """The open workspace; stops the page with what to do when there is none."""
    ws = workspace()
    if ws is None:
        st.info("No workspace is open. Open or create one on the **Workspace** page, or start "
                "the studio with `kgstudio studio -w DIR`.")
        st.page_link("app_pages/workspace.py", label="Go to Workspace")
        st.stop()
    return ws


def user() -> str:
    if "user" not in st.session_state:
        st.session_state["user"] = _param("user") or os.environ.get("KGSTUDIO_USER") or _os_user()
    return st.session_state["user"]


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return ""


def sidebar_identity() -> None:
    """The sidebar: which workspace, and who is working (recorded with every change).

    A known name (``?user=``, ``KGSTUDIO_USER`` or the login name) shows as text, and its
    input is built only when "Change your name" is opened: a text input on every page's
    first render makes the browser fetch and run 19 more script chunks before the page is
    idle (``benchmarks/studio.py``). Without a name the input is open."""
    with st.sidebar:
        path = workspace_dir()
        st.caption("Workspace: " + (S.md_escape(path) if path else "none open"))
        current = user()
        if current:
            st.caption(f"You: **{S.md_escape(current)}** (recorded with every decision, edit and review)")
        with st.expander("Change your name" if current else "Your name", expanded=not current,
                         key="user_box", on_change="rerun") as box:
            if box.open:
                name = st.text_input("Your name", value=current, key="user_input",
                                     help="Recorded with every decision, edit and review.")
                if name != current:
                    st.session_state["user"] = name
                    st.query_params["user"] = name
                    st.rerun()


def text(value: object, *, caption: bool = False) -> None:
    """User or curriculum text, shown literally (escaped: a ``<script>`` shows as text)."""
    (st.caption if caption else st.markdown)(S.md_escape(value))


def error(e: BaseException) -> None:
    st.error(S.readable_error(e))


def show_job(job: Job | None, *, label: str) -> None:
    """Progress bar, last message and outcome of a background job (refreshes itself)."""
    if job is None:
        return
    if job.running:
        @st.fragment(run_every=1.0)
        def _live():
            if job.running:
                st.progress(job.fraction, text=f"{label}: {S.md_escape(job.message)} ({job.elapsed:.0f} s)")
            else:
                st.rerun()
        _live()
    elif job.state == "failed":
        st.error(f"{label} failed: {job.error}")
    else:
        st.success(f"{label} finished in {job.elapsed:.1f} s.")
