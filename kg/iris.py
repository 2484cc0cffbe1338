"""Stable IRIs derived from source identifiers.

The same source identifier always gives the same IRI, so a re-import of the same source
is idempotent and a changed source updates in place. Identifiers are percent-encoded so
that any string (spaces, non-ASCII, ``#``) gives a valid IRI.

>>> mint("psychology-2e", "concept", "Empirical Method")
rdflib.term.URIRef('https://w3id.org/kgstudio/id/psychology-2e/concept/empirical-method')
>>> mint("bncc", "objective", "EF01LP01")
rdflib.term.URIRef('https://w3id.org/kgstudio/id/bncc/objective/EF01LP01')
>>> slug("Compreensão  de Textos!")
'compreensão-de-textos'
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from rdflib import URIRef

from ontology.namespaces import ID, graph_iri

_SPACE = re.compile(r"[\s_]+")
_UNSAFE = re.compile(r"[^\w\-.~]+", re.UNICODE)


def slug(text: str) -> str:
    """Lower-case, whitespace to '-', punctuation dropped, letters of any script kept."""
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = _SPACE.sub("-", text)
    text = _UNSAFE.sub("", text)
    return re.sub(r"-{2,}", "-", text).strip("-") or "x"


def mint(source: str, kind: str, local_id: str, *, slugify: bool | None = None) -> URIRef:
    """IRI of a node of ``kind`` with identifier ``local_id`` in ``source``.

    Concept identifiers are labels (case-folded into a slug, so "Psychology" and
    "psychology" meet); other kinds keep their identifier, percent-encoded.
    """
    if slugify is None:
        slugify = kind == "concept"
    local = slug(local_id) if slugify else local_id.strip()
    return ID[f"{quote(source, safe='-._~')}/{kind}/{quote(local, safe='-._~')}"]


def source_graph(source: str) -> URIRef:
    """Named graph holding everything imported from one source."""
    return graph_iri(f"source/{quote(source, safe='-._~')}")
