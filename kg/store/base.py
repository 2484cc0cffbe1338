"""The store interface shared by both backends (embedded pyoxigraph, remote SPARQL 1.1).

Both backends promise the same behaviour; ``tests/kg/test_store.py`` runs one abstract
test class against each. Results use rdflib terms so callers never see a backend's own
term types.

Atomicity: :meth:`Store.replace_graphs` is the only write path importers use. It computes
the difference between what each named graph holds and what it should hold and applies
all of it in one transaction (one SPARQL Update request remotely), so an import lands
whole or not at all, and re-importing an unchanged source writes nothing. Import data
must not contain blank nodes (``DELETE DATA`` cannot name them); importers mint IRIs.
"""
from __future__ import annotations

import abc
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from kg.errors import StoreError
from kg.sparql_guard import QueryRefused, scan
from kg.store.terms import nt_term


@dataclass
class SelectResult:
    """Rows of a SELECT query; each row is a tuple aligned with ``variables`` (None = unbound)."""

    variables: list[str]
    rows: list[tuple[Node | None, ...]]
    truncated: bool = False  # True when a result-size cap cut the rows

    def dicts(self) -> list[dict[str, Node]]:
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self.rows)


@dataclass
class AskResult:
    value: bool

    def __bool__(self) -> bool:
        return self.value


@dataclass
class GraphResult:
    """Triples of a CONSTRUCT or DESCRIBE query."""

    triples: list[tuple[Node, Node, Node]]
    truncated: bool = False

    def graph(self) -> Graph:
        g = Graph()
        for t in self.triples:
            g.add(t)
        return g

    def __len__(self) -> int:
        return len(self.triples)


QueryResult = SelectResult | AskResult | GraphResult


@dataclass
class GraphChange:
    """What :meth:`Store.replace_graphs` did to one named graph."""

    graph: str
    added: int = 0
    removed: int = 0
    created: bool = False


@dataclass
class Quad:
    s: Node
    p: Node
    o: Node
    g: URIRef | None = None  # None = default graph


def triples_to_ntriples(triples: Iterable[tuple[Node, Node, Node]]) -> str:
    """Serialise triples as N-Triples, refusing blank nodes (see the module docstring)."""
    out: list[str] = []
    for s, p, o in triples:
        if isinstance(s, BNode) or isinstance(o, BNode):
            raise ValueError(f"blank node in import data: {s} {p} {o}; mint an IRI instead")
        out.append(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n")
    return "".join(out)


class Store(abc.ABC):
    """A quad store with SPARQL 1.1 Query and Update and named-graph replacement."""

    #: a short name for messages ("embedded", "remote")
    kind: str = "abstract"

    # ---- reading ------------------------------------------------------------------
    @abc.abstractmethod
    def query(self, sparql: str, *, timeout: float | None = None,
              max_results: int | None = None, union_default_graph: bool = True) -> QueryResult:
        """Run a SPARQL query. With ``union_default_graph`` (the default) triple patterns
        outside ``GRAPH`` match every named graph. ``timeout`` in seconds raises
        :class:`kg.errors.QueryTimeout`; ``max_results`` truncates rows (``truncated``)."""

    def select(self, sparql: str, **kw) -> list[dict[str, Node]]:
        """Rows of a SELECT query as dicts of variable name to rdflib term."""
        result = self.query(sparql, **kw)
        if not isinstance(result, SelectResult):
            raise TypeError("select() needs a SELECT query")
        return result.dicts()

    def ask(self, sparql: str, **kw) -> bool:
        result = self.query(sparql, **kw)
        if not isinstance(result, AskResult):
            raise TypeError("ask() needs an ASK query")
        return result.value

    @abc.abstractmethod
    def named_graphs(self) -> list[str]:
        """IRIs of the named graphs that hold at least one triple."""

    @abc.abstractmethod
    def graph_triples(self, graph: str) -> set[str]:
        """The triples of one named graph as N-Triples lines (without the final ' .')."""

    @abc.abstractmethod
    def count(self, graph: str | None = None) -> int:
        """Number of quads in the whole store, or triples in one named graph."""

    @abc.abstractmethod
    def dump(self, graph: str | None = None, fmt: str = "nquads") -> bytes:
        """Serialise one graph (turtle, ntriples, jsonld) or the whole store (nquads, trig)."""

    # ---- writing ------------------------------------------------------------------
    @abc.abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update in one transaction."""

    @abc.abstractmethod
    def replace_graphs(self, graphs: dict[str, str | bytes]) -> list[GraphChange]:
        """Atomically make each named graph hold exactly the given N-Triples."""

    def replace_graph(self, graph: str, ntriples: str | bytes) -> GraphChange:
        return self.replace_graphs({graph: ntriples})[0]

    @abc.abstractmethod
    def add_to_graph(self, graph: str, ntriples: str | bytes) -> None:
        """Atomically add N-Triples to a named graph (nothing removed)."""

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH <{graph}>")

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files / connections."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
# strings, IRIs and comments of SPARQL text (studio.app_logic blanks them before it looks
# for update keywords)
_SKIP = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
                   r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
                   r'|<[^<>"{}|^`\\\s]*>' r"|#[^\n]*", re.S)


def has_dataset_clause(sparql: str) -> bool:
    """True when a query names its own dataset with ``FROM`` or ``FROM NAMED``.

    >>> has_dataset_clause("SELECT * FROM <http://g> WHERE { ?s ?p ?o }")
    True
    >>> has_dataset_clause("SELECT ?from WHERE { ?s <http://x#from> 'FROM <a>' } # FROM <b>")
    False
    >>> has_dataset_clause("PREFIX g: <http://g/> SELECT * FROM NAMED g:1 { GRAPH ?g {?s ?p ?o} }")
    True
    >>> has_dataset_clause("SELECT * FROM<http://g> { ?s ?p ?o }")
    True
    """
    try:  # the lexer decides, not a regex
        return scan(sparql).has_dataset
    except QueryRefused:  # an unterminated string: the parser refuses the query anyway
        return False


def canonical_triples(data: str | bytes, graph: str = "") -> set[str]:
    """The N-Triples statements of ``data`` (without ' .') in the form an Oxigraph store
    gives them back: typed literals canonicalised (``"01"^^xsd:integer`` -> ``"1"``),
    language tags lower-cased. Diffing canonical strings on both sides keeps
    :meth:`Store.replace_graphs` idempotent for any input.

    >>> sorted(canonical_triples('<http://a> <http://p> "01"^^<http://www.w3.org/2001/XMLSchema#integer> .'))
    ['<http://a> <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer>']
    """
    try:
        triples = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    except SyntaxError as e:
        raise StoreError(f"bad N-Triples for graph <{graph}>: {e}") from e
    out: set[str] = set()
    typed = []
    for q in triples:
        o = q.object
        if isinstance(o, ox.Literal) and not o.language and o.datatype.value != _XSD_STRING:
            typed.append(q)
        else:
            out.add(str(ox.Triple(q.subject, q.predicate, o)))
    if typed:  # only the (few) typed literals go through a store, which canonicalises them
        tmp = ox.Store()
        tmp.extend(typed)
        out.update(str(ox.Triple(q.subject, q.predicate, q.object)) for q in tmp)
    return out


def diff_update(changes: dict[str, tuple[Sequence[str], Sequence[str]]]) -> str:
    """One SPARQL Update that removes and adds N-Triples lines per graph.

    ``changes`` maps graph IRI -> (lines to remove, lines to add); lines lack the final ' .'.
    """
    parts: list[str] = []
    for g, (remove, _add) in changes.items():
        if remove:
            parts.append("DELETE DATA { GRAPH <%s> {\n%s\n} }" % (g, " .\n".join(remove) + " ."))
    for g, (_remove, add) in changes.items():
        if add:
            parts.append("INSERT DATA { GRAPH <%s> {\n%s\n} }" % (g, " .\n".join(add) + " ."))
    return " ;\n".join(parts)
