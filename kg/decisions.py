"""Instructors' decisions on suggested prerequisites, written to the KG with versions and
PROV-O, and the teacher's suggestions listed with the decision on each.

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

The studio's Prerequisite suggestions page and any script call the same functions:
:func:`list_suggestions`, :func:`record_decision`, :func:`decisions`.
"""
from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass

import pyoxigraph as ox

from kg.errors import KGStudioError
from kg.neighbourhood import _iri, _rows
from kg.store.base import Store
from ontology.namespaces import DECISIONS_GRAPH, ID, KGS, PROV, RDF, RDFS, SDO, SUGGESTIONS_GRAPH, XSD

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
    score: float          # the calibrated probability when there is one, else the model's score
    rank: int
    checkpoint: str | None
    decision: Decision | None = None
    band: str | None = None          # likely | possible | unlikely (kgs:band), None: not calibrated
    raw_score: float | None = None   # the model's uncalibrated score (kgs:score)
    evidence: tuple[str, ...] = ()   # the stored evidence lines (kgs:evidenceLine), in order


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
    """The teacher's suggestions (best first) with labels, calibrated probability and band,
    stored evidence lines and any decision on them (two queries besides the labels)."""
    g = str(SUGGESTIONS_GRAPH)
    rows = _rows(store, f"""SELECT ?s ?a ?b ?score ?rank ?ck ?p ?band WHERE {{ GRAPH <{g}> {{
        ?s <{RDF.subject}> ?a ; <{RDF.predicate}> <{KGS.requires}> ; <{RDF.object}> ?b ;
           <{KGS.score}> ?score .
        OPTIONAL {{ ?s <{KGS.rank}> ?rank }} OPTIONAL {{ ?s <{PROV.wasAttributedTo}> ?ck }}
        OPTIONAL {{ ?s <{KGS.probability}> ?p ; <{KGS.band}> ?band }} }} }}""")
    lines: dict[str, list[tuple[float, str]]] = {}
    for s, pos, text in _rows(store, f"""SELECT ?s ?pos ?t WHERE {{ GRAPH <{g}> {{
            ?s <{KGS.evidenceLine}> ?e . ?e <{KGS.text}> ?t OPTIONAL {{ ?e <{KGS.position}> ?pos }} }} }}"""):
        lines.setdefault(s, []).append((float(pos or 0), text))
    from kg.progression_links import display_labels
    info = display_labels(store, {x for r in rows for x in (r[1], r[2])})
    dec = decisions(store)
    out = []
    for s, a, b, score, rank, ck, p, band in rows:
        la = info.get(a) or a.rsplit("/", 1)[-1]
        lb = info.get(b) or b.rsplit("/", 1)[-1]
        out.append(SuggestionRow(s, a, b, la, lb, float(p if p is not None else score), int(float(rank or 0)), ck,
                                 dec.get((a, b)), band=band, raw_score=float(score),
                                 evidence=tuple(t for _, t in sorted(lines.get(s, [])))))
    out.sort(key=lambda r: (-r.score, r.rank, r.a, r.b))
    return out


_decide_lock = threading.Lock()


def _node(iri: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(_iri(iri)[1:-1])
    except ValueError as e:
        raise BadDecision(f"not an IRI: {iri!r} ({e})") from None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def record_decision(store: Store, a: str, b: str, status: str, who: str, *,
                    expected_version: int = 0, comment: str = "", suggestion: str | None = None) -> Decision:
    """Write (or replace) the decision on ``a requires b``; see the module docstring.

    ``expected_version``: the version the person saw (0: no decision yet). When the
    stored one differs, someone decided meanwhile and :class:`StaleDecision` is raised
    with nothing written. Checked and written under a process lock (one process writes
    an embedded store)."""
    if status not in STATUS_IRI:
        raise BadDecision(f"unknown decision {status!r}: use accepted, rejected or skipped")
    who = (who or "").strip()
    if not who:
        raise BadDecision("say who you are (your name in the sidebar) before deciding")
    for iri in (a, b) + ((suggestion,) if suggestion else ()):
        _node(iri)
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
        N = ox.NamedNode
        dn, pn, an, bn = N(d), N(p), N(a), N(b)
        quads = [
            (dn, N(str(RDF.type)), N(str(RDF.Statement))), (dn, N(str(RDF.type)), N(str(PROV.Entity))),
            (dn, N(str(RDF.subject)), an), (dn, N(str(RDF.predicate)), N(str(KGS.requires))),
            (dn, N(str(RDF.object)), bn), (dn, N(str(SDO.actionStatus)), N(STATUS_IRI[status])),
            (dn, N(str(PROV.wasAttributedTo)), pn),
            (dn, N(str(PROV.generatedAtTime)), ox.Literal(when, datatype=N(str(XSD.dateTime)))),
            (dn, N(str(SDO.version)), ox.Literal(str(version), datatype=N(str(XSD.integer)))),
            (dn, N(str(RDFS.label)), ox.Literal(f"{status} by {who}")),
            (pn, N(str(RDF.type)), N(str(PROV.Person))), (pn, N(str(RDFS.label)), ox.Literal(who)),
        ]
        if comment.strip():
            quads.append((dn, N(str(RDFS.comment)), ox.Literal(comment.strip())))
        if suggestion:
            quads.append((dn, N(str(PROV.wasDerivedFrom)), N(suggestion)))
        if status == ACCEPTED:
            quads.append((an, N(str(KGS.requires)), bn))
        body = " .\n".join(f"{s} {p_} {o}" for s, p_, o in quads) + " ."
        # one transaction: drop the old decision (and an earlier acceptance), write the new
        store.update(f"""DELETE WHERE {{ GRAPH <{g}> {{ <{d}> ?p ?o }} }} ;
            DELETE DATA {{ GRAPH <{g}> {{ <{a}> <{KGS.requires}> <{b}> }} }} ;
            INSERT DATA {{ GRAPH <{g}> {{ {body} }} }}""")
    return Decision(status, who, when, version, comment.strip())
