"""Curriculum analytics over the store: Curricular Analytics metrics and concept-level gaps.

Everything here reads the store through SPARQL only, so it works on the embedded store and
on any remote SPARQL 1.1 endpoint alike.

**Curricular Analytics metrics** (:func:`curriculum_metrics`), with exactly the
definitions of the reference implementation, CurricularAnalytics.jl (Heileman et al.,
"Curricular Analytics: A Framework for Quantifying the Impact of Curricular Reforms and
Pedagogical Innovations", 2018) and its PyPI port ``curricularanalytics``:

- the *curriculum graph* of a curriculum has one vertex per ``kgs:Course`` that is
  ``kgs:partOf`` it and an edge ``B -> A`` for every ``A kgs:requires B``,
  ``A kgs:coRequires B`` and ``A kgs:strictCoRequires B`` between two of its courses:
  the reference puts every requisite kind (pre-, co- and strict co-requisite) into the one
  graph its metrics use, so co-requisites count exactly like prerequisites;
- *blocking factor* of a course: the number of courses reachable from it;
- *delay factor*: the number of courses (vertices) on the longest path through it
  (1 for a course with no requisite links);
- *centrality*: the sum of the lengths, in vertices, of all source-to-sink paths (source:
  in-degree 0, sink: out-degree 0) that pass through the course with the course at
  neither end;
- *structural complexity*: blocking + delay; for a ``quarter`` system the reference
  scales it to ``round(2 (blocking + delay) / 3, 1)``;
- curriculum totals are sums over its courses; ``max`` is the largest course value (with
  the courses that reach it); ``longest_path_length`` and ``num_longest_paths`` describe
  the longest source-to-sink paths with at least one edge (0 and 0 for a curriculum with
  no requisites, where the reference finds no path).

The reference enumerates every source-to-sink path, which is exponential in the worst
case; here the same numbers come from dynamic programming over a topological order
(path counts and path-length sums into and out of each course, bitsets for
reachability), so large curricula cost milliseconds. Requisite triples in the
``suggestions`` graph (the teacher's proposals, not yet accepted) and the ``inferred``
graph (the reasoner's closure, which would add shortcut edges and change centrality) are
not counted. A curriculum whose requisites form a cycle has no metrics; its entry carries
an ``error`` naming the cycle instead.

**Concept-level gaps** (:func:`gap_report`), for curricula built of sections and concepts
(OpenStax-like graphs of ``docs/data-model.md``):

- *used before defined*: a concept whose ``kgs:firstUsedIn`` section comes, in reading
  order, strictly before the earliest section it is ``kgs:definedIn``. Reading order is
  the tuple of ``kgs:position`` values along the ``kgs:partOf`` chain from the curriculum
  down (chapter 2, section 3 -> ``(2, 3)``); only sections of the same curriculum are
  compared, and a section whose chain lacks a position has no place in the order and is
  not compared;
- *objectives never assessed*: a ``kgs:LearningObjective`` that no node ``kgs:assesses``,
  and none of whose taught concepts (``objective kgs:teaches concept``) any node
  ``kgs:assesses`` either;
- *concepts never taught*: a ``kgs:Concept`` that nothing ``kgs:teaches`` and that has no
  ``kgs:definedIn`` section.

A node belongs to the curriculum at the top of its ``kgs:partOf`` chain; a concept to its
``kgs:inCurriculum`` (else ``skos:inScheme``) curriculum, else to that of a section it is
defined in or first used in. Only curricula with at least one concept or objective are
reported. As for the metrics, triples of the ``suggestions`` and ``inferred`` graphs are
not counted.

>>> m = requisite_metrics(["a", "b", "c", "d", "e"], [("a", "c"), ("b", "c"), ("c", "d")])
>>> m["blocking_factor"], m["delay_factor"], m["centrality"]
({'a': 2, 'b': 2, 'c': 1, 'd': 0, 'e': 0}, {'a': 3, 'b': 3, 'c': 3, 'd': 3, 'e': 1}, {'a': 0, 'b': 0, 'c': 6, 'd': 0, 'e': 0})
>>> m["complexity"]["a"], m["longest_path_length"], m["num_longest_paths"]
(5, 3, 2)
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Hashable, Iterable, Sequence, TypeVar

from kg.cycles import find_cycle
from kg.errors import PrerequisiteCycle
from ontology.cycles import topological_order
from kg.store.base import Store
from kg.text_table import pad, width
from ontology.namespaces import INFERRED_GRAPH, KGS, SUGGESTIONS_GRAPH

__all__ = ["METRICS", "requisite_metrics", "curriculum_metrics", "format_metrics_table",
           "gap_report", "format_gap_report", "EXCLUDED_GRAPHS"]

N = TypeVar("N", bound=Hashable)

METRICS = ("blocking_factor", "delay_factor", "centrality", "complexity")

EXCLUDED_GRAPHS = (str(SUGGESTIONS_GRAPH), str(INFERRED_GRAPH))
"""Named graphs whose triples analytics does not count (proposals and inferred closure)."""

_PREFIXES = f"""PREFIX kgs: <{KGS._NS}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
_NOT_EXCLUDED = "FILTER (?g NOT IN (%s))" % ", ".join(f"<{g}>" for g in EXCLUDED_GRAPHS)


# ---- the metrics on a plain graph ------------------------------------------------------

def requisite_metrics(nodes: Sequence[N], edges: Iterable[tuple[N, N]], *, quarter: bool = False) -> dict:
    """Curricular Analytics metrics of a DAG given as ``nodes`` and ``edges`` (u, v): u is a
    requisite of v. Returns per-node dicts ``blocking_factor``, ``delay_factor``,
    ``centrality``, ``complexity`` and ``longest_path_length``, ``num_longest_paths``.
    Raises :class:`kg.errors.PrerequisiteCycle` on a cycle. Definitions: see the module docstring.
    """
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    succ: list[set[int]] = [set() for _ in range(n)]
    pred: list[set[int]] = [set() for _ in range(n)]
    for u, v in edges:
        a, b = index[u], index[v]
        succ[a].add(b)
        pred[b].add(a)

    # topological order; a short one means a cycle
    order = topological_order(range(n), dict(enumerate(pred)))
    if len(order) < n:
        cycle = find_cycle((nodes[a], nodes[b]) for a in range(n) for b in succ[a])
        raise PrerequisiteCycle([str(n) for n in (cycle or [])], what="requisite cycle",
                                advice="Remove one of these requisites.")

    # forward pass: longest path ending at v (edges), number and summed vertex-length of
    # source->v paths, number of longest paths ending at v
    up = [0] * n
    n_in = [0] * n
    s_in = [0] * n
    lp_count = [0] * n
    for v in order:
        if not pred[v]:
            n_in[v], s_in[v], lp_count[v] = 1, 1, 1
            continue
        up[v] = max(up[p] for p in pred[v]) + 1
        n_in[v] = sum(n_in[p] for p in pred[v])
        s_in[v] = sum(s_in[p] + n_in[p] for p in pred[v])
        lp_count[v] = sum(lp_count[p] for p in pred[v] if up[p] + 1 == up[v])
    # backward pass: longest path starting at v, number and summed length of v->sink paths,
    # reachable set as a bitset
    down = [0] * n
    n_out = [0] * n
    s_out = [0] * n
    reach = [0] * n
    for v in reversed(order):
        if not succ[v]:
            n_out[v], s_out[v] = 1, 1
            continue
        down[v] = max(down[s] for s in succ[v]) + 1
        n_out[v] = sum(n_out[s] for s in succ[v])
        s_out[v] = sum(s_out[s] + n_out[s] for s in succ[v])
        bits = 0
        for s in succ[v]:
            bits |= reach[s] | (1 << s)
        reach[v] = bits

    blocking, delay, centrality, complexity = {}, {}, {}, {}
    for i, node in enumerate(nodes):
        blocking[node] = bin(reach[i]).count("1")
        delay[node] = up[i] + down[i] + 1
        # paths source ~> i ~> sink with i interior: each joins a prefix (ending at i) and a
        # suffix (starting at i); vertex count = prefix + suffix - 1
        centrality[node] = (s_in[i] * n_out[i] + n_in[i] * s_out[i] - n_in[i] * n_out[i]
                            if pred[i] and succ[i] else 0)
        c = blocking[node] + delay[node]
        complexity[node] = round(c * 2 / 3, 1) if quarter else c
    sinks = [i for i in range(n) if pred[i] and not succ[i]]
    longest = max((up[i] + 1 for i in sinks), default=0)
    count = sum(lp_count[i] for i in sinks if up[i] + 1 == longest)
    return {"blocking_factor": blocking, "delay_factor": delay, "centrality": centrality,
            "complexity": complexity, "longest_path_length": longest, "num_longest_paths": count}


# ---- metrics over the store -----------------------------------------------------------

def _str(t) -> str | None:
    return None if t is None else str(t)


def _natural(text: str | None):
    """Sort key that orders '2' before '10' and numbers before words."""
    text = text or ""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _number(value):
    """A Decimal as int when whole (JSON prints 3, not 3.0), else float; others unchanged."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def curriculum_metrics(store: Store) -> dict:
    """Curricular Analytics metrics of every curriculum in ``store`` that has courses.

    Returns (JSON-serialisable)::

        {"curricula": [{"iri", "name", "institution", "degree_plan", "system_type",
                        "num_courses", "credit_hours", "num_terms",
                        "totals": {metric: value}, "max": {metric: value},
                        "max_courses": {metric: [course label, ...]},
                        "longest_path_length", "num_longest_paths",
                        "per_course": [{"iri", "id", "label", "course_number", "term",
                                        "credit_hours", metric: value, ...}]}, ...]}

    with ``metric`` each of :data:`METRICS`; curricula sorted by name, courses by term then
    Course ID. A curriculum whose requisites have a cycle has ``error`` (the cycle) instead
    of ``totals``/``max``/``per_course`` metrics.
    """
    curricula = {}
    for row in store.select(_PREFIXES + """
        SELECT ?cur ?label ?inst ?plan ?system WHERE {
          ?cur a kgs:Curriculum .
          FILTER EXISTS { ?course a kgs:Course ; kgs:partOf ?cur }
          OPTIONAL { ?cur rdfs:label ?label }
          OPTIONAL { ?cur kgs:institution ?inst }
          OPTIONAL { ?cur dcterms:alternative ?plan }
          OPTIONAL { ?cur kgs:systemType ?system }
        }"""):
        entry = curricula.setdefault(str(row["cur"]), {"iri": str(row["cur"]), "name": None,
                                                       "institution": None, "degree_plan": None,
                                                       "system_type": None})
        for key, var in (("name", "label"), ("institution", "inst"), ("degree_plan", "plan"),
                         ("system_type", "system")):
            if var in row and (entry[key] is None or str(row[var]) < entry[key]):
                entry[key] = str(row[var])  # smallest of several values: deterministic

    courses: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in store.select(_PREFIXES + """
        SELECT ?cur ?course ?id ?label ?num ?credits ?termNo WHERE {
          ?course a kgs:Course ; kgs:partOf ?cur .
          ?cur a kgs:Curriculum .
          OPTIONAL { ?course kgs:sourceId ?id }
          OPTIONAL { ?course rdfs:label ?label }
          OPTIONAL { ?course kgs:courseNumber ?num }
          OPTIONAL { ?course kgs:creditHours ?credits }
          OPTIONAL { ?course kgs:inTerm ?term . ?term kgs:termNumber ?termNo }
        }"""):
        cur, iri = str(row["cur"]), str(row["course"])
        c = courses[cur].setdefault(iri, {"iri": iri, "id": None, "label": None,
                                          "course_number": None, "term": None, "credit_hours": None})
        for key, var in (("id", "id"), ("label", "label"), ("course_number", "num")):
            if var in row and (c[key] is None or str(row[var]) < c[key]):
                c[key] = str(row[var])
        if "credits" in row and c["credit_hours"] is None:
            c["credit_hours"] = _number(row["credits"].toPython())
        if "termNo" in row and c["term"] is None:
            c["term"] = int(row["termNo"].toPython())

    edges: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in store.select(_PREFIXES + """
        SELECT DISTINCT ?cur ?course ?req WHERE {
          VALUES ?p { kgs:requires kgs:coRequires kgs:strictCoRequires }
          GRAPH ?g { ?course ?p ?req }
          %s
          ?course a kgs:Course ; kgs:partOf ?cur .
          ?req a kgs:Course ; kgs:partOf ?cur .
          ?cur a kgs:Curriculum .
        }""" % _NOT_EXCLUDED):
        edges[str(row["cur"])].add((str(row["req"]), str(row["course"])))

    out = []
    for cur, entry in curricula.items():
        cs = sorted(courses[cur].values(),
                    key=lambda c: (c["term"] is None, c["term"] or 0, _natural(c["id"]), c["iri"]))
        entry["name"] = entry["name"] or cur
        entry["num_courses"] = len(cs)
        entry["credit_hours"] = _number(sum(Decimal(str(c["credit_hours"] or 0)) for c in cs))
        entry["num_terms"] = len({c["term"] for c in cs if c["term"] is not None})
        label = {c["iri"]: _course_name(c) for c in cs}
        try:
            m = requisite_metrics([c["iri"] for c in cs], sorted(edges[cur]),
                                  quarter=entry["system_type"] == "quarter")
        except PrerequisiteCycle as e:
            entry["error"] = "requisite cycle: " + " -> ".join(label.get(n, n) for n in e.cycle)
            entry["per_course"] = cs
            out.append(entry)
            continue
        for c in cs:
            for metric in METRICS:
                c[metric] = m[metric][c["iri"]]
        entry["totals"] = {k: _number(round(sum(c[k] for c in cs), 1)) for k in METRICS}
        entry["max"] = {k: max(c[k] for c in cs) for k in METRICS}
        entry["max_courses"] = {k: [label[c["iri"]] for c in cs if c[k] == entry["max"][k]]
                                for k in METRICS}
        entry["longest_path_length"] = m["longest_path_length"]
        entry["num_longest_paths"] = m["num_longest_paths"]
        entry["per_course"] = cs
        out.append(entry)
    out.sort(key=lambda e: (e["name"], e["iri"]))
    return {"curricula": out}


def _course_name(c: dict) -> str:
    """'MATH 122A - Functions for Calculus', as the reference prints a course."""
    if c.get("course_number"):
        return f"{c['course_number']} - {c['label'] or c['iri']}"
    return c.get("label") or c["iri"]


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _table(headers: list[str], rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max([width(h)] + [width(r[i]) for r in rows]) for i, h in enumerate(headers)]

    def line(cells):
        return "  ".join(pad(c, w, right=i in right) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    return [line(headers), line(["-" * w for w in widths])] + [line(r) for r in rows]


def format_metrics_table(metrics: dict, *, per_course: bool = True) -> str:
    """Plain-text report of :func:`curriculum_metrics` output, one block per curriculum."""
    blocks = []
    names = {"blocking_factor": "blocking factor", "delay_factor": "delay factor",
             "centrality": "centrality", "complexity": "complexity"}
    for cur in metrics.get("curricula", []):
        title = cur["name"] + (f" ({cur['degree_plan']})" if cur.get("degree_plan") else "")
        lines = [title]
        about = [cur.get("institution"), f"{cur['num_courses']} courses",
                 f"{_fmt(cur['credit_hours'])} credit hours",
                 f"{cur['num_terms']} terms" if cur.get("num_terms") else None,
                 cur.get("system_type")]
        lines.append("  " + ", ".join(a for a in about if a))
        if "error" in cur:
            lines.append(f"  no metrics: {cur['error']}")
            blocks.append("\n".join(lines))
            continue
        rows = [[names[k], _fmt(cur["totals"][k]), _fmt(cur["max"][k]),
                 ", ".join(cur["max_courses"][k][:3]) + (" ..." if len(cur["max_courses"][k]) > 3 else "")]
                for k in METRICS]
        lines += ["  " + ln for ln in _table(["metric", "total", "max", "max course(s)"], rows, {1, 2})]
        lines.append(f"  longest path: {cur['longest_path_length']} courses "
                     f"({cur['num_longest_paths']} path{'s' if cur['num_longest_paths'] != 1 else ''})")
        if per_course:
            rows = [[c["id"] or "", c["course_number"] or "", (c["label"] or "")[:40],
                     "" if c["term"] is None else str(c["term"]),
                     "" if c["credit_hours"] is None else _fmt(c["credit_hours"]),
                     *(_fmt(c[k]) for k in METRICS)] for c in cur["per_course"]]
            lines.append("")
            lines += ["  " + ln for ln in _table(
                ["id", "number", "course", "term", "credits", "blocking", "delay", "centrality",
                 "complexity"], rows, {3, 4, 5, 6, 7, 8})]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no curriculum with courses in the store"


# ---- concept-level gaps ---------------------------------------------------------------

def _pairs(store: Store, prop) -> set[tuple[str, str]]:
    """(subject, object) IRIs of ``prop`` triples outside the excluded graphs."""
    rows = store.select(_PREFIXES + "SELECT DISTINCT ?s ?o WHERE { GRAPH ?g { ?s <%s> ?o } %s "
                        "FILTER (isIRI(?o)) }" % (prop, _NOT_EXCLUDED))
    return {(str(r["s"]), str(r["o"])) for r in rows}


def _labels(store: Store, cls) -> dict[str, str]:
    """IRI -> label of every node of class ``cls`` (skos:prefLabel, else rdfs:label, else IRI)."""
    pref: dict[str, set[str]] = defaultdict(set)
    plain: dict[str, set[str]] = defaultdict(set)
    for r in store.select(_PREFIXES + """SELECT ?x ?pl ?rl WHERE { ?x a <%s> .
            OPTIONAL { ?x skos:prefLabel ?pl } OPTIONAL { ?x rdfs:label ?rl } }""" % cls):
        x = str(r["x"])
        plain[x]  # every node gets an entry
        if "pl" in r:
            pref[x].add(str(r["pl"]))
        if "rl" in r:
            plain[x].add(str(r["rl"]))
    return {x: min(pref[x]) if pref.get(x) else min(ls) if ls else x for x, ls in plain.items()}


class _Order:
    """Curriculum and reading-order key of nodes along their ``kgs:partOf`` chains."""

    def __init__(self, store: Store, curricula: set[str]):
        self.curricula = curricula
        self.parent: dict[str, str] = {}
        self.position: dict[str, int] = {}
        for r in store.select(_PREFIXES + """SELECT ?x ?p ?pos WHERE {
                ?x kgs:partOf ?p . FILTER (isIRI(?p)) OPTIONAL { ?x kgs:position ?pos } }"""):
            x, p = str(r["x"]), str(r["p"])
            if x not in self.parent or p < self.parent[x]:  # several parents: smallest IRI
                self.parent[x] = p
            if "pos" in r:
                try:
                    self.position.setdefault(x, int(r["pos"].toPython()))
                except (TypeError, ValueError):
                    pass
        self._cache: dict[str, tuple[str | None, tuple[int, ...] | None]] = {}

    def locate(self, node: str) -> tuple[str | None, tuple[int, ...] | None]:
        """(curriculum IRI or None, positions from the top down or None when one is missing)."""
        if node in self._cache:
            return self._cache[node]
        chain, seen, x = [], set(), node
        while x not in self.curricula and x in self.parent and x not in seen:
            seen.add(x)
            chain.append(x)
            x = self.parent[x]
        root = x if x in self.curricula else None
        key = None
        if root is not None and all(c in self.position for c in chain):
            key = tuple(self.position[c] for c in reversed(chain))
        self._cache[node] = (root, key)
        return root, key


def gap_report(store: Store) -> dict:
    """Concept-level gaps of every curriculum that has concepts or objectives.

    Definitions (used before defined, objectives never assessed, concepts never taught):
    see the module docstring. Returns (JSON-serialisable)::

        {"curricula": [{"iri", "name",
                        "counts": {"concepts", "objectives", "used_before_defined",
                                   "objectives_never_assessed", "concepts_never_taught"},
                        "used_before_defined": [{"concept", "label",
                            "first_used_in": {"section", "label", "order"},
                            "defined_in": {"section", "label", "order"}}],
                        "objectives_never_assessed": [{"objective", "label", "part_of"}],
                        "concepts_never_taught": [{"concept", "label"}]}, ...]}

    ``order`` is the reading-order key (list of positions); lists are in reading order,
    then by label. Nodes that belong to no curriculum are reported under ``iri`` None.
    """
    cur_labels = _labels(store, KGS.Curriculum)
    order = _Order(store, set(cur_labels))
    concepts = _labels(store, KGS.Concept)
    objectives = _labels(store, KGS.LearningObjective)
    sections = _labels(store, KGS.Section)

    defined_in = _pairs(store, KGS.definedIn)
    first_used = _pairs(store, KGS.firstUsedIn)
    teaches = _pairs(store, KGS.teaches)
    assesses = _pairs(store, KGS.assesses)
    in_curriculum: dict[str, str] = {}
    for prop in (KGS.inCurriculum, "http://www.w3.org/2004/02/skos/core#inScheme"):
        for s, o in sorted(_pairs(store, prop)):
            if o in cur_labels:
                in_curriculum.setdefault(s, o)

    defs: dict[str, set[str]] = defaultdict(set)
    for c, s in defined_in:
        defs[c].add(s)
    uses: dict[str, set[str]] = defaultdict(set)
    for c, s in first_used:
        uses[c].add(s)

    def concept_curriculum(c: str) -> str | None:
        if c in in_curriculum:
            return in_curriculum[c]
        roots = sorted(r for r in (order.locate(s)[0] for s in defs[c] | uses[c]) if r)
        return roots[0] if roots else None

    def place(section: str) -> dict:
        return {"section": section, "label": sections.get(section) or section,
                "order": list(order.locate(section)[1] or [])}

    report: dict[str | None, dict] = {}

    def entry(cur: str | None) -> dict:
        if cur not in report:
            report[cur] = {"iri": cur, "name": cur_labels.get(cur) or cur or "(no curriculum)",
                           "counts": {"concepts": 0, "objectives": 0},
                           "used_before_defined": [], "objectives_never_assessed": [],
                           "concepts_never_taught": []}
        return report[cur]

    taught = {c for _, c in teaches}
    assessed = {x for _, x in assesses}
    for c, label in concepts.items():
        e = entry(concept_curriculum(c))
        e["counts"]["concepts"] += 1
        if c not in taught and c not in defs:
            e["concepts_never_taught"].append({"concept": c, "label": label})
        # used before defined: earliest use vs earliest definition in the same curriculum
        used = [(order.locate(s), s) for s in uses.get(c, ())]
        used = [(key, root, s) for (root, key), s in used if key is not None]
        if not used or not defs.get(c):
            continue
        key_u, root_u, s_u = min(used)
        defined = [(order.locate(s), s) for s in defs[c]]
        defined = [(key, s) for (root, key), s in defined if key is not None and root == root_u]
        if not defined:
            continue
        key_d, s_d = min(defined)
        if key_u < key_d:
            e["used_before_defined"].append({"concept": c, "label": label,
                                             "first_used_in": place(s_u), "defined_in": place(s_d)})

    teaches_by: dict[str, set[str]] = defaultdict(set)
    for s, c in teaches:
        teaches_by[s].add(c)
    for o, label in objectives.items():
        root, _key = order.locate(o)
        e = entry(root or in_curriculum.get(o))
        e["counts"]["objectives"] += 1
        if o in assessed or teaches_by[o] & assessed:
            continue
        parent = order.parent.get(o)
        e["objectives_never_assessed"].append({"objective": o, "label": label, "part_of": parent,
                                               "order": list(order.locate(o)[1] or [])})

    out = []
    for e in report.values():
        e["used_before_defined"].sort(key=lambda x: (x["first_used_in"]["order"], x["label"]))
        e["objectives_never_assessed"].sort(key=lambda x: (x["order"], x["label"]))
        e["concepts_never_taught"].sort(key=lambda x: (x["label"], x["concept"]))
        for k in ("used_before_defined", "objectives_never_assessed", "concepts_never_taught"):
            e["counts"][k] = len(e[k])
        out.append(e)
    out.sort(key=lambda e: (e["iri"] is None, e["name"]))
    return {"curricula": out}


def format_gap_report(report: dict, *, limit: int = 20) -> str:
    """Plain-text form of :func:`gap_report` output (at most ``limit`` lines per list)."""
    blocks = []
    for cur in report.get("curricula", []):
        n = cur["counts"]
        lines = [f"{cur['name']}: {n['concepts']} concepts, {n['objectives']} objectives"]
        sections = [
            ("concepts used before they are defined", cur["used_before_defined"],
             lambda x: f"{x['label']}: first used in {x['first_used_in']['label']}, "
                       f"defined in {x['defined_in']['label']}"),
            ("objectives never assessed", cur["objectives_never_assessed"], lambda x: x["label"]),
            ("concepts never taught", cur["concepts_never_taught"], lambda x: x["label"]),
        ]
        for title, items, show in sections:
            lines.append(f"  {title}: {len(items)}")
            lines += [f"    - {show(x)}" for x in items[:limit]]
            if len(items) > limit:
                lines.append(f"    ... and {len(items) - limit} more")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no curriculum with concepts or objectives in the store"
