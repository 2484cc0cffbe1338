"""RDF terms: conversion between pyoxigraph terms and rdflib terms (the interface's term
type), and the one writer of term text (N-Triples, also valid in Turtle and SPARQL), built
with pyoxigraph's term classes, which escape literals and validate IRIs (a bad IRI is a
``ValueError``)."""
from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_RDF_LANG = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(t) -> Node | None:
    """pyoxigraph term -> rdflib term (None stays None)."""
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language, normalize=False)
        dt = t.datatype.value
        if dt == _XSD_STRING:
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(dt), normalize=False)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported term {t!r}")


def to_ox(t: Node):
    """rdflib term -> pyoxigraph term."""
    if isinstance(t, URIRef):
        return ox.NamedNode(str(t))
    if isinstance(t, Literal):
        if t.language:
            return ox.Literal(str(t), language=t.language)
        if t.datatype is not None:
            return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
        return ox.Literal(str(t))
    if isinstance(t, BNode):
        return ox.BlankNode(str(t))
    raise TypeError(f"unsupported term {t!r}")


def literal_text(text: str, *, lang: str | None = None, datatype: str | None = None) -> str:
    r"""``text`` as an RDF literal (N-Triples, Turtle and SPARQL syntax).

    >>> print(literal_text('say "hi"' + chr(10)), literal_text("5", datatype=_XSD + "integer"))
    "say \"hi\"\n" "5"^^<http://www.w3.org/2001/XMLSchema#integer>
    """
    if lang:
        return str(ox.Literal(text, language=lang))
    if datatype:
        return str(ox.Literal(text, datatype=ox.NamedNode(datatype)))
    return str(ox.Literal(text))


def nt_term(t: Node) -> str:
    r"""N-Triples form of an rdflib term (also valid in Turtle and SPARQL); blank nodes as
    ``_:label``.

    >>> print(nt_term(Literal('say "hi"' + chr(10) + 'now', lang="en")))
    "say \"hi\"\nnow"@en
    """
    if isinstance(t, BNode):
        return f"_:{t}"
    return str(to_ox(t))
