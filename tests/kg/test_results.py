"""kg.results: exact W3C result formats, round trips through rdflib's parsers, negotiation."""
from __future__ import annotations

import io
import json

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.query import Result

from kg.text_table import width
from kg.results import (CONTENT_TYPES, MEDIA_TYPES, NotAcceptable, SerializationError, negotiate,
                        serialize, table)
from kg.store.base import AskResult, GraphResult, SelectResult

EX = "http://example.org/"
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain Namespace: no doctest-collection warning


def _lit(value, **kw):
    return Literal(value, normalize=False, **kw)


@pytest.fixture
def tricky() -> SelectResult:
    """Every kind of term, an unbound value, and strings that need escaping in each format."""
    return SelectResult(["s", "o"], [
        (URIRef(EX + "a"), _lit('say "hi",\nthen\ttab\r\\', lang="en-GB")),
        (BNode("b0"), _lit("12", datatype=XSD.integer)),
        (None, _lit("1.5e3", datatype=XSD.double)),
        (URIRef(EX + "b"), None),
        (URIRef(EX + "c"), _lit("2020-01-31", datatype=XSD.date)),
        (URIRef(EX + "c"), _lit("<a & b>")),
        (URIRef(EX + "c"), _lit("Ação ✓")),
    ])


def _normalised(t):
    if isinstance(t, Literal):
        return Literal(str(t), lang=t.language, datatype=t.datatype)
    return t


def rows_of(data: bytes, fmt: str):
    res = Result.parse(io.BytesIO(data), format=fmt)
    return [str(v) for v in res.vars], [tuple(row) for row in res]


# ---- exact output on a tiny result -----------------------------------------------------------
SMALL = SelectResult(["x", "l"], [(URIRef(EX + "x"), _lit("X", lang="en")), (BNode("n1"), None)])


def test_json_exact():
    assert json.loads(serialize(SMALL, "json")) == {
        "head": {"vars": ["x", "l"]},
        "results": {"bindings": [
            {"x": {"type": "uri", "value": EX + "x"},
             "l": {"type": "literal", "value": "X", "xml:lang": "en"}},
            {"x": {"type": "bnode", "value": "n1"}},
        ]}}
    assert serialize(SMALL, "json") == (
        b'{"head":{"vars":["x","l"]},"results":{"bindings":['
        b'{"x":{"type":"uri","value":"http://example.org/x"},'
        b'"l":{"type":"literal","value":"X","xml:lang":"en"}},'
        b'{"x":{"type":"bnode","value":"n1"}}]}}')


def test_xml_exact():
    assert serialize(SMALL, "xml").decode() == """\
<?xml version="1.0" encoding="UTF-8"?>
<sparql xmlns="http://www.w3.org/2005/sparql-results#">
  <head>
    <variable name="x"/>
    <variable name="l"/>
  </head>
  <results>
    <result>
      <binding name="x"><uri>http://example.org/x</uri></binding>
      <binding name="l"><literal xml:lang="en">X</literal></binding>
    </result>
    <result>
      <binding name="x"><bnode>n1</bnode></binding>
    </result>
  </results>
</sparql>
"""


def test_csv_exact(tricky):
    assert serialize(tricky, "csv") == (
        b's,o\r\n'
        b'http://example.org/a,"say ""hi"",\nthen\ttab\r\\"\r\n'
        b'_:b0,12\r\n'
        b',1.5e3\r\n'
        b'http://example.org/b,\r\n'
        b'http://example.org/c,2020-01-31\r\n'
        b'http://example.org/c,<a & b>\r\n'
        + 'http://example.org/c,Ação ✓\r\n'.encode())


def test_tsv_exact(tricky):
    assert serialize(tricky, "tsv").decode() == (
        '?s\t?o\n'
        # pyoxigraph writes language tags in their normalised (lower-case) form, as the store holds them
        '<http://example.org/a>\t"say \\"hi\\",\\nthen\\ttab\\r\\\\"@en-gb\n'
        '_:b0\t12\n'
        '\t1.5e3\n'
        '<http://example.org/b>\t\n'
        '<http://example.org/c>\t"2020-01-31"^^<http://www.w3.org/2001/XMLSchema#date>\n'
        '<http://example.org/c>\t"<a & b>"\n'
        '<http://example.org/c>\t"Ação ✓"\n')


def test_tsv_numbers_only_bare_when_valid_turtle():
    r = SelectResult(["n"], [(_lit("1.0", datatype=XSD.decimal),), (_lit("+7", datatype=XSD.integer),),
                             (_lit("NaN", datatype=XSD.double),), (_lit("12", datatype=XSD.decimal),),
                             (_lit("true", datatype=XSD.boolean),)])
    assert serialize(r, "tsv").decode().splitlines() == [
        "?n", "1.0", "+7",
        '"NaN"^^<http://www.w3.org/2001/XMLSchema#double>',
        '"12"^^<http://www.w3.org/2001/XMLSchema#decimal>',  # bare 12 would be an integer
        '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>']


def test_ask_exact():
    assert serialize(AskResult(True), "json") == b'{"head":{},"boolean":true}'
    assert serialize(AskResult(False), "xml").decode() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">\n'
        '  <head/>\n  <boolean>false</boolean>\n</sparql>\n')
    assert serialize(AskResult(True), "table") == b"true\n"


def test_xml_keeps_carriage_returns_and_refuses_control_chars():
    data = serialize(SelectResult(["v"], [(_lit("a\r\nb"),)]), "xml")
    assert b"a&#13;\nb" in data
    assert rows_of(data, "xml")[1] == [(Literal("a\r\nb"),)]
    with pytest.raises(SerializationError, match="U\\+0001.*JSON"):
        serialize(SelectResult(["v"], [(_lit("bell\x01"),)]), "xml")
    assert json.loads(serialize(SelectResult(["v"], [(_lit("bell\x01"),)]), "json"))[
        "results"]["bindings"][0]["v"]["value"] == "bell\x01"


# ---- rdflib reads them back to the same rows ---------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_round_trip_lossless_formats(tricky, fmt):
    variables, rows = rows_of(serialize(tricky, fmt), fmt)
    assert variables == ["s", "o"]
    # rdflib's parsers normalise lexical forms ("1.5e3" -> "1500.0"); compare normalised terms
    assert rows == [tuple(_normalised(t) for t in row) for row in tricky.rows]


def test_round_trip_csv_is_lossy_but_faithful(tricky):
    variables, rows = rows_of(serialize(tricky, "csv"), "csv")
    assert variables == ["s", "o"]
    # CSV drops language tags and datatypes by design; values and unbound cells survive
    assert [tuple(None if t is None else str(t) for t in r) for r in rows] == [
        (EX + "a", 'say "hi",\nthen\ttab\r\\'), ("_:b0", "12"), (None, "1.5e3"),
        (EX + "b", None), (EX + "c", "2020-01-31"), (EX + "c", "<a & b>"), (EX + "c", "Ação ✓")]


def test_round_trip_ask():
    for fmt in ("json", "xml"):
        for value in (True, False):
            assert Result.parse(io.BytesIO(serialize(AskResult(value), fmt)), format=fmt).askAnswer is value


def test_empty_select():
    empty = SelectResult(["a", "b"], [])
    assert serialize(empty, "csv") == b"a,b\r\n"
    assert serialize(empty, "tsv") == b"?a\t?b\n"
    assert rows_of(serialize(empty, "json"), "json") == (["a", "b"], [])
    assert rows_of(serialize(empty, "xml"), "xml") == (["a", "b"], [])


# ---- graphs ----------------------------------------------------------------------------------------
GRAPH = GraphResult([
    (URIRef("https://w3id.org/kgstudio/id/demo/concept/a"),
     URIRef("http://www.w3.org/2004/02/skos/core#prefLabel"), _lit("Ação", lang="pt")),
    (URIRef("https://w3id.org/kgstudio/id/demo/concept/a"), URIRef(EX + "n"), _lit("3", datatype=XSD.integer)),
])


def test_graph_exact_ntriples_and_turtle():
    assert serialize(GRAPH, "ntriples").decode() == (
        '<https://w3id.org/kgstudio/id/demo/concept/a> <http://www.w3.org/2004/02/skos/core#prefLabel> "Ação"@pt .\n'
        '<https://w3id.org/kgstudio/id/demo/concept/a> <http://example.org/n> '
        '"3"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
    ttl = serialize(GRAPH, "turtle").decode()
    assert "@prefix skos: <http://www.w3.org/2004/02/skos/core#> ." in ttl
    assert "@prefix kgs:" not in ttl  # only prefixes the graph uses


@pytest.mark.parametrize("fmt,rdflib_fmt", [("turtle", "turtle"), ("ntriples", "nt"),
                                            ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_graph_round_trip(fmt, rdflib_fmt):
    g = Graph().parse(data=serialize(GRAPH, fmt), format=rdflib_fmt)
    assert set(g) == set(GRAPH.graph())


def test_graph_with_blank_nodes():
    b = BNode("x1")
    res = GraphResult([(b, URIRef(EX + "p"), _lit("v")), (URIRef(EX + "s"), URIRef(EX + "q"), b)])
    g = Graph().parse(data=serialize(res, "turtle"), format="turtle")
    assert len(g) == 2
    (node,) = set(g.subjects(URIRef(EX + "p"), Literal("v")))
    assert (URIRef(EX + "s"), URIRef(EX + "q"), node) in g


def test_wrong_format_for_kind():
    with pytest.raises(SerializationError, match="select result cannot be written as turtle"):
        serialize(SMALL, "turtle")
    with pytest.raises(SerializationError, match="ask result cannot be written as turtle"):
        serialize(AskResult(True), "turtle")
    with pytest.raises(SerializationError, match="unknown result format 'yaml'"):
        serialize(SMALL, "yaml")


# ---- terminal table -----------------------------------------------------------------------------
def test_table_exact():
    r = SelectResult(["concept", "label"], [
        (URIRef("https://w3id.org/kgstudio/ns#Concept"), _lit("Line one\nline two")),
        (URIRef(EX + "x"), _lit("短い", lang="ja")),
        (None, _lit("2020-01-31", datatype=XSD.date)),
    ], truncated=True)
    assert table(r) == (
        "+------------------------+------------------------+\n"
        "| concept                | label                  |\n"
        "+------------------------+------------------------+\n"
        "| kgs:Concept            | Line one\\nline two     |\n"
        "| <http://example.org/x> | \"短い\"@ja" + " " * 13 + " |\n"  # wide characters take 2 columns
        "|                        | \"2020-01-31\"^^xsd:date |\n"
        "+------------------------+------------------------+\n"
        "3 rows (truncated by the result-size limit)\n")
    assert len({width(line) for line in table(r).splitlines()[:-1]}) == 1


def test_table_clips_cells():
    r = SelectResult(["v"], [(_lit("x" * 100),)])
    lines = table(r, max_width=10).splitlines()
    assert lines[3] == "| xxxxxxxxx… |"
    assert table(r, max_width=None).splitlines()[3] == "| " + "x" * 100 + " |"


def test_table_graph():
    assert table(GRAPH).splitlines() == [
        "+-----------------------------------------------+------------------------+-----------+",
        "| subject                                       | predicate              | object    |",
        "+-----------------------------------------------+------------------------+-----------+",
        '| <https://w3id.org/kgstudio/id/demo/concept/a> | skos:prefLabel         | "Ação"@pt |',
        "| <https://w3id.org/kgstudio/id/demo/concept/a> | <http://example.org/n> | 3         |",
        "+-----------------------------------------------+------------------------+-----------+",
        "2 triples"]
    assert table(SelectResult([], [])) == "0 rows\n"


# ---- content negotiation ------------------------------------------------------------------------
@pytest.mark.parametrize("accept,kind,fmt", [
    (None, "select", "json"), ("", "ask", "json"), ("*/*", "graph", "turtle"),
    ("application/sparql-results+xml", "select", "xml"),
    ("application/sparql-results+xml", "ask", "xml"),
    ("text/csv", "select", "csv"), ("text/tab-separated-values", "select", "tsv"),
    ("text/plain", "select", "table"), ("text/plain", "ask", "table"),
    ("application/json", "select", "json"), ("application/json", "graph", "jsonld"),
    ("text/turtle", "graph", "turtle"), ("application/n-triples", "graph", "ntriples"),
    ("text/plain", "graph", "ntriples"), ("application/ld+json", "graph", "jsonld"),
    ("application/rdf+xml", "graph", "rdfxml"),
    # q-values
    ("text/csv;q=0.4, application/sparql-results+xml;q=0.8", "select", "xml"),
    ("application/sparql-results+json;q=0.1, text/tab-separated-values", "select", "tsv"),
    ("text/turtle;q=0.5, application/ld+json", "graph", "jsonld"),
    # more specific beats a wildcard at the same q; the explicit range wins over */*
    ("application/sparql-results+xml, */*", "select", "xml"),
    ("*/*;q=0.9, text/csv;q=0.9", "select", "csv"),
    ("text/*", "select", "csv"), ("application/*", "graph", "ntriples"),
    # q=0 refuses even if a wildcard would accept it
    ("application/sparql-results+json;q=0, */*", "select", "xml"),
    # SPARQLWrapper / rdflib SPARQLStore headers
    ("application/sparql-results+json,application/json,text/javascript,application/javascript", "select", "json"),
    ("application/sparql-results+xml, application/rdf+xml", "graph", "rdfxml"),
    ("application/turtle,text/turtle", "graph", "turtle"),
    # browser
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "select", "xml"),
    ("TEXT/CSV ; Q=1", "select", "csv"), ("garbage, text/csv;q=abc, text/tab-separated-values", "select", "tsv"),
])
def test_negotiate(accept, kind, fmt):
    assert negotiate(accept, kind) == fmt


@pytest.mark.parametrize("accept,kind", [
    ("text/html", "select"), ("text/turtle", "ask"), ("text/csv", "graph"),
    ("application/sparql-results+json", "graph"), ("text/turtle", "select"), ("*/*;q=0", "select")])
def test_not_acceptable(accept, kind):
    with pytest.raises(NotAcceptable, match="this endpoint offers"):
        negotiate(accept, kind)


def test_media_types_cover_every_format():
    assert set(MEDIA_TYPES) == {"json", "xml", "csv", "tsv", "table", "turtle", "ntriples", "jsonld", "rdfxml",
                                "nquads", "trig"}
    assert CONTENT_TYPES["csv"] == "text/csv; charset=utf-8"
    assert CONTENT_TYPES["json"] == "application/sparql-results+json"
