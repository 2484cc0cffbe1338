"""What every studio page shares: the workspace it works on, one store handle per workspace
for the whole Streamlit process, who the user is, and how errors and user text are shown.

Why one store handle per process: the embedded store (pyoxigraph on RocksDB) can be
opened by one handle at a time, and Streamlit runs every browser session as a thread of
one process. :func:`shared_store` opens it once (as a :class:`~kg.store.embedded.MirroredStore`,
so reads come from memory) and every session, page and background job uses that handle.
:class:`StudioWorkspace` is a :class:`~kg.workspace.Workspace` whose ``open_store()``
hands out that shared handle (closing it is a no-op), so domain functions that take a
workspace (``gnn.suggest.suggest_prereqs``, content builders) work unchanged inside the
studio.

Nothing a user decides lives in session memory: content, reviews and decisions go to the
store; the workspace and the user's name ride in the URL's query parameters, so a reload
keeps them and two browsers can be two people.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import streamlit as st

from generation.content.render import md_escape as render_md_escape
from kg.errors import KGStudioError, WorkspaceError
from kg.store.base import Store
from kg.workspace import Workspace

#: environment variable ``kgstudio studio`` sets to the workspace folder
WORKSPACE_ENV = "KGSTUDIO_WORKSPACE"

class _SharedHandle:
    """A store proxy whose ``close()`` does nothing: the process-wide handle stays open."""

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


class StudioWorkspace(Workspace):
    """A workspace whose ``open_store()`` returns the process-wide shared handle."""

    def open_store(self, *, read_only: bool = False, in_memory: bool = False):  # noqa: ARG002
        return _SharedHandle(shared_store(self))


@st.cache_resource(show_spinner=False, on_release=lambda store: store.close())
def _open_store(root: str) -> Store:
    return Workspace(root).open_store(in_memory=True)


def shared_store(ws: Workspace) -> Store:
    """The one store handle of this process for ``ws`` (opened on first use; a
    ``st.cache_resource`` shared by every session)."""
    return _open_store(str(ws.root))


def release_store(root: str | Path) -> None:
    """Close and forget the shared handle of a workspace (tests; switching away)."""
    _open_store.clear(str(Path(root).resolve()))


def store_version(store: Store) -> int | None:
    """A number that changes whenever the shared handle's contents do (its count of writes,
    :class:`kg.store.embedded.MirroredStore`), or None for stores written by others too
    (a remote endpoint), whose readers must not cache."""
    return getattr(store, "version", None)


def open_workspace(path: str | Path) -> StudioWorkspace:
    return StudioWorkspace(path)


def create_workspace(path: str | Path) -> StudioWorkspace:
    """Create a workspace folder (``kgstudio init``) and open it."""
    Workspace.init(path)
    return StudioWorkspace(path)


def default_workspace_dir() -> str | None:
    return os.environ.get(WORKSPACE_ENV) or None


# ---- text shown to people ---------------------------------------------------------
#: what Streamlit's Markdown adds to CommonMark: ``:emoji:``, ``:red[...]``, ``$math$``
_ST_DIRECTIVES = re.compile(r"([:$])")


def md_escape(text: object) -> str:
    r"""Text safe to put inside ``st.markdown``: the project's Markdown escaper
    (:func:`generation.content.render.md_escape`) plus the characters of Streamlit's own
    directives (``:`` and ``$``), line breaks kept as hard breaks.

    >>> print(md_escape("<script>alert(1)</script> **x** :red[y] $z$"))
    &lt;script&gt;alert\(1\)&lt;/script&gt; \*\*x\*\* \:red\[y\] \$z\$
    """
    return _ST_DIRECTIVES.sub(r"\\\1", render_md_escape(text)).replace("\n", "  \n")


def short_iri(iri: str) -> str:
    """The last path segment of an IRI (what a person can read).

    >>> short_iri("https://w3id.org/kgstudio/id/demo/concept/loops")
    'loops'
    """
    tail = re.split(r"[/#]", iri.rstrip("/"))[-1]
    return tail or iri


def readable_error(e: BaseException) -> str:
    """One message a person understands: a KGStudioError's text, or the kind of failure
    for anything else (never a traceback)."""
    if isinstance(e, KGStudioError):
        return str(e)
    if isinstance(e, (OSError,)):
        return f"{e.strerror or e} ({getattr(e, 'filename', '') or 'file'})"
    return f"unexpected error ({type(e).__name__}: {e}); set KGSTUDIO_DEBUG=1 and see the server log"


def require_workspace(path: str | None) -> StudioWorkspace:
    if not path:
        raise WorkspaceError("no workspace is open: open or create one on the Workspace page, "
                             "or start the studio with `kgstudio studio -w DIR`")
    return open_workspace(path)
