"""What the pages read, cached for the whole studio process (``st.cache_data``) and keyed on
the shared store's version (:func:`studio.app_state.store_version`: its count of writes),
so a page's first render in a new session costs a dictionary lookup, and any write
(an import, a decision, a review, new suggestions) is seen on the next run. Stores written
by other processes too (a remote endpoint) have no version and are read every time.

The readers of kg.stats, kg.analytics, kg.prereq_evidence and the content repository (tens
to hundreds of milliseconds to import each) import them when first called: every page
imports this module, and a page's first paint then loads only what that page reads.
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from generation.student import status as student_model_status
from gnn import status as teacher_model_status
from kg.decisions import list_suggestions
from kg.neighbourhood import _rows
from ontology.namespaces import KGS, RDFS
from studio.app_state import open_workspace, shared_store, store_version


@st.cache_data(show_spinner=False, max_entries=64)
def _by_version(what: str, root: str, version: int, _store):  # noqa: ARG001 - root and version: the key
    return _READERS[what](_store)


def _cached(fn):
    """``fn(store)`` cached on (function, workspace, store version)."""
    def read(ws):
        store = shared_store(ws)
        version = store_version(store)
        return fn(store) if version is None else _by_version(fn.__name__, str(ws.root), version, store)
    _READERS[fn.__name__] = fn
    read.__doc__ = f"{fn.__name__.lstrip('_')} of the workspace's store (cached per store version)."
    return read


_READERS: dict = {}


def _graph_stats(store):
    from kg.stats import graph_stats
    return graph_stats(store)


def _curriculum_metrics(store):
    from kg.analytics import curriculum_metrics
    return curriculum_metrics(store)["curricula"]


def _gap_report(store):
    from kg.analytics import gap_report
    return gap_report(store)["curricula"]


def _items_per_checkpoint(store):
    return teacher_model_status.items_per_checkpoint(store)


def _suggestions(store):
    return list_suggestions(store)


def _content_items(store):
    from generation.content.repository import Repository
    return Repository(store).list()


def scopes_of(store) -> dict[str, list[tuple[str, str]]]:
    """:func:`scopes` read from ``store`` (four queries)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for kind, cls in (("concept", KGS.Concept), ("section", KGS.Section), ("chapter", KGS.Chapter)):
        rows = _rows(store, f"""SELECT ?n (SAMPLE(?l) AS ?label) (MIN(?p) AS ?pos) (SAMPLE(?up) AS ?parent) WHERE {{
            ?n a <{cls}> . OPTIONAL {{ ?n <{RDFS.label}> ?l }}
            OPTIONAL {{ ?n <{KGS.position}> ?p }} OPTIONAL {{ ?n <{KGS.partOf}> ?up }} }} GROUP BY ?n""")
        if kind == "concept":
            items = sorted(((n, lab or n.rsplit("/", 1)[-1]) for n, lab, _p, _u in rows), key=lambda x: x[1].lower())
        else:
            parent_pos = {}
            if kind == "section":
                for n, pos in _rows(store, f"SELECT ?n (MIN(?p) AS ?pos) WHERE {{ ?n a <{KGS.Chapter}> ; <{KGS.position}> ?p }} GROUP BY ?n"):
                    parent_pos[n] = float(pos)
            items = [(n, lab or n.rsplit("/", 1)[-1]) for n, lab, pos, up in sorted(
                rows, key=lambda r: (parent_pos.get(r[3], 0), float(r[2] or 0), (r[1] or "").lower()))]
        out[kind] = items
    return out


def _scopes(store):
    return scopes_of(store)


graph_stats = _cached(_graph_stats)
scopes = _cached(_scopes)
content_items = _cached(_content_items)
suggestions = _cached(_suggestions)
curriculum_metrics = _cached(_curriculum_metrics)
gap_report = _cached(_gap_report)
items_per_checkpoint = _cached(_items_per_checkpoint)


@st.cache_data(show_spinner=False, max_entries=256)
def _suggestion_evidence(root: str, version: int, a: str, b: str, a_label: str, b_label: str,  # noqa: ARG001
                         stored: tuple[str, ...], _store):
    from kg.prereq_evidence import evidence, evidence_lines
    lines = stored or evidence_lines(_store, a, b, a_label=a_label, b_label=b_label)
    return evidence(_store, a, b), lines


def suggestion_evidence(ws, row):
    """The evidence behind a suggestion (a :class:`kg.decisions.SuggestionRow`):
    ``(kg.prereq_evidence.Evidence, lines)``, the lines being those stored with the
    suggestion (``kgs:evidenceLine``), or :func:`kg.prereq_evidence.evidence_lines` when
    it was written without them; cached per store version."""
    store = shared_store(ws)
    version = store_version(store)
    args = (str(ws.root), version or 0, row.a, row.b, row.a_label, row.b_label, tuple(row.evidence), store)
    return _suggestion_evidence.__wrapped__(*args) if version is None else _suggestion_evidence(*args)


@st.cache_data(show_spinner=False, max_entries=8)
def _teacher_status(root: str, checkpoint_mtime: float, version: int | None) -> dict:  # noqa: ARG001 - the key
    return teacher_model_status.teacher_status(open_workspace(root))


def teacher_status(ws) -> dict:
    """:func:`gnn.status.teacher_status`, loaded again only when the checkpoint file or
    the store changes (loading the checkpoint and hashing the graph take seconds)."""
    p = teacher_model_status.teacher_path(ws)
    mtime = p.stat().st_mtime if p.is_file() else 0.0
    version = store_version(shared_store(ws))
    if version is None:
        return teacher_model_status.teacher_status(ws)
    return _teacher_status(str(ws.root), mtime, version)


def student_status(ws) -> dict:
    """:func:`generation.student.status.student_status` (reads two small files)."""
    return student_model_status.student_status(ws)


def teacher_trained(ws) -> bool:
    return Path(teacher_model_status.teacher_path(ws)).is_file()
