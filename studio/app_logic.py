"""What the studio's pages compute that is about showing things, kept out of the page files
so that it is tested without a browser: graph drawings (DOT), the prerequisite DAG and
learning path around a concept, the teacher's suggestions with their evidence,
instructors' decisions on them (written to the KG with who and when), example SPARQL
queries and links into the explorer, and the models' status.

Decisions (``graph/decisions``) are the form :mod:`gnn.data` reads: one reified statement
per proposed edge ``?d rdf:subject A ; rdf:predicate kgs:requires ; rdf:object B ;
schema:actionStatus S`` with ``S`` one of ``schema:CompletedActionStatus`` (accepted),
``schema:FailedActionStatus`` (rejected) or ``schema:PotentialActionStatus`` (skipped:
looked at, left for later), plus ``prov:wasAttributedTo`` the person, ``prov:generatedAtTime``,
``rdfs:label`` ("accepted by Ana"), ``schema:version`` and the suggestion it answers
(``prov:wasDerivedFrom``). An accepted edge is also written as the plain triple
``A kgs:requires B`` in that graph, so the rest of the KG (neighbourhoods, analytics)
counts it like an imported prerequisite. A decision carries a version: deciding on a pair
someone else decided on since you loaded it is refused (:class:`StaleDecision`), never
silently overwritten.
"""
from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from kg.errors import KGStudioError
from rdflib import Literal

from kg.neighbourhood import Neighbourhood, _info, _iri, _rows, neighbourhood
from kg.store.base import Store, nt_term
from ontology.namespaces import (CONTENT_GRAPH, DECISIONS_GRAPH, ID, KGS, PROV, RDF, RDFS, SDO, SUGGESTIONS_GRAPH,
                                 XSD)

# ---- drawing --------------------------------------------------------------------------
TYPE_COLOURS = {"concept": "#cfe2ff", "objective": "#d1e7dd", "section": "#fff3cd",
                "chapter": "#ffe5d0", "item": "#f8d7da", "course": "#e2d9f3",
                "competency": "#d2f4ea", "curriculum": "#e9ecef", "resource": "#f1f3f5"}


def dot_string(text: str) -> str:
    """``text`` as a Graphviz quoted string: quotes and backslashes escaped (so ``\\l`` or
    ``"`` in a label stays text), newlines kept as line breaks.

    >>> dot_string('a "b" <script>\\\\')
    '"a \\\\"b\\\\" <script>\\\\\\\\"'
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(text: str, width: int = 22) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if cur and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    return "\n".join(lines[:3]) + ("…" if len(lines) > 3 else "")


def neighbourhood_dot(nb: Neighbourhood) -> str:
    """A DOT drawing of a neighbourhood: nodes coloured by type, the centre bold, one
    arrow per edge labelled with its relation."""
    ids = {n.iri: f"n{i}" for i, n in enumerate(nb.nodes)}
    out = ["digraph G {", '  graph [rankdir=LR, fontsize=10];',
           '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=8, color="#777777"];']
    for n in nb.nodes:
        lab = _wrap(n.label or n.iri.rsplit("/", 1)[-1]) + f"\n({n.type})"
        extra = ", penwidth=2.5" if n.iri == nb.center else ""
        out.append(f"  {ids[n.iri]} [label={dot_string(lab)}, fillcolor={dot_string(TYPE_COLOURS.get(n.type, '#ffffff'))}{extra}];")
    for e in nb.edges:
        if e.source in ids and e.target in ids:
            out.append(f"  {ids[e.source]} -> {ids[e.target]} [label={dot_string(e.relation)}];")
    out.append("}")
    return "\n".join(out)


def explorer_link(iri: str) -> str:
    """URL (relative to the studio) of the explorer centred on ``iri``."""
    return "/explorer?node=" + quote(iri, safe="")


# ---- the prerequisite DAG and a learning path --------------------------------------------
@dataclass
class PrereqDag:
    focus: str
    nodes: dict[str, str]                 # iri -> label (focus and all its prerequisites)
    edges: list[tuple[str, str]]          # (a, b): a requires b
    path: list[str] = field(default_factory=list)  # learning order: prerequisites first, focus last


def prerequisite_dag(store: Store, focus: str, limit: int = 200) -> PrereqDag:
    """Everything ``focus`` requires, directly or not, and a learning path through it.

    The path is a topological order of the prerequisite DAG (Kahn's algorithm, ties by
    label), so every concept comes after all the concepts it requires."""
    f = _iri(focus)
    rows = _rows(store, f"""SELECT DISTINCT ?a ?b WHERE {{
        {{ {f} <{KGS.requires}>+ ?b . ?a <{KGS.requires}> ?b . {f} <{KGS.requires}>* ?a }}
    }} LIMIT {int(limit) * 4}""")
    edges = sorted({(a, b) for a, b in rows if a and b})
    iris = sorted({focus} | {x for e in edges for x in e})[: limit + 1]
    keep = set(iris)
    edges = [(a, b) for a, b in edges if a in keep and b in keep]
    info = _info(store, iris)
    labels = {i: (info.get(i, (None, None, None))[1] or i.rsplit("/", 1)[-1]) for i in iris}
    needs = {i: set() for i in iris}
    for a, b in edges:
        needs[a].add(b)
    path, done = [], set()
    while len(path) < len(iris):
        ready = sorted((i for i in iris if i not in done and needs[i] <= done), key=lambda i: (labels[i].lower(), i))
        if not ready:  # a cycle (import refuses them, decisions could add one): stop there
            break
        path.append(ready[0])
        done.add(ready[0])
    return PrereqDag(focus, labels, edges, path)


def dag_dot(dag: PrereqDag) -> str:
    """DOT of a prerequisite DAG, prerequisites at the top, the focus at the bottom."""
    ids = {iri: f"p{i}" for i, iri in enumerate(dag.nodes)}
    order = {iri: k + 1 for k, iri in enumerate(dag.path)}
    out = ["digraph P {", "  graph [rankdir=BT];",
           '  node [shape=box, style="rounded,filled", fillcolor="#cfe2ff", fontname="Helvetica", fontsize=10];']
    for iri, lab in dag.nodes.items():
        text = (f"{order[iri]}. " if iri in order else "") + _wrap(lab)
        extra = ", penwidth=2.5" if iri == dag.focus else ""
        out.append(f"  {ids[iri]} [label={dot_string(text)}{extra}];")
    for a, b in dag.edges:
        out.append(f"  {ids[b]} -> {ids[a]};")
    out.append("}")
    return "\n".join(out)


# ---- suggestions and decisions ---------------------------------------------------------
def _kgs(name: str, fallback):
    try:
        return getattr(KGS, name)
    except AttributeError:
        return fallback


# the terms gnn.suggest writes (same choice as there; read here without importing torch)
SCORE, RANK = _kgs("score", SDO.ratingValue), _kgs("rank", SDO.position)
ACCEPTED, REJECTED, SKIPPED = "accepted", "rejected", "skipped"
STATUS_IRI = {ACCEPTED: str(SDO.CompletedActionStatus), REJECTED: str(SDO.FailedActionStatus),
              SKIPPED: str(SDO.PotentialActionStatus)}
IRI_STATUS = {v: k for k, v in STATUS_IRI.items()}


class StaleDecision(KGStudioError):
    """Someone decided on this suggestion after you loaded it."""


class BadDecision(KGStudioError):
    """A decision that cannot be recorded (unknown status, no name given)."""


@dataclass
class Decision:
    status: str           # accepted | rejected | skipped
    who: str
    when: str             # xsd:dateTime text
    version: int
    comment: str = ""


@dataclass
class SuggestionRow:
    iri: str              # the reified suggestion
    a: str                # would require ...
    b: str                # ... this
    a_label: str
    b_label: str
    score: float
    rank: int
    checkpoint: str | None
    decision: Decision | None = None


def decision_iri(a: str, b: str) -> str:
    return str(ID["decision/" + hashlib.sha256(f"{a} {b}".encode()).hexdigest()[:20]])


def person_iri(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "anonymous"
    return str(ID["person/" + slug + "-" + hashlib.sha256(name.encode()).hexdigest()[:6]])


def decisions(store: Store) -> dict[tuple[str, str], Decision]:
    """Current decision of every decided pair (a, b)."""
    g = str(DECISIONS_GRAPH)
    rows = _rows(store, f"""SELECT ?a ?b ?st ?who ?when ?v ?c WHERE {{ GRAPH <{g}> {{
        ?d <{RDF.subject}> ?a ; <{RDF.predicate}> <{KGS.requires}> ; <{RDF.object}> ?b ;
           <{SDO.actionStatus}> ?st .
        OPTIONAL {{ ?d <{PROV.wasAttributedTo}> ?p . ?p <{RDFS.label}> ?who }}
        OPTIONAL {{ ?d <{PROV.generatedAtTime}> ?when }}
        OPTIONAL {{ ?d <{SDO.version}> ?v }}
        OPTIONAL {{ ?d <{RDFS.comment}> ?c }} }} }}""")
    out = {}
    for a, b, st, who, when, v, c in rows:
        if st in IRI_STATUS:
            out[(a, b)] = Decision(IRI_STATUS[st], who or "", when or "", int(float(v or 1)), c or "")
    return out


def list_suggestions(store: Store) -> list[SuggestionRow]:
    """The teacher's suggestions (best first) with labels and any decision on them."""
    g = str(SUGGESTIONS_GRAPH)
    rows = _rows(store, f"""SELECT ?s ?a ?b ?score ?rank ?ck WHERE {{ GRAPH <{g}> {{
        ?s <{RDF.subject}> ?a ; <{RDF.predicate}> <{KGS.requires}> ; <{RDF.object}> ?b ;
           <{SCORE}> ?score .
        OPTIONAL {{ ?s <{RANK}> ?rank }} OPTIONAL {{ ?s <{PROV.wasAttributedTo}> ?ck }} }} }}""")
    info = _info(store, sorted({x for r in rows for x in (r[1], r[2])}))
    dec = decisions(store)
    out = []
    for s, a, b, score, rank, ck in rows:
        la = info.get(a, (None, None))[1] or a.rsplit("/", 1)[-1]
        lb = info.get(b, (None, None))[1] or b.rsplit("/", 1)[-1]
        out.append(SuggestionRow(s, a, b, la, lb, float(score), int(float(rank or 0)), ck, dec.get((a, b))))
    out.sort(key=lambda r: (-r.score, r.rank, r.a, r.b))
    return out


_decide_lock = threading.Lock()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def record_decision(store: Store, a: str, b: str, status: str, who: str, *,
                    expected_version: int = 0, comment: str = "", suggestion: str | None = None) -> Decision:
    """Write (or replace) the decision on ``a requires b``; see the module docstring.

    ``expected_version``: the version the person saw (0: no decision yet). When the
    stored one differs, someone decided meanwhile and :class:`StaleDecision` is raised
    with nothing written. Checked and written under a process lock (the studio is the
    only writer of an embedded store)."""
    if status not in STATUS_IRI:
        raise BadDecision(f"unknown decision {status!r}: use accepted, rejected or skipped")
    who = (who or "").strip()
    if not who:
        raise BadDecision("say who you are (your name in the sidebar) before deciding")
    _iri(a), _iri(b)
    g = str(DECISIONS_GRAPH)
    d = decision_iri(a, b)
    with _decide_lock:
        cur = decisions(store).get((a, b))
        have = cur.version if cur else 0
        if have != expected_version:
            raise StaleDecision(f"{cur.who or 'someone'} already marked this suggestion {cur.status} "
                                f"at {cur.when} (version {have}); reload to see it, then decide again"
                                if cur else "this suggestion's decision was withdrawn meanwhile; reload")
        when = _now()
        version = have + 1
        p = person_iri(who)
        triples = [
            f"<{d}> <{RDF.type}> <{RDF.Statement}>", f"<{d}> <{RDF.type}> <{PROV.Entity}>",
            f"<{d}> <{RDF.subject}> <{a}>", f"<{d}> <{RDF.predicate}> <{KGS.requires}>",
            f"<{d}> <{RDF.object}> <{b}>", f"<{d}> <{SDO.actionStatus}> <{STATUS_IRI[status]}>",
            f"<{d}> <{PROV.wasAttributedTo}> <{p}>",
            f"<{d}> <{PROV.generatedAtTime}> {nt_term(Literal(when, datatype=XSD.dateTime))}",
            f"<{d}> <{SDO.version}> {nt_term(Literal(version, datatype=XSD.integer))}",
            f"<{d}> <{RDFS.label}> {nt_term(Literal(f'{status} by {who}'))}",
            f"<{p}> <{RDF.type}> <{PROV.Person}>", f"<{p}> <{RDFS.label}> {nt_term(Literal(who))}",
        ]
        if comment.strip():
            triples.append(f"<{d}> <{RDFS.comment}> {nt_term(Literal(comment.strip()))}")
        if suggestion:
            _iri(suggestion)
            triples.append(f"<{d}> <{PROV.wasDerivedFrom}> <{suggestion}>")
        if status == ACCEPTED:
            triples.append(f"<{a}> <{KGS.requires}> <{b}>")
        body = " .\n".join(triples) + " ."
        # one transaction: drop the old decision (and an earlier acceptance), write the new
        store.update(f"""DELETE WHERE {{ GRAPH <{g}> {{ <{d}> ?p ?o }} }} ;
            DELETE DATA {{ GRAPH <{g}> {{ <{a}> <{KGS.requires}> <{b}> }} }} ;
            INSERT DATA {{ GRAPH <{g}> {{ {body} }} }}""")
    return Decision(status, who, when, version, comment.strip())


@dataclass
class Evidence:
    a_definition: str | None
    b_definition: str | None
    definition_names_b: bool                  # A's definition names B's label
    a_defined_in: list[str]                   # section labels
    b_defined_in: list[str]
    path: list[tuple[str, str, str]]          # (from label, relation, to label) steps from A to B


def evidence(store: Store, a: str, b: str) -> Evidence:
    """The text and graph paths behind a suggestion ``a requires b``: both definitions,
    whether A's definition names B (the weak label the teacher learns from), where each
    is defined, and the shortest path between them through the curriculum graph."""
    info = _info(store, [a, b])
    la, da = info[a][1] or a, info[a][2]
    lb, db = info[b][1] or b, info[b][2]
    names = bool(da and lb and len(lb) > 2 and re.search(rf"(?i)\b{re.escape(lb)}\b", da))

    def defined_in(x: str) -> list[str]:
        rows = _rows(store, f"SELECT ?s ?l WHERE {{ <{x}> <{KGS.definedIn}> ?s OPTIONAL {{ ?s <{RDFS.label}> ?l }} }}")
        return sorted({lab or s for s, lab in rows})

    path: list[tuple[str, str, str]] = []
    try:
        nb = neighbourhood(store, a, hops=3, max_nodes=300)
    except KGStudioError:
        nb = None
    if nb is not None and any(n.iri == b for n in nb.nodes):
        adj: dict[str, list[tuple[str, str, str]]] = {}
        for e in nb.edges:
            adj.setdefault(e.source, []).append((e.target, e.relation, "→"))
            adj.setdefault(e.target, []).append((e.source, e.relation, "←"))
        prev: dict[str, tuple[str, str, str]] = {a: ("", "", "")}
        q = deque([a])
        while q:
            x = q.popleft()
            if x == b:
                break
            for y, rel, arrow in sorted(adj.get(x, [])):
                if y not in prev:
                    prev[y] = (x, rel, arrow)
                    q.append(y)
        if b in prev:
            labels = {n.iri: n.label or n.iri.rsplit("/", 1)[-1] for n in nb.nodes}
            x = b
            while x != a:
                px, rel, arrow = prev[x]
                path.append((labels[px], f"{arrow} {rel} {arrow}", labels[x]))
                x = px
            path.reverse()
    return Evidence(da, db, names, defined_in(a), defined_in(b), path)


# ---- SPARQL page ------------------------------------------------------------------------
EXAMPLE_QUERIES: dict[str, str] = {
    "Prerequisite chains (what each concept needs, directly or not)": """SELECT ?concept ?conceptLabel ?needs ?needsLabel WHERE {
  ?concept a kgs:Concept ; kgs:requires+ ?needs .
  ?concept rdfs:label ?conceptLabel . ?needs rdfs:label ?needsLabel .
} ORDER BY ?conceptLabel ?needsLabel LIMIT 200""",
    "Items per learning objective": """SELECT ?objective ?objectiveLabel (COUNT(DISTINCT ?item) AS ?items) WHERE {
  ?objective a kgs:LearningObjective ; rdfs:label ?objectiveLabel .
  OPTIONAL { ?item a kgs:AssessmentItem ; kgs:assesses ?objective }
} GROUP BY ?objective ?objectiveLabel ORDER BY ?items ?objectiveLabel LIMIT 200""",
    "Unreviewed drafts (generated content not yet approved)": """SELECT ?item ?label ?status WHERE {
  GRAPH <https://w3id.org/kgstudio/graph/content> { ?item a ?type . OPTIONAL { ?item rdfs:label ?label } }
  OPTIONAL { ?item schema:creativeWorkStatus ?status }
  FILTER(!BOUND(?status) || STR(?status) NOT IN ("approved"))
} LIMIT 200""",
    "Concepts without a definition": """SELECT ?concept ?label WHERE {
  ?concept a kgs:Concept ; rdfs:label ?label .
  FILTER NOT EXISTS { ?concept kgs:definition ?d }
} ORDER BY ?label LIMIT 200""",
    "Decisions on suggested prerequisites (who, when)": """SELECT ?a ?b ?status ?who ?when WHERE {
  GRAPH <https://w3id.org/kgstudio/graph/decisions> {
    ?d rdf:subject ?a ; rdf:object ?b ; schema:actionStatus ?status ;
       prov:generatedAtTime ?when ; prov:wasAttributedTo ?p . ?p rdfs:label ?who }
} ORDER BY DESC(?when)""",
}


def is_read_only_query(sparql: str) -> bool:
    """True unless the text looks like a SPARQL Update (the SPARQL page only queries).

    >>> is_read_only_query("SELECT * WHERE { ?s ?p ?o }"), is_read_only_query("DROP ALL")
    (True, False)
    """
    from kg.store.base import _SKIP
    blanked = _SKIP.sub(" ", sparql)
    return not re.search(r"(?i)\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b\s*(DATA|WHERE|\{|<|GRAPH|SILENT|ALL|DEFAULT|NAMED)", blanked)


def result_table(result) -> tuple[list[str], list[dict[str, str]], set[str]]:
    """(columns, rows as display strings, columns holding IRIs of typed nodes) of a
    SELECT result; an IRI column gets an extra ``<col> ↗`` column of explorer links."""
    from rdflib import URIRef
    cols = list(result.variables)
    rows = []
    iri_cols: set[str] = set()
    for r in result.rows:
        d = {}
        for v, t in zip(cols, r):
            d[v] = "" if t is None else str(t)
            if isinstance(t, URIRef) and str(t).startswith(str(ID)):
                iri_cols.add(v)
        rows.append(d)
    for d in rows:
        for v in iri_cols:
            d[v + " ↗"] = explorer_link(d[v]) if d[v] else ""
    return cols, rows, iri_cols


# ---- models -----------------------------------------------------------------------------
def teacher_path(ws) -> Path:
    """``models/teacher/teacher.pt`` (what ``gnn.checkpoint.teacher_dir`` names, without torch)."""
    return Path(ws.models_dir) / "teacher" / "teacher.pt"


_status_cache: dict[tuple, dict] = {}


def teacher_status(ws) -> dict:
    """What the Models page shows about the teacher: trained or not, metrics, curve,
    whether it still fits the graph. Loading the checkpoint and hashing the graph take
    seconds, so the answer is kept until the checkpoint file or the store changes."""
    p = teacher_path(ws)
    with ws.open_store() as store:
        key = (str(ws.root), p.stat().st_mtime if p.is_file() else 0.0, store.count())
    if key not in _status_cache:
        _status_cache.clear()
        _status_cache[key] = _teacher_status(ws)
    return _status_cache[key]


def _teacher_status(ws) -> dict:
    from gnn.checkpoint import CheckpointError, load_checkpoint, teacher_dir
    d = teacher_dir(ws)
    out: dict = {"dir": str(d), "trained": (d / "teacher.pt").is_file()}
    if not out["trained"]:
        return out
    mpath = d / "metrics.json"
    out["metrics"] = json.loads(mpath.read_text()) if mpath.is_file() else {}
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


def items_per_agent(store: Store) -> list[dict]:
    """How many things (suggestions, generated items) each model checkpoint produced,
    from ``prov:wasAttributedTo`` in every graph."""
    rows = _rows(store, f"""SELECT ?agent ?label ?g (COUNT(DISTINCT ?x) AS ?n) WHERE {{
        GRAPH ?g {{ ?x <{PROV.wasAttributedTo}> ?agent }}
        ?agent a <{PROV.SoftwareAgent}> . OPTIONAL {{ ?agent <{RDFS.label}> ?label }}
    }} GROUP BY ?agent ?label ?g ORDER BY ?agent""")
    out = [{"checkpoint": lab or agent, "graph": g.rsplit("/", 1)[-1], "what": "suggestions" if
            g == str(SUGGESTIONS_GRAPH) else "items", "count": int(float(n))} for agent, lab, g, n in rows]
    # generated content names its model by kgs:modelCheckpoint on each version and paragraph
    ck, kind = _kgs("modelCheckpoint", None), _kgs("generatorKind", None)
    if ck is not None and kind is not None:
        for c, k, what, n in _rows(store, f"""SELECT ?ck ?kind ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {{
                GRAPH <{CONTENT_GRAPH}> {{ ?x <{ck}> ?ck ; a ?cls . OPTIONAL {{ ?x <{kind}> ?kind }} }}
                VALUES (?cls ?what) {{ (<{_kgs('ContentVersion', RDF.nil)}> "content versions")
                                      (<{_kgs('Paragraph', RDF.nil)}> "paragraphs") }}
            }} GROUP BY ?ck ?kind ?what ORDER BY ?ck ?what"""):
            if c:
                out.append({"checkpoint": f"{k or 'generator'} {c}", "graph": "content", "what": what,
                            "count": int(float(n))})
    return out


def estimate_training_seconds(ws, epochs: int) -> float | None:
    """How long a retrain should take, from the last run's measured time per epoch."""
    from gnn.checkpoint import teacher_dir
    m = teacher_dir(ws) / "metrics.json"
    if not m.is_file():
        return None
    try:
        s = float(json.loads(m.read_text()).get("epoch_seconds") or 0)
    except (ValueError, OSError):
        return None
    return s * epochs * 1.6 + 2.0 if s > 0 else None   # + validation, save, plot


def retrain_teacher(ws, job, *, epochs: int | None = None, use_text: bool | None = None,
                    top_k: int = 50) -> dict:
    """Retrain the teacher with the decisions now in the KG, then refresh the suggestions.

    Progress: data export, then training (the fraction is estimated from the previous
    run's time per epoch, since the trainer reports only at the end), then suggestions."""
    from gnn.checkpoint import load_checkpoint, teacher_dir
    from gnn.config import TeacherConfig
    from gnn.data import build_teacher_data
    from gnn.suggest import suggest_prereqs
    from gnn.train import train_teacher
    out = teacher_dir(ws)
    base = {}
    if (out / "teacher.pt").is_file():
        base = load_checkpoint(out / "teacher.pt").config.to_dict()
    if epochs is not None:
        base["epochs"] = epochs
    if use_text is not None:
        base["use_text"] = use_text
    base["device"] = "auto"
    cfg = TeacherConfig(**base)
    job.report(0.02, "reading the graph and the decisions")
    with ws.open_store() as store:
        td = build_teacher_data(store, embed=cfg.use_text, difficulty_bins=cfg.difficulty_bins,
                                model=ws.settings["embeddings.model"], log=lambda m: job.report(None, m))
    job.report(0.2, f"training {cfg.epochs} epochs")
    est = estimate_training_seconds(ws, cfg.epochs)
    stop = threading.Event()

    def tick():
        t0 = time.time()
        while not stop.wait(0.5):
            if est:
                job.report(0.2 + 0.65 * min(0.97, (time.time() - t0) / est))
    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        r = train_teacher(td, cfg, out_dir=out, log=lambda m: job.report(None, m))
    finally:
        stop.set()
    job.report(0.88, "writing new suggestions")
    sugg, info = suggest_prereqs(ws, top_k=top_k)
    job.report(1.0, f"trained {r.metrics.get('epochs')} epochs; {len(sugg)} suggestions")
    return {"metrics": {k: v for k, v in r.metrics.items() if isinstance(v, (int, float))},
            "suggestions": len(sugg), "checkpoint": r.sha256}


def import_job(ws, job, paths: list[Path], *, validate: bool = True) -> list[dict]:
    """Parse, validate and write curricula with progress (the Workspace page's import)."""
    from kg.importing import parse_sources, write_results
    job.report(0.02, f"reading {len(paths)} source(s)")

    def progress(what: str, done: int, total: int):
        job.report(0.05 + 0.7 * (done / total if total else 0), f"{what}: {done}/{total}")
    results = parse_sources(paths, max_file_mb=ws.settings["import.max_file_mb"], validate=validate,
                            progress=progress, log=lambda m: job.report(None, m))
    job.report(0.8, "writing to the store (one transaction)")
    with ws.open_store() as store:
        summaries = write_results(store, results)
    return [{"source": s.source, "title": s.title, "format": s.format, "triples": s.triples,
             "added": s.added, "removed": s.removed, **{k: v for k, v in s.counts.items()}}
            for s in summaries]


def student_status(ws) -> dict:
    """The student generator's status: trained or not, its metrics and curve when the
    training wrote them next to the checkpoint (``metrics.json``)."""
    try:
        from generation.student.api import student_checkpoint_path
    except ImportError:
        return {"available": False,
                "message": "This installation has no student generator yet: lessons and quizzes are "
                           "written by the template realiser (generation.template)."}
    path = Path(student_checkpoint_path(ws))
    if not path.exists():
        return {"available": False,
                "message": "No student trained for this workspace: lessons are written by the "
                           "template realiser until one is (train it with `kgstudio distill`)."}
    out: dict = {"available": True, "path": str(path),
                 "message": f"student checkpoint {path.name}, "
                            f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime(path.stat().st_mtime))} UTC"}
    folder = path if path.is_dir() else path.parent
    m = folder / "metrics.json"
    if m.is_file():
        try:
            data = json.loads(m.read_text())
        except ValueError:
            data = {}
        curve = data.pop("curve", None) if isinstance(data, dict) else None
        out["metrics"] = {k: v for k, v in data.items() if isinstance(v, (int, float, str))}
        if isinstance(curve, list) and curve and isinstance(curve[0], dict):
            out["curve"] = [{k: v for k, v in row.items() if isinstance(v, (int, float))} for row in curve]
            out["curve_x"] = "step" if "step" in curve[0] else next(iter(curve[0]))
    return out
