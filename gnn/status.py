"""What is known about a workspace's teacher without retraining it: whether one is trained,
its metrics and training curve, whether it still fits the graph, and what each model
checkpoint produced (``prov:wasAttributedTo`` and ``kgs:modelCheckpoint`` in the KG).
The studio's Models page shows these; scripts call the same functions."""
from __future__ import annotations

import json
from pathlib import Path

from kg.neighbourhood import _rows
from kg.store.base import Store
from ontology.namespaces import CONTENT_GRAPH, KGS, PROV, RDFS, SUGGESTIONS_GRAPH


def teacher_path(ws) -> Path:
    """``models/teacher/teacher.pt`` (what :func:`gnn.checkpoint.teacher_dir` names,
    without importing torch)."""
    return Path(ws.models_dir) / "teacher" / "teacher.pt"


def teacher_status(ws) -> dict:
    """``trained``, and when it is: ``metrics`` (metrics.json), ``curve``, ``checkpoint``
    id, ``created``, ``config``, ``fits_graph`` (False with ``mismatch`` when the graph
    changed under it), ``error`` (an unreadable checkpoint), ``curves_png``. Loads the
    checkpoint and hashes the graph: seconds; callers that ask often cache on the
    checkpoint's time and the store's contents."""
    d = teacher_path(ws).parent
    out: dict = {"dir": str(d), "trained": (d / "teacher.pt").is_file()}
    if not out["trained"]:
        return out
    from gnn.checkpoint import CheckpointError, load_checkpoint
    mpath = d / "metrics.json"
    try:
        out["metrics"] = json.loads(mpath.read_text()) if mpath.is_file() else {}
    except ValueError as e:
        out["metrics"], out["error"] = {}, f"{mpath} is not JSON ({e})"
    try:
        ck = load_checkpoint(d / "teacher.pt")
        out["curve"] = ck.curve
        out["checkpoint"] = ck.id
        out["created"] = ck.created
        out["config"] = ck.config.to_dict()
        with ws.open_store() as store:
            try:
                ck.check_graph(store)
                out["fits_graph"] = True
            except CheckpointError as e:
                out["fits_graph"], out["mismatch"] = False, str(e)
    except CheckpointError as e:
        out["error"] = str(e)
    out["curves_png"] = str(d / "curves.png") if (d / "curves.png").is_file() else None
    return out


def items_per_checkpoint(store: Store) -> list[dict]:
    """How many things (suggestions, generated content) each model checkpoint produced:
    rows ``{checkpoint, graph, what, count}``."""
    rows = _rows(store, f"""SELECT ?agent ?label ?g (COUNT(DISTINCT ?x) AS ?n) WHERE {{
        GRAPH ?g {{ ?x <{PROV.wasAttributedTo}> ?agent }}
        ?agent a <{PROV.SoftwareAgent}> . OPTIONAL {{ ?agent <{RDFS.label}> ?label }}
    }} GROUP BY ?agent ?label ?g ORDER BY ?agent""")
    out = [{"checkpoint": lab or agent, "graph": g.rsplit("/", 1)[-1], "what": "suggestions" if
            g == str(SUGGESTIONS_GRAPH) else "items", "count": int(float(n))} for agent, lab, g, n in rows]
    # generated content names its model by kgs:modelCheckpoint on each version and paragraph
    for c, k, what, n in _rows(store, f"""SELECT ?ck ?kind ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {{
            GRAPH <{CONTENT_GRAPH}> {{ ?x <{KGS.modelCheckpoint}> ?ck ; a ?cls .
                                      OPTIONAL {{ ?x <{KGS.generatorKind}> ?kind }} }}
            VALUES (?cls ?what) {{ (<{KGS.ContentVersion}> "content versions") (<{KGS.Paragraph}> "paragraphs") }}
        }} GROUP BY ?ck ?kind ?what ORDER BY ?ck ?what"""):
        if c:
            out.append({"checkpoint": f"{k or 'generator'} {c}", "graph": "content", "what": what,
                        "count": int(float(n))})
    return out
