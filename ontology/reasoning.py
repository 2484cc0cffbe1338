"""OWL 2 reasoning over a curriculum graph with HermiT, run through owlready2.

:func:`reason` checks that the ontology (``curriculum.ttl``) plus a data graph is
consistent and returns what follows from it that the data does not already say:

- class memberships from the sub-class axioms (a ``kgs:Concept`` is a ``skos:Concept``, a
  ``kgs:Course`` a ``schema:Course``, a ``kgs:SourceGraph`` a ``prov:Entity``, ...) and from
  the domains and ranges of the object properties;
- the transitive closure of ``kgs:requires`` as ``kgs:requiresTransitive`` (``requires`` is
  a sub-property of the transitive ``requiresTransitive``).

How: HermiT (Java, bundled with owlready2; Pellet in owlready2 does not run on Java 17)
classifies the ontology, realises the individuals (``-D``: their most specific classes)
and lists the object-property instances it knows (``-Y``). Each call loads its input into a
fresh in-memory owlready2 ``World`` that is closed afterwards, so calls share no state.
HermiT reports only the most specific types and, for ``requiresTransitive``, only the
pairs that need transitivity, so the result completes both with what the axioms give
directly: every class above a realised type in the (reasoner-classified) hierarchy, and
every asserted ``requires`` pair.

Speed: the text literals of a curriculum are irrelevant to these inferences, so HermiT is
given the ontology (TBox) plus only the ABox facts that can matter: the ``rdf:type``
triples whose class the ontology declares, and the triples of the ontology's own object
properties between IRIs (:func:`reasoning_input`), about half of a book's triples. Measured
on the 2-core development machine (shared, so times vary by about 1.5x):

==================================================  =======  =========  ===================
graph                                               triples  to HermiT  reason() seconds
==================================================  =======  =========  ===================
OpenStax Psychology 2e (real import)                 26,136     12,429  13 (HermiT 11)
OpenStax Introductory Statistics 2e                  22,595     11,460  9 (HermiT 8)
BNCC                                                 24,107     12,009  6 (HermiT 5)
all six real sources together                        83,190     38,983  15 (HermiT 12)
synthetic book: 1,280 concepts, 2,560 requires       38,800     20,207  13-22 (HermiT 11-18)
==================================================  =======  =========  ===================

The synthetic book's random prerequisite DAG is dense: its closure has 63,338
``requiresTransitive`` pairs. Starting Java costs about 2 s per call.

A prerequisite cycle is not an OWL inconsistency (OWL 2 DL does not allow an irreflexive
transitive property), so cycles are found by a graph search before HermiT starts and
raised as :class:`PrerequisiteCycleError` with the cycle listed. An inconsistency (e.g. a
node typed both ``kgs:Concept`` and ``kgs:AssessmentItem``, which the ontology declares
disjoint) gives ``consistent=False`` and an ``explanation`` naming the clashing nodes
and classes; HermiT itself gives no explanation, so :func:`explain_inconsistency` derives
one from the disjointness, domain and range axioms (the only sources of inconsistency in
what HermiT is given).

Limitations: datatype facts (literals) are not reasoned over, so e.g. two
``kgs:position`` values on one node are a SHACL matter, not an OWL one; HermiT needs Java
(``java`` on the PATH) and about 2 GB of heap for a book-sized graph.

>>> find_cycle([("a", "b"), ("b", "a")])
['a', 'b', 'a']
"""
from __future__ import annotations

import io
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Hashable, Iterable, TypeVar

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from ontology.cycles import find_cycle  # noqa: F401 (part of this module's API)
from ontology import ONTOLOGY_TTL
from ontology.namespaces import KGS

__all__ = ["reason", "ReasoningResult", "ReasoningError", "ReasonerUnavailable",
           "PrerequisiteCycleError", "find_cycle", "reasoning_input", "explain_inconsistency",
           "tbox"]

_KGS_NS = str(KGS._NS)
_INPUT_IRI = "http://kgstudio.invalid/reasoning-input"
_IGNORED_TYPES = {OWL.Thing, OWL.NamedIndividual, RDFS.Resource}


class ReasoningError(Exception):
    """Reasoning could not be done (see the subclasses)."""


class ReasonerUnavailable(ReasoningError):
    """Java or HermiT could not be run."""


class PrerequisiteCycleError(ReasoningError):
    """``kgs:requires`` has a cycle; ``cycle`` lists its IRIs, first repeated last."""

    def __init__(self, cycle: list[str], labels: dict[str, str] | None = None):
        self.cycle = cycle
        self.labels = labels or {}
        shown = " -> ".join(f"{self.labels[n]} <{n}>" if self.labels.get(n) else f"<{n}>" for n in cycle)
        super().__init__(f"prerequisite cycle: {shown}. Remove one of these 'requires' links.")


@dataclass
class ReasoningResult:
    """Outcome of :func:`reason`."""

    consistent: bool
    inferred: Graph = field(default_factory=Graph)  # inferred triples only (none of the input)
    explanation: str | None = None   # why the graph is inconsistent (None when consistent)
    class_memberships: int = 0       # rdf:type triples in ``inferred``
    transitive_requires: int = 0     # kgs:requiresTransitive triples in ``inferred``
    input_triples: int = 0           # ABox triples given to HermiT (besides the ontology)
    seconds: float = 0.0             # wall time of the whole call
    reasoner_seconds: float = 0.0    # of which Java + HermiT + owlready2


N = TypeVar("N", bound=Hashable)


@lru_cache(maxsize=1)
def _tbox_ntriples() -> bytes:
    g = Graph()
    g.parse(ONTOLOGY_TTL, format="turtle")
    return g.serialize(format="nt", encoding="utf-8")


def tbox() -> Graph:
    """A fresh copy of the ontology graph (``curriculum.ttl``)."""
    g = Graph()
    g.parse(data=_tbox_ntriples(), format="nt")
    return g


def _declared(tb: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in tb.subjects(RDF.type, kind) if isinstance(s, URIRef)}


def reasoning_input(data: Graph, tb: Graph | None = None) -> Graph:
    """The ABox facts of ``data`` that can matter to the reasoner.

    ``rdf:type`` triples to classes the ontology declares, and triples of the ontology's
    own (``kgs:``) object properties between two IRIs. Literals never matter here.

    >>> from ontology.namespaces import ID
    >>> g = Graph()
    >>> a, b = ID["t/concept/a"], ID["t/concept/b"]
    >>> _ = g.add((a, RDF.type, KGS.Concept)).add((a, KGS.requires, b))
    >>> _ = g.add((a, RDFS.label, Literal("a"))).add((a, RDF.type, URIRef("http://example.org/Other")))
    >>> sorted(p.n3() for _, p, _ in reasoning_input(g))
    ['<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>', '<https://w3id.org/kgstudio/ns#requires>']
    """
    tb = tb if tb is not None else tbox()
    classes = _declared(tb, OWL.Class)
    props = {p for p in _declared(tb, OWL.ObjectProperty) if str(p).startswith(_KGS_NS)}
    out = Graph()
    for s, c in data.subject_objects(RDF.type):
        if isinstance(s, URIRef) and c in classes:
            out.add((s, RDF.type, c))
    for p in props:
        for s, o in data.subject_objects(p):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                out.add((s, p, o))
    return out


def _label(data: Graph, node: URIRef) -> str:
    for p in (SKOS.prefLabel, RDFS.label):
        v = data.value(node, p)
        if isinstance(v, Literal):
            return str(v)
    return ""


def _short(term: URIRef) -> str:
    s = str(term)
    for ns, prefix in ((_KGS_NS, "kgs:"), (str(SKOS), "skos:"), ("https://schema.org/", "schema:"),
                       ("http://www.w3.org/ns/prov#", "prov:")):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return f"<{s}>"


class _UpClosure(dict):
    """Maps a class to the set of itself and all its super-classes (computed on first use),
    from a sub-class relation given as (sub, super) pairs."""

    def __init__(self, pairs: Iterable[tuple[URIRef, URIRef]]):
        super().__init__()
        self._direct: dict[URIRef, set[URIRef]] = defaultdict(set)
        for sub, sup in pairs:
            self._direct[sub].add(sup)

    def __missing__(self, cls: URIRef) -> set[URIRef]:
        seen, todo = {cls}, [cls]
        while todo:
            for sup in self._direct.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        self[cls] = seen
        return seen


def explain_inconsistency(data: Graph, tb: Graph | None = None, *, limit: int = 20) -> str:
    """Why ``data`` contradicts the ontology: nodes whose types (asserted, or implied by
    the domain and range of the properties they use) include two disjoint classes.

    >>> from ontology.namespaces import ID
    >>> g = Graph()
    >>> x = ID["t/concept/x"]
    >>> _ = g.add((x, RDF.type, KGS.Concept)).add((x, RDF.type, KGS.AssessmentItem))
    >>> print(explain_inconsistency(g))
    <https://w3id.org/kgstudio/id/t/concept/x> is kgs:AssessmentItem (asserted) and kgs:Concept (asserted), which the ontology declares disjoint
    """
    tb = tb if tb is not None else tbox()
    abox = reasoning_input(data, tb)
    sub_pairs = [(s, o) for s, o in tb.subject_objects(RDFS.subClassOf)
                 if isinstance(s, URIRef) and isinstance(o, URIRef)]
    up = _UpClosure(sub_pairs)
    superprops = _UpClosure([(s, o) for s, o in tb.subject_objects(RDFS.subPropertyOf)
                                if isinstance(s, URIRef) and isinstance(o, URIRef)])
    inverse = {}
    for a, b in tb.subject_objects(OWL.inverseOf):
        inverse[a], inverse[b] = b, a
    # why each node has each class
    why: dict[URIRef, dict[URIRef, str]] = defaultdict(dict)
    for s, c in abox.subject_objects(RDF.type):
        why[s].setdefault(c, "asserted")
    for s, p, o in abox:
        if p == RDF.type:
            continue
        for sp in superprops[p]:
            for d in tb.objects(sp, RDFS.domain):
                if isinstance(d, URIRef):
                    why[s].setdefault(d, f"subject of {_short(p)}")
            for r in tb.objects(sp, RDFS.range):
                if isinstance(r, URIRef):
                    why[o].setdefault(r, f"object of {_short(p)}")
            if sp in inverse:  # s p o  =>  o inverse(p) s
                for d in tb.objects(inverse[sp], RDFS.domain):
                    if isinstance(d, URIRef):
                        why[o].setdefault(d, f"object of {_short(p)}")
                for r in tb.objects(inverse[sp], RDFS.range):
                    if isinstance(r, URIRef):
                        why[s].setdefault(r, f"subject of {_short(p)}")
    groups: list[set[URIRef]] = []
    for node in tb.subjects(RDF.type, OWL.AllDisjointClasses):
        members = tb.value(node, OWL.members)
        if members is not None:
            groups.append({m for m in Collection(tb, members) if isinstance(m, URIRef)})
    for a, b in tb.subject_objects(OWL.disjointWith):
        groups.append({a, b})
    lines: list[str] = []
    for node in sorted(why, key=str):
        # every class of the node, with the reason of the told class it comes from
        classes: dict[URIRef, str] = {}
        for told, reason in sorted(why[node].items(), key=lambda kv: str(kv[0])):
            for c in up[told]:
                classes.setdefault(c, reason if c == told else f"{reason}, via {_short(told)}")
        for group in groups:
            clash = sorted((c for c in classes if c in group), key=str)
            if len(clash) >= 2:
                label = _label(data, node)
                name = f'"{label}" <{node}>' if label else f"<{node}>"
                parts = " and ".join(f"{_short(c)} ({classes[c]})" for c in clash)
                lines.append(f"{name} is {parts}, which the ontology declares disjoint")
                break
    if not lines:
        return ("HermiT found the data inconsistent with the ontology, but no clash of disjoint "
                "classes was found to explain it; check the types of the nodes and the "
                "domains and ranges in ontology/curriculum.ttl")
    more = f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def reason(data: Graph) -> ReasoningResult:
    """Check ``data`` against the ontology with HermiT and return the inferred triples.

    Raises :class:`PrerequisiteCycleError` when ``kgs:requires`` has a cycle (before
    starting Java), :class:`ReasonerUnavailable` when Java cannot run, and
    :class:`ReasoningError` when HermiT fails on the input.
    """
    t0 = time.perf_counter()
    requires = [(s, o) for s, o in data.subject_objects(KGS.requires)
                if isinstance(s, URIRef) and isinstance(o, URIRef)]
    cycle = find_cycle((str(s), str(o)) for s, o in requires)
    if cycle:
        raise PrerequisiteCycleError(cycle, {n: _label(data, URIRef(n)) for n in cycle})

    tb = tbox()
    abox = reasoning_input(data, tb)
    payload = tb + abox
    consistent, world_graph, reasoner_seconds = _run_hermit(payload.serialize(format="nt", encoding="utf-8"))
    result = ReasoningResult(consistent=consistent, input_triples=len(abox),
                             reasoner_seconds=reasoner_seconds)
    if not consistent:
        result.explanation = explain_inconsistency(data, tb)
        result.seconds = time.perf_counter() - t0
        return result

    types, subclass_pairs, transitive = world_graph
    up = _UpClosure(subclass_pairs)
    individuals = {s for s in abox.subjects() if isinstance(s, URIRef)} | \
                  {o for _, p, o in abox if p != RDF.type and isinstance(o, URIRef)}
    individuals -= set(tb.subjects())  # the ontology's own individuals (Bloom levels)
    inferred = Graph()
    told_types: dict[URIRef, set[URIRef]] = defaultdict(set)
    for s, c in abox.subject_objects(RDF.type):
        told_types[s].add(c)
    for s, c in types:
        told_types[s].add(c)
    for s in individuals:
        for told in list(told_types.get(s, ())):
            for c in up[told]:
                if c not in _IGNORED_TYPES and (s, RDF.type, c) not in data:
                    inferred.add((s, RDF.type, c))
    for s, o in list(transitive) + requires:
        if (s, KGS.requiresTransitive, o) not in data:
            inferred.add((s, KGS.requiresTransitive, o))
    result.inferred = inferred
    result.class_memberships = sum(1 for _ in inferred.triples((None, RDF.type, None)))
    result.transitive_requires = sum(1 for _ in inferred.triples((None, KGS.requiresTransitive, None)))
    result.seconds = time.perf_counter() - t0
    return result


def _run_hermit(ntriples: bytes):
    """Run HermiT on the N-Triples in a fresh owlready2 World.

    Returns ``(consistent, (types, subclass_pairs, transitive_pairs), seconds)``, with the
    sets read back from the World after owlready2 applied HermiT's results."""
    import owlready2  # deferred: heavy, and only this reasoner path needs it

    if shutil.which(owlready2.JAVA_EXE) is None:
        raise ReasonerUnavailable(
            f"Java ('{owlready2.JAVA_EXE}') is not on the PATH; HermiT needs Java 11 or later "
            "(Debian/Ubuntu: apt-get install openjdk-17-jre-headless)")
    t0 = time.perf_counter()
    world = owlready2.World()
    try:
        world.get_ontology(_INPUT_IRI).load(fileobj=io.BytesIO(ntriples), format="ntriples")
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, None, time.perf_counter() - t0
        except OSError as e:  # java vanished or cannot start
            raise ReasonerUnavailable(f"cannot start Java for HermiT: {e}") from None
        except owlready2.OwlReadyJavaError as e:
            detail = str(e).strip()
            detail = detail if len(detail) <= 2000 else "..." + detail[-2000:]
            raise ReasoningError(f"HermiT failed on the reasoning input: {detail}") from None
        g = world.as_rdflib_graph()
        types = [(s, o) for s, o in g.subject_objects(RDF.type)
                 if isinstance(s, URIRef) and isinstance(o, URIRef)]
        pairs = [(s, o) for s, o in g.subject_objects(RDFS.subClassOf)
                 if isinstance(s, URIRef) and isinstance(o, URIRef)]
        for a, b in g.subject_objects(OWL.equivalentClass):
            if isinstance(a, URIRef) and isinstance(b, URIRef):
                pairs += [(a, b), (b, a)]
        transitive = [(s, o) for s, o in g.subject_objects(KGS.requiresTransitive)
                      if isinstance(s, URIRef) and isinstance(o, URIRef)]
        return True, (types, pairs, transitive), time.perf_counter() - t0
    finally:
        world.close()
